/*
 * bookshop_cli.c — the `bookshop` command: the example application's front end over the
 * library in src/.  `bookshop DBFILE COMMAND ARGS...`; run with no arguments for the list.
 * Exit status: 0 done, 1 refused by a business rule or a database error (the message says
 * which, e.g. "bookshop: out_of_stock: ..."), 2 usage.
 */
#include "src/bookshop.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage_text[] =
    "usage: bookshop DBFILE COMMAND [ARGS...]\n"
    "\n"
    "commands:\n"
    "  migrate                                   apply migrations/ (or $BOOKSHOP_MIGRATIONS)\n"
    "  add-book ISBN TITLE PRICE AUTHORS [GENRE [YEAR]]\n"
    "                                            AUTHORS separated by ';', GENRE default fiction\n"
    "  add-customer NAME EMAIL COUNTRY\n"
    "  receive ISBN QTY                          stock arriving from a supplier\n"
    "  order EMAIL ISBN:QTY... [--code CODE]     place an order; prints its number and total\n"
    "  pay ORDER AMOUNT | ship ORDER | cancel ORDER\n"
    "  show ISBN\n"
    "  search WORDS...\n"
    "  report best-sellers [N] | revenue YEAR | low-stock [N] | inventory\n";

static int usage(void)
{
    fputs(usage_text, stderr);
    return 2;
}

static int refused(const bs_error *err)
{
    fprintf(stderr, "bookshop: %s: %s\n", bs_code_name(err->code), err->msg);
    return 1;
}

static void log_migration(const char *name, void *ctx)
{
    (void)ctx;
    printf("applied %s\n", name);
}

static int cmd_migrate(sqlite3 *db, int argc, char **argv, bs_error *err)
{
    (void)argv;
    if (argc != 0)
        return usage();
    bs_migrate_result res;
    if (bs_migrate(db, NULL, &res, log_migration, NULL, err) != BS_OK)
        return refused(err);
    printf("schema version %d (%d applied, %d skipped, %d already applied)\n", res.version,
           res.applied, res.skipped, res.already);
    return 0;
}

/* Splits "A;B;C" in place into at most max names. */
static size_t split_authors(char *list, const char **names, size_t max)
{
    size_t n = 0;
    for (char *tok = strtok(list, ";"); tok && n < max; tok = strtok(NULL, ";"))
        names[n++] = tok;
    return n;
}

static int cmd_add_book(sqlite3 *db, int argc, char **argv, bs_error *err)
{
    if (argc < 4 || argc > 6)
        return usage();
    int64_t price = 0, id = 0;
    if (bs_money_parse(argv[2], &price, err) != BS_OK)
        return refused(err);
    const char *authors[16];
    bs_book_input in = {.isbn = argv[0], .title = argv[1], .price_cents = price,
                        .genre = argc > 4 ? argv[4] : "fiction",
                        .year = argc > 5 ? atoi(argv[5]) : 0, .authors = authors};
    in.n_authors = split_authors(argv[3], authors, 16);
    if (bs_book_add(db, &in, &id, err) != BS_OK)
        return refused(err);
    bs_book b;
    if (bs_book_get(db, id, &b, err) != BS_OK)
        return refused(err);
    printf("book %lld: %s \"%s\" by %s\n", (long long)id, b.isbn, b.title, b.authors);
    return 0;
}

static int cmd_add_customer(sqlite3 *db, int argc, char **argv, bs_error *err)
{
    if (argc != 3)
        return usage();
    int64_t id = 0;
    if (bs_customer_add(db, argv[0], argv[1], argv[2], &id, err) != BS_OK)
        return refused(err);
    printf("customer %lld: %s <%s>\n", (long long)id, argv[0], argv[1]);
    return 0;
}

static int cmd_receive(sqlite3 *db, int argc, char **argv, bs_error *err)
{
    if (argc != 2)
        return usage();
    bs_book b;
    if (bs_book_by_isbn(db, argv[0], &b, err) != BS_OK ||
        bs_stock_receive(db, b.id, atoi(argv[1]), err) != BS_OK ||
        bs_book_get(db, b.id, &b, err) != BS_OK)
        return refused(err);
    printf("%s \"%s\": %lld on hand\n", b.isbn, b.title, (long long)b.on_hand);
    return 0;
}

static void print_order(sqlite3 *db, int64_t id)
{
    bs_order o;
    if (bs_order_get(db, id, &o, NULL) != BS_OK)
        return;
    char sub[32], disc[32], ship[32], total[32];
    printf("order %lld %s: %d lines, %lld items, subtotal %s, discount %s, shipping %s, "
           "total %s\n",
           (long long)o.id, o.status, o.n_lines, (long long)o.n_items,
           bs_money_format(o.subtotal_cents, sub, sizeof sub),
           bs_money_format(o.discount_cents, disc, sizeof disc),
           bs_money_format(o.shipping_cents, ship, sizeof ship),
           bs_money_format(o.total_cents, total, sizeof total));
}

/* "ISBN:QTY" (QTY defaults to 1) → a line. */
static int parse_line_arg(sqlite3 *db, char *arg, bs_line *line, bs_error *err)
{
    char *colon = strrchr(arg, ':');
    line->qty = 1;
    if (colon) {
        *colon = '\0';
        line->qty = atoi(colon + 1);
    }
    bs_book b;
    int rc = bs_book_by_isbn(db, arg, &b, err);
    if (rc == BS_OK)
        line->book_id = b.id;
    return rc;
}

static int cmd_order(sqlite3 *db, int argc, char **argv, bs_error *err)
{
    const char *code = NULL;
    bs_line lines[64];
    size_t n = 0;
    if (argc < 2)
        return usage();
    bs_customer c;
    if (bs_customer_by_email(db, argv[0], &c, err) != BS_OK)
        return refused(err);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--code") == 0 && i + 1 < argc) {
            code = argv[++i];
        } else if (n < sizeof lines / sizeof lines[0]) {
            if (parse_line_arg(db, argv[i], &lines[n++], err) != BS_OK)
                return refused(err);
        } else {
            return usage();
        }
    }
    int64_t id = 0;
    if (bs_order_quick(db, c.id, lines, n, code, NULL, &id, err) != BS_OK)
        return refused(err);
    print_order(db, id);
    return 0;
}

static int cmd_order_step(sqlite3 *db, const char *cmd, int argc, char **argv, bs_error *err)
{
    if (argc != (strcmp(cmd, "pay") == 0 ? 2 : 1))
        return usage();
    int64_t id = atoll(argv[0]), amount = 0;
    int rc;
    if (strcmp(cmd, "pay") == 0)
        rc = bs_money_parse(argv[1], &amount, err) == BS_OK ? bs_order_pay(db, id, amount, err)
                                                             : err->code;
    else if (strcmp(cmd, "ship") == 0)
        rc = bs_order_ship(db, id, err);
    else
        rc = bs_order_cancel(db, id, err);
    if (rc != BS_OK)
        return refused(err);
    print_order(db, id);
    return 0;
}

static void print_book(const bs_book *b)
{
    char price[32];
    printf("%s  %-40s  %-30s  %10s  %4lld on hand%s\n", b->isbn, b->title, b->authors,
           bs_money_format(b->price_cents, price, sizeof price), (long long)b->on_hand,
           b->discontinued ? "  (discontinued)" : "");
}

static int cmd_show(sqlite3 *db, int argc, char **argv, bs_error *err)
{
    if (argc != 1)
        return usage();
    bs_book b;
    if (bs_book_by_isbn(db, argv[0], &b, err) != BS_OK)
        return refused(err);
    print_book(&b);
    return 0;
}

static int cmd_search(sqlite3 *db, int argc, char **argv, bs_error *err)
{
    if (argc < 1)
        return usage();
    char query[1024] = "";
    for (int i = 0; i < argc; i++) {
        strncat(query, argv[i], sizeof query - strlen(query) - 2);
        strcat(query, " ");
    }
    bs_hit *hits = NULL;
    size_t n = 0;
    if (bs_search(db, query, 20, &hits, &n, err) != BS_OK)
        return refused(err);
    for (size_t i = 0; i < n; i++)
        printf("%6lld  %s — %s\n", (long long)hits[i].book_id, hits[i].title, hits[i].authors);
    printf("%zu found\n", n);
    free(hits);
    return 0;
}

static int report_sales(sqlite3 *db, size_t limit, bs_error *err)
{
    bs_sales_row *rows = NULL;
    size_t n = 0;
    if (bs_report_best_sellers(db, NULL, NULL, limit, &rows, &n, err) != BS_OK)
        return refused(err);
    for (size_t i = 0; i < n; i++) {
        char rev[32];
        printf("%3zu. %-50s %6lld sold %14s\n", i + 1, rows[i].name, (long long)rows[i].units,
               bs_money_format(rows[i].revenue_cents, rev, sizeof rev));
    }
    free(rows);
    return 0;
}

static int report_revenue(sqlite3 *db, int year, bs_error *err)
{
    bs_month_row rows[12];
    if (bs_report_monthly_revenue(db, year, rows, err) != BS_OK)
        return refused(err);
    int64_t total = 0;
    for (int m = 0; m < 12; m++) {
        char rev[32];
        printf("%s  %6lld orders  %14s\n", rows[m].month, (long long)rows[m].orders,
               bs_money_format(rows[m].revenue_cents, rev, sizeof rev));
        total += rows[m].revenue_cents;
    }
    char sum[32];
    printf("%d total %24s\n", year, bs_money_format(total, sum, sizeof sum));
    return 0;
}

static int report_low_stock(sqlite3 *db, int64_t threshold, bs_error *err)
{
    bs_book *books = NULL;
    size_t n = 0;
    if (bs_report_low_stock(db, threshold, &books, &n, err) != BS_OK)
        return refused(err);
    for (size_t i = 0; i < n; i++)
        print_book(&books[i]);
    printf("%zu books with %lld or fewer copies\n", n, (long long)threshold);
    free(books);
    return 0;
}

static int cmd_report(sqlite3 *db, int argc, char **argv, bs_error *err)
{
    if (argc < 1)
        return usage();
    const char *which = argv[0];
    if (strcmp(which, "best-sellers") == 0)
        return report_sales(db, argc > 1 ? (size_t)atoi(argv[1]) : 10, err);
    if (strcmp(which, "revenue") == 0 && argc == 2)
        return report_revenue(db, atoi(argv[1]), err);
    if (strcmp(which, "low-stock") == 0)
        return report_low_stock(db, argc > 1 ? atoll(argv[1]) : 3, err);
    if (strcmp(which, "inventory") == 0) {
        int64_t value = 0;
        char text[32];
        if (bs_report_inventory_value(db, &value, err) != BS_OK)
            return refused(err);
        printf("stock value %s\n", bs_money_format(value, text, sizeof text));
        return 0;
    }
    return usage();
}

static int dispatch(sqlite3 *db, const char *cmd, int argc, char **argv, bs_error *err)
{
    if (strcmp(cmd, "migrate") == 0)
        return cmd_migrate(db, argc, argv, err);
    if (strcmp(cmd, "add-book") == 0)
        return cmd_add_book(db, argc, argv, err);
    if (strcmp(cmd, "add-customer") == 0)
        return cmd_add_customer(db, argc, argv, err);
    if (strcmp(cmd, "receive") == 0)
        return cmd_receive(db, argc, argv, err);
    if (strcmp(cmd, "order") == 0)
        return cmd_order(db, argc, argv, err);
    if (strcmp(cmd, "pay") == 0 || strcmp(cmd, "ship") == 0 || strcmp(cmd, "cancel") == 0)
        return cmd_order_step(db, cmd, argc, argv, err);
    if (strcmp(cmd, "show") == 0)
        return cmd_show(db, argc, argv, err);
    if (strcmp(cmd, "search") == 0)
        return cmd_search(db, argc, argv, err);
    if (strcmp(cmd, "report") == 0)
        return cmd_report(db, argc, argv, err);
    return usage();
}

int main(int argc, char **argv)
{
    if (argc < 3)
        return usage();
    sqlite3 *db = NULL;
    bs_error err = {0};
    if (bs_open(argv[1], &db, &err) != BS_OK)
        return refused(&err);
    if (strcmp(argv[2], "migrate") != 0 && bs_schema_version(db) == 0) {
        fprintf(stderr, "bookshop: %s has no schema yet: run `bookshop %s migrate` first\n",
                argv[1], argv[1]);
        bs_close(db);
        return 1;
    }
    int status = dispatch(db, argv[2], argc - 3, argv + 3, &err);
    bs_close(db);
    return status;
}
