-- regbench prelude: the Lua half of the `regbench` module, compiled into the
-- binary. C (lcore.c, lhttp.c, limage.c) provides the primitives in `core`;
-- this file holds the policy: parameter declaration and conversion,
-- rb.parallel, rb.phase. `local rb = require "regbench"` returns the table
-- built here.
local core = ...
local rb = {}

rb.version = core.version
rb.now = core.now
rb.sleep = core.sleep
rb.spawn = core.spawn
rb.vu_id = core.vu_id
rb.http = core.http
rb.image = core.image
rb.sha256 = core.sha256
rb.registry = {}
rb.metrics = {
  trend = core.trend, counter = core.counter, gauge = core.gauge, rate = core.rate,
}
rb.params = {}

-- Sizes and durations in scripts: rb.size("10MB") -> bytes, rb.duration("2m") -> seconds.
function rb.size(v)
  local n, err = core.parse_size(v)
  if not n then error(err, 2) end
  return n
end
function rb.duration(v)
  local n, err = core.parse_duration(v)
  if not n then error(err, 2) end
  return n
end

---------------------------------------------------------------------------
-- Parameters
---------------------------------------------------------------------------
local TYPES = { integer = true, number = true, boolean = true, string = true,
                size = true, duration = true }
local ACCEPTS = {
  integer = "an integer, e.g. 10",
  number = "a number, e.g. 0.5",
  boolean = "true or false (also yes/no, 1/0)",
  string = "any text",
  size = "a size such as 512, 10MB (10^6 bytes) or 1MiB (2^20 bytes); units B, KB, MB, GB, TB, KiB, MiB, GiB, TiB",
  duration = "a duration such as 500ms, 30s, 2m or 1m30s (a bare number is seconds)",
}
local declared = {}

local function infer(default)
  local t = math.type(default)
  if t == "integer" then return "integer" end
  if t == "float" then return "number" end
  local lt = type(default)
  if lt == "boolean" or lt == "string" then return lt end
  return nil
end

-- Converts v (a string from --set, or the script's default) to type typ.
-- Returns the value, or nil and a reason.
local function convert(typ, v)
  if typ == "string" then return tostring(v) end
  if typ == "boolean" then
    if type(v) == "boolean" then return v end
    local s = tostring(v):lower()
    if s == "true" or s == "yes" or s == "1" or s == "on" then return true end
    if s == "false" or s == "no" or s == "0" or s == "off" then return false end
    return nil
  end
  if typ == "integer" then
    local n = math.tointeger(tonumber(v))
    return n
  end
  if typ == "number" then return tonumber(v) end
  if typ == "size" then return core.parse_size(v) end
  if typ == "duration" then return core.parse_duration(v) end
end

local function show(v)
  if type(v) == "string" then return v end
  return tostring(v)
end

function rb.param(name, default, opts)
  if type(name) ~= "string" or not name:match("^[%a_][%w_.%-]*$") then
    error("rb.param: bad parameter name " .. tostring(name) ..
          " (letters, digits, _ . -; starting with a letter or _)", 2)
  end
  if opts ~= nil and type(opts) ~= "table" then
    error("rb.param: the third argument must be a table {type=, doc=}", 2)
  end
  opts = opts or {}
  if declared[name] then error("rb.param: parameter '" .. name .. "' declared twice", 2) end
  local typ = opts.type or infer(default)
  if not typ or not TYPES[typ] then
    error(("rb.param: parameter '%s': unknown type %s (integer, number, boolean, string, size, duration)")
          :format(name, tostring(opts.type or type(default))), 2)
  end
  local value, why = convert(typ, default)
  if value == nil then
    error(("rb.param: parameter '%s': default %s is not %s%s"):format(
          name, show(default), ACCEPTS[typ], why and (": " .. why) or ""), 2)
  end
  local given = core.override(name)
  if given ~= nil then
    value, why = convert(typ, given)
    if value == nil then
      core.input_error(("parameter '%s': '%s' is not valid; it accepts %s"):format(
                       name, given, ACCEPTS[typ]), 0)
    end
  end
  declared[name] = true
  rb.params[name] = value
  core.declare(name, typ, opts.doc or "", show(default), show(value))
  return value
end

---------------------------------------------------------------------------
-- Concurrency and phases
---------------------------------------------------------------------------

-- Runs fn(i) in n VUs and waits for all of them. Returns a table of the
-- first result of each. Raises after all finished if any failed.
function rb.parallel(n, fn)
  if math.type(n) ~= "integer" or n < 0 then error("rb.parallel: n must be a non-negative integer", 2) end
  if type(fn) ~= "function" then error("rb.parallel: fn must be a function", 2) end
  local handles = {}
  for i = 1, n do handles[i] = core.spawn(fn, i) end
  local results, failures, first = {}, 0, nil
  for i = 1, n do
    local ok, r = pcall(handles[i].join, handles[i])
    if ok then results[i] = r
    else
      failures = failures + 1
      first = first or r
    end
  end
  if failures > 0 then
    error(("rb.parallel: %d of %d VUs failed; the first: %s"):format(failures, n, tostring(first)), 0)
  end
  return results
end

-- Runs fn(...) as the measured phase `name`; operations started inside it,
-- in this VU or VUs spawned from it, are attributed to it.
function rb.phase(name, fn, ...)
  if type(name) ~= "string" or name == "" then error("rb.phase: name must be a non-empty string", 2) end
  if type(fn) ~= "function" then error("rb.phase: fn must be a function", 2) end
  local phase <close> = core.phase_begin(name)   -- ends the phase on return and on error
  return fn(...)
end

---------------------------------------------------------------------------
-- Registries: the OCI distribution client (oci.lua)
---------------------------------------------------------------------------
local oci = core.oci_chunk(core, rb)
rb.registry.connect = oci.connect
rb.registry.Error = oci.Error
local target
-- The registry under test (launched by regbench, or --target), as a client.
function rb.registry.target()
  if not target then
    local t = core.registry_target()
    target = oci.wrap_target(t, core.target_credentials(), core.target_options())
  end
  return target
end

return rb
