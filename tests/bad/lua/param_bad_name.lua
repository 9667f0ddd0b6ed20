-- expect-exit: 1
-- expect: param_bad_name\.lua:5: rb\.param: bad parameter name 9lives
-- Bad input for test_bad_input.sh: a parameter name that is not an identifier.
local rb = require "regbench"
rb.param("9lives", 1)
