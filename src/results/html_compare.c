/* html_compare: the "Against the baseline" section of report.html: one bar
 * per row of the comparison (rb_compare.h; at most 80: regressions, then
 * significant changes, then the rest), the change of the median in percent
 * coloured by class, untested changes hatched, the threshold dashed. Row
 * names sit left of the plot and the values in a column right of it, so
 * that no bar or value runs into a name. */
#include "html.h"
#include "results/rb_load.h"
#include "util/rb_util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

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

static void chart_comparison(const html_ctx *c)
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
    html_fig_open_wide(f, "Change against the baseline, per phase and metric");
    if (ns == 0) {
        html_nodata(f, "comparison", n ? "no row has a change" : "no phase matched between the baseline and these results");
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
    double rowh = 18, w = 860, h = 12 + rowh * (double)ns + 42;
    html_plot p;
    html_plot_open(&p, f, "comparison", w, h, 0, "change against the baseline");
    p.L = 400;
    p.W = w - p.L - 86;   /* and a column of values right of the plot */
    p.x = html_lin_axis(lo * 1.05, hi * 1.05, HTML_PCT);
    p.y = (html_axis){0, (double)ns, 0, HTML_NUM};
    /* x grid only */
    double v[16];
    size_t nt = html_ticks(&p.x, v);
    fputs("<g class=\"axis\">", f);
    for (size_t i = 0; i < nt; i++) {
        char b[32];
        html_tick_label(b, sizeof b, &p.x, v[i]);
        fprintf(f, "<line class=\"gridl\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/><text x=\"%.1f\" y=\"%.1f\" "
                   "text-anchor=\"middle\">%s</text>",
                html_px(&p, v[i]), html_px(&p, v[i]), p.T, p.T + p.H, html_px(&p, v[i]), p.T + p.H + 14, b);
    }
    if (isfinite(th) && th > 0)
        for (int s = -1; s <= 1; s += 2)
            fprintf(f, "<line class=\"thresh\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>", html_px(&p, s * th),
                    html_px(&p, s * th), p.T, p.T + p.H);
    fprintf(f, "<line class=\"zero\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>", html_px(&p, 0), html_px(&p, 0), p.T, p.T + p.H);
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
        double x0 = html_px(&p, 0), x1 = html_px(&p, ch);
        char b[32], pv[48];
        char lab[600], shown[600];
        snprintf(lab, sizeof lab, "%s%s%s%s%s · %s %s", rb_json_str(r, "scenario"), rb_json_str(r, "label")[0] ? " " : "", rb_json_str(r, "label"),
                 c->multi_reg ? " · " : "", c->multi_reg ? rb_json_str(r, "registry") : "", rb_json_str(r, "phase"), rb_json_str(r, "metric"));
        /* long names keep their end (phase and metric) */
        size_t len = strlen(lab), k = len > 56 ? len - 54 : 0;
        while (k > 0 && k < len && ((unsigned char)lab[k] & 0xC0) == 0x80) k++;
        snprintf(shown, sizeof shown, "%s%s", k ? "…" : "", lab + k);
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\"><title>", p.L - 6, y + rowh - 5);
        html_esc(f, lab);
        fputs("</title>", f);
        html_esc(f, shown);
        fputs("</text>", f);
        if (untested) snprintf(pv, sizeof pv, "untested");
        else snprintf(pv, sizeof pv, "p=%.3g", rb_json_num(r, "p_value"));
        fprintf(f, "<rect class=\"mark%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\" stroke=\"%s\">"
                   "<title>",
                untested ? " untested" : "", x1 < x0 ? x1 : x0, y + 2, fabs(x1 - x0) > 1 ? fabs(x1 - x0) : 1, rowh - 4,
                untested ? "url(#rb-hatch)" : CLASS_COL[cl], CLASS_COL[cl]);
        html_esc(f, rb_json_str(r, "phase"));
        fprintf(f, " %s: %+.1f%% (%s), %s</title></rect>", rb_json_str(r, "metric"), ch, pv, CLASS_NAME[cl]);
        fprintf(f, "<text class=\"val\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s%%%s</text>\n", w - 4,
                y + rowh - 5, (snprintf(b, sizeof b, "%+.1f", ch), b), cl == 0 ? " ✖" : "");
    }
    html_plot_close(&p);
    html_legend lg = {0};
    for (int k = 0; k < 4; k++)
        if (used[k]) html_legend_add(&lg, CLASS_COL[k], "", 1, CLASS_NAME[k]);
    if (untested_used) html_legend_add(&lg, "#555555", "", 2, "untested (fewer than 4 repetitions a side)");
    html_legend_write(f, &lg);
    fprintf(f, "<p class=\"note\">Threshold %.1f%%, alpha %.2f; regressions: %lld. Bars are the change of the new "
               "median against the baseline median.</p>\n",
            th, rb_json_num(c->cmp, "alpha"), rb_json_int(c->cmp, "regressions", 0));
    if (ns < n) fprintf(f, "<p class=\"note\">%zu of %zu rows shown (regressions, significant changes, then the rest).</p>\n", ns, n);
    fputs("</figure>\n", f);
    free(sel);
}

void html_comparison(const html_ctx *c)
{
    html_section_head(c->f, "comparison", "Against the baseline", NULL);
    if (c->cmp) chart_comparison(c);
    else html_nodata(c->f, "comparison", "no baseline was given (regbench report RESULTS --baseline OTHER)");
    fputs("</section>\n", c->f);
}
