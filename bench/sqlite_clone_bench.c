/*
 * sqlite_clone_bench.c — forkless-bench-sqlite, the in-process timer behind
 * bench/sqlite_clone.sh: what a run pays for SQLite clones, without the start-up of a
 * command around it.
 *
 *   forkless-bench-sqlite clone TEMPLATE_URL METHOD N
 *       times fl_db_clone (N clones made in parallel, as fl_dbset_clone_all does in a
 *       run); prints the seconds, then the clone URLs, one per line
 *   forkless-bench-sqlite load IMAGE_PATH
 *       times what a worker of the `memory` method does before its first test:
 *       fl_test_sqlite_open (read the image, sqlite3_deserialize it); prints the seconds
 */
#include <forkless/forkless.h>
#include <forkless/test.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int time_clone(const char *url, const char *method, int n)
{
    char **urls;
    fl_error err = {0};
    double start = now();
    int rc = fl_db_clone(url, n, method, &urls, &err);
    double elapsed = now() - start;
    if (rc != FL_OK) {
        fprintf(stderr, "forkless-bench-sqlite: %s\n", err.msg);
        return fl_exit_code_for(rc);
    }
    printf("%.6f\n", elapsed);
    for (size_t i = 0; urls[i]; i++)
        printf("%s\n", urls[i]);
    fl_strv_free(urls);
    return 0;
}

static int time_load(const char *image)
{
    setenv("FORKLESS_DB_DEFAULT", "sqlite+memory:///bench", 1);
    setenv("FORKLESS_DB_DEFAULT_NAME", image, 1);
    setenv("FORKLESS_DB_DEFAULT_METHOD", "memory", 1);
    double start = now();
    sqlite3 *db = fl_test_sqlite_open("default");
    double elapsed = now() - start;
    sqlite3_close(db);
    printf("%.6f\n", elapsed);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 5 && !strcmp(argv[1], "clone"))
        return time_clone(argv[2], argv[3], atoi(argv[4]));
    if (argc == 3 && !strcmp(argv[1], "load"))
        return time_load(argv[2]);
    fprintf(stderr, "usage: %s clone TEMPLATE_URL METHOD N | load IMAGE_PATH\n", argv[0]);
    return 2;
}
