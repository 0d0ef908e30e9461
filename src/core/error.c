/*
 * error.c — the library's one error convention: a negative fl_code returned by the
 * failing function and an fl_error whose message names what failed.  Also the mapping
 * from codes to the command's exit codes, and the names of test statuses.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "forkless/forkless.h"

int fl_error_set(fl_error *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        err->code = code;
    }
    return code;
}

int fl_error_prefix(fl_error *err, const char *fmt, ...)
{
    if (!err)
        return FL_OK;
    char old[sizeof err->msg];
    memcpy(old, err->msg, sizeof old);
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    if (n >= 0 && (size_t)n < sizeof err->msg)
        snprintf(err->msg + n, sizeof err->msg - (size_t)n, ": %.*s", (int)(sizeof err->msg - (size_t)n), old);
    return err->code;
}

void fl_error_clear(fl_error *err)
{
    if (err) {
        err->code = FL_OK;
        err->msg[0] = 0;
    }
}

int fl_exit_code_for(int code)
{
    switch (code) {
    case FL_OK: return FL_EXIT_PASSED;
    case FL_ERR_USAGE:
    case FL_ERR_UNSUPPORTED: return FL_EXIT_USAGE;
    case FL_ERR_INTERRUPTED: return FL_EXIT_INTERRUPTED;
    default: return FL_EXIT_INFRA;
    }
}

const char *fl_code_name(int code)
{
    switch (code) {
    case FL_OK: return "ok";
    case FL_ERR_USAGE: return "usage";
    case FL_ERR_SPAWN: return "spawn";
    case FL_ERR_DB: return "database";
    case FL_ERR_IO: return "io";
    case FL_ERR_PROTOCOL: return "protocol";
    case FL_ERR_NOMEM: return "memory";
    case FL_ERR_INTERRUPTED: return "interrupted";
    case FL_ERR_UNSUPPORTED: return "unsupported";
    default: return "unknown";
    }
}

static const char *const status_names[FL_STATUS_COUNT] = {
    [FL_STATUS_NONE] = NULL,        [FL_STATUS_PASS] = "pass",   [FL_STATUS_FAIL] = "fail",
    [FL_STATUS_ERROR] = "error",    [FL_STATUS_SKIP] = "skip",   [FL_STATUS_XFAIL] = "xfail",
    [FL_STATUS_XPASS] = "xpass",    [FL_STATUS_CRASH] = "crash", [FL_STATUS_TIMEOUT] = "timeout",
};

const char *fl_status_name(fl_status s)
{
    return (s > FL_STATUS_NONE && s < FL_STATUS_COUNT) ? status_names[s] : NULL;
}

fl_status fl_status_parse(const char *word)
{
    for (int s = FL_STATUS_PASS; s < FL_STATUS_COUNT; s++)
        if (word && strcmp(word, status_names[s]) == 0)
            return (fl_status)s;
    return FL_STATUS_NONE;
}

int fl_status_is_failure(fl_status s)
{
    return s == FL_STATUS_FAIL || s == FL_STATUS_ERROR || s == FL_STATUS_XPASS ||
           s == FL_STATUS_CRASH || s == FL_STATUS_TIMEOUT;
}
