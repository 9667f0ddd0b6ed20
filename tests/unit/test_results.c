/* test_results: builds a metrics store by hand (phases with top-level and
 * nested operations, errors of several classes, custom metrics of every
 * type, an open phase, an empty implicit phase), writes results.json and the
 * CSVs into a temp dir, reads them back and checks every field against what
 * was recorded: counts, bytes, error classes, rates, latency percentiles
 * against the histogram (the stat table's percentiles), custom metrics, CSV
 * row counts and quoting, no NaN, and that no temp file is left behind. */
#include "results/rb_results.h"
#include "measure/rb_stat.h"
#include "util/rb_util.h"
#include "rbtest.h"

#include <dirent.h>
#include <jansson.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PHASE0_NAME "upload, \"big\""

static double r3(double x) { return round(x * 1000.0) / 1000.0; }

static int near(double a, double b) { return fabs(a - b) <= 1e-9 * (fabs(b) > 1 ? fabs(b) : 1); }

static json_t *get(json_t *o, const char *path)
{
    /* dotted path through objects: "a.b.c" */
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    json_t *cur = o;
    for (char *tok = strtok(buf, "."); tok && cur; tok = strtok(NULL, "."))
        cur = json_object_get(cur, tok);
    return cur;
}

static double num(json_t *o, const char *path)
{
    json_t *v = get(o, path);
    if (!v || !json_is_number(v)) {
        fprintf(stderr, "missing number: %s\n", path);
        return -12345.0;
    }
    return json_number_value(v);
}

static long long inum(json_t *o, const char *path)
{
    json_t *v = get(o, path);
    if (!v || !json_is_integer(v)) {
        fprintf(stderr, "missing integer: %s\n", path);
        return -12345;
    }
    return json_integer_value(v);
}

static const char *str(json_t *o, const char *path)
{
    json_t *v = get(o, path);
    return v && json_is_string(v) ? json_string_value(v) : "<missing>";
}

/* Every real in the document is finite (jansson cannot even hold NaN, so
 * this mostly guards against sentinel garbage). */
static int all_finite(json_t *v)
{
    if (json_is_real(v)) return isfinite(json_real_value(v));
    if (json_is_object(v)) {
        const char *k;
        json_t *x;
        json_object_foreach(v, k, x) if (!all_finite(x)) return 0;
    }
    if (json_is_array(v)) {
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x) if (!all_finite(x)) return 0;
    }
    return 1;
}

static void record(rb_metrics *m, rb_phase *p, const char *kind, uint64_t at_us, uint64_t lat_us,
                   uint64_t bytes, rb_err_class err, int top)
{
    rb_op_record r = {
        .kind = kind, .start_us = p->start_us + at_us, .end_us = p->start_us + at_us + lat_us,
        .bytes = bytes, .err = err, .top_level = top,
    };
    rb_metrics_record(m, p, &r);
}

/* Checks one latency_ms object against the histogram it came from. */
static void check_latency(json_t *lat, const rb_hist *h, const char *what)
{
    CHECKF(json_is_object(lat), "%s latency_ms", what);
    CHECKF(near(num(lat, "min"), r3((double)h->min / 1000.0)), "%s min", what);
    CHECKF(near(num(lat, "max"), r3((double)h->max / 1000.0)), "%s max", what);
    CHECKF(near(num(lat, "mean"), r3(rb_hist_mean(h) / 1000.0)), "%s mean", what);
    CHECKF(near(num(lat, "stddev"), r3(rb_hist_stddev(h) / 1000.0)), "%s stddev", what);
    static const struct { const char *k; double p; } pcts[] = {
        {"p50", 50}, {"p90", 90}, {"p95", 95}, {"p99", 99}, {"p999", 99.9}};
    for (size_t i = 0; i < 5; i++)
        CHECKF(near(num(lat, pcts[i].k), r3((double)rb_hist_percentile(h, pcts[i].p) / 1000.0)),
               "%s %s = %g", what, pcts[i].k, num(lat, pcts[i].k));
    /* the percentiles are the stat table's, and nothing else is there */
    CHECKF(json_object_size(lat) == 4 + RB_STAT_N_PCT, "%s: %zu keys", what, json_object_size(lat));
    for (int i = 0; i < RB_STAT_N_PCT; i++) {
        const rb_stat *st = rb_stat_get((rb_stat_id)i);
        CHECKF(!strcmp(st->name, pcts[i].k) && st->pct == pcts[i].p, "%s: stat %d is %s", what, i, st->name);
    }
}

static void check_classes(json_t *o, const uint64_t want[RB_ERR__COUNT], const char *what)
{
    json_t *ec = json_object_get(o, "errors_by_class");
    CHECKF(json_is_object(ec) && json_object_size(ec) == 7, "%s errors_by_class has 7 keys", what);
    static const char *names[] = {"connect", "timeout", "4xx", "5xx", "integrity", "auth", "other"};
    for (int c = 1; c < RB_ERR__COUNT; c++)
        CHECKF(inum(ec, names[c - 1]) == (long long)want[c], "%s errors_by_class.%s", what, names[c - 1]);
}

static int count_lines(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    int n = 0, c, last = '\n';
    while ((c = fgetc(f)) != EOF) {
        if (c == '\n') n++;
        last = c;
    }
    fclose(f);
    return last == '\n' ? n : n + 1;
}

static int dir_entries(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
        if (strstr(e->d_name, ".tmp")) n += 100;     /* a leftover temp file fails the count */
    }
    if (d) closedir(d);
    return n;
}

static void rm_dir(const char *dir)
{
    static const char *files[] = {"results.json", "metrics.csv", "timeseries.csv"};
    for (size_t i = 0; i < 3; i++) {
        char *p = rb_asprintf("%s/%s", dir, files[i]);
        unlink(p);
        free(p);
    }
    rmdir(dir);
}

static void test_full(void)
{
    rb_metrics m;
    rb_metrics_init(&m);
    char err[RB_ERRLEN];

    /* Phase 0, closed, exactly 2 s: 100 top-level http ops (3 failed),
     * 10 nested blob_upload ops (1 failed). */
    rb_phase *p0 = rb_metrics_phase_begin(&m, PHASE0_NAME);
    p0->start_us = 1000000000ull;
    uint64_t bytes0 = 0;
    for (int i = 0; i < 100; i++) {
        uint64_t lat = 100 + (uint64_t)i * 37;            /* 100 us .. 3763 us */
        if (i == 99) lat = 1500000;                        /* one 1.5 s outlier */
        rb_err_class e = i == 10 ? RB_ERR_HTTP4XX : i == 20 ? RB_ERR_TIMEOUT
                       : i == 30 ? RB_ERR_HTTP4XX : RB_ERR_NONE;
        uint64_t at = (uint64_t)i * 4000;                  /* ends spread over ~0.4 s ... */
        if (i >= 50) at = 1000000 + (uint64_t)i * 1000;    /* ... and the second second */
        if (i == 99) at = 0;
        record(&m, p0, "http", at, lat, 1000 + (uint64_t)i, e, 1);
        bytes0 += 1000 + (uint64_t)i;
    }
    for (int i = 0; i < 10; i++)
        record(&m, p0, "blob_upload", (uint64_t)i * 1000, 5000, 250000,
               i == 3 ? RB_ERR_INTEGRITY : RB_ERR_NONE, 0);
    rb_metrics_phase_end(&m, p0);
    p0->end_us = p0->start_us + 2000000;
    p0->cpu_s = 0.5;
    p0->rss_peak_bytes = 123456789;

    /* Phase 1: zero duration, no ops (rates must be 0, not NaN). */
    rb_phase *p1 = rb_metrics_phase_begin(&m, "empty");
    rb_metrics_phase_end(&m, p1);
    p1->end_us = p1->start_us;
    p1->cpu_s = 0.25;

    /* The implicit phase, created but unused: must not be reported. */
    rb_metrics_default_phase(&m);

    /* Phase 3: still open, started 1.5 s ago. */
    rb_phase *p3 = rb_metrics_phase_begin(&m, "download");
    p3->start_us = rb_now_us() - 1500000;
    record(&m, p3, "http", 10, 2000, 5000000, RB_ERR_NONE, 1);
    record(&m, p3, "http", 20, 3000, 0, RB_ERR_HTTP5XX, 1);

    /* Custom metrics of each type. */
    rb_metric *tr = rb_metrics_custom(&m, "size", "level=6", RB_METRIC_TREND, err, sizeof err);
    rb_metric_add(tr, 1.5);
    rb_metric_add(tr, 2.5);
    rb_metric_add(tr, 10.0);
    rb_metric *ct = rb_metrics_custom(&m, "pushed", NULL, RB_METRIC_COUNTER, err, sizeof err);
    rb_metric_add(ct, 100);
    rb_metric_add(ct, 50);
    rb_metric *ga = rb_metrics_custom(&m, "queue", NULL, RB_METRIC_GAUGE, err, sizeof err);
    rb_metric_add(ga, 3);
    rb_metric_add(ga, 7);
    rb_metric_add(ga, 5);
    rb_metric *ra = rb_metrics_custom(&m, "ok", NULL, RB_METRIC_RATE, err, sizeof err);
    rb_metric_add(ra, 1);
    rb_metric_add(ra, 0);
    rb_metric_add(ra, 1);
    rb_metric_add(ra, 1);
    CHECK(tr && ct && ga && ra);

    const char *pn[] = {"size", "vus"}, *pv[] = {"10MB", "50"};
    rb_phase_registry regs[4] = {
        {.valid = 1, .cpu_pct_avg = 12.5, .cpu_pct_max = 80.25, .rss_peak_bytes = 5000000,
         .rss_end_bytes = 4000000, .disk_read_bytes = 11, .disk_write_bytes = 22, .storage_bytes = -1},
        {.valid = 0},
        {.valid = 0},
        {.valid = 1, .storage_bytes = 777},
    };
    rb_run_info info = {
        .scenario = "scenarios/x.lua", .started_at = "2026-01-02T03:04:05Z", .status = "running",
        .error = NULL, .exit_code = 0, .reg_kind = "crane", .reg_url = "http://127.0.0.1:5000",
        .reg_storage = "memory", .reg_version = "v0.22.1", .reg_pid = 4242,
        .param_names = pn, .param_values = pv, .n_params = 2,
    };
    for (size_t i = 0; i < m.n_phases && i < 4; i++)   /* the run fills each phase's registry view */
        m.phases[i]->registry = regs[i];

    char tmpl[] = "/tmp/rb-test-results-XXXXXX";
    char *dir = mkdtemp(tmpl);
    CHECK(dir != NULL);
    if (!dir) return;
    CHECKF(rb_results_write_json(dir, &m, &info, err, sizeof err) == 0, "%s", err);
    CHECKF(rb_results_write_csv(dir, &m, err, sizeof err) == 0, "%s", err);
    CHECKF(dir_entries(dir) == 3, "dir has results.json, metrics.csv, timeseries.csv only (%d)",
           dir_entries(dir));

    char *path = rb_asprintf("%s/results.json", dir);
    json_error_t jerr;
    json_t *root = json_load_file(path, 0, &jerr);
    CHECKF(root != NULL, "parse: %s", jerr.text);
    free(path);
    if (!root) return;
    CHECK(all_finite(root));

    /* Top level. */
    CHECK(strcmp(str(root, "schema"), RB_RESULTS_SCHEMA) == 0);
    CHECK(strcmp(str(root, "tool.name"), "regbench") == 0);
    CHECK(strcmp(str(root, "tool.version"), REGBENCH_VERSION) == 0);
    CHECK(strcmp(str(root, "started_at"), "2026-01-02T03:04:05Z") == 0);
    CHECK(strcmp(str(root, "scenario"), "scenarios/x.lua") == 0);
    CHECK(strcmp(str(root, "status"), "running") == 0);
    CHECK(json_is_null(get(root, "error")));
    CHECK(inum(root, "exit_code") == 0);
    CHECK(strcmp(str(root, "params.size"), "10MB") == 0);
    CHECK(strcmp(str(root, "params.vus"), "50") == 0);
    CHECK(strcmp(str(root, "registry.kind"), "crane") == 0);
    CHECK(strcmp(str(root, "registry.url"), "http://127.0.0.1:5000") == 0);
    CHECK(strcmp(str(root, "registry.storage"), "memory") == 0);
    CHECK(strcmp(str(root, "registry.version"), "v0.22.1") == 0);
    CHECK(inum(root, "registry.pid") == 4242);
    CHECK(json_is_string(get(root, "environment.kernel")));
    CHECK(get(root, "environment.cpu_model") != NULL);
    CHECK(inum(root, "environment.cores") >= 1);
    CHECK(inum(root, "environment.memory_bytes") > 0);
    double run_s = num(root, "run_duration_s");
    CHECK(run_s >= 0);

    json_t *phases = json_object_get(root, "phases");
    CHECKF(json_array_size(phases) == 3, "3 phases (implicit skipped), got %zu", json_array_size(phases));
    json_t *j0 = json_array_get(phases, 0), *j1 = json_array_get(phases, 1),
           *j3 = json_array_get(phases, 2);
    if (!j0 || !j1 || !j3) return;

    /* Phase 0. */
    CHECK(strcmp(str(j0, "name"), PHASE0_NAME) == 0);
    CHECK(inum(j0, "index") == 0);
    CHECK(json_is_true(get(j0, "complete")));
    CHECK(near(num(j0, "duration_s"), 2.0));
    CHECK(inum(j0, "ops") == 100);
    CHECK(inum(j0, "errors") == 3);
    CHECK(inum(j0, "bytes") == (long long)bytes0);
    uint64_t want0[RB_ERR__COUNT] = {0};
    want0[RB_ERR_HTTP4XX] = 2;
    want0[RB_ERR_TIMEOUT] = 1;
    check_classes(j0, want0, "phase0");
    CHECK(near(num(j0, "ops_per_s"), 50.0));
    CHECK(near(num(j0, "throughput_MBps"), r3((double)bytes0 / 1e6 / 2.0)));
    check_latency(get(j0, "latency_ms"), &p0->total.latency_us, "phase0");
    /* Known exact values: latencies below 2048 us are exact. */
    CHECK(near(num(j0, "latency_ms.min"), 0.1));
    CHECK(near(num(j0, "latency_ms.max"), 1500.0));
    CHECK(near(num(j0, "latency_ms.p50"), (100 + 49 * 37) / 1000.0));
    CHECK(fabs(num(j0, "latency_ms.p999") - 1500.0) <= 1500.0 * 0.001);   /* bucket midpoint */
    /* by_op: http (top level) and blob_upload (nested). */
    json_t *by = json_object_get(j0, "by_op");
    CHECK(json_object_size(by) == 2);
    json_t *http = json_object_get(by, "http"), *blob = json_object_get(by, "blob_upload");
    CHECK(http && blob);
    if (http && blob) {
        CHECK(inum(http, "ops") == 100 && inum(http, "errors") == 3);
        CHECK(inum(http, "bytes") == (long long)bytes0);
        check_classes(http, want0, "http");
        CHECK(near(num(http, "ops_per_s"), 50.0));
        check_latency(json_object_get(http, "latency_ms"), &rb_phase_op(p0, "http", 0)->latency_us, "http");
        CHECK(inum(blob, "ops") == 10 && inum(blob, "errors") == 1);
        CHECK(inum(blob, "bytes") == 2500000);
        uint64_t wb[RB_ERR__COUNT] = {0};
        wb[RB_ERR_INTEGRITY] = 1;
        check_classes(blob, wb, "blob");
        CHECK(near(num(blob, "ops_per_s"), 5.0));
        CHECK(near(num(blob, "throughput_MBps"), 1.25));
        CHECK(near(num(blob, "latency_ms.p50"), 5.0) && near(num(blob, "latency_ms.stddev"), 0.0));
    }
    CHECK(near(num(j0, "client.cpu_s"), 0.5));
    CHECK(near(num(j0, "client.cpu_pct"), 25.0));
    CHECK(inum(j0, "client.rss_peak_bytes") == 123456789);
    CHECK(near(num(j0, "registry.cpu_pct_avg"), 12.5));
    CHECK(near(num(j0, "registry.cpu_pct_max"), 80.25));
    CHECK(inum(j0, "registry.rss_peak_bytes") == 5000000);
    CHECK(inum(j0, "registry.rss_end_bytes") == 4000000);
    CHECK(inum(j0, "registry.disk_read_bytes") == 11);
    CHECK(inum(j0, "registry.disk_write_bytes") == 22);
    CHECK(json_is_null(get(j0, "registry.storage_bytes")));
    json_t *ts = json_object_get(j0, "timeseries");
    CHECK(inum(ts, "step_s") == 1);
    json_t *tops = json_object_get(ts, "ops");
    CHECKF(json_array_size(tops) == p0->n_ticks && p0->n_ticks == 2, "ticks %zu", p0->n_ticks);
    long long tsum = 0;
    for (size_t i = 0; i < json_array_size(tops); i++) {
        tsum += json_integer_value(json_array_get(tops, i));
        CHECK(near(json_number_value(json_array_get(json_object_get(ts, "latency_max_ms"), i)),
                   r3((double)p0->ticks[i].lat_max_us / 1000.0)));
        CHECK(near(json_number_value(json_array_get(json_object_get(ts, "latency_mean_ms"), i)),
                   r3((double)p0->ticks[i].lat_sum_us / p0->ticks[i].ops / 1000.0)));
    }
    CHECK(tsum == 100);
    CHECK(json_integer_value(json_array_get(json_object_get(ts, "errors"), 0)) == 3);
    CHECK(json_array_size(json_object_get(ts, "bytes")) == 2);

    /* Phase 1: zero duration, no ops, no registry block (valid = 0). */
    CHECK(strcmp(str(j1, "name"), "empty") == 0 && inum(j1, "index") == 1);
    CHECK(num(j1, "duration_s") == 0 && num(j1, "ops_per_s") == 0 && num(j1, "throughput_MBps") == 0);
    CHECK(num(j1, "client.cpu_pct") == 0);
    CHECK(num(j1, "latency_ms.p99") == 0 && num(j1, "latency_ms.mean") == 0);
    CHECK(get(j1, "registry") == NULL);
    CHECK(json_object_size(json_object_get(j1, "by_op")) == 0);

    /* Phase 3: open, duration from now. */
    CHECK(strcmp(str(j3, "name"), "download") == 0 && inum(j3, "index") == 3);
    CHECK(json_is_false(get(j3, "complete")));
    double d3 = num(j3, "duration_s");
    CHECKF(d3 >= 1.5 && d3 < 60, "open duration %g", d3);
    CHECK(inum(j3, "ops") == 2 && inum(j3, "errors") == 1 && inum(j3, "bytes") == 5000000);
    CHECK(near(num(j3, "ops_per_s"), r3(2 / d3)) || fabs(num(j3, "ops_per_s") - 2 / d3) < 0.01);
    CHECK(inum(j3, "errors_by_class.5xx") == 1);
    CHECK(inum(j3, "registry.storage_bytes") == 777);
    CHECK(near(num(j3, "latency_ms.min"), 2.0) && near(num(j3, "latency_ms.max"), 3.0));

    /* Custom metrics. */
    json_t *mt = json_object_get(root, "metrics");
    CHECK(json_object_size(mt) == 4);
    json_t *t = json_object_get(mt, "size{level=6}");
    CHECK(t != NULL);
    if (t) {
        CHECK(strcmp(str(t, "type"), "trend") == 0 && inum(t, "count") == 3);
        CHECK(near(num(t, "min"), 1.5) && near(num(t, "max"), 10.0) && near(num(t, "mean"), 4.667));
        /* Above 2047 (2.047 here) the histogram reports a bucket midpoint. */
        CHECK(near(num(t, "p50"), r3((double)rb_hist_percentile(&tr->hist, 50) / 1000.0)));
        CHECK(fabs(num(t, "p50") - 2.5) <= 2.5 * 0.001);
        CHECK(near(num(t, "p90"), 10.0) && near(num(t, "p999"), 10.0));
        CHECK(near(num(t, "p95"), 10.0) && near(num(t, "p99"), 10.0));
        double mean = 14.0 / 3, var = (1.5 * 1.5 + 2.5 * 2.5 + 100) / 3 - mean * mean;
        CHECK(near(num(t, "stddev"), r3(sqrt(var))));
    }
    json_t *c = json_object_get(mt, "pushed");
    CHECK(c && strcmp(str(c, "type"), "counter") == 0 && inum(c, "count") == 2);
    CHECK(near(num(c, "value"), 150.0));
    CHECK(run_s > 0 ? fabs(num(c, "rate") - 150.0 / run_s) <= 0.001 + 150.0 / run_s * 1e-3
                    : num(c, "rate") == 0);
    json_t *g = json_object_get(mt, "queue");
    CHECK(g && strcmp(str(g, "type"), "gauge") == 0 && inum(g, "count") == 3);
    CHECK(near(num(g, "value"), 5) && near(num(g, "min"), 3) && near(num(g, "max"), 7));
    json_t *r = json_object_get(mt, "ok");
    CHECK(r && strcmp(str(r, "type"), "rate") == 0 && inum(r, "count") == 4);
    CHECK(near(num(r, "rate"), 0.75) && inum(r, "passes") == 3 && inum(r, "fails") == 1);
    json_decref(root);

    /* metrics.csv: 17 headline rows + 14 per by_op kind per phase, plus
     * custom rows (trend 10, counter 3, gauge 4, rate 4). */
    char *mcsv = rb_asprintf("%s/metrics.csv", dir);
    int want_rows = 1 + (17 + 2 * 14) + 17 + (17 + 14) + 10 + 3 + 4 + 4;
    CHECKF(count_lines(mcsv) == want_rows, "metrics.csv lines %d want %d", count_lines(mcsv), want_rows);
    char *text = rbtest_slurp(mcsv);
    CHECK(strncmp(text, "phase_index,phase,metric,value\n", 31) == 0);
    CHECK(strstr(text, "\n0,\"upload, \"\"big\"\"\",ops,100\n") != NULL);
    CHECK(strstr(text, "\n0,\"upload, \"\"big\"\"\",by_op.blob_upload.bytes,2500000\n") != NULL);
    CHECK(strstr(text, "\n0,\"upload, \"\"big\"\"\",ops_per_s,50.000\n") != NULL);
    CHECK(strstr(text, "\n1,empty,ops_per_s,0.000\n") != NULL);
    CHECK(strstr(text, "\n,,custom.ok.rate,0.750000\n") != NULL);
    CHECK(strstr(text, "\n,,custom.size{level=6}.count,3\n") != NULL);
    CHECK(strstr(text, "nan") == NULL && strstr(text, "inf") == NULL);
    free(text);
    free(mcsv);

    char *tcsv = rb_asprintf("%s/timeseries.csv", dir);
    CHECKF(count_lines(tcsv) == 1 + 2 + (int)p3->n_ticks, "timeseries.csv lines %d", count_lines(tcsv));
    text = rbtest_slurp(tcsv);
    CHECK(strncmp(text, "phase_index,phase,t_s,ops,errors,bytes,latency_mean_ms,latency_max_ms\n", 70) == 0);
    CHECK(strstr(text, "\n0,\"upload, \"\"big\"\"\",0,") != NULL);
    CHECK(strstr(text, "\n0,\"upload, \"\"big\"\"\",1,") != NULL);
    free(text);
    free(tcsv);

    /* Rewriting replaces the files atomically and leaves no temp file. */
    info.status = "ok";
    rb_metrics_close_all(&m);
    CHECK(rb_results_write_json(dir, &m, &info, err, sizeof err) == 0);
    CHECK(rb_results_write_csv(dir, &m, err, sizeof err) == 0);
    CHECK(dir_entries(dir) == 3);

    /* The table prints every reported phase and the metrics. */
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    rb_results_print_table(out, &m);
    fclose(out);
    CHECK(strstr(buf, "phase \"" PHASE0_NAME "\"") != NULL);
    CHECK(strstr(buf, "blob_upload") != NULL && strstr(buf, "size{level=6}") != NULL);
    CHECK(strstr(buf, "phase \"default\"") == NULL);
    CHECK(strstr(buf, "errors: timeout 1 4xx 2") != NULL);
    free(buf);

    /* Writing into a missing directory fails with a message. */
    err[0] = 0;
    CHECK(rb_results_write_json("/nonexistent/dir", &m, &info, err, sizeof err) == -1 && err[0]);

    rm_dir(dir);
    rb_metrics_free(&m);
}

/* The implicit phase is reported when operations ran in it; a NULL info
 * gives nulls, not a crash. */
static void test_implicit(void)
{
    rb_metrics m;
    rb_metrics_init(&m);
    rb_op_record r = {.kind = "http", .start_us = rb_now_us(), .end_us = rb_now_us() + 10, .top_level = 1};
    rb_metrics_record(&m, NULL, &r);
    rb_metrics_close_all(&m);
    char tmpl[] = "/tmp/rb-test-results-XXXXXX";
    char *dir = mkdtemp(tmpl);
    char err[RB_ERRLEN];
    CHECK(dir && rb_results_write_json(dir, &m, NULL, err, sizeof err) == 0);
    CHECK(dir && rb_results_write_csv(dir, &m, err, sizeof err) == 0);
    char *path = rb_asprintf("%s/results.json", dir);
    json_t *root = json_load_file(path, 0, NULL);
    free(path);
    CHECK(root != NULL);
    if (root) {
        json_t *ph = json_object_get(root, "phases");
        CHECK(json_array_size(ph) == 1);
        CHECK(strcmp(str(json_array_get(ph, 0), "name"), "default") == 0);
        CHECK(inum(json_array_get(ph, 0), "ops") == 1);
        CHECK(json_is_null(get(root, "registry.pid")) && json_is_null(get(root, "status")));
        CHECK(json_object_size(json_object_get(root, "metrics")) == 0);
        json_decref(root);
    }
    rm_dir(dir);
    rb_metrics_free(&m);
}

int main(void)
{
    test_full();
    test_implicit();
    return rbtest_done("test_results");
}
