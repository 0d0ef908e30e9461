/*
 * postgres.c — the PostgreSQL engine (engine.h), on libpq.  A template is a database; a
 * clone is a database made with CREATE DATABASE "<tpl>_fl_<run>_<slot>" TEMPLATE "<tpl>"
 * (STRATEGY FILE_COPY, the default method, or WAL_LOG; no STRATEGY clause before
 * PostgreSQL 15).  Every statement is issued from a connection to the maintenance
 * database "postgres", never to the template (CREATE DATABASE ... TEMPLATE needs it
 * unused); the parallel clones each use their own connection.
 *
 * libpq is not linked: it is loaded when the first PostgreSQL URL is parsed and called
 * through fl_pq (pq_api.h), so programs that never touch PostgreSQL do not pay for it.
 *
 * URLs are whatever libpq accepts (postgresql:// or postgres://, user, password, hosts,
 * ports, ?host=/socket/dir, sslmode...); PG* variables and ~/.pgpass apply because
 * libpq itself expands the URL (PQconnectdbParams with expand_dbname, then dbname
 * replaced by the maintenance database).  Our own query option, forkless_terminate=1,
 * is removed before libpq sees the URL: with it, sessions connected to the template
 * when cloning starts are terminated instead of being reported.
 *
 * Liveness: a run holds the session advisory lock pg_advisory_lock(hash of its run id)
 * on a connection kept in fl_db_run.priv; the server releases it when the process
 * dies.  gc tries that lock from its own session: taken by another session = alive.
 * Kept clones carry COMMENT ON DATABASE 'forkless: kept', which gc respects.  A built
 * template carries 'forkless-key:<key>' and is left IS_TEMPLATE true, ALLOW_CONNECTIONS
 * false, so nobody connects to it while clones are made.  Concurrent builders of one
 * template serialise on another advisory lock (hash of the template name).
 */
#include <pwd.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "db/engine.h"
#include "db/pq_api.h"
#include "platform/platform.h"

enum { PG_NAME_MAX = 63 };

static const char *const pg_schemes[] = {"postgresql", "postgres", NULL};
static const char *const pg_methods[] = {"file_copy", "wal_log", NULL};
static const char maintenance_db[] = "postgres";
static const char key_prefix[] = "forkless-key:";
static const char kept_mark[] = "forkless: kept";
static const char terminate_option[] = "forkless_terminate";

typedef struct pg_target {
    char *conn_url;     /* the URL without our options: what libpq gets */
    char *prefix;       /* "postgresql://user:pw@host:port" */
    char *query;        /* "?sslmode=...", without dbname and our options; "" if none */
    int terminate;      /* forkless_terminate=1 */
} pg_target;

typedef struct pg_run {
    PGconn *conn;        /* holds the run's advisory lock */
    int server_version;
    int wal_log;         /* method wal_log */
} pg_run;

typedef struct pg_build {
    PGconn *conn;        /* holds the template's build lock */
    int created;         /* the build database exists */
    int committed;
} pg_build;

static pg_target *pt_of(const fl_db_target *t) { return t->priv; }

/* ---- small helpers ----------------------------------------------------------------------- */

static uint64_t fnv1a64(const char *a, const char *b)
{
    uint64_t h = 1469598103934665603ull;
    for (const char *s = a; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    for (const char *s = b; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

/* The bigint key of an advisory lock, as SQL text. */
static void lock_key(char *buf, size_t size, const char *kind, const char *what)
{
    snprintf(buf, size, "%lld", (long long)(int64_t)fnv1a64(kind, what));
}

/* "name" with every " doubled (malloc'd). */
static char *quote_ident(const char *name)
{
    size_t n = 0;
    for (const char *p = name; *p; p++)
        n += *p == '"' ? 2 : 1;
    char *out = malloc(n + 3), *o = out;
    if (!out)
        return NULL;
    *o++ = '"';
    for (const char *p = name; *p; p++) {
        if (*p == '"')
            *o++ = '"';
        *o++ = *p;
    }
    *o++ = '"';
    *o = 0;
    return out;
}

/* Percent-encodes a database name for a URL path (malloc'd). */
static char *encode_path_part(const char *s)
{
    char *out = malloc(3 * strlen(s) + 1), *o = out;
    if (!out)
        return NULL;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '_' || *p == '.' || *p == '~')
            *o++ = (char)*p;
        else
            o += sprintf(o, "%%%02X", *p);
    }
    *o = 0;
    return out;
}

/* The server's message without its trailing newline. */
static const char *conn_message(const PGconn *conn, char *buf, size_t size)
{
    snprintf(buf, size, "%s", conn ? fl_pq.PQerrorMessage(conn) : "out of memory");
    size_t n = strlen(buf);
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
        buf[--n] = 0;
    return buf;
}

/* ---- URLs ---------------------------------------------------------------------------------- */

/* 1 when the query parameter at p (up to len) has key (followed by '=' or end). */
static int param_is(const char *p, size_t len, const char *key)
{
    size_t k = strlen(key);
    return len >= k && strncasecmp(p, key, k) == 0 && (len == k || p[k] == '=');
}

/* Splits url into prefix (scheme://authority), the query without dbname= and our
 * options (kept in *query, "" or "?..."), and the libpq URL without our options. */
static int split_url(const char *url, pg_target *p, const char *shown, fl_error *err)
{
    const char *start = strstr(url, "://");
    if (!start)
        return fl_error_set(err, FL_ERR_USAGE,
                            "'%s' is not a PostgreSQL URL (expected postgresql://user@host:port/db)",
                            shown);
    start += 3;
    const char *path = start + strcspn(start, "/?");
    const char *q = strchr(start, '?');
    const char *path_end = q ? q : path + strlen(path);
    size_t qlen = q ? strlen(q) : 0;
    p->prefix = strndup(url, (size_t)(path - url));
    p->query = malloc(qlen + 2);
    p->conn_url = malloc(strlen(url) + 2);
    if (!p->prefix || !p->query || !p->conn_url)
        return fl_error_set(err, FL_ERR_NOMEM, "out of memory");
    size_t ql = 0, cl = (size_t)(path_end - url), cq = 0;
    memcpy(p->conn_url, url, cl);
    p->query[0] = 0;
    for (const char *s = q ? q + 1 : NULL; s && *s;) {
        size_t len = strcspn(s, "&");
        if (param_is(s, len, terminate_option)) {
            const char *v = memchr(s, '=', len);
            p->terminate = !v || (v + 1 < s + len && v[1] != '0' &&
                                  strncasecmp(v + 1, "false", 5) != 0 &&
                                  strncasecmp(v + 1, "no", 2) != 0);
        } else if (len) {
            p->conn_url[cl++] = cq++ ? '&' : '?';
            memcpy(p->conn_url + cl, s, len);
            cl += len;
            if (!param_is(s, len, "dbname")) {
                p->query[ql] = ql ? '&' : '?';
                memcpy(p->query + ql + 1, s, len);
                ql += len + 1;
            }
        }
        s += len;
        if (*s == '&')
            s++;
    }
    p->conn_url[cl] = 0;
    p->query[ql] = 0;
    return FL_OK;
}

/* The database name libpq would use for url: its dbname, else PGDATABASE, else the user. */
static char *effective_dbname(const char *conn_url, const char *shown, fl_error *err)
{
    char *msg = NULL;
    PQconninfoOption *opts = fl_pq.PQconninfoParse(conn_url, &msg);
    if (!opts) {
        char text[512];
        snprintf(text, sizeof text, "%s", msg ? msg : "out of memory");
        text[strcspn(text, "\n")] = 0;
        fl_pq.PQfreemem(msg);
        fl_error_set(err, FL_ERR_USAGE, "bad PostgreSQL URL '%s': %s", shown, text);
        return NULL;
    }
    const char *dbname = NULL, *user = NULL;
    for (PQconninfoOption *o = opts; o->keyword; o++) {
        if (strcmp(o->keyword, "dbname") == 0 && o->val && *o->val)
            dbname = o->val;
        if (strcmp(o->keyword, "user") == 0 && o->val && *o->val)
            user = o->val;
    }
    if (!dbname)
        dbname = getenv("PGDATABASE");
    if (!dbname || !*dbname)
        dbname = user ? user : getenv("PGUSER");
    if (!dbname || !*dbname) {
        struct passwd *pw = getpwuid(getuid());
        dbname = pw ? pw->pw_name : NULL;
    }
    char *out = dbname && *dbname ? strdup(dbname) : NULL;
    fl_pq.PQconninfoFree(opts);
    if (!out)
        fl_error_set(err, FL_ERR_USAGE, "PostgreSQL URL '%s' names no database", shown);
    return out;
}

/* The URL of database name on the target's server (malloc'd; may hold the password). */
static char *database_url(const pg_target *p, const char *name)
{
    char *enc = encode_path_part(name);
    char *url = enc ? fl_db_strdupf("%s/%s%s", p->prefix, enc, p->query) : NULL;
    free(enc);
    return url;
}

static void free_pg_target(pg_target *p)
{
    if (!p)
        return;
    free(p->conn_url);
    free(p->prefix);
    free(p->query);
    free(p);
}

static void pg_free_target(fl_db_target *t)
{
    if (!t)
        return;
    free(t->url);
    free(t->redacted);
    free(t->name);
    free_pg_target(t->priv);
    free(t);
}

static int pg_parse_url(const fl_db_engine *e, const char *url, fl_db_target **out, fl_error *err)
{
    char shown[1024];
    fl_db_redact_url(url, shown, sizeof shown);
    fl_db_target *t = calloc(1, sizeof *t);
    pg_target *p = calloc(1, sizeof *p);
    if (!t || !p) {
        free(t);
        free(p);
        return fl_error_set(err, FL_ERR_NOMEM, "out of memory");
    }
    t->engine = e;
    t->priv = p;
    int rc = split_url(url, p, shown, err);
    if (rc == FL_OK) /* every other entry point starts from a parsed URL */
        rc = fl_pq_load(err);
    if (rc == FL_OK && !(t->name = effective_dbname(p->conn_url, shown, err)))
        rc = err ? err->code : FL_ERR_USAGE;
    if (rc == FL_OK && strcmp(t->name, maintenance_db) == 0)
        rc = fl_error_set(err, FL_ERR_USAGE,
                          "'%s' names the maintenance database '%s', which forkless connects to "
                          "and so cannot clone; use a database of your own as the template",
                          shown, maintenance_db);
    if (rc == FL_OK && (!(t->url = strdup(url)) || !(t->redacted = fl_db_redacted_dup(url))))
        rc = fl_error_set(err, FL_ERR_NOMEM, "out of memory");
    if (rc != FL_OK) {
        pg_free_target(t);
        return rc;
    }
    *out = t;
    return FL_OK;
}

/* ---- connections and statements ------------------------------------------------------------ */

/* Connects to the maintenance database of the target's server, with everything else
 * (host, user, password, PG* variables, ~/.pgpass) as libpq resolves the URL. */
static int connect_maintenance(const fl_db_target *t, PGconn **out, fl_error *err)
{
    const char *keys[] = {"connect_timeout", "fallback_application_name", "dbname", "dbname", NULL};
    const char *vals[] = {"10", "forkless", pt_of(t)->conn_url, maintenance_db, NULL};
    PGconn *conn = fl_pq.PQconnectdbParams(keys, vals, 1);
    if (!conn || fl_pq.PQstatus(conn) != CONNECTION_OK) {
        char msg[700];
        int rc = fl_error_set(err, FL_ERR_DB, "cannot connect to the PostgreSQL server of '%s': %s",
                              t->redacted, conn_message(conn, msg, sizeof msg));
        fl_pq.PQfinish(conn);
        return rc;
    }
    *out = conn;
    return FL_OK;
}

static void ignore_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

/* Runs sql with text parameters; FL_ERR_DB naming what on failure.  With out, the result
 * (tuples) is handed over; the caller PQclear()s it. */
static int run_sql(PGconn *conn, const char *sql, int nparams, const char *const *params,
                   PGresult **out, const char *what, fl_error *err)
{
    fl_pq.PQsetNoticeProcessor(conn, ignore_notice, NULL);
    PGresult *res = fl_pq.PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL, 0);
    ExecStatusType st = fl_pq.PQresultStatus(res);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        char msg[700];
        const char *text = res && fl_pq.PQresultErrorMessage(res)[0]
                               ? fl_pq.PQresultErrorMessage(res)
                               : conn_message(conn, msg, sizeof msg);
        snprintf(msg, sizeof msg, "%s", text);
        msg[strcspn(msg, "\n")] = 0;
        int rc = fl_error_set(err, FL_ERR_DB, "%s: %s", what, msg);
        fl_pq.PQclear(res);
        return rc;
    }
    if (out)
        *out = res;
    else
        fl_pq.PQclear(res);
    return FL_OK;
}

/* The SQLSTATE of the last failed statement is not kept by run_sql; this variant keeps it. */
static int run_sql_state(PGconn *conn, const char *sql, char state[6], const char *what,
                         fl_error *err)
{
    fl_pq.PQsetNoticeProcessor(conn, ignore_notice, NULL);
    PGresult *res = fl_pq.PQexec(conn, sql);
    ExecStatusType st = fl_pq.PQresultStatus(res);
    state[0] = 0;
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
        fl_pq.PQclear(res);
        return FL_OK;
    }
    const char *code = res ? fl_pq.PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    snprintf(state, 6, "%s", code ? code : "");
    char msg[700];
    snprintf(msg, sizeof msg, "%s",
             res && fl_pq.PQresultErrorMessage(res)[0] ? fl_pq.PQresultErrorMessage(res)
                                                       : fl_pq.PQerrorMessage(conn));
    msg[strcspn(msg, "\n")] = 0;
    fl_pq.PQclear(res);
    return fl_error_set(err, FL_ERR_DB, "%s: %s", what, msg);
}

/* One text value: the first column of the first row (NULL when no row or SQL NULL). */
static int query_value(PGconn *conn, const char *sql, const char *param, char **out,
                       const char *what, fl_error *err)
{
    PGresult *res;
    int rc = run_sql(conn, sql, param ? 1 : 0, &param, &res, what, err);
    if (rc != FL_OK)
        return rc;
    int found = fl_pq.PQntuples(res) > 0 && !fl_pq.PQgetisnull(res, 0, 0);
    *out = found ? strdup(fl_pq.PQgetvalue(res, 0, 0)) : NULL;
    fl_pq.PQclear(res);
    return FL_OK;
}

/* Runs a statement built as "<before><ident><after>". */
static int run_on_ident(PGconn *conn, const char *before, const char *ident, const char *after,
                        const char *what, fl_error *err)
{
    char *q = quote_ident(ident);
    char *sql = q ? fl_db_strdupf("%s%s%s", before, q, after) : NULL;
    free(q);
    if (!sql)
        return fl_error_set(err, FL_ERR_NOMEM, "out of memory");
    int rc = run_sql(conn, sql, 0, NULL, NULL, what, err);
    free(sql);
    return rc;
}

static int database_exists(PGconn *conn, const char *name, int *exists, fl_error *err)
{
    char *v = NULL;
    int rc = query_value(conn, "SELECT 1 FROM pg_database WHERE datname = $1", name, &v,
                         "looking up a database", err);
    *exists = v != NULL;
    free(v);
    return rc;
}

/* Comment of database name ("" when none), into a malloc'd string. */
static int database_comment(PGconn *conn, const char *name, char **out, fl_error *err)
{
    char *v = NULL;
    int rc = query_value(conn,
                         "SELECT shobj_description(oid, 'pg_database') FROM pg_database "
                         "WHERE datname = $1",
                         name, &v, "reading a database comment", err);
    *out = v ? v : strdup("");
    return rc;
}

static int set_comment(PGconn *conn, const char *name, const char *text, fl_error *err)
{
    char *lit = fl_pq.PQescapeLiteral(conn, text, strlen(text));
    char *after = lit ? fl_db_strdupf(" IS %s", lit) : NULL;
    fl_pq.PQfreemem(lit);
    if (!after)
        return fl_error_set(err, FL_ERR_NOMEM, "out of memory");
    int rc = run_on_ident(conn, "COMMENT ON DATABASE ", name, after, "marking a database", err);
    free(after);
    if (rc != FL_OK)
        fl_error_prefix(err, "database '%s'", name);
    return rc;
}

/* Drops database name if it exists, terminating its sessions (WITH (FORCE) on 13+). */
static int drop_database(PGconn *conn, const char *name, fl_error *err)
{
    const char *param = name;
    PGresult *res = NULL;
    int rc = run_sql(conn, "SELECT 1 FROM pg_database WHERE datname = $1 AND datistemplate", 1,
                     &param, &res, "looking up a database", err);
    int is_template = res && fl_pq.PQntuples(res) > 0;
    fl_pq.PQclear(res);
    if (rc == FL_OK && is_template)
        rc = run_on_ident(conn, "ALTER DATABASE ", name, " IS_TEMPLATE false",
                          "unmarking a template", err);
    if (rc == FL_OK && fl_pq.PQserverVersion(conn) >= 130000)
        rc = run_on_ident(conn, "DROP DATABASE IF EXISTS ", name, " WITH (FORCE)",
                          "dropping a database", err);
    else if (rc == FL_OK) {
        rc = run_sql(conn,
                     "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 "
                     "AND pid <> pg_backend_pid()",
                     1, &param, NULL, "ending sessions", err);
        if (rc == FL_OK)
            rc = run_on_ident(conn, "DROP DATABASE IF EXISTS ", name, "", "dropping a database",
                              err);
    }
    if (rc != FL_OK)
        fl_error_prefix(err, "database '%s'", name);
    return rc;
}

/* Describes the sessions connected to database name into buf ("" when none); the count
 * goes to *n. */
static int describe_sessions(PGconn *conn, const char *name, char *buf, size_t size, int *n,
                             fl_error *err)
{
    PGresult *res;
    const char *param = name;
    int rc = run_sql(conn,
                     "SELECT pid, coalesce(nullif(application_name, ''), '(no application_name)'), "
                     "coalesce(host(client_addr), 'local socket'), coalesce(usename, '') "
                     "FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() "
                     "ORDER BY pid",
                     1, &param, &res, "listing the sessions on a database", err);
    buf[0] = 0;
    *n = 0;
    if (rc != FL_OK)
        return rc;
    *n = fl_pq.PQntuples(res);
    size_t len = 0;
    for (int i = 0; i < *n && len + 1 < size; i++)
        len += (size_t)snprintf(buf + len, size - len, "%spid %s, application '%s', from %s, user '%s'",
                                i ? "; " : "", fl_pq.PQgetvalue(res, i, 0),
                                fl_pq.PQgetvalue(res, i, 1), fl_pq.PQgetvalue(res, i, 2),
                                fl_pq.PQgetvalue(res, i, 3));
    fl_pq.PQclear(res);
    return FL_OK;
}

/* Makes sure nobody is connected to the template: names them, or terminates them when
 * the URL said forkless_terminate=1. */
static int check_no_sessions(PGconn *conn, const fl_db_target *t, fl_error *err)
{
    char who[700];
    int n;
    int rc = describe_sessions(conn, t->name, who, sizeof who, &n, err);
    if (rc != FL_OK || n == 0)
        return rc;
    if (!pt_of(t)->terminate)
        return fl_error_set(err, FL_ERR_DB,
                            "template database '%s' has %d other session%s connected (%s); "
                            "PostgreSQL cannot copy a database in use: close %s, or add "
                            "?forkless_terminate=1 to the URL to have forkless end %s",
                            t->name, n, n == 1 ? "" : "s", who, n == 1 ? "it" : "them",
                            n == 1 ? "it" : "them");
    const char *param = t->name;
    return run_sql(conn,
                   "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 "
                   "AND pid <> pg_backend_pid()",
                   1, &param, NULL, "ending the sessions on the template", err);
}

/* Fails unless the connected role may create databases. */
static int check_createdb(PGconn *conn, const fl_db_target *t, fl_error *err)
{
    char *v = NULL;
    int rc = query_value(conn,
                         "SELECT CASE WHEN rolcreatedb OR rolsuper THEN '' ELSE rolname END "
                         "FROM pg_roles WHERE rolname = current_user",
                         NULL, &v, "reading the role's privileges", err);
    if (rc == FL_OK && v && *v)
        rc = fl_error_set(err, FL_ERR_DB,
                          "role '%s' may not create databases, so it cannot clone '%s' "
                          "(a superuser can grant it: ALTER ROLE \"%s\" CREATEDB)",
                          v, t->redacted, v);
    free(v);
    return rc;
}

static int check_exists(PGconn *conn, const fl_db_target *t, fl_error *err)
{
    int exists;
    int rc = database_exists(conn, t->name, &exists, err);
    if (rc == FL_OK && !exists)
        rc = fl_error_set(err, FL_ERR_DB, "template database '%s' does not exist (on '%s')",
                          t->name, t->redacted);
    return rc;
}

/* ---- names ---------------------------------------------------------------------------------- */

static int object_name(char buf[PG_NAME_MAX + 1], const char *stem, const char *run_id,
                       const char *slot, fl_error *err)
{
    return fl_db_name_make(buf, PG_NAME_MAX + 1, PG_NAME_MAX, stem, "_fl_", '_', run_id, slot,
                           "", err);
}

static int name_is_ours(const char *name, const char *stem, char run[FL_DB_RUN_ID_MAX + 1],
                        char slot[FL_DB_SLOT_MAX + 1])
{
    return fl_db_name_match(name, PG_NAME_MAX, stem, "_fl_", '_', "", NULL, run, slot, NULL);
}

/* ---- check_template --------------------------------------------------------------------------- */

static int pg_check_template(fl_db_target *t, fl_error *err)
{
    PGconn *conn;
    int rc = connect_maintenance(t, &conn, err);
    if (rc != FL_OK)
        return rc;
    rc = check_exists(conn, t, err);
    fl_pq.PQfinish(conn);
    return rc;
}

/* ---- template builds --------------------------------------------------------------------------- */

static int pg_build_lock(fl_db_target *t, fl_db_build **out, fl_error *err)
{
    fl_db_build *b = calloc(1, sizeof *b);
    pg_build *pb = calloc(1, sizeof *pb);
    if (!b || !pb) {
        free(b);
        free(pb);
        return fl_error_set(err, FL_ERR_NOMEM, "out of memory");
    }
    b->target = t;
    b->priv = pb;
    char key[32], *comment = NULL;
    lock_key(key, sizeof key, "forkless-build:", t->name);
    const char *param = key;
    int rc = connect_maintenance(t, &pb->conn, err);
    if (rc == FL_OK)
        rc = run_sql(pb->conn, "SELECT pg_advisory_lock($1::bigint)", 1, &param, NULL,
                     "taking the template build lock", err);
    if (rc == FL_OK)
        rc = database_exists(pb->conn, t->name, &b->exists, err);
    if (rc == FL_OK && b->exists)
        rc = database_comment(pb->conn, t->name, &comment, err);
    if (rc == FL_OK && comment && strncmp(comment, key_prefix, strlen(key_prefix)) == 0)
        snprintf(b->stored_key, sizeof b->stored_key, "%s", comment + strlen(key_prefix));
    free(comment);
    if (rc != FL_OK) {
        fl_pq.PQfinish(pb->conn);
        free(pb);
        free(b);
        return rc;
    }
    *out = b;
    return FL_OK;
}

static int pg_build_begin(fl_db_build *b, const char *run_id, fl_error *err)
{
    pg_build *pb = b->priv;
    char name[PG_NAME_MAX + 1];
    int rc = object_name(name, b->target->name, run_id, "build", err);
    if (rc == FL_OK)
        rc = check_createdb(pb->conn, b->target, err);
    if (rc == FL_OK)
        rc = drop_database(pb->conn, name, err);
    if (rc == FL_OK)
        rc = run_on_ident(pb->conn, "CREATE DATABASE ", name, "", "creating the template", err);
    if (rc != FL_OK)
        return rc == FL_ERR_DB ? fl_error_prefix(err, "'%s'", b->target->redacted) : rc;
    pb->created = 1;
    b->name = strdup(name);
    b->url = database_url(pt_of(b->target), name);
    return b->name && b->url ? FL_OK : fl_error_set(err, FL_ERR_NOMEM, "out of memory");
}

/* Waits up to a few seconds for the setup command's sessions on the built database to
 * end (a backend may outlive its client for a moment). */
static int wait_until_unused(PGconn *conn, const char *name, fl_error *err)
{
    char who[700];
    int n = 0;
    for (int i = 0; i < 50; i++) {
        int rc = describe_sessions(conn, name, who, sizeof who, &n, err);
        if (rc != FL_OK || n == 0)
            return rc;
        fl_sleep_ms(100);
    }
    return fl_error_set(err, FL_ERR_DB,
                        "the template '%s' built by the setup command is still in use after it "
                        "exited (%s); did it leave a process behind?",
                        name, who);
}

static int pg_build_commit(fl_db_build *b, const char *key, fl_error *err)
{
    pg_build *pb = b->priv;
    fl_db_target *t = b->target;
    int exists;
    int rc = database_exists(pb->conn, b->name, &exists, err);
    if (rc == FL_OK && !exists)
        return fl_error_set(err, FL_ERR_DB,
                            "the setup command removed the template database '%s'", b->name);
    if (rc == FL_OK)
        rc = wait_until_unused(pb->conn, b->name, err);
    /* The old template goes aside under a name of ours (gc finds it if we die), the new
     * one takes its place, then the old one goes. */
    char old[PG_NAME_MAX + 1] = "";
    char run[FL_DB_RUN_ID_MAX + 1], slot[FL_DB_SLOT_MAX + 1];
    if (rc == FL_OK && !name_is_ours(b->name, t->name, run, slot))
        rc = fl_error_set(err, FL_ERR_DB, "internal: '%s' is not a build name", b->name);
    if (rc == FL_OK)
        rc = object_name(old, t->name, run, "old", err);
    if (rc == FL_OK)
        rc = drop_database(pb->conn, old, err);
    if (rc == FL_OK)
        rc = database_exists(pb->conn, t->name, &exists, err);
    int moved_aside = 0;
    if (rc == FL_OK && exists) {
        rc = check_no_sessions(pb->conn, t, err);
        char *q = quote_ident(old);
        char *after = q ? fl_db_strdupf(" RENAME TO %s", q) : NULL;
        free(q);
        if (rc == FL_OK)
            rc = after ? run_on_ident(pb->conn, "ALTER DATABASE ", t->name, after,
                                      "moving the old template aside", err)
                       : fl_error_set(err, FL_ERR_NOMEM, "out of memory");
        moved_aside = rc == FL_OK;
        free(after);
    }
    char *q = quote_ident(t->name);
    char *after = q ? fl_db_strdupf(" RENAME TO %s", q) : NULL;
    free(q);
    if (rc == FL_OK)
        rc = after ? run_on_ident(pb->conn, "ALTER DATABASE ", b->name, after,
                                  "putting the new template in place", err)
                   : fl_error_set(err, FL_ERR_NOMEM, "out of memory");
    free(after);
    if (rc != FL_OK && moved_aside) {
        /* Put the old template back rather than leave none. */
        char *qt = quote_ident(t->name);
        char *back = qt ? fl_db_strdupf(" RENAME TO %s", qt) : NULL;
        if (back)
            run_on_ident(pb->conn, "ALTER DATABASE ", old, back, "restoring the old template", NULL);
        free(qt);
        free(back);
    }
    if (rc == FL_OK)
        pb->committed = 1;
    char *mark = fl_db_strdupf("%s%s", key_prefix, key);
    if (rc == FL_OK)
        rc = mark ? set_comment(pb->conn, t->name, mark, err)
                  : fl_error_set(err, FL_ERR_NOMEM, "out of memory");
    free(mark);
    if (rc == FL_OK)
        rc = run_on_ident(pb->conn, "ALTER DATABASE ", t->name,
                          " IS_TEMPLATE true ALLOW_CONNECTIONS false", "protecting the template",
                          err);
    if (rc == FL_OK && exists)
        rc = drop_database(pb->conn, old, err);
    if (rc != FL_OK && rc == FL_ERR_DB)
        fl_error_prefix(err, "'%s'", t->redacted);
    return rc;
}

static void pg_build_release(fl_db_build *b)
{
    if (!b)
        return;
    pg_build *pb = b->priv;
    if (pb->created && !pb->committed && b->name && pb->conn)
        drop_database(pb->conn, b->name, NULL);
    fl_pq.PQfinish(pb->conn); /* releases the build lock */
    free(pb);
    free(b->url);
    free(b->name);
    free(b);
}

/* ---- runs --------------------------------------------------------------------------------------- */

static int pg_run_register(fl_db_target *t, const char *run_id, fl_db_run **out, fl_error *err)
{
    if (!fl_db_is_token(run_id, FL_DB_RUN_ID_MAX))
        return fl_error_set(err, FL_ERR_USAGE, "run id '%s' must be 1 to %d of [a-z0-9]", run_id,
                            FL_DB_RUN_ID_MAX);
    fl_db_run *r = calloc(1, sizeof *r);
    pg_run *pr = calloc(1, sizeof *pr);
    if (!r || !pr) {
        free(r);
        free(pr);
        return fl_error_set(err, FL_ERR_NOMEM, "out of memory");
    }
    char key[32], *got = NULL;
    lock_key(key, sizeof key, "forkless-run:", run_id);
    int rc = connect_maintenance(t, &pr->conn, err);
    if (rc == FL_OK)
        rc = query_value(pr->conn, "SELECT pg_try_advisory_lock($1::bigint)::text", key, &got,
                         "registering the run", err);
    if (rc == FL_OK && (!got || strcmp(got, "true") != 0))
        rc = fl_error_set(err, FL_ERR_DB, "run id '%s' is already in use on the server of '%s'",
                          run_id, t->redacted);
    free(got);
    if (rc != FL_OK) {
        fl_pq.PQfinish(pr->conn);
        free(pr);
        free(r);
        return rc;
    }
    pr->server_version = fl_pq.PQserverVersion(pr->conn);
    r->target = t;
    snprintf(r->run_id, sizeof r->run_id, "%s", run_id);
    r->priv = pr;
    *out = r;
    return FL_OK;
}

static int pg_run_prepare(fl_db_run *r, const char *method, fl_error *err)
{
    pg_run *pr = r->priv;
    if (strcmp(method, "file_copy") != 0 && strcmp(method, "wal_log") != 0)
        return fl_error_set(err, FL_ERR_USAGE, "unknown PostgreSQL clone method '%s'", method);
    pr->wal_log = strcmp(method, "wal_log") == 0;
    snprintf(r->method, sizeof r->method, "%s", method);
    int rc = check_exists(pr->conn, r->target, err);
    if (rc == FL_OK)
        rc = check_createdb(pr->conn, r->target, err);
    if (rc == FL_OK)
        rc = check_no_sessions(pr->conn, r->target, err);
    return rc;
}

static fl_db_cloned *new_clone(const fl_db_target *t, const char *name, const char *method,
                               const char *slot)
{
    fl_db_cloned *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->engine = t->engine;
    c->name = strdup(name);
    c->url = database_url(pt_of(t), name);
    snprintf(c->method, sizeof c->method, "%s", method);
    snprintf(c->slot, sizeof c->slot, "%s", slot);
    if (!c->name || !c->url) {
        free(c->name);
        free(c->url);
        free(c);
        return NULL;
    }
    return c;
}

static int create_clone(PGconn *conn, const fl_db_run *r, const char *name, fl_error *err)
{
    const pg_run *pr = r->priv;
    char *qn = quote_ident(name), *qt = quote_ident(r->target->name);
    const char *strategy = pr->server_version < 150000 ? ""
                           : pr->wal_log                ? " STRATEGY WAL_LOG"
                                                        : " STRATEGY FILE_COPY";
    char *sql = qn && qt ? fl_db_strdupf("CREATE DATABASE %s TEMPLATE %s%s", qn, qt, strategy) : NULL;
    free(qn);
    free(qt);
    if (!sql)
        return fl_error_set(err, FL_ERR_NOMEM, "out of memory");
    char state[6], what[200];
    snprintf(what, sizeof what, "cannot create clone '%s' of '%s'", name, r->target->name);
    int rc = run_sql_state(conn, sql, state, what, err);
    free(sql);
    if (rc != FL_OK && strcmp(state, "55006") == 0) {
        /* Someone connected to the template after the check: name them. */
        char who[600];
        int n = 0;
        fl_error ignored;
        if (describe_sessions(conn, r->target->name, who, sizeof who, &n, &ignored) == FL_OK && n)
            fl_error_set(err, FL_ERR_DB,
                         "cannot create clone '%s': template database '%s' is in use (%s); "
                         "close those sessions or add ?forkless_terminate=1 to the URL",
                         name, r->target->name, who);
    }
    return rc;
}

static int pg_clone(fl_db_run *r, const char *slot, fl_db_cloned **out, fl_error *err)
{
    char name[PG_NAME_MAX + 1];
    int rc = object_name(name, r->target->name, r->run_id, slot, err);
    if (rc != FL_OK)
        return rc;
    PGconn *conn;
    rc = connect_maintenance(r->target, &conn, err);
    if (rc != FL_OK)
        return rc;
    rc = create_clone(conn, r, name, err);
    if (rc == FL_OK && !(*out = new_clone(r->target, name, r->method, slot))) {
        drop_database(conn, name, NULL);
        rc = fl_error_set(err, FL_ERR_NOMEM, "out of memory");
    }
    fl_pq.PQfinish(conn);
    return rc;
}

/* A target for the server of a clone URL (the clone's own URL: same server and role). */
static int clone_target(const fl_db_engine *e, const char *url, fl_db_target **out, fl_error *err)
{
    return pg_parse_url(e, url, out, err);
}

static int pg_drop(fl_db_cloned *c, fl_error *err)
{
    fl_db_target *t;
    int rc = clone_target(c->engine, c->url, &t, err);
    if (rc != FL_OK)
        return rc;
    PGconn *conn;
    rc = connect_maintenance(t, &conn, err);
    if (rc == FL_OK) {
        rc = drop_database(conn, c->name, err);
        fl_pq.PQfinish(conn);
    }
    pg_free_target(t);
    return rc;
}

static void pg_free_clone(fl_db_cloned *c)
{
    if (!c)
        return;
    free(c->url);
    free(c->name);
    free(c);
}

/* Marks every remaining database of the run as kept. */
static int mark_run_kept(fl_db_run *r, fl_error *err)
{
    pg_run *pr = r->priv;
    PGresult *res;
    int rc = run_sql(pr->conn, "SELECT datname FROM pg_database ORDER BY datname", 0, NULL, &res,
                     "listing databases", err);
    if (rc != FL_OK)
        return rc;
    for (int i = 0; rc == FL_OK && i < fl_pq.PQntuples(res); i++) {
        char run[FL_DB_RUN_ID_MAX + 1], slot[FL_DB_SLOT_MAX + 1];
        const char *name = fl_pq.PQgetvalue(res, i, 0);
        if (name_is_ours(name, r->target->name, run, slot) && strcmp(run, r->run_id) == 0 &&
            strcmp(slot, "build") != 0 && strcmp(slot, "old") != 0)
            rc = set_comment(pr->conn, name, kept_mark, err);
    }
    fl_pq.PQclear(res);
    return rc;
}

static int pg_run_end(fl_db_run *r, int keep, fl_error *err)
{
    pg_run *pr = r->priv;
    int rc = keep ? mark_run_kept(r, err) : FL_OK;
    fl_pq.PQfinish(pr->conn); /* releases the run's advisory lock */
    free(pr);
    free(r);
    return rc;
}

/* ---- drop by URL and gc -------------------------------------------------------------------------- */

/* Finds the stem of a clone name "<stem>_fl_<run>_<slot>" (the last such split). */
static int parse_clone_name(const char *name, char *stem, size_t size)
{
    const char *found = NULL;
    for (const char *p = strstr(name, "_fl_"); p; p = strstr(p + 1, "_fl_")) {
        char run[FL_DB_RUN_ID_MAX + 1], slot[FL_DB_SLOT_MAX + 1];
        size_t len = (size_t)(p - name);
        if (len == 0 || len >= size)
            continue;
        memcpy(stem, name, len);
        stem[len] = 0;
        if (name_is_ours(name, stem, run, slot) && strcmp(slot, "build") != 0 &&
            strcmp(slot, "old") != 0)
            found = p;
    }
    if (!found)
        return 0;
    memcpy(stem, name, (size_t)(found - name));
    stem[found - name] = 0;
    return 1;
}

static int pg_drop_url(const fl_db_engine *e, const char *clone_url, fl_error *err)
{
    fl_db_target *t;
    int rc = pg_parse_url(e, clone_url, &t, err);
    if (rc != FL_OK)
        return rc;
    char stem[PG_NAME_MAX + 1];
    if (!parse_clone_name(t->name, stem, sizeof stem))
        rc = fl_error_set(err, FL_ERR_USAGE,
                          "'%s' is not a clone made by forkless (its name has no _fl_<run>_<slot> "
                          "part); not dropping it",
                          t->redacted);
    PGconn *conn = NULL;
    if (rc == FL_OK)
        rc = connect_maintenance(t, &conn, err);
    if (rc == FL_OK)
        rc = drop_database(conn, t->name, err);
    fl_pq.PQfinish(conn);
    pg_free_target(t);
    return rc;
}

/* 1 when the run's advisory lock is held by another session (the run is alive). */
static int run_is_alive(PGconn *conn, const char *run_id, int *alive, fl_error *err)
{
    char key[32], *got = NULL;
    lock_key(key, sizeof key, "forkless-run:", run_id);
    int rc = query_value(conn, "SELECT pg_try_advisory_lock($1::bigint)::text", key, &got,
                         "testing whether a run is alive", err);
    *alive = !got || strcmp(got, "true") != 0;
    free(got);
    return rc;
}

static int unlock_run(PGconn *conn, const char *run_id)
{
    char key[32];
    lock_key(key, sizeof key, "forkless-run:", run_id);
    const char *param = key;
    return run_sql(conn, "SELECT pg_advisory_unlock($1::bigint)", 1, &param, NULL, "unlocking",
                   NULL);
}

static int pg_gc(fl_db_target *t, FILE *log, size_t *removed, fl_error *err)
{
    PGconn *conn;
    int rc = connect_maintenance(t, &conn, err);
    if (rc != FL_OK)
        return rc;
    PGresult *res;
    rc = run_sql(conn,
                 "SELECT datname, coalesce(shobj_description(oid, 'pg_database'), '') "
                 "FROM pg_database ORDER BY datname",
                 0, NULL, &res, "listing databases", err);
    if (rc != FL_OK) {
        fl_pq.PQfinish(conn);
        return rc;
    }
    for (int i = 0; rc == FL_OK && i < fl_pq.PQntuples(res); i++) {
        char run[FL_DB_RUN_ID_MAX + 1], slot[FL_DB_SLOT_MAX + 1];
        const char *name = fl_pq.PQgetvalue(res, i, 0);
        if (!name_is_ours(name, t->name, run, slot) ||
            strcmp(fl_pq.PQgetvalue(res, i, 1), kept_mark) == 0)
            continue;
        int alive;
        rc = run_is_alive(conn, run, &alive, err);
        if (rc != FL_OK || alive)
            continue;
        rc = drop_database(conn, name, err);
        unlock_run(conn, run);
        if (rc == FL_OK) {
            if (log)
                fprintf(log, "removed database %s (run %s is not running)\n", name, run);
            if (removed)
                (*removed)++;
        }
    }
    fl_pq.PQclear(res);
    fl_pq.PQfinish(conn);
    return rc;
}

/* ---- the worker's conveniences ------------------------------------------------------------- */

/* PGDATABASE, PGHOST, PGPORT, PGUSER, PGPASSWORD (only when the URL has one: it is in
 * FORKLESS_DB_<ALIAS> anyway) and PGSSLMODE as the clone URL says. */
static int pg_worker_env(const fl_db_cloned *c, fl_env_cb cb, void *ud, fl_error *err)
{
    static const struct {
        const char *keyword, *var;
    } map[] = {{"host", "PGHOST"},         {"hostaddr", "PGHOSTADDR"}, {"port", "PGPORT"},
               {"user", "PGUSER"},         {"password", "PGPASSWORD"}, {"sslmode", "PGSSLMODE"}};
    PQconninfoOption *opts = fl_pq.PQconninfoParse(c->url, NULL);
    if (!opts)
        return fl_error_set(err, FL_ERR_DB, "cannot parse the clone URL of database '%s'", c->name);
    int rc = cb(ud, "PGDATABASE", c->name);
    for (PQconninfoOption *o = opts; rc == 0 && o->keyword; o++)
        for (size_t i = 0; rc == 0 && i < sizeof map / sizeof map[0]; i++)
            if (strcmp(o->keyword, map[i].keyword) == 0 && o->val && *o->val)
                rc = cb(ud, map[i].var, o->val);
    fl_pq.PQconninfoFree(opts);
    return rc == 0 ? FL_OK
                   : fl_error_set(err, rc < 0 ? rc : FL_ERR_NOMEM,
                                  "cannot set the PG* variables of a worker");
}

const fl_db_engine fl_db_engine_postgres = {
    .iVersion = 1,
    .name = "postgresql",
    .schemes = pg_schemes,
    .methods = pg_methods,
    .max_name_len = PG_NAME_MAX,
    .parse_url = pg_parse_url,
    .free_target = pg_free_target,
    .check_template = pg_check_template,
    .build_lock = pg_build_lock,
    .build_begin = pg_build_begin,
    .build_commit = pg_build_commit,
    .build_release = pg_build_release,
    .run_register = pg_run_register,
    .run_prepare = pg_run_prepare,
    .clone = pg_clone,
    .drop = pg_drop,
    .free_clone = pg_free_clone,
    .run_end = pg_run_end,
    .drop_url = pg_drop_url,
    .gc = pg_gc,
    .worker_env = pg_worker_env,
};
