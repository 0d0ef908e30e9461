/*
 * units_test.c — the database layer's small parts: SHA-256 against the FIPS 180-4 test
 * vectors, the naming scheme of clones (and its shortening for long names), SQLite URL
 * forms, the engine list.
 */
#include <forkless/forkless.h>
#include <forkless/test.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/util.h"
#include "db/engine.h"
#include "db/sha256.h"

static void sha(const void *data, size_t n, size_t repeat, char out[65])
{
    fl_sha256 h;
    fl_sha256_init(&h);
    for (size_t i = 0; i < repeat; i++)
        fl_sha256_update(&h, data, n);
    fl_sha256_hex(&h, out);
}

FL_TEST(db_units, sha256_test_vectors)
{
    char hex[65];
    sha("", 0, 1, hex);
    FL_ASSERT_EQ_STR(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    sha("abc", 3, 1, hex);
    FL_ASSERT_EQ_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *two_blocks = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    sha(two_blocks, strlen(two_blocks), 1, hex);
    FL_ASSERT_EQ_STR(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    sha("a", 1, 1000000, hex);
    FL_ASSERT_EQ_STR(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    /* 55, 56 and 64 bytes: the padding edge cases. */
    char buf[64];
    memset(buf, 'x', sizeof buf);
    sha(buf, 55, 1, hex);
    FL_ASSERT_EQ_INT(strlen(hex), 64);
    char again[65];
    fl_sha256 h;
    fl_sha256_init(&h);
    fl_sha256_update(&h, buf, 20);
    fl_sha256_update(&h, buf, 35);
    fl_sha256_hex(&h, again);
    FL_ASSERT_EQ_STR(again, hex);
}

FL_TEST(db_units, names_round_trip_and_stay_short)
{
    char name[300], run[FL_DB_RUN_ID_MAX + 1], slot[FL_DB_SLOT_MAX + 1];
    const char *tail;
    static const char *const tails[] = {"-wal", NULL};
    fl_error err = {0};
    FL_ASSERT_EQ_INT(fl_db_name_make(name, sizeof name, 255, "app", ".fl-", '-', "k3x9", "12",
                                     ".db", &err), FL_OK);
    FL_ASSERT_EQ_STR(name, "app.fl-k3x9-12.db");
    FL_ASSERT(fl_db_name_match("app.fl-k3x9-12.db-wal", 255, "app", ".fl-", '-', ".db", tails,
                               run, slot, &tail));
    FL_ASSERT_EQ_STR(run, "k3x9");
    FL_ASSERT_EQ_STR(slot, "12");
    FL_ASSERT_EQ_STR(tail, "-wal");
    FL_ASSERT(!fl_db_name_match("app.fl-k3x9-12.db-shm", 255, "app", ".fl-", '-', ".db", tails,
                                run, slot, &tail));
    FL_ASSERT(!fl_db_name_match("app.fl-K3X9-12.db", 255, "app", ".fl-", '-', ".db", tails, run,
                                slot, &tail));
    /* PostgreSQL-style: 63 bytes at most, however long the template's name. */
    const char *long_stem = "a_really_long_template_database_name_that_goes_on_and_on_forever";
    FL_ASSERT_EQ_INT(fl_db_name_make(name, sizeof name, 63, long_stem, "_fl_", '_',
                                     "abcdefghijklmnop", "image", "", &err), FL_OK);
    FL_ASSERT_LE_INT(strlen(name), 63);
    FL_ASSERT(fl_db_name_match(name, 63, long_stem, "_fl_", '_', "", NULL, run, slot, &tail));
    FL_ASSERT_EQ_STR(run, "abcdefghijklmnop");
    FL_ASSERT_EQ_STR(slot, "image");
    char other[300];
    FL_ASSERT_EQ_INT(fl_db_name_make(other, sizeof other, 63,
                                     "a_really_long_template_database_name_that_goes_on_and_on_forevex",
                                     "_fl_", '_', "abcdefghijklmnop", "image", "", &err), FL_OK);
    FL_ASSERT_NE_STR(name, other);
    FL_ASSERT_EQ_INT(fl_db_name_make(name, sizeof name, 63, "app", "_fl_", '_', "Bad-Id", "1", "",
                                     &err), FL_ERR_USAGE);
}

FL_TEST(db_units, sqlite_url_forms)
{
    char cwd[1024];
    FL_ASSERT_NOT_NULL(getcwd(cwd, sizeof cwd));
    static const struct {
        const char *url, *rel_or_abs; /* "=" prefix: absolute name; else relative to cwd */
    } cases[] = {
        {"sqlite:///abs/path.db", "=/abs/path.db"},
        {"SQLite:///abs/./x/../path.db", "=/abs/path.db"},
        {"sqlite://localhost/abs/p.db", "=/abs/p.db"},
        {"sqlite:/abs/p.db", "=/abs/p.db"},
        {"sqlite:rel/p.db", "rel/p.db"},
        {"sqlite:p.db", "p.db"},
        {"sqlite:///abs/my%20db%3F.db", "=/abs/my db?.db"},
        {"sqlite+memory:///abs/t.fl-a-image.db", "=/abs/t.fl-a-image.db"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        fl_db_target *t;
        fl_error err = {0};
        if (fl_db_parse_target(cases[i].url, &t, &err) != FL_OK)
            FL_FAIL("%s: %s", cases[i].url, err.msg);
        char *want = cases[i].rel_or_abs[0] == '='
                         ? fl_xstrdup(cases[i].rel_or_abs + 1)
                         : fl_xasprintf("%s/%s", cwd, cases[i].rel_or_abs);
        FL_ASSERT_EQ_STR(t->name, want);
        FL_ASSERT_EQ_STR(t->engine->name, "sqlite");
        free(want);
        t->engine->free_target(t);
    }
    fl_db_target *t;
    fl_error err = {0};
    FL_ASSERT_EQ_INT(fl_db_parse_target("sqlite:///abs/my db?.db", &t, &err), FL_ERR_USAGE);
    FL_ASSERT_EQ_INT(fl_db_parse_target("sqlite:///abs/my%20db%3F.db", &t, &err), FL_OK);
    FL_ASSERT_EQ_STR(t->url, "sqlite:///abs/my%20db%3F.db");
    t->engine->free_target(t);
    FL_ASSERT_EQ_STR(fl_db_engines()[0], "sqlite");
}
