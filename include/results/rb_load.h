/* rb_load: reads results files and the suite results document.
 * rb_results_load accepts a suite results file ("regbench/suite/v1") or a
 * single run's results.json ("regbench/results/v1", turned into a suite with
 * one run), so every consumer (compare, the writers of summary.md, the CSV
 * files, bench.txt and report.html) handles both. The accessors read the
 * document defensively: a missing or mistyped value is "", NAN or a default. */
#ifndef RB_LOAD_H
#define RB_LOAD_H

#include <jansson.h>
#include <stddef.h>

#include "measure/rb_stat.h"
#include "results/rb_results.h"   /* RB_RESULTS_SCHEMA */

#define RB_SUITE_SCHEMA "regbench/suite/v1"

/* The string at key in o, or "" when absent or not a string. */
const char *rb_json_str(const json_t *o, const char *key);
/* The value at a dotted path in o ("latency_ms.p99"), or NULL. */
const json_t *rb_json_at(const json_t *o, const char *path);
/* The number at a dotted path in o ("latency_ms.p99"), or NAN when absent
 * or not a number. */
double rb_json_num(const json_t *o, const char *path);
/* The integer at key in o (a real is rounded), or dflt when absent or not a number. */
long long rb_json_int(const json_t *o, const char *key, long long dflt);
/* The value of statistic st in a phase or by_op object o, or NAN when
 * absent; error_rate is errors / ops (0 without ops). */
double rb_json_stat(const json_t *o, const rb_stat *st);

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

#endif
