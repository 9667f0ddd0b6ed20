-- docs/examples/registry_gc.lua: rb.registry.gc (docs/lua-api.md). Run on
-- crane (the docs test's registry) it is skipped with the reason; on a
-- distribution launched with --storage disk it collects.
local rb = require "regbench"

local reg = rb.registry.target()
local r = assert(reg:push("gc/example", "v1", rb.image.generate{layers = 1, layer_size = 10000, seed = 1}))
assert(reg:delete_manifest("gc/example", r.digest))

local pid = reg.pid
local g, why = rb.registry.gc()
if reg.kind == "crane" then
  assert(g == nil and why == "crane has no garbage collector")
elseif reg.storage == "disk" and reg.kind ~= "external" then
  assert(g.seconds > 0 and g.storage_after < g.storage_before and g.output:match("blobs marked"))
  assert(reg.pid ~= pid)   -- stopped and started again
else
  assert(g == nil and type(why) == "string")
end
-- a phase open at the call raises: the collector stops the registry
rb.phase("no gc inside", function()
  assert(not pcall(rb.registry.gc))
end)
