-- expect-exit: 1
-- expect: sleep_nan\.lua:5: bad argument #1 to 'sleep' \(seconds must be between 0 and 1e9\)
-- Bad input for test_bad_input.sh: rb.sleep(NaN) and out-of-range times.
local rb = require "regbench"
rb.sleep(0/0)
