/*
 * money.c — amounts of money as integer cents: parsing what a person types ("1,234.5"),
 * formatting for display ("1,234.50") and percentages in basis points rounded half up.
 * No floating point anywhere, so totals add up to the cent.
 */
#include "internal.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* Thousands separators are accepted only in groups of three after the first group:
 * "1,234,567" but not "12,34" nor "1,2,3". */
static int valid_grouping(const char *text, size_t int_len)
{
    const char *comma = memchr(text, ',', int_len);
    if (!comma)
        return 1;
    size_t first = (size_t)(comma - text);
    if (first == 0 || first > 3 || (int_len - first) % 4 != 0)
        return 0;
    for (size_t j = first; j < int_len; j++) {
        int comma_here = (j - first) % 4 == 0;
        if ((text[j] == ',') != comma_here)
            return 0;
    }
    return 1;
}

int bs_money_parse(const char *text, int64_t *cents, bs_error *err)
{
    if (!text || !*text)
        return bs_fail(err, BS_ERR_INVALID_PRICE, "empty amount");
    const char *dot = strchr(text, '.');
    size_t int_len = dot ? (size_t)(dot - text) : strlen(text);
    if (int_len == 0 || !valid_grouping(text, int_len))
        return bs_fail(err, BS_ERR_INVALID_PRICE, "amount \"%s\": malformed", text);
    int64_t units = 0;
    for (size_t i = 0; i < int_len; i++) {
        if (text[i] == ',')
            continue;
        if (!isdigit((unsigned char)text[i]))
            return bs_fail(err, BS_ERR_INVALID_PRICE, "amount \"%s\": not a number", text);
        units = units * 10 + (text[i] - '0');
        if (units > BS_MAX_PRICE_CENTS / 100)
            return bs_fail(err, BS_ERR_INVALID_PRICE, "amount \"%s\": too large", text);
    }
    int64_t fraction = 0;
    if (dot) {
        size_t decimals = strlen(dot + 1);
        if (decimals == 0 || decimals > 2)
            return bs_fail(err, BS_ERR_INVALID_PRICE,
                           "amount \"%s\": one or two decimals expected", text);
        for (size_t i = 0; i < decimals; i++) {
            if (!isdigit((unsigned char)dot[1 + i]))
                return bs_fail(err, BS_ERR_INVALID_PRICE, "amount \"%s\": not a number", text);
            fraction = fraction * 10 + (dot[1 + i] - '0');
        }
        if (decimals == 1)
            fraction *= 10;
    }
    *cents = units * 100 + fraction;
    return BS_OK;
}

char *bs_money_format(int64_t cents, char *buf, size_t size)
{
    int negative = cents < 0;
    uint64_t magnitude = negative ? (uint64_t)0 - (uint64_t)cents : (uint64_t)cents;
    char digits[32];
    snprintf(digits, sizeof digits, "%llu", (unsigned long long)(magnitude / 100));
    char grouped[48];
    size_t len = strlen(digits), g = 0;
    for (size_t i = 0; i < len; i++) {
        if (i > 0 && (len - i) % 3 == 0)
            grouped[g++] = ',';
        grouped[g++] = digits[i];
    }
    grouped[g] = '\0';
    snprintf(buf, size, "%s%s.%02u", negative ? "-" : "", grouped,
             (unsigned)(magnitude % 100));
    return buf;
}

int64_t bs_percent_of(int64_t cents, int basis_points)
{
    return (cents * basis_points + 5000) / 10000;
}
