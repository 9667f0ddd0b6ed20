-- expect-exit: 1
-- expect: sleep_negative\.lua:5: bad argument #1 to 'sleep' \(seconds must be between 0 and 1e9\)
-- Bad input for test_bad_input.sh: rb.sleep with a negative time.
local rb = require "regbench"
rb.sleep(-1)
