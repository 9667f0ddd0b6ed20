/* lrt: the VU scheduler. It runs a Lua scenario as virtual users (VUs):
 * coroutines of one Lua state, resumed by the event loop when what they wait
 * for (a transfer, a timer, another VU) is done. Runnable VUs wait in a ready
 * queue drained by a uv_idle handle, so nothing resumes Lua from inside a
 * libcurl callback. A count hook guards against VUs that never yield and
 * ends VUs still running when the run stops. Everything else about the run
 * (the registry, phases, results, signals) is rb_run's. */
#include "lrt.h"
#include "util/rb_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VU_META "regbench.vu"
#define GUARD_EVERY 100000   /* instructions between guard checks (well under 250 ms) */

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

/* A failure that ends the run (the first one's message is kept). */
static void set_fatal(rb_rt *rt, const char *msg)
{
    rb_run_fail(rt->run, rt->input_error ? RB_FAIL_INPUT : RB_FAIL_SCRIPT, "%s", msg);
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
        /* a registry error object that blames the input (a user's image file:
         * oci.lua's reader_error) ends the run as bad input */
        if (lua_type(co, -1) == LUA_TTABLE) {
            lua_pushliteral(co, "input");
            lua_rawget(co, -2);
            if (lua_toboolean(co, -1)) rt->input_error = 1;
            lua_pop(co, 1);
        }
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
            if (!rt->first_unseen) rt->first_unseen = rb_asprintf("(%s) %s", vu->label, vu->error);
        }
    }
    vu_finished(vu);
}

static void run_ready(uv_idle_t *h)
{
    rb_rt *rt = h->data;
    while (rt->ready_head && !rb_run_stopping(rt->run)) {
        rb_vu *vu = rt->ready_head;
        rt->ready_head = vu->next_ready;
        if (!rt->ready_head) rt->ready_tail = NULL;
        vu->queued = 0;
        vu_resume(rt, vu);
    }
    if (!rt->ready_head || rb_run_stopping(rt->run))
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
        lua_pushfstring(L, "%s failed: %s", target->label, target->error);
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
    lua_pushfstring(L, "regbench.vu(%s)", vu->label);
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
    snprintf(vu->label, sizeof vu->label, "%s", vu->id == 0 ? "main" : "a VU");
    vu->phase = rt->current ? rt->current->phase : NULL;
    vu->nested = rt->current ? rt->current->nested : 0;
    /* move fn and args (below the userdata) to the coroutine */
    lua_insert(L, -(nargs + 2));          /* ud fn args... */
    lua_xmove(L, co, nargs + 1);
    rt->n_vus_live++;
    rbl_wake(vu, nargs);
    return vu;
}

/* ---- actions ------------------------------------------------------------------ */

/* The count hook: ends a VU that has run too long without yielding, and
 * VUs still running when the run stops. It yields out of the VU (Lua 5.4
 * count hooks may yield) rather than raising, so a pcall in the script
 * cannot catch it; vu_resume then fails the VU with rt->guard_msg. */
static void guard_hook(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    rb_rt *rt = rbl_rt(L);
    if (!rt->current || rt->current->co != L) return;
    if (rb_run_stopping(rt->run) && !rt->guard_msg) {
        rt->guard_msg = rb_strdup(rb_run_interrupted(rt->run) ? "interrupted" : "run stopped");
    } else {
        /* Time between two hook calls counts as Lua time unless it is long: then
         * a C function (generating an image, say) ran, which is not looping. */
        uint64_t now = rb_now_us();
        uint64_t gap = now - rt->last_hook_us;
        rt->last_hook_us = now;
        if (gap < 250000) rt->slice_busy_us += gap;
        if (!rt->guard_us || rt->slice_busy_us <= rt->guard_us) return;
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

rb_vu *rbl_action(lua_State *L, int yields)
{
    rb_rt *rt = rbl_rt(L);
    rb_vu *vu = rt->current;
    if (yields && (!vu || vu->co != L || !lua_isyieldable(L)))
        luaL_error(L, "this regbench operation waits, so it must run in a VU: not inside "
                      "a coroutine of your own, a metamethod or a sort comparator");
    if (rb_run_started(rt->run)) return vu;
    if (rt->opts->help) {
        rt->help_done = 1;
        luaL_error(L, "(help: parameters listed)");
    }
    const char *unused = rb_run_unused_given(rt->run);
    if (unused) {
        char names[1024];
        rb_run_param_names(rt->run, names, sizeof names);
        rbl_input_error(L, "unknown parameter '%s' in --set: this scenario declares %s", unused,
                        names[0] ? names : "no parameters");
    }
    if (rb_run_start(rt->run) < 0)
        luaL_error(L, "%s", rb_run_failure(rt->run));   /* the run has failed and stops */
    return vu;
}

void rbl_record(rb_vu *vu, const rb_op_record *r)
{
    if (vu->silent) return;
    rb_op_record rec = *r;
    if (vu->nested) rec.top_level = 0;
    rb_run_record(vu->rt->run, vu->phase, &rec);
}

/* ---- the scheduler's life ------------------------------------------------------- */

void rbl_rt_init(rb_rt *rt, lua_State *L, rb_run *run, double guard_s)
{
    memset(rt, 0, sizeof *rt);
    rt->L = L;
    rt->run = run;
    rt->loop = rb_run_loop(run);
    rt->metrics = rb_run_metrics(run);
    rt->opts = rb_run_options(run);
    rt->guard_us = (uint64_t)(guard_s * 1e6);
    *(rb_rt **)lua_getextraspace(L) = rt;
    uv_idle_init(rb_loop_uv(rt->loop), &rt->idle);
    rt->idle.data = rt;
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
    lua_sethook(L, guard_hook, LUA_MASKCOUNT, GUARD_EVERY);
}

static int live_vus(void *ud)
{
    return ((rb_rt *)ud)->n_vus_live;
}

void rbl_rt_run(rb_rt *rt)
{
    rb_run *run = rt->run;
    rb_run_loop_run(run, live_vus, rt);
    if (rb_run_stopping(run) || rt->help_done) return;
    if (rt->main->state != VU_DONE) {
        rb_run_fail(run, RB_FAIL_RUN, "deadlock: the scenario's main VU is still waiting (%d VUs blocked, nothing in flight)",
                    rt->n_vus_live);
        return;
    }
    const char *unused = rb_run_unused_given(run);
    if (!rb_run_started(run) && unused) {   /* the scenario never acted: check the given keys now */
        rb_run_fail(run, RB_FAIL_INPUT, "unknown parameter '%s' in --set", unused);
        return;
    }
    if (rt->n_failed_unseen > 0)   /* VUs that failed and whose error no join saw fail the run */
        rb_run_fail(run, RB_FAIL_SCRIPT, "%d VU%s failed and %s never joined; the first error: %s",
                    rt->n_failed_unseen, rt->n_failed_unseen > 1 ? "s" : "",
                    rt->n_failed_unseen > 1 ? "were" : "was", rt->first_unseen);
}

void rbl_rt_close(rb_rt *rt)
{
    rb_run_close_loop(rt->run);
    if (!uv_is_closing((uv_handle_t *)&rt->idle)) uv_close((uv_handle_t *)&rt->idle, NULL);
    uv_run(rb_loop_uv(rt->loop), UV_RUN_NOWAIT);
    if (rt->L) lua_close(rt->L);   /* runs __gc of VU handles while rt is alive */
    rt->L = NULL;
    free(rt->first_unseen);
    free(rt->guard_msg);
}
