/* fuzz_suite: libFuzzer target for the suite loader. Each input is loaded
 * from memory with rb_suite_load_buffer against a scratch directory that
 * holds the scenario files the seeds name (s.lua, t.lua) and an htpasswd, so
 * valid inputs get past the file checks; a suite that loads is expanded and
 * its thresholds re-parsed. The loader must never crash, leak or hang, and
 * every error must start with "fuzz.yaml:LINE:COL: ". Built by tests/fuzz/CMakeLists.txt with -DREGBENCH_FUZZ=ON; by hand:
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude \
 *     tests/fuzz/fuzz_suite.c src/suite.c src/util.c src/launch.c \
 *     $(pkg-config --cflags --libs yaml-0.1 libcurl) -lpthread -lm -o fuzz_suite
 *   ./fuzz_suite -max_total_time=60 tests/fuzz/corpus/suite */
#include "suite/rb_suite.h"
#include "util/rb_util.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char base[] = "/tmp/rb-fuzz-suite-XXXXXX";

static void put(const char *name, const char *text)
{
    char *p = rb_asprintf("%s/%s", base, name);
    FILE *f = fopen(p, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
    free(p);
}

static void cleanup(void)
{
    static const char *names[] = {"s.lua", "t.lua", "htpasswd"};
    for (size_t i = 0; i < 3; i++) {
        char *p = rb_asprintf("%s/%s", base, names[i]);
        unlink(p);
        free(p);
    }
    rmdir(base);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    if (!mkdtemp(base)) abort();
    atexit(cleanup);
    put("s.lua", "-- s\n");
    put("t.lua", "-- t\n");
    put("htpasswd", "bench:$2y$05$x\n");
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[RB_ERRLEN];
    rb_suite *s = rb_suite_load_buffer((const char *)data, size, "fuzz.yaml", base, err, sizeof err);
    if (!s) {
        int line = 0, col = 0;
        if (strncmp(err, "fuzz.yaml:", 10) != 0 || sscanf(err + 10, "%d:%d:", &line, &col) != 2 ||
            line <= 0 || col <= 0) {
            fprintf(stderr, "error without position: %s\n", err);
            abort();
        }
        return 0;
    }
    size_t n = 0;
    rb_suite_run *runs = rb_suite_expand(s, &n);
    for (size_t i = 0; i < n; i++)
        if (!runs[i].label || !runs[i].registry || !runs[i].scenario) abort();
    rb_suite_runs_free(runs, n);
    for (size_t i = 0; i < s->n_thresholds; i++) {
        rb_threshold t;
        if (rb_threshold_parse(s->thresholds[i].expr, &t, err, sizeof err) < 0) abort();
        if (t.value != s->thresholds[i].value) abort();
        rb_threshold_clear(&t);
    }
    rb_suite_free(s);
    return 0;
}
