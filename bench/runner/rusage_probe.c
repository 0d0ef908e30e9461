/*
 * rusage_probe.c — an LD_PRELOAD probe that makes every process of a benchmark run
 * report its OWN resource usage when it exits.
 *
 * Why: the coordinator's CPU time cannot be read from outside with wait4() or
 * /usr/bin/time, because the rusage a parent gets for a child from wait4() is the
 * child's own usage PLUS that of every descendant the child itself waited for (Linux
 * fills it with getrusage(RUSAGE_BOTH)); a coordinator reaps its workers, so their CPU
 * and their peak RSS would be counted as the coordinator's.  Inside the process,
 * getrusage(RUSAGE_SELF) is exact.  So, when FL_BENCH_RUSAGE_DIR is set, this library's
 * destructor (it runs in exit(), after main() returned or sys.exit() finished the
 * Python interpreter) writes DIR/<pid>.rusage with the process's self and children
 * usage.  Processes that leave with _exit() (forked Python pool workers) write nothing;
 * the benchmark only needs the coordinator's file (the pid it started itself).
 *
 * Peak RSS: ru_maxrss is NOT this program's own peak either.  Linux keeps it in the
 * process (signal) structure and, at execve(), raises it to the high-water mark of the
 * memory image being replaced — for a child started with vfork/posix_spawn that is the
 * PARENT's image (a 300 MB Python parent gives its child a ru_maxrss of 300 MB).  So the
 * probe also reads VmHWM from /proc/self/status: the high-water mark of the image this
 * program has had since its execve(), which is what the benchmark reports (Linux only,
 * like the rest of bench/runner).
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

static double seconds(struct timeval tv)
{
    return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

/* VmHWM of this process in kB, or -1. */
static long vm_hwm_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return -1;
    char line[256];
    long kb = -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmHWM: %ld kB", &kb) == 1)
            break;
    fclose(f);
    return kb;
}

__attribute__((destructor)) static void write_rusage(void)
{
    const char *dir = getenv("FL_BENCH_RUSAGE_DIR");
    if (!dir || !*dir)
        return;
    struct rusage self, children;
    if (getrusage(RUSAGE_SELF, &self) != 0 || getrusage(RUSAGE_CHILDREN, &children) != 0)
        return;
    long hwm = vm_hwm_kb();
    char path[4096];
    snprintf(path, sizeof path, "%s/%ld.rusage", dir, (long)getpid());
    FILE *f = fopen(path, "w");
    if (!f)
        return;
    fprintf(f, "pid %ld\nppid %ld\n", (long)getpid(), (long)getppid());
    fprintf(f, "self_utime %.6f\nself_stime %.6f\nself_maxrss_kb %ld\n", seconds(self.ru_utime),
            seconds(self.ru_stime), self.ru_maxrss);
    fprintf(f, "self_vmhwm_kb %ld\n", hwm);
    fprintf(f, "children_utime %.6f\nchildren_stime %.6f\nchildren_maxrss_kb %ld\n", seconds(children.ru_utime),
            seconds(children.ru_stime), children.ru_maxrss);
    fclose(f);
}
