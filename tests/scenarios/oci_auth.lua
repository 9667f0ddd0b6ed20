-- Push and pull through a registry that demands authentication. With
-- expect=ok both must succeed; with expect=denied both must fail with an
-- auth error, returned (not raised).
local rb = require "regbench"
local expect = rb.param("expect", "ok")
local reg = rb.registry.target()
local img = rb.image.generate{layers = 2, layer_size = "1MB", seed = 5}
rb.phase("auth", function()
  local r, e = reg:push("auth/test", "v1", img)
  if expect == "ok" then
    assert(r, tostring(e))
    local p = assert(reg:pull("auth/test", "v1"))
    assert(p.digest == img.digest)
    assert(reg:ping())
    -- a second client with its own credentials
    local other = rb.registry.connect(reg.url, {username = "nobody", password = "wrong"})
    local _, oe = other:pull("auth/test", "v1")
    assert(oe and oe.class == "auth", tostring(oe))
    print("auth ok")
  else
    assert(not r and e.class == "auth", "expected an auth error, got " .. tostring(e))
    assert(e.status == 401, tostring(e))
    local p, pe = reg:pull("auth/test", "v1")
    assert(not p and pe.class == "auth", tostring(pe))
    print("auth denied: " .. tostring(e))
  end
end)
