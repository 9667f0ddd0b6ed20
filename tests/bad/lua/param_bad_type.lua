-- expect-exit: 1
-- expect: param_bad_type\.lua:5: rb\.param: parameter 'opts': unknown type table
-- Bad input for test_bad_input.sh: a default whose type cannot be a parameter.
local rb = require "regbench"
local o = rb.param("opts", {1, 2})
