/*
 * pg_fixture.c — a C test binary on PostgreSQL, driven by db_run_test.c: FL_DB_SETUP fills
 * the template through libpq with the URL the C API hands it; each test then works in its
 * worker's own clone (fl_test_db_url), which it can change freely.
 */
#include <forkless/test.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>

static PGconn *connect_to(const char *url)
{
    FL_ASSERT_NOT_NULL(url);
    PGconn *c = PQconnectdb(url);
    if (PQstatus(c) != CONNECTION_OK)
        FL_FAIL("cannot connect to this worker's database: %s", PQerrorMessage(c));
    return c;
}

static void exec_ok(PGconn *c, const char *sql)
{
    PGresult *res = PQexec(c, sql);
    ExecStatusType st = PQresultStatus(res);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s", PQresultErrorMessage(res));
        PQclear(res);
        FL_FAIL("%s: %s", sql, msg);
    }
    PQclear(res);
}

static long count_rows(PGconn *c)
{
    PGresult *res = PQexec(c, "SELECT count(*) FROM ledger");
    FL_ASSERT_EQ_INT(PQresultStatus(res), PGRES_TUPLES_OK);
    long n = atol(PQgetvalue(res, 0, 0));
    PQclear(res);
    return n;
}

FL_DB_SETUP()
{
    PGconn *c = connect_to(fl_test_db_url("default"));
    exec_ok(c, "CREATE TABLE ledger (id serial PRIMARY KEY, slot int NOT NULL, amount int NOT NULL)");
    exec_ok(c, "INSERT INTO ledger (slot, amount) VALUES (0, 100), (0, 250)");
    PQfinish(c);
}

/* Every test adds rows and checks it sees the template's rows plus only its own group's:
 * a worker's clone is its own, and each group starts where the previous one in the same
 * worker left off — so each group cleans up after itself. */
#define LEDGER_TEST(group)                                                        \
    FL_TEST(group, writes_in_its_own_clone)                                       \
    {                                                                             \
        PGconn *c = connect_to(fl_test_db_url("default"));                        \
        FL_ASSERT_CONTAINS(PQdb(c), "_fl_");                                       \
        FL_ASSERT_EQ_INT(count_rows(c), 2);                                        \
        char sql[128];                                                            \
        snprintf(sql, sizeof sql, "INSERT INTO ledger (slot, amount) VALUES (%d, 1)", \
                 fl_test_worker());                                               \
        exec_ok(c, sql);                                                          \
        FL_ASSERT_EQ_INT(count_rows(c), 3);                                        \
        exec_ok(c, "SELECT pg_sleep(0.2)");                                        \
        FL_ASSERT_EQ_INT(count_rows(c), 3); /* no other worker wrote here */       \
        exec_ok(c, "DELETE FROM ledger WHERE slot <> 0");                         \
        PQfinish(c);                                                              \
    }

LEDGER_TEST(accounts_a)
LEDGER_TEST(accounts_b)
LEDGER_TEST(accounts_c)
LEDGER_TEST(accounts_d)

FL_TEST_MAIN()
