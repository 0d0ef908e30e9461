/*
 * inventory.c — stock.  Every change is a row of the stock_movements ledger; the schema's
 * triggers keep stock_levels.on_hand equal to the ledger's sum and refuse a movement that
 * would take it below zero ('out_of_stock').  Sales and cancellations are written by
 * orders.c; this file does receipts, corrections and queries.
 */
#include "internal.h"

#include <stdio.h>

static int book_exists(sqlite3 *db, int64_t book_id, bs_error *err)
{
    int64_t one = 0;
    int rc = bs_query_int(db, err, &one, "SELECT 1 FROM books WHERE id = ?", "i", book_id);
    if (rc == BS_ERR_NOT_FOUND)
        return bs_fail(err, rc, "no book %lld", (long long)book_id);
    return rc;
}

int bs_stock_receive(sqlite3 *db, int64_t book_id, int qty, bs_error *err)
{
    if (qty <= 0)
        return bs_fail(err, BS_ERR_INVALID_QUANTITY, "book %lld: cannot receive %d copies",
                       (long long)book_id, qty);
    int rc = book_exists(db, book_id, err);
    if (rc != BS_OK)
        return rc;
    return bs_execf(db, err, "receiving stock",
                    "INSERT INTO stock_movements (book_id, delta, reason) VALUES (?, ?, 'receive')",
                    "id", book_id, qty);
}

int bs_stock_adjust(sqlite3 *db, int64_t book_id, int delta, const char *note, bs_error *err)
{
    if (delta == 0)
        return bs_fail(err, BS_ERR_INVALID_QUANTITY, "book %lld: an adjustment of 0",
                       (long long)book_id);
    if (!note || !*note)
        return bs_fail(err, BS_ERR_INVALID, "book %lld: an adjustment needs a note",
                       (long long)book_id);
    int rc = book_exists(db, book_id, err);
    if (rc != BS_OK)
        return rc;
    rc = bs_execf(db, err, "adjusting stock",
                  "INSERT INTO stock_movements (book_id, delta, reason, note) "
                  "VALUES (?, ?, 'adjust', ?)",
                  "idt", book_id, delta, note);
    if (rc == BS_ERR_OUT_OF_STOCK)
        return bs_fail(err, rc, "book %lld: an adjustment of %d would leave negative stock",
                       (long long)book_id, delta);
    return rc;
}

int bs_stock_on_hand(sqlite3 *db, int64_t book_id, int64_t *on_hand, bs_error *err)
{
    int rc = bs_query_int(db, err, on_hand, "SELECT on_hand FROM stock_levels WHERE book_id = ?",
                          "i", book_id);
    if (rc == BS_ERR_NOT_FOUND)
        return bs_fail(err, rc, "no book %lld", (long long)book_id);
    return rc;
}

int bs_stock_ledger_sum(sqlite3 *db, int64_t book_id, int64_t *sum, bs_error *err)
{
    return bs_query_int(db, err, sum,
                        "SELECT coalesce(sum(delta), 0) FROM stock_movements WHERE book_id = ?",
                        "i", book_id);
}
