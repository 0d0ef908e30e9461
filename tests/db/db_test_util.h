/*
 * db_test_util.h — helpers for the database-layer tests: fresh temporary directories
 * (removed at the end of the test), SQLite files made from SQL, the "rich" template every
 * fidelity test clones, dumps (ours and the sqlite3 shell's) and directory listings.
 */
#ifndef FL_TESTS_DB_UTIL_H
#define FL_TESTS_DB_UTIL_H

#include <forkless/forkless.h>
#include <stddef.h>

struct sqlite3;

/* A fresh directory under /tmp; dbt_cleanup removes it and everything in it. */
char *dbt_temp_dir(void);
void dbt_cleanup(char *dir);
/* dir + "/" + name, malloc'd. */
char *dbt_path(const char *dir, const char *name);
/* "sqlite://" + dir + "/" + name, malloc'd. */
char *dbt_url(const char *dir, const char *name);

/* Opens (creating) an SQLite file and runs sql; fails the test on any error. */
void dbt_exec_file(const char *path, const char *sql);
/* Opens an SQLite file read-write; fails the test on error. */
struct sqlite3 *dbt_open(const char *path);
/* The first column of the first row of sql as text (static buffer). */
const char *dbt_query(struct sqlite3 *db, const char *sql);

/* Makes the rich template at path: reserved-word and unicode names, AUTOINCREMENT
 * counters part-way, WITHOUT ROWID, foreign keys, triggers, views, indexes, generated
 * columns, rowid gaps, sqlite_stat1, an FTS5 table when available, user_version and
 * application_id. */
void dbt_make_rich_template(const char *path);

/* Our dump of the database at path (malloc'd). */
char *dbt_dump(const char *path);
/* Our dump of an open connection (malloc'd). */
char *dbt_dump_db(struct sqlite3 *db);
/* `sqlite3 path .dump` output (malloc'd), or NULL when /usr/bin/sqlite3 is absent. */
char *dbt_cli_dump(const char *path);
/* "page_size=... auto_vacuum=... encoding=... user_version=... application_id=...". */
char *dbt_pragmas_db(struct sqlite3 *db);
char *dbt_pragmas(const char *path);

/* The sorted entry names of dir, one per line (malloc'd); "" when empty. */
char *dbt_listing(const char *dir);
/* Number of entries of dir whose name contains needle. */
int dbt_count_entries(const char *dir, const char *needle);

/* Opens a one-alias dbset ("default") on url with method and run id; fails on error. */
fl_dbset *dbt_open_set(const char *url, const char *method, const char *run_id);
/* The value a slot's worker gets for a variable (malloc'd), or NULL. */
char *dbt_worker_var(fl_dbset *set, int slot, const char *name);

/* Starts forkless-db-holder (own process group, output captured): a run of 2 slots on url
 * that waits to be killed.  setup (may be NULL) is its setup command. */
struct fl_proc;
struct fl_proc *dbt_start_holder(const char *url, const char *run_id, const char *method,
                                 char *const *setup);
/* Reads the holder's output until it contains want; fails after timeout_s or on "error:". */
void dbt_wait_for_output(struct fl_proc *p, const char *want, double timeout_s);

#endif
