/*
 * workers_test.c — a C test binary (the fixture) run as its own parallel runner, the way a
 * user runs one, on every OS: two spawned workers; a crashing test named with its last
 * words and the rest still run; a hanging test timed out with its worker and the worker's
 * child killed; SQLite clones in a directory with a space and non-ASCII letters, fresh
 * after a crash, none left behind (the files were released, so they could be deleted).
 * The crash descriptions name the POSIX signal on every OS ("access violation, like
 * SIGSEGV" on Windows).
 */
#include <forkless/test.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "plat_util.h"
#include "platform/fs.h"

static const char *fixture(void) { return plat_built("tests/forkless-fixture"); }

static int dead_soon(long pid)
{
    for (int i = 0; i < 100 && fl_process_alive(pid); i++)
        fl_sleep_ms(50);
    return !fl_process_alive(pid);
}

FL_TEST(workers, crash_and_timeout_in_two_workers_kill_the_hung_tree)
{
    const char *dir = plat_temp_dir();
    char *piddir = fl_xasprintf("FIXTURE_PIDDIR=%s", dir), *state = fl_xasprintf("--state-dir=%s", dir);
    char *argv[] = {(char *)fixture(), "-j", "2", "--timeout", "2", "--kill-grace", "1", "--progress=never", state,
                    "-k", "basic.*", "-k", "crash.*", "-k", "hang.*", "-k", "abort.*", "-k", "withsetup.*", NULL};
    char *env[] = {piddir, NULL};
    plat_run r;
    plat_run_cmd(&r, argv, env, 120);
    FL_ASSERT_EQ_INT(r.ex.code, 1);
    FL_ASSERT_CONTAINS(r.out, "on 2 workers");
    FL_ASSERT_CONTAINS(r.out, "CRASH");
    FL_ASSERT_CONTAINS(r.out, "crash.segfaults");
    FL_ASSERT_CONTAINS(r.out, "SIGSEGV");
    FL_ASSERT_CONTAINS(r.out, "last words before the segfault");
    FL_ASSERT_CONTAINS(r.out, "abort.aborts");
    FL_ASSERT_CONTAINS(r.out, "SIGABRT");
    FL_ASSERT_CONTAINS(r.out, "TIMEOUT");
    FL_ASSERT_CONTAINS(r.out, "hang.forever");
    FL_ASSERT_CONTAINS(r.out, "timed out after 2 s");
    FL_ASSERT_EQ_STR(plat_last_line(r.out), "forkless: 7 passed, 4 failed, 1 skipped");
    char *worker_file = plat_path(dir, "worker"), *grandchild_file = plat_path(dir, "grandchild");
    long worker = plat_read_number(worker_file), grandchild = plat_read_number(grandchild_file);
    FL_ASSERT_GT_INT(worker, 0);
    FL_ASSERT_GT_INT(grandchild, 0);
    FL_ASSERT(dead_soon(worker));
    FL_ASSERT(dead_soon(grandchild));
    plat_run_free(&r);
    free(worker_file);
    free(grandchild_file);
    free(piddir);
    free(state);
}

/* The names in dir that are not the template or its cache key. */
static char *leftovers(const char *dir)
{
    char **names;
    size_t n;
    fl_error err = {0};
    if (fl_fs_list_dir(dir, &names, &n, &err) != FL_OK)
        FL_FAIL("%s", err.msg);
    fl_bytes b = {0};
    for (size_t i = 0; i < n; i++)
        if (strcmp(names[i], "t.db") && strcmp(names[i], ".t.db.forkless-key") && strcmp(names[i], "state"))
            fl_bytes_printf(&b, "%s\n", names[i]);
    fl_strv_free(names);
    return b.data ? fl_bytes_take(&b) : fl_xstrdup("");
}

static void run_dbcrash(const char *method)
{
    const char *dir = plat_temp_dir();
    char *db = fl_xasprintf("--db=default=sqlite:%s/t.db", dir), *m = fl_xasprintf("--db-method=default=%s", method);
    char *state_dir = plat_path(dir, "state");
    char *state = fl_xasprintf("--state-dir=%s", state_dir);
    char *argv[] = {(char *)fixture(), "-j", "2", "--progress=never", db, m, state, "-k", "dbcrash.*", "-k",
                    "basic.passes", NULL};
    plat_run r;
    plat_run_cmd(&r, argv, NULL, 120);
    FL_ASSERT_CONTAINS(r.out, "template default built");
    FL_ASSERT_CONTAINS(r.out, "dbcrash.writes_then_crashes");
    /* The crash is the only failure: the next test saw a fresh clone. */
    FL_ASSERT_EQ_STR(plat_last_line(r.out), "forkless: 2 passed, 1 failed, 0 skipped");
    FL_ASSERT_EQ_INT(r.ex.code, 1);
    char *left = leftovers(dir);
    FL_ASSERT_EQ_STR(left, "");
    free(left);
    plat_run_free(&r);
    free(db);
    free(m);
    free(state);
    free(state_dir);
}

FL_TEST(workers, sqlite_copy_clones_are_fresh_and_removed) { run_dbcrash("copy"); }
FL_TEST(workers, sqlite_memory_clones_are_fresh_and_removed) { run_dbcrash("memory"); }
