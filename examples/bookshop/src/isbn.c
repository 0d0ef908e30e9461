/*
 * isbn.c — International Standard Book Numbers: check digits of ISBN-10 (mod 11, 'X' for
 * ten) and ISBN-13 (EAN-13: weights 1 and 3, mod 10), and normalization of what a person
 * types ("0-306-40615-2", "978 0 306 40615 7") into the 13 digits the catalog stores.
 */
#include "internal.h"

#include <ctype.h>
#include <string.h>

char bs_isbn13_check_digit(const char *first12)
{
    int sum = 0;
    for (int i = 0; i < 12; i++) {
        if (!isdigit((unsigned char)first12[i]))
            return 0;
        sum += (first12[i] - '0') * (i % 2 ? 3 : 1);
    }
    return (char)('0' + (10 - sum % 10) % 10);
}

char bs_isbn10_check_digit(const char *first9)
{
    int sum = 0;
    for (int i = 0; i < 9; i++) {
        if (!isdigit((unsigned char)first9[i]))
            return 0;
        sum += (first9[i] - '0') * (10 - i);
    }
    int check = (11 - sum % 11) % 11;
    return check == 10 ? 'X' : (char)('0' + check);
}

/* Copies the characters of text that are not separators; fails on anything else. */
static int strip_separators(const char *text, char *out, size_t size, bs_error *err)
{
    size_t n = 0;
    for (const char *p = text; *p; p++) {
        if (*p == '-' || *p == ' ')
            continue;
        int last_of_ten = (*p == 'X' || *p == 'x');
        if (!isdigit((unsigned char)*p) && !last_of_ten)
            return bs_fail(err, BS_ERR_INVALID_ISBN, "ISBN \"%s\": invalid character '%c'",
                           text, *p);
        if (n + 1 >= size)
            return bs_fail(err, BS_ERR_INVALID_ISBN,
                           "ISBN \"%s\": expected 10 or 13 digits, got more", text);
        out[n++] = (char)toupper((unsigned char)*p);
    }
    out[n] = '\0';
    return BS_OK;
}

static int normalize_10(const char *text, const char *digits, char out[14], bs_error *err)
{
    if (strchr(digits, 'X') && strchr(digits, 'X') != digits + 9)
        return bs_fail(err, BS_ERR_INVALID_ISBN, "ISBN \"%s\": 'X' may only be the last digit",
                       text);
    char expected = bs_isbn10_check_digit(digits);
    if (digits[9] != expected)
        return bs_fail(err, BS_ERR_INVALID_ISBN,
                       "ISBN \"%s\": bad checksum (check digit should be %c)", text, expected);
    memcpy(out, "978", 3);
    memcpy(out + 3, digits, 9);
    out[12] = bs_isbn13_check_digit(out);
    out[13] = '\0';
    return BS_OK;
}

static int normalize_13(const char *text, const char *digits, char out[14], bs_error *err)
{
    if (strchr(digits, 'X'))
        return bs_fail(err, BS_ERR_INVALID_ISBN, "ISBN \"%s\": 'X' is not an ISBN-13 digit",
                       text);
    if (strncmp(digits, "978", 3) != 0 && strncmp(digits, "979", 3) != 0)
        return bs_fail(err, BS_ERR_INVALID_ISBN,
                       "ISBN \"%s\": an ISBN-13 starts with 978 or 979", text);
    char expected = bs_isbn13_check_digit(digits);
    if (digits[12] != expected)
        return bs_fail(err, BS_ERR_INVALID_ISBN,
                       "ISBN \"%s\": bad checksum (check digit should be %c)", text, expected);
    memcpy(out, digits, 14);
    return BS_OK;
}

int bs_isbn_normalize(const char *text, char out[14], bs_error *err)
{
    char digits[16];
    if (!text)
        return bs_fail(err, BS_ERR_INVALID_ISBN, "no ISBN given");
    int rc = strip_separators(text, digits, sizeof digits, err);
    if (rc != BS_OK)
        return rc;
    size_t n = strlen(digits);
    if (n == 10)
        return normalize_10(text, digits, out, err);
    if (n == 13)
        return normalize_13(text, digits, out, err);
    return bs_fail(err, BS_ERR_INVALID_ISBN, "ISBN \"%s\": expected 10 or 13 digits, got %zu",
                   text, n);
}

int bs_isbn13_to_10(const char *isbn13, char out[11], bs_error *err)
{
    char canonical[14];
    int rc = bs_isbn_normalize(isbn13, canonical, err);
    if (rc != BS_OK)
        return rc;
    if (strncmp(canonical, "978", 3) != 0)
        return bs_fail(err, BS_ERR_INVALID, "ISBN %s has no ISBN-10 form (979 prefix)",
                       canonical);
    memcpy(out, canonical + 3, 9);
    out[9] = bs_isbn10_check_digit(out);
    out[10] = '\0';
    return BS_OK;
}
