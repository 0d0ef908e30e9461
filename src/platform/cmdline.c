/*
 * cmdline.c — Windows command-line quoting and splitting (see cmdline.h).  Portable C,
 * built on every OS: the table-driven tests in tests/platform run on Linux in CI's first
 * build and under Wine against the real Windows parsers.
 *
 * Quoting follows the algorithm libuv and Python's subprocess.list2cmdline use: an
 * argument without space, tab, newline, vertical tab or quote is passed as is (an empty
 * one as ""); otherwise it is wrapped in quotes, each quote is preceded by a backslash,
 * and backslashes are doubled only where they precede a quote (including the closing one).
 */
#include "platform/cmdline.h"

#include <stdlib.h>
#include <string.h>

typedef struct buf {
    char *data;
    size_t len, cap;
    int failed;
} buf;

static void put(buf *b, char c, size_t count)
{
    if (b->failed)
        return;
    if (b->len + count + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (b->len + count + 1 > cap)
            cap *= 2;
        char *bigger = realloc(b->data, cap);
        if (!bigger) {
            b->failed = 1;
            return;
        }
        b->data = bigger;
        b->cap = cap;
    }
    memset(b->data + b->len, c, count);
    b->len += count;
    b->data[b->len] = 0;
}

static int needs_quotes(const char *arg)
{
    return arg[0] == 0 || strpbrk(arg, " \t\n\v\"") != NULL;
}

static void quote_argument(buf *b, const char *arg)
{
    if (!needs_quotes(arg)) {
        for (const char *p = arg; *p; p++)
            put(b, *p, 1);
        return;
    }
    put(b, '"', 1);
    size_t backslashes = 0;
    for (const char *p = arg;; p++) {
        if (*p == '\\') {
            backslashes++;
            continue;
        }
        if (*p == 0) {
            put(b, '\\', backslashes * 2); /* they precede the closing quote */
            break;
        }
        if (*p == '"') {
            put(b, '\\', backslashes * 2 + 1);
            put(b, '"', 1);
        } else {
            put(b, '\\', backslashes);
            put(b, *p, 1);
        }
        backslashes = 0;
    }
    put(b, '"', 1);
}

char *fl_win_command_line(char *const *argv)
{
    if (!argv || !argv[0] || strchr(argv[0], '"'))
        return NULL;
    buf b = {0};
    /* The program name: no escapes are read in it, so quoting is all it can need. */
    int quote0 = argv[0][0] == 0 || strpbrk(argv[0], " \t") != NULL;
    if (quote0)
        put(&b, '"', 1);
    for (const char *p = argv[0]; *p; p++)
        put(&b, *p, 1);
    if (quote0)
        put(&b, '"', 1);
    for (size_t i = 1; argv[i]; i++) {
        put(&b, ' ', 1);
        quote_argument(&b, argv[i]);
    }
    if (b.failed) {
        free(b.data);
        return NULL;
    }
    return b.data;
}

/* Splits into out (when not NULL), returning the number of arguments; *chars counts the
 * bytes the arguments need with their terminators. */
static int split(const char *s, char **out, char *store, size_t *chars)
{
    int n = 0;
    size_t used = 0;
#define EMIT(c) (store ? (void)(store[used++] = (c)) : (void)used++)
    /* The program name. */
    while (*s == ' ' || *s == '\t')
        s++;
    if (*s) {
        if (out)
            out[n] = store + used;
        int quoted = 0;
        for (; *s && (quoted || (*s != ' ' && *s != '\t')); s++) {
            if (*s == '"')
                quoted = !quoted;
            else
                EMIT(*s);
        }
        EMIT(0);
        n++;
    }
    for (;;) {
        while (*s == ' ' || *s == '\t')
            s++;
        if (!*s)
            break;
        if (out)
            out[n] = store + used;
        int quoted = 0;
        while (*s && (quoted || (*s != ' ' && *s != '\t'))) {
            size_t backslashes = 0;
            while (*s == '\\') {
                backslashes++;
                s++;
            }
            if (*s == '"') {
                for (size_t k = 0; k < backslashes / 2; k++)
                    EMIT('\\');
                if (backslashes % 2) {
                    EMIT('"');
                } else if (quoted && s[1] == '"') {
                    EMIT('"'); /* "" inside quotes: a literal quote (the post-2008 CRT rule) */
                    s++;
                } else {
                    quoted = !quoted;
                }
                s++;
            } else {
                for (size_t k = 0; k < backslashes; k++)
                    EMIT('\\');
                if (*s && (quoted || (*s != ' ' && *s != '\t'))) {
                    EMIT(*s);
                    s++;
                }
            }
        }
        EMIT(0);
        n++;
    }
#undef EMIT
    *chars = used;
    return n;
}

char **fl_win_split_command_line(const char *cmdline, int *argc)
{
    size_t chars;
    int n = split(cmdline, NULL, NULL, &chars);
    char **argv = malloc((size_t)(n + 1) * sizeof *argv + chars + 1);
    if (!argv)
        return NULL;
    char *store = (char *)(argv + n + 1);
    split(cmdline, argv, store, &chars);
    argv[n] = NULL;
    if (argc)
        *argc = n;
    return argv;
}
