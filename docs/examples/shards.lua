-- docs/examples/shards.lua: a scenario that splits its work across shards
-- (docs/lua-api.md, "Shards"). Unsharded (as test_docs_examples runs it) it
-- does all the work; `regbench run docs/examples/shards.lua --procs 2` runs
-- it as two shards against one launched crane and merges their results.
local rb = require "regbench"

local me = rb.shard()
local reg = rb.registry.target()
local n = 12

-- pushed once, before any shard pulls: the same names on every shard
rb.setup("seed", function()
  for i = 1, n do
    assert(reg:push("shards/img" .. i, "v1", rb.image.generate{layers = 1, layer_size = "4KB", seed = i}))
  end
end)

local pulled = 0
rb.phase("pull", function()
  for i in rb.share(n) do                      -- this shard's part of 1..n
    assert(reg:pull("shards/img" .. i, "v1"))
    pulled = pulled + 1
  end
end)
local mine = 0
for _ in rb.share(n) do mine = mine + 1 end
assert(pulled == mine and (me.count > 1 or pulled == n))

-- draws keyed by what they are for: the same on every shard
local u = rb.random(7, 42, 1)
assert(u >= 0 and u < 1 and u == rb.random(7, 42, 1) and u ~= rb.random(7, 42, 2))
