/* markdown: summary.md (see rb_markdown.h), rendered from the sections of
 * the suite document (rb_sections.h), a merged run's shards included; only
 * the comparison with a baseline is read from the document's "comparison"
 * object (rb_compare.h). */
#include "results/rb_markdown.h"
#include "results/rb_load.h"
#include "results/rb_sections.h"
#include "util/rb_atomic.h"
#include "util/rb_util.h"

#include <math.h>
#include <string.h>

#define SPREADS_SHOWN 8   /* like-with-like findings per scenario; the side-by-side table has them all */

/* "phase" or "phase (label)" for sentences. */
static void where(char *buf, size_t len, const rb_group *g)
{
    if (g->label[0]) snprintf(buf, len, "%s (%s)", g->phase, g->label);
    else snprintf(buf, len, "%s", g->phase);
}

/* A value of a custom metric for people: whole above 1000, else 4 significant digits; "-" for NaN. */
static const char *num(char *buf, size_t len, double v)
{
    if (isnan(v)) snprintf(buf, len, "-");
    else if (fabs(v) >= 1000) snprintf(buf, len, "%.0f", v);
    else snprintf(buf, len, "%.4g", v);
    return buf;
}

/* A finite number, or 0. */
static double or0(double v) { return isnan(v) ? 0 : v; }

static void header(FILE *out, const rb_sections *s)
{
    const rb_sec_header *h = &s->head;
    fprintf(out, "# regbench %s: %s\n\n", h->kind, h->name);
    if (h->description[0]) fprintf(out, "%s\n\n", h->description);
    char mem[32];
    rb_format_bytes(h->memory_bytes, mem, sizeof mem);
    fprintf(out, "Started %s, took %.1f s, status **%s** (exit code %lld). regbench %s on %s, %lld cores, %s memory, %s.\n",
            h->started_at, h->duration_s, h->status, h->exit_code, h->version, h->cpu_model, h->cores, mem, h->kernel);
    if (s->partial)
        fprintf(out, "\n> **Partial results**: a shard of this run is missing or failed, so these figures leave out "
                     "its work (see [Shards](#shards)).\n");

    fprintf(out, "\n## Registries\n\n| name | kind | storage | version |\n|---|---|---|---|\n");
    for (size_t i = 0; i < s->n_registries; i++) {
        const rb_sec_registry *r = &s->registries[i];
        fprintf(out, "| %s | %s | %s | %s |\n", r->name, r->kind, r->storage, r->version[0] ? r->version : "-");
    }
}

/* s as a markdown table cell: '|' escaped, line breaks as spaces. */
static void md_cell(FILE *out, const char *s)
{
    for (; *s; s++) {
        if (*s == '|') fputs("\\|", out);
        else if (*s == '\n' || *s == '\r') fputc(' ', out);
        else fputc(*s, out);
    }
}

/* The OCI conformance suite per registry that ran it: the counts and the
 * categories with failures, or why it was unavailable. */
static void conformance(FILE *out, const rb_sections *s)
{
    if (s->n_conformance == 0) return;
    fprintf(out, "\n## Conformance\n\nThe OCI distribution-spec conformance suite, run once per registry beside the "
                 "speed runs: what each registry is fast *and* correct on. Failures change the exit code only "
                 "through a threshold such as `conformance.fail == 0`.\n\n"
                 "| registry | pass | fail | skip | disabled | total | failed categories (failed/tests) |\n"
                 "|---|---:|---:|---:|---:|---:|---|\n");
    for (size_t i = 0; i < s->n_conformance; i++) {
        const rb_sec_conformance *c = &s->conformance[i];
        if (!c->ran) {
            fprintf(out, "| %s | - | - | - | - | - | **unavailable**: ", c->registry);
            md_cell(out, c->reason);
            fputs(" |\n", out);
            continue;
        }
        fprintf(out, "| %s | %lld | %lld | %lld | %lld | %lld | ", c->registry, c->pass, c->fail, c->skip, c->disabled,
                c->total);
        if (c->n_failed == 0) fputs("none", out);
        for (size_t k = 0; k < c->n_failed; k++)
            fprintf(out, "%s%s (%lld/%lld)", k ? ", " : "", c->failed[k].name, c->failed[k].fail, c->failed[k].cases);
        fputs(" |\n", out);
    }
}

/* A merged run's shards: clock offsets, start skew and cost of each. */
static void shards(FILE *out, const rb_sections *s)
{
    if (s->n_shards == 0) return;
    fprintf(out, "\n## Shards\n\nMerged from %zu shards%s. Clock offsets are estimated from the barrier releases "
                 "(the median difference to the reference shard); start skew is after that correction.\n\n"
                 "| shard | status | host | clock offset ms | barriers | max start skew ms | duration s | ops | errors | "
                 "client CPU s | client peak RSS |\n|---|---|---|---|---|---|---|---|---|---|---|\n",
            s->n_shards, s->partial ? " (partial)" : "");
    char b[8][48];
    for (size_t i = 0; i < s->n_shards; i++) {
        const rb_sec_shard *h = &s->shards[i];
        char rss[32] = "-";
        if (!isnan(h->rss_peak_bytes)) rb_format_bytes(h->rss_peak_bytes, rss, sizeof rss);
        char barriers[24] = "-";
        if (h->barriers >= 0) snprintf(barriers, sizeof barriers, "%lld", h->barriers);
        fprintf(out, "| %lld | %s%s%s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", h->index,
                strcmp(h->status, "ok") ? "**" : "", h->status, strcmp(h->status, "ok") ? "**" : "",
                h->host[0] ? h->host : "-", num(b[0], sizeof b[0], h->offset_ms), barriers,
                num(b[1], sizeof b[1], h->max_skew_ms), num(b[2], sizeof b[2], h->duration_s), num(b[3], sizeof b[3], h->ops),
                num(b[4], sizeof b[4], h->errors), num(b[5], sizeof b[5], h->cpu_s), rss);
    }
    for (size_t i = 0; i < s->n_shards; i++)
        if (s->shards[i].error[0])
            fprintf(out, "\n- shard %lld: %s", s->shards[i].index, s->shards[i].error);
    fputc('\n', out);
}

static void failed_runs(FILE *out, const rb_sections *s)
{
    int header = 0;
    for (size_t i = 0; i < s->n_failed; i++) {
        const rb_sec_failed *f = &s->failed[i];
        if (f->ok) continue;
        if (!header) { fprintf(out, "\n## Failed runs\n\n"); header = 1; }
        fprintf(out, "- %s / %s %s rep %lld: %s — %s\n", f->registry, f->scenario, f->label, f->rep, f->status,
                f->error[0] ? f->error : "(no message)");
    }
}

static void thresholds_and_warnings(FILE *out, const rb_sections *s)
{
    if (s->n_thresholds) {
        fprintf(out, "\n## Thresholds\n\n");
        for (size_t i = 0; i < s->n_thresholds; i++) {
            const rb_sec_threshold *t = &s->thresholds[i];
            fprintf(out, "- %s `%s` (%lld checks)\n", t->passed ? "PASS" : "**FAIL**", t->expr, t->checked);
            for (size_t k = 0; k < t->n_failures; k++) {
                if (k == 3) { fprintf(out, "  - ...\n"); break; }
                fprintf(out, "  - %s\n", t->failures[k] ? t->failures[k] : "(null)");
            }
        }
    }
    int header = 0;
    for (size_t i = 0; i < s->n_warnings; i++) {
        const rb_sec_warning *w = &s->warnings[i];
        if (w->level != RB_SEC_SUITE) continue;
        if (!header) { fprintf(out, "\n## Warnings\n\n"); header = 1; }
        fprintf(out, "- %s\n", w->text ? w->text : "(null)");
    }
}

static void side_by_side(FILE *out, const rb_sections *s)
{
    if (s->n_side == 0) return;
    fprintf(out, "\n## Registries side by side\n\nMedian throughput (MB/s) and p99 latency (ms) of each phase.\n\n| scenario | label | phase |");
    for (size_t r = 0; r < s->n_registries; r++) fprintf(out, " %s |", s->registries[r].name);
    fprintf(out, "\n|---|---|---|");
    for (size_t r = 0; r < s->n_registries; r++) fprintf(out, "---|");
    fprintf(out, "\n");
    for (size_t i = 0; i < s->n_side; i++) {
        const rb_group *k = s->side[i].key;
        fprintf(out, "| %s | %s | %s |", k->scenario, k->label, k->phase);
        for (size_t r = 0; r < s->n_registries; r++) {
            const rb_sec_phase *m = s->side[i].cells[r];
            if (!m) fprintf(out, " - |");
            else fprintf(out, " %.1f MB/s · %.1f ms |", m->mbps, m->p99);
        }
        fprintf(out, "\n");
    }
}

/* One of a scenario's own metrics as a table (nothing when it has no rows). */
static void metric_rows(FILE *out, const rb_sec_metric *m, const char *title, int bytes)
{
    if (m->n == 0) return;
    fprintf(out, "\n%s\n\n| registry | label | rep | tags | value |\n|---|---|---|---|---|\n", title);
    for (size_t i = 0; i < m->n; i++) {
        const rb_sec_metric_row *r = &m->rows[i];
        char val[64];
        if (bytes) rb_format_bytes(r->value, val, sizeof val);
        else snprintf(val, sizeof val, "%.3g", r->value);
        fprintf(out, "| %s | %s | %lld | %s | %s |\n", r->registry, r->label, r->rep, r->tags, val);
    }
}

/* Dedup: bytes pushed against bytes stored per phase, from counters and the registry block. */
static void dedup_rows(FILE *out, const rb_sec_scenario *sc)
{
    fprintf(out, "\nDeduplication (bytes sent and stored per phase):\n\n"
                 "| registry | rep | phase | blobs uploaded | skipped | mounted | sent | storage at end | registry RSS at end |\n"
                 "|---|---|---|---|---|---|---|---|---|\n");
    for (size_t i = 0; i < sc->n_dedup; i++) {
        const rb_sec_dedup *d = &sc->dedup[i];
        char sent[32], st[32] = "-", rss[32] = "-";
        rb_format_bytes(d->sent, sent, sizeof sent);
        if (!isnan(d->storage)) rb_format_bytes(d->storage, st, sizeof st);
        if (d->has_registry) rb_format_bytes(d->rss_end, rss, sizeof rss);
        fprintf(out, "| %s | %lld | %s | %.0f | %.0f | %.0f | %s | %s | %s |\n", d->registry, d->rep, d->phase,
                or0(d->uploaded), or0(d->skipped), or0(d->mounted), sent, st, rss);
    }
}

/* Field k of trend series c (rb_sec_mtype_fields order), NaN when absent. */
static double trend_field(const rb_sec_custom *c, size_t k)
{
    return c ? c->v[k] : NAN;
}

/* measured / recorded as "1.23x", "-" when either is missing or recorded is 0. */
static const char *ratio(char *buf, size_t len, double measured, double recorded)
{
    if (isnan(measured) || isnan(recorded) || recorded <= 0) snprintf(buf, len, "-");
    else snprintf(buf, len, "%.2fx", measured / recorded);
    return buf;
}

/* A replay (replay_* metrics): recorded against measured latency per op,
 * the on-time share, the rates, and the replayed mix against the logged one. */
static void replay_rows(FILE *out, const rb_sec_scenario *sc)
{
    enum { P50 = 4, P90 = 5, P99 = 7 };   /* trend fields, rb_sec_mtype_fields order */
    static const size_t PK[3] = {P50, P90, P99};
    char b[12][48];
    for (size_t i = 0; i < sc->n_replays; i++) {
        const rb_sec_replay *r = &sc->replays[i];
        fprintf(out, "\nReplay on %s%s%s: recorded against measured latency per op (ms; measured from the actual "
                     "start and from the intended start, which counts queueing; ratio: measured / recorded):\n\n"
                     "| op | requests | recorded p50 | p90 | p99 | measured p50 | p90 | p99 | from intended p50 | p90 | "
                     "p99 | ratio p50 | p90 | p99 |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n",
                r->registry, r->label[0] ? " " : "", r->label);
        for (size_t k = 0; k < r->n_ops; k++) {
            const rb_sec_replay_op *o = &r->ops[k];
            const rb_sec_custom *cnt = o->measured ? o->measured : o->recorded;
            fprintf(out, "| %s | %.0f |", o->op, cnt ? cnt->count : 0);
            for (int q = 0; q < 3; q++) fprintf(out, " %s |", num(b[q], sizeof b[q], trend_field(o->recorded, PK[q])));
            for (int q = 0; q < 3; q++) fprintf(out, " %s |", num(b[q], sizeof b[q], trend_field(o->measured, PK[q])));
            for (int q = 0; q < 3; q++) fprintf(out, " %s |", num(b[q], sizeof b[q], trend_field(o->corrected, PK[q])));
            for (int q = 0; q < 3; q++)
                fprintf(out, " %s |", ratio(b[q], sizeof b[q], trend_field(o->measured, PK[q]), trend_field(o->recorded, PK[q])));
            fprintf(out, "\n");
        }
        fprintf(out, "\n");
        if (r->on_time) {
            fprintf(out, "- On time (started within %s of the intended time): %.1f%% of %.0f requests.\n",
                    r->tolerance[0] ? r->tolerance : "the tolerance",
                    or0(r->on_time->v[0]) * 100, r->on_time->count);
        }
        fprintf(out, "- Request rate: recorded %s/s, achieved %s/s.\n",
                num(b[0], sizeof b[0], r->rate_recorded ? r->rate_recorded->v[0] : NAN),
                num(b[1], sizeof b[1], r->rate_achieved ? r->rate_achieved->v[0] : NAN));
        fprintf(out, "- Dropped %.0f, late %.0f, absorbed %.0f, failed %.0f.\n", r->dropped, r->late, r->absorbed, r->failed);
        fprintf(out, "\nReplayed mix against the logged mix (requests by method, kind and status class; differences in "
                     "bold):\n\n| method | kind | status | logged | replayed | difference |\n|---|---|---|---|---|---|\n");
        for (size_t k = 0; k < r->n_mix; k++) {
            const rb_sec_replay_mix *x = &r->mix[k];
            double d = x->replayed - x->logged;
            fprintf(out, "| %s | %s | %s | %.0f | %.0f | %s%+.0f%s |\n", x->method, x->kind, x->status, x->logged,
                    x->replayed, d != 0 ? "**" : "", d, d != 0 ? "**" : "");
        }
    }
}

/* rb.rate's counters per phase: iterations started, dropped and late. */
static void arrivals_rows(FILE *out, const rb_sec_scenario *sc)
{
    if (sc->n_arrivals == 0) return;
    fprintf(out, "\nOpen-model arrivals:\n\n| registry | label | rep | phase | iterations | dropped | late |\n|---|---|---|---|---|---|---|\n");
    for (size_t i = 0; i < sc->n_arrivals; i++) {
        const rb_sec_arrivals *a = &sc->arrivals[i];
        fprintf(out, "| %s | %s | %lld | %s | %.0f | %.0f | %.0f |\n", a->registry, a->label, a->rep, a->phase,
                or0(a->iterations), or0(a->dropped), or0(a->late));
    }
}

/* rb.check's checks: pass rate and counts per registry and label. */
static void checks_rows(FILE *out, const rb_sec_scenario *sc)
{
    if (sc->n_checks == 0) return;
    fprintf(out, "\nChecks (pass rate: median over repetitions; passes and fails: summed):\n\n"
                 "| registry | label | check | reps | passes | fails | pass rate |\n|---|---|---|---|---|---|---|\n");
    for (size_t i = 0; i < sc->n_checks; i++) {
        const rb_sec_check *k = &sc->checks[i];
        fprintf(out, "| %s | %s | %s | %zu | %.0f | %.0f | %s%.1f%%%s |\n", k->registry, k->label, k->name, k->reps,
                k->passes, k->fails, k->fails > 0 ? "**" : "", k->rate * 100, k->fails > 0 ? "**" : "");
    }
}

/* The other custom metrics, one table per type (they come by type) with that type's fields. */
static void custom_rows(FILE *out, const rb_sec_scenario *sc)
{
    char b[48];
    for (size_t i = 0; i < sc->n_custom; i++) {
        const rb_sec_custom *c = &sc->custom[i];
        size_t nf;
        const char *const *f = rb_sec_mtype_fields(c->type, &nf);
        if (i == 0 || sc->custom[i - 1].type != c->type) {
            fprintf(out, "\nCustom metrics (%s; medians over repetitions, count summed):\n\n"
                         "| registry | label | metric | tags | reps | count |", rb_sec_mtype_name(c->type));
            for (size_t k = 0; k < nf; k++) fprintf(out, " %s |", f[k]);
            fprintf(out, "\n|---|---|---|---|---|---|");
            for (size_t k = 0; k < nf; k++) fprintf(out, "---|");
            fprintf(out, "\n");
        }
        fprintf(out, "| %s | %s | %s | %s | %zu | %.0f |", c->registry, c->label, c->name, c->tags, c->reps, c->count);
        for (size_t k = 0; k < nf; k++) fprintf(out, " %s |", num(b, sizeof b, c->v[k]));
        fprintf(out, "\n");
    }
}

static void scenario(FILE *out, const rb_sec_scenario *sc)
{
    fprintf(out, "\n## Scenario %s\n\n| registry | label | phase | reps | ops | errors | MB/s | ops/s | p50 ms | p99 ms |\n"
                 "|---|---|---|---|---|---|---|---|---|---|\n", sc->name);
    for (size_t i = 0; i < sc->n_rows; i++) {
        const rb_sec_phase *p = sc->rows[i];
        fprintf(out, "| %s | %s | %s | %zu | %.0f | %.0f | %.2f | %.1f | %.2f | %.2f |\n", p->g->registry, p->g->label,
                p->g->phase, p->g->n, p->g->ops, p->g->errors, p->mbps, p->ops_s, p->p50, p->p99);
    }
    fprintf(out, "\n");
    char w[256];
    for (size_t i = 0; i < sc->n_spreads && i < SPREADS_SHOWN; i++) {
        const rb_sec_spread *sp = &sc->spreads[i];
        where(w, sizeof w, sp->best->g);
        if (sp->by_ops)
            fprintf(out, "- Best throughput of %s: %.1f ops/s on %s; worst: %.1f ops/s on %s (%.1fx).\n", w,
                    sp->best->ops_s, sp->best->g->registry, sp->worst->ops_s, sp->worst->g->registry, sp->ratio);
        else
            fprintf(out, "- Best throughput of %s: %.1f MB/s on %s; worst: %.1f MB/s on %s (%.1fx).\n", w,
                    sp->best->mbps, sp->best->g->registry, sp->worst->mbps, sp->worst->g->registry, sp->ratio);
    }
    if (sc->n_spreads > SPREADS_SHOWN)
        fprintf(out, "- %zu more phases ran on several registries: see the registries side by side.\n",
                sc->n_spreads - SPREADS_SHOWN);
    if (sc->outlier) {
        where(w, sizeof w, sc->outlier->g);
        fprintf(out, "- Tail latency: p99 is %.0fx p50 in %s on %s.\n", sc->tail_ratio, w, sc->outlier->g->registry);
    }
    fprintf(out, "- Errors: %.0f.\n", sc->errors);
    const rb_sec_metric *m = sc->metrics;
    if (m[RB_SEC_SCALABILITY].n) {
        metric_rows(out, &m[RB_SEC_SCALABILITY], "Scalability: throughput at N / (N x throughput at 1):", 0);
        metric_rows(out, &m[RB_SEC_P99_GROWTH], "Contention: p99 at N / p99 at 1:", 0);
    }
    if (m[RB_SEC_LOGICAL_BYTES].n) {
        metric_rows(out, &m[RB_SEC_LOGICAL_BYTES], "Bytes the images add up to (logical):", 1);
        metric_rows(out, &m[RB_SEC_SENT_BYTES], "Bytes uploaded:", 1);
        dedup_rows(out, sc);
    }
    if (m[RB_SEC_CACHE_HIT_RATE].n) {
        metric_rows(out, &m[RB_SEC_CACHE_HIT_RATE],
                    "Cache hit rate: 1 - (blobs the cache fetched from its upstream) / (blobs requested):", 0);
        metric_rows(out, &m[RB_SEC_PROXY_HIT_RATE],
                    "Hit rate by the registry's own proxy counters (distribution 2.8 never counts a miss):", 0);
    }
    replay_rows(out, sc);
    arrivals_rows(out, sc);
    checks_rows(out, sc);
    custom_rows(out, sc);
}

/* The regressions of the suite's comparison with its baseline. */
static void comparison(FILE *out, const json_t *cmp)
{
    if (!json_is_object(cmp)) return;
    fprintf(out, "\n## Compared with the baseline\n\nThreshold %.1f%%, alpha %.2f. Regressions: %lld.\n\n",
            rb_json_num(cmp, "threshold_pct"), rb_json_num(cmp, "alpha"),
            (long long)json_integer_value(json_object_get(cmp, "regressions")));
    size_t i;
    const json_t *r;
    json_array_foreach(json_object_get(cmp, "rows"), i, r) {
        if (!json_is_true(json_object_get(r, "regression"))) continue;
        fprintf(out, "- %s / %s %s %s: %s %+.1f%% (%.3g -> %.3g)%s\n", rb_json_str(r, "registry"), rb_json_str(r, "scenario"),
                rb_json_str(r, "label"), rb_json_str(r, "phase"), rb_json_str(r, "metric"), rb_json_num(r, "change_pct"),
                rb_json_num(r, "baseline_median"), rb_json_num(r, "new_median"),
                json_is_number(json_object_get(r, "p_value")) ? "" : " (untested: fewer than 4 repetitions)");
    }
}

void rb_summary_md(const json_t *suite, FILE *out)
{
    rb_sections s;
    rb_sections_extract(suite, &s);
    header(out, &s);
    shards(out, &s);
    failed_runs(out, &s);
    thresholds_and_warnings(out, &s);
    side_by_side(out, &s);
    conformance(out, &s);
    for (size_t i = 0; i < s.n_scenarios; i++) scenario(out, &s.scenarios[i]);
    comparison(out, json_object_get(suite, "comparison"));
    rb_sections_free(&s);
}

int rb_write_summary_md(const json_t *suite, const char *path, char *err, size_t errlen)
{
    rb_atomic a;
    FILE *f = rb_atomic_open(&a, path, err, errlen);
    if (!f) return -1;
    rb_summary_md(suite, f);
    return rb_atomic_commit(&a, 0, err, errlen);
}
