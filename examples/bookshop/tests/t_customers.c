/*
 * t_customers.c — customers (src/customers.c): registration with e-mail and country
 * validation, lookups, deletion rules and lifetime value.
 */
#include "common.h"

#include <stdio.h>
#include <string.h>

FL_TEST(customers_basic, added_customer_reads_back)
{
    sqlite3 *db = open_test_db();
    int64_t id = 0;
    OK(bs_customer_add(db, "Hedy Lamarr", "hedy@example.org", "AT", &id, &terr));
    bs_customer c;
    OK(bs_customer_get(db, id, &c, &terr));
    FL_ASSERT_EQ_STR(c.name, "Hedy Lamarr");
    FL_ASSERT_EQ_STR(c.email, "hedy@example.org");
    FL_ASSERT_EQ_STR(c.country, "AT");
    close_test_db(db);
}

FL_TEST(customers_basic, email_stored_lower_case)
{
    sqlite3 *db = open_test_db();
    int64_t id = 0;
    OK(bs_customer_add(db, "Loud", "LOUD.Person@Example.ORG", "DE", &id, &terr));
    bs_customer c;
    OK(bs_customer_get(db, id, &c, &terr));
    FL_ASSERT_EQ_STR(c.email, "loud.person@example.org");
    close_test_db(db);
}

FL_TEST(customers_basic, found_by_email_in_any_case)
{
    sqlite3 *db = open_test_db();
    bs_customer a, b;
    OK(bs_customer_by_email(db, "alice@example.com", &a, &terr));
    OK(bs_customer_by_email(db, "ALICE@EXAMPLE.COM", &b, &terr));
    FL_ASSERT_EQ_INT(a.id, b.id);
    FL_ASSERT_EQ_STR(a.name, "Alice Archer");
    close_test_db(db);
}

FL_TEST(customers_basic, unknown_customer)
{
    sqlite3 *db = open_test_db();
    bs_customer c;
    FAILS(BS_ERR_UNKNOWN_CUSTOMER, bs_customer_get(db, 99999999, &c, &terr));
    FAILS(BS_ERR_UNKNOWN_CUSTOMER, bs_customer_by_email(db, "ghost@example.com", &c, &terr));
    FL_ASSERT_CONTAINS(terr.msg, "ghost@example.com");
    close_test_db(db);
}

FL_TEST(customers_basic, name_is_trimmed_and_kept_unicode)
{
    sqlite3 *db = open_test_db();
    int64_t id = 0;
    OK(bs_customer_add(db, "  Søren Kierkegaard ", "soren@example.dk", "DK", &id, &terr));
    bs_customer c;
    OK(bs_customer_get(db, id, &c, &terr));
    FL_ASSERT_EQ_STR(c.name, "Søren Kierkegaard");
    close_test_db(db);
}

FL_TEST(customers_basic, fixture_customers_present)
{
    sqlite3 *db = open_test_db();
    static const char *emails[] = {"alice@example.com", "bob@example.com", "chloe@example.fr",
                                   "dan@example.ch",    "eve@example.jp",  "frank@example.at",
                                   "grace@example.co.uk"};
    for (size_t i = 0; i < 7; i++) {
        bs_customer c;
        OK(bs_customer_by_email(db, emails[i], &c, &terr));
    }
    FL_ASSERT_EQ_INT(sql_int(db, "SELECT count(*) FROM customers WHERE email LIKE "
                                 "'customer%%@shop.example'"),
                     500);
    close_test_db(db);
}

FL_TEST(customers_validation, valid_emails)
{
    static const char *good[] = {"a@b.co", "first.last@example.com", "x+tag@sub.example.org",
                                 "o'neil@example.ie", "UPPER@EXAMPLE.COM", "1@2.de"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        if (!bs_email_is_valid(good[i]))
            FL_FAIL("\"%s\" should be valid", good[i]);
}

FL_TEST(customers_validation, invalid_emails)
{
    static const char *bad[] = {"",           "plain",         "@example.com", "a@",
                                "a@b",        "a@.example.com", "a@example.",  "a@@example.com",
                                "a@b@c.com",  "a b@example.com", "a@exa mple.com",
                                "a@example..com", "tab\t@example.com"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (bs_email_is_valid(bad[i]))
            FL_FAIL("\"%s\" should be invalid", bad[i]);
    FL_ASSERT(!bs_email_is_valid(NULL));
}

FL_TEST(customers_validation, invalid_email_refused_with_its_code)
{
    sqlite3 *db = open_test_db();
    FAILS(BS_ERR_INVALID_EMAIL, bs_customer_add(db, "N", "not-an-email", "DE", NULL, &terr));
    FL_ASSERT_CONTAINS(terr.msg, "not-an-email");
    FAILS(BS_ERR_INVALID_EMAIL, bs_customer_add(db, "N", NULL, "DE", NULL, &terr));
    close_test_db(db);
}

FL_TEST(customers_validation, duplicate_email_refused_whatever_the_case)
{
    sqlite3 *db = open_test_db();
    FAILS(BS_ERR_DUPLICATE, bs_customer_add(db, "Bob 2", "Bob@Example.com", "US", NULL, &terr));
    FL_ASSERT_CONTAINS(terr.msg, "already exists");
    close_test_db(db);
}

FL_TEST(customers_validation, country_codes)
{
    sqlite3 *db = open_test_db();
    static const char *bad[] = {"", "D", "de", "DEU", "D3", "Ü1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        FAILS(BS_ERR_INVALID, bs_customer_add(db, "N", "n@example.net", bad[i], NULL, &terr));
        FL_ASSERT_CONTAINS(terr.msg, "country code");
    }
    FAILS(BS_ERR_INVALID, bs_customer_add(db, "N", "n@example.net", NULL, NULL, &terr));
    OK(bs_customer_add(db, "N", "n@example.net", "NZ", NULL, &terr));
    close_test_db(db);
}

FL_TEST(customers_validation, name_required)
{
    sqlite3 *db = open_test_db();
    FAILS(BS_ERR_INVALID, bs_customer_add(db, "", "x@example.net", "DE", NULL, &terr));
    FAILS(BS_ERR_INVALID, bs_customer_add(db, NULL, "x@example.net", "DE", NULL, &terr));
    close_test_db(db);
}

FL_TEST(customers_lifetime, new_customer_can_be_deleted)
{
    sqlite3 *db = open_test_db();
    int64_t id = new_customer(db, "DE");
    OK(bs_customer_delete(db, id, &terr));
    bs_customer c;
    FAILS(BS_ERR_UNKNOWN_CUSTOMER, bs_customer_get(db, id, &c, &terr));
    FAILS(BS_ERR_UNKNOWN_CUSTOMER, bs_customer_delete(db, id, &terr));
    close_test_db(db);
}

FL_TEST(customers_lifetime, customer_with_orders_cannot_be_deleted)
{
    sqlite3 *db = open_test_db();
    int64_t id = new_customer(db, "DE"), cart = 0;
    OK(bs_order_create(db, id, &cart, &terr)); /* even an empty cart counts */
    FAILS(BS_ERR_IN_USE, bs_customer_delete(db, id, &terr));
    FL_ASSERT_CONTAINS(terr.msg, "has orders");
    close_test_db(db);
}

FL_TEST(customers_lifetime, new_customer_is_worth_nothing)
{
    sqlite3 *db = open_test_db();
    int64_t cents = -1;
    OK(bs_customer_lifetime_cents(db, new_customer(db, "FR"), &cents, &terr));
    FL_ASSERT_EQ_INT(cents, 0);
    FAILS(BS_ERR_UNKNOWN_CUSTOMER, bs_customer_lifetime_cents(db, 99999999, &cents, &terr));
    close_test_db(db);
}

FL_TEST(customers_lifetime, sums_placed_paid_and_shipped_orders_only)
{
    sqlite3 *db = open_test_db();
    int64_t customer = new_customer(db, "DE");
    int64_t book = new_book(db, "Lifetime", 1000, 50);
    int64_t placed = new_order(db, customer, book, 1, NULL, NULL);
    int64_t paid = new_order(db, customer, book, 2, NULL, NULL);
    int64_t shipped = new_order(db, customer, book, 3, NULL, NULL);
    int64_t cancelled = new_order(db, customer, book, 4, NULL, NULL);
    int64_t cart = 0;
    OK(bs_order_create(db, customer, &cart, &terr));
    OK(bs_order_add_line(db, cart, book, 5, &terr));
    bs_order o;
    OK(bs_order_get(db, paid, &o, &terr));
    OK(bs_order_pay(db, paid, o.total_cents, &terr));
    OK(bs_order_get(db, shipped, &o, &terr));
    OK(bs_order_pay(db, shipped, o.total_cents, &terr));
    OK(bs_order_ship(db, shipped, &terr));
    OK(bs_order_cancel(db, cancelled, &terr));
    int64_t expected = sql_int(db, "SELECT sum(total_cents) FROM orders WHERE id IN (%lld, %lld, %lld)",
                               (long long)placed, (long long)paid, (long long)shipped);
    /* 1, 2 and 3 copies at 10.00 with shipping in DE: 13.95 + 23.95 + 30.00 (free over 29) */
    FL_ASSERT_EQ_INT(expected, 1395 + 2395 + 3000);
    int64_t cents = 0;
    OK(bs_customer_lifetime_cents(db, customer, &cents, &terr));
    FL_ASSERT_EQ_INT(cents, expected);
    close_test_db(db);
}

FL_TEST(customers_lifetime, fixture_history_matches_a_direct_sum)
{
    sqlite3 *db = open_test_db();
    int64_t checked = 0;
    for (int i = 0; i < 500; i += 37) {
        char email[64];
        snprintf(email, sizeof email, "customer%03d@shop.example", i);
        int64_t id = fx_customer(db, email), cents = 0;
        OK(bs_customer_lifetime_cents(db, id, &cents, &terr));
        int64_t direct = sql_int(db, "SELECT coalesce(sum(l.line_total_cents), 0) - "
                                     "(SELECT coalesce(sum(discount_cents - shipping_cents), 0) "
                                     "FROM orders WHERE customer_id = %lld AND status IN "
                                     "('placed', 'paid', 'shipped')) FROM order_lines l JOIN orders o "
                                     "ON o.id = l.order_id WHERE o.customer_id = %lld AND o.status "
                                     "IN ('placed', 'paid', 'shipped')",
                                 (long long)id, (long long)id);
        FL_ASSERT_EQ_INT(cents, direct);
        checked += cents > 0;
    }
    FL_ASSERT_GT_INT(checked, 5);
    close_test_db(db);
}
