/* rb_suite: loads a suite file (YAML, see docs/suite-format.md) into plain C
 * structs, with errors that name file:line:column and the accepted keys or
 * values, and expands it into the list of runs: every (registry, scenario,
 * parameter combination) with its repetitions. No Lua here. */
#ifndef RB_SUITE_H
#define RB_SUITE_H

#include <stddef.h>

#include "net/rb_http.h"
#include "registry/rb_launch.h"
#include "suite/rb_threshold.h"
#include "util/rb_util.h"

typedef struct rb_suite_registry {
    char *name;
    int external;             /* 1: kind external (url), 0: launched */
    rb_reg_kind kind;         /* launched kinds */
    rb_storage storage;
    int port;
    char *htpasswd;           /* absolute path, or NULL */
    int pull_through;         /* distribution only: a pull-through cache of a crane regbench starts */
    char *url;                /* external */
    char *username;           /* external, or NULL */
    char *password_env;       /* name of the variable holding the password, or NULL */
    int insecure;
    char *ca_file;            /* absolute path of extra CA certificates, or NULL */
    int retries;              /* retries of failed requests (0..100) */
    rb_http_engine http_client; /* HTTP client for small plain-HTTP requests */
    char *user_agent;         /* User-Agent of the runs' requests, or NULL: regbench/VERSION */
    long registry_pid;
    int conformance;          /* conformance: 1 true, -1 false, 0 not given (the suite's) */
    /* kind command (rb_launch_opts has the meanings) */
    char **command;           /* NULL-terminated; the program resolved at load */
    char *config_template;    /* absolute path, or NULL */
    char *ready_url;          /* or NULL: /v2/ */
    char **env;               /* NAME=VALUE, NULL-terminated, or NULL */
    char **version_command;   /* NULL-terminated, or NULL */
    double ready_timeout_s;   /* 0: 30 s */
    int line;                 /* where it was defined */
} rb_suite_registry;

typedef struct rb_matrix_axis {
    char *key;
    char **values;
    int *lines, *cols;        /* where each value is written */
    size_t n_values;
    int line, col;            /* where the key is written */
} rb_matrix_axis;

typedef struct rb_suite_scenario {
    char *name;
    char *file;               /* absolute path */
    rb_kv *params;
    size_t n_params;
    rb_matrix_axis *matrix;
    size_t n_matrix;
    int repetitions;          /* 0: the suite's */
    int procs;                /* shard processes per run (procs:); 0: the suite's, -1: auto */
    char **registries;        /* names it runs on; NULL/0: all */
    size_t n_registries;
    int line;
} rb_suite_scenario;


typedef struct rb_suite {
    char *path;               /* the file, as given */
    char *dir;                /* its directory (relative paths resolve here) */
    char *name;
    char *description;
    int repetitions;          /* default 1 */
    int procs;                /* procs: for every scenario without its own; default 1, -1: auto */
    rb_suite_registry *registries;
    size_t n_registries;
    rb_suite_scenario *scenarios;
    size_t n_scenarios;
    rb_threshold *thresholds;
    size_t n_thresholds;
    char *out_dir;            /* as written ({time} not yet replaced), or NULL */
    char *baseline;           /* absolute path, or NULL */
    double compare_threshold_pct;   /* max_change (or compare_threshold), default 5 */
    int compare_strict;             /* compare_strict: with few repetitions the max change alone decides */
    int conformance;                /* conformance: run the OCI conformance suite on every registry that
                                       does not say otherwise (rb_suite_registry.conformance) */
    int keep_storage;               /* keep_storage: keep each run's registry-storage/ (default: removed after the run) */
} rb_suite;

/* One run of the expanded suite (repetitions are not expanded). */
typedef struct rb_suite_run {
    const rb_suite_registry *registry;
    const rb_suite_scenario *scenario;
    rb_kv *params;            /* fixed params + this matrix combination */
    size_t n_params;
    char *label;              /* "level=6,vus=10" (matrix values only), "" without a matrix */
    int repetitions;
    int procs;                /* shard processes (1: this process), -1: auto */
} rb_suite_run;

/* Limits that keep a hostile or mistaken suite bounded. */
#define RB_SUITE_MAX_NODES 100000    /* YAML nodes after alias expansion */
#define RB_SUITE_MAX_DEPTH 64        /* nesting of sequences and mappings */
#define RB_SUITE_MAX_COMBOS 10000    /* matrix combinations per scenario */
#define RB_SUITE_MAX_BYTES (16u << 20)   /* size of a suite file */

/* Loads and checks a suite file. Returns NULL with "FILE:LINE:COL: message"
 * in err for any problem (YAML syntax, unknown key, wrong type, bad value,
 * missing file); only a suite file that cannot be read at all gives
 * "FILE: message" without a position. */
rb_suite *rb_suite_load(const char *path, char *err, size_t errlen);
/* Same as rb_suite_load for a suite held in memory (len bytes, NULs are
 * errors). name is used in messages and as s->path; relative paths resolve
 * against base_dir, or the directory of name when base_dir is NULL. */
rb_suite *rb_suite_load_buffer(const char *data, size_t len, const char *name,
                               const char *base_dir, char *err, size_t errlen);
/* A parameter a scenario declares (as its rb.param calls do). */
typedef struct rb_param_decl {
    const char *name;
    const char *type;         /* integer, number, boolean, string, size, duration */
} rb_param_decl;
/* Checks scenario sc's params and matrix against the parameters it declares:
 * every key must be declared and every value must be of its type
 * (rb_param_parse). Returns 0, or -1 with "FILE:LINE:COL: ..." in err. */
int rb_suite_check_params(const rb_suite *s, const rb_suite_scenario *sc, const rb_param_decl *decl, size_t n,
                          char *err, size_t errlen);
/* Frees a suite (NULL ok). */
void rb_suite_free(rb_suite *s);
/* Expands the suite into runs, in order registry x scenario x combination. */
rb_suite_run *rb_suite_expand(const rb_suite *s, size_t *n_runs);
/* Frees what rb_suite_expand returned. */
void rb_suite_runs_free(rb_suite_run *runs, size_t n);

#endif
