/* html_svg: the primitives every part of report.html shares (see html.h):
 * HTML escaping (every string from the results goes through html_esc, '/'
 * too, so no URL from the data appears literally), numbers for people, the
 * Okabe-Ito palette, the line styles that keep a chart's series apart and
 * the legends that name them, and the SVG plot: axes with nice ticks
 * (linear or log), grid, labels, phase bands, figures and "no data" notes.
 * Data marks carry class="mark" (line marks also data-series, their legend
 * label); every chart is an <svg class="chart" data-chart=NAME>. */
#include "html.h"
#include "results/rb_load.h"

#include <math.h>
#include <string.h>

/* ---- small helpers -------------------------------------------------------- */

double html_arr_num(const json_t *a, size_t i)
{
    const json_t *v = json_array_get(a, i);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

/* Writes s HTML-escaped (text and attribute safe; '/' too, so no URL appears literally). */
void html_esc(FILE *f, const char *s)
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
const char *html_fnum(char *buf, size_t n, double v)
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
const char *html_fbytes(char *buf, size_t n, double b)
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
    snprintf(buf, n, "%s %s", u == 0 ? (snprintf(t, sizeof t, "%.0f", v), t) : html_fnum(t, sizeof t, v), units[u]);
    return buf;
}

/* ---- palette and legend ----------------------------------------------------- */

/* Okabe-Ito, yellow last (weak on white). */
const char *const html_palette[8] = {"#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000",
                                     "#F0E442"};
const char *const html_dashes[HTML_NDASH] = {"", "8 4", "2 3", "10 3 2 3"};

/* Index of name in a small list of names, appending it when new. */
size_t html_name_index(const char **names, size_t *n, size_t max, const char *name)
{
    for (size_t i = 0; i < *n; i++)
        if (!strcmp(names[i], name)) return i;
    if (*n < max) names[(*n)++] = name;
    return *n - 1;
}

void html_legend_add(html_legend *lg, const char *colour, const char *dash, int bar, const char *label)
{
    if (lg->n == HTML_MAX_LEGEND) return;
    lg->e[lg->n].colour = colour;
    lg->e[lg->n].dash = dash;
    lg->e[lg->n].bar = bar;
    snprintf(lg->e[lg->n].label, sizeof lg->e[lg->n].label, "%s", label);
    lg->n++;
}

/* The legend, as HTML below the chart. bar: 0 line (drawn with its dash), 1 filled box, 2 hatched box. */
void html_legend_write(FILE *f, const html_legend *lg)
{
    if (lg->n == 0) return;
    fputs("<div class=\"legend\">", f);
    for (size_t i = 0; i < lg->n; i++) {
        const char *col = lg->e[i].colour, *dash = lg->e[i].dash ? lg->e[i].dash : "";
        if (lg->e[i].bar == 1)
            fprintf(f, "<span><i class=\"key box\" style=\"background:%s\"></i>", col);
        else if (lg->e[i].bar == 2)
            fprintf(f, "<span><i class=\"key box hatch\" style=\"border-color:%s;color:%s\"></i>", col, col);
        else
            fprintf(f, "<span><svg class=\"key\" width=\"30\" height=\"10\" aria-hidden=\"true\"><line x1=\"1\" y1=\"5\" "
                       "x2=\"29\" y2=\"5\" stroke=\"%s\" stroke-width=\"2.5\"%s%s%s/></svg>",
                    col, dash[0] ? " stroke-dasharray=\"" : "", dash, dash[0] ? "\"" : "");
        html_esc(f, lg->e[i].label);
        fputs("</span>", f);
    }
    fputs("</div>\n", f);
}

/* ---- line styles -------------------------------------------------------------- */

void html_styles_init(html_styles *s, const html_ctx *c, int by_registry)
{
    memset(s, 0, sizeof *s);
    s->c = c;
    s->by_registry = by_registry;
}

void html_style_next(html_styles *s, const char *registry, const char *op, const char **col, const char **dash)
{
    size_t o = 0, r = 0, k = 0;
    while (o < s->c->nops && strcmp(s->c->ops[o], op) != 0) o++;
    if (o == s->c->nops) {   /* not one of the page's: after them, in the chart's order */
        while (k < s->nops && strcmp(s->ops[k], op) != 0) k++;
        if (k == s->nops && s->nops < 32) snprintf(s->ops[s->nops++], sizeof s->ops[0], "%s", op);
        o += k;
    }
    while (r < s->c->nregs && strcmp(s->c->regs[r], registry) != 0) r++;
    /* preferred: colour by registry and dash by operation, or colour (then dash) by operation */
    size_t ci = s->by_registry ? r % HTML_NCOL : o % HTML_NCOL;
    size_t di = s->by_registry ? o % HTML_NDASH : (o / HTML_NCOL) % HTML_NDASH;
    size_t n = HTML_NCOL * HTML_NDASH;
    k = di * HTML_NCOL + ci;
    for (size_t tries = 0; tries < n && s->used[k]; tries++) k = (k + 1) % n;   /* taken: the next free style */
    s->used[k] = 1;
    *col = html_palette[k % HTML_NCOL];
    *dash = html_dashes[k / HTML_NCOL];
}

void html_line_attrs(FILE *f, const char *col, const char *dash, const char *series)
{
    fprintf(f, " stroke=\"%s\"", col);
    if (dash && dash[0]) fprintf(f, " stroke-dasharray=\"%s\"", dash);
    fputs(" data-series=\"", f);
    html_esc(f, series);
    fputc('"', f);
}

/* ---- plots -------------------------------------------------------------------- */

static double nice_step(double range, int target)
{
    double raw = range / target;
    if (!(raw > 0)) return 1;
    double mag = pow(10, floor(log10(raw)));
    double r = raw / mag;
    return (r < 1.5 ? 1 : r < 3 ? 2 : r < 7 ? 5 : 10) * mag;
}

html_axis html_lin_axis(double lo, double hi, int fmt)
{
    html_axis a = {lo, hi, 0, fmt};
    if (!isfinite(a.lo)) a.lo = 0;
    if (!isfinite(a.hi) || a.hi <= a.lo) a.hi = a.lo + 1;
    double s = nice_step(a.hi - a.lo, 5);
    a.lo = floor(a.lo / s + 1e-9) * s;
    a.hi = ceil(a.hi / s - 1e-9) * s;
    if (a.hi <= a.lo) a.hi = a.lo + s;
    return a;
}

html_axis html_value_axis(double max, int fmt)
{
    html_axis a = {0, isfinite(max) && max > 0 ? max * 1.1 : 1, 0, fmt};
    return a;
}

html_axis html_log_axis(double lo, double hi, int fmt)
{
    html_axis a = {0, 0, 1, fmt};
    if (!(lo > 0)) lo = hi > 0 ? hi / 10 : 1;
    if (!(hi > 0)) hi = lo * 10;
    a.lo = pow(10, floor(log10(lo) + 1e-9));
    a.hi = pow(10, ceil(log10(hi) - 1e-9));
    if (a.hi <= a.lo) a.hi = a.lo * 10;
    return a;
}

static double ax_frac(const html_axis *a, double v)
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

double html_px(const html_plot *p, double v) { return p->L + ax_frac(&p->x, v) * p->W; }
double html_py(const html_plot *p, double v) { return p->T + p->H - ax_frac(&p->y, v) * p->H; }
double html_py2(const html_plot *p, double v) { return p->T + p->H - ax_frac(&p->y2, v) * p->H; }

void html_tick_label(char *buf, size_t n, const html_axis *a, double v)
{
    if (a->fmt == HTML_BYTES) {
        static const char *units[] = {"B", "kB", "MB", "GB", "TB", "PB"};
        int u = 0;
        while (fabs(v) >= 1000 && u < 5) {
            v /= 1000;
            u++;
        }
        snprintf(buf, n, "%.3g %s", v, units[u]);
    }
    else if (a->fmt == HTML_PCT) snprintf(buf, n, "%.6g%%", fabs(v) < 1e-12 ? 0 : v);
    else snprintf(buf, n, "%.6g", fabs(v) < 1e-12 ? 0 : v);
}

/* Tick values of an axis into v (at most 16); returns how many. */
size_t html_ticks(const html_axis *a, double *v)
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
void html_plot_open(html_plot *p, FILE *f, const char *name, double w, double h, int has_y2, const char *aria)
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
    html_esc(f, aria);
    fputs("\">\n", f);
}

/* Grid, ticks and axis labels. xt/xl: custom x ticks (values, labels) or NULL. */
void html_plot_axes(const html_plot *p, const char *xlabel, const char *ylabel, const char *y2label, const double *xt,
                    const char *const *xl, size_t nxt)
{
    FILE *f = p->f;
    double v[16];
    char b[64];
    size_t n = html_ticks(&p->y, v);
    fputs("<g class=\"axis\">", f);
    for (size_t i = 0; i < n; i++) {
        double y = html_py(p, v[i]);
        html_tick_label(b, sizeof b, &p->y, v[i]);
        fprintf(f, "<line class=\"gridl\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>", p->L, p->L + p->W, y, y);
        fprintf(f, "<text class=\"ytick\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">", p->L - 5, y + 4);
        html_esc(f, b);
        fputs("</text>", f);
    }
    if (p->has_y2) {
        n = html_ticks(&p->y2, v);
        for (size_t i = 0; i < n; i++) {
            html_tick_label(b, sizeof b, &p->y2, v[i]);
            fprintf(f, "<text class=\"y2tick\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"start\">", p->L + p->W + 5,
                    html_py2(p, v[i]) + 4);
            html_esc(f, b);
            fputs("</text>", f);
        }
    }
    if (xt) {
        for (size_t i = 0; i < nxt; i++) {
            double x = html_px(p, xt[i]);
            fprintf(f, "<line class=\"gridl\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>", x, x, p->T, p->T + p->H);
            fprintf(f, "<text class=\"xtick\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", x, p->T + p->H + 16);
            html_esc(f, xl[i]);
            fputs("</text>", f);
        }
    } else {
        n = html_ticks(&p->x, v);
        for (size_t i = 0; i < n; i++) {
            double x = html_px(p, v[i]);
            html_tick_label(b, sizeof b, &p->x, v[i]);
            fprintf(f, "<line class=\"tick\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>", x, x, p->T + p->H,
                    p->T + p->H + 4);
            /* a label that would reach under the right axis's labels is left out */
            if (p->has_y2 && x + (double)strlen(b) * HTML_CHAR_W / 2 > p->L + p->W + 2) continue;
            fprintf(f, "<text class=\"xtick\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", x, p->T + p->H + 17);
            html_esc(f, b);
            fputs("</text>", f);
        }
    }
    if (p->has_y2) fprintf(f, "<path class=\"frame\" d=\"M%.1f %.1fV%.1fH%.1fV%.1f\"/>", p->L, p->T, p->T + p->H,
                           p->L + p->W, p->T);
    else fprintf(f, "<path class=\"frame\" d=\"M%.1f %.1fV%.1fH%.1f\"/>", p->L, p->T, p->T + p->H, p->L + p->W);
    fprintf(f, "<text class=\"alabel\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", p->L + p->W / 2, p->h - 6);
    html_esc(f, xlabel);
    fprintf(f, "</text><text class=\"alabel\" transform=\"translate(14 %.1f) rotate(-90)\" text-anchor=\"middle\">",
            p->T + p->H / 2);
    html_esc(f, ylabel);
    fputs("</text>", f);
    if (p->has_y2 && y2label) {
        fprintf(f, "<text class=\"alabel\" transform=\"translate(%.1f %.1f) rotate(90)\" text-anchor=\"middle\">",
                p->w - 6, p->T + p->H / 2);
        html_esc(f, y2label);
        fputs("</text>", f);
    }
    fputs("</g>\n", f);
}

void html_plot_close(const html_plot *p) { fputs("</svg>\n", p->f); }

void html_nodata(FILE *f, const char *name, const char *why)
{
    fprintf(f, "<p class=\"nodata\" data-nodata=\"%s\">No data for this chart", name);
    if (why && *why) {
        fputs(": ", f);
        html_esc(f, why);
    }
    fputs(".</p>\n", f);
}

void html_fig_open_wide(FILE *f, const char *caption)
{
    fputs("<figure class=\"wide\">\n<figcaption>", f);
    html_esc(f, caption);
    fputs("</figcaption>\n", f);
}

void html_fig_open(FILE *f, const char *caption, const char *status)
{
    fputs("<figure>\n<figcaption>", f);
    html_esc(f, caption);
    if (status && *status && strcmp(status, "ok") != 0) {
        fprintf(f, " <span class=\"badge %s\">", strcmp(status, "interrupted") == 0 ? "warn" : "bad");
        html_esc(f, status);
        fputs("</span>", f);
    }
    fputs("</figcaption>\n", f);
}

int html_grid_open(FILE *f, size_t n)
{
    int dense = n >= HTML_DENSE_AT;
    fputs(dense ? "<div class=\"grid dense\">\n" : "<div class=\"grid\">\n", f);
    return dense;
}

void html_section_head(FILE *f, const char *id, const char *title, const char *intro)
{
    fprintf(f, "<section id=\"%s\"><h2>%s</h2>\n", id, title);
    if (intro) fprintf(f, "<p class=\"note\">%s</p>\n", intro);
}

void html_run_title(char *buf, size_t n, const char *registry, const char *scenario, const char *label, long long rep)
{
    int len = snprintf(buf, n, "%s · %s%s%s", registry, scenario, label[0] ? " " : "", label);
    if (len > 0 && (size_t)len < n) snprintf(buf + len, n - (size_t)len, " · rep %lld", rep);
}

void html_scenario_anchor(FILE *f, const char *scn)
{
    fputs("scenario-", f);
    for (const char *s = scn; *s; s++) {
        int ok = (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '-' || *s == '_';
        fputc(ok ? *s : '_', f);
    }
}

void html_run_title_of(const json_t *run, char *buf, size_t n)
{
    html_run_title(buf, n, rb_json_str(run, "registry"), rb_json_str(run, "scenario"), rb_json_str(run, "label"),
                   rb_json_int(run, "repetition", 0));
}

/* Characters of UTF-8 text s (continuation bytes not counted). */
static size_t text_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++) n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

double html_text_fit(FILE *f, const char *s, double width)
{
    size_t chars = text_chars(s), fit = width > 0 ? (size_t)(width / HTML_CHAR_W) : 0;
    if (chars <= fit) {
        html_esc(f, s);
        return (double)chars * HTML_CHAR_W;
    }
    char buf[512];
    size_t keep = 0, n = 0;
    while (s[keep] && n + 1 < fit && keep < sizeof buf - 8) {
        keep++;
        while (((unsigned char)s[keep] & 0xC0) == 0x80) keep++;
        n++;
    }
    snprintf(buf, sizeof buf, "%.*s", (int)keep, s);
    html_esc(f, buf);
    fputs("…", f);
    return (double)(n + 1) * HTML_CHAR_W;
}

void html_phase_bands(const html_plot *p, const json_t *phases, double t_start, double t_end)
{
    FILE *f = p->f;
    double t = t_start, row_end[2] = {-1e9, -1e9};
    for (size_t i = 0; i < json_array_size(phases); i++) {
        const json_t *ph = json_array_get(phases, i);
        double d = rb_json_num(ph, "duration_s");
        if (!(d > 0)) d = 0;
        int incomplete = json_is_false(json_object_get(ph, "complete"));
        double x0 = html_px(p, t), x1 = html_px(p, t + d > t_end ? t_end : t + d);
        char key[300];
        rb_phase_key(phases, i, key, 256);
        if (incomplete) strcat(key, " (incomplete)");
        fprintf(f, "<rect class=\"band%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"><title>",
                incomplete ? " incomplete" : i % 2 ? " odd" : "", x0, p->T, x1 - x0 > 0 ? x1 - x0 : 0.5, p->H);
        html_esc(f, key);
        fputs("</title></rect>", f);
        fprintf(f, "<line class=\"boundary\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>", x0, x0,
                p->T - HTML_BAND_STRIP + 2, p->T + p->H);
        t += d;
        /* the name across, in the first row with room; cut with "…" to what is left of the plot's width */
        double x = x0 + 3, room = p->L + p->W - x;
        int row = row_end[0] <= x ? 0 : row_end[1] <= x ? 1 : -1;
        if (row < 0 || room < 4 * HTML_CHAR_W) continue;   /* no room: the band's title names it */
        fprintf(f, "<text class=\"plabel\" x=\"%.1f\" y=\"%.1f\">", x, p->T - HTML_BAND_STRIP + 12 + 15 * row);
        row_end[row] = x + html_text_fit(f, key, room) + 8;
        fputs("</text>", f);
    }
    fputc('\n', f);
}
