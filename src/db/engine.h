/*
 * engine.h — the internal interface every database engine implements (SQLite here;
 * PostgreSQL, MySQL/MariaDB and Oracle beside it), in the manner of sqlite3_vfs: one
 * constant, versioned table of function pointers per engine, found by URL scheme in the
 * registry (registry.c).  The engine-neutral layer (dbset.c, standalone.c) drives the
 * lifecycle; an engine only knows how to do each step on its own kind of database.
 *
 * Objects (all allocated by the engine, freed by the engine's free functions):
 *   fl_db_target — a parsed template location (one per --db alias);
 *   fl_db_build  — a held template build lock, then the template being built;
 *   fl_db_run    — a run's registration on one target (what makes it "alive" for gc) and
 *                  the run's shared per-target artifacts (the SQLite memory image);
 *   fl_db_cloned  — one clone (one per slot per alias).
 *
 * Lifecycle driven by dbset.c for one run, per alias:
 *   parse_url → run_register → [check_template | build_lock → (reuse: build_release) |
 *   (build_begin → setup command → build_commit → build_release)] → run_prepare(method) →
 *   clone(slot) ×N in parallel threads → (crash of slot k: drop + free_clone + clone) →
 *   drop + free_clone each → run_end(keep) → free_target.
 * Standalone (`forkless db clone`): parse_url → check_template → run_register →
 *   run_prepare → clone ×count → run_end(keep=1).  `db drop` → drop_url.  `db gc` → gc.
 *
 * Contracts every engine keeps (a server engine especially):
 *  - Errors: return FL_OK or a negative fl_code, fill err naming the object; URLs in
 *    messages are always the redacted ones (target->redacted, or fl_db_redact_url).  A
 *    missing template is FL_ERR_DB "template database '<name>' does not exist"; a bad URL
 *    is FL_ERR_USAGE; a server that refuses a connection or a privilege is FL_ERR_DB
 *    quoting the server's message (never the password).
 *  - Connections: no connection outlives a call except ones an engine keeps in
 *    fl_db_run.priv (e.g. the session holding a run's advisory lock).  A server engine
 *    connects to a maintenance database (PostgreSQL "postgres", MySQL none), never to the
 *    template itself while cloning (CREATE DATABASE ... TEMPLATE needs it unused).
 *  - Threads: clone and drop may run concurrently on different slots of one run, each on
 *    its own connections; everything else is called from one thread at a time.
 *  - Names: clone, image and build names are made with fl_db_name_make (below) from the
 *    template's name, the run id and the slot, so gc recognises them; they stay within
 *    engine->max_name_len (PostgreSQL 63 bytes, MySQL 64, SQLite file names 255) by
 *    shortening the template part deterministically.  Run ids and slots are [a-z0-9]
 *    only, so names need no escaping beyond the engine's identifier quoting.
 *  - Quoting: the engine quotes every identifier it puts into SQL (PostgreSQL "x" with
 *    " doubled or PQescapeIdentifier, MySQL `x` with ` doubled, SQLite "x" via %w); the
 *    neutral layer never builds SQL.
 *  - Privileges: documented per engine in docs/databases.md (PostgreSQL needs CREATEDB;
 *    MySQL CREATE/DROP on the clone names and SELECT/SHOW VIEW/TRIGGER on the template).
 *  - Liveness: run_register must leave a mark that gc in another process can test, and
 *    that the OS or server releases by itself when the registering process dies, even by
 *    kill -9 (SQLite: a flock'ed lock file; PostgreSQL: a session advisory lock;
 *    MySQL: GET_LOCK in a held session).  gc never removes objects of a live run, nor
 *    kept ones (run_end with keep=1, standalone clones): they carry a mark of their own.
 */
#ifndef FL_DB_ENGINE_H
#define FL_DB_ENGINE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "forkless/forkless.h"

typedef struct fl_db_engine fl_db_engine;

/* A parsed template location. */
typedef struct fl_db_target {
    const fl_db_engine *engine;
    char *url;      /* canonical URL (relative paths made absolute); may hold a password */
    char *redacted; /* url with the password replaced, for every message */
    char *name;     /* SQLite: the absolute file path; servers: the database name */
    void *priv;     /* engine data */
} fl_db_target;

/* A held template build lock (build_lock), then the template under construction
 * (build_begin).  Concurrent builders of one template wait on the lock, so exactly one
 * builds and the others reuse its result. */
typedef struct fl_db_build {
    fl_db_target *target;
    int exists;            /* the template exists (before this build) */
    char stored_key[72];   /* the cache key stored with the template, "" when none */
    char *url;             /* after build_begin: the template under construction... */
    char *name;            /* ...its file path or database name */
    void *priv;
} fl_db_build;

/* A run's registration on one target and its per-run artifacts. */
typedef struct fl_db_run {
    fl_db_target *target;
    char run_id[24];
    char method[24];       /* set by run_prepare */
    /* Set by the neutral layer before run_prepare, for methods that fill each clone by
     * running the setup command again (Oracle's migrate): the run's setup command (NULL
     * when the template was given ready) and the FORKLESS_DB_<ALIAS> name of this alias. */
    char *const *setup_argv;
    const char *env_name;
    void *priv;
} fl_db_run;

/* One clone. */
typedef struct fl_db_cloned {
    const fl_db_engine *engine;
    char *url;       /* what the worker gets in FORKLESS_DB_<ALIAS> (may hold a password) */
    char *name;      /* FORKLESS_DB_<ALIAS>_NAME: file path or database name */
    char method[24]; /* FORKLESS_DB_<ALIAS>_METHOD */
    char slot[8];    /* "1".."N" */
    void *priv;
} fl_db_cloned;

struct fl_db_engine {
    int iVersion;                 /* 1: the table below */
    const char *name;             /* "sqlite", "postgresql", "mysql", "oracle" */
    const char *const *schemes;   /* URL schemes, NULL-terminated ("sqlite", "sqlite+memory") */
    const char *const *methods;   /* clone methods, NULL-terminated, the default first */
    size_t max_name_len;          /* longest clone/database name accepted, in bytes */

    /* Parses a template or clone URL of one of our schemes.  Relative SQLite paths become
     * absolute here.  Bad URL → FL_ERR_USAGE naming the redacted URL and the problem.
     * Does not connect. */
    int (*parse_url)(const fl_db_engine *e, const char *url, fl_db_target **out,
                     fl_error *err);
    void (*free_target)(fl_db_target *t);

    /* Checks that a ready template (no setup command) exists and is a usable database of
     * this engine, and makes it quiescent for copying (SQLite: checkpoints a WAL into the
     * main file).  Missing → FL_ERR_DB "template database '...' does not exist"; not a
     * database / unreadable → FL_ERR_DB naming it. */
    int (*check_template)(fl_db_target *t, fl_error *err);

    /* Takes the template's build lock (waiting for a concurrent builder to finish) and
     * fills exists and stored_key. */
    int (*build_lock)(fl_db_target *t, fl_db_build **out, fl_error *err);
    /* Makes the (empty or absent) template under construction, named with slot "build"
     * and the run id so that gc removes it if we die; fills url and name, which the setup
     * command gets. */
    int (*build_begin)(fl_db_build *b, const char *run_id, fl_error *err);
    /* After a successful setup: makes the new template quiescent (SQLite: no WAL, journal
     * mode DELETE), atomically puts it in the template's place (so a concurrent run sees
     * the old template or the new one, never half of one) and stores key with it. */
    int (*build_commit)(fl_db_build *b, const char *key, fl_error *err);
    /* Removes an uncommitted template under construction, releases the lock, frees b. */
    void (*build_release)(fl_db_build *b);

    /* Registers a live run on the target (see Liveness above).  Fails with FL_ERR_IO
     * naming the directory when SQLite cannot create files next to the template, or
     * FL_ERR_DB when a server refuses. */
    int (*run_register)(fl_db_target *t, const char *run_id, fl_db_run **out, fl_error *err);
    /* Validated method (one of methods[]); makes per-run artifacts (SQLite memory: the
     * read-only image).  Called once, after the template is ready, before clone. */
    int (*run_prepare)(fl_db_run *r, const char *method, fl_error *err);
    /* Makes the clone of slot (a decimal string) with the run's method.  On failure
     * nothing of the clone is left. */
    int (*clone)(fl_db_run *r, const char *slot, fl_db_cloned **out, fl_error *err);
    /* Removes the clone's database (a clone already gone is not an error). */
    int (*drop)(fl_db_cloned *c, fl_error *err);
    void (*free_clone)(fl_db_cloned *c);
    /* Ends the run on the target: keep=0 removes the per-run artifacts; keep=1 leaves
     * them and the clones not yet dropped, marked as kept so gc leaves them alone.  Then
     * unregisters the run and frees r (also on failure). */
    int (*run_end)(fl_db_run *r, int keep, fl_error *err);

    /* `forkless db drop URL`: removes a clone given its URL — only a name of our making
     * (FL_ERR_USAGE "'...' is not a clone made by forkless" otherwise, so a typo never
     * drops a real database). */
    int (*drop_url)(const fl_db_engine *e, const char *clone_url, fl_error *err);
    /* Removes every object of our naming next to / on the template whose run is dead and
     * that is not kept; one line per removed object to log (if not NULL). */
    int (*gc)(fl_db_target *t, FILE *log, size_t *removed, fl_error *err);

    /* Engine conveniences for a worker (PGDATABASE, ...) beyond the FORKLESS_DB_*
     * variables the neutral layer sets.  May be NULL. */
    int (*worker_env)(const fl_db_cloned *c, fl_env_cb cb, void *ud, fl_error *err);
};

/* ---- registry (registry.c) --------------------------------------------------------- */

/* The engine for url's scheme: FL_ERR_UNSUPPORTED for a known engine not built in
 * ("forkless was built without PostgreSQL support (libpq not found at build time)"),
 * FL_ERR_USAGE for an unknown scheme or a string that is not a URL. */
int fl_db_engine_for_url(const char *url, const fl_db_engine **out, fl_error *err);
/* Parses url with its engine. */
int fl_db_parse_target(const char *url, fl_db_target **out, fl_error *err);
/* The method if the engine has it (NULL → default), else FL_ERR_USAGE listing them. */
int fl_db_resolve_method(const fl_db_engine *e, const char *method, const char **out,
                         const char *redacted_url, fl_error *err);

/* ---- helpers shared by engines (common.c) ------------------------------------------- */

enum { FL_DB_RUN_ID_MAX = 16, FL_DB_SLOT_MAX = 6 };

/* 1 when s is a non-empty [a-z0-9] token of at most max bytes. */
int fl_db_is_token(const char *s, size_t max);
/* A fresh random run id of 8 [a-z0-9] characters (standalone clones). */
void fl_db_new_run_id(char out[FL_DB_RUN_ID_MAX + 1]);

/* Our object names: "<stem><infix><run><sep><slot><suffix>", e.g. SQLite
 * "app.fl-k3x9-2.db" (infix ".fl-", sep '-', suffix ".db") or PostgreSQL
 * "app_fl_k3x9_2" (infix "_fl_", sep '_', suffix "").  When the result would exceed
 * max_len, the stem is cut and 6 hex digits of its hash appended (the same for every
 * run, so fl_db_name_match keeps recognising the names).  FL_ERR_USAGE if impossible. */
int fl_db_name_make(char *buf, size_t size, size_t max_len, const char *stem,
                    const char *infix, char sep, const char *run_id, const char *slot,
                    const char *suffix, fl_error *err);
/* The inverse: 1 and run/slot filled when name is one of ours for this stem (after the
 * same shortening), with an optional trailing part in tails (e.g. "-wal"); *tail gets the
 * matched tail ("" for none). */
int fl_db_name_match(const char *name, size_t max_len, const char *stem, const char *infix,
                     char sep, const char *suffix, const char *const *tails,
                     char run[FL_DB_RUN_ID_MAX + 1], char slot[FL_DB_SLOT_MAX + 1],
                     const char **tail);

/* Percent-decodes src into a malloc'd string (NULL on a bad escape). */
char *fl_db_percent_decode(const char *src, size_t len);
/* malloc'd printf. */
char *fl_db_strdupf(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;
/* A malloc'd redacted copy of url. */
char *fl_db_redacted_dup(const char *url);
/* FNV-1a, 32 bits: short stable hashes for names. */
uint32_t fl_db_fnv1a32(const char *s);

/* A growing SQL text for the server engines.  Out of memory does not abort (unlike
 * core/util.h's fl_bytes): it sets `failed`, later appends do nothing, and the caller
 * reports one error when it runs the text.  The engines add their own quoting on top
 * (mysql.c my_buf_ident/literal, oracle_url.c ora_buf_ident/literal). */
typedef struct fl_db_buf {
    char *s;
    size_t len, cap;
    int failed;
} fl_db_buf;

void fl_db_buf_add(fl_db_buf *b, const char *s, size_t n);
void fl_db_buf_puts(fl_db_buf *b, const char *s);
void fl_db_buf_printf(fl_db_buf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
void fl_db_buf_free(fl_db_buf *b);

/* The SQLite engine (sqlite.c). */
extern const fl_db_engine fl_db_engine_sqlite;

#endif
