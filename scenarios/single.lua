-- single.lua: one image at a time. For every size class and compression
-- level: push one image, then pull it back (every byte verified), repeated
-- `repeat` times with fresh content each time (nothing deduplicates).
-- Phases are named push/size=10MB/level=6 and pull/size=10MB/level=6, so
-- latency and MB/s come out per size and level.
-- With image=PATH (an OCI layout, an OCI archive or a docker save tarball,
-- see rb.image.open) it pushes and pulls that real image instead, `repeat`
-- times, in phases push/image and pull/image; every push uploads every blob
-- again (skip_existing = false), so each repetition measures the transfer.
--
--   regbench run scenarios/single.lua --set sizes=1MB,10MB --set levels=1,6
--   regbench run scenarios/single.lua --storage disk --set sizes=1GB --set levels=6
--   regbench run scenarios/single.lua --set compression=zstd --set levels=1,3,19
-- With compression=zstd, phases, repositories and tags also name it
-- (push/size=10MB/zstd-level=3); gzip keeps the names it always had.
--   regbench run scenarios/single.lua --set image=./my-image.tar
local rb = require "regbench"

local sizes = rb.param("sizes", "1MB,10MB,100MB,1GB", {doc = "image sizes (compressed), comma-separated"})
local compression = rb.param("compression", "gzip", {doc = "layer compression: gzip or zstd (levels name none for plain tar)"})
if compression ~= "gzip" and compression ~= "zstd" then
  error("compression: '" .. compression .. "' is not accepted; use gzip or zstd (and levels=none for plain tar)")
end
local levels = rb.param("levels", compression == "zstd" and "1,3,9,19" or "0,1,6,9",
                        {doc = "compression levels, comma-separated: gzip 0-9 (default 0,1,6,9), zstd 1-19 (default 1,3,9,19), or none"})
local layers = rb.param("layers", 1, {doc = "layers per image (the size is split evenly)"})
local reps = rb.param("repeat", 1, {doc = "repetitions of each size x level"})
local compressibility = rb.param("compressibility", 0.5, {doc = "fraction of layer bytes that compress away"})
local mode = rb.param("mode", "monolithic", {doc = "upload mode: monolithic, post, chunked, stream"})
local seed = rb.param("seed", 1, {doc = "content seed; change it to push content the registry has not seen"})
local image = rb.param("image", "", {doc = "a real image to push instead (OCI layout dir, OCI archive or docker save tar); \"\" = synthetic"})
local image_ref = rb.param("image_ref", "", {doc = "with image: which image in it (ref name or RepoTag; \"\" = the only one)"})
local image_verify = rb.param("image_verify", false, {doc = "with image: hash each layer as it is sent; a mismatch is bad input (exit 2)"})

local function list(s)
  local out = {}
  for item in s:gmatch("[^,%s]+") do out[#out + 1] = item end
  return out
end

local push_mbps = rb.metrics.trend("push_MBps")
local pull_mbps = rb.metrics.trend("pull_MBps")
local reg = rb.registry.target()
local n = 0

-- A real image: opened once (its blobs stream from the files when pushed).
if image ~= "" then
  local img, err = rb.image.open(image, {ref = image_ref ~= "" and image_ref or nil, verify = image_verify})
  if not img then rb.input_error(err) end   -- a bad file (push errors that blame it: exit 2 too)
  for r = 1, reps do
    local mine = (r - 1) % rb.shard().count == rb.shard().index
    local t0 = rb.now()
    local res = rb.phase("push/image", function()
      return mine and assert(reg:push("single/image", "r" .. r, img, {mode = mode, skip_existing = false}))
    end)
    if mine then push_mbps:add(res.bytes_sent / 1e6 / (rb.now() - t0), {image = img.kind}) end
    t0 = rb.now()
    local p = rb.phase("pull/image", function()
      return mine and assert(reg:pull("single/image", "r" .. r))
    end)
    if mine then pull_mbps:add(p.bytes / 1e6 / (rb.now() - t0), {image = img.kind}) end
  end
  return
end

for _, size in ipairs(list(sizes)) do
  local bytes = rb.size(size)
  for _, level in ipairs(list(levels)) do
    local comp = level == "none" and "none" or compression
    local lv = level ~= "none" and tonumber(level) or nil
    for r = 1, reps do
      n = n + 1
      -- sharded, every shard enters every phase (they meet before each), and
      -- the shard that owns combination n does its push and pull
      local mine = (n - 1) % rb.shard().count == rb.shard().index
      local img = mine and rb.image.generate{layers = layers, layer_size = math.max(1024, bytes // layers),
                                    compression = comp, level = lv, compressibility = compressibility,
                                    seed = seed * 1000003 + n}
      local z = compression == "zstd" and level ~= "none"
      local repo = ("single/s%s-%s%s"):format(size:lower(), z and "zstd-l" or "l", level)
      local tags = {size = size, level = level, compression = z and "zstd" or nil}
      local label = ("size=%s/%slevel=%s"):format(size, z and "zstd-" or "", level)
      local t0 = rb.now()
      local res = rb.phase("push/" .. label, function()
        return mine and assert(reg:push(repo, "r" .. r, img, {mode = mode}))
      end)
      if mine then push_mbps:add(res.bytes_sent / 1e6 / (rb.now() - t0), tags) end
      t0 = rb.now()
      local p = rb.phase("pull/" .. label, function()
        return mine and assert(reg:pull(repo, "r" .. r))
      end)
      if mine then pull_mbps:add(p.bytes / 1e6 / (rb.now() - t0), tags) end
    end
  end
end
