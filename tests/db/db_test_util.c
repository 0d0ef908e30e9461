/*
 * db_test_util.c — see db_test_util.h.
 */
#include "db_test_util.h"

#include <dirent.h>
#include <signal.h>
#include <forkless/test.h>
#include <ftw.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../integration/harness.h"
#include "core/util.h"
#include "db/sqlite_dump.h"
#include "platform/platform.h"

char *dbt_temp_dir(void)
{
    char dir[] = "/tmp/forkless-db-XXXXXX";
    if (!mkdtemp(dir))
        FL_FAIL("cannot create a temporary directory under /tmp");
    return fl_xstrdup(dir);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    if (flag == FTW_DP || flag == FTW_D)
        chmod(path, 0755);
    return remove(path);
}

void dbt_cleanup(char *dir)
{
    if (!dir)
        return;
    chmod(dir, 0755);
    nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(dir);
}

char *dbt_path(const char *dir, const char *name) { return fl_xasprintf("%s/%s", dir, name); }
char *dbt_url(const char *dir, const char *name) { return fl_xasprintf("sqlite://%s/%s", dir, name); }

sqlite3 *dbt_open(const char *path)
{
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
        FL_FAIL("cannot open %s: %s", path, db ? sqlite3_errmsg(db) : "?");
    return db;
}

void dbt_exec_file(const char *path, const char *sql)
{
    sqlite3 *db = dbt_open(path);
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        char copy[512];
        snprintf(copy, sizeof copy, "%s", msg ? msg : "?");
        sqlite3_free(msg);
        sqlite3_close(db);
        FL_FAIL("SQL failed on %s: %s", path, copy);
    }
    sqlite3_close(db);
}

const char *dbt_query(sqlite3 *db, const char *sql)
{
    static char buf[4096];
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        FL_FAIL("cannot prepare '%s': %s", sql, sqlite3_errmsg(db));
    buf[0] = 0;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && sqlite3_column_text(st, 0))
        snprintf(buf, sizeof buf, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        FL_FAIL("'%s' failed: %s", sql, sqlite3_errmsg(db));
    return buf;
}

static const char rich_schema[] =
    "PRAGMA foreign_keys=ON;"
    "PRAGMA user_version=42;"
    "PRAGMA application_id=1718903873;"
    "CREATE TABLE customer(id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE NOT NULL,"
    "  \"e-mail\" TEXT COLLATE NOCASE);"
    "CREATE TABLE \"order\"(id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  customer_id INTEGER NOT NULL REFERENCES customer(id) ON DELETE CASCADE,"
    "  \"select\" TEXT NOT NULL, total REAL CHECK (total >= 0), note BLOB);"
    "CREATE TABLE \"ünïcödé 表\"(k TEXT PRIMARY KEY, v INTEGER, \"\"\"quoted\"\"\" TEXT) WITHOUT ROWID;"
    "CREATE TABLE plain(a, b);"
    "CREATE TABLE gen(a INTEGER, b INTEGER GENERATED ALWAYS AS (a * 2) STORED,"
    "  c GENERATED ALWAYS AS (a + 1) VIRTUAL);"
    "CREATE TABLE audit(seq INTEGER PRIMARY KEY, order_id INTEGER, what TEXT);"
    "CREATE INDEX order_total ON \"order\"(total DESC);"
    "CREATE UNIQUE INDEX \"order select\" ON \"order\"(\"select\");"
    "CREATE VIEW big_orders AS SELECT o.id, c.name, o.total FROM \"order\" o JOIN customer c"
    "  ON c.id = o.customer_id WHERE o.total > 100;"
    "CREATE TRIGGER order_audit AFTER INSERT ON \"order\" BEGIN"
    "  INSERT INTO audit(order_id, what) VALUES (new.id, 'created ' || new.\"select\"); END;";

static const char rich_rows[] =
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 40)"
    "  INSERT INTO customer(name, \"e-mail\") SELECT 'customer ' || i, 'C' || i || '@example.org' FROM n;"
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 120)"
    "  INSERT INTO \"order\"(customer_id, \"select\", total, note)"
    "  SELECT 1 + i % 40, 'order ' || i, i * 1.25 + 0.1, randomblob(i % 7) FROM n;"
    "DELETE FROM \"order\" WHERE id > 100;"  /* the AUTOINCREMENT counter stays at 120 */
    "DELETE FROM customer WHERE id = 40;"    /* cascades to its orders */
    "INSERT INTO \"ünïcödé 表\" VALUES ('ключ', 1, 'a \"b\"'), ('鍵', 2, NULL), ('', 3, x'00ff');"
    "INSERT INTO plain VALUES (1, 'one'), (2, 0.30000000000000004), (3, NULL), (4, 'it''s');"
    "DELETE FROM plain WHERE a = 2;"        /* a rowid gap */
    "INSERT INTO plain(rowid, a, b) VALUES (1000, 5, 'far');"
    "INSERT INTO gen(a) VALUES (1), (2), (3);"
    "ANALYZE;";

void dbt_make_rich_template(const char *path)
{
    dbt_exec_file(path, rich_schema);
    dbt_exec_file(path, rich_rows);
    sqlite3 *db = dbt_open(path);
    /* FTS5 when this SQLite has it: a virtual table and its shadow tables. */
    if (sqlite3_exec(db, "CREATE VIRTUAL TABLE docs USING fts5(title, body)", NULL, NULL, NULL) ==
        SQLITE_OK)
        sqlite3_exec(db,
                     "INSERT INTO docs VALUES ('first', 'the quick brown fox'),"
                     " ('second', 'jumps over the lazy dog');",
                     NULL, NULL, NULL);
    sqlite3_close(db);
}

char *dbt_dump_db(sqlite3 *db)
{
    char msg[512];
    char *text = fl_sqlite_dump_text(db, msg, sizeof msg);
    if (!text)
        FL_FAIL("dump failed: %s", msg);
    return text;
}

char *dbt_dump(const char *path)
{
    sqlite3 *db = dbt_open(path);
    char msg[512];
    char *text = fl_sqlite_dump_text(db, msg, sizeof msg);
    sqlite3_close(db);
    if (!text)
        FL_FAIL("dump of %s failed: %s", path, msg);
    return text;
}

char *dbt_cli_dump(const char *path)
{
    if (!fl_file_exists("/usr/bin/sqlite3"))
        return NULL;
    char *argv[] = {"/usr/bin/sqlite3", (char *)path, ".dump", NULL};
    cmd_result r;
    run_cmd(&r, argv, NULL, 0);
    if (!r.exited || r.code != 0)
        FL_FAIL("sqlite3 %s .dump failed: %s", path, r.out ? r.out : "");
    return r.out;
}

char *dbt_pragmas_db(sqlite3 *db)
{
    static const char *const names[] = {"page_size", "auto_vacuum", "encoding", "user_version",
                                        "application_id", "foreign_key_check", "integrity_check"};
    fl_bytes b = {0};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        char sql[64];
        snprintf(sql, sizeof sql, "PRAGMA %s", names[i]);
        fl_bytes_printf(&b, "%s=%s\n", names[i], dbt_query(db, sql));
    }
    return fl_bytes_take(&b);
}

char *dbt_pragmas(const char *path)
{
    sqlite3 *db = dbt_open(path);
    char *p = dbt_pragmas_db(db);
    sqlite3_close(db);
    return p;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

char *dbt_listing(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        FL_FAIL("cannot list %s", dir);
    fl_strvec names = {0};
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            fl_strvec_push(&names, fl_xstrdup(e->d_name));
    closedir(d);
    size_t n = names.n;
    char **v = fl_strvec_finish(&names);
    qsort(v, n, sizeof *v, compare_names);
    fl_bytes b = {0};
    fl_bytes_puts(&b, "");
    for (size_t i = 0; i < n; i++)
        fl_bytes_printf(&b, "%s\n", v[i]);
    fl_strv_free(v);
    return fl_bytes_take(&b);
}

int dbt_count_entries(const char *dir, const char *needle)
{
    char *list = dbt_listing(dir);
    int count = 0;
    for (char *line = list; *line;) {
        char *end = strchr(line, '\n');
        *end = 0;
        count += strstr(line, needle) != NULL;
        line = end + 1;
    }
    free(list);
    return count;
}

fl_dbset *dbt_open_set(const char *url, const char *method, const char *run_id)
{
    fl_db_spec spec = {"default", (char *)url, (char *)method};
    fl_dbset *set;
    fl_error err = {0};
    if (fl_dbset_open(&spec, 1, run_id, NULL, &set, &err) != FL_OK)
        FL_FAIL("fl_dbset_open(%s): %s", url, err.msg);
    return set;
}

typedef struct var_probe {
    const char *name;
    char *value;
} var_probe;

static int take_var(void *ud, const char *name, const char *value)
{
    var_probe *p = ud;
    if (!strcmp(name, p->name) && !p->value)
        p->value = fl_xstrdup(value);
    return 0;
}

char *dbt_worker_var(fl_dbset *set, int slot, const char *name)
{
    var_probe p = {name, NULL};
    fl_error err = {0};
    if (fl_dbset_worker_env(set, slot, take_var, &p, &err) != FL_OK)
        FL_FAIL("fl_dbset_worker_env(slot %d): %s", slot, err.msg);
    return p.value;
}

fl_proc *dbt_start_holder(const char *url, const char *run_id, const char *method, char *const *setup)
{
    char holder[1024];
    snprintf(holder, sizeof holder, "%s/tests/db/forkless-db-holder", FL_BUILD_DIR);
    char *argv[16] = {holder, (char *)url, (char *)run_id, "2", (char *)method};
    size_t n = 5;
    for (size_t i = 0; setup && setup[i] && n < 15; i++)
        argv[n++] = setup[i];
    argv[n] = NULL;
    fl_spawn_opts o = {.argv = argv, .capture_output = 1, .stdin_null = 1, .new_group = 1};
    fl_proc *p;
    fl_error err = {0};
    if (fl_spawn(&o, &p, &err) != FL_OK)
        FL_FAIL("cannot start the holder: %s", err.msg);
    return p;
}

void dbt_wait_for_output(fl_proc *p, const char *want, double timeout_s)
{
    fl_bytes out = {0};
    double start = fl_monotonic();
    char buf[4096];
    while (fl_monotonic() - start < timeout_s) {
        fl_wait_item it = {fl_proc_output(p), 0, 0};
        fl_wait(&it, 1, 100);
        long n;
        while ((n = fl_stream_read(fl_proc_output(p), buf, sizeof buf)) > 0)
            fl_bytes_append(&out, buf, (size_t)n);
        if (out.data && strstr(out.data, want)) {
            fl_bytes_free(&out);
            return;
        }
        if (out.data && strstr(out.data, "error:"))
            FL_FAIL("the holder failed: %s", out.data);
        if (n == 0)
            break;
    }
    FL_FAIL("the holder did not print '%s' in %.0f s; it printed: %s", want, timeout_s,
            out.data ? out.data : "");
}
