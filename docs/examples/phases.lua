-- docs/examples/phases.lua: measured phases and how operations are attributed
-- to them (docs/lua-api.md, rb.phase). Look at results.json afterwards: phases
-- "setup", "load", "outer", "inner" and "default".
local rb = require "regbench"
local reg = rb.registry.target()
local function ping() assert(rb.http.request{url = reg.url .. "/v2/", discard_body = true}) end

-- Outside any phase: counted in the implicit phase "default".
ping()

-- rb.phase returns what fn returns.
local n = rb.phase("setup", function()
  ping()
  return 1
end)
assert(n == 1)

-- VUs spawned inside a phase record into it (10 VUs x 5 requests = 50 ops).
rb.phase("load", function()
  rb.parallel(10, function()
    for _ = 1, 5 do ping() end
  end)
end)

-- Nested phases: operations go to the innermost phase only; "outer" gets 2,
-- "inner" gets 1, and outer's duration includes inner's.
rb.phase("outer", function()
  ping()
  rb.phase("inner", ping)
  ping()
end)
-- A phase whose function raises still ends (it is marked "complete": false,
-- "cut"); the error reaches the caller, and the VU is back in its old phase.
local ok, err = pcall(rb.phase, "broken", function()
  ping()
  error("boom")
end)
assert(not ok and err:match("boom"))
ping()                                   -- counted in "default" again, not in "broken"
print("phases.lua: ok")
