/*
 * t_isolation.c — the suite's own promise: each test starts from the template's state.
 * The tests of a group run in order in one worker, so the second test here would see the
 * first one's rows if the rollback in close_test_db (or in the next open_test_db, after a
 * failure) did not work.  It also checks what forkless gave this worker.
 */
#include "common.h"

#include <string.h>

FL_TEST(isolation, a_test_writes_without_committing)
{
    sqlite3 *db = open_test_db();
    new_book(db, "Isolation Marker", 100, 5);
    new_customer(db, "DE");
    sql_exec(db, "UPDATE books SET price_cents = 1 WHERE title = 'Dune'");
    FL_ASSERT_EQ_INT(sql_int(db, "SELECT count(*) FROM books WHERE title = 'Isolation Marker'"), 1);
    close_test_db(db);
}

FL_TEST(isolation, the_next_test_sees_the_template)
{
    sqlite3 *db = open_test_db();
    FL_ASSERT_EQ_INT(sql_int(db, "SELECT count(*) FROM books WHERE title = 'Isolation Marker'"), 0);
    FL_ASSERT_EQ_INT(sql_int(db, "SELECT price_cents FROM books WHERE title = 'Dune'"), 1150);
    FL_ASSERT_EQ_INT(sql_int(db, "SELECT count(*) FROM customers WHERE email LIKE 'test-%%'"), 0);
    close_test_db(db);
}

FL_TEST_XFAIL(isolation, a_failing_test_leaves_its_transaction_open)
{
    sqlite3 *db = open_test_db();
    new_book(db, "Failure Marker", 100, 5);
    FL_FAIL("failing on purpose after a write, before close_test_db");
}

FL_TEST(isolation, which_is_rolled_back_by_the_next_open)
{
    sqlite3 *db = open_test_db();
    FL_ASSERT_EQ_INT(sql_int(db, "SELECT count(*) FROM books WHERE title = 'Failure Marker'"), 0);
    close_test_db(db);
}

FL_TEST(isolation, the_connection_is_this_workers_clone)
{
    FL_ASSERT_GE_INT(fl_test_worker(), 1);
    const char *url = fl_test_db_url("default");
    FL_ASSERT_NOT_NULL(url);
    FL_ASSERT(strncmp(url, "sqlite", 6) == 0);
    const char *name = fl_test_db_name("default");
    FL_ASSERT_NOT_NULL(name);
    /* A clone (or memory image) of the template, never the template file itself. */
    size_t len = strlen(name);
    FL_ASSERT(len < 12 || strcmp(name + len - 12, "/bookshop.db") != 0);
    sqlite3 *db = open_test_db();
    FL_ASSERT_EQ_INT(sqlite3_get_autocommit(db), 0); /* inside the test's transaction */
    close_test_db(db);
    FL_ASSERT_EQ_INT(sqlite3_get_autocommit(db), 1);
}
