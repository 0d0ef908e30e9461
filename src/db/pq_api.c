/*
 * pq_api.c — the libpq function table of the PostgreSQL engine (pq_api.h): which library
 * files to try, the override variable FORKLESS_LIBPQ, how to install libpq, and the names
 * of the functions postgres.c calls.  The loading itself is client_lib.c's.
 */
#include "db/pq_api.h"

#include "db/client_lib.h"

fl_pq_api fl_pq;

#define PQ_SYMBOL(fn) {#fn, (void **)&fl_pq.fn}

static const fl_client_symbol pq_symbols[] = {
    PQ_SYMBOL(PQclear),
    PQ_SYMBOL(PQconnectdbParams),
    PQ_SYMBOL(PQconninfoFree),
    PQ_SYMBOL(PQconninfoParse),
    PQ_SYMBOL(PQerrorMessage),
    PQ_SYMBOL(PQescapeLiteral),
    PQ_SYMBOL(PQexec),
    PQ_SYMBOL(PQexecParams),
    PQ_SYMBOL(PQfinish),
    PQ_SYMBOL(PQfreemem),
    PQ_SYMBOL(PQgetisnull),
    PQ_SYMBOL(PQgetvalue),
    PQ_SYMBOL(PQntuples),
    PQ_SYMBOL(PQresultErrorField),
    PQ_SYMBOL(PQresultErrorMessage),
    PQ_SYMBOL(PQresultStatus),
    PQ_SYMBOL(PQserverVersion),
    PQ_SYMBOL(PQsetNoticeProcessor),
    PQ_SYMBOL(PQstatus),
    {0},
};

/* The versioned names first: the unversioned libpq.so exists only with the -dev package. */
static const char *const pq_names[] = {
    "libpq.so.5", "libpq.5.dylib", "libpq.dll", "libpq.so", "libpq.dylib", NULL,
};

static fl_client_lib libpq = {
    .title = "libpq (the PostgreSQL client library)",
    .env_var = "FORKLESS_LIBPQ",
    .names = pq_names,
    .install_hint = "Debian, Ubuntu: apt-get install libpq5; Fedora: dnf install libpq; "
                    "macOS: brew install libpq",
    .symbols = pq_symbols,
};

int fl_pq_load(fl_error *err) { return fl_client_lib_load(&libpq, err); }
