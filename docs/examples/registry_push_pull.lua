-- docs/examples/registry_push_pull.lua: the OCI client on the registry under
-- test: whole-image push and pull, single blobs in every upload mode,
-- existence checks, mounts, ranged and verified blob reads, manifests, tags
-- and deletes (docs/lua-api.md, "rb.registry").
local rb = require "regbench"

local reg = rb.registry.target()
assert(reg:ping())

local img = rb.image.generate{layers = 2, layer_size = "256KB", compression = 6, seed = 7}

-- Push: HEAD-check each blob, upload config and layers, then the manifest.
local res
rb.phase("push", function()
  res = assert(reg:push("docs/app", "v1", img, {layer_concurrency = 2}))
end)
assert(res.digest == img.digest and res.tag == "v1")
assert(res.blobs_uploaded == 3 and res.blobs_skipped == 0)       -- config + 2 layers
assert(res.bytes_sent >= img.total_size)                         -- blobs + manifest bytes
assert(res.timings.total >= res.timings.blobs)

-- Pushing the same image again skips every blob (they exist).
local again = assert(reg:push("docs/app", "v2", img))
assert(again.blobs_skipped == 3 and again.blobs_uploaded == 0)

-- Pull: manifest, then config and layers, each verified against its digest.
local p = rb.phase("pull", function() return assert(reg:pull("docs/app", "v1")) end)
assert(p.digest == img.digest and p.verified and #p.layers == 2)
assert(p.config.digest == img.config.digest)
assert(p.bytes == img.total_size + #img.manifest)

-- Single blobs in each upload mode.
for i, mode in ipairs{"monolithic", "post", "chunked", "stream"} do
  local layer = rb.image.layer{size = "300KB", seed = 100 + i}
  local r = assert(reg:push_blob("docs/blobs", layer, {mode = mode, chunk_size = "100KB"}))
  assert(r.digest == layer.digest and r.how == "uploaded" and r.bytes_sent == layer.size, mode)
  assert(reg:blob_exists("docs/blobs", layer.digest) == true)
end
-- Raw bytes are a blob too; skip_existing HEAD-checks first.
local b1 = assert(reg:push_blob("docs/blobs", "hello, registry"))
local b2 = assert(reg:push_blob("docs/blobs", "hello, registry", {skip_existing = true}))
assert(b1.how == "uploaded" and b2.how == "skipped" and b2.bytes_sent == 0)
assert(b1.digest == rb.sha256("hello, registry"))
assert(reg:blob_exists("docs/blobs", rb.sha256("not there")) == false)

-- Cross-repository mount: true when the registry mounted the blob, false
-- when it answered 202 (it opened an upload session instead); nil, err on
-- failure. So test for nil, not with assert alone.
local mounted, merr = reg:mount("docs/other", img.layers[1].digest, "docs/app")
assert(mounted ~= nil, tostring(merr))
assert(type(mounted) == "boolean")

-- Blob reads: verified by default; a range is not verified.
local g = assert(reg:get_blob("docs/app", img.layers[1].digest, {size = img.layers[1].size}))
assert(g.verified and g.bytes == img.layers[1].size and g.status == 200)
local part = assert(reg:get_blob("docs/app", img.layers[1].digest, {range = "0-99"}))
assert(part.verified == false and (part.status == 206 and part.bytes == 100 or part.status == 200))

-- Manifests.
local m = assert(reg:get_manifest("docs/app", "v1"))
assert(m.digest == img.digest and m.media_type == img.media_type and m.bytes == img.manifest)
assert(#m.manifest.layers == 2 and m.manifest.config.digest == img.config.digest)
assert(reg:put_manifest("docs/app", "copy", m.bytes, m.media_type) == img.digest)

-- Tags, with or without pagination.
local tags = assert(reg:tags("docs/app", {page_size = 1}))
table.sort(tags)
assert(table.concat(tags, ",") == "copy,v1,v2")

-- rb.json.decode parses JSON bodies of your own requests.
local r = assert(rb.http.request{url = reg.url .. "/v2/docs/app/tags/list"})
local j = assert(rb.json.decode(r.body))
assert(j.name == "docs/app" and #j.tags == 3)

-- Multi-platform index: every image by digest, then the index under the tag.
local ix = rb.image.index{platforms = {"linux/amd64", "linux/arm64"}, layers = 1, layer_size = "64KB", seed = 9}
local ir = assert(reg:push("docs/multi", "v1", ix))
assert(ir.images == 2 and ir.digest == ix.digest)
local arm = assert(reg:pull("docs/multi", "v1", {platform = "linux/arm64"}))
assert(arm.index_digest == ix.digest and arm.digest == ix.images[2].digest)

-- Deletes.
assert(reg:delete_manifest("docs/app", "copy"))
assert(reg:delete_blob("docs/blobs", b1.digest))
print(("registry_push_pull.lua: pushed %s (%d bytes sent), pulled %d bytes"):format(res.digest, res.bytes_sent, p.bytes))
