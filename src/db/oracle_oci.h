/*
 * oracle_oci.h — the few pieces of the Oracle Call Interface (OCI) the Oracle engine uses,
 * declared here from Oracle's public OCI documentation ("Oracle Call Interface
 * Programmer's Guide": handle and attribute constants, return codes, and the prototypes
 * of the functions listed below) so that forkless builds without Oracle's headers.  The
 * library itself (libclntsh) is loaded at run time by oracle_oci.c with fl_dl_open; these
 * are the types of the function pointers it looks up.  Nothing else of OCI is declared:
 * add a constant or a function here only together with its use.
 */
#ifndef FL_DB_ORACLE_OCI_H
#define FL_DB_ORACLE_OCI_H

#include <stddef.h>
#include <stdint.h>

/* OCI's scalar types (oratypes). */
typedef int32_t ora_sword;
typedef uint8_t ora_ub1;
typedef uint16_t ora_ub2;
typedef int16_t ora_sb2;
typedef uint32_t ora_ub4;
typedef int32_t ora_sb4;
typedef unsigned char ora_text;

/* Opaque handles. */
typedef struct OCIEnv OCIEnv;
typedef struct OCIError OCIError;
typedef struct OCISvcCtx OCISvcCtx;
typedef struct OCIServer OCIServer;
typedef struct OCISession OCISession;
typedef struct OCIStmt OCIStmt;
typedef struct OCIDefine OCIDefine;
typedef struct OCIParam OCIParam;
typedef struct OCISnapshot OCISnapshot;

/* Return codes. */
enum {
    ORA_OCI_SUCCESS = 0,
    ORA_OCI_SUCCESS_WITH_INFO = 1,
    ORA_OCI_NO_DATA = 100,
    ORA_OCI_ERROR = -1,
    ORA_OCI_INVALID_HANDLE = -2,
};

/* Modes. */
enum {
    ORA_OCI_DEFAULT = 0x00000000,
    ORA_OCI_THREADED = 0x00000001,      /* OCIEnvNlsCreate */
    ORA_OCI_SYSDBA = 0x00000002,        /* OCISessionBegin */
    ORA_OCI_COMMIT_ON_SUCCESS = 0x00000020, /* OCIStmtExecute */
};

/* Handle and descriptor types. */
enum {
    ORA_OCI_HTYPE_ENV = 1,
    ORA_OCI_HTYPE_ERROR = 2,
    ORA_OCI_HTYPE_SVCCTX = 3,
    ORA_OCI_HTYPE_STMT = 4,
    ORA_OCI_HTYPE_SERVER = 8,
    ORA_OCI_HTYPE_SESSION = 9,
    ORA_OCI_DTYPE_PARAM = 53,
};

/* Attributes. */
enum {
    ORA_OCI_ATTR_DATA_SIZE = 1,
    ORA_OCI_ATTR_SERVER = 6,
    ORA_OCI_ATTR_SESSION = 7,
    ORA_OCI_ATTR_PARAM_COUNT = 18,
    ORA_OCI_ATTR_USERNAME = 22,
    ORA_OCI_ATTR_PASSWORD = 23,
};

/* Credentials, statement syntax, fetch orientation, external data types. */
enum {
    ORA_OCI_CRED_RDBMS = 1,
    ORA_OCI_NTV_SYNTAX = 1,
    ORA_OCI_FETCH_NEXT = 0x02,
    ORA_SQLT_STR = 5,       /* NUL-terminated string */
};

/* AL32UTF8, the client character set we ask for (OCIEnvNlsCreate charset/ncharset). */
enum { ORA_AL32UTF8_ID = 873 };

/* The functions, as the pointer types oracle_oci.c fills with fl_dl_sym. */
typedef ora_sword (*ora_OCIEnvNlsCreate_fn)(OCIEnv **envp, ora_ub4 mode, void *ctxp,
                                            void *(*malocfp)(void *, size_t),
                                            void *(*ralocfp)(void *, void *, size_t),
                                            void (*mfreefp)(void *, void *), size_t xtramem_sz,
                                            void **usrmempp, ora_ub2 charset, ora_ub2 ncharset);
typedef ora_sword (*ora_OCIHandleAlloc_fn)(const void *parenth, void **hndlpp, ora_ub4 type,
                                           size_t xtramem_sz, void **usrmempp);
typedef ora_sword (*ora_OCIHandleFree_fn)(void *hndlp, ora_ub4 type);
typedef ora_sword (*ora_OCIDescriptorFree_fn)(void *descp, ora_ub4 type);
typedef ora_sword (*ora_OCIAttrSet_fn)(void *trgthndlp, ora_ub4 trghndltyp, void *attributep,
                                       ora_ub4 size, ora_ub4 attrtype, OCIError *errhp);
typedef ora_sword (*ora_OCIAttrGet_fn)(const void *trgthndlp, ora_ub4 trghndltyp,
                                       void *attributep, ora_ub4 *sizep, ora_ub4 attrtype,
                                       OCIError *errhp);
typedef ora_sword (*ora_OCIServerAttach_fn)(OCIServer *srvhp, OCIError *errhp,
                                            const ora_text *dblink, ora_sb4 dblink_len,
                                            ora_ub4 mode);
typedef ora_sword (*ora_OCIServerDetach_fn)(OCIServer *srvhp, OCIError *errhp, ora_ub4 mode);
typedef ora_sword (*ora_OCISessionBegin_fn)(OCISvcCtx *svchp, OCIError *errhp,
                                            OCISession *usrhp, ora_ub4 credt, ora_ub4 mode);
typedef ora_sword (*ora_OCISessionEnd_fn)(OCISvcCtx *svchp, OCIError *errhp,
                                          OCISession *usrhp, ora_ub4 mode);
typedef ora_sword (*ora_OCIStmtPrepare2_fn)(OCISvcCtx *svchp, OCIStmt **stmtp, OCIError *errhp,
                                            const ora_text *stmt, ora_ub4 stmt_len,
                                            const ora_text *key, ora_ub4 keylen,
                                            ora_ub4 language, ora_ub4 mode);
typedef ora_sword (*ora_OCIStmtRelease_fn)(OCIStmt *stmtp, OCIError *errhp, const ora_text *key,
                                           ora_ub4 keylen, ora_ub4 mode);
typedef ora_sword (*ora_OCIStmtExecute_fn)(OCISvcCtx *svchp, OCIStmt *stmtp, OCIError *errhp,
                                           ora_ub4 iters, ora_ub4 rowoff,
                                           const OCISnapshot *snap_in, OCISnapshot *snap_out,
                                           ora_ub4 mode);
typedef ora_sword (*ora_OCIStmtFetch2_fn)(OCIStmt *stmtp, OCIError *errhp, ora_ub4 nrows,
                                          ora_ub2 orientation, ora_sb4 scroll_offset,
                                          ora_ub4 mode);
typedef ora_sword (*ora_OCIParamGet_fn)(const void *hndlp, ora_ub4 htype, OCIError *errhp,
                                        void **parmdpp, ora_ub4 pos);
typedef ora_sword (*ora_OCIDefineByPos_fn)(OCIStmt *stmtp, OCIDefine **defnp, OCIError *errhp,
                                           ora_ub4 position, void *valuep, ora_sb4 value_sz,
                                           ora_ub2 dty, void *indp, ora_ub2 *rlenp,
                                           ora_ub2 *rcodep, ora_ub4 mode);
typedef ora_sword (*ora_OCIErrorGet_fn)(void *hndlp, ora_ub4 recordno, ora_text *sqlstate,
                                        ora_sb4 *errcodep, ora_text *bufp, ora_ub4 bufsiz,
                                        ora_ub4 type);
typedef void (*ora_OCIClientVersion_fn)(ora_sword *major, ora_sword *minor, ora_sword *update,
                                        ora_sword *patch, ora_sword *port_update);

#endif
