-- docs/examples/params.lua: scenario parameters (docs/lua-api.md, rb.param).
--   regbench run docs/examples/params.lua --help
--   regbench run docs/examples/params.lua --set vus=8 --set blob=2MiB --set think=250ms
local rb = require "regbench"

-- Parameters come first: before the first action (rb.spawn, rb.sleep,
-- rb.http.request, rb.phase, rb.registry.target).
local vus   = rb.param("vus", 4, {doc = "concurrent virtual users"})           -- integer (inferred)
local ratio = rb.param("ratio", 0.5, {doc = "share of reads"})                 -- number
local warm  = rb.param("warm", true, {doc = "run a warm-up first"})            -- boolean
local repo  = rb.param("repo", "docs/example")                                 -- string
local blob  = rb.param("blob", "1MB", {type = "size", doc = "blob size"})     -- size -> bytes
local think = rb.param("think", "100ms", {type = "duration"})                  -- duration -> seconds

assert(math.type(vus) == "integer")
assert(type(ratio) == "number" and type(warm) == "boolean" and type(repo) == "string")
assert(math.type(blob) == "integer" and type(think) == "number")
-- rb.params holds every declared parameter by name, converted.
assert(rb.params.vus == vus and rb.params.blob == blob)

-- The same parsers, for values in scripts.
assert(rb.size("1MB") == 1000000 and rb.size("1MiB") == 1048576)
assert(rb.size(512) == 512)
assert(rb.duration("500ms") == 0.5 and rb.duration("1m30s") == 90 and rb.duration(2) == 2)
assert(not pcall(rb.size, "10XB"))

print(("vus=%d ratio=%g warm=%s repo=%s blob=%d think=%g"):format(vus, ratio, warm, repo, blob, think))
