-- expect-exit: 1
-- expect: image_layer_size\.lua:5: rb\.image\.generate: layer_size: "10XB" is not accepted; bad size unit
-- Bad input for test_bad_input.sh: an image with a layer size of unknown unit.
local rb = require "regbench"
local img = rb.image.generate{layers = 1, layer_size = "10XB"}
