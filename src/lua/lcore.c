/* lcore: the C half of the `regbench` Lua module: clocks, sleep, VUs,
 * phases, parameters' plumbing, custom metrics and the registry under test.
 * Thin bindings: check arguments, call the runtime or the core, return a
 * value or raise on misuse. Policy (rb.param's conversions, rb.parallel,
 * rb.phase) lives in regbench.lua, the embedded prelude. */
#include "lrt.h"
#include "lcore.h"
#include "loci.h"
#include "image/rb_gen.h"
#include "util/rb_digest.h"
#include "util/rb_util.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define METRIC_META "regbench.metric"

static int l_now(lua_State *L)
{
    lua_pushnumber(L, (double)rb_now_us() / 1e6);
    return 1;
}

/* A sleep timer; data points at itself so teardown can recognise and free it. */
typedef struct sleep_timer {
    uv_timer_t t;
    rb_vu *vu;
} sleep_timer;

static void on_sleep_close(uv_handle_t *h)
{
    free(h);
}

static void on_sleep(uv_timer_t *t)
{
    sleep_timer *s = (sleep_timer *)t;
    rb_vu *vu = s->vu;
    uv_close((uv_handle_t *)t, on_sleep_close);
    rbl_wake(vu, 0);
}

static int l_sleep(lua_State *L)
{
    double secs = luaL_checknumber(L, 1);
    luaL_argcheck(L, secs >= 0 && secs < 1e9, 1, "seconds must be between 0 and 1e9");
    rb_vu *vu = rbl_action(L, 1);
    sleep_timer *s = rb_calloc(1, sizeof *s);
    uv_loop_t *uv = rb_loop_uv(vu->rt->loop);
    uv_update_time(uv);   /* the loop's cached time may be stale after Lua work */
    uv_timer_init(uv, &s->t);
    s->t.data = &s->t;
    s->vu = vu;
    uv_timer_start(&s->t, on_sleep, (uint64_t)(secs * 1000.0 + 0.5), 0);
    return lua_yield(L, 0);
}

static int l_spawn(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TFUNCTION);
    rbl_action(L, 0);
    rb_rt *rt = rbl_rt(L);
    rb_vu *vu = rbl_vu_new(L, lua_gettop(L) - 1);
    snprintf(vu->label, sizeof vu->label, "spawn #%d", ++rt->n_spawned);
    return 1;
}

/* core.spawn_as(label, fn, ...): rb.spawn for the prelude's own VUs, named
 * as the script sees them ("parallel i=2"). */
static int l_spawn_as(lua_State *L)
{
    const char *label = luaL_checkstring(L, 1);
    luaL_checktype(L, 2, LUA_TFUNCTION);
    rbl_action(L, 0);
    char name[48];
    snprintf(name, sizeof name, "%s", label);
    lua_remove(L, 1);
    rb_vu *vu = rbl_vu_new(L, lua_gettop(L) - 1);
    memcpy(vu->label, name, sizeof name);
    return 1;
}

/* core.spawn_iteration(fn, i, ...): rb.spawn for an rb.rate iteration: the
 * VU and the VUs it spawns record their operations as nested. */
static int l_spawn_iteration(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TFUNCTION);
    rbl_action(L, 0);
    lua_Integer i = luaL_optinteger(L, 2, 0);
    rb_vu *vu = rbl_vu_new(L, lua_gettop(L) - 1);
    vu->nested = 1;
    snprintf(vu->label, sizeof vu->label, "iteration #%lld", (long long)i);
    return 1;
}

static int l_live_vus(lua_State *L)
{
    lua_pushinteger(L, rbl_rt(L)->n_vus_live);
    return 1;
}

/* core.run_id() -> the run's ID (shared by every shard of a run) */
static int l_run_id(lua_State *L)
{
    lua_pushstring(L, rb_run_id(rbl_rt(L)->run));
    return 1;
}

/* core.out_dir() -> the run's results directory (where results.json goes) */
static int l_out_dir(lua_State *L)
{
    lua_pushstring(L, rb_run_dir(rbl_rt(L)->run));
    return 1;
}

static int l_vu_id(lua_State *L)
{
    rb_rt *rt = rbl_rt(L);
    if (!rt->current) return 0;
    lua_pushinteger(L, rt->current->id);
    return 1;
}

/* core.wall_us() -> this machine's wall clock in microseconds (rb_wall_us) */
static int l_wall_us(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)rb_wall_us());
    return 1;
}

/* core.shard() -> {index=, count=, barrier_timeout=, start_at_us=, barrier_dir=}: which
 * share of the work this process does (--shard I/N; 0/1 unsharded). */
static int l_shard(lua_State *L)
{
    const rb_run_opts *o = rbl_rt(L)->opts;
    int count = o->shard_count > 1 ? o->shard_count : 1;
    lua_createtable(L, 0, 5);
    lua_pushinteger(L, count > 1 ? o->shard_index : 0);
    lua_setfield(L, -2, "index");
    lua_pushinteger(L, count);
    lua_setfield(L, -2, "count");
    lua_pushnumber(L, o->barrier_timeout_s > 0 ? o->barrier_timeout_s : 60.0);
    lua_setfield(L, -2, "barrier_timeout");
    lua_pushinteger(L, (lua_Integer)o->start_at_wall_us);
    lua_setfield(L, -2, "start_at_us");
    if (o->barrier_dir) {
        lua_pushstring(L, o->barrier_dir);
        lua_setfield(L, -2, "barrier_dir");
    }
    return 1;
}

/* core.silent(on) -> was: while on, the calling VU's operations and counts
 * are not recorded (a barrier between shards, rb.unmeasured); returns the
 * previous setting, so that calls can nest. */
static int l_silent(lua_State *L)
{
    rb_rt *rt = rbl_rt(L);
    int was = rt->current ? rt->current->silent : 0;
    if (rt->current) rt->current->silent = lua_toboolean(L, 1);
    lua_pushboolean(L, was);
    return 1;
}

/* core.top_level() -> true when the calling VU is the main one and has no
 * phase open: where the shards of a run meet before a phase. */
static int l_top_level(lua_State *L)
{
    rb_rt *rt = rbl_rt(L);
    lua_pushboolean(L, rt->current && rt->current->id == 0 && rt->current->phase == NULL);
    return 1;
}

/* core.barrier_passed(name, arrived_wall_us, released_wall_us) */
static int l_barrier_passed(lua_State *L)
{
    const char *name = luaL_checkstring(L, 1);
    lua_Integer a = luaL_checkinteger(L, 2), b = luaL_checkinteger(L, 3);
    rb_run_barrier_passed(rbl_rt(L)->run, name, (uint64_t)a, (uint64_t)b);
    return 0;
}

static uint64_t splitmix64(uint64_t x)
{
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

/* core.random(k1, k2, ...) -> a number in [0, 1) that depends only on the
 * keys (integers; numbers are floored): the same keys give the same number
 * in every process and on every machine, so draws keyed by a global index
 * are the same however the work is split across shards. */
static int l_random(lua_State *L)
{
    int n = lua_gettop(L);
    luaL_argcheck(L, n >= 1, 1, "at least one key (an integer)");
    uint64_t h = 0x5DEECE66Dull;
    for (int i = 1; i <= n; i++) {
        lua_Integer k;
        if (lua_isinteger(L, i)) k = lua_tointeger(L, i);
        else k = (lua_Integer)floor(luaL_checknumber(L, i));
        h = splitmix64(h ^ (uint64_t)k);
    }
    lua_pushnumber(L, (double)(h >> 11) * 0x1.0p-53);
    return 1;
}

#define PHASE_MT "regbench.phase"

/* The value rb.phase holds in a <close> variable: closing it ends the phase,
 * whether the phase's function returned or raised. */
typedef struct phase_guard {
    rb_phase *p, *prev;
    rb_vu *vu;
    int closed;
} phase_guard;

static int l_phase_begin(lua_State *L)
{
    const char *name = luaL_checkstring(L, 1);
    luaL_argcheck(L, name[0] != 0, 1, "phase name must not be empty");
    int waited = lua_toboolean(L, 2);   /* read before the guard is pushed (it would be index 2) */
    rb_vu *vu = rbl_action(L, 0);
    rb_rt *rt = rbl_rt(L);
    phase_guard *g = lua_newuserdatauv(L, sizeof *g, 0);
    memset(g, 0, sizeof *g);
    luaL_setmetatable(L, PHASE_MT);
    g->p = rb_run_phase_begin(rt->run, name);
    if (waited) g->p->waited_only = 1;   /* a setup phase another shard runs: this one waits */
    g->vu = vu;
    g->prev = vu ? vu->phase : NULL;
    if (vu) vu->phase = g->p;
    return 1;
}

/* __close of the phase guard: an error object as 2nd argument (the phase's
 * function raised), or a failed VU being unwound, marks the phase cut. */
static int phase_close(lua_State *L)
{
    phase_guard *g = luaL_checkudata(L, 1, PHASE_MT);
    if (g->closed) return 0;
    g->closed = 1;
    rb_rt *rt = rbl_rt(L);
    if (!lua_isnoneornil(L, 2) || rt->unwinding) g->p->cut = 1;
    if (g->vu && g->vu->phase == g->p) g->vu->phase = g->prev;
    rb_run_phase_end(rt->run, g->p);
    return 0;
}

/* core.phase_plan(seconds): the calling VU's phase is planned to last this
 * long (rb.rate knows its duration), for the progress line's ETA. */
static int l_phase_plan(lua_State *L)
{
    double secs = luaL_checknumber(L, 1);
    rb_rt *rt = rbl_rt(L);
    rb_phase *p = rt->current ? rt->current->phase : NULL;
    if (p && secs > 0) {
        double in = (double)(rb_now_us() - p->start_us) / 1e6;
        if (in + secs > p->planned_s) p->planned_s = in + secs;
    }
    return 0;
}

/* core.override(name): the value given for name (--set, a suite), marking it used; or nil. */
static int l_override(lua_State *L)
{
    const char *v = rb_run_given(rbl_rt(L)->run, luaL_checkstring(L, 1));
    if (!v) return 0;
    lua_pushstring(L, v);
    return 1;
}

/* core.declare(name, type, doc, default_text, value_text) */
static int l_declare(lua_State *L)
{
    const char *f[5];
    for (int i = 0; i < 5; i++) f[i] = luaL_checkstring(L, i + 1);
    rb_run_declare(rbl_rt(L)->run, f[0], f[1], f[2], f[3], f[4]);
    return 0;
}

static int l_input_error(lua_State *L)
{
    const char *msg = luaL_checkstring(L, 1);
    int level = (int)luaL_optinteger(L, 2, 1);
    luaL_where(L, level);
    lua_pushstring(L, msg);
    lua_concat(L, 2);
    rbl_rt(L)->input_error = 1;
    return lua_error(L);
}

/* core.parse_size(s) -> bytes | nil, err */
static int l_parse_size(lua_State *L)
{
    char err[RB_ERRLEN];
    uint64_t v;
    if (lua_isinteger(L, 1) && lua_tointeger(L, 1) >= 0) {
        lua_pushinteger(L, lua_tointeger(L, 1));
        return 1;
    }
    if (rb_parse_size(luaL_checkstring(L, 1), &v, err, sizeof err) < 0) {
        lua_pushnil(L);
        lua_pushstring(L, err);
        return 2;
    }
    lua_pushinteger(L, (lua_Integer)v);
    return 1;
}

/* core.parse_duration(s) -> seconds | nil, err */
static int l_parse_duration(lua_State *L)
{
    char err[RB_ERRLEN];
    double v;
    if (lua_type(L, 1) == LUA_TNUMBER) {
        v = lua_tonumber(L, 1);
        if (v < 0) { lua_pushnil(L); lua_pushstring(L, "a duration must not be negative"); return 2; }
        lua_pushnumber(L, v);
        return 1;
    }
    if (rb_parse_duration(luaL_checkstring(L, 1), &v, err, sizeof err) < 0) {
        lua_pushnil(L);
        lua_pushstring(L, err);
        return 2;
    }
    lua_pushnumber(L, v);
    return 1;
}

/* core.parse_param(type, text) -> value | nil, reason: a parameter value
 * given as text (--set, a suite), by the same rule the suite loader checks. */
static int l_parse_param(lua_State *L)
{
    const char *type = luaL_checkstring(L, 1), *text = luaL_checkstring(L, 2);
    rb_param_value v;
    char err[RB_ERRLEN];
    if (rb_param_parse(type, text, &v, err, sizeof err) < 0) {
        lua_pushnil(L);
        lua_pushstring(L, err);
        return 2;
    }
    switch (v.kind) {
    case RB_PV_INTEGER: case RB_PV_SIZE: lua_pushinteger(L, (lua_Integer)v.i); break;
    case RB_PV_NUMBER: case RB_PV_DURATION: lua_pushnumber(L, v.d); break;
    case RB_PV_BOOLEAN: lua_pushboolean(L, (int)v.i); break;
    case RB_PV_STRING: lua_pushvalue(L, 2); break;
    }
    return 1;
}

/* core.param_accepts(type) -> what the type accepts (text), or nil for an unknown type */
static int l_param_accepts(lua_State *L)
{
    const char *a = rb_param_accepts(luaL_checkstring(L, 1));
    if (!a) return 0;
    lua_pushstring(L, a);
    return 1;
}

/* core.sha256(bytes) -> "sha256:<hex>" */
static int l_sha256(lua_State *L)
{
    size_t len;
    const char *data = luaL_checklstring(L, 1, &len);
    char hex[65];
    rb_sha256_hex(data, len, hex);
    lua_pushfstring(L, "sha256:%s", hex);
    return 1;
}

static int l_registry_target(lua_State *L)
{
    rbl_action(L, 0);
    const rb_run_target *t = rb_run_target_info(rbl_rt(L)->run);
    lua_createtable(L, 0, 5);
    lua_pushstring(L, t->url);
    lua_setfield(L, -2, "url");
    lua_pushstring(L, t->kind);
    lua_setfield(L, -2, "kind");
    lua_pushstring(L, t->storage);
    lua_setfield(L, -2, "storage");
    if (t->version) {
        lua_pushstring(L, t->version);
        lua_setfield(L, -2, "version");
    }
    if (t->pid) {
        lua_pushinteger(L, t->pid);
        lua_setfield(L, -2, "pid");
    }
    if (t->metrics_url) {
        lua_pushstring(L, t->metrics_url);
        lua_setfield(L, -2, "metrics_url");
        /* the debug server also serves expvar at /debug/vars (pull-through cache counters) */
        const char *slash = strstr(t->metrics_url + 7, "/");
        lua_pushlstring(L, t->metrics_url, slash ? (size_t)(slash - t->metrics_url) : strlen(t->metrics_url));
        lua_setfield(L, -2, "debug_url");
    }
    if (t->upstream_url) {
        lua_pushstring(L, t->upstream_url);
        lua_setfield(L, -2, "upstream_url");
        lua_pushstring(L, t->upstream_log);
        lua_setfield(L, -2, "upstream_log");
    }
    return 1;
}

/* core.registry_gc(delete_untagged) -> {seconds=, storage_before=, storage_after=, output=},
 * or nil, reason when the registry cannot be collected (rb_run_gc) */
static int l_registry_gc(lua_State *L)
{
    int delete_untagged = lua_toboolean(L, 1);
    rbl_action(L, 0);
    rb_run_gc_result res;
    static char out[65536];   /* only the loop thread runs Lua */
    char err[RB_ERRLEN];
    int rc = rb_run_gc(rbl_rt(L)->run, delete_untagged, &res, out, sizeof out, err, sizeof err);
    if (rc == 1) {
        lua_pushnil(L);
        lua_pushstring(L, err);
        return 2;
    }
    if (rc < 0) return luaL_error(L, "rb.registry.gc: %s", err);
    lua_createtable(L, 0, 4);
    lua_pushnumber(L, res.seconds);
    lua_setfield(L, -2, "seconds");
    lua_pushinteger(L, (lua_Integer)res.storage_before);
    lua_setfield(L, -2, "storage_before");
    lua_pushinteger(L, (lua_Integer)res.storage_after);
    lua_setfield(L, -2, "storage_after");
    lua_pushstring(L, out);
    lua_setfield(L, -2, "output");
    return 1;
}

/* core.target_credentials() -> credentials for the registry under test, or nil */
static int l_target_credentials(lua_State *L)
{
    const rb_run_opts *o = rbl_rt(L)->opts;
    if (!o->username || !o->password) return 0;
    return rbl_push_credentials(L, o->username, o->password);
}

/* core.target_options() -> {insecure=, ca_file=, retries=, timeout=, stall_timeout=, repo_prefix=} */
static int l_target_options(lua_State *L)
{
    const rb_run_opts *o = rbl_rt(L)->opts;
    lua_createtable(L, 0, 3);
    lua_pushboolean(L, o->insecure);
    lua_setfield(L, -2, "insecure");
    if (o->ca_file) {
        lua_pushstring(L, o->ca_file);
        lua_setfield(L, -2, "ca_file");
    }
    lua_pushinteger(L, o->retries);
    lua_setfield(L, -2, "retries");
    lua_pushnumber(L, o->timeout_s > 0 ? o->timeout_s : 600);
    lua_setfield(L, -2, "timeout");
    lua_pushnumber(L, o->stall_timeout_s > 0 ? o->stall_timeout_s : 60);
    lua_setfield(L, -2, "stall_timeout");
    lua_pushstring(L, rb_run_repo_prefix(rbl_rt(L)->run));
    lua_setfield(L, -2, "repo_prefix");
    return 1;
}

/* ---- custom metrics ---------------------------------------------------------- */

typedef struct lmetric {
    rb_metric_type type;
    char name[128];
} lmetric;

static int metric_new(lua_State *L, rb_metric_type type)
{
    size_t len;
    const char *name = luaL_checklstring(L, 1, &len);
    luaL_argcheck(L, len > 0 && len < sizeof(((lmetric *)0)->name), 1, "metric name must be 1 to 127 characters");
    for (size_t i = 0; i < len; i++)
        luaL_argcheck(L, isalnum((unsigned char)name[i]) || strchr("_.-/", name[i]), 1,
                      "metric names use letters, digits and _ . - /");
    char err[RB_ERRLEN];
    rb_rt *rt = rbl_rt(L);
    /* entries are made on the first :add, so only tag sets that got values show */
    if (rb_metrics_type_ok(rt->metrics, name, type, err, sizeof err) < 0 ||
        rb_run_declare_metric(rt->run, name, type, err, sizeof err) < 0)
        return luaL_error(L, "%s", err);
    lmetric *m = lua_newuserdatauv(L, sizeof *m, 0);
    m->type = type;
    memcpy(m->name, name, len + 1);
    luaL_setmetatable(L, METRIC_META);
    return 1;
}

static int l_trend(lua_State *L) { return metric_new(L, RB_METRIC_TREND); }
static int l_counter(lua_State *L) { return metric_new(L, RB_METRIC_COUNTER); }
static int l_gauge(lua_State *L) { return metric_new(L, RB_METRIC_GAUGE); }
static int l_rate(lua_State *L) { return metric_new(L, RB_METRIC_RATE); }

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* metric:add(value[, tags]) ; for rates, booleans count as 1/0 */
static int metric_add(lua_State *L)
{
    lmetric *m = luaL_checkudata(L, 1, METRIC_META);
    double v;
    if (lua_isboolean(L, 2)) v = lua_toboolean(L, 2) ? 1 : 0;
    else v = luaL_checknumber(L, 2);
    char tags[512] = "";
    if (!lua_isnoneornil(L, 3)) {
        luaL_checktype(L, 3, LUA_TTABLE);
        const char *pairs[32];
        int n = 0;
        lua_newtable(L);                      /* anchors the "k=v" strings */
        int strs = lua_gettop(L);
        lua_pushnil(L);
        while (lua_next(L, 3)) {
            if (lua_type(L, -2) != LUA_TSTRING)
                return luaL_argerror(L, 3, "tag names must be strings");
            if (n == 32) return luaL_argerror(L, 3, "at most 32 tags");
            const char *val = luaL_tolstring(L, -1, NULL);
            lua_pushfstring(L, "%s=%s", lua_tostring(L, -3), val);
            lua_rawseti(L, strs, n + 1);
            lua_pop(L, 2);                    /* tolstring result and value */
            lua_rawgeti(L, strs, n + 1);
            pairs[n++] = lua_tostring(L, -1);
            lua_pop(L, 1);
        }
        qsort(pairs, (size_t)n, sizeof *pairs, cmp_str);
        size_t off = 0;
        for (int i = 0; i < n; i++) {
            int w = snprintf(tags + off, sizeof tags - off, "%s%s", i ? "," : "", pairs[i]);
            if (w < 0 || (size_t)w >= sizeof tags - off) return luaL_argerror(L, 3, "tags too long");
            off += (size_t)w;
        }
    }
    char err[RB_ERRLEN];
    rb_rt *rt = rbl_rt(L);
    if (rb_metrics_add(rt->metrics, rt->current ? rt->current->phase : NULL, m->name, tags, m->type, v, err,
                       sizeof err) < 0)
        return luaL_error(L, "%s", err);
    return 0;
}

/* core.declare_op(name): an operation kind the scenario records (op=), so
 * thresholds may name it; returns name. */
static int l_declare_op(lua_State *L)
{
    size_t len;
    const char *name = luaL_checklstring(L, 1, &len);
    luaL_argcheck(L, len > 0 && len < 64, 1, "operation kinds are 1 to 63 characters");
    for (size_t i = 0; i < len; i++)
        luaL_argcheck(L, isalnum((unsigned char)name[i]) || strchr("_.-/", name[i]), 1,
                      "operation kinds use letters, digits and _ . - /");
    rb_run_declare_op(rbl_rt(L)->run, name);
    lua_settop(L, 1);
    return 1;
}

/* core.threshold(expr): a threshold the scenario declares; judged at the end
 * of the run like --threshold (its names are checked at the first action). */
static int l_threshold(lua_State *L)
{
    char err[RB_ERRLEN];
    const char *expr = luaL_checkstring(L, 1);
    luaL_where(L, 1);   /* "FILE:LINE: " of the call, for a name that turns out unknown */
    size_t n;
    const char *where = lua_tolstring(L, -1, &n);
    char at[512];
    snprintf(at, sizeof at, "%.*s", n >= 2 ? (int)n - 2 : 0, where);
    if (rb_run_add_threshold(rbl_rt(L)->run, expr, at, err, sizeof err) < 0)
        return luaL_error(L, "rb.threshold: %s", err);
    return 0;
}

static int metric_tostring(lua_State *L)
{
    lmetric *m = luaL_checkudata(L, 1, METRIC_META);
    lua_pushfstring(L, "regbench.metric(%s %s)", rb_metric_type_name(m->type), m->name);
    return 1;
}

int rbl_open_core(lua_State *L)
{
    if (luaL_newmetatable(L, PHASE_MT)) {
        lua_pushcfunction(L, phase_close);
        lua_setfield(L, -2, "__close");
    }
    lua_pop(L, 1);
    static const luaL_Reg metric_methods[] = {{"add", metric_add}, {NULL, NULL}};
    if (luaL_newmetatable(L, METRIC_META)) {
        luaL_newlib(L, metric_methods);
        lua_setfield(L, -2, "__index");
        lua_pushcfunction(L, metric_tostring);
        lua_setfield(L, -2, "__tostring");
    }
    lua_pop(L, 1);
    static const luaL_Reg funcs[] = {
        {"now", l_now}, {"sleep", l_sleep}, {"spawn", l_spawn}, {"vu_id", l_vu_id}, {"run_id", l_run_id}, {"out_dir", l_out_dir},
        {"spawn_iteration", l_spawn_iteration}, {"spawn_as", l_spawn_as}, {"live_vus", l_live_vus},
        {"phase_begin", l_phase_begin}, {"phase_plan", l_phase_plan},
        {"override", l_override}, {"declare", l_declare}, {"input_error", l_input_error},
        {"parse_size", l_parse_size}, {"parse_duration", l_parse_duration},
        {"parse_param", l_parse_param}, {"param_accepts", l_param_accepts},
        {"registry_target", l_registry_target}, {"registry_gc", l_registry_gc}, {"sha256", l_sha256},
        {"target_credentials", l_target_credentials}, {"target_options", l_target_options},
        {"trend", l_trend}, {"counter", l_counter}, {"gauge", l_gauge}, {"rate", l_rate},
        {"declare_op", l_declare_op}, {"threshold", l_threshold},
        {"wall_us", l_wall_us}, {"shard", l_shard}, {"silent", l_silent}, {"barrier_passed", l_barrier_passed},
        {"random", l_random}, {"top_level", l_top_level},
        {NULL, NULL},
    };
    /* the table to fill is on top of the stack */
    luaL_setfuncs(L, funcs, 0);
    lua_pushstring(L, REGBENCH_VERSION);
    lua_setfield(L, -2, "version");
    return 1;
}
