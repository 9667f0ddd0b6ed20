/* rbl: what the Lua bindings share: the runtime (rb_rt) with its virtual
 * users (rb_vu), and the few calls a binding needs to yield a VU and to
 * resume it when its operation ends. A binding that starts an operation
 * calls rbl_action() (which also checks it runs in a VU), starts the work on
 * the loop, and returns lua_yield(L, 0); the completion handler pushes the
 * results onto vu->co and calls rbl_wake(vu, nresults). */
#ifndef RBL_H
#define RBL_H

#include <lua.h>
#include <lauxlib.h>
#include <stdint.h>

#include "net/rb_http.h"
#include "registry/rb_launch.h"
#include "measure/rb_metrics.h"
#include "registry/rb_prom.h"
#include "results/rb_results.h"
#include "run/rb_runtime.h"
#include "registry/rb_sampler.h"

typedef struct rb_rt rb_rt;

typedef enum { VU_READY, VU_RUNNING, VU_WAITING, VU_DONE, VU_FAILED } rb_vu_state;

/* A virtual user: a coroutine with the phase it measures into. Lives in a
 * full userdata (the handle rb.spawn returns); anchored in the Lua registry
 * while it runs, collectable after. */
typedef struct rb_vu {
    rb_rt *rt;
    int id;
    lua_State *co;                /* the coroutine; NULL once finished */
    int co_ref;                   /* registry ref to the thread, LUA_NOREF when done */
    int self_ref;                 /* registry ref to this userdata while not finished */
    rb_vu_state state;
    rb_phase *phase;              /* where its operations are recorded */
    int nested;                   /* 1: its operations are parts of an rb.rate iteration, not headline */
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
    rb_loop *loop;
    rb_metrics metrics;
    const rb_run_opts *opts;
    char *out_dir;
    rb_vu *current;               /* the VU running now, or NULL */
    uint64_t slice_start_us;      /* when `current` was resumed */
    uint64_t slice_busy_us;       /* Lua time since then, long C calls excluded */
    uint64_t last_hook_us;        /* when the guard hook last ran */
    uint64_t guard_us;
    rb_vu *ready_head, *ready_tail;
    uv_idle_t idle;
    uv_async_t signal_async;      /* wakes the loop when SIGINT/SIGTERM arrive */
    int n_vus_live;               /* spawned and not finished */
    int next_vu_id;
    rb_vu *main;
    int stop;                     /* stop running VUs: fatal error or signal */
    int interrupted;              /* by SIGINT / SIGTERM */
    int input_error;              /* the failure was bad input (exit 2) */
    int help_done;                /* --help mode reached the first action */
    int acted;                    /* the first action happened */
    int guard_tripped;            /* the yield guard ended a VU */
    int guard_yield;              /* the guard hook yielded out of the running VU */
    int unwinding;                /* a failed VU's thread is being reset */
    char *guard_msg;              /* why it did */
    int n_failed_unseen;          /* VUs that failed and whose error no join has seen */
    char *first_unseen;           /* the first such error */
    char *fatal;                  /* first fatal error message */
    /* parameters */
    char **set_keys, **set_values;
    int *set_used;
    size_t n_set;
    char **param_names, **param_values, **param_types, **param_docs, **param_defaults;
    size_t n_params;
    /* the registry under test */
    rb_registry_proc *reg;
    rb_registry_proc *upstream;   /* the crane behind a pull-through cache, or NULL */
    char *reg_url, *reg_kind, *reg_storage, *reg_version;
    long reg_pid;
    struct rb_events *events;     /* the event log, once the run has started */
    rb_sampler *sampler;          /* samples the registry process, or NULL */
    uint64_t sampler_start_us;    /* when it started (rb_now_us) */
    int sampler_open;             /* regbench phases open while the sampler's phase runs */
    char *prom_url;               /* the registry's Prometheus endpoint, or NULL */
    uv_timer_t client_timer;      /* samples regbench's own CPU and RSS, and watches the registry */
    rb_client_point *client_series;
    size_t n_client, cap_client;
    uint32_t client_stride;       /* keep every n-th sample once the series is full */
    uint32_t client_skip;
    double client_last_cpu;
    uint64_t client_last_us;
};

/* The runtime of a Lua state (stored in its extra space). */
rb_rt *rbl_rt(lua_State *L);
/* Called by every binding that acts (spawns, sleeps, does I/O): checks the
 * caller is a VU coroutine (when `yields`), validates --set keys and
 * launches the registry on first use. Returns the calling VU. Raises on misuse. */
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
/* Opens a measured phase in the metrics store and the registry sampler. */
rb_phase *rbl_phase_begin(rb_rt *rt, const char *name);
/* Closes it (records the registry's resources for it) and checkpoints results. */
void rbl_phase_end(rb_rt *rt, rb_phase *p);

/* Binding tables, each pushes one table of functions. */
int rbl_open_core(lua_State *L);
int rbl_open_http(lua_State *L);

#endif
