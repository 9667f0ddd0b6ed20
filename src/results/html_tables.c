/* html_tables: the table sections of report.html, rendered from the
 * sections summary.md shows too (rb_sections.h): failed and interrupted
 * runs, the registries side by side, the OCI conformance suite per
 * registry, the per-scenario summary with its
 * findings (like with like: the best and worst registry of one phase),
 * checks and custom metrics, thresholds, warnings, the scenarios' own
 * metrics, the environment, and a merged run's shards. */
#include "html.h"

#include "util/rb_util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SPREADS_SHOWN 8   /* like-with-like findings per scenario, as in summary.md */

static void td_num(FILE *f, const char *s)
{
    fputs("<td class=\"n\">", f);
    html_esc(f, s);
    fputs("</td>", f);
}

static void td_text(FILE *f, const char *s)
{
    fputs("<td>", f);
    html_esc(f, s);
    fputs("</td>", f);
}

/* A count as shown in the tables: the integer nearest to v, 0 for NaN. */
static long long count_of(double v)
{
    return isfinite(v) ? llround(v) : 0;
}

/* "phase" or "phase (label)" for sentences, escaped. */
static void where(FILE *f, const rb_group *g)
{
    html_esc(f, g->phase);
    if (g->label[0]) {
        fputs(" (", f);
        html_esc(f, g->label);
        fputc(')', f);
    }
    fputs(" on ", f);
    html_esc(f, g->registry);
}

void html_failed_runs(const html_ctx *c)
{
    FILE *f = c->f;
    for (size_t i = 0; i < c->sec->n_failed; i++) {
        const rb_sec_failed *r = &c->sec->failed[i];
        if (i == 0)
            fputs("<section id=\"failed\"><h2>Failed and interrupted runs</h2>\n<table><tr><th>registry</th><th>scenario</th>"
                  "<th>label</th><th>rep</th><th>status</th><th>exit code</th><th>error</th><th>incomplete phases</th></tr>\n", f);
        char rep[24], code[24];
        snprintf(rep, sizeof rep, "%lld", r->rep);
        snprintf(code, sizeof code, "%lld", r->exit_code);
        fputs("<tr class=\"err\">", f);
        td_text(f, r->registry);
        td_text(f, r->scenario);
        td_text(f, r->label);
        td_num(f, rep);
        td_text(f, r->status);
        td_num(f, code);
        fputs("<td class=\"msg\">", f);
        html_esc(f, r->error[0] ? r->error : "(no message)");
        fputs("</td><td>", f);
        for (size_t k = 0; k < r->n_incomplete; k++) {
            if (k) fputs(", ", f);
            html_esc(f, r->incomplete[k]);
        }
        if (r->n_incomplete == 0) fputs("none", f);
        fputs("</td></tr>\n", f);
    }
    if (c->sec->n_failed) fputs("</table></section>\n", f);
}

void html_shards(const html_ctx *c)
{
    FILE *f = c->f;
    const rb_sections *s = c->sec;
    if (s->n_shards == 0) return;
    char intro[256];
    snprintf(intro, sizeof intro, "Merged from %zu shards%s. Clock offsets are estimated from the barrier releases (the "
             "median difference to the reference shard); start skew is after that correction.", s->n_shards,
             s->partial ? " (partial: not every shard's work is in these figures)" : "");
    html_section_head(f, "shards", "Shards", intro);
    fputs("<table><tr><th>shard</th><th>status</th><th>host</th><th>clock offset ms</th><th>barriers</th>"
          "<th>max start skew ms</th><th>duration s</th><th>ops</th><th>errors</th><th>client CPU s</th>"
          "<th>client peak RSS</th><th>error</th></tr>\n", f);
    for (size_t i = 0; i < s->n_shards; i++) {
        const rb_sec_shard *h = &s->shards[i];
        char b[8][40];
        snprintf(b[0], sizeof b[0], "%lld", h->index);
        snprintf(b[1], sizeof b[1], "%lld", h->barriers);
        snprintf(b[2], sizeof b[2], "%lld", count_of(h->ops));
        snprintf(b[3], sizeof b[3], "%lld", count_of(h->errors));
        if (h->barriers < 0) snprintf(b[1], sizeof b[1], "-");   /* a shard without results */
        if (isnan(h->ops)) snprintf(b[2], sizeof b[2], "-"), snprintf(b[3], sizeof b[3], "-");
        fprintf(f, "<tr%s>", strcmp(h->status, "ok") ? " class=\"err\"" : "");
        td_num(f, b[0]);
        td_text(f, h->status);
        td_text(f, h->host[0] ? h->host : "-");
        td_num(f, html_fnum(b[4], sizeof b[4], h->offset_ms));
        td_num(f, b[1]);
        td_num(f, html_fnum(b[5], sizeof b[5], h->max_skew_ms));
        td_num(f, html_fnum(b[6], sizeof b[6], h->duration_s));
        td_num(f, b[2]);
        td_num(f, b[3]);
        td_num(f, html_fnum(b[7], sizeof b[7], h->cpu_s));
        td_num(f, html_fbytes(b[4], sizeof b[4], h->rss_peak_bytes));
        fputs("<td class=\"msg\">", f);
        html_esc(f, h->error);
        fputs("</td></tr>\n", f);
    }
    fputs("</table></section>\n", f);
}

/* A scenario's part of the Summary: its table, its findings, and the
 * latency spectrum of each of its size classes when it has several. */
static void scenario_table(const html_ctx *c, const rb_sec_scenario *sc)
{
    FILE *f = c->f;
    fputs("<h3 id=\"", f);
    html_scenario_anchor(f, sc->name);
    fputs("\">Scenario ", f);
    html_esc(f, sc->name);
    fputs("</h3>\n<table class=\"summary\"><tr><th>registry</th><th>label</th><th>phase</th><th>reps</th><th>ops</th>"
          "<th>errors</th><th>MB/s</th><th>ops/s</th><th>p50 ms</th><th>p99 ms</th></tr>\n", f);
    for (size_t i = 0; i < sc->n_rows; i++) {
        const rb_sec_phase *p = sc->rows[i];
        const rb_group *g = p->g;
        char b[8][40];
        snprintf(b[0], sizeof b[0], "%zu", g->n);
        snprintf(b[1], sizeof b[1], "%.0f", g->ops);
        snprintf(b[2], sizeof b[2], "%.0f", g->errors);
        fprintf(f, "<tr%s>", g->errors > 0 ? " class=\"err\"" : "");
        td_text(f, g->registry);
        td_text(f, g->label);
        fputs("<td>", f);
        html_esc(f, g->phase);
        if (g->incomplete) fputs(" <span class=\"badge warn\">incomplete</span>", f);
        fputs("</td>", f);
        td_num(f, b[0]);
        td_num(f, b[1]);
        td_num(f, b[2]);
        td_num(f, html_fnum(b[3], sizeof b[3], p->mbps));
        td_num(f, html_fnum(b[4], sizeof b[4], p->ops_s));
        td_num(f, html_fnum(b[5], sizeof b[5], p->p50));
        td_num(f, html_fnum(b[6], sizeof b[6], p->p99));
        fputs("</tr>\n", f);
    }
    fputs("</table>\n<ul class=\"findings\">", f);
    char b[2][40];
    for (size_t i = 0; i < sc->n_spreads && i < SPREADS_SHOWN; i++) {
        const rb_sec_spread *sp = &sc->spreads[i];
        const char *unit = sp->by_ops ? "ops&#47;s" : "MB&#47;s";
        fputs("<li>Best throughput of ", f);
        html_esc(f, sp->best->g->phase);
        if (sp->best->g->label[0]) {
            fputs(" (", f);
            html_esc(f, sp->best->g->label);
            fputc(')', f);
        }
        fprintf(f, ": %s %s on ", html_fnum(b[0], sizeof b[0], sp->by_ops ? sp->best->ops_s : sp->best->mbps), unit);
        html_esc(f, sp->best->g->registry);
        fprintf(f, "; worst: %s %s on ", html_fnum(b[1], sizeof b[1], sp->by_ops ? sp->worst->ops_s : sp->worst->mbps), unit);
        html_esc(f, sp->worst->g->registry);
        fprintf(f, " (%.1fx).</li>", sp->ratio);
    }
    if (sc->n_spreads > SPREADS_SHOWN)
        fprintf(f, "<li>%zu more phases ran on several registries: see the registries side by side.</li>",
                sc->n_spreads - SPREADS_SHOWN);
    if (sc->outlier) {
        fprintf(f, "<li>Tail latency: p99 is %.0fx p50 in ", sc->tail_ratio);
        where(f, sc->outlier->g);
        fputs(".</li>", f);
    }
    fprintf(f, "<li%s>Errors: %.0f.</li></ul>\n", sc->errors > 0 ? " class=\"err\"" : "", sc->errors);
    html_latency_classes(c, sc->name);
}

/* One scenario's table of the registries side by side: its rows of s->side,
 * a column per registry it ran on (and for the label when it has labels). */
static void side_table(FILE *f, const rb_sections *s, const char *scn)
{
    size_t nreg = s->n_registries;
    int *used = rb_calloc(nreg ? nreg : 1, sizeof *used), labels = 0;
    for (size_t i = 0; i < s->n_side; i++) {
        if (strcmp(s->side[i].key->scenario, scn) != 0) continue;
        if (s->side[i].key->label[0]) labels = 1;
        for (size_t r = 0; r < nreg; r++)
            if (s->side[i].cells[r]) used[r] = 1;
    }
    fputs("<table class=\"summary side\"><caption>", f);
    html_esc(f, scn);
    fputs(" <span class=\"unit\">MB&#47;s · p99 ms</span></caption><tr>", f);
    if (labels) fputs("<th>label</th>", f);
    fputs("<th>phase</th>", f);
    for (size_t r = 0; r < nreg; r++) {
        if (!used[r]) continue;
        fputs("<th>", f);
        html_esc(f, s->registries[r].name);
        fputs("</th>", f);
    }
    fputs("</tr>\n", f);
    for (size_t i = 0; i < s->n_side; i++) {
        const rb_group *k = s->side[i].key;
        if (strcmp(k->scenario, scn) != 0) continue;
        fputs("<tr>", f);
        if (labels) td_text(f, k->label);
        td_text(f, k->phase);
        for (size_t r = 0; r < nreg; r++) {
            const rb_sec_phase *m = s->side[i].cells[r];
            if (!used[r]) continue;
            if (!m) {
                td_num(f, "-");
                continue;
            }
            char a[32], b[32];
            html_fnum(a, sizeof a, m->mbps);
            html_fnum(b, sizeof b, m->p99);
            fputs("<td class=\"n\" title=\"", f);
            html_esc(f, s->registries[r].name);
            fputs(", ", f);
            html_esc(f, k->phase);
            if (k->label[0]) {
                fputs(" (", f);
                html_esc(f, k->label);
                fputc(')', f);
            }
            fprintf(f, ": %s MB&#47;s, p99 %s ms\">%s · %s</td>", a, b, a, b);
        }
        fputs("</tr>\n", f);
    }
    fputs("</table>\n", f);
    free(used);
}

void html_side_by_side(const html_ctx *c)
{
    FILE *f = c->f;
    const rb_sections *s = c->sec;
    html_section_head(f, "side", "Registries side by side",
                      "Median throughput (MB&#47;s) and p99 latency (ms) of each phase, for the scenarios that ran on two "
                      "or more registries: one table per scenario, a column per registry it ran on, each cell "
                      "<i>MB&#47;s · p99 ms</i>.");
    if (s->n_side == 0) {
        fputs(s->n_registries < 2 ? "<p class=\"note\">One registry: nothing to set side by side.</p>\n"
                                  : "<p class=\"note\">No scenario ran on two registries.</p>\n", f);
        fputs("</section>\n", f);
        return;
    }
    /* the scenarios in the order of their first row, their tables in columns */
    fputs("<div class=\"sidecols\">\n", f);
    for (size_t i = 0; i < s->n_side; i++) {
        const char *scn = s->side[i].key->scenario;
        int seen = 0;
        for (size_t j = 0; j < i && !seen; j++) seen = strcmp(s->side[j].key->scenario, scn) == 0;
        if (!seen) side_table(f, s, scn);
    }
    fputs("</div></section>\n", f);
}

void html_conformance(const html_ctx *c)
{
    FILE *f = c->f;
    const rb_sections *s = c->sec;
    if (s->n_conformance == 0) return;
    html_section_head(f, "conformance", "Conformance",
                      "The OCI distribution-spec conformance suite, run once per registry beside the speed runs: what "
                      "each registry is fast and correct on. Failures change the exit code only through a threshold "
                      "such as conformance.fail == 0.");
    fputs("<table class=\"summary\"><tr><th>registry</th><th>pass</th><th>fail</th><th>skip</th><th>disabled</th>"
          "<th>total</th><th>failed categories (failed&#47;tests)</th></tr>\n", f);
    for (size_t i = 0; i < s->n_conformance; i++) {
        const rb_sec_conformance *k = &s->conformance[i];
        char n[5][24];
        fputs(k->ran && k->fail == 0 ? "<tr>" : "<tr class=\"err\">", f);
        td_text(f, k->registry);
        if (!k->ran) {
            fputs("<td class=\"n\">-</td><td class=\"n\">-</td><td class=\"n\">-</td><td class=\"n\">-</td>"
                  "<td class=\"n\">-</td><td><b>unavailable</b>: ", f);
            html_esc(f, k->reason);
            fputs("</td></tr>\n", f);
            continue;
        }
        const long long v[5] = {k->pass, k->fail, k->skip, k->disabled, k->total};
        for (int j = 0; j < 5; j++) {
            snprintf(n[j], sizeof n[j], "%lld", v[j]);
            td_num(f, n[j]);
        }
        fputs("<td>", f);
        if (k->n_failed == 0) fputs("none", f);
        for (size_t j = 0; j < k->n_failed; j++) {
            if (j) fputs(", ", f);
            html_esc(f, k->failed[j].name);
            fprintf(f, " (%lld&#47;%lld)", k->failed[j].fail, k->failed[j].cases);
        }
        fputs("</td></tr>\n", f);
    }
    fputs("</table></section>\n", f);
}

void html_summary(const html_ctx *c)
{
    FILE *f = c->f;
    html_section_head(f, "summary", "Summary", "Per scenario, each phase's medians over repetitions (MB = 10^6 bytes; "
                                               "latency from the intended start of an operation).");
    if (c->sec->n_scenarios == 0) fputs("<p class=\"nodata\">No phase has operations.</p>\n", f);
    for (size_t i = 0; i < c->sec->n_scenarios; i++) scenario_table(c, &c->sec->scenarios[i]);
    fputs("</section>\n", f);
}

/* "registry", "label" and "rep" or "reps" cells of a row. */
static void who_cells(FILE *f, const char *registry, const char *label, size_t reps)
{
    char n[24];
    snprintf(n, sizeof n, "%zu", reps);
    td_text(f, registry);
    td_text(f, label);
    td_num(f, n);
}

void html_checks(const html_ctx *c)
{
    FILE *f = c->f;
    size_t n = 0;
    html_section_head(f, "checks", "Checks", "rb.check's checks per registry and label: passes and fails summed over the "
                                             "repetitions, the pass rate their median.");
    fputs("<div class=\"tables\">\n", f);
    for (size_t i = 0; i < c->sec->n_scenarios; i++) {
        const rb_sec_scenario *sc = &c->sec->scenarios[i];
        if (sc->n_checks == 0) continue;
        fputs("<table class=\"checks\"><caption>Scenario ", f);
        html_esc(f, sc->name);
        fputs("</caption><tr><th>registry</th><th>label</th><th>reps</th><th>check</th><th>passes</th><th>fails</th>"
              "<th>pass rate</th></tr>\n", f);
        for (size_t k = 0; k < sc->n_checks; k++) {
            const rb_sec_check *ck = &sc->checks[k];
            char b[3][32];
            snprintf(b[0], sizeof b[0], "%lld", count_of(ck->passes));
            snprintf(b[1], sizeof b[1], "%lld", count_of(ck->fails));
            snprintf(b[2], sizeof b[2], "%.1f%%", ck->rate * 100);
            fprintf(f, "<tr%s>", ck->fails > 0 ? " class=\"err\"" : "");
            who_cells(f, ck->registry, ck->label, ck->reps);
            td_text(f, ck->name);
            for (int j = 0; j < 3; j++) td_num(f, isfinite(ck->rate) || j < 2 ? b[j] : "-");
            fputs("</tr>\n", f);
            n++;
        }
        fputs("</table>\n", f);
    }
    fputs("</div>\n", f);
    if (n == 0) fputs("<p class=\"note\">No checks were recorded (rb.check).</p>\n", f);
    fputs("</section>\n", f);
}

void html_custom_metrics(const html_ctx *c)
{
    FILE *f = c->f;
    size_t n = 0;
    html_section_head(f, "custom", "Custom metrics",
                      "The metrics the scenarios recorded (rb.metrics), per registry, label and tag set: medians over "
                      "the repetitions, counts (and a rate's passes and fails) summed. One table per type.");
    fputs("<div class=\"tables\">\n", f);
    for (size_t i = 0; i < c->sec->n_scenarios; i++) {
        const rb_sec_scenario *sc = &c->sec->scenarios[i];
        for (size_t k = 0; k < sc->n_custom; k++) {   /* they come by type: a table per type */
            const rb_sec_custom *m = &sc->custom[k];
            size_t nf;
            const char *const *fields = rb_sec_mtype_fields(m->type, &nf);
            if (k == 0 || sc->custom[k - 1].type != m->type) {
                if (k) fputs("</table>\n", f);
                fputs("<table class=\"custom\"><caption>Scenario ", f);
                html_esc(f, sc->name);
                fprintf(f, ": %ss</caption><tr><th>registry</th><th>label</th><th>reps</th><th>metric</th>"
                           "<th>tags</th><th>count</th>", rb_sec_mtype_name(m->type));
                for (size_t j = 0; j < nf; j++) fprintf(f, "<th>%s</th>", fields[j]);
                fputs("</tr>\n", f);
            }
            char b[40];
            fputs("<tr>", f);
            who_cells(f, m->registry, m->label, m->reps);
            td_text(f, m->name);
            td_text(f, m->tags);
            snprintf(b, sizeof b, "%lld", count_of(m->count));
            td_num(f, b);
            for (size_t j = 0; j < nf; j++) {
                if (m->type == RB_SEC_RATE && j > 0) snprintf(b, sizeof b, "%lld", count_of(m->v[j]));   /* passes, fails */
                else html_fnum(b, sizeof b, m->v[j]);
                td_num(f, b);
            }
            fputs("</tr>\n", f);
        }
        if (sc->n_custom) fputs("</table>\n", f);
        n += sc->n_custom;
    }
    fputs("</div>\n", f);
    if (n == 0) fputs("<p class=\"note\">No custom metrics were recorded (rb.metrics).</p>\n", f);
    fputs("</section>\n", f);
}

void html_thresholds(const html_ctx *c)
{
    FILE *f = c->f;
    fputs("<section id=\"thresholds\"><h2>Thresholds</h2>\n", f);
    if (c->sec->n_thresholds == 0) {
        fputs("<p>No thresholds were set.</p></section>\n", f);
        return;
    }
    fputs("<table><tr><th>result</th><th>threshold</th><th>scenario</th><th>checks</th><th>failures</th></tr>\n", f);
    for (size_t i = 0; i < c->sec->n_thresholds; i++) {
        const rb_sec_threshold *t = &c->sec->thresholds[i];
        char n[24];
        snprintf(n, sizeof n, "%lld", t->checked);
        fprintf(f, "<tr%s><td><span class=\"badge %s\">%s</span></td><td><code>", t->passed ? "" : " class=\"err\"",
                t->passed ? "ok" : "bad", t->passed ? "PASS" : "FAIL");
        html_esc(f, t->expr);
        fputs("</code></td>", f);
        td_text(f, t->scenario[0] ? t->scenario : "all");
        td_num(f, n);
        fputs("<td class=\"msg\">", f);
        for (size_t k = 0; k < t->n_failures; k++) {
            if (k == 10) {
                fprintf(f, "… and %zu more", t->n_failures - 10);
                break;
            }
            html_esc(f, t->failures[k] ? t->failures[k] : "?");
            fputs("<br>", f);
        }
        fputs("</td></tr>\n", f);
    }
    fputs("</table></section>\n", f);
}

void html_warnings(const html_ctx *c)
{
    FILE *f = c->f;
    int n = 0;
    fputs("<section id=\"warnings\"><h2>Warnings</h2>\n<ul class=\"warnings\">", f);
    for (size_t i = 0; i < c->sec->n_warnings; i++) {
        const rb_sec_warning *w = &c->sec->warnings[i];
        if (!w->text) continue;
        fputs("<li>", f);
        if (w->level != RB_SEC_SUITE) {
            char title[512];
            html_run_title(title, sizeof title, w->registry, w->scenario, w->label, w->rep);
            html_esc(f, title);
            if (w->level == RB_SEC_PHASE) {
                fputs(", phase ", f);
                html_esc(f, w->phase);
            }
            fputs(": ", f);
        }
        html_esc(f, w->text);
        fputs("</li>", f);
        n++;
    }
    if (n == 0) fputs("<li class=\"none\">None.</li>", f);
    fputs("</ul></section>\n", f);
}

/* A scenario's own metric as a table, as summary.md has it; 1 when it has rows. */
static int metric_table(FILE *f, const rb_sec_metric *m, const char *title, int bytes)
{
    if (m->n == 0) return 0;
    fputs("<table class=\"metric\"><caption>", f);
    html_esc(f, title);
    fputs("</caption><tr><th>registry</th><th>label</th><th>rep</th><th>tags</th><th>value</th></tr>\n", f);
    for (size_t i = 0; i < m->n; i++) {
        const rb_sec_metric_row *r = &m->rows[i];
        char b[64], rep[24];
        snprintf(rep, sizeof rep, "%lld", r->rep);
        fputs("<tr>", f);
        td_text(f, r->registry);
        td_text(f, r->label);
        td_num(f, rep);
        td_text(f, r->tags);
        td_num(f, bytes ? html_fbytes(b, sizeof b, r->value) : html_fnum(b, sizeof b, r->value));
        fputs("</tr>\n", f);
    }
    fputs("</table>\n", f);
    return 1;
}

/* Open-model arrivals (iterations, dropped, late) of a scenario's phases; 1 when it has rows. */
static int arrivals_table(FILE *f, const rb_sec_scenario *sc)
{
    if (sc->n_arrivals == 0) return 0;
    fputs("<table class=\"metric\"><caption>Open-model arrivals</caption><tr><th>registry</th><th>label</th>"
          "<th>rep</th><th>phase</th><th>iterations</th><th>dropped</th><th>late</th></tr>\n", f);
    for (size_t i = 0; i < sc->n_arrivals; i++) {
        const rb_sec_arrivals *a = &sc->arrivals[i];
        char b[3][32], rep[24];
        snprintf(rep, sizeof rep, "%lld", a->rep);
        snprintf(b[0], sizeof b[0], "%lld", count_of(a->iterations));
        snprintf(b[1], sizeof b[1], "%lld", count_of(a->dropped));
        snprintf(b[2], sizeof b[2], "%lld", count_of(a->late));
        fputs("<tr>", f);
        td_text(f, a->registry);
        td_text(f, a->label);
        td_num(f, rep);
        td_text(f, a->phase);
        for (int k = 0; k < 3; k++) td_num(f, b[k]);
        fputs("</tr>\n", f);
    }
    fputs("</table>\n", f);
    return 1;
}

void html_scenario_metrics(const html_ctx *c)
{
    FILE *f = c->f;
    fputs("<section id=\"metrics\"><h2>Scenario metrics</h2>\n<p class=\"note\">The values the scenarios recorded "
          "themselves, per run.</p>\n<div class=\"tables\">\n", f);
    int n = 0;
    for (size_t i = 0; i < c->sec->n_scenarios; i++) {
        const rb_sec_scenario *sc = &c->sec->scenarios[i];
        const rb_sec_metric *m = sc->metrics;
        n += metric_table(f, &m[RB_SEC_SCALABILITY], "Scalability: throughput at N / (N x throughput at 1)", 0);
        n += metric_table(f, &m[RB_SEC_P99_GROWTH], "Contention: p99 at N / p99 at 1", 0);
        n += metric_table(f, &m[RB_SEC_LOGICAL_BYTES], "Bytes the images add up to (logical)", 1);
        n += metric_table(f, &m[RB_SEC_SENT_BYTES], "Bytes uploaded", 1);
        n += metric_table(f, &m[RB_SEC_CACHE_HIT_RATE],
                          "Cache hit rate, hits / (hits + misses), from the registry's proxy counters", 0);
        n += arrivals_table(f, sc);
    }
    if (n == 0) fputs("<p>None recorded.</p>", f);
    fputs("</div></section>\n", f);
}

void html_environment(const html_ctx *c)
{
    FILE *f = c->f;
    const rb_sec_header *h = &c->sec->head;
    char b[64];
    fputs("<section id=\"environment\"><h2>Environment</h2>\n<table class=\"kv\">", f);
    struct { const char *k; const char *v; } rows[] = {
        {"regbench", h->version}, {"suite file", h->file}, {"started", h->started_at},
        {"kernel", h->kernel}, {"CPU", h->cpu_model},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        fputs("<tr><th>", f);
        html_esc(f, rows[i].k);
        fputs("</th>", f);
        td_text(f, rows[i].v[0] ? rows[i].v : "-");
        fputs("</tr>", f);
    }
    snprintf(b, sizeof b, "%lld", h->cores);
    fputs("<tr><th>cores</th>", f);
    td_text(f, b);
    fputs("</tr><tr><th>memory</th>", f);
    td_text(f, html_fbytes(b, sizeof b, h->memory_bytes));
    fputs("</tr></table>\n<h3>Registries</h3>\n<table><tr><th>name</th><th>kind</th><th>storage</th><th>version</th>"
          "<th>URL</th></tr>\n", f);
    for (size_t i = 0; i < c->sec->n_registries; i++) {
        const rb_sec_registry *r = &c->sec->registries[i];
        fputs("<tr>", f);
        td_text(f, r->name);
        td_text(f, r->kind);
        td_text(f, r->storage);
        td_text(f, r->version[0] ? r->version : "-");
        td_text(f, r->url[0] ? r->url : "-");
        fputs("</tr>\n", f);
    }
    fputs("</table></section>\n", f);
}
