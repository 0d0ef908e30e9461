/*
 * options.c — the options shared by `forkless run`, `forkless list` and every C test
 * binary: one parser for the command line, one for forkless.ini (inih), one help text.
 * Command-line flags win over the file because the file is read first and every flag
 * overwrites.  Also the shell-like word splitter used for commands given as one string.
 */
#include <ctype.h>
#include <errno.h>
#if defined(FL_HAVE_INIH)
#include <ini.h>
#endif
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/util.h"
#include "platform/platform.h"
#include "forkless/forkless.h"

void fl_options_init(fl_options *o)
{
    memset(o, 0, sizeof *o);
    o->hello_timeout = 30;
    o->kill_grace = 2;
    o->color = -1;
    o->progress = -1;
    o->max_respawns = 3;
}

void fl_strv_free(char **v)
{
    if (!v)
        return;
    for (char **p = v; *p; p++)
        free(*p);
    free(v);
}

void fl_options_free(fl_options *o)
{
    for (size_t i = 0; i < o->n_filters; i++)
        free(o->filters[i]);
    free(o->filters);
    free(o->junit_path);
    free(o->json_path);
    free(o->state_dir);
    fl_strv_free(o->worker_argv);
    for (size_t i = 0; i < o->n_dbs; i++) {
        free(o->dbs[i].alias);
        free(o->dbs[i].url);
        free(o->dbs[i].method);
    }
    free(o->dbs);
    fl_strv_free(o->setup_argv);
    for (size_t i = 0; i < o->n_setup_inputs; i++)
        free(o->setup_inputs[i]);
    free(o->setup_inputs);
    memset(o, 0, sizeof *o);
}

/* ---- word splitting ------------------------------------------------------------------- */

int fl_split_command(const char *line, char ***argv_out, size_t *argc_out, fl_error *err)
{
    fl_strvec words = {0};
    fl_bytes word = {0};
    const char *p = line;
    int in_word = 0;
    while (*p) {
        char c = *p;
        if (c == ' ' || c == '\t' || c == '\n') {
            if (in_word) {
                fl_strvec_push(&words, fl_bytes_take(&word));
                in_word = 0;
            }
            p++;
        } else if (c == '\'') {
            const char *end = strchr(p + 1, '\'');
            if (!end)
                goto unbalanced;
            fl_bytes_append(&word, p + 1, (size_t)(end - p - 1));
            in_word = 1;
            p = end + 1;
        } else if (c == '"') {
            p++;
            while (*p && *p != '"') {
                if (*p == '\\' && (p[1] == '"' || p[1] == '\\' || p[1] == '$' || p[1] == '`'))
                    p++;
                fl_bytes_append(&word, p, 1);
                p++;
            }
            if (*p != '"')
                goto unbalanced;
            p++;
            in_word = 1;
        } else if (c == '\\' && p[1]) {
            fl_bytes_append(&word, p + 1, 1);
            p += 2;
            in_word = 1;
        } else {
            fl_bytes_append(&word, p, 1);
            in_word = 1;
            p++;
        }
    }
    if (in_word)
        fl_strvec_push(&words, fl_bytes_take(&word));
    fl_bytes_free(&word);
    if (argc_out)
        *argc_out = words.n;
    *argv_out = fl_strvec_finish(&words);
    return FL_OK;
unbalanced:
    fl_bytes_free(&word);
    fl_strv_free(fl_strvec_finish(&words));
    return fl_error_set(err, FL_ERR_USAGE, "unbalanced quotes in command: %s", line);
}

/* ---- setters ---------------------------------------------------------------------------- */

static char **copy_argv(char *const *argv, size_t argc)
{
    char **v = calloc(argc + 1, sizeof *v);
    for (size_t i = 0; v && i < argc; i++)
        v[i] = fl_xstrdup(argv[i]);
    return v;
}

int fl_options_set_worker(fl_options *o, char *const *argv, size_t argc, fl_error *err)
{
    if (argc == 0)
        return fl_error_set(err, FL_ERR_USAGE, "the worker command is empty");
    fl_strv_free(o->worker_argv);
    o->worker_argv = copy_argv(argv, argc);
    o->worker_argc = argc;
    return FL_OK;
}

static int valid_alias(const char *s, size_t len)
{
    if (len == 0 || len > 40)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '_')
            return 0;
    return 1;
}

static fl_db_spec *db_for_alias(fl_options *o, const char *alias, size_t len)
{
    for (size_t i = 0; i < o->n_dbs; i++)
        if (strlen(o->dbs[i].alias) == len && strncasecmp(o->dbs[i].alias, alias, len) == 0)
            return &o->dbs[i];
    o->dbs = fl_xrealloc(o->dbs, (o->n_dbs + 1) * sizeof *o->dbs);
    fl_db_spec *d = &o->dbs[o->n_dbs++];
    memset(d, 0, sizeof *d);
    d->alias = fl_xstrndup(alias, len);
    return d;
}

/* "ALIAS=URL" or a bare URL (alias "default").  A URL contains "://" or ":" before any
 * "=", so "default=sqlite:x.db" splits at the first '=' only when what precedes it is an
 * alias. */
int fl_options_add_db(fl_options *o, const char *spec, fl_error *err)
{
    const char *eq = strchr(spec, '=');
    const char *colon = strchr(spec, ':');
    const char *alias = "default", *url = spec;
    size_t alias_len = 7;
    if (eq && (!colon || eq < colon)) {
        alias = spec;
        alias_len = (size_t)(eq - spec);
        url = eq + 1;
        if (!valid_alias(alias, alias_len))
            return fl_error_set(err, FL_ERR_USAGE,
                                "bad database alias '%.*s' in --db (letters, digits and _ only)",
                                (int)alias_len, alias);
    }
    if (!*url || !strchr(url, ':')) {
        char red[512];
        fl_db_redact_url(url, red, sizeof red);
        return fl_error_set(err, FL_ERR_USAGE,
                            "bad --db value '%s': expected ALIAS=URL such as default=sqlite:test.db", red);
    }
    fl_db_spec *d = db_for_alias(o, alias, alias_len);
    free(d->url);
    d->url = fl_xstrdup(url);
    return FL_OK;
}

static int set_db_method(fl_options *o, const char *spec, fl_error *err)
{
    const char *eq = strchr(spec, '=');
    const char *alias = "default", *method = spec;
    size_t alias_len = 7;
    if (eq) {
        alias = spec;
        alias_len = (size_t)(eq - spec);
        method = eq + 1;
    }
    if (!valid_alias(alias, alias_len) || !*method)
        return fl_error_set(err, FL_ERR_USAGE, "bad --db-method value '%s': expected ALIAS=METHOD", spec);
    fl_db_spec *d = db_for_alias(o, alias, alias_len);
    free(d->method);
    d->method = fl_xstrdup(method);
    return FL_OK;
}

static void add_filter(fl_options *o, const char *glob)
{
    o->filters = fl_xrealloc(o->filters, (o->n_filters + 1) * sizeof *o->filters);
    o->filters[o->n_filters++] = fl_xstrdup(glob);
}

static void add_setup_input(fl_options *o, const char *glob)
{
    o->setup_inputs = fl_xrealloc(o->setup_inputs, (o->n_setup_inputs + 1) * sizeof *o->setup_inputs);
    o->setup_inputs[o->n_setup_inputs++] = fl_xstrdup(glob);
}

static void replace_str(char **slot, const char *value)
{
    free(*slot);
    *slot = fl_xstrdup(value);
}

/* ---- value parsers ---------------------------------------------------------------------- */

static int parse_jobs(const char *v, int *out, fl_error *err)
{
    if (strcmp(v, "auto") == 0 || strcmp(v, "0") == 0) {
        *out = 0;
        return FL_OK;
    }
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno || *end || n < 1 || n > 1024)
        return fl_error_set(err, FL_ERR_USAGE, "bad number of jobs '%s': expected 1..1024 or auto", v);
    *out = (int)n;
    return FL_OK;
}

static int parse_seconds(const char *name, const char *v, double *out, fl_error *err)
{
    char *end;
    errno = 0;
    double d = strtod(v, &end);
    if (errno || end == v || *end || d < 0 || d > 1e7)
        return fl_error_set(err, FL_ERR_USAGE, "bad %s '%s': expected a number of seconds", name, v);
    *out = d;
    return FL_OK;
}

static int parse_bool(const char *name, const char *v, int *out, fl_error *err)
{
    if (!strcasecmp(v, "1") || !strcasecmp(v, "true") || !strcasecmp(v, "yes") || !strcasecmp(v, "on")) {
        *out = 1;
        return FL_OK;
    }
    if (!strcasecmp(v, "0") || !strcasecmp(v, "false") || !strcasecmp(v, "no") || !strcasecmp(v, "off")) {
        *out = 0;
        return FL_OK;
    }
    return fl_error_set(err, FL_ERR_USAGE, "bad value '%s' for %s: expected true or false", v, name);
}

static int parse_when(const char *name, const char *v, int *out, fl_error *err)
{
    if (!strcmp(v, "auto"))
        *out = -1;
    else if (!strcmp(v, "always") || !strcmp(v, "yes"))
        *out = 1;
    else if (!strcmp(v, "never") || !strcmp(v, "no"))
        *out = 0;
    else
        return fl_error_set(err, FL_ERR_USAGE, "bad value '%s' for %s: expected auto, always or never", v, name);
    return FL_OK;
}

static int set_setup_command(fl_options *o, const char *line, fl_error *err)
{
    char **argv;
    size_t argc;
    int rc = fl_split_command(line, &argv, &argc, err);
    if (rc != FL_OK)
        return rc;
    if (argc == 0) {
        fl_strv_free(argv);
        return fl_error_set(err, FL_ERR_USAGE, "the setup command is empty");
    }
    fl_strv_free(o->setup_argv);
    o->setup_argv = argv;
    return FL_OK;
}

static void add_words(fl_options *o, const char *line, void (*add)(fl_options *, const char *))
{
    char **words;
    if (fl_split_command(line, &words, NULL, NULL) != FL_OK)
        return;
    for (char **w = words; *w; w++)
        add(o, *w);
    fl_strv_free(words);
}

/* ---- one table of value options, used by both parsers ------------------------------------ */

typedef enum { OPT_JOBS, OPT_TIMEOUT, OPT_HELLO, OPT_GRACE, OPT_FILTER, OPT_JUNIT, OPT_JSON, OPT_STATE,
               OPT_DB, OPT_DB_METHOD, OPT_SETUP, OPT_SETUP_INPUT, OPT_COLOR, OPT_PROGRESS, OPT_RESPAWNS,
               OPT_WORKER, OPT_CONFIG, OPT_FAIL_FAST, OPT_NO_CAPTURE, OPT_VERBOSE, OPT_REBUILD, OPT_KEEP } opt_id;

typedef struct opt_def {
    const char *flag;     /* long flag without "--" */
    char short_flag;
    const char *ini_key;  /* key in forkless.ini [run], NULL if not allowed there */
    opt_id id;
    int takes_value;
} opt_def;

static const opt_def opt_table[] = {
    {"jobs", 'j', "jobs", OPT_JOBS, 1},
    {"timeout", 't', "timeout", OPT_TIMEOUT, 1},
    {"hello-timeout", 0, "hello_timeout", OPT_HELLO, 1},
    {"kill-grace", 0, "kill_grace", OPT_GRACE, 1},
    {"filter", 'k', "filter", OPT_FILTER, 1},
    {"junit", 0, "junit", OPT_JUNIT, 1},
    {"json", 0, "json", OPT_JSON, 1},
    {"state-dir", 0, "state_dir", OPT_STATE, 1},
    {"db", 0, NULL, OPT_DB, 1},
    {"db-method", 0, NULL, OPT_DB_METHOD, 1},
    {"setup", 0, "setup", OPT_SETUP, 1},
    {"setup-input", 0, "setup_inputs", OPT_SETUP_INPUT, 1},
    {"color", 0, "color", OPT_COLOR, 1},
    {"progress", 0, "progress", OPT_PROGRESS, 1},
    {"max-respawns", 0, "max_respawns", OPT_RESPAWNS, 1},
    {NULL, 0, "worker", OPT_WORKER, 1},
    {"config", 0, NULL, OPT_CONFIG, 1},
    {"fail-fast", 'x', "fail_fast", OPT_FAIL_FAST, 0},
    {"no-capture", 's', "no_capture", OPT_NO_CAPTURE, 0},
    {"verbose", 'v', "verbose", OPT_VERBOSE, 0},
    {"rebuild", 0, "rebuild", OPT_REBUILD, 0},
    {"keep", 0, "keep", OPT_KEEP, 0},
};

static const char *option_name(int id);

static int apply_option(fl_options *o, opt_id id, const char *v, int from_ini, fl_error *err)
{
    int flag = 1, rc = FL_OK;
    switch (id) {
    case OPT_JOBS: return parse_jobs(v, &o->jobs, err);
    case OPT_TIMEOUT: return parse_seconds("timeout", v, &o->timeout, err);
    case OPT_HELLO: return parse_seconds("hello timeout", v, &o->hello_timeout, err);
    case OPT_GRACE: return parse_seconds("kill grace", v, &o->kill_grace, err);
    case OPT_FILTER:
        if (from_ini)
            add_words(o, v, add_filter);
        else
            add_filter(o, v);
        return FL_OK;
    case OPT_JUNIT: replace_str(&o->junit_path, v); return FL_OK;
    case OPT_JSON: replace_str(&o->json_path, v); return FL_OK;
    case OPT_STATE: replace_str(&o->state_dir, v); return FL_OK;
    case OPT_DB: return fl_options_add_db(o, v, err);
    case OPT_DB_METHOD: return set_db_method(o, v, err);
    case OPT_SETUP: return set_setup_command(o, v, err);
    case OPT_SETUP_INPUT:
        if (from_ini)
            add_words(o, v, add_setup_input);
        else
            add_setup_input(o, v);
        return FL_OK;
    case OPT_COLOR: return parse_when("--color", v, &o->color, err);
    case OPT_PROGRESS: return parse_when("--progress", v, &o->progress, err);
    case OPT_RESPAWNS: {
        double d;
        rc = parse_seconds("max respawns", v, &d, err);
        o->max_respawns = (int)d < 1 ? 1 : (int)d;
        return rc;
    }
    case OPT_CONFIG: return FL_OK; /* read before the flags, by fl_options_load */
    case OPT_WORKER: {
        char **argv;
        size_t argc;
        rc = fl_split_command(v, &argv, &argc, err);
        if (rc == FL_OK)
            rc = fl_options_set_worker(o, argv, argc, err);
        fl_strv_free(argv);
        return rc;
    }
    default: break;
    }
    if (v && (rc = parse_bool(option_name(id), v, &flag, err)) != FL_OK)
        return rc;
    switch (id) {
    case OPT_FAIL_FAST: o->fail_fast = flag; break;
    case OPT_NO_CAPTURE: o->no_capture = flag; break;
    case OPT_VERBOSE: o->verbose = flag; break;
    case OPT_REBUILD: o->rebuild = flag; break;
    case OPT_KEEP: o->keep = flag; break;
    default: break;
    }
    return FL_OK;
}

static const char *option_name(int id)
{
    for (size_t i = 0; i < sizeof opt_table / sizeof *opt_table; i++)
        if ((int)opt_table[i].id == id)
            return opt_table[i].ini_key ? opt_table[i].ini_key : opt_table[i].flag;
    return "option";
}

/* ---- command line ---------------------------------------------------------------------- */

static const opt_def *find_long(const char *name, size_t len)
{
    for (size_t i = 0; i < sizeof opt_table / sizeof *opt_table; i++)
        if (opt_table[i].flag && strlen(opt_table[i].flag) == len && !strncmp(opt_table[i].flag, name, len))
            return &opt_table[i];
    return NULL;
}

static const opt_def *find_short(char c)
{
    for (size_t i = 0; i < sizeof opt_table / sizeof *opt_table; i++)
        if (opt_table[i].short_flag == c)
            return &opt_table[i];
    return NULL;
}

int fl_options_parse_args(fl_options *o, int argc, char **argv, int stop_at_command, int *used,
                          fl_error *err)
{
    int i = 0;
    while (i < argc) {
        const char *a = argv[i];
        if (!strcmp(a, "--")) {
            i++;
            break;
        }
        if (a[0] != '-' || a[1] == 0) {
            if (stop_at_command)
                break;
            return fl_error_set(err, FL_ERR_USAGE, "unexpected argument '%s'", a);
        }
        const opt_def *d;
        const char *value = NULL;
        if (a[1] == '-') {
            const char *name = a + 2, *eq = strchr(name, '=');
            size_t len = eq ? (size_t)(eq - name) : strlen(name);
            d = find_long(name, len);
            if (!d)
                return fl_error_set(err, FL_ERR_USAGE, "unknown option '%s' (see --help)", a);
            if (eq) {
                if (!d->takes_value)
                    return fl_error_set(err, FL_ERR_USAGE, "option '--%s' takes no value", d->flag);
                value = eq + 1;
            }
        } else {
            d = find_short(a[1]);
            if (!d)
                return fl_error_set(err, FL_ERR_USAGE, "unknown option '%s' (see --help)", a);
            if (a[2]) {
                if (!d->takes_value)
                    return fl_error_set(err, FL_ERR_USAGE, "option '-%c' takes no value", a[1]);
                value = a + 2;
            }
        }
        i++;
        if (d->takes_value && !value) {
            if (i >= argc)
                return fl_error_set(err, FL_ERR_USAGE, "option '%s' needs a value", a);
            value = argv[i++];
        }
        int rc = apply_option(o, d->id, value, 0, err);
        if (rc != FL_OK)
            return rc;
    }
    if (used)
        *used = i;
    return FL_OK;
}

/* ---- forkless.ini ---------------------------------------------------------------------- */

#if defined(FL_HAVE_INIH)
typedef struct ini_ctx {
    fl_options *o;
    fl_error *err;
    const char *path;
    int failed;
} ini_ctx;

static int ini_db_key(ini_ctx *c, const char *alias, const char *key, const char *value)
{
    size_t alias_len = strlen(alias);
    if (!valid_alias(alias, alias_len)) {
        fl_error_set(c->err, FL_ERR_USAGE, "%s: bad database alias [db.%s]", c->path, alias);
        return 0;
    }
    fl_db_spec *d = db_for_alias(c->o, alias, alias_len);
    if (!strcmp(key, "url")) {
        replace_str(&d->url, value);
    } else if (!strcmp(key, "method")) {
        replace_str(&d->method, value);
    } else {
        fl_error_set(c->err, FL_ERR_USAGE, "%s: unknown key '%s' in [db.%s] (url, method)", c->path, key,
                     alias);
        return 0;
    }
    return 1;
}

static int on_ini_entry(void *user, const char *section, const char *key, const char *value)
{
    ini_ctx *c = user;
    if (c->failed)
        return 0;
    int ok = 1;
    if (!strncmp(section, "db.", 3)) {
        ok = ini_db_key(c, section + 3, key, value);
    } else if (!*section || !strcmp(section, "run") || !strcmp(section, "forkless")) {
        const opt_def *d = NULL;
        for (size_t i = 0; i < sizeof opt_table / sizeof *opt_table; i++)
            if (opt_table[i].ini_key && !strcmp(opt_table[i].ini_key, key))
                d = &opt_table[i];
        if (!d) {
            fl_error_set(c->err, FL_ERR_USAGE, "%s: unknown key '%s' in [%s]", c->path, key, *section ? section : "run");
            ok = 0;
        } else if (apply_option(c->o, d->id, value, 1, c->err) != FL_OK) {
            fl_error_prefix(c->err, "%s: [%s] %s", c->path, *section ? section : "run", key);
            ok = 0;
        }
    } else {
        fl_error_set(c->err, FL_ERR_USAGE, "%s: unknown section [%s] (use [run] or [db.ALIAS])", c->path,
                     section);
        ok = 0;
    }
    if (!ok)
        c->failed = 1;
    return ok;
}

int fl_options_load_ini(fl_options *o, const char *path, fl_error *err)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return fl_error_set(err, FL_ERR_USAGE, "cannot read configuration '%s': %s", path, strerror(errno));
    ini_ctx c = {o, err, path, 0};
    int r = ini_parse_file(f, on_ini_entry, &c);
    fclose(f);
    if (c.failed)
        return FL_ERR_USAGE;
    if (r != 0)
        return fl_error_set(err, FL_ERR_USAGE, "%s:%d: syntax error", path, r);
    return FL_OK;
}
#else
int fl_options_load_ini(fl_options *o, const char *path, fl_error *err)
{
    (void)o;
    return fl_error_set(err, FL_ERR_UNSUPPORTED,
                        "cannot read '%s': this build of forkless has no configuration-file support "
                        "(inih was not available when it was built); give the options as flags", path);
}
#endif

void fl_options_print_help(FILE *out)
{
    fputs("Options (also in forkless.ini: [run] key = value, keys in brackets; flags win):\n"
          "  -j, --jobs N|auto        workers to run at once (default auto: one per CPU) [jobs]\n"
          "  -t, --timeout SECS       a test running longer is TIMEOUT; its worker's process tree is\n"
          "                           killed (SIGTERM, then SIGKILL after --kill-grace) [timeout]\n"
          "  -k, --filter GLOB        run only tests whose id matches GLOB (repeatable) [filter]\n"
          "  -x, --fail-fast          stop starting tests after the first failure [fail_fast]\n"
          "  -s, --no-capture         stream worker output instead of capturing it per test [no_capture]\n"
          "  -v, --verbose            a line for every test, not only failures [verbose]\n"
          "      --junit FILE         write a JUnit XML report [junit]\n"
          "      --json FILE          write one JSON event per line [json]\n"
          "      --color WHEN         auto, always or never (NO_COLOR is honoured) [color]\n"
          "      --progress WHEN      live status line: auto (on a terminal), always, never [progress]\n"
          "      --hello-timeout SECS how long a worker may take to say hello (default 30) [hello_timeout]\n"
          "      --kill-grace SECS    between SIGTERM and SIGKILL (default 2) [kill_grace]\n"
          "      --max-respawns N     stop when a slot's workers die N times in a row without\n"
          "                           finishing a test (default 3) [max_respawns]\n"
          "      --state-dir DIR      where durations are kept (default .forkless) [state_dir]\n"
          "Databases (each worker gets its own clone of every template):\n"
          "      --db ALIAS=URL       a template database: sqlite:path.db, sqlite:///abs.db,\n"
          "                           postgresql://..., mysql://... ([db.ALIAS] url = ...)\n"
          "      --db-method ALIAS=M  clone method ([db.ALIAS] method): sqlite copy|backup|memory|dump,\n"
          "                           postgresql file_copy|wal_log, mysql copy|dump,\n"
          "                           oracle auto|schema|pdb|migrate (first = default)\n"
          "      --setup CMD          fill the templates once (migrations); cached while the command\n"
          "                           and the --setup-input files are unchanged [setup]\n"
          "      --setup-input GLOB   files whose content keys the template cache (repeatable) [setup_inputs]\n"
          "      --rebuild            rebuild the templates even if cached [rebuild]\n"
          "      --keep               keep the clones after the run and print where they are [keep]\n"
          "      --config FILE        read options from FILE instead of ./forkless.ini\n",
          out);
}

/* Finds --config FILE among the flags (before the worker command). */
static const char *find_config_flag(int argc, char **argv)
{
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--"))
            break;
        if (!strcmp(argv[i], "--config") && i + 1 < argc)
            return argv[i + 1];
        if (!strncmp(argv[i], "--config=", 9))
            return argv[i] + 9;
    }
    return NULL;
}

int fl_options_load(fl_options *o, int argc, char **argv, int stop_at_command, int *used, fl_error *err)
{
    const char *config = find_config_flag(argc, argv);
    int rc = FL_OK;
    if (config)
        rc = fl_options_load_ini(o, config, err);
    else if (fl_file_exists("forkless.ini"))
        rc = fl_options_load_ini(o, "forkless.ini", err);
    if (rc != FL_OK)
        return rc;
    return fl_options_parse_args(o, argc, argv, stop_at_command, used, err);
}
