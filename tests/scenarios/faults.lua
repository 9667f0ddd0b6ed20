-- Pulls through whatever misbehaves in front of the registry (a fault proxy,
-- a stopped registry) and counts what came back, without asserting success:
-- the test reads the error classes from results.json. Phase "setup" pushes
-- the image (unless push=false), phase "pulls" makes `pulls` pulls.
local rb = require "regbench"
local pulls = rb.param("pulls", 10)
local do_push = rb.param("push", true)
local size = rb.param("size", "2MB", {type = "size"})
local reg = rb.registry.target()
local img = rb.image.generate{layers = 2, layer_size = size // 2, seed = 77}
if do_push then
  rb.phase("setup", function() assert(reg:push("faults/test", "v1", img)) end)
end
local ok, failed = 0, {}
rb.phase("pulls", function()
  for _ = 1, pulls do
    local p, e = reg:pull("faults/test", "v1")
    if p then ok = ok + 1 else failed[#failed + 1] = e.class end
  end
end)
print(("faults: %d ok, %d failed: %s"):format(ok, #failed, table.concat(failed, ",")))
