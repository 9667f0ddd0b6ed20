/* rb_merge: the results of a sharded run's shards merged exactly into the
 * results of the whole run (`regbench merge`, docs/scale-out.md). Each
 * shard's results.json is read back (rb_restore.h) and checked against the
 * others (one run ID, one shard count, every index once, one phase list);
 * each shard's clock offset is estimated from the barrier releases it
 * recorded; then phases merge by index: counts, bytes and errors add,
 * histograms merge bucket by bucket (percentiles come from the merged
 * histogram), throughput is over the merged phase window, time series add
 * on the wall clock, custom metrics merge by type. The result is a results
 * document of the run schema plus "shards", "merged_from", "partial" and
 * "clock", and the metrics store behind it, so every writer of a run's
 * files writes the merged run's. */
#ifndef RB_MERGE_H
#define RB_MERGE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "measure/rb_metrics.h"

/* What merge found wrong, by how bad it is (and the exit code it maps to). */
enum { RB_MERGE_OK = 0, RB_MERGE_INCOMPLETE = 1, RB_MERGE_BAD_INPUT = 2 };

#define RB_MERGE_MAX_SHARDS 100000   /* the largest shard count a shard's results may claim */

/* One shard's results as merge read them. */
typedef struct rb_shard {
    char *dir;                 /* as given */
    json_t *doc;               /* its results.json, or NULL when the directory holds none */
    int index, count;          /* from its "shard" object (-1 when unknown) */
    const char *run_id, *status, *error, *host;   /* borrowed from doc ("" when absent) */
    int samples_registry;      /* the one shard that sampled the registry */
    int failed;                /* status is not "ok" */
    rb_metrics m;              /* restored; times on its own wall clock, then corrected by offset_us */
    int64_t offset_us;         /* estimated: its clock minus the reference shard's */
    size_t barriers_used;      /* barriers the estimate is the median of */
    int64_t spread_us;         /* largest minus smallest difference over those barriers */
} rb_shard;

typedef struct rb_merge {
    rb_shard *shards;          /* as given; after rb_merge_load those with results first, by index */
    size_t n;
    size_t n_loaded;           /* shards with results */
    int count;                 /* shards the run has (N) */
    const char *run_id;        /* borrowed from a shard */
    int partial;               /* a shard is missing or failed */
    char **problems;           /* what is wrong, one sentence each */
    size_t n_problems;
    int verdict;               /* RB_MERGE_OK, RB_MERGE_INCOMPLETE or RB_MERGE_BAD_INPUT */
    rb_metrics merged;         /* the merged run (after rb_merge_run); times are unix us on shard 0's clock */
    json_t *doc;               /* the merged results document (after rb_merge_run) */
} rb_merge;

/* Makes an empty merge. */
void rb_merge_init(rb_merge *mg);
/* Reads the shards' results (each path a directory holding results.json, or
 * the file) and checks that they belong together. Returns RB_MERGE_OK;
 * RB_MERGE_INCOMPLETE when a shard is missing or failed and allow_partial is
 * 0 (with it, mg->partial is set and the merge goes on); RB_MERGE_BAD_INPUT
 * when a file cannot be read, is not a shard's results, or the shards are not
 * of one run. mg->problems names each problem ("shard 2 of 4 is missing (no
 * results in DIR)"). */
int rb_merge_load(rb_merge *mg, char *const *paths, size_t n, int allow_partial);
/* Merges the loaded shards into mg->merged and returns the merged results
 * document (owned by mg; the caller may add to it, e.g. thresholds). */
json_t *rb_merge_run(rb_merge *mg);
/* Writes the merged run's results.json, metrics.csv, timeseries.csv,
 * summary.md and report.html into dir (created with its parents). Returns
 * 0, or -1 with a message. */
int rb_merge_write(const rb_merge *mg, const char *dir, char *err, size_t errlen);
/* Prints the per-shard table of a merged document (its "shards"). */
void rb_merge_print_shards(FILE *out, const json_t *doc);
/* Frees everything mg holds. */
void rb_merge_free(rb_merge *mg);

#endif
