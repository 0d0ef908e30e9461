/*
 * t_bulk.c — scenarios at scale: thousands of orders, tens of thousands of ledger rows,
 * a catalog import, a year of sales.  Each test takes a few tenths of a second — these
 * are the groups that make the suite worth running in parallel.  Every expected value is
 * tallied in C while the data is written, then compared with what the application and
 * its reports say.  All of it is rolled back at the end of each test.
 */
#include "common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A small deterministic generator, so a failure can be replayed. */
static uint64_t rng = 1;

static void seed(uint64_t s)
{
    rng = s * 2654435761u + 1;
}

static int below(int n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (int)(rng % (uint64_t)n);
}

static int64_t *new_books(sqlite3 *db, int n, int64_t price, int stock)
{
    int64_t *ids = calloc((size_t)n, sizeof *ids);
    FL_ASSERT_NOT_NULL(ids);
    for (int i = 0; i < n; i++) {
        char title[64];
        snprintf(title, sizeof title, "Bulk Title %d", i);
        ids[i] = new_book(db, title, price + i, stock);
    }
    return ids;
}

static int64_t on_hand(sqlite3 *db, int64_t book)
{
    int64_t n = 0;
    OK(bs_stock_on_hand(db, book, &n, &terr));
    return n;
}

/* ---- orders ------------------------------------------------------------------------------ */

FL_TEST(bulk_orders, two_thousand_orders_of_ten_lines)
{
    enum { BOOKS = 10, ORDERS = 2000 };
    sqlite3 *db = open_test_db();
    int64_t *books = new_books(db, BOOKS, 1000, ORDERS);
    int64_t customer = new_customer(db, "DE");
    int64_t revenue = 0;
    for (int o = 0; o < ORDERS; o++) {
        bs_line lines[BOOKS];
        for (int b = 0; b < BOOKS; b++)
            lines[b] = (bs_line){books[b], 1};
        int64_t id = 0;
        OK(bs_order_quick(db, customer, lines, BOOKS, NULL, "2032-02-02", &id, &terr));
        bs_order order;
        OK(bs_order_get(db, id, &order, &terr));
        revenue += order.total_cents;
    }
    for (int b = 0; b < BOOKS; b++)
        FL_ASSERT_EQ_INT(on_hand(db, books[b]), 0);
    /* Ten books at 10.00 .. 10.09: 100.45 per order, free shipping in DE. */
    FL_ASSERT_EQ_INT(revenue, (int64_t)ORDERS * 10045);
    FL_ASSERT_EQ_INT(sql_int(db, "SELECT count(*) FROM order_lines l JOIN orders o ON o.id = "
                                 "l.order_id WHERE o.customer_id = %lld",
                             (long long)customer),
                     BOOKS * ORDERS);
    int64_t lifetime = 0;
    OK(bs_customer_lifetime_cents(db, customer, &lifetime, &terr));
    FL_ASSERT_EQ_INT(lifetime, revenue);
    free(books);
    close_test_db(db);
}

FL_TEST(bulk_orders, rush_until_sold_out)
{
    sqlite3 *db = open_test_db();
    int64_t book = new_book(db, "Hyped Release", 2500, 1000);
    int64_t customers[50];
    for (int i = 0; i < 50; i++)
        customers[i] = new_customer(db, "FR");
    int placed = 0, refused = 0;
    for (int i = 0; i < 400; i++) {
        bs_line line = {book, 3};
        int64_t id = 0;
        bs_error_clear(&terr);
        int rc = bs_order_quick(db, customers[i % 50], &line, 1, NULL, NULL, &id, &terr);
        if (rc == BS_OK)
            placed++;
        else if (rc == BS_ERR_OUT_OF_STOCK)
            refused++;
        else
            FL_FAIL("order %d: %s: %s", i, bs_code_name(rc), terr.msg);
    }
    FL_ASSERT_EQ_INT(placed, 333);
    FL_ASSERT_EQ_INT(refused, 400 - 333);
    FL_ASSERT_EQ_INT(on_hand(db, book), 1);
    FL_ASSERT_EQ_INT(sql_int(db, "SELECT count(*) FROM orders WHERE status = 'cart' AND "
                                 "customer_id IN (SELECT id FROM customers WHERE email LIKE "
                                 "'test-%%')"),
                     0); /* refused quick orders leave no cart behind */
    new_order(db, customers[0], book, 1, NULL, NULL);
    FL_ASSERT_EQ_INT(on_hand(db, book), 0);
    close_test_db(db);
}

FL_TEST(bulk_orders, mass_cancellation_restores_stock)
{
    enum { ORDERS = 1500 };
    sqlite3 *db = open_test_db();
    int64_t *books = new_books(db, 5, 700, 5000);
    int64_t customer = new_customer(db, "NL");
    int64_t sold[5] = {0};
    seed(7);
    for (int o = 0; o < ORDERS; o++) {
        int b = below(5), qty = 1 + below(4);
        int64_t id = new_order(db, customer, books[b], qty, NULL, "2032-03-03");
        if (o % 2 == 0)
            OK(bs_order_cancel(db, id, &terr));
        else
            sold[b] += qty;
    }
    for (int b = 0; b < 5; b++) {
        FL_ASSERT_EQ_INT(on_hand(db, books[b]), 5000 - sold[b]);
        int64_t ledger = 0;
        OK(bs_stock_ledger_sum(db, books[b], &ledger, &terr));
        FL_ASSERT_EQ_INT(ledger, 5000 - sold[b]);
    }
    FL_ASSERT_EQ_INT(sql_int(db, "SELECT count(*) FROM orders WHERE customer_id = %lld AND "
                                 "status = 'cancelled'",
                             (long long)customer),
                     ORDERS / 2);
    free(books);
    close_test_db(db);
}

FL_TEST(bulk_orders, a_thousand_discounted_orders)
{
    enum { ORDERS = 1200 };
    sqlite3 *db = open_test_db();
    int64_t uses = sql_int(db, "SELECT uses FROM discounts WHERE code = 'WELCOME10'");
    int64_t *books = new_books(db, 8, 1234, 3000);
    int64_t customer = new_customer(db, "CH");
    int64_t expected_discount = 0;
    seed(11);
    for (int o = 0; o < ORDERS; o++) {
        bs_line lines[2] = {{books[below(4)], 1 + below(3)}, {books[4 + below(4)], 1 + below(12)}};
        int64_t id = 0;
        OK(bs_order_quick(db, customer, lines, 2, "WELCOME10", "2032-04-04", &id, &terr));
        bs_order order;
        OK(bs_order_get(db, id, &order, &terr));
        expected_discount += bs_percent_of(order.subtotal_cents, 1000);
        FL_ASSERT_EQ_INT(order.total_cents,
                         order.subtotal_cents - order.discount_cents + order.shipping_cents);
    }
    FL_ASSERT_EQ_INT(sql_int(db, "SELECT uses FROM discounts WHERE code = 'WELCOME10'"),
                     uses + ORDERS);
    FL_ASSERT_EQ_INT(sql_int(db, "SELECT sum(discount_cents) FROM orders WHERE customer_id = %lld",
                             (long long)customer),
                     expected_discount);
    free(books);
    close_test_db(db);
}

FL_TEST(bulk_carts, carts_edited_back_and_forth)
{
    enum { CARTS = 1200 };
    sqlite3 *db = open_test_db();
    int64_t *books = new_books(db, 12, 990, 0);
    int64_t customer = new_customer(db, "AT");
    seed(13);
    for (int c = 0; c < CARTS; c++) {
        int64_t cart = 0, qty[12] = {0};
        OK(bs_order_create(db, customer, &cart, &terr));
        for (int step = 0; step < 30; step++) {
            int b = below(12);
            if (qty[b] > 0 && below(3) == 0) {
                OK(bs_order_remove_line(db, cart, books[b], &terr));
                qty[b] = 0;
            } else if (qty[b] < 90) {
                int add = 1 + below(5);
                OK(bs_order_add_line(db, cart, books[b], add, &terr));
                qty[b] += add;
            }
        }
        int64_t subtotal = 0, items = 0;
        for (int b = 0; b < 12; b++) {
            int64_t gross = qty[b] * (990 + b);
            subtotal += qty[b] >= 10 ? gross - bs_percent_of(gross, 1000) : gross;
            items += qty[b];
        }
        bs_order o;
        OK(bs_order_get(db, cart, &o, &terr));
        FL_ASSERT_EQ_INT(o.subtotal_cents, subtotal);
        FL_ASSERT_EQ_INT(o.n_items, items);
    }
    free(books);
    close_test_db(db);
}

/* ---- inventory ---------------------------------------------------------------------------- */

FL_TEST(bulk_ledger, sixty_thousand_receipts)
{
    enum { BOOKS = 50, RECEIPTS = 60000 };
    sqlite3 *db = open_test_db();
    int64_t *books = new_books(db, BOOKS, 500, 0);
    int64_t expected[BOOKS] = {0};
    seed(17);
    for (int i = 0; i < RECEIPTS; i++) {
        int b = below(BOOKS), qty = 1 + below(20);
        OK(bs_stock_receive(db, books[b], qty, &terr));
        expected[b] += qty;
    }
    for (int b = 0; b < BOOKS; b++) {
        FL_ASSERT_EQ_INT(on_hand(db, books[b]), expected[b]);
        int64_t ledger = 0;
        OK(bs_stock_ledger_sum(db, books[b], &ledger, &terr));
        FL_ASSERT_EQ_INT(ledger, expected[b]);
    }
    free(books);
    close_test_db(db);
}

FL_TEST(bulk_ledger, adjustment_storm_never_goes_negative)
{
    enum { BOOKS = 20, STEPS = 40000 };
    sqlite3 *db = open_test_db();
    int64_t *books = new_books(db, BOOKS, 500, 10);
    int64_t model[BOOKS];
    for (int b = 0; b < BOOKS; b++)
        model[b] = 10;
    int refusals = 0;
    seed(19);
    for (int i = 0; i < STEPS; i++) {
        int b = below(BOOKS), delta = below(11) - 6; /* -6 .. +4: tends to run dry */
        if (delta == 0)
            delta = 5;
        bs_error_clear(&terr);
        int rc = bs_stock_adjust(db, books[b], delta, "cycle count", &terr);
        if (model[b] + delta < 0) {
            FL_ASSERT_EQ_INT(rc, BS_ERR_OUT_OF_STOCK);
            refusals++;
        } else {
            FL_ASSERT_EQ_INT(rc, BS_OK);
            model[b] += delta;
        }
    }
    FL_ASSERT_GT_INT(refusals, 100);
    for (int b = 0; b < BOOKS; b++)
        FL_ASSERT_EQ_INT(on_hand(db, books[b]), model[b]);
    FL_ASSERT_EQ_INT(sql_int(db, "SELECT min(on_hand) >= 0 FROM stock_levels"), 1);
    free(books);
    close_test_db(db);
}

FL_TEST(bulk_import, catalog_import_of_eight_thousand_books)
{
    enum { BOOKS = 8000, AUTHORS = 400 };
    sqlite3 *db = open_test_db();
    int64_t books_before = sql_int(db, "SELECT count(*) FROM books");
    int64_t authors_before = sql_int(db, "SELECT count(*) FROM authors");
    int links = 0;
    seed(23);
    for (int i = 0; i < BOOKS; i++) {
        char title[64], a[3][48];
        const char *names[3];
        snprintf(title, sizeof title, "Imported Volume %d", i);
        int n = 1 + below(3), first = below(AUTHORS);
        for (int k = 0; k < n; k++) {
            snprintf(a[k], sizeof a[k], "Import Author %d", (first + k * 7) % AUTHORS);
            names[k] = a[k];
        }
        bs_book_input in = {.isbn = new_isbn(), .title = title, .genre = "history",
                            .year = 1900 + below(120), .price_cents = 100 * (5 + below(40)),
                            .authors = names, .n_authors = (size_t)n};
        OK(bs_book_add(db, &in, NULL, &terr));
        links += n;
    }
    FL_ASSERT_EQ_INT(sql_int(db, "SELECT count(*) FROM books"), books_before + BOOKS);
    FL_ASSERT_EQ_INT(sql_int(db, "SELECT count(*) FROM authors"), authors_before + AUTHORS);
    FL_ASSERT_EQ_INT(sql_int(db, "SELECT count(*) FROM book_authors ba JOIN authors a ON a.id = "
                                 "ba.author_id WHERE a.name LIKE 'Import Author %%'"),
                     links);
    FL_ASSERT_EQ_INT(sql_int(db, "SELECT count(*) FROM stock_levels"), books_before + BOOKS);
    if (bs_has_fts(db))
        FL_ASSERT_EQ_INT(sql_int(db, "SELECT count(*) FROM books_fts WHERE books_fts MATCH "
                                     "'imported'"),
                         BOOKS);
    close_test_db(db);
}

/* ---- reports over a big year ---------------------------------------------------------------- */

enum { YEAR_BOOKS = 40, YEAR_ORDERS = 5000 };

typedef struct year_tally {
    int64_t units[YEAR_BOOKS], revenue[YEAR_BOOKS];
    int64_t month_orders[12], month_revenue[12];
    int64_t *books;
} year_tally;

/* Sells a year (2033) of generated orders, tallying what the reports should say. */
static void sell_a_year(sqlite3 *db, year_tally *t)
{
    memset(t, 0, sizeof *t);
    t->books = new_books(db, YEAR_BOOKS, 800, 9000);
    int64_t customers[20];
    for (int i = 0; i < 20; i++)
        customers[i] = new_customer(db, i % 2 ? "DE" : "US");
    seed(29);
    for (int o = 0; o < YEAR_ORDERS; o++) {
        int month = below(12), day = 1 + below(28);
        char when[48];
        snprintf(when, sizeof when, "2033-%02d-%02d 12:00:00", month + 1, day);
        bs_line lines[3];
        int n = 1 + below(3), first = below(YEAR_BOOKS - 2); /* books first..first+2 */
        for (int l = 0; l < n; l++)
            lines[l] = (bs_line){t->books[first + l], 1 + below(3)};
        int64_t id = 0;
        OK(bs_order_quick(db, customers[below(20)], lines, (size_t)n, NULL, when, &id, &terr));
        bs_order order;
        OK(bs_order_get(db, id, &order, &terr));
        t->month_orders[month]++;
        t->month_revenue[month] += order.total_cents;
        for (int l = 0; l < n; l++) {
            t->units[first + l] += lines[l].qty;
            t->revenue[first + l] += lines[l].qty * (800 + first + l);
        }
    }
}

FL_TEST(bulk_revenue, monthly_revenue_of_a_big_year)
{
    sqlite3 *db = open_test_db();
    year_tally t;
    sell_a_year(db, &t);
    bs_month_row rows[12];
    OK(bs_report_monthly_revenue(db, 2033, rows, &terr));
    for (int m = 0; m < 12; m++) {
        FL_ASSERT_EQ_INT(rows[m].orders, t.month_orders[m]);
        FL_ASSERT_EQ_INT(rows[m].revenue_cents, t.month_revenue[m]);
    }
    free(t.books);
    close_test_db(db);
}

FL_TEST(bulk_revenue, cancelling_a_quarter_moves_the_reports)
{
    sqlite3 *db = open_test_db();
    year_tally t;
    sell_a_year(db, &t);
    /* Cancel every order of the first quarter of 2033. */
    sqlite3_stmt *st = NULL;
    FL_ASSERT_EQ_INT(sqlite3_prepare_v2(db, "SELECT id FROM orders WHERE placed_at >= '2033-01-01' "
                                            "AND placed_at < '2033-04-01'",
                                        -1, &st, NULL),
                     SQLITE_OK);
    int64_t ids[YEAR_ORDERS];
    size_t n_ids = 0;
    while (sqlite3_step(st) == SQLITE_ROW)
        ids[n_ids++] = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    FL_ASSERT_EQ_INT(n_ids, t.month_orders[0] + t.month_orders[1] + t.month_orders[2]);
    for (size_t i = 0; i < n_ids; i++)
        OK(bs_order_cancel(db, ids[i], &terr));
    bs_month_row rows[12];
    OK(bs_report_monthly_revenue(db, 2033, rows, &terr));
    for (int m = 0; m < 12; m++) {
        FL_ASSERT_EQ_INT(rows[m].orders, m < 3 ? 0 : t.month_orders[m]);
        FL_ASSERT_EQ_INT(rows[m].revenue_cents, m < 3 ? 0 : t.month_revenue[m]);
    }
    for (int b = 0; b < YEAR_BOOKS; b++) {
        int64_t sold = sql_int(db, "SELECT coalesce(sum(qty), 0) FROM v_sales WHERE book_id = %lld",
                               (long long)t.books[b]);
        FL_ASSERT_EQ_INT(on_hand(db, t.books[b]), 9000 - sold);
    }
    free(t.books);
    close_test_db(db);
}

FL_TEST(bulk_sales, best_sellers_of_a_big_year)
{
    sqlite3 *db = open_test_db();
    year_tally t;
    sell_a_year(db, &t);
    bs_sales_row *rows = NULL;
    size_t n = 0;
    OK(bs_report_best_sellers(db, "2033-01-01", "2034-01-01", 0, &rows, &n, &terr));
    FL_ASSERT_EQ_INT(n, YEAR_BOOKS);
    for (size_t i = 0; i < n; i++) {
        int b = -1;
        for (int k = 0; k < YEAR_BOOKS; k++)
            if (t.books[k] == rows[i].id)
                b = k;
        FL_ASSERT_GE_INT(b, 0);
        FL_ASSERT_EQ_INT(rows[i].units, t.units[b]);
        FL_ASSERT_EQ_INT(rows[i].revenue_cents, t.revenue[b]); /* no line reaches 10 copies */
        if (i > 0)
            FL_ASSERT_LE_INT(rows[i].units, rows[i - 1].units);
    }
    free(rows);
    free(t.books);
    close_test_db(db);
}

FL_TEST(bulk_sales, author_sales_of_a_big_year)
{
    sqlite3 *db = open_test_db();
    year_tally t;
    sell_a_year(db, &t); /* every bulk book is by "Test Author" (common.c) */
    bs_sales_row *rows = NULL;
    size_t n = 0;
    OK(bs_report_author_sales(db, 0, &rows, &n, &terr));
    int64_t units = 0, revenue = 0;
    for (int b = 0; b < YEAR_BOOKS; b++) {
        units += t.units[b];
        revenue += t.revenue[b];
    }
    const bs_sales_row *test_author = NULL;
    for (size_t i = 0; i < n; i++)
        if (strcmp(rows[i].name, "Test Author") == 0)
            test_author = &rows[i];
    FL_ASSERT_NOT_NULL(test_author);
    FL_ASSERT_EQ_INT(test_author->units, units);
    FL_ASSERT_EQ_INT(test_author->revenue_cents, revenue);
    FL_ASSERT_EQ_INT(rows[0].id, test_author->id); /* 5,000 orders outsell the history */
    free(rows);
    free(t.books);
    close_test_db(db);
}

/* ---- search over a big catalog ---------------------------------------------------------------- */

FL_TEST(bulk_search, ten_thousand_books_each_found_by_its_word)
{
    enum { BOOKS = 10000 };
    sqlite3 *db = open_test_db();
    if (!bs_has_fts(db))
        FL_SKIP("no FTS5 index");
    static const char *syllables[] = {"ka", "lo", "mi", "ru", "te", "zo", "bi", "ne"};
    for (int i = 0; i < BOOKS; i++) {
        /* Every book gets a made-up word of its own, built from i in base 8. */
        char word[32] = "", title[96];
        for (int v = i, k = 0; k < 5; k++, v /= 8)
            strcat(word, syllables[v % 8]);
        snprintf(title, sizeof title, "Chronicles of %s", word);
        new_book(db, title, 1000, 0);
    }
    seed(31);
    for (int probe = 0; probe < 1000; probe++) {
        int i = below(BOOKS);
        char word[32] = "", title[96];
        for (int v = i, k = 0; k < 5; k++, v /= 8)
            strcat(word, syllables[v % 8]);
        snprintf(title, sizeof title, "Chronicles of %s", word);
        bs_hit *hits = NULL;
        size_t n = 0;
        OK(bs_search(db, word, 10, &hits, &n, &terr));
        FL_ASSERT_EQ_INT(n, 1);
        FL_ASSERT_EQ_STR(hits[0].title, title);
        free(hits);
    }
    /* Prefix "ka*": every word whose first syllable is "ka" — i % 8 == 0. */
    bs_hit *hits = NULL;
    size_t n = 0;
    OK(bs_search(db, "chronicles ka*", 0, &hits, &n, &terr));
    FL_ASSERT_EQ_INT(n, BOOKS / 8);
    free(hits);
    close_test_db(db);
}

FL_TEST(bulk_search, like_and_fts_agree_on_whole_words)
{
    sqlite3 *db = open_test_db();
    if (!bs_has_fts(db))
        FL_SKIP("no FTS5 index");
    static const char *words[] = {"silent", "garden", "winter", "iron", "voyage", "volume"};
    for (int i = 0; i < 3000; i++) {
        char title[96];
        snprintf(title, sizeof title, "Extra %s %s number %d", words[i % 6], words[(i / 6) % 6], i);
        new_book(db, title, 500, 0);
    }
    for (size_t w = 0; w < 6; w++) {
        bs_hit *a = NULL, *b = NULL;
        size_t na = 0, nb = 0;
        char query[64];
        snprintf(query, sizeof query, "extra %s", words[w]);
        OK(bs_search(db, query, 0, &a, &na, &terr));
        OK(bs_search_like(db, words[w], 0, &b, &nb, &terr));
        size_t extra_like = 0;
        for (size_t i = 0; i < nb; i++)
            extra_like += strncmp(b[i].title, "Extra ", 6) == 0;
        FL_ASSERT_EQ_INT(na, extra_like);
        FL_ASSERT_GE_INT(na, 500);
        free(a);
        free(b);
    }
    close_test_db(db);
}
