/* util: clocks, size and duration parsing, checked allocation and the error
 * buffer convention shared by every module (see rb_util.h). */
#include "util/rb_util.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

uint64_t rb_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

uint64_t rb_wall_us(void)
{
    /* REGBENCH_TEST_CLOCK_OFFSET_MS shifts this process's wall clock, so that
     * tests on one machine can check the clock-skew estimate of sharded runs */
    static int64_t offset_us = INT64_MIN;
    if (offset_us == INT64_MIN) {
        const char *o = getenv("REGBENCH_TEST_CLOCK_OFFSET_MS");
        offset_us = o && *o ? (int64_t)(strtod(o, NULL) * 1000.0) : 0;
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)((int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000 + offset_us);
}

void rb_format_utc(uint64_t us, char *buf, size_t len)
{
    time_t t = (time_t)(us / 1000000u);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int rb_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* Reads a non-negative decimal number at *s (digits, optional fraction). */
static int parse_number(const char **s, double *out)
{
    const char *p = *s;
    if (!isdigit((unsigned char)*p) && !(*p == '.' && isdigit((unsigned char)p[1])))
        return -1;
    char *end;
    errno = 0;
    double v = strtod(p, &end);
    if (errno || end == p || !isfinite(v) || v < 0)
        return -1;
    /* strtod accepts exponents and hex; keep to plain decimals. */
    for (const char *q = p; q < end; q++)
        if (!isdigit((unsigned char)*q) && *q != '.')
            return -1;
    *s = end;
    *out = v;
    return 0;
}

/* Computes digits [num, end) (validated by parse_number) times mult exactly,
 * in integers: doubles turn "1.001KB" into 1000.9999999999999. Returns 0,
 * -1 when the result is not a whole number of bytes, -2 when too large. */
static int exact_bytes(const char *num, const char *end, uint64_t mult, uint64_t *out)
{
    unsigned __int128 ip = 0, frac = 0, scale = 1;
    const char *q = num;
    for (; q < end && *q != '.'; q++) {
        ip = ip * 10 + (unsigned)(*q - '0');
        if (ip > INT64_MAX) return -2;
    }
    if (q < end) q++;                                   /* the '.' */
    const char *fend = end;
    while (fend > q && fend[-1] == '0') fend--;         /* 1.50 == 1.5 */
    for (; q < fend; q++) {
        if (scale >= (unsigned __int128)1000000000000000000ull) return -1;  /* > 18 decimals */
        frac = frac * 10 + (unsigned)(*q - '0');
        scale *= 10;
    }
    unsigned __int128 fbytes = frac * mult;
    if (fbytes % scale) return -1;
    unsigned __int128 total = ip * mult + fbytes / scale;
    if (total > INT64_MAX) return -2;
    *out = (uint64_t)total;
    return 0;
}

int rb_parse_size(const char *s, uint64_t *out, char *err, size_t errlen)
{
    static const struct { const char *unit; uint64_t mult; } units[] = {
        {"", 1}, {"b", 1},
        {"kb", 1000ull}, {"mb", 1000000ull}, {"gb", 1000000000ull}, {"tb", 1000000000000ull},
        {"k", 1000ull}, {"m", 1000000ull}, {"g", 1000000000ull}, {"t", 1000000000000ull},
        {"kib", 1ull << 10}, {"mib", 1ull << 20}, {"gib", 1ull << 30}, {"tib", 1ull << 40},
    };
    const char *accepted = "a byte count with an optional unit: B, KB, MB, GB, TB (powers of 1000) "
                           "or KiB, MiB, GiB, TiB (powers of 1024), e.g. 10MB or 1.5GiB";
    if (!s)
        return rb_err(err, errlen, "missing size; expected %s", accepted);
    const char *p = s;
    while (isspace((unsigned char)*p)) p++;
    double v;
    const char *num = p;
    if (parse_number(&p, &v) < 0)
        return rb_err(err, errlen, "bad size '%s': expected %s", s, accepted);
    const char *num_end = p;
    if (isspace((unsigned char)*p)) {
        const char *u = p;
        while (isspace((unsigned char)*u)) u++;
        if (*u)   /* lists of sizes split on spaces too: "10 MiB" would become "10" and "MiB" */
            return rb_err(err, errlen, "bad size '%s': write the unit right after the number (%.*s%s)", s,
                          (int)(num_end - num), num, u);
    }
    size_t ulen = strlen(p);
    while (ulen && isspace((unsigned char)p[ulen - 1])) ulen--;
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (strlen(units[i].unit) == ulen && strncasecmp(units[i].unit, p, ulen) == 0) {
            int rc = exact_bytes(num, num_end, units[i].mult, out);
            if (rc == -2)
                return rb_err(err, errlen, "size '%s' is too large", s);
            if (rc < 0)
                return rb_err(err, errlen, "size '%s' is not a whole number of bytes", s);
            return 0;
        }
    }
    return rb_err(err, errlen, "bad size unit in '%s': expected %s", s, accepted);
}

int rb_parse_rfc3339(const char *s, uint64_t *us, char *err, size_t errlen)
{
    int Y, M, D, h, m, sec, n = 0;
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &Y, &M, &D, &h, &m, &sec, &n) != 6 || n != 19 ||
        M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 || sec > 60 || Y < 1970)
        return rb_err(err, errlen, "'%s' is not an RFC 3339 UTC time such as 2026-12-06T03:10:00Z", s);
    const char *p = s + n;
    uint64_t frac = 0;
    if (*p == '.') {
        uint64_t scale = 100000;
        for (p++; isdigit((unsigned char)*p); p++) {
            frac += (uint64_t)(*p - '0') * scale;
            scale /= 10;
        }
    }
    if (strcmp(p, "Z") != 0 && strcmp(p, "z") != 0 && strcmp(p, "+00:00") != 0)
        return rb_err(err, errlen, "'%s': give the time in UTC, ending in Z (2026-12-06T03:10:00Z)", s);
    struct tm tm = {.tm_year = Y - 1900, .tm_mon = M - 1, .tm_mday = D, .tm_hour = h, .tm_min = m, .tm_sec = sec};
    time_t t = timegm(&tm);
    if (t == (time_t)-1) return rb_err(err, errlen, "'%s' is not a valid time", s);
    *us = (uint64_t)t * 1000000u + frac;
    return 0;
}

int rb_parse_duration(const char *s, double *seconds, char *err, size_t errlen)
{
    static const struct { const char *unit; double mult; } units[] = {
        {"us", 1e-6}, {"ms", 1e-3}, {"s", 1}, {"m", 60}, {"h", 3600},
    };
    const char *accepted = "a number of seconds or a duration with units us, ms, s, m, h "
                           "(e.g. 500ms, 30s, 2m, 1m30s)";
    if (!s)
        return rb_err(err, errlen, "missing duration; expected %s", accepted);
    const char *p = s;
    while (isspace((unsigned char)*p)) p++;
    double total = 0;
    int parts = 0;
    while (*p && !isspace((unsigned char)*p)) {
        double v;
        if (parse_number(&p, &v) < 0)
            return rb_err(err, errlen, "bad duration '%s': expected %s", s, accepted);
        const char *u = p;
        while (isalpha((unsigned char)*p)) p++;
        size_t ulen = (size_t)(p - u);
        if (ulen == 0) {
            if (parts > 0 || (*p && !isspace((unsigned char)*p)))
                return rb_err(err, errlen, "bad duration '%s': expected %s", s, accepted);
            total += v;
            parts++;
            break;
        }
        int found = 0;
        for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
            if (strlen(units[i].unit) == ulen && strncmp(units[i].unit, u, ulen) == 0) {
                total += v * units[i].mult;
                found = 1;
                break;
            }
        }
        if (!found)
            return rb_err(err, errlen, "bad duration unit in '%s': expected %s", s, accepted);
        parts++;
    }
    while (isspace((unsigned char)*p)) p++;
    if (parts == 0 || *p)
        return rb_err(err, errlen, "bad duration '%s': expected %s", s, accepted);
    *seconds = total;
    return 0;
}

void rb_format_bytes(double bytes, char *buf, size_t len)
{
    static const char *units[] = {"B", "KB", "MB", "GB", "TB"};
    int i = 0;
    while (bytes >= 1000.0 && i < 4) { bytes /= 1000.0; i++; }
    if (i == 0) snprintf(buf, len, "%.0f B", bytes);
    else snprintf(buf, len, "%.2f %s", bytes, units[i]);
}

static void oom(size_t n)
{
    fprintf(stderr, "regbench: out of memory (allocating %zu bytes)\n", n);
    abort();
}

void *rb_malloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) oom(n);
    return p;
}

void *rb_calloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p) oom(n * size);
    return p;
}

void *rb_realloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) oom(n);
    return q;
}

char *rb_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = rb_malloc(n);
    memcpy(p, s, n);
    return p;
}

char *rb_asprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) n = 0;
    char *p = rb_malloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

int rb_mkdir_p(const char *path)
{
    char *tmp = rb_strdup(path);
    for (char *p = tmp + 1; *p; p++) {
        if (*p == '/') {
            *p = 0;
            if (mkdir(tmp, 0755) < 0 && errno != EEXIST) { free(tmp); return -1; }
            *p = '/';
        }
    }
    int rc = mkdir(tmp, 0755);
    free(tmp);
    if (rc < 0 && errno != EEXIST) return -1;
    struct stat st;
    if (stat(path, &st) < 0) return -1;
    if (!S_ISDIR(st.st_mode)) { errno = ENOTDIR; return -1; }
    return 0;
}

int rb_parse_decimal(const char *s, double *out)
{
    if (!*s || isspace((unsigned char)*s)) return -1;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end || errno || !isfinite(v)) return -1;
    /* strtod accepts hex and "infinity"; a threshold wants a plain decimal */
    for (const char *p = s; *p; p++)
        if (!isdigit((unsigned char)*p) && !strchr("+-.eE", *p)) return -1;
    *out = v;
    return 0;
}

/* ---- scenario parameter values ------------------------------------------------ */

static const struct { const char *type; const char *accepts; } param_types[] = {
    {"integer", "an integer, e.g. 10"},
    {"number", "a number, e.g. 0.5"},
    {"boolean", "true or false (also yes/no, 1/0, on/off)"},
    {"string", "any text"},
    {"size", "a size such as 512, 10MB (10^6 bytes) or 1MiB (2^20 bytes); units B, KB, MB, GB, TB, KiB, MiB, GiB, TiB"},
    {"duration", "a duration such as 500ms, 30s, 2m or 1m30s (a bare number is seconds)"},
};

const char *rb_param_accepts(const char *type)
{
    for (size_t i = 0; i < sizeof param_types / sizeof param_types[0]; i++)
        if (strcmp(param_types[i].type, type) == 0) return param_types[i].accepts;
    return NULL;
}

/* A number as Lua's tonumber reads one (decimal or 0x hex, surrounding
 * spaces allowed), finite; *integral is 1 when it was written as an integer. */
static int param_number(const char *text, double *d, long long *i, int *integral)
{
    char buf[128];
    const char *p = text;
    while (isspace((unsigned char)*p)) p++;
    size_t n = strlen(p);
    while (n > 0 && isspace((unsigned char)p[n - 1])) n--;
    if (n == 0 || n >= sizeof buf) return -1;
    memcpy(buf, p, n);
    buf[n] = 0;
    const char *q = buf[0] == '-' || buf[0] == '+' ? buf + 1 : buf;
    int hex = q[0] == '0' && (q[1] == 'x' || q[1] == 'X');
    if (strpbrk(buf, "nN") || (!hex && strpbrk(buf, "iIpP"))) return -1;   /* no inf, nan */
    char *end;
    errno = 0;
    if (!strpbrk(buf, hex ? ".pP" : ".eE")) {
        long long v = strtoll(buf, &end, hex ? 16 : 10);
        if (*end || end == buf || errno) return -1;
        *i = v;
        *d = (double)v;
        *integral = 1;
        return 0;
    }
    double v = strtod(buf, &end);
    if (*end || end == buf || !isfinite(v)) return -1;
    *d = v;
    *integral = 0;
    if (v == floor(v) && v >= -9.2e18 && v <= 9.2e18) {
        *i = (long long)v;
        *integral = 2;   /* a float with an integer value (Lua's math.tointeger accepts it) */
    }
    return 0;
}

int rb_param_parse(const char *type, const char *text, rb_param_value *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    const char *accepts = rb_param_accepts(type);
    if (!accepts) return rb_err(err, errlen, "unknown parameter type '%s'", type);
    int integral = 0;
    if (strcmp(type, "string") == 0) {
        out->kind = RB_PV_STRING;
        out->s = text;
        return 0;
    }
    if (strcmp(type, "boolean") == 0) {
        static const char *yes[] = {"true", "yes", "1", "on"}, *no[] = {"false", "no", "0", "off"};
        out->kind = RB_PV_BOOLEAN;
        for (int k = 0; k < 4; k++) {
            if (strcasecmp(text, yes[k]) == 0) { out->i = 1; return 0; }
            if (strcasecmp(text, no[k]) == 0) { out->i = 0; return 0; }
        }
        return rb_err(err, errlen, "'%s' is not %s", text, accepts);
    }
    if (strcmp(type, "integer") == 0 || strcmp(type, "number") == 0) {
        out->kind = type[0] == 'i' ? RB_PV_INTEGER : RB_PV_NUMBER;
        if (param_number(text, &out->d, &out->i, &integral) < 0 || (type[0] == 'i' && !integral))
            return rb_err(err, errlen, "'%s' is not %s", text, accepts);
        return 0;
    }
    if (strcmp(type, "size") == 0) {
        uint64_t v;
        out->kind = RB_PV_SIZE;
        if (rb_parse_size(text, &v, err, errlen) < 0) return -1;
        out->i = (long long)v;
        return 0;
    }
    out->kind = RB_PV_DURATION;
    return rb_parse_duration(text, &out->d, err, errlen);
}
