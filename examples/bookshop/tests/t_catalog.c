/*
 * t_catalog.c — books and authors (src/catalog.c): adding and reading books, the
 * many-to-many link with authors, validation with its error codes, price changes and a
 * book's life from listing to discontinuation.
 */
#include "common.h"

#include <stdio.h>
#include <string.h>

static bs_book_input book_input(const char *isbn, const char *title, const char *const *authors,
                                size_t n_authors)
{
    bs_book_input in = {.isbn = isbn, .title = title, .genre = "fiction", .year = 2020,
                        .price_cents = 1999, .authors = authors, .n_authors = n_authors};
    return in;
}

/* ---- adding and reading ------------------------------------------------------------------ */

FL_TEST(catalog_books, added_book_reads_back)
{
    sqlite3 *db = open_test_db();
    const char *authors[] = {"Mary Shelley"};
    bs_book_input in = book_input(new_isbn(), "Frankenstein", authors, 1);
    in.genre = "scifi";
    in.year = 1818;
    int64_t id = 0;
    OK(bs_book_add(db, &in, &id, &terr));
    bs_book b;
    OK(bs_book_get(db, id, &b, &terr));
    FL_ASSERT_EQ_STR(b.title, "Frankenstein");
    FL_ASSERT_EQ_STR(b.authors, "Mary Shelley");
    FL_ASSERT_EQ_STR(b.genre, "scifi");
    FL_ASSERT_EQ_INT(b.year, 1818);
    FL_ASSERT_EQ_INT(b.price_cents, 1999);
    FL_ASSERT_EQ_INT(b.on_hand, 0);
    FL_ASSERT_EQ_INT(b.discontinued, 0);
    close_test_db(db);
}

FL_TEST(catalog_books, isbn10_stored_as_isbn13)
{
    sqlite3 *db = open_test_db();
    const char *authors[] = {"Someone"};
    bs_book_input in = book_input("0-306-40615-2", "Old Numbering", authors, 1);
    int64_t id = 0;
    OK(bs_book_add(db, &in, &id, &terr));
    bs_book b;
    OK(bs_book_get(db, id, &b, &terr));
    FL_ASSERT_EQ_STR(b.isbn, "9780306406157");
    close_test_db(db);
}

FL_TEST(catalog_books, found_by_any_spelling_of_its_isbn)
{
    sqlite3 *db = open_test_db();
    const char *authors[] = {"Someone"};
    bs_book_input in = book_input("978-0-306-40615-7", "Spellings", authors, 1);
    int64_t id = 0;
    OK(bs_book_add(db, &in, &id, &terr));
    static const char *spellings[] = {"9780306406157", "978 0 306 40615 7", "0306406152",
                                      "0-306-40615-2"};
    for (size_t i = 0; i < 4; i++) {
        bs_book b;
        OK(bs_book_by_isbn(db, spellings[i], &b, &terr));
        FL_ASSERT_EQ_INT(b.id, id);
    }
    close_test_db(db);
}

FL_TEST(catalog_books, unknown_isbn_not_found)
{
    sqlite3 *db = open_test_db();
    bs_book b;
    FAILS(BS_ERR_NOT_FOUND, bs_book_by_isbn(db, new_isbn(), &b, &terr));
    FAILS(BS_ERR_NOT_FOUND, bs_book_get(db, 987654321, &b, &terr));
    FL_ASSERT_CONTAINS(terr.msg, "987654321");
    close_test_db(db);
}

FL_TEST(catalog_books, title_is_trimmed)
{
    sqlite3 *db = open_test_db();
    const char *authors[] = {"Someone"};
    bs_book_input in = book_input(new_isbn(), "   Padded Title  ", authors, 1);
    int64_t id = 0;
    OK(bs_book_add(db, &in, &id, &terr));
    bs_book b;
    OK(bs_book_get(db, id, &b, &terr));
    FL_ASSERT_EQ_STR(b.title, "Padded Title");
    close_test_db(db);
}

FL_TEST(catalog_books, unknown_year_is_stored_as_null)
{
    sqlite3 *db = open_test_db();
    const char *authors[] = {"Someone"};
    bs_book_input in = book_input(new_isbn(), "Undated", authors, 1);
    in.year = 0;
    int64_t id = 0;
    OK(bs_book_add(db, &in, &id, &terr));
    FL_ASSERT_EQ_INT(sql_int(db, "SELECT published_year IS NULL FROM books WHERE id = %lld",
                             (long long)id),
                     1);
    bs_book b;
    OK(bs_book_get(db, id, &b, &terr));
    FL_ASSERT_EQ_INT(b.year, 0);
    close_test_db(db);
}

FL_TEST(catalog_books, description_defaults_to_empty)
{
    sqlite3 *db = open_test_db();
    const char *authors[] = {"Someone"};
    bs_book_input in = book_input(new_isbn(), "No Blurb", authors, 1);
    int64_t id = 0;
    OK(bs_book_add(db, &in, &id, &terr));
    FL_ASSERT_EQ_STR(sql_text(db, "SELECT description FROM books WHERE id = %lld", (long long)id),
                     "");
    close_test_db(db);
}

FL_TEST(catalog_books, free_books_are_allowed)
{
    sqlite3 *db = open_test_db();
    int64_t id = new_book(db, "Public Domain Sampler", 0, 5);
    bs_book b;
    OK(bs_book_get(db, id, &b, &terr));
    FL_ASSERT_EQ_INT(b.price_cents, 0);
    close_test_db(db);
}

FL_TEST(catalog_books, fixture_catalog_is_complete)
{
    sqlite3 *db = open_test_db();
    bs_book b;
    OK(bs_book_get(db, fx_book(db, "Gödel, Escher, Bach"), &b, &terr));
    FL_ASSERT_EQ_STR(b.authors, "Douglas Hofstadter");
    FL_ASSERT_EQ_INT(b.on_hand, 8);
    FL_ASSERT_EQ_INT(b.price_cents, 2490);
    close_test_db(db);
}

/* ---- authors ----------------------------------------------------------------------------- */

FL_TEST(catalog_authors, co_authored_book_links_both)
{
    sqlite3 *db = open_test_db();
    const char *authors[] = {"Ada Lovelace", "Charles Babbage"};
    bs_book_input in = book_input(new_isbn(), "Notes on the Engine", authors, 2);
    int64_t id = 0;
    OK(bs_book_add(db, &in, &id, &terr));
    bs_book b;
    OK(bs_book_get(db, id, &b, &terr));
    FL_ASSERT_EQ_STR(b.authors, "Ada Lovelace, Charles Babbage");
    FL_ASSERT_EQ_INT(sql_int(db, "SELECT count(*) FROM book_authors WHERE book_id = %lld",
                             (long long)id),
                     2);
    close_test_db(db);
}

FL_TEST(catalog_authors, existing_author_is_reused)
{
    sqlite3 *db = open_test_db();
    int64_t before = sql_int(db, "SELECT count(*) FROM authors");
    int64_t pratchett = 0;
    OK(bs_author_find(db, "Terry Pratchett", &pratchett, &terr));
    const char *authors[] = {"terry pratchett"}; /* any case */
    bs_book_input in = book_input(new_isbn(), "Mort", authors, 1);
    OK(bs_book_add(db, &in, NULL, &terr));
    FL_ASSERT_EQ_INT(sql_int(db, "SELECT count(*) FROM authors"), before);
    int64_t count = 0;
    OK(bs_book_count_by_author(db, pratchett, &count, &terr));
    FL_ASSERT_EQ_INT(count, 3); /* Good Omens, Small Gods, Mort */
    close_test_db(db);
}

FL_TEST(catalog_authors, author_order_follows_the_cover)
{
    sqlite3 *db = open_test_db();
    const char *authors[] = {"Zed Last", "Amy First"};
    bs_book_input in = book_input(new_isbn(), "Cover Order", authors, 2);
    int64_t id = 0;
    OK(bs_book_add(db, &in, &id, &terr));
    bs_book b;
    OK(bs_book_get(db, id, &b, &terr));
    FL_ASSERT_EQ_STR(b.authors, "Zed Last, Amy First");
    close_test_db(db);
}

FL_TEST(catalog_authors, find_ignores_case_and_spaces)
{
    sqlite3 *db = open_test_db();
    int64_t a = 0, b = 0;
    OK(bs_author_find(db, "Neil Gaiman", &a, &terr));
    OK(bs_author_find(db, "  NEIL GAIMAN ", &b, &terr));
    FL_ASSERT_EQ_INT(a, b);
    close_test_db(db);
}

FL_TEST(catalog_authors, unknown_author_not_found)
{
    sqlite3 *db = open_test_db();
    int64_t id = 0;
    FAILS(BS_ERR_NOT_FOUND, bs_author_find(db, "Nobody Atall", &id, &terr));
    FL_ASSERT_CONTAINS(terr.msg, "Nobody Atall");
    close_test_db(db);
}

FL_TEST(catalog_authors, duplicate_author_refused)
{
    sqlite3 *db = open_test_db();
    FAILS(BS_ERR_DUPLICATE, bs_author_add(db, "UMBERTO ECO", NULL, &terr));
    FL_ASSERT_CONTAINS(terr.msg, "already exists");
    close_test_db(db);
}

FL_TEST(catalog_authors, same_author_twice_on_one_book_refused)
{
    sqlite3 *db = open_test_db();
    const char *authors[] = {"Echo Writer", "echo writer"};
    bs_book_input in = book_input(new_isbn(), "Echo", authors, 2);
    FAILS(BS_ERR_INVALID, bs_book_add(db, &in, NULL, &terr));
    FL_ASSERT_CONTAINS(terr.msg, "listed twice");
    /* All or nothing: neither the book nor the new author stayed. */
    FL_ASSERT_EQ_INT(sql_int(db, "SELECT count(*) FROM books WHERE title = 'Echo'"), 0);
    FL_ASSERT_EQ_INT(sql_int(db, "SELECT count(*) FROM authors WHERE name = 'Echo Writer'"), 0);
    close_test_db(db);
}

FL_TEST(catalog_authors, rename_shows_on_every_book)
{
    sqlite3 *db = open_test_db();
    int64_t id = 0;
    OK(bs_author_find(db, "Umberto Eco", &id, &terr));
    OK(bs_author_rename(db, id, "U. Eco", &terr));
    bs_book b;
    OK(bs_book_get(db, fx_book(db, "The Name of the Rose"), &b, &terr));
    FL_ASSERT_EQ_STR(b.authors, "U. Eco");
    OK(bs_book_get(db, fx_book(db, "Rare Edition"), &b, &terr));
    FL_ASSERT_EQ_STR(b.authors, "U. Eco");
    close_test_db(db);
}

FL_TEST(catalog_authors, rename_to_existing_name_refused)
{
    sqlite3 *db = open_test_db();
    int64_t id = 0;
    OK(bs_author_find(db, "Neil Gaiman", &id, &terr));
    FAILS(BS_ERR_DUPLICATE, bs_author_rename(db, id, "Terry Pratchett", &terr));
    FAILS(BS_ERR_NOT_FOUND, bs_author_rename(db, 99999999, "Ghost", &terr));
    FAILS(BS_ERR_INVALID, bs_author_rename(db, id, "  ", &terr));
    close_test_db(db);
}

FL_TEST(catalog_authors, counts_books_per_author_in_fixtures)
{
    sqlite3 *db = open_test_db();
    static const struct {
        const char *name;
        int books;
    } expected[] = {{"Terry Pratchett", 2}, {"Neil Gaiman", 2}, {"Umberto Eco", 2},
                    {"Frank Herbert", 2},  {"Eric Carle", 1},  {"Dennis Ritchie", 1}};
    for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++) {
        int64_t id = 0, count = 0;
        OK(bs_author_find(db, expected[i].name, &id, &terr));
        OK(bs_book_count_by_author(db, id, &count, &terr));
        if (count != expected[i].books)
            FL_FAIL("%s: %lld books, expected %d", expected[i].name, (long long)count,
                    expected[i].books);
    }
    close_test_db(db);
}

/* ---- validation ------------------------------------------------------------------------------- */

FL_TEST(catalog_validation, invalid_isbn_refused_before_any_write)
{
    sqlite3 *db = open_test_db();
    int64_t before = sql_int(db, "SELECT count(*) FROM authors");
    const char *authors[] = {"Brand New Author"};
    bs_book_input in = book_input("978-0-306-40615-8", "Bad Checksum", authors, 1);
    FAILS(BS_ERR_INVALID_ISBN, bs_book_add(db, &in, NULL, &terr));
    FL_ASSERT_EQ_INT(sql_int(db, "SELECT count(*) FROM authors"), before);
    close_test_db(db);
}

FL_TEST(catalog_validation, duplicate_isbn_refused)
{
    sqlite3 *db = open_test_db();
    bs_book dune;
    OK(bs_book_get(db, fx_book(db, "Dune"), &dune, &terr));
    const char *authors[] = {"Frank Herbert"};
    bs_book_input in = book_input(dune.isbn, "Dune (again)", authors, 1);
    FAILS(BS_ERR_DUPLICATE, bs_book_add(db, &in, NULL, &terr));
    FL_ASSERT_CONTAINS(terr.msg, dune.isbn);
    close_test_db(db);
}

FL_TEST(catalog_validation, blank_title_refused)
{
    sqlite3 *db = open_test_db();
    const char *authors[] = {"A"};
    static const char *titles[] = {"", "   ", "\t\n"};
    for (size_t i = 0; i < 3; i++) {
        bs_book_input in = book_input(new_isbn(), titles[i], authors, 1);
        FAILS(BS_ERR_INVALID, bs_book_add(db, &in, NULL, &terr));
        FL_ASSERT_CONTAINS(terr.msg, "needs a title");
    }
    bs_book_input in = book_input(new_isbn(), NULL, authors, 1);
    FAILS(BS_ERR_INVALID, bs_book_add(db, &in, NULL, &terr));
    close_test_db(db);
}

FL_TEST(catalog_validation, price_range)
{
    sqlite3 *db = open_test_db();
    const char *authors[] = {"A"};
    bs_book_input in = book_input(new_isbn(), "Negative", authors, 1);
    in.price_cents = -1;
    FAILS(BS_ERR_INVALID_PRICE, bs_book_add(db, &in, NULL, &terr));
    in.price_cents = BS_MAX_PRICE_CENTS + 1;
    FAILS(BS_ERR_INVALID_PRICE, bs_book_add(db, &in, NULL, &terr));
    in.price_cents = BS_MAX_PRICE_CENTS;
    OK(bs_book_add(db, &in, NULL, &terr));
    close_test_db(db);
}

FL_TEST(catalog_validation, year_must_be_plausible)
{
    sqlite3 *db = open_test_db();
    const char *authors[] = {"A"};
    static const int bad[] = {1449, -5, 2101, 99999};
    for (size_t i = 0; i < 4; i++) {
        bs_book_input in = book_input(new_isbn(), "When?", authors, 1);
        in.year = bad[i];
        FAILS(BS_ERR_INVALID, bs_book_add(db, &in, NULL, &terr));
        FL_ASSERT_CONTAINS(terr.msg, "not plausible");
    }
    bs_book_input gutenberg = book_input(new_isbn(), "Bible", authors, 1);
    gutenberg.year = 1450;
    OK(bs_book_add(db, &gutenberg, NULL, &terr));
    close_test_db(db);
}

FL_TEST(catalog_validation, genre_must_be_known)
{
    sqlite3 *db = open_test_db();
    const char *authors[] = {"A"};
    bs_book_input in = book_input(new_isbn(), "Horoscopes", authors, 1);
    in.genre = "astrology";
    FAILS(BS_ERR_INVALID, bs_book_add(db, &in, NULL, &terr));
    FL_ASSERT_CONTAINS(terr.msg, "unknown genre \"astrology\"");
    in.genre = NULL;
    FAILS(BS_ERR_INVALID, bs_book_add(db, &in, NULL, &terr));
    close_test_db(db);
}

FL_TEST(catalog_validation, needs_an_author)
{
    sqlite3 *db = open_test_db();
    bs_book_input in = book_input(new_isbn(), "Anonymous Work", NULL, 0);
    FAILS(BS_ERR_INVALID, bs_book_add(db, &in, NULL, &terr));
    FL_ASSERT_CONTAINS(terr.msg, "at least one author");
    const char *blank[] = {"Real Name", " "};
    bs_book_input in2 = book_input(new_isbn(), "Half Credited", blank, 2);
    FAILS(BS_ERR_INVALID, bs_book_add(db, &in2, NULL, &terr));
    FL_ASSERT_CONTAINS(terr.msg, "author 2 has no name");
    close_test_db(db);
}

FL_TEST(catalog_validation, every_error_has_a_distinct_name)
{
    static const int codes[] = {BS_ERR_DB, BS_ERR_INVALID, BS_ERR_INVALID_ISBN,
                                BS_ERR_DUPLICATE, BS_ERR_NOT_FOUND, BS_ERR_UNKNOWN_CUSTOMER,
                                BS_ERR_OUT_OF_STOCK, BS_ERR_INVALID_QUANTITY,
                                BS_ERR_INVALID_PRICE, BS_ERR_INVALID_EMAIL, BS_ERR_DISCONTINUED,
                                BS_ERR_DISCOUNT_UNKNOWN, BS_ERR_DISCOUNT_EXPIRED,
                                BS_ERR_DISCOUNT_MIN_TOTAL, BS_ERR_DISCOUNT_EXHAUSTED,
                                BS_ERR_ORDER_STATE, BS_ERR_EMPTY_ORDER, BS_ERR_PAYMENT_MISMATCH,
                                BS_ERR_IN_USE, BS_ERR_MIGRATION, BS_ERR_IO, BS_ERR_NOMEM};
    size_t n = sizeof codes / sizeof codes[0];
    for (size_t i = 0; i < n; i++) {
        FL_ASSERT_NE_STR(bs_code_name(codes[i]), "unknown");
        for (size_t j = i + 1; j < n; j++)
            FL_ASSERT_NE_STR(bs_code_name(codes[i]), bs_code_name(codes[j]));
    }
    FL_ASSERT_EQ_STR(bs_code_name(BS_OK), "ok");
    FL_ASSERT_EQ_STR(bs_code_name(-999), "unknown");
}

/* ---- prices ------------------------------------------------------------------------------- */

FL_TEST(catalog_prices, set_price_changes_it)
{
    sqlite3 *db = open_test_db();
    int64_t id = fx_book(db, "Dune");
    OK(bs_book_set_price(db, id, 1299, &terr));
    bs_book b;
    OK(bs_book_get(db, id, &b, &terr));
    FL_ASSERT_EQ_INT(b.price_cents, 1299);
    close_test_db(db);
}

FL_TEST(catalog_prices, history_keeps_every_change_in_order)
{
    sqlite3 *db = open_test_db();
    int64_t id = new_book(db, "Volatile", 1000, 0);
    static const int64_t prices[] = {1100, 900, 900, 1500, 0};
    for (size_t i = 0; i < 5; i++)
        OK(bs_book_set_price(db, id, prices[i], &terr));
    FL_ASSERT_EQ_STR(sql_text(db, "SELECT group_concat(new_cents, ',') FROM (SELECT new_cents "
                                  "FROM price_history WHERE book_id = %lld ORDER BY id)",
                              (long long)id),
                     "1100,900,1500,0");
    FL_ASSERT_EQ_STR(sql_text(db, "SELECT group_concat(old_cents, ',') FROM (SELECT old_cents "
                                  "FROM price_history WHERE book_id = %lld ORDER BY id)",
                              (long long)id),
                     "1000,1100,900,1500");
    close_test_db(db);
}

FL_TEST(catalog_prices, invalid_prices_refused)
{
    sqlite3 *db = open_test_db();
    int64_t id = fx_book(db, "Dune");
    FAILS(BS_ERR_INVALID_PRICE, bs_book_set_price(db, id, -100, &terr));
    FAILS(BS_ERR_INVALID_PRICE, bs_book_set_price(db, id, BS_MAX_PRICE_CENTS + 1, &terr));
    FAILS(BS_ERR_NOT_FOUND, bs_book_set_price(db, 99999999, 100, &terr));
    FL_ASSERT_EQ_INT(sql_int(db, "SELECT price_cents FROM books WHERE id = %lld", (long long)id),
                     1150);
    close_test_db(db);
}

FL_TEST(catalog_prices, old_orders_keep_their_prices)
{
    sqlite3 *db = open_test_db();
    int64_t book = new_book(db, "Inflation", 1000, 10);
    int64_t order = new_order(db, new_customer(db, "DE"), book, 2, NULL, NULL);
    OK(bs_book_set_price(db, book, 5000, &terr));
    FL_ASSERT_EQ_INT(sql_int(db, "SELECT unit_price_cents FROM order_lines WHERE order_id = %lld",
                             (long long)order),
                     1000);
    bs_order o;
    OK(bs_order_get(db, order, &o, &terr));
    FL_ASSERT_EQ_INT(o.subtotal_cents, 2000);
    close_test_db(db);
}

/* ---- a book's life ----------------------------------------------------------------------------- */

FL_TEST(catalog_lifecycle, discontinue_marks_the_book)
{
    sqlite3 *db = open_test_db();
    int64_t id = fx_book(db, "Small Gods");
    OK(bs_book_discontinue(db, id, &terr));
    bs_book b;
    OK(bs_book_get(db, id, &b, &terr));
    FL_ASSERT_EQ_INT(b.discontinued, 1);
    FAILS(BS_ERR_NOT_FOUND, bs_book_discontinue(db, 99999999, &terr));
    close_test_db(db);
}

FL_TEST(catalog_lifecycle, discontinued_book_cannot_be_ordered)
{
    sqlite3 *db = open_test_db();
    int64_t cart = 0;
    OK(bs_order_create(db, fx_customer(db, "alice@example.com"), &cart, &terr));
    FAILS(BS_ERR_DISCONTINUED,
          bs_order_add_line(db, cart, fx_book(db, "Out of Print Classic"), 1, &terr));
    FL_ASSERT_CONTAINS(terr.msg, "Out of Print Classic");
    close_test_db(db);
}

FL_TEST(catalog_lifecycle, unused_book_can_be_deleted)
{
    sqlite3 *db = open_test_db();
    int64_t id = new_book(db, "Typo Title", 100, 0);
    OK(bs_book_delete(db, id, &terr));
    bs_book b;
    FAILS(BS_ERR_NOT_FOUND, bs_book_get(db, id, &b, &terr));
    FAILS(BS_ERR_NOT_FOUND, bs_book_delete(db, id, &terr));
    close_test_db(db);
}

FL_TEST(catalog_lifecycle, stocked_book_cannot_be_deleted)
{
    sqlite3 *db = open_test_db();
    int64_t id = new_book(db, "Stocked", 100, 1);
    FAILS(BS_ERR_IN_USE, bs_book_delete(db, id, &terr));
    FL_ASSERT_CONTAINS(terr.msg, "discontinue it instead");
    bs_book b;
    OK(bs_book_get(db, id, &b, &terr));
    FL_ASSERT_EQ_INT(b.on_hand, 1);
    close_test_db(db);
}

FL_TEST(catalog_lifecycle, ordered_book_cannot_be_deleted)
{
    sqlite3 *db = open_test_db();
    int64_t id = new_book(db, "Only In A Cart", 100, 0); /* no stock movement */
    int64_t cart = 0;
    OK(bs_order_create(db, fx_customer(db, "bob@example.com"), &cart, &terr));
    OK(bs_order_add_line(db, cart, id, 1, &terr));
    FAILS(BS_ERR_IN_USE, bs_book_delete(db, id, &terr));
    close_test_db(db);
}

FL_TEST(catalog_lifecycle, discontinued_book_still_in_old_orders)
{
    sqlite3 *db = open_test_db();
    int64_t book = new_book(db, "Short Run", 800, 5);
    int64_t order = new_order(db, new_customer(db, "FR"), book, 1, NULL, NULL);
    OK(bs_book_discontinue(db, book, &terr));
    bs_order o;
    OK(bs_order_get(db, order, &o, &terr));
    FL_ASSERT_EQ_INT(o.n_lines, 1);
    FL_ASSERT_EQ_STR(o.status, "placed");
    OK(bs_order_pay(db, order, o.total_cents, &terr));
    close_test_db(db);
}
