-- expect-exit: 1
-- expect: rb\.parallel: 2 of 2 VUs failed; the first: .*vu_nested_error\.lua:8: attempt to index a nil value
-- Bad input for test_bad_input.sh: a runtime error in a VU spawned by a VU
-- of rb.parallel, propagated through two joins.
local rb = require "regbench"
rb.parallel(2, function()
  local h = rb.spawn(function()
    local t = nil; return t.field
  end)
  h:join()
end)
