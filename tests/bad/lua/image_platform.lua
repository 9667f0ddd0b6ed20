-- expect-exit: 1
-- expect: rb\.image\.index: platforms\[2\]: .* is not accepted
-- Bad input for test_bad_input.sh: an index with a malformed platform.
local rb = require "regbench"
local idx = rb.image.index{platforms = {"linux/amd64", "linux"}, layer_size = "1KB"}
