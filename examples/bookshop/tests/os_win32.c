/*
 * os_win32.c — os.h on Windows: _mkdir, a unique directory under GetTempPath,
 * _putenv_s, and CreateProcess with one inherited pipe for the child's stdout and stderr.
 */
#include "os.h"

#include <direct.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>

int os_make_dir(const char *path)
{
    return _mkdir(path) == 0 || errno == EEXIST ? 0 : -1;
}

char *os_make_temp_dir(const char *prefix)
{
    char base[MAX_PATH];
    DWORD n = GetTempPathA(sizeof base, base);
    if (n == 0 || n >= sizeof base)
        return NULL;
    size_t size = n + strlen(prefix) + 32;
    char *path = malloc(size);
    if (!path)
        return NULL;
    for (unsigned attempt = 0; attempt < 1000; attempt++) {
        snprintf(path, size, "%s%s-%lu-%u", base, prefix, (unsigned long)GetCurrentProcessId(),
                 (unsigned)(GetTickCount() + attempt));
        if (_mkdir(path) == 0)
            return path;
        if (errno != EEXIST)
            break;
    }
    free(path);
    return NULL;
}

int os_set_env(const char *name, const char *value)
{
    return _putenv_s(name, value ? value : "") == 0 ? 0 : -1; /* "" removes it */
}

static void append_char(char *cmd, size_t size, size_t *len, char c)
{
    if (*len + 1 < size)
        cmd[(*len)++] = c;
    cmd[*len] = '\0';
}

static void append_backslashes(char *cmd, size_t size, size_t *len, size_t n)
{
    while (n--)
        append_char(cmd, size, len, '\\');
}

/* Appends one argument quoted the way CommandLineToArgvW splits it: backslashes are
 * literal except before a quote, where they (and the quote) are escaped. */
static void append_quoted(char *cmd, size_t size, const char *arg)
{
    size_t len = strlen(cmd);
    if (len)
        append_char(cmd, size, &len, ' ');
    append_char(cmd, size, &len, '"');
    for (const char *p = arg;; p++) {
        size_t backslashes = 0;
        while (*p == '\\') {
            p++;
            backslashes++;
        }
        if (*p == '\0') {
            append_backslashes(cmd, size, &len, backslashes * 2);
            break;
        }
        if (*p == '"') {
            append_backslashes(cmd, size, &len, backslashes * 2 + 1);
        } else {
            append_backslashes(cmd, size, &len, backslashes);
        }
        append_char(cmd, size, &len, *p);
    }
    append_char(cmd, size, &len, '"');
}

int os_run(const char *const *argv, char *out, size_t size)
{
    char cmd[32768] = "";
    for (size_t i = 0; argv[i]; i++)
        append_quoted(cmd, sizeof cmd, argv[i]);
    SECURITY_ATTRIBUTES inherit = {sizeof inherit, NULL, TRUE};
    HANDLE read_end, write_end;
    if (!CreatePipe(&read_end, &write_end, &inherit, 0)) {
        snprintf(out, size, "CreatePipe failed (%lu)", (unsigned long)GetLastError());
        return -1;
    }
    SetHandleInformation(read_end, HANDLE_FLAG_INHERIT, 0);
    STARTUPINFOA si;
    ZeroMemory(&si, sizeof si);
    si.cb = sizeof si;
    si.dwFlags = STARTF_USESTDHANDLES;
    si.hStdInput = GetStdHandle(STD_INPUT_HANDLE);
    si.hStdOutput = write_end;
    si.hStdError = write_end;
    PROCESS_INFORMATION pi;
    BOOL started = CreateProcessA(argv[0], cmd, NULL, NULL, TRUE, 0, NULL, NULL, &si, &pi);
    CloseHandle(write_end);
    if (!started) {
        CloseHandle(read_end);
        snprintf(out, size, "cannot start %s (%lu)", argv[0], (unsigned long)GetLastError());
        return -1;
    }
    size_t len = 0;
    DWORD got;
    char discard[4096];
    while (ReadFile(read_end, len + 1 < size ? out + len : discard,
                    (DWORD)(len + 1 < size ? size - 1 - len : sizeof discard), &got, NULL) &&
           got > 0)
        if (len + 1 < size)
            len += got;
    out[len] = '\0';
    CloseHandle(read_end);
    WaitForSingleObject(pi.hProcess, INFINITE);
    DWORD code = 1;
    GetExitCodeProcess(pi.hProcess, &code);
    CloseHandle(pi.hProcess);
    CloseHandle(pi.hThread);
    return (int)code;
}
