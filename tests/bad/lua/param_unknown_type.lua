-- expect-exit: 1
-- expect: param_unknown_type\.lua:5: rb\.param: parameter 'n': unknown type float
-- Bad input for test_bad_input.sh: an unknown type= in rb.param's options.
local rb = require "regbench"
local n = rb.param("n", 1, {type = "float"})
