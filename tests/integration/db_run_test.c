/*
 * db_run_test.c — databases through a whole run of a real C test binary (the fixture):
 * a crashed worker's slot gets a fresh clone; nothing is left after a normal run, after
 * Ctrl-C, or after the coordinator is killed with SIGKILL followed by `forkless db gc`;
 * and no worker outlives a killed coordinator.
 */
#include <forkless/test.h>
#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "platform/platform.h"

static char db_flag[400], state_flag[400], pid_env[400];

/* A fresh directory holding the template; returns the directory. */
static const char *prepare(void)
{
    const char *dir = temp_dir();
    snprintf(db_flag, sizeof db_flag, "--db=default=sqlite:%s/t.db", dir);
    snprintf(state_flag, sizeof state_flag, "--state-dir=%s/state", dir);
    snprintf(pid_env, sizeof pid_env, "FIXTURE_PIDDIR=%s", dir);
    return dir;
}

FL_TEST(db_run, crashed_slot_gets_a_fresh_clone_and_nothing_is_left)
{
    const char *dir = prepare();
    char *argv[] = {(char *)fixture_bin(), "-j", "1", "--progress=never", db_flag, state_flag, "-k", "dbcrash.*",
                    NULL};
    cmd_result r;
    run_cmd(&r, argv, NULL, 0);
    FL_ASSERT_EQ_INT(r.code, 1);
    FL_ASSERT_CONTAINS(r.out, "template default built");
    FL_ASSERT_CONTAINS(r.out, "dbcrash.writes_then_crashes");
    /* The test after the crash ran in a new worker on a re-made clone: no 'half-done work'. */
    FL_ASSERT_EQ_STR(output_last_line(r.out), "forkless: 1 passed, 1 failed, 0 skipped");
    FL_ASSERT_EQ_STR(files_matching(dir, ".fl-"), "");
    FL_ASSERT_CONTAINS(files_matching(dir, "t.db"), "t.db");
    cmd_result_free(&r);
}

FL_TEST(db_run, ctrl_c_leaves_no_clone)
{
    const char *dir = prepare();
    char *argv[] = {(char *)fixture_bin(), "-j", "2", "--progress=never", db_flag, state_flag, "-k", "hang.*",
                    "-k", "slow.*", NULL};
    char *env[] = {pid_env, NULL};
    char when[400];
    snprintf(when, sizeof when, "%s/worker", dir); /* hang.forever is running */
    cmd_result r;
    run_cmd_signal_when(&r, argv, env, when, SIGINT);
    FL_ASSERT_EQ_INT(r.code, 130);
    FL_ASSERT_EQ_STR(files_matching(dir, ".fl-"), "");
    FL_ASSERT(process_gone_within(read_number(dir, "worker"), 3000));
    cmd_result_free(&r);
}

FL_TEST(db_run, killed_coordinator_leaves_no_worker_and_gc_cleans_up)
{
    const char *dir = prepare();
    char *argv[] = {(char *)fixture_bin(), "-j", "2", "--progress=never", db_flag, state_flag, "-k", "hang.*",
                    NULL};
    char *env[] = {pid_env, NULL};
    char when[400];
    snprintf(when, sizeof when, "%s/worker", dir); /* hang.forever is running */
    cmd_result r;
    run_cmd_signal_when(&r, argv, env, when, SIGKILL);
    FL_ASSERT_EQ_INT(r.signo, SIGKILL);
    cmd_result_free(&r);
    /* The worker stuck in hang.forever dies with its coordinator. */
    long worker = read_number(dir, "worker");
    FL_ASSERT_GT_INT(worker, 0);
    for (int i = 0; i < 50 && process_alive(worker); i++)
        usleep(100000);
    FL_ASSERT(process_gone_within(worker, 3000));
    /* What the test itself started, in the worker's process group, goes with it (the C
     * API worker kills its group when the coordinator dies; Linux only). */
    long grandchild = read_number(dir, "grandchild");
    FL_ASSERT_GT_INT(grandchild, 0);
    int gone = process_gone_within(grandchild, 3000);
    if (!gone)
        kill((pid_t)grandchild, SIGKILL);
    if (fl_can_die_with_parent())
        FL_ASSERT(gone);
    /* Its clones are still there until gc collects them. */
    FL_ASSERT_NE_STR(files_matching(dir, ".fl-"), "");
    char url[400];
    snprintf(url, sizeof url, "sqlite:%s/t.db", dir);
    char *gc[] = {(char *)forkless_bin(), "db", "gc", url, NULL};
    run_cmd(&r, gc, NULL, 0);
    FL_ASSERT_EQ_INT(r.code, 0);
    FL_ASSERT_EQ_STR(files_matching(dir, ".fl-"), "");
    cmd_result_free(&r);
}

FL_TEST(db_run, c_api_tests_get_their_own_postgresql_clones)
{
    const char *url = getenv("FORKLESS_TEST_PG_URL");
    if (!url || !*url) {
        if (getenv("FORKLESS_REQUIRE_SERVERS") && !strcmp(getenv("FORKLESS_REQUIRE_SERVERS"), "1"))
            FL_FAIL("FORKLESS_TEST_PG_URL is not set but FORKLESS_REQUIRE_SERVERS=1");
        FL_SKIP("NO SERVER: set FORKLESS_TEST_PG_URL (tests/servers/start-postgres.sh starts one)");
    }
    const char *slash = strrchr(url, '/');
    FL_ASSERT_NOT_NULL(slash);
    char template_url[512], db[600];
    snprintf(template_url, sizeof template_url, "%.*s/fl_capi_tpl_%ld", (int)(slash - url), url, (long)getpid());
    snprintf(db, sizeof db, "--db=default=%s", template_url);
    const char *dir = temp_dir();
    snprintf(state_flag, sizeof state_flag, "--state-dir=%s", dir);
    char *argv[] = {FL_BUILD_DIR "/tests/forkless-pg-fixture", "-j", "2", "--progress=never", db, state_flag,
                    NULL};
    cmd_result r;
    run_cmd(&r, argv, NULL, 0);
    expect_exit(&r, 0);
    FL_ASSERT_CONTAINS(r.out, "template default built");
    FL_ASSERT_EQ_STR(output_last_line(r.out), "forkless: 4 passed, 0 failed, 0 skipped");
    cmd_result_free(&r);
    /* The same again reuses the template; then remove it (templates are kept on purpose). */
    run_cmd(&r, argv, NULL, 0);
    expect_exit(&r, 0);
    FL_ASSERT_CONTAINS(r.out, "template default reused");
    cmd_result_free(&r);
    char sql[300];
    snprintf(sql, sizeof sql,
             "ALTER DATABASE \"fl_capi_tpl_%ld\" IS_TEMPLATE false; DROP DATABASE \"fl_capi_tpl_%ld\" WITH (FORCE)",
             (long)getpid(), (long)getpid());
    char *psql[] = {"psql", "-X", "-q", (char *)url, "-c", sql, NULL};
    run_cmd(&r, psql, NULL, 0);
    cmd_result_free(&r);
}

/* A long setup command (migrations) and an interrupt that reaches forkless alone, as a
 * cancelled CI job sends it: the setup command is stopped at once, not waited for, and
 * nothing is left. */
FL_TEST(db_run, interrupt_stops_a_running_setup_command)
{
    const char *dir = prepare();
    char setup[600], when[400];
    snprintf(setup, sizeof setup,
             "sh -c 'echo $$ > \"%s/setup.tmp\"; mv \"%s/setup.tmp\" \"%s/setup\"; sleep 20; touch \"%s/finished\"'",
             dir, dir, dir, dir);
    snprintf(when, sizeof when, "%s/setup", dir);
    char *argv[] = {(char *)forkless_bin(), "run", "--progress=never", db_flag, state_flag, "--setup", setup, "--",
                    (char *)fixture_bin(), "--forkless-worker", NULL};
    cmd_result r;
    run_cmd_signal_when(&r, argv, NULL, when, SIGINT);
    FL_ASSERT_EQ_INT(r.code, 130);
    FL_ASSERT_CONTAINS(r.out, "interrupted while preparing databases");
    FL_ASSERT(process_gone_within(read_number(dir, "setup"), 3000));
    FL_ASSERT_EQ_STR(files_matching(dir, "finished"), ""); /* stopped, not waited for */
    FL_ASSERT_EQ_STR(files_matching(dir, ".fl-"), "");
    cmd_result_free(&r);
}
