-- expect-exit: 1
-- expect: http_bad_scheme\.lua:5: rb\.http\.request: bad URL 'file:///etc/passwd': expected http:// or https://
-- Bad input for test_bad_input.sh: rb.http.request to a file:// URL, which must not be fetched.
local rb = require "regbench"
local r, err = rb.http.request{url = "file:///etc/passwd"}
