-- Pulls and verifies every reference in the file `refs` (repo:tag per
-- line, pushed by other tools), with the platform given; fails on any error.
local rb = require "regbench"
local refs_file = rb.param("refs", "", {doc = "file of repo:tag lines"})
local reg = rb.registry.target()
local n = 0
rb.phase("pull", function()
  for line in io.lines(refs_file) do
    local repo, tag = line:match("^([^:]+):(.+)$")
    local p, e = reg:pull(repo, tag)
    assert(p, line .. ": " .. tostring(e))
    assert(p.verified and p.bytes > 0)
    n = n + 1
  end
end)
assert(n > 0, "no references")
print("pulled " .. n)
