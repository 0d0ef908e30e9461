/*
 * my_api.h — MariaDB Connector/C as the MySQL/MariaDB engine calls it.  forkless does not
 * link libmariadb: its types and constants come from <mysql.h> at build time, and its
 * functions are called through fl_my, a table of pointers that fl_my_load fills the first
 * time a mysql:// or mariadb:// URL is parsed (my_api.c, on client_lib.h).  Every engine
 * entry point starts from a parsed URL, so the table is full wherever mysql.c and
 * mysql_copy.c use it.  A member keeps the library's name and type (fl_my.mysql_init has
 * mysql_init's exact prototype); calling a libmariadb function directly fails to link.
 *
 * fl_my_load also runs mysql_library_init, once, before any connection; threads that use
 * the library call fl_my.mysql_thread_init / mysql_thread_end as before.
 */
#ifndef FL_DB_MY_API_H
#define FL_DB_MY_API_H

#include <mysql.h>

#include "forkless/forkless.h"

typedef struct fl_my_api {
    __typeof__(mysql_character_set_name) *mysql_character_set_name;
    __typeof__(mysql_close) *mysql_close;
    __typeof__(mysql_errno) *mysql_errno;
    __typeof__(mysql_error) *mysql_error;
    __typeof__(mysql_fetch_row) *mysql_fetch_row;
    __typeof__(mysql_free_result) *mysql_free_result;
    __typeof__(mysql_init) *mysql_init;
    __typeof__(mysql_next_result) *mysql_next_result;
    __typeof__(mysql_num_rows) *mysql_num_rows;
    __typeof__(mysql_optionsv) *mysql_optionsv;
    __typeof__(mysql_real_connect) *mysql_real_connect;
    __typeof__(mysql_real_escape_string) *mysql_real_escape_string;
    __typeof__(mysql_real_query) *mysql_real_query;
    __typeof__(mysql_select_db) *mysql_select_db;
    __typeof__(mysql_server_init) *mysql_server_init; /* what mysql_library_init names */
    __typeof__(mysql_ssl_set) *mysql_ssl_set;
    __typeof__(mysql_store_result) *mysql_store_result;
    __typeof__(mysql_thread_end) *mysql_thread_end;
    __typeof__(mysql_thread_init) *mysql_thread_init;
} fl_my_api;

/* The functions, valid once fl_my_load has returned FL_OK. */
extern fl_my_api fl_my;

/* Loads MariaDB Connector/C once ($FORKLESS_LIBMARIADB, else libmariadb.so.3,
 * libmariadb.3.dylib, libmariadb.dll, libmariadb.so) and initialises it; thread-safe.
 * FL_ERR_DB naming what was tried and how to install it when it cannot. */
int fl_my_load(fl_error *err);

#endif
