/*
 * t_cli.c — the `bookshop` command (bookshop_cli.c), run as a real process (os_run:
 * posix_spawn or CreateProcess) against a scratch database in a temporary directory: usage
 * and exit codes, migrate, and a shop's day from adding a book to the reports.  The group's set-up migrates
 * the scratch database once; the tests then run in order against it.
 */
#include "common.h"
#include "os.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char cli_db[4096];
static char migrations[4096]; /* test_migrations_dir() before the tests change the variable */
static int had_variable;      /* BOOKSHOP_MIGRATIONS was set before the group */
static char cli_out[65536];

/* Runs the CLI with args (NULL-terminated, without the program), stdout and stderr into
 * cli_out; returns the exit status. */
static int run_cli(const char *const *args)
{
    const char *argv[32] = {BOOKSHOP_CLI};
    size_t n = 1;
    while (n < 31 && args[n - 1]) {
        argv[n] = args[n - 1];
        n++;
    }
    argv[n] = NULL;
    int status = os_run(argv, cli_out, sizeof cli_out);
    if (status < 0)
        FL_FAIL("%s", cli_out);
    return status;
}

#define CLI(...) run_cli((const char *const[]){__VA_ARGS__, NULL})

FL_GROUP_SETUP(cli)
{
    snprintf(cli_db, sizeof cli_db, "%s/shop.db", test_temp_dir());
    had_variable = getenv("BOOKSHOP_MIGRATIONS") != NULL;
    snprintf(migrations, sizeof migrations, "%s", test_migrations_dir());
    os_set_env("BOOKSHOP_MIGRATIONS", migrations);
    if (CLI(cli_db, "migrate") != 0)
        FL_FAIL("bookshop migrate failed: %s", cli_out);
}

/* The spawned commands needed the variable; later groups in this worker get it back as
 * it was. */
FL_GROUP_TEARDOWN(cli)
{
    if (!had_variable)
        os_set_env("BOOKSHOP_MIGRATIONS", NULL);
}

FL_TEST(cli, no_arguments_prints_usage)
{
    FL_ASSERT_EQ_INT(run_cli((const char *const[]){NULL}), 2);
    FL_ASSERT_CONTAINS(cli_out, "usage: bookshop DBFILE COMMAND");
}

FL_TEST(cli, unknown_command_is_a_usage_error)
{
    FL_ASSERT_EQ_INT(CLI(cli_db, "sell-everything"), 2);
    FL_ASSERT_CONTAINS(cli_out, "commands:");
}

FL_TEST(cli, new_database_must_be_migrated_first)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/empty.db", test_temp_dir());
    FL_ASSERT_EQ_INT(CLI(path, "report", "inventory"), 1);
    FL_ASSERT_CONTAINS(cli_out, "run `bookshop");
    FL_ASSERT_CONTAINS(cli_out, "migrate` first");
}

FL_TEST(cli, migrate_names_each_file)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/fresh.db", test_temp_dir());
    FL_ASSERT_EQ_INT(CLI(path, "migrate"), 0);
    FL_ASSERT_CONTAINS(cli_out, "applied 001_catalog.sql\n");
    FL_ASSERT_CONTAINS(cli_out, "applied 009_customer_marketing.sql\n");
    FL_ASSERT_CONTAINS(cli_out, "schema version 9 (");
}

FL_TEST(cli, migrate_again_changes_nothing)
{
    FL_ASSERT_EQ_INT(CLI(cli_db, "migrate"), 0);
    FL_ASSERT_CONTAINS(cli_out, "0 applied");
    FL_ASSERT_CONTAINS(cli_out, "9 already applied");
}

FL_TEST(cli, missing_migrations_directory)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/nowhere.db", test_temp_dir());
    os_set_env("BOOKSHOP_MIGRATIONS", "/nonexistent/migrations");
    int status = CLI(path, "migrate");
    os_set_env("BOOKSHOP_MIGRATIONS", migrations);
    FL_ASSERT_EQ_INT(status, 1);
    FL_ASSERT_CONTAINS(cli_out, "bookshop: io: cannot open migrations directory /nonexistent");
}

FL_TEST(cli, add_book_prints_canonical_isbn_and_authors)
{
    FL_ASSERT_EQ_INT(CLI(cli_db, "add-book", "0-306-40615-2", "The CLI Book", "24.50",
                         "First Writer;Second Writer", "computing", "2024"),
                     0);
    FL_ASSERT_CONTAINS(cli_out, "9780306406157 \"The CLI Book\" by First Writer, Second Writer");
}

FL_TEST(cli, refused_book_exits_1_with_the_reason)
{
    FL_ASSERT_EQ_INT(CLI(cli_db, "add-book", "0-306-40615-3", "Bad", "1.00", "X"), 1);
    FL_ASSERT_CONTAINS(cli_out, "bookshop: invalid_isbn:");
    FL_ASSERT_CONTAINS(cli_out, "check digit should be 2");
    FL_ASSERT_EQ_INT(CLI(cli_db, "add-book", "9780306406157", "Again", "1.00", "X"), 1);
    FL_ASSERT_CONTAINS(cli_out, "bookshop: duplicate:");
    FL_ASSERT_EQ_INT(CLI(cli_db, "add-book", "9783161484100", "Pricey", "1.999", "X"), 1);
    FL_ASSERT_CONTAINS(cli_out, "bookshop: invalid_price:");
}

FL_TEST(cli, receive_and_show)
{
    FL_ASSERT_EQ_INT(CLI(cli_db, "receive", "9780306406157", "4"), 0);
    FL_ASSERT_CONTAINS(cli_out, "4 on hand");
    FL_ASSERT_EQ_INT(CLI(cli_db, "show", "0306406152"), 0);
    FL_ASSERT_CONTAINS(cli_out, "The CLI Book");
    FL_ASSERT_CONTAINS(cli_out, "24.50");
}

FL_TEST(cli, add_customer_and_order)
{
    FL_ASSERT_EQ_INT(CLI(cli_db, "add-customer", "Cli Customer", "cli@example.org", "DE"), 0);
    FL_ASSERT_EQ_INT(CLI(cli_db, "order", "cli@example.org", "9780306406157:2", "--code",
                         "WELCOME10"),
                     0);
    /* 2 × 24.50 = 49.00, 10 % off = 44.10, free shipping in DE */
    FL_ASSERT_CONTAINS(cli_out, "order 1 placed: 1 lines, 2 items, subtotal 49.00, discount 4.90, "
                                "shipping 0.00, total 44.10");
}

FL_TEST(cli, order_beyond_stock_is_refused)
{
    FL_ASSERT_EQ_INT(CLI(cli_db, "order", "cli@example.org", "9780306406157:3"), 1);
    FL_ASSERT_CONTAINS(cli_out, "bookshop: out_of_stock:");
    FL_ASSERT_CONTAINS(cli_out, "3 ordered, 2 on hand");
}

FL_TEST(cli, unknown_customer_is_refused)
{
    FL_ASSERT_EQ_INT(CLI(cli_db, "order", "nobody@example.org", "9780306406157:1"), 1);
    FL_ASSERT_CONTAINS(cli_out, "bookshop: unknown_customer:");
}

FL_TEST(cli, pay_ship_then_cancel_refused)
{
    FL_ASSERT_EQ_INT(CLI(cli_db, "pay", "1", "44.00"), 1);
    FL_ASSERT_CONTAINS(cli_out, "bookshop: payment_mismatch: order 1: paid 44.00, the total is 44.10");
    FL_ASSERT_EQ_INT(CLI(cli_db, "pay", "1", "44.10"), 0);
    FL_ASSERT_CONTAINS(cli_out, "order 1 paid");
    FL_ASSERT_EQ_INT(CLI(cli_db, "ship", "1"), 0);
    FL_ASSERT_EQ_INT(CLI(cli_db, "cancel", "1"), 1);
    FL_ASSERT_CONTAINS(cli_out, "bookshop: order_state:");
}

FL_TEST(cli, search_finds_by_author)
{
    FL_ASSERT_EQ_INT(CLI(cli_db, "search", "second", "writer"), 0);
    FL_ASSERT_CONTAINS(cli_out, "The CLI Book — First Writer, Second Writer");
    FL_ASSERT_CONTAINS(cli_out, "1 found");
}

FL_TEST(cli, reports)
{
    FL_ASSERT_EQ_INT(CLI(cli_db, "report", "best-sellers"), 0);
    FL_ASSERT_CONTAINS(cli_out, "1. The CLI Book");
    FL_ASSERT_CONTAINS(cli_out, "2 sold");
    FL_ASSERT_EQ_INT(CLI(cli_db, "report", "inventory"), 0);
    FL_ASSERT_CONTAINS(cli_out, "stock value 49.00"); /* 2 copies left at 24.50 */
    FL_ASSERT_EQ_INT(CLI(cli_db, "report", "low-stock", "2"), 0);
    FL_ASSERT_CONTAINS(cli_out, "1 books with 2 or fewer copies");
    FL_ASSERT_EQ_INT(CLI(cli_db, "report", "revenue"), 2);
}
