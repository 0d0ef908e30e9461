/*
 * forkless/db.h — the database layer's public API (included by forkless.h).
 *
 * A "dbset" is the set of databases of one run: one template per alias, built once by the
 * setup command (and cached across runs by a key), and one clone per worker slot, made in
 * parallel.  Each engine (sqlite, postgresql, mysql, oracle) sits behind one internal
 * vtable (src/db/engine.h); this API is engine-neutral.
 *
 * Lifecycle inside fl_run():
 *   fl_dbset_open → fl_dbset_prepare_templates → fl_dbset_clone_all → (per worker start:
 *   fl_dbset_worker_env; after a crash: fl_dbset_reclone) → fl_dbset_teardown → fl_dbset_free.
 * The standalone commands (`forkless db clone|drop|gc`) use the fl_db_* functions below.
 */
#ifndef FORKLESS_DB_H
#define FORKLESS_DB_H

#include <stddef.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

struct fl_error;
struct fl_db_spec;

typedef struct fl_dbset fl_dbset;

/* Called once per environment variable a worker of a slot must get. */
typedef int (*fl_env_cb)(void *ud, const char *name, const char *value);

/* Parses and validates every spec (bad URL, unknown engine or method → FL_ERR_USAGE),
 * registers the run (run_id, a short unique token) so that `db gc` can tell it is alive.
 * state_dir is the run's state directory (".forkless"). */
int fl_dbset_open(const struct fl_db_spec *specs, size_t n, const char *run_id,
                  const char *state_dir, fl_dbset **out, struct fl_error *err);

/* Builds each template by running setup_argv (with FORKLESS_DB_<ALIAS> of every alias
 * pointing at the template being built), or reuses the cached one whose key — a hash of
 * the setup command and of the files matched by the input globs — is unchanged.
 * setup_argv may be NULL: then each URL names a ready template.  Progress lines go to log. */
int fl_dbset_prepare_templates(fl_dbset *set, char *const *setup_argv, char *const *input_globs,
                               size_t n_globs, int rebuild, FILE *log, struct fl_error *err);

/* Makes one clone per slot 1..nslots of every template, in parallel. */
int fl_dbset_clone_all(fl_dbset *set, int nslots, struct fl_error *err);

/* Drops and re-makes the clones of one slot (after its worker crashed). */
int fl_dbset_reclone(fl_dbset *set, int slot, struct fl_error *err);

/* Reports the variables a worker in this slot gets: FORKLESS_DB_<ALIAS>,
 * FORKLESS_DB_<ALIAS>_NAME, FORKLESS_DB_<ALIAS>_METHOD, DATABASE_URL for "default",
 * and engine conveniences (PGDATABASE…). */
int fl_dbset_worker_env(fl_dbset *set, int slot, fl_env_cb cb, void *ud, struct fl_error *err);

/* Drops every clone of the run (unless keep: then prints where they are to log) and
 * unregisters the run.  Safe to call after a partial clone_all. */
int fl_dbset_teardown(fl_dbset *set, int keep, FILE *log, struct fl_error *err);

void fl_dbset_free(fl_dbset *set);

/* ---- standalone provisioning ------------------------------------------------------- */

/* Treats template_url as a ready template and makes count clones with method (NULL =
 * default).  *urls_out is a NULL-terminated array of clone URLs (free with fl_strv_free).
 * The clones outlive the call; `fl_db_drop` removes them. */
int fl_db_clone(const char *template_url, int count, const char *method, char ***urls_out,
                struct fl_error *err);

/* Drops clones made by fl_db_clone or kept by --keep, given their URLs. */
int fl_db_drop(char *const *clone_urls, size_t n, struct fl_error *err);

/* Finds leftovers of dead runs next to/on the given templates' locations and removes
 * them; never touches a live run's.  Prints one line per removed object to log; *removed
 * gets the count. */
int fl_db_gc(char *const *template_urls, size_t n, FILE *log, size_t *removed,
             struct fl_error *err);

/* Copies url into buf with any password replaced by "***" (always NUL-terminated): in URLs
 * (user:password@, ?password=), conninfo and options (password=..., --password=...), and
 * a MySQL client's -pPASSWORD after a mysql/mariadb command in the same text. */
void fl_db_redact_url(const char *url, char *buf, size_t size);
/* The same for word i of a command line, knowing the words before it: "-pSECRET" after a
 * mysql/mariadb/mysqldump/... program word is a password too. */
void fl_db_redact_argv(char *const *argv, size_t i, char *buf, size_t size);

/* Names of the engines built into this library, NULL-terminated ("sqlite", ...). */
const char *const *fl_db_engines(void);

#ifdef __cplusplus
}
#endif

#endif
