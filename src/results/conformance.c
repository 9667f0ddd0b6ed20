/* conformance: reads the junit.xml of the OCI conformance suite into the
 * conformance object (see rb_conformance.h). Not a general XML parser: it
 * walks the document's tags (skipping comments, processing instructions and
 * CDATA, whose text may hold anything), reads the attributes of
 * <testsuites> and of each <testcase>, and decodes the five named entities
 * and numeric character references in them. Every loop is bounded by the
 * length of the text. */
#include "results/rb_conformance.h"
#include "util/rb_util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The first occurrence of needle in [p, end), or NULL. */
static const char *find(const char *p, const char *end, const char *needle)
{
    size_t n = strlen(needle);
    for (; p + n <= end; p++)
        if (memcmp(p, needle, n) == 0) return p;
    return NULL;
}

/* The '>' that ends the tag starting at p ('<'), quotes respected; NULL if none. */
static const char *tag_end(const char *p, const char *end)
{
    char q = 0;
    for (p++; p < end; p++) {
        if (q) { if (*p == q) q = 0; }
        else if (*p == '"' || *p == '\'') q = *p;
        else if (*p == '>') return p;
    }
    return NULL;
}

/* Appends code point cp as UTF-8. */
static size_t put_utf8(char *o, unsigned long cp)
{
    if (cp < 0x80) { o[0] = (char)cp; return 1; }
    if (cp < 0x800) { o[0] = (char)(0xC0 | (cp >> 6)); o[1] = (char)(0x80 | (cp & 0x3F)); return 2; }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12)); o[1] = (char)(0x80 | ((cp >> 6) & 0x3F)); o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | (cp >> 18)); o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* A new string: [p, e) with entities decoded; an unknown entity stays as written. */
static char *decode(const char *p, const char *e)
{
    char *out = rb_malloc((size_t)(e - p) + 1), *o = out;
    static const struct { const char *name; char c; } named[] = {
        {"&lt;", '<'}, {"&gt;", '>'}, {"&amp;", '&'}, {"&quot;", '"'}, {"&apos;", '\''},
    };
    while (p < e) {
        if (*p != '&') { *o++ = *p++; continue; }
        const char *semi = memchr(p, ';', (size_t)(e - p));
        int done = 0;
        for (size_t i = 0; semi && i < sizeof named / sizeof named[0] && !done; i++) {
            size_t n = strlen(named[i].name);
            if ((size_t)(semi + 1 - p) == n && memcmp(p, named[i].name, n) == 0) { *o++ = named[i].c; done = 1; }
        }
        if (!done && semi && semi - p >= 3 && p[1] == '#' && semi - p <= 10) {
            int hex = p[2] == 'x' || p[2] == 'X';
            char num[12];
            memcpy(num, p + 2 + hex, (size_t)(semi - p - 2 - hex));
            num[semi - p - 2 - hex] = 0;
            char *ne;
            errno = 0;
            unsigned long cp = strtoul(num, &ne, hex ? 16 : 10);
            /* a reference encodes at most as many bytes as it is written with (&#x10FFFF; is 10) */
            if (!errno && num[0] && !*ne && cp > 0 && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF)) {
                o += put_utf8(o, cp);
                done = 1;
            }
        }
        if (done) p = semi + 1;
        else *o++ = *p++;
    }
    *o = 0;
    return out;
}

/* The value of attribute name in the tag [p, e) (p at '<'), decoded; NULL if absent. */
static char *attr(const char *p, const char *e, const char *name)
{
    size_t n = strlen(name);
    p++;
    while (p < e && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r') p++;   /* the tag's name */
    while (p < e) {
        while (p < e && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) p++;
        const char *ns = p;
        while (p < e && *p != '=' && *p != ' ' && *p != '>' && *p != '/') p++;
        const char *ne = p;
        if (p >= e || *p != '=') return NULL;
        p++;
        if (p >= e || (*p != '"' && *p != '\'')) return NULL;
        char q = *p++;
        const char *vs = p;
        while (p < e && *p != q) p++;
        if (p >= e) return NULL;
        if ((size_t)(ne - ns) == n && memcmp(ns, name, n) == 0) return decode(vs, p);
        p++;
    }
    return NULL;
}

/* Whether the tag at p ('<') is called name. */
static int tag_is(const char *p, const char *e, const char *name)
{
    size_t n = strlen(name);
    return (size_t)(e - p) > n && memcmp(p + 1, name, n) == 0 &&
           (p[1 + n] == ' ' || p[1 + n] == '\t' || p[1 + n] == '\n' || p[1 + n] == '\r' || p[1 + n] == '>' ||
            p[1 + n] == '/');
}

/* Attribute name of the tag as a whole number >= 0, or -1. */
static long long attr_count(const char *p, const char *e, const char *name)
{
    char *v = attr(p, e, name);
    if (!v) return -1;
    char *end;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    int ok = !errno && end != v && !*end && n >= 0;
    free(v);
    return ok ? n : -1;
}

/* A JSON string of s, or of "?" when s is not UTF-8. */
static json_t *jstr(const char *s)
{
    json_t *j = json_string(s);
    return j ? j : json_string("?");
}

/* The category of a test: the component after the suite's root name
 * ("OCI Conformance Test/sha256 blobs/..." -> "sha256 blobs"), or the name. */
static char *category(const char *name)
{
    const char *s = strchr(name, '/');
    s = s ? s + 1 : name;
    const char *e = strchr(s, '/');
    return e ? rb_asprintf("%.*s", (int)(e - s), s) : rb_strdup(s);
}

/* Adds one test of status st ("pass", "fail", "skip") to its category. */
static void count_category(json_t *cats, const char *name, const char *st)
{
    char *c = category(name);
    json_t *o = NULL;
    size_t i;
    json_t *x;
    json_array_foreach(cats, i, x)
        if (strcmp(json_string_value(json_object_get(x, "name")), c) == 0) { o = x; break; }
    if (!o) {
        o = json_object();
        json_object_set_new(o, "name", jstr(c));
        json_object_set_new(o, "pass", json_integer(0));
        json_object_set_new(o, "fail", json_integer(0));
        json_object_set_new(o, "skip", json_integer(0));
        json_array_append_new(cats, o);
    }
    free(c);
    json_t *n = json_object_get(o, st);
    if (n) json_integer_set(n, json_integer_value(n) + 1);
}

/* junit's testcase status to ours: passed -> pass, failure/error -> fail, skipped -> skip. */
static const char *our_status(const char *s)
{
    if (!s || strcmp(s, "passed") == 0 || strcmp(s, "pass") == 0) return "pass";
    if (strcmp(s, "skipped") == 0 || strcmp(s, "disabled") == 0) return "skip";
    return "fail";
}

json_t *rb_conformance_parse_junit(const char *xml, size_t len, char *err, size_t errlen)
{
    const char *p = xml, *end = xml + len;
    json_t *out = NULL, *tests = json_array(), *cats = json_array();
    long long total = -1, fail = 0, errors = 0, skip = 0, disabled = 0, cases = 0;
    int in_case = 0;                      /* inside an open <testcase>: its children may mark it */
    json_t *open_case = NULL;
    while (p < end) {
        const char *lt = memchr(p, '<', (size_t)(end - p));
        if (!lt) break;
        const char *skip_to = NULL;
        if ((size_t)(end - lt) >= 9 && memcmp(lt, "<![CDATA[", 9) == 0) skip_to = find(lt, end, "]]>");
        else if ((size_t)(end - lt) >= 4 && memcmp(lt, "<!--", 4) == 0) skip_to = find(lt, end, "-->");
        else if ((size_t)(end - lt) >= 2 && lt[1] == '?') skip_to = find(lt, end, "?>");
        if (skip_to || ((size_t)(end - lt) >= 2 && (lt[1] == '!' || lt[1] == '?'))) {
            if (!skip_to) { rb_err(err, errlen, "junit.xml: unterminated markup"); goto fail; }
            p = skip_to + 2;
            continue;
        }
        const char *gt = tag_end(lt, end);
        if (!gt) { rb_err(err, errlen, "junit.xml: unterminated tag"); goto fail; }
        int self_closing = gt[-1] == '/';
        if (tag_is(lt, gt, "testsuites") && total < 0) {
            total = attr_count(lt, gt, "tests");
            if (total < 0) { rb_err(err, errlen, "junit.xml: <testsuites> has no count of tests"); goto fail; }
            fail = attr_count(lt, gt, "failures");
            errors = attr_count(lt, gt, "errors");
            skip = attr_count(lt, gt, "skipped");
            disabled = attr_count(lt, gt, "disabled");
            if (fail < 0) fail = 0;
            if (errors < 0) errors = 0;
            if (skip < 0) skip = 0;
            if (disabled < 0) disabled = 0;
        } else if (tag_is(lt, gt, "testcase")) {
            char *name = attr(lt, gt, "name"), *st = attr(lt, gt, "status"), *t = attr(lt, gt, "time");
            json_t *o = json_object();
            json_object_set_new(o, "name", jstr(name ? name : ""));
            json_object_set_new(o, "status", json_string(our_status(st)));
            json_object_set_new(o, "time_s", json_real(t ? strtod(t, NULL) : 0.0));
            json_array_append_new(tests, o);
            cases++;
            /* a testcase without a status attribute is marked by a <failure>/<skipped> child */
            in_case = !self_closing && !st;
            open_case = in_case ? o : NULL;
            free(name);
            free(st);
            free(t);
        } else if (in_case && (tag_is(lt, gt, "failure") || tag_is(lt, gt, "error"))) {
            json_object_set_new(open_case, "status", json_string("fail"));
        } else if (in_case && tag_is(lt, gt, "skipped")) {
            json_object_set_new(open_case, "status", json_string("skip"));
        } else if ((size_t)(gt - lt) >= 10 && memcmp(lt, "</testcase", 10) == 0) {
            in_case = 0;
            open_case = NULL;
        }
        p = gt + 1;
    }
    if (total < 0) { rb_err(err, errlen, "junit.xml: no <testsuites> element: not the conformance suite's report"); goto fail; }
    long long pass = total - fail - errors - skip - disabled;
    if (pass < 0) { rb_err(err, errlen, "junit.xml: counts do not add up (%lld tests, %lld not passed)", total,
                           fail + errors + skip + disabled); goto fail; }
    size_t i;
    json_t *x;
    json_array_foreach(tests, i, x)
        count_category(cats, json_string_value(json_object_get(x, "name")),
                       json_string_value(json_object_get(x, "status")));
    out = json_object();
    json_object_set_new(out, "status", json_string("ran"));
    json_object_set_new(out, "total", json_integer(total));
    json_object_set_new(out, "pass", json_integer(pass));
    json_object_set_new(out, "fail", json_integer(fail + errors));
    json_object_set_new(out, "skip", json_integer(skip));
    json_object_set_new(out, "disabled", json_integer(disabled));
    json_object_set_new(out, "cases", json_integer(cases));
    json_object_set_new(out, "categories", cats);
    json_object_set_new(out, "tests", tests);
    return out;
fail:
    json_decref(tests);
    json_decref(cats);
    return NULL;
}

json_t *rb_conformance_load_junit(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) { rb_err(err, errlen, "cannot read %s: %s", path, strerror(errno)); return NULL; }
    char *buf = rb_malloc(RB_CONFORMANCE_MAX_XML + 1);
    size_t n = fread(buf, 1, RB_CONFORMANCE_MAX_XML + 1, f);
    int bad = ferror(f);
    fclose(f);
    json_t *o = NULL;
    if (bad) rb_err(err, errlen, "cannot read %s", path);
    else if (n > RB_CONFORMANCE_MAX_XML) rb_err(err, errlen, "%s is larger than %u MiB", path, RB_CONFORMANCE_MAX_XML >> 20);
    else o = rb_conformance_parse_junit(buf, n, err, errlen);
    free(buf);
    return o;
}

json_t *rb_conformance_unavailable(const char *reason)
{
    json_t *o = json_object();
    json_object_set_new(o, "status", json_string("unavailable"));
    json_object_set_new(o, "reason", json_string(reason && *reason ? reason : "unknown"));
    return o;
}

int rb_conformance_ran(const json_t *obj)
{
    const char *s = json_string_value(json_object_get(obj, "status"));
    return s && strcmp(s, "ran") == 0;
}
