/*
 * registry.c — which engines are built in, and the URL-level functions that need no
 * engine: finding the engine of a URL by its scheme, method lookup, and password
 * redaction.  A server engine is listed only when meson found its client library and its
 * source file (src/db/meson.build defines FL_HAVE_POSTGRES, FL_HAVE_MYSQL, FL_HAVE_ORACLE);
 * a URL of an engine left out fails with FL_ERR_UNSUPPORTED saying why.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "db/engine.h"

#ifdef FL_HAVE_POSTGRES
extern const fl_db_engine fl_db_engine_postgres;
#endif
#ifdef FL_HAVE_MYSQL
extern const fl_db_engine fl_db_engine_mysql;
#endif
#ifdef FL_HAVE_ORACLE
extern const fl_db_engine fl_db_engine_oracle;
#endif

static const fl_db_engine *const builtin_engines[] = {
    &fl_db_engine_sqlite,
#ifdef FL_HAVE_POSTGRES
    &fl_db_engine_postgres,
#endif
#ifdef FL_HAVE_MYSQL
    &fl_db_engine_mysql,
#endif
#ifdef FL_HAVE_ORACLE
    &fl_db_engine_oracle,
#endif
    NULL,
};

/* Why an engine is missing: meson tells whether the client library was found. */
#ifdef FL_LIBPQ_FOUND
#define POSTGRES_MISSING "PostgreSQL support (its engine is not part of this version)"
#else
#define POSTGRES_MISSING "PostgreSQL support (libpq not found at build time)"
#endif
#ifdef FL_MARIADB_FOUND
#define MYSQL_MISSING "MySQL/MariaDB support (its engine is not part of this version)"
#else
#define MYSQL_MISSING "MySQL/MariaDB support (MariaDB Connector/C not found at build time)"
#endif

/* Engines forkless knows of, whether or not this build has them. */
static const struct known_scheme {
    const char *scheme;
    const char *why_missing;
} known_schemes[] = {
    {"postgresql", POSTGRES_MISSING},
    {"postgres", POSTGRES_MISSING},
    {"mysql", MYSQL_MISSING},
    {"mariadb", MYSQL_MISSING},
    {"oracle", "Oracle support (its engine is not part of this version)"},
};

const char *const *fl_db_engines(void)
{
    static const char *names[sizeof builtin_engines / sizeof builtin_engines[0]];
    for (size_t i = 0; builtin_engines[i]; i++)
        names[i] = builtin_engines[i]->name;
    return names;
}

/* Copies the scheme of url (lower-cased) into buf; 0 when url has none. */
static int url_scheme(const char *url, char *buf, size_t size)
{
    size_t i = 0;
    if (!isalpha((unsigned char)url[0]))
        return 0;
    while (url[i] && url[i] != ':') {
        unsigned char c = (unsigned char)url[i];
        if (!(isalnum(c) || c == '+' || c == '-' || c == '.') || i + 1 >= size)
            return 0;
        buf[i] = (char)tolower(c);
        i++;
    }
    buf[i] = 0;
    return url[i] == ':';
}

int fl_db_engine_for_url(const char *url, const fl_db_engine **out, fl_error *err)
{
    char scheme[32], shown[512];
    fl_db_redact_url(url ? url : "", shown, sizeof shown);
    if (!url || !url_scheme(url, scheme, sizeof scheme))
        return fl_error_set(err, FL_ERR_USAGE,
                            "'%s' is not a database URL (expected e.g. sqlite:///abs/path.db, "
                            "sqlite:relative/path.db or postgresql://user@host/name)",
                            shown);
    for (size_t i = 0; builtin_engines[i]; i++)
        for (const char *const *s = builtin_engines[i]->schemes; *s; s++)
            if (strcmp(*s, scheme) == 0) {
                *out = builtin_engines[i];
                return FL_OK;
            }
    for (size_t i = 0; i < sizeof known_schemes / sizeof known_schemes[0]; i++)
        if (strcmp(known_schemes[i].scheme, scheme) == 0)
            return fl_error_set(err, FL_ERR_UNSUPPORTED, "forkless was built without %s: '%s'",
                                known_schemes[i].why_missing, shown);
    return fl_error_set(err, FL_ERR_USAGE,
                        "unknown database scheme '%s' in '%s' (known: sqlite, postgresql, "
                        "mysql, mariadb, oracle)",
                        scheme, shown);
}

int fl_db_parse_target(const char *url, fl_db_target **out, fl_error *err)
{
    const fl_db_engine *e;
    int rc = fl_db_engine_for_url(url, &e, err);
    if (rc != FL_OK)
        return rc;
    return e->parse_url(e, url, out, err);
}

int fl_db_resolve_method(const fl_db_engine *e, const char *method, const char **out,
                         const char *redacted_url, fl_error *err)
{
    if (!method || !*method) {
        *out = e->methods[0];
        return FL_OK;
    }
    char known[256] = "";
    for (const char *const *m = e->methods; *m; m++) {
        if (strcmp(*m, method) == 0) {
            *out = *m;
            return FL_OK;
        }
        size_t len = strlen(known);
        snprintf(known + len, sizeof known - len, "%s%s", len ? ", " : "", *m);
    }
    return fl_error_set(err, FL_ERR_USAGE,
                        "unknown clone method '%s' for %s database '%s' (known: %s)", method,
                        e->name, redacted_url, known);
}

/* ---- redaction ------------------------------------------------------------------------- */

/* A small bounded string builder. */
typedef struct outbuf {
    char *buf;
    size_t size, len;
} outbuf;

static void out_put(outbuf *o, const char *s, size_t n)
{
    while (n-- > 0 && o->len + 1 < o->size)
        o->buf[o->len++] = *s++;
    o->buf[o->len] = 0;
}

/* At url+i, just after a "://": the password of the URL's user information
 * ("user:password@host"), returned as [*from, *to) (absolute offsets).  The URL ends at a
 * blank or where the next "://" URL begins; its user information at the LAST '@' in it,
 * because a password may hold unencoded '@', '/', '?' or '#' that clients accept; a '/'
 * before the ':' means the '@' is in a path (sqlite:///a:b@c.db), not after a user. */
static int userinfo_password_at(const char *url, size_t i, size_t *from, size_t *to)
{
    const char *start = url + i;
    size_t end = strcspn(start, " \t\r\n");
    const char *next_url = strstr(start, "://");
    if (next_url && (size_t)(next_url - start) < end)
        end = (size_t)(next_url - start);
    const char *at = NULL;
    for (size_t k = 0; k < end; k++)
        if (start[k] == '@')
            at = start + k;
    if (!at)
        return 0;
    const char *colon = memchr(start, ':', (size_t)(at - start));
    if (!colon || memchr(start, '/', (size_t)(colon - start)))
        return 0; /* a user without a password, or an '@' in a path */
    *from = (size_t)(colon + 1 - url);
    *to = (size_t)(at - url);
    return 1;
}

/* Length of a password parameter's "key =" at url+i (blanks around '=' allowed, as libpq
 * conninfo allows them), when it starts a parameter or an option (after ?, &, ;, a blank,
 * a line break or a dash: --password=x): any key ending in "password" (password,
 * sslpassword...), "pwd" or "passwd", any case.  0 when there is none. */
static size_t password_key_at(const char *url, size_t i)
{
    if (i > 0 && !strchr("?&; \t\r\n-", url[i - 1]))
        return 0;
    size_t n = 0;
    while (isalnum((unsigned char)url[i + n]) || url[i + n] == '_')
        n++;
    size_t eq = n;
    while (url[i + eq] == ' ' || url[i + eq] == '\t')
        eq++;
    if (n == 0 || url[i + eq] != '=')
        return 0;
    static const char *const endings[] = {"password", "passwd", "pwd"};
    for (size_t k = 0; k < sizeof endings / sizeof endings[0]; k++) {
        size_t len = strlen(endings[k]);
        if (n >= len && strncasecmp(url + i + n - len, endings[k], len) == 0 &&
            (n == len || len == strlen("password"))) {
            eq++;
            while (url[i + eq] == ' ' || url[i + eq] == '\t')
                eq++;
            return eq;
        }
    }
    return 0;
}

/* Length of a parameter value at v: a quoted string (backslash escapes honoured), else up
 * to a blank or line break; in a URL's query also up to the next '&' (the value of a
 * conninfo or an option runs to the blank: "password=a;b&c" is one value there). */
static size_t parameter_value_length(const char *v, int in_query)
{
    if (*v == '\'' || *v == '"') {
        size_t k = 1;
        while (v[k] && v[k] != *v)
            k += v[k] == '\\' && v[k + 1] ? 2 : 1;
        return v[k] ? k + 1 : k;
    }
    return strcspn(v, in_query ? "& \t\r\n" : " \t\r\n");
}

/* 1 when the word at w (up to a blank) names a MySQL/MariaDB client program, whose -p
 * option glues the password to it: mysql, mysqldump, mysqladmin, mariadb, mariadb-dump... */
static int mysql_client_word(const char *w, size_t len)
{
    const char *base = w;
    for (size_t k = 0; k < len; k++)
        if (w[k] == '/' || w[k] == '\\')
            base = w + k + 1;
    size_t n = len - (size_t)(base - w);
    return (n >= 5 && strncmp(base, "mysql", 5) == 0) || (n >= 7 && strncmp(base, "mariadb", 7) == 0);
}

/* Length of a "-pPASSWORD" option at url+i (starting a word), 0 when there is none. */
static size_t short_password_option_at(const char *url, size_t i)
{
    if ((i > 0 && !strchr(" \t\r\n'\"", url[i - 1])) || url[i] != '-' || url[i + 1] != 'p')
        return 0;
    size_t n = strcspn(url + i + 2, " \t\r\n'\"");
    return n ? 2 + n : 0;
}

void fl_db_redact_argv(char *const *argv, size_t i, char *buf, size_t size)
{
    int after_client = 0;
    for (size_t k = 0; k < i && argv[k]; k++)
        after_client |= mysql_client_word(argv[k], strlen(argv[k]));
    if (after_client && buf && size && short_password_option_at(argv[i], 0) == strlen(argv[i])) {
        snprintf(buf, size, "-p***");
        return;
    }
    fl_db_redact_url(argv[i], buf, size);
}

void fl_db_redact_url(const char *url, char *buf, size_t size)
{
    if (!buf || size == 0)
        return;
    outbuf o = {buf, size, 0};
    buf[0] = 0;
    if (!url)
        return;
    size_t pw_from = 0, pw_to = 0;
    int in_password = 0, in_url = 0, in_query = 0, after_client = 0;
    for (size_t i = 0; url[i];) {
        if (!in_password && (i == 0 || strchr(" \t\r\n'\"", url[i - 1]))) { /* a word starts */
            size_t option = after_client ? short_password_option_at(url, i) : 0;
            if (option) {
                out_put(&o, "-p***", 5);
                i += option;
                continue;
            }
            after_client |= mysql_client_word(url + i, strcspn(url + i, " \t\r\n'\""));
        }
        if (in_password && i == pw_from) {
            out_put(&o, "***", 3);
            i = pw_to;
            in_password = 0;
            continue;
        }
        if (!in_password && strncmp(url + i, "://", 3) == 0) { /* every URL of the text */
            out_put(&o, "://", 3);
            i += 3;
            in_password = userinfo_password_at(url, i, &pw_from, &pw_to);
            in_url = 1;
            in_query = 0;
            continue;
        }
        if (strchr(" \t\r\n", url[i]))
            in_url = in_query = 0;
        else if (in_url && !in_password && url[i] == '?')
            in_query = 1;
        size_t key = in_password ? 0 : password_key_at(url, i);
        if (key) {
            out_put(&o, url + i, key);
            i += key;
            size_t vlen = parameter_value_length(url + i, in_query);
            if (vlen)
                out_put(&o, "***", 3);
            i += vlen;
            continue;
        }
        out_put(&o, url + i, 1);
        i++;
    }
}
