-- expect-exit: 1
-- expect: rb\.image\.generate: compression: 12 is not accepted; use "gzip", "zstd", "none" or a gzip level 0-9
-- Bad input for test_bad_input.sh: a gzip level out of range.
local rb = require "regbench"
local img = rb.image.generate{layers = 1, layer_size = "1KB", compression = 12}
