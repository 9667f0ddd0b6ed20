/* cmd_compare: `regbench compare BASELINE NEW [--threshold 5%] [--json OUT]`.
 * Loads two results files (suite or single run, or directories holding
 * results.json), prints the comparison table and optionally writes the
 * comparison as JSON. Exit code: 1 when a regression beyond the threshold was
 * found, 0 otherwise, 2 for bad input (usage, unreadable or foreign files). */
#include "cli/rb_cli.h"
#include "util/rb_atomic.h"
#include "results/rb_compare.h"
#include "results/rb_load.h"
#include "util/rb_util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define EXIT_BAD_INPUT 2

static void usage(FILE *f)
{
    fprintf(f,
            "usage: regbench compare BASELINE NEW [options]\n"
            "  BASELINE, NEW       results.json of a suite or of a single run (or their directory)\n"
            "  --threshold P       change that counts as a regression, in percent (default 5%%)\n"
            "  --json OUT          also write the comparison as JSON to OUT\n"
            "exit code: 1 when a regression was found, 0 when none, 2 for bad input\n");
}

/* Writes the comparison JSON to path atomically. */
static int write_json(const json_t *cmp, const char *path)
{
    char err[RB_ERRLEN];
    if (rb_write_json_atomic(path, cmp, err, sizeof err) < 0) {
        fprintf(stderr, "regbench compare: %s\n", err);
        return -1;
    }
    return 0;
}

int rb_cmd_compare(int argc, char **argv)
{
    const char *pos[2] = {NULL, NULL};
    int npos = 0;
    const char *json_out = NULL;
    double threshold = 5.0;
    char err[RB_ERRLEN];

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = NULL;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return 0;
        }
        if (strncmp(a, "--threshold", 11) == 0 && (a[11] == '\0' || a[11] == '=')) {
            if (a[11] == '=') val = a + 12;
            else if (i + 1 < argc) val = argv[++i];
            else {
                fprintf(stderr, "regbench compare: --threshold needs a value, e.g. --threshold 5%%\n");
                return EXIT_BAD_INPUT;
            }
            if (rb_parse_change_pct(val, &threshold, err, sizeof err) != 0) {
                fprintf(stderr, "regbench compare: --threshold: %s\n", err);
                return EXIT_BAD_INPUT;
            }
        } else if (strncmp(a, "--json", 6) == 0 && (a[6] == '\0' || a[6] == '=')) {
            if (a[6] == '=') json_out = a + 7;
            else if (i + 1 < argc) json_out = argv[++i];
            if (!json_out || !*json_out) {
                fprintf(stderr, "regbench compare: --json needs a file name\n");
                return EXIT_BAD_INPUT;
            }
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "regbench compare: unknown option %s\n", a);
            usage(stderr);
            return EXIT_BAD_INPUT;
        } else if (npos < 2) {
            pos[npos++] = a;
        } else {
            fprintf(stderr, "regbench compare: unexpected argument %s (give BASELINE and NEW only)\n", a);
            return EXIT_BAD_INPUT;
        }
    }
    if (npos != 2) {
        fprintf(stderr, "regbench compare: need BASELINE and NEW results files\n");
        usage(stderr);
        return EXIT_BAD_INPUT;
    }

    json_t *base = rb_results_load(pos[0], err, sizeof err);
    if (!base) {
        fprintf(stderr, "regbench compare: baseline: %s\n", err);
        return EXIT_BAD_INPUT;
    }
    json_t *cur = rb_results_load(pos[1], err, sizeof err);
    if (!cur) {
        fprintf(stderr, "regbench compare: new: %s\n", err);
        json_decref(base);
        return EXIT_BAD_INPUT;
    }
    json_t *cmp = rb_compare(base, cur, threshold);
    json_decref(base);
    json_decref(cur);

    printf("baseline: %s\nnew:      %s\n", pos[0], pos[1]);
    rb_compare_print(cmp, stdout);
    fflush(stdout);
    int rc = json_integer_value(json_object_get(cmp, "regressions")) > 0 ? 1 : 0;
    if (json_out) {
        json_t *doc = json_pack("{s:s, s:s}", "baseline", pos[0], "new", pos[1]);
        json_object_update(doc, cmp);
        if (write_json(doc, json_out) != 0) rc = EXIT_BAD_INPUT;
        json_decref(doc);
    }
    json_decref(cmp);
    return rc;
}
