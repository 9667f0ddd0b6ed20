/* rb_restore: a shard's results.json read back into a metrics store, the
 * inverse of rb_results_json for what a merge needs: phases with their
 * headline and per-kind statistics (histograms rebuilt bucket for bucket
 * from "hist"), time series, counters, client CPU and peak RSS, the
 * registry's view, warnings, and custom metrics of every type (run-wide and
 * per phase). Phase times are the shard's wall clock: start_us and end_us
 * hold start_wall_us and end_wall_us (unix microseconds), run_start_us and
 * run_end_us the run's start and end on the same clock. */
#ifndef RB_RESTORE_H
#define RB_RESTORE_H

#include <jansson.h>
#include <stddef.h>

#include "measure/rb_metrics.h"

/* Fills m (initialised here; free it with rb_metrics_free, also on failure)
 * from a results document written with a shard identity. `what` names the
 * source in messages. Returns 0, or -1 with "WHAT: phases[1] "push":
 * by_op.http: no "hist" ..." in err. */
int rb_results_restore(const json_t *doc, const char *what, rb_metrics *m, char *err, size_t errlen);

#endif
