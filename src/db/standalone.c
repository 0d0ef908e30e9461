/*
 * standalone.c — provisioning without a run (`forkless db clone|drop|gc`): clones that
 * outlive the call, dropping them by URL, and collecting the leftovers of dead runs.
 * Standalone clones are made by an ordinary dbset with a fresh run id, torn down with
 * keep=1: they are "kept" clones exactly like those of `forkless run --keep`, which gc
 * never removes and `forkless db drop` does.
 */
#include <stdlib.h>
#include <string.h>

#include "db/engine.h"

static int collect_urls(fl_dbset *set, int count, char ***urls_out, fl_error *err);

/* The fl_env_cb that picks FORKLESS_DB_DEFAULT out of a slot's variables. */
static int take_default_url(void *ud, const char *name, const char *value)
{
    if (strcmp(name, "FORKLESS_DB_DEFAULT") == 0 && !*(char **)ud)
        *(char **)ud = strdup(value);
    return 0;
}

int fl_db_clone(const char *template_url, int count, const char *method, char ***urls_out,
                fl_error *err)
{
    *urls_out = NULL;
    if (count < 1)
        return fl_error_set(err, FL_ERR_USAGE, "the number of clones must be at least 1, not %d",
                            count);
    char run_id[FL_DB_RUN_ID_MAX + 1];
    fl_db_new_run_id(run_id);
    fl_db_spec spec = {(char *)"default", (char *)template_url, (char *)method};
    fl_dbset *set;
    int rc = fl_dbset_open(&spec, 1, run_id, NULL, &set, err);
    if (rc != FL_OK)
        return rc;
    rc = fl_dbset_prepare_templates(set, NULL, NULL, 0, 0, NULL, err);
    if (rc == FL_OK)
        rc = fl_dbset_clone_all(set, count, err);
    if (rc == FL_OK)
        rc = collect_urls(set, count, urls_out, err);
    int end = fl_dbset_teardown(set, rc == FL_OK, NULL, rc == FL_OK ? err : NULL);
    if (rc == FL_OK && end != FL_OK) {
        fl_strv_free(*urls_out);
        *urls_out = NULL;
        rc = end;
    }
    fl_dbset_free(set);
    return rc;
}

static int collect_urls(fl_dbset *set, int count, char ***urls_out, fl_error *err)
{
    char **urls = calloc((size_t)count + 1, sizeof *urls);
    if (!urls)
        return fl_error_set(err, FL_ERR_NOMEM, "out of memory");
    for (int k = 1; k <= count; k++) {
        int rc = fl_dbset_worker_env(set, k, take_default_url, &urls[k - 1], err);
        if (rc == FL_OK && !urls[k - 1])
            rc = fl_error_set(err, FL_ERR_NOMEM, "out of memory");
        if (rc != FL_OK) {
            fl_strv_free(urls);
            return rc;
        }
    }
    *urls_out = urls;
    return FL_OK;
}

int fl_db_drop(char *const *clone_urls, size_t n, fl_error *err)
{
    int first = FL_OK;
    for (size_t i = 0; i < n; i++) {
        const fl_db_engine *e;
        fl_error one;
        fl_error_clear(&one);
        int rc = fl_db_engine_for_url(clone_urls[i], &e, &one);
        if (rc == FL_OK)
            rc = e->drop_url(e, clone_urls[i], &one);
        if (rc != FL_OK && first == FL_OK) {
            first = rc;
            if (err)
                *err = one;
        }
    }
    return first;
}

int fl_db_gc(char *const *template_urls, size_t n, FILE *log, size_t *removed, fl_error *err)
{
    size_t count = 0;
    int first = FL_OK;
    for (size_t i = 0; i < n; i++) {
        fl_db_target *t;
        fl_error one;
        fl_error_clear(&one);
        int rc = fl_db_parse_target(template_urls[i], &t, &one);
        if (rc == FL_OK) {
            rc = t->engine->gc(t, log, &count, &one);
            t->engine->free_target(t);
        }
        if (rc != FL_OK && first == FL_OK) {
            first = rc;
            if (err)
                *err = one;
        }
    }
    if (removed)
        *removed = count;
    return first;
}
