/*
 * t_migrations.c — the migration runner (src/migrate.c) against fresh database files in
 * a temporary directory, with copies of migrations/ that the tests edit, break or extend;
 * and the state the runner left in this worker's clone of the template.
 */
#include "common.h"
#include "os.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- helpers ---------------------------------------------------------------------------- */

typedef struct file_list {
    char names[64][256];
    int n;
    int max_version;
} file_list;

static int compare_names(const void *a, const void *b)
{
    return strcmp(a, b);
}

/* The NNN_*.sql files of the real migrations directory, sorted. */
static file_list real_migrations(void)
{
    file_list list = {.n = 0};
    DIR *d = opendir(test_migrations_dir());
    FL_ASSERT_NOT_NULL(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL && list.n < 64) {
        size_t len = strlen(e->d_name);
        if (len > 8 && strcmp(e->d_name + len - 4, ".sql") == 0 && e->d_name[3] == '_') {
            snprintf(list.names[list.n++], sizeof list.names[0], "%s", e->d_name);
            int v = atoi(e->d_name);
            if (v > list.max_version)
                list.max_version = v;
        }
    }
    closedir(d);
    qsort(list.names, (size_t)list.n, sizeof list.names[0], compare_names);
    return list;
}

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    FL_ASSERT_NOT_NULL(f);
    fputs(text, f);
    fclose(f);
}

static void copy_file(const char *from_dir, const char *name, const char *to_dir)
{
    char path[4096], text[65536];
    snprintf(path, sizeof path, "%s/%s", from_dir, name);
    FILE *f = fopen(path, "rb");
    FL_ASSERT_NOT_NULL(f);
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    write_file(to_dir, name, text);
}

/* A temporary directory holding copies of the first `count` real migrations. */
static const char *copy_migrations(int count)
{
    file_list list = real_migrations();
    const char *dir = test_temp_dir();
    for (int i = 0; i < list.n && i < count; i++)
        copy_file(test_migrations_dir(), list.names[i], dir);
    return dir;
}

static sqlite3 *fresh_db(void)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/shop.db", test_temp_dir());
    sqlite3 *db = NULL;
    OK(bs_open(path, &db, &terr));
    /* A scratch database: no need to wait for the disk at every migration's commit. */
    sql_exec(db, "PRAGMA synchronous = OFF");
    return db;
}

static int table_exists(sqlite3 *db, const char *name)
{
    return (int)sql_int(db, "SELECT count(*) FROM sqlite_schema WHERE name = %Q", name);
}

typedef struct name_log {
    char names[64][128];
    int n;
} name_log;

static void remember(const char *name, void *ctx)
{
    name_log *log = ctx;
    if (log->n < 64)
        snprintf(log->names[log->n++], sizeof log->names[0], "%s", name);
}

/* ---- a fresh database ---------------------------------------------------------------- */

FL_TEST(migrations_fresh, applies_every_file)
{
    file_list files = real_migrations();
    sqlite3 *db = fresh_db();
    bs_migrate_result res;
    OK(bs_migrate(db, test_migrations_dir(), &res, NULL, NULL, &terr));
    FL_ASSERT_EQ_INT(res.applied + res.skipped, files.n);
    FL_ASSERT_EQ_INT(res.already, 0);
    FL_ASSERT_EQ_INT(res.version, files.max_version);
    bs_close(db);
}

FL_TEST(migrations_fresh, second_run_applies_nothing)
{
    file_list files = real_migrations();
    sqlite3 *db = fresh_db();
    bs_migrate_result res;
    OK(bs_migrate(db, test_migrations_dir(), &res, NULL, NULL, &terr));
    OK(bs_migrate(db, test_migrations_dir(), &res, NULL, NULL, &terr));
    FL_ASSERT_EQ_INT(res.applied, 0);
    FL_ASSERT_EQ_INT(res.already, files.n);
    FL_ASSERT_EQ_INT(res.version, files.max_version);
    bs_close(db);
}

FL_TEST(migrations_fresh, logs_files_in_version_order)
{
    file_list files = real_migrations();
    name_log log = {.n = 0};
    sqlite3 *db = fresh_db();
    OK(bs_migrate(db, test_migrations_dir(), NULL, remember, &log, &terr));
    FL_ASSERT_EQ_INT(log.n, files.n);
    for (int i = 0; i < files.n; i++)
        FL_ASSERT_EQ_STR(log.names[i], files.names[i]);
    bs_close(db);
}

FL_TEST(migrations_fresh, records_name_and_checksum_of_each)
{
    file_list files = real_migrations();
    sqlite3 *db = fresh_db();
    OK(bs_migrate(db, test_migrations_dir(), NULL, NULL, NULL, &terr));
    FL_ASSERT_EQ_INT(sql_int(db, "SELECT count(*) FROM schema_migrations"), files.n);
    for (int i = 0; i < files.n; i++) {
        int version = atoi(files.names[i]);
        FL_ASSERT_EQ_STR(sql_text(db, "SELECT name FROM schema_migrations WHERE version = %d",
                                  version),
                         files.names[i]);
        FL_ASSERT_EQ_INT(sql_int(db, "SELECT length(checksum) = 16 AND checksum NOT GLOB "
                                     "'*[^0-9a-f]*' FROM schema_migrations WHERE version = %d",
                                 version),
                         1);
    }
    bs_close(db);
}

FL_TEST(migrations_fresh, distinct_files_have_distinct_checksums)
{
    file_list files = real_migrations();
    sqlite3 *db = fresh_db();
    OK(bs_migrate(db, test_migrations_dir(), NULL, NULL, NULL, &terr));
    FL_ASSERT_EQ_INT(sql_int(db, "SELECT count(DISTINCT checksum) FROM schema_migrations"),
                     files.n);
    bs_close(db);
}

FL_TEST(migrations_fresh, user_version_is_the_last_version)
{
    file_list files = real_migrations();
    sqlite3 *db = fresh_db();
    FL_ASSERT_EQ_INT(bs_schema_version(db), 0);
    OK(bs_migrate(db, test_migrations_dir(), NULL, NULL, NULL, &terr));
    FL_ASSERT_EQ_INT(bs_schema_version(db), files.max_version);
    FL_ASSERT_EQ_INT(sql_int(db, "SELECT max(version) FROM schema_migrations"), files.max_version);
    bs_close(db);
}

FL_TEST(migrations_fresh, creates_tables_views_and_triggers)
{
    static const char *objects[] = {"books", "authors", "book_authors", "genres", "customers",
                                    "stock_levels", "stock_movements", "orders", "order_lines",
                                    "discounts", "shipping_rates", "price_history", "v_catalog",
                                    "v_sales", "v_order_summary", "v_mailing_list",
                                    "stock_movements_no_overdraw", "orders_status_flow",
                                    "books_price_history"};
    sqlite3 *db = fresh_db();
    OK(bs_migrate(db, test_migrations_dir(), NULL, NULL, NULL, &terr));
    for (size_t i = 0; i < sizeof objects / sizeof objects[0]; i++)
        if (!table_exists(db, objects[i]))
            FL_FAIL("%s missing after the migrations", objects[i]);
    bs_close(db);
}

FL_TEST(migrations_fresh, reference_data_is_seeded)
{
    sqlite3 *db = fresh_db();
    OK(bs_migrate(db, test_migrations_dir(), NULL, NULL, NULL, &terr));
    FL_ASSERT_GE_INT(sql_int(db, "SELECT count(*) FROM genres"), 5);
    FL_ASSERT_EQ_INT(sql_int(db, "SELECT count(*) FROM shipping_rates WHERE country = '*'"), 1);
    FL_ASSERT_EQ_INT(sql_int(db, "SELECT count(*) FROM discounts WHERE code = 'WELCOME10'"), 1);
    FL_ASSERT_EQ_INT(sql_int(db, "SELECT count(*) FROM books"), 0);
    bs_close(db);
}

FL_TEST(migrations_fresh, later_files_applied_incrementally)
{
    file_list files = real_migrations();
    const char *dir = copy_migrations(3);
    sqlite3 *db = fresh_db();
    bs_migrate_result res;
    OK(bs_migrate(db, dir, &res, NULL, NULL, &terr));
    FL_ASSERT_EQ_INT(res.applied, 3);
    FL_ASSERT_EQ_INT(res.version, atoi(files.names[2]));
    FL_ASSERT(!table_exists(db, "orders"));
    for (int i = 3; i < files.n; i++)
        copy_file(test_migrations_dir(), files.names[i], dir);
    OK(bs_migrate(db, dir, &res, NULL, NULL, &terr));
    FL_ASSERT_EQ_INT(res.already, 3);
    FL_ASSERT_EQ_INT(res.applied + res.skipped, files.n - 3);
    FL_ASSERT(table_exists(db, "orders"));
    bs_close(db);
}

FL_TEST(migrations_fresh, fts_migration_applied_when_available)
{
    sqlite3 *db = fresh_db();
    OK(bs_migrate(db, test_migrations_dir(), NULL, NULL, NULL, &terr));
    if (!sqlite3_compileoption_used("ENABLE_FTS5"))
        FL_SKIP("this SQLite has no FTS5");
    FL_ASSERT_EQ_STR(sql_text(db, "SELECT status FROM schema_migrations WHERE name LIKE "
                                  "'%%search%%'"),
                     "applied");
    FL_ASSERT(bs_has_fts(db));
    bs_close(db);
}

/* ---- what the runner refuses ---------------------------------------------------------- */

FL_TEST(migrations_errors, edited_file_is_refused)
{
    const char *dir = copy_migrations(64);
    sqlite3 *db = fresh_db();
    OK(bs_migrate(db, dir, NULL, NULL, NULL, &terr));
    write_file(dir, "003_inventory.sql", "-- edited after release\nSELECT 1;\n");
    FAILS(BS_ERR_MIGRATION, bs_migrate(db, dir, NULL, NULL, NULL, &terr));
    FL_ASSERT_CONTAINS(terr.msg, "003_inventory.sql was changed after it was applied");
    FL_ASSERT_CONTAINS(terr.msg, "add a new migration");
    bs_close(db);
}

FL_TEST(migrations_errors, broken_file_is_rolled_back)
{
    file_list files = real_migrations();
    const char *dir = copy_migrations(64);
    write_file(dir, "900_broken.sql",
               "CREATE TABLE half_done (x INTEGER);\n"
               "INSERT INTO half_done VALUES (1);\n"
               "\n"
               "CREATE TABLEE oops (y);\n");
    sqlite3 *db = fresh_db();
    FAILS(BS_ERR_MIGRATION, bs_migrate(db, dir, NULL, NULL, NULL, &terr));
    FL_ASSERT_CONTAINS(terr.msg, "900_broken.sql:4:");
    FL_ASSERT_CONTAINS(terr.msg, "syntax error");
    FL_ASSERT(!table_exists(db, "half_done"));
    FL_ASSERT_EQ_INT(bs_schema_version(db), files.max_version);
    FL_ASSERT_EQ_INT(sql_int(db, "SELECT count(*) FROM schema_migrations WHERE version = 900"), 0);
    bs_close(db);
}

FL_TEST(migrations_errors, failure_stops_later_files)
{
    const char *dir = copy_migrations(64);
    write_file(dir, "900_broken.sql", "INSERT INTO no_such_table VALUES (1);\n");
    write_file(dir, "901_fine.sql", "CREATE TABLE after_broken (x);\n");
    sqlite3 *db = fresh_db();
    FAILS(BS_ERR_MIGRATION, bs_migrate(db, dir, NULL, NULL, NULL, &terr));
    FL_ASSERT_CONTAINS(terr.msg, "no such table: no_such_table");
    FL_ASSERT(!table_exists(db, "after_broken"));
    /* Fixing the file lets both through. */
    write_file(dir, "900_broken.sql", "CREATE TABLE no_such_table (x);\n");
    bs_migrate_result res;
    OK(bs_migrate(db, dir, &res, NULL, NULL, &terr));
    FL_ASSERT_EQ_INT(res.applied, 2);
    FL_ASSERT_EQ_INT(res.version, 901);
    bs_close(db);
}

FL_TEST(migrations_errors, constraint_violation_in_data_migration)
{
    const char *dir = copy_migrations(64);
    write_file(dir, "900_bad_data.sql",
               "INSERT INTO genres (code, name) VALUES ('new-genre', 'New');\n"
               "INSERT INTO genres (code, name) VALUES ('fiction', 'Again');\n");
    sqlite3 *db = fresh_db();
    FAILS(BS_ERR_MIGRATION, bs_migrate(db, dir, NULL, NULL, NULL, &terr));
    FL_ASSERT_CONTAINS(terr.msg, "900_bad_data.sql:2:");
    FL_ASSERT_CONTAINS(terr.msg, "UNIQUE");
    FL_ASSERT_EQ_INT(sql_int(db, "SELECT count(*) FROM genres WHERE code = 'new-genre'"), 0);
    bs_close(db);
}

FL_TEST(migrations_errors, duplicate_version_numbers)
{
    const char *dir = copy_migrations(64);
    write_file(dir, "009_another.sql", "SELECT 1;\n");
    sqlite3 *db = fresh_db();
    FAILS(BS_ERR_MIGRATION, bs_migrate(db, dir, NULL, NULL, NULL, &terr));
    FL_ASSERT_CONTAINS(terr.msg, "the same version 9");
    FL_ASSERT_CONTAINS(terr.msg, "009_another.sql");
    FL_ASSERT_EQ_INT(bs_schema_version(db), 0);
    bs_close(db);
}

FL_TEST(migrations_errors, missing_directory)
{
    sqlite3 *db = fresh_db();
    FAILS(BS_ERR_IO, bs_migrate(db, "/nonexistent/bookshop/migrations", NULL, NULL, NULL, &terr));
    FL_ASSERT_CONTAINS(terr.msg, "/nonexistent/bookshop/migrations");
    FL_ASSERT_CONTAINS(terr.msg, "BOOKSHOP_MIGRATIONS");
    bs_close(db);
}

FL_TEST(migrations_errors, directory_without_migrations)
{
    const char *dir = test_temp_dir();
    write_file(dir, "README.md", "# not a migration\n");
    sqlite3 *db = fresh_db();
    FAILS(BS_ERR_MIGRATION, bs_migrate(db, dir, NULL, NULL, NULL, &terr));
    FL_ASSERT_CONTAINS(terr.msg, "no NNN_name.sql files");
    bs_close(db);
}

FL_TEST(migrations_errors, other_files_are_ignored)
{
    file_list files = real_migrations();
    const char *dir = copy_migrations(64);
    write_file(dir, "README.md", "not sql");
    write_file(dir, "10.sql", "CREATE TABLE no_underscore (x);");
    write_file(dir, "abc_letters.sql", "CREATE TABLE letters (x);");
    write_file(dir, "950_wrong_extension.txt", "CREATE TABLE txt (x);");
    write_file(dir, "_.sql", "CREATE TABLE bare (x);");
    sqlite3 *db = fresh_db();
    bs_migrate_result res;
    OK(bs_migrate(db, dir, &res, NULL, NULL, &terr));
    FL_ASSERT_EQ_INT(res.applied + res.skipped, files.n);
    FL_ASSERT(!table_exists(db, "no_underscore"));
    FL_ASSERT(!table_exists(db, "letters"));
    FL_ASSERT(!table_exists(db, "txt"));
    bs_close(db);
}

FL_TEST(migrations_errors, refused_inside_a_transaction)
{
    sqlite3 *db = fresh_db();
    sql_exec(db, "BEGIN");
    FAILS(BS_ERR_INVALID, bs_migrate(db, test_migrations_dir(), NULL, NULL, NULL, &terr));
    FL_ASSERT_CONTAINS(terr.msg, "outside a transaction");
    sql_exec(db, "ROLLBACK");
    bs_close(db);
}

FL_TEST(migrations_errors, versions_order_numerically_not_by_name)
{
    const char *dir = test_temp_dir();
    write_file(dir, "10_second.sql", "INSERT INTO seq VALUES ('ten');");
    write_file(dir, "9_first.sql", "CREATE TABLE seq (v TEXT);");
    sqlite3 *db = fresh_db();
    bs_migrate_result res;
    OK(bs_migrate(db, dir, &res, NULL, NULL, &terr));
    FL_ASSERT_EQ_INT(res.applied, 2);
    FL_ASSERT_EQ_INT(res.version, 10);
    FL_ASSERT_EQ_STR(sql_text(db, "SELECT v FROM seq"), "ten");
    bs_close(db);
}

/* ---- where migrations are looked for --------------------------------------------------- */

FL_TEST(migrations_dir, default_is_relative_migrations)
{
    char *saved = getenv("BOOKSHOP_MIGRATIONS") ? strdup(getenv("BOOKSHOP_MIGRATIONS")) : NULL;
    os_set_env("BOOKSHOP_MIGRATIONS", NULL);
    FL_ASSERT_EQ_STR(bs_migrations_dir(), "migrations");
    if (saved) {
        os_set_env("BOOKSHOP_MIGRATIONS", saved);
        free(saved);
    }
}

FL_TEST(migrations_dir, environment_variable_wins)
{
    char *saved = getenv("BOOKSHOP_MIGRATIONS") ? strdup(getenv("BOOKSHOP_MIGRATIONS")) : NULL;
    const char *dir = copy_migrations(2);
    os_set_env("BOOKSHOP_MIGRATIONS", dir);
    FL_ASSERT_EQ_STR(bs_migrations_dir(), dir);
    sqlite3 *db = fresh_db();
    bs_migrate_result res;
    int rc = bs_migrate(db, NULL, &res, NULL, NULL, &terr); /* NULL: the default directory */
    if (saved) {
        os_set_env("BOOKSHOP_MIGRATIONS", saved);
        free(saved);
    } else {
        os_set_env("BOOKSHOP_MIGRATIONS", NULL);
    }
    FL_ASSERT_EQ_INT(rc, BS_OK);
    FL_ASSERT_EQ_INT(res.applied, 2);
    bs_close(db);
}

FL_TEST(migrations_dir, empty_variable_is_ignored)
{
    char *saved = getenv("BOOKSHOP_MIGRATIONS") ? strdup(getenv("BOOKSHOP_MIGRATIONS")) : NULL;
    os_set_env("BOOKSHOP_MIGRATIONS", "");
    FL_ASSERT_EQ_STR(bs_migrations_dir(), "migrations");
    if (saved) {
        os_set_env("BOOKSHOP_MIGRATIONS", saved);
        free(saved);
    } else {
        os_set_env("BOOKSHOP_MIGRATIONS", NULL);
    }
}

/* ---- the template this worker got ------------------------------------------------------ */

FL_TEST(migrations_template, clone_is_at_the_latest_version)
{
    file_list files = real_migrations();
    sqlite3 *db = open_test_db();
    FL_ASSERT_EQ_INT(bs_schema_version(db), files.max_version);
    close_test_db(db);
}

FL_TEST(migrations_template, every_file_recorded_with_its_current_checksum)
{
    /* Running the migrations again on the clone finds everything applied and unchanged:
     * the cached template is not stale. */
    file_list files = real_migrations();
    sqlite3 *db = open_test_db();
    close_test_db(db); /* bs_migrate needs autocommit; it changes nothing here */
    bs_migrate_result res;
    OK(bs_migrate(db, test_migrations_dir(), &res, NULL, NULL, &terr));
    FL_ASSERT_EQ_INT(res.already, files.n);
    FL_ASSERT_EQ_INT(res.applied, 0);
}

FL_TEST(migrations_template, foreign_keys_are_enforced)
{
    sqlite3 *db = open_test_db();
    FL_ASSERT_EQ_INT(sql_int(db, "PRAGMA foreign_keys"), 1);
    FL_ASSERT_EQ_INT(sqlite3_exec(db, "INSERT INTO orders (customer_id) VALUES (999999)", NULL,
                                  NULL, NULL),
                     SQLITE_CONSTRAINT);
    close_test_db(db);
}

FL_TEST(migrations_template, database_passes_integrity_checks)
{
    sqlite3 *db = open_test_db();
    FL_ASSERT_EQ_STR(sql_text(db, "PRAGMA quick_check"), "ok");
    FL_ASSERT_EQ_INT(sql_int(db, "SELECT count(*) FROM pragma_foreign_key_check"), 0);
    close_test_db(db);
}

FL_TEST(migrations_template, fixtures_are_present)
{
    sqlite3 *db = open_test_db();
    FL_ASSERT_GT_INT(sql_int(db, "SELECT count(*) FROM books"), 200);
    FL_ASSERT_GT_INT(sql_int(db, "SELECT count(*) FROM customers"), 500);
    FL_ASSERT_GT_INT(sql_int(db, "SELECT count(*) FROM orders"), 5000);
    FL_ASSERT_EQ_INT(fx_customer(db, "alice@example.com") > 0, 1);
    close_test_db(db);
}

/* ---- data migrations on existing rows ------------------------------------------------- */

/* A database migrated with the real files except those named in skip (a comma list of
 * version numbers as text, e.g. "007,009"); returns the directory holding the copies. */
static const char *migrate_without(sqlite3 *db, const char *skip)
{
    file_list files = real_migrations();
    const char *dir = test_temp_dir();
    for (int i = 0; i < files.n; i++) {
        char prefix[8];
        snprintf(prefix, sizeof prefix, "%.3s", files.names[i]);
        if (!strstr(skip, prefix))
            copy_file(test_migrations_dir(), files.names[i], dir);
    }
    OK(bs_migrate(db, dir, NULL, NULL, NULL, &terr));
    return dir;
}

FL_TEST(migrations_data, email_normalization_rewrites_old_rows)
{
    sqlite3 *db = fresh_db();
    const char *dir = migrate_without(db, "009");
    sql_exec(db, "INSERT INTO customers (name, email, country) "
                 "VALUES ('Old Row', '  Mixed.Case@Example.COM', 'DE')");
    copy_file(test_migrations_dir(), "009_customer_marketing.sql", dir);
    bs_migrate_result res;
    OK(bs_migrate(db, dir, &res, NULL, NULL, &terr));
    FL_ASSERT_EQ_INT(res.applied, 1);
    FL_ASSERT_EQ_STR(sql_text(db, "SELECT email FROM customers WHERE name = 'Old Row'"),
                     "mixed.case@example.com");
    bs_close(db);
}

FL_TEST(migrations_data, opt_in_is_off_for_existing_customers)
{
    sqlite3 *db = fresh_db();
    const char *dir = migrate_without(db, "009");
    sql_exec(db, "INSERT INTO customers (name, email, country) VALUES ('A', 'a@x.org', 'DE'), "
                 "('B', 'b@x.org', 'FR')");
    copy_file(test_migrations_dir(), "009_customer_marketing.sql", dir);
    OK(bs_migrate(db, dir, NULL, NULL, NULL, &terr));
    FL_ASSERT_EQ_INT(sql_int(db, "SELECT sum(marketing_opt_in) FROM customers"), 0);
    FL_ASSERT_EQ_INT(sql_int(db, "SELECT count(*) FROM v_mailing_list"), 0);
    bs_close(db);
}

FL_TEST(migrations_data, search_index_covers_books_added_before_it)
{
    if (!sqlite3_compileoption_used("ENABLE_FTS5"))
        FL_SKIP("this SQLite has no FTS5");
    sqlite3 *db = fresh_db();
    const char *dir = migrate_without(db, "007");
    FL_ASSERT(!bs_has_fts(db));
    const char *authors[] = {"Ursula K. Le Guin"};
    bs_book_input in = {.isbn = new_isbn(), .title = "The Dispossessed", .genre = "scifi",
                        .price_cents = 1200, .authors = authors, .n_authors = 1,
                        .description = "An ambiguous utopia on Anarres."};
    OK(bs_book_add(db, &in, NULL, &terr));
    /* Merged late: version 7 applied after 8 and 9. */
    copy_file(test_migrations_dir(), "007_search.sql", dir);
    bs_migrate_result res;
    OK(bs_migrate(db, dir, &res, NULL, NULL, &terr));
    FL_ASSERT_EQ_INT(res.applied, 1);
    FL_ASSERT_EQ_INT(res.version, 9);
    FL_ASSERT(bs_has_fts(db));
    bs_hit *hits = NULL;
    size_t n = 0;
    OK(bs_search(db, "guin anarres", 10, &hits, &n, &terr));
    FL_ASSERT_EQ_INT(n, 1);
    FL_ASSERT_EQ_STR(hits[0].title, "The Dispossessed");
    free(hits);
    bs_close(db);
}

FL_TEST(migrations_data, search_falls_back_to_like_without_the_index)
{
    sqlite3 *db = fresh_db();
    migrate_without(db, "007");
    const char *authors[] = {"Italo Calvino"};
    bs_book_input in = {.isbn = new_isbn(), .title = "Invisible Cities", .genre = "fiction",
                        .price_cents = 1100, .authors = authors, .n_authors = 1};
    OK(bs_book_add(db, &in, NULL, &terr));
    bs_hit *hits = NULL;
    size_t n = 0;
    OK(bs_search(db, "calvino", 10, &hits, &n, &terr));
    FL_ASSERT_EQ_INT(n, 1);
    FL_ASSERT_EQ_STR(hits[0].title, "Invisible Cities");
    free(hits);
    OK(bs_search(db, "invis*", 10, &hits, &n, &terr));
    FL_ASSERT_EQ_INT(n, 1);
    free(hits);
    bs_close(db);
}
