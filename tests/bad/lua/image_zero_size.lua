-- expect-exit: 1
-- expect: rb\.image\.generate: layer_size: 0 is not accepted
-- Bad input for test_bad_input.sh: a layer of zero bytes.
local rb = require "regbench"
local img = rb.image.generate{layers = 1, layer_size = 0}
