/*
 * migrate.c — the bookshop's migration runner.  The schema lives in migrations/NNN_name.sql;
 * this file finds those files, applies the new ones in version order (each in its own
 * transaction, statement by statement so an error names its file and line), records them in
 * schema_migrations with a checksum, and sets PRAGMA user_version.  An applied file that has
 * since been edited is refused: the fix for a released migration is a new migration.
 */
#include "internal.h"

#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct migration_file {
    int version;
    char name[256];
} migration_file;

typedef struct migration_list {
    migration_file *items;
    size_t n, cap;
} migration_list;

const char *bs_migrations_dir(void)
{
    const char *env = getenv("BOOKSHOP_MIGRATIONS");
    return env && *env ? env : "migrations";
}

int bs_schema_version(sqlite3 *db)
{
    int64_t v = 0;
    bs_query_int(db, NULL, &v, "PRAGMA user_version", NULL);
    return (int)v;
}

/* "012_orders.sql" → 12; -1 for names that are not migrations. */
static int version_of(const char *name)
{
    size_t digits = 0;
    while (isdigit((unsigned char)name[digits]))
        digits++;
    size_t len = strlen(name);
    if (digits == 0 || digits > 6 || name[digits] != '_' || len < digits + 6 ||
        strcmp(name + len - 4, ".sql") != 0)
        return -1;
    return atoi(name);
}

static int compare_versions(const void *a, const void *b)
{
    const migration_file *x = a, *y = b;
    return (x->version > y->version) - (x->version < y->version);
}

static int list_migrations(const char *dir, migration_list *list, bs_error *err)
{
    DIR *d = opendir(dir);
    if (!d)
        return bs_fail(err, BS_ERR_IO, "cannot open migrations directory %s (set "
                                       "BOOKSHOP_MIGRATIONS or run from the bookshop folder)",
                       dir);
    struct dirent *e;
    int rc = BS_OK;
    while ((e = readdir(d)) != NULL) {
        int version = version_of(e->d_name);
        if (version < 0 || strlen(e->d_name) >= sizeof list->items[0].name)
            continue;
        migration_file *grown = bs_grow(list->items, &list->cap, list->n + 1, sizeof *grown);
        if (!grown) {
            rc = bs_fail(err, BS_ERR_NOMEM, "out of memory listing %s", dir);
            break;
        }
        list->items = grown;
        list->items[list->n].version = version;
        snprintf(list->items[list->n].name, sizeof list->items[0].name, "%s", e->d_name);
        list->n++;
    }
    closedir(d);
    if (rc != BS_OK)
        return rc;
    if (list->n > 1)
        qsort(list->items, list->n, sizeof list->items[0], compare_versions);
    for (size_t i = 1; i < list->n; i++)
        if (list->items[i].version == list->items[i - 1].version)
            return bs_fail(err, BS_ERR_MIGRATION, "%s/%s and %s/%s have the same version %d",
                           dir, list->items[i - 1].name, dir, list->items[i].name,
                           list->items[i].version);
    return BS_OK;
}

static int read_file(const char *path, char **text, bs_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return bs_fail(err, BS_ERR_IO, "cannot read %s", path);
    size_t cap = 0, len = 0;
    char *buf = NULL;
    int rc = BS_OK;
    for (;;) {
        char *grown = bs_grow(buf, &cap, len + 4096, 1);
        if (!grown) {
            rc = bs_fail(err, BS_ERR_NOMEM, "out of memory reading %s", path);
            break;
        }
        buf = grown;
        size_t got = fread(buf + len, 1, cap - len - 1, f);
        len += got;
        if (got == 0)
            break;
    }
    if (rc == BS_OK && ferror(f))
        rc = bs_fail(err, BS_ERR_IO, "error reading %s", path);
    fclose(f);
    if (rc != BS_OK) {
        free(buf);
        return rc;
    }
    buf[len] = '\0';
    *text = buf;
    return BS_OK;
}

/* FNV-1a, 64 bits, as 16 hex digits: enough to notice an edited file. */
static void checksum_of(const char *text, char out[17])
{
    uint64_t h = 1469598103934665603ULL;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        h ^= *p;
        h *= 1099511628211ULL;
    }
    snprintf(out, 17, "%016llx", (unsigned long long)h);
}

/* "-- requires: fts5" on the first line: the migration needs a feature SQLite may lack. */
static int feature_missing(const char *text)
{
    static const char tag[] = "-- requires: fts5";
    if (strncmp(text, tag, sizeof tag - 1) != 0)
        return 0;
    return !sqlite3_compileoption_used("ENABLE_FTS5");
}

static int line_of(const char *text, const char *at)
{
    int line = 1;
    for (const char *p = text; p < at; p++)
        line += *p == '\n';
    return line;
}

/* Runs every statement of a file; on failure names the file and the statement's line. */
static int exec_script(sqlite3 *db, const char *path, const char *text, bs_error *err)
{
    const char *p = text;
    while (*p) {
        while (isspace((unsigned char)*p))
            p++;
        sqlite3_stmt *st = NULL;
        const char *tail = NULL;
        int rc = sqlite3_prepare_v2(db, p, -1, &st, &tail);
        if (rc == SQLITE_OK && st) {
            do
                rc = sqlite3_step(st);
            while (rc == SQLITE_ROW);
            if (rc == SQLITE_DONE)
                rc = SQLITE_OK;
        }
        if (rc != SQLITE_OK) {
            int code = bs_fail(err, BS_ERR_MIGRATION, "%s:%d: %s", path, line_of(text, p),
                               sqlite3_errmsg(db));
            sqlite3_finalize(st);
            return code;
        }
        sqlite3_finalize(st);
        if (!tail || tail == p)
            break;
        p = tail;
    }
    return BS_OK;
}

static int ensure_table(sqlite3 *db, bs_error *err)
{
    return bs_execf(db, err, "creating schema_migrations",
                    "CREATE TABLE IF NOT EXISTS schema_migrations ("
                    " version INTEGER PRIMARY KEY,"
                    " name TEXT NOT NULL,"
                    " checksum TEXT NOT NULL,"
                    " status TEXT NOT NULL DEFAULT 'applied' CHECK (status IN ('applied', "
                    "'skipped')),"
                    " applied_at TEXT NOT NULL DEFAULT (datetime('now')))",
                    NULL);
}

/* 1 = applied with this checksum, 0 = not applied, <0 = error (changed file...). */
static int check_applied(sqlite3 *db, const char *path, int version, const char *sum,
                         bs_error *err)
{
    sqlite3_stmt *st = bs_prepare(db, err, "SELECT checksum FROM schema_migrations WHERE "
                                           "version = ?",
                                  "d", version);
    if (!st)
        return err ? err->code : BS_ERR_DB;
    int rc = sqlite3_step(st);
    int result = 0;
    if (rc == SQLITE_ROW) {
        const char *recorded = (const char *)sqlite3_column_text(st, 0);
        result = recorded && strcmp(recorded, sum) == 0
                     ? 1
                     : bs_fail(err, BS_ERR_MIGRATION,
                               "%s was changed after it was applied (checksum %s, recorded "
                               "%s): add a new migration instead",
                               path, sum, recorded ? recorded : "none");
    } else if (rc != SQLITE_DONE) {
        result = bs_fail_sql(err, db, "reading schema_migrations");
    }
    bs_finish(st);
    return result;
}

static int apply_one(sqlite3 *db, const char *path, const migration_file *m, const char *text,
                     const char *sum, int *skipped, bs_error *err)
{
    if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return bs_fail_sql(err, db, path);
    *skipped = feature_missing(text);
    int rc = *skipped ? BS_OK : exec_script(db, path, text, err);
    if (rc == BS_OK)
        rc = bs_execf(db, err, "recording the migration",
                      "INSERT INTO schema_migrations (version, name, checksum, status) "
                      "VALUES (?, ?, ?, ?)",
                      "dttt", m->version, m->name, sum, *skipped ? "skipped" : "applied");
    if (rc == BS_OK && m->version > bs_schema_version(db)) {
        /* A late-merged lower version may be applied after higher ones: keep the max. */
        char pragma[64];
        snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", m->version);
        if (sqlite3_exec(db, pragma, NULL, NULL, NULL) != SQLITE_OK)
            rc = bs_fail_sql(err, db, "setting user_version");
    }
    if (rc == BS_OK && sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        rc = bs_fail_sql(err, db, path);
    if (rc != BS_OK && !sqlite3_get_autocommit(db))
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

static int migrate_file(sqlite3 *db, const char *dir, const migration_file *m,
                        bs_migrate_result *res, void (*log)(const char *, void *), void *ctx,
                        bs_error *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, m->name);
    char *text = NULL;
    int rc = read_file(path, &text, err);
    if (rc != BS_OK)
        return rc;
    char sum[17];
    checksum_of(text, sum);
    rc = check_applied(db, path, m->version, sum, err);
    if (rc == 1) {
        res->already++;
        rc = BS_OK;
    } else if (rc == 0) {
        int skipped = 0;
        rc = apply_one(db, path, m, text, sum, &skipped, err);
        if (rc == BS_OK) {
            res->applied += !skipped;
            res->skipped += skipped;
            if (log)
                log(m->name, ctx);
        }
    }
    free(text);
    return rc;
}

int bs_migrate(sqlite3 *db, const char *dir, bs_migrate_result *result,
               void (*log)(const char *name, void *ctx), void *ctx, bs_error *err)
{
    bs_migrate_result res = {0};
    if (!dir)
        dir = bs_migrations_dir();
    if (!sqlite3_get_autocommit(db))
        return bs_fail(err, BS_ERR_INVALID, "migrations must run outside a transaction");
    migration_list list = {0};
    int rc = list_migrations(dir, &list, err);
    if (rc == BS_OK && list.n == 0)
        rc = bs_fail(err, BS_ERR_MIGRATION, "no NNN_name.sql files in %s", dir);
    if (rc == BS_OK)
        rc = ensure_table(db, err);
    for (size_t i = 0; rc == BS_OK && i < list.n; i++)
        rc = migrate_file(db, dir, &list.items[i], &res, log, ctx, err);
    free(list.items);
    res.version = bs_schema_version(db);
    if (result)
        *result = res;
    return rc;
}
