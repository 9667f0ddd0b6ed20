/* test_compare: the regression detector. Mann-Whitney p-values against
 * reference values (scipy.stats.mannwhitneyu exact/asymptotic, a brute-force
 * enumeration of the permutation distribution for ties, and benchstat's own
 * R-checked large-sample cases); synthetic suites with a known 20% throughput
 * regression over 6 repetitions (significant, one regression), noise only
 * (none), 2 repetitions (untested: the threshold alone decides); run-level
 * results files; added/removed keys; repeated phase names; the grouping
 * engine compare shares with summary.md and report.html (which phases each
 * mode keeps, more repetitions than the views keep); and the
 * `regbench compare` command's exit codes and messages. */
#include "cli/rb_cli.h"
#include "results/rb_compare.h"
#include "results/rb_groups.h"
#include "results/rb_load.h"
#include "util/rb_util.h"
#include "rbtest.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int close_rel(double a, double b, double rel)
{
    return fabs(a - b) <= rel * fmax(fabs(b), 1e-300);
}

/* ---- Mann-Whitney reference values ------------------------------------------ */

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))
#define MW(x, y) rb_mann_whitney_p((x), N_OF(x), (y), N_OF(y))

static void test_mann_whitney(void)
{
    /* scipy 1.17.1: mannwhitneyu(x, y, method="exact"), two-sided; no ties */
    static const double a1[] = {2, 1, 3, 5}, b1[] = {12, 11, 13, 15};
    CHECK(close_rel(MW(a1, b1), 0.02857142857142857, 1e-12));
    CHECK(close_rel(MW(b1, a1), 0.02857142857142857, 1e-12));
    static const double b2[] = {0, 4, 6, 7};
    CHECK(close_rel(MW(a1, b2), 0.4857142857142857, 1e-12));
    static const double a3[] = {100, 101, 99, 102, 98, 100.5}, b3[] = {80, 81, 79, 82, 78, 80.5};
    CHECK(close_rel(MW(a3, b3), 0.0021645021645021645, 1e-12));
    static const double b4[] = {100.2, 99.5, 101.5, 98.7, 100.9, 99.9};
    CHECK(close_rel(MW(a3, b4), 0.9372294372294373, 1e-12));
    static const double a5[] = {12.1, 11.9, 12.4, 12.0, 12.2, 11.8, 12.3, 12.05, 12.15, 11.95};
    static const double b5[] = {12.5, 12.6, 12.2, 12.7, 12.45, 12.55, 12.35, 12.65, 12.8, 12.4};
    CHECK(close_rel(MW(a5, b5), 0.00012990105869362836, 1e-10));   /* one tie (12.2) */
    static const double a6[] = {5, 6, 7}, b6[] = {1, 2, 3, 4, 8, 9, 10, 11};
    CHECK(MW(a6, b6) == 1.0);

    /* ties, exact: brute-force enumeration of all C(N, n1) splits of the
     * midranks, p = 2 x the smaller tail (scipy agrees on the first) */
    static const double a7[] = {1, 2, 2, 3}, b7[] = {2, 3, 4, 4, 5};
    CHECK(close_rel(MW(a7, b7), 0.1111111111111111, 1e-12));
    static const double a8[] = {1, 1, 2, 2, 3, 3}, b8[] = {2, 2, 3, 3, 4, 4, 5};
    CHECK(close_rel(MW(a8, b8), 0.08041958041958042, 1e-12));

    /* normal approximation (n > 25 with ties, > 50 without), with tie and
     * continuity correction: scipy method="asymptotic" */
    double x[60], y[55];
    for (int i = 0; i < 30; i++) x[i] = i % 7;
    for (int i = 0; i < 35; i++) y[i] = (i % 9) + 1;
    CHECK(close_rel(rb_mann_whitney_p(x, 30, y, 35), 0.001898453978879266, 1e-9));
    for (int i = 0; i < 60; i++) x[i] = i * 2;
    for (int i = 0; i < 55; i++) y[i] = i * 2 - 21;
    CHECK(close_rel(rb_mann_whitney_p(x, 60, y, 55), 0.00022206810612559092, 1e-9));
    /* ...and the exact distribution at n = 50 without ties equals scipy's exact */
    double *l1 = rb_malloc(500 * sizeof *l1), *l2 = rb_malloc(600 * sizeof *l2), *l3 = rb_malloc(600 * sizeof *l3);
    for (int i = 0; i < 500; i++) l1[i] = i * 2;
    for (int i = 0; i < 600; i++) l2[i] = l3[i] = i * 2 - 41;
    for (int i = 0; i < 30; i++) l3[i] = l1[i];
    /* benchstat's internal/stats tests (checked against R's wilcox.test) */
    CHECK(close_rel(rb_mann_whitney_p(l1, 500, l2, 600), 0.0049335360814172224, 1e-9));
    CHECK(close_rel(rb_mann_whitney_p(l1, 500, l3, 600), 0.0038703814239617884, 1e-9));
    CHECK(close_rel(rb_mann_whitney_p(l1, 500, l1, 500), 1.0, 1e-12));
    free(l1);
    free(l2);
    free(l3);

    /* degenerate */
    static const double same[] = {2, 2, 2, 2};
    CHECK(MW(same, same) == 1.0);
    CHECK(rb_mann_whitney_p(a1, 0, b1, 4) == 1.0);
    /* the smallest p with 4 + 4 is 2/70 < 0.05, so 4 repetitions can decide */
    CHECK(MW(a1, b1) < RB_COMPARE_ALPHA);
}

/* ---- synthetic suites ------------------------------------------------------ */

static json_t *phase(const char *name, double mbps, double opsps, double p50)
{
    return json_pack("{s:s, s:b, s:f, s:i, s:i, s:I, s:f, s:f, s:{s:f, s:f, s:f, s:f}}",
                     "name", name, "complete", 1, "duration_s", 10.0, "ops", (int)(opsps * 10),
                     "errors", 0, "bytes", (json_int_t)(mbps * 1e7), "ops_per_s", opsps,
                     "throughput_MBps", mbps, "latency_ms", "p50", p50, "p95", p50 * 1.5,
                     "p99", p50 * 2, "mean", p50 * 1.1);
}

static json_t *run(const char *reg, const char *scn, const char *label, int rep, json_t *phases)
{
    return json_pack("{s:s, s:s, s:s, s:{}, s:i, s:s, s:o, s:{}, s:[]}", "registry", reg, "scenario", scn,
                     "label", label, "params", "repetition", rep, "status", "ok", "phases", phases,
                     "metrics", "warnings");
}

static json_t *suite(json_t *runs)
{
    return json_pack("{s:s, s:{s:s, s:i}, s:o}", "schema", RB_SUITE_SCHEMA, "environment", "cpu_model", "Test CPU",
                     "cores", 2, "runs", runs);
}

/* Small deterministic noise in [-1, 1]; with 6 repetitions both sides draw
 * the same values in a different order (pure noise: p = 1). */
static double noise(int side, int rep, int k)
{
    static const double t[] = {0.3, -0.7, 0.9, -0.2, 0.5, -0.95, 0.1, -0.4, 0.75, -0.6, 0.05, 0.85};
    int r = side ? 7 - rep : rep;   /* side 1 draws rep 1..6 in reverse; never below 0 */
    if (r < 0) r = -r;
    return t[(k * 5 + r) % 12];
}

/* A suite: one registry, scenario "single", label "level=6,size=10MB", phases
 * "push" and "pull", `reps` repetitions; push throughput scaled by factor. */
static json_t *make_suite(int side, int reps, double push_factor)
{
    json_t *runs = json_array();
    for (int r = 1; r <= reps; r++) {
        json_t *ph = json_array();
        json_array_append_new(ph, phase("push", (100 + noise(side, r, 0)) * push_factor, 20 + noise(side, r, 1) * 0.2,
                                        50 + noise(side, r, 2)));
        json_array_append_new(ph, phase("pull", 200 + noise(side, r, 3), 40 + noise(side, r, 4) * 0.4,
                                        25 + noise(side, r, 5) * 0.5));
        json_array_append_new(runs, run("crane-memory", "single", "level=6,size=10MB", r, ph));
    }
    return suite(runs);
}

static const json_t *find_row(const json_t *cmp, const char *phase_name, const char *metric)
{
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(cmp, "rows"), i, r) {
        if (!strcmp(json_string_value(json_object_get(r, "phase")), phase_name) &&
            !strcmp(json_string_value(json_object_get(r, "metric")), metric))
            return r;
    }
    return NULL;
}

static long long regressions(const json_t *cmp)
{
    return (long long)json_integer_value(json_object_get(cmp, "regressions"));
}

static void test_known_regression(void)
{
    json_t *b = make_suite(0, 6, 1.0), *n = make_suite(1, 6, 0.8);
    json_t *cmp = rb_compare(b, n, 5.0);
    CHECKF(regressions(cmp) == 1, "regressions %lld", regressions(cmp));
    const json_t *r = find_row(cmp, "push", "throughput_MBps");
    CHECK(r != NULL);
    if (r) {
        CHECK(json_is_true(json_object_get(r, "regression")));
        CHECK(json_is_true(json_object_get(r, "significant")));
        double p = json_real_value(json_object_get(r, "p_value"));
        CHECKF(close_rel(p, 0.0021645021645021645, 1e-9), "p %g", p);   /* fully separated 6 + 6 */
        double chg = json_number_value(json_object_get(r, "change_pct"));
        CHECKF(chg < -19 && chg > -21, "change %g", chg);
        CHECK(json_integer_value(json_object_get(r, "n_baseline")) == 6);
        CHECK(json_integer_value(json_object_get(r, "n_new")) == 6);
        CHECK(!strcmp(json_string_value(json_object_get(r, "label")), "level=6,size=10MB"));
        CHECK(!strcmp(json_string_value(json_object_get(r, "registry")), "crane-memory"));
        CHECK(!strcmp(json_string_value(json_object_get(r, "scenario")), "single"));
    }
    /* 5 metrics x 2 phases, nothing added or removed */
    CHECK(json_array_size(json_object_get(cmp, "rows")) == 10);
    CHECK(json_array_size(json_object_get(cmp, "added")) == 0);
    CHECK(json_array_size(json_object_get(cmp, "removed")) == 0);
    CHECK(json_real_value(json_object_get(cmp, "alpha")) == 0.05);
    CHECK(json_real_value(json_object_get(cmp, "threshold_pct")) == 5.0);
    /* a threshold above the change: no regression */
    json_t *c25 = rb_compare(b, n, 25.0);
    CHECK(regressions(c25) == 0);
    /* an improvement (swap sides) is never a regression */
    json_t *imp = rb_compare(n, b, 5.0);
    CHECK(regressions(imp) == 0);
    const json_t *ri = find_row(imp, "push", "throughput_MBps");
    CHECK(ri && json_is_true(json_object_get(ri, "significant")) && json_number_value(json_object_get(ri, "change_pct")) > 20);

    /* the table names the regression */
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    rb_compare_print(cmp, f);
    fclose(f);
    CHECK(strstr(buf, "single/level=6,size=10MB/registry=crane-memory/phase=push") != NULL);
    CHECK(strstr(buf, "REGRESSION") != NULL);
    CHECK(strstr(buf, "p=0.002 n=6+6") != NULL);
    CHECK(strstr(buf, "~ (p=") != NULL);
    CHECK(strstr(buf, "1 regression beyond 5%") != NULL);
    free(buf);
    json_decref(c25);
    json_decref(imp);
    json_decref(cmp);
    json_decref(b);
    json_decref(n);
}

static void test_noise_only(void)
{
    json_t *b = make_suite(0, 6, 1.0), *n = make_suite(1, 6, 1.0);
    json_t *cmp = rb_compare(b, n, 5.0);
    CHECK(regressions(cmp) == 0);
    const json_t *r = find_row(cmp, "push", "throughput_MBps");
    CHECK(r && json_is_false(json_object_get(r, "significant")));
    CHECK(r && json_real_value(json_object_get(r, "p_value")) > 0.5);
    /* noise, even with threshold 0, is not significant: no regression */
    json_t *c0 = rb_compare(b, n, 0.0);
    CHECK(regressions(c0) == 0);
    json_decref(c0);
    json_decref(cmp);
    json_decref(b);
    json_decref(n);
}

static void test_untested(void)
{
    json_t *b = make_suite(0, 2, 1.0), *n10 = make_suite(1, 2, 0.9), *n3 = make_suite(1, 2, 0.97);
    json_t *cmp = rb_compare(b, n10, 5.0);
    const json_t *r = find_row(cmp, "push", "throughput_MBps");
    CHECK(r && json_is_null(json_object_get(r, "p_value")) && json_is_null(json_object_get(r, "significant")));
    CHECK(r && json_is_true(json_object_get(r, "regression")));
    CHECK(regressions(cmp) == 1);
    json_t *cmp3 = rb_compare(b, n3, 5.0);
    CHECK(regressions(cmp3) == 0);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    rb_compare_print(cmp, f);
    fclose(f);
    CHECK(strstr(buf, "untested (n=2+2)") != NULL);
    free(buf);
    /* 4 on one side, 3 on the other: still untested */
    json_t *b4 = make_suite(0, 4, 1.0), *n3r = make_suite(1, 3, 0.8);
    json_t *c43 = rb_compare(b4, n3r, 5.0);
    r = find_row(c43, "push", "throughput_MBps");
    CHECK(r && json_is_null(json_object_get(r, "p_value")) && json_is_true(json_object_get(r, "regression")));
    json_decref(c43);
    json_decref(b4);
    json_decref(n3r);
    json_decref(cmp3);
    json_decref(cmp);
    json_decref(b);
    json_decref(n10);
    json_decref(n3);
}

static void test_added_removed(void)
{
    json_t *b = make_suite(0, 4, 1.0), *n = make_suite(1, 4, 1.0);
    /* baseline gains a registry the new one lacks; new gains a phase */
    json_t *ph = json_array();
    json_array_append_new(ph, phase("push", 50, 10, 10));
    json_array_append_new(json_object_get(b, "runs"), run("dist-fs", "single", "level=6,size=10MB", 1, ph));
    json_array_append_new(json_object_get(json_array_get(json_object_get(n, "runs"), 0), "phases"),
                          phase("catalog", 0.01, 5, 1));
    json_t *cmp = rb_compare(b, n, 5.0);
    CHECK(regressions(cmp) == 0);
    json_t *rem = json_object_get(cmp, "removed"), *add = json_object_get(cmp, "added");
    CHECK(json_array_size(rem) == 1 && json_array_size(add) == 1);
    CHECK(!strcmp(json_string_value(json_object_get(json_array_get(rem, 0), "registry")), "dist-fs"));
    CHECK(!strcmp(json_string_value(json_object_get(json_array_get(add, 0), "phase")), "catalog"));
    CHECK(find_row(cmp, "catalog", "ops_per_s") == NULL);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    rb_compare_print(cmp, f);
    fclose(f);
    CHECK(strstr(buf, "only in baseline: single/level=6,size=10MB/registry=dist-fs/phase=push") != NULL);
    CHECK(strstr(buf, "only in new: single/level=6,size=10MB/registry=crane-memory/phase=catalog") != NULL);
    free(buf);
    json_decref(cmp);
    json_decref(b);
    json_decref(n);
}

static void test_repeated_and_empty_phases(void)
{
    /* phases named alike within a run are told apart by occurrence; a phase
     * with no operations gives no latency rows and, with no bytes, no MB/s */
    json_t *runs[2];
    for (int s = 0; s < 2; s++) {
        runs[s] = json_array();
        for (int r = 1; r <= 4; r++) {
            json_t *ph = json_array();
            json_array_append_new(ph, phase("pull", 100 + noise(s, r, 0), 10, 5));
            json_array_append_new(ph, phase("pull", (50 + noise(s, r, 1)) * (s ? 0.5 : 1), 10, 5));
            json_t *idle = phase("idle", 0, 0, 0);
            json_array_append_new(ph, idle);
            json_array_append_new(runs[s], run("crane", "x", "", r, ph));
        }
    }
    json_t *b = suite(runs[0]), *n = suite(runs[1]);
    json_t *cmp = rb_compare(b, n, 5.0);
    CHECK(regressions(cmp) == 1);
    const json_t *r2 = find_row(cmp, "pull#2", "throughput_MBps");
    CHECK(r2 && json_is_true(json_object_get(r2, "regression")));
    const json_t *r1 = find_row(cmp, "pull", "throughput_MBps");
    CHECK(r1 && json_is_false(json_object_get(r1, "regression")));
    CHECK(find_row(cmp, "idle", "p50_ms") == NULL);
    CHECK(find_row(cmp, "idle", "throughput_MBps") == NULL);
    json_decref(cmp);
    json_decref(b);
    json_decref(n);
}

/* ---- the grouping engine ----------------------------------------------------- */

/* 70 repetitions of phases push (MB/s 100 + rep * factor), idle (no ops) and
 * a cut pull. */
static json_t *many_reps(double factor)
{
    json_t *runs = json_array();
    for (int r = 1; r <= 70; r++) {
        json_t *ph = json_array(), *cut = phase("pull", 10, 5, 5);
        json_array_append_new(ph, phase("push", 100 + r * factor, 20, 50));
        json_array_append_new(ph, phase("idle", 0, 0, 0));
        json_object_set_new(cut, "complete", json_false());
        json_array_append_new(ph, cut);
        json_array_append_new(runs, run("crane", "x", "", r, ph));
    }
    return suite(runs);
}

static void test_groups(void)
{
    json_t *s = many_reps(1.0);
    const json_t *runs = json_object_get(s, "runs");
    rb_groups view = {0}, all = {0};
    rb_groups_collect(runs, RB_GROUPS_VIEW, &view);
    rb_groups_collect(runs, RB_GROUPS_COMPARE, &all);
    /* the views: push and the cut pull (marked), not the empty idle; the
     * first RB_G_MAXREP repetitions kept, every one counted */
    CHECK(view.n == 2 && !strcmp(view.g[0].phase, "push") && !strcmp(view.g[1].phase, "pull"));
    CHECK(view.n == 2 && view.g[1].incomplete && !view.g[0].incomplete);
    CHECK(view.g[0].n == RB_G_MAXREP && view.g[0].ops == 70 * 200);
    CHECK(rb_group_median(&view.g[0], RB_STAT_MBPS) == 132.5);        /* 101 .. 164 */
    /* compare: every complete phase, the idle one too, never the cut one; every repetition */
    CHECK(all.n == 2 && !strcmp(all.g[0].phase, "push") && !strcmp(all.g[1].phase, "idle"));
    CHECK(all.g[0].n == 70 && rb_group_median(&all.g[0], RB_STAT_MBPS) == 135.5);   /* 101 .. 170 */
    CHECK(rb_groups_find(&all, "crane", "x", "", "pull") == NULL);
    CHECK(rb_groups_find(&view, "crane", "x", "", "pull") == &view.g[1]);
    CHECK(rb_groups_find(&view, "crane", "x", "other", "pull") == NULL);
    /* every statistic of the table; latencies only where the phase has ops */
    const rb_group *idle = rb_groups_find(&all, "crane", "x", "", "idle");
    CHECK(idle && isnan(idle->v[RB_STAT_P50][0]) && isnan(idle->v[RB_STAT_P99][0]) && idle->v[RB_STAT_MBPS][0] == 0);
    CHECK(idle && idle->v[RB_STAT_ERROR_RATE][0] == 0 && idle->v[RB_STAT_OPS][0] == 0);
    CHECK(all.g[0].v[RB_STAT_P95][0] == 75 && all.g[0].v[RB_STAT_OPS_PER_S][0] == 20 && isnan(all.g[0].v[RB_STAT_P90][0]));
    rb_groups_free(&view);
    rb_groups_free(&all);
    CHECK(view.n == 0 && view.g == NULL);

    double v[4] = {NAN, 2, 1, INFINITY};
    CHECK(rb_median(v, 4) == 1.5 && isnan(rb_median(v, 1)) && isnan(rb_median(v, 0)));

    /* compare uses every repetition, not only the views' first 64 */
    json_t *n = many_reps(0.7);   /* push MB/s 100.7 .. 149: the median 8% lower */
    json_t *cmp = rb_compare(s, n, 5.0);
    const json_t *r = find_row(cmp, "push", "throughput_MBps");
    CHECK(r && json_integer_value(json_object_get(r, "n_baseline")) == 70 && json_integer_value(json_object_get(r, "n_new")) == 70);
    CHECK(r && json_is_true(json_object_get(r, "regression")) && json_is_true(json_object_get(r, "significant")));
    CHECK(r && json_real_value(json_object_get(r, "baseline_median")) == 135.5);
    CHECK(find_row(cmp, "idle", "throughput_MBps") == NULL && find_row(cmp, "pull", "p50_ms") == NULL);
    CHECK(json_array_size(json_object_get(cmp, "added")) == 0 && json_array_size(json_object_get(cmp, "removed")) == 0);
    json_decref(cmp);
    json_decref(n);
    json_decref(s);
}

/* ---- files and the command ------------------------------------------------- */

static char workdir[512];

static char *write_file(const char *name, const char *text)
{
    char *p = rb_asprintf("%s/%s", workdir, name);
    FILE *f = fopen(p, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
    return p;
}

static char *write_json(const char *name, json_t *doc)
{
    char *p = rb_asprintf("%s/%s", workdir, name);
    json_dump_file(doc, p, JSON_INDENT(1));
    return p;
}

/* A run-level results.json (regbench/results/v1) with one phase "push". */
static json_t *run_level(double mbps)
{
    json_t *ph = json_array();
    json_array_append_new(ph, phase("push", mbps, 20, 50));
    return json_pack("{s:s, s:{s:s,s:s}, s:s, s:f, s:s, s:s, s:n, s:i, s:{s:s}, s:{s:s, s:s, s:s, s:n, s:n},"
                     " s:{s:s, s:s, s:i, s:I}, s:o, s:{}}",
                     "schema", RB_RESULTS_SCHEMA, "tool", "name", "regbench", "version", "0.1.0",
                     "started_at", "2026-11-27T17:19:22Z", "run_duration_s", 12.5, "scenario",
                     "scenarios/single.lua", "status", "ok", "error", "exit_code", 0, "params", "size", "10MB",
                     "registry", "kind", "crane", "url", "http://127.0.0.1:1", "storage", "memory", "version", "pid",
                     "environment", "kernel", "Linux", "cpu_model", "Test CPU", "cores", 2, "memory_bytes",
                     (json_int_t)1 << 30, "phases", ph, "metrics");
}

static int cmd(const char *a1, const char *a2, const char *a3, const char *a4)
{
    char *argv[] = {"compare", (char *)a1, (char *)a2, (char *)a3, (char *)a4, NULL};
    int argc = 1;
    while (argv[argc]) argc++;
    /* keep the test output readable: the table goes to /dev/null */
    fflush(stdout);
    FILE *saved = fdopen(dup(fileno(stdout)), "w");
    if (!freopen("/dev/null", "w", stdout)) return -1;
    int rc = rb_cmd_compare(argc, argv);
    fflush(stdout);
    dup2(fileno(saved), fileno(stdout));
    fclose(saved);
    return rc;
}

static void test_files_and_command(void)
{
    char err[RB_ERRLEN];
    /* run-level files: one run with registry = kind, scenario = basename */
    json_t *rl = run_level(100), *rl2 = run_level(80);
    char *p1 = write_json("run1.json", rl), *p2 = write_json("run2.json", rl2);
    json_t *s1 = rb_results_load(p1, err, sizeof err);
    CHECKF(s1 != NULL, "%s", err);
    if (s1) {
        CHECK(!strcmp(json_string_value(json_object_get(s1, "schema")), RB_SUITE_SCHEMA));
        json_t *r0 = json_array_get(json_object_get(s1, "runs"), 0);
        CHECK(!strcmp(json_string_value(json_object_get(r0, "registry")), "crane"));
        CHECK(!strcmp(json_string_value(json_object_get(r0, "scenario")), "single"));
        CHECK(!strcmp(json_string_value(json_object_get(r0, "label")), ""));
        CHECK(json_integer_value(json_object_get(r0, "repetition")) == 1);
        CHECK(!strcmp(json_string_value(json_object_get(json_object_get(r0, "params"), "size")), "10MB"));
        CHECK(json_array_size(json_object_get(r0, "phases")) == 1);
        CHECK(json_integer_value(json_object_get(json_object_get(s1, "environment"), "cores")) == 2);
        CHECK(!strcmp(json_string_value(json_object_get(json_array_get(json_object_get(s1, "registries"), 0), "storage")),
                      "memory"));
    }
    json_decref(s1);
    CHECK(cmd(p1, p2, NULL, NULL) == 1);                 /* -20%, untested: regression */
    CHECK(cmd(p1, p2, "--threshold", "25%") == 0);
    CHECK(cmd(p1, p2, "--threshold=25", NULL) == 0);
    CHECK(cmd(p1, p1, NULL, NULL) == 0);
    /* a run-level file against a suite with the same key */
    json_t *sb = make_suite(0, 1, 1.0);
    json_t *r0 = json_array_get(json_object_get(sb, "runs"), 0);
    json_object_set_new(r0, "registry", json_string("crane"));
    json_object_set_new(r0, "label", json_string(""));
    char *ps = write_json("suite1.json", sb);
    json_t *a = rb_results_load(ps, err, sizeof err), *b = rb_results_load(p2, err, sizeof err);
    json_t *cmp = rb_compare(a, b, 5.0);
    CHECK(regressions(cmp) == 1 && json_array_size(json_object_get(cmp, "removed")) == 1);   /* pull is removed */
    json_decref(cmp);
    json_decref(a);
    json_decref(b);

    /* --json writes the comparison */
    char *out = rb_asprintf("%s/cmp.json", workdir);
    CHECK(cmd(p1, p2, "--json", out) == 1);
    json_error_t je;
    json_t *cj = json_load_file(out, 0, &je);
    CHECK(cj && json_integer_value(json_object_get(cj, "regressions")) == 1);
    CHECK(cj && json_array_size(json_object_get(cj, "rows")) == 5);
    CHECK(cj && json_is_string(json_object_get(cj, "baseline")));
    json_decref(cj);

    /* bad input: exit 2, and the messages say what is wrong */
    char *missing = rb_asprintf("%s/nope.json", workdir);
    CHECK(cmd(missing, p2, NULL, NULL) == 2);
    CHECK(rb_results_load(missing, err, sizeof err) == NULL && strstr(err, "nope.json") &&
          strstr(err, "No such file"));
    char *bad = write_file("bad.json", "{\n  \"schema\": \"regbench/suite/v1\",\n  \"runs\": [,]\n}\n");
    CHECK(cmd(bad, p2, NULL, NULL) == 2);
    CHECKF(rb_results_load(bad, err, sizeof err) == NULL && strstr(err, "bad.json:3:"), "%s", err);
    char *foreign = write_file("foreign.json", "{\"schema\": \"other/v9\"}");
    CHECK(cmd(foreign, p2, NULL, NULL) == 2);
    CHECKF(rb_results_load(foreign, err, sizeof err) == NULL && strstr(err, "unknown schema \"other/v9\""), "%s", err);
    char *noschema = write_file("noschema.json", "{\"runs\": []}");
    CHECK(rb_results_load(noschema, err, sizeof err) == NULL && strstr(err, "no \"schema\""));
    CHECK(cmd(p1, p2, "--threshold", "abc") == 2);
    CHECK(cmd(p1, p2, "--threshold", "-5%") == 2);
    CHECK(cmd(p1, p2, "--threshold", NULL) == 2);
    CHECK(cmd(p1, NULL, NULL, NULL) == 2);
    CHECK(cmd(p1, p2, p2, NULL) == 2);
    CHECK(cmd(p1, p2, "--bogus", NULL) == 2);
    double t;
    CHECK(rb_parse_change_pct("2.5%", &t, err, sizeof err) == 0 && t == 2.5);
    CHECK(rb_parse_change_pct("7", &t, err, sizeof err) == 0 && t == 7);
    CHECK(rb_parse_change_pct("5%%", &t, err, sizeof err) == -1 && strstr(err, "5%%"));
    CHECK(rb_parse_change_pct("", &t, err, sizeof err) == -1);
    /* a directory holding results.json is accepted */
    char *dir = rb_asprintf("%s/rundir", workdir);
    rb_mkdir_p(dir);
    char *inner = rb_asprintf("%s/results.json", dir);
    json_dump_file(rl, inner, 0);
    json_t *d = rb_results_load(dir, err, sizeof err);
    CHECKF(d != NULL, "%s", err);
    json_decref(d);

    free(dir);
    free(inner);
    free(missing);
    free(bad);
    free(foreign);
    free(noschema);
    free(out);
    free(ps);
    free(p1);
    free(p2);
    json_decref(sb);
    json_decref(rl);
    json_decref(rl2);
}

int main(void)
{
    const char *build = getenv("RB_BUILD");
    snprintf(workdir, sizeof workdir, "%s/test-work/test_compare", build ? build : "/tmp");
    char *rm = rb_asprintf("rm -rf '%s'", workdir);
    if (system(rm) != 0) fprintf(stderr, "cannot clean %s\n", workdir);
    free(rm);
    rb_mkdir_p(workdir);

    test_mann_whitney();
    test_known_regression();
    test_noise_only();
    test_untested();
    test_added_removed();
    test_repeated_and_empty_phases();
    test_groups();
    test_files_and_command();
    return rbtest_done("test_compare");
}
