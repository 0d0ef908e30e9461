/*
 * oracle_int.h — what the pieces of the Oracle engine share.  Every SQL statement the
 * engine issues goes through one narrow "session" interface (ora_driver: connect, execute,
 * query rows, close) with two implementations: the real one on the Oracle Client
 * libraries (oracle_oci.c, loaded at run time) and a recording fake the unit tests install
 * with ora_driver_set (tests/db/ora_fake.c).  Above it:
 *   oracle_url.c     — oracle:// URLs, our object names, identifier and literal quoting,
 *                      generated passwords;
 *   oracle_session.c — ora_db (a session plus the redacted URL for messages), statements
 *                      and queries with errors in our convention, ORA- error mapping;
 *   oracle_copy.c    — users and tablespaces, the clone methods (schema: DBMS_METADATA or
 *                      Data Pump; pdb; migrate) and the checks for what a method cannot carry;
 *   oracle.c         — the engine's lifecycle (engine.h): templates, runs, clones, gc.
 */
#ifndef FL_DB_ORACLE_INT_H
#define FL_DB_ORACLE_INT_H

#include <stddef.h>

#include "db/engine.h"

/* ---- URLs (oracle_url.c) --------------------------------------------------------------- */

enum { ORA_SNAPSHOT_AUTO = -1, ORA_SNAPSHOT_NO = 0, ORA_SNAPSHOT_YES = 1 };

/* A parsed oracle:// URL: oracle://user:password@connect?options, where connect is an
 * Easy Connect string (host[:port]/service, also written //host:port/service) or a TNS
 * alias. */
typedef struct ora_url {
    char *user, *password;   /* decoded; the administrator of a template URL */
    char *connect;           /* decoded: what OCI gets as its connect string */
    char *connect_raw;       /* as written (without a leading "//"), for clone URLs */
    int easy;                /* connect is Easy Connect (host/service), not a TNS alias */
    char *host_port;         /* Easy Connect: "host:port" as written */
    char *service;           /* Easy Connect: the service name, decoded */
    int sysdba;              /* ?sysdba=1: the administrator connects AS SYSDBA */
    char *template_user;     /* ?template=, upper case; default TEST_<USER> (as Django),
                                NULL when that is not a plain identifier */
    char *datafiles;         /* ?datafiles=DIR or "omf"; NULL: file names without a path */
    char *tablespace_size;   /* ?tablespace_size=, default "20M" */
    char *tablespace_maxsize; /* ?tablespace_maxsize=, default "2G" */
    int snapshot;            /* ?pdb_snapshot=auto|yes|no */
    int datapump;            /* ?schema_copy=datapump (default metadata) */
    char *loopback;          /* ?loopback=: how the server reaches itself (Data Pump link) */
} ora_url;

/* Parses url (shown: its redacted form, for messages).  FL_ERR_USAGE naming the problem. */
int ora_url_parse(const char *url, ora_url *u, const char *shown, fl_error *err);
void ora_url_free(ora_url *u);
/* "oracle://<user>:<password>@<connect>" with user and password percent-encoded
 * (malloc'd).  connect is used as written. */
char *ora_url_make(const char *user, const char *password, const char *connect);

/* ---- names, quoting, passwords (oracle_url.c) -------------------------------------------- */

/* Oracle's identifier limit in bytes: 30 before 12.2, 128 from 12.2 on.  Pluggable database
 * names stay within 30 on every version. */
enum { ORA_NAME_MAX_OLD = 30, ORA_NAME_MAX_NEW = 128, ORA_PDB_NAME_MAX = 30 };
/* Room a user name leaves for its temporary tablespace's suffix. */
#define ORA_TEMP_SUFFIX "_T"
enum { ORA_TEMP_SUFFIX_LEN = 2 };

/* 1 when s is an identifier we accept unquoted-style: a letter, then letters, digits, _,
 * $ and #, at most max bytes. */
int ora_is_plain_identifier(const char *s, size_t max);
/* Our object names: "<STEM>_FL_<RUN>_<SLOT>" in upper case, at most limit bytes.  When
 * it would be longer, the stem is cut and "_" plus 6 hex digits of its hash appended (the
 * cut depends on the run id and slot; ora_name_belongs recognises every cut). */
int ora_name_make(char *buf, size_t size, size_t limit, const char *stem, const char *run_id,
                  const char *slot, fl_error *err);
/* Splits one of our names: the stem part (as it appears in the name), run and slot (lower
 * case) and the tail after the slot ("" or e.g. "_T"); 1 when name has that shape. */
int ora_name_parse(const char *name, char *stem_part, size_t stem_size,
                   char run[FL_DB_RUN_ID_MAX + 1], char slot[FL_DB_SLOT_MAX + 1],
                   const char **tail);
/* 1 when stem_part (from ora_name_parse) stands for stem: equal, or a cut of it with its hash. */
int ora_name_belongs(const char *stem_part, const char *stem);

/* A random password of 30 letters and digits (at least one upper, one lower, one digit,
 * starting with a letter). */
int ora_password(char out[31], fl_error *err);

/* Quoting on top of engine.h's fl_db_buf (the SQL text of statements). */
/* Appends "name" (a double-quoted identifier; Oracle identifiers cannot hold '"', which
 * ora_buf_ident refuses by failing the buffer). */
void ora_buf_ident(fl_db_buf *b, const char *name);
/* Appends "owner"."name". */
void ora_buf_ident2(fl_db_buf *b, const char *owner, const char *name);
/* Appends 'text' with quotes doubled. */
void ora_buf_literal(fl_db_buf *b, const char *text);
/* Appends the literal of a literal: text quoted, then quoted again (for a string inside a
 * string, e.g. a Data Pump filter value). */
void ora_buf_literal2(fl_db_buf *b, const char *text);

/* ---- the session interface ------------------------------------------------------------- */

/* Who to connect as and where. */
typedef struct ora_connect_spec {
    const char *user, *password;
    const char *connect; /* OCI connect string */
    int sysdba;
} ora_connect_spec;

/* The outcome of a failed call: code is the ORA- number (1017 for ORA-01017), or
 * ORA_NO_CLIENT when the client library could not be loaded, or 0 for another client-side
 * failure; msg is the server's (or client's) message. */
enum { ORA_NO_CLIENT = -1 };
typedef struct ora_status {
    int code;
    char msg[1024];
} ora_status;

/* A query's result: nrows x ncols cells, row-major, NULL for SQL NULL. */
typedef struct ora_rows {
    size_t ncols, nrows;
    char **cells;
} ora_rows;

typedef struct ora_session ora_session;

/* Each call returns FL_OK, or FL_ERR_DB / FL_ERR_NOMEM with st filled.  Statements run
 * with commit on success.  Sessions are used by one thread at a time; different sessions
 * may be used by different threads at once. */
typedef struct ora_driver {
    const char *name; /* "oci", "fake" */
    int (*connect)(const ora_connect_spec *spec, ora_session **out, ora_status *st);
    int (*execute)(ora_session *s, const char *sql, ora_status *st);
    int (*query)(ora_session *s, const char *sql, ora_rows *rows, ora_status *st);
    void (*close)(ora_session *s);
} ora_driver;

/* The real driver (oracle_oci.c). */
extern const ora_driver ora_oci_driver;
/* The driver in use: the OCI one unless a test installed another (NULL restores OCI).
 * Set it only while no Oracle call is in progress. */
const ora_driver *ora_driver_get(void);
void ora_driver_set(const ora_driver *d);

void ora_rows_free(ora_rows *r);
/* The cell, or NULL (also when out of range). */
const char *ora_cell(const ora_rows *r, size_t row, size_t col);

/* ---- ora_db: a session with our error convention (oracle_session.c) ------------------------- */

typedef struct ora_db {
    const ora_driver *drv;
    ora_session *s;
    char shown[512];  /* the redacted URL, for messages */
    char user[132];   /* who we are connected as (upper case), for privilege hints */
    int last_code;    /* ORA- number of the last failure, 0 after success */
} ora_db;

/* Connects as the URL's administrator. */
int ora_open(const ora_url *u, const char *shown, ora_db *db, fl_error *err);
/* Connects as someone else on the same server (user clones, tests). */
int ora_open_as(const ora_connect_spec *spec, const char *shown, ora_db *db, fl_error *err);
void ora_close(ora_db *db);
/* Runs a statement; FL_ERR_DB "<what>: <server message><hint>" on failure. */
int ora_exec(ora_db *db, const char *sql, const char *what, fl_error *err);
/* ora_exec, except that a failure with one of the ORA- numbers in ok (0-terminated) is
 * success (e.g. "does not exist" while dropping). */
int ora_exec_allow(ora_db *db, const char *sql, const int *ok, const char *what, fl_error *err);
/* Runs the statement built in b (freeing it). */
int ora_exec_buf(ora_db *db, fl_db_buf *b, const int *ok, const char *what, fl_error *err);
int ora_query(ora_db *db, const char *sql, ora_rows *rows, const char *what, fl_error *err);
int ora_query_buf(ora_db *db, fl_db_buf *b, ora_rows *rows, const char *what, fl_error *err);
/* Fills err from a failed call: the server's message, prefixed by what, followed by a hint
 * for the errors we know (privileges, existing names, PDB limits, the missing client). */
int ora_fail(ora_db *db, const ora_status *st, const char *what, fl_error *err);

/* ---- server facts and objects (oracle_copy.c) --------------------------------------------- */

typedef struct ora_server {
    int major, minor;     /* 19, 0 for "19.0.0.0.0" */
    size_t name_max;      /* 30 or 128 */
    int con_id;           /* 0: not a container database, 1: CDB$ROOT, 2: seed, >2: a PDB */
    char con_name[132];   /* the container the URL lands in ("" before 12c) */
    char domain[132];     /* DB_DOMAIN, "" when none */
} ora_server;

int ora_server_facts(ora_db *db, ora_server *out, fl_error *err);

/* How users and their tablespaces are made. */
typedef struct ora_user_opts {
    const char *datafiles;   /* NULL, "omf" or a directory */
    const char *size, *maxsize;
} ora_user_opts;

/* Makes tablespace <name>, temporary tablespace <name>_T and user <name> with password,
 * quota on its tablespace.  grants_from NULL: Django's test-user privileges; else the
 * system privileges, roles and object privileges of that user.  On failure it removes
 * what it made. */
int ora_create_user(ora_db *db, const ora_user_opts *o, const char *name, const char *password,
                    const char *grants_from, fl_error *err);
/* DROP USER name CASCADE and its two tablespaces; missing ones are fine.  Retries for a
 * while when a session of the user is still connected (a worker that just ended). */
int ora_drop_user(ora_db *db, const char *name, fl_error *err);
/* 1 in *exists when user name exists. */
int ora_user_exists(ora_db *db, const char *name, int *exists, fl_error *err);

/* The schema method's checks: *problems gets NULL, or (malloc'd) a sentence listing every
 * object of user src that the chosen path (datapump or DBMS_METADATA) cannot carry, with
 * the reason.  Fails only when the checks themselves cannot run. */
int ora_schema_check(ora_db *db, const ora_server *sv, const char *src, int datapump,
                     char **problems, fl_error *err);
/* Copies the objects and data of user src into the (new, empty) user dst, server-side. */
int ora_copy_metadata(ora_db *db, const ora_server *sv, const char *src, const char *dst,
                      fl_error *err);
int ora_copy_datapump(ora_db *db, const char *src, const char *dst, const char *link,
                      fl_error *err);
/* After a copy: compiles dst and compares object counts (and valid ones) per type with src;
 * FL_ERR_DB naming the differences. */
int ora_verify_copy(ora_db *db, const char *src, const char *dst, fl_error *err);

/* A loopback database link for Data Pump: CONNECT TO the administrator USING loopback. */
int ora_create_link(ora_db *db, const char *link, const char *user, const char *password,
                    const char *loopback, fl_error *err);
int ora_drop_link(ora_db *db, const char *link, fl_error *err);

/* Pluggable databases (from CDB$ROOT; the session is switched there and stays). */
int ora_to_root(ora_db *db, fl_error *err);
/* CREATE PLUGGABLE DATABASE clone FROM src [SNAPSHOT COPY] [CREATE_FILE_DEST = dest],
 * then OPEN it.  *snapshot: ORA_SNAPSHOT_AUTO tries SNAPSHOT COPY and falls back to a full
 * copy, leaving in *snapshot what worked. */
int ora_create_pdb(ora_db *db, const char *src, const char *clone, int *snapshot,
                   const char *file_dest, fl_error *err);
int ora_drop_pdb(ora_db *db, const char *name, fl_error *err);
/* Inside PDB pdb: gives user a new password and unlocks it. */
int ora_pdb_set_password(ora_db *db, const char *pdb, const char *user, const char *password,
                         fl_error *err);

#endif
