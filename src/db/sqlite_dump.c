/*
 * sqlite_dump.c — SQL text dump and replay of an SQLite database (see sqlite_dump.h).
 * Written from the database itself: sqlite_schema in rowid order (tables first, then
 * indexes, triggers and views), rows selected with quote() (which round-trips REAL
 * values exactly), identifiers quoted with %w.  Rowids of tables without an INTEGER
 * PRIMARY KEY are kept, so that a clone answers `SELECT rowid` as the template does.
 */
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "db/sqlite_dump.h"

typedef struct dump {
    sqlite3 *db;
    fl_sqlite_emit_fn emit;
    void *ud;
    int rc;
    char *errbuf;
    size_t errsize;
    int writable_schema; /* a virtual table was written into sqlite_schema */
} dump;

static int fail(dump *d, int rc, const char *what)
{
    if (d->rc == SQLITE_OK) {
        d->rc = rc;
        if (d->errbuf && d->errsize)
            snprintf(d->errbuf, d->errsize, "%s: %s", what,
                     rc == SQLITE_ABORT ? "stopped" : sqlite3_errmsg(d->db));
    }
    return d->rc;
}

/* Emits a finished statement; frees it. */
static int emit_owned(dump *d, char *sql)
{
    if (!sql)
        return fail(d, SQLITE_NOMEM, "building the dump");
    int stop = d->rc == SQLITE_OK ? d->emit(d->ud, sql) : 0;
    sqlite3_free(sql);
    if (stop)
        return fail(d, SQLITE_ABORT, "loading the dump");
    return d->rc;
}

static int emitf(dump *d, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *sql = sqlite3_vmprintf(fmt, ap);
    va_end(ap);
    return emit_owned(d, sql);
}

/* Runs a query returning one integer. */
static int query_int(dump *d, const char *sql, sqlite3_int64 *out)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(d->db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return fail(d, rc, sql);
    rc = sqlite3_step(st);
    *out = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : fail(d, rc, sql);
}

static int query_text(dump *d, const char *sql, char *buf, size_t size)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(d->db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return fail(d, rc, sql);
    buf[0] = 0;
    if ((rc = sqlite3_step(st)) == SQLITE_ROW && sqlite3_column_text(st, 0))
        snprintf(buf, size, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : fail(d, rc, sql);
}

/* Page size, auto-vacuum and encoding: settable only on an empty database, so first. */
static int dump_file_format(dump *d)
{
    sqlite3_int64 page_size, auto_vacuum;
    char encoding[32];
    if (query_int(d, "PRAGMA page_size", &page_size) || query_int(d, "PRAGMA auto_vacuum", &auto_vacuum) ||
        query_text(d, "PRAGMA encoding", encoding, sizeof encoding))
        return d->rc;
    emitf(d, "PRAGMA page_size=%lld;", page_size);
    emitf(d, "PRAGMA auto_vacuum=%lld;", auto_vacuum);
    return emitf(d, "PRAGMA encoding=%Q;", encoding);
}

/* ---- rows ------------------------------------------------------------------------------------ */

typedef struct columns {
    sqlite3_str *list;   /* "a","b" — insertable columns, quoted */
    sqlite3_str *select; /* quote("a"),quote("b") */
    int count;
    int pk_count;
    int pk_is_integer;   /* the single primary key column is declared INTEGER */
    int named_rowid, named_underscore_rowid, named_oid;
} columns;

static int read_columns(dump *d, const char *table, columns *c)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(d->db, "SELECT name, type, pk, hidden FROM pragma_table_xinfo(?1)",
                                -1, &st, NULL);
    if (rc != SQLITE_OK)
        return fail(d, rc, "reading columns");
    sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
    memset(c, 0, sizeof *c);
    c->list = sqlite3_str_new(d->db);
    c->select = sqlite3_str_new(d->db);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        const char *type = (const char *)sqlite3_column_text(st, 1);
        int pk = sqlite3_column_int(st, 2), hidden = sqlite3_column_int(st, 3);
        c->named_rowid |= sqlite3_stricmp(name, "rowid") == 0;
        c->named_underscore_rowid |= sqlite3_stricmp(name, "_rowid_") == 0;
        c->named_oid |= sqlite3_stricmp(name, "oid") == 0;
        if (pk) {
            c->pk_count++;
            c->pk_is_integer = type && sqlite3_stricmp(type, "INTEGER") == 0;
        }
        if (hidden != 0)
            continue; /* generated columns are computed, hidden ones belong to a vtab */
        sqlite3_str_appendf(c->list, "%s\"%w\"", c->count ? "," : "", name);
        sqlite3_str_appendf(c->select, "%squote(\"%w\")", c->count ? "," : "", name);
        c->count++;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? SQLITE_OK : fail(d, rc, "reading columns");
}

static void free_columns(columns *c)
{
    sqlite3_free(sqlite3_str_finish(c->list));
    sqlite3_free(sqlite3_str_finish(c->select));
}

/* The name under which this table's rowid can be selected and inserted, or NULL when it
 * has none (WITHOUT ROWID), aliases it (INTEGER PRIMARY KEY) or shadows every name. */
static const char *rowid_name(dump *d, const char *table, const columns *c)
{
    if (c->pk_count == 1 && c->pk_is_integer)
        return NULL;
    const char *name = !c->named_rowid ? "rowid" : !c->named_underscore_rowid ? "_rowid_"
                       : !c->named_oid ? "oid" : NULL;
    if (!name)
        return NULL;
    char *probe = sqlite3_mprintf("SELECT %s FROM \"%w\" LIMIT 0", name, table);
    sqlite3_stmt *st = NULL;
    int ok = probe && sqlite3_prepare_v2(d->db, probe, -1, &st, NULL) == SQLITE_OK;
    sqlite3_finalize(st);
    sqlite3_free(probe);
    return ok ? name : NULL;
}

static int dump_rows(dump *d, const char *table, int keep_rowid)
{
    columns c;
    if (read_columns(d, table, &c) != SQLITE_OK || c.count == 0) {
        free_columns(&c);
        return d->rc;
    }
    const char *rowid = keep_rowid ? rowid_name(d, table, &c) : NULL;
    char *sql = sqlite3_mprintf("SELECT %s%s%s FROM \"%w\"", rowid ? rowid : "", rowid ? "," : "",
                                sqlite3_str_value(c.select), table);
    char *prefix = sqlite3_mprintf("INSERT INTO \"%w\"(%s%s%s) VALUES(", table, rowid ? rowid : "",
                                   rowid ? "," : "", sqlite3_str_value(c.list));
    sqlite3_stmt *st = NULL;
    int rc = sql && prefix ? sqlite3_prepare_v2(d->db, sql, -1, &st, NULL) : SQLITE_NOMEM;
    if (rc != SQLITE_OK)
        fail(d, rc, sql ? sql : "building a query");
    int ncols = c.count + (rowid != NULL);
    while (d->rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        sqlite3_str *ins = sqlite3_str_new(d->db);
        sqlite3_str_appendall(ins, prefix);
        for (int i = 0; i < ncols; i++) {
            if (i)
                sqlite3_str_appendchar(ins, 1, ',');
            sqlite3_str_appendall(ins, (const char *)sqlite3_column_text(st, i));
        }
        sqlite3_str_appendall(ins, ");");
        emit_owned(d, sqlite3_str_finish(ins));
    }
    if (d->rc == SQLITE_OK && rc != SQLITE_DONE)
        fail(d, rc, sql);
    sqlite3_finalize(st);
    sqlite3_free(sql);
    sqlite3_free(prefix);
    free_columns(&c);
    return d->rc;
}

/* ---- schema ---------------------------------------------------------------------------------- */

static int starts_with_nocase(const char *s, const char *prefix)
{
    return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

static int dump_one_table(dump *d, const char *name, const char *sql)
{
    if (strcmp(name, "sqlite_sequence") == 0) {
        emitf(d, "DELETE FROM sqlite_sequence;");
        return dump_rows(d, name, 0);
    }
    if (strcmp(name, "sqlite_stat1") == 0) {
        emitf(d, "ANALYZE sqlite_schema;");
        return dump_rows(d, name, 0);
    }
    if (starts_with_nocase(name, "sqlite_"))
        return d->rc; /* other internal tables are made by SQLite itself */
    if (starts_with_nocase(sql, "CREATE VIRTUAL TABLE")) {
        if (!d->writable_schema) {
            emitf(d, "PRAGMA writable_schema=ON;");
            d->writable_schema = 1;
        }
        return emitf(d,
                     "INSERT INTO sqlite_schema(type,name,tbl_name,rootpage,sql)"
                     "VALUES('table',%Q,%Q,0,%Q);",
                     name, name, sql);
    }
    emitf(d, "%s;", sql);
    return dump_rows(d, name, 1);
}

static int dump_schema_part(dump *d, int tables)
{
    const char *sql = tables ? "SELECT name, sql FROM sqlite_schema WHERE sql NOT NULL AND "
                               "type = 'table' ORDER BY tbl_name = 'sqlite_sequence', rowid"
                             : "SELECT name, sql FROM sqlite_schema WHERE sql NOT NULL AND "
                               "type IN ('index', 'trigger', 'view') ORDER BY rowid";
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(d->db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return fail(d, rc, "reading the schema");
    while (d->rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        const char *object_sql = (const char *)sqlite3_column_text(st, 1);
        if (tables)
            dump_one_table(d, name, object_sql);
        else
            emitf(d, "%s;", object_sql);
    }
    if (d->rc == SQLITE_OK && rc != SQLITE_DONE)
        fail(d, rc, "reading the schema");
    sqlite3_finalize(st);
    return d->rc;
}

static int dump_header_values(dump *d)
{
    sqlite3_int64 user_version, application_id;
    if (query_int(d, "PRAGMA user_version", &user_version) ||
        query_int(d, "PRAGMA application_id", &application_id))
        return d->rc;
    emitf(d, "PRAGMA user_version=%lld;", user_version);
    return emitf(d, "PRAGMA application_id=%lld;", application_id);
}

int fl_sqlite_dump(sqlite3 *db, fl_sqlite_emit_fn emit, void *ud, char *errbuf, size_t errsize)
{
    dump d = {db, emit, ud, SQLITE_OK, errbuf, errsize, 0};
    if (errbuf && errsize)
        errbuf[0] = 0;
    /* One read transaction: the dump is one consistent snapshot. */
    int rc = sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return fail(&d, rc, "starting to read");
    emitf(&d, "PRAGMA foreign_keys=OFF;");
    if (dump_file_format(&d) == SQLITE_OK && emitf(&d, "BEGIN TRANSACTION;") == SQLITE_OK &&
        dump_schema_part(&d, 1) == SQLITE_OK && dump_schema_part(&d, 0) == SQLITE_OK) {
        if (d.writable_schema)
            emitf(&d, "PRAGMA writable_schema=OFF;");
        if (dump_header_values(&d) == SQLITE_OK)
            emitf(&d, "COMMIT;");
    }
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    return d.rc;
}

/* ---- text and replay ------------------------------------------------------------------------------ */

static int append_line(void *ud, const char *sql)
{
    sqlite3_str_appendall(ud, sql);
    sqlite3_str_appendchar(ud, 1, '\n');
    return sqlite3_str_errcode(ud) != SQLITE_OK;
}

char *fl_sqlite_dump_text(sqlite3 *db, char *errbuf, size_t errsize)
{
    sqlite3_str *text = sqlite3_str_new(db);
    int rc = fl_sqlite_dump(db, append_line, text, errbuf, errsize);
    char *result = sqlite3_str_finish(text);
    if (rc != SQLITE_OK) {
        sqlite3_free(result);
        return NULL;
    }
    char *copy = strdup(result ? result : "");
    sqlite3_free(result);
    return copy;
}

typedef struct replay {
    sqlite3 *dst;
    char message[512];
} replay;

static int execute_statement(void *ud, const char *sql)
{
    replay *r = ud;
    char *msg = NULL;
    if (sqlite3_exec(r->dst, sql, NULL, NULL, &msg) == SQLITE_OK)
        return 0;
    snprintf(r->message, sizeof r->message, "%s (in: %.120s)", msg ? msg : "error", sql);
    sqlite3_free(msg);
    return 1;
}

int fl_sqlite_dump_into(sqlite3 *src, sqlite3 *dst, char *errbuf, size_t errsize)
{
    replay r = {dst, ""};
    int rc = fl_sqlite_dump(src, execute_statement, &r, errbuf, errsize);
    if (rc != SQLITE_OK && r.message[0] && errbuf && errsize)
        snprintf(errbuf, errsize, "%s", r.message);
    if (rc != SQLITE_OK && sqlite3_get_autocommit(dst) == 0)
        sqlite3_exec(dst, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}
