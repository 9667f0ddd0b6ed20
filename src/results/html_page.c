/* html_page: report.html (see rb_html.h, docs/report.md): the page
 * skeleton around the sections. One self-contained page: inline CSS, inline
 * SVG charts drawn by the html_*.c files (axes, ticks, legends in
 * html_svg.c), no JavaScript and no external URLs. It leads with what a
 * reader compares (registries side by side, scaling, latency, dedup, a replay's recorded
 * against measured latency when there is one, the
 * baseline), then the tables; each run's own charts (throughput and
 * resources over time) are folded in a <details> per run (a report of one
 * run shows them open, first). What summary.md shows too comes from
 * rb_sections (phases grouped by registry, scenario, label and phase key,
 * medians over repetitions); the charts read the runs' time series. Colours
 * are the Okabe-Ito palette, lines also differ by dash. */
#include "results/rb_html.h"
#include "html.h"
#include "results/rb_compare.h"
#include "results/rb_load.h"
#include "util/rb_atomic.h"
#include "util/rb_util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char CSS[] =
    ":root{--fg:#1b1b1b;--muted:#5a5a5a;--line:#cfcfcf}\n"
    "*{box-sizing:border-box}\n"
    "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,sans-serif;color:var(--fg);"
    "background:#fff;margin:0 auto;max-width:1360px;padding:16px 24px}\n"
    "h1{font-size:22px;margin:4px 0}h2{font-size:18px;border-bottom:2px solid #e0e0e0;padding-bottom:3px;margin:26px 0 8px}\n"
    "h3{font-size:15px;margin:18px 0 6px}\n"
    "nav{font-size:13px;margin:8px 0 4px}nav a{margin-right:12px;color:#0072B2}\n"
    ".meta{color:var(--muted)}\n"
    ".banner{padding:8px 12px;border-left:5px solid #E69F00;background:#fdf3e1;margin:10px 0}\n"
    ".banner.bad{border-color:#D55E00;background:#fbe9df}\n"
    "table{border-collapse:collapse;margin:6px 0 10px;font-size:13px}caption{text-align:left;font-weight:600;padding:4px 0}\n"
    "th,td{border:1px solid var(--line);padding:3px 8px;text-align:left;vertical-align:top}th{background:#f3f3f3}\n"
    "td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}td.msg{max-width:560px;word-break:break-word}\n"
    "tr.err td{background:#fcf0ea}.findings li.err{color:#a33d00;font-weight:600}\n"
    ".badge{display:inline-block;padding:0 6px;border-radius:8px;font-size:11px;font-weight:600;border:1px solid}\n"
    ".badge.ok{color:#00603f;border-color:#009E73;background:#e5f4ee}.badge.bad{color:#8f3500;border-color:#D55E00;"
    "background:#fbe9df}.badge.warn{color:#7a5200;border-color:#E69F00;background:#fdf3e1}\n"
    ".grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(400px,1fr));gap:12px;margin-bottom:12px}\n"
    "figure{margin:0;padding:8px 10px;border:1px solid #e2e2e2;border-radius:4px;break-inside:avoid;"
    "page-break-inside:avoid;min-width:0}figure.wide{grid-column:1/-1}\n"
    ".grid.dense{grid-template-columns:repeat(auto-fill,minmax(300px,1fr))}.grid.dense figure{padding:6px 8px}\n"
    ".grid.dense .legend{font-size:11px;line-height:1.3;gap:1px 10px}\n"
    "figcaption{font-weight:600;font-size:13px;margin-bottom:4px}figcaption .more{font-weight:400;font-size:12px}\n"
    "svg.chart{width:100%;height:auto;display:block;overflow:visible}\n"
    "svg.chart text{font-size:11px;fill:#333;font-family:inherit}svg.chart text.alabel{font-size:12px;fill:#111}\n"
    "svg.chart text.plabel{font-size:11px;fill:#333}svg.chart text.sub{font-size:11px;fill:#555}\n"
    "svg.chart text.val{font-size:11px;fill:#222}\n"
    ".gridl{stroke:#e5e5e5;stroke-width:1}.tick{stroke:#444}.frame{fill:none;stroke:#444;stroke-width:1}\n"
    ".band{fill:#fff;stroke:none}.band.odd{fill:#f2f2f2}.band.incomplete{fill:url(#rb-hatch)}\n"
    ".boundary{stroke:#888;stroke-dasharray:3 3}.zero{stroke:#222}.thresh{stroke:#777;stroke-dasharray:4 3}\n"
    ".clip{fill:#D55E00}\n"
    "path.mark{fill:none;stroke-width:2;stroke-linejoin:round}rect.mark{stroke-width:1}\n"
    ".legend{font-size:12px;display:flex;flex-wrap:wrap;gap:2px 16px;margin-top:4px}\n"
    ".legend span{white-space:nowrap}svg.key{vertical-align:middle;margin-right:6px}\n"
    ".key{display:inline-block;vertical-align:middle;margin-right:6px}\n"
    ".key.box{width:12px;height:12px;border:1px solid #333}\n"
    ".key.hatch{background:repeating-linear-gradient(45deg,currentColor 0 2px,transparent 2px 5px)}\n"
    ".nodata{color:var(--muted);font-style:italic;padding:10px 12px;border:1px dashed #bbb;border-radius:4px}\n"
    ".note{color:var(--muted);font-size:12px;margin:4px 0}\n"
    ".tables{display:flex;flex-wrap:wrap;gap:0 24px;align-items:flex-start}\n"
    ".sidecols{columns:380px 3;column-gap:20px}.sidecols table{break-inside:avoid;width:100%;margin:0 0 8px;font-size:12px}"
    ".sidecols th,.sidecols td{padding:1px 6px}caption .unit{font-weight:400;color:var(--muted)}\n"
    "details.run{border:1px solid #e2e2e2;border-radius:4px;margin:6px 0;padding:4px 10px}\n"
    "details.run>summary{cursor:pointer;font-weight:600;font-size:13px;padding:2px 0}\n"
    "details.run[open]>summary{margin-bottom:6px}\n"
    "@media print{body{max-width:none;padding:0;font-size:11px}nav{display:none}.grid{display:block}"
    "figure{border:none;padding:0}h2{break-after:avoid;page-break-after:avoid}"
    "table{font-size:10px}tr,figure{break-inside:avoid}a{color:inherit;text-decoration:none}"
    "*{-webkit-print-color-adjust:exact;print-color-adjust:exact}}\n";

/* Loads each run's own results.json for the time series its record lacks. */
static void load_series(html_ctx *c, const json_t *rundoc, const char *base_dir)
{
    c->series = rb_calloc(c->nruns ? c->nruns : 1, sizeof *c->series);
    for (size_t ri = 0; ri < c->nruns; ri++) {
        const json_t *run = json_array_get(c->runs, ri);
        if (json_object_get(run, "registry_timeseries") || json_object_get(run, "client_timeseries")) {
            c->series[ri] = json_incref((json_t *)run);
            continue;
        }
        if (rundoc && ri == 0) {
            c->series[ri] = json_incref((json_t *)rundoc);
            continue;
        }
        const char *dir = rb_json_str(run, "dir");
        if (!base_dir || !dir[0]) continue;
        char *path = dir[0] == '/' ? rb_asprintf("%s/results.json", dir) : rb_asprintf("%s/%s/results.json", base_dir, dir);
        json_t *doc = json_load_file(path, 0, NULL);
        free(path);
        if (doc && json_object_get(doc, "registry_timeseries")) c->series[ri] = doc;
        else json_decref(doc);
    }
}

/* The operations of the page (phase keys up to their first '/'), in group
 * order: each keeps its line style on every chart. */
static void page_ops(html_ctx *c)
{
    for (size_t i = 0; i < c->sec->groups.n && c->nops < 32; i++) {
        const char *key = c->sec->groups.g[i].phase;
        size_t len = strcspn(key, "/"), k = 0;
        while (k < c->nops && (strlen(c->ops[k]) != len || strncmp(c->ops[k], key, len) != 0)) k++;
        if (k == c->nops && len < sizeof c->ops[0]) snprintf(c->ops[c->nops++], sizeof c->ops[0], "%.*s", (int)len, key);
    }
}

/* <head> with the style sheet, the shared SVG definitions, and the page's
 * header: title, status, what ran where, a banner for a failed or
 * interrupted suite, and the navigation. Opens <main>. */
static void page_head(const html_ctx *c)
{
    FILE *f = c->f;
    const rb_sec_header *h = &c->sec->head;
    const char *status = h->status;
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>regbench report: ", f);
    html_esc(f, h->name);
    fprintf(f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n", CSS);
    /* shared SVG definitions: the hatch of incomplete phases and untested changes */
    fputs("<svg width=\"0\" height=\"0\" style=\"position:absolute\" aria-hidden=\"true\"><defs>"
          "<pattern id=\"rb-hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" "
          "patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#fff\"/>"
          "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#9a9a9a\" stroke-width=\"2.5\"/></pattern></defs></svg>\n", f);
    size_t passed = 0;
    for (size_t i = 0; i < c->sec->n_thresholds; i++) passed += c->sec->thresholds[i].passed != 0;
    int th_failed = passed < c->sec->n_thresholds;
    fputs("<header><h1>regbench report: ", f);
    html_esc(f, h->name);
    /* an "ok" run whose thresholds failed still failed for its user (exit 99) */
    int ok = !strcmp(status, "ok") && !th_failed;
    fprintf(f, " <span class=\"badge %s\">", ok ? "ok" : !strcmp(status, "interrupted") ? "warn" : "bad");
    html_esc(f, !strcmp(status, "ok") && th_failed ? "thresholds failed" : status[0] ? status : "unknown");
    fputs("</span></h1>\n<p class=\"meta\">", f);
    if (h->description[0]) {
        html_esc(f, h->description);
        fputs("<br>", f);
    }
    char b1[32], b2[32];
    fputs("Started ", f);
    html_esc(f, h->started_at);
    fprintf(f, ", took %s s, %zu run%s, exit code %lld. regbench ", html_fnum(b1, sizeof b1, h->duration_s), c->nruns,
            c->nruns == 1 ? "" : "s", h->exit_code);
    html_esc(f, h->version);
    fputs(" on ", f);
    html_esc(f, h->cpu_model[0] ? h->cpu_model : "an unknown CPU");
    fprintf(f, ", %lld cores, %s memory.", h->cores, html_fbytes(b2, sizeof b2, h->memory_bytes));
    if (c->sec->n_thresholds)
        fprintf(f, "<br><a href=\"#thresholds\">Thresholds</a>: %zu of %zu passed.", passed, c->sec->n_thresholds);
    fputs("</p>\n", f);
    if (c->sec->partial)
        fputs("<p class=\"banner bad\"><b>Partial results</b>: a shard of this run is missing or failed, so these figures "
              "leave out its work; see <a href=\"#shards\">shards</a>.</p>\n", f);
    if (!strcmp(status, "interrupted"))
        fputs("<p class=\"banner\">This run was interrupted. Phases marked <b>incomplete</b> (hatched in the charts) were "
              "still running and were measured up to the interruption.</p>\n", f);
    else if (status[0] && strcmp(status, "ok") != 0)
        fputs("<p class=\"banner bad\">Not every run succeeded; see <a href=\"#failed\">failed runs</a>.</p>\n", f);
    fputs("<nav>", f);
    if (c->sec->n_shards) fputs("<a href=\"#shards\">Shards</a>", f);
    fputs("<a href=\"#side\">Side by side</a>", f);
    if (c->sec->n_conformance) fputs("<a href=\"#conformance\">Conformance</a>", f);
    fputs("<a href=\"#scaling\">Scaling</a><a href=\"#latency\">Latency</a>"
          "<a href=\"#dedup\">Dedup</a>", f);
    if (html_has_replay(c)) fputs("<a href=\"#replay\">Replay</a>", f);
    fputs("<a href=\"#comparison\">Baseline</a><a href=\"#summary\">Summary</a>"
          "<a href=\"#checks\">Checks</a><a href=\"#custom\">Custom metrics</a><a href=\"#thresholds\">Thresholds</a>"
          "<a href=\"#warnings\">Warnings</a><a href=\"#runs\">Runs</a><a href=\"#metrics\">Scenario metrics</a>"
          "<a href=\"#environment\">Environment</a></nav>\n</header>\n<main>\n", f);
}

/* Each run's own charts, throughput and resources over time, folded in a
 * <details> per run (open when there is only one run). */
static void run_details(const html_ctx *c)
{
    FILE *f = c->f;
    html_section_head(f, "runs", "Each run over time",
                      "Per run (open one to see it): MB&#47;s (solid, left axis) and operations per second (dashed, right "
                      "axis) per time step of each phase, phases back to back, shaded bands and dashed lines at their "
                      "boundaries, hatching for an incomplete phase, a caret for a phase shorter than a time step that is "
                      "off the scale; and the registry's CPU (100% = one core) and memory next to regbench's own CPU, so "
                      "that a saturated client is not mistaken for a slow registry (phase boundaries approximate there).");
    if (c->nruns == 0) {
        html_nodata(f, "throughput", "no runs");
        html_nodata(f, "resources", "no runs");
    }
    for (size_t ri = 0; ri < c->nruns; ri++) {
        const json_t *run = json_array_get(c->runs, ri), *phases = json_object_get(run, "phases");
        const char *status = rb_json_str(run, "status");
        double d = 0;
        for (size_t i = 0; i < json_array_size(phases); i++) {
            double x = rb_json_num(json_array_get(phases, i), "duration_s");
            d += x > 0 ? x : 0;
        }
        char title[512], b[32];
        html_run_title_of(run, title, sizeof title);
        fprintf(f, "<details class=\"run\"%s><summary>", c->nruns == 1 ? " open" : "");
        html_esc(f, title);
        fprintf(f, " — %zu phase%s, %s s", json_array_size(phases), json_array_size(phases) == 1 ? "" : "s",
                html_fnum(b, sizeof b, d));
        if (strcmp(status, "ok") != 0) {
            fprintf(f, " <span class=\"badge %s\">", !strcmp(status, "interrupted") ? "warn" : "bad");
            html_esc(f, status[0] ? status : "unknown");
            fputs("</span>", f);
        }
        fputs("</summary>\n<div class=\"grid\">\n", f);
        html_throughput_chart(c, ri);
        html_resources_chart(c, ri);
        fputs("</div></details>\n", f);
    }
    fputs("</section>\n", f);
}

int rb_report_html(const json_t *results, const json_t *baseline, const char *base_dir, FILE *out, char *err,
                   size_t errlen)
{
    json_t *suite = rb_results_as_suite((json_t *)results, "results", err, errlen);
    if (!suite) return -1;
    const char *schema = rb_json_str(results, "schema");
    const json_t *rundoc = strcmp(schema, RB_RESULTS_SCHEMA) == 0 ? results : NULL;
    rb_sections sec;
    rb_sections_extract(suite, &sec);
    html_ctx c = {.f = out, .suite = suite, .runs = json_object_get(suite, "runs"), .sec = &sec};
    c.nruns = json_array_size(c.runs);
    for (size_t i = 0; i < sec.n_registries; i++) html_name_index(c.regs, &c.nregs, 32, sec.registries[i].name);
    page_ops(&c);
    for (size_t i = 1; i < c.nruns; i++)
        if (strcmp(rb_json_str(json_array_get(c.runs, i), "registry"), rb_json_str(json_array_get(c.runs, 0), "registry")) != 0)
            c.multi_reg = 1;
    if (baseline) {
        json_t *b = rb_results_as_suite((json_t *)baseline, "baseline", err, errlen);
        if (!b) {
            rb_sections_free(&sec);
            json_decref(suite);
            return -1;
        }
        c.cmp = rb_compare(b, suite, 5.0);
        json_decref(b);
    } else if (json_is_object(json_object_get(suite, "comparison"))) {
        c.cmp = json_incref(json_object_get(suite, "comparison"));
    }
    load_series(&c, rundoc, base_dir);

    page_head(&c);
    html_failed_runs(&c);
    html_shards(&c);
    if (c.nruns == 1) run_details(&c);   /* one run: its charts are what there is to see */
    html_side_by_side(&c);
    html_conformance(&c);
    html_scaling(&c);
    html_latency(&c);
    html_dedup(&c);
    html_replay(&c);
    html_comparison(&c);
    html_summary(&c);
    html_checks(&c);
    html_custom_metrics(&c);
    html_thresholds(&c);
    html_warnings(&c);
    if (c.nruns != 1) run_details(&c);
    html_scenario_metrics(&c);
    html_environment(&c);
    fputs("</main>\n<footer class=\"note\">Written by regbench ", out);
    html_esc(out, sec.head.version);
    fputs(". docs/report.md explains the charts.</footer>\n</body>\n</html>\n", out);

    for (size_t ri = 0; ri < c.nruns; ri++) json_decref(c.series[ri]);
    free(c.series);
    json_decref(c.cmp);
    rb_sections_free(&sec);
    json_decref(suite);
    if (ferror(out)) return rb_err(err, errlen, "write error: %s", strerror(errno ? errno : EIO));
    return 0;
}

int rb_write_report_html(const json_t *results, const json_t *baseline, const char *base_dir, const char *path,
                         char *err, size_t errlen)
{
    rb_atomic a;
    FILE *f = rb_atomic_open(&a, path, err, errlen);
    if (!f) return -1;
    char why[RB_ERRLEN] = "";
    if (rb_report_html(results, baseline, base_dir, f, why, sizeof why) < 0) {
        rb_atomic_commit(&a, 1, NULL, 0);
        return rb_err(err, errlen, "cannot write %s: %s", path, why);
    }
    return rb_atomic_commit(&a, 0, err, errlen);
}
