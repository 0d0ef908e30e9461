/*
 * common.h — what every bookshop test file shares: the worker's database connection with
 * a per-test transaction that is always rolled back (open_test_db / close_test_db),
 * assertion macros for bs_ return codes, query shortcuts, and makers of fresh fixtures
 * (books with unique valid ISBNs, customers with unique e-mails).
 *
 * Why a rollback per test: with the `copy` clone method each worker has one database file
 * for the whole run, and runs many groups one after the other; a test that committed would
 * leak its rows into every later group of that worker.  So open_test_db() starts a
 * transaction and close_test_db() — or the next open_test_db(), if a failed assertion
 * skipped the close — rolls it back.  The application itself only uses savepoints, which
 * nest inside that transaction.
 */
#ifndef BOOKSHOP_TESTS_COMMON_H
#define BOOKSHOP_TESTS_COMMON_H

#include "bookshop.h"

#include <forkless/test.h>
#include <sqlite3.h>
#include <stdint.h>

/* The bs_error every OK()/FAILS() call fills; pass &terr to the function under test. */
extern bs_error terr;

/* expr must return BS_OK; otherwise the test fails with the code and message. */
#define OK(expr)                                                                           \
    do {                                                                                   \
        bs_error_clear(&terr);                                                             \
        int ok_rc_ = (expr);                                                               \
        if (ok_rc_ != BS_OK)                                                               \
            FL_FAIL("%s failed: %s: %s", #expr, bs_code_name(ok_rc_), terr.msg);           \
    } while (0)

/* expr must fail with code; the message is kept in terr.msg for further checks. */
#define FAILS(code, expr)                                                                  \
    do {                                                                                   \
        bs_error_clear(&terr);                                                             \
        int fails_rc_ = (expr);                                                            \
        if (fails_rc_ != (code))                                                           \
            FL_FAIL("%s: expected %s, got %s%s%s%s", #expr, bs_code_name(code),            \
                    bs_code_name(fails_rc_), terr.msg[0] ? " (" : "", terr.msg,            \
                    terr.msg[0] ? ")" : "");                                               \
    } while (0)

/* The worker's clone, configured, inside a fresh transaction. */
sqlite3 *open_test_db(void);
/* Rolls the test's transaction back (the connection stays open for the next test). */
void close_test_db(sqlite3 *db);

/* Runs SQL that must succeed (printf-style with sqlite3_mprintf: use %Q for strings). */
void sql_exec(sqlite3 *db, const char *fmt, ...);
/* First column of the first row as an integer / as text (static buffer, next call
 * overwrites); the query must return a row. */
int64_t sql_int(sqlite3 *db, const char *fmt, ...);
const char *sql_text(sqlite3 *db, const char *fmt, ...);

/* A fresh ISBN-13 no fixture uses (979-8-...), valid checksum, canonical digits. */
const char *new_isbn(void);
/* A book with a fresh ISBN, genre "fiction", author "Test Author", and stock copies. */
int64_t new_book(sqlite3 *db, const char *title, int64_t price_cents, int stock);
/* A customer with a fresh e-mail address in country. */
int64_t new_customer(sqlite3 *db, const char *country);
/* Places an order of one line; returns its id. */
int64_t new_order(sqlite3 *db, int64_t customer_id, int64_t book_id, int qty, const char *code,
                  const char *placed_at);

/* The template's named fixtures (see fixtures.c): a book by exact title, a customer by
 * e-mail.  Fail the test when missing. */
int64_t fx_book(sqlite3 *db, const char *title);
int64_t fx_customer(sqlite3 *db, const char *email);

/* Seeds the template: called from FL_DB_SETUP. */
void fixtures_seed(sqlite3 *db);
/* The migrations directory the tests use: $BOOKSHOP_MIGRATIONS, ./migrations, or the
 * source tree's. */
const char *test_migrations_dir(void);
/* A new empty directory for this test's files (under $TMPDIR). */
const char *test_temp_dir(void);

/* Generated history in the template: orders placed in 2023 and 2024. */
enum { FX_HISTORY_FIRST_YEAR = 2023, FX_HISTORY_LAST_YEAR = 2024 };

#endif
