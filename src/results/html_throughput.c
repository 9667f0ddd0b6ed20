/* html_throughput: the "throughput over time" chart of one run in
 * report.html: MB/s (left axis) and operations per second (right axis) per
 * time step of each phase, phases back to back with their bands. A step
 * cut short by the end of its phase is merged into the step before it, so
 * that a few operations in a sliver of time do not draw a spike; the axes
 * are scaled to the phases longer than a step (all phases when none of
 * those has a value), and a shorter phase above that is drawn at the top
 * edge with a caret. */
#include "html.h"
#include "results/rb_load.h"
#include "util/rb_util.h"

#include <math.h>
#include <stdlib.h>

/* One drawn step of a phase: [a, b) seconds from the phase start and its rates. */
typedef struct tstep {
    double a, b, mbps, ops;
} tstep;

/* The steps of phase ph into st (at most max); returns how many. *longer:
 * the phase lasts longer than one step of its time series. */
static size_t phase_steps(const json_t *ph, tstep *st, size_t max, int *longer)
{
    const json_t *ts = json_object_get(ph, "timeseries");
    double d = rb_json_num(ph, "duration_s"), step = rb_json_num(ts, "step_s");
    if (!(step > 0)) step = 1;
    size_t n = json_array_size(json_object_get(ts, "ops")), k, out = 0;
    if (!(d > 0)) d = (double)n * step;
    *longer = d > step;
    double bytes_prev = 0, ops_prev = 0;
    for (k = 0; k < n && out < max; k++) {
        double a = (double)k * step, b = a + step;
        if (a >= d && k > 0) break;
        if (b > d) b = d;
        double bytes = html_arr_num(json_object_get(ts, "bytes"), k), ops = html_arr_num(json_object_get(ts, "ops"), k);
        if (!isfinite(bytes)) bytes = 0;
        if (!isfinite(ops)) ops = 0;
        if (b - a < step * 0.999 && out > 0) {   /* a sliver at the end: into the step before */
            tstep *prev = &st[out - 1];
            bytes += bytes_prev;
            ops += ops_prev;
            a = prev->a;
            out--;
        }
        st[out++] = (tstep){a, b, bytes / 1e6 / (b - a), ops / (b - a)};
        bytes_prev = bytes;
        ops_prev = ops;
    }
    return out;
}

/* One phase's step line of MB/s (which 0) or ops/s (1) from t0, clipped at the axis top. */
static void step_line(const html_plot *p, const tstep *st, size_t n, double t0, double total, int which,
                      const char *series)
{
    FILE *f = p->f;
    const html_axis *ax = which ? &p->y2 : &p->y;
    fputs("<path class=\"mark\" d=\"", f);
    for (size_t k = 0; k < n; k++) {
        double v = which ? st[k].ops : st[k].mbps, a = t0 + st[k].a, b = t0 + st[k].b;
        if (a > total) break;
        if (b > total) b = total;
        if (v > ax->hi) v = ax->hi;
        fprintf(f, "%s%.1f %.1fH%.1f", k ? "L" : "M", html_px(p, a), which ? html_py2(p, v) : html_py(p, v),
                html_px(p, b));
    }
    fputc('"', f);
    html_line_attrs(f, which ? html_palette[3] : html_palette[0], which ? html_dashes[1] : "", series);
    fputs(">", f);
}

/* A caret at the top edge over [a, b) for a value off the scale, with its value. */
static void off_scale(const html_plot *p, double a, double b, const char *key, double v, const char *unit)
{
    char buf[32];
    double x = (html_px(p, a) + html_px(p, b)) / 2;
    fprintf(p->f, "<path class=\"clip\" d=\"M%.1f %.1fl-4 7h8z\"><title>", x, p->T);
    html_esc(p->f, key);
    fprintf(p->f, ": %s %s, off the scale (a phase shorter than one time step)</title></path>",
            html_fnum(buf, sizeof buf, v), unit);
}

void html_throughput_chart(const html_ctx *c, size_t ri)
{
    FILE *f = c->f;
    const json_t *run = json_array_get(c->runs, ri);
    const json_t *phases = json_object_get(run, "phases");
    size_t np = json_array_size(phases);
    char title[512];
    html_run_title_of(run, title, sizeof title);
    html_fig_open(f, title, rb_json_str(run, "status"));
    /* the steps of every phase, and the scale: the phases longer than a step, else all */
    enum { MAXSTEPS = 4096 };
    tstep *st = rb_calloc(MAXSTEPS, sizeof *st);
    double total = 0, max_mb[2] = {0, 0}, max_ops[2] = {0, 0};
    size_t points = 0;
    for (size_t i = 0; i < np; i++) {
        const json_t *ph = json_array_get(phases, i);
        int longer;
        size_t n = phase_steps(ph, st, MAXSTEPS, &longer);
        for (size_t k = 0; k < n; k++) {
            if (st[k].mbps > max_mb[longer]) max_mb[longer] = st[k].mbps;
            if (st[k].ops > max_ops[longer]) max_ops[longer] = st[k].ops;
        }
        points += n;
        double d = rb_json_num(ph, "duration_s");
        total += d > 0 ? d : 0;
    }
    if (points == 0 || !(total > 0)) {
        html_nodata(f, "throughput", np ? "the phases have no time series" : "the run has no phases");
        fputs("</figure>\n", f);
        free(st);
        return;
    }
    html_plot p;
    html_plot_open(&p, f, "throughput", HTML_CHART_W, HTML_CHART_H + HTML_BAND_STRIP, 1, title);
    p.T += HTML_BAND_STRIP;
    p.H -= HTML_BAND_STRIP;
    p.x = html_lin_axis(0, total, HTML_NUM);
    p.x.hi = total; /* the time axis ends with the run */
    p.y = html_value_axis(max_mb[1] > 0 ? max_mb[1] : max_mb[0], HTML_NUM);
    p.y2 = html_value_axis(max_ops[1] > 0 ? max_ops[1] : max_ops[0], HTML_NUM);
    html_phase_bands(&p, phases, 0, total);
    html_plot_axes(&p, "time since the first phase started (s)", "throughput (MB/s)", "operations per second", NULL,
                   NULL, 0);
    static const char *const SERIES[2] = {"throughput, MB/s (left axis)", "operations per second (right axis)"};
    static const char *const UNIT[2] = {"MB&#47;s", "ops&#47;s"};   /* written as they are: '/' escaped */
    double t0 = 0;
    for (size_t i = 0; i < np; i++) {
        const json_t *ph = json_array_get(phases, i);
        int longer;
        size_t n = phase_steps(ph, st, MAXSTEPS, &longer);
        double d = rb_json_num(ph, "duration_s");
        char key[256], b[32];
        rb_phase_key(phases, i, key, sizeof key);
        for (int s = 0; s < 2 && n; s++) {
            step_line(&p, st, n, t0, total, s, SERIES[s]);
            fputs("<title>", f);
            html_esc(f, key);
            fprintf(f, ": %s %s over the phase</title></path>\n",
                    html_fnum(b, sizeof b, rb_json_num(ph, s ? "ops_per_s" : "throughput_MBps")), UNIT[s]);
            for (size_t k = 0; k < n; k++) {
                double v = s ? st[k].ops : st[k].mbps;
                if (v > (s ? p.y2.hi : p.y.hi)) off_scale(&p, t0 + st[k].a, t0 + st[k].b, key, v, UNIT[s]);
            }
        }
        t0 += d > 0 ? d : 0;
    }
    free(st);
    html_plot_close(&p);
    html_legend lg = {0};
    html_legend_add(&lg, html_palette[0], "", 0, SERIES[0]);
    html_legend_add(&lg, html_palette[3], html_dashes[1], 0, SERIES[1]);
    html_legend_write(f, &lg);
    fputs("</figure>\n", f);
}
