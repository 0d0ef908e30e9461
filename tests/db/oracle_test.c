/*
 * oracle_test.c — the Oracle engine without an Oracle server: URL parsing, names within 30
 * and 128 bytes, quoting, passwords, and for every method the exact sequence of statements
 * the engine sends, replayed against the recording fake of the session interface
 * (ora_fake.h) with the expected SQL written out in ora_expect.c; the mapping of the
 * errors users meet (ORA-01920, ORA-01543, ORA-65010, ORA-01031, ORA-01017, DBMS_LOCK
 * not granted) into clear messages and exit code 3, cleaning up only what was made; and
 * the real `forkless` command without the Oracle Client library.  At the end, the full
 * clone/fidelity/teardown cycle against a real server (FORKLESS_TEST_ORACLE_URL; skipped with
 * a message without one), with its helpers in ora_server.c.
 */
#include <forkless/forkless.h>
#include <forkless/test.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../integration/harness.h"
#include "core/util.h"
#include "db/engine.h"
#include "db/oracle_int.h"
#include "ora_expect.h"
#include "ora_fake.h"
#include "platform/platform.h"

static const char url_app[] = "oracle://system:s3cret@db.example:1521/FREEPDB1?template=app_test";
static const char connect_line[] = "CONNECT system@db.example:1521/FREEPDB1";

/* ---- helpers ------------------------------------------------------------------------------ */

static fl_db_target *target(const char *url)
{
    fl_db_target *t = NULL;
    fl_error err = {0};
    if (fl_db_parse_target(url, &t, &err) != FL_OK)
        FL_FAIL("cannot parse '%s': %s", url, err.msg);
    FL_ASSERT_EQ_STR(t->engine->name, "oracle");
    return t;
}

static fl_db_run *registered(fl_db_target *t, const char *run_id)
{
    fl_db_run *r = NULL;
    fl_error err = {0};
    if (t->engine->run_register(t, run_id, &r, &err) != FL_OK)
        FL_FAIL("run_register: %s", err.msg);
    return r;
}

static void prepare(fl_db_run *r, const char *method)
{
    fl_error err = {0};
    if (r->target->engine->run_prepare(r, method, &err) != FL_OK)
        FL_FAIL("run_prepare(%s): %s", method, err.msg);
}

static fl_db_cloned *clone_slot(fl_db_run *r, const char *slot)
{
    fl_db_cloned *c = NULL;
    fl_error err = {0};
    if (r->target->engine->clone(r, slot, &c, &err) != FL_OK)
        FL_FAIL("clone(%s): %s", slot, err.msg);
    return c;
}

static void end_run(fl_db_run *r, int keep)
{
    fl_error err = {0};
    const fl_db_engine *e = r->target->engine;
    if (e->run_end(r, keep, &err) != FL_OK)
        FL_FAIL("run_end: %s", err.msg);
}

/* The template of the schema tests: user APP_TEST with CREATE SESSION and CREATE TABLE,
 * SELECT on HR.EMPLOYEES, tables CUSTOMERS (ID, NAME) and ORDERS (ID identity ALWAYS, next
 * 101, CUSTOMER_ID), synonym CUST for CUSTOMERS, and a faithful copy. */
static void script_template(ora_fake *f)
{
    ora_fake_rows(f, "FROM ALL_USERS WHERE USERNAME = 'APP_TEST'", "APP_TEST", -1);
    ora_fake_error(f, "FROM \"FORKLESS_TEMPLATES\"", 942,
                   "ORA-00942: table or view does not exist", -1);
    ora_fake_rows(f, "FROM DBA_SYS_PRIVS", "CREATE SESSION|NO\nCREATE TABLE|NO", -1);
    ora_fake_rows(f, "FROM DBA_ROLE_PRIVS", "", -1);
    ora_fake_rows(f, "FROM DBA_TAB_PRIVS P", "SELECT|HR|EMPLOYEES|NO|~", -1);
    ora_fake_rows(f, "FROM DBA_TAB_IDENTITY_COLS", "ORDERS|ID|ALWAYS|NO|101", -1);
    ora_fake_rows(f, "FROM DBA_TABLES T WHERE", "CUSTOMERS\nORDERS", -1);
    ora_fake_rows(f, "AND VIRTUAL_COLUMN = 'NO'",
                  "CUSTOMERS|ID\nCUSTOMERS|NAME\nORDERS|ID\nORDERS|CUSTOMER_ID", -1);
    ora_fake_rows(f, "FROM DBA_SYNONYMS", "CUST|APP_TEST|CUSTOMERS|~", -1);
    ora_fake_rows(f, "GROUP BY OBJECT_TYPE", "INDEX|3|3|3|3\nSYNONYM|1|1|1|1\nTABLE|2|2|2|2",
                  -1);
}

/* The statements of run_register + run_prepare for the template APP_TEST, session 1. */
static void expect_prepare(ora_lines *l, const char *run, int with_checks, int datapump)
{
    char lock_name[64];
    snprintf(lock_name, sizeof lock_name, "forkless-run-%s", run);
    char *lock = ora_expect_lock(lock_name, "S_MODE", 10);
    ora_expect_add(l, "[1] %s", connect_line);
    ora_expect_add(l, "[1] %s", lock);
    free(lock);
    ora_expect_facts(l, 1, 1);
    ora_expect_add(l, "[1] SELECT \"ACTUAL\", \"CACHE_KEY\" FROM \"FORKLESS_TEMPLATES\" WHERE "
                      "\"NAME\" = 'APP_TEST'");
    ora_expect_add(l, "[1] SELECT USERNAME FROM ALL_USERS WHERE USERNAME = 'APP_TEST'");
    ora_expect_add(l, "[1] SELECT PRIVILEGE FROM SESSION_PRIVS UNION SELECT ROLE FROM "
                      "SESSION_ROLES");
    if (with_checks)
        for (const char *const *q = ora_expect_checks("APP_TEST", 1, datapump); *q; q++)
            ora_expect_add(l, "[1] %s", *q);
}

/* FNV-1a, as the engine's names and lock names use it (written again here). */
static uint32_t fnv(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static void url_fails(const char *url, const char *needle)
{
    fl_db_target *t = NULL;
    fl_error err = {0};
    int rc = fl_db_parse_target(url, &t, &err);
    if (rc == FL_OK) {
        t->engine->free_target(t);
        FL_FAIL("'%s' parsed, expected an error containing '%s'", url, needle);
    }
    FL_ASSERT_EQ_INT(rc, FL_ERR_USAGE);
    FL_ASSERT_CONTAINS(err.msg, needle);
    FL_ASSERT(strstr(err.msg, "s3cret") == NULL);
}

/* ---- URLs, names, quoting, passwords --------------------------------------------------------- */

FL_TEST(oracle, url_forms)
{
    fl_db_target *t = target("oracle://system:s3cret@db.example:1521/FREEPDB1");
    const ora_url *u = t->priv;
    FL_ASSERT_EQ_STR(t->name, "TEST_SYSTEM"); /* Django's test user name */
    FL_ASSERT_EQ_STR(t->redacted, "oracle://system:***@db.example:1521/FREEPDB1");
    FL_ASSERT_EQ_STR(u->user, "system");
    FL_ASSERT_EQ_STR(u->password, "s3cret");
    FL_ASSERT_EQ_STR(u->connect, "db.example:1521/FREEPDB1");
    FL_ASSERT_EQ_STR(u->host_port, "db.example:1521");
    FL_ASSERT_EQ_STR(u->service, "FREEPDB1");
    FL_ASSERT_EQ_INT(u->easy, 1);
    FL_ASSERT_EQ_INT(u->sysdba, 0);
    FL_ASSERT_EQ_INT(u->snapshot, ORA_SNAPSHOT_AUTO);
    t->engine->free_target(t);

    /* Easy Connect written with "//", options, a password with '@' and '%40' */
    t = target("oracle://sys:p%40ss@w@//[::1]:1522/orclpdb1.example.com?sysdba=1&template=my_app"
               "&datafiles=/u02/oradata&pdb_snapshot=no&schema_copy=datapump"
               "&tablespace_size=50M&tablespace_maxsize=unlimited&loopback=localhost:1521/ORCL");
    u = t->priv;
    FL_ASSERT_EQ_STR(u->user, "sys");
    FL_ASSERT_EQ_STR(u->password, "p@ss@w");
    FL_ASSERT_EQ_STR(u->connect, "[::1]:1522/orclpdb1.example.com");
    FL_ASSERT_EQ_STR(u->connect_raw, "[::1]:1522/orclpdb1.example.com");
    FL_ASSERT_EQ_STR(u->service, "orclpdb1.example.com");
    FL_ASSERT_EQ_STR(t->name, "MY_APP");
    FL_ASSERT_EQ_INT(u->sysdba, 1);
    FL_ASSERT_EQ_STR(u->datafiles, "/u02/oradata");
    FL_ASSERT_EQ_INT(u->snapshot, ORA_SNAPSHOT_NO);
    FL_ASSERT_EQ_INT(u->datapump, 1);
    FL_ASSERT_EQ_STR(u->tablespace_size, "50M");
    FL_ASSERT_EQ_STR(u->tablespace_maxsize, "UNLIMITED");
    FL_ASSERT_EQ_STR(u->loopback, "localhost:1521/ORCL");
    FL_ASSERT(strstr(t->redacted, "p%40ss") == NULL);
    t->engine->free_target(t);

    /* a TNS alias; a service with a server type */
    t = target("oracle://app:s3cret@ORCL_TEST");
    u = t->priv;
    FL_ASSERT_EQ_STR(u->connect, "ORCL_TEST");
    FL_ASSERT_EQ_INT(u->easy, 0);
    FL_ASSERT_NULL(u->service);
    FL_ASSERT_EQ_STR(t->name, "TEST_APP");
    t->engine->free_target(t);
    t = target("oracle://app:s3cret@db:1521/FREEPDB1:dedicated");
    FL_ASSERT_EQ_STR(((const ora_url *)t->priv)->service, "FREEPDB1");
    FL_ASSERT_EQ_STR(((const ora_url *)t->priv)->connect, "db:1521/FREEPDB1:dedicated");
    t->engine->free_target(t);
}

FL_TEST(oracle, url_errors)
{
    url_fails("oracle://db.example:1521/FREEPDB1", "names no user");
    url_fails("oracle://:s3cret@db.example:1521/FREEPDB1", "names no user");
    url_fails("oracle://system:s3cret@", "names no database");
    url_fails("oracle://system:s3cret@db.example:1521", "has a port but no service name");
    url_fails("oracle://system:s3cret@db.example:1521/", "expected host:port/service");
    url_fails("oracle://system:s3cret@db/svc?bogus=1", "unknown option 'bogus'");
    url_fails("oracle://system:s3cret@db/svc?sysdba=maybe", "bad value for option 'sysdba'");
    url_fails("oracle://system:s3cret@db/svc?template=a\"b", "bad value for option 'template'");
    url_fails("oracle://system:s3cret@db/svc?template=1abc", "bad value for option 'template'");
    url_fails("oracle://system:s3cret@db/svc?tablespace_size=lots",
              "bad value for option 'tablespace_size'");
    url_fails("oracle://system:s3cret@db/svc?datafiles=/a'b", "bad value for option 'datafiles'");
    url_fails("oracle://system:s3cret@db/svc?pdb_snapshot=sometimes",
              "bad value for option 'pdb_snapshot'");
    url_fails("oracle://system:s3cret@db/svc?schema_copy=rsync",
              "bad value for option 'schema_copy'");
    url_fails("oracle://system:s3cret@db/svc#x", "fragment");
    url_fails("oracle://system:s3%ZZcret@db/svc", "bad %-escape");
    url_fails("oracle://sys.admin:s3cret@db/svc", "do not make a template user name");
    /* an unknown scheme still names Oracle among the known ones */
    fl_error err = {0};
    const fl_db_engine *e;
    FL_ASSERT_EQ_INT(fl_db_engine_for_url("oracel://x@y/z", &e, &err), FL_ERR_USAGE);
    FL_ASSERT_CONTAINS(err.msg, "oracle");
    FL_ASSERT_EQ_INT(fl_db_engine_for_url("oracle://x@y/z", &e, &err), FL_OK);
    FL_ASSERT_EQ_STR(e->name, "oracle");
    FL_ASSERT_EQ_STR(e->methods[0], "auto");
}

FL_TEST(oracle, names_fit_128_and_30_bytes)
{
    char buf[200], stem[200], run[FL_DB_RUN_ID_MAX + 1], slot[FL_DB_SLOT_MAX + 1];
    const char *tail;
    fl_error err = {0};
    /* 12.2 and later: 128 bytes, less the temporary tablespace's "_T" */
    FL_ASSERT_EQ_INT(ora_name_make(buf, sizeof buf, 126, "TEST_DJANGO_APPLICATION", "k3x9", "1",
                                   &err),
                     FL_OK);
    FL_ASSERT_EQ_STR(buf, "TEST_DJANGO_APPLICATION_FL_K3X9_1");
    /* before 12.2: 30 bytes; the stem is cut and its hash appended */
    FL_ASSERT_EQ_INT(ora_name_make(buf, sizeof buf, 28, "TEST_DJANGO_APPLICATION", "k3x9", "1",
                                   &err),
                     FL_OK);
    char expected[64];
    snprintf(expected, sizeof expected, "TEST_DJANGO_%06X_FL_K3X9_1",
             (unsigned)(fnv("TEST_DJANGO_APPLICATION") & 0xffffff));
    FL_ASSERT_EQ_STR(buf, expected);
    FL_ASSERT_EQ_INT((long long)strlen(buf), 28);
    FL_ASSERT_EQ_INT(ora_name_parse(buf, stem, sizeof stem, run, slot, &tail), 1);
    FL_ASSERT_EQ_STR(run, "k3x9");
    FL_ASSERT_EQ_STR(slot, "1");
    FL_ASSERT_EQ_STR(tail, "");
    FL_ASSERT_EQ_INT(ora_name_belongs(stem, "TEST_DJANGO_APPLICATION"), 1);
    FL_ASSERT_EQ_INT(ora_name_belongs(stem, "TEST_DJANGO_APPLICATIONS"), 0);
    FL_ASSERT_EQ_INT(ora_name_belongs(stem, "TEST_DJANGO"), 0);
    /* the example of docs/oracle.md */
    FL_ASSERT_EQ_INT(ora_name_make(buf, sizeof buf, 28, "TEST_DJANGO_APPLICATION", "k3x9q2ab", "1",
                                   &err),
                     FL_OK);
    FL_ASSERT_EQ_STR(buf, "TEST_DJ_7702F8_FL_K3X9Q2AB_1");
    /* the cut depends on the run id and slot; every cut is recognised */
    FL_ASSERT_EQ_INT(ora_name_make(buf, sizeof buf, 28, "TEST_DJANGO_APPLICATION", "abcdefgh",
                                   "build", &err),
                     FL_OK);
    FL_ASSERT_EQ_INT((long long)strlen(buf), 28);
    FL_ASSERT_EQ_INT(ora_name_parse(buf, stem, sizeof stem, run, slot, &tail), 1);
    FL_ASSERT_EQ_STR(slot, "build");
    FL_ASSERT_EQ_INT(ora_name_belongs(stem, "TEST_DJANGO_APPLICATION"), 1);
    /* a temporary tablespace's name parses with its tail */
    FL_ASSERT_EQ_INT(ora_name_parse("APP_TEST_FL_K3X9_12_T", stem, sizeof stem, run, slot, &tail),
                     1);
    FL_ASSERT_EQ_STR(stem, "APP_TEST");
    FL_ASSERT_EQ_STR(slot, "12");
    FL_ASSERT_EQ_STR(tail, "_T");
    /* a stem holding "_FL_" itself: the last one counts */
    FL_ASSERT_EQ_INT(ora_name_parse("MY_FL_APP_FL_K3X9_2", stem, sizeof stem, run, slot, &tail), 1);
    FL_ASSERT_EQ_STR(stem, "MY_FL_APP");
    /* not ours */
    FL_ASSERT_EQ_INT(ora_name_parse("APP_TEST", stem, sizeof stem, run, slot, &tail), 0);
    FL_ASSERT_EQ_INT(ora_name_parse("APP_TEST_FL_k3x9_1", stem, sizeof stem, run, slot, &tail), 0);
    FL_ASSERT_EQ_INT(ora_name_parse("APP_TEST_FL_K3X9_1_X", stem, sizeof stem, run, slot, &tail),
                     0);
    /* a 120-byte template name at 128 bytes */
    char longname[121];
    memset(longname, 'A', 120);
    longname[120] = 0;
    FL_ASSERT_EQ_INT(ora_name_make(buf, sizeof buf, 126, longname, "k3x9", "1", &err), FL_OK);
    FL_ASSERT_EQ_INT((long long)strlen(buf), 126);
    FL_ASSERT_EQ_INT(ora_name_parse(buf, stem, sizeof stem, run, slot, &tail), 1);
    FL_ASSERT_EQ_INT(ora_name_belongs(stem, longname), 1);
    /* PDB names stay within 30 bytes; a 16-character run id leaves no room */
    FL_ASSERT_EQ_INT(ora_name_make(buf, sizeof buf, ORA_PDB_NAME_MAX, "FREEPDB1", "k3x9", "3",
                                   &err),
                     FL_OK);
    FL_ASSERT_EQ_STR(buf, "FREEPDB1_FL_K3X9_3");
    FL_ASSERT_EQ_INT(ora_name_make(buf, sizeof buf, ORA_PDB_NAME_MAX, "FREEPDB1",
                                   "abcdefghijklmnop", "12", &err),
                     FL_ERR_USAGE);
    FL_ASSERT_CONTAINS(err.msg, "at most 30 bytes");
}

FL_TEST(oracle, quoting_and_passwords)
{
    fl_db_buf b = {0};
    ora_buf_ident2(&b, "APP_TEST", "ORDER");
    fl_db_buf_puts(&b, " ");
    ora_buf_literal(&b, "it's");
    fl_db_buf_puts(&b, " ");
    ora_buf_literal2(&b, "APP_TEST");
    FL_ASSERT_EQ_INT(b.failed, 0);
    FL_ASSERT_EQ_STR(b.s, "\"APP_TEST\".\"ORDER\" 'it''s' '''APP_TEST'''");
    ora_buf_ident(&b, "bad\"name");
    FL_ASSERT_EQ_INT(b.failed, 1); /* Oracle identifiers cannot hold '"' */
    fl_db_buf_free(&b);
    char a[31], c[31];
    fl_error err = {0};
    FL_ASSERT_EQ_INT(ora_password(a, &err), FL_OK);
    FL_ASSERT_EQ_INT(ora_password(c, &err), FL_OK);
    FL_ASSERT_EQ_INT((long long)strlen(a), 30);
    FL_ASSERT_NE_STR(a, c);
    int upper = 0, lower = 0, digit = 0;
    for (const char *p = a; *p; p++) {
        FL_ASSERT((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9'));
        upper |= *p >= 'A' && *p <= 'Z';
        lower |= *p >= 'a' && *p <= 'z';
        digit |= *p >= '0' && *p <= '9';
    }
    FL_ASSERT(upper && lower && digit);
    FL_ASSERT((a[0] >= 'A' && a[0] <= 'Z') || (a[0] >= 'a' && a[0] <= 'z'));
    char *url = ora_url_make("C##APP", "pw", "db:1521/X");
    FL_ASSERT_EQ_STR(url, "oracle://C%23%23APP:pw@db:1521/X");
    free(url);
}

/* ---- the schema method ---------------------------------------------------------------------- */

FL_TEST(oracle, schema_clone_statements)
{
    ora_fake *f = ora_fake_begin();
    ora_fake_server(f, "19.0.0.0.0", 3, "FREEPDB1");
    script_template(f);
    fl_db_target *t = target(url_app);
    fl_db_run *r = registered(t, "k3x9");
    prepare(r, "schema");
    FL_ASSERT_EQ_STR(r->method, "schema");
    fl_db_cloned *c = clone_slot(r, "1");
    FL_ASSERT_EQ_STR(c->name, "APP_TEST_FL_K3X9_1");
    FL_ASSERT_EQ_STR(c->method, "schema");
    /* the worker's URL carries the user's generated password */
    char *want = fl_xasprintf("oracle://APP_TEST_FL_K3X9_1:%s@db.example:1521/FREEPDB1",
                              ora_fake_password(f));
    FL_ASSERT_EQ_STR(c->url, want);
    free(want);
    fl_error err = {0};
    FL_ASSERT_EQ_INT(c->engine->drop(c, &err), FL_OK);
    c->engine->free_clone(c);
    end_run(r, 0);

    ora_lines l = {0};
    expect_prepare(&l, "k3x9", 1, 0);
    ora_expect_add(&l, "[2] %s", connect_line);
    ora_expect_create_user(&l, 2, "APP_TEST_FL_K3X9_1", "APP_TEST");
    ora_expect_metadata_copy(&l, 2, "APP_TEST", "APP_TEST_FL_K3X9_1");
    ora_expect_verify(&l, 2, "APP_TEST", "APP_TEST_FL_K3X9_1");
    ora_expect_add(&l, "[2] CLOSE");
    ora_expect_add(&l, "[3] %s", connect_line);
    ora_expect_add(&l, "[3] DELETE FROM \"FORKLESS_KEPT\" WHERE \"NAME\" = 'APP_TEST_FL_K3X9_1'");
    ora_expect_drop_user(&l, 3, "APP_TEST_FL_K3X9_1");
    ora_expect_add(&l, "[3] CLOSE");
    ora_expect_add(&l, "[1] CLOSE");
    ora_expect_check(f, &l);
    t->engine->free_target(t);
    ora_fake_end(f);
}

FL_TEST(oracle, schema_clone_verification_catches_differences)
{
    ora_fake *f = ora_fake_begin();
    ora_fake_server(f, "19.0.0.0.0", 3, "FREEPDB1");
    script_template(f);
    ora_fake_rows(f, "GROUP BY OBJECT_TYPE", "INDEX|3|2|3|2\nPACKAGE BODY|1|1|1|0\nTABLE|2|2|2|2",
                  -1);
    fl_db_target *t = target(url_app);
    fl_db_run *r = registered(t, "k3x9");
    prepare(r, "schema");
    fl_db_cloned *c = NULL;
    fl_error err = {0};
    FL_ASSERT_EQ_INT(t->engine->clone(r, "1", &c, &err), FL_ERR_DB);
    FL_ASSERT_CONTAINS(err.msg, "clone APP_TEST_FL_K3X9_1 differs from template APP_TEST: INDEX: "
                                "3 in the template, 2 in the clone; PACKAGE BODY: 1 valid in the "
                                "template, 0 in the clone");
    /* the half-made clone is gone */
    FL_ASSERT_EQ_INT(ora_fake_seen(f, "DROP USER \"APP_TEST_FL_K3X9_1\" CASCADE"), 1);
    FL_ASSERT_EQ_INT(ora_fake_seen(f, "DROP TABLESPACE \"APP_TEST_FL_K3X9_1_T\""), 1);
    end_run(r, 0);
    t->engine->free_target(t);
    ora_fake_end(f);
}

FL_TEST(oracle, datapump_statements)
{
    ora_fake *f = ora_fake_begin();
    ora_fake_server(f, "19.0.0.0.0", 3, "FREEPDB1");
    script_template(f);
    fl_db_target *t = target("oracle://system:s3cret@db.example:1521/FREEPDB1?template=APP_TEST"
                             "&schema_copy=datapump&loopback=localhost:1521/FREEPDB1");
    fl_db_run *r = registered(t, "k3x9");
    prepare(r, "schema");
    fl_db_cloned *c = clone_slot(r, "2");
    FL_ASSERT_EQ_STR(c->name, "APP_TEST_FL_K3X9_2");
    c->engine->free_clone(c);
    end_run(r, 0);

    ora_lines l = {0};
    expect_prepare(&l, "k3x9", 1, 1);
    ora_expect_add(&l, "[1] DROP DATABASE LINK \"APP_TEST_FL_K3X9_LINK\"");
    ora_expect_add(&l, "[1] CREATE DATABASE LINK \"APP_TEST_FL_K3X9_LINK\" CONNECT TO \"SYSTEM\" "
                       "IDENTIFIED BY \"s3cret\" USING 'localhost:1521/FREEPDB1'");
    ora_expect_add(&l, "[2] %s", connect_line);
    ora_expect_create_user(&l, 2, "APP_TEST_FL_K3X9_2", "APP_TEST");
    ora_expect_add(&l,
                   "[2] DECLARE h NUMBER; st VARCHAR2(30); BEGIN h := DBMS_DATAPUMP.OPEN(operation "
                   "=> 'IMPORT', job_mode => 'SCHEMA', remote_link => 'APP_TEST_FL_K3X9_LINK', "
                   "job_name => 'APP_TEST_FL_K3X9_2'); DBMS_DATAPUMP.METADATA_FILTER(h, "
                   "'SCHEMA_LIST', '''APP_TEST'''); DBMS_DATAPUMP.METADATA_FILTER(h, "
                   "'EXCLUDE_PATH_EXPR', 'IN (''USER'', ''SYSTEM_GRANT'', ''ROLE_GRANT'', "
                   "''DEFAULT_ROLE'', ''TABLESPACE_QUOTA'')'); DBMS_DATAPUMP.METADATA_REMAP(h, "
                   "'REMAP_SCHEMA', 'APP_TEST', 'APP_TEST_FL_K3X9_2'); "
                   "DBMS_DATAPUMP.METADATA_TRANSFORM(h, 'SEGMENT_ATTRIBUTES', 0); "
                   "DBMS_DATAPUMP.START_JOB(h); DBMS_DATAPUMP.WAIT_FOR_JOB(h, st); IF st <> "
                   "'COMPLETED' THEN RAISE_APPLICATION_ERROR(-20120, 'Data Pump import ended ' || "
                   "st); END IF; END;");
    ora_expect_verify(&l, 2, "APP_TEST", "APP_TEST_FL_K3X9_2");
    ora_expect_add(&l, "[2] CLOSE");
    ora_expect_add(&l, "[1] DROP DATABASE LINK \"APP_TEST_FL_K3X9_LINK\"");
    ora_expect_add(&l, "[1] CLOSE");
    ora_expect_check(f, &l);
    t->engine->free_target(t);
    ora_fake_end(f);
}

FL_TEST(oracle, schema_checks_refuse_what_cannot_be_copied)
{
    ora_fake *f = ora_fake_begin();
    ora_fake_server(f, "19.0.0.0.0", 3, "FREEPDB1");
    script_template(f);
    ora_fake_rows(f, "FROM DBA_SOURCE", "PACKAGE BODY APP_API\nVIEW V_ORDERS", -1);
    ora_fake_rows(f, "FROM DBA_TAB_COLUMNS", "TABLE NOTES column BODY", -1);
    ora_fake_rows(f, "OBJECT_TYPE NOT IN", "MATERIALIZED VIEW MV_TOTALS", -1);
    fl_db_target *t = target(url_app);
    fl_db_run *r = registered(t, "k3x9");
    fl_error err = {0};
    FL_ASSERT_EQ_INT(t->engine->run_prepare(r, "schema", &err), FL_ERR_DB);
    FL_ASSERT_CONTAINS(err.msg, "the schema method cannot be used for "
                                "'oracle://system:***@db.example:1521/FREEPDB1?template=app_test': "
                                "the DBMS_METADATA copy cannot copy template user APP_TEST "
                                "faithfully: PACKAGE BODY APP_API (its text names the schema "
                                "APP_TEST, which REMAP_SCHEMA does not rewrite");
    FL_ASSERT_CONTAINS(err.msg, "; VIEW V_ORDERS (its text names");
    FL_ASSERT_CONTAINS(err.msg, "; TABLE NOTES column BODY (a LONG or LONG RAW column, which "
                                "INSERT ... SELECT cannot copy)");
    FL_ASSERT_CONTAINS(err.msg, "; MATERIALIZED VIEW MV_TOTALS (an object type the "
                                "DBMS_METADATA copy does not carry)");
    FL_ASSERT_EQ_INT(fl_exit_code_for(err.code), 3);
    /* auto goes on to the next method the server allows: a PDB clone */
    prepare(r, "auto");
    FL_ASSERT_EQ_STR(r->method, "pdb");
    end_run(r, 0);
    t->engine->free_target(t);
    ora_fake_end(f);
}

FL_TEST(oracle, auto_picks_by_capability)
{
    ora_fake *f = ora_fake_begin();
    ora_fake_server(f, "19.0.0.0.0", 0, "ORCL"); /* not a container database */
    script_template(f);
    fl_db_target *t = target(url_app);
    fl_db_run *r = registered(t, "k3x9");
    prepare(r, "auto");
    FL_ASSERT_EQ_STR(r->method, "schema");
    end_run(r, 0);

    /* no privileges at all, no container, no setup command: every reason is given */
    ora_fake_rows(f, "FROM SESSION_PRIVS", "CREATE SESSION", -1);
    r = registered(t, "k3x9");
    fl_error err = {0};
    FL_ASSERT_EQ_INT(t->engine->run_prepare(r, "auto", &err), FL_ERR_DB);
    FL_ASSERT_CONTAINS(err.msg, "no clone method is usable for "
                                "'oracle://system:***@db.example:1521/FREEPDB1?template=app_test' "
                                "(auto tried them in turn: schema: the user SYSTEM lacks CREATE "
                                "USER, DROP USER, CREATE TABLESPACE, DROP TABLESPACE and 17 more "
                                "privileges (docs/oracle.md lists them); pdb: the URL connects to "
                                "a database that is not a container database (no PDBs); migrate: "
                                "no setup command to "
                                "fill each clone with (FORKLESS_ORACLE_SETUP); the user SYSTEM "
                                "lacks CREATE USER, DROP USER, CREATE TABLESPACE, DROP TABLESPACE "
                                "and 1 more privileges (docs/oracle.md lists them))");
    FL_ASSERT_EQ_INT(t->engine->run_prepare(r, "pdb", &err), FL_ERR_DB);
    FL_ASSERT_CONTAINS(err.msg, "the pdb method cannot be used for");
    FL_ASSERT_CONTAINS(err.msg, "not a container");
    FL_ASSERT_EQ_INT(t->engine->run_prepare(r, "clone", &err), FL_ERR_USAGE);
    FL_ASSERT_CONTAINS(err.msg, "unknown clone method 'clone'");
    FL_ASSERT_CONTAINS(err.msg, "auto, schema, pdb, migrate");
    end_run(r, 0);
    t->engine->free_target(t);
    ora_fake_end(f);
}

/* ---- the pdb method --------------------------------------------------------------------------- */

static void expect_pdb_prepare(ora_lines *l)
{
    char *lock = ora_expect_lock("forkless-run-k3x9", "S_MODE", 10);
    ora_expect_add(l, "[1] CONNECT c##admin@db.example:1521/FREEPDB1");
    ora_expect_add(l, "[1] %s", lock);
    free(lock);
    ora_expect_facts(l, 1, 1);
    ora_expect_add(l, "[1] SELECT \"ACTUAL\", \"CACHE_KEY\" FROM \"FORKLESS_TEMPLATES\" WHERE "
                      "\"NAME\" = 'APP_TEST'");
    ora_expect_add(l, "[1] SELECT USERNAME FROM ALL_USERS WHERE USERNAME = 'APP_TEST'");
    ora_expect_add(l, "[1] SELECT PRIVILEGE FROM SESSION_PRIVS UNION SELECT ROLE FROM "
                      "SESSION_ROLES");
}

static void expect_pdb_rest(ora_lines *l, int sess, const char *name)
{
    ora_expect_add(l, "[%d] ALTER PLUGGABLE DATABASE \"%s\" OPEN", sess, name);
    ora_expect_add(l, "[%d] ALTER SYSTEM REGISTER", sess);
    ora_expect_add(l, "[%d] ALTER SESSION SET CONTAINER = \"%s\"", sess, name);
    ora_expect_add(l, "[%d] ALTER USER \"APP_TEST\" IDENTIFIED BY \"<pw>\" ACCOUNT UNLOCK", sess);
    ora_expect_add(l, "[%d] CLOSE", sess);
}

FL_TEST(oracle, pdb_statements)
{
    ora_fake *f = ora_fake_begin();
    ora_fake_server(f, "23.0.0.0.0", 3, "FREEPDB1");
    ora_fake_rows(f, "SYS_CONTEXT('USERENV', 'CON_ID')", "3|FREEPDB1|example.com", -1);
    script_template(f);
    fl_db_target *t = target("oracle://c%23%23admin:s3cret@db.example:1521/FREEPDB1"
                             "?template=APP_TEST");
    fl_db_run *r = registered(t, "k3x9");
    prepare(r, "pdb");
    fl_db_cloned *c = clone_slot(r, "1");
    FL_ASSERT_EQ_STR(c->name, "FREEPDB1_FL_K3X9_1");
    FL_ASSERT_EQ_STR(c->method, "pdb");
    char *want = fl_xasprintf("oracle://APP_TEST:%s@db.example:1521/FREEPDB1_FL_K3X9_1.example.com",
                              ora_fake_password(f));
    FL_ASSERT_EQ_STR(c->url, want);
    free(want);
    fl_error err = {0};
    FL_ASSERT_EQ_INT(c->engine->drop(c, &err), FL_OK);
    c->engine->free_clone(c);
    end_run(r, 0);

    ora_lines l = {0};
    expect_pdb_prepare(&l);
    ora_expect_add(&l, "[2] CONNECT c##admin@db.example:1521/FREEPDB1");
    ora_expect_add(&l, "[2] ALTER SESSION SET CONTAINER = CDB$ROOT");
    ora_expect_add(&l, "[2] CREATE PLUGGABLE DATABASE \"FREEPDB1_FL_K3X9_1\" FROM \"FREEPDB1\" "
                       "SNAPSHOT COPY");
    expect_pdb_rest(&l, 2, "FREEPDB1_FL_K3X9_1");
    ora_expect_add(&l, "[3] CONNECT c##admin@db.example:1521/FREEPDB1");
    ora_expect_add(&l, "[3] DELETE FROM \"FORKLESS_KEPT\" WHERE \"NAME\" = 'FREEPDB1_FL_K3X9_1'");
    ora_expect_add(&l, "[3] ALTER SESSION SET CONTAINER = CDB$ROOT");
    ora_expect_add(&l, "[3] ALTER PLUGGABLE DATABASE \"FREEPDB1_FL_K3X9_1\" CLOSE IMMEDIATE");
    ora_expect_add(&l, "[3] DROP PLUGGABLE DATABASE \"FREEPDB1_FL_K3X9_1\" INCLUDING DATAFILES");
    ora_expect_add(&l, "[3] CLOSE");
    ora_expect_add(&l, "[1] CLOSE");
    ora_expect_check(f, &l);
    t->engine->free_target(t);
    ora_fake_end(f);
}

FL_TEST(oracle, pdb_snapshot_copy_falls_back_once)
{
    ora_fake *f = ora_fake_begin();
    ora_fake_server(f, "19.0.0.0.0", 3, "FREEPDB1");
    script_template(f);
    ora_fake_error(f, "SNAPSHOT COPY", 17528, "ORA-17528: A read-only file or a file opened "
                                              "read-only cannot be written to", -1);
    fl_db_target *t = target("oracle://c%23%23admin:s3cret@db.example:1521/FREEPDB1"
                             "?template=APP_TEST");
    fl_db_run *r = registered(t, "k3x9");
    prepare(r, "pdb");
    fl_db_cloned *c1 = clone_slot(r, "1");
    fl_db_cloned *c2 = clone_slot(r, "2");
    c1->engine->free_clone(c1);
    c2->engine->free_clone(c2);
    end_run(r, 0);

    ora_lines l = {0};
    expect_pdb_prepare(&l);
    ora_expect_add(&l, "[2] CONNECT c##admin@db.example:1521/FREEPDB1");
    ora_expect_add(&l, "[2] ALTER SESSION SET CONTAINER = CDB$ROOT");
    ora_expect_add(&l, "[2] CREATE PLUGGABLE DATABASE \"FREEPDB1_FL_K3X9_1\" FROM \"FREEPDB1\" "
                       "SNAPSHOT COPY");
    ora_expect_add(&l, "[2] ALTER PLUGGABLE DATABASE \"FREEPDB1_FL_K3X9_1\" CLOSE IMMEDIATE");
    ora_expect_add(&l, "[2] DROP PLUGGABLE DATABASE \"FREEPDB1_FL_K3X9_1\" INCLUDING DATAFILES");
    ora_expect_add(&l, "[2] CREATE PLUGGABLE DATABASE \"FREEPDB1_FL_K3X9_1\" FROM \"FREEPDB1\"");
    expect_pdb_rest(&l, 2, "FREEPDB1_FL_K3X9_1");
    /* the second clone does not try SNAPSHOT COPY again */
    ora_expect_add(&l, "[3] CONNECT c##admin@db.example:1521/FREEPDB1");
    ora_expect_add(&l, "[3] ALTER SESSION SET CONTAINER = CDB$ROOT");
    ora_expect_add(&l, "[3] CREATE PLUGGABLE DATABASE \"FREEPDB1_FL_K3X9_2\" FROM \"FREEPDB1\"");
    expect_pdb_rest(&l, 3, "FREEPDB1_FL_K3X9_2");
    ora_expect_add(&l, "[1] CLOSE");
    ora_expect_check(f, &l);

    /* pdb_snapshot=no and datafiles: a plain copy into CREATE_FILE_DEST */
    ora_fake_clear(f);
    fl_db_target *t2 = target("oracle://c%23%23admin:s3cret@db.example:1521/FREEPDB1"
                              "?template=APP_TEST&pdb_snapshot=no&datafiles=/u02/clones");
    r = registered(t2, "k3x9");
    prepare(r, "pdb");
    fl_db_cloned *c = clone_slot(r, "1");
    c->engine->free_clone(c);
    end_run(r, 0);
    FL_ASSERT_EQ_INT(ora_fake_seen(f, "[2] CREATE PLUGGABLE DATABASE \"FREEPDB1_FL_K3X9_1\" FROM "
                                      "\"FREEPDB1\" CREATE_FILE_DEST = '/u02/clones'"),
                     1);
    FL_ASSERT_EQ_INT(ora_fake_seen(f, "SNAPSHOT COPY"), 0);
    t2->engine->free_target(t2);
    t->engine->free_target(t);
    ora_fake_end(f);
}

/* ---- the migrate method ----------------------------------------------------------------------- */

static char *read_text(const char *dir, const char *name)
{
    char *path = fl_xasprintf("%s/%s", dir, name);
    FILE *fp = fopen(path, "r");
    free(path);
    if (!fp)
        return NULL;
    char buf[1024];
    size_t n = fread(buf, 1, sizeof buf - 1, fp);
    fclose(fp);
    buf[n] = 0;
    return fl_xstrdup(buf);
}

FL_TEST(oracle, migrate_runs_the_setup_command_per_clone)
{
    const char *dir = temp_dir();
    char *script = fl_xasprintf("%s/setup.sh", dir);
    FILE *fp = fopen(script, "w");
    FL_ASSERT_NOT_NULL(fp);
    fprintf(fp, "d=$(dirname \"$0\")\n"
                "printf %%s \"$FORKLESS_DB_DEFAULT\" > \"$d/url\"\n"
                "printf %%s \"$FORKLESS_DB_DEFAULT_NAME\" > \"$d/name\"\n"
                "printf %%s \"$DATABASE_URL\" > \"$d/database_url\"\n"
                "exit ${FAIL:-0}\n");
    fclose(fp);
    char *command = fl_xasprintf("/bin/sh %s", script);
    FL_ASSERT_EQ_INT(fl_setenv("FORKLESS_ORACLE_SETUP", command), FL_OK);
    ora_fake *f = ora_fake_begin();
    ora_fake_server(f, "19.0.0.0.0", 3, "FREEPDB1");
    script_template(f);
    fl_db_target *t = target(url_app);
    fl_db_run *r = registered(t, "k3x9");
    prepare(r, "migrate");
    FL_ASSERT_EQ_STR(r->method, "migrate");
    fl_db_cloned *c = clone_slot(r, "1");
    char *url = read_text(dir, "url"), *name = read_text(dir, "name");
    char *dburl = read_text(dir, "database_url");
    FL_ASSERT_NOT_NULL(url);
    FL_ASSERT_EQ_STR(url, c->url); /* the command filled the clone itself */
    FL_ASSERT_EQ_STR(dburl, c->url);
    FL_ASSERT_EQ_STR(name, "APP_TEST_FL_K3X9_1");
    free(url);
    free(name);
    free(dburl);
    c->engine->free_clone(c);

    ora_lines l = {0};
    char *lock = ora_expect_lock("forkless-run-k3x9", "S_MODE", 10);
    ora_expect_add(&l, "[1] %s", connect_line);
    ora_expect_add(&l, "[1] %s", lock);
    free(lock);
    ora_expect_facts(&l, 1, 1);
    ora_expect_add(&l, "[1] SELECT PRIVILEGE FROM SESSION_PRIVS UNION SELECT ROLE FROM "
                       "SESSION_ROLES");
    ora_expect_add(&l, "[2] %s", connect_line);
    ora_expect_create_user(&l, 2, "APP_TEST_FL_K3X9_1", NULL);
    ora_expect_add(&l, "[2] CLOSE");
    ora_expect_check(f, &l);

    /* a failing setup command: the clone is removed, the failure named */
    ora_fake_clear(f);
    fl_setenv("FAIL", "3");
    fl_error err = {0};
    FL_ASSERT_EQ_INT(t->engine->clone(r, "2", &c, &err), FL_ERR_DB);
    fl_setenv("FAIL", "0");
    FL_ASSERT_CONTAINS(err.msg, "the migrate method's setup command failed on APP_TEST_FL_K3X9_2 "
                                "(exit code 3)");
    ora_expect_add(&l, "[1] %s", connect_line);
    ora_expect_create_user(&l, 1, "APP_TEST_FL_K3X9_2", NULL);
    ora_expect_drop_user(&l, 1, "APP_TEST_FL_K3X9_2");
    ora_expect_add(&l, "[1] CLOSE");
    ora_expect_check(f, &l);
    end_run(r, 0);
    fl_setenv("FORKLESS_ORACLE_SETUP", "");
    t->engine->free_target(t);
    ora_fake_end(f);
    free(command);
    free(script);
}

/* ---- templates built by the setup command --------------------------------------------------------- */

FL_TEST(oracle, build_statements)
{
    ora_fake *f = ora_fake_begin();
    ora_fake_server(f, "19.0.0.0.0", 3, "FREEPDB1");
    ora_fake_rows(f, "FROM \"FORKLESS_TEMPLATES\"", "APP_TEST_FL_OLD1_BUILD|oldkey", -1);
    ora_fake_rows(f, "USERNAME = 'APP_TEST_FL_OLD1_BUILD'", "APP_TEST_FL_OLD1_BUILD", -1);
    ora_fake_rows(f, "USERNAME = 'APP_TEST_FL_K3X9_BUILD'", "APP_TEST_FL_K3X9_BUILD", -1);
    fl_db_target *t = target(url_app);
    fl_db_build *b = NULL;
    fl_error err = {0};
    FL_ASSERT_EQ_INT(t->engine->build_lock(t, &b, &err), FL_OK);
    FL_ASSERT_EQ_INT(b->exists, 1);
    FL_ASSERT_EQ_STR(b->stored_key, "oldkey");
    FL_ASSERT_EQ_INT(t->engine->build_begin(b, "k3x9", &err), FL_OK);
    FL_ASSERT_EQ_STR(b->name, "APP_TEST_FL_K3X9_BUILD");
    char *want = fl_xasprintf("oracle://APP_TEST_FL_K3X9_BUILD:%s@db.example:1521/FREEPDB1",
                              ora_fake_password(f));
    FL_ASSERT_EQ_STR(b->url, want);
    free(want);
    FL_ASSERT_EQ_INT(t->engine->build_commit(b, "newkey", &err), FL_OK);
    t->engine->build_release(b);

    ora_lines l = {0};
    char lock_name[160];
    snprintf(lock_name, sizeof lock_name, "forkless-build-APP_TEST-%08x", (unsigned)fnv("APP_TEST"));
    char *lock = ora_expect_lock(lock_name, "X_MODE", 3600);
    ora_expect_add(&l, "[1] %s", connect_line);
    ora_expect_facts(&l, 1, 1);
    ora_expect_add(&l, "[1] %s", lock);
    free(lock);
    ora_expect_add(&l, "[1] SELECT \"ACTUAL\", \"CACHE_KEY\" FROM \"FORKLESS_TEMPLATES\" WHERE "
                       "\"NAME\" = 'APP_TEST'");
    ora_expect_add(&l, "[1] SELECT USERNAME FROM ALL_USERS WHERE USERNAME = "
                       "'APP_TEST_FL_OLD1_BUILD'");
    ora_expect_drop_user(&l, 1, "APP_TEST_FL_K3X9_BUILD"); /* a leftover of this run id */
    ora_expect_create_user(&l, 1, "APP_TEST_FL_K3X9_BUILD", NULL);
    ora_expect_add(&l, "[1] SELECT USERNAME FROM ALL_USERS WHERE USERNAME = "
                       "'APP_TEST_FL_K3X9_BUILD'");
    ora_expect_add(&l, "[1] ALTER USER \"APP_TEST_FL_K3X9_BUILD\" ACCOUNT LOCK");
    ora_expect_add(&l, "[1] CREATE TABLE \"FORKLESS_TEMPLATES\" (\"NAME\" VARCHAR2(128) PRIMARY "
                       "KEY, \"ACTUAL\" VARCHAR2(128) NOT NULL, \"CACHE_KEY\" VARCHAR2(72) NOT "
                       "NULL, \"BUILT_AT\" TIMESTAMP NOT NULL)");
    ora_expect_add(&l, "[1] CREATE TABLE \"FORKLESS_KEPT\" (\"NAME\" VARCHAR2(128) PRIMARY KEY, "
                       "\"KEPT_AT\" TIMESTAMP NOT NULL)");
    ora_expect_add(&l, "[1] MERGE INTO \"FORKLESS_TEMPLATES\" M USING (SELECT 'APP_TEST' AS "
                       "\"NAME\", 'APP_TEST_FL_K3X9_BUILD' AS \"ACTUAL\", 'newkey' AS "
                       "\"CACHE_KEY\" FROM DUAL) S ON (M.\"NAME\" = S.\"NAME\") WHEN MATCHED THEN "
                       "UPDATE SET M.\"ACTUAL\" = S.\"ACTUAL\", M.\"CACHE_KEY\" = S.\"CACHE_KEY\", "
                       "M.\"BUILT_AT\" = SYSTIMESTAMP WHEN NOT MATCHED THEN INSERT (\"NAME\", "
                       "\"ACTUAL\", \"CACHE_KEY\", \"BUILT_AT\") VALUES (S.\"NAME\", S.\"ACTUAL\", "
                       "S.\"CACHE_KEY\", SYSTIMESTAMP)");
    ora_expect_drop_user(&l, 1, "APP_TEST_FL_OLD1_BUILD"); /* the superseded build */
    ora_expect_add(&l, "[1] CLOSE");
    ora_expect_check(f, &l);

    /* a build that is not committed (setup command failed) is removed */
    ora_fake_clear(f);
    FL_ASSERT_EQ_INT(t->engine->build_lock(t, &b, &err), FL_OK);
    FL_ASSERT_EQ_INT(t->engine->build_begin(b, "k3x9", &err), FL_OK);
    t->engine->build_release(b);
    FL_ASSERT_EQ_INT(ora_fake_seen(f, "DROP USER \"APP_TEST_FL_K3X9_BUILD\" CASCADE"), 2);
    FL_ASSERT_EQ_INT(ora_fake_seen(f, "MERGE INTO"), 0);
    t->engine->free_target(t);
    ora_fake_end(f);
}

/* ---- names by server version ---------------------------------------------------------------------- */

/* The name of the user the engine makes for slot 1 of run k3x9 of template on version. */
static char *clone_user_on(const char *version, const char *template_name, int *facts_queries)
{
    ora_fake *f = ora_fake_begin();
    ora_fake_server(f, version, 3, "FREEPDB1");
    char *url = fl_xasprintf("oracle://system:s3cret@db:1521/FREEPDB1?template=%s", template_name);
    char *exists = fl_xasprintf("USERNAME = '%s'", template_name);
    ora_fake_rows(f, exists, template_name, -1);
    fl_db_target *t = target(url);
    fl_db_run *r = registered(t, "k3x9");
    prepare(r, "schema");
    fl_db_cloned *c = clone_slot(r, "1");
    char *name = fl_xstrdup(c->name);
    char *temp = fl_xasprintf("CREATE TEMPORARY TABLESPACE \"%s_T\"", name);
    FL_ASSERT_EQ_INT(ora_fake_seen(f, temp), 1);
    *facts_queries = ora_fake_seen(f, "SYS_CONTEXT('USERENV', 'CON_ID')");
    if (strncmp(version, "11.", 3) == 0) {
        FL_ASSERT_EQ_INT(ora_fake_seen(f, "DBA_TAB_IDENTITY_COLS"), 0); /* no identity columns */
        FL_ASSERT_EQ_INT(ora_fake_seen(f, "TEXT_VC"), 0);               /* no DBA_VIEWS.TEXT_VC */
        FL_ASSERT_EQ_INT(ora_fake_seen(f, "HIDDEN_COLUMN = 'NO'"), 1);  /* no invisible columns */
    }
    free(temp);
    c->engine->free_clone(c);
    end_run(r, 0);
    t->engine->free_target(t);
    ora_fake_end(f);
    free(exists);
    free(url);
    return name;
}

FL_TEST(oracle, names_follow_the_server_version)
{
    int facts = 0;
    char expected[64];
    snprintf(expected, sizeof expected, "TEST_DJANGO_%06X_FL_K3X9_1",
             (unsigned)(fnv("TEST_DJANGO_APPLICATION") & 0xffffff));
    char *name = clone_user_on("11.2.0.4.0", "TEST_DJANGO_APPLICATION", &facts);
    FL_ASSERT_EQ_STR(name, expected); /* 28 bytes: "_T" brings the tablespace to 30 */
    FL_ASSERT_EQ_INT(facts, 0);       /* no containers before 12c */
    free(name);
    name = clone_user_on("12.1.0.2.0", "TEST_DJANGO_APPLICATION", &facts);
    FL_ASSERT_EQ_STR(name, expected);
    FL_ASSERT_EQ_INT(facts, 1);
    free(name);
    name = clone_user_on("12.2.0.1.0", "TEST_DJANGO_APPLICATION", &facts);
    FL_ASSERT_EQ_STR(name, "TEST_DJANGO_APPLICATION_FL_K3X9_1");
    free(name);
    name = clone_user_on("19.0.0.0.0", "TEST_DJANGO_APPLICATION", &facts);
    FL_ASSERT_EQ_STR(name, "TEST_DJANGO_APPLICATION_FL_K3X9_1");
    free(name);
}

/* ---- keep, drop by URL, gc ----------------------------------------------------------------------- */

FL_TEST(oracle, kept_clones_are_recorded)
{
    ora_fake *f = ora_fake_begin();
    ora_fake_server(f, "19.0.0.0.0", 3, "FREEPDB1");
    script_template(f);
    ora_fake_rows(f, "FROM ALL_USERS WHERE USERNAME LIKE",
                  "APP_TEST_FL_K3X9_1\nAPP_TEST_FL_K3X9_BUILD\nAPP_TEST_FL_ZZZZ_1\nOTHER_FL_K3X9_1",
                  -1);
    fl_db_target *t = target(url_app);
    fl_db_run *r = registered(t, "k3x9");
    prepare(r, "schema");
    ora_fake_clear(f);
    end_run(r, 1);
    ora_lines l = {0};
    ora_expect_add(&l, "[1] CREATE TABLE \"FORKLESS_TEMPLATES\" (\"NAME\" VARCHAR2(128) PRIMARY "
                       "KEY, \"ACTUAL\" VARCHAR2(128) NOT NULL, \"CACHE_KEY\" VARCHAR2(72) NOT "
                       "NULL, \"BUILT_AT\" TIMESTAMP NOT NULL)");
    ora_expect_add(&l, "[1] CREATE TABLE \"FORKLESS_KEPT\" (\"NAME\" VARCHAR2(128) PRIMARY KEY, "
                       "\"KEPT_AT\" TIMESTAMP NOT NULL)");
    ora_expect_add(&l, "[1] SELECT USERNAME FROM ALL_USERS WHERE USERNAME LIKE '%%\\_FL\\_%%' "
                       "ESCAPE '\\' ORDER BY USERNAME");
    ora_expect_add(&l, "[1] SELECT TABLESPACE_NAME FROM DBA_TABLESPACES WHERE TABLESPACE_NAME "
                       "LIKE '%%\\_FL\\_%%' ESCAPE '\\' ORDER BY TABLESPACE_NAME");
    ora_expect_add(&l, "[1] SELECT DB_LINK FROM USER_DB_LINKS WHERE DB_LINK LIKE '%%\\_FL\\_%%' "
                       "ESCAPE '\\' ORDER BY DB_LINK");
    ora_expect_add(&l, "[1] MERGE INTO \"FORKLESS_KEPT\" K USING (SELECT 'APP_TEST_FL_K3X9_1' AS "
                       "\"NAME\" FROM DUAL) S ON (K.\"NAME\" = S.\"NAME\") WHEN NOT MATCHED THEN "
                       "INSERT (\"NAME\", \"KEPT_AT\") VALUES (S.\"NAME\", SYSTIMESTAMP)");
    ora_expect_add(&l, "[1] CLOSE");
    ora_expect_check(f, &l);
    t->engine->free_target(t);
    ora_fake_end(f);
}

FL_TEST(oracle, drop_by_url)
{
    ora_fake *f = ora_fake_begin();
    char *urls[] = {"oracle://APP_TEST_FL_K3X9_1:Pw0123456789abcdefghijABCDEFGHIJ@db.example:1521/"
                    "FREEPDB1"};
    fl_error err = {0};
    fl_setenv("FORKLESS_ORACLE_ADMIN_URL", "");
    FL_ASSERT_EQ_INT(fl_db_drop(urls, 1, &err), FL_ERR_USAGE);
    FL_ASSERT_CONTAINS(err.msg, "needs an administrator's connection: set "
                                "FORKLESS_ORACLE_ADMIN_URL");
    FL_ASSERT(strstr(err.msg, "Pw0123") == NULL);
    fl_setenv("FORKLESS_ORACLE_ADMIN_URL", "oracle://system:s3cret@db.example:1521/FREEPDB1");
    FL_ASSERT_EQ_INT(fl_db_drop(urls, 1, &err), FL_OK);
    char *pdb[] = {"oracle://APP_TEST:pw@db.example:1521/FREEPDB1_FL_K3X9_2.example.com"};
    FL_ASSERT_EQ_INT(fl_db_drop(pdb, 1, &err), FL_OK);
    ora_lines l = {0};
    ora_expect_add(&l, "[1] %s", connect_line);
    ora_expect_add(&l, "[1] DELETE FROM \"FORKLESS_KEPT\" WHERE \"NAME\" = 'APP_TEST_FL_K3X9_1'");
    ora_expect_drop_user(&l, 1, "APP_TEST_FL_K3X9_1");
    ora_expect_add(&l, "[1] CLOSE");
    ora_expect_add(&l, "[2] %s", connect_line);
    ora_expect_add(&l, "[2] DELETE FROM \"FORKLESS_KEPT\" WHERE \"NAME\" = 'FREEPDB1_FL_K3X9_2'");
    ora_expect_add(&l, "[2] ALTER SESSION SET CONTAINER = CDB$ROOT");
    ora_expect_add(&l, "[2] ALTER PLUGGABLE DATABASE \"FREEPDB1_FL_K3X9_2\" CLOSE IMMEDIATE");
    ora_expect_add(&l, "[2] DROP PLUGGABLE DATABASE \"FREEPDB1_FL_K3X9_2\" INCLUDING DATAFILES");
    ora_expect_add(&l, "[2] CLOSE");
    ora_expect_check(f, &l);
    /* never a database forkless did not make, nor a template build */
    char *other[] = {"oracle://APP_TEST:pw@db.example:1521/FREEPDB1"};
    FL_ASSERT_EQ_INT(fl_db_drop(other, 1, &err), FL_ERR_USAGE);
    FL_ASSERT_CONTAINS(err.msg, "is not a clone made by forkless");
    char *build[] = {"oracle://APP_TEST_FL_K3X9_BUILD:pw@db.example:1521/FREEPDB1"};
    FL_ASSERT_EQ_INT(fl_db_drop(build, 1, &err), FL_ERR_USAGE);
    FL_ASSERT_EQ_INT((long long)ora_fake_count(f), 12); /* the refused ones did not connect */
    fl_setenv("FORKLESS_ORACLE_ADMIN_URL", "");
    ora_fake_end(f);
}

FL_TEST(oracle, gc_removes_dead_runs_only)
{
    ora_fake *f = ora_fake_begin();
    ora_fake_server(f, "19.0.0.0.0", 3, "FREEPDB1");
    ora_fake_rows(f, "FROM \"FORKLESS_TEMPLATES\"", "APP_TEST_FL_BBBB_BUILD|key", -1);
    ora_fake_rows(f, "FROM \"FORKLESS_KEPT\"", "APP_TEST_FL_KKKK_1", -1);
    ora_fake_rows(f, "FROM ALL_USERS WHERE USERNAME LIKE",
                  "APP_TESTX_FL_DEAD_2\nAPP_TEST_FL_BBBB_BUILD\nAPP_TEST_FL_DEAD_1\n"
                  "APP_TEST_FL_DEAD_BUILD\nAPP_TEST_FL_KKKK_1\nAPP_TEST_FL_LIVE_1\nOTHER_FL_DEAD_1",
                  -1);
    ora_fake_rows(f, "FROM DBA_TABLESPACES",
                  "APP_TEST_FL_DEAD_1\nAPP_TEST_FL_DEAD_1_T\nAPP_TEST_FL_GONE_3_T", -1);
    ora_fake_rows(f, "FROM USER_DB_LINKS", "APP_TEST_FL_DEAD_LINK.EXAMPLE.COM", -1);
    ora_fake_rows(f, "FROM DBA_PDBS",
                  "FREEPDB1_FL_DEAD_1\nFREEPDB1_FL_LIVE_2\nOTHERPDB_FL_DEAD_1", -1);
    ora_fake_error(f, "'forkless-run-live'", 20100, "ORA-20100: alive", -1);
    fl_db_target *t = target(url_app);
    size_t removed = 0;
    FILE *fp = tmpfile();
    FL_ASSERT_NOT_NULL(fp);
    fl_error err = {0};
    FL_ASSERT_EQ_INT(t->engine->gc(t, fp, &removed, &err), FL_OK);
    char *log = fl_xcalloc(4096, 1);
    rewind(fp);
    log[fread(log, 1, 4095, fp)] = 0;
    fclose(fp);
    FL_ASSERT_EQ_INT((long long)removed, 5);
    FL_ASSERT_EQ_STR(log, "removed user (and its tablespaces) APP_TEST_FL_DEAD_1 (run dead is not "
                          "running)\n"
                          "removed user (and its tablespaces) APP_TEST_FL_DEAD_BUILD (run dead is "
                          "not running)\n"
                          "removed user (and its tablespaces) APP_TEST_FL_GONE_3 (run gone is not "
                          "running)\n"
                          "removed database link APP_TEST_FL_DEAD_LINK (run dead is not running)\n"
                          "removed pluggable database FREEPDB1_FL_DEAD_1 (run dead is not "
                          "running)\n");
    free(log);

    ora_lines l = {0};
    ora_expect_add(&l, "[1] %s", connect_line);
    ora_expect_facts(&l, 1, 1);
    ora_expect_add(&l, "[1] SELECT \"ACTUAL\", \"CACHE_KEY\" FROM \"FORKLESS_TEMPLATES\" WHERE "
                       "\"NAME\" = 'APP_TEST'");
    ora_expect_add(&l, "[1] SELECT \"NAME\" FROM \"FORKLESS_KEPT\"");
    ora_expect_add(&l, "[1] SELECT USERNAME FROM ALL_USERS WHERE USERNAME LIKE '%%\\_FL\\_%%' "
                       "ESCAPE '\\' ORDER BY USERNAME");
    ora_expect_add(&l, "[1] SELECT TABLESPACE_NAME FROM DBA_TABLESPACES WHERE TABLESPACE_NAME "
                       "LIKE '%%\\_FL\\_%%' ESCAPE '\\' ORDER BY TABLESPACE_NAME");
    ora_expect_add(&l, "[1] SELECT DB_LINK FROM USER_DB_LINKS WHERE DB_LINK LIKE '%%\\_FL\\_%%' "
                       "ESCAPE '\\' ORDER BY DB_LINK");
    const char *runs[] = {"dead", "kkkk", "live", "gone"};
    char *probe[4];
    for (int i = 0; i < 4; i++)
        probe[i] = ora_expect_probe(runs[i]);
    ora_expect_add(&l, "[1] %s", probe[0]);
    ora_expect_drop_user(&l, 1, "APP_TEST_FL_DEAD_1");
    ora_expect_drop_user(&l, 1, "APP_TEST_FL_DEAD_BUILD");
    ora_expect_add(&l, "[1] %s", probe[1]); /* dead, but kept */
    ora_expect_add(&l, "[1] %s", probe[2]); /* alive */
    ora_expect_add(&l, "[1] %s", probe[3]);
    ora_expect_drop_user(&l, 1, "APP_TEST_FL_GONE_3"); /* a temporary tablespace left alone */
    ora_expect_add(&l, "[1] DROP DATABASE LINK \"APP_TEST_FL_DEAD_LINK\"");
    ora_expect_add(&l, "[2] %s", connect_line);
    ora_expect_add(&l, "[2] ALTER SESSION SET CONTAINER = CDB$ROOT");
    ora_expect_add(&l, "[2] SELECT PDB_NAME FROM DBA_PDBS WHERE PDB_NAME LIKE '%%\\_FL\\_%%' "
                       "ESCAPE '\\' ORDER BY PDB_NAME");
    ora_expect_add(&l, "[2] ALTER PLUGGABLE DATABASE \"FREEPDB1_FL_DEAD_1\" CLOSE IMMEDIATE");
    ora_expect_add(&l, "[2] DROP PLUGGABLE DATABASE \"FREEPDB1_FL_DEAD_1\" INCLUDING DATAFILES");
    ora_expect_add(&l, "[2] CLOSE");
    ora_expect_add(&l, "[1] CLOSE");
    for (int i = 0; i < 4; i++)
        free(probe[i]);
    ora_expect_check(f, &l);

    /* a user who may not enter the root has made no PDB clones: gc does not fail for that */
    ora_fake_clear(f);
    ora_fake_error(f, "SET CONTAINER = CDB$ROOT", 1031, "ORA-01031: insufficient privileges", -1);
    ora_fake_rows(f, "FROM ALL_USERS WHERE USERNAME LIKE", "", -1);
    ora_fake_rows(f, "FROM DBA_TABLESPACES", "", -1);
    ora_fake_rows(f, "FROM USER_DB_LINKS", "", -1);
    removed = 0;
    FL_ASSERT_EQ_INT(t->engine->gc(t, NULL, &removed, &err), FL_OK);
    FL_ASSERT_EQ_INT((long long)removed, 0);
    FL_ASSERT_EQ_INT(ora_fake_seen(f, "DBA_PDBS"), 0);
    t->engine->free_target(t);
    ora_fake_end(f);
}

/* ---- errors ------------------------------------------------------------------------------------- */

/* Clones slot 1 of a fresh run with method on the fake as scripted; returns the error. */
static int failing_clone(ora_fake *f, const char *url, const char *method, fl_error *err)
{
    fl_db_target *t = target(url);
    fl_db_run *r = registered(t, "k3x9");
    prepare(r, method);
    ora_fake_clear(f);
    fl_db_cloned *c = NULL;
    int rc = t->engine->clone(r, "1", &c, err);
    if (rc == FL_OK)
        c->engine->free_clone(c);
    end_run(r, 0);
    t->engine->free_target(t);
    FL_ASSERT(strstr(err->msg, "s3cret") == NULL);
    const char *pw = ora_fake_password(f);
    FL_ASSERT(!pw[0] || strstr(err->msg, pw) == NULL); /* generated passwords never shown */
    return rc;
}

FL_TEST(oracle, errors_are_clear_and_leave_nothing)
{
    ora_fake *f = ora_fake_begin();
    ora_fake_server(f, "19.0.0.0.0", 3, "FREEPDB1");
    script_template(f);
    fl_error err = {0};

    /* ORA-01920: the user exists (not ours to drop); our tablespaces go */
    ora_fake_error(f, "CREATE USER", 1920,
                   "ORA-01920: user name 'APP_TEST_FL_K3X9_1' conflicts with another user or "
                   "role name", 1);
    FL_ASSERT_EQ_INT(failing_clone(f, url_app, "schema", &err), FL_ERR_DB);
    FL_ASSERT_EQ_INT(fl_exit_code_for(err.code), 3);
    FL_ASSERT_CONTAINS(err.msg, "cannot create user APP_TEST_FL_K3X9_1: ORA-01920: user name "
                                "'APP_TEST_FL_K3X9_1' conflicts with another user or role name "
                                "(a user or role of that name already exists: a leftover of an "
                                "earlier run? `forkless db gc` removes those");
    FL_ASSERT_EQ_INT(ora_fake_seen(f, "DROP USER"), 0);
    FL_ASSERT_EQ_INT(ora_fake_seen(f, "DROP TABLESPACE \"APP_TEST_FL_K3X9_1\" INCLUDING"), 1);
    FL_ASSERT_EQ_INT(ora_fake_seen(f, "DROP TABLESPACE \"APP_TEST_FL_K3X9_1_T\" INCLUDING"), 1);

    /* ORA-01543: the tablespace exists: nothing is dropped */
    ora_fake_error(f, "CREATE TABLESPACE", 1543,
                   "ORA-01543: tablespace 'APP_TEST_FL_K3X9_1' already exists", 1);
    FL_ASSERT_EQ_INT(failing_clone(f, url_app, "schema", &err), FL_ERR_DB);
    FL_ASSERT_CONTAINS(err.msg, "cannot create tablespace APP_TEST_FL_K3X9_1: ORA-01543: "
                                "tablespace 'APP_TEST_FL_K3X9_1' already exists (a tablespace of "
                                "that name already exists");
    FL_ASSERT_EQ_INT(ora_fake_seen(f, "DROP "), 0);

    /* ORA-01031 half-way: the privilege is named as the problem, the clone removed */
    ora_fake_error(f, "INSERT /*+ APPEND */ INTO \"APP_TEST_FL_K3X9_1\".\"ORDERS\"", 1031,
                   "ORA-01031: insufficient privileges", 1);
    FL_ASSERT_EQ_INT(failing_clone(f, url_app, "schema", &err), FL_ERR_DB);
    FL_ASSERT_CONTAINS(err.msg, "copying the rows of APP_TEST.ORDERS: ORA-01031: insufficient "
                                "privileges (the user SYSTEM lacks a privilege this step needs; "
                                "docs/oracle.md lists the privileges of each method)");
    FL_ASSERT_EQ_INT(ora_fake_seen(f, "DROP USER \"APP_TEST_FL_K3X9_1\" CASCADE"), 1);

    /* ORA-65010: the edition's PDB limit */
    ora_fake_error(f, "CREATE PLUGGABLE DATABASE", 65010,
                   "ORA-65010: maximum number of pluggable databases created", 1);
    FL_ASSERT_EQ_INT(failing_clone(f, url_app, "pdb", &err), FL_ERR_DB);
    FL_ASSERT_EQ_INT(fl_exit_code_for(err.code), 3);
    FL_ASSERT_CONTAINS(err.msg, "ORA-65010: maximum number of pluggable databases created (the "
                                "container database allows no more pluggable databases: Oracle "
                                "Database Free allows 16, Enterprise Edition without the "
                                "Multitenant option 3, and MAX_PDBS may set a lower limit; run "
                                "fewer workers or use the schema method)");
    FL_ASSERT_EQ_INT(ora_fake_seen(f, "CREATE PLUGGABLE DATABASE"), 1); /* no plain retry */
    FL_ASSERT_EQ_INT(ora_fake_seen(f, "DROP PLUGGABLE"), 0);

    /* ORA-01017 at connection: the URL is named, redacted */
    ora_fake_connect_error(f, "system", 1017, "ORA-01017: invalid username/password; logon denied",
                           1);
    char **urls = NULL;
    FL_ASSERT_EQ_INT(fl_db_clone(url_app, 1, "schema", &urls, &err), FL_ERR_DB);
    FL_ASSERT_CONTAINS(err.msg, "cannot connect to "
                                "'oracle://system:***@db.example:1521/FREEPDB1?template=app_test': "
                                "ORA-01017: invalid username/password; logon denied (check the "
                                "user and password of");
    FL_ASSERT(strstr(err.msg, "s3cret") == NULL);

    /* DBMS_LOCK not granted: say which grant is missing */
    ora_fake_error(f, "DBMS_LOCK.ALLOCATE_UNIQUE", 6550,
                   "ORA-06550: line 1, column 48:\nPLS-00201: identifier 'DBMS_LOCK' must be "
                   "declared",
                   1);
    fl_db_target *t = target(url_app);
    fl_db_run *r = NULL;
    FL_ASSERT_EQ_INT(t->engine->run_register(t, "k3x9", &r, &err), FL_ERR_DB);
    FL_ASSERT_CONTAINS(err.msg, "registering the run: ORA-06550");
    FL_ASSERT_CONTAINS(err.msg, "(grant EXECUTE ON SYS.DBMS_LOCK to SYSTEM: forkless marks running "
                                "runs with a DBMS_LOCK lock)");
    t->engine->free_target(t);
    ora_fake_end(f);
}

/* ---- without the Oracle Client library ---------------------------------------------------------- */

FL_TEST(oracle, missing_client_library_exits_3)
{
    char *argv[] = {(char *)forkless_bin(), "db", "clone",
                    "oracle://system:s3cret@127.0.0.1:9/FREEPDB1", NULL};
    char *named[] = {"FORKLESS_ORACLE_CLIENT=/nonexistent/instantclient/libclntsh.so", NULL};
    cmd_result res;
    run_cmd(&res, argv, named, 0);
    FL_ASSERT_EQ_INT(res.exited, 1);
    FL_ASSERT_EQ_INT(res.code, 3);
    FL_ASSERT_CONTAINS(res.out, "cannot load the Oracle Client library named by "
                                "FORKLESS_ORACLE_CLIENT: tried "
                                "/nonexistent/instantclient/libclntsh.so (not found)");
    FL_ASSERT_CONTAINS(res.out, "set FORKLESS_ORACLE_CLIENT to the path of libclntsh.so");
    FL_ASSERT(strstr(res.out, "s3cret") == NULL);
    cmd_result_free(&res);

    char *gc[] = {(char *)forkless_bin(), "db", "gc", "oracle://system:s3cret@127.0.0.1:9/FREEPDB1",
                  NULL};
    char *searched[] = {"FORKLESS_ORACLE_CLIENT=", "ORACLE_HOME=", NULL};
    run_cmd(&res, gc, searched, 0);
    FL_ASSERT_EQ_INT(res.exited, 1);
    FL_ASSERT_EQ_INT(res.code, 3);
    if (!strstr(res.out, "was not found")) {
        char *out = fl_xstrdup(res.out);
        cmd_result_free(&res);
        FL_SKIP("an Oracle Client library is installed here, so the not-found message cannot be "
                "shown (the command said: %s)",
                out);
    }
    FL_ASSERT_CONTAINS(res.out, "the Oracle Client library (libclntsh, from Oracle Instant Client) "
                                "was not found: tried libclntsh.so (not found)");
    FL_ASSERT_CONTAINS(res.out, "ORACLE_HOME is not set");
    FL_ASSERT_CONTAINS(res.out, "LD_LIBRARY_PATH=/path/to/instantclient or "
                                "FORKLESS_ORACLE_CLIENT=/path/to/libclntsh.so");
    cmd_result_free(&res);
}

/* ---- against a real server (FORKLESS_TEST_ORACLE_URL; skipped with a message without) ------- */

#include "ora_server.h"

/* Users and tablespaces whose names start with "<tpl>_FL_". */
static long leftovers(ora_db *db, const char *tpl)
{
    char *sql = fl_xasprintf("SELECT (SELECT COUNT(*) FROM ALL_USERS WHERE USERNAME LIKE "
                             "'%s\\_FL\\_%%' ESCAPE '\\') + (SELECT COUNT(*) FROM DBA_TABLESPACES "
                             "WHERE TABLESPACE_NAME LIKE '%s\\_FL\\_%%' ESCAPE '\\') FROM DUAL",
                             tpl, tpl);
    long n = orat_number(db, sql);
    free(sql);
    return n;
}

/* The next value the template's ORDERS.ID identity column will give. */
static long identity_next(ora_db *db, const char *owner)
{
    char *sql = fl_xasprintf("SELECT S.LAST_NUMBER FROM DBA_TAB_IDENTITY_COLS I JOIN DBA_SEQUENCES "
                             "S ON S.SEQUENCE_OWNER = I.OWNER AND S.SEQUENCE_NAME = "
                             "I.SEQUENCE_NAME WHERE I.OWNER = '%s' AND I.TABLE_NAME = 'ORDERS'",
                             owner);
    long n = orat_number(db, sql);
    free(sql);
    return n;
}

/* Makes count clones of the rich template with method (extra URL options in options); on a
 * method the server does not allow, cleans up and skips with the engine's reason. */
static char **clones_or_skip(ora_db *db, const char *tpl, const char *options, int count,
                             const char *method)
{
    char *base = orat_url(tpl);
    char *url = fl_xasprintf("%s%s", base, options);
    free(base);
    char **urls = NULL;
    fl_error err = {0};
    int rc = fl_db_clone(url, count, method, &urls, &err);
    free(url);
    if (rc != FL_OK) {
        orat_drop_user(db, tpl);
        ora_close(db);
        if (strstr(err.msg, "cannot be used"))
            FL_SKIP("this server or user does not allow the %s method here: %s", method, err.msg);
        FL_FAIL("fl_db_clone(%s): %s", method, err.msg);
    }
    return urls;
}

FL_TEST(oracle_server, schema_clones_are_faithful_work_and_go_away)
{
    ora_db db;
    orat_open(&db);
    char *tpl = orat_unique();
    orat_make_rich(&db, tpl);
    char **urls = clones_or_skip(&db, tpl, "", 2, "schema");
    for (int i = 0; i < 2; i++) {
        char *user = orat_user_of(urls[i]);
        FL_ASSERT_CONTAINS(user, "_FL_");
        orat_assert_same(&db, tpl, user);
        free(user);
    }
    FL_ASSERT_NULL(urls[2]);
    /* a clone works on its own, as its own user: its package, trigger and identity */
    ora_db c;
    orat_open_url(&c, urls[0]);
    orat_exec(&c, "BEGIN SHOP.ADD_ORDER(1, 3.5); END;");
    FL_ASSERT_EQ_INT(orat_number(&c, "SELECT SHOP.ORDER_COUNT FROM DUAL"), 10);
    FL_ASSERT_EQ_INT(orat_number(&c, "SELECT COUNT(*) FROM LOG"), 11);
    FL_ASSERT_EQ_INT(orat_number(&c, "SELECT MAX(ID) FROM ORDERS"), identity_next(&db, tpl));
    char *best = orat_value(&c, "SELECT NAME FROM BIG_ORDER_NAMES ORDER BY AMOUNT DESC, NAME "
                                "FETCH FIRST 1 ROWS ONLY");
    FL_ASSERT_NOT_NULL(best);
    free(best);
    ora_close(&c);
    /* the template is untouched */
    char *sql = fl_xasprintf("SELECT COUNT(*) FROM %s.ORDERS", tpl);
    FL_ASSERT_EQ_INT(orat_number(&db, sql), 9);
    free(sql);
    /* forkless db drop: users and tablespaces gone */
    fl_setenv("FORKLESS_ORACLE_ADMIN_URL", orat_server());
    fl_error err = {0};
    FL_ASSERT_EQ_INT(fl_db_drop(urls, 2, &err), FL_OK);
    fl_setenv("FORKLESS_ORACLE_ADMIN_URL", "");
    FL_ASSERT_EQ_INT(leftovers(&db, tpl), 0);
    fl_strv_free(urls);
    orat_drop_user(&db, tpl);
    ora_close(&db);
    free(tpl);
}

FL_TEST(oracle_server, datapump_copy_is_faithful)
{
    ora_db db;
    orat_open(&db);
    char *tpl = orat_unique();
    orat_make_rich(&db, tpl);
    char **urls = clones_or_skip(&db, tpl, "&schema_copy=datapump", 1, "schema");
    char *user = orat_user_of(urls[0]);
    orat_assert_same(&db, tpl, user);
    free(user);
    fl_setenv("FORKLESS_ORACLE_ADMIN_URL", orat_server());
    fl_error err = {0};
    FL_ASSERT_EQ_INT(fl_db_drop(urls, 1, &err), FL_OK);
    fl_setenv("FORKLESS_ORACLE_ADMIN_URL", "");
    FL_ASSERT_EQ_INT(leftovers(&db, tpl), 0);
    FL_ASSERT_EQ_INT(orat_number(&db, "SELECT COUNT(*) FROM USER_DB_LINKS WHERE DB_LINK LIKE "
                                      "'%\\_FL\\_%' ESCAPE '\\'"),
                     0); /* the loopback link went with the run */
    fl_strv_free(urls);
    orat_drop_user(&db, tpl);
    ora_close(&db);
    free(tpl);
}

FL_TEST(oracle_server, pdb_clone_when_the_server_allows_it)
{
    ora_db db;
    orat_open(&db);
    char *tpl = orat_unique();
    orat_make_rich(&db, tpl);
    char **urls = clones_or_skip(&db, tpl, "", 1, "pdb");
    /* inside the clone PDB, the template user's data, with a new password */
    ora_db c;
    orat_open_url(&c, urls[0]);
    FL_ASSERT_EQ_INT(orat_number(&c, "SELECT COUNT(*) FROM ORDERS"), 9);
    orat_exec(&c, "BEGIN SHOP.ADD_ORDER(2, 1); END;");
    ora_close(&c);
    char shown[1024];
    fl_db_redact_url(urls[0], shown, sizeof shown);
    ora_url u;
    fl_error err = {0};
    FL_ASSERT_EQ_INT(ora_url_parse(urls[0], &u, shown, &err), FL_OK);
    char *pdb = fl_xstrndup(u.service, strcspn(u.service, "."));
    ora_url_free(&u);
    fl_setenv("FORKLESS_ORACLE_ADMIN_URL", orat_server());
    FL_ASSERT_EQ_INT(fl_db_drop(urls, 1, &err), FL_OK);
    fl_setenv("FORKLESS_ORACLE_ADMIN_URL", "");
    ora_db root;
    orat_open(&root);
    FL_ASSERT_EQ_INT(ora_to_root(&root, &err), FL_OK);
    char *sql = fl_xasprintf("SELECT COUNT(*) FROM DBA_PDBS WHERE PDB_NAME = '%s'", pdb);
    FL_ASSERT_EQ_INT(orat_number(&root, sql), 0);
    free(sql);
    ora_close(&root);
    /* the template's own rows did not move */
    sql = fl_xasprintf("SELECT COUNT(*) FROM %s.ORDERS", tpl);
    FL_ASSERT_EQ_INT(orat_number(&db, sql), 9);
    free(sql);
    free(pdb);
    fl_strv_free(urls);
    orat_drop_user(&db, tpl);
    ora_close(&db);
    free(tpl);
}

FL_TEST(oracle_server, built_template_is_cloned_and_replaced)
{
    ora_db db;
    orat_open(&db);
    char *tpl = orat_unique();
    char *url = orat_url(tpl);
    fl_db_target *t = NULL;
    fl_error err = {0};
    FL_ASSERT_EQ_INT(fl_db_parse_target(url, &t, &err), FL_OK);
    /* what dbset does around the setup command; the "command" fills the build user here */
    fl_db_build *b = NULL;
    if (t->engine->build_lock(t, &b, &err) != FL_OK)
        FL_FAIL("build_lock: %s", err.msg);
    FL_ASSERT_EQ_INT(b->exists, 0);
    if (t->engine->build_begin(b, "bld1", &err) != FL_OK)
        FL_FAIL("build_begin: %s", err.msg);
    char *built = fl_xstrdup(b->name);
    orat_fill_rich(&db, built);
    if (t->engine->build_commit(b, "key-1", &err) != FL_OK)
        FL_FAIL("build_commit: %s", err.msg);
    t->engine->build_release(b);
    char **urls = NULL;
    if (fl_db_clone(url, 1, "schema", &urls, &err) != FL_OK)
        FL_FAIL("cloning the built template: %s", err.msg);
    char *user = orat_user_of(urls[0]);
    orat_assert_same(&db, built, user);
    free(user);
    /* a second build replaces the first, which is dropped */
    FL_ASSERT_EQ_INT(t->engine->build_lock(t, &b, &err), FL_OK);
    FL_ASSERT_EQ_INT(b->exists, 1);
    FL_ASSERT_EQ_STR(b->stored_key, "key-1");
    FL_ASSERT_EQ_INT(t->engine->build_begin(b, "bld2", &err), FL_OK);
    char *built2 = fl_xstrdup(b->name);
    FL_ASSERT_EQ_INT(t->engine->build_commit(b, "key-2", &err), FL_OK);
    t->engine->build_release(b);
    char *sql = fl_xasprintf("SELECT COUNT(*) FROM ALL_USERS WHERE USERNAME = '%s'", built);
    FL_ASSERT_EQ_INT(orat_number(&db, sql), 0);
    free(sql);
    fl_setenv("FORKLESS_ORACLE_ADMIN_URL", orat_server());
    FL_ASSERT_EQ_INT(fl_db_drop(urls, 1, &err), FL_OK);
    fl_setenv("FORKLESS_ORACLE_ADMIN_URL", "");
    sql = fl_xasprintf("DELETE FROM \"FORKLESS_TEMPLATES\" WHERE \"NAME\" = '%s'", tpl);
    orat_exec(&db, sql);
    free(sql);
    orat_drop_user(&db, built2);
    FL_ASSERT_EQ_INT(t->engine->check_template(t, &err), FL_ERR_DB);
    FL_ASSERT_CONTAINS(err.msg, "does not exist");
    t->engine->free_target(t);
    fl_strv_free(urls);
    free(built);
    free(built2);
    free(url);
    ora_close(&db);
    free(tpl);
}

FL_TEST(oracle_server, gc_removes_dead_runs_only)
{
    ora_db db;
    orat_open(&db);
    char *tpl = orat_unique();
    orat_make_rich(&db, tpl);
    char *url = orat_url(tpl);
    fl_error err = {0};
    /* a live run with one clone */
    fl_db_spec spec = {"default", url, "schema"};
    fl_dbset *set = NULL;
    FL_ASSERT_EQ_INT(fl_dbset_open(&spec, 1, "liverun1", NULL, &set, &err), FL_OK);
    FL_ASSERT_EQ_INT(fl_dbset_prepare_templates(set, NULL, NULL, 0, 0, NULL, &err), FL_OK);
    if (fl_dbset_clone_all(set, 1, &err) != FL_OK)
        FL_FAIL("clone_all: %s", err.msg);
    /* a kept clone */
    char **kept = NULL;
    FL_ASSERT_EQ_INT(fl_db_clone(url, 1, "schema", &kept, &err), FL_OK);
    /* leftovers of a run that died: a user, and a temporary tablespace without its user */
    char *sql = fl_xasprintf("CREATE USER %s_FL_DEADRUN1_1 IDENTIFIED BY \"Dead0Run0Password\"",
                             tpl);
    orat_exec(&db, sql);
    free(sql);
    sql = fl_xasprintf("CREATE TEMPORARY TABLESPACE %s_FL_DEADRUN1_2_T TEMPFILE "
                       "'%s_FL_DEADRUN1_2_T.dbf' SIZE 5M REUSE",
                       tpl, tpl);
    orat_exec(&db, sql);
    free(sql);
    long before = leftovers(&db, tpl);
    size_t removed = 0;
    char *urls[] = {url};
    FL_ASSERT_EQ_INT(fl_db_gc(urls, 1, NULL, &removed, &err), FL_OK);
    FL_ASSERT_EQ_INT((long long)removed, 2);
    FL_ASSERT_EQ_INT(leftovers(&db, tpl), before - 2);
    /* the live run's and the kept clone are still there */
    char *live = orat_user_of(kept[0]);
    sql = fl_xasprintf("SELECT COUNT(*) FROM ALL_USERS WHERE USERNAME IN ('%s', '%s_FL_LIVERUN1_1')",
                       live, tpl);
    FL_ASSERT_EQ_INT(orat_number(&db, sql), 2);
    free(sql);
    free(live);
    FL_ASSERT_EQ_INT(fl_dbset_teardown(set, 0, NULL, &err), FL_OK);
    fl_dbset_free(set);
    fl_setenv("FORKLESS_ORACLE_ADMIN_URL", orat_server());
    FL_ASSERT_EQ_INT(fl_db_drop(kept, 1, &err), FL_OK);
    fl_setenv("FORKLESS_ORACLE_ADMIN_URL", "");
    FL_ASSERT_EQ_INT(leftovers(&db, tpl), 0);
    fl_strv_free(kept);
    orat_drop_user(&db, tpl);
    ora_close(&db);
    free(url);
    free(tpl);
}
