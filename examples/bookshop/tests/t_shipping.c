/*
 * t_shipping.c — shipping costs (reference data of migration 008 and bs_shipping_for):
 * per-country rates, the '*' default, free shipping thresholds measured after discounts.
 */
#include "common.h"

FL_TEST(shipping_rates, table_of_countries_and_amounts)
{
    static const struct {
        const char *country;
        int64_t subtotal, expected;
    } cases[] = {
        {"DE", 100, 395},    {"DE", 2899, 395},    {"DE", 2900, 0},      {"AT", 4899, 595},
        {"AT", 4900, 0},     {"FR", 1000, 695},    {"NL", 50000, 0},     {"CH", 9899, 990},
        {"CH", 9900, 0},     {"GB", 9900, 0},      {"US", 1000000, 1290}, {"JP", 5000, 1500},
        {"BR", 99999999, 1500},
    };
    sqlite3 *db = open_test_db();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t cents = -1;
        OK(bs_shipping_for(db, cases[i].country, cases[i].subtotal, &cents, &terr));
        if (cents != cases[i].expected)
            FL_FAIL("%s at %lld: shipping %lld, expected %lld", cases[i].country,
                    (long long)cases[i].subtotal, (long long)cents, (long long)cases[i].expected);
    }
    close_test_db(db);
}

FL_TEST(shipping_rates, unknown_or_missing_country_uses_the_default)
{
    sqlite3 *db = open_test_db();
    int64_t cents = 0;
    OK(bs_shipping_for(db, "", 100, &cents, &terr));
    FL_ASSERT_EQ_INT(cents, 1500);
    OK(bs_shipping_for(db, NULL, 100, &cents, &terr));
    FL_ASSERT_EQ_INT(cents, 1500);
    close_test_db(db);
}

FL_TEST(shipping_rates, no_default_rate_is_an_error)
{
    sqlite3 *db = open_test_db();
    sql_exec(db, "DELETE FROM shipping_rates WHERE country = '*'");
    int64_t cents = 0;
    FAILS(BS_ERR_INVALID, bs_shipping_for(db, "JP", 100, &cents, &terr));
    FL_ASSERT_CONTAINS(terr.msg, "JP");
    OK(bs_shipping_for(db, "DE", 100, &cents, &terr));
    close_test_db(db);
}

FL_TEST(shipping_rates, threshold_measured_after_the_discount)
{
    sqlite3 *db = open_test_db();
    int64_t book = new_book(db, "Thirty-One", 3100, 5);
    int64_t cart = 0;
    OK(bs_order_create(db, fx_customer(db, "alice@example.com"), &cart, &terr));
    OK(bs_order_add_line(db, cart, book, 1, &terr));
    bs_order o;
    OK(bs_order_get(db, cart, &o, &terr));
    FL_ASSERT_EQ_INT(o.shipping_cents, 0);
    OK(bs_order_apply_discount(db, cart, "WELCOME10", &terr)); /* 27.90 < 29.00 */
    OK(bs_order_get(db, cart, &o, &terr));
    FL_ASSERT_EQ_INT(o.shipping_cents, 395);
    FL_ASSERT_EQ_INT(o.total_cents, 3100 - 310 + 395);
    close_test_db(db);
}

FL_TEST(shipping_rates, far_away_customers_always_pay)
{
    sqlite3 *db = open_test_db();
    int64_t order = new_order(db, fx_customer(db, "eve@example.jp"),
                              fx_book(db, "Structure and Interpretation of Computer Programs"), 5,
                              NULL, NULL);
    bs_order o;
    OK(bs_order_get(db, order, &o, &terr));
    FL_ASSERT_EQ_INT(o.subtotal_cents, 27500);
    FL_ASSERT_EQ_INT(o.shipping_cents, 1500);
    close_test_db(db);
}

FL_TEST(shipping_rates, each_fixture_customer_pays_their_country_rate)
{
    static const struct {
        const char *email;
        int64_t shipping;
    } cases[] = {{"alice@example.com", 395}, {"bob@example.com", 1290}, {"chloe@example.fr", 695},
                 {"dan@example.ch", 990},    {"eve@example.jp", 1500},  {"frank@example.at", 595},
                 {"grace@example.co.uk", 990}};
    sqlite3 *db = open_test_db();
    int64_t gods = fx_book(db, "Small Gods");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t order = new_order(db, fx_customer(db, cases[i].email), gods, 1, NULL, NULL);
        bs_order o;
        OK(bs_order_get(db, order, &o, &terr));
        if (o.shipping_cents != cases[i].shipping)
            FL_FAIL("%s: shipping %lld, expected %lld", cases[i].email,
                    (long long)o.shipping_cents, (long long)cases[i].shipping);
    }
    close_test_db(db);
}

FL_TEST(shipping_rates, new_rates_apply_to_new_orders_only)
{
    sqlite3 *db = open_test_db();
    int64_t alice = fx_customer(db, "alice@example.com"), dune = fx_book(db, "Dune");
    int64_t before = new_order(db, alice, dune, 1, NULL, NULL);
    sql_exec(db, "UPDATE shipping_rates SET base_cents = 495 WHERE country = 'DE'");
    int64_t after = new_order(db, alice, dune, 1, NULL, NULL);
    bs_order a, b;
    OK(bs_order_get(db, before, &a, &terr));
    OK(bs_order_get(db, after, &b, &terr));
    FL_ASSERT_EQ_INT(a.shipping_cents, 395);
    FL_ASSERT_EQ_INT(b.shipping_cents, 495);
    close_test_db(db);
}

FL_TEST(shipping_rates, history_shipping_follows_the_rules)
{
    sqlite3 *db = open_test_db();
    /* Recompute every historical order's shipping from the rate table in SQL. */
    FL_ASSERT_EQ_INT(sql_int(db,
                             "SELECT count(*) FROM orders o JOIN customers c ON c.id = o.customer_id "
                             "JOIN shipping_rates r ON r.country = coalesce((SELECT country FROM "
                             "shipping_rates WHERE country = c.country), '*') "
                             "WHERE o.status <> 'cart' AND o.shipping_cents <> CASE WHEN "
                             "r.free_over_cents IS NOT NULL AND o.subtotal_cents - o.discount_cents "
                             ">= r.free_over_cents THEN 0 ELSE r.base_cents END"),
                     0);
    close_test_db(db);
}
