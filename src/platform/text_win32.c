/*
 * text_win32.c — the UTF-8 <-> UTF-16 boundary and Win32 error messages for the Windows
 * platform layer (see win32.h).
 */
#include "platform/win32.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

wchar_t *fl_w_from_utf8(const char *s)
{
    if (!s)
        return NULL;
    int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, NULL, 0);
    if (n <= 0)
        return NULL;
    wchar_t *w = malloc((size_t)n * sizeof *w);
    if (w && MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, w, n) != n) {
        free(w);
        return NULL;
    }
    return w;
}

char *fl_w_to_utf8(const wchar_t *w, int len)
{
    if (!w)
        return NULL;
    int n = WideCharToMultiByte(CP_UTF8, 0, w, len, NULL, 0, NULL, NULL);
    if (n < 0 || (n == 0 && len != 0))
        return NULL;
    char *s = malloc((size_t)n + 1);
    if (!s)
        return NULL;
    if (n > 0 && WideCharToMultiByte(CP_UTF8, 0, w, len, s, n, NULL, NULL) != n) {
        free(s);
        return NULL;
    }
    s[n] = 0; /* len >= 0 gives no terminator; len < 0 counted it already */
    return s;
}

const char *fl_w_error_text(DWORD code, char *buf, size_t size)
{
    wchar_t *msg = NULL;
    DWORD n = FormatMessageW(FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM |
                                 FORMAT_MESSAGE_IGNORE_INSERTS,
                             NULL, code, 0, (LPWSTR)&msg, 0, NULL);
    char *text = n ? fl_w_to_utf8(msg, (int)n) : NULL;
    if (msg)
        LocalFree(msg);
    if (text) {
        size_t len = strlen(text);
        while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r' || text[len - 1] == ' ' ||
                           text[len - 1] == '.'))
            text[--len] = 0;
        snprintf(buf, size, "%s (error %lu)", text, (unsigned long)code);
        free(text);
    } else {
        snprintf(buf, size, "Windows error %lu", (unsigned long)code);
    }
    return buf;
}

int fl_w_error(fl_error *err, int code, DWORD winerr, const char *what, const char *path)
{
    char msg[512];
    fl_w_error_text(winerr, msg, sizeof msg);
    if (winerr == ERROR_NOT_ENOUGH_MEMORY || winerr == ERROR_OUTOFMEMORY)
        code = FL_ERR_NOMEM;
    return fl_error_set(err, code, "%s '%s': %s", what, path, msg);
}

int fl_w_error_is_transient(DWORD code)
{
    return code == ERROR_SHARING_VIOLATION || code == ERROR_LOCK_VIOLATION || code == ERROR_ACCESS_DENIED ||
           code == ERROR_DELETE_PENDING || code == ERROR_USER_MAPPED_FILE;
}
