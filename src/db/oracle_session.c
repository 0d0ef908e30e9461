/*
 * oracle_session.c — the Oracle engine's side of the session interface: which driver is
 * in use (OCI, or a test's recording fake), ora_db (a session with the redacted URL it
 * belongs to) and its statements and queries in our error convention, and the mapping of
 * the ORA- errors users meet into messages that say what to do (a missing privilege, a
 * leftover name, the PDB limit of the edition, the missing client library...).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/oracle_int.h"

static const ora_driver *active_driver;

const ora_driver *ora_driver_get(void) { return active_driver ? active_driver : &ora_oci_driver; }

void ora_driver_set(const ora_driver *d) { active_driver = d; }

void ora_rows_free(ora_rows *r)
{
    if (!r)
        return;
    for (size_t i = 0; r->cells && i < r->nrows * r->ncols; i++)
        free(r->cells[i]);
    free(r->cells);
    memset(r, 0, sizeof *r);
}

const char *ora_cell(const ora_rows *r, size_t row, size_t col)
{
    if (!r->cells || row >= r->nrows || col >= r->ncols)
        return NULL;
    return r->cells[row * r->ncols + col];
}

/* ---- error mapping ------------------------------------------------------------------------- */

/* What to tell the user after the server's message, for the errors we know. */
static const char *hint_for(const ora_status *st, char *buf, size_t size, const ora_db *db)
{
    const char *who = db && db->user[0] ? db->user : "the URL's user";
    const char *where = db ? db->shown : "";
    switch (st->code) {
    case 1031:
        snprintf(buf, size,
                 " (the user %s lacks a privilege this step needs; docs/oracle.md lists the "
                 "privileges of each method)",
                 who);
        return buf;
    case 1920:
        return " (a user or role of that name already exists: a leftover of an earlier run? "
               "`forkless db gc` removes those of runs that are no longer running)";
    case 1543:
        return " (a tablespace of that name already exists: a leftover of an earlier run? "
               "`forkless db gc` removes those of runs that are no longer running)";
    case 65012:
        return " (a pluggable database of that name already exists: a leftover of an "
               "earlier run? `forkless db gc` removes those of runs that are no longer "
               "running)";
    case 65010:
        return " (the container database allows no more pluggable databases: Oracle "
               "Database Free allows 16, Enterprise Edition without the Multitenant option "
               "3, and MAX_PDBS may set a lower limit; run fewer workers or use the schema "
               "method)";
    case 65016:
        return " (the server uses neither Oracle Managed Files nor PDB_FILE_NAME_CONVERT: "
               "give the URL ?datafiles=<directory on the server>)";
    case 65081:
        return " (a hot clone of an open pluggable database needs the CDB in ARCHIVELOG "
               "mode with local undo; otherwise open the source READ ONLY while cloning)";
    case 65096:
        return " (the URL connects to the CDB root, where only common users can be made: "
               "point it at a pluggable database's service, e.g. .../FREEPDB1)";
    case 1940:
        return " (a session of that user is still connected: a worker still running, or "
               "another client connected to the clone)";
    case 1017:
        snprintf(buf, size, " (check the user and password of '%s')", where);
        return buf;
    case 2085:
        return " (GLOBAL_NAMES is TRUE on this server, so a loopback link cannot be named "
               "freely: use schema_copy=metadata)";
    case 12154:
    case 12170:
    case 12505:
    case 12514:
    case 12541:
    case 12543:
    case 12545:
    case 12560:
        snprintf(buf, size,
                 " (cannot reach the database of '%s': is the listener up and the service "
                 "name or alias right?)",
                 where);
        return buf;
    case 6550:
        if (strstr(st->msg, "DBMS_LOCK")) {
            snprintf(buf, size,
                     " (grant EXECUTE ON SYS.DBMS_LOCK to %s: forkless marks running runs "
                     "with a DBMS_LOCK lock)",
                     who);
            return buf;
        }
        return "";
    default:
        return "";
    }
}

int ora_fail(ora_db *db, const ora_status *st, const char *what, fl_error *err)
{
    char hint[1024];
    if (db)
        db->last_code = st->code ? st->code : -2;
    if (st->code == ORA_NO_CLIENT)
        return fl_error_set(err, FL_ERR_DB, "%s: %s", what, st->msg);
    return fl_error_set(err, FL_ERR_DB, "%s: %s%s", what, st->msg[0] ? st->msg : "failed",
                        hint_for(st, hint, sizeof hint, db));
}

/* ---- ora_db ------------------------------------------------------------------------------------ */

int ora_open_as(const ora_connect_spec *spec, const char *shown, ora_db *db, fl_error *err)
{
    memset(db, 0, sizeof *db);
    db->drv = ora_driver_get();
    snprintf(db->shown, sizeof db->shown, "%s", shown);
    size_t i = 0;
    for (; spec->user[i] && i + 1 < sizeof db->user; i++)
        db->user[i] = (char)toupper((unsigned char)spec->user[i]);
    db->user[i] = 0;
    ora_status st = {0};
    int rc = db->drv->connect(spec, &db->s, &st);
    if (rc != FL_OK) {
        db->s = NULL;
        char what[700];
        snprintf(what, sizeof what, "cannot connect to '%s'", shown);
        return st.code == 0 && rc == FL_ERR_NOMEM ? fl_error_set(err, rc, "out of memory")
                                                  : ora_fail(db, &st, what, err);
    }
    return FL_OK;
}

int ora_open(const ora_url *u, const char *shown, ora_db *db, fl_error *err)
{
    ora_connect_spec spec = {u->user, u->password, u->connect, u->sysdba};
    return ora_open_as(&spec, shown, db, err);
}

void ora_close(ora_db *db)
{
    if (db && db->s) {
        db->drv->close(db->s);
        db->s = NULL;
    }
}

static int allowed(const int *ok, int code)
{
    for (; ok && *ok; ok++)
        if (*ok == code)
            return 1;
    return 0;
}

int ora_exec_allow(ora_db *db, const char *sql, const int *ok, const char *what, fl_error *err)
{
    if (!db->s)
        return fl_error_set(err, FL_ERR_DB, "%s: not connected", what);
    ora_status st = {0};
    int rc = db->drv->execute(db->s, sql, &st);
    if (rc == FL_OK || (rc == FL_ERR_DB && allowed(ok, st.code))) {
        db->last_code = rc == FL_OK ? 0 : st.code;
        return FL_OK;
    }
    if (rc == FL_ERR_NOMEM)
        return fl_error_set(err, rc, "out of memory");
    return ora_fail(db, &st, what, err);
}

int ora_exec(ora_db *db, const char *sql, const char *what, fl_error *err)
{
    return ora_exec_allow(db, sql, NULL, what, err);
}

int ora_exec_buf(ora_db *db, fl_db_buf *b, const int *ok, const char *what, fl_error *err)
{
    int rc = b->failed ? fl_error_set(err, FL_ERR_USAGE, "%s: a name cannot be quoted", what)
                       : ora_exec_allow(db, b->s, ok, what, err);
    fl_db_buf_free(b);
    return rc;
}

int ora_query(ora_db *db, const char *sql, ora_rows *rows, const char *what, fl_error *err)
{
    memset(rows, 0, sizeof *rows);
    if (!db->s)
        return fl_error_set(err, FL_ERR_DB, "%s: not connected", what);
    ora_status st = {0};
    int rc = db->drv->query(db->s, sql, rows, &st);
    if (rc == FL_OK) {
        db->last_code = 0;
        return FL_OK;
    }
    ora_rows_free(rows);
    if (rc == FL_ERR_NOMEM)
        return fl_error_set(err, rc, "out of memory");
    return ora_fail(db, &st, what, err);
}

int ora_query_buf(ora_db *db, fl_db_buf *b, ora_rows *rows, const char *what, fl_error *err)
{
    int rc = b->failed ? fl_error_set(err, FL_ERR_USAGE, "%s: a name cannot be quoted", what)
                       : ora_query(db, b->s, rows, what, err);
    fl_db_buf_free(b);
    return rc;
}
