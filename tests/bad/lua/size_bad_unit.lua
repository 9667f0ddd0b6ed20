-- expect-exit: 1
-- expect: size_bad_unit\.lua:5: .*10XB
-- Bad input for test_bad_input.sh: rb.size with an unknown unit.
local rb = require "regbench"
local n = rb.size("10XB")
