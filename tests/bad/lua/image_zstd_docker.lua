-- expect-exit: 1
-- expect: rb\.image\.generate: compression: zstd layers cannot go in a Docker schema 2 image \(it has no zstd layer media type\); use format "oci"
-- Bad input for test_bad_input.sh: zstd layers asked for in a Docker schema 2 image.
local rb = require "regbench"
local img = rb.image.generate{layers = 1, layer_size = "1MB", compression = "zstd", format = "docker"}
