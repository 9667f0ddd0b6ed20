/* rb_conformance: the results of the OCI distribution-spec conformance
 * suite (`regbench conformance`, a suite's `conformance: true`) as a JSON
 * object, read from the junit.xml the suite writes, and the object that says
 * why it did not run. The object (docs/results-schema.md, "conformance"):
 *
 *   {"status": "ran", "total": 1015, "pass": 566, "fail": 437, "skip": 10,
 *    "disabled": 2, "cases": 867,
 *    "categories": [{"name": "sha256 blobs", "pass": .., "fail": .., "skip": ..}],
 *    "tests": [{"name": "OCI Conformance Test/ping", "status": "pass", "time_s": 0.01}]}
 *   {"status": "unavailable", "reason": "..."}
 *
 * total/pass/fail/skip/disabled are the suite's own counts (its <testsuites>
 * header, which also counts the groups of tests); cases, categories and
 * tests come from its <testcase> entries (pass, fail, skip). */
#ifndef RB_CONFORMANCE_H
#define RB_CONFORMANCE_H

#include <jansson.h>
#include <stddef.h>

#define RB_CONFORMANCE_MAX_XML (64u << 20)   /* largest junit.xml read */

/* Parses junit.xml text (len bytes) into a "ran" object (new reference).
 * Returns NULL with a message when it is not the suite's junit report. */
json_t *rb_conformance_parse_junit(const char *xml, size_t len, char *err, size_t errlen);
/* Same, from a file (at most RB_CONFORMANCE_MAX_XML bytes). */
json_t *rb_conformance_load_junit(const char *path, char *err, size_t errlen);
/* {"status": "unavailable", "reason": reason} (new reference). */
json_t *rb_conformance_unavailable(const char *reason);
/* Whether obj is a conformance object that ran. */
int rb_conformance_ran(const json_t *obj);

#endif
