/* rb_run: one run's lifecycle, without Lua: open (output directory, event
 * loop, metrics store, signal handling, client sampling), start at the
 * scenario's first action (launch the registry or attach to --target, start
 * the sampler and the event log), phases (sampler spans, Prometheus deltas,
 * the "regbench was the bottleneck" rule, a checkpoint of the results after
 * each), stop (an error, the registry dying, SIGINT/SIGTERM) and finish
 * (status and exit code, results.json, the CSVs, the event log's end,
 * report.html, the table on stdout). Whatever schedules the work (the Lua
 * VUs in src/lua/, or a unit test) drives a run through these calls and
 * runs its loop; the store (rb_metrics) is the single source of truth, and
 * every output is a view of it. */
#ifndef RB_RUN_H
#define RB_RUN_H

#include <stddef.h>

#include "measure/rb_metrics.h"
#include "net/rb_http.h"
#include "registry/rb_launch.h"
#include "suite/rb_threshold.h"
#include "util/rb_util.h"

/* Exit codes shared by every command. */
enum {
    RB_EXIT_OK = 0,
    RB_EXIT_SCRIPT = 1,       /* the scenario failed (Lua error) or the run failed */
    RB_EXIT_USAGE = 2,        /* bad command line, parameter, file or input */
    RB_EXIT_UNREACHABLE = 3,  /* the --target registry cannot be reached: nothing ran */
    RB_EXIT_THRESHOLD = 99,   /* a threshold failed */
    RB_EXIT_INTERRUPTED = 130,
};

typedef struct rb_run_opts {
    const char *scenario;         /* path of the Lua file */
    const rb_kv *params;          /* parameter values given (--set, or a suite's), n_params of them */
    size_t n_params;
    const char *out_dir;          /* results directory; NULL: results/<UTC timestamp> */
    int quiet;                    /* no live progress, no table: the verdict and where the results are */
    int brief;                    /* one run of a suite: print nothing at the end (the suite reports it) */
    int help;                     /* list the scenario's parameters instead of running */
    const char *target_url;       /* use a running registry; NULL: launch one */
    rb_launch_opts launch;        /* how to launch (workdir is filled in by the run) */
    int pull_through;             /* launch a crane upstream and make the (distribution) registry its pull-through cache */
    double yield_timeout_s;       /* instruction guard: max seconds a VU may run without yielding */
    size_t max_vus;               /* cap on live VUs */
    const char *username;         /* credentials for the registry under test, or NULL */
    const char *password;
    int insecure;                 /* skip TLS verification (recorded in the results) */
    const char *ca_file;          /* extra CA bundle for TLS */
    int retries;                  /* retries of failed requests (5xx, 429, network) */
    rb_http_engine http_client;   /* which HTTP client takes small plain-HTTP requests */
    const char *user_agent;       /* User-Agent of requests that name none (checked); NULL: regbench/VERSION */
    double timeout_s;             /* longest a registry request may take; 0: 600 s */
    double stall_timeout_s;       /* a transfer with no progress this long fails; 0: 60 s */
    long registry_pid;            /* sample this process (for --target), 0: none */
    double sample_interval_s;     /* registry and client resource sampling period; 0: 250 ms */
    const char *run_id;           /* this run's ID (--run-id); NULL: made up from the time */
    const char *repo_prefix;      /* repositories' prefix: NULL or "" none, "auto" "rb-<run id>/",
                                     else this text and '/' */
    const char *const *thresholds;/* threshold expressions (--threshold), n_thresholds of them */
    size_t n_thresholds;
    int shard_index, shard_count; /* --shard I/N: this process runs shard I of N (its results carry a
                                     shard object, also for 0/1); count 0: not a shard */
    double barrier_timeout_s;     /* longest wait at a barrier between shards; 0: 60 s */
    const char *barrier_dir;      /* shards meet through files in this directory (--barrier-dir; --procs
                                     sets OUT/shards); NULL: through the registry under test */
    uint64_t start_at_wall_us;    /* --start-at: the first phase starts at this wall time; 0: at once */
    const char *op_log;           /* --op-log: write one line per operation here, or NULL */
    const char *upstream_url;     /* with --target: the registry behind it, a pull-through cache's upstream */
} rb_run_opts;

/* Why a run failed; decides its exit code and how the message is shown. */
typedef enum {
    RB_FAIL_SCRIPT,   /* the scenario raised: "scenario failed: MSG", exit 1 */
    RB_FAIL_INPUT,    /* bad input (a parameter, a --set key): "MSG", exit 2 */
    RB_FAIL_RUN,      /* the run could not go on (load error, deadlock, no registry): "MSG", exit 1 */
    RB_FAIL_UNREACHABLE, /* the --target registry does not answer: "cannot reach URL: why", exit 3 */
} rb_fail_kind;

/* The registry under test, once the run has started. */
typedef struct rb_run_target {
    const char *url;              /* base URL, no trailing slash */
    const char *kind;             /* "crane", "distribution", "distribution3", "external" */
    const char *storage;          /* "memory", "disk", "unknown" */
    const char *version;          /* or NULL */
    long pid;                     /* 0 when unknown */
    const char *metrics_url;      /* its Prometheus endpoint, or NULL */
    const char *upstream_url;     /* the crane behind a pull-through cache, or NULL */
    const char *upstream_log;
} rb_run_target;

/* A parameter the scenario declared (rb.param). */
typedef struct rb_run_param {
    char *name, *type, *doc, *def, *value;   /* value: as used, as text */
} rb_run_param;

typedef struct rb_run rb_run;

/* Opens a run: checks the scenario file and the given parameters (no key
 * twice), makes the output directory (not in help mode), the event loop and
 * the metrics store, and installs SIGINT/SIGTERM handling and client
 * sampling. Returns NULL with a message in err (the exit code is then
 * RB_EXIT_USAGE, or RB_EXIT_SCRIPT when *exit_code says so). */
rb_run *rb_run_open(const rb_run_opts *o, int *exit_code, char *err, size_t errlen);
/* The options the run was opened with. */
const rb_run_opts *rb_run_options(const rb_run *r);
/* Its event loop and its metrics store. */
rb_loop *rb_run_loop(rb_run *r);
rb_metrics *rb_run_metrics(rb_run *r);
/* Its output directory. */
const char *rb_run_dir(const rb_run *r);
/* Its ID ("20261206-015230-3fa9", or --run-id), and the prefix the OCI
 * client puts before every repository name ("" for none). */
const char *rb_run_id(const rb_run *r);
const char *rb_run_repo_prefix(const rb_run *r);
/* The default results directory of a run started now: "results/<UTC time>"
 * (new string). */
char *rb_run_default_dir(void);
/* A new run ID made from the time and a random part ("20261206-015230-3fa9"). */
void rb_run_make_id(char *buf, size_t len);
/* Checks a --repo-prefix / --run-id text: lowercase letters and digits,
 * parts joined by '.', '_', '-' or '/'. Returns 0, or -1 with why. */
int rb_run_check_name(const char *what, const char *s, char *err, size_t errlen);

/* The scenario's first action: checks the thresholds' names against what the
 * scenario declared (RB_FAIL_INPUT), launches the registry (or attaches to
 * --target, sampling --registry-pid), starts the registry sampler and the
 * event log. Runs once; later calls return what the first did. Returns 0,
 * or -1 after failing the run (RB_FAIL_RUN, "cannot start the registry: ...";
 * RB_FAIL_UNREACHABLE when --target does not answer: nothing is written). */
int rb_run_start(rb_run *r);
/* 1 once rb_run_start has been called. */
int rb_run_started(const rb_run *r);
/* The registry under test; NULL before rb_run_start succeeded. */
const rb_run_target *rb_run_target_info(const rb_run *r);

/* What an offline garbage collection (rb_run_gc) did. */
typedef struct rb_run_gc_result {
    double seconds;               /* stop, collect and restart, wall time */
    int64_t storage_before;       /* bytes under the storage directory before, and after */
    int64_t storage_after;
} rb_run_gc_result;

/* Offline garbage collection of the registry under test, between phases:
 * possible only for a distribution or distribution3 that regbench launched
 * on disk storage (crane has none; memory storage would lose everything in
 * the restart; a --target registry is not ours to stop). Stops it, runs
 * `garbage-collect` (--delete-untagged when asked), restarts it on the same
 * port and storage, and samples the new process in the same series (the
 * sampler is retargeted). Blocks the loop meanwhile.
 * Returns 0 with *res and the collector's output in out; 1 when skipped,
 * with the reason in err (also a warning on stderr and on the latest
 * phase); -1 on misuse (a phase is open, checked first) or failure (err; a registry that
 * did not come back fails the run). */
int rb_run_gc(rb_run *r, int delete_untagged, rb_run_gc_result *res, char *out, size_t outlen, char *err,
              size_t errlen);

/* Opens a measured phase (names may repeat): the metrics store's phase, a
 * registry sampler span, a Prometheus snapshot. */
rb_phase *rb_run_phase_begin(rb_run *r, const char *name);
/* Closes it: the registry's view of the phase and the bottleneck warning
 * go into the phase record, and the results are checkpointed (results.json,
 * CSVs, the phase's event). Closing twice is harmless. */
void rb_run_phase_end(rb_run *r, rb_phase *p);

/* Records one finished operation into phase p (NULL: outside any phase)
 * of the run's store, and into the operation log (--op-log) if any. */
void rb_run_record(rb_run *r, rb_phase *p, const rb_op_record *rec);
/* Notes a barrier between shards passed: its name, and this machine's wall
 * clock (rb_wall_us) when it arrived and when it saw every shard arrive
 * (for the shard object of results.json, from which merge estimates clock
 * skew). */
void rb_run_barrier_passed(rb_run *r, const char *name, uint64_t arrived_wall_us, uint64_t released_wall_us);

/* Fails the run (the first failure's message wins) and stops its loop. */
void rb_run_fail(rb_run *r, rb_fail_kind kind, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* 1 once the run is stopping: failed or interrupted. Also notices a signal
 * that arrived while the loop was not running (call it from long work). */
int rb_run_stopping(rb_run *r);
/* 1 when SIGINT or SIGTERM stopped the run. */
int rb_run_interrupted(const rb_run *r);
/* The first failure's message, or NULL. */
const char *rb_run_failure(const rb_run *r);

/* Runs the loop until nothing is left to do or the run stops, with the live
 * progress line (unless quiet); live(ud) tells how many VUs are alive. */
void rb_run_loop_run(rb_run *r, int (*live)(void *), void *ud);

/* Records a declared parameter (rb.param): name, type, doc, default and
 * value as text. */
void rb_run_declare(rb_run *r, const char *name, const char *type, const char *doc, const char *def,
                    const char *value);
/* The value given for parameter name (--set or a suite), marking it used;
 * NULL when none was given. */
const char *rb_run_given(rb_run *r, const char *name);
/* Records a custom metric the scenario declares (rb.metrics.*), so
 * thresholds may name it. Returns 0, or -1 with err when the name is
 * declared with another type. */
int rb_run_declare_metric(rb_run *r, const char *name, int type, char *err, size_t errlen);
/* Records an operation kind the scenario declares (rb.metrics.op). */
void rb_run_declare_op(rb_run *r, const char *name);
/* Adds a threshold (rb.threshold, like --threshold): parsed now, its names
 * checked at the start (a bad one is reported with `where`, "FILE:LINE";
 * NULL means "--threshold"), judged at the end. Returns 0, or -1 with err. */
int rb_run_add_threshold(rb_run *r, const char *expr, const char *where, char *err, size_t errlen);
/* The names the scenario declared (custom metrics, operation kinds), for
 * resolving thresholds; valid until the run is freed. */
void rb_run_names(const rb_run *r, rb_threshold_names *out);
/* The first given key no declared parameter used, or NULL. */
const char *rb_run_unused_given(const rb_run *r);
/* The declared parameters, in order. */
const rb_run_param *rb_run_params(const rb_run *r, size_t *n);
/* "a, b, c": the declared parameter names (into buf, truncated). */
void rb_run_param_names(const rb_run *r, char *buf, size_t len);

/* Ends the run: closes open phases (cut), decides status and exit code
 * (interrupted 130; failed by kind; a threshold failed 99; else 0), judges
 * the thresholds, prints the failure, writes results.json, the CSVs, the
 * event log's end and report.html, prints the per-phase table, the
 * warnings, the thresholds and the verdict. A run that failed on its input
 * before it started writes nothing. Returns the exit code. */
int rb_run_finish(rb_run *r);
/* Stops the registry and frees the run (NULL ok). Call rb_run_close_loop
 * first when handles of the caller's live on the loop. */
void rb_run_free(rb_run *r);
/* Cancels every transfer on the run's loop and closes its handles: timers of
 * the caller marked with data == handle are freed, the run's own closed. */
void rb_run_close_loop(rb_run *r);

#endif
