/* html_dedup: the "Deduplication" section of report.html: per scenario that
 * records logical_bytes gauges, bars per phase of what the images add up
 * to, what was uploaded and what the registry stored, with the registry's
 * RSS at the phase end as dots; medians over repetitions of each
 * (registry, label, phase name). */
#include "html.h"
#include "results/rb_load.h"
#include "util/rb_util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

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

/* The phases with operations of scenario scn's runs, grouped by (registry,
 * label, phase name) into dg (at most 256); have[k]: some value k is known. */
static size_t dedup_groups(const html_ctx *c, const char *scn, dgroup *dg, int have[ND])
{
    size_t ng = 0;
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
    return ng;
}

/* The figure of scenario scn; 1 when it has a chart. */
static int dedup_chart(const html_ctx *c, const char *scn)
{
    FILE *f = c->f;
    dgroup *dg = rb_calloc(256, sizeof *dg);
    int have[ND] = {0};
    size_t ng = dedup_groups(c, scn, dg, have);
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
    double w = 62 + 72 + 94.0 * (double)ng;   /* three groups fit a grid cell */
    if (w <= HTML_CHART_W) {
        w = HTML_CHART_W;
        html_fig_open(f, cap, NULL);
    } else {
        html_fig_open_wide(f, cap);
    }
    if (ng == 0 || !(ymax > 0)) {
        html_nodata(f, "dedup", "no phase moved bytes");
        fputs("</figure>\n", f);
        free(dg);
        return 0;
    }
    int nbars = have[D_LOGICAL] + have[D_SENT] + have[D_STORED];
    html_plot p;
    html_plot_open(&p, f, "dedup", w, HTML_CHART_H + 6, have[D_RSS], cap);
    p.H = p.h - p.T - 46; /* room for two-line group labels; the x axis has no title */
    p.x = (html_axis){0, (double)ng, 0, HTML_NUM};
    p.y = html_value_axis(ymax, HTML_BYTES);
    p.y2 = html_value_axis(rmax > 0 ? rmax : 1e6, HTML_BYTES);
    double gw = p.W / (double)ng;
    double none[1] = {0};
    const char *nol[1] = {NULL};
    html_plot_axes(&p, "", "bytes (bars)", "registry RSS at phase end (dots)", none, nol, 0);
    const char *bar_col[ND] = {html_palette[5], html_palette[0], html_palette[1], html_palette[3]};
    for (size_t k = 0; k < ng; k++) {
        double bw = (gw - 16) / (nbars ? nbars : 1), x = p.L + gw * (double)k + 8;
        char b[32];
        for (int s = 0; s < D_RSS; s++) {
            if (!have[s]) continue;
            double m = rb_median(dg[k].v[s], dg[k].n);
            if (isfinite(m)) {
                double y = html_py(&p, m > 0 ? m : 0);
                fprintf(f, "<rect class=\"mark\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>",
                        x, y, bw - 1, p.T + p.H - y, bar_col[s]);
                html_esc(f, dg[k].phase);
                fprintf(f, ": %s %s</title></rect>", D_NAME[s], html_fbytes(b, sizeof b, m));
            }
            x += bw;
        }
        double cx = p.L + gw * ((double)k + 0.5), r = rb_median(dg[k].v[D_RSS], dg[k].n);
        if (isfinite(r)) {
            fprintf(f, "<circle class=\"mark\" cx=\"%.1f\" cy=\"%.1f\" r=\"4.5\" fill=\"%s\" stroke=\"#fff\"><title>",
                    cx, html_py2(&p, r), bar_col[D_RSS]);
            html_esc(f, dg[k].phase);
            fprintf(f, ": %s %s</title></circle>", D_NAME[D_RSS], html_fbytes(b, sizeof b, r));
        }
        fprintf(f, "<line class=\"boundary\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>", p.L + gw * (double)k,
                p.L + gw * (double)k, p.T, p.T + p.H);
        char sub[300];
        snprintf(sub, sizeof sub, "%s%s%s", dg[k].registry, dg[k].label[0] ? " " : "", dg[k].label);
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", cx, p.T + p.H + 14);
        html_text_fit(f, dg[k].phase, gw - 8);
        fprintf(f, "</text><text class=\"sub\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", cx, p.T + p.H + 29);
        html_text_fit(f, sub, gw - 8);
        fputs("</text>\n", f);
    }
    html_plot_close(&p);
    html_legend lg = {0};
    for (int s = 0; s < D_RSS; s++)
        if (have[s]) html_legend_add(&lg, bar_col[s], "", 1, D_NAME[s]);
    if (have[D_RSS]) html_legend_add(&lg, bar_col[D_RSS], "", 1, "registry RSS at phase end (dot, right axis)");
    html_legend_write(f, &lg);
    fputs("<p class=\"note\">Stored: growth of the registry's storage directory during the phase (disk storage "
          "only); a memory registry keeps blobs in its RSS. Medians over repetitions.</p>\n</figure>\n", f);
    free(dg);
    return 1;
}

void html_dedup(const html_ctx *c)
{
    FILE *f = c->f;
    html_section_head(f, "dedup", "Deduplication",
                      "What the pushed images add up to against what was uploaded and what the registry kept: shared layers "
                      "that are skipped or mounted are not sent again.");
    const char *done[64];
    size_t ndone = 0, drawn = 0;
    fputs("<div class=\"grid\">\n", f);
    for (size_t r0 = 0; r0 < c->nruns; r0++) {
        const json_t *run0 = json_array_get(c->runs, r0);
        const char *scn = rb_json_str(run0, "scenario");
        if (!run_has_metric(run0, "logical_bytes")) continue;
        int seen = 0;
        for (size_t k = 0; k < ndone; k++)
            if (!strcmp(done[k], scn)) seen = 1;
        if (seen || ndone == 64) continue;
        done[ndone++] = scn;
        drawn += dedup_chart(c, scn);
    }
    fputs("</div>\n", f);
    if (drawn == 0) html_nodata(f, "dedup", "no scenario recorded logical_bytes gauges");
    fputs("</section>\n", f);
}
