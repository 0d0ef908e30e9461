/*
 * adapters.c — wiring the Python adapter into a run: the worker command for unittest and
 * Django, and for Django the databases to provision, read from the JSON that
 * `python -m forkless django-config` prints (the adapter knows Django's settings; the
 * coordinator knows how to clone).
 *
 * That answer only changes when its inputs do, so it is cached twice: by the adapter
 * (.forkless/django-config.json, checked by Python) and, so that an unchanged project does
 * not pay an interpreter start before its workers can start, here: the launch cache
 * (STATE_DIR/django-launch.json) holds the answer, a key over what this process passes
 * to django-config (command line, directory, environment) and the size and st_mtime_ns of
 * every file and directory the answer depends on, as the adapter listed them.  A run whose
 * key matches and whose files are all unchanged uses the answer without starting Python.
 * FORKLESS_DJANGO_CONFIG_CACHE=0 turns both caches off.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "db/sha256.h"
#include "forkless/forkless.h"
#include "platform/fs.h"
#include "platform/platform.h"

#define LAUNCH_CACHE_NAME "django-launch.json"
#define LAUNCH_FORMAT "forkless-django-launch-1"

static char **argv_of(const char *const *head, size_t nhead, char *const *tail, size_t ntail)
{
    fl_strvec v = {0};
    for (size_t i = 0; i < nhead; i++)
        fl_strvec_push(&v, fl_xstrdup(head[i]));
    for (size_t i = 0; i < ntail; i++)
        fl_strvec_push(&v, fl_xstrdup(tail[i]));
    return fl_strvec_finish(&v);
}

/* Runs argv (with envp, NULL = ours) and returns its stdout+stderr in *out; fails naming
 * the command when it does not exit 0. */
static int capture(char *const *argv, char *const *envp, char **out, fl_error *err)
{
    fl_spawn_opts so = {.argv = argv, .envp = envp, .capture_output = 1, .stdin_null = 1};
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
            int made = fl_state_dir_make(dir, err);
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

/* ---- the launch cache ------------------------------------------------------------------ */

/* FORKLESS_DJANGO_CONFIG_CACHE=0 (or no, false, off: trimmed, any case) turns caching off. */
static int config_cache_enabled(void)
{
    const char *v = getenv("FORKLESS_DJANGO_CONFIG_CACHE");
    if (!v)
        return 1;
    char word[8] = {0};
    size_t n = 0;
    for (; *v && n < sizeof word - 1; v++)
        if (*v != ' ' && *v != '\t')
            word[n++] = (char)(*v >= 'A' && *v <= 'Z' ? *v - 'A' + 'a' : *v);
    return strcmp(word, "0") && strcmp(word, "no") && strcmp(word, "false") && strcmp(word, "off");
}

/* Variables that change between shells without changing what django-config would answer. */
static int volatile_variable(const char *entry)
{
    static const char *const names[] = {"_", "OLDPWD", "SHLVL", "PWD", "COLUMNS", "LINES", "TERM_SESSION_ID",
                                        "WINDOWID", "SSH_AUTH_SOCK", "SSH_AGENT_PID", "SSH_CLIENT",
                                        "SSH_CONNECTION", "SSH_TTY", "FORKLESS_RUN_ID", "FORKLESS_WORKER",
                                        "FORKLESS_WORKERS", "FORKLESS_LAUNCH_CACHE", "FORKLESS_LAUNCH_KEY"};
    size_t len = strcspn(entry, "=");
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (strlen(names[i]) == len && !strncmp(entry, names[i], len))
            return 1;
    return 0;
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void hash_string(fl_sha256 *h, const char *s)
{
    fl_sha256_update(h, s, strlen(s) + 1); /* the NUL separates the parts */
}

/* The key of a django-config request: the command, the directory and the environment. */
static void launch_key(char *const *argv, char out[65])
{
    fl_sha256 h;
    fl_sha256_init(&h);
    hash_string(&h, LAUNCH_FORMAT);
    for (char *const *a = argv; *a; a++)
        hash_string(&h, *a);
    char *cwd = fl_fs_absolute(".");
    hash_string(&h, cwd ? cwd : "");
    free(cwd);
    size_t n = 0;
    for (char **e = fl_environ(); *e; e++)
        n++;
    char **sorted = fl_xcalloc(n + 1, sizeof *sorted);
    memcpy(sorted, fl_environ(), n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, compare_strings);
    for (size_t i = 0; i < n; i++)
        if (!volatile_variable(sorted[i]))
            hash_string(&h, sorted[i]);
    free(sorted);
    fl_sha256_hex(&h, out);
}

/* 1 when every [st_mtime_ns, size] stamp still matches its file (and there is one). */
static int stamps_unchanged(json_t *stamps)
{
    if (!json_is_object(stamps) || json_object_size(stamps) == 0)
        return 0;
    const char *path;
    json_t *stamp;
    json_object_foreach(stamps, path, stamp)
    {
        uint64_t size;
        int64_t mtime_ns;
        json_t *want_mtime = json_array_get(stamp, 0), *want_size = json_array_get(stamp, 1);
        if (!json_is_integer(want_mtime) || !json_is_integer(want_size) || !fl_fs_stamp(path, &size, &mtime_ns) ||
            (json_int_t)mtime_ns != json_integer_value(want_mtime) ||
            (json_int_t)size != json_integer_value(want_size))
            return 0;
    }
    return 1;
}

/* 1 when `python` (as given: a path or a name found in PATH) is still the interpreter that
 * computed the answer: the key covers the command and PATH, but not what a name, a shim or
 * a symbolic link resolves to (pyenv global, update-alternatives, a new python3 earlier in
 * PATH).  The interpreter reported itself as sys.executable (the path it was found at) and
 * its real path; a shim or wrapper script never matches, and such setups simply ask
 * Python every time. */
static int same_interpreter(const char *python, json_t *entry, json_t *config)
{
    const char *answered_by = json_string_value(json_object_get(config, "python"));
    const char *real = json_string_value(json_object_get(entry, "interpreter"));
    char *found = fl_find_program(python);
    char *found_real = found ? fl_fs_realpath(found) : NULL;
    int same = answered_by && real && found && found_real && !strcmp(found, answered_by) && !strcmp(found_real, real);
    free(found);
    free(found_real);
    return same;
}

/* The cached answer when key, interpreter and stamps match (a new reference), else NULL. */
static json_t *launch_cache_lookup(const char *path, const char *key, const char *python)
{
    json_t *entry = json_load_file(path, 0, NULL);
    if (!entry)
        return NULL;
    json_t *config = json_object_get(entry, "config");
    const char *stored = json_string_value(json_object_get(entry, "key"));
    json_t *answer = NULL;
    if (stored && !strcmp(stored, key) && json_is_object(config) && same_interpreter(python, entry, config) &&
        stamps_unchanged(json_object_get(entry, "stamps")))
        answer = json_incref(config);
    json_decref(entry);
    return answer;
}

/* Our environment plus the two variables that ask django-config to fill the launch cache. */
static char **environment_for_launch_cache(const char *path, const char *key)
{
    fl_strvec v = {0};
    for (char **e = fl_environ(); *e; e++)
        if (strncmp(*e, "FORKLESS_LAUNCH_", 16) != 0)
            fl_strvec_push(&v, fl_xstrdup(*e));
    char *absolute = fl_fs_absolute(path);
    fl_strvec_push(&v, fl_xasprintf("FORKLESS_LAUNCH_CACHE=%s", absolute ? absolute : path));
    free(absolute);
    fl_strvec_push(&v, fl_xasprintf("FORKLESS_LAUNCH_KEY=%s", key));
    return fl_strvec_finish(&v);
}

/* ---- django-config ----------------------------------------------------------------------- */

/* Runs django-config (envp: NULL = ours) and parses the JSON object it prints last. */
static int ask_django_config(char *const *argv, char *const *envp, json_t **cfg, fl_error *err)
{
    char *out = NULL;
    int rc = capture(argv, envp, &out, err);
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
    *cfg = json_loads(last, 0, &jerr);
    if (!*cfg)
        rc = fl_error_set(err, FL_ERR_USAGE, "django-config printed no JSON (%s): %.500s", jerr.text, out);
    free(out);
    return rc;
}

/* The django-config answer: from the launch cache when it is fresh, else from Python. */
static int django_config(char *const *argv, const char *state_dir, json_t **cfg, fl_error *err)
{
    if (!config_cache_enabled())
        return ask_django_config(argv, NULL, cfg, err);
    char key[65];
    launch_key(argv, key);
    char *path = fl_xasprintf("%s/%s", state_dir && *state_dir ? state_dir : ".forkless", LAUNCH_CACHE_NAME);
    *cfg = launch_cache_lookup(path, key, argv[0]);
    int rc = FL_OK;
    if (!*cfg) {
        char **envp = environment_for_launch_cache(path, key);
        rc = ask_django_config(argv, envp, cfg, err);
        fl_strv_free(envp);
    }
    free(path);
    return rc;
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
    json_t *cfg = NULL;
    int rc = django_config(argv, o->state_dir, &cfg, err);
    fl_strv_free(argv);
    if (rc == FL_OK) {
        rc = apply_django_config(o, cfg, args, nargs, err);
        json_decref(cfg);
    }
    return rc;
}
