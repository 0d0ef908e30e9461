/*
 * sqlite_dump.h — an SQL text dump of an SQLite database, in the manner of the sqlite3
 * shell's .dump, but complete enough to rebuild an identical database: page size, auto
 * vacuum and encoding first, then every table with its rows (rowids kept), the
 * AUTOINCREMENT counters (sqlite_sequence), sqlite_stat1, virtual tables (through
 * writable_schema), then indexes, triggers and views, then user_version and
 * application_id.  Foreign keys are off while it loads and triggers are created after the
 * rows, so nothing fires.  Used by the `dump` clone method and by the fidelity tests.
 */
#ifndef FL_DB_SQLITE_DUMP_H
#define FL_DB_SQLITE_DUMP_H

#include <stddef.h>

struct sqlite3;

/* Receives one complete SQL statement (with its ';'); non-zero stops the dump. */
typedef int (*fl_sqlite_emit_fn)(void *ud, const char *sql);

/* Walks db and emits its statements in load order.  Returns an SQLite result code
 * (SQLITE_OK, or SQLITE_ABORT when emit stopped it) with a message in errbuf. */
int fl_sqlite_dump(struct sqlite3 *db, fl_sqlite_emit_fn emit, void *ud, char *errbuf,
                   size_t errsize);

/* The whole dump as one malloc'd string, one statement per line; NULL on error. */
char *fl_sqlite_dump_text(struct sqlite3 *db, char *errbuf, size_t errsize);

/* Replays the dump of src into the empty database dst (statement by statement, never
 * holding the whole text). */
int fl_sqlite_dump_into(struct sqlite3 *src, struct sqlite3 *dst, char *errbuf,
                        size_t errsize);

#endif
