/* restore: a shard's results.json back into a metrics store (see
 * rb_restore.h). Every value results.c wrote is read back with the same
 * meaning; what a merge adds up (counts, bytes, errors, histograms, phase
 * times) must be there and well-formed, or the message names the field and
 * where it is. Figures only shown (client, registry, warnings) fall back to
 * 0 or empty when absent. */
#include "results/rb_restore.h"
#include "util/rb_util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TICKS 65536   /* points in a phase's series (a run writes at most 4096) */

/* Where a message points: "WHAT: phases[1] "push": by_op.http". */
typedef struct where {
    char text[512];
} where;

static int fail(char *err, size_t errlen, const where *w, const char *key, const char *why)
{
    return rb_err(err, errlen, "%s%s%s: %s", w->text, key ? "." : "", key ? key : "", why);
}

/* A non-negative integer at key, else an error naming it. */
static int get_u64(const json_t *o, const char *key, uint64_t *out, const where *w, char *err, size_t errlen)
{
    const json_t *v = json_object_get(o, key);
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return fail(err, errlen, w, key, v ? "not a non-negative integer" : "missing");
    *out = (uint64_t)json_integer_value(v);
    return 0;
}

/* A number at key (integer or real), else dflt. */
static double num_or(const json_t *o, const char *key, double dflt)
{
    const json_t *v = json_object_get(o, key);
    return json_is_number(v) ? json_number_value(v) : dflt;
}

/* A non-negative integer at key, else 0. */
static uint64_t u64_or0(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    if (json_is_integer(v)) return json_integer_value(v) > 0 ? (uint64_t)json_integer_value(v) : 0;
    if (json_is_real(v)) return json_real_value(v) > 0 ? (uint64_t)llround(json_real_value(v)) : 0;
    return 0;
}

/* Element i of an array as a non-negative integer, else 0. */
static uint64_t arr_u64(const json_t *a, size_t i)
{
    const json_t *v = json_array_get(a, i);
    return json_is_integer(v) && json_integer_value(v) > 0 ? (uint64_t)json_integer_value(v) : 0;
}

/* The histogram at key ("hist", rb_hist_encode's text) into h. */
static int get_hist(const json_t *o, rb_hist *h, const where *w, char *err, size_t errlen)
{
    const char *text = json_string_value(json_object_get(o, "hist"));
    if (!text)
        return fail(err, errlen, w, "hist", "missing (only a shard's results carry histograms: run with --shard)");
    char why[RB_ERRLEN];
    if (rb_hist_decode(h, text, why, sizeof why) < 0) return fail(err, errlen, w, "hist", why);
    return 0;
}

/* A headline or by_op entry: counts, errors by class, bytes, histogram. */
static int get_opstats(const json_t *o, rb_opstats *s, const where *w, char *err, size_t errlen)
{
    if (!json_is_object(o)) return fail(err, errlen, w, NULL, "not an object");
    if (get_u64(o, "ops", &s->ops, w, err, errlen) < 0 || get_u64(o, "errors", &s->errors, w, err, errlen) < 0 ||
        get_u64(o, "bytes", &s->bytes, w, err, errlen) < 0)
        return -1;
    const json_t *by = json_object_get(o, "errors_by_class");
    uint64_t sum = 0;
    for (int c = RB_ERR_NONE + 1; c < RB_ERR__COUNT; c++) {
        s->errors_by_class[c] = u64_or0(by, rb_err_class_name((rb_err_class)c));
        sum += s->errors_by_class[c];
    }
    if (sum != s->errors) return fail(err, errlen, w, "errors_by_class", "does not add up to errors");
    if (get_hist(o, &s->latency_us, w, err, errlen) < 0) return -1;
    if (s->latency_us.count != s->ops) return fail(err, errlen, w, "hist", "holds another number of samples than ops");
    return 0;
}

/* The metric type named t, or -1. */
static int metric_type(const char *t)
{
    static const rb_metric_type types[] = {RB_METRIC_TREND, RB_METRIC_COUNTER, RB_METRIC_GAUGE, RB_METRIC_RATE};
    for (size_t i = 0; t && i < sizeof types / sizeof types[0]; i++)
        if (strcmp(t, rb_metric_type_name(types[i])) == 0) return (int)types[i];
    return -1;
}

/* One custom metric (results.json's form) into a new rb_metric. */
static rb_metric *get_metric(const json_t *o, const where *w, char *err, size_t errlen)
{
    const char *name = json_string_value(json_object_get(o, "name"));
    int type = metric_type(json_string_value(json_object_get(o, "type")));
    if (!name || !*name || type < 0) {
        fail(err, errlen, w, NULL, "not a custom metric (needs a name and a type: trend, counter, gauge or rate)");
        return NULL;
    }
    rb_metric *mt = rb_calloc(1, sizeof *mt);
    mt->name = rb_strdup(name);
    const char *tags = json_string_value(json_object_get(o, "tags"));
    mt->tags = rb_strdup(tags ? tags : "");
    mt->type = (rb_metric_type)type;
    rb_hist_init(&mt->hist);
    if (get_u64(o, "count", &mt->count, w, err, errlen) < 0) goto bad;
    switch (mt->type) {
    case RB_METRIC_TREND:
        mt->min = num_or(o, "min", 0);
        mt->max = num_or(o, "max", 0);
        mt->sum = num_or(o, "sum", num_or(o, "mean", 0) * (double)mt->count);
        if (get_hist(o, &mt->hist, w, err, errlen) < 0) goto bad;
        if (mt->hist.count != mt->count) {
            fail(err, errlen, w, "hist", "holds another number of values than count");
            goto bad;
        }
        break;
    case RB_METRIC_COUNTER:
        mt->sum = num_or(o, "sum", num_or(o, "value", 0));
        break;
    case RB_METRIC_GAUGE:
        mt->last = num_or(o, "value", 0);
        mt->min = num_or(o, "min", 0);
        mt->max = num_or(o, "max", 0);
        break;
    case RB_METRIC_RATE:
        mt->trues = u64_or0(o, "passes");
        if (mt->trues > mt->count) {
            fail(err, errlen, w, "passes", "more than count");
            goto bad;
        }
        break;
    }
    return mt;
bad:
    free(mt->name);
    free(mt->tags);
    rb_hist_free(&mt->hist);
    free(mt);
    return NULL;
}

/* A "metrics" object into a list of custom metrics. */
static int get_metrics(const json_t *o, rb_metric ***list, size_t *n, const where *w, char *err, size_t errlen)
{
    if (!o) return 0;
    if (!json_is_object(o)) return fail(err, errlen, w, "metrics", "not an object");
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)o, key, v) {
        where wm;
        snprintf(wm.text, sizeof wm.text, "%s.metrics[\"%s\"]", w->text, key);
        rb_metric *mt = get_metric(v, &wm, err, errlen);
        if (!mt) return -1;
        *list = rb_realloc(*list, (*n + 1) * sizeof **list);
        (*list)[(*n)++] = mt;
    }
    return 0;
}

/* The phase's time series; latency sums from latency_sum_us (a shard's), else from the rounded means. */
static int get_ticks(const json_t *ts, rb_phase *p, const where *w, char *err, size_t errlen)
{
    p->step_s = 1;
    if (!ts) return 0;
    const json_t *ops = json_object_get(ts, "ops"), *errs = json_object_get(ts, "errors"),
                 *bytes = json_object_get(ts, "bytes"), *max = json_object_get(ts, "latency_max_ms"),
                 *mean = json_object_get(ts, "latency_mean_ms"), *sum = json_object_get(ts, "latency_sum_us");
    size_t n = json_array_size(ops);
    uint64_t step = u64_or0(ts, "step_s");
    if (!json_is_array(ops) || json_array_size(errs) != n || json_array_size(bytes) != n ||
        json_array_size(max) != n || (sum && json_array_size(sum) != n) || step == 0 || step > (1u << 20) ||
        n > MAX_TICKS)
        return fail(err, errlen, w, "timeseries", "needs step_s (1 .. 2^20) and arrays ops, errors, bytes, "
                    "latency_max_ms of one length (at most 65536)");
    p->step_s = (uint32_t)step;
    p->ticks = rb_calloc(n ? n : 1, sizeof *p->ticks);
    p->n_ticks = n;
    for (size_t i = 0; i < n; i++) {
        rb_tick *t = &p->ticks[i];
        uint64_t o = arr_u64(ops, i), e = arr_u64(errs, i);
        t->ops = o > UINT32_MAX ? UINT32_MAX : (uint32_t)o;
        t->errors = e > UINT32_MAX ? UINT32_MAX : (uint32_t)e;
        t->bytes = arr_u64(bytes, i);
        double mx = json_number_value(json_array_get(max, i));
        t->lat_max_us = mx > 0 ? (uint64_t)llround(mx * 1000.0) : 0;
        double mn = json_number_value(json_array_get(mean, i));
        t->lat_sum_us = sum ? arr_u64(sum, i) : mn > 0 ? (uint64_t)llround(mn * 1000.0 * (double)t->ops) : 0;
    }
    return 0;
}

/* The registry's view of a phase, when it was sampled. */
static void get_registry(const json_t *r, rb_phase_registry *reg)
{
    reg->storage_bytes = -1;
    if (!json_is_object(r)) return;
    reg->valid = 1;
    reg->cpu_pct_avg = num_or(r, "cpu_pct_avg", 0);
    reg->cpu_pct_max = num_or(r, "cpu_pct_max", 0);
    reg->rss_peak_bytes = u64_or0(r, "rss_peak_bytes");
    reg->rss_end_bytes = u64_or0(r, "rss_end_bytes");
    reg->disk_read_bytes = u64_or0(r, "disk_read_bytes");
    reg->disk_write_bytes = u64_or0(r, "disk_write_bytes");
    const json_t *st = json_object_get(r, "storage_bytes");
    if (json_is_integer(st)) reg->storage_bytes = json_integer_value(st);
    const json_t *prom = json_object_get(r, "prometheus");
    size_t n = json_is_object(prom) ? json_object_size(prom) : 0;
    if (n == 0) return;
    reg->prom_names = rb_calloc(n, sizeof *reg->prom_names);
    reg->prom_values = rb_calloc(n, sizeof *reg->prom_values);
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)prom, key, v) {
        if (reg->n_prom == n) break;
        reg->prom_names[reg->n_prom] = rb_strdup(key);
        reg->prom_values[reg->n_prom++] = json_is_number(v) ? json_number_value(v) : 0;
    }
}

/* One phase of the document into a new rb_phase appended to m. */
static int get_phase(const json_t *o, size_t i, rb_metrics *m, const char *what, char *err, size_t errlen)
{
    where w;
    const char *name = json_string_value(json_object_get(o, "name"));
    snprintf(w.text, sizeof w.text, "%s: phases[%zu]%s%s%s", what, i, name ? " \"" : "", name ? name : "", name ? "\"" : "");
    if (!json_is_object(o) || !name) return fail(err, errlen, &w, NULL, "not a phase object with a name");
    rb_phase *p = rb_calloc(1, sizeof *p);
    m->phases = rb_realloc(m->phases, (m->n_phases + 1) * sizeof *m->phases);
    m->phases[m->n_phases++] = p;   /* owned by m from here: freed with it, also on failure */
    p->name = rb_strdup(name);
    p->total.kind = rb_strdup("total");
    rb_hist_init(&p->total.latency_us);
    p->registry.storage_bytes = -1;
    p->step_s = 1;
    uint64_t index = 0;
    if (get_u64(o, "index", &index, &w, err, errlen) < 0) return -1;
    p->index = index > 1000000 ? 1000000 : (int)index;
    p->cut = !json_is_true(json_object_get(o, "complete"));
    p->waited_only = json_is_false(json_object_get(o, "ran_here"));
    if (get_u64(o, "start_wall_us", &p->start_us, &w, err, errlen) < 0 ||
        get_u64(o, "end_wall_us", &p->end_us, &w, err, errlen) < 0)
        return -1;
    if (p->end_us < p->start_us) return fail(err, errlen, &w, "end_wall_us", "before start_wall_us");
    if (get_opstats(o, &p->total, &w, err, errlen) < 0) return -1;

    const json_t *by_op = json_object_get(o, "by_op");
    if (by_op && !json_is_object(by_op)) return fail(err, errlen, &w, "by_op", "not an object");
    const char *kind;
    json_t *v;
    json_object_foreach((json_t *)by_op, kind, v) {
        where wk;
        snprintf(wk.text, sizeof wk.text, "%s.by_op.%s", w.text, kind);
        if (rb_phase_op(p, kind, 0)) return fail(err, errlen, &wk, NULL, "given twice");
        if (get_opstats(v, rb_phase_op(p, kind, 1), &wk, err, errlen) < 0) return -1;
    }
    const json_t *counters = json_object_get(o, "counters");
    json_object_foreach((json_t *)counters, kind, v) {
        if (!json_is_integer(v) || json_integer_value(v) < 0) {
            where wc;
            snprintf(wc.text, sizeof wc.text, "%s.counters", w.text);
            return fail(err, errlen, &wc, kind, "not a non-negative integer");
        }
        rb_metrics_count(m, p, kind, (uint64_t)json_integer_value(v));
    }
    const json_t *client = json_object_get(o, "client");
    p->cpu_s = num_or(client, "cpu_s", 0);
    p->rss_peak_bytes = u64_or0(client, "rss_peak_bytes");
    get_registry(json_object_get(o, "registry"), &p->registry);
    size_t k;
    json_array_foreach(json_object_get(o, "warnings"), k, v)
        if (json_is_string(v)) rb_phase_warn(p, "%s", json_string_value(v));
    if (get_metrics(json_object_get(o, "metrics"), &p->metrics, &p->n_metrics, &w, err, errlen) < 0) return -1;
    return get_ticks(json_object_get(o, "timeseries"), p, &w, err, errlen);
}

int rb_results_restore(const json_t *doc, const char *what, rb_metrics *m, char *err, size_t errlen)
{
    rb_metrics_init(m);
    m->run_start_us = 0;
    const json_t *phases = json_object_get(doc, "phases");
    if (!json_is_array(phases)) return rb_err(err, errlen, "%s: \"phases\" is missing or not an array", what);
    size_t i;
    const json_t *ph;
    json_array_foreach(phases, i, ph)
        if (get_phase(ph, i, m, what, err, errlen) < 0) return -1;
    where w;
    snprintf(w.text, sizeof w.text, "%s", what);
    if (get_metrics(json_object_get(doc, "metrics"), &m->metrics, &m->n_metrics, &w, err, errlen) < 0) return -1;
    /* the run's start on the wall clock: the first phase's start less its start_s */
    if (m->n_phases) {
        double start_s = num_or(json_array_get(phases, 0), "start_s", 0);
        uint64_t back = start_s > 0 ? (uint64_t)llround(start_s * 1e6) : 0;
        m->run_start_us = m->phases[0]->start_us > back ? m->phases[0]->start_us - back : 0;
    }
    double run_s = num_or(doc, "run_duration_s", 0);
    m->run_end_us = m->run_start_us + (run_s > 0 ? (uint64_t)llround(run_s * 1e6) : 0);
    for (i = 0; i < m->n_phases; i++)
        if (m->phases[i]->end_us > m->run_end_us) m->run_end_us = m->phases[i]->end_us;
    return 0;
}
