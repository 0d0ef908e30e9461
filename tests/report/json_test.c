/*
 * json_test.c — the JSON Lines reporter, driven with synthetic events: every line parses
 * with jansson and carries the documented fields, unknown fields are left out rather than
 * null, invalid UTF-8 becomes U+FFFD, lines are on disk as soon as the event happened, and
 * a missing directory fails at creation.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "forkless/test.h"
#include "report/report.h"
#include "report_test_util.h"

static fl_reporter *new_json(const char *path)
{
    fl_reporter *r;
    fl_error err;
    if (fl_json_reporter_new(path, &r, &err) != FL_OK)
        FL_FAIL("%s", err.msg);
    return r;
}

/* Parses every line of the file; returns a JSON array of the objects. */
static json_t *read_events(const char *path)
{
    char *text = read_path(path, NULL);
    json_t *events = json_array();
    char *line = text;
    while (*line) {
        char *nl = strchr(line, '\n');
        FL_ASSERT_NOT_NULL(nl); /* every event ends its line */
        *nl = 0;
        json_error_t jerr;
        json_t *obj = json_loads(line, 0, &jerr);
        if (!obj || !json_is_object(obj))
            FL_FAIL("line %zu is not a JSON object: %s: %s", json_array_size(events) + 1,
                    jerr.text, line);
        json_array_append_new(events, obj);
        line = nl + 1;
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

/* The n-th object whose "event" is name (n from 0). */
static json_t *nth_event(json_t *events, const char *name, size_t n)
{
    size_t i;
    json_t *obj;
    json_array_foreach(events, i, obj) {
        if (strcmp(str_of(obj, "event"), name) == 0 && n-- == 0)
            return obj;
    }
    FL_FAIL("no event %s number %zu", name, n);
}

FL_TEST(report_json, every_line_parses_with_the_documented_fields)
{
    const char *p = scratch_path("sample.jsonl");
    char path[1024];
    snprintf(path, sizeof path, "%s", p);
    fl_reporter *r = new_json(path);
    sample_run(r);
    r->destroy(r);
    json_t *events = read_events(path);
    /* run_start, 2 worker events, 6 x (test_start, test), run_end */
    FL_ASSERT_EQ_INT(json_array_size(events), 1 + 2 + 12 + 1);

    json_t *start = json_array_get(events, 0);
    FL_ASSERT_EQ_STR(str_of(start, "event"), "run_start");
    FL_ASSERT_EQ_STR(str_of(start, "run_id"), "run-1");
    FL_ASSERT_EQ_STR(str_of(start, "command"), "./tests --forkless-worker");
    FL_ASSERT_EQ_INT(int_of(start, "workers"), 2);
    FL_ASSERT_EQ_INT(int_of(start, "tests"), 6);
    FL_ASSERT_EQ_INT(int_of(start, "groups"), 2);
    FL_ASSERT_EQ_DBL(json_real_value(json_object_get(start, "time")), 1700000000.0, 1e-6);

    json_t *ts = nth_event(events, "test_start", 1);
    FL_ASSERT_EQ_STR(str_of(ts, "id"), "alpha.two");
    FL_ASSERT_EQ_INT(int_of(ts, "slot"), 1);

    json_t *pass = nth_event(events, "test", 0);
    FL_ASSERT_EQ_STR(str_of(pass, "id"), "alpha.one");
    FL_ASSERT_EQ_STR(str_of(pass, "group"), "alpha");
    FL_ASSERT_EQ_STR(str_of(pass, "status"), "pass");
    FL_ASSERT_EQ_STR(str_of(pass, "file"), "t_alpha.c");
    FL_ASSERT_EQ_INT(int_of(pass, "line"), 7);
    FL_ASSERT_EQ_DBL(json_real_value(json_object_get(pass, "duration")), 0.012, 1e-9);
    FL_ASSERT_EQ_INT(int_of(pass, "pid"), 4242);
    /* unknown fields are left out, not null */
    FL_ASSERT_NULL(json_object_get(pass, "message"));
    FL_ASSERT_NULL(json_object_get(pass, "details"));
    FL_ASSERT_NULL(json_object_get(pass, "output"));

    json_t *fail = nth_event(events, "test", 1);
    FL_ASSERT_EQ_STR(str_of(fail, "status"), "fail");
    FL_ASSERT_EQ_STR(str_of(fail, "message"), SAMPLE_FAIL_MESSAGE);
    FL_ASSERT_EQ_STR(str_of(fail, "details"), SAMPLE_FAIL_DETAILS);
    FL_ASSERT_EQ_STR(str_of(fail, "output"), SAMPLE_FAIL_OUTPUT);
    FL_ASSERT_EQ_STR(str_of(nth_event(events, "test", 3), "status"), "crash");

    json_t *w0 = nth_event(events, "worker", 0);
    FL_ASSERT_EQ_STR(str_of(w0, "kind"), "started");
    FL_ASSERT_EQ_INT(int_of(w0, "slot"), 1);
    FL_ASSERT_EQ_INT(int_of(w0, "pid"), 4242);
    FL_ASSERT_NULL(json_object_get(w0, "message"));
    json_t *w1 = nth_event(events, "worker", 1);
    FL_ASSERT_EQ_STR(str_of(w1, "kind"), "exited");
    FL_ASSERT_EQ_STR(str_of(w1, "message"), "signal 11 (SIGSEGV, segmentation fault)");

    json_t *end = json_array_get(events, json_array_size(events) - 1);
    FL_ASSERT_EQ_STR(str_of(end, "event"), "run_end");
    FL_ASSERT_EQ_INT(int_of(end, "passed"), 3);
    FL_ASSERT_EQ_INT(int_of(end, "failed"), 2);
    FL_ASSERT_EQ_INT(int_of(end, "skipped"), 1);
    FL_ASSERT_EQ_INT(int_of(end, "not_run"), 0);
    FL_ASSERT_EQ_INT(int_of(end, "exit_code"), FL_EXIT_FAILED);
    FL_ASSERT(json_is_false(json_object_get(end, "interrupted")));
    FL_ASSERT_EQ_DBL(json_real_value(json_object_get(end, "wall")), 1.5, 1e-9);
    json_t *counts = json_object_get(end, "counts");
    FL_ASSERT_EQ_INT(int_of(counts, "pass"), 3);
    FL_ASSERT_EQ_INT(int_of(counts, "fail"), 1);
    FL_ASSERT_EQ_INT(int_of(counts, "crash"), 1);
    FL_ASSERT_EQ_INT(int_of(counts, "skip"), 1);
    FL_ASSERT_EQ_INT(int_of(counts, "xpass"), 0);
    FL_ASSERT_EQ_INT(json_object_size(counts), FL_STATUS_COUNT - 1);
    json_decref(events);
}

FL_TEST(report_json, lines_are_on_disk_as_soon_as_the_event_happened)
{
    const char *p = scratch_path("live.jsonl");
    char path[1024];
    snprintf(path, sizeof path, "%s", p);
    fl_reporter *r = new_json(path);
    fl_run_info info = {"run-l", "./tests", 1, 2, 1, 0, 0};
    r->run_start(r, &info);
    r->test_start(r, "alpha.one", 1);
    fl_test_event ev = sample_event("alpha.one", "alpha", FL_STATUS_PASS);
    r->test_done(r, &ev);
    /* read through another descriptor while the reporter still holds the file open */
    json_t *events = read_events(path);
    FL_ASSERT_EQ_INT(json_array_size(events), 3);
    FL_ASSERT_EQ_STR(str_of(json_array_get(events, 2), "event"), "test");
    json_decref(events);
    r->destroy(r);
}

FL_TEST(report_json, text_from_tests_becomes_valid_json)
{
    const char *p = scratch_path("text.jsonl");
    char path[1024];
    snprintf(path, sizeof path, "%s", p);
    fl_reporter *r = new_json(path);
    fl_test_event ev = sample_event("alpha.odd", "alpha", FL_STATUS_ERROR);
    ev.message = "bad \xff byte, quote \" backslash \\ tab \t ctl \x01";
    ev.output = "\x1b[31mred\x1b[0m\r\n";
    r->test_done(r, &ev);
    fl_worker_event notice = {FL_RUN_NOTICE, 0, 0, "template cached"};
    r->worker_event(r, &notice);
    fl_worker_event started = {FL_WORKER_STARTED, 3, 77, ""};
    r->worker_event(r, &started);
    r->destroy(r);
    json_t *events = read_events(path);
    FL_ASSERT_EQ_INT(json_array_size(events), 3);
    FL_ASSERT_NULL(json_object_get(json_array_get(events, 2), "message")); /* "" is left out */
    json_t *t = json_array_get(events, 0);
    FL_ASSERT_EQ_STR(str_of(t, "message"), "bad \xEF\xBF\xBD byte, quote \" backslash \\ tab \t ctl \x01");
    FL_ASSERT_EQ_STR(str_of(t, "output"), "\x1b[31mred\x1b[0m\r\n"); /* kept as it was */
    json_t *n = json_array_get(events, 1);
    FL_ASSERT_EQ_STR(str_of(n, "kind"), "notice");
    FL_ASSERT_EQ_INT(int_of(n, "slot"), 0);
    FL_ASSERT_NULL(json_object_get(n, "pid"));
    json_decref(events);
}

FL_TEST(report_json, run_start_is_always_the_first_line)
{
    const char *p = scratch_path("order.jsonl");
    char path[1024];
    snprintf(path, sizeof path, "%s", p);
    fl_reporter *r = new_json(path);
    /* workers start (and one dies) while the coordinator is still listing the tests */
    fl_worker_event started = {FL_WORKER_STARTED, 1, 501, NULL};
    r->worker_event(r, &started);
    fl_worker_event died = {FL_WORKER_EXITED, 2, 502, "exit code 3"};
    r->worker_event(r, &died);
    fl_run_info info = {"run-o", "./tests", 2, 0, 0, 0, 0};
    r->run_start(r, &info);
    fl_summary s = {0};
    r->run_end(r, &s);
    r->destroy(r);
    json_t *events = read_events(path);
    FL_ASSERT_EQ_INT(json_array_size(events), 4);
    FL_ASSERT_EQ_STR(str_of(json_array_get(events, 0), "event"), "run_start");
    FL_ASSERT_EQ_INT(int_of(json_array_get(events, 1), "pid"), 501);
    FL_ASSERT_EQ_STR(str_of(json_array_get(events, 2), "message"), "exit code 3");
    FL_ASSERT_EQ_STR(str_of(json_array_get(events, 3), "event"), "run_end");
    json_decref(events);
}

FL_TEST(report_json, a_missing_directory_fails_at_creation_naming_the_path)
{
    const char *path = "/nonexistent-forkless-dir/report.jsonl";
    fl_reporter *r = NULL;
    fl_error err = {0};
    FL_ASSERT_EQ_INT(fl_json_reporter_new(path, &r, &err), FL_ERR_IO);
    FL_ASSERT_CONTAINS(err.msg, path);
    FL_ASSERT_NULL(r);
}

/* ---- a run that stopped on an error (run_failed) ------------------------------------------ */

FL_TEST(report_json, an_error_before_any_test_still_reads_run_start_to_run_end)
{
    const char *p = scratch_path("early.jsonl");
    char path[1024];
    snprintf(path, sizeof path, "%s", p);
    fl_reporter *r = new_json(path);
    fl_worker_event started = {FL_WORKER_STARTED, 1, 501, NULL};
    r->worker_event(r, &started);
    fl_worker_event died = {FL_WORKER_EXITED, 1, 501, "exit code 4 (no test was running)"};
    r->worker_event(r, &died);
    fl_run_info info = {"run-f", "./tests --forkless-worker", 2, 0, 0, 1700000000.0, 0};
    fl_summary s = {.wall_seconds = 0.5, .exit_code = FL_EXIT_INFRA};
    FL_ASSERT_NOT_NULL(r->run_failed);
    r->run_failed(r, &info, &s, "slot 1: the worker ended before listing its tests (exit code 4); its output:\nbye\n");
    json_t *events = read_events(path); /* on disk before destroy */
    r->destroy(r);
    FL_ASSERT_EQ_INT(json_array_size(events), 4);
    json_t *start = json_array_get(events, 0);
    FL_ASSERT_EQ_STR(str_of(start, "event"), "run_start");
    FL_ASSERT_EQ_STR(str_of(start, "run_id"), "run-f");
    FL_ASSERT_EQ_STR(str_of(start, "command"), "./tests --forkless-worker");
    FL_ASSERT_EQ_INT(int_of(start, "workers"), 2);
    FL_ASSERT_EQ_INT(int_of(start, "tests"), 0);
    FL_ASSERT_EQ_INT(int_of(start, "groups"), 0);
    FL_ASSERT_EQ_DBL(json_real_value(json_object_get(start, "time")), 1700000000.0, 1e-6);
    FL_ASSERT_EQ_STR(str_of(json_array_get(events, 1), "kind"), "started");
    FL_ASSERT_EQ_STR(str_of(json_array_get(events, 2), "kind"), "exited");
    json_t *end = json_array_get(events, 3);
    FL_ASSERT_EQ_STR(str_of(end, "event"), "run_end");
    FL_ASSERT_EQ_INT(int_of(end, "total"), 0);
    FL_ASSERT_EQ_INT(int_of(end, "exit_code"), FL_EXIT_INFRA);
    FL_ASSERT(json_is_false(json_object_get(end, "interrupted")));
    FL_ASSERT_EQ_STR(str_of(end, "error"),
                     "slot 1: the worker ended before listing its tests (exit code 4); its output:\nbye\n");
    /* "error" comes last, after the fields every run_end has */
    const char *last_key = NULL;
    const char *key;
    json_t *v;
    json_object_foreach(end, key, v) {
        last_key = key;
    }
    FL_ASSERT_EQ_STR(last_key, "error");
    json_decref(events);
}

FL_TEST(report_json, an_error_after_run_start_writes_no_second_run_start)
{
    const char *p = scratch_path("late.jsonl");
    char path[1024];
    snprintf(path, sizeof path, "%s", p);
    fl_reporter *r = new_json(path);
    fl_run_info info = {"run-g", "./tests", 2, 9, 3, 0, 0};
    r->run_start(r, &info);
    fl_summary s = {.total = 9, .not_run = 9, .exit_code = FL_EXIT_INFRA};
    r->run_failed(r, &info, &s, "slot 2: 3 workers in a row ended without finishing a test");
    r->destroy(r);
    json_t *events = read_events(path);
    FL_ASSERT_EQ_INT(json_array_size(events), 2);
    FL_ASSERT_EQ_INT(int_of(json_array_get(events, 0), "tests"), 9);
    json_t *end = json_array_get(events, 1);
    FL_ASSERT_EQ_INT(int_of(end, "not_run"), 9);
    FL_ASSERT_EQ_STR(str_of(end, "error"), "slot 2: 3 workers in a row ended without finishing a test");
    json_decref(events);
}

FL_TEST(report_json, a_normal_run_end_has_no_error_field)
{
    const char *p = scratch_path("noerror.jsonl");
    char path[1024];
    snprintf(path, sizeof path, "%s", p);
    fl_reporter *r = new_json(path);
    sample_run(r);
    r->destroy(r);
    json_t *events = read_events(path);
    json_t *end = json_array_get(events, json_array_size(events) - 1);
    FL_ASSERT_EQ_STR(str_of(end, "event"), "run_end");
    FL_ASSERT_NULL(json_object_get(end, "error"));
    json_decref(events);
}
