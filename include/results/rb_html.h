/* rb_html: report.html, one self-contained HTML page (inline CSS and inline
 * SVG, no JavaScript, no external URLs) that shows a suite's or a run's
 * results as charts and tables: throughput over time, the latency
 * percentile spectrum, registry and client resources, the scaling curve,
 * dedup savings, the change against a baseline, the summary, thresholds,
 * environment, warnings and failed runs. docs/report.md describes it. */
#ifndef RB_HTML_H
#define RB_HTML_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

/* Writes the report of results (suite form, or a run-level results.json
 * document) to out. baseline (suite or run form, may be NULL) adds the
 * comparison chart; without it the suite's own "comparison" is used.
 * base_dir (may be NULL) is the directory of the results file: runs[].dir
 * is relative to it, and each run's own results.json there supplies the
 * registry/client time series a suite record lacks. Returns 0, or -1 with err. */
int rb_report_html(const json_t *results, const json_t *baseline, const char *base_dir, FILE *out,
                   char *err, size_t errlen);

/* Same, into path atomically (path.tmp, then rename). 0, or -1 with err. */
int rb_write_report_html(const json_t *results, const json_t *baseline, const char *base_dir, const char *path,
                         char *err, size_t errlen);


#endif
