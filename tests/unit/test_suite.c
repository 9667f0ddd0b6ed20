/* test_suite: suite loading (rb_suite.h). Good suites are written to a temp
 * directory: the full example of docs/suite-format.md, a minimal one, matrix
 * expansion (counts, labels, order), registry filtering, defaults, relative
 * path resolution, scalars kept as text, thresholds (parsing against the
 * stat table, and their evaluation over a results document), and the stat
 * table itself (rb_stat.h). Then every file of
 * the bad corpus (the .yaml files in tests/bad/suites) must fail with the message its first
 * line announces ("# expect: ...", and optionally "# expect-at: LINE:COL" on
 * the second line), prefixed with "PATH:LINE:COL: ". The corpus is found via
 * RB_SRC (set by ctest) or, failing that, the CMake cache above the binary. */
#include "suite/rb_suite.h"
#include "suite/rb_threshold.h"
#include "measure/rb_metrics.h"
#include "measure/rb_stat.h"
#include "util/rb_util.h"
#include "rbtest.h"

#include <dirent.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char tmpdir[PATH_MAX];

static void write_file(const char *rel, const char *text)
{
    char *path = rb_asprintf("%s/%s", tmpdir, rel);
    char *dir = rb_strdup(path);
    *strrchr(dir, '/') = 0;
    rb_mkdir_p(dir);
    FILE *f = fopen(path, "w");
    CHECKF(f != NULL, "cannot write %s", path);
    if (f) {
        fputs(text, f);
        fclose(f);
    }
    free(dir);
    free(path);
}

static rb_suite *load(const char *rel)
{
    char err[RB_ERRLEN] = "";
    char *path = rb_asprintf("%s/%s", tmpdir, rel);
    rb_suite *s = rb_suite_load(path, err, sizeof err);
    CHECKF(s != NULL, "%s should load: %s", rel, err);
    free(path);
    return s;
}

static const char *param(const rb_kv *kv, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(kv[i].key, key) == 0) return kv[i].value;
    return NULL;
}

static int streq(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

static const char *full_example =
    "name: default                      # required: a label for the suite\n"
    "description: every scenario at a size that fits a 2-core machine\n"
    "repetitions: 3\n"
    "\n"
    "registries:\n"
    "  - name: crane-memory\n"
    "    kind: crane\n"
    "    storage: memory\n"
    "    port: 0\n"
    "  - name: dist-fs\n"
    "    kind: distribution\n"
    "    storage: disk\n"
    "    htpasswd: auth/htpasswd\n"
    "  - name: remote\n"
    "    kind: external\n"
    "    url: http://127.0.0.1:5000\n"
    "    username: bench\n"
    "    password_env: BENCH_PASSWORD\n"
    "    insecure: false\n"
    "    registry_pid: 0\n"
    "\n"
    "scenarios:\n"
    "  - name: single\n"
    "    file: ../scenarios/single.lua\n"
    "    params:\n"
    "      sizes: 1MB,10MB\n"
    "    matrix:\n"
    "      level: [0, 6]\n"
    "      vus: [1, 10]\n"
    "    repetitions: 5\n"
    "    registries: [crane-memory]\n"
    "\n"
    "thresholds:\n"
    "  - \"errors == 0\"\n"
    "  - \"push.p95 < 500ms\"\n"
    "  - expr: \"pull.throughput_MBps > 50\"\n"
    "    scenario: single\n"
    "    registry: crane-memory\n"
    "\n"
    "output:\n"
    "  dir: results/default-{time}\n"
    "baseline: results/previous/results.json\n"
    "max_change: 7%\n"
    "compare_strict: true\n";

static void test_full_example(void)
{
    write_file("scenarios/single.lua", "-- single\n");
    write_file("suites/auth/htpasswd", "bench:$2y$05$xxxxxxxxxxxxxxxxxxxxxx\n");
    write_file("suites/default.yaml", full_example);
    rb_suite *s = load("suites/default.yaml");
    if (!s) return;
    char *suites_dir = rb_asprintf("%s/suites", tmpdir);
    char *single = rb_asprintf("%s/scenarios/single.lua", tmpdir);
    char *htpasswd = rb_asprintf("%s/suites/auth/htpasswd", tmpdir);
    char *baseline = rb_asprintf("%s/suites/results/previous/results.json", tmpdir);
    CHECK(streq(s->name, "default"));
    CHECK(streq(s->description, "every scenario at a size that fits a 2-core machine"));
    CHECKF(streq(s->dir, suites_dir), "dir %s", s->dir);
    CHECK(s->repetitions == 3);
    CHECK(s->n_registries == 3);
    if (s->n_registries == 3) {
        const rb_suite_registry *r = s->registries;
        CHECK(streq(r[0].name, "crane-memory") && !r[0].external && r[0].kind == RB_REG_CRANE &&
              r[0].storage == RB_STORAGE_MEMORY && r[0].port == 0 && !r[0].htpasswd);
        CHECK(r[0].line == 6);
        CHECK(streq(r[1].name, "dist-fs") && r[1].kind == RB_REG_DISTRIBUTION && r[1].storage == RB_STORAGE_DISK);
        CHECKF(streq(r[1].htpasswd, htpasswd), "htpasswd %s", r[1].htpasswd);
        CHECK(streq(r[2].name, "remote") && r[2].external && streq(r[2].url, "http://127.0.0.1:5000"));
        CHECK(streq(r[2].username, "bench") && streq(r[2].password_env, "BENCH_PASSWORD"));
        CHECK(r[2].insecure == 0 && r[2].registry_pid == 0);
    }
    CHECK(s->n_scenarios == 1);
    if (s->n_scenarios == 1) {
        const rb_suite_scenario *sc = s->scenarios;
        CHECK(streq(sc->name, "single"));
        CHECKF(streq(sc->file, single), "file %s", sc->file);
        CHECK(sc->n_params == 1 && streq(param(sc->params, sc->n_params, "sizes"), "1MB,10MB"));
        CHECK(sc->n_matrix == 2 && streq(sc->matrix[0].key, "level") && sc->matrix[0].n_values == 2);
        CHECK(sc->repetitions == 5);
        CHECK(sc->n_registries == 1 && streq(sc->registries[0], "crane-memory"));
    }
    CHECK(s->n_thresholds == 3);
    if (s->n_thresholds == 3) {
        const rb_threshold *t = s->thresholds;
        CHECK(streq(t[0].metric, "errors") && !t[0].kind && !t[0].stat && streq(t[0].op, "==") && t[0].value == 0);
        CHECK(streq(t[1].kind, "push") && streq(t[1].stat, "p95") && streq(t[1].op, "<") && t[1].value == 500);
        CHECK(streq(t[1].expr, "push.p95 < 500ms") && !t[1].scenario);
        CHECK(streq(t[2].metric, "pull.throughput_MBps") && streq(t[2].op, ">") && t[2].value == 50);
        CHECK(streq(t[2].scenario, "single") && streq(t[2].registry, "crane-memory") && !t[2].phase);
        CHECK(t[2].line == 36);
    }
    CHECK(streq(s->out_dir, "results/default-{time}"));
    CHECKF(streq(s->baseline, baseline), "baseline %s", s->baseline);
    CHECK(s->compare_threshold_pct == 7 && s->compare_strict == 1);

    /* only crane-memory runs single: 2 levels x 2 vus, last axis fastest */
    size_t n = 0;
    rb_suite_run *runs = rb_suite_expand(s, &n);
    CHECK(n == 4);
    static const char *labels[] = {"level=0,vus=1", "level=0,vus=10", "level=6,vus=1", "level=6,vus=10"};
    for (size_t i = 0; i < n && i < 4; i++) {
        CHECKF(streq(runs[i].label, labels[i]), "run %zu label %s", i, runs[i].label);
        CHECK(streq(runs[i].registry->name, "crane-memory") && runs[i].scenario == s->scenarios);
        CHECK(runs[i].repetitions == 5 && runs[i].n_params == 3);
        CHECK(streq(runs[i].params[0].key, "sizes") && streq(runs[i].params[0].value, "1MB,10MB"));
        CHECK(streq(param(runs[i].params, runs[i].n_params, "level"), i < 2 ? "0" : "6"));
        CHECK(streq(param(runs[i].params, runs[i].n_params, "vus"), i % 2 ? "10" : "1"));
    }
    rb_suite_runs_free(runs, n);
    free(suites_dir);
    free(single);
    free(htpasswd);
    free(baseline);
    rb_suite_free(s);
}

static void test_minimal_defaults(void)
{
    write_file("min/s.lua", "");
    write_file("min/min.yaml",
               "name: min\n"
               "registries: [{name: c, kind: crane}]\n"
               "scenarios: [{name: s, file: s.lua}]\n");
    rb_suite *s = load("min/min.yaml");
    if (!s) return;
    CHECK(s->repetitions == 1 && s->compare_threshold_pct == 5 && s->compare_strict == 0);
    CHECK(!s->description && !s->out_dir && !s->baseline && s->n_thresholds == 0);
    CHECK(s->n_registries == 1 && s->registries[0].storage == RB_STORAGE_MEMORY && s->registries[0].port == 0 &&
          !s->registries[0].external && !s->registries[0].url && !s->registries[0].insecure);
    CHECK(s->n_scenarios == 1 && s->scenarios[0].repetitions == 0 && s->scenarios[0].n_params == 0 &&
          s->scenarios[0].n_matrix == 0 && s->scenarios[0].n_registries == 0);
    size_t n = 0;
    rb_suite_run *runs = rb_suite_expand(s, &n);
    CHECK(n == 1);
    if (n == 1) CHECK(streq(runs[0].label, "") && runs[0].n_params == 0 && runs[0].repetitions == 1);
    rb_suite_runs_free(runs, n);
    rb_suite_free(s);
}

static void test_filtering_and_order(void)
{
    write_file("filt/a.lua", "");
    write_file("filt/b.lua", "");
    write_file("filt/f.yaml",
               "name: filt\n"
               "repetitions: 2\n"
               "registries:\n"
               "  - {name: r1, kind: crane}\n"
               "  - {name: r2, kind: crane, storage: disk, port: 5000}\n"
               "  - {name: r3, kind: external, url: 'https://reg.example:443', insecure: yes}\n"
               "scenarios:\n"
               "  - {name: A, file: a.lua}\n"
               "  - {name: B, file: b.lua, registries: [r2, r3], repetitions: 7}\n"
               "  - name: C\n"
               "    file: ./a.lua\n"
               "    registries: [r1]\n"
               "    matrix: {x: [a, b, c], y: [1, 2]}\n"
               "thresholds:\n"
               "compare_threshold: 2.5\n");
    rb_suite *s = load("filt/f.yaml");
    if (!s) return;
    CHECK(s->compare_threshold_pct == 2.5);
    CHECK(s->registries[1].storage == RB_STORAGE_DISK && s->registries[1].port == 5000);
    CHECK(s->registries[2].insecure == 1 && s->registries[2].external);
    CHECK(streq(s->scenarios[0].file, s->scenarios[2].file));
    size_t n = 0;
    rb_suite_run *runs = rb_suite_expand(s, &n);
    /* r1: A, C x 6; r2: A, B; r3: A, B */
    static const struct { const char *reg, *scen, *label; int reps; } want[] = {
        {"r1", "A", "", 2},         {"r1", "C", "x=a,y=1", 2}, {"r1", "C", "x=a,y=2", 2},
        {"r1", "C", "x=b,y=1", 2},  {"r1", "C", "x=b,y=2", 2}, {"r1", "C", "x=c,y=1", 2},
        {"r1", "C", "x=c,y=2", 2},  {"r2", "A", "", 2},        {"r2", "B", "", 7},
        {"r3", "A", "", 2},         {"r3", "B", "", 7},
    };
    size_t nw = sizeof want / sizeof want[0];
    CHECKF(n == nw, "%zu runs", n);
    for (size_t i = 0; i < n && i < nw; i++)
        CHECKF(streq(runs[i].registry->name, want[i].reg) && streq(runs[i].scenario->name, want[i].scen) &&
               streq(runs[i].label, want[i].label) && runs[i].repetitions == want[i].reps,
               "run %zu: %s %s '%s' x%d", i, runs[i].registry->name, runs[i].scenario->name, runs[i].label,
               runs[i].repetitions);
    rb_suite_runs_free(runs, n);
    rb_suite_free(s);
}

static void test_scalars_and_aliases(void)
{
    write_file("sc/s.lua", "");
    write_file("sc/s.yaml",
               "name: \"scalars\"\n"
               "registries:\n"
               "  - &reg {name: c, kind: crane}\n"
               "scenarios:\n"
               "  - name: s\n"
               "    file: s.lua\n"
               "    params: &p\n"
               "      level: 06\n"
               "      flag: yes\n"
               "      ratio: 1.50\n"
               "      empty: ''\n"
               "      dur: 30s\n"
               "  - name: t\n"
               "    file: s.lua\n"
               "    matrix:\n"
               "      level: &levels [00, 1, 9]\n"
               "      again: *levels\n");
    rb_suite *s = load("sc/s.yaml");
    if (!s) return;
    const rb_suite_scenario *sc = &s->scenarios[0];
    CHECK(streq(param(sc->params, sc->n_params, "level"), "06"));
    CHECK(streq(param(sc->params, sc->n_params, "flag"), "yes"));
    CHECK(streq(param(sc->params, sc->n_params, "ratio"), "1.50"));
    CHECK(streq(param(sc->params, sc->n_params, "empty"), ""));
    CHECK(streq(param(sc->params, sc->n_params, "dur"), "30s"));
    const rb_suite_scenario *t = &s->scenarios[1];
    CHECK(t->n_matrix == 2 && t->matrix[1].n_values == 3 && streq(t->matrix[1].values[0], "00"));
    size_t n = 0;
    rb_suite_run *runs = rb_suite_expand(s, &n);
    CHECK(n == 1 + 9);
    if (n == 10) CHECK(streq(runs[9].label, "level=9,again=9") && streq(runs[1].label, "level=00,again=00"));
    rb_suite_runs_free(runs, n);
    rb_suite_free(s);
}

static void test_relative_load(void)
{
    /* a suite loaded by a relative path still gets absolute paths */
    char cwd[PATH_MAX];
    CHECK(getcwd(cwd, sizeof cwd) != NULL);
    CHECK(chdir(tmpdir) == 0);
    char err[RB_ERRLEN] = "";
    rb_suite *s = rb_suite_load("min/min.yaml", err, sizeof err);
    CHECKF(s != NULL, "%s", err);
    if (s) {
        char *want = rb_asprintf("%s/min/s.lua", tmpdir);
        CHECKF(streq(s->scenarios[0].file, want), "file %s", s->scenarios[0].file);
        CHECK(streq(s->path, "min/min.yaml") && s->dir[0] == '/');
        free(want);
        rb_suite_free(s);
    }
    CHECK(chdir(cwd) == 0);

    /* in memory, with an explicit base directory */
    const char *text = "name: m\nregistries: [{name: c, kind: crane}]\nscenarios: [{name: s, file: s.lua}]\n"
                       "baseline: /abs/base.json\n";
    char *base = rb_asprintf("%s/min", tmpdir);
    s = rb_suite_load_buffer(text, strlen(text), "inline.yaml", base, err, sizeof err);
    CHECKF(s != NULL, "%s", err);
    if (s) {
        CHECK(streq(s->baseline, "/abs/base.json"));
        rb_suite_free(s);
    }
    s = rb_suite_load_buffer(text, strlen(text), "inline.yaml", "/nonexistent-dir", err, sizeof err);
    CHECKF(!s && strncmp(err, "inline.yaml:3:", 14) == 0 && strstr(err, "s.lua"), "%s", err);
    rb_suite_free(s);
    free(base);

    /* a NUL byte inside a scalar */
    static const char nul[] = "name: a\0b\n";
    s = rb_suite_load_buffer(nul, sizeof nul - 1, "nul.yaml", NULL, err, sizeof err);
    CHECKF(!s && strncmp(err, "nul.yaml:", 9) == 0, "%s", err);

    s = rb_suite_load("/nonexistent/suite.yaml", err, sizeof err);
    CHECKF(!s && strstr(err, "/nonexistent/suite.yaml") && strstr(err, "No such file"), "%s", err);
}

static void thr_ok(const char *expr, const char *metric, const char *kind, const char *stat, const char *op,
                   double value)
{
    rb_threshold t;
    char err[RB_ERRLEN] = "";
    int rc = rb_threshold_parse(expr, &t, err, sizeof err);
    CHECKF(rc == 0, "'%s': %s", expr, err);
    if (rc == 0) {
        CHECKF(streq(t.expr, expr) && streq(t.metric, metric) && streq(t.op, op) && fabs(t.value - value) < 1e-9 &&
               (kind ? streq(t.kind, kind) : !t.kind) && (stat ? streq(t.stat, stat) : !t.stat),
               "'%s': metric %s kind %s stat %s op %s value %g", expr, t.metric, t.kind ? t.kind : "-",
               t.stat ? t.stat : "-", t.op, t.value);
    }
    rb_threshold_clear(&t);
}

static void thr_bad(const char *expr, const char *want)
{
    rb_threshold t;
    char err[RB_ERRLEN] = "";
    int rc = rb_threshold_parse(expr, &t, err, sizeof err);
    CHECKF(rc == -1 && strstr(err, want) && !t.expr && !t.metric, "'%s': rc %d err '%s', want '%s'",
           expr ? expr : "(null)", rc, err, want);
}

static void test_thresholds(void)
{
    thr_ok("push.p95 < 500ms", "push.p95", "push", "p95", "<", 500);
    thr_ok("pull.p99 <= 2s", "pull.p99", "pull", "p99", "<=", 2000);
    thr_ok("total.max < 250", "total.max", "total", "max", "<", 250);
    thr_ok("blob_get.mean<1m30s", "blob_get.mean", "blob_get", "mean", "<", 90000);
    thr_ok("push.p999 < 0.5", "push.p999", "push", "p999", "<", 0.5);
    thr_ok("errors == 0", "errors", NULL, NULL, "==", 0);
    thr_ok("  ops >= 100  ", "ops", NULL, NULL, ">=", 100);
    thr_ok("pull.throughput_MBps > 50", "pull.throughput_MBps", "pull", "throughput_MBps", ">", 50);
    thr_ok("total.error_rate != 0.01", "total.error_rate", "total", "error_rate", "!=", 0.01);
    thr_ok("push.ops_per_s>=10", "push.ops_per_s", "push", "ops_per_s", ">=", 10);
    thr_ok("manifest_put.errors == 0", "manifest_put.errors", "manifest_put", "errors", "==", 0);

    thr_bad("push.p95x < 500ms", "unknown statistic 'p95x'");
    thr_bad("push.p95x < 500ms", "p50, p90, p95, p99, p999");
    thr_bad("errors = 0", "unknown operator '='");
    thr_bad("errors => 0", "unknown operator");
    thr_bad("errors <> 0", "unknown operator '<>'");
    thr_bad("errors ~ 0", "accepted: <, <=, >, >=, ==, !=");
    thr_bad("push.p95 < fast", "bad value 'fast'");
    thr_bad("push.p95 < 500 ms", "bad value");
    thr_bad("push.p95 < -5", "negative latency");
    thr_bad("ops > lots", "expected a number");
    thr_bad("ops > inf", "expected a number");
    thr_bad("ops > 0x10", "expected a number");
    thr_bad("latency < 5", "unknown metric 'latency'");
    thr_bad(".p95 < 5", "bad name '.p95'");
    thr_bad("push{a=b}.p95 < 5", "takes no tag filter");
    thr_bad("checks{check=x < 5", "unclosed '{'");
    thr_bad("checks{}.rate < 5", "empty tag filter");
    thr_bad("checks.p95 < 5", "rate 'checks' has no statistic 'p95'");
    thr_bad("checks.rate > 2", "fraction 0..1");
    thr_bad("push.value < 5", "operation 'push' has no statistic 'value'");
    thr_bad("errors ==", "no value");
    thr_bad("< 5", "no metric");
    thr_bad("", "empty threshold");
    thr_bad(NULL, "empty threshold");
    thr_bad("total.error_rate > 2", "fraction 0..1");
}

/* The stat table: one row per id, every name a threshold STAT (latencies in
 * milliseconds), the percentiles first, compare's key metrics in order. */
static void test_stat_table(void)
{
    for (int i = 0; i < RB_STAT__COUNT; i++) {
        const rb_stat *st = rb_stat_get((rb_stat_id)i);
        CHECKF((int)st->id == i && rb_stat_find(st->name) == st, "row %d (%s)", i, st->name);
        CHECKF((st->pct > 0) == (i < RB_STAT_N_PCT), "%s: percentiles first", st->name);
        if (st->latency)
            CHECKF(st->path && !strncmp(st->path, "latency_ms.", 11) && streq(st->path + 11, st->name), "%s: %s", st->name,
                   st->path);
        CHECKF(st->path ? 1 : st->id == RB_STAT_ERROR_RATE, "%s: only error_rate is derived", st->name);
        char expr[64], err[RB_ERRLEN] = "";
        rb_threshold t;
        snprintf(expr, sizeof expr, "push.%s <= 1s", st->name);
        int rc = rb_threshold_parse(expr, &t, err, sizeof err);
        CHECKF(st->latency ? rc == 0 && t.value == 1000 : rc == -1 && strstr(err, "bad value '1s'"), "'%s': %d %s", expr, rc, err);
        rb_threshold_clear(&t);
        snprintf(expr, sizeof expr, "push.%s >= 0.5", st->name);
        CHECKF(rb_threshold_parse(expr, &t, err, sizeof err) == 0 && streq(t.stat, st->name), "'%s': %s", expr, err);
        rb_threshold_clear(&t);
        snprintf(expr, sizeof expr, "%s >= 1", st->name);
        rc = rb_threshold_parse(expr, &t, err, sizeof err);
        CHECKF(st->whole_run ? rc == 0 : rc == -1 && strstr(err, "unknown metric"), "'%s': %d %s", expr, rc, err);
        rb_threshold_clear(&t);
    }
    CHECK(rb_stat_find("p75") == NULL && rb_stat_find("") == NULL && rb_stat_find(NULL) == NULL);
    CHECK(rb_stat_get(RB_STAT_P999)->pct == 99.9 && rb_stat_get(RB_STAT_P50)->pct == 50.0);
    CHECK(rb_stat_get(RB_STAT_ERROR_RATE)->fraction && !rb_stat_get(RB_STAT_ERRORS)->fraction);

    char names[256], small[12];
    rb_stat_names(names, sizeof names);
    CHECKF(streq(names, "p50, p90, p95, p99, p999, min, mean, max, ops, errors, error_rate, ops_per_s, throughput_MBps"),
           "%s", names);
    rb_stat_names(small, sizeof small);
    CHECKF(streq(small, "p50, p90"), "%s", small);   /* cut before the first name that does not fit */

    const rb_stat *cmp[RB_STAT__COUNT];
    size_t n = rb_stat_compared(cmp, RB_STAT__COUNT);
    static const char *const want[] = {"throughput_MBps", "ops_per_s", "p50_ms", "p95_ms", "p99_ms"};
    CHECK(n == 5);
    for (size_t i = 0; i < n && i < 5; i++)
        CHECKF(streq(cmp[i]->column, want[i]) && cmp[i]->higher_better == (i < 2), "compared %zu: %s", i, cmp[i]->column);
    CHECK(rb_stat_compared(cmp, 2) == 2 && cmp[1]->id == RB_STAT_OPS_PER_S);
}

/* Thresholds over a results document: per phase (by_op kinds and total),
 * per run (errors, ops), error_rate derived, "no data" for a kind nobody ran. */
static void test_threshold_eval(void)
{
    json_t *suite = json_loads(
        "{\"runs\": [{\"registry\": \"crane\", \"scenario\": \"single\", \"label\": \"size=1MB\", \"repetition\": 1,"
        " \"phases\": [{\"name\": \"push\", \"ops\": 10, \"errors\": 2, \"throughput_MBps\": 12.5,"
        "   \"latency_ms\": {\"p95\": 600, \"max\": 900},"
        "   \"by_op\": {\"blob_push\": {\"ops\": 8, \"errors\": 2, \"latency_ms\": {\"p95\": 40}}}},"
        "  {\"name\": \"idle\", \"ops\": 0, \"errors\": 1}]}]}",
        0, NULL);
    static const char *const exprs[] = {
        "errors == 0", "ops >= 10", "total.error_rate < 0.1", "blob_push.p95 < 50ms", "total.p95 < 500ms",
        "pull.p95 < 1s", "total.throughput_MBps > 5",
    };
    static const int passed[] = {0, 1, 0, 1, 0, 0, 1};
    enum { N = sizeof exprs / sizeof exprs[0] };
    rb_threshold t[N];
    char err[RB_ERRLEN];
    for (size_t i = 0; i < N; i++) CHECKF(rb_threshold_parse(exprs[i], &t[i], err, sizeof err) == 0, "%s", err);
    int failed = -1;
    json_t *res = rb_thresholds_eval(t, N, suite, &failed);
    CHECK(failed == 4 && json_array_size(res) == N);
    for (size_t i = 0; i < N; i++) {
        json_t *r = json_array_get(res, i);
        CHECKF(json_is_true(json_object_get(r, "passed")) == passed[i], "%s", exprs[i]);
    }
    const char *f0 = json_string_value(json_array_get(json_object_get(json_array_get(res, 0), "failures"), 0));
    CHECKF(f0 && streq(f0, "crane/single size=1MB rep 1: errors = 3"), "%s", f0 ? f0 : "(none)");
    /* error_rate: 2 / 10 in push; 1 / 0 in idle is 0 */
    json_t *fl = json_object_get(json_array_get(res, 2), "failures");
    CHECK(json_array_size(fl) == 1 && json_integer_value(json_object_get(json_array_get(res, 2), "checked")) == 2);
    CHECK(streq(json_string_value(json_array_get(fl, 0)), "crane/single size=1MB rep 1 phase push: total.error_rate = 0.2"));
    fl = json_object_get(json_array_get(res, 4), "failures");
    CHECK(streq(json_string_value(json_array_get(fl, 0)), "crane/single size=1MB rep 1 phase push: total.p95 = 600 ms"));
    fl = json_object_get(json_array_get(res, 5), "failures");
    CHECK(json_array_size(fl) == 1 && strstr(json_string_value(json_array_get(fl, 0)), "no data"));
    for (size_t i = 0; i < N; i++) rb_threshold_clear(&t[i]);
    json_decref(res);
    json_decref(suite);
}

/* Names a threshold resolves against: built-in operations, "checks", and
 * what a scenario declares (custom metrics by type, operation kinds);
 * NAME matched longest-first, so it may hold dots; VALUE in the metric's unit. */
static void test_threshold_names(void)
{
    static const char *const metrics[] = {"push_total_ms", "cache.hit", "bytes.out", "queue"};
    static const int types[] = {RB_METRIC_TREND, RB_METRIC_RATE, RB_METRIC_COUNTER, RB_METRIC_GAUGE};
    static const char *const ops[] = {"upload_start"};
    rb_threshold_names names = {metrics, types, 4, ops, 1};
    char err[RB_ERRLEN];
    rb_threshold t;

    /* unknown names are left for the scenario's names, then refused */
    CHECK(rb_threshold_parse("push_total_ms.p95 < 400", &t, err, sizeof err) == 0 && t.target == RB_TH_UNRESOLVED);
    CHECKF(rb_threshold_resolve(&t, &names, err, sizeof err) == 0 && t.target == RB_TH_METRIC &&
           t.metric_type == RB_METRIC_TREND && t.value == 400 && streq(t.kind, "push_total_ms") && streq(t.stat, "p95"),
           "%s", err);
    rb_threshold_clear(&t);
    CHECK(rb_threshold_parse("psh.p95 < 400ms", &t, err, sizeof err) == 0);
    CHECKF(rb_threshold_resolve(&t, &names, err, sizeof err) < 0 && strstr(err, "unknown metric 'psh'"), "%s", err);
    rb_threshold_clear(&t);
    /* a trend's values are plain numbers, not durations */
    CHECK(rb_threshold_parse("push_total_ms.p95 < 400ms", &t, err, sizeof err) == 0);
    CHECKF(rb_threshold_resolve(&t, &names, err, sizeof err) < 0 && strstr(err, "expected a number"), "%s", err);
    rb_threshold_clear(&t);
    /* names with dots; tags; checks built in */
    CHECK(rb_threshold_parse("cache.hit.rate >= 0.9", &t, err, sizeof err) == 0);
    CHECKF(rb_threshold_resolve(&t, &names, err, sizeof err) == 0 && streq(t.kind, "cache.hit") && streq(t.stat, "rate") &&
           t.value == 0.9, "%s", err);
    rb_threshold_clear(&t);
    CHECKF(rb_threshold_parse("checks{check=status is 200, phase=a}.rate == 1", &t, err, sizeof err) == 0 &&
           t.target == RB_TH_METRIC && streq(t.kind, "checks") && streq(t.tags, "check=status is 200,phase=a") &&
           streq(t.metric, "checks.rate"), "%s", err);
    rb_threshold_clear(&t);
    CHECK(rb_threshold_parse("bytes.out.value > 10", &t, err, sizeof err) == 0);
    CHECK(rb_threshold_resolve(&t, &names, err, sizeof err) == 0 && t.metric_type == RB_METRIC_COUNTER);
    rb_threshold_clear(&t);
    CHECK(rb_threshold_parse("queue.rate > 1", &t, err, sizeof err) == 0);
    CHECKF(rb_threshold_resolve(&t, &names, err, sizeof err) < 0 && strstr(err, "gauge 'queue' has no statistic 'rate'"),
           "%s", err);
    rb_threshold_clear(&t);
    /* declared and built-in operation kinds */
    CHECK(rb_threshold_parse("upload_start.p99 < 1s", &t, err, sizeof err) == 0 && t.target == RB_TH_UNRESOLVED);
    CHECK(rb_threshold_resolve(&t, &names, err, sizeof err) == 0 && t.target == RB_TH_OP && t.value == 1000);
    rb_threshold_clear(&t);
    CHECK(rb_threshold_parse("iteration/pull.count > 0", &t, err, sizeof err) == 0 && t.target == RB_TH_OP);
    rb_threshold_clear(&t);

    /* evaluation over a run's custom metrics, and a named phase's */
    json_t *suite = json_loads(
        "{\"runs\": [{\"registry\": \"r\", \"scenario\": \"s\", \"label\": \"\", \"repetition\": 1,"
        " \"metrics\": {\"checks{check=a}\": {\"name\": \"checks\", \"tags\": \"check=a\", \"type\": \"rate\", \"count\": 4,"
        "   \"rate\": 1, \"passes\": 4, \"fails\": 0},"
        "  \"checks{check=b}\": {\"name\": \"checks\", \"tags\": \"check=b\", \"type\": \"rate\", \"count\": 4, \"rate\": 0.5,"
        "   \"passes\": 2, \"fails\": 2},"
        "  \"push_total_ms\": {\"name\": \"push_total_ms\", \"tags\": \"\", \"type\": \"trend\", \"count\": 3, \"p95\": 350}},"
        " \"phases\": [{\"name\": \"one\", \"ops\": 1, \"metrics\": {\"push_total_ms\": {\"name\": \"push_total_ms\","
        "   \"tags\": \"\", \"type\": \"trend\", \"count\": 1, \"p95\": 900}}}]}]}", 0, NULL);
    static const char *const exprs[] = {
        "checks.rate == 1", "checks{check=a}.rate == 1", "checks.count == 8", "push_total_ms.p95 < 400",
        "push_total_ms.p95 < 400", "checks{check=zzz}.rate == 1",
    };
    static const int passed[] = {0, 1, 1, 1, 0, 0};
    enum { N = sizeof exprs / sizeof exprs[0] };
    rb_threshold th[N];
    for (size_t i = 0; i < N; i++) {
        CHECKF(rb_threshold_parse(exprs[i], &th[i], err, sizeof err) == 0, "%s", err);
        CHECKF(rb_threshold_resolve(&th[i], &names, err, sizeof err) == 0, "%s", err);
    }
    th[4].phase = rb_strdup("one");   /* the phase's own series: 900 */
    int failed = 0;
    json_t *res = rb_thresholds_eval(th, N, suite, &failed);
    for (size_t i = 0; i < N; i++)
        CHECKF(json_is_true(json_object_get(json_array_get(res, i), "passed")) == passed[i], "%s (phase %s)", exprs[i],
               th[i].phase ? th[i].phase : "-");
    const char *f0 = json_string_value(json_array_get(json_object_get(json_array_get(res, 0), "failures"), 0));
    CHECKF(f0 && streq(f0, "r/s rep 1: checks.rate = 0.75"), "%s", f0 ? f0 : "(none)");
    CHECK(strstr(json_string_value(json_array_get(json_object_get(json_array_get(res, 5), "failures"), 0)), "no data"));
    for (size_t i = 0; i < N; i++) rb_threshold_clear(&th[i]);
    json_decref(res);
    json_decref(suite);
}

/* The built-in operation kinds thresholds accept are the kinds the Lua code
 * records: every C.record("KIND", op = "KIND" and _delete(..., "KIND",
 * "KIND") in the Lua files of src/lua/ is in the list. */
static void test_builtin_ops(void)
{
    const char *src = getenv("RB_SRC");
    if (!src || !*src) src = REGBENCH_SOURCE_DIR;
    static const char *const files[] = {"oci.lua", "regbench.lua"};
    int seen = 0;
    for (size_t f = 0; f < 2; f++) {
        char *path = rb_asprintf("%s/src/lua/%s", src, files[f]);
        FILE *in = fopen(path, "r");
        CHECKF(in != NULL, "cannot read %s", path);
        char line[1024];
        while (in && fgets(line, sizeof line, in)) {
            static const char *const marks[] = {"C.record(\"", "op = \"", "\"blob_delete\", \"", "\"manifest_delete\", \""};
            for (size_t m = 0; m < 4; m++) {
                const char *p = strstr(line, marks[m]);
                if (!p) continue;
                p += strlen(marks[m]);
                char kind[64];
                size_t n = strcspn(p, "\"");
                if (n == 0 || n >= sizeof kind) continue;
                memcpy(kind, p, n);
                kind[n] = 0;
                seen++;
                CHECKF(rb_op_builtin(kind), "%s records operation kind '%s', which thresholds do not know", files[f], kind);
            }
        }
        if (in) fclose(in);
        free(path);
    }
    CHECKF(seen >= 15, "found only %d recorded kinds", seen);
    CHECK(rb_op_builtin("blob_delete") && rb_op_builtin("manifest_remove") && rb_op_builtin("blob_mount"));
    CHECK(rb_op_builtin("iteration/pull") && !rb_op_builtin("iteration/") && !rb_op_builtin("psh"));
}

/* ---- bad corpus ---------------------------------------------------------- */

static char *corpus_dir(void)
{
    const char *src = getenv("RB_SRC");
    if (src && *src) return rb_asprintf("%s/tests/bad/suites", src);
    /* no RB_SRC: find the CMake cache above the executable and its source dir */
    char exe[PATH_MAX];
    ssize_t k = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (k > 0) {
        exe[k] = 0;
        char *slash;
        while ((slash = strrchr(exe, '/')) && slash != exe) {
            *slash = 0;
            char *cache = rb_asprintf("%s/CMakeCache.txt", exe);
            FILE *f = fopen(cache, "r");
            free(cache);
            if (!f) continue;
            char line[PATH_MAX + 64];
            char *found = NULL;
            while (!found && fgets(line, sizeof line, f))
                if (strncmp(line, "CMAKE_HOME_DIRECTORY:INTERNAL=", 30) == 0) {
                    line[strcspn(line, "\n")] = 0;
                    found = rb_asprintf("%s/tests/bad/suites", line + 30);
                }
            fclose(f);
            if (found) return found;
        }
    }
    return rb_strdup("tests/bad/suites");
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void check_bad_file(const char *path)
{
    FILE *f = fopen(path, "r");
    CHECKF(f != NULL, "cannot open %s", path);
    if (!f) return;
    char l1[512] = "", l2[512] = "";
    if (!fgets(l1, sizeof l1, f)) l1[0] = 0;
    if (!fgets(l2, sizeof l2, f)) l2[0] = 0;
    fclose(f);
    l1[strcspn(l1, "\n")] = 0;
    l2[strcspn(l2, "\n")] = 0;
    CHECKF(strncmp(l1, "# expect: ", 10) == 0 && l1[10], "%s: first line must be '# expect: TEXT'", path);
    const char *want = l1 + 10;
    int want_line = 0, want_col = 0;
    if (strncmp(l2, "# expect-at: ", 13) == 0)
        CHECKF(sscanf(l2 + 13, "%d:%d", &want_line, &want_col) == 2, "%s: bad expect-at line", path);

    char err[RB_ERRLEN] = "";
    rb_suite *s = rb_suite_load(path, err, sizeof err);
    CHECKF(s == NULL, "%s loaded but should fail with '%s'", path, want);
    rb_suite_free(s);
    if (s) return;
    CHECKF(strstr(err, want) != NULL, "%s:\n    got:  %s\n    want: %s", path, err, want);
    size_t pl = strlen(path);
    int line = 0, col = 0, used = 0;
    int ok = strncmp(err, path, pl) == 0 && err[pl] == ':' &&
             sscanf(err + pl, ":%d:%d:%n", &line, &col, &used) == 2 && used > 0 && line > 0 && col > 0;
    CHECKF(ok, "%s: error does not start with PATH:LINE:COL: '%s'", path, err);
    if (ok && want_line)
        CHECKF(line == want_line && col == want_col, "%s: at %d:%d, want %d:%d (%s)", path, line, col, want_line,
               want_col, err);
}

static void test_bad_corpus(void)
{
    char *dir = corpus_dir();
    DIR *d = opendir(dir);
    CHECKF(d != NULL, "cannot open the bad-suite corpus %s (set RB_SRC)", dir);
    if (!d) {
        free(dir);
        return;
    }
    char **names = NULL;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (l > 5 && strcmp(e->d_name + l - 5, ".yaml") == 0) {
            names = rb_realloc(names, (n + 1) * sizeof *names);
            names[n++] = rb_asprintf("%s/%s", dir, e->d_name);
        }
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_str);
    CHECKF(n >= 18, "only %zu bad suites in %s", n, dir);
    for (size_t i = 0; i < n; i++) {
        check_bad_file(names[i]);
        free(names[i]);
    }
    printf("bad corpus: %zu files\n", n);
    free(names);
    free(dir);
}

static void rm_rf(const char *path)
{
    char *cmd = rb_asprintf("rm -rf '%s'", path);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", path);
    free(cmd);
}

int main(void)
{
    const char *t = getenv("TMPDIR");
    snprintf(tmpdir, sizeof tmpdir, "%s/rb-suite-XXXXXX", t && *t ? t : "/tmp");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    char *real = realpath(tmpdir, NULL);
    if (real) {
        snprintf(tmpdir, sizeof tmpdir, "%s", real);
        free(real);
    }
    test_full_example();
    test_minimal_defaults();
    test_filtering_and_order();
    test_scalars_and_aliases();
    test_relative_load();
    test_thresholds();
    test_stat_table();
    test_threshold_eval();
    test_threshold_names();
    test_builtin_ops();
    test_bad_corpus();
    rm_rf(tmpdir);
    return rbtest_done("test_suite");
}
