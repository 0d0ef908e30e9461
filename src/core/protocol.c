/*
 * protocol.c — parsing worker events and encoding coordinator commands (protocol v1).
 * Unknown fields are ignored; an unknown type, a wrong field type or a missing required
 * field is a protocol error whose message names the field.
 */
#include "core/protocol.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

typedef struct type_name {
    const char *name;
    fl_event_type type;
} type_name;

static const type_name event_types[] = {
    {"hello", FL_EV_HELLO}, {"test", FL_EV_TEST}, {"listed", FL_EV_LISTED}, {"start", FL_EV_START},
    {"result", FL_EV_RESULT}, {"done", FL_EV_DONE}, {"error", FL_EV_ERROR},
};

static int need_string(json_t *root, const char *key, const char **out, int required, fl_error *err)
{
    json_t *v = json_object_get(root, key);
    if (!v || json_is_null(v)) {
        *out = NULL;
        if (required)
            return fl_error_set(err, FL_ERR_PROTOCOL, "missing \"%s\"", key);
        return FL_OK;
    }
    if (!json_is_string(v))
        return fl_error_set(err, FL_ERR_PROTOCOL, "\"%s\" must be a string", key);
    *out = json_string_value(v);
    if (required && !**out)
        return fl_error_set(err, FL_ERR_PROTOCOL, "\"%s\" must not be empty", key);
    return FL_OK;
}

static int need_integer(json_t *root, const char *key, long long *out, int required, fl_error *err)
{
    json_t *v = json_object_get(root, key);
    if (!v || json_is_null(v)) {
        *out = 0;
        if (required)
            return fl_error_set(err, FL_ERR_PROTOCOL, "missing \"%s\"", key);
        return FL_OK;
    }
    if (!json_is_integer(v))
        return fl_error_set(err, FL_ERR_PROTOCOL, "\"%s\" must be an integer", key);
    *out = json_integer_value(v);
    return FL_OK;
}

static int parse_result(json_t *root, fl_event *ev, fl_error *err)
{
    const char *status;
    int rc = need_string(root, "id", &ev->id, 1, err);
    if (rc == FL_OK)
        rc = need_string(root, "status", &status, 1, err);
    if (rc != FL_OK)
        return rc;
    ev->status = fl_status_parse(status);
    if (ev->status == FL_STATUS_NONE || ev->status == FL_STATUS_CRASH || ev->status == FL_STATUS_TIMEOUT)
        return fl_error_set(err, FL_ERR_PROTOCOL,
                            "unknown status \"%.40s\" (pass, fail, error, skip, xfail, xpass)", status);
    json_t *d = json_object_get(root, "duration");
    if (d && !json_is_null(d)) {
        if (!json_is_number(d))
            return fl_error_set(err, FL_ERR_PROTOCOL, "\"duration\" must be a number of seconds");
        ev->duration = json_number_value(d);
        if (ev->duration < 0)
            ev->duration = 0;
    }
    rc = need_string(root, "message", &ev->message, 0, err);
    if (rc == FL_OK)
        rc = need_string(root, "details", &ev->details, 0, err);
    if (rc == FL_OK)
        rc = need_string(root, "output", &ev->output, 0, err);
    return rc;
}

static int parse_fields(json_t *root, fl_event *ev, fl_error *err)
{
    int rc = FL_OK;
    switch (ev->type) {
    case FL_EV_HELLO:
        rc = need_integer(root, "protocol", &ev->protocol, 1, err);
        if (rc == FL_OK)
            rc = need_string(root, "worker", &ev->worker, 0, err);
        if (rc == FL_OK)
            rc = need_string(root, "capture", &ev->capture, 0, err);
        return rc;
    case FL_EV_TEST:
        rc = need_string(root, "id", &ev->id, 1, err);
        if (rc == FL_OK)
            rc = need_string(root, "group", &ev->group, 0, err);
        if (rc == FL_OK)
            rc = need_string(root, "file", &ev->file, 0, err);
        if (rc == FL_OK)
            rc = need_integer(root, "line", &ev->line, 0, err);
        if (rc == FL_OK)
            rc = need_integer(root, "phase", &ev->phase, 0, err);
        if (rc == FL_OK && (!ev->group || !*ev->group))
            ev->group = ev->id; /* a test without a group is a group of its own */
        return rc;
    case FL_EV_LISTED: return need_integer(root, "count", &ev->count, 1, err);
    case FL_EV_START: return need_string(root, "id", &ev->id, 1, err);
    case FL_EV_RESULT: return parse_result(root, ev, err);
    case FL_EV_DONE: return need_integer(root, "batch", &ev->batch, 0, err);
    case FL_EV_ERROR: return need_string(root, "message", &ev->message, 0, err);
    }
    return rc;
}

/* ---- the common lines, without a JSON tree --------------------------------------------- */

/* Skips `text` at *p (within end); 1 when it was there. */
static int skip_literal(const char **p, const char *end, const char *text)
{
    size_t n = strlen(text);
    if ((size_t)(end - *p) < n || memcmp(*p, text, n) != 0)
        return 0;
    *p += n;
    return 1;
}

/* A JSON string at *p made of printable ASCII without escapes (what ids nearly always
 * are): its body as [*from, *to), *p past the closing quote. */
static int plain_string(const char **p, const char *end, const char **from, const char **to)
{
    if (*p >= end || **p != '"')
        return 0;
    const char *s = *p + 1, *q = s;
    while (q < end && *q != '"' && *q != '\\' && (unsigned char)*q >= 0x20 && (unsigned char)*q < 0x80)
        q++;
    if (q >= end || *q != '"' || q == s)
        return 0;
    *from = s;
    *to = q;
    *p = q + 1;
    return 1;
}

/* JSON's number grammar, -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?, which strtod
 * alone would widen (1., .5, 01, +1, inf, hex). */
static int json_number_syntax(const char *s)
{
    if (*s == '-')
        s++;
    if (*s == '0')
        s++;
    else if (*s >= '1' && *s <= '9')
        while (*s >= '0' && *s <= '9')
            s++;
    else
        return 0;
    if (*s == '.') {
        if (!(*++s >= '0' && *s <= '9'))
            return 0;
        while (*s >= '0' && *s <= '9')
            s++;
    }
    if (*s == 'e' || *s == 'E') {
        s++;
        if (*s == '+' || *s == '-')
            s++;
        if (!(*s >= '0' && *s <= '9'))
            return 0;
        while (*s >= '0' && *s <= '9')
            s++;
    }
    return *s == 0;
}

/* A JSON number that ends the object at *p ("0.000123}"), into *out. */
static int final_number(const char *p, const char *end, double *out)
{
    char num[40];
    size_t n = (size_t)(end - p);
    if (n < 2 || n - 1 >= sizeof num || end[-1] != '}')
        return 0;
    memcpy(num, p, n - 1);
    num[n - 1] = 0;
    if (!json_number_syntax(num))
        return 0; /* jansson decides (and words the error) */
    char *stop;
    *out = strtod(num, &stop);
    return *stop == 0 && isfinite(*out); /* 1e400: jansson says it overflows */
}

/* The two lines that make most of a run's traffic, in the exact shape forkless's own
 * workers write them (the C test API and the Python adapter):
 *     {"type":"start","id":"ID"}
 *     {"type":"result","id":"ID","status":"STATUS","duration":SECONDS}
 * read without building a JSON tree (which took most of the coordinator's time).  Only
 * an ID and STATUS of plain printable ASCII qualify; any other line — other fields, other
 * order, escapes, an unknown status — returns 0 and goes through jansson as before. */
static int parse_common_line(const char *line, size_t len, fl_event *ev)
{
    const char *p = line, *end = line + len, *id, *id_end, *st, *st_end;
    int is_start = skip_literal(&p, end, "{\"type\":\"start\",\"id\":");
    if (!is_start && !skip_literal(&p, end, "{\"type\":\"result\",\"id\":"))
        return 0;
    if (!plain_string(&p, end, &id, &id_end))
        return 0;
    if (is_start) {
        if (end - p != 1 || *p != '}')
            return 0;
        ev->type = FL_EV_START;
    } else {
        double duration;
        char status[16];
        if (!skip_literal(&p, end, ",\"status\":") || !plain_string(&p, end, &st, &st_end) ||
            (size_t)(st_end - st) >= sizeof status || !skip_literal(&p, end, ",\"duration\":") ||
            !final_number(p, end, &duration))
            return 0;
        memcpy(status, st, (size_t)(st_end - st));
        status[st_end - st] = 0;
        fl_status s = fl_status_parse(status);
        if (s == FL_STATUS_NONE || s == FL_STATUS_CRASH || s == FL_STATUS_TIMEOUT)
            return 0; /* jansson's path words the error */
        ev->type = FL_EV_RESULT;
        ev->status = s;
        ev->duration = duration < 0 ? 0 : duration;
    }
    ev->owned = fl_xstrndup(id, (size_t)(id_end - id));
    ev->id = ev->owned;
    return 1;
}

int fl_event_parse(const char *line, size_t len, fl_event *ev, fl_error *err)
{
    memset(ev, 0, sizeof *ev);
    if (parse_common_line(line, len, ev))
        return FL_OK;
    json_error_t jerr;
    json_t *root = json_loadb(line, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
    if (!root)
        return fl_error_set(err, FL_ERR_PROTOCOL, "not JSON (%s at column %d)", jerr.text, jerr.column);
    ev->json = root;
    if (!json_is_object(root))
        return fl_error_set(err, FL_ERR_PROTOCOL, "a message must be a JSON object");
    const char *type;
    int rc = need_string(root, "type", &type, 1, err);
    if (rc != FL_OK)
        return rc;
    size_t i;
    for (i = 0; i < sizeof event_types / sizeof *event_types; i++)
        if (!strcmp(type, event_types[i].name))
            break;
    if (i == sizeof event_types / sizeof *event_types)
        return fl_error_set(err, FL_ERR_PROTOCOL, "unknown message type \"%.40s\"", type);
    ev->type = event_types[i].type;
    return parse_fields(root, ev, err);
}

void fl_event_free(fl_event *ev)
{
    if (ev->json)
        json_decref((json_t *)ev->json);
    ev->json = NULL;
    free(ev->owned);
    ev->owned = NULL;
}

/* ---- lines ------------------------------------------------------------------------------ */

void fl_lines_feed(fl_lines *l, const void *data, size_t n)
{
    if (l->start > 0 && l->start == l->buf.len) {
        fl_bytes_reset(&l->buf);
        l->start = 0;
    } else if (l->start > 65536) {
        fl_bytes_consume(&l->buf, l->start);
        l->start = 0;
    }
    fl_bytes_append(&l->buf, data, n);
}

int fl_lines_next(fl_lines *l, char **line, size_t *len)
{
    if (l->start >= l->buf.len)
        return 0;
    char *begin = l->buf.data + l->start;
    size_t avail = l->buf.len - l->start;
    char *nl = memchr(begin, '\n', avail);
    if (!nl)
        return avail > FL_PROTOCOL_MAX_LINE ? FL_ERR_PROTOCOL : 0;
    size_t n = (size_t)(nl - begin);
    if (n > FL_PROTOCOL_MAX_LINE)
        return FL_ERR_PROTOCOL;
    *nl = 0;
    if (n > 0 && begin[n - 1] == '\r')
        begin[--n] = 0;
    *line = begin;
    *len = n;
    l->start += (size_t)(nl - begin) + 1;
    return 1;
}

size_t fl_lines_pending(const fl_lines *l) { return l->buf.len - l->start; }

void fl_lines_free(fl_lines *l)
{
    fl_bytes_free(&l->buf);
    l->start = 0;
}

/* ---- commands --------------------------------------------------------------------------- */

void fl_json_quote(fl_bytes *out, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    fl_bytes_append(out, "\"", 1);
    const char *run = s;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p >= 0x20 && *p != '"' && *p != '\\')
            continue;
        fl_bytes_append(out, run, (size_t)((const char *)p - run));
        char esc[7] = {'\\', 0};
        switch (*p) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\n': esc[1] = 'n'; break;
        case '\t': esc[1] = 't'; break;
        case '\r': esc[1] = 'r'; break;
        default:
            memcpy(esc, "\\u00", 4);
            esc[4] = hex[*p >> 4];
            esc[5] = hex[*p & 15];
        }
        fl_bytes_puts(out, esc);
        run = (const char *)p + 1;
    }
    fl_bytes_puts(out, run);
    fl_bytes_append(out, "\"", 1);
}

void fl_cmd_list(fl_bytes *out) { fl_bytes_puts(out, "{\"type\":\"list\"}\n"); }
void fl_cmd_shutdown(fl_bytes *out) { fl_bytes_puts(out, "{\"type\":\"shutdown\"}\n"); }

void fl_cmd_run_begin(fl_bytes *out, long long batch)
{
    fl_bytes_printf(out, "{\"type\":\"run\",\"batch\":%lld,\"tests\":[", batch);
}

void fl_cmd_run_add(fl_bytes *out, const char *id, int first)
{
    if (!first)
        fl_bytes_append(out, ",", 1);
    fl_json_quote(out, id);
}

void fl_cmd_run_end(fl_bytes *out) { fl_bytes_puts(out, "]}\n"); }

void fl_quote_excerpt(char *dst, size_t dst_size, const char *text, size_t len, size_t max)
{
    size_t n = len < max ? len : max;
    if (n + 4 > dst_size)
        n = dst_size > 4 ? dst_size - 4 : 0;
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)text[i];
        dst[j++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    if (n < len && j + 3 < dst_size) {
        memcpy(dst + j, "...", 3);
        j += 3;
    }
    dst[j] = 0;
}
