-- expect-exit: 1
-- expect: duration_negative\.lua:5: a duration must not be negative
-- Bad input for test_bad_input.sh: rb.duration of a negative number.
local rb = require "regbench"
local d = rb.duration(-3)
