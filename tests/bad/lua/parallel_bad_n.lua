-- expect-exit: 1
-- expect: parallel_bad_n\.lua:5: rb\.parallel: n must be a non-negative integer
-- Bad input for test_bad_input.sh: rb.parallel with a fractional VU count.
local rb = require "regbench"
rb.parallel(2.5, function() end)
