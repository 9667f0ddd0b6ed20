-- Pushes images for interop checks: one OCI image per upload mode, a Docker
-- schema 2 image and a multi-platform index; writes the references it made
-- (one per line) to the file `refs` so the test can hand them to skopeo and
-- crane. Every push is asserted.
local rb = require "regbench"
local refs_file = rb.param("refs", "", {doc = "file to write the pushed references to"})
local size = rb.param("size", "3MB", {type = "size"})
local seed = rb.param("seed", 1)
local reg = rb.registry.target()
local host = reg.url:gsub("^https?://", "")
local out = {}

rb.phase("push", function()
  for i, mode in ipairs{"monolithic", "post", "chunked", "stream"} do
    local img = rb.image.generate{layers = 3, layer_size = size, compression = 6, seed = seed * 100 + i}
    local r, e = reg:push("interop/" .. mode, "v1", img, {mode = mode, chunk_size = "1MB"})
    assert(r, tostring(e))
    assert(r.digest == img.digest and r.blobs_uploaded == 4, mode)
    out[#out + 1] = host .. "/interop/" .. mode .. ":v1"
  end
  local d = rb.image.generate{layers = 2, layer_size = size, format = "docker", seed = seed * 100 + 9}
  assert(reg:push("interop/docker", "v1", d))
  out[#out + 1] = host .. "/interop/docker:v1"
  local ix = rb.image.index{platforms = {"linux/amd64", "linux/arm64"}, layers = 2, layer_size = size,
                            seed = seed * 100 + 10}
  local r = assert(reg:push("interop/index", "v1", ix))
  assert(r.images == 2 and r.digest == ix.digest)
  out[#out + 1] = host .. "/interop/index:v1"
  -- pushing the same image again skips every blob
  local again = assert(reg:push("interop/monolithic", "v2",
    rb.image.generate{layers = 3, layer_size = size, compression = 6, seed = seed * 100 + 1}))
  assert(again.blobs_skipped == 4 and again.blobs_uploaded == 0)
end)

rb.phase("pull", function()
  for _, mode in ipairs{"monolithic", "post", "chunked", "stream"} do
    local p = assert(reg:pull("interop/" .. mode, "v1"))
    assert(p.verified and #p.layers == 3)
  end
  assert(reg:pull("interop/docker", "v1"))
  local arm = assert(reg:pull("interop/index", "v1", {platform = "linux/arm64"}))
  assert(arm.index_digest and #arm.layers == 2)
end)

if refs_file ~= "" then
  local f = assert(io.open(refs_file, "w"))
  f:write(table.concat(out, "\n"), "\n")
  f:close()
end
