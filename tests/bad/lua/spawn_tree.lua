-- expect-exit: 1
-- expect: too many virtual users: 500 are running, the limit is 500 \(--max-vus\)
-- args: --max-vus 500
-- Bad input for test_bad_input.sh: every VU spawns two more (a fork bomb);
-- the VU cap ends it.
local rb = require "regbench"
local function grow()
  local a, b = rb.spawn(grow), rb.spawn(grow)
  a:join(); b:join()
end
grow()
