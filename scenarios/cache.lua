-- cache.lua: a pull-through cache. The registry under test caches another
-- registry (run regbench with --registry distribution --pull-through, or
-- --registry distribution3: it starts a crane registry upstream and points
-- distribution's `proxy: remoteurl` at it). Images are pushed to the upstream (phase seed), pulled
-- through the cache once (phase cold: the cache must fetch from the
-- upstream) and again (phase warm: it should serve from its own storage).
-- Latency and MB/s of each are the phases' own.
--
-- Hit rate, per phase, two ways (gauges):
--   cache_hit_rate{phase}           1 - misses / blob requests, where a miss is a
--                                   blob the cache fetched from the upstream during the
--                                   phase (distinct digests in the upstream's request log);
--   registry_proxy_hit_rate{phase}  the registry's own proxy counters (distribution's
--                                   /debug/vars): hits / (hits + misses). distribution
--                                   2.8 counts every blob it serves as a hit and never
--                                   counts a miss, so this reads 1.0 even when cold;
--                                   distribution 3 counts misses (0.0 when cold).
--
--   regbench run scenarios/cache.lua --registry distribution --pull-through
local rb = require "regbench"

local images = rb.param("images", 10, {doc = "images to pull through the cache"})
local size = rb.param("size", "10MB", {type = "size", doc = "image size"})
local layers = rb.param("layers", 3, {doc = "layers per image"})
local vus = rb.param("vus", 4, {doc = "concurrent pulls"})
local seed = rb.param("seed", 6, {doc = "content seed"})

local hit_rate = rb.metrics.gauge("cache_hit_rate")
local proxy_rate = rb.metrics.gauge("registry_proxy_hit_rate")
local reg = rb.registry.target()
if not reg.upstream then
  error("cache.lua needs a pull-through cache: run it with --registry distribution --pull-through "
        .. "(or a suite registry with pull_through: true)")
end


-- distribution's proxy counters, from its debug server
local function proxy_stats()
  if not reg.debug_url then return nil end
  local r = rb.http.request{url = reg.debug_url .. "/debug/vars", op = "debug_vars", nested = true}
  local j = r and r.status == 200 and rb.json.decode(r.body)
  local p = type(j) == "table" and j.registry and j.registry.proxy
  if type(p) ~= "table" or type(p.blobs) ~= "table" then return nil end
  return {hits = p.blobs.Hits or 0, misses = p.blobs.Misses or 0}
end

-- distinct blobs the upstream served since byte offset `from` of its log
local function log_size()
  local f = reg.upstream.log and io.open(reg.upstream.log, "r")
  if not f then return nil end
  local n = f:seek("end")
  f:close()
  return n
end
local function upstream_blobs(from)
  local f = io.open(reg.upstream.log, "r")
  f:seek("set", from)
  local seen, n = {}, 0
  for line in f:lines() do
    local d = line:match("GET /v2/[^ ]+/blobs/(sha256:%x+)")
    if d and not seen[d] then seen[d] = true; n = n + 1 end
  end
  f:close()
  return n
end

local repos, blobs_per_image = {}, layers + 1
for i = 1, images do repos[i] = "cache/img" .. i end
-- Seeded once for the whole run (on one shard, when sharded); the pulls
-- are split by rb.parallel's VUs.
rb.setup("seed", function()
  for i = 1, images do
    assert(reg.upstream:push(repos[i], "v1", rb.image.generate{layers = layers, layer_size = math.max(1024, size // layers),
                                                              compression = 6, seed = seed * 1000003 + i}))
  end
end)

for _, phase in ipairs{"cold", "warm"} do
  local before, offset = proxy_stats(), log_size()
  rb.phase(phase, function()
    rb.parallel(vus, function(v)
      for i = v, images, vus do assert(reg:pull(repos[i], "v1")) end
    end)
  end)
  local requests = images * blobs_per_image
  if offset then
    local misses = upstream_blobs(offset)
    hit_rate:add(1 - misses / requests, {phase = phase})
    print(("cache %s: %d blob requests, %d fetched from the upstream"):format(phase, requests, misses))
  end
  local after = proxy_stats()
  if before and after then
    local hits, misses = after.hits - before.hits, after.misses - before.misses
    proxy_rate:add(hits + misses > 0 and hits / (hits + misses) or 0, {phase = phase})
  end
end
