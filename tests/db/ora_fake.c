/*
 * ora_fake.c — the recording fake of the Oracle session interface (see ora_fake.h): a
 * driver whose sessions append what they are asked to a shared record and answer from the
 * test's script.  Clones run on several threads, so the record and the script are guarded
 * by a spin lock.
 */
#include "ora_fake.h"

#include <ctype.h>
#include <forkless/test.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/util.h"
#include "db/oracle_int.h"

typedef struct rule {
    enum { RULE_ROWS, RULE_ERROR, RULE_CONNECT } kind;
    char *needle;  /* substring of the SQL, or the user for RULE_CONNECT (NULL: any) */
    char *rows;
    int code;
    char *message;
    int times;     /* -1: unlimited */
} rule;

struct ora_fake {
    atomic_flag lock;
    char **entries;
    size_t n, cap;
    rule *rules;
    size_t nrules;
    int sessions;
};

struct ora_session {
    ora_fake *f;
    int id;
};

static ora_fake *current;

static void lock(ora_fake *f)
{
    while (atomic_flag_test_and_set(&f->lock))
        ;
}

static void unlock(ora_fake *f) { atomic_flag_clear(&f->lock); }

static void record_locked(ora_fake *f, char *entry)
{
    if (f->n == f->cap) {
        f->cap = f->cap ? f->cap * 2 : 64;
        f->entries = fl_xrealloc(f->entries, f->cap * sizeof *f->entries);
    }
    f->entries[f->n++] = entry;
}

/* The newest rule of kind matching text, with uses left (uses one); NULL when none. */
static rule *match_locked(ora_fake *f, int kind, const char *text)
{
    for (size_t i = f->nrules; i-- > 0;) {
        rule *r = &f->rules[i];
        if ((int)r->kind == kind || (kind == RULE_ROWS && r->kind == RULE_ERROR)) {
            int hit = r->kind == RULE_CONNECT ? (!r->needle || strcasecmp(r->needle, text) == 0)
                                              : strstr(text, r->needle) != NULL;
            if (hit && r->times != 0) {
                if (r->times > 0)
                    r->times--;
                return r;
            }
        }
    }
    return NULL;
}

static void fail_with(const rule *r, ora_status *st)
{
    st->code = r->code;
    if (r->message)
        snprintf(st->msg, sizeof st->msg, "%s", r->message);
    else
        snprintf(st->msg, sizeof st->msg, "ORA-%05d: scripted failure", r->code);
}

static int fake_connect(const ora_connect_spec *spec, ora_session **out, ora_status *st)
{
    ora_fake *f = current;
    lock(f);
    int id = ++f->sessions;
    record_locked(f, fl_xasprintf("[%d] CONNECT %s@%s%s", id, spec->user, spec->connect,
                                  spec->sysdba ? " AS SYSDBA" : ""));
    rule *r = match_locked(f, RULE_CONNECT, spec->user);
    int rc = FL_OK;
    if (r)
        fail_with(r, st), rc = FL_ERR_DB;
    unlock(f);
    if (rc != FL_OK)
        return rc;
    ora_session *s = fl_xcalloc(1, sizeof *s);
    s->f = f;
    s->id = id;
    *out = s;
    return FL_OK;
}

static int fake_execute(ora_session *s, const char *sql, ora_status *st)
{
    lock(s->f);
    record_locked(s->f, fl_xasprintf("[%d] %s", s->id, sql));
    rule *r = match_locked(s->f, RULE_ERROR, sql);
    int rc = FL_OK;
    if (r && r->kind == RULE_ERROR)
        fail_with(r, st), rc = FL_ERR_DB;
    unlock(s->f);
    return rc;
}

/* Parses "a|b\nc|~" into rows. */
static void parse_rows(const char *text, ora_rows *rows)
{
    memset(rows, 0, sizeof *rows);
    if (!*text)
        return;
    size_t ncols = 1;
    for (const char *p = text; *p && *p != '\n'; p++)
        ncols += *p == '|';
    rows->ncols = ncols;
    for (const char *line = text; *line;) {
        size_t len = strcspn(line, "\n");
        rows->cells = fl_xrealloc(rows->cells, (rows->nrows + 1) * ncols * sizeof *rows->cells);
        char **row = rows->cells + rows->nrows * ncols;
        rows->nrows++;
        const char *cell = line;
        for (size_t c = 0; c < ncols; c++) {
            size_t clen = strcspn(cell, "|\n");
            if (cell + clen > line + len)
                clen = (size_t)(line + len - cell);
            row[c] = clen == 1 && cell[0] == '~' ? NULL : fl_xstrndup(cell, clen);
            cell += clen + (cell[clen] == '|');
        }
        line += len + (line[len] == '\n');
    }
}

static int fake_query(ora_session *s, const char *sql, ora_rows *rows, ora_status *st)
{
    lock(s->f);
    record_locked(s->f, fl_xasprintf("[%d] %s", s->id, sql));
    rule *r = match_locked(s->f, RULE_ROWS, sql);
    char *answer = r && r->kind == RULE_ROWS ? fl_xstrdup(r->rows) : NULL;
    int rc = FL_OK;
    if (r && r->kind == RULE_ERROR)
        fail_with(r, st), rc = FL_ERR_DB;
    unlock(s->f);
    memset(rows, 0, sizeof *rows);
    if (answer)
        parse_rows(answer, rows);
    free(answer);
    return rc;
}

static void fake_close(ora_session *s)
{
    if (!s)
        return;
    lock(s->f);
    record_locked(s->f, fl_xasprintf("[%d] CLOSE", s->id));
    unlock(s->f);
    free(s);
}

static const ora_driver fake_driver = {
    .name = "fake",
    .connect = fake_connect,
    .execute = fake_execute,
    .query = fake_query,
    .close = fake_close,
};

ora_fake *ora_fake_begin(void)
{
    ora_fake *f = fl_xcalloc(1, sizeof *f);
    atomic_flag_clear(&f->lock);
    current = f;
    ora_driver_set(&fake_driver);
    return f;
}

void ora_fake_clear(ora_fake *f)
{
    lock(f);
    for (size_t i = 0; i < f->n; i++)
        free(f->entries[i]);
    f->n = 0;
    f->sessions = 0;
    unlock(f);
}

void ora_fake_end(ora_fake *f)
{
    ora_driver_set(NULL);
    current = NULL;
    ora_fake_clear(f);
    for (size_t i = 0; i < f->nrules; i++) {
        free(f->rules[i].needle);
        free(f->rules[i].rows);
        free(f->rules[i].message);
    }
    free(f->rules);
    free(f->entries);
    free(f);
}

static void add_rule(ora_fake *f, rule r)
{
    lock(f);
    f->rules = fl_xrealloc(f->rules, (f->nrules + 1) * sizeof *f->rules);
    f->rules[f->nrules++] = r;
    unlock(f);
}

void ora_fake_rows(ora_fake *f, const char *needle, const char *rows, int times)
{
    add_rule(f, (rule){RULE_ROWS, fl_xstrdup(needle), fl_xstrdup(rows), 0, NULL, times});
}

void ora_fake_error(ora_fake *f, const char *needle, int code, const char *message, int times)
{
    add_rule(f, (rule){RULE_ERROR, fl_xstrdup(needle), NULL, code,
                       message ? fl_xstrdup(message) : NULL, times});
}

void ora_fake_connect_error(ora_fake *f, const char *user, int code, const char *message,
                            int times)
{
    add_rule(f, (rule){RULE_CONNECT, user ? fl_xstrdup(user) : NULL, NULL, code,
                       message ? fl_xstrdup(message) : NULL, times});
}

void ora_fake_server(ora_fake *f, const char *version, int con_id, const char *con_name)
{
    ora_fake_rows(f, "FROM PRODUCT_COMPONENT_VERSION", version, -1);
    char *container = fl_xasprintf("%d|%s|~", con_id, con_name);
    ora_fake_rows(f, "SYS_CONTEXT('USERENV', 'CON_ID')", container, -1);
    free(container);
    ora_fake_rows(f, "FROM SESSION_PRIVS",
                  "CREATE USER\nDROP USER\nCREATE TABLESPACE\nDROP TABLESPACE\n"
                  "GRANT ANY PRIVILEGE\nCREATE ANY TABLE\nALTER ANY TABLE\nINSERT ANY TABLE\n"
                  "SELECT ANY TABLE\nCREATE ANY INDEX\nCREATE ANY SEQUENCE\nCREATE ANY VIEW\n"
                  "CREATE ANY SYNONYM\nCREATE ANY PROCEDURE\nCREATE ANY TRIGGER\n"
                  "CREATE ANY TYPE\nCOMMENT ANY TABLE\nALTER ANY PROCEDURE\n"
                  "SELECT ANY DICTIONARY\nGRANT ANY OBJECT PRIVILEGE\nSELECT_CATALOG_ROLE\n"
                  "DATAPUMP_IMP_FULL_DATABASE\nDATAPUMP_EXP_FULL_DATABASE\nCREATE DATABASE LINK\n"
                  "CREATE PLUGGABLE DATABASE\nSET CONTAINER",
                  -1);
}

size_t ora_fake_count(ora_fake *f) { return f->n; }

const char *ora_fake_entry(ora_fake *f, size_t i) { return i < f->n ? f->entries[i] : NULL; }

/* Length of a generated password starting at p ("..." of 30 letters and digits), or 0. */
static size_t password_at(const char *p)
{
    if (p[0] != '"')
        return 0;
    size_t n = 0;
    while (isalnum((unsigned char)p[1 + n]))
        n++;
    return n == 30 && p[31] == '"' ? 32 : 0;
}

char *ora_fake_transcript(ora_fake *f)
{
    fl_bytes b = {0};
    lock(f);
    for (size_t i = 0; i < f->n; i++) {
        for (const char *p = f->entries[i]; *p;) {
            size_t pw = password_at(p);
            if (pw) {
                fl_bytes_puts(&b, "\"<pw>\"");
                p += pw;
            } else {
                fl_bytes_append(&b, p, 1);
                p++;
            }
        }
        fl_bytes_puts(&b, "\n");
    }
    unlock(f);
    return fl_bytes_take(&b);
}

int ora_fake_seen(ora_fake *f, const char *needle)
{
    int n = 0;
    lock(f);
    for (size_t i = 0; i < f->n; i++)
        n += strstr(f->entries[i], needle) != NULL;
    unlock(f);
    return n;
}

const char *ora_fake_password(ora_fake *f)
{
    static char pw[31];
    pw[0] = 0;
    lock(f);
    for (size_t i = 0; i < f->n && !pw[0]; i++)
        for (const char *p = f->entries[i]; *p && !pw[0]; p++)
            if (password_at(p))
                snprintf(pw, sizeof pw, "%.30s", p + 1);
    unlock(f);
    return pw;
}
