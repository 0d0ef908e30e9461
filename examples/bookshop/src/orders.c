/*
 * orders.c — carts and orders.  A cart collects lines (a book and a quantity; prices are
 * captured and shown, with the volume discount for 10+ copies); placing it re-prices every
 * line at the current price, checks and takes the stock, re-checks the discount code at
 * the placement date, and fixes the totals: subtotal - discount + shipping.  Then it can
 * be paid (the exact total), shipped, or cancelled before shipping (stock comes back).
 * Every multi-row change runs in a savepoint, so a failed placement changes nothing.
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct order_head {
    char status[12];
    char country[3];
    char code[32];
} order_head;

static int load_head(sqlite3 *db, int64_t order_id, order_head *h, bs_error *err)
{
    sqlite3_stmt *st = bs_prepare(db, err,
                                  "SELECT o.status, c.country, coalesce(o.discount_code, '') "
                                  "FROM orders o JOIN customers c ON c.id = o.customer_id "
                                  "WHERE o.id = ?",
                                  "i", order_id);
    if (!st)
        return err ? err->code : BS_ERR_DB;
    int rc = sqlite3_step(st), result = BS_OK;
    if (rc == SQLITE_ROW) {
        bs_copy_col(st, 0, h->status, sizeof h->status);
        bs_copy_col(st, 1, h->country, sizeof h->country);
        bs_copy_col(st, 2, h->code, sizeof h->code);
    } else if (rc == SQLITE_DONE) {
        result = bs_fail(err, BS_ERR_NOT_FOUND, "no order %lld", (long long)order_id);
    } else {
        result = bs_fail_sql(err, db, "reading an order");
    }
    bs_finish(st);
    return result;
}

static int require_status(int64_t order_id, const order_head *h, const char *wanted,
                          const char *action, bs_error *err)
{
    if (strcmp(h->status, wanted) == 0)
        return BS_OK;
    return bs_fail(err, BS_ERR_ORDER_STATE, "order %lld is %s: only a %s order can be %s",
                   (long long)order_id, h->status, wanted, action);
}

/* qty × unit, less the volume discount for lines of BS_VOLUME_QTY copies or more. */
static int64_t line_total(int qty, int64_t unit_cents)
{
    int64_t gross = (int64_t)qty * unit_cents;
    return qty >= BS_VOLUME_QTY ? gross - bs_percent_of(gross, BS_VOLUME_DISCOUNT_BP) : gross;
}

/* ---- discounts ---------------------------------------------------------------------- */

typedef struct discount {
    char code[32];
    char kind[8];
    int64_t value, min_subtotal, uses, max_uses; /* max_uses -1 = unlimited */
    char from[11], until[11];
} discount;

static int load_discount(sqlite3 *db, const char *code, discount *d, bs_error *err)
{
    sqlite3_stmt *st = bs_prepare(db, err,
                                  "SELECT code, kind, value, min_subtotal_cents, uses, "
                                  "coalesce(max_uses, -1), coalesce(valid_from, ''), "
                                  "coalesce(valid_until, '') FROM discounts WHERE code = trim(?)",
                                  "t", code);
    if (!st)
        return err ? err->code : BS_ERR_DB;
    int rc = sqlite3_step(st), result = BS_OK;
    if (rc == SQLITE_ROW) {
        bs_copy_col(st, 0, d->code, sizeof d->code);
        bs_copy_col(st, 1, d->kind, sizeof d->kind);
        d->value = sqlite3_column_int64(st, 2);
        d->min_subtotal = sqlite3_column_int64(st, 3);
        d->uses = sqlite3_column_int64(st, 4);
        d->max_uses = sqlite3_column_int64(st, 5);
        bs_copy_col(st, 6, d->from, sizeof d->from);
        bs_copy_col(st, 7, d->until, sizeof d->until);
    } else if (rc == SQLITE_DONE) {
        result = bs_fail(err, BS_ERR_DISCOUNT_UNKNOWN, "unknown discount code \"%s\"", code);
    } else {
        result = bs_fail_sql(err, db, "reading a discount");
    }
    bs_finish(st);
    return result;
}

/* Checks a code for an order dated date ("YYYY-MM-DD") with this subtotal. */
static int check_discount(const discount *d, const char *date, int64_t subtotal, bs_error *err)
{
    if ((d->from[0] && strcmp(date, d->from) < 0) || (d->until[0] && strcmp(date, d->until) > 0))
        return bs_fail(err, BS_ERR_DISCOUNT_EXPIRED, "discount %s is valid from %s until %s, not on %s",
                       d->code, d->from[0] ? d->from : "the start", d->until[0] ? d->until : "the end",
                       date);
    if (d->max_uses >= 0 && d->uses >= d->max_uses)
        return bs_fail(err, BS_ERR_DISCOUNT_EXHAUSTED, "discount %s has been used %lld times already",
                       d->code, (long long)d->uses);
    if (subtotal < d->min_subtotal) {
        char need[32], have[32];
        return bs_fail(err, BS_ERR_DISCOUNT_MIN_TOTAL,
                       "discount %s needs a subtotal of at least %s (this order: %s)", d->code,
                       bs_money_format(d->min_subtotal, need, sizeof need),
                       bs_money_format(subtotal, have, sizeof have));
    }
    return BS_OK;
}

static int64_t discount_amount(const discount *d, int64_t subtotal)
{
    int64_t amount = strcmp(d->kind, "percent") == 0 ? bs_percent_of(subtotal, (int)d->value)
                                                     : d->value;
    return amount > subtotal ? subtotal : amount;
}

/* ---- totals --------------------------------------------------------------------------- */

int bs_shipping_for(sqlite3 *db, const char *country, int64_t discounted_subtotal,
                    int64_t *cents, bs_error *err)
{
    sqlite3_stmt *st = bs_prepare(db, err,
                                  "SELECT base_cents, free_over_cents FROM shipping_rates "
                                  "WHERE country IN (?, '*') ORDER BY country = '*' LIMIT 1",
                                  "t", country ? country : "");
    if (!st)
        return err ? err->code : BS_ERR_DB;
    int rc = sqlite3_step(st), result = BS_OK;
    if (rc == SQLITE_ROW) {
        int free_applies = sqlite3_column_type(st, 1) != SQLITE_NULL &&
                           discounted_subtotal >= sqlite3_column_int64(st, 1);
        *cents = free_applies ? 0 : sqlite3_column_int64(st, 0);
    } else if (rc == SQLITE_DONE) {
        result = bs_fail(err, BS_ERR_INVALID, "no shipping rate for %s and no default", country);
    } else {
        result = bs_fail_sql(err, db, "reading shipping rates");
    }
    bs_finish(st);
    return result;
}

/* Recomputes an order's amounts.  strict: a discount that does not apply is an error;
 * otherwise (a cart's preview) it just counts as zero. */
static int compute_totals(sqlite3 *db, int64_t order_id, const order_head *h, const char *date,
                          int strict, bs_error *err)
{
    int64_t subtotal = 0, n_lines = 0, discount_cents = 0, shipping = 0;
    int rc = bs_query_int(db, err, &subtotal,
                          "SELECT coalesce(sum(line_total_cents), 0) FROM order_lines "
                          "WHERE order_id = ?",
                          "i", order_id);
    if (rc == BS_OK)
        rc = bs_query_int(db, err, &n_lines, "SELECT count(*) FROM order_lines WHERE order_id = ?",
                          "i", order_id);
    if (rc == BS_OK && h->code[0]) {
        discount d;
        rc = load_discount(db, h->code, &d, err);
        if (rc == BS_OK) {
            bs_error ignored;
            int applies = check_discount(&d, date, subtotal, strict ? err : &ignored);
            if (applies == BS_OK)
                discount_cents = discount_amount(&d, subtotal);
            else if (strict)
                rc = applies;
        }
    }
    if (rc == BS_OK && n_lines > 0)
        rc = bs_shipping_for(db, h->country, subtotal - discount_cents, &shipping, err);
    if (rc != BS_OK)
        return rc;
    return bs_execf(db, err, "updating order totals",
                    "UPDATE orders SET subtotal_cents = ?, discount_cents = ?, shipping_cents = ?, "
                    "total_cents = ? WHERE id = ?",
                    "iiiii", subtotal, discount_cents, shipping,
                    subtotal - discount_cents + shipping, order_id);
}

static void today_date(sqlite3 *db, char out[11])
{
    out[0] = '\0';
    sqlite3_stmt *st = bs_prepare(db, NULL, "SELECT date('now')", NULL);
    if (st && sqlite3_step(st) == SQLITE_ROW)
        bs_copy_col(st, 0, out, 11);
    bs_finish(st);
}

/* A cart's totals after a change, with the discount as of today (zero if it does not
 * apply yet: placing the order will say why). */
static int refresh_cart(sqlite3 *db, int64_t order_id, bs_error *err)
{
    order_head h;
    int rc = load_head(db, order_id, &h, err);
    if (rc != BS_OK)
        return rc;
    char date[11];
    today_date(db, date);
    return compute_totals(db, order_id, &h, date, 0, err);
}

/* ---- carts ---------------------------------------------------------------------------- */

int bs_order_create(sqlite3 *db, int64_t customer_id, int64_t *order_id, bs_error *err)
{
    bs_customer c;
    int rc = bs_customer_get(db, customer_id, &c, err);
    if (rc != BS_OK)
        return rc;
    rc = bs_execf(db, err, "creating an order", "INSERT INTO orders (customer_id) VALUES (?)", "i",
                  customer_id);
    if (rc == BS_OK)
        *order_id = sqlite3_last_insert_rowid(db);
    return rc;
}

static int check_orderable(sqlite3 *db, int64_t book_id, int64_t *price, bs_error *err)
{
    bs_book b;
    int rc = bs_book_get(db, book_id, &b, err);
    if (rc != BS_OK)
        return rc;
    if (b.discontinued)
        return bs_fail(err, BS_ERR_DISCONTINUED, "book %s \"%s\" is discontinued", b.isbn, b.title);
    *price = b.price_cents;
    return BS_OK;
}

static int upsert_line(sqlite3 *db, int64_t order_id, int64_t book_id, int qty, int64_t price,
                       bs_error *err)
{
    int64_t existing = 0;
    int rc = bs_query_int(db, err, &existing,
                          "SELECT coalesce((SELECT qty FROM order_lines WHERE order_id = ? AND "
                          "book_id = ?), 0)",
                          "ii", order_id, book_id);
    if (rc != BS_OK)
        return rc;
    int total_qty = (int)existing + qty;
    if (total_qty > BS_MAX_LINE_QTY)
        return bs_fail(err, BS_ERR_INVALID_QUANTITY,
                       "order %lld: at most %d copies of one book (would be %d)",
                       (long long)order_id, BS_MAX_LINE_QTY, total_qty);
    return bs_execf(db, err, "adding an order line",
                    "INSERT INTO order_lines (order_id, book_id, qty, unit_price_cents, "
                    "line_total_cents) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (order_id, book_id) "
                    "DO UPDATE SET qty = ?3, unit_price_cents = ?4, line_total_cents = ?5",
                    "iidii", order_id, book_id, total_qty, price, line_total(total_qty, price));
}

int bs_order_add_line(sqlite3 *db, int64_t order_id, int64_t book_id, int qty, bs_error *err)
{
    if (qty < 1 || qty > BS_MAX_LINE_QTY)
        return bs_fail(err, BS_ERR_INVALID_QUANTITY, "order %lld: quantity %d not in 1..%d",
                       (long long)order_id, qty, BS_MAX_LINE_QTY);
    order_head h;
    int64_t price = 0;
    int rc = load_head(db, order_id, &h, err);
    if (rc == BS_OK)
        rc = require_status(order_id, &h, "cart", "changed", err);
    if (rc == BS_OK)
        rc = check_orderable(db, book_id, &price, err);
    if (rc != BS_OK)
        return rc;
    if ((rc = bs_savepoint(db, "add_line", err)) != BS_OK)
        return rc;
    rc = upsert_line(db, order_id, book_id, qty, price, err);
    if (rc == BS_OK)
        rc = refresh_cart(db, order_id, err);
    if (rc == BS_OK)
        return bs_release(db, "add_line", err);
    bs_rollback_to(db, "add_line");
    return rc;
}

int bs_order_remove_line(sqlite3 *db, int64_t order_id, int64_t book_id, bs_error *err)
{
    order_head h;
    int rc = load_head(db, order_id, &h, err);
    if (rc == BS_OK)
        rc = require_status(order_id, &h, "cart", "changed", err);
    if (rc != BS_OK)
        return rc;
    if ((rc = bs_savepoint(db, "remove_line", err)) != BS_OK)
        return rc;
    rc = bs_execf(db, err, "removing an order line",
                  "DELETE FROM order_lines WHERE order_id = ? AND book_id = ?", "ii", order_id,
                  book_id);
    if (rc == BS_OK && sqlite3_changes(db) == 0)
        rc = bs_fail(err, BS_ERR_NOT_FOUND, "order %lld has no line for book %lld",
                     (long long)order_id, (long long)book_id);
    if (rc == BS_OK)
        rc = refresh_cart(db, order_id, err);
    if (rc == BS_OK)
        return bs_release(db, "remove_line", err);
    bs_rollback_to(db, "remove_line");
    return rc;
}

static int set_discount_code(sqlite3 *db, int64_t order_id, const char *code, discount *d,
                             bs_error *err)
{
    int rc = load_discount(db, code, d, err);
    if (rc != BS_OK)
        return rc;
    return bs_execf(db, err, "attaching a discount", "UPDATE orders SET discount_code = ? WHERE id = ?",
                    "ti", d->code, order_id);
}

int bs_order_apply_discount(sqlite3 *db, int64_t order_id, const char *code, bs_error *err)
{
    order_head h;
    int64_t subtotal = 0;
    int rc = load_head(db, order_id, &h, err);
    if (rc == BS_OK)
        rc = require_status(order_id, &h, "cart", "changed", err);
    if (rc == BS_OK)
        rc = bs_query_int(db, err, &subtotal, "SELECT subtotal_cents FROM orders WHERE id = ?",
                          "i", order_id);
    discount d;
    if (rc == BS_OK)
        rc = load_discount(db, code ? code : "", &d, err);
    if (rc == BS_OK) {
        char today[11];
        today_date(db, today);
        rc = check_discount(&d, today, subtotal, err);
    }
    if (rc != BS_OK)
        return rc;
    if ((rc = bs_savepoint(db, "apply_discount", err)) != BS_OK)
        return rc;
    rc = set_discount_code(db, order_id, code, &d, err);
    if (rc == BS_OK)
        rc = refresh_cart(db, order_id, err);
    if (rc == BS_OK)
        return bs_release(db, "apply_discount", err);
    bs_rollback_to(db, "apply_discount");
    return rc;
}

/* ---- placing -------------------------------------------------------------------------- */

typedef struct pending_line {
    int64_t book_id;
    int qty;
    int64_t price;
} pending_line;

typedef struct pending_lines {
    pending_line *items;
    size_t n, cap;
} pending_lines;

/* Reads the lines with each book's current price, refusing discontinued books and lines
 * the stock cannot cover (the ledger trigger would refuse them too; this names the book). */
static int collect_lines(sqlite3 *db, int64_t order_id, pending_lines *out, bs_error *err)
{
    sqlite3_stmt *st = bs_prepare(db, err,
                                  "SELECT l.book_id, l.qty, b.price_cents, b.discontinued, b.isbn, "
                                  "b.title, s.on_hand FROM order_lines l "
                                  "JOIN books b ON b.id = l.book_id "
                                  "JOIN stock_levels s ON s.book_id = l.book_id "
                                  "WHERE l.order_id = ? ORDER BY l.book_id",
                                  "i", order_id);
    if (!st)
        return err ? err->code : BS_ERR_DB;
    int rc, result = BS_OK;
    while (result == BS_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        pending_line line = {sqlite3_column_int64(st, 0), sqlite3_column_int(st, 1),
                             sqlite3_column_int64(st, 2)};
        const char *isbn = (const char *)sqlite3_column_text(st, 4);
        const char *title = (const char *)sqlite3_column_text(st, 5);
        int64_t on_hand = sqlite3_column_int64(st, 6);
        if (sqlite3_column_int(st, 3))
            result = bs_fail(err, BS_ERR_DISCONTINUED, "book %s \"%s\" is discontinued", isbn,
                             title);
        else if (on_hand < line.qty)
            result = bs_fail(err, BS_ERR_OUT_OF_STOCK,
                             "book %s \"%s\": %d ordered, %lld on hand", isbn, title, line.qty,
                             (long long)on_hand);
        else if (!(out->items = bs_grow(out->items, &out->cap, out->n + 1, sizeof line)))
            result = bs_fail(err, BS_ERR_NOMEM, "out of memory");
        else
            out->items[out->n++] = line;
    }
    if (result == BS_OK && rc != SQLITE_DONE)
        result = bs_fail_sql(err, db, "reading order lines");
    bs_finish(st);
    return result;
}

static int take_stock(sqlite3 *db, int64_t order_id, const pending_lines *lines, bs_error *err)
{
    for (size_t i = 0; i < lines->n; i++) {
        const pending_line *l = &lines->items[i];
        int rc = bs_execf(db, err, "re-pricing a line",
                          "UPDATE order_lines SET unit_price_cents = ?, line_total_cents = ? "
                          "WHERE order_id = ? AND book_id = ?",
                          "iiii", l->price, line_total(l->qty, l->price), order_id, l->book_id);
        if (rc == BS_OK)
            rc = bs_execf(db, err, "taking stock",
                          "INSERT INTO stock_movements (book_id, delta, reason, order_id) "
                          "VALUES (?, ?, 'sale', ?)",
                          "idi", l->book_id, -l->qty, order_id);
        if (rc != BS_OK)
            return rc;
    }
    return BS_OK;
}

/* placed_at (NULL = now) as "YYYY-MM-DD HH:MM:SS"; BS_ERR_INVALID when SQLite cannot read it. */
static int normalize_time(sqlite3 *db, const char *placed_at, char out[20], bs_error *err)
{
    sqlite3_stmt *st = bs_prepare(db, err, "SELECT datetime(coalesce(?, 'now'))", "t", placed_at);
    if (!st)
        return err ? err->code : BS_ERR_DB;
    int rc = BS_OK;
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
        bs_copy_col(st, 0, out, 20);
    else
        rc = bs_fail(err, BS_ERR_INVALID, "\"%s\" is not a date and time", placed_at);
    bs_finish(st);
    return rc;
}

static int place_in_savepoint(sqlite3 *db, int64_t order_id, const order_head *h,
                              const char *when, bs_error *err)
{
    pending_lines lines = {0};
    int rc = collect_lines(db, order_id, &lines, err);
    if (rc == BS_OK && lines.n == 0)
        rc = bs_fail(err, BS_ERR_EMPTY_ORDER, "order %lld has no lines", (long long)order_id);
    if (rc == BS_OK)
        rc = take_stock(db, order_id, &lines, err);
    free(lines.items);
    char date[11];
    snprintf(date, sizeof date, "%.10s", when);
    if (rc == BS_OK)
        rc = compute_totals(db, order_id, h, date, 1, err);
    if (rc == BS_OK)
        rc = bs_execf(db, err, "placing an order",
                      "UPDATE orders SET status = 'placed', placed_at = ? WHERE id = ?", "ti", when,
                      order_id);
    if (rc == BS_OK && h->code[0])
        rc = bs_execf(db, err, "counting a discount use",
                      "UPDATE discounts SET uses = uses + 1 WHERE code = ?", "t", h->code);
    return rc;
}

int bs_order_place(sqlite3 *db, int64_t order_id, const char *placed_at, bs_error *err)
{
    order_head h;
    char when[20];
    int rc = load_head(db, order_id, &h, err);
    if (rc == BS_OK)
        rc = require_status(order_id, &h, "cart", "placed", err);
    if (rc == BS_OK)
        rc = normalize_time(db, placed_at, when, err);
    if (rc != BS_OK)
        return rc;
    if ((rc = bs_savepoint(db, "place_order", err)) != BS_OK)
        return rc;
    rc = place_in_savepoint(db, order_id, &h, when, err);
    if (rc == BS_OK)
        return bs_release(db, "place_order", err);
    bs_rollback_to(db, "place_order");
    return rc;
}

/* ---- after placing ------------------------------------------------------------------------ */

int bs_order_pay(sqlite3 *db, int64_t order_id, int64_t amount_cents, bs_error *err)
{
    order_head h;
    int64_t total = 0;
    int rc = load_head(db, order_id, &h, err);
    if (rc == BS_OK)
        rc = require_status(order_id, &h, "placed", "paid", err);
    if (rc == BS_OK)
        rc = bs_query_int(db, err, &total, "SELECT total_cents FROM orders WHERE id = ?", "i",
                          order_id);
    if (rc != BS_OK)
        return rc;
    if (amount_cents != total) {
        char paid[32], due[32];
        return bs_fail(err, BS_ERR_PAYMENT_MISMATCH, "order %lld: paid %s, the total is %s",
                       (long long)order_id, bs_money_format(amount_cents, paid, sizeof paid),
                       bs_money_format(total, due, sizeof due));
    }
    return bs_execf(db, err, "paying an order",
                    "UPDATE orders SET status = 'paid', paid_at = datetime('now') WHERE id = ?", "i",
                    order_id);
}

int bs_order_ship(sqlite3 *db, int64_t order_id, bs_error *err)
{
    order_head h;
    int rc = load_head(db, order_id, &h, err);
    if (rc == BS_OK)
        rc = require_status(order_id, &h, "paid", "shipped", err);
    if (rc != BS_OK)
        return rc;
    return bs_execf(db, err, "shipping an order",
                    "UPDATE orders SET status = 'shipped', shipped_at = datetime('now') WHERE id = ?",
                    "i", order_id);
}

static int give_back(sqlite3 *db, int64_t order_id, const order_head *h, bs_error *err)
{
    int rc = bs_execf(db, err, "returning stock",
                      "INSERT INTO stock_movements (book_id, delta, reason, order_id) "
                      "SELECT book_id, qty, 'cancel', order_id FROM order_lines WHERE order_id = ?",
                      "i", order_id);
    if (rc == BS_OK && h->code[0])
        rc = bs_execf(db, err, "releasing a discount use",
                      "UPDATE discounts SET uses = max(uses - 1, 0) WHERE code = ?", "t", h->code);
    return rc;
}

int bs_order_cancel(sqlite3 *db, int64_t order_id, bs_error *err)
{
    order_head h;
    int rc = load_head(db, order_id, &h, err);
    if (rc != BS_OK)
        return rc;
    int is_cart = strcmp(h.status, "cart") == 0;
    if (!is_cart && strcmp(h.status, "placed") != 0 && strcmp(h.status, "paid") != 0)
        return bs_fail(err, BS_ERR_ORDER_STATE, "order %lld is %s and can no longer be cancelled",
                       (long long)order_id, h.status);
    if ((rc = bs_savepoint(db, "cancel_order", err)) != BS_OK)
        return rc;
    if (!is_cart)
        rc = give_back(db, order_id, &h, err);
    if (rc == BS_OK)
        rc = bs_execf(db, err, "cancelling an order",
                      "UPDATE orders SET status = 'cancelled', cancelled_at = datetime('now') "
                      "WHERE id = ?",
                      "i", order_id);
    if (rc == BS_OK)
        return bs_release(db, "cancel_order", err);
    bs_rollback_to(db, "cancel_order");
    return rc;
}

int bs_order_get(sqlite3 *db, int64_t order_id, bs_order *out, bs_error *err)
{
    sqlite3_stmt *st = bs_prepare(db, err,
                                  "SELECT id, customer_id, status, coalesce(placed_at, ''), "
                                  "coalesce(discount_code, ''), subtotal_cents, discount_cents, "
                                  "shipping_cents, total_cents, "
                                  "(SELECT count(*) FROM order_lines WHERE order_id = o.id), "
                                  "(SELECT coalesce(sum(qty), 0) FROM order_lines "
                                  "WHERE order_id = o.id) FROM orders o WHERE id = ?",
                                  "i", order_id);
    if (!st)
        return err ? err->code : BS_ERR_DB;
    int rc = sqlite3_step(st), result = BS_OK;
    if (rc == SQLITE_ROW) {
        memset(out, 0, sizeof *out);
        out->id = sqlite3_column_int64(st, 0);
        out->customer_id = sqlite3_column_int64(st, 1);
        bs_copy_col(st, 2, out->status, sizeof out->status);
        bs_copy_col(st, 3, out->placed_at, sizeof out->placed_at);
        bs_copy_col(st, 4, out->discount_code, sizeof out->discount_code);
        out->subtotal_cents = sqlite3_column_int64(st, 5);
        out->discount_cents = sqlite3_column_int64(st, 6);
        out->shipping_cents = sqlite3_column_int64(st, 7);
        out->total_cents = sqlite3_column_int64(st, 8);
        out->n_lines = sqlite3_column_int(st, 9);
        out->n_items = sqlite3_column_int64(st, 10);
    } else if (rc == SQLITE_DONE) {
        result = bs_fail(err, BS_ERR_NOT_FOUND, "no order %lld", (long long)order_id);
    } else {
        result = bs_fail_sql(err, db, "reading an order");
    }
    bs_finish(st);
    return result;
}

static int quick_in_savepoint(sqlite3 *db, int64_t customer_id, const bs_line *lines, size_t n,
                              const char *code, const char *placed_at, int64_t *order_id,
                              bs_error *err)
{
    int rc = bs_order_create(db, customer_id, order_id, err);
    for (size_t i = 0; rc == BS_OK && i < n; i++)
        rc = bs_order_add_line(db, *order_id, lines[i].book_id, lines[i].qty, err);
    discount d;
    if (rc == BS_OK && code)
        rc = set_discount_code(db, *order_id, code, &d, err);
    if (rc == BS_OK)
        rc = bs_order_place(db, *order_id, placed_at, err);
    return rc;
}

int bs_order_quick(sqlite3 *db, int64_t customer_id, const bs_line *lines, size_t n,
                   const char *code, const char *placed_at, int64_t *order_id, bs_error *err)
{
    int64_t id = 0;
    int rc = bs_savepoint(db, "quick_order", err);
    if (rc != BS_OK)
        return rc;
    rc = quick_in_savepoint(db, customer_id, lines, n, code, placed_at, &id, err);
    if (rc == BS_OK)
        rc = bs_release(db, "quick_order", err);
    if (rc != BS_OK) {
        bs_rollback_to(db, "quick_order");
        return rc;
    }
    if (order_id)
        *order_id = id;
    return BS_OK;
}
