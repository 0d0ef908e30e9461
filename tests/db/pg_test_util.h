/*
 * pg_test_util.h — helpers for the PostgreSQL engine tests: the test server (from
 * FORKLESS_TEST_PG_URL; the test skips loudly when it is unset, or fails when
 * FORKLESS_REQUIRE_SERVERS=1), URLs of databases on it, statements and queries through
 * libpq, the rich template every fidelity test clones, and pg_dump output.
 */
#ifndef FL_TESTS_PG_UTIL_H
#define FL_TESTS_PG_UTIL_H

#include <forkless/forkless.h>

/* The server URL; skips (or fails, under FORKLESS_REQUIRE_SERVERS=1) when unset. */
const char *pgt_server(void);
/* The URL of database name on the test server, with query appended (may be ""). */
char *pgt_url(const char *name, const char *query);
/* A database name unique to this process and call: "<base> <pid>_<n>". */
char *pgt_unique(const char *base);
/* Runs sql in database name (as the server URL's user); fails the test on error. */
void pgt_exec(const char *name, const char *sql);
/* The first value of sql in database name (malloc'd; "" for no row or NULL). */
char *pgt_query(const char *name, const char *sql);
/* Makes database name holding the rich schema and data. */
void pgt_make_rich(const char *name);
/* Drops database name if it exists (unmarking a template first). */
void pgt_drop(const char *name);
/* Number of databases whose name starts with prefix. */
int pgt_count_prefix(const char *prefix);
/* pg_dump of database name with the extra option ("--schema-only", "--data-only
 * --inserts"), without the random \restrict lines (malloc'd). */
char *pgt_dump(const char *name, const char *option);

#endif
