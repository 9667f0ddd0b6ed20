-- expect-exit: 1
-- expect: param_bad_size\.lua:5: rb\.param: parameter 'layer': default 10XB is not a size
-- Bad input for test_bad_input.sh: a size parameter whose default is not a size.
local rb = require "regbench"
local s = rb.param("layer", "10XB", {type = "size"})
