/*
 * dbset.c — the engine-neutral database layer of a run (forkless/db.h): one template per
 * alias, built once by the setup command or reused from the cache, and one clone per
 * worker slot, made in parallel threads.  It drives the engines through engine.h and
 * owns what is common: alias and method validation, the template cache key (SHA-256 of
 * the setup command, the template URLs and the input files), the setup command's
 * environment, the worker's FORKLESS_DB_* variables, and cleaning up after a partial
 * failure so that nothing half-made is left behind.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "db/engine.h"
#include "db/sha256.h"
#include "platform/fs.h"
#include "platform/platform.h"

typedef struct dbset_db {
    char *alias;          /* as given: "default", "other" */
    char *env_name;       /* "FORKLESS_DB_DEFAULT" */
    fl_db_target *target;
    const char *method;   /* one of the engine's methods */
    fl_db_run *run;       /* registered at open, ended at teardown */
    int prepared;         /* run_prepare done */
    fl_db_cloned **clones; /* [nslots]: slot k at k-1 */
} dbset_db;

struct fl_dbset {
    dbset_db *dbs;
    size_t n;
    char run_id[FL_DB_RUN_ID_MAX + 1];
    char *state_dir;
    size_t declared; /* how many specs were given (n counts the ones opened so far) */
    int nslots;
    int torn_down;
    char **setup_argv; /* the setup command, kept for engines that re-run it per clone */
};

/* Names the alias in err, except in the common single-database case where it would only
 * be noise ("database 'default': ..."). */
static int in_alias(const fl_dbset *set, const char *alias, fl_error *err)
{
    if (!(set->declared == 1 && alias && strcmp(alias, "default") == 0))
        fl_error_prefix(err, "database '%s'", alias ? alias : "");
    return err ? err->code : FL_ERR_DB;
}

/* ---- open ------------------------------------------------------------------------------ */

static int valid_alias(const char *alias)
{
    if (!alias || !*alias)
        return 0;
    for (const char *p = alias; *p; p++)
        if (!(isalnum((unsigned char)*p) || *p == '_'))
            return 0;
    return 1;
}

static char *env_name_for(const char *alias)
{
    char *name = fl_db_strdupf("FORKLESS_DB_%s", alias);
    for (char *p = name ? name : ""; *p; p++)
        *p = (char)toupper((unsigned char)*p);
    return name;
}

static int check_spec_against_earlier(const fl_dbset *set, size_t i, fl_error *err)
{
    const dbset_db *db = &set->dbs[i];
    for (size_t j = 0; j < i; j++) {
        if (strcmp(set->dbs[j].env_name, db->env_name) == 0)
            return fl_error_set(err, FL_ERR_USAGE, "database alias '%s' is given twice",
                                db->alias);
        if (strcmp(set->dbs[j].target->url, db->target->url) == 0)
            return fl_error_set(err, FL_ERR_USAGE,
                                "aliases '%s' and '%s' name the same template '%s'; give each "
                                "alias its own",
                                set->dbs[j].alias, db->alias, db->target->redacted);
    }
    return FL_OK;
}

static int open_one(fl_dbset *set, size_t i, const fl_db_spec *spec, fl_error *err)
{
    dbset_db *db = &set->dbs[i];
    if (!valid_alias(spec->alias))
        return fl_error_set(err, FL_ERR_USAGE,
                            "database alias '%s' must be letters, digits and '_' only",
                            spec->alias ? spec->alias : "");
    db->alias = strdup(spec->alias);
    db->env_name = env_name_for(spec->alias);
    if (!db->alias || !db->env_name)
        return fl_error_set(err, FL_ERR_NOMEM, "out of memory");
    int rc = fl_db_parse_target(spec->url, &db->target, err);
    if (rc == FL_OK)
        rc = fl_db_resolve_method(db->target->engine, spec->method, &db->method,
                                  db->target->redacted, err);
    if (rc == FL_OK)
        rc = check_spec_against_earlier(set, i, err);
    if (rc == FL_OK)
        rc = db->target->engine->run_register(db->target, set->run_id, &db->run, err);
    if (rc != FL_OK)
        in_alias(set, spec->alias, err);
    return rc;
}

int fl_dbset_open(const fl_db_spec *specs, size_t n, const char *run_id, const char *state_dir,
                  fl_dbset **out, fl_error *err)
{
    *out = NULL;
    fl_dbset *set = calloc(1, sizeof *set);
    if (!set || (n && !(set->dbs = calloc(n, sizeof *set->dbs)))) {
        free(set);
        return fl_error_set(err, FL_ERR_NOMEM, "out of memory");
    }
    size_t len = run_id ? strlen(run_id) : 0;
    for (size_t i = 0; i < len && i < FL_DB_RUN_ID_MAX; i++)
        set->run_id[i] = (char)tolower((unsigned char)run_id[i]);
    if (len > FL_DB_RUN_ID_MAX || !fl_db_is_token(set->run_id, FL_DB_RUN_ID_MAX)) {
        free(set->dbs);
        free(set);
        return fl_error_set(err, FL_ERR_USAGE, "run id '%s' must be 1 to %d letters or digits",
                            run_id ? run_id : "", FL_DB_RUN_ID_MAX);
    }
    set->state_dir = state_dir ? strdup(state_dir) : NULL;
    int rc = FL_OK;
    set->declared = n;
    for (size_t i = 0; i < n && rc == FL_OK; i++) {
        set->n = i + 1;
        rc = open_one(set, i, &specs[i], err);
    }
    if (rc != FL_OK) {
        fl_dbset_free(set);
        return rc;
    }
    *out = set;
    return FL_OK;
}

/* ---- the template cache key ---------------------------------------------------------------- */

static void hash_field(fl_sha256 *h, const char *label, const char *value)
{
    fl_sha256_update(h, label, strlen(label) + 1);
    fl_sha256_update(h, value, strlen(value) + 1);
}

static int hash_input_files(fl_sha256 *h, char *const *globs, size_t n_globs, fl_error *err)
{
    for (size_t g = 0; g < n_globs; g++) {
        char **paths;
        size_t n;
        int rc = fl_fs_glob(globs[g], &paths, &n, err);
        if (rc != FL_OK)
            return rc;
        hash_field(h, "glob", globs[g]);
        for (size_t i = 0; i < n && rc == FL_OK; i++) {
            char *data;
            size_t size;
            rc = fl_fs_read_file(paths[i], &data, &size, err);
            if (rc != FL_OK)
                break;
            char size_text[32];
            snprintf(size_text, sizeof size_text, "%zu", size);
            hash_field(h, "file", paths[i]);
            hash_field(h, "size", size_text);
            fl_sha256_update(h, data, size);
            free(data);
        }
        fl_strv_free(paths);
        if (rc != FL_OK)
            return rc;
    }
    return FL_OK;
}

static int compute_key(const fl_dbset *set, char *const *setup_argv, char *const *globs,
                       size_t n_globs, char key[65], fl_error *err)
{
    fl_sha256 h;
    fl_sha256_init(&h);
    hash_field(&h, "forkless template key", "1");
    for (size_t i = 0; setup_argv[i]; i++)
        hash_field(&h, "argv", setup_argv[i]);
    for (size_t i = 0; i < set->n; i++) {
        hash_field(&h, "alias", set->dbs[i].alias);
        hash_field(&h, "url", set->dbs[i].target->url);
    }
    int rc = hash_input_files(&h, globs, n_globs, err);
    if (rc == FL_OK)
        fl_sha256_hex(&h, key);
    return rc;
}

/* ---- the setup command ------------------------------------------------------------------------ */

/* "cmd arg 'two words'", each word redacted, cut to fit. */
static void describe_command(char *const *argv, char *buf, size_t size)
{
    size_t len = 0;
    buf[0] = 0;
    for (size_t i = 0; argv[i] && len + 8 < size; i++) {
        char word[512];
        fl_db_redact_argv(argv, i, word, sizeof word);
        int quote = strpbrk(word, " \t'\"") != NULL || !word[0];
        len += (size_t)snprintf(buf + len, size - len, "%s%s%s%s", i ? " " : "",
                                quote ? "'" : "", word, quote ? "'" : "");
    }
    if (len >= size)
        buf[size - 1] = 0;
}

typedef struct envlist {
    char **v;
    size_t n, cap;
} envlist;

static int env_add(envlist *e, char *entry)
{
    if (!entry)
        return -1;
    if (e->n + 2 > e->cap) {
        size_t cap = e->cap ? e->cap * 2 : 64;
        char **bigger = realloc(e->v, cap * sizeof *bigger);
        if (!bigger) {
            free(entry);
            return -1;
        }
        e->v = bigger;
        e->cap = cap;
    }
    e->v[e->n++] = entry;
    e->v[e->n] = NULL;
    return 0;
}

/* 1 when the environment entry sets a variable the setup command gets from us. */
static int env_entry_is_ours(const fl_dbset *set, const char *entry)
{
    size_t len = strcspn(entry, "=");
    if (len == strlen("DATABASE_URL") && strncmp(entry, "DATABASE_URL", len) == 0)
        return 1;
    for (size_t i = 0; i < set->n; i++) {
        size_t elen = strlen(set->dbs[i].env_name);
        if (len >= elen && strncmp(entry, set->dbs[i].env_name, elen) == 0 &&
            (len == elen || entry[elen] == '_'))
            return 1;
    }
    return 0;
}

/* The caller's environment with FORKLESS_DB_<ALIAS>, _NAME and DATABASE_URL pointing at
 * the templates under construction. */
static char **setup_environment(const fl_dbset *set, fl_db_build *const *builds)
{
    envlist e = {0};
    int failed = 0;
    for (char **p = fl_environ(); *p && !failed; p++)
        if (!env_entry_is_ours(set, *p))
            failed = env_add(&e, strdup(*p)) != 0;
    for (size_t i = 0; i < set->n && !failed; i++) {
        const dbset_db *db = &set->dbs[i];
        failed = env_add(&e, fl_db_strdupf("%s=%s", db->env_name, builds[i]->url)) != 0 ||
                 env_add(&e, fl_db_strdupf("%s_NAME=%s", db->env_name, builds[i]->name)) != 0 ||
                 (strcmp(db->alias, "default") == 0 &&
                  env_add(&e, fl_db_strdupf("DATABASE_URL=%s", builds[i]->url)) != 0);
    }
    if (failed) {
        fl_strv_free(e.v);
        return NULL;
    }
    return e.v;
}

/* Waits for the setup command (migrations may take minutes).  An interrupt that reaches
 * forkless alone (a cancelled CI job, kill -INT) must stop it too.  Without a terminal it
 * runs in a process group of its own, asked to end at once (SIGTERM to the whole group, so
 * nothing it started survives it); on a terminal it shares forkless's group, so that it
 * may prompt and the terminal's Ctrl-C or hang-up reaches it directly, and it is given
 * 2 s to end by itself before SIGTERM.  A second interrupt kills it.  Returns the number
 * of interrupts (0: it ended by itself). */
static int wait_for_setup(fl_proc *p, int own_group, fl_exit *ex)
{
    int interrupts = 0, asked = 0, rc;
    double first = 0, grace = own_group ? 0.0 : 2.0;
    while ((rc = fl_proc_try_wait(p, ex)) == 0) {
        int n = fl_signals_take();
        if (n > 0 && !interrupts)
            first = fl_monotonic();
        interrupts += n;
        if (interrupts > 1) {
            fl_proc_kill(p, 1);
        } else if (interrupts == 1 && !asked && fl_monotonic() - first >= grace) {
            fl_proc_kill(p, 0);
            asked = 1;
        }
        fl_wait(NULL, 0, 50);
    }
    if (rc < 0 && fl_proc_wait(p, ex) < 0) {
        memset(ex, 0, sizeof *ex);
        snprintf(ex->desc, sizeof ex->desc, "cannot wait for it");
    }
    return interrupts;
}

static int run_setup_command(const fl_dbset *set, fl_db_build *const *builds,
                             char *const *setup_argv, FILE *log, fl_error *err)
{
    char shown[600];
    describe_command(setup_argv, shown, sizeof shown);
    char **env = setup_environment(set, builds);
    if (!env)
        return fl_error_set(err, FL_ERR_NOMEM, "out of memory");
    if (log) {
        fprintf(log, "forkless: building the templates with the setup command '%s'\n", shown);
        fflush(log);
    }
    int interactive = fl_is_terminal(stdin) || fl_is_terminal(stdout) || fl_is_terminal(stderr);
    fl_spawn_opts so = {.argv = setup_argv, .envp = env, .stdin_null = 1, .new_group = !interactive};
    fl_proc *p;
    int rc = fl_spawn(&so, &p, err);
    fl_strv_free(env);
    if (rc != FL_OK)
        return fl_error_prefix(err, "setup command '%s'", shown);
    fl_exit ex;
    int interrupts = wait_for_setup(p, !interactive, &ex);
    fl_proc_free(p);
    if (interrupts)
        return fl_error_set(err, FL_ERR_INTERRUPTED,
                            "interrupted while preparing databases: the setup command '%s' was stopped (%s)", shown,
                            ex.desc);
    if (!ex.exited || ex.code != 0)
        return fl_error_set(err, FL_ERR_DB, "setup command '%s' failed (%s)", shown, ex.desc);
    return FL_OK;
}

/* ---- prepare_templates -------------------------------------------------------------------------- */

static int check_ready_templates(fl_dbset *set, fl_error *err)
{
    for (size_t i = 0; i < set->n; i++) {
        dbset_db *db = &set->dbs[i];
        int rc = db->target->engine->check_template(db->target, err);
        if (rc != FL_OK)
            return in_alias(set, db->alias, err);
    }
    return FL_OK;
}

/* Takes every template's build lock, in URL order so that two runs sharing templates
 * cannot deadlock. */
static int lock_templates(fl_dbset *set, fl_db_build **builds, fl_error *err)
{
    size_t *order = malloc((set->n ? set->n : 1) * sizeof *order);
    if (!order)
        return fl_error_set(err, FL_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < set->n; i++) { /* insertion sort by URL: a handful of aliases */
        size_t j = i;
        for (; j > 0 && strcmp(set->dbs[order[j - 1]].target->url, set->dbs[i].target->url) > 0; j--)
            order[j] = order[j - 1];
        order[j] = i;
    }
    int rc = FL_OK;
    for (size_t k = 0; k < set->n && rc == FL_OK; k++) {
        dbset_db *db = &set->dbs[order[k]];
        rc = db->target->engine->build_lock(db->target, &builds[order[k]], err);
        if (rc != FL_OK)
            in_alias(set, db->alias, err);
    }
    free(order);
    return rc;
}

static void release_builds(fl_dbset *set, fl_db_build **builds)
{
    for (size_t i = set->n; i-- > 0;)
        if (builds[i])
            set->dbs[i].target->engine->build_release(builds[i]);
}

static int all_reusable(const fl_dbset *set, fl_db_build *const *builds, const char *key)
{
    for (size_t i = 0; i < set->n; i++)
        if (!builds[i]->exists || strcmp(builds[i]->stored_key, key) != 0)
            return 0;
    return 1;
}

static int build_templates(fl_dbset *set, fl_db_build **builds, char *const *setup_argv,
                           const char *key, FILE *log, fl_error *err)
{
    int rc = FL_OK;
    for (size_t i = 0; i < set->n && rc == FL_OK; i++) {
        dbset_db *db = &set->dbs[i];
        rc = db->target->engine->build_begin(builds[i], set->run_id, err);
        if (rc != FL_OK)
            in_alias(set, db->alias, err);
    }
    double started = fl_monotonic();
    if (rc == FL_OK)
        rc = run_setup_command(set, builds, setup_argv, log, err);
    for (size_t i = 0; i < set->n && rc == FL_OK; i++) {
        dbset_db *db = &set->dbs[i];
        rc = db->target->engine->build_commit(builds[i], key, err);
        if (rc != FL_OK)
            in_alias(set, db->alias, err);
        else if (log)
            fprintf(log, "forkless: template %s built in %.2f s (key %.12s)\n", db->alias,
                    fl_monotonic() - started, key);
    }
    return rc;
}

static char **copy_argv(char *const *argv)
{
    size_t n = 0;
    while (argv[n])
        n++;
    char **copy = calloc(n + 1, sizeof *copy);
    for (size_t i = 0; copy && i < n; i++) {
        if (!(copy[i] = strdup(argv[i]))) {
            fl_strv_free(copy);
            return NULL;
        }
    }
    return copy;
}

int fl_dbset_prepare_templates(fl_dbset *set, char *const *setup_argv, char *const *input_globs,
                               size_t n_globs, int rebuild, FILE *log, fl_error *err)
{
    if (set->n == 0)
        return FL_OK;
    if (!setup_argv || !setup_argv[0])
        return check_ready_templates(set, err);
    if (!set->setup_argv && !(set->setup_argv = copy_argv(setup_argv)))
        return fl_error_set(err, FL_ERR_NOMEM, "out of memory");
    char key[65];
    int rc = compute_key(set, setup_argv, input_globs, n_globs, key, err);
    if (rc != FL_OK)
        return fl_error_prefix(err, "computing the template cache key");
    fl_db_build **builds = calloc(set->n, sizeof *builds);
    if (!builds)
        return fl_error_set(err, FL_ERR_NOMEM, "out of memory");
    rc = lock_templates(set, builds, err);
    if (rc == FL_OK && !rebuild && all_reusable(set, builds, key)) {
        for (size_t i = 0; log && i < set->n; i++)
            fprintf(log, "forkless: template %s reused (key %.12s)\n", set->dbs[i].alias, key);
    } else if (rc == FL_OK) {
        rc = build_templates(set, builds, setup_argv, key, log, err);
    }
    release_builds(set, builds);
    free(builds);
    return rc;
}

/* ---- clones --------------------------------------------------------------------------------------- */

static int drop_clone(dbset_db *db, int slot, fl_error *err)
{
    fl_db_cloned *c = db->clones ? db->clones[slot - 1] : NULL;
    if (!c)
        return FL_OK;
    int rc = db->target->engine->drop(c, err);
    db->target->engine->free_clone(c);
    db->clones[slot - 1] = NULL;
    return rc;
}

/* Makes slot's clone of every alias; on failure drops what it made. */
static int clone_slot(fl_dbset *set, int slot, fl_error *err)
{
    char slot_text[16];
    snprintf(slot_text, sizeof slot_text, "%d", slot);
    for (size_t i = 0; i < set->n; i++) {
        dbset_db *db = &set->dbs[i];
        int rc = db->target->engine->clone(db->run, slot_text, &db->clones[slot - 1], err);
        if (rc != FL_OK) {
            db->clones[slot - 1] = NULL;
            fl_error_prefix(err, "slot %d: cloning database '%s'", slot, db->alias);
            for (size_t j = 0; j < i; j++)
                drop_clone(&set->dbs[j], slot, NULL);
            return rc;
        }
    }
    return FL_OK;
}

typedef struct slot_job {
    fl_dbset *set;
    int slot;
    int rc;
    fl_error err;
} slot_job;

static void slot_job_run(void *arg)
{
    slot_job *job = arg;
    job->rc = clone_slot(job->set, job->slot, &job->err);
}

static int prepare_runs(fl_dbset *set, fl_error *err)
{
    for (size_t i = 0; i < set->n; i++) {
        dbset_db *db = &set->dbs[i];
        if (db->prepared)
            continue;
        db->run->setup_argv = set->setup_argv;
        db->run->env_name = db->env_name;
        int rc = db->target->engine->run_prepare(db->run, db->method, err);
        if (rc != FL_OK)
            return in_alias(set, db->alias, err);
        db->prepared = 1;
    }
    return FL_OK;
}

static int allocate_slots(fl_dbset *set, int nslots, fl_error *err)
{
    for (size_t i = 0; i < set->n; i++)
        if (!(set->dbs[i].clones = calloc((size_t)nslots, sizeof(fl_db_cloned *))))
            return fl_error_set(err, FL_ERR_NOMEM, "out of memory");
    set->nslots = nslots;
    return FL_OK;
}

int fl_dbset_clone_all(fl_dbset *set, int nslots, fl_error *err)
{
    if (nslots < 1)
        return fl_error_set(err, FL_ERR_USAGE, "cannot make clones for %d workers", nslots);
    if (set->nslots)
        return fl_error_set(err, FL_ERR_USAGE, "the clones of this run were already made");
    if (set->n == 0) {
        set->nslots = nslots;
        return FL_OK;
    }
    int rc = prepare_runs(set, err);
    if (rc == FL_OK)
        rc = allocate_slots(set, nslots, err);
    if (rc != FL_OK)
        return rc;
    slot_job *jobs = calloc((size_t)nslots, sizeof *jobs);
    fl_thread **threads = calloc((size_t)nslots, sizeof *threads);
    if (!jobs || !threads) {
        free(jobs);
        free(threads);
        return fl_error_set(err, FL_ERR_NOMEM, "out of memory");
    }
    for (int k = 0; k < nslots; k++) {
        jobs[k] = (slot_job){set, k + 1, FL_OK, {0}};
        if (fl_thread_start(&threads[k], slot_job_run, &jobs[k], NULL) != FL_OK) {
            threads[k] = NULL;
            slot_job_run(&jobs[k]); /* no thread to be had: do it here */
        }
    }
    for (int k = 0; k < nslots; k++)
        fl_thread_join(threads[k]);
    for (int k = 0; k < nslots && rc == FL_OK; k++)
        if (jobs[k].rc != FL_OK) {
            rc = jobs[k].rc;
            if (err)
                *err = jobs[k].err;
        }
    if (rc != FL_OK)
        for (int k = 1; k <= nslots; k++)
            for (size_t i = 0; i < set->n; i++)
                drop_clone(&set->dbs[i], k, NULL);
    free(jobs);
    free(threads);
    return rc;
}

int fl_dbset_reclone(fl_dbset *set, int slot, fl_error *err)
{
    if (slot < 1 || slot > set->nslots)
        return fl_error_set(err, FL_ERR_USAGE, "no slot %d to re-clone (the run has %d)", slot,
                            set->nslots);
    for (size_t i = 0; i < set->n; i++) {
        int rc = drop_clone(&set->dbs[i], slot, err);
        if (rc != FL_OK)
            return fl_error_prefix(err, "slot %d: dropping database '%s'", slot, set->dbs[i].alias);
    }
    return clone_slot(set, slot, err);
}

/* ---- worker environment ------------------------------------------------------------------------------ */

static int report(fl_env_cb cb, void *ud, const char *name, const char *value, fl_error *err)
{
    int rc = cb(ud, name, value);
    if (rc != 0)
        return fl_error_set(err, rc < 0 ? rc : FL_ERR_NOMEM, "cannot set %s for a worker", name);
    return FL_OK;
}

int fl_dbset_worker_env(fl_dbset *set, int slot, fl_env_cb cb, void *ud, fl_error *err)
{
    if (set->n && (slot < 1 || slot > set->nslots))
        return fl_error_set(err, FL_ERR_USAGE, "no clones for slot %d (the run has %d)", slot,
                            set->nslots);
    for (size_t i = 0; i < set->n; i++) {
        dbset_db *db = &set->dbs[i];
        const fl_db_cloned *c = db->clones[slot - 1];
        if (!c)
            return fl_error_set(err, FL_ERR_DB, "slot %d has no clone of database '%s'", slot,
                                db->alias);
        char name[300];
        int rc = report(cb, ud, db->env_name, c->url, err);
        snprintf(name, sizeof name, "%s_NAME", db->env_name);
        if (rc == FL_OK)
            rc = report(cb, ud, name, c->name, err);
        snprintf(name, sizeof name, "%s_METHOD", db->env_name);
        if (rc == FL_OK)
            rc = report(cb, ud, name, c->method, err);
        if (rc == FL_OK && strcmp(db->alias, "default") == 0)
            rc = report(cb, ud, "DATABASE_URL", c->url, err);
        if (rc == FL_OK && db->target->engine->worker_env)
            rc = db->target->engine->worker_env(c, cb, ud, err);
        if (rc != FL_OK)
            return rc;
    }
    return FL_OK;
}

/* ---- teardown ------------------------------------------------------------------------------------------ */

int fl_dbset_teardown(fl_dbset *set, int keep, FILE *log, fl_error *err)
{
    int rc = FL_OK;
    if (set->torn_down)
        return FL_OK;
    set->torn_down = 1;
    for (size_t i = 0; i < set->n; i++) {
        dbset_db *db = &set->dbs[i];
        int kept_any = 0;
        for (int k = 1; keep && k <= set->nslots && db->clones; k++) {
            fl_db_cloned *c = db->clones[k - 1];
            if (!c)
                continue;
            char shown[1024];
            fl_db_redact_url(c->url, shown, sizeof shown);
            if (log)
                fprintf(log, "forkless: kept %s clone of slot %d: %s\n", db->alias, k, shown);
            db->target->engine->free_clone(c);
            db->clones[k - 1] = NULL;
            kept_any = 1;
        }
        for (int k = 1; k <= set->nslots && db->clones; k++) {
            int one = drop_clone(db, k, rc == FL_OK ? err : NULL);
            if (rc == FL_OK && one != FL_OK)
                rc = fl_error_prefix(err, "database '%s', slot %d", db->alias, k);
        }
        if (db->run) {
            int one = db->target->engine->run_end(db->run, kept_any, rc == FL_OK ? err : NULL);
            db->run = NULL;
            if (rc == FL_OK && one != FL_OK)
                rc = in_alias(set, db->alias, err);
        }
    }
    return rc;
}

void fl_dbset_free(fl_dbset *set)
{
    if (!set)
        return;
    if (!set->torn_down)
        fl_dbset_teardown(set, 0, NULL, NULL);
    for (size_t i = 0; i < set->n; i++) {
        dbset_db *db = &set->dbs[i];
        if (db->target)
            db->target->engine->free_target(db->target);
        free(db->clones);
        free(db->alias);
        free(db->env_name);
    }
    free(set->dbs);
    free(set->state_dir);
    fl_strv_free(set->setup_argv);
    free(set);
}
