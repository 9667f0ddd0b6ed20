/* report_html: report.html (see rb_html.h, docs/report.md). One pass over the
 * suite document writes a self-contained page: inline CSS, inline SVG charts
 * drawn here (axes, ticks, legends), no JavaScript and no external URLs.
 * Every string from the results is HTML-escaped ('/' too, so no URL from the
 * data appears literally). Data marks carry class="mark" and every chart is
 * an <svg class="chart" data-chart="NAME">; a chart without data becomes a
 * <p class="nodata" data-nodata="NAME"> note. Phases are grouped like
 * summary.md: by (registry, scenario, label, phase key), medians over
 * repetitions. Colours are the Okabe-Ito palette, lines also differ by dash. */
#include "results/rb_html.h"
#include "results/rb_groups.h"
#include "results/rb_compare.h"
#include "results/rb_report.h"
#include "util/rb_atomic.h"
#include "util/rb_util.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- small helpers -------------------------------------------------------- */



static double arr_num(const json_t *a, size_t i)
{
    const json_t *v = json_array_get(a, i);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

static long long inum(const json_t *o, const char *k)
{
    const json_t *v = json_object_get(o, k);
    if (json_is_integer(v)) return (long long)json_integer_value(v);
    if (json_is_real(v)) return llround(json_real_value(v));
    return 0;
}

/* Writes s HTML-escaped (text and attribute safe; '/' too, so no URL appears literally). */
static void esc(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        case '/': fputs("&#47;", f); break;
        default:
            if ((unsigned char)*s < 0x20 && *s != '\n' && *s != '\t') fputc(' ', f);
            else fputc(*s, f);
        }
    }
}

/* A number for people: 3 significant digits or so, "-" for NaN. */
static const char *fnum(char *buf, size_t n, double v)
{
    double a = fabs(v);
    if (!isfinite(v)) snprintf(buf, n, "-");
    else if (a == 0) snprintf(buf, n, "0");
    else if (a >= 100) snprintf(buf, n, "%.0f", v);
    else if (a >= 10) snprintf(buf, n, "%.1f", v);
    else if (a >= 1) snprintf(buf, n, "%.2f", v);
    else snprintf(buf, n, "%.3g", v);
    return buf;
}

/* Bytes with decimal units ("1.5 MB", "801 kB"), "-" for NaN. */
static const char *fbytes(char *buf, size_t n, double b)
{
    static const char *units[] = {"B", "kB", "MB", "GB", "TB", "PB"};
    if (!isfinite(b)) {
        snprintf(buf, n, "-");
        return buf;
    }
    int u = 0;
    double v = b;
    while (fabs(v) >= 1000 && u < 5) {
        v /= 1000;
        u++;
    }
    char t[32];
    snprintf(buf, n, "%s %s", u == 0 ? (snprintf(t, sizeof t, "%.0f", v), t) : fnum(t, sizeof t, v), units[u]);
    return buf;
}



/* ---- palette and legend ----------------------------------------------------- */

/* Okabe-Ito, yellow last (weak on white). */
static const char *const PALETTE[] = {"#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000",
                                      "#F0E442"};
#define NCOL 7
static const char *const DASHES[] = {"", "6 3", "2 2", "8 3 2 3"};

static const char *series_colour(size_t i) { return PALETTE[i % NCOL]; }
static const char *series_dash(size_t i) { return DASHES[(i / NCOL) % 4]; }

/* Index of name in a small list of names, appending it when new. */
static size_t name_index(const char **names, size_t *n, size_t max, const char *name)
{
    for (size_t i = 0; i < *n; i++)
        if (!strcmp(names[i], name)) return i;
    if (*n < max) names[(*n)++] = name;
    return *n - 1;
}

#define MAX_LEGEND 48
typedef struct legend {
    size_t n;
    struct { const char *colour, *dash; int bar; char label[160]; } e[MAX_LEGEND];
} legend;

static void legend_add(legend *lg, const char *colour, const char *dash, int bar, const char *label)
{
    if (lg->n == MAX_LEGEND) return;
    lg->e[lg->n].colour = colour;
    lg->e[lg->n].dash = dash;
    lg->e[lg->n].bar = bar;
    snprintf(lg->e[lg->n].label, sizeof lg->e[lg->n].label, "%s", label);
    lg->n++;
}

/* The legend, as HTML below the chart. bar: 0 line, 1 filled box, 2 hatched box, 3 dashed line. */
static void legend_write(FILE *f, const legend *lg)
{
    if (lg->n == 0) return;
    fputs("<div class=\"legend\">", f);
    for (size_t i = 0; i < lg->n; i++) {
        if (lg->e[i].bar == 1)
            fprintf(f, "<span><i class=\"key box\" style=\"background:%s\"></i>", lg->e[i].colour);
        else if (lg->e[i].bar == 2)
            fprintf(f, "<span><i class=\"key box hatch\" style=\"border-color:%s;color:%s\"></i>", lg->e[i].colour,
                    lg->e[i].colour);
        else
            fprintf(f, "<span><i class=\"key\" style=\"border-top-color:%s;border-top-style:%s\"></i>",
                    lg->e[i].colour, lg->e[i].dash && lg->e[i].dash[0] ? (lg->e[i].dash[0] == '2' ? "dotted" : "dashed")
                                                                     : "solid");
        esc(f, lg->e[i].label);
        fputs("</span>", f);
    }
    fputs("</div>\n", f);
}

/* ---- plots -------------------------------------------------------------------- */

enum { F_NUM, F_BYTES, F_PCT };

typedef struct axis {
    double lo, hi;
    int log, fmt;
} axis;

typedef struct plot {
    FILE *f;
    double w, h;      /* viewBox */
    double L, T, W, H;/* plot area */
    axis x, y, y2;
    int has_y2;
} plot;

static double nice_step(double range, int target)
{
    double raw = range / target;
    if (!(raw > 0)) return 1;
    double mag = pow(10, floor(log10(raw)));
    double r = raw / mag;
    return (r < 1.5 ? 1 : r < 3 ? 2 : r < 7 ? 5 : 10) * mag;
}

static axis lin_axis(double lo, double hi, int fmt)
{
    axis a = {lo, hi, 0, fmt};
    if (!isfinite(a.lo)) a.lo = 0;
    if (!isfinite(a.hi) || a.hi <= a.lo) a.hi = a.lo + 1;
    double s = nice_step(a.hi - a.lo, 5);
    a.lo = floor(a.lo / s + 1e-9) * s;
    a.hi = ceil(a.hi / s - 1e-9) * s;
    if (a.hi <= a.lo) a.hi = a.lo + s;
    return a;
}

static axis log_axis(double lo, double hi, int fmt)
{
    axis a = {0, 0, 1, fmt};
    if (!(lo > 0)) lo = hi > 0 ? hi / 10 : 1;
    if (!(hi > 0)) hi = lo * 10;
    a.lo = pow(10, floor(log10(lo) + 1e-9));
    a.hi = pow(10, ceil(log10(hi) - 1e-9));
    if (a.hi <= a.lo) a.hi = a.lo * 10;
    return a;
}

static double ax_frac(const axis *a, double v)
{
    double t;
    if (a->log) {
        if (!(v > 0)) v = a->lo;
        t = (log10(v) - log10(a->lo)) / (log10(a->hi) - log10(a->lo));
    } else {
        t = (v - a->lo) / (a->hi - a->lo);
    }
    if (!isfinite(t)) t = 0;
    return t < -0.02 ? -0.02 : t > 1.02 ? 1.02 : t;
}

static double px(const plot *p, double v) { return p->L + ax_frac(&p->x, v) * p->W; }
static double py(const plot *p, double v) { return p->T + p->H - ax_frac(&p->y, v) * p->H; }
static double py2(const plot *p, double v) { return p->T + p->H - ax_frac(&p->y2, v) * p->H; }

static void tick_label(char *buf, size_t n, const axis *a, double v)
{
    if (a->fmt == F_BYTES) {
        static const char *units[] = {"B", "kB", "MB", "GB", "TB", "PB"};
        int u = 0;
        while (fabs(v) >= 1000 && u < 5) {
            v /= 1000;
            u++;
        }
        snprintf(buf, n, "%.3g %s", v, units[u]);
    }
    else if (a->fmt == F_PCT) snprintf(buf, n, "%.6g%%", fabs(v) < 1e-12 ? 0 : v);
    else snprintf(buf, n, "%.6g", fabs(v) < 1e-12 ? 0 : v);
}

/* Tick values of an axis into v (at most 16); returns how many. */
static size_t ticks(const axis *a, double *v)
{
    size_t n = 0;
    if (a->log) {
        for (double d = a->lo; d <= a->hi * 1.0001 && n < 16; d *= 10) v[n++] = d;
    } else {
        double s = nice_step(a->hi - a->lo, 5);
        for (double d = ceil(a->lo / s - 1e-9) * s; d <= a->hi + s * 1e-6 && n < 16; d += s)
            v[n++] = fabs(d) < s * 1e-9 ? 0 : d;
    }
    return n;
}

/* Opens <svg class="chart" data-chart=name> with a plot area for w x h. */
static void plot_open(plot *p, FILE *f, const char *name, double w, double h, int has_y2, const char *aria)
{
    p->f = f;
    p->w = w;
    p->h = h;
    p->has_y2 = has_y2;
    p->L = 62;
    p->T = 12;
    p->W = w - p->L - (has_y2 ? 72 : 16);
    p->H = h - p->T - 42;
    fprintf(f, "<svg class=\"chart\" data-chart=\"%s\" viewBox=\"0 0 %.0f %.0f\" style=\"max-width:%.0fpx\" role=\"img\" "
               "aria-label=\"", name, w, h, w * 1.15);
    esc(f, aria);
    fputs("\">\n", f);
}

/* Grid, ticks and axis labels. xt/xl: custom x ticks (values, labels) or NULL. */
static void plot_axes(const plot *p, const char *xlabel, const char *ylabel, const char *y2label, const double *xt,
                      const char *const *xl, size_t nxt)
{
    FILE *f = p->f;
    double v[16];
    char b[64];
    size_t n = ticks(&p->y, v);
    fputs("<g class=\"axis\">", f);
    for (size_t i = 0; i < n; i++) {
        double y = py(p, v[i]);
        tick_label(b, sizeof b, &p->y, v[i]);
        fprintf(f, "<line class=\"gridl\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>", p->L, p->L + p->W, y, y);
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">", p->L - 5, y + 4);
        esc(f, b);
        fputs("</text>", f);
    }
    if (p->has_y2) {
        n = ticks(&p->y2, v);
        for (size_t i = 0; i < n; i++) {
            tick_label(b, sizeof b, &p->y2, v[i]);
            fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"start\">", p->L + p->W + 5, py2(p, v[i]) + 4);
            esc(f, b);
            fputs("</text>", f);
        }
    }
    if (xt) {
        for (size_t i = 0; i < nxt; i++) {
            double x = px(p, xt[i]);
            fprintf(f, "<line class=\"gridl\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>", x, x, p->T, p->T + p->H);
            fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", x, p->T + p->H + 14);
            esc(f, xl[i]);
            fputs("</text>", f);
        }
    } else {
        n = ticks(&p->x, v);
        for (size_t i = 0; i < n; i++) {
            double x = px(p, v[i]);
            tick_label(b, sizeof b, &p->x, v[i]);
            fprintf(f, "<line class=\"tick\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>", x, x, p->T + p->H,
                    p->T + p->H + 4);
            fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", x, p->T + p->H + 15);
            esc(f, b);
            fputs("</text>", f);
        }
    }
    fprintf(f, "<path class=\"frame\" d=\"M%.1f %.1fV%.1fH%.1f%s\"/>", p->L, p->T, p->T + p->H, p->L + p->W,
            p->has_y2 ? "V12" : "");
    fprintf(f, "<text class=\"alabel\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", p->L + p->W / 2, p->h - 6);
    esc(f, xlabel);
    fprintf(f, "</text><text class=\"alabel\" transform=\"translate(14 %.1f) rotate(-90)\" text-anchor=\"middle\">",
            p->T + p->H / 2);
    esc(f, ylabel);
    fputs("</text>", f);
    if (p->has_y2 && y2label) {
        fprintf(f, "<text class=\"alabel\" transform=\"translate(%.1f %.1f) rotate(90)\" text-anchor=\"middle\">",
                p->w - 6, p->T + p->H / 2);
        esc(f, y2label);
        fputs("</text>", f);
    }
    fputs("</g>\n", f);
}

static void plot_close(const plot *p) { fputs("</svg>\n", p->f); }

static void nodata(FILE *f, const char *name, const char *why)
{
    fprintf(f, "<p class=\"nodata\" data-nodata=\"%s\">No data for this chart", name);
    if (why && *why) {
        fputs(": ", f);
        esc(f, why);
    }
    fputs(".</p>\n", f);
}

static void fig_open(FILE *f, const char *caption, const char *status)
{
    fputs("<figure>\n<figcaption>", f);
    esc(f, caption);
    if (status && *status && strcmp(status, "ok") != 0) {
        fprintf(f, " <span class=\"badge %s\">", strcmp(status, "interrupted") == 0 ? "warn" : "bad");
        esc(f, status);
        fputs("</span>", f);
    }
    fputs("</figcaption>\n", f);
}

/* ---- context -------------------------------------------------------------------- */

typedef struct ctx {
    FILE *f;
    const json_t *suite;
    const json_t *runs;
    size_t nruns;
    json_t **series;       /* per run: an object holding registry_/client_timeseries, or NULL */
    json_t *cmp;           /* comparison object or NULL (owned) */
    int multi_reg;         /* more than one registry name among the runs */
    const char *regs[32];  /* registry names, in suite order: their colours */
    size_t nregs;
} ctx;

/* Line style of a series: colour by registry and dash by operation when
 * several registries ran, else colour by operation. ops/nops: the chart's
 * operations so far. */
static void series_style(ctx *c, const char *registry, const char *op, const char **ops, size_t *nops,
                         const char **col, const char **dash)
{
    size_t o = name_index(ops, nops, 32, op);
    if (c->multi_reg) {
        size_t r = name_index(c->regs, &c->nregs, 32, registry);
        *col = series_colour(r);
        *dash = DASHES[o % 4];
    } else {
        *col = series_colour(o);
        *dash = series_dash(o);
    }
}

/* "registry / scenario label rep N" */
static void run_title(const json_t *run, char *buf, size_t n, int with_rep)
{
    const char *label = rb_json_str(run, "label");
    int len = snprintf(buf, n, "%s · %s%s%s", rb_json_str(run, "registry"), rb_json_str(run, "scenario"), label[0] ? " " : "", label);
    if (with_rep && len > 0 && (size_t)len < n)
        snprintf(buf + len, n - (size_t)len, " · rep %lld", inum(run, "repetition"));
}

static double gmed(const rb_group *g, int which) { return rb_group_median(g, which); }

/* The distinct scenarios of gs in order into out (at most max); returns how many. */
static size_t scenarios_of(const rb_groups *gs, const char **out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < gs->n; i++) {
        int seen = 0;
        for (size_t k = 0; k < n; k++)
            if (!strcmp(out[k], gs->g[i].scenario)) seen = 1;
        if (!seen && n < max) out[n++] = gs->g[i].scenario;
    }
    return n;
}

/* ---- chart 1: throughput and ops/s over time, per run ------------------------------- */

/* Value of point i of phase ph as a rate per second (series key), with its time span. */
static double ts_rate(const json_t *ts, const char *key, size_t i, double step, double dur, double *len)
{
    double a = i * step, b = (i + 1) * step;
    if (dur > a && b > dur) b = dur;
    *len = b - a > 0 ? b - a : step;
    double v = arr_num(json_object_get(ts, key), i);
    return isfinite(v) ? v / *len : 0;
}

/* Phase bands, boundaries and labels on a time axis; offsets from phase durations. */
static void phase_bands(const plot *p, const json_t *phases, double t_start, double t_end)
{
    FILE *f = p->f;
    double t = t_start, last_label = -100;
    for (size_t i = 0; i < json_array_size(phases); i++) {
        const json_t *ph = json_array_get(phases, i);
        double d = rb_json_num(ph, "duration_s");
        if (!(d > 0)) d = 0;
        int incomplete = json_is_false(json_object_get(ph, "complete"));
        double x0 = px(p, t), x1 = px(p, t + d > t_end ? t_end : t + d);
        fprintf(f, "<rect class=\"band%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/>",
                incomplete ? " incomplete" : i % 2 ? " odd" : "", x0, p->T, x1 - x0 > 0 ? x1 - x0 : 0.5, p->H);
        fprintf(f, "<line class=\"boundary\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>", x0, x0, p->T, p->T + p->H);
        char key[256];
        rb_phase_key(phases, i, key, sizeof key);
        t += d;
        if (x0 - last_label < 13) continue; /* too close to the previous label: the band's title says it */
        last_label = x0;
        fprintf(f, "<text class=\"plabel\" transform=\"translate(%.1f %.1f) rotate(90)\">", x0 + 3, p->T + 3);
        esc(f, key);
        if (incomplete) fputs(" (incomplete)", f);
        fputs("</text>", f);
    }
    fputc('\n', f);
}

static void chart_throughput(const ctx *c, const json_t *run)
{
    FILE *f = c->f;
    const json_t *phases = json_object_get(run, "phases");
    char title[512];
    run_title(run, title, sizeof title, 1);
    fig_open(f, title, rb_json_str(run, "status"));
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
        nodata(f, "throughput", json_array_size(phases) ? "the phases have no time series" : "the run has no phases");
        fputs("</figure>\n", f);
        return;
    }
    plot p;
    plot_open(&p, f, "throughput", 560, 250, 1, title);
    p.x = lin_axis(0, total, F_NUM);
    p.x.hi = total; /* the time axis ends with the run */
    p.y = lin_axis(0, max_mb * 1.08, F_NUM);
    p.y2 = lin_axis(0, max_ops * 1.08, F_NUM);
    phase_bands(&p, phases, 0, total);
    plot_axes(&p, "time since the first phase started (s)", "throughput (MB/s)", "operations per second", NULL, NULL, 0);
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
                double y = s == 0 ? py(&p, v) : py2(&p, v);
                fprintf(f, "%s%.1f %.1fH%.1f", k ? "L" : "M", px(&p, a), y, px(&p, b));
            }
            fprintf(f, "\" stroke=\"%s\"%s><title>", s == 0 ? PALETTE[0] : PALETTE[3],
                    s == 0 ? "" : " stroke-dasharray=\"6 3\"");
            esc(f, key);
            if (s == 0) fprintf(f, ": %s MB&#47;s over the phase</title></path>\n", fnum(b1, sizeof b1, rb_json_num(ph, "throughput_MBps")));
            else fprintf(f, ": %s ops&#47;s over the phase</title></path>\n", fnum(b2, sizeof b2, rb_json_num(ph, "ops_per_s")));
        }
        t0 += d;
    }
    plot_close(&p);
    legend lg = {0};
    legend_add(&lg, PALETTE[0], "", 0, "throughput, MB/s (left axis)");
    legend_add(&lg, PALETTE[3], "6 3", 0, "operations per second (right axis)");
    legend_write(f, &lg);
    fputs("</figure>\n", f);
}

/* ---- chart 3: registry and client resources over time, per run ---------------------- */

static void chart_resources(const ctx *c, size_t ri)
{
    FILE *f = c->f;
    const json_t *run = json_array_get(c->runs, ri);
    const json_t *src = c->series[ri];
    const json_t *rs = json_object_get(src, "registry_timeseries"), *cs = json_object_get(src, "client_timeseries");
    const json_t *rt = json_object_get(rs, "t_s"), *ct = json_object_get(cs, "t_s");
    char title[512];
    run_title(run, title, sizeof title, 1);
    fig_open(f, title, rb_json_str(run, "status"));
    size_t nr = json_array_size(rt), nc = json_array_size(ct);
    if (nr == 0 && nc == 0) {
        nodata(f, "resources", src ? "no samples of the registry or of regbench were taken"
                                   : "the run's own results.json (with the time series) was not found");
        fputs("</figure>\n", f);
        return;
    }
    double tmax = 0, cpu_max = 0, rss_max = 0;
    for (size_t i = 0; i < nr; i++) {
        double t = arr_num(rt, i), cpu = arr_num(json_object_get(rs, "cpu_pct"), i),
               rss = arr_num(json_object_get(rs, "rss_bytes"), i);
        if (t > tmax) tmax = t;
        if (cpu > cpu_max) cpu_max = cpu;
        if (rss > rss_max) rss_max = rss;
    }
    for (size_t i = 0; i < nc; i++) {
        double t = arr_num(ct, i), cpu = arr_num(json_object_get(cs, "cpu_pct"), i);
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
    plot p;
    plot_open(&p, f, "resources", 560, 250, nr > 0, title);
    p.x = lin_axis(0, tmax, F_NUM);
    p.x.hi = tmax;
    p.y = lin_axis(0, cpu_max > 0 ? cpu_max * 1.08 : 100, F_PCT);
    p.y2 = lin_axis(0, rss_max > 0 ? rss_max * 1.08 : 1e6, F_BYTES);
    phase_bands(&p, phases, start, tmax);
    plot_axes(&p, "time since the run started (s); phase boundaries approximate", "CPU (100% = one core)",
              nr ? "registry RSS" : NULL, NULL, NULL, 0);
    legend lg = {0};
    struct { const json_t *t, *v; int right; const char *colour, *dash, *label; size_t n; } s[3] = {
        {rt, json_object_get(rs, "cpu_pct"), 0, PALETTE[3], "", "registry CPU % (left axis)", nr},
        {rt, json_object_get(rs, "rss_bytes"), 1, PALETTE[2], "2 2", "registry RSS (right axis)", nr},
        {ct, json_object_get(cs, "cpu_pct"), 0, PALETTE[0], "6 3", "regbench CPU % (left axis)", nc},
    };
    for (int k = 0; k < 3; k++) {
        if (s[k].n == 0) continue;
        fprintf(f, "<path class=\"mark\" stroke=\"%s\"%s%s%s d=\"", s[k].colour, s[k].dash[0] ? " stroke-dasharray=\"" : "",
                s[k].dash, s[k].dash[0] ? "\"" : "");
        int first = 1;
        for (size_t i = 0; i < s[k].n; i++) {
            double t = arr_num(s[k].t, i), v = arr_num(s[k].v, i);
            if (!isfinite(t) || !isfinite(v)) continue;
            fprintf(f, "%s%.1f %.1f", first ? "M" : "L", px(&p, t), s[k].right ? py2(&p, v) : py(&p, v));
            first = 0;
        }
        if (s[k].n == 1) fputs("h2", f); /* one sample: a visible dot */
        fputs("\"><title>", f);
        esc(f, s[k].label);
        fputs("</title></path>\n", f);
        legend_add(&lg, s[k].colour, s[k].dash, 0, s[k].label);
    }
    plot_close(&p);
    legend_write(f, &lg);
    fputs("</figure>\n", f);
}

/* ---- chart 2: latency percentile spectrum --------------------------------------------- */

static const double SPEC_X[6] = {2, 10, 20, 100, 1000, 10000};
static const char *const SPEC_L[6] = {"p50", "p90", "p95", "p99", "p99.9", "max"};
static const int SPEC_V[6] = {RB_G_P50, RB_G_P90, RB_G_P95, RB_G_P99, RB_G_P999, RB_G_MAX};

/* Splits a phase key at its first '/': base and size class (after the '/', or ""). */
static void split_phase(const char *key, char *base, size_t bn, const char **cls)
{
    const char *sl = strchr(key, '/');
    size_t n = sl ? (size_t)(sl - key) : strlen(key);
    if (n >= bn) n = bn - 1;
    memcpy(base, key, n);
    base[n] = '\0';
    *cls = sl ? sl + 1 : "";
}

static void class_of(const rb_group *g, char *buf, size_t n)
{
    char base[256];
    const char *cls;
    split_phase(g->phase, base, sizeof base, &cls);
    snprintf(buf, n, "%s%s%s", g->label, g->label[0] && cls[0] ? " " : "", cls);
}

static void chart_latency(ctx *c, const rb_groups *gs)
{
    FILE *f = c->f;
    const char *scn[256];
    size_t nscn = scenarios_of(gs, scn, 256), drawn = 0;
    for (size_t si = 0; si < nscn; si++) {
        /* size classes of this scenario, in order */
        char classes[32][256];
        size_t ncls = 0;
        for (size_t i = 0; i < gs->n; i++) {
            const rb_group *g = &gs->g[i];
            if (strcmp(g->scenario, scn[si]) != 0 || !(g->ops > 0)) continue;
            char cl[256];
            class_of(g, cl, sizeof cl);
            int seen = 0;
            for (size_t k = 0; k < ncls; k++)
                if (!strcmp(classes[k], cl)) seen = 1;
            if (!seen && ncls < 32) snprintf(classes[ncls++], sizeof classes[0], "%s", cl);
        }
        if (ncls == 0) continue;
        fputs("<h3>Scenario ", f);
        esc(f, scn[si]);
        fputs("</h3>\n<div class=\"grid\">\n", f);
        for (size_t ci = 0; ci < ncls; ci++) {
            double lo = INFINITY, hi = 0;
            for (size_t i = 0; i < gs->n; i++) {
                const rb_group *g = &gs->g[i];
                char cl[256];
                class_of(g, cl, sizeof cl);
                if (strcmp(g->scenario, scn[si]) != 0 || !(g->ops > 0) || strcmp(cl, classes[ci]) != 0) continue;
                for (int k = 0; k < 6; k++) {
                    double v = gmed(g, SPEC_V[k]);
                    if (v > 0 && v < lo) lo = v;
                    if (v > hi) hi = v;
                }
            }
            char cap[512];
            snprintf(cap, sizeof cap, "%s%s%s", scn[si], classes[ci][0] ? " · " : "", classes[ci]);
            fig_open(f, cap, NULL);
            if (!(hi > 0)) {
                nodata(f, "latency", "every latency is 0");
                fputs("</figure>\n", f);
                continue;
            }
            if (!isfinite(lo)) lo = hi;
            plot p;
            plot_open(&p, f, "latency", 560, 250, 0, cap);
            p.x = (axis){1.4, 14000, 1, F_NUM};
            p.y = log_axis(lo, hi, F_NUM);
            plot_axes(&p, "percentile (log scale of 1/(1-p))", "latency (ms, log scale)", NULL, SPEC_X, SPEC_L, 6);
            legend lg = {0};
            const char *ops[32];
            size_t nops = 0;
            for (size_t i = 0; i < gs->n; i++) {
                const rb_group *g = &gs->g[i];
                char cl[256], base[256], lab[400];
                const char *cls;
                class_of(g, cl, sizeof cl);
                if (strcmp(g->scenario, scn[si]) != 0 || !(g->ops > 0) || strcmp(cl, classes[ci]) != 0) continue;
                split_phase(g->phase, base, sizeof base, &cls);
                snprintf(lab, sizeof lab, "%s%s%s%s", c->multi_reg ? g->registry : "", c->multi_reg ? " · " : "", base,
                         g->incomplete ? " (incomplete)" : "");
                const char *col, *dash;
                series_style(c, g->registry, base, ops, &nops, &col, &dash);
                fprintf(f, "<path class=\"mark\" stroke=\"%s\"%s%s%s d=\"", col, dash[0] ? " stroke-dasharray=\"" : "",
                        dash, dash[0] ? "\"" : "");
                for (int k = 0; k < 6; k++) fprintf(f, "%s%.1f %.1f", k ? "L" : "M", px(&p, SPEC_X[k]), py(&p, gmed(g, SPEC_V[k])));
                fputs("\"><title>", f);
                esc(f, lab);
                fputs("</title></path>\n", f);
                for (int k = 0; k < 6; k++) {
                    char b[32];
                    fprintf(f, "<circle class=\"mark\" cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"><title>", px(&p, SPEC_X[k]),
                            py(&p, gmed(g, SPEC_V[k])), col);
                    esc(f, lab);
                    fprintf(f, " %s: %s ms</title></circle>", SPEC_L[k], fnum(b, sizeof b, gmed(g, SPEC_V[k])));
                }
                fputc('\n', f);
                legend_add(&lg, col, dash, 0, lab);
            }
            plot_close(&p);
            legend_write(f, &lg);
            fputs("</figure>\n", f);
            drawn++;
        }
        fputs("</div>\n", f);
    }
    if (drawn == 0) nodata(f, "latency", "no phase has operations");
}

/* ---- chart 4: scaling curve ------------------------------------------------------------ */

typedef struct spoint {
    const char *registry, *label;
    char op[128];
    double vus, mbps, ops, p99;
} spoint;

/* Parses "op/vus=N" (the vus part anywhere among the '/' parts): op and N. */
static int parse_vus(const char *key, char *op, size_t n, double *vus)
{
    const char *v = strstr(key, "vus=");
    if (!v || (v != key && v[-1] != '/' && v[-1] != ',')) return -1;
    char *end;
    long x = strtol(v + 4, &end, 10);
    if (end == v + 4 || (*end && *end != '/' && *end != ',') || x <= 0) return -1;
    size_t pre = (size_t)(v - key);
    if (pre > 0) pre--; /* the separator */
    snprintf(op, n, "%.*s%s%s", (int)pre, key, pre && *end ? "/" : "", *end ? end + 1 : "");
    if (!op[0]) snprintf(op, n, "ops");
    *vus = (double)x;
    return 0;
}

static int cmp_sp(const void *a, const void *b)
{
    const spoint *x = a, *y = b;
    int r = strcmp(x->registry, y->registry);
    if (!r) r = strcmp(x->label, y->label);
    if (!r) r = strcmp(x->op, y->op);
    if (!r) r = x->vus < y->vus ? -1 : x->vus > y->vus;
    return r;
}

/* Points of a scenario from its "op/vus=N" phases, else from throughput_MBps{vus=N} gauges. */
static size_t scaling_points(const ctx *c, const rb_groups *gs, const char *scn, spoint *pts, size_t max, int *from_gauges)
{
    size_t n = 0;
    *from_gauges = 0;
    for (size_t i = 0; i < gs->n && n < max; i++) {
        const rb_group *g = &gs->g[i];
        if (strcmp(g->scenario, scn) != 0 || !(g->ops > 0)) continue;
        spoint *sp = &pts[n];
        if (parse_vus(g->phase, sp->op, sizeof sp->op, &sp->vus) != 0) continue;
        sp->registry = g->registry;
        sp->label = g->label;
        sp->mbps = gmed(g, RB_G_MBPS);
        sp->ops = gmed(g, RB_G_OPS);
        sp->p99 = gmed(g, RB_G_P99);
        n++;
    }
    if (n == 0) {
        for (size_t ri = 0; ri < c->nruns && n < max; ri++) {
            const json_t *run = json_array_get(c->runs, ri), *m;
            if (strcmp(rb_json_str(run, "scenario"), scn) != 0) continue;
            const char *k;
            json_object_foreach((json_t *)json_object_get(run, "metrics"), k, m) {
                if (strcmp(rb_json_str(m, "name"), "throughput_MBps") != 0 || n == max) continue;
                spoint *sp = &pts[n];
                char tags[256], *save = NULL, op[128] = "";
                double vus = 0;
                snprintf(tags, sizeof tags, "%s", rb_json_str(m, "tags"));
                for (char *t = strtok_r(tags, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
                    if (!strncmp(t, "vus=", 4)) vus = atof(t + 4);
                    else if (!strncmp(t, "op=", 3)) snprintf(op, sizeof op, "%s", t + 3);
                }
                if (!(vus > 0)) continue;
                /* repetitions: keep the first value of a (registry, label, op, vus) */
                int dup = 0;
                for (size_t q = 0; q < n; q++)
                    if (!strcmp(pts[q].registry, rb_json_str(run, "registry")) && !strcmp(pts[q].label, rb_json_str(run, "label")) &&
                        !strcmp(pts[q].op, op[0] ? op : "ops") && pts[q].vus == vus) dup = 1;
                if (dup) continue;
                sp->registry = rb_json_str(run, "registry");
                sp->label = rb_json_str(run, "label");
                snprintf(sp->op, sizeof sp->op, "%s", op[0] ? op : "ops");
                sp->vus = vus;
                sp->mbps = rb_json_num(m, "value");
                sp->ops = NAN;
                sp->p99 = NAN;
                n++;
            }
        }
        *from_gauges = n > 0;
    }
    qsort(pts, n, sizeof *pts, cmp_sp);
    return n;
}

static void chart_scaling(ctx *c, const rb_groups *gs)
{
    FILE *f = c->f;
    const char *scn[256];
    size_t nscn = scenarios_of(gs, scn, 256), drawn = 0;
    /* scenarios with only gauges (no vus phases with ops) are not in gs: add run scenarios too */
    for (size_t ri = 0; ri < c->nruns && nscn < 256; ri++) {
        const char *s = rb_json_str(json_array_get(c->runs, ri), "scenario");
        int seen = 0;
        for (size_t k = 0; k < nscn; k++)
            if (!strcmp(scn[k], s)) seen = 1;
        if (!seen) scn[nscn++] = s;
    }
    spoint *pts = rb_calloc(1024, sizeof *pts);
    for (size_t si = 0; si < nscn; si++) {
        int gauges;
        size_t n = scaling_points(c, gs, scn[si], pts, 1024, &gauges);
        if (n == 0) continue;
        double vlo = INFINITY, vhi = 0, ymax = 0, pmax = 0;
        int use_ops = 1;
        for (size_t i = 0; i < n; i++)
            if (pts[i].mbps > 0) use_ops = 0;
        double xt[16];
        const char *xl[16];
        char xlb[16][16];
        size_t nxt = 0;
        for (size_t i = 0; i < n; i++) {
            double y = use_ops ? pts[i].ops : pts[i].mbps;
            if (pts[i].vus < vlo) vlo = pts[i].vus;
            if (pts[i].vus > vhi) vhi = pts[i].vus;
            if (y > ymax) ymax = y;
            if (pts[i].p99 > pmax) pmax = pts[i].p99;
            int seen = 0;
            for (size_t k = 0; k < nxt; k++)
                if (xt[k] == pts[i].vus) seen = 1;
            if (!seen && nxt < 16) {
                xt[nxt] = pts[i].vus;
                snprintf(xlb[nxt], sizeof xlb[0], "%.0f", pts[i].vus);
                xl[nxt] = xlb[nxt];
                nxt++;
            }
        }
        fputs("<h3>Scenario ", f);
        esc(f, scn[si]);
        fputs("</h3>\n<div class=\"grid\">\n", f);
        for (int which = 0; which < 2; which++) {
            if (which == 1 && !(pmax > 0)) continue;
            char cap[400];
            snprintf(cap, sizeof cap, "%s: %s against concurrency", scn[si],
                     which ? "p99 latency" : use_ops ? "operations per second" : "throughput");
            fig_open(f, cap, NULL);
            plot p;
            plot_open(&p, f, "scaling", 560, 250, 0, cap);
            p.x = (axis){vlo / 1.4, vhi * 1.4, 1, F_NUM};
            p.y = lin_axis(0, (which ? pmax : ymax) * 1.08, F_NUM);
            plot_axes(&p, "concurrent virtual users (log scale)",
                      which ? "p99 latency (ms)" : use_ops ? "operations per second" : "throughput (MB/s)", NULL, xt, xl, nxt);
            legend lg = {0};
            const char *ops[32];
            size_t nops = 0;
            for (size_t i = 0; i < n;) {
                size_t j = i;
                while (j < n && !strcmp(pts[j].registry, pts[i].registry) && !strcmp(pts[j].label, pts[i].label) &&
                       !strcmp(pts[j].op, pts[i].op)) j++;
                char lab[400];
                snprintf(lab, sizeof lab, "%s%s%s%s%s", c->multi_reg ? pts[i].registry : "", c->multi_reg ? " · " : "",
                         pts[i].op, pts[i].label[0] ? " " : "", pts[i].label);
                const char *col, *dash;
                series_style(c, pts[i].registry, pts[i].op, ops, &nops, &col, &dash);
                fprintf(f, "<path class=\"mark\" stroke=\"%s\"%s%s%s d=\"", col, dash[0] ? " stroke-dasharray=\"" : "",
                        dash, dash[0] ? "\"" : "");
                int first = 1;
                for (size_t k = i; k < j; k++) {
                    double y = which ? pts[k].p99 : use_ops ? pts[k].ops : pts[k].mbps;
                    if (!isfinite(y)) continue;
                    fprintf(f, "%s%.1f %.1f", first ? "M" : "L", px(&p, pts[k].vus), py(&p, y));
                    first = 0;
                }
                if (j - i == 1) fputs("h1", f);
                fputs("\"><title>", f);
                esc(f, lab);
                fputs("</title></path>", f);
                for (size_t k = i; k < j; k++) {
                    double y = which ? pts[k].p99 : use_ops ? pts[k].ops : pts[k].mbps;
                    char b[32];
                    if (!isfinite(y)) continue;
                    fprintf(f, "<circle class=\"mark\" cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\"><title>", px(&p, pts[k].vus),
                            py(&p, y), col);
                    esc(f, lab);
                    fprintf(f, ", %.0f VUs: %s %s</title></circle>", pts[k].vus, fnum(b, sizeof b, y),
                            which ? "ms" : use_ops ? "ops&#47;s" : "MB&#47;s");
                }
                fputc('\n', f);
                legend_add(&lg, col, dash, 0, lab);
                i = j;
            }
            plot_close(&p);
            legend_write(f, &lg);
            if (gauges) fputs("<p class=\"note\">From the scenario's throughput_MBps gauges.</p>", f);
            fputs("</figure>\n", f);
            drawn++;
        }
        fputs("</div>\n", f);
    }
    free(pts);
    if (drawn == 0)
        nodata(f, "scaling", "no phase is named like push/vus=N and no throughput_MBps{vus=N} gauge was recorded");
}

/* ---- chart 5: dedup ---------------------------------------------------------------------- */

enum { D_LOGICAL, D_SENT, D_STORED, D_RSS, ND };
static const char *const D_NAME[ND] = {"logical size of the images", "bytes uploaded", "stored (storage growth)",
                                       "registry RSS at phase end"};

typedef struct dgroup {
    const char *registry, *label, *phase;
    double v[ND][RB_G_MAXREP];
    size_t n;
} dgroup;

/* Value of gauge `name{phase=PHASE}` in a run's metrics, or NaN. */
static double phase_gauge(const json_t *run, const char *name, const char *phase)
{
    const char *k;
    const json_t *m;
    json_object_foreach((json_t *)json_object_get(run, "metrics"), k, m) {
        if (strcmp(rb_json_str(m, "name"), name) != 0) continue;
        const char *t = rb_json_str(m, "tags"), *p = strstr(t, "phase=");
        if (!p || (p != t && p[-1] != ',')) continue;
        p += 6;
        size_t len = strcspn(p, ",");
        if (len == strlen(phase) && !strncmp(p, phase, len)) return rb_json_num(m, "value");
    }
    return NAN;
}

static int run_has_metric(const json_t *run, const char *name)
{
    const char *k;
    const json_t *m;
    json_object_foreach((json_t *)json_object_get(run, "metrics"), k, m)
        if (!strcmp(rb_json_str(m, "name"), name)) return 1;
    return 0;
}

static void chart_dedup(const ctx *c)
{
    FILE *f = c->f;
    const char *done[64];
    size_t ndone = 0, drawn = 0;
    for (size_t r0 = 0; r0 < c->nruns; r0++) {
        const json_t *run0 = json_array_get(c->runs, r0);
        const char *scn = rb_json_str(run0, "scenario");
        if (!run_has_metric(run0, "logical_bytes")) continue;
        int seen = 0;
        for (size_t k = 0; k < ndone; k++)
            if (!strcmp(done[k], scn)) seen = 1;
        if (seen || ndone == 64) continue;
        done[ndone++] = scn;
        dgroup *dg = rb_calloc(256, sizeof *dg);
        size_t ng = 0;
        int have[ND] = {0};
        for (size_t ri = 0; ri < c->nruns; ri++) {
            const json_t *run = json_array_get(c->runs, ri);
            if (strcmp(rb_json_str(run, "scenario"), scn) != 0) continue;
            const json_t *phases = json_object_get(run, "phases");
            double prev_storage = 0;
            for (size_t pi = 0; pi < json_array_size(phases); pi++) {
                const json_t *ph = json_array_get(phases, pi), *reg = json_object_get(ph, "registry");
                const char *name = rb_json_str(ph, "name");
                double sent = phase_gauge(run, "sent_bytes", name), storage = rb_json_num(reg, "storage_bytes");
                double v[ND] = {phase_gauge(run, "logical_bytes", name), isfinite(sent) ? sent : rb_json_num(ph, "bytes"),
                                isfinite(storage) ? storage - prev_storage : NAN, rb_json_num(reg, "rss_end_bytes")};
                if (isfinite(storage)) prev_storage = storage;
                if (!(rb_json_num(ph, "ops") > 0)) continue;
                dgroup *g = NULL;
                for (size_t k = 0; k < ng; k++)
                    if (!strcmp(dg[k].registry, rb_json_str(run, "registry")) && !strcmp(dg[k].label, rb_json_str(run, "label")) &&
                        !strcmp(dg[k].phase, name)) g = &dg[k];
                if (!g) {
                    if (ng == 256) continue;
                    g = &dg[ng++];
                    g->registry = rb_json_str(run, "registry");
                    g->label = rb_json_str(run, "label");
                    g->phase = name;
                }
                if (g->n == RB_G_MAXREP) continue;
                for (int k = 0; k < ND; k++) {
                    g->v[k][g->n] = v[k];
                    if (isfinite(v[k])) have[k] = 1;
                }
                g->n++;
            }
        }
        double ymax = 0, rmax = 0;
        for (size_t k = 0; k < ng; k++) {
            for (int s = 0; s < D_RSS; s++) {
                double m = rb_median(dg[k].v[s], dg[k].n);
                if (m > ymax) ymax = m;
            }
            double r = rb_median(dg[k].v[D_RSS], dg[k].n);
            if (r > rmax) rmax = r;
        }
        char cap[300];
        snprintf(cap, sizeof cap, "%s: bytes pushed against bytes stored, per phase", scn);
        fig_open(f, cap, NULL);
        if (ng == 0 || !(ymax > 0)) {
            nodata(f, "dedup", "no phase moved bytes");
            fputs("</figure>\n", f);
            free(dg);
            continue;
        }
        int nbars = have[D_LOGICAL] + have[D_SENT] + have[D_STORED];
        double w = 62 + 62 + 96.0 * (double)ng;
        if (w < 560) w = 560;
        plot p;
        plot_open(&p, f, "dedup", w, 280, have[D_RSS], cap);
        p.H -= 16; /* room for two-line group labels */
        p.x = (axis){0, (double)ng, 0, F_NUM};
        p.y = lin_axis(0, ymax * 1.08, F_BYTES);
        p.y2 = lin_axis(0, rmax > 0 ? rmax * 1.08 : 1e6, F_BYTES);
        double gw = p.W / (double)ng;
        double none[1] = {0};
        const char *nol[1] = {NULL};
        plot_axes(&p, "", "bytes (bars)", "registry RSS at phase end (dots)", none, nol, 0);
        const char *bar_col[ND] = {PALETTE[5], PALETTE[0], PALETTE[1], PALETTE[3]};
        for (size_t k = 0; k < ng; k++) {
            double bw = (gw - 16) / (nbars ? nbars : 1), x = p.L + gw * (double)k + 8;
            char b[32];
            for (int s = 0; s < D_RSS; s++) {
                if (!have[s]) continue;
                double m = rb_median(dg[k].v[s], dg[k].n);
                if (isfinite(m)) {
                    double y = py(&p, m > 0 ? m : 0);
                    fprintf(f, "<rect class=\"mark\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>",
                            x, y, bw - 1, p.T + p.H - y, bar_col[s]);
                    esc(f, dg[k].phase);
                    fprintf(f, ": %s %s</title></rect>", D_NAME[s], fbytes(b, sizeof b, m));
                }
                x += bw;
            }
            double cx = p.L + gw * ((double)k + 0.5), r = rb_median(dg[k].v[D_RSS], dg[k].n);
            if (isfinite(r)) {
                fprintf(f, "<circle class=\"mark\" cx=\"%.1f\" cy=\"%.1f\" r=\"4.5\" fill=\"%s\" stroke=\"#fff\"><title>",
                        cx, py2(&p, r), bar_col[D_RSS]);
                esc(f, dg[k].phase);
                fprintf(f, ": %s %s</title></circle>", D_NAME[D_RSS], fbytes(b, sizeof b, r));
            }
            fprintf(f, "<line class=\"boundary\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>", p.L + gw * (double)k,
                    p.L + gw * (double)k, p.T, p.T + p.H);
            fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", cx, p.T + p.H + 14);
            esc(f, dg[k].phase);
            fprintf(f, "</text><text class=\"sub\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", cx, p.T + p.H + 27);
            esc(f, dg[k].registry);
            if (dg[k].label[0]) {
                fputc(' ', f);
                esc(f, dg[k].label);
            }
            fputs("</text>\n", f);
        }
        plot_close(&p);
        legend lg = {0};
        for (int s = 0; s < D_RSS; s++)
            if (have[s]) legend_add(&lg, bar_col[s], "", 1, D_NAME[s]);
        if (have[D_RSS]) legend_add(&lg, bar_col[D_RSS], "", 1, "registry RSS at phase end (dot, right axis)");
        legend_write(f, &lg);
        fputs("<p class=\"note\">Stored: growth of the registry's storage directory during the phase (disk storage "
              "only); a memory registry keeps blobs in its RSS. Medians over repetitions.</p>\n</figure>\n", f);
        free(dg);
        drawn++;
    }
    if (drawn == 0) nodata(f, "dedup", "no scenario recorded logical_bytes gauges");
}

/* ---- chart 6: against the baseline ---------------------------------------------------------- */

/* 0 regression, 1 significant improvement, 2 significant, within the threshold, 3 not significant. */
static int row_class(const json_t *r)
{
    if (json_is_true(json_object_get(r, "regression"))) return 0;
    double ch = rb_json_num(r, "change_pct");
    int higher = strcmp(rb_json_str(r, "better"), "lower") != 0;
    int better = higher ? ch > 0 : ch < 0;
    if (json_is_true(json_object_get(r, "significant"))) return better ? 1 : 2;
    if (!json_is_number(json_object_get(r, "p_value")) && better) return 1; /* untested, in the right direction */
    return 3;
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

static const char *const CLASS_COL[4] = {"#D55E00", "#009E73", "#E69F00", "#999999"};
static const char *const CLASS_NAME[4] = {"regression", "improvement", "worse, within the threshold", "no significant change"};

static void chart_comparison(const ctx *c)
{
    FILE *f = c->f;
    const json_t *rows = json_object_get(c->cmp, "rows");
    size_t n = json_array_size(rows);
    size_t *sel = rb_calloc(n ? n : 1, sizeof *sel), ns = 0;
    /* at most 80 rows: regressions, then significant, then the largest changes */
    for (int pass = 0; pass < 3 && ns < 80; pass++) {
        for (size_t i = 0; i < n && ns < 80; i++) {
            const json_t *r = json_array_get(rows, i);
            if (!json_is_number(json_object_get(r, "change_pct"))) continue;
            int reg = json_is_true(json_object_get(r, "regression")), sig = json_is_true(json_object_get(r, "significant"));
            if ((pass == 0 && reg) || (pass == 1 && !reg && sig) || (pass == 2 && !reg && !sig)) sel[ns++] = i;
        }
    }
    fig_open(f, "Change against the baseline, per phase and metric", NULL);
    if (ns == 0) {
        nodata(f, "comparison", n ? "no row has a change" : "no phase matched between the baseline and these results");
        fputs("</figure>\n", f);
        free(sel);
        return;
    }
    /* keep the comparison's order among the selected rows */
    qsort(sel, ns, sizeof *sel, cmp_size);
    double lo = 0, hi = 0, th = rb_json_num(c->cmp, "threshold_pct");
    for (size_t i = 0; i < ns; i++) {
        double ch = rb_json_num(json_array_get(rows, sel[i]), "change_pct");
        if (ch < lo) lo = ch;
        if (ch > hi) hi = ch;
    }
    if (isfinite(th)) {
        if (-th < lo) lo = -th;
        if (th > hi) hi = th;
    }
    if (lo < -100) lo = -100;
    if (hi > 300) hi = 300;
    double rowh = 15, w = 860, h = 12 + rowh * (double)ns + 42;
    plot p;
    plot_open(&p, f, "comparison", w, h, 0, "change against the baseline");
    p.L = 400;
    p.W = w - p.L - 70;
    p.x = lin_axis(lo * 1.05, hi * 1.05, F_PCT);
    p.y = (axis){0, (double)ns, 0, F_NUM};
    /* x grid only */
    double v[16];
    size_t nt = ticks(&p.x, v);
    fputs("<g class=\"axis\">", f);
    for (size_t i = 0; i < nt; i++) {
        char b[32];
        tick_label(b, sizeof b, &p.x, v[i]);
        fprintf(f, "<line class=\"gridl\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/><text x=\"%.1f\" y=\"%.1f\" "
                   "text-anchor=\"middle\">%s</text>",
                px(&p, v[i]), px(&p, v[i]), p.T, p.T + p.H, px(&p, v[i]), p.T + p.H + 14, b);
    }
    if (isfinite(th) && th > 0)
        for (int s = -1; s <= 1; s += 2)
            fprintf(f, "<line class=\"thresh\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>", px(&p, s * th),
                    px(&p, s * th), p.T, p.T + p.H);
    fprintf(f, "<line class=\"zero\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>", px(&p, 0), px(&p, 0), p.T, p.T + p.H);
    fprintf(f, "<text class=\"alabel\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">change of the median (%%); dashed: "
               "the threshold</text></g>\n",
            p.L + p.W / 2, h - 6);
    int used[4] = {0}, untested_used = 0;
    for (size_t i = 0; i < ns; i++) {
        const json_t *r = json_array_get(rows, sel[i]);
        double ch = rb_json_num(r, "change_pct"), y = p.T + rowh * (double)i;
        int cl = row_class(r), untested = !json_is_number(json_object_get(r, "p_value"));
        used[cl] = 1;
        if (untested) untested_used = 1;
        double x0 = px(&p, 0), x1 = px(&p, ch);
        char b[32], pv[48];
        char lab[600], shown[600];
        snprintf(lab, sizeof lab, "%s%s%s%s%s · %s %s", rb_json_str(r, "scenario"), rb_json_str(r, "label")[0] ? " " : "", rb_json_str(r, "label"),
                 c->multi_reg ? " · " : "", c->multi_reg ? rb_json_str(r, "registry") : "", rb_json_str(r, "phase"), rb_json_str(r, "metric"));
        /* long names keep their end (phase and metric) */
        size_t len = strlen(lab), k = len > 64 ? len - 62 : 0;
        while (k > 0 && k < len && ((unsigned char)lab[k] & 0xC0) == 0x80) k++;
        snprintf(shown, sizeof shown, "%s%s", k ? "…" : "", lab + k);
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\"><title>", p.L - 6, y + rowh - 4);
        esc(f, lab);
        fputs("</title>", f);
        esc(f, shown);
        fputs("</text>", f);
        if (untested) snprintf(pv, sizeof pv, "untested");
        else snprintf(pv, sizeof pv, "p=%.3g", rb_json_num(r, "p_value"));
        fprintf(f, "<rect class=\"mark%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\" stroke=\"%s\">"
                   "<title>",
                untested ? " untested" : "", x1 < x0 ? x1 : x0, y + 2, fabs(x1 - x0) > 1 ? fabs(x1 - x0) : 1, rowh - 4,
                untested ? "url(#rb-hatch)" : CLASS_COL[cl], CLASS_COL[cl]);
        esc(f, rb_json_str(r, "phase"));
        fprintf(f, " %s: %+.1f%% (%s), %s</title></rect>", rb_json_str(r, "metric"), ch, pv, CLASS_NAME[cl]);
        fprintf(f, "<text class=\"val\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">%s%%%s</text>\n",
                ch < 0 ? (x1 < x0 ? x1 : x0) - 4 : (x1 > x0 ? x1 : x0) + 4, y + rowh - 4, ch < 0 ? "end" : "start",
                (snprintf(b, sizeof b, "%+.1f", ch), b), cl == 0 ? " ✖" : "");
    }
    plot_close(&p);
    legend lg = {0};
    for (int k = 0; k < 4; k++)
        if (used[k]) legend_add(&lg, CLASS_COL[k], "", 1, CLASS_NAME[k]);
    if (untested_used) legend_add(&lg, "#555555", "", 2, "untested (fewer than 4 repetitions a side)");
    legend_write(f, &lg);
    fprintf(f, "<p class=\"note\">Threshold %.1f%%, alpha %.2f; regressions: %lld. Bars are the change of the new "
               "median against the baseline median.</p>\n",
            th, rb_json_num(c->cmp, "alpha"), inum(c->cmp, "regressions"));
    if (ns < n) fprintf(f, "<p class=\"note\">%zu of %zu rows shown (regressions, significant changes, then the rest).</p>\n", ns, n);
    fputs("</figure>\n", f);
    free(sel);
}

/* ---- tables ------------------------------------------------------------------------------ */

static void td_num(FILE *f, const char *s)
{
    fputs("<td class=\"n\">", f);
    esc(f, s);
    fputs("</td>", f);
}

static void td_text(FILE *f, const char *s)
{
    fputs("<td>", f);
    esc(f, s);
    fputs("</td>", f);
}

/* "phase" or "phase (label)" for sentences, escaped. */
static void where(FILE *f, const rb_group *g)
{
    esc(f, g->phase);
    if (g->label[0]) {
        fputs(" (", f);
        esc(f, g->label);
        fputc(')', f);
    }
    fputs(" on ", f);
    esc(f, g->registry);
}

/* Per-run metric rows of a scenario (name), as summary.md has them. */
static int metric_table(const ctx *c, const char *scn, const char *name, const char *title, int bytes)
{
    FILE *f = c->f;
    int header = 0;
    for (size_t ri = 0; ri < c->nruns; ri++) {
        const json_t *run = json_array_get(c->runs, ri), *m;
        if (strcmp(rb_json_str(run, "scenario"), scn) != 0) continue;
        const char *k;
        json_object_foreach((json_t *)json_object_get(run, "metrics"), k, m) {
            if (strcmp(rb_json_str(m, "name"), name) != 0) continue;
            if (!header) {
                fputs("<table class=\"metric\"><caption>", f);
                esc(f, title);
                fputs("</caption><tr><th>registry</th><th>label</th><th>rep</th><th>tags</th><th>value</th></tr>\n", f);
                header = 1;
            }
            double v = rb_json_num(m, "value");
            if (!isfinite(v)) v = rb_json_num(m, "mean");
            char b[64], rep[24];
            snprintf(rep, sizeof rep, "%lld", inum(run, "repetition"));
            fputs("<tr>", f);
            td_text(f, rb_json_str(run, "registry"));
            td_text(f, rb_json_str(run, "label"));
            td_num(f, rep);
            td_text(f, rb_json_str(m, "tags"));
            td_num(f, bytes ? fbytes(b, sizeof b, v) : fnum(b, sizeof b, v));
            fputs("</tr>\n", f);
        }
    }
    if (header) fputs("</table>\n", f);
    return header;
}

/* Open-model arrivals (iterations, dropped, late) of a scenario's phases. */
static int arrivals_table(const ctx *c, const char *scn)
{
    FILE *f = c->f;
    int header = 0;
    for (size_t ri = 0; ri < c->nruns; ri++) {
        const json_t *run = json_array_get(c->runs, ri);
        if (strcmp(rb_json_str(run, "scenario"), scn) != 0) continue;
        size_t pi;
        const json_t *ph;
        json_array_foreach(json_object_get(run, "phases"), pi, ph) {
            const json_t *cn = json_object_get(ph, "counters");
            if (!json_object_get(cn, "iterations")) continue;
            if (!header) {
                fputs("<table class=\"metric\"><caption>Open-model arrivals</caption><tr><th>registry</th><th>label</th>"
                      "<th>rep</th><th>phase</th><th>iterations</th><th>dropped</th><th>late</th></tr>\n", f);
                header = 1;
            }
            char b[3][32], rep[24];
            snprintf(rep, sizeof rep, "%lld", inum(run, "repetition"));
            snprintf(b[0], sizeof b[0], "%lld", inum(cn, "iterations"));
            snprintf(b[1], sizeof b[1], "%lld", inum(cn, "dropped_iterations"));
            snprintf(b[2], sizeof b[2], "%lld", inum(cn, "late_iterations"));
            fputs("<tr>", f);
            td_text(f, rb_json_str(run, "registry"));
            td_text(f, rb_json_str(run, "label"));
            td_num(f, rep);
            td_text(f, rb_json_str(ph, "name"));
            for (int k = 0; k < 3; k++) td_num(f, b[k]);
            fputs("</tr>\n", f);
        }
    }
    if (header) fputs("</table>\n", f);
    return header;
}

static void summary_tables(const ctx *c, const rb_groups *gs)
{
    FILE *f = c->f;
    const char *scn[256];
    size_t nscn = scenarios_of(gs, scn, 256);
    if (nscn == 0) fputs("<p class=\"nodata\">No phase has operations.</p>\n", f);
    for (size_t si = 0; si < nscn; si++) {
        fputs("<h3>Scenario ", f);
        esc(f, scn[si]);
        fputs("</h3>\n<table class=\"summary\"><tr><th>registry</th><th>label</th><th>phase</th><th>reps</th><th>ops</th>"
              "<th>errors</th><th>MB/s</th><th>ops/s</th><th>p50 ms</th><th>p99 ms</th></tr>\n", f);
        const rb_group *best = NULL, *worst = NULL, *outlier = NULL;
        double best_v = -1, worst_v = INFINITY, worst_ratio = 0, errors = 0;
        for (size_t i = 0; i < gs->n; i++) {
            const rb_group *g = &gs->g[i];
            if (strcmp(g->scenario, scn[si]) != 0) continue;
            double mb = gmed(g, RB_G_MBPS), os = gmed(g, RB_G_OPS), p50 = gmed(g, RB_G_P50), p99 = gmed(g, RB_G_P99);
            char b[8][40];
            snprintf(b[0], sizeof b[0], "%zu", g->n);
            snprintf(b[1], sizeof b[1], "%.0f", g->ops);
            snprintf(b[2], sizeof b[2], "%.0f", g->errors);
            fprintf(f, "<tr%s>", g->errors > 0 ? " class=\"err\"" : "");
            td_text(f, g->registry);
            td_text(f, g->label);
            fputs("<td>", f);
            esc(f, g->phase);
            if (g->incomplete) fputs(" <span class=\"badge warn\">incomplete</span>", f);
            fputs("</td>", f);
            td_num(f, b[0]);
            td_num(f, b[1]);
            td_num(f, b[2]);
            td_num(f, fnum(b[3], sizeof b[3], mb));
            td_num(f, fnum(b[4], sizeof b[4], os));
            td_num(f, fnum(b[5], sizeof b[5], p50));
            td_num(f, fnum(b[6], sizeof b[6], p99));
            fputs("</tr>\n", f);
            errors += g->errors;
            if (mb > 0 && mb > best_v) { best_v = mb; best = g; }
            if (mb > 0 && mb < worst_v) { worst_v = mb; worst = g; }
            if (p50 > 0 && p99 / p50 > worst_ratio) { worst_ratio = p99 / p50; outlier = g; }
        }
        fputs("</table>\n<ul class=\"findings\">", f);
        char b[40];
        if (best) {
            fprintf(f, "<li>Best throughput: %s MB/s, ", fnum(b, sizeof b, best_v));
            where(f, best);
            fputs(".</li>", f);
        }
        if (worst && worst != best) {
            fprintf(f, "<li>Worst throughput: %s MB/s, ", fnum(b, sizeof b, worst_v));
            where(f, worst);
            fputs(".</li>", f);
        }
        if (outlier && worst_ratio >= 5) {
            fprintf(f, "<li>Tail latency: p99 is %.0fx p50 in ", worst_ratio);
            where(f, outlier);
            fputs(".</li>", f);
        }
        fprintf(f, "<li%s>Errors: %.0f.</li></ul>\n", errors > 0 ? " class=\"err\"" : "", errors);
    }
}

/* What the scenarios' own metrics say (scalability, dedup, cache, arrivals), per scenario. */
static void scenario_metrics(const ctx *c, const rb_groups *gs)
{
    FILE *f = c->f;
    const char *scn[256];
    size_t nscn = scenarios_of(gs, scn, 256);
    fputs("<section id=\"metrics\"><h2>Scenario metrics</h2>\n<p class=\"note\">The values the scenarios recorded "
          "themselves, per run.</p>\n<div class=\"tables\">\n", f);
    int n = 0;
    for (size_t si = 0; si < nscn; si++) {
        n += metric_table(c, scn[si], "scalability", "Scalability: throughput at N / (N x throughput at 1)", 0);
        n += metric_table(c, scn[si], "p99_growth", "Contention: p99 at N / p99 at 1", 0);
        n += metric_table(c, scn[si], "logical_bytes", "Bytes the images add up to (logical)", 1);
        n += metric_table(c, scn[si], "sent_bytes", "Bytes uploaded", 1);
        n += metric_table(c, scn[si], "cache_hit_rate", "Cache hit rate, hits / (hits + misses), from the registry's proxy counters", 0);
        n += arrivals_table(c, scn[si]);
    }
    if (n == 0) fputs("<p>None recorded.</p>", f);
    fputs("</div></section>\n", f);
}

static void side_by_side(const ctx *c, const rb_groups *gs)
{
    FILE *f = c->f;
    const json_t *regs = json_object_get(c->suite, "registries");
    if (json_array_size(regs) < 2) return;
    fputs("<h3>Registries side by side</h3>\n<p>Median throughput (MB/s) and p99 latency (ms) of each phase.</p>\n"
          "<table class=\"summary\"><tr><th>scenario</th><th>label</th><th>phase</th>", f);
    size_t i;
    const json_t *r;
    json_array_foreach(regs, i, r) {
        fputs("<th>", f);
        esc(f, rb_json_str(r, "name"));
        fputs("</th>", f);
    }
    fputs("</tr>\n", f);
    for (size_t g = 0; g < gs->n; g++) {
        int seen = 0;
        for (size_t h = 0; h < g; h++)
            if (!strcmp(gs->g[h].scenario, gs->g[g].scenario) && !strcmp(gs->g[h].label, gs->g[g].label) &&
                !strcmp(gs->g[h].phase, gs->g[g].phase)) seen = 1;
        if (seen) continue;
        fputs("<tr>", f);
        td_text(f, gs->g[g].scenario);
        td_text(f, gs->g[g].label);
        td_text(f, gs->g[g].phase);
        json_array_foreach(regs, i, r) {
            const rb_group *m = NULL;
            for (size_t h = 0; h < gs->n; h++)
                if (!strcmp(gs->g[h].registry, rb_json_str(r, "name")) && !strcmp(gs->g[h].scenario, gs->g[g].scenario) &&
                    !strcmp(gs->g[h].label, gs->g[g].label) && !strcmp(gs->g[h].phase, gs->g[g].phase)) m = &gs->g[h];
            if (!m) {
                td_num(f, "-");
                continue;
            }
            char a[32], b[32], cell[80];
            snprintf(cell, sizeof cell, "%s MB/s · %s ms", fnum(a, sizeof a, gmed(m, RB_G_MBPS)), fnum(b, sizeof b, gmed(m, RB_G_P99)));
            td_num(f, cell);
        }
        fputs("</tr>\n", f);
    }
    fputs("</table>\n", f);
}

static void failed_runs(const ctx *c)
{
    FILE *f = c->f;
    int header = 0;
    for (size_t ri = 0; ri < c->nruns; ri++) {
        const json_t *run = json_array_get(c->runs, ri), *ph;
        const json_t *phases = json_object_get(run, "phases");
        int incomplete = 0;
        size_t pi;
        json_array_foreach(phases, pi, ph)
            if (json_is_false(json_object_get(ph, "complete"))) incomplete++;
        if (strcmp(rb_json_str(run, "status"), "ok") == 0 && !incomplete) continue;
        if (!header) {
            fputs("<section id=\"failed\"><h2>Failed and interrupted runs</h2>\n<table><tr><th>registry</th><th>scenario</th>"
                  "<th>label</th><th>rep</th><th>status</th><th>exit code</th><th>error</th><th>incomplete phases</th></tr>\n", f);
            header = 1;
        }
        char rep[24], code[24];
        snprintf(rep, sizeof rep, "%lld", inum(run, "repetition"));
        snprintf(code, sizeof code, "%lld", inum(run, "exit_code"));
        fputs("<tr class=\"err\">", f);
        td_text(f, rb_json_str(run, "registry"));
        td_text(f, rb_json_str(run, "scenario"));
        td_text(f, rb_json_str(run, "label"));
        td_num(f, rep);
        td_text(f, rb_json_str(run, "status"));
        td_num(f, code);
        fputs("<td class=\"msg\">", f);
        esc(f, rb_json_str(run, "error")[0] ? rb_json_str(run, "error") : "(no message)");
        fputs("</td><td>", f);
        int first = 1;
        json_array_foreach(phases, pi, ph) {
            if (!json_is_false(json_object_get(ph, "complete"))) continue;
            char key[256];
            rb_phase_key(phases, pi, key, sizeof key);
            if (!first) fputs(", ", f);
            esc(f, key);
            first = 0;
        }
        if (first) fputs("none", f);
        fputs("</td></tr>\n", f);
    }
    if (header) fputs("</table></section>\n", f);
}

static void thresholds_table(const ctx *c)
{
    FILE *f = c->f;
    const json_t *th = json_object_get(c->suite, "thresholds");
    fputs("<section id=\"thresholds\"><h2>Thresholds</h2>\n", f);
    if (json_array_size(th) == 0) {
        fputs("<p>No thresholds were set.</p></section>\n", f);
        return;
    }
    fputs("<table><tr><th>result</th><th>threshold</th><th>scenario</th><th>checks</th><th>failures</th></tr>\n", f);
    size_t i;
    const json_t *r;
    json_array_foreach(th, i, r) {
        int ok = json_is_true(json_object_get(r, "passed"));
        char n[24];
        snprintf(n, sizeof n, "%lld", inum(r, "checked"));
        fprintf(f, "<tr%s><td><span class=\"badge %s\">%s</span></td><td><code>", ok ? "" : " class=\"err\"", ok ? "ok" : "bad",
                ok ? "PASS" : "FAIL");
        esc(f, rb_json_str(r, "expr"));
        fputs("</code></td>", f);
        td_text(f, rb_json_str(r, "scenario")[0] ? rb_json_str(r, "scenario") : "all");
        td_num(f, n);
        fputs("<td class=\"msg\">", f);
        size_t k;
        const json_t *fl;
        json_array_foreach(json_object_get(r, "failures"), k, fl) {
            if (k == 10) {
                fprintf(f, "… and %zu more", json_array_size(json_object_get(r, "failures")) - 10);
                break;
            }
            esc(f, json_is_string(fl) ? json_string_value(fl) : "?");
            fputs("<br>", f);
        }
        fputs("</td></tr>\n", f);
    }
    fputs("</table></section>\n", f);
}

static void warnings_list(const ctx *c)
{
    FILE *f = c->f;
    int n = 0;
    size_t i;
    const json_t *w;
    fputs("<section id=\"warnings\"><h2>Warnings</h2>\n<ul class=\"warnings\">", f);
    json_array_foreach(json_object_get(c->suite, "warnings"), i, w) {
        if (!json_is_string(w)) continue;
        fputs("<li>", f);
        esc(f, json_string_value(w));
        fputs("</li>", f);
        n++;
    }
    for (size_t ri = 0; ri < c->nruns; ri++) {
        const json_t *run = json_array_get(c->runs, ri), *phases = json_object_get(run, "phases"), *ph;
        char title[512];
        run_title(run, title, sizeof title, 1);
        json_array_foreach(json_object_get(run, "warnings"), i, w) {
            if (!json_is_string(w)) continue;
            fputs("<li>", f);
            esc(f, title);
            fputs(": ", f);
            esc(f, json_string_value(w));
            fputs("</li>", f);
            n++;
        }
        /* per-phase warnings that the run's list does not already hold */
        size_t pi;
        json_array_foreach(phases, pi, ph) {
            size_t k;
            const json_t *pw;
            json_array_foreach(json_object_get(ph, "warnings"), k, pw) {
                if (!json_is_string(pw)) continue;
                int dup = 0;
                const json_t *rw;
                json_array_foreach(json_object_get(run, "warnings"), i, rw)
                    if (json_is_string(rw) && strstr(json_string_value(rw), json_string_value(pw))) dup = 1;
                if (dup) continue;
                char key[256];
                rb_phase_key(phases, pi, key, sizeof key);
                fputs("<li>", f);
                esc(f, title);
                fputs(", phase ", f);
                esc(f, key);
                fputs(": ", f);
                esc(f, json_string_value(pw));
                fputs("</li>", f);
                n++;
            }
        }
    }
    if (n == 0) fputs("<li class=\"none\">None.</li>", f);
    fputs("</ul></section>\n", f);
}

static void environment_table(const ctx *c)
{
    FILE *f = c->f;
    const json_t *env = json_object_get(c->suite, "environment");
    char b[64];
    fputs("<section id=\"environment\"><h2>Environment</h2>\n<table class=\"kv\">", f);
    struct { const char *k; const char *v; } rows[] = {
        {"regbench", rb_json_str(json_object_get(c->suite, "tool"), "version")},
        {"suite file", rb_json_str(json_object_get(c->suite, "suite"), "file")},
        {"started", rb_json_str(c->suite, "started_at")},
        {"kernel", rb_json_str(env, "kernel")},
        {"CPU", rb_json_str(env, "cpu_model")},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        fputs("<tr><th>", f);
        esc(f, rows[i].k);
        fputs("</th>", f);
        td_text(f, rows[i].v[0] ? rows[i].v : "-");
        fputs("</tr>", f);
    }
    snprintf(b, sizeof b, "%lld", inum(env, "cores"));
    fputs("<tr><th>cores</th>", f);
    td_text(f, b);
    fputs("</tr><tr><th>memory</th>", f);
    td_text(f, fbytes(b, sizeof b, rb_json_num(env, "memory_bytes")));
    fputs("</tr></table>\n<h3>Registries</h3>\n<table><tr><th>name</th><th>kind</th><th>storage</th><th>version</th>"
          "<th>URL</th></tr>\n", f);
    size_t i;
    const json_t *r;
    json_array_foreach(json_object_get(c->suite, "registries"), i, r) {
        fputs("<tr>", f);
        td_text(f, rb_json_str(r, "name"));
        td_text(f, rb_json_str(r, "kind"));
        td_text(f, rb_json_str(r, "storage"));
        td_text(f, rb_json_str(r, "version")[0] ? rb_json_str(r, "version") : "-");
        td_text(f, rb_json_str(r, "url")[0] ? rb_json_str(r, "url") : "-");
        fputs("</tr>\n", f);
    }
    fputs("</table></section>\n", f);
}

/* ---- the page ---------------------------------------------------------------------------- */

static const char CSS[] =
    ":root{--fg:#1b1b1b;--muted:#5a5a5a;--line:#cfcfcf}\n"
    "*{box-sizing:border-box}\n"
    "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,sans-serif;color:var(--fg);"
    "background:#fff;margin:0 auto;max-width:1240px;padding:16px 24px}\n"
    "h1{font-size:22px;margin:4px 0}h2{font-size:18px;border-bottom:2px solid #e0e0e0;padding-bottom:3px;margin-top:30px}\n"
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
    ".grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(460px,1fr));gap:12px}\n"
    "figure{margin:0 0 12px;padding:8px 10px;border:1px solid #e2e2e2;border-radius:4px;break-inside:avoid;"
    "page-break-inside:avoid}\n"
    "figcaption{font-weight:600;font-size:13px;margin-bottom:4px}\n"
    "svg.chart{width:100%;height:auto;display:block;overflow:visible}\n"
    "svg.chart text{font-size:11px;fill:#333;font-family:inherit}svg.chart text.alabel{font-size:12px;fill:#111}\n"
    "svg.chart text.plabel{font-size:10px;fill:#555}svg.chart text.sub{font-size:10px;fill:#666}\n"
    "svg.chart text.val{font-size:10px;fill:#222}\n"
    ".gridl{stroke:#e5e5e5;stroke-width:1}.tick{stroke:#444}.frame{fill:none;stroke:#444;stroke-width:1}\n"
    ".band{fill:#fff;stroke:none}.band.odd{fill:#f4f4f4}.band.incomplete{fill:url(#rb-hatch)}\n"
    ".boundary{stroke:#888;stroke-dasharray:3 3}.zero{stroke:#222}.thresh{stroke:#777;stroke-dasharray:4 3}\n"
    "path.mark{fill:none;stroke-width:2;stroke-linejoin:round}rect.mark{stroke-width:1}\n"
    ".legend{font-size:12px;display:flex;flex-wrap:wrap;gap:2px 16px;margin-top:4px}\n"
    ".key{display:inline-block;width:24px;height:0;border-top:3px solid;vertical-align:middle;margin-right:6px}\n"
    ".key.box{width:12px;height:12px;border:1px solid #333}\n"
    ".key.hatch{background:repeating-linear-gradient(45deg,currentColor 0 2px,transparent 2px 5px)}\n"
    ".nodata{color:var(--muted);font-style:italic;padding:10px 12px;border:1px dashed #bbb;border-radius:4px}\n"
    ".note{color:var(--muted);font-size:12px;margin:4px 0}\n"
    ".tables{display:flex;flex-wrap:wrap;gap:0 24px;align-items:flex-start}\n"
    "@media print{body{max-width:none;padding:0;font-size:11px}nav{display:none}.grid{display:block}"
    "figure{border:none;padding:0}h2{break-after:avoid;page-break-after:avoid}"
    "table{font-size:10px}tr,figure{break-inside:avoid}a{color:inherit;text-decoration:none}"
    "*{-webkit-print-color-adjust:exact;print-color-adjust:exact}}\n";

/* Loads each run's own results.json for the time series its record lacks. */
static void load_series(ctx *c, const json_t *rundoc, const char *base_dir)
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

static void section_head(FILE *f, const char *id, const char *title, const char *intro)
{
    fprintf(f, "<section id=\"%s\"><h2>%s</h2>\n", id, title);
    if (intro) fprintf(f, "<p class=\"note\">%s</p>\n", intro);
}

int rb_report_html(const json_t *results, const json_t *baseline, const char *base_dir, FILE *out, char *err,
                   size_t errlen)
{
    json_t *suite = rb_results_as_suite((json_t *)results, "results", err, errlen);
    if (!suite) return -1;
    const char *schema = rb_json_str(results, "schema");
    const json_t *rundoc = strcmp(schema, RB_RESULTS_SCHEMA) == 0 ? results : NULL;
    ctx c = {.f = out, .suite = suite, .runs = json_object_get(suite, "runs")};
    c.nruns = json_array_size(c.runs);
    size_t ri0;
    const json_t *rg;
    json_array_foreach(json_object_get(suite, "registries"), ri0, rg) name_index(c.regs, &c.nregs, 32, rb_json_str(rg, "name"));
    for (size_t i = 1; i < c.nruns; i++)
        if (strcmp(rb_json_str(json_array_get(c.runs, i), "registry"), rb_json_str(json_array_get(c.runs, 0), "registry")) != 0)
            c.multi_reg = 1;
    if (baseline) {
        json_t *b = rb_results_as_suite((json_t *)baseline, "baseline", err, errlen);
        if (!b) {
            json_decref(suite);
            return -1;
        }
        c.cmp = rb_compare(b, suite, 5.0);
        json_decref(b);
    } else if (json_is_object(json_object_get(suite, "comparison"))) {
        c.cmp = json_incref(json_object_get(suite, "comparison"));
    }
    load_series(&c, rundoc, base_dir);
    rb_groups gs = {0};
    rb_groups_collect(c.runs, &gs);

    FILE *f = out;
    const json_t *sinfo = json_object_get(suite, "suite");
    const char *name = rb_json_str(sinfo, "name"), *status = rb_json_str(suite, "status");
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>regbench report: ", f);
    esc(f, name);
    fprintf(f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n", CSS);
    /* shared SVG definitions: the hatch of incomplete phases and untested changes */
    fputs("<svg width=\"0\" height=\"0\" style=\"position:absolute\" aria-hidden=\"true\"><defs>"
          "<pattern id=\"rb-hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" "
          "patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#fff\"/>"
          "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#9a9a9a\" stroke-width=\"2.5\"/></pattern></defs></svg>\n", f);
    fputs("<header><h1>regbench report: ", f);
    esc(f, name);
    fprintf(f, " <span class=\"badge %s\">", !strcmp(status, "ok") ? "ok" : !strcmp(status, "interrupted") ? "warn" : "bad");
    esc(f, status[0] ? status : "unknown");
    fputs("</span></h1>\n<p class=\"meta\">", f);
    if (rb_json_str(sinfo, "description")[0]) {
        esc(f, rb_json_str(sinfo, "description"));
        fputs("<br>", f);
    }
    char b1[32], b2[32];
    fputs("Started ", f);
    esc(f, rb_json_str(suite, "started_at"));
    fprintf(f, ", took %s s, %zu run%s, exit code %lld. regbench ", fnum(b1, sizeof b1, rb_json_num(suite, "duration_s")), c.nruns,
            c.nruns == 1 ? "" : "s", inum(suite, "exit_code"));
    esc(f, rb_json_str(json_object_get(suite, "tool"), "version"));
    fputs(" on ", f);
    const json_t *env = json_object_get(suite, "environment");
    esc(f, rb_json_str(env, "cpu_model")[0] ? rb_json_str(env, "cpu_model") : "an unknown CPU");
    fprintf(f, ", %lld cores, %s memory.</p>\n", inum(env, "cores"), fbytes(b2, sizeof b2, rb_json_num(env, "memory_bytes")));
    if (!strcmp(status, "interrupted"))
        fputs("<p class=\"banner\">This run was interrupted. Phases marked <b>incomplete</b> (hatched in the charts) were "
              "still running and were measured up to the interruption.</p>\n", f);
    else if (status[0] && strcmp(status, "ok") != 0)
        fputs("<p class=\"banner bad\">Not every run succeeded; see <a href=\"#failed\">failed runs</a>.</p>\n", f);
    fputs("<nav><a href=\"#summary\">Summary</a><a href=\"#thresholds\">Thresholds</a><a href=\"#warnings\">Warnings</a>"
          "<a href=\"#throughput\">Throughput</a><a href=\"#latency\">Latency</a><a href=\"#resources\">Resources</a>"
          "<a href=\"#scaling\">Scaling</a><a href=\"#dedup\">Dedup</a><a href=\"#comparison\">Baseline</a>"
          "<a href=\"#metrics\">Scenario metrics</a><a href=\"#environment\">Environment</a></nav>\n</header>\n<main>\n", f);

    failed_runs(&c);
    section_head(f, "summary", "Summary", "Per scenario, each phase's medians over repetitions (MB = 10^6 bytes; "
                                          "latency from the intended start of an operation).");
    summary_tables(&c, &gs);
    side_by_side(&c, &gs);
    fputs("</section>\n", f);
    thresholds_table(&c);
    warnings_list(&c);

    section_head(f, "throughput", "Throughput over time",
                 "Per run: MB/s (solid, left axis) and operations per second (dashed, right axis), per time step of "
                 "each phase. Phases are placed back to back; shaded bands and dashed lines mark their boundaries, "
                 "hatching marks an incomplete phase.");
    if (c.nruns == 0) nodata(f, "throughput", "no runs");
    fputs("<div class=\"grid\">\n", f);
    for (size_t ri = 0; ri < c.nruns; ri++) chart_throughput(&c, json_array_get(c.runs, ri));
    fputs("</div></section>\n", f);

    section_head(f, "latency", "Latency percentile spectrum",
                 "Per scenario and size class: the latency at each percentile (p50 … p99.9 and the maximum), "
                 "medians over repetitions. Both axes are logarithmic, so the tail gets as much room as the median; "
                 "a curve that bends up at the right has a long tail.");
    chart_latency(&c, &gs);
    fputs("</section>\n", f);

    section_head(f, "resources", "Registry and regbench resources",
                 "Per run: the registry's CPU (100% = one core busy) and resident memory, sampled while it ran, next to "
                 "regbench's own CPU, so that a saturated client is not mistaken for a slow registry.");
    if (c.nruns == 0) nodata(f, "resources", "no runs");
    fputs("<div class=\"grid\">\n", f);
    for (size_t ri = 0; ri < c.nruns; ri++) chart_resources(&c, ri);
    fputs("</div></section>\n", f);

    section_head(f, "scaling", "Scaling with concurrency",
                 "Throughput and p99 latency against the number of concurrent virtual users (phases named op/vus=N). "
                 "Perfect scaling would multiply throughput by N at constant latency.");
    chart_scaling(&c, &gs);
    fputs("</section>\n", f);

    section_head(f, "dedup", "Deduplication",
                 "What the pushed images add up to against what was uploaded and what the registry kept: shared layers "
                 "that are skipped or mounted are not sent again.");
    chart_dedup(&c);
    fputs("</section>\n", f);

    section_head(f, "comparison", "Against the baseline", NULL);
    if (c.cmp) chart_comparison(&c);
    else nodata(f, "comparison", "no baseline was given (regbench report RESULTS --baseline OTHER)");
    fputs("</section>\n", f);

    scenario_metrics(&c, &gs);
    environment_table(&c);
    fputs("</main>\n<footer class=\"note\">Written by regbench ", f);
    esc(f, rb_json_str(json_object_get(suite, "tool"), "version"));
    fputs(". docs/report.md explains the charts.</footer>\n</body>\n</html>\n", f);

    rb_groups_free(&gs);
    for (size_t ri = 0; ri < c.nruns; ri++) json_decref(c.series[ri]);
    free(c.series);
    json_decref(c.cmp);
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
