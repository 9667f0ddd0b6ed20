-- docs/examples/http.lua: rb.http.request, the response table, errors, and
-- op= names (docs/lua-api.md).
local rb = require "regbench"
local reg = rb.registry.target()

-- A GET with a request header.
local r = assert(rb.http.request{url = reg.url .. "/v2/", headers = {["User-Agent"] = "regbench-docs"}})
assert(r.status == 200)
assert(r.headers["docker-distribution-api-version"] == "registry/2.0")   -- names lowercased
assert(type(r.body) == "string")
assert(r.timings.total > 0 and r.timings.ttfb <= r.timings.total)        -- seconds
assert(r.bytes_sent == 0 and r.bytes_received == #r.body)

-- discard_body: bytes are counted, the body is not kept.
local d = assert(rb.http.request{url = reg.url .. "/v2/", discard_body = true})
assert(d.body == nil)

-- A 4xx/5xx is a normal response (and an error in the metrics); op= names
-- the operation kind in results.json's by_op.
local nf = assert(rb.http.request{url = reg.url .. "/v2/docs/none/manifests/latest", op = "manifest_get"})
assert(nf.status == 404)

-- A blob upload: POST opens a session, PUT sends the body with its digest.
local body = string.rep("regbench", 1000)
local digest = rb.sha256(body)
local s = assert(rb.http.request{method = "POST", url = reg.url .. "/v2/docs/http/blobs/uploads/", op = "upload_start"})
assert(s.status == 202, s.status)
local loc = s.headers["location"]
if loc:sub(1, 1) == "/" then loc = reg.url .. loc end
local p = assert(rb.http.request{method = "PUT", url = loc .. (loc:find("?", 1, true) and "&" or "?") .. "digest=" .. digest,
                                 body = body, headers = {["Content-Type"] = "application/octet-stream"},
                                 op = "upload_put", timeout = "30s"})
assert(p.status == 201 and p.bytes_sent == #body, p.status)
local g = assert(rb.http.request{url = reg.url .. "/v2/docs/http/blobs/" .. digest, op = "blob_get"})
assert(rb.sha256(g.body) == digest)

-- A network failure returns nil, "<class>: <message>" and the class; it
-- does not raise.
local none, err, class = rb.http.request{url = "http://127.0.0.1:1/v2/", timeout = 2}
assert(none == nil and class == "connect" and err:match("^connect: "), err)

-- Misuse raises.
assert(not pcall(rb.http.request, {url = "ftp://example.com/"}))   -- not http(s)
assert(not pcall(rb.http.request, {uri = reg.url}))                -- unknown field
assert(not pcall(rb.http.request, {url = reg.url, method = "get"}))  -- methods are upper case
print("http.lua: ok")
