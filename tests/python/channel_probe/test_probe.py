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


class Descriptors(unittest.TestCase):
    """Tests that close or redirect fds 1 and 2: the next test is captured all the same."""

    def test_1_closes_stdout_and_stderr(self):
        import sys
        sys.stdout.flush()
        sys.stderr.flush()
        os.close(1)
        os.close(2)

    def test_2_prints(self):
        print("printed by test 2", flush=True)

    def test_3_redirects_stdout(self):
        import sys
        sys.stdout.flush()
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 1)
        os.close(null)

    def test_4_prints(self):
        print("printed by test 4", flush=True)


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
