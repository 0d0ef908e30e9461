/*
 * cache_test.c — templates built by a setup command and cached by key: built once,
 * reused while the command and the input files are unchanged, rebuilt when they change or
 * on --rebuild; the setup command's environment; failures leave the old template (or
 * nothing) in place; concurrent builders build once.
 */
#include <forkless/forkless.h>
#include <forkless/test.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../integration/harness.h"
#include "core/util.h"
#include "db_test_util.h"
#include "platform/fs.h"
#include "platform/platform.h"

static void need_sqlite_cli(void)
{
    if (!fl_file_exists("/usr/bin/sqlite3"))
        FL_SKIP("/usr/bin/sqlite3 is not installed (the setup commands here use it)");
}

/* Runs one run's template preparation; returns the code, *log_out gets the log. */
static int prepare(const char *url, char **setup, char **globs, size_t n_globs, int rebuild,
                   char **log_out, fl_error *err)
{
    fl_dbset *set = dbt_open_set(url, NULL, "cache1");
    size_t size;
    FILE *log = open_memstream(log_out, &size);
    int rc = fl_dbset_prepare_templates(set, setup, globs, n_globs, rebuild, log, err);
    fclose(log);
    fl_dbset_free(set);
    return rc;
}

static long count_lines(const char *path)
{
    char *data;
    size_t size;
    fl_error err;
    if (fl_fs_read_file(path, &data, &size, &err) != FL_OK)
        return 0;
    long n = 0;
    for (size_t i = 0; i < size; i++)
        n += data[i] == '\n';
    free(data);
    return n;
}

FL_TEST(db_cache, built_once_reused_then_rebuilt_on_change)
{
    need_sqlite_cli();
    char *dir = dbt_temp_dir();
    char *url = dbt_url(dir, "t.db"), *path = dbt_path(dir, "t.db");
    char *migration = dbt_path(dir, "001.sql"), *counter = dbt_path(dir, "builds");
    char *envfile = dbt_path(dir, "env");
    dbt_exec_file(path, "CREATE TABLE stale(x)"); /* a template without a key is rebuilt */
    FILE *f = fopen(migration, "w");
    fputs("CREATE TABLE item(id INTEGER PRIMARY KEY, name TEXT); INSERT INTO item(name) VALUES ('v1');", f);
    fclose(f);
    char *script = fl_xasprintf(
        "echo x >> '%s'; printf '%%s\\n%%s\\n%%s\\n' \"$FORKLESS_DB_DEFAULT\" "
        "\"$FORKLESS_DB_DEFAULT_NAME\" \"$DATABASE_URL\" > '%s'; "
        "{ echo 'PRAGMA journal_mode=WAL;'; cat '%s'; } | /usr/bin/sqlite3 \"$FORKLESS_DB_DEFAULT_NAME\" >/dev/null",
        counter, envfile, migration);
    char *setup[] = {"sh", "-c", script, NULL};
    char *glob = dbt_path(dir, "*.sql");
    char *globs[] = {glob};
    char *log = NULL;
    fl_error err = {0};

    FL_ASSERT_EQ_INT(prepare(url, setup, globs, 1, 0, &log, &err), FL_OK);
    FL_ASSERT_CONTAINS(log, "template default built");
    FL_ASSERT_EQ_INT(count_lines(counter), 1);
    free(log);
    /* The setup command saw the template under construction, and nothing else. */
    char *want_env = fl_xasprintf("sqlite://%s/t.fl-cache1-build.db\n%s/t.fl-cache1-build.db\n"
                                  "sqlite://%s/t.fl-cache1-build.db\n", dir, dir, dir);
    char *env;
    size_t env_size;
    FL_ASSERT_EQ_INT(fl_fs_read_file(envfile, &env, &env_size, &err), FL_OK);
    FL_ASSERT_EQ_STR(env, want_env);
    free(env);
    free(want_env);
    /* The built template is quiescent: rollback journal, no WAL left over. */
    sqlite3 *db = dbt_open(path);
    FL_ASSERT_EQ_STR(dbt_query(db, "PRAGMA journal_mode"), "delete");
    FL_ASSERT_EQ_STR(dbt_query(db, "SELECT name FROM item"), "v1");
    sqlite3_close(db);
    char *listing = dbt_listing(dir);
    FL_ASSERT_EQ_STR(listing, ".t.db.forkless-key\n001.sql\nbuilds\nenv\nt.db\n");
    free(listing);

    FL_ASSERT_EQ_INT(prepare(url, setup, globs, 1, 0, &log, &err), FL_OK);
    FL_ASSERT_CONTAINS(log, "template default reused (key ");
    FL_ASSERT_EQ_INT(count_lines(counter), 1);
    free(log);

    f = fopen(migration, "w");
    fputs("CREATE TABLE item(id INTEGER PRIMARY KEY, name TEXT); INSERT INTO item(name) VALUES ('v2');", f);
    fclose(f);
    FL_ASSERT_EQ_INT(prepare(url, setup, globs, 1, 0, &log, &err), FL_OK);
    FL_ASSERT_CONTAINS(log, "built");
    FL_ASSERT_EQ_INT(count_lines(counter), 2);
    free(log);
    db = dbt_open(path);
    FL_ASSERT_EQ_STR(dbt_query(db, "SELECT name FROM item"), "v2");
    sqlite3_close(db);

    FL_ASSERT_EQ_INT(prepare(url, setup, globs, 1, 1, &log, &err), FL_OK); /* --rebuild */
    FL_ASSERT_EQ_INT(count_lines(counter), 3);
    free(log);
    char *other_script = fl_xasprintf("%s # changed", script);
    char *other_setup[] = {"sh", "-c", other_script, NULL};
    FL_ASSERT_EQ_INT(prepare(url, other_setup, globs, 1, 0, &log, &err), FL_OK);
    FL_ASSERT_EQ_INT(count_lines(counter), 4);
    free(log);
    FL_ASSERT_EQ_INT(prepare(url, other_setup, globs, 1, 0, &log, &err), FL_OK);
    FL_ASSERT_EQ_INT(count_lines(counter), 4);
    free(log);
    free(other_script);
    free(script);
    free(glob);
    free(envfile);
    free(counter);
    free(migration);
    free(path);
    free(url);
    dbt_cleanup(dir);
}

FL_TEST(db_cache, a_failing_setup_leaves_the_old_template_and_no_debris)
{
    need_sqlite_cli();
    char *dir = dbt_temp_dir();
    char *url = dbt_url(dir, "t.db"), *path = dbt_path(dir, "t.db");
    char *log = NULL;
    fl_error err = {0};
    char *fail_new[] = {"sh", "-c",
                        "/usr/bin/sqlite3 \"$FORKLESS_DB_DEFAULT_NAME\" 'CREATE TABLE half(x)'; exit 3",
                        NULL};
    FL_ASSERT_EQ_INT(prepare(url, fail_new, NULL, 0, 0, &log, &err), FL_ERR_DB);
    FL_ASSERT_CONTAINS(err.msg, "setup command 'sh -c ");
    FL_ASSERT_CONTAINS(err.msg, "failed (exit code 3)");
    FL_ASSERT_EQ_INT(fl_exit_code_for(err.code), 3);
    free(log);
    char *listing = dbt_listing(dir);
    FL_ASSERT_EQ_STR(listing, "");
    free(listing);

    char *good_setup[] = {"sh", "-c", "/usr/bin/sqlite3 \"$FORKLESS_DB_DEFAULT_NAME\" 'CREATE TABLE good(x)'", NULL};
    FL_ASSERT_EQ_INT(prepare(url, good_setup, NULL, 0, 0, &log, &err), FL_OK);
    free(log);
    char *fail_rebuild[] = {"sh", "-c",
                            "/usr/bin/sqlite3 \"$FORKLESS_DB_DEFAULT_NAME\" 'CREATE TABLE bad(x)'; kill -9 $$",
                            NULL};
    FL_ASSERT_EQ_INT(prepare(url, fail_rebuild, NULL, 0, 0, &log, &err), FL_ERR_DB);
    FL_ASSERT_CONTAINS(err.msg, "signal 9");
    free(log);
    sqlite3 *db = dbt_open(path);
    FL_ASSERT_EQ_STR(dbt_query(db, "SELECT group_concat(name) FROM sqlite_schema"), "good");
    sqlite3_close(db);
    listing = dbt_listing(dir);
    FL_ASSERT_EQ_STR(listing, ".t.db.forkless-key\nt.db\n");
    free(listing);
    /* The failed attempt did not spoil the cache: the good command is still a hit. */
    FL_ASSERT_EQ_INT(prepare(url, good_setup, NULL, 0, 0, &log, &err), FL_OK);
    FL_ASSERT_CONTAINS(log, "reused");
    free(log);

    char *creates_nothing[] = {"true", NULL};
    FL_ASSERT_EQ_INT(prepare(url, creates_nothing, NULL, 0, 0, &log, &err), FL_ERR_DB);
    FL_ASSERT_CONTAINS(err.msg, "did not create the template database");
    free(log);
    char *missing[] = {"/nonexistent/migrate", NULL};
    FL_ASSERT_EQ_INT(prepare(url, missing, NULL, 0, 0, &log, &err), FL_ERR_SPAWN);
    FL_ASSERT_CONTAINS(err.msg, "/nonexistent/migrate");
    free(log);
    listing = dbt_listing(dir);
    FL_ASSERT_EQ_STR(listing, ".t.db.forkless-key\nt.db\n");
    free(listing);
    free(path);
    free(url);
    dbt_cleanup(dir);
}

FL_TEST(db_cache, concurrent_builders_build_once)
{
    need_sqlite_cli();
    char *dir = dbt_temp_dir();
    char *url = dbt_url(dir, "t.db"), *counter = dbt_path(dir, "builds");
    char *script = fl_xasprintf("echo x >> '%s'; sleep 1; "
                                "/usr/bin/sqlite3 \"$FORKLESS_DB_DEFAULT_NAME\" 'CREATE TABLE t(x)'",
                                counter);
    char *setup[] = {"sh", "-c", script, NULL};
    fl_proc *a = dbt_start_holder(url, "racea", "copy", setup);
    fl_proc *b = dbt_start_holder(url, "raceb", "copy", setup);
    dbt_wait_for_output(a, "ready", 30);
    dbt_wait_for_output(b, "ready", 30);
    FL_ASSERT_EQ_INT(count_lines(counter), 1);
    FL_ASSERT_EQ_INT(dbt_count_entries(dir, ".fl-race"), 6); /* 2 locks + 2 x 2 clones */
    fl_proc_kill(a, 1);
    fl_proc_kill(b, 1);
    fl_exit ex;
    fl_proc_wait(a, &ex);
    fl_proc_wait(b, &ex);
    fl_proc_free(a);
    fl_proc_free(b);
    size_t removed = 0;
    fl_error err = {0};
    FL_ASSERT_EQ_INT(fl_db_gc(&url, 1, NULL, &removed, &err), FL_OK);
    FL_ASSERT_EQ_INT(removed, 6);
    char *listing = dbt_listing(dir);
    FL_ASSERT_EQ_STR(listing, ".t.db.forkless-key\nbuilds\nt.db\n");
    free(listing);
    free(script);
    free(counter);
    free(url);
    dbt_cleanup(dir);
}
