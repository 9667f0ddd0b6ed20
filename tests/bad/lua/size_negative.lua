-- expect-exit: 1
-- expect: size_negative\.lua:5: .*-1
-- Bad input for test_bad_input.sh: rb.size of a negative number.
local rb = require "regbench"
local n = rb.size(-1)
