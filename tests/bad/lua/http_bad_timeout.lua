-- expect-exit: 1
-- expect: rb\.http\.request: 'timeout': .*
-- Bad input for test_bad_input.sh: a request timeout that is not a duration.
local rb = require "regbench"
local r = rb.http.request{url = "http://127.0.0.1:1/", timeout = "soon"}
