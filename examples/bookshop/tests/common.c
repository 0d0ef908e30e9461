/*
 * common.c — the shared test helpers declared in common.h, and the suite's FL_DB_SETUP:
 * it migrates the template database and seeds the fixtures, once per run (the result is
 * cached while the migration files do not change), before forkless clones it for each worker.
 */
#include "common.h"
#include "os.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h> /* unlink, rmdir: also in mingw-w64 */

bs_error terr;

static sqlite3 *worker_db;

sqlite3 *open_test_db(void)
{
    if (!worker_db) {
        worker_db = fl_test_sqlite_open("default");
        FL_ASSERT_NOT_NULL(worker_db);
        bs_error err = {0};
        if (bs_configure(worker_db, &err) != BS_OK)
            FL_FAIL("configuring the clone: %s", err.msg);
    }
    /* A test that failed before close_test_db left its transaction open: drop it. */
    if (!sqlite3_get_autocommit(worker_db))
        sqlite3_exec(worker_db, "ROLLBACK", NULL, NULL, NULL);
    if (sqlite3_exec(worker_db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
        FL_FAIL("BEGIN: %s", sqlite3_errmsg(worker_db));
    return worker_db;
}

void close_test_db(sqlite3 *db)
{
    if (db && !sqlite3_get_autocommit(db))
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}

static sqlite3_stmt *prepare_va(sqlite3 *db, const char *fmt, va_list ap)
{
    char *sql = sqlite3_vmprintf(fmt, ap);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s", sqlite3_errmsg(db));
        sqlite3_free(sql);
        FL_FAIL("SQL error: %s", msg);
    }
    sqlite3_free(sql);
    return st;
}

void sql_exec(sqlite3 *db, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *sql = sqlite3_vmprintf(fmt, ap);
    va_end(ap);
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        char copy[512];
        snprintf(copy, sizeof copy, "%s in: %.200s", msg ? msg : "?", sql);
        sqlite3_free(msg);
        sqlite3_free(sql);
        FL_FAIL("SQL error: %s", copy);
    }
    sqlite3_free(sql);
}

int64_t sql_int(sqlite3 *db, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sqlite3_stmt *st = prepare_va(db, fmt, ap);
    va_end(ap);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        sqlite3_finalize(st);
        FL_FAIL("query returned no row (%s)", rc == SQLITE_DONE ? "empty" : sqlite3_errmsg(db));
    }
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

const char *sql_text(sqlite3 *db, const char *fmt, ...)
{
    static char buf[4096];
    va_list ap;
    va_start(ap, fmt);
    sqlite3_stmt *st = prepare_va(db, fmt, ap);
    va_end(ap);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        sqlite3_finalize(st);
        FL_FAIL("query returned no row (%s)", rc == SQLITE_DONE ? "empty" : sqlite3_errmsg(db));
    }
    const unsigned char *t = sqlite3_column_text(st, 0);
    snprintf(buf, sizeof buf, "%s", t ? (const char *)t : "(null)");
    sqlite3_finalize(st);
    return buf;
}

const char *new_isbn(void)
{
    static unsigned counter;
    static char isbn[14];
    snprintf(isbn, sizeof isbn, "9798%08u", ++counter);
    isbn[12] = bs_isbn13_check_digit(isbn);
    isbn[13] = '\0';
    return isbn;
}

int64_t new_book(sqlite3 *db, const char *title, int64_t price_cents, int stock)
{
    const char *authors[] = {"Test Author"};
    bs_book_input in = {.isbn = new_isbn(), .title = title, .genre = "fiction",
                        .price_cents = price_cents, .authors = authors, .n_authors = 1};
    int64_t id = 0;
    OK(bs_book_add(db, &in, &id, &terr));
    if (stock > 0)
        OK(bs_stock_receive(db, id, stock, &terr));
    return id;
}

int64_t new_customer(sqlite3 *db, const char *country)
{
    static unsigned counter;
    char email[64];
    snprintf(email, sizeof email, "test-%u@example.net", ++counter);
    int64_t id = 0;
    OK(bs_customer_add(db, "Test Customer", email, country, &id, &terr));
    return id;
}

int64_t new_order(sqlite3 *db, int64_t customer_id, int64_t book_id, int qty, const char *code,
                  const char *placed_at)
{
    bs_line line = {book_id, qty};
    int64_t id = 0;
    OK(bs_order_quick(db, customer_id, &line, 1, code, placed_at, &id, &terr));
    return id;
}

int64_t fx_book(sqlite3 *db, const char *title)
{
    return sql_int(db, "SELECT id FROM books WHERE title = %Q", title);
}

int64_t fx_customer(sqlite3 *db, const char *email)
{
    return sql_int(db, "SELECT id FROM customers WHERE email = %Q", email);
}

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

const char *test_migrations_dir(void)
{
    const char *env = getenv("BOOKSHOP_MIGRATIONS");
    if (env && *env)
        return env;
    if (is_dir("migrations"))
        return "migrations";
    return BOOKSHOP_SOURCE_DIR "/migrations";
}

/* ---- temporary directories, removed at exit ---------------------------------------- */

static char **temp_dirs;
static size_t n_temp_dirs;

static void remove_dir(const char *path)
{
    DIR *d = opendir(path);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            char child[4096];
            snprintf(child, sizeof child, "%s/%s", path, e->d_name);
            if (is_dir(child))
                remove_dir(child);
            else
                unlink(child);
        }
        closedir(d);
    }
    rmdir(path);
}

static void remove_temp_dirs(void)
{
    for (size_t i = 0; i < n_temp_dirs; i++) {
        remove_dir(temp_dirs[i]);
        free(temp_dirs[i]);
    }
    free(temp_dirs);
    temp_dirs = NULL;
    n_temp_dirs = 0;
}

const char *test_temp_dir(void)
{
    char *dir = os_make_temp_dir("bookshop-test");
    if (!dir)
        FL_FAIL("cannot create a temporary directory");
    char **grown = realloc(temp_dirs, (n_temp_dirs + 1) * sizeof *grown);
    if (!grown) {
        free(dir);
        FL_FAIL("out of memory");
    }
    temp_dirs = grown;
    if (n_temp_dirs == 0)
        atexit(remove_temp_dirs);
    temp_dirs[n_temp_dirs] = dir;
    return temp_dirs[n_temp_dirs++];
}

/* ---- the template ----------------------------------------------------------------- */

static void count_rows(sqlite3 *db, const char *table, int64_t *n)
{
    char sql[64];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        *n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
}

/* Runs once per run (per cache key) against the template database: migrations, then the
 * fixtures, committed.  forkless then clones the file for every worker. */
FL_DB_SETUP()
{
    const char *path = fl_test_db_name("default");
    if (!path)
        FL_FAIL("no database \"default\": run from examples/bookshop (forkless.ini) or pass "
                "--db sqlite:PATH");
    sqlite3 *db = NULL;
    bs_error err = {0};
    if (bs_open(path, &db, &err) != BS_OK)
        FL_FAIL("%s", err.msg);
    bs_migrate_result res;
    if (bs_migrate(db, test_migrations_dir(), &res, NULL, NULL, &err) != BS_OK) {
        bs_close(db);
        FL_FAIL("%s", err.msg);
    }
    sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
    fixtures_seed(db);
    if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        FL_FAIL("committing the fixtures: %s", sqlite3_errmsg(db));
    sqlite3_exec(db, "ANALYZE", NULL, NULL, NULL);
    int64_t books = 0, customers = 0, orders = 0;
    count_rows(db, "books", &books);
    count_rows(db, "customers", &customers);
    count_rows(db, "orders", &orders);
    bs_close(db);
    printf("bookshop: template migrated to schema version %d (%d migrations) and seeded: "
           "%lld books, %lld customers, %lld orders\n",
           res.version, res.applied + res.skipped, (long long)books, (long long)customers,
           (long long)orders);
}

FL_TEST_MAIN()
