/*
 * sqlite.c — the SQLite engine (engine.h).  A template is a file; a clone is a file next
 * to it named "<stem>.fl-<run>-<slot><ext>" (app.db → app.fl-k3x9-2.db), made by one of
 * four methods:
 *   copy   — a whole-file copy (reflink when the file system can), the default;
 *   backup — the online backup API, page by page, into the clone file;
 *   memory — one read-only image per run ("<stem>.fl-<run>-image<ext>"); every worker
 *            loads it into a private in-memory database (sqlite+memory: URLs);
 *   dump   — SQL text replay (sqlite_dump.c), the slow reference method.
 *
 * Liveness: a run holds a flock on ".<base>.fl-<run>-lock" beside the template for its
 * whole life; the OS drops the lock when the process dies, however it dies, and gc then
 * removes the run's files.  Kept clones (--keep, `forkless db clone`) have a
 * ".<base>.fl-<run>-keep" mark instead, which gc respects; `forkless db drop` removes the
 * mark with the run's last file.  The template cache key of a built template is kept in
 * ".<base>.forkless-key", which is also the file builders lock while building.
 */
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "db/engine.h"
#include "db/sqlite_dump.h"
#include "platform/fs.h"
#include "platform/platform.h"

enum { SQLITE_NAME_MAX = 255 };
/* A run's "lock" file older than this while still named .tmp is the leftover of a run
 * that died while registering. */
static const double stale_tmp_lock_seconds = 60.0;

typedef enum sqlite_method { METHOD_COPY, METHOD_BACKUP, METHOD_MEMORY, METHOD_DUMP } sqlite_method;

static const char *const sqlite_methods[] = {"copy", "backup", "memory", "dump", NULL};
static const char *const sqlite_schemes[] = {"sqlite", "sqlite+memory", NULL};
static const char *const aux_tails[] = {"-wal", "-shm", "-journal", NULL};
static const char *const lock_tails[] = {".tmp", NULL};

typedef struct sqlite_target {
    char *dir;         /* the template's directory */
    char *base;        /* its file name, "app.db" */
    char *stem;        /* "app" */
    char *ext;         /* ".db", or "" */
    char *hidden_stem; /* ".app.db": stem of the run's lock and keep marks */
    int is_image;      /* a sqlite+memory: URL (a memory clone), not a template */
} sqlite_target;

typedef struct sqlite_run {
    fl_file_lock *lock;
    sqlite_method method;
    char *image;    /* memory method: the run's image file */
    char *made_dir; /* the template's directory, when this run created it */
} sqlite_run;

typedef struct sqlite_build {
    fl_file_lock *key_lock;
    int committed;
} sqlite_build;

static sqlite_target *st_of(const fl_db_target *t) { return t->priv; }

/* ---- names and URLs -------------------------------------------------------------------- */

/* "sqlite:///abs/path.db" with '%', '?', '#', spaces and controls percent-encoded. */
static char *path_url(const char *scheme, const char *path)
{
    size_t n = strlen(path);
    char *url = malloc(strlen(scheme) + 3 + 3 * n + 1);
    if (!url)
        return NULL;
    char *o = url + sprintf(url, "%s://", scheme);
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        if (*p <= 0x20 || *p == '%' || *p == '?' || *p == '#' || *p == 0x7f)
            o += sprintf(o, "%%%02X", *p);
        else
            *o++ = (char)*p;
    }
    *o = 0;
    return url;
}

/* dir + "/" + the name made for (stem, run, slot, suffix). */
static char *object_path(const sqlite_target *s, const char *stem, const char *run_id,
                         const char *slot, const char *suffix, fl_error *err)
{
    char name[SQLITE_NAME_MAX + 1];
    if (fl_db_name_make(name, sizeof name, SQLITE_NAME_MAX, stem, ".fl-", '-', run_id, slot,
                        suffix, err) != FL_OK)
        return NULL;
    char *path = fl_db_strdupf("%s/%s", strcmp(s->dir, "/") == 0 ? "" : s->dir, name);
    if (!path)
        fl_error_set(err, FL_ERR_NOMEM, "out of memory");
    return path;
}

static char *data_path(const sqlite_target *s, const char *run_id, const char *slot, fl_error *err)
{
    return object_path(s, s->stem, run_id, slot, s->ext, err);
}

static char *mark_path(const sqlite_target *s, const char *run_id, const char *kind, fl_error *err)
{
    return object_path(s, s->hidden_stem, run_id, kind, "", err);
}

/* Removes a database file and its journal, WAL and shared-memory files. */
static int remove_database_files(const char *path, fl_error *err)
{
    int rc = fl_fs_remove(path, err);
    for (const char *const *t = aux_tails; *t; t++) {
        char aux[4096];
        snprintf(aux, sizeof aux, "%s%s", path, *t);
        int r = fl_fs_remove(aux, rc == FL_OK ? err : NULL);
        if (rc == FL_OK)
            rc = r;
    }
    return rc;
}

/* ---- targets ---------------------------------------------------------------------------- */

static void free_sqlite_target(sqlite_target *s)
{
    if (!s)
        return;
    free(s->dir);
    free(s->base);
    free(s->stem);
    free(s->ext);
    free(s->hidden_stem);
    free(s);
}

static void sqlite_free_target(fl_db_target *t)
{
    if (!t)
        return;
    free(t->url);
    free(t->redacted);
    free(t->name);
    free_sqlite_target(t->priv);
    free(t);
}

static int split_path(sqlite_target *s, const char *path)
{
    s->dir = fl_fs_dirname(path);
    s->base = fl_fs_basename(path);
    if (!s->dir || !s->base)
        return -1;
    const char *dot = strrchr(s->base, '.');
    if (!dot || dot == s->base)
        dot = s->base + strlen(s->base);
    s->stem = fl_db_strdupf("%.*s", (int)(dot - s->base), s->base);
    s->ext = strdup(dot);
    s->hidden_stem = fl_db_strdupf(".%s", s->base);
    return s->stem && s->ext && s->hidden_stem ? 0 : -1;
}

/* The file part of an SQLite URL after the scheme's ':' (percent-decoded), or NULL with
 * err filled. */
static char *url_file_part(const char *rest, const char *shown, fl_error *err)
{
    const char *path = rest;
    if (strncmp(rest, "//", 2) == 0) {
        const char *authority = rest + 2, *slash = strchr(authority, '/');
        size_t alen = slash ? (size_t)(slash - authority) : strlen(authority);
        if (alen && !(alen == 9 && strncasecmp(authority, "localhost", 9) == 0)) {
            fl_error_set(err, FL_ERR_USAGE,
                         "SQLite URL '%s' names a host; use sqlite:///absolute/path.db or "
                         "sqlite:relative/path.db",
                         shown);
            return NULL;
        }
        path = slash ? slash : authority + alen;
    }
    if (strpbrk(path, "?#")) {
        fl_error_set(err, FL_ERR_USAGE,
                     "SQLite URL '%s' has a query or fragment, which forkless does not take "
                     "(write '?' in a file name as %%3F)",
                     shown);
        return NULL;
    }
    char *decoded = fl_db_percent_decode(path, strlen(path));
    if (!decoded) {
        fl_error_set(err, FL_ERR_USAGE, "SQLite URL '%s' has a bad %%-escape", shown);
        return NULL;
    }
    const char *problem = !*decoded ? "names no file"
                          : strcmp(decoded, ":memory:") == 0
                              ? "is an in-memory database, which cannot be a template"
                          : decoded[strlen(decoded) - 1] == '/' ? "names a directory, not a file"
                                                                : NULL;
    if (problem) {
        fl_error_set(err, FL_ERR_USAGE, "SQLite URL '%s' %s (expected sqlite:///abs/path.db or "
                     "sqlite:relative/path.db)", shown, problem);
        free(decoded);
        return NULL;
    }
    return decoded;
}

static int sqlite_parse_url(const fl_db_engine *e, const char *url, fl_db_target **out,
                            fl_error *err)
{
    char shown[1024];
    fl_db_redact_url(url, shown, sizeof shown);
    const char *colon = strchr(url, ':');
    if (!colon)
        return fl_error_set(err, FL_ERR_USAGE, "'%s' is not an SQLite URL", shown);
    int is_image = (size_t)(colon - url) == strlen("sqlite+memory") &&
                   strncasecmp(url, "sqlite+memory", (size_t)(colon - url)) == 0;
    char *file = url_file_part(colon + 1, shown, err);
    if (!file)
        return err ? err->code : FL_ERR_USAGE;
    char *abs = fl_fs_absolute(file);
    free(file);
    fl_db_target *t = calloc(1, sizeof *t);
    sqlite_target *s = calloc(1, sizeof *s);
    if (!abs || !t || !s) {
        free(abs);
        free(t);
        free(s);
        return fl_error_set(err, FL_ERR_NOMEM, "out of memory parsing '%s'", shown);
    }
    t->engine = e;
    t->priv = s;
    t->name = abs;
    s->is_image = is_image;
    t->url = path_url(is_image ? "sqlite+memory" : "sqlite", abs);
    t->redacted = t->url ? fl_db_redacted_dup(t->url) : NULL;
    if (!t->url || !t->redacted || split_path(s, abs) != 0) {
        sqlite_free_target(t);
        return fl_error_set(err, FL_ERR_NOMEM, "out of memory parsing '%s'", shown);
    }
    *out = t;
    return FL_OK;
}

/* ---- opening and quiescing ---------------------------------------------------------------- */

static int open_database(const char *path, int flags, sqlite3 **out, fl_error *err)
{
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(path, &db, flags, NULL);
    if (rc != SQLITE_OK) {
        fl_error_set(err, FL_ERR_DB, "cannot open SQLite database '%s': %s", path,
                     db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
        sqlite3_close(db);
        return FL_ERR_DB;
    }
    sqlite3_busy_timeout(db, 10000);
    *out = db;
    return FL_OK;
}

static int exec_or_fail(sqlite3 *db, const char *sql, const char *path, fl_error *err)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK)
        return FL_OK;
    fl_error_set(err, FL_ERR_DB, "'%s': %s failed: %s", path, sql, msg ? msg : sqlite3_errmsg(db));
    sqlite3_free(msg);
    return FL_ERR_DB;
}

/* The first column of the first row of sql as text, into buf. */
static int query_word(sqlite3 *db, const char *sql, char *buf, size_t size, const char *path,
                      fl_error *err)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    buf[0] = 0;
    if (rc == SQLITE_ROW && sqlite3_column_text(st, 0))
        snprintf(buf, size, "%s", (const char *)sqlite3_column_text(st, 0));
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        fl_error_set(err, FL_ERR_DB, "'%s' is not a usable SQLite database: %s", path,
                     sqlite3_errmsg(db));
        sqlite3_finalize(st);
        return FL_ERR_DB;
    }
    sqlite3_finalize(st);
    return FL_OK;
}

/* Checks path is a database and folds a WAL into the main file, so that copying the main
 * file alone copies everything; with to_rollback_mode the file also leaves WAL mode (a
 * memory image must, and so do built templates). */
static int make_quiescent(const char *path, int to_rollback_mode, fl_error *err)
{
    sqlite3 *db;
    char word[64];
    int rc = open_database(path, SQLITE_OPEN_READWRITE, &db, err);
    if (rc != FL_OK)
        return rc;
    rc = query_word(db, "SELECT count(*) FROM sqlite_schema", word, sizeof word, path, err);
    if (rc == FL_OK)
        rc = query_word(db, "PRAGMA journal_mode", word, sizeof word, path, err);
    if (rc == FL_OK && strcmp(word, "wal") == 0) {
        char busy[16];
        rc = query_word(db, "PRAGMA wal_checkpoint(TRUNCATE)", busy, sizeof busy, path, err);
        if (rc == FL_OK && strcmp(busy, "0") != 0)
            rc = fl_error_set(err, FL_ERR_DB,
                              "cannot checkpoint the WAL of '%s': the database is busy (is a "
                              "program still writing to it?)",
                              path);
        if (rc == FL_OK && to_rollback_mode)
            rc = exec_or_fail(db, "PRAGMA journal_mode=DELETE", path, err);
    }
    if (sqlite3_close(db) != SQLITE_OK && rc == FL_OK)
        rc = fl_error_set(err, FL_ERR_DB, "cannot close '%s'", path);
    return rc;
}

static int sqlite_check_template(fl_db_target *t, fl_error *err)
{
    if (st_of(t)->is_image)
        return fl_error_set(err, FL_ERR_USAGE,
                            "'%s' is the image of a memory clone, not a template", t->redacted);
    if (!fl_file_exists(t->name))
        return fl_error_set(err, FL_ERR_DB, "template database '%s' does not exist", t->name);
    if (fl_fs_is_dir(t->name))
        return fl_error_set(err, FL_ERR_DB, "template database '%s' is a directory", t->name);
    return make_quiescent(t->name, 0, err);
}

/* ---- template builds ------------------------------------------------------------------------ */

static int sqlite_build_lock(fl_db_target *t, fl_db_build **out, fl_error *err)
{
    sqlite_target *s = st_of(t);
    char *key_path = fl_db_strdupf("%s/%s.forkless-key", strcmp(s->dir, "/") ? s->dir : "",
                                   s->hidden_stem);
    fl_db_build *b = calloc(1, sizeof *b);
    sqlite_build *sb = calloc(1, sizeof *sb);
    if (!key_path || !b || !sb) {
        free(key_path);
        free(b);
        free(sb);
        return fl_error_set(err, FL_ERR_NOMEM, "out of memory");
    }
    int created = 0;
    int rc = fl_file_lock_acquire(key_path, &sb->key_lock, &created, err);
    free(key_path);
    if (rc == FL_OK)
        rc = fl_file_lock_read(sb->key_lock, b->stored_key, sizeof b->stored_key, err);
    if (rc != FL_OK) {
        fl_file_lock_release(sb->key_lock, 0);
        free(b);
        free(sb);
        return rc;
    }
    b->stored_key[strcspn(b->stored_key, " \t\r\n")] = 0;
    b->target = t;
    b->priv = sb;
    b->exists = fl_file_exists(t->name);
    *out = b;
    return FL_OK;
}

static int sqlite_build_begin(fl_db_build *b, const char *run_id, fl_error *err)
{
    sqlite_target *s = st_of(b->target);
    b->name = data_path(s, run_id, "build", err);
    if (!b->name)
        return err ? err->code : FL_ERR_USAGE;
    int rc = remove_database_files(b->name, err);
    if (rc != FL_OK)
        return rc;
    b->url = path_url("sqlite", b->name);
    return b->url ? FL_OK : fl_error_set(err, FL_ERR_NOMEM, "out of memory");
}

static int sqlite_build_commit(fl_db_build *b, const char *key, fl_error *err)
{
    sqlite_build *sb = b->priv;
    const char *template_path = b->target->name;
    if (!fl_file_exists(b->name))
        return fl_error_set(err, FL_ERR_DB,
                            "the setup command did not create the template database '%s'",
                            b->name);
    int rc = make_quiescent(b->name, 1, err);
    /* Invalidate the stored key first: a crash from here on leaves a key that matches
     * nothing, so the next run rebuilds rather than trusting a half-replaced template. */
    if (rc == FL_OK)
        rc = fl_file_lock_write(sb->key_lock, "", err);
    char aux[4096];
    for (const char *const *t = aux_tails; rc == FL_OK && *t; t++) {
        snprintf(aux, sizeof aux, "%s%s", template_path, *t);
        rc = fl_fs_remove(aux, err);
    }
    if (rc == FL_OK)
        rc = fl_fs_rename(b->name, template_path, err);
    if (rc == FL_OK)
        rc = fl_file_lock_write(sb->key_lock, key, err);
    if (rc == FL_OK)
        sb->committed = 1;
    return rc;
}

static void sqlite_build_release(fl_db_build *b)
{
    if (!b)
        return;
    sqlite_build *sb = b->priv;
    if (b->name && !sb->committed)
        remove_database_files(b->name, NULL);
    char key[8] = "";
    fl_file_lock_read(sb->key_lock, key, sizeof key, NULL);
    /* An empty key file stores nothing: do not leave it behind. */
    fl_file_lock_release(sb->key_lock, key[0] == 0);
    free(sb);
    free(b->url);
    free(b->name);
    free(b);
}

/* ---- runs ------------------------------------------------------------------------------------------ */

static int sqlite_run_register(fl_db_target *t, const char *run_id, fl_db_run **out, fl_error *err)
{
    sqlite_target *s = st_of(t);
    if (s->is_image)
        return fl_error_set(err, FL_ERR_USAGE,
                            "'%s' is the image of a memory clone, not a template", t->redacted);
    if (!fl_db_is_token(run_id, FL_DB_RUN_ID_MAX))
        return fl_error_set(err, FL_ERR_USAGE, "run id '%s' must be 1 to %d of [a-z0-9]", run_id,
                            FL_DB_RUN_ID_MAX);
    /* A template to be built may live in a directory that does not exist yet (a fresh
     * checkout's .forkless/): make it, and remove it again at run_end if it stays empty
     * (a ready template that is missing then leaves nothing behind). */
    int made_dir = 0;
    if (!fl_fs_is_dir(s->dir)) {
        if (fl_mkdir_p(s->dir, err) != FL_OK)
            return fl_error_prefix(err, "template database '%s'", t->name);
        made_dir = 1;
    }
    int rc = fl_fs_check_writable_dir(s->dir, err);
    char *lock_path = rc == FL_OK ? mark_path(s, run_id, "lock", err) : NULL;
    if (rc == FL_OK && !lock_path)
        rc = err ? err->code : FL_ERR_USAGE;
    fl_db_run *r = NULL;
    sqlite_run *sr = NULL;
    if (rc == FL_OK) {
        r = calloc(1, sizeof *r);
        sr = calloc(1, sizeof *sr);
        if (!r || !sr || (made_dir && !(sr->made_dir = strdup(s->dir))))
            rc = fl_error_set(err, FL_ERR_NOMEM, "out of memory");
    }
    if (rc == FL_OK)
        rc = fl_file_lock_create(lock_path, &sr->lock, err);
    free(lock_path);
    if (rc != FL_OK) {
        if (made_dir)
            fl_fs_remove_empty_dir(s->dir);
        if (sr)
            free(sr->made_dir);
        free(r);
        free(sr);
        return rc;
    }
    r->target = t;
    snprintf(r->run_id, sizeof r->run_id, "%s", run_id);
    r->priv = sr;
    *out = r;
    return FL_OK;
}

static int sqlite_run_prepare(fl_db_run *r, const char *method, fl_error *err)
{
    sqlite_run *sr = r->priv;
    sqlite_target *s = st_of(r->target);
    int m = 0;
    while (sqlite_methods[m] && strcmp(sqlite_methods[m], method) != 0)
        m++;
    if (!sqlite_methods[m])
        return fl_error_set(err, FL_ERR_USAGE, "unknown SQLite clone method '%s'", method);
    sr->method = (sqlite_method)m;
    snprintf(r->method, sizeof r->method, "%s", method);
    if (sr->method != METHOD_MEMORY || sr->image)
        return FL_OK;
    char *image = data_path(s, r->run_id, "image", err);
    if (!image)
        return err ? err->code : FL_ERR_USAGE;
    int rc = fl_fs_clone_file(r->target->name, image, NULL, err);
    if (rc == FL_OK)
        rc = make_quiescent(image, 1, err);
    if (rc != FL_OK) {
        remove_database_files(image, NULL);
        free(image);
        return rc;
    }
    sr->image = image;
    return FL_OK;
}

/* The online backup API, all pages in one step. */
static int clone_by_backup(const char *src_path, const char *dst_path, fl_error *err)
{
    if (fl_file_exists(dst_path))
        return fl_error_set(err, FL_ERR_IO, "cannot create '%s': it already exists", dst_path);
    sqlite3 *src, *dst;
    int rc = open_database(src_path, SQLITE_OPEN_READWRITE, &src, err);
    if (rc != FL_OK)
        return rc;
    rc = open_database(dst_path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, &dst, err);
    if (rc != FL_OK) {
        sqlite3_close(src);
        return rc;
    }
    sqlite3_backup *bk = sqlite3_backup_init(dst, "main", src, "main");
    int step = bk ? sqlite3_backup_step(bk, -1) : sqlite3_errcode(dst);
    if (bk && sqlite3_backup_finish(bk) != SQLITE_OK && step == SQLITE_DONE)
        step = sqlite3_errcode(dst);
    if (step != SQLITE_DONE)
        rc = fl_error_set(err, FL_ERR_DB, "cannot back up '%s' into '%s': %s", src_path, dst_path,
                          sqlite3_errmsg(dst));
    sqlite3_close(src);
    sqlite3_close(dst);
    return rc;
}

/* SQL text replay. */
static int clone_by_dump(const char *src_path, const char *dst_path, fl_error *err)
{
    if (fl_file_exists(dst_path))
        return fl_error_set(err, FL_ERR_IO, "cannot create '%s': it already exists", dst_path);
    sqlite3 *src, *dst;
    int rc = open_database(src_path, SQLITE_OPEN_READWRITE, &src, err);
    if (rc != FL_OK)
        return rc;
    rc = open_database(dst_path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, &dst, err);
    if (rc != FL_OK) {
        sqlite3_close(src);
        return rc;
    }
    char msg[600];
    sqlite3_exec(dst, "PRAGMA synchronous=OFF", NULL, NULL, NULL);
    if (fl_sqlite_dump_into(src, dst, msg, sizeof msg) != SQLITE_OK)
        rc = fl_error_set(err, FL_ERR_DB, "cannot replay the dump of '%s' into '%s': %s", src_path,
                          dst_path, msg);
    sqlite3_close(src);
    if (sqlite3_close(dst) != SQLITE_OK && rc == FL_OK)
        rc = fl_error_set(err, FL_ERR_DB, "cannot close '%s'", dst_path);
    return rc;
}

static fl_db_cloned *new_clone(const char *scheme, const char *path, const char *method,
                              const char *slot)
{
    fl_db_cloned *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->engine = &fl_db_engine_sqlite;
    c->url = path_url(scheme, path);
    c->name = strdup(path);
    snprintf(c->method, sizeof c->method, "%s", method);
    snprintf(c->slot, sizeof c->slot, "%s", slot);
    if (!c->url || !c->name) {
        free(c->url);
        free(c->name);
        free(c);
        return NULL;
    }
    return c;
}

static int sqlite_clone(fl_db_run *r, const char *slot, fl_db_cloned **out, fl_error *err)
{
    sqlite_run *sr = r->priv;
    if (sr->method == METHOD_MEMORY) {
        if (!sr->image)
            return fl_error_set(err, FL_ERR_DB, "no memory image was prepared for '%s'",
                                r->target->name);
        *out = new_clone("sqlite+memory", sr->image, r->method, slot);
        return *out ? FL_OK : fl_error_set(err, FL_ERR_NOMEM, "out of memory");
    }
    char *path = data_path(st_of(r->target), r->run_id, slot, err);
    if (!path)
        return err ? err->code : FL_ERR_USAGE;
    if (fl_file_exists(path)) {
        int exists = fl_error_set(err, FL_ERR_IO, "cannot create clone '%s': it already exists",
                                  path);
        free(path);
        return exists;
    }
    int rc;
    switch (sr->method) {
    case METHOD_BACKUP: rc = clone_by_backup(r->target->name, path, err); break;
    case METHOD_DUMP: rc = clone_by_dump(r->target->name, path, err); break;
    default: rc = fl_fs_clone_file(r->target->name, path, NULL, err); break;
    }
    if (rc == FL_OK && !(*out = new_clone("sqlite", path, r->method, slot)))
        rc = fl_error_set(err, FL_ERR_NOMEM, "out of memory");
    if (rc != FL_OK)
        remove_database_files(path, NULL);
    free(path);
    return rc;
}

static int sqlite_drop(fl_db_cloned *c, fl_error *err)
{
    if (strcmp(c->method, "memory") == 0)
        return FL_OK; /* the run's image goes with the run */
    return remove_database_files(c->name, err);
}

static void sqlite_free_clone(fl_db_cloned *c)
{
    if (!c)
        return;
    free(c->url);
    free(c->name);
    free(c);
}

static int sqlite_run_end(fl_db_run *r, int keep, fl_error *err)
{
    sqlite_run *sr = r->priv;
    sqlite_target *s = st_of(r->target);
    int rc = FL_OK;
    if (keep) {
        char *mark = mark_path(s, r->run_id, "keep", err);
        static const char text[] =
            "forkless: the clones of this run were kept; `forkless db drop URL` removes them\n";
        rc = mark ? fl_fs_write_file(mark, text, sizeof text - 1, err)
                  : (err ? err->code : FL_ERR_USAGE);
        free(mark);
    } else if (sr->image) {
        rc = remove_database_files(sr->image, err);
    }
    fl_file_lock_release(sr->lock, 1);
    if (sr->made_dir)
        fl_fs_remove_empty_dir(sr->made_dir);
    free(sr->made_dir);
    free(sr->image);
    free(sr);
    free(r);
    return rc;
}

/* ---- drop by URL and gc -------------------------------------------------------------------------- */

/* One run's objects found in a directory listing. */
typedef struct run_files {
    char run[FL_DB_RUN_ID_MAX + 1];
    char **files; /* data files (clones, image, build), with their -wal/-shm/-journal */
    size_t n, cap;
    int has_lock, has_tmp_lock, has_keep;
} run_files;

typedef struct dir_scan {
    run_files *runs;
    size_t n, cap;
} dir_scan;

static run_files *scan_run(dir_scan *d, const char *run)
{
    for (size_t i = 0; i < d->n; i++)
        if (strcmp(d->runs[i].run, run) == 0)
            return &d->runs[i];
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 8;
        run_files *bigger = realloc(d->runs, cap * sizeof *bigger);
        if (!bigger)
            return NULL;
        d->runs = bigger;
        d->cap = cap;
    }
    run_files *r = &d->runs[d->n++];
    memset(r, 0, sizeof *r);
    snprintf(r->run, sizeof r->run, "%s", run);
    return r;
}

static int run_add_file(run_files *r, const char *name)
{
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 8;
        char **bigger = realloc(r->files, cap * sizeof *bigger);
        if (!bigger)
            return -1;
        r->files = bigger;
        r->cap = cap;
    }
    return (r->files[r->n++] = strdup(name)) ? 0 : -1;
}

static void free_scan(dir_scan *d)
{
    for (size_t i = 0; i < d->n; i++) {
        for (size_t j = 0; j < d->runs[i].n; j++)
            free(d->runs[i].files[j]);
        free(d->runs[i].files);
    }
    free(d->runs);
}

/* Groups the directory entries that are ours for template s by run id.  Only runs
 * matching only_run (if not NULL) are kept. */
static int scan_directory(const sqlite_target *s, const char *only_run, dir_scan *d, fl_error *err)
{
    char **names;
    size_t n;
    memset(d, 0, sizeof *d);
    int rc = fl_fs_list_dir(s->dir, &names, &n, err);
    if (rc != FL_OK)
        return rc;
    for (size_t i = 0; i < n && rc == FL_OK; i++) {
        char run[FL_DB_RUN_ID_MAX + 1], slot[FL_DB_SLOT_MAX + 1];
        const char *tail;
        int data = fl_db_name_match(names[i], SQLITE_NAME_MAX, s->stem, ".fl-", '-', s->ext,
                                    aux_tails, run, slot, &tail);
        int mark = !data && fl_db_name_match(names[i], SQLITE_NAME_MAX, s->hidden_stem, ".fl-",
                                             '-', "", lock_tails, run, slot, &tail);
        if ((!data && !mark) || (only_run && strcmp(run, only_run) != 0))
            continue;
        if (mark && strcmp(slot, "lock") != 0 && strcmp(slot, "keep") != 0)
            continue;
        run_files *r = scan_run(d, run);
        if (!r || (data && run_add_file(r, names[i]) != 0)) {
            rc = fl_error_set(err, FL_ERR_NOMEM, "out of memory");
            break;
        }
        if (mark && strcmp(slot, "keep") == 0)
            r->has_keep = 1;
        else if (mark && *tail)
            r->has_tmp_lock = 1;
        else if (mark)
            r->has_lock = 1;
    }
    fl_strv_free(names);
    if (rc != FL_OK)
        free_scan(d);
    return rc;
}

static int remove_listed(const sqlite_target *s, const char *name, FILE *log, const char *why,
                         size_t *removed, fl_error *err)
{
    char *path = fl_db_strdupf("%s/%s", strcmp(s->dir, "/") ? s->dir : "", name);
    if (!path)
        return fl_error_set(err, FL_ERR_NOMEM, "out of memory");
    int rc = fl_fs_remove(path, err);
    if (rc == FL_OK) {
        if (log)
            fprintf(log, "removed %s (%s)\n", path, why);
        if (removed)
            (*removed)++;
    }
    free(path);
    return rc;
}

static int remove_run_files(const sqlite_target *s, const run_files *r, FILE *log,
                            const char *why, size_t *removed, fl_error *err)
{
    int rc = FL_OK;
    for (size_t i = 0; i < r->n; i++) {
        int one = remove_listed(s, r->files[i], log, why, removed, rc == FL_OK ? err : NULL);
        if (rc == FL_OK)
            rc = one;
    }
    return rc;
}

/* A lock still named .tmp: its run died while registering, if it is old and unlocked. */
static int collect_tmp_lock(const sqlite_target *s, const char *run, FILE *log, size_t *removed,
                            fl_error *err)
{
    char *lock = mark_path(s, run, "lock", err);
    char *tmp = lock ? fl_db_strdupf("%s.tmp", lock) : NULL;
    double mtime;
    int state = FL_LOCK_GONE, rc = FL_OK;
    fl_file_lock *held = NULL;
    if (tmp && fl_fs_stat(tmp, NULL, &mtime, NULL) == FL_OK &&
        fl_wall_clock() - mtime > stale_tmp_lock_seconds)
        rc = fl_file_lock_try(tmp, &state, &held, err);
    if (rc == FL_OK && state == FL_LOCK_TAKEN) {
        fl_file_lock_release(held, 1);
        if (log)
            fprintf(log, "removed %s (run %s died while starting)\n", tmp, run);
        if (removed)
            (*removed)++;
    }
    free(lock);
    free(tmp);
    return rc;
}

/* Decides about one run found beside the template: live, kept, or dead (then removed). */
static int collect_run(const sqlite_target *s, const run_files *r, FILE *log, size_t *removed,
                       fl_error *err)
{
    char why[96];
    snprintf(why, sizeof why, "run %s is not running", r->run);
    char *lock = mark_path(s, r->run, "lock", err);
    char *keep = mark_path(s, r->run, "keep", err);
    int rc = lock && keep ? FL_OK : (err ? err->code : FL_ERR_NOMEM);
    int state = FL_LOCK_GONE;
    fl_file_lock *held = NULL;
    if (rc == FL_OK && r->has_tmp_lock)
        rc = collect_tmp_lock(s, r->run, log, removed, err);
    if (rc == FL_OK)
        rc = fl_file_lock_try(lock, &state, &held, err);
    if (rc == FL_OK && state != FL_LOCK_BUSY) {
        /* Kept runs: the keep mark is written before the lock goes, so looking after the
         * lock is taken (or gone) never misses it. */
        if (fl_file_exists(keep)) {
            if (r->n == 0)
                rc = remove_listed(s, strrchr(keep, '/') + 1, log, "nothing left of the kept run",
                                   removed, err);
        } else {
            rc = remove_run_files(s, r, log, why, removed, err);
        }
        if (held) {
            fl_file_lock_release(held, 1);
            if (log)
                fprintf(log, "removed %s (%s)\n", lock, why);
            if (removed)
                (*removed)++;
        }
    }
    free(lock);
    free(keep);
    return rc;
}

/* An empty cache-key file is what a builder that died before finishing leaves behind
 * (the key is written only with a finished template); remove it unless a builder holds
 * it right now. */
static int collect_empty_key_file(const sqlite_target *s, FILE *log, size_t *removed, fl_error *err)
{
    char *key_path = fl_db_strdupf("%s/%s.forkless-key", strcmp(s->dir, "/") ? s->dir : "",
                                   s->hidden_stem);
    uint64_t size = 1;
    int state = FL_LOCK_GONE, rc = FL_OK;
    fl_file_lock *held = NULL;
    if (!key_path)
        return fl_error_set(err, FL_ERR_NOMEM, "out of memory");
    if (fl_fs_stat(key_path, &size, NULL, NULL) == FL_OK && size == 0)
        rc = fl_file_lock_try(key_path, &state, &held, err);
    if (rc == FL_OK && state == FL_LOCK_TAKEN) {
        char key[8] = "";
        fl_file_lock_read(held, key, sizeof key, NULL);
        fl_file_lock_release(held, key[0] == 0);
        if (key[0] == 0) {
            if (log)
                fprintf(log, "removed %s (an unfinished template build)\n", key_path);
            if (removed)
                (*removed)++;
        }
    }
    free(key_path);
    return rc;
}

static int sqlite_gc(fl_db_target *t, FILE *log, size_t *removed, fl_error *err)
{
    sqlite_target *s = st_of(t);
    if (s->is_image)
        return fl_error_set(err, FL_ERR_USAGE,
                            "'%s' is the image of a memory clone, not a template", t->redacted);
    if (!fl_fs_is_dir(s->dir))
        return fl_error_set(err, FL_ERR_IO, "directory '%s' does not exist", s->dir);
    dir_scan d;
    int rc = scan_directory(s, NULL, &d, err);
    if (rc != FL_OK)
        return rc;
    for (size_t i = 0; rc == FL_OK && i < d.n; i++)
        rc = collect_run(s, &d.runs[i], log, removed, err);
    free_scan(&d);
    if (rc == FL_OK)
        rc = collect_empty_key_file(s, log, removed, err);
    return rc;
}

/* Splits a clone's file name "<stem>.fl-<run>-<slot><ext>" (the last ".fl-"). */
static int parse_clone_name(const char *base, char **stem, char **ext, char run[FL_DB_RUN_ID_MAX + 1],
                            char slot[FL_DB_SLOT_MAX + 1])
{
    const char *infix = NULL;
    for (const char *p = strstr(base, ".fl-"); p; p = strstr(p + 1, ".fl-"))
        infix = p;
    if (!infix || infix == base)
        return 0;
    const char *p = infix + 4, *dash = strchr(p, '-');
    if (!dash)
        return 0;
    const char *after = dash + 1, *ext_start = after + strspn(after, "abcdefghijklmnopqrstuvwxyz0123456789");
    if (*ext_start && *ext_start != '.')
        return 0;
    *stem = fl_db_strdupf("%.*s", (int)(infix - base), base);
    *ext = strdup(ext_start);
    int ok = *stem && *ext &&
             fl_db_name_match(base, SQLITE_NAME_MAX, *stem, ".fl-", '-', *ext, NULL, run, slot, NULL) &&
             strcmp(slot, "lock") != 0 && strcmp(slot, "keep") != 0;
    if (!ok) {
        free(*stem);
        free(*ext);
        *stem = *ext = NULL;
    }
    return ok;
}

/* Removes the keep mark of run for every template in dir that has no file of run left. */
static int forget_empty_kept_runs(const char *dir, const char *run, fl_error *err)
{
    char **names;
    size_t n;
    int rc = fl_fs_list_dir(dir, &names, &n, err);
    if (rc != FL_OK)
        return rc;
    char suffix[64];
    snprintf(suffix, sizeof suffix, ".fl-%s-keep", run);
    size_t slen = strlen(suffix);
    for (size_t i = 0; i < n && rc == FL_OK; i++) {
        size_t len = strlen(names[i]);
        if (names[i][0] != '.' || len <= slen + 1 || strcmp(names[i] + len - slen, suffix) != 0)
            continue;
        char *template_path = fl_db_strdupf("%s/%.*s", dir, (int)(len - slen - 1), names[i] + 1);
        sqlite_target s = {0};
        dir_scan d = {0};
        if (!template_path || split_path(&s, template_path) != 0) {
            rc = fl_error_set(err, FL_ERR_NOMEM, "out of memory");
        } else if ((rc = scan_directory(&s, run, &d, err)) == FL_OK) {
            int files_left = d.n > 0 && d.runs[0].n > 0;
            if (!files_left)
                rc = remove_listed(&s, names[i], NULL, NULL, NULL, err);
            free_scan(&d);
        }
        free(template_path);
        free(s.dir);
        free(s.base);
        free(s.stem);
        free(s.ext);
        free(s.hidden_stem);
    }
    fl_strv_free(names);
    return rc;
}

static int sqlite_drop_url(const fl_db_engine *e, const char *clone_url, fl_error *err)
{
    fl_db_target *t;
    int rc = sqlite_parse_url(e, clone_url, &t, err);
    if (rc != FL_OK)
        return rc;
    sqlite_target *s = st_of(t);
    char *stem = NULL, *ext = NULL, run[FL_DB_RUN_ID_MAX + 1], slot[FL_DB_SLOT_MAX + 1];
    if (!parse_clone_name(s->base, &stem, &ext, run, slot))
        rc = fl_error_set(err, FL_ERR_USAGE,
                          "'%s' is not a clone made by forkless (its file name has no "
                          ".fl-<run>-<slot> part); not dropping it",
                          t->redacted);
    if (rc == FL_OK)
        rc = remove_database_files(t->name, err);
    if (rc == FL_OK)
        rc = forget_empty_kept_runs(s->dir, run, err);
    free(stem);
    free(ext);
    sqlite_free_target(t);
    return rc;
}

const fl_db_engine fl_db_engine_sqlite = {
    .iVersion = 1,
    .name = "sqlite",
    .schemes = sqlite_schemes,
    .methods = sqlite_methods,
    .max_name_len = SQLITE_NAME_MAX,
    .parse_url = sqlite_parse_url,
    .free_target = sqlite_free_target,
    .check_template = sqlite_check_template,
    .build_lock = sqlite_build_lock,
    .build_begin = sqlite_build_begin,
    .build_commit = sqlite_build_commit,
    .build_release = sqlite_build_release,
    .run_register = sqlite_run_register,
    .run_prepare = sqlite_run_prepare,
    .clone = sqlite_clone,
    .drop = sqlite_drop,
    .free_clone = sqlite_free_clone,
    .run_end = sqlite_run_end,
    .drop_url = sqlite_drop_url,
    .gc = sqlite_gc,
    .worker_env = NULL,
};
