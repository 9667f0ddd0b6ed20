/* test_util: size and duration parsing (the units scenarios' --set values
 * use): decimal and binary size units, fractions that must come out as whole
 * bytes, durations with several parts, and every malformed input rejected
 * with a message. */
#include "util/rb_atomic.h"
#include "util/rb_util.h"

#include <dirent.h>
#include <unistd.h>
#include "rbtest.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static void size_ok(const char *s, uint64_t want)
{
    uint64_t v = 0;
    char err[RB_ERRLEN] = "";
    int rc = rb_parse_size(s, &v, err, sizeof err);
    CHECKF(rc == 0 && v == want, "size '%s': rc %d v %llu want %llu (%s)", s, rc,
           (unsigned long long)v, (unsigned long long)want, err);
}

static void size_bad(const char *s)
{
    uint64_t v = 42;
    char err[RB_ERRLEN] = "";
    int rc = rb_parse_size(s, &v, err, sizeof err);
    CHECKF(rc == -1 && err[0] && v == 42, "size '%s' should fail (rc %d v %llu)", s ? s : "(null)", rc,
           (unsigned long long)v);
}

static void dur_ok(const char *s, double want)
{
    double v = -1;
    char err[RB_ERRLEN] = "";
    int rc = rb_parse_duration(s, &v, err, sizeof err);
    CHECKF(rc == 0 && fabs(v - want) <= 1e-12 * (want > 1 ? want : 1), "duration '%s': rc %d v %.9f want %.9f (%s)",
           s, rc, v, want, err);
}

static void dur_bad(const char *s)
{
    double v = -1;
    char err[RB_ERRLEN] = "";
    int rc = rb_parse_duration(s, &v, err, sizeof err);
    CHECKF(rc == -1 && err[0] && v == -1, "duration '%s' should fail (rc %d v %g)", s ? s : "(null)", rc, v);
}

static void test_size(void)
{
    size_ok("123", 123);
    size_ok("0", 0);
    size_ok("123B", 123);
    size_ok("1KB", 1000);
    size_ok("1MB", 1000000);
    size_ok("1GB", 1000000000ull);
    size_ok("2TB", 2000000000000ull);
    size_ok("1KiB", 1024);
    size_ok("1MiB", 1048576);
    size_ok("1GiB", 1073741824ull);
    size_ok("1TiB", 1099511627776ull);
    size_ok("10mb", 10000000);
    size_ok("1mib", 1048576);
    size_ok("1.5MB", 1500000);
    size_ok("1.5KiB", 1536);
    size_ok("0.5MiB", 524288);
    size_ok(".5KB", 500);
    size_ok("1.50KB", 1500);
    size_ok(" 64MB ", 64000000);
    size_bad(" 64 MB ");   /* a space inside: lists of sizes split on spaces */
    size_ok("9000000000000000000", 9000000000000000000ull);   /* exact, past 2^53 */
    /* Fractions that doubles get wrong (1.001 * 1000 = 1000.9999999999999). */
    size_ok("1.001KB", 1001);
    size_ok("0.29KB", 290);
    size_ok("4.35MB", 4350000);
    size_ok("1.000001MB", 1000001);
    char buf[32];
    int bad = 0;
    for (int i = 0; i < 100000 && bad < 5; i++) {
        snprintf(buf, sizeof buf, "%d.%03dKB", i / 1000, i % 1000);
        uint64_t v;
        if (rb_parse_size(buf, &v, NULL, 0) != 0 || v != (uint64_t)i) {
            bad++;
            CHECKF(0, "'%s' gave %llu", buf, (unsigned long long)v);
        }
    }
    CHECK(bad == 0);

    size_bad("10XB");
    size_bad("");
    size_bad("   ");
    size_bad("-1MB");
    size_bad("MB");
    size_bad("1e3");
    size_bad("0x10");
    size_bad("1.5");          /* 1.5 bytes */
    size_bad("1.0001KB");     /* 1000.1 bytes */
    size_bad("1.5.2MB");
    size_bad("1 2MB");
    size_bad("10 MBs");
    size_bad("20000000TB");   /* too large */
    size_bad("99999999999999999999");
    size_bad(NULL);
}

static void test_duration(void)
{
    dur_ok("500ms", 0.5);
    dur_ok("30s", 30);
    dur_ok("2m", 120);
    dur_ok("1m30s", 90);
    dur_ok("1h", 3600);
    dur_ok("1h2m3s", 3723);
    dur_ok("0.5", 0.5);
    dur_ok("10", 10);
    dur_ok("250us", 0.00025);
    dur_ok("1.5s", 1.5);
    dur_ok("0s", 0);
    dur_ok(" 5s ", 5);

    dur_bad("10x");
    dur_bad("");
    dur_bad("ms");
    dur_bad("5 s s");
    dur_bad("-5s");
    dur_bad("1e3");
    dur_bad("5s3");
    dur_bad("1.2.3s");
    dur_bad("s5");
    dur_bad(NULL);
}

static void test_misc(void)
{
    char buf[64];
    rb_format_bytes(1500000000.0, buf, sizeof buf);
    CHECK(strcmp(buf, "1.50 GB") == 0);
    rb_format_bytes(999, buf, sizeof buf);
    CHECK(strcmp(buf, "999 B") == 0);
    rb_format_utc(0, buf, sizeof buf);
    CHECK(strcmp(buf, "1970-01-01T00:00:00Z") == 0);
    char err[8];
    CHECK(rb_err(err, sizeof err, "%s", "a long message") == -1 && strcmp(err, "a long ") == 0);
    CHECK(rb_err(NULL, 0, "x") == -1);
    char *s = rb_asprintf("%d-%s", 7, "x");
    CHECK(strcmp(s, "7-x") == 0);
    free(s);
    uint64_t a = rb_now_us(), b = rb_now_us();
    CHECK(b >= a);
}

/* Parameter text by type: the one rule --set and suites share. */
static void test_params(void)
{
    rb_param_value v;
    char err[RB_ERRLEN];
    CHECK(rb_param_parse("integer", "10", &v, err, sizeof err) == 0 && v.i == 10);
    CHECK(rb_param_parse("integer", " 0x1f ", &v, err, sizeof err) == 0 && v.i == 31);
    CHECK(rb_param_parse("integer", "3.0", &v, err, sizeof err) == 0 && v.i == 3);
    CHECK(rb_param_parse("integer", "1e3", &v, err, sizeof err) == 0 && v.i == 1000);
    CHECK(rb_param_parse("integer", "1.5", &v, err, sizeof err) < 0 && strstr(err, "not an integer"));
    CHECK(rb_param_parse("integer", "abc", &v, err, sizeof err) < 0);
    CHECK(rb_param_parse("integer", "", &v, err, sizeof err) < 0);
    CHECK(rb_param_parse("number", "0.25", &v, err, sizeof err) == 0 && v.d == 0.25);
    CHECK(rb_param_parse("number", "inf", &v, err, sizeof err) < 0);
    CHECK(rb_param_parse("number", "nan", &v, err, sizeof err) < 0);
    CHECK(rb_param_parse("boolean", "Yes", &v, err, sizeof err) == 0 && v.i == 1);
    CHECK(rb_param_parse("boolean", "off", &v, err, sizeof err) == 0 && v.i == 0);
    CHECK(rb_param_parse("boolean", "maybe", &v, err, sizeof err) < 0 && strstr(err, "true or false"));
    CHECK(rb_param_parse("size", "10MB", &v, err, sizeof err) == 0 && v.i == 10000000);
    CHECK(rb_param_parse("size", "-5MB", &v, err, sizeof err) < 0 && strstr(err, "bad size"));
    CHECK(rb_param_parse("size", "10 MiB", &v, err, sizeof err) < 0 && strstr(err, "right after the number (10MiB)"));
    CHECK(rb_param_parse("size", " 10MiB ", &v, err, sizeof err) == 0 && v.i == 10 << 20);
    CHECK(rb_param_parse("duration", "1m30s", &v, err, sizeof err) == 0 && v.d == 90);
    CHECK(rb_param_parse("string", "anything", &v, err, sizeof err) == 0 && !strcmp(v.s, "anything"));
    CHECK(rb_param_parse("colour", "red", &v, err, sizeof err) < 0 && strstr(err, "unknown parameter type"));
    CHECK(rb_param_accepts("size") && !rb_param_accepts("colour"));
}

/* Files written whole or not at all, and no temporary file left behind. */
static void test_atomic(void)
{
    char tmpl[] = "/tmp/rb-test-atomic-XXXXXX";
    char *dir = mkdtemp(tmpl);
    CHECK(dir != NULL);
    if (!dir) return;
    char err[RB_ERRLEN];
    char *path = rb_asprintf("%s/a.txt", dir);
    CHECK(rb_write_text_atomic(path, "one\n", err, sizeof err) == 0);
    rb_atomic a;
    FILE *f = rb_atomic_open(&a, path, err, sizeof err);
    CHECK(f != NULL);
    if (f) {
        fputs("half-written", f);
        CHECK(rb_atomic_commit(&a, 1, err, sizeof err) < 0 && strstr(err, "cannot write"));
    }
    FILE *r = fopen(path, "r");
    char buf[64] = "";
    CHECK(r && fgets(buf, sizeof buf, r) && !strcmp(buf, "one\n"));   /* the old file stands */
    if (r) fclose(r);
    DIR *d = opendir(dir);
    int entries = 0;
    for (struct dirent *e; d && (e = readdir(d));)
        if (e->d_name[0] != '.') entries++;
    if (d) closedir(d);
    CHECKF(entries == 1, "the failed write left %d files", entries);
    char *missing = rb_asprintf("%s/no/such/dir/x.json", dir);
    json_t *doc = json_pack("{s:i}", "a", 1);
    CHECK(rb_write_json_atomic(missing, doc, err, sizeof err) < 0 && strstr(err, "x.json"));
    CHECK(rb_write_json_atomic(path, doc, err, sizeof err) == 0);
    /* never replace what is not a regular file: a directory, or a device */
    CHECK(rb_write_json_atomic(dir, doc, err, sizeof err) < 0 && strstr(err, "not a regular file"));
    CHECK(rb_write_text_atomic("/dev/null", "x", err, sizeof err) < 0 && strstr(err, "not a regular file"));
    struct stat st;
    CHECK(stat("/dev/null", &st) == 0 && S_ISCHR(st.st_mode));
    json_decref(doc);
    unlink(path);
    rmdir(dir);
    free(missing);
    free(path);
}

/* RFC 3339 times (--start-at) */
static void test_rfc3339(void)
{
    uint64_t us = 0;
    char err[RB_ERRLEN];
    CHECK(rb_parse_rfc3339("1970-01-01T00:00:01Z", &us, err, sizeof err) == 0 && us == 1000000);
    CHECK(rb_parse_rfc3339("2026-12-06T03:10:00.250Z", &us, err, sizeof err) == 0 && us == 1796526600250000ull);
    CHECK(rb_parse_rfc3339("2026-12-06T03:10:00+00:00", &us, err, sizeof err) == 0 && us == 1796526600000000ull);
    CHECK(rb_parse_rfc3339("2026-12-06T03:10:00", &us, err, sizeof err) < 0 && strstr(err, "UTC"));
    CHECK(rb_parse_rfc3339("2026-12-06T03:10:00+01:00", &us, err, sizeof err) < 0);
    CHECK(rb_parse_rfc3339("tomorrow", &us, err, sizeof err) < 0 && strstr(err, "RFC 3339"));
    CHECK(rb_parse_rfc3339("2026-13-06T03:10:00Z", &us, err, sizeof err) < 0);
}

int main(void)
{
    test_params();
    test_atomic();
    test_rfc3339();
    test_size();
    test_duration();
    test_misc();
    return rbtest_done("test_util");
}
