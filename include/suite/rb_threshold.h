/* rb_threshold: k6-style thresholds: the grammar, the names they may use, and
 * their check against results documents.
 *
 *   NAME.STAT OP VALUE          push.p95 < 500ms, checks.rate == 1
 *   NAME{tag=value}.STAT OP VALUE   checks{check=status is 200}.rate > 0.99
 *   errors OP VALUE, ops OP VALUE   summed over a run
 *
 * NAME is an operation kind (a built-in one, "total" for a phase's headline,
 * "iteration[/KIND]" from rb.rate, or one a scenario declares), a custom
 * metric a scenario declares, or "checks" (rb.check). It is matched
 * longest-first, so names may contain dots. STAT depends on what NAME is
 * (docs/suite-format.md lists them); VALUE takes its unit: a duration (or
 * milliseconds) for operation latencies, a fraction 0..1 for rates, a plain
 * number otherwise. Operation thresholds are checked in every phase; custom
 * metrics and checks over the whole run unless a phase is named.
 *
 *   conformance.STAT OP N       conformance.fail == 0 (STAT: pass, fail, skip,
 *                               disabled, total)
 *
 * is checked per registry of a suite that ran the OCI conformance suite on it
 * (suite["registries"][i]["conformance"]); a registry where it was
 * unavailable fails it. */
#ifndef RB_THRESHOLD_H
#define RB_THRESHOLD_H

#include <jansson.h>
#include <stddef.h>

/* What a threshold's NAME turned out to be. */
typedef enum {
    RB_TH_UNRESOLVED = 0,     /* parsed, NAME not (yet) known: resolve it with the scenario's names */
    RB_TH_RUN,                /* errors or ops, summed over a run */
    RB_TH_OP,                 /* an operation kind, per phase */
    RB_TH_METRIC,             /* a custom metric or checks, over the run (or a named phase) */
    RB_TH_CONFORMANCE,        /* conformance.pass|fail|skip|disabled|total: per registry of a suite */
} rb_th_target;

typedef struct rb_threshold {
    char *expr;               /* as written, e.g. "push.p95 < 500ms" */
    char *metric;             /* the left side without tags: "errors", "push.p95", "checks.rate" */
    char *kind;               /* NAME, or NULL for errors/ops */
    char *tags;               /* "k=v,k2=v2" sorted by key from NAME{...}, or NULL */
    char *stat;               /* STAT, or NULL for errors/ops */
    char op[3];               /* "<", "<=", ">", ">=", "==", "!=" */
    char *value_text;         /* VALUE as written */
    double value;             /* in results.json's unit (latencies: milliseconds); set once resolved */
    rb_th_target target;
    int metric_type;          /* RB_TH_METRIC: its rb_metric_type */
    char *scenario, *registry, *phase;   /* filters, or NULL */
    int line;                 /* where a suite file wrote it, or 0 */
} rb_threshold;

/* The names a scenario declares, that thresholds may use besides the
 * built-in ones. */
typedef struct rb_threshold_names {
    const char *const *metrics;   /* custom metric names */
    const int *types;             /* their types (rb_metric_type) */
    size_t n_metrics;
    const char *const *ops;       /* operation kinds it declares */
    size_t n_ops;
} rb_threshold_names;

/* Parses one threshold expression into t (zeroed first: no filters, line 0)
 * and resolves it against the built-in names. A NAME that is not built in
 * leaves t RB_TH_UNRESOLVED (rb_threshold_resolve decides). Returns 0, or -1
 * with a message naming what is wrong and what is accepted (t left zeroed). */
int rb_threshold_parse(const char *expr, rb_threshold *t, char *err, size_t errlen);
/* Resolves t against the built-in names and names (may be NULL): which NAME
 * it is, whether STAT applies to it, VALUE in its unit. Returns 0, or -1
 * with a message ("unknown metric 'psh'; ...", "trend 'x' has no
 * statistic 'rate'"). */
int rb_threshold_resolve(rb_threshold *t, const rb_threshold_names *names, char *err, size_t errlen);
/* Frees the strings of a threshold (t itself is not freed) and zeroes it. */
void rb_threshold_clear(rb_threshold *t);

/* Evaluates every threshold over suite["runs"]; returns a JSON array of
 * {expr, passed, checked, failures[]} (new reference) and sets *n_failed.
 * An unresolved threshold fails with the reason. */
json_t *rb_thresholds_eval(const rb_threshold *t, size_t n, const json_t *suite, int *n_failed);

#endif
