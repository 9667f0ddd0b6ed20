-- k8s_job.lua: a small push then pull for tests/integration/test_k8s_job.sh,
-- which runs it as the pods of the Indexed Job that `regbench k8s` renders.
-- `vus` VUs (all shards together) each push an image of their own, then pull
-- it back; the merged run holds `vus` pushes and `vus` pulls.
local rb = require "regbench"

local vus = rb.param("vus", 6, {doc = "virtual users, all shards together"})
local size = rb.param("size", "32KB", {type = "size", doc = "layer size"})

local reg = rb.registry.target()
local imgs = {}
for i = 1, vus do
  imgs[i] = rb.image.generate{layers = 1, layer_size = size, compression = 1, seed = 4200 + i}
end

rb.phase("push", function()
  rb.parallel(vus, function(i) assert(reg:push("k8s/img" .. i, "v1", imgs[i])) end)
end)
rb.phase("pull", function()
  rb.parallel(vus, function(i) assert(reg:pull("k8s/img" .. i, "v1")) end)
end)
