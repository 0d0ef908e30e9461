"""Tests of `python -m forkless unittest` driven through the fake coordinator.

Run: /usr/bin/python3 -m unittest discover -s tests/python -t tests/python -v
(any Python 3.8+ works for these; the Django tests need /usr/bin/python3).
"""

import json
import os
import sys
import time
import unittest

from fake_coordinator import FakeCoordinator, WorkerProtocolError, group_batches

HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLE = os.path.join(HERE, "sample_suite")
WORKER = [sys.executable, "-m", "forkless", "unittest"]


def start_worker(*args, **kwargs):
    return FakeCoordinator(WORKER + list(args), cwd=HERE, **kwargs)


class ListingTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with start_worker("sample_suite") as worker:
            cls.hello = worker.hello
            cls.tests = worker.list()
            worker.shutdown()
        cls.ids = [test["id"] for test in cls.tests]

    def test_hello_names_the_worker(self):
        self.assertEqual(self.hello["protocol"], 1)
        self.assertIn("unittest", self.hello["worker"])
        self.assertIsInstance(self.hello["pid"], int)

    def test_ids_and_order_are_unittest_discovery(self):
        suite = unittest.TestLoader().discover(SAMPLE)
        expected = []

        def flatten(s):
            for t in s:
                if isinstance(t, unittest.TestSuite):
                    flatten(t)
                else:
                    expected.append(t.id())
        flatten(suite)
        self.assertEqual(self.ids, expected)

    def test_groups_are_classes(self):
        groups = {test["id"]: test["group"] for test in self.tests}
        self.assertEqual(groups["test_outcomes.Outcomes.test_pass"], "test_outcomes.Outcomes")
        self.assertEqual(groups["pkg.test_nested.Nested.test_in_package"], "pkg.test_nested.Nested")

    def test_file_and_line(self):
        test = next(t for t in self.tests if t["id"] == "test_outcomes.Outcomes.test_fail")
        self.assertEqual(test["file"], os.path.join("sample_suite", "test_outcomes.py"))
        self.assertEqual(test["line"], 11)

    def test_import_error_is_listed(self):
        self.assertIn("unittest.loader._FailedTest.test_broken", self.ids)

    def test_pattern_and_name_filters(self):
        with start_worker("sample_suite", "-p", "test_fix*.py", "-k", "Counted") as worker:
            ids = [t["id"] for t in worker.list()]
            worker.shutdown()
        self.assertEqual(ids, ["test_fixtures.Counted.test_a", "test_fixtures.Counted.test_b",
                               "test_fixtures.Counted.test_c"])

    def test_dotted_name(self):
        with start_worker("test_outcomes.Outcomes.test_pass", "-t", SAMPLE) as worker:
            listing = worker.list()
            results = worker.run([t["id"] for t in listing])
            worker.shutdown()
        self.assertEqual({k: r["status"] for k, r in results.items()},
                         {"test_outcomes.Outcomes.test_pass": "pass"})

    def test_ids_unique(self):
        self.assertEqual(len(self.ids), len(set(self.ids)))


class OutcomeTests(unittest.TestCase):
    """Run everything in one worker, one batch per group, and check each result."""

    @classmethod
    def setUpClass(cls):
        with start_worker("sample_suite") as worker:
            listing = worker.list()
            cls.results = {}
            for number, batch in enumerate(group_batches(listing), 1):
                cls.results.update(worker.run(batch, number))
            cls.outputs = worker.outputs
            worker.shutdown()

    def status(self, test_id):
        return self.results[test_id]["status"]

    def test_statuses(self):
        expected = {
            "test_outcomes.Outcomes.test_pass": "pass",
            "test_outcomes.Outcomes.test_fail": "fail",
            "test_outcomes.Outcomes.test_error": "error",
            "test_outcomes.Outcomes.test_skip": "skip",
            "test_outcomes.Outcomes.test_skip_inside": "skip",
            "test_outcomes.Outcomes.test_xfail": "xfail",
            "test_outcomes.Outcomes.test_xpass": "xpass",
            "test_outcomes.Outcomes.test_subtests_fail": "fail",
            "test_outcomes.Outcomes.test_subtests_pass": "pass",
            "test_outcomes.Outcomes.test_subtest_error": "error",
            "test_outcomes.Outcomes.test_prints": "pass",
            "test_outcomes.Outcomes.test_cleanup_error": "error",
            "test_outcomes.Outcomes.test_long_details": "fail",
            "test_outcomes.SkippedClass.test_one": "skip",
            "test_fixtures.Counted.test_a": "pass",
            "test_fixtures.SetupFails.test_one": "error",
            "test_fixtures.SetupFails.test_two": "error",
            "test_fixtures.SetupSkips.test_one": "skip",
            "test_fixtures.SetupSkips.test_two": "skip",
            "test_fixtures.TeardownFails.test_first": "pass",
            "test_fixtures.TeardownFails.test_last": "error",
            "test_module_setup_fails.First.test_x": "error",
            "test_module_setup_fails.Second.test_y": "error",
            "unittest.loader._FailedTest.test_broken": "error",
            "pkg.test_nested.Nested.test_in_package": "pass",
        }
        self.assertEqual({k: self.status(k) for k in expected}, expected)

    def test_fail_message_and_traceback(self):
        result = self.results["test_outcomes.Outcomes.test_fail"]
        self.assertIn("AssertionError: 2 != 3", result["message"])
        self.assertIn("test_outcomes.py:12", result["message"])
        self.assertIn("Traceback (most recent call last)", result["details"])
        self.assertIn("self.assertEqual(1 + 1, 3)", result["details"])

    def test_skip_reason(self):
        self.assertEqual(self.results["test_outcomes.Outcomes.test_skip"]["message"], "not today")
        self.assertEqual(self.results["test_outcomes.SkippedClass.test_one"]["message"],
                         "whole class skipped")

    def test_subtests_listed_in_details(self):
        result = self.results["test_outcomes.Outcomes.test_subtests_fail"]
        self.assertIn("2 of 4 subtests failed", result["message"])
        self.assertIn("(i=1)", result["details"])
        self.assertIn("(i=3)", result["details"])
        self.assertNotIn("(i=2)", result["details"])

    def test_setup_class_error_on_every_test(self):
        for name in ("test_one", "test_two"):
            result = self.results["test_fixtures.SetupFails." + name]
            self.assertIn("setUpClass", result["message"])
            self.assertIn("database unreachable", result["message"])
            self.assertIn("RuntimeError", result["details"])
        self.assertIn("no GPU here", self.results["test_fixtures.SetupSkips.test_two"]["message"])

    def test_teardown_class_error_on_last_test(self):
        result = self.results["test_fixtures.TeardownFails.test_last"]
        self.assertIn("tearDownClass", result["message"])

    def test_module_setup_error(self):
        result = self.results["test_module_setup_fails.Second.test_y"]
        self.assertIn("setUpModule", result["message"])
        self.assertIn("fixture server did not start", result["message"])

    def test_import_error_message_names_the_module(self):
        result = self.results["unittest.loader._FailedTest.test_broken"]
        self.assertIn("forkless_module_that_does_not_exist", result["message"])

    def test_output_attributed_to_the_test(self):
        with start_worker("sample_suite") as worker:
            worker.run(["test_outcomes.Outcomes.test_pass"], 1)
            worker.run(["test_outcomes.Outcomes.test_prints"], 2)
            outputs = worker.outputs
            worker.shutdown()
        # stdout is block-buffered and flushed before `result`, so the order may vary.
        self.assertEqual(sorted(outputs["test_outcomes.Outcomes.test_prints"].splitlines()),
                         [b"err from test_prints", b"out from test_prints"])
        self.assertEqual(outputs["test_outcomes.Outcomes.test_pass"], b"")

    def test_long_details_fit_the_line_limit(self):
        result = self.results["test_outcomes.Outcomes.test_long_details"]
        self.assertIn("truncated by forkless", result["details"])
        self.assertLess(len(json.dumps(result).encode()), 1 << 20)

    def test_durations(self):
        for result in self.results.values():
            self.assertGreaterEqual(result["duration"], 0.0)


class FixtureTests(unittest.TestCase):
    def test_class_and_module_fixtures_once_per_batch(self):
        ids = ["test_fixtures.Counted.test_a", "test_fixtures.Counted.test_b",
               "test_fixtures.Counted.test_c", "test_fixtures.TeardownFails.test_first",
               "test_fixtures.TeardownFails.test_last"]
        with start_worker("sample_suite") as worker:
            results = worker.run(ids)
            worker.shutdown()
        text = b"".join(worker.outputs[i] for i in ids).decode()
        self.assertEqual(text.count("SETUP-MODULE"), 1)
        self.assertEqual(text.count("TEARDOWN-MODULE"), 1)
        self.assertEqual(text.count("SETUP-CLASS Counted"), 1)
        self.assertEqual(text.count("TEARDOWN-CLASS Counted"), 1)
        self.assertLess(text.index("SETUP-CLASS"), text.index("RUN Counted.test_a"))
        self.assertLess(text.index("RUN Counted.test_c"), text.index("TEARDOWN-CLASS"))
        self.assertLess(text.index("TEARDOWN-CLASS"), text.index("TEARDOWN-MODULE"))
        self.assertEqual(results["test_fixtures.Counted.test_b"]["status"], "pass")

    def test_captured_output_is_exact_per_test(self):
        ids = ["test_fixtures.Counted.test_a", "test_fixtures.Counted.test_b",
               "test_fixtures.Counted.test_c", "test_fixtures.TeardownFails.test_first",
               "test_fixtures.TeardownFails.test_last"]
        with start_worker("sample_suite") as worker:
            results = worker.run(ids)
            worker.shutdown()
        outputs = {i: results[i].get("output", "") for i in ids}
        self.assertEqual(outputs["test_fixtures.Counted.test_a"],
                         "SETUP-MODULE test_fixtures\nSETUP-CLASS Counted\nRUN Counted.test_a\n")
        self.assertEqual(outputs["test_fixtures.Counted.test_b"], "RUN Counted.test_b\n")
        self.assertEqual(outputs["test_fixtures.Counted.test_c"],
                         "RUN Counted.test_c\nTEARDOWN-CLASS Counted\n")
        self.assertEqual(outputs["test_fixtures.TeardownFails.test_last"],
                         "TEARDOWN-MODULE test_fixtures\n")
        self.assertEqual(worker.output, b"")  # nothing leaked to the pipe

    def test_capture_off(self):
        with start_worker("sample_suite", env={"FORKLESS_CAPTURE": "0"}) as worker:
            results = worker.run(["test_outcomes.Outcomes.test_prints"])
            worker.shutdown()
        self.assertNotIn("output", results["test_outcomes.Outcomes.test_prints"])
        self.assertIn(b"out from test_prints", worker.output)

    def test_child_process_output_is_captured(self):
        probe = os.path.join(HERE, "channel_probe")
        with start_worker(probe, "-t", probe) as worker:
            results = worker.run(["test_probe.Probe.test_child_output"])
            worker.shutdown()
        result = results["test_probe.Probe.test_child_output"]
        self.assertEqual(result["status"], "pass", result)
        self.assertEqual(result.get("output"), "from python\nfrom a child process\n")

    def test_a_test_that_closes_or_redirects_stdout_does_not_blind_the_next(self):
        probe = os.path.join(HERE, "channel_probe")
        ids = ["test_probe.Descriptors.test_%s" % name for name in
               ("1_closes_stdout_and_stderr", "2_prints", "3_redirects_stdout", "4_prints")]
        with start_worker(probe, "-t", probe) as worker:
            results = worker.run(ids)
            worker.shutdown()
        self.assertEqual([results[i]["status"] for i in ids], ["pass"] * 4, results)
        self.assertEqual(results[ids[1]].get("output"), "printed by test 2\n")
        self.assertEqual(results[ids[3]].get("output"), "printed by test 4\n")

    def test_fixture_output_goes_with_the_test(self):
        # A one-test batch: set-up and tear-down output are attributed to that test.
        with start_worker("sample_suite") as worker:
            worker.run(["test_fixtures.Counted.test_b"])
            output = worker.outputs["test_fixtures.Counted.test_b"].decode()
            worker.shutdown()
        self.assertEqual(output.split(), ["SETUP-MODULE", "test_fixtures", "SETUP-CLASS", "Counted",
                                          "RUN", "Counted.test_b", "TEARDOWN-CLASS", "Counted",
                                          "TEARDOWN-MODULE", "test_fixtures"])

    def test_two_batches_set_up_the_class_again(self):
        with start_worker("sample_suite") as worker:
            worker.run(["test_fixtures.Counted.test_a"], 1)
            worker.run(["test_fixtures.Counted.test_b"], 2)
            outputs = worker.outputs
            worker.shutdown()
        self.assertIn("SETUP-CLASS", outputs["test_fixtures.Counted.test_b"].decode())
        self.assertIn("TEARDOWN-CLASS", outputs["test_fixtures.Counted.test_a"].decode())

    def test_unknown_id(self):
        with start_worker("sample_suite") as worker:
            results = worker.run(["no.such.Test.test_x", "test_outcomes.Outcomes.test_pass"])
            worker.shutdown()
        self.assertEqual(results["no.such.Test.test_x"]["status"], "error")
        self.assertEqual(results["no.such.Test.test_x"]["message"], "unknown test id")
        self.assertEqual(results["test_outcomes.Outcomes.test_pass"]["status"], "pass")

    def test_run_without_list(self):
        with start_worker("sample_suite", slot=2, slots=2) as worker:
            results = worker.run(["pkg.test_nested.Nested.test_in_package"])
            worker.shutdown()
        self.assertEqual(results["pkg.test_nested.Nested.test_in_package"]["status"], "pass")


class ChannelTests(unittest.TestCase):
    def test_channel_hidden_from_tests(self):
        probe = os.path.join(HERE, "channel_probe")
        with start_worker(probe, "-t", probe) as worker:
            results = worker.run(["test_probe.Probe.test_environment"])
            output = worker.outputs["test_probe.Probe.test_environment"].decode()
            worker.shutdown()
        self.assertEqual(results["test_probe.Probe.test_environment"]["status"], "pass", output)

    def test_exit_runs_atexit_and_joins_threads(self):
        import tempfile
        probe = os.path.join(HERE, "channel_probe")
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "atexit.txt")
            with start_worker(probe, "-t", probe, env={"PROBE_ATEXIT_FILE": path}) as worker:
                results = worker.run(["test_probe.AtExit.test_register"])
                worker.shutdown()
            self.assertEqual(results["test_probe.AtExit.test_register"]["status"], "pass")
            with open(path) as handle:
                self.assertEqual(handle.read(), "atexit ran")
            with open(path + ".thread") as handle:
                self.assertEqual(handle.read(), "thread done")

    def test_exit_on_end_of_file(self):
        worker = start_worker("sample_suite")
        try:
            os.close(worker._command_write)
            worker._command_write = os.open(os.devnull, os.O_WRONLY)
            self.assertEqual(worker.process.wait(30), 0)
        finally:
            worker.close()

    def test_bad_start_dir_is_an_error_event(self):
        with start_worker("no_such_dir_xyz/tests") as worker:
            with self.assertRaises(WorkerProtocolError) as caught:
                worker.list()
            self.assertIn("cannot load the tests", str(caught.exception))
            self.assertNotEqual(worker.process.wait(30), 0)


class CrashTests(unittest.TestCase):
    """What the coordinator sees of a test that hangs (then SIGTERM) or crashes."""

    def start_probe(self):
        probe = os.path.join(HERE, "channel_probe")
        return start_worker(probe, "-t", probe)

    def test_sigterm_copies_the_captured_tail(self):
        import signal
        with self.start_probe() as worker:
            worker.send({"type": "run", "batch": 1, "tests": ["test_probe.Crashes.test_hang"]})
            worker.expect("start")
            time.sleep(1.0)  # the test prints at once, into the worker's capture file
            worker.process.send_signal(signal.SIGTERM)
            self.assertEqual(worker.process.wait(30), -signal.SIGTERM)
            worker._drain_all_output()
        self.assertIn(b"before the hang", worker.output)

    def test_segfault_traceback_on_real_stderr(self):
        with self.start_probe() as worker:
            worker.send({"type": "run", "batch": 1, "tests": ["test_probe.Crashes.test_segfault"]})
            worker.expect("start")
            self.assertLess(worker.process.wait(30), 0)
            worker._drain_all_output()
        text = worker.output.decode(errors="replace")
        self.assertIn("Fatal Python error", text)
        self.assertIn("test_segfault", text)


if __name__ == "__main__":
    unittest.main()
