/*
 * my_test_util.h — helpers for the MySQL/MariaDB engine tests: the test server (from
 * FORKLESS_TEST_MYSQL_URL, skipping loudly without it), URLs and unique schema names,
 * statements and queries, the "rich" template every fidelity test clones, and the checks
 * that a clone is identical to its template (mysqldump of the schema, CHECKSUM TABLE of
 * every table, next AUTO_INCREMENT and sequence values), and the sweep of what a test that
 * failed half-way left on the server.
 */
#ifndef FL_TESTS_MY_TEST_UTIL_H
#define FL_TESTS_MY_TEST_UTIL_H

#include <mysql.h>

/* The server URL; skips the test (or fails it under FORKLESS_REQUIRE_SERVERS=1) without. */
const char *myt_server(void);
/* The server URL with the database replaced by name (malloc'd). */
char *myt_url(const char *name);
/* The same for another server URL. */
char *myt_url_on(const char *server, const char *name);
/* "base_<pid>_<n>", unique in this process (malloc'd). */
char *myt_unique(const char *base);
/* A connection to the test server (multi statements on); fails the test on error. */
MYSQL *myt_connect(void);
MYSQL *myt_connect_to(const char *server_url);
/* Runs sql (may be several statements) in database db (NULL: none). */
void myt_exec(const char *db, const char *sql);
/* The first column of the first row (malloc'd; "(null)" for NULL, NULL for no row). */
char *myt_query(const char *sql);
/* Makes the rich template: foreign keys with a cycle, views on views, two ordered
 * triggers, a procedure, a function, an event, a sequence, generated columns, CHECK
 * constraints, utf8mb4 data, reserved-word and unicode names, AUTO_INCREMENT gaps. */
void myt_make_rich(const char *name);
/* DROP DATABASE IF EXISTS name. */
void myt_drop(const char *name);
/* How many schemas start with prefix. */
int myt_count_prefix(const char *prefix);
/* Drops every schema whose name starts with prefix and forgets them in forkless.kept, with
 * the server of FORKLESS_TEST_MYSQL_URL; does nothing without it and never fails (for a
 * group's tear-down, after a test that failed half-way). */
void myt_sweep(const char *prefix);
/* text with every occurrence of from replaced by to (malloc'd). */
char *myt_replace(const char *text, const char *from, const char *to);
/* mysqldump --no-data --routines --events --triggers of name, with name replaced by "DB"
 * (malloc'd). */
char *myt_dump_schema(const char *name);
/* Fails the test unless clone is identical to tpl (schema dump, table checksums,
 * AUTO_INCREMENT counters, sequence values). */
void myt_assert_same(const char *tpl, const char *clone);

#endif
