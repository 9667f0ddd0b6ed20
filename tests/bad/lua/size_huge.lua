-- expect-exit: 1
-- expect: size_huge\.lua:5: .*(too large|out of range|overflow)
-- Bad input for test_bad_input.sh: a size past 2^64 bytes.
local rb = require "regbench"
local n = rb.size("99999999999999999999TB")
