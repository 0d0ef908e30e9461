/*
 * search.c — finding books.  bs_search_like is a plain substring match on titles and
 * author names; bs_search uses the FTS5 index of migration 007 (title, authors and
 * description, ranked by bm25 with titles weighted highest).  User input never reaches
 * FTS5's query syntax unquoted: each word becomes a quoted phrase, optionally a prefix.
 */
#include "internal.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static int collect_hits(sqlite3 *db, sqlite3_stmt *st, bs_hit **hits, size_t *n, bs_error *err)
{
    *hits = NULL;
    *n = 0;
    if (!st)
        return err ? err->code : BS_ERR_DB;
    size_t cap = 0;
    int rc, result = BS_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        bs_hit *grown = bs_grow(*hits, &cap, *n + 1, sizeof **hits);
        if (!grown) {
            result = bs_fail(err, BS_ERR_NOMEM, "out of memory");
            break;
        }
        *hits = grown;
        bs_hit *h = &(*hits)[(*n)++];
        h->book_id = sqlite3_column_int64(st, 0);
        bs_copy_col(st, 1, h->title, sizeof h->title);
        bs_copy_col(st, 2, h->authors, sizeof h->authors);
    }
    if (result == BS_OK && rc != SQLITE_DONE)
        result = bs_fail_sql(err, db, "searching");
    bs_finish(st);
    if (result != BS_OK) {
        free(*hits);
        *hits = NULL;
        *n = 0;
    }
    return result;
}

static int is_blank(const char *s)
{
    while (s && *s && isspace((unsigned char)*s))
        s++;
    return !s || !*s;
}

/* "%term%" with LIKE's wildcards and the escape character itself escaped. */
static char *like_pattern(const char *term)
{
    size_t len = strlen(term);
    char *p = malloc(len * 2 + 3), *o = p;
    if (!p)
        return NULL;
    *o++ = '%';
    for (const char *s = term; *s; s++) {
        if (*s == '%' || *s == '_' || *s == '\\')
            *o++ = '\\';
        *o++ = *s;
    }
    *o++ = '%';
    *o = '\0';
    return p;
}

int bs_search_like(sqlite3 *db, const char *term, size_t limit, bs_hit **hits, size_t *n,
                   bs_error *err)
{
    *hits = NULL;
    *n = 0;
    if (is_blank(term))
        return bs_fail(err, BS_ERR_INVALID, "an empty search");
    char *pattern = like_pattern(term);
    if (!pattern)
        return bs_fail(err, BS_ERR_NOMEM, "out of memory");
    sqlite3_stmt *st = bs_prepare(db, err,
                                  "SELECT id, title, authors FROM v_catalog "
                                  "WHERE title LIKE ?1 ESCAPE '\\' OR authors LIKE ?1 ESCAPE '\\' "
                                  "ORDER BY title COLLATE NOCASE, id LIMIT ?2",
                                  "ti", pattern, (int64_t)(limit ? limit : 1000000));
    free(pattern);
    return collect_hits(db, st, hits, n, err);
}

/* Appends one user word as an FTS5 string ("it""s" for it"s), '*' kept as a prefix. */
static size_t append_word(char *out, const char *word, size_t len)
{
    int prefix = len > 0 && word[len - 1] == '*';
    if (prefix)
        len--;
    while (len > 0 && word[len - 1] == '*')
        len--;
    if (len == 0)
        return 0;
    size_t o = 0;
    out[o++] = '"';
    for (size_t i = 0; i < len; i++) {
        if (word[i] == '"')
            out[o++] = '"';
        out[o++] = word[i];
    }
    out[o++] = '"';
    if (prefix)
        out[o++] = '*';
    out[o++] = ' ';
    return o;
}

static char *fts_query(const char *query)
{
    size_t len = strlen(query);
    char *out = malloc(len * 3 + 4);
    if (!out)
        return NULL;
    size_t o = 0;
    const char *p = query;
    while (*p) {
        while (*p && isspace((unsigned char)*p))
            p++;
        const char *start = p;
        while (*p && !isspace((unsigned char)*p))
            p++;
        o += append_word(out + o, start, (size_t)(p - start));
    }
    while (o > 0 && out[o - 1] == ' ')
        o--;
    out[o] = '\0';
    return out;
}

int bs_search(sqlite3 *db, const char *query, size_t limit, bs_hit **hits, size_t *n,
              bs_error *err)
{
    *hits = NULL;
    *n = 0;
    if (is_blank(query))
        return bs_fail(err, BS_ERR_INVALID, "an empty search");
    if (!bs_has_fts(db)) {
        char *plain = strdup(query);
        if (!plain)
            return bs_fail(err, BS_ERR_NOMEM, "out of memory");
        size_t len = strlen(plain);
        while (len > 0 && (plain[len - 1] == '*' || isspace((unsigned char)plain[len - 1])))
            plain[--len] = '\0';
        int rc = bs_search_like(db, plain, limit, hits, n, err);
        free(plain);
        return rc;
    }
    char *match = fts_query(query);
    if (!match)
        return bs_fail(err, BS_ERR_NOMEM, "out of memory");
    if (!*match) {
        free(match);
        return bs_fail(err, BS_ERR_INVALID, "nothing to search for in \"%s\"", query);
    }
    sqlite3_stmt *st = bs_prepare(db, err,
                                  "SELECT v.id, v.title, v.authors FROM books_fts f "
                                  "JOIN v_catalog v ON v.id = f.rowid "
                                  "WHERE books_fts MATCH ?1 "
                                  "ORDER BY bm25(books_fts, 10.0, 5.0, 1.0), v.title, v.id LIMIT ?2",
                                  "ti", match, (int64_t)(limit ? limit : 1000000));
    free(match);
    return collect_hits(db, st, hits, n, err);
}
