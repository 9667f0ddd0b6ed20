-- expect-exit: 1
-- expect: rb\.image\.generate: compressibility: 2(\.0)? is not accepted; use a fraction from 0\.0 to 1\.0
-- Bad input for test_bad_input.sh: a compressibility above 1.
local rb = require "regbench"
local img = rb.image.generate{layers = 1, layer_size = "1KB", compressibility = 2}
