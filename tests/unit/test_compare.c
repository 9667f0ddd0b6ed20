/* test_compare: the regression detector. Mann-Whitney p-values against
 * reference values (scipy.stats.mannwhitneyu exact/asymptotic, a brute-force
 * enumeration of the permutation distribution for ties, and benchstat's own
 * R-checked large-sample cases); the null distribution of U and the
 * distribution-free interval of the ratio (hand-counted partitions, and the
 * interval excludes 1 exactly when the test is significant); synthetic
 * suites with a known 20% throughput regression over 6 repetitions
 * (significant, one regression), noise only (none), fewer than 4
 * repetitions (untested: a regression only when every new sample is worse,
 * or with --strict on the threshold alone); the floors; run-level results
 * files; added/removed keys; repeated phase names; the grouping engine
 * compare shares with summary.md and report.html (which phases each mode
 * keeps, more repetitions than the views keep); and the `regbench compare`
 * command's options, exit codes (99 on a regression) and messages. */
#include "cli/rb_cli.h"
#include "results/rb_compare.h"
#include "results/rb_groups.h"
#include "results/rb_load.h"
#include "util/rb_util.h"
#include "rbtest.h"

#include <fcntl.h>
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

/* ---- the null distribution of U and the interval of the ratio ---------------- */

/* A deterministic value in [0, 1) (LCG), for samples without ties. */
static double lcg(unsigned *state)
{
    *state = *state * 1103515245u + 12345u;
    return (double)((*state >> 8) & 0xFFFFFF) / 16777216.0;
}

static void test_ratio_ci(void)
{
    /* P(U <= u): partitions of u into at most m parts of at most n, over C(m+n, m) */
    CHECK(close_rel(rb_mann_whitney_cdf(3, 3, 0), 1.0 / 20, 1e-12));
    CHECK(close_rel(rb_mann_whitney_cdf(4, 4, 0), 1.0 / 70, 1e-12));
    CHECK(close_rel(rb_mann_whitney_cdf(6, 6, 5), 19.0 / 924, 1e-12));    /* 1+1+2+3+5+7 */
    CHECK(close_rel(rb_mann_whitney_cdf(6, 6, 6), 30.0 / 924, 1e-12));
    CHECK(close_rel(rb_mann_whitney_cdf(5, 7, 17), 0.5, 1e-12));          /* symmetric about 17.5 */
    CHECK(rb_mann_whitney_cdf(5, 7, 35) == 1.0 && rb_mann_whitney_cdf(5, 7, -1) == 0.0);
    CHECK(close_rel(rb_mann_whitney_cdf(60, 60, 1800), 0.5 * erfc(-(0.5 / sqrt(3600.0 * 121 / 12)) / sqrt(2.0)), 1e-12));
    /* the exact p of fully separated 4 + 4 is twice the lower tail */
    static const double a1[] = {2, 1, 3, 5}, b1[] = {12, 11, 13, 15};
    CHECK(close_rel(MW(a1, b1), 2 * rb_mann_whitney_cdf(4, 4, 0), 1e-12));

    double lo, hi, level;
    /* 4 + 4: the 95% interval is the range of the 16 ratios, coverage 1 - 2/70 */
    static const double x4[] = {100, 101, 102, 103}, y4[] = {110, 111, 112, 113};
    CHECK(rb_ratio_ci(x4, 4, y4, 4, 0.95, &lo, &hi, &level) == 0);
    CHECK(close_rel(lo, 110.0 / 103, 1e-12) && close_rel(hi, 1.13, 1e-12));
    CHECKF(close_rel(level, 1 - 2.0 / 70, 1e-12), "level %g", level);
    /* 6 + 6: c = 5 (19/924 <= 0.025 < 30/924), the 6th smallest and largest of 36 ratios */
    static const double x6[] = {100, 101, 102, 103, 104, 105}, y6[] = {120, 121, 122, 123, 124, 125};
    CHECK(rb_ratio_ci(x6, 6, y6, 6, 0.95, &lo, &hi, &level) == 0);
    CHECKF(close_rel(lo, 1.1650485436893203, 1e-12) && close_rel(hi, 1.2254901960784315, 1e-12), "%g %g", lo, hi);
    CHECK(close_rel(level, 1 - 38.0 / 924, 1e-12));
    /* too few for 95% (3 + 3: at best 90%); confidence 0 gives the range and its coverage */
    static const double x3[] = {1, 2, 3}, y3[] = {4, 5, 6};
    CHECK(rb_ratio_ci(x3, 3, y3, 3, 0.95, &lo, &hi, &level) == -1);
    CHECK(rb_ratio_ci(x3, 3, y3, 3, 0, &lo, &hi, &level) == 0);
    CHECK(close_rel(lo, 4.0 / 3, 1e-12) && hi == 6.0 && close_rel(level, 0.9, 1e-12));
    CHECK(rb_ratio_ci(x3, 1, y3, 1, 0, &lo, &hi, &level) == 0 && lo == 4.0 && hi == 4.0 && level == 0);
    /* a baseline value that is not positive: no ratio */
    static const double z[] = {0, 1, 2};
    CHECK(rb_ratio_ci(z, 3, y3, 3, 0, &lo, &hi, &level) == -1);
    CHECK(rb_ratio_ci(x3, 0, y3, 3, 0, &lo, &hi, &level) == -1);

    /* the interval excludes 1 exactly when Mann-Whitney is significant (no ties) */
    unsigned st = 7;
    int agree = 0, tried = 0, significant = 0;
    for (int t = 0; t < 400; t++) {
        size_t nx = 4 + (size_t)(lcg(&st) * 6), ny = 4 + (size_t)(lcg(&st) * 6);
        double x[10], y[10], shift = 1.0 + lcg(&st) * 0.2;
        for (size_t i = 0; i < nx; i++) x[i] = 100 + lcg(&st) * 20;
        for (size_t i = 0; i < ny; i++) y[i] = (100 + lcg(&st) * 20) * shift;
        if (rb_ratio_ci(x, nx, y, ny, 0.95, &lo, &hi, &level) != 0) continue;
        int sig = rb_mann_whitney_p(x, nx, y, ny) < RB_COMPARE_ALPHA;
        tried++;
        significant += sig;
        agree += sig == (lo > 1.0 || hi < 1.0);
        CHECK(level >= 0.95);
    }
    CHECKF(tried == 400 && agree == tried && significant > 50 && significant < 350, "%d of %d agree, %d significant",
           agree, tried, significant);
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

/* A suite of `reps` runs of scenario "x" whose one phase "push" has MB/s
 * mbps[r] and p50 latency p50[r] (p95 1.5x, p99 2x; ops/s 20 throughout). */
static json_t *suite_of(const double *mbps, const double *p50, int reps)
{
    json_t *runs = json_array();
    for (int r = 0; r < reps; r++) {
        json_t *ph = json_array();
        json_array_append_new(ph, phase("push", mbps[r], 20, p50[r]));
        json_array_append_new(runs, run("crane", "x", "", r + 1, ph));
    }
    return suite(runs);
}

/* How many regressions compare finds between b and n (max change pct). */
static long long count_regressions(const json_t *b, const json_t *n, double pct, int strict)
{
    rb_compare_opts o = {.threshold_pct = pct, .strict = strict};
    json_t *cmp = rb_compare_with(b, n, &o);
    long long k = regressions(cmp);
    json_decref(cmp);
    return k;
}

/* The table of a comparison, as rb_compare_print writes it (free it). */
static char *table(const json_t *cmp)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    rb_compare_print(cmp, f);
    fclose(f);
    return buf;
}

static void test_small_samples(void)
{
    static const double mb[] = {100, 102, 98}, lat[] = {50, 51, 49};
    json_t *b = suite_of(mb, lat, 3);

    /* 3 + 3: what each new side is, by the default rule and by --strict */
    static const struct {
        const char *what;
        double mb[3], lat[3];
        const char *metric;
        int all_worse, regression, strict_regression;
    } cases[] = {
        {"every sample worse, median -20%", {80, 82, 78}, {50, 51, 49}, "throughput_MBps", 1, 1, 1},
        {"every sample worse, within 5%", {97, 96.5, 97.5}, {50, 51, 49}, "throughput_MBps", 1, 0, 0},
        {"median -20%, one sample beats the baseline", {80, 99, 78}, {50, 51, 49}, "throughput_MBps", 0, 0, 1},
        {"every p50 30% higher", {100, 102, 98}, {65, 66, 64.5}, "p50_ms", 1, 1, 1},
        {"p50 30% higher but one lower", {100, 102, 98}, {65, 50.5, 64.5}, "p50_ms", 0, 0, 1},
    };
    rb_compare_opts dflt = {.threshold_pct = 5.0, .strict = 0}, strict = {.threshold_pct = 5.0, .strict = 1};
    for (size_t i = 0; i < N_OF(cases); i++) {
        json_t *n = suite_of(cases[i].mb, cases[i].lat, 3);
        json_t *cd = rb_compare_with(b, n, &dflt), *cs = rb_compare_with(b, n, &strict);
        const json_t *r = find_row(cd, "push", cases[i].metric), *rs = find_row(cs, "push", cases[i].metric);
        CHECKF(r && json_is_boolean(json_object_get(r, "all_worse")) &&
                   json_is_true(json_object_get(r, "all_worse")) == cases[i].all_worse &&
                   json_is_true(json_object_get(r, "regression")) == cases[i].regression &&
                   json_is_null(json_object_get(r, "p_value")),
               "%s", cases[i].what);
        CHECKF(rs && json_is_true(json_object_get(rs, "regression")) == cases[i].strict_regression, "%s, strict",
               cases[i].what);
        /* the range of the ratios is wholly on the worse side exactly when every sample is worse */
        double lo = r ? json_number_value(json_object_get(r, "ci_low_pct")) : NAN;
        double hi = r ? json_number_value(json_object_get(r, "ci_high_pct")) : NAN;
        int wholly = strcmp(cases[i].metric, "p50_ms") == 0 ? lo > 0 : hi < 0;
        CHECKF(wholly == cases[i].all_worse && json_number_value(json_object_get(r, "ci_level")) == 0.9, "%s: [%g, %g]",
               cases[i].what, lo, hi);
        CHECK(json_is_false(json_object_get(cd, "strict")) && json_is_true(json_object_get(cs, "strict")));
        CHECK(json_integer_value(json_object_get(cd, "untested")) == 5);
        json_decref(cd);
        json_decref(cs);
        json_decref(n);
    }

    /* the table: the range, the verdict, why a change beyond 5% is not one */
    static const double worse[] = {80, 82, 78}, mixed[] = {80, 99, 78};
    json_t *nw = suite_of(worse, lat, 3), *nm = suite_of(mixed, lat, 3);
    json_t *cw = rb_compare(b, nw, 5.0), *cm = rb_compare(b, nm, 5.0), *cs = rb_compare_with(b, nm, &strict);
    const json_t *r = find_row(cw, "push", "throughput_MBps");
    CHECK(r && close_rel(json_number_value(json_object_get(r, "ci_low_pct")), (78.0 / 102 - 1) * 100, 1e-4));
    CHECK(r && close_rel(json_number_value(json_object_get(r, "ci_high_pct")), (82.0 / 98 - 1) * 100, 1e-4));
    char *t = table(cw);
    CHECK(strstr(t, "range [-23.53%, -16.33%]  untested (n=3+3)  REGRESSION") != NULL);
    CHECK(strstr(t, "5 of 5 rows untested (fewer than 4 repetitions a side)") != NULL);
    free(t);
    t = table(cm);
    CHECK(strstr(t, "untested (n=3+3)  samples overlap") != NULL && strstr(t, "no regression beyond 5%") != NULL);
    free(t);
    t = table(cs);
    CHECK(strstr(t, "--strict") != NULL && strstr(t, "1 regression beyond 5%") != NULL);
    free(t);
    json_decref(cw);
    json_decref(cm);
    json_decref(cs);
    json_decref(nw);
    json_decref(nm);
    json_decref(b);
}

static void test_floor(void)
{
    /* 6 + 6, fully separated: significant; sub-millisecond latency 40% up */
    static const double mb[] = {100, 101, 99, 100.5, 99.5, 100.2};
    static const double fast[] = {0.100, 0.101, 0.099, 0.1005, 0.0995, 0.1002};
    static const double fast2[] = {0.140, 0.141, 0.139, 0.1405, 0.1395, 0.1402};
    static const double fast3[] = {0.350, 0.351, 0.349, 0.3505, 0.3495, 0.3502};
    json_t *b = suite_of(mb, fast, 6), *n = suite_of(mb, fast2, 6), *n3 = suite_of(mb, fast3, 6);
    json_t *cmp = rb_compare(b, n, 5.0);
    const json_t *r = find_row(cmp, "push", "p50_ms");
    CHECK(regressions(cmp) == 0);
    CHECK(r && json_is_true(json_object_get(r, "significant")) && json_is_true(json_object_get(r, "below_floor")));
    CHECK(r && json_number_value(json_object_get(r, "floor")) == RB_COMPARE_FLOOR_MS);
    CHECK(r && json_number_value(json_object_get(r, "change_pct")) > 35);
    r = find_row(cmp, "push", "p99_ms");   /* 0.2 -> 0.28 ms: +0.08 ms */
    CHECK(r && json_is_true(json_object_get(r, "below_floor")) && json_is_false(json_object_get(r, "regression")));
    r = find_row(cmp, "push", "ops_per_s");
    CHECK(r && json_is_null(json_object_get(r, "floor")) && json_is_false(json_object_get(r, "below_floor")));
    /* the 95% interval of a tested row: 6 + 6 reaches 1 - 38/924 */
    r = find_row(cmp, "push", "p50_ms");
    CHECK(r && close_rel(json_number_value(json_object_get(r, "ci_level")), 0.9589, 1e-4));
    CHECK(r && json_number_value(json_object_get(r, "ci_low_pct")) > 35 && json_number_value(json_object_get(r, "ci_high_pct")) < 45);
    const json_t *fl = json_object_get(cmp, "floors");
    CHECK(json_number_value(json_object_get(fl, "p50_ms")) == 0.1 && json_number_value(json_object_get(fl, "throughput_MBps")) == 0.1);
    CHECK(json_object_get(fl, "ops_per_s") == NULL && json_object_size(fl) == 4);
    CHECK(json_number_value(json_object_get(cmp, "confidence")) == 0.95);
    CHECK(json_integer_value(json_object_get(cmp, "min_samples")) == 4 && json_integer_value(json_object_get(cmp, "untested")) == 0);
    char *t = table(cmp);
    CHECK(strstr(t, "below floor (0.1 ms)") != NULL && strstr(t, "floors: differences under 0.1 ms") != NULL);
    free(t);
    CHECK(count_regressions(b, n, 5.0, 1) == 0);     /* --strict does not lift the floor */
    /* 0.1 -> 0.35 ms (+0.25 ms) is above the floor: p50, p95, p99 regress */
    CHECK(count_regressions(b, n3, 5.0, 0) == 3);
    json_decref(cmp);
    json_decref(b);
    json_decref(n);
    json_decref(n3);

    /* throughput: 0.30 -> 0.24 MB/s (-20%, every sample) is under 0.1 MB/s */
    static const double lat[] = {50, 50.5, 49.5};
    static const double s1[] = {0.30, 0.31, 0.29}, s2[] = {0.24, 0.245, 0.235}, s3[] = {0.15, 0.16, 0.14};
    b = suite_of(s1, lat, 3);
    n = suite_of(s2, lat, 3);
    n3 = suite_of(s3, lat, 3);
    cmp = rb_compare(b, n, 5.0);
    r = find_row(cmp, "push", "throughput_MBps");
    CHECK(regressions(cmp) == 0 && r && json_is_true(json_object_get(r, "below_floor")) && json_is_true(json_object_get(r, "all_worse")));
    t = table(cmp);
    CHECK(strstr(t, "below floor (0.1 MB/s)") != NULL);
    free(t);
    CHECK(count_regressions(b, n3, 5.0, 0) == 1);   /* -0.15 MB/s */
    json_decref(cmp);
    json_decref(b);
    json_decref(n);
    json_decref(n3);
}

/* With ties Mann-Whitney (midranks) and the interval can part: p < 0.05
 * while the interval reaches 0. Then it is no regression. */
static void test_ties(void)
{
    static const double mb[] = {100, 100, 100, 100, 100};
    static const double b50[] = {10, 10, 10, 11, 11}, n50[] = {11, 11, 12, 12, 12};
    json_t *b = suite_of(mb, b50, 5), *n = suite_of(mb, n50, 5);
    json_t *cmp = rb_compare(b, n, 5.0);
    const json_t *r = find_row(cmp, "push", "p50_ms");
    /* doubled ranks 4 (x3), 11 (x4), 18 (x3): 6 of the 252 splits reach the
     * baseline's sum 34, p = 12/252; 4 of the 25 ratios are 11/11 = 1 */
    CHECKF(r && close_rel(json_number_value(json_object_get(r, "p_value")), 12.0 / 252, 1e-9), "p %g",
           r ? json_number_value(json_object_get(r, "p_value")) : NAN);
    CHECK(r && json_is_true(json_object_get(r, "significant")) && json_number_value(json_object_get(r, "change_pct")) == 20);
    CHECK(r && json_number_value(json_object_get(r, "ci_low_pct")) == 0);
    CHECK(r && json_is_false(json_object_get(r, "regression")) && regressions(cmp) == 0);
    json_decref(cmp);
    json_decref(b);
    json_decref(n);
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

/* Runs `regbench compare a1 a2 a3 a4` (NULL ends the list) with the table
 * sent to /dev/null and, when errfile is given, stderr into errfile. */
static int cmd_to(const char *errfile, const char *a1, const char *a2, const char *a3, const char *a4)
{
    char *argv[] = {"compare", (char *)a1, (char *)a2, (char *)a3, (char *)a4, NULL};
    int argc = 1;
    while (argv[argc]) argc++;
    fflush(stdout);
    fflush(stderr);
    int out = dup(fileno(stdout)), errfd = dup(fileno(stderr));
    int devnull = open("/dev/null", O_WRONLY);
    dup2(devnull, fileno(stdout));
    close(devnull);
    if (errfile) {
        int fd = open(errfile, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(fd, fileno(stderr));
        close(fd);
    }
    int rc = rb_cmd_compare(argc, argv);
    fflush(stdout);
    fflush(stderr);
    dup2(out, fileno(stdout));
    dup2(errfd, fileno(stderr));
    close(out);
    close(errfd);
    return rc;
}

static int cmd(const char *a1, const char *a2, const char *a3, const char *a4)
{
    return cmd_to(NULL, a1, a2, a3, a4);
}

/* Whether `regbench compare a1 .. a4` exits `want` and says `says` on stderr. */
static int cmd_says(int want, const char *says, const char *a1, const char *a2, const char *a3, const char *a4)
{
    char *path = rb_asprintf("%s/stderr.txt", workdir);
    int rc = cmd_to(path, a1, a2, a3, a4);
    char text[4096] = "";
    FILE *f = fopen(path, "r");
    if (f) {
        size_t n = fread(text, 1, sizeof text - 1, f);
        text[n] = '\0';
        fclose(f);
    }
    free(path);
    int ok = rc == want && strstr(text, says) != NULL;
    if (!ok) fprintf(stderr, "compare %s %s: exit %d, stderr: %s\n", a3 ? a3 : "", a4 ? a4 : "", rc, text);
    return ok;
}

/* The exit codes of the rule and the options: 99 on a regression; --strict
 * fails a mixed 3 + 3; --max-change and its alias --threshold (a bare
 * percentage only); --name=value; unknown options anywhere. */
static void test_command_options(void)
{
    static const double mb[] = {100, 102, 98}, mixed[] = {80, 99, 78}, worse[] = {80, 82, 78};
    static const double lat[] = {50, 51, 49};
    json_t *b = suite_of(mb, lat, 3), *m = suite_of(mixed, lat, 3), *w = suite_of(worse, lat, 3);
    char *pb = write_json("opt-base.json", b), *pm = write_json("opt-mixed.json", m), *pw = write_json("opt-worse.json", w);
    CHECK(cmd(pb, pw, NULL, NULL) == 99);                   /* every sample worse: exit 99, not 1 */
    CHECK(cmd(pb, pm, NULL, NULL) == 0);                    /* mixed: untested, not failed */
    CHECK(cmd(pb, pm, "--strict", NULL) == 99);             /* ...unless --strict */
    CHECK(cmd("--strict", pb, pm, NULL) == 99);             /* options anywhere */
    CHECK(cmd(pb, pw, "--max-change", "25%") == 0);
    CHECK(cmd(pb, pw, "--max-change=25", NULL) == 0);
    CHECK(cmd(pb, pw, "--threshold", "25%") == 0);          /* the alias */
    CHECK(cmd(pb, pm, "--strict", "--max-change=25%") == 0);
    CHECK(cmd_says(2, "use --max-change 5%", pb, pw, "--threshold", "push.p95 < 2s"));
    CHECK(cmd_says(2, "alias of --max-change", pb, pw, "--threshold=abc", NULL));
    CHECK(cmd_says(2, "--max-change: bad change \"abc\"", pb, pw, "--max-change", "abc"));
    CHECK(cmd_says(2, "--max-change: bad change \"-5%\"", pb, pw, "--max-change=-5%", NULL));
    CHECK(cmd_says(2, "unknown option '--bogus' for compare", "--bogus", pb, pw, NULL));
    CHECK(cmd_says(2, "unknown option '--max-chang' for compare", pb, pw, "--max-chang=5", NULL));
    CHECK(cmd_says(2, "--strict takes no value", pb, pw, "--strict=1", NULL));
    CHECK(cmd_says(2, "option --max-change needs a value", pb, pw, "--max-change", NULL));
    CHECK(cmd_says(2, "Usage: regbench compare BASELINE NEW", pb, NULL, NULL, NULL));
    CHECK(cmd_says(2, "--json needs a file name", pb, pw, "--json=", NULL));
    /* report takes the same options for its comparison */
    char *html = rb_asprintf("%s/opt-report.html", workdir);
    struct {
        int want;
        char *argv[9];
    } reports[] = {
        {0, {"report", pm, "--baseline", pb, "--max-change=10%", "--strict", "--out", html, NULL}},
        {0, {"report", pm, "--baseline", pb, "--threshold", "10", "--out", html, NULL}},
        {2, {"report", pm, "--baseline", pb, "--threshold", "push.p95 < 2s", NULL}},
        {2, {"report", pm, "--max-change", NULL}},
    };
    for (size_t i = 0; i < N_OF(reports); i++) {
        int argc = 0;
        while (reports[i].argv[argc]) argc++;
        CHECKF(rb_cmd_report(argc, reports[i].argv) == reports[i].want, "report case %zu", i);
    }
    CHECK(access(html, R_OK) == 0);
    free(html);
    free(pb);
    free(pm);
    free(pw);
    json_decref(b);
    json_decref(m);
    json_decref(w);
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
    CHECK(cmd(p1, p2, NULL, NULL) == 99);                /* -20%, 1 + 1, the new one worse: regression */
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
    CHECK(cmd(p1, p2, "--json", out) == 99);
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
    test_ratio_ci();
    test_small_samples();
    test_floor();
    test_ties();
    test_added_removed();
    test_repeated_and_empty_phases();
    test_groups();
    test_files_and_command();
    test_command_options();
    return rbtest_done("test_compare");
}
