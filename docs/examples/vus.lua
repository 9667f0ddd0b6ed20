-- docs/examples/vus.lua: virtual users: rb.spawn, handle:join(), handle:status(),
-- rb.parallel, rb.sleep, rb.now, rb.vu_id (docs/lua-api.md).
local rb = require "regbench"

-- The main chunk is VU 0.
assert(rb.vu_id() == 0)

-- rb.spawn starts a VU; join waits for it and returns all its results.
local h = rb.spawn(function(a, b)
  rb.sleep(0.05)
  return a + b, rb.vu_id()
end, 1, 2)
assert(h:status() == "ready")           -- not started yet: it runs when main yields
local sum, id = h:join()
assert(sum == 3 and id >= 1)
assert(h:status() == "done")

-- join raises the VU's error, with the VU's traceback.
local bad = rb.spawn(function() rb.sleep(0.01); error("boom") end)
local ok, err = pcall(bad.join, bad)
assert(not ok and err:match("boom") and err:match("stack traceback"))
assert(bad:status() == "failed")

-- rb.sleep yields; VUs wake in deadline order. rb.now is monotonic seconds.
local order, hs = {}, {}
local t0 = rb.now()
for i, d in ipairs({0.3, 0.1, 0.2}) do
  hs[i] = rb.spawn(function() rb.sleep(d); order[#order + 1] = i end)
end
for _, x in ipairs(hs) do x:join() end
assert(table.concat(order, ",") == "2,3,1")
local took = rb.now() - t0      -- about 0.3 s (see the note on rb.sleep's accuracy)
assert(took > 0.2 and took < 5, took)

-- rb.parallel(n, fn) runs fn(1..n) in n VUs, waits for all, returns the first
-- result of each.
local squares = rb.parallel(100, function(i) rb.sleep(0.01) return i * i end)
assert(#squares == 100 and squares[7] == 49)

-- If any VU fails, rb.parallel raises after all of them finished.
local finished = 0
local pok, perr = pcall(rb.parallel, 3, function(i)
  rb.sleep(0.01 * i)
  finished = finished + 1
  if i == 2 then error("two failed") end
end)
assert(not pok and perr:match("1 of 3 VUs failed") and finished == 3)

-- regbench operations cannot run in a coroutine of your own.
local co_ok, co_err = coroutine.wrap(function() return pcall(rb.sleep, 0) end)()
assert(not co_ok and co_err:match("must run in a VU"))
print("vus.lua: ok")
