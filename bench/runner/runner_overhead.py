#!/usr/bin/python3
"""runner_overhead.py — the runner benchmark (issue #2): what does running a test cost the
runner itself?  Called by bench/runner_overhead.sh (which builds the C suites first); run
it with /usr/bin/python3, the interpreter that has Debian's pytest-xdist and Django.

Three runners execute equivalent suites of no-op tests on the same number of workers:
  forkless       build/bench/runner/noop-tests (10,000 FL_TEST in 100 groups of 100) and
                 noop-tests-100k (100,000 in 1,000 groups of 100): `-j 2 --progress never`
  pytest-xdist   100 generated files, one class of 100 empty test methods each: `-n 2`
  Django         a generated project (no database), 100 SimpleTestCase classes of 100
                 empty tests: `manage.py test --parallel 2`
All suites are generated under a temporary directory at run time.

Two kinds of measurement, never mixed in one run:
  wall time      hyperfine (--warmup 1, median of --runs) when installed, else the
                 median of --runs timed runs (time.monotonic around the process);
  coordinator    the coordinator process's OWN CPU time (user+sys), read with
                 getrusage(RUSAGE_SELF) inside that process at exit by an LD_PRELOAD probe
                 (build/bench/runner/rusage-probe.so, see rusage_probe.c), median of --runs;
                 and its peak RSS, VmHWM from /proc/self/status at the same moment (not
                 ru_maxrss, which inherits the spawner's high-water mark at execve()).
wait4()'s rusage for the coordinator is printed next to it as a check: on Linux it is the
coordinator's usage plus that of every worker it reaped, so it must be close to
"self + children" of the probe, and it is NOT the coordinator's overhead.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

TARGET_US_PER_TEST = 20.0
TARGET_WALL_10K = 0.3
TARGET_RSS_MB = 20.0


# ---- generated suites ------------------------------------------------------------------

def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def test_methods(per_class, indent="    "):
    return "".join("%sdef test_%03d(self):\n%s    pass\n\n" % (indent, t, indent) for t in range(per_class))


def make_pytest_suite(root, classes, per_class):
    """classes files test_gNNNN.py, each with one class of per_class no-op methods."""
    write(os.path.join(root, "pytest.ini"), "[pytest]\n")  # pins rootdir, no outside config
    for g in range(classes):
        write(os.path.join(root, "test_g%04d.py" % g),
              "class TestG%04d:\n%s" % (g, test_methods(per_class)))
    return root


DJANGO_SETTINGS = '''"""Settings of the generated no-op Django project: no database at all."""
SECRET_KEY = "forkless-bench-not-secret"
DEBUG = False
INSTALLED_APPS = ["noopapp"]
DATABASES = {}
USE_TZ = True
'''

DJANGO_MANAGE = '''import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchsettings")
    from django.core.management import execute_from_command_line
    execute_from_command_line(sys.argv)
'''


def make_django_project(root, classes, per_class):
    """A project with app noopapp whose tests package holds classes modules, one
    SimpleTestCase of per_class no-op tests each."""
    write(os.path.join(root, "benchsettings.py"), DJANGO_SETTINGS)
    write(os.path.join(root, "manage.py"), DJANGO_MANAGE)
    write(os.path.join(root, "noopapp", "__init__.py"), "")
    write(os.path.join(root, "noopapp", "tests", "__init__.py"), "")
    for g in range(classes):
        write(os.path.join(root, "noopapp", "tests", "test_g%04d.py" % g),
              "from django.test import SimpleTestCase\n\n\nclass G%04d(SimpleTestCase):\n%s"
              % (g, test_methods(per_class)))
    return root


# ---- the contenders --------------------------------------------------------------------

class Tool:
    def __init__(self, name, tests, workers, argv, cwd, expect, env=None):
        self.name, self.tests, self.workers = name, tests, workers
        self.argv, self.cwd, self.expect = argv, cwd, expect
        self.env = dict(os.environ, **(env or {}))
        self.walls = []
        self.samples = []   # probe runs: dicts of coordinator measurements


def forkless_tool(binary, tests, workers, tmp):
    """The test binary as its own runner: this process is the coordinator."""
    cwd = os.path.join(tmp, "forkless-%d" % tests)
    os.makedirs(cwd, exist_ok=True)
    argv = [binary, "-j", str(workers), "--progress", "never", "--color", "never"]
    return Tool("forkless C API", tests, workers, argv, cwd, "%d passed, 0 failed" % tests)


def forkless_cli_tool(cli, binary, tests, workers, tmp):
    """The same workers under `forkless run`: the coordinator without the test binary's
    image (its registrations), so its RSS is the runner's own."""
    cwd = os.path.join(tmp, "forkless-cli-%d" % tests)
    os.makedirs(cwd, exist_ok=True)
    argv = [cli, "run", "-j", str(workers), "--progress", "never", "--color", "never", "--",
            binary, "--forkless-worker"]
    return Tool("forkless run (CLI)", tests, workers, argv, cwd, "%d passed, 0 failed" % tests)


def pytest_tool(tmp, workers, classes, per_class):
    root = make_pytest_suite(os.path.join(tmp, "pytest-suite"), classes, per_class)
    argv = ["/usr/bin/python3", "-m", "pytest", "-q", "-n", str(workers), "-p", "no:cacheprovider", root]
    return Tool("pytest-xdist", classes * per_class, workers, argv, root, "%d passed" % (classes * per_class))


def django_tool(tmp, workers, classes, per_class):
    root = make_django_project(os.path.join(tmp, "django-project"), classes, per_class)
    argv = ["/usr/bin/python3", "manage.py", "test", "noopapp", "--parallel", str(workers)]
    return Tool("Django --parallel", classes * per_class, workers, argv, root,
                "Ran %d tests" % (classes * per_class), env={"PYTHONPATH": root})


# ---- measuring -------------------------------------------------------------------------

def check_output(tool, rc, text):
    if rc != 0 or tool.expect not in text:
        sys.stderr.write("runner_overhead: %s did not pass all %d tests (exit %d); last output:\n%s\n"
                         % (tool.name, tool.tests, rc, text[-3000:]))
        sys.exit(1)


def sanity_run(tool):
    """One run that also warms caches (bytecode, durations file) and proves every test ran."""
    p = subprocess.run(tool.argv, cwd=tool.cwd, env=tool.env, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    check_output(tool, p.returncode, p.stdout)


def wall_with_hyperfine(tool, runs, tmp):
    out = os.path.join(tmp, "hyperfine-%d.json" % id(tool))
    cmd = ["hyperfine", "--style", "basic", "-N", "--warmup", "1", "--runs", str(runs),
           "--export-json", out, " ".join(tool.argv)]
    subprocess.run(cmd, cwd=tool.cwd, env=tool.env, check=True, stdout=subprocess.DEVNULL)
    with open(out, encoding="utf-8") as f:
        tool.walls = json.load(f)["results"][0]["times"]


def wall_with_timer(tool, runs):
    for _ in range(runs):
        t0 = time.monotonic()
        subprocess.run(tool.argv, cwd=tool.cwd, env=tool.env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=True)
        tool.walls.append(time.monotonic() - t0)


def read_probe(path):
    values = {}
    with open(path, encoding="ascii") as f:
        for line in f:
            key, value = line.split()
            values[key] = float(value)
    return values


def probe_run(tool, probe, tmp):
    """One run with the LD_PRELOAD probe; returns the coordinator's own usage and, for the
    check, what wait4() said about it."""
    rdir = tempfile.mkdtemp(prefix="rusage-", dir=tmp)
    env = dict(tool.env, LD_PRELOAD=probe, FL_BENCH_RUSAGE_DIR=rdir)
    with open(os.path.join(rdir, "output.txt"), "w+", encoding="utf-8") as out:
        p = subprocess.Popen(tool.argv, cwd=tool.cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
        _, status, ru = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        check_output(tool, p.returncode, out.read())
    mine = os.path.join(rdir, "%d.rusage" % p.pid)
    if not os.path.exists(mine):
        sys.exit("runner_overhead: the probe wrote nothing for %s (pid %d): is %s loadable?"
                 % (tool.name, p.pid, probe))
    r = read_probe(mine)
    shutil.rmtree(rdir)
    return {
        "self_cpu": r["self_utime"] + r["self_stime"],
        "self_user": r["self_utime"],
        "self_sys": r["self_stime"],
        "self_rss_mb": r["self_vmhwm_kb"] / 1024.0,
        "self_maxrss_mb": r["self_maxrss_kb"] / 1024.0,
        "children_cpu": r["children_utime"] + r["children_stime"],
        "wait4_cpu": ru.ru_utime + ru.ru_stime,
        "wait4_rss_mb": ru.ru_maxrss / 1024.0,
    }


def measure(tool, runs, probe, tmp, use_hyperfine):
    sys.stderr.write("runner_overhead: %s, %d tests on %d workers ...\n" % (tool.name, tool.tests, tool.workers))
    sanity_run(tool)
    if use_hyperfine:
        wall_with_hyperfine(tool, runs, tmp)
    else:
        wall_with_timer(tool, runs)
    tool.samples = [probe_run(tool, probe, tmp) for _ in range(runs)]


# ---- the table -------------------------------------------------------------------------

def median(tool, key):
    return statistics.median(s[key] for s in tool.samples)


def print_table(tools):
    head = ("tool", "tests", "workers", "wall s", "per-test µs", "coord CPU s", "coord user/sys s",
            "coord RSS MB", "all CPU s")
    rows = []
    for t in tools:
        cpu = median(t, "self_cpu")
        rows.append((t.name, "{:,}".format(t.tests), str(t.workers), "%.3f" % statistics.median(t.walls),
                     "%.1f" % (cpu / t.tests * 1e6), "%.3f" % cpu,
                     "%.3f/%.3f" % (median(t, "self_user"), median(t, "self_sys")),
                     "%.1f" % max(s["self_rss_mb"] for s in t.samples), "%.3f" % median(t, "wait4_cpu")))
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(head)]

    def line(cells):
        return "| " + " | ".join(c.ljust(w) if i == 0 else c.rjust(w)
                                 for i, (c, w) in enumerate(zip(cells, widths))) + " |"
    print(line(head))
    print("|" + "|".join("-" * (w + 2) if i == 0 else "-" * (w + 1) + ":" for i, w in enumerate(widths)) + "|")
    for r in rows:
        print(line(r))


def print_notes(tools, runs, use_hyperfine):
    print()
    print("wall s: %s of %d runs; per-test µs = coordinator CPU / tests;"
          % ("hyperfine median (1 warm-up)" if use_hyperfine else "median", runs))
    print("coord CPU s: the coordinator process's own getrusage(RUSAGE_SELF) at exit, median of %d runs;" % runs)
    print("coord RSS MB: its VmHWM at exit (peak RSS of its own image), max of %d runs;" % runs)
    print("all CPU s: the coordinator plus every process it reaped (wait4).")
    print("check lines: wait4 = self + reaped shows wait4/time(1) cannot give the coordinator's own")
    print("CPU; ru_maxrss (wait4's or its own) also carries high-water marks of the workers and,")
    print("across execve(), of the process that spawned it (here this Python script).")
    print()
    for t in tools:
        s = t.samples
        gap = statistics.median(abs(x["wait4_cpu"] - x["self_cpu"] - x["children_cpu"]) for x in s)
        print("check %-18s %7s tests: wait4 CPU %.3f s = self %.3f + reaped %.3f (|diff| %.3f); "
              "maxrss: wait4 %.1f MB, own ru_maxrss %.1f MB, VmHWM %.1f MB"
              % (t.name, "{:,}".format(t.tests), median(t, "wait4_cpu"), median(t, "self_cpu"),
                 median(t, "children_cpu"), gap, max(x["wait4_rss_mb"] for x in s),
                 max(x["self_maxrss_mb"] for x in s), max(x["self_rss_mb"] for x in s)))
    fl = [t for t in tools if t.name.startswith("forkless")]
    api = [t for t in fl if t.name == "forkless C API"]
    if len(api) == 2 and api[1].tests > api[0].tests:
        a, b = api
        marginal = (median(b, "self_cpu") - median(a, "self_cpu")) / (b.tests - a.tests) * 1e6
        print("forkless marginal coordinator CPU per test (%s vs %s tests): %.1f µs"
              % ("{:,}".format(b.tests), "{:,}".format(a.tests), marginal))
    print()
    for t in fl:
        cpu_us = median(t, "self_cpu") / t.tests * 1e6
        rss = max(s["self_rss_mb"] for s in t.samples)
        wall = statistics.median(t.walls)
        verdicts = ["coordinator %.1f µs/test %s %.0f" % (cpu_us, "<=" if cpu_us <= TARGET_US_PER_TEST else ">",
                                                       TARGET_US_PER_TEST),
                    "RSS %.1f MB %s %.0f" % (rss, "<" if rss < TARGET_RSS_MB else ">=", TARGET_RSS_MB)]
        if t.tests == 10000:
            verdicts.append("wall %.3f s %s %.1f" % (wall, "<=" if wall <= TARGET_WALL_10K else ">", TARGET_WALL_10K))
        ok = cpu_us <= TARGET_US_PER_TEST and rss < TARGET_RSS_MB and (t.tests != 10000 or wall <= TARGET_WALL_10K)
        print("target %-18s %7s tests: %s -> %s" % (t.name, "{:,}".format(t.tests), "; ".join(verdicts),
                                                   "met" if ok else "MISSED"))


def print_baselines(baselines):
    """What the programs cost before they run a test: `PROGRAM --version` under the probe."""
    if not baselines:
        return
    print()
    print("baseline peak RSS of the bare programs (`--version`, same probe): " +
          "; ".join("%s %.1f MB" % (name, mb) for name, mb in baselines))
    print("(the C API coordinator IS the test binary: its registrations — a constructor, an fl_test_def")
    print(" and PIE relocations per test — are in its RSS before the run starts)")


def baseline_rss(path, tmp, probe):
    rdir = tempfile.mkdtemp(prefix="rusage-", dir=tmp)
    env = dict(os.environ, LD_PRELOAD=probe, FL_BENCH_RUSAGE_DIR=rdir)
    p = subprocess.Popen([path, "--version"], env=env, stdout=subprocess.DEVNULL)
    p.wait()
    mine = os.path.join(rdir, "%d.rusage" % p.pid)
    mb = read_probe(mine)["self_vmhwm_kb"] / 1024.0 if os.path.exists(mine) else float("nan")
    shutil.rmtree(rdir)
    return os.path.basename(path), mb


def machine():
    model = "?"
    with open("/proc/cpuinfo", encoding="utf-8") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return "%d CPUs (nproc), %s, Linux %s" % (os.cpu_count(), model, os.uname().release)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("build", nargs="?", default="build", help="meson build directory (default: build)")
    ap.add_argument("--runs", type=int, default=5, help="runs per measurement (default 5)")
    ap.add_argument("--workers", type=int, default=2, help="workers for every tool (default 2)")
    ap.add_argument("--no-100k", action="store_true", help="skip the 100,000-test forkless run")
    ap.add_argument("--only-forkless", action="store_true", help="skip pytest-xdist and Django")
    ap.add_argument("--keep", action="store_true", help="keep the generated suites and print where")
    args = ap.parse_args()

    runner_dir = os.path.join(os.path.abspath(args.build), "bench", "runner")
    probe = os.path.join(runner_dir, "rusage-probe.so")
    binaries = [os.path.join(runner_dir, "noop-tests")]
    if not args.no_100k:
        binaries.append(os.path.join(runner_dir, "noop-tests-100k"))
    for path in binaries + [probe]:
        if not os.path.exists(path):
            sys.exit("runner_overhead: %s is missing; build it: ninja -C %s bench/runner/%s"
                     % (path, args.build, os.path.basename(path)))
    cli = os.path.join(os.path.abspath(args.build), "forkless")
    if not os.path.exists(cli):
        sys.stderr.write("runner_overhead: %s is missing: no `forkless run` rows\n" % cli)
        cli = None
    use_hyperfine = shutil.which("hyperfine") is not None
    tmp = tempfile.mkdtemp(prefix="forkless-bench-")
    try:
        tools = [forkless_tool(binaries[0], 10000, args.workers, tmp)]
        if cli:
            tools.append(forkless_cli_tool(cli, binaries[0], 10000, args.workers, tmp))
        if not args.no_100k:
            tools.append(forkless_tool(binaries[1], 100000, args.workers, tmp))
            if cli:
                tools.append(forkless_cli_tool(cli, binaries[1], 100000, args.workers, tmp))
        if not args.only_forkless:
            tools.append(pytest_tool(tmp, args.workers, 100, 100))
            tools.append(django_tool(tmp, args.workers, 100, 100))
        load_before = os.getloadavg()
        for t in tools:
            measure(t, args.runs, probe, tmp, use_hyperfine)
        load_after = os.getloadavg()
        print("machine: %s" % machine())
        print("load average (1 min) before/after: %.2f/%.2f — other work on the machine inflates wall times"
              % (load_before[0], load_after[0]))
        print("workers: %d; runs per figure: %d; wall timer: %s" % (args.workers, args.runs,
              "hyperfine" if use_hyperfine else "time.monotonic (hyperfine not installed)"))
        print()
        print_table(tools)
        print_notes(tools, args.runs, use_hyperfine)
        print_baselines([baseline_rss(path, tmp, probe) for path in binaries + ([cli] if cli else [])])
        print()
        for t in tools:
            print("command (%s): cd %s && %s" % (t.name, t.cwd, " ".join(t.argv)))
    finally:
        if args.keep:
            print("generated suites kept in %s" % tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
