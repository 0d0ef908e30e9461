/*
 * client_library_test.c — the server engines' client libraries (libpq, MariaDB Connector/C)
 * are loaded at run time, not linked: the built `forkless` command and a C test binary have
 * neither of them (nor libssl, Kerberos, LDAP) among their ELF dependencies (DT_NEEDED), and
 * when the library cannot be loaded `forkless db clone` says which, what it tried and how to
 * fix it, and exits 3.  No server is needed: loading fails before any connection.
 */
#include <forkless/db.h>
#include <forkless/forkless.h>
#include <forkless/test.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../integration/harness.h"
#include "core/util.h"
#include "db_test_util.h"

/* ---- ELF dynamic dependencies --------------------------------------------------------------- */

static uint64_t le(const unsigned char *p, int bytes)
{
    uint64_t v = 0;
    for (int i = bytes - 1; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

/* The whole file (NULL when it cannot be read); *size its length. */
static unsigned char *read_whole(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fl_bytes b = {0};
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        fl_bytes_append(&b, chunk, n);
    fclose(f);
    *size = b.len;
    return (unsigned char *)fl_bytes_take(&b);
}

/* The DT_NEEDED names of a 64-bit little-endian ELF file, one per line, in a malloc'd
 * string; skips the test when the file is not one (another platform's binary). */
static char *elf_needed(const char *path)
{
    size_t size = 0;
    unsigned char *elf = read_whole(path, &size);
    if (!elf)
        FL_SKIP("cannot read %s (not built here, or another platform's name)", path);
    if (size < 64 || memcmp(elf, "\177ELF", 4) != 0 || elf[4] != 2 || elf[5] != 1) {
        free(elf);
        FL_SKIP("%s is not a 64-bit little-endian ELF file: nothing to read here", path);
    }
    uint64_t shoff = le(elf + 0x28, 8), shentsize = le(elf + 0x3A, 2), shnum = le(elf + 0x3C, 2);
    FL_ASSERT(shentsize >= 64 && shoff + shnum * shentsize <= size);
    fl_bytes out = {0};
    fl_bytes_puts(&out, "");
    for (uint64_t i = 0; i < shnum; i++) {
        const unsigned char *sh = elf + shoff + i * shentsize;
        if (le(sh + 4, 4) != 6) /* SHT_DYNAMIC */
            continue;
        uint64_t off = le(sh + 0x18, 8), len = le(sh + 0x20, 8), link = le(sh + 0x28, 4);
        FL_ASSERT(link < shnum && off + len <= size);
        const unsigned char *strsh = elf + shoff + link * shentsize;
        uint64_t stroff = le(strsh + 0x18, 8), strlen_ = le(strsh + 0x20, 8);
        FL_ASSERT(stroff + strlen_ <= size);
        for (uint64_t d = off; d + 16 <= off + len; d += 16) {
            uint64_t tag = le(elf + d, 8), val = le(elf + d + 8, 8);
            if (tag == 0) /* DT_NULL */
                break;
            if (tag == 1 && val < strlen_) /* DT_NEEDED */
                fl_bytes_printf(&out, "%s\n", (const char *)elf + stroff + val);
        }
    }
    free(elf);
    return fl_bytes_take(&out);
}

/* Fails when the program at path depends on a database client library or what they pull
 * in; the list must not be empty (it always has the C library), so the reading worked. */
static void expect_no_client_libraries(const char *path)
{
    char *needed = elf_needed(path);
    FL_ASSERT_CONTAINS(needed, "libc.");
    static const char *const unwanted[] = {"libpq.",     "libmariadb.", "libmysqlclient.",
                                           "libssl.",    "libcrypto.",  "libkrb5.",
                                           "libgssapi",  "libldap",     NULL};
    for (const char *const *u = unwanted; *u; u++)
        if (strstr(needed, *u))
            FL_FAIL("%s depends on %s; its dynamic dependencies are:\n%s", path, *u, needed);
    free(needed);
}

FL_TEST(client_library, forkless_command_links_no_client_library)
{
    expect_no_client_libraries(forkless_bin());
}

FL_TEST(client_library, c_test_binary_links_no_client_library)
{
    expect_no_client_libraries(fixture_bin());
}

/* ---- a library that cannot be loaded -------------------------------------------------------- */

static void skip_unless_built(const char *engine)
{
    for (const char *const *e = fl_db_engines(); *e; e++)
        if (strcmp(*e, engine) == 0)
            return;
    FL_SKIP("this build has no %s engine", engine);
}

/* `forkless db clone url` with var=value in its environment. */
static void clone_with(cmd_result *r, const char *var, const char *value, const char *url)
{
    char *assignment = fl_xasprintf("%s=%s", var, value);
    char *env[] = {assignment, NULL};
    char *argv[] = {(char *)forkless_bin(), "db", "clone", (char *)url, NULL};
    run_cmd(r, argv, env, 0);
    free(assignment);
}

/* A file with the library's name that is not a library. */
static char *fake_library(const char *dir, const char *name)
{
    char *path = dbt_path(dir, name);
    FILE *f = fopen(path, "w");
    FL_ASSERT_NOT_NULL(f);
    fputs("this is not a shared library\n", f);
    fclose(f);
    return path;
}

FL_TEST(client_library, libpq_that_does_not_load_is_named)
{
    skip_unless_built("postgresql");
    char *dir = dbt_temp_dir();
    char *fake = fake_library(dir, "libpq.so.5");
    cmd_result r;
    clone_with(&r, "FORKLESS_LIBPQ", fake, "postgresql://app:s3cr3t-pw@127.0.0.1:1/fl_tpl");
    expect_exit(&r, 3);
    char *named = fl_xasprintf("FORKLESS_LIBPQ=%s", fake);
    FL_ASSERT_CONTAINS(r.out, "cannot load libpq (the PostgreSQL client library)");
    FL_ASSERT_CONTAINS(r.out, named);
    FL_ASSERT_CONTAINS(r.out, "apt-get install libpq5");
    FL_ASSERT(strstr(r.out, "s3cr3t-pw") == NULL);
    cmd_result_free(&r);

    /* A path where there is nothing. */
    char *missing = dbt_path(dir, "nothing-here.so");
    clone_with(&r, "FORKLESS_LIBPQ", missing, "postgresql://app@127.0.0.1:1/fl_tpl");
    expect_exit(&r, 3);
    FL_ASSERT_CONTAINS(r.out, missing);
    FL_ASSERT_CONTAINS(r.out, "(not found)");
    cmd_result_free(&r);
    free(missing);
    free(named);
    free(fake);
    dbt_cleanup(dir);
}

FL_TEST(client_library, libmariadb_that_does_not_load_is_named)
{
    skip_unless_built("mysql");
    char *dir = dbt_temp_dir();
    char *fake = fake_library(dir, "libmariadb.so.3");
    cmd_result r;
    clone_with(&r, "FORKLESS_LIBMARIADB", fake, "mysql://app:s3cr3t-pw@127.0.0.1:1/fl_tpl");
    expect_exit(&r, 3);
    char *named = fl_xasprintf("FORKLESS_LIBMARIADB=%s", fake);
    FL_ASSERT_CONTAINS(r.out, "cannot load libmariadb (MariaDB Connector/C");
    FL_ASSERT_CONTAINS(r.out, named);
    FL_ASSERT_CONTAINS(r.out, "apt-get install libmariadb3");
    FL_ASSERT(strstr(r.out, "s3cr3t-pw") == NULL);
    cmd_result_free(&r);
    free(named);
    free(fake);
    dbt_cleanup(dir);
}

/* Another library (the C library) has none of the functions: the first one missing is
 * named. */
static void expect_wrong_library(const char *var, const char *url, const char *missing)
{
    cmd_result r;
    clone_with(&r, var, "libc.so.6", url);
    expect_exit(&r, 3);
    if (strstr(r.out, "libc.so.6 (not found)"))
        FL_SKIP("no libc.so.6 on this system to stand for a wrong library");
    char *expected = fl_xasprintf("libc.so.6 (loaded, but it has no %s", missing);
    FL_ASSERT_CONTAINS(r.out, expected);
    free(expected);
    cmd_result_free(&r);
}

FL_TEST(client_library, wrong_libpq_is_named)
{
    skip_unless_built("postgresql");
    expect_wrong_library("FORKLESS_LIBPQ", "postgresql://app@127.0.0.1:1/fl_tpl", "PQclear");
}

FL_TEST(client_library, wrong_libmariadb_is_named)
{
    skip_unless_built("mysql");
    expect_wrong_library("FORKLESS_LIBMARIADB", "mysql://app@127.0.0.1:1/fl_tpl", "mysql_");
}

/* ---- a library that is not installed ---------------------------------------------------------- */

/* Runs `forkless db clone url` where no file named like lib* loads: in a mount namespace of
 * its own (unshare -m: the rest of the machine sees nothing), every such file the loader
 * cache lists is covered by a file that is not a library.  Skips where that cannot be done
 * (not root, no unshare or ldconfig, the library not in the loader cache). */
static void clone_without_library(cmd_result *r, const char *lib, const char *url)
{
    char *dir = dbt_temp_dir();
    char *empty = fake_library(dir, "not-a-library");
    char *script = fl_xasprintf(
        "command -v unshare >/dev/null && command -v ldconfig >/dev/null || exit 77\n"
        "unshare -m true 2>/dev/null || exit 77\n"
        "exec unshare -m sh -c '\n"
        "  covered=0\n"
        "  for f in $(ldconfig -p | sed -n \"s/^[[:space:]]*%s[^ ]* .*=> //p\"); do\n"
        "    mount --bind \"$1\" \"$(readlink -f \"$f\")\" || exit 78\n"
        "    covered=$((covered + 1))\n"
        "  done\n"
        "  [ $covered -gt 0 ] || exit 77\n"
        "  exec \"$2\" db clone \"$3\"' sh '%s' '%s' '%s'\n",
        lib, empty, forkless_bin(), url);
    char *env[] = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", NULL};
    char *argv[] = {"/bin/sh", "-c", script, NULL};
    run_cmd(r, argv, env, 0);
    free(script);
    free(empty);
    dbt_cleanup(dir);
    if (r->code == 77)
        FL_SKIP("cannot hide %s here: needs root, unshare, ldconfig and the library in the "
                "loader cache",
                lib);
    if (r->code == 78)
        FL_FAIL("could not cover %s in a private mount namespace:\n%s", lib, r->out);
}

FL_TEST(client_library, libpq_not_installed_says_how_to_install)
{
    skip_unless_built("postgresql");
    cmd_result r;
    clone_without_library(&r, "libpq.so", "postgresql://app:s3cr3t-pw@127.0.0.1:1/fl_tpl");
    expect_exit(&r, 3);
    FL_ASSERT_CONTAINS(r.out, "libpq (the PostgreSQL client library) is needed for this URL but "
                              "cannot be loaded: tried libpq.so.5 (");
    FL_ASSERT_CONTAINS(r.out, "libpq.5.dylib (not found)");
    FL_ASSERT_CONTAINS(r.out, "apt-get install libpq5");
    FL_ASSERT_CONTAINS(r.out, "set FORKLESS_LIBPQ to its path");
    FL_ASSERT(strstr(r.out, "s3cr3t-pw") == NULL);
    cmd_result_free(&r);
}

FL_TEST(client_library, libmariadb_not_installed_says_how_to_install)
{
    skip_unless_built("mysql");
    cmd_result r;
    clone_without_library(&r, "libmariadb.so", "mysql://app:s3cr3t-pw@127.0.0.1:1/fl_tpl");
    expect_exit(&r, 3);
    FL_ASSERT_CONTAINS(r.out, "libmariadb (MariaDB Connector/C, the MySQL/MariaDB client "
                              "library) is needed for this URL but cannot be loaded: tried "
                              "libmariadb.so.3 (");
    FL_ASSERT_CONTAINS(r.out, "apt-get install libmariadb3");
    FL_ASSERT_CONTAINS(r.out, "set FORKLESS_LIBMARIADB to its path");
    FL_ASSERT(strstr(r.out, "s3cr3t-pw") == NULL);
    cmd_result_free(&r);
}
