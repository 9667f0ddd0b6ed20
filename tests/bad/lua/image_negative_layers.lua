-- expect-exit: 1
-- expect: rb\.image\.generate: layers: -3 is not accepted
-- Bad input for test_bad_input.sh: a negative layer count.
local rb = require "regbench"
local img = rb.image.generate{layers = -3, layer_size = "1KB"}
