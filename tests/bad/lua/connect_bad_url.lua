-- expect-exit: 1
-- expect: connect_bad_url\.lua:5: rb\.registry\.connect: bad URL notaurl: expected http\(s\)://host\[:port\]
-- Bad input for test_bad_input.sh: rb.registry.connect with a string that is not a URL.
local rb = require "regbench"
local reg = rb.registry.connect("notaurl")
