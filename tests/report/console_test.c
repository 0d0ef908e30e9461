/*
 * console_test.c — the console reporter, driven with synthetic events into a tmpfile:
 * plain mode writes no control code at all, failures are printed with message, details
 * and output (once in full, then one line in the final list), the last line is the one CI
 * parses, the live status line fits the width, colour follows NO_COLOR/CLICOLOR_FORCE,
 * long output is cut to its tail with a note.
 */
#include <stdlib.h>
#include <string.h>

#include "forkless/test.h"
#include "report/report.h"
#include "report_test_util.h"

/* Runs the sample run through a console reporter with these options; returns the text. */
static char *console_sample(int color, int progress, int verbose)
{
    FILE *f = tmpfile();
    FL_ASSERT_NOT_NULL(f);
    fl_console_options o = {.out = f, .color = color, .progress = progress, .verbose = verbose};
    fl_reporter *r;
    fl_error err;
    FL_ASSERT_EQ_INT(fl_console_reporter_new(&o, &r, &err), FL_OK);
    sample_run(r);
    r->destroy(r);
    char *text = read_stream(f, NULL);
    fclose(f);
    return text;
}

FL_TEST(report_console, plain_mode_writes_no_control_codes)
{
    char *text = console_sample(0, 0, 0);
    FL_ASSERT_NULL(strchr(text, '\x1b'));
    FL_ASSERT_NULL(strchr(text, '\r'));
    FL_ASSERT_EQ_STR(last_line(text), SAMPLE_LAST_LINE);
    free(text);
}

FL_TEST(report_console, failure_block_has_message_details_and_output)
{
    char *text = console_sample(0, 0, 0);
    FL_ASSERT_CONTAINS(text, "FAIL    [   0.012s] alpha.two (t_alpha.c:7, slot 1, pid 4242)\n");
    FL_ASSERT_CONTAINS(text, "    " SAMPLE_FAIL_MESSAGE "\n");
    FL_ASSERT_CONTAINS(text, "    Traceback: frame one\n      frame two\n");
    FL_ASSERT_CONTAINS(text, "    ---- output ----\n    opening the ledger\n    balance is 2\n"
                             "    ---- end of output ----\n");
    FL_ASSERT_CONTAINS(text, "CRASH   [   0.012s] beta.two");
    FL_ASSERT_CONTAINS(text, "    " SAMPLE_CRASH_MESSAGE "\n");
    FL_ASSERT_CONTAINS(text, "    about to dereference\n");
    free(text);
}

FL_TEST(report_console, summary_lists_failures_once_in_full_then_one_line_each)
{
    char *text = console_sample(0, 0, 0);
    /* the output is printed once, when the test fails; the final list has one line each */
    FL_ASSERT_EQ_INT(count_occurrences(text, "balance is 2"), 1);
    FL_ASSERT_EQ_INT(count_occurrences(text, SAMPLE_FAIL_MESSAGE), 2);
    const char *list = strstr(text, "failures (2):\n");
    FL_ASSERT_NOT_NULL(list);
    FL_ASSERT_CONTAINS(list, "  FAIL    alpha.two: " SAMPLE_FAIL_MESSAGE "\n"
                             "  CRASH   beta.two: " SAMPLE_CRASH_MESSAGE "\n");
    free(text);
}

FL_TEST(report_console, breakdown_line_lists_non_zero_statuses_then_the_last_line)
{
    char *text = console_sample(0, 0, 0);
    FL_ASSERT_CONTAINS(text, "forkless: 6 tests in 1.50s on 2 workers: 3 pass, 1 fail, 1 crash, "
                             "1 skip\n" SAMPLE_LAST_LINE "\n");
    size_t n = strlen(text);
    FL_ASSERT_EQ_INT(text[n - 1], '\n');
    free(text);
}

FL_TEST(report_console, not_run_and_interrupted_are_said)
{
    FILE *f = tmpfile();
    fl_console_options o = {.out = f, .color = 0, .progress = 0};
    fl_reporter *r;
    fl_error err;
    FL_ASSERT_EQ_INT(fl_console_reporter_new(&o, &r, &err), FL_OK);
    fl_run_info info = {"run-2", "./tests", 1, 20, 1, 0, 0};
    r->run_start(r, &info);
    fl_test_event ev = sample_event("alpha.one", "alpha", FL_STATUS_PASS);
    r->test_done(r, &ev);
    fl_summary s = {.total = 20, .passed = 1, .not_run = 19, .interrupted = 1, .wall_seconds = 0.25};
    s.counts[FL_STATUS_PASS] = 1;
    r->run_end(r, &s);
    r->destroy(r);
    char *text = read_stream(f, NULL);
    fclose(f);
    FL_ASSERT_CONTAINS(text, "forkless: 20 tests in 0.25s on 1 worker: 1 pass, 19 not run; interrupted\n");
    FL_ASSERT_EQ_STR(last_line(text), "forkless: 1 passed, 0 failed, 0 skipped");
    free(text);
}

FL_TEST(report_console, verbose_prints_a_line_per_test_and_worker_events)
{
    char *text = console_sample(0, 0, 1);
    FL_ASSERT_CONTAINS(text, "PASS    [   0.012s] alpha.one\n");
    FL_ASSERT_CONTAINS(text, "SKIP    [   0.012s] alpha.three: needs a network\n");
    FL_ASSERT_CONTAINS(text, "forkless: slot 1: worker 4242 started\n");
    FL_ASSERT_CONTAINS(text, "forkless: slot 2: worker 4343 died: signal 11 (SIGSEGV, segmentation fault)\n");
    free(text);
}

FL_TEST(report_console, quiet_mode_still_prints_worker_deaths_but_not_starts)
{
    char *text = console_sample(0, 0, 0);
    FL_ASSERT_CONTAINS(text, "forkless: slot 2: worker 4343 died: signal 11");
    FL_ASSERT_EQ_INT(count_occurrences(text, "started"), 0);
    FL_ASSERT_EQ_INT(count_occurrences(text, "PASS"), 0);
    free(text);
}

FL_TEST(report_console, live_line_with_color_uses_escape_codes)
{
    char *text = console_sample(1, 1, 0);
    FL_ASSERT_CONTAINS(text, "\r\x1b[K");
    FL_ASSERT_CONTAINS(text, "\x1b[31mFAIL\x1b[0m");
    FL_ASSERT_CONTAINS(text, "running: alpha.one");
    /* the status line is cleared before the end, and the last line stays exact */
    FL_ASSERT_EQ_STR(last_line(text), SAMPLE_LAST_LINE);
    free(text);
}

/* Each drawing of the status line: the text between "\r\x1b[K" and the next "\r", "\n"
 * or end. */
static void assert_status_lines_fit(const char *text, size_t columns)
{
    size_t drawn = 0;
    for (const char *p = strstr(text, "\r\x1b[K"); p; p = strstr(p + 1, "\r\x1b[K")) {
        const char *s = p + 4, *e = s;
        while (*e && *e != '\r' && *e != '\n')
            e++;
        size_t cols = 0;
        for (const char *q = s; q < e; q++)
            if (((unsigned char)*q & 0xC0) != 0x80)
                cols++;
        if (cols > columns)
            FL_FAIL("a status line of %zu columns (> %zu): %.*s", cols, columns, (int)(e - s), s);
        drawn += e > s;
    }
    FL_ASSERT_GT_INT(drawn, 0);
}

FL_TEST(report_console, status_line_is_cut_to_the_terminal_width)
{
    FILE *f = tmpfile();
    fl_console_options o = {.out = f, .color = 0, .progress = 1};
    fl_reporter *r;
    fl_error err;
    FL_ASSERT_EQ_INT(fl_console_reporter_new(&o, &r, &err), FL_OK);
    fl_run_info info = {"run-3", "./tests", 8, 400, 8, 0, 0};
    r->run_start(r, &info);
    char ids[8][80];
    for (int i = 0; i < 8; i++) {
        snprintf(ids[i], sizeof ids[i], "accounts_with_a_long_name.transfer_between_%d", i);
        r->test_start(r, ids[i], i + 1);
    }
    r->tick(r, 0.5);
    fl_summary s = {.total = 400, .not_run = 400};
    r->run_end(r, &s);
    r->destroy(r);
    char *text = read_stream(f, NULL);
    fclose(f);
    FL_ASSERT_CONTAINS(text, "[  0/400] ");
    FL_ASSERT_CONTAINS(text, "\xE2\x80\xA6"); /* the ellipsis of a cut line */
    /* a tmpfile is no terminal: fl_terminal_width says 80, the line keeps one column free */
    assert_status_lines_fit(text, 79);
    free(text);
}

/* Sets or unsets an environment variable; value NULL unsets. */
static void set_env(const char *name, const char *value)
{
    if (value)
        setenv(name, value, 1);
    else
        unsetenv(name);
}

FL_TEST(report_console, no_color_wins_over_clicolor_force_in_auto_mode)
{
    char *old_no = getenv("NO_COLOR") ? strdup(getenv("NO_COLOR")) : NULL;
    char *old_force = getenv("CLICOLOR_FORCE") ? strdup(getenv("CLICOLOR_FORCE")) : NULL;

    set_env("NO_COLOR", NULL);
    set_env("CLICOLOR_FORCE", "1");
    char *forced = console_sample(-1, 0, 0);
    set_env("NO_COLOR", ""); /* set, even empty, means no colour */
    char *no_color = console_sample(-1, 0, 0);
    char *explicit_on = console_sample(1, 0, 0);

    set_env("NO_COLOR", old_no);
    set_env("CLICOLOR_FORCE", old_force);
    free(old_no);
    free(old_force);

    FL_ASSERT_CONTAINS(forced, "\x1b[31mFAIL");
    FL_ASSERT_NULL(strchr(no_color, '\x1b'));
    FL_ASSERT_CONTAINS(explicit_on, "\x1b[31mFAIL"); /* --color=always beats NO_COLOR */
    FL_ASSERT_EQ_STR(last_line(forced), SAMPLE_LAST_LINE);
    free(forced);
    free(no_color);
    free(explicit_on);
}

FL_TEST(report_console, auto_mode_off_a_terminal_is_plain)
{
    char *old_force = getenv("CLICOLOR_FORCE") ? strdup(getenv("CLICOLOR_FORCE")) : NULL;
    set_env("CLICOLOR_FORCE", NULL);
    char *text = console_sample(-1, -1, 1);
    set_env("CLICOLOR_FORCE", old_force);
    free(old_force);
    FL_ASSERT_NULL(strchr(text, '\x1b'));
    FL_ASSERT_NULL(strchr(text, '\r'));
    free(text);
}

/* Runs one failing test with this output through a plain console; returns the text. */
static char *console_failure_with_output(const char *output, const char *message)
{
    FILE *f = tmpfile();
    fl_console_options o = {.out = f, .color = 0, .progress = 0};
    fl_reporter *r;
    fl_error err;
    FL_ASSERT_EQ_INT(fl_console_reporter_new(&o, &r, &err), FL_OK);
    fl_run_info info = {"run-4", "./tests", 1, 1, 1, 0, 0};
    r->run_start(r, &info);
    fl_test_event ev = sample_event("io.noisy", "io", FL_STATUS_FAIL);
    ev.message = message;
    ev.output = output;
    r->test_done(r, &ev);
    fl_summary s = {.total = 1, .failed = 1};
    s.counts[FL_STATUS_FAIL] = 1;
    r->run_end(r, &s);
    r->destroy(r);
    char *text = read_stream(f, NULL);
    fclose(f);
    return text;
}

FL_TEST(report_console, an_unexpected_pass_says_why_it_fails)
{
    FILE *f = tmpfile();
    fl_console_options o = {.out = f, .color = 0, .progress = 0};
    fl_reporter *r;
    fl_error err;
    FL_ASSERT_EQ_INT(fl_console_reporter_new(&o, &r, &err), FL_OK);
    fl_test_event ev = sample_event("bugs.fixed_now", "bugs", FL_STATUS_XPASS);
    r->test_done(r, &ev);
    fl_summary s = {.total = 1, .failed = 1};
    s.counts[FL_STATUS_XPASS] = 1;
    r->run_end(r, &s);
    r->destroy(r);
    char *text = read_stream(f, NULL);
    fclose(f);
    FL_ASSERT_CONTAINS(text, "XPASS   [   0.012s] bugs.fixed_now (t_alpha.c:7, slot 1, pid 4242)\n"
                             "    passed, but it is marked as expected to fail\n");
    FL_ASSERT_CONTAINS(text, "  XPASS   bugs.fixed_now\n");
    FL_ASSERT_CONTAINS(text, "forkless: 1 test in 0.00s: 1 xpass\n");
    free(text);
}

FL_TEST(report_console, long_output_is_cut_to_its_last_200_lines)
{
    size_t cap = 1000 * 32;
    char *output = malloc(cap), *p = output;
    for (int i = 0; i < 1000; i++)
        p += sprintf(p, "output line %d\n", i);
    char *text = console_failure_with_output(output, "noisy");
    FL_ASSERT_CONTAINS(text, "---- output: the first 800 lines (");
    FL_ASSERT_CONTAINS(text, "    output line 800\n");
    FL_ASSERT_CONTAINS(text, "    output line 999\n    ---- end of output ----\n");
    FL_ASSERT_EQ_INT(count_occurrences(text, "output line 799\n"), 0);
    free(output);
    free(text);
}

FL_TEST(report_console, long_lines_are_cut_to_64_kib)
{
    /* 100 lines of 2000 bytes: 200 KB, more than 64 KiB */
    char *output = malloc(100 * 2001 + 1), *p = output;
    for (int i = 0; i < 100; i++) {
        memset(p, 'a' + i % 26, 2000);
        p[0] = 'L';
        p += 2000;
        *p++ = '\n';
    }
    *p = 0;
    char *text = console_failure_with_output(output, "wide");
    const char *start = strstr(text, "---- output: the first ");
    FL_ASSERT_NOT_NULL(start);
    const char *end = strstr(text, "---- end of output ----");
    FL_ASSERT_NOT_NULL(end);
    FL_ASSERT_LE_INT(end - start, 64 * 1024 + 33 * 4 + 200);
    FL_ASSERT_GE_INT(end - start, 60 * 1024);
    free(output);
    free(text);
}

FL_TEST(report_console, control_codes_from_tests_are_removed_in_plain_mode)
{
    char *text = console_failure_with_output("\x1b[31mred\x1b[0m text\r\nprogress 10%\rprogress 20%\n"
                                             "bell\a and \x1b]0;title\x07 osc\n",
                                             "msg with \x1b[1mbold\x1b[0m and \x01 and \xff byte");
    FL_ASSERT_NULL(strchr(text, '\x1b'));
    FL_ASSERT_NULL(strchr(text, '\r'));
    FL_ASSERT_NULL(strchr(text, '\a'));
    FL_ASSERT_NULL(strchr(text, '\x01'));
    FL_ASSERT_CONTAINS(text, "    red text\n    progress 10%\n    progress 20%\n");
    FL_ASSERT_CONTAINS(text, "    bell and  osc\n");
    FL_ASSERT_CONTAINS(text, "msg with bold and  and \xEF\xBF\xBD byte");
    free(text);
}

/* A run that stops on an error before its test loop: the live status line drawn while the
 * workers started is cleared, so that the error the caller prints starts a clean line, and
 * no summary is printed; one that stops after it prints its summary as at any end. */
FL_TEST(report_console, an_early_error_clears_the_status_line_and_prints_no_summary)
{
    for (int ran = 0; ran <= 1; ran++) {
        FILE *f = tmpfile();
        FL_ASSERT_NOT_NULL(f);
        fl_console_options o = {.out = f, .color = 0, .progress = 1};
        fl_reporter *r;
        fl_error err;
        FL_ASSERT_EQ_INT(fl_console_reporter_new(&o, &r, &err), FL_OK);
        r->tick(r, 0.1);
        fl_run_info info = {"run-e", "./tests", 2, 0, 0, 0, ran};
        fl_summary s = {.exit_code = FL_EXIT_INFRA};
        r->run_failed(r, &info, &s, "cannot connect");
        r->destroy(r);
        char *text = read_stream(f, NULL);
        fclose(f);
        size_t len = strlen(text);
        if (!ran) {
            FL_ASSERT(len >= 4);
            FL_ASSERT_EQ_STR(text + len - 4, "\r\x1b[K"); /* the line drawn, then cleared */
            FL_ASSERT(strstr(text, " passed, ") == NULL);
        } else {
            FL_ASSERT_CONTAINS(text, "forkless: 0 passed, 0 failed, 0 skipped");
        }
        free(text);
    }
}
