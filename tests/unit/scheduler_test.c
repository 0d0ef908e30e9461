/*
 * scheduler_test.c — grouping, filtering, longest-first dealing, batching, requeues and
 * the durations file.
 */
#include <forkless/test.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/scheduler.h"

static void add(fl_plan *p, const char *id, const char *group)
{
    fl_error err = {0};
    FL_ASSERT_EQ_INT(fl_plan_add_test(p, id, group, NULL, 0, 0, &err), FL_OK);
}

FL_TEST(scheduler, interleaved_groups_become_contiguous_in_list_order)
{
    fl_plan p;
    fl_plan_init(&p, NULL, 0);
    add(&p, "a.1", "a");
    add(&p, "b.1", "b");
    add(&p, "a.2", "a");
    add(&p, "b.2", "b");
    fl_plan_finalize(&p, NULL, 1);
    FL_ASSERT_EQ_STR(p.tests[0].id, "a.1");
    FL_ASSERT_EQ_STR(p.tests[1].id, "a.2");
    FL_ASSERT_EQ_STR(p.tests[2].id, "b.1");
    FL_ASSERT_EQ_STR(p.tests[3].id, "b.2");
    fl_plan_free(&p);
}

FL_TEST(scheduler, duplicate_ids_are_refused)
{
    fl_plan p;
    fl_plan_init(&p, NULL, 0);
    add(&p, "a.1", "a");
    fl_error err = {0};
    FL_ASSERT_EQ_INT(fl_plan_add_test(&p, "a.1", "a", NULL, 0, 0, &err), FL_ERR_PROTOCOL);
    FL_ASSERT_CONTAINS(err.msg, "listed twice");
    fl_plan_free(&p);
}

FL_TEST(scheduler, filters_keep_matching_ids_only)
{
    char *filters[] = {"db.*", "*.fast"};
    fl_plan p;
    fl_plan_init(&p, filters, 2);
    add(&p, "db.one", "db");
    add(&p, "io.fast", "io");
    add(&p, "io.slow", "io");
    FL_ASSERT_EQ_INT(p.n_tests, 2);
    FL_ASSERT_EQ_INT(p.filtered_out, 1);
    fl_plan_free(&p);
}

static char *write_durations(const char *text)
{
    char *path = strdup("/tmp/forkless-durations-XXXXXX");
    int fd = mkstemp(path);
    FL_ASSERT(fd >= 0);
    FL_ASSERT_EQ_INT(write(fd, text, strlen(text)), (long long)strlen(text));
    close(fd);
    return path;
}

FL_TEST(scheduler, known_longest_group_goes_first)
{
    char *path = write_durations("0.5\tshort\n9.0\tlong\n3.0\tmiddle\n");
    fl_plan p;
    fl_plan_init(&p, NULL, 0);
    add(&p, "short.1", "short");
    add(&p, "middle.1", "middle");
    add(&p, "long.1", "long");
    fl_plan_finalize(&p, path, 4);
    uint32_t *batch;
    size_t n;
    FL_ASSERT(fl_plan_next_batch(&p, &batch, &n));
    FL_ASSERT_EQ_STR(p.tests[batch[0]].id, "long.1");
    free(batch);
    FL_ASSERT(fl_plan_next_batch(&p, &batch, &n));
    FL_ASSERT_EQ_STR(p.tests[batch[0]].id, "middle.1");
    free(batch);
    unlink(path);
    free(path);
    fl_plan_free(&p);
}

FL_TEST(scheduler, small_groups_share_batches_and_batches_shrink)
{
    fl_plan p;
    fl_plan_init(&p, NULL, 0);
    char id[32], group[32];
    for (int g = 0; g < 100; g++)
        for (int t = 0; t < 10; t++) {
            snprintf(id, sizeof id, "g%d.t%d", g, t);
            snprintf(group, sizeof group, "g%d", g);
            add(&p, id, group);
        }
    fl_plan_finalize(&p, NULL, 2);
    uint32_t *batch;
    size_t n, first = 0, last = 0, total = 0;
    int batches = 0;
    while (fl_plan_next_batch(&p, &batch, &n)) {
        FL_ASSERT_EQ_INT(n % 10, 0); /* whole groups only */
        if (!batches)
            first = n;
        last = n;
        total += n;
        batches++;
        free(batch);
    }
    FL_ASSERT_EQ_INT(total, 1000);
    FL_ASSERT_GT_INT(first, 10);       /* several groups per batch at first */
    FL_ASSERT_LT_INT(last, first);     /* and smaller ones at the end */
    FL_ASSERT_LT_INT(batches, 100);
    fl_plan_free(&p);
}

FL_TEST(scheduler, requeued_tests_go_out_first)
{
    fl_plan p;
    fl_plan_init(&p, NULL, 0);
    add(&p, "a.1", "a");
    add(&p, "a.2", "a");
    add(&p, "b.1", "b");
    fl_plan_finalize(&p, NULL, 1);
    uint32_t again[] = {1};
    fl_plan_requeue(&p, again, 1);
    uint32_t *batch;
    size_t n;
    FL_ASSERT(fl_plan_next_batch(&p, &batch, &n));
    FL_ASSERT_EQ_INT(n, 1);
    FL_ASSERT_EQ_STR(p.tests[batch[0]].id, "a.2");
    free(batch);
    fl_plan_free(&p);
}

FL_TEST(scheduler, durations_round_trip_and_keep_unrun_groups)
{
    char *path = write_durations("4.0\told_group\n1.0\ta\n");
    fl_plan p;
    fl_plan_init(&p, NULL, 0);
    add(&p, "a.1", "a");
    fl_plan_finalize(&p, path, 1);
    p.groups[0].finished = 1;
    p.groups[0].measured = 2.5;
    fl_error err = {0};
    FL_ASSERT_EQ_INT(fl_plan_save_durations(&p, path, &err), FL_OK);
    FILE *f = fopen(path, "r");
    char text[256] = "";
    size_t got = fread(text, 1, sizeof text - 1, f);
    text[got] = 0;
    fclose(f);
    FL_ASSERT_CONTAINS(text, "2.500000\ta\n");
    FL_ASSERT_CONTAINS(text, "4.0\told_group\n");
    FL_ASSERT(strstr(text, "1.0\ta\n") == NULL);
    unlink(path);
    free(path);
    fl_plan_free(&p);
}

FL_TEST(scheduler, lower_phase_goes_first_whatever_its_length)
{
    char *path = write_durations("9.0\ttransaction\n0.1\tplain\n");
    fl_plan p;
    fl_plan_init(&p, NULL, 0);
    fl_error err = {0};
    FL_ASSERT_EQ_INT(fl_plan_add_test(&p, "transaction.1", "transaction", NULL, 0, 1, &err), FL_OK);
    FL_ASSERT_EQ_INT(fl_plan_add_test(&p, "plain.1", "plain", NULL, 0, 0, &err), FL_OK);
    fl_plan_finalize(&p, path, 4);
    uint32_t *batch;
    size_t n;
    FL_ASSERT(fl_plan_next_batch(&p, &batch, &n));
    FL_ASSERT_EQ_STR(p.tests[batch[0]].id, "plain.1");
    free(batch);
    unlink(path);
    free(path);
    fl_plan_free(&p);
}
