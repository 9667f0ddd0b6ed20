-- docs/examples/checks.lua: checks and thresholds (docs/lua-api.md,
-- "Checks and thresholds"). Declares its thresholds at the top, so that
-- `regbench run checks.lua --help` and suites see them; the run exits 99
-- if one fails (they all pass here).
local rb = require "regbench"

local ping_ms = rb.metrics.trend("ping_ms")        -- declared before the first action
rb.threshold("checks{check=answers 200}.rate == 1") -- this check held every time
rb.threshold("checks.rate > 0.95")                  -- all checks together: 81 of 82 held
rb.threshold("ping_ms.p95 < 1000")                 -- a trend: in its own unit (ms)
rb.threshold("ping.p99 < 2s")                      -- a built-in operation: a duration

-- the run's ID: --run-id, else made from the start time (20261206-023950-9962)
assert(rb.run_id():match("^%d+%-%d+%-%x+$"))

local reg = rb.registry.target()                   -- the first action

-- the results directory (--out): files a scenario writes go beside results.json.
-- Written after the first action: a run refused at it (a bad threshold) leaves nothing.
local f = assert(io.open(rb.out_dir() .. "/notes.txt", "w"))
f:write("written by checks.lua\n")
f:close()
rb.phase("ping", function()
  rb.parallel(4, function()
    for _ = 1, 10 do
      local t0 = rb.now()
      local resp = rb.http.request{url = reg.url .. "/v2/", op = "ping"}
      ping_ms:add((rb.now() - t0) * 1000)
      -- a predicate per check, called with the value; a non-function is taken as it is
      local all = rb.check(resp, {
        ["answers 200"] = function(r) return r ~= nil and r.status == 200 end,
        ["says it is a registry"] = function(r)
          return r ~= nil and (r.headers["docker-distribution-api-version"] or "") ~= ""
        end,
      })
      assert(all == true)
    end
  end)
end)

-- a check that does not hold is recorded (a fail), not raised: rb.check returns false
assert(rb.check(42, {["is even"] = function(v) return v % 2 == 0 end, odd = false}) == false)
