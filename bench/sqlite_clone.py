"""sqlite_clone.py — times making 4 clones of an SQLite template (1 MB and 100 MB by default)
with each forkless method, side by side with what people do without forkless: cp, the
sqlite3 shell's `.dump | sqlite3 clone.db`, and Django's methods (Connection.backup into a
shared-cache in-memory database, as Django's runner does for its default in-memory test
database; shutil.copy for a file test database).

Run through bench/sqlite_clone.sh (it picks /usr/bin/python3 and the build directory).
Prints a Markdown table: the best of REPEAT runs, in seconds for all 4 clones, and each
row's ratio to cp.

What is timed:
- forkless rows: fl_db_clone inside forkless-bench-sqlite (what a run pays: the clones are
  made in-process, in parallel threads), and, once, the `forkless db clone` command's wall
  time (the same plus the command's start-up);
- `memory`: the clone is one image per run; each worker then loads it before its first
  test (fl_test_sqlite_open: read + sqlite3_deserialize).  The second memory row adds the
  load of the slowest of 4 worker processes loading the image at once, as a run's workers
  do when they start (their process start-up is left out: every method's workers pay it);
- cp and the dump pipe: wall time of 4 processes in turn (as a shell script would);
- Django rows: in-process (Python), 4 clones in turn, as Django's runner makes them.
"""
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

CLONES = 4
REPEAT = 5


def make_template(path, megabytes):
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=DELETE")
    con.execute("CREATE TABLE item(id INTEGER PRIMARY KEY, name TEXT NOT NULL, price REAL,"
                " payload BLOB)")
    con.execute("CREATE INDEX item_name ON item(name)")
    batch = 0
    while os.path.getsize(path) < megabytes * 1024 * 1024:
        base = batch * 2000
        con.executemany("INSERT INTO item(name, price, payload) VALUES (?, ?, ?)",
                        [("item %d" % (base + i), (base + i) * 0.25, os.urandom(160))
                         for i in range(2000)])
        con.commit()
        batch += 1
    con.close()


def run(argv):
    return subprocess.run(argv, check=True, stdout=subprocess.PIPE, text=True).stdout


def remove_files(paths):
    for p in paths:
        for suffix in ("", "-wal", "-shm", "-journal"):
            if os.path.exists(p + suffix):
                os.unlink(p + suffix)


class Bench:
    def __init__(self, forkless, helper, work, template):
        self.forkless, self.helper = forkless, helper
        self.work, self.template = work, template
        self.url = "sqlite://" + template
        self.paths = [os.path.join(work, "c%d.db" % i) for i in range(1, CLONES + 1)]

    # Each measure returns (seconds, cleanup).
    def wall(self, fn):
        start = time.perf_counter()
        cleanup = fn()
        return time.perf_counter() - start, cleanup

    def cp(self):
        return self.wall(lambda: [run(["cp", self.template, p]) for p in self.paths] and
                         (lambda: remove_files(self.paths)))

    def dump_pipe(self):
        def go():
            for p in self.paths:
                run(["sh", "-c", 'sqlite3 "$1" .dump | sqlite3 "$2"', "sh", self.template, p])
            return lambda: remove_files(self.paths)
        return self.wall(go)

    def django_backup_to_memory(self):
        # django/db/backends/sqlite3/creation.py, setup_worker_connection (spawn): back the
        # source up into file:memorydb_<alias>_<N>?mode=memory&cache=shared.
        def go():
            keep = []
            for i in range(1, CLONES + 1):
                source = sqlite3.connect(self.template)
                target = sqlite3.connect("file:memorydb_default_%d?mode=memory&cache=shared" % i,
                                         uri=True)
                source.backup(target)
                source.close()
                keep.append(target)
            return lambda: [c.close() for c in keep]
        return self.wall(go)

    def django_shutil_copy(self):
        # _clone_test_db for a file test database.
        def go():
            for p in self.paths:
                shutil.copy(self.template, p)
            return lambda: remove_files(self.paths)
        return self.wall(go)

    def forkless_in_process(self, method, worker_loads=False):
        out = run([self.helper, "clone", self.url, method, str(CLONES)]).split()
        seconds, urls = float(out[0]), out[1:]
        if worker_loads:
            image = urls[0][len("sqlite+memory://"):]
            # Each worker reports its own load time (its process start-up is paid by every
            # method's workers alike); they load at once, so the slowest one counts.
            workers = [subprocess.Popen([self.helper, "load", image], stdout=subprocess.PIPE,
                                        text=True) for _ in urls]
            loads = []
            for w in workers:
                out, _ = w.communicate()
                if w.returncode != 0:
                    raise RuntimeError("a worker could not load the memory image")
                loads.append(float(out))
            seconds += max(loads)
        return seconds, lambda: run([self.forkless, "db", "drop"] + sorted(set(urls)))

    def forkless_command(self, method):
        def go():
            urls = run([self.forkless, "db", "clone", self.url, "--count", str(CLONES),
                        "--method", method]).split()
            return lambda: run([self.forkless, "db", "drop"] + sorted(set(urls)))
        return self.wall(go)


ROWS = [
    # (label, measure, slow)
    ("cp (4 processes)", lambda b: b.cp(), False),
    ("forkless copy", lambda b: b.forkless_in_process("copy"), False),
    ("forkless copy, as `forkless db clone` (command start-up included)",
     lambda b: b.forkless_command("copy"), False),
    ("forkless backup", lambda b: b.forkless_in_process("backup"), False),
    ("forkless memory: the clone (one image)", lambda b: b.forkless_in_process("memory"), False),
    ("forkless memory: clone + 4 workers loading it at once",
     lambda b: b.forkless_in_process("memory", worker_loads=True), False),
    ("forkless dump (SQL text replay)", lambda b: b.forkless_in_process("dump"), True),
    ("Django: Connection.backup() into shared-cache memory", lambda b: b.django_backup_to_memory(),
     False),
    ("Django: shutil.copy (file test DB)", lambda b: b.django_shutil_copy(), False),
    ("sqlite3 t.db .dump | sqlite3 clone.db", lambda b: b.dump_pipe(), True),
]


def best_of(measure, bench, repeat):
    best = None
    for _ in range(repeat):
        # Start every measure with no dirty pages, so that no row pays for the write-back
        # of the previous one's files.
        os.sync()
        seconds, cleanup = measure(bench)
        if callable(cleanup):
            cleanup()
        best = seconds if best is None else min(best, seconds)
    return best


def main():
    forkless, helper = sys.argv[1], sys.argv[2]
    sizes = [int(s) for s in (sys.argv[3:] or ["1", "100"])]
    rows = [r for r in ROWS if "sqlite3 t.db" not in r[0] or shutil.which("sqlite3")]
    results = {}
    for mb in sizes:
        work = tempfile.mkdtemp(prefix="forkless-bench-")
        try:
            template = os.path.join(work, "t.db")
            make_template(template, mb)
            os.sync()
            bench = Bench(forkless, helper, work, template)
            for label, measure, slow in rows:
                repeat = 1 if slow and mb >= 50 else REPEAT
                results[(label, mb)] = best_of(measure, bench, repeat)
                print("  %-68s %4d MB %9.4f s" % (label, mb, results[(label, mb)]),
                      file=sys.stderr, flush=True)
        finally:
            shutil.rmtree(work)

    print("| %d clones of a template | " % CLONES +
          " | ".join("%d MB: s | x cp" % mb for mb in sizes) + " |")
    print("|---|" + "---:|---:|" * len(sizes))
    for label, _, _ in rows:
        cells = ["%.4f | %.2f" % (results[(label, mb)], results[(label, mb)] /
                                  results[("cp (4 processes)", mb)]) for mb in sizes]
        print("| %s | %s |" % (label, " | ".join(cells)))
    print()
    for mb in sizes:
        clone = results[("forkless memory: the clone (one image)", mb)]
        ready = results[("forkless memory: clone + 4 workers loading it at once", mb)]
        for slow in ("forkless dump (SQL text replay)", "sqlite3 t.db .dump | sqlite3 clone.db"):
            if (slow, mb) in results:
                print("- %d MB: %s takes %.0fx the memory clone, %.0fx the memory clone plus the "
                      "workers' loads" % (mb, slow, results[(slow, mb)] / clone,
                                          results[(slow, mb)] / ready))


if __name__ == "__main__":
    main()
