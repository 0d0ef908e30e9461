/*
 * ora_server.h — helpers for the Oracle engine tests that need a real server
 * (FORKLESS_TEST_ORACLE_URL, an administrator's URL such as
 * oracle://system:pw@localhost:1521/FREEPDB1, plus the Oracle Client library): the
 * server's URL (the tests skip with a message without one, or fail under
 * FORKLESS_REQUIRE_ORACLE=1), administrator sessions through the engine's real OCI driver,
 * the "rich" template user every fidelity test clones, and the checks that a clone is the
 * same as its template.
 */
#ifndef FL_TESTS_ORA_SERVER_H
#define FL_TESTS_ORA_SERVER_H

#include "db/oracle_int.h"

/* The administrator's URL; skips (or fails) without one. */
const char *orat_server(void);
/* The server URL with ?template=name (or &template=) added (malloc'd). */
char *orat_url(const char *template_name);
/* "FLT<pid>N": a template user name unique in this process (malloc'd, upper case). */
char *orat_unique(void);
/* An administrator's session (the real OCI driver); fails the test on error. */
void orat_open(ora_db *db);
/* A session from any oracle:// URL (a clone's). */
void orat_open_url(ora_db *db, const char *url);
/* Runs sql; fails the test on error. */
void orat_exec(ora_db *db, const char *sql);
/* The first column of the first row (malloc'd), NULL when there is no row. */
char *orat_value(ora_db *db, const char *sql);
/* A number from orat_value (-1 when no row). */
long orat_number(ora_db *db, const char *sql);
/* The rich template user name: identity columns (ALWAYS, BY DEFAULT ON NULL) with a gap,
 * a sequence part-way, a foreign-key cycle (one deferrable), CHECK and UNIQUE constraints,
 * an invisible and a virtual column, a CLOB with non-ASCII text, an object type used by a
 * function, an index, views on views, a synonym, a package, a trigger, comments. */
void orat_make_rich(ora_db *db, const char *name);
/* The same objects and rows in an existing user (a template being built). */
void orat_fill_rich(ora_db *db, const char *name);
/* DROP USER name CASCADE (missing is fine). */
void orat_drop_user(ora_db *db, const char *name);
/* Fails unless user clone holds the same objects (type, name, status; system-generated
 * names aside), constraints, comments, identity and sequence positions, and rows as tpl. */
void orat_assert_same(ora_db *db, const char *tpl, const char *clone);
/* The user name in an oracle:// URL, upper case (malloc'd). */
char *orat_user_of(const char *url);

#endif
