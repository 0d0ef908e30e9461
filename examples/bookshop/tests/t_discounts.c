/*
 * t_discounts.c — discount codes (src/orders.c): percent and fixed codes, validity windows,
 * minimum subtotals, limited uses counted at placement and given back on cancellation.
 * The codes are the reference data of migration 008.
 */
#include "common.h"

static bs_order order_of(sqlite3 *db, int64_t id)
{
    bs_order o;
    OK(bs_order_get(db, id, &o, &terr));
    return o;
}

static int64_t cart_with(sqlite3 *db, const char *email, const char *title, int qty)
{
    int64_t cart = 0;
    OK(bs_order_create(db, fx_customer(db, email), &cart, &terr));
    OK(bs_order_add_line(db, cart, fx_book(db, title), qty, &terr));
    return cart;
}

static int64_t uses_of(sqlite3 *db, const char *code)
{
    return sql_int(db, "SELECT uses FROM discounts WHERE code = %Q", code);
}

/* ---- the rules ---------------------------------------------------------------------------- */

FL_TEST(discounts_rules, percent_code)
{
    sqlite3 *db = open_test_db();
    int64_t cart = cart_with(db, "alice@example.com", "Dune", 3); /* 34.50 */
    OK(bs_order_apply_discount(db, cart, "WELCOME10", &terr));
    bs_order o = order_of(db, cart);
    FL_ASSERT_EQ_INT(o.discount_cents, 345);
    FL_ASSERT_EQ_INT(o.shipping_cents, 0); /* 31.05 is over DE's 29.00 */
    FL_ASSERT_EQ_INT(o.total_cents, 3105);
    FL_ASSERT_EQ_STR(o.discount_code, "WELCOME10");
    close_test_db(db);
}

FL_TEST(discounts_rules, fixed_code)
{
    sqlite3 *db = open_test_db();
    int64_t cart = cart_with(db, "bob@example.com", "Salt Fat Acid Heat", 1);
    OK(bs_order_add_line(db, cart, fx_book(db, "Dune"), 1, &terr)); /* 41.45 */
    OK(bs_order_apply_discount(db, cart, "FIVEOFF", &terr));
    bs_order o = order_of(db, cart);
    FL_ASSERT_EQ_INT(o.discount_cents, 500);
    FL_ASSERT_EQ_INT(o.total_cents, 4145 - 500 + 1290);
    close_test_db(db);
}

FL_TEST(discounts_rules, code_ignores_case_and_spaces)
{
    sqlite3 *db = open_test_db();
    int64_t cart = cart_with(db, "alice@example.com", "Dune", 1);
    OK(bs_order_apply_discount(db, cart, " welcome10 ", &terr));
    FL_ASSERT_EQ_STR(order_of(db, cart).discount_code, "WELCOME10");
    close_test_db(db);
}

FL_TEST(discounts_rules, unknown_code)
{
    sqlite3 *db = open_test_db();
    int64_t cart = cart_with(db, "alice@example.com", "Dune", 1);
    FAILS(BS_ERR_DISCOUNT_UNKNOWN, bs_order_apply_discount(db, cart, "FREESTUFF", &terr));
    FL_ASSERT_CONTAINS(terr.msg, "FREESTUFF");
    FAILS(BS_ERR_DISCOUNT_UNKNOWN, bs_order_apply_discount(db, cart, NULL, &terr));
    FL_ASSERT_EQ_STR(order_of(db, cart).discount_code, "");
    close_test_db(db);
}

FL_TEST(discounts_rules, expired_code)
{
    sqlite3 *db = open_test_db();
    int64_t cart = cart_with(db, "alice@example.com", "Dune", 1);
    FAILS(BS_ERR_DISCOUNT_EXPIRED, bs_order_apply_discount(db, cart, "SUMMER23", &terr));
    FL_ASSERT_CONTAINS(terr.msg, "valid from 2023-06-01 until 2023-08-31");
    close_test_db(db);
}

FL_TEST(discounts_rules, seasonal_code_inside_its_window)
{
    sqlite3 *db = open_test_db();
    int64_t order = new_order(db, fx_customer(db, "alice@example.com"), fx_book(db, "Dune"), 2,
                              "SUMMER23", "2023-07-15 10:00:00");
    bs_order o = order_of(db, order);
    FL_ASSERT_EQ_INT(o.discount_cents, 460); /* 20 % of 23.00 */
    FL_ASSERT_EQ_INT(o.shipping_cents, 395); /* 18.40 < 29.00 */
    close_test_db(db);
}

FL_TEST(discounts_rules, window_edges_are_inclusive_days)
{
    sqlite3 *db = open_test_db();
    int64_t alice = fx_customer(db, "alice@example.com"), dune = fx_book(db, "Dune");
    new_order(db, alice, dune, 1, "SUMMER23", "2023-06-01 00:00:00");
    new_order(db, alice, dune, 1, "SUMMER23", "2023-08-31 23:59:59");
    bs_line line = {dune, 1};
    int64_t order = 0;
    FAILS(BS_ERR_DISCOUNT_EXPIRED,
          bs_order_quick(db, alice, &line, 1, "SUMMER23", "2023-05-31 23:59:59", &order, &terr));
    FAILS(BS_ERR_DISCOUNT_EXPIRED,
          bs_order_quick(db, alice, &line, 1, "SUMMER23", "2023-09-01 00:00:00", &order, &terr));
    FL_ASSERT_CONTAINS(terr.msg, "not on 2023-09-01");
    close_test_db(db);
}

FL_TEST(discounts_rules, future_code_not_yet_valid)
{
    sqlite3 *db = open_test_db();
    sql_exec(db, "INSERT INTO discounts (code, kind, value, valid_from) "
                 "VALUES ('NEXTYEAR', 'percent', 500, date('now', '+1 year'))");
    int64_t cart = cart_with(db, "alice@example.com", "Dune", 1);
    FAILS(BS_ERR_DISCOUNT_EXPIRED, bs_order_apply_discount(db, cart, "NEXTYEAR", &terr));
    FL_ASSERT_CONTAINS(terr.msg, "until the end");
    close_test_db(db);
}

FL_TEST(discounts_rules, minimum_subtotal)
{
    sqlite3 *db = open_test_db();
    int64_t cart = cart_with(db, "alice@example.com", "Dune", 1);
    FAILS(BS_ERR_DISCOUNT_MIN_TOTAL, bs_order_apply_discount(db, cart, "FIVEOFF", &terr));
    FL_ASSERT_CONTAINS(terr.msg, "at least 30.00 (this order: 11.50)");
    OK(bs_order_add_line(db, cart, fx_book(db, "Dune"), 2, &terr));
    OK(bs_order_apply_discount(db, cart, "FIVEOFF", &terr));
    close_test_db(db);
}

FL_TEST(discounts_rules, minimum_checked_again_at_placement)
{
    sqlite3 *db = open_test_db();
    int64_t dune = fx_book(db, "Dune");
    int64_t cart = cart_with(db, "alice@example.com", "Dune", 3);
    OK(bs_order_apply_discount(db, cart, "FIVEOFF", &terr));
    OK(bs_order_remove_line(db, cart, dune, &terr));
    OK(bs_order_add_line(db, cart, dune, 1, &terr));
    FL_ASSERT_EQ_INT(order_of(db, cart).discount_cents, 0); /* the preview drops it */
    FAILS(BS_ERR_DISCOUNT_MIN_TOTAL, bs_order_place(db, cart, NULL, &terr));
    FL_ASSERT_EQ_STR(order_of(db, cart).status, "cart");
    close_test_db(db);
}

FL_TEST(discounts_rules, fixed_code_capped_at_subtotal)
{
    sqlite3 *db = open_test_db();
    int64_t cart = cart_with(db, "alice@example.com", "Dune", 1);
    OK(bs_order_apply_discount(db, cart, "FREEBOOK", &terr));
    bs_order o = order_of(db, cart);
    FL_ASSERT_EQ_INT(o.discount_cents, 1150);
    FL_ASSERT_EQ_INT(o.shipping_cents, 395);
    FL_ASSERT_EQ_INT(o.total_cents, 395);
    close_test_db(db);
}

FL_TEST(discounts_rules, percent_rounds_half_up)
{
    sqlite3 *db = open_test_db();
    int64_t cart = cart_with(db, "alice@example.com", "Dune", 9); /* 103.50 */
    OK(bs_order_apply_discount(db, cart, "BIGSPENDER", &terr));
    FL_ASSERT_EQ_INT(order_of(db, cart).discount_cents, 1553); /* 15 % = 15.525 */
    close_test_db(db);
}

FL_TEST(discounts_rules, applies_after_the_volume_discount)
{
    sqlite3 *db = open_test_db();
    int64_t cart = cart_with(db, "alice@example.com", "The Very Hungry Caterpillar", 10);
    OK(bs_order_apply_discount(db, cart, "WELCOME10", &terr));
    bs_order o = order_of(db, cart);
    FL_ASSERT_EQ_INT(o.subtotal_cents, 7191);
    FL_ASSERT_EQ_INT(o.discount_cents, 719);
    close_test_db(db);
}

FL_TEST(discounts_rules, second_code_replaces_the_first)
{
    sqlite3 *db = open_test_db();
    int64_t cart = cart_with(db, "alice@example.com", "Dune", 3);
    OK(bs_order_apply_discount(db, cart, "WELCOME10", &terr));
    OK(bs_order_apply_discount(db, cart, "FIVEOFF", &terr));
    bs_order o = order_of(db, cart);
    FL_ASSERT_EQ_STR(o.discount_code, "FIVEOFF");
    FL_ASSERT_EQ_INT(o.discount_cents, 500);
    close_test_db(db);
}

FL_TEST(discounts_rules, failed_code_keeps_the_previous_one)
{
    sqlite3 *db = open_test_db();
    int64_t cart = cart_with(db, "alice@example.com", "Dune", 1);
    OK(bs_order_apply_discount(db, cart, "WELCOME10", &terr));
    FAILS(BS_ERR_DISCOUNT_MIN_TOTAL, bs_order_apply_discount(db, cart, "BIGSPENDER", &terr));
    FL_ASSERT_EQ_STR(order_of(db, cart).discount_code, "WELCOME10");
    close_test_db(db);
}

/* ---- uses ------------------------------------------------------------------------------------- */

FL_TEST(discounts_usage, counted_at_placement_not_when_applied)
{
    sqlite3 *db = open_test_db();
    int64_t cart = cart_with(db, "alice@example.com", "Dune", 2); /* 23.00 ≥ 20.00 */
    OK(bs_order_apply_discount(db, cart, "LAUNCH", &terr));
    FL_ASSERT_EQ_INT(uses_of(db, "LAUNCH"), 0);
    OK(bs_order_place(db, cart, NULL, &terr));
    FL_ASSERT_EQ_INT(uses_of(db, "LAUNCH"), 1);
    FL_ASSERT_EQ_INT(order_of(db, cart).discount_cents, 1000);
    close_test_db(db);
}

FL_TEST(discounts_usage, exhausted_after_max_uses)
{
    sqlite3 *db = open_test_db();
    int64_t bob = fx_customer(db, "bob@example.com"), dune = fx_book(db, "Dune");
    for (int i = 0; i < 3; i++)
        new_order(db, bob, dune, 2, "LAUNCH", NULL);
    bs_line line = {dune, 2};
    int64_t order = 0;
    FAILS(BS_ERR_DISCOUNT_EXHAUSTED, bs_order_quick(db, bob, &line, 1, "LAUNCH", NULL, &order, &terr));
    FL_ASSERT_CONTAINS(terr.msg, "used 3 times");
    int64_t cart = cart_with(db, "alice@example.com", "Dune", 2);
    FAILS(BS_ERR_DISCOUNT_EXHAUSTED, bs_order_apply_discount(db, cart, "LAUNCH", &terr));
    close_test_db(db);
}

FL_TEST(discounts_usage, cancellation_gives_the_use_back)
{
    sqlite3 *db = open_test_db();
    int64_t bob = fx_customer(db, "bob@example.com"), dune = fx_book(db, "Dune");
    int64_t first = new_order(db, bob, dune, 2, "LAUNCH", NULL);
    new_order(db, bob, dune, 2, "LAUNCH", NULL);
    new_order(db, bob, dune, 2, "LAUNCH", NULL);
    OK(bs_order_cancel(db, first, &terr));
    FL_ASSERT_EQ_INT(uses_of(db, "LAUNCH"), 2);
    new_order(db, bob, dune, 2, "LAUNCH", NULL);
    FL_ASSERT_EQ_INT(uses_of(db, "LAUNCH"), 3);
    close_test_db(db);
}

FL_TEST(discounts_usage, failed_placement_uses_nothing)
{
    sqlite3 *db = open_test_db();
    int64_t cart = cart_with(db, "alice@example.com", "Dune", 2);
    OK(bs_order_add_line(db, cart, fx_book(db, "Empty Shelf"), 1, &terr));
    OK(bs_order_apply_discount(db, cart, "LAUNCH", &terr));
    FAILS(BS_ERR_OUT_OF_STOCK, bs_order_place(db, cart, NULL, &terr));
    FL_ASSERT_EQ_INT(uses_of(db, "LAUNCH"), 0);
    close_test_db(db);
}

FL_TEST(discounts_usage, cancelling_a_cart_uses_nothing)
{
    sqlite3 *db = open_test_db();
    int64_t before = uses_of(db, "WELCOME10");
    int64_t cart = cart_with(db, "alice@example.com", "Dune", 1);
    OK(bs_order_apply_discount(db, cart, "WELCOME10", &terr));
    OK(bs_order_cancel(db, cart, &terr));
    FL_ASSERT_EQ_INT(uses_of(db, "WELCOME10"), before);
    close_test_db(db);
}

FL_TEST(discounts_usage, history_uses_match_orders)
{
    sqlite3 *db = open_test_db();
    FL_ASSERT_EQ_INT(sql_int(db, "SELECT count(*) FROM discounts d WHERE uses <> "
                                 "(SELECT count(*) FROM orders o WHERE o.discount_code = d.code "
                                 "AND o.status IN ('placed', 'paid', 'shipped'))"),
                     0);
    FL_ASSERT_GT_INT(uses_of(db, "WELCOME10"), 100);
    FL_ASSERT_GT_INT(uses_of(db, "SUMMER23"), 0);
    close_test_db(db);
}

FL_TEST(discounts_usage, history_discounts_are_consistent)
{
    sqlite3 *db = open_test_db();
    /* A percent code's discount is its share of the subtotal, rounded half up. */
    FL_ASSERT_EQ_INT(sql_int(db, "SELECT count(*) FROM orders o JOIN discounts d ON d.code = "
                                 "o.discount_code WHERE d.kind = 'percent' AND o.status <> "
                                 "'cart' AND o.discount_cents <> (o.subtotal_cents * d.value + "
                                 "5000) / 10000"),
                     0);
    FL_ASSERT_EQ_INT(sql_int(db, "SELECT count(*) FROM orders WHERE discount_code IS NULL AND "
                                 "discount_cents <> 0"),
                     0);
    close_test_db(db);
}
