/*
 * postgres_test.c — the PostgreSQL engine against a real server (FORKLESS_TEST_PG_URL):
 * clones dump identically to their template (schema and data) with both methods, built
 * templates are protected, keyed and reused, a session on the template is named (or
 * terminated on request), gc after SIGKILL spares live and kept runs, two runs share a
 * server, bad input fails cleanly with nothing left, and `forkless db clone|drop` works
 * end to end.  Without a server every test skips loudly.
 */
#include <forkless/forkless.h>
#include <forkless/test.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../integration/harness.h"
#include "core/util.h"
#include "db_test_util.h"
#include "pg_test_util.h"
#include "platform/fs.h"
#include "platform/platform.h"

/* The name prefix of our objects for a template. */
static char *ours(const char *tpl) { return fl_xasprintf("%s_fl_", tpl); }

static size_t gc_url(const char *url)
{
    char *urls[] = {(char *)url};
    size_t removed = 0;
    fl_error err = {0};
    if (fl_db_gc(urls, 1, NULL, &removed, &err) != FL_OK)
        FL_FAIL("gc: %s", err.msg);
    return removed;
}

static void check_fidelity(const char *method)
{
    pgt_server();
    char *tpl = pgt_unique("Fidélité");
    pgt_make_rich(tpl);
    char *url = pgt_url(tpl, NULL), *prefix = ours(tpl);
    char *want_schema = pgt_dump(tpl, "--schema-only");
    char *want_data = pgt_dump(tpl, "--data-only --inserts");
    FL_ASSERT_CONTAINS(want_schema, "CREATE TABLE public.\"Customer Ñame\"");
    FL_ASSERT_CONTAINS(want_schema, "PARTITION BY RANGE");
    FL_ASSERT_CONTAINS(want_schema, "CREATE MATERIALIZED VIEW");
    FL_ASSERT_CONTAINS(want_schema, "COLLATE pg_catalog.\"C\"");
    FL_ASSERT_CONTAINS(want_data, "SELECT pg_catalog.setval('public.counter', 8, true);");

    fl_dbset *set = dbt_open_set(url, method, strcmp(method, "wal_log") ? "pgfidf" : "pgfidw");
    fl_error err = {0};
    FL_ASSERT_EQ_INT(fl_dbset_prepare_templates(set, NULL, NULL, 0, 0, NULL, &err), FL_OK);
    if (fl_dbset_clone_all(set, 3, &err) != FL_OK)
        FL_FAIL("clone_all(%s): %s", method, err.msg);
    FL_ASSERT_EQ_INT(pgt_count_prefix(prefix), 3);
    for (int slot = 1; slot <= 3; slot++) {
        char *name = dbt_worker_var(set, slot, "FORKLESS_DB_DEFAULT_NAME");
        char *got_method = dbt_worker_var(set, slot, "FORKLESS_DB_DEFAULT_METHOD");
        char *clone_url = dbt_worker_var(set, slot, "FORKLESS_DB_DEFAULT");
        char *pgdatabase = dbt_worker_var(set, slot, "PGDATABASE");
        FL_ASSERT_EQ_STR(got_method, method);
        FL_ASSERT_EQ_STR(pgdatabase, name);
        FL_ASSERT_LE_INT((long)strlen(name), 63);
        char *want_url = pgt_url(name, NULL);
        FL_ASSERT_EQ_STR(clone_url, want_url);
        char *schema = pgt_dump(name, "--schema-only"), *data = pgt_dump(name, "--data-only --inserts");
        FL_ASSERT_EQ_STR(schema, want_schema);
        FL_ASSERT_EQ_STR(data, want_data);
        /* Sequences, identity and triggers carry on where the template stopped. */
        pgt_exec(name, "INSERT INTO \"order\"(customer_id, \"select\", total) VALUES (1, 'fresh', 1)");
        char *max = pgt_query(name, "SELECT max(id) FROM \"order\"");
        char *audit = pgt_query(name, "SELECT what FROM audit ORDER BY seq DESC LIMIT 1");
        char *counter = pgt_query(name, "SELECT nextval('counter')");
        pgt_exec(name, "INSERT INTO \"Customer Ñame\"(\"naïve\") VALUES ('new')");
        char *ident = pgt_query(name, "SELECT max(id) FROM \"Customer Ñame\"");
        FL_ASSERT_EQ_STR(max, "121");
        FL_ASSERT_EQ_STR(audit, "created fresh");
        FL_ASSERT_EQ_STR(counter, "11");
        FL_ASSERT_EQ_STR(ident, "51");
        free(name), free(got_method), free(clone_url), free(pgdatabase), free(want_url);
        free(schema), free(data), free(max), free(audit), free(counter), free(ident);
    }
    /* Writes to the clones never reached the template. */
    char *after = pgt_dump(tpl, "--data-only --inserts");
    FL_ASSERT_EQ_STR(after, want_data);
    FL_ASSERT_EQ_INT(fl_dbset_teardown(set, 0, NULL, &err), FL_OK);
    fl_dbset_free(set);
    FL_ASSERT_EQ_INT(pgt_count_prefix(prefix), 0);
    pgt_drop(tpl);
    free(after), free(want_schema), free(want_data), free(url), free(prefix), free(tpl);
}

FL_TEST(postgres, file_copy_clones_dump_identically) { check_fidelity("file_copy"); }
FL_TEST(postgres, wal_log_clones_dump_identically) { check_fidelity("wal_log"); }

/* The setup command: counts its runs in counter_file and fills $FORKLESS_DB_DEFAULT. */
static char **setup_command(const char *counter_file, const char *value)
{
    char *script = fl_xasprintf("echo built >> '%s' && psql -q -X -v ON_ERROR_STOP=1 "
                                "\"$FORKLESS_DB_DEFAULT\" -c 'CREATE TABLE t(x int); "
                                "INSERT INTO t VALUES (%s)'",
                                counter_file, value);
    char **argv = calloc(4, sizeof *argv);
    argv[0] = fl_xstrdup("/bin/sh");
    argv[1] = fl_xstrdup("-c");
    argv[2] = script;
    return argv;
}

static int line_count(const char *path)
{
    char *data;
    size_t size;
    if (fl_fs_read_file(path, &data, &size, NULL) != FL_OK)
        return 0;
    int n = 0;
    for (size_t i = 0; i < size; i++)
        n += data[i] == '\n';
    free(data);
    return n;
}

static void build_run(const char *url, char **setup, int rebuild, const char *want_x)
{
    fl_dbset *set = dbt_open_set(url, NULL, "pgbuild");
    fl_error err = {0};
    if (fl_dbset_prepare_templates(set, setup, NULL, 0, rebuild, NULL, &err) != FL_OK)
        FL_FAIL("prepare_templates: %s", err.msg);
    if (fl_dbset_clone_all(set, 2, &err) != FL_OK)
        FL_FAIL("clone_all: %s", err.msg);
    char *name = dbt_worker_var(set, 2, "FORKLESS_DB_DEFAULT_NAME");
    char *x = pgt_query(name, "SELECT x FROM t");
    FL_ASSERT_EQ_STR(x, want_x);
    FL_ASSERT_EQ_INT(fl_dbset_teardown(set, 0, NULL, &err), FL_OK);
    fl_dbset_free(set);
    free(name);
    free(x);
}

FL_TEST(postgres, built_template_is_protected_keyed_and_reused)
{
    pgt_server();
    char *tpl = pgt_unique("built"), *url = pgt_url(tpl, NULL), *prefix = ours(tpl);
    char *dir = dbt_temp_dir(), *counter = dbt_path(dir, "count");
    char **setup = setup_command(counter, "7");
    build_run(url, setup, 0, "7");
    FL_ASSERT_EQ_INT(line_count(counter), 1);
    char *sql = fl_xasprintf("SELECT datistemplate::text || ' ' || datallowconn::text || ' ' || "
                             "left(shobj_description(oid, 'pg_database'), 13) FROM pg_database "
                             "WHERE datname = '%s'", tpl);
    char *state = pgt_query("postgres", sql);
    FL_ASSERT_EQ_STR(state, "true false forkless-key:");
    /* Same key: reused, the setup command does not run again. */
    build_run(url, setup, 0, "7");
    FL_ASSERT_EQ_INT(line_count(counter), 1);
    /* Rebuild: replaced in place; no build or old database is left. */
    char **setup2 = setup_command(counter, "8");
    build_run(url, setup2, 1, "8");
    FL_ASSERT_EQ_INT(line_count(counter), 2);
    FL_ASSERT_EQ_INT(pgt_count_prefix(prefix), 0);
    free(state);
    state = pgt_query("postgres", sql);
    FL_ASSERT_EQ_STR(state, "true false forkless-key:");
    pgt_drop(tpl);
    fl_strv_free(setup);
    fl_strv_free(setup2);
    free(state), free(sql), free(counter), free(tpl), free(url), free(prefix);
    dbt_cleanup(dir);
}

FL_TEST(postgres, failed_setup_leaves_nothing)
{
    pgt_server();
    char *tpl = pgt_unique("failing"), *url = pgt_url(tpl, NULL), *prefix = ours(tpl);
    char *setup[] = {"/bin/sh", "-c", "exit 4", NULL};
    fl_dbset *set = dbt_open_set(url, NULL, "pgfail");
    fl_error err = {0};
    FL_ASSERT_EQ_INT(fl_dbset_prepare_templates(set, setup, NULL, 0, 0, NULL, &err), FL_ERR_DB);
    FL_ASSERT_CONTAINS(err.msg, "exit code 4");
    fl_dbset_free(set);
    FL_ASSERT_EQ_INT(pgt_count_prefix(prefix), 0);
    FL_ASSERT_EQ_INT(pgt_count_prefix(tpl), 0);
    free(tpl), free(url), free(prefix);
}

FL_TEST(postgres, session_on_template_is_named_or_terminated)
{
    pgt_server();
    char *tpl = pgt_unique("busy"), *prefix = ours(tpl);
    pgt_make_rich(tpl);
    char *holder_url = pgt_url(tpl, "application_name=holdme_session");
    PGconn *holder = PQconnectdb(holder_url);
    FL_ASSERT_EQ_INT(PQstatus(holder), CONNECTION_OK);
    char *url = pgt_url(tpl, NULL);
    fl_dbset *set = dbt_open_set(url, NULL, "pgbusy");
    fl_error err = {0};
    FL_ASSERT_EQ_INT(fl_dbset_clone_all(set, 2, &err), FL_ERR_DB);
    FL_ASSERT_CONTAINS(err.msg, "holdme_session");
    FL_ASSERT_CONTAINS(err.msg, "forkless_terminate=1");
    fl_dbset_free(set);
    FL_ASSERT_EQ_INT(pgt_count_prefix(prefix), 0);
    /* The holder is untouched, and is ended when the URL asks for it. */
    PGresult *res = PQexec(holder, "SELECT 1");
    FL_ASSERT_EQ_INT(PQresultStatus(res), PGRES_TUPLES_OK);
    PQclear(res);
    char *term_url = pgt_url(tpl, "forkless_terminate=1");
    set = dbt_open_set(term_url, NULL, "pgbusy2");
    if (fl_dbset_clone_all(set, 2, &err) != FL_OK)
        FL_FAIL("clone_all with forkless_terminate=1: %s", err.msg);
    char *clone_url = dbt_worker_var(set, 1, "FORKLESS_DB_DEFAULT");
    FL_ASSERT(strstr(clone_url, "forkless_terminate") == NULL);
    FL_ASSERT_EQ_INT(pgt_count_prefix(prefix), 2);
    FL_ASSERT_EQ_INT(fl_dbset_teardown(set, 0, NULL, &err), FL_OK);
    fl_dbset_free(set);
    res = PQexec(holder, "SELECT 1");
    FL_ASSERT_NE_INT(PQresultStatus(res), PGRES_TUPLES_OK);
    PQclear(res);
    PQfinish(holder);
    pgt_drop(tpl);
    free(clone_url), free(term_url), free(url), free(holder_url), free(tpl), free(prefix);
}

/* Waits (up to 20 s) until gc has removed want objects in all. */
static void gc_until(const char *url, const char *prefix, size_t want)
{
    size_t total = 0;
    double start = fl_monotonic();
    while (total < want && fl_monotonic() - start < 20) {
        total += gc_url(url);
        if (total < want)
            fl_sleep_ms(200);
    }
    FL_ASSERT_EQ_INT((long)total, (long)want);
    FL_ASSERT_EQ_INT(pgt_count_prefix(prefix), 0);
}

FL_TEST(postgres, gc_after_kill_spares_live_runs)
{
    pgt_server();
    char *tpl = pgt_unique("gc"), *url = pgt_url(tpl, NULL), *prefix = ours(tpl);
    pgt_make_rich(tpl);
    /* Two runs at once on one server and template. */
    fl_proc *a = dbt_start_holder(url, "pgkilla", "file_copy", NULL);
    fl_proc *b = dbt_start_holder(url, "pgkillb", "wal_log", NULL);
    dbt_wait_for_output(a, "ready", 60);
    dbt_wait_for_output(b, "ready", 60);
    FL_ASSERT_EQ_INT(pgt_count_prefix(prefix), 4);
    FL_ASSERT_EQ_INT((long)gc_url(url), 0);
    /* A kept standalone clone stays whatever happens. */
    char **kept = NULL;
    fl_error err = {0};
    FL_ASSERT_EQ_INT(fl_db_clone(url, 1, NULL, &kept, &err), FL_OK);
    FL_ASSERT_EQ_INT(pgt_count_prefix(prefix), 5);
    fl_proc_kill(a, 1);
    fl_exit ex;
    fl_proc_wait(a, &ex);
    FL_ASSERT(ex.signaled);
    char *b_prefix = fl_xasprintf("%s_fl_pgkillb_", tpl);
    /* Only the dead run's clones go. */
    size_t total = 0;
    double start = fl_monotonic();
    while (total < 2 && fl_monotonic() - start < 20) {
        total += gc_url(url);
        if (total < 2)
            fl_sleep_ms(200);
    }
    FL_ASSERT_EQ_INT((long)total, 2);
    FL_ASSERT_EQ_INT(pgt_count_prefix(b_prefix), 2);
    FL_ASSERT_EQ_INT(pgt_count_prefix(prefix), 3);
    fl_proc_kill(b, 1);
    fl_proc_wait(b, &ex);
    fl_proc_free(a);
    fl_proc_free(b);
    size_t more = 0;
    start = fl_monotonic();
    while (more < 2 && fl_monotonic() - start < 20) {
        more += gc_url(url);
        if (more < 2)
            fl_sleep_ms(200);
    }
    FL_ASSERT_EQ_INT((long)more, 2);
    FL_ASSERT_EQ_INT(pgt_count_prefix(prefix), 1); /* the kept clone */
    FL_ASSERT_EQ_INT(fl_db_drop(kept, 1, &err), FL_OK);
    gc_until(url, prefix, 0);
    pgt_drop(tpl);
    fl_strv_free(kept);
    free(b_prefix), free(tpl), free(url), free(prefix);
}

FL_TEST(postgres, gc_after_kill_mid_build)
{
    pgt_server();
    char *tpl = pgt_unique("midbuild"), *url = pgt_url(tpl, NULL), *prefix = ours(tpl);
    char *setup[] = {"/bin/sh", "-c", "sleep 600", NULL};
    fl_proc *p = dbt_start_holder(url, "pgmid", "file_copy", setup);
    dbt_wait_for_output(p, "building", 30);
    double start = fl_monotonic();
    while (pgt_count_prefix(prefix) < 1 && fl_monotonic() - start < 20)
        fl_sleep_ms(100);
    FL_ASSERT_EQ_INT(pgt_count_prefix(prefix), 1);
    FL_ASSERT_EQ_INT((long)gc_url(url), 0);
    fl_proc_kill(p, 1);
    fl_exit ex;
    fl_proc_wait(p, &ex);
    fl_proc_free(p);
    gc_until(url, prefix, 1);
    FL_ASSERT_EQ_INT(pgt_count_prefix(tpl), 0);
    free(tpl), free(url), free(prefix);
}

/* Opening, preparing and cloning url must fail with code and a message containing want,
 * never showing the password "s3cret". */
static void expect_failure(const char *url, int code, const char *want)
{
    fl_error err = {0};
    fl_dbset *set = NULL;
    fl_db_spec spec = {"default", (char *)url, NULL};
    int rc = fl_dbset_open(&spec, 1, "pgerr", NULL, &set, &err);
    if (rc == FL_OK)
        rc = fl_dbset_prepare_templates(set, NULL, NULL, 0, 0, NULL, &err);
    if (rc == FL_OK)
        rc = fl_dbset_clone_all(set, 2, &err);
    fl_dbset_free(set);
    FL_ASSERT_EQ_INT(rc, code);
    FL_ASSERT_CONTAINS(err.msg, want);
    FL_ASSERT(strstr(err.msg, "s3cret") == NULL);
}

FL_TEST(postgres, bad_input_fails_cleanly)
{
    pgt_server();
    char *missing = pgt_unique("missing"), *url = pgt_url(missing, NULL);
    expect_failure(url, FL_ERR_DB, "does not exist");
    FL_ASSERT_EQ_INT(pgt_count_prefix(missing), 0);
    expect_failure("postgresql://u:s3cret@127.0.0.1:1/app?connect_timeout=3", FL_ERR_DB,
                   "cannot connect to the PostgreSQL server of 'postgresql://u:***@127.0.0.1:1/app");
    expect_failure("postgresql://u:s3cret@127.0.0.1/app?bogus_option=1", FL_ERR_USAGE,
                   "bad PostgreSQL URL");
    char *maint = pgt_url("postgres", NULL);
    expect_failure(maint, FL_ERR_USAGE, "maintenance database");

    /* A role without CREATEDB; a role that may not log in. */
    char *tpl = pgt_unique("privs"), *prefix = ours(tpl);
    pgt_make_rich(tpl);
    char *role = fl_xasprintf("fl_nocreatedb_%ld", (long)getpid());
    char *sql = fl_xasprintf("DROP ROLE IF EXISTS %s; CREATE ROLE %s LOGIN PASSWORD 's3cret'; "
                             "DROP ROLE IF EXISTS %s_nologin; CREATE ROLE %s_nologin NOLOGIN",
                             role, role, role, role);
    pgt_exec("postgres", sql);
    char *server = fl_xstrdup(pgt_server());
    char *at = strchr(strstr(server, "://") + 3, '@');
    char *host = at ? at + 1 : strstr(server, "://") + 3;
    char *enc_tpl = pgt_url(tpl, NULL);
    const char *path = strrchr(enc_tpl, '/');
    char *no_createdb = fl_xasprintf("postgresql://%s:s3cret@%.*s%s", role,
                                     (int)strcspn(host, "/?"), host, path);
    expect_failure(no_createdb, FL_ERR_DB, "may not create databases");
    char *no_login = fl_xasprintf("postgresql://%s_nologin:s3cret@%.*s%s", role,
                                  (int)strcspn(host, "/?"), host, path);
    expect_failure(no_login, FL_ERR_DB, "not permitted to log in");
    FL_ASSERT_EQ_INT(pgt_count_prefix(prefix), 0);
    /* With CREATEDB the non-superuser clones a template it may copy. */
    char *grant = fl_xasprintf("ALTER ROLE %s CREATEDB", role);
    pgt_exec("postgres", grant);
    char *mark = fl_xasprintf("ALTER DATABASE \"%s\" IS_TEMPLATE true", tpl);
    pgt_exec("postgres", mark);
    fl_dbset *set = dbt_open_set(no_createdb, NULL, "pgrole");
    fl_error err = {0};
    if (fl_dbset_clone_all(set, 2, &err) != FL_OK)
        FL_FAIL("a CREATEDB role could not clone: %s", err.msg);
    FL_ASSERT_EQ_INT(pgt_count_prefix(prefix), 2);
    FL_ASSERT_EQ_INT(fl_dbset_teardown(set, 0, NULL, &err), FL_OK);
    fl_dbset_free(set);
    FL_ASSERT_EQ_INT(pgt_count_prefix(prefix), 0);
    pgt_drop(tpl);
    free(sql);
    sql = fl_xasprintf("DROP ROLE %s; DROP ROLE %s_nologin", role, role);
    pgt_exec("postgres", sql);
    free(sql), free(grant), free(mark), free(no_createdb), free(no_login), free(enc_tpl);
    free(server), free(role), free(tpl), free(prefix), free(maint), free(missing), free(url);
}

/* Runs `forkless db ARGS` through the shell. */
static void forkless_db(cmd_result *r, const char *args)
{
    char *line = fl_xasprintf("exec '%s' db %s", forkless_bin(), args);
    char *argv[] = {"/bin/sh", "-c", line, NULL};
    run_cmd(r, argv, NULL, 0);
    free(line);
}

FL_TEST(postgres, cli_clone_four_then_drop)
{
    pgt_server();
    char *tpl = pgt_unique("cli"), *url = pgt_url(tpl, NULL), *prefix = ours(tpl);
    pgt_make_rich(tpl);
    char *want = pgt_dump(tpl, "--schema-only");
    char *want_data = pgt_dump(tpl, "--data-only --inserts");
    cmd_result r;
    char *args = fl_xasprintf("clone '%s' --count 4", url);
    forkless_db(&r, args);
    if (r.code != 0)
        FL_FAIL("forkless db clone: exit %d: %s", r.code, r.out);
    fl_bytes urls = {0};
    int lines = 0;
    for (char *line = strtok(r.out, "\n"); line; line = strtok(NULL, "\n")) {
        PQconninfoOption *o = PQconninfoParse(line, NULL);
        FL_ASSERT_NOT_NULL(o);
        const char *db = NULL;
        for (PQconninfoOption *x = o; x->keyword; x++)
            if (!strcmp(x->keyword, "dbname"))
                db = x->val;
        FL_ASSERT_NOT_NULL(db);
        char *schema = pgt_dump(db, "--schema-only"), *data = pgt_dump(db, "--data-only --inserts");
        FL_ASSERT_EQ_STR(schema, want);
        FL_ASSERT_EQ_STR(data, want_data);
        free(schema), free(data);
        PQconninfoFree(o);
        fl_bytes_printf(&urls, "'%s' ", line);
        lines++;
    }
    FL_ASSERT_EQ_INT(lines, 4);
    cmd_result_free(&r);
    FL_ASSERT_EQ_INT(pgt_count_prefix(prefix), 4);
    char *gc = fl_xasprintf("gc '%s'", url);
    forkless_db(&r, gc);
    FL_ASSERT_EQ_INT(r.code, 0);
    cmd_result_free(&r);
    FL_ASSERT_EQ_INT(pgt_count_prefix(prefix), 4); /* kept clones survive gc */
    char *drop = fl_xasprintf("drop %s", urls.data);
    forkless_db(&r, drop);
    FL_ASSERT_EQ_INT(r.code, 0);
    cmd_result_free(&r);
    FL_ASSERT_EQ_INT(pgt_count_prefix(prefix), 0);
    /* Refuses what forkless did not make; a missing template is exit 3. */
    char *refuse = fl_xasprintf("drop '%s'", url);
    forkless_db(&r, refuse);
    FL_ASSERT_EQ_INT(r.code, 2);
    FL_ASSERT_CONTAINS(r.out, "is not a clone made by forkless");
    cmd_result_free(&r);
    pgt_drop(tpl);
    forkless_db(&r, args);
    FL_ASSERT_EQ_INT(r.code, 3);
    FL_ASSERT_CONTAINS(r.out, "does not exist");
    cmd_result_free(&r);
    fl_bytes_free(&urls);
    free(want), free(want_data), free(args), free(gc), free(drop), free(refuse);
    free(tpl), free(url), free(prefix);
}

FL_TEST(postgres, long_unicode_names_stay_within_63_bytes)
{
    pgt_server();
    char *tpl = pgt_unique("Très long nom de base de données éàü");
    FL_ASSERT_GT_INT((long)strlen(tpl), 36);
    pgt_make_rich(tpl);
    char *url = pgt_url(tpl, NULL);
    char **urls = NULL;
    fl_error err = {0};
    if (fl_db_clone(url, 2, "wal_log", &urls, &err) != FL_OK)
        FL_FAIL("clone: %s", err.msg);
    for (int i = 0; i < 2; i++) {
        PQconninfoOption *o = PQconninfoParse(urls[i], NULL);
        for (PQconninfoOption *x = o; x->keyword; x++)
            if (!strcmp(x->keyword, "dbname")) {
                FL_ASSERT_LE_INT((long)strlen(x->val), 63);
                char *n = pgt_query(x->val, "SELECT count(*) FROM \"order\"");
                FL_ASSERT_EQ_STR(n, "103");
                free(n);
            }
        PQconninfoFree(o);
    }
    FL_ASSERT_EQ_INT(fl_db_drop(urls, 2, &err), FL_OK);
    char *sql = fl_xasprintf("SELECT count(*) FROM pg_database WHERE datname LIKE '%.20s%%'", tpl);
    char *left = pgt_query("postgres", sql);
    FL_ASSERT_EQ_STR(left, "1"); /* the template alone */
    pgt_drop(tpl);
    fl_strv_free(urls);
    free(left), free(sql), free(url), free(tpl);
}
