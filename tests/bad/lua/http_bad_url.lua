-- expect-exit: 1
-- expect: http_bad_url\.lua:5: rb\.http\.request: bad URL 'notaurl': expected http:// or https://
-- Bad input for test_bad_input.sh: rb.http.request with a URL that is not a URL.
local rb = require "regbench"
local r, err = rb.http.request{url = "notaurl"}
