/* html_latency: the latency percentile spectra of report.html: charts of
 * each group's median latency at p50 … p99.9 and the maximum, both axes
 * logarithmic, one per scenario and size class (the part of a phase key
 * after its first '/', with the label). The "Latency percentile spectrum"
 * section near the top has one chart per scenario, its headline size class
 * (the largest); a scenario with several size classes has all of them in
 * its own part of the Summary further down. A grid of many charts is
 * dense (html_grid_open), its charts narrower, their percentile ticks
 * without the "p" so that p90 and p95 do not run into each other. */
#include "html.h"
#include "util/rb_util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const double SPEC_X[6] = {2, 10, 20, 100, 1000, 10000};
static const char *const SPEC_L[6] = {"p50", "p90", "p95", "p99", "p99.9", "max"};
static const char *const SPEC_L_DENSE[6] = {"50", "90", "95", "99", "99.9", "max"};
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

/* The figure of scenario scn and size class cls, dense or not; more > 0
 * names the scenario's other size classes (shown in its Summary part) in
 * the caption. 1 when it has a chart. */
static int spectrum(const html_ctx *c, const char *scn, const char *cls, int dense, size_t more)
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
    /* the figure, its caption pointing at the scenario's other size classes */
    fputs("<figure>\n<figcaption>", f);
    html_esc(f, cap);
    if (more) {
        fputs(" <span class=\"more\">(largest of <a href=\"#", f);
        html_scenario_anchor(f, scn);
        fprintf(f, "\">%zu size classes</a>)</span>", more + 1);
    }
    fputs("</figcaption>\n", f);
    if (!(hi > 0)) {
        html_nodata(f, "latency", "every latency is 0");
        fputs("</figure>\n", f);
        return 0;
    }
    if (!isfinite(lo)) lo = hi;
    html_plot p;
    html_plot_open(&p, f, "latency", dense ? HTML_DENSE_W : HTML_CHART_W, dense ? HTML_DENSE_H : HTML_CHART_H, 0, cap);
    p.x = (html_axis){1.4, 14000, 1, HTML_NUM};
    p.y = html_log_axis(lo, hi, HTML_NUM);
    html_plot_axes(&p, dense ? "percentile (log of 1/(1-p))" : "percentile (log scale of 1/(1-p))",
                   "latency (ms, log scale)", NULL, SPEC_X, dense ? SPEC_L_DENSE : SPEC_L, 6);
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

#define MAX_CLASSES 32

/* The size classes of scenario scn that have operations, in group order; returns how many. */
static size_t scenario_classes(const html_ctx *c, const char *scn, char classes[][256])
{
    const rb_groups *gs = &c->sec->groups;
    size_t ncls = 0;
    for (size_t i = 0; i < gs->n; i++) {
        const rb_group *g = &gs->g[i];
        if (strcmp(g->scenario, scn) != 0 || !(g->ops > 0)) continue;
        char cl[256];
        class_of(g, cl, sizeof cl);
        int seen = 0;
        for (size_t k = 0; k < ncls; k++)
            if (!strcmp(classes[k], cl)) seen = 1;
        if (!seen && ncls < MAX_CLASSES) snprintf(classes[ncls++], sizeof classes[0], "%s", cl);
    }
    return ncls;
}

/* How large a size class is: the largest of its "=VALUE" values, sizes
 * with their units as rb_parse_size reads them ("size=5MB/level=6" 5e6,
 * "vus=8" 8), other numbers as they are; -1 for a class without one, -2
 * for the empty class. */
static double class_weight(const char *cls)
{
    if (!cls[0]) return -2;
    double best = -1;
    for (const char *s = strchr(cls, '='); s; s = strchr(s + 1, '=')) {
        char tok[64];
        size_t n = strcspn(s + 1, "/, ");
        if (n == 0 || n >= sizeof tok) continue;
        memcpy(tok, s + 1, n);
        tok[n] = '\0';
        uint64_t bytes;
        double v;
        if (rb_parse_size(tok, &bytes, NULL, 0) == 0) {
            v = (double)bytes;
        } else {   /* not a byte count: a fraction, say */
            char *end;
            v = strtod(tok, &end);
            if (end == tok || *end || !isfinite(v)) continue;
        }
        if (v > best) best = v;
    }
    return best;
}

/* The headline of n size classes: the largest, the later one on a tie. */
static size_t headline(char classes[][256], size_t n)
{
    size_t h = 0;
    for (size_t i = 1; i < n; i++)
        if (class_weight(classes[i]) >= class_weight(classes[h])) h = i;
    return h;
}

void html_latency(const html_ctx *c)
{
    FILE *f = c->f;
    char classes[MAX_CLASSES][256];
    size_t drawn = 0, charts = 0;
    html_section_head(f, "latency", "Latency percentile spectrum",
                      "Per scenario, its largest size class (each one is under Summary): latency at p50 … p99.9 and the "
                      "maximum, medians over repetitions, on log axes: a curve that bends up at the right has a long tail.");
    for (size_t si = 0; si < c->sec->n_scenarios; si++) charts += scenario_classes(c, c->sec->scenarios[si].name, classes) > 0;
    int dense = html_grid_open(f, charts);
    for (size_t si = 0; si < c->sec->n_scenarios; si++) {
        const char *scn = c->sec->scenarios[si].name;
        size_t ncls = scenario_classes(c, scn, classes);
        if (ncls == 0) continue;
        drawn += spectrum(c, scn, classes[headline(classes, ncls)], dense, ncls - 1);
    }
    fputs("</div>\n", f);
    if (drawn == 0) html_nodata(f, "latency", "no phase has operations");
    fputs("</section>\n", f);
}

/* Every size class of scenario scn, in group order, when it has more than
 * one (else the chart at the top is all there is): for its Summary part. */
void html_latency_classes(const html_ctx *c, const char *scn)
{
    FILE *f = c->f;
    char classes[MAX_CLASSES][256];
    size_t ncls = scenario_classes(c, scn, classes);
    if (ncls < 2) return;
    fprintf(f, "<p class=\"note\">Latency percentile spectrum of each of its %zu size classes (as in the "
               "<a href=\"#latency\">spectrum</a> at the top):</p>\n", ncls);
    int dense = html_grid_open(f, ncls);
    for (size_t ci = 0; ci < ncls; ci++) spectrum(c, scn, classes[ci], dense, 0);
    fputs("</div>\n", f);
}
