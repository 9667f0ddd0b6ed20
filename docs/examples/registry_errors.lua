-- docs/examples/registry_errors.lua: how the OCI client reports failures
-- (docs/lua-api.md, "Errors"). Failures the registry or the network cause
-- are returned as nil, err; misuse raises.
local rb = require "regbench"

local reg = rb.registry.target()

-- An HTTP error: class "http", the status, the registry's error code and
-- message, and the operation that failed.
local m, err = reg:get_manifest("docs/missing", "latest")
assert(m == nil and err.class == "http" and err.status == 404 and err.op == "manifest_get")
assert(getmetatable(err) == rb.registry.Error)
print("get_manifest: " .. tostring(err))   -- crane: "http 404 NAME_UNKNOWN: Unknown name (manifest_get)"

-- A missing blob is false from blob_exists, an error from get_blob.
assert(reg:blob_exists("docs/missing", rb.sha256("nothing")) == false)
local b, berr = reg:get_blob("docs/missing", rb.sha256("nothing"))
assert(b == nil and berr.status == 404)

-- An integrity error: the bytes do not match the expected digest and size
-- (here we claim the wrong size). Counted in the counter integrity_errors.
local bytes = string.rep("x", 1000)
local pushed = assert(reg:push_blob("docs/errors", bytes))
local g, gerr = reg:get_blob("docs/errors", pushed.digest, {size = 999})
assert(g == nil and gerr.class == "integrity", tostring(gerr))

-- A network error: class "connect" (or "timeout"). With retries = 2 the
-- request is tried three times (counter retries = 2), with a short backoff.
local down = rb.registry.connect("http://127.0.0.1:1", {retries = 2, timeout = 5})
local ok, cerr = down:ping()
assert(ok == nil and cerr.class == "connect", tostring(cerr))

-- Misuse raises: a bad repository name, a bad digest, an unknown option,
-- something that is not an image.
assert(not pcall(reg.pull, reg, "Bad Name", "v1"))
assert(not pcall(reg.get_blob, reg, "docs/errors", "md5:abc"))
assert(not pcall(reg.push, reg, "docs/errors", "v1", bytes))
local raised, msg = pcall(reg.pull, reg, "docs/errors", "v1", {verfy = false})
assert(not raised and msg:match("unknown option 'verfy'"))
assert(not pcall(rb.registry.connect, "ftp://example.com"))

-- In a scenario that must not stop on a failure, count it and go on:
local failures = rb.metrics.counter("failed_pulls")
rb.phase("tolerant", function()
  for _, repo in ipairs{"docs/missing", "docs/missing2"} do
    local p, e = reg:pull(repo, "v1")
    if not p then failures:add(1, {class = e.class}) end
  end
end)
print("registry_errors.lua: ok")
