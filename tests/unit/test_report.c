/* test_report: the suite writers on a synthetic suite (two registries, a
 * two-part label, two repetitions, phases with awkward names, a phase without
 * operations, a run that failed before any phase): every bench.txt line
 * matches the Go benchmark format, names are stable and sanitised, and
 * summary.csv / timeseries.csv have the expected rows and RFC 4180 quoting,
 * summary.csv with a column per custom metric series and field (checks
 * too) when the runs have them; and the accessors of rb_load.h that every
 * writer reads the document with.
 * With `--write-bench DIR` it instead writes DIR/old.txt and DIR/new.txt
 * (6 repetitions each, push 20% slower in new) for test_benchstat.sh. */
#include "results/rb_export.h"
#include "results/rb_load.h"
#include "util/rb_util.h"
#include "rbtest.h"

#include <jansson.h>
#include <math.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define AWKWARD "pull, \"cold\" x"
#define CSV_MAXF 48   /* fields a record of the CSV parser below may have */

static json_t *phase(const char *name, int ops, double mbps, double p50)
{
    json_t *ts = json_pack("{s:i, s:[i,i,i], s:[i,i,i], s:[I,I,I], s:[f,f,f], s:[f,f,f]}", "step_s", 1,
                           "ops", ops / 3, ops / 3, ops - 2 * (ops / 3), "errors", 0, 0, 0,
                           "bytes", (json_int_t)1000, (json_int_t)2000, (json_int_t)3000,
                           "latency_mean_ms", p50, p50, p50, "latency_max_ms", p50 * 2, p50 * 2, p50 * 2);
    return json_pack("{s:s, s:b, s:f, s:i, s:i, s:I, s:f, s:f,"
                     " s:{s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f},"
                     " s:{s:f, s:f, s:I}, s:{s:f, s:f, s:I, s:I, s:I, s:I, s:n}, s:o}",
                     "name", name, "complete", 1, "duration_s", 3.0, "ops", ops, "errors", ops ? 1 : 0,
                     "bytes", (json_int_t)(mbps * 3e6), "ops_per_s", ops / 3.0, "throughput_MBps", mbps,
                     "latency_ms", "min", p50 / 2, "mean", p50 * 1.1, "max", p50 * 3, "stddev", 1.0, "p50", p50,
                     "p90", p50 * 1.4, "p95", p50 * 1.5, "p99", p50 * 2, "p999", p50 * 2.5,
                     "client", "cpu_s", 0.5, "cpu_pct", 16.7, "rss_peak_bytes", (json_int_t)41234432,
                     "registry", "cpu_pct_avg", 35.2, "cpu_pct_max", 98.0, "rss_peak_bytes", (json_int_t)210000000,
                     "rss_end_bytes", (json_int_t)180000000, "disk_read_bytes", (json_int_t)0,
                     "disk_write_bytes", (json_int_t)12500000, "storage_bytes",
                     "timeseries", ts);
}

static json_t *run(const char *reg, const char *label, int rep, json_t *phases, const char *status)
{
    return json_pack("{s:s, s:s, s:s, s:{}, s:i, s:s, s:s, s:o, s:{}, s:[]}", "registry", reg, "scenario",
                     "single", "label", label, "params", "repetition", rep, "dir", "runs/x", "status", status,
                     "phases", phases, "metrics", "warnings");
}

static json_t *make_suite(int reps, double push_factor, int extras)
{
    json_t *runs = json_array();
    static const char *const regs[] = {"crane-memory", "dist-fs"};
    for (int g = 0; g < 2; g++) {
        for (int r = 1; r <= reps; r++) {
            double n = (r % 3) * 0.7 - 0.6;
            json_t *ph = json_array();
            json_array_append_new(ph, phase("push", 30 + r, (100 + n) * push_factor, 50 + n));
            json_array_append_new(ph, phase(AWKWARD, 60, 200 + n, 25 - n));
            if (extras) {
                json_array_append_new(ph, phase("idle", 0, 0, 0));
                json_array_append_new(ph, phase("push", 10, 90 + n, 55));   /* repeated name */
            }
            json_array_append_new(runs, run(regs[g], "level=6,size=10MB", r, ph, "ok"));
        }
    }
    if (extras) json_array_append_new(runs, run("dist-fs", "level=9,sizes=1MB,10MB", 1, json_array(), "failed"));
    return json_pack("{s:s, s:{s:s, s:s}, s:{s:s, s:s, s:s}, s:{s:s, s:s, s:i, s:I}, s:o}", "schema",
                     RB_SUITE_SCHEMA, "tool", "name", "regbench", "version", "0.1.0", "suite", "name", "t", "file",
                     "t.yaml", "description", "", "environment", "kernel", "Linux", "cpu_model",
                     "AMD EPYC 7B13 64-Core", "cores", 2, "memory_bytes", (json_int_t)1 << 34, "runs", runs);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) return NULL;
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    int c;
    while ((c = fgetc(f)) != EOF) fputc(c, m);
    fclose(f);
    fclose(m);
    return buf;
}

/* Splits CSV text into records of fields (RFC 4180); returns the record count,
 * and the field count of every record in nf[] (up to max). */
static int parse_csv(const char *s, char fields[][CSV_MAXF][128], int *nf, int max)
{
    int rec = 0, fld = 0;
    size_t pos = 0;
    while (*s && rec < max) {
        char *out = fields[rec][fld];
        pos = 0;
        if (*s == '"') {
            s++;
            for (;;) {
                if (!*s) return -1;
                if (*s == '"' && s[1] == '"') { if (pos < 127) out[pos++] = '"'; s += 2; continue; }
                if (*s == '"') { s++; break; }
                if (pos < 127) out[pos++] = *s;
                s++;
            }
        } else {
            while (*s && *s != ',' && *s != '\n') { if (pos < 127) out[pos++] = *s; s++; }
        }
        out[pos] = '\0';
        if (*s == ',') { s++; fld++; if (fld >= CSV_MAXF) return -1; continue; }
        if (*s == '\n' || !*s) { nf[rec] = fld + 1; rec++; fld = 0; if (*s) s++; continue; }
        return -1;   /* garbage after a quoted field */
    }
    return rec;
}

static char csv[64][CSV_MAXF][128];
static int nf[64];

static void test_bench(const json_t *s)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    CHECK(rb_write_gobench(s, f) == 0);
    fclose(f);
    regex_t re;
    int rc = regcomp(&re,
                     "^Benchmark[A-Z][^[:space:]]*-2\t[0-9]+\t[0-9]+ ns/op(\t[0-9]+\\.[0-9]{2} MB/s)?"
                     "\t[0-9]+ p99-ns/op\t[0-9]+\\.[0-9]{3} ops/s$",
                     REG_EXTENDED | REG_NOSUB);
    CHECK(rc == 0);
    int bench = 0, bad = 0;
    char *save = NULL;
    int header = 0;
    for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (strncmp(line, "Benchmark", 9) == 0) {
            bench++;
            if (regexec(&re, line, 0, NULL, 0) != 0) {
                bad++;
                fprintf(stderr, "bad bench line: %s\n", line);
            }
        } else if (!strcmp(line, "goos: linux") || !strncmp(line, "goarch: ", 8) || !strcmp(line, "pkg: regbench") ||
                   !strcmp(line, "cpu: AMD EPYC 7B13 64-Core") || !strcmp(line, "Unit ops/s better=higher")) {
            header++;
        } else {
            fprintf(stderr, "unexpected line: %s\n", line);
            bad++;
        }
    }
    regfree(&re);
    free(buf);
    /* 2 registries x 2 reps x (push, awkward, push#2); idle (0 ops) and the
     * failed run (no phases) give no line */
    CHECKF(bench == 12, "bench lines %d", bench);
    CHECK(bad == 0);
    CHECK(header == 5);

    /* names: label parts as path elements, sanitised phase names, the
     * repeated phase told apart, exact values */
    buf = NULL;
    f = open_memstream(&buf, &len);
    rb_write_gobench(s, f);
    fclose(f);
    CHECK(strstr(buf, "BenchmarkSingle/level=6/size=10MB/registry=crane-memory/phase=push-2\t31\t"
                      "55110000 ns/op\t100.10 MB/s\t100200000 p99-ns/op\t10.333 ops/s\n") != NULL);
    CHECK(strstr(buf, "/registry=dist-fs/phase=pull,_\"cold\"_x-2\t60\t") != NULL);
    CHECK(strstr(buf, "/registry=dist-fs/phase=push#2-2\t10\t") != NULL);
    CHECK(strstr(buf, "phase=idle") == NULL);
    free(buf);
}

static void test_label_split(void)
{
    /* a comma inside a value does not start a new part */
    json_t *ph = json_array();
    json_array_append_new(ph, phase("a/b c", 3, 1, 1));
    json_t *runs = json_array();
    json_array_append_new(runs, run("r 1", "sizes=1MB,10MB,vus=2", 1, ph, "ok"));
    json_t *s = json_pack("{s:s, s:{s:n, s:i}, s:o}", "schema", RB_SUITE_SCHEMA, "environment", "cpu_model",
                          "cores", 0, "runs", runs);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    rb_write_gobench(s, f);
    fclose(f);
    CHECKF(strstr(buf, "\nBenchmarkSingle/sizes=1MB,10MB/vus=2/registry=r_1/phase=a_b_c-1\t3\t") != NULL, "%s", buf);
    CHECK(strstr(buf, "cpu: unknown\n") != NULL);
    free(buf);
    json_decref(s);
}

static void test_csv(const json_t *s, const char *dir)
{
    char err[RB_ERRLEN];
    char *p = rb_asprintf("%s/summary.csv", dir);
    CHECKF(rb_write_summary_csv(s, p, err, sizeof err) == 0, "%s", err);
    char *text = slurp(p);
    CHECK(text != NULL);
    int n = text ? parse_csv(text, csv, nf, 64) : -1;
    /* header + 2 registries x 2 reps x 4 phases + the failed run's row */
    CHECKF(n == 1 + 16 + 1, "summary rows %d", n);
    for (int i = 0; i < n; i++) CHECKF(nf[i] == 22, "row %d has %d fields", i, nf[i]);
    CHECK(!strcmp(csv[0][0], "registry") && !strcmp(csv[0][21], "storage_bytes"));
    /* row 2: crane-memory rep 1, the awkward phase (quoted, round-trips) */
    CHECK(!strcmp(csv[2][0], "crane-memory") && !strcmp(csv[2][1], "single"));
    CHECK(!strcmp(csv[2][2], "level=6,size=10MB") && !strcmp(csv[2][3], "1"));
    CHECK(!strcmp(csv[2][4], AWKWARD) && !strcmp(csv[2][5], "ok"));
    CHECK(text && strstr(text, "\"pull, \"\"cold\"\" x\"") != NULL);
    CHECK(text && strstr(text, ",\"level=6,size=10MB\",") != NULL);
    CHECK(!strcmp(csv[2][6], "3") && !strcmp(csv[2][7], "60") && !strcmp(csv[2][8], "1"));
    CHECK(!strcmp(csv[2][9], "20") && !strcmp(csv[2][11], "24.9"));       /* ops_per_s, p50 */
    CHECK(!strcmp(csv[2][17], "0.5") && !strcmp(csv[2][18], "41234432"));
    CHECK(!strcmp(csv[2][19], "35.2") && !strcmp(csv[2][20], "210000000") && !strcmp(csv[2][21], ""));
    CHECK(!strcmp(csv[4][4], "push#2"));
    CHECK(!strcmp(csv[17][0], "dist-fs") && !strcmp(csv[17][4], "") && !strcmp(csv[17][5], "failed"));
    free(text);
    free(p);

    p = rb_asprintf("%s/timeseries.csv", dir);
    CHECKF(rb_write_timeseries_csv(s, p, err, sizeof err) == 0, "%s", err);
    text = slurp(p);
    n = text ? parse_csv(text, csv, nf, 64) : -1;
    CHECKF(n == 1 + 16 * 3, "timeseries rows %d", n);
    for (int i = 0; i < n; i++) CHECKF(nf[i] == 11, "row %d has %d fields", i, nf[i]);
    CHECK(!strcmp(csv[0][5], "t_s") && !strcmp(csv[0][10], "latency_max_ms"));
    CHECK(!strcmp(csv[3][4], "push") && !strcmp(csv[3][5], "2") && !strcmp(csv[3][8], "3000"));
    CHECK(!strcmp(csv[4][4], AWKWARD) && !strcmp(csv[4][5], "0"));
    free(text);
    free(p);

    /* no temp file left behind; an unwritable path is an error */
    p = rb_asprintf("%s/summary.csv.tmp", dir);
    CHECK(access(p, F_OK) != 0);
    free(p);
    CHECK(rb_write_summary_csv(s, "/nonexistent-dir/x.csv", err, sizeof err) == -1 && strstr(err, "cannot write"));
    p = rb_asprintf("%s/bench.txt", dir);
    CHECK(rb_write_gobench_file(s, p, err, sizeof err) == 0);
    char *b = slurp(p);
    CHECK(b && strncmp(b, "goos: linux\n", 12) == 0);
    free(b);
    free(p);
}

/* summary.csv of runs with checks and custom metrics: the 22 columns, then
 * one per (series, field) in first-seen order, the run's values on each of
 * its rows and empty cells where a run lacks the series. */
static void test_csv_metrics(const char *dir)
{
    json_t *a = json_pack("{s:{s:s, s:s, s:s, s:i, s:f, s:i, s:i}, s:{s:s, s:s, s:s, s:i, s:f, s:f, s:f}}",
                          "checks{check=status is 200}", "name", "checks", "tags", "check=status is 200", "type", "rate",
                          "count", 20, "rate", 1.0, "passes", 20, "fails", 0,
                          "queue{level=1,size=1MB}", "name", "queue", "tags", "level=1,size=1MB", "type", "gauge",
                          "count", 1, "value", 5.5, "min", 5.5, "max", 5.5);
    json_t *b = json_pack("{s:{s:s, s:s, s:s, s:i, s:f, s:f}}", "retries", "name", "retries", "tags", "", "type",
                          "counter", "count", 2, "value", 3.0, "rate", 0.25);
    json_t *ra = run("crane-memory", "", 1, json_pack("[o,o]", phase("push", 3, 1, 1), phase("pull", 3, 1, 1)), "ok");
    json_t *rb = run("dist-fs", "", 1, json_pack("[o]", phase("push", 3, 1, 1)), "ok");
    json_t *rc = run("dist-fs", "", 2, json_array(), "failed");
    json_object_set_new(ra, "metrics", a);
    json_object_set(rb, "metrics", b);
    json_object_set_new(rc, "metrics", b);
    json_t *s = json_pack("{s:s, s:[o,o,o]}", "schema", RB_SUITE_SCHEMA, "runs", ra, rb, rc);
    char err[RB_ERRLEN];
    char *p = rb_asprintf("%s/summary-metrics.csv", dir);
    CHECKF(rb_write_summary_csv(s, p, err, sizeof err) == 0, "%s", err);
    char *text = slurp(p);
    int n = text ? parse_csv(text, csv, nf, 64) : -1;
    CHECKF(n == 1 + 3 + 1, "summary rows %d", n);
    for (int i = 0; i < n; i++) CHECKF(nf[i] == 22 + 4 + 4 + 3, "row %d has %d fields", i, nf[i]);
    CHECK(!strcmp(csv[0][21], "storage_bytes") && !strcmp(csv[0][22], "custom.checks{check=status is 200}.count"));
    CHECK(!strcmp(csv[0][25], "custom.checks{check=status is 200}.fails"));
    CHECK(!strcmp(csv[0][26], "custom.queue{level=1,size=1MB}.count") && !strcmp(csv[0][27], "custom.queue{level=1,size=1MB}.value"));
    CHECK(!strcmp(csv[0][30], "custom.retries.count") && !strcmp(csv[0][32], "custom.retries.rate"));
    CHECK(text && strstr(text, ",\"custom.queue{level=1,size=1MB}.max\","));   /* quoted: the tags have a comma */
    /* crane-memory's two phases carry its run's values; dist-fs's rows its own */
    for (int r = 1; r <= 2; r++) {
        CHECK(!strcmp(csv[r][0], "crane-memory") && !strcmp(csv[r][22], "20") && !strcmp(csv[r][23], "1"));
        CHECK(!strcmp(csv[r][24], "20") && !strcmp(csv[r][25], "0") && !strcmp(csv[r][27], "5.5"));
        CHECK(!strcmp(csv[r][30], "") && !strcmp(csv[r][32], ""));
    }
    CHECK(!strcmp(csv[1][4], "push") && !strcmp(csv[2][4], "pull") && !strcmp(csv[1][7], "3"));
    CHECK(!strcmp(csv[3][0], "dist-fs") && !strcmp(csv[3][22], "") && !strcmp(csv[3][29], ""));
    CHECK(!strcmp(csv[3][30], "2") && !strcmp(csv[3][31], "3") && !strcmp(csv[3][32], "0.25"));
    /* the run without phases: its row, with its metrics */
    CHECK(!strcmp(csv[4][4], "") && !strcmp(csv[4][5], "failed") && !strcmp(csv[4][21], "") && !strcmp(csv[4][31], "3"));
    free(text);
    free(p);
    json_decref(s);
}

/* Writes DIR/old.txt and DIR/new.txt for the benchstat integration test. */
static int write_bench_pair(const char *dir)
{
    char err[RB_ERRLEN];
    if (rb_mkdir_p(dir) != 0) {
        perror(dir);
        return 1;
    }
    json_t *a = make_suite(6, 1.0, 0), *b = make_suite(6, 0.8, 0);
    char *pa = rb_asprintf("%s/old.txt", dir), *pb = rb_asprintf("%s/new.txt", dir);
    int rc = rb_write_gobench_file(a, pa, err, sizeof err) || rb_write_gobench_file(b, pb, err, sizeof err);
    if (rc) fprintf(stderr, "%s\n", err);
    free(pa);
    free(pb);
    json_decref(a);
    json_decref(b);
    return rc ? 1 : 0;
}

/* rb_json_at / _num / _int / _stat on a phase object. */
static void test_accessors(void)
{
    json_t *ph = json_loads("{\"ops\": 8, \"errors\": 2, \"bytes\": 2.6, \"name\": \"push\", \"ops_per_s\": \"fast\","
                            " \"latency_ms\": {\"p95\": 12.5, \"p999\": null}}", 0, NULL);
    CHECK(json_is_real(rb_json_at(ph, "latency_ms.p95")) && rb_json_at(ph, "latency_ms.p90") == NULL);
    CHECK(rb_json_at(ph, "name.x") == NULL && rb_json_at(NULL, "ops") == NULL);
    CHECK(rb_json_num(ph, "latency_ms.p95") == 12.5 && isnan(rb_json_num(ph, "latency_ms.p999")) &&
          isnan(rb_json_num(ph, "ops_per_s")));
    CHECK(rb_json_int(ph, "ops", -1) == 8 && rb_json_int(ph, "bytes", -1) == 3 && rb_json_int(ph, "name", -1) == -1 &&
          rb_json_int(ph, "nope", 7) == 7);
    CHECK(!strcmp(rb_json_str(ph, "name"), "push") && !strcmp(rb_json_str(ph, "ops"), ""));
    CHECK(rb_json_stat(ph, rb_stat_get(RB_STAT_P95)) == 12.5 && isnan(rb_json_stat(ph, rb_stat_get(RB_STAT_P50))));
    CHECK(rb_json_stat(ph, rb_stat_get(RB_STAT_ERROR_RATE)) == 0.25 && rb_json_stat(ph, rb_stat_get(RB_STAT_ERRORS)) == 2);
    CHECK(isnan(rb_json_stat(ph, rb_stat_get(RB_STAT_OPS_PER_S))));
    json_object_set_new(ph, "ops", json_integer(0));
    CHECK(rb_json_stat(ph, rb_stat_get(RB_STAT_ERROR_RATE)) == 0);   /* no ops: no error rate */
    json_decref(ph);
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--write-bench") == 0) return write_bench_pair(argv[2]);
    const char *build = getenv("RB_BUILD");
    char *dir = rb_asprintf("%s/test-work/test_report", build ? build : "/tmp");
    char *rm = rb_asprintf("rm -rf '%s'", dir);
    if (system(rm) != 0) fprintf(stderr, "cannot clean %s\n", dir);
    free(rm);
    rb_mkdir_p(dir);

    json_t *s = make_suite(2, 1.0, 1);
    test_bench(s);
    test_label_split();
    test_csv(s, dir);
    test_csv_metrics(dir);
    test_accessors();
    json_decref(s);
    free(dir);
    return rbtest_done("test_report");
}
