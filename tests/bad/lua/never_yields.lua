-- expect-exit: 1
-- expect: never_yields\.lua:8: .*without yielding
-- args: --yield-timeout 1s
-- Bad input for test_bad_input.sh: a VU of rb.parallel that computes forever
-- with library calls but never yields; the instruction guard ends the run.
local rb = require "regbench"
rb.parallel(2, function(i)
  if i == 2 then while true do local s = ("x"):rep(64):upper() end end
  rb.sleep(0.01)
end)
