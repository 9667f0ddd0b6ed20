/* html_tables: the table sections of report.html, rendered from the
 * sections summary.md shows too (rb_sections.h): failed and interrupted
 * runs, the per-scenario summary with its findings and the registries side
 * by side, thresholds, warnings, the scenarios' own metrics, and the
 * environment. */
#include "html.h"

#include <math.h>

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

static void scenario_table(FILE *f, const rb_sec_scenario *sc)
{
    fputs("<h3>Scenario ", f);
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
    char b[40];
    if (sc->best) {
        fprintf(f, "<li>Best throughput: %s MB/s, ", html_fnum(b, sizeof b, sc->best->mbps));
        where(f, sc->best->g);
        fputs(".</li>", f);
    }
    if (sc->worst) {
        fprintf(f, "<li>Worst throughput: %s MB/s, ", html_fnum(b, sizeof b, sc->worst->mbps));
        where(f, sc->worst->g);
        fputs(".</li>", f);
    }
    if (sc->outlier) {
        fprintf(f, "<li>Tail latency: p99 is %.0fx p50 in ", sc->tail_ratio);
        where(f, sc->outlier->g);
        fputs(".</li>", f);
    }
    fprintf(f, "<li%s>Errors: %.0f.</li></ul>\n", sc->errors > 0 ? " class=\"err\"" : "", sc->errors);
}

static void side_by_side(const html_ctx *c)
{
    FILE *f = c->f;
    const rb_sections *s = c->sec;
    if (s->n_registries < 2) return;
    fputs("<h3>Registries side by side</h3>\n<p>Median throughput (MB/s) and p99 latency (ms) of each phase.</p>\n"
          "<table class=\"summary\"><tr><th>scenario</th><th>label</th><th>phase</th>", f);
    for (size_t r = 0; r < s->n_registries; r++) {
        fputs("<th>", f);
        html_esc(f, s->registries[r].name);
        fputs("</th>", f);
    }
    fputs("</tr>\n", f);
    for (size_t i = 0; i < s->n_side; i++) {
        const rb_group *k = s->side[i].key;
        fputs("<tr>", f);
        td_text(f, k->scenario);
        td_text(f, k->label);
        td_text(f, k->phase);
        for (size_t r = 0; r < s->n_registries; r++) {
            const rb_sec_phase *m = s->side[i].cells[r];
            if (!m) {
                td_num(f, "-");
                continue;
            }
            char a[32], b[32], cell[80];
            snprintf(cell, sizeof cell, "%s MB/s · %s ms", html_fnum(a, sizeof a, m->mbps), html_fnum(b, sizeof b, m->p99));
            td_num(f, cell);
        }
        fputs("</tr>\n", f);
    }
    fputs("</table>\n", f);
}

void html_summary(const html_ctx *c)
{
    FILE *f = c->f;
    html_section_head(f, "summary", "Summary", "Per scenario, each phase's medians over repetitions (MB = 10^6 bytes; "
                                               "latency from the intended start of an operation).");
    if (c->sec->n_scenarios == 0) fputs("<p class=\"nodata\">No phase has operations.</p>\n", f);
    for (size_t i = 0; i < c->sec->n_scenarios; i++) scenario_table(f, &c->sec->scenarios[i]);
    side_by_side(c);
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
