/*
 * oracle_oci.c — the real implementation of the Oracle engine's session interface
 * (ora_driver, oracle_int.h) on the Oracle Client libraries.  forkless neither needs them
 * at build time nor links them: libclntsh is loaded with fl_dl_open the first time an
 * Oracle URL connects, from FORKLESS_ORACLE_CLIENT (the library's path, or the directory
 * holding it), else by the names the system loader searches (LD_LIBRARY_PATH, the loader
 * cache: libclntsh.so and its versioned names), else $ORACLE_HOME/lib.  When none loads,
 * every connection fails with a message naming what was tried and how to point at the
 * library.
 *
 * A session is one OCI environment (threaded, AL32UTF8) with its own error, server, service
 * context and user session handles: OCIServerAttach + OCISessionBegin (AS SYSDBA on
 * request).  Statements are prepared with OCIStmtPrepare2 and executed with commit on
 * success; query columns are fetched one row at a time as NUL-terminated strings.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/oracle_int.h"
#include "db/oracle_oci.h"
#include "platform/platform.h"

/* The functions we use, looked up once. */
static struct oci_api {
    ora_OCIEnvNlsCreate_fn EnvNlsCreate;
    ora_OCIHandleAlloc_fn HandleAlloc;
    ora_OCIHandleFree_fn HandleFree;
    ora_OCIDescriptorFree_fn DescriptorFree;
    ora_OCIAttrSet_fn AttrSet;
    ora_OCIAttrGet_fn AttrGet;
    ora_OCIServerAttach_fn ServerAttach;
    ora_OCIServerDetach_fn ServerDetach;
    ora_OCISessionBegin_fn SessionBegin;
    ora_OCISessionEnd_fn SessionEnd;
    ora_OCIStmtPrepare2_fn StmtPrepare2;
    ora_OCIStmtRelease_fn StmtRelease;
    ora_OCIStmtExecute_fn StmtExecute;
    ora_OCIStmtFetch2_fn StmtFetch2;
    ora_OCIParamGet_fn ParamGet;
    ora_OCIDefineByPos_fn DefineByPos;
    ora_OCIErrorGet_fn ErrorGet;
} oci;

enum { LOAD_NONE, LOAD_BUSY, LOAD_OK, LOAD_FAILED };
static atomic_int load_state = LOAD_NONE;
static void *oci_library;
static char load_failure[sizeof ((ora_status *)0)->msg];

/* ---- loading ------------------------------------------------------------------------------- */

static int lookup_all(void *lib, const char **missing)
{
    struct {
        void **slot;
        const char *name;
    } table[] = {
        {(void **)&oci.EnvNlsCreate, "OCIEnvNlsCreate"},
        {(void **)&oci.HandleAlloc, "OCIHandleAlloc"},
        {(void **)&oci.HandleFree, "OCIHandleFree"},
        {(void **)&oci.DescriptorFree, "OCIDescriptorFree"},
        {(void **)&oci.AttrSet, "OCIAttrSet"},
        {(void **)&oci.AttrGet, "OCIAttrGet"},
        {(void **)&oci.ServerAttach, "OCIServerAttach"},
        {(void **)&oci.ServerDetach, "OCIServerDetach"},
        {(void **)&oci.SessionBegin, "OCISessionBegin"},
        {(void **)&oci.SessionEnd, "OCISessionEnd"},
        {(void **)&oci.StmtPrepare2, "OCIStmtPrepare2"},
        {(void **)&oci.StmtRelease, "OCIStmtRelease"},
        {(void **)&oci.StmtExecute, "OCIStmtExecute"},
        {(void **)&oci.StmtFetch2, "OCIStmtFetch2"},
        {(void **)&oci.ParamGet, "OCIParamGet"},
        {(void **)&oci.DefineByPos, "OCIDefineByPos"},
        {(void **)&oci.ErrorGet, "OCIErrorGet"},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        void *sym = fl_dl_sym(lib, table[i].name);
        if (!sym) {
            *missing = table[i].name;
            return -1;
        }
        memcpy(table[i].slot, &sym, sizeof sym);
    }
    return 0;
}

/* Appends "name (reason)" to the list of what was tried. */
static void note_attempt(char *tried, size_t size, const char *name, const char *why)
{
    size_t len = strlen(tried);
    snprintf(tried + len, size - len, "%s%s%s%s%s", len ? "; " : "", name, why ? " (" : "",
             why ? why : "", why ? ")" : "");
}

/* Tries one candidate; 1 when it loaded and has every function we need. */
static int try_library(const char *name, char *tried, size_t size)
{
    fl_error e = {0};
    void *lib = fl_dl_open(name, &e);
    if (!lib) {
        /* The loader's reason repeats the name: keep only what follows it. */
        const char *why = strstr(e.msg, ": ");
        why = why ? why + 2 : e.msg;
        const char *inner = strstr(why, ": ");
        why = inner ? inner + 2 : why;
        if (strstr(why, "No such file"))
            why = "not found";
        note_attempt(tried, size, name, why);
        return 0;
    }
    const char *missing = NULL;
    if (lookup_all(lib, &missing) != 0) {
        char why[128];
        snprintf(why, sizeof why, "loaded, but it has no %s: not an OCI library?", missing);
        note_attempt(tried, size, name, why);
        fl_dl_close(lib);
        return 0;
    }
    oci_library = lib;
    return 1;
}

static int load_library(void)
{
    static const char *const names[] = {
        "libclntsh.so",      "libclntsh.so.23.1", "libclntsh.so.21.1", "libclntsh.so.19.1",
        "libclntsh.so.18.1", "libclntsh.so.12.1", "libclntsh.so.11.1", "libclntsh.dylib",
        "oci.dll",
    };
    char tried[sizeof load_failure - 256] = "";
    const char *explicit_path = getenv("FORKLESS_ORACLE_CLIENT");
    if (explicit_path && *explicit_path) {
        char *dir_lib = fl_db_strdupf("%s/libclntsh.so", explicit_path);
        int ok = try_library(explicit_path, tried, sizeof tried) ||
                 (dir_lib && try_library(dir_lib, tried, sizeof tried));
        free(dir_lib);
        if (ok)
            return 1;
        snprintf(load_failure, sizeof load_failure,
                 "cannot load the Oracle Client library named by FORKLESS_ORACLE_CLIENT: tried "
                 "%s; set FORKLESS_ORACLE_CLIENT to the path of libclntsh.so (or the Instant "
                 "Client directory holding it)",
                 tried);
        return 0;
    }
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (try_library(names[i], tried, sizeof tried))
            return 1;
    const char *home = getenv("ORACLE_HOME");
    if (home && *home) {
        char *path = fl_db_strdupf("%s/lib/libclntsh.so", home);
        int ok = path && try_library(path, tried, sizeof tried);
        free(path);
        if (ok)
            return 1;
    }
    snprintf(load_failure, sizeof load_failure,
             "the Oracle Client library (libclntsh, from Oracle Instant Client) was not found: "
             "tried %s%s. Install Oracle Instant Client (Basic or Basic Light) and point "
             "forkless at it with LD_LIBRARY_PATH=/path/to/instantclient or "
             "FORKLESS_ORACLE_CLIENT=/path/to/libclntsh.so",
             tried, home && *home ? "" : "; ORACLE_HOME is not set");
    return 0;
}

/* Loads the library once; any number of threads may call it. */
static int ensure_loaded(ora_status *st)
{
    int state = atomic_load(&load_state);
    while (state != LOAD_OK && state != LOAD_FAILED) {
        int expected = LOAD_NONE;
        if (atomic_compare_exchange_strong(&load_state, &expected, LOAD_BUSY)) {
            state = load_library() ? LOAD_OK : LOAD_FAILED;
            atomic_store(&load_state, state);
            break;
        }
        fl_sleep_ms(1);
        state = atomic_load(&load_state);
    }
    if (state == LOAD_OK)
        return FL_OK;
    st->code = ORA_NO_CLIENT;
    snprintf(st->msg, sizeof st->msg, "%s", load_failure);
    return FL_ERR_DB;
}

/* ---- sessions ------------------------------------------------------------------------------- */

struct ora_session {
    OCIEnv *env;
    OCIError *err;
    OCIServer *srv;
    OCISvcCtx *svc;
    OCISession *ses;
    int attached, begun;
};

/* Fills st from the error handle (or the environment when there is none yet). */
static int oci_status(ora_session *s, ora_sword rc, const char *doing, ora_status *st)
{
    ora_sb4 code = 0;
    char msg[sizeof st->msg] = "";
    if (rc == ORA_OCI_INVALID_HANDLE) {
        snprintf(msg, sizeof msg, "OCI reported an invalid handle while %s", doing);
    } else if (s && (s->err || s->env)) {
        void *h = s->err ? (void *)s->err : (void *)s->env;
        ora_ub4 type = s->err ? ORA_OCI_HTYPE_ERROR : ORA_OCI_HTYPE_ENV;
        if (oci.ErrorGet(h, 1, NULL, &code, (ora_text *)msg, sizeof msg, type) !=
            ORA_OCI_SUCCESS)
            snprintf(msg, sizeof msg, "OCI call failed (%d) while %s", (int)rc, doing);
    } else {
        snprintf(msg, sizeof msg, "OCI call failed (%d) while %s", (int)rc, doing);
    }
    size_t len = strlen(msg);
    while (len && (msg[len - 1] == '\n' || msg[len - 1] == ' '))
        msg[--len] = 0;
    st->code = (int)code;
    snprintf(st->msg, sizeof st->msg, "%s", msg);
    return FL_ERR_DB;
}

static int ok(ora_sword rc) { return rc == ORA_OCI_SUCCESS || rc == ORA_OCI_SUCCESS_WITH_INFO; }

static void oci_close(ora_session *s)
{
    if (!s)
        return;
    if (s->begun)
        oci.SessionEnd(s->svc, s->err, s->ses, ORA_OCI_DEFAULT);
    if (s->attached)
        oci.ServerDetach(s->srv, s->err, ORA_OCI_DEFAULT);
    if (s->ses)
        oci.HandleFree(s->ses, ORA_OCI_HTYPE_SESSION);
    if (s->svc)
        oci.HandleFree(s->svc, ORA_OCI_HTYPE_SVCCTX);
    if (s->srv)
        oci.HandleFree(s->srv, ORA_OCI_HTYPE_SERVER);
    if (s->err)
        oci.HandleFree(s->err, ORA_OCI_HTYPE_ERROR);
    if (s->env)
        oci.HandleFree(s->env, ORA_OCI_HTYPE_ENV);
    free(s);
}

static int alloc_handles(ora_session *s, ora_status *st)
{
    ora_sword rc = oci.EnvNlsCreate(&s->env, ORA_OCI_THREADED, NULL, NULL, NULL, NULL, 0, NULL,
                                    ORA_AL32UTF8_ID, ORA_AL32UTF8_ID);
    if (!ok(rc)) {
        st->code = 0;
        snprintf(st->msg, sizeof st->msg,
                 "cannot create an OCI environment (OCIEnvNlsCreate returned %d): is the "
                 "Instant Client complete?",
                 (int)rc);
        return FL_ERR_DB;
    }
    struct {
        void **h;
        ora_ub4 type;
    } handles[] = {{(void **)&s->err, ORA_OCI_HTYPE_ERROR},
                   {(void **)&s->srv, ORA_OCI_HTYPE_SERVER},
                   {(void **)&s->svc, ORA_OCI_HTYPE_SVCCTX},
                   {(void **)&s->ses, ORA_OCI_HTYPE_SESSION}};
    for (size_t i = 0; i < sizeof handles / sizeof handles[0]; i++) {
        rc = oci.HandleAlloc(s->env, handles[i].h, handles[i].type, 0, NULL);
        if (!ok(rc))
            return oci_status(s, rc, "allocating OCI handles", st);
    }
    return FL_OK;
}

static int oci_connect(const ora_connect_spec *spec, ora_session **out, ora_status *st)
{
    int rc = ensure_loaded(st);
    if (rc != FL_OK)
        return rc;
    ora_session *s = calloc(1, sizeof *s);
    if (!s)
        return FL_ERR_NOMEM;
    rc = alloc_handles(s, st);
    ora_sword orc = ORA_OCI_SUCCESS;
    if (rc == FL_OK) {
        orc = oci.ServerAttach(s->srv, s->err, (const ora_text *)spec->connect,
                               (ora_sb4)strlen(spec->connect), ORA_OCI_DEFAULT);
        if (ok(orc))
            s->attached = 1;
        else
            rc = oci_status(s, orc, "attaching to the server", st);
    }
    if (rc == FL_OK) {
        orc = oci.AttrSet(s->svc, ORA_OCI_HTYPE_SVCCTX, s->srv, 0, ORA_OCI_ATTR_SERVER, s->err);
        if (ok(orc))
            orc = oci.AttrSet(s->ses, ORA_OCI_HTYPE_SESSION, (void *)spec->user,
                              (ora_ub4)strlen(spec->user), ORA_OCI_ATTR_USERNAME, s->err);
        if (ok(orc))
            orc = oci.AttrSet(s->ses, ORA_OCI_HTYPE_SESSION, (void *)spec->password,
                              (ora_ub4)strlen(spec->password), ORA_OCI_ATTR_PASSWORD, s->err);
        if (ok(orc))
            orc = oci.SessionBegin(s->svc, s->err, s->ses, ORA_OCI_CRED_RDBMS,
                                   spec->sysdba ? ORA_OCI_SYSDBA : ORA_OCI_DEFAULT);
        if (ok(orc)) {
            s->begun = 1;
            orc = oci.AttrSet(s->svc, ORA_OCI_HTYPE_SVCCTX, s->ses, 0, ORA_OCI_ATTR_SESSION,
                              s->err);
        }
        if (!ok(orc))
            rc = oci_status(s, orc, "logging on", st);
    }
    if (rc != FL_OK) {
        oci_close(s);
        return rc;
    }
    *out = s;
    return FL_OK;
}

static int prepare(ora_session *s, const char *sql, OCIStmt **stmt, ora_status *st)
{
    ora_sword rc = oci.StmtPrepare2(s->svc, stmt, s->err, (const ora_text *)sql,
                                    (ora_ub4)strlen(sql), NULL, 0, ORA_OCI_NTV_SYNTAX,
                                    ORA_OCI_DEFAULT);
    return ok(rc) ? FL_OK : oci_status(s, rc, "preparing a statement", st);
}

static int oci_execute(ora_session *s, const char *sql, ora_status *st)
{
    OCIStmt *stmt = NULL;
    int rc = prepare(s, sql, &stmt, st);
    if (rc != FL_OK)
        return rc;
    ora_sword orc = oci.StmtExecute(s->svc, stmt, s->err, 1, 0, NULL, NULL,
                                    ORA_OCI_COMMIT_ON_SUCCESS);
    if (!ok(orc))
        rc = oci_status(s, orc, "executing a statement", st);
    oci.StmtRelease(stmt, s->err, NULL, 0, ORA_OCI_DEFAULT);
    return rc;
}

/* One column's fetch buffer. */
typedef struct column {
    char *buf;
    ora_sb4 size;
    ora_sb2 ind;
    ora_ub2 len;
} column;

static int define_columns(ora_session *s, OCIStmt *stmt, column *cols, ora_ub4 n,
                          ora_status *st)
{
    for (ora_ub4 i = 0; i < n; i++) {
        void *param = NULL;
        ora_ub2 width = 0;
        ora_sword orc = oci.ParamGet(stmt, ORA_OCI_HTYPE_STMT, s->err, &param, i + 1);
        if (ok(orc)) {
            orc = oci.AttrGet(param, ORA_OCI_DTYPE_PARAM, &width, NULL, ORA_OCI_ATTR_DATA_SIZE,
                              s->err);
            oci.DescriptorFree(param, ORA_OCI_DTYPE_PARAM);
        }
        if (!ok(orc))
            return oci_status(s, orc, "describing a query", st);
        /* Up to 4 bytes per character in AL32UTF8; numbers need about 40 characters. */
        cols[i].size = (ora_sb4)(width < 16 ? 64 : (size_t)width * 4 + 1);
        if (!(cols[i].buf = malloc((size_t)cols[i].size)))
            return FL_ERR_NOMEM;
        OCIDefine *def = NULL;
        orc = oci.DefineByPos(stmt, &def, s->err, i + 1, cols[i].buf, cols[i].size, ORA_SQLT_STR,
                              &cols[i].ind, &cols[i].len, NULL, ORA_OCI_DEFAULT);
        if (!ok(orc))
            return oci_status(s, orc, "defining a query's columns", st);
    }
    return FL_OK;
}

static int append_row(ora_rows *rows, const column *cols, size_t n)
{
    char **bigger = realloc(rows->cells, (rows->nrows + 1) * n * sizeof *bigger);
    if (!bigger)
        return FL_ERR_NOMEM;
    rows->cells = bigger;
    char **row = rows->cells + rows->nrows * n;
    rows->nrows++;
    for (size_t i = 0; i < n; i++)
        row[i] = NULL;
    for (size_t i = 0; i < n; i++)
        if (cols[i].ind != -1 && !(row[i] = strdup(cols[i].buf)))
            return FL_ERR_NOMEM;
    return FL_OK;
}

static int oci_query(ora_session *s, const char *sql, ora_rows *rows, ora_status *st)
{
    memset(rows, 0, sizeof *rows);
    OCIStmt *stmt = NULL;
    int rc = prepare(s, sql, &stmt, st);
    if (rc != FL_OK)
        return rc;
    ora_ub4 n = 0;
    column *cols = NULL;
    ora_sword orc = oci.StmtExecute(s->svc, stmt, s->err, 0, 0, NULL, NULL, ORA_OCI_DEFAULT);
    if (ok(orc))
        orc = oci.AttrGet(stmt, ORA_OCI_HTYPE_STMT, &n, NULL, ORA_OCI_ATTR_PARAM_COUNT, s->err);
    if (!ok(orc))
        rc = oci_status(s, orc, "running a query", st);
    if (rc == FL_OK && n > 0 && !(cols = calloc(n, sizeof *cols)))
        rc = FL_ERR_NOMEM;
    if (rc == FL_OK)
        rc = define_columns(s, stmt, cols, n, st);
    rows->ncols = n;
    while (rc == FL_OK) {
        orc = oci.StmtFetch2(stmt, s->err, 1, ORA_OCI_FETCH_NEXT, 0, ORA_OCI_DEFAULT);
        if (orc == ORA_OCI_NO_DATA)
            break;
        if (!ok(orc))
            rc = oci_status(s, orc, "fetching rows", st);
        else
            rc = append_row(rows, cols, n);
    }
    for (ora_ub4 i = 0; cols && i < n; i++)
        free(cols[i].buf);
    free(cols);
    oci.StmtRelease(stmt, s->err, NULL, 0, ORA_OCI_DEFAULT);
    return rc;
}

const ora_driver ora_oci_driver = {
    .name = "oci",
    .connect = oci_connect,
    .execute = oci_execute,
    .query = oci_query,
    .close = oci_close,
};
