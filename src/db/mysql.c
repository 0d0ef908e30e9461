/*
 * mysql.c — the MySQL/MariaDB engine (engine.h), on MariaDB Connector/C.  A template is a
 * schema ("database") on a server; a clone is a schema beside it named
 * "<template>_fl_<run>_<slot>", made server-side by one of two methods (mysql_copy.c):
 *   copy — tables re-created from SHOW CREATE TABLE, data by INSERT ... SELECT, then
 *          routines, views, triggers and events, no data through the client (default);
 *   dump — mysqldump --routines --events --triggers replayed by the mysql client, as
 *          Django's MySQL backend clones (the slow reference).
 *
 * Built templates.  MySQL has no RENAME DATABASE, so a template built by the setup command
 * stays where it was built, "<template>_fl_<run>_build", and the template's name becomes
 * an indirection: the per-server table `forkless`.`templates` maps the name to the schema
 * of its newest committed build and that build's cache key.  Committing a build is one
 * REPLACE of that row (atomic: a concurrent run sees the old build or the new one); the
 * superseded build is then dropped.  A name without a row is an ordinary schema (a ready
 * template given without a setup command).
 *
 * Liveness: a run holds GET_LOCK('forkless-run-<run>-<hash of template>') on a connection
 * it keeps for its whole life; the server releases it when that session ends, however the
 * process dies.  gc tests the lock with IS_USED_LOCK and drops only dead runs' schemas.
 * Kept clones (--keep, `forkless db clone`) are listed in `forkless`.`kept`, which gc
 * respects and `forkless db drop` clears.
 *
 * MariaDB Connector/C is not linked: it is loaded (and mysql_library_init run) when the
 * first MySQL URL is parsed, and called through fl_my (my_api.h), so programs that never
 * touch MySQL do not pay for it.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "db/engine.h"
#include "db/mysql_int.h"

enum { MYSQL_NAME_MAX = 64 };

static const char *const mysql_methods[] = {"copy", "dump", NULL};
static const char *const mysql_schemes[] = {"mysql", "mariadb", NULL};

typedef struct my_target {
    my_url url;
} my_target;

typedef struct my_run {
    MYSQL *lock_conn;  /* holds the run's GET_LOCK */
    char *source;      /* the schema clones are made from */
    int dump;          /* the dump method */
} my_run;

typedef struct my_build {
    MYSQL *conn;       /* holds the build lock */
    char *previous;    /* the schema the template name pointed at, or NULL */
    int begun, committed;
} my_build;

static my_url *url_of(const fl_db_target *t) { return &((my_target *)t->priv)->url; }

/* ---- strings ---------------------------------------------------------------------------- */

void my_buf_ident(fl_db_buf *b, const char *name)
{
    fl_db_buf_add(b, "`", 1);
    for (const char *p = name; *p; p++)
        fl_db_buf_add(b, *p == '`' ? "``" : p, *p == '`' ? 2 : 1);
    fl_db_buf_add(b, "`", 1);
}

void my_buf_literal(fl_db_buf *b, MYSQL *m, const char *text)
{
    size_t n = strlen(text);
    char *esc = malloc(2 * n + 1);
    if (!esc) {
        b->failed = 1;
        return;
    }
    unsigned long len = fl_my.mysql_real_escape_string(m, esc, text, (unsigned long)n);
    fl_db_buf_add(b, "'", 1);
    fl_db_buf_add(b, esc, len);
    fl_db_buf_add(b, "'", 1);
    free(esc);
}

/* ---- URLs --------------------------------------------------------------------------------- */

static void free_url(my_url *u)
{
    char **fields[] = {&u->scheme, &u->authority, &u->query, &u->user, &u->password,
                       &u->host, &u->database, &u->socket, &u->charset, &u->default_file,
                       &u->default_group, &u->ssl_ca, &u->ssl_capath, &u->ssl_cert,
                       &u->ssl_key, &u->ssl_cipher};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        free(*fields[i]);
        *fields[i] = NULL;
    }
}

static int parse_bool(const char *v, int *out)
{
    static const char *const yes[] = {"1", "true", "yes", "on", "required", NULL};
    static const char *const no[] = {"0", "false", "no", "off", "disabled", NULL};
    for (size_t i = 0; yes[i]; i++)
        if (strcasecmp(v, yes[i]) == 0)
            return *out = 1, 0;
    for (size_t i = 0; no[i]; i++)
        if (strcasecmp(v, no[i]) == 0)
            return *out = 0, 0;
    return -1;
}

static int parse_uint(const char *v, unsigned max, unsigned *out)
{
    char *end;
    unsigned long n = strtoul(v, &end, 10);
    if (!*v || *end || n > max)
        return -1;
    *out = (unsigned)n;
    return 0;
}

/* Sets one ?key=value option; -1 for an unknown key, -2 for a bad value. */
static int set_option(my_url *u, const char *key, char *value)
{
    char k[64];
    snprintf(k, sizeof k, "%s", key);
    for (char *p = k; *p; p++)
        *p = *p == '-' ? '_' : (char)tolower((unsigned char)*p);
    char **text = strcmp(k, "socket") == 0 || strcmp(k, "unix_socket") == 0 ? &u->socket
                  : strcmp(k, "charset") == 0 || strcmp(k, "default_character_set") == 0
                      ? &u->charset
                  : strcmp(k, "read_default_file") == 0 ? &u->default_file
                  : strcmp(k, "read_default_group") == 0 ? &u->default_group
                  : strcmp(k, "ssl_ca") == 0 ? &u->ssl_ca
                  : strcmp(k, "ssl_capath") == 0 ? &u->ssl_capath
                  : strcmp(k, "ssl_cert") == 0 ? &u->ssl_cert
                  : strcmp(k, "ssl_key") == 0 ? &u->ssl_key
                  : strcmp(k, "ssl_cipher") == 0 ? &u->ssl_cipher
                                                 : NULL;
    if (text) {
        free(*text);
        *text = value;
        return 0;
    }
    int rc = -1;
    if (strcmp(k, "ssl") == 0 || strcmp(k, "ssl_mode") == 0)
        rc = parse_bool(value, &u->ssl) == 0 ? 0 : -2;
    else if (strcmp(k, "ssl_verify_server_cert") == 0)
        rc = parse_bool(value, &u->ssl_verify) == 0 ? 0 : -2;
    else if (strcmp(k, "connect_timeout") == 0)
        rc = parse_uint(value, 3600, &u->connect_timeout) == 0 ? 0 : -2;
    else if (strcmp(k, "copy_jobs") == 0)
        rc = parse_uint(value, 64, &u->copy_jobs) == 0 && u->copy_jobs > 0 ? 0 : -2;
    free(value);
    return rc;
}

static int parse_query(my_url *u, const char *query, const char *shown, fl_error *err)
{
    const char *p = query;
    while (*p) {
        size_t len = strcspn(p, "&");
        const char *eq = memchr(p, '=', len);
        if (len == 0) {
            p++;
            continue;
        }
        if (!eq)
            return fl_error_set(err, FL_ERR_USAGE, "MySQL URL '%s': option '%.*s' has no value",
                                shown, (int)len, p);
        char *key = fl_db_percent_decode(p, (size_t)(eq - p));
        char *value = fl_db_percent_decode(eq + 1, len - (size_t)(eq - p) - 1);
        if (!key || !value) {
            free(key);
            free(value);
            return fl_error_set(err, FL_ERR_USAGE, "MySQL URL '%s' has a bad %%-escape", shown);
        }
        int rc = set_option(u, key, value);
        if (rc != 0) {
            int e = fl_error_set(
                err, FL_ERR_USAGE,
                rc == -1 ? "MySQL URL '%s': unknown option '%s' (known: socket, charset, ssl, "
                           "ssl_ca, ssl_capath, ssl_cert, ssl_key, ssl_cipher, "
                           "ssl_verify_server_cert, connect_timeout, copy_jobs, read_default_file, "
                           "read_default_group)"
                         : "MySQL URL '%s': bad value for option '%s'",
                shown, key);
            free(key);
            return e;
        }
        free(key);
        p += len + (p[len] == '&');
    }
    return FL_OK;
}

/* Splits "user:pw@host:port" into its decoded parts. */
static int parse_authority(my_url *u, const char *a, size_t alen, const char *shown,
                           fl_error *err)
{
    const char *at = NULL;
    for (size_t i = 0; i < alen; i++)
        if (a[i] == '@')
            at = a + i;
    const char *hp = a;
    if (at) {
        const char *colon = memchr(a, ':', (size_t)(at - a));
        size_t ulen = colon ? (size_t)(colon - a) : (size_t)(at - a);
        u->user = ulen ? fl_db_percent_decode(a, ulen) : NULL;
        if (colon)
            u->password = fl_db_percent_decode(colon + 1, (size_t)(at - colon - 1));
        if ((ulen && !u->user) || (colon && !u->password))
            return fl_error_set(err, FL_ERR_USAGE, "MySQL URL '%s' has a bad %%-escape", shown);
        hp = at + 1;
    }
    size_t hlen = alen - (size_t)(hp - a);
    const char *port = NULL;
    if (hlen && hp[0] == '[') {
        const char *close = memchr(hp, ']', hlen);
        if (!close)
            return fl_error_set(err, FL_ERR_USAGE, "MySQL URL '%s': unclosed '[' in the host",
                                shown);
        u->host = strndup(hp + 1, (size_t)(close - hp - 1));
        if (close + 1 < hp + hlen && close[1] == ':')
            port = close + 2;
    } else {
        const char *colon = memchr(hp, ':', hlen);
        size_t len = colon ? (size_t)(colon - hp) : hlen;
        if (len)
            u->host = fl_db_percent_decode(hp, len);
        if (colon)
            port = colon + 1;
    }
    if (port) {
        char text[16];
        size_t plen = (size_t)(a + alen - port);
        snprintf(text, sizeof text, "%.*s", (int)(plen < 15 ? plen : 15), port);
        if (plen > 5 || parse_uint(text, 65535, &u->port) != 0 || u->port == 0)
            return fl_error_set(err, FL_ERR_USAGE, "MySQL URL '%s' has a bad port '%.*s'",
                                shown, (int)plen, port);
    }
    return FL_OK;
}

static int parse_mysql_url(const char *url, my_url *u, const char *shown, fl_error *err)
{
    memset(u, 0, sizeof *u);
    const char *sep = strstr(url, "://");
    if (!sep)
        return fl_error_set(err, FL_ERR_USAGE,
                            "'%s' is not a MySQL URL (expected mysql://user:password@host:port/"
                            "database)",
                            shown);
    u->scheme = strndup(url, (size_t)(sep - url));
    for (char *p = u->scheme; p && *p; p++)
        *p = (char)tolower((unsigned char)*p);
    const char *a = sep + 3;
    size_t alen = strcspn(a, "/?#");
    u->authority = strndup(a, alen);
    int rc = parse_authority(u, a, alen, shown, err);
    if (rc != FL_OK)
        return rc;
    const char *path = a + alen;
    if (*path == '#' || strchr(path, '#'))
        return fl_error_set(err, FL_ERR_USAGE, "MySQL URL '%s' has a fragment ('#')", shown);
    size_t plen = strcspn(path, "?");
    if (plen > 1)
        u->database = fl_db_percent_decode(path + 1, plen - 1);
    if (plen > 1 && !u->database)
        return fl_error_set(err, FL_ERR_USAGE, "MySQL URL '%s' has a bad %%-escape", shown);
    if (!u->database || !*u->database)
        return fl_error_set(err, FL_ERR_USAGE,
                            "MySQL URL '%s' names no database (expected mysql://user@host/name)",
                            shown);
    if (strchr(u->database, '/') || strlen(u->database) > MYSQL_NAME_MAX)
        return fl_error_set(err, FL_ERR_USAGE,
                            "MySQL URL '%s': '%s' is not a database name (at most %d bytes, no "
                            "'/')",
                            shown, u->database, MYSQL_NAME_MAX);
    u->query = strdup(path[plen] == '?' ? path + plen + 1 : "");
    if (!u->scheme || !u->authority || !u->query)
        return fl_error_set(err, FL_ERR_NOMEM, "out of memory");
    return parse_query(u, u->query, shown, err);
}

/* "scheme://authority/<name>?query" — the URL of another database on the same server. */
static char *url_for_database(const my_url *u, const char *name)
{
    fl_db_buf b = {0};
    fl_db_buf_printf(&b, "%s://%s/", u->scheme, u->authority);
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        if (isalnum(*p) || *p == '_' || *p == '-' || *p == '.' || *p == '$')
            fl_db_buf_add(&b, (const char *)p, 1);
        else
            fl_db_buf_printf(&b, "%%%02X", *p);
    }
    if (*u->query)
        fl_db_buf_printf(&b, "?%s", u->query);
    if (b.failed) {
        fl_db_buf_free(&b);
        return NULL;
    }
    return b.s;
}

/* ---- connections ---------------------------------------------------------------------- */

int my_connect(const my_url *u, const char *shown, MYSQL **out, fl_error *err)
{
    MYSQL *m = fl_my.mysql_init(NULL);
    if (!m)
        return fl_error_set(err, FL_ERR_NOMEM, "out of memory connecting to '%s'", shown);
    unsigned timeout = u->connect_timeout ? u->connect_timeout : 10;
    fl_my.mysql_optionsv(m, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
    if (u->default_file)
        fl_my.mysql_optionsv(m, MYSQL_READ_DEFAULT_FILE, u->default_file);
    if (u->default_group)
        fl_my.mysql_optionsv(m, MYSQL_READ_DEFAULT_GROUP, u->default_group);
    else if (u->default_file)
        fl_my.mysql_optionsv(m, MYSQL_READ_DEFAULT_GROUP, "client");
    fl_my.mysql_optionsv(m, MYSQL_SET_CHARSET_NAME, u->charset ? u->charset : "utf8mb4");
    if (u->ssl || u->ssl_ca || u->ssl_cert) {
        my_bool on = 1;
        fl_my.mysql_ssl_set(m, u->ssl_key, u->ssl_cert, u->ssl_ca, u->ssl_capath, u->ssl_cipher);
        if (u->ssl)
            fl_my.mysql_optionsv(m, MYSQL_OPT_SSL_ENFORCE, &on);
    }
    my_bool verify = (my_bool)u->ssl_verify;
    fl_my.mysql_optionsv(m, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &verify);
    if (!fl_my.mysql_real_connect(m, u->host, u->user, u->password, NULL, u->port, u->socket, 0)) {
        fl_error_set(err, FL_ERR_DB, "cannot connect to the MySQL server of '%s': %s", shown,
                     fl_my.mysql_error(m));
        fl_my.mysql_close(m);
        return FL_ERR_DB;
    }
    *out = m;
    return FL_OK;
}

int my_exec(MYSQL *m, const char *sql, const char *what, fl_error *err)
{
    if (fl_my.mysql_real_query(m, sql, strlen(sql)) != 0)
        return fl_error_set(err, FL_ERR_DB, "%s: %s", what, fl_my.mysql_error(m));
    do {
        MYSQL_RES *res = fl_my.mysql_store_result(m);
        if (res)
            fl_my.mysql_free_result(res);
    } while (fl_my.mysql_next_result(m) == 0);
    return FL_OK;
}

MYSQL_RES *my_query(MYSQL *m, const char *sql, const char *what, fl_error *err)
{
    if (fl_my.mysql_real_query(m, sql, strlen(sql)) != 0) {
        fl_error_set(err, FL_ERR_DB, "%s: %s", what, fl_my.mysql_error(m));
        return NULL;
    }
    MYSQL_RES *res = fl_my.mysql_store_result(m);
    if (!res)
        fl_error_set(err, FL_ERR_DB, "%s: %s", what,
                     fl_my.mysql_errno(m) ? fl_my.mysql_error(m)
                                          : "the statement returned no rows");
    return res;
}

int my_query_value(MYSQL *m, const char *sql, char **value, int *found, const char *what,
                   fl_error *err)
{
    *value = NULL;
    *found = 0;
    MYSQL_RES *res = my_query(m, sql, what, err);
    if (!res)
        return FL_ERR_DB;
    MYSQL_ROW row = fl_my.mysql_fetch_row(res);
    if (row && row[0]) {
        *value = strdup(row[0]);
        *found = 1;
    }
    fl_my.mysql_free_result(res);
    return *found && !*value ? fl_error_set(err, FL_ERR_NOMEM, "out of memory") : FL_OK;
}

/* Runs a statement built in b (freeing it). */
static int exec_buf(MYSQL *m, fl_db_buf *b, const char *what, fl_error *err)
{
    int rc = b->failed ? fl_error_set(err, FL_ERR_NOMEM, "out of memory")
                       : my_exec(m, b->s, what, err);
    fl_db_buf_free(b);
    return rc;
}

static int schema_exists(MYSQL *m, const char *name, int *exists, fl_error *err)
{
    fl_db_buf b = {0};
    fl_db_buf_puts(&b, "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ");
    my_buf_literal(&b, m, name);
    char *value = NULL;
    int rc = b.failed ? fl_error_set(err, FL_ERR_NOMEM, "out of memory")
                      : my_query_value(m, b.s, &value, exists, "listing databases", err);
    free(value);
    fl_db_buf_free(&b);
    return rc;
}

static int drop_schema(MYSQL *m, const char *name, fl_error *err)
{
    fl_db_buf b = {0};
    char what[160];
    snprintf(what, sizeof what, "cannot drop database '%s'", name);
    fl_db_buf_puts(&b, "DROP DATABASE IF EXISTS ");
    my_buf_ident(&b, name);
    return exec_buf(m, &b, what, err);
}

/* ---- the per-server `forkless` schema: built templates and kept clones --------------------- */

static int ensure_meta(MYSQL *m, fl_error *err)
{
    static const char *const ddl[] = {
        "CREATE DATABASE IF NOT EXISTS `forkless` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin",
        "CREATE TABLE IF NOT EXISTS `forkless`.`templates` ("
        " `name` VARCHAR(64) NOT NULL PRIMARY KEY, `actual` VARCHAR(64) NOT NULL,"
        " `cache_key` VARCHAR(72) NOT NULL, `built_at` TIMESTAMP NOT NULL DEFAULT"
        " CURRENT_TIMESTAMP) ENGINE=InnoDB CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
        " COMMENT 'forkless: template name -> schema of its newest build'",
        "CREATE TABLE IF NOT EXISTS `forkless`.`kept` ("
        " `name` VARCHAR(64) NOT NULL PRIMARY KEY, `kept_at` TIMESTAMP NOT NULL DEFAULT"
        " CURRENT_TIMESTAMP) ENGINE=InnoDB CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
        " COMMENT 'forkless: clones kept by --keep or db clone; gc leaves them'",
    };
    for (size_t i = 0; i < sizeof ddl / sizeof ddl[0]; i++) {
        int rc = my_exec(m, ddl[i], "cannot create forkless's bookkeeping schema `forkless`", err);
        if (rc != FL_OK)
            return rc;
    }
    return FL_OK;
}

/* 1 for "unknown database"/"table doesn't exist": the bookkeeping schema is not there yet. */
static int meta_missing(MYSQL *m)
{
    unsigned e = fl_my.mysql_errno(m);
    return e == 1049 || e == 1146;
}

/* Looks up a template name in `forkless`.`templates`: *actual and key (may be NULL). */
static int lookup_template(MYSQL *m, const char *name, char **actual, char key[72], fl_error *err)
{
    *actual = NULL;
    if (key)
        key[0] = 0;
    fl_db_buf b = {0};
    fl_db_buf_puts(&b, "SELECT `actual`, `cache_key` FROM `forkless`.`templates` WHERE `name` = ");
    my_buf_literal(&b, m, name);
    if (b.failed)
        return fl_error_set(err, FL_ERR_NOMEM, "out of memory");
    int qrc = fl_my.mysql_real_query(m, b.s, b.len);
    fl_db_buf_free(&b);
    if (qrc != 0) {
        if (meta_missing(m))
            return FL_OK;
        return fl_error_set(err, FL_ERR_DB, "reading `forkless`.`templates`: %s",
                            fl_my.mysql_error(m));
    }
    MYSQL_RES *res = fl_my.mysql_store_result(m);
    if (!res)
        return fl_error_set(err, FL_ERR_DB, "reading `forkless`.`templates`: %s",
                            fl_my.mysql_error(m));
    MYSQL_ROW row = fl_my.mysql_fetch_row(res);
    int found = row && row[0];
    if (found) {
        *actual = strdup(row[0]);
        if (key && row[1])
            snprintf(key, 72, "%s", row[1]);
    }
    fl_my.mysql_free_result(res); /* row points into res: use only `found` from here */
    return found && !*actual ? fl_error_set(err, FL_ERR_NOMEM, "out of memory") : FL_OK;
}

static int is_kept(MYSQL *m, const char *name, int *kept, fl_error *err)
{
    *kept = 0;
    fl_db_buf b = {0};
    fl_db_buf_puts(&b, "SELECT 1 FROM `forkless`.`kept` WHERE `name` = ");
    my_buf_literal(&b, m, name);
    if (b.failed)
        return fl_error_set(err, FL_ERR_NOMEM, "out of memory");
    int qrc = fl_my.mysql_real_query(m, b.s, b.len);
    fl_db_buf_free(&b);
    if (qrc != 0)
        return meta_missing(m) ? FL_OK
                               : fl_error_set(err, FL_ERR_DB, "reading `forkless`.`kept`: %s",
                                              fl_my.mysql_error(m));
    MYSQL_RES *res = fl_my.mysql_store_result(m);
    if (!res)
        return fl_error_set(err, FL_ERR_DB, "reading `forkless`.`kept`: %s", fl_my.mysql_error(m));
    *kept = fl_my.mysql_fetch_row(res) != NULL;
    fl_my.mysql_free_result(res);
    return FL_OK;
}

static int forget_kept(MYSQL *m, const char *name, fl_error *err)
{
    fl_db_buf b = {0};
    fl_db_buf_puts(&b, "DELETE FROM `forkless`.`kept` WHERE `name` = ");
    my_buf_literal(&b, m, name);
    if (b.failed)
        return fl_error_set(err, FL_ERR_NOMEM, "out of memory");
    int qrc = fl_my.mysql_real_query(m, b.s, b.len);
    fl_db_buf_free(&b);
    if (qrc != 0 && !meta_missing(m))
        return fl_error_set(err, FL_ERR_DB, "updating `forkless`.`kept`: %s", fl_my.mysql_error(m));
    return FL_OK;
}

/* The schema clones of a template are made from: its newest build, or the schema itself. */
static int resolve_source(MYSQL *m, const fl_db_target *t, char **source, fl_error *err)
{
    char *actual = NULL;
    int exists = 0;
    int rc = lookup_template(m, t->name, &actual, NULL, err);
    if (rc != FL_OK)
        return rc;
    const char *name = actual ? actual : t->name;
    rc = schema_exists(m, name, &exists, err);
    if (rc == FL_OK && !exists)
        rc = actual ? fl_error_set(err, FL_ERR_DB,
                                   "template database '%s' does not exist (its build '%s' is "
                                   "gone; rebuild it with the setup command)",
                                   t->name, actual)
                    : fl_error_set(err, FL_ERR_DB, "template database '%s' does not exist",
                                   t->name);
    if (rc == FL_OK && !(*source = strdup(name)))
        rc = fl_error_set(err, FL_ERR_NOMEM, "out of memory");
    free(actual);
    return rc;
}

/* ---- names and locks ------------------------------------------------------------------------ */

static int object_name(const char *template_name, const char *run_id, const char *slot,
                       char name[MYSQL_NAME_MAX + 1], fl_error *err)
{
    return fl_db_name_make(name, MYSQL_NAME_MAX + 1, MYSQL_NAME_MAX, template_name, "_fl_", '_',
                           run_id, slot, "", err);
}

static uint32_t name_hash(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 16777619u;
    }
    return h;
}

static void run_lock_name(const char *template_name, const char *run_id, char out[64])
{
    snprintf(out, 64, "forkless-run-%s-%08x", run_id, (unsigned)name_hash(template_name));
}

/* GET_LOCK(name, timeout): 1 when taken. */
static int get_lock(MYSQL *m, const char *name, long timeout, int *taken, fl_error *err)
{
    fl_db_buf b = {0};
    fl_db_buf_puts(&b, "SELECT GET_LOCK(");
    my_buf_literal(&b, m, name);
    fl_db_buf_printf(&b, ", %ld)", timeout);
    char *value = NULL;
    int found = 0;
    int rc = b.failed ? fl_error_set(err, FL_ERR_NOMEM, "out of memory")
                      : my_query_value(m, b.s, &value, &found, "GET_LOCK", err);
    *taken = found && value && strcmp(value, "1") == 0;
    free(value);
    fl_db_buf_free(&b);
    return rc;
}

/* ---- targets ----------------------------------------------------------------------------------- */

static void mysql_free_target(fl_db_target *t)
{
    if (!t)
        return;
    if (t->priv) {
        free_url(url_of(t));
        free(t->priv);
    }
    free(t->url);
    free(t->redacted);
    free(t->name);
    free(t);
}

static int mysql_parse_url(const fl_db_engine *e, const char *url, fl_db_target **out,
                           fl_error *err)
{
    char shown[1024];
    fl_db_redact_url(url, shown, sizeof shown);
    fl_db_target *t = calloc(1, sizeof *t);
    my_target *mt = calloc(1, sizeof *mt);
    if (!t || !mt) {
        free(t);
        free(mt);
        return fl_error_set(err, FL_ERR_NOMEM, "out of memory");
    }
    t->engine = e;
    t->priv = mt;
    int rc = parse_mysql_url(url, &mt->url, shown, err);
    if (rc == FL_OK) /* loads and initialises the library; every other entry point comes later */
        rc = fl_my_load(err);
    if (rc == FL_OK) {
        t->url = strdup(url);
        t->redacted = strdup(shown);
        t->name = strdup(mt->url.database);
        if (!t->url || !t->redacted || !t->name)
            rc = fl_error_set(err, FL_ERR_NOMEM, "out of memory");
    }
    if (rc != FL_OK) {
        mysql_free_target(t);
        return rc;
    }
    *out = t;
    return FL_OK;
}

static int connect_target(const fl_db_target *t, MYSQL **m, fl_error *err)
{
    return my_connect(url_of(t), t->redacted, m, err);
}

static int mysql_check_template(fl_db_target *t, fl_error *err)
{
    MYSQL *m;
    int rc = connect_target(t, &m, err);
    if (rc != FL_OK)
        return rc;
    char *source = NULL;
    rc = resolve_source(m, t, &source, err);
    free(source);
    fl_my.mysql_close(m);
    return rc;
}

/* ---- template builds ------------------------------------------------------------------------------ */

static int mysql_build_lock(fl_db_target *t, fl_db_build **out, fl_error *err)
{
    fl_db_build *b = calloc(1, sizeof *b);
    my_build *mb = calloc(1, sizeof *mb);
    if (!b || !mb) {
        free(b);
        free(mb);
        return fl_error_set(err, FL_ERR_NOMEM, "out of memory");
    }
    b->target = t;
    b->priv = mb;
    int rc = connect_target(t, &mb->conn, err);
    char lock[64];
    snprintf(lock, sizeof lock, "forkless-build-%08x", (unsigned)name_hash(t->name));
    int taken = 0;
    while (rc == FL_OK && !taken)
        rc = get_lock(mb->conn, lock, 3600, &taken, err);
    if (rc == FL_OK)
        rc = lookup_template(mb->conn, t->name, &mb->previous, b->stored_key, err);
    if (rc == FL_OK) {
        int exists = 0;
        rc = schema_exists(mb->conn, mb->previous ? mb->previous : t->name, &exists, err);
        b->exists = exists;
    }
    if (rc != FL_OK) {
        if (mb->conn)
            fl_my.mysql_close(mb->conn);
        free(mb->previous);
        free(mb);
        free(b);
        return rc;
    }
    *out = b;
    return FL_OK;
}

static int mysql_build_begin(fl_db_build *b, const char *run_id, fl_error *err)
{
    my_build *mb = b->priv;
    char name[MYSQL_NAME_MAX + 1];
    int rc = object_name(b->target->name, run_id, "build", name, err);
    if (rc != FL_OK)
        return rc;
    rc = drop_schema(mb->conn, name, err);
    fl_db_buf sql = {0};
    fl_db_buf_puts(&sql, "CREATE DATABASE ");
    my_buf_ident(&sql, name);
    char what[160];
    snprintf(what, sizeof what, "cannot create the template database '%s'", name);
    if (rc == FL_OK)
        rc = exec_buf(mb->conn, &sql, what, err);
    else
        fl_db_buf_free(&sql);
    if (rc != FL_OK)
        return rc;
    mb->begun = 1;
    b->name = strdup(name);
    b->url = url_for_database(url_of(b->target), name);
    return b->name && b->url ? FL_OK : fl_error_set(err, FL_ERR_NOMEM, "out of memory");
}

static int mysql_build_commit(fl_db_build *b, const char *key, fl_error *err)
{
    my_build *mb = b->priv;
    int exists = 0;
    int rc = schema_exists(mb->conn, b->name, &exists, err);
    if (rc == FL_OK && !exists)
        return fl_error_set(err, FL_ERR_DB,
                            "the template database '%s' is gone: the setup command dropped it",
                            b->name);
    if (rc == FL_OK)
        rc = ensure_meta(mb->conn, err);
    fl_db_buf sql = {0};
    fl_db_buf_puts(&sql, "REPLACE INTO `forkless`.`templates` (`name`, `actual`, `cache_key`) VALUES (");
    my_buf_literal(&sql, mb->conn, b->target->name);
    fl_db_buf_puts(&sql, ", ");
    my_buf_literal(&sql, mb->conn, b->name);
    fl_db_buf_puts(&sql, ", ");
    my_buf_literal(&sql, mb->conn, key);
    fl_db_buf_puts(&sql, ")");
    if (rc == FL_OK)
        rc = exec_buf(mb->conn, &sql, "cannot record the template in `forkless`.`templates`", err);
    else
        fl_db_buf_free(&sql);
    if (rc != FL_OK)
        return rc;
    mb->committed = 1;
    /* The superseded build: a run that resolved it a moment ago and is still copying from it
     * fails cleanly ("table doesn't exist") rather than seeing a mix. */
    if (mb->previous && strcmp(mb->previous, b->name) != 0)
        drop_schema(mb->conn, mb->previous, NULL);
    return FL_OK;
}

static void mysql_build_release(fl_db_build *b)
{
    if (!b)
        return;
    my_build *mb = b->priv;
    if (mb->begun && !mb->committed && b->name)
        drop_schema(mb->conn, b->name, NULL);
    fl_my.mysql_close(mb->conn); /* ends the session: the build lock goes with it */
    free(mb->previous);
    free(mb);
    free(b->url);
    free(b->name);
    free(b);
}

/* ---- runs and clones -------------------------------------------------------------------------------- */

static int mysql_run_register(fl_db_target *t, const char *run_id, fl_db_run **out, fl_error *err)
{
    fl_db_run *r = calloc(1, sizeof *r);
    my_run *mr = calloc(1, sizeof *mr);
    if (!r || !mr) {
        free(r);
        free(mr);
        return fl_error_set(err, FL_ERR_NOMEM, "out of memory");
    }
    int rc = connect_target(t, &mr->lock_conn, err);
    char lock[64];
    run_lock_name(t->name, run_id, lock);
    int taken = 0;
    if (rc == FL_OK)
        rc = get_lock(mr->lock_conn, lock, 0, &taken, err);
    if (rc == FL_OK && !taken)
        rc = fl_error_set(err, FL_ERR_DB, "run id '%s' is already in use on '%s'", run_id,
                          t->redacted);
    if (rc != FL_OK) {
        if (mr->lock_conn)
            fl_my.mysql_close(mr->lock_conn);
        free(mr);
        free(r);
        return rc;
    }
    r->target = t;
    snprintf(r->run_id, sizeof r->run_id, "%s", run_id);
    r->priv = mr;
    *out = r;
    return FL_OK;
}

static int mysql_run_prepare(fl_db_run *r, const char *method, fl_error *err)
{
    my_run *mr = r->priv;
    const char *m;
    int rc = fl_db_resolve_method(r->target->engine, method, &m, r->target->redacted, err);
    if (rc != FL_OK)
        return rc;
    snprintf(r->method, sizeof r->method, "%s", m);
    mr->dump = strcmp(m, "dump") == 0;
    free(mr->source);
    mr->source = NULL;
    return resolve_source(mr->lock_conn, r->target, &mr->source, err);
}

static fl_db_cloned *new_clone(const fl_db_target *t, const char *name, const char *method,
                              const char *slot)
{
    fl_db_cloned *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->engine = t->engine;
    c->url = url_for_database(url_of(t), name);
    c->name = strdup(name);
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

/* Drops a half-made clone, on a fresh connection if the one we had broke. */
static void drop_half_made(const fl_db_target *t, MYSQL *m, const char *name)
{
    if (m && drop_schema(m, name, NULL) == FL_OK)
        return;
    MYSQL *fresh;
    if (connect_target(t, &fresh, NULL) == FL_OK) {
        drop_schema(fresh, name, NULL);
        fl_my.mysql_close(fresh);
    }
}

static int mysql_clone(fl_db_run *r, const char *slot, fl_db_cloned **out, fl_error *err)
{
    my_run *mr = r->priv;
    char name[MYSQL_NAME_MAX + 1];
    int rc = object_name(r->target->name, r->run_id, slot, name, err);
    if (rc != FL_OK)
        return rc;
    if (!mr->source)
        return fl_error_set(err, FL_ERR_DB, "run_prepare was not called for '%s'",
                            r->target->redacted);
    fl_my.mysql_thread_init();
    MYSQL *m = NULL;
    rc = connect_target(r->target, &m, err);
    int exists = 0;
    if (rc == FL_OK)
        rc = schema_exists(m, name, &exists, err);
    if (rc == FL_OK && exists)
        rc = fl_error_set(err, FL_ERR_DB, "cannot create clone '%s': it already exists", name);
    int made = 0;
    if (rc == FL_OK) {
        made = 1;
        rc = mr->dump ? my_dump_schema(url_of(r->target), r->target->redacted, m, mr->source,
                                       name, err)
                      : my_copy_schema(url_of(r->target), r->target->redacted, m, mr->source,
                                       name, err);
        if (rc != FL_OK)
            fl_error_prefix(err, "copying '%s' into clone '%s'", mr->source, name);
    }
    if (rc == FL_OK && !(*out = new_clone(r->target, name, r->method, slot)))
        rc = fl_error_set(err, FL_ERR_NOMEM, "out of memory");
    if (rc != FL_OK && made)
        drop_half_made(r->target, m, name);
    if (m)
        fl_my.mysql_close(m);
    fl_my.mysql_thread_end();
    return rc;
}

/* A connection to the server of a clone (its URL carries the template's parameters). */
static int connect_clone(const fl_db_cloned *c, MYSQL **m, fl_error *err)
{
    char shown[1024];
    fl_db_redact_url(c->url, shown, sizeof shown);
    my_url u;
    int rc = parse_mysql_url(c->url, &u, shown, err);
    if (rc == FL_OK)
        rc = my_connect(&u, shown, m, err);
    free_url(&u);
    return rc;
}

static int mysql_drop(fl_db_cloned *c, fl_error *err)
{
    fl_my.mysql_thread_init();
    MYSQL *m;
    int rc = connect_clone(c, &m, err);
    if (rc == FL_OK) {
        rc = drop_schema(m, c->name, err);
        fl_my.mysql_close(m);
    }
    fl_my.mysql_thread_end();
    return rc;
}

static void mysql_free_clone(fl_db_cloned *c)
{
    if (!c)
        return;
    free(c->url);
    free(c->name);
    free(c);
}

/* The names of the schemas on the server that are ours for template_name, with run and
 * slot; calls fn for each (stopping at the first error). */
typedef int (*schema_fn)(MYSQL *m, const char *name, const char *run, const char *slot,
                         void *ud, fl_error *err);

static int each_schema_of(MYSQL *m, const char *template_name, schema_fn fn, void *ud,
                          fl_error *err)
{
    MYSQL_RES *res = my_query(m, "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA",
                              "listing databases", err);
    if (!res)
        return FL_ERR_DB;
    int rc = FL_OK;
    MYSQL_ROW row;
    while (rc == FL_OK && (row = fl_my.mysql_fetch_row(res))) {
        char run[FL_DB_RUN_ID_MAX + 1], slot[FL_DB_SLOT_MAX + 1];
        if (row[0] && fl_db_name_match(row[0], MYSQL_NAME_MAX, template_name, "_fl_", '_', "",
                                       NULL, run, slot, NULL))
            rc = fn(m, row[0], run, slot, ud, err);
    }
    fl_my.mysql_free_result(res);
    return rc;
}

static int mark_kept(MYSQL *m, const char *name, const char *run, const char *slot, void *ud,
                     fl_error *err)
{
    if (strcmp(run, (const char *)ud) != 0 || strcmp(slot, "build") == 0)
        return FL_OK;
    fl_db_buf b = {0};
    fl_db_buf_puts(&b, "REPLACE INTO `forkless`.`kept` (`name`) VALUES (");
    my_buf_literal(&b, m, name);
    fl_db_buf_puts(&b, ")");
    return exec_buf(m, &b, "cannot record a kept clone in `forkless`.`kept`", err);
}

static int mysql_run_end(fl_db_run *r, int keep, fl_error *err)
{
    my_run *mr = r->priv;
    int rc = FL_OK;
    if (keep) {
        rc = ensure_meta(mr->lock_conn, err);
        if (rc == FL_OK)
            rc = each_schema_of(mr->lock_conn, r->target->name, mark_kept, r->run_id, err);
    }
    fl_my.mysql_close(mr->lock_conn); /* the run's lock goes with the session */
    free(mr->source);
    free(mr);
    free(r);
    return rc;
}

/* ---- drop by URL and gc ----------------------------------------------------------------------------- */

/* Splits a clone name "<stem>_fl_<run>_<slot>" (the last "_fl_"); 1 when it is one. */
static int parse_clone_name(const char *name, char stem[MYSQL_NAME_MAX + 1],
                            char run[FL_DB_RUN_ID_MAX + 1], char slot[FL_DB_SLOT_MAX + 1])
{
    const char *infix = NULL;
    for (const char *p = strstr(name, "_fl_"); p; p = strstr(p + 1, "_fl_"))
        infix = p;
    if (!infix || infix == name || (size_t)(infix - name) > MYSQL_NAME_MAX)
        return 0;
    snprintf(stem, MYSQL_NAME_MAX + 1, "%.*s", (int)(infix - name), name);
    return fl_db_name_match(name, MYSQL_NAME_MAX, stem, "_fl_", '_', "", NULL, run, slot, NULL);
}

static int mysql_drop_url(const fl_db_engine *e, const char *clone_url, fl_error *err)
{
    fl_db_target *t;
    int rc = mysql_parse_url(e, clone_url, &t, err);
    if (rc != FL_OK)
        return rc;
    char stem[MYSQL_NAME_MAX + 1], run[FL_DB_RUN_ID_MAX + 1], slot[FL_DB_SLOT_MAX + 1];
    if (!parse_clone_name(t->name, stem, run, slot) || strcmp(slot, "build") == 0)
        rc = fl_error_set(err, FL_ERR_USAGE,
                          "'%s' is not a clone made by forkless (its name has no _fl_<run>_<slot> "
                          "part); not dropping it",
                          t->redacted);
    MYSQL *m = NULL;
    if (rc == FL_OK)
        rc = connect_target(t, &m, err);
    if (rc == FL_OK)
        rc = drop_schema(m, t->name, err);
    if (rc == FL_OK)
        rc = forget_kept(m, t->name, err);
    if (m)
        fl_my.mysql_close(m);
    mysql_free_target(t);
    return rc;
}

typedef struct gc_state {
    const fl_db_target *t;
    const char *current_build; /* the template's committed build, or NULL */
    FILE *log;
    size_t *removed;
} gc_state;

static int collect_schema(MYSQL *m, const char *name, const char *run, const char *slot,
                          void *ud, fl_error *err)
{
    gc_state *g = ud;
    char lock[64], *holder = NULL;
    int held = 0, kept = 0;
    if (g->current_build && strcmp(name, g->current_build) == 0)
        return FL_OK;
    run_lock_name(g->t->name, run, lock);
    fl_db_buf b = {0};
    fl_db_buf_puts(&b, "SELECT IS_USED_LOCK(");
    my_buf_literal(&b, m, lock);
    fl_db_buf_puts(&b, ")");
    int rc = b.failed ? fl_error_set(err, FL_ERR_NOMEM, "out of memory")
                      : my_query_value(m, b.s, &holder, &held, "IS_USED_LOCK", err);
    fl_db_buf_free(&b);
    free(holder);
    if (rc != FL_OK || held)
        return rc;
    rc = is_kept(m, name, &kept, err);
    if (rc != FL_OK || kept)
        return rc;
    rc = drop_schema(m, name, err);
    if (rc == FL_OK) {
        if (g->log)
            fprintf(g->log, "removed database `%s` (run %s is not running)\n", name, run);
        if (g->removed)
            (*g->removed)++;
    }
    return rc;
}

static int mysql_gc(fl_db_target *t, FILE *log, size_t *removed, fl_error *err)
{
    MYSQL *m;
    int rc = connect_target(t, &m, err);
    if (rc != FL_OK)
        return rc;
    char *current = NULL;
    rc = lookup_template(m, t->name, &current, NULL, err);
    gc_state g = {t, current, log, removed};
    if (rc == FL_OK)
        rc = each_schema_of(m, t->name, collect_schema, &g, err);
    free(current);
    fl_my.mysql_close(m);
    return rc;
}

const fl_db_engine fl_db_engine_mysql = {
    .iVersion = 1,
    .name = "mysql",
    .schemes = mysql_schemes,
    .methods = mysql_methods,
    .max_name_len = MYSQL_NAME_MAX,
    .parse_url = mysql_parse_url,
    .free_target = mysql_free_target,
    .check_template = mysql_check_template,
    .build_lock = mysql_build_lock,
    .build_begin = mysql_build_begin,
    .build_commit = mysql_build_commit,
    .build_release = mysql_build_release,
    .run_register = mysql_run_register,
    .run_prepare = mysql_run_prepare,
    .clone = mysql_clone,
    .drop = mysql_drop,
    .free_clone = mysql_free_clone,
    .run_end = mysql_run_end,
    .drop_url = mysql_drop_url,
    .gc = mysql_gc,
    .worker_env = NULL,
};
