/*
 * ora_fake.h — a recording fake of the Oracle engine's session interface (ora_driver,
 * src/db/oracle_int.h) for the unit tests, which cannot reach an Oracle server: it records
 * every connection and statement in order, and answers queries and failures from a script
 * the test writes (the newest matching rule wins; a statement no rule matches succeeds, a query
 * no rule matches returns no rows).  Installing it replaces the OCI driver for the whole
 * process until ora_fake_end.
 */
#ifndef FL_TESTS_ORA_FAKE_H
#define FL_TESTS_ORA_FAKE_H

#include <stddef.h>

typedef struct ora_fake ora_fake;

/* Installs a new fake as the driver. */
ora_fake *ora_fake_begin(void);
/* Restores the OCI driver and frees the fake. */
void ora_fake_end(ora_fake *f);

/* A query containing needle returns rows: lines separated by '\n', cells by '|', "~" for
 * NULL; "" is no rows.  times: how many statements it answers (-1: all). */
void ora_fake_rows(ora_fake *f, const char *needle, const char *rows, int times);
/* A statement or query containing needle fails with ORA-<code> and message (NULL: a
 * made-up "ORA-<code>: scripted failure"). */
void ora_fake_error(ora_fake *f, const char *needle, int code, const char *message, int times);
/* Connections as user (NULL: any) fail with ORA-<code> and message. */
void ora_fake_connect_error(ora_fake *f, const char *user, int code, const char *message,
                            int times);
/* The answers of a DBA-like administrator on a server of version ("19.0.0.0.0") whose
 * session lands in container con_id/con_name (con_id 0: not a CDB), with every right the
 * engine asks for. */
void ora_fake_server(ora_fake *f, const char *version, int con_id, const char *con_name);

/* The record: one entry per connection ("[n] CONNECT user@connect", with " AS SYSDBA"),
 * statement ("[n] <sql>") and close ("[n] CLOSE"), n numbering the sessions from 1. */
size_t ora_fake_count(ora_fake *f);
const char *ora_fake_entry(ora_fake *f, size_t i);
/* The whole record, one entry per line, with every generated password (a quoted run of 30
 * letters and digits) shown as "<pw>" (malloc'd). */
char *ora_fake_transcript(ora_fake *f);
/* Forgets the record so far (the script stays). */
void ora_fake_clear(ora_fake *f);
/* Number of entries containing needle. */
int ora_fake_seen(ora_fake *f, const char *needle);
/* The first generated password in the record (static storage), "" when none. */
const char *ora_fake_password(ora_fake *f);

#endif
