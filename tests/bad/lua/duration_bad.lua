-- expect-exit: 1
-- expect: duration_bad\.lua:5: .*5 parsecs
-- Bad input for test_bad_input.sh: rb.duration with an unknown unit.
local rb = require "regbench"
local d = rb.duration("5 parsecs")
