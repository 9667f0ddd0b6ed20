/* rb_stat: the one table of the statistics a phase reports, as users write
 * them in thresholds ("p95", "throughput_MBps", "errors") and as the
 * outputs read them: where each sits in a phase object of results.json,
 * whether higher is better, whether it is a latency in milliseconds, the
 * percentile it stands for, and which of them `regbench compare` compares.
 * Thresholds (parsing and evaluation), compare's key metrics, the grouping
 * of phases and results.json's percentile list all read this table. */
#ifndef RB_STAT_H
#define RB_STAT_H

#include <stddef.h>

/* The rows of the table, in its order (the order thresholds list them in);
 * the percentiles come first. */
typedef enum rb_stat_id {
    RB_STAT_P50, RB_STAT_P90, RB_STAT_P95, RB_STAT_P99, RB_STAT_P999,
    RB_STAT_MIN, RB_STAT_MEAN, RB_STAT_MAX,
    RB_STAT_OPS, RB_STAT_ERRORS, RB_STAT_ERROR_RATE, RB_STAT_OPS_PER_S, RB_STAT_MBPS,
    RB_STAT__COUNT
} rb_stat_id;

#define RB_STAT_N_PCT 5   /* the percentiles: ids 0 .. RB_STAT_N_PCT-1 (p50 .. p999) */

typedef struct rb_stat {
    rb_stat_id id;
    const char *name;      /* as users write it: "p95", "ops_per_s" */
    const char *path;      /* in a phase (or by_op) object of results.json: "latency_ms.p95";
                              NULL for error_rate, derived as errors / ops (0 without ops) */
    const char *column;    /* its name in compare's rows and summary.csv's header: "p95_ms" */
    int higher_better;     /* 1: higher is better, 0: lower is better */
    int latency;           /* milliseconds from the latency histogram: only a phase with ops has it */
    double pct;            /* the percentile (95.0), 0 for the others */
    int fraction;          /* a fraction 0..1 */
    int whole_run;         /* also a threshold metric without KIND ("errors == 0"): summed over a run */
    int compare_rank;      /* 1, 2, ...: its place among compare's key metrics; 0: not compared */
} rb_stat;

/* The row of id (id < RB_STAT__COUNT). */
const rb_stat *rb_stat_get(rb_stat_id id);
/* The row named name, or NULL. */
const rb_stat *rb_stat_find(const char *name);
/* Writes every name, in table order, joined by ", " into buf (truncated
 * before the first name that does not fit). */
void rb_stat_names(char *buf, size_t len);
/* Compare's key metrics in their order into out (at most max); returns how many. */
size_t rb_stat_compared(const rb_stat **out, size_t max);

/* Whether kind is an operation kind regbench itself records: "http"
 * (rb.http.request's default), what the OCI client records (push, pull,
 * blob_push, manifest_get, ...), "iteration" and "iteration/KIND" (rb.rate),
 * and "total" (a phase's headline). tests/unit/test_suite.c checks the list
 * against the kinds the Lua files in src/lua/ record. */
int rb_op_builtin(const char *kind);
/* The built-in kinds (without "iteration/KIND"), NULL-terminated. */
const char *const *rb_op_builtins(void);

#endif
