/*
 * report_util.c — helpers shared by the reporters: the growing buffer, the cleaning of
 * untrusted text (UTF-8 repair, control characters, terminal escape sequences), the tail
 * of a captured output and the column arithmetic of the console status line.
 */
#include "report/report_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- buffers ------------------------------------------------------------------------ */

const char *fl_report_text(const fl_bytes *b) { return b->data ? b->data : ""; }

void fl_report_putc(fl_bytes *b, char c) { fl_bytes_append(b, &c, 1); }

/* ---- UTF-8 --------------------------------------------------------------------------- */

/* Decodes one well-formed UTF-8 character at s (no overlong forms, no surrogates, at most
 * U+10FFFF).  Returns its length and sets *cp, or 0 when the bytes are not valid. */
static size_t utf8_decode(const unsigned char *s, size_t n, unsigned *cp)
{
    unsigned c = s[0];
    size_t len;
    unsigned min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if (c >= 0xC2 && c <= 0xDF) {
        len = 2, min = 0x80, c &= 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3, min = 0x800, c &= 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4, min = 0x10000, c &= 0x07;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        c = (c << 6) | (s[i] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    *cp = c;
    return len;
}

static const char replacement_char[] = "\xEF\xBF\xBD"; /* U+FFFD */

/* ---- escape sequences ----------------------------------------------------------------- */

/* Length of the escape sequence starting with ESC at s[0] (at least 1), and whether it is
 * an SGR (colour) sequence: ESC [ digits-and-semicolons m. */
static size_t escape_length(const unsigned char *s, size_t n, int *is_sgr)
{
    *is_sgr = 0;
    if (n < 2)
        return n;
    unsigned char kind = s[1];
    if (kind == '[') { /* CSI: parameters 0x30-0x3F, intermediates 0x20-0x2F, final 0x40-0x7E */
        size_t i = 2;
        int plain_params = 1;
        while (i < n && s[i] >= 0x20 && s[i] <= 0x3F) {
            if (!((s[i] >= '0' && s[i] <= '9') || s[i] == ';'))
                plain_params = 0;
            i++;
        }
        if (i < n && s[i] >= 0x40 && s[i] <= 0x7E) {
            *is_sgr = plain_params && s[i] == 'm';
            return i + 1;
        }
        return i; /* malformed or cut: drop what we saw */
    }
    if (kind == ']' || kind == 'P' || kind == 'X' || kind == '^' || kind == '_') {
        /* string sequences end with BEL or ST (ESC \) */
        for (size_t i = 2; i < n; i++) {
            if (s[i] == 0x07)
                return i + 1;
            if (s[i] == 0x1B && i + 1 < n && s[i + 1] == '\\')
                return i + 2;
        }
        return n;
    }
    if (kind >= 0x20 && kind <= 0x7E)
        return 2;
    return 1;
}

/* ---- cleaning ------------------------------------------------------------------------- */

static int keeps_control(unsigned c, fl_text_mode mode)
{
    if (c == '\t' || c == '\n')
        return 1;
    if (c == '\r')
        return mode == FL_TEXT_XML || mode == FL_TEXT_UTF8;
    return mode == FL_TEXT_UTF8;
}

void fl_text_clean(fl_bytes *out, const char *text, size_t n, fl_text_mode mode)
{
    const unsigned char *s = (const unsigned char *)text;
    int console = mode == FL_TEXT_PLAIN || mode == FL_TEXT_COLOR;
    size_t i = 0, run = 0; /* bytes s[run..i) are pending, copied as they are */
    while (i < n) {
        unsigned c = s[i];
        if (c >= 0x20 && c < 0x7F) { /* the common case: printable ASCII */
            i++;
            continue;
        }
        fl_bytes_append(out, (const char *)s + run, i - run);
        if (c == 0x1B && mode != FL_TEXT_UTF8) {
            int sgr;
            size_t len = escape_length(s + i, n - i, &sgr);
            if (sgr && mode == FL_TEXT_COLOR)
                fl_bytes_append(out, (const char *)s + i, len);
            i += len;
        } else if (c == '\r' && console) {
            fl_report_putc(out, '\n');
            i += (i + 1 < n && s[i + 1] == '\n') ? 2 : 1;
        } else if (c < 0x20 || c == 0x7F) {
            if (keeps_control(c, mode))
                fl_report_putc(out, (char)c);
            i++;
        } else {
            unsigned cp;
            size_t len = utf8_decode(s + i, n - i, &cp);
            if (len == 0) {
                fl_bytes_append(out, replacement_char, 3);
                i++;
            } else {
                int drop = (cp >= 0x80 && cp <= 0x9F && mode != FL_TEXT_UTF8) ||
                           (mode == FL_TEXT_XML && (cp == 0xFFFE || cp == 0xFFFF));
                if (!drop)
                    fl_bytes_append(out, (const char *)s + i, len);
                i += len;
            }
        }
        run = i;
    }
    fl_bytes_append(out, (const char *)s + run, n - run);
}

char *fl_text_clean_dup(const char *s, fl_text_mode mode)
{
    if (!s)
        return NULL;
    fl_bytes b = {0};
    fl_text_clean(&b, s, strlen(s), mode);
    return fl_bytes_take(&b);
}

/* ---- tails and columns --------------------------------------------------------------- */

const char *fl_text_tail(const char *s, size_t len, size_t max_lines, size_t max_bytes,
                         size_t *cut_lines, size_t *cut_bytes)
{
    /* A final newline ends the last line; it does not start another. */
    size_t end = len;
    if (end > 0 && s[end - 1] == '\n')
        end--;
    /* the start of the max_lines-th line from the end */
    size_t start = 0, lines = 0;
    for (size_t k = end; k > 0 && max_lines > 0; k--) {
        if (s[k - 1] == '\n' && ++lines == max_lines) {
            start = k;
            break;
        }
    }
    if (len - start > max_bytes) {
        start = len - max_bytes;
        if (s[start - 1] != '\n') {
            /* move to the next line start or, in one overlong line, to a character start */
            const char *nl = memchr(s + start, '\n', end - start);
            if (nl)
                start = (size_t)(nl + 1 - s);
            else
                while (start < len && ((unsigned char)s[start] & 0xC0) == 0x80)
                    start++;
        }
    }
    size_t skipped = 0;
    for (size_t i = 0; i < start; i++)
        skipped += s[i] == '\n';
    if (start > 0 && s[start - 1] != '\n')
        skipped++; /* a partly shown line counts as cut */
    *cut_lines = skipped;
    *cut_bytes = start;
    return s + start;
}

size_t fl_text_columns(const char *text, size_t n)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t cols = 0;
    for (size_t i = 0; i < n;) {
        if (s[i] == 0x1B) {
            int sgr;
            i += escape_length(s + i, n - i, &sgr);
            continue;
        }
        if ((s[i] & 0xC0) != 0x80)
            cols++;
        i++;
    }
    return cols;
}

size_t fl_text_fit(const char *text, size_t n, size_t cols)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t used = 0, i = 0;
    while (i < n) {
        if (s[i] == 0x1B) {
            int sgr;
            i += escape_length(s + i, n - i, &sgr);
            continue;
        }
        size_t len = 1;
        while (i + len < n && (s[i + len] & 0xC0) == 0x80)
            len++;
        if (used + 1 > cols)
            break;
        used++;
        i += len;
    }
    return i;
}

void fl_format_size(char *out, size_t size, size_t bytes)
{
    if (bytes < 1024)
        snprintf(out, size, "%zu bytes", bytes);
    else if (bytes < 1024 * 1024)
        snprintf(out, size, "%.1f KiB", bytes / 1024.0);
    else
        snprintf(out, size, "%.1f MiB", bytes / (1024.0 * 1024.0));
}
