-- expect-exit: 1
-- expect: scenario failed: table: 0x[0-9a-f]+
-- Bad input for test_bad_input.sh: error() with a table instead of a
-- message, at top level: the run must still fail cleanly.
local rb = require "regbench"
error({code = 42})
