/*
 * t_schema.c — the rules the schema enforces by itself, below the application: CHECK
 * constraints, foreign keys, the triggers of the stock ledger, price history and order
 * status flow, and the views.  Plain SQL against the worker's clone, rolled back.
 */
#include "common.h"

#include <stdio.h>
#include <string.h>

/* Runs SQL that the schema must refuse; returns SQLite's message. */
static const char *refused(sqlite3 *db, const char *sql)
{
    static char msg[512];
    char *err = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &err);
    snprintf(msg, sizeof msg, "%s", err ? err : "");
    sqlite3_free(err);
    if (rc == SQLITE_OK)
        FL_FAIL("the schema accepted: %s", sql);
    if ((rc & 0xff) != SQLITE_CONSTRAINT)
        FL_FAIL("expected a constraint error, got %d (%s) for: %s", rc, msg, sql);
    return msg;
}

static void insert_book_sql(sqlite3 *db, const char *isbn, const char *title, int price)
{
    sql_exec(db, "INSERT INTO books (isbn, title, genre, price_cents) VALUES (%Q, %Q, 'fiction', %d)",
             isbn, title, price);
}

/* ---- constraints ---------------------------------------------------------------------- */

FL_TEST(schema_constraints, isbn_must_be_thirteen_digits)
{
    sqlite3 *db = open_test_db();
    FL_ASSERT_CONTAINS(refused(db, "INSERT INTO books (isbn, title, genre, price_cents) "
                                   "VALUES ('12345', 'Short', 'fiction', 100)"),
                       "CHECK constraint failed");
    refused(db, "INSERT INTO books (isbn, title, genre, price_cents) "
                "VALUES ('978030640615X', 'Letter', 'fiction', 100)");
    close_test_db(db);
}

FL_TEST(schema_constraints, isbn_is_unique)
{
    sqlite3 *db = open_test_db();
    const char *isbn = sql_text(db, "SELECT isbn FROM books WHERE title = 'Dune'");
    char copy[14];
    snprintf(copy, sizeof copy, "%s", isbn);
    char sql[256];
    snprintf(sql, sizeof sql,
             "INSERT INTO books (isbn, title, genre, price_cents) VALUES ('%s', 'Dune 2', "
             "'scifi', 100)",
             copy);
    FL_ASSERT_CONTAINS(refused(db, sql), "UNIQUE constraint failed: books.isbn");
    close_test_db(db);
}

FL_TEST(schema_constraints, price_cannot_be_negative)
{
    sqlite3 *db = open_test_db();
    refused(db, "UPDATE books SET price_cents = -1 WHERE title = 'Dune'");
    close_test_db(db);
}

FL_TEST(schema_constraints, genre_must_exist)
{
    sqlite3 *db = open_test_db();
    FL_ASSERT_CONTAINS(refused(db, "UPDATE books SET genre = 'astrology' WHERE title = 'Dune'"),
                       "FOREIGN KEY");
    close_test_db(db);
}

FL_TEST(schema_constraints, title_cannot_be_blank)
{
    sqlite3 *db = open_test_db();
    refused(db, "UPDATE books SET title = '   ' WHERE title = 'Dune'");
    close_test_db(db);
}

FL_TEST(schema_constraints, customer_email_must_look_like_one)
{
    sqlite3 *db = open_test_db();
    refused(db, "INSERT INTO customers (name, email, country) VALUES ('N', 'nobody', 'DE')");
    refused(db, "INSERT INTO customers (name, email, country) VALUES ('N', 'a@b', 'DE')");
    close_test_db(db);
}

FL_TEST(schema_constraints, customer_email_unique_ignoring_case)
{
    sqlite3 *db = open_test_db();
    FL_ASSERT_CONTAINS(refused(db, "INSERT INTO customers (name, email, country) "
                                   "VALUES ('Alice 2', 'ALICE@example.com', 'DE')"),
                       "UNIQUE");
    close_test_db(db);
}

FL_TEST(schema_constraints, country_is_two_capitals)
{
    sqlite3 *db = open_test_db();
    refused(db, "INSERT INTO customers (name, email, country) VALUES ('N', 'n@x.org', 'de')");
    refused(db, "INSERT INTO customers (name, email, country) VALUES ('N', 'n@x.org', 'DEU')");
    refused(db, "INSERT INTO customers (name, email, country) VALUES ('N', 'n@x.org', 'D1')");
    close_test_db(db);
}

FL_TEST(schema_constraints, order_total_must_add_up)
{
    sqlite3 *db = open_test_db();
    int64_t id = sql_int(db, "SELECT min(id) FROM orders WHERE status = 'shipped'");
    char sql[128];
    snprintf(sql, sizeof sql, "UPDATE orders SET total_cents = total_cents + 1 WHERE id = %lld",
             (long long)id);
    refused(db, sql);
    close_test_db(db);
}

FL_TEST(schema_constraints, discount_at_most_the_subtotal)
{
    sqlite3 *db = open_test_db();
    int64_t id = sql_int(db, "SELECT min(id) FROM orders WHERE status = 'shipped'");
    char sql[256];
    snprintf(sql, sizeof sql,
             "UPDATE orders SET discount_cents = subtotal_cents + 1, total_cents = "
             "shipping_cents - 1 WHERE id = %lld",
             (long long)id);
    refused(db, sql);
    close_test_db(db);
}

FL_TEST(schema_constraints, line_quantity_between_1_and_99)
{
    sqlite3 *db = open_test_db();
    int64_t cart = 0, book = fx_book(db, "Dune");
    OK(bs_order_create(db, fx_customer(db, "alice@example.com"), &cart, &terr));
    char sql[256];
    snprintf(sql, sizeof sql,
             "INSERT INTO order_lines VALUES (%lld, %lld, 0, 100, 0)", (long long)cart,
             (long long)book);
    refused(db, sql);
    snprintf(sql, sizeof sql,
             "INSERT INTO order_lines VALUES (%lld, %lld, 100, 100, 10000)", (long long)cart,
             (long long)book);
    refused(db, sql);
    close_test_db(db);
}

FL_TEST(schema_constraints, percent_discount_at_most_100)
{
    sqlite3 *db = open_test_db();
    refused(db, "INSERT INTO discounts (code, kind, value) VALUES ('TOOMUCH', 'percent', 10001)");
    sql_exec(db, "INSERT INTO discounts (code, kind, value) VALUES ('ALL', 'percent', 10000)");
    close_test_db(db);
}

FL_TEST(schema_constraints, movement_sign_matches_reason)
{
    sqlite3 *db = open_test_db();
    int64_t book = fx_book(db, "Dune");
    char sql[256];
    snprintf(sql, sizeof sql,
             "INSERT INTO stock_movements (book_id, delta, reason) VALUES (%lld, 5, 'sale')",
             (long long)book);
    refused(db, sql);
    snprintf(sql, sizeof sql,
             "INSERT INTO stock_movements (book_id, delta, reason) VALUES (%lld, -5, 'receive')",
             (long long)book);
    refused(db, sql);
    snprintf(sql, sizeof sql,
             "INSERT INTO stock_movements (book_id, delta, reason) VALUES (%lld, 0, 'adjust')",
             (long long)book);
    refused(db, sql);
    close_test_db(db);
}

/* ---- triggers ----------------------------------------------------------------------------- */

FL_TEST(schema_triggers, new_book_gets_a_zero_stock_level)
{
    sqlite3 *db = open_test_db();
    insert_book_sql(db, new_isbn(), "Raw Insert", 100);
    int64_t id = sqlite3_last_insert_rowid(db);
    FL_ASSERT_EQ_INT(sql_int(db, "SELECT on_hand FROM stock_levels WHERE book_id = %lld",
                             (long long)id),
                     0);
    close_test_db(db);
}

FL_TEST(schema_triggers, movements_move_the_level)
{
    sqlite3 *db = open_test_db();
    int64_t id = new_book(db, "Ledger", 100, 0);
    sql_exec(db, "INSERT INTO stock_movements (book_id, delta, reason) VALUES (%lld, 7, 'receive')",
             (long long)id);
    sql_exec(db, "INSERT INTO stock_movements (book_id, delta, reason, note) "
                 "VALUES (%lld, -2, 'adjust', 'damaged')",
             (long long)id);
    FL_ASSERT_EQ_INT(sql_int(db, "SELECT on_hand FROM stock_levels WHERE book_id = %lld",
                             (long long)id),
                     5);
    close_test_db(db);
}

FL_TEST(schema_triggers, overdraw_refused_as_out_of_stock)
{
    sqlite3 *db = open_test_db();
    int64_t id = new_book(db, "Scarce", 100, 3);
    char sql[256];
    snprintf(sql, sizeof sql,
             "INSERT INTO stock_movements (book_id, delta, reason) VALUES (%lld, -4, 'sale')",
             (long long)id);
    FL_ASSERT_CONTAINS(refused(db, sql), "out_of_stock");
    FL_ASSERT_EQ_INT(sql_int(db, "SELECT on_hand FROM stock_levels WHERE book_id = %lld",
                             (long long)id),
                     3);
    close_test_db(db);
}

FL_TEST(schema_triggers, ledger_rows_cannot_be_updated)
{
    sqlite3 *db = open_test_db();
    FL_ASSERT_CONTAINS(refused(db, "UPDATE stock_movements SET delta = 1000 WHERE id = "
                                   "(SELECT min(id) FROM stock_movements)"),
                       "append-only");
    close_test_db(db);
}

FL_TEST(schema_triggers, ledger_rows_cannot_be_deleted)
{
    sqlite3 *db = open_test_db();
    FL_ASSERT_CONTAINS(refused(db, "DELETE FROM stock_movements WHERE id = "
                                   "(SELECT max(id) FROM stock_movements)"),
                       "append-only");
    close_test_db(db);
}

FL_TEST(schema_triggers, price_change_is_recorded)
{
    sqlite3 *db = open_test_db();
    int64_t id = new_book(db, "Priced", 1000, 0);
    sql_exec(db, "UPDATE books SET price_cents = 1250 WHERE id = %lld", (long long)id);
    sql_exec(db, "UPDATE books SET price_cents = 1250 WHERE id = %lld", (long long)id);
    sql_exec(db, "UPDATE books SET title = 'Priced Again' WHERE id = %lld", (long long)id);
    FL_ASSERT_EQ_INT(sql_int(db, "SELECT count(*) FROM price_history WHERE book_id = %lld",
                             (long long)id),
                     1);
    FL_ASSERT_EQ_STR(sql_text(db, "SELECT old_cents || '->' || new_cents FROM price_history "
                                  "WHERE book_id = %lld",
                              (long long)id),
                     "1000->1250");
    close_test_db(db);
}

FL_TEST(schema_triggers, discontinued_book_stays_discontinued)
{
    sqlite3 *db = open_test_db();
    FL_ASSERT_CONTAINS(refused(db, "UPDATE books SET discontinued = 0 "
                                   "WHERE title = 'Out of Print Classic'"),
                       "cannot be re-listed");
    close_test_db(db);
}

FL_TEST(schema_triggers, placed_order_lines_are_frozen)
{
    sqlite3 *db = open_test_db();
    int64_t order = sql_int(db, "SELECT min(id) FROM orders WHERE status = 'placed'");
    int64_t book = fx_book(db, "Dune");
    char sql[256];
    snprintf(sql, sizeof sql, "INSERT INTO order_lines VALUES (%lld, %lld, 1, 1150, 1150)",
             (long long)order, (long long)book);
    FL_ASSERT_CONTAINS(refused(db, sql), "only a cart can change");
    snprintf(sql, sizeof sql, "DELETE FROM order_lines WHERE order_id = %lld", (long long)order);
    FL_ASSERT_CONTAINS(refused(db, sql), "only a cart can change");
    close_test_db(db);
}

FL_TEST(schema_triggers, status_cannot_skip_steps)
{
    sqlite3 *db = open_test_db();
    int64_t cart = 0;
    OK(bs_order_create(db, fx_customer(db, "bob@example.com"), &cart, &terr));
    char sql[256];
    snprintf(sql, sizeof sql,
             "UPDATE orders SET status = 'shipped', placed_at = datetime('now') WHERE id = %lld",
             (long long)cart);
    FL_ASSERT_CONTAINS(refused(db, sql), "status change not allowed");
    close_test_db(db);
}

FL_TEST(schema_triggers, shipped_and_cancelled_are_final)
{
    sqlite3 *db = open_test_db();
    FL_ASSERT_CONTAINS(refused(db, "UPDATE orders SET status = 'cancelled' WHERE id = "
                                   "(SELECT min(id) FROM orders WHERE status = 'shipped')"),
                       "status change not allowed");
    FL_ASSERT_CONTAINS(refused(db, "UPDATE orders SET status = 'placed' WHERE id = "
                                   "(SELECT min(id) FROM orders WHERE status = 'cancelled')"),
                       "status change not allowed");
    close_test_db(db);
}

FL_TEST(schema_triggers, deleting_a_book_removes_its_author_links)
{
    sqlite3 *db = open_test_db();
    int64_t id = new_book(db, "Short-lived", 100, 0);
    FL_ASSERT_EQ_INT(sql_int(db, "SELECT count(*) FROM book_authors WHERE book_id = %lld",
                             (long long)id),
                     1);
    sql_exec(db, "DELETE FROM books WHERE id = %lld", (long long)id);
    FL_ASSERT_EQ_INT(sql_int(db, "SELECT count(*) FROM book_authors WHERE book_id = %lld",
                             (long long)id),
                     0);
    FL_ASSERT_EQ_INT(sql_int(db, "SELECT count(*) FROM stock_levels WHERE book_id = %lld",
                             (long long)id),
                     0);
    close_test_db(db);
}

/* ---- views --------------------------------------------------------------------------------- */

FL_TEST(schema_views, catalog_lists_authors_in_cover_order)
{
    sqlite3 *db = open_test_db();
    FL_ASSERT_EQ_STR(sql_text(db, "SELECT authors FROM v_catalog WHERE title = 'Good Omens'"),
                     "Terry Pratchett, Neil Gaiman");
    FL_ASSERT_EQ_STR(sql_text(db, "SELECT authors FROM v_catalog WHERE title = "
                                  "'The C Programming Language'"),
                     "Brian Kernighan, Dennis Ritchie");
    close_test_db(db);
}

FL_TEST(schema_views, catalog_stock_matches_levels)
{
    sqlite3 *db = open_test_db();
    FL_ASSERT_EQ_INT(sql_int(db, "SELECT count(*) FROM v_catalog v JOIN stock_levels s "
                                 "ON s.book_id = v.id WHERE v.on_hand <> s.on_hand"),
                     0);
    FL_ASSERT_EQ_INT(sql_int(db, "SELECT count(*) FROM v_catalog"),
                     sql_int(db, "SELECT count(*) FROM books"));
    close_test_db(db);
}

FL_TEST(schema_views, sales_exclude_carts_and_cancelled_orders)
{
    sqlite3 *db = open_test_db();
    FL_ASSERT_EQ_INT(sql_int(db, "SELECT count(*) FROM v_sales s JOIN orders o ON o.id = "
                                 "s.order_id WHERE o.status IN ('cart', 'cancelled')"),
                     0);
    FL_ASSERT_EQ_INT(sql_int(db, "SELECT count(*) FROM v_sales"),
                     sql_int(db, "SELECT count(*) FROM order_lines l JOIN orders o ON o.id = "
                                 "l.order_id WHERE o.status IN ('placed', 'paid', 'shipped')"));
    close_test_db(db);
}

FL_TEST(schema_views, sales_month_is_the_placement_month)
{
    sqlite3 *db = open_test_db();
    FL_ASSERT_EQ_INT(sql_int(db, "SELECT count(*) FROM v_sales WHERE month <> "
                                 "strftime('%%Y-%%m', placed_at)"),
                     0);
    close_test_db(db);
}

FL_TEST(schema_views, order_summary_counts_lines_and_items)
{
    sqlite3 *db = open_test_db();
    int64_t customer = fx_customer(db, "chloe@example.fr");
    bs_line lines[] = {{fx_book(db, "Dune"), 2}, {fx_book(db, "Small Gods"), 3}};
    int64_t order = 0;
    OK(bs_order_quick(db, customer, lines, 2, NULL, NULL, &order, &terr));
    FL_ASSERT_EQ_STR(sql_text(db, "SELECT lines || '/' || items || '/' || customer || '/' || "
                                  "country FROM v_order_summary WHERE id = %lld",
                              (long long)order),
                     "2/5/Chloé Dubois/FR");
    close_test_db(db);
}

FL_TEST(schema_views, mailing_list_only_has_opted_in_customers)
{
    sqlite3 *db = open_test_db();
    FL_ASSERT_EQ_INT(sql_int(db, "SELECT count(*) FROM v_mailing_list"), 0);
    sql_exec(db, "UPDATE customers SET marketing_opt_in = 1 WHERE email IN "
                 "('alice@example.com', 'bob@example.com')");
    FL_ASSERT_EQ_INT(sql_int(db, "SELECT count(*) FROM v_mailing_list"), 2);
    FL_ASSERT_EQ_STR(sql_text(db, "SELECT group_concat(name, ', ') FROM "
                                  "(SELECT name FROM v_mailing_list ORDER BY name)"),
                     "Alice Archer, Bob Baker");
    close_test_db(db);
}
