/*
 * ora_expect.c — the expected SQL of the Oracle engine tests (see ora_expect.h), spelled
 * out as literal text: if the engine's statements change, these must be changed on
 * purpose, with the reason in the same commit.
 */
#include "ora_expect.h"

#include <forkless/test.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

void ora_expect_add(ora_lines *l, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = fl_xcalloc((size_t)n + 1, 1);
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    l->v = fl_xrealloc(l->v, (l->n + 1) * sizeof *l->v);
    l->v[l->n++] = s;
}

static void free_lines(ora_lines *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

void ora_expect_check(ora_fake *f, ora_lines *l)
{
    char *transcript = ora_fake_transcript(f);
    const char *p = transcript;
    for (size_t i = 0; i < l->n; i++) {
        size_t len = strcspn(p, "\n");
        if (!*p) {
            char *want = fl_xstrdup(l->v[i]);
            free_lines(l);
            FL_FAIL("statement %zu missing: expected\n  %s\nwhole record:\n%s", i + 1, want,
                    transcript);
        }
        if (strlen(l->v[i]) != len || strncmp(p, l->v[i], len) != 0) {
            char *got = fl_xstrndup(p, len), *want = fl_xstrdup(l->v[i]);
            free_lines(l);
            FL_FAIL("statement %zu differs:\n  expected: %s\n  recorded: %s\nwhole record:\n%s",
                    i + 1, want, got, transcript);
        }
        p += len + (p[len] == '\n');
    }
    if (*p) {
        char *extra = fl_xstrndup(p, strcspn(p, "\n"));
        free_lines(l);
        FL_FAIL("unexpected statement after the %zu expected: %s\nwhole record:\n%s", l->n, extra,
                transcript);
    }
    free_lines(l);
    free(transcript);
}

char *ora_expect_md(const char *md_type, const char *src, const char *dst, int flags,
                    const char *exclude)
{
    fl_bytes b = {0};
    fl_bytes_printf(&b,
                    "DECLARE h NUMBER; th NUMBER; d SYS.KU$_DDLS; BEGIN h := "
                    "DBMS_METADATA.OPEN('%s'); DBMS_METADATA.SET_FILTER(h, '%s', '%s');",
                    md_type, flags & OX_DEPENDENT ? "BASE_OBJECT_SCHEMA" : "SCHEMA", src);
    if (exclude)
        fl_bytes_printf(&b, " DBMS_METADATA.SET_FILTER(h, 'EXCLUDE_NAME_EXPR', '%s');", exclude);
    fl_bytes_printf(&b,
                    " th := DBMS_METADATA.ADD_TRANSFORM(h, 'MODIFY'); "
                    "DBMS_METADATA.SET_REMAP_PARAM(th, 'REMAP_SCHEMA', '%s', '%s'); th := "
                    "DBMS_METADATA.ADD_TRANSFORM(h, 'DDL');",
                    src, dst);
    if (flags & OX_NO_SEGMENTS)
        fl_bytes_puts(&b, " DBMS_METADATA.SET_TRANSFORM_PARAM(th, 'SEGMENT_ATTRIBUTES', FALSE);");
    if (flags & OX_NO_REF_CONSTRAINTS)
        fl_bytes_puts(&b, " DBMS_METADATA.SET_TRANSFORM_PARAM(th, 'REF_CONSTRAINTS', FALSE);");
    fl_bytes_puts(&b, " LOOP d := DBMS_METADATA.FETCH_DDL(h); EXIT WHEN d IS NULL; FOR i IN 1 .. "
                      "d.COUNT LOOP BEGIN EXECUTE IMMEDIATE d(i).ddlText; EXCEPTION WHEN OTHERS "
                      "THEN IF SQLCODE <> -24344 THEN RAISE_APPLICATION_ERROR(-20110, SQLERRM || "
                      "' in: ' || DBMS_LOB.SUBSTR(d(i).ddlText, 300, 1)); END IF; END; END LOOP; "
                      "END LOOP; DBMS_METADATA.CLOSE(h); END;");
    return fl_bytes_take(&b);
}

char *ora_expect_lock(const char *name, const char *mode, int timeout)
{
    return fl_xasprintf("DECLARE h VARCHAR2(128); r INTEGER; BEGIN "
                        "DBMS_LOCK.ALLOCATE_UNIQUE('%s', h); r := DBMS_LOCK.REQUEST(h, "
                        "DBMS_LOCK.%s, %d, FALSE); IF r NOT IN (0, 4) THEN "
                        "RAISE_APPLICATION_ERROR(-20101, 'lock ' || '%s' || ' not granted: "
                        "DBMS_LOCK.REQUEST returned ' || r); END IF; END;",
                        name, mode, timeout, name);
}

char *ora_expect_probe(const char *run)
{
    return fl_xasprintf("DECLARE h VARCHAR2(128); r INTEGER; BEGIN "
                        "DBMS_LOCK.ALLOCATE_UNIQUE('forkless-run-%s', h); r := "
                        "DBMS_LOCK.REQUEST(h, DBMS_LOCK.X_MODE, 0, FALSE); IF r = 0 THEN r := "
                        "DBMS_LOCK.RELEASE(h); ELSIF r = 1 THEN RAISE_APPLICATION_ERROR(-20100, "
                        "'alive'); ELSE RAISE_APPLICATION_ERROR(-20101, 'DBMS_LOCK.REQUEST "
                        "returned ' || r); END IF; END;",
                        run);
}

const char *const *ora_expect_checks(const char *src, int with_views, int datapump)
{
    static char *q[6];
    for (size_t i = 0; i < sizeof q / sizeof q[0]; i++) {
        free(q[i]);
        q[i] = NULL;
    }
    char re[256];
    snprintf(re, sizeof re, "(^|[^A-Za-z0-9_$#])\"?%s\"?[[:space:]]*\\.", src);
    size_t n = 0;
    if (with_views)
        q[n++] = fl_xasprintf("SELECT DISTINCT TYPE || ' ' || NAME FROM DBA_SOURCE WHERE OWNER = '%s' AND "
                              "REGEXP_LIKE(TEXT, '%s', 'i') UNION SELECT 'VIEW ' || VIEW_NAME "
                              "FROM DBA_VIEWS WHERE OWNER = '%s' AND REGEXP_LIKE(TEXT_VC, '%s', "
                              "'i') ORDER BY 1",
                              src, re, src, re);
    else
        q[n++] = fl_xasprintf("SELECT DISTINCT TYPE || ' ' || NAME FROM DBA_SOURCE WHERE OWNER = '%s' AND "
                              "REGEXP_LIKE(TEXT, '%s', 'i') ORDER BY 1",
                              src, re);
    q[n++] = fl_xasprintf("SELECT 'TABLE ' || TABLE_NAME || ' column ' || COLUMN_NAME FROM "
                          "DBA_TAB_COLUMNS WHERE OWNER = '%s' AND DATA_TYPE IN ('LONG', 'LONG "
                          "RAW') AND TABLE_NAME IN (SELECT TABLE_NAME FROM DBA_TABLES WHERE "
                          "OWNER = '%s') ORDER BY 1",
                          src, src);
    if (datapump) {
        q[n++] = fl_xasprintf("SELECT 'TYPE ' || TYPE_NAME FROM DBA_TYPE_VERSIONS WHERE OWNER = "
                              "'%s' AND VERSION# > 1 GROUP BY TYPE_NAME ORDER BY 1",
                              src);
    } else {
        q[n++] = fl_xasprintf(
            "SELECT OBJECT_TYPE || ' ' || OBJECT_NAME FROM DBA_OBJECTS WHERE OWNER = '%s' AND "
            "OBJECT_TYPE NOT IN ('TABLE', 'TABLE PARTITION', 'TABLE SUBPARTITION', 'INDEX', "
            "'INDEX PARTITION', 'INDEX SUBPARTITION', 'LOB', 'LOB PARTITION', 'LOB "
            "SUBPARTITION', 'SEQUENCE', 'VIEW', 'SYNONYM', 'PROCEDURE', 'FUNCTION', 'PACKAGE', "
            "'PACKAGE BODY', 'TYPE', 'TYPE BODY', 'TRIGGER') AND OBJECT_NAME NOT LIKE 'BIN$%%' "
            "ORDER BY 1",
            src);
        q[n++] = fl_xasprintf(
            "SELECT 'INDEX ' || INDEX_NAME FROM DBA_INDEXES WHERE OWNER = '%s' AND (TABLE_OWNER "
            "<> '%s' OR INDEX_TYPE = 'DOMAIN') UNION ALL SELECT 'TRIGGER ' || TRIGGER_NAME FROM "
            "DBA_TRIGGERS WHERE OWNER = '%s' AND (BASE_OBJECT_TYPE NOT IN ('TABLE', 'VIEW') OR "
            "TABLE_OWNER <> '%s') UNION ALL SELECT 'TABLE ' || TABLE_NAME FROM DBA_OBJECT_TABLES "
            "WHERE OWNER = '%s' ORDER BY 1",
            src, src, src, src, src);
        q[n++] = fl_xasprintf(
            "SELECT 'TABLE ' || TABLE_NAME || ' column ' || COLUMN_NAME FROM DBA_TAB_COLS WHERE "
            "OWNER = '%s' AND DATA_TYPE_OWNER = '%s' AND TABLE_NAME IN (SELECT TABLE_NAME FROM "
            "DBA_TABLES WHERE OWNER = '%s') ORDER BY 1",
            src, src, src);
    }
    return (const char *const *)q;
}

void ora_expect_create_user(ora_lines *l, int sess, const char *name, const char *grants_from)
{
    ora_expect_add(l,
                   "[%d] CREATE TABLESPACE \"%s\" DATAFILE '%s.dbf' SIZE 20M REUSE AUTOEXTEND ON "
                   "NEXT 10M MAXSIZE 2G",
                   sess, name, name);
    ora_expect_add(l,
                   "[%d] CREATE TEMPORARY TABLESPACE \"%s_T\" TEMPFILE '%s_T.dbf' SIZE 20M REUSE "
                   "AUTOEXTEND ON NEXT 10M MAXSIZE 2G",
                   sess, name, name);
    ora_expect_add(l,
                   "[%d] CREATE USER \"%s\" IDENTIFIED BY \"<pw>\" DEFAULT TABLESPACE \"%s\" "
                   "TEMPORARY TABLESPACE \"%s_T\" QUOTA UNLIMITED ON \"%s\"",
                   sess, name, name, name, name);
    if (!grants_from) {
        ora_expect_add(l,
                       "[%d] GRANT CREATE SESSION, CREATE TABLE, CREATE SEQUENCE, CREATE "
                       "PROCEDURE, CREATE TRIGGER TO \"%s\"",
                       sess, name);
        ora_expect_add(l, "[%d] GRANT CREATE VIEW TO \"%s\"", sess, name);
        ora_expect_add(l, "[%d] GRANT CREATE MATERIALIZED VIEW TO \"%s\"", sess, name);
        return;
    }
    /* The scripted template: CREATE SESSION and CREATE TABLE, no role, SELECT on
     * HR.EMPLOYEES. */
    ora_expect_add(l,
                   "[%d] SELECT PRIVILEGE, ADMIN_OPTION FROM DBA_SYS_PRIVS WHERE GRANTEE = '%s' "
                   "ORDER BY PRIVILEGE",
                   sess, grants_from);
    ora_expect_add(l, "[%d] GRANT CREATE SESSION TO \"%s\"", sess, name);
    ora_expect_add(l, "[%d] GRANT CREATE TABLE TO \"%s\"", sess, name);
    ora_expect_add(l,
                   "[%d] SELECT GRANTED_ROLE, ADMIN_OPTION FROM DBA_ROLE_PRIVS WHERE GRANTEE = "
                   "'%s' ORDER BY GRANTED_ROLE",
                   sess, grants_from);
    ora_expect_add(l,
                   "[%d] SELECT P.PRIVILEGE, P.OWNER, P.TABLE_NAME, P.GRANTABLE, CASE WHEN "
                   "EXISTS (SELECT 1 FROM DBA_DIRECTORIES D WHERE D.OWNER = P.OWNER AND "
                   "D.DIRECTORY_NAME = P.TABLE_NAME) THEN 'DIRECTORY' END FROM DBA_TAB_PRIVS P "
                   "WHERE P.GRANTEE = '%s' ORDER BY P.OWNER, P.TABLE_NAME, P.PRIVILEGE",
                   sess, grants_from);
    ora_expect_add(l, "[%d] GRANT SELECT ON \"HR\".\"EMPLOYEES\" TO \"%s\"", sess, name);
}

void ora_expect_drop_user(ora_lines *l, int sess, const char *name)
{
    ora_expect_add(l, "[%d] DROP USER \"%s\" CASCADE", sess, name);
    ora_expect_add(l, "[%d] DROP TABLESPACE \"%s\" INCLUDING CONTENTS AND DATAFILES", sess, name);
    ora_expect_add(l, "[%d] DROP TABLESPACE \"%s_T\" INCLUDING CONTENTS AND DATAFILES", sess,
                   name);
}

void ora_expect_facts(ora_lines *l, int sess, int with_container)
{
    ora_expect_add(l,
                   "[%d] SELECT VERSION FROM PRODUCT_COMPONENT_VERSION WHERE PRODUCT LIKE "
                   "'Oracle%%' AND ROWNUM = 1",
                   sess);
    if (with_container)
        ora_expect_add(l,
                       "[%d] SELECT SYS_CONTEXT('USERENV', 'CON_ID'), SYS_CONTEXT('USERENV', "
                       "'CON_NAME'), SYS_CONTEXT('USERENV', 'DB_DOMAIN') FROM DUAL",
                       sess);
}

static void md_line(ora_lines *l, int sess, const char *type, const char *src, const char *dst,
                    int flags, const char *exclude)
{
    char *block = ora_expect_md(type, src, dst, flags, exclude);
    ora_expect_add(l, "[%d] %s", sess, block);
    free(block);
}

void ora_expect_metadata_copy(ora_lines *l, int sess, const char *src, const char *dst)
{
    md_line(l, sess, "SEQUENCE", src, dst, 0, "LIKE ''ISEQ$$%''");
    md_line(l, sess, "TYPE_SPEC", src, dst, 0, NULL);
    md_line(l, sess, "TABLE", src, dst, OX_NO_SEGMENTS | OX_NO_REF_CONSTRAINTS, NULL);
    ora_expect_add(l,
                   "[%d] SELECT I.TABLE_NAME, I.COLUMN_NAME, I.GENERATION_TYPE, "
                   "C.DEFAULT_ON_NULL, S.LAST_NUMBER FROM DBA_TAB_IDENTITY_COLS I JOIN "
                   "DBA_TAB_COLUMNS C ON C.OWNER = I.OWNER AND C.TABLE_NAME = I.TABLE_NAME AND "
                   "C.COLUMN_NAME = I.COLUMN_NAME JOIN DBA_SEQUENCES S ON S.SEQUENCE_OWNER = "
                   "I.OWNER AND S.SEQUENCE_NAME = I.SEQUENCE_NAME WHERE I.OWNER = '%s' ORDER BY "
                   "I.TABLE_NAME, I.COLUMN_NAME",
                   sess, src);
    ora_expect_add(l,
                   "[%d] ALTER TABLE \"%s\".\"ORDERS\" MODIFY (\"ID\" GENERATED BY DEFAULT AS "
                   "IDENTITY)",
                   sess, dst);
    ora_expect_add(l,
                   "[%d] SELECT T.TABLE_NAME FROM DBA_TABLES T WHERE T.OWNER = '%s' AND "
                   "T.TEMPORARY = 'N' AND T.NESTED = 'NO' AND T.SECONDARY = 'N' AND T.DROPPED = "
                   "'NO' AND (T.IOT_TYPE IS NULL OR T.IOT_TYPE = 'IOT') AND NOT EXISTS (SELECT 1 "
                   "FROM DBA_EXTERNAL_TABLES E WHERE E.OWNER = T.OWNER AND E.TABLE_NAME = "
                   "T.TABLE_NAME) ORDER BY T.TABLE_NAME",
                   sess, src);
    ora_expect_add(l,
                   "[%d] SELECT TABLE_NAME, COLUMN_NAME FROM DBA_TAB_COLS WHERE OWNER = '%s' AND "
                   "VIRTUAL_COLUMN = 'NO' AND USER_GENERATED = 'YES' ORDER BY TABLE_NAME, "
                   "COLUMN_ID",
                   sess, src);
    ora_expect_add(l,
                   "[%d] INSERT /*+ APPEND */ INTO \"%s\".\"CUSTOMERS\" (\"ID\", \"NAME\") SELECT "
                   "\"ID\", \"NAME\" FROM \"%s\".\"CUSTOMERS\"",
                   sess, dst, src);
    ora_expect_add(l,
                   "[%d] INSERT /*+ APPEND */ INTO \"%s\".\"ORDERS\" (\"ID\", \"CUSTOMER_ID\") "
                   "SELECT \"ID\", \"CUSTOMER_ID\" FROM \"%s\".\"ORDERS\"",
                   sess, dst, src);
    ora_expect_add(l,
                   "[%d] ALTER TABLE \"%s\".\"ORDERS\" MODIFY (\"ID\" GENERATED ALWAYS AS "
                   "IDENTITY (START WITH 101))",
                   sess, dst);
    char *exclude = fl_xasprintf("IN (SELECT INDEX_NAME FROM DBA_CONSTRAINTS WHERE OWNER = "
                                 "''%s'' AND INDEX_NAME IS NOT NULL)",
                                 src);
    md_line(l, sess, "INDEX", src, dst, OX_NO_SEGMENTS, exclude);
    free(exclude);
    md_line(l, sess, "REF_CONSTRAINT", src, dst, OX_DEPENDENT, NULL);
    md_line(l, sess, "VIEW", src, dst, 0, NULL);
    ora_expect_add(l,
                   "[%d] SELECT SYNONYM_NAME, TABLE_OWNER, TABLE_NAME, DB_LINK FROM DBA_SYNONYMS "
                   "WHERE OWNER = '%s' ORDER BY SYNONYM_NAME",
                   sess, src);
    ora_expect_add(l, "[%d] CREATE SYNONYM \"%s\".\"CUST\" FOR \"%s\".\"CUSTOMERS\"", sess, dst,
                   dst);
    const char *plsql[] = {"FUNCTION", "PROCEDURE", "PACKAGE_SPEC", "PACKAGE_BODY", "TYPE_BODY",
                           "TRIGGER"};
    for (size_t i = 0; i < sizeof plsql / sizeof plsql[0]; i++)
        md_line(l, sess, plsql[i], src, dst, 0, NULL);
    md_line(l, sess, "COMMENT", src, dst, OX_DEPENDENT, NULL);
    md_line(l, sess, "OBJECT_GRANT", src, dst, OX_DEPENDENT, NULL);
}

void ora_expect_verify(ora_lines *l, int sess, const char *src, const char *dst)
{
    ora_expect_add(l,
                   "[%d] BEGIN DBMS_UTILITY.COMPILE_SCHEMA(schema => '%s', compile_all => FALSE); "
                   "END;",
                   sess, dst);
    ora_expect_add(l,
                   "[%d] SELECT OBJECT_TYPE, SUM(CASE WHEN OWNER = '%s' THEN 1 ELSE 0 END), "
                   "SUM(CASE WHEN OWNER = '%s' THEN 1 ELSE 0 END), SUM(CASE WHEN OWNER = '%s' "
                   "AND STATUS = 'VALID' THEN 1 ELSE 0 END), SUM(CASE WHEN OWNER = '%s' AND "
                   "STATUS = 'VALID' THEN 1 ELSE 0 END) FROM DBA_OBJECTS WHERE OWNER IN ('%s', "
                   "'%s') AND OBJECT_NAME NOT LIKE 'BIN$%%' GROUP BY OBJECT_TYPE ORDER BY "
                   "OBJECT_TYPE",
                   sess, src, dst, src, dst, src, dst);
}
