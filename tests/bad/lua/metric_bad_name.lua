-- expect-exit: 1
-- expect: metric_bad_name\.lua:5: bad argument #1 to 'counter' \(metric names use letters, digits and _ \. - /\)
-- Bad input for test_bad_input.sh: a custom metric with spaces in its name.
local rb = require "regbench"
local c = rb.metrics.counter("my metric")
