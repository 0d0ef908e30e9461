/*
 * fixtures.c — the data the template database is seeded with, once per run:
 *  - named fixtures the tests refer to by title or e-mail (a small, hand-picked catalog
 *    with co-authored books, a discontinued one, one out of stock; customers in countries
 *    with different shipping rules);
 *  - a generated, deterministic history (xorshift PRNG with a fixed seed): 200 books,
 *    500 customers and 7,000 orders placed through the application's own API over 2023
 *    and 2024, some paid, shipped or cancelled — the data the report tests read.
 * Named books use real-looking 978-0/978-3 ISBNs, generated ones 978-1-9...; the tests' own
 * books use 979-8 (common.c), so they never collide.
 */
#include "common.h"

#include <stdio.h>
#include <string.h>

typedef struct named_book {
    const char *isbn12; /* first 12 digits: the check digit is computed */
    const char *title;
    const char *authors[3];
    const char *genre;
    int year;
    int64_t price_cents;
    int stock;
    const char *description;
} named_book;

static const named_book named_books[] = {
    {"978006085398", "Good Omens", {"Terry Pratchett", "Neil Gaiman"}, "fantasy", 1990, 1099, 40,
     "The nice and accurate prophecies of Agnes Nutter, witch."},
    {"978055213890", "Small Gods", {"Terry Pratchett"}, "fantasy", 1992, 999, 25,
     "A tortoise, a novice and the god Om."},
    {"978038078903", "American Gods", {"Neil Gaiman"}, "fantasy", 2001, 1299, 30,
     "Old gods and new ones fight over America."},
    {"978044101359", "Dune", {"Frank Herbert"}, "scifi", 1965, 1150, 60,
     "Spice, sandworms and the desert planet Arrakis."},
    {"978015600131", "The Name of the Rose", {"Umberto Eco"}, "crime", 1980, 1400, 15,
     "Murder in a medieval abbey; a monk investigates."},
    {"978046502656", "Gödel, Escher, Bach", {"Douglas Hofstadter"}, "science", 1979, 2490, 8,
     "An eternal golden braid of logic, art and music."},
    {"978013110362", "The C Programming Language", {"Brian Kernighan", "Dennis Ritchie"},
     "computing", 1978, 4500, 12, "The classic introduction to C by its authors."},
    {"978026251087", "Structure and Interpretation of Computer Programs",
     {"Harold Abelson", "Gerald Jay Sussman"}, "computing", 1985, 5500, 5,
     "Programs as processes, with Scheme."},
    {"978147675383", "Salt Fat Acid Heat", {"Samin Nosrat"}, "cooking", 2017, 2995, 20,
     "Mastering the elements of good cooking."},
    {"978039922690", "The Very Hungry Caterpillar", {"Eric Carle"}, "children", 1969, 799, 100,
     "A caterpillar eats its way through a week."},
    {"978300000001", "Out of Print Classic", {"Anonymous"}, "poetry", 1901, 500, 0,
     "Verses nobody reprints."},
    {"978300000002", "Rare Edition", {"Umberto Eco"}, "history", 1990, 99900, 1,
     "A signed first edition."},
    {"978300000003", "Empty Shelf", {"Frank Herbert"}, "scifi", 1970, 1500, 0,
     "Sold out everywhere."},
};

typedef struct named_customer {
    const char *name, *email, *country;
} named_customer;

static const named_customer named_customers[] = {
    {"Alice Archer", "alice@example.com", "DE"},   {"Bob Baker", "bob@example.com", "US"},
    {"Chloé Dubois", "chloe@example.fr", "FR"},    {"Dan Keller", "dan@example.ch", "CH"},
    {"Eve Tanaka", "eve@example.jp", "JP"},        {"Frank Huber", "frank@example.at", "AT"},
    {"Grace Hopper", "grace@example.co.uk", "GB"},
};

/* ---- deterministic generator -------------------------------------------------------- */

static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;

static uint64_t next_random(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static int random_below(int n)
{
    return (int)(next_random() % (uint64_t)n);
}

static const char *first_names[] = {"Ada",   "Ben",   "Cora", "Dmitri", "Elena", "Farid",
                                    "Greta", "Hugo",  "Ines", "Jonas",  "Kai",   "Lena",
                                    "Mara",  "Nils",  "Olga", "Pavel",  "Quinn", "Rosa",
                                    "Sven",  "Tereza"};
static const char *last_names[] = {"Adler", "Berg",   "Costa", "Dahl",  "Engel", "Fischer",
                                   "Gruber", "Hansen", "Ivanova", "Jung", "Krause", "Lindqvist",
                                   "Moreau", "Novak",  "Olsen", "Petrov"};
static const char *adjectives[] = {"Silent", "Crimson", "Hidden", "Last",  "Frozen", "Golden",
                                   "Broken", "Distant", "Secret", "Wild",  "Quiet",  "Iron"};
static const char *nouns[] = {"River", "Garden", "Empire", "Winter", "Harbour", "Forest",
                              "Letter", "Machine", "Island", "Kingdom", "Orchard", "Signal",
                              "Lantern", "Bridge", "Voyage", "Archive", "Mountain"};
static const char *genres[] = {"fiction", "crime", "scifi",   "fantasy",  "history",
                               "science", "computing", "cooking", "children", "poetry"};
static const char *countries[] = {"DE", "DE", "DE", "DE", "AT", "AT", "FR", "NL",
                                  "CH", "GB", "US", "IT", "ES", "SE", "JP"};

enum { GEN_AUTHORS = 60, GEN_BOOKS = 200, GEN_CUSTOMERS = 500, GEN_ORDERS = 7000 };

#define CHECK(expr)                                                                        \
    do {                                                                                   \
        bs_error_clear(&terr);                                                             \
        int check_rc_ = (expr);                                                            \
        if (check_rc_ != BS_OK)                                                            \
            FL_FAIL("seeding fixtures: %s: %s: %s", #expr, bs_code_name(check_rc_),        \
                    terr.msg);                                                             \
    } while (0)

static void seed_named(sqlite3 *db)
{
    for (size_t i = 0; i < sizeof named_books / sizeof named_books[0]; i++) {
        const named_book *b = &named_books[i];
        char isbn[14];
        snprintf(isbn, sizeof isbn, "%s", b->isbn12);
        isbn[12] = bs_isbn13_check_digit(isbn);
        isbn[13] = '\0';
        size_t n_authors = 0;
        while (n_authors < 3 && b->authors[n_authors])
            n_authors++;
        bs_book_input in = {.isbn = isbn, .title = b->title, .description = b->description,
                            .genre = b->genre, .year = b->year, .price_cents = b->price_cents,
                            .authors = b->authors, .n_authors = n_authors};
        int64_t id = 0;
        CHECK(bs_book_add(db, &in, &id, &terr));
        if (b->stock > 0)
            CHECK(bs_stock_receive(db, id, b->stock, &terr));
        if (strcmp(b->title, "Out of Print Classic") == 0)
            CHECK(bs_book_discontinue(db, id, &terr));
    }
    for (size_t i = 0; i < sizeof named_customers / sizeof named_customers[0]; i++) {
        const named_customer *c = &named_customers[i];
        CHECK(bs_customer_add(db, c->name, c->email, c->country, NULL, &terr));
    }
}

static void seed_catalog(sqlite3 *db, int64_t *book_ids)
{
    for (int i = 0; i < GEN_BOOKS; i++) {
        char isbn[14], title[128], a1[64], a2[64];
        snprintf(isbn, sizeof isbn, "9781900%05d", i);
        isbn[12] = bs_isbn13_check_digit(isbn);
        isbn[13] = '\0';
        snprintf(title, sizeof title, "The %s %s, volume %d", adjectives[i % 12], nouns[i % 17],
                 i / 17 + 1);
        int author = random_below(GEN_AUTHORS), other = (author + 1 + random_below(5)) % GEN_AUTHORS;
        snprintf(a1, sizeof a1, "%s %s", first_names[author % 20], last_names[author / 20 * 5 % 16]);
        snprintf(a2, sizeof a2, "%s %s", first_names[other % 20], last_names[other / 20 * 5 % 16]);
        const char *authors[] = {a1, a2};
        bs_book_input in = {.isbn = isbn, .title = title, .genre = genres[i % 10],
                            .year = 1950 + random_below(75),
                            .price_cents = 499 + 50 * random_below(90),
                            .description = "A generated book of the fixture catalog.",
                            .authors = authors,
                            .n_authors = strcmp(a1, a2) != 0 && random_below(4) == 0 ? 2 : 1};
        CHECK(bs_book_add(db, &in, &book_ids[i], &terr));
        CHECK(bs_stock_receive(db, book_ids[i], 200, &terr));
    }
}

static void seed_customers(sqlite3 *db, int64_t *customer_ids)
{
    for (int i = 0; i < GEN_CUSTOMERS; i++) {
        char name[96], email[96];
        snprintf(name, sizeof name, "%s %s", first_names[i % 20], last_names[i / 20 % 16]);
        snprintf(email, sizeof email, "customer%03d@shop.example", i);
        CHECK(bs_customer_add(db, name, email, countries[random_below(15)], &customer_ids[i],
                              &terr));
    }
}

/* Orders spread evenly over 2023-01-01 .. 2024-12-31; popular books are drawn more often
 * (the square of a uniform pick favours low indexes), so best sellers are meaningful. */
static void seed_history(sqlite3 *db, const int64_t *book_ids, const int64_t *customer_ids)
{
    static const char *codes[] = {NULL, NULL, NULL, NULL, NULL, NULL, "WELCOME10", "FIVEOFF",
                                  "BIGSPENDER", "SUMMER23"};
    for (int i = 0; i < GEN_ORDERS; i++) {
        int day = i * 731 / GEN_ORDERS;
        char when[32];
        sqlite3_stmt *st = NULL;
        sqlite3_prepare_v2(db, "SELECT datetime('2023-01-01', ? || ' days', ? || ' seconds')", -1,
                           &st, NULL);
        sqlite3_bind_int(st, 1, day);
        sqlite3_bind_int(st, 2, 8 * 3600 + random_below(12 * 3600));
        sqlite3_step(st);
        snprintf(when, sizeof when, "%s", (const char *)sqlite3_column_text(st, 0));
        sqlite3_finalize(st);

        bs_line lines[4];
        int n = 1 + random_below(4);
        for (int l = 0; l < n; l++) {
            int pick = random_below(GEN_BOOKS);
            lines[l].book_id = book_ids[pick * pick / GEN_BOOKS];
            lines[l].qty = 1 + (random_below(10) == 0 ? random_below(12) : random_below(2));
            int64_t on_hand = 0;
            CHECK(bs_stock_on_hand(db, lines[l].book_id, &on_hand, &terr));
            if (on_hand < 40)
                CHECK(bs_stock_receive(db, lines[l].book_id, 200, &terr));
        }
        const char *code = codes[random_below(10)];
        int64_t order_id = 0;
        bs_error_clear(&terr);
        int rc = bs_order_quick(db, customer_ids[random_below(GEN_CUSTOMERS)], lines, (size_t)n,
                                code, when, &order_id, &terr);
        if (rc != BS_OK && code) /* the code did not apply (minimum, season): order without */
            rc = bs_order_quick(db, customer_ids[random_below(GEN_CUSTOMERS)], lines, (size_t)n,
                                NULL, when, &order_id, &terr);
        if (rc != BS_OK)
            FL_FAIL("seeding order %d: %s: %s", i, bs_code_name(rc), terr.msg);
        int fate = random_below(20);
        bs_order o;
        CHECK(bs_order_get(db, order_id, &o, &terr));
        if (fate == 0) {
            CHECK(bs_order_cancel(db, order_id, &terr));
        } else if (fate >= 3) {
            CHECK(bs_order_pay(db, order_id, o.total_cents, &terr));
            if (fate >= 6)
                CHECK(bs_order_ship(db, order_id, &terr));
        }
    }
}

void fixtures_seed(sqlite3 *db)
{
    static int64_t book_ids[GEN_BOOKS], customer_ids[GEN_CUSTOMERS];
    rng_state = 0x9E3779B97F4A7C15ULL;
    seed_named(db);
    seed_catalog(db, book_ids);
    seed_customers(db, customer_ids);
    seed_history(db, book_ids, customer_ids);
}
