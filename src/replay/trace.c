/* trace: the streaming trace reader (see rb_trace.h). The file goes through
 * zlib's gzread, which reads gzip'd and plain files alike, into one buffer
 * that starts at 64 KiB and doubles up to the record cap (max_record + 1);
 * consumed bytes are moved out of the front before each read, so memory is
 * bounded by the longest record, not the file. A distribution access log is
 * cut into lines; an IBM FAST'18 array is scanned for balanced top-level
 * {...} objects (strings and escapes respected), each parsed alone. A
 * flat object without escapes (nearly every line of a real log) is scanned
 * here, keeping only the keys a record needs (jansson parsing every key was
 * what bounded the reader, at about 35 MB/s); anything else goes to
 * jansson, which decides what is valid. A line or object longer than the
 * cap is dropped as it streams past and counted as malformed. */
#include "replay/rb_trace.h"
#include "util/rb_util.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#define START_BUF (64 * 1024)
#define DEFAULT_MAX_RECORD (1024 * 1024)

struct rb_trace {
    gzFile gz;
    char *path;
    long max_malformed;
    rb_trace_stats st;
    char *buf;                /* buf_size + 1 bytes (room for a NUL after a last line) */
    size_t len, pos;          /* bytes in buf; the first not yet consumed */
    int eof;
    int failed;               /* an error was returned: every later call returns it again */
    char fail_msg[300];
    char method[32], repo[1024], ref[1024], client[256], digest[256], mount[256], from[1024];
};

/* ---- buffer ---------------------------------------------------------- */

/* Reads more of the file after the unconsumed bytes (moved to the front).
 * Returns 1 when bytes were added, 0 at the end of the file, 2 when the
 * buffer is at its cap and full, -1 on a read error. */
static int fill(rb_trace *t, char *err, size_t errlen)
{
    if (t->eof) return 0;
    if (t->pos > 0) {
        memmove(t->buf, t->buf + t->pos, t->len - t->pos);
        t->len -= t->pos;
        t->pos = 0;
    }
    if (t->len == t->st.buf_size) {
        if (t->st.buf_size >= t->st.buf_cap) return 2;
        size_t n = t->st.buf_size * 2 < t->st.buf_cap ? t->st.buf_size * 2 : t->st.buf_cap;
        t->buf = rb_realloc(t->buf, n + 1);
        t->st.buf_size = n;
        if (n > t->st.buf_peak) t->st.buf_peak = n;
    }
    size_t room = t->st.buf_size - t->len;
    if (room > (1u << 30)) room = 1u << 30;
    int n = gzread(t->gz, t->buf + t->len, (unsigned)room);
    if (n < 0) {
        int zerr = 0;
        const char *m = gzerror(t->gz, &zerr);
        return rb_err(err, errlen, "%s: read error: %s", t->path, zerr == Z_ERRNO ? strerror(errno) : m);
    }
    if (n == 0) {
        t->eof = 1;
        return 0;
    }
    t->len += (size_t)n;
    t->st.bytes_read += (uint64_t)n;
    return 1;
}

/* Counts a malformed record; returns -1 (with err) once there are more than
 * the caller allows, else 0. */
static int malformed(rb_trace *t, uint64_t line, const char *why, char *err, size_t errlen)
{
    t->st.malformed++;
    if (t->st.n_first < RB_TRACE_FIRST_ERRORS) {
        t->st.first_lines[t->st.n_first] = line;
        snprintf(t->st.first_msgs[t->st.n_first], sizeof t->st.first_msgs[0], "%s", why);
        t->st.n_first++;
    }
    if (t->max_malformed >= 0 && t->st.malformed > (uint64_t)t->max_malformed) {
        snprintf(t->fail_msg, sizeof t->fail_msg, "%s:%" PRIu64 ": more than %ld malformed records (this one: %s)",
                 t->path, line, t->max_malformed, why);
        t->failed = 1;
        return rb_err(err, errlen, "%s", t->fail_msg);
    }
    return 0;
}

/* ---- fields ---------------------------------------------------------- */

/* "2017-08-01T10:23:43.103Z", "2026-12-06T04:04:28.3552038Z", "...+02:00"
 * -> microseconds since the epoch. Returns 0 or -1. */
static int parse_time(const char *s, uint64_t *us)
{
    int Y, M, D, h, m, sec, n = 0;
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &Y, &M, &D, &h, &m, &sec, &n) != 6 || n != 19 || Y < 1970 ||
        M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 || sec > 60)
        return -1;
    const char *p = s + n;
    uint64_t frac = 0, scale = 100000;
    if (*p == '.') {
        for (p++; isdigit((unsigned char)*p); p++) {
            frac += (uint64_t)(*p - '0') * scale;
            scale /= 10;
        }
    }
    long off = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if ((*p == '+' || *p == '-') && isdigit((unsigned char)p[1]) && isdigit((unsigned char)p[2]) &&
               p[3] == ':' && isdigit((unsigned char)p[4]) && isdigit((unsigned char)p[5])) {
        off = ((p[1] - '0') * 10 + (p[2] - '0')) * 3600L + ((p[4] - '0') * 10 + (p[5] - '0')) * 60L;
        if (*p == '-') off = -off;
        p += 6;
    } else {
        return -1;
    }
    if (*p) return -1;
    struct tm tm = {.tm_year = Y - 1900, .tm_mon = M - 1, .tm_mday = D, .tm_hour = h, .tm_min = m, .tm_sec = sec};
    time_t tt = timegm(&tm);
    if (tt == (time_t)-1 || (long long)tt - off < 0) return -1;
    *us = (uint64_t)((long long)tt - off) * 1000000u + frac;
    return 0;
}

/* A Go duration ("471.711µs", "1.2ms", "3.5s", "1m2.5s", "0") -> microseconds. */
static int parse_go_duration(const char *s, uint64_t *us)
{
    static const struct { const char *unit; double ns; } units[] = {
        {"ns", 1}, {"us", 1e3}, {"\xc2\xb5s", 1e3}, {"\xce\xbcs", 1e3}, {"ms", 1e6}, {"s", 1e9}, {"m", 60e9}, {"h", 3600e9},
    };
    if (strcmp(s, "0") == 0) { *us = 0; return 0; }
    const char *p = s;
    double total = 0;
    if (!*p) return -1;
    while (*p) {   /* each pass consumes a number and a unit */
        if (!isdigit((unsigned char)*p) && *p != '.') return -1;
        char *end;
        double v = strtod(p, &end);
        if (end == p) return -1;
        p = end;
        size_t best = 0, bi = 0;
        for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
            size_t n = strlen(units[i].unit);
            if (strncmp(p, units[i].unit, n) == 0 && n > best) { best = n; bi = i; }
        }
        if (!best) return -1;
        total += v * units[bi].ns;
        p += best;
    }
    *us = (uint64_t)(total / 1e3 + 0.5);
    return 0;
}

/* Copies a string field; -1 when it does not fit. */
static int copy_str(char *dst, size_t cap, const char *src, size_t n)
{
    if (n >= cap) return -1;
    memcpy(dst, src, n);
    dst[n] = 0;
    return 0;
}

/* Splits a request path into kind, repository and reference (t->repo, t->ref). */
static int parse_uri(rb_trace *t, const char *uri, rb_trace_kind *kind)
{
    const char *p = uri;
    while (*p == '/') p++;
    size_t n = strcspn(p, "?#");
    t->repo[0] = t->ref[0] = 0;
    *kind = RB_TRACE_OTHER;
    if (n < 3 || strncmp(p, "v2/", 3) != 0) return 0;
    p += 3;
    n -= 3;
    if (n == 8 && strncmp(p, "_catalog", 8) == 0) { *kind = RB_TRACE_CATALOG; return 0; }
    const char *slash = NULL;
    for (const char *q = p + n; q > p; q--)
        if (q[-1] == '/') { slash = q - 1; break; }
    if (!slash) return 0;
    const char *tail = slash + 1;
    size_t tail_n = (size_t)(p + n - tail), head_n = (size_t)(slash - p);
    static const struct { const char *suffix; rb_trace_kind kind; } kinds[] = {
        {"/blobs/uploads", RB_TRACE_UPLOAD}, {"/manifests", RB_TRACE_MANIFEST}, {"/blobs", RB_TRACE_BLOB},
        {"/tags", RB_TRACE_TAGS},
    };
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        size_t sl = strlen(kinds[i].suffix);
        if (head_n > sl && memcmp(slash - sl, kinds[i].suffix, sl) == 0) {
            if (kinds[i].kind == RB_TRACE_TAGS && !(tail_n == 4 && memcmp(tail, "list", 4) == 0)) return 0;
            if (copy_str(t->repo, sizeof t->repo, p, head_n - sl) < 0) return -1;
            if (kinds[i].kind != RB_TRACE_TAGS && copy_str(t->ref, sizeof t->ref, tail, tail_n) < 0) return -1;
            *kind = kinds[i].kind;
            return 0;
        }
    }
    return 0;
}

/* The value of the query's NAME= parameter (name includes the '='),
 * percent-decoded, into out ("" when absent or too long). */
static void parse_query_param(const char *uri, const char *name, char *out, size_t cap)
{
    size_t nl = strlen(name);
    out[0] = 0;
    const char *q = strchr(uri, '?');
    if (!q) return;
    for (const char *p = q + 1; *p;) {   /* each pass consumes one parameter */
        size_t n = strcspn(p, "&#");
        if (n > nl && strncmp(p, name, nl) == 0) {
            size_t o = 0;
            for (size_t i = nl; i < n; i++) {   /* bounded by the parameter's length */
                char c = p[i];
                if (c == '%' && i + 2 < n && isxdigit((unsigned char)p[i + 1]) && isxdigit((unsigned char)p[i + 2])) {
                    char hex[3] = {p[i + 1], p[i + 2], 0};
                    c = (char)strtol(hex, NULL, 16);
                    i += 2;
                }
                if (o + 1 >= cap) { out[0] = 0; return; }
                out[o++] = c;
            }
            out[o] = 0;
            return;
        }
        if (p[n] != '&') return;
        p += n + 1;
    }
}

static const char *str_of(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* An integer field written as a JSON integer, real or decimal string. */
static int int_of(json_t *o, const char *key, long long *v)
{
    json_t *j = json_object_get(o, key);
    if (json_is_integer(j)) { *v = json_integer_value(j); return 0; }
    if (json_is_real(j)) { *v = (long long)json_real_value(j); return 0; }
    const char *s = json_string_value(j);
    char *end;
    if (s && *s && (*v = strtoll(s, &end, 10), *end == 0)) return 0;
    return -1;
}

/* ---- a fast path for flat objects ----------------------------------- */

/* The keys fill_rec reads; an object is built with these only. */
#define KEY(s) {s, sizeof s - 1}
static const struct { const char *k; size_t n; } WANTED[] = {
    KEY("msg"), KEY("time"), KEY("timestamp"), KEY("http.request.method"), KEY("http.request.uri"),
    KEY("http.response.status"), KEY("http.response.written"), KEY("http.request.duration"),
    KEY("http.response.duration"), KEY("http.request.remoteaddr"),
};

static int wanted(const char *k, size_t n)
{
    for (size_t i = 0; i < sizeof WANTED / sizeof *WANTED; i++)
        if (WANTED[i].n == n && memcmp(WANTED[i].k, k, n) == 0) return 1;
    return 0;
}

/* Length of the valid UTF-8 sequence (RFC 3629: no overlongs, surrogates or
 * code points past U+10FFFF) at p, of at most left bytes, or 0. */
static size_t utf8_seq(const unsigned char *p, size_t left)
{
    unsigned c = p[0];
    size_t n;
    unsigned cp;
    if (c < 0x80) return 1;
    if (c >= 0xc2 && c <= 0xdf) n = 2, cp = c & 0x1f;
    else if (c >= 0xe0 && c <= 0xef) n = 3, cp = c & 0x0f;
    else if (c >= 0xf0 && c <= 0xf4) n = 4, cp = c & 0x07;
    else return 0;
    if (n > left) return 0;
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80) return 0;
        cp = (cp << 6) | (p[i] & 0x3f);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
    return n;
}

/* The end of the JSON string whose opening quote is at s[i] (the index of
 * its closing quote), or 0 when it has an escape, a control byte or invalid
 * UTF-8, or does not end: then jansson decides. */
static size_t string_end(const char *s, size_t n, size_t i)
{
    for (i++; i < n;) {   /* each pass moves past one character */
        unsigned char c = (unsigned char)s[i];
        if (c == '"') return i;
        if (c == '\\' || c < 0x20) return 0;
        size_t k = utf8_seq((const unsigned char *)s + i, n - i);
        if (k == 0) return 0;
        i += k;
    }
    return 0;
}

static size_t skip_ws(const char *s, size_t n, size_t i)
{
    while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) i++;
    return i;
}

/* The value at s[i] (a string, number or literal; not an object or array)
 * as a new json_t when keep, else json_null(); *end gets the index past it.
 * NULL when jansson must decide. */
static json_t *scan_value(const char *s, size_t n, size_t i, int keep, size_t *end)
{
    if (i >= n) return NULL;
    char c = s[i];
    if (c == '"') {
        size_t e = string_end(s, n, i);
        if (e == 0) return NULL;
        *end = e + 1;
        return keep ? json_stringn(s + i + 1, e - i - 1) : json_null();
    }
    static const struct { const char *w; size_t n; } LIT[] = {{"true", 4}, {"false", 5}, {"null", 4}};
    for (int k = 0; k < 3; k++)
        if (n - i >= LIT[k].n && memcmp(s + i, LIT[k].w, LIT[k].n) == 0) {
            *end = i + LIT[k].n;
            return !keep || k == 2 ? json_null() : json_boolean(k == 0);
        }
    size_t j = i, digits;
    int real = 0;
    if (j < n && s[j] == '-') j++;
    for (digits = 0; j < n && s[j] >= '0' && s[j] <= '9'; j++) digits++;
    if (digits == 0 || (digits > 1 && s[j - digits] == '0')) return NULL;
    if (j < n && s[j] == '.') {
        real = 1;
        for (j++, digits = 0; j < n && s[j] >= '0' && s[j] <= '9'; j++) digits++;
        if (digits == 0) return NULL;
    }
    if (j < n && (s[j] == 'e' || s[j] == 'E')) {
        real = 1;
        j++;
        if (j < n && (s[j] == '+' || s[j] == '-')) j++;
        for (digits = 0; j < n && s[j] >= '0' && s[j] <= '9'; j++) digits++;
        if (digits == 0) return NULL;
    }
    char num[64];
    if (j - i >= sizeof num) return NULL;
    memcpy(num, s + i, j - i);
    num[j - i] = 0;
    errno = 0;
    *end = j;
    if (!real) {
        long long v = strtoll(num, NULL, 10);
        if (errno == ERANGE) return NULL;   /* jansson: "too big integer" */
        return keep ? json_integer(v) : json_null();
    }
    double d = strtod(num, NULL);
    if (errno == ERANGE && (d == HUGE_VAL || d == -HUGE_VAL)) return NULL;   /* jansson: "real number overflow" */
    return keep ? json_real(d) : json_null();
}

/* One flat JSON object (no nested objects or arrays, no escapes) with only
 * the WANTED keys, or NULL when it is anything else: then the caller parses
 * it with jansson, which decides (so what is valid is what jansson
 * accepts). What fill_rec sees is the same either way: jansson keeps the
 * last of duplicate keys, and so does this. */
static json_t *fast_object(const char *s, size_t n)
{
    size_t i = skip_ws(s, n, 0);
    if (i >= n || s[i] != '{') return NULL;
    json_t *o = json_object();
    i = skip_ws(s, n, i + 1);
    if (i < n && s[i] == '}') return skip_ws(s, n, i + 1) == n ? o : (json_decref(o), NULL);
    for (size_t members = 0; members < n; members++) {   /* each pass reads one member */
        if (i >= n || s[i] != '"') break;
        size_t ke = string_end(s, n, i);
        if (ke == 0) break;
        const char *key = s + i + 1;
        size_t kn = ke - i - 1;
        i = skip_ws(s, n, ke + 1);
        if (i >= n || s[i] != ':') break;
        i = skip_ws(s, n, i + 1);
        int keep = wanted(key, kn);
        size_t end = 0;
        json_t *v = scan_value(s, n, i, keep, &end);
        if (!v) break;
        if (keep) {
            char k[32];
            memcpy(k, key, kn);   /* a wanted key is shorter than 32 */
            k[kn] = 0;
            json_object_set_new(o, k, v);
        } else {
            json_decref(v);
        }
        i = skip_ws(s, n, end);
        if (i < n && s[i] == ',') {
            i = skip_ws(s, n, i + 1);
            continue;
        }
        if (i < n && s[i] == '}' && skip_ws(s, n, i + 1) == n) return o;
        break;
    }
    json_decref(o);
    return NULL;
}

/* The object of s[0..n): the fast path, else jansson; NULL when it is not valid JSON. */
static json_t *load_object(const char *s, size_t n)
{
    json_t *o = fast_object(s, n);
    if (o) return o;
    json_error_t jerr;
    return json_loadb(s, n, 0, &jerr);
}

/* Fills rec from one parsed object of either format. Returns 1, 0 when the
 * object is not a request (skipped), or -1 with why. */
static int fill_rec(rb_trace *t, json_t *o, rb_trace_rec *rec, const char **why)
{
    int ibm = t->st.format == RB_TRACE_IBM;
    if (!json_is_object(o)) { *why = "not a JSON object"; return -1; }
    if (!ibm) {
        const char *msg = str_of(o, "msg");
        if (!msg || (strcmp(msg, "response completed") != 0 && strcmp(msg, "response completed with error") != 0))
            return 0;
    }
    const char *ts = str_of(o, ibm ? "timestamp" : "time");
    const char *method = str_of(o, "http.request.method");
    const char *uri = str_of(o, "http.request.uri");
    if (!ts || !method || !uri) { *why = ibm ? "no timestamp, method or uri" : "no time, method or uri"; return -1; }
    if (parse_time(ts, &rec->time_us) < 0) { *why = "bad time"; return -1; }
    if (copy_str(t->method, sizeof t->method, method, strlen(method)) < 0) { *why = "method too long"; return -1; }
    if (parse_uri(t, uri, &rec->kind) < 0) { *why = "uri too long"; return -1; }
    parse_query_param(uri, "digest=", t->digest, sizeof t->digest);
    parse_query_param(uri, "mount=", t->mount, sizeof t->mount);
    parse_query_param(uri, "from=", t->from, sizeof t->from);
    long long v;
    if (int_of(o, "http.response.status", &v) < 0 || v < 0 || v > 999) { *why = "bad or missing status"; return -1; }
    rec->status = (int)v;
    rec->bytes = int_of(o, "http.response.written", &v) == 0 && v > 0 ? (uint64_t)v : 0;
    rec->duration_us = 0;
    if (ibm) {
        json_t *d = json_object_get(o, "http.request.duration");
        if (d && !json_is_number(d)) { *why = "bad duration"; return -1; }
        if (d && json_number_value(d) > 0) rec->duration_us = (uint64_t)(json_number_value(d) * 1e6 + 0.5);
    } else {
        const char *d = str_of(o, "http.response.duration");
        if (d && parse_go_duration(d, &rec->duration_us) < 0) { *why = "bad duration"; return -1; }
    }
    const char *addr = str_of(o, "http.request.remoteaddr");
    if (!addr) addr = "";
    size_t an = strlen(addr);
    if (!ibm) {   /* "ip:port" or "[v6]:port" -> the address */
        const char *colon = strrchr(addr, ':');
        if (addr[0] == '[' && strchr(addr, ']')) {
            addr++;
            an = (size_t)(strchr(addr, ']') - addr);
        } else if (colon && colon == strchr(addr, ':')) {
            an = (size_t)(colon - addr);
        }
    }
    if (copy_str(t->client, sizeof t->client, addr, an) < 0) { *why = "remoteaddr too long"; return -1; }
    rec->method = t->method;
    rec->repo = t->repo;
    rec->ref = t->ref;
    rec->digest = t->digest;
    rec->mount = t->mount;
    rec->from = t->from;
    rec->client = t->client;
    return 1;
}

/* ---- the two formats ------------------------------------------------- */

/* The next line: 1 with *line (NUL-terminated, in the buffer) and *too_long,
 * 0 at the end, -1 on a read error. */
static int next_line(rb_trace *t, char **line, size_t *n, int *too_long, char *err, size_t errlen)
{
    size_t scanned = 0;
    *too_long = 0;
    for (;;) {   /* each pass finds a line end or reads more of the (finite) file */
        char *from = t->buf + t->pos + scanned;
        char *nl = memchr(from, '\n', t->len - t->pos - scanned);
        if (nl) {
            *line = t->buf + t->pos;
            *n = (size_t)(nl - *line);
            *nl = 0;
            t->pos = (size_t)(nl + 1 - t->buf);
            t->st.lines++;
            if (*too_long) *n = 0;
            return 1;
        }
        if (*too_long) t->pos = t->len;   /* drop the overlong line as it passes */
        scanned = t->len - t->pos;
        int r = fill(t, err, errlen);
        if (r < 0) return -1;
        if (r == 2) { *too_long = 1; scanned = 0; continue; }
        if (r == 0) {
            if (t->len == t->pos && !*too_long) return 0;
            *line = t->buf + t->pos;      /* a last line without '\n' */
            *n = *too_long ? 0 : t->len - t->pos;
            t->buf[t->len] = 0;
            t->pos = t->len;
            t->st.lines++;
            return 1;
        }
        if (*too_long) scanned = 0;
    }
}

static int next_distribution(rb_trace *t, rb_trace_rec *rec, char *err, size_t errlen)
{
    for (;;) {   /* each pass consumes one line of the (finite) file */
        char *line;
        size_t n;
        int too_long;
        int r = next_line(t, &line, &n, &too_long, err, errlen);
        if (r <= 0) return r;
        uint64_t lineno = t->st.lines;
        if (too_long) {
            if (malformed(t, lineno, "line longer than the record limit", err, errlen) < 0) return -1;
            continue;
        }
        size_t i = 0;
        while (i < n && isspace((unsigned char)line[i])) i++;
        if (i == n) continue;                          /* blank */
        if (line[i] != '{') { t->st.skipped++; continue; }   /* distribution's combined-format lines */
        json_t *o = load_object(line + i, n - i);
        const char *why = "not valid JSON";
        int k = o ? fill_rec(t, o, rec, &why) : -1;
        json_decref(o);
        if (k == 0) { t->st.skipped++; continue; }
        if (k < 0) {
            if (malformed(t, lineno, why, err, errlen) < 0) return -1;
            continue;
        }
        rec->line = lineno;
        t->st.records++;
        return 1;
    }
}

/* The bytes next_object acts on inside an object; it skips the others. */
static const unsigned char SCAN_STOP[256] = {
    ['"'] = 1, ['\\'] = 1, ['\n'] = 1, ['{'] = 1, ['}'] = 1, ['['] = 1, [']'] = 1,
};

/* The next top-level object of an IBM array: 1 with *obj and *n (*too_long set
 * when it was dropped for its length), 3 when the file ends inside one, 4 for
 * a stray byte between objects, 0 at the end, -1 on a read error. *line is
 * the line it starts on. */
static int next_object(rb_trace *t, char **obj, size_t *n, uint64_t *line, int *too_long, char *err, size_t errlen)
{
    *too_long = 0;
    for (;;) {   /* skip what separates objects; each pass consumes a byte or reads */
        if (t->pos >= t->len) {
            int r = fill(t, err, errlen);
            if (r < 0) return -1;
            if (r == 0) return 0;
            continue;
        }
        char c = t->buf[t->pos];
        if (c == '{') break;
        t->pos++;
        if (c == '\n') t->st.lines++;
        else if (!(c == ' ' || c == '\t' || c == '\r' || c == ',' || c == '[' || c == ']')) {
            *line = t->st.lines + 1;
            for (;;) {   /* one count for the stray text: drop it up to a '{' or the line's end */
                if (t->pos >= t->len) {
                    int r = fill(t, err, errlen);
                    if (r < 0) return -1;
                    if (r == 0) break;
                    continue;
                }
                if (t->buf[t->pos] == '{' || t->buf[t->pos] == '\n') break;
                t->pos++;
            }
            return 4;
        }
    }
    *line = t->st.lines + 1;
    size_t i = 0;
    int depth = 0, in_str = 0, esc = 0;
    for (;;) {   /* scan to the matching '}'; each pass consumes a byte or reads */
        if (t->pos + i >= t->len) {
            if (*too_long) { t->pos = t->len; i = 0; }
            int r = fill(t, err, errlen);
            if (r < 0) return -1;
            if (r == 2) { *too_long = 1; continue; }
            if (r == 0) { t->pos = t->len; return 3; }
            continue;
        }
        if (!esc) {   /* bytes the scan ignores (not after a backslash), in one go */
            const unsigned char *b = (const unsigned char *)t->buf + t->pos;
            while (t->pos + i < t->len && !SCAN_STOP[b[i]]) i++;
            if (t->pos + i >= t->len) continue;
        }
        char c = t->buf[t->pos + i++];
        if (c == '\n') t->st.lines++;
        if (in_str) {
            if (esc) esc = 0;
            else if (c == '\\') esc = 1;
            else if (c == '"') in_str = 0;
            continue;
        }
        if (c == '"') in_str = 1;
        else if (c == '{' || c == '[') depth++;
        else if ((c == '}' || c == ']') && --depth == 0) break;
    }
    *obj = t->buf + t->pos;
    *n = *too_long ? 0 : i;
    t->pos += i;
    return 1;
}

static int next_ibm(rb_trace *t, rb_trace_rec *rec, char *err, size_t errlen)
{
    for (;;) {   /* each pass consumes one object or stray byte of the (finite) file */
        char *obj;
        size_t n;
        uint64_t line;
        int too_long;
        int r = next_object(t, &obj, &n, &line, &too_long, err, errlen);
        if (r <= 0) return r;
        const char *why = NULL;
        if (r == 3) why = "the file ends inside an object";
        else if (r == 4) why = "unexpected text between objects";
        else if (too_long) why = "object longer than the record limit";
        if (!why) {
            json_t *o = load_object(obj, n);
            why = "not valid JSON";
            int k = o ? fill_rec(t, o, rec, &why) : -1;
            json_decref(o);
            if (k == 0) { t->st.skipped++; continue; }
            if (k > 0) {
                rec->line = line;
                t->st.records++;
                return 1;
            }
        }
        if (malformed(t, line, why, err, errlen) < 0) return -1;
    }
}

/* ---- public ---------------------------------------------------------- */

rb_trace *rb_trace_open(const char *path, const rb_trace_opts *o, char *err, size_t errlen)
{
    gzFile gz = gzopen(path, "rb");
    if (!gz) {
        rb_err(err, errlen, "%s: cannot open: %s", path, strerror(errno ? errno : ENOMEM));
        return NULL;
    }
    gzbuffer(gz, 64 * 1024);
    rb_trace *t = rb_calloc(1, sizeof *t);
    t->gz = gz;
    t->path = rb_strdup(path);
    t->max_malformed = o ? o->max_malformed : -1;
    size_t max_record = o && o->max_record ? o->max_record : DEFAULT_MAX_RECORD;
    t->st.buf_cap = max_record + 1;
    t->st.buf_size = t->st.buf_peak = START_BUF < t->st.buf_cap ? START_BUF : t->st.buf_cap;
    t->buf = rb_malloc(t->st.buf_size + 1);
    for (;;) {   /* find the first non-blank byte; each pass consumes a byte or reads */
        if (t->pos >= t->len) {
            int r = fill(t, err, errlen);
            if (r < 0) break;
            if (r == 0) { rb_err(err, errlen, "%s: empty: no trace records", path); break; }
            continue;
        }
        unsigned char c = (unsigned char)t->buf[t->pos];
        if (c == '\n') { t->st.lines++; t->pos++; continue; }
        if (isspace(c)) { t->pos++; continue; }
        if (c == 0xef && t->len - t->pos >= 3 && memcmp(t->buf + t->pos, "\xef\xbb\xbf", 3) == 0) { t->pos += 3; continue; }
        if (c == '{') t->st.format = RB_TRACE_DISTRIBUTION;
        else if (c == '[') t->st.format = RB_TRACE_IBM;
        else rb_err(err, errlen, "%s: not a trace format regbench reads (a distribution JSON access log, "
                    "one object per line, or an IBM FAST'18 JSON array)", path);
        break;
    }
    if (!t->st.format) {
        rb_trace_close(t);
        return NULL;
    }
    return t;
}

int rb_trace_next(rb_trace *t, rb_trace_rec *rec, char *err, size_t errlen)
{
    if (t->failed) return rb_err(err, errlen, "%s", t->fail_msg);
    memset(rec, 0, sizeof *rec);
    int r = t->st.format == RB_TRACE_IBM ? next_ibm(t, rec, err, errlen) : next_distribution(t, rec, err, errlen);
    if (r < 0 && !t->failed) {
        t->failed = 1;
        snprintf(t->fail_msg, sizeof t->fail_msg, "%s", err ? err : "read error");
    }
    return r;
}

const rb_trace_stats *rb_trace_get_stats(const rb_trace *t)
{
    return &t->st;
}

const char *rb_trace_kind_name(rb_trace_kind k)
{
    static const char *const names[] = {"manifest", "blob", "upload", "tags", "catalog", "other"};
    return (unsigned)k < sizeof names / sizeof names[0] ? names[k] : "other";
}

const char *rb_trace_format_name(rb_trace_format f)
{
    return f == RB_TRACE_IBM ? "ibm" : "distribution";
}

void rb_trace_close(rb_trace *t)
{
    if (!t) return;
    if (t->gz) gzclose(t->gz);
    free(t->buf);
    free(t->path);
    free(t);
}
