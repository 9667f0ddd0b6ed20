-- Phase "first" ends quickly; phase "long" would run for a minute. The test
-- interrupts it and checks what was written.
local rb = require "regbench"
local reg = rb.registry.target()
rb.phase("first", function()
  for _ = 1, 5 do assert(rb.http.request{url = reg.url .. "/v2/"}) end
end)
rb.phase("long", function()
  rb.parallel(20, function()
    local deadline = rb.now() + 60
    while rb.now() < deadline do
      assert(rb.http.request{url = reg.url .. "/v2/"})
      rb.sleep(0.01)
    end
  end)
end)
