-- expect-exit: 1
-- expect: param_twice\.lua:6: rb\.param: parameter 'n' declared twice
-- Bad input for test_bad_input.sh: the same parameter declared twice.
local rb = require "regbench"
rb.param("n", 1)
rb.param("n", 2)
