/*
 * reports.c — what the shop's owner reads: best sellers (per book and per author, many to
 * many), revenue per month, books running low, and the value of the stock.  Sales are the
 * lines of orders that were placed and not cancelled (the v_sales view); a line's revenue
 * is its total after the volume discount, before order-level discount codes.
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int collect_sales(sqlite3 *db, sqlite3_stmt *st, bs_sales_row **rows, size_t *n,
                         bs_error *err)
{
    *rows = NULL;
    *n = 0;
    if (!st)
        return err ? err->code : BS_ERR_DB;
    size_t cap = 0;
    int rc, result = BS_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        bs_sales_row *grown = bs_grow(*rows, &cap, *n + 1, sizeof **rows);
        if (!grown) {
            result = bs_fail(err, BS_ERR_NOMEM, "out of memory");
            break;
        }
        *rows = grown;
        bs_sales_row *r = &(*rows)[(*n)++];
        r->id = sqlite3_column_int64(st, 0);
        bs_copy_col(st, 1, r->name, sizeof r->name);
        r->units = sqlite3_column_int64(st, 2);
        r->revenue_cents = sqlite3_column_int64(st, 3);
    }
    if (result == BS_OK && rc != SQLITE_DONE)
        result = bs_fail_sql(err, db, "running a report");
    bs_finish(st);
    if (result != BS_OK) {
        free(*rows);
        *rows = NULL;
        *n = 0;
    }
    return result;
}

int bs_report_best_sellers(sqlite3 *db, const char *from, const char *to, size_t limit,
                           bs_sales_row **rows, size_t *n, bs_error *err)
{
    sqlite3_stmt *st = bs_prepare(db, err,
                                  "SELECT s.book_id, b.title, sum(s.qty), sum(s.line_total_cents) "
                                  "FROM v_sales s JOIN books b ON b.id = s.book_id "
                                  "WHERE (?1 IS NULL OR s.placed_at >= ?1) "
                                  "AND (?2 IS NULL OR s.placed_at < ?2) "
                                  "GROUP BY s.book_id ORDER BY 3 DESC, b.title, b.id LIMIT ?3",
                                  "tti", from, to, (int64_t)(limit ? limit : 1000000));
    return collect_sales(db, st, rows, n, err);
}

int bs_report_author_sales(sqlite3 *db, size_t limit, bs_sales_row **rows, size_t *n,
                           bs_error *err)
{
    sqlite3_stmt *st = bs_prepare(db, err,
                                  "SELECT a.id, a.name, sum(s.qty), sum(s.line_total_cents) "
                                  "FROM v_sales s JOIN book_authors ba ON ba.book_id = s.book_id "
                                  "JOIN authors a ON a.id = ba.author_id "
                                  "GROUP BY a.id ORDER BY 3 DESC, a.name, a.id LIMIT ?1",
                                  "i", (int64_t)(limit ? limit : 1000000));
    return collect_sales(db, st, rows, n, err);
}

int bs_report_monthly_revenue(sqlite3 *db, int year, bs_month_row rows[12], bs_error *err)
{
    if (year < 1970 || year > 9998)
        return bs_fail(err, BS_ERR_INVALID, "year %d out of range", year);
    for (int m = 0; m < 12; m++) {
        memset(&rows[m], 0, sizeof rows[m]);
        snprintf(rows[m].month, sizeof rows[m].month, "%04d-%02d", year, m + 1);
    }
    char from[16], to[16];
    snprintf(from, sizeof from, "%04d-01-01", year);
    snprintf(to, sizeof to, "%04d-01-01", year + 1);
    sqlite3_stmt *st = bs_prepare(db, err,
                                  "SELECT CAST(substr(placed_at, 6, 2) AS INTEGER), count(*), "
                                  "sum(total_cents) FROM orders "
                                  "WHERE status IN ('placed', 'paid', 'shipped') "
                                  "AND placed_at >= ? AND placed_at < ? GROUP BY 1",
                                  "tt", from, to);
    if (!st)
        return err ? err->code : BS_ERR_DB;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int month = sqlite3_column_int(st, 0);
        if (month >= 1 && month <= 12) {
            rows[month - 1].orders = sqlite3_column_int64(st, 1);
            rows[month - 1].revenue_cents = sqlite3_column_int64(st, 2);
        }
    }
    int result = rc == SQLITE_DONE ? BS_OK : bs_fail_sql(err, db, "monthly revenue");
    bs_finish(st);
    return result;
}

int bs_report_low_stock(sqlite3 *db, int64_t threshold, bs_book **books, size_t *n,
                        bs_error *err)
{
    *books = NULL;
    *n = 0;
    sqlite3_stmt *st = bs_prepare(db, err,
                                  "SELECT id FROM v_catalog WHERE on_hand <= ? AND discontinued = 0 "
                                  "ORDER BY on_hand, title, id",
                                  "i", threshold);
    if (!st)
        return err ? err->code : BS_ERR_DB;
    size_t cap = 0;
    int rc = SQLITE_DONE, result = BS_OK;
    while (result == BS_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        bs_book *grown = bs_grow(*books, &cap, *n + 1, sizeof **books);
        if (!grown) {
            result = bs_fail(err, BS_ERR_NOMEM, "out of memory");
            break;
        }
        *books = grown;
        result = bs_book_get(db, sqlite3_column_int64(st, 0), &(*books)[*n], err);
        if (result == BS_OK)
            (*n)++;
    }
    if (result == BS_OK && rc != SQLITE_DONE)
        result = bs_fail_sql(err, db, "low stock");
    bs_finish(st);
    if (result != BS_OK) {
        free(*books);
        *books = NULL;
        *n = 0;
    }
    return result;
}

int bs_report_inventory_value(sqlite3 *db, int64_t *cents, bs_error *err)
{
    return bs_query_int(db, err, cents,
                        "SELECT coalesce(sum(s.on_hand * b.price_cents), 0) FROM stock_levels s "
                        "JOIN books b ON b.id = s.book_id",
                        NULL);
}
