/* summary: summary.md from a suite results document (see rb_summary.h).
 * Phases are grouped by (registry, scenario, label, phase name) across
 * repetitions and reported by their medians. Scenario-specific sections
 * appear when the runs carry the metrics they need, so custom scenarios
 * that emit the same metric names get them too. */
#include "results/rb_summary.h"
#include "results/rb_groups.h"
#include "results/rb_report.h"
#include "util/rb_atomic.h"
#include "util/rb_util.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>



/* "phase" or "phase (label)" for sentences. */
static void where(char *buf, size_t len, const char *phase, const char *label)
{
    if (label[0]) snprintf(buf, len, "%s (%s)", phase, label);
    else snprintf(buf, len, "%s", phase);
}

typedef struct med {
    double mbps, ops_s, p50, p99;
} med;

static med medians(const rb_group *g)
{
    med m = {rb_group_median(g, RB_G_MBPS), rb_group_median(g, RB_G_OPS), rb_group_median(g, RB_G_P50),
             rb_group_median(g, RB_G_P99)};
    return m;
}

/* Sums a metric's values over the runs of (registry, scenario) whose key starts with prefix. */
static void metric_rows(FILE *out, const json_t *suite, const char *scenario, const char *name, const char *title,
                        const char *unit)
{
    int header = 0;
    size_t ri;
    const json_t *run;
    json_array_foreach(json_object_get(suite, "runs"), ri, run) {
        if (strcmp(rb_json_str(run, "scenario"), scenario) != 0) continue;
        const char *key;
        const json_t *m;
        json_object_foreach((json_t *)json_object_get(run, "metrics"), key, m) {
            if (strcmp(rb_json_str(m, "name"), name) != 0) continue;
            if (!header) {
                fprintf(out, "\n%s\n\n| registry | label | rep | tags | value |\n|---|---|---|---|---|\n", title);
                header = 1;
            }
            double v = rb_json_num(m, "value");
            if (isnan(v)) v = rb_json_num(m, "mean");
            char val[64];
            if (strcmp(unit, " B") == 0) rb_format_bytes(v, val, sizeof val);
            else snprintf(val, sizeof val, "%.3g%s", v, unit);
            fprintf(out, "| %s | %s | %lld | %s | %s |\n", rb_json_str(run, "registry"), rb_json_str(run, "label"),
                    (long long)json_integer_value(json_object_get(run, "repetition")), rb_json_str(m, "tags"), val);
        }
    }
}

static int scenario_has_metric(const json_t *suite, const char *scenario, const char *name)
{
    size_t ri;
    const json_t *run;
    json_array_foreach(json_object_get(suite, "runs"), ri, run) {
        if (strcmp(rb_json_str(run, "scenario"), scenario) != 0) continue;
        const char *key;
        const json_t *m;
        json_object_foreach((json_t *)json_object_get(run, "metrics"), key, m)
            if (strcmp(rb_json_str(m, "name"), name) == 0) return 1;
    }
    return 0;
}

/* Dedup: bytes pushed against bytes stored per phase, from counters and the registry block. */
static void dedup_section(FILE *out, const json_t *suite, const char *scenario)
{
    fprintf(out, "\nDeduplication (bytes sent and stored per phase):\n\n"
                 "| registry | rep | phase | blobs uploaded | skipped | mounted | sent | storage at end | registry RSS at end |\n"
                 "|---|---|---|---|---|---|---|---|---|\n");
    size_t ri;
    const json_t *run;
    json_array_foreach(json_object_get(suite, "runs"), ri, run) {
        if (strcmp(rb_json_str(run, "scenario"), scenario) != 0) continue;
        size_t pi;
        const json_t *ph;
        json_array_foreach(json_object_get(run, "phases"), pi, ph) {
            const json_t *c = json_object_get(ph, "counters"), *reg = json_object_get(ph, "registry");
            char sent[32], st[32] = "-", rss[32] = "-";
            rb_format_bytes(rb_json_num(ph, "bytes"), sent, sizeof sent);
            if (reg && json_is_number(json_object_get(reg, "storage_bytes")))
                rb_format_bytes(rb_json_num(reg, "storage_bytes"), st, sizeof st);
            if (reg) rb_format_bytes(rb_json_num(reg, "rss_end_bytes"), rss, sizeof rss);
            double up = rb_json_num(c, "blobs_uploaded"), sk = rb_json_num(c, "blobs_skipped"), mo = rb_json_num(c, "blobs_mounted");
            fprintf(out, "| %s | %lld | %s | %.0f | %.0f | %.0f | %s | %s | %s |\n", rb_json_str(run, "registry"),
                    (long long)json_integer_value(json_object_get(run, "repetition")), rb_json_str(ph, "name"),
                    isnan(up) ? 0 : up, isnan(sk) ? 0 : sk, isnan(mo) ? 0 : mo, sent, st, rss);
        }
    }
}

/* rb.rate's counters per phase: iterations started, dropped and late. */
static void arrivals_section(FILE *out, const json_t *suite, const char *scenario)
{
    int header = 0;
    size_t ri;
    const json_t *run;
    json_array_foreach(json_object_get(suite, "runs"), ri, run) {
        if (strcmp(rb_json_str(run, "scenario"), scenario) != 0) continue;
        size_t pi;
        const json_t *ph;
        json_array_foreach(json_object_get(run, "phases"), pi, ph) {
            const json_t *c = json_object_get(ph, "counters");
            if (!json_object_get(c, "iterations")) continue;
            if (!header) {
                fprintf(out, "\nOpen-model arrivals:\n\n| registry | label | rep | phase | iterations | dropped | late |\n|---|---|---|---|---|---|---|\n");
                header = 1;
            }
            double it = rb_json_num(c, "iterations"), dr = rb_json_num(c, "dropped_iterations"), la = rb_json_num(c, "late_iterations");
            fprintf(out, "| %s | %s | %lld | %s | %.0f | %.0f | %.0f |\n", rb_json_str(run, "registry"), rb_json_str(run, "label"),
                    (long long)json_integer_value(json_object_get(run, "repetition")), rb_json_str(ph, "name"),
                    isnan(it) ? 0 : it, isnan(dr) ? 0 : dr, isnan(la) ? 0 : la);
        }
    }
}

void rb_summary_md(const json_t *suite, FILE *out)
{
    const json_t *env = json_object_get(suite, "environment");
    const json_t *sinfo = json_object_get(suite, "suite");
    fprintf(out, "# regbench suite: %s\n\n", rb_json_str(sinfo, "name"));
    if (rb_json_str(sinfo, "description")[0]) fprintf(out, "%s\n\n", rb_json_str(sinfo, "description"));
    char mem[32];
    rb_format_bytes(rb_json_num(env, "memory_bytes"), mem, sizeof mem);
    fprintf(out, "Started %s, took %.1f s, status **%s** (exit code %lld). regbench %s on %s, %lld cores, %s memory, %s.\n",
            rb_json_str(suite, "started_at"), rb_json_num(suite, "duration_s"), rb_json_str(suite, "status"),
            (long long)json_integer_value(json_object_get(suite, "exit_code")),
            rb_json_str(json_object_get(suite, "tool"), "version"), rb_json_str(env, "cpu_model"),
            (long long)json_integer_value(json_object_get(env, "cores")), mem, rb_json_str(env, "kernel"));

    fprintf(out, "\n## Registries\n\n| name | kind | storage | version |\n|---|---|---|---|\n");
    size_t i;
    const json_t *r;
    size_t n_regs = json_array_size(json_object_get(suite, "registries"));
    json_array_foreach(json_object_get(suite, "registries"), i, r)
        fprintf(out, "| %s | %s | %s | %s |\n", rb_json_str(r, "name"), rb_json_str(r, "kind"), rb_json_str(r, "storage"),
                rb_json_str(r, "version")[0] ? rb_json_str(r, "version") : "-");

    /* failed runs */
    int header = 0;
    const json_t *run;
    json_array_foreach(json_object_get(suite, "runs"), i, run) {
        if (strcmp(rb_json_str(run, "status"), "ok") == 0) continue;
        if (!header) { fprintf(out, "\n## Failed runs\n\n"); header = 1; }
        fprintf(out, "- %s / %s %s rep %lld: %s — %s\n", rb_json_str(run, "registry"), rb_json_str(run, "scenario"), rb_json_str(run, "label"),
                (long long)json_integer_value(json_object_get(run, "repetition")), rb_json_str(run, "status"),
                rb_json_str(run, "error")[0] ? rb_json_str(run, "error") : "(no message)");
    }

    const json_t *th = json_object_get(suite, "thresholds");
    if (json_array_size(th)) {
        fprintf(out, "\n## Thresholds\n\n");
        json_array_foreach(th, i, r) {
            int ok = json_is_true(json_object_get(r, "passed"));
            fprintf(out, "- %s `%s` (%lld checks)\n", ok ? "PASS" : "**FAIL**", rb_json_str(r, "expr"),
                    (long long)json_integer_value(json_object_get(r, "checked")));
            size_t k;
            const json_t *f;
            json_array_foreach(json_object_get(r, "failures"), k, f) {
                if (k == 3) { fprintf(out, "  - ...\n"); break; }
                fprintf(out, "  - %s\n", json_string_value(f));
            }
        }
    }
    const json_t *warn = json_object_get(suite, "warnings");
    if (json_array_size(warn)) {
        fprintf(out, "\n## Warnings\n\n");
        json_array_foreach(warn, i, r) fprintf(out, "- %s\n", json_string_value(r));
    }

    rb_groups gs = {0};
    rb_groups_collect(json_object_get(suite, "runs"), &gs);

    /* registries side by side */
    if (n_regs > 1) {
        fprintf(out, "\n## Registries side by side\n\nMedian throughput (MB/s) and p99 latency (ms) of each phase.\n\n| scenario | label | phase |");
        json_array_foreach(json_object_get(suite, "registries"), i, r) fprintf(out, " %s |", rb_json_str(r, "name"));
        fprintf(out, "\n|---|---|---|");
        for (size_t k = 0; k < n_regs; k++) fprintf(out, "---|");
        fprintf(out, "\n");
        for (size_t g = 0; g < gs.n; g++) {
            /* one row per (scenario, label, phase) seen first on any registry */
            int seen = 0;
            for (size_t h = 0; h < g; h++)
                if (!strcmp(gs.g[h].scenario, gs.g[g].scenario) && !strcmp(gs.g[h].label, gs.g[g].label) &&
                    !strcmp(gs.g[h].phase, gs.g[g].phase)) seen = 1;
            if (seen) continue;
            fprintf(out, "| %s | %s | %s |", gs.g[g].scenario, gs.g[g].label, gs.g[g].phase);
            json_array_foreach(json_object_get(suite, "registries"), i, r) {
                const rb_group *m = NULL;
                for (size_t h = 0; h < gs.n; h++)
                    if (!strcmp(gs.g[h].registry, rb_json_str(r, "name")) && !strcmp(gs.g[h].scenario, gs.g[g].scenario) &&
                        !strcmp(gs.g[h].label, gs.g[g].label) && !strcmp(gs.g[h].phase, gs.g[g].phase)) m = &gs.g[h];
                if (!m) { fprintf(out, " - |"); continue; }
                med md = medians(m);
                fprintf(out, " %.1f MB/s · %.1f ms |", md.mbps, md.p99);
            }
            fprintf(out, "\n");
        }
    }

    /* per scenario */
    const char *done[256];
    size_t n_done = 0;
    for (size_t g = 0; g < gs.n; g++) {
        const char *scn = gs.g[g].scenario;
        int seen = 0;
        for (size_t k = 0; k < n_done; k++) if (!strcmp(done[k], scn)) seen = 1;
        if (seen || n_done == 256) continue;
        done[n_done++] = scn;
        fprintf(out, "\n## Scenario %s\n\n| registry | label | phase | reps | ops | errors | MB/s | ops/s | p50 ms | p99 ms |\n"
                     "|---|---|---|---|---|---|---|---|---|---|\n", scn);
        const rb_group *best = NULL, *worst = NULL, *outlier = NULL;
        double best_v = -1, worst_v = INFINITY, worst_ratio = 0, errors = 0;
        for (size_t h = 0; h < gs.n; h++) {
            const rb_group *m = &gs.g[h];
            if (strcmp(m->scenario, scn) != 0) continue;
            med md = medians(m);
            fprintf(out, "| %s | %s | %s | %zu | %.0f | %.0f | %.2f | %.1f | %.2f | %.2f |\n", m->registry, m->label,
                    m->phase, m->n, m->ops, m->errors, md.mbps, md.ops_s, md.p50, md.p99);
            errors += m->errors;
            if (md.mbps > 0 && md.mbps > best_v) { best_v = md.mbps; best = m; }
            if (md.mbps > 0 && md.mbps < worst_v) { worst_v = md.mbps; worst = m; }
            if (md.p50 > 0 && md.p99 / md.p50 > worst_ratio) { worst_ratio = md.p99 / md.p50; outlier = m; }
        }
        fprintf(out, "\n");
        char w[256];
        if (best) {
            where(w, sizeof w, best->phase, best->label);
            fprintf(out, "- Best throughput: %.1f MB/s, %s on %s.\n", best_v, w, best->registry);
        }
        if (worst && worst != best) {
            where(w, sizeof w, worst->phase, worst->label);
            fprintf(out, "- Worst throughput: %.1f MB/s, %s on %s.\n", worst_v, w, worst->registry);
        }
        if (outlier && worst_ratio >= 5) {
            where(w, sizeof w, outlier->phase, outlier->label);
            fprintf(out, "- Tail latency: p99 is %.0fx p50 in %s on %s.\n", worst_ratio, w, outlier->registry);
        }
        fprintf(out, "- Errors: %.0f.\n", errors);
        if (scenario_has_metric(suite, scn, "scalability")) {
            metric_rows(out, suite, scn, "scalability", "Scalability: throughput at N / (N x throughput at 1):", "");
            metric_rows(out, suite, scn, "p99_growth", "Contention: p99 at N / p99 at 1:", "");
        }
        if (scenario_has_metric(suite, scn, "logical_bytes")) {
            metric_rows(out, suite, scn, "logical_bytes", "Bytes the images add up to (logical):", " B");
            metric_rows(out, suite, scn, "sent_bytes", "Bytes uploaded:", " B");
            dedup_section(out, suite, scn);
        }
        if (scenario_has_metric(suite, scn, "cache_hit_rate"))
        {
            metric_rows(out, suite, scn, "cache_hit_rate",
                        "Cache hit rate: 1 - (blobs the cache fetched from its upstream) / (blobs requested):", "");
            metric_rows(out, suite, scn, "registry_proxy_hit_rate",
                        "Hit rate by the registry's own proxy counters (distribution 2.8 never counts a miss):", "");
        }
        arrivals_section(out, suite, scn);
    }
    rb_groups_free(&gs);

    const json_t *cmp = json_object_get(suite, "comparison");
    if (json_is_object(cmp)) {
        fprintf(out, "\n## Compared with the baseline\n\nThreshold %.1f%%, alpha %.2f. Regressions: %lld.\n\n",
                rb_json_num(cmp, "threshold_pct"), rb_json_num(cmp, "alpha"),
                (long long)json_integer_value(json_object_get(cmp, "regressions")));
        json_array_foreach(json_object_get(cmp, "rows"), i, r) {
            if (!json_is_true(json_object_get(r, "regression"))) continue;
            fprintf(out, "- %s / %s %s %s: %s %+.1f%% (%.3g -> %.3g)%s\n", rb_json_str(r, "registry"), rb_json_str(r, "scenario"),
                    rb_json_str(r, "label"), rb_json_str(r, "phase"), rb_json_str(r, "metric"), rb_json_num(r, "change_pct"),
                    rb_json_num(r, "baseline_median"), rb_json_num(r, "new_median"),
                    json_is_number(json_object_get(r, "p_value")) ? "" : " (untested: fewer than 4 repetitions)");
        }
    }
}

int rb_write_summary_md(const json_t *suite, const char *path, char *err, size_t errlen)
{
    rb_atomic a;
    FILE *f = rb_atomic_open(&a, path, err, errlen);
    if (!f) return -1;
    rb_summary_md(suite, f);
    return rb_atomic_commit(&a, 0, err, errlen);
}
