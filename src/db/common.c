/*
 * common.c — small helpers every engine shares: run-id tokens, the naming scheme of our
 * clones, images and templates under construction (so that gc can recognise them from
 * their names alone), percent-decoding of URL paths, string formatting and the SQL text
 * buffer of the server engines.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/engine.h"
#include "platform/platform.h"

int fl_db_is_token(const char *s, size_t max)
{
    size_t n = 0;
    for (; s[n]; n++)
        if (!((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= '0' && s[n] <= '9')))
            return 0;
    return n > 0 && n <= max;
}

void fl_db_new_run_id(char out[FL_DB_RUN_ID_MAX + 1])
{
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    unsigned char r[8];
    fl_random_bytes(r, sizeof r);
    for (size_t i = 0; i < sizeof r; i++)
        out[i] = alphabet[r[i] % 36];
    out[sizeof r] = 0;
}

/* ---- names -------------------------------------------------------------------------------- */

uint32_t fl_db_fnv1a32(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 16777619u;
    }
    return h;
}

/* The stem as it appears in names: cut to fit max_len with room for the longest run id
 * and slot, plus a hash of the whole stem so that two long stems stay apart. */
static int name_stem(char *buf, size_t size, size_t max_len, const char *stem,
                     const char *infix, char sep, const char *suffix)
{
    size_t fixed = strlen(infix) + FL_DB_RUN_ID_MAX + 1 + FL_DB_SLOT_MAX + strlen(suffix);
    size_t len = strlen(stem);
    if (fixed + 8 > max_len)
        return -1;
    size_t budget = max_len - fixed;
    if (len <= budget) {
        if (len + 1 > size)
            return -1;
        memcpy(buf, stem, len + 1);
        return 0;
    }
    size_t keep = budget - 7;
    while (keep > 0 && ((unsigned char)stem[keep] & 0xC0) == 0x80)
        keep--; /* never cut inside a UTF-8 sequence */
    if (keep + 8 > size)
        return -1;
    snprintf(buf, size, "%.*s%c%06x", (int)keep, stem, sep, (unsigned)(fl_db_fnv1a32(stem) & 0xffffff));
    return 0;
}

int fl_db_name_make(char *buf, size_t size, size_t max_len, const char *stem,
                    const char *infix, char sep, const char *run_id, const char *slot,
                    const char *suffix, fl_error *err)
{
    char short_stem[512];
    if (!fl_db_is_token(run_id, FL_DB_RUN_ID_MAX) || !fl_db_is_token(slot, FL_DB_SLOT_MAX))
        return fl_error_set(err, FL_ERR_USAGE,
                            "run id '%s' and slot '%s' must be short [a-z0-9] tokens", run_id,
                            slot);
    if (name_stem(short_stem, sizeof short_stem, max_len, stem, infix, sep, suffix) != 0)
        return fl_error_set(err, FL_ERR_USAGE, "cannot make a name of at most %zu bytes from '%s'",
                            max_len, stem);
    int n = snprintf(buf, size, "%s%s%s%c%s%s", short_stem, infix, run_id, sep, slot, suffix);
    if (n < 0 || (size_t)n >= size || (size_t)n > max_len)
        return fl_error_set(err, FL_ERR_USAGE, "name too long for '%s'", stem);
    return FL_OK;
}

/* Reads a token of [a-z0-9] at *p into out; advances *p. */
static int read_token(const char **p, char *out, size_t max)
{
    size_t n = 0;
    while (((**p >= 'a' && **p <= 'z') || (**p >= '0' && **p <= '9')) && n < max)
        out[n++] = *(*p)++;
    out[n] = 0;
    return n > 0;
}

int fl_db_name_match(const char *name, size_t max_len, const char *stem, const char *infix,
                     char sep, const char *suffix, const char *const *tails,
                     char run[FL_DB_RUN_ID_MAX + 1], char slot[FL_DB_SLOT_MAX + 1],
                     const char **tail)
{
    char short_stem[512];
    if (name_stem(short_stem, sizeof short_stem, max_len, stem, infix, sep, suffix) != 0)
        return 0;
    size_t stem_len = strlen(short_stem), infix_len = strlen(infix), suffix_len = strlen(suffix);
    if (strncmp(name, short_stem, stem_len) != 0 || strncmp(name + stem_len, infix, infix_len) != 0)
        return 0;
    const char *p = name + stem_len + infix_len;
    if (!read_token(&p, run, FL_DB_RUN_ID_MAX) || *p++ != sep ||
        !read_token(&p, slot, FL_DB_SLOT_MAX) || strncmp(p, suffix, suffix_len) != 0)
        return 0;
    p += suffix_len;
    if (*p == 0) {
        if (tail)
            *tail = "";
        return 1;
    }
    for (const char *const *t = tails; t && *t; t++)
        if (strcmp(p, *t) == 0) {
            if (tail)
                *tail = *t;
            return 1;
        }
    return 0;
}

/* ---- strings ------------------------------------------------------------------------------ */

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

char *fl_db_percent_decode(const char *src, size_t len)
{
    char *out = malloc(len + 1), *o = out;
    if (!out)
        return NULL;
    for (size_t i = 0; i < len; i++) {
        if (src[i] != '%') {
            *o++ = src[i];
            continue;
        }
        if (i + 2 >= len) {
            free(out);
            return NULL;
        }
        int a = hex_value(src[i + 1]), b = hex_value(src[i + 2]);
        if (a < 0 || b < 0) {
            free(out);
            return NULL;
        }
        *o++ = (char)(a * 16 + b);
        i += 2;
    }
    *o = 0;
    return out;
}

char *fl_db_strdupf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *s = malloc((size_t)n + 1);
    if (!s)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

char *fl_db_redacted_dup(const char *url)
{
    size_t size = strlen(url) + 16;
    char *s = malloc(size);
    if (s)
        fl_db_redact_url(url, s, size);
    return s;
}

/* ---- SQL text ---------------------------------------------------------------------------- */

void fl_db_buf_add(fl_db_buf *b, const char *s, size_t n)
{
    if (b->failed)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *bigger = realloc(b->s, cap);
        if (!bigger) {
            b->failed = 1;
            return;
        }
        b->s = bigger;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = 0;
}

void fl_db_buf_puts(fl_db_buf *b, const char *s) { fl_db_buf_add(b, s, strlen(s)); }

void fl_db_buf_printf(fl_db_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *tmp = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (!tmp) {
        b->failed = 1;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(tmp, (size_t)n + 1, fmt, ap);
    va_end(ap);
    fl_db_buf_add(b, tmp, (size_t)n);
    free(tmp);
}

void fl_db_buf_free(fl_db_buf *b)
{
    free(b->s);
    memset(b, 0, sizeof *b);
}
