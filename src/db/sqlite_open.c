/*
 * sqlite_open.c — fl_test_sqlite_open (forkless/test.h): how a C test opens its worker's
 * SQLite clone whatever the clone method.  For `memory` it reads the run's read-only
 * image into an sqlite3_malloc64 buffer and hands it to sqlite3_deserialize on a private
 * ":memory:" connection (FREEONCLOSE | RESIZEABLE), as docs/protocol.md §6 describes;
 * otherwise it opens the clone file.  Foreign keys are switched on.  Any failure fails
 * the calling test with a message naming the variable or the file.
 */
#include <ctype.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forkless/forkless.h"
#include "forkless/test.h"
#include "platform/fs.h"

static void variable_name(char *buf, size_t size, const char *alias, const char *suffix)
{
    size_t n = (size_t)snprintf(buf, size, "FORKLESS_DB_%s%s", alias, suffix);
    for (size_t i = strlen("FORKLESS_DB_"); i < n && i < size; i++)
        buf[i] = (char)toupper((unsigned char)buf[i]);
}

/* Reads the whole file straight into an sqlite3_malloc64 buffer (one copy). */
static unsigned char *read_image(const char *path, size_t *size)
{
    uint64_t file_size;
    fl_error err;
    if (fl_fs_stat(path, &file_size, NULL, &err) != FL_OK)
        fl__fail(__FILE__, __LINE__, "cannot load the memory image: %s", err.msg);
    FILE *f = fopen(path, "rb");
    unsigned char *buf = sqlite3_malloc64(file_size ? file_size : 1);
    size_t got = f && buf ? fread(buf, 1, (size_t)file_size, f) : 0;
    if (f)
        fclose(f);
    if (!f || !buf || got != (size_t)file_size) {
        sqlite3_free(buf);
        fl__fail(__FILE__, __LINE__, "cannot read the memory image '%s'", path);
    }
    *size = got;
    return buf;
}

/* A private in-memory database holding the image at path. */
static sqlite3 *open_image(const char *path)
{
    size_t size;
    unsigned char *buf = read_image(path, &size);
    /* A WAL header would make the in-memory copy unreadable: say rollback journal. */
    if (size >= 20 && buf[18] == 2 && buf[19] == 2)
        buf[18] = buf[19] = 1;
    sqlite3 *db = NULL;
    if (sqlite3_open(":memory:", &db) != SQLITE_OK) {
        sqlite3_free(buf);
        sqlite3_close(db);
        fl__fail(__FILE__, __LINE__, "cannot open an in-memory SQLite database");
    }
    int rc = sqlite3_deserialize(db, "main", buf, (sqlite3_int64)size, (sqlite3_int64)size,
                                 SQLITE_DESERIALIZE_FREEONCLOSE | SQLITE_DESERIALIZE_RESIZEABLE);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(db, "SELECT count(*) FROM sqlite_schema", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        char msg[256];
        snprintf(msg, sizeof msg, "%s", sqlite3_errmsg(db));
        sqlite3_close(db);
        fl__fail(__FILE__, __LINE__, "cannot load the memory image '%s': %s", path, msg);
    }
    return db;
}

static sqlite3 *open_file(const char *path)
{
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        char msg[256];
        snprintf(msg, sizeof msg, "%s", db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        fl__fail(__FILE__, __LINE__, "cannot open the SQLite clone '%s': %s", path, msg);
    }
    sqlite3_busy_timeout(db, 10000);
    return db;
}

struct sqlite3 *fl_test_sqlite_open(const char *alias)
{
    char url_var[256], name_var[280], method_var[280];
    variable_name(url_var, sizeof url_var, alias, "");
    variable_name(name_var, sizeof name_var, alias, "_NAME");
    variable_name(method_var, sizeof method_var, alias, "_METHOD");
    const char *url = getenv(url_var), *name = getenv(name_var), *method = getenv(method_var);
    if (!url || !name)
        fl__fail(__FILE__, __LINE__,
                 "%s is not set: the database '%s' was not given to this run (--db %s=URL)",
                 !url ? url_var : name_var, alias, alias);
    int is_memory = (method && strcmp(method, "memory") == 0) ||
                    strncmp(url, "sqlite+memory:", strlen("sqlite+memory:")) == 0;
    if (!is_memory && strncmp(url, "sqlite:", strlen("sqlite:")) != 0)
        fl__fail(__FILE__, __LINE__, "database '%s' is not an SQLite database (%s is '%.*s...')",
                 alias, url_var, (int)strcspn(url, ":"), url);
    sqlite3 *db = is_memory ? open_image(name) : open_file(name);
    if (sqlite3_exec(db, "PRAGMA foreign_keys=ON", NULL, NULL, NULL) != SQLITE_OK) {
        sqlite3_close(db);
        fl__fail(__FILE__, __LINE__, "cannot enable foreign keys on '%s'", name);
    }
    return db;
}
