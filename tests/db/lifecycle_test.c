/*
 * lifecycle_test.c — a run's databases from open to teardown: worker variables, several
 * aliases, re-cloning a crashed slot, --keep, standalone clones, partial failure, and
 * that a normal lifecycle leaves nothing behind in the template's directory.
 */
#include <forkless/forkless.h>
#include <forkless/test.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "db_test_util.h"
#include "platform/platform.h"

static void make_small_template(const char *path)
{
    dbt_exec_file(path, "CREATE TABLE item(id INTEGER PRIMARY KEY, name TEXT);"
                        "INSERT INTO item(name) VALUES ('a'), ('b');");
}

static void lifecycle_leaves_nothing(const char *method)
{
    char *dir = dbt_temp_dir();
    char *path = dbt_path(dir, "t.db"), *url = dbt_url(dir, "t.db");
    make_small_template(path);
    fl_dbset *set = dbt_open_set(url, method, "life1");
    fl_error err = {0};
    FL_ASSERT_EQ_INT(fl_dbset_prepare_templates(set, NULL, NULL, 0, 0, NULL, &err), FL_OK);
    FL_ASSERT_EQ_INT(fl_dbset_clone_all(set, 4, &err), FL_OK);
    for (int slot = 1; slot <= 4; slot++) {
        char *u = dbt_worker_var(set, slot, "FORKLESS_DB_DEFAULT");
        char *name = dbt_worker_var(set, slot, "FORKLESS_DB_DEFAULT_NAME");
        char *durl = dbt_worker_var(set, slot, "DATABASE_URL");
        char *m = dbt_worker_var(set, slot, "FORKLESS_DB_DEFAULT_METHOD");
        FL_ASSERT_EQ_STR(durl, u);
        FL_ASSERT_EQ_STR(m, method);
        FL_ASSERT(fl_file_exists(name));
        char *expected = strcmp(method, "memory") == 0
                             ? fl_xasprintf("sqlite+memory://%s/t.fl-life1-image.db", dir)
                             : fl_xasprintf("sqlite://%s/t.fl-life1-%d.db", dir, slot);
        FL_ASSERT_EQ_STR(u, expected);
        free(expected);
        free(u);
        free(name);
        free(durl);
        free(m);
    }
    FL_ASSERT_EQ_INT(fl_dbset_reclone(set, 2, &err), FL_OK);
    FL_ASSERT_EQ_INT(fl_dbset_teardown(set, 0, NULL, &err), FL_OK);
    fl_dbset_free(set);
    char *listing = dbt_listing(dir);
    FL_ASSERT_EQ_STR(listing, "t.db\n");
    free(listing);
    free(path);
    free(url);
    dbt_cleanup(dir);
}

FL_TEST(db_lifecycle, nothing_left_copy) { lifecycle_leaves_nothing("copy"); }
FL_TEST(db_lifecycle, nothing_left_backup) { lifecycle_leaves_nothing("backup"); }
FL_TEST(db_lifecycle, nothing_left_memory) { lifecycle_leaves_nothing("memory"); }
FL_TEST(db_lifecycle, nothing_left_dump) { lifecycle_leaves_nothing("dump"); }

FL_TEST(db_lifecycle, reclone_gives_the_slot_a_fresh_copy)
{
    char *dir = dbt_temp_dir();
    char *path = dbt_path(dir, "t.db"), *url = dbt_url(dir, "t.db");
    make_small_template(path);
    fl_dbset *set = dbt_open_set(url, NULL, "recl1");
    fl_error err = {0};
    FL_ASSERT_EQ_INT(fl_dbset_prepare_templates(set, NULL, NULL, 0, 0, NULL, &err), FL_OK);
    FL_ASSERT_EQ_INT(fl_dbset_clone_all(set, 2, &err), FL_OK);
    char *one = dbt_worker_var(set, 1, "FORKLESS_DB_DEFAULT_NAME");
    char *two = dbt_worker_var(set, 2, "FORKLESS_DB_DEFAULT_NAME");
    dbt_exec_file(one, "INSERT INTO item(name) VALUES ('from slot 1')");
    dbt_exec_file(two, "INSERT INTO item(name) VALUES ('from slot 2'); DROP TABLE item;");
    FL_ASSERT_EQ_INT(fl_dbset_reclone(set, 2, &err), FL_OK);
    sqlite3 *db = dbt_open(two);
    FL_ASSERT_EQ_STR(dbt_query(db, "SELECT group_concat(name) FROM item"), "a,b");
    sqlite3_close(db);
    db = dbt_open(one);
    FL_ASSERT_EQ_STR(dbt_query(db, "SELECT count(*) FROM item"), "3");
    sqlite3_close(db);
    FL_ASSERT_EQ_INT(fl_dbset_reclone(set, 3, &err), FL_ERR_USAGE);
    FL_ASSERT_EQ_INT(fl_dbset_teardown(set, 0, NULL, &err), FL_OK);
    fl_dbset_free(set);
    free(one);
    free(two);
    free(path);
    free(url);
    dbt_cleanup(dir);
}

FL_TEST(db_lifecycle, two_aliases_get_their_own_variables)
{
    char *dir = dbt_temp_dir();
    char *a = dbt_path(dir, "main.db"), *b = dbt_path(dir, "other.sqlite3");
    char *ua = dbt_url(dir, "main.db"), *ub = dbt_url(dir, "other.sqlite3");
    make_small_template(a);
    make_small_template(b);
    fl_db_spec specs[] = {{"default", ua, NULL}, {"Other_2", ub, "backup"}};
    fl_dbset *set;
    fl_error err = {0};
    FL_ASSERT_EQ_INT(fl_dbset_open(specs, 2, "Two2", NULL, &set, &err), FL_OK);
    FL_ASSERT_EQ_INT(fl_dbset_prepare_templates(set, NULL, NULL, 0, 0, NULL, &err), FL_OK);
    FL_ASSERT_EQ_INT(fl_dbset_clone_all(set, 2, &err), FL_OK);
    char *other = dbt_worker_var(set, 2, "FORKLESS_DB_OTHER_2");
    char *method = dbt_worker_var(set, 2, "FORKLESS_DB_OTHER_2_METHOD");
    char *main_url = dbt_worker_var(set, 2, "DATABASE_URL");
    char *want_other = fl_xasprintf("sqlite://%s/other.fl-two2-2.sqlite3", dir);
    char *want_main = fl_xasprintf("sqlite://%s/main.fl-two2-2.db", dir);
    FL_ASSERT_EQ_STR(other, want_other);
    FL_ASSERT_EQ_STR(method, "backup");
    FL_ASSERT_EQ_STR(main_url, want_main);
    FL_ASSERT_EQ_INT(fl_dbset_teardown(set, 0, NULL, &err), FL_OK);
    fl_dbset_free(set);
    char *listing = dbt_listing(dir);
    FL_ASSERT_EQ_STR(listing, "main.db\nother.sqlite3\n");
    free(listing);

    /* Two aliases on one template, one alias twice, a bad alias: usage errors. */
    fl_db_spec same[] = {{"default", ua, NULL}, {"other", ua, NULL}};
    FL_ASSERT_EQ_INT(fl_dbset_open(same, 2, "x1", NULL, &set, &err), FL_ERR_USAGE);
    FL_ASSERT_CONTAINS(err.msg, "name the same template");
    fl_db_spec twice[] = {{"default", ua, NULL}, {"DEFAULT", ub, NULL}};
    FL_ASSERT_EQ_INT(fl_dbset_open(twice, 2, "x1", NULL, &set, &err), FL_ERR_USAGE);
    FL_ASSERT_CONTAINS(err.msg, "given twice");
    fl_db_spec bad[] = {{"my-db", ua, NULL}};
    FL_ASSERT_EQ_INT(fl_dbset_open(bad, 1, "x1", NULL, &set, &err), FL_ERR_USAGE);
    FL_ASSERT_CONTAINS(err.msg, "alias 'my-db'");
    listing = dbt_listing(dir);
    FL_ASSERT_EQ_STR(listing, "main.db\nother.sqlite3\n");
    free(listing);
    free(other);
    free(method);
    free(main_url);
    free(want_other);
    free(want_main);
    free(a);
    free(b);
    free(ua);
    free(ub);
    dbt_cleanup(dir);
}

FL_TEST(db_lifecycle, keep_leaves_marked_clones_that_gc_spares_and_drop_removes)
{
    char *dir = dbt_temp_dir();
    char *path = dbt_path(dir, "t.db"), *url = dbt_url(dir, "t.db");
    make_small_template(path);
    fl_dbset *set = dbt_open_set(url, NULL, "keep1");
    fl_error err = {0};
    FL_ASSERT_EQ_INT(fl_dbset_prepare_templates(set, NULL, NULL, 0, 0, NULL, &err), FL_OK);
    FL_ASSERT_EQ_INT(fl_dbset_clone_all(set, 2, &err), FL_OK);
    char *u1 = dbt_worker_var(set, 1, "FORKLESS_DB_DEFAULT");
    char *u2 = dbt_worker_var(set, 2, "FORKLESS_DB_DEFAULT");
    char *log_text = NULL;
    size_t log_size = 0;
    FILE *log = open_memstream(&log_text, &log_size);
    FL_ASSERT_EQ_INT(fl_dbset_teardown(set, 1, log, &err), FL_OK);
    fclose(log);
    fl_dbset_free(set);
    FL_ASSERT_CONTAINS(log_text, u1);
    FL_ASSERT_CONTAINS(log_text, u2);
    char *listing = dbt_listing(dir);
    FL_ASSERT_EQ_STR(listing, ".t.db.fl-keep1-keep\nt.db\nt.fl-keep1-1.db\nt.fl-keep1-2.db\n");
    free(listing);

    size_t removed = 99;
    char *urls[] = {url};
    FL_ASSERT_EQ_INT(fl_db_gc(urls, 1, NULL, &removed, &err), FL_OK);
    FL_ASSERT_EQ_INT(removed, 0);
    char *drop[] = {u1, u2};
    FL_ASSERT_EQ_INT(fl_db_drop(drop, 2, &err), FL_OK);
    listing = dbt_listing(dir);
    FL_ASSERT_EQ_STR(listing, "t.db\n");
    free(listing);
    free(log_text);
    free(u1);
    free(u2);
    free(path);
    free(url);
    dbt_cleanup(dir);
}

FL_TEST(db_lifecycle, standalone_clones_outlive_the_call_until_dropped)
{
    char *dir = dbt_temp_dir();
    char *path = dbt_path(dir, "t.db"), *url = dbt_url(dir, "t.db");
    make_small_template(path);
    char **urls = NULL;
    fl_error err = {0};
    FL_ASSERT_EQ_INT(fl_db_clone(url, 3, NULL, &urls, &err), FL_OK);
    size_t n = 0;
    while (urls[n])
        n++;
    FL_ASSERT_EQ_INT(n, 3);
    FL_ASSERT_EQ_INT(dbt_count_entries(dir, "t.fl-"), 3);
    FL_ASSERT_EQ_INT(dbt_count_entries(dir, "-keep"), 1);
    size_t removed = 99;
    char *templates[] = {url};
    FL_ASSERT_EQ_INT(fl_db_gc(templates, 1, NULL, &removed, &err), FL_OK);
    FL_ASSERT_EQ_INT(removed, 0);
    /* Dropping some keeps the mark; dropping the last removes it. */
    FL_ASSERT_EQ_INT(fl_db_drop(urls, 2, &err), FL_OK);
    FL_ASSERT_EQ_INT(dbt_count_entries(dir, "-keep"), 1);
    FL_ASSERT_EQ_INT(fl_db_drop(urls + 2, 1, &err), FL_OK);
    char *listing = dbt_listing(dir);
    FL_ASSERT_EQ_STR(listing, "t.db\n");
    free(listing);
    fl_strv_free(urls);

    /* Memory clones: one image, the same sqlite+memory URL for each. */
    FL_ASSERT_EQ_INT(fl_db_clone(url, 2, "memory", &urls, &err), FL_OK);
    FL_ASSERT_EQ_STR(urls[0], urls[1]);
    FL_ASSERT(strncmp(urls[0], "sqlite+memory:///", 17) == 0);
    FL_ASSERT_EQ_INT(fl_db_drop(urls, 1, &err), FL_OK);
    listing = dbt_listing(dir);
    FL_ASSERT_EQ_STR(listing, "t.db\n");
    free(listing);
    fl_strv_free(urls);
    free(path);
    free(url);
    dbt_cleanup(dir);
}

FL_TEST(db_lifecycle, a_failed_slot_leaves_no_clone_behind)
{
    char *dir = dbt_temp_dir();
    char *path = dbt_path(dir, "t.db"), *url = dbt_url(dir, "t.db");
    make_small_template(path);
    /* Something not ours already sits where slot 3's clone would go. */
    char *squatter = dbt_path(dir, "t.fl-part1-3.db");
    dbt_exec_file(squatter, "CREATE TABLE mine(x)");
    fl_dbset *set = dbt_open_set(url, NULL, "part1");
    fl_error err = {0};
    FL_ASSERT_EQ_INT(fl_dbset_prepare_templates(set, NULL, NULL, 0, 0, NULL, &err), FL_OK);
    FL_ASSERT_EQ_INT(fl_dbset_clone_all(set, 4, &err), FL_ERR_IO);
    FL_ASSERT_CONTAINS(err.msg, "slot 3");
    FL_ASSERT_CONTAINS(err.msg, squatter);
    FL_ASSERT_EQ_INT(fl_exit_code_for(err.code), 3);
    FL_ASSERT_EQ_INT(fl_dbset_teardown(set, 0, NULL, &err), FL_OK);
    fl_dbset_free(set);
    char *listing = dbt_listing(dir);
    FL_ASSERT_EQ_STR(listing, "t.db\nt.fl-part1-3.db\n");
    free(listing);
    sqlite3 *db = dbt_open(squatter);
    FL_ASSERT_EQ_STR(dbt_query(db, "SELECT name FROM sqlite_schema"), "mine");
    sqlite3_close(db);
    free(squatter);
    free(path);
    free(url);
    dbt_cleanup(dir);
}
