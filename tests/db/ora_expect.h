/*
 * ora_expect.h — the statements the Oracle engine tests expect, written out here
 * independently of the engine (src/db/oracle*.c) so that a test compares the engine's
 * exact SQL with what was designed, and a helper that compares a whole recorded sequence
 * (tests/db/ora_fake.h) with an expected one, line by line.
 */
#ifndef FL_TESTS_ORA_EXPECT_H
#define FL_TESTS_ORA_EXPECT_H

#include <stddef.h>

#include "ora_fake.h"

/* An expected sequence: one entry per recorded line ("[n] SQL"). */
typedef struct ora_lines {
    char **v;
    size_t n;
} ora_lines;

void ora_expect_add(ora_lines *l, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Fails the test at the first difference between the fake's transcript (passwords shown as
 * "<pw>") and l, showing both; frees l. */
void ora_expect_check(ora_fake *f, ora_lines *l);

enum { OX_DEPENDENT = 1, OX_NO_SEGMENTS = 2, OX_NO_REF_CONSTRAINTS = 4 };

/* The DBMS_METADATA block copying md_type objects of src into dst (malloc'd). */
char *ora_expect_md(const char *md_type, const char *src, const char *dst, int flags,
                    const char *exclude);
/* The DBMS_LOCK request block (mode "S_MODE"/"X_MODE"). */
char *ora_expect_lock(const char *name, const char *mode, int timeout);
/* gc's liveness probe of a run. */
char *ora_expect_probe(const char *run);
/* The schema method's checks on src, one statement each, NULL-terminated (static). */
const char *const *ora_expect_checks(const char *src, int with_views, int datapump);
/* The statements of the user creation (tablespaces, user, grants) for the Django grant set
 * (grants_from NULL) or, with grants_from, up to and including the grant queries; sess is
 * the session number. */
void ora_expect_create_user(ora_lines *l, int sess, const char *name, const char *grants_from);
/* DROP USER ... CASCADE and its two tablespaces. */
void ora_expect_drop_user(ora_lines *l, int sess, const char *name);
/* The server facts queries (version; container unless pre-12c). */
void ora_expect_facts(ora_lines *l, int sess, int with_container);
/* The DBMS_METADATA copy of src into dst on a 12c or later server for the scripted
 * template of the tests (see oracle_test.c: one identity column ORDERS.ID ALWAYS continuing
 * at 101, tables CUSTOMERS and ORDERS, synonym CUST). */
void ora_expect_metadata_copy(ora_lines *l, int sess, const char *src, const char *dst);
/* Compile and compare. */
void ora_expect_verify(ora_lines *l, int sess, const char *src, const char *dst);

#endif
