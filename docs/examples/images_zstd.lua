-- docs/examples/images_zstd.lua: zstd layers (docs/lua-api.md, "rb.image";
-- docs/images.md): compression and level, the layer fields, a push and a
-- verified pull of a tar+zstd image, and the Docker refusal.
local rb = require "regbench"

local img = rb.image.generate{layers = 2, layer_size = "512KB", compression = "zstd", level = 3, seed = 5}
for _, l in ipairs(img.layers) do
  assert(l.media_type == "application/vnd.oci.image.layer.v1.tar+zstd")
  assert(l.size == 512000)                               -- the stored size, exactly
end
local one = rb.image.layer{size = "1MB", compression = "zstd", seed = 9}
assert(one.compression == "zstd" and one.level == 3)     -- zstd's default level
local gz = rb.image.layer{size = "1MB", compression = 6, seed = 9}
assert(gz.compression == 6 and gz.level == 6)            -- gzip: the level, as before zstd

-- Same parameters and seed, same bytes.
local again = rb.image.generate{layers = 2, layer_size = "512KB", compression = "zstd", level = 3, seed = 5}
assert(again.digest == img.digest)

-- Docker schema 2 has no zstd layer type: refused.
local ok, err = pcall(rb.image.generate, {layer_size = "512KB", compression = "zstd", format = "docker"})
assert(not ok and err:find("Docker schema 2", 1, true))

local reg = rb.registry.target()
rb.phase("push", function() assert(reg:push("docs/zstd", "v1", img)) end)
local p = rb.phase("pull", function() return assert(reg:pull("docs/zstd", "v1")) end)
assert(p.digest == img.digest and p.verified and #p.layers == 2)
