-- expect-exit: 1
-- expect: param_bad_duration\.lua:5: rb\.param: parameter 'wait': default -5 is not a duration
-- Bad input for test_bad_input.sh: a negative duration default.
local rb = require "regbench"
local d = rb.param("wait", -5, {type = "duration"})
