-- expect-exit: 1
-- expect: never_yields_pcall\.lua:[0-9]+: .*without yielding
-- args: --yield-timeout 1s
-- Bad input for test_bad_input.sh: an endless loop that catches errors with
-- pcall, so the guard's error is swallowed; the run must still end.
local rb = require "regbench"
while true do
  pcall(function() while true do end end)
end
