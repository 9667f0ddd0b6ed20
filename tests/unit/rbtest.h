/* rbtest: the few macros the unit tests use. A failed CHECK prints file:line
 * and the expression, and the test exits 1 at the end (rbtest_done). */
#ifndef RBTEST_H
#define RBTEST_H
#include <stdio.h>
#include <stdlib.h>

static int rbtest_failures;
static int rbtest_checks;

#define CHECK(cond) do { rbtest_checks++; if (!(cond)) { rbtest_failures++; \
    fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); } } while (0)
#define CHECKF(cond, ...) do { rbtest_checks++; if (!(cond)) { rbtest_failures++; \
    fprintf(stderr, "%s:%d: CHECK failed: %s: ", __FILE__, __LINE__, #cond); \
    fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); } } while (0)

static inline int rbtest_done(const char *name)
{
    printf("%s: %d checks, %d failed\n", name, rbtest_checks, rbtest_failures);
    return rbtest_failures ? 1 : 0;
}
#endif
