/* rb_report: reads results files and writes the analysis views of a suite.
 * rb_results_load accepts a suite results file ("regbench/suite/v1") or a
 * single run's results.json ("regbench/results/v1", turned into a suite with
 * one run), so every consumer (compare, the writers below) handles both.
 * The writers produce bench.txt (Go benchmark format, for benchstat),
 * summary.csv (one row per run x phase) and timeseries.csv (one row per run x
 * phase x time step); the formats are in docs/results-schema.md. */
#ifndef RB_REPORT_H
#define RB_REPORT_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

#include "results/rb_results.h"   /* RB_RESULTS_SCHEMA */

#define RB_SUITE_SCHEMA "regbench/suite/v1"

/* The string at key in o, or "" when absent or not a string. */
const char *rb_json_str(const json_t *o, const char *key);
/* The number at a dotted path in o ("latency_ms.p99"), or NAN when absent
 * or not a number. */
double rb_json_num(const json_t *o, const char *path);

/* Loads PATH (a results file, or a directory holding results.json) and returns
 * it in suite form (new reference), or NULL with "PATH[:LINE:COL]: why" in err. */
json_t *rb_results_load(const char *path, char *err, size_t errlen);
/* Returns doc in suite form (new reference): suites as they are, run-level
 * results wrapped as a one-run suite; NULL with a message for other schemas.
 * `what` names the source in messages. */
json_t *rb_results_as_suite(json_t *doc, const char *what, char *err, size_t errlen);

/* The key of a phase: its name, or "name#k" for the k-th (k >= 2) phase of
 * the same name in one run. Writes into buf (truncated to len). */
void rb_phase_key(const json_t *phases, size_t index, char *buf, size_t len);

/* Writes bench.txt (Go benchmark format) for every run x phase with ops to
 * out. Returns 0, or -1 on a write error. */
int rb_write_gobench(const json_t *suite, FILE *out);
/* Same, into PATH (written to PATH.tmp, then renamed). 0, or -1 with err. */
int rb_write_gobench_file(const json_t *suite, const char *path, char *err, size_t errlen);
/* Writes summary.csv (one row per run x phase) to PATH atomically. 0 or -1. */
int rb_write_summary_csv(const json_t *suite, const char *path, char *err, size_t errlen);
/* Writes the suite's timeseries.csv (every point of every phase's time
 * series, per run) to PATH atomically. 0 or -1. */
int rb_write_timeseries_csv(const json_t *suite, const char *path, char *err, size_t errlen);

#endif
