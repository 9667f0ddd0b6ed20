-- expect-exit: 1
-- expect: this regbench operation waits, so it must run in a VU
-- Bad input for test_bad_input.sh: rb.sleep inside a coroutine of the script's own.
local rb = require "regbench"
local co = coroutine.wrap(function() rb.sleep(0.1) end)
co()
