/* rb_threshold: k6-style thresholds ("push.p95 < 500ms"): the parsed form,
 * the expression parser, and the check of thresholds against the runs of a
 * suite results document, saying which held. */
#ifndef RB_THRESHOLD_H
#define RB_THRESHOLD_H

#include <jansson.h>
#include <stddef.h>

typedef struct rb_threshold {
    char *expr;               /* as written, e.g. "push.p95 < 500ms" */
    char *metric;             /* "errors", "ops" or "KIND.STAT" */
    char *kind;               /* KIND, or NULL for errors/ops */
    char *stat;               /* STAT (a name of the stat table, rb_stat.h), or NULL */
    char op[3];               /* "<", "<=", ">", ">=", "==", "!=" */
    double value;             /* latency stats: milliseconds */
    char *scenario, *registry, *phase;   /* filters, or NULL */
    int line;
} rb_threshold;

/* Parses one threshold expression into t (expr, metric, kind, stat, op,
 * value; t is zeroed first, so the filters are NULL and line 0). Returns 0,
 * or -1 with a message naming what is wrong and what is accepted (t is then
 * left zeroed). */
int rb_threshold_parse(const char *expr, rb_threshold *t, char *err, size_t errlen);
/* Frees the strings of a threshold (t itself is not freed) and zeroes it. */
void rb_threshold_clear(rb_threshold *t);

/* Evaluates every threshold over suite["runs"]; returns a JSON array of
 * {expr, passed, checked, failures[]} (new reference) and sets *n_failed. */
json_t *rb_thresholds_eval(const rb_threshold *t, size_t n, const json_t *suite, int *n_failed);

#endif
