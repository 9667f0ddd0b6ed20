/* rb_markdown: summary.md, the suite's findings written for a person: what
 * ran where, thresholds, warnings, registries side by side, and per scenario
 * the best and worst throughput, tail-latency outliers, errors, and what the
 * scenario's own metrics say (scalability, dedup savings, cache hit rate,
 * dropped arrivals). Rendered from the sections of the suite results
 * document (rb_sections.h). */
#ifndef RB_MARKDOWN_H
#define RB_MARKDOWN_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

/* Writes the summary of a suite document (suite form) to out. */
void rb_summary_md(const json_t *suite, FILE *out);
/* Same, into path atomically. Returns 0, or -1 with a message. */
int rb_write_summary_md(const json_t *suite, const char *path, char *err, size_t errlen);

#endif
