-- expect-exit: 1
-- expect: never_yields_pcall\.lua:[0-9]+: .*without yielding
-- known-bug: the run never ends (not even on SIGINT/SIGTERM, which wait for the event loop): src/lua/lrt.c guard_hook raises the guard's error (and later "run stopped") with luaL_error, which the script's pcall catches every time; the hook could lua_yield instead (count hooks may yield in 5.4, and a yield is not caught by pcall) and vu_resume then fail the VU
-- args: --yield-timeout 1s
-- Bad input for test_bad_input.sh: an endless loop that catches errors with
-- pcall, so the guard's error is swallowed; the run must still end.
local rb = require "regbench"
while true do
  pcall(function() while true do end end)
end
