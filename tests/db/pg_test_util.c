/*
 * pg_test_util.c — helpers for the PostgreSQL engine tests (see pg_test_util.h): the
 * test server, URLs, libpq statements, the rich template and pg_dump output.
 */
#include "pg_test_util.h"

#include <forkless/test.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/util.h"
#include "platform/fs.h"
#include "platform/platform.h"

const char *pgt_server(void)
{
    const char *url = getenv("FORKLESS_TEST_PG_URL");
    if (url && *url)
        return url;
    const char *req = getenv("FORKLESS_REQUIRE_SERVERS");
    if (req && strcmp(req, "1") == 0)
        FL_FAIL("FORKLESS_REQUIRE_SERVERS=1 but FORKLESS_TEST_PG_URL is not set: start a server "
                "with tests/servers/start-postgres.sh DIR and export the URL it prints");
    FL_SKIP("NO POSTGRESQL SERVER: set FORKLESS_TEST_PG_URL (tests/servers/start-postgres.sh "
            "DIR prints one) to run the PostgreSQL engine tests");
    return NULL;
}

char *pgt_url(const char *name, const char *query)
{
    const char *server = pgt_server();
    const char *start = strstr(server, "://");
    FL_ASSERT_NOT_NULL(start);
    start += 3;
    size_t authority = strcspn(start, "/?");
    const char *q = strchr(start, '?');
    fl_bytes b = {0};
    fl_bytes_append(&b, server, (size_t)(start - server) + authority);
    fl_bytes_puts(&b, "/");
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            *p == '_' || *p == '-' || *p == '.')
            fl_bytes_append(&b, p, 1);
        else
            fl_bytes_printf(&b, "%%%02X", *p);
    }
    if (q)
        fl_bytes_puts(&b, q);
    if (query && *query)
        fl_bytes_printf(&b, "%s%s", q ? "&" : "?", query[0] == '?' ? query + 1 : query);
    return fl_bytes_take(&b);
}

char *pgt_unique(const char *base)
{
    static int counter;
    return fl_xasprintf("%s %ld_%d", base, (long)getpid(), ++counter);
}

static PGconn *connect_to(const char *name)
{
    char *url = pgt_url(name, NULL);
    PGconn *conn = PQconnectdb(url);
    free(url);
    if (PQstatus(conn) != CONNECTION_OK) {
        char msg[600];
        snprintf(msg, sizeof msg, "%s", PQerrorMessage(conn));
        PQfinish(conn);
        FL_FAIL("cannot connect to test database '%s': %s", name, msg);
    }
    return conn;
}

static void quiet(void *arg, const char *msg)
{
    (void)arg;
    (void)msg;
}

void pgt_exec(const char *name, const char *sql)
{
    PGconn *conn = connect_to(name);
    PQsetNoticeProcessor(conn, quiet, NULL);
    PGresult *res = PQexec(conn, sql);
    ExecStatusType st = PQresultStatus(res);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        char msg[800];
        snprintf(msg, sizeof msg, "%s", PQresultErrorMessage(res));
        PQclear(res);
        PQfinish(conn);
        FL_FAIL("in '%s': %.200s failed: %s", name, sql, msg);
    }
    PQclear(res);
    PQfinish(conn);
}

char *pgt_query(const char *name, const char *sql)
{
    PGconn *conn = connect_to(name);
    PGresult *res = PQexec(conn, sql);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        char msg[800];
        snprintf(msg, sizeof msg, "%s", PQresultErrorMessage(res));
        PQclear(res);
        PQfinish(conn);
        FL_FAIL("in '%s': %.200s failed: %s", name, sql, msg);
    }
    char *v = fl_xstrdup(PQntuples(res) && !PQgetisnull(res, 0, 0) ? PQgetvalue(res, 0, 0) : "");
    PQclear(res);
    PQfinish(conn);
    return v;
}

static char *quoted(const char *name)
{
    fl_bytes b = {0};
    fl_bytes_puts(&b, "\"");
    for (const char *p = name; *p; p++)
        fl_bytes_puts(&b, *p == '"' ? "\"\"" : (char[]){*p, 0});
    fl_bytes_puts(&b, "\"");
    return fl_bytes_take(&b);
}

static const char rich_schema[] =
    "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');"
    "CREATE DOMAIN posint AS integer CHECK (VALUE > 0);"
    "CREATE TABLE \"Customer Ñame\" (id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    "  \"naïve\" text COLLATE \"C\" NOT NULL, mood mood DEFAULT 'ok', points posint);"
    "CREATE TABLE \"order\" (id bigserial PRIMARY KEY,"
    "  customer_id integer REFERENCES \"Customer Ñame\"(id) ON DELETE CASCADE,"
    "  \"select\" text, total numeric(10,2));"
    "CREATE TABLE audit (seq serial PRIMARY KEY, what text);"
    "CREATE FUNCTION audit_order() RETURNS trigger LANGUAGE plpgsql AS $$"
    "  BEGIN INSERT INTO audit(what) VALUES ('created ' || NEW.\"select\"); RETURN NEW; END $$;"
    "CREATE TRIGGER order_audit AFTER INSERT ON \"order\" FOR EACH ROW EXECUTE FUNCTION audit_order();"
    "CREATE VIEW big_orders AS SELECT * FROM \"order\" WHERE total > 100;"
    "CREATE MATERIALIZED VIEW order_totals AS SELECT customer_id, sum(total) AS s FROM \"order\""
    "  GROUP BY customer_id;"
    "CREATE TABLE measurement (id int, logdate date NOT NULL, v int) PARTITION BY RANGE (logdate);"
    "CREATE TABLE measurement_2023 PARTITION OF measurement"
    "  FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');"
    "CREATE TABLE measurement_2024 PARTITION OF measurement"
    "  FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');"
    "COMMENT ON TABLE \"order\" IS 'orders, with ''quotes''';"
    "COMMENT ON COLUMN \"Customer Ñame\".\"naïve\" IS 'unicode column';"
    "CREATE SEQUENCE counter START 5 INCREMENT 3;"
    "SELECT nextval('counter'), nextval('counter');"
    "INSERT INTO \"Customer Ñame\"(\"naïve\", mood, points) SELECT 'c' || g,"
    "  (ARRAY['sad','ok','happy']::mood[])[1 + g % 3], g FROM generate_series(1, 50) g;"
    "INSERT INTO \"order\"(customer_id, \"select\", total) SELECT 1 + g % 50, 'o' || g, g * 1.5"
    "  FROM generate_series(1, 120) g;"
    "DELETE FROM \"order\" WHERE id % 7 = 0;"
    "INSERT INTO measurement SELECT g, date '2023-06-01' + g, g FROM generate_series(1, 300) g;"
    "REFRESH MATERIALIZED VIEW order_totals;"
    "CREATE INDEX order_total_idx ON \"order\"(total) WHERE total > 10;";

void pgt_make_rich(const char *name)
{
    char *q = quoted(name);
    char *sql = fl_xasprintf("CREATE DATABASE %s", q);
    pgt_exec("postgres", sql);
    pgt_exec(name, rich_schema);
    free(sql);
    free(q);
}

void pgt_drop(const char *name)
{
    char *q = quoted(name);
    char *lit = fl_xasprintf("SELECT 1 FROM pg_database WHERE datname = '%s' AND datistemplate", name);
    char *is_template = pgt_query("postgres", lit);
    if (*is_template) {
        char *sql = fl_xasprintf("ALTER DATABASE %s IS_TEMPLATE false", q);
        pgt_exec("postgres", sql);
        free(sql);
    }
    char *sql = fl_xasprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", q);
    pgt_exec("postgres", sql);
    free(sql);
    free(is_template);
    free(lit);
    free(q);
}

int pgt_count_prefix(const char *prefix)
{
    char *sql = fl_xasprintf("SELECT count(*) FROM pg_database WHERE starts_with(datname, '%s')",
                             prefix);
    char *v = pgt_query("postgres", sql);
    int n = atoi(v);
    free(v);
    free(sql);
    return n;
}

char *pgt_dump(const char *name, const char *option)
{
    char dir[] = "/tmp/fl-pgdump-XXXXXX";
    FL_ASSERT_NOT_NULL(mkdtemp(dir));
    char *file = fl_xasprintf("%s/dump.sql", dir);
    char *url = pgt_url(name, NULL);
    char *opt = fl_xstrdup(option);
    char *argv[8] = {"pg_dump", "--no-password", "-f", file};
    size_t n = 4;
    char *save = NULL;
    for (char *w = strtok_r(opt, " ", &save); w && n < 6; w = strtok_r(NULL, " ", &save))
        argv[n++] = w;
    argv[n++] = url;
    argv[n] = NULL;
    fl_exit ex;
    fl_error err = {0};
    if (fl_run_command(argv, NULL, &ex, &err) != FL_OK || !ex.exited || ex.code != 0)
        FL_FAIL("pg_dump of '%s' failed (%s)", name, err.msg[0] ? err.msg : ex.desc);
    char *data;
    size_t size;
    if (fl_fs_read_file(file, &data, &size, &err) != FL_OK)
        FL_FAIL("cannot read the dump: %s", err.msg);
    /* Drop the \restrict/\unrestrict lines: their key is random per dump. */
    fl_bytes out = {0};
    for (char *line = data; *line;) {
        char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) + 1 : strlen(line);
        if (strncmp(line, "\\restrict", 9) != 0 && strncmp(line, "\\unrestrict", 11) != 0)
            fl_bytes_append(&out, line, len);
        line += len;
    }
    unlink(file);
    rmdir(dir);
    free(data);
    free(file);
    free(url);
    free(opt);
    char *text = fl_bytes_take(&out);
    return text ? text : fl_xstrdup("");
}
