/*
 * t_money.c — amounts in cents (src/money.c): parsing what a person types, formatting
 * with thousands separators, and percentages rounded half up.  No database.
 */
#include "common.h"

#include <stdio.h>

FL_TEST(money_parse, whole_units)
{
    int64_t c = 0;
    OK(bs_money_parse("12", &c, &terr));
    FL_ASSERT_EQ_INT(c, 1200);
}

FL_TEST(money_parse, two_decimals)
{
    int64_t c = 0;
    OK(bs_money_parse("12.34", &c, &terr));
    FL_ASSERT_EQ_INT(c, 1234);
}

FL_TEST(money_parse, one_decimal_means_tens_of_cents)
{
    int64_t c = 0;
    OK(bs_money_parse("12.5", &c, &terr));
    FL_ASSERT_EQ_INT(c, 1250);
}

FL_TEST(money_parse, zero_and_cents_only)
{
    int64_t c = -1;
    OK(bs_money_parse("0", &c, &terr));
    FL_ASSERT_EQ_INT(c, 0);
    OK(bs_money_parse("0.07", &c, &terr));
    FL_ASSERT_EQ_INT(c, 7);
}

FL_TEST(money_parse, thousands_separators)
{
    int64_t c = 0;
    OK(bs_money_parse("1,234.50", &c, &terr));
    FL_ASSERT_EQ_INT(c, 123450);
    OK(bs_money_parse("999,999.99", &c, &terr));
    FL_ASSERT_EQ_INT(c, 99999999);
}

FL_TEST(money_parse, misplaced_separators_refused)
{
    static const char *bad[] = {"1,23", "12,3456", "1,2,3", ",123", "1234,567", "1,,234"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t c = 0;
        FAILS(BS_ERR_INVALID_PRICE, bs_money_parse(bad[i], &c, &terr));
    }
}

FL_TEST(money_parse, too_many_decimals_refused)
{
    int64_t c = 0;
    FAILS(BS_ERR_INVALID_PRICE, bs_money_parse("1.234", &c, &terr));
    FL_ASSERT_CONTAINS(terr.msg, "two decimals");
    FAILS(BS_ERR_INVALID_PRICE, bs_money_parse("1.", &c, &terr));
}

FL_TEST(money_parse, signs_and_letters_refused)
{
    static const char *bad[] = {"-5", "+5", "5e2", "abc", " 5", "5 ", "1.2x", ".50", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t c = 0;
        FAILS(BS_ERR_INVALID_PRICE, bs_money_parse(bad[i], &c, &terr));
    }
}

FL_TEST(money_parse, upper_limit)
{
    int64_t c = 0;
    OK(bs_money_parse("1000000", &c, &terr));
    FL_ASSERT_EQ_INT(c, BS_MAX_PRICE_CENTS);
    FAILS(BS_ERR_INVALID_PRICE, bs_money_parse("1000001", &c, &terr));
    FL_ASSERT_CONTAINS(terr.msg, "too large");
}

FL_TEST(money_format, simple_amounts)
{
    char buf[32];
    FL_ASSERT_EQ_STR(bs_money_format(1234, buf, sizeof buf), "12.34");
    FL_ASSERT_EQ_STR(bs_money_format(5, buf, sizeof buf), "0.05");
    FL_ASSERT_EQ_STR(bs_money_format(0, buf, sizeof buf), "0.00");
    FL_ASSERT_EQ_STR(bs_money_format(100, buf, sizeof buf), "1.00");
}

FL_TEST(money_format, thousands_grouping)
{
    char buf[32];
    FL_ASSERT_EQ_STR(bs_money_format(99999, buf, sizeof buf), "999.99");
    FL_ASSERT_EQ_STR(bs_money_format(100000, buf, sizeof buf), "1,000.00");
    FL_ASSERT_EQ_STR(bs_money_format(123456789, buf, sizeof buf), "1,234,567.89");
}

FL_TEST(money_format, negative_amounts)
{
    char buf[32];
    FL_ASSERT_EQ_STR(bs_money_format(-5, buf, sizeof buf), "-0.05");
    FL_ASSERT_EQ_STR(bs_money_format(-123456, buf, sizeof buf), "-1,234.56");
}

FL_TEST(money_format, extremes_do_not_overflow)
{
    char buf[40];
    FL_ASSERT_EQ_STR(bs_money_format(INT64_MAX, buf, sizeof buf), "92,233,720,368,547,758.07");
    FL_ASSERT_EQ_STR(bs_money_format(INT64_MIN, buf, sizeof buf), "-92,233,720,368,547,758.08");
}

FL_TEST(money_format, truncates_to_buffer)
{
    char buf[6];
    bs_money_format(123456, buf, sizeof buf);
    FL_ASSERT_EQ_STR(buf, "1,234");
}

FL_TEST(money_format, parse_format_round_trip)
{
    for (int64_t cents = 0; cents < 2000000; cents += 997) {
        char text[32];
        int64_t back = -1;
        OK(bs_money_parse(bs_money_format(cents, text, sizeof text), &back, &terr));
        FL_ASSERT_EQ_INT(back, cents);
    }
}

FL_TEST(money_percent, exact_percentages)
{
    FL_ASSERT_EQ_INT(bs_percent_of(10000, 1000), 1000);
    FL_ASSERT_EQ_INT(bs_percent_of(2000, 2500), 500);
    FL_ASSERT_EQ_INT(bs_percent_of(12345, 10000), 12345);
    FL_ASSERT_EQ_INT(bs_percent_of(12345, 0), 0);
}

FL_TEST(money_percent, rounds_half_up)
{
    FL_ASSERT_EQ_INT(bs_percent_of(5, 1000), 1);   /* 0.5 → 1 */
    FL_ASSERT_EQ_INT(bs_percent_of(4, 1000), 0);   /* 0.4 → 0 */
    FL_ASSERT_EQ_INT(bs_percent_of(15, 1000), 2);  /* 1.5 → 2 */
    FL_ASSERT_EQ_INT(bs_percent_of(1999, 1500), 300); /* 299.85 → 300 */
    FL_ASSERT_EQ_INT(bs_percent_of(1099, 1000), 110); /* 109.9 → 110 */
}

FL_TEST(money_percent, never_more_than_the_amount)
{
    for (int64_t cents = 0; cents < 5000; cents += 7)
        for (int bp = 0; bp <= 10000; bp += 625) {
            int64_t p = bs_percent_of(cents, bp);
            FL_ASSERT_GE_INT(p, 0);
            FL_ASSERT_LE_INT(p, cents);
        }
}

FL_TEST(money_percent, error_at_most_half_a_cent)
{
    for (int64_t cents = 1; cents < 3000; cents += 13)
        for (int bp = 1; bp < 10000; bp += 499) {
            /* |p * 10000 - cents * bp| <= 5000 : within half a cent of the exact value */
            int64_t diff = bs_percent_of(cents, bp) * 10000 - cents * bp;
            FL_ASSERT_LE_INT(diff < 0 ? -diff : diff, 5000);
        }
}
