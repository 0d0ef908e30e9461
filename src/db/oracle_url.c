/*
 * oracle_url.c — the Oracle engine's strings: oracle:// URLs (administrator credentials,
 * an Easy Connect string or TNS alias, and our options), the names of the users,
 * tablespaces, pluggable databases and links we make ("<STEM>_FL_<RUN>_<SLOT>", upper case,
 * within Oracle's identifier limit), SQL identifier and literal quoting, and the random
 * passwords of generated users.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "db/oracle_int.h"
#include "platform/platform.h"

/* ---- URLs ----------------------------------------------------------------------------------- */

static const char default_size[] = "20M";
static const char default_maxsize[] = "2G";

void ora_url_free(ora_url *u)
{
    char **fields[] = {&u->user,          &u->password,        &u->connect,
                       &u->connect_raw,   &u->host_port,       &u->service,
                       &u->template_user, &u->datafiles,       &u->tablespace_size,
                       &u->tablespace_maxsize, &u->loopback};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        free(*fields[i]);
        *fields[i] = NULL;
    }
}

static char *upper_dup(const char *s)
{
    char *d = strdup(s);
    for (char *p = d; p && *p; p++)
        *p = (char)toupper((unsigned char)*p);
    return d;
}

static int parse_flag(const char *v, int *out)
{
    static const char *const yes[] = {"1", "true", "yes", "on", NULL};
    static const char *const no[] = {"0", "false", "no", "off", NULL};
    for (size_t i = 0; yes[i]; i++)
        if (strcasecmp(v, yes[i]) == 0)
            return *out = 1, 0;
    for (size_t i = 0; no[i]; i++)
        if (strcasecmp(v, no[i]) == 0)
            return *out = 0, 0;
    return -1;
}

/* A size for CREATE TABLESPACE: digits and one of K, M, G, T (or UNLIMITED for maxsize). */
static int valid_size(const char *v, int allow_unlimited)
{
    if (allow_unlimited && strcasecmp(v, "unlimited") == 0)
        return 1;
    size_t digits = strspn(v, "0123456789");
    return digits > 0 && digits < 12 && strchr("KMGTkmgt", v[digits]) && v[digits] &&
           v[digits + 1] == 0;
}

/* Sets one option (value is taken over); -1 unknown key, -2 bad value. */
static int set_option(ora_url *u, const char *key, char *value)
{
    int rc = 0;
    if (strcasecmp(key, "template") == 0) {
        free(u->template_user);
        u->template_user = upper_dup(value);
        rc = ora_is_plain_identifier(u->template_user, ORA_NAME_MAX_NEW) ? 0 : -2;
    } else if (strcasecmp(key, "sysdba") == 0) {
        rc = parse_flag(value, &u->sysdba) == 0 ? 0 : -2;
    } else if (strcasecmp(key, "datafiles") == 0) {
        free(u->datafiles);
        u->datafiles = strdup(value);
        rc = *value && !strchr(value, '\'') ? 0 : -2;
    } else if (strcasecmp(key, "tablespace_size") == 0) {
        free(u->tablespace_size);
        u->tablespace_size = upper_dup(value);
        rc = valid_size(value, 0) ? 0 : -2;
    } else if (strcasecmp(key, "tablespace_maxsize") == 0) {
        free(u->tablespace_maxsize);
        u->tablespace_maxsize = upper_dup(value);
        rc = valid_size(value, 1) ? 0 : -2;
    } else if (strcasecmp(key, "pdb_snapshot") == 0) {
        int flag;
        if (strcasecmp(value, "auto") == 0)
            u->snapshot = ORA_SNAPSHOT_AUTO;
        else if (parse_flag(value, &flag) == 0)
            u->snapshot = flag ? ORA_SNAPSHOT_YES : ORA_SNAPSHOT_NO;
        else
            rc = -2;
    } else if (strcasecmp(key, "schema_copy") == 0) {
        if (strcasecmp(value, "metadata") == 0)
            u->datapump = 0;
        else if (strcasecmp(value, "datapump") == 0)
            u->datapump = 1;
        else
            rc = -2;
    } else if (strcasecmp(key, "loopback") == 0) {
        free(u->loopback);
        u->loopback = strdup(value);
        rc = *value && !strchr(value, '\'') ? 0 : -2;
    } else {
        rc = -1;
    }
    free(value);
    return rc;
}

static int parse_query(ora_url *u, const char *query, const char *shown, fl_error *err)
{
    for (const char *p = query; *p;) {
        size_t len = strcspn(p, "&");
        if (len == 0) {
            p++;
            continue;
        }
        const char *eq = memchr(p, '=', len);
        if (!eq)
            return fl_error_set(err, FL_ERR_USAGE, "Oracle URL '%s': option '%.*s' has no value",
                                shown, (int)len, p);
        char *key = fl_db_percent_decode(p, (size_t)(eq - p));
        char *value = fl_db_percent_decode(eq + 1, len - (size_t)(eq - p) - 1);
        if (!key || !value) {
            free(key);
            free(value);
            return fl_error_set(err, FL_ERR_USAGE, "Oracle URL '%s' has a bad %%-escape", shown);
        }
        int rc = set_option(u, key, value);
        if (rc != 0) {
            int e = fl_error_set(
                err, FL_ERR_USAGE,
                rc == -1 ? "Oracle URL '%s': unknown option '%s' (known: template, sysdba, "
                           "datafiles, tablespace_size, tablespace_maxsize, pdb_snapshot, "
                           "schema_copy, loopback)"
                         : "Oracle URL '%s': bad value for option '%s'",
                shown, key);
            free(key);
            return e;
        }
        free(key);
        p += len + (p[len] == '&');
    }
    return FL_OK;
}

/* The user information "user[:password]" of the URL. */
static int parse_userinfo(ora_url *u, const char *a, size_t len, const char *shown,
                          fl_error *err)
{
    const char *colon = memchr(a, ':', len);
    size_t ulen = colon ? (size_t)(colon - a) : len;
    u->user = fl_db_percent_decode(a, ulen);
    u->password = colon ? fl_db_percent_decode(colon + 1, len - ulen - 1) : strdup("");
    if (!u->user || !u->password)
        return fl_error_set(err, FL_ERR_USAGE, "Oracle URL '%s' has a bad %%-escape", shown);
    if (!*u->user)
        return fl_error_set(err, FL_ERR_USAGE,
                            "Oracle URL '%s' names no user (expected "
                            "oracle://user:password@host:port/service)",
                            shown);
    return FL_OK;
}

/* The connect part: "host[:port]/service[...]" (Easy Connect) or "ALIAS" (tnsnames). */
static int parse_connect(ora_url *u, const char *c, size_t len, const char *shown, fl_error *err)
{
    if (len >= 2 && c[0] == '/' && c[1] == '/') {
        c += 2;
        len -= 2;
    }
    if (len == 0)
        return fl_error_set(err, FL_ERR_USAGE,
                            "Oracle URL '%s' names no database (expected host:port/service, "
                            "//host:port/service or a TNS alias after '@')",
                            shown);
    u->connect_raw = fl_db_strdupf("%.*s", (int)len, c);
    u->connect = fl_db_percent_decode(c, len);
    if (!u->connect_raw || !u->connect)
        return fl_error_set(err, FL_ERR_USAGE, "Oracle URL '%s' has a bad %%-escape", shown);
    const char *slash = memchr(c, '/', len);
    if (!slash) {
        if (memchr(c, ':', len))
            return fl_error_set(err, FL_ERR_USAGE,
                                "Oracle URL '%s': '%.*s' has a port but no service name "
                                "(expected host:port/service)",
                                shown, (int)len, c);
        return FL_OK; /* a TNS alias */
    }
    u->easy = 1;
    u->host_port = fl_db_strdupf("%.*s", (int)(slash - c), c);
    const char *svc = slash + 1;
    size_t slen = strcspn(svc, ":/?");
    if ((size_t)(svc - c) + slen > len)
        slen = len - (size_t)(svc - c);
    u->service = fl_db_percent_decode(svc, slen);
    if (!u->host_port || !u->service)
        return fl_error_set(err, FL_ERR_USAGE, "Oracle URL '%s' has a bad %%-escape", shown);
    if (!*u->host_port || !*u->service)
        return fl_error_set(err, FL_ERR_USAGE,
                            "Oracle URL '%s': expected host:port/service after '@'", shown);
    return FL_OK;
}

int ora_url_parse(const char *url, ora_url *u, const char *shown, fl_error *err)
{
    memset(u, 0, sizeof *u);
    u->snapshot = ORA_SNAPSHOT_AUTO;
    if (strncasecmp(url, "oracle://", 9) != 0)
        return fl_error_set(err, FL_ERR_USAGE,
                            "'%s' is not an Oracle URL (expected "
                            "oracle://user:password@host:port/service)",
                            shown);
    const char *a = url + 9;
    if (strchr(a, '#'))
        return fl_error_set(err, FL_ERR_USAGE, "Oracle URL '%s' has a fragment ('#')", shown);
    size_t alen = strcspn(a, "?");
    const char *at = NULL;
    for (size_t i = 0; i < alen; i++)
        if (a[i] == '@')
            at = a + i; /* the last one: a password may hold an unencoded '@' */
    if (!at)
        return fl_error_set(err, FL_ERR_USAGE,
                            "Oracle URL '%s' names no user (expected "
                            "oracle://user:password@host:port/service)",
                            shown);
    int rc = parse_userinfo(u, a, (size_t)(at - a), shown, err);
    if (rc == FL_OK)
        rc = parse_connect(u, at + 1, alen - (size_t)(at + 1 - a), shown, err);
    if (rc == FL_OK && a[alen] == '?')
        rc = parse_query(u, a + alen + 1, shown, err);
    if (rc == FL_OK && !u->template_user) {
        /* Django's test user name; left NULL when it is not a plain identifier. */
        char *name = fl_db_strdupf("TEST_%s", u->user);
        char *upper = name ? upper_dup(name) : NULL;
        free(name);
        if (!upper)
            return fl_error_set(err, FL_ERR_NOMEM, "out of memory");
        if (ora_is_plain_identifier(upper, ORA_NAME_MAX_NEW))
            u->template_user = upper;
        else
            free(upper);
    }
    if (rc == FL_OK && !u->tablespace_size)
        u->tablespace_size = strdup(default_size);
    if (rc == FL_OK && !u->tablespace_maxsize)
        u->tablespace_maxsize = strdup(default_maxsize);
    if (rc == FL_OK && (!u->tablespace_size || !u->tablespace_maxsize))
        rc = fl_error_set(err, FL_ERR_NOMEM, "out of memory");
    return rc;
}

static void append_encoded(fl_db_buf *b, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (isalnum(*p) || strchr("._~-$", *p)) {
            char c[2] = {(char)*p, 0};
            fl_db_buf_puts(b, c);
        } else {
            fl_db_buf_printf(b, "%%%02X", *p);
        }
    }
}

char *ora_url_make(const char *user, const char *password, const char *connect)
{
    fl_db_buf b = {0};
    fl_db_buf_puts(&b, "oracle://");
    append_encoded(&b, user);
    fl_db_buf_puts(&b, ":");
    append_encoded(&b, password);
    fl_db_buf_puts(&b, "@");
    fl_db_buf_puts(&b, connect);
    if (b.failed) {
        fl_db_buf_free(&b);
        return NULL;
    }
    return b.s;
}

/* ---- names ---------------------------------------------------------------------------------- */

int ora_is_plain_identifier(const char *s, size_t max)
{
    if (!s || !isalpha((unsigned char)s[0]))
        return 0;
    size_t n = 0;
    for (; s[n]; n++)
        if (!(isalnum((unsigned char)s[n]) || s[n] == '_' || s[n] == '$' || s[n] == '#'))
            return 0;
    return n <= max;
}

static void stem_hash(const char *stem, char out[7])
{
    snprintf(out, 7, "%06X", (unsigned)(fl_db_fnv1a32(stem) & 0xffffff));
}

int ora_name_make(char *buf, size_t size, size_t limit, const char *stem, const char *run_id,
                  const char *slot, fl_error *err)
{
    if (!fl_db_is_token(run_id, FL_DB_RUN_ID_MAX) || !fl_db_is_token(slot, FL_DB_SLOT_MAX))
        return fl_error_set(err, FL_ERR_USAGE,
                            "run id '%s' and slot '%s' must be short [a-z0-9] tokens", run_id,
                            slot);
    size_t fixed = strlen("_FL_") + strlen(run_id) + 1 + strlen(slot);
    size_t len = strlen(stem);
    char tail[64];
    snprintf(tail, sizeof tail, "_FL_%s_%s", run_id, slot);
    int n;
    if (len + fixed <= limit) {
        n = snprintf(buf, size, "%s%s", stem, tail);
    } else {
        if (fixed + 1 + 7 > limit)
            return fl_error_set(err, FL_ERR_USAGE,
                                "cannot make a name of at most %zu bytes from '%s' for run %s, "
                                "slot %s",
                                limit, stem, run_id, slot);
        size_t keep = limit - fixed - 7;
        char hash[7];
        stem_hash(stem, hash);
        n = snprintf(buf, size, "%.*s_%s%s", (int)keep, stem, hash, tail);
    }
    if (n < 0 || (size_t)n >= size)
        return fl_error_set(err, FL_ERR_USAGE, "name too long for '%s'", stem);
    for (char *p = buf; *p; p++)
        *p = (char)toupper((unsigned char)*p);
    return FL_OK;
}

/* Reads an upper-case [A-Z0-9] token into out (lower-cased). */
static size_t read_token(const char *p, char *out, size_t max)
{
    size_t n = 0;
    while (((p[n] >= 'A' && p[n] <= 'Z') || (p[n] >= '0' && p[n] <= '9')) && n < max) {
        out[n] = (char)tolower((unsigned char)p[n]);
        n++;
    }
    out[n] = 0;
    return n;
}

int ora_name_parse(const char *name, char *stem_part, size_t stem_size,
                   char run[FL_DB_RUN_ID_MAX + 1], char slot[FL_DB_SLOT_MAX + 1],
                   const char **tail)
{
    const char *infix = NULL;
    for (const char *p = strstr(name, "_FL_"); p; p = strstr(p + 1, "_FL_"))
        infix = p;
    if (!infix || infix == name || (size_t)(infix - name) >= stem_size)
        return 0;
    const char *p = infix + 4;
    size_t n = read_token(p, run, FL_DB_RUN_ID_MAX);
    if (n == 0 || p[n] != '_')
        return 0;
    p += n + 1;
    n = read_token(p, slot, FL_DB_SLOT_MAX);
    if (n == 0)
        return 0;
    p += n;
    if (*p && strcmp(p, ORA_TEMP_SUFFIX) != 0)
        return 0;
    snprintf(stem_part, stem_size, "%.*s", (int)(infix - name), name);
    if (tail)
        *tail = p;
    return 1;
}

int ora_name_belongs(const char *stem_part, const char *stem)
{
    if (strcasecmp(stem_part, stem) == 0)
        return 1;
    size_t len = strlen(stem_part);
    if (len < 8 || stem_part[len - 7] != '_')
        return 0;
    char hash[7];
    stem_hash(stem, hash);
    size_t keep = len - 7;
    return strcmp(stem_part + keep + 1, hash) == 0 && keep < strlen(stem) &&
           strncasecmp(stem_part, stem, keep) == 0;
}

/* ---- passwords ------------------------------------------------------------------------------ */

int ora_password(char out[31], fl_error *err)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    for (;;) {
        unsigned char r[64];
        if (fl_random_bytes(r, sizeof r) != FL_OK)
            return fl_error_set(err, FL_ERR_IO, "no random bytes for a password");
        size_t n = 0;
        for (size_t i = 0; i < sizeof r && n < 30; i++) {
            if (r[i] >= 248)
                continue; /* 248 = 4 * 62: keeps every character equally likely */
            char c = alphabet[r[i] % 62];
            if (n == 0 && !isalpha((unsigned char)c))
                continue;
            out[n++] = c;
        }
        out[n] = 0;
        int upper = 0, lower = 0, digit = 0;
        for (size_t i = 0; i < n; i++) {
            upper |= isupper((unsigned char)out[i]) != 0;
            lower |= islower((unsigned char)out[i]) != 0;
            digit |= isdigit((unsigned char)out[i]) != 0;
        }
        if (n == 30 && upper && lower && digit)
            return FL_OK;
    }
}

/* ---- SQL text ---------------------------------------------------------------------------------- */

void ora_buf_ident(fl_db_buf *b, const char *name)
{
    if (!*name || strchr(name, '"')) {
        b->failed = 1;
        return;
    }
    fl_db_buf_add(b, "\"", 1);
    fl_db_buf_add(b, name, strlen(name));
    fl_db_buf_add(b, "\"", 1);
}

void ora_buf_ident2(fl_db_buf *b, const char *owner, const char *name)
{
    ora_buf_ident(b, owner);
    fl_db_buf_add(b, ".", 1);
    ora_buf_ident(b, name);
}

void ora_buf_literal(fl_db_buf *b, const char *text)
{
    fl_db_buf_add(b, "'", 1);
    for (const char *p = text; *p; p++)
        fl_db_buf_add(b, *p == '\'' ? "''" : p, *p == '\'' ? 2 : 1);
    fl_db_buf_add(b, "'", 1);
}

void ora_buf_literal2(fl_db_buf *b, const char *text)
{
    fl_db_buf inner = {0};
    ora_buf_literal(&inner, text);
    if (inner.failed)
        b->failed = 1;
    else
        ora_buf_literal(b, inner.s);
    fl_db_buf_free(&inner);
}
