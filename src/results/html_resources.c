/* html_resources: the "Registry and regbench resources" section of
 * report.html, one chart per run: the registry's CPU and RSS and regbench's
 * own CPU over the run, from the run's time series (its own results.json
 * when the suite's record lacks them), with approximate phase bands. */
#include "html.h"
#include "results/rb_load.h"

#include <math.h>

static void chart_resources(const html_ctx *c, size_t ri)
{
    FILE *f = c->f;
    const json_t *run = json_array_get(c->runs, ri);
    const json_t *src = c->series[ri];
    const json_t *rs = json_object_get(src, "registry_timeseries"), *cs = json_object_get(src, "client_timeseries");
    const json_t *rt = json_object_get(rs, "t_s"), *ct = json_object_get(cs, "t_s");
    char title[512];
    html_run_title_of(run, title, sizeof title);
    html_fig_open(f, title, rb_json_str(run, "status"));
    size_t nr = json_array_size(rt), nc = json_array_size(ct);
    if (nr == 0 && nc == 0) {
        html_nodata(f, "resources", src ? "no samples of the registry or of regbench were taken"
                                        : "the run's own results.json (with the time series) was not found");
        fputs("</figure>\n", f);
        return;
    }
    double tmax = 0, cpu_max = 0, rss_max = 0;
    for (size_t i = 0; i < nr; i++) {
        double t = html_arr_num(rt, i), cpu = html_arr_num(json_object_get(rs, "cpu_pct"), i),
               rss = html_arr_num(json_object_get(rs, "rss_bytes"), i);
        if (t > tmax) tmax = t;
        if (cpu > cpu_max) cpu_max = cpu;
        if (rss > rss_max) rss_max = rss;
    }
    for (size_t i = 0; i < nc; i++) {
        double t = html_arr_num(ct, i), cpu = html_arr_num(json_object_get(cs, "cpu_pct"), i);
        if (t > tmax) tmax = t;
        if (cpu > cpu_max) cpu_max = cpu;
    }
    const json_t *phases = json_object_get(run, "phases");
    double total = 0;
    for (size_t i = 0; i < json_array_size(phases); i++) {
        double d = rb_json_num(json_array_get(phases, i), "duration_s");
        if (d > 0) total += d;
    }
    /* phases carry no start time: they end about when the results were written */
    double end = rb_json_num(src, "run_duration_s");
    if (!(end > 0)) end = tmax;
    if (end > tmax) tmax = end;
    if (total > tmax) tmax = total;
    if (!(tmax > 0)) tmax = 1;
    double start = end - total > 0 ? end - total : 0;
    html_plot p;
    html_plot_open(&p, f, "resources", 560, 250, nr > 0, title);
    p.x = html_lin_axis(0, tmax, HTML_NUM);
    p.x.hi = tmax;
    p.y = html_lin_axis(0, cpu_max > 0 ? cpu_max * 1.08 : 100, HTML_PCT);
    p.y2 = html_lin_axis(0, rss_max > 0 ? rss_max * 1.08 : 1e6, HTML_BYTES);
    html_phase_bands(&p, phases, start, tmax);
    html_plot_axes(&p, "time since the run started (s); phase boundaries approximate", "CPU (100% = one core)",
                   nr ? "registry RSS" : NULL, NULL, NULL, 0);
    html_legend lg = {0};
    struct { const json_t *t, *v; int right; const char *colour, *dash, *label; size_t n; } s[3] = {
        {rt, json_object_get(rs, "cpu_pct"), 0, html_palette[3], "", "registry CPU % (left axis)", nr},
        {rt, json_object_get(rs, "rss_bytes"), 1, html_palette[2], "2 2", "registry RSS (right axis)", nr},
        {ct, json_object_get(cs, "cpu_pct"), 0, html_palette[0], "6 3", "regbench CPU % (left axis)", nc},
    };
    for (int k = 0; k < 3; k++) {
        if (s[k].n == 0) continue;
        fprintf(f, "<path class=\"mark\" stroke=\"%s\"%s%s%s d=\"", s[k].colour, s[k].dash[0] ? " stroke-dasharray=\"" : "",
                s[k].dash, s[k].dash[0] ? "\"" : "");
        int first = 1;
        for (size_t i = 0; i < s[k].n; i++) {
            double t = html_arr_num(s[k].t, i), v = html_arr_num(s[k].v, i);
            if (!isfinite(t) || !isfinite(v)) continue;
            fprintf(f, "%s%.1f %.1f", first ? "M" : "L", html_px(&p, t), s[k].right ? html_py2(&p, v) : html_py(&p, v));
            first = 0;
        }
        if (s[k].n == 1) fputs("h2", f); /* one sample: a visible dot */
        fputs("\"><title>", f);
        html_esc(f, s[k].label);
        fputs("</title></path>\n", f);
        html_legend_add(&lg, s[k].colour, s[k].dash, 0, s[k].label);
    }
    html_plot_close(&p);
    html_legend_write(f, &lg);
    fputs("</figure>\n", f);
}

void html_resources(const html_ctx *c)
{
    html_section_head(c->f, "resources", "Registry and regbench resources",
                      "Per run: the registry's CPU (100% = one core busy) and resident memory, sampled while it ran, next to "
                      "regbench's own CPU, so that a saturated client is not mistaken for a slow registry.");
    html_run_charts(c, "resources", chart_resources);
}
