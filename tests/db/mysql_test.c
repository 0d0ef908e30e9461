/*
 * mysql_test.c — the MySQL/MariaDB engine against a real server (FORKLESS_TEST_MYSQL_URL;
 * the tests skip loudly without one, or fail under FORKLESS_REQUIRE_SERVERS=1): URL
 * parsing, fidelity of both clone methods (schema dump, table checksums, AUTO_INCREMENT
 * counters, sequences) on a template with a foreign-key cycle, views on views, ordered
 * triggers, routines, an event, generated columns and CHECK constraints, the `forkless db`
 * command, templates built by a setup command, gc after kill -9, two runs at once, and the
 * errors (wrong password, unreachable server, missing template, missing privilege, a
 * table forkless cannot copy) that must leave nothing behind; and definitions that name the
 * template schema without backquotes (tpl.tr ON tpl.t), which the copy must point at the
 * clone, or refuse by name when tpl.x cannot be told from an alias called tpl.
 */
#include <forkless/forkless.h>
#include <forkless/test.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../integration/harness.h"
#include "core/util.h"
#include "db/engine.h"
#include "db/mysql_int.h"
#include "db_test_util.h"
#include "my_test_util.h"
#include "platform/platform.h"

/* ---- URLs (no server needed) ---------------------------------------------------------- */

static int parse_fails(const char *url, const char *needle)
{
    fl_db_target *t = NULL;
    fl_error err = {0};
    int rc = fl_db_parse_target(url, &t, &err);
    if (rc == FL_OK) {
        t->engine->free_target(t);
        FL_FAIL("'%s' parsed, expected an error containing '%s'", url, needle);
    }
    FL_ASSERT_CONTAINS(err.msg, needle);
    FL_ASSERT(strstr(err.msg, "s3cret") == NULL);
    return rc;
}

FL_TEST(mysql, url_parsing)
{
    fl_db_target *t = NULL;
    fl_error err = {0};
    FL_ASSERT_EQ_INT(fl_db_parse_target("mysql://app:s3cret@db.example:3307/shop?socket=/run/my.sock"
                                        "&charset=utf8mb4&ssl=true&connect_timeout=5",
                                        &t, &err),
                     FL_OK);
    FL_ASSERT_EQ_STR(t->engine->name, "mysql");
    FL_ASSERT_EQ_STR(t->name, "shop");
    FL_ASSERT(strstr(t->redacted, "s3cret") == NULL);
    FL_ASSERT_CONTAINS(t->redacted, "app:***@db.example:3307/shop");
    t->engine->free_target(t);
    FL_ASSERT_EQ_INT(fl_db_parse_target("mariadb://localhost/caf%C3%A9", &t, &err), FL_OK);
    FL_ASSERT_EQ_STR(t->name, "café");
    t->engine->free_target(t);
    FL_ASSERT_EQ_INT(parse_fails("mysql://app:s3cret@h/", "names no database"), FL_ERR_USAGE);
    FL_ASSERT_EQ_INT(parse_fails("mysql://app:s3cret@h/db?bogus=1", "unknown option 'bogus'"),
                     FL_ERR_USAGE);
    FL_ASSERT_EQ_INT(parse_fails("mysql://app:s3cret@h:99999/db", "bad port"), FL_ERR_USAGE);
    FL_ASSERT_EQ_INT(parse_fails("mysql://app:s3cret@h/db?ssl=maybe", "bad value for option 'ssl'"),
                     FL_ERR_USAGE);
    char *longname = fl_xasprintf("mysql://h/%065d", 0);
    FL_ASSERT_EQ_INT(parse_fails(longname, "is not a database name"), FL_ERR_USAGE);
    free(longname);
    char *urls[] = {"mysql://app:s3cret@h/shop"};
    FL_ASSERT_EQ_INT(fl_db_drop(urls, 1, &err), FL_ERR_USAGE);
    FL_ASSERT_CONTAINS(err.msg, "is not a clone made by forkless");
}

/* ---- fidelity ------------------------------------------------------------------------- */

static char *name_of(const char *url)
{
    const char *scheme_end = strstr(url, "://");
    FL_ASSERT_NOT_NULL(scheme_end);
    const char *slash = strchr(scheme_end + 3, '/');
    FL_ASSERT_NOT_NULL(slash);
    return fl_xstrndup(slash + 1, strcspn(slash + 1, "?"));
}

static void clone_and_compare(const char *method, int count)
{
    char *tpl = myt_unique("mtpl");
    myt_make_rich(tpl);
    char *url = myt_url(tpl);
    char **urls = NULL;
    fl_error err = {0};
    if (fl_db_clone(url, count, method, &urls, &err) != FL_OK)
        FL_FAIL("clone failed: %s", err.msg);
    for (int i = 0; i < count; i++) {
        FL_ASSERT_NOT_NULL(urls[i]);
        char *name = name_of(urls[i]);
        FL_ASSERT_CONTAINS(name, "_fl_");
        myt_assert_same(tpl, name);
        free(name);
    }
    FL_ASSERT_NULL(urls[count]);
    char *prefix = fl_xasprintf("%s_fl_", tpl);
    FL_ASSERT_EQ_INT(myt_count_prefix(prefix), count);
    /* a clone works: its triggers fire, its routines run */
    char *first = name_of(urls[0]);
    char *sql = fl_xasprintf("CALL `%s`.add_order(1, 3.5)", first);
    myt_exec(first, sql);
    free(sql);
    sql = fl_xasprintf("SELECT CONCAT(`%s`.order_count(), ' ', (SELECT MAX(id) FROM `%s`.`order`),"
                       " ' ', (SELECT COUNT(*) FROM `%s`.log))", first, first, first);
    char *facts = myt_query(sql);
    FL_ASSERT_EQ_STR(facts, "4 10 4"); /* id 10: the counter survived the deleted row 9 */
    free(facts);
    free(sql);
    free(first);
    FL_ASSERT_EQ_INT(fl_db_drop(urls, (size_t)count, &err), FL_OK);
    FL_ASSERT_EQ_INT(myt_count_prefix(prefix), 0);
    fl_strv_free(urls);
    myt_drop(tpl);
    free(prefix);
    free(url);
    free(tpl);
}

FL_TEST(mysql, copy_is_faithful) { clone_and_compare("copy", 2); }

FL_TEST(mysql, dump_is_faithful) { clone_and_compare("dump", 2); }

FL_TEST(mysql, cli_clone_count_4)
{
    char *tpl = myt_unique("mcli");
    myt_make_rich(tpl);
    char *url = myt_url(tpl);
    char *line = fl_xasprintf("exec '%s' db clone '%s' --count 4", forkless_bin(), url);
    char *argv[] = {"/bin/sh", "-c", line, NULL};
    cmd_result r;
    run_cmd(&r, argv, NULL, 0);
    FL_ASSERT_EQ_INT(r.code, 0);
    char *drop = fl_xasprintf("exec '%s' db drop", forkless_bin());
    int lines = 0;
    for (char *p = r.out; *p;) {
        size_t len = strcspn(p, "\n");
        char *u = fl_xstrndup(p, len);
        if (strncmp(u, "mysql://", 8) == 0) {
            char *name = name_of(u);
            myt_assert_same(tpl, name);
            char *more = fl_xasprintf("%s '%s'", drop, u);
            free(drop);
            drop = more;
            free(name);
            lines++;
        }
        free(u);
        p += len + (p[len] == '\n');
    }
    FL_ASSERT_EQ_INT(lines, 4);
    cmd_result_free(&r);
    char *dargv[] = {"/bin/sh", "-c", drop, NULL};
    run_cmd(&r, dargv, NULL, 0);
    FL_ASSERT_EQ_INT(r.code, 0);
    cmd_result_free(&r);
    char *prefix = fl_xasprintf("%s_fl_", tpl);
    FL_ASSERT_EQ_INT(myt_count_prefix(prefix), 0);
    myt_drop(tpl);
    free(prefix);
    free(drop);
    free(line);
    free(url);
    free(tpl);
}

/* ---- errors: clear, exit 3, nothing half-made ------------------------------------------ */

static void expect_clone_error(const char *url, const char *needle, const char *prefix)
{
    char **urls = NULL;
    fl_error err = {0};
    int rc = fl_db_clone(url, 2, NULL, &urls, &err);
    if (rc == FL_OK)
        FL_FAIL("cloning '%s' worked; expected an error containing '%s'", url, needle);
    FL_ASSERT_EQ_INT(rc, FL_ERR_DB);
    FL_ASSERT_EQ_INT(fl_exit_code_for(rc), 3);
    FL_ASSERT_CONTAINS(err.msg, needle);
    FL_ASSERT(strstr(err.msg, "wr0ngpass") == NULL);
    if (prefix)
        FL_ASSERT_EQ_INT(myt_count_prefix(prefix), 0);
}

FL_TEST(mysql, errors_are_clear)
{
    const char *server = myt_server();
    char *tpl = myt_unique("merr");
    myt_make_rich(tpl);
    char *prefix = fl_xasprintf("%s_fl_", tpl);

    /* wrong password */
    const char *at = strchr(strstr(server, "://") + 3, '@');
    FL_ASSERT_NOT_NULL(at);
    char *bad = fl_xasprintf("mysql://root:wr0ngpass%s", at);
    char *bad_url = myt_url_on(bad, tpl);
    expect_clone_error(bad_url, "Access denied", prefix);
    /* unreachable server */
    char *nowhere = fl_xasprintf("mysql://root:wr0ngpass@127.0.0.1:1/%s?connect_timeout=2", tpl);
    expect_clone_error(nowhere, "cannot connect", NULL);
    /* missing template */
    char *missing = myt_url("no_such_template_here");
    expect_clone_error(missing, "template database 'no_such_template_here' does not exist", NULL);
    /* a table forkless cannot copy: named, and no clone left */
    char *tpl2 = myt_unique("mver");
    char *sql = fl_xasprintf("CREATE DATABASE `%s`; CREATE TABLE `%s`.plain (id INT);"
                             " CREATE TABLE `%s`.history (id INT) WITH SYSTEM VERSIONING", tpl2,
                             tpl2, tpl2);
    myt_exec(NULL, sql);
    free(sql);
    char *vurl = myt_url(tpl2);
    char *prefix2 = fl_xasprintf("%s_fl_", tpl2);
    expect_clone_error(vurl, "table `history` is system-versioned", prefix2);
    /* a user without the privilege to create databases */
    char *user = fl_xasprintf("fl_low_%ld", (long)fl_getpid());
    sql = fl_xasprintf("DROP USER IF EXISTS '%s'@'%%'; CREATE USER '%s'@'%%' IDENTIFIED BY 'low';"
                       " GRANT SELECT, SHOW VIEW ON `%s`.* TO '%s'@'%%'", user, user, tpl, user);
    myt_exec(NULL, sql);
    free(sql);
    const char *hostpart = strchr(strstr(server, "://") + 3, '@') + 1;
    char *low_server = fl_xasprintf("mysql://%s:low@%s", user, hostpart);
    char *low_url = myt_url_on(low_server, tpl);
    expect_clone_error(low_url, "denied", prefix);
    sql = fl_xasprintf("DROP USER '%s'@'%%'", user);
    myt_exec(NULL, sql);
    free(sql);

    myt_drop(tpl);
    myt_drop(tpl2);
    free(low_url);
    free(low_server);
    free(user);
    free(prefix2);
    free(vurl);
    free(tpl2);
    free(missing);
    free(nowhere);
    free(bad_url);
    free(bad);
    free(prefix);
    free(tpl);
}

/* ---- runs: gc after kill -9, kept clones, two runs at once, built templates ------------ */

static size_t run_gc(const char *url, char **log_text)
{
    char *text = NULL;
    size_t size, removed = 0;
    FILE *log = open_memstream(&text, &size);
    fl_error err = {0};
    char *urls[] = {(char *)url};
    int rc = fl_db_gc(urls, 1, log, &removed, &err);
    fclose(log);
    if (rc != FL_OK)
        FL_FAIL("gc failed: %s", err.msg);
    if (log_text)
        *log_text = text;
    else
        free(text);
    return removed;
}

static void kill_and_reap(fl_proc *p)
{
    fl_exit ex;
    fl_proc_kill(p, 1);
    fl_proc_wait(p, &ex);
    FL_ASSERT_EQ_INT(ex.signaled, 1);
    fl_proc_free(p);
}

FL_TEST(mysql, gc_after_kill_spares_live_and_kept)
{
    char *tpl = myt_unique("mgc");
    myt_make_rich(tpl);
    char *url = myt_url(tpl);
    char *doomed = fl_xasprintf("%s_fl_doomed%ld_", tpl, (long)fl_getpid() % 1000);
    char *run_id = fl_xasprintf("doomed%ld", (long)fl_getpid() % 1000);
    /* kept clones (db clone) */
    char **kept = NULL;
    fl_error err = {0};
    FL_ASSERT_EQ_INT(fl_db_clone(url, 1, NULL, &kept, &err), FL_OK);
    /* a live run in another process */
    fl_proc *holder = dbt_start_holder(url, run_id, "copy", NULL);
    dbt_wait_for_output(holder, "ready", 60);
    FL_ASSERT_EQ_INT(myt_count_prefix(doomed), 2);
    FL_ASSERT_EQ_INT(run_gc(url, NULL), 0); /* alive: untouched; kept: untouched */
    FL_ASSERT_EQ_INT(myt_count_prefix(doomed), 2);
    kill_and_reap(holder);
    /* the server notices the dead session; its lock goes */
    for (int i = 0; i < 100 && myt_count_prefix(doomed) == 2 && run_gc(url, NULL) == 0; i++)
        fl_sleep_ms(100);
    FL_ASSERT_EQ_INT(myt_count_prefix(doomed), 0);
    char *prefix = fl_xasprintf("%s_fl_", tpl);
    FL_ASSERT_EQ_INT(myt_count_prefix(prefix), 1); /* the kept clone */
    FL_ASSERT_EQ_INT(fl_db_drop(kept, 1, &err), FL_OK);
    FL_ASSERT_EQ_INT(myt_count_prefix(prefix), 0);
    fl_strv_free(kept);
    myt_drop(tpl);
    free(prefix);
    free(run_id);
    free(doomed);
    free(url);
    free(tpl);
}

FL_TEST(mysql, two_runs_at_once)
{
    char *tpl = myt_unique("mtwo");
    myt_make_rich(tpl);
    char *url = myt_url(tpl);
    fl_dbset *a = dbt_open_set(url, "copy", "runa");
    fl_dbset *b = dbt_open_set(url, "copy", "runb");
    fl_error err = {0};
    FL_ASSERT_EQ_INT(fl_dbset_prepare_templates(a, NULL, NULL, 0, 0, NULL, &err), FL_OK);
    FL_ASSERT_EQ_INT(fl_dbset_prepare_templates(b, NULL, NULL, 0, 0, NULL, &err), FL_OK);
    FL_ASSERT_EQ_INT(fl_dbset_clone_all(a, 3, &err), FL_OK);
    FL_ASSERT_EQ_INT(fl_dbset_clone_all(b, 3, &err), FL_OK);
    char *pa = fl_xasprintf("%s_fl_runa_", tpl), *pb = fl_xasprintf("%s_fl_runb_", tpl);
    FL_ASSERT_EQ_INT(myt_count_prefix(pa), 3);
    FL_ASSERT_EQ_INT(myt_count_prefix(pb), 3);
    char *name = dbt_worker_var(b, 2, "FORKLESS_DB_DEFAULT_NAME");
    myt_assert_same(tpl, name);
    free(name);
    FL_ASSERT_EQ_INT(run_gc(url, NULL), 0); /* both alive */
    FL_ASSERT_EQ_INT(fl_dbset_teardown(a, 0, NULL, &err), FL_OK);
    FL_ASSERT_EQ_INT(myt_count_prefix(pa), 0);
    FL_ASSERT_EQ_INT(myt_count_prefix(pb), 3);
    FL_ASSERT_EQ_INT(fl_dbset_teardown(b, 0, NULL, &err), FL_OK);
    FL_ASSERT_EQ_INT(myt_count_prefix(pb), 0);
    fl_dbset_free(a);
    fl_dbset_free(b);
    myt_drop(tpl);
    free(pa);
    free(pb);
    free(url);
    free(tpl);
}

/* The setup command: the mysql client filling the template under construction. */
static char **setup_command(const char *version)
{
    const char *server = myt_server();
    const char *a = strstr(server, "://") + 3;
    const char *at = strchr(a, '@'), *colon = strchr(a, ':');
    const char *hostport = at + 1;
    size_t hlen = strcspn(hostport, ":/");
    char *script = fl_xasprintf(
        "exec mysql --no-defaults --protocol=TCP --host=%.*s --port=%d --user=%.*s "
        "--password=%.*s \"$FORKLESS_DB_DEFAULT_NAME\" -e \"CREATE TABLE t (id INT "
        "AUTO_INCREMENT PRIMARY KEY, v VARCHAR(20)) AUTO_INCREMENT=50; INSERT INTO t (v) "
        "VALUES ('%s');\"",
        (int)hlen, hostport, atoi(hostport + hlen + 1), (int)(colon - a), a,
        (int)(at - colon - 1), colon + 1, version);
    char **argv = calloc(4, sizeof *argv);
    argv[0] = fl_xstrdup("/bin/sh");
    argv[1] = fl_xstrdup("-c");
    argv[2] = script;
    return argv;
}

/* Prepares (building or reusing) the template with a setup command; returns the log. */
static char *prepare_with_setup(const char *url, const char *run_id, const char *version,
                                int rebuild, char **clone_name)
{
    fl_dbset *set = dbt_open_set(url, "copy", run_id);
    char **setup = setup_command(version);
    char *text = NULL;
    size_t size;
    FILE *log = open_memstream(&text, &size);
    fl_error err = {0};
    int rc = fl_dbset_prepare_templates(set, setup, NULL, 0, rebuild, log, &err);
    fclose(log);
    if (rc != FL_OK)
        FL_FAIL("prepare failed: %s", err.msg);
    FL_ASSERT_EQ_INT(fl_dbset_clone_all(set, 1, &err), FL_OK);
    char *name = dbt_worker_var(set, 1, "FORKLESS_DB_DEFAULT_NAME");
    char *sql = fl_xasprintf("SELECT CONCAT(GROUP_CONCAT(v), ' ', (SELECT AUTO_INCREMENT FROM "
                             "information_schema.TABLES WHERE TABLE_SCHEMA = '%s' AND "
                             "TABLE_NAME = 't')) FROM `%s`.t", name, name);
    *clone_name = myt_query(sql);
    free(sql);
    free(name);
    FL_ASSERT_EQ_INT(fl_dbset_teardown(set, 0, NULL, &err), FL_OK);
    fl_dbset_free(set);
    fl_strv_free(setup);
    return text;
}

FL_TEST(mysql, setup_builds_and_caches_the_template)
{
    char *tpl = myt_unique("mbuild");
    char *url = myt_url(tpl);
    char *facts, *log;
    log = prepare_with_setup(url, "builda", "one", 0, &facts);
    FL_ASSERT_CONTAINS(log, "built");
    FL_ASSERT_EQ_STR(facts, "one 51");
    free(log);
    free(facts);
    /* same command: reused */
    log = prepare_with_setup(url, "buildb", "one", 0, &facts);
    FL_ASSERT_CONTAINS(log, "reused");
    FL_ASSERT_EQ_STR(facts, "one 51");
    free(log);
    free(facts);
    /* a new command: rebuilt; the superseded build is gone, the new one survives gc */
    log = prepare_with_setup(url, "buildc", "two", 0, &facts);
    FL_ASSERT_CONTAINS(log, "built");
    FL_ASSERT_EQ_STR(facts, "two 51");
    free(log);
    free(facts);
    char *old_build = fl_xasprintf("%s_fl_builda_build", tpl);
    FL_ASSERT_EQ_INT(myt_count_prefix(old_build), 0);
    FL_ASSERT_EQ_INT(run_gc(url, NULL), 0);
    char *prefix = fl_xasprintf("%s_fl_", tpl);
    FL_ASSERT_EQ_INT(myt_count_prefix(prefix), 1); /* the current build */
    /* `db clone` follows the name to the current build */
    char **urls = NULL;
    fl_error err = {0};
    FL_ASSERT_EQ_INT(fl_db_clone(url, 1, NULL, &urls, &err), FL_OK);
    char *name = name_of(urls[0]);
    char *build = fl_xasprintf("%s_fl_buildc_build", tpl);
    myt_assert_same(build, name);
    FL_ASSERT_EQ_INT(fl_db_drop(urls, 1, &err), FL_OK);
    fl_strv_free(urls);
    /* a failing setup command leaves the committed template and no half-built one */
    fl_dbset *set = dbt_open_set(url, "copy", "buildd");
    char *fail_argv[] = {"/bin/sh", "-c", "exit 7", NULL};
    FL_ASSERT_EQ_INT(fl_dbset_prepare_templates(set, fail_argv, NULL, 0, 1, NULL, &err), FL_ERR_DB);
    fl_dbset_free(set);
    FL_ASSERT_EQ_INT(myt_count_prefix(prefix), 1);
    char *sql = fl_xasprintf("SELECT actual FROM forkless.templates WHERE name = '%s'", tpl);
    char *actual = myt_query(sql);
    FL_ASSERT_EQ_STR(actual, build);
    free(actual);
    free(sql);
    sql = fl_xasprintf("DELETE FROM forkless.templates WHERE name = '%s'", tpl);
    myt_exec(NULL, sql);
    free(sql);
    myt_drop(build);
    free(build);
    free(name);
    free(prefix);
    free(old_build);
    free(url);
    free(tpl);
}

/* ---- faults: a run killed mid-clone, the server stopped mid-clone --------------------- */

/* A template whose copy takes a while: a few tables of rows. */
static void make_slow_template(const char *name, int rows)
{
    char *sql = fl_xasprintf(
        "DROP DATABASE IF EXISTS `%s`; CREATE DATABASE `%s`; USE `%s`;"
        "SET SESSION max_recursive_iterations = 10000000;"
        "CREATE TABLE a (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(200), KEY (v));"
        "INSERT INTO a (v) WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE"
        " n < %d) SELECT REPEAT(MD5(n), 6) FROM s;"
        "CREATE TABLE b LIKE a; INSERT INTO b SELECT * FROM a;"
        "CREATE TABLE c LIKE a; INSERT INTO c SELECT * FROM a;",
        name, name, name, rows);
    myt_exec(NULL, sql);
    free(sql);
}

FL_TEST(mysql, run_killed_mid_clone_then_gc)
{
    char *tpl = myt_unique("mkill");
    make_slow_template(tpl, 60000);
    char *url = myt_url(tpl);
    char *run_id = fl_xasprintf("kill%ld", (long)fl_getpid() % 10000);
    char *prefix = fl_xasprintf("%s_fl_%s_", tpl, run_id);
    fl_proc *holder = dbt_start_holder(url, run_id, "copy", NULL);
    for (int i = 0; i < 300 && myt_count_prefix(prefix) == 0; i++)
        fl_sleep_ms(20);
    FL_ASSERT_GT_INT(myt_count_prefix(prefix), 0); /* the clones are being made */
    kill_and_reap(holder);
    for (int i = 0; i < 200 && myt_count_prefix(prefix) > 0; i++) {
        run_gc(url, NULL);
        if (myt_count_prefix(prefix) > 0)
            fl_sleep_ms(100);
    }
    FL_ASSERT_EQ_INT(myt_count_prefix(prefix), 0);
    /* the template is intact and clonable */
    char **urls = NULL;
    fl_error err = {0};
    FL_ASSERT_EQ_INT(fl_db_clone(url, 1, NULL, &urls, &err), FL_OK);
    char *name = name_of(urls[0]);
    myt_assert_same(tpl, name);
    FL_ASSERT_EQ_INT(fl_db_drop(urls, 1, &err), FL_OK);
    fl_strv_free(urls);
    myt_drop(tpl);
    free(name);
    free(prefix);
    free(run_id);
    free(url);
    free(tpl);
}

/* Starts a throwaway server for this test (distinct port); NULL when it cannot. */
static char *start_own_server(const char *dir, int port)
{
    char *cmd = fl_xasprintf("'%s/tests/servers/start-mariadb.sh' '%s/my' %d", FL_SOURCE_DIR, dir,
                             port);
    char *argv[] = {"/bin/sh", "-c", cmd, NULL};
    cmd_result r;
    run_cmd(&r, argv, NULL, 0);
    free(cmd);
    char *url = NULL;
    if (r.code == 0 && strstr(r.out, "mysql://")) {
        const char *u = strstr(r.out, "mysql://");
        url = fl_xstrndup(u, strcspn(u, "\r\n"));
    }
    cmd_result_free(&r);
    return url;
}

static void stop_own_server(const char *dir)
{
    char *cmd = fl_xasprintf("'%s/tests/servers/stop-servers.sh' '%s'; for i in $(seq 50); do "
                             "[ -e '%s/my/mysqld.pid' ] || exit 0; sleep 0.2; done", FL_SOURCE_DIR,
                             dir, dir);
    char *argv[] = {"/bin/sh", "-c", cmd, NULL};
    cmd_result r;
    run_cmd(&r, argv, NULL, 0);
    cmd_result_free(&r);
    free(cmd);
}

FL_TEST(mysql, server_stopped_mid_clone)
{
    myt_server(); /* skips without a test server, like the others */
    const char *dir = temp_dir();
    int port = 33000 + (int)(fl_getpid() % 500) + 600;
    char *server = start_own_server(dir, port);
    if (!server)
        FL_SKIP("cannot start a throwaway MariaDB server with tests/servers/start-mariadb.sh on "
                "port %d: the server-stopped-mid-clone test did not run", port);
    MYSQL *m = myt_connect_to(server);
    mysql_close(m);
    /* fill a template on the own server through its URL */
    char *tpl_url = myt_url_on(server, "slowtpl");
    {
        MYSQL *c = myt_connect_to(server);
        char *sql = fl_xasprintf(
            "CREATE DATABASE slowtpl; USE slowtpl; SET SESSION max_recursive_iterations = 10000000;"
            "CREATE TABLE a (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(200), KEY (v));"
            "INSERT INTO a (v) WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s"
            " WHERE n < 100000) SELECT REPEAT(MD5(n), 6) FROM s;"
            "CREATE TABLE b LIKE a; INSERT INTO b SELECT * FROM a;");
        if (mysql_query(c, sql) != 0)
            FL_FAIL("cannot fill the template: %s", mysql_error(c));
        do {
            MYSQL_RES *res = mysql_store_result(c);
            if (res)
                mysql_free_result(res);
        } while (mysql_next_result(c) == 0);
        FL_ASSERT_EQ_INT(mysql_errno(c), 0);
        free(sql);
        mysql_close(c);
    }
    /* clone in another process; stop the server while it copies */
    char *line = fl_xasprintf("exec '%s' db clone '%s' --count 2", forkless_bin(), tpl_url);
    char *argv[] = {"/bin/sh", "-c", line, NULL};
    fl_spawn_opts o = {.argv = argv, .capture_output = 1, .stdin_null = 1};
    fl_proc *p;
    fl_error err = {0};
    FL_ASSERT_EQ_INT(fl_spawn(&o, &p, &err), FL_OK);
    fl_sleep_ms(400);
    stop_own_server(dir);
    fl_bytes out = {0};
    char buf[4096];
    long n;
    for (;;) {
        fl_wait_item it = {fl_proc_output(p), 0, 0};
        fl_wait(&it, 1, 1000);
        n = fl_stream_read(fl_proc_output(p), buf, sizeof buf);
        if (n > 0)
            fl_bytes_append(&out, buf, (size_t)n);
        else if (n == 0 || n == FL_STREAM_ERROR)
            break;
    }
    fl_exit ex;
    fl_proc_wait(p, &ex);
    fl_proc_free(p);
    char *text = fl_bytes_take(&out);
    FL_ASSERT_EQ_INT(ex.code, 3);
    FL_ASSERT_CONTAINS(text, "forkless db:");
    FL_ASSERT(strstr(text, "forkless@") == NULL); /* no password */
    /* back up: what the dead clone left is gc's (its run is gone) */
    char *again = start_own_server(dir, port);
    FL_ASSERT_NOT_NULL(again);
    char *urls[] = {tpl_url};
    size_t removed = 0;
    FL_ASSERT_EQ_INT(fl_db_gc(urls, 1, NULL, &removed, &err), FL_OK);
    MYSQL *c = myt_connect_to(server);
    FL_ASSERT_EQ_INT(mysql_query(c, "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE "
                                    "SCHEMA_NAME LIKE 'slowtpl\\_fl\\_%'"),
                     0);
    MYSQL_RES *res = mysql_store_result(c);
    MYSQL_ROW row = mysql_fetch_row(res);
    FL_ASSERT_EQ_STR(row[0], "0");
    mysql_free_result(res);
    mysql_close(c);
    stop_own_server(dir);
    free(again);
    free(text);
    free(line);
    free(tpl_url);
    free(server);
}

/* ---- option files ------------------------------------------------------------------------ */

FL_TEST(mysql, option_file_supplies_the_connection)
{
    const char *server = myt_server();
    const char *a = strstr(server, "://") + 3;
    const char *at = strchr(a, '@'), *colon = strchr(a, ':');
    const char *hostport = at + 1;
    size_t hlen = strcspn(hostport, ":/");
    const char *dir = temp_dir();
    char *cnf = fl_xasprintf("%s/my.cnf", dir);
    int port = atoi(hostport + hlen + 1);
    char *text = fl_xasprintf("[client]\nuser=nobody\nport=%d\n[forkless_test]\nuser=%.*s\n"
                              "password=%.*s\nhost=%.*s\nport=%d\n",
                              port, (int)(colon - a), a, (int)(at - colon - 1), colon + 1,
                              (int)hlen, hostport, port);
    FILE *f = fopen(cnf, "w");
    FL_ASSERT_NOT_NULL(f);
    fputs(text, f);
    fclose(f);
    char *tpl = myt_unique("mcnf");
    myt_make_rich(tpl);
    char *url = fl_xasprintf("mysql:///%s?read_default_file=%s&read_default_group=forkless_test",
                             tpl, cnf);
    char **urls = NULL;
    fl_error err = {0};
    if (fl_db_clone(url, 1, "copy", &urls, &err) != FL_OK)
        FL_FAIL("clone through the option file failed: %s", err.msg);
    FL_ASSERT_CONTAINS(urls[0], "read_default_file=");
    char *name = name_of(urls[0]);
    myt_assert_same(tpl, name);
    FL_ASSERT_EQ_INT(fl_db_drop(urls, 1, &err), FL_OK);
    fl_strv_free(urls);
    /* the group matters: [client] alone names a user that does not exist */
    char *client_only = fl_xasprintf("mysql://127.0.0.1/%s?read_default_file=%s", tpl, cnf);
    FL_ASSERT_EQ_INT(fl_db_clone(client_only, 1, "copy", &urls, &err), FL_ERR_DB);
    FL_ASSERT_CONTAINS(err.msg, "nobody");
    myt_drop(tpl);
    free(client_only);
    free(name);
    free(url);
    free(tpl);
    free(text);
    free(cnf);
}

/* ---- definitions that name the template schema (copy) ----------------------------------
 *
 * SHOW CREATE gives trigger, routine and event bodies back as they were written, so a
 * template's own name in them (tpl.t, `tpl`.t, "tpl".t under ANSI_QUOTES) must point at
 * the clone, and nothing else must: tpl_log, xtpl, 'tpl.t' in a string, tpl.t in a
 * comment.  The schemas are mq_<pid>_..., swept by the group's tear-down. */

/* The rewrite alone, on text the server would accept (no server needed). */
static void expect_swap(const char *text, const char *sql_mode, int fold_case,
                        const char *expected)
{
    my_swap sw = {"tpl", "tpl_fl_r_1", fold_case, 0, 0};
    my_swap_modes(&sw, sql_mode);
    char *out = NULL;
    my_swap_result r = my_swap_schema(text, &sw, &out);
    if (r != MY_SWAP_OK)
        FL_FAIL("rewriting <%s> (sql_mode %s) gave result %d, expected <%s>", text,
                sql_mode ? sql_mode : "''", (int)r, expected);
    FL_ASSERT_EQ_STR(out, expected);
    free(out);
}

static void expect_refusal(const char *text, const char *sql_mode, my_swap_result expected)
{
    my_swap sw = {"tpl", "tpl_fl_r_1", 0, 0, 0};
    my_swap_modes(&sw, sql_mode);
    char *out = (char *)"untouched";
    FL_ASSERT_EQ_INT((int)my_swap_schema(text, &sw, &out), (int)expected);
    FL_ASSERT_NULL(out);
}

FL_TEST(mysql_qualified, rewrite_reads_text_like_the_server)
{
    /* qualifiers, bare and quoted, in the statement and the body */
    expect_swap("CREATE DEFINER=`root`@`%` TRIGGER tpl.tr BEFORE INSERT ON tpl.t FOR EACH ROW "
                "INSERT INTO tpl.other VALUES (NEW.id)",
                NULL, 0,
                "CREATE DEFINER=`root`@`%` TRIGGER tpl_fl_r_1.tr BEFORE INSERT ON tpl_fl_r_1.t "
                "FOR EACH ROW INSERT INTO tpl_fl_r_1.other VALUES (NEW.id)");
    expect_swap("select `tpl`.`t`.`id` AS `id` from `tpl`.`t`", NULL, 0,
                "select `tpl_fl_r_1`.`t`.`id` AS `id` from `tpl_fl_r_1`.`t`");
    expect_swap("SELECT * FROM tpl . t, tpl/* x */.u, tpl.`v w`, tpl.1a", NULL, 0,
                "SELECT * FROM tpl_fl_r_1 . t, tpl_fl_r_1/* x */.u, tpl_fl_r_1.`v w`, "
                "tpl_fl_r_1.1a");
    /* names that only contain the template's, or are not qualifiers */
    expect_swap("INSERT INTO tpl_log SELECT * FROM xtpl, tpl2.t, tplé.t, `tpl `.t, `xtpl`.t", NULL,
                0, "INSERT INTO tpl_log SELECT * FROM xtpl, tpl2.t, tplé.t, `tpl `.t, `xtpl`.t");
    expect_swap("SELECT x.tpl.c, x . tpl, @tpl.x, @@tpl.y, `u`@tpl.z, tpl .5, tpl", NULL, 0,
                "SELECT x.tpl.c, x . tpl, @tpl.x, @@tpl.y, `u`@tpl.z, tpl .5, tpl");
    /* strings and comments keep the name; versioned comments are code */
    expect_swap("SELECT 'tpl.t', \"tpl.t\", 'it''s tpl.t', 'a\\'tpl.t', _utf8mb4'tpl.t' FROM "
                "tpl.t",
                NULL, 0,
                "SELECT 'tpl.t', \"tpl.t\", 'it''s tpl.t', 'a\\'tpl.t', _utf8mb4'tpl.t' FROM "
                "tpl_fl_r_1.t");
    expect_swap("BEGIN -- tpl.t\n# tpl.u\n/* tpl.v\n */ SET @a = 1 --tpl.w; /*!50003 tpl.x */ END",
                NULL, 0,
                "BEGIN -- tpl.t\n# tpl.u\n/* tpl.v\n */ SET @a = 1 --tpl_fl_r_1.w; /*!50003 "
                "tpl_fl_r_1.x */ END");
    /* the object's sql_mode: ANSI_QUOTES makes "tpl" a name, NO_BACKSLASH_ESCAPES ends 'a\' */
    expect_swap("INSERT INTO \"tpl\".\"t\" VALUES ('tpl.t')", "PIPES_AS_CONCAT,ANSI_QUOTES", 0,
                "INSERT INTO \"tpl_fl_r_1\".\"t\" VALUES ('tpl.t')");
    expect_swap("SELECT 'a\\', tpl.t", "STRICT_TRANS_TABLES,NO_BACKSLASH_ESCAPES", 0,
                "SELECT 'a\\', tpl_fl_r_1.t");
    expect_refusal("SELECT 'a\\', tpl.t", NULL, MY_SWAP_UNCLOSED);
    expect_refusal("SELECT 1 /* tpl.t", NULL, MY_SWAP_UNCLOSED);
    /* lower_case_table_names: TPL is tpl only when the server folds names */
    expect_swap("SELECT * FROM TPL.t", NULL, 0, "SELECT * FROM TPL.t");
    expect_swap("SELECT * FROM TPL.t", NULL, 1, "SELECT * FROM tpl_fl_r_1.t");
    /* tpl as a table or alias besides tpl.x: cannot tell; three parts can */
    expect_refusal("SELECT tpl.id FROM tpl.t tpl", NULL, MY_SWAP_AMBIGUOUS);
    expect_refusal("SELECT tpl.* FROM tpl.t", NULL, MY_SWAP_AMBIGUOUS);
    expect_refusal("select `tpl`.`id` AS `id` from `tpl`.`t` `tpl`", NULL, MY_SWAP_AMBIGUOUS);
    expect_swap("SELECT tpl.t.id FROM t AS tpl", NULL, 0, "SELECT tpl_fl_r_1.t.id FROM t AS tpl");
    /* a name that needs quotes, in and out */
    my_swap sw = {"a`b", "a`b-fl", 0, 0, 0};
    char *out = NULL;
    FL_ASSERT_EQ_INT((int)my_swap_schema("SELECT * FROM `a``b`.t, `a``bc`.t", &sw, &out),
                     MY_SWAP_OK);
    FL_ASSERT_EQ_STR(out, "SELECT * FROM `a``b-fl`.t, `a``bc`.t");
    free(out);
    sw = (my_swap){"tpl", "tpl-x", 0, 1, 0};
    FL_ASSERT_EQ_INT((int)my_swap_schema("SELECT * FROM tpl.t, \"tpl\".u", &sw, &out), MY_SWAP_OK);
    FL_ASSERT_EQ_STR(out, "SELECT * FROM `tpl-x`.t, \"tpl-x\".u");
    free(out);
}

/* mysql -e runs the statements of sql, with {T} replaced by the template's name. */
static void exec_for(const char *tpl, const char *db, const char *sql)
{
    char *text = myt_replace(sql, "{T}", tpl);
    myt_exec(db, text);
    free(text);
}

static char *query_for(const char *tpl, const char *clone, const char *sql)
{
    char *a = myt_replace(sql, "{T}", tpl);
    char *b = myt_replace(a, "{C}", clone ? clone : "");
    char *value = myt_query(b);
    free(a);
    free(b);
    return value;
}

/* A template whose every kind of object names it without backquotes, and a schema
 * {T}_log beside it (a trigger writes there: the clones' triggers too). */
static void make_qualified_template(const char *tpl)
{
    exec_for(tpl, NULL,
             "DROP DATABASE IF EXISTS `{T}`; CREATE DATABASE `{T}`;"
             "DROP DATABASE IF EXISTS `{T}_log`; CREATE DATABASE `{T}_log`;"
             "CREATE TABLE `{T}_log`.entries (id INT AUTO_INCREMENT PRIMARY KEY, msg TEXT)");
    exec_for(tpl, tpl,
             "CREATE TABLE {T}.t (id INT PRIMARY KEY, v VARCHAR(40));"
             "CREATE TABLE {T}.other (id INT AUTO_INCREMENT PRIMARY KEY, msg VARCHAR(80));"
             "CREATE TABLE {T}_log (id INT AUTO_INCREMENT PRIMARY KEY, msg VARCHAR(80));"
             "CREATE TABLE x{T} (id INT AUTO_INCREMENT PRIMARY KEY, n INT);"
             "CREATE TABLE {T}.child (id INT PRIMARY KEY, tid INT, FOREIGN KEY (tid) REFERENCES"
             " {T}.t (id));"
             "CREATE TRIGGER {T}.tr BEFORE INSERT ON {T}.t FOR EACH ROW BEGIN"
             " /* {T}.t in a comment */ INSERT INTO {T}.other (msg) VALUES ('{T}.t'); -- {T}.x\n"
             " INSERT INTO {T}_log (msg) VALUES (CONCAT('{T}.t ', NEW.id));"
             " INSERT INTO x{T} (n) VALUES (NEW.id);"
             " INSERT INTO {T}_log.entries (msg) VALUES (DATABASE()); END;"
             "CREATE TRIGGER tr_up AFTER UPDATE ON {T}.t FOR EACH ROW"
             " INSERT INTO {T}.other (msg) VALUES ('updated');"
             "CREATE VIEW {T}.v AS SELECT {T}.t.id, '{T}.t' AS s FROM {T}.t;"
             "CREATE PROCEDURE {T}.p() BEGIN INSERT INTO {T}.t (id, v) VALUES (100, '{T}.t'); END;"
             "CREATE FUNCTION {T}.f() RETURNS INT READS SQL DATA"
             " RETURN (SELECT COUNT(*) FROM {T} . other);"
             "CREATE EVENT {T}.ev ON SCHEDULE EVERY 1 DAY DISABLE DO"
             " INSERT INTO {T}.other (msg) VALUES ('event');"
             "SET SESSION sql_mode = CONCAT(@@sql_mode, ',ANSI_QUOTES');"
             "CREATE PROCEDURE pq() INSERT INTO \"{T}\".\"other\" (msg) VALUES ('pq');"
             "SET SESSION sql_mode = 'STRICT_TRANS_TABLES,NO_BACKSLASH_ESCAPES';"
             "CREATE PROCEDURE pb() INSERT INTO other (msg) SELECT CONCAT('a\\', COUNT(*))"
             " FROM {T}.t;");
}

/* The facts of one clone: where its triggers are, what they and its routines touch. */
static void check_qualified_clone(const char *tpl, const char *clone)
{
    char *v = query_for(tpl, clone,
                        "SELECT GROUP_CONCAT(TRIGGER_NAME, '@', EVENT_OBJECT_SCHEMA ORDER BY"
                        " TRIGGER_NAME) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA ="
                        " '{C}'");
    char *expected = fl_xasprintf("tr@%s,tr_up@%s", clone, clone);
    FL_ASSERT_EQ_STR(v, expected);
    free(expected);
    free(v);
    /* the trigger body: qualifiers moved, look-alikes, strings and comments kept */
    v = query_for(tpl, clone,
                  "SELECT ACTION_STATEMENT FROM information_schema.TRIGGERS WHERE"
                  " TRIGGER_SCHEMA = '{C}' AND TRIGGER_NAME = 'tr'");
    char *want = myt_replace("INSERT INTO {C}.other (msg) VALUES ('{T}.t')", "{C}", clone);
    char *want2 = myt_replace(want, "{T}", tpl);
    FL_ASSERT_CONTAINS(v, want2);
    free(want);
    free(want2);
    char *kept[] = {"/* {T}.t in a comment */", "-- {T}.x", "INSERT INTO {T}_log (msg)",
                    "INSERT INTO x{T} (n)", "INSERT INTO {T}_log.entries"};
    for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++) {
        char *k = myt_replace(kept[i], "{T}", tpl);
        FL_ASSERT_CONTAINS(v, k);
        free(k);
    }
    free(v);
    /* it fires in the clone: the clone's tables get the rows, the template's none */
    char *sql = fl_xasprintf("INSERT INTO `%s`.t VALUES (1, 'a'); UPDATE `%s`.t SET v = 'b';"
                             " CALL `%s`.p(); CALL `%s`.pq(); CALL `%s`.pb()",
                             clone, clone, clone, clone, clone);
    myt_exec(clone, sql);
    free(sql);
    v = query_for(tpl, clone,
                  "SELECT CONCAT_WS(' | ', (SELECT GROUP_CONCAT(msg ORDER BY id) FROM `{C}`.other),"
                  " (SELECT COUNT(*) FROM `{C}`.`{T}_log`), (SELECT GROUP_CONCAT(n ORDER BY id) FROM"
                  " `{C}`.`x{T}`), (SELECT GROUP_CONCAT(id ORDER BY id) FROM `{C}`.t), `{C}`.f(),"
                  " (SELECT COUNT(*) FROM `{C}`.v))");
    expected = fl_xasprintf("%s.t,updated,%s.t,pq,a\\2 | 2 | 1,100 | 1,100 | 5 | 2", tpl, tpl);
    FL_ASSERT_EQ_STR(v, expected);
    free(expected);
    free(v);
    /* the schema beside the template that only starts like it: written by the clone's
     * trigger under its own name */
    v = query_for(tpl, clone, "SELECT COUNT(*) FROM `{T}_log`.entries WHERE msg = '{C}'");
    FL_ASSERT_EQ_STR(v, "2");
    free(v);
    /* the view, the event and the foreign key point at the clone */
    v = query_for(tpl, clone, "SELECT VIEW_DEFINITION FROM information_schema.VIEWS WHERE"
                              " TABLE_SCHEMA = '{C}' AND TABLE_NAME = 'v'");
    char *ref = fl_xasprintf("from `%s`.`t`", clone);
    FL_ASSERT_CONTAINS(v, ref);
    char *tref = fl_xasprintf("`%s`", tpl);
    FL_ASSERT(strstr(v, tref) == NULL);
    free(ref);
    free(v);
    v = query_for(tpl, clone, "SELECT EVENT_DEFINITION FROM information_schema.EVENTS WHERE"
                              " EVENT_SCHEMA = '{C}'");
    ref = fl_xasprintf("INSERT INTO %s.other", clone);
    FL_ASSERT_CONTAINS(v, ref);
    free(ref);
    free(v);
    v = query_for(tpl, clone, "SELECT REFERENCED_TABLE_SCHEMA FROM"
                              " information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = '{C}' AND"
                              " TABLE_NAME = 'child' AND REFERENCED_TABLE_NAME IS NOT NULL");
    FL_ASSERT_EQ_STR(v, clone);
    free(v);
    free(tref);
}

FL_TEST(mysql_qualified, unquoted_template_name_points_at_the_clone)
{
    char *tpl = myt_unique("mq");
    make_qualified_template(tpl);
    char *url = myt_url(tpl);
    char *line = fl_xasprintf("exec '%s' db clone '%s' --count 2", forkless_bin(), url);
    char *argv[] = {"/bin/sh", "-c", line, NULL};
    cmd_result r;
    run_cmd(&r, argv, NULL, 0);
    if (r.code != 0)
        FL_FAIL("db clone exited %d: %s", r.code, r.out);
    char *urls[3] = {0};
    size_t n = 0;
    for (char *p = r.out; *p;) {
        size_t len = strcspn(p, "\n");
        if (strncmp(p, "mysql://", 8) == 0 && n < 2)
            urls[n++] = fl_xstrndup(p, len);
        p += len + (p[len] == '\n');
    }
    cmd_result_free(&r);
    FL_ASSERT_EQ_INT((int)n, 2);
    for (size_t i = 0; i < n; i++) {
        char *clone = name_of(urls[i]);
        check_qualified_clone(tpl, clone);
        free(clone);
    }
    /* the template: its own two triggers, and nothing fired in it */
    char *v = query_for(tpl, NULL,
                        "SELECT CONCAT((SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE"
                        " TRIGGER_SCHEMA = '{T}'), ' ', (SELECT COUNT(*) FROM `{T}`.other), ' ',"
                        " (SELECT COUNT(*) FROM `{T}`.t), ' ', (SELECT COUNT(*) FROM `{T}`.`{T}_log`))");
    FL_ASSERT_EQ_STR(v, "2 0 0 0");
    free(v);
    fl_error err = {0};
    FL_ASSERT_EQ_INT(fl_db_drop(urls, n, &err), FL_OK);
    char *prefix = fl_xasprintf("%s_fl_", tpl);
    FL_ASSERT_EQ_INT(myt_count_prefix(prefix), 0);
    for (size_t i = 0; i < n; i++)
        free(urls[i]);
    free(prefix);
    free(line);
    free(url);
    free(tpl);
}

/* tpl.x where tpl is also an alias: the clone fails naming the object, leaves nothing, and
 * the template keeps exactly what it had. */
static void expect_ambiguous(const char *what, const char *sql, const char *needle)
{
    char *tpl = myt_unique("mq");
    exec_for(tpl, NULL, "CREATE DATABASE `{T}`; CREATE TABLE `{T}`.t (id INT PRIMARY KEY)");
    exec_for(tpl, tpl, sql);
    char *url = myt_url(tpl);
    char **urls = NULL;
    fl_error err = {0};
    int rc = fl_db_clone(url, 2, "copy", &urls, &err);
    if (rc == FL_OK)
        FL_FAIL("cloning a template with %s worked; expected a refusal", what);
    FL_ASSERT_EQ_INT(rc, FL_ERR_DB);
    FL_ASSERT_EQ_INT(fl_exit_code_for(rc), 3);
    FL_ASSERT_CONTAINS(err.msg, needle);
    FL_ASSERT_CONTAINS(err.msg, "cannot tell which");
    char *prefix = fl_xasprintf("%s_fl_", tpl);
    FL_ASSERT_EQ_INT(myt_count_prefix(prefix), 0);
    char *v = query_for(tpl, NULL,
                        "SELECT CONCAT((SELECT COUNT(*) FROM information_schema.ROUTINES WHERE"
                        " ROUTINE_SCHEMA = '{T}'), ' ', (SELECT COUNT(*) FROM"
                        " information_schema.TABLES WHERE TABLE_SCHEMA = '{T}'))");
    FL_ASSERT(strcmp(v, "1 1") == 0 || strcmp(v, "0 2") == 0);
    free(v);
    myt_drop(tpl);
    free(prefix);
    free(url);
    free(tpl);
}

FL_TEST(mysql_qualified, alias_named_like_the_template_fails_naming_the_object)
{
    expect_ambiguous("a procedure aliasing a table as the schema",
                     "CREATE PROCEDURE p() SELECT {T}.id FROM {T}.t {T}", "procedure `p`");
    expect_ambiguous("a view aliasing a table as the schema",
                     "CREATE VIEW v AS SELECT {T}.id FROM {T}.t {T}", "view `v`");
}

/* The dump method cannot load this template (mysqldump writes the trigger as written:
 * CREATE TRIGGER tpl.tr, already there; and wraps its body, C-style comment included, in a
 * versioned comment that the inner comment closes): its clone fails quoting the client's
 * error, instead of lacking the trigger — the mysql client goes on after an error in a file
 * it SOURCEs and exits 0. */
FL_TEST(mysql_qualified, dump_method_fails_rather_than_lose_a_trigger)
{
    char *tpl = myt_unique("mq");
    make_qualified_template(tpl);
    char *url = myt_url(tpl);
    char **urls = NULL;
    fl_error err = {0};
    int rc = fl_db_clone(url, 1, "dump", &urls, &err);
    if (rc == FL_OK) {
        char *clone = name_of(urls[0]);
        char *v = query_for(tpl, clone, "SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE"
                                        " TRIGGER_SCHEMA = '{C}'");
        FL_FAIL("the dump clone worked, with %s of the template's 2 triggers", v);
    }
    FL_ASSERT_EQ_INT(rc, FL_ERR_DB);
    FL_ASSERT_CONTAINS(err.msg, "mysql loading the dump");
    FL_ASSERT_CONTAINS(err.msg, "it went on after this error and exited 0): ERROR ");
    char *prefix = fl_xasprintf("%s_fl_", tpl);
    FL_ASSERT_EQ_INT(myt_count_prefix(prefix), 0);
    myt_drop(tpl);
    char *side = fl_xasprintf("%s_log", tpl);
    myt_drop(side);
    free(side);
    free(prefix);
    free(url);
    free(tpl);
}

FL_GROUP_TEARDOWN(mysql_qualified)
{
    char *prefix = fl_xasprintf("mq_%ld_", (long)fl_getpid());
    myt_sweep(prefix);
    free(prefix);
}
