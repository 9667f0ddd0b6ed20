-- docs/examples/trace.lua: rb.trace, a recorded trace read record by record
-- (docs/lua-api.md). trace-ibm.json, beside this file, is a few records in
-- the IBM FAST'18 format; a distribution JSON access log reads the same way.
local rb = require "regbench"

local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local tr = assert(rb.trace.open(dir .. "trace-ibm.json", {max_malformed = 10}))

-- Count requests and bytes by kind, and find each client's first request.
local by_kind, bytes, first = {}, 0, {}
for rec in tr:records() do
  by_kind[rec.kind] = (by_kind[rec.kind] or 0) + 1
  bytes = bytes + rec.bytes
  first[rec.client] = first[rec.client] or rec
end
assert(by_kind.manifest == 2 and by_kind.blob == 3 and by_kind.tags == nil)
assert(bytes == 2389 + 1048576 + 31457280 + 157)
local r = first["ab5be18bda09dc56"]
assert(r.method == "GET" and r.repo == "b746d79201944bf5/99383f6a8c0d0741" and r.ref == "7d2c2ad8e2b1d6ba")
assert(r.status == 200 and r.duration_us == 12411 and r.time_us == 1501583023091000)

-- The last record has a bad timestamp: counted, with its line, not fatal.
local s = tr:stats()
assert(s.format == "ibm" and s.records == 5 and s.malformed == 1)
assert(s.first_malformed[1].line == 7 and s.first_malformed[1].message == "bad time")
tr:close()

-- Past max_malformed, reading raises "FILE:LINE: more than N malformed ...".
local strict = assert(rb.trace.open(dir .. "trace-ibm.json", {max_malformed = 0}))
local ok, err = pcall(function() for _ in strict:records() do end end)
assert(not ok and err:match("trace%-ibm%.json:7: more than 0 malformed"), err)

-- A file that is not a trace: nil and a message naming it.
local none, why = rb.trace.open(dir .. "trace.lua")
assert(none == nil and why:match("trace%.lua: not a trace format"), why)
print(("trace.lua: ok (%d records, %d bytes)"):format(s.records, bytes))
