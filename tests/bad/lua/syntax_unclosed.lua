-- expect-exit: 1
-- expect: syntax_unclosed\.lua:[0-9]+: 'end' expected \(to close 'function' at line 5\)
-- Bad input for test_bad_input.sh: a Lua syntax error (a function never closed).
local rb = require "regbench"
local function f()
  rb.sleep(1)
