/*
 * t_reports.c — the owner's reports (src/reports.c).  Controlled data is placed in 2031,
 * far from the fixture history (2023-2024) and from today, so each test knows exactly what
 * the report must say; the history tests compare the reports with independent SQL.
 */
#include "common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int64_t sell(sqlite3 *db, int64_t book, int qty, const char *when)
{
    return new_order(db, fx_customer(db, "alice@example.com"), book, qty, NULL, when);
}

static bs_sales_row *best_sellers(sqlite3 *db, const char *from, const char *to, size_t limit,
                                  size_t *n)
{
    bs_sales_row *rows = NULL;
    OK(bs_report_best_sellers(db, from, to, limit, &rows, n, &terr));
    return rows;
}

/* ---- best sellers --------------------------------------------------------------------------- */

FL_TEST(reports_best_sellers, ranked_by_units_in_the_window)
{
    sqlite3 *db = open_test_db();
    int64_t a = new_book(db, "Report A", 1000, 50), b = new_book(db, "Report B", 1000, 50),
            c = new_book(db, "Report C", 1000, 50);
    sell(db, a, 5, "2031-03-02");
    sell(db, b, 3, "2031-03-05");
    sell(db, b, 5, "2031-03-20");
    sell(db, c, 2, "2031-03-31 23:59:59");
    size_t n = 0;
    bs_sales_row *rows = best_sellers(db, "2031-03-01", "2031-04-01", 0, &n);
    FL_ASSERT_EQ_INT(n, 3);
    FL_ASSERT_EQ_STR(rows[0].name, "Report B");
    FL_ASSERT_EQ_INT(rows[0].units, 8);
    FL_ASSERT_EQ_STR(rows[1].name, "Report A");
    FL_ASSERT_EQ_INT(rows[1].units, 5);
    FL_ASSERT_EQ_STR(rows[2].name, "Report C");
    FL_ASSERT_EQ_INT(rows[2].id, c);
    free(rows);
    close_test_db(db);
}

FL_TEST(reports_best_sellers, ties_broken_by_title)
{
    sqlite3 *db = open_test_db();
    int64_t z = new_book(db, "Zebra Tie", 1000, 50), a = new_book(db, "Aardvark Tie", 1000, 50);
    sell(db, z, 4, "2031-05-01");
    sell(db, a, 4, "2031-05-02");
    size_t n = 0;
    bs_sales_row *rows = best_sellers(db, "2031-05-01", "2031-06-01", 0, &n);
    FL_ASSERT_EQ_INT(n, 2);
    FL_ASSERT_EQ_STR(rows[0].name, "Aardvark Tie");
    FL_ASSERT_EQ_STR(rows[1].name, "Zebra Tie");
    free(rows);
    close_test_db(db);
}

FL_TEST(reports_best_sellers, window_is_half_open)
{
    sqlite3 *db = open_test_db();
    int64_t book = new_book(db, "Edges", 1000, 50);
    sell(db, book, 1, "2031-06-30 23:59:59");
    sell(db, book, 2, "2031-07-01 00:00:00");
    sell(db, book, 4, "2031-07-31 23:59:59");
    sell(db, book, 8, "2031-08-01 00:00:00");
    size_t n = 0;
    bs_sales_row *rows = best_sellers(db, "2031-07-01", "2031-08-01", 0, &n);
    FL_ASSERT_EQ_INT(n, 1);
    FL_ASSERT_EQ_INT(rows[0].units, 6);
    free(rows);
    close_test_db(db);
}

FL_TEST(reports_best_sellers, cancelled_orders_and_carts_do_not_count)
{
    sqlite3 *db = open_test_db();
    int64_t book = new_book(db, "Fickle", 1000, 50);
    sell(db, book, 3, "2031-09-10");
    OK(bs_order_cancel(db, sell(db, book, 10, "2031-09-11"), &terr));
    int64_t cart = 0;
    OK(bs_order_create(db, fx_customer(db, "bob@example.com"), &cart, &terr));
    OK(bs_order_add_line(db, cart, book, 20, &terr));
    size_t n = 0;
    bs_sales_row *rows = best_sellers(db, "2031-09-01", "2031-10-01", 0, &n);
    FL_ASSERT_EQ_INT(n, 1);
    FL_ASSERT_EQ_INT(rows[0].units, 3);
    free(rows);
    close_test_db(db);
}

FL_TEST(reports_best_sellers, revenue_counts_the_volume_discount)
{
    sqlite3 *db = open_test_db();
    int64_t book = new_book(db, "Volume Seller", 1000, 50);
    sell(db, book, 10, "2031-10-01"); /* 100.00 - 10 % */
    sell(db, book, 2, "2031-10-02");  /* 20.00 */
    size_t n = 0;
    bs_sales_row *rows = best_sellers(db, "2031-10-01", "2031-11-01", 0, &n);
    FL_ASSERT_EQ_INT(rows[0].units, 12);
    FL_ASSERT_EQ_INT(rows[0].revenue_cents, 9000 + 2000);
    free(rows);
    close_test_db(db);
}

FL_TEST(reports_best_sellers, limit_and_empty_window)
{
    sqlite3 *db = open_test_db();
    size_t n = 0;
    bs_sales_row *rows = best_sellers(db, "2023-01-01", "2025-01-01", 10, &n);
    FL_ASSERT_EQ_INT(n, 10);
    free(rows);
    rows = best_sellers(db, "2040-01-01", "2041-01-01", 10, &n);
    FL_ASSERT_EQ_INT(n, 0);
    FL_ASSERT_NULL(rows);
    close_test_db(db);
}

/* ---- per author ------------------------------------------------------------------------------- */

static const bs_sales_row *find_row(const bs_sales_row *rows, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(rows[i].name, name) == 0)
            return &rows[i];
    return NULL;
}

FL_TEST(reports_authors, co_authors_both_get_the_sale)
{
    sqlite3 *db = open_test_db();
    const char *authors[] = {"Report Writer One", "Report Writer Two"};
    bs_book_input in = {.isbn = new_isbn(), .title = "Joint Work", .genre = "history",
                        .price_cents = 2000, .authors = authors, .n_authors = 2};
    int64_t book = 0;
    OK(bs_book_add(db, &in, &book, &terr));
    OK(bs_stock_receive(db, book, 10, &terr));
    sell(db, book, 3, "2031-01-15");
    bs_sales_row *rows = NULL;
    size_t n = 0;
    OK(bs_report_author_sales(db, 0, &rows, &n, &terr));
    const bs_sales_row *one = find_row(rows, n, "Report Writer One");
    const bs_sales_row *two = find_row(rows, n, "Report Writer Two");
    FL_ASSERT_NOT_NULL(one);
    FL_ASSERT_NOT_NULL(two);
    FL_ASSERT_EQ_INT(one->units, 3);
    FL_ASSERT_EQ_INT(two->units, 3);
    FL_ASSERT_EQ_INT(one->revenue_cents, 6000);
    free(rows);
    close_test_db(db);
}

FL_TEST(reports_authors, author_without_sales_is_absent)
{
    sqlite3 *db = open_test_db();
    const char *authors[] = {"Unsold Poet"};
    bs_book_input in = {.isbn = new_isbn(), .title = "Unread Verses", .genre = "poetry",
                        .price_cents = 500, .authors = authors, .n_authors = 1};
    OK(bs_book_add(db, &in, NULL, &terr));
    bs_sales_row *rows = NULL;
    size_t n = 0;
    OK(bs_report_author_sales(db, 0, &rows, &n, &terr));
    FL_ASSERT_NULL(find_row(rows, n, "Unsold Poet"));
    free(rows);
    close_test_db(db);
}

FL_TEST(reports_authors, totals_count_each_author_of_a_book)
{
    sqlite3 *db = open_test_db();
    bs_sales_row *rows = NULL;
    size_t n = 0;
    OK(bs_report_author_sales(db, 0, &rows, &n, &terr));
    int64_t units = 0;
    for (size_t i = 0; i < n; i++)
        units += rows[i].units;
    free(rows);
    FL_ASSERT_EQ_INT(units, sql_int(db, "SELECT sum(s.qty * (SELECT count(*) FROM book_authors "
                                        "ba WHERE ba.book_id = s.book_id)) FROM v_sales s"));
    close_test_db(db);
}

FL_TEST(reports_authors, sorted_by_units)
{
    sqlite3 *db = open_test_db();
    bs_sales_row *rows = NULL;
    size_t n = 0;
    OK(bs_report_author_sales(db, 0, &rows, &n, &terr));
    FL_ASSERT_GT_INT(n, 10);
    for (size_t i = 1; i < n; i++)
        FL_ASSERT_LE_INT(rows[i].units, rows[i - 1].units);
    free(rows);
    close_test_db(db);
}

/* ---- monthly revenue -------------------------------------------------------------------------- */

FL_TEST(reports_revenue, twelve_named_months)
{
    sqlite3 *db = open_test_db();
    bs_month_row rows[12];
    OK(bs_report_monthly_revenue(db, 2031, rows, &terr));
    for (int m = 0; m < 12; m++) {
        char month[8];
        snprintf(month, sizeof month, "2031-%02d", m + 1);
        FL_ASSERT_EQ_STR(rows[m].month, month);
        FL_ASSERT_EQ_INT(rows[m].orders, 0);
        FL_ASSERT_EQ_INT(rows[m].revenue_cents, 0);
    }
    close_test_db(db);
}

FL_TEST(reports_revenue, sums_order_totals_per_month)
{
    sqlite3 *db = open_test_db();
    int64_t book = new_book(db, "Monthly", 1000, 50);
    int64_t o1 = sell(db, book, 1, "2031-01-05"), o2 = sell(db, book, 4, "2031-01-28");
    int64_t o3 = sell(db, book, 2, "2031-03-15");
    bs_month_row rows[12];
    OK(bs_report_monthly_revenue(db, 2031, rows, &terr));
    FL_ASSERT_EQ_INT(rows[0].orders, 2);
    FL_ASSERT_EQ_INT(rows[0].revenue_cents,
                     sql_int(db, "SELECT sum(total_cents) FROM orders WHERE id IN (%lld, %lld)",
                             (long long)o1, (long long)o2));
    FL_ASSERT_EQ_INT(rows[0].revenue_cents, 1395 + 4000); /* shipping free from 29.00 */
    FL_ASSERT_EQ_INT(rows[1].orders, 0);
    FL_ASSERT_EQ_INT(rows[2].orders, 1);
    FL_ASSERT_EQ_INT(rows[2].revenue_cents,
                     sql_int(db, "SELECT total_cents FROM orders WHERE id = %lld", (long long)o3));
    close_test_db(db);
}

FL_TEST(reports_revenue, year_boundaries)
{
    sqlite3 *db = open_test_db();
    int64_t book = new_book(db, "New Year", 1000, 50);
    sell(db, book, 1, "2030-12-31 23:59:59");
    sell(db, book, 1, "2031-01-01 00:00:00");
    sell(db, book, 1, "2031-12-31 23:59:59");
    sell(db, book, 1, "2032-01-01 00:00:00");
    bs_month_row rows[12];
    OK(bs_report_monthly_revenue(db, 2031, rows, &terr));
    FL_ASSERT_EQ_INT(rows[0].orders, 1);
    FL_ASSERT_EQ_INT(rows[11].orders, 1);
    close_test_db(db);
}

FL_TEST(reports_revenue, cancelled_orders_excluded)
{
    sqlite3 *db = open_test_db();
    int64_t book = new_book(db, "Refunded", 1000, 50);
    sell(db, book, 1, "2031-04-01");
    OK(bs_order_cancel(db, sell(db, book, 3, "2031-04-02"), &terr));
    bs_month_row rows[12];
    OK(bs_report_monthly_revenue(db, 2031, rows, &terr));
    FL_ASSERT_EQ_INT(rows[3].orders, 1);
    FL_ASSERT_EQ_INT(rows[3].revenue_cents, 1395);
    close_test_db(db);
}

FL_TEST(reports_revenue, invalid_year)
{
    sqlite3 *db = open_test_db();
    bs_month_row rows[12];
    FAILS(BS_ERR_INVALID, bs_report_monthly_revenue(db, 1969, rows, &terr));
    FAILS(BS_ERR_INVALID, bs_report_monthly_revenue(db, 10000, rows, &terr));
    close_test_db(db);
}

FL_TEST(reports_revenue, history_matches_direct_sums)
{
    sqlite3 *db = open_test_db();
    for (int year = FX_HISTORY_FIRST_YEAR; year <= FX_HISTORY_LAST_YEAR; year++) {
        bs_month_row rows[12];
        OK(bs_report_monthly_revenue(db, year, rows, &terr));
        int64_t total = 0, orders = 0;
        for (int m = 0; m < 12; m++) {
            FL_ASSERT_GT_INT(rows[m].orders, 100); /* the history covers every month */
            total += rows[m].revenue_cents;
            orders += rows[m].orders;
        }
        FL_ASSERT_EQ_INT(total, sql_int(db, "SELECT sum(total_cents) FROM orders WHERE status IN "
                                            "('placed', 'paid', 'shipped') AND "
                                            "strftime('%%Y', placed_at) = '%d'",
                                        year));
        FL_ASSERT_EQ_INT(orders, sql_int(db, "SELECT count(*) FROM orders WHERE status <> "
                                             "'cancelled' AND placed_at LIKE '%d-%%'",
                                         year));
    }
    close_test_db(db);
}

/* ---- stock ------------------------------------------------------------------------------------------ */

FL_TEST(reports_stock, low_stock_lists_fewest_first)
{
    sqlite3 *db = open_test_db();
    bs_book *books = NULL;
    size_t n = 0;
    OK(bs_report_low_stock(db, 5, &books, &n, &terr));
    FL_ASSERT_EQ_INT(n, 3);
    FL_ASSERT_EQ_STR(books[0].title, "Empty Shelf");
    FL_ASSERT_EQ_STR(books[1].title, "Rare Edition");
    FL_ASSERT_EQ_STR(books[2].title, "Structure and Interpretation of Computer Programs");
    FL_ASSERT_EQ_INT(books[2].on_hand, 5);
    free(books);
    close_test_db(db);
}

FL_TEST(reports_stock, discontinued_books_are_not_low)
{
    sqlite3 *db = open_test_db();
    bs_book *books = NULL;
    size_t n = 0;
    OK(bs_report_low_stock(db, 0, &books, &n, &terr));
    FL_ASSERT_EQ_INT(n, 1); /* Empty Shelf; not Out of Print Classic */
    FL_ASSERT_EQ_STR(books[0].title, "Empty Shelf");
    free(books);
    close_test_db(db);
}

FL_TEST(reports_stock, selling_makes_a_book_low)
{
    sqlite3 *db = open_test_db();
    int64_t book = fx_book(db, "Gödel, Escher, Bach");
    new_order(db, fx_customer(db, "alice@example.com"), book, 6, NULL, NULL);
    bs_book *books = NULL;
    size_t n = 0;
    OK(bs_report_low_stock(db, 2, &books, &n, &terr));
    FL_ASSERT_EQ_INT(n, 3);
    FL_ASSERT_EQ_STR(books[2].title, "Gödel, Escher, Bach");
    FL_ASSERT_EQ_INT(books[2].on_hand, 2);
    free(books);
    close_test_db(db);
}

FL_TEST(reports_stock, inventory_value_is_stock_times_price)
{
    sqlite3 *db = open_test_db();
    int64_t value = 0;
    OK(bs_report_inventory_value(db, &value, &terr));
    FL_ASSERT_EQ_INT(value, sql_int(db, "SELECT sum(on_hand * price_cents) FROM v_catalog"));
    FL_ASSERT_GT_INT(value, 0);
    close_test_db(db);
}

FL_TEST(reports_stock, inventory_value_follows_stock_and_prices)
{
    sqlite3 *db = open_test_db();
    int64_t before = 0, after = 0, dune = fx_book(db, "Dune");
    OK(bs_report_inventory_value(db, &before, &terr));
    OK(bs_stock_receive(db, dune, 10, &terr));
    OK(bs_report_inventory_value(db, &after, &terr));
    FL_ASSERT_EQ_INT(after - before, 10 * 1150);
    OK(bs_book_set_price(db, dune, 1250, &terr));
    OK(bs_report_inventory_value(db, &after, &terr));
    FL_ASSERT_EQ_INT(after - before, 10 * 1150 + 70 * 100);
    close_test_db(db);
}

/* ---- over the fixture history ---------------------------------------------------------------------- */

FL_TEST(reports_history, best_seller_matches_direct_aggregate)
{
    sqlite3 *db = open_test_db();
    size_t n = 0;
    bs_sales_row *rows = best_sellers(db, NULL, NULL, 1, &n);
    FL_ASSERT_EQ_INT(n, 1);
    FL_ASSERT_EQ_INT(rows[0].units, sql_int(db, "SELECT max(units) FROM (SELECT sum(qty) AS units "
                                                "FROM v_sales GROUP BY book_id)"));
    FL_ASSERT_EQ_INT(rows[0].revenue_cents,
                     sql_int(db, "SELECT sum(line_total_cents) FROM v_sales WHERE book_id = %lld",
                             (long long)rows[0].id));
    free(rows);
    close_test_db(db);
}

FL_TEST(reports_history, ranking_is_complete_and_sorted)
{
    sqlite3 *db = open_test_db();
    size_t n = 0;
    bs_sales_row *rows = best_sellers(db, NULL, NULL, 0, &n);
    FL_ASSERT_EQ_INT(n, sql_int(db, "SELECT count(DISTINCT book_id) FROM v_sales"));
    int64_t units = 0;
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            FL_ASSERT_LE_INT(rows[i].units, rows[i - 1].units);
        units += rows[i].units;
    }
    FL_ASSERT_EQ_INT(units, sql_int(db, "SELECT sum(qty) FROM v_sales"));
    free(rows);
    close_test_db(db);
}

FL_TEST(reports_history, yearly_windows_add_up)
{
    sqlite3 *db = open_test_db();
    size_t n23 = 0, n24 = 0, nall = 0;
    bs_sales_row *y23 = best_sellers(db, "2023-01-01", "2024-01-01", 0, &n23);
    bs_sales_row *y24 = best_sellers(db, "2024-01-01", "2025-01-01", 0, &n24);
    bs_sales_row *all = best_sellers(db, "2023-01-01", "2025-01-01", 0, &nall);
    int64_t u23 = 0, u24 = 0, uall = 0;
    for (size_t i = 0; i < n23; i++)
        u23 += y23[i].units;
    for (size_t i = 0; i < n24; i++)
        u24 += y24[i].units;
    for (size_t i = 0; i < nall; i++)
        uall += all[i].units;
    free(y23);
    free(y24);
    free(all);
    FL_ASSERT_GT_INT(u23, 0);
    FL_ASSERT_GT_INT(u24, 0);
    FL_ASSERT_EQ_INT(u23 + u24, uall);
    close_test_db(db);
}
