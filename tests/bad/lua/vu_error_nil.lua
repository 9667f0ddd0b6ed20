-- expect-exit: 1
-- expect: spawn #1 failed: nil
-- Bad input for test_bad_input.sh: error(nil) in a VU (no message at all).
local rb = require "regbench"
local h = rb.spawn(function() error(nil) end)
h:join()
