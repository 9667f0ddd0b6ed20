-- The pieces range.lua and metadata.lua stand on, against the registry under
-- test; every check is an assert (a failure exits 1 with file:line):
-- rb.image.pattern and pattern_bytes agree, get_blob's range_digest
-- verifies a range and refuses wrong bytes, reg:catalog and reg:tags walk,
-- reg:manifest_exists answers 200 and 404.
local rb = require "regbench"
local reg = rb.registry.target()

-- a pattern blob is the pattern's bytes; any range of them can be made alone
local blob = rb.image.pattern{size = 100003, seed = 5}
local whole = rb.image.pattern_bytes(5, 0, 100003)
assert(#whole == 100003 and rb.sha256(whole) == blob.digest and blob.size == 100003)
assert(rb.image.pattern_bytes(5, 4097, 1000) == whole:sub(4098, 5097))
assert(rb.image.pattern_bytes(6, 0, 64) ~= whole:sub(1, 64))
assert(rb.image.pattern_bytes(5, 7, 0) == "")
assert(not pcall(rb.image.pattern, {size = 10, colour = 1}))
assert(not pcall(rb.image.pattern_bytes, 5, -1, 10))
assert(not pcall(rb.image.pattern_bytes, 5, 0, (64 << 20) + 1))

assert(reg:push_blob("verify/range", blob))
local function range(a, b, seed)
  return reg:get_blob("verify/range", blob.digest, {range = a .. "-" .. b,
                      range_digest = rb.sha256(rb.image.pattern_bytes(seed or 5, a, b - a + 1))})
end
local r = assert(range(4096, 8191))
assert(r.status == 206 and r.verified and r.bytes == 4096 and r.content_range == "bytes 4096-8191/100003")
assert(assert(range(100000, 100002)).verified)
local bad, err = range(0, 999, 6)              -- another seed's bytes: not these
assert(bad == nil and err.class == "integrity")
assert(not pcall(reg.get_blob, reg, "verify/range", blob.digest, {range = "9-3"}))
assert(not pcall(reg.get_blob, reg, "verify/range", blob.digest, {range_digest = blob.digest}))

-- listings: two repositories of three tags
local img = rb.image.generate{layers = 1, layer_size = 1024, seed = 3}
for _, repo in ipairs{"verify/ls-a", "verify/ls-b"} do
  for t = 1, 3 do assert(reg:push(repo, "t" .. t, img)) end
end
local names, info = assert(reg:catalog{page = 1, max_pages = 20})
local have = {}
for _, n in ipairs(names) do have[n] = true end
assert(info.pages >= 1 and info.total >= #names)
if info.paginated then assert(have["verify/ls-a"] and have["verify/ls-b"] and have["verify/range"]) end
local all = assert(reg:catalog())
local every = {}
for _, n in ipairs(all) do every[n] = true end
assert(every["verify/ls-a"] and every["verify/ls-b"])
local tags, ti = assert(reg:tags("verify/ls-a", {page_size = 2}))
table.sort(tags)
assert(table.concat(tags, ",") == "t1,t2,t3" and ti.pages >= 1)
assert(not pcall(reg.catalog, reg, {page = 0}))
assert(not pcall(reg.catalog, reg, {size = 3}))

local ok, d = reg:manifest_exists("verify/ls-a", "t1")
assert(ok == true and (d == nil or d == img.digest))
assert(reg:manifest_exists("verify/ls-a", "missing") == false)
print("range_verify: ok")
