-- dedup.lua: images that share layers. Phase push-unique pushes `images`
-- images with no layer in common; phase push-shared pushes `images` images of
-- which a `share_ratio` fraction of layers are the same base layers, each
-- to its own repository (the registry may skip them after HEAD, or mount
-- them across repositories). Compare the two phases' latency for the time
-- cost of shared against unique layers.
--
-- It reports (custom counters, and built-in counters in each phase):
--   logical_bytes{phase}  bytes the images add up to, as if nothing were shared
--                         (push-base too: the base image pushed in setup)
--   sent_bytes{phase}     bytes regbench actually uploaded
--   blobs_skipped / blobs_mounted / blobs_uploaded counters per phase
-- and each phase's registry block in results.json has storage_bytes (disk
-- storage) or rss_end_bytes (memory storage): bytes pushed against bytes
-- stored.
--
--   regbench run scenarios/dedup.lua --storage disk --set share_ratio=0.75
local rb = require "regbench"

local images = rb.param("images", 20, {doc = "images per phase"})
local layers = rb.param("layers", 4, {doc = "layers per image"})
local layer_size = rb.param("layer_size", "2MB", {type = "size", doc = "size of each layer"})
local share_ratio = rb.param("share_ratio", 0.5, {doc = "fraction of each image's layers shared (0..1)"})
local seed = rb.param("seed", 5, {doc = "content seed"})

if share_ratio < 0 or share_ratio > 1 then error("share_ratio must be between 0 and 1") end
local logical = rb.metrics.counter("logical_bytes")   -- counters: shards of one run add up
local sent = rb.metrics.counter("sent_bytes")
local reg = rb.registry.target()
local shared_n = math.floor(layers * share_ratio + 0.5)

local base = {}
for i = 1, shared_n do
  base[i] = rb.image.layer{size = layer_size, compression = 6, seed = seed * 7919 + i}
end

local made = 0   -- the number of the image being made: its seed
local function image(with_shared)
  return rb.image.generate{layers = layers, layer_size = layer_size, compression = 6,
                           seed = seed * 1000003 + made, shared = with_shared and base or nil}
end
-- Sharded (--shard, --procs), each shard pushes the images it owns
-- (rb.share); the base image is pushed once, before any shared push.
local unique, shared = {}, {}
for i = 1, images do
  made = i
  if (i - 1) % rb.shard().count == rb.shard().index then unique[i] = image(false) end
end
for i = 1, images do
  made = images + i
  if (i - 1) % rb.shard().count == rb.shard().index then shared[i] = image(true) end
end

local function push_all(name, imgs, from)
  local total_logical, total_sent = 0, 0
  rb.phase(name, function()
    for i in rb.share(images) do
      local img = imgs[i]
      local r = assert(reg:push(("dedup/%s-%d"):format(name, i), "v1", img, {from = from}))
      total_logical = total_logical + img.total_size
      total_sent = total_sent + r.bytes_sent
    end
  end)
  logical:add(total_logical, {phase = name})
  sent:add(total_sent, {phase = name})
end

push_all("push-unique", unique)
-- the base layers live in a repository of their own first, so the shared
-- pushes can mount them from there
if shared_n > 0 then
  rb.setup("push-base", function()
    local img = rb.image.generate{layers = shared_n, shared = base, seed = seed}
    local r = assert(reg:push("dedup/base", "v1", img))
    logical:add(img.total_size, {phase = "push-base"})
    sent:add(r.bytes_sent, {phase = "push-base"})
  end)
end
push_all("push-shared", shared, shared_n > 0 and "dedup/base" or nil)
