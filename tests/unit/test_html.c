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
 * that both writers say the same things; so are the checks and custom
 * metrics of a suite with two registries and two repetitions (medians,
 * sums, a hostile check name). */
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

/* summary.md of doc into a string. */
static char *render_md(const json_t *doc)
{
    char *md = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&md, &len);
    CHECK(f != NULL);
    if (f) {
        rb_summary_md(doc, f);
        fclose(f);
    }
    return md;
}

static void check_structure(const char *html, const char *what)
{
    CHECKF(strncmp(html, "<!DOCTYPE html>", 15) == 0, "%s: doctype", what);
    CHECKF(strstr(html, "</html>") != NULL, "%s: ends with </html>", what);
    CHECKF(count(html, "<svg") == count(html, "</svg>"), "%s: <svg> %zu vs </svg> %zu", what, count(html, "<svg"),
           count(html, "</svg>"));
    CHECKF(count(html, "<figure") == count(html, "</figure>"), "%s: figures balanced", what);
    CHECKF(count(html, "<details") == count(html, "</details>"), "%s: details balanced", what);
    CHECKF(count(html, "<section") == count(html, "</section>"), "%s: sections balanced", what);
    CHECKF(count(html, "<table") == count(html, "</table>"), "%s: tables balanced", what);
    CHECKF(!strstr(html, "http://") && !strstr(html, "https://"), "%s: a URL appears literally", what);
    CHECKF(!strstr(html, "<script") && !strstr(html, "<b>boom") && !strstr(html, "<i>suite"), "%s: unescaped data", what);
    CHECKF(!strstr(html, "nan") && !strstr(html, "inf\""), "%s: NaN or inf in the output", what);
}

/* The value of attribute name in the tag that starts at tag (up to its '>') into buf, or "". */
static const char *attr(const char *tag, const char *name, char *buf, size_t n)
{
    char key[64];
    snprintf(key, sizeof key, " %s=\"", name);
    const char *end = strchr(tag, '>'), *p = strstr(tag, key);
    buf[0] = '\0';
    if (!p || (end && p > end)) return buf;
    p += strlen(key);
    size_t len = strcspn(p, "\"");
    snprintf(buf, n, "%.*s", (int)(len < n ? len : n - 1), p);
    return buf;
}

/* In every chart, each line series (path.mark, by data-series) has one
 * style, no two series share stroke and dash, and the legend after the
 * chart names each series. Returns how many series were seen. */
static size_t check_series_distinct(const char *html, const char *what)
{
    size_t total = 0;
    for (const char *p = html; (p = strstr(p, "<svg class=\"chart\"")); p++) {
        const char *end = strstr(p, "</svg>"), *fig_end = strstr(p, "</figure>");
        if (!end) break;
        char series[64][200], style[64][80];
        size_t n = 0;
        for (const char *q = p; (q = strstr(q, "<path class=\"mark")) && q < end; q++) {
            char s[200], col[40], dash[40], st[80];
            attr(q, "data-series", s, sizeof s);
            CHECKF(s[0], "%s: a line mark without data-series", what);
            snprintf(st, sizeof st, "%s|%s", attr(q, "stroke", col, sizeof col), attr(q, "stroke-dasharray", dash, sizeof dash));
            size_t k = 0;
            while (k < n && strcmp(series[k], s) != 0) k++;
            if (k < n) {
                CHECKF(!strcmp(style[k], st), "%s: series %s in two styles", what, s);
                continue;
            }
            for (size_t j = 0; j < n; j++) CHECKF(strcmp(style[j], st) != 0, "%s: %s and %s look alike (%s)", what, series[j], s, st);
            if (n == 64) break;
            snprintf(series[n], sizeof series[n], "%s", s);
            snprintf(style[n], sizeof style[n], "%s", st);
            n++;
            /* the legend (after the chart, in its figure) names it */
            char label[220];
            snprintf(label, sizeof label, "</svg>%s</span>", s);
            const char *l = strstr(end, label);
            CHECKF(l && (!fig_end || l < fig_end), "%s: series %s has no legend entry", what, s);
        }
        total += n;
    }
    return total;
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
    /* at the top one spectrum per scenario (single's largest class links to the rest), every
       class in its scenario's part of the Summary */
    {
        const char *lat = strstr(html, "<section id=\"latency\">"), *ded = strstr(html, "<section id=\"dedup\">");
        const char *one = strstr(html, "<h3 id=\"scenario-single\">"), *two = one ? strstr(one + 1, "<h3 id=") : NULL;
        size_t top = 0, in_single = 0;
        for (const char *s = lat; s && ded && (s = strstr(s + 1, "data-chart=\"latency\"")) && s < ded;) top++;
        for (const char *s = one; s && two && (s = strstr(s + 1, "data-chart=\"latency\"")) && s < two;) in_single++;
        CHECKF(lat && ded && top == 3, "latency charts at the top: %zu, want one per scenario", top);
        CHECKF(one && two && in_single >= 2, "latency charts in single's summary: %zu, want its size classes", in_single);
        CHECK(strstr(html, "size classes</a>)</span></figcaption>") && strstr(html, "<a href=\"#scenario-single\">"));
    }
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
    /* every series of a chart looks different and is named in the legend */
    CHECK(check_series_distinct(html, "suite") >= 30);
    /* phase names are written across, not on their side; each run's charts are folded */
    CHECK(strstr(html, "<text class=\"plabel\" x=") && !strstr(html, "class=\"plabel\" transform"));
    CHECK(count(html, "<details class=\"run\">") == 8 && !strstr(html, "<details class=\"run\" open>"));
    /* the comparison leads: side by side, scaling, latency, dedup and the baseline come before the tables */
    const char *order[] = {"id=\"side\"", "id=\"scaling\"", "id=\"latency\"", "id=\"dedup\"", "id=\"comparison\"",
                           "id=\"summary\"", "id=\"checks\"", "id=\"custom\"", "id=\"runs\"", "id=\"environment\""};
    for (size_t i = 1; i < sizeof order / sizeof order[0]; i++)
        CHECKF(strstr(html, order[i - 1]) && strstr(html, order[i]) && strstr(html, order[i - 1]) < strstr(html, order[i]),
               "%s before %s", order[i - 1], order[i]);
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
        /* like with like: each phase of mode=chunked ran on both registries (monolithic on one only) */
        CHECK(single->n_spreads == 3 && conc->n_spreads == 3 && dedup->n_spreads == 2);
        if (single->n_spreads == 3) {
            const rb_sec_spread *sp = single->spreads;
            CHECK(sp[0].best->mbps == 100 && !strcmp(sp[0].best->g->registry, "dist-fs") &&
                  !strcmp(sp[0].best->g->phase, "push/size=1MB") && !strcmp(sp[0].best->g->label, "mode=chunked"));
            CHECK(sp[0].worst->mbps == 50 && !strcmp(sp[0].worst->g->registry, "crane-memory") &&
                  !strcmp(sp[0].worst->g->phase, "push/size=1MB") && sp[0].ratio == 2 && !sp[0].by_ops);
            CHECK(sp[1].best->mbps == 300 && !strcmp(sp[1].best->g->registry, "dist-fs") &&
                  !strcmp(sp[1].best->g->phase, "pull/size=1MB"));
            CHECK(sp[1].worst->mbps == 150 && !strcmp(sp[1].worst->g->phase, "pull/size=1MB"));
            CHECK(sp[2].worst->mbps == 10 && !strcmp(sp[2].worst->g->phase, HOSTILE) && sp[2].best->mbps == 20);
            for (int i = 0; i < 3; i++)   /* never one phase against another */
                CHECK(!strcmp(sp[i].best->g->phase, sp[i].worst->g->phase) &&
                      !strcmp(sp[i].best->g->label, sp[i].worst->g->label) &&
                      strcmp(sp[i].best->g->registry, sp[i].worst->g->registry) != 0);
        }
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

    char *md = render_md(suite);
    char *html = render(suite, NULL, NULL);
    static const char *const in_md[] = {
        "# regbench suite: unit <i>suite</i>\n",
        "\n## Failed runs\n\n- dist-fs / single mode=monolithic rep 1: failed — scenario.lua:3: <b>boom</b>",
        "- **FAIL** `push.p99 < 1ms` (8 checks)\n  - dist-fs single push: p99 4 ms",
        "\n## Warnings\n\n- registry log at http://127.0.0.1:1/log\n",
        "| single | mode=monolithic | push/size=1MB | 50.0 MB/s · 8.0 ms | - |\n",
        "- Best throughput of pull/size=1MB (mode=chunked): 300.0 MB/s on dist-fs; worst: 150.0 MB/s on crane-memory (2.0x).\n",
        "- Best throughput of " HOSTILE " (mode=chunked): 20.0 MB/s on dist-fs; worst: 10.0 MB/s on crane-memory (2.0x).\n",
        "\nScalability: throughput at N / (N x throughput at 1):\n",
        "\nDeduplication (bytes sent and stored per phase):\n",
        "| dist-fs | 1 | push-unique | 0 | 0 | 0 | 18.00 MB | 800.00 KB | 180.00 MB |\n",
    };
    for (size_t i = 0; i < sizeof in_md / sizeof in_md[0]; i++) CHECKF(md && strstr(md, in_md[i]), "summary.md lacks: %s", in_md[i]);
    CHECK(md && !strstr(md, "Tail latency") && !strstr(md, "Open-model arrivals") && !strstr(md, "Cache hit rate"));
    CHECK(md && !strstr(md, "Worst throughput:") && !strstr(md, "Checks ("));
    CHECK(md && strstr(md, "\nCustom metrics (gauge; medians over repetitions, count summed):\n"));
    static const char *const in_html[] = {
        "<li>Best throughput of pull&#47;size=1MB (mode=chunked): 300 MB&#47;s on dist-fs; worst: 150 MB&#47;s on "
        "crane-memory (2.0x).</li>",
        "<li>Best throughput of &lt;script&gt;alert(1)&lt;&#47;script&gt; (mode=chunked): 20.0 MB&#47;s on dist-fs; "
        "worst: 10.0 MB&#47;s on crane-memory (2.0x).</li>",
        "<caption>single <span class=\"unit\">MB&#47;s · p99 ms</span></caption><tr><th>label</th><th>phase</th>"
        "<th>crane-memory</th><th>dist-fs</th></tr>",
        "<td>mode=monolithic</td><td>push&#47;size=1MB</td><td class=\"n\" title=\"crane-memory, push&#47;size=1MB "
        "(mode=monolithic): 50.0 MB&#47;s, p99 8.00 ms\">50.0 · 8.00</td><td class=\"n\">-</td>",
        "<td>pull&#47;size=1MB</td></tr>",   /* the cut phase of the interrupted run */
    };
    for (size_t i = 0; i < sizeof in_html / sizeof in_html[0]; i++)
        CHECKF(html && strstr(html, in_html[i]), "report.html lacks: %s", in_html[i]);
    CHECK(html && !strstr(html, "Tail latency"));
    free(md);
    free(html);
    json_decref(suite);
}

/* Adds series name{tags} with the given fields (a new reference, taken) to metrics. */
static void add_metric(json_t *metrics, const char *name, const char *tags, json_t *fields)
{
    char key[256];
    if (tags[0]) snprintf(key, sizeof key, "%s{%s}", name, tags);
    else snprintf(key, sizeof key, "%s", name);
    json_t *m = json_pack("{s:s, s:s}", "name", name, "tags", tags);
    json_object_update(m, fields);
    json_decref(fields);
    json_object_set_new(metrics, key, m);
}

/* The run-wide metrics of repetition rep (1 or 2) of registry r (0 or 1) of the checks suite. */
static json_t *check_metrics(int r, int rep)
{
    json_t *m = json_object();
    int fails = r == 0 && rep == 2;   /* crane-memory fails one check in its second repetition */
    add_metric(m, "checks", "check=status is 201",
               json_pack("{s:s, s:i, s:f, s:i, s:i}", "type", "rate", "count", 10, "rate", fails ? 0.9 : 1.0,
                         "passes", fails ? 9 : 10, "fails", fails));
    add_metric(m, "checks", "check=" HOSTILE, json_pack("{s:s, s:i, s:f, s:i, s:i}", "type", "rate", "count", 4,
                                                        "rate", 1.0, "passes", 4, "fails", 0));
    if (r == 1) return m;
    double k = rep;   /* repetition 2 doubles the values */
    add_metric(m, "layer_ms", "kind=big",
               json_pack("{s:s, s:i, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f}", "type", "trend", "count", 5,
                         "min", 1 * k, "mean", 10 * k, "max", 30 * k, "stddev", 2 * k, "p50", 8 * k, "p90", 20 * k,
                         "p95", 25 * k, "p99", 29 * k, "p999", 30 * k));
    add_metric(m, "retries", "", json_pack("{s:s, s:i, s:f, s:f}", "type", "counter", "count", 2, "value", 3 * k,
                                           "rate", 0.5 * k));
    add_metric(m, "queue", "", json_pack("{s:s, s:i, s:f, s:f, s:f}", "type", "gauge", "count", 3, "value", 5 * k,
                                         "min", 2.0, "max", 7 * k));
    add_metric(m, "digest_ok", "", json_pack("{s:s, s:i, s:f, s:i, s:i}", "type", "rate", "count", 10, "rate",
                                             1 - 0.1 * k, "passes", 10 - rep, "fails", rep));
    return m;
}

/* Checks and custom metrics: extracted once (medians over repetitions,
 * counts summed), then the same tables in summary.md and report.html. */
static void test_checks_and_metrics(void)
{
    json_t *runs = json_array();
    const char *regs[2] = {"crane-memory", "dist-fs"};
    for (int r = 0; r < 2; r++)
        for (int rep = 1; rep <= 2; rep++) {
            json_t *ph = phase("push", 10, 20 * (r + 1), 3, 1, NULL);
            json_object_set_new(ph, "metrics", check_metrics(r, rep));   /* the phase's own, same shape */
            json_array_append_new(runs, run(regs[r], "api", "", rep, json_pack("[o]", ph), check_metrics(r, rep)));
        }
    json_t *suite = json_pack("{s:s, s:{s:s}, s:[{s:s}, {s:s}], s:o, s:[], s:[]}", "schema", RB_SUITE_SCHEMA, "suite",
                              "name", "checks", "registries", "name", "crane-memory", "name", "dist-fs", "runs", runs,
                              "thresholds", "warnings");
    rb_sections s;
    rb_sections_extract(suite, &s);
    CHECK(s.n_scenarios == 1);
    if (s.n_scenarios == 1) {
        const rb_sec_scenario *sc = &s.scenarios[0];
        CHECK(sc->n_checks == 4 && sc->n_custom == 4);
        if (sc->n_checks == 4) {
            const rb_sec_check *k = sc->checks;
            CHECK(!strcmp(k[0].registry, "crane-memory") && !strcmp(k[0].name, "status is 201") && k[0].reps == 2);
            CHECK(k[0].passes == 19 && k[0].fails == 1 && fabs(k[0].rate - 0.95) < 1e-9);
            CHECK(!strcmp(k[1].name, HOSTILE) && k[1].passes == 8 && k[1].fails == 0 && k[1].rate == 1);
            CHECK(!strcmp(k[2].registry, "dist-fs") && !strcmp(k[2].name, "status is 201") && k[2].passes == 20 &&
                  k[2].fails == 0 && k[2].rate == 1 && k[2].reps == 2);
        }
        if (sc->n_custom == 4) {
            const rb_sec_custom *m = sc->custom;
            size_t nf;
            CHECK(m[0].type == RB_SEC_TREND && !strcmp(m[0].name, "layer_ms") && !strcmp(m[0].tags, "kind=big"));
            CHECK(rb_sec_mtype_fields(RB_SEC_TREND, &nf) && nf == 9 && m[0].reps == 2 && m[0].count == 10);
            CHECK(m[0].v[0] == 1.5 && m[0].v[1] == 15 && m[0].v[2] == 45 && m[0].v[8] == 45);   /* min mean max .. p999 */
            CHECK(m[1].type == RB_SEC_COUNTER && m[1].v[0] == 4.5 && m[1].v[1] == 0.75 && m[1].count == 4);
            CHECK(m[2].type == RB_SEC_GAUGE && m[2].v[0] == 7.5 && m[2].v[1] == 2 && m[2].v[2] == 10.5);
            CHECK(m[3].type == RB_SEC_RATE && fabs(m[3].v[0] - 0.85) < 1e-9 && m[3].v[1] == 17 && m[3].v[2] == 3);
            CHECK(isnan(m[1].v[2]) && !strcmp(rb_sec_mtype_name(m[3].type), "rate"));
        }
        /* one phase on two registries: like with like */
        CHECK(sc->n_spreads == 1 && sc->spreads[0].ratio == 2 && !strcmp(sc->spreads[0].best->g->registry, "dist-fs"));
    }
    rb_sections_free(&s);

    char *md = render_md(suite);
    static const char *const in_md[] = {
        "\nChecks (pass rate: median over repetitions; passes and fails: summed):\n\n"
        "| registry | label | check | reps | passes | fails | pass rate |\n",
        "| crane-memory |  | status is 201 | 2 | 19 | 1 | **95.0%** |\n",
        "| crane-memory |  | " HOSTILE " | 2 | 8 | 0 | 100.0% |\n",
        "| dist-fs |  | status is 201 | 2 | 20 | 0 | 100.0% |\n",
        "\nCustom metrics (trend; medians over repetitions, count summed):\n\n"
        "| registry | label | metric | tags | reps | count | min | mean | max | stddev | p50 | p90 | p95 | p99 | p999 |\n",
        "| crane-memory |  | layer_ms | kind=big | 2 | 10 | 1.5 | 15 | 45 | 3 | 12 | 30 | 37.5 | 43.5 | 45 |\n",
        "| crane-memory |  | retries |  | 2 | 4 | 4.5 | 0.75 |\n",
        "| crane-memory |  | queue |  | 2 | 6 | 7.5 | 2 | 10.5 |\n",
        "| crane-memory |  | digest_ok |  | 2 | 20 | 0.85 | 17 | 3 |\n",
        "- Best throughput of push: 40.0 MB/s on dist-fs; worst: 20.0 MB/s on crane-memory (2.0x).\n",
    };
    for (size_t i = 0; i < sizeof in_md / sizeof in_md[0]; i++) CHECKF(md && strstr(md, in_md[i]), "summary.md lacks: %s", in_md[i]);
    /* the checks are not listed again as a custom metric */
    CHECK(md && !strstr(md, "| checks |"));

    char *html = render(suite, NULL, NULL);
    check_structure(html, "checks suite");
    static const char *const in_html[] = {
        "<section id=\"checks\"><h2>Checks</h2>",
        "<tr class=\"err\"><td>crane-memory</td><td></td><td class=\"n\">2</td><td>status is 201</td>"
        "<td class=\"n\">19</td><td class=\"n\">1</td><td class=\"n\">95.0%</td></tr>",
        "<td>&lt;script&gt;alert(1)&lt;&#47;script&gt;</td><td class=\"n\">8</td><td class=\"n\">0</td>"
        "<td class=\"n\">100.0%</td>",
        "<section id=\"custom\"><h2>Custom metrics</h2>",
        "<caption>Scenario api: trends</caption>",
        "<td>layer_ms</td><td>kind=big</td><td class=\"n\">10</td><td class=\"n\">1.50</td><td class=\"n\">15.0</td>"
        "<td class=\"n\">45.0</td>",
        "<caption>Scenario api: counters</caption>",
        "<caption>Scenario api: gauges</caption>",
        "<td>digest_ok</td><td></td><td class=\"n\">20</td><td class=\"n\">0.85</td><td class=\"n\">17</td>"
        "<td class=\"n\">3</td>",
    };
    for (size_t i = 0; i < sizeof in_html / sizeof in_html[0]; i++)
        CHECKF(html && strstr(html, in_html[i]), "report.html lacks: %s", in_html[i]);
    CHECK(html && !strstr(html, "No checks were recorded") && !strstr(html, "No custom metrics were recorded"));
    free(md);
    free(html);

    json_decref(suite);

    /* without checks: the section says so; the suite's gauges are custom metrics */
    suite = make_suite(1.0);
    html = render(suite, NULL, NULL);
    CHECK(html && strstr(html, "No checks were recorded") && !strstr(html, "No custom metrics were recorded"));
    CHECK(html && strstr(html, "<caption>Scenario concurrent: gauges</caption>"));
    free(html);
    json_decref(suite);
}

/* A phase of duration d with a time series of step 1: ops[i] and bytes[i] per step. */
static json_t *ts_phase(const char *name, double d, const int *ops, const double *bytes, size_t n)
{
    json_t *o = json_array(), *b = json_array(), *z = json_array();
    int total = 0;
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        json_array_append_new(o, json_integer(ops[i]));
        json_array_append_new(b, json_real(bytes[i]));
        json_array_append_new(z, json_real(1.0));
        total += ops[i];
        sum += bytes[i];
    }
    return json_pack("{s:s, s:b, s:f, s:i, s:i, s:f, s:f, s:f, s:{s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f},"
                     " s:{s:i, s:o, s:o, s:o, s:o, s:O}}",
                     "name", name, "complete", 1, "duration_s", d, "ops", total, "errors", 0, "bytes", sum, "ops_per_s",
                     total / d, "throughput_MBps", sum / 1e6 / d, "latency_ms", "min", 1.0, "mean", 1.0, "max", 1.0,
                     "stddev", 0.0, "p50", 1.0, "p90", 1.0, "p95", 1.0, "p99", 1.0, "p999", 1.0, "timeseries", "step_s",
                     1, "ops", o, "bytes", b, "errors", json_pack("[]"), "latency_mean_ms", z, "latency_max_ms", z);
}

/* The largest value among the tick labels of class cls in the first chart named chart. */
static double max_tick(const char *html, const char *chart, const char *cls)
{
    char open[128], want[64];
    snprintf(open, sizeof open, "<svg class=\"chart\" data-chart=\"%s\"", chart);
    snprintf(want, sizeof want, "<text class=\"%s\"", cls);
    const char *p = strstr(html, open), *end = p ? strstr(p, "</svg>") : NULL;
    double mx = -1;
    for (const char *q = p; q && (q = strstr(q, want)) && q < end; q++) {
        double v = atof(strchr(q, '>') + 1);
        if (v > mx) mx = v;
    }
    return mx;
}

/* A phase shorter than a time step does not set the throughput axes: a
 * 0.5 ms phase at 2000 ops/s beside a 5.2 s phase at 20 ops/s (its last
 * 0.2 s step counted with the one before) gives an ops/s axis to about 23,
 * and the short phase a caret at the top. */
static void test_throughput_axis(void)
{
    const int tiny_ops[1] = {1}, steady_ops[6] = {20, 20, 20, 20, 20, 5};
    const double tiny_b[1] = {1e6}, steady_b[6] = {1e6, 1e6, 1e6, 1e6, 1e6, 0.2e6};
    json_t *runs = json_array();
    json_array_append_new(runs, run("crane-memory", "mixed", "", 1,
                                    json_pack("[o,o]", ts_phase("tiny", 0.0005, tiny_ops, tiny_b, 1),
                                              ts_phase("steady", 5.2, steady_ops, steady_b, 6)), NULL));
    json_t *suite = json_pack("{s:s, s:{s:s}, s:[{s:s}], s:o, s:[], s:[]}", "schema", RB_SUITE_SCHEMA, "suite", "name",
                              "axis", "registries", "name", "crane-memory", "runs", runs, "thresholds", "warnings");
    char *html = render(suite, NULL, NULL);
    check_structure(html, "axis");
    double ops_top = max_tick(html, "throughput", "y2tick"), mb_top = max_tick(html, "throughput", "ytick");
    CHECKF(ops_top >= 20 && ops_top <= 25, "ops/s axis ticks up to %g", ops_top);
    CHECKF(mb_top >= 1 && mb_top <= 1.2, "MB/s axis ticks up to %g", mb_top);
    CHECK(count(html, "<path class=\"clip\"") == 2 && strstr(html, "tiny: 2000 ops&#47;s, off the scale"));
    CHECK(strstr(html, "tiny: 2000 MB&#47;s, off the scale") != NULL);
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
    CHECK(count(html, "<details class=\"run\" open>") == 1);   /* one run: its charts open, first */
    CHECK(strstr(html, "id=\"runs\"") && strstr(html, "id=\"runs\"") < strstr(html, "id=\"latency\""));
    check_series_distinct(html, "interrupted run");
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

/* A scenario with phases named op/repos=N (metadata) is drawn against the
 * number of repositories, in operations per second even when a phase moved
 * bytes. */
static void test_scaling_repos(void)
{
    json_t *runs = json_array();
    json_array_append_new(runs, run("crane-memory", "metadata", "", 1,
                                    json_pack("[o,o,o,o]", phase("populate/repos=20", 40, 2, 1, 1, NULL),
                                              phase("catalog/repos=20", 3, 0, 1, 1, NULL),
                                              phase("populate/repos=50", 60, 2, 1, 1, NULL),
                                              phase("catalog/repos=50", 3, 0, 2, 1, NULL)),
                                    NULL));
    json_t *doc = json_pack("{s:s, s:{s:s}, s:[{s:s, s:s, s:s, s:s}], s:o, s:[], s:[]}", "schema", RB_SUITE_SCHEMA,
                            "suite", "name", "repos", "registries", "name", "crane-memory", "kind", "crane", "storage",
                            "memory", "url", "http://127.0.0.1:1", "runs", runs, "thresholds", "warnings");
    char *html = render(doc, NULL, NULL);
    check_structure(html, "repos suite");
    size_t svgs;
    CHECK(marks(html, "scaling", &svgs) > 0 && svgs == 2);
    CHECK(strstr(html, "metadata: operations per second against the number of repositories") != NULL);
    CHECK(strstr(html, "metadata: p99 latency against the number of repositories") != NULL);
    CHECK(strstr(html, "catalog, 50 repositories: ") != NULL && strstr(html, "repositories (log scale)") != NULL);
    CHECK(strstr(html, "against concurrency") == NULL);
    free(html);
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
    test_checks_and_metrics();
    test_throughput_axis();
    test_interrupted_run();
    test_scaling_repos();
    test_empty_suite();
    return rbtest_done("test_html");
}
