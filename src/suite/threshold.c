/* threshold: k6-style thresholds (see rb_threshold.h): the expression
 * grammar, and evaluation over suite results. A threshold is checked in every phase of every run it
 * applies to; `errors` and `ops` are checked per run (all phases added). A
 * threshold that finds nothing to check fails with "no data", so a typo in
 * an operation kind cannot pass silently. Statistics are read as the stat
 * table (rb_stat.h) says. */
#include "suite/rb_threshold.h"
#include "measure/rb_stat.h"
#include "results/rb_load.h"
#include "util/rb_util.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

/* ---- parsing ------------------------------------------------------------- */

void rb_threshold_clear(rb_threshold *t)
{
    if (!t) return;
    free(t->expr);
    free(t->metric);
    free(t->kind);
    free(t->stat);
    free(t->scenario);
    free(t->registry);
    free(t->phase);
    memset(t, 0, sizeof *t);
}

int rb_threshold_parse(const char *expr, rb_threshold *t, char *err, size_t errlen)
{
    static const char *grammar = "expected METRIC OP VALUE, e.g. 'errors == 0' or 'push.p95 < 500ms'";
    memset(t, 0, sizeof *t);
    if (!expr || !*expr) return rb_err(err, errlen, "empty threshold; %s", grammar);
    const char *p = expr;
    while (isspace((unsigned char)*p)) p++;
    const char *ms = p;
    while (isalnum((unsigned char)*p) || *p == '_' || *p == '.' || *p == '-') p++;
    size_t mlen = (size_t)(p - ms);
    if (mlen == 0) return rb_err(err, errlen, "no metric in '%s'; %s", expr, grammar);
    while (isspace((unsigned char)*p)) p++;
    static const char *const ops[] = {"<=", ">=", "==", "!=", "<", ">"};
    const char *op = NULL;
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (strncmp(p, ops[i], strlen(ops[i])) == 0) { op = ops[i]; break; }
    if (!op) {
        const char *oe = p;
        while (*oe && strchr("<>=!~", *oe)) oe++;
        if (oe == p) while (*oe && !isspace((unsigned char)*oe)) oe++;
        return rb_err(err, errlen, "unknown operator '%.*s' in '%s'; accepted: <, <=, >, >=, ==, !=",
                      (int)(oe - p), p, expr);
    }
    p += strlen(op);
    if (*p && strchr("<>=!", *p))
        return rb_err(err, errlen, "unknown operator '%s%c' in '%s'; accepted: <, <=, >, >=, ==, !=", op, *p, expr);
    while (isspace((unsigned char)*p)) p++;
    size_t vlen = strlen(p);
    while (vlen && isspace((unsigned char)p[vlen - 1])) vlen--;
    if (vlen == 0) return rb_err(err, errlen, "no value after '%s' in '%s'; %s", op, expr, grammar);
    char *value = rb_asprintf("%.*s", (int)vlen, p);
    char *metric = rb_asprintf("%.*s", (int)mlen, ms);
    char *kind = NULL, *stat = NULL;
    const rb_stat *st = NULL;   /* the statistic's row in the stat table */
    double v = 0;
    char stat_list[256];
    rb_stat_names(stat_list, sizeof stat_list);

    char *dot = strchr(metric, '.');
    if (!dot) {
        st = rb_stat_find(metric);
        if (!st || !st->whole_run) {
            rb_err(err, errlen, "unknown metric '%s' in '%s'; accepted: errors, ops, or KIND.STAT "
                   "(KIND an operation kind such as push, pull or total; STAT one of %s)", metric, expr, stat_list);
            goto fail;
        }
    } else {
        kind = rb_asprintf("%.*s", (int)(dot - metric), metric);
        stat = rb_strdup(dot + 1);
        int ok = *kind != 0;
        for (const char *q = kind; ok && *q; q++) ok = isalnum((unsigned char)*q) || *q == '_' || *q == '-';
        if (!ok) {
            rb_err(err, errlen, "bad operation kind '%s' in '%s'; expected a name such as push, pull, "
                   "blob_get or total", kind, expr);
            goto fail;
        }
        if (!(st = rb_stat_find(stat))) {
            rb_err(err, errlen, "unknown statistic '%s' in '%s'; accepted: %s", stat, expr, stat_list);
            goto fail;
        }
    }
    if (st->latency) {
        double secs;
        char derr[RB_ERRLEN];
        if (rb_parse_decimal(value, &v) == 0) {
            /* a bare number is milliseconds */
        } else if (rb_parse_duration(value, &secs, derr, sizeof derr) == 0 && isfinite(secs)) {
            v = secs * 1000.0;
        } else {
            rb_err(err, errlen, "bad value '%s' for latency statistic %s in '%s'; expected a duration "
                   "(500ms, 2s, 1m30s) or a number of milliseconds", value, metric, expr);
            goto fail;
        }
        if (v < 0) {
            rb_err(err, errlen, "negative latency '%s' in '%s'", value, expr);
            goto fail;
        }
    } else if (rb_parse_decimal(value, &v) < 0) {
        rb_err(err, errlen, "bad value '%s' for %s in '%s'; expected a number", value, metric, expr);
        goto fail;
    } else if (st->fraction && (v < 0 || v > 1)) {
        rb_err(err, errlen, "%s is a fraction 0..1, not '%s' (in '%s')", st->name, value, expr);
        goto fail;
    }
    free(value);
    t->expr = rb_strdup(expr);
    t->metric = metric;
    t->kind = kind;
    t->stat = stat;
    memcpy(t->op, op, strlen(op) + 1);
    t->value = v;
    return 0;
fail:
    free(value);
    free(metric);
    free(kind);
    free(stat);
    return -1;
}


/* ---- evaluation ------------------------------------------------------------ */

static int holds(double v, const char *op, double want)
{
    if (strcmp(op, "<") == 0) return v < want;
    if (strcmp(op, "<=") == 0) return v <= want;
    if (strcmp(op, ">") == 0) return v > want;
    if (strcmp(op, ">=") == 0) return v >= want;
    if (strcmp(op, "==") == 0) return fabs(v - want) < 1e-9;
    if (strcmp(op, "!=") == 0) return fabs(v - want) >= 1e-9;
    return 0;
}

/* The value of statistic st of KIND in a phase; NAN when the phase has no
 * such kind or value. */
static double phase_value(const json_t *phase, const char *kind, const rb_stat *st)
{
    const json_t *s = strcmp(kind, "total") == 0 ? phase : json_object_get(json_object_get(phase, "by_op"), kind);
    if (!json_is_object(s)) return NAN;
    return rb_json_stat(s, st);
}

json_t *rb_thresholds_eval(const rb_threshold *t, size_t n, const json_t *suite, int *n_failed)
{
    json_t *out = json_array();
    *n_failed = 0;
    const json_t *runs = json_object_get(suite, "runs");
    for (size_t i = 0; i < n; i++) {
        const rb_threshold *th = &t[i];
        const rb_stat *st = rb_stat_find(th->kind ? th->stat : th->metric);   /* NULL: nothing to check */
        json_t *failures = json_array();
        int checked = 0;
        size_t ri;
        const json_t *run;
        json_array_foreach(runs, ri, run) {
            if (th->registry && strcmp(th->registry, rb_json_str(run, "registry")) != 0) continue;
            if (th->scenario && strcmp(th->scenario, rb_json_str(run, "scenario")) != 0) continue;
            char where[512];
            snprintf(where, sizeof where, "%s/%s%s%s rep %lld", rb_json_str(run, "registry"), rb_json_str(run, "scenario"),
                     rb_json_str(run, "label")[0] ? " " : "", rb_json_str(run, "label"),
                     (long long)json_integer_value(json_object_get(run, "repetition")));
            const json_t *phases = json_object_get(run, "phases");
            if (!th->kind) {   /* errors / ops over the whole run */
                double total = 0;
                size_t pi;
                const json_t *ph;
                json_array_foreach(phases, pi, ph) {
                    if (th->phase && strcmp(th->phase, rb_json_str(ph, "name")) != 0) continue;
                    double v = st ? rb_json_stat(ph, st) : NAN;
                    if (!isnan(v)) total += v;
                }
                checked++;
                if (!holds(total, th->op, th->value))
                    json_array_append_new(failures, json_sprintf("%s: %s = %g", where, th->metric, total));
                continue;
            }
            size_t pi;
            const json_t *ph;
            json_array_foreach(phases, pi, ph) {
                if (th->phase && strcmp(th->phase, rb_json_str(ph, "name")) != 0) continue;
                double v = st ? phase_value(ph, th->kind, st) : NAN;
                if (isnan(v)) continue;
                checked++;
                if (!holds(v, th->op, th->value))
                    json_array_append_new(failures, json_sprintf("%s phase %s: %s.%s = %g%s", where, rb_json_str(ph, "name"),
                                                                 th->kind, th->stat, v, st->latency ? " ms" : ""));
            }
        }
        if (checked == 0)
            json_array_append_new(failures, json_string("no data: nothing in the results matched this threshold"));
        int passed = json_array_size(failures) == 0;
        if (!passed) (*n_failed)++;
        json_t *o = json_object();
        json_object_set_new(o, "expr", json_string(th->expr));
        if (th->scenario) json_object_set_new(o, "scenario", json_string(th->scenario));
        if (th->registry) json_object_set_new(o, "registry", json_string(th->registry));
        if (th->phase) json_object_set_new(o, "phase", json_string(th->phase));
        json_object_set_new(o, "passed", json_boolean(passed));
        json_object_set_new(o, "checked", json_integer(checked));
        json_object_set_new(o, "failures", failures);
        json_array_append_new(out, o);
    }
    return out;
}
