-- expect-exit: 1
-- expect: phase_empty_name\.lua:5: rb\.phase: name must be a non-empty string
-- Bad input for test_bad_input.sh: a phase without a name.
local rb = require "regbench"
rb.phase("", function() end)
