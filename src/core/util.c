/*
 * util.c — allocation, buffers and string vectors (see util.h).
 */
#include "core/util.h"
#include "platform/platform.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void out_of_memory(size_t n)
{
    fprintf(stderr, "forkless: out of memory (allocating %zu bytes)\n", n);
    abort();
}

void *fl_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        out_of_memory(n);
    return p;
}

void *fl_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        out_of_memory(n * size);
    return p;
}

void *fl_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        out_of_memory(n);
    return q;
}

char *fl_xstrdup(const char *s)
{
    return fl_xstrndup(s, strlen(s));
}

char *fl_xstrndup(const char *s, size_t n)
{
    char *d = fl_xmalloc(n + 1);
    memcpy(d, s, n);
    d[n] = 0;
    return d;
}

char *fl_xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char small[256];
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < (int)sizeof small)
        return fl_xstrdup(small);
    char *out = fl_xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(out, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return out;
}

static void buf_reserve(fl_bytes *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap * 2 : 256;
    while (cap < b->len + extra + 1)
        cap *= 2;
    b->data = fl_xrealloc(b->data, cap);
    b->cap = cap;
}

void fl_bytes_append(fl_bytes *b, const void *data, size_t n)
{
    buf_reserve(b, n);
    memcpy(b->data + b->len, data, n);
    b->len += n;
    b->data[b->len] = 0;
}

void fl_bytes_puts(fl_bytes *b, const char *s)
{
    fl_bytes_append(b, s, strlen(s));
}

void fl_bytes_printf(fl_bytes *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char small[512];
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if (n < (int)sizeof small) {
        fl_bytes_append(b, small, (size_t)n);
        return;
    }
    buf_reserve(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void fl_bytes_consume(fl_bytes *b, size_t n)
{
    if (n >= b->len) {
        b->len = 0;
        if (b->data)
            b->data[0] = 0;
        return;
    }
    memmove(b->data, b->data + n, b->len - n);
    b->len -= n;
    b->data[b->len] = 0;
}

void fl_bytes_keep_tail(fl_bytes *b, size_t max)
{
    if (b->len <= max)
        return;
    size_t cut = b->len - max;
    const char *nl = memchr(b->data + cut, '\n', b->len - cut);
    if (nl && (size_t)(nl - b->data) < b->len - 1)
        cut = (size_t)(nl - b->data) + 1;
    fl_bytes_consume(b, cut);
}

char *fl_bytes_take(fl_bytes *b)
{
    char *s = b->data ? b->data : fl_xstrdup("");
    b->data = NULL;
    b->len = b->cap = 0;
    return s;
}

void fl_bytes_reset(fl_bytes *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = 0;
}

void fl_bytes_free(fl_bytes *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

void fl_strvec_push(fl_strvec *s, char *owned)
{
    if (s->n + 2 > s->cap) {
        s->cap = s->cap ? s->cap * 2 : 8;
        s->v = fl_xrealloc(s->v, s->cap * sizeof *s->v);
    }
    s->v[s->n++] = owned;
    s->v[s->n] = NULL;
}

char **fl_strvec_finish(fl_strvec *s)
{
    char **v = s->v ? s->v : fl_xcalloc(1, sizeof *v);
    s->v = NULL;
    s->n = s->cap = 0;
    return v;
}


int fl_state_dir_make(const char *dir, fl_error *err)
{
    int rc = fl_mkdir_p(dir, err);
    if (rc != FL_OK)
        return rc;
    char *ignore = fl_xasprintf("%s/.gitignore", dir);
    if (!fl_file_exists(ignore)) {
        FILE *f = fopen(ignore, "wb");
        if (f) { /* best effort: a read-only directory still works as a state directory */
            fputs("# Created by forkless: its state (durations, templates, caches) is not source.\n*\n", f);
            fclose(f);
        }
    }
    free(ignore);
    return FL_OK;
}
