/*
 * bookshop.h — the public API of the example bookshop: a small inventory and ordering
 * service on SQLite.  It is the application that examples/bookshop/tests exercises with
 * the forkless C test API; the `bookshop` command (bookshop_cli.c) is its front end.
 *
 * Conventions (the same as libforkless):
 *  - every function returns 0 (BS_OK) or a negative bs_code, and fills a bs_error whose
 *    message names the culprit (an ISBN, an order number, a migration file);
 *  - money is an integer number of cents (int64_t), never a double;
 *  - every function that writes more than one row runs inside a SAVEPOINT, so it is atomic
 *    and also works inside a transaction the caller has opened (the tests roll theirs back);
 *  - the schema is created by the SQL files of migrations/, applied by bs_migrate.
 */
#ifndef BOOKSHOP_H
#define BOOKSHOP_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct sqlite3;

/* ---- errors ------------------------------------------------------------------------ */

typedef enum bs_code {
    BS_OK = 0,
    BS_ERR_DB = -1,                 /* SQLite failed unexpectedly */
    BS_ERR_INVALID = -2,            /* a malformed argument (empty title, bad country...) */
    BS_ERR_INVALID_ISBN = -3,       /* wrong length, characters or checksum */
    BS_ERR_DUPLICATE = -4,          /* ISBN, e-mail or author already present */
    BS_ERR_NOT_FOUND = -5,          /* no such book, author or order */
    BS_ERR_UNKNOWN_CUSTOMER = -6,
    BS_ERR_OUT_OF_STOCK = -7,
    BS_ERR_INVALID_QUANTITY = -8,   /* a line's quantity outside 1..BS_MAX_LINE_QTY */
    BS_ERR_INVALID_PRICE = -9,
    BS_ERR_INVALID_EMAIL = -10,
    BS_ERR_DISCONTINUED = -11,      /* the book may no longer be ordered */
    BS_ERR_DISCOUNT_UNKNOWN = -12,
    BS_ERR_DISCOUNT_EXPIRED = -13,  /* outside its validity window */
    BS_ERR_DISCOUNT_MIN_TOTAL = -14,/* the subtotal is below the code's minimum */
    BS_ERR_DISCOUNT_EXHAUSTED = -15,/* used max_uses times already */
    BS_ERR_ORDER_STATE = -16,       /* not allowed in the order's current status */
    BS_ERR_EMPTY_ORDER = -17,
    BS_ERR_PAYMENT_MISMATCH = -18,  /* paid amount differs from the order total */
    BS_ERR_IN_USE = -19,            /* still referenced (a customer with orders...) */
    BS_ERR_MIGRATION = -20,         /* a migration file failed or was changed */
    BS_ERR_IO = -21,                /* a file or directory could not be read */
    BS_ERR_NOMEM = -22,
} bs_code;

typedef struct bs_error {
    int code;
    char msg[512];
} bs_error;

/* "out_of_stock", "invalid_isbn", ... ("ok" for 0, "unknown" for anything else). */
const char *bs_code_name(int code);
void bs_error_clear(bs_error *err);

/* ---- limits and business constants -------------------------------------------------- */

enum {
    BS_MAX_LINE_QTY = 99,           /* copies of one book per order */
    BS_VOLUME_QTY = 10,             /* a line of this many copies or more ... */
    BS_VOLUME_DISCOUNT_BP = 1000,   /* ... gets 10.00 % off (basis points) */
    BS_MAX_PRICE_CENTS = 100000000, /* 1,000,000.00 */
};

/* ---- database ----------------------------------------------------------------------- */

/* Opens (creating) a bookshop database file and configures the connection. */
int bs_open(const char *path, struct sqlite3 **db_out, bs_error *err);
/* Per-connection settings the application relies on: foreign keys on, a busy timeout,
 * a 32 MiB page cache, temporary data in memory.
 * Call it on a connection opened elsewhere (the tests' clone).  Outside a transaction. */
int bs_configure(struct sqlite3 *db, bs_error *err);
void bs_close(struct sqlite3 *db);
/* True when this SQLite has FTS5 and the books_fts table exists. */
int bs_has_fts(struct sqlite3 *db);

/* ---- migrations --------------------------------------------------------------------- */

/* The migrations directory: $BOOKSHOP_MIGRATIONS if set, else "migrations" (relative to
 * the current directory). */
const char *bs_migrations_dir(void);

typedef struct bs_migrate_result {
    int applied;        /* files applied by this call */
    int skipped;        /* files whose "-- requires:" feature is missing (recorded anyway) */
    int already;        /* files found already applied */
    int version;        /* PRAGMA user_version afterwards: the highest version applied */
} bs_migrate_result;

/* Applies the files NNN_name.sql of dir, in order, each in its own transaction, recording
 * each in schema_migrations (version, name, checksum) and PRAGMA user_version.  Files
 * already applied are checked against their recorded checksum: a changed file is an
 * error (BS_ERR_MIGRATION), as is a duplicate version number.  A file with a lower version
 * than some applied one (merged late from a branch) is still applied.  A file whose first line
 * is "-- requires: fts5" is recorded as skipped when this SQLite lacks FTS5.  Calls
 * log(name, ctx) for each applied file when log is not NULL.  Must be called outside a
 * transaction. */
int bs_migrate(struct sqlite3 *db, const char *dir, bs_migrate_result *result,
               void (*log)(const char *name, void *ctx), void *ctx, bs_error *err);
/* PRAGMA user_version. */
int bs_schema_version(struct sqlite3 *db);

/* ---- ISBN ----------------------------------------------------------------------------- */

/* Accepts ISBN-10 or ISBN-13 with optional hyphens or spaces; checks the checksum; writes
 * the canonical 13 digits (an ISBN-10 is converted, prefix 978) into out[14]. */
int bs_isbn_normalize(const char *text, char out[14], bs_error *err);
/* Check digits: of the first 12 digits of an ISBN-13 ('0'..'9'), of the first 9 of an
 * ISBN-10 ('0'..'9' or 'X').  Return 0 when the input is not digits. */
char bs_isbn13_check_digit(const char *first12);
char bs_isbn10_check_digit(const char *first9);
/* A 978-prefixed ISBN-13 as ISBN-10 (out[11]); BS_ERR_INVALID for 979 numbers. */
int bs_isbn13_to_10(const char *isbn13, char out[11], bs_error *err);

/* ---- money ---------------------------------------------------------------------------- */

/* "1234.50" / "1,234.50" / "12" → cents; at most two decimals; no sign. */
int bs_money_parse(const char *text, int64_t *cents, bs_error *err);
/* 123450 → "1,234.50"; negative amounts get a leading '-'.  Returns buf. */
char *bs_money_format(int64_t cents, char *buf, size_t size);
/* cents × basis_points / 10000, rounded half up (for non-negative cents). */
int64_t bs_percent_of(int64_t cents, int basis_points);

/* ---- catalog -------------------------------------------------------------------------- */

typedef struct bs_book_input {
    const char *isbn;           /* ISBN-10 or -13, hyphens allowed */
    const char *title;
    const char *description;    /* may be NULL */
    const char *genre;          /* a code of the genres table, e.g. "fiction" */
    int year;                   /* 0 = unknown */
    int64_t price_cents;
    const char *const *authors; /* names; created when new; at least one */
    size_t n_authors;
} bs_book_input;

typedef struct bs_book {
    int64_t id;
    char isbn[14];
    char title[256];
    char authors[512];          /* "A, B" in author position order */
    char genre[16];
    int year;
    int64_t price_cents;
    int discontinued;
    int64_t on_hand;
} bs_book;

int bs_author_add(struct sqlite3 *db, const char *name, int64_t *id, bs_error *err);
/* Finds an author by name, case-insensitively. */
int bs_author_find(struct sqlite3 *db, const char *name, int64_t *id, bs_error *err);
int bs_author_rename(struct sqlite3 *db, int64_t id, const char *name, bs_error *err);
int bs_book_add(struct sqlite3 *db, const bs_book_input *in, int64_t *id, bs_error *err);
int bs_book_get(struct sqlite3 *db, int64_t id, bs_book *out, bs_error *err);
int bs_book_by_isbn(struct sqlite3 *db, const char *isbn, bs_book *out, bs_error *err);
/* Changes the price; the price_history trigger keeps the old one. */
int bs_book_set_price(struct sqlite3 *db, int64_t id, int64_t price_cents, bs_error *err);
/* A discontinued book stays in the catalog and in old orders but cannot be ordered. */
int bs_book_discontinue(struct sqlite3 *db, int64_t id, bs_error *err);
/* Deletes a book that was never stocked nor ordered; BS_ERR_IN_USE otherwise. */
int bs_book_delete(struct sqlite3 *db, int64_t id, bs_error *err);
int bs_book_count_by_author(struct sqlite3 *db, int64_t author_id, int64_t *count,
                            bs_error *err);

/* ---- customers ------------------------------------------------------------------------ */

typedef struct bs_customer {
    int64_t id;
    char name[128];
    char email[256];
    char country[3];
} bs_customer;

/* Validates the e-mail address and the ISO 3166 alpha-2 country ("DE"); e-mails are
 * stored lower-cased and are unique. */
int bs_customer_add(struct sqlite3 *db, const char *name, const char *email,
                    const char *country, int64_t *id, bs_error *err);
int bs_customer_get(struct sqlite3 *db, int64_t id, bs_customer *out, bs_error *err);
int bs_customer_by_email(struct sqlite3 *db, const char *email, bs_customer *out,
                         bs_error *err);
/* BS_ERR_IN_USE when the customer has orders. */
int bs_customer_delete(struct sqlite3 *db, int64_t id, bs_error *err);
/* Sum of totals of the customer's placed, paid and shipped orders. */
int bs_customer_lifetime_cents(struct sqlite3 *db, int64_t id, int64_t *cents, bs_error *err);
int bs_email_is_valid(const char *email);

/* ---- inventory ------------------------------------------------------------------------ */

/* Receives qty (> 0) copies from a supplier: a 'receive' movement. */
int bs_stock_receive(struct sqlite3 *db, int64_t book_id, int qty, bs_error *err);
/* A manual correction after a count (delta != 0, may be negative): an 'adjust' movement
 * with a note; it cannot take stock below zero. */
int bs_stock_adjust(struct sqlite3 *db, int64_t book_id, int delta, const char *note,
                    bs_error *err);
int bs_stock_on_hand(struct sqlite3 *db, int64_t book_id, int64_t *on_hand, bs_error *err);
/* Recomputes on hand from the movement ledger (to check the trigger-kept level). */
int bs_stock_ledger_sum(struct sqlite3 *db, int64_t book_id, int64_t *sum, bs_error *err);

/* ---- orders --------------------------------------------------------------------------- */

typedef struct bs_order {
    int64_t id;
    int64_t customer_id;
    char status[12];            /* cart, placed, paid, shipped, cancelled */
    char placed_at[20];         /* "YYYY-MM-DD HH:MM:SS" or "" */
    char discount_code[32];
    int64_t subtotal_cents;     /* sum of line totals (after volume discounts) */
    int64_t discount_cents;
    int64_t shipping_cents;
    int64_t total_cents;
    int n_lines;
    int64_t n_items;
} bs_order;

typedef struct bs_line {
    int64_t book_id;
    int qty;
} bs_line;

int bs_order_create(struct sqlite3 *db, int64_t customer_id, int64_t *order_id, bs_error *err);
/* Adds copies of a book to a cart (merging with an existing line of the same book). */
int bs_order_add_line(struct sqlite3 *db, int64_t order_id, int64_t book_id, int qty,
                      bs_error *err);
int bs_order_remove_line(struct sqlite3 *db, int64_t order_id, int64_t book_id, bs_error *err);
/* Attaches a discount code to a cart after checking it against today and the subtotal. */
int bs_order_apply_discount(struct sqlite3 *db, int64_t order_id, const char *code,
                            bs_error *err);
/* Places a cart: re-prices lines at current prices, checks stock for every line, takes it
 * (one 'sale' movement per line), re-checks the discount at placed_at, counts its use,
 * computes shipping and totals.  placed_at NULL = now.  All or nothing. */
int bs_order_place(struct sqlite3 *db, int64_t order_id, const char *placed_at, bs_error *err);
/* placed → paid; amount must equal the total. */
int bs_order_pay(struct sqlite3 *db, int64_t order_id, int64_t amount_cents, bs_error *err);
/* paid → shipped. */
int bs_order_ship(struct sqlite3 *db, int64_t order_id, bs_error *err);
/* cart|placed|paid → cancelled; placed and paid orders give their stock back ('cancel'
 * movements) and their discount use.  Shipped orders cannot be cancelled. */
int bs_order_cancel(struct sqlite3 *db, int64_t order_id, bs_error *err);
int bs_order_get(struct sqlite3 *db, int64_t order_id, bs_order *out, bs_error *err);
/* Create + lines + discount (code may be NULL) + place, in one savepoint. */
int bs_order_quick(struct sqlite3 *db, int64_t customer_id, const bs_line *lines, size_t n,
                   const char *code, const char *placed_at, int64_t *order_id, bs_error *err);
/* Shipping for a country and a discounted subtotal (free above the country's threshold). */
int bs_shipping_for(struct sqlite3 *db, const char *country, int64_t discounted_subtotal,
                    int64_t *cents, bs_error *err);

/* ---- search --------------------------------------------------------------------------- */

typedef struct bs_hit {
    int64_t book_id;
    char title[256];
    char authors[512];
} bs_hit;

/* Case-insensitive substring search in titles and author names (LIKE, with % and _ in
 * the term matched literally).  *hits is malloc'ed; free() it. */
int bs_search_like(struct sqlite3 *db, const char *term, size_t limit, bs_hit **hits,
                   size_t *n, bs_error *err);
/* Full-text search (FTS5, ranked by bm25) over title, authors and description.  Each word
 * of the query must match; a word ending in '*' is a prefix.  Other punctuation is taken
 * literally, so no user input is a syntax error.  Falls back to bs_search_like when the
 * database has no FTS index. */
int bs_search(struct sqlite3 *db, const char *query, size_t limit, bs_hit **hits, size_t *n,
              bs_error *err);

/* ---- reports -------------------------------------------------------------------------- */

typedef struct bs_sales_row {
    int64_t id;                 /* book or author id */
    char name[256];             /* title or author name */
    int64_t units;
    int64_t revenue_cents;
} bs_sales_row;

typedef struct bs_month_row {
    char month[8];              /* "YYYY-MM" */
    int64_t orders;
    int64_t revenue_cents;      /* sum of order totals */
} bs_month_row;

/* Books by units sold in orders placed in [from, to) (dates "YYYY-MM-DD"; NULL = open),
 * excluding carts and cancelled orders; ties broken by title.  *rows: free() it. */
int bs_report_best_sellers(struct sqlite3 *db, const char *from, const char *to, size_t limit,
                           bs_sales_row **rows, size_t *n, bs_error *err);
/* The same per author (a book with two authors counts for both). */
int bs_report_author_sales(struct sqlite3 *db, size_t limit, bs_sales_row **rows, size_t *n,
                           bs_error *err);
/* Revenue per month of a year, twelve rows (months without orders have zeros). */
int bs_report_monthly_revenue(struct sqlite3 *db, int year, bs_month_row rows[12],
                              bs_error *err);
/* Books with on hand <= threshold that are not discontinued, fewest first. */
int bs_report_low_stock(struct sqlite3 *db, int64_t threshold, bs_book **books, size_t *n,
                        bs_error *err);
/* Sum over books of on_hand × current price. */
int bs_report_inventory_value(struct sqlite3 *db, int64_t *cents, bs_error *err);

#ifdef __cplusplus
}
#endif

#endif
