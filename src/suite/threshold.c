/* threshold: evaluation of thresholds over suite results (see
 * rb_threshold.h). A threshold is checked in every phase of every run it
 * applies to; `errors` and `ops` are checked per run (all phases added). A
 * threshold that finds nothing to check fails with "no data", so a typo in
 * an operation kind cannot pass silently. Statistics are read as the stat
 * table (rb_stat.h) says. */
#include "suite/rb_threshold.h"
#include "measure/rb_stat.h"
#include "results/rb_load.h"
#include "util/rb_util.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

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
