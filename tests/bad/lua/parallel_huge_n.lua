-- expect-exit: 1
-- expect: too many virtual users: 1000 are running, the limit is 1000 \(--max-vus\)
-- args: --max-vus 1000
-- Bad input for test_bad_input.sh: rb.parallel with an absurd VU count.
local rb = require "regbench"
rb.parallel(math.maxinteger, function() rb.sleep(1) end)
