/* rb_procs: one run spread over N processes of this machine (`regbench run
 * --procs N`), over the same mechanism as shards on several machines: the
 * parent launches the registry once (unless --target), starts N regbench
 * shard processes (`run --shard I/N --target URL --run-id ID`, each into
 * OUT/shards/shard-I/), shows one progress line for all of them, passes a
 * Ctrl-C on, and merges their results into OUT exactly (rb_merge). Shard 0
 * samples the registry. Killing the parent takes the shards and the
 * registry with it (PR_SET_PDEATHSIG). */
#ifndef RB_PROCS_H
#define RB_PROCS_H

#include <stddef.h>

#include "run/rb_run.h"

typedef struct rb_procs_opts {
    const rb_run_opts *run;       /* the run as asked: scenario, launch or target, out_dir, run_id,
                                     thresholds, credentials, quiet, op_log */
    int n;                        /* shard processes (>= 1) */
    const char *const *pass;      /* options every shard gets as given ("--set=size=1MB", ...) */
    size_t n_pass;
} rb_procs_opts;

/* What `--procs auto` picks on this machine: one process per online core,
 * less one core for a registry regbench launches itself; at least 1. */
int rb_procs_auto(int launches_registry);

/* Runs the shards and merges them. Returns the exit code, as `regbench run`
 * would: 0, 1 (a shard failed, or nothing could start), 2 (bad input), 3
 * (the --target registry cannot be reached), 99 (a threshold failed on the
 * merged results), 130 (interrupted). */
int rb_procs_run(const rb_procs_opts *o);

#endif
