/* rbtest: the few macros and helpers the unit tests use. A failed CHECK
 * prints file:line and the expression, and the test exits 1 at the end
 * (rbtest_done). */
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

/* The whole of a file as a new string ("" when it cannot be read). */
static inline char *rbtest_slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    char *s = NULL;
    long n = f && fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
    if (n >= 0 && fseek(f, 0, SEEK_SET) == 0 && (s = malloc((size_t)n + 1)) != NULL)
        s[fread(s, 1, (size_t)n, f)] = 0;
    if (f) fclose(f);
    if (!s && (s = malloc(1)) != NULL) s[0] = 0;
    return s;
}

/* A fixed-seed PRNG (splitmix64), so that failures reproduce. */
static unsigned long long rbtest_rng_state = 0x9e3779b97f4a7c15ull;

static inline unsigned long long rbtest_rng(void)
{
    unsigned long long z = (rbtest_rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static inline int rbtest_done(const char *name)
{
    printf("%s: %d checks, %d failed\n", name, rbtest_checks, rbtest_failures);
    return rbtest_failures ? 1 : 0;
}
#endif
