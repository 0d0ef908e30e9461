/*
 * t_scale.c — more scenarios at scale: a model-based run of thousands of random order
 * operations checked step by step against the order state machine, re-pricing a thousand
 * carts, authorship at scale and re-indexing when a prolific author is renamed.  Like
 * t_bulk.c, each test takes a few tenths of a second and is rolled back.
 */
#include "common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng = 1;

static void seed(uint64_t s)
{
    rng = s * 0x9E3779B97F4A7C15ULL + 1;
}

static int below(int n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (int)(rng % (uint64_t)n);
}

/* ---- the order state machine, modelled ---------------------------------------------------- */

enum { M_BOOKS = 5, M_ORDERS = 800, M_STEPS = 60000 };

typedef enum { S_CART, S_PLACED, S_PAID, S_SHIPPED, S_CANCELLED } m_status;

static const char *const status_names[] = {"cart", "placed", "paid", "shipped", "cancelled"};

typedef struct model {
    int64_t books[M_BOOKS], stock[M_BOOKS];
    int64_t orders[M_ORDERS];
    m_status status[M_ORDERS];
    int qty[M_ORDERS][M_BOOKS];
} model;

static int lines_of(const model *m, int o)
{
    int n = 0;
    for (int b = 0; b < M_BOOKS; b++)
        n += m->qty[o][b] > 0;
    return n;
}

static int expect_add(model *m, int o, int b, int q)
{
    if (m->status[o] != S_CART)
        return BS_ERR_ORDER_STATE;
    if (m->qty[o][b] + q > BS_MAX_LINE_QTY)
        return BS_ERR_INVALID_QUANTITY;
    m->qty[o][b] += q;
    return BS_OK;
}

static int expect_remove(model *m, int o, int b)
{
    if (m->status[o] != S_CART)
        return BS_ERR_ORDER_STATE;
    if (m->qty[o][b] == 0)
        return BS_ERR_NOT_FOUND;
    m->qty[o][b] = 0;
    return BS_OK;
}

static int expect_place(model *m, int o)
{
    if (m->status[o] != S_CART)
        return BS_ERR_ORDER_STATE;
    for (int b = 0; b < M_BOOKS; b++)
        if (m->qty[o][b] > m->stock[b])
            return BS_ERR_OUT_OF_STOCK;
    if (lines_of(m, o) == 0)
        return BS_ERR_EMPTY_ORDER;
    for (int b = 0; b < M_BOOKS; b++)
        m->stock[b] -= m->qty[o][b];
    m->status[o] = S_PLACED;
    return BS_OK;
}

static int expect_step(model *m, int o, m_status from, m_status to)
{
    if (m->status[o] != from)
        return BS_ERR_ORDER_STATE;
    m->status[o] = to;
    return BS_OK;
}

static int expect_cancel(model *m, int o)
{
    m_status s = m->status[o];
    if (s == S_SHIPPED || s == S_CANCELLED)
        return BS_ERR_ORDER_STATE;
    if (s != S_CART)
        for (int b = 0; b < M_BOOKS; b++)
            m->stock[b] += m->qty[o][b];
    m->status[o] = S_CANCELLED;
    return BS_OK;
}

static int64_t total_of(sqlite3 *db, int64_t order)
{
    bs_order o;
    OK(bs_order_get(db, order, &o, &terr));
    return o.total_cents;
}

/* One random operation on the database and on the model; their answers must agree.
 * Returns the code both gave. */
static int random_step(sqlite3 *db, model *m, int step)
{
    int o = below(M_ORDERS), b = below(M_BOOKS), op = below(100), expected, got;
    int64_t id = m->orders[o];
    const char *name;
    bs_error_clear(&terr);
    if (op < 40) {
        int q = 1 + below(5);
        name = "add";
        expected = expect_add(m, o, b, q);
        got = bs_order_add_line(db, id, m->books[b], q, &terr);
    } else if (op < 48) {
        name = "remove";
        expected = expect_remove(m, o, b);
        got = bs_order_remove_line(db, id, m->books[b], &terr);
    } else if (op < 63) {
        name = "place";
        expected = expect_place(m, o);
        got = bs_order_place(db, id, NULL, &terr);
    } else if (op < 75) {
        name = "pay";
        int64_t amount = m->status[o] == S_PLACED ? total_of(db, id) : 100;
        expected = expect_step(m, o, S_PLACED, S_PAID);
        got = bs_order_pay(db, id, amount, &terr);
    } else if (op < 85) {
        name = "ship";
        expected = expect_step(m, o, S_PAID, S_SHIPPED);
        got = bs_order_ship(db, id, &terr);
    } else if (op < 99) {
        name = "cancel";
        expected = expect_cancel(m, o);
        got = bs_order_cancel(db, id, &terr);
    } else {
        name = "receive";
        expected = BS_OK;
        m->stock[b] += 5;
        got = bs_stock_receive(db, m->books[b], 5, &terr);
    }
    if (got != expected)
        FL_FAIL("step %d, %s on order %d (%s): expected %s, got %s (%s)", step, name, o,
                status_names[m->status[o]], bs_code_name(expected), bs_code_name(got), terr.msg);
    return got;
}

static void start_model(sqlite3 *db, model *m)
{
    memset(m, 0, sizeof *m);
    int64_t customer = new_customer(db, "DE");
    for (int b = 0; b < M_BOOKS; b++) {
        m->books[b] = new_book(db, "Modelled", 700 + 100 * b, 20);
        m->stock[b] = 20;
    }
    for (int o = 0; o < M_ORDERS; o++) {
        OK(bs_order_create(db, customer, &m->orders[o], &terr));
        m->status[o] = S_CART;
    }
}

static void check_model(sqlite3 *db, const model *m)
{
    for (int b = 0; b < M_BOOKS; b++) {
        int64_t on_hand = 0;
        OK(bs_stock_on_hand(db, m->books[b], &on_hand, &terr));
        FL_ASSERT_EQ_INT(on_hand, m->stock[b]);
    }
    for (int o = 0; o < M_ORDERS; o++) {
        bs_order order;
        OK(bs_order_get(db, m->orders[o], &order, &terr));
        FL_ASSERT_EQ_STR(order.status, status_names[m->status[o]]);
        FL_ASSERT_EQ_INT(order.n_lines, lines_of(m, o));
    }
}

FL_TEST(bulk_lifecycle, random_operations_follow_the_state_machine)
{
    sqlite3 *db = open_test_db();
    static model m;
    start_model(db, &m);
    seed(41);
    for (int step = 0; step < M_STEPS; step++)
        random_step(db, &m, step);
    check_model(db, &m);
    close_test_db(db);
}

FL_TEST(bulk_lifecycle, another_seed_meets_every_refusal)
{
    sqlite3 *db = open_test_db();
    static model m;
    start_model(db, &m);
    int ok = 0, state = 0, stock = 0, empty = 0, missing = 0;
    seed(43);
    for (int step = 0; step < M_STEPS; step++) {
        int rc = random_step(db, &m, step);
        ok += rc == BS_OK;
        state += rc == BS_ERR_ORDER_STATE;
        stock += rc == BS_ERR_OUT_OF_STOCK;
        empty += rc == BS_ERR_EMPTY_ORDER;
        missing += rc == BS_ERR_NOT_FOUND;
    }
    check_model(db, &m);
    /* The walk was not trivial: it succeeded often and met each refusal of the rules. */
    FL_ASSERT_GT_INT(ok, 2 * M_ORDERS);
    FL_ASSERT_GT_INT(state, 0);
    FL_ASSERT_GT_INT(stock, 0);
    FL_ASSERT_GT_INT(empty, 0);
    FL_ASSERT_GT_INT(missing, 0);
    close_test_db(db);
}

FL_TEST(bulk_lifecycle, fifteen_hundred_orders_paid_and_shipped)
{
    enum { ORDERS = 1500 };
    sqlite3 *db = open_test_db();
    int64_t book = new_book(db, "Steady Seller", 1500, ORDERS * 2);
    int64_t customer = new_customer(db, "GB");
    int64_t paid_total = 0;
    for (int i = 0; i < ORDERS; i++) {
        int64_t id = new_order(db, customer, book, 1 + i % 2, NULL, "2034-05-05");
        int64_t total = total_of(db, id);
        OK(bs_order_pay(db, id, total, &terr));
        if (i % 3 != 0)
            OK(bs_order_ship(db, id, &terr));
        paid_total += total;
    }
    FL_ASSERT_EQ_INT(sql_int(db, "SELECT count(*) FROM orders WHERE customer_id = %lld AND "
                                 "status = 'shipped'",
                             (long long)customer),
                     ORDERS - ORDERS / 3);
    int64_t lifetime = 0;
    OK(bs_customer_lifetime_cents(db, customer, &lifetime, &terr));
    FL_ASSERT_EQ_INT(lifetime, paid_total);
    /* GB: 9.90 shipping below 99.00: 15.00 + 9.90 and 30.00 + 9.90 */
    FL_ASSERT_EQ_INT(paid_total, ORDERS / 2 * (2490 + 3990));
    close_test_db(db);
}

/* ---- re-pricing ------------------------------------------------------------------------------- */

FL_TEST(bulk_reprice, four_thousand_carts_placed_after_a_price_change)
{
    enum { CARTS = 4000, BOOKS = 6 };
    sqlite3 *db = open_test_db();
    static int64_t carts[CARTS];
    static int qty[CARTS][2], which[CARTS][2];
    int64_t books[BOOKS];
    for (int b = 0; b < BOOKS; b++)
        books[b] = new_book(db, "Repriced", 1000, 16000);
    int64_t customer = new_customer(db, "CH");
    seed(47);
    for (int c = 0; c < CARTS; c++) {
        OK(bs_order_create(db, customer, &carts[c], &terr));
        which[c][0] = below(3);
        which[c][1] = 3 + below(3);
        for (int l = 0; l < 2; l++) {
            qty[c][l] = 1 + below(4);
            OK(bs_order_add_line(db, carts[c], books[which[c][l]], qty[c][l], &terr));
        }
    }
    for (int b = 0; b < BOOKS; b++)
        OK(bs_book_set_price(db, books[b], 1000 + 250 * b, &terr));
    int64_t expected = 0;
    for (int c = 0; c < CARTS; c++) {
        OK(bs_order_place(db, carts[c], "2034-06-06", &terr));
        bs_order o;
        OK(bs_order_get(db, carts[c], &o, &terr));
        int64_t subtotal = 0;
        for (int l = 0; l < 2; l++)
            subtotal += qty[c][l] * (1000 + 250 * which[c][l]);
        FL_ASSERT_EQ_INT(o.subtotal_cents, subtotal);
        expected += subtotal;
    }
    FL_ASSERT_EQ_INT(sql_int(db, "SELECT sum(subtotal_cents) FROM orders WHERE customer_id = %lld",
                             (long long)customer),
                     expected);
    FL_ASSERT_EQ_INT(sql_int(db, "SELECT count(*) FROM price_history WHERE book_id IN "
                                 "(SELECT id FROM books WHERE title = 'Repriced')"),
                     BOOKS - 1); /* book 0 kept its price */
    close_test_db(db);
}

/* ---- authors ----------------------------------------------------------------------------------- */

FL_TEST(bulk_authors, books_per_author_at_scale)
{
    enum { BOOKS = 5000, AUTHORS = 120 };
    sqlite3 *db = open_test_db();
    static int64_t expected[AUTHORS];
    memset(expected, 0, sizeof expected);
    seed(53);
    for (int i = 0; i < BOOKS; i++) {
        char a[3][40];
        const char *names[3];
        int n = 1 + below(3), first = below(AUTHORS);
        for (int k = 0; k < n; k++) {
            int who = (first + 11 * k) % AUTHORS;
            snprintf(a[k], sizeof a[k], "Prolific Writer %03d", who);
            names[k] = a[k];
            expected[who]++;
        }
        bs_book_input in = {.isbn = new_isbn(), .title = "Collected Works", .genre = "fiction",
                            .price_cents = 999, .authors = names, .n_authors = (size_t)n};
        OK(bs_book_add(db, &in, NULL, &terr));
    }
    for (int w = 0; w < AUTHORS; w++) {
        char name[40];
        snprintf(name, sizeof name, "Prolific Writer %03d", w);
        int64_t id = 0, count = 0;
        OK(bs_author_find(db, name, &id, &terr));
        OK(bs_book_count_by_author(db, id, &count, &terr));
        FL_ASSERT_EQ_INT(count, expected[w]);
    }
    close_test_db(db);
}

FL_TEST(bulk_authors, renaming_a_prolific_author_reindexes_every_book)
{
    enum { BOOKS = 3000 };
    sqlite3 *db = open_test_db();
    if (!bs_has_fts(db))
        FL_SKIP("no FTS5 index");
    const char *authors[] = {"Pseudonymous Scribbler"};
    for (int i = 0; i < BOOKS; i++) {
        char title[64];
        snprintf(title, sizeof title, "Penny Dreadful %d", i);
        bs_book_input in = {.isbn = new_isbn(), .title = title, .genre = "crime",
                            .price_cents = 150, .authors = authors, .n_authors = 1};
        OK(bs_book_add(db, &in, NULL, &terr));
    }
    bs_hit *hits = NULL;
    size_t n = 0;
    OK(bs_search(db, "pseudonymous scribbler", 0, &hits, &n, &terr));
    FL_ASSERT_EQ_INT(n, BOOKS);
    free(hits);
    int64_t id = 0;
    OK(bs_author_find(db, "Pseudonymous Scribbler", &id, &terr));
    OK(bs_author_rename(db, id, "Revealed Novelist", &terr));
    OK(bs_search(db, "revealed novelist", 0, &hits, &n, &terr));
    FL_ASSERT_EQ_INT(n, BOOKS);
    FL_ASSERT_EQ_STR(hits[0].authors, "Revealed Novelist");
    free(hits);
    OK(bs_search(db, "pseudonymous", 0, &hits, &n, &terr));
    FL_ASSERT_EQ_INT(n, 0);
    free(hits);
    close_test_db(db);
}
