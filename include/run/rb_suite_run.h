/* rb_suite_run: a suite run without Lua: every (registry, scenario,
 * parameter combination, repetition) of a loaded suite run one after the
 * other, each by the caller's scenario runner into its own directory; the
 * suite's results.json gathers every run's results (rewritten after each
 * run, so a crash keeps what finished); then thresholds, the comparison with
 * a baseline, and the views (summary.md, summary.csv, timeseries.csv,
 * bench.txt, report.html). */
#ifndef RB_SUITE_RUN_H
#define RB_SUITE_RUN_H

#include <jansson.h>

#include "run/rb_run.h"
#include "suite/rb_suite.h"

/* Runs one scenario as one run; returns its exit code (rb_lua_run_scenario). */
typedef int (*rb_scenario_runner)(const rb_run_opts *o);

typedef struct rb_suite_run_opts {
    const char *file;             /* the suite file, as given (recorded) */
    const char *dir;              /* the suite's results directory; must exist */
    const char *only;             /* "a,b": run only these scenarios (names checked), or NULL */
    int repetitions;              /* overrides every repetition count when > 0 */
    int quiet;                    /* no live progress */
    const json_t *baseline;       /* results to compare with (suite form), or NULL */
    rb_scenario_runner runner;
} rb_suite_run_opts;

/* Runs the suite; prints a line per run, the thresholds and the
 * comparison; returns the exit code: 130 interrupted, 1 a run failed, 99 a
 * threshold failed or a regression, else 0. */
int rb_suite_execute(const rb_suite *s, const rb_suite_run_opts *o);

#endif
