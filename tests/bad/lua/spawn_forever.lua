-- expect-exit: 1
-- expect: spawn_forever\.lua:7: too many virtual users: 100000 are running, the limit is 100000 \(--max-vus\)
-- Bad input for test_bad_input.sh: spawns VUs in an endless loop (each
-- sleeps); the default VU cap must end it with a clear message.
local rb = require "regbench"
while true do
  rb.spawn(function() rb.sleep(60) end)
end
