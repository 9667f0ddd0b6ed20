/* merge: the shards of a sharded run merged into the results of the whole
 * run (see rb_merge.h, docs/scale-out.md "Merging shards"). In order:
 * load each shard's results.json and restore its metrics store (restore.c);
 * check the shards belong together; estimate each shard's clock offset
 * against the reference shard (the lowest index present) as the median,
 * over the barriers both recorded, of the difference of their release
 * times (every shard sees a release within one poll interval of the
 * others); shift each shard's times onto the reference clock; merge phase
 * by phase into one store; build the results document around it. */
#include "results/rb_merge.h"
#include "results/rb_html.h"
#include "results/rb_load.h"
#include "results/rb_markdown.h"
#include "results/rb_restore.h"
#include "results/rb_results.h"
#include "util/rb_util.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_TICKS 4096   /* as a run's phases: past this, the merged series coarsens */

/* ---- problems ------------------------------------------------------------- */

/* Records a problem of severity `code` (RB_MERGE_*). */
static void problem(rb_merge *mg, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void problem(rb_merge *mg, int code, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    mg->problems = rb_realloc(mg->problems, (mg->n_problems + 1) * sizeof *mg->problems);
    mg->problems[mg->n_problems++] = rb_strdup(buf);
    if (code > mg->verdict) mg->verdict = code;
}

void rb_merge_init(rb_merge *mg)
{
    memset(mg, 0, sizeof *mg);
    rb_metrics_init(&mg->merged);
}

void rb_merge_free(rb_merge *mg)
{
    for (size_t i = 0; i < mg->n; i++) {
        free(mg->shards[i].dir);
        json_decref(mg->shards[i].doc);
        rb_metrics_free(&mg->shards[i].m);
    }
    free(mg->shards);
    for (size_t i = 0; i < mg->n_problems; i++) free(mg->problems[i]);
    free(mg->problems);
    rb_metrics_free(&mg->merged);
    json_decref(mg->doc);
    memset(mg, 0, sizeof *mg);
}

/* ---- loading and checking ----------------------------------------------------- */

static const char *str_or(const json_t *o, const char *key, const char *dflt)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : dflt;
}

/* Reads one shard's results (path: a directory or the file). A directory
 * without results.json leaves sh->doc NULL: a missing shard, judged later. */
static void load_one(rb_merge *mg, rb_shard *sh)
{
    struct stat st;
    if (stat(sh->dir, &st) != 0) {
        problem(mg, RB_MERGE_BAD_INPUT, "%s: %s", sh->dir, strerror(errno));
        return;
    }
    char *file = S_ISDIR(st.st_mode) ? rb_asprintf("%s/results.json", sh->dir) : rb_strdup(sh->dir);
    if (S_ISDIR(st.st_mode) && stat(file, &st) != 0 && errno == ENOENT) {
        free(file);
        return;
    }
    json_error_t je;
    json_t *doc = json_load_file(file, 0, &je);
    char err[RB_ERRLEN];
    const json_t *shard = json_object_get(doc, "shard");
    const json_t *jindex = json_object_get(shard, "index"), *jcount = json_object_get(shard, "count");
    json_int_t index = json_integer_value(jindex), count = json_integer_value(jcount);
    if (!doc) {
        if (je.line > 0) problem(mg, RB_MERGE_BAD_INPUT, "%s:%d:%d: bad JSON: %s", file, je.line, je.column, je.text);
        else problem(mg, RB_MERGE_BAD_INPUT, "%s: %s", file, je.text);
    } else if (strcmp(str_or(doc, "schema", ""), RB_RESULTS_SCHEMA) != 0) {
        problem(mg, RB_MERGE_BAD_INPUT, "%s: not a run's results (schema \"%s\", expected %s)", file,
                str_or(doc, "schema", "(none)"), RB_RESULTS_SCHEMA);
    } else if (!json_is_integer(jindex) || !json_is_integer(jcount)) {
        problem(mg, RB_MERGE_BAD_INPUT, "%s: not a shard's results (no \"shard\" object with index and count: "
                "was it run with --shard I/N?)", file);
    } else if (count < 1 || count > RB_MERGE_MAX_SHARDS || index < 0 || index >= count) {
        problem(mg, RB_MERGE_BAD_INPUT, "%s: shard index %" JSON_INTEGER_FORMAT " of %" JSON_INTEGER_FORMAT
                " is out of range (0 <= index < count <= %d)", file, index, count, RB_MERGE_MAX_SHARDS);
    } else if (!json_string_value(json_object_get(shard, "run_id"))) {
        problem(mg, RB_MERGE_BAD_INPUT, "%s: the \"shard\" object has no run_id", file);
    } else if (rb_results_restore(doc, file, &sh->m, err, sizeof err) < 0) {
        problem(mg, RB_MERGE_BAD_INPUT, "%s", err);
    } else {
        sh->doc = doc;
        sh->index = (int)index;
        sh->count = (int)count;
        sh->run_id = json_string_value(json_object_get(shard, "run_id"));
        sh->host = str_or(shard, "host", "");
        sh->samples_registry = json_is_true(json_object_get(shard, "samples_registry"));
        sh->status = str_or(doc, "status", "unknown");
        sh->error = str_or(doc, "error", "");
        sh->failed = strcmp(sh->status, "ok") != 0;
        free(file);
        return;
    }
    json_decref(doc);
    free(file);
}

/* Loaded shards first, by index; then the directories without results, as given. */
static int by_index(const void *a, const void *b)
{
    const rb_shard *x = a, *y = b;
    if (!x->doc != !y->doc) return x->doc ? -1 : 1;
    if (!x->doc) return 0;
    return (x->index > y->index) - (x->index < y->index);
}

/* The run ID most loaded shards have (ties: the lowest index's). */
static const char *majority_run_id(const rb_merge *mg)
{
    const char *best = NULL;
    size_t best_n = 0;
    for (size_t i = 0; i < mg->n_loaded; i++) {
        size_t n = 0;
        for (size_t k = 0; k < mg->n_loaded; k++) n += strcmp(mg->shards[k].run_id, mg->shards[i].run_id) == 0;
        if (n > best_n) best = mg->shards[i].run_id, best_n = n;
    }
    return best;
}

/* Whether a's phase names are b's, or (prefix) the start of them. */
static int same_phases(const rb_metrics *a, const rb_metrics *b, int prefix)
{
    if (prefix ? a->n_phases > b->n_phases : a->n_phases != b->n_phases) return 0;
    for (size_t i = 0; i < a->n_phases; i++)
        if (strcmp(a->phases[i]->name, b->phases[i]->name) != 0) return 0;
    return 1;
}

/* The phase names of m as "[a, b, c]" (truncated) into buf. */
static const char *phase_list(const rb_metrics *m, char *buf, size_t len)
{
    size_t k = (size_t)snprintf(buf, len, "[");
    for (size_t i = 0; i < m->n_phases && k < len; i++)
        k += (size_t)snprintf(buf + k, len - k, "%s%s", i ? ", " : "", m->phases[i]->name);
    if (k < len) snprintf(buf + k, len - k, "]");
    return buf;
}

/* The shard whose phase list is the run's: the longest among those that
 * finished ("ok"), else the longest of all. */
static const rb_shard *phase_reference(const rb_merge *mg)
{
    const rb_shard *ref = NULL;
    for (int pass = 0; pass < 2 && !ref; pass++)
        for (size_t i = 0; i < mg->n_loaded; i++) {
            const rb_shard *s = &mg->shards[i];
            if ((pass == 0 && s->failed) || (ref && ref->m.n_phases >= s->m.n_phases)) continue;
            ref = s;
        }
    return ref;
}

/* The checks that make shards one run's: one run ID, one count, each index once, one phase list. */
static void check_together(rb_merge *mg)
{
    const char *run_id = majority_run_id(mg);
    for (size_t i = 0; i < mg->n_loaded; i++)
        if (strcmp(mg->shards[i].run_id, run_id) != 0)
            problem(mg, RB_MERGE_BAD_INPUT, "shard %d (%s) has run_id %s, the others %s: they are not one run's shards",
                    mg->shards[i].index, mg->shards[i].dir, mg->shards[i].run_id, run_id);
    mg->run_id = run_id;
    int count = mg->shards[0].count;
    for (size_t i = 0; i < mg->n_loaded; i++) {
        size_t same = 0;
        for (size_t k = 0; k < mg->n_loaded; k++) same += mg->shards[k].count == mg->shards[i].count;
        if (same * 2 > mg->n_loaded) count = mg->shards[i].count;
    }
    for (size_t i = 0; i < mg->n_loaded; i++)
        if (mg->shards[i].count != count)
            problem(mg, RB_MERGE_BAD_INPUT, "shard %d (%s) is one of %d shards, the others of %d", mg->shards[i].index,
                    mg->shards[i].dir, mg->shards[i].count, count);
    mg->count = count;
    for (size_t i = 1; i < mg->n_loaded; i++)
        if (mg->shards[i].index == mg->shards[i - 1].index)
            problem(mg, RB_MERGE_BAD_INPUT, "shard %d is given twice: %s and %s", mg->shards[i].index,
                    mg->shards[i - 1].dir, mg->shards[i].dir);
    const rb_shard *ref = phase_reference(mg);
    char a[512], b[512];
    for (size_t i = 0; ref && i < mg->n_loaded; i++) {
        const rb_shard *s = &mg->shards[i];
        if (!same_phases(&s->m, &ref->m, s->failed))
            problem(mg, RB_MERGE_BAD_INPUT, "shard %d (%s) ran the phases %s, shard %d %s: not the same scenario", s->index,
                    s->dir, phase_list(&s->m, a, sizeof a), ref->index, phase_list(&ref->m, b, sizeof b));
    }
}

/* Missing indices and failed shards: RB_MERGE_INCOMPLETE, or with
 * allow_partial a partial merge. */
static void check_complete(rb_merge *mg, int allow_partial)
{
    int code = allow_partial ? RB_MERGE_OK : RB_MERGE_INCOMPLETE;
    size_t n_missing = 0, empty = mg->n_loaded;   /* directories without results follow the loaded shards */
    for (int idx = 0; idx < mg->count; idx++) {
        int found = 0;
        for (size_t i = 0; i < mg->n_loaded && !found; i++) found = mg->shards[i].index == idx;
        if (found) continue;
        n_missing++;
        mg->partial = 1;
        if (empty < mg->n) {
            char *log = rb_asprintf("%s/events.jsonl", mg->shards[empty].dir);
            struct stat st;
            int killed = stat(log, &st) == 0;
            free(log);
            problem(mg, code, "shard %d of %d is missing (no results in %s%s)", idx, mg->count, mg->shards[empty].dir,
                    killed ? ": it has events.jsonl, so it was killed; `regbench report DIR` rebuilds its results" : "");
            mg->shards[empty++].index = idx;
        } else {
            problem(mg, code, "shard %d of %d is missing (none of the directories given holds its results)", idx, mg->count);
        }
    }
    for (; empty < mg->n; empty++)
        problem(mg, RB_MERGE_BAD_INPUT, "%s holds no results.json%s", mg->shards[empty].dir,
                n_missing ? "" : " (every shard is there without it: is it a stray directory?)");
    for (size_t i = 0; i < mg->n_loaded; i++) {
        const rb_shard *s = &mg->shards[i];
        if (!s->failed) continue;
        mg->partial = 1;
        if (strcmp(s->status, "failed") == 0)
            problem(mg, code, "shard %d failed: %s", s->index, s->error[0] ? s->error : "(no message)");
        else
            problem(mg, code, "shard %d did not finish: its status is \"%s\"%s%s", s->index, s->status,
                    s->error[0] ? ": " : "", s->error);
    }
}

int rb_merge_load(rb_merge *mg, char *const *paths, size_t n, int allow_partial)
{
    mg->shards = rb_calloc(n ? n : 1, sizeof *mg->shards);
    mg->n = n;
    for (size_t i = 0; i < n; i++) {
        rb_shard *sh = &mg->shards[i];
        sh->dir = rb_strdup(paths[i]);
        sh->index = sh->count = -1;
        rb_metrics_init(&sh->m);
        load_one(mg, sh);
        mg->n_loaded += sh->doc != NULL;
    }
    qsort(mg->shards, n, sizeof *mg->shards, by_index);
    if (mg->verdict == RB_MERGE_BAD_INPUT) return mg->verdict;
    if (mg->n_loaded == 0) {
        problem(mg, RB_MERGE_INCOMPLETE, "no shard results to merge: none of the %zu director%s holds a results.json", n,
                n == 1 ? "y" : "ies");
        return mg->verdict;
    }
    check_together(mg);
    if (mg->verdict == RB_MERGE_BAD_INPUT) return mg->verdict;
    check_complete(mg, allow_partial);
    return mg->verdict;
}

/* ---- clocks ------------------------------------------------------------------- */

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* The release time of the k-th barrier called name in a shard's records, or -1. */
static int64_t released(const json_t *barriers, const char *name, size_t k)
{
    size_t i, seen = 0;
    const json_t *b;
    json_array_foreach(barriers, i, b) {
        if (strcmp(str_or(b, "name", ""), name) != 0) continue;
        if (seen++ != k) continue;
        const json_t *r = json_object_get(b, "released_wall_us");
        return json_is_integer(r) && json_integer_value(r) > 0 ? (int64_t)json_integer_value(r) : -1;
    }
    return -1;
}

/* Shard s's offset against ref: the median, over the barriers both
 * released, of s's release time minus ref's. */
static void estimate_offset(rb_shard *s, const rb_shard *ref)
{
    s->offset_us = s->spread_us = 0;
    s->barriers_used = 0;
    if (s == ref) return;
    const json_t *mine = json_object_get(json_object_get(s->doc, "shard"), "barriers");
    const json_t *theirs = json_object_get(json_object_get(ref->doc, "shard"), "barriers");
    size_t n = json_array_size(mine), used = 0;
    int64_t *d = rb_calloc(n ? n : 1, sizeof *d);
    for (size_t i = 0; i < n; i++) {
        const char *name = str_or(json_array_get(mine, i), "name", "");
        size_t k = 0;   /* which occurrence of that name this is */
        for (size_t j = 0; j < i; j++) k += strcmp(str_or(json_array_get(mine, j), "name", ""), name) == 0;
        int64_t a = released(mine, name, k), b = released(theirs, name, k);
        if (a > 0 && b > 0) d[used++] = a - b;
    }
    if (used) {
        qsort(d, used, sizeof *d, cmp_i64);
        s->offset_us = used % 2 ? d[used / 2] : d[used / 2 - 1] + (d[used / 2] - d[used / 2 - 1]) / 2;
        s->spread_us = d[used - 1] - d[0];
    }
    s->barriers_used = used;
    free(d);
}

/* t on the reference clock: t less the offset, kept within uint64. */
static uint64_t corrected(uint64_t t, int64_t offset)
{
    if (offset >= 0) return t > (uint64_t)offset ? t - (uint64_t)offset : 0;
    return t + (uint64_t)(-offset);
}

/* Moves a shard's times onto the reference clock. */
static void correct_times(rb_shard *s)
{
    rb_metrics *m = &s->m;
    m->run_start_us = corrected(m->run_start_us, s->offset_us);
    m->run_end_us = corrected(m->run_end_us, s->offset_us);
    for (size_t i = 0; i < m->n_phases; i++) {
        m->phases[i]->start_us = corrected(m->phases[i]->start_us, s->offset_us);
        m->phases[i]->end_us = corrected(m->phases[i]->end_us, s->offset_us);
    }
}

/* ---- merging ------------------------------------------------------------------- */

static void opstats_add(rb_opstats *dst, const rb_opstats *src)
{
    dst->ops += src->ops;
    dst->errors += src->errors;
    for (int c = 0; c < RB_ERR__COUNT; c++) dst->errors_by_class[c] += src->errors_by_class[c];
    dst->bytes += src->bytes;
    rb_hist_merge(&dst->latency_us, &src->latency_us);
}

/* The series name{tags} of a list, made (empty, of src's type) when new. */
static rb_metric *metric_slot(rb_metric ***list, size_t *n, const rb_metric *src)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*list)[i]->name, src->name) == 0 && strcmp((*list)[i]->tags, src->tags) == 0) return (*list)[i];
    rb_metric *mt = rb_calloc(1, sizeof *mt);
    mt->name = rb_strdup(src->name);
    mt->tags = rb_strdup(src->tags);
    mt->type = src->type;
    rb_hist_init(&mt->hist);
    *list = rb_realloc(*list, (*n + 1) * sizeof **list);
    (*list)[(*n)++] = mt;
    return mt;
}

/* Adds src into dst: counts, sums and passes add, trends merge their
 * histograms, min and max widen; `last` is src's when it has values (the
 * caller merges shards in the order their phases ended). */
static void metric_add(rb_metric *dst, const rb_metric *src)
{
    if (src->count == 0) return;
    if (dst->count == 0 || src->min < dst->min) dst->min = src->min;
    if (dst->count == 0 || src->max > dst->max) dst->max = src->max;
    dst->count += src->count;
    dst->sum += src->sum;
    dst->trues += src->trues;
    dst->last = src->last;
    rb_hist_merge(&dst->hist, &src->hist);
}

static void metrics_add(rb_metric ***list, size_t *n, rb_metric *const *src, size_t n_src)
{
    for (size_t i = 0; i < n_src; i++) metric_add(metric_slot(list, n, src[i]), src[i]);
}

/* Copies a registry view (the sampling shard's). */
static void registry_copy(rb_phase_registry *dst, const rb_phase_registry *src)
{
    *dst = *src;
    dst->prom_names = rb_calloc(src->n_prom ? src->n_prom : 1, sizeof *dst->prom_names);
    dst->prom_values = rb_calloc(src->n_prom ? src->n_prom : 1, sizeof *dst->prom_values);
    for (size_t i = 0; i < src->n_prom; i++) {
        dst->prom_names[i] = rb_strdup(src->prom_names[i]);
        dst->prom_values[i] = src->prom_values[i];
    }
}

/* Phase j of shard s, or NULL when it has none (a failed shard stopped before). */
static const rb_phase *phase_of(const rb_shard *s, size_t j)
{
    return j < s->m.n_phases ? s->m.phases[j] : NULL;
}

/* The merged time series of phase j: each shard's steps placed by their
 * middle on the reference clock, in steps of the coarsest shard's (doubled
 * while the phase would need more than MAX_TICKS). */
static void merge_ticks(rb_merge *mg, size_t j, rb_phase *p)
{
    uint64_t step = 1;
    for (size_t i = 0; i < mg->n_loaded; i++) {
        const rb_phase *q = phase_of(&mg->shards[i], j);
        if (q && q->step_s > step) step = q->step_s;
    }
    uint64_t last = 0;   /* the latest middle of any shard's step, from the phase start */
    for (size_t i = 0; i < mg->n_loaded; i++) {
        const rb_phase *q = phase_of(&mg->shards[i], j);
        for (size_t k = 0; q && k < q->n_ticks; k++) {
            uint64_t mid = q->start_us + (2 * k + 1) * q->step_s * 500000ull;
            if (mid > p->start_us && mid - p->start_us > last) last = mid - p->start_us;
        }
    }
    while (step < (1u << 31) && last / (step * 1000000ull) >= MAX_TICKS) step *= 2;
    int any = 0;
    for (size_t i = 0; i < mg->n_loaded; i++) {
        const rb_phase *q = phase_of(&mg->shards[i], j);
        any |= q && q->n_ticks;
    }
    size_t n = any ? (size_t)(last / (step * 1000000ull)) + 1 : 0;
    p->step_s = (uint32_t)step;
    p->n_ticks = n;
    p->ticks = rb_calloc(n ? n : 1, sizeof *p->ticks);
    for (size_t i = 0; i < mg->n_loaded; i++) {
        const rb_phase *q = phase_of(&mg->shards[i], j);
        for (size_t k = 0; q && k < q->n_ticks; k++) {
            uint64_t mid = q->start_us + (2 * k + 1) * q->step_s * 500000ull;
            size_t at = mid > p->start_us ? (size_t)((mid - p->start_us) / (step * 1000000ull)) : 0;
            if (at >= n) at = n - 1;
            rb_tick *t = &p->ticks[at];
            const rb_tick *u = &q->ticks[k];
            t->ops += u->ops;
            t->errors += u->errors;
            t->bytes += u->bytes;
            t->lat_sum_us += u->lat_sum_us;
            if (u->lat_max_us > t->lat_max_us) t->lat_max_us = u->lat_max_us;
        }
    }
}

/* Shard order for phase j (or the run when j is SIZE_MAX) by when it ended:
 * gauges take the value of the shard that ended last. */
static size_t *by_end(const rb_merge *mg, size_t j)
{
    size_t *o = rb_calloc(mg->n_loaded ? mg->n_loaded : 1, sizeof *o);
    for (size_t i = 0; i < mg->n_loaded; i++) o[i] = i;
    for (size_t i = 1; i < mg->n_loaded; i++)   /* insertion sort: few shards */
        for (size_t k = i; k > 0; k--) {
            const rb_shard *a = &mg->shards[o[k - 1]], *b = &mg->shards[o[k]];
            uint64_t ea = j == SIZE_MAX ? a->m.run_end_us : phase_of(a, j) ? phase_of(a, j)->end_us : 0;
            uint64_t eb = j == SIZE_MAX ? b->m.run_end_us : phase_of(b, j) ? phase_of(b, j)->end_us : 0;
            if (ea <= eb) break;
            size_t x = o[k];
            o[k] = o[k - 1];
            o[k - 1] = x;
        }
    return o;
}

/* Merges phase j of every shard into a new phase of mg->merged. */
static void merge_phase(rb_merge *mg, size_t j, const rb_phase *model)
{
    rb_phase *p = rb_calloc(1, sizeof *p);
    rb_metrics *m = &mg->merged;
    m->phases = rb_realloc(m->phases, (m->n_phases + 1) * sizeof *m->phases);
    m->phases[m->n_phases++] = p;
    p->name = rb_strdup(model->name);
    p->index = model->index;
    p->total.kind = rb_strdup("total");
    rb_hist_init(&p->total.latency_us);
    p->registry.storage_bytes = -1;
    /* the window: the shards that ran the phase (a "setup once" phase: the one that ran it) */
    int any_ran = 0;
    for (size_t i = 0; i < mg->n_loaded; i++) {
        const rb_phase *q = phase_of(&mg->shards[i], j);
        any_ran |= q && !q->waited_only;
    }
    int first = 1;
    for (size_t i = 0; i < mg->n_loaded; i++) {
        const rb_shard *s = &mg->shards[i];
        const rb_phase *q = phase_of(s, j);
        if (!q) {
            p->cut = 1;   /* a failed shard never got here */
            continue;
        }
        p->cut |= q->cut;
        if (q->planned_s > p->planned_s) p->planned_s = q->planned_s;
        if (!q->waited_only || !any_ran) {
            if (first || q->start_us < p->start_us) p->start_us = q->start_us;
            if (first || q->end_us > p->end_us) p->end_us = q->end_us;
            first = 0;
            p->cpu_s += q->cpu_s;
            p->rss_peak_bytes += q->rss_peak_bytes;
        }
        opstats_add(&p->total, &q->total);
        for (size_t k = 0; k < q->n_by_op; k++) opstats_add(rb_phase_op(p, q->by_op[k].kind, 1), &q->by_op[k]);
        for (size_t k = 0; k < q->n_counters; k++) rb_metrics_count(m, p, q->counters[k].name, q->counters[k].value);
        for (size_t k = 0; k < q->n_warnings; k++) rb_phase_warn(p, "shard %d: %s", s->index, q->warnings[k]);
        if (s->samples_registry && q->registry.valid && !p->registry.valid) registry_copy(&p->registry, &q->registry);
    }
    size_t *order = by_end(mg, j);
    for (size_t i = 0; i < mg->n_loaded; i++) {
        const rb_phase *q = phase_of(&mg->shards[order[i]], j);
        if (q) metrics_add(&p->metrics, &p->n_metrics, q->metrics, q->n_metrics);
    }
    free(order);
    merge_ticks(mg, j, p);
}

/* ---- the merged document ---------------------------------------------------------- */

/* Microseconds as milliseconds. */
static double ms(int64_t us) { return (double)us / 1000.0; }

/* One shard's line of "shards": identity, clock, cost, per phase its skew. */
static json_t *shard_json(const rb_shard *s, const rb_metrics *merged)
{
    json_t *o = json_object();
    json_object_set_new(o, "index", json_integer(s->index));
    json_object_set_new(o, "dir", json_string(s->dir));
    if (!s->doc) {
        json_object_set_new(o, "status", json_string("missing"));
        json_object_set_new(o, "error", json_sprintf("no results in %s", s->dir));
        return o;
    }
    const json_t *shard = json_object_get(s->doc, "shard");
    json_object_set_new(o, "status", json_string(s->status));
    json_object_set_new(o, "error", s->error[0] ? json_string(s->error) : json_null());
    json_object_set_new(o, "host", json_string(s->host));
    json_object_set(o, "pid", json_object_get(shard, "pid") ? json_object_get(shard, "pid") : json_null());
    json_object_set_new(o, "samples_registry", json_boolean(s->samples_registry));
    json_object_set_new(o, "clock_offset_ms", json_real(ms(s->offset_us)));
    json_object_set_new(o, "barriers_used", json_integer((json_int_t)s->barriers_used));
    json_object_set_new(o, "clock_spread_ms", json_real(ms(s->spread_us)));
    double dur = s->m.run_end_us > s->m.run_start_us ? (double)(s->m.run_end_us - s->m.run_start_us) / 1e6 : 0;
    json_object_set_new(o, "duration_s", json_real(round(dur * 1e6) / 1e6));
    uint64_t ops = 0, errors = 0, rss = 0;
    double cpu = 0;
    json_t *phases = json_array();
    for (size_t j = 0; j < s->m.n_phases; j++) {
        const rb_phase *q = s->m.phases[j];
        ops += q->total.ops;
        errors += q->total.errors;
        json_t *ph = json_object();
        json_object_set_new(ph, "name", json_string(q->name));
        json_object_set_new(ph, "ran_here", json_boolean(!q->waited_only));
        const rb_phase *mp = j < merged->n_phases ? merged->phases[j] : NULL;
        int64_t skew = mp ? (int64_t)q->start_us - (int64_t)mp->start_us : 0;
        json_object_set_new(ph, "start_skew_ms", q->waited_only ? json_null() : json_real(ms(skew)));
        json_object_set_new(ph, "duration_s", json_real(round((double)(q->end_us - q->start_us)) / 1e6));
        json_object_set_new(ph, "ops", json_integer((json_int_t)q->total.ops));
        json_array_append_new(phases, ph);
        if (q->waited_only) continue;
        cpu += q->cpu_s;
        if (q->rss_peak_bytes > rss) rss = q->rss_peak_bytes;
    }
    json_object_set_new(o, "ops", json_integer((json_int_t)ops));
    json_object_set_new(o, "errors", json_integer((json_int_t)errors));
    json_object_set_new(o, "client_cpu_s", json_real(round(cpu * 1000) / 1000));
    json_object_set_new(o, "client_rss_peak_bytes", json_integer((json_int_t)rss));
    json_object_set(o, "environment", json_object_get(s->doc, "environment"));
    json_object_set_new(o, "phases", phases);
    return o;
}

/* A shard that failed or is missing, in words for "error" (NULL: none). */
static char *merged_error(const rb_merge *mg)
{
    if (!mg->partial) return NULL;
    char buf[2048] = "";
    size_t k = 0;
    for (size_t i = 0; i < mg->n_problems && k < sizeof buf; i++)
        k += (size_t)snprintf(buf + k, sizeof buf - k, "%s%s", i ? "; " : "", mg->problems[i]);
    return rb_strdup(buf[0] ? buf : "partial");
}

/* The worst status of the loaded shards (failed before interrupted before the rest). */
static const char *merged_status(const rb_merge *mg)
{
    static const char *const worst[] = {"failed", "interrupted", "killed", "running"};
    for (size_t w = 0; w < sizeof worst / sizeof worst[0]; w++)
        for (size_t i = 0; i < mg->n_loaded; i++)
            if (strcmp(mg->shards[i].status, worst[w]) == 0) return worst[w];
    for (size_t i = 0; i < mg->n_loaded; i++)
        if (mg->shards[i].failed) return mg->shards[i].status;
    return "ok";
}

/* The sampling shard's registry series, its times moved to the merged run's start. */
static json_t *registry_series(const rb_merge *mg)
{
    for (size_t i = 0; i < mg->n_loaded; i++) {
        const rb_shard *s = &mg->shards[i];
        const json_t *rs = json_object_get(s->doc, "registry_timeseries");
        if (!s->samples_registry || !json_is_object(rs)) continue;
        json_t *copy = json_deep_copy(rs);
        double shift = ((double)s->m.run_start_us - (double)mg->merged.run_start_us) / 1e6;
        json_t *t = json_object_get(copy, "t_s");
        for (size_t k = 0; k < json_array_size(t); k++)
            json_array_set_new(t, k, json_real(round((json_number_value(json_array_get(t, k)) + shift) * 1000) / 1000));
        return copy;
    }
    return NULL;
}

/* The merged results document around mg->merged. */
static json_t *merged_doc(rb_merge *mg)
{
    const rb_shard *ref = &mg->shards[0];
    const json_t *reg = json_object_get(ref->doc, "registry");
    char started[64];
    rb_format_utc(mg->merged.run_start_us, started, sizeof started);
    char *error = merged_error(mg);
    rb_run_info info = {
        .scenario = str_or(ref->doc, "scenario", NULL),
        .started_at = started,
        .status = merged_status(mg),
        .error = error,
        .exit_code = 0,
        .reg_kind = str_or(reg, "kind", NULL),
        .reg_url = str_or(reg, "url", NULL),
        .reg_storage = str_or(reg, "storage", NULL),
        .reg_version = str_or(reg, "version", NULL),
        .insecure = json_is_true(json_object_get(reg, "tls_insecure")),
        .http_client = str_or(json_object_get(ref->doc, "tool"), "http_client", NULL),
        .auth_user = str_or(reg, "auth_user", NULL),
        .run_id = mg->run_id,
        .repo_prefix = str_or(ref->doc, "repo_prefix", NULL),
        .wall_at_start_us = mg->merged.run_start_us,
    };
    for (size_t i = 0; i < mg->n_loaded; i++) {
        const json_t *pid = json_object_get(json_object_get(mg->shards[i].doc, "registry"), "pid");
        if (mg->shards[i].samples_registry && json_is_integer(pid)) info.reg_pid = (long)json_integer_value(pid);
    }
    json_t *doc = rb_results_json(&mg->merged, &info);
    free(error);
    /* what every shard shares, as shard 0 (or the lowest present) recorded it */
    static const char *const shared[] = {"params", "param_values", "environment"};
    for (size_t i = 0; i < sizeof shared / sizeof shared[0]; i++)
        if (json_object_get(ref->doc, shared[i])) json_object_set(doc, shared[i], json_object_get(ref->doc, shared[i]));
    json_t *rs = registry_series(mg);
    if (rs) json_object_set_new(doc, "registry_timeseries", rs);

    json_t *shards = json_array(), *offsets = json_array(), *used = json_array(), *from = json_array();
    for (int idx = 0; idx < mg->count; idx++) {
        const rb_shard *s = NULL;
        for (size_t i = 0; i < mg->n && !s; i++)
            if (mg->shards[i].index == idx) s = &mg->shards[i];
        if (!s) {
            json_t *o = json_object();
            json_object_set_new(o, "index", json_integer(idx));
            json_object_set_new(o, "dir", json_null());
            json_object_set_new(o, "status", json_string("missing"));
            json_object_set_new(o, "error", json_string("none of the directories given holds its results"));
            json_array_append_new(shards, o);
        } else {
            json_array_append_new(shards, shard_json(s, &mg->merged));
        }
        json_array_append_new(offsets, s && s->doc ? json_real(ms(s->offset_us)) : json_null());
        json_array_append_new(used, s && s->doc ? json_integer((json_int_t)s->barriers_used) : json_null());
    }
    for (size_t i = 0; i < mg->n; i++) json_array_append_new(from, json_string(mg->shards[i].dir));
    json_object_set_new(doc, "shards", shards);
    json_object_set_new(doc, "merged_from", from);
    json_object_set_new(doc, "partial", json_boolean(mg->partial));
    json_t *clock = json_object();
    json_object_set_new(clock, "method", json_string("barrier-release-median"));
    json_object_set_new(clock, "reference_shard", json_integer(ref->index));
    json_object_set_new(clock, "offsets_ms", offsets);
    json_object_set_new(clock, "barriers_used", used);
    json_object_set_new(doc, "clock", clock);
    return doc;
}

json_t *rb_merge_run(rb_merge *mg)
{
    if (mg->doc || mg->n_loaded == 0) return mg->doc;
    const rb_shard *ref = &mg->shards[0];   /* the lowest index present: the reference clock */
    for (size_t i = 0; i < mg->n_loaded; i++) {
        estimate_offset(&mg->shards[i], ref);
        correct_times(&mg->shards[i]);
    }
    rb_metrics *m = &mg->merged;
    const rb_shard *model = phase_reference(mg);
    int first = 1;
    for (size_t i = 0; i < mg->n_loaded; i++) {
        const rb_metrics *sm = &mg->shards[i].m;
        if (first || sm->run_start_us < m->run_start_us) m->run_start_us = sm->run_start_us;
        if (first || sm->run_end_us > m->run_end_us) m->run_end_us = sm->run_end_us;
        first = 0;
    }
    for (size_t j = 0; j < model->m.n_phases; j++) merge_phase(mg, j, model->m.phases[j]);
    size_t *order = by_end(mg, SIZE_MAX);
    for (size_t i = 0; i < mg->n_loaded; i++) {
        const rb_metrics *sm = &mg->shards[order[i]].m;
        metrics_add(&m->metrics, &m->n_metrics, sm->metrics, sm->n_metrics);
    }
    free(order);
    mg->doc = merged_doc(mg);
    return mg->doc;
}

/* ---- outputs ----------------------------------------------------------------------- */

int rb_merge_write(const rb_merge *mg, const char *dir, char *err, size_t errlen)
{
    if (!mg->doc) return rb_err(err, errlen, "nothing merged");
    if (rb_mkdir_p(dir) != 0) return rb_err(err, errlen, "cannot create %s: %s", dir, strerror(errno));
    if (rb_results_write_doc(dir, mg->doc, err, errlen) < 0) return -1;
    if (rb_results_write_csv(dir, &mg->merged, err, errlen) < 0) return -1;
    json_t *suite = rb_results_as_suite(mg->doc, dir, err, errlen);
    if (!suite) return -1;
    char *md = rb_asprintf("%s/summary.md", dir), *html = rb_asprintf("%s/report.html", dir);
    int rc = rb_write_summary_md(suite, md, err, errlen);
    if (rc == 0) rc = rb_write_report_html(mg->doc, NULL, dir, html, err, errlen);
    free(md);
    free(html);
    json_decref(suite);
    return rc;
}

void rb_merge_print_shards(FILE *out, const json_t *doc)
{
    const json_t *shards = json_object_get(doc, "shards");
    const json_t *clock = json_object_get(doc, "clock");
    fprintf(out, "shards (clock offsets against shard %" JSON_INTEGER_FORMAT ", from barrier releases)%s\n",
            json_integer_value(json_object_get(clock, "reference_shard")),
            json_is_true(json_object_get(doc, "partial")) ? "  PARTIAL" : "");
    fprintf(out, "  %5s %-11s %10s %8s %10s %9s %8s %9s %12s  %s\n", "shard", "status", "offset ms", "barriers",
            "duration s", "ops", "cpu s", "rss MB", "max skew ms", "host");
    size_t i;
    const json_t *s;
    json_array_foreach(shards, i, s) {
        double skew = 0;
        size_t k;
        const json_t *ph;
        json_array_foreach(json_object_get(s, "phases"), k, ph) {
            double v = fabs(json_number_value(json_object_get(ph, "start_skew_ms")));
            if (v > skew) skew = v;
        }
        if (!json_object_get(s, "host")) {
            fprintf(out, "  %5" JSON_INTEGER_FORMAT " %-11s %s\n", json_integer_value(json_object_get(s, "index")),
                    str_or(s, "status", ""), str_or(s, "error", ""));
            continue;
        }
        fprintf(out, "  %5" JSON_INTEGER_FORMAT " %-11.11s %10.2f %8" JSON_INTEGER_FORMAT " %10.2f %9" JSON_INTEGER_FORMAT
                " %8.2f %9.1f %12.2f  %s\n", json_integer_value(json_object_get(s, "index")), str_or(s, "status", ""),
                json_number_value(json_object_get(s, "clock_offset_ms")),
                json_integer_value(json_object_get(s, "barriers_used")),
                json_number_value(json_object_get(s, "duration_s")), json_integer_value(json_object_get(s, "ops")),
                json_number_value(json_object_get(s, "client_cpu_s")),
                (double)json_integer_value(json_object_get(s, "client_rss_peak_bytes")) / 1e6, skew, str_or(s, "host", ""));
    }
}
