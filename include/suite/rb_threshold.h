/* rb_threshold: checks k6-style thresholds (parsed by rb_suite) against the
 * runs of a suite results document, and says which held. */
#ifndef RB_THRESHOLD_H
#define RB_THRESHOLD_H

#include <jansson.h>
#include <stddef.h>

#include "suite/rb_suite.h"

/* Evaluates every threshold over suite["runs"]; returns a JSON array of
 * {expr, passed, checked, failures[]} (new reference) and sets *n_failed. */
json_t *rb_thresholds_eval(const rb_threshold *t, size_t n, const json_t *suite, int *n_failed);

#endif
