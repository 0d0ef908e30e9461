/*
 * db.c — `forkless db clone|drop|gc`: provisioning database clones with forkless alone,
 * outside a test run (for a debugger session, a CI step that runs another tool, or
 * cleaning up after a run that was killed).  Built on the public API only
 * (fl_db_clone, fl_db_drop, fl_db_gc; forkless.ini through fl_options_load_ini).
 * Exit codes: 0 done, 2 usage or configuration, 3 database or file failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "forkless/forkless.h"

static void print_help(FILE *out)
{
    const char *const *engines = fl_db_engines();
    fprintf(out,
            "usage: forkless db clone TEMPLATE_URL [--count N] [--method M]\n"
            "       forkless db drop CLONE_URL...\n"
            "       forkless db gc [TEMPLATE_URL...]\n"
            "\n"
            "Database clones without a test run.\n"
            "\n"
            "  clone   makes N clones (default 1) of a ready template and prints one clone URL\n"
            "          per line.  The clones stay until `forkless db drop` removes them; `db gc`\n"
            "          leaves them alone.\n"
            "            --count N, -n N   how many clones\n"
            "            --method M        sqlite: copy (default), backup, memory, dump;\n"
            "                              postgresql: file_copy (default), wal_log;\n"
            "                              mysql: copy (default), dump;\n"
            "                              oracle: auto (default), schema, pdb, migrate\n"
            "  drop    removes clones given their URLs (as printed by `db clone` or by\n"
            "          `forkless run --keep`); refuses anything forkless did not make.\n"
            "  gc      removes what runs that are no longer alive left next to the given\n"
            "          templates (clones, images, half-built templates, lock files); the\n"
            "          clones of live runs and kept clones are never touched.  Without a URL it\n"
            "          takes the [db.ALIAS] urls of ./forkless.ini.\n"
            "\n"
            "URLs: sqlite:///abs/path.db, sqlite:relative/path.db; postgresql://user@host/name,\n"
            "mysql://user@host/name when built in (this build: ");
    for (size_t i = 0; engines[i]; i++)
        fprintf(out, "%s%s", i ? ", " : "", engines[i]);
    fprintf(out,
            ").\n"
            "\n"
            "examples:\n"
            "  forkless db clone sqlite:test.db --count 4\n"
            "  forkless db drop sqlite:///home/me/app/test.fl-k3x9q2ab-1.db\n"
            "  forkless db gc sqlite:test.db\n"
            "\n"
            "Exit status: 0 done, 2 bad usage or URL, 3 a database or file operation failed.\n");
}

static int fail(const fl_error *err)
{
    fprintf(stderr, "forkless db: %s\n", err->msg);
    return fl_exit_code_for(err->code);
}

static int usage(const char *fmt, const char *arg)
{
    fprintf(stderr, "forkless db: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n(see forkless db --help)\n");
    return FL_EXIT_USAGE;
}

static int parse_count(const char *text, int *count)
{
    char *end;
    long n = strtol(text, &end, 10);
    if (!*text || *end || n < 1 || n > 100000)
        return -1;
    *count = (int)n;
    return 0;
}

static int cmd_clone(int argc, char **argv)
{
    const char *url = NULL, *method = NULL;
    int count = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--count") || !strcmp(a, "-n")) {
            if (i + 1 >= argc || parse_count(argv[++i], &count) != 0)
                return usage("%s needs a number of clones (1 or more)", a);
        } else if (!strncmp(a, "--count=", 8)) {
            if (parse_count(a + 8, &count) != 0)
                return usage("bad %s (a number of clones, 1 or more)", a);
        } else if (!strcmp(a, "--method")) {
            if (i + 1 >= argc)
                return usage("%s needs a method name", a);
            method = argv[++i];
        } else if (!strncmp(a, "--method=", 9)) {
            method = a + 9;
        } else if (a[0] == '-' && a[1]) {
            return usage("unknown option '%s' for clone", a);
        } else if (url) {
            return usage("clone takes one template URL; '%s' is one too many", a);
        } else {
            url = a;
        }
    }
    if (!url)
        return usage("%s", "clone needs a template URL");
    char **urls;
    fl_error err;
    fl_error_clear(&err);
    if (fl_db_clone(url, count, method, &urls, &err) != FL_OK)
        return fail(&err);
    for (size_t i = 0; urls[i]; i++)
        printf("%s\n", urls[i]);
    fl_strv_free(urls);
    return FL_EXIT_PASSED;
}

static int cmd_drop(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (argv[i][0] == '-' && argv[i][1])
            return usage("unknown option '%s' for drop", argv[i]);
    if (argc < 2)
        return usage("%s", "drop needs the URLs of the clones to drop");
    fl_error err;
    fl_error_clear(&err);
    if (fl_db_drop(argv + 1, (size_t)(argc - 1), &err) != FL_OK)
        return fail(&err);
    return FL_EXIT_PASSED;
}

/* The template URLs of ./forkless.ini's [db.ALIAS] sections. */
static int urls_from_ini(char ***urls, size_t *n, fl_error *err)
{
    fl_options o;
    fl_options_init(&o);
    FILE *probe = fopen("forkless.ini", "r");
    if (!probe) {
        fl_options_free(&o);
        return fl_error_set(err, FL_ERR_USAGE,
                            "gc needs template URLs, or a forkless.ini with [db.ALIAS] sections "
                            "in the current directory");
    }
    fclose(probe);
    int rc = fl_options_load_ini(&o, "forkless.ini", err);
    *urls = NULL;
    *n = 0;
    if (rc == FL_OK && o.n_dbs == 0)
        rc = fl_error_set(err, FL_ERR_USAGE, "forkless.ini has no [db.ALIAS] section to collect");
    if (rc == FL_OK && !(*urls = calloc(o.n_dbs + 1, sizeof **urls)))
        rc = fl_error_set(err, FL_ERR_NOMEM, "out of memory");
    for (size_t i = 0; rc == FL_OK && i < o.n_dbs; i++) {
        if (!((*urls)[i] = strdup(o.dbs[i].url)))
            rc = fl_error_set(err, FL_ERR_NOMEM, "out of memory");
        *n = i + 1;
    }
    fl_options_free(&o);
    return rc;
}

static int cmd_gc(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (argv[i][0] == '-' && argv[i][1])
            return usage("unknown option '%s' for gc", argv[i]);
    fl_error err;
    fl_error_clear(&err);
    char **ini_urls = NULL;
    size_t n = (size_t)(argc - 1);
    char *const *urls = argv + 1;
    if (n == 0) {
        if (urls_from_ini(&ini_urls, &n, &err) != FL_OK) {
            fl_strv_free(ini_urls);
            return fail(&err);
        }
        urls = ini_urls;
    }
    size_t removed = 0;
    int rc = fl_db_gc(urls, n, stdout, &removed, &err);
    fl_strv_free(ini_urls);
    if (rc != FL_OK)
        return fail(&err);
    printf("forkless db gc: %zu leftover%s removed\n", removed, removed == 1 ? "" : "s");
    return FL_EXIT_PASSED;
}

int fl_cli_db_main(int argc, char **argv)
{
    if (argc < 2)
        return usage("%s", "missing command (clone, drop, gc)");
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        print_help(stdout);
        return FL_EXIT_PASSED;
    }
    for (int i = 2; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            print_help(stdout);
            return FL_EXIT_PASSED;
        }
    if (!strcmp(cmd, "clone"))
        return cmd_clone(argc - 1, argv + 1);
    if (!strcmp(cmd, "drop"))
        return cmd_drop(argc - 1, argv + 1);
    if (!strcmp(cmd, "gc"))
        return cmd_gc(argc - 1, argv + 1);
    return usage("unknown command '%s' (clone, drop, gc)", cmd);
}
