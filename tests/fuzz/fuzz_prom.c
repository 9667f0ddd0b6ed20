/* fuzz_prom: libFuzzer target for the Prometheus text parser (src/prom.c).
 * Each input is parsed from a buffer of exactly its size (not
 * NUL-terminated, as a scrape hands it over). The parser must never crash,
 * leak or hang; it keeps at most RB_PROM_MAX_SERIES series, each a non-empty
 * name shorter than a line's 2048-byte limit, and every kept name is found
 * again by rb_prom_get. Built by tests/fuzz/CMakeLists.txt
 * (-DREGBENCH_FUZZ=ON, clang); see tests/fuzz/README.md. */
#include "registry/rb_prom.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rb_prom p;
    size_t n = rb_prom_parse((const char *)data, size, &p);
    if (n != p.n || n > RB_PROM_MAX_SERIES) abort();
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(p.names[i]);
        if (len == 0 || len >= 2048) abort();
        /* rb_prom_get returns the first series of that name */
        size_t j = 0;
        while (strcmp(p.names[j], p.names[i]) != 0) j++;
        double v = rb_prom_get(&p, p.names[i]), want = p.values[j];
        if (!(v == want || (isnan(v) && isnan(want)))) abort();
    }
    rb_prom_free(&p);
    if (p.n || p.names || p.values) abort();
    return 0;
}
