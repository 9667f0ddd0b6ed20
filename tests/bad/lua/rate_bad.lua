-- expect-exit: 1
-- expect: rate_bad\.lua:5: rb\.rate: rate must be a number of iterations per second
-- Bad input for test_bad_input.sh: rb.rate with a zero rate.
local rb = require "regbench"
rb.rate{rate = 0, duration = "1s", fn = function() end}
