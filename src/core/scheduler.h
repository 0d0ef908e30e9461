/*
 * scheduler.h — the tests of a run and the order they are dealt to workers.
 *
 * Tests arrive from a worker's `list`; tests of one group always run in one worker, in
 * list order.  Groups are dealt dynamically: by phase (as the worker asks), then longest
 * first (durations recorded by earlier
 * runs in the state directory; unknown groups are estimated from their size), and several
 * short groups may share a batch so that tiny tests do not cost a round trip each.  A
 * batch shrinks as the run nears its end (guided self-scheduling), so the last workers to
 * finish finish close together.  Tests handed back after a crash go out first.
 */
#ifndef FL_SCHEDULER_H
#define FL_SCHEDULER_H

#include <stddef.h>
#include <stdint.h>

#include "core/strmap.h"
#include "forkless/forkless.h"

typedef struct fl_test {
    char *id;
    const char *file;   /* interned, may be NULL */
    uint32_t group;
    int32_t line;
    float duration;
    uint8_t status;     /* fl_status */
} fl_test;

typedef struct fl_group {
    char *name;
    uint8_t phase;          /* dealt before groups of higher phase (from its first test) */
    uint32_t first, count;  /* range in tests[] after fl_plan_finalize */
    double estimate;
    double measured;
    uint32_t finished;
} fl_group;

typedef struct fl_requeued {
    uint32_t *tests;
    size_t n;
} fl_requeued;

typedef struct fl_plan {
    fl_test *tests;
    size_t n_tests, cap_tests;
    fl_group *groups;
    size_t n_groups, cap_groups;
    fl_strmap group_index;
    fl_strmap id_index;
    fl_strmap file_index;
    char **files;
    size_t n_files;
    char *const *filters;
    size_t n_filters;
    size_t filtered_out;
    /* dealing */
    uint32_t *order;        /* groups, longest first */
    size_t next_group;
    fl_requeued *requeued;
    size_t n_requeued;
    double remaining;       /* estimated seconds not yet dealt */
    int workers;
} fl_plan;

void fl_plan_init(fl_plan *p, char *const *filters, size_t n_filters);
void fl_plan_free(fl_plan *p);
/* Adds a listed test (filtered out silently when it matches no filter).  A repeated id is
 * FL_ERR_PROTOCOL.  phase orders groups before their durations do (Django deals its
 * TestCases before its TransactionTestCases; 0 for most workers). */
int fl_plan_add_test(fl_plan *p, const char *id, const char *group, const char *file, int line,
                     int phase, fl_error *err);
/* Groups tests, estimates groups from the durations file (may not exist), sorts. */
void fl_plan_finalize(fl_plan *p, const char *durations_path, int workers);
/* The next batch to run (malloc'd array of test indexes), or 0 when none is left. */
int fl_plan_next_batch(fl_plan *p, uint32_t **tests, size_t *n);
/* Hands tests back (copied); they go out before any group not yet dealt. */
void fl_plan_requeue(fl_plan *p, const uint32_t *tests, size_t n);
/* Records this run's group durations, keeping earlier entries of groups not run. */
int fl_plan_save_durations(const fl_plan *p, const char *path, fl_error *err);

#endif
