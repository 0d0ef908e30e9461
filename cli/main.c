/*
 * main.c — the `forkless` command: argument parsing and dispatch to subcommands, on the
 * public API only.
 *
 *   forkless run  [options] [--] WORKER_CMD [ARGS...]   run tests in parallel workers
 *   forkless list [options] [--] WORKER_CMD [ARGS...]   list the worker's test ids
 *   forkless db   clone|drop|gc ...                     provision database clones
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "forkless/forkless.h"

static void print_help(FILE *out)
{
    fprintf(out,
            "forkless %s — a parallel test runner that spawns its workers and gives each its own\n"
            "copy of the test databases.\n\n"
            "Usage:\n"
            "  forkless run  [options] [--] WORKER_CMD [ARGS...]   run the tests of a worker program\n"
            "  forkless run  [options] --django [--settings M] [LABELS...]   a Django project's tests\n"
            "  forkless run  [options] --unittest [START_DIR]     Python unittest discovery\n"
            "  forkless list [options] [--] WORKER_CMD [ARGS...]   list its test ids\n"
            "  forkless db clone URL --count N [--method M]        make N clones of a template\n"
            "  forkless db drop CLONE_URL...                       drop clones\n"
            "  forkless db gc [URL...]                             remove leftovers of dead runs\n"
            "  forkless --help | --version\n\n"
            "A worker is any program that speaks the forkless protocol (docs/protocol.md): a test\n"
            "binary built with <forkless/test.h> (run it directly: ./tests -j 4), the Python adapter,\n"
            "or your own.  The worker command may also come from forkless.ini ([run] worker = ...).\n\n",
            FORKLESS_VERSION);
    fl_options_print_help(out);
    fprintf(out,
            "\nExamples:\n"
            "  forkless run -j 4 -- ./build/tests/my-tests --forkless-worker\n"
            "  forkless run --db default=sqlite:test.db --setup './migrate test.db' -- ./worker\n"
            "  forkless run --django -j 2              (where manage.py is; --python picks the interpreter,\n"
            "                                           default $FORKLESS_PYTHON or python3)\n"
            "  forkless run --timeout 30 --junit report.xml --unittest tests\n\n"
            "The last line of a run is always 'forkless: N passed, N failed, N skipped'.\n"
            "Exit codes: 0 all passed; 1 some test did not pass; 2 usage or configuration error;\n"
            "3 infrastructure error (a worker cannot start, a database cannot be cloned);\n"
            "130 interrupted (Ctrl-C; a second Ctrl-C kills the workers at once).\n");
}

static int usage_error(const char *msg)
{
    fprintf(stderr, "forkless: %s\nTry 'forkless --help'.\n", msg);
    return FL_EXIT_USAGE;
}

/* The Python adapter flags: --django, --unittest, --settings M, --python P (removed from
 * argv, which keeps the rest in order). */
typedef struct adapter_flags {
    int django, unittest;
    const char *settings, *python;
} adapter_flags;

static int take_adapter_flags(int *argc, char **argv, adapter_flags *f)
{
    int out = 0;
    for (int i = 0; i < *argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--")) {
            while (i < *argc)
                argv[out++] = argv[i++];
            break;
        }
        if (!strcmp(a, "--django"))
            f->django = 1;
        else if (!strcmp(a, "--unittest"))
            f->unittest = 1;
        else if ((!strcmp(a, "--settings") || !strcmp(a, "--python")) && i + 1 < *argc)
            *(a[2] == 's' ? &f->settings : &f->python) = argv[++i];
        else if (!strncmp(a, "--settings=", 11))
            f->settings = a + 11;
        else if (!strncmp(a, "--python=", 9))
            f->python = a + 9;
        else
            argv[out++] = argv[i];
    }
    *argc = out;
    if (f->django && f->unittest)
        return usage_error("--django and --unittest exclude each other");
    if ((f->settings || f->python) && !f->django && !f->unittest)
        return usage_error("--settings and --python go with --django or --unittest");
    return 0;
}

static int use_adapter(fl_options *o, const adapter_flags *f, char **rest, int nrest, fl_error *err)
{
    /* From the source tree when this is a build of it, else where `make install` put it. */
    const char *const dirs[] = {FL_SOURCE_DIR "/adapters/python", FL_DATADIR "/forkless/python", NULL};
    const char *python = f->python ? f->python : getenv("FORKLESS_PYTHON");
    if (!python || !*python)
        python = "python3";
    return fl_options_use_python_adapter(o, f->django ? FL_ADAPTER_DJANGO : FL_ADAPTER_UNITTEST, python,
                                         f->settings, rest, (size_t)(nrest > 0 ? nrest : 0), dirs, err);
}

static int run_command(int argc, char **argv, int list_only)
{
    fl_options o;
    fl_options_init(&o);
    fl_error err = {0};
    adapter_flags flags = {0};
    if (take_adapter_flags(&argc, argv, &flags) != 0)
        return FL_EXIT_USAGE;
    int used = 0;
    int rc = fl_options_load(&o, argc - 1, argv + 1, 1, &used, &err);
    if (rc != FL_OK) {
        fl_options_free(&o);
        return usage_error(err.msg);
    }
    int rest = argc - 1 - used;
    if (flags.django || flags.unittest)
        rc = use_adapter(&o, &flags, argv + 1 + used, rest, &err);
    else if (rest > 0)
        rc = fl_options_set_worker(&o, argv + 1 + used, (size_t)rest, &err);
    if (rc == FL_OK && !o.worker_argv)
        rc = fl_error_set(&err, FL_ERR_USAGE, "no worker command: forkless %s [options] -- COMMAND [ARGS...]",
                          argv[0]);
    o.list_only = list_only;
    fl_summary sum;
    if (rc == FL_OK)
        rc = fl_run(&o, &sum, &err);
    fl_options_free(&o);
    if (rc != FL_OK) {
        fprintf(stderr, "forkless: %s\n", err.msg);
        return fl_exit_code_for(rc);
    }
    return sum.exit_code;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage_error("missing subcommand (run, list, db)");
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        print_help(stdout);
        return 0;
    }
    if (!strcmp(cmd, "--version")) {
        printf("forkless %s (protocol %d)\n", FORKLESS_VERSION, FORKLESS_PROTOCOL_VERSION);
        return 0;
    }
    for (int i = 2; i < argc && strcmp(argv[i], "--"); i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            if (!strcmp(cmd, "db"))
                break;
            print_help(stdout);
            return 0;
        }
    if (!strcmp(cmd, "run"))
        return run_command(argc - 1, argv + 1, 0);
    if (!strcmp(cmd, "list"))
        return run_command(argc - 1, argv + 1, 1);
    if (!strcmp(cmd, "db"))
        return fl_cli_db_main(argc - 1, argv + 1);
    char msg[256];
    snprintf(msg, sizeof msg, "unknown subcommand '%s' (run, list, db)", cmd);
    return usage_error(msg);
}
