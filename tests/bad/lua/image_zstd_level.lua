-- expect-exit: 1
-- expect: rb\.image\.generate: compression level: 0 is not accepted for zstd; use 1-19 \(default 3\)
-- Bad input for test_bad_input.sh: a zstd level out of range (gzip's 0 is not a zstd level).
local rb = require "regbench"
local img = rb.image.generate{layers = 1, layer_size = "1MB", compression = "zstd", level = 0}
