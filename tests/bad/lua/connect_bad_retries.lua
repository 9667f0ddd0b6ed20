-- expect-exit: 1
-- expect: connect_bad_retries\.lua:5: rb\.registry\.connect: retries must be an integer from 0 to 100
-- Bad input for test_bad_input.sh: an out-of-range retry count.
local rb = require "regbench"
local reg = rb.registry.connect("http://127.0.0.1:1", {retries = 1000})
