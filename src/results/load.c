/* load: reads results files (a suite's, or a single run's results.json
 * wrapped as a suite with one run, a merged run's shards kept with it) into
 * the suite form every view works on, and the accessors that read that
 * document defensively (see rb_load.h). */
#include "results/rb_load.h"
#include "util/rb_util.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- loading --------------------------------------------------------------- */

/* Copies key from src to dst when src has it (jansson takes a new reference). */
static void copy_key(json_t *dst, const json_t *src, const char *key, const char *as)
{
    json_t *v = json_object_get(src, key);
    json_object_set(dst, as ? as : key, v ? v : json_null());
}

/* "scenarios/single.lua" -> "single" (newly allocated). */
static char *scenario_basename(const char *path)
{
    if (!path || !*path) return rb_strdup("run");
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    size_t n = strlen(b);
    if (n > 4 && strcmp(b + n - 4, ".lua") == 0) n -= 4;
    if (n == 0) return rb_strdup("run");
    char *s = rb_malloc(n + 1);
    memcpy(s, b, n);
    s[n] = '\0';
    return s;
}

/* Wraps a run-level results.json as a suite with one run. */
static json_t *wrap_run(json_t *doc)
{
    json_t *reg = json_object_get(doc, "registry");
    const char *kind = json_string_value(json_object_get(reg, "kind"));
    if (!kind) kind = "unknown";
    char *scn = scenario_basename(json_string_value(json_object_get(doc, "scenario")));

    json_t *run = json_object();
    json_object_set_new(run, "registry", json_string(kind));
    json_object_set_new(run, "scenario", json_string(scn));
    json_object_set_new(run, "label", json_string(""));
    json_t *params = json_object_get(doc, "params");
    if (json_is_object(params)) json_object_set(run, "params", params);
    else json_object_set_new(run, "params", json_object());
    json_object_set_new(run, "repetition", json_integer(1));
    json_object_set_new(run, "dir", json_string("."));
    copy_key(run, doc, "status", NULL);
    copy_key(run, doc, "exit_code", NULL);
    copy_key(run, doc, "error", NULL);
    json_t *phases = json_object_get(doc, "phases");
    if (json_is_array(phases)) json_object_set(run, "phases", phases);
    else json_object_set_new(run, "phases", json_array());
    json_t *metrics = json_object_get(doc, "metrics");
    if (json_is_object(metrics)) json_object_set(run, "metrics", metrics);
    else json_object_set_new(run, "metrics", json_object());
    json_object_set_new(run, "warnings", json_array());
    /* a merged run's shards (rb_merge.h), for the views' "Shards" section */
    static const char *const merged[] = {"shards", "partial", "clock", "merged_from"};
    for (size_t i = 0; i < sizeof merged / sizeof merged[0]; i++)
        if (json_object_get(doc, merged[i])) copy_key(run, doc, merged[i], NULL);

    json_t *r = json_object();
    json_object_set_new(r, "name", json_string(kind));
    json_object_set_new(r, "kind", json_string(kind));
    copy_key(r, reg, "storage", NULL);
    copy_key(r, reg, "url", NULL);
    copy_key(r, reg, "version", NULL);

    json_t *s = json_object();
    json_object_set_new(s, "schema", json_string(RB_SUITE_SCHEMA));
    copy_key(s, doc, "tool", NULL);
    json_t *suite = json_object();
    json_object_set_new(suite, "name", json_string(scn));
    copy_key(suite, doc, "scenario", "file");
    json_object_set_new(suite, "description", json_string(""));
    json_object_set_new(suite, "kind", json_string("run"));
    json_object_set_new(s, "suite", suite);
    copy_key(s, doc, "started_at", NULL);
    copy_key(s, doc, "run_duration_s", "duration_s");
    copy_key(s, doc, "status", NULL);
    copy_key(s, doc, "exit_code", NULL);
    copy_key(s, doc, "environment", NULL);
    json_t *regs = json_array();
    json_array_append_new(regs, r);
    json_object_set_new(s, "registries", regs);
    json_t *runs = json_array();
    json_array_append_new(runs, run);
    json_object_set_new(s, "runs", runs);
    json_t *th = json_object_get(doc, "thresholds");
    if (json_is_array(th)) json_object_set(s, "thresholds", th);
    else json_object_set_new(s, "thresholds", json_array());
    json_object_set_new(s, "warnings", json_array());
    json_object_set_new(s, "comparison", json_null());
    free(scn);
    return s;
}

json_t *rb_results_as_suite(json_t *doc, const char *what, char *err, size_t errlen)
{
    if (!json_is_object(doc)) {
        rb_err(err, errlen, "%s: not a regbench results file (the top level is not an object)", what);
        return NULL;
    }
    json_t *sch = json_object_get(doc, "schema");
    if (!sch) {
        rb_err(err, errlen, "%s: not a regbench results file (no \"schema\")", what);
        return NULL;
    }
    const char *schema = json_string_value(sch);
    if (schema && strcmp(schema, RB_SUITE_SCHEMA) == 0) {
        json_t *runs = json_object_get(doc, "runs");
        if (!json_is_array(runs)) {
            rb_err(err, errlen, "%s: \"runs\" is missing or not an array", what);
            return NULL;
        }
        size_t i;
        json_t *run;
        json_array_foreach(runs, i, run) {
            json_t *ph = json_object_get(run, "phases");
            if (!json_is_object(run) || (ph && !json_is_array(ph) && !json_is_null(ph))) {
                rb_err(err, errlen, "%s: runs[%zu] is not an object with a \"phases\" array", what, i);
                return NULL;
            }
        }
        return json_incref(doc);
    }
    if (schema && strcmp(schema, RB_RESULTS_SCHEMA) == 0) {
        json_t *ph = json_object_get(doc, "phases");
        if (ph && !json_is_array(ph)) {
            rb_err(err, errlen, "%s: \"phases\" is not an array", what);
            return NULL;
        }
        return wrap_run(doc);
    }
    rb_err(err, errlen, "%s: unknown schema \"%s\" (expected %s or %s)", what,
           schema ? schema : "(not a string)", RB_SUITE_SCHEMA, RB_RESULTS_SCHEMA);
    return NULL;
}

json_t *rb_results_load(const char *path, char *err, size_t errlen)
{
    struct stat st;
    char *file = NULL;
    if (stat(path, &st) != 0) {
        rb_err(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    if (S_ISDIR(st.st_mode)) {
        file = rb_asprintf("%s/results.json", path);
        if (stat(file, &st) != 0) {
            rb_err(err, errlen, "%s: %s", file, strerror(errno));
            free(file);
            return NULL;
        }
    } else {
        file = rb_strdup(path);
    }
    json_error_t je;
    json_t *doc = json_load_file(file, 0, &je);
    if (!doc) {
        if (je.line > 0)
            rb_err(err, errlen, "%s:%d:%d: bad JSON: %s", file, je.line, je.column, je.text);
        else
            rb_err(err, errlen, "%s: %s", file, je.text);
        free(file);
        return NULL;
    }
    json_t *s = rb_results_as_suite(doc, file, err, errlen);
    json_decref(doc);
    free(file);
    return s;
}

/* ---- accessors -------------------------------------------------------------- */

const char *rb_json_str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

const json_t *rb_json_at(const json_t *o, const char *path)
{
    char buf[128];
    snprintf(buf, sizeof buf, "%s", path);
    const json_t *cur = o;
    char *save = NULL;
    for (char *tok = strtok_r(buf, ".", &save); tok && cur; tok = strtok_r(NULL, ".", &save))
        cur = json_object_get(cur, tok);
    return cur;
}

double rb_json_num(const json_t *o, const char *path)
{
    const json_t *v = rb_json_at(o, path);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

long long rb_json_int(const json_t *o, const char *key, long long dflt)
{
    const json_t *v = json_object_get(o, key);
    if (json_is_integer(v)) return (long long)json_integer_value(v);
    if (json_is_real(v)) return (long long)llround(json_real_value(v));
    return dflt;
}

double rb_json_stat(const json_t *o, const rb_stat *st)
{
    if (st->path) return rb_json_num(o, st->path);
    /* error_rate, the one derived statistic */
    double ops = rb_json_num(o, rb_stat_get(RB_STAT_OPS)->path);
    return ops > 0 ? rb_json_num(o, rb_stat_get(RB_STAT_ERRORS)->path) / ops : 0;
}

void rb_phase_key(const json_t *phases, size_t index, char *buf, size_t len)
{
    const char *name = rb_json_str(json_array_get(phases, index), "name");
    if (!*name) name = "default";
    int k = 1;
    for (size_t i = 0; i < index; i++) {
        const char *other = rb_json_str(json_array_get(phases, i), "name");
        if (!*other) other = "default";
        if (strcmp(other, name) == 0) k++;
    }
    if (k == 1) snprintf(buf, len, "%s", name);
    else snprintf(buf, len, "%s#%d", name, k);
}
