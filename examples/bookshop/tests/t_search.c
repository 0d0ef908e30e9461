/*
 * t_search.c — finding books (src/search.c): the LIKE search with its escaping, and the
 * FTS5 search of migration 007 — words, prefixes, ranking, diacritics, hostile input, and
 * the triggers that keep the index in step with books and authors.
 */
#include "common.h"

#include <stdlib.h>
#include <string.h>

/* Runs a search and returns the titles joined by " | " (static buffer). */
static const char *titles(sqlite3 *db, int fts, const char *query, size_t limit)
{
    static char out[8192];
    bs_hit *hits = NULL;
    size_t n = 0;
    if (fts)
        OK(bs_search(db, query, limit, &hits, &n, &terr));
    else
        OK(bs_search_like(db, query, limit, &hits, &n, &terr));
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (i)
            strncat(out, " | ", sizeof out - strlen(out) - 1);
        strncat(out, hits[i].title, sizeof out - strlen(out) - 1);
    }
    free(hits);
    return out;
}

static size_t count_hits(sqlite3 *db, int fts, const char *query)
{
    bs_hit *hits = NULL;
    size_t n = 0;
    if (fts)
        OK(bs_search(db, query, 0, &hits, &n, &terr));
    else
        OK(bs_search_like(db, query, 0, &hits, &n, &terr));
    free(hits);
    return n;
}

/* ---- LIKE --------------------------------------------------------------------------------- */

FL_TEST(search_like, title_substring_sorted_by_title)
{
    sqlite3 *db = open_test_db();
    FL_ASSERT_EQ_STR(titles(db, 0, "gods", 0), "American Gods | Small Gods");
    close_test_db(db);
}

FL_TEST(search_like, ignores_case)
{
    sqlite3 *db = open_test_db();
    FL_ASSERT_EQ_STR(titles(db, 0, "DUNE", 0), "Dune");
    FL_ASSERT_EQ_STR(titles(db, 0, "dUnE", 0), "Dune");
    close_test_db(db);
}

FL_TEST(search_like, matches_author_names)
{
    sqlite3 *db = open_test_db();
    FL_ASSERT_EQ_STR(titles(db, 0, "gaiman", 0), "American Gods | Good Omens");
    FL_ASSERT_EQ_STR(titles(db, 0, "ritchie", 0), "The C Programming Language");
    close_test_db(db);
}

FL_TEST(search_like, wildcards_match_literally)
{
    sqlite3 *db = open_test_db();
    new_book(db, "100% Pure_Fun", 100, 0);
    new_book(db, "1000 Pure Fun", 100, 0);
    FL_ASSERT_EQ_STR(titles(db, 0, "0%", 0), "100% Pure_Fun");
    FL_ASSERT_EQ_STR(titles(db, 0, "e_F", 0), "100% Pure_Fun");
    FL_ASSERT_EQ_INT(count_hits(db, 0, "_"),
                     sql_int(db, "SELECT count(*) FROM v_catalog WHERE instr(title, '_') OR "
                                 "instr(authors, '_')"));
    close_test_db(db);
}

FL_TEST(search_like, backslash_is_not_an_escape)
{
    sqlite3 *db = open_test_db();
    new_book(db, "Paths C:\\Windows", 100, 0);
    FL_ASSERT_EQ_STR(titles(db, 0, ":\\W", 0), "Paths C:\\Windows");
    close_test_db(db);
}

FL_TEST(search_like, limit_and_no_match)
{
    sqlite3 *db = open_test_db();
    bs_hit *hits = NULL;
    size_t n = 0;
    OK(bs_search_like(db, "the", 5, &hits, &n, &terr));
    FL_ASSERT_EQ_INT(n, 5);
    free(hits);
    OK(bs_search_like(db, "zzzqqq", 5, &hits, &n, &terr));
    FL_ASSERT_EQ_INT(n, 0);
    FL_ASSERT_NULL(hits);
    close_test_db(db);
}

FL_TEST(search_like, blank_search_refused)
{
    sqlite3 *db = open_test_db();
    bs_hit *hits = NULL;
    size_t n = 0;
    FAILS(BS_ERR_INVALID, bs_search_like(db, "", 5, &hits, &n, &terr));
    FAILS(BS_ERR_INVALID, bs_search_like(db, "  \t", 5, &hits, &n, &terr));
    FAILS(BS_ERR_INVALID, bs_search(db, " ", 5, &hits, &n, &terr));
    close_test_db(db);
}

FL_TEST(search_like, hits_carry_authors)
{
    sqlite3 *db = open_test_db();
    bs_hit *hits = NULL;
    size_t n = 0;
    OK(bs_search_like(db, "omens", 0, &hits, &n, &terr));
    FL_ASSERT_EQ_INT(n, 1);
    FL_ASSERT_EQ_STR(hits[0].authors, "Terry Pratchett, Neil Gaiman");
    FL_ASSERT_EQ_INT(hits[0].book_id, fx_book(db, "Good Omens"));
    free(hits);
    close_test_db(db);
}

/* ---- full text ---------------------------------------------------------------------------------- */

static int fts_available;

/* Once per batch: does this clone have the FTS5 index?  (A skip in a group set-up would
 * be an error for every test; each test skips on its own instead.) */
FL_GROUP_SETUP(search_fts)
{
    sqlite3 *db = open_test_db();
    fts_available = bs_has_fts(db);
    close_test_db(db);
}

static sqlite3 *open_fts_db(void)
{
    if (!fts_available)
        FL_SKIP("this database has no FTS5 index (SQLite without FTS5)");
    return open_test_db();
}

FL_TEST(search_fts, word_in_title)
{
    sqlite3 *db = open_fts_db();
    FL_ASSERT_EQ_STR(titles(db, 1, "dune", 0), "Dune");
    close_test_db(db);
}

FL_TEST(search_fts, author_names_are_indexed)
{
    sqlite3 *db = open_fts_db();
    FL_ASSERT_EQ_INT(count_hits(db, 1, "pratchett"), 2);
    FL_ASSERT_EQ_STR(titles(db, 1, "kernighan", 0), "The C Programming Language");
    close_test_db(db);
}

FL_TEST(search_fts, every_word_must_match)
{
    sqlite3 *db = open_fts_db();
    FL_ASSERT_EQ_STR(titles(db, 1, "pratchett gaiman", 0), "Good Omens");
    FL_ASSERT_EQ_INT(count_hits(db, 1, "pratchett herbert"), 0);
    close_test_db(db);
}

FL_TEST(search_fts, trailing_star_is_a_prefix)
{
    sqlite3 *db = open_fts_db();
    FL_ASSERT_EQ_STR(titles(db, 1, "caterp*", 0), "The Very Hungry Caterpillar");
    FL_ASSERT_EQ_INT(count_hits(db, 1, "caterp"), 0);
    close_test_db(db);
}

FL_TEST(search_fts, descriptions_are_indexed)
{
    sqlite3 *db = open_fts_db();
    FL_ASSERT_EQ_STR(titles(db, 1, "sandworms", 0), "Dune");
    FL_ASSERT_EQ_STR(titles(db, 1, "abbey monk", 0), "The Name of the Rose");
    close_test_db(db);
}

FL_TEST(search_fts, title_match_ranks_first)
{
    sqlite3 *db = open_fts_db();
    new_book(db, "Arrakis: A Travel Guide", 900, 0);
    FL_ASSERT_EQ_STR(titles(db, 1, "arrakis", 0), "Arrakis: A Travel Guide | Dune");
    close_test_db(db);
}

FL_TEST(search_fts, diacritics_are_ignored)
{
    sqlite3 *db = open_fts_db();
    FL_ASSERT_EQ_STR(titles(db, 1, "godel", 0), "Gödel, Escher, Bach");
    FL_ASSERT_EQ_STR(titles(db, 1, "GÖDEL", 0), "Gödel, Escher, Bach");
    close_test_db(db);
}

FL_TEST(search_fts, query_syntax_is_not_exposed)
{
    static const char *hostile[] = {"\"unbalanced", "title:dune", "dune)", "(dune",
                                    "NEAR(dune", "dune -arrakis", "dune AND", "^dune",
                                    "d\"u\"ne", "{title}: dune"};
    sqlite3 *db = open_fts_db();
    for (size_t i = 0; i < sizeof hostile / sizeof hostile[0]; i++) {
        bs_hit *hits = NULL;
        size_t n = 0;
        bs_error_clear(&terr);
        int rc = bs_search(db, hostile[i], 10, &hits, &n, &terr);
        free(hits);
        if (rc != BS_OK)
            FL_FAIL("query %s: %s (%s)", hostile[i], bs_code_name(rc), terr.msg);
    }
    close_test_db(db);
}

FL_TEST(search_fts, operator_words_are_just_words)
{
    sqlite3 *db = open_fts_db();
    /* "and" is an ordinary word here: it is in titles and descriptions. */
    FL_ASSERT_EQ_INT(count_hits(db, 1, "AND"), count_hits(db, 1, "and"));
    FL_ASSERT_GT_INT(count_hits(db, 1, "and"), 0);
    FL_ASSERT_EQ_INT(count_hits(db, 1, "OR"), 0);
    close_test_db(db);
}

FL_TEST(search_fts, only_stars_is_nothing_to_search)
{
    sqlite3 *db = open_fts_db();
    bs_hit *hits = NULL;
    size_t n = 0;
    FAILS(BS_ERR_INVALID, bs_search(db, "* **", 10, &hits, &n, &terr));
    FL_ASSERT_CONTAINS(terr.msg, "nothing to search for");
    close_test_db(db);
}

FL_TEST(search_fts, new_book_is_found_at_once)
{
    sqlite3 *db = open_fts_db();
    const char *authors[] = {"Octavia Butler"};
    bs_book_input in = {.isbn = new_isbn(), .title = "Kindred", .genre = "scifi",
                        .price_cents = 1400, .authors = authors, .n_authors = 1,
                        .description = "A writer is pulled back in time."};
    OK(bs_book_add(db, &in, NULL, &terr));
    FL_ASSERT_EQ_STR(titles(db, 1, "octavia", 0), "Kindred");
    FL_ASSERT_EQ_STR(titles(db, 1, "pulled time", 0), "Kindred");
    close_test_db(db);
}

FL_TEST(search_fts, renamed_author_is_found_by_the_new_name)
{
    sqlite3 *db = open_fts_db();
    int64_t id = 0;
    OK(bs_author_find(db, "Frank Herbert", &id, &terr));
    OK(bs_author_rename(db, id, "Franklin Patrick Herbert", &terr));
    FL_ASSERT_EQ_INT(count_hits(db, 1, "franklin"), 2);
    FL_ASSERT_CONTAINS(titles(db, 1, "franklin patrick", 0), "Dune");
    FL_ASSERT_CONTAINS(titles(db, 1, "franklin patrick", 0), "Empty Shelf");
    FL_ASSERT_EQ_INT(count_hits(db, 1, "frank"), 0);
    close_test_db(db);
}

FL_TEST(search_fts, retitled_book_is_found_by_the_new_title)
{
    sqlite3 *db = open_fts_db();
    sql_exec(db, "UPDATE books SET title = 'Dune Messiah' WHERE title = 'Dune'");
    FL_ASSERT_EQ_STR(titles(db, 1, "messiah", 0), "Dune Messiah");
    close_test_db(db);
}

FL_TEST(search_fts, deleted_book_disappears)
{
    sqlite3 *db = open_fts_db();
    int64_t id = new_book(db, "Ephemeral Pamphlet", 100, 0);
    FL_ASSERT_EQ_INT(count_hits(db, 1, "ephemeral"), 1);
    OK(bs_book_delete(db, id, &terr));
    FL_ASSERT_EQ_INT(count_hits(db, 1, "ephemeral"), 0);
    close_test_db(db);
}

FL_TEST(search_fts, index_matches_the_catalog)
{
    sqlite3 *db = open_fts_db();
    FL_ASSERT_EQ_INT(sql_int(db, "SELECT count(*) FROM books_fts"),
                     sql_int(db, "SELECT count(*) FROM books"));
    FL_ASSERT_EQ_INT(sql_int(db, "SELECT count(*) FROM books b JOIN books_fts f ON f.rowid = b.id "
                                 "WHERE f.title <> b.title"),
                     0);
    close_test_db(db);
}

FL_TEST(search_fts, limit_is_respected)
{
    sqlite3 *db = open_fts_db();
    bs_hit *hits = NULL;
    size_t n = 0;
    OK(bs_search(db, "generated", 7, &hits, &n, &terr));
    FL_ASSERT_EQ_INT(n, 7);
    free(hits);
    FL_ASSERT_EQ_INT(count_hits(db, 1, "generated"), 200);
    close_test_db(db);
}
