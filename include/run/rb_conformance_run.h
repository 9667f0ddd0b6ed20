/* rb_conformance_run: one run of the OCI distribution-spec conformance
 * suite (the test binary scripts/setup.sh builds from tools/conformance)
 * against a registry regbench launches or a running one, bounded in time.
 * It writes, in the output directory: conformance.json (the conformance
 * object, rb_conformance.h, with where it ran), conformance.log (the suite's
 * output), conformance/ (its junit.xml, results.yaml, report.html) and, for a
 * launched registry, registry.log.
 * The program is $REGBENCH_CONFORMANCE if set, else regbench-conformance on
 * PATH, else /usr/local/bin/regbench-conformance. It gets the legacy
 * environment (OCI_ROOT_URL, OCI_NAMESPACE, OCI_CROSSMOUNT_NAMESPACE,
 * OCI_TEST_PULL/PUSH/CONTENT_DISCOVERY/CONTENT_MANAGEMENT=1), OCI_RESULTS_DIR,
 * credentials as OCI_USERNAME/OCI_PASSWORD, and no other OCI_* variable of
 * ours. Call from the main thread (rb_launch). */
#ifndef RB_CONFORMANCE_RUN_H
#define RB_CONFORMANCE_RUN_H

#include <jansson.h>

#include "registry/rb_launch.h"

#define RB_CONFORMANCE_TIMEOUT_S 600.0   /* default bound of one run of the suite */

typedef struct rb_conformance_opts {
    const char *out_dir;       /* created with its parents */
    const char *target_url;    /* a running registry, or NULL: launch one with `launch` */
    rb_launch_opts launch;     /* workdir: NULL means out_dir */
    const char *registry;      /* the name recorded ("crane", a suite's registry name); NULL: the kind or "target" */
    const char *username, *password;   /* both or neither; never printed */
    int insecure;              /* https target with an unverified certificate */
    const char *ca_file;       /* extra CA certificates for an https target (SSL_CERT_FILE), or NULL */
    double timeout_s;          /* bound of the suite's run; 0: RB_CONFORMANCE_TIMEOUT_S */
    int quiet;                 /* no progress line on stderr */
} rb_conformance_opts;

/* Runs the suite once. Returns the conformance object (new reference, never
 * NULL): status "ran" with the counts, or "unavailable" with the reason (no
 * program, the registry did not start, the suite timed out or wrote no
 * report), plus "registry", "url", "program", "duration_s" and, for a
 * launched registry, "version". Also written as out_dir/conformance.json. */
json_t *rb_conformance_run(const rb_conformance_opts *o);

#endif
