/*
 * cli_test.c — `forkless db clone|drop|gc` as a user runs it: the built forkless binary,
 * its output and its exit codes (0, 2 usage, 3 infrastructure).
 */
#include <forkless/forkless.h>
#include <forkless/test.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../integration/harness.h"
#include "core/util.h"
#include "db_test_util.h"

/* Runs `forkless db ARGS...` (in dir when not NULL) and returns its result. */
static void forkless_db(cmd_result *r, const char *dir, const char *args)
{
    char *line = fl_xasprintf("cd '%s' && exec '%s' db %s", dir ? dir : ".", forkless_bin(), args);
    char *argv[] = {"/bin/sh", "-c", line, NULL};
    run_cmd(r, argv, NULL, 0);
    free(line);
}

FL_TEST(db_cli, help_teaches)
{
    cmd_result r;
    forkless_db(&r, NULL, "--help");
    FL_ASSERT_EQ_INT(r.code, 0);
    FL_ASSERT_CONTAINS(r.out, "forkless db clone TEMPLATE_URL");
    FL_ASSERT_CONTAINS(r.out, "--count N");
    FL_ASSERT_CONTAINS(r.out, "copy (default), backup, memory, dump");
    FL_ASSERT_CONTAINS(r.out, "sqlite");
    cmd_result_free(&r);
    forkless_db(&r, NULL, "frobnicate");
    FL_ASSERT_EQ_INT(r.code, 2);
    FL_ASSERT_CONTAINS(r.out, "unknown command 'frobnicate'");
    cmd_result_free(&r);
}

FL_TEST(db_cli, clone_drop_gc)
{
    char *dir = dbt_temp_dir();
    char *path = dbt_path(dir, "t.db");
    dbt_exec_file(path, "CREATE TABLE t(x); INSERT INTO t VALUES (7);");
    cmd_result r;
    forkless_db(&r, dir, "clone sqlite:t.db --count 3");
    FL_ASSERT_EQ_INT(r.code, 0);
    char *prefix = fl_xasprintf("sqlite://%s/t.fl-", dir);
    int lines = 0;
    fl_bytes urls = {0};
    for (char *line = strtok(r.out, "\n"); line; line = strtok(NULL, "\n")) {
        FL_ASSERT(strncmp(line, prefix, strlen(prefix)) == 0);
        fl_bytes_printf(&urls, "'%s' ", line);
        lines++;
    }
    FL_ASSERT_EQ_INT(lines, 3);
    cmd_result_free(&r);

    forkless_db(&r, dir, "gc sqlite:t.db");
    FL_ASSERT_EQ_INT(r.code, 0);
    FL_ASSERT_CONTAINS(r.out, "0 leftovers removed");
    cmd_result_free(&r);

    forkless_db(&r, dir, "drop sqlite:t.db");
    FL_ASSERT_EQ_INT(r.code, 2);
    FL_ASSERT_CONTAINS(r.out, "is not a clone made by forkless");
    cmd_result_free(&r);

    char *drop = fl_xasprintf("drop %s", urls.data);
    forkless_db(&r, dir, drop);
    FL_ASSERT_EQ_INT(r.code, 0);
    cmd_result_free(&r);
    char *listing = dbt_listing(dir);
    FL_ASSERT_EQ_STR(listing, "t.db\n");
    free(listing);

    forkless_db(&r, dir, "clone sqlite:missing.db");
    FL_ASSERT_EQ_INT(r.code, 3);
    FL_ASSERT_CONTAINS(r.out, "missing.db' does not exist");
    cmd_result_free(&r);
    forkless_db(&r, dir, "clone sqlite:t.db --count 0");
    FL_ASSERT_EQ_INT(r.code, 2);
    cmd_result_free(&r);
    /* Usage (2) when PostgreSQL is not built in, connection failure (3) when it is;
     * either way the password is not printed. */
    forkless_db(&r, dir, "clone 'postgresql://u:hunter2@localhost:1/db'");
    FL_ASSERT(r.code == 2 || r.code == 3);
    FL_ASSERT(strstr(r.out, "hunter2") == NULL);
    cmd_result_free(&r);

    free(drop);
    fl_bytes_free(&urls);
    free(prefix);
    free(path);
    dbt_cleanup(dir);
}

FL_TEST(db_cli, gc_reads_forkless_ini)
{
    char *dir = dbt_temp_dir();
    char *path = dbt_path(dir, "t.db");
    dbt_exec_file(path, "CREATE TABLE t(x)");
    cmd_result r;
    forkless_db(&r, dir, "gc");
    FL_ASSERT_EQ_INT(r.code, 2);
    FL_ASSERT_CONTAINS(r.out, "forkless.ini");
    cmd_result_free(&r);

    /* A dead run's leftover: its clone without a lock (the lock went with its process). */
    char *leftover = dbt_path(dir, "t.fl-dead1-1.db");
    dbt_exec_file(leftover, "CREATE TABLE t(x)");
    char *ini = dbt_path(dir, "forkless.ini");
    FILE *f = fopen(ini, "w");
    fputs("[db.default]\nurl = sqlite:t.db\n", f);
    fclose(f);
    forkless_db(&r, dir, "gc");
    FL_ASSERT_EQ_INT(r.code, 0);
    FL_ASSERT_CONTAINS(r.out, "t.fl-dead1-1.db (run dead1 is not running)");
    FL_ASSERT_CONTAINS(r.out, "1 leftover removed");
    cmd_result_free(&r);
    char *listing = dbt_listing(dir);
    FL_ASSERT_EQ_STR(listing, "forkless.ini\nt.db\n");
    free(listing);
    free(ini);
    free(leftover);
    free(path);
    dbt_cleanup(dir);
}
