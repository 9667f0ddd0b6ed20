-- expect-exit: 1
-- expect: param_bad_default\.lua:5: rb\.param: parameter 'count': default many is not an integer
-- Bad input for test_bad_input.sh: a default that does not fit the declared type.
local rb = require "regbench"
local n = rb.param("count", "many", {type = "integer"})
