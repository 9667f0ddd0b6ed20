-- Pushes a user's image from disk (rb.image.open: an OCI layout, an OCI
-- archive or a docker save tarball), pulls it back (every blob verified) and
-- checks the pushed and pulled manifest digests are the image's; writes
-- "<digest> <kind> <hashed_layers>" to `out`. A file rb.image.open refuses,
-- or a failed push, raises with the message (non-zero exit).
local rb = require "regbench"
local path = rb.param("path", "", {doc = "image to open"})
local ref = rb.param("ref", "", {doc = "ref= for rb.image.open (\"\": the only one)"})
local verify = rb.param("verify", false, {doc = "verify= for rb.image.open"})
local repo = rb.param("repo", "real/img", {doc = "repository to push to"})
local tag = rb.param("tag", "v1", {doc = "tag to push"})
local mode = rb.param("mode", "monolithic", {doc = "upload mode"})
local out = rb.param("out", "", {doc = "file to write the digest to"})
local reg = rb.registry.target()

local img, err = rb.image.open(path, {ref = ref ~= "" and ref or nil, verify = verify})
if not img then error(err, 0) end

rb.phase("push", function()
  local r, e = reg:push(repo, tag, img, {mode = mode})
  if not r then error("push: " .. tostring(e), 0) end
  assert(r.digest == img.digest, "pushed " .. tostring(r.digest) .. ", image is " .. img.digest)
end)

rb.phase("pull", function()
  local p = assert(reg:pull(repo, tag))
  assert(p.verified, "pull not verified")
  if img.images then
    assert(p.index_digest == img.digest, "index digest " .. tostring(p.index_digest))
  else
    assert(p.digest == img.digest, "pulled " .. tostring(p.digest))
  end
end)

if out ~= "" then
  local f = assert(io.open(out, "w"))
  f:write(img.digest, " ", img.kind, " ", img.hashed_layers, "\n")
  f:close()
end
