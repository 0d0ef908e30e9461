/*
 * internal.h — helpers shared by the bookshop's source files and not part of its API:
 * error filling, prepared statements with one-line binding, savepoints, and the mapping
 * of SQLite constraint failures (including the schema's RAISE() triggers) to bs_codes.
 */
#ifndef BOOKSHOP_INTERNAL_H
#define BOOKSHOP_INTERNAL_H

#include "bookshop.h"

#include <sqlite3.h>
#include <stdarg.h>

#if defined(__GNUC__)
#define BS_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define BS_PRINTF(a, b)
#endif

/* Sets err (if not NULL) and returns code. */
int bs_fail(bs_error *err, int code, const char *fmt, ...) BS_PRINTF(3, 4);
/* Fails with SQLite's message for db, prefixed by what was being done.  Constraint
 * failures raised by the schema's triggers map to their own codes (out of stock...). */
int bs_fail_sql(bs_error *err, sqlite3 *db, const char *doing);

/* Prepares sql (or reuses a cached statement of this connection) and binds the arguments described by types, one character each:
 * 'i' int64_t, 'd' int, 't' const char * (NULL binds NULL).  NULL on failure (err set). */
sqlite3_stmt *bs_prepare(sqlite3 *db, bs_error *err, const char *sql, const char *types, ...);
/* Gives a statement from bs_prepare back (to the cache, reset; or finalizes it). */
void bs_finish(sqlite3_stmt *st);
/* Runs a statement that returns no rows, then finishes it. */
int bs_exec_stmt(sqlite3 *db, sqlite3_stmt *st, const char *doing, bs_error *err);
/* bs_prepare + bs_exec_stmt. */
int bs_execf(sqlite3 *db, bs_error *err, const char *doing, const char *sql, const char *types,
             ...);
/* Runs a query whose first column of the first row is an integer; BS_ERR_NOT_FOUND when no
 * row.  The statement is finalized. */
int bs_query_int(sqlite3 *db, bs_error *err, int64_t *out, const char *sql, const char *types,
                 ...);

/* Copies a column's text (or "") into a buffer, truncating. */
void bs_copy_col(sqlite3_stmt *st, int col, char *buf, size_t size);

/* Savepoints: begin, then either release (commit into the enclosing transaction) or
 * roll back.  name must be a literal identifier. */
int bs_savepoint(sqlite3 *db, const char *name, bs_error *err);
int bs_release(sqlite3 *db, const char *name, bs_error *err);
void bs_rollback_to(sqlite3 *db, const char *name);

/* Grows an array of elem_size elements to hold at least need; NULL on failure. */
void *bs_grow(void *array, size_t *capacity, size_t need, size_t elem_size);

#endif
