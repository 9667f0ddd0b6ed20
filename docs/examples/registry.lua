-- docs/examples/registry.lua: the registry under test, rb.sha256 and
-- rb.version (docs/lua-api.md).
local rb = require "regbench"

assert(type(rb.version) == "string")

-- The first call launches the registry (unless --target was given).
local reg = rb.registry.target()
assert(reg.url:match("^https?://"))
assert(reg.kind == "crane" or reg.kind == "distribution" or reg.kind == "distribution3" or reg.kind == "external")
assert(reg.storage == "memory" or reg.storage == "disk" or reg.storage == "unknown")
if reg.kind ~= "external" then
  assert(math.type(reg.pid) == "integer" and type(reg.version) == "string")
else
  assert(reg.pid == nil)
end

-- It is a registry object (docs/lua-api.md, "rb.registry"): methods and settings.
assert(type(reg.push) == "function" and reg.retries >= 0 and reg.timeout == 600 and reg.stall_timeout == 60)
if reg.kind == "crane" then
  assert(reg.metrics_url == nil and reg.upstream == nil)   -- crane exposes no metrics
end
assert(rb.registry.target() == reg)                        -- the same object every time

assert(rb.sha256("") == "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
print(("registry.lua: %s %s at %s (%s storage), regbench %s"):format(
      reg.kind, reg.version or "", reg.url, reg.storage, rb.version))
