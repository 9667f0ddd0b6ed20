-- bulk.lua: many images one after another. `images` images of mixed sizes
-- are pushed sequentially (phase push), then pulled sequentially (phase
-- pull). The phase duration is the total time, its throughput the average
-- MB/s, and its latency histogram the distribution of per-image latency.
-- With image=PATH (an OCI layout, an OCI archive or a docker save tarball,
-- see rb.image.open) the `images` repositories all get that one real image:
-- the first push uploads its blobs, the others find them (HEAD) when the
-- registry shares blobs across repositories, which shows cross-repository
-- dedup on real data (counters blobs_uploaded and blobs_skipped).
--
--   regbench run scenarios/bulk.lua --set images=100 --set sizes=1MB,5MB,20MB
--   regbench run scenarios/bulk.lua --set images=20 --set image=./my-layout
local rb = require "regbench"

local images = rb.param("images", 100, {doc = "number of images"})
local sizes = rb.param("sizes", "1MB,2MB,5MB,10MB,20MB", {doc = "image sizes, used round-robin"})
local layers = rb.param("layers", 3, {doc = "layers per image"})
local compression = rb.param("compression", "gzip", {doc = "layer compression: gzip, zstd or none"})
local level = rb.param("level", compression == "zstd" and 3 or 6,
                       {doc = "compression level: gzip 0-9 (default 6), zstd 1-19 (default 3)"})
local seed = rb.param("seed", 2, {doc = "content seed"})
local image = rb.param("image", "", {doc = "a real image pushed to every repository (OCI layout dir, OCI archive or docker save tar); \"\" = synthetic"})
local image_ref = rb.param("image_ref", "", {doc = "with image: which image in it (ref name or RepoTag; \"\" = the only one)"})
local image_verify = rb.param("image_verify", false, {doc = "with image: hash each layer as it is sent; a mismatch is bad input (exit 2)"})

local list = {}
for item in sizes:gmatch("[^,%s]+") do list[#list + 1] = rb.size(item) end
local reg = rb.registry.target()

-- Generation happens before the measured phases. Sharded (--shard, --procs),
-- each shard pushes and pulls the images it owns (rb.share).
local imgs = {}
local real
if image ~= "" then
  local err
  real, err = rb.image.open(image, {ref = image_ref ~= "" and image_ref or nil, verify = image_verify})
  if not real then rb.input_error(err) end   -- a bad file (push errors that blame it: exit 2 too)
end
for i in rb.share(images) do
  local total = list[(i - 1) % #list + 1]
  imgs[i] = real or rb.image.generate{layers = layers, layer_size = math.max(1024, total // layers),
                                      compression = compression, level = compression ~= "none" and level or nil,
                                      seed = seed * 1000003 + i}
end

rb.phase("push", function()
  for i in rb.share(images) do assert(reg:push("bulk/img" .. i, "v1", imgs[i])) end
end)
rb.phase("pull", function()
  for i in rb.share(images) do assert(reg:pull("bulk/img" .. i, "v1")) end
end)
