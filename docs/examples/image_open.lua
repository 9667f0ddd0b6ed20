-- docs/examples/image_open.lua: rb.image.open, a user's image read from disk
-- and pushed as it is (docs/lua-api.md, "rb.image.open"). hello-layout/,
-- beside this file, is a tiny OCI image layout made with umoci (one layer
-- holding /hello.txt); OCI archives and docker save tarballs open the same way.
local rb = require "regbench"

local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local img = assert(rb.image.open(dir .. "hello-layout", {ref = "hello"}))
assert(img.kind == "oci-layout" and img.ref == "hello" and img.format == "oci")
assert(img.digest == "sha256:0e7527b7ece98a9b5aacddf69e5a0470785fff02b9d9cf972b1b184416f64c0c")
assert(#img.layers == 1 and img.layers[1].path:match("hello%-layout/blobs/sha256/"))
assert(img.platform == "linux/amd64")

-- Files rb.image.open cannot use give nil and a message naming the file.
local none, err = rb.image.open(dir .. "no-such-layout")
assert(none == nil and err:match("no%-such%-layout"))
local _, err2 = rb.image.open(dir .. "hello-layout", {ref = "other"})
assert(err2:match("no manifest with ref other; the refs are: hello"))

-- Pushed like a generated image: the blobs stream from the files.
local reg = rb.registry.target()
local res = rb.phase("push", function() return assert(reg:push("docs/hello", "v1", img)) end)
assert(res.digest == img.digest and res.blobs_uploaded == 2)
local p = rb.phase("pull", function() return assert(reg:pull("docs/hello", "v1")) end)
assert(p.digest == img.digest and p.verified)

-- verify = true hashes every layer while it is sent and fails the push on a
-- mismatch, naming the blob and the file (here every byte matches).
local checked = assert(rb.image.open(dir .. "hello-layout", {verify = true}))
assert(reg:push("docs/hello-verified", "v1", checked, {skip_existing = false}))
