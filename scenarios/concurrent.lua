-- concurrent.lua: N parallel uploads, then N parallel downloads, for each
-- concurrency level N (1 is always measured first, as the baseline). Each VU
-- pushes its own image (unique content), then each pulls one back.
-- It reports, per level and operation, the aggregate MB/s and the
-- scalability figure: throughput at N / (N x throughput at 1), and the p99
-- growth: p99 latency at N / p99 at 1 (as gauges scalability{...} and
-- p99_growth{...}; 1.0 = perfect scaling, no contention).
-- With image=PATH (an OCI layout, an OCI archive or a docker save tarball,
-- see rb.image.open) every VU pushes that one real image to its own
-- repository, uploading every blob (skip_existing = false, so the registry's
-- dedup does not hide the transfers), then pulls it back.
--
--   regbench run scenarios/concurrent.lua --set levels=1,10,50,100 --set size=10MB
--   regbench run scenarios/concurrent.lua --set levels=1,8 --set image=./my-image.tar
local rb = require "regbench"

local levels = rb.param("levels", "1,10,50,100", {doc = "concurrency levels, comma-separated"})
local size = rb.param("size", "10MB", {type = "size", doc = "image size"})
local layers = rb.param("layers", 2, {doc = "layers per image"})
local compression = rb.param("compression", "gzip", {doc = "layer compression: gzip, zstd or none"})
local level = rb.param("level", compression == "zstd" and 3 or 6,
                       {doc = "compression level: gzip 0-9 (default 6), zstd 1-19 (default 3)"})
local layer_concurrency = rb.param("layer_concurrency", 1, {doc = "parallel blob transfers within one push/pull"})
local seed = rb.param("seed", 3, {doc = "content seed"})
local image = rb.param("image", "", {doc = "a real image every VU pushes (OCI layout dir, OCI archive or docker save tar); \"\" = synthetic"})
local image_ref = rb.param("image_ref", "", {doc = "with image: which image in it (ref name or RepoTag; \"\" = the only one)"})
local image_verify = rb.param("image_verify", false, {doc = "with image: hash each layer as it is sent; a mismatch is bad input (exit 2)"})

local ns = {1}
for item in levels:gmatch("[^,%s]+") do
  local v = math.tointeger(tonumber(item))
  if not v or v < 1 then error("levels: '" .. item .. "' is not a positive integer") end
  if v ~= 1 then ns[#ns + 1] = v end
end

local scal = rb.metrics.gauge("scalability")
local growth = rb.metrics.gauge("p99_growth")
local tput = rb.metrics.gauge("throughput_MBps")
local reg = rb.registry.target()

local function p99(xs)
  table.sort(xs)
  return xs[math.max(1, math.ceil(#xs * 0.99))]
end

local real
if image ~= "" then
  local err
  real, err = rb.image.open(image, {ref = image_ref ~= "" and image_ref or nil, verify = image_verify})
  if not real then rb.input_error(err) end   -- a bad file (push errors that blame it: exit 2 too)
end

local base = {}
local made = 0
for _, n in ipairs(ns) do
  local imgs = {}
  for i = 1, n do   -- sharded: only the images of this shard's VUs (rb.parallel splits them)
    made = made + 1
    if real then
      imgs[i] = real
    elseif (i - 1) % rb.shard().count == rb.shard().index then
      imgs[i] = rb.image.generate{layers = layers, layer_size = math.max(1024, size // layers),
                                  compression = compression, level = compression ~= "none" and level or nil,
                                  seed = seed * 1000003 + made}
    end
  end
  for _, op in ipairs{"push", "pull"} do
    local lat, bytes = {}, 0
    local t0 = rb.now()
    rb.phase(("%s/vus=%d"):format(op, n), function()
      rb.parallel(n, function(i)
        local s = rb.now()
        local r
        if op == "push" then
          r = assert(reg:push("concurrent/n" .. n .. "-" .. i, "v1", imgs[i],
                              {layer_concurrency = layer_concurrency, skip_existing = real == nil}))
          bytes = bytes + r.bytes_sent
        else
          r = assert(reg:pull("concurrent/n" .. n .. "-" .. i, "v1", {layer_concurrency = layer_concurrency}))
          bytes = bytes + r.bytes
        end
        lat[i] = rb.now() - s
      end)
    end)
    local mbps = bytes / 1e6 / (rb.now() - t0)
    local tags = {op = op, vus = tostring(n)}
    tput:add(mbps, tags)
    if n == 1 then
      base[op] = {mbps = mbps, p99 = p99(lat)}
    end
    scal:add(mbps / (n * base[op].mbps), tags)
    growth:add(p99(lat) / base[op].p99, tags)
  end
end
