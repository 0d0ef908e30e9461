/*
 * client_lib.c — run-time loading of a database client library (client_lib.h): the
 * override variable or else each candidate name in turn through fl_dl_open (the system
 * loader's search: LD_LIBRARY_PATH, the loader cache, DYLD paths, the DLL search order),
 * every needed function looked up with fl_dl_sym, and a message for people that lists
 * what was tried when nothing fits.  The library stays loaded for the life of the
 * process (its functions are called from any thread until exit).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/client_lib.h"
#include "platform/platform.h"

enum { LOAD_NONE, LOAD_BUSY, LOAD_OK, LOAD_FAILED };

/* Appends "name (reason)" to the list of what was tried. */
static void note_attempt(char *tried, size_t size, const char *name, const char *why)
{
    size_t len = strlen(tried);
    if (len + 1 < size)
        snprintf(tried + len, size - len, "%s%.200s (%.200s)", len ? "; " : "", name, why);
}

/* The loader's reason without the name it repeats ("cannot load X: X: invalid ELF
 * header" -> "invalid ELF header"); a missing file is just "not found". */
static const char *loader_reason(const char *msg, const char *name)
{
    const char *why = msg;
    size_t nlen = strlen(name);
    if (strncmp(why, "cannot load ", 12) == 0 && strncmp(why + 12, name, nlen) == 0 &&
        strncmp(why + 12 + nlen, ": ", 2) == 0)
        why += 12 + nlen + 2;
    if (strncmp(why, name, nlen) == 0 && strncmp(why + nlen, ": ", 2) == 0)
        why += nlen + 2;
    if (strstr(why, "No such file") || strstr(why, "cannot find the file") ||
        strstr(why, "image not found"))
        return "not found";
    return *why ? why : "unknown reason";
}

/* Looks every function up; the first one missing in *missing. */
static int lookup_all(fl_client_lib *lib, void *handle, const char **missing)
{
    for (const fl_client_symbol *s = lib->symbols; s->name; s++) {
        void *sym = fl_dl_sym(handle, s->name);
        if (!sym) {
            *missing = s->name;
            return -1;
        }
        memcpy(s->slot, &sym, sizeof sym); /* a function pointer, stored as such */
    }
    return 0;
}

/* Tries one file; 1 when it loaded and has every function. */
static int try_library(fl_client_lib *lib, const char *name, char *tried, size_t size)
{
    fl_error e = {0};
    void *handle = fl_dl_open(name, &e);
    if (!handle) {
        note_attempt(tried, size, name, loader_reason(e.msg, name));
        return 0;
    }
    const char *missing = NULL;
    if (lookup_all(lib, handle, &missing) != 0) {
        char why[160];
        snprintf(why, sizeof why, "loaded, but it has no %s: another library?", missing);
        note_attempt(tried, size, name, why);
        fl_dl_close(handle);
        return 0;
    }
    lib->handle = handle;
    return 1;
}

/* Runs the library's own initialisation, if any: 1 when done, else 0 with the reason. */
static int initialise(fl_client_lib *lib)
{
    const char *why = lib->after_load ? lib->after_load() : NULL;
    if (!why)
        return 1;
    snprintf(lib->failure, sizeof lib->failure, "%s was loaded but %s", lib->title, why);
    return 0;
}

/* The first load: 1 on success, else 0 with lib->failure written. */
static int load_once(fl_client_lib *lib)
{
    char tried[600] = "";
    const char *path = getenv(lib->env_var);
    if (path && *path) {
        if (try_library(lib, path, tried, sizeof tried))
            return initialise(lib);
        snprintf(lib->failure, sizeof lib->failure,
                 "cannot load %s from %s=%s: %s. Point %s at the library itself, or unset it "
                 "to use the installed one (%s)",
                 lib->title, lib->env_var, path, tried, lib->env_var, lib->install_hint);
        return 0;
    }
    for (const char *const *name = lib->names; *name; name++)
        if (try_library(lib, *name, tried, sizeof tried))
            return initialise(lib);
    snprintf(lib->failure, sizeof lib->failure,
             "%s is needed for this URL but cannot be loaded: tried %s. Install it (%s), or set "
             "%s to its path",
             lib->title, tried, lib->install_hint, lib->env_var);
    return 0;
}

int fl_client_lib_load(fl_client_lib *lib, fl_error *err)
{
    int state = atomic_load(&lib->state);
    while (state != LOAD_OK && state != LOAD_FAILED) {
        int expected = LOAD_NONE;
        if (atomic_compare_exchange_strong(&lib->state, &expected, LOAD_BUSY)) {
            state = load_once(lib) ? LOAD_OK : LOAD_FAILED;
            atomic_store(&lib->state, state);
            break;
        }
        fl_sleep_ms(1); /* another thread is loading it */
        state = atomic_load(&lib->state);
    }
    if (state == LOAD_OK)
        return FL_OK;
    return fl_error_set(err, FL_ERR_DB, "%s", lib->failure);
}
