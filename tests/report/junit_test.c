/*
 * junit_test.c — the JUnit reporter, driven with synthetic events: the file is
 * well-formed XML by a real parser (xmllint, or Python's minidom), counts per suite are
 * right (checked with XPath), special and illegal characters are escaped or removed, the
 * file appears only complete (PATH.tmp renamed at the end), a missing directory fails at
 * creation, and thousands of interleaved tests stream through.
 */
#include <stdlib.h>
#include <string.h>

#include "forkless/test.h"
#include "report/report.h"
#include "report_test_util.h"

static fl_reporter *new_junit(const char *path)
{
    fl_reporter *r;
    fl_error err;
    if (fl_junit_reporter_new(path, &r, &err) != FL_OK)
        FL_FAIL("%s", err.msg);
    return r;
}

static void assert_xpath(const char *path, const char *xpath)
{
    int found = xml_xpath_matches(path, xpath);
    if (found == 0)
        FL_FAIL("no node matches %s in %s", xpath, path);
}

FL_TEST(report_junit, sample_run_is_well_formed_with_right_counts)
{
    const char *p = scratch_path("sample.xml");
    char path[1024];
    snprintf(path, sizeof path, "%s", p);
    fl_reporter *r = new_junit(path);
    sample_run(r);
    r->destroy(r);
    FL_ASSERT(xml_is_well_formed(path));

    char *xml = read_path(path, NULL);
    FL_ASSERT_CONTAINS(xml, "<testsuites name=\"forkless\" tests=\"6\" failures=\"1\" errors=\"1\" skipped=\"1\"");
    FL_ASSERT_CONTAINS(xml, "<testsuite name=\"alpha\" tests=\"3\" failures=\"1\" errors=\"0\" skipped=\"1\"");
    FL_ASSERT_CONTAINS(xml, "<testsuite name=\"beta\" tests=\"3\" failures=\"0\" errors=\"1\" skipped=\"0\"");
    FL_ASSERT_CONTAINS(xml, "<testcase classname=\"alpha\" name=\"one\" time=\"0.012\" file=\"t_alpha.c\" line=\"7\"/>");
    FL_ASSERT_CONTAINS(xml, "<skipped message=\"needs a network\"/>");
    free(xml);

    assert_xpath(path, "/testsuites/testsuite[@name='alpha']/testcase[@name='two']"
                       "/failure[@message='" SAMPLE_FAIL_MESSAGE "' and @type='fail']");
    assert_xpath(path, "/testsuites/testsuite[@name='alpha']/testcase[@name='two']"
                       "/failure[contains(., 'frame two')]");
    assert_xpath(path, "/testsuites/testsuite[@name='alpha']/testcase[@name='two']"
                       "/system-out[contains(., 'balance is 2')]");
    assert_xpath(path, "/testsuites/testsuite[@name='beta']/testcase[@name='two']"
                       "/error[@type='crash']");
    assert_xpath(path, "/testsuites/testsuite[@name='beta']/testcase[@name='two']"
                       "/system-out[contains(., 'about to dereference')]");
    assert_xpath(path, "/testsuites/testsuite[@name='beta' and count(testcase)=3]");
    /* passing tests carry no output */
    assert_xpath(path, "/testsuites[count(//testcase[@name='one']/system-out)=0]");
}

FL_TEST(report_junit, special_and_illegal_characters_are_escaped_or_removed)
{
    const char *p = scratch_path("escape.xml");
    char path[1024];
    snprintf(path, sizeof path, "%s", p);
    fl_reporter *r = new_junit(path);
    fl_run_info info = {"run-e", "./tests", 1, 3, 1, 0, 0};
    r->run_start(r, &info);
    fl_test_event ev = sample_event("we<ird>.a&b\"c'd", "we<ird>", FL_STATUS_ERROR);
    ev.message = "a<b & \"c\" 'd' >e \x01 bell\a and \xff\xfe bad bytes";
    ev.details = "line one\n\tline <two> & ]]> three\x1b[31m";
    ev.output = "out \x02\x03 put\r\n<xml>&amp;</xml>\n";
    r->test_done(r, &ev);
    fl_test_event xpass = sample_event("we<ird>.x", "we<ird>", FL_STATUS_XPASS);
    r->test_done(r, &xpass);
    fl_test_event xfail = sample_event("we<ird>.y", "we<ird>", FL_STATUS_XFAIL);
    xfail.message = "known bug #12";
    r->test_done(r, &xfail);
    fl_summary s = {.total = 3, .failed = 2, .passed = 1};
    r->run_end(r, &s);
    r->destroy(r);

    FL_ASSERT(xml_is_well_formed(path));
    size_t len;
    char *xml = read_path(path, &len);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)xml[i];
        if (c < 0x20 && c != '\n' && c != '\t' && c != '\r')
            FL_FAIL("control byte 0x%02x at offset %zu", c, i);
    }
    FL_ASSERT_CONTAINS(xml, "<testsuite name=\"we&lt;ird&gt;\" tests=\"3\" failures=\"1\" errors=\"1\"");
    FL_ASSERT_CONTAINS(xml, "name=\"a&amp;b&quot;c&apos;d\"");
    FL_ASSERT_CONTAINS(xml, "message=\"a&lt;b &amp; &quot;c&quot; &apos;d&apos; &gt;e  bell and "
                            "\xEF\xBF\xBD\xEF\xBF\xBD bad bytes\" type=\"error\"");
    FL_ASSERT_CONTAINS(xml, "line one\n\tline &lt;two&gt; &amp; ]]&gt; three</error>");
    FL_ASSERT_CONTAINS(xml, "out  put&#13;\n&lt;xml&gt;&amp;amp;&lt;/xml&gt;");
    FL_ASSERT_CONTAINS(xml, "<failure message=\"passed unexpectedly (expected to fail)\" type=\"xpass\"");
    FL_ASSERT_CONTAINS(xml, "[forkless: expected failure (xfail): known bug #12]");
    free(xml);
    /* the parser reads back exactly the name that was escaped */
    assert_xpath(path, "//testsuite[@name='we<ird>']/testcase"
                       "[starts-with(@name, 'a&b\"c') and substring(@name, 6)=\"'d\"]");
}

FL_TEST(report_junit, a_missing_directory_fails_at_creation_naming_the_path)
{
    const char *path = "/nonexistent-forkless-dir/sub/report.xml";
    fl_reporter *r = NULL;
    fl_error err = {0};
    FL_ASSERT_EQ_INT(fl_junit_reporter_new(path, &r, &err), FL_ERR_IO);
    FL_ASSERT_EQ_INT(err.code, FL_ERR_IO);
    FL_ASSERT_CONTAINS(err.msg, path);
    FL_ASSERT_CONTAINS(err.msg, "No such file or directory");
    FL_ASSERT_NULL(r);
}

FL_TEST(report_junit, the_report_appears_only_complete)
{
    const char *p = scratch_path("atomic.xml");
    char path[1024], tmp[1100];
    snprintf(path, sizeof path, "%s", p);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    fl_reporter *r = new_junit(path);
    fl_run_info info = {"run-a", "./tests", 1, 1, 1, 0, 0};
    r->run_start(r, &info);
    fl_test_event ev = sample_event("alpha.one", "alpha", FL_STATUS_PASS);
    r->test_done(r, &ev);
    FL_ASSERT(!path_exists(path));
    FL_ASSERT(path_exists(tmp));
    fl_summary s = {.total = 1, .passed = 1};
    r->run_end(r, &s);
    FL_ASSERT(path_exists(path));
    FL_ASSERT(!path_exists(tmp));
    r->destroy(r);
    FL_ASSERT(xml_is_well_formed(path));

    /* a run that never ends leaves neither the report nor its temporary file */
    const char *p2 = scratch_path("abandoned.xml");
    char path2[1024], tmp2[1100];
    snprintf(path2, sizeof path2, "%s", p2);
    snprintf(tmp2, sizeof tmp2, "%s.tmp", path2);
    fl_reporter *r2 = new_junit(path2);
    r2->run_start(r2, &info);
    r2->test_done(r2, &ev);
    r2->destroy(r2);
    FL_ASSERT(!path_exists(path2));
    FL_ASSERT(!path_exists(tmp2));
}

FL_TEST(report_junit, thousands_of_interleaved_tests_stream_into_their_suites)
{
    enum { GROUPS = 50, PER_GROUP = 400 };
    const char *p = scratch_path("many.xml");
    char path[1024];
    snprintf(path, sizeof path, "%s", p);
    fl_reporter *r = new_junit(path);
    fl_run_info info = {"run-m", "./tests", 4, GROUPS * PER_GROUP, GROUPS, 0, 0};
    r->run_start(r, &info);
    /* four workers' groups interleave: test k of every group in turn */
    for (int k = 0; k < PER_GROUP; k++) {
        for (int g = 0; g < GROUPS; g++) {
            char id[64], group[32];
            snprintf(group, sizeof group, "group%02d", g);
            snprintf(id, sizeof id, "group%02d.test%03d", g, k);
            fl_status st = k % 100 == 7 ? FL_STATUS_FAIL : FL_STATUS_PASS;
            fl_test_event ev = sample_event(id, group, st);
            ev.slot = 1 + g % 4;
            if (st == FL_STATUS_FAIL) {
                ev.message = "expected 1 == 2";
                ev.output = "some output\n";
            }
            r->test_done(r, &ev);
        }
    }
    fl_summary s = {.total = GROUPS * PER_GROUP};
    r->run_end(r, &s);
    r->destroy(r);

    FL_ASSERT(xml_is_well_formed(path));
    char *xml = read_path(path, NULL);
    FL_ASSERT_CONTAINS(xml, "<testsuites name=\"forkless\" tests=\"20000\" failures=\"200\" errors=\"0\"");
    FL_ASSERT_EQ_INT(count_occurrences(xml, "<testsuite "), GROUPS);
    FL_ASSERT_EQ_INT(count_occurrences(xml, "<testcase "), GROUPS * PER_GROUP);
    /* each suite holds exactly its own tests, in the order they ran */
    for (int g = 0; g < GROUPS; g++) {
        char head[128], first[64], last[64];
        snprintf(head, sizeof head, "<testsuite name=\"group%02d\" tests=\"%d\" failures=\"4\"", g,
                 PER_GROUP);
        snprintf(first, sizeof first, "classname=\"group%02d\" name=\"test000\"", g);
        snprintf(last, sizeof last, "classname=\"group%02d\" name=\"test399\"", g);
        const char *suite = strstr(xml, head);
        FL_ASSERT_NOT_NULL(suite);
        const char *end = strstr(suite, "</testsuite>");
        FL_ASSERT_NOT_NULL(end);
        const char *a = strstr(suite, first), *b = strstr(suite, last);
        FL_ASSERT(a && b && a < b && b < end);
        char other[32];
        snprintf(other, sizeof other, "classname=\"group%02d\"", (g + 1) % GROUPS);
        const char *foreign = strstr(suite, other);
        FL_ASSERT(!foreign || foreign > end);
    }
    free(xml);
}

/* ---- a run that stopped on an error (run_failed) ------------------------------------------ */

#define EARLY_ERROR "cannot connect to 'postgresql://app:***@db/x': password authentication failed"

FL_TEST(report_junit, an_error_before_any_test_is_a_report_with_one_error)
{
    const char *p = scratch_path("early.xml");
    char path[1024];
    snprintf(path, sizeof path, "%s", p);
    fl_reporter *r = new_junit(path);
    /* workers may have started and died; no run_start: the tests were never listed */
    fl_worker_event died = {FL_WORKER_EXITED, 1, 501, "exit code 4"};
    r->worker_event(r, &died);
    fl_run_info info = {"run-f", "./tests", 2, 0, 0, 1700000000.0, 0};
    fl_summary s = {.wall_seconds = 0.25, .exit_code = FL_EXIT_INFRA};
    FL_ASSERT_NOT_NULL(r->run_failed);
    r->run_failed(r, &info, &s, EARLY_ERROR "\nits output:\n<last> & \"words\"");
    FL_ASSERT(path_exists(path)); /* written at once, not at destroy */
    r->destroy(r);
    FL_ASSERT(xml_is_well_formed(path));
    char *xml = read_path(path, NULL);
    FL_ASSERT_CONTAINS(xml, "<testsuites name=\"forkless\" tests=\"1\" failures=\"0\" errors=\"1\" skipped=\"0\" "
                            "time=\"0.250\" timestamp=\"2023-11-14T22:13:20\">");
    FL_ASSERT_CONTAINS(xml, "  <testsuite name=\"forkless\" tests=\"1\" failures=\"0\" errors=\"1\" skipped=\"0\" "
                            "time=\"0.250\" timestamp=\"2023-11-14T22:13:20\">\n"
                            "    <testcase classname=\"forkless\" name=\"run\" time=\"0.250\">\n"
                            "      <error message=\"cannot connect to &apos;postgresql://app:***@db/x&apos;: "
                            "password authentication failed\" type=\"infrastructure\">");
    /* the whole text as the content, escaped */
    FL_ASSERT_CONTAINS(xml, "password authentication failed\nits output:\n&lt;last&gt; &amp; \"words\"</error>\n"
                            "    </testcase>\n  </testsuite>\n</testsuites>\n");
    FL_ASSERT_EQ_INT(count_occurrences(xml, "<testsuite "), 1);
    FL_ASSERT_EQ_INT(count_occurrences(xml, "<testcase "), 1);
    free(xml);
    assert_xpath(path, "/testsuites/testsuite[@name='forkless']/testcase[@classname='forkless' and @name='run']"
                       "/error[@type='infrastructure' and contains(., 'its output')]");
}

FL_TEST(report_junit, an_error_after_the_tests_adds_the_forkless_suite)
{
    const char *p = scratch_path("late.xml");
    char path[1024];
    snprintf(path, sizeof path, "%s", p);
    fl_reporter *r = new_junit(path);
    fl_run_info info = {"run-g", "./tests", 2, 2, 1, 1700000000.0, 0};
    r->run_start(r, &info);
    fl_test_event ev = sample_event("alpha.one", "alpha", FL_STATUS_PASS);
    r->test_done(r, &ev);
    fl_summary s = {.total = 2, .passed = 1, .not_run = 1, .wall_seconds = 2, .exit_code = FL_EXIT_INFRA};
    s.counts[FL_STATUS_PASS] = 1;
    r->run_failed(r, &info, &s, "slot 2: 3 workers in a row ended without finishing a test");
    r->destroy(r);
    FL_ASSERT(xml_is_well_formed(path));
    char *xml = read_path(path, NULL);
    FL_ASSERT_CONTAINS(xml, "<testsuites name=\"forkless\" tests=\"2\" failures=\"0\" errors=\"1\" skipped=\"0\"");
    FL_ASSERT_CONTAINS(xml, "<testsuite name=\"alpha\" tests=\"1\" failures=\"0\" errors=\"0\"");
    FL_ASSERT_CONTAINS(xml, "<error message=\"slot 2: 3 workers in a row ended without finishing a test\" "
                            "type=\"infrastructure\">");
    /* the tests' suites first, the run's error last */
    FL_ASSERT(strstr(xml, "name=\"alpha\"") < strstr(xml, "<testsuite name=\"forkless\""));
    free(xml);
}

FL_TEST(report_junit, the_error_type_follows_the_exit_code)
{
    static const struct {
        int exit_code;
        const char *type;
    } cases[] = {{FL_EXIT_USAGE, "usage"}, {FL_EXIT_INFRA, "infrastructure"}, {FL_EXIT_INTERRUPTED, "interrupted"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char name[32];
        snprintf(name, sizeof name, "type%zu.xml", i);
        const char *p = scratch_path(name);
        char path[1024];
        snprintf(path, sizeof path, "%s", p);
        fl_reporter *r = new_junit(path);
        fl_run_info info = {"run-t", "./tests", 1, 0, 0, 0, 0};
        fl_summary s = {.exit_code = cases[i].exit_code, .interrupted = cases[i].exit_code == FL_EXIT_INTERRUPTED};
        r->run_failed(r, &info, &s, "");
        r->destroy(r);
        char *xml = read_path(path, NULL);
        char want[128];
        snprintf(want, sizeof want, "<error message=\"(no message)\" type=\"%s\">(no message)</error>", cases[i].type);
        FL_ASSERT_CONTAINS(xml, want);
        FL_ASSERT(strstr(xml, "timestamp=") == NULL); /* no start time known: none made up */
        free(xml);
    }
}

/* Two reports written at once (two runs, or a run and a tool) keep their scratch files
 * apart, each gets only its own tests, and no PATH.parts file is left behind. */
FL_TEST(report_junit, two_reports_at_once_stay_apart_and_leave_no_scratch_file)
{
    char path_a[1024], path_b[1024], parts_a[1100], parts_b[1100];
    snprintf(path_a, sizeof path_a, "%s", scratch_path("apart-a.xml"));
    snprintf(path_b, sizeof path_b, "%s", scratch_path("apart-b.xml"));
    snprintf(parts_a, sizeof parts_a, "%s.parts", path_a);
    snprintf(parts_b, sizeof parts_b, "%s.parts", path_b);
    fl_reporter *a = new_junit(path_a), *b = new_junit(path_b);
    fl_run_info info = {"run-ab", "./tests", 2, 2, 2, 1700000000.0, 0};
    a->run_start(a, &info);
    b->run_start(b, &info);
    fl_test_event ea = sample_event("left.one", "left", FL_STATUS_PASS);
    fl_test_event eb = sample_event("right.one", "right", FL_STATUS_FAIL);
    a->test_done(a, &ea);
    b->test_done(b, &eb);
    fl_summary s = {.total = 1, .passed = 1, .wall_seconds = 1};
    s.counts[FL_STATUS_PASS] = 1;
    a->run_end(a, &s);
    b->run_end(b, &s);
    a->destroy(a);
    b->destroy(b);
    FL_ASSERT(xml_is_well_formed(path_a));
    FL_ASSERT(xml_is_well_formed(path_b));
    char *xa = read_path(path_a, NULL), *xb = read_path(path_b, NULL);
    FL_ASSERT_CONTAINS(xa, "<testsuite name=\"left\"");
    FL_ASSERT_CONTAINS(xb, "<testsuite name=\"right\"");
    FL_ASSERT(strstr(xa, "right") == NULL);
    FL_ASSERT(strstr(xb, "left") == NULL);
    free(xa);
    free(xb);
    FILE *left_a = fopen(parts_a, "rb"), *left_b = fopen(parts_b, "rb");
    if (left_a)
        fclose(left_a);
    if (left_b)
        fclose(left_b);
    FL_ASSERT(left_a == NULL && left_b == NULL);
}
