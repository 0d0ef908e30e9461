/*
 * holder.c — forkless-db-holder, the helper the gc tests kill with SIGKILL: it opens a
 * dbset like a coordinator does (run registration, optional setup command, clones) and
 * then waits forever, so that the test can kill it in the middle of a "run".
 *
 *   forkless-db-holder TEMPLATE_URL RUN_ID NSLOTS METHOD [SETUP ARGV...]
 *
 * Prints "ready" once its clones exist (or "building" before a setup command it was
 * given, which may itself wait), and "error: ..." with exit 3 on failure.
 */
#include <forkless/forkless.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: %s TEMPLATE_URL RUN_ID NSLOTS METHOD [SETUP...]\n", argv[0]);
        return 2;
    }
    fl_db_spec spec = {"default", argv[1], argv[4]};
    fl_dbset *set;
    fl_error err = {0};
    if (fl_dbset_open(&spec, 1, argv[2], NULL, &set, &err) != FL_OK) {
        printf("error: %s\n", err.msg);
        return 3;
    }
    char **setup = argc > 5 ? argv + 5 : NULL;
    if (setup) {
        printf("building\n");
        fflush(stdout);
    }
    if (fl_dbset_prepare_templates(set, setup, NULL, 0, 0, NULL, &err) != FL_OK ||
        fl_dbset_clone_all(set, atoi(argv[3]), &err) != FL_OK) {
        printf("error: %s\n", err.msg);
        fl_dbset_free(set);
        return 3;
    }
    printf("ready\n");
    fflush(stdout);
    for (;;)
        pause();
}
