/* html_scaling: the "Scaling with concurrency" section of report.html: per
 * scenario, throughput (or operations per second) and p99 latency against
 * the number of virtual users, from phases named like op/vus=N, else from
 * the scenario's throughput_MBps{vus=N} gauges; or, for a scenario with
 * phases named like op/repos=N (metadata), against the number of
 * repositories; all in one grid (dense from HTML_DENSE_AT charts). */
#include "html.h"
#include "results/rb_load.h"
#include "util/rb_util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct spoint {
    const char *registry, *label;
    char op[128];
    double vus, mbps, ops, p99;
} spoint;

/* Parses "op/X=N" for the x key X ("vus" or "repos"; the X part anywhere
 * among the '/' parts): op and N. */
static int parse_x(const char *key, const char *xkey, char *op, size_t n, double *vus)
{
    char pat[16];
    snprintf(pat, sizeof pat, "%s=", xkey);
    size_t plen = strlen(pat);
    const char *v = strstr(key, pat);
    if (!v || (v != key && v[-1] != '/' && v[-1] != ',')) return -1;
    char *end;
    long x = strtol(v + plen, &end, 10);
    if (end == v + plen || (*end && *end != '/' && *end != ',') || x <= 0) return -1;
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

/* The x key of a scenario: "vus" if a phase with ops is named op/vus=N,
 * else "repos" if one is named op/repos=N, else "vus" (for gauges). */
static const char *scaling_xkey(const rb_groups *gs, const char *scn)
{
    const char *key = NULL;
    for (size_t i = 0; i < gs->n; i++) {
        const rb_group *g = &gs->g[i];
        char op[128];
        double x;
        if (strcmp(g->scenario, scn) != 0 || !(g->ops > 0)) continue;
        if (parse_x(g->phase, "vus", op, sizeof op, &x) == 0) return "vus";
        if (!key && parse_x(g->phase, "repos", op, sizeof op, &x) == 0) key = "repos";
    }
    return key ? key : "vus";
}

/* Points of a scenario from its "op/XKEY=N" phases, else (vus) from throughput_MBps{vus=N} gauges. */
static size_t scaling_points(const html_ctx *c, const rb_groups *gs, const char *scn, const char *xkey, spoint *pts,
                             size_t max, int *from_gauges)
{
    size_t n = 0;
    *from_gauges = 0;
    for (size_t i = 0; i < gs->n && n < max; i++) {
        const rb_group *g = &gs->g[i];
        if (strcmp(g->scenario, scn) != 0 || !(g->ops > 0)) continue;
        spoint *sp = &pts[n];
        if (parse_x(g->phase, xkey, sp->op, sizeof sp->op, &sp->vus) != 0) continue;
        sp->registry = g->registry;
        sp->label = g->label;
        sp->mbps = rb_group_median(g, RB_STAT_MBPS);
        sp->ops = rb_group_median(g, RB_STAT_OPS_PER_S);
        sp->p99 = rb_group_median(g, RB_STAT_P99);
        n++;
    }
    if (n == 0 && strcmp(xkey, "vus") == 0) {
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

/* A scenario's points and what its two charts share: the axes. */
typedef struct scaling {
    const char *scn;
    int repos;              /* x is the number of repositories (op/repos=N), not of VUs */
    const spoint *pts;
    size_t n;
    int gauges;             /* the points come from throughput_MBps gauges */
    int use_ops;            /* no point moved bytes: chart operations per second */
    double vlo, vhi, ymax, pmax;
    int dense;              /* drawn in a dense grid: HTML_DENSE_W charts */
    double xt[16];          /* x ticks: the VU counts */
    const char *xl[16];
    char xlb[16][16];
    size_t nxt;
} scaling;

/* Value of point p in chart `which` (0 throughput or ops/s, 1 p99). */
static double point_value(const scaling *s, const spoint *p, int which)
{
    return which ? p->p99 : s->use_ops ? p->ops : p->mbps;
}

static void scaling_axes(scaling *s)
{
    s->use_ops = 1;   /* listings move few bytes: against repositories, always operations per second */
    for (size_t i = 0; i < s->n && !s->repos; i++)
        if (s->pts[i].mbps > 0) s->use_ops = 0;
    s->vlo = INFINITY;
    s->vhi = s->ymax = s->pmax = 0;
    s->nxt = 0;
    for (size_t i = 0; i < s->n; i++) {
        const spoint *p = &s->pts[i];
        double y = point_value(s, p, 0);
        if (p->vus < s->vlo) s->vlo = p->vus;
        if (p->vus > s->vhi) s->vhi = p->vus;
        if (y > s->ymax) s->ymax = y;
        if (p->p99 > s->pmax) s->pmax = p->p99;
        int seen = 0;
        for (size_t k = 0; k < s->nxt; k++)
            if (s->xt[k] == p->vus) seen = 1;
        if (!seen && s->nxt < 16) {
            s->xt[s->nxt] = p->vus;
            snprintf(s->xlb[s->nxt], sizeof s->xlb[0], "%.0f", p->vus);
            s->xl[s->nxt] = s->xlb[s->nxt];
            s->nxt++;
        }
    }
}

/* One series: the points pts[i..j) of one (registry, label, op). */
static void series(const html_ctx *c, const html_plot *p, const scaling *s, int which, size_t i, size_t j,
                   html_styles *st, html_legend *lg)
{
    FILE *f = c->f;
    const spoint *pts = s->pts;
    char lab[400];
    snprintf(lab, sizeof lab, "%s%s%s%s%s", c->multi_reg ? pts[i].registry : "", c->multi_reg ? " · " : "",
             pts[i].op, pts[i].label[0] ? " " : "", pts[i].label);
    const char *col, *dash;
    html_style_next(st, pts[i].registry, pts[i].op, &col, &dash);
    fputs("<path class=\"mark\"", f);
    html_line_attrs(f, col, dash, lab);
    fputs(" d=\"", f);
    int first = 1;
    for (size_t k = i; k < j; k++) {
        double y = point_value(s, &pts[k], which);
        if (!isfinite(y)) continue;
        fprintf(f, "%s%.1f %.1f", first ? "M" : "L", html_px(p, pts[k].vus), html_py(p, y));
        first = 0;
    }
    if (j - i == 1) fputs("h1", f);
    fputs("\"><title>", f);
    html_esc(f, lab);
    fputs("</title></path>", f);
    for (size_t k = i; k < j; k++) {
        double y = point_value(s, &pts[k], which);
        char b[32];
        if (!isfinite(y)) continue;
        fprintf(f, "<circle class=\"mark\" cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\"><title>", html_px(p, pts[k].vus),
                html_py(p, y), col);
        html_esc(f, lab);
        fprintf(f, ", %.0f %s: %s %s</title></circle>", pts[k].vus, s->repos ? "repositories" : "VUs", html_fnum(b, sizeof b, y),
                which ? "ms" : s->use_ops ? "ops&#47;s" : "MB&#47;s");
    }
    fputc('\n', f);
    html_legend_add(lg, col, dash, 0, lab);
}

/* The figure of chart `which` (0 throughput or ops/s, 1 p99 latency) of a scenario. */
static void scaling_chart(const html_ctx *c, const scaling *s, int which)
{
    FILE *f = c->f;
    char cap[400];
    snprintf(cap, sizeof cap, "%s: %s against %s", s->scn,
             which ? "p99 latency" : s->use_ops ? "operations per second" : "throughput",
             s->repos ? "the number of repositories" : "concurrency");
    html_fig_open(f, cap, NULL);
    html_plot p;
    html_plot_open(&p, f, "scaling", s->dense ? HTML_DENSE_W : HTML_CHART_W, s->dense ? HTML_DENSE_H : HTML_CHART_H, 0, cap);
    p.x = (html_axis){s->vlo / 1.4, s->vhi * 1.4, 1, HTML_NUM};
    p.y = html_value_axis(which ? s->pmax : s->ymax, HTML_NUM);
    html_plot_axes(&p, s->repos ? "repositories (log scale)" : "concurrent virtual users (log scale)",
                   which ? "p99 latency (ms)" : s->use_ops ? "operations per second" : "throughput (MB/s)", NULL, s->xt,
                   s->xl, s->nxt);
    html_legend lg = {0};
    html_styles st;
    int by_registry = 0;
    for (size_t i = 1; i < s->n; i++)
        if (strcmp(s->pts[i].registry, s->pts[0].registry) != 0) by_registry = 1;
    html_styles_init(&st, c, by_registry);
    for (size_t i = 0; i < s->n;) {
        size_t j = i;
        while (j < s->n && !strcmp(s->pts[j].registry, s->pts[i].registry) && !strcmp(s->pts[j].label, s->pts[i].label) &&
               !strcmp(s->pts[j].op, s->pts[i].op)) j++;
        series(c, &p, s, which, i, j, &st, &lg);
        i = j;
    }
    html_plot_close(&p);
    html_legend_write(f, &lg);
    if (s->gauges) fputs("<p class=\"note\">From the scenario's throughput_MBps gauges.</p>", f);
    fputs("</figure>\n", f);
}

void html_scaling(const html_ctx *c)
{
    FILE *f = c->f;
    const rb_groups *gs = &c->sec->groups;
    const char *scn[RB_SEC_MAX_SCENARIOS];
    size_t nscn = 0, drawn = 0;
    html_section_head(f, "scaling", "Scaling with concurrency",
                      "Throughput and p99 latency against the number of concurrent virtual users (phases op/vus=N: "
                      "perfect scaling multiplies throughput by N at constant latency), or against the number of "
                      "repositories (op/repos=N, metadata).");
    for (size_t i = 0; i < c->sec->n_scenarios; i++) scn[nscn++] = c->sec->scenarios[i].name;
    /* scenarios with only gauges (no vus phases with ops) are not in gs: add run scenarios too */
    for (size_t ri = 0; ri < c->nruns && nscn < RB_SEC_MAX_SCENARIOS; ri++) {
        const char *s = rb_json_str(json_array_get(c->runs, ri), "scenario");
        int seen = 0;
        for (size_t k = 0; k < nscn; k++)
            if (!strcmp(scn[k], s)) seen = 1;
        if (!seen) scn[nscn++] = s;
    }
    spoint *pts = rb_calloc(1024, sizeof *pts);
    /* twice: first how many charts there are (the grid's density), then the charts */
    size_t charts = 0;
    int dense = 0;
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1) dense = html_grid_open(f, charts);
        for (size_t si = 0; si < nscn; si++) {
            const char *xkey = scaling_xkey(gs, scn[si]);
            scaling s = {.scn = scn[si], .pts = pts, .repos = strcmp(xkey, "repos") == 0, .dense = dense};
            s.n = scaling_points(c, gs, scn[si], xkey, pts, 1024, &s.gauges);
            if (s.n == 0) continue;
            scaling_axes(&s);
            for (int which = 0; which < 2; which++) {
                if (which == 1 && !(s.pmax > 0)) continue;
                if (pass == 0) {
                    charts++;
                    continue;
                }
                scaling_chart(c, &s, which);
                drawn++;
            }
        }
    }
    fputs("</div>\n", f);
    free(pts);
    if (drawn == 0)
        html_nodata(f, "scaling", "no phase is named like push/vus=N and no throughput_MBps{vus=N} gauge was recorded");
    fputs("</section>\n", f);
}
