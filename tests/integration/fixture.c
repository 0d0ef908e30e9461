/*
 * fixture.c — a C test binary that misbehaves on purpose, driven by the integration tests
 * (it is not part of the self-test suite).  Its groups: passing, failing, skipping and
 * xfail tests; a segfault, an abort, an exit(); a test that hangs (with a grandchild
 * process, to prove the whole tree is killed); a very chatty test; slow tests.
 * FIXTURE_PIDDIR, when set, is where the hanging test writes its pid and its child's pid.
 */
#include <forkless/test.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform/platform.h"

FL_TEST(basic, passes) { FL_ASSERT_EQ_INT(2 + 2, 4); }
FL_TEST(basic, fails) {
    printf("output of basic.fails\n");
    FL_ASSERT_EQ_STR("left", "right");
}
FL_TEST(basic, skips) { FL_SKIP("skipped on purpose"); }
FL_TEST_XFAIL(basic, known_bug) { FL_ASSERT(0 == 1); }

static int group_ready;
FL_GROUP_SETUP(withsetup) { group_ready = 42; }
FL_TEST(withsetup, sees_setup) { FL_ASSERT_EQ_INT(group_ready, 42); }
FL_TEST(withsetup, still_sees_setup) { FL_ASSERT_EQ_INT(group_ready, 42); }

FL_GROUP_SETUP(brokensetup) { FL_FAIL("the fixture database is missing"); }

FL_GROUP_SETUP(skippedgroup) { FL_SKIP("no such hardware here"); }
FL_TEST(skippedgroup, first) { FL_FAIL("must not run"); }
FL_TEST(skippedgroup, second) { FL_FAIL("must not run"); }
FL_TEST(brokensetup, first) { FL_ASSERT(1); }
FL_TEST(brokensetup, second) { FL_ASSERT(1); }

/* A real invalid write, hidden from the sanitizers so that the sanitizer build crashes the
 * same way as the normal one. */
__attribute__((no_sanitize("address", "undefined"))) static void write_through_null(void)
{
    volatile int *p = NULL;
    *p = 1;
}

FL_TEST(crash, segfaults) {
    printf("last words before the segfault\n");
    write_through_null();
}
FL_TEST(crash, runs_after_segfault) { FL_ASSERT(1); }
FL_TEST(abort, aborts) { abort(); }
FL_TEST(abort, runs_after_abort) { FL_ASSERT(1); }
FL_TEST(exits, calls_exit) {
    fprintf(stderr, "leaving with exit(3)\n");
    exit(3);
}

static void write_pid(const char *name, long pid)
{
    const char *dir = getenv("FIXTURE_PIDDIR");
    if (!dir)
        return;
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (f) {
        fprintf(f, "%ld\n", pid);
        fclose(f);
    }
}

/* With --db default=sqlite:...: the template gets a table; a test writes to its clone and
 * crashes; the next test, in the replacement worker, must see a fresh clone. */
FL_DB_SETUP()
{
    sqlite3 *db;
    FL_ASSERT_EQ_INT(sqlite3_open(fl_test_db_name("default"), &db), SQLITE_OK);
    FL_ASSERT_EQ_INT(sqlite3_exec(db, "CREATE TABLE notes(body TEXT)", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}

static int count_notes(sqlite3 *db)
{
    sqlite3_stmt *st;
    FL_ASSERT_EQ_INT(sqlite3_prepare_v2(db, "SELECT count(*) FROM notes", -1, &st, NULL), SQLITE_OK);
    FL_ASSERT_EQ_INT(sqlite3_step(st), SQLITE_ROW);
    int n = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return n;
}

FL_TEST(dbcrash, writes_then_crashes) {
    sqlite3 *db = fl_test_sqlite_open("default");
    FL_ASSERT_EQ_INT(sqlite3_exec(db, "INSERT INTO notes VALUES ('half-done work')", NULL, NULL, NULL), SQLITE_OK);
    FL_ASSERT_EQ_INT(count_notes(db), 1);
    sqlite3_close(db);
    write_through_null();
}
FL_TEST(dbcrash, sees_a_fresh_clone) {
    sqlite3 *db = fl_test_sqlite_open("default");
    FL_ASSERT_EQ_INT(count_notes(db), 0);
    sqlite3_close(db);
}

FL_TEST(hang, forever) {
    /* The grandchild is this binary, sleeping (see main): it exists on every OS. */
    char *self = fl_self_exe();
    char *argv[] = {self, "--sleep-forever", NULL};
    fl_spawn_opts o = {.argv = argv, .stdin_null = 1};
    fl_proc *child;
    fl_error err = {0};
    if (self && fl_spawn(&o, &child, &err) == FL_OK)
        write_pid("grandchild", fl_proc_pid(child));
    write_pid("worker", fl_getpid());
    for (;;)
        fl_sleep_ms(1000);
}
FL_TEST(hang, runs_after_hang) { FL_ASSERT(1); }

FL_TEST(chatty, prints_megabytes) {
    char line[101];
    memset(line, 'x', 99);
    line[99] = '\n';
    line[100] = 0;
    for (int i = 0; i < 100000; i++) /* 10 MB */
        fputs(line, stdout);
    FL_ASSERT(1);
}

FL_TEST(slow, one) { fl_sleep_ms(300); }
FL_TEST(slow, two) { fl_sleep_ms(300); }

int main(int argc, char **argv)
{
    if (argc == 2 && !strcmp(argv[1], "--sleep-forever")) /* hang.forever's grandchild */
        for (;;)
            fl_sleep_ms(1000);
    return fl_test_main(argc, argv);
}
