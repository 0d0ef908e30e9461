/*
 * auth_test.c — password authentication against real PostgreSQL and MariaDB servers,
 * through the real `forkless` command and the library API.  The test servers
 * (tests/servers/start-postgres.sh, start-mariadb.sh) have a user fl_pw_user whose
 * password, "fl-secret-pw", is not the superuser's; the server URLs come from
 * FORKLESS_TEST_PG_URL and FORKLESS_TEST_MYSQL_URL (the tests skip loudly without them,
 * or fail under FORKLESS_REQUIRE_SERVERS=1).  For each server:
 *   - the right password: `forkless db clone URL --count 2` works, `db gc` spares the
 *     clones, `forkless db drop` removes them;
 *   - a wrong password: exit code 3, a message naming user, host and database (URL with
 *     the password redacted) and saying authentication failed, neither password anywhere;
 *   - `forkless run --db default=URL_WITH_WRONG_PASSWORD --setup CMD -- WORKER`: exit 3,
 *     the setup command never ran, no worker started, nothing left on the server;
 *   - a run with the right password and --junit/--json: reports without the password;
 *   - known redaction gaps, as expected failures (XFAIL) until src/db/registry.c is fixed.
 * What is on the server is checked through the superuser URL with the servers' own
 * command-line clients (psql, mariadb), independently of forkless.
 */
#include <forkless/db.h>
#include <forkless/forkless.h>
#include <forkless/test.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../integration/harness.h"
#include "core/util.h"
#include "platform/fs.h"
#include "platform/platform.h"

#define PW_USER "fl_pw_user"
#define PW_RIGHT "fl-secret-pw"
#define PW_WRONG "wr0ng-pw-q7z"

/* One test server: its superuser URL (from the environment) and how to reach it. */
typedef struct server {
    int is_pg;
    const char *engine;      /* as fl_db_engines() names it */
    const char *admin_url;   /* FORKLESS_TEST_PG_URL / FORKLESS_TEST_MYSQL_URL */
    char hostport[256];      /* "127.0.0.1:54329" */
    char admin_user[64], admin_password[128], host[128], port[16];
    const char *auth_failed; /* the server's words for a rejected password */
} server;

/* ---- the servers --------------------------------------------------------------------- */

static int engine_built_in(const char *name)
{
    for (const char *const *e = fl_db_engines(); *e; e++)
        if (!strcmp(*e, name))
            return 1;
    return 0;
}

/* Splits scheme://user:password@host:port/... into s's fields (no %-escapes in test URLs). */
static void parse_admin_url(server *s)
{
    const char *a = strstr(s->admin_url, "://");
    if (!a)
        FL_FAIL("'%s' is not a server URL", s->admin_url);
    a += 3;
    size_t alen = strcspn(a, "/?");
    const char *at = memchr(a, '@', alen), *hp = a;
    if (at) {
        const char *colon = memchr(a, ':', (size_t)(at - a));
        snprintf(s->admin_user, sizeof s->admin_user, "%.*s", (int)((colon ? colon : at) - a), a);
        if (colon)
            snprintf(s->admin_password, sizeof s->admin_password, "%.*s", (int)(at - colon - 1), colon + 1);
        hp = at + 1;
    }
    size_t hlen = alen - (size_t)(hp - a);
    snprintf(s->hostport, sizeof s->hostport, "%.*s", (int)hlen, hp);
    const char *colon = memchr(hp, ':', hlen);
    snprintf(s->host, sizeof s->host, "%.*s", (int)(colon ? (size_t)(colon - hp) : hlen), hp);
    snprintf(s->port, sizeof s->port, "%s", colon ? colon + 1 : (s->is_pg ? "5432" : "3306"));
    s->port[strcspn(s->port, "/?")] = 0;
}

static char *admin_query(const server *s, const char *db, const char *sql);

/* The server of an engine, or a skip (a failure under FORKLESS_REQUIRE_SERVERS=1) when the
 * engine is not built in or no server is given; a failure when it has no password user. */
static void get_server(server *s, int is_pg)
{
    memset(s, 0, sizeof *s);
    s->is_pg = is_pg;
    s->engine = is_pg ? "postgresql" : "mysql";
    const char *var = is_pg ? "FORKLESS_TEST_PG_URL" : "FORKLESS_TEST_MYSQL_URL";
    const char *script = is_pg ? "start-postgres.sh" : "start-mariadb.sh";
    const char *req = getenv("FORKLESS_REQUIRE_SERVERS");
    int required = req && !strcmp(req, "1");
    if (!engine_built_in(s->engine)) {
        if (required)
            FL_FAIL("FORKLESS_REQUIRE_SERVERS=1 but the %s engine is not built in", s->engine);
        FL_SKIP("NO SERVER: the %s engine is not built into this forkless", s->engine);
    }
    s->admin_url = getenv(var);
    if (!s->admin_url || !*s->admin_url) {
        if (required)
            FL_FAIL("FORKLESS_REQUIRE_SERVERS=1 but %s is not set", var);
        FL_SKIP("NO SERVER: set %s (tests/servers/%s DIR prints one) to run the password "
                "authentication tests", var, script);
    }
    parse_admin_url(s);
    s->auth_failed = is_pg ? "password authentication failed for user \"" PW_USER "\""
                           : "Access denied for user '" PW_USER "'";
    char *n = admin_query(s, NULL,
                          is_pg ? "SELECT count(*) FROM pg_roles WHERE rolname = '" PW_USER "'"
                                : "SELECT COUNT(*) FROM mysql.user WHERE user = '" PW_USER "'");
    if (atoi(n) == 0)
        FL_FAIL("the server of %s has no user '%s': (re)run tests/servers/%s on its data "
                "directory, which creates it (password '%s')", var, PW_USER, script, PW_RIGHT);
    free(n);
}

/* The URL of database db as the password user, with the given password (malloc'd). */
static char *user_url(const server *s, const char *password, const char *db)
{
    return fl_xasprintf("%s://%s:%s@%s/%s", s->is_pg ? "postgresql" : "mysql", PW_USER, password,
                        s->hostport, db);
}

/* The same URL as forkless must show it. */
static char *shown_url(const server *s, const char *db)
{
    return fl_xasprintf("%s://%s:***@%s/%s", s->is_pg ? "postgresql" : "mysql", PW_USER,
                        s->hostport, db);
}

/* "fl_pw_<pid>_<n>": the MariaDB password user's privileges cover the schemas fl_pw_*. */
static char *unique_name(void)
{
    static int counter;
    return fl_xasprintf("fl_pw_%ld_%d", (long)fl_getpid(), ++counter);
}

/* Runs sql as the superuser (in database db on PostgreSQL, NULL = the URL's own) through
 * psql or mariadb; fails the test on error; returns the output, trailing newline removed. */
static char *admin_query(const server *s, const char *db, const char *sql)
{
    cmd_result r;
    if (s->is_pg) {
        char *url = fl_xstrdup(s->admin_url);
        if (db) {
            const char *a = strstr(s->admin_url, "://") + 3;
            size_t end = (size_t)(a - s->admin_url) + strcspn(a, "/?");
            const char *q = strchr(a, '?');
            free(url);
            url = fl_xasprintf("%.*s/%s%s", (int)end, s->admin_url, db, q ? q : "");
        }
        char *argv[] = {"psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", url, "-c", (char *)sql, NULL};
        char *env[] = {"PGOPTIONS=-c client_min_messages=warning", NULL};
        run_cmd(&r, argv, env, 0);
        free(url);
    } else {
        char pwd[200];
        snprintf(pwd, sizeof pwd, "MYSQL_PWD=%s", s->admin_password);
        char *argv[] = {"mariadb", "--no-defaults", "--protocol=TCP", "-N", "-B", "-h", (char *)s->host,
                        "-P", (char *)s->port, "-u", (char *)s->admin_user, "-e", (char *)sql, NULL};
        char *env[] = {pwd, NULL};
        run_cmd(&r, argv, env, 0);
    }
    if (!r.exited || r.code != 0)
        FL_FAIL("%s as the superuser failed (exit %d): %s\n  in: %s", s->is_pg ? "psql" : "mariadb",
                r.code, r.out, sql);
    char *out = r.out;
    r.out = NULL;
    cmd_result_free(&r);
    size_t n = strlen(out);
    while (n && (out[n - 1] == '\n' || out[n - 1] == '\r'))
        out[--n] = 0;
    return out;
}

static int admin_count(const server *s, const char *db, const char *sql)
{
    char *v = admin_query(s, db, sql);
    int n = atoi(v);
    free(v);
    return n;
}

/* Databases (schemas) whose name starts with prefix. */
static int count_named(const server *s, const char *prefix)
{
    char *sql = s->is_pg ? fl_xasprintf("SELECT count(*) FROM pg_database WHERE starts_with(datname, '%s')", prefix)
                         : fl_xasprintf("SELECT COUNT(*) FROM information_schema.SCHEMATA"
                                        " WHERE LEFT(SCHEMA_NAME, %zu) = '%s'", strlen(prefix), prefix);
    int n = admin_count(s, NULL, sql);
    free(sql);
    return n;
}

/* MariaDB: rows of forkless's bookkeeping tables (built templates, kept clones) whose
 * name starts with prefix; 0 on PostgreSQL, which keeps no such table. */
static int bookkeeping_rows(const server *s, const char *prefix)
{
    if (s->is_pg || admin_count(s, NULL, "SELECT COUNT(*) FROM information_schema.TABLES WHERE"
                                         " TABLE_SCHEMA = 'forkless' AND TABLE_NAME IN ('templates', 'kept')") < 2)
        return 0;
    char *sql = fl_xasprintf("SELECT (SELECT COUNT(*) FROM forkless.templates WHERE LEFT(name, %zu) = '%s')"
                             " + (SELECT COUNT(*) FROM forkless.kept WHERE LEFT(name, %zu) = '%s')",
                             strlen(prefix), prefix, strlen(prefix), prefix);
    int n = admin_count(s, NULL, sql);
    free(sql);
    return n;
}

/* A ready template: table t with 3 rows, usable by the password user. */
static void make_template(const server *s, const char *name)
{
    char *sql;
    if (s->is_pg) {
        sql = fl_xasprintf("CREATE DATABASE \"%s\" OWNER " PW_USER, name);
        free(admin_query(s, NULL, sql));
        free(admin_query(s, name, "CREATE TABLE t (id serial PRIMARY KEY, x int);"
                                  " INSERT INTO t (x) VALUES (1), (2), (3)"));
    } else {
        sql = fl_xasprintf("CREATE DATABASE `%s`; CREATE TABLE `%s`.t (id INT AUTO_INCREMENT PRIMARY KEY, x INT);"
                           " INSERT INTO `%s`.t (x) VALUES (1), (2), (3)", name, name, name);
        free(admin_query(s, NULL, sql));
    }
    free(sql);
}

static int rows_of_t(const server *s, const char *db)
{
    if (s->is_pg)
        return admin_count(s, db, "SELECT count(*) FROM t");
    char *sql = fl_xasprintf("SELECT COUNT(*) FROM `%s`.t", db);
    int n = admin_count(s, NULL, sql);
    free(sql);
    return n;
}

/* MariaDB: the schema a built template's name points at ("" when it is not a built one). */
static char *built_actual(const server *s, const char *name)
{
    if (bookkeeping_rows(s, name) == 0)
        return fl_xstrdup("");
    char *sql = fl_xasprintf("SELECT actual FROM forkless.templates WHERE name = '%s'", name);
    char *v = admin_query(s, NULL, sql);
    free(sql);
    return v;
}

/* Removes a template (and, on MariaDB, the build it points at and its bookkeeping row). */
static void drop_template(const server *s, const char *name)
{
    char *sql;
    if (s->is_pg) {
        sql = fl_xasprintf("DO $$ BEGIN IF EXISTS (SELECT FROM pg_database WHERE datname = '%s') THEN"
                           " ALTER DATABASE \"%s\" IS_TEMPLATE false; END IF; END $$", name, name);
        free(admin_query(s, NULL, sql));
        free(sql);
        sql = fl_xasprintf("DROP DATABASE IF EXISTS \"%s\" WITH (FORCE)", name);
        free(admin_query(s, NULL, sql));
    } else {
        char *actual = built_actual(s, name);
        if (*actual) {
            char *more = fl_xasprintf("DROP DATABASE IF EXISTS `%s`; DELETE FROM forkless.templates"
                                      " WHERE name = '%s'", actual, name);
            free(admin_query(s, NULL, more));
            free(more);
        }
        free(actual);
        sql = fl_xasprintf("DROP DATABASE IF EXISTS `%s`", name);
        free(admin_query(s, NULL, sql));
    }
    free(sql);
}

/* Everything this worker process may have left on the server (a test that failed half-way
 * skips its own clean-up): the databases named fl_pw_<pid>_..., and on MariaDB their
 * bookkeeping rows. */
static void sweep_leftovers(int is_pg)
{
    const char *url = getenv(is_pg ? "FORKLESS_TEST_PG_URL" : "FORKLESS_TEST_MYSQL_URL");
    if (!url || !*url || !engine_built_in(is_pg ? "postgresql" : "mysql"))
        return;
    server s = {.is_pg = is_pg, .admin_url = url};
    parse_admin_url(&s);
    char *prefix = fl_xasprintf("fl_pw_%ld_", (long)fl_getpid());
    char *sql;
    if (!is_pg && bookkeeping_rows(&s, prefix) > 0) {
        sql = fl_xasprintf("SELECT name FROM forkless.templates WHERE LEFT(name, %zu) = '%s'", strlen(prefix),
                           prefix);
        char *names = admin_query(&s, NULL, sql);
        free(sql);
        for (char *save = NULL, *name = strtok_r(names, "\n", &save); name; name = strtok_r(NULL, "\n", &save))
            drop_template(&s, name);
        free(names);
        sql = fl_xasprintf("DELETE FROM forkless.kept WHERE LEFT(name, %zu) = '%s'", strlen(prefix), prefix);
        free(admin_query(&s, NULL, sql));
        free(sql);
    }
    sql = is_pg ? fl_xasprintf("SELECT datname FROM pg_database WHERE starts_with(datname, '%s')", prefix)
                : fl_xasprintf("SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE LEFT(SCHEMA_NAME, %zu) = '%s'",
                               strlen(prefix), prefix);
    char *names = admin_query(&s, NULL, sql);
    for (char *save = NULL, *name = strtok_r(names, "\n", &save); name; name = strtok_r(NULL, "\n", &save))
        drop_template(&s, name);
    free(names);
    free(sql);
    free(prefix);
}

FL_GROUP_TEARDOWN(auth_pg) { sweep_leftovers(1); }
FL_GROUP_TEARDOWN(auth_mysql) { sweep_leftovers(0); }

/* ---- what forkless printed ------------------------------------------------------------ */

/* Fails when text (what) shows either password. */
static void assert_no_password(const char *text, const char *what)
{
    if (strstr(text, PW_RIGHT))
        FL_FAIL("%s shows the password '%s':\n%s", what, PW_RIGHT, text);
    if (strstr(text, PW_WRONG))
        FL_FAIL("%s shows the password '%s':\n%s", what, PW_WRONG, text);
}

/* Fails when the report file at path shows a password; returns its text (malloc'd; ""
 * when the file was not written). */
static char *report_text(const char *path)
{
    char *data = NULL;
    size_t size = 0;
    fl_error err = {0};
    if (!fl_file_exists(path))
        return fl_xstrdup("");
    if (fl_fs_read_file(path, &data, &size, &err) != FL_OK)
        FL_FAIL("cannot read %s: %s", path, err.msg);
    assert_no_password(data, path);
    return data;
}

/* Fails when a file of the state directory (durations, caches), at any depth, shows a
 * password. */
static void assert_state_dir_clean(const char *dir)
{
    char **names = NULL;
    size_t n = 0;
    fl_error err = {0};
    if (!fl_fs_is_dir(dir))
        return;
    if (fl_fs_list_dir(dir, &names, &n, &err) != FL_OK)
        FL_FAIL("cannot list %s: %s", dir, err.msg);
    for (size_t i = 0; i < n; i++) {
        char *path = fl_xasprintf("%s/%s", dir, names[i]);
        if (fl_fs_is_dir(path))
            assert_state_dir_clean(path);
        else
            free(report_text(path));
        free(path);
    }
    fl_strv_free(names);
}

/* Runs `forkless ARGS...` (argv without the program). */
static void forkless(cmd_result *r, char **args, char *const *env)
{
    char *argv[40] = {(char *)forkless_bin()};
    size_t n = 1;
    for (; args[n - 1] && n < 39; n++)
        argv[n] = args[n - 1];
    argv[n] = NULL;
    run_cmd(r, argv, env, 0);
}

/* ---- right password: clone, gc, drop ------------------------------------------------- */

static void right_password_clone_and_drop(int is_pg)
{
    server s;
    get_server(&s, is_pg);
    char *tpl = unique_name();
    make_template(&s, tpl);
    char *url = user_url(&s, PW_RIGHT, tpl);
    char *prefix = fl_xasprintf("%s_fl_", tpl);

    cmd_result r;
    forkless(&r, (char *[]){"db", "clone", url, "--count", "2", NULL}, NULL);
    expect_exit(&r, 0);
    /* stdout is the clone URLs, which a user connects with: the only lines allowed to hold
     * the password (the URL is the user's own); nothing else may. */
    fl_strvec clones = {0};
    for (char *line = r.out; *line;) {
        size_t len = strcspn(line, "\n");
        char *one = fl_xstrndup(line, len);
        char *expected_start = user_url(&s, PW_RIGHT, prefix);
        if (!strncmp(one, expected_start, strlen(expected_start)))
            fl_strvec_push(&clones, one);
        else {
            assert_no_password(one, "a line of `forkless db clone` that is not a clone URL");
            free(one);
        }
        free(expected_start);
        line += len + (line[len] == '\n');
    }
    FL_ASSERT_EQ_INT(clones.n, 2);
    cmd_result_free(&r);
    FL_ASSERT_EQ_INT(count_named(&s, prefix), 2);
    for (size_t i = 0; i < clones.n; i++) {
        const char *clone = strrchr(clones.v[i], '/') + 1;
        FL_ASSERT_EQ_INT(rows_of_t(&s, clone), 3);
    }

    /* gc with the password: the clones are kept ones, so it leaves them. */
    forkless(&r, (char *[]){"db", "gc", url, NULL}, NULL);
    expect_exit(&r, 0);
    FL_ASSERT_CONTAINS(r.out, "0 leftovers removed");
    assert_no_password(r.out, "`forkless db gc`");
    cmd_result_free(&r);
    FL_ASSERT_EQ_INT(count_named(&s, prefix), 2);

    char *drop[8] = {"db", "drop", clones.v[0], clones.v[1], NULL};
    forkless(&r, drop, NULL);
    expect_exit(&r, 0);
    assert_no_password(r.out, "`forkless db drop`");
    cmd_result_free(&r);
    FL_ASSERT_EQ_INT(count_named(&s, prefix), 0);
    FL_ASSERT_EQ_INT(bookkeeping_rows(&s, prefix), 0);
    FL_ASSERT_EQ_INT(rows_of_t(&s, tpl), 3); /* the template is untouched */

    drop_template(&s, tpl);
    FL_ASSERT_EQ_INT(count_named(&s, tpl), 0);
    fl_strv_free(fl_strvec_finish(&clones));
    free(prefix);
    free(url);
    free(tpl);
}

FL_TEST(auth_pg, right_password_clones_and_drops) { right_password_clone_and_drop(1); }
FL_TEST(auth_mysql, right_password_clones_and_drops) { right_password_clone_and_drop(0); }

/* ---- wrong password: exit 3, a clear message, no password, nothing made --------------- */

/* The message names the user, host and database (through the redacted URL) and says the
 * server refused the password. */
static void assert_auth_message(const server *s, const char *text, const char *db)
{
    char *shown = shown_url(s, db);
    FL_ASSERT_CONTAINS(text, shown);
    FL_ASSERT_CONTAINS(text, s->auth_failed);
    assert_no_password(text, "the error");
    free(shown);
}

static void wrong_password_fails_cleanly(int is_pg)
{
    server s;
    get_server(&s, is_pg);
    char *tpl = unique_name();
    make_template(&s, tpl);
    char *bad = user_url(&s, PW_WRONG, tpl);
    char *prefix = fl_xasprintf("%s_fl_", tpl);
    cmd_result r;

    forkless(&r, (char *[]){"db", "clone", bad, "--count", "2", NULL}, NULL);
    if (r.code == 0)
        FL_FAIL("`forkless db clone` worked with a wrong password: the server lets %s in without "
                "checking its password (%s must require it over TCP)", PW_USER,
                is_pg ? "pg_hba.conf" : "its user table");
    FL_ASSERT_EQ_INT(r.code, 3);
    assert_auth_message(&s, r.out, tpl);
    cmd_result_free(&r);

    /* The library call says the same, with the database error code (exit 3). */
    char **urls = NULL;
    fl_error err = {0};
    int rc = fl_db_clone(bad, 2, NULL, &urls, &err);
    FL_ASSERT_EQ_INT(rc, FL_ERR_DB);
    FL_ASSERT_EQ_INT(fl_exit_code_for(rc), 3);
    FL_ASSERT_NULL(urls);
    assert_auth_message(&s, err.msg, tpl);

    /* drop and gc: the same refusal, the same care. */
    char *clone = fl_xasprintf("%sabcd2345_1", prefix);
    char *bad_clone = user_url(&s, PW_WRONG, clone);
    forkless(&r, (char *[]){"db", "drop", bad_clone, NULL}, NULL);
    FL_ASSERT_EQ_INT(r.code, 3);
    assert_auth_message(&s, r.out, clone);
    cmd_result_free(&r);
    forkless(&r, (char *[]){"db", "gc", bad, NULL}, NULL);
    FL_ASSERT_EQ_INT(r.code, 3);
    assert_auth_message(&s, r.out, tpl);
    cmd_result_free(&r);

    FL_ASSERT_EQ_INT(count_named(&s, prefix), 0);
    FL_ASSERT_EQ_INT(bookkeeping_rows(&s, tpl), 0);
    drop_template(&s, tpl);
    free(bad_clone);
    free(clone);
    free(prefix);
    free(bad);
    free(tpl);
}

FL_TEST(auth_pg, wrong_password_exit_3_names_the_culprit) { wrong_password_fails_cleanly(1); }
FL_TEST(auth_mysql, wrong_password_exit_3_names_the_culprit) { wrong_password_fails_cleanly(0); }

/* ---- a run with a wrong password starts nothing and leaves nothing --------------------- */

static void wrong_password_run(int is_pg)
{
    server s;
    get_server(&s, is_pg);
    const char *dir = temp_dir();
    char *tpl = unique_name(); /* not on the server: the setup command would build it */
    char *bad = user_url(&s, PW_WRONG, tpl);
    char *db = fl_xasprintf("--db=default=%s", bad);
    char *state = fl_xasprintf("--state-dir=%s/state", dir);
    char *junit_path = fl_xasprintf("%s/report.xml", dir), *json_path = fl_xasprintf("%s/events.jsonl", dir);
    char *junit = fl_xasprintf("--junit=%s", junit_path), *json = fl_xasprintf("--json=%s", json_path);
    char *setup_ran = fl_xasprintf("%s/setup-ran", dir), *worker_ran = fl_xasprintf("%s/worker-started", dir);
    char *setup = fl_xasprintf("touch '%s'", setup_ran);
    char *worker = fl_xasprintf("touch '%s'; exec '%s' --forkless-worker", worker_ran, fixture_bin());
    cmd_result r;
    forkless(&r, (char *[]){"run", "-j", "2", "--progress=never", state, db, "--setup", setup, junit, json,
                            "--", "/bin/sh", "-c", worker, NULL},
             NULL);
    FL_ASSERT_EQ_INT(r.code, 3);
    assert_auth_message(&s, r.out, tpl);
    FL_ASSERT(!fl_file_exists(setup_ran));
    FL_ASSERT(!fl_file_exists(worker_ran));
    cmd_result_free(&r);
    /* Nothing on the server: no template, no build, no clone, no bookkeeping row. */
    FL_ASSERT_EQ_INT(count_named(&s, tpl), 0);
    FL_ASSERT_EQ_INT(bookkeeping_rows(&s, tpl), 0);
    free(report_text(junit_path));
    free(report_text(json_path));
    char *state_dir = fl_xasprintf("%s/state", dir);
    assert_state_dir_clean(state_dir);
    free(state_dir);
    free(worker);
    free(setup);
    free(worker_ran);
    free(setup_ran);
    free(json);
    free(junit);
    free(json_path);
    free(junit_path);
    free(state);
    free(db);
    free(bad);
    free(tpl);
}

FL_TEST(auth_pg, wrong_password_run_starts_nothing) { wrong_password_run(1); }
FL_TEST(auth_mysql, wrong_password_run_starts_nothing) { wrong_password_run(0); }

/* ---- a run with the right password: reports without it -------------------------------- */

static void reports_without_password(int is_pg)
{
    server s;
    get_server(&s, is_pg);
    const char *dir = temp_dir();
    char *tpl = unique_name();
    char *url = user_url(&s, PW_RIGHT, tpl);
    char *db = fl_xasprintf("--db=default=%s", url);
    char *state = fl_xasprintf("--state-dir=%s/state", dir);
    char *junit_path = fl_xasprintf("%s/report.xml", dir), *json_path = fl_xasprintf("%s/events.jsonl", dir);
    char *junit = fl_xasprintf("--junit=%s", junit_path), *json = fl_xasprintf("--json=%s", json_path);
    /* The URL with the password is also a word of the setup command ($0 of the shell): the
     * line announcing the setup command must redact it.  On PostgreSQL the setup and the
     * workers are the libpq fixture (tests connect to their clones with the password); on
     * MariaDB the setup creates a table through the mariadb client as the password user. */
    char *setup, *worker, *env_pwd = NULL;
    if (is_pg) {
        const char *pgfix = FL_BUILD_DIR "/tests/forkless-pg-fixture";
        setup = fl_xasprintf("/bin/sh -c 'exec \"$1\" --forkless-setup' '%s' '%s'", url, pgfix);
        worker = fl_xasprintf("%s", pgfix);
    } else {
        setup = fl_xasprintf("/bin/sh -c 'exec mariadb --no-defaults --protocol=TCP -h %s -P %s -u %s"
                             " -e \"CREATE TABLE t (x INT)\" \"$FORKLESS_DB_DEFAULT_NAME\"' '%s'",
                             s.host, s.port, PW_USER, url);
        worker = fl_xstrdup(fixture_bin());
        env_pwd = fl_xstrdup("MYSQL_PWD=" PW_RIGHT);
    }
    char *env[] = {env_pwd, NULL};
    cmd_result r;
    if (is_pg)
        forkless(&r, (char *[]){"run", "-j", "2", "-v", "--progress=never", state, db, "--setup", setup, junit,
                                json, "--", worker, "--forkless-worker", NULL},
                 env);
    else
        forkless(&r, (char *[]){"run", "-j", "2", "-v", "--progress=never", state, db, "--setup", setup, junit,
                                json, "-k", "basic.passes", "-k", "withsetup.*", "--", worker,
                                "--forkless-worker", NULL},
                 env);
    expect_exit(&r, 0);
    assert_no_password(r.out, "the console output of `forkless run`");
    FL_ASSERT_CONTAINS(r.out, "forkless: template default built");
    char *shown = shown_url(&s, tpl);
    FL_ASSERT_CONTAINS(r.out, shown); /* in the setup command's line, redacted */
    FL_ASSERT_EQ_STR(output_last_line(r.out), is_pg ? "forkless: 4 passed, 0 failed, 0 skipped"
                                                    : "forkless: 3 passed, 0 failed, 0 skipped");
    cmd_result_free(&r);

    char *xml = report_text(junit_path), *events = report_text(json_path);
    FL_ASSERT_CONTAINS(xml, "<testsuite");
    FL_ASSERT_CONTAINS(xml, is_pg ? "writes_in_its_own_clone" : "passes");
    FL_ASSERT_CONTAINS(events, "\"run_end\"");
    FL_ASSERT_CONTAINS(events, is_pg ? "accounts_a.writes_in_its_own_clone" : "basic.passes");
    char *state_dir = fl_xasprintf("%s/state", dir);
    assert_state_dir_clean(state_dir);
    FL_ASSERT_NE_STR(files_matching(state_dir, "durations"), ""); /* there was something to look at */
    free(state_dir);

    /* The run's clones are gone; the built template stays (templates are kept). */
    char *prefix = fl_xasprintf("%s_fl_", tpl);
    if (is_pg) {
        FL_ASSERT_EQ_INT(count_named(&s, prefix), 0);
        char *sql = fl_xasprintf("SELECT count(*) FROM pg_database WHERE datname = '%s' AND datistemplate", tpl);
        FL_ASSERT_EQ_INT(admin_count(&s, NULL, sql), 1); /* built, marked as a template */
        free(sql);
    } else {
        char *actual = built_actual(&s, tpl);
        FL_ASSERT_CONTAINS(actual, prefix);
        FL_ASSERT_EQ_INT(count_named(&s, prefix), 1); /* only the build the name points at */
        FL_ASSERT_EQ_INT(rows_of_t(&s, actual), 0);   /* the setup command's table */
        free(actual);
    }
    drop_template(&s, tpl);
    FL_ASSERT_EQ_INT(count_named(&s, tpl), 0);
    FL_ASSERT_EQ_INT(bookkeeping_rows(&s, tpl), 0);
    free(prefix);
    free(events);
    free(xml);
    free(shown);
    free(env_pwd);
    free(worker);
    free(setup);
    free(json);
    free(junit);
    free(json_path);
    free(junit_path);
    free(state);
    free(db);
    free(url);
    free(tpl);
}

FL_TEST(auth_pg, reports_never_show_the_password) { reports_without_password(1); }
FL_TEST(auth_mysql, reports_never_show_the_password) { reports_without_password(0); }

/* ---- redaction corner cases (src/db/registry.c, fl_db_redact_url) ----------------------
 * Found printing passwords by these tests, fixed since.  Everything a test allocates is
 * freed before an assertion can fail, so that the sanitizer build reports no leak. */

/* 1 when text shows secret; then text (cut) goes to shown. */
static int shows(const char *text, const char *secret, char *shown, size_t size)
{
    if (!text || !strstr(text, secret))
        return 0;
    snprintf(shown, size, "%s", text);
    return 1;
}

/* A password holding an unencoded '?' (or '#'): libpq reads the userinfo up to the '@'
 * and sends it, so the redaction must look for the '@' past the '?'. */
static void question_mark_password(int is_pg)
{
    server s;
    get_server(&s, is_pg);
    char *tpl = unique_name();
    char *bad = fl_xasprintf("%s://%s:wr0ng?pw-q7z@%s/%s", is_pg ? "postgresql" : "mysql", PW_USER,
                             s.hostport, tpl);
    cmd_result r;
    forkless(&r, (char *[]){"db", "clone", bad, NULL}, NULL);
    int code = r.code, left = count_named(&s, tpl);
    char shown[1200];
    int leaked = shows(r.out, "wr0ng?pw-q7z", shown, sizeof shown);
    cmd_result_free(&r);
    free(bad);
    free(tpl);
    FL_ASSERT(code == 2 || code == 3);
    FL_ASSERT_EQ_INT(left, 0);
    if (leaked)
        FL_FAIL("the password 'wr0ng?pw-q7z' is printed: %s", shown);
}

FL_TEST(auth_pg, password_with_question_mark_is_redacted) { question_mark_password(1); }
FL_TEST(auth_mysql, password_with_question_mark_is_redacted) { question_mark_password(0); }

/* libpq's sslpassword (the client key's passphrase) is a secret too, like every
 * parameter whose name ends in "password". */
FL_TEST(auth_pg, ssl_key_password_is_redacted)
{
    server s;
    get_server(&s, 1);
    char *tpl = unique_name();
    char *bad = fl_xasprintf("postgresql://%s:%s@%s/%s?sslpassword=k3y-s3cret", PW_USER, PW_WRONG,
                             s.hostport, tpl);
    cmd_result r;
    forkless(&r, (char *[]){"db", "clone", bad, NULL}, NULL);
    int code = r.code;
    char shown[1200];
    int leaked = shows(r.out, PW_WRONG, shown, sizeof shown) || shows(r.out, "k3y-s3cret", shown, sizeof shown);
    cmd_result_free(&r);
    free(bad);
    free(tpl);
    FL_ASSERT_EQ_INT(code, 3);
    if (leaked)
        FL_FAIL("a password or the key passphrase 'k3y-s3cret' is printed: %s", shown);
}

/* One word of the worker command holding two URLs, the first without a password (a
 * shell script: "check postgresql://h/a; use postgresql://u:PW@h/b"): every URL of the
 * word is redacted, not only the first, in the JSON report's "command".  No server
 * needed. */
FL_TEST(auth_report, second_url_in_one_word_is_redacted)
{
    const char *dir = temp_dir();
    char *json_path = fl_xasprintf("%s/events.jsonl", dir);
    char *json = fl_xasprintf("--json=%s", json_path);
    char *state = fl_xasprintf("--state-dir=%s/state", dir);
    char *script = fl_xasprintf("exec '%s' --forkless-worker", fixture_bin());
    char *word = fl_xasprintf("check postgresql://db/a; use postgresql://app:%s@db/b", PW_RIGHT);
    cmd_result r;
    forkless(&r, (char *[]){"run", "-j", "1", "-v", "--progress=never", "-k", "basic.passes", state, json, "--",
                            "/bin/sh", "-c", script, word, NULL},
             NULL);
    int code = r.code;
    char shown[2000];
    int on_console = shows(r.out, PW_RIGHT, shown, sizeof shown);
    cmd_result_free(&r);
    char *events = NULL;
    size_t size = 0;
    fl_error err = {0};
    int read = fl_fs_read_file(json_path, &events, &size, &err);
    int in_report = read == FL_OK && shows(events, PW_RIGHT, shown, sizeof shown);
    int redacted = read == FL_OK && strstr(events, "postgresql://app:***@db/b") != NULL;
    free(events);
    free(word);
    free(script);
    free(state);
    free(json);
    free(json_path);
    FL_ASSERT_EQ_INT(code, 0);
    FL_ASSERT_EQ_INT(read, FL_OK);
    if (on_console || in_report)
        FL_FAIL("the password '%s' is shown %s: %s", PW_RIGHT, on_console ? "on the console" : "in the JSON report",
                shown);
    FL_ASSERT(redacted);
}
