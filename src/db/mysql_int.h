/*
 * mysql_int.h — what the pieces of the MySQL/MariaDB engine share: the parsed URL
 * (connection parameters and options), connecting with MariaDB Connector/C (loaded at run
 * time: its functions are called through fl_my, my_api.h), running statements and queries
 * with errors in our convention, identifier and string quoting, and the two clone methods
 * of mysql_copy.c (server-side "copy" and "dump" through mysqldump and the mysql client).
 * mysql.c holds the engine's lifecycle (engine.h).
 */
#ifndef FL_DB_MYSQL_INT_H
#define FL_DB_MYSQL_INT_H

#include <stddef.h>

#include "db/engine.h"
#include "db/my_api.h" /* <mysql.h>, and fl_my: the library's functions, loaded at run time */

/* A parsed mysql:// or mariadb:// URL. */
typedef struct my_url {
    char *scheme;      /* "mysql" or "mariadb", lower case */
    char *authority;   /* "user:pw@host:port" exactly as written (for clone URLs) */
    char *query;       /* the query string without '?', exactly as written, or "" */
    char *user, *password, *host, *database; /* decoded; NULL when absent */
    unsigned port;     /* 0: the default */
    char *socket;      /* ?socket= / ?unix_socket= */
    char *charset;     /* ?charset=, default utf8mb4 */
    char *default_file, *default_group; /* ?read_default_file= / ?read_default_group= */
    int ssl;           /* ?ssl=true: TLS required */
    int ssl_verify;    /* ?ssl_verify_server_cert=true */
    char *ssl_ca, *ssl_capath, *ssl_cert, *ssl_key, *ssl_cipher;
    unsigned connect_timeout; /* seconds, default 10 */
    unsigned copy_jobs;       /* ?copy_jobs=: connections copying tables per clone, default 4 */
} my_url;

/* Quoting on top of engine.h's fl_db_buf (the SQL text of statements). */
/* Appends `name` with backquotes doubled. */
void my_buf_ident(fl_db_buf *b, const char *name);
/* Appends 'text' escaped for the connection's character set. */
void my_buf_literal(fl_db_buf *b, MYSQL *m, const char *text);

/* Opens a connection to the server of u, no default database.  shown names the server in
 * errors (a redacted URL). */
int my_connect(const my_url *u, const char *shown, MYSQL **out, fl_error *err);
/* Runs a statement (results discarded); FL_ERR_DB quoting the server's message, prefixed
 * with what. */
int my_exec(MYSQL *m, const char *sql, const char *what, fl_error *err);
/* Runs a query and returns its whole result (NULL with err on failure; an empty result is
 * not NULL). */
MYSQL_RES *my_query(MYSQL *m, const char *sql, const char *what, fl_error *err);
/* The first column of the first row as a malloc'd string; *found is 0 when there was no
 * row (or the value is NULL). */
int my_query_value(MYSQL *m, const char *sql, char **value, int *found, const char *what,
                   fl_error *err);

/* Pointing a definition read back with SHOW CREATE at the clone (mysql_copy.c): the
 * template's name `from` where it is a schema qualifier (`tpl`.x, tpl.x, "tpl".x) becomes
 * `to`; strings and comments are left alone.  The comment above my_swap_schema says what
 * it does and does not handle. */
typedef struct my_swap {
    const char *from, *to;
    int fold_case;            /* lower_case_table_names != 0: TPL.x is tpl.x */
    int ansi_quotes;          /* the object's sql_mode has ANSI_QUOTES: "tpl" is a name */
    int no_backslash_escapes; /* ... NO_BACKSLASH_ESCAPES: a backslash in a string is itself */
} my_swap;

typedef enum my_swap_result {
    MY_SWAP_OK,
    MY_SWAP_NOMEM,
    MY_SWAP_AMBIGUOUS, /* from.x and from used otherwise: schema or table/alias, unknown */
    MY_SWAP_UNCLOSED   /* a quote or comment not closed: the text is not read as the server does */
} my_swap_result;

/* Sets sw's ansi_quotes and no_backslash_escapes from an object's sql_mode (NULL: none). */
void my_swap_modes(my_swap *sw, const char *sql_mode);
/* The rewritten text in *out (malloc'd) when MY_SWAP_OK; *out is NULL otherwise. */
my_swap_result my_swap_schema(const char *text, const my_swap *sw, char **out);

/* The clone methods (mysql_copy.c).  Both create database dst (which must not exist) as a
 * copy of src on the server of u; on failure they leave dst for the caller to drop. */
int my_copy_schema(const my_url *u, const char *shown, MYSQL *m, const char *src,
                   const char *dst, fl_error *err);
int my_dump_schema(const my_url *u, const char *shown, MYSQL *m, const char *src,
                   const char *dst, fl_error *err);
/* CREATE DATABASE dst with src's character set and collation. */
int my_create_like(MYSQL *m, const char *src, const char *dst, fl_error *err);

#endif
