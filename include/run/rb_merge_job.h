/* rb_merge_job: one whole merge as `regbench merge` and `regbench run
 * --procs` do it: read the shards' results, merge them (rb_merge.h), judge
 * the thresholds given plus those the shards recorded on the merged
 * figures, write the merged run's files, print the tables and the verdict
 * line. One function so that the two commands cannot drift apart. */
#ifndef RB_MERGE_JOB_H
#define RB_MERGE_JOB_H

#include <stddef.h>

typedef struct rb_merge_job {
    char *const *dirs;              /* the shards' results directories (or results.json files) */
    size_t n_dirs;
    const char *out_dir;            /* where the merged run's files go (created) */
    const char *const *thresholds;  /* threshold expressions given (already checked to parse) */
    size_t n_thresholds;
    int allow_partial;              /* merge what is there when a shard is missing or failed */
    int quiet;                      /* print only the verdict and where the results are */
    const char *who;                /* the prefix of messages: "regbench merge" or "regbench" */
    /* the registry the shards ran against when the caller launched it (--procs); NULL: as the shards recorded */
    const char *reg_kind, *reg_storage, *reg_version;
} rb_merge_job;

/* Runs the merge. Returns the exit code (docs/cli.md): 0 merged, 1 a shard
 * missing or failed (without allow_partial) or the files cannot be written,
 * 2 bad input (a shard's results unreadable, a --threshold naming nothing
 * the run records), 99 a threshold failed on the merged figures. */
int rb_merge_job_run(const rb_merge_job *j);

#endif
