/* stat: the table of phase statistics (see rb_stat.h). One row per
 * statistic; everything that names a statistic (thresholds, compare, the
 * grouped views, results.json's percentiles) looks it up here. */
#include "measure/rb_stat.h"

#include <stdio.h>
#include <string.h>

static const rb_stat STATS[RB_STAT__COUNT] = {
    /* id                  name               path                column             better lat  pct  frac run cmp */
    {RB_STAT_P50,        "p50",             "latency_ms.p50",   "p50_ms",          0,     1,   50.0, 0,  0,  3},
    {RB_STAT_P90,        "p90",             "latency_ms.p90",   "p90_ms",          0,     1,   90.0, 0,  0,  0},
    {RB_STAT_P95,        "p95",             "latency_ms.p95",   "p95_ms",          0,     1,   95.0, 0,  0,  4},
    {RB_STAT_P99,        "p99",             "latency_ms.p99",   "p99_ms",          0,     1,   99.0, 0,  0,  5},
    {RB_STAT_P999,       "p999",            "latency_ms.p999",  "p999_ms",         0,     1,   99.9, 0,  0,  0},
    {RB_STAT_MIN,        "min",             "latency_ms.min",   "min_ms",          0,     1,   0,    0,  0,  0},
    {RB_STAT_MEAN,       "mean",            "latency_ms.mean",  "mean_ms",         0,     1,   0,    0,  0,  0},
    {RB_STAT_MAX,        "max",             "latency_ms.max",   "max_ms",          0,     1,   0,    0,  0,  0},
    {RB_STAT_OPS,        "ops",             "ops",              "ops",             1,     0,   0,    0,  1,  0},
    {RB_STAT_ERRORS,     "errors",          "errors",           "errors",          0,     0,   0,    0,  1,  0},
    {RB_STAT_ERROR_RATE, "error_rate",      NULL,               "error_rate",      0,     0,   0,    1,  0,  0},
    {RB_STAT_OPS_PER_S,  "ops_per_s",       "ops_per_s",        "ops_per_s",       1,     0,   0,    0,  0,  2},
    {RB_STAT_MBPS,       "throughput_MBps", "throughput_MBps",  "throughput_MBps", 1,     0,   0,    0,  0,  1},
};

_Static_assert(RB_STAT_N_PCT == RB_STAT_P999 + 1, "the percentiles come first");

const rb_stat *rb_stat_get(rb_stat_id id)
{
    return &STATS[id];
}

const rb_stat *rb_stat_find(const char *name)
{
    for (int i = 0; name && i < RB_STAT__COUNT; i++)
        if (strcmp(STATS[i].name, name) == 0) return &STATS[i];
    return NULL;
}

void rb_stat_names(char *buf, size_t len)
{
    size_t k = 0;
    buf[0] = 0;
    for (int i = 0; i < RB_STAT__COUNT; i++) {
        int w = snprintf(buf + k, len - k, "%s%s", i ? ", " : "", STATS[i].name);
        if (w < 0 || (size_t)w >= len - k) {
            buf[k] = 0;
            break;
        }
        k += (size_t)w;
    }
}

size_t rb_stat_compared(const rb_stat **out, size_t max)
{
    size_t n = 0;
    for (int rank = 1; rank <= RB_STAT__COUNT; rank++)
        for (int i = 0; i < RB_STAT__COUNT && n < max; i++)
            if (STATS[i].compare_rank == rank) out[n++] = &STATS[i];
    return n;
}

static const char *const BUILTIN_OPS[] = {
    "total", "http", "iteration",
    "ping", "ping_request", "auth_token",
    "push", "pull", "blob_push", "blob_pull", "blob_exists", "blob_head", "mount", "blob_mount",
    "blob_upload_open", "blob_upload_post", "blob_upload_put", "blob_upload_chunk", "blob_upload_stream",
    "blob_upload_data", "blob_upload_commit", "blob_get", "blob_get_ttfb", "blob_delete", "blob_remove",
    "manifest_push", "manifest_put", "manifest_pull", "manifest_get", "manifest_delete", "manifest_remove",
    "manifest_exists", "manifest_head", "tags", "tags_list", "catalog", "catalog_list", "referrers", "referrers_list",
    NULL,
};

int rb_op_builtin(const char *kind)
{
    if (!kind) return 0;
    if (strncmp(kind, "iteration/", 10) == 0 && kind[10]) return 1;
    for (const char *const *k = BUILTIN_OPS; *k; k++)
        if (strcmp(*k, kind) == 0) return 1;
    return 0;
}

const char *const *rb_op_builtins(void)
{
    return BUILTIN_OPS;
}
