/*
 * oracle_copy.c — what the Oracle engine does on the server, statement by statement: the
 * server's version and container, users with their own tablespace and temporary
 * tablespace (like Django's test user) and their removal, the schema method's two copy
 * paths and the checks for what each cannot carry, the verification after a copy, the
 * loopback link of the Data Pump path, and pluggable database clones.
 *
 * The schema method copies user S into a new user D without any data passing through the
 * client:
 *   metadata (default) — DBMS_METADATA with the MODIFY transform's REMAP_SCHEMA S→D, one
 *     anonymous block per object type, each DDL statement run with EXECUTE IMMEDIATE in
 *     dependency order: sequences, types, tables (without foreign keys and segment
 *     attributes), data by direct-path INSERT ... SELECT (identity columns opened for
 *     it, then set to continue from the template's next value), indexes, foreign keys,
 *     views, synonyms, PL/SQL, triggers (after the data, so they do not fire), comments
 *     and the grants S made;
 *   datapump — DBMS_DATAPUMP network-mode import from a loopback database link with
 *     REMAP_SCHEMA, the user and its grants excluded (we made them).
 * Neither rewrites schema names written inside source text (PL/SQL, views, triggers), so
 * ora_schema_check refuses a template whose text names its own schema, and every type of
 * object the chosen path does not carry (see docs/oracle.md for the lists).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/oracle_int.h"
#include "platform/platform.h"

static const int ok_missing_user[] = {1918, 0};
static const int ok_missing_tablespace[] = {959, 0};
static const int ok_no_privilege[] = {1031, 0};
static const int ok_missing_link[] = {2024, 0};
static const int ok_missing_or_closed_pdb[] = {65011, 65020, 0};
static const int ok_missing_pdb[] = {65011, 0};

static int nomem(fl_error *err) { return fl_error_set(err, FL_ERR_NOMEM, "out of memory"); }

/* ---- server facts ------------------------------------------------------------------------- */

int ora_server_facts(ora_db *db, ora_server *out, fl_error *err)
{
    memset(out, 0, sizeof *out);
    ora_rows rows;
    int rc = ora_query(db,
                       "SELECT VERSION FROM PRODUCT_COMPONENT_VERSION WHERE PRODUCT LIKE "
                       "'Oracle%' AND ROWNUM = 1",
                       &rows, "reading the server's version", err);
    if (rc != FL_OK)
        return rc;
    const char *version = ora_cell(&rows, 0, 0);
    if (!version || sscanf(version, "%d.%d", &out->major, &out->minor) != 2) {
        rc = fl_error_set(err, FL_ERR_DB, "cannot tell the version of the server of '%s' (%s)",
                          db->shown, version ? version : "no PRODUCT_COMPONENT_VERSION row");
        ora_rows_free(&rows);
        return rc;
    }
    ora_rows_free(&rows);
    int long_names = out->major > 12 || (out->major == 12 && out->minor >= 2);
    out->name_max = long_names ? ORA_NAME_MAX_NEW : ORA_NAME_MAX_OLD;
    if (out->major < 12)
        return FL_OK;
    rc = ora_query(db,
                   "SELECT SYS_CONTEXT('USERENV', 'CON_ID'), SYS_CONTEXT('USERENV', 'CON_NAME'), "
                   "SYS_CONTEXT('USERENV', 'DB_DOMAIN') FROM DUAL",
                   &rows, "reading the session's container", err);
    if (rc != FL_OK)
        return rc;
    const char *id = ora_cell(&rows, 0, 0), *name = ora_cell(&rows, 0, 1);
    const char *domain = ora_cell(&rows, 0, 2);
    out->con_id = id ? atoi(id) : 0;
    snprintf(out->con_name, sizeof out->con_name, "%s", name ? name : "");
    snprintf(out->domain, sizeof out->domain, "%s", domain ? domain : "");
    ora_rows_free(&rows);
    return FL_OK;
}

/* ---- users ---------------------------------------------------------------------------------- */

int ora_user_exists(ora_db *db, const char *name, int *exists, fl_error *err)
{
    fl_db_buf b = {0};
    fl_db_buf_puts(&b, "SELECT USERNAME FROM ALL_USERS WHERE USERNAME = ");
    ora_buf_literal(&b, name);
    ora_rows rows;
    int rc = ora_query_buf(db, &b, &rows, "listing users", err);
    *exists = rc == FL_OK && rows.nrows > 0;
    ora_rows_free(&rows);
    return rc;
}

/* " DATAFILE 'dir/NAME.dbf' SIZE 20M REUSE AUTOEXTEND ON NEXT 10M MAXSIZE 2G" (or TEMPFILE). */
static void file_clause(fl_db_buf *b, const ora_user_opts *o, const char *kind, const char *file)
{
    fl_db_buf_printf(b, " %s", kind);
    int omf = o->datafiles && strcmp(o->datafiles, "omf") == 0;
    if (!omf) {
        size_t dir_len = o->datafiles ? strlen(o->datafiles) : 0;
        while (dir_len > 1 && o->datafiles[dir_len - 1] == '/')
            dir_len--; /* "dir/" and "dir" alike */
        char *path = o->datafiles ? fl_db_strdupf("%.*s/%s.dbf", (int)dir_len, o->datafiles, file)
                                  : fl_db_strdupf("%s.dbf", file);
        if (!path) {
            b->failed = 1;
            return;
        }
        fl_db_buf_puts(b, " ");
        ora_buf_literal(b, path);
        free(path);
    }
    fl_db_buf_printf(b, " SIZE %s%s AUTOEXTEND ON NEXT 10M MAXSIZE %s", o->size,
                   omf ? "" : " REUSE", o->maxsize);
}

/* Which of a user's objects this call made (so a failure removes only those). */
typedef struct made_objects {
    int tablespace, temp, user;
} made_objects;

static int create_tablespaces(ora_db *db, const ora_user_opts *o, const char *name,
                              made_objects *made, fl_error *err)
{
    char temp[ORA_NAME_MAX_NEW + 8];
    snprintf(temp, sizeof temp, "%s%s", name, ORA_TEMP_SUFFIX);
    fl_db_buf b = {0};
    fl_db_buf_puts(&b, "CREATE TABLESPACE ");
    ora_buf_ident(&b, name);
    file_clause(&b, o, "DATAFILE", name);
    char what[200];
    snprintf(what, sizeof what, "cannot create tablespace %s", name);
    int rc = ora_exec_buf(db, &b, NULL, what, err);
    if (rc != FL_OK)
        return rc;
    made->tablespace = 1;
    fl_db_buf_puts(&b, "CREATE TEMPORARY TABLESPACE ");
    ora_buf_ident(&b, temp);
    file_clause(&b, o, "TEMPFILE", temp);
    snprintf(what, sizeof what, "cannot create temporary tablespace %s", temp);
    rc = ora_exec_buf(db, &b, NULL, what, err);
    made->temp = rc == FL_OK;
    return rc;
}

static void drop_tablespace(ora_db *db, const char *name)
{
    fl_db_buf b = {0};
    fl_db_buf_puts(&b, "DROP TABLESPACE ");
    ora_buf_ident(&b, name);
    fl_db_buf_puts(&b, " INCLUDING CONTENTS AND DATAFILES");
    ora_exec_buf(db, &b, ok_missing_tablespace, "cannot drop tablespace", NULL);
}

/* Removes what a failed ora_create_user made, and nothing else. */
static void unmake(ora_db *db, const char *name, const made_objects *made)
{
    char temp[ORA_NAME_MAX_NEW + 8];
    snprintf(temp, sizeof temp, "%s%s", name, ORA_TEMP_SUFFIX);
    if (made->user) {
        ora_drop_user(db, name, NULL);
        return; /* it drops both tablespaces too */
    }
    if (made->tablespace)
        drop_tablespace(db, name);
    if (made->temp)
        drop_tablespace(db, temp);
}

/* Django's test user privileges; CREATE VIEW and CREATE MATERIALIZED VIEW may be refused. */
static int grant_django_set(ora_db *db, const char *name, fl_error *err)
{
    char what[200];
    snprintf(what, sizeof what, "cannot grant privileges to %s", name);
    fl_db_buf b = {0};
    fl_db_buf_puts(&b, "GRANT CREATE SESSION, CREATE TABLE, CREATE SEQUENCE, CREATE PROCEDURE, "
                     "CREATE TRIGGER TO ");
    ora_buf_ident(&b, name);
    int rc = ora_exec_buf(db, &b, NULL, what, err);
    static const char *const optional[] = {"CREATE VIEW", "CREATE MATERIALIZED VIEW"};
    for (size_t i = 0; rc == FL_OK && i < sizeof optional / sizeof optional[0]; i++) {
        fl_db_buf_printf(&b, "GRANT %s TO ", optional[i]);
        ora_buf_ident(&b, name);
        rc = ora_exec_buf(db, &b, ok_no_privilege, what, err);
    }
    return rc;
}

/* A privilege name as the dictionary spells it: upper-case words. */
static int is_privilege_name(const char *p)
{
    if (!p || !*p)
        return 0;
    for (; *p; p++)
        if (!(isupper((unsigned char)*p) || *p == ' ' || *p == '_'))
            return 0;
    return 1;
}

static int copy_system_privileges(ora_db *db, const char *from, const char *name,
                                  const char *what, fl_error *err)
{
    fl_db_buf b = {0};
    fl_db_buf_puts(&b, "SELECT PRIVILEGE, ADMIN_OPTION FROM DBA_SYS_PRIVS WHERE GRANTEE = ");
    ora_buf_literal(&b, from);
    fl_db_buf_puts(&b, " ORDER BY PRIVILEGE");
    ora_rows rows;
    int rc = ora_query_buf(db, &b, &rows, "reading the template user's privileges", err);
    for (size_t i = 0; rc == FL_OK && i < rows.nrows; i++) {
        const char *priv = ora_cell(&rows, i, 0), *admin = ora_cell(&rows, i, 1);
        if (!is_privilege_name(priv)) {
            rc = fl_error_set(err, FL_ERR_DB, "%s: unexpected privilege name '%s'", what,
                              priv ? priv : "(null)");
            break;
        }
        fl_db_buf_printf(&b, "GRANT %s TO ", priv);
        ora_buf_ident(&b, name);
        if (admin && strcmp(admin, "YES") == 0)
            fl_db_buf_puts(&b, " WITH ADMIN OPTION");
        rc = ora_exec_buf(db, &b, NULL, what, err);
    }
    ora_rows_free(&rows);
    return rc;
}

static int copy_roles(ora_db *db, const char *from, const char *name, const char *what,
                      fl_error *err)
{
    fl_db_buf b = {0};
    fl_db_buf_puts(&b, "SELECT GRANTED_ROLE, ADMIN_OPTION FROM DBA_ROLE_PRIVS WHERE GRANTEE = ");
    ora_buf_literal(&b, from);
    fl_db_buf_puts(&b, " ORDER BY GRANTED_ROLE");
    ora_rows rows;
    int rc = ora_query_buf(db, &b, &rows, "reading the template user's roles", err);
    for (size_t i = 0; rc == FL_OK && i < rows.nrows; i++) {
        const char *role = ora_cell(&rows, i, 0), *admin = ora_cell(&rows, i, 1);
        fl_db_buf_puts(&b, "GRANT ");
        ora_buf_ident(&b, role ? role : "");
        fl_db_buf_puts(&b, " TO ");
        ora_buf_ident(&b, name);
        if (admin && strcmp(admin, "YES") == 0)
            fl_db_buf_puts(&b, " WITH ADMIN OPTION");
        rc = ora_exec_buf(db, &b, NULL, what, err);
    }
    ora_rows_free(&rows);
    return rc;
}

/* Object privileges other schemas granted to the template (on tables, directories...). */
static int copy_object_privileges(ora_db *db, const char *from, const char *name,
                                  const char *what, fl_error *err)
{
    fl_db_buf b = {0};
    fl_db_buf_puts(&b, "SELECT P.PRIVILEGE, P.OWNER, P.TABLE_NAME, P.GRANTABLE, CASE WHEN EXISTS "
                     "(SELECT 1 FROM DBA_DIRECTORIES D WHERE D.OWNER = P.OWNER AND "
                     "D.DIRECTORY_NAME = P.TABLE_NAME) THEN 'DIRECTORY' END FROM DBA_TAB_PRIVS "
                     "P WHERE P.GRANTEE = ");
    ora_buf_literal(&b, from);
    fl_db_buf_puts(&b, " ORDER BY P.OWNER, P.TABLE_NAME, P.PRIVILEGE");
    ora_rows rows;
    int rc = ora_query_buf(db, &b, &rows, "reading the template user's object privileges", err);
    for (size_t i = 0; rc == FL_OK && i < rows.nrows; i++) {
        const char *priv = ora_cell(&rows, i, 0), *owner = ora_cell(&rows, i, 1);
        const char *object = ora_cell(&rows, i, 2), *grantable = ora_cell(&rows, i, 3);
        const char *kind = ora_cell(&rows, i, 4);
        if (!is_privilege_name(priv)) {
            rc = fl_error_set(err, FL_ERR_DB, "%s: unexpected privilege name '%s'", what,
                              priv ? priv : "(null)");
            break;
        }
        fl_db_buf_printf(&b, "GRANT %s ON ", priv);
        if (kind) {
            fl_db_buf_puts(&b, "DIRECTORY ");
            ora_buf_ident(&b, object ? object : "");
        } else {
            ora_buf_ident2(&b, owner ? owner : "", object ? object : "");
        }
        fl_db_buf_puts(&b, " TO ");
        ora_buf_ident(&b, name);
        if (grantable && strcmp(grantable, "YES") == 0)
            fl_db_buf_puts(&b, " WITH GRANT OPTION");
        rc = ora_exec_buf(db, &b, NULL, what, err);
    }
    ora_rows_free(&rows);
    return rc;
}

int ora_create_user(ora_db *db, const ora_user_opts *o, const char *name, const char *password,
                    const char *grants_from, fl_error *err)
{
    char temp[ORA_NAME_MAX_NEW + 8];
    snprintf(temp, sizeof temp, "%s%s", name, ORA_TEMP_SUFFIX);
    made_objects made = {0, 0, 0};
    int rc = create_tablespaces(db, o, name, &made, err);
    fl_db_buf b = {0};
    fl_db_buf_puts(&b, "CREATE USER ");
    ora_buf_ident(&b, name);
    fl_db_buf_puts(&b, " IDENTIFIED BY ");
    ora_buf_ident(&b, password);
    fl_db_buf_puts(&b, " DEFAULT TABLESPACE ");
    ora_buf_ident(&b, name);
    fl_db_buf_puts(&b, " TEMPORARY TABLESPACE ");
    ora_buf_ident(&b, temp);
    fl_db_buf_puts(&b, " QUOTA UNLIMITED ON ");
    ora_buf_ident(&b, name);
    char what[200];
    snprintf(what, sizeof what, "cannot create user %s", name);
    if (rc == FL_OK)
        rc = ora_exec_buf(db, &b, NULL, what, err);
    else
        fl_db_buf_free(&b);
    made.user = rc == FL_OK;
    snprintf(what, sizeof what, "cannot grant %s the privileges of %s", name,
             grants_from ? grants_from : "a test user");
    if (rc == FL_OK && !grants_from)
        rc = grant_django_set(db, name, err);
    if (rc == FL_OK && grants_from)
        rc = copy_system_privileges(db, grants_from, name, what, err);
    if (rc == FL_OK && grants_from)
        rc = copy_roles(db, grants_from, name, what, err);
    if (rc == FL_OK && grants_from)
        rc = copy_object_privileges(db, grants_from, name, what, err);
    if (rc != FL_OK)
        unmake(db, name, &made);
    return rc;
}

int ora_drop_user(ora_db *db, const char *name, fl_error *err)
{
    char what[200];
    snprintf(what, sizeof what, "cannot drop user %s", name);
    int rc = FL_OK;
    for (int attempt = 0;; attempt++) {
        fl_db_buf b = {0};
        fl_db_buf_puts(&b, "DROP USER ");
        ora_buf_ident(&b, name);
        fl_db_buf_puts(&b, " CASCADE");
        fl_error one = {0};
        rc = ora_exec_buf(db, &b, ok_missing_user, what, &one);
        if (rc == FL_OK || db->last_code != 1940 || attempt >= 20) {
            if (rc != FL_OK && err)
                *err = one;
            break;
        }
        fl_sleep_ms(500); /* the sessions of a worker that just ended are going away */
    }
    char temp[ORA_NAME_MAX_NEW + 8];
    snprintf(temp, sizeof temp, "%s%s", name, ORA_TEMP_SUFFIX);
    const char *spaces[] = {name, temp};
    for (size_t i = 0; rc == FL_OK && i < 2; i++) {
        fl_db_buf b = {0};
        fl_db_buf_puts(&b, "DROP TABLESPACE ");
        ora_buf_ident(&b, spaces[i]);
        fl_db_buf_puts(&b, " INCLUDING CONTENTS AND DATAFILES");
        snprintf(what, sizeof what, "cannot drop tablespace %s", spaces[i]);
        rc = ora_exec_buf(db, &b, ok_missing_tablespace, what, err);
    }
    return rc;
}

/* ---- the schema method's checks --------------------------------------------------------------- */

typedef struct problems {
    fl_db_buf text;
    size_t count;
} problems;

enum { PROBLEMS_SHOWN = 20 };

/* Runs a query whose rows are objects, adding each with reason. */
static int collect(ora_db *db, fl_db_buf *sql, const char *reason, problems *p, fl_error *err)
{
    ora_rows rows;
    int rc = ora_query_buf(db, sql, &rows, "checking the template's objects", err);
    for (size_t i = 0; rc == FL_OK && i < rows.nrows; i++) {
        const char *item = ora_cell(&rows, i, 0);
        if (p->count++ < PROBLEMS_SHOWN)
            fl_db_buf_printf(&p->text, "%s%s (%s)", p->count > 1 ? "; " : "", item ? item : "?",
                           reason);
    }
    ora_rows_free(&rows);
    return rc;
}

/* A regular expression matching src followed by a dot, as written in source text. */
static void schema_reference_regexp(fl_db_buf *b, const char *src)
{
    fl_db_buf re = {0};
    fl_db_buf_puts(&re, "(^|[^A-Za-z0-9_$#])\"?");
    for (const char *p = src; *p; p++) {
        char c[3] = {*p == '$' ? '\\' : *p, *p == '$' ? '$' : 0, 0};
        fl_db_buf_puts(&re, c);
    }
    fl_db_buf_puts(&re, "\"?[[:space:]]*\\.");
    if (re.failed)
        b->failed = 1;
    else
        ora_buf_literal(b, re.s);
    fl_db_buf_free(&re);
}

static int check_text_references(ora_db *db, const ora_server *sv, const char *src,
                                 problems *p, fl_error *err)
{
    fl_db_buf b = {0};
    fl_db_buf_puts(&b, "SELECT DISTINCT TYPE || ' ' || NAME FROM DBA_SOURCE WHERE OWNER = ");
    ora_buf_literal(&b, src);
    fl_db_buf_puts(&b, " AND REGEXP_LIKE(TEXT, ");
    schema_reference_regexp(&b, src);
    fl_db_buf_puts(&b, ", 'i')");
    if (sv->major >= 12) { /* DBA_VIEWS.TEXT_VC: the first 4000 characters of a view */
        fl_db_buf_puts(&b, " UNION SELECT 'VIEW ' || VIEW_NAME FROM DBA_VIEWS WHERE OWNER = ");
        ora_buf_literal(&b, src);
        fl_db_buf_puts(&b, " AND REGEXP_LIKE(TEXT_VC, ");
        schema_reference_regexp(&b, src);
        fl_db_buf_puts(&b, ", 'i')");
    }
    fl_db_buf_puts(&b, " ORDER BY 1");
    char reason[300];
    snprintf(reason, sizeof reason,
             "its text names the schema %s, which REMAP_SCHEMA does not rewrite: the clone's "
             "copy would use the template's objects",
             src);
    return collect(db, &b, reason, p, err);
}

static int check_long_columns(ora_db *db, const char *src, int datapump, problems *p,
                              fl_error *err)
{
    fl_db_buf b = {0};
    fl_db_buf_puts(&b, "SELECT 'TABLE ' || TABLE_NAME || ' column ' || COLUMN_NAME FROM "
                     "DBA_TAB_COLUMNS WHERE OWNER = ");
    ora_buf_literal(&b, src);
    fl_db_buf_puts(&b, " AND DATA_TYPE IN ('LONG', 'LONG RAW') AND TABLE_NAME IN (SELECT "
                     "TABLE_NAME FROM DBA_TABLES WHERE OWNER = ");
    ora_buf_literal(&b, src);
    fl_db_buf_puts(&b, ") ORDER BY 1");
    return collect(db, &b,
                   datapump ? "a LONG or LONG RAW column, which a Data Pump network import "
                              "cannot move"
                            : "a LONG or LONG RAW column, which INSERT ... SELECT cannot copy",
                   p, err);
}

static int check_metadata_types(ora_db *db, const char *src, problems *p, fl_error *err)
{
    fl_db_buf b = {0};
    fl_db_buf_puts(&b, "SELECT OBJECT_TYPE || ' ' || OBJECT_NAME FROM DBA_OBJECTS WHERE OWNER = ");
    ora_buf_literal(&b, src);
    fl_db_buf_puts(&b, " AND OBJECT_TYPE NOT IN ('TABLE', 'TABLE PARTITION', 'TABLE SUBPARTITION', "
                     "'INDEX', 'INDEX PARTITION', 'INDEX SUBPARTITION', 'LOB', 'LOB PARTITION', "
                     "'LOB SUBPARTITION', 'SEQUENCE', 'VIEW', 'SYNONYM', 'PROCEDURE', 'FUNCTION', "
                     "'PACKAGE', 'PACKAGE BODY', 'TYPE', 'TYPE BODY', 'TRIGGER') AND OBJECT_NAME "
                     "NOT LIKE 'BIN$%' ORDER BY 1");
    int rc = collect(db, &b, "an object type the DBMS_METADATA copy does not carry", p, err);
    if (rc != FL_OK)
        return rc;
    fl_db_buf_puts(&b, "SELECT 'INDEX ' || INDEX_NAME FROM DBA_INDEXES WHERE OWNER = ");
    ora_buf_literal(&b, src);
    fl_db_buf_puts(&b, " AND (TABLE_OWNER <> ");
    ora_buf_literal(&b, src);
    fl_db_buf_puts(&b, " OR INDEX_TYPE = 'DOMAIN') UNION ALL SELECT 'TRIGGER ' || TRIGGER_NAME "
                     "FROM DBA_TRIGGERS WHERE OWNER = ");
    ora_buf_literal(&b, src);
    fl_db_buf_puts(&b, " AND (BASE_OBJECT_TYPE NOT IN ('TABLE', 'VIEW') OR TABLE_OWNER <> ");
    ora_buf_literal(&b, src);
    fl_db_buf_puts(&b, ") UNION ALL SELECT 'TABLE ' || TABLE_NAME FROM DBA_OBJECT_TABLES WHERE "
                     "OWNER = ");
    ora_buf_literal(&b, src);
    fl_db_buf_puts(&b, " ORDER BY 1");
    rc = collect(db, &b,
                 "a domain index, an index or trigger on another schema's object, a schema or "
                 "database trigger, or an object table: the DBMS_METADATA copy does not carry "
                 "these",
                 p, err);
    if (rc != FL_OK)
        return rc;
    fl_db_buf_puts(&b, "SELECT 'TABLE ' || TABLE_NAME || ' column ' || COLUMN_NAME FROM "
                     "DBA_TAB_COLS WHERE OWNER = ");
    ora_buf_literal(&b, src);
    fl_db_buf_puts(&b, " AND DATA_TYPE_OWNER = ");
    ora_buf_literal(&b, src);
    fl_db_buf_puts(&b, " AND TABLE_NAME IN (SELECT TABLE_NAME FROM DBA_TABLES WHERE OWNER = ");
    ora_buf_literal(&b, src);
    fl_db_buf_puts(&b, ") ORDER BY 1");
    return collect(db, &b,
                   "a column of one of the template's own types, whose values INSERT ... SELECT "
                   "cannot put into the clone's copy of the type",
                   p, err);
}

static int check_evolved_types(ora_db *db, const char *src, problems *p, fl_error *err)
{
    fl_db_buf b = {0};
    fl_db_buf_puts(&b, "SELECT 'TYPE ' || TYPE_NAME FROM DBA_TYPE_VERSIONS WHERE OWNER = ");
    ora_buf_literal(&b, src);
    fl_db_buf_puts(&b, " AND VERSION# > 1 GROUP BY TYPE_NAME ORDER BY 1");
    return collect(db, &b, "an evolved object type, which a Data Pump network import refuses",
                   p, err);
}

int ora_schema_check(ora_db *db, const ora_server *sv, const char *src, int datapump,
                     char **problems_out, fl_error *err)
{
    *problems_out = NULL;
    problems p = {{0}, 0};
    int rc = check_text_references(db, sv, src, &p, err);
    if (rc == FL_OK)
        rc = check_long_columns(db, src, datapump, &p, err);
    if (rc == FL_OK)
        rc = datapump ? check_evolved_types(db, src, &p, err)
                      : check_metadata_types(db, src, &p, err);
    char more[64] = "";
    if (p.count > PROBLEMS_SHOWN)
        snprintf(more, sizeof more, "; and %zu more", p.count - PROBLEMS_SHOWN);
    if (rc == FL_OK && p.count > 0 &&
        !(*problems_out = fl_db_strdupf("the %s cannot copy template user %s faithfully: %s%s",
                                        datapump ? "Data Pump import" : "DBMS_METADATA copy", src,
                                        p.text.failed ? "(list too long)" : p.text.s, more)))
        rc = nomem(err);
    fl_db_buf_free(&p.text);
    return rc;
}

/* ---- the DBMS_METADATA copy ---------------------------------------------------------------------- */

enum {
    MD_DEPENDENT = 1,        /* filter on BASE_OBJECT_SCHEMA (constraints, comments, grants) */
    MD_NO_SEGMENTS = 2,      /* SEGMENT_ATTRIBUTES off: objects land in the clone's tablespace */
    MD_NO_REF_CONSTRAINTS = 4, /* tables without their foreign keys */
};

/* The anonymous block that re-creates in dst every object of md_type owned by src
 * (except the names matched by exclude, an EXCLUDE_NAME_EXPR, when not NULL).  A DDL
 * statement that creates an object with compilation errors (ORA-24344) is not a failure
 * here: the object exists, invalid, and ora_verify_copy compares validity afterwards. */
static void metadata_block(fl_db_buf *b, const char *md_type, const char *src, const char *dst,
                           int flags, const char *exclude)
{
    fl_db_buf_puts(b, "DECLARE h NUMBER; th NUMBER; d SYS.KU$_DDLS; BEGIN h := DBMS_METADATA.OPEN(");
    ora_buf_literal(b, md_type);
    fl_db_buf_printf(b, "); DBMS_METADATA.SET_FILTER(h, '%s', ",
                   flags & MD_DEPENDENT ? "BASE_OBJECT_SCHEMA" : "SCHEMA");
    ora_buf_literal(b, src);
    fl_db_buf_puts(b, ");");
    if (exclude) {
        fl_db_buf_puts(b, " DBMS_METADATA.SET_FILTER(h, 'EXCLUDE_NAME_EXPR', ");
        ora_buf_literal(b, exclude);
        fl_db_buf_puts(b, ");");
    }
    fl_db_buf_puts(b, " th := DBMS_METADATA.ADD_TRANSFORM(h, 'MODIFY'); "
                    "DBMS_METADATA.SET_REMAP_PARAM(th, 'REMAP_SCHEMA', ");
    ora_buf_literal(b, src);
    fl_db_buf_puts(b, ", ");
    ora_buf_literal(b, dst);
    fl_db_buf_puts(b, "); th := DBMS_METADATA.ADD_TRANSFORM(h, 'DDL');");
    if (flags & MD_NO_SEGMENTS)
        fl_db_buf_puts(b, " DBMS_METADATA.SET_TRANSFORM_PARAM(th, 'SEGMENT_ATTRIBUTES', FALSE);");
    if (flags & MD_NO_REF_CONSTRAINTS)
        fl_db_buf_puts(b, " DBMS_METADATA.SET_TRANSFORM_PARAM(th, 'REF_CONSTRAINTS', FALSE);");
    fl_db_buf_puts(b, " LOOP d := DBMS_METADATA.FETCH_DDL(h); EXIT WHEN d IS NULL; FOR i IN 1 .. "
                    "d.COUNT LOOP BEGIN EXECUTE IMMEDIATE d(i).ddlText; EXCEPTION WHEN OTHERS "
                    "THEN IF SQLCODE <> -24344 THEN RAISE_APPLICATION_ERROR(-20110, SQLERRM || "
                    "' in: ' || DBMS_LOB.SUBSTR(d(i).ddlText, 300, 1)); END IF; END; END LOOP; "
                    "END LOOP; DBMS_METADATA.CLOSE(h); END;");
}

static int copy_objects(ora_db *db, const char *md_type, const char *src, const char *dst,
                        int flags, const char *exclude, fl_error *err)
{
    fl_db_buf b = {0};
    metadata_block(&b, md_type, src, dst, flags, exclude);
    char what[200];
    snprintf(what, sizeof what, "copying the %s objects of %s into %s", md_type, src, dst);
    return ora_exec_buf(db, &b, NULL, what, err);
}

/* The identity columns of src's tables and the value each continues from. */
static int identity_columns(ora_db *db, const ora_server *sv, const char *src, ora_rows *rows,
                            fl_error *err)
{
    memset(rows, 0, sizeof *rows);
    if (sv->major < 12)
        return FL_OK;
    fl_db_buf b = {0};
    fl_db_buf_puts(&b, "SELECT I.TABLE_NAME, I.COLUMN_NAME, I.GENERATION_TYPE, C.DEFAULT_ON_NULL, "
                     "S.LAST_NUMBER FROM DBA_TAB_IDENTITY_COLS I JOIN DBA_TAB_COLUMNS C ON "
                     "C.OWNER = I.OWNER AND C.TABLE_NAME = I.TABLE_NAME AND C.COLUMN_NAME = "
                     "I.COLUMN_NAME JOIN DBA_SEQUENCES S ON S.SEQUENCE_OWNER = I.OWNER AND "
                     "S.SEQUENCE_NAME = I.SEQUENCE_NAME WHERE I.OWNER = ");
    ora_buf_literal(&b, src);
    fl_db_buf_puts(&b, " ORDER BY I.TABLE_NAME, I.COLUMN_NAME");
    return ora_query_buf(db, &b, rows, "reading identity columns", err);
}

/* Before the data: GENERATED ALWAYS identity columns accept the template's values. */
static int open_identities(ora_db *db, const ora_rows *ids, const char *dst, fl_error *err)
{
    int rc = FL_OK;
    for (size_t i = 0; rc == FL_OK && i < ids->nrows; i++) {
        const char *table = ora_cell(ids, i, 0), *column = ora_cell(ids, i, 1);
        const char *generation = ora_cell(ids, i, 2);
        if (!generation || strcmp(generation, "ALWAYS") != 0)
            continue;
        fl_db_buf b = {0};
        fl_db_buf_puts(&b, "ALTER TABLE ");
        ora_buf_ident2(&b, dst, table ? table : "");
        fl_db_buf_puts(&b, " MODIFY (");
        ora_buf_ident(&b, column ? column : "");
        fl_db_buf_puts(&b, " GENERATED BY DEFAULT AS IDENTITY)");
        rc = ora_exec_buf(db, &b, NULL, "preparing an identity column for the data", err);
    }
    return rc;
}

/* After the data: each identity column as in the template, continuing from its next value. */
static int restore_identities(ora_db *db, const ora_rows *ids, const char *dst, fl_error *err)
{
    int rc = FL_OK;
    for (size_t i = 0; rc == FL_OK && i < ids->nrows; i++) {
        const char *table = ora_cell(ids, i, 0), *column = ora_cell(ids, i, 1);
        const char *generation = ora_cell(ids, i, 2), *on_null = ora_cell(ids, i, 3);
        const char *next = ora_cell(ids, i, 4);
        if (!next || strspn(next, "-0123456789") != strlen(next) || !*next)
            return fl_error_set(err, FL_ERR_DB, "unexpected identity value '%s' of %s.%s",
                                next ? next : "(null)", table ? table : "?",
                                column ? column : "?");
        int always = generation && strcmp(generation, "ALWAYS") == 0;
        int null = on_null && strcmp(on_null, "YES") == 0;
        fl_db_buf b = {0};
        fl_db_buf_puts(&b, "ALTER TABLE ");
        ora_buf_ident2(&b, dst, table ? table : "");
        fl_db_buf_puts(&b, " MODIFY (");
        ora_buf_ident(&b, column ? column : "");
        fl_db_buf_printf(&b, " GENERATED %s AS IDENTITY (START WITH %s))",
                       always ? "ALWAYS" : null ? "BY DEFAULT ON NULL" : "BY DEFAULT", next);
        rc = ora_exec_buf(db, &b, NULL, "setting an identity column's next value", err);
    }
    return rc;
}

/* The tables whose rows are copied, with their stored columns in order (invisible columns
 * included from 12c on: they are hidden but user-generated). */
static int copy_data(ora_db *db, const ora_server *sv, const char *src, const char *dst,
                     fl_error *err)
{
    fl_db_buf b = {0};
    fl_db_buf_puts(&b, "SELECT T.TABLE_NAME FROM DBA_TABLES T WHERE T.OWNER = ");
    ora_buf_literal(&b, src);
    fl_db_buf_puts(&b, " AND T.TEMPORARY = 'N' AND T.NESTED = 'NO' AND T.SECONDARY = 'N' AND "
                     "T.DROPPED = 'NO' AND (T.IOT_TYPE IS NULL OR T.IOT_TYPE = 'IOT') AND NOT "
                     "EXISTS (SELECT 1 FROM DBA_EXTERNAL_TABLES E WHERE E.OWNER = T.OWNER AND "
                     "E.TABLE_NAME = T.TABLE_NAME) ORDER BY T.TABLE_NAME");
    ora_rows tables, cols;
    int rc = ora_query_buf(db, &b, &tables, "listing the template's tables", err);
    if (rc != FL_OK)
        return rc;
    fl_db_buf_puts(&b, "SELECT TABLE_NAME, COLUMN_NAME FROM DBA_TAB_COLS WHERE OWNER = ");
    ora_buf_literal(&b, src);
    fl_db_buf_printf(&b, " AND VIRTUAL_COLUMN = 'NO' AND %s ORDER BY TABLE_NAME, COLUMN_ID",
                   sv->major >= 12 ? "USER_GENERATED = 'YES'" : "HIDDEN_COLUMN = 'NO'");
    rc = ora_query_buf(db, &b, &cols, "listing the template's columns", err);
    if (rc != FL_OK) {
        ora_rows_free(&tables);
        return rc;
    }
    for (size_t t = 0; rc == FL_OK && t < tables.nrows; t++) {
        const char *table = ora_cell(&tables, t, 0);
        fl_db_buf list = {0};
        for (size_t c = 0; c < cols.nrows; c++) {
            const char *ct = ora_cell(&cols, c, 0), *cn = ora_cell(&cols, c, 1);
            if (!ct || !table || strcmp(ct, table) != 0)
                continue;
            if (list.len)
                fl_db_buf_puts(&list, ", ");
            ora_buf_ident(&list, cn ? cn : "");
        }
        if (list.len == 0 || list.failed) {
            rc = fl_error_set(err, FL_ERR_DB, "cannot list the columns of %s.%s", src,
                              table ? table : "?");
            fl_db_buf_free(&list);
            break;
        }
        fl_db_buf_puts(&b, "INSERT /*+ APPEND */ INTO ");
        ora_buf_ident2(&b, dst, table);
        fl_db_buf_printf(&b, " (%s) SELECT %s FROM ", list.s, list.s);
        ora_buf_ident2(&b, src, table);
        char what[300];
        snprintf(what, sizeof what, "copying the rows of %s.%s", src, table);
        rc = ora_exec_buf(db, &b, NULL, what, err);
        fl_db_buf_free(&list);
    }
    ora_rows_free(&tables);
    ora_rows_free(&cols);
    return rc;
}

/* Private synonyms, re-pointed at dst when they point into src. */
static int copy_synonyms(ora_db *db, const char *src, const char *dst, fl_error *err)
{
    fl_db_buf b = {0};
    fl_db_buf_puts(&b, "SELECT SYNONYM_NAME, TABLE_OWNER, TABLE_NAME, DB_LINK FROM DBA_SYNONYMS "
                     "WHERE OWNER = ");
    ora_buf_literal(&b, src);
    fl_db_buf_puts(&b, " ORDER BY SYNONYM_NAME");
    ora_rows rows;
    int rc = ora_query_buf(db, &b, &rows, "listing the template's synonyms", err);
    for (size_t i = 0; rc == FL_OK && i < rows.nrows; i++) {
        const char *name = ora_cell(&rows, i, 0), *owner = ora_cell(&rows, i, 1);
        const char *object = ora_cell(&rows, i, 2), *link = ora_cell(&rows, i, 3);
        if (link && strspn(link, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_$#.@") != strlen(link)) {
            rc = fl_error_set(err, FL_ERR_DB, "synonym %s.%s uses database link '%s', whose name "
                              "forkless cannot write", src, name ? name : "?", link);
            break;
        }
        fl_db_buf_puts(&b, "CREATE SYNONYM ");
        ora_buf_ident2(&b, dst, name ? name : "");
        fl_db_buf_puts(&b, " FOR ");
        if (owner)
            ora_buf_ident2(&b, strcmp(owner, src) == 0 ? dst : owner, object ? object : "");
        else
            ora_buf_ident(&b, object ? object : "");
        if (link)
            fl_db_buf_printf(&b, "@%s", link);
        rc = ora_exec_buf(db, &b, NULL, "copying a synonym", err);
    }
    ora_rows_free(&rows);
    return rc;
}

int ora_copy_metadata(ora_db *db, const ora_server *sv, const char *src, const char *dst,
                      fl_error *err)
{
    fl_db_buf exclude = {0};
    fl_db_buf_puts(&exclude, "IN (SELECT INDEX_NAME FROM DBA_CONSTRAINTS WHERE OWNER = ");
    ora_buf_literal(&exclude, src);
    fl_db_buf_puts(&exclude, " AND INDEX_NAME IS NOT NULL)");
    if (exclude.failed)
        return nomem(err);
    ora_rows ids = {0};
    int rc = copy_objects(db, "SEQUENCE", src, dst, 0, "LIKE 'ISEQ$$%'", err);
    if (rc == FL_OK)
        rc = copy_objects(db, "TYPE_SPEC", src, dst, 0, NULL, err);
    if (rc == FL_OK)
        rc = copy_objects(db, "TABLE", src, dst, MD_NO_SEGMENTS | MD_NO_REF_CONSTRAINTS, NULL,
                          err);
    if (rc == FL_OK)
        rc = identity_columns(db, sv, src, &ids, err);
    if (rc == FL_OK)
        rc = open_identities(db, &ids, dst, err);
    if (rc == FL_OK)
        rc = copy_data(db, sv, src, dst, err);
    if (rc == FL_OK)
        rc = restore_identities(db, &ids, dst, err);
    if (rc == FL_OK)
        rc = copy_objects(db, "INDEX", src, dst, MD_NO_SEGMENTS, exclude.s, err);
    if (rc == FL_OK)
        rc = copy_objects(db, "REF_CONSTRAINT", src, dst, MD_DEPENDENT, NULL, err);
    if (rc == FL_OK)
        rc = copy_objects(db, "VIEW", src, dst, 0, NULL, err);
    if (rc == FL_OK)
        rc = copy_synonyms(db, src, dst, err);
    static const char *const plsql[] = {"FUNCTION", "PROCEDURE", "PACKAGE_SPEC", "PACKAGE_BODY",
                                        "TYPE_BODY", "TRIGGER"};
    for (size_t i = 0; rc == FL_OK && i < sizeof plsql / sizeof plsql[0]; i++)
        rc = copy_objects(db, plsql[i], src, dst, 0, NULL, err);
    if (rc == FL_OK)
        rc = copy_objects(db, "COMMENT", src, dst, MD_DEPENDENT, NULL, err);
    if (rc == FL_OK)
        rc = copy_objects(db, "OBJECT_GRANT", src, dst, MD_DEPENDENT, NULL, err);
    ora_rows_free(&ids);
    fl_db_buf_free(&exclude);
    return rc;
}

/* ---- the Data Pump copy -------------------------------------------------------------------------- */

int ora_create_link(ora_db *db, const char *link, const char *user, const char *password,
                    const char *loopback, fl_error *err)
{
    fl_db_buf b = {0};
    fl_db_buf_puts(&b, "CREATE DATABASE LINK ");
    ora_buf_ident(&b, link);
    fl_db_buf_puts(&b, " CONNECT TO ");
    ora_buf_ident(&b, user);
    fl_db_buf_puts(&b, " IDENTIFIED BY ");
    ora_buf_ident(&b, password);
    fl_db_buf_puts(&b, " USING ");
    ora_buf_literal(&b, loopback);
    return ora_exec_buf(db, &b, NULL, "cannot create the loopback database link for Data Pump",
                        err);
}

int ora_drop_link(ora_db *db, const char *link, fl_error *err)
{
    fl_db_buf b = {0};
    fl_db_buf_puts(&b, "DROP DATABASE LINK ");
    ora_buf_ident(&b, link);
    return ora_exec_buf(db, &b, ok_missing_link, "cannot drop the loopback database link", err);
}

int ora_copy_datapump(ora_db *db, const char *src, const char *dst, const char *link,
                      fl_error *err)
{
    fl_db_buf b = {0};
    fl_db_buf_puts(&b, "DECLARE h NUMBER; st VARCHAR2(30); BEGIN h := DBMS_DATAPUMP.OPEN("
                     "operation => 'IMPORT', job_mode => 'SCHEMA', remote_link => ");
    ora_buf_literal(&b, link);
    fl_db_buf_puts(&b, ", job_name => ");
    ora_buf_literal(&b, dst);
    fl_db_buf_puts(&b, "); DBMS_DATAPUMP.METADATA_FILTER(h, 'SCHEMA_LIST', ");
    ora_buf_literal2(&b, src);
    fl_db_buf_puts(&b, "); DBMS_DATAPUMP.METADATA_FILTER(h, 'EXCLUDE_PATH_EXPR', 'IN (''USER'', "
                     "''SYSTEM_GRANT'', ''ROLE_GRANT'', ''DEFAULT_ROLE'', "
                     "''TABLESPACE_QUOTA'')'); DBMS_DATAPUMP.METADATA_REMAP(h, 'REMAP_SCHEMA', ");
    ora_buf_literal(&b, src);
    fl_db_buf_puts(&b, ", ");
    ora_buf_literal(&b, dst);
    fl_db_buf_puts(&b, "); DBMS_DATAPUMP.METADATA_TRANSFORM(h, 'SEGMENT_ATTRIBUTES', 0); "
                     "DBMS_DATAPUMP.START_JOB(h); DBMS_DATAPUMP.WAIT_FOR_JOB(h, st); IF st <> "
                     "'COMPLETED' THEN RAISE_APPLICATION_ERROR(-20120, 'Data Pump import ended ' "
                     "|| st); END IF; END;");
    char what[300];
    snprintf(what, sizeof what, "importing %s into %s with Data Pump over link %s", src, dst,
             link);
    return ora_exec_buf(db, &b, NULL, what, err);
}

/* ---- verification ------------------------------------------------------------------------------ */

int ora_verify_copy(ora_db *db, const char *src, const char *dst, fl_error *err)
{
    fl_db_buf b = {0};
    fl_db_buf_puts(&b, "BEGIN DBMS_UTILITY.COMPILE_SCHEMA(schema => ");
    ora_buf_literal(&b, dst);
    fl_db_buf_puts(&b, ", compile_all => FALSE); END;");
    int rc = ora_exec_buf(db, &b, NULL, "compiling the clone's PL/SQL", err);
    if (rc != FL_OK)
        return rc;
    fl_db_buf_puts(&b, "SELECT OBJECT_TYPE, SUM(CASE WHEN OWNER = ");
    ora_buf_literal(&b, src);
    fl_db_buf_puts(&b, " THEN 1 ELSE 0 END), SUM(CASE WHEN OWNER = ");
    ora_buf_literal(&b, dst);
    fl_db_buf_puts(&b, " THEN 1 ELSE 0 END), SUM(CASE WHEN OWNER = ");
    ora_buf_literal(&b, src);
    fl_db_buf_puts(&b, " AND STATUS = 'VALID' THEN 1 ELSE 0 END), SUM(CASE WHEN OWNER = ");
    ora_buf_literal(&b, dst);
    fl_db_buf_puts(&b, " AND STATUS = 'VALID' THEN 1 ELSE 0 END) FROM DBA_OBJECTS WHERE OWNER IN (");
    ora_buf_literal(&b, src);
    fl_db_buf_puts(&b, ", ");
    ora_buf_literal(&b, dst);
    fl_db_buf_puts(&b, ") AND OBJECT_NAME NOT LIKE 'BIN$%' GROUP BY OBJECT_TYPE ORDER BY "
                     "OBJECT_TYPE");
    ora_rows rows;
    rc = ora_query_buf(db, &b, &rows, "comparing the clone with its template", err);
    fl_db_buf diff = {0};
    for (size_t i = 0; rc == FL_OK && i < rows.nrows; i++) {
        const char *type = ora_cell(&rows, i, 0);
        const char *n[4];
        for (int k = 0; k < 4; k++)
            n[k] = ora_cell(&rows, i, (size_t)k + 1) ? ora_cell(&rows, i, (size_t)k + 1) : "0";
        if (strcmp(n[0], n[1]) != 0)
            fl_db_buf_printf(&diff, "%s%s: %s in the template, %s in the clone", diff.len ? "; " : "",
                           type ? type : "?", n[0], n[1]);
        else if (strcmp(n[2], n[3]) != 0)
            fl_db_buf_printf(&diff, "%s%s: %s valid in the template, %s in the clone",
                           diff.len ? "; " : "", type ? type : "?", n[2], n[3]);
    }
    if (rc == FL_OK && diff.len)
        rc = fl_error_set(err, FL_ERR_DB, "clone %s differs from template %s: %s", dst, src,
                          diff.failed ? "(too many differences)" : diff.s);
    fl_db_buf_free(&diff);
    ora_rows_free(&rows);
    return rc;
}

/* ---- pluggable databases ------------------------------------------------------------------------ */

int ora_to_root(ora_db *db, fl_error *err)
{
    return ora_exec(db, "ALTER SESSION SET CONTAINER = CDB$ROOT",
                    "cannot switch to the CDB root (the pdb method needs a common user with SET "
                    "CONTAINER and CREATE PLUGGABLE DATABASE)",
                    err);
}

static int create_pdb_once(ora_db *db, const char *src, const char *clone, int snapshot,
                           const char *file_dest, fl_error *err)
{
    fl_db_buf b = {0};
    fl_db_buf_puts(&b, "CREATE PLUGGABLE DATABASE ");
    ora_buf_ident(&b, clone);
    fl_db_buf_puts(&b, " FROM ");
    ora_buf_ident(&b, src);
    if (snapshot)
        fl_db_buf_puts(&b, " SNAPSHOT COPY");
    if (file_dest) {
        fl_db_buf_puts(&b, " CREATE_FILE_DEST = ");
        ora_buf_literal(&b, file_dest);
    }
    char what[200];
    snprintf(what, sizeof what, "cannot create pluggable database %s from %s%s", clone, src,
             snapshot ? " (SNAPSHOT COPY)" : "");
    return ora_exec_buf(db, &b, NULL, what, err);
}

/* Errors after which a plain copy would fail the same way. */
static int snapshot_irrelevant(int code)
{
    return code == 65010 || code == 1031 || code == 65012 || code == 65011 || code == 65081;
}

int ora_create_pdb(ora_db *db, const char *src, const char *clone, int *snapshot,
                   const char *file_dest, fl_error *err)
{
    int rc;
    if (*snapshot == ORA_SNAPSHOT_AUTO) {
        fl_error first = {0};
        rc = create_pdb_once(db, src, clone, 1, file_dest, &first);
        if (rc == FL_OK) {
            *snapshot = ORA_SNAPSHOT_YES;
        } else if (snapshot_irrelevant(db->last_code)) {
            if (err)
                *err = first;
        } else {
            ora_drop_pdb(db, clone, NULL); /* whatever the failed attempt left */
            rc = create_pdb_once(db, src, clone, 0, file_dest, err);
            if (rc == FL_OK)
                *snapshot = ORA_SNAPSHOT_NO;
        }
    } else {
        rc = create_pdb_once(db, src, clone, *snapshot == ORA_SNAPSHOT_YES, file_dest, err);
    }
    if (rc != FL_OK)
        return rc;
    fl_db_buf b = {0};
    fl_db_buf_puts(&b, "ALTER PLUGGABLE DATABASE ");
    ora_buf_ident(&b, clone);
    fl_db_buf_puts(&b, " OPEN");
    char what[200];
    snprintf(what, sizeof what, "cannot open pluggable database %s", clone);
    rc = ora_exec_buf(db, &b, NULL, what, err);
    /* Registers the new PDB's service with the listener now rather than within a minute. */
    if (rc == FL_OK)
        rc = ora_exec_allow(db, "ALTER SYSTEM REGISTER", ok_no_privilege,
                            "registering services with the listener", err);
    if (rc != FL_OK)
        ora_drop_pdb(db, clone, NULL);
    return rc;
}

int ora_drop_pdb(ora_db *db, const char *name, fl_error *err)
{
    char what[200];
    snprintf(what, sizeof what, "cannot close pluggable database %s", name);
    fl_db_buf b = {0};
    fl_db_buf_puts(&b, "ALTER PLUGGABLE DATABASE ");
    ora_buf_ident(&b, name);
    fl_db_buf_puts(&b, " CLOSE IMMEDIATE");
    int rc = ora_exec_buf(db, &b, ok_missing_or_closed_pdb, what, err);
    if (rc != FL_OK)
        return rc;
    fl_db_buf_puts(&b, "DROP PLUGGABLE DATABASE ");
    ora_buf_ident(&b, name);
    fl_db_buf_puts(&b, " INCLUDING DATAFILES");
    snprintf(what, sizeof what, "cannot drop pluggable database %s", name);
    return ora_exec_buf(db, &b, ok_missing_pdb, what, err);
}

int ora_pdb_set_password(ora_db *db, const char *pdb, const char *user, const char *password,
                         fl_error *err)
{
    fl_db_buf b = {0};
    fl_db_buf_puts(&b, "ALTER SESSION SET CONTAINER = ");
    ora_buf_ident(&b, pdb);
    char what[200];
    snprintf(what, sizeof what, "cannot enter pluggable database %s", pdb);
    int rc = ora_exec_buf(db, &b, NULL, what, err);
    if (rc != FL_OK)
        return rc;
    fl_db_buf_puts(&b, "ALTER USER ");
    ora_buf_ident(&b, user);
    fl_db_buf_puts(&b, " IDENTIFIED BY ");
    ora_buf_ident(&b, password);
    fl_db_buf_puts(&b, " ACCOUNT UNLOCK");
    snprintf(what, sizeof what, "cannot set the password of %s in %s", user, pdb);
    return ora_exec_buf(db, &b, NULL, what, err);
}
