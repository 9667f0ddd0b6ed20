-- expect-exit: 1
-- expect: rb\.image\.open: /nonexistent/regbench-image: No such file or directory
-- Bad input for test_bad_input.sh: rb.image.open of a path that is not there
-- returns nil, err (the scenario raises it).
local rb = require "regbench"
local img, err = rb.image.open("/nonexistent/regbench-image")
assert(img == nil)
error(err, 0)
