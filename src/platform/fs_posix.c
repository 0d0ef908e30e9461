/*
 * fs_posix.c — fs.h on POSIX (files, locks, clones of files, threads).  Being written.
 */
#include "platform/platform.h"
