/* threshold: k6-style thresholds (see rb_threshold.h): the grammar, the
 * resolution of NAME against the built-in and declared names, and the
 * evaluation over results documents. Operation thresholds are checked in
 * every phase of every run they apply to; `errors` and `ops` per run (all
 * phases added); custom metrics and checks over each run (or the phase
 * named). A threshold that finds nothing to check fails with "no data", so
 * a typo cannot pass silently. Phase statistics are read as the stat table
 * (rb_stat.h) says; custom metrics as results.json writes them. */
#include "suite/rb_threshold.h"
#include "measure/rb_metrics.h"
#include "measure/rb_stat.h"
#include "results/rb_load.h"
#include "util/rb_util.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GRAMMAR "expected NAME.STAT OP VALUE, e.g. 'errors == 0', 'push.p95 < 500ms' or 'checks.rate == 1'"

/* The statistics of a custom metric, by type (RB_METRIC_*), as results.json
 * names their fields; each list ends with NULL. */
static const char *const TREND_STATS[] = {"count", "min", "mean", "max", "p50", "p90", "p95", "p99", "p999", NULL};
static const char *const COUNTER_STATS[] = {"count", "value", "rate", NULL};
static const char *const GAUGE_STATS[] = {"count", "value", "min", "max", NULL};
static const char *const RATE_STATS[] = {"count", "rate", "passes", "fails", NULL};

static const char *const *metric_stats(int type)
{
    switch (type) {
    case RB_METRIC_TREND: return TREND_STATS;
    case RB_METRIC_COUNTER: return COUNTER_STATS;
    case RB_METRIC_GAUGE: return GAUGE_STATS;
    default: return RATE_STATS;
    }
}

static int in_list(const char *const *list, const char *s)
{
    for (; *list; list++)
        if (strcmp(*list, s) == 0) return 1;
    return 0;
}

static void join(const char *const *list, char *buf, size_t len)
{
    size_t k = 0;
    buf[0] = 0;
    for (size_t i = 0; list[i] && k < len; i++) {
        int w = snprintf(buf + k, len - k, "%s%s", i ? ", " : "", list[i]);
        if (w < 0) break;
        k += (size_t)w;
    }
}

/* Whether s is a statistic of anything a threshold can name. */
static int known_stat(const char *s)
{
    return rb_stat_find(s) || strcmp(s, "count") == 0 || in_list(TREND_STATS, s) || in_list(COUNTER_STATS, s) ||
           in_list(GAUGE_STATS, s) || in_list(RATE_STATS, s);
}

void rb_threshold_clear(rb_threshold *t)
{
    if (!t) return;
    free(t->expr);
    free(t->metric);
    free(t->kind);
    free(t->tags);
    free(t->stat);
    free(t->value_text);
    free(t->scenario);
    free(t->registry);
    free(t->phase);
    memset(t, 0, sizeof *t);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Parses "k=v, k2=v2" (the inside of NAME{...}) into "k=v,k2=v2" sorted by
 * key, as the metrics store keys its series. NULL with err on a bad pair. */
static char *parse_tags(const char *in, size_t len, const char *expr, char *err, size_t errlen)
{
    char *copy = rb_asprintf("%.*s", (int)len, in);
    char *pairs[32];
    size_t n = 0;
    char *save = NULL;
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        while (isspace((unsigned char)*tok)) tok++;
        size_t tl = strlen(tok);
        while (tl && isspace((unsigned char)tok[tl - 1])) tok[--tl] = 0;
        char *eq = strchr(tok, '=');
        if (!eq || eq == tok || n == 32) {
            rb_err(err, errlen, "bad tag '%s' in '%s'; expected NAME{tag=value, ...}", tok, expr);
            free(copy);
            return NULL;
        }
        char *k = tok, *v = eq + 1;
        *eq = 0;
        size_t kl = strlen(k);
        while (kl && isspace((unsigned char)k[kl - 1])) k[--kl] = 0;
        while (isspace((unsigned char)*v)) v++;
        pairs[n++] = rb_asprintf("%s=%s", k, v);
    }
    free(copy);
    if (n == 0) {
        rb_err(err, errlen, "empty tag filter {} in '%s'", expr);
        return NULL;
    }
    qsort(pairs, n, sizeof *pairs, cmp_str);
    size_t total = 0;
    for (size_t i = 0; i < n; i++) total += strlen(pairs[i]) + 1;
    char *out = rb_malloc(total + 1);
    out[0] = 0;
    for (size_t i = 0; i < n; i++) {
        if (i) strcat(out, ",");
        strcat(out, pairs[i]);
        free(pairs[i]);
    }
    return out;
}

/* Whether c may appear in a NAME (custom metric names use letters, digits
 * and _ . - /; operation kinds too). */
static int name_char(char c)
{
    return isalnum((unsigned char)c) || c == '_' || c == '.' || c == '-' || c == '/';
}

int rb_threshold_parse(const char *expr, rb_threshold *t, char *err, size_t errlen)
{
    memset(t, 0, sizeof *t);
    if (!expr || !*expr) return rb_err(err, errlen, "empty threshold; " GRAMMAR);
    const char *p = expr;
    while (isspace((unsigned char)*p)) p++;
    /* the left side: NAME[{tags}][.STAT] */
    const char *ls = p;
    while (name_char(*p)) p++;
    const char *name_end = p;
    const char *tags_in = NULL;
    size_t tags_len = 0;
    if (*p == '{') {
        tags_in = ++p;
        while (*p && *p != '}') p++;
        if (*p != '}') return rb_err(err, errlen, "unclosed '{' in '%s'; " GRAMMAR, expr);
        tags_len = (size_t)(p - tags_in);
        p++;
        if (*p != '.') return rb_err(err, errlen, "no statistic after the tags in '%s'; " GRAMMAR, expr);
        while (name_char(*p)) p++;   /* ".STAT" */
    }
    const char *le = p;
    if (le == ls) return rb_err(err, errlen, "no metric in '%s'; " GRAMMAR, expr);
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
    if (vlen == 0) return rb_err(err, errlen, "no value after '%s' in '%s'; " GRAMMAR, op, expr);

    char *tags = NULL;
    if (tags_in && !(tags = parse_tags(tags_in, tags_len, expr, err, errlen))) return -1;
    /* NAME and STAT: STAT has no dot, so it is what follows the last one */
    char *metric, *kind = NULL, *stat = NULL;
    if (tags_in) {
        kind = rb_asprintf("%.*s", (int)(tags_in - 1 - ls), ls);
        stat = rb_asprintf("%.*s", (int)(le - name_end - tags_len - 3), name_end + tags_len + 3);
        metric = rb_asprintf("%s.%s", kind, stat);
    } else {
        metric = rb_asprintf("%.*s", (int)(le - ls), ls);
        char *dot = strrchr(metric, '.');
        if (dot) {
            kind = rb_asprintf("%.*s", (int)(dot - metric), metric);
            stat = rb_strdup(dot + 1);
        }
    }
    char stat_list[256];
    rb_stat_names(stat_list, sizeof stat_list);
    if (kind && (!*kind || !*stat)) {
        rb_err(err, errlen, "bad name '%s' in '%s'; " GRAMMAR, metric, expr);
        goto fail;
    }
    if (stat && !known_stat(stat) && !(kind && strcmp(kind, "conformance") == 0)) {
        rb_err(err, errlen, "unknown statistic '%s' in '%s'; accepted: %s for operations, count, rate and "
               "value for custom metrics (docs/suite-format.md)", stat, expr, stat_list);
        goto fail;
    }
    t->expr = rb_strdup(expr);
    t->metric = metric;
    t->kind = kind;
    t->stat = stat;
    t->tags = tags;
    memcpy(t->op, op, strlen(op) + 1);
    t->value_text = rb_asprintf("%.*s", (int)vlen, p);
    if (rb_threshold_resolve(t, NULL, err, errlen) < 0 && (!kind || t->target != RB_TH_UNRESOLVED)) {
        rb_threshold_clear(t);
        return -1;
    }
    return 0;
fail:
    free(metric);
    free(kind);
    free(stat);
    free(tags);
    return -1;
}

/* VALUE for statistic st of an operation: a duration for latencies, a
 * fraction for error_rate, else a plain number. */
static int op_value(rb_threshold *t, const rb_stat *st, char *err, size_t errlen)
{
    const char *value = t->value_text;
    double v;
    if (st->latency) {
        double secs;
        char derr[RB_ERRLEN];
        if (rb_parse_decimal(value, &v) == 0) {
            /* a bare number is milliseconds */
        } else if (rb_parse_duration(value, &secs, derr, sizeof derr) == 0 && isfinite(secs)) {
            v = secs * 1000.0;
        } else {
            return rb_err(err, errlen, "bad value '%s' for latency statistic %s in '%s'; expected a duration "
                          "(500ms, 2s, 1m30s) or a number of milliseconds", value, t->metric, t->expr);
        }
        if (v < 0) return rb_err(err, errlen, "negative latency '%s' in '%s'", value, t->expr);
    } else if (rb_parse_decimal(value, &v) < 0) {
        return rb_err(err, errlen, "bad value '%s' for %s in '%s'; expected a number", value, t->metric, t->expr);
    } else if (st->fraction && (v < 0 || v > 1)) {
        return rb_err(err, errlen, "%s is a fraction 0..1, not '%s' (in '%s')", st->name, value, t->expr);
    }
    t->value = v;
    return 0;
}

/* VALUE for a statistic of a custom metric: a plain number, a fraction for a rate. */
static int metric_value(rb_threshold *t, char *err, size_t errlen)
{
    double v;
    if (rb_parse_decimal(t->value_text, &v) < 0)
        return rb_err(err, errlen, "bad value '%s' for %s in '%s'; expected a number (custom metrics are "
                      "compared in their own unit)", t->value_text, t->metric, t->expr);
    if (t->metric_type == RB_METRIC_RATE && strcmp(t->stat, "rate") == 0 && (v < 0 || v > 1))
        return rb_err(err, errlen, "%s is a fraction 0..1, not '%s' (in '%s')", t->metric, t->value_text, t->expr);
    t->value = v;
    return 0;
}

int rb_threshold_resolve(rb_threshold *t, const rb_threshold_names *names, char *err, size_t errlen)
{
    if (!t->kind) {   /* errors / ops over a run */
        const rb_stat *st = rb_stat_find(t->metric);
        if (!st || !st->whole_run) {
            char stat_list[256];
            rb_stat_names(stat_list, sizeof stat_list);
            return rb_err(err, errlen, "unknown metric '%s' in '%s'; accepted: errors, ops, or NAME.STAT "
                          "(NAME an operation kind such as push, pull or total, a custom metric or checks; "
                          "STAT one of %s)", t->metric, t->expr, stat_list);
        }
        t->target = RB_TH_RUN;
        return op_value(t, st, err, errlen);
    }
    if (strcmp(t->kind, "conformance") == 0) {   /* the OCI conformance suite's counts, per registry */
        static const char *const conf_stats[] = {"pass", "fail", "skip", "disabled", "total", NULL};
        t->target = RB_TH_CONFORMANCE;
        if (t->tags) return rb_err(err, errlen, "conformance takes no tag filter (in '%s')", t->expr);
        if (!in_list(conf_stats, t->stat))
            return rb_err(err, errlen, "conformance has no statistic '%s' (in '%s'); accepted: pass, fail, skip, "
                          "disabled, total", t->stat, t->expr);
        if (rb_parse_decimal(t->value_text, &t->value) < 0 || t->value < 0)
            return rb_err(err, errlen, "bad value '%s' for %s in '%s'; expected a count of tests", t->value_text,
                          t->metric, t->expr);
        return 0;
    }
    /* a custom metric the scenario declares, or checks */
    int type = -1;
    if (strcmp(t->kind, "checks") == 0) type = RB_METRIC_RATE;
    for (size_t i = 0; names && i < names->n_metrics && type < 0; i++)
        if (strcmp(names->metrics[i], t->kind) == 0) type = names->types[i];
    if (type >= 0) {
        t->target = RB_TH_METRIC;
        t->metric_type = type;
        const char *const *allowed = metric_stats(type);
        if (!in_list(allowed, t->stat)) {
            char list[128];
            join(allowed, list, sizeof list);
            return rb_err(err, errlen, "%s '%s' has no statistic '%s' (in '%s'); accepted: %s",
                          rb_metric_type_name((rb_metric_type)type), t->kind, t->stat, t->expr, list);
        }
        return metric_value(t, err, errlen);
    }
    /* an operation kind: built in, or declared */
    int op = rb_op_builtin(t->kind);
    for (size_t i = 0; names && i < names->n_ops && !op; i++) op = strcmp(names->ops[i], t->kind) == 0;
    if (!op) {
        t->target = RB_TH_UNRESOLVED;
        return rb_err(err, errlen, "unknown metric '%s' in '%s': not an operation kind regbench records (push, pull, "
                      "blob_get, total, ...: docs/suite-format.md), nor a metric or operation the scenario "
                      "declares (rb.metrics.trend/counter/gauge/rate/op), nor checks", t->kind, t->expr);
    }
    t->target = RB_TH_OP;
    if (t->tags)
        return rb_err(err, errlen, "operation '%s' takes no tag filter (in '%s'); tags select series of custom "
                      "metrics and checks", t->kind, t->expr);
    const rb_stat *st = strcmp(t->stat, "count") == 0 ? rb_stat_get(RB_STAT_OPS) : rb_stat_find(t->stat);
    if (!st) {
        char stat_list[256];
        rb_stat_names(stat_list, sizeof stat_list);
        return rb_err(err, errlen, "operation '%s' has no statistic '%s' (in '%s'); accepted: count, %s", t->kind,
                      t->stat, t->expr, stat_list);
    }
    return op_value(t, st, err, errlen);
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

/* The statistic of an operation threshold in a phase; NAN when the phase
 * has no such kind or value. */
static const rb_stat *op_stat(const rb_threshold *t)
{
    return strcmp(t->stat, "count") == 0 ? rb_stat_get(RB_STAT_OPS) : rb_stat_find(t->stat);
}

static double phase_value(const json_t *phase, const rb_threshold *t)
{
    const json_t *s = strcmp(t->kind, "total") == 0 ? phase : json_object_get(json_object_get(phase, "by_op"), t->kind);
    if (!json_is_object(s)) return NAN;
    return rb_json_stat(s, op_stat(t));
}

/* Whether the series' tags ("k=v,k2=v2") hold every pair of want. */
static int tags_hold(const char *have, const char *want)
{
    if (!want) return 1;
    char *copy = rb_strdup(want), *save = NULL;
    int ok = 1;
    for (char *pair = strtok_r(copy, ",", &save); pair && ok; pair = strtok_r(NULL, ",", &save)) {
        size_t n = strlen(pair);
        const char *h = have;
        ok = 0;
        while (h && *h && !ok) {
            ok = strncmp(h, pair, n) == 0 && (h[n] == ',' || h[n] == 0);
            h = strchr(h, ',');
            if (h) h++;
        }
    }
    free(copy);
    return ok;
}

/* The value of a custom-metric threshold over a metrics object (results.json's
 * "metrics", of a run or a phase): the series of NAME whose tags hold the
 * filter, added up for counters and rates; for trends and gauges exactly one
 * must match. Returns NAN with *why set when it cannot be had. */
static double metrics_value(const json_t *metrics, const rb_threshold *t, const char **why)
{
    double passes = 0, fails = 0, count = 0, value = 0, rate = 0, one = NAN;
    size_t matched = 0;
    const char *key;
    json_t *m;
    *why = NULL;
    json_object_foreach((json_t *)metrics, key, m) {
        if (strcmp(rb_json_str(m, "name"), t->kind) != 0 || !tags_hold(rb_json_str(m, "tags"), t->tags)) continue;
        matched++;
        count += rb_json_num(m, "count");
        if (t->metric_type == RB_METRIC_RATE) {
            passes += rb_json_num(m, "passes");
            fails += rb_json_num(m, "fails");
        } else if (t->metric_type == RB_METRIC_COUNTER) {
            value += rb_json_num(m, "value");
            rate += rb_json_num(m, "rate");
        }
        one = rb_json_num(m, t->stat);
    }
    if (matched == 0) return NAN;
    if (strcmp(t->stat, "count") == 0) return count;
    if (t->metric_type == RB_METRIC_RATE) {
        if (strcmp(t->stat, "passes") == 0) return passes;
        if (strcmp(t->stat, "fails") == 0) return fails;
        return passes + fails > 0 ? passes / (passes + fails) : 0;
    }
    if (t->metric_type == RB_METRIC_COUNTER) return strcmp(t->stat, "rate") == 0 ? rate : value;
    if (matched > 1) {
        *why = "several series match: name one with NAME{tag=value}";
        return NAN;
    }
    return one;
}

/* "registry/scenario label rep N" of a run. */
/* The start of a failure's text naming the run: `where` for a run-wide
 * value ("crane/bulk rep 2: "), `wherep` before "phase NAME" ("crane/bulk
 * rep 2 "); both "" for the results of a single run, where they would say
 * nothing. */
static void run_where(const json_t *run, int single, char *where, char *wherep, size_t len)
{
    if (single) {
        where[0] = wherep[0] = '\0';
        return;
    }
    snprintf(wherep, len, "%s/%s%s%s rep %lld ", rb_json_str(run, "registry"), rb_json_str(run, "scenario"),
             rb_json_str(run, "label")[0] ? " " : "", rb_json_str(run, "label"),
             (long long)json_integer_value(json_object_get(run, "repetition")));
    snprintf(where, len, "%.*s: ", (int)strlen(wherep) - 1, wherep);
}

/* Checks threshold th in one run; adds to *checked and to failures. */
static void eval_run(const rb_threshold *th, const json_t *run, int single, int *checked, json_t *failures)
{
    char where[512], wherep[512];
    run_where(run, single, where, wherep, sizeof where);
    const json_t *phases = json_object_get(run, "phases");
    size_t pi;
    const json_t *ph;
    if (th->target == RB_TH_RUN) {   /* errors / ops over the whole run */
        const rb_stat *st = rb_stat_find(th->metric);
        double total = 0;
        json_array_foreach(phases, pi, ph) {
            if (th->phase && strcmp(th->phase, rb_json_str(ph, "name")) != 0) continue;
            double v = rb_json_stat(ph, st);
            if (!isnan(v)) total += v;
        }
        (*checked)++;
        if (!holds(total, th->op, th->value))
            json_array_append_new(failures, json_sprintf("%s%s = %g", where, th->metric, total));
        return;
    }
    if (th->target == RB_TH_METRIC) {   /* a custom metric: the run's, or the named phase's */
        const char *why = NULL;
        char side[512];   /* the left side as written, tags included */
        if (th->tags) snprintf(side, sizeof side, "%s{%s}.%s", th->kind, th->tags, th->stat);
        else snprintf(side, sizeof side, "%s", th->metric);
        if (!th->phase) {
            double v = metrics_value(json_object_get(run, "metrics"), th, &why);
            if (why) json_array_append_new(failures, json_sprintf("%s%s", where, why));
            if (isnan(v)) return;
            (*checked)++;
            if (!holds(v, th->op, th->value))
                json_array_append_new(failures, json_sprintf("%s%s = %g", where, side, v));
            return;
        }
        json_array_foreach(phases, pi, ph) {
            if (strcmp(th->phase, rb_json_str(ph, "name")) != 0) continue;
            double v = metrics_value(json_object_get(ph, "metrics"), th, &why);
            if (why) json_array_append_new(failures, json_sprintf("%sphase %s: %s", wherep, th->phase, why));
            if (isnan(v)) continue;
            (*checked)++;
            if (!holds(v, th->op, th->value))
                json_array_append_new(failures, json_sprintf("%sphase %s: %s = %g", wherep, th->phase, side, v));
        }
        return;
    }
    json_array_foreach(phases, pi, ph) {
        if (th->phase && strcmp(th->phase, rb_json_str(ph, "name")) != 0) continue;
        double v = phase_value(ph, th);
        if (isnan(v)) continue;
        (*checked)++;
        if (!holds(v, th->op, th->value))
            json_array_append_new(failures, json_sprintf("%sphase %s: %s.%s = %g%s", wherep, rb_json_str(ph, "name"),
                                                         th->kind, th->stat, v, op_stat(th)->latency ? " ms" : ""));
    }
}

/* Checks a conformance threshold on each registry of the suite that asked
 * for the conformance suite; one where it was unavailable fails it. */
static void eval_conformance(const rb_threshold *th, const json_t *suite, int *checked, json_t *failures)
{
    size_t i;
    const json_t *reg;
    json_array_foreach(json_object_get(suite, "registries"), i, reg) {
        const char *name = rb_json_str(reg, "name");
        if (th->registry && strcmp(th->registry, name) != 0) continue;
        const json_t *c = json_object_get(reg, "conformance");
        if (!json_is_object(c)) continue;
        if (strcmp(rb_json_str(c, "status"), "ran") != 0) {
            json_array_append_new(failures, json_sprintf("%s: conformance unavailable: %s", name,
                                                         rb_json_str(c, "reason")));
            continue;
        }
        double v = (double)json_integer_value(json_object_get(c, th->stat));
        (*checked)++;
        if (!holds(v, th->op, th->value))
            json_array_append_new(failures, json_sprintf("%s: %s = %g", name, th->metric, v));
    }
}

json_t *rb_thresholds_eval(const rb_threshold *t, size_t n, const json_t *suite, int *n_failed)
{
    json_t *out = json_array();
    *n_failed = 0;
    const json_t *runs = json_object_get(suite, "runs");
    /* one run's own results (rb_results_as_suite): failures need not say which run */
    int single = strcmp(rb_json_str(json_object_get(suite, "suite"), "kind"), "run") == 0;
    for (size_t i = 0; i < n; i++) {
        const rb_threshold *th = &t[i];
        json_t *failures = json_array();
        int checked = 0;
        if (th->target == RB_TH_UNRESOLVED) {
            json_array_append_new(failures, json_sprintf("unknown metric '%s': nothing declares it", th->kind));
        } else if (th->target == RB_TH_CONFORMANCE) {
            eval_conformance(th, suite, &checked, failures);
            if (checked == 0 && json_array_size(failures) == 0)
                json_array_append_new(failures, json_string("no data: no registry ran the OCI conformance suite "
                                                            "(conformance: true)"));
        } else {
            size_t ri;
            const json_t *run;
            json_array_foreach(runs, ri, run) {
                if (th->registry && strcmp(th->registry, rb_json_str(run, "registry")) != 0) continue;
                if (th->scenario && strcmp(th->scenario, rb_json_str(run, "scenario")) != 0) continue;
                eval_run(th, run, single, &checked, failures);
            }
            if (checked == 0 && json_array_size(failures) == 0)
                json_array_append_new(failures, json_string("no data: nothing in the results matched this threshold"));
        }
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
