/*
 * my_test_util.c — helpers for the MySQL/MariaDB engine tests (see my_test_util.h): the
 * test server, URLs, statements, the rich template, the clone-equals-template checks and
 * the sweep of leftovers.
 */
#include "my_test_util.h"

#include <forkless/test.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/util.h"
#include "platform/fs.h"
#include "platform/platform.h"

const char *myt_server(void)
{
    const char *url = getenv("FORKLESS_TEST_MYSQL_URL");
    if (url && *url)
        return url;
    const char *req = getenv("FORKLESS_REQUIRE_SERVERS");
    if (req && strcmp(req, "1") == 0)
        FL_FAIL("FORKLESS_REQUIRE_SERVERS=1 but FORKLESS_TEST_MYSQL_URL is not set: start a "
                "server with tests/servers/start-mariadb.sh DIR and export the URL it prints");
    FL_SKIP("NO MYSQL/MARIADB SERVER: set FORKLESS_TEST_MYSQL_URL (tests/servers/start-mariadb.sh "
            "DIR PORT prints one) to run the MySQL engine tests");
    return NULL;
}

char *myt_url_on(const char *server, const char *name)
{
    const char *start = strstr(server, "://");
    FL_ASSERT_NOT_NULL(start);
    start += 3;
    size_t authority = strcspn(start, "/?");
    const char *q = strchr(start, '?');
    fl_bytes b = {0};
    fl_bytes_append(&b, server, (size_t)(start - server) + authority);
    fl_bytes_printf(&b, "/%s%s", name, q ? q : "");
    return fl_bytes_take(&b);
}

char *myt_url(const char *name) { return myt_url_on(myt_server(), name); }

char *myt_unique(const char *base)
{
    static int counter;
    return fl_xasprintf("%s_%ld_%d", base, (long)getpid(), ++counter);
}

/* user, password, host, port of a mysql:// URL (no escapes in the test URLs). */
typedef struct server_params {
    char user[64], password[128], host[128];
    unsigned port;
} server_params;

static void parse_server(const char *url, server_params *p)
{
    memset(p, 0, sizeof *p);
    const char *a = strstr(url, "://");
    FL_ASSERT_NOT_NULL(a);
    a += 3;
    size_t alen = strcspn(a, "/?");
    const char *at = memchr(a, '@', alen), *hp = a;
    if (at) {
        const char *colon = memchr(a, ':', (size_t)(at - a));
        snprintf(p->user, sizeof p->user, "%.*s", (int)((colon ? colon : at) - a), a);
        if (colon)
            snprintf(p->password, sizeof p->password, "%.*s", (int)(at - colon - 1), colon + 1);
        hp = at + 1;
    }
    size_t hlen = alen - (size_t)(hp - a);
    const char *colon = memchr(hp, ':', hlen);
    snprintf(p->host, sizeof p->host, "%.*s", (int)(colon ? (size_t)(colon - hp) : hlen), hp);
    p->port = colon ? (unsigned)atoi(colon + 1) : 3306;
}

MYSQL *myt_connect_to(const char *server_url)
{
    server_params p;
    parse_server(server_url, &p);
    MYSQL *m = mysql_init(NULL);
    FL_ASSERT_NOT_NULL(m);
    mysql_optionsv(m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    if (!mysql_real_connect(m, p.host, p.user, p.password, NULL, p.port, NULL,
                            CLIENT_MULTI_STATEMENTS)) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s", mysql_error(m));
        mysql_close(m);
        FL_FAIL("cannot connect to the test server: %s", msg);
    }
    return m;
}

MYSQL *myt_connect(void) { return myt_connect_to(myt_server()); }

static void exec_on(MYSQL *m, const char *sql)
{
    if (mysql_query(m, sql) != 0) {
        char msg[600];
        snprintf(msg, sizeof msg, "%s", mysql_error(m));
        mysql_close(m);
        FL_FAIL("statement failed: %s\n  in: %.300s", msg, sql);
    }
    do {
        MYSQL_RES *res = mysql_store_result(m);
        if (res)
            mysql_free_result(res);
        if (mysql_errno(m)) {
            char msg[600];
            snprintf(msg, sizeof msg, "%s", mysql_error(m));
            mysql_close(m);
            FL_FAIL("statement failed: %s\n  in: %.300s", msg, sql);
        }
    } while (mysql_next_result(m) == 0);
    if (mysql_errno(m)) {
        char msg[600];
        snprintf(msg, sizeof msg, "%s", mysql_error(m));
        mysql_close(m);
        FL_FAIL("statement failed: %s\n  in: %.300s", msg, sql);
    }
}

void myt_exec(const char *db, const char *sql)
{
    MYSQL *m = myt_connect();
    if (db && mysql_select_db(m, db) != 0) {
        char msg[300];
        snprintf(msg, sizeof msg, "%s", mysql_error(m));
        mysql_close(m);
        FL_FAIL("cannot use database '%s': %s", db, msg);
    }
    exec_on(m, sql);
    mysql_close(m);
}

char *myt_query(const char *sql)
{
    MYSQL *m = myt_connect();
    if (mysql_query(m, sql) != 0) {
        char msg[600];
        snprintf(msg, sizeof msg, "%s", mysql_error(m));
        mysql_close(m);
        FL_FAIL("query failed: %s\n  in: %.300s", msg, sql);
    }
    MYSQL_RES *res = mysql_store_result(m);
    MYSQL_ROW row = res ? mysql_fetch_row(res) : NULL;
    char *value = row ? fl_xstrdup(row[0] ? row[0] : "(null)") : NULL;
    if (res)
        mysql_free_result(res);
    mysql_close(m);
    return value;
}

void myt_drop(const char *name)
{
    char *sql = fl_xasprintf("DROP DATABASE IF EXISTS `%s`", name);
    myt_exec(NULL, sql);
    free(sql);
}

/* Runs sql on m; 0 when it failed (the error is dropped: this is for clean-up). */
static int sweep_query(MYSQL *m, const char *sql, MYSQL_RES **res)
{
    if (mysql_query(m, sql) != 0)
        return 0;
    MYSQL_RES *r = mysql_store_result(m);
    if (res)
        *res = r;
    else if (r)
        mysql_free_result(r);
    return 1;
}

void myt_sweep(const char *prefix)
{
    const char *url = getenv("FORKLESS_TEST_MYSQL_URL");
    if (!url || !*url)
        return;
    server_params p;
    parse_server(url, &p);
    MYSQL *m = mysql_init(NULL);
    if (!m || !mysql_real_connect(m, p.host, p.user, p.password, NULL, p.port, NULL, 0)) {
        if (m)
            mysql_close(m);
        return;
    }
    char *sql = fl_xasprintf("SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE "
                             "LEFT(SCHEMA_NAME, %zu) = '%s'", strlen(prefix), prefix);
    MYSQL_RES *res = NULL;
    if (sweep_query(m, sql, &res) && res) {
        MYSQL_ROW row;
        while ((row = mysql_fetch_row(res))) {
            char *drop = fl_xasprintf("DROP DATABASE IF EXISTS `%s`", row[0]);
            sweep_query(m, drop, NULL);
            free(drop);
        }
        mysql_free_result(res);
    }
    free(sql);
    sql = fl_xasprintf("DELETE FROM forkless.kept WHERE LEFT(name, %zu) = '%s'", strlen(prefix),
                       prefix);
    sweep_query(m, sql, NULL); /* fails harmlessly when there is no forkless schema */
    free(sql);
    mysql_close(m);
}

int myt_count_prefix(const char *prefix)
{
    char *sql = fl_xasprintf("SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE "
                             "LEFT(SCHEMA_NAME, %zu) = '%s'",
                             strlen(prefix), prefix);
    char *n = myt_query(sql);
    int count = atoi(n);
    free(sql);
    free(n);
    return count;
}

void myt_make_rich(const char *name)
{
    char *create = fl_xasprintf("DROP DATABASE IF EXISTS `%s`; CREATE DATABASE `%s` CHARACTER SET "
                                "utf8mb4 COLLATE utf8mb4_unicode_ci",
                                name, name);
    myt_exec(NULL, create);
    free(create);
    myt_exec(name,
             "CREATE TABLE `order` (id INT AUTO_INCREMENT PRIMARY KEY, `select` VARCHAR(50),"
             " customer_id INT, total DECIMAL(10,2) CHECK (total >= 0),"
             " doubled DECIMAL(12,2) AS (total * 2) STORED,"
             " label VARCHAR(60) AS (CONCAT('#', id)) VIRTUAL, KEY (`select`)) ENGINE=InnoDB;"
             "CREATE TABLE customer (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(100) NOT NULL,"
             " last_order INT NULL, CONSTRAINT fk_last FOREIGN KEY (last_order) REFERENCES"
             " `order` (id) ON DELETE SET NULL, CONSTRAINT name_not_blank CHECK (name <> ''))"
             " ENGINE=InnoDB COMMENT 'a cycle with order';"
             "ALTER TABLE `order` ADD CONSTRAINT fk_cust FOREIGN KEY (customer_id) REFERENCES"
             " customer (id);"
             "CREATE TABLE empty_counter (id BIGINT AUTO_INCREMENT PRIMARY KEY, v INT)"
             " AUTO_INCREMENT=1000;"
             "CREATE TABLE log (id INT AUTO_INCREMENT PRIMARY KEY, msg TEXT) ENGINE=MyISAM;"
             "CREATE TABLE `ünïcødé tàble` (`ключ` VARCHAR(20) PRIMARY KEY, v VARCHAR(100))"
             " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;"
             "CREATE TABLE zero_id (id INT AUTO_INCREMENT PRIMARY KEY, v INT);"
             "SET SESSION sql_mode = CONCAT(@@sql_mode, ',NO_AUTO_VALUE_ON_ZERO');"
             "INSERT INTO zero_id VALUES (0, 0), (7, 7);"
             "SET FOREIGN_KEY_CHECKS = 0;"
             "INSERT INTO customer (id, name, last_order) VALUES (1, 'Zoë', 2), (2, '李雷', NULL),"
             " (3, '😀 emoji', 1);"
             "INSERT INTO `order` (id, `select`, customer_id, total) VALUES (1, 'a', 1, 10.5),"
             " (2, 'b', 3, 0), (5, 'c', 2, 99.99), (9, 'd', 2, 1);"
             "SET FOREIGN_KEY_CHECKS = 1;"
             "DELETE FROM `order` WHERE id = 9;"
             "INSERT INTO `ünïcødé tàble` VALUES ('ключ', 'значение'), ('κλειδί', 'τιμή');"
             "INSERT INTO log (msg) VALUES ('x'), ('y');"
             "CREATE VIEW v_orders AS SELECT o.id, c.name, o.total FROM `order` o JOIN customer c"
             " ON c.id = o.customer_id;"
             "CREATE VIEW v_big AS SELECT * FROM v_orders WHERE total > 5;"
             "CREATE VIEW a_top AS SELECT name FROM v_big;"
             "CREATE TRIGGER trg_log AFTER INSERT ON `order` FOR EACH ROW BEGIN INSERT INTO log"
             " (msg) VALUES (CONCAT('order ', NEW.id)); END;"
             "CREATE TRIGGER trg_log2 AFTER INSERT ON `order` FOR EACH ROW FOLLOWS trg_log BEGIN"
             " INSERT INTO log (msg) VALUES ('second'); END;"
             "CREATE PROCEDURE add_order(IN cust INT, IN amount DECIMAL(10,2)) BEGIN INSERT INTO"
             " `order` (customer_id, total) VALUES (cust, amount); END;"
             "CREATE FUNCTION order_count() RETURNS INT READS SQL DATA BEGIN RETURN (SELECT"
             " COUNT(*) FROM `order`); END;"
             "CREATE VIEW v_count AS SELECT order_count() AS n;"
             "CREATE EVENT purge_log ON SCHEDULE EVERY 1 DAY DISABLE DO DELETE FROM log WHERE id < 0;"
             "CREATE SEQUENCE seq_inv START WITH 100 INCREMENT BY 5 CACHE 0;"
             "DO NEXTVAL(seq_inv); DO NEXTVAL(seq_inv);");
}

char *myt_replace(const char *text, const char *from, const char *to)
{
    fl_bytes b = {0};
    size_t flen = strlen(from);
    for (const char *p = text;;) {
        const char *hit = strstr(p, from);
        if (!hit) {
            fl_bytes_puts(&b, p);
            break;
        }
        fl_bytes_append(&b, p, (size_t)(hit - p));
        fl_bytes_puts(&b, to);
        p = hit + flen;
    }
    return fl_bytes_take(&b);
}

/* The dump of name as mysqldump writes it. */
static char *dump_raw(const char *name)
{
    server_params p;
    parse_server(myt_server(), &p);
    char *file = fl_xasprintf("/tmp/forkless-myt-%ld-%s.sql", (long)getpid(), name);
    char *host = fl_xasprintf("--host=%s", p.host), *port = fl_xasprintf("--port=%u", p.port);
    char *user = fl_xasprintf("--user=%s", p.user), *pw = fl_xasprintf("--password=%s", p.password);
    char *result = fl_xasprintf("--result-file=%s", file);
    char *argv[] = {"mysqldump", "--no-defaults", host, port, user, pw, "--protocol=TCP",
                    "--default-character-set=utf8mb4", "--no-data", "--routines", "--events",
                    "--triggers", "--skip-dump-date", "--skip-comments", result, (char *)name,
                    NULL};
    fl_spawn_opts o = {.argv = argv, .capture_output = 1, .stdin_null = 1};
    fl_proc *proc;
    fl_error err = {0};
    if (fl_spawn(&o, &proc, &err) != FL_OK)
        FL_FAIL("cannot run mysqldump: %s", err.msg);
    fl_exit ex;
    fl_proc_wait(proc, &ex);
    fl_proc_free(proc);
    FL_ASSERT(ex.exited && ex.code == 0);
    char *data;
    size_t size;
    if (fl_fs_read_file(file, &data, &size, &err) != FL_OK)
        FL_FAIL("%s", err.msg);
    fl_fs_remove(file, NULL);
    free(file);
    free(host);
    free(port);
    free(user);
    free(pw);
    free(result);
    return data;
}

char *myt_dump_schema(const char *name)
{
    char *data = dump_raw(name);
    char *quoted = fl_xasprintf("`%s`", name);
    char *out = myt_replace(data, quoted, "`DB`");
    free(quoted);
    free(data);
    return out;
}

/* "name|checksum|auto_increment" lines for every table of db, in name order. */
static char *table_facts(const char *db)
{
    MYSQL *m = myt_connect();
    char *sql = fl_xasprintf("SELECT TABLE_NAME, TABLE_TYPE, IFNULL(AUTO_INCREMENT, '-') FROM "
                             "information_schema.TABLES WHERE TABLE_SCHEMA = '%s' ORDER BY "
                             "TABLE_NAME",
                             db);
    FL_ASSERT_EQ_INT(mysql_query(m, sql), 0);
    free(sql);
    MYSQL_RES *res = mysql_store_result(m);
    FL_ASSERT_NOT_NULL(res);
    fl_bytes b = {0};
    MYSQL_ROW row;
    while ((row = mysql_fetch_row(res))) {
        fl_bytes_printf(&b, "%s|%s|ai=%s", row[0], row[1], row[2]);
        if (strcmp(row[1], "BASE TABLE") == 0) {
            char *cs = fl_xasprintf("CHECKSUM TABLE `%s`.`%s` EXTENDED", db, row[0]);
            FL_ASSERT_EQ_INT(mysql_query(m, cs), 0);
            MYSQL_RES *r2 = mysql_store_result(m);
            MYSQL_ROW c = mysql_fetch_row(r2);
            fl_bytes_printf(&b, "|checksum=%s", c && c[1] ? c[1] : "NULL");
            mysql_free_result(r2);
            free(cs);
            char *count = fl_xasprintf("SELECT COUNT(*) FROM `%s`.`%s`", db, row[0]);
            FL_ASSERT_EQ_INT(mysql_query(m, count), 0);
            r2 = mysql_store_result(m);
            c = mysql_fetch_row(r2);
            fl_bytes_printf(&b, "|rows=%s", c[0]);
            mysql_free_result(r2);
            free(count);
        } else if (strcmp(row[1], "SEQUENCE") == 0) {
            char *nv = fl_xasprintf("SELECT next_not_cached_value FROM `%s`.`%s`", db, row[0]);
            FL_ASSERT_EQ_INT(mysql_query(m, nv), 0);
            MYSQL_RES *r2 = mysql_store_result(m);
            MYSQL_ROW c = mysql_fetch_row(r2);
            fl_bytes_printf(&b, "|next=%s", c[0]);
            mysql_free_result(r2);
            free(nv);
        }
        fl_bytes_puts(&b, "\n");
    }
    mysql_free_result(res);
    mysql_close(m);
    return fl_bytes_take(&b);
}

void myt_assert_same(const char *tpl, const char *clone)
{
    char *raw = dump_raw(clone), *tpl_ref = fl_xasprintf("`%s`", tpl);
    if (strstr(raw, tpl_ref))
        FL_FAIL("the clone '%s' still refers to its template %s:\n%.400s", clone, tpl_ref,
                strstr(raw, tpl_ref) - 200 > raw ? strstr(raw, tpl_ref) - 200 : raw);
    free(raw);
    free(tpl_ref);
    char *a = myt_dump_schema(tpl), *b = myt_dump_schema(clone);
    FL_ASSERT_CONTAINS(a, "CREATE TABLE");
    FL_ASSERT_EQ_STR(b, a);
    free(a);
    free(b);
    char *fa = table_facts(tpl), *fb = table_facts(clone);
    FL_ASSERT_CONTAINS(fa, "checksum=");
    FL_ASSERT_EQ_STR(fb, fa);
    free(fa);
    free(fb);
    char *sql = fl_xasprintf("SELECT CONCAT(DEFAULT_CHARACTER_SET_NAME, ' ', DEFAULT_COLLATION_NAME)"
                             " FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = '%s'", tpl);
    char *ca = myt_query(sql);
    free(sql);
    sql = fl_xasprintf("SELECT CONCAT(DEFAULT_CHARACTER_SET_NAME, ' ', DEFAULT_COLLATION_NAME)"
                       " FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = '%s'", clone);
    char *cb = myt_query(sql);
    free(sql);
    FL_ASSERT_NOT_NULL(ca);
    FL_ASSERT_NOT_NULL(cb);
    FL_ASSERT_EQ_STR(cb, ca);
    free(ca);
    free(cb);
}
