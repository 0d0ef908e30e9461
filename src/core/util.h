/*
 * util.h — small building blocks used across the library: allocation that cannot return
 * NULL (out of memory aborts with a message: there is nothing sensible to do), a growable
 * byte buffer and a growable string vector; the state directory's creation.
 */
#ifndef FL_UTIL_H
#define FL_UTIL_H

#include <stddef.h>

#include "forkless/forkless.h"

void *fl_xmalloc(size_t n);
void *fl_xcalloc(size_t n, size_t size);
void *fl_xrealloc(void *p, size_t n);
char *fl_xstrdup(const char *s);
char *fl_xstrndup(const char *s, size_t n);
char *fl_xasprintf(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

typedef struct fl_bytes {
    char *data;   /* always NUL-terminated when len > 0 or after any append */
    size_t len;
    size_t cap;
} fl_bytes;

void fl_bytes_append(fl_bytes *b, const void *data, size_t n);
void fl_bytes_puts(fl_bytes *b, const char *s);
void fl_bytes_printf(fl_bytes *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Drops the first n bytes. */
void fl_bytes_consume(fl_bytes *b, size_t n);
/* Keeps only the last max bytes (at a line start when possible). */
void fl_bytes_keep_tail(fl_bytes *b, size_t max);
/* Returns the contents as a malloc'd string and empties the buffer. */
char *fl_bytes_take(fl_bytes *b);
void fl_bytes_reset(fl_bytes *b);
void fl_bytes_free(fl_bytes *b);

typedef struct fl_strvec {
    char **v;
    size_t n;
    size_t cap;
} fl_strvec;

void fl_strvec_push(fl_strvec *s, char *owned);
/* Returns the NULL-terminated array (never NULL) and resets s. */
char **fl_strvec_finish(fl_strvec *s);

/* Creates forkless's state directory (durations, templates, caches) if needed, with a
 * .gitignore of "*" in it the first time, so that nothing in it is ever committed by
 * mistake (a template can weigh hundreds of megabytes). */
int fl_state_dir_make(const char *dir, fl_error *err);

#endif
