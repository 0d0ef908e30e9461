/*
 * oracle.c — the Oracle engine (engine.h).  Oracle has no separate databases under one
 * user, so a template is a user (schema) — TEST_<USER> by default, as Django names its
 * test user, or ?template=NAME — on the database the URL connects to, and a clone is made
 * by one of three methods (oracle_copy.c), "auto" choosing the first the server and the
 * URL's user allow, in this order:
 *   schema  — a user "<TEMPLATE>_FL_<RUN>_<SLOT>" with its own tablespaces, the template's
 *             privileges, and the template's objects and data copied server-side
 *             (DBMS_METADATA, or Data Pump over a loopback link with ?schema_copy=datapump);
 *   pdb     — a pluggable database "<PDB>_FL_<RUN>_<SLOT>" cloned from the one the URL
 *             connects to (SNAPSHOT COPY where the storage allows), the template user's
 *             password reset inside it;
 *   migrate — an empty user per worker filled by re-running the setup command.
 * Every statement goes through the session interface of oracle_int.h, so the unit tests
 * replay the whole engine against a recording fake.
 *
 * The URL's user is an administrator (CREATE USER, tablespaces, DBMS_METADATA on other
 * schemas...; docs/oracle.md lists the privileges of each method).  Generated users get
 * random passwords that appear only in the clone URLs handed to workers, never in a
 * message.  Names are upper case and fit the server's identifier limit (30 bytes before
 * 12.2, 128 from 12.2; 30 for pluggable databases).
 *
 * Built templates.  Users cannot be renamed, so a template built by the setup command stays
 * the user it was built as, "<TEMPLATE>_FL_<RUN>_BUILD" (locked after the build), and the
 * table FORKLESS_TEMPLATES in the administrator's schema maps the template name to it and
 * its cache key; committing a build is one MERGE of that row.  FORKLESS_KEPT lists kept
 * clones (--keep, `forkless db clone`), which gc leaves alone.
 *
 * Liveness: a run holds the DBMS_LOCK lock 'forkless-run-<run>' in shared mode on a
 * session it keeps for its whole life (every template of the run takes it on its own
 * session; shared holders do not conflict); the server releases it when that session
 * ends, however the process died.  gc asks for the lock in exclusive mode without waiting:
 * refused means alive.  Concurrent builders of one template serialise on the exclusive
 * lock 'forkless-build-<template>'.  Both need EXECUTE on SYS.DBMS_LOCK.
 */
#include <ctype.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/engine.h"
#include "db/oracle_int.h"
#include "platform/platform.h"

enum { KIND_SCHEMA, KIND_PDB, KIND_MIGRATE };

static const char *const oracle_methods[] = {"auto", "schema", "pdb", "migrate", NULL};
static const char *const oracle_schemes[] = {"oracle", NULL};
static const char *const kind_names[] = {"schema", "pdb", "migrate"};

static const int ok_exists[] = {955, 0};
static const int ok_missing_table[] = {942, 0};

typedef struct ora_target {
    ora_url url;
    int facts_known;
    ora_server sv;
} ora_target;

typedef struct ora_run {
    ora_db lock;             /* holds the run's DBMS_LOCK lock */
    ora_server sv;
    char *source;            /* the user clones are copied from */
    int kind;
    char link[ORA_NAME_MAX_NEW + 1]; /* the Data Pump loopback link, "" when none */
    atomic_int snapshot;     /* pdb: ORA_SNAPSHOT_* (auto settles on the first clone) */
    char **setup_argv;       /* migrate: the command that fills a clone */
    char *setup_var;         /* migrate: the variable that names the clone to it */
} ora_run;

typedef struct ora_build {
    ora_db db;               /* holds the template's build lock */
    char *previous;          /* the user the template name pointed at, or NULL */
    int begun, committed;
} ora_build;

typedef struct ora_clone {
    int pdb;                 /* a pluggable database; else a user */
    char *admin_url;         /* the template URL: who may drop it */
} ora_clone;

static ora_url *url_of(const fl_db_target *t) { return &((ora_target *)t->priv)->url; }

static int nomem(fl_error *err) { return fl_error_set(err, FL_ERR_NOMEM, "out of memory"); }

/* ---- targets ------------------------------------------------------------------------------ */

static void oracle_free_target(fl_db_target *t)
{
    if (!t)
        return;
    if (t->priv) {
        ora_url_free(url_of(t));
        free(t->priv);
    }
    free(t->url);
    free(t->redacted);
    free(t->name);
    free(t);
}

static int oracle_parse_url(const fl_db_engine *e, const char *url, fl_db_target **out,
                            fl_error *err)
{
    char shown[1024];
    fl_db_redact_url(url, shown, sizeof shown);
    fl_db_target *t = calloc(1, sizeof *t);
    ora_target *ot = calloc(1, sizeof *ot);
    if (!t || !ot) {
        free(t);
        free(ot);
        return nomem(err);
    }
    t->engine = e;
    t->priv = ot;
    int rc = ora_url_parse(url, &ot->url, shown, err);
    if (rc == FL_OK && !ot->url.template_user)
        rc = fl_error_set(err, FL_ERR_USAGE,
                          "Oracle URL '%s': 'TEST_' and the user name do not make a template "
                          "user name; name one with ?template=NAME",
                          shown);
    if (rc == FL_OK) {
        t->url = strdup(url);
        t->redacted = strdup(shown);
        t->name = strdup(ot->url.template_user);
        if (!t->url || !t->redacted || !t->name)
            rc = nomem(err);
    }
    if (rc != FL_OK) {
        oracle_free_target(t);
        return rc;
    }
    *out = t;
    return FL_OK;
}

static int connect_target(const fl_db_target *t, ora_db *db, fl_error *err)
{
    return ora_open(url_of(t), t->redacted, db, err);
}

/* The server's facts, read once per target (called only from single-threaded steps). */
static int target_facts(fl_db_target *t, ora_db *db, fl_error *err)
{
    ora_target *ot = t->priv;
    if (ot->facts_known)
        return FL_OK;
    int rc = ora_server_facts(db, &ot->sv, err);
    if (rc == FL_OK)
        ot->facts_known = 1;
    return rc;
}

static size_t user_name_limit(const ora_server *sv) { return sv->name_max - ORA_TEMP_SUFFIX_LEN; }

static ora_user_opts user_opts(const ora_url *u)
{
    return (ora_user_opts){u->datafiles, u->tablespace_size, u->tablespace_maxsize};
}

/* ---- bookkeeping tables --------------------------------------------------------------------- */

static int ensure_meta(ora_db *db, fl_error *err)
{
    static const char *const ddl[] = {
        "CREATE TABLE \"FORKLESS_TEMPLATES\" (\"NAME\" VARCHAR2(128) PRIMARY KEY, \"ACTUAL\" "
        "VARCHAR2(128) NOT NULL, \"CACHE_KEY\" VARCHAR2(72) NOT NULL, \"BUILT_AT\" TIMESTAMP "
        "NOT NULL)",
        "CREATE TABLE \"FORKLESS_KEPT\" (\"NAME\" VARCHAR2(128) PRIMARY KEY, \"KEPT_AT\" "
        "TIMESTAMP NOT NULL)",
    };
    for (size_t i = 0; i < sizeof ddl / sizeof ddl[0]; i++) {
        int rc = ora_exec_allow(db, ddl[i], ok_exists,
                                "cannot create forkless's bookkeeping tables in the URL user's "
                                "schema",
                                err);
        if (rc != FL_OK)
            return rc;
    }
    return FL_OK;
}

/* The template's row in FORKLESS_TEMPLATES: *actual (NULL when none) and key (may be NULL). */
static int lookup_template(ora_db *db, const char *name, char **actual, char key[72],
                           fl_error *err)
{
    *actual = NULL;
    if (key)
        key[0] = 0;
    fl_db_buf b = {0};
    fl_db_buf_puts(&b, "SELECT \"ACTUAL\", \"CACHE_KEY\" FROM \"FORKLESS_TEMPLATES\" WHERE \"NAME\" = ");
    ora_buf_literal(&b, name);
    ora_rows rows;
    fl_error one = {0};
    int rc = ora_query_buf(db, &b, &rows, "reading FORKLESS_TEMPLATES", &one);
    if (rc != FL_OK) {
        if (db->last_code == 942)
            return FL_OK; /* no bookkeeping yet: nothing was built here */
        if (err)
            *err = one;
        return rc;
    }
    const char *a = ora_cell(&rows, 0, 0), *k = ora_cell(&rows, 0, 1);
    if (a && !(*actual = strdup(a)))
        rc = nomem(err);
    if (a && key && k)
        snprintf(key, 72, "%s", k);
    ora_rows_free(&rows);
    return rc;
}

/* The names in FORKLESS_KEPT (an empty list when there is no such table). */
static int read_kept(ora_db *db, ora_rows *rows, fl_error *err)
{
    fl_error one = {0};
    int rc = ora_query(db, "SELECT \"NAME\" FROM \"FORKLESS_KEPT\"", rows,
                       "reading FORKLESS_KEPT", &one);
    if (rc != FL_OK && db->last_code == 942)
        return FL_OK;
    if (rc != FL_OK && err)
        *err = one;
    return rc;
}

static int is_listed(const ora_rows *rows, const char *name)
{
    for (size_t i = 0; i < rows->nrows; i++) {
        const char *v = ora_cell(rows, i, 0);
        if (v && strcmp(v, name) == 0)
            return 1;
    }
    return 0;
}

static int mark_kept(ora_db *db, const char *name, fl_error *err)
{
    fl_db_buf b = {0};
    fl_db_buf_puts(&b, "MERGE INTO \"FORKLESS_KEPT\" K USING (SELECT ");
    ora_buf_literal(&b, name);
    fl_db_buf_puts(&b, " AS \"NAME\" FROM DUAL) S ON (K.\"NAME\" = S.\"NAME\") WHEN NOT MATCHED "
                     "THEN INSERT (\"NAME\", \"KEPT_AT\") VALUES (S.\"NAME\", SYSTIMESTAMP)");
    return ora_exec_buf(db, &b, NULL, "cannot record a kept clone in FORKLESS_KEPT", err);
}

static int forget_kept(ora_db *db, const char *name, fl_error *err)
{
    fl_db_buf b = {0};
    fl_db_buf_puts(&b, "DELETE FROM \"FORKLESS_KEPT\" WHERE \"NAME\" = ");
    ora_buf_literal(&b, name);
    return ora_exec_buf(db, &b, ok_missing_table, "cannot update FORKLESS_KEPT", err);
}

/* The user clones are made from: the template's newest build, or the user itself. */
static int resolve_source(ora_db *db, const fl_db_target *t, char **source, fl_error *err)
{
    char *actual = NULL;
    int exists = 0;
    int rc = lookup_template(db, t->name, &actual, NULL, err);
    if (rc != FL_OK)
        return rc;
    const char *name = actual ? actual : t->name;
    rc = ora_user_exists(db, name, &exists, err);
    if (rc == FL_OK && !exists)
        rc = actual ? fl_error_set(err, FL_ERR_DB,
                                   "template database '%s' does not exist (its build, user %s, "
                                   "is gone; rebuild it with the setup command) on '%s'",
                                   t->name, actual, t->redacted)
                    : fl_error_set(err, FL_ERR_DB,
                                   "template database '%s' does not exist (no user of that "
                                   "name on '%s')",
                                   t->name, t->redacted);
    if (rc == FL_OK && !(*source = strdup(name)))
        rc = nomem(err);
    free(actual);
    return rc;
}

static int oracle_check_template(fl_db_target *t, fl_error *err)
{
    ora_db db;
    int rc = connect_target(t, &db, err);
    if (rc != FL_OK)
        return rc;
    char *source = NULL;
    rc = resolve_source(&db, t, &source, err);
    free(source);
    ora_close(&db);
    return rc;
}

/* ---- DBMS_LOCK ------------------------------------------------------------------------------ */

static uint32_t fnv1a32(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

/* Takes lock name in mode (S_MODE or X_MODE), waiting up to timeout seconds; a refusal is
 * raised as ORA-20101 (and, with alive_code, as that code instead). */
static int request_lock(ora_db *db, const char *name, const char *mode, int timeout,
                        const char *what, fl_error *err)
{
    fl_db_buf b = {0};
    fl_db_buf_puts(&b, "DECLARE h VARCHAR2(128); r INTEGER; BEGIN DBMS_LOCK.ALLOCATE_UNIQUE(");
    ora_buf_literal(&b, name);
    fl_db_buf_printf(&b, ", h); r := DBMS_LOCK.REQUEST(h, DBMS_LOCK.%s, %d, FALSE); IF r NOT IN "
                       "(0, 4) THEN RAISE_APPLICATION_ERROR(-20101, 'lock ' || ",
                   mode, timeout);
    ora_buf_literal(&b, name);
    fl_db_buf_puts(&b, " || ' not granted: DBMS_LOCK.REQUEST returned ' || r); END IF; END;");
    return ora_exec_buf(db, &b, NULL, what, err);
}

static void run_lock_name(const char *run_id, char out[64])
{
    snprintf(out, 64, "forkless-run-%s", run_id);
}

static void build_lock_name(const char *template_name, char out[160])
{
    snprintf(out, 160, "forkless-build-%.100s-%08x", template_name,
             (unsigned)fnv1a32(template_name));
}

/* 1 in *alive when some session holds run_id's lock. */
static int run_is_alive(ora_db *db, const char *run_id, int *alive, fl_error *err)
{
    char name[64];
    run_lock_name(run_id, name);
    fl_db_buf b = {0};
    fl_db_buf_puts(&b, "DECLARE h VARCHAR2(128); r INTEGER; BEGIN DBMS_LOCK.ALLOCATE_UNIQUE(");
    ora_buf_literal(&b, name);
    fl_db_buf_puts(&b, ", h); r := DBMS_LOCK.REQUEST(h, DBMS_LOCK.X_MODE, 0, FALSE); IF r = 0 "
                     "THEN r := DBMS_LOCK.RELEASE(h); ELSIF r = 1 THEN "
                     "RAISE_APPLICATION_ERROR(-20100, 'alive'); ELSE "
                     "RAISE_APPLICATION_ERROR(-20101, 'DBMS_LOCK.REQUEST returned ' || r); END "
                     "IF; END;");
    fl_error one = {0};
    int rc = ora_exec_buf(db, &b, NULL, "testing whether a run is alive", &one);
    *alive = rc != FL_OK && db->last_code == 20100;
    if (rc != FL_OK && !*alive) {
        if (err)
            *err = one;
        return rc;
    }
    return FL_OK;
}

/* ---- template builds ----------------------------------------------------------------------- */

static void free_build(fl_db_build *b)
{
    ora_build *ob = b->priv;
    ora_close(&ob->db);
    free(ob->previous);
    free(ob);
    free(b->url);
    free(b->name);
    free(b);
}

static int oracle_build_lock(fl_db_target *t, fl_db_build **out, fl_error *err)
{
    fl_db_build *b = calloc(1, sizeof *b);
    ora_build *ob = calloc(1, sizeof *ob);
    if (!b || !ob) {
        free(b);
        free(ob);
        return nomem(err);
    }
    b->target = t;
    b->priv = ob;
    char lock[160];
    build_lock_name(t->name, lock);
    int rc = connect_target(t, &ob->db, err);
    if (rc == FL_OK)
        rc = target_facts(t, &ob->db, err);
    if (rc == FL_OK)
        rc = request_lock(&ob->db, lock, "X_MODE", 3600, "waiting for the template's build lock",
                          err);
    if (rc == FL_OK)
        rc = lookup_template(&ob->db, t->name, &ob->previous, b->stored_key, err);
    int exists = 0;
    if (rc == FL_OK)
        rc = ora_user_exists(&ob->db, ob->previous ? ob->previous : t->name, &exists, err);
    b->exists = exists;
    if (rc != FL_OK) {
        free_build(b);
        return rc;
    }
    *out = b;
    return FL_OK;
}

static int oracle_build_begin(fl_db_build *b, const char *run_id, fl_error *err)
{
    ora_build *ob = b->priv;
    ora_target *ot = b->target->priv;
    char name[ORA_NAME_MAX_NEW + 1], password[31];
    int rc = ora_name_make(name, sizeof name, user_name_limit(&ot->sv), b->target->name, run_id,
                           "build", err);
    if (rc == FL_OK)
        rc = ora_password(password, err);
    if (rc == FL_OK)
        rc = ora_drop_user(&ob->db, name, err); /* a leftover of a crashed build of this run id */
    ora_user_opts o = user_opts(&ot->url);
    if (rc == FL_OK)
        rc = ora_create_user(&ob->db, &o, name, password, NULL, err);
    if (rc != FL_OK)
        return rc;
    ob->begun = 1;
    b->name = strdup(name);
    b->url = ora_url_make(name, password, ot->url.connect_raw);
    return b->name && b->url ? FL_OK : nomem(err);
}

static int oracle_build_commit(fl_db_build *b, const char *key, fl_error *err)
{
    ora_build *ob = b->priv;
    int exists = 0;
    int rc = ora_user_exists(&ob->db, b->name, &exists, err);
    if (rc == FL_OK && !exists)
        return fl_error_set(err, FL_ERR_DB,
                            "the template user %s is gone: the setup command dropped it",
                            b->name);
    fl_db_buf sql = {0};
    fl_db_buf_puts(&sql, "ALTER USER ");
    ora_buf_ident(&sql, b->name);
    fl_db_buf_puts(&sql, " ACCOUNT LOCK");
    if (rc == FL_OK)
        rc = ora_exec_buf(&ob->db, &sql, NULL, "cannot lock the built template user", err);
    else
        fl_db_buf_free(&sql);
    if (rc == FL_OK)
        rc = ensure_meta(&ob->db, err);
    fl_db_buf_puts(&sql, "MERGE INTO \"FORKLESS_TEMPLATES\" M USING (SELECT ");
    ora_buf_literal(&sql, b->target->name);
    fl_db_buf_puts(&sql, " AS \"NAME\", ");
    ora_buf_literal(&sql, b->name);
    fl_db_buf_puts(&sql, " AS \"ACTUAL\", ");
    ora_buf_literal(&sql, key);
    fl_db_buf_puts(&sql, " AS \"CACHE_KEY\" FROM DUAL) S ON (M.\"NAME\" = S.\"NAME\") WHEN MATCHED "
                       "THEN UPDATE SET M.\"ACTUAL\" = S.\"ACTUAL\", M.\"CACHE_KEY\" = "
                       "S.\"CACHE_KEY\", M.\"BUILT_AT\" = SYSTIMESTAMP WHEN NOT MATCHED THEN "
                       "INSERT (\"NAME\", \"ACTUAL\", \"CACHE_KEY\", \"BUILT_AT\") VALUES "
                       "(S.\"NAME\", S.\"ACTUAL\", S.\"CACHE_KEY\", SYSTIMESTAMP)");
    if (rc == FL_OK)
        rc = ora_exec_buf(&ob->db, &sql, NULL, "cannot record the template in FORKLESS_TEMPLATES",
                          err);
    else
        fl_db_buf_free(&sql);
    if (rc != FL_OK)
        return rc;
    ob->committed = 1;
    /* The superseded build (only ever one of our names): a run still copying from it fails
     * cleanly rather than seeing a mix. */
    char stem[ORA_NAME_MAX_NEW + 1], run[FL_DB_RUN_ID_MAX + 1], slot[FL_DB_SLOT_MAX + 1];
    const char *tail;
    if (ob->previous && strcmp(ob->previous, b->name) != 0 &&
        ora_name_parse(ob->previous, stem, sizeof stem, run, slot, &tail) && !*tail &&
        ora_name_belongs(stem, b->target->name))
        ora_drop_user(&ob->db, ob->previous, NULL);
    return FL_OK;
}

static void oracle_build_release(fl_db_build *b)
{
    if (!b)
        return;
    ora_build *ob = b->priv;
    if (ob->begun && !ob->committed && b->name)
        ora_drop_user(&ob->db, b->name, NULL);
    free_build(b); /* ends the session: the build lock goes with it */
}

/* ---- runs ---------------------------------------------------------------------------------------- */

static void free_run(fl_db_run *r)
{
    ora_run *mr = r->priv;
    ora_close(&mr->lock);
    free(mr->source);
    fl_strv_free(mr->setup_argv);
    free(mr->setup_var);
    free(mr);
    free(r);
}

static int oracle_run_register(fl_db_target *t, const char *run_id, fl_db_run **out,
                               fl_error *err)
{
    fl_db_run *r = calloc(1, sizeof *r);
    ora_run *mr = calloc(1, sizeof *mr);
    if (!r || !mr) {
        free(r);
        free(mr);
        return nomem(err);
    }
    r->target = t;
    r->priv = mr;
    snprintf(r->run_id, sizeof r->run_id, "%s", run_id);
    char lock[64];
    run_lock_name(run_id, lock);
    int rc = connect_target(t, &mr->lock, err);
    /* Shared: the run's other templates take it too; gc's exclusive probe may hold it for
     * an instant, hence the short wait. */
    if (rc == FL_OK)
        rc = request_lock(&mr->lock, lock, "S_MODE", 10, "registering the run", err);
    if (rc != FL_OK) {
        free_run(r);
        return rc;
    }
    *out = r;
    return FL_OK;
}

/* The enabled privileges and roles of the session. */
static int session_rights(ora_db *db, ora_rows *rows, fl_error *err)
{
    return ora_query(db, "SELECT PRIVILEGE FROM SESSION_PRIVS UNION SELECT ROLE FROM "
                         "SESSION_ROLES",
                     rows, "reading the URL user's privileges", err);
}

static const char *const user_rights[] = {"CREATE USER", "DROP USER", "CREATE TABLESPACE",
                                          "DROP TABLESPACE", "GRANT ANY PRIVILEGE", NULL};
static const char *const metadata_rights[] = {
    "CREATE ANY TABLE",   "ALTER ANY TABLE",     "INSERT ANY TABLE",     "SELECT ANY TABLE",
    "CREATE ANY INDEX",   "CREATE ANY SEQUENCE", "CREATE ANY VIEW",      "CREATE ANY SYNONYM",
    "CREATE ANY PROCEDURE", "CREATE ANY TRIGGER", "CREATE ANY TYPE",     "COMMENT ANY TABLE",
    "ALTER ANY PROCEDURE", "SELECT ANY DICTIONARY", "GRANT ANY OBJECT PRIVILEGE",
    "SELECT_CATALOG_ROLE", NULL};
static const char *const datapump_rights[] = {"DATAPUMP_IMP_FULL_DATABASE",
                                              "DATAPUMP_EXP_FULL_DATABASE", "CREATE DATABASE LINK",
                                              "SELECT ANY DICTIONARY", NULL};
static const char *const pdb_rights[] = {"CREATE PLUGGABLE DATABASE", "SET CONTAINER", NULL};

/* Adds to missing each of need the session does not have (*count of them). */
static void missing_rights(const ora_rows *have, const char *const *need, fl_db_buf *missing,
                           size_t *count)
{
    enum { NAMED = 4 }; /* messages stay readable: the rest are counted */
    for (size_t i = 0; need[i]; i++)
        if (!is_listed(have, need[i]) && (*count)++ < NAMED)
            fl_db_buf_printf(missing, "%s%s", missing->len ? ", " : "", need[i]);
}

/* The migrate method's command: FORKLESS_ORACLE_SETUP (see docs/oracle.md). */
/* The command that fills a migrate clone: the run's setup command; for a standalone
 * `db clone` (which has none) FORKLESS_ORACLE_SETUP may give one. */
static int migrate_command(fl_db_run *r, ora_run *mr, fl_error *err)
{
    size_t argc = 0;
    if (r->setup_argv && r->setup_argv[0]) {
        while (r->setup_argv[argc])
            argc++;
        mr->setup_argv = calloc(argc + 1, sizeof *mr->setup_argv);
        for (size_t i = 0; mr->setup_argv && i < argc; i++)
            mr->setup_argv[i] = strdup(r->setup_argv[i]);
        if (!mr->setup_argv)
            return nomem(err);
    } else {
        const char *line = getenv("FORKLESS_ORACLE_SETUP");
        if (!line || !*line)
            return FL_OK;
        int rc = fl_split_command(line, &mr->setup_argv, &argc, err);
        if (rc != FL_OK)
            return fl_error_prefix(err, "FORKLESS_ORACLE_SETUP");
    }
    const char *var = r->env_name ? r->env_name : getenv("FORKLESS_ORACLE_SETUP_VAR");
    mr->setup_var = strdup(var && *var ? var : "FORKLESS_DB_DEFAULT");
    if (argc == 0) {
        fl_strv_free(mr->setup_argv);
        mr->setup_argv = NULL;
    }
    return mr->setup_var ? FL_OK : nomem(err);
}

/* Why kind cannot be used here ("" when it can), given the session's rights. */
static int why_not(fl_db_run *r, int kind, const ora_rows *rights, fl_db_buf *why, fl_error *err)
{
    ora_run *mr = r->priv;
    const ora_url *u = url_of(r->target);
    fl_db_buf missing = {0};
    size_t nmissing = 0;
    int sys = strcmp(mr->lock.user, "SYS") == 0;
    if (kind == KIND_PDB) {
        if (mr->sv.con_id <= 2)
            fl_db_buf_puts(why, mr->sv.con_id == 1
                                  ? "the URL connects to the CDB root, not to a pluggable database"
                              : mr->sv.major < 12
                                  ? "the URL connects to a pre-12c database (no PDBs)"
                                  : "the URL connects to a database that is not a container "
                                    "database (no PDBs)");
        else if (!u->easy)
            fl_db_buf_puts(why, "the URL names a TNS alias; a clone's URL needs host:port/service");
        else if (!sys)
            missing_rights(rights, pdb_rights, &missing, &nmissing);
    } else {
        if (!sys)
            missing_rights(rights, user_rights, &missing, &nmissing);
        if (kind == KIND_SCHEMA && !sys)
            missing_rights(rights, u->datapump ? datapump_rights : metadata_rights, &missing,
                           &nmissing);
        if (kind == KIND_MIGRATE && !mr->setup_argv)
            fl_db_buf_puts(why, "no setup command to fill each clone with (FORKLESS_ORACLE_SETUP)");
    }
    if (nmissing > 4)
        fl_db_buf_printf(why, "%sthe user %s lacks %s and %zu more privileges (docs/oracle.md "
                       "lists them)",
                       why->len ? "; " : "", mr->lock.user, missing.s, nmissing - 4);
    else if (nmissing)
        fl_db_buf_printf(why, "%sthe user %s lacks %s", why->len ? "; " : "", mr->lock.user,
                       missing.s);
    fl_db_buf_free(&missing);
    if (kind == KIND_SCHEMA && !why->len) {
        char *problems = NULL;
        int rc = ora_schema_check(&mr->lock, &mr->sv, mr->source, u->datapump, &problems, err);
        if (rc != FL_OK)
            return rc;
        if (problems)
            fl_db_buf_puts(why, problems);
        free(problems);
    }
    return why->failed ? nomem(err) : FL_OK;
}

/* Picks the method: the one asked for, or for "auto" the first usable of schema, pdb,
 * migrate. */
static int choose_kind(fl_db_run *r, const char *method, fl_error *err)
{
    ora_run *mr = r->priv;
    ora_rows rights;
    int rc = session_rights(&mr->lock, &rights, err);
    if (rc != FL_OK)
        return rc;
    int auto_pick = strcmp(method, "auto") == 0;
    fl_db_buf reasons = {0};
    rc = FL_ERR_DB;
    for (int kind = KIND_SCHEMA; kind <= KIND_MIGRATE; kind++) {
        if (!auto_pick && strcmp(kind_names[kind], method) != 0)
            continue;
        fl_db_buf why = {0};
        int one = why_not(r, kind, &rights, &why, err);
        if (one != FL_OK) {
            fl_db_buf_free(&why);
            rc = one;
            break;
        }
        if (!why.len) {
            mr->kind = kind;
            fl_db_buf_free(&why);
            rc = FL_OK;
            break;
        }
        fl_db_buf_printf(&reasons, "%s%s: %s", reasons.len ? "; " : "", kind_names[kind], why.s);
        fl_db_buf_free(&why);
    }
    if (rc == FL_ERR_DB && reasons.len && auto_pick)
        fl_error_set(err, FL_ERR_DB,
                     "no clone method is usable for '%s' (auto tried them in turn: %s)",
                     r->target->redacted, reasons.s);
    else if (rc == FL_ERR_DB && reasons.len)
        fl_error_set(err, FL_ERR_DB, "the %s method cannot be used for '%s': %s", method,
                     r->target->redacted, reasons.s + strlen(method) + 2);
    fl_db_buf_free(&reasons);
    ora_rows_free(&rights);
    return rc;
}

static int oracle_run_prepare(fl_db_run *r, const char *method, fl_error *err)
{
    ora_run *mr = r->priv;
    const ora_url *u = url_of(r->target);
    const char *m;
    int rc = fl_db_resolve_method(r->target->engine, method, &m, r->target->redacted, err);
    if (rc == FL_OK)
        rc = target_facts(r->target, &mr->lock, err);
    if (rc != FL_OK)
        return rc;
    mr->sv = ((ora_target *)r->target->priv)->sv;
    free(mr->source);
    mr->source = NULL;
    if (strcmp(m, "migrate") != 0)
        rc = resolve_source(&mr->lock, r->target, &mr->source, err);
    if (rc == FL_OK && !mr->setup_argv)
        rc = migrate_command(r, mr, err);
    if (rc == FL_OK)
        rc = choose_kind(r, m, err);
    if (rc != FL_OK)
        return rc;
    snprintf(r->method, sizeof r->method, "%s", kind_names[mr->kind]);
    atomic_store(&mr->snapshot, u->snapshot);
    if (mr->kind == KIND_SCHEMA && u->datapump && !mr->link[0]) {
        char link[ORA_NAME_MAX_NEW + 1];
        rc = ora_name_make(link, sizeof link, mr->sv.name_max, r->target->name, r->run_id,
                           "link", err);
        if (rc == FL_OK)
            rc = ora_drop_link(&mr->lock, link, err);
        if (rc == FL_OK)
            rc = ora_create_link(&mr->lock, link, mr->lock.user, u->password,
                                 u->loopback ? u->loopback : u->connect, err);
        if (rc == FL_OK)
            snprintf(mr->link, sizeof mr->link, "%s", link);
    }
    return rc;
}

/* ---- clones ---------------------------------------------------------------------------------------- */

static fl_db_cloned *new_clone(const fl_db_run *r, const char *name, char *url, int pdb)
{
    fl_db_cloned *c = calloc(1, sizeof *c);
    ora_clone *oc = calloc(1, sizeof *oc);
    if (!c || !oc || !url) {
        free(c);
        free(oc);
        free(url);
        return NULL;
    }
    c->engine = r->target->engine;
    c->url = url;
    c->name = strdup(name);
    c->priv = oc;
    oc->pdb = pdb;
    oc->admin_url = strdup(r->target->url);
    snprintf(c->method, sizeof c->method, "%s", r->method);
    if (!c->name || !oc->admin_url) {
        free(c->url);
        free(c->name);
        free(oc->admin_url);
        free(oc);
        free(c);
        return NULL;
    }
    return c;
}

/* The schema method's copy into the new user name. */
static int schema_copy(fl_db_run *r, ora_db *db, const char *name, fl_error *err)
{
    ora_run *mr = r->priv;
    const ora_url *u = url_of(r->target);
    int rc = u->datapump ? ora_copy_datapump(db, mr->source, name, mr->link, err)
                         : ora_copy_metadata(db, &mr->sv, mr->source, name, err);
    if (rc == FL_OK)
        rc = ora_verify_copy(db, mr->source, name, err);
    return rc;
}

/* The migrate method's command, with the clone named in its environment. */
static int run_migrate_command(const ora_run *mr, const char *url, const char *name,
                               fl_error *err)
{
    size_t n = 0;
    char **env = fl_environ();
    while (env[n])
        n++;
    char **e = calloc(n + 4, sizeof *e);
    if (!e)
        return nomem(err);
    size_t k = 0, vlen = strlen(mr->setup_var);
    int is_default = strcmp(mr->setup_var, "FORKLESS_DB_DEFAULT") == 0;
    for (size_t i = 0; i < n; i++) {
        int ours = strncmp(env[i], mr->setup_var, vlen) == 0 &&
                   (env[i][vlen] == '=' || strncmp(env[i] + vlen, "_NAME=", 6) == 0);
        if (!ours && !(is_default && strncmp(env[i], "DATABASE_URL=", 13) == 0))
            e[k++] = strdup(env[i]);
    }
    e[k++] = fl_db_strdupf("%s=%s", mr->setup_var, url);
    e[k++] = fl_db_strdupf("%s_NAME=%s", mr->setup_var, name);
    if (is_default)
        e[k++] = fl_db_strdupf("DATABASE_URL=%s", url);
    int failed = 0;
    for (size_t i = 0; i < k; i++)
        failed |= e[i] == NULL;
    fl_exit ex;
    int rc = failed ? nomem(err) : fl_run_command(mr->setup_argv, e, &ex, err);
    for (size_t i = 0; i < k; i++)
        free(e[i]);
    free(e);
    if (rc != FL_OK)
        return fl_error_prefix(err, "the migrate method's setup command");
    if (!ex.exited || ex.code != 0)
        return fl_error_set(err, FL_ERR_DB, "the migrate method's setup command failed on %s (%s)",
                            name, ex.desc);
    return FL_OK;
}

static int user_clone(fl_db_run *r, const char *slot, fl_db_cloned **out, fl_error *err)
{
    ora_run *mr = r->priv;
    const ora_url *u = url_of(r->target);
    char name[ORA_NAME_MAX_NEW + 1], password[31];
    int rc = ora_name_make(name, sizeof name, user_name_limit(&mr->sv), r->target->name,
                           r->run_id, slot, err);
    if (rc == FL_OK)
        rc = ora_password(password, err);
    if (rc != FL_OK)
        return rc;
    ora_db db;
    rc = connect_target(r->target, &db, err);
    if (rc != FL_OK)
        return rc;
    char *url = ora_url_make(name, password, u->connect_raw);
    ora_user_opts o = user_opts(u);
    int made = 0;
    if (!url)
        rc = nomem(err);
    else
        rc = ora_create_user(&db, &o, name, password, mr->kind == KIND_SCHEMA ? mr->source : NULL,
                             err);
    if (rc == FL_OK) {
        made = 1;
        rc = mr->kind == KIND_SCHEMA ? schema_copy(r, &db, name, err)
                                     : run_migrate_command(mr, url, name, err);
    }
    if (rc == FL_OK) {
        *out = new_clone(r, name, url, 0); /* takes url */
        url = NULL;
        if (!*out)
            rc = nomem(err);
    }
    if (rc != FL_OK) {
        free(url);
        if (made)
            ora_drop_user(&db, name, NULL);
    }
    ora_close(&db);
    return rc;
}

static int pdb_clone(fl_db_run *r, const char *slot, fl_db_cloned **out, fl_error *err)
{
    ora_run *mr = r->priv;
    const ora_url *u = url_of(r->target);
    char name[ORA_NAME_MAX_NEW + 1], password[31];
    int rc = ora_name_make(name, sizeof name, ORA_PDB_NAME_MAX, mr->sv.con_name, r->run_id, slot,
                           err);
    if (rc == FL_OK)
        rc = ora_password(password, err);
    if (rc != FL_OK)
        return rc;
    ora_db db;
    rc = connect_target(r->target, &db, err);
    if (rc != FL_OK)
        return rc;
    int snapshot = atomic_load(&mr->snapshot);
    int made = 0;
    const char *dest = u->datafiles && strcmp(u->datafiles, "omf") != 0 ? u->datafiles : NULL;
    rc = ora_to_root(&db, err);
    if (rc == FL_OK)
        rc = ora_create_pdb(&db, mr->sv.con_name, name, &snapshot, dest, err);
    if (rc == FL_OK) {
        made = 1;
        atomic_store(&mr->snapshot, snapshot);
        rc = ora_pdb_set_password(&db, name, mr->source, password, err);
    }
    char *connect = fl_db_strdupf("%s/%s%s%s", u->host_port, name, mr->sv.domain[0] ? "." : "",
                                  mr->sv.domain);
    char *url = connect ? ora_url_make(mr->source, password, connect) : NULL;
    free(connect);
    if (rc == FL_OK) {
        *out = new_clone(r, name, url, 1); /* takes url */
        url = NULL;
        if (!*out)
            rc = nomem(err);
    }
    if (rc != FL_OK) {
        free(url);
        if (made && ora_to_root(&db, NULL) == FL_OK)
            ora_drop_pdb(&db, name, NULL);
    }
    ora_close(&db);
    return rc;
}

static int oracle_clone(fl_db_run *r, const char *slot, fl_db_cloned **out, fl_error *err)
{
    ora_run *mr = r->priv;
    if (!r->method[0])
        return fl_error_set(err, FL_ERR_DB, "run_prepare was not called for '%s'",
                            r->target->redacted);
    int rc = mr->kind == KIND_PDB ? pdb_clone(r, slot, out, err) : user_clone(r, slot, out, err);
    if (rc != FL_OK)
        fl_error_prefix(err, "cloning '%s' (method %s)", r->target->name, r->method);
    return rc;
}

/* Drops a clone (user or PDB) with an administrator's session, forgetting it as kept. */
static int drop_clone_object(ora_db *db, const char *name, int pdb, fl_error *err)
{
    int rc = forget_kept(db, name, err);
    if (rc == FL_OK && pdb)
        rc = ora_to_root(db, err);
    if (rc == FL_OK)
        rc = pdb ? ora_drop_pdb(db, name, err) : ora_drop_user(db, name, err);
    return rc;
}

static int connect_admin_url(const char *admin_url, ora_db *db, fl_error *err)
{
    char shown[1024];
    fl_db_redact_url(admin_url, shown, sizeof shown);
    ora_url u;
    int rc = ora_url_parse(admin_url, &u, shown, err);
    if (rc == FL_OK)
        rc = ora_open(&u, shown, db, err);
    ora_url_free(&u);
    return rc;
}

static int oracle_drop(fl_db_cloned *c, fl_error *err)
{
    ora_clone *oc = c->priv;
    ora_db db;
    int rc = connect_admin_url(oc->admin_url, &db, err);
    if (rc == FL_OK) {
        rc = drop_clone_object(&db, c->name, oc->pdb, err);
        ora_close(&db);
    }
    return rc;
}

static void oracle_free_clone(fl_db_cloned *c)
{
    if (!c)
        return;
    ora_clone *oc = c->priv;
    if (oc)
        free(oc->admin_url);
    free(oc);
    free(c->url);
    free(c->name);
    free(c);
}

/* ---- enumerating our objects (run_end with keep, gc) ------------------------------------------------ */

enum { OBJ_USER, OBJ_LINK, OBJ_PDB };

typedef int (*object_fn)(ora_db *db, int kind, const char *name, const char *run,
                         const char *slot, void *ud, fl_error *err);

/* Calls fn for each user (with its tablespaces; one call per user name, also for tablespaces
 * whose user is gone) and loopback link of ours for template t. */
static int each_user_object(ora_db *db, const char *stem, object_fn fn, void *ud, fl_error *err)
{
    ora_rows users, spaces = {0}, links = {0};
    int rc = ora_query(db, "SELECT USERNAME FROM ALL_USERS WHERE USERNAME LIKE '%\\_FL\\_%' "
                           "ESCAPE '\\' ORDER BY USERNAME",
                       &users, "listing users", err);
    if (rc != FL_OK)
        return rc;
    fl_error one = {0};
    if (ora_query(db, "SELECT TABLESPACE_NAME FROM DBA_TABLESPACES WHERE TABLESPACE_NAME LIKE "
                      "'%\\_FL\\_%' ESCAPE '\\' ORDER BY TABLESPACE_NAME",
                  &spaces, "listing tablespaces", &one) != FL_OK &&
        db->last_code != 942) {
        if (err)
            *err = one;
        rc = FL_ERR_DB;
    }
    if (rc == FL_OK)
        rc = ora_query(db, "SELECT DB_LINK FROM USER_DB_LINKS WHERE DB_LINK LIKE '%\\_FL\\_%' "
                           "ESCAPE '\\' ORDER BY DB_LINK",
                       &links, "listing database links", err);
    const ora_rows *lists[] = {&users, &spaces, &links};
    for (int l = 0; rc == FL_OK && l < 3; l++) {
        for (size_t i = 0; rc == FL_OK && i < lists[l]->nrows; i++) {
            const char *full = ora_cell(lists[l], i, 0);
            char name[ORA_NAME_MAX_NEW + 8], stem_part[ORA_NAME_MAX_NEW + 1];
            char run[FL_DB_RUN_ID_MAX + 1], slot[FL_DB_SLOT_MAX + 1];
            const char *tail;
            if (!full)
                continue;
            /* a link's name may carry the database domain */
            snprintf(name, sizeof name, "%.*s", (int)(l == 2 ? strcspn(full, ".") : strlen(full)),
                     full);
            if (!ora_name_parse(name, stem_part, sizeof stem_part, run, slot, &tail) ||
                !ora_name_belongs(stem_part, stem))
                continue;
            if (l == 1) {
                if (*tail) /* "X_T": call for X, unless X's user or tablespace is listed */
                    name[strlen(name) - strlen(tail)] = 0;
                if (is_listed(&users, name) || (*tail && is_listed(&spaces, name)))
                    continue;
            } else if (*tail) {
                continue;
            }
            if ((l == 2) != (strcmp(slot, "link") == 0))
                continue;
            rc = fn(db, l == 2 ? OBJ_LINK : OBJ_USER, name, run, slot, ud, err);
        }
    }
    ora_rows_free(&users);
    ora_rows_free(&spaces);
    ora_rows_free(&links);
    return rc;
}

/* Calls fn for each pluggable database of ours cloned from pdb (db is switched to the root;
 * nothing happens when the user may not go there). */
static int each_pdb(ora_db *db, const char *pdb, object_fn fn, void *ud, fl_error *err)
{
    fl_error one = {0};
    if (ora_to_root(db, &one) != FL_OK)
        return FL_OK; /* no right to the root: this user cannot have made PDB clones */
    ora_rows rows;
    int rc = ora_query(db, "SELECT PDB_NAME FROM DBA_PDBS WHERE PDB_NAME LIKE '%\\_FL\\_%' "
                           "ESCAPE '\\' ORDER BY PDB_NAME",
                       &rows, "listing pluggable databases", err);
    for (size_t i = 0; rc == FL_OK && i < rows.nrows; i++) {
        const char *name = ora_cell(&rows, i, 0);
        char stem_part[ORA_NAME_MAX_NEW + 1], run[FL_DB_RUN_ID_MAX + 1], slot[FL_DB_SLOT_MAX + 1];
        const char *tail;
        if (name && ora_name_parse(name, stem_part, sizeof stem_part, run, slot, &tail) &&
            !*tail && ora_name_belongs(stem_part, pdb))
            rc = fn(db, OBJ_PDB, name, run, slot, ud, err);
    }
    ora_rows_free(&rows);
    return rc;
}

typedef struct keep_state {
    const char *run_id;
    ora_db *meta;  /* where FORKLESS_KEPT is (the PDB the URL connects to) */
} keep_state;

static int keep_object(ora_db *db, int kind, const char *name, const char *run, const char *slot,
                       void *ud, fl_error *err)
{
    keep_state *k = ud;
    (void)db;
    if (kind == OBJ_LINK || strcmp(run, k->run_id) != 0 || strcmp(slot, "build") == 0)
        return FL_OK;
    return mark_kept(k->meta, name, err);
}

static int keep_run_objects(fl_db_run *r, fl_error *err)
{
    ora_run *mr = r->priv;
    keep_state k = {r->run_id, &mr->lock};
    int rc = ensure_meta(&mr->lock, err);
    if (rc == FL_OK)
        rc = each_user_object(&mr->lock, r->target->name, keep_object, &k, err);
    if (rc == FL_OK && mr->kind == KIND_PDB) {
        ora_db root;
        rc = connect_target(r->target, &root, err);
        if (rc == FL_OK)
            rc = each_pdb(&root, mr->sv.con_name, keep_object, &k, err);
        ora_close(&root);
    }
    return rc;
}

static int oracle_run_end(fl_db_run *r, int keep, fl_error *err)
{
    ora_run *mr = r->priv;
    int rc = FL_OK;
    if (keep && r->method[0])
        rc = keep_run_objects(r, err);
    if (mr->link[0]) {
        int one = ora_drop_link(&mr->lock, mr->link, rc == FL_OK ? err : NULL);
        if (rc == FL_OK)
            rc = one;
    }
    free_run(r); /* the run's lock goes with the session */
    return rc;
}

/* ---- drop by URL and gc ----------------------------------------------------------------------------- */

static int oracle_drop_url(const fl_db_engine *e, const char *clone_url, fl_error *err)
{
    (void)e;
    char shown[1024];
    fl_db_redact_url(clone_url, shown, sizeof shown);
    ora_url parsed, *u = &parsed;
    int rc = ora_url_parse(clone_url, u, shown, err);
    if (rc != FL_OK) {
        ora_url_free(u);
        return rc;
    }
    char stem[ORA_NAME_MAX_NEW + 1], run[FL_DB_RUN_ID_MAX + 1], slot[FL_DB_SLOT_MAX + 1];
    char pdb[ORA_NAME_MAX_NEW + 1] = "", user[ORA_NAME_MAX_NEW + 1];
    const char *tail;
    if (u->service)
        snprintf(pdb, sizeof pdb, "%.*s", (int)strcspn(u->service, "."), u->service);
    for (char *p = pdb; *p; p++)
        *p = (char)toupper((unsigned char)*p);
    snprintf(user, sizeof user, "%s", u->user);
    for (char *p = user; *p; p++)
        *p = (char)toupper((unsigned char)*p);
    int is_pdb = pdb[0] && ora_name_parse(pdb, stem, sizeof stem, run, slot, &tail) && !*tail;
    int is_user = !is_pdb && ora_name_parse(user, stem, sizeof stem, run, slot, &tail) && !*tail;
    const char *admin = getenv("FORKLESS_ORACLE_ADMIN_URL");
    if ((!is_pdb && !is_user) || strcmp(slot, "build") == 0 || strcmp(slot, "link") == 0)
        rc = fl_error_set(err, FL_ERR_USAGE,
                          "'%s' is not a clone made by forkless (neither its user nor its "
                          "service is named <name>_FL_<run>_<slot>); not dropping it",
                          shown);
    else if (!admin || !*admin)
        rc = fl_error_set(err, FL_ERR_USAGE,
                          "dropping the Oracle clone '%s' needs an administrator's connection: "
                          "set FORKLESS_ORACLE_ADMIN_URL to its template's URL "
                          "(oracle://admin:password@host:port/service)",
                          shown);
    ora_db db;
    if (rc == FL_OK)
        rc = connect_admin_url(admin, &db, err);
    if (rc == FL_OK) {
        rc = drop_clone_object(&db, is_pdb ? pdb : user, is_pdb, err);
        ora_close(&db);
    }
    ora_url_free(u);
    return rc;
}

typedef struct run_state {
    char run[FL_DB_RUN_ID_MAX + 1];
    int alive;
} run_state;

typedef struct gc_state {
    const fl_db_target *t;
    ora_db *probe;             /* the session that tests liveness and holds FORKLESS_KEPT */
    const char *current_build; /* the template's committed build, or NULL */
    ora_rows kept;
    run_state runs[64];
    size_t nruns;
    FILE *log;
    size_t *removed;
} gc_state;

static int alive_cached(gc_state *g, const char *run, int *alive, fl_error *err)
{
    for (size_t i = 0; i < g->nruns; i++)
        if (strcmp(g->runs[i].run, run) == 0)
            return *alive = g->runs[i].alive, FL_OK;
    int rc = run_is_alive(g->probe, run, alive, err);
    if (rc == FL_OK && g->nruns < sizeof g->runs / sizeof g->runs[0]) {
        snprintf(g->runs[g->nruns].run, sizeof g->runs[0].run, "%s", run);
        g->runs[g->nruns++].alive = *alive;
    }
    return rc;
}

static int collect_object(ora_db *db, int kind, const char *name, const char *run,
                          const char *slot, void *ud, fl_error *err)
{
    gc_state *g = ud;
    int alive = 0;
    (void)slot;
    if (g->current_build && strcmp(name, g->current_build) == 0)
        return FL_OK;
    int rc = alive_cached(g, run, &alive, err);
    if (rc != FL_OK || alive || is_listed(&g->kept, name))
        return rc;
    rc = kind == OBJ_PDB ? ora_drop_pdb(db, name, err)
         : kind == OBJ_LINK ? ora_drop_link(db, name, err)
                            : ora_drop_user(db, name, err);
    if (rc == FL_OK) {
        if (g->log)
            fprintf(g->log, "removed %s %s (run %s is not running)\n",
                    kind == OBJ_PDB    ? "pluggable database"
                    : kind == OBJ_LINK ? "database link"
                                       : "user (and its tablespaces)",
                    name, run);
        if (g->removed)
            (*g->removed)++;
    }
    return rc;
}

static int oracle_gc(fl_db_target *t, FILE *log, size_t *removed, fl_error *err)
{
    ora_db db;
    int rc = connect_target(t, &db, err);
    if (rc != FL_OK)
        return rc;
    gc_state g = {.t = t, .probe = &db, .log = log, .removed = removed};
    char *current = NULL;
    rc = target_facts(t, &db, err);
    if (rc == FL_OK)
        rc = lookup_template(&db, t->name, &current, NULL, err);
    if (rc == FL_OK)
        rc = read_kept(&db, &g.kept, err);
    g.current_build = current;
    if (rc == FL_OK)
        rc = each_user_object(&db, t->name, collect_object, &g, err);
    ora_target *ot = t->priv;
    if (rc == FL_OK && ot->sv.con_id > 2) {
        ora_db root;
        rc = connect_target(t, &root, err);
        if (rc == FL_OK)
            rc = each_pdb(&root, ot->sv.con_name, collect_object, &g, err);
        ora_close(&root);
    }
    ora_rows_free(&g.kept);
    free(current);
    ora_close(&db);
    return rc;
}

const fl_db_engine fl_db_engine_oracle = {
    .iVersion = 1,
    .name = "oracle",
    .schemes = oracle_schemes,
    .methods = oracle_methods,
    .max_name_len = ORA_NAME_MAX_NEW,
    .parse_url = oracle_parse_url,
    .free_target = oracle_free_target,
    .check_template = oracle_check_template,
    .build_lock = oracle_build_lock,
    .build_begin = oracle_build_begin,
    .build_commit = oracle_build_commit,
    .build_release = oracle_build_release,
    .run_register = oracle_run_register,
    .run_prepare = oracle_run_prepare,
    .clone = oracle_clone,
    .drop = oracle_drop,
    .free_clone = oracle_free_clone,
    .run_end = oracle_run_end,
    .drop_url = oracle_drop_url,
    .gc = oracle_gc,
    .worker_env = NULL,
};
