/* html_latency: the "Latency percentile spectrum" section of report.html:
 * per scenario and size class (the part of a phase key after its first
 * '/', with the label), one chart of each group's median latency at p50 …
 * p99.9 and the maximum, both axes logarithmic; all of them in one grid. */
#include "html.h"

#include <math.h>
#include <string.h>

static const double SPEC_X[6] = {2, 10, 20, 100, 1000, 10000};
static const char *const SPEC_L[6] = {"p50", "p90", "p95", "p99", "p99.9", "max"};
static const rb_stat_id SPEC_V[6] = {RB_STAT_P50, RB_STAT_P90, RB_STAT_P95, RB_STAT_P99, RB_STAT_P999, RB_STAT_MAX};

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

/* Whether group g is drawn in the chart of scenario scn and size class cls. */
static int in_chart(const rb_group *g, const char *scn, const char *cls)
{
    char cl[256];
    class_of(g, cl, sizeof cl);
    return strcmp(g->scenario, scn) == 0 && g->ops > 0 && strcmp(cl, cls) == 0;
}

/* One curve: a group's medians at each percentile. */
static void curve(const html_ctx *c, const html_plot *p, const rb_group *g, html_styles *st, html_legend *lg)
{
    FILE *f = c->f;
    char base[256], lab[400];
    const char *cls;
    split_phase(g->phase, base, sizeof base, &cls);
    snprintf(lab, sizeof lab, "%s%s%s%s", c->multi_reg ? g->registry : "", c->multi_reg ? " · " : "", base,
             g->incomplete ? " (incomplete)" : "");
    const char *col, *dash;
    html_style_next(st, g->registry, base, &col, &dash);
    fputs("<path class=\"mark\"", f);
    html_line_attrs(f, col, dash, lab);
    fputs(" d=\"", f);
    for (int k = 0; k < 6; k++)
        fprintf(f, "%s%.1f %.1f", k ? "L" : "M", html_px(p, SPEC_X[k]), html_py(p, rb_group_median(g, SPEC_V[k])));
    fputs("\"><title>", f);
    html_esc(f, lab);
    fputs("</title></path>\n", f);
    for (int k = 0; k < 6; k++) {
        char b[32];
        double v = rb_group_median(g, SPEC_V[k]);
        fprintf(f, "<circle class=\"mark\" cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"><title>", html_px(p, SPEC_X[k]),
                html_py(p, v), col);
        html_esc(f, lab);
        fprintf(f, " %s: %s ms</title></circle>", SPEC_L[k], html_fnum(b, sizeof b, v));
    }
    fputc('\n', f);
    html_legend_add(lg, col, dash, 0, lab);
}

/* The figure of scenario scn and size class cls; 1 when it has a chart. */
static int spectrum(const html_ctx *c, const char *scn, const char *cls)
{
    FILE *f = c->f;
    const rb_groups *gs = &c->sec->groups;
    double lo = INFINITY, hi = 0;
    const char *reg = NULL;
    int by_registry = 0;
    for (size_t i = 0; i < gs->n; i++) {
        if (!in_chart(&gs->g[i], scn, cls)) continue;
        if (!reg) reg = gs->g[i].registry;
        else if (strcmp(reg, gs->g[i].registry) != 0) by_registry = 1;
        for (int k = 0; k < 6; k++) {
            double v = rb_group_median(&gs->g[i], SPEC_V[k]);
            if (v > 0 && v < lo) lo = v;
            if (v > hi) hi = v;
        }
    }
    char cap[512];
    snprintf(cap, sizeof cap, "%s%s%s", scn, cls[0] ? " · " : "", cls);
    html_fig_open(f, cap, NULL);
    if (!(hi > 0)) {
        html_nodata(f, "latency", "every latency is 0");
        fputs("</figure>\n", f);
        return 0;
    }
    if (!isfinite(lo)) lo = hi;
    html_plot p;
    html_plot_open(&p, f, "latency", HTML_CHART_W, HTML_CHART_H, 0, cap);
    p.x = (html_axis){1.4, 14000, 1, HTML_NUM};
    p.y = html_log_axis(lo, hi, HTML_NUM);
    html_plot_axes(&p, "percentile (log scale of 1/(1-p))", "latency (ms, log scale)", NULL, SPEC_X, SPEC_L, 6);
    html_legend lg = {0};
    html_styles st;
    html_styles_init(&st, c, by_registry);
    for (size_t i = 0; i < gs->n; i++)
        if (in_chart(&gs->g[i], scn, cls)) curve(c, &p, &gs->g[i], &st, &lg);
    html_plot_close(&p);
    html_legend_write(f, &lg);
    fputs("</figure>\n", f);
    return 1;
}

void html_latency(const html_ctx *c)
{
    FILE *f = c->f;
    const rb_groups *gs = &c->sec->groups;
    size_t drawn = 0;
    html_section_head(f, "latency", "Latency percentile spectrum",
                      "Per scenario and size class: the latency at each percentile (p50 … p99.9 and the maximum), "
                      "medians over repetitions. Both axes are logarithmic, so the tail gets as much room as the median; "
                      "a curve that bends up at the right has a long tail.");
    fputs("<div class=\"grid\">\n", f);
    for (size_t si = 0; si < c->sec->n_scenarios; si++) {
        const char *scn = c->sec->scenarios[si].name;
        /* size classes of this scenario, in order */
        char classes[32][256];
        size_t ncls = 0;
        for (size_t i = 0; i < gs->n; i++) {
            const rb_group *g = &gs->g[i];
            if (strcmp(g->scenario, scn) != 0 || !(g->ops > 0)) continue;
            char cl[256];
            class_of(g, cl, sizeof cl);
            int seen = 0;
            for (size_t k = 0; k < ncls; k++)
                if (!strcmp(classes[k], cl)) seen = 1;
            if (!seen && ncls < 32) snprintf(classes[ncls++], sizeof classes[0], "%s", cl);
        }
        for (size_t ci = 0; ci < ncls; ci++) drawn += spectrum(c, scn, classes[ci]);
    }
    fputs("</div>\n", f);
    if (drawn == 0) html_nodata(f, "latency", "no phase has operations");
    fputs("</section>\n", f);
}
