/* test_html: report.html from synthetic results. A suite with two
 * registries (single, concurrent and dedup scenarios, time series, a
 * hostile phase name, a failed run, an incomplete phase, an empty phase,
 * thresholds and warnings with URLs in them) against a baseline, a run cut
 * short (run-level document, status "interrupted"), and an empty suite.
 * Checks: no http:// or https:// anywhere (data text is escaped), every
 * chart present with data marks, "no data" notes instead of empty charts,
 * escaping, balanced <svg>/<figure>/<section>, the atomic writer, and the
 * exit codes of `regbench report`. The sections summary.md and report.html
 * are both rendered from (rb_sections.h) are checked on the same suite, and
 * that both writers say the same things. */
#include "cli/rb_cli.h"
#include "results/rb_html.h"
#include "results/rb_load.h"
#include "results/rb_markdown.h"
#include "results/rb_sections.h"
#include "util/rb_util.h"
#include "rbtest.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define HOSTILE "<script>alert(1)</script>"

static const char *const CHARTS[] = {"throughput", "latency", "resources", "scaling", "dedup", "comparison"};

static json_t *phase(const char *name, int ops, double mbps, double p50, int complete, json_t *storage)
{
    json_t *ts = json_pack("{s:i, s:[i,i,i], s:[i,i,i], s:[I,I,I], s:[f,f,f], s:[f,f,f]}", "step_s", 1, "ops", ops / 3,
                           ops / 3, ops - 2 * (ops / 3), "errors", 0, 0, 0, "bytes", (json_int_t)(mbps * 0.9e6),
                           (json_int_t)(mbps * 1e6), (json_int_t)(mbps * 1.1e6), "latency_mean_ms", p50, p50, p50,
                           "latency_max_ms", p50 * 2, p50 * 2, p50 * 2);
    return json_pack("{s:s, s:b, s:f, s:i, s:i, s:I, s:f, s:f,"
                     " s:{s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f},"
                     " s:{s:f, s:f, s:I}, s:{s:f, s:f, s:I, s:I, s:I, s:I, s:o}, s:[s], s:o}",
                     "name", name, "complete", complete, "duration_s", 3.0, "ops", ops, "errors", ops ? 1 : 0,
                     "bytes", (json_int_t)(mbps * 3e6), "ops_per_s", ops / 3.0, "throughput_MBps", mbps,
                     "latency_ms", "min", p50 / 2, "mean", p50 * 1.1, "max", p50 * 9, "stddev", 1.0, "p50", p50, "p90",
                     p50 * 1.4, "p95", p50 * 1.5, "p99", p50 * 2, "p999", p50 * 4,
                     "client", "cpu_s", 0.5, "cpu_pct", 16.7, "rss_peak_bytes", (json_int_t)41234432,
                     "registry", "cpu_pct_avg", 35.2, "cpu_pct_max", 98.0, "rss_peak_bytes", (json_int_t)210000000,
                     "rss_end_bytes", (json_int_t)180000000, "disk_read_bytes", (json_int_t)0, "disk_write_bytes",
                     (json_int_t)12500000, "storage_bytes", storage ? storage : json_null(),
                     "warnings", ops ? "slow start, see https://example.com/x" : "no operations", "timeseries", ts);
}

static json_t *gauge(json_t *metrics, const char *name, const char *tags, double v)
{
    char key[256];
    snprintf(key, sizeof key, "%s{%s}", name, tags);
    json_object_set_new(metrics, key, json_pack("{s:s, s:s, s:s, s:i, s:f, s:f, s:f}", "name", name, "tags", tags,
                                                "type", "gauge", "count", 1, "value", v, "min", v, "max", v));
    return metrics;
}

static json_t *series(void)
{
    return json_pack("{s:{s:[f,f,f,f], s:[f,f,f,f], s:[I,I,I,I], s:[I,I,I,I], s:[I,I,I,I], s:[n,n,n,n]},"
                     " s:{s:[f,f,f], s:[f,f,f], s:[I,I,I]}}",
                     "registry_timeseries", "t_s", 0.5, 1.5, 2.5, 3.5, "cpu_pct", 10.0, 80.0, 120.0, 30.0, "rss_bytes",
                     (json_int_t)1e7, (json_int_t)3e7, (json_int_t)5e7, (json_int_t)4e7, "disk_read_bytes", (json_int_t)0,
                     (json_int_t)0, (json_int_t)0, (json_int_t)0, "disk_write_bytes", (json_int_t)0, (json_int_t)0,
                     (json_int_t)0, (json_int_t)0, "storage_bytes",
                     "client_timeseries", "t_s", 1.0, 2.0, 3.0, "cpu_pct", 20.0, 40.0, 30.0, "rss_bytes", (json_int_t)2e7,
                     (json_int_t)2e7, (json_int_t)2e7);
}

static json_t *run(const char *reg, const char *scn, const char *label, int rep, json_t *phases, json_t *metrics)
{
    json_t *r = json_pack("{s:s, s:s, s:s, s:{}, s:i, s:s, s:s, s:i, s:n, s:o, s:o, s:[]}", "registry", reg, "scenario",
                          scn, "label", label, "params", "repetition", rep, "dir", "runs/x", "status", "ok",
                          "exit_code", 0, "error", "phases", phases, "metrics", metrics ? metrics : json_object(),
                          "warnings");
    json_t *s = series();
    json_object_update(r, s);
    json_decref(s);
    return r;
}

/* The test suite; slow scales the throughput (for the baseline). */
static json_t *make_suite(double slow)
{
    json_t *runs = json_array();
    const char *regs[2] = {"crane-memory", "dist-fs"};
    for (int r = 0; r < 2; r++) {
        double k = (r + 1) * slow;
        json_array_append_new(runs, run(regs[r], "single", "mode=chunked", 1,
                                        json_pack("[o,o,o]", phase("push/size=1MB", 30, 50 * k, 4, 1, NULL),
                                                  phase("pull/size=1MB", 30, 150 * k, 1.5, 1, NULL),
                                                  phase(HOSTILE, 9, 10 * k, 2, 1, NULL)),
                                        NULL));
        json_t *m = json_object();
        gauge(m, "throughput_MBps", "op=push,vus=1", 40 * k);
        gauge(m, "throughput_MBps", "op=push,vus=4", 90 * k);
        gauge(m, "scalability", "op=push,vus=4", 0.56);
        gauge(m, "p99_growth", "op=push,vus=4", 1.9);
        json_array_append_new(runs, run(regs[r], "concurrent", "", 1,
                                        json_pack("[o,o,o]", phase("push/vus=1", 12, 40 * k, 5, 1, NULL),
                                                  phase("push/vus=4", 40, 90 * k, 9, 1, NULL),
                                                  phase("push/vus=16", 60, 120 * k, 30, 1, NULL)),
                                        m));
        m = json_object();
        gauge(m, "logical_bytes", "phase=push-unique", 8e5);
        gauge(m, "sent_bytes", "phase=push-unique", 8e5);
        gauge(m, "logical_bytes", "phase=push-shared", 8e5);
        gauge(m, "sent_bytes", "phase=push-shared", 4e5);
        json_array_append_new(runs, run(regs[r], "dedup", "", 1,
                                        json_pack("[o,o,o]", phase("push-unique", 2, 3 * k, 20, 1, json_integer(800000)),
                                                  phase("push-shared", 2, 2 * k, 20, 1, json_integer(1200000)),
                                                  phase("empty", 0, 0, 0, 1, NULL)),
                                        m));
    }
    /* a run that failed before any phase, and one cut short */
    json_t *failed = run("dist-fs", "single", "mode=monolithic", 1, json_array(), NULL);
    json_object_set_new(failed, "status", json_string("failed"));
    json_object_set_new(failed, "exit_code", json_integer(1));
    json_object_set_new(failed, "error", json_string("scenario.lua:3: <b>boom</b> at http://127.0.0.1:5000/v2/"));
    json_array_append_new(runs, failed);
    json_t *cut = run("crane-memory", "single", "mode=monolithic", 1,
                      json_pack("[o,o]", phase("push/size=1MB", 30, 50, 4, 1, NULL),
                                phase("pull/size=1MB", 5, 20, 3, 0, NULL)),
                      NULL);
    json_object_set_new(cut, "status", json_string("interrupted"));
    json_array_append_new(runs, cut);

    return json_pack("{s:s, s:{s:s, s:s}, s:{s:s, s:s, s:s}, s:s, s:f, s:s, s:i,"
                     " s:{s:s, s:s, s:i, s:I}, s:[{s:s, s:s, s:s, s:s}, {s:s, s:s, s:s, s:s}], s:o,"
                     " s:[{s:s, s:b, s:i, s:[]}, {s:s, s:b, s:i, s:[s]}], s:[s], s:n}",
                     "schema", RB_SUITE_SCHEMA, "tool", "name", "regbench", "version", "0.1.0",
                     "suite", "name", "unit <i>suite</i>", "file", "suites/unit.yaml", "description", "docs at https://x.y/",
                     "started_at", "2026-11-27T17:19:22Z", "duration_s", 12.5, "status", "failed", "exit_code", 1,
                     "environment", "kernel", "Linux 6.1", "cpu_model", "Test CPU", "cores", 8, "memory_bytes",
                     (json_int_t)33654644736,
                     "registries", "name", "crane-memory", "kind", "crane", "storage", "memory", "url",
                     "http://127.0.0.1:1", "name", "dist-fs", "kind", "distribution", "storage", "disk", "url",
                     "https://127.0.0.1:2",
                     "runs", runs,
                     "thresholds", "expr", "errors == 0", "passed", 1, "checked", 8, "failures", "expr", "push.p99 < 1ms", "passed", 0,
                     "checked", 8, "failures", "dist-fs single push: p99 4 ms (" HOSTILE ")",
                     "warnings", "registry log at http://127.0.0.1:1/log",
                     "comparison");
}

/* Reads a whole file (caller frees), or NULL. */
static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    size_t got = fread(buf, 1, (size_t)n, f);
    buf[got] = '\0';
    fclose(f);
    return buf;
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle)) n++;
    return n;
}

/* Data marks in all <svg class="chart" data-chart="name"> of html; *svgs: how many such charts. */
static size_t marks(const char *html, const char *name, size_t *svgs)
{
    char open[128];
    snprintf(open, sizeof open, "<svg class=\"chart\" data-chart=\"%s\"", name);
    size_t n = 0;
    *svgs = 0;
    for (const char *p = html; (p = strstr(p, open)); p++) {
        const char *end = strstr(p, "</svg>");
        if (!end) break;
        (*svgs)++;
        for (const char *q = p; (q = strstr(q, "class=\"mark")) && q < end; q++) n++;
    }
    return n;
}

/* Renders doc (with baseline) into a string. */
static char *render(const json_t *doc, const json_t *baseline, const char *base_dir)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    char err[RB_ERRLEN] = "";
    int rc = rb_report_html(doc, baseline, base_dir, f, err, sizeof err);
    fclose(f);
    CHECKF(rc == 0, "render: %s", err);
    return buf;
}

static void check_structure(const char *html, const char *what)
{
    CHECKF(strncmp(html, "<!DOCTYPE html>", 15) == 0, "%s: doctype", what);
    CHECKF(strstr(html, "</html>") != NULL, "%s: ends with </html>", what);
    CHECKF(count(html, "<svg") == count(html, "</svg>"), "%s: <svg> %zu vs </svg> %zu", what, count(html, "<svg"),
           count(html, "</svg>"));
    CHECKF(count(html, "<figure>") == count(html, "</figure>"), "%s: figures balanced", what);
    CHECKF(count(html, "<section") == count(html, "</section>"), "%s: sections balanced", what);
    CHECKF(count(html, "<table") == count(html, "</table>"), "%s: tables balanced", what);
    CHECKF(!strstr(html, "http://") && !strstr(html, "https://"), "%s: a URL appears literally", what);
    CHECKF(!strstr(html, "<script") && !strstr(html, "<b>boom") && !strstr(html, "<i>suite"), "%s: unescaped data", what);
    CHECKF(!strstr(html, "nan") && !strstr(html, "inf\""), "%s: NaN or inf in the output", what);
}

static void test_suite(void)
{
    json_t *suite = make_suite(1.0), *base = make_suite(1.25);
    char *html = render(suite, base, NULL);
    check_structure(html, "suite");
    for (size_t i = 0; i < sizeof CHARTS / sizeof CHARTS[0]; i++) {
        size_t svgs, n = marks(html, CHARTS[i], &svgs);
        CHECKF(svgs > 0 && n > 0, "chart %s: %zu svgs, %zu marks", CHARTS[i], svgs, n);
    }
    size_t svgs;
    /* one throughput and one resources chart per run with data; the failed run gets a note */
    marks(html, "throughput", &svgs);
    CHECKF(svgs == 7, "throughput charts: %zu", svgs);
    CHECK(strstr(html, "data-nodata=\"throughput\"") != NULL);
    /* latency: 3 scenarios, single has two size classes (size=1MB and the hostile phase's "script>") */
    CHECK(marks(html, "latency", &svgs) >= 6 * 2);
    CHECK(marks(html, "scaling", &svgs) > 0 && svgs == 2);
    /* dedup: two registries x two phases with ops: bars and RSS dots */
    CHECK(marks(html, "dedup", &svgs) >= 4 * 3);
    CHECK(strstr(html, "&lt;script&gt;alert(1)&lt;&#47;script&gt;") != NULL);
    CHECK(strstr(html, "&lt;b&gt;boom&lt;&#47;b&gt;") != NULL);
    CHECK(strstr(html, "http:&#47;&#47;127.0.0.1:5000") != NULL);
    CHECK(strstr(html, "incomplete") != NULL);
    CHECK(strstr(html, "FAIL") != NULL && strstr(html, "PASS") != NULL);
    CHECK(strstr(html, "no operations") != NULL);          /* per-phase warning */
    CHECK(strstr(html, "registry log at") != NULL);         /* suite warning */
    CHECK(strstr(html, "Test CPU") != NULL);                /* environment */
    CHECK(strstr(html, ", regression</title>") != NULL);   /* 20% slower than the baseline */
    CHECK(strstr(html, "Best throughput") != NULL);
    CHECK(strstr(html, "MB&#47;s") != NULL || strstr(html, "MB/s") != NULL);
    free(html);

    /* without a baseline and without the suite's comparison: a note, no chart */
    html = render(suite, NULL, NULL);
    check_structure(html, "suite without baseline");
    CHECK(marks(html, "comparison", &svgs) == 0 && svgs == 0);
    CHECK(strstr(html, "data-nodata=\"comparison\"") != NULL);
    free(html);
    json_decref(suite);
    json_decref(base);
}

/* The sections of the test suite, then summary.md and report.html saying the same things. */
static void test_sections(void)
{
    json_t *suite = make_suite(1.0);
    rb_sections s;
    rb_sections_extract(suite, &s);
    CHECK(!strcmp(s.head.name, "unit <i>suite</i>") && !strcmp(s.head.status, "failed") && s.head.exit_code == 1);
    CHECK(s.head.cores == 8 && s.head.memory_bytes == 33654644736.0 && !strcmp(s.head.file, "suites/unit.yaml"));
    CHECK(s.n_registries == 2 && !strcmp(s.registries[1].name, "dist-fs") && !strcmp(s.registries[1].version, ""));
    CHECK(s.n_runs == 8);
    /* the failed run and the one cut short */
    CHECK(s.n_failed == 2);
    if (s.n_failed == 2) {
        CHECK(!s.failed[0].ok && !strcmp(s.failed[0].status, "failed") && s.failed[0].exit_code == 1);
        CHECK(s.failed[0].n_incomplete == 0 && strstr(s.failed[0].error, "<b>boom</b>"));
        CHECK(!strcmp(s.failed[1].status, "interrupted") && s.failed[1].rep == 1 && !s.failed[1].error[0]);
        CHECK(s.failed[1].n_incomplete == 1 && !strcmp(s.failed[1].incomplete[0], "pull/size=1MB"));
    }
    CHECK(s.n_thresholds == 2 && s.thresholds[0].passed && !s.thresholds[1].passed);
    CHECK(s.n_thresholds == 2 && s.thresholds[1].checked == 8 && s.thresholds[1].n_failures == 1);
    /* the suite's warning, then one per phase (the runs' own lists are empty) */
    size_t levels[3] = {0}, empty = 0;
    for (size_t i = 0; i < s.n_warnings; i++) {
        levels[s.warnings[i].level]++;
        if (!strcmp(s.warnings[i].phase, "empty")) empty += !strcmp(s.warnings[i].text, "no operations");
    }
    CHECK(s.n_warnings == 21 && s.warnings[0].level == RB_SEC_SUITE && levels[RB_SEC_PHASE] == 20 && empty == 2);
    /* groups: every phase with operations (not "empty"), the cut one too */
    CHECK(s.groups.n == 18);
    CHECK(s.n_scenarios == 3 && !strcmp(s.scenarios[0].name, "single") && !strcmp(s.scenarios[1].name, "concurrent") &&
          !strcmp(s.scenarios[2].name, "dedup"));
    if (s.n_scenarios == 3) {
        const rb_sec_scenario *single = &s.scenarios[0], *conc = &s.scenarios[1], *dedup = &s.scenarios[2];
        CHECK(single->n_rows == 8 && single->errors == 8);
        CHECK(single->best && single->best->mbps == 300 && !strcmp(single->best->g->registry, "dist-fs") &&
              !strcmp(single->best->g->phase, "pull/size=1MB"));
        CHECK(single->worst && single->worst->mbps == 10 && !strcmp(single->worst->g->phase, HOSTILE));
        CHECK(single->outlier == NULL && single->tail_ratio == 2);   /* p99 = 2 x p50 everywhere */
        CHECK(single->n_dedup == 0 && single->metrics[RB_SEC_SCALABILITY].n == 0);
        CHECK(conc->metrics[RB_SEC_SCALABILITY].n == 2 && conc->metrics[RB_SEC_P99_GROWTH].n == 2);
        CHECK(conc->metrics[RB_SEC_SCALABILITY].rows[0].value == 0.56 &&
              !strcmp(conc->metrics[RB_SEC_SCALABILITY].rows[1].registry, "dist-fs"));
        CHECK(dedup->metrics[RB_SEC_LOGICAL_BYTES].n == 4 && dedup->metrics[RB_SEC_SENT_BYTES].n == 4);
        CHECK(dedup->n_dedup == 6 && dedup->dedup[0].storage == 800000 && dedup->dedup[0].has_registry);
        CHECK(dedup->n_dedup == 6 && !strcmp(dedup->dedup[2].phase, "empty") && isnan(dedup->dedup[2].storage));
        CHECK(dedup->n_arrivals == 0 && dedup->metrics[RB_SEC_CACHE_HIT_RATE].n == 0);
    }
    /* side by side: one row per (scenario, label, phase); the failed registry has no monolithic push */
    CHECK(s.n_side == 10);
    for (size_t i = 0; i < s.n_side; i++)
        if (!strcmp(s.side[i].key->label, "mode=monolithic") && !strcmp(s.side[i].key->phase, "push/size=1MB"))
            CHECK(s.side[i].cells[0] && s.side[i].cells[0]->p99 == 8 && s.side[i].cells[1] == NULL);
    rb_sections_free(&s);

    char *md = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&md, &len);
    rb_summary_md(suite, f);
    fclose(f);
    char *html = render(suite, NULL, NULL);
    static const char *const in_md[] = {
        "# regbench suite: unit <i>suite</i>\n",
        "\n## Failed runs\n\n- dist-fs / single mode=monolithic rep 1: failed — scenario.lua:3: <b>boom</b>",
        "- **FAIL** `push.p99 < 1ms` (8 checks)\n  - dist-fs single push: p99 4 ms",
        "\n## Warnings\n\n- registry log at http://127.0.0.1:1/log\n",
        "| single | mode=monolithic | push/size=1MB | 50.0 MB/s · 8.0 ms | - |\n",
        "- Best throughput: 300.0 MB/s, pull/size=1MB (mode=chunked) on dist-fs.\n",
        "- Worst throughput: 10.0 MB/s, " HOSTILE " (mode=chunked) on crane-memory.\n",
        "\nScalability: throughput at N / (N x throughput at 1):\n",
        "\nDeduplication (bytes sent and stored per phase):\n",
        "| dist-fs | 1 | push-unique | 0 | 0 | 0 | 18.00 MB | 800.00 KB | 180.00 MB |\n",
    };
    for (size_t i = 0; i < sizeof in_md / sizeof in_md[0]; i++) CHECKF(md && strstr(md, in_md[i]), "summary.md lacks: %s", in_md[i]);
    CHECK(md && !strstr(md, "Tail latency") && !strstr(md, "Open-model arrivals") && !strstr(md, "Cache hit rate"));
    static const char *const in_html[] = {
        "<li>Best throughput: 300 MB/s, pull&#47;size=1MB (mode=chunked) on dist-fs.</li>",
        "<li>Worst throughput: 10.0 MB/s, &lt;script&gt;alert(1)&lt;&#47;script&gt; (mode=chunked) on crane-memory.</li>",
        "<td>push&#47;size=1MB</td><td class=\"n\">50.0 MB&#47;s · 8.00 ms</td><td class=\"n\">-</td>",
        "<td>pull&#47;size=1MB</td></tr>",   /* the cut phase of the interrupted run */
    };
    for (size_t i = 0; i < sizeof in_html / sizeof in_html[0]; i++)
        CHECKF(html && strstr(html, in_html[i]), "report.html lacks: %s", in_html[i]);
    CHECK(html && !strstr(html, "Tail latency"));
    free(md);
    free(html);
    json_decref(suite);
}

static void test_interrupted_run(void)
{
    json_t *doc = json_pack("{s:s, s:{s:s, s:s}, s:s, s:f, s:s, s:s, s:n, s:i, s:{}, s:{s:s, s:s, s:s, s:n, s:n},"
                            " s:{s:s, s:n, s:i, s:I}, s:[o,o], s:{}, s:[]}",
                            "schema", RB_RESULTS_SCHEMA, "tool", "name", "regbench", "version", "0.1.0", "started_at",
                            "2026-11-27T17:19:22Z", "run_duration_s", 7.0, "scenario", "tests/scenarios/long.lua",
                            "status", "interrupted", "error", "exit_code", 130, "params", "registry", "kind", "crane",
                            "url", "http://127.0.0.1:9", "storage", "memory", "version", "pid", "environment", "kernel",
                            "Linux", "cpu_model", "cores", 2, "memory_bytes", (json_int_t)1e9, "phases",
                            phase("first", 5, 0, 0.5, 1, NULL), phase("long", 300, 0, 10, 0, NULL), "metrics",
                            "warnings");
    json_t *s = series();
    json_object_update(doc, s);
    json_decref(s);
    char *html = render(doc, NULL, NULL);
    check_structure(html, "interrupted run");
    size_t svgs;
    CHECK(marks(html, "throughput", &svgs) > 0 && svgs == 1);
    CHECK(marks(html, "latency", &svgs) > 0);
    CHECK(marks(html, "resources", &svgs) > 0); /* from the run document itself */
    CHECK(strstr(html, "interrupted") != NULL);
    CHECK(strstr(html, "long (incomplete)") != NULL);
    CHECK(strstr(html, "data-nodata=\"scaling\"") && strstr(html, "data-nodata=\"dedup\""));
    free(html);

    /* the writer and the command, on files */
    char dir[] = "/tmp/test_html.XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char *res = rb_asprintf("%s/results.json", dir), *out = rb_asprintf("%s/report.html", dir);
    char *tmp = rb_asprintf("%s.tmp", out), *other = rb_asprintf("%s/other.html", dir);
    char *bad = rb_asprintf("%s/bad.json", dir), *missing = rb_asprintf("%s/nope.json", dir);
    CHECK(json_dump_file(doc, res, 0) == 0);
    char err[RB_ERRLEN];
    CHECK(rb_write_report_html(doc, NULL, dir, out, err, sizeof err) == 0);
    struct stat st;
    CHECK(stat(out, &st) == 0 && st.st_size > 1000 && stat(tmp, &st) != 0);
    unlink(out);
    char *a1[] = {"report", res, NULL};
    CHECK(rb_cmd_report(2, a1) == 0 && stat(out, &st) == 0);
    char *a2[] = {"report", res, "--baseline", res, "--out", other, NULL};
    CHECK(rb_cmd_report(6, a2) == 0);
    char *h = slurp(other);
    CHECK(h && marks(h, "comparison", &(size_t){0}) > 0);
    CHECK(h && marks(h, "resources", &(size_t){0}) > 0); /* series loaded from runs[0].dir "." */
    free(h);
    FILE *f = fopen(bad, "w");
    fputs("{not json", f);
    fclose(f);
    char *a3[] = {"report", bad, NULL};
    CHECK(rb_cmd_report(2, a3) == 2);
    char *a4[] = {"report", missing, NULL};
    CHECK(rb_cmd_report(2, a4) == 2);
    char *a5[] = {"report", NULL};
    CHECK(rb_cmd_report(1, a5) == 2);
    char *a6[] = {"report", res, "--baseline", missing, NULL};
    CHECK(rb_cmd_report(4, a6) == 2);
    char *a7[] = {"report", res, "--bogus", NULL};
    CHECK(rb_cmd_report(3, a7) == 2);
    unlink(res);
    unlink(out);
    unlink(other);
    unlink(bad);
    CHECK(rmdir(dir) == 0);
    free(res);
    free(out);
    free(tmp);
    free(other);
    free(bad);
    free(missing);
    json_decref(doc);
}

static void test_empty_suite(void)
{
    json_t *doc = json_pack("{s:s, s:{s:s}, s:[], s:[], s:[], s:[]}", "schema", RB_SUITE_SCHEMA, "suite", "name", "empty",
                            "registries", "runs", "thresholds", "warnings");
    char *html = render(doc, NULL, NULL);
    check_structure(html, "empty suite");
    CHECK(strstr(html, "data-chart=") == NULL);
    for (size_t i = 0; i < sizeof CHARTS / sizeof CHARTS[0]; i++) {
        char want[64];
        snprintf(want, sizeof want, "data-nodata=\"%s\"", CHARTS[i]);
        CHECKF(strstr(html, want) != NULL, "no note for %s", CHARTS[i]);
    }
    free(html);
    json_decref(doc);
    /* a foreign document is an error, not a page */
    json_t *foreign = json_pack("{s:s}", "schema", "other/v1");
    char err[RB_ERRLEN] = "";
    FILE *f = fopen("/dev/null", "w");
    CHECK(rb_report_html(foreign, NULL, NULL, f, err, sizeof err) == -1 && strstr(err, "schema"));
    fclose(f);
    json_decref(foreign);
}

int main(void)
{
    test_suite();
    test_sections();
    test_interrupted_run();
    test_empty_suite();
    return rbtest_done("test_html");
}
