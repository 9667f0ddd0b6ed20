/* lrt: the VU scheduler's interface to the bindings (lrt.c): the runtime
 * (rb_rt) with its virtual users (rb_vu), and the few calls a binding needs
 * to yield a VU and to resume it when its operation ends. A binding that
 * starts an operation calls rbl_action() (which also checks it runs in a VU
 * and starts the run at the first action), starts the work on the loop, and
 * returns lua_yield(L, 0); the completion handler pushes the results onto
 * vu->co and calls rbl_wake(vu, nresults). The run itself (registry,
 * phases, results) is rb_run's: bindings call it through rt->run. */
#ifndef LRT_H
#define LRT_H

#include <lua.h>
#include <lauxlib.h>
#include <stdint.h>

#include "measure/rb_metrics.h"
#include "net/rb_http.h"
#include "run/rb_run.h"

typedef struct rb_rt rb_rt;

typedef enum { VU_READY, VU_RUNNING, VU_WAITING, VU_DONE, VU_FAILED } rb_vu_state;

/* A virtual user: a coroutine with the phase it measures into. Lives in a
 * full userdata (the handle rb.spawn returns); anchored in the Lua registry
 * while it runs, collectable after. */
typedef struct rb_vu {
    rb_rt *rt;
    int id;
    char label[48];               /* how the script made it: "main", "spawn #3", "parallel i=2", "iteration #7" */
    lua_State *co;                /* the coroutine; NULL once finished */
    int co_ref;                   /* registry ref to the thread, LUA_NOREF when done */
    int self_ref;                 /* registry ref to this userdata while not finished */
    rb_vu_state state;
    rb_phase *phase;              /* where its operations are recorded */
    int nested;                   /* 1: its operations are parts of an rb.rate iteration, not headline */
    int silent;                   /* 1: its operations are not recorded (a barrier between shards) */
    int nargs;                    /* values on co's stack to pass at the next resume */
    int results_ref;              /* table of results (done) or LUA_NOREF */
    char *error;                  /* error message with traceback (failed) */
    int error_seen;               /* someone joined and received the error */
    struct rb_vu **waiters;       /* VUs blocked in join on this one */
    int n_waiters;
    struct rb_vu *next_ready;
    int queued;
} rb_vu;

struct rb_rt {
    lua_State *L;
    rb_run *run;                  /* the run this state schedules */
    rb_loop *loop;                /* rb_run_loop(run) */
    rb_metrics *metrics;          /* rb_run_metrics(run) */
    const rb_run_opts *opts;      /* rb_run_options(run) */
    rb_vu *current;               /* the VU running now, or NULL */
    uint64_t slice_start_us;      /* when `current` was resumed */
    uint64_t slice_busy_us;       /* Lua time since then, long C calls excluded */
    uint64_t last_hook_us;        /* when the guard hook last ran */
    uint64_t guard_us;
    rb_vu *ready_head, *ready_tail;
    uv_idle_t idle;
    int n_vus_live;               /* spawned and not finished */
    int next_vu_id;
    int n_spawned;                /* rb.spawn calls so far (their VUs are "spawn #n") */
    rb_vu *main;
    int input_error;              /* the failure raised is bad input (exit 2) */
    int help_done;                /* --help mode reached the first action */
    int guard_tripped;            /* the yield guard ended a VU */
    int guard_yield;              /* the guard hook yielded out of the running VU */
    int unwinding;                /* a failed VU's thread is being reset */
    char *guard_msg;              /* why it did */
    int n_failed_unseen;          /* VUs that failed and whose error no join has seen */
    char *first_unseen;           /* the first such error */
};

/* The runtime of a Lua state (stored in its extra space). */
rb_rt *rbl_rt(lua_State *L);
/* Called by every binding that acts (spawns, sleeps, does I/O): checks the
 * caller is a VU coroutine (when `yields`), checks the given parameters and
 * starts the run (launching the registry) on first use. Returns the calling
 * VU. Raises on misuse, and when the run cannot start. */
rb_vu *rbl_action(lua_State *L, int yields);
/* Makes `vu` runnable; nargs values are already on vu->co's stack. */
void rbl_wake(rb_vu *vu, int nargs);
/* Records one finished operation in the VU's phase; a VU inside an rb.rate
 * iteration records it as nested (the iteration is the headline). */
void rbl_record(rb_vu *vu, const rb_op_record *r);
/* Raises an input error (exit code 2) with msg. */
int rbl_input_error(lua_State *L, const char *fmt, ...);

/* Makes a VU that will run the function below the top nargs values of L
 * (they are popped); pushes its handle. Raises past the VU cap. */
rb_vu *rbl_vu_new(lua_State *L, int nargs);
/* Checks that argument idx is a VU handle. */
rb_vu *rbl_check_vu(lua_State *L, int idx);

/* Sets up the scheduler on a new Lua state for run: the VU metatable, the
 * ready queue, the yield guard (guard_s seconds). */
void rbl_rt_init(rb_rt *rt, lua_State *L, rb_run *run, double guard_s);
/* Runs the loop until the main VU and all it waits for are done or the run
 * stops; then fails the run for what went wrong (deadlock, failed VUs no
 * join saw, --set keys nobody declared). */
void rbl_rt_run(rb_rt *rt);
/* Closes the loop's handles and the Lua state, and frees what rt holds
 * (the run stays). */
void rbl_rt_close(rb_rt *rt);

#endif
