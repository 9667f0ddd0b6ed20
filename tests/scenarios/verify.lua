-- Verified downloads of one blob of `size` bytes. Bodies expected to be
-- 4 MiB or more are hashed on the loop's hashing worker, smaller ones inline;
-- both must behave the same: a match is verified; a wrong digest, a body
-- longer than the expected size (cut off as soon as it passes it) and one
-- shorter than it are integrity errors (3 in phase "checks"); concurrent
-- pulls all verify.
local rb = require "regbench"
local size = rb.param("size", "12MB", {type = "size", doc = "the layer's size"})
local repo = rb.param("repo", "verify/test")
local reg = rb.registry.target()
local img = rb.image.generate{layers = 1, layer_size = size, seed = 5}
rb.phase("push", function() assert(reg:push(repo, "v1", img)) end)
local blob = img.layers[1]
local url = reg.url .. "/v2/" .. repo .. "/blobs/" .. blob.digest
local function get(digest, n) return rb.http.request{url = url, verify = {digest = digest, size = n}} end
rb.phase("checks", function()
  local r = assert(get(blob.digest, blob.size))
  assert(r.status == 200 and r.verified and r.body == nil and r.bytes_received == blob.size)
  assert(r.timings.total >= r.timings.ttfb)
  local n, e, cls = get("sha256:" .. string.rep("0", 64), blob.size)
  assert(not n and e:match("^integrity: digest mismatch") and cls == "integrity", tostring(e))
  n, e = get(blob.digest, blob.size - 1000)
  assert(not n and e:match("^integrity: body larger than the expected " .. (blob.size - 1000) .. " bytes"), tostring(e))
  n, e = get(blob.digest, blob.size + 1)
  assert(not n and e:match("^integrity: size mismatch"), tostring(e))
  local vus = {}
  for i = 1, 4 do vus[i] = rb.spawn(function() return reg:pull(repo, "v1") end) end
  for i = 1, 4 do
    local p = assert(vus[i]:join())
    assert(p.verified and p.digest == img.digest)
  end
end)
print("verify ok: " .. blob.size .. " bytes")
