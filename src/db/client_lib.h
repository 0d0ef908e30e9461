/*
 * client_lib.h — loading a database client library (libpq, MariaDB Connector/C) at run
 * time instead of linking it.  A program that never uses a postgresql:// or mysql:// URL
 * then never maps the library nor what it pulls in (libssl, libcrypto, Kerberos, LDAP):
 * that is ~5 MB of RSS and a few ms of start-up in every coordinator and worker.
 *
 * An engine describes its library once (fl_client_lib: a name for people, candidate file
 * names for the system loader, the override variable, how to install it, the functions
 * it needs and where to store them) and calls fl_client_lib_load before it first touches
 * the library.  The first call loads it, fills every function pointer and runs the
 * library's own initialisation if it has one; later calls return at once with the same
 * outcome.  Any number of threads may call it.  When the
 * library cannot be loaded, every call fails with FL_ERR_DB (exit 3, like a server that
 * cannot be reached) and a message naming the library, each file tried and why it was
 * refused, how to install it and the override variable.
 */
#ifndef FL_DB_CLIENT_LIB_H
#define FL_DB_CLIENT_LIB_H

#include <stdatomic.h>

#include "forkless/forkless.h"

/* One function to look up: its exported name and where its address goes. */
typedef struct fl_client_symbol {
    const char *name;
    void **slot;
} fl_client_symbol;

typedef struct fl_client_lib {
    const char *title;           /* "libpq (the PostgreSQL client library)" */
    const char *env_var;         /* "FORKLESS_LIBPQ": a path that replaces the search */
    const char *const *names;    /* candidates for the system loader, NULL-terminated */
    const char *install_hint;    /* "Debian, Ubuntu: apt-get install libpq5; ..." */
    const fl_client_symbol *symbols; /* terminated by an entry whose name is NULL */
    /* Optional: run once, right after the functions are found (e.g. the library's own
     * initialisation); NULL on success, else why it failed. */
    const char *(*after_load)(void);
    /* Filled by fl_client_lib_load. */
    atomic_int state;
    void *handle;
    char failure[sizeof ((fl_error *)0)->msg];
} fl_client_lib;

/* Loads lib once (thread-safe); FL_OK when every function is there, else FL_ERR_DB with
 * the reason in err (the same reason on every later call). */
int fl_client_lib_load(fl_client_lib *lib, fl_error *err);

#endif
