-- Several short phases of pings, for the sharding tests: every phase is a
-- barrier between the shards. `stall_shard` makes that shard sleep
-- `stall` seconds before the last phase (so a test can kill it there).
local rb = require "regbench"
local phases = rb.param("phases", 5, {doc = "phases"})
local pings = rb.param("pings", 8, {doc = "pings per phase, split across the shards"})
local stall_shard = rb.param("stall_shard", -1, {doc = "the shard that stalls before the last phase (-1: none)"})
local stall = rb.param("stall", "0s", {type = "duration", doc = "how long it stalls"})
local reg = rb.registry.target()
for p = 1, phases do
  if p == phases and rb.shard().index == stall_shard then rb.sleep(stall) end
  rb.phase("p" .. p, function()
    for _ in rb.share(pings) do assert(reg:ping()) end
  end)
end
