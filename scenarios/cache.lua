-- cache.lua: a pull-through cache. The registry under test caches another
-- registry (run regbench with --registry distribution --pull-through: it
-- starts a crane registry upstream and points distribution's `proxy:
-- remoteurl` at it). Images are pushed to the upstream (phase seed), pulled
-- through the cache once (phase cold: misses, the cache fetches from the
-- upstream) and again (phase warm: hits). Latency and MB/s of each are the
-- phases' own; the hit rate comes from the registry's own counters
-- (distribution's /debug/vars proxy statistics), as gauges
-- cache_hit_rate{phase}, and the requests regbench saw, in each phase.
--
--   regbench run scenarios/cache.lua --registry distribution --pull-through
local rb = require "regbench"

local images = rb.param("images", 10, {doc = "images to pull through the cache"})
local size = rb.param("size", "10MB", {type = "size", doc = "image size"})
local layers = rb.param("layers", 3, {doc = "layers per image"})
local vus = rb.param("vus", 4, {doc = "concurrent pulls"})
local seed = rb.param("seed", 6, {doc = "content seed"})

local reg = rb.registry.target()
if not reg.upstream then
  error("cache.lua needs a pull-through cache: run it with --registry distribution --pull-through "
        .. "(or a suite registry with pull_through: true)")
end

local hit_rate = rb.metrics.gauge("cache_hit_rate")
local function proxy_stats()
  if not reg.debug_url then return nil end
  local r = rb.http.request{url = reg.debug_url .. "/debug/vars", op = "debug_vars", nested = true}
  local j = r and r.status == 200 and rb.json.decode(r.body)
  local p = type(j) == "table" and j.registry and j.registry.proxy
  if type(p) ~= "table" or type(p.blobs) ~= "table" then return nil end
  return {hits = p.blobs.Hits or 0, misses = p.blobs.Misses or 0, requests = p.blobs.Requests or 0,
          pulled = p.blobs.BytesPulled or 0}
end

local repos = {}
rb.phase("seed", function()
  for i = 1, images do
    repos[i] = "cache/img" .. i
    assert(reg.upstream:push(repos[i], "v1", rb.image.generate{layers = layers, layer_size = math.max(1024, size // layers),
                                                              compression = 6, seed = seed * 1000003 + i}))
  end
end)

for _, phase in ipairs{"cold", "warm"} do
  local before = proxy_stats()
  rb.phase(phase, function()
    rb.parallel(vus, function(v)
      for i = v, images, vus do assert(reg:pull(repos[i], "v1")) end
    end)
  end)
  local after = proxy_stats()
  if before and after then
    local hits, misses = after.hits - before.hits, after.misses - before.misses
    local total = hits + misses
    hit_rate:add(total > 0 and hits / total or 0, {phase = phase})
    print(("cache %s: %d hits, %d misses (registry counters), %d bytes pulled from upstream"):format(
      phase, hits, misses, after.pulled - before.pulled))
  end
end
