/*
 * report_util.h — small helpers shared by the reporters (console, JUnit, JSON Lines), on
 * top of core/util.h's fl_bytes: cleaning of text that came from a test (invalid UTF-8, control
 * characters, terminal escape sequences), the tail of a long captured output, and the
 * display width of a line.  Everything a test sends is untrusted text: every reporter
 * passes it through fl_text_clean before writing it anywhere.
 */
#ifndef FL_REPORT_UTIL_H
#define FL_REPORT_UTIL_H

#include <stddef.h>

#include "core/util.h"

/* The text of a buffer (never NULL: "" for an empty one). */
const char *fl_report_text(const fl_bytes *b);
void fl_report_putc(fl_bytes *b, char c);

/* How fl_text_clean treats text. */
typedef enum fl_text_mode {
    /* JSON: only invalid UTF-8 is replaced (by U+FFFD); every character is kept. */
    FL_TEXT_UTF8,
    /* XML 1.0: invalid UTF-8 → U+FFFD; control characters other than tab, newline and
     * carriage return, and U+FFFE/U+FFFF, are removed. */
    FL_TEXT_XML,
    /* Console, plain: invalid UTF-8 → U+FFFD; escape sequences and control characters
     * (C0 other than tab and newline, DEL, C1) removed; "\r\n" → "\n", a lone "\r" → "\n". */
    FL_TEXT_PLAIN,
    /* Console with colour: as PLAIN, but SGR sequences (ESC [ ... m, colours) are kept. */
    FL_TEXT_COLOR,
} fl_text_mode;

/* Appends the cleaned form of s[0..n) to out. */
void fl_text_clean(fl_bytes *out, const char *s, size_t n, fl_text_mode mode);
/* Convenience: a malloc'd cleaned copy of a NUL-terminated string (NULL → NULL, and NULL
 * when memory runs out). */
char *fl_text_clean_dup(const char *s, fl_text_mode mode);

/* The tail of a long text: at most max_lines lines and max_bytes bytes, cut at a line start
 * (or, for one overlong line, at a character start).  *cut_lines and *cut_bytes tell how
 * much was left out before the returned pointer. */
const char *fl_text_tail(const char *s, size_t len, size_t max_lines, size_t max_bytes,
                         size_t *cut_lines, size_t *cut_bytes);

/* Number of terminal columns s occupies: UTF-8 characters counted once, escape sequences
 * not at all (wide characters are counted as one column: good enough for ids). */
size_t fl_text_columns(const char *s, size_t n);
/* The number of bytes of s that fit in cols columns, never splitting a character or an
 * escape sequence. */
size_t fl_text_fit(const char *s, size_t n, size_t cols);

/* "1.2 KiB", "3.4 MiB" */
void fl_format_size(char *out, size_t size, size_t bytes);

#endif
