-- expect-exit: 1
-- expect: spawn #1 failed: .*vu_spawn_error\.lua:7: boom in a spawned VU
-- Bad input for test_bad_input.sh: an error inside a spawned VU, seen by join.
local rb = require "regbench"
local h = rb.spawn(function()
  rb.sleep(0.01)
  error("boom in a spawned VU")
end)
h:join()
