-- expect-exit: 1
-- expect: stack_overflow\.lua:6: stack overflow
-- Bad input for test_bad_input.sh: unbounded recursion must end in a Lua
-- error, not a crash.
local rb = require "regbench"
local function f(n) return 1 + f(n + 1) end
f(1)
