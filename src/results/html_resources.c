/* html_resources: the "registry and regbench resources" chart of one run
 * in report.html: the registry's CPU and RSS and regbench's own CPU over
 * the run, from the run's time series (its own results.json when the
 * suite's record lacks them), with approximate phase bands. */
#include "html.h"
#include "results/rb_load.h"

#include <math.h>

void html_resources_chart(const html_ctx *c, size_t ri)
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
    html_plot_open(&p, f, "resources", HTML_CHART_W, HTML_CHART_H + HTML_BAND_STRIP, nr > 0, title);
    p.T += HTML_BAND_STRIP;
    p.H -= HTML_BAND_STRIP;
    p.x = html_lin_axis(0, tmax, HTML_NUM);
    p.x.hi = tmax;
    p.y = html_value_axis(cpu_max > 0 ? cpu_max : 100, HTML_PCT);
    p.y2 = html_value_axis(rss_max > 0 ? rss_max : 1e6, HTML_BYTES);
    html_phase_bands(&p, phases, start, tmax);
    html_plot_axes(&p, "time since the run started (s)", "CPU (100% = one core)", nr ? "registry RSS" : NULL, NULL,
                   NULL, 0);
    html_legend lg = {0};
    struct { const json_t *t, *v; int right; const char *colour, *dash, *label; size_t n; } s[3] = {
        {rt, json_object_get(rs, "cpu_pct"), 0, html_palette[3], html_dashes[0], "registry CPU % (left axis)", nr},
        {rt, json_object_get(rs, "rss_bytes"), 1, html_palette[2], html_dashes[2], "registry RSS (right axis)", nr},
        {ct, json_object_get(cs, "cpu_pct"), 0, html_palette[0], html_dashes[1], "regbench CPU % (left axis)", nc},
    };
    for (int k = 0; k < 3; k++) {
        if (s[k].n == 0) continue;
        fputs("<path class=\"mark\"", f);
        html_line_attrs(f, s[k].colour, s[k].dash, s[k].label);
        fputs(" d=\"", f);
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
