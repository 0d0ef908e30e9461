"""Run inside a worker: checks the protocol channel is hidden from the tests."""

import os
import unittest


class Probe(unittest.TestCase):
    def test_environment(self):
        self.assertNotIn("FORKLESS_CHANNEL", os.environ)
        spec = os.environ["FAKE_COORDINATOR_CHANNEL"]  # a copy the fake coordinator leaves
        _, read_fd, write_fd = spec.split(":")
        for fd in (int(read_fd), int(write_fd)):
            self.assertFalse(os.get_inheritable(fd), "channel fd %d is inheritable" % fd)
        self.assertEqual(os.environ["FORKLESS_WORKER"], "1")

    def test_child_output(self):
        import subprocess
        import sys
        print("from python", flush=True)
        subprocess.run([sys.executable, "-c", "print('from a child process')"], check=True)


class Crashes(unittest.TestCase):
    """Run only on request by test_unittest_worker.CrashTests."""

    def test_hang(self):
        import time
        print("before the hang", flush=True)
        time.sleep(60)

    def test_segfault(self):
        import ctypes
        print("before the crash", flush=True)
        ctypes.string_at(0)


class AtExit(unittest.TestCase):
    def test_register(self):
        import atexit
        import threading
        import time
        path = os.environ["PROBE_ATEXIT_FILE"]

        def late_writer():
            time.sleep(0.3)
            with open(path + ".thread", "w") as handle:
                handle.write("thread done")

        threading.Thread(target=late_writer).start()  # non-daemon: joined at exit
        atexit.register(lambda: open(path, "w").write("atexit ran"))
