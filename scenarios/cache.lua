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
-- Stampede (stampede=N > 0): before cold, phase stampede starts N pulls of one
-- more image (cache/stampede, never pulled before) at the same moment and
-- counts, from the upstream's request log, how often the cache fetched each
-- of its blobs and its manifest from the upstream (1 is ideal):
--   stampede_upstream_fetches{blob=DIGEST}   GETs of that blob the upstream served
--   stampede_upstream_fetches_max            the most for any blob
--   stampede_upstream_manifest_gets          GETs of the image's manifest
--   stampede_upstream_heads                  HEADs of its blobs and manifest (the
--                                            cache's existence checks)
--   stampede_first_layer_byte_ms             the first pull's time to first byte: of
--                                            the N pulls, the first to get the first
--                                            byte of the image's first layer's body,
--                                            from its start (reg:pull's
--                                            timings.first_layer_byte, timed by the
--                                            client); what a user streaming the image
--                                            waits for the cold cache to start
--   stampede_layer_byte_ms                   trend: the same for each of the N pulls
--   stampede_first_manifest_ms               the first of the N pulls to get the
--                                            manifest (and index), from its start
--   stampede_pull_ms                         trend: each of the N whole pulls
--
--   regbench run scenarios/cache.lua --registry distribution --pull-through
local rb = require "regbench"

local images = rb.param("images", 10, {doc = "images to pull through the cache"})
local size = rb.param("size", "10MB", {type = "size", doc = "image size"})
local layers = rb.param("layers", 3, {doc = "layers per image"})
local vus = rb.param("vus", 4, {doc = "concurrent pulls"})
local seed = rb.param("seed", 6, {doc = "content seed"})
local stampede = rb.param("stampede", 0, {doc = "concurrent first pulls of one uncached image (0: no stampede phase)"})
if stampede < 0 or stampede > 1000 then error("stampede must be between 0 and 1000") end

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
  -- read between phases, so unmeasured: it is not the workload
  local r = rb.unmeasured(rb.http.request, {url = reg.debug_url .. "/debug/vars"})
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

-- GETs the upstream served since byte offset `from` of its log, per blob
-- digest and of the manifests of `repo`, and its HEADs of `repo` that found something
local function upstream_gets(from, repo)
  local f = io.open(reg.upstream.log, "r")
  f:seek("set", from)
  local blobs, manifests, heads = {}, 0, 0
  local prefix = " /v2/" .. repo .. "/"
  for line in f:lines() do
    local at = line:find(prefix, 1, true)
    local method = at and line:sub(1, at - 1):match("(%u+)$")
    if method == "GET" then
      local rest = line:sub(at + #prefix)
      local d = rest:match("^blobs/(sha256:%x+)")
      if d then blobs[d] = (blobs[d] or 0) + 1 end
      if rest:match("^manifests/") then manifests = manifests + 1 end
    elseif method == "HEAD" and not line:find(" 404 ", at, true) then   -- not the seeding push's checks
      heads = heads + 1
    end
  end
  f:close()
  return blobs, manifests, heads
end

if stampede > 0 then
  local repo = "cache/stampede"
  local img = rb.image.generate{layers = layers, layer_size = math.max(1024, size // layers), compression = 6,
                                seed = seed * 1000003 + images + 1}
  rb.setup("seed-stampede", function() assert(reg.upstream:push(repo, "v1", img)) end)
  local fetches = rb.metrics.gauge("stampede_upstream_fetches")
  local first_manifest_ms = rb.metrics.gauge("stampede_first_manifest_ms")
  local first_byte_ms = rb.metrics.gauge("stampede_first_layer_byte_ms")
  local byte_ms = rb.metrics.trend("stampede_layer_byte_ms")
  local pull_ms = rb.metrics.trend("stampede_pull_ms")
  local offset = assert(log_size(), "the upstream's log cannot be read")
  local first, first_byte, digests = math.huge, math.huge, nil
  rb.phase("stampede", function()
    rb.parallel(stampede, function()
      local t0 = rb.now()
      local r = assert(reg:pull(repo, "v1"))
      pull_ms:add((rb.now() - t0) * 1000)
      first = math.min(first, r.timings.manifest)
      local fb = assert(r.timings.first_layer_byte, "the stampede image's first layer came without a body")
      byte_ms:add(fb * 1000)
      first_byte = math.min(first_byte, fb)
      digests = digests or r
    end)
  end)
  -- the upstream logs each request when it is answered, and the cache may
  -- still be storing in the background: read until the counts stay put (bounded)
  local blobs, manifests, heads, last = nil, 0, 0, nil
  for _ = 1, 20 do
    blobs, manifests, heads = upstream_gets(offset, repo)
    local now = manifests * 1000 + heads
    for _, n in pairs(blobs) do now = now * 1000 + n end
    if now == last then break end
    last = now
    rb.sleep(0.25)
  end
  local max = 0
  local wanted = {digests.config}
  for _, l in ipairs(digests.layers) do wanted[#wanted + 1] = l end
  for _, d in ipairs(wanted) do
    local n = blobs[d.digest] or 0
    fetches:add(n, {blob = d.digest})
    max = math.max(max, n)
    print(("cache stampede: %d concurrent first pulls, blob %s fetched %d times from the upstream"):format(
      stampede, d.digest, n))
  end
  rb.metrics.gauge("stampede_upstream_fetches_max"):add(max)
  rb.metrics.gauge("stampede_upstream_manifest_gets"):add(manifests)
  rb.metrics.gauge("stampede_upstream_heads"):add(heads)
  first_manifest_ms:add(first * 1000)
  first_byte_ms:add(first_byte * 1000)
  print(("cache stampede: manifest fetched %d times from the upstream; first manifest after %.1f ms, "
         .. "first byte of the first layer after %.1f ms"):format(manifests, first * 1000, first_byte * 1000))
end

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
