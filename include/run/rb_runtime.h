/* rb_runtime: runs one Lua scenario from start to results (the `regbench run`
 * command without its argument parsing). It owns the event loop, the Lua
 * state with its virtual users, the registry under test (launched lazily, at
 * the scenario's first action, so a bad parameter never starts one), the
 * live progress line, signal handling and the results files. No Lua types
 * here: the CLI and the suite runner call it with plain C. */
#ifndef RB_RUNTIME_H
#define RB_RUNTIME_H

#include <stddef.h>

#include "net/rb_http.h"
#include "registry/rb_launch.h"

/* Exit codes shared by every command. */
enum {
    RB_EXIT_OK = 0,
    RB_EXIT_SCRIPT = 1,       /* the scenario failed (Lua error) or the run failed */
    RB_EXIT_USAGE = 2,        /* bad command line, parameter, file or input */
    RB_EXIT_THRESHOLD = 99,   /* a threshold failed */
    RB_EXIT_INTERRUPTED = 130,
};

typedef struct rb_run_opts {
    const char *scenario;         /* path of the Lua file */
    const char *const *set;       /* "key=value" overrides, n_set of them */
    size_t n_set;
    const char *out_dir;          /* results directory; NULL: results/<UTC timestamp> */
    int quiet;                    /* no live progress */
    int help;                     /* list the scenario's parameters instead of running */
    const char *target_url;       /* use a running registry; NULL: launch one */
    rb_launch_opts launch;        /* how to launch (workdir is filled in by the runtime) */
    int pull_through;             /* launch a crane upstream and make the (distribution) registry its pull-through cache */
    double yield_timeout_s;       /* instruction guard: max seconds a VU may run without yielding */
    size_t max_vus;               /* cap on live VUs */
    const char *username;         /* credentials for the registry under test, or NULL */
    const char *password;
    int insecure;                 /* skip TLS verification (recorded in the results) */
    const char *ca_file;          /* extra CA bundle for TLS */
    int retries;                  /* retries of failed requests (5xx, 429, network) */
    rb_http_engine http_client;   /* which HTTP client takes small plain-HTTP requests */
    double timeout_s;             /* longest a registry request may take; 0: 600 s */
    double stall_timeout_s;       /* a transfer with no progress this long fails; 0: 60 s */
    long registry_pid;            /* sample this process (for --target), 0: none */
    double sample_interval_s;     /* registry and client resource sampling period; 0: 250 ms */
} rb_run_opts;

/* Runs the scenario; prints errors and the results table; returns an exit code. */
int rb_run_scenario(const rb_run_opts *opts);

/* `regbench suite [FILE] [options]` (argv[0] is "suite"): runs every run of a
 * suite (see docs/suite-format.md), writes the suite's results and views,
 * checks thresholds and compares with a baseline. Returns the exit code. */
int rb_cmd_suite(int argc, char **argv);

#endif
