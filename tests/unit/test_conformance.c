/* test_conformance: the reader of the conformance suite's junit.xml
 * (results/conformance.c) on documents shaped like the suite's: the counts
 * of <testsuites>, per-test status from the status attribute or from a
 * <failure>/<skipped> child, entities and character references in names,
 * CDATA and comments that hold tag-like text, categories; and what is not a
 * report (no <testsuites>, counts that do not add up, an unclosed tag).
 * And the suite-level threshold names conformance.pass|fail|skip|disabled|total
 * (suite/threshold.c), checked per registry, unavailable failing them. */
#include "results/rb_conformance.h"
#include "suite/rb_threshold.h"
#include "util/rb_util.h"
#include "rbtest.h"

#include <jansson.h>
#include <string.h>

static long long num(const json_t *o, const char *k) { return (long long)json_integer_value(json_object_get(o, k)); }
static const char *str(const json_t *o, const char *k) { return json_string_value(json_object_get(o, k)); }

static const char DOC[] =
    "<?xml version=\"1.0\"?>\n"
    "<!-- a comment with <testcase name=\"not me\"> -->\n"
    "<testsuites time=\"0.9\" tests=\"10\" failures=\"3\" skipped=\"2\" disabled=\"1\">\n"
    "  <testsuite name=\"OCI Conformance Test\" tests=\"10\" failures=\"3\">\n"
    "    <properties><property name=\"Config\" value=\"a: &#34;b&#34;&#xA;c: &gt;\"></property></properties>\n"
    "    <testcase name=\"OCI Conformance Test/ping\" classname=\"\" time=\"0.25\" status=\"passed\"></testcase>\n"
    "    <testcase name=\"OCI Conformance Test/sha256 blobs/a &amp; b &lt;c&gt; &#233;\" time=\"0.5\" status=\"failure\">\n"
    "      <failure message=\"x\"><![CDATA[body <testcase name=\"fake\" status=\"passed\"> ]]></failure>\n"
    "    </testcase>\n"
    "    <testcase name='OCI Conformance Test/sha256 blobs/skipped one' status=\"skipped\"/>\n"
    "    <testcase name=\"OCI Conformance Test/image/no status\" time=\"1\">\n"
    "      <failure message=\"m\">text</failure>\n"
    "    </testcase>\n"
    "    <testcase name=\"OCI Conformance Test/image/no status skipped\"><skipped message=\"s\"></skipped></testcase>\n"
    "  </testsuite>\n"
    "</testsuites>\n";

static void test_document(void)
{
    char err[RB_ERRLEN] = "";
    json_t *o = rb_conformance_parse_junit(DOC, strlen(DOC), err, sizeof err);
    CHECKF(o != NULL, "%s", err);
    if (!o) return;
    CHECK(rb_conformance_ran(o));
    CHECK(num(o, "total") == 10);
    CHECK(num(o, "fail") == 3);
    CHECK(num(o, "skip") == 2);
    CHECK(num(o, "disabled") == 1);
    CHECK(num(o, "pass") == 4);
    CHECK(num(o, "cases") == 5);
    const json_t *tests = json_object_get(o, "tests");
    CHECK(json_array_size(tests) == 5);
    const char *want_names[] = {"OCI Conformance Test/ping", "OCI Conformance Test/sha256 blobs/a & b <c> \xc3\xa9",
                                "OCI Conformance Test/sha256 blobs/skipped one", "OCI Conformance Test/image/no status",
                                "OCI Conformance Test/image/no status skipped"};
    const char *want_status[] = {"pass", "fail", "skip", "fail", "skip"};
    for (size_t i = 0; i < 5 && i < json_array_size(tests); i++) {
        const json_t *t = json_array_get(tests, i);
        CHECKF(strcmp(str(t, "name"), want_names[i]) == 0, "test %zu: name '%s'", i, str(t, "name"));
        CHECKF(strcmp(str(t, "status"), want_status[i]) == 0, "test %zu: status '%s'", i, str(t, "status"));
    }
    CHECK(json_real_value(json_object_get(json_array_get(tests, 1), "time_s")) == 0.5);
    const json_t *cats = json_object_get(o, "categories");
    CHECK(json_array_size(cats) == 3);
    const json_t *blobs = json_array_get(cats, 1);
    CHECK(blobs && strcmp(str(blobs, "name"), "sha256 blobs") == 0);
    CHECK(num(blobs, "fail") == 1 && num(blobs, "skip") == 1 && num(blobs, "pass") == 0);
    const json_t *image = json_array_get(cats, 2);
    CHECK(image && num(image, "fail") == 1 && num(image, "skip") == 1);
    json_decref(o);
}

static void test_not_a_report(void)
{
    char err[RB_ERRLEN] = "";
    const char *no_suites = "<testsuite tests=\"3\"></testsuite>";
    CHECK(rb_conformance_parse_junit(no_suites, strlen(no_suites), err, sizeof err) == NULL);
    CHECKF(strstr(err, "no <testsuites>") != NULL, "%s", err);
    const char *bad_sum = "<testsuites tests=\"2\" failures=\"3\"></testsuites>";
    CHECK(rb_conformance_parse_junit(bad_sum, strlen(bad_sum), err, sizeof err) == NULL);
    CHECKF(strstr(err, "do not add up") != NULL, "%s", err);
    const char *unclosed = "<testsuites tests=\"2\"";
    CHECK(rb_conformance_parse_junit(unclosed, strlen(unclosed), err, sizeof err) == NULL);
    CHECKF(strstr(err, "unterminated") != NULL, "%s", err);
    const char *no_count = "<testsuites failures=\"1\"></testsuites>";
    CHECK(rb_conformance_parse_junit(no_count, strlen(no_count), err, sizeof err) == NULL);
    CHECK(rb_conformance_load_junit("/nonexistent/junit.xml", err, sizeof err) == NULL);
    CHECKF(strstr(err, "cannot read") != NULL, "%s", err);
    json_t *u = rb_conformance_unavailable("no program");
    CHECK(!rb_conformance_ran(u));
    CHECK(strcmp(str(u, "status"), "unavailable") == 0 && strcmp(str(u, "reason"), "no program") == 0);
    json_decref(u);
}

static void test_thresholds(void)
{
    char err[RB_ERRLEN] = "";
    rb_threshold t;
    CHECKF(rb_threshold_parse("conformance.fail == 0", &t, err, sizeof err) == 0, "%s", err);
    CHECK(t.target == RB_TH_CONFORMANCE);
    rb_threshold ths[3] = {t};
    CHECKF(rb_threshold_parse("conformance.pass >= 500", &ths[1], err, sizeof err) == 0, "%s", err);
    CHECKF(rb_threshold_parse("conformance.total > 1000", &ths[2], err, sizeof err) == 0, "%s", err);
    CHECK(rb_threshold_parse("conformance.p95 < 1", &t, err, sizeof err) < 0);
    CHECKF(strstr(err, "accepted: pass, fail, skip") != NULL, "%s", err);
    CHECK(rb_threshold_parse("conformance.fail < lots", &t, err, sizeof err) < 0);

    json_error_t je;
    json_t *suite = json_loads("{\"suite\": {\"kind\": \"suite\"}, \"runs\": [], \"registries\": ["
                               "{\"name\": \"a\", \"conformance\": {\"status\": \"ran\", \"pass\": 600, "
                               "\"fail\": 0, \"total\": 1015}},"
                               "{\"name\": \"b\", \"conformance\": {\"status\": \"ran\", \"pass\": 400, "
                               "\"fail\": 3, \"total\": 900}},"
                               "{\"name\": \"c\", \"conformance\": null}]}", 0, &je);
    CHECK(suite != NULL);
    int n_failed = 0;
    json_t *res = rb_thresholds_eval(ths, 3, suite, &n_failed);
    CHECK(n_failed == 3);
    json_t *f0 = json_object_get(json_array_get(res, 0), "failures");
    CHECK(json_array_size(f0) == 1 && strcmp(json_string_value(json_array_get(f0, 0)), "b: conformance.fail = 3") == 0);
    CHECK(json_integer_value(json_object_get(json_array_get(res, 0), "checked")) == 2);
    json_decref(res);
    /* unavailable fails it, naming the reason */
    json_object_set_new(json_array_get(json_object_get(suite, "registries"), 2), "conformance",
                        rb_conformance_unavailable("no program"));
    ths[0].registry = rb_strdup("c");
    res = rb_thresholds_eval(ths, 1, suite, &n_failed);
    f0 = json_object_get(json_array_get(res, 0), "failures");
    CHECK(n_failed == 1 && json_array_size(f0) == 1 &&
          strstr(json_string_value(json_array_get(f0, 0)), "c: conformance unavailable: no program") != NULL);
    json_decref(res);
    /* no registry asked: no data */
    json_object_del(json_array_get(json_object_get(suite, "registries"), 2), "conformance");
    res = rb_thresholds_eval(ths, 1, suite, &n_failed);
    f0 = json_object_get(json_array_get(res, 0), "failures");
    CHECK(n_failed == 1 && strstr(json_string_value(json_array_get(f0, 0)), "no data") != NULL);
    json_decref(res);
    json_decref(suite);
    for (int i = 0; i < 3; i++) rb_threshold_clear(&ths[i]);
}

int main(void)
{
    test_thresholds();
    test_document();
    test_not_a_report();
    return rbtest_done("test_conformance");
}
