-- bench/oci_client.lua: regbench's OCI client cost, for bench/oci_vs_skopeo.sh.
-- Generates `images` images of `layers` x `layer_size` exactly as
-- `regbench gen --images N --layers L --layer-size S --seed SEED` does (image i
-- uses the seed the CLI derives for it), checks each manifest digest against
-- `expect` when given (so regbench pushes the very bytes skopeo pushes from the
-- layout), then pushes them all ("push" phase) and pulls them back with full
-- SHA-256 + size verification of every blob ("pull" phase). Image generation
-- (the digest pass) happens before the phases, so a phase's client.cpu_s is
-- the cost of the transfers alone.
local rb = require "regbench"

local images = rb.param("images", 1, {doc = "number of images"})
local layers = rb.param("layers", 1, {doc = "layers per image"})
local layer_size = rb.param("layer_size", "10MB", {type = "size", doc = "stored (compressed) size of each layer"})
local seed = rb.param("seed", 1, {doc = "the seed given to `regbench gen --seed`"})
local repo = rb.param("repo", "bench/oci", {doc = "repository; image i is pushed as REPO-i:v1 (REPO when images=1)"})
local conc = rb.param("layer_concurrency", 3, {doc = "blobs in flight per push/pull"})
local expect = rb.param("expect", "", {doc = "comma-separated manifest digests the images must have (from the layout)"})
local pull_only = rb.param("pull_only", false, {doc = "skip generation and push: pull (and verify) images pushed by an earlier run; needs expect"})

-- rb_gen_derive_seed (src/gen_layer.c): splitmix64 twice. Lua integers wrap mod 2^64 and >> is logical.
local function splitmix64(x)
  x = x + 0x9e3779b97f4a7c15
  local z = x
  z = (z ~ (z >> 30)) * 0xbf58476d1ce4e5b9
  z = (z ~ (z >> 27)) * 0x94d049bb133111eb
  return x, z ~ (z >> 31)
end
local function derive_seed(s, n)
  local x = s ~ (n * 0xd1342543de82ef95 + 0x5851f42d4c957f2d)
  local _
  x, _ = splitmix64(x)
  local _, r = splitmix64(x)
  return r
end

local want = {}
for d in expect:gmatch("[^,%s]+") do want[#want + 1] = d end
if #want > 0 and #want ~= images then error(("expect has %d digests for %d images"):format(#want, images)) end

if pull_only and #want == 0 then error("pull_only needs expect (the digests to pull)") end
local imgs, total = {}, 0
for i = 1, pull_only and 0 or images do
  local s = derive_seed(seed, i - 1)
  if s < 0 then
    error(("image %d: derived seed 0x%x does not fit rb.image.generate's seed range; pick another --seed"):format(i, s))
  end
  imgs[i] = rb.image.generate{layers = layers, layer_size = layer_size, compression = 6, compressibility = 0.5, seed = s}
  if want[i] and imgs[i].digest ~= want[i] then
    error(("image %d: digest %s differs from the layout's %s"):format(i, imgs[i].digest, want[i]))
  end
  total = total + imgs[i].total_size
end
local function name(i) return images == 1 and repo or (repo .. "-" .. (i - 1)) end

local reg = rb.registry.target()
if not pull_only then rb.phase("push", function()
  for i = 1, images do
    local r, e = reg:push(name(i), "v1", imgs[i], {layer_concurrency = conc})
    assert(r, tostring(e))
    assert(r.blobs_uploaded == layers + 1, "blobs were skipped: the registry is not fresh")
  end
end) end
local pulled = 0
rb.phase("pull", function()
  for i = 1, images do
    local p, e = reg:pull(name(i), "v1", {layer_concurrency = conc})
    assert(p, tostring(e))
    assert(p.verified and p.digest == (want[i] or imgs[i].digest))
    pulled = pulled + p.bytes
  end
end)
print(("oci_client: %d images, %d bytes of blobs pushed, %d bytes pulled and verified"):format(images, total, pulled))
