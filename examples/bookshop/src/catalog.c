/*
 * catalog.c — authors and books.  Adding a book validates its ISBN (checksum), title,
 * genre, year and price, creates unknown authors, and links them in cover order; the
 * schema's triggers then give it a stock level, a search-index row and a price history.
 */
#include "internal.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static int is_blank(const char *s)
{
    if (!s)
        return 1;
    while (*s && isspace((unsigned char)*s))
        s++;
    return *s == '\0';
}

int bs_author_find(sqlite3 *db, const char *name, int64_t *id, bs_error *err)
{
    int rc = bs_query_int(db, err, id, "SELECT id FROM authors WHERE name = trim(?)", "t", name);
    if (rc == BS_ERR_NOT_FOUND)
        return bs_fail(err, BS_ERR_NOT_FOUND, "no author named \"%s\"", name);
    return rc;
}

int bs_author_add(sqlite3 *db, const char *name, int64_t *id, bs_error *err)
{
    if (is_blank(name))
        return bs_fail(err, BS_ERR_INVALID, "an author needs a name");
    int rc = bs_execf(db, err, "adding an author", "INSERT INTO authors (name) VALUES (trim(?))",
                      "t", name);
    if (rc == BS_ERR_DUPLICATE)
        return bs_fail(err, rc, "author \"%s\" already exists", name);
    if (rc == BS_OK && id)
        *id = sqlite3_last_insert_rowid(db);
    return rc;
}

int bs_author_rename(sqlite3 *db, int64_t id, const char *name, bs_error *err)
{
    if (is_blank(name))
        return bs_fail(err, BS_ERR_INVALID, "an author needs a name");
    int rc = bs_execf(db, err, "renaming an author",
                      "UPDATE authors SET name = trim(?) WHERE id = ?", "ti", name, id);
    if (rc == BS_ERR_DUPLICATE)
        return bs_fail(err, rc, "author \"%s\" already exists", name);
    if (rc == BS_OK && sqlite3_changes(db) == 0)
        return bs_fail(err, BS_ERR_NOT_FOUND, "no author %lld", (long long)id);
    return rc;
}

static int find_or_add_author(sqlite3 *db, const char *name, int64_t *id, bs_error *err)
{
    int rc = bs_author_find(db, name, id, err);
    if (rc == BS_ERR_NOT_FOUND)
        rc = bs_author_add(db, name, id, err);
    return rc;
}

static int validate_book(const bs_book_input *in, char isbn[14], bs_error *err)
{
    int rc = bs_isbn_normalize(in->isbn, isbn, err);
    if (rc != BS_OK)
        return rc;
    if (is_blank(in->title))
        return bs_fail(err, BS_ERR_INVALID, "book %s needs a title", isbn);
    if (in->price_cents < 0 || in->price_cents > BS_MAX_PRICE_CENTS)
        return bs_fail(err, BS_ERR_INVALID_PRICE, "book %s: price %lld cents out of range", isbn,
                       (long long)in->price_cents);
    if (in->year != 0 && (in->year < 1450 || in->year > 2100))
        return bs_fail(err, BS_ERR_INVALID, "book %s: year %d is not plausible", isbn, in->year);
    if (in->n_authors == 0)
        return bs_fail(err, BS_ERR_INVALID, "book %s needs at least one author", isbn);
    for (size_t i = 0; i < in->n_authors; i++)
        if (is_blank(in->authors[i]))
            return bs_fail(err, BS_ERR_INVALID, "book %s: author %zu has no name", isbn, i + 1);
    return BS_OK;
}

static int insert_book(sqlite3 *db, const bs_book_input *in, const char *isbn, int64_t *id,
                       bs_error *err)
{
    int64_t known = 0;
    if (bs_query_int(db, NULL, &known, "SELECT 1 FROM genres WHERE code = ?", "t",
                     in->genre ? in->genre : "") != BS_OK)
        return bs_fail(err, BS_ERR_INVALID, "book %s: unknown genre \"%s\"", isbn,
                       in->genre ? in->genre : "");
    int rc = bs_execf(db, err, "adding a book",
                      "INSERT INTO books (isbn, title, description, genre, published_year, "
                      "price_cents) VALUES (?, trim(?), coalesce(?, ''), ?, nullif(?, 0), ?)",
                      "ttttdi", isbn, in->title, in->description, in->genre, in->year,
                      in->price_cents);
    if (rc == BS_ERR_DUPLICATE)
        return bs_fail(err, rc, "a book with ISBN %s already exists", isbn);
    if (rc == BS_OK)
        *id = sqlite3_last_insert_rowid(db);
    return rc;
}

static int link_authors(sqlite3 *db, int64_t book_id, const bs_book_input *in, bs_error *err)
{
    for (size_t i = 0; i < in->n_authors; i++) {
        int64_t author_id = 0;
        int rc = find_or_add_author(db, in->authors[i], &author_id, err);
        if (rc != BS_OK)
            return rc;
        rc = bs_execf(db, err, "linking an author",
                      "INSERT INTO book_authors (book_id, author_id, position) VALUES (?, ?, ?)",
                      "iid", book_id, author_id, (int)i + 1);
        if (rc == BS_ERR_DUPLICATE)
            return bs_fail(err, BS_ERR_INVALID, "author \"%s\" is listed twice", in->authors[i]);
        if (rc != BS_OK)
            return rc;
    }
    return BS_OK;
}

int bs_book_add(sqlite3 *db, const bs_book_input *in, int64_t *id, bs_error *err)
{
    char isbn[14];
    int rc = validate_book(in, isbn, err);
    if (rc != BS_OK)
        return rc;
    if ((rc = bs_savepoint(db, "book_add", err)) != BS_OK)
        return rc;
    int64_t book_id = 0;
    rc = insert_book(db, in, isbn, &book_id, err);
    if (rc == BS_OK)
        rc = link_authors(db, book_id, in, err);
    if (rc == BS_OK)
        rc = bs_release(db, "book_add", err);
    if (rc != BS_OK) {
        bs_rollback_to(db, "book_add");
        return rc;
    }
    if (id)
        *id = book_id;
    return BS_OK;
}

static const char book_select[] =
    "SELECT id, isbn, title, authors, genre, coalesce(published_year, 0), price_cents, "
    "discontinued, on_hand FROM v_catalog ";

static void read_book(sqlite3_stmt *st, bs_book *out)
{
    memset(out, 0, sizeof *out);
    out->id = sqlite3_column_int64(st, 0);
    bs_copy_col(st, 1, out->isbn, sizeof out->isbn);
    bs_copy_col(st, 2, out->title, sizeof out->title);
    bs_copy_col(st, 3, out->authors, sizeof out->authors);
    bs_copy_col(st, 4, out->genre, sizeof out->genre);
    out->year = sqlite3_column_int(st, 5);
    out->price_cents = sqlite3_column_int64(st, 6);
    out->discontinued = sqlite3_column_int(st, 7);
    out->on_hand = sqlite3_column_int64(st, 8);
}

static int fetch_book(sqlite3 *db, sqlite3_stmt *st, const char *what, bs_book *out,
                      bs_error *err)
{
    if (!st)
        return err ? err->code : BS_ERR_DB;
    int rc = sqlite3_step(st);
    int result = BS_OK;
    if (rc == SQLITE_ROW)
        read_book(st, out);
    else if (rc == SQLITE_DONE)
        result = bs_fail(err, BS_ERR_NOT_FOUND, "no book %s", what);
    else
        result = bs_fail_sql(err, db, "reading a book");
    bs_finish(st);
    return result;
}

int bs_book_get(sqlite3 *db, int64_t id, bs_book *out, bs_error *err)
{
    char sql[256], what[32];
    snprintf(sql, sizeof sql, "%sWHERE id = ?", book_select);
    snprintf(what, sizeof what, "%lld", (long long)id);
    return fetch_book(db, bs_prepare(db, err, sql, "i", id), what, out, err);
}

int bs_book_by_isbn(sqlite3 *db, const char *isbn, bs_book *out, bs_error *err)
{
    char canonical[14], sql[256];
    int rc = bs_isbn_normalize(isbn, canonical, err);
    if (rc != BS_OK)
        return rc;
    snprintf(sql, sizeof sql, "%sWHERE isbn = ?", book_select);
    return fetch_book(db, bs_prepare(db, err, sql, "t", canonical), canonical, out, err);
}

int bs_book_set_price(sqlite3 *db, int64_t id, int64_t price_cents, bs_error *err)
{
    if (price_cents < 0 || price_cents > BS_MAX_PRICE_CENTS)
        return bs_fail(err, BS_ERR_INVALID_PRICE, "book %lld: price %lld cents out of range",
                       (long long)id, (long long)price_cents);
    int rc = bs_execf(db, err, "changing a price", "UPDATE books SET price_cents = ? WHERE id = ?",
                      "ii", price_cents, id);
    if (rc == BS_OK && sqlite3_changes(db) == 0)
        return bs_fail(err, BS_ERR_NOT_FOUND, "no book %lld", (long long)id);
    return rc;
}

int bs_book_discontinue(sqlite3 *db, int64_t id, bs_error *err)
{
    int rc = bs_execf(db, err, "discontinuing a book",
                      "UPDATE books SET discontinued = 1 WHERE id = ?", "i", id);
    if (rc == BS_OK && sqlite3_changes(db) == 0)
        return bs_fail(err, BS_ERR_NOT_FOUND, "no book %lld", (long long)id);
    return rc;
}

int bs_book_delete(sqlite3 *db, int64_t id, bs_error *err)
{
    int rc = bs_execf(db, err, "deleting a book", "DELETE FROM books WHERE id = ?", "i", id);
    if (rc == BS_ERR_IN_USE)
        return bs_fail(err, rc, "book %lld has stock movements or orders: discontinue it instead",
                       (long long)id);
    if (rc == BS_OK && sqlite3_changes(db) == 0)
        return bs_fail(err, BS_ERR_NOT_FOUND, "no book %lld", (long long)id);
    return rc;
}

int bs_book_count_by_author(sqlite3 *db, int64_t author_id, int64_t *count, bs_error *err)
{
    return bs_query_int(db, err, count, "SELECT count(*) FROM book_authors WHERE author_id = ?",
                        "i", author_id);
}
