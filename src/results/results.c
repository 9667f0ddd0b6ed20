/* results: the views of the metrics store written at the end of a run (and
 * after each phase): results.json (schema in docs/results-schema.md, built
 * with jansson and written atomically), metrics.csv (one row per phase x
 * metric, plus run-wide custom metrics), timeseries.csv (one row per phase x
 * time step) and the readable per-phase table on stdout. Every number is
 * finite: a rate over a zero duration is 0, never NaN or inf. A shard of a
 * sharded run also writes what an exact merge needs (rb_merge.h): its
 * identity, wall-clock phase times, and every histogram and sum losslessly. */
#include "results/rb_results.h"
#include "measure/rb_stat.h"
#include "util/rb_atomic.h"
#include "util/rb_util.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#ifndef REGBENCH_VERSION
#define REGBENCH_VERSION "unknown"
#endif

/* The percentiles every latency/trend block reports are the stat table's
 * (rb_stat.h): ids 0 .. RB_STAT_N_PCT-1, keyed by their names. */
#define PCT(i) rb_stat_get((rb_stat_id)(i))

/* ---- numbers -------------------------------------------------------------- */

/* x rounded to `dec` decimals; 0 for NaN or inf. */
static double roundn(double x, int dec)
{
    if (!isfinite(x)) return 0.0;
    double s = pow(10.0, dec);
    double r = round(x * s) / s;
    return isfinite(r) ? r : x;
}

/* a / b, or 0 when b is 0 (or the result is not finite). */
static double safe_div(double a, double b)
{
    if (b == 0.0) return 0.0;
    double r = a / b;
    return isfinite(r) ? r : 0.0;
}

static json_t *jreal(double x, int dec)
{
    return json_real(roundn(x, dec));
}

static json_t *jint(uint64_t v)
{
    return json_integer(v > (uint64_t)INT64_MAX ? INT64_MAX : (json_int_t)v);
}

static json_t *jstr_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

/* ---- phase facts shared by JSON, CSV and the table ---------------------- */

/* A phase's duration in seconds: end - start, or now - start while open. */
static double phase_duration_s(const rb_phase *p)
{
    uint64_t end = p->open ? rb_now_us() : p->end_us;
    return end > p->start_us ? (double)(end - p->start_us) / 1e6 : 0.0;
}

static double phase_cpu_s(const rb_phase *p)
{
    double c = p->open ? rb_self_cpu_s() - p->cpu_start_s : p->cpu_s;
    return c > 0 ? c : 0.0;
}

static uint64_t phase_rss_peak(const rb_phase *p)
{
    return p->open ? rb_self_rss_peak() : p->rss_peak_bytes;
}

/* The implicit "default" phase is reported only if something ran in it. */
static int phase_skipped(const rb_metrics *m, const rb_phase *p)
{
    if (p != m->implicit || p->total.ops) return 0;
    for (size_t i = 0; i < p->n_by_op; i++)
        if (p->by_op[i].ops) return 0;
    return 1;
}

/* Latency statistics in ms (histogram in us), 3 decimals. */
typedef struct lat_ms {
    double min, mean, max, stddev, pct[RB_STAT_N_PCT];
} lat_ms;

static lat_ms latency_ms(const rb_hist *h)
{
    lat_ms l;
    l.min = roundn((double)(h->count ? h->min : 0) / 1000.0, 3);
    l.max = roundn((double)h->max / 1000.0, 3);
    l.mean = roundn(rb_hist_mean(h) / 1000.0, 3);
    l.stddev = roundn(rb_hist_stddev(h) / 1000.0, 3);
    for (size_t i = 0; i < RB_STAT_N_PCT; i++)
        l.pct[i] = roundn((double)rb_hist_percentile(h, PCT(i)->pct) / 1000.0, 3);
    return l;
}

/* The run's length for counter rates: first phase start (or store creation)
 * to now. */
/* The run's duration: to its end once it ended, else to now. */
static double run_duration_s(const rb_metrics *m)
{
    uint64_t now = m->run_end_us ? m->run_end_us : rb_now_us();
    return now > m->run_start_us ? (double)(now - m->run_start_us) / 1e6 : 0.0;
}

/* "name" or "name{tags}". Caller frees. */
static char *metric_key(const rb_metric *mt)
{
    if (mt->tags && *mt->tags) return rb_asprintf("%s{%s}", mt->name, mt->tags);
    return rb_strdup(mt->name);
}

/* ---- results.json --------------------------------------------------------- */

static json_t *errors_by_class_json(const rb_opstats *s)
{
    json_t *o = json_object();
    for (int c = RB_ERR_NONE + 1; c < RB_ERR__COUNT; c++)
        json_object_set_new(o, rb_err_class_name((rb_err_class)c), jint(s->errors_by_class[c]));
    return o;
}

static json_t *latency_json(const rb_hist *h)
{
    lat_ms l = latency_ms(h);
    json_t *o = json_object();
    json_object_set_new(o, "min", json_real(l.min));
    json_object_set_new(o, "mean", json_real(l.mean));
    json_object_set_new(o, "max", json_real(l.max));
    json_object_set_new(o, "stddev", json_real(l.stddev));
    for (size_t i = 0; i < RB_STAT_N_PCT; i++)
        json_object_set_new(o, PCT(i)->name, json_real(l.pct[i]));
    return o;
}

/* The lossless text of a histogram (rb_hist_encode) as a JSON string. */
static json_t *hist_json(const rb_hist *h)
{
    char *text = rb_hist_encode(h);
    json_t *j = json_string(text);
    free(text);
    return j;
}

/* The fields a phase headline and each by_op entry share; `exact` adds the
 * histogram (a shard's results). */
static void opstats_json(json_t *o, const rb_opstats *s, double dur, int exact)
{
    json_object_set_new(o, "ops", jint(s->ops));
    json_object_set_new(o, "errors", jint(s->errors));
    json_object_set_new(o, "errors_by_class", errors_by_class_json(s));
    json_object_set_new(o, "bytes", jint(s->bytes));
    json_object_set_new(o, "ops_per_s", jreal(safe_div((double)s->ops, dur), 3));
    json_object_set_new(o, "throughput_MBps", jreal(safe_div((double)s->bytes / 1e6, dur), 3));
    json_object_set_new(o, "latency_ms", latency_json(&s->latency_us));
    if (exact) json_object_set_new(o, "hist", hist_json(&s->latency_us));
}

/* A phase's time series; `exact` adds the latency sums behind the means. */
static json_t *timeseries_json(const rb_phase *p, int exact)
{
    json_t *o = json_object();
    json_t *ops = json_array(), *bytes = json_array(), *errs = json_array();
    json_t *mean = json_array(), *max = json_array(), *sum = exact ? json_array() : NULL;
    for (size_t i = 0; i < p->n_ticks; i++) {
        const rb_tick *t = &p->ticks[i];
        if (sum) json_array_append_new(sum, jint(t->lat_sum_us));
        json_array_append_new(ops, jint(t->ops));
        json_array_append_new(bytes, jint(t->bytes));
        json_array_append_new(errs, jint(t->errors));
        json_array_append_new(mean, jreal(safe_div((double)t->lat_sum_us, (double)t->ops) / 1000.0, 3));
        json_array_append_new(max, jreal((double)t->lat_max_us / 1000.0, 3));
    }
    json_object_set_new(o, "step_s", json_integer(p->step_s));
    json_object_set_new(o, "ops", ops);
    json_object_set_new(o, "bytes", bytes);
    json_object_set_new(o, "errors", errs);
    json_object_set_new(o, "latency_mean_ms", mean);
    json_object_set_new(o, "latency_max_ms", max);
    if (sum) json_object_set_new(o, "latency_sum_us", sum);
    return o;
}

static json_t *phase_registry_json(const rb_phase_registry *r)
{
    json_t *o = json_object();
    json_object_set_new(o, "cpu_pct_avg", jreal(r->cpu_pct_avg, 3));
    json_object_set_new(o, "cpu_pct_max", jreal(r->cpu_pct_max, 3));
    json_object_set_new(o, "rss_peak_bytes", jint(r->rss_peak_bytes));
    json_object_set_new(o, "rss_end_bytes", jint(r->rss_end_bytes));
    json_object_set_new(o, "disk_read_bytes", jint(r->disk_read_bytes));
    json_object_set_new(o, "disk_write_bytes", jint(r->disk_write_bytes));
    json_object_set_new(o, "storage_bytes",
                        r->storage_bytes < 0 ? json_null() : json_integer(r->storage_bytes));
    if (r->n_prom) {
        json_t *prom = json_object();
        for (size_t i = 0; i < r->n_prom; i++)
            json_object_set_new(prom, r->prom_names[i], jreal(r->prom_values[i], 6));
        json_object_set_new(o, "prometheus", prom);
    }
    return o;
}

/* A custom metric; `exact` adds a trend's histogram and the exact sum of
 * trends and counters (a shard's results). */
static json_t *metric_json(const rb_metric *mt, double run_s, int exact)
{
    json_t *o = json_object();
    json_object_set_new(o, "name", json_string(mt->name));
    json_object_set_new(o, "tags", json_string(mt->tags ? mt->tags : ""));
    json_object_set_new(o, "type", json_string(rb_metric_type_name(mt->type)));
    json_object_set_new(o, "count", jint(mt->count));
    double min = mt->count ? mt->min : 0, max = mt->count ? mt->max : 0;
    switch (mt->type) {
    case RB_METRIC_TREND:
        json_object_set_new(o, "min", jreal(min, 3));
        json_object_set_new(o, "mean", jreal(safe_div(mt->sum, (double)mt->count), 3));
        json_object_set_new(o, "max", jreal(max, 3));
        json_object_set_new(o, "stddev", jreal(rb_hist_stddev(&mt->hist) / 1000.0, 3));
        for (size_t i = 0; i < RB_STAT_N_PCT; i++)
            json_object_set_new(o, PCT(i)->name,
                                jreal((double)rb_hist_percentile(&mt->hist, PCT(i)->pct) / 1000.0, 3));
        if (exact) json_object_set_new(o, "hist", hist_json(&mt->hist));
        break;
    case RB_METRIC_COUNTER:
        json_object_set_new(o, "value", jreal(mt->sum, 3));
        json_object_set_new(o, "rate", jreal(safe_div(mt->sum, run_s), 3));
        break;
    case RB_METRIC_GAUGE:
        json_object_set_new(o, "value", jreal(mt->count ? mt->last : 0, 3));
        json_object_set_new(o, "min", jreal(min, 3));
        json_object_set_new(o, "max", jreal(max, 3));
        break;
    case RB_METRIC_RATE:
        json_object_set_new(o, "rate", jreal(safe_div((double)mt->trues, (double)mt->count), 6));
        json_object_set_new(o, "passes", jint(mt->trues));
        json_object_set_new(o, "fails", jint(mt->count - mt->trues));
        break;
    }
    if (exact && (mt->type == RB_METRIC_TREND || mt->type == RB_METRIC_COUNTER))
        json_object_set_new(o, "sum", json_real(isfinite(mt->sum) ? mt->sum : 0.0));
    return o;
}

/* The custom metrics of a list as results.json keys them ("name{tags}"); rates per duration_s. */
static json_t *metrics_json(rb_metric *const *list, size_t n, double duration_s, int exact)
{
    json_t *metrics = json_object();
    for (size_t i = 0; i < n; i++) {
        char *key = metric_key(list[i]);
        json_object_set_new(metrics, key, metric_json(list[i], duration_s, exact));
        free(key);
    }
    return metrics;
}

/* Unix time (us) of the store's time t: info's wall clock at the run start
 * plus the time since. */
static uint64_t wall_of(uint64_t t, uint64_t run_start_us, const rb_run_info *info)
{
    return info->wall_at_start_us + (t > run_start_us ? t - run_start_us : 0);
}

static json_t *phase_json(const rb_phase *p, uint64_t run_start_us, const rb_run_info *info)
{
    double dur = phase_duration_s(p);
    int exact = info->shard != NULL;
    json_t *o = json_object();
    json_object_set_new(o, "name", json_string(p->name));
    json_object_set_new(o, "index", json_integer(p->index));
    json_object_set_new(o, "complete", json_boolean(!p->open && !p->cut));
    if (p->waited_only) json_object_set_new(o, "ran_here", json_false());
    json_object_set_new(o, "start_s", jreal(p->start_us > run_start_us ? (double)(p->start_us - run_start_us) / 1e6 : 0, 6));
    json_object_set_new(o, "duration_s", jreal(dur, 6));
    if (info->wall_at_start_us) {
        json_object_set_new(o, "start_wall_us", jint(wall_of(p->start_us, run_start_us, info)));
        json_object_set_new(o, "end_wall_us", jint(wall_of(p->open ? rb_now_us() : p->end_us, run_start_us, info)));
    }
    opstats_json(o, &p->total, dur, exact);

    json_t *by_op = json_object();
    for (size_t i = 0; i < p->n_by_op; i++) {
        json_t *k = json_object();
        opstats_json(k, &p->by_op[i], dur, exact);
        json_object_set_new(by_op, p->by_op[i].kind, k);
    }
    json_object_set_new(o, "by_op", by_op);

    json_t *counters = json_object();
    for (size_t i = 0; i < p->n_counters; i++)
        json_object_set_new(counters, p->counters[i].name, jint(p->counters[i].value));
    json_object_set_new(o, "counters", counters);

    double cpu = phase_cpu_s(p);
    json_t *client = json_object();
    json_object_set_new(client, "cpu_s", jreal(cpu, 3));
    json_object_set_new(client, "cpu_pct", jreal(safe_div(cpu, dur) * 100.0, 3));
    json_object_set_new(client, "rss_peak_bytes", jint(phase_rss_peak(p)));
    double walk = p->open ? rb_self_cpu_excluded_s() - p->walk_start_s : p->walk_s;
    if (walk > 0) json_object_set_new(client, "storage_walk_cpu_s", jreal(walk, 3));
    json_object_set_new(o, "client", client);

    if (p->registry.valid)
        json_object_set_new(o, "registry", phase_registry_json(&p->registry));
    json_t *warnings = json_array();
    for (size_t i = 0; i < p->n_warnings; i++) json_array_append_new(warnings, json_string(p->warnings[i]));
    json_object_set_new(o, "warnings", warnings);
    json_object_set_new(o, "metrics", metrics_json(p->metrics, p->n_metrics, dur, exact));
    json_object_set_new(o, "timeseries", timeseries_json(p, exact));
    return o;
}


/* First "model name" line of /proc/cpuinfo, or NULL. Caller frees. */
static char *cpu_model(void)
{
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f) return NULL;
    char line[512];
    char *model = NULL;
    while (!model && fgets(line, sizeof line, f)) {
        if (strncmp(line, "model name", 10) != 0) continue;
        char *c = strchr(line, ':');
        if (!c) continue;
        c++;
        while (*c == ' ' || *c == '\t') c++;
        size_t n = strcspn(c, "\n");
        c[n] = 0;
        model = rb_strdup(c);
    }
    fclose(f);
    return model;
}

json_t *rb_environment_json(void)
{
    json_t *o = json_object();
    struct utsname u;
    if (uname(&u) == 0) {
        char *k = rb_asprintf("%s %s %s", u.sysname, u.release, u.machine);
        json_object_set_new(o, "kernel", json_string(k));
        free(k);
    } else {
        json_object_set_new(o, "kernel", json_null());
    }
    char *model = cpu_model();
    json_object_set_new(o, "cpu_model", jstr_or_null(model));
    free(model);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    json_object_set_new(o, "cores", json_integer(cores > 0 ? cores : 0));
    long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
    json_object_set_new(o, "memory_bytes",
                        json_integer(pages > 0 && psize > 0 ? (json_int_t)pages * psize : 0));
    return o;
}

/* Builds the whole results document. */
json_t *rb_results_json(const rb_metrics *m, const rb_run_info *info)
{
    static const rb_run_info none = {0};
    if (!info) info = &none;
    json_t *root = json_object();
    json_object_set_new(root, "schema", json_string(RB_RESULTS_SCHEMA));
    json_t *tool = json_object();
    json_object_set_new(tool, "name", json_string("regbench"));
    json_object_set_new(tool, "version", json_string(REGBENCH_VERSION));
    if (info->http_client) json_object_set_new(tool, "http_client", json_string(info->http_client));
    json_object_set_new(root, "tool", tool);
    json_object_set_new(root, "started_at", jstr_or_null(info->started_at));
    if (info->run_id) json_object_set_new(root, "run_id", json_string(info->run_id));
    if (info->repo_prefix) json_object_set_new(root, "repo_prefix", json_string(info->repo_prefix));
    if (info->shard) json_object_set(root, "shard", (json_t *)info->shard);
    double run_s = run_duration_s(m);
    json_object_set_new(root, "run_duration_s", jreal(run_s, 6));
    json_object_set_new(root, "scenario", jstr_or_null(info->scenario));
    json_object_set_new(root, "status", jstr_or_null(info->status));
    json_object_set_new(root, "error", jstr_or_null(info->error));
    json_object_set_new(root, "exit_code", json_integer(info->exit_code));

    json_t *params = json_object();
    for (size_t i = 0; i < info->n_params; i++)
        if (info->param_names && info->param_names[i])
            json_object_set_new(params, info->param_names[i],
                                jstr_or_null(info->param_values ? info->param_values[i] : NULL));
    json_object_set_new(root, "params", params);
    json_t *typed = json_object();   /* what each value means: sizes in bytes, durations in seconds */
    for (size_t i = 0; i < info->n_params && info->param_types; i++) {
        rb_param_value v;
        if (!info->param_names[i] || !info->param_values[i] ||
            rb_param_parse(info->param_types[i], info->param_values[i], &v, NULL, 0) < 0)
            continue;
        json_t *j;
        switch (v.kind) {
        case RB_PV_INTEGER: case RB_PV_SIZE: j = json_integer((json_int_t)v.i); break;
        case RB_PV_NUMBER: case RB_PV_DURATION: j = json_real(v.d); break;
        case RB_PV_BOOLEAN: j = json_boolean(v.i); break;
        default: j = json_string(v.s); break;
        }
        json_object_set_new(typed, info->param_names[i], j);
    }
    json_object_set_new(root, "param_values", typed);

    json_t *reg = json_object();
    json_object_set_new(reg, "kind", jstr_or_null(info->reg_kind));
    json_object_set_new(reg, "url", jstr_or_null(info->reg_url));
    json_object_set_new(reg, "storage", jstr_or_null(info->reg_storage));
    json_object_set_new(reg, "version", jstr_or_null(info->reg_version));
    json_object_set_new(reg, "pid", info->reg_pid > 0 ? json_integer(info->reg_pid) : json_null());
    json_object_set_new(reg, "tls_insecure", json_boolean(info->insecure));
    json_object_set_new(reg, "auth_user", info->auth_user ? json_string(info->auth_user) : json_null());
    json_object_set_new(root, "registry", reg);
    json_object_set_new(root, "environment", rb_environment_json());

    json_t *phases = json_array();
    for (size_t i = 0; i < m->n_phases; i++) {
        const rb_phase *p = m->phases[i];
        if (phase_skipped(m, p)) continue;
        json_array_append_new(phases, phase_json(p, m->run_start_us, info));
    }
    json_object_set_new(root, "phases", phases);

    json_t *warnings = json_array();
    for (size_t i = 0; i < m->n_phases; i++)
        for (size_t k = 0; !phase_skipped(m, m->phases[i]) && k < m->phases[i]->n_warnings; k++)
            json_array_append_new(warnings, json_sprintf("phase \"%s\": %s", m->phases[i]->name,
                                                         m->phases[i]->warnings[k]));
    json_object_set_new(root, "warnings", warnings);

    json_t *rs = json_object();
    json_t *t = json_array(), *cpu = json_array(), *rss = json_array(), *rd = json_array(),
           *wr = json_array(), *st = json_array();
    for (size_t i = 0; i < info->n_reg_series; i++) {
        const rb_sampler_point *pt = &info->reg_series[i];
        json_array_append_new(t, jreal((double)(pt->t_us + info->reg_series_offset_us) / 1e6, 3));
        json_array_append_new(cpu, jreal(pt->cpu_pct, 2));
        json_array_append_new(rss, jint(pt->rss_bytes));
        json_array_append_new(rd, jint(pt->read_bytes));
        json_array_append_new(wr, jint(pt->write_bytes));
        json_array_append_new(st, pt->storage_bytes < 0 ? json_null() : json_integer(pt->storage_bytes));
    }
    json_object_set_new(rs, "t_s", t);
    json_object_set_new(rs, "cpu_pct", cpu);
    json_object_set_new(rs, "rss_bytes", rss);
    json_object_set_new(rs, "disk_read_bytes", rd);
    json_object_set_new(rs, "disk_write_bytes", wr);
    json_object_set_new(rs, "storage_bytes", st);
    json_object_set_new(root, "registry_timeseries", rs);

    json_t *cs = json_object();
    json_t *ct = json_array(), *ccpu = json_array(), *crss = json_array();
    for (size_t i = 0; i < info->n_client_series; i++) {
        const rb_client_point *pt = &info->client_series[i];
        json_array_append_new(ct, jreal((double)pt->t_us / 1e6, 3));
        json_array_append_new(ccpu, jreal(pt->cpu_pct, 2));
        json_array_append_new(crss, jint(pt->rss_bytes));
    }
    json_object_set_new(cs, "t_s", ct);
    json_object_set_new(cs, "cpu_pct", ccpu);
    json_object_set_new(cs, "rss_bytes", crss);
    json_object_set_new(root, "client_timeseries", cs);

    json_object_set_new(root, "metrics", metrics_json(m->metrics, m->n_metrics, run_s, info->shard != NULL));
    if (info->thresholds) json_object_set(root, "thresholds", (json_t *)info->thresholds);
    return root;
}

/* Opens DIR/NAME for writing atomically (rb_atomic). */
static FILE *open_out(rb_atomic *a, const char *dir, const char *name, char *err, size_t errlen)
{
    char *path = rb_asprintf("%s/%s", dir, name);
    FILE *f = rb_atomic_open(a, path, err, errlen);
    free(path);
    return f;
}

json_t *rb_results_phase_json(const rb_metrics *m, const rb_run_info *info, size_t index)
{
    static const rb_run_info none = {0};
    return phase_json(m->phases[index], m->run_start_us, info ? info : &none);
}

int rb_results_write_doc(const char *dir, const json_t *doc, char *err, size_t errlen)
{
    rb_atomic a;
    FILE *f = open_out(&a, dir, "results.json", err, errlen);
    if (!f) return -1;
    int failed = json_dumpf(doc, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
                                    JSON_REAL_PRECISION(15)) != 0;
    if (!failed) failed = fputc('\n', f) == EOF;
    return rb_atomic_commit(&a, failed, err, errlen);
}

int rb_results_write_json(const char *dir, const rb_metrics *m, const rb_run_info *info,
                          char *err, size_t errlen)
{
    json_t *root = rb_results_json(m, info);
    int rc = rb_results_write_doc(dir, root, err, errlen);
    json_decref(root);
    return rc;
}

/* ---- CSV ------------------------------------------------------------------- */

/* Writes s as a CSV field, quoted when it holds a comma, quote or newline
 * (or leading/trailing space). */
static void csv_field(FILE *f, const char *s)
{
    size_t n = strlen(s);
    int quote = strpbrk(s, ",\"\r\n") != NULL || (n && (s[0] == ' ' || s[n - 1] == ' '));
    if (!quote) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (const char *c = s; *c; c++) {
        if (*c == '"') fputc('"', f);
        fputc(*c, f);
    }
    fputc('"', f);
}

/* One metrics.csv row; `idx` < 0 writes an empty phase_index (run-wide). */
static void csv_row(FILE *f, int idx, const char *phase, const char *metric, const char *value)
{
    if (idx >= 0) fprintf(f, "%d", idx);
    fputc(',', f);
    csv_field(f, phase);
    fputc(',', f);
    csv_field(f, metric);
    fputc(',', f);
    fputs(value, f);
    fputc('\n', f);
}

static void csv_u64(FILE *f, int idx, const char *phase, const char *metric, uint64_t v)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%llu", (unsigned long long)v);
    csv_row(f, idx, phase, metric, buf);
}

static void csv_dbl(FILE *f, int idx, const char *phase, const char *metric, double v, int dec)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%.*f", dec, roundn(v, dec));
    csv_row(f, idx, phase, metric, buf);
}

/* The rows shared by a headline and a by_op kind; `prefix` is "" or "by_op.KIND.". */
static void csv_opstats(FILE *f, const rb_phase *p, const char *prefix, const rb_opstats *s,
                        double dur)
{
    char name[512];
#define ROWNAME(suffix) (snprintf(name, sizeof name, "%s%s", prefix, suffix), name)
    csv_u64(f, p->index, p->name, ROWNAME("ops"), s->ops);
    csv_u64(f, p->index, p->name, ROWNAME("errors"), s->errors);
    csv_u64(f, p->index, p->name, ROWNAME("bytes"), s->bytes);
    if (!*prefix) csv_dbl(f, p->index, p->name, "duration_s", dur, 6);
    csv_dbl(f, p->index, p->name, ROWNAME("ops_per_s"), safe_div((double)s->ops, dur), 3);
    csv_dbl(f, p->index, p->name, ROWNAME("throughput_MBps"), safe_div((double)s->bytes / 1e6, dur), 3);
    lat_ms l = latency_ms(&s->latency_us);
    csv_dbl(f, p->index, p->name, ROWNAME("latency_ms_min"), l.min, 3);
    csv_dbl(f, p->index, p->name, ROWNAME("latency_ms_mean"), l.mean, 3);
    csv_dbl(f, p->index, p->name, ROWNAME("latency_ms_max"), l.max, 3);
    csv_dbl(f, p->index, p->name, ROWNAME("latency_ms_stddev"), l.stddev, 3);
    for (size_t i = 0; i < RB_STAT_N_PCT; i++) {
        char k[32];
        snprintf(k, sizeof k, "latency_ms_%s", PCT(i)->name);
        csv_dbl(f, p->index, p->name, ROWNAME(k), l.pct[i], 3);
    }
#undef ROWNAME
}

static void csv_metric(FILE *f, const rb_metric *mt, double run_s)
{
    char *key = metric_key(mt);
    char name[600];
#define MROW(stat, v, dec) (snprintf(name, sizeof name, "custom.%s.%s", key, stat), \
                            csv_dbl(f, -1, "", name, v, dec))
    MROW("count", (double)mt->count, 0);
    double min = mt->count ? mt->min : 0, max = mt->count ? mt->max : 0;
    switch (mt->type) {
    case RB_METRIC_TREND:
        MROW("min", min, 3);
        MROW("mean", safe_div(mt->sum, (double)mt->count), 3);
        MROW("max", max, 3);
        MROW("stddev", rb_hist_stddev(&mt->hist) / 1000.0, 3);
        for (size_t i = 0; i < RB_STAT_N_PCT; i++)
            MROW(PCT(i)->name, (double)rb_hist_percentile(&mt->hist, PCT(i)->pct) / 1000.0, 3);
        break;
    case RB_METRIC_COUNTER:
        MROW("value", mt->sum, 3);
        MROW("rate", safe_div(mt->sum, run_s), 3);
        break;
    case RB_METRIC_GAUGE:
        MROW("value", mt->count ? mt->last : 0, 3);
        MROW("min", min, 3);
        MROW("max", max, 3);
        break;
    case RB_METRIC_RATE:
        MROW("rate", safe_div((double)mt->trues, (double)mt->count), 6);
        MROW("passes", (double)mt->trues, 0);
        MROW("fails", (double)(mt->count - mt->trues), 0);
        break;
    }
#undef MROW
    free(key);
}

int rb_results_write_csv(const char *dir, const rb_metrics *m, char *err, size_t errlen)
{
    rb_atomic a;
    FILE *f = open_out(&a, dir, "metrics.csv", err, errlen);
    if (!f) return -1;
    fputs("phase_index,phase,metric,value\n", f);
    for (size_t i = 0; i < m->n_phases; i++) {
        const rb_phase *p = m->phases[i];
        if (phase_skipped(m, p)) continue;
        double dur = phase_duration_s(p);
        csv_opstats(f, p, "", &p->total, dur);
        csv_dbl(f, p->index, p->name, "client_cpu_s", phase_cpu_s(p), 3);
        csv_u64(f, p->index, p->name, "client_rss_peak_bytes", phase_rss_peak(p));
        for (size_t k = 0; k < p->n_counters; k++) {
            char *name = rb_asprintf("counters.%s", p->counters[k].name);
            csv_u64(f, p->index, p->name, name, p->counters[k].value);
            free(name);
        }
        for (size_t k = 0; k < p->n_by_op; k++) {
            char *prefix = rb_asprintf("by_op.%s.", p->by_op[k].kind);
            csv_opstats(f, p, prefix, &p->by_op[k], dur);
            free(prefix);
        }
    }
    double run_s = run_duration_s(m);
    for (size_t i = 0; i < m->n_metrics; i++)
        csv_metric(f, m->metrics[i], run_s);
    if (rb_atomic_commit(&a, 0, err, errlen) < 0) return -1;

    f = open_out(&a, dir, "timeseries.csv", err, errlen);
    if (!f) return -1;
    fputs("phase_index,phase,t_s,ops,errors,bytes,latency_mean_ms,latency_max_ms\n", f);
    for (size_t i = 0; i < m->n_phases; i++) {
        const rb_phase *p = m->phases[i];
        if (phase_skipped(m, p)) continue;
        for (size_t k = 0; k < p->n_ticks; k++) {
            const rb_tick *t = &p->ticks[k];
            fprintf(f, "%d,", p->index);
            csv_field(f, p->name);
            fprintf(f, ",%llu,%u,%u,%llu,%.3f,%.3f\n",
                    (unsigned long long)k * p->step_s, t->ops, t->errors,
                    (unsigned long long)t->bytes,
                    roundn(safe_div((double)t->lat_sum_us, (double)t->ops) / 1000.0, 3),
                    roundn((double)t->lat_max_us / 1000.0, 3));
        }
    }
    return rb_atomic_commit(&a, 0, err, errlen);
}

/* ---- table ----------------------------------------------------------------- */

static void table_op_row(FILE *out, const char *kind, const rb_opstats *s, double dur)
{
    lat_ms l = latency_ms(&s->latency_us);
    fprintf(out, "  %-20.20s %8llu %6llu %9.2f %9.2f %9.2f %9.2f %9.2f %9.2f %9.2f %9.2f\n", kind,
            (unsigned long long)s->ops, (unsigned long long)s->errors, l.mean,
            l.pct[RB_STAT_P50], l.pct[RB_STAT_P90], l.pct[RB_STAT_P95], l.pct[RB_STAT_P99], l.pct[RB_STAT_P999], l.max,
            safe_div((double)s->bytes / 1e6, dur));
}

static void table_phase(FILE *out, const rb_phase *p)
{
    double dur = phase_duration_s(p);
    const rb_opstats *t = &p->total;
    fprintf(out, "phase \"%s\"%s  %.1f s  ops %llu  errors %llu  %.1f ops/s  %.2f MB/s\n",
            p->name, (p->open || p->cut) ? " (incomplete)" : "", dur, (unsigned long long)t->ops,
            (unsigned long long)t->errors, safe_div((double)t->ops, dur),
            safe_div((double)t->bytes / 1e6, dur));
    if (t->errors) {
        fputs("  errors:", out);
        for (int c = RB_ERR_NONE + 1; c < RB_ERR__COUNT; c++)
            if (t->errors_by_class[c])
                fprintf(out, " %s %llu", rb_err_class_name((rb_err_class)c),
                        (unsigned long long)t->errors_by_class[c]);
        fputc('\n', out);
    }
    if (p->n_by_op) {
        fprintf(out, "  %-20s %8s %6s %9s %9s %9s %9s %9s %9s %9s %9s\n", "op", "count", "err", "mean ms",
                "p50 ms", "p90 ms", "p95 ms", "p99 ms", "p99.9 ms", "max ms", "MB/s");
        for (size_t i = 0; i < p->n_by_op; i++)
            table_op_row(out, p->by_op[i].kind, &p->by_op[i], dur);
    }
    if (p->n_counters) {
        fprintf(out, "  counters:");
        for (size_t i = 0; i < p->n_counters; i++)
            fprintf(out, " %s %llu", p->counters[i].name, (unsigned long long)p->counters[i].value);
        fprintf(out, "\n");
    }
    fprintf(out, "  client cpu %.2f s (%.0f%%)  rss peak %.1f MB\n", phase_cpu_s(p),
            safe_div(phase_cpu_s(p), dur) * 100.0, (double)phase_rss_peak(p) / 1e6);
}

/* A value as people write it: never in scientific notation; whole numbers
 * without decimals, others with up to 3. Returns buf. */
static const char *plain(char *buf, size_t len, double v)
{
    if (!isfinite(v)) snprintf(buf, len, "-");
    else if (v == floor(v) && fabs(v) < 1e18) snprintf(buf, len, "%.0f", v);
    else {
        snprintf(buf, len, "%.3f", v);
        char *e = buf + strlen(buf);
        while (e > buf && e[-1] == '0') *--e = 0;   /* 2.500 -> 2.5 */
    }
    return buf;
}

static void table_metric(FILE *out, const rb_metric *mt, double run_s, int width)
{
    char a[40], b[40], c[40], d[40], e[40], f[40];
    char *key = metric_key(mt);
    fprintf(out, "  %-*s %-7s %8llu  ", width, key, rb_metric_type_name(mt->type),
            (unsigned long long)mt->count);
    double min = mt->count ? mt->min : 0, max = mt->count ? mt->max : 0;
    switch (mt->type) {
    case RB_METRIC_TREND:
        fprintf(out, "min %s  mean %s  p50 %s  p95 %s  p99 %s  max %s", plain(a, sizeof a, min),
                plain(b, sizeof b, safe_div(mt->sum, (double)mt->count)),
                plain(c, sizeof c, (double)rb_hist_percentile(&mt->hist, 50) / 1000.0),
                plain(d, sizeof d, (double)rb_hist_percentile(&mt->hist, 95) / 1000.0),
                plain(e, sizeof e, (double)rb_hist_percentile(&mt->hist, 99) / 1000.0), plain(f, sizeof f, max));
        break;
    case RB_METRIC_COUNTER:
        fprintf(out, "value %s  rate %s/s", plain(a, sizeof a, mt->sum), plain(b, sizeof b, safe_div(mt->sum, run_s)));
        break;
    case RB_METRIC_GAUGE:
        fprintf(out, "value %s  min %s  max %s", plain(a, sizeof a, mt->count ? mt->last : 0), plain(b, sizeof b, min),
                plain(c, sizeof c, max));
        break;
    case RB_METRIC_RATE:
        fprintf(out, "rate %.2f%%  passes %llu  fails %llu",
                safe_div((double)mt->trues, (double)mt->count) * 100.0,
                (unsigned long long)mt->trues, (unsigned long long)(mt->count - mt->trues));
        break;
    }
    fputc('\n', out);
    free(key);
}

void rb_results_print_table(FILE *out, const rb_metrics *m)
{
    int first = 1;
    for (size_t i = 0; i < m->n_phases; i++) {
        if (phase_skipped(m, m->phases[i])) continue;
        if (!first) fputc('\n', out);
        first = 0;
        table_phase(out, m->phases[i]);
    }
    if (m->n_metrics) {
        if (!first) fputc('\n', out);
        int width = 24;   /* the longest name (with its tags), so that the columns line up */
        for (size_t i = 0; i < m->n_metrics; i++) {
            char *key = metric_key(m->metrics[i]);
            if ((int)strlen(key) > width) width = (int)strlen(key);
            free(key);
        }
        fprintf(out, "metrics\n  %-*s %-7s %8s\n", width, "name", "type", "count");
        double run_s = run_duration_s(m);
        for (size_t i = 0; i < m->n_metrics; i++)
            table_metric(out, m->metrics[i], run_s, width);
    }
}

int rb_results_print_thresholds(FILE *out, const json_t *thresholds)
{
    int failed = 0;
    size_t i;
    json_t *t;
    json_array_foreach(thresholds, i, t) {
        int ok = json_is_true(json_object_get(t, "passed"));
        const char *run = json_string_value(json_object_get(t, "run"));
        fprintf(out, "threshold %s%s%s%s %s\n", json_string_value(json_object_get(t, "expr")), run ? " (" : "",
                run ? run : "", run ? ")" : "", ok ? "passed" : "FAILED");
        if (ok) continue;
        failed++;
        size_t fi;
        json_t *f;
        json_array_foreach(json_object_get(t, "failures"), fi, f) {
            if (fi >= 5) { fprintf(out, "  ...\n"); break; }
            fprintf(out, "  %s\n", json_string_value(f));
        }
    }
    return failed;
}
