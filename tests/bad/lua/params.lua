-- expect-exit: 1
-- expect: params\.lua:13: params declared
-- Bad input for test_bad_input.sh: declares one parameter of each type, then
-- fails on purpose. tests/bad/cli.txt runs it with --set values of the wrong
-- type (exit 2, before this error is reached).
local rb = require "regbench"
rb.param("count", 3)
rb.param("ratio", 0.5)
rb.param("flag", true)
rb.param("name", "x")
rb.param("layer", "1MB", {type = "size"})
rb.param("wait", "1s", {type = "duration"})
error("params declared")
