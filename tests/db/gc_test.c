/*
 * gc_test.c — leftovers of runs killed with SIGKILL are collected by fl_db_gc, while a
 * live run's clones in the same directory are never touched: the run's lock file is held
 * by the (killed) holder process, so only the OS's release of it tells gc the run is dead.
 */
#include <forkless/forkless.h>
#include <forkless/test.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "db_test_util.h"
#include "platform/platform.h"

static void kill_and_reap(fl_proc *p)
{
    fl_exit ex;
    fl_proc_kill(p, 1); /* SIGKILL to its whole group: no chance to clean up */
    fl_proc_wait(p, &ex);
    FL_ASSERT_EQ_INT(ex.signaled, 1);
    fl_proc_free(p);
}

static char *gc_log(const char *url, size_t *removed)
{
    char *text = NULL;
    size_t size;
    FILE *log = open_memstream(&text, &size);
    fl_error err = {0};
    char *urls[] = {(char *)url};
    int rc = fl_db_gc(urls, 1, log, removed, &err);
    fclose(log);
    if (rc != FL_OK)
        FL_FAIL("fl_db_gc: %s", err.msg);
    return text;
}

static void killed_run_is_collected(const char *method)
{
    char *dir = dbt_temp_dir();
    char *path = dbt_path(dir, "t.db"), *url = dbt_url(dir, "t.db");
    dbt_exec_file(path, "CREATE TABLE t(x); INSERT INTO t VALUES (1);");

    /* A live run in this process... */
    fl_dbset *live = dbt_open_set(url, method, "alive");
    fl_error err = {0};
    FL_ASSERT_EQ_INT(fl_dbset_prepare_templates(live, NULL, NULL, 0, 0, NULL, &err), FL_OK);
    FL_ASSERT_EQ_INT(fl_dbset_clone_all(live, 2, &err), FL_OK);
    char *before_holder = dbt_listing(dir);

    /* ...and one in a process that is killed mid-run. */
    fl_proc *holder = dbt_start_holder(url, "doomed", method, NULL);
    dbt_wait_for_output(holder, "ready", 30);
    int doomed_files = dbt_count_entries(dir, "fl-doomed");
    FL_ASSERT_GE_INT(doomed_files, 2); /* its lock and at least one clone or image */

    size_t removed = 99;
    char *log = gc_log(url, &removed); /* everyone is alive: nothing to do */
    FL_ASSERT_EQ_INT(removed, 0);
    free(log);

    kill_and_reap(holder);
    FL_ASSERT_EQ_INT(dbt_count_entries(dir, "fl-doomed"), doomed_files);
    log = gc_log(url, &removed);
    FL_ASSERT_EQ_INT(removed, doomed_files);
    FL_ASSERT_CONTAINS(log, "run doomed is not running");
    FL_ASSERT_EQ_INT(dbt_count_entries(dir, "fl-doomed"), 0);
    char *after = dbt_listing(dir);
    FL_ASSERT_EQ_STR(after, before_holder); /* the live run's files are all there */
    free(log);

    FL_ASSERT_EQ_INT(fl_dbset_teardown(live, 0, NULL, &err), FL_OK);
    fl_dbset_free(live);
    char *end = dbt_listing(dir);
    FL_ASSERT_EQ_STR(end, "t.db\n");
    free(end);
    free(after);
    free(before_holder);
    free(path);
    free(url);
    dbt_cleanup(dir);
}

FL_TEST(db_gc, killed_copy_run_collected_live_run_spared) { killed_run_is_collected("copy"); }
FL_TEST(db_gc, killed_memory_run_collected_live_run_spared) { killed_run_is_collected("memory"); }
FL_TEST(db_gc, killed_backup_run_collected_live_run_spared) { killed_run_is_collected("backup"); }

FL_TEST(db_gc, run_killed_while_building_its_template)
{
    if (!fl_file_exists("/usr/bin/sqlite3"))
        FL_SKIP("/usr/bin/sqlite3 is not installed");
    char *dir = dbt_temp_dir();
    char *url = dbt_url(dir, "t.db"), *flag = dbt_path(dir, "started");
    char *script = fl_xasprintf("/usr/bin/sqlite3 \"$FORKLESS_DB_DEFAULT_NAME\" "
                                "'PRAGMA journal_mode=WAL; CREATE TABLE t(x)' >/dev/null; "
                                "echo > '%s'; sleep 60",
                                flag);
    char *setup[] = {"sh", "-c", script, NULL};
    fl_proc *holder = dbt_start_holder(url, "midbuild", "copy", setup);
    dbt_wait_for_output(holder, "building", 30);
    for (int i = 0; i < 300 && !fl_file_exists(flag); i++)
        fl_sleep_ms(20);
    FL_ASSERT(fl_file_exists(flag));
    FL_ASSERT_GE_INT(dbt_count_entries(dir, "t.fl-midbuild-build.db"), 1);
    kill_and_reap(holder); /* the setup command (same process group) dies with it */
    size_t removed = 0;
    char *log = gc_log(url, &removed);
    FL_ASSERT_CONTAINS(log, "an unfinished template build");
    char *listing = dbt_listing(dir);
    FL_ASSERT_EQ_STR(listing, "started\n");
    free(listing);
    free(log);
    free(script);
    free(flag);
    free(url);
    dbt_cleanup(dir);
}

FL_TEST(db_gc, keeps_kept_runs_and_foreign_files)
{
    char *dir = dbt_temp_dir();
    char *path = dbt_path(dir, "t.db"), *url = dbt_url(dir, "t.db");
    dbt_exec_file(path, "CREATE TABLE t(x)");
    /* Files that merely look similar are not ours. */
    static const char *const foreign[] = {"t.fl-abc.db", "t.fl-ABC-1.db", "t.fl-abc-1.db.bak",
                                          "u.fl-abc-1.db", "t.fl-abc-1.sqlite", "t-fl-abc-1.db"};
    for (size_t i = 0; i < sizeof foreign / sizeof *foreign; i++) {
        char *p = dbt_path(dir, foreign[i]);
        FILE *f = fopen(p, "w");
        fclose(f);
        free(p);
    }
    char **kept;
    fl_error err = {0};
    FL_ASSERT_EQ_INT(fl_db_clone(url, 2, NULL, &kept, &err), FL_OK);
    char *before = dbt_listing(dir);
    size_t removed = 99;
    char *log = gc_log(url, &removed);
    FL_ASSERT_EQ_INT(removed, 0);
    char *after = dbt_listing(dir);
    FL_ASSERT_EQ_STR(after, before);
    FL_ASSERT_EQ_INT(fl_db_drop(kept, 2, &err), FL_OK);
    fl_strv_free(kept);
    free(log);
    free(before);
    free(after);
    free(path);
    free(url);
    dbt_cleanup(dir);
}
