-- expect-exit: 1
-- expect: rb\.image\.open: unknown field verfy; accepted fields: ref, verify
-- Bad input for test_bad_input.sh: rb.image.open with a misspelt option.
local rb = require "regbench"
local img = rb.image.open("/nonexistent/regbench-image", {verfy = true})
