/*
 * db.c — the bookshop's database plumbing: opening and configuring a connection, error
 * codes and messages, prepared statements bound in one call, and savepoints.  Every other
 * source file goes through these helpers, so SQLite errors are reported in one way.
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    int code;
    const char *name;
} code_names[] = {
    {BS_OK, "ok"},
    {BS_ERR_DB, "db"},
    {BS_ERR_INVALID, "invalid"},
    {BS_ERR_INVALID_ISBN, "invalid_isbn"},
    {BS_ERR_DUPLICATE, "duplicate"},
    {BS_ERR_NOT_FOUND, "not_found"},
    {BS_ERR_UNKNOWN_CUSTOMER, "unknown_customer"},
    {BS_ERR_OUT_OF_STOCK, "out_of_stock"},
    {BS_ERR_INVALID_QUANTITY, "invalid_quantity"},
    {BS_ERR_INVALID_PRICE, "invalid_price"},
    {BS_ERR_INVALID_EMAIL, "invalid_email"},
    {BS_ERR_DISCONTINUED, "discontinued"},
    {BS_ERR_DISCOUNT_UNKNOWN, "discount_unknown"},
    {BS_ERR_DISCOUNT_EXPIRED, "discount_expired"},
    {BS_ERR_DISCOUNT_MIN_TOTAL, "discount_min_total"},
    {BS_ERR_DISCOUNT_EXHAUSTED, "discount_exhausted"},
    {BS_ERR_ORDER_STATE, "order_state"},
    {BS_ERR_EMPTY_ORDER, "empty_order"},
    {BS_ERR_PAYMENT_MISMATCH, "payment_mismatch"},
    {BS_ERR_IN_USE, "in_use"},
    {BS_ERR_MIGRATION, "migration"},
    {BS_ERR_IO, "io"},
    {BS_ERR_NOMEM, "nomem"},
};

const char *bs_code_name(int code)
{
    for (size_t i = 0; i < sizeof code_names / sizeof code_names[0]; i++)
        if (code_names[i].code == code)
            return code_names[i].name;
    return "unknown";
}

void bs_error_clear(bs_error *err)
{
    if (err) {
        err->code = BS_OK;
        err->msg[0] = '\0';
    }
}

int bs_fail(bs_error *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        err->code = code;
    }
    return code;
}

/* The schema's triggers RAISE(ABORT, '<code>: <text>'); the code word picks the bs_code. */
static int code_from_trigger_message(const char *msg)
{
    static const struct {
        const char *prefix;
        int code;
    } raised[] = {
        {"out_of_stock:", BS_ERR_OUT_OF_STOCK},
        {"order_state:", BS_ERR_ORDER_STATE},
        {"invalid:", BS_ERR_INVALID},
    };
    for (size_t i = 0; i < sizeof raised / sizeof raised[0]; i++)
        if (strncmp(msg, raised[i].prefix, strlen(raised[i].prefix)) == 0)
            return raised[i].code;
    return 0;
}

int bs_fail_sql(bs_error *err, sqlite3 *db, const char *doing)
{
    const char *msg = sqlite3_errmsg(db);
    int ext = sqlite3_extended_errcode(db);
    int code = code_from_trigger_message(msg);
    if (code == 0) {
        switch (ext) {
        case SQLITE_CONSTRAINT_UNIQUE:
        case SQLITE_CONSTRAINT_PRIMARYKEY:
            code = BS_ERR_DUPLICATE;
            break;
        case SQLITE_CONSTRAINT_FOREIGNKEY:
            code = BS_ERR_IN_USE;
            break;
        case SQLITE_CONSTRAINT_CHECK:
        case SQLITE_CONSTRAINT_NOTNULL:
            code = BS_ERR_INVALID;
            break;
        case SQLITE_NOMEM:
            code = BS_ERR_NOMEM;
            break;
        default:
            code = BS_ERR_DB;
        }
    }
    return bs_fail(err, code, "%s: %s", doing, msg);
}

static int bind_args(sqlite3_stmt *st, const char *types, va_list ap)
{
    int rc = SQLITE_OK;
    for (int i = 0; types && types[i] && rc == SQLITE_OK; i++) {
        if (types[i] == 'i') {
            rc = sqlite3_bind_int64(st, i + 1, va_arg(ap, int64_t));
        } else if (types[i] == 'd') {
            rc = sqlite3_bind_int(st, i + 1, va_arg(ap, int));
        } else {
            const char *s = va_arg(ap, const char *);
            rc = s ? sqlite3_bind_text(st, i + 1, s, -1, SQLITE_TRANSIENT)
                   : sqlite3_bind_null(st, i + 1);
        }
    }
    return rc;
}

/* ---- the statement cache ---------------------------------------------------------------
 * Compiling SQL costs more than running it here (the triggers are compiled into every
 * statement that fires them), so prepared statements are kept per connection and SQL text
 * and reused: bs_prepare takes an idle one (reset, bindings cleared), bs_finish gives it
 * back.  Not thread-safe: the bookshop uses a connection from one thread.  bs_close
 * finalizes a connection's statements; sqlite3_close alone would fail with SQLITE_BUSY. */

enum { CACHE_SLOTS = 96 };

typedef struct cached_stmt {
    sqlite3 *db;
    sqlite3_stmt *st;
    int in_use;
} cached_stmt;

static cached_stmt cache[CACHE_SLOTS];

static sqlite3_stmt *cache_take(sqlite3 *db, const char *sql)
{
    for (int i = 0; i < CACHE_SLOTS; i++) {
        cached_stmt *c = &cache[i];
        if (c->db == db && !c->in_use && strcmp(sqlite3_sql(c->st), sql) == 0) {
            c->in_use = 1;
            return c->st;
        }
    }
    return NULL;
}

static void cache_put(sqlite3 *db, sqlite3_stmt *st)
{
    for (int i = 0; i < CACHE_SLOTS; i++) {
        if (!cache[i].db) {
            cache[i] = (cached_stmt){db, st, 1};
            return;
        }
    }
}

void bs_finish(sqlite3_stmt *st)
{
    if (!st)
        return;
    for (int i = 0; i < CACHE_SLOTS; i++) {
        if (cache[i].st == st) {
            sqlite3_reset(st);
            sqlite3_clear_bindings(st);
            cache[i].in_use = 0;
            return;
        }
    }
    sqlite3_finalize(st);
}

static void cache_drop(sqlite3 *db)
{
    for (int i = 0; i < CACHE_SLOTS; i++) {
        if (cache[i].db == db) {
            sqlite3_finalize(cache[i].st);
            cache[i] = (cached_stmt){0};
        }
    }
}

static sqlite3_stmt *prepare_va(sqlite3 *db, bs_error *err, const char *sql, const char *types,
                                va_list ap)
{
    sqlite3_stmt *st = cache_take(db, sql);
    if (!st) {
        if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
            bs_fail_sql(err, db, "preparing a statement");
            return NULL;
        }
        cache_put(db, st);
    }
    if (bind_args(st, types, ap) != SQLITE_OK) {
        bs_fail_sql(err, db, "binding arguments");
        bs_finish(st);
        return NULL;
    }
    return st;
}

sqlite3_stmt *bs_prepare(sqlite3 *db, bs_error *err, const char *sql, const char *types, ...)
{
    va_list ap;
    va_start(ap, types);
    sqlite3_stmt *st = prepare_va(db, err, sql, types, ap);
    va_end(ap);
    return st;
}

int bs_exec_stmt(sqlite3 *db, sqlite3_stmt *st, const char *doing, bs_error *err)
{
    if (!st)
        return err ? err->code : BS_ERR_DB;
    int rc = sqlite3_step(st);
    int result = BS_OK;
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        result = bs_fail_sql(err, db, doing);
    bs_finish(st);
    return result;
}

int bs_execf(sqlite3 *db, bs_error *err, const char *doing, const char *sql, const char *types,
             ...)
{
    va_list ap;
    va_start(ap, types);
    sqlite3_stmt *st = prepare_va(db, err, sql, types, ap);
    va_end(ap);
    return bs_exec_stmt(db, st, doing, err);
}

int bs_query_int(sqlite3 *db, bs_error *err, int64_t *out, const char *sql, const char *types,
                 ...)
{
    va_list ap;
    va_start(ap, types);
    sqlite3_stmt *st = prepare_va(db, err, sql, types, ap);
    va_end(ap);
    if (!st)
        return err ? err->code : BS_ERR_DB;
    int rc = sqlite3_step(st);
    int result = BS_OK;
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    else if (rc == SQLITE_DONE)
        result = bs_fail(err, BS_ERR_NOT_FOUND, "no row");
    else
        result = bs_fail_sql(err, db, "querying");
    bs_finish(st);
    return result;
}

void bs_copy_col(sqlite3_stmt *st, int col, char *buf, size_t size)
{
    const unsigned char *text = sqlite3_column_text(st, col);
    snprintf(buf, size, "%s", text ? (const char *)text : "");
}

int bs_savepoint(sqlite3 *db, const char *name, bs_error *err)
{
    char sql[96];
    snprintf(sql, sizeof sql, "SAVEPOINT \"%s\"", name);
    if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return bs_fail_sql(err, db, "starting a savepoint");
    return BS_OK;
}

int bs_release(sqlite3 *db, const char *name, bs_error *err)
{
    char sql[96];
    snprintf(sql, sizeof sql, "RELEASE \"%s\"", name);
    if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return bs_fail_sql(err, db, "committing");
    return BS_OK;
}

void bs_rollback_to(sqlite3 *db, const char *name)
{
    char sql[160];
    snprintf(sql, sizeof sql, "ROLLBACK TO \"%s\"; RELEASE \"%s\"", name, name);
    sqlite3_exec(db, sql, NULL, NULL, NULL);
}

void *bs_grow(void *array, size_t *capacity, size_t need, size_t elem_size)
{
    if (need <= *capacity)
        return array;
    size_t cap = *capacity ? *capacity * 2 : 16;
    while (cap < need)
        cap *= 2;
    void *grown = realloc(array, cap * elem_size);
    if (grown)
        *capacity = cap;
    return grown;
}

int bs_configure(sqlite3 *db, bs_error *err)
{
    if (sqlite3_exec(db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL) != SQLITE_OK)
        return bs_fail_sql(err, db, "enabling foreign keys");
    /* 32 MiB of page cache, and savepoint journals in memory: big transactions (bulk
     * imports, the tests' rolled-back ones) then stay in memory instead of spilling pages
     * and sub-journals to temporary files on every statement. */
    if (sqlite3_exec(db, "PRAGMA cache_size = -32768; PRAGMA temp_store = MEMORY", NULL, NULL,
                     NULL) != SQLITE_OK)
        return bs_fail_sql(err, db, "sizing the page cache");
    sqlite3_busy_timeout(db, 5000);
    return BS_OK;
}

int bs_open(const char *path, sqlite3 **db_out, bs_error *err)
{
    sqlite3 *db = NULL;
    *db_out = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
        SQLITE_OK) {
        int rc = bs_fail(err, BS_ERR_DB, "opening %s: %s", path,
                         db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return rc;
    }
    int rc = bs_configure(db, err);
    if (rc != BS_OK) {
        sqlite3_close(db);
        return rc;
    }
    *db_out = db;
    return BS_OK;
}

void bs_close(sqlite3 *db)
{
    cache_drop(db);
    sqlite3_close(db);
}

int bs_has_fts(sqlite3 *db)
{
    if (!sqlite3_compileoption_used("ENABLE_FTS5"))
        return 0;
    int64_t n = 0;
    if (bs_query_int(db, NULL, &n,
                     "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = "
                     "'books_fts'",
                     NULL) != BS_OK)
        return 0;
    return n > 0;
}
