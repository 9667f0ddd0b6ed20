-- expect-exit: 1
-- expect: rb\.parallel: 1 of 4 VUs failed; the first: parallel i=3 failed: .*vu_parallel_error\.lua:7: VU 3 gave up
-- Bad input for test_bad_input.sh: one of rb.parallel's VUs raises.
local rb = require "regbench"
rb.parallel(4, function(i)
  rb.sleep(0.01 * i)
  if i == 3 then error("VU " .. i .. " gave up") end
end)
