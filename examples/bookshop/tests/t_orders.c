/*
 * t_orders.c — carts and orders (src/orders.c): editing a cart, placing it (stock,
 * re-pricing, all-or-nothing), paying, shipping and cancelling, the volume discount, and
 * the one-call bs_order_quick.
 */
#include "common.h"

#include <string.h>

static int64_t cart_for(sqlite3 *db, int64_t customer)
{
    int64_t cart = 0;
    OK(bs_order_create(db, customer, &cart, &terr));
    return cart;
}

static bs_order order_of(sqlite3 *db, int64_t id)
{
    bs_order o;
    OK(bs_order_get(db, id, &o, &terr));
    return o;
}

static int64_t on_hand(sqlite3 *db, int64_t book)
{
    int64_t n = 0;
    OK(bs_stock_on_hand(db, book, &n, &terr));
    return n;
}

/* ---- carts ---------------------------------------------------------------------------------- */

FL_TEST(orders_cart, new_cart_is_empty)
{
    sqlite3 *db = open_test_db();
    bs_order o = order_of(db, cart_for(db, fx_customer(db, "alice@example.com")));
    FL_ASSERT_EQ_STR(o.status, "cart");
    FL_ASSERT_EQ_INT(o.n_lines, 0);
    FL_ASSERT_EQ_INT(o.total_cents, 0);
    FL_ASSERT_EQ_STR(o.placed_at, "");
    close_test_db(db);
}

FL_TEST(orders_cart, unknown_customer_refused)
{
    sqlite3 *db = open_test_db();
    int64_t cart = 0;
    FAILS(BS_ERR_UNKNOWN_CUSTOMER, bs_order_create(db, 99999999, &cart, &terr));
    close_test_db(db);
}

FL_TEST(orders_cart, lines_show_prices_and_preview_totals)
{
    sqlite3 *db = open_test_db();
    int64_t cart = cart_for(db, fx_customer(db, "alice@example.com")); /* DE */
    OK(bs_order_add_line(db, cart, fx_book(db, "Dune"), 1, &terr));   /* 11.50 */
    bs_order o = order_of(db, cart);
    FL_ASSERT_EQ_INT(o.subtotal_cents, 1150);
    FL_ASSERT_EQ_INT(o.shipping_cents, 395);
    FL_ASSERT_EQ_INT(o.total_cents, 1545);
    FL_ASSERT_EQ_STR(o.status, "cart");
    close_test_db(db);
}

FL_TEST(orders_cart, same_book_twice_merges_into_one_line)
{
    sqlite3 *db = open_test_db();
    int64_t cart = cart_for(db, fx_customer(db, "bob@example.com"));
    int64_t dune = fx_book(db, "Dune");
    OK(bs_order_add_line(db, cart, dune, 2, &terr));
    OK(bs_order_add_line(db, cart, dune, 3, &terr));
    bs_order o = order_of(db, cart);
    FL_ASSERT_EQ_INT(o.n_lines, 1);
    FL_ASSERT_EQ_INT(o.n_items, 5);
    FL_ASSERT_EQ_INT(o.subtotal_cents, 5 * 1150);
    close_test_db(db);
}

FL_TEST(orders_cart, quantity_limits)
{
    sqlite3 *db = open_test_db();
    int64_t cart = cart_for(db, fx_customer(db, "bob@example.com"));
    int64_t dune = fx_book(db, "Dune");
    FAILS(BS_ERR_INVALID_QUANTITY, bs_order_add_line(db, cart, dune, 0, &terr));
    FAILS(BS_ERR_INVALID_QUANTITY, bs_order_add_line(db, cart, dune, -1, &terr));
    FAILS(BS_ERR_INVALID_QUANTITY, bs_order_add_line(db, cart, dune, 100, &terr));
    OK(bs_order_add_line(db, cart, dune, 99, &terr));
    FL_ASSERT_EQ_INT(order_of(db, cart).n_items, 99);
    close_test_db(db);
}

FL_TEST(orders_cart, merged_quantity_limited_too)
{
    sqlite3 *db = open_test_db();
    int64_t cart = cart_for(db, fx_customer(db, "bob@example.com"));
    int64_t dune = fx_book(db, "Dune");
    OK(bs_order_add_line(db, cart, dune, 60, &terr));
    FAILS(BS_ERR_INVALID_QUANTITY, bs_order_add_line(db, cart, dune, 40, &terr));
    FL_ASSERT_CONTAINS(terr.msg, "would be 100");
    FL_ASSERT_EQ_INT(order_of(db, cart).n_items, 60);
    close_test_db(db);
}

FL_TEST(orders_cart, unknown_book_or_order)
{
    sqlite3 *db = open_test_db();
    int64_t cart = cart_for(db, fx_customer(db, "bob@example.com"));
    FAILS(BS_ERR_NOT_FOUND, bs_order_add_line(db, cart, 99999999, 1, &terr));
    FAILS(BS_ERR_NOT_FOUND, bs_order_add_line(db, 99999999, fx_book(db, "Dune"), 1, &terr));
    FL_ASSERT_CONTAINS(terr.msg, "no order 99999999");
    close_test_db(db);
}

FL_TEST(orders_cart, out_of_stock_book_can_wait_in_a_cart)
{
    sqlite3 *db = open_test_db();
    int64_t cart = cart_for(db, fx_customer(db, "alice@example.com"));
    OK(bs_order_add_line(db, cart, fx_book(db, "Empty Shelf"), 1, &terr));
    FL_ASSERT_EQ_INT(order_of(db, cart).n_lines, 1);
    close_test_db(db);
}

FL_TEST(orders_cart, remove_line_updates_totals)
{
    sqlite3 *db = open_test_db();
    int64_t cart = cart_for(db, fx_customer(db, "bob@example.com")); /* US: 12.90 */
    int64_t dune = fx_book(db, "Dune"), gods = fx_book(db, "Small Gods");
    OK(bs_order_add_line(db, cart, dune, 1, &terr));
    OK(bs_order_add_line(db, cart, gods, 1, &terr));
    OK(bs_order_remove_line(db, cart, dune, &terr));
    bs_order o = order_of(db, cart);
    FL_ASSERT_EQ_INT(o.n_lines, 1);
    FL_ASSERT_EQ_INT(o.subtotal_cents, 999);
    FL_ASSERT_EQ_INT(o.total_cents, 999 + 1290);
    FAILS(BS_ERR_NOT_FOUND, bs_order_remove_line(db, cart, dune, &terr));
    close_test_db(db);
}

FL_TEST(orders_cart, emptied_cart_costs_nothing)
{
    sqlite3 *db = open_test_db();
    int64_t cart = cart_for(db, fx_customer(db, "bob@example.com"));
    int64_t dune = fx_book(db, "Dune");
    OK(bs_order_add_line(db, cart, dune, 1, &terr));
    OK(bs_order_remove_line(db, cart, dune, &terr));
    bs_order o = order_of(db, cart);
    FL_ASSERT_EQ_INT(o.shipping_cents, 0);
    FL_ASSERT_EQ_INT(o.total_cents, 0);
    close_test_db(db);
}

/* ---- placing ---------------------------------------------------------------------------------- */

FL_TEST(orders_place, takes_the_stock)
{
    sqlite3 *db = open_test_db();
    int64_t dune = fx_book(db, "Dune"), gods = fx_book(db, "Small Gods");
    int64_t cart = cart_for(db, fx_customer(db, "alice@example.com"));
    OK(bs_order_add_line(db, cart, dune, 3, &terr));
    OK(bs_order_add_line(db, cart, gods, 2, &terr));
    OK(bs_order_place(db, cart, NULL, &terr));
    FL_ASSERT_EQ_INT(on_hand(db, dune), 57);
    FL_ASSERT_EQ_INT(on_hand(db, gods), 23);
    close_test_db(db);
}

FL_TEST(orders_place, sets_status_date_and_totals)
{
    sqlite3 *db = open_test_db();
    int64_t cart = cart_for(db, fx_customer(db, "alice@example.com"));
    OK(bs_order_add_line(db, cart, fx_book(db, "Salt Fat Acid Heat"), 1, &terr)); /* 29.95 */
    OK(bs_order_place(db, cart, "2025-03-14 15:09:26", &terr));
    bs_order o = order_of(db, cart);
    FL_ASSERT_EQ_STR(o.status, "placed");
    FL_ASSERT_EQ_STR(o.placed_at, "2025-03-14 15:09:26");
    FL_ASSERT_EQ_INT(o.subtotal_cents, 2995);
    FL_ASSERT_EQ_INT(o.shipping_cents, 0); /* DE: free from 29.00 */
    FL_ASSERT_EQ_INT(o.total_cents, 2995);
    close_test_db(db);
}

FL_TEST(orders_place, now_when_no_date_given)
{
    sqlite3 *db = open_test_db();
    int64_t order = new_order(db, fx_customer(db, "alice@example.com"), fx_book(db, "Dune"), 1,
                              NULL, NULL);
    FL_ASSERT_EQ_INT(sql_int(db, "SELECT abs(strftime('%%s', placed_at) - strftime('%%s', 'now')) "
                                 "< 60 FROM orders WHERE id = %lld",
                             (long long)order),
                     1);
    close_test_db(db);
}

FL_TEST(orders_place, date_only_and_invalid_dates)
{
    sqlite3 *db = open_test_db();
    int64_t cart = cart_for(db, fx_customer(db, "alice@example.com"));
    OK(bs_order_add_line(db, cart, fx_book(db, "Dune"), 1, &terr));
    FAILS(BS_ERR_INVALID, bs_order_place(db, cart, "yesterday-ish", &terr));
    FAILS(BS_ERR_INVALID, bs_order_place(db, cart, "2025-13-45", &terr));
    FL_ASSERT_EQ_STR(order_of(db, cart).status, "cart");
    OK(bs_order_place(db, cart, "2025-02-01", &terr));
    FL_ASSERT_EQ_STR(order_of(db, cart).placed_at, "2025-02-01 00:00:00");
    close_test_db(db);
}

FL_TEST(orders_place, empty_cart_refused)
{
    sqlite3 *db = open_test_db();
    int64_t cart = cart_for(db, fx_customer(db, "alice@example.com"));
    FAILS(BS_ERR_EMPTY_ORDER, bs_order_place(db, cart, NULL, &terr));
    FL_ASSERT_EQ_STR(order_of(db, cart).status, "cart");
    close_test_db(db);
}

FL_TEST(orders_place, out_of_stock_names_the_book)
{
    sqlite3 *db = open_test_db();
    int64_t cart = cart_for(db, fx_customer(db, "alice@example.com"));
    OK(bs_order_add_line(db, cart, fx_book(db, "Gödel, Escher, Bach"), 9, &terr));
    FAILS(BS_ERR_OUT_OF_STOCK, bs_order_place(db, cart, NULL, &terr));
    FL_ASSERT_CONTAINS(terr.msg, "Gödel, Escher, Bach");
    FL_ASSERT_CONTAINS(terr.msg, "9 ordered, 8 on hand");
    close_test_db(db);
}

FL_TEST(orders_place, all_or_nothing)
{
    sqlite3 *db = open_test_db();
    int64_t dune = fx_book(db, "Dune"), empty = fx_book(db, "Empty Shelf");
    int64_t movements = sql_int(db, "SELECT count(*) FROM stock_movements");
    int64_t cart = cart_for(db, fx_customer(db, "alice@example.com"));
    OK(bs_order_add_line(db, cart, dune, 2, &terr));
    OK(bs_order_add_line(db, cart, empty, 1, &terr));
    FAILS(BS_ERR_OUT_OF_STOCK, bs_order_place(db, cart, NULL, &terr));
    FL_ASSERT_EQ_INT(on_hand(db, dune), 60);
    FL_ASSERT_EQ_INT(sql_int(db, "SELECT count(*) FROM stock_movements"), movements);
    FL_ASSERT_EQ_STR(order_of(db, cart).status, "cart");
    /* Without the missing book the same cart goes through. */
    OK(bs_order_remove_line(db, cart, empty, &terr));
    OK(bs_order_place(db, cart, NULL, &terr));
    FL_ASSERT_EQ_INT(on_hand(db, dune), 58);
    close_test_db(db);
}

FL_TEST(orders_place, last_copy_can_be_sold)
{
    sqlite3 *db = open_test_db();
    int64_t rare = fx_book(db, "Rare Edition");
    new_order(db, fx_customer(db, "dan@example.ch"), rare, 1, NULL, NULL);
    FL_ASSERT_EQ_INT(on_hand(db, rare), 0);
    int64_t cart = cart_for(db, fx_customer(db, "eve@example.jp"));
    OK(bs_order_add_line(db, cart, rare, 1, &terr));
    FAILS(BS_ERR_OUT_OF_STOCK, bs_order_place(db, cart, NULL, &terr));
    close_test_db(db);
}

FL_TEST(orders_place, reprices_lines_at_current_prices)
{
    sqlite3 *db = open_test_db();
    int64_t book = new_book(db, "Price Rise", 1000, 10);
    int64_t cart = cart_for(db, fx_customer(db, "bob@example.com"));
    OK(bs_order_add_line(db, cart, book, 2, &terr));
    FL_ASSERT_EQ_INT(order_of(db, cart).subtotal_cents, 2000);
    OK(bs_book_set_price(db, book, 1200, &terr));
    OK(bs_order_place(db, cart, NULL, &terr));
    FL_ASSERT_EQ_INT(order_of(db, cart).subtotal_cents, 2400);
    FL_ASSERT_EQ_INT(sql_int(db, "SELECT unit_price_cents FROM order_lines WHERE order_id = %lld",
                             (long long)cart),
                     1200);
    close_test_db(db);
}

FL_TEST(orders_place, book_discontinued_while_in_cart)
{
    sqlite3 *db = open_test_db();
    int64_t book = new_book(db, "Pulped", 1000, 10);
    int64_t cart = cart_for(db, fx_customer(db, "bob@example.com"));
    OK(bs_order_add_line(db, cart, book, 1, &terr));
    OK(bs_book_discontinue(db, book, &terr));
    FAILS(BS_ERR_DISCONTINUED, bs_order_place(db, cart, NULL, &terr));
    FL_ASSERT_EQ_INT(on_hand(db, book), 10);
    close_test_db(db);
}

FL_TEST(orders_place, placed_order_cannot_change_or_be_placed_again)
{
    sqlite3 *db = open_test_db();
    int64_t dune = fx_book(db, "Dune");
    int64_t order = new_order(db, fx_customer(db, "alice@example.com"), dune, 1, NULL, NULL);
    FAILS(BS_ERR_ORDER_STATE, bs_order_add_line(db, order, dune, 1, &terr));
    FL_ASSERT_CONTAINS(terr.msg, "is placed");
    FAILS(BS_ERR_ORDER_STATE, bs_order_remove_line(db, order, dune, &terr));
    FAILS(BS_ERR_ORDER_STATE, bs_order_place(db, order, NULL, &terr));
    FAILS(BS_ERR_ORDER_STATE, bs_order_apply_discount(db, order, "WELCOME10", &terr));
    close_test_db(db);
}

FL_TEST(orders_place, unknown_order)
{
    sqlite3 *db = open_test_db();
    FAILS(BS_ERR_NOT_FOUND, bs_order_place(db, 99999999, NULL, &terr));
    bs_order o;
    FAILS(BS_ERR_NOT_FOUND, bs_order_get(db, 99999999, &o, &terr));
    close_test_db(db);
}

/* ---- after placing ------------------------------------------------------------------------------ */

FL_TEST(orders_lifecycle, pay_the_exact_total)
{
    sqlite3 *db = open_test_db();
    int64_t order = new_order(db, fx_customer(db, "bob@example.com"), fx_book(db, "Dune"), 2,
                              NULL, NULL);
    bs_order o = order_of(db, order);
    FAILS(BS_ERR_PAYMENT_MISMATCH, bs_order_pay(db, order, o.total_cents - 1, &terr));
    FL_ASSERT_CONTAINS(terr.msg, "the total is 35.90");
    FAILS(BS_ERR_PAYMENT_MISMATCH, bs_order_pay(db, order, o.total_cents + 100, &terr));
    OK(bs_order_pay(db, order, o.total_cents, &terr));
    FL_ASSERT_EQ_STR(order_of(db, order).status, "paid");
    FL_ASSERT_EQ_INT(sql_int(db, "SELECT paid_at IS NOT NULL FROM orders WHERE id = %lld",
                             (long long)order),
                     1);
    close_test_db(db);
}

FL_TEST(orders_lifecycle, cannot_pay_a_cart_or_twice)
{
    sqlite3 *db = open_test_db();
    int64_t cart = cart_for(db, fx_customer(db, "bob@example.com"));
    OK(bs_order_add_line(db, cart, fx_book(db, "Dune"), 1, &terr));
    FAILS(BS_ERR_ORDER_STATE, bs_order_pay(db, cart, order_of(db, cart).total_cents, &terr));
    OK(bs_order_place(db, cart, NULL, &terr));
    int64_t total = order_of(db, cart).total_cents;
    OK(bs_order_pay(db, cart, total, &terr));
    FAILS(BS_ERR_ORDER_STATE, bs_order_pay(db, cart, total, &terr));
    FL_ASSERT_CONTAINS(terr.msg, "is paid");
    close_test_db(db);
}

FL_TEST(orders_lifecycle, ship_only_after_payment)
{
    sqlite3 *db = open_test_db();
    int64_t order = new_order(db, fx_customer(db, "bob@example.com"), fx_book(db, "Dune"), 1,
                              NULL, NULL);
    FAILS(BS_ERR_ORDER_STATE, bs_order_ship(db, order, &terr));
    FL_ASSERT_CONTAINS(terr.msg, "only a paid order can be shipped");
    OK(bs_order_pay(db, order, order_of(db, order).total_cents, &terr));
    OK(bs_order_ship(db, order, &terr));
    FL_ASSERT_EQ_STR(order_of(db, order).status, "shipped");
    FAILS(BS_ERR_ORDER_STATE, bs_order_ship(db, order, &terr));
    close_test_db(db);
}

FL_TEST(orders_lifecycle, cancel_placed_order_returns_stock)
{
    sqlite3 *db = open_test_db();
    int64_t dune = fx_book(db, "Dune");
    int64_t order = new_order(db, fx_customer(db, "alice@example.com"), dune, 7, NULL, NULL);
    FL_ASSERT_EQ_INT(on_hand(db, dune), 53);
    OK(bs_order_cancel(db, order, &terr));
    FL_ASSERT_EQ_INT(on_hand(db, dune), 60);
    FL_ASSERT_EQ_STR(order_of(db, order).status, "cancelled");
    close_test_db(db);
}

FL_TEST(orders_lifecycle, cancel_paid_order_returns_stock)
{
    sqlite3 *db = open_test_db();
    int64_t gods = fx_book(db, "Small Gods");
    int64_t order = new_order(db, fx_customer(db, "alice@example.com"), gods, 5, NULL, NULL);
    OK(bs_order_pay(db, order, order_of(db, order).total_cents, &terr));
    OK(bs_order_cancel(db, order, &terr));
    FL_ASSERT_EQ_INT(on_hand(db, gods), 25);
    close_test_db(db);
}

FL_TEST(orders_lifecycle, cancel_cart_touches_no_stock)
{
    sqlite3 *db = open_test_db();
    int64_t movements = sql_int(db, "SELECT count(*) FROM stock_movements");
    int64_t cart = cart_for(db, fx_customer(db, "alice@example.com"));
    OK(bs_order_add_line(db, cart, fx_book(db, "Dune"), 2, &terr));
    OK(bs_order_cancel(db, cart, &terr));
    FL_ASSERT_EQ_STR(order_of(db, cart).status, "cancelled");
    FL_ASSERT_EQ_INT(sql_int(db, "SELECT count(*) FROM stock_movements"), movements);
    close_test_db(db);
}

FL_TEST(orders_lifecycle, shipped_or_cancelled_cannot_be_cancelled)
{
    sqlite3 *db = open_test_db();
    int64_t order = new_order(db, fx_customer(db, "bob@example.com"), fx_book(db, "Dune"), 1,
                              NULL, NULL);
    OK(bs_order_pay(db, order, order_of(db, order).total_cents, &terr));
    OK(bs_order_ship(db, order, &terr));
    FAILS(BS_ERR_ORDER_STATE, bs_order_cancel(db, order, &terr));
    FL_ASSERT_CONTAINS(terr.msg, "can no longer be cancelled");
    int64_t other = new_order(db, fx_customer(db, "bob@example.com"), fx_book(db, "Dune"), 1,
                              NULL, NULL);
    OK(bs_order_cancel(db, other, &terr));
    FAILS(BS_ERR_ORDER_STATE, bs_order_cancel(db, other, &terr));
    FAILS(BS_ERR_ORDER_STATE, bs_order_pay(db, other, 0, &terr));
    close_test_db(db);
}

FL_TEST(orders_lifecycle, cancel_unknown_order)
{
    sqlite3 *db = open_test_db();
    FAILS(BS_ERR_NOT_FOUND, bs_order_cancel(db, 99999999, &terr));
    FAILS(BS_ERR_NOT_FOUND, bs_order_ship(db, 99999999, &terr));
    FAILS(BS_ERR_NOT_FOUND, bs_order_pay(db, 99999999, 100, &terr));
    close_test_db(db);
}

FL_TEST(orders_lifecycle, history_statuses_have_their_timestamps)
{
    sqlite3 *db = open_test_db();
    FL_ASSERT_EQ_INT(sql_int(db, "SELECT count(*) FROM orders WHERE status = 'shipped' AND "
                                 "(paid_at IS NULL OR shipped_at IS NULL)"),
                     0);
    FL_ASSERT_EQ_INT(sql_int(db, "SELECT count(*) FROM orders WHERE status = 'paid' AND "
                                 "(paid_at IS NULL OR shipped_at IS NOT NULL)"),
                     0);
    FL_ASSERT_EQ_INT(sql_int(db, "SELECT count(*) FROM orders WHERE status = 'cancelled' AND "
                                 "cancelled_at IS NULL"),
                     0);
    FL_ASSERT_GT_INT(sql_int(db, "SELECT count(*) FROM orders WHERE status = 'cancelled'"), 0);
    close_test_db(db);
}

/* ---- volume discount ------------------------------------------------------------------------------ */

FL_TEST(orders_volume, nine_copies_pay_full_price)
{
    sqlite3 *db = open_test_db();
    int64_t cart = cart_for(db, fx_customer(db, "bob@example.com"));
    OK(bs_order_add_line(db, cart, fx_book(db, "The Very Hungry Caterpillar"), 9, &terr));
    FL_ASSERT_EQ_INT(order_of(db, cart).subtotal_cents, 9 * 799);
    close_test_db(db);
}

FL_TEST(orders_volume, ten_copies_get_ten_percent_off)
{
    sqlite3 *db = open_test_db();
    int64_t cart = cart_for(db, fx_customer(db, "bob@example.com"));
    OK(bs_order_add_line(db, cart, fx_book(db, "The Very Hungry Caterpillar"), 10, &terr));
    FL_ASSERT_EQ_INT(order_of(db, cart).subtotal_cents, 7990 - 799);
    close_test_db(db);
}

FL_TEST(orders_volume, discount_rounds_half_up)
{
    sqlite3 *db = open_test_db();
    int64_t book = new_book(db, "Odd Price", 1005, 50); /* 11 × 10.05 = 110.55; 10 % = 11.055 */
    int64_t cart = cart_for(db, fx_customer(db, "bob@example.com"));
    OK(bs_order_add_line(db, cart, book, 11, &terr));
    FL_ASSERT_EQ_INT(order_of(db, cart).subtotal_cents, 11055 - 1106);
    close_test_db(db);
}

FL_TEST(orders_volume, reached_by_merging_lines)
{
    sqlite3 *db = open_test_db();
    int64_t caterpillar = fx_book(db, "The Very Hungry Caterpillar");
    int64_t cart = cart_for(db, fx_customer(db, "bob@example.com"));
    OK(bs_order_add_line(db, cart, caterpillar, 6, &terr));
    FL_ASSERT_EQ_INT(order_of(db, cart).subtotal_cents, 6 * 799);
    OK(bs_order_add_line(db, cart, caterpillar, 6, &terr));
    FL_ASSERT_EQ_INT(order_of(db, cart).subtotal_cents, 12 * 799 - bs_percent_of(12 * 799, 1000));
    close_test_db(db);
}

FL_TEST(orders_volume, per_line_not_per_order)
{
    sqlite3 *db = open_test_db();
    int64_t cart = cart_for(db, fx_customer(db, "bob@example.com"));
    OK(bs_order_add_line(db, cart, fx_book(db, "Dune"), 5, &terr));
    OK(bs_order_add_line(db, cart, fx_book(db, "Small Gods"), 5, &terr));
    FL_ASSERT_EQ_INT(order_of(db, cart).subtotal_cents, 5 * 1150 + 5 * 999);
    close_test_db(db);
}

FL_TEST(orders_volume, table_of_quantities)
{
    sqlite3 *db = open_test_db();
    int64_t book = new_book(db, "Bulk Item", 333, 2000);
    for (int qty = 1; qty <= BS_MAX_LINE_QTY; qty++) {
        int64_t cart = cart_for(db, fx_customer(db, "bob@example.com"));
        OK(bs_order_add_line(db, cart, book, qty, &terr));
        int64_t gross = qty * 333;
        int64_t expected = qty >= 10 ? gross - (gross * 1000 + 5000) / 10000 : gross;
        FL_ASSERT_EQ_INT(order_of(db, cart).subtotal_cents, expected);
    }
    close_test_db(db);
}

/* ---- one call ----------------------------------------------------------------------------------- */

FL_TEST(orders_quick, places_in_one_call)
{
    sqlite3 *db = open_test_db();
    bs_line lines[] = {{fx_book(db, "Dune"), 1}, {fx_book(db, "American Gods"), 2}};
    int64_t order = 0;
    OK(bs_order_quick(db, fx_customer(db, "frank@example.at"), lines, 2, NULL, "2025-06-01",
                      &order, &terr));
    bs_order o = order_of(db, order);
    FL_ASSERT_EQ_STR(o.status, "placed");
    FL_ASSERT_EQ_INT(o.subtotal_cents, 1150 + 2 * 1299);
    FL_ASSERT_EQ_INT(o.shipping_cents, 595); /* AT: 5.95 below 49.00 */
    close_test_db(db);
}

FL_TEST(orders_quick, failure_leaves_no_order_behind)
{
    sqlite3 *db = open_test_db();
    int64_t orders = sql_int(db, "SELECT count(*) FROM orders");
    bs_line lines[] = {{fx_book(db, "Dune"), 1}, {fx_book(db, "Empty Shelf"), 1}};
    int64_t order = 0;
    FAILS(BS_ERR_OUT_OF_STOCK, bs_order_quick(db, fx_customer(db, "alice@example.com"), lines, 2,
                                              NULL, NULL, &order, &terr));
    FL_ASSERT_EQ_INT(sql_int(db, "SELECT count(*) FROM orders"), orders);
    FL_ASSERT_EQ_INT(on_hand(db, fx_book(db, "Dune")), 60);
    close_test_db(db);
}

FL_TEST(orders_quick, errors_of_each_step_come_through)
{
    sqlite3 *db = open_test_db();
    int64_t alice = fx_customer(db, "alice@example.com"), order = 0;
    bs_line good = {fx_book(db, "Dune"), 1};
    bs_line bad_qty = {fx_book(db, "Dune"), 0};
    bs_line gone = {fx_book(db, "Out of Print Classic"), 1};
    FAILS(BS_ERR_UNKNOWN_CUSTOMER, bs_order_quick(db, 99999999, &good, 1, NULL, NULL, &order, &terr));
    FAILS(BS_ERR_INVALID_QUANTITY, bs_order_quick(db, alice, &bad_qty, 1, NULL, NULL, &order, &terr));
    FAILS(BS_ERR_DISCONTINUED, bs_order_quick(db, alice, &gone, 1, NULL, NULL, &order, &terr));
    FAILS(BS_ERR_EMPTY_ORDER, bs_order_quick(db, alice, NULL, 0, NULL, NULL, &order, &terr));
    FAILS(BS_ERR_DISCOUNT_UNKNOWN, bs_order_quick(db, alice, &good, 1, "NOPE", NULL, &order, &terr));
    close_test_db(db);
}
