-- expect-exit: 1
-- expect: syntax_string\.lua:5: unfinished string
-- Bad input for test_bad_input.sh: a Lua syntax error (an unterminated string).
local rb = require "regbench"
print("never closed)
