/* metrics: the metrics store (see rb_metrics.h). Operations are recorded
 * into the phase they started in; each record updates the phase headline
 * (top-level operations), the per-kind stats and the per-second series. */
#include "measure/rb_metrics.h"
#include "util/rb_util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#define MAX_TICKS 4096   /* past this, a phase's series halves its resolution */

const char *rb_err_class_name(rb_err_class c)
{
    static const char *names[RB_ERR__COUNT] = {
        "none", "connect", "timeout", "4xx", "5xx", "integrity", "auth", "other",
    };
    return (c >= 0 && c < RB_ERR__COUNT) ? names[c] : "other";
}

rb_err_class rb_err_class_of(const char *name, long status)
{
    if (!name || !name[0] || strcmp(name, "http") == 0) {
        if (status >= 500) return RB_ERR_HTTP5XX;
        if (status >= 400) return RB_ERR_HTTP4XX;
        return name && name[0] ? RB_ERR_OTHER : RB_ERR_NONE;
    }
    for (int c = 1; c < RB_ERR__COUNT; c++)
        if (strcmp(name, rb_err_class_name((rb_err_class)c)) == 0) return (rb_err_class)c;
    return RB_ERR_OTHER;
}

const char *rb_metric_type_name(rb_metric_type t)
{
    switch (t) {
    case RB_METRIC_TREND: return "trend";
    case RB_METRIC_COUNTER: return "counter";
    case RB_METRIC_GAUGE: return "gauge";
    case RB_METRIC_RATE: return "rate";
    }
    return "trend";
}

void rb_metrics_init(rb_metrics *m)
{
    memset(m, 0, sizeof *m);
    m->run_start_us = rb_now_us();
}

static void opstats_free(rb_opstats *s)
{
    free(s->kind);
    rb_hist_free(&s->latency_us);
}

static void metric_free(rb_metric *mt)
{
    free(mt->name);
    free(mt->tags);
    rb_hist_free(&mt->hist);
    free(mt);
}

static void phase_free(rb_phase *p)
{
    free(p->name);
    opstats_free(&p->total);
    for (size_t i = 0; i < p->n_by_op; i++)
        opstats_free(&p->by_op[i]);
    free(p->by_op);
    free(p->ticks);
    for (size_t i = 0; i < p->n_counters; i++)
        free(p->counters[i].name);
    free(p->counters);
    for (size_t i = 0; i < p->n_metrics; i++) metric_free(p->metrics[i]);
    free(p->metrics);
    for (size_t i = 0; i < p->registry.n_prom; i++) free(p->registry.prom_names[i]);
    free(p->registry.prom_names);
    free(p->registry.prom_values);
    for (size_t i = 0; i < p->n_warnings; i++) free(p->warnings[i]);
    free(p->warnings);
    free(p);
}

void rb_metrics_free(rb_metrics *m)
{
    for (size_t i = 0; i < m->n_phases; i++)
        phase_free(m->phases[i]);
    free(m->phases);
    for (size_t i = 0; i < m->n_metrics; i++) metric_free(m->metrics[i]);
    free(m->metrics);
    memset(m, 0, sizeof *m);
}

rb_phase *rb_metrics_phase_begin(rb_metrics *m, const char *name)
{
    rb_phase *p = rb_calloc(1, sizeof *p);
    p->name = rb_strdup(name);
    p->registry.storage_bytes = -1;
    p->index = (int)m->n_phases;
    p->open = 1;
    p->step_s = 1;
    p->total.kind = rb_strdup("total");
    rb_hist_init(&p->total.latency_us);
    rb_self_rss_peak_reset();
    p->cpu_start_s = rb_self_cpu_s();
    p->walk_start_s = rb_self_cpu_excluded_s();
    p->start_us = rb_now_us();
    m->phases = rb_realloc(m->phases, (m->n_phases + 1) * sizeof *m->phases);
    m->phases[m->n_phases++] = p;
    return p;
}

void rb_metrics_phase_end(rb_metrics *m, rb_phase *p)
{
    (void)m;
    if (!p || !p->open) return;
    p->open = 0;
    p->end_us = rb_now_us();
    p->cpu_s = rb_self_cpu_s() - p->cpu_start_s;
    p->walk_s = rb_self_cpu_excluded_s() - p->walk_start_s;
    p->rss_peak_bytes = rb_self_rss_peak();
}

void rb_metrics_close_all(rb_metrics *m)
{
    for (size_t i = 0; i < m->n_phases; i++)
        rb_metrics_phase_end(m, m->phases[i]);
}

rb_phase *rb_metrics_default_phase(rb_metrics *m)
{
    if (!m->implicit)
        m->implicit = rb_metrics_phase_begin(m, "default");
    return m->implicit;
}

rb_opstats *rb_phase_op(rb_phase *p, const char *kind, int create)
{
    for (size_t i = 0; i < p->n_by_op; i++)
        if (strcmp(p->by_op[i].kind, kind) == 0)
            return &p->by_op[i];
    if (!create) return NULL;
    p->by_op = rb_realloc(p->by_op, (p->n_by_op + 1) * sizeof *p->by_op);
    rb_opstats *s = &p->by_op[p->n_by_op++];
    memset(s, 0, sizeof *s);
    s->kind = rb_strdup(kind);
    rb_hist_init(&s->latency_us);
    return s;
}

static void opstats_add(rb_opstats *s, const rb_op_record *r, uint64_t lat)
{
    s->ops++;
    s->bytes += r->bytes;
    if (r->err != RB_ERR_NONE) {
        s->errors++;
        s->errors_by_class[r->err]++;
    }
    rb_hist_add(&s->latency_us, lat);
}

/* Halves the resolution of a phase's series: pairs of ticks merge. */
static void coarsen(rb_phase *p)
{
    size_t n = (p->n_ticks + 1) / 2;
    for (size_t i = 0; i < n; i++) {
        rb_tick t = p->ticks[2 * i];
        if (2 * i + 1 < p->n_ticks) {
            rb_tick *u = &p->ticks[2 * i + 1];
            t.ops += u->ops;
            t.errors += u->errors;
            t.bytes += u->bytes;
            t.lat_sum_us += u->lat_sum_us;
            if (u->lat_max_us > t.lat_max_us) t.lat_max_us = u->lat_max_us;
        }
        p->ticks[i] = t;
    }
    memset(p->ticks + n, 0, (p->n_ticks - n) * sizeof *p->ticks);
    p->n_ticks = n;
    p->step_s *= 2;
}

static void tick_add(rb_phase *p, const rb_op_record *r, uint64_t lat)
{
    uint64_t at = r->end_us > p->start_us ? r->end_us - p->start_us : 0;
    size_t idx = (size_t)(at / (1000000ull * p->step_s));
    while (idx >= MAX_TICKS) {
        coarsen(p);
        idx = (size_t)(at / (1000000ull * p->step_s));
    }
    if (idx >= p->n_ticks) {
        p->ticks = rb_realloc(p->ticks, (idx + 1) * sizeof *p->ticks);
        memset(p->ticks + p->n_ticks, 0, (idx + 1 - p->n_ticks) * sizeof *p->ticks);
        p->n_ticks = idx + 1;
    }
    rb_tick *t = &p->ticks[idx];
    t->ops++;
    if (r->err != RB_ERR_NONE) t->errors++;
    t->bytes += r->bytes;
    t->lat_sum_us += lat;
    if (lat > t->lat_max_us) t->lat_max_us = lat;
}

void rb_metrics_record(rb_metrics *m, rb_phase *p, const rb_op_record *r)
{
    if (!p) p = rb_metrics_default_phase(m);
    uint64_t lat = r->end_us > r->start_us ? r->end_us - r->start_us : 0;
    opstats_add(rb_phase_op(p, r->kind, 1), r, lat);
    if (r->top_level) {
        opstats_add(&p->total, r, lat);
        tick_add(p, r, lat);
    }
}

void rb_metrics_count(rb_metrics *m, rb_phase *p, const char *name, uint64_t n)
{
    if (!p) p = rb_metrics_default_phase(m);
    for (size_t i = 0; i < p->n_counters; i++) {
        if (strcmp(p->counters[i].name, name) == 0) {
            p->counters[i].value += n;
            return;
        }
    }
    p->counters = rb_realloc(p->counters, (p->n_counters + 1) * sizeof *p->counters);
    p->counters[p->n_counters].name = rb_strdup(name);
    p->counters[p->n_counters].value = n;
    p->n_counters++;
}

int rb_metrics_type_ok(const rb_metrics *m, const char *name, rb_metric_type type, char *err, size_t errlen)
{
    for (size_t i = 0; i < m->n_metrics; i++) {
        const rb_metric *mt = m->metrics[i];
        if (strcmp(mt->name, name) == 0 && mt->type != type)
            return rb_err(err, errlen, "metric '%s' is already a %s, not a %s", name,
                          rb_metric_type_name(mt->type), rb_metric_type_name(type));
    }
    return 0;
}

/* The series name{tags} in a list of custom metrics, made when new. */
static rb_metric *series(rb_metric ***list, size_t *n, const char *name, const char *tags, rb_metric_type type)
{
    for (size_t i = 0; i < *n; i++) {
        rb_metric *mt = (*list)[i];
        if (strcmp(mt->name, name) == 0 && strcmp(mt->tags, tags) == 0) return mt;
    }
    rb_metric *mt = rb_calloc(1, sizeof *mt);
    mt->name = rb_strdup(name);
    mt->tags = rb_strdup(tags);
    mt->type = type;
    rb_hist_init(&mt->hist);
    *list = rb_realloc(*list, (*n + 1) * sizeof **list);
    (*list)[(*n)++] = mt;
    return mt;
}

rb_metric *rb_metrics_custom(rb_metrics *m, const char *name, const char *tags,
                             rb_metric_type type, char *err, size_t errlen)
{
    if (rb_metrics_type_ok(m, name, type, err, errlen) < 0) return NULL;
    return series(&m->metrics, &m->n_metrics, name, tags ? tags : "", type);
}

int rb_metrics_add(rb_metrics *m, rb_phase *p, const char *name, const char *tags, rb_metric_type type,
                   double value, char *err, size_t errlen)
{
    rb_metric *mt = rb_metrics_custom(m, name, tags, type, err, errlen);
    if (!mt) return -1;
    rb_metric_add(mt, value);
    if (p) rb_metric_add(series(&p->metrics, &p->n_metrics, name, tags ? tags : "", type), value);
    return 0;
}

void rb_metric_add(rb_metric *mt, double value)
{
    if (mt->count == 0 || value < mt->min) mt->min = value;
    if (mt->count == 0 || value > mt->max) mt->max = value;
    mt->count++;
    mt->sum += value;
    mt->last = value;
    if (value != 0) mt->trues++;
    if (mt->type == RB_METRIC_TREND) {
        double scaled = value * 1000.0;
        rb_hist_add(&mt->hist, scaled > 0 ? (uint64_t)(scaled + 0.5) : 0);
    }
}

/* CPU nanoseconds of measuring the registry (rb_self_cpu_exclude), any thread. */
static _Atomic uint64_t excluded_ns;

void rb_self_cpu_exclude(uint64_t ns)
{
    excluded_ns += ns;
}

double rb_self_cpu_excluded_s(void)
{
    return (double)excluded_ns / 1e9;
}

double rb_self_cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double all = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
                 (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
    double c = all - rb_self_cpu_excluded_s();
    return c > 0 ? c : 0;
}

/* Reads a "Key:   N kB" line of /proc/self/status; 0 if missing. */
static uint64_t status_kb(const char *key)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) return 0;
    char line[256];
    uint64_t v = 0;
    size_t klen = strlen(key);
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
            v = strtoull(line + klen + 1, NULL, 10);
            break;
        }
    }
    fclose(f);
    return v * 1024;
}

uint64_t rb_self_rss_peak(void)
{
    uint64_t v = status_kb("VmHWM");
    if (v == 0) {
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        v = (uint64_t)ru.ru_maxrss * 1024;
    }
    return v;
}

uint64_t rb_self_rss(void)
{
    return status_kb("VmRSS");
}

void rb_self_rss_peak_reset(void)
{
    FILE *f = fopen("/proc/self/clear_refs", "w");
    if (!f) return;
    fputs("5", f);
    fclose(f);
}

void rb_phase_warn(rb_phase *p, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    for (size_t i = 0; i < p->n_warnings; i++)
        if (strcmp(p->warnings[i], buf) == 0) return;
    p->warnings = rb_realloc(p->warnings, (p->n_warnings + 1) * sizeof *p->warnings);
    p->warnings[p->n_warnings++] = rb_strdup(buf);
}

uint64_t rb_phase_counter(const rb_phase *p, const char *name)
{
    for (size_t i = 0; i < p->n_counters; i++)
        if (strcmp(p->counters[i].name, name) == 0) return p->counters[i].value;
    return 0;
}
