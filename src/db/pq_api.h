/*
 * pq_api.h — libpq as the PostgreSQL engine calls it.  forkless does not link libpq: its
 * types and constants come from <libpq-fe.h> at build time, and its functions are called
 * through fl_pq, a table of pointers that fl_pq_load fills the first time a PostgreSQL URL
 * is parsed (pq_api.c, on client_lib.h).  Every engine entry point starts from a parsed
 * URL, so the table is full wherever postgres.c uses it; a member keeps libpq's name and
 * type (fl_pq.PQexec has PQexec's exact prototype), and calling a libpq function directly
 * fails to link, which keeps it that way.
 */
#ifndef FL_DB_PQ_API_H
#define FL_DB_PQ_API_H

#include <libpq-fe.h>

#include "forkless/forkless.h"

typedef struct fl_pq_api {
    __typeof__(PQclear) *PQclear;
    __typeof__(PQconnectdbParams) *PQconnectdbParams;
    __typeof__(PQconninfoFree) *PQconninfoFree;
    __typeof__(PQconninfoParse) *PQconninfoParse;
    __typeof__(PQerrorMessage) *PQerrorMessage;
    __typeof__(PQescapeLiteral) *PQescapeLiteral;
    __typeof__(PQexec) *PQexec;
    __typeof__(PQexecParams) *PQexecParams;
    __typeof__(PQfinish) *PQfinish;
    __typeof__(PQfreemem) *PQfreemem;
    __typeof__(PQgetisnull) *PQgetisnull;
    __typeof__(PQgetvalue) *PQgetvalue;
    __typeof__(PQntuples) *PQntuples;
    __typeof__(PQresultErrorField) *PQresultErrorField;
    __typeof__(PQresultErrorMessage) *PQresultErrorMessage;
    __typeof__(PQresultStatus) *PQresultStatus;
    __typeof__(PQserverVersion) *PQserverVersion;
    __typeof__(PQsetNoticeProcessor) *PQsetNoticeProcessor;
    __typeof__(PQstatus) *PQstatus;
} fl_pq_api;

/* The functions, valid once fl_pq_load has returned FL_OK. */
extern fl_pq_api fl_pq;

/* Loads libpq once ($FORKLESS_LIBPQ, else libpq.so.5, libpq.5.dylib, libpq.dll, libpq.so);
 * thread-safe.  FL_ERR_DB naming what was tried and how to install it when it cannot. */
int fl_pq_load(fl_error *err);

#endif
