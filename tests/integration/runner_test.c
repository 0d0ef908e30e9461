/*
 * runner_test.c — the runner end to end, with real spawned processes: the fixture C test
 * binary (crashes, hangs, chatty output, group set-up), the Python protocol worker, broken
 * workers, Ctrl-C, options from forkless.ini, durations, reports.
 */
#include <forkless/test.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static char state_arg[300];

static const char *state_dir_flag(void)
{
    snprintf(state_arg, sizeof state_arg, "--state-dir=%s", temp_dir());
    return state_arg;
}

FL_TEST(runner, crash_and_hang_are_named_and_everything_else_runs)
{
    const char *dir = temp_dir();
    char piddir[400];
    snprintf(piddir, sizeof piddir, "FIXTURE_PIDDIR=%s", dir);
    char *argv[] = {(char *)fixture_bin(), "-j", "2", "--timeout", "2", "--kill-grace", "1", "--progress=never",
                    (char *)state_dir_flag(), "-k", "basic.*", "-k", "crash.*", "-k", "hang.*", "-k", "abort.*",
                    "-k", "withsetup.*", NULL};
    char *env[] = {piddir, NULL};
    cmd_result r;
    run_cmd(&r, argv, env, 0);
    FL_ASSERT_EQ_INT(r.code, 1);
    FL_ASSERT_CONTAINS(r.out, "CRASH");
    FL_ASSERT_CONTAINS(r.out, "crash.segfaults");
    FL_ASSERT_CONTAINS(r.out, "signal 11 (SIGSEGV");
    FL_ASSERT_CONTAINS(r.out, "last words before the segfault");
    FL_ASSERT_CONTAINS(r.out, "abort.aborts");
    FL_ASSERT_CONTAINS(r.out, "SIGABRT");
    FL_ASSERT_CONTAINS(r.out, "TIMEOUT");
    FL_ASSERT_CONTAINS(r.out, "hang.forever");
    FL_ASSERT_CONTAINS(r.out, "timed out after 2 s");
    /* 12 tests: passes, skips, known_bug(xfail), 2 withsetup, 3 runs_after_* pass; fails,
     * segfaults, aborts, forever fail. */
    FL_ASSERT_EQ_STR(output_last_line(r.out), "forkless: 7 passed, 4 failed, 1 skipped");
    /* The hung worker and the child it started are gone: the whole group was killed. */
    long worker = read_number(dir, "worker"), grandchild = read_number(dir, "grandchild");
    FL_ASSERT_GT_INT(worker, 0);
    FL_ASSERT_GT_INT(grandchild, 0);
    FL_ASSERT(process_gone_within(worker, 3000));
    FL_ASSERT(process_gone_within(grandchild, 3000));
    cmd_result_free(&r);
}

FL_TEST(runner, exit_in_a_test_is_a_crash_with_its_code)
{
    char *argv[] = {(char *)fixture_bin(), "-j", "1", "--progress=never", (char *)state_dir_flag(), "-k",
                    "exits.*", NULL};
    cmd_result r;
    run_cmd(&r, argv, NULL, 0);
    FL_ASSERT_EQ_INT(r.code, 1);
    FL_ASSERT_CONTAINS(r.out, "exit code 3");
    FL_ASSERT_CONTAINS(r.out, "leaving with exit(3)"); /* from the worker's capture file */
    FL_ASSERT_EQ_STR(output_last_line(r.out), "forkless: 0 passed, 1 failed, 0 skipped");
    cmd_result_free(&r);
}

FL_TEST(runner, failed_group_setup_makes_each_test_an_error)
{
    char *argv[] = {(char *)fixture_bin(), "-j", "1", "--progress=never", (char *)state_dir_flag(), "-k",
                    "brokensetup.*", NULL};
    cmd_result r;
    run_cmd(&r, argv, NULL, 0);
    FL_ASSERT_EQ_INT(r.code, 1);
    FL_ASSERT_CONTAINS(r.out, "set-up of group brokensetup failed");
    FL_ASSERT_CONTAINS(r.out, "the fixture database is missing");
    FL_ASSERT_EQ_STR(output_last_line(r.out), "forkless: 0 passed, 2 failed, 0 skipped");
    cmd_result_free(&r);
}

FL_TEST(runner, skip_in_group_setup_skips_the_group)
{
    char *argv[] = {(char *)fixture_bin(), "-j", "1", "-v", "--progress=never", (char *)state_dir_flag(), "-k",
                    "skippedgroup.*", NULL};
    cmd_result r;
    run_cmd(&r, argv, NULL, 0);
    expect_exit(&r, 0);
    FL_ASSERT_CONTAINS(r.out, "no such hardware here");
    FL_ASSERT_EQ_STR(output_last_line(r.out), "forkless: 0 passed, 0 failed, 2 skipped");
    cmd_result_free(&r);
}

FL_TEST(runner, chatty_test_neither_blocks_nor_floods)
{
    char *argv[] = {(char *)fixture_bin(), "-j", "2", "--progress=never", (char *)state_dir_flag(), "-k",
                    "chatty.*", "-k", "slow.*", NULL};
    cmd_result r;
    run_cmd(&r, argv, NULL, 0);
    FL_ASSERT_EQ_INT(r.code, 0);
    FL_ASSERT_EQ_STR(output_last_line(r.out), "forkless: 3 passed, 0 failed, 0 skipped");
    FL_ASSERT_LT_INT(strlen(r.out), 100000); /* passing output is not printed */
    cmd_result_free(&r);
}

FL_TEST(runner, python_worker_speaks_the_protocol)
{
    char *argv[] = {(char *)forkless_bin(), "run", "-j", "2", "--progress=never", (char *)state_dir_flag(), "--",
                    (char *)python(), (char *)source_path("tests/workers/pyworker.py"), NULL};
    cmd_result r;
    run_cmd(&r, argv, NULL, 0);
    FL_ASSERT_EQ_INT(r.code, 1);
    FL_ASSERT_CONTAINS(r.out, "arith.fails");
    FL_ASSERT_CONTAINS(r.out, "1 != 2");
    FL_ASSERT_CONTAINS(r.out, "KeyError");
    FL_ASSERT_CONTAINS(r.out, "XPASS");
    FL_ASSERT_EQ_STR(output_last_line(r.out), "forkless: 5 passed, 3 failed, 1 skipped");
    cmd_result_free(&r);
}

FL_TEST(runner, passwords_in_the_worker_command_are_never_reported)
{
    const char *dir = temp_dir();
    char json[400], cat_cmd[500];
    snprintf(json, sizeof json, "--json=%s/events.jsonl", dir);
    char *argv[] = {(char *)forkless_bin(), "run", "-j", "1", "-v", "--progress=never", json,
                    (char *)state_dir_flag(), "--", (char *)python(),
                    (char *)source_path("tests/workers/pyworker.py"), "postgresql://app:s3cr3t-pw@db/app", NULL};
    cmd_result r;
    run_cmd(&r, argv, NULL, 0);
    FL_ASSERT(strstr(r.out, "s3cr3t-pw") == NULL);
    cmd_result_free(&r);
    snprintf(cat_cmd, sizeof cat_cmd, "cat %s/events.jsonl", dir);
    char *cat[] = {"/bin/sh", "-c", cat_cmd, NULL};
    run_cmd(&r, cat, NULL, 0);
    FL_ASSERT_CONTAINS(r.out, "postgresql://app:***@db/app");
    FL_ASSERT(strstr(r.out, "s3cr3t-pw") == NULL);
    cmd_result_free(&r);
}

FL_TEST(runner, python_worker_dying_is_replaced)
{
    char *argv[] = {(char *)forkless_bin(), "run", "-j", "2", "--progress=never", (char *)state_dir_flag(), "--",
                    (char *)python(), (char *)source_path("tests/workers/pyworker.py"), NULL};
    char *env[] = {"PYWORKER_MODE=crash", NULL};
    cmd_result r;
    run_cmd(&r, argv, env, 0);
    FL_ASSERT_EQ_INT(r.code, 1);
    FL_ASSERT_CONTAINS(r.out, "crashy.dies");
    FL_ASSERT_CONTAINS(r.out, "exit code 7");
    FL_ASSERT_CONTAINS(r.out, "crashing now");
    /* crashy.after ran in the replacement worker: 4 passed (adds, prints, xfails, after). */
    FL_ASSERT_EQ_STR(output_last_line(r.out), "forkless: 4 passed, 4 failed, 1 skipped");
    cmd_result_free(&r);
}

FL_TEST(runner, malformed_line_is_quoted_and_the_run_goes_on)
{
    char *argv[] = {(char *)forkless_bin(), "run", "-j", "2", "--progress=never", (char *)state_dir_flag(), "--",
                    (char *)python(), (char *)source_path("tests/workers/pyworker.py"), NULL};
    char *env[] = {"PYWORKER_MODE=bad-json", NULL};
    cmd_result r;
    run_cmd(&r, argv, env, 0);
    FL_ASSERT_EQ_INT(r.code, 1);
    FL_ASSERT_CONTAINS(r.out, "protocol error");
    FL_ASSERT_CONTAINS(r.out, "'this is not json'");
    FL_ASSERT_EQ_STR(output_last_line(r.out), "forkless: 0 passed, 9 failed, 0 skipped");
    cmd_result_free(&r);
}

FL_TEST(runner, wrong_protocol_version_is_an_infrastructure_error)
{
    char *argv[] = {(char *)forkless_bin(), "run", "-j", "1", "--progress=never", (char *)state_dir_flag(), "--",
                    (char *)python(), (char *)source_path("tests/workers/pyworker.py"), NULL};
    char *env[] = {"PYWORKER_MODE=wrong-version", NULL};
    cmd_result r;
    run_cmd(&r, argv, env, 0);
    FL_ASSERT_EQ_INT(r.code, 3);
    FL_ASSERT_CONTAINS(r.out, "it speaks protocol 99, forkless speaks 1");
    cmd_result_free(&r);
}

FL_TEST(runner, silent_worker_hits_the_hello_timeout)
{
    char *argv[] = {(char *)forkless_bin(), "run", "-j", "1", "--hello-timeout", "1", "--progress=never",
                    (char *)state_dir_flag(), "--", (char *)python(),
                    (char *)source_path("tests/workers/pyworker.py"), NULL};
    char *env[] = {"PYWORKER_MODE=no-hello", NULL};
    cmd_result r;
    run_cmd(&r, argv, env, 0);
    FL_ASSERT_EQ_INT(r.code, 3);
    FL_ASSERT_CONTAINS(r.out, "no hello within 1 s");
    cmd_result_free(&r);
}

FL_TEST(runner, worker_error_message_is_shown)
{
    char *argv[] = {(char *)forkless_bin(), "run", "-j", "1", "--progress=never", (char *)state_dir_flag(), "--",
                    (char *)python(), (char *)source_path("tests/workers/pyworker.py"), NULL};
    char *env[] = {"PYWORKER_MODE=list-error", NULL};
    cmd_result r;
    run_cmd(&r, argv, env, 0);
    FL_ASSERT_EQ_INT(r.code, 3);
    FL_ASSERT_CONTAINS(r.out, "cannot import the test module");
    cmd_result_free(&r);
}

FL_TEST(runner, slot_that_keeps_dying_stops_the_run)
{
    char *argv[] = {(char *)forkless_bin(), "run", "-j", "2", "--progress=never", (char *)state_dir_flag(), "--",
                    (char *)python(), (char *)source_path("tests/workers/pyworker.py"), NULL};
    char *env[] = {"PYWORKER_MODE=die-on-run", NULL};
    cmd_result r;
    run_cmd(&r, argv, env, 0);
    FL_ASSERT_EQ_INT(r.code, 3);
    FL_ASSERT_CONTAINS(r.out, "3 workers in a row ended without finishing a test");
    FL_ASSERT_CONTAINS(r.out, "refuses to run");
    FL_ASSERT_CONTAINS(output_last_line(r.out), "forkless: ");
    cmd_result_free(&r);
}

FL_TEST(runner, missing_command_is_named)
{
    char *argv[] = {(char *)forkless_bin(), "run", "--", "/nonexistent/worker-program", NULL};
    cmd_result r;
    run_cmd(&r, argv, NULL, 0);
    FL_ASSERT_EQ_INT(r.code, 3);
    FL_ASSERT_CONTAINS(r.out, "cannot start '/nonexistent/worker-program': no such file");
    cmd_result_free(&r);
    char *argv2[] = {(char *)forkless_bin(), "run", "--", "no-such-command-anywhere", NULL};
    run_cmd(&r, argv2, NULL, 0);
    FL_ASSERT_EQ_INT(r.code, 3);
    FL_ASSERT_CONTAINS(r.out, "'no-such-command-anywhere': command not found in PATH");
    cmd_result_free(&r);
    char *argv3[] = {(char *)forkless_bin(), "run", "--", (char *)source_path("docs/protocol.md"), NULL};
    run_cmd(&r, argv3, NULL, 0);
    FL_ASSERT_EQ_INT(r.code, 3);
    FL_ASSERT_CONTAINS(r.out, "not executable");
    cmd_result_free(&r);
}

FL_TEST(runner, bad_usage_exits_2)
{
    char *argv[] = {(char *)forkless_bin(), "run", "--jobs", "zero", "--", "true", NULL};
    cmd_result r;
    run_cmd(&r, argv, NULL, 0);
    FL_ASSERT_EQ_INT(r.code, 2);
    FL_ASSERT_CONTAINS(r.out, "bad number of jobs 'zero'");
    cmd_result_free(&r);
    char *argv2[] = {(char *)forkless_bin(), "run", "--frobnicate", "--", "true", NULL};
    run_cmd(&r, argv2, NULL, 0);
    FL_ASSERT_EQ_INT(r.code, 2);
    FL_ASSERT_CONTAINS(r.out, "unknown option '--frobnicate'");
    cmd_result_free(&r);
    char *argv3[] = {(char *)forkless_bin(), "run", NULL};
    run_cmd(&r, argv3, NULL, 0);
    FL_ASSERT_EQ_INT(r.code, 2);
    FL_ASSERT_CONTAINS(r.out, "no worker command");
    cmd_result_free(&r);
}

FL_TEST(runner, ctrl_c_stops_workers_and_prints_a_partial_summary)
{
    const char *dir = temp_dir();
    char piddir[400];
    snprintf(piddir, sizeof piddir, "FIXTURE_PIDDIR=%s", dir);
    char *argv[] = {(char *)fixture_bin(), "-j", "2", "--progress=never", (char *)state_dir_flag(), "-k",
                    "hang.*", "-k", "slow.*", NULL};
    char *env[] = {piddir, NULL};
    char when[400];
    snprintf(when, sizeof when, "%s/worker", dir); /* hang.forever is running */
    cmd_result r;
    run_cmd_signal_when(&r, argv, env, when, SIGINT);
    FL_ASSERT_EQ_INT(r.code, 130);
    FL_ASSERT_CONTAINS(r.out, "interrupted");
    /* The partial summary: the slow tests passed or were not run, the hung one is not a
     * failure (it was interrupted, not timed out). */
    FL_ASSERT_CONTAINS(output_last_line(r.out), " passed, 0 failed, 0 skipped");
    FL_ASSERT_CONTAINS(r.out, "not run");
    long worker = read_number(dir, "worker"), grandchild = read_number(dir, "grandchild");
    FL_ASSERT_GT_INT(worker, 0);
    FL_ASSERT(process_gone_within(worker, 3000));
    FL_ASSERT(process_gone_within(grandchild, 3000));
    cmd_result_free(&r);
}

FL_TEST(runner, list_filter_and_fail_fast)
{
    char *argv[] = {(char *)fixture_bin(), "--list", "-k", "basic.*", NULL};
    cmd_result r;
    run_cmd(&r, argv, NULL, 0);
    FL_ASSERT_EQ_INT(r.code, 0);
    FL_ASSERT_EQ_STR(r.out, "basic.passes\nbasic.fails\nbasic.skips\nbasic.known_bug\n");
    cmd_result_free(&r);
    char *argv2[] = {(char *)forkless_bin(), "list", "--", (char *)python(),
                     (char *)source_path("tests/workers/pyworker.py"), NULL};
    run_cmd(&r, argv2, NULL, 0);
    FL_ASSERT_EQ_INT(r.code, 0);
    FL_ASSERT_CONTAINS(r.out, "arith.adds\narith.fails\n");
    cmd_result_free(&r);
    char *argv3[] = {(char *)fixture_bin(), "-j", "1", "-x", "--progress=never", (char *)state_dir_flag(),
                     "-k", "basic.*", "-k", "slow.*", NULL};
    run_cmd(&r, argv3, NULL, 0);
    FL_ASSERT_EQ_INT(r.code, 1);
    FL_ASSERT_CONTAINS(r.out, "--fail-fast");
    FL_ASSERT_CONTAINS(r.out, "not run");
    cmd_result_free(&r);
}

FL_TEST(runner, fail_fast_stops_the_batches_in_flight)
{
    /* hang.forever would run forever (no --timeout): --fail-fast must stop its worker when
     * basic.fails fails in the other one. */
    char *argv[] = {(char *)fixture_bin(), "-j", "2", "-x", "--kill-grace", "1", "--progress=never",
                    (char *)state_dir_flag(), "-k", "hang.*", "-k", "basic.fails", NULL};
    cmd_result r;
    run_cmd(&r, argv, NULL, 0);
    expect_exit(&r, 1);
    FL_ASSERT_CONTAINS(r.out, "--fail-fast");
    FL_ASSERT_CONTAINS(r.out, "not run");
    FL_ASSERT_EQ_STR(output_last_line(r.out), "forkless: 0 passed, 1 failed, 0 skipped");
    cmd_result_free(&r);
}

FL_TEST(runner, nested_run_inside_a_worker_is_refused_without_the_worker_flag)
{
    char *argv[] = {(char *)fixture_bin(), "-k", "basic.passes", NULL};
    char *env[] = {"FORKLESS_CHANNEL=fd:3:4", NULL};
    cmd_result r;
    run_cmd(&r, argv, env, 0);
    FL_ASSERT_EQ_INT(r.code, 2);
    FL_ASSERT_CONTAINS(r.out, "refusing to start a run inside a forkless worker");
    cmd_result_free(&r);
}

FL_TEST(runner, durations_are_recorded_for_the_next_run)
{
    const char *dir = temp_dir();
    char flag[400];
    snprintf(flag, sizeof flag, "--state-dir=%s", dir);
    char *argv[] = {(char *)fixture_bin(), "-j", "2", "--progress=never", flag, "-k", "slow.*", "-k",
                    "basic.passes", NULL};
    cmd_result r;
    run_cmd(&r, argv, NULL, 0);
    FL_ASSERT_EQ_INT(r.code, 0);
    cmd_result_free(&r);
    char cmd_line[600];
    snprintf(cmd_line, sizeof cmd_line, "cat %s/durations-*.tsv", dir);
    char *cat[] = {"/bin/sh", "-c", cmd_line, NULL};
    run_cmd(&r, cat, NULL, 0);
    FL_ASSERT_CONTAINS(r.out, "\tslow\n");
    FL_ASSERT_CONTAINS(r.out, "\tbasic\n");
    /* Group slow took its two 0.3 s tests. */
    const char *slow = strstr(r.out, "\tslow\n");
    const char *line_start = slow;
    while (line_start > r.out && line_start[-1] != '\n')
        line_start--;
    double secs = atof(line_start);
    FL_ASSERT(secs >= 0.59 && secs < 2.0);
    cmd_result_free(&r);
}

/* The state directory is made with a .gitignore of "*" (durations, templates and caches
 * are never source), and a .gitignore the user wrote is left alone. */
FL_TEST(runner, state_directory_ignores_itself_for_git)
{
    const char *dir = temp_dir();
    char flag[400], cmd_line[900];
    snprintf(flag, sizeof flag, "--state-dir=%s/state", dir);
    char *argv[] = {(char *)fixture_bin(), "-j", "1", "--progress=never", flag, "-k", "basic.passes", NULL};
    cmd_result r;
    run_cmd(&r, argv, NULL, 0);
    FL_ASSERT_EQ_INT(r.code, 0);
    cmd_result_free(&r);
    snprintf(cmd_line, sizeof cmd_line, "cat '%s/state/.gitignore'; echo mine > '%s/state/.gitignore'", dir, dir);
    char *cat[] = {"/bin/sh", "-c", cmd_line, NULL};
    run_cmd(&r, cat, NULL, 0);
    FL_ASSERT_CONTAINS(r.out, "\n*\n");
    cmd_result_free(&r);
    run_cmd(&r, argv, NULL, 0);
    cmd_result_free(&r);
    snprintf(cmd_line, sizeof cmd_line, "cat '%s/state/.gitignore'", dir);
    run_cmd(&r, cat, NULL, 0);
    FL_ASSERT_EQ_STR(r.out, "mine\n");
    cmd_result_free(&r);
}

FL_TEST(runner, ini_file_gives_defaults_and_flags_win)
{
    const char *dir = temp_dir();
    char ini[400], json_path[400], config_flag[420];
    snprintf(ini, sizeof ini, "%s/forkless.ini", dir);
    snprintf(json_path, sizeof json_path, "%s/events.jsonl", dir);
    FILE *f = fopen(ini, "w");
    FL_ASSERT_NOT_NULL(f);
    fprintf(f, "[run]\njobs = 3\nfilter = basic.*\nprogress = never\njson = %s\nstate_dir = %s\n", json_path, dir);
    fclose(f);
    snprintf(config_flag, sizeof config_flag, "--config=%s", ini);
    char *argv[] = {(char *)fixture_bin(), config_flag, "-j", "1", NULL};
    cmd_result r;
    run_cmd(&r, argv, NULL, 0);
    FL_ASSERT_EQ_INT(r.code, 1);
    FL_ASSERT_CONTAINS(r.out, "on 1 worker");
    FL_ASSERT_EQ_STR(output_last_line(r.out), "forkless: 2 passed, 1 failed, 1 skipped");
    cmd_result_free(&r);
    /* The JSON report has one parseable object per line, and a test event per test. */
    FILE *j = fopen(json_path, "r");
    FL_ASSERT_NOT_NULL(j);
    char line[65536];
    int tests = 0, lines = 0;
    while (fgets(line, sizeof line, j)) {
        json_t *v = json_loads(line, 0, NULL);
        FL_ASSERT_NOT_NULL(v);
        const char *event = json_string_value(json_object_get(v, "event"));
        if (event && !strcmp(event, "test"))
            tests++;
        lines++;
        json_decref(v);
    }
    fclose(j);
    FL_ASSERT_EQ_INT(tests, 4);
    FL_ASSERT_GT_INT(lines, 4);
    snprintf(ini, sizeof ini, "%s/bad.ini", dir);
    f = fopen(ini, "w");
    fprintf(f, "[run]\njobz = 3\n");
    fclose(f);
    snprintf(config_flag, sizeof config_flag, "--config=%s", ini);
    char *argv2[] = {(char *)fixture_bin(), config_flag, NULL};
    run_cmd(&r, argv2, NULL, 0);
    FL_ASSERT_EQ_INT(r.code, 2);
    FL_ASSERT_CONTAINS(r.out, "unknown key 'jobz'");
    cmd_result_free(&r);
}
