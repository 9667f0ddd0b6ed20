/* export: the per-suite analysis files for other tools: bench.txt in Go's
 * benchmark format so that benchstat can compare two suites, summary.csv
 * with one row per run x phase (repetitions kept apart; the run's checks
 * and custom metrics in a column per series and field after the phase's
 * own) and timeseries.csv with every time-series point of every phase.
 * Files are written to NAME.tmp and renamed into place. Formats are
 * documented in docs/results-schema.md. */
#include "results/rb_export.h"
#include "results/rb_load.h"
#include "util/rb_atomic.h"
#include "util/rb_util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- bench.txt ------------------------------------------------------------- */

/* Appends s to the growing buffer (b, n, cap). */
static void sb_add(char **b, size_t *n, size_t *cap, const char *s, size_t len)
{
    if (*n + len + 1 > *cap) {
        *cap = (*n + len + 1) * 2;
        *b = rb_realloc(*b, *cap);
    }
    memcpy(*b + *n, s, len);
    *n += len;
    (*b)[*n] = '\0';
}

/* Appends s with whitespace, control characters and '/' replaced by '_', so
 * that one name part stays one part for benchstat. */
static void sb_add_part(char **b, size_t *n, size_t *cap, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        char o = (c <= ' ' || c == 0x7f || c == '/') ? '_' : (char)c;
        sb_add(b, n, cap, &o, 1);
    }
}

/* Appends the label's parts joined by '/'. A label is "k=v,k=v"; a comma
 * starts a new part only when the text up to the next comma has a '=', so a
 * value such as "1MB,10MB" stays in one part. */
static void sb_add_label(char **b, size_t *n, size_t *cap, const char *label)
{
    const char *p = label;
    while (*p) {
        const char *end = p;
        for (;;) {
            const char *c = strchr(end, ',');
            if (!c) { end = p + strlen(p); break; }
            const char *next = c + 1;
            const char *nc = strchr(next, ',');
            size_t seg = nc ? (size_t)(nc - next) : strlen(next);
            if (memchr(next, '=', seg)) { end = c; break; }
            end = next;
        }
        if (end > p) {
            sb_add(b, n, cap, "/", 1);
            sb_add_part(b, n, cap, p, (size_t)(end - p));
        }
        p = *end ? end + 1 : end;
    }
}

/* The Go benchmark name of a run's phase, without the "-P" suffix. */
static char *bench_name(const json_t *run, const char *phase_key)
{
    char *b = NULL;
    size_t n = 0, cap = 0;
    sb_add(&b, &n, &cap, "Benchmark", 9);
    const char *scn = rb_json_str(run, "scenario");
    if (!*scn) scn = "run";
    for (size_t i = 0; scn[i]; i++) {
        unsigned char c = (unsigned char)scn[i];
        char o = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ? (char)c : '_';
        if (i == 0 && o >= 'a' && o <= 'z') o = (char)(o - 'a' + 'A');
        sb_add(&b, &n, &cap, &o, 1);
    }
    sb_add_label(&b, &n, &cap, rb_json_str(run, "label"));
    const char *reg = rb_json_str(run, "registry");
    sb_add(&b, &n, &cap, "/registry=", 10);
    sb_add_part(&b, &n, &cap, reg, strlen(reg));
    sb_add(&b, &n, &cap, "/phase=", 7);
    sb_add_part(&b, &n, &cap, phase_key, strlen(phase_key));
    return b;
}

static const char *goarch(void)
{
#if defined(__x86_64__)
    return "amd64";
#elif defined(__aarch64__)
    return "arm64";
#elif defined(__i386__)
    return "386";
#elif defined(__arm__)
    return "arm";
#elif defined(__riscv) && __riscv_xlen == 64
    return "riscv64";
#elif defined(__powerpc64__) && defined(__LITTLE_ENDIAN__)
    return "ppc64le";
#elif defined(__s390x__)
    return "s390x";
#else
    return "unknown";
#endif
}

/* A finite number or 0. */
static double fin(double x) { return isfinite(x) ? x : 0.0; }

int rb_write_gobench(const json_t *suite, FILE *out)
{
    const json_t *env = json_object_get(suite, "environment");
    const char *cpu = json_string_value(json_object_get(env, "cpu_model"));
    long long cores = rb_json_int(env, "cores", 1);
    if (cores < 1) cores = 1;
    fprintf(out, "goos: linux\ngoarch: %s\npkg: regbench\ncpu: %s\n", goarch(), cpu && *cpu ? cpu : "unknown");
    fprintf(out, "Unit ops/s better=higher\n");

    size_t i, j;
    json_t *run, *ph;
    json_array_foreach(json_object_get(suite, "runs"), i, run) {
        json_t *phases = json_object_get(run, "phases");
        json_array_foreach(phases, j, ph) {
            long long ops = rb_json_int(ph, "ops", 0);
            if (ops <= 0) continue;
            char key[512];
            rb_phase_key(phases, j, key, sizeof key);
            char *name = bench_name(run, key);
            double mean_ns = fin(rb_json_num(ph, "latency_ms.mean")) * 1e6;
            double p99_ns = fin(rb_json_num(ph, "latency_ms.p99")) * 1e6;
            double mbps = fin(rb_json_num(ph, "throughput_MBps"));
            double opsps = fin(rb_json_num(ph, "ops_per_s"));
            long long bytes = rb_json_int(ph, "bytes", 0);
            fprintf(out, "%s-%lld\t%lld\t%.0f ns/op", name, cores, ops, mean_ns);
            if (bytes > 0) fprintf(out, "\t%.2f MB/s", mbps);
            fprintf(out, "\t%.0f p99-ns/op\t%.3f ops/s\n", p99_ns, opsps);
            free(name);
        }
    }
    return ferror(out) ? -1 : 0;
}

int rb_write_gobench_file(const json_t *suite, const char *path, char *err, size_t errlen)
{
    rb_atomic a;
    FILE *f = rb_atomic_open(&a, path, err, errlen);
    if (!f) return -1;
    return rb_atomic_commit(&a, rb_write_gobench(suite, f) != 0, err, errlen);
}

/* ---- CSV --------------------------------------------------------------------- */

/* Writes s as one CSV field (RFC 4180 quoting when needed). */
static void csv_str(FILE *f, const char *s)
{
    if (!s) s = "";
    if (strpbrk(s, ",\"\r\n") == NULL) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"') fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

/* Writes a number as found in the JSON ("" when absent or null), with a
 * leading comma. Integers stay integers; reals use the shortest exact form. */
static void csv_value(FILE *f, const json_t *v)
{
    fputc(',', f);
    if (json_is_integer(v)) fprintf(f, "%lld", (long long)json_integer_value(v));
    else if (json_is_real(v) && isfinite(json_real_value(v))) fprintf(f, "%.15g", json_real_value(v));
}

/* registry,scenario,label,repetition of a run. */
static void csv_run_prefix(FILE *f, const json_t *run)
{
    csv_str(f, rb_json_str(run, "registry"));
    fputc(',', f);
    csv_str(f, rb_json_str(run, "scenario"));
    fputc(',', f);
    csv_str(f, rb_json_str(run, "label"));
    fprintf(f, ",%lld", rb_json_int(run, "repetition", 1));
}

/* A column of summary.csv for a custom metric: field `field` of series `key` of a run's "metrics". */
typedef struct metric_col {
    const char *key, *field;   /* borrowed from the document */
} metric_col;

/* The custom metric columns of the suite: every (series key, field) of the
 * runs' "metrics" but name, tags and type, in first-seen order. */
static metric_col *metric_columns(const json_t *runs, size_t *n)
{
    metric_col *cols = NULL;
    size_t cap = 0, i;
    const json_t *run;
    *n = 0;
    json_array_foreach(runs, i, run) {
        const char *key, *field;
        const json_t *m, *v;
        json_object_foreach((json_t *)json_object_get(run, "metrics"), key, m) {
            json_object_foreach((json_t *)m, field, v) {
                if (!strcmp(field, "name") || !strcmp(field, "tags") || !strcmp(field, "type")) continue;
                size_t k = 0;
                while (k < *n && (strcmp(cols[k].key, key) != 0 || strcmp(cols[k].field, field) != 0)) k++;
                if (k < *n) continue;
                if (*n == cap) {
                    cap = cap ? cap * 2 : 16;
                    cols = rb_realloc(cols, cap * sizeof *cols);
                }
                cols[(*n)++] = (metric_col){key, field};
            }
        }
    }
    return cols;
}

/* The custom metric cells of a run's row, each with its leading comma, then the newline. */
static void csv_metrics_end(FILE *f, const json_t *run, const metric_col *cols, size_t n)
{
    const json_t *metrics = json_object_get(run, "metrics");
    for (size_t k = 0; k < n; k++) csv_value(f, json_object_get(json_object_get(metrics, cols[k].key), cols[k].field));
    fputc('\n', f);
}

int rb_write_summary_csv(const json_t *suite, const char *path, char *err, size_t errlen)
{
    rb_atomic a;
    FILE *f = rb_atomic_open(&a, path, err, errlen);
    if (!f) return -1;
    const json_t *runs = json_object_get(suite, "runs");
    size_t ncols;
    metric_col *cols = metric_columns(runs, &ncols);
    fputs("registry,scenario,label,repetition,phase,status,duration_s,ops,errors,ops_per_s,"
          "throughput_MBps,p50_ms,p90_ms,p95_ms,p99_ms,p999_ms,max_ms,client_cpu_s,"
          "client_rss_peak_bytes,registry_cpu_pct_avg,registry_rss_peak_bytes,storage_bytes", f);
    for (size_t k = 0; k < ncols; k++) {
        char *name = rb_asprintf("custom.%s.%s", cols[k].key, cols[k].field);
        fputc(',', f);
        csv_str(f, name);
        free(name);
    }
    fputc('\n', f);
    size_t i, j;
    json_t *run, *ph;
    json_array_foreach(runs, i, run) {
        json_t *phases = json_object_get(run, "phases");
        if (json_array_size(phases) == 0) {
            /* A run that ended before any phase still gets a row, so a failed
             * run is visible: empty phase and numbers. */
            csv_run_prefix(f, run);
            fputs(",,", f);
            csv_str(f, rb_json_str(run, "status"));
            fputs(",,,,,,,,,,,,,,,,", f);   /* the 16 numbers */
            csv_metrics_end(f, run, cols, ncols);
            continue;
        }
        json_array_foreach(phases, j, ph) {
            char key[512];
            rb_phase_key(phases, j, key, sizeof key);
            csv_run_prefix(f, run);
            fputc(',', f);
            csv_str(f, key);
            fputc(',', f);
            csv_str(f, rb_json_str(run, "status"));
            static const char *const stats[] = {
                "duration_s", "ops", "errors", "ops_per_s", "throughput_MBps",
                "latency_ms.p50", "latency_ms.p90", "latency_ms.p95", "latency_ms.p99",
                "latency_ms.p999", "latency_ms.max", "client.cpu_s", "client.rss_peak_bytes",
                "registry.cpu_pct_avg", "registry.rss_peak_bytes", "registry.storage_bytes",
            };
            for (size_t c = 0; c < sizeof stats / sizeof stats[0]; c++) csv_value(f, rb_json_at(ph, stats[c]));
            csv_metrics_end(f, run, cols, ncols);
        }
    }
    free(cols);
    return rb_atomic_commit(&a, 0, err, errlen);
}

/* Element i of the array at ts[key] as CSV ("" when missing). */
static void csv_elem(FILE *f, const json_t *ts, const char *key, size_t i)
{
    csv_value(f, json_array_get(json_object_get(ts, key), i));
}

int rb_write_timeseries_csv(const json_t *suite, const char *path, char *err, size_t errlen)
{
    rb_atomic a;
    FILE *f = rb_atomic_open(&a, path, err, errlen);
    if (!f) return -1;
    fputs("registry,scenario,label,repetition,phase,t_s,ops,errors,bytes,latency_mean_ms,latency_max_ms\n", f);
    size_t i, j;
    json_t *run, *ph;
    json_array_foreach(json_object_get(suite, "runs"), i, run) {
        json_t *phases = json_object_get(run, "phases");
        json_array_foreach(phases, j, ph) {
            json_t *ts = json_object_get(ph, "timeseries");
            if (!json_is_object(ts)) continue;
            double step = rb_json_num(ts, "step_s");
            if (!isfinite(step) || step <= 0) step = 1;
            size_t n = json_array_size(json_object_get(ts, "ops"));
            char key[512];
            rb_phase_key(phases, j, key, sizeof key);
            for (size_t k = 0; k < n; k++) {
                csv_run_prefix(f, run);
                fputc(',', f);
                csv_str(f, key);
                fprintf(f, ",%.15g", step * (double)k);
                csv_elem(f, ts, "ops", k);
                csv_elem(f, ts, "errors", k);
                csv_elem(f, ts, "bytes", k);
                csv_elem(f, ts, "latency_mean_ms", k);
                csv_elem(f, ts, "latency_max_ms", k);
                fputc('\n', f);
            }
        }
    }
    return rb_atomic_commit(&a, 0, err, errlen);
}
