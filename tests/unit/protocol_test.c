/*
 * protocol_test.c — protocol v1 parsing and encoding, including malformed input.
 */
#include <forkless/test.h>
#include <jansson.h>
#include <string.h>

#include "core/protocol.h"

static int parse(const char *line, fl_event *ev, fl_error *err)
{
    return fl_event_parse(line, strlen(line), ev, err);
}

FL_TEST(protocol, parses_hello_and_ignores_unknown_fields)
{
    fl_event ev;
    fl_error err = {0};
    FL_ASSERT_EQ_INT(parse("{\"type\":\"hello\",\"protocol\":1,\"worker\":\"w 1\",\"future\":[1,2]}", &ev, &err), FL_OK);
    FL_ASSERT_EQ_INT(ev.type, FL_EV_HELLO);
    FL_ASSERT_EQ_INT(ev.protocol, 1);
    FL_ASSERT_EQ_STR(ev.worker, "w 1");
    fl_event_free(&ev);
}

FL_TEST(protocol, parses_a_full_result)
{
    fl_event ev;
    fl_error err = {0};
    FL_ASSERT_EQ_INT(parse("{\"type\":\"result\",\"id\":\"g.t\",\"status\":\"xfail\",\"duration\":0.25,"
                           "\"message\":\"m\",\"details\":\"tb\\nline\",\"output\":\"o\"}", &ev, &err), FL_OK);
    FL_ASSERT_EQ_INT(ev.status, FL_STATUS_XFAIL);
    FL_ASSERT_EQ_DBL(ev.duration, 0.25, 1e-9);
    FL_ASSERT_EQ_STR(ev.details, "tb\nline");
    FL_ASSERT_EQ_STR(ev.output, "o");
    fl_event_free(&ev);
}

/* The lines our workers send for every test are read without jansson; these check that
 * the short path gives exactly what jansson gives, and leaves everything else to it. */
FL_TEST(protocol, common_start_and_result_lines_read_like_any_other)
{
    static const struct {
        const char *line, *id;
        fl_event_type type;
        fl_status status;
        double duration;
    } cases[] = {
        {"{\"type\":\"start\",\"id\":\"bank.transfer\"}", "bank.transfer", FL_EV_START, FL_STATUS_NONE, 0},
        {"{\"type\":\"result\",\"id\":\"a.b\",\"status\":\"pass\",\"duration\":0.000123}", "a.b", FL_EV_RESULT,
         FL_STATUS_PASS, 0.000123},
        {"{\"type\":\"result\",\"id\":\"a.b\",\"status\":\"xpass\",\"duration\":2e-3}", "a.b", FL_EV_RESULT,
         FL_STATUS_XPASS, 0.002},
        {"{\"type\":\"result\",\"id\":\"a.b\",\"status\":\"skip\",\"duration\":-1}", "a.b", FL_EV_RESULT,
         FL_STATUS_SKIP, 0},
        /* through jansson: escapes, other order, spaces, more fields, non-ASCII */
        {"{\"type\":\"start\",\"id\":\"q\\\"uote\\\\d\"}", "q\"uote\\d", FL_EV_START, FL_STATUS_NONE, 0},
        {"{\"id\":\"a.b\",\"type\":\"start\"}", "a.b", FL_EV_START, FL_STATUS_NONE, 0},
        {"{\"type\": \"start\", \"id\": \"a.b\"}", "a.b", FL_EV_START, FL_STATUS_NONE, 0},
        {"{\"type\":\"result\",\"id\":\"a.b\",\"status\":\"fail\",\"duration\":1.5,\"message\":\"m\"}", "a.b",
         FL_EV_RESULT, FL_STATUS_FAIL, 1.5},
        {"{\"type\":\"start\",\"id\":\"caf\u00e9.t\"}", "caf\xc3\xa9.t", FL_EV_START, FL_STATUS_NONE, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        fl_event ev;
        fl_error err = {0};
        FL_ASSERT_EQ_INT(parse(cases[i].line, &ev, &err), FL_OK);
        FL_ASSERT_EQ_INT(ev.type, cases[i].type);
        FL_ASSERT_EQ_STR(ev.id, cases[i].id);
        if (cases[i].type == FL_EV_RESULT) {
            FL_ASSERT_EQ_INT(ev.status, cases[i].status);
            FL_ASSERT_EQ_DBL(ev.duration, cases[i].duration, 1e-12);
        }
        fl_event_free(&ev);
    }
    /* what the short path must not accept: the errors are jansson's path's */
    static const struct {
        const char *line, *reason;
    } bad[] = {
        {"{\"type\":\"result\",\"id\":\"a\",\"status\":\"timeout\",\"duration\":1}", "unknown status"},
        {"{\"type\":\"result\",\"id\":\"a\",\"status\":\"pass\",\"duration\":inf}", "not JSON"},
        {"{\"type\":\"start\",\"id\":\"a\"}garbage", "not JSON"},
        {"{\"type\":\"start\",\"id\":\"\"}", "must not be empty"},
        {"{\"type\":\"result\",\"id\":\"a\",\"status\":\"pass\",\"duration\":1.}", "not JSON"},
        {"{\"type\":\"result\",\"id\":\"a\",\"status\":\"pass\",\"duration\":.5}", "not JSON"},
        {"{\"type\":\"result\",\"id\":\"a\",\"status\":\"pass\",\"duration\":01}", "not JSON"},
        {"{\"type\":\"result\",\"id\":\"a\",\"status\":\"pass\",\"duration\":+1}", "not JSON"},
        {"{\"type\":\"result\",\"id\":\"a\",\"status\":\"pass\",\"duration\":1e400}", "not JSON"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        fl_event ev;
        fl_error err = {0};
        FL_ASSERT_EQ_INT(parse(bad[i].line, &ev, &err), FL_ERR_PROTOCOL);
        FL_ASSERT_CONTAINS(err.msg, bad[i].reason);
        fl_event_free(&ev);
    }
}

FL_TEST(protocol, a_test_without_group_is_its_own_group)
{
    fl_event ev;
    fl_error err = {0};
    FL_ASSERT_EQ_INT(parse("{\"type\":\"test\",\"id\":\"solo\"}", &ev, &err), FL_OK);
    FL_ASSERT_EQ_STR(ev.group, "solo");
    FL_ASSERT_NULL(ev.file);
    fl_event_free(&ev);
}

FL_TEST(protocol, rejects_malformed_messages_with_a_reason)
{
    static const struct {
        const char *line, *reason;
    } cases[] = {
        {"not json", "not JSON"},
        {"[1,2]", "must be a JSON object"},
        {"{\"type\":\"bogus\"}", "unknown message type \"bogus\""},
        {"{\"protocol\":1}", "missing \"type\""},
        {"{\"type\":\"hello\"}", "missing \"protocol\""},
        {"{\"type\":\"hello\",\"protocol\":\"1\"}", "\"protocol\" must be an integer"},
        {"{\"type\":\"result\",\"id\":\"a\",\"status\":\"great\"}", "unknown status \"great\""},
        {"{\"type\":\"result\",\"id\":\"a\",\"status\":\"crash\"}", "unknown status \"crash\""},
        {"{\"type\":\"result\",\"id\":\"a\",\"status\":\"pass\",\"duration\":\"fast\"}", "\"duration\" must be"},
        {"{\"type\":\"start\",\"id\":\"\"}", "\"id\" must not be empty"},
        {"{\"type\":\"test\",\"id\":7}", "\"id\" must be a string"},
        {"{\"type\":\"hello\",\"protocol\":1,\"protocol\":2}", "not JSON"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        fl_event ev;
        fl_error err = {0};
        FL_ASSERT_EQ_INT(parse(cases[i].line, &ev, &err), FL_ERR_PROTOCOL);
        FL_ASSERT_CONTAINS(err.msg, cases[i].reason);
        fl_event_free(&ev);
    }
}

FL_TEST(protocol, splits_lines_across_reads)
{
    fl_lines l = {0};
    char *line;
    size_t len;
    fl_lines_feed(&l, "{\"a\":1}\n{\"b\"", 12);
    FL_ASSERT_EQ_INT(fl_lines_next(&l, &line, &len), 1);
    FL_ASSERT_EQ_STR(line, "{\"a\":1}");
    FL_ASSERT_EQ_INT(fl_lines_next(&l, &line, &len), 0);
    fl_lines_feed(&l, ":2}\r\n", 5);
    FL_ASSERT_EQ_INT(fl_lines_next(&l, &line, &len), 1);
    FL_ASSERT_EQ_STR(line, "{\"b\":2}");
    FL_ASSERT_EQ_INT(len, 7);
    fl_lines_free(&l);
}

FL_TEST(protocol, oversized_line_is_an_error)
{
    fl_lines l = {0};
    char *chunk = malloc(65536);
    memset(chunk, 'x', 65536);
    for (int i = 0; i < 17; i++)
        fl_lines_feed(&l, chunk, 65536);
    free(chunk);
    char *line;
    size_t len;
    FL_ASSERT_EQ_INT(fl_lines_next(&l, &line, &len), FL_ERR_PROTOCOL);
    fl_lines_free(&l);
}

FL_TEST(protocol, run_command_is_valid_json_with_escapes)
{
    fl_bytes b = {0};
    fl_cmd_run_begin(&b, 7);
    fl_cmd_run_add(&b, "a\"b", 1);
    fl_cmd_run_add(&b, "tab\there\x01", 0);
    fl_cmd_run_add(&b, "ünïcode", 0);
    fl_cmd_run_end(&b);
    FL_ASSERT_EQ_INT(b.data[b.len - 1], '\n');
    json_t *v = json_loadb(b.data, b.len, 0, NULL);
    FL_ASSERT_NOT_NULL(v);
    FL_ASSERT_EQ_STR(json_string_value(json_object_get(v, "type")), "run");
    FL_ASSERT_EQ_INT(json_integer_value(json_object_get(v, "batch")), 7);
    json_t *tests = json_object_get(v, "tests");
    FL_ASSERT_EQ_INT(json_array_size(tests), 3);
    FL_ASSERT_EQ_STR(json_string_value(json_array_get(tests, 0)), "a\"b");
    FL_ASSERT_EQ_STR(json_string_value(json_array_get(tests, 1)), "tab\there\x01");
    FL_ASSERT_EQ_STR(json_string_value(json_array_get(tests, 2)), "ünïcode");
    json_decref(v);
    fl_bytes_free(&b);
}

FL_TEST(protocol, excerpt_is_truncated_and_printable)
{
    char out[64];
    fl_quote_excerpt(out, sizeof out, "ab\x1b[31mcd", 9, 200);
    FL_ASSERT_EQ_STR(out, "ab?[31mcd");
    char long_text[300];
    memset(long_text, 'z', sizeof long_text);
    char big[256];
    fl_quote_excerpt(big, sizeof big, long_text, sizeof long_text, 200);
    FL_ASSERT_EQ_INT(strlen(big), 203);
    FL_ASSERT_CONTAINS(big, "zzz...");
}
