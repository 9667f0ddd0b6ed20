-- Exercises the core Lua API against the registry under test; every check is
-- an assert, so a failure exits 1 with file:line. The test also reads
-- results.json for the counts this script produces.
local rb = require "regbench"
local p_int = rb.param("count", 3, {doc = "an integer"})
local p_num = rb.param("ratio", 0.5)
local p_bool = rb.param("flag", false)
local p_str = rb.param("name", "abc")
local p_size = rb.param("size", "1MB", {type = "size", doc = "a size"})
local p_dur = rb.param("wait", "100ms", {type = "duration"})
local expect = rb.param("expect", "defaults", {doc = "which values to expect"})

if expect == "defaults" then
  assert(p_int == 3 and math.type(p_int) == "integer")
  assert(p_num == 0.5 and p_bool == false and p_str == "abc")
  assert(p_size == 1000000 and p_dur == 0.1)
else
  assert(p_int == 7, p_int)
  assert(p_num == 0.25, p_num)
  assert(p_bool == true)
  assert(p_str == "x y")
  assert(p_size == 2 * 1048576, p_size)
  assert(p_dur == 90, p_dur)
end
assert(rb.params.count == p_int and rb.params.size == p_size)
assert(rb.size("1KiB") == 1024 and rb.duration("1m30s") == 90)

local reg = rb.registry.target()
assert(reg.url:match("^http://127%.0%.0%.1:%d+$"), reg.url)

-- join returns every value, nils included
local h = rb.spawn(function(a, b) rb.sleep(0.01) return a + b, nil, "z" end, 1, 2)
local x, y, z = h:join()
assert(x == 3 and y == nil and z == "z")
-- joining twice gives the same values
assert(select("#", h:join()) == 3)

-- join propagates errors with the VU's traceback
local bad = rb.spawn(function() rb.sleep(0.01); error("boom") end)
local ok, err = pcall(bad.join, bad)
assert(not ok)
assert(err:match("api%.lua:%d+: boom"), err)
assert(err:match("stack traceback"), err)

-- sleep ordering
local order = {}
local hs = {}
for i, d in ipairs({0.3, 0.1, 0.2}) do
  hs[i] = rb.spawn(function() rb.sleep(d); order[#order + 1] = i end)
end
local t0 = rb.now()
for _, hh in ipairs(hs) do hh:join() end
local took = rb.now() - t0
assert(order[1] == 2 and order[2] == 3 and order[3] == 1, table.concat(order, ","))
assert(took >= 0.29 and took < 2, took)

-- rb.parallel waits for all, then raises if any failed
local finished = 0
local pok, perr = pcall(rb.parallel, 5, function(i)
  rb.sleep(0.01 * i)
  finished = finished + 1
  if i == 2 then error("vu two failed") end
end)
assert(not pok and perr:match("1 of 5 VUs failed") and perr:match("vu two failed"), perr)
assert(finished == 5, finished)

-- phases: operations of VUs spawned inside a phase belong to it
rb.phase("spawned", function()
  rb.parallel(10, function()
    for _ = 1, 3 do assert(rb.http.request{url = reg.url .. "/v2/"}).status = nil end
  end)
end)
-- response fields
rb.phase("fields", function()
  local r = assert(rb.http.request{method = "GET", url = reg.url .. "/v2/", headers = {["X-Test"] = "1"}})
  assert(r.status == 200)
  assert(r.headers["docker-distribution-api-version"] == "registry/2.0", "headers lowercased")
  assert(type(r.body) == "string")
  assert(r.timings.total > 0 and r.timings.ttfb > 0 and r.timings.ttfb <= r.timings.total)
  local r2 = assert(rb.http.request{url = reg.url .. "/v2/", discard_body = true})
  assert(r2.body == nil and r2.bytes_received >= 0)
  -- a network failure is returned, not raised
  local none, nerr, ncls = rb.http.request{url = "http://127.0.0.1:1/v2/", timeout = 2}
  assert(none == nil and nerr:match("^connect: ") and ncls == "connect", nerr)
  -- misuse raises
  assert(not pcall(rb.http.request, {url = "ftp://x"}))
  assert(not pcall(rb.http.request, {uri = "http://x"}))
  assert(not pcall(rb.http.request, {url = reg.url, headers = {["A"] = "b\r\nc: d"}}))
end)

-- custom metrics
local tr, ct = rb.metrics.trend("t"), rb.metrics.counter("c")
local ga, ra = rb.metrics.gauge("g"), rb.metrics.rate("r")
for i = 1, 100 do tr:add(i) end
for _ = 1, 7 do ct:add(2) end
ga:add(5); ga:add(3)
for i = 1, 10 do ra:add(i <= 4) end
tr:add(1, {kind = "tagged"})
assert(not pcall(rb.metrics.counter, "t"), "type clash must raise")
print("api.lua: all checks passed")
