-- expect-exit: 1
-- expect: runtime_arith\.lua:7: attempt to perform arithmetic on a nil value \(global 'undefined_count'\)
-- Bad input for test_bad_input.sh: a runtime error inside a phase, after the
-- registry was launched.
local rb = require "regbench"
rb.registry.target()
rb.phase("broken", function() return undefined_count + 1 end)
