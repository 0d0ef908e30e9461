/*
 * forkless/test.h — the C test API.  A test binary written with it is its own parallel
 * runner: `./tests -j 4` re-executes the binary as spawned workers that speak protocol v1
 * (one code path: the same coordinator as `forkless run`), `./tests --list` lists.
 *
 *   #include <forkless/test.h>
 *
 *   FL_GROUP_SETUP(accounts) { ... }            // once per group, inside the worker
 *   FL_TEST(accounts, opens_with_zero_balance) {
 *       FL_ASSERT_EQ_INT(balance_of(1), 0);     // prints both values and file:line
 *   }
 *   FL_TEST_MAIN()
 *
 * Tests register themselves (a constructor per test), so they may live in any number of
 * .c files linked into one binary.  A test's id is "group.name"; tests of one group run in
 * one worker, in the order they are defined.  A failing assertion ends the test (longjmp);
 * so does FL_SKIP.  FL_DB_SETUP defines the function that fills the template databases
 * once per run (migrations), before clones are made for the workers.
 */
#ifndef FORKLESS_TEST_H
#define FORKLESS_TEST_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef void (*fl_test_fn)(void);

enum { FL_TEST_EXPECT_FAIL = 1 };

typedef struct fl_test_def {
    const char *group;
    const char *name;
    const char *file;
    int line;
    fl_test_fn fn;
    int flags;                  /* FL_TEST_EXPECT_FAIL */
    struct fl_test_def *next;   /* registry link, set by fl_test_register */
} fl_test_def;

typedef enum fl_hook_kind { FL_HOOK_GROUP_SETUP, FL_HOOK_GROUP_TEARDOWN, FL_HOOK_DB_SETUP } fl_hook_kind;

typedef struct fl_hook_def {
    fl_hook_kind kind;
    const char *group;          /* NULL for FL_HOOK_DB_SETUP */
    fl_test_fn fn;
    struct fl_hook_def *next;
} fl_hook_def;

void fl_test_register(fl_test_def *def);
void fl_hook_register(fl_hook_def *def);

/* Entry point: runner, worker (--forkless-worker) or template set-up (--forkless-setup).
 * Call it as fl_test_main(argc, argv) (a macro, see below). */
int fl__test_main(int argc, char **argv);

#if defined(__GNUC__) || defined(__clang__)
#define FL__CONSTRUCTOR __attribute__((constructor))
#define FL__NORETURN __attribute__((noreturn))
#define FL__PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#error "forkless/test.h needs GCC or Clang (constructor functions for registration)"
#endif

#if defined(__ELF__)
/* On ELF systems each test's definition is placed in the "fl_tests" section, which the
 * linker gathers into one array between __start_fl_tests and __stop_fl_tests: nothing runs
 * and no page is touched per test before a worker needs the list, so a binary with
 * 100,000 tests stays small as its own coordinator.  Elsewhere (PE/COFF) a constructor per
 * test registers it. */
#define FL__TEST(group, name, flags)                                                        \
    static void fl__test_##group##__##name(void);                                          \
    static fl_test_def fl__def_##group##__##name                                            \
        __attribute__((used, section("fl_tests"), aligned(sizeof(void *)))) = {            \
            #group, #name, __FILE__, __LINE__, fl__test_##group##__##name, flags, 0};      \
    static void fl__test_##group##__##name(void)
extern fl_test_def __start_fl_tests[] __attribute__((weak, visibility("hidden")));
extern fl_test_def __stop_fl_tests[] __attribute__((weak, visibility("hidden")));
void fl_test_register_array(fl_test_def *begin, fl_test_def *end);
/* Every call of fl_test_main (FL_TEST_MAIN or a main of one's own) first hands the
 * library this executable's section of tests. */
#define fl_test_main(argc, argv)                                                            \
    (fl_test_register_array(__start_fl_tests, __stop_fl_tests), fl__test_main(argc, argv))
#else
#define FL__TEST(group, name, flags)                                                        \
    static void fl__test_##group##__##name(void);                                          \
    static fl_test_def fl__def_##group##__##name = {#group, #name, __FILE__, __LINE__,     \
                                                    fl__test_##group##__##name, flags, 0}; \
    FL__CONSTRUCTOR static void fl__reg_##group##__##name(void)                            \
    {                                                                                       \
        fl_test_register(&fl__def_##group##__##name);                                      \
    }                                                                                       \
    static void fl__test_##group##__##name(void)
#define fl_test_main(argc, argv) fl__test_main(argc, argv)
#endif

/* A test: FL_TEST(group, name) { body } */
#define FL_TEST(group, name) FL__TEST(group, name, 0)
/* A test that is expected to fail: xfail when it fails, xpass (a failure) when it passes. */
#define FL_TEST_XFAIL(group, name) FL__TEST(group, name, FL_TEST_EXPECT_FAIL)

#define FL__HOOK(kind, group, tag)                                                          \
    static void fl__hook_##tag##__##group(void);                                           \
    static fl_hook_def fl__hookdef_##tag##__##group = {kind, #group,                       \
                                                       fl__hook_##tag##__##group, 0};      \
    FL__CONSTRUCTOR static void fl__hookreg_##tag##__##group(void)                         \
    {                                                                                       \
        fl_hook_register(&fl__hookdef_##tag##__##group);                                   \
    }                                                                                       \
    static void fl__hook_##tag##__##group(void)

/* Runs once in a worker before the group's first test of a batch; a failed assertion
 * here turns every test of the batch's group into an error, FL_SKIP skips them all. */
#define FL_GROUP_SETUP(group) FL__HOOK(FL_HOOK_GROUP_SETUP, group, setup)
/* Runs once after the group's last test of a batch. */
#define FL_GROUP_TEARDOWN(group) FL__HOOK(FL_HOOK_GROUP_TEARDOWN, group, teardown)
/* Fills the template databases (FORKLESS_DB_<ALIAS> point at them); runs once per cache
 * key, before the clones are made.  At most one per binary. */
#define FL_DB_SETUP() FL__HOOK(FL_HOOK_DB_SETUP, db, dbsetup)

#define FL_TEST_MAIN()                        \
    int main(int argc, char **argv)           \
    {                                         \
        return fl_test_main(argc, argv);      \
    }

/* ---- assertions -------------------------------------------------------------------- */

FL__NORETURN void fl__fail(const char *file, int line, const char *fmt, ...) FL__PRINTF(3, 4);
FL__NORETURN void fl__skip(const char *fmt, ...) FL__PRINTF(1, 2);
void fl__fail_str(const char *file, int line, const char *a_expr, const char *b_expr,
                  const char *a, const char *b, const char *op) FL__NORETURN;
int fl__str_eq(const char *a, const char *b);

#define FL_FAIL(...) fl__fail(__FILE__, __LINE__, __VA_ARGS__)
#define FL_SKIP(...) fl__skip(__VA_ARGS__)

#define FL_ASSERT(cond)                                                          \
    do {                                                                         \
        if (!(cond))                                                             \
            fl__fail(__FILE__, __LINE__, "assertion failed: %s", #cond);         \
    } while (0)

#define FL__ASSERT_INT(a, b, op)                                                            \
    do {                                                                                    \
        long long fl__a = (long long)(a), fl__b = (long long)(b);                           \
        if (!(fl__a op fl__b))                                                              \
            fl__fail(__FILE__, __LINE__, "expected %s %s %s, got %lld and %lld", #a, #op,   \
                     #b, fl__a, fl__b);                                                     \
    } while (0)

#define FL_ASSERT_EQ_INT(a, b) FL__ASSERT_INT(a, b, ==)
#define FL_ASSERT_NE_INT(a, b) FL__ASSERT_INT(a, b, !=)
#define FL_ASSERT_LT_INT(a, b) FL__ASSERT_INT(a, b, <)
#define FL_ASSERT_LE_INT(a, b) FL__ASSERT_INT(a, b, <=)
#define FL_ASSERT_GT_INT(a, b) FL__ASSERT_INT(a, b, >)
#define FL_ASSERT_GE_INT(a, b) FL__ASSERT_INT(a, b, >=)

#define FL_ASSERT_EQ_DBL(a, b, eps)                                                          \
    do {                                                                                     \
        double fl__a = (a), fl__b = (b), fl__d = fl__a - fl__b;                              \
        if (fl__d < 0)                                                                       \
            fl__d = -fl__d;                                                                  \
        if (!(fl__d <= (eps)))                                                               \
            fl__fail(__FILE__, __LINE__, "expected %s == %s (within %g), got %.17g and %.17g", \
                     #a, #b, (double)(eps), fl__a, fl__b);                                   \
    } while (0)

#define FL_ASSERT_EQ_STR(a, b)                                                   \
    do {                                                                         \
        const char *fl__a = (a), *fl__b = (b);                                   \
        if (!fl__str_eq(fl__a, fl__b))                                           \
            fl__fail_str(__FILE__, __LINE__, #a, #b, fl__a, fl__b, "==");        \
    } while (0)

#define FL_ASSERT_NE_STR(a, b)                                                   \
    do {                                                                         \
        const char *fl__a = (a), *fl__b = (b);                                   \
        if (fl__str_eq(fl__a, fl__b))                                            \
            fl__fail_str(__FILE__, __LINE__, #a, #b, fl__a, fl__b, "!=");        \
    } while (0)

/* Substring: FL_ASSERT_CONTAINS(haystack, needle) */
int fl__contains(const char *haystack, const char *needle);
#define FL_ASSERT_CONTAINS(h, n)                                                 \
    do {                                                                         \
        const char *fl__h = (h), *fl__n = (n);                                   \
        if (!fl__contains(fl__h, fl__n))                                         \
            fl__fail_str(__FILE__, __LINE__, #h, #n, fl__h, fl__n, "contains");  \
    } while (0)

#define FL_ASSERT_NULL(p) FL_ASSERT((p) == NULL)
#define FL_ASSERT_NOT_NULL(p) FL_ASSERT((p) != NULL)

/* ---- what a test can ask ----------------------------------------------------------- */

/* This worker's slot, 1..N (FORKLESS_WORKER), or 0 outside a run. */
int fl_test_worker(void);
/* The clone URL of a database alias for this worker (FORKLESS_DB_<ALIAS>), or NULL. */
const char *fl_test_db_url(const char *alias);
/* The clone's file path or database name (FORKLESS_DB_<ALIAS>_NAME), or NULL. */
const char *fl_test_db_name(const char *alias);

struct sqlite3;
/* Opens this worker's SQLite clone of alias, whatever the clone method (for `memory`,
 * loads the template image into a private in-memory database).  Fails the test with a
 * clear message when the alias is not an SQLite database. */
struct sqlite3 *fl_test_sqlite_open(const char *alias);

#ifdef __cplusplus
}
#endif

#endif
