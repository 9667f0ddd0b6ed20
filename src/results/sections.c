/* sections: walks a suite results document once and extracts what both
 * summary.md (markdown.c) and report.html (html_*.c) show (see
 * rb_sections.h). Phases are grouped with rb_groups (RB_GROUPS_VIEW) and
 * reported by their medians; registries are compared phase by phase, never
 * one phase against another. Checks and custom metrics are grouped by
 * (registry, label, series) with medians over repetitions. Scenario-specific
 * parts appear when the runs carry the metrics they need, so custom
 * scenarios that emit the same metric names get them too (a replay's
 * section: the metrics named replay_*, as scenarios/replay.lua records them). */
#include "results/rb_sections.h"
#include "results/rb_load.h"
#include "util/rb_util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const METRIC_NAMES[RB_SEC_N_METRICS] = {
    [RB_SEC_SCALABILITY] = "scalability",
    [RB_SEC_P99_GROWTH] = "p99_growth",
    [RB_SEC_LOGICAL_BYTES] = "logical_bytes",
    [RB_SEC_SENT_BYTES] = "sent_bytes",
    [RB_SEC_CACHE_HIT_RATE] = "cache_hit_rate",
    [RB_SEC_PROXY_HIT_RATE] = "registry_proxy_hit_rate",
};

static const char *const MTYPE_NAME[RB_SEC_N_MTYPES] = {"trend", "counter", "gauge", "rate"};
static const char *const TREND_FIELDS[] = {"min", "mean", "max", "stddev", "p50", "p90", "p95", "p99", "p999"};
static const char *const COUNTER_FIELDS[] = {"value", "rate"};
static const char *const GAUGE_FIELDS[] = {"value", "min", "max"};
static const char *const RATE_FIELDS[] = {"rate", "passes", "fails"};
static const struct { const char *const *f; size_t n; } FIELDS[RB_SEC_N_MTYPES] = {
    {TREND_FIELDS, 9}, {COUNTER_FIELDS, 2}, {GAUGE_FIELDS, 3}, {RATE_FIELDS, 3},
};

const char *rb_sec_mtype_name(rb_sec_mtype t)
{
    return t < RB_SEC_N_MTYPES ? MTYPE_NAME[t] : "";
}

const char *const *rb_sec_mtype_fields(rb_sec_mtype t, size_t *n)
{
    *n = t < RB_SEC_N_MTYPES ? FIELDS[t].n : 0;
    return t < RB_SEC_N_MTYPES ? FIELDS[t].f : TREND_FIELDS;
}

/* The type named s, or -1. */
static int mtype_of(const char *s)
{
    for (int t = 0; t < RB_SEC_N_MTYPES; t++)
        if (!strcmp(s, MTYPE_NAME[t])) return t;
    return -1;
}

/* Makes room for one more element of size `size` in *arr (n used, *cap allocated). */
static void *grow(void *arr, size_t n, size_t *cap, size_t size)
{
    if (n < *cap) return arr;
    *cap = *cap ? *cap * 2 : 8;
    return rb_realloc(arr, *cap * size);
}

static long long rep_of(const json_t *run)
{
    return rb_json_int(run, "repetition", 0);
}

static void header(const json_t *suite, rb_sec_header *h)
{
    const json_t *env = json_object_get(suite, "environment"), *sinfo = json_object_get(suite, "suite");
    h->name = rb_json_str(sinfo, "name");
    h->description = rb_json_str(sinfo, "description");
    h->file = rb_json_str(sinfo, "file");
    h->kind = strcmp(rb_json_str(sinfo, "kind"), "run") == 0 ? "run" : "suite";
    h->started_at = rb_json_str(suite, "started_at");
    h->status = rb_json_str(suite, "status");
    h->version = rb_json_str(json_object_get(suite, "tool"), "version");
    h->duration_s = rb_json_num(suite, "duration_s");
    h->exit_code = rb_json_int(suite, "exit_code", 0);
    h->kernel = rb_json_str(env, "kernel");
    h->cpu_model = rb_json_str(env, "cpu_model");
    h->cores = rb_json_int(env, "cores", 0);
    h->memory_bytes = rb_json_num(env, "memory_bytes");
}

/* A registry's conformance object (rb_conformance.h) into c. */
static void conformance(const char *registry, const json_t *o, rb_sec_conformance *c)
{
    c->registry = registry;
    c->ran = strcmp(rb_json_str(o, "status"), "ran") == 0;
    c->reason = c->ran ? "" : rb_json_str(o, "reason");
    c->pass = json_integer_value(json_object_get(o, "pass"));
    c->fail = json_integer_value(json_object_get(o, "fail"));
    c->skip = json_integer_value(json_object_get(o, "skip"));
    c->disabled = json_integer_value(json_object_get(o, "disabled"));
    c->total = json_integer_value(json_object_get(o, "total"));
    const json_t *cats = json_object_get(o, "categories");
    c->failed = rb_calloc(json_array_size(cats) + 1, sizeof *c->failed);
    size_t i;
    const json_t *cat;
    json_array_foreach(cats, i, cat) {
        long long f = json_integer_value(json_object_get(cat, "fail"));
        if (f <= 0) continue;
        c->failed[c->n_failed++] = (rb_sec_conf_cat){rb_json_str(cat, "name"), f,
            f + json_integer_value(json_object_get(cat, "pass")) + json_integer_value(json_object_get(cat, "skip"))};
    }
}

static void registries(const json_t *suite, rb_sections *s)
{
    const json_t *regs = json_object_get(suite, "registries");
    s->n_registries = json_array_size(regs);
    s->registries = rb_calloc(s->n_registries ? s->n_registries : 1, sizeof *s->registries);
    s->conformance = rb_calloc(s->n_registries ? s->n_registries : 1, sizeof *s->conformance);
    for (size_t i = 0; i < s->n_registries; i++) {
        const json_t *r = json_array_get(regs, i);
        s->registries[i] = (rb_sec_registry){rb_json_str(r, "name"), rb_json_str(r, "kind"), rb_json_str(r, "storage"),
                                             rb_json_str(r, "version"), rb_json_str(r, "url")};
        const json_t *c = json_object_get(r, "conformance");
        if (json_is_object(c)) conformance(rb_json_str(r, "name"), c, &s->conformance[s->n_conformance++]);
    }
}

static void failed_runs(const json_t *runs, rb_sections *s)
{
    size_t cap = 0;
    for (size_t ri = 0; ri < json_array_size(runs); ri++) {
        const json_t *run = json_array_get(runs, ri), *phases = json_object_get(run, "phases");
        int ok = strcmp(rb_json_str(run, "status"), "ok") == 0, cut = 0;
        for (size_t pi = 0; pi < json_array_size(phases); pi++)
            if (json_is_false(json_object_get(json_array_get(phases, pi), "complete"))) cut++;
        if (ok && !cut) continue;
        s->failed = grow(s->failed, s->n_failed, &cap, sizeof *s->failed);
        rb_sec_failed *f = &s->failed[s->n_failed++];
        *f = (rb_sec_failed){.registry = rb_json_str(run, "registry"), .scenario = rb_json_str(run, "scenario"),
                             .label = rb_json_str(run, "label"), .status = rb_json_str(run, "status"),
                             .error = rb_json_str(run, "error"), .rep = rep_of(run),
                             .exit_code = rb_json_int(run, "exit_code", 0), .ok = ok,
                             .incomplete = rb_calloc(cut ? (size_t)cut : 1, sizeof *f->incomplete)};
        for (size_t pi = 0; pi < json_array_size(phases); pi++) {
            if (!json_is_false(json_object_get(json_array_get(phases, pi), "complete"))) continue;
            char key[256];
            rb_phase_key(phases, pi, key, sizeof key);
            f->incomplete[f->n_incomplete++] = rb_strdup(key);
        }
    }
}

static void thresholds(const json_t *suite, rb_sections *s)
{
    const json_t *th = json_object_get(suite, "thresholds");
    s->n_thresholds = json_array_size(th);
    s->thresholds = rb_calloc(s->n_thresholds ? s->n_thresholds : 1, sizeof *s->thresholds);
    for (size_t i = 0; i < s->n_thresholds; i++) {
        const json_t *r = json_array_get(th, i), *fl = json_object_get(r, "failures");
        rb_sec_threshold *t = &s->thresholds[i];
        t->expr = rb_json_str(r, "expr");
        t->scenario = rb_json_str(r, "scenario");
        t->passed = json_is_true(json_object_get(r, "passed"));
        t->checked = rb_json_int(r, "checked", 0);
        t->n_failures = json_array_size(fl);
        t->failures = rb_calloc(t->n_failures ? t->n_failures : 1, sizeof *t->failures);
        for (size_t k = 0; k < t->n_failures; k++) t->failures[k] = json_string_value(json_array_get(fl, k));
    }
}

static rb_sec_warning *add_warning(rb_sections *s, size_t *cap, rb_sec_level level, const char *text,
                                   const json_t *run)
{
    s->warnings = grow(s->warnings, s->n_warnings, cap, sizeof *s->warnings);
    rb_sec_warning *w = &s->warnings[s->n_warnings++];
    memset(w, 0, sizeof *w);
    w->level = level;
    w->text = text;
    w->registry = rb_json_str(run, "registry");
    w->scenario = rb_json_str(run, "scenario");
    w->label = rb_json_str(run, "label");
    w->rep = rep_of(run);
    return w;
}

/* The suite's warnings, then per run its own and those of its phases that
 * its list does not already hold. */
static void warnings(const json_t *suite, const json_t *runs, rb_sections *s)
{
    size_t cap = 0, i;
    const json_t *w;
    json_array_foreach(json_object_get(suite, "warnings"), i, w) add_warning(s, &cap, RB_SEC_SUITE, json_string_value(w), NULL);
    for (size_t ri = 0; ri < json_array_size(runs); ri++) {
        const json_t *run = json_array_get(runs, ri), *phases = json_object_get(run, "phases");
        const json_t *run_warnings = json_object_get(run, "warnings");
        json_array_foreach(run_warnings, i, w)
            if (json_is_string(w)) add_warning(s, &cap, RB_SEC_RUN, json_string_value(w), run);
        for (size_t pi = 0; pi < json_array_size(phases); pi++) {
            size_t k;
            const json_t *pw;
            json_array_foreach(json_object_get(json_array_get(phases, pi), "warnings"), k, pw) {
                if (!json_is_string(pw)) continue;
                int dup = 0;
                size_t j;
                const json_t *rw;
                json_array_foreach(run_warnings, j, rw)
                    if (json_is_string(rw) && strstr(json_string_value(rw), json_string_value(pw))) dup = 1;
                if (dup) continue;
                rb_sec_warning *x = add_warning(s, &cap, RB_SEC_PHASE, json_string_value(pw), run);
                rb_phase_key(phases, pi, x->phase, sizeof x->phase);
            }
        }
    }
}

/* Every gauge named name in the runs of scenario scn. */
static void metric_rows(const json_t *runs, const char *scn, const char *name, rb_sec_metric *m)
{
    size_t cap = 0;
    m->name = name;
    for (size_t ri = 0; ri < json_array_size(runs); ri++) {
        const json_t *run = json_array_get(runs, ri), *g;
        if (strcmp(rb_json_str(run, "scenario"), scn) != 0) continue;
        const char *key;
        json_object_foreach((json_t *)json_object_get(run, "metrics"), key, g) {
            if (strcmp(rb_json_str(g, "name"), name) != 0) continue;
            double v = rb_json_num(g, "value");
            if (isnan(v)) v = rb_json_num(g, "mean");
            m->rows = grow(m->rows, m->n, &cap, sizeof *m->rows);
            m->rows[m->n++] = (rb_sec_metric_row){rb_json_str(run, "registry"), rb_json_str(run, "label"),
                                                  rb_json_str(g, "tags"), rep_of(run), v};
        }
    }
}

/* Dedup rows (bytes sent and stored per phase) and open-model arrivals of the phases of scenario sc. */
static void phase_rows(const json_t *runs, rb_sec_scenario *sc)
{
    size_t dcap = 0, acap = 0;
    int dedup = sc->metrics[RB_SEC_LOGICAL_BYTES].n > 0;
    for (size_t ri = 0; ri < json_array_size(runs); ri++) {
        const json_t *run = json_array_get(runs, ri), *phases = json_object_get(run, "phases");
        if (strcmp(rb_json_str(run, "scenario"), sc->name) != 0) continue;
        for (size_t pi = 0; pi < json_array_size(phases); pi++) {
            const json_t *ph = json_array_get(phases, pi), *c = json_object_get(ph, "counters");
            const json_t *reg = json_object_get(ph, "registry");
            if (dedup) {
                sc->dedup = grow(sc->dedup, sc->n_dedup, &dcap, sizeof *sc->dedup);
                sc->dedup[sc->n_dedup++] = (rb_sec_dedup){
                    .registry = rb_json_str(run, "registry"), .phase = rb_json_str(ph, "name"), .rep = rep_of(run),
                    .sent = rb_json_num(ph, "bytes"), .has_registry = reg != NULL,
                    .storage = rb_json_num(reg, "storage_bytes"), .rss_end = rb_json_num(reg, "rss_end_bytes"),
                    .uploaded = rb_json_num(c, "blobs_uploaded"), .skipped = rb_json_num(c, "blobs_skipped"),
                    .mounted = rb_json_num(c, "blobs_mounted")};
            }
            if (json_object_get(c, "iterations")) {
                sc->arrivals = grow(sc->arrivals, sc->n_arrivals, &acap, sizeof *sc->arrivals);
                sc->arrivals[sc->n_arrivals++] = (rb_sec_arrivals){
                    .registry = rb_json_str(run, "registry"), .label = rb_json_str(run, "label"),
                    .phase = rb_json_str(ph, "name"), .rep = rep_of(run), .iterations = rb_json_num(c, "iterations"),
                    .dropped = rb_json_num(c, "dropped_iterations"), .late = rb_json_num(c, "late_iterations")};
            }
        }
    }
}

static int same_phase(const rb_group *a, const rb_group *b)
{
    return !strcmp(a->label, b->label) && !strcmp(a->phase, b->phase);
}

/* Like with like: for each (label, phase key) of scenario sc that two or
 * more registries ran, the best and the worst of them by median MB/s (by
 * ops/s when none moved bytes); largest ratio first, ties in group order. */
static void spreads(rb_sec_scenario *sc)
{
    sc->spreads = rb_calloc(sc->n_rows ? sc->n_rows : 1, sizeof *sc->spreads);
    for (size_t i = 0; i < sc->n_rows; i++) {
        int first = 1, by_ops = 1;
        for (size_t k = 0; k < i && first; k++) first = !same_phase(sc->rows[k]->g, sc->rows[i]->g);
        if (!first) continue;
        for (size_t k = i; k < sc->n_rows; k++)
            if (same_phase(sc->rows[k]->g, sc->rows[i]->g) && sc->rows[k]->mbps > 0) by_ops = 0;
        rb_sec_spread sp = {.by_ops = by_ops};
        size_t n = 0;
        for (size_t k = i; k < sc->n_rows; k++) {
            const rb_sec_phase *p = sc->rows[k];
            double v = by_ops ? p->ops_s : p->mbps;
            if (!same_phase(p->g, sc->rows[i]->g) || !(v > 0)) continue;
            n++;
            if (!sp.best || v > (by_ops ? sp.best->ops_s : sp.best->mbps)) sp.best = p;
            if (!sp.worst || v < (by_ops ? sp.worst->ops_s : sp.worst->mbps)) sp.worst = p;
        }
        if (n < 2) continue;
        sp.ratio = by_ops ? sp.best->ops_s / sp.worst->ops_s : sp.best->mbps / sp.worst->mbps;
        /* insertion keeps ties in group order */
        size_t at = sc->n_spreads++;
        while (at > 0 && sc->spreads[at - 1].ratio < sp.ratio) {
            sc->spreads[at] = sc->spreads[at - 1];
            at--;
        }
        sc->spreads[at] = sp;
    }
}

/* The rows of scenario sc (its groups) and what they say. */
static void scenario_rows(rb_sections *s, rb_sec_scenario *sc)
{
    sc->rows = rb_calloc(s->groups.n ? s->groups.n : 1, sizeof *sc->rows);
    double worst_ratio = 0;
    const rb_sec_phase *outlier = NULL;
    for (size_t i = 0; i < s->groups.n; i++) {
        const rb_sec_phase *p = &s->phases[i];
        if (strcmp(p->g->scenario, sc->name) != 0) continue;
        sc->rows[sc->n_rows++] = p;
        sc->errors += p->g->errors;
        if (p->p50 > 0 && p->p99 / p->p50 > worst_ratio) { worst_ratio = p->p99 / p->p50; outlier = p; }
    }
    sc->outlier = worst_ratio >= RB_SEC_TAIL_RATIO ? outlier : NULL;
    sc->tail_ratio = worst_ratio;
    spreads(sc);
}

/* A series of custom metric values: one key of the runs of (scenario, registry, label). */
typedef struct series_id {
    const char *scenario, *registry, *label, *key;
} series_id;

static int run_of(const json_t *run, const series_id *id)
{
    return !strcmp(rb_json_str(run, "scenario"), id->scenario) && !strcmp(rb_json_str(run, "registry"), id->registry) &&
           !strcmp(rb_json_str(run, "label"), id->label);
}

/* Whether (registry, label, key) is series id (of the same scenario). */
static int is_series(const series_id *id, const char *registry, const char *label, const char *key)
{
    return !strcmp(registry, id->registry) && !strcmp(label, id->label) && !strcmp(key, id->key);
}

/* Field `field` of series id over the repetitions that recorded it: the
 * median, or the sum when sum is set; *reps gets how many recorded it. */
static double over_reps(const json_t *runs, const series_id *id, const char *field, int sum, size_t *reps)
{
    size_t n = 0, nruns = json_array_size(runs);
    double *v = rb_calloc(nruns ? nruns : 1, sizeof *v), total = 0;
    for (size_t ri = 0; ri < nruns; ri++) {
        const json_t *run = json_array_get(runs, ri);
        const json_t *m = json_object_get(json_object_get(run, "metrics"), id->key);
        if (!run_of(run, id) || !json_is_object(m)) continue;
        v[n] = rb_json_num(m, field);
        if (isfinite(v[n])) total += v[n];
        n++;
    }
    double r = sum ? total : rb_median(v, n);
    free(v);
    if (reps) *reps = n;
    return r;
}

/* The checks and the other custom metrics of scenario sc's runs, one row
 * per (registry, label, series) in first-seen order (the metrics by type
 * first), over the repetitions. */
static void metric_series(const json_t *runs, rb_sec_scenario *sc)
{
    size_t ccap = 0, mcap = 0, i, k;
    for (size_t ri = 0; ri < json_array_size(runs); ri++) {
        const json_t *run = json_array_get(runs, ri), *m;
        if (strcmp(rb_json_str(run, "scenario"), sc->name) != 0) continue;
        const char *key;
        json_object_foreach((json_t *)json_object_get(run, "metrics"), key, m) {
            int type = mtype_of(rb_json_str(m, "type"));
            if (type < 0) continue;
            series_id id = {sc->name, rb_json_str(run, "registry"), rb_json_str(run, "label"), key};
            if (type == RB_SEC_RATE && !strcmp(rb_json_str(m, "name"), "checks")) {
                for (k = 0; k < sc->n_checks; k++)
                    if (is_series(&id, sc->checks[k].registry, sc->checks[k].label, sc->checks[k].key)) break;
                if (k < sc->n_checks) continue;
                const char *tags = rb_json_str(m, "tags");
                sc->checks = grow(sc->checks, sc->n_checks, &ccap, sizeof *sc->checks);
                sc->checks[sc->n_checks++] = (rb_sec_check){.registry = id.registry, .label = id.label,
                                                            .name = strncmp(tags, "check=", 6) ? tags : tags + 6,
                                                            .key = key};
            } else {
                for (k = 0; k < sc->n_custom; k++)
                    if (is_series(&id, sc->custom[k].registry, sc->custom[k].label, sc->custom[k].key)) break;
                if (k < sc->n_custom) continue;
                sc->custom = grow(sc->custom, sc->n_custom, &mcap, sizeof *sc->custom);
                sc->custom[sc->n_custom++] = (rb_sec_custom){.registry = id.registry, .label = id.label,
                                                             .name = rb_json_str(m, "name"),
                                                             .tags = rb_json_str(m, "tags"), .key = key,
                                                             .type = (rb_sec_mtype)type};
            }
        }
    }
    /* by type (stable: insertion), so that each type's rows make one table */
    for (i = 1; i < sc->n_custom; i++) {
        rb_sec_custom x = sc->custom[i];
        for (k = i; k > 0 && sc->custom[k - 1].type > x.type; k--) sc->custom[k] = sc->custom[k - 1];
        sc->custom[k] = x;
    }
    for (i = 0; i < sc->n_checks; i++) {
        rb_sec_check *c = &sc->checks[i];
        series_id id = {sc->name, c->registry, c->label, c->key};
        c->rate = over_reps(runs, &id, "rate", 0, &c->reps);
        c->passes = over_reps(runs, &id, "passes", 1, NULL);
        c->fails = over_reps(runs, &id, "fails", 1, NULL);
    }
    for (i = 0; i < sc->n_custom; i++) {
        rb_sec_custom *c = &sc->custom[i];
        series_id id = {sc->name, c->registry, c->label, c->key};
        size_t nf;
        const char *const *f = rb_sec_mtype_fields(c->type, &nf);
        c->count = over_reps(runs, &id, "count", 1, &c->reps);
        for (k = 0; k < RB_SEC_MAX_FIELDS; k++)
            c->v[k] = k < nf ? over_reps(runs, &id, f[k], c->type == RB_SEC_RATE && k > 0, NULL) : NAN;
    }
}

/* The replay of (registry, label) in sc's list, made when new (NULL when the list is full). */
static rb_sec_replay *replay_of(const json_t *runs, rb_sec_scenario *sc, const char *registry, const char *label)
{
    for (size_t i = 0; i < sc->n_replays; i++)
        if (!strcmp(sc->replays[i].registry, registry) && !strcmp(sc->replays[i].label, label)) return &sc->replays[i];
    if (sc->n_replays == RB_SEC_REPLAY_MAX) return NULL;
    if (!sc->replays) sc->replays = rb_calloc(RB_SEC_REPLAY_MAX, sizeof *sc->replays);
    rb_sec_replay *r = &sc->replays[sc->n_replays++];
    *r = (rb_sec_replay){.registry = registry, .label = label, .tolerance = ""};
    series_id id = {sc->name, registry, label, ""};
    for (size_t ri = 0; ri < json_array_size(runs); ri++) {
        const json_t *run = json_array_get(runs, ri);
        if (!run_of(run, &id)) continue;
        r->tolerance = rb_json_str(json_object_get(run, "params"), "tolerance");
        break;
    }
    return r;
}

/* The op row of r named op, made when new (NULL when full). */
static rb_sec_replay_op *replay_op(rb_sec_replay *r, const char *op)
{
    for (size_t i = 0; i < r->n_ops; i++)
        if (!strcmp(r->ops[i].op, op)) return &r->ops[i];
    if (r->n_ops == RB_SEC_REPLAY_MAX) return NULL;
    r->ops[r->n_ops] = (rb_sec_replay_op){.op = op};
    return &r->ops[r->n_ops++];
}

/* The value of tag `key` in tags ("k=v,k2=v2") into buf ("" when absent). */
static void tag_value(const char *tags, const char *key, char *buf, size_t n)
{
    size_t kl = strlen(key);
    buf[0] = 0;
    for (const char *p = tags; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL) {
        if (strncmp(p, key, kl) != 0 || p[kl] != '=') continue;
        size_t len = strcspn(p + kl + 1, ",");
        snprintf(buf, n, "%.*s", (int)len, p + kl + 1);
        return;
    }
}

/* The mix row of r with tags, made when new (NULL when full). */
static rb_sec_replay_mix *replay_mix(rb_sec_replay *r, const char *tags)
{
    for (size_t i = 0; i < r->n_mix; i++)
        if (!strcmp(r->mix[i].tags, tags)) return &r->mix[i];
    if (r->n_mix == RB_SEC_REPLAY_MAX) return NULL;
    rb_sec_replay_mix *x = &r->mix[r->n_mix];
    *x = (rb_sec_replay_mix){.tags = tags};
    tag_value(tags, "method", x->method, sizeof x->method);
    tag_value(tags, "kind", x->kind, sizeof x->kind);
    tag_value(tags, "status", x->status, sizeof x->status);
    return &r->mix[r->n_mix++];
}

/* The replay section of sc from its custom metrics named replay_*: a
 * replay is there when a run records replay_on_time or replay_latency_recorded. */
static void replay_rows(const json_t *runs, rb_sec_scenario *sc)
{
    for (size_t i = 0; i < sc->n_custom; i++) {
        const rb_sec_custom *c = &sc->custom[i];
        if (strcmp(c->name, "replay_on_time") != 0 && strcmp(c->name, "replay_latency_recorded") != 0) continue;
        replay_of(runs, sc, c->registry, c->label);
    }
    for (size_t i = 0; i < sc->n_custom; i++) {
        const rb_sec_custom *c = &sc->custom[i];
        if (strncmp(c->name, "replay_", 7) != 0) continue;
        rb_sec_replay *r = NULL;
        for (size_t k = 0; k < sc->n_replays && !r; k++)
            if (!strcmp(sc->replays[k].registry, c->registry) && !strcmp(sc->replays[k].label, c->label))
                r = &sc->replays[k];
        if (!r) continue;
        const char *n = c->name + 7, *op = strncmp(c->tags, "op=", 3) ? c->tags : c->tags + 3;
        double v = isfinite(c->v[0]) ? c->v[0] : 0;
        rb_sec_replay_op *o;
        rb_sec_replay_mix *x;
        if (c->type == RB_SEC_TREND && !strcmp(n, "latency_recorded") && (o = replay_op(r, op))) o->recorded = c;
        else if (c->type == RB_SEC_TREND && !strcmp(n, "latency") && (o = replay_op(r, op))) o->measured = c;
        else if (c->type == RB_SEC_TREND && !strcmp(n, "latency_corrected") && (o = replay_op(r, op))) o->corrected = c;
        else if (c->type == RB_SEC_COUNTER && !strcmp(n, "logged") && (x = replay_mix(r, c->tags))) x->logged += v;
        else if (c->type == RB_SEC_COUNTER && !strcmp(n, "replayed") && (x = replay_mix(r, c->tags))) x->replayed += v;
        else if (c->type == RB_SEC_RATE && !strcmp(n, "on_time")) r->on_time = c;
        else if (c->type == RB_SEC_GAUGE && !strcmp(n, "rate_recorded")) r->rate_recorded = c;
        else if (c->type == RB_SEC_GAUGE && !strcmp(n, "rate_achieved")) r->rate_achieved = c;
        else if (c->type == RB_SEC_COUNTER && !strcmp(n, "dropped")) r->dropped += v;
        else if (c->type == RB_SEC_COUNTER && !strcmp(n, "late")) r->late += v;
        else if (c->type == RB_SEC_COUNTER && !strcmp(n, "failed")) r->failed += v;
        else if (c->type == RB_SEC_COUNTER && !strcmp(n, "absorbed")) r->absorbed += v;
    }
    for (size_t k = 0; k < sc->n_replays; k++) {   /* ops by name, the mix by tags (insertion sorts: small lists) */
        rb_sec_replay *r = &sc->replays[k];
        for (size_t i = 1; i < r->n_ops; i++) {
            rb_sec_replay_op o = r->ops[i];
            size_t j = i;
            for (; j > 0 && strcmp(r->ops[j - 1].op, o.op) > 0; j--) r->ops[j] = r->ops[j - 1];
            r->ops[j] = o;
        }
        for (size_t i = 1; i < r->n_mix; i++) {
            rb_sec_replay_mix x = r->mix[i];
            size_t j = i;
            for (; j > 0 && strcmp(r->mix[j - 1].tags, x.tags) > 0; j--) r->mix[j] = r->mix[j - 1];
            r->mix[j] = x;
        }
    }
}

static void scenarios(const json_t *runs, rb_sections *s)
{
    s->scenarios = rb_calloc(RB_SEC_MAX_SCENARIOS, sizeof *s->scenarios);
    for (size_t i = 0; i < s->groups.n; i++) {
        const char *scn = s->groups.g[i].scenario;
        int seen = 0;
        for (size_t k = 0; k < s->n_scenarios; k++)
            if (!strcmp(s->scenarios[k].name, scn)) seen = 1;
        if (seen || s->n_scenarios == RB_SEC_MAX_SCENARIOS) continue;
        rb_sec_scenario *sc = &s->scenarios[s->n_scenarios++];
        sc->name = scn;
        scenario_rows(s, sc);
        for (int m = 0; m < RB_SEC_N_METRICS; m++) metric_rows(runs, scn, METRIC_NAMES[m], &sc->metrics[m]);
        phase_rows(runs, sc);
        metric_series(runs, sc);
        replay_rows(runs, sc);
    }
}

/* How many registries ran scenario scn (at most two are counted). */
static int scenario_registries(const json_t *runs, const char *scn)
{
    const char *first = NULL;
    for (size_t ri = 0; ri < json_array_size(runs); ri++) {
        const json_t *run = json_array_get(runs, ri);
        if (strcmp(rb_json_str(run, "scenario"), scn) != 0) continue;
        if (!first) first = rb_json_str(run, "registry");
        else if (strcmp(first, rb_json_str(run, "registry")) != 0) return 2;
    }
    return first ? 1 : 0;
}

static void side_by_side(const json_t *runs, rb_sections *s)
{
    if (s->n_registries < 2) return;
    s->side = rb_calloc(s->groups.n ? s->groups.n : 1, sizeof *s->side);
    for (size_t i = 0; i < s->groups.n; i++) {
        const rb_group *g = &s->groups.g[i];
        int seen = scenario_registries(runs, g->scenario) < 2;
        for (size_t h = 0; h < s->n_side && !seen; h++) {
            const rb_group *k = s->side[h].key;
            seen = !strcmp(k->scenario, g->scenario) && !strcmp(k->label, g->label) && !strcmp(k->phase, g->phase);
        }
        if (seen) continue;
        rb_sec_side *row = &s->side[s->n_side++];
        row->key = g;
        row->cells = rb_calloc(s->n_registries, sizeof *row->cells);
        for (size_t r = 0; r < s->n_registries; r++) {
            const rb_group *m = rb_groups_find(&s->groups, s->registries[r].name, g->scenario, g->label, g->phase);
            row->cells[r] = m ? &s->phases[m - s->groups.g] : NULL;
        }
    }
}

/* The shards of the first merged run (a run with "shards"). */
static void shards(const json_t *runs, rb_sections *s)
{
    size_t ri;
    const json_t *run;
    json_array_foreach(runs, ri, run) {
        const json_t *list = json_object_get(run, "shards");
        if (!json_is_array(list)) continue;
        s->partial = json_is_true(json_object_get(run, "partial"));
        s->shards = rb_calloc(json_array_size(list) + 1, sizeof *s->shards);
        size_t i;
        const json_t *sh;
        json_array_foreach(list, i, sh) {
            rb_sec_shard *o = &s->shards[s->n_shards++];
            *o = (rb_sec_shard){
                .index = rb_json_int(sh, "index", -1), .barriers = rb_json_int(sh, "barriers_used", -1),
                .status = rb_json_str(sh, "status"), .error = rb_json_str(sh, "error"), .host = rb_json_str(sh, "host"),
                .offset_ms = rb_json_num(sh, "clock_offset_ms"), .duration_s = rb_json_num(sh, "duration_s"),
                .ops = rb_json_num(sh, "ops"), .errors = rb_json_num(sh, "errors"), .cpu_s = rb_json_num(sh, "client_cpu_s"),
                .rss_peak_bytes = rb_json_num(sh, "client_rss_peak_bytes"), .max_skew_ms = NAN,
            };
            size_t k;
            const json_t *ph;
            json_array_foreach(json_object_get(sh, "phases"), k, ph) {
                double v = fabs(rb_json_num(ph, "start_skew_ms"));
                if (!isnan(v) && (isnan(o->max_skew_ms) || v > o->max_skew_ms)) o->max_skew_ms = v;
            }
        }
        return;
    }
}

void rb_sections_extract(const json_t *suite, rb_sections *s)
{
    const json_t *runs = json_object_get(suite, "runs");
    memset(s, 0, sizeof *s);
    header(suite, &s->head);
    registries(suite, s);
    s->n_runs = json_array_size(runs);
    failed_runs(runs, s);
    thresholds(suite, s);
    warnings(suite, runs, s);
    rb_groups_collect(runs, RB_GROUPS_VIEW, &s->groups);
    s->phases = rb_calloc(s->groups.n ? s->groups.n : 1, sizeof *s->phases);
    for (size_t i = 0; i < s->groups.n; i++) {
        const rb_group *g = &s->groups.g[i];
        s->phases[i] = (rb_sec_phase){g, rb_group_median(g, RB_STAT_MBPS), rb_group_median(g, RB_STAT_OPS_PER_S),
                                      rb_group_median(g, RB_STAT_P50), rb_group_median(g, RB_STAT_P99)};
    }
    scenarios(runs, s);
    side_by_side(runs, s);
    shards(runs, s);
}

void rb_sections_free(rb_sections *s)
{
    for (size_t i = 0; i < s->n_failed; i++) {
        for (size_t k = 0; k < s->failed[i].n_incomplete; k++) free(s->failed[i].incomplete[k]);
        free(s->failed[i].incomplete);
    }
    free(s->failed);
    for (size_t i = 0; i < s->n_thresholds; i++) free(s->thresholds[i].failures);
    free(s->thresholds);
    free(s->warnings);
    free(s->registries);
    for (size_t i = 0; i < s->n_conformance; i++) free(s->conformance[i].failed);
    free(s->conformance);
    for (size_t i = 0; i < s->n_scenarios; i++) {
        rb_sec_scenario *sc = &s->scenarios[i];
        free(sc->rows);
        free(sc->spreads);
        free(sc->checks);
        free(sc->custom);
        free(sc->replays);
        for (int m = 0; m < RB_SEC_N_METRICS; m++) free(sc->metrics[m].rows);
        free(sc->dedup);
        free(sc->arrivals);
    }
    free(s->scenarios);
    for (size_t i = 0; i < s->n_side; i++) free(s->side[i].cells);
    free(s->side);
    free(s->phases);
    free(s->shards);
    rb_groups_free(&s->groups);
    memset(s, 0, sizeof *s);
}
