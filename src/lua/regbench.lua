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
rb.run_id = core.run_id
-- rb.out_dir() -> the results directory (results.json, the CSVs); for files a scenario writes beside them
rb.out_dir = core.out_dir
-- rb.input_error(msg): raises msg (with the caller's FILE:LINE) and ends the run as bad input, exit 2
function rb.input_error(msg)
  if type(msg) ~= "string" then error("rb.input_error: msg must be a string", 2) end
  core.input_error(msg, 2)
end
rb.http = core.http
rb.image = core.image
-- Recorded traffic: rb.trace.open(path[, opts]) -> reader | nil, err (ltrace.c)
rb.trace = core.trace
rb.sha256 = core.sha256
-- JSON bodies (bounded in size and depth): rb.json.decode(s) -> value | nil, err
rb.json = { decode = core.oci.json_decode }
rb.registry = {}
rb.metrics = {
  trend = core.trend, counter = core.counter, gauge = core.gauge, rate = core.rate,
  -- declares an operation kind the scenario records with op=, so thresholds may name it
  op = core.declare_op,
}
-- A threshold the scenario declares (like --threshold), judged at the end of
-- the run: rb.threshold("push.p95 < 2s").
rb.threshold = core.threshold
rb.params = {}

---------------------------------------------------------------------------
-- Shards: one run split across processes or machines (--shard I/N)
---------------------------------------------------------------------------
-- Work is numbered with global indices 1..n; index i belongs to shard
-- (i - 1) % count, so the shards together do exactly the work of one run:
-- rb.parallel's VUs, rb.rate's arrivals, and whatever a script splits with
-- rb.share. Draws keyed by a global index (rb.random) are the same on every
-- shard. Unsharded, the one process is shard 0 of 1 and owns everything.
local shard = core.shard()

-- rb.shard() -> {index=, count=}
function rb.shard() return {index = shard.index, count = shard.count} end

-- for i in rb.share(n) do ... end: the indices 1..n this shard owns.
function rb.share(n)
  if math.type(n) ~= "integer" or n < 0 then error("rb.share: n must be a non-negative integer", 2) end
  local i = shard.index + 1 - shard.count
  return function()
    i = i + shard.count
    if i <= n then return i end
  end
end

-- rb.random(k1, k2, ...) -> a number in [0, 1) that depends only on the
-- integer keys: draws keyed by (seed, global index, purpose) are the same
-- whichever shard makes them.
function rb.random(...)
  local n = select("#", ...)
  if n == 0 then error("rb.random: give at least one key, e.g. rb.random(seed, i)", 2) end
  for k = 1, n do
    if type((select(k, ...))) ~= "number" then error("rb.random: keys must be numbers", 2) end
  end
  return core.random(...)
end

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
local declared = {}

local function infer(default)
  local t = math.type(default)
  if t == "integer" then return "integer" end
  if t == "float" then return "number" end
  local lt = type(default)
  if lt == "boolean" or lt == "string" then return lt end
  return nil
end

-- Converts v to type typ: text (a default written as a string, --set, a
-- suite) by the core's one rule for parameter text; a default of a Lua type
-- as it is. Returns the value, or nil and a reason.
local function convert(typ, v)
  if type(v) == "string" then return core.parse_param(typ, v) end
  if typ == "string" then return tostring(v) end
  if typ == "boolean" then
    if type(v) == "boolean" then return v end
    return nil
  end
  if typ == "integer" then return math.tointeger(v) end
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
  local accepts = typ and core.param_accepts(typ)
  if not accepts then
    error(("rb.param: parameter '%s': unknown type %s (integer, number, boolean, string, size, duration)")
          :format(name, tostring(opts.type or type(default))), 2)
  end
  local value, why = convert(typ, default)
  if value == nil then
    error(("rb.param: parameter '%s': default %s is not %s%s"):format(
          name, show(default), accepts, why and (": " .. why) or ""), 2)
  end
  local given = core.override(name)
  if given ~= nil then
    value, why = convert(typ, given)
    if value == nil then
      core.input_error(("parameter '%s': '%s' is not valid; it accepts %s"):format(
                       name, given, accepts), 0)
    end
  end
  declared[name] = true
  rb.params[name] = value
  -- recorded as typed ("2MB"); results.json also holds the value it means
  core.declare(name, typ, opts.doc or "", show(default), given ~= nil and given or show(default))
  return value
end

---------------------------------------------------------------------------
-- Concurrency and phases
---------------------------------------------------------------------------

-- Runs fn(i) in n VUs and waits for all of them. Returns a table of the
-- first result of each. Raises after all finished if any failed.
-- Sharded, this shard runs only the i it owns (rb.share), and the table
-- holds only their results.
function rb.parallel(n, fn)
  if math.type(n) ~= "integer" or n < 0 then error("rb.parallel: n must be a non-negative integer", 2) end
  if type(fn) ~= "function" then error("rb.parallel: fn must be a function", 2) end
  local handles, mine = {}, {}
  for i in rb.share(n) do
    mine[#mine + 1] = i
    handles[i] = core.spawn_as("parallel i=" .. i, fn, i)
  end
  local results, failures, first = {}, 0, nil
  for _, i in ipairs(mine) do
    local ok, r = pcall(handles[i].join, handles[i])
    if ok then results[i] = r
    else
      failures = failures + 1
      first = first or r
    end
  end
  if failures > 0 then
    error(("rb.parallel: %d of %d VUs failed; the first: %s"):format(failures, #mine, tostring(first)), 0)
  end
  return results
end

-- Open-model load: starts iterations of fn at `rate` per second for
-- `duration`, with Poisson (default) or constant arrivals, each in its own VU,
-- at most `max_vus` at once. An arrival that finds max_vus busy is dropped
-- (counted, never queued), so a slow registry cannot slow the arrivals.
-- Each iteration is one headline operation measured from its *intended*
-- start (wrk2's coordinated-omission correction), recorded as the operation
-- kind "iteration/<kind>": fn(i) may return kind[, bytes] to name it
-- (default opts.op or "iteration" alone); nil, err or an error marks it
-- failed. Operations inside an iteration count as nested (by_op only).
-- fn(i) gets the arrival's global index i (1, 2, ...; a dropped arrival
-- keeps its number): sharded, every shard draws the same arrivals and
-- starts those it owns, each with max_vus divided among the shards.
-- Returns {started=, dropped=, late=, failed=, duration=}.
local function rng(seed)
  local x = (seed or 1) % 2147483647
  if x <= 0 then x = x + 2147483646 end
  return function()
    x = (x * 48271) % 2147483647
    return x / 2147483647
  end
end

function rb.rate(opts)
  if type(opts) ~= "table" then error("rb.rate: expected a table {rate=, duration=, max_vus=, fn=}", 2) end
  local known = {rate = true, duration = true, max_vus = true, fn = true, arrivals = true, seed = true, op = true,
                 late_after = true}
  for k in pairs(opts) do
    if not known[k] then error("rb.rate: unknown field '" .. tostring(k) .. "' (accepted: rate, duration, max_vus, fn, arrivals, seed, op, late_after)", 2) end
  end
  local rate = opts.rate
  if type(rate) ~= "number" or rate <= 0 or rate > 1e6 then error("rb.rate: rate must be a number of iterations per second (0 < rate <= 1e6)", 2) end
  local duration = opts.duration
  if type(duration) == "string" then duration = rb.duration(duration) end
  if type(duration) ~= "number" or duration <= 0 then error("rb.rate: duration must be positive (seconds or e.g. '30s')", 2) end
  local max_vus = opts.max_vus or 100
  if math.type(max_vus) ~= "integer" or max_vus < 1 then error("rb.rate: max_vus must be a positive integer", 2) end
  max_vus = (max_vus + shard.count - 1) // shard.count   -- sharded: each shard's share, rounded up
  if type(opts.fn) ~= "function" then error("rb.rate: fn must be a function", 2) end
  local arrivals = opts.arrivals or "poisson"
  if arrivals ~= "poisson" and arrivals ~= "constant" then error("rb.rate: arrivals must be 'poisson' or 'constant'", 2) end
  local late_after = opts.late_after or 0.01
  local default_kind = opts.op or "iteration"
  local fn = opts.fn
  local rand = rng(opts.seed)
  local C = core.oci
  local stats = {started = 0, dropped = 0, late = 0, failed = 0}
  local k = 0   -- the global arrival index: every shard draws every arrival, and starts the ones it owns
  local active, handles = 0, {}
  local t0 = rb.now()
  local stop, t = t0 + duration, t0
  core.phase_plan(duration)   -- the progress line shows how much is left
  local function iteration(i, intended)
    local ok, kind, extra = pcall(fn, i)
    local now = rb.now()
    local err, bytes = nil, 0   -- an error object or class name: C maps it to a metric class
    if not ok then
      err = "other"
      stats.failed = stats.failed + 1
      if stats.failed == 1 then io.stderr:write("regbench: rb.rate: an iteration failed: ", tostring(kind), "\n") end
      kind = nil
    elseif kind == nil and extra ~= nil then
      err = (type(extra) == "table" or type(extra) == "string") and extra or "other"
      stats.failed = stats.failed + 1
    elseif math.type(extra) == "integer" then
      bytes = extra
    end
    if type(kind) ~= "string" then kind = default_kind end
    if kind ~= "iteration" then kind = "iteration/" .. kind end
    C.record(kind, intended, now, bytes, err, true, true)
    active = active - 1
  end
  while true do
    if arrivals == "poisson" then
      t = t - math.log(1 - rand()) / rate
    else
      t = t + 1 / rate
    end
    if t >= stop then break end
    k = k + 1
    if (k - 1) % shard.count == shard.index then
      local now = rb.now()
      if t > now then rb.sleep(t - now) end
      if active >= max_vus then
        stats.dropped = stats.dropped + 1
        C.count("dropped_iterations")
      else
        if rb.now() - t > late_after then
          stats.late = stats.late + 1
          C.count("late_iterations")
        end
        active = active + 1
        stats.started = stats.started + 1
        handles[#handles + 1] = core.spawn_iteration(iteration, k, t)
      end
      -- forget finished handles now and then, so memory stays bounded
      if #handles >= 4096 then
        local keep = {}
        for _, h in ipairs(handles) do if h:status() ~= "done" then keep[#keep + 1] = h end end
        handles = keep
      end
    end
  end
  for _, h in ipairs(handles) do h:join() end
  C.count("iterations", stats.started)
  stats.duration = rb.now() - t0
  return stats
end

-- Checks, as k6's check(): rb.check(value, {name = predicate, ...}) calls
-- each predicate with value (a non-function is taken as it is) and records
-- whether it held in the rate metric `checks`, tagged check=<name>. Returns
-- true when every check held. A predicate that raises raises.
local checks_metric = core.rate("checks")
function rb.check(value, checks)
  if type(checks) ~= "table" then error("rb.check: the second argument must be a table {name = predicate, ...}", 2) end
  local names = {}
  for name in pairs(checks) do
    if type(name) ~= "string" or name == "" then error("rb.check: check names must be non-empty strings", 2) end
    names[#names + 1] = name
  end
  table.sort(names)
  local all = true
  for _, name in ipairs(names) do
    local p = checks[name]
    local held
    if type(p) == "function" then held = p(value) else held = p end
    held = held and true or false
    checks_metric:add(held, {check = name})
    all = all and held
  end
  return all
end

-- Sharded runs meet before every top-level phase of the main VU (and after
-- a setup phase); `meet` is set below, once the OCI client is loaded.
local meet
local n_top = 0   -- top-level phases of the main VU so far

-- Runs fn(...) as the measured phase `name`; operations started inside it,
-- in this VU or VUs spawned from it, are attributed to it.
function rb.phase(name, fn, ...)
  if type(name) ~= "string" or name == "" then error("rb.phase: name must be a non-empty string", 2) end
  if type(fn) ~= "function" then error("rb.phase: fn must be a function", 2) end
  if core.top_level() then
    n_top = n_top + 1
    meet(("phase %d (%s) start"):format(n_top, name))
  end
  local phase <close> = core.phase_begin(name)   -- ends the phase on return and on error
  return fn(...)
end

-- Runs fn(...) unmeasured: the calling VU's operations and built-in counts
-- are not recorded (reading a registry's own metrics between phases, say),
-- in any phase or outside all; returns what fn returns. Calls nest.
function rb.unmeasured(fn, ...)
  if type(fn) ~= "function" then error("rb.unmeasured: fn must be a function", 2) end
  local was = core.silent(true)
  local restore <close> = setmetatable({}, {__close = function() core.silent(was) end})
  return fn(...)
end

-- A setup phase: fn(...) runs once for the whole run, on shard 0; the other
-- shards wait until it has finished (their copy of the phase is marked as
-- waited, not run). What it makes must be known to every shard without
-- asking (deterministic names and contents). Unsharded, a plain phase.
function rb.setup(name, fn, ...)
  if type(name) ~= "string" or name == "" then error("rb.setup: name must be a non-empty string", 2) end
  if type(fn) ~= "function" then error("rb.setup: fn must be a function", 2) end
  if not core.top_level() then error("rb.setup: a setup phase must be a top-level phase of the main VU", 2) end
  if shard.count == 1 then return rb.phase(name, fn, ...) end
  n_top = n_top + 1
  local n = n_top
  meet(("phase %d (%s) start"):format(n, name))
  if shard.index == 0 then
    local results
    do
      local phase <close> = core.phase_begin(name)
      results = table.pack(fn(...))
    end
    meet(("phase %d (%s) end"):format(n, name))
    return table.unpack(results, 1, results.n)
  end
  local phase <close> = core.phase_begin(name, true)   -- waited, not run, on this shard
  meet(("phase %d (%s) end"):format(n, name))
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

-- Offline garbage collection of the registry under test, between phases:
-- {seconds=, storage_before=, storage_after=, output=}, or nil, reason where
-- it is impossible (the policy is the core's: rb_run_gc).
function rb.registry.gc(opts)
  if opts ~= nil and type(opts) ~= "table" then error("rb.registry.gc: opts must be a table", 2) end
  local g, why = core.registry_gc(opts and opts.delete_untagged)
  if g and target then target.pid = core.registry_target().pid end   -- restarted: a new process
  return g, why
end

-- The barrier between shards through a shared directory (--barrier-dir, and
-- --procs): shard I of barrier n writes <dir>/<run id>.b<n>.s<I> (written
-- under a temporary name, then renamed, so it appears whole) and waits
-- until all N files are there. Returns arrived, released (wall us) or nil, err.
local function dir_barrier(dir, n, index, count, timeout, what)
  local arrived = core.wall_us()
  local base = ("%s/%s.b%d."):format(dir, (rb.run_id():gsub("/", "_")), n)
  local mine = base .. "s" .. index
  local f, err = io.open(mine .. ".tmp", "w")
  local ok
  if f then
    ok, err = f:write(arrived, "\n")
    f:close()
    if ok then ok, err = os.rename(mine .. ".tmp", mine) end
  end
  if not f or not ok then
    return nil, ("%s: shard %d of %d cannot write its arrival into %s: %s"):format(what, index, count, dir, tostring(err))
  end
  local missing = {}
  for i = 0, count - 1 do missing[#missing + 1] = i end
  local poll = math.min(0.2, 0.005 * math.ceil(count / 4))
  local t0 = rb.now()
  for _ = 1, math.ceil(timeout / poll) + 10 do
    local still = {}
    for _, i in ipairs(missing) do
      local h = io.open(base .. "s" .. i, "r")
      if h then h:close() else still[#still + 1] = i end
    end
    missing = still
    if #missing == 0 then return arrived, core.wall_us() end
    if rb.now() - t0 >= timeout then break end
    rb.sleep(rb.now() - t0 < 2 and poll or math.max(poll, 0.05))
  end
  return nil, ("%s: %s %s of %d did not arrive within %g s (directory %s; every shard must run the same " ..
               "scenario with the same --run-id, --shard I/%d and --barrier-dir)"):format(what,
               #missing == 1 and "shard" or "shards", table.concat(missing, ", "), count, timeout, dir, count)
end

-- The barrier between shards: through --barrier-dir when given, else through
-- the registry under test (oci.barrier): one repository per barrier,
-- regbench-barrier/<run id>/b<n>, outside the run's repository prefix. The
-- first one also waits for --start-at. Its requests are not measured.
local n_barriers, barrier_reg, waited_start = 0, nil, false
meet = function(what)
  if not waited_start then
    waited_start = true
    if shard.start_at_us > 0 then
      local wait = (shard.start_at_us - core.wall_us()) / 1e6
      if wait > 0 then rb.sleep(wait)
      else io.stderr:write(("regbench: warning: --start-at is %.1f s in the past; starting at once\n"):format(-wait)) end
    end
  end
  if shard.count == 1 then return end
  n_barriers = n_barriers + 1
  if shard.barrier_dir then
    local arrived, released = dir_barrier(shard.barrier_dir, n_barriers, shard.index, shard.count,
                                          shard.barrier_timeout, "barrier before " .. what)
    if not arrived then error(released, 0) end
    core.barrier_passed(what, arrived, released)
    return
  end
  if not barrier_reg then
    local opts = core.target_options()
    opts.repo_prefix = nil
    barrier_reg = oci.wrap_target(core.registry_target(), core.target_credentials(), opts)
  end
  local ok, arrived, released = pcall(rb.unmeasured, oci.barrier, barrier_reg,
                                      ("regbench-barrier/%s/b%d"):format(rb.run_id(), n_barriers),
                                      shard.index, shard.count, shard.barrier_timeout, "barrier before " .. what)
  if not ok then error(arrived, 0) end
  if not arrived then error(released, 0) end
  core.barrier_passed(what, arrived, released)
end

return rb
