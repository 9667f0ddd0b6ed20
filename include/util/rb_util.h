/* rb_util: small helpers every module uses: monotonic and wall clocks, parsing
 * of sizes ("10MB", "1MiB") and durations ("500ms", "2m"), checked allocation,
 * and a fixed-size error buffer convention (char err[RB_ERRLEN]). */
#ifndef RB_UTIL_H
#define RB_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>

#define RB_ERRLEN 512

/* A key and its value, as text; line and col say where a file gave it
 * (1-based, 0 when it came from elsewhere). */
typedef struct rb_kv {
    char *key;
    char *value;
    int line, col;
} rb_kv;

/* Monotonic time in microseconds since an arbitrary origin. */
uint64_t rb_now_us(void);
/* Wall-clock time in microseconds since the Unix epoch (shifted by
 * $REGBENCH_TEST_CLOCK_OFFSET_MS, for the clock-skew tests of sharded runs). */
uint64_t rb_wall_us(void);
/* Formats the wall time `us` as ISO-8601 UTC ("2026-11-27T17:19:22Z") into buf. */
void rb_format_utc(uint64_t us, char *buf, size_t len);

/* Parses a byte size: a number with an optional unit B, KB, MB, GB, TB (10^3
 * steps) or KiB, MiB, GiB, TiB (2^10 steps); units are case-insensitive.
 * Returns 0 and sets *out, or -1 with a message in err. */
int rb_parse_size(const char *s, uint64_t *out, char *err, size_t errlen);
/* Parses a duration: a number with unit us, ms, s, m or h, or several joined
 * ("1m30s"); a bare number is seconds. Returns 0 and sets *seconds, or -1. */
int rb_parse_duration(const char *s, double *seconds, char *err, size_t errlen);
/* Parses an RFC 3339 time in UTC ("2026-12-06T03:10:00Z", optional
 * fraction ".250", "+00:00" for Z) into microseconds since the Unix epoch.
 * Returns 0, or -1 with why in err. */
int rb_parse_rfc3339(const char *s, uint64_t *us, char *err, size_t errlen);
/* A scenario parameter's value parsed by its type (rb.param's types). */
typedef struct rb_param_value {
    enum { RB_PV_INTEGER, RB_PV_NUMBER, RB_PV_BOOLEAN, RB_PV_STRING, RB_PV_SIZE, RB_PV_DURATION } kind;
    long long i;              /* integer, boolean (0/1), size (bytes) */
    double d;                 /* number, duration (seconds) */
    const char *s;            /* string: the text itself */
} rb_param_value;
/* What a parameter type accepts, for messages ("an integer, e.g. 10"), or
 * NULL when type is not one of integer, number, boolean, string, size,
 * duration. */
const char *rb_param_accepts(const char *type);
/* Parses text as a value of parameter type `type`, the one rule for values
 * given as text (--set, a suite's params and matrix). Returns 0, or -1 with
 * the reason in err. */
int rb_param_parse(const char *type, const char *text, rb_param_value *out, char *err, size_t errlen);

/* Parses a plain decimal number ("12", "-0.5", "1e3": no hex, no inf or nan,
 * no surrounding space) into *out. Returns 0 or -1. */
int rb_parse_decimal(const char *s, double *out);
/* Formats a byte count for people with decimal units ("1.50 GB"). */
void rb_format_bytes(double bytes, char *buf, size_t len);

/* malloc/calloc/realloc/strdup that abort with a message on exhaustion. */
void *rb_malloc(size_t n);
void *rb_calloc(size_t n, size_t size);
void *rb_realloc(void *p, size_t n);
char *rb_strdup(const char *s);
/* snprintf into a freshly allocated string. */
char *rb_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* snprintf into err (may be NULL); returns -1 so callers can `return rb_err(...)`. */
int rb_err(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Creates a directory and its parents (mode 0755). Returns 0 or -1 (errno set). */
int rb_mkdir_p(const char *path);

#endif
