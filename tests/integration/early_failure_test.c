/*
 * early_failure_test.c — `forkless run --junit --json` when the run fails before any test
 * runs: a setup command that fails, a worker command that does not exist, a worker that
 * exits before hello or dies while listing, Ctrl-C while the databases are prepared or
 * the tests listed, a report path that cannot be created, a wrong database password
 * (PostgreSQL), and an error after the tests were listed.  Each keeps its exit code and
 * console output; the JUnit file parses (Python's ElementTree) and holds one
 * forkless.run test case in error naming the cause; the JSON file reads run_start .. a
 * run_end carrying "error" and the exit code; no password is in either.  A passing run's
 * reports carry neither.
 */
#include <forkless/test.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

typedef struct reports {
    const char *dir;
    char junit_path[400], json_path[400];
    char junit_flag[420], json_flag[420], state_flag[420];
} reports;

static void reports_in(reports *rp, const char *dir)
{
    rp->dir = dir;
    snprintf(rp->junit_path, sizeof rp->junit_path, "%s/report.xml", dir);
    snprintf(rp->json_path, sizeof rp->json_path, "%s/events.jsonl", dir);
    snprintf(rp->junit_flag, sizeof rp->junit_flag, "--junit=%s", rp->junit_path);
    snprintf(rp->json_flag, sizeof rp->json_flag, "--json=%s", rp->json_path);
    snprintf(rp->state_flag, sizeof rp->state_flag, "--state-dir=%s/state", dir);
}

/* Runs `forkless run --progress=never --state-dir=.. --junit=.. --json=.. ARGS...`; with
 * signal_when, SIGINT goes to forkless once that file exists. */
static void run_forkless(cmd_result *r, const reports *rp, char *const *args, char *const *env,
                         const char *signal_when)
{
    char *argv[64];
    size_t n = 0;
    argv[n++] = (char *)forkless_bin();
    argv[n++] = "run";
    argv[n++] = "--progress=never";
    argv[n++] = (char *)rp->state_flag;
    argv[n++] = (char *)rp->junit_flag;
    argv[n++] = (char *)rp->json_flag;
    for (size_t i = 0; args[i] && n < 63; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    if (signal_when)
        run_cmd_signal_when(r, argv, env, signal_when, SIGINT);
    else
        run_cmd(r, argv, env, 0);
}

/* The file's whole text (malloc'd); fails the test when it does not exist. */
static char *file_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        FL_FAIL("%s was not written", path);
    size_t cap = 4096, n = 0, got;
    char *data = malloc(cap);
    while (data && (got = fread(data + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (n + 1 == cap)
            data = realloc(data, cap *= 2);
    }
    fclose(f);
    FL_ASSERT_NOT_NULL(data);
    data[n] = 0;
    return data;
}

/* Every line of a JSON Lines file, parsed, as an array. */
static json_t *json_lines(const char *path)
{
    char *text = file_text(path);
    json_t *events = json_array();
    for (char *line = text, *nl; *line; line = nl + 1) {
        nl = strchr(line, '\n');
        if (!nl)
            FL_FAIL("%s: the last line is not ended:\n%s", path, line);
        *nl = 0;
        json_error_t jerr;
        json_t *obj = json_loads(line, 0, &jerr);
        if (!json_is_object(obj))
            FL_FAIL("%s: not a JSON object (%s): %s", path, jerr.text, line);
        json_array_append_new(events, obj);
    }
    free(text);
    return events;
}

static const char *str_of(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    if (!json_is_string(v))
        FL_FAIL("\"%s\" is not a string", key);
    return json_string_value(v);
}

static long long int_of(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    if (!json_is_integer(v))
        FL_FAIL("\"%s\" is not an integer", key);
    return json_integer_value(v);
}

/* The JUnit file read by a real parser (Python's xml.etree), its structure as JSON:
 * {"root", "tests", "errors", "suites": [{"name", "tests", "errors", "timestamp",
 * "cases": [{"classname", "name", "type", "message", "text"}]}]}. */
static json_t *junit_structure(const char *path)
{
    static const char script[] =
        "import json, sys, xml.etree.ElementTree as ET\n"
        "root = ET.parse(sys.argv[1]).getroot()\n"
        "def case(c):\n"
        "    e = c.find('error')\n"
        "    d = {'classname': c.get('classname'), 'name': c.get('name')}\n"
        "    if e is not None:\n"
        "        d.update(type=e.get('type'), message=e.get('message'), text=e.text or '')\n"
        "    return d\n"
        "suites = [{'name': s.get('name'), 'tests': s.get('tests'), 'errors': s.get('errors'),\n"
        "           'timestamp': s.get('timestamp'), 'cases': [case(c) for c in s.findall('testcase')]}\n"
        "          for s in root.findall('testsuite')]\n"
        "print(json.dumps({'root': root.tag, 'tests': root.get('tests'), 'errors': root.get('errors'),\n"
        "                  'suites': suites}))\n";
    char *argv[] = {(char *)python(), "-c", (char *)script, (char *)path, NULL};
    cmd_result r;
    run_cmd(&r, argv, NULL, 0);
    if (!r.exited || r.code != 0)
        FL_FAIL("%s does not parse as XML:\n%s", path, r.out);
    json_error_t jerr;
    json_t *s = json_loads(r.out, 0, &jerr);
    if (!json_is_object(s))
        FL_FAIL("cannot read the parser's answer (%s): %s", jerr.text, r.out);
    cmd_result_free(&r);
    return s;
}

static const char *first_line(const char *text)
{
    static char line[2048];
    snprintf(line, sizeof line, "%.*s", (int)strcspn(text, "\n"), text);
    return line;
}

typedef struct expectation {
    int exit_code;
    const char *error_part;  /* a piece of the error message */
    const char *type;        /* the <error> type: infrastructure, interrupted, usage */
    int listed;              /* the tests were listed before the error */
    int summary;             /* the console ends with the summary line (else with the error) */
    const char *secret;      /* must appear nowhere (NULL: nothing to look for) */
    int no_json;             /* the JSON report could not be created */
} expectation;

/* The console is as before: no summary line for a run that never listed its tests (the
 * error comes from `forkless: ...`), the summary as the last line otherwise. */
static void check_console(const cmd_result *r, const expectation *e, const char *error)
{
    expect_exit(r, e->exit_code);
    const char *last = output_last_line(r->out);
    if (e->summary) {
        FL_ASSERT(!strncmp(last, "forkless: ", 10) && strstr(last, " passed, ") && strstr(last, " skipped"));
    } else {
        FL_ASSERT(strstr(r->out, " passed, ") == NULL);
        char *said = malloc(strlen(error) + 16);
        sprintf(said, "forkless: %s", error); /* printed whole, by the command */
        FL_ASSERT_CONTAINS(r->out, said);
        free(said);
    }
    if (e->secret)
        FL_ASSERT(strstr(r->out, e->secret) == NULL);
}

/* The JSON file: run_start first (0 tests when none were listed), a run_end last with the
 * exit code and "error"; returns the error (static storage). */
static const char *check_json(const reports *rp, const expectation *e)
{
    static char error[4096];
    json_t *events = json_lines(rp->json_path);
    size_t n = json_array_size(events);
    FL_ASSERT_GE_INT(n, 2);
    json_t *start = json_array_get(events, 0), *end = json_array_get(events, n - 1);
    FL_ASSERT_EQ_STR(str_of(start, "event"), "run_start");
    if (!e->listed)
        FL_ASSERT_EQ_INT(int_of(start, "tests"), 0);
    for (size_t i = 1; i + 1 < n; i++)
        FL_ASSERT_NE_STR(str_of(json_array_get(events, i), "event"), "run_start");
    FL_ASSERT_EQ_STR(str_of(end, "event"), "run_end");
    FL_ASSERT_EQ_INT(int_of(end, "exit_code"), e->exit_code);
    FL_ASSERT(json_is_boolean(json_object_get(end, "interrupted")));
    FL_ASSERT_EQ_INT(json_is_true(json_object_get(end, "interrupted")), e->exit_code == 130);
    if (!e->listed)
        FL_ASSERT_EQ_INT(int_of(end, "total"), 0);
    snprintf(error, sizeof error, "%s", str_of(end, "error"));
    FL_ASSERT_CONTAINS(error, e->error_part);
    json_decref(events);
    if (e->secret) {
        char *text = file_text(rp->json_path);
        FL_ASSERT(strstr(text, e->secret) == NULL);
        free(text);
    }
    return error;
}

/* The JUnit file: the suites of the tests that ran (none before listing), then
 * <testsuite name="forkless"> with <testcase classname="forkless" name="run"> in error:
 * the first line of the error as its message, the whole error as its text. */
static void check_junit(const reports *rp, const expectation *e, const char *error)
{
    char *text = file_text(rp->junit_path);
    FL_ASSERT_CONTAINS(text, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"forkless\" ");
    FL_ASSERT_CONTAINS(text, "<testsuite name=\"forkless\" tests=\"1\" failures=\"0\" errors=\"1\" skipped=\"0\"");
    FL_ASSERT_CONTAINS(text, "<testcase classname=\"forkless\" name=\"run\"");
    if (e->secret)
        FL_ASSERT(strstr(text, e->secret) == NULL);
    free(text);

    json_t *s = junit_structure(rp->junit_path);
    FL_ASSERT_EQ_STR(str_of(s, "root"), "testsuites");
    json_t *suites = json_object_get(s, "suites");
    size_t n = json_array_size(suites);
    FL_ASSERT_GE_INT(n, 1);
    if (!e->listed) {
        FL_ASSERT_EQ_INT(n, 1);
        FL_ASSERT_EQ_STR(str_of(s, "tests"), "1");
        FL_ASSERT_EQ_STR(str_of(s, "errors"), "1");
    }
    json_t *suite = json_array_get(suites, n - 1);
    FL_ASSERT_EQ_STR(str_of(suite, "name"), "forkless");
    FL_ASSERT_EQ_STR(str_of(suite, "tests"), "1");
    FL_ASSERT_EQ_STR(str_of(suite, "errors"), "1");
    str_of(suite, "timestamp"); /* like the normal report's */
    json_t *cases = json_object_get(suite, "cases");
    FL_ASSERT_EQ_INT(json_array_size(cases), 1);
    json_t *c = json_array_get(cases, 0);
    FL_ASSERT_EQ_STR(str_of(c, "classname"), "forkless");
    FL_ASSERT_EQ_STR(str_of(c, "name"), "run");
    FL_ASSERT_EQ_STR(str_of(c, "type"), e->type);
    FL_ASSERT_EQ_STR(str_of(c, "message"), first_line(error));
    FL_ASSERT_EQ_STR(str_of(c, "text"), error);
    json_decref(s);
}

static void expect_reported(const cmd_result *r, const reports *rp, const expectation *e)
{
    if (e->no_json) {
        expect_exit(r, e->exit_code);
        FL_ASSERT_CONTAINS(r->out, e->error_part);
        char *text = file_text(rp->junit_path);
        const char *at = strstr(text, "<error message=\"");
        FL_ASSERT_NOT_NULL(at);
        at += strlen("<error message=\"");
        char error[2048];
        snprintf(error, sizeof error, "%.*s", (int)strcspn(at, "\""), at); /* plain text: nothing escaped */
        free(text);
        check_console(r, e, error);
        check_junit(rp, e, error);
        return;
    }
    const char *error = check_json(rp, e);
    check_console(r, e, error);
    check_junit(rp, e, error);
}

/* ---- the cases ------------------------------------------------------------------------- */

FL_TEST(early_failure, setup_command_that_fails)
{
    reports rp;
    reports_in(&rp, temp_dir());
    char db[500];
    snprintf(db, sizeof db, "--db=default=sqlite:%s/t.db", rp.dir);
    char *args[] = {db, "--setup", "sh -c \"exit 1\"", "--", (char *)fixture_bin(), "--forkless-worker", NULL};
    cmd_result r;
    run_forkless(&r, &rp, args, NULL, NULL);
    expectation e = {.exit_code = 3, .error_part = "failed (exit code 1)", .type = "infrastructure"};
    expect_reported(&r, &rp, &e);
    FL_ASSERT_CONTAINS(r.out, "setup command");
    cmd_result_free(&r);
}

FL_TEST(early_failure, worker_command_that_does_not_exist)
{
    reports rp;
    reports_in(&rp, temp_dir());
    char worker[500];
    snprintf(worker, sizeof worker, "%s/no-such-worker", rp.dir);
    char *args[] = {"-j", "2", "--", worker, NULL};
    cmd_result r;
    run_forkless(&r, &rp, args, NULL, NULL);
    expectation e = {.exit_code = 3, .error_part = "no-such-worker", .type = "infrastructure"};
    expect_reported(&r, &rp, &e);
    FL_ASSERT_CONTAINS(r.out, "cannot start");
    cmd_result_free(&r);
}

FL_TEST(early_failure, worker_that_exits_before_hello)
{
    reports rp;
    reports_in(&rp, temp_dir());
    char *args[] = {"-j", "1", "--", "/bin/sh", "-c", "exit 4", NULL};
    cmd_result r;
    run_forkless(&r, &rp, args, NULL, NULL);
    expectation e = {.exit_code = 3, .error_part = "the worker ended before listing its tests (exit code 4)",
                     .type = "infrastructure"};
    expect_reported(&r, &rp, &e);
    cmd_result_free(&r);
}

/* Says hello, reads the list command, names one test and dies. */
#define DIES_WHILE_LISTING                                                                                   \
    "w=${FORKLESS_CHANNEL##*:}; r=${FORKLESS_CHANNEL#fd:}; r=${r%%:*}; "                                     \
    "echo '{\"type\":\"hello\",\"protocol\":1}' >&\"$w\"; read cmd <&\"$r\"; "                               \
    "echo '{\"type\":\"test\",\"id\":\"a.b\",\"group\":\"a\"}' >&\"$w\"; echo 'dying while listing'; exit 5"

FL_TEST(early_failure, worker_that_dies_while_listing)
{
    reports rp;
    reports_in(&rp, temp_dir());
    char *args[] = {"-j", "1", "--", "/bin/sh", "-c", DIES_WHILE_LISTING, NULL};
    cmd_result r;
    run_forkless(&r, &rp, args, NULL, NULL);
    expectation e = {.exit_code = 3, .error_part = "the worker ended before listing its tests (exit code 5)",
                     .type = "infrastructure"};
    expect_reported(&r, &rp, &e);
    /* the worker's last words are part of the error, in both reports */
    FL_ASSERT_CONTAINS(check_json(&rp, &e), "dying while listing");
    cmd_result_free(&r);
}

FL_TEST(early_failure, ctrl_c_while_preparing_databases)
{
    reports rp;
    reports_in(&rp, temp_dir());
    char db[500], setup[900], when[500];
    snprintf(db, sizeof db, "--db=default=sqlite:%s/t.db", rp.dir);
    snprintf(when, sizeof when, "%s/setup-started", rp.dir);
    /* The setup command ignores SIGINT; forkless, interrupted alone, stops it (SIGTERM to
     * its process group) and stops. */
    snprintf(setup, sizeof setup,
             "sh -c 'trap \"\" INT; touch \"%s\"; sleep 2; touch \"$FORKLESS_DB_DEFAULT_NAME\"'", when);
    char *args[] = {db, "--setup", setup, "--", (char *)fixture_bin(), "--forkless-worker", NULL};
    cmd_result r;
    run_forkless(&r, &rp, args, NULL, when);
    expectation e = {.exit_code = 130, .error_part = "interrupted while preparing databases", .type = "interrupted"};
    expect_reported(&r, &rp, &e);
    cmd_result_free(&r);
}

/* Says hello, then never lists. */
#define HELLO_THEN_SILENCE                                                                                   \
    "w=${FORKLESS_CHANNEL##*:}; echo '{\"type\":\"hello\",\"protocol\":1}' >&\"$w\"; touch \"$HELLO_FILE\"; " \
    "sleep 30"

FL_TEST(early_failure, ctrl_c_while_listing_keeps_the_partial_summary)
{
    reports rp;
    reports_in(&rp, temp_dir());
    char when[500], env_when[520];
    snprintf(when, sizeof when, "%s/hello", rp.dir);
    snprintf(env_when, sizeof env_when, "HELLO_FILE=%s", when);
    char *env[] = {env_when, NULL};
    char *args[] = {"-j", "1", "--", "/bin/sh", "-c", HELLO_THEN_SILENCE, NULL};
    cmd_result r;
    run_forkless(&r, &rp, args, env, when);
    /* As before: exit 130 and the (empty) summary as the last line of the console. */
    expectation e = {.exit_code = 130, .error_part = "interrupted before the tests were listed",
                     .type = "interrupted", .summary = 1};
    expect_reported(&r, &rp, &e);
    FL_ASSERT_EQ_STR(output_last_line(r.out), "forkless: 0 passed, 0 failed, 0 skipped");
    cmd_result_free(&r);
}

FL_TEST(early_failure, json_report_that_cannot_be_created_is_named_in_the_junit_one)
{
    reports rp;
    reports_in(&rp, temp_dir());
    snprintf(rp.json_flag, sizeof rp.json_flag, "--json=%s/missing-dir/events.jsonl", rp.dir);
    char *args[] = {"--", (char *)fixture_bin(), "--forkless-worker", NULL};
    cmd_result r;
    run_forkless(&r, &rp, args, NULL, NULL);
    expectation e = {.exit_code = 3, .error_part = "cannot create it", .type = "infrastructure", .no_json = 1};
    expect_reported(&r, &rp, &e);
    FL_ASSERT_CONTAINS(r.out, "JSON report");
    cmd_result_free(&r);
}

FL_TEST(early_failure, wrong_postgresql_password)
{
    const char *admin = getenv("FORKLESS_TEST_PG_URL");
    if (!admin || !*admin) {
        if (getenv("FORKLESS_REQUIRE_SERVERS") && !strcmp(getenv("FORKLESS_REQUIRE_SERVERS"), "1"))
            FL_FAIL("FORKLESS_TEST_PG_URL is not set but FORKLESS_REQUIRE_SERVERS=1");
        FL_SKIP("NO SERVER: set FORKLESS_TEST_PG_URL (tests/servers/start-postgres.sh starts one)");
    }
    /* The password user on the same server, with a wrong password. */
    const char *at = strrchr(admin, '@');
    const char *host = at ? at + 1 : strstr(admin, "://") + 3;
    int host_len = (int)strcspn(host, "/?");
    reports rp;
    reports_in(&rp, temp_dir());
    char db[700];
    snprintf(db, sizeof db, "--db=default=postgresql://fl_pw_user:Wr0ng-early-pw@%.*s/fl_early_%ld", host_len,
             host, (long)getpid());
    char *args[] = {"-j", "2", db, "--", (char *)fixture_bin(), "--forkless-worker", NULL};
    cmd_result r;
    run_forkless(&r, &rp, args, NULL, NULL);
    expectation e = {.exit_code = 3, .error_part = "fl_pw_user", .type = "infrastructure",
                     .secret = "Wr0ng-early-pw"};
    expect_reported(&r, &rp, &e);
    FL_ASSERT_CONTAINS(check_json(&rp, &e), "fl_pw_user:***@"); /* the URL, redacted */
    cmd_result_free(&r);
}

/* ---- after the tests were listed -------------------------------------------------------- */

FL_TEST(early_failure, error_after_listing_is_in_both_reports_and_the_summary_stays)
{
    reports rp;
    reports_in(&rp, temp_dir());
    char *args[] = {"-j", "2", "--", (char *)python(), (char *)source_path("tests/workers/pyworker.py"), NULL};
    char *env[] = {"PYWORKER_MODE=die-on-run", NULL};
    cmd_result r;
    run_forkless(&r, &rp, args, env, NULL);
    expectation e = {.exit_code = 3, .error_part = "workers in a row ended without finishing a test",
                     .type = "infrastructure", .listed = 1, .summary = 1};
    expect_reported(&r, &rp, &e);
    FL_ASSERT_EQ_STR(output_last_line(r.out), "forkless: 0 passed, 0 failed, 0 skipped");
    FL_ASSERT_CONTAINS(r.out, "forkless: error: "); /* printed before the summary, as before */
    cmd_result_free(&r);
}

FL_TEST(early_failure, a_passing_run_reports_no_error)
{
    reports rp;
    reports_in(&rp, temp_dir());
    char *args[] = {"-j", "1", "-k", "basic.passes", "--", (char *)fixture_bin(), "--forkless-worker", NULL};
    cmd_result r;
    run_forkless(&r, &rp, args, NULL, NULL);
    expect_exit(&r, 0);
    FL_ASSERT_EQ_STR(output_last_line(r.out), "forkless: 1 passed, 0 failed, 0 skipped");
    cmd_result_free(&r);
    char *xml = file_text(rp.junit_path);
    FL_ASSERT_CONTAINS(xml, "<testsuites name=\"forkless\" tests=\"1\" failures=\"0\" errors=\"0\" skipped=\"0\"");
    FL_ASSERT_CONTAINS(xml, "<testcase classname=\"basic\" name=\"passes\"");
    FL_ASSERT(strstr(xml, "name=\"forkless\" tests=\"1\" failures=\"0\" errors=\"1\"") == NULL);
    FL_ASSERT(strstr(xml, "<error") == NULL);
    free(xml);
    json_t *events = json_lines(rp.json_path);
    json_t *end = json_array_get(events, json_array_size(events) - 1);
    FL_ASSERT_EQ_STR(str_of(end, "event"), "run_end");
    FL_ASSERT_EQ_INT(int_of(end, "exit_code"), 0);
    FL_ASSERT_NULL(json_object_get(end, "error"));
    json_decref(events);
}
