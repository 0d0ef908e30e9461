/*
 * mysql_copy.c — the two clone methods of the MySQL/MariaDB engine.
 *
 * copy (the default) works on the server alone; no row passes through the client:
 *   1. CREATE DATABASE with the template's character set and collation;
 *   2. sequences (MariaDB), from SHOW CREATE SEQUENCE, with their next value;
 *   3. every table from its own SHOW CREATE TABLE, run in the clone (foreign keys,
 *      CHECK constraints, generated columns, partitions and the AUTO_INCREMENT counter
 *      survive, which CREATE TABLE ... LIKE would lose), with FOREIGN_KEY_CHECKS=0 so
 *      the order and cycles do not matter;
 *   4. the rows by INSERT INTO clone.t (cols) SELECT cols FROM template.t, generated
 *      columns left out, UNIQUE_CHECKS=0 and NO_AUTO_VALUE_ON_ZERO;
 *      steps 3 and 4 run on copy_jobs connections at once (default 4), the tables shared
 *      out biggest first, because a clone's time goes into per-table latency (file
 *      creation, flushing) more than into the server's throughput;
 *   5. routines, then views (retried until their dependencies exist), then triggers (after
 *      the rows, so they do not fire on the copy), then events — each from its SHOW
 *      CREATE, under its own sql_mode, client character set and time zone, with the
 *      template's name pointed at the clone where it qualifies a name (`tpl`.t or tpl.t,
 *      not inside strings or comments; my_swap_schema), or the clone fails naming the
 *      object when that cannot be told apart from a table or alias called like the schema.
 * A table whose engine keeps its rows elsewhere (FEDERATED, CONNECT, SPIDER, MERGE ...),
 * a system-versioned table (its history cannot be inserted) or an object kind we do not
 * know fails the clone naming it.
 *
 * dump runs mysqldump --routines --events --triggers into a temporary file and the mysql
 * client on it (what Django's MySQL backend pipes), checking both exit codes and the errors
 * mysql prints for the file's statements (it goes on after them and exits 0), and quoting
 * their error output.  The password reaches them in MYSQL_PWD, never on a command line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "db/mysql_int.h"
#include "platform/fs.h"
#include "platform/platform.h"

/* ---- small helpers ------------------------------------------------------------------------ */

static int nomem(fl_error *err) { return fl_error_set(err, FL_ERR_NOMEM, "out of memory"); }

/* ---- the template's name in definitions ----------------------------------------------------
 *
 * What SHOW CREATE gives back names the template schema in different ways per kind (MariaDB
 * 10.11): a table's foreign keys to its own schema come back without a schema, a view comes
 * back normalised (its own name and every table and column qualified and backquoted,
 * `tpl`.`t`.`c`), a procedure, function or event has its own name normalised (`p`) but its
 * body exactly as written, and a trigger is the whole statement as written (CREATE TRIGGER
 * tpl.tr ... ON tpl.t ...).  my_swap_schema reads such text the way the server's lexer
 * splits it — only far enough to tell code from string literals ('...', "..." unless
 * ANSI_QUOTES, backslash escapes unless NO_BACKSLASH_ESCAPES) and comments (-- , #,
 * C-style; the versioned comments "slash-star-bang" are code to the server and are read as
 * code) — and turns the template's name into the clone's where it is a schema qualifier: a
 * whole identifier (`tpl`, "tpl" under ANSI_QUOTES, or bare tpl but not tpl_log nor xtpl)
 * followed by a dot, perhaps after blanks or comments, and not itself after a dot (x.tpl.c
 * is a column) or an @ (@tpl.x is a user variable).
 *
 * It is not a parser.  It cannot know whether a two-part tpl.x is object x of schema tpl or
 * column x of a table or alias called tpl; that is a question only when the definition also
 * uses the name otherwise (tpl without a dot after it: a table, alias, column or variable
 * so named; or tpl.*), and then it refuses (MY_SWAP_AMBIGUOUS) rather than guess.  A
 * three-part tpl.t.c is always schema, table, column.  Not rewritten: the name inside string
 * literals (dynamic SQL for PREPARE, a lookup in information_schema by name) and a schema
 * name that is not a qualifier (SHOW TABLES FROM tpl).  A quote or comment left open means
 * the text is not read as the server reads it: MY_SWAP_UNCLOSED. */

typedef enum sql_token {
    TOK_BLANK,   /* whitespace */
    TOK_COMMENT, /* -- ..., # ..., C-style (not versioned) */
    TOK_STRING,  /* '...', or "..." without ANSI_QUOTES */
    TOK_QUOTED,  /* `...`, or "..." with ANSI_QUOTES: an identifier */
    TOK_BARE,    /* a run of identifier characters (an identifier, a keyword or a number) */
    TOK_VAR,     /* @name, @@name.x: a variable, dots included */
    TOK_OTHER,   /* one character of punctuation or an operator; a versioned comment's opener */
    TOK_UNCLOSED /* a quote or comment running to the end of the text */
} sql_token;

static int is_blank(unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

static int is_ident_byte(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           c == '_' || c == '$' || c >= 0x80;
}

/* The end of the quoted token opening at s[i] (quote q, doubled inside for itself);
 * 0 when it is not closed. */
static size_t quote_end(const char *s, size_t i, size_t n, char q, int backslash)
{
    for (size_t k = i + 1; k < n; k++) {
        if (backslash && s[k] == '\\' && k + 1 < n)
            k++;
        else if (s[k] == q && k + 1 < n && s[k + 1] == q)
            k++;
        else if (s[k] == q)
            return k + 1;
    }
    return 0;
}

/* The token starting at s[i] (i < n): its kind, and its end in *end. */
static sql_token next_token(const char *s, size_t i, size_t n, const my_swap *sw, size_t *end)
{
    unsigned char c = (unsigned char)s[i];
    size_t k = i + 1;
    if (is_blank(c)) {
        while (k < n && is_blank((unsigned char)s[k]))
            k++;
        *end = k;
        return TOK_BLANK;
    }
    if (c == '#' || (c == '-' && k < n && s[k] == '-' &&
                     (k + 1 == n || (unsigned char)s[k + 1] <= ' '))) {
        while (k < n && s[k] != '\n')
            k++;
        *end = k;
        return TOK_COMMENT;
    }
    if (c == '/' && k < n && s[k] == '*') {
        if ((k + 1 < n && s[k + 1] == '!') || (k + 2 < n && s[k + 1] == 'M' && s[k + 2] == '!')) {
            k += s[k + 1] == '!' ? 2 : 3; /* versioned: the server runs what it holds */
            while (k < n && s[k] >= '0' && s[k] <= '9')
                k++;
            *end = k;
            return TOK_OTHER;
        }
        const char *close = strstr(s + k + 1, "*/");
        *end = close ? (size_t)(close - s) + 2 : n;
        return close ? TOK_COMMENT : TOK_UNCLOSED;
    }
    if (c == '\'' || c == '"' || c == '`') {
        int ident = c == '`' || (c == '"' && sw->ansi_quotes);
        k = quote_end(s, i, n, (char)c, !ident && !sw->no_backslash_escapes);
        *end = k ? k : n;
        return !k ? TOK_UNCLOSED : ident ? TOK_QUOTED : TOK_STRING;
    }
    if (c == '@') {
        while (k < n && s[k] == '@')
            k++;
        while (k < n && (is_ident_byte((unsigned char)s[k]) || s[k] == '.'))
            k++;
        *end = k;
        return TOK_VAR;
    }
    if (is_ident_byte(c)) {
        while (k < n && is_ident_byte((unsigned char)s[k]))
            k++;
        *end = k;
        return TOK_BARE;
    }
    *end = k;
    return TOK_OTHER;
}

/* The first position from i that is neither blank nor comment. */
static size_t skip_blanks(const char *s, size_t i, size_t n, const my_swap *sw)
{
    size_t end;
    while (i < n) {
        sql_token t = next_token(s, i, n, sw, &end);
        if (t != TOK_BLANK && t != TOK_COMMENT)
            break;
        i = end;
    }
    return i;
}

static int same_char(char a, char b, int fold_case)
{
    if (fold_case && a >= 'A' && a <= 'Z')
        a = (char)(a + 32);
    if (fold_case && b >= 'A' && b <= 'Z')
        b = (char)(b + 32);
    return a == b;
}

/* Whether the identifier token s[i, end) (bare or quoted) is the name sw->from. */
static int token_is_template(const char *s, size_t i, size_t end, sql_token kind,
                             const my_swap *sw)
{
    const char *name = sw->from;
    if (kind == TOK_BARE) {
        int digits_only = 1; /* 123 is a number, not the schema 123 */
        for (size_t k = i; k < end; k++, name++) {
            if (!*name || !same_char(s[k], *name, sw->fold_case))
                return 0;
            digits_only = digits_only && s[k] >= '0' && s[k] <= '9';
        }
        return !*name && !digits_only;
    }
    char q = s[i];
    for (size_t k = i + 1; k + 1 < end; k++, name++) {
        if (s[k] == q)
            k++; /* a doubled quote stands for one */
        if (!*name || !same_char(s[k], *name, sw->fold_case))
            return 0;
    }
    return !*name;
}

/* Appends the clone's name in the style of the token it replaces: bare when the clone's
 * name can be written bare (it can when the template's could), else quoted. */
static void put_clone_name(fl_db_buf *out, const my_swap *sw, sql_token kind, char quote)
{
    int bare = kind == TOK_BARE, digits_only = 1;
    for (const char *p = sw->to; *p; p++) {
        bare = bare && is_ident_byte((unsigned char)*p);
        digits_only = digits_only && *p >= '0' && *p <= '9';
    }
    if (bare && !digits_only) {
        fl_db_buf_puts(out, sw->to);
        return;
    }
    if (quote != '"') {
        my_buf_ident(out, sw->to);
        return;
    }
    fl_db_buf_puts(out, "\"");
    for (const char *p = sw->to; *p; p++)
        fl_db_buf_add(out, *p == '"' ? "\"\"" : p, *p == '"' ? 2 : 1);
    fl_db_buf_puts(out, "\"");
}

/* What the token s[i, end) of kind t is to the rewrite, last being the code character
 * before it. */
typedef enum name_use {
    NOT_THE_NAME, /* another identifier, or the name after a dot or an @ */
    OTHER_USE,    /* the name not qualifying anything: a table, alias, column, variable */
    TWO_PART,     /* tpl.x: object x of schema tpl, or column x of a table or alias tpl */
    THREE_PART    /* tpl.x.y: column y of table x of schema tpl */
} name_use;

static name_use classify_name(const char *s, size_t i, size_t end, size_t n, sql_token t,
                              char last, const my_swap *sw)
{
    if ((t != TOK_BARE && t != TOK_QUOTED) || last == '.' || last == '@' ||
        !token_is_template(s, i, end, t, sw))
        return NOT_THE_NAME;
    size_t dot = skip_blanks(s, end, n, sw), next_end;
    if (dot >= n || s[dot] != '.')
        return OTHER_USE;
    if (dot > end && dot + 1 < n && s[dot + 1] >= '0' && s[dot + 1] <= '9')
        return OTHER_USE; /* tpl .5: tpl, then the number .5 */
    size_t k = skip_blanks(s, dot + 1, n, sw);
    if (k < n && s[k] == '*')
        return OTHER_USE; /* tpl.*: the columns of a table or alias called tpl */
    sql_token next = k < n ? next_token(s, k, n, sw, &next_end) : TOK_OTHER;
    if (next != TOK_BARE && next != TOK_QUOTED)
        return TWO_PART;
    k = skip_blanks(s, next_end, n, sw);
    return k < n && s[k] == '.' ? THREE_PART : TWO_PART;
}

void my_swap_modes(my_swap *sw, const char *sql_mode)
{
    static const char *const ansi[] = {"ANSI_QUOTES", "ANSI", "DB2", "MAXDB", "MSSQL",
                                       "ORACLE", "POSTGRESQL", NULL};
    sw->ansi_quotes = sw->no_backslash_escapes = 0;
    for (const char *p = sql_mode ? sql_mode : ""; *p;) {
        size_t len = strcspn(p, ",");
        for (size_t i = 0; ansi[i]; i++)
            if (len == strlen(ansi[i]) && strncasecmp(p, ansi[i], len) == 0)
                sw->ansi_quotes = 1;
        if (len == 20 && strncasecmp(p, "NO_BACKSLASH_ESCAPES", len) == 0)
            sw->no_backslash_escapes = 1;
        p += len + (p[len] == ',');
    }
}

my_swap_result my_swap_schema(const char *text, const my_swap *sw, char **out)
{
    size_t n = strlen(text), i = 0, end;
    fl_db_buf b = {0};
    char last = 0;         /* the last character of code before i (blanks, comments aside) */
    int other_uses = 0;    /* the name not as a qualifier: a table, alias, column, variable */
    int two_part = 0;      /* tpl.x rewritten: schema tpl, or a table or alias called tpl? */
    my_swap_result result = MY_SWAP_OK;
    *out = NULL;
    while (i < n && result == MY_SWAP_OK) {
        sql_token t = next_token(text, i, n, sw, &end);
        name_use use = classify_name(text, i, end, n, t, last, sw);
        if (t == TOK_UNCLOSED)
            result = MY_SWAP_UNCLOSED;
        other_uses += use == OTHER_USE;
        two_part += use == TWO_PART;
        if (use == TWO_PART || use == THREE_PART)
            put_clone_name(&b, sw, t, text[i]);
        else
            fl_db_buf_add(&b, text + i, end - i);
        if (t != TOK_BLANK && t != TOK_COMMENT)
            last = t == TOK_VAR ? '@' : text[end - 1];
        i = end;
    }
    if (result == MY_SWAP_OK && other_uses && two_part)
        result = MY_SWAP_AMBIGUOUS;
    if (result == MY_SWAP_OK && b.failed)
        result = MY_SWAP_NOMEM;
    if (result == MY_SWAP_OK)
        *out = b.s ? b.s : strdup("");
    else
        fl_db_buf_free(&b);
    return result == MY_SWAP_OK && !*out ? MY_SWAP_NOMEM : result;
}

/* def (a SHOW CREATE of object kind name) pointed at the clone in *out, or an error naming
 * the object and why it cannot be. */
static int point_at_clone(const char *def, const my_swap *sw, const char *kind,
                          const char *name, char **out, fl_error *err)
{
    switch (my_swap_schema(def, sw, out)) {
    case MY_SWAP_OK:
        return FL_OK;
    case MY_SWAP_AMBIGUOUS:
        return fl_error_set(
            err, FL_ERR_DB,
            "cannot copy %s `%s`: its definition uses %s both as the template schema's name "
            "(%s.x) and as another name (a table, alias, column or variable called %s, or "
            "%s.*), so forkless cannot tell which %s.x to point at the clone; %s %s",
            kind, name, sw->from, sw->from, sw->from, sw->from, sw->from,
            strcmp(kind, "view") == 0
                ? "the server writes every name in a view with its schema: rename the alias or "
                  "column called"
                : "leave the schema name out of the definition (unqualified names are the "
                  "clone's own) or rename the other",
            sw->from);
    case MY_SWAP_UNCLOSED:
        return fl_error_set(err, FL_ERR_DB,
                            "cannot copy %s `%s`: forkless cannot read its definition (a quote "
                            "or comment does not close, reading it with%s ANSI_QUOTES and "
                            "with%s NO_BACKSLASH_ESCAPES), so it cannot point it at the clone",
                            kind, name, sw->ansi_quotes ? "" : "out",
                            sw->no_backslash_escapes ? "" : "out");
    default:
        return nomem(err);
    }
}

/* ---- reading definitions ------------------------------------------------------------------ */

/* "SELECT cols FROM information_schema.X WHERE <schema_col> = 'src' <tail>" */
static MYSQL_RES *list_objects(MYSQL *m, const char *select, const char *schema_col,
                               const char *src, const char *tail, const char *what,
                               fl_error *err)
{
    fl_db_buf b = {0};
    fl_db_buf_printf(&b, "%s WHERE %s = ", select, schema_col);
    my_buf_literal(&b, m, src);
    fl_db_buf_printf(&b, " %s", tail);
    if (b.failed) {
        nomem(err);
        return NULL;
    }
    MYSQL_RES *res = my_query(m, b.s, what, err);
    fl_db_buf_free(&b);
    return res;
}

/* SHOW CREATE <kind> `src`.`name`: the result (one row) or NULL with err. */
static MYSQL_RES *show_create(MYSQL *m, const char *kind, const char *src, const char *name,
                              MYSQL_ROW *row, fl_error *err)
{
    fl_db_buf b = {0};
    fl_db_buf_printf(&b, "SHOW CREATE %s ", kind);
    my_buf_ident(&b, src);
    fl_db_buf_puts(&b, ".");
    my_buf_ident(&b, name);
    char what[200];
    snprintf(what, sizeof what, "cannot read the definition of %s `%s`", kind, name);
    for (char *p = what + 31; *p && *p != ' '; p++)
        *p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
    MYSQL_RES *res = b.failed ? (nomem(err), NULL) : my_query(m, b.s, what, err);
    fl_db_buf_free(&b);
    if (res && !(*row = fl_my.mysql_fetch_row(res))) {
        fl_error_set(err, FL_ERR_DB, "%s: no definition returned", what);
        fl_my.mysql_free_result(res);
        return NULL;
    }
    return res;
}

static int is_ascii(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80)
            return 0;
    return 1;
}

/* Runs a CREATE statement of a stored object under the session settings it was created
 * with (sql_mode, client character set, collation, time zone), pointed at the clone. */
static int create_object(MYSQL *m, const char *kind, const char *name, const char *ddl,
                         const char *sql_mode, const char *cs_client, const char *collation,
                         const char *time_zone, const my_swap *clone, fl_error *err)
{
    char what[200];
    snprintf(what, sizeof what, "cannot create %s `%s` in the clone", kind, name);
    if (!ddl)
        return fl_error_set(err, FL_ERR_DB,
                            "cannot read the definition of %s `%s` (the user needs to own it or "
                            "have the privileges SHOW VIEW / SELECT on mysql.proc / TRIGGER / "
                            "EVENT on the template)",
                            kind, name);
    fl_db_buf set = {0};
    fl_db_buf_puts(&set, "SET SESSION sql_mode = ");
    my_buf_literal(&set, m, sql_mode ? sql_mode : "");
    int plain = is_ascii(ddl);
    if (cs_client && (plain || strncasecmp(cs_client, "utf8", 4) == 0)) {
        fl_db_buf_puts(&set, ", character_set_client = ");
        my_buf_literal(&set, m, cs_client);
    }
    if (collation && (plain || strncasecmp(collation, "utf8", 4) == 0)) {
        fl_db_buf_puts(&set, ", collation_connection = ");
        my_buf_literal(&set, m, collation);
    }
    if (time_zone) {
        fl_db_buf_puts(&set, ", time_zone = ");
        my_buf_literal(&set, m, time_zone);
    }
    my_swap sw = *clone;
    my_swap_modes(&sw, sql_mode);
    char *rewritten = NULL;
    int rc = set.failed ? nomem(err) : point_at_clone(ddl, &sw, kind, name, &rewritten, err);
    if (rc == FL_OK)
        rc = my_exec(m, set.s, "cannot set the session of the copy", err);
    if (rc == FL_OK)
        rc = my_exec(m, rewritten, what, err);
    fl_db_buf_free(&set);
    free(rewritten);
    return rc;
}

/* Back to the copy's own session settings. */
static int copy_session(MYSQL *m, const char *charset, fl_error *err)
{
    char sql[300];
    snprintf(sql, sizeof sql,
             "SET NAMES %s, SESSION sql_mode = 'NO_AUTO_VALUE_ON_ZERO,NO_ENGINE_SUBSTITUTION', "
             "foreign_key_checks = 0, unique_checks = 0, time_zone = '+00:00'",
             charset);
    return my_exec(m, sql, "cannot set the session of the copy", err);
}

/* ---- database ------------------------------------------------------------------------------- */

int my_create_like(MYSQL *m, const char *src, const char *dst, fl_error *err)
{
    MYSQL_RES *res = list_objects(
        m, "SELECT DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME FROM information_schema.SCHEMATA",
        "SCHEMA_NAME", src, "", "reading the template's character set", err);
    if (!res)
        return FL_ERR_DB;
    MYSQL_ROW row = fl_my.mysql_fetch_row(res);
    if (!row) {
        fl_my.mysql_free_result(res);
        return fl_error_set(err, FL_ERR_DB, "template database '%s' does not exist", src);
    }
    fl_db_buf b = {0};
    fl_db_buf_puts(&b, "CREATE DATABASE ");
    my_buf_ident(&b, dst);
    if (row[0])
        fl_db_buf_printf(&b, " CHARACTER SET %s", row[0]);
    if (row[1])
        fl_db_buf_printf(&b, " COLLATE %s", row[1]);
    fl_my.mysql_free_result(res);
    char what[160];
    snprintf(what, sizeof what, "cannot create database '%s'", dst);
    int rc = b.failed ? nomem(err) : my_exec(m, b.s, what, err);
    fl_db_buf_free(&b);
    return rc;
}

/* ---- tables ----------------------------------------------------------------------------------- */

typedef struct table_info {
    char *name;
    char *engine;
    int is_sequence;
    unsigned long long bytes; /* data + index size, for sharing the work out */
    int taken;                /* given to a copy job */
    fl_db_buf columns; /* the non-generated columns, quoted, comma-separated */
} table_info;

typedef struct table_list {
    table_info *v;
    size_t n;
} table_list;

static void free_tables(table_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].name);
        free(l->v[i].engine);
        fl_db_buf_free(&l->v[i].columns);
    }
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

static int engine_copyable(const char *engine)
{
    static const char *const ok[] = {"InnoDB", "MyISAM", "Aria", "MEMORY", "HEAP", "ARCHIVE",
                                     "CSV", "BLACKHOLE", "ROCKSDB", "TokuDB", NULL};
    for (size_t i = 0; engine && ok[i]; i++)
        if (strcasecmp(engine, ok[i]) == 0)
            return 1;
    return 0;
}

static int list_tables(MYSQL *m, const char *src, table_list *out, fl_error *err)
{
    memset(out, 0, sizeof *out);
    MYSQL_RES *res = list_objects(
        m, "SELECT TABLE_NAME, TABLE_TYPE, ENGINE, IFNULL(DATA_LENGTH, 0) + IFNULL(INDEX_LENGTH, 0)"
        " FROM information_schema.TABLES", "TABLE_SCHEMA",
        src, "AND TABLE_TYPE <> 'VIEW' ORDER BY TABLE_NAME", "listing the template's tables", err);
    if (!res)
        return FL_ERR_DB;
    size_t n = fl_my.mysql_num_rows(res);
    out->v = calloc(n ? n : 1, sizeof *out->v);
    if (!out->v) {
        fl_my.mysql_free_result(res);
        return nomem(err);
    }
    int rc = FL_OK;
    MYSQL_ROW row;
    while (rc == FL_OK && (row = fl_my.mysql_fetch_row(res))) {
        const char *name = row[0], *type = row[1] ? row[1] : "", *engine = row[2];
        int sequence = strcmp(type, "SEQUENCE") == 0;
        if (strcmp(type, "SYSTEM VERSIONED") == 0)
            rc = fl_error_set(err, FL_ERR_UNSUPPORTED,
                              "table `%s` is system-versioned; forkless cannot copy its history",
                              name);
        else if (!sequence && strcmp(type, "BASE TABLE") != 0)
            rc = fl_error_set(err, FL_ERR_UNSUPPORTED,
                              "`%s` is a %s, which forkless cannot copy", name, type);
        else if (!sequence && !engine_copyable(engine))
            rc = fl_error_set(err, FL_ERR_UNSUPPORTED,
                              "table `%s` uses the %s engine, which forkless cannot copy (its "
                              "rows are not stored in the template)",
                              name, engine ? engine : "(unknown)");
        if (rc != FL_OK)
            break;
        table_info *t = &out->v[out->n++];
        t->name = strdup(name);
        t->engine = strdup(engine ? engine : "");
        t->is_sequence = sequence;
        t->bytes = row[3] ? strtoull(row[3], NULL, 10) : 0;
        if (!t->name || !t->engine)
            rc = nomem(err);
    }
    fl_my.mysql_free_result(res);
    if (rc == FL_OK) /* errors are FL_ERR_DB to our callers: nothing half-made, exit 3 */
        return FL_OK;
    if (err && err->code == FL_ERR_UNSUPPORTED)
        err->code = FL_ERR_DB;
    free_tables(out);
    return FL_ERR_DB;
}

static table_info *find_table(table_list *l, const char *name)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i].name, name) == 0)
            return &l->v[i];
    return NULL;
}

static int list_columns(MYSQL *m, const char *src, table_list *tables, fl_error *err)
{
    MYSQL_RES *res = list_objects(
        m, "SELECT TABLE_NAME, COLUMN_NAME FROM information_schema.COLUMNS", "TABLE_SCHEMA", src,
        "AND EXTRA NOT LIKE '%GENERATED%' ORDER BY TABLE_NAME, ORDINAL_POSITION",
        "listing the template's columns", err);
    if (!res)
        return FL_ERR_DB;
    MYSQL_ROW row;
    while ((row = fl_my.mysql_fetch_row(res))) {
        table_info *t = find_table(tables, row[0]);
        if (!t || t->is_sequence)
            continue;
        if (t->columns.len)
            fl_db_buf_puts(&t->columns, ", ");
        my_buf_ident(&t->columns, row[1]);
    }
    fl_my.mysql_free_result(res);
    for (size_t i = 0; i < tables->n; i++)
        if (tables->v[i].columns.failed)
            return nomem(err);
    return FL_OK;
}

static int create_sequence(MYSQL *m, const char *src, const char *dst, const char *name,
                           fl_error *err)
{
    MYSQL_ROW row;
    MYSQL_RES *res = show_create(m, "SEQUENCE", src, name, &row, err);
    if (!res)
        return FL_ERR_DB;
    char what[200];
    snprintf(what, sizeof what, "cannot create sequence `%s` in the clone", name);
    int rc = my_exec(m, row[1], what, err);
    fl_my.mysql_free_result(res);
    fl_db_buf b = {0};
    fl_db_buf_puts(&b, "SELECT next_not_cached_value FROM ");
    my_buf_ident(&b, src);
    fl_db_buf_puts(&b, ".");
    my_buf_ident(&b, name);
    char *next = NULL;
    int found = 0;
    if (rc == FL_OK)
        rc = b.failed ? nomem(err) : my_query_value(m, b.s, &next, &found, what, err);
    fl_db_buf_free(&b);
    if (rc == FL_OK && found) {
        fl_db_buf_puts(&b, "DO SETVAL(");
        my_buf_ident(&b, dst);
        fl_db_buf_puts(&b, ".");
        my_buf_ident(&b, name);
        fl_db_buf_printf(&b, ", %s, 0)", next);
        rc = b.failed ? nomem(err) : my_exec(m, b.s, what, err);
        fl_db_buf_free(&b);
    }
    free(next);
    return rc;
}

/* The table from its SHOW CREATE TABLE (read in the copy's session: no ANSI_QUOTES,
 * backslash escapes), pointed at the clone. */
static int create_table(MYSQL *m, const my_swap *clone, const char *name, fl_error *err)
{
    MYSQL_ROW row;
    MYSQL_RES *res = show_create(m, "TABLE", clone->from, name, &row, err);
    if (!res)
        return FL_ERR_DB;
    char what[200];
    snprintf(what, sizeof what, "cannot create table `%s` in the clone", name);
    char *ddl = NULL;
    int rc = row[1] ? point_at_clone(row[1], clone, "table", name, &ddl, err)
                    : fl_error_set(err, FL_ERR_DB, "cannot read the definition of table `%s`",
                                   name);
    if (rc == FL_OK)
        rc = my_exec(m, ddl, what, err);
    free(ddl);
    fl_my.mysql_free_result(res);
    return rc;
}

static int copy_rows(MYSQL *m, const char *src, const char *dst, const table_info *t,
                     fl_error *err)
{
    if (!t->columns.len || strcasecmp(t->engine, "BLACKHOLE") == 0)
        return FL_OK;
    fl_db_buf b = {0};
    fl_db_buf_puts(&b, "INSERT INTO ");
    my_buf_ident(&b, dst);
    fl_db_buf_puts(&b, ".");
    my_buf_ident(&b, t->name);
    fl_db_buf_printf(&b, " (%s) SELECT %s FROM ", t->columns.s, t->columns.s);
    my_buf_ident(&b, src);
    fl_db_buf_puts(&b, ".");
    my_buf_ident(&b, t->name);
    char what[200];
    snprintf(what, sizeof what, "cannot copy the rows of table `%s`", t->name);
    int rc = b.failed ? nomem(err) : my_exec(m, b.s, what, err);
    fl_db_buf_free(&b);
    return rc;
}

/* One connection's share of the tables: created and filled in the clone. */
typedef struct copy_job {
    const my_url *u;
    const char *shown, *src, *dst, *charset;
    const my_swap *clone; /* template and clone names, for the definitions */
    MYSQL *m;             /* NULL: the job opens (and closes) its own connection */
    table_info **tables;
    size_t n;
    unsigned long long bytes;
    int rc;
    fl_error err;
} copy_job;

static int run_copy_job(copy_job *j)
{
    MYSQL *m = j->m;
    int rc = FL_OK;
    if (!m) {
        rc = my_connect(j->u, j->shown, &m, &j->err);
        if (rc == FL_OK)
            rc = copy_session(m, j->charset, &j->err);
        if (rc == FL_OK && fl_my.mysql_select_db(m, j->dst) != 0)
            rc = fl_error_set(&j->err, FL_ERR_DB, "cannot use database '%s': %s", j->dst,
                              fl_my.mysql_error(m));
    }
    for (size_t i = 0; rc == FL_OK && i < j->n; i++) {
        rc = create_table(m, j->clone, j->tables[i]->name, &j->err);
        if (rc == FL_OK)
            rc = copy_rows(m, j->src, j->dst, j->tables[i], &j->err);
    }
    if (m && !j->m)
        fl_my.mysql_close(m);
    return rc;
}

static void copy_job_thread(void *arg)
{
    copy_job *j = arg;
    fl_my.mysql_thread_init();
    j->rc = run_copy_job(j);
    fl_my.mysql_thread_end();
}

/* Shares the tables out to jobs, biggest first, each to the least loaded job. */
static void share_out(table_list *tables, copy_job *jobs, size_t k)
{
    for (;;) {
        table_info *biggest = NULL;
        for (size_t i = 0; i < tables->n; i++) {
            table_info *t = &tables->v[i];
            if (t->is_sequence || t->taken)
                continue;
            if (!biggest || t->bytes > biggest->bytes)
                biggest = t;
        }
        if (!biggest)
            return;
        biggest->taken = 1;
        copy_job *least = &jobs[0];
        for (size_t i = 1; i < k; i++)
            if (jobs[i].bytes < least->bytes)
                least = &jobs[i];
        least->tables[least->n++] = biggest;
        least->bytes += biggest->bytes + 16384; /* a table costs something even empty */
    }
}

static int copy_tables(const my_url *u, const char *shown, MYSQL *m, const my_swap *clone,
                       const char *charset, fl_error *err)
{
    const char *src = clone->from, *dst = clone->to;
    table_list tables;
    int rc = list_tables(m, src, &tables, err);
    if (rc != FL_OK)
        return rc;
    rc = list_columns(m, src, &tables, err);
    for (size_t i = 0; rc == FL_OK && i < tables.n; i++)
        if (tables.v[i].is_sequence)
            rc = create_sequence(m, src, dst, tables.v[i].name, err);
    size_t k = u->copy_jobs ? u->copy_jobs : 4;
    if (k > tables.n)
        k = tables.n ? tables.n : 1;
    copy_job *jobs = calloc(k, sizeof *jobs);
    fl_thread **threads = calloc(k, sizeof *threads);
    for (size_t i = 0; jobs && i < k; i++) {
        jobs[i] = (copy_job){u, shown, src, dst, charset, clone, i == 0 ? m : NULL, NULL, 0, 0,
                             FL_OK, {0}};
        if (!(jobs[i].tables = calloc(tables.n ? tables.n : 1, sizeof *jobs[i].tables)))
            rc = nomem(err);
    }
    if (!jobs || !threads)
        rc = nomem(err);
    if (rc == FL_OK) {
        share_out(&tables, jobs, k);
        for (size_t i = 1; i < k; i++)
            if (fl_thread_start(&threads[i], copy_job_thread, &jobs[i], NULL) != FL_OK) {
                threads[i] = NULL;
                copy_job_thread(&jobs[i]); /* no thread to be had: here */
            }
        jobs[0].rc = run_copy_job(&jobs[0]);
        for (size_t i = 1; i < k; i++)
            if (threads[i])
                fl_thread_join(threads[i]);
        for (size_t i = 0; i < k && rc == FL_OK; i++)
            if (jobs[i].rc != FL_OK) {
                rc = jobs[i].rc;
                if (err)
                    *err = jobs[i].err;
            }
    }
    for (size_t i = 0; jobs && i < k; i++)
        free(jobs[i].tables);
    free(jobs);
    free(threads);
    free_tables(&tables);
    return rc;
}

/* ---- routines, views, triggers, events ----------------------------------------------------------- */

static int copy_routines(MYSQL *m, const my_swap *clone, const char *charset, fl_error *err)
{
    const char *src = clone->from;
    MYSQL_RES *list = list_objects(m, "SELECT ROUTINE_NAME, ROUTINE_TYPE FROM information_schema.ROUTINES",
                                   "ROUTINE_SCHEMA", src, "ORDER BY ROUTINE_TYPE, ROUTINE_NAME",
                                   "listing the template's routines", err);
    if (!list)
        return FL_ERR_DB;
    int rc = FL_OK;
    MYSQL_ROW r;
    while (rc == FL_OK && (r = fl_my.mysql_fetch_row(list))) {
        const char *kind = r[1] ? r[1] : "";
        if (strcmp(kind, "PROCEDURE") != 0 && strcmp(kind, "FUNCTION") != 0) {
            rc = fl_error_set(err, FL_ERR_DB, "`%s` is a %s, which forkless cannot copy", r[0],
                              kind);
            break;
        }
        MYSQL_ROW row;
        MYSQL_RES *res = show_create(m, kind, src, r[0], &row, err);
        if (!res) {
            rc = FL_ERR_DB;
            break;
        }
        rc = create_object(m, strcmp(kind, "PROCEDURE") == 0 ? "procedure" : "function", r[0],
                           row[2], row[1], row[3], row[4], NULL, clone, err);
        fl_my.mysql_free_result(res);
        if (rc == FL_OK)
            rc = copy_session(m, charset, err);
    }
    fl_my.mysql_free_result(list);
    return rc;
}

/* Views in dependency order: each round creates those whose dependencies exist. */
static int copy_views(MYSQL *m, const my_swap *clone, const char *charset, fl_error *err)
{
    const char *src = clone->from;
    MYSQL_RES *list = list_objects(m, "SELECT TABLE_NAME FROM information_schema.VIEWS",
                                   "TABLE_SCHEMA", src, "ORDER BY TABLE_NAME",
                                   "listing the template's views", err);
    if (!list)
        return FL_ERR_DB;
    size_t n = fl_my.mysql_num_rows(list), left = n;
    char **names = calloc(n ? n : 1, sizeof *names);
    int rc = names ? FL_OK : nomem(err);
    MYSQL_ROW r;
    for (size_t i = 0; rc == FL_OK && i < n && (r = fl_my.mysql_fetch_row(list)); i++)
        if (!(names[i] = strdup(r[0])))
            rc = nomem(err);
    fl_my.mysql_free_result(list);
    while (rc == FL_OK && left > 0) {
        size_t made = 0;
        fl_error last;
        fl_error_clear(&last);
        for (size_t i = 0; rc == FL_OK && i < n; i++) {
            if (!names[i])
                continue;
            MYSQL_ROW row;
            MYSQL_RES *res = show_create(m, "VIEW", src, names[i], &row, err);
            if (!res) {
                rc = FL_ERR_DB;
                break;
            }
            int one = create_object(m, "view", names[i], row[1], NULL, row[2], row[3], NULL,
                                    clone, &last);
            unsigned code = fl_my.mysql_errno(m);
            fl_my.mysql_free_result(res);
            rc = copy_session(m, charset, err);
            if (one == FL_OK) {
                free(names[i]);
                names[i] = NULL;
                made++;
                left--;
            } else if (code != 1146 && code != 1356 && code != 1305) {
                /* not "doesn't exist yet": a real failure */
                if (err)
                    *err = last;
                rc = one;
            }
        }
        if (rc == FL_OK && made == 0 && left > 0) {
            if (err)
                *err = last;
            rc = FL_ERR_DB;
        }
    }
    for (size_t i = 0; names && i < n; i++)
        free(names[i]);
    free(names);
    return rc;
}

static int copy_triggers(MYSQL *m, const my_swap *clone, const char *charset, fl_error *err)
{
    const char *src = clone->from;
    MYSQL_RES *list = list_objects(
        m, "SELECT TRIGGER_NAME FROM information_schema.TRIGGERS", "TRIGGER_SCHEMA", src,
        "ORDER BY EVENT_OBJECT_TABLE, ACTION_TIMING, EVENT_MANIPULATION, ACTION_ORDER",
        "listing the template's triggers", err);
    if (!list)
        return FL_ERR_DB;
    int rc = FL_OK;
    MYSQL_ROW r;
    while (rc == FL_OK && (r = fl_my.mysql_fetch_row(list))) {
        MYSQL_ROW row;
        MYSQL_RES *res = show_create(m, "TRIGGER", src, r[0], &row, err);
        if (!res) {
            rc = FL_ERR_DB;
            break;
        }
        rc = create_object(m, "trigger", r[0], row[2], row[1], row[3], row[4], NULL, clone, err);
        fl_my.mysql_free_result(res);
        if (rc == FL_OK)
            rc = copy_session(m, charset, err);
    }
    fl_my.mysql_free_result(list);
    return rc;
}

static int copy_events(MYSQL *m, const my_swap *clone, const char *charset, fl_error *err)
{
    const char *src = clone->from;
    MYSQL_RES *list = list_objects(m, "SELECT EVENT_NAME FROM information_schema.EVENTS",
                                   "EVENT_SCHEMA", src, "ORDER BY EVENT_NAME",
                                   "listing the template's events", err);
    if (!list)
        return FL_ERR_DB;
    int rc = FL_OK;
    MYSQL_ROW r;
    while (rc == FL_OK && (r = fl_my.mysql_fetch_row(list))) {
        MYSQL_ROW row;
        MYSQL_RES *res = show_create(m, "EVENT", src, r[0], &row, err);
        if (!res) {
            rc = FL_ERR_DB;
            break;
        }
        rc = create_object(m, "event", r[0], row[3], row[1], row[4], row[5], row[2], clone,
                           err);
        fl_my.mysql_free_result(res);
        if (rc == FL_OK)
            rc = copy_session(m, charset, err);
    }
    fl_my.mysql_free_result(list);
    return rc;
}

/* Whether the server folds the case of schema names (lower_case_table_names 1 or 2): then
 * TPL.t in a definition names the template tpl too. */
static int read_fold_case(MYSQL *m, int *fold_case, fl_error *err)
{
    char *value = NULL;
    int found = 0;
    int rc = my_query_value(m, "SELECT @@lower_case_table_names", &value, &found,
                            "reading lower_case_table_names", err);
    *fold_case = rc == FL_OK && found && strcmp(value, "0") != 0;
    free(value);
    return rc;
}

int my_copy_schema(const my_url *u, const char *shown, MYSQL *m, const char *src,
                   const char *dst, fl_error *err)
{
    char charset[64];
    snprintf(charset, sizeof charset, "%s", fl_my.mysql_character_set_name(m));
    my_swap clone = {src, dst, 0, 0, 0};
    int rc = my_create_like(m, src, dst, err);
    if (rc == FL_OK)
        rc = copy_session(m, charset, err);
    if (rc == FL_OK)
        rc = read_fold_case(m, &clone.fold_case, err);
    if (rc == FL_OK && fl_my.mysql_select_db(m, dst) != 0)
        rc = fl_error_set(err, FL_ERR_DB, "cannot use database '%s': %s", dst,
                          fl_my.mysql_error(m));
    if (rc == FL_OK)
        rc = copy_tables(u, shown, m, &clone, charset, err);
    if (rc == FL_OK)
        rc = copy_routines(m, &clone, charset, err);
    if (rc == FL_OK)
        rc = copy_views(m, &clone, charset, err);
    if (rc == FL_OK)
        rc = copy_triggers(m, &clone, charset, err);
    if (rc == FL_OK)
        rc = copy_events(m, &clone, charset, err);
    return rc;
}

/* ---- dump ---------------------------------------------------------------------------------------- */

typedef struct argv_list {
    char *v[40];
    size_t n;
    int failed;
} argv_list;

static void arg_add(argv_list *a, char *s)
{
    if (!s || a->n + 1 >= sizeof a->v / sizeof a->v[0]) {
        free(s);
        a->failed = 1;
        return;
    }
    a->v[a->n++] = s;
    a->v[a->n] = NULL;
}

static void arg_free(argv_list *a)
{
    for (size_t i = 0; i < a->n; i++)
        free(a->v[i]);
    a->n = 0;
}

/* The connection options a mysql client program gets for the server of u. */
static void client_args(argv_list *a, const char *program, const my_url *u)
{
    arg_add(a, strdup(program));
    arg_add(a, u->default_file ? fl_db_strdupf("--defaults-file=%s", u->default_file)
                               : strdup("--no-defaults"));
    if (u->host)
        arg_add(a, fl_db_strdupf("--host=%s", u->host));
    if (u->port)
        arg_add(a, fl_db_strdupf("--port=%u", u->port));
    if (u->user)
        arg_add(a, fl_db_strdupf("--user=%s", u->user));
    if (u->socket)
        arg_add(a, fl_db_strdupf("--socket=%s", u->socket));
    if (u->host && !u->socket && strcmp(u->host, "localhost") != 0)
        arg_add(a, strdup("--protocol=TCP"));
    arg_add(a, fl_db_strdupf("--default-character-set=%s", u->charset ? u->charset : "utf8mb4"));
    if (u->ssl)
        arg_add(a, strdup("--ssl"));
    if (u->ssl_ca)
        arg_add(a, fl_db_strdupf("--ssl-ca=%s", u->ssl_ca));
    if (u->ssl_capath)
        arg_add(a, fl_db_strdupf("--ssl-capath=%s", u->ssl_capath));
    if (u->ssl_cert)
        arg_add(a, fl_db_strdupf("--ssl-cert=%s", u->ssl_cert));
    if (u->ssl_key)
        arg_add(a, fl_db_strdupf("--ssl-key=%s", u->ssl_key));
    if (u->ssl_cipher)
        arg_add(a, fl_db_strdupf("--ssl-cipher=%s", u->ssl_cipher));
    if (u->ssl_verify)
        arg_add(a, strdup("--ssl-verify-server-cert"));
}

/* The caller's environment plus MYSQL_PWD (NULL-terminated, malloc'd). */
static char **client_env(const my_url *u)
{
    size_t n = 0;
    char **env = fl_environ();
    while (env[n])
        n++;
    char **out = calloc(n + 2, sizeof *out);
    if (!out)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (strncmp(env[i], "MYSQL_PWD=", 10) != 0 && !(out[k++] = strdup(env[i])))
            goto fail;
    if (u->password && !(out[k++] = fl_db_strdupf("MYSQL_PWD=%s", u->password)))
        goto fail;
    return out;
fail:
    fl_strv_free(out);
    return NULL;
}

/* The first statement error the client printed ("ERROR 1359 (HY000) at line 125 in file:
 * ..."), or NULL: the mysql client goes on after an error in a file it SOURCEs, and exits 0. */
static const char *client_error(const char *out)
{
    for (const char *line = out; line;) {
        if (strncmp(line, "ERROR ", 6) == 0 && line[6] >= '0' && line[6] <= '9')
            return line;
        line = strchr(line, '\n');
        line = line ? line + 1 : NULL;
    }
    return NULL;
}

/* Runs argv with its output captured; fails naming what when it does not exit 0, or when
 * errors_in_output and it printed a statement's error. */
static int run_client(char *const *argv, char **env, const char *what, int errors_in_output,
                      fl_error *err)
{
    fl_spawn_opts o = {.argv = argv, .envp = env, .capture_output = 1, .stdin_null = 1};
    fl_proc *p;
    int rc = fl_spawn(&o, &p, err);
    if (rc != FL_OK)
        return fl_error_prefix(err, "%s", what);
    fl_db_buf out = {0};
    fl_stream *s = fl_proc_output(p);
    for (;;) {
        char buf[4096];
        long n = fl_stream_read(s, buf, sizeof buf);
        if (n > 0) {
            if (out.len < 4000)
                fl_db_buf_add(&out, buf, (size_t)n);
            continue;
        }
        if (n == 0 || n == FL_STREAM_ERROR)
            break;
        fl_wait_item item = {s, 0, 0};
        fl_wait(&item, 1, 1000);
    }
    fl_exit ex;
    int waited = fl_proc_wait(p, &ex); /* 1 once reaped */
    fl_proc_free(p);
    rc = FL_OK;
    if (waited != 1) {
        rc = fl_error_set(err, FL_ERR_DB, "%s: cannot wait for it", what);
    } else if (!(ex.exited && ex.code == 0)) {
        while (out.len && (out.s[out.len - 1] == '\n' || out.s[out.len - 1] == '\r'))
            out.s[--out.len] = 0;
        rc = fl_error_set(err, FL_ERR_DB, "%s failed (%s)%s%s", what, ex.desc,
                          out.len ? ": " : "", out.len ? out.s : "");
    } else if (errors_in_output && out.s && client_error(out.s)) {
        const char *line = client_error(out.s);
        rc = fl_error_set(err, FL_ERR_DB,
                          "%s failed (it went on after this error and exited 0): %.*s", what,
                          (int)strcspn(line, "\r\n"), line);
    }
    fl_db_buf_free(&out);
    return rc;
}

/* A fresh path for the dump file, not existing yet (malloc'd). */
static char *temp_dump_path(fl_error *err)
{
    const char *base = getenv("TMPDIR");
    for (int attempt = 0; attempt < 10; attempt++) {
        unsigned char r[8];
        fl_random_bytes(r, sizeof r);
        char *path = fl_db_strdupf("%s/forkless-mysqldump-%02x%02x%02x%02x%02x%02x%02x%02x.sql",
                                   base && *base ? base : "/tmp", r[0], r[1], r[2], r[3], r[4],
                                   r[5], r[6], r[7]);
        if (!path || !fl_file_exists(path))
            return path ? path : (nomem(err), NULL);
        free(path);
    }
    fl_error_set(err, FL_ERR_IO, "cannot find a free temporary file name under '%s'",
                 base && *base ? base : "/tmp");
    return NULL;
}

int my_dump_schema(const my_url *u, const char *shown, MYSQL *m, const char *src,
                   const char *dst, fl_error *err)
{
    int rc = my_create_like(m, src, dst, err);
    if (rc != FL_OK)
        return rc;
    char *file = temp_dump_path(err);
    if (!file)
        return err ? err->code : FL_ERR_IO;
    char **env = client_env(u);
    argv_list dump = {0}, load = {0};
    client_args(&dump, "mysqldump", u);
    arg_add(&dump, strdup("--routines"));
    arg_add(&dump, strdup("--events"));
    arg_add(&dump, strdup("--triggers"));
    arg_add(&dump, strdup("--single-transaction"));
    arg_add(&dump, fl_db_strdupf("--result-file=%s", file));
    arg_add(&dump, strdup(src));
    client_args(&load, "mysql", u);
    arg_add(&load, strdup("--batch"));
    arg_add(&load, strdup(dst));
    arg_add(&load, fl_db_strdupf("--execute=SOURCE %s", file));
    if (!env || dump.failed || load.failed)
        rc = nomem(err);
    char what[300];
    snprintf(what, sizeof what, "mysqldump of '%s' on '%s'", src, shown);
    if (rc == FL_OK)
        rc = run_client(dump.v, env, what, 0, err);
    snprintf(what, sizeof what, "mysql loading the dump into '%s' on '%s'", dst, shown);
    if (rc == FL_OK)
        rc = run_client(load.v, env, what, 1, err);
    fl_fs_remove(file, NULL);
    arg_free(&dump);
    arg_free(&load);
    fl_strv_free(env);
    free(file);
    return rc;
}
