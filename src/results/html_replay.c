/* html_replay: the "Replay" section of report.html, present when a run
 * records a replay's metrics (replay_*, by name: scenarios/replay.lua or
 * any scenario that records the same): per (registry, label) a table per op
 * of the latency the log recorded against the latency measured on the
 * registry under test (from the actual and from the intended start) with
 * their ratio, the on-time share and the request rates, and the replayed
 * mix against the logged one with differences marked. Medians over
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
            fputs("</h3>\n<div class=\"tables\">\n", f);
            replay_tables(f, &sc->replays[k]);
            fputs("</div>\n", f);
        }
    }
    fputs("</section>\n", f);
}
