/* html_throughput: the "Throughput over time" section of report.html, one
 * chart per run: MB/s (left axis) and operations per second (right axis)
 * per time step of each phase, phases back to back with their bands. */
#include "html.h"
#include "results/rb_load.h"

#include <math.h>

/* Value of point i of phase ph as a rate per second (series key), with its time span. */
static double ts_rate(const json_t *ts, const char *key, size_t i, double step, double dur, double *len)
{
    double a = i * step, b = (i + 1) * step;
    if (dur > a && b > dur) b = dur;
    *len = b - a > 0 ? b - a : step;
    double v = html_arr_num(json_object_get(ts, key), i);
    return isfinite(v) ? v / *len : 0;
}

static void chart_throughput(const html_ctx *c, size_t ri)
{
    FILE *f = c->f;
    const json_t *run = json_array_get(c->runs, ri);
    const json_t *phases = json_object_get(run, "phases");
    char title[512];
    html_run_title_of(run, title, sizeof title);
    html_fig_open(f, title, rb_json_str(run, "status"));
    double total = 0, max_mb = 0, max_ops = 0;
    size_t points = 0;
    for (size_t i = 0; i < json_array_size(phases); i++) {
        const json_t *ph = json_array_get(phases, i), *ts = json_object_get(ph, "timeseries");
        double d = rb_json_num(ph, "duration_s"), step = rb_json_num(ts, "step_s"), len;
        if (!(d > 0)) d = 0;
        if (!(step > 0)) step = 1;
        size_t n = json_array_size(json_object_get(ts, "ops"));
        for (size_t k = 0; k < n; k++) {
            double mb = ts_rate(ts, "bytes", k, step, d, &len) / 1e6, ops = ts_rate(ts, "ops", k, step, d, &len);
            if (mb > max_mb) max_mb = mb;
            if (ops > max_ops) max_ops = ops;
            points++;
        }
        total += d;
    }
    if (points == 0 || !(total > 0)) {
        html_nodata(f, "throughput", json_array_size(phases) ? "the phases have no time series" : "the run has no phases");
        fputs("</figure>\n", f);
        return;
    }
    html_plot p;
    html_plot_open(&p, f, "throughput", 560, 250, 1, title);
    p.x = html_lin_axis(0, total, HTML_NUM);
    p.x.hi = total; /* the time axis ends with the run */
    p.y = html_lin_axis(0, max_mb * 1.08, HTML_NUM);
    p.y2 = html_lin_axis(0, max_ops * 1.08, HTML_NUM);
    html_phase_bands(&p, phases, 0, total);
    html_plot_axes(&p, "time since the first phase started (s)", "throughput (MB/s)", "operations per second", NULL, NULL, 0);
    double t0 = 0;
    for (size_t i = 0; i < json_array_size(phases); i++) {
        const json_t *ph = json_array_get(phases, i), *ts = json_object_get(ph, "timeseries");
        double d = rb_json_num(ph, "duration_s"), step = rb_json_num(ts, "step_s");
        if (!(d > 0)) d = 0;
        if (!(step > 0)) step = 1;
        size_t n = json_array_size(json_object_get(ts, "ops"));
        char key[256], b1[32], b2[32];
        rb_phase_key(phases, i, key, sizeof key);
        for (int s = 0; s < 2 && n; s++) {
            fprintf(f, "<path class=\"mark %s\" d=\"", s == 0 ? "mbps" : "opss");
            for (size_t k = 0; k < n; k++) {
                double len, v = s == 0 ? ts_rate(ts, "bytes", k, step, d, &len) / 1e6 : ts_rate(ts, "ops", k, step, d, &len);
                double a = t0 + k * step, b = a + len;
                if (a > total) break;
                if (b > total) b = total;
                double y = s == 0 ? html_py(&p, v) : html_py2(&p, v);
                fprintf(f, "%s%.1f %.1fH%.1f", k ? "L" : "M", html_px(&p, a), y, html_px(&p, b));
            }
            fprintf(f, "\" stroke=\"%s\"%s><title>", s == 0 ? html_palette[0] : html_palette[3],
                    s == 0 ? "" : " stroke-dasharray=\"6 3\"");
            html_esc(f, key);
            if (s == 0) fprintf(f, ": %s MB&#47;s over the phase</title></path>\n", html_fnum(b1, sizeof b1, rb_json_num(ph, "throughput_MBps")));
            else fprintf(f, ": %s ops&#47;s over the phase</title></path>\n", html_fnum(b2, sizeof b2, rb_json_num(ph, "ops_per_s")));
        }
        t0 += d;
    }
    html_plot_close(&p);
    html_legend lg = {0};
    html_legend_add(&lg, html_palette[0], "", 0, "throughput, MB/s (left axis)");
    html_legend_add(&lg, html_palette[3], "6 3", 0, "operations per second (right axis)");
    html_legend_write(f, &lg);
    fputs("</figure>\n", f);
}

void html_throughput(const html_ctx *c)
{
    html_section_head(c->f, "throughput", "Throughput over time",
                      "Per run: MB/s (solid, left axis) and operations per second (dashed, right axis), per time step of "
                      "each phase. Phases are placed back to back; shaded bands and dashed lines mark their boundaries, "
                      "hatching marks an incomplete phase.");
    html_run_charts(c, "throughput", chart_throughput);
}
