-- expect-exit: 1
-- expect: runtime_top\.lua:6: attempt to call a nil value \(field 'nosuchfunction'\)
-- Bad input for test_bad_input.sh: a runtime error in the main chunk, before
-- the registry is touched.
local rb = require "regbench"
rb.nosuchfunction()
