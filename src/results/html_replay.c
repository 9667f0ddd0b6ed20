/* html_replay: the "Replay" section of report.html, present when a run
 * records a replay's metrics (replay_*, by name: scenarios/replay.lua or
 * any scenario that records the same): per (registry, label) a table per op
 * of the latency the log recorded against the latency measured on the
 * registry under test (from the actual and from the intended start) with
 * their ratio, the on-time share and the request rates, and the replayed
 * mix against the logged one with differences marked; above them a grouped
 * bar chart of recorded against measured p50 and p99 per op (log axis:
 * an upload and a tags list differ by orders of magnitude). Medians over
 * repetitions (rb_sections.h). */
#include "html.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

enum { P50 = 4, P90 = 5, P99 = 7 };   /* trend fields, rb_sec_mtype_fields order */
static const size_t PK[3] = {P50, P90, P99};

/* A cell with number v ("-" for NaN), right-aligned. */
static void td_val(FILE *f, double v)
{
    char b[32];
    fprintf(f, "<td class=\"n\">%s</td>", html_fnum(b, sizeof b, v));
}

static double field(const rb_sec_custom *c, size_t k)
{
    return c ? c->v[k] : NAN;
}

enum { B_REC50, B_MEAS50, B_REC99, B_MEAS99, NB };
static const char *const B_NAME[NB] = {"recorded p50", "measured p50", "recorded p99", "measured p99"};
static const int B_COL[NB] = {5, 1, 0, 3};   /* html_palette: sky blue, orange, blue, vermillion */

/* The value of bar b of op o (NaN when absent). */
static double bar_value(const rb_sec_replay_op *o, int b)
{
    const rb_sec_custom *c = b == B_REC50 || b == B_REC99 ? o->recorded : o->measured;
    return field(c, b == B_REC50 || b == B_MEAS50 ? P50 : P99);
}

/* The grouped bar chart of r: per op, recorded and measured p50 and p99. */
static void replay_chart(FILE *f, const rb_sec_replay *r)
{
    char cap[300];
    snprintf(cap, sizeof cap, "Recorded against measured latency per op on %s%s%s", r->registry, r->label[0] ? " " : "",
             r->label);
    double lo = INFINITY, hi = 0;
    for (size_t k = 0; k < r->n_ops; k++)
        for (int b = 0; b < NB; b++) {
            double v = bar_value(&r->ops[k], b);
            if (isfinite(v) && v > 0) {
                if (v < lo) lo = v;
                if (v > hi) hi = v;
            }
        }
    double w = 62 + 40 + 84.0 * (double)r->n_ops;
    if (w <= HTML_CHART_W) {
        w = HTML_CHART_W;
        html_fig_open(f, cap, NULL);
    } else {
        html_fig_open_wide(f, cap);
    }
    if (!(hi > 0)) {
        html_nodata(f, "replay", "no op has a recorded or measured latency above 0");
        fputs("</figure>\n", f);
        return;
    }
    html_plot p;
    html_plot_open(&p, f, "replay", w, HTML_CHART_H, 0, cap);
    p.x = (html_axis){0, (double)r->n_ops, 0, HTML_NUM};
    p.y = html_log_axis(lo, hi, HTML_NUM);
    double none[1] = {0};
    const char *nol[1] = {NULL};
    html_plot_axes(&p, "", "latency (ms, log scale)", NULL, none, nol, 0);
    double gw = p.W / (double)r->n_ops, bw = (gw - 12) / NB;
    for (size_t k = 0; k < r->n_ops; k++) {
        const rb_sec_replay_op *o = &r->ops[k];
        char b[32];
        for (int i = 0; i < NB; i++) {
            double v = bar_value(o, i), x = p.L + gw * (double)k + 6 + bw * i;
            if (!(isfinite(v) && v > 0)) continue;
            double y = html_py(&p, v);
            fprintf(f, "<rect class=\"mark\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>",
                    x, y, bw - 1, p.T + p.H - y, html_palette[B_COL[i]]);
            html_esc(f, o->op);
            fprintf(f, ": %s %s ms</title></rect>", B_NAME[i], html_fnum(b, sizeof b, v));
        }
        if (k > 0)
            fprintf(f, "<line class=\"boundary\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>", p.L + gw * (double)k,
                    p.L + gw * (double)k, p.T, p.T + p.H);
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", p.L + gw * ((double)k + 0.5), p.T + p.H + 14);
        html_text_fit(f, o->op, gw - 6);
        fputs("</text>\n", f);
    }
    html_plot_close(&p);
    html_legend lg = {0};
    for (int i = 0; i < NB; i++) html_legend_add(&lg, html_palette[B_COL[i]], "", 1, B_NAME[i]);
    html_legend_write(f, &lg);
    fputs("<p class=\"note\">Recorded: the duration the registry in the log wrote; measured: on the registry under "
          "test, from the request's actual start. A missing bar: that side has no value (an absorbed op is never "
          "timed here).</p>\n</figure>\n", f);
}

/* One replay: the per-op latency table, the facts, the mix table. */
static void replay_tables(FILE *f, const rb_sec_replay *r)
{
    fputs("<table class=\"replay-ops\"><caption>Latency per op on ", f);
    html_esc(f, r->registry);
    if (r->label[0]) {
        fputs(" ", f);
        html_esc(f, r->label);
    }
    fputs(" (ms)</caption>\n<tr><th rowspan=\"2\">op</th><th rowspan=\"2\">requests</th><th colspan=\"3\">recorded in the log"
          "</th><th colspan=\"3\">measured</th><th colspan=\"3\">measured from intended start</th><th colspan=\"3\">ratio "
          "measured / recorded</th></tr>\n<tr>", f);
    for (int g = 0; g < 4; g++) fputs("<th>p50</th><th>p90</th><th>p99</th>", f);
    fputs("</tr>\n", f);
    for (size_t k = 0; k < r->n_ops; k++) {
        const rb_sec_replay_op *o = &r->ops[k];
        const rb_sec_custom *cnt = o->measured ? o->measured : o->recorded;
        fputs("<tr><td>", f);
        html_esc(f, o->op);
        fprintf(f, "</td><td class=\"n\">%.0f</td>", cnt ? cnt->count : 0);
        for (int q = 0; q < 3; q++) td_val(f, field(o->recorded, PK[q]));
        for (int q = 0; q < 3; q++) td_val(f, field(o->measured, PK[q]));
        for (int q = 0; q < 3; q++) td_val(f, field(o->corrected, PK[q]));
        for (int q = 0; q < 3; q++) {
            double m = field(o->measured, PK[q]), rec = field(o->recorded, PK[q]);
            char b[32] = "-";
            if (isfinite(m) && isfinite(rec) && rec > 0) snprintf(b, sizeof b, "%.2fx", m / rec);
            fprintf(f, "<td class=\"n\">%s</td>", b);
        }
        fputs("</tr>\n", f);
    }
    fputs("</table>\n<ul class=\"findings\">", f);
    char b[3][32];
    if (r->on_time) {
        fprintf(f, "<li%s>On time (started within ", r->on_time->v[0] < 0.99 ? " class=\"err\"" : "");
        html_esc(f, r->tolerance[0] ? r->tolerance : "the tolerance");
        fprintf(f, " of the intended time): <b>%.1f%%</b> of %.0f requests.</li>",
                isfinite(r->on_time->v[0]) ? r->on_time->v[0] * 100 : 0, r->on_time->count);
    }
    fprintf(f, "<li>Request rate: recorded %s/s, achieved %s/s.</li>",
            html_fnum(b[0], sizeof b[0], r->rate_recorded ? r->rate_recorded->v[0] : NAN),
            html_fnum(b[1], sizeof b[1], r->rate_achieved ? r->rate_achieved->v[0] : NAN));
    fprintf(f, "<li>Dropped %.0f, late %.0f, absorbed %.0f, failed %.0f.</li></ul>\n", r->dropped, r->late, r->absorbed,
            r->failed);
    fputs("<table class=\"replay-mix\"><caption>Replayed mix against the logged mix</caption>\n<tr><th>method</th>"
          "<th>kind</th><th>status</th><th>logged</th><th>replayed</th><th>difference</th></tr>\n", f);
    for (size_t k = 0; k < r->n_mix; k++) {
        const rb_sec_replay_mix *x = &r->mix[k];
        double d = x->replayed - x->logged;
        fprintf(f, "<tr%s><td>", d != 0 ? " class=\"err\"" : "");
        html_esc(f, x->method);
        fputs("</td><td>", f);
        html_esc(f, x->kind);
        fputs("</td><td>", f);
        html_esc(f, x->status);
        fprintf(f, "</td><td class=\"n\">%.0f</td><td class=\"n\">%.0f</td><td class=\"n\">%s%+.0f%s</td></tr>\n",
                x->logged, x->replayed, d != 0 ? "<b>" : "", d, d != 0 ? "</b>" : "");
    }
    fputs("</table>\n", f);
}

/* Whether any scenario of the page has a replay. */
int html_has_replay(const html_ctx *c)
{
    for (size_t i = 0; i < c->sec->n_scenarios; i++)
        if (c->sec->scenarios[i].n_replays) return 1;
    return 0;
}

void html_replay(const html_ctx *c)
{
    if (!html_has_replay(c)) return;
    FILE *f = c->f;
    html_section_head(f, "replay", "Replay: recorded against measured",
                      "The production registry in the log against the registry under test, on the same traffic: per "
                      "op the latency the log recorded, the latency measured here from the request's actual start and "
                      "from its intended start (which counts the time it waited to be sent), and measured / recorded; "
                      "the share of requests started on time; the recorded and the achieved request rate; the "
                      "requests replayed against those logged by method, kind and status class (rows that differ "
                      "marked). Medians over repetitions.");
    for (size_t i = 0; i < c->sec->n_scenarios; i++) {
        const rb_sec_scenario *sc = &c->sec->scenarios[i];
        for (size_t k = 0; k < sc->n_replays; k++) {
            fputs("<h3>Scenario ", f);
            html_esc(f, sc->name);
            fputs("</h3>\n<div class=\"grid\">\n", f);
            replay_chart(f, &sc->replays[k]);
            fputs("</div>\n<div class=\"tables\">\n", f);
            replay_tables(f, &sc->replays[k]);
            fputs("</div>\n", f);
        }
    }
    fputs("</section>\n", f);
}
