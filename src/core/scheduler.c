/*
 * scheduler.c — the test table, group estimates and batch dealing (see scheduler.h).
 */
#include "core/scheduler.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "platform/fs.h"
#include "platform/platform.h"

void fl_plan_init(fl_plan *p, char *const *filters, size_t n_filters)
{
    memset(p, 0, sizeof *p);
    p->filters = filters;
    p->n_filters = n_filters;
}

void fl_plan_free(fl_plan *p)
{
    for (size_t i = 0; i < p->n_tests; i++)
        free(p->tests[i].id);
    free(p->tests);
    for (size_t i = 0; i < p->n_groups; i++)
        free(p->groups[i].name);
    free(p->groups);
    for (size_t i = 0; i < p->n_files; i++)
        free(p->files[i]);
    free(p->files);
    for (size_t i = 0; i < p->n_requeued; i++)
        free(p->requeued[i].tests);
    free(p->requeued);
    free(p->order);
    fl_strmap_free(&p->group_index);
    fl_strmap_free(&p->id_index);
    fl_strmap_free(&p->file_index);
    memset(p, 0, sizeof *p);
}

static int matches_filters(const fl_plan *p, const char *id)
{
    if (p->n_filters == 0)
        return 1;
    for (size_t i = 0; i < p->n_filters; i++)
        if (fl_fnmatch(p->filters[i], id))
            return 1;
    return 0;
}

static const char *intern_file(fl_plan *p, const char *file)
{
    if (!file || !*file)
        return NULL;
    uint32_t i = fl_strmap_get(&p->file_index, file);
    if (i != UINT32_MAX)
        return p->files[i];
    p->files = fl_xrealloc(p->files, (p->n_files + 1) * sizeof *p->files);
    p->files[p->n_files] = fl_xstrdup(file);
    fl_strmap_put(&p->file_index, p->files[p->n_files], (uint32_t)p->n_files);
    return p->files[p->n_files++];
}

static uint32_t group_of(fl_plan *p, const char *name)
{
    uint32_t g = fl_strmap_get(&p->group_index, name);
    if (g != UINT32_MAX)
        return g;
    if (p->n_groups == p->cap_groups) {
        p->cap_groups = p->cap_groups ? p->cap_groups * 2 : 64;
        p->groups = fl_xrealloc(p->groups, p->cap_groups * sizeof *p->groups);
    }
    g = (uint32_t)p->n_groups++;
    memset(&p->groups[g], 0, sizeof p->groups[g]);
    p->groups[g].name = fl_xstrdup(name);
    fl_strmap_put(&p->group_index, p->groups[g].name, g);
    return g;
}

int fl_plan_add_test(fl_plan *p, const char *id, const char *group, const char *file, int line,
                     int phase, fl_error *err)
{
    if (!matches_filters(p, id)) {
        p->filtered_out++;
        return FL_OK;
    }
    if (fl_strmap_get(&p->id_index, id) != UINT32_MAX)
        return fl_error_set(err, FL_ERR_PROTOCOL, "test id \"%.200s\" is listed twice", id);
    if (p->n_tests == p->cap_tests) {
        p->cap_tests = p->cap_tests ? p->cap_tests * 2 : 256;
        p->tests = fl_xrealloc(p->tests, p->cap_tests * sizeof *p->tests);
    }
    fl_test *t = &p->tests[p->n_tests];
    memset(t, 0, sizeof *t);
    t->id = fl_xstrdup(id);
    size_t groups_before = p->n_groups;
    t->group = group_of(p, group ? group : id);
    if (p->n_groups > groups_before)
        p->groups[t->group].phase = (uint8_t)(phase < 0 ? 0 : phase > 255 ? 255 : phase);
    t->file = intern_file(p, file);
    t->line = line;
    fl_strmap_put(&p->id_index, t->id, (uint32_t)p->n_tests);
    p->n_tests++;
    p->groups[t->group].count++;
    return FL_OK;
}

/* Stable counting sort of tests by group, so each group is one contiguous range.  Done in
 * place (a permutation applied cycle by cycle: 4 bytes a test besides the table), and the
 * id index is dropped: after listing, nothing looks a test up by id (memory matters at
 * 100,000 tests). */
static void make_groups_contiguous(fl_plan *p)
{
    uint32_t next = 0;
    for (size_t g = 0; g < p->n_groups; g++) {
        p->groups[g].first = next;
        next += p->groups[g].count;
    }
    uint32_t *dest = fl_xmalloc((p->n_tests ? p->n_tests : 1) * sizeof *dest);
    uint32_t *fill = fl_xcalloc(p->n_groups ? p->n_groups : 1, sizeof *fill);
    for (size_t i = 0; i < p->n_tests; i++) {
        uint32_t g = p->tests[i].group;
        dest[i] = p->groups[g].first + fill[g]++;
    }
    free(fill);
    for (size_t i = 0; i < p->n_tests; i++) {
        while (dest[i] != i) {
            uint32_t j = dest[i];
            fl_test t = p->tests[j];
            p->tests[j] = p->tests[i];
            p->tests[i] = t;
            dest[i] = dest[j];
            dest[j] = j;
        }
    }
    free(dest);
    fl_strmap_free(&p->id_index);
}

/* Reads "seconds<TAB>group" lines into the groups' estimates; returns how many matched. */
static size_t load_durations(fl_plan *p, const char *path, double *known_seconds, size_t *known_tests)
{
    FILE *f = path ? fopen(path, "r") : NULL;
    if (!f)
        return 0;
    size_t matched = 0;
    char *line = NULL;
    size_t cap = 0;
    long len;
    while ((len = fl_read_line(&line, &cap, f)) > 0) {
        if (line[len - 1] == '\n')
            line[--len] = 0;
        char *tab = strchr(line, '\t');
        if (!tab)
            continue;
        *tab = 0;
        char *end;
        double secs = strtod(line, &end);
        if (end == line || secs < 0)
            continue;
        uint32_t g = fl_strmap_get(&p->group_index, tab + 1);
        if (g == UINT32_MAX)
            continue;
        p->groups[g].estimate = secs > 0 ? secs : 1e-6;
        *known_seconds += secs;
        *known_tests += p->groups[g].count;
        matched++;
    }
    free(line);
    fclose(f);
    return matched;
}

static const fl_plan *sort_plan;

static int by_estimate_desc(const void *a, const void *b)
{
    const fl_group *ga = &sort_plan->groups[*(const uint32_t *)a];
    const fl_group *gb = &sort_plan->groups[*(const uint32_t *)b];
    if (ga->phase != gb->phase)
        return ga->phase < gb->phase ? -1 : 1;
    if (ga->estimate != gb->estimate)
        return ga->estimate < gb->estimate ? 1 : -1;
    return *(const uint32_t *)a < *(const uint32_t *)b ? -1 : 1; /* listing order */
}

void fl_plan_finalize(fl_plan *p, const char *durations_path, int workers)
{
    make_groups_contiguous(p);
    double known_seconds = 0;
    size_t known_tests = 0;
    load_durations(p, durations_path, &known_seconds, &known_tests);
    double per_test = known_tests ? known_seconds / (double)known_tests : 0.001;
    if (per_test <= 0)
        per_test = 1e-6;
    p->remaining = 0;
    p->order = fl_xmalloc((p->n_groups ? p->n_groups : 1) * sizeof *p->order);
    for (size_t g = 0; g < p->n_groups; g++) {
        if (p->groups[g].estimate == 0)
            p->groups[g].estimate = per_test * p->groups[g].count;
        p->remaining += p->groups[g].estimate;
        p->order[g] = (uint32_t)g;
    }
    sort_plan = p;
    qsort(p->order, p->n_groups, sizeof *p->order, by_estimate_desc);
    sort_plan = NULL;
    p->next_group = 0;
    p->workers = workers > 0 ? workers : 1;
}

enum { MAX_BATCH_TESTS = 2000 };

int fl_plan_next_batch(fl_plan *p, uint32_t **tests, size_t *n)
{
    if (p->n_requeued > 0) {
        fl_requeued r = p->requeued[--p->n_requeued];
        *tests = r.tests;
        *n = r.n;
        return 1;
    }
    if (p->next_group >= p->n_groups)
        return 0;
    /* Guided self-scheduling: a batch worth about 1/(3 * workers) of what is left. */
    double target = p->remaining / (3.0 * p->workers);
    size_t count = 0, end = p->next_group;
    double took = 0;
    do {
        const fl_group *g = &p->groups[p->order[end]];
        if (end > p->next_group && (took + g->estimate > target || count + g->count > MAX_BATCH_TESTS))
            break;
        took += g->estimate;
        count += g->count;
        end++;
    } while (end < p->n_groups);
    uint32_t *out = fl_xmalloc((count ? count : 1) * sizeof *out);
    size_t k = 0;
    for (size_t i = p->next_group; i < end; i++) {
        const fl_group *g = &p->groups[p->order[i]];
        for (uint32_t t = 0; t < g->count; t++)
            out[k++] = g->first + t;
    }
    p->next_group = end;
    p->remaining -= took;
    if (p->remaining < 0)
        p->remaining = 0;
    *tests = out;
    *n = k;
    return 1;
}

void fl_plan_requeue(fl_plan *p, const uint32_t *tests, size_t n)
{
    if (n == 0)
        return;
    p->requeued = fl_xrealloc(p->requeued, (p->n_requeued + 1) * sizeof *p->requeued);
    fl_requeued *r = &p->requeued[p->n_requeued++];
    r->tests = fl_xmalloc(n * sizeof *r->tests);
    memcpy(r->tests, tests, n * sizeof *tests);
    r->n = n;
}

int fl_plan_save_durations(const fl_plan *p, const char *path, fl_error *err)
{
    char *tmp = fl_xasprintf("%s.%ld.tmp", path, fl_getpid());
    FILE *out = fopen(tmp, "w");
    if (!out) {
        int rc = fl_error_set(err, FL_ERR_IO, "cannot write '%s': %s", tmp, strerror(errno));
        free(tmp);
        return rc;
    }
    for (size_t g = 0; g < p->n_groups; g++)
        if (p->groups[g].finished == p->groups[g].count && p->groups[g].count > 0)
            fprintf(out, "%.6f\t%s\n", p->groups[g].measured, p->groups[g].name);
    /* Keep what earlier runs learnt about groups this run did not finish. */
    FILE *old = fopen(path, "r");
    if (old) {
        char *line = NULL;
        size_t cap = 0;
        long len;
        while ((len = fl_read_line(&line, &cap, old)) > 0) {
            char *tab = strchr(line, '\t');
            if (!tab)
                continue;
            char *name = fl_xstrndup(tab + 1, (size_t)(len - (tab + 1 - line)));
            name[strcspn(name, "\n")] = 0;
            uint32_t g = fl_strmap_get(&p->group_index, name);
            if (g == UINT32_MAX || p->groups[g].finished != p->groups[g].count)
                fputs(line, out);
            free(name);
        }
        free(line);
        fclose(old);
    }
    int failed = ferror(out);
    failed |= fclose(out) != 0;
    int rc = FL_OK;
    if (failed || fl_fs_rename(tmp, path, NULL) != FL_OK) { /* replaces path, also on Windows */
        rc = fl_error_set(err, FL_ERR_IO, "cannot write '%s': %s", path, strerror(errno));
        remove(tmp);
    }
    free(tmp);
    return rc;
}
