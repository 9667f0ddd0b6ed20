/* lrt: the scenario runtime. It runs a Lua scenario as virtual users (VUs):
 * coroutines of one Lua state, resumed by the event loop when what they wait
 * for (a transfer, a timer, another VU) is done. Runnable VUs wait in a ready
 * queue drained by a uv_idle handle, so nothing resumes Lua from inside a
 * libcurl callback. It also launches the registry under test at the first
 * action, guards against scripts that never yield, handles SIGINT/SIGTERM,
 * and writes the results (after every phase, and at the end). */
#include "rbl.h"
#include "run/rb_events.h"
#include "results/rb_html.h"
#include "run/rb_progress.h"
#include "results/rb_results.h"
#include "util/rb_util.h"
#include "limage.h"
#include "loci.h"

#include <errno.h>
#include <lualib.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define VU_META "regbench.vu"
#define GUARD_EVERY 100000   /* instructions between guard checks (well under 250 ms) */

struct rb_embedded_file { const char *name; const char *data; size_t size; };
extern const struct rb_embedded_file rb_embedded[];

rb_rt *rbl_rt(lua_State *L)
{
    return *(rb_rt **)lua_getextraspace(L);
}

int rbl_input_error(lua_State *L, const char *fmt, ...)
{
    rb_rt *rt = rbl_rt(L);
    rt->input_error = 1;
    va_list ap;
    va_start(ap, fmt);
    lua_pushvfstring(L, fmt, ap);
    va_end(ap);
    return lua_error(L);
}

static void log_start(rb_rt *rt);
static void stop_for_signal(rb_rt *rt);
static volatile sig_atomic_t g_signal;   /* SIGINT/SIGTERM seen (see "signals" below) */
static void save(rb_rt *rt, const char *status, int exit_code, const rb_phase *ended, int final);

/* ---- the ready queue ---------------------------------------------------- */

static void run_ready(uv_idle_t *h);

void rbl_wake(rb_vu *vu, int nargs)
{
    rb_rt *rt = vu->rt;
    vu->nargs = nargs;
    vu->state = VU_READY;
    if (vu->queued) return;
    vu->queued = 1;
    vu->next_ready = NULL;
    if (rt->ready_tail) rt->ready_tail->next_ready = vu; else rt->ready_head = vu;
    rt->ready_tail = vu;
    uv_idle_start(&rt->idle, run_ready);
}

/* Frees what a finished VU no longer needs and wakes its joiners. */
static void vu_finished(rb_vu *vu)
{
    rb_rt *rt = vu->rt;
    lua_State *L = rt->L;
    luaL_unref(L, LUA_REGISTRYINDEX, vu->co_ref);
    vu->co_ref = LUA_NOREF;
    vu->co = NULL;
    rt->n_vus_live--;
    for (int i = 0; i < vu->n_waiters; i++)
        rbl_wake(vu->waiters[i], 0);
    free(vu->waiters);
    vu->waiters = NULL;
    vu->n_waiters = 0;
    luaL_unref(L, LUA_REGISTRYINDEX, vu->self_ref);   /* collectable from now on */
    vu->self_ref = LUA_NOREF;
}

static void set_fatal(rb_rt *rt, const char *msg)
{
    if (!rt->fatal) rt->fatal = rb_strdup(msg);
    rt->stop = 1;
    uv_stop(rb_loop_uv(rt->loop));
}

static void vu_resume(rb_rt *rt, rb_vu *vu)
{
    lua_State *co = vu->co;
    int nres = 0;
    vu->state = VU_RUNNING;
    rt->current = vu;
    rt->slice_start_us = rt->last_hook_us = rb_now_us();
    rt->slice_busy_us = 0;
    int nargs = vu->nargs;
    vu->nargs = 0;
    int st = lua_resume(co, rt->L, nargs, &nres);
    rt->current = NULL;
    if (st == LUA_YIELD && rt->guard_yield) {
        /* the guard hook yielded out of the VU: it fails with the guard's message */
        rt->guard_yield = 0;
        lua_pop(co, nres);
        luaL_traceback(rt->L, co, rt->guard_msg, 0);
        vu->error = rb_strdup(lua_tostring(rt->L, -1));
        lua_pop(rt->L, 1);
        vu->state = VU_FAILED;
        rt->unwinding = 1;             /* phases closed now end cut */
        lua_resetthread(co);
        rt->unwinding = 0;
        set_fatal(rt, vu->error);
        vu_finished(vu);
        return;
    }
    if (st == LUA_YIELD) {
        lua_pop(co, nres);
        if (vu->state == VU_RUNNING)
            vu->state = VU_WAITING;   /* rbl_wake may already have made it ready */
        return;
    }
    if (st == LUA_OK) {
        lua_createtable(co, nres, 1);
        lua_insert(co, 1);
        for (int i = nres; i >= 1; i--)
            lua_rawseti(co, 1, i);
        lua_pushinteger(co, nres);
        lua_setfield(co, 1, "n");
        lua_xmove(co, rt->L, 1);
        vu->results_ref = luaL_ref(rt->L, LUA_REGISTRYINDEX);
        vu->state = VU_DONE;
    } else {
        /* error objects (tables with __tostring, e.g. registry errors) print as text */
        const char *msg = lua_type(co, -1) == LUA_TSTRING ? lua_tostring(co, -1) : luaL_tolstring(co, -1, NULL);
        if (rt->input_error) {
            vu->error = rb_strdup(msg);          /* bad input: the message says it all */
        } else {
            luaL_traceback(rt->L, co, msg, 0);
            vu->error = rb_strdup(lua_tostring(rt->L, -1));
            lua_pop(rt->L, 1);
        }
        vu->state = VU_FAILED;
        rt->unwinding = 1;
        lua_resetthread(co);                     /* closes <close> variables: open phases end, cut */
        rt->unwinding = 0;
        if (vu == rt->main || rt->help_done || rt->guard_tripped || rt->input_error) {
            set_fatal(rt, vu->error);
        } else {
            rt->n_failed_unseen++;
            if (!rt->first_unseen) rt->first_unseen = rb_strdup(vu->error);
        }
    }
    vu_finished(vu);
}

static void run_ready(uv_idle_t *h)
{
    rb_rt *rt = h->data;
    while (rt->ready_head && !rt->stop) {
        rb_vu *vu = rt->ready_head;
        rt->ready_head = vu->next_ready;
        if (!rt->ready_head) rt->ready_tail = NULL;
        vu->queued = 0;
        vu_resume(rt, vu);
    }
    if (!rt->ready_head || rt->stop)
        uv_idle_stop(&rt->idle);
}

/* ---- VU handles ----------------------------------------------------------- */

rb_vu *rbl_check_vu(lua_State *L, int idx)
{
    return luaL_checkudata(L, idx, VU_META);
}

static int vu_gc(lua_State *L)
{
    rb_vu *vu = luaL_checkudata(L, 1, VU_META);
    if (vu->results_ref != LUA_NOREF) {
        luaL_unref(L, LUA_REGISTRYINDEX, vu->results_ref);
        vu->results_ref = LUA_NOREF;
    }
    free(vu->error);
    vu->error = NULL;
    free(vu->waiters);
    vu->waiters = NULL;
    return 0;
}

/* Continuation of join: returns the target's results or raises its error. */
static int join_k(lua_State *L, int status, lua_KContext ctx)
{
    (void)status;
    rb_vu *target = (rb_vu *)ctx;
    if (target->state == VU_FAILED) {
        if (!target->error_seen) {
            target->error_seen = 1;
            target->rt->n_failed_unseen--;
        }
        lua_pushfstring(L, "VU %d failed: %s", target->id, target->error);
        return lua_error(L);
    }
    if (target->state != VU_DONE)
        return luaL_error(L, "internal error: join resumed before VU %d finished", target->id);
    lua_rawgeti(L, LUA_REGISTRYINDEX, target->results_ref);
    lua_getfield(L, -1, "n");
    int n = (int)lua_tointeger(L, -1);
    lua_pop(L, 1);
    luaL_checkstack(L, n, "too many results to join");
    for (int i = 1; i <= n; i++)
        lua_rawgeti(L, -i, i);
    return n;
}

static int vu_join(lua_State *L)
{
    rb_vu *target = rbl_check_vu(L, 1);
    lua_settop(L, 1);
    if (target->state == VU_DONE || target->state == VU_FAILED)
        return join_k(L, LUA_OK, (lua_KContext)target);
    rb_vu *self = rbl_action(L, 1);
    if (self == target)
        return luaL_error(L, "a VU cannot join itself");
    target->waiters = rb_realloc(target->waiters, (size_t)(target->n_waiters + 1) * sizeof *target->waiters);
    target->waiters[target->n_waiters++] = self;
    return lua_yieldk(L, 0, (lua_KContext)target, join_k);
}

static int vu_status(lua_State *L)
{
    static const char *names[] = {"ready", "running", "waiting", "done", "failed"};
    rb_vu *vu = rbl_check_vu(L, 1);
    lua_pushstring(L, names[vu->state]);
    return 1;
}

static int vu_tostring(lua_State *L)
{
    rb_vu *vu = rbl_check_vu(L, 1);
    lua_pushfstring(L, "regbench.vu(%d)", vu->id);
    return 1;
}

rb_vu *rbl_vu_new(lua_State *L, int nargs)
{
    rb_rt *rt = rbl_rt(L);
    if (rt->opts->max_vus && (size_t)rt->n_vus_live >= rt->opts->max_vus)
        luaL_error(L, "too many virtual users: %d are running, the limit is %d (--max-vus)",
                   rt->n_vus_live, (int)rt->opts->max_vus);
    luaL_checkstack(L, 4, NULL);
    rb_vu *vu = lua_newuserdatauv(L, sizeof *vu, 0);
    memset(vu, 0, sizeof *vu);
    vu->rt = rt;
    vu->co_ref = vu->self_ref = vu->results_ref = LUA_NOREF;
    luaL_setmetatable(L, VU_META);
    /* stack: fn args... ud */
    lua_pushvalue(L, -1);
    vu->self_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_State *co = lua_newthread(L);
    vu->co_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    vu->co = co;
    vu->id = rt->next_vu_id++;
    vu->phase = rt->current ? rt->current->phase : NULL;
    vu->nested = rt->current ? rt->current->nested : 0;
    /* move fn and args (below the userdata) to the coroutine */
    lua_insert(L, -(nargs + 2));          /* ud fn args... */
    lua_xmove(L, co, nargs + 1);
    rt->n_vus_live++;
    rbl_wake(vu, nargs);
    return vu;
}

/* ---- actions, guard, registry --------------------------------------------- */

/* The count hook: ends a VU that has run too long without yielding, and
 * VUs still running when the run stops. It yields out of the VU (Lua 5.4
 * count hooks may yield) rather than raising, so a pcall in the script
 * cannot catch it; vu_resume then fails the VU with rt->guard_msg. */
static void guard_hook(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    rb_rt *rt = rbl_rt(L);
    if (!rt->current || rt->current->co != L) return;
    if (g_signal && !rt->interrupted) stop_for_signal(rt);
    if (rt->stop && !rt->guard_msg) {
        rt->guard_msg = rb_strdup(rt->interrupted ? "interrupted" : "run stopped");
    } else {
        /* Time between two hook calls counts as Lua time unless it is long: then
         * a C function (generating an image, say) ran, which is not looping. */
        uint64_t now = rb_now_us();
        uint64_t gap = now - rt->last_hook_us;
        rt->last_hook_us = now;
        if (gap < 250000) rt->slice_busy_us += gap;
        if (!rt->guard_us || rt->slice_busy_us <= rt->guard_us) return;
        rt->stop = 1;
        rt->guard_tripped = 1;
        luaL_where(L, 0);   /* in a hook, level 0 is the running Lua function */
        char *m = rb_asprintf("%sthe scenario ran for %d s without yielding (an endless loop?); "
                              "VUs must call rb.sleep, rb.http or another regbench operation "
                              "(raise the limit with --yield-timeout)",
                              lua_tostring(L, -1), (int)(rt->guard_us / 1000000));
        lua_pop(L, 1);
        free(rt->guard_msg);
        rt->guard_msg = m;
    }
    if (lua_isyieldable(L)) {
        rt->guard_yield = 1;
        lua_yield(L, 0);
    } else {
        luaL_error(L, "%s", rt->guard_msg);
    }
}

static int sample_ms(const rb_rt *rt)
{
    double s = rt->opts->sample_interval_s;
    return s > 0 ? (int)(s * 1000 + 0.5) : 250;
}

static int launch_registry(rb_rt *rt, char *err, size_t errlen)
{
    const rb_run_opts *o = rt->opts;
    if (o->target_url) {
        rt->reg_url = rb_strdup(o->target_url);
        size_t n = strlen(rt->reg_url);
        while (n > 0 && rt->reg_url[n - 1] == '/') rt->reg_url[--n] = 0;
        rt->reg_kind = rb_strdup("external");
        rt->reg_storage = rb_strdup("unknown");
        if (o->registry_pid > 0) {
            char serr[RB_ERRLEN];
            rt->reg_pid = o->registry_pid;
            rt->sampler_start_us = rb_now_us();
            rt->sampler = rb_sampler_start((pid_t)o->registry_pid, NULL, sample_ms(rt), serr, sizeof serr);
            if (!rt->sampler) return rb_err(err, errlen, "--registry-pid %ld: %s", o->registry_pid, serr);
        }
        return 0;
    }
    rb_launch_opts lo = o->launch;
    lo.workdir = rt->out_dir;
    if (o->pull_through) {
        char *updir = rb_asprintf("%s/upstream", rt->out_dir);
        rb_launch_opts uo = {.kind = RB_REG_CRANE, .storage = RB_STORAGE_MEMORY, .workdir = updir};
        if (rb_mkdir_p(updir) == 0)
            rt->upstream = rb_launch_start(&uo, err, errlen);
        else
            rb_err(err, errlen, "cannot create %s", updir);
        free(updir);
        if (!rt->upstream) return -1;
        lo.proxy_url = rb_launch_url(rt->upstream);
    }
    rt->reg = rb_launch_start(&lo, err, errlen);
    if (!rt->reg) return -1;
    rt->reg_url = rb_strdup(rb_launch_url(rt->reg));
    rt->reg_kind = rb_strdup(rb_launch_kind_name(lo.kind));
    rt->reg_storage = rb_strdup(rb_launch_storage_name(lo.storage));
    const char *v = rb_launch_version(rt->reg);
    rt->reg_version = v ? rb_strdup(v) : NULL;
    rt->reg_pid = (long)rb_launch_pid(rt->reg);
    char serr[RB_ERRLEN];
    rt->sampler_start_us = rb_now_us();
    rt->sampler = rb_sampler_start((pid_t)rt->reg_pid, rb_launch_storage_dir(rt->reg), sample_ms(rt), serr, sizeof serr);
    const char *mu = rb_launch_metrics_url(rt->reg);
    if (mu) rt->prom_url = rb_strdup(mu);
    if (!rt->sampler)
        fprintf(stderr, "regbench: warning: registry resources will not be sampled: %s\n", serr);
    return 0;
}

rb_vu *rbl_action(lua_State *L, int yields)
{
    rb_rt *rt = rbl_rt(L);
    rb_vu *vu = rt->current;
    if (yields && (!vu || vu->co != L || !lua_isyieldable(L)))
        luaL_error(L, "this regbench operation waits, so it must run in a VU: not inside "
                      "a coroutine of your own, a metamethod or a sort comparator");
    if (rt->acted) return vu;
    if (rt->opts->help) {
        rt->help_done = 1;
        luaL_error(L, "(help: parameters listed)");
    }
    for (size_t i = 0; i < rt->n_set; i++) {
        if (!rt->set_used[i]) {
            luaL_Buffer b;
            luaL_buffinit(L, &b);
            for (size_t j = 0; j < rt->n_params; j++) {
                if (j) luaL_addstring(&b, ", ");
                luaL_addstring(&b, rt->param_names[j]);
            }
            luaL_pushresult(&b);
            rbl_input_error(L, "unknown parameter '%s' in --set: this scenario declares %s",
                            rt->set_keys[i], rt->n_params ? lua_tostring(L, -1) : "no parameters");
        }
    }
    rt->acted = 1;
    char err[RB_ERRLEN];
    if (launch_registry(rt, err, sizeof err) < 0) {
        rt->input_error = 0;
        luaL_error(L, "cannot start the registry: %s", err);
    }
    log_start(rt);
    return vu;
}

void rbl_record(rb_vu *vu, const rb_op_record *r)
{
    rb_op_record rec = *r;
    if (vu->nested) rec.top_level = 0;
    rb_metrics_record(&vu->rt->metrics, vu->phase, &rec);
}

/* ---- phases ------------------------------------------------------------------ */

/* What the runtime keeps per phase besides the metrics store (rb_phase.user). */
typedef struct phase_extra {
    rb_phase_registry reg;
    rb_prom prom_begin;
    char *warning;
} phase_extra;

static void phase_extra_free(phase_extra *x)
{
    if (!x) return;
    rb_prom_free(&x->prom_begin);
    for (size_t i = 0; i < x->reg.n_prom; i++) free(x->reg.prom_names[i]);
    free(x->reg.prom_names);
    free(x->reg.prom_values);
    free(x->warning);
    free(x);
}

static int counter_like(const char *name)
{
    size_t n = strcspn(name, "{");
    return (n > 6 && strncmp(name + n - 6, "_total", 6) == 0) ||
           (n > 6 && strncmp(name + n - 6, "_count", 6) == 0) ||
           (n > 4 && strncmp(name + n - 4, "_sum", 4) == 0) ||
           (n > 7 && strncmp(name + n - 7, "_bucket", 7) == 0);
}

/* Fills x->reg's Prometheus view: counters as deltas since the phase began. */
static void prom_phase_end(rb_rt *rt, phase_extra *x)
{
    rb_prom end;
    char err[RB_ERRLEN];
    if (rb_prom_scrape(rt->prom_url, &end, err, sizeof err) < 0) return;
    x->reg.prom_names = rb_calloc(end.n ? end.n : 1, sizeof(char *));
    x->reg.prom_values = rb_calloc(end.n ? end.n : 1, sizeof(double));
    for (size_t i = 0; i < end.n; i++) {
        double v = end.values[i];
        if (counter_like(end.names[i])) {
            double b = rb_prom_get(&x->prom_begin, end.names[i]);
            if (b > 0) v -= b;
            if (v == 0) continue;   /* keep the view short: only what moved */
        }
        x->reg.prom_names[x->reg.n_prom] = rb_strdup(end.names[i]);
        x->reg.prom_values[x->reg.n_prom] = v;
        x->reg.n_prom++;
    }
    rb_prom_free(&end);
}

/* The sampler measures one span at a time: it starts when the first regbench
 * phase opens and restarts at every phase end while others stay open, so
 * overlapping phases each get the registry's cost since the last boundary. */
rb_phase *rbl_phase_begin(rb_rt *rt, const char *name)
{
    rb_phase *p = rb_metrics_phase_begin(&rt->metrics, name);
    phase_extra *x = rb_calloc(1, sizeof *x);
    x->reg.storage_bytes = -1;
    p->user = x;
    if (rt->prom_url) {
        char err[RB_ERRLEN];
        rb_prom_scrape(rt->prom_url, &x->prom_begin, err, sizeof err);
    }
    if (rt->sampler && rt->sampler_open++ == 0)
        rb_sampler_phase_begin(rt->sampler);
    return p;
}

void rbl_phase_end(rb_rt *rt, rb_phase *p)
{
    if (!p->open) return;
    rb_metrics_phase_end(&rt->metrics, p);
    phase_extra *x = p->user;
    if (!x) {   /* the implicit default phase */
        x = rb_calloc(1, sizeof *x);
        x->reg.storage_bytes = -1;
        p->user = x;
    }
    if (rt->sampler && rt->sampler_open > 0) {
        rb_sampler_summary s;
        rb_sampler_phase_end(rt->sampler, &s);
        rb_phase_registry *r = &x->reg;
        r->valid = 1;
        r->cpu_pct_avg = s.cpu_pct_avg;
        r->cpu_pct_max = s.cpu_pct_max;
        r->rss_peak_bytes = s.rss_peak_bytes;
        r->rss_end_bytes = s.rss_end_bytes;
        r->disk_read_bytes = s.disk_read_bytes;
        r->disk_write_bytes = s.disk_write_bytes;
        r->storage_bytes = s.storage_bytes;
        if (--rt->sampler_open > 0)
            rb_sampler_phase_begin(rt->sampler);
        /* Was regbench itself the limit? Its CPU near a full core while the registry idles. */
        double dur = (double)(p->end_us - p->start_us) / 1e6;
        double client_pct = dur > 0 ? p->cpu_s / dur * 100.0 : 0;
        if (dur >= 0.5 && client_pct >= 85.0 && s.cpu_pct_avg < 50.0)
            x->warning = rb_asprintf("regbench used %.0f%% of a core while the registry used %.0f%%: "
                                     "the client may have been the bottleneck", client_pct, s.cpu_pct_avg);
    }
    if (rt->prom_url) prom_phase_end(rt, x);
    save(rt, "running", -1, p, 0);
}

/* Closes every phase still open at the end of the run: a phase whose
 * function never returned (error, interrupt, deadlock) is marked cut. */
static void close_phases(rb_rt *rt)
{
    for (size_t i = 0; i < rt->metrics.n_phases; i++) {
        rb_phase *p = rt->metrics.phases[i];
        if (!p->open || p == rt->metrics.implicit) continue;
        p->cut = 1;
        rbl_phase_end(rt, p);
    }
    rb_metrics_close_all(&rt->metrics);
}

/* ---- results ---------------------------------------------------------------- */

/* What rb_results needs besides the metrics store; free with info_free. */
typedef struct run_info {
    rb_run_info info;
    char started[32];
    rb_phase_registry *pr;
    const char **warn;
    rb_sampler_point *series;
} run_info;

static void info_fill(rb_rt *rt, run_info *ri, const char *status, int exit_code)
{
    memset(ri, 0, sizeof *ri);
    rb_run_info *info = &ri->info;
    rb_format_utc(rb_wall_us() - (rb_now_us() - rt->metrics.run_start_us), ri->started, sizeof ri->started);
    info->scenario = rt->opts->scenario;
    info->started_at = ri->started;
    info->status = status;
    info->error = rt->fatal;
    info->exit_code = exit_code;
    info->reg_kind = rt->reg_kind ? rt->reg_kind : (rt->opts->target_url ? "external" : rb_launch_kind_name(rt->opts->launch.kind));
    info->reg_url = rt->reg_url ? rt->reg_url : "";
    info->reg_storage = rt->reg_storage ? rt->reg_storage : "unknown";
    info->reg_version = rt->reg_version;
    info->reg_pid = rt->reg_pid;
    info->insecure = rt->opts->insecure;
    info->http_client = rb_http_engine_name(rt->opts->http_client);
    info->auth_user = rt->opts->username;
    info->param_names = (const char **)rt->param_names;
    info->param_values = (const char **)rt->param_values;
    info->n_params = rt->n_params;
    size_t np = rt->metrics.n_phases;
    ri->pr = rb_calloc(np + 1, sizeof *ri->pr);
    ri->warn = rb_calloc(np + 1, sizeof *ri->warn);
    for (size_t i = 0; i < np; i++) {
        phase_extra *x = rt->metrics.phases[i]->user;
        if (!x) continue;
        ri->pr[i] = x->reg;
        ri->warn[i] = x->warning;
    }
    info->phase_registry = ri->pr;
    info->phase_warnings = ri->warn;
    if (rt->sampler) {
        size_t n = rb_sampler_series(rt->sampler, NULL, 0);
        ri->series = rb_calloc(n + 1, sizeof *ri->series);
        info->n_reg_series = rb_sampler_series(rt->sampler, ri->series, n);
        info->reg_series = ri->series;
        info->reg_series_offset_us = rt->sampler_start_us - rt->metrics.run_start_us;
    }
    info->client_series = rt->client_series;
    info->n_client_series = rt->n_client;
}

static void info_free(run_info *ri)
{
    free(ri->pr);
    free(ri->warn);
    free(ri->series);
}

/* The event log, events.jsonl: "start" once the registry is known, then
 * "phase" at every phase end and "end" last (written by save). */
static void log_start(rb_rt *rt)
{
    char err[RB_ERRLEN];
    rt->events = rb_events_open(rt->out_dir, err, sizeof err);
    if (!rt->events) {
        fprintf(stderr, "regbench: warning: no event log: %s\n", err);
        return;
    }
    run_info ri;
    info_fill(rt, &ri, "running", -1);
    json_t *doc = rb_results_json(&rt->metrics, &ri.info);
    info_free(&ri);
    static const char *drop[] = {"phases", "metrics", "warnings", "registry_timeseries", "client_timeseries", NULL};
    for (int i = 0; drop[i]; i++) json_object_del(doc, drop[i]);
    rb_events_write(rt->events, "start", doc);
}

/* Writes what the run knows now, from one results document: results.json
 * and the CSVs always; the phase's event when `ended` is given; and at the
 * end (`final`) the "end" event and report.html. */
static void save(rb_rt *rt, const char *status, int exit_code, const rb_phase *ended, int final)
{
    run_info ri;
    info_fill(rt, &ri, status, exit_code);
    json_t *doc = rb_results_json(&rt->metrics, &ri.info);
    char err[RB_ERRLEN];
    if (rb_results_write_doc(rt->out_dir, doc, err, sizeof err) < 0 ||
        rb_results_write_csv(rt->out_dir, &rt->metrics, err, sizeof err) < 0)
        fprintf(stderr, "regbench: cannot write results: %s\n", err);
    if (ended && rt->events) {
        json_t *o = json_object();
        json_object_set_new(o, "phase", rb_results_phase_json(&rt->metrics, &ri.info, (size_t)ended->index));
        rb_events_write(rt->events, "phase", o);
    }
    if (final) {
        if (rt->events) {
            json_t *o = json_object();
            static const char *keep[] = {"status", "error", "exit_code", "run_duration_s", "metrics", "warnings",
                                         "registry_timeseries", "client_timeseries", NULL};
            for (int i = 0; keep[i]; i++)
                if (json_object_get(doc, keep[i])) json_object_set(o, keep[i], json_object_get(doc, keep[i]));
            rb_events_write(rt->events, "end", o);
            rb_events_close(rt->events);
            rt->events = NULL;
        }
        char *path = rb_asprintf("%s/report.html", rt->out_dir);
        if (rb_write_report_html(doc, NULL, rt->out_dir, path, err, sizeof err) < 0)
            fprintf(stderr, "regbench: warning: no report.html: %s\n", err);
        free(path);
    }
    json_decref(doc);
    info_free(&ri);
}

/* ---- signals ---------------------------------------------------------------- */

/* SIGINT and SIGTERM: a plain handler records the signal and wakes the loop
 * through an async handle (uv_async_send is async-signal-safe), and the Lua
 * hook sees the flag too, so even a VU busy in a loop stops promptly. A
 * second signal gets the default action (launched registries die with us
 * through PDEATHSIG). */
static uv_async_t *g_signal_async;

static void on_stop_signal(int sig)
{
    g_signal = sig;
    if (g_signal_async) uv_async_send(g_signal_async);
    signal(sig, SIG_DFL);
}

static void stop_for_signal(rb_rt *rt)
{
    if (rt->interrupted) return;
    fprintf(stderr, "\nregbench: %s: stopping, writing results of what ran\n",
            g_signal == SIGINT ? "interrupted" : "terminated");
    rt->interrupted = 1;
    rt->stop = 1;
    uv_stop(rb_loop_uv(rt->loop));
}

static void on_signal_async(uv_async_t *h)
{
    stop_for_signal(h->data);
}

static void fatal_signal(int sig)
{
    rb_launch_kill_all();
    signal(sig, SIG_DFL);
    raise(sig);
}

/* ---- the run ------------------------------------------------------------------ */

/* Loads the embedded Lua file `name` and pushes its chunk. */
static void load_embedded(lua_State *L, const char *name)
{
    for (const struct rb_embedded_file *f = rb_embedded; f->name; f++) {
        if (strcmp(f->name, name) != 0) continue;
        char chunkname[64];
        snprintf(chunkname, sizeof chunkname, "=[regbench %s]", name);
        if (luaL_loadbuffer(L, f->data, f->size, chunkname) != LUA_OK)
            lua_error(L);
        return;
    }
    luaL_error(L, "embedded Lua file '%s' missing from the binary", name);
}

/* require "regbench": runs the prelude with the C primitives in `core`. */
static int load_prelude(lua_State *L)
{
    load_embedded(L, "regbench");
    lua_newtable(L);                     /* core: the C half of the module */
    rbl_open_core(L);
    rbl_open_http(L);
    lua_setfield(L, -2, "http");
    rbl_open_image(L);
    lua_setfield(L, -2, "image");
    rbl_open_oci(L);
    lua_setfield(L, -2, "oci");
    load_embedded(L, "oci");
    lua_setfield(L, -2, "oci_chunk");
    lua_call(L, 1, 1);
    return 1;
}

static char *default_out_dir(void)
{
    char stamp[32];
    rb_format_utc(rb_wall_us(), stamp, sizeof stamp);
    for (char *p = stamp; *p; p++) if (*p == ':') *p = '-';
    return rb_asprintf("results/%s", stamp);
}

static int parse_sets(rb_rt *rt)
{
    const rb_run_opts *o = rt->opts;
    rt->n_set = o->n_set;
    rt->set_keys = rb_calloc(o->n_set, sizeof(char *));
    rt->set_values = rb_calloc(o->n_set, sizeof(char *));
    rt->set_used = rb_calloc(o->n_set, sizeof(int));
    for (size_t i = 0; i < o->n_set; i++) {
        const char *eq = strchr(o->set[i], '=');
        if (!eq || eq == o->set[i]) {
            fprintf(stderr, "regbench: bad --set '%s': expected key=value\n", o->set[i]);
            return -1;
        }
        rt->set_keys[i] = rb_asprintf("%.*s", (int)(eq - o->set[i]), o->set[i]);
        rt->set_values[i] = rb_strdup(eq + 1);
        for (size_t j = 0; j < i; j++)
            if (strcmp(rt->set_keys[j], rt->set_keys[i]) == 0) {
                fprintf(stderr, "regbench: --set %s given twice\n", rt->set_keys[i]);
                return -1;
            }
    }
    return 0;
}

static void print_help(rb_rt *rt)
{
    printf("Parameters of %s (set with --set name=value):\n", rt->opts->scenario);
    if (rt->n_params == 0) printf("  (none)\n");
    for (size_t i = 0; i < rt->n_params; i++) {
        printf("  %-20s %-9s default %s", rt->param_names[i], rt->param_types[i], rt->param_defaults[i]);
        if (rt->param_docs[i][0]) printf("\n  %-20s %s", "", rt->param_docs[i]);
        printf("\n");
    }
}

/* Closes a handle the bindings allocated (sleep timers mark themselves with
 * data == handle); the runtime's own handles are closed without a callback. */
static void close_one(uv_handle_t *h, void *arg)
{
    (void)arg;
    if (uv_is_closing(h)) return;
    if (h->type == UV_TIMER && h->data == (void *)h)
        uv_close(h, (uv_close_cb)free);
}

/* Ends transfers, timers and the runtime's handles, in an order where no
 * callback can touch a freed VU. */
static void close_handles(rb_rt *rt)
{
    if (!rt->loop) return;
    rb_loop_cancel_all(rt->loop);
    uv_walk(rb_loop_uv(rt->loop), close_one, NULL);
    if (!uv_is_closing((uv_handle_t *)&rt->idle)) {
        uv_close((uv_handle_t *)&rt->idle, NULL);
        g_signal_async = NULL;
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        uv_close((uv_handle_t *)&rt->signal_async, NULL);
        uv_close((uv_handle_t *)&rt->client_timer, NULL);
    }
    uv_run(rb_loop_uv(rt->loop), UV_RUN_NOWAIT);
}

static void rt_free(rb_rt *rt)
{
    close_handles(rt);
    if (rt->L) lua_close(rt->L);   /* runs __gc of VU handles while rt is alive */
    rb_loop_free(rt->loop);
    for (size_t i = 0; i < rt->metrics.n_phases; i++)
        phase_extra_free(rt->metrics.phases[i]->user);
    free(rt->client_series);
    free(rt->prom_url);
    rb_metrics_free(&rt->metrics);
    rb_sampler_stop(rt->sampler);
    rb_launch_stop(rt->reg);
    rb_launch_stop(rt->upstream);
    for (size_t i = 0; i < rt->n_set; i++) { free(rt->set_keys[i]); free(rt->set_values[i]); }
    free(rt->set_keys); free(rt->set_values); free(rt->set_used);
    for (size_t i = 0; i < rt->n_params; i++) {
        free(rt->param_names[i]); free(rt->param_values[i]); free(rt->param_types[i]);
        free(rt->param_docs[i]); free(rt->param_defaults[i]);
    }
    free(rt->param_names); free(rt->param_values); free(rt->param_types);
    free(rt->param_docs); free(rt->param_defaults);
    free(rt->reg_url); free(rt->reg_kind); free(rt->reg_storage); free(rt->reg_version);
    free(rt->fatal);
    free(rt->first_unseen);
    free(rt->guard_msg);
    free(rt->out_dir);
}

#define CLIENT_SERIES_MAX 20000

/* Samples regbench's own CPU and RSS every 250 ms into a bounded series
 * (when full, every other point is dropped and the stride doubles). */
/* A registry that dies mid-run ends the run: results are written for what
 * was measured, and the run is marked failed. */
static void watch_registry(rb_rt *rt)
{
    if (rt->stop) return;
    int gone = 0;
    if (rt->reg && !rb_launch_alive(rt->reg)) gone = 1;
    if (rt->upstream && !rb_launch_alive(rt->upstream)) gone = 2;
    if (!gone && rt->opts->target_url && rt->sampler && !rb_sampler_alive(rt->sampler)) gone = 3;
    if (!gone) return;
    char *msg = rb_asprintf("the %s process exited during the run%s; the run stops here",
                            gone == 2 ? "upstream registry" : "registry",
                            gone == 3 ? " (--registry-pid)" : " (its log is registry.log in the output directory)");
    fprintf(stderr, "\nregbench: %s\n", msg);
    set_fatal(rt, msg);
    free(msg);
}

static void on_client_sample(uv_timer_t *t)
{
    rb_rt *rt = t->data;
    watch_registry(rt);
    if (++rt->client_skip < rt->client_stride) return;
    rt->client_skip = 0;
    uint64_t now = rb_now_us();
    double cpu = rb_self_cpu_s();
    double dt = (double)(now - rt->client_last_us) / 1e6;
    rb_client_point pt = {
        .t_us = now - rt->metrics.run_start_us,
        .cpu_pct = dt > 0 ? (cpu - rt->client_last_cpu) / dt * 100.0 : 0,
        .rss_bytes = rb_self_rss(),
    };
    rt->client_last_us = now;
    rt->client_last_cpu = cpu;
    if (rt->n_client == CLIENT_SERIES_MAX) {
        for (size_t i = 0; i < CLIENT_SERIES_MAX / 2; i++) rt->client_series[i] = rt->client_series[2 * i + 1];
        rt->n_client = CLIENT_SERIES_MAX / 2;
        rt->client_stride *= 2;
    }
    if (rt->n_client == rt->cap_client) {
        rt->cap_client = rt->cap_client ? rt->cap_client * 2 : 256;
        rt->client_series = rb_realloc(rt->client_series, rt->cap_client * sizeof *rt->client_series);
    }
    rt->client_series[rt->n_client++] = pt;
}

static int active_vus(void *ud)
{
    return ((rb_rt *)ud)->n_vus_live;
}

int rb_run_scenario(const rb_run_opts *o)
{
    rb_rt rtv;
    rb_rt *rt = &rtv;
    memset(rt, 0, sizeof *rt);
    rt->opts = o;
    char err[RB_ERRLEN];

    struct stat st;
    if (stat(o->scenario, &st) < 0) {
        fprintf(stderr, "regbench: cannot read scenario '%s': %s\n", o->scenario, strerror(errno));
        return RB_EXIT_USAGE;
    }
    if (!S_ISREG(st.st_mode)) {
        fprintf(stderr, "regbench: cannot read scenario '%s': not a regular file\n", o->scenario);
        return RB_EXIT_USAGE;
    }
    if (parse_sets(rt) < 0) { rt_free(rt); return RB_EXIT_USAGE; }
    rt->out_dir = o->out_dir ? rb_strdup(o->out_dir) : default_out_dir();
    if (!o->help && rb_mkdir_p(rt->out_dir) < 0) {
        fprintf(stderr, "regbench: cannot create output directory '%s': %s\n", rt->out_dir, strerror(errno));
        rt_free(rt);
        return RB_EXIT_USAGE;
    }
    rt->loop = rb_loop_new(err, sizeof err);
    if (!rt->loop) { fprintf(stderr, "regbench: %s\n", err); rt_free(rt); return RB_EXIT_SCRIPT; }
    rb_loop_set_engine(rt->loop, o->http_client);
    rb_metrics_init(&rt->metrics);
    rt->guard_us = (uint64_t)((o->yield_timeout_s > 0 ? o->yield_timeout_s : 10.0) * 1e6);

    uv_loop_t *uv = rb_loop_uv(rt->loop);
    uv_idle_init(uv, &rt->idle);
    rt->idle.data = rt;
    uv_async_init(uv, &rt->signal_async, on_signal_async);
    rt->signal_async.data = rt;
    uv_unref((uv_handle_t *)&rt->signal_async);
    g_signal = 0;
    g_signal_async = &rt->signal_async;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    uv_timer_init(uv, &rt->client_timer);
    rt->client_timer.data = rt;
    rt->client_stride = 1;
    rt->client_last_us = rb_now_us();
    rt->client_last_cpu = rb_self_cpu_s();
    uv_timer_start(&rt->client_timer, on_client_sample, (uint64_t)sample_ms(rt), (uint64_t)sample_ms(rt));
    uv_unref((uv_handle_t *)&rt->client_timer);
    signal(SIGSEGV, fatal_signal);
    signal(SIGABRT, fatal_signal);
    signal(SIGBUS, fatal_signal);
    signal(SIGPIPE, SIG_IGN);

    lua_State *L = luaL_newstate();
    rt->L = L;
    *(rb_rt **)lua_getextraspace(L) = rt;
    luaL_openlibs(L);
    luaL_newmetatable(L, VU_META);
    static const luaL_Reg vu_methods[] = {
        {"join", vu_join}, {"status", vu_status}, {NULL, NULL},
    };
    luaL_newlib(L, vu_methods);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, vu_gc);
    lua_setfield(L, -2, "__gc");
    lua_pushcfunction(L, vu_tostring);
    lua_setfield(L, -2, "__tostring");
    lua_pop(L, 1);
    /* require "regbench" */
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
    lua_pushcfunction(L, load_prelude);
    lua_setfield(L, -2, "regbench");
    lua_pop(L, 1);
    lua_sethook(L, guard_hook, LUA_MASKCOUNT, GUARD_EVERY);

    int exit_code = RB_EXIT_OK;
    const char *status = "ok";
    if (luaL_loadfilex(L, o->scenario, "t") != LUA_OK) {
        fprintf(stderr, "regbench: %s\n", lua_tostring(L, -1));
        rt->fatal = rb_strdup(lua_tostring(L, -1));
        lua_pop(L, 1);
        exit_code = RB_EXIT_SCRIPT;
        status = "failed";
    } else {
        rt->main = rbl_vu_new(L, 0);
        lua_pop(L, 1);
        rb_progress *prog = (!o->help && !o->quiet) ? rb_progress_start(uv, &rt->metrics, active_vus, rt) : NULL;
        uv_run(uv, UV_RUN_DEFAULT);
        rb_progress_stop(prog);
        close_phases(rt);
        if (o->help && (rt->help_done || rt->main->state == VU_DONE)) {
            print_help(rt);
            rt_free(rt);
            return RB_EXIT_OK;
        }
        if (rt->interrupted) {
            exit_code = RB_EXIT_INTERRUPTED;
            status = "interrupted";
        } else if (rt->fatal) {
            /* a script that failed because its registry died: say so first */
            if (!strstr(rt->fatal, "process exited during the run") &&
                ((rt->reg && !rb_launch_alive(rt->reg)) || (rt->upstream && !rb_launch_alive(rt->upstream)))) {
                char *m = rb_asprintf("the registry process exited during the run (its log is registry.log "
                                      "in the output directory); the scenario then failed: %s", rt->fatal);
                free(rt->fatal);
                rt->fatal = m;
            }
            exit_code = rt->input_error ? RB_EXIT_USAGE : RB_EXIT_SCRIPT;
            status = "failed";
            fprintf(stderr, "regbench: %s%s\n", rt->input_error ? "" : "scenario failed: ", rt->fatal);
        } else if (rt->main->state != VU_DONE) {
            rt->fatal = rb_asprintf("deadlock: the scenario's main VU is still waiting (%d VUs blocked, nothing in flight)",
                                    rt->n_vus_live);
            fprintf(stderr, "regbench: %s\n", rt->fatal);
            exit_code = RB_EXIT_SCRIPT;
            status = "failed";
        } else if (!rt->acted && rt->n_set) {
            /* the scenario never acted: check --set keys now */
            for (size_t i = 0; i < rt->n_set; i++)
                if (!rt->set_used[i]) {
                    rt->fatal = rb_asprintf("unknown parameter '%s' in --set", rt->set_keys[i]);
                    fprintf(stderr, "regbench: %s\n", rt->fatal);
                    exit_code = RB_EXIT_USAGE;
                    status = "failed";
                    break;
                }
        }
        if (exit_code == RB_EXIT_OK && rt->n_failed_unseen > 0) {
            /* VUs that failed and whose error no join saw fail the run. */
            rt->fatal = rb_asprintf("%d VU%s failed and %s never joined; the first error: %s",
                                    rt->n_failed_unseen, rt->n_failed_unseen > 1 ? "s" : "",
                                    rt->n_failed_unseen > 1 ? "were" : "was", rt->first_unseen);
            fprintf(stderr, "regbench: scenario failed: %s\n", rt->fatal);
            exit_code = RB_EXIT_SCRIPT;
            status = "failed";
        }
    }
    if (o->help) {
        if (exit_code == RB_EXIT_OK) print_help(rt);
        rt_free(rt);
        return exit_code;
    }
    if (!rt->input_error || rt->acted) {
        save(rt, status, exit_code, NULL, 1);
        if (rt->metrics.n_phases || rt->metrics.n_metrics) rb_results_print_table(stdout, &rt->metrics);
        fflush(stdout);
        for (size_t i = 0; i < rt->metrics.n_phases; i++) {
            phase_extra *x = rt->metrics.phases[i]->user;
            if (x && x->warning)
                fprintf(stderr, "regbench: warning: phase \"%s\": %s\n", rt->metrics.phases[i]->name, x->warning);
        }
        if (rt->opts->insecure)
            fprintf(stderr, "regbench: warning: TLS certificates were not verified (--insecure)\n");
        fprintf(stderr, "regbench: results in %s/\n", rt->out_dir);
    }
    rb_sampler_stop(rt->sampler);
    rt->sampler = NULL;
    rb_launch_stop(rt->reg);
    rt->reg = NULL;
    rb_launch_stop(rt->upstream);
    rt->upstream = NULL;
    rt_free(rt);
    return exit_code;
}
