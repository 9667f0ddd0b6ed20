/* rb_export: the analysis files of a suite for other tools: bench.txt (Go
 * benchmark format, for benchstat), summary.csv (one row per run x phase,
 * with a column per field of each custom metric and check the runs have)
 * and timeseries.csv (one row per run x phase x time step); the formats are
 * in docs/results-schema.md. Each takes the suite results document (suite
 * form, see rb_load.h). */
#ifndef RB_EXPORT_H
#define RB_EXPORT_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

/* Writes bench.txt (Go benchmark format) for every run x phase with ops to
 * out. Returns 0, or -1 on a write error. */
int rb_write_gobench(const json_t *suite, FILE *out);
/* Same, into PATH (written to PATH.tmp, then renamed). 0, or -1 with err. */
int rb_write_gobench_file(const json_t *suite, const char *path, char *err, size_t errlen);
/* Writes summary.csv (one row per run x phase; the run's custom metrics in
 * custom.KEY.FIELD columns) to PATH atomically. 0 or -1. */
int rb_write_summary_csv(const json_t *suite, const char *path, char *err, size_t errlen);
/* Writes the suite's timeseries.csv (every point of every phase's time
 * series, per run) to PATH atomically. 0 or -1. */
int rb_write_timeseries_csv(const json_t *suite, const char *path, char *err, size_t errlen);

#endif
