/*
 * t_isbn.c — ISBN check digits, normalization and conversion (src/isbn.c).  Pure
 * functions: no database.  Published ISBNs (Wikipedia's examples, K&R's C book) pin the
 * algorithms; generated numbers check the round trips.
 */
#include "common.h"

#include <stdio.h>
#include <string.h>

FL_TEST(isbn_check_digits, isbn13_of_wikipedia_example)
{
    FL_ASSERT_EQ_INT(bs_isbn13_check_digit("978030640615"), '7');
}

FL_TEST(isbn_check_digits, isbn13_of_kernighan_ritchie)
{
    FL_ASSERT_EQ_INT(bs_isbn13_check_digit("978013110362"), '7');
}

FL_TEST(isbn_check_digits, isbn13_can_be_zero)
{
    FL_ASSERT_EQ_INT(bs_isbn13_check_digit("978316148410"), '0');
}

FL_TEST(isbn_check_digits, isbn13_of_979_prefix)
{
    FL_ASSERT_EQ_INT(bs_isbn13_check_digit("979109063607"), '1');
}

FL_TEST(isbn_check_digits, isbn10_of_wikipedia_example)
{
    FL_ASSERT_EQ_INT(bs_isbn10_check_digit("030640615"), '2');
}

FL_TEST(isbn_check_digits, isbn10_ten_is_x)
{
    FL_ASSERT_EQ_INT(bs_isbn10_check_digit("097522980"), 'X');
    FL_ASSERT_EQ_INT(bs_isbn10_check_digit("080442957"), 'X');
}

FL_TEST(isbn_check_digits, isbn10_of_short_group)
{
    FL_ASSERT_EQ_INT(bs_isbn10_check_digit("999215810"), '7');
}

FL_TEST(isbn_check_digits, non_digits_give_zero)
{
    FL_ASSERT_EQ_INT(bs_isbn13_check_digit("97803064061A"), 0);
    FL_ASSERT_EQ_INT(bs_isbn10_check_digit("03064X615"), 0);
}

FL_TEST(isbn_check_digits, every_single_digit_change_is_caught)
{
    /* The EAN weights 1 and 3 are both coprime with 10: changing any one digit changes
     * the check digit. */
    char digits[13] = "978030640615";
    char original = bs_isbn13_check_digit(digits);
    for (int pos = 0; pos < 12; pos++) {
        char saved = digits[pos];
        for (char d = '0'; d <= '9'; d++) {
            if (d == saved)
                continue;
            digits[pos] = d;
            FL_ASSERT_NE_INT(bs_isbn13_check_digit(digits), original);
        }
        digits[pos] = saved;
    }
}

FL_TEST(isbn_check_digits, isbn10_catches_transpositions)
{
    /* Mod 11 with weights 10..2 catches every swap of two adjacent different digits. */
    char digits[10] = "030640615";
    char original = bs_isbn10_check_digit(digits);
    for (int pos = 0; pos < 8; pos++) {
        if (digits[pos] == digits[pos + 1])
            continue;
        char swapped[10];
        memcpy(swapped, digits, sizeof swapped);
        swapped[pos] = digits[pos + 1];
        swapped[pos + 1] = digits[pos];
        FL_ASSERT_NE_INT(bs_isbn10_check_digit(swapped), original);
    }
}

FL_TEST(isbn_normalize, canonical_13_unchanged)
{
    char out[14];
    OK(bs_isbn_normalize("9780306406157", out, &terr));
    FL_ASSERT_EQ_STR(out, "9780306406157");
}

FL_TEST(isbn_normalize, hyphens_removed)
{
    char out[14];
    OK(bs_isbn_normalize("978-0-306-40615-7", out, &terr));
    FL_ASSERT_EQ_STR(out, "9780306406157");
}

FL_TEST(isbn_normalize, spaces_removed)
{
    char out[14];
    OK(bs_isbn_normalize("978 3 16 148410 0", out, &terr));
    FL_ASSERT_EQ_STR(out, "9783161484100");
}

FL_TEST(isbn_normalize, isbn10_converted_to_13)
{
    char out[14];
    OK(bs_isbn_normalize("0-306-40615-2", out, &terr));
    FL_ASSERT_EQ_STR(out, "9780306406157");
}

FL_TEST(isbn_normalize, isbn10_with_x_converted)
{
    char out[14];
    OK(bs_isbn_normalize("0-9752298-0-X", out, &terr));
    FL_ASSERT_EQ_STR(out, "9780975229804");
}

FL_TEST(isbn_normalize, lower_case_x_accepted)
{
    char out[14];
    OK(bs_isbn_normalize("080442957x", out, &terr));
    FL_ASSERT_EQ_STR(out, "9780804429573");
}

FL_TEST(isbn_normalize, isbn_979_kept)
{
    char out[14];
    OK(bs_isbn_normalize("979-10-90636-07-1", out, &terr));
    FL_ASSERT_EQ_STR(out, "9791090636071");
}

FL_TEST(isbn_rejects, bad_checksum_13_names_expected_digit)
{
    char out[14];
    FAILS(BS_ERR_INVALID_ISBN, bs_isbn_normalize("978-0-306-40615-8", out, &terr));
    FL_ASSERT_CONTAINS(terr.msg, "check digit should be 7");
}

FL_TEST(isbn_rejects, bad_checksum_10)
{
    char out[14];
    FAILS(BS_ERR_INVALID_ISBN, bs_isbn_normalize("0-306-40615-3", out, &terr));
    FL_ASSERT_CONTAINS(terr.msg, "check digit should be 2");
}

FL_TEST(isbn_rejects, wrong_lengths)
{
    static const char *bad[] = {"", "123", "978030640615", "97803064061577", "03064061",
                                "0-306-40615-22"};
    char out[14];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        FAILS(BS_ERR_INVALID_ISBN, bs_isbn_normalize(bad[i], out, &terr));
        FL_ASSERT_CONTAINS(terr.msg, "expected 10 or 13 digits");
    }
}

FL_TEST(isbn_rejects, letters_and_punctuation)
{
    static const char *bad[] = {"978-0-306-4O615-7", "0.306.40615.2", "ISBN 0306406152",
                                "978_0306406157"};
    char out[14];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        FAILS(BS_ERR_INVALID_ISBN, bs_isbn_normalize(bad[i], out, &terr));
        FL_ASSERT_CONTAINS(terr.msg, "invalid character");
    }
}

FL_TEST(isbn_rejects, x_only_as_last_isbn10_digit)
{
    char out[14];
    FAILS(BS_ERR_INVALID_ISBN, bs_isbn_normalize("X975229800", out, &terr));
    FL_ASSERT_CONTAINS(terr.msg, "last digit");
    FAILS(BS_ERR_INVALID_ISBN, bs_isbn_normalize("978097522980X", out, &terr));
    FL_ASSERT_CONTAINS(terr.msg, "not an ISBN-13 digit");
}

FL_TEST(isbn_rejects, thirteen_digits_need_bookland_prefix)
{
    char out[14], isbn[14] = "977030640615";
    isbn[12] = bs_isbn13_check_digit(isbn); /* a valid EAN-13, but not a book */
    isbn[13] = '\0';
    FAILS(BS_ERR_INVALID_ISBN, bs_isbn_normalize(isbn, out, &terr));
    FL_ASSERT_CONTAINS(terr.msg, "978 or 979");
}

FL_TEST(isbn_rejects, null_input)
{
    char out[14];
    FAILS(BS_ERR_INVALID_ISBN, bs_isbn_normalize(NULL, out, &terr));
}

FL_TEST(isbn_convert, thirteen_to_ten)
{
    char out[11];
    OK(bs_isbn13_to_10("978-0-306-40615-7", out, &terr));
    FL_ASSERT_EQ_STR(out, "0306406152");
}

FL_TEST(isbn_convert, thirteen_to_ten_with_x)
{
    char out[11];
    OK(bs_isbn13_to_10("9780975229804", out, &terr));
    FL_ASSERT_EQ_STR(out, "097522980X");
}

FL_TEST(isbn_convert, no_ten_digit_form_for_979)
{
    char out[11];
    FAILS(BS_ERR_INVALID, bs_isbn13_to_10("9791090636071", out, &terr));
    FL_ASSERT_CONTAINS(terr.msg, "979");
}

FL_TEST(isbn_convert, invalid_input_is_reported_as_isbn_error)
{
    char out[11];
    FAILS(BS_ERR_INVALID_ISBN, bs_isbn13_to_10("9780306406158", out, &terr));
}

FL_TEST(isbn_convert, round_trip_of_a_thousand_numbers)
{
    for (int i = 0; i < 1000; i++) {
        char ten[11], thirteen[14], back[11];
        snprintf(ten, sizeof ten, "%09d", i * 100003 % 1000000000);
        ten[9] = bs_isbn10_check_digit(ten);
        ten[10] = '\0';
        OK(bs_isbn_normalize(ten, thirteen, &terr));
        FL_ASSERT_EQ_INT(strncmp(thirteen, "978", 3), 0);
        OK(bs_isbn13_to_10(thirteen, back, &terr));
        FL_ASSERT_EQ_STR(back, ten);
    }
}
