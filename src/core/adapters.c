/*
 * adapters.c — wiring the Python adapter into a run: the worker command for unittest and
 * Django, and for Django the databases to provision, read from the JSON that
 * `python -m forkless django-config` prints (the adapter knows Django's settings; the
 * coordinator knows how to clone).
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "forkless/forkless.h"
#include "platform/platform.h"

static char **argv_of(const char *const *head, size_t nhead, char *const *tail, size_t ntail)
{
    fl_strvec v = {0};
    for (size_t i = 0; i < nhead; i++)
        fl_strvec_push(&v, fl_xstrdup(head[i]));
    for (size_t i = 0; i < ntail; i++)
        fl_strvec_push(&v, fl_xstrdup(tail[i]));
    return fl_strvec_finish(&v);
}

/* Runs argv and returns its stdout+stderr in *out; fails naming the command when it does
 * not exit 0. */
static int capture(char *const *argv, char **out, fl_error *err)
{
    fl_spawn_opts so = {.argv = argv, .capture_output = 1, .stdin_null = 1};
    fl_proc *p;
    int rc = fl_spawn(&so, &p, err);
    if (rc != FL_OK)
        return rc;
    fl_bytes b = {0};
    char buf[65536];
    fl_stream *s = fl_proc_output(p);
    for (;;) {
        fl_wait_item it = {s, 0, 0};
        fl_wait(&it, 1, 1000);
        long n = fl_stream_read(s, buf, sizeof buf);
        if (n == 0 || n == FL_STREAM_ERROR)
            break;
        if (n > 0)
            fl_bytes_append(&b, buf, (size_t)n);
    }
    fl_exit ex;
    fl_proc_wait(p, &ex);
    fl_proc_free(p);
    *out = fl_bytes_take(&b);
    if (!ex.exited || ex.code != 0)
        return fl_error_set(err, FL_ERR_USAGE, "'%s %s %s %s' failed (%s):\n%s", argv[0], argv[1], argv[2], argv[3],
                            ex.desc, *out);
    return FL_OK;
}

static char **json_strings(json_t *array)
{
    fl_strvec v = {0};
    size_t i;
    json_t *item;
    json_array_foreach(array, i, item)
    {
        if (json_is_string(item))
            fl_strvec_push(&v, fl_xstrdup(json_string_value(item)));
    }
    return fl_strvec_finish(&v);
}

static int apply_django_config(fl_options *o, json_t *cfg, char *const *labels, size_t nlabels, fl_error *err)
{
    json_t *dbs = json_object_get(cfg, "databases");
    size_t i;
    json_t *db;
    json_array_foreach(dbs, i, db)
    {
        const char *alias = json_string_value(json_object_get(db, "alias"));
        const char *url = json_string_value(json_object_get(db, "url"));
        const char *method = json_string_value(json_object_get(db, "method"));
        if (!alias || !url)
            return fl_error_set(err, FL_ERR_USAGE, "django-config: a database without alias or url");
        const char *engine = json_string_value(json_object_get(db, "engine"));
        const char *name = json_string_value(json_object_get(db, "name"));
        if (engine && name && !strcmp(engine, "sqlite") && strrchr(name, '/')) {
            /* The project's .forkless/ holds SQLite templates: make it on first use. */
            char *dir = fl_xstrndup(name, (size_t)(strrchr(name, '/') - name));
            int made = fl_mkdir_p(dir, err);
            free(dir);
            if (made != FL_OK)
                return made;
        }
        char *spec = fl_xasprintf("%s=%s", alias, url);
        int rc = fl_options_add_db(o, spec, err);
        free(spec);
        if (rc != FL_OK)
            return rc;
        if (method)
            o->dbs[o->n_dbs - 1].method = fl_xstrdup(method);
    }
    if (o->n_dbs && !o->setup_argv)
        o->setup_argv = json_strings(json_object_get(cfg, "setup"));
    char **inputs = json_strings(json_object_get(cfg, "setup_inputs"));
    for (char **p = inputs; *p; p++) {
        o->setup_inputs = fl_xrealloc(o->setup_inputs, (o->n_setup_inputs + 1) * sizeof *o->setup_inputs);
        o->setup_inputs[o->n_setup_inputs++] = *p;
    }
    free(inputs);
    char **worker = json_strings(json_object_get(cfg, "worker"));
    size_t n = 0;
    while (worker[n])
        n++;
    char **full = argv_of((const char *const *)worker, n, labels, nlabels);
    fl_strv_free(worker);
    size_t nfull = n + nlabels;
    int rc = nfull ? fl_options_set_worker(o, full, nfull, err)
                   : fl_error_set(err, FL_ERR_USAGE, "django-config gave no worker command");
    fl_strv_free(full);
    return rc;
}

/* Puts the first directory holding the adapter package in front of PYTHONPATH. */
static void add_to_pythonpath(const char *const *dirs)
{
    for (size_t i = 0; dirs && dirs[i]; i++) {
        char *probe = fl_xasprintf("%s/forkless/__init__.py", dirs[i]);
        int found = fl_file_exists(probe);
        free(probe);
        if (!found)
            continue;
        const char *old = getenv("PYTHONPATH");
        char *value = fl_xasprintf("%s%s%s", dirs[i], old && *old ? ":" : "", old ? old : "");
        fl_setenv("PYTHONPATH", value);
        free(value);
        return;
    }
}

int fl_options_use_python_adapter(fl_options *o, fl_adapter_kind kind, const char *python, const char *settings,
                                  char *const *args, size_t nargs, const char *const *adapter_dirs, fl_error *err)
{
    add_to_pythonpath(adapter_dirs);
    if (kind == FL_ADAPTER_UNITTEST) {
        const char *head[] = {python, "-m", "forkless", "unittest"};
        char **argv = argv_of(head, 4, args, nargs);
        int rc = fl_options_set_worker(o, argv, 4 + nargs, err);
        fl_strv_free(argv);
        return rc;
    }
    const char *head[] = {python, "-m", "forkless", "django-config", "--settings", settings};
    char **argv = argv_of(head, settings ? 6 : 4, args, nargs);
    char *out = NULL;
    int rc = capture(argv, &out, err);
    fl_strv_free(argv);
    if (rc != FL_OK) {
        free(out);
        return rc;
    }
    /* The JSON is the last line: the project may have printed before it. */
    char *last = out + strlen(out);
    while (last > out && (last[-1] == '\n' || last[-1] == ' '))
        *--last = 0;
    while (last > out && last[-1] != '\n')
        last--;
    json_error_t jerr;
    json_t *cfg = json_loads(last, 0, &jerr);
    if (!cfg) {
        rc = fl_error_set(err, FL_ERR_USAGE, "django-config printed no JSON (%s): %.500s", jerr.text, out);
    } else {
        rc = apply_django_config(o, cfg, args, nargs, err);
        json_decref(cfg);
    }
    free(out);
    return rc;
}
