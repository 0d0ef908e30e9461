"""A tiny stand-in for the forkless coordinator, to test Python workers without the C side.

It starts one worker process the way the coordinator does (FORKLESS_CHANNEL=fd:R:W on
two pipes passed to the child, stdout and stderr captured on one pipe, stdin null),
speaks protocol v1 to it and checks the framing on the way: every event is one JSON
object on one line with a known `type`, `hello` comes first with protocol 1, and
`start`/`result`/`done` answer a `run` in order.

    with FakeCoordinator([sys.executable, "-m", "forkless", "unittest", "dir"]) as worker:
        tests = worker.list()            # [{"type": "test", "id": ..., "group": ...}, ...]
        results = worker.run(["a.b.C.test_x"])   # {id: result event}, outputs in worker.outputs
        worker.shutdown()                # asserts exit status 0
"""

import json
import os
import selectors
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
ADAPTER = os.path.join(ROOT, "adapters", "python")
EVENT_TYPES = {"hello", "test", "listed", "start", "result", "done", "error"}
STATUSES = {"pass", "fail", "error", "skip", "xfail", "xpass"}


class WorkerProtocolError(AssertionError):
    pass


def adapter_environment(extra=None):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [ADAPTER] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    env.pop("FORKLESS_CHANNEL", None)
    env.update(extra or {})
    return env


class FakeCoordinator:
    def __init__(self, argv, cwd=None, env=None, slot=1, slots=1, timeout=120):
        self.timeout = timeout
        self.output = bytearray()
        self.outputs = {}  # test id -> bytes the test printed (pipe + result's `output`)
        self._current = None
        command_read, self._command_write = os.pipe()
        self._event_read, event_write = os.pipe()
        environment = adapter_environment(env)
        environment.update({
            "FORKLESS_CHANNEL": "fd:%d:%d" % (command_read, event_write),
            # A copy for tests/python/channel_probe, which checks the worker hid the channel.
            "FAKE_COORDINATOR_CHANNEL": "fd:%d:%d" % (command_read, event_write),
            "FORKLESS_WORKER": str(slot),
            "FORKLESS_WORKERS": str(slots),
            "FORKLESS_RUN_ID": "fake%d" % os.getpid(),
        })
        self.process = subprocess.Popen(
            argv, cwd=cwd, env=environment, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            pass_fds=(command_read, event_write), start_new_session=True)
        os.close(command_read)
        os.close(event_write)
        self._output_fd = self.process.stdout.fileno()
        os.set_blocking(self._output_fd, False)
        self._event_buffer = b""
        self._event_eof = False
        self._output_eof = False
        self._selector = selectors.DefaultSelector()
        self._selector.register(self._event_read, selectors.EVENT_READ, "event")
        self._selector.register(self._output_fd, selectors.EVENT_READ, "output")
        self.hello = self.expect("hello")
        if self.hello.get("protocol") != 1:
            raise WorkerProtocolError("hello with protocol %r" % self.hello.get("protocol"))

    # -- plumbing ----------------------------------------------------------------------------
    def _drain_output(self):
        """Read whatever the worker has written to stdout/stderr so far."""
        while not self._output_eof:
            try:
                chunk = os.read(self._output_fd, 65536)
            except BlockingIOError:
                return
            if not chunk:
                self._output_eof = True
                self._selector.unregister(self._output_fd)
                return
            self.output += chunk

    def _read_line(self):
        """The next event line (bytes, newline included), or b"" at end of file."""
        deadline = time.monotonic() + self.timeout
        while b"\n" not in self._event_buffer and not self._event_eof:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise WorkerProtocolError("no event for %s s; output:\n%s" % (
                    self.timeout, self.output.decode(errors="replace")[-4000:]))
            for key, _ in self._selector.select(remaining):
                if key.data == "output":
                    self._drain_output()
                else:
                    chunk = os.read(self._event_read, 65536)
                    if chunk:
                        self._event_buffer += chunk
                    else:
                        self._event_eof = True
                        self._selector.unregister(self._event_read)
        # Everything the worker printed before this event is in the output pipe now.
        self._drain_output()
        if b"\n" in self._event_buffer:
            line, _, self._event_buffer = self._event_buffer.partition(b"\n")
            return line + b"\n"
        line, self._event_buffer = self._event_buffer, b""
        return line

    def _drain_all_output(self, timeout=10):
        """After the worker exited: read its output pipe to the end."""
        deadline = time.monotonic() + timeout
        while not self._output_eof and time.monotonic() < deadline:
            self._selector.select(0.2)
            self._drain_output()

    def _output_mark(self):
        return len(self.output)

    def send(self, message):
        try:
            os.write(self._command_write, (json.dumps(message) + "\n").encode())
        except BrokenPipeError:
            pass  # the worker is gone (e.g. it sent `error` and exited): its events tell why

    def event(self):
        line = self._read_line()
        if not line:
            self.process.wait(self.timeout)
            raise WorkerProtocolError(
                "worker exited (status %s) without answering; output:\n%s"
                % (self.process.returncode, self.output.decode(errors="replace")[-4000:]))
        if not line.endswith(b"\n"):
            raise WorkerProtocolError("an event line without a newline: %r" % line[:200])
        if len(line) > 1 << 20:
            raise WorkerProtocolError("an event line over 1 MiB")
        try:
            message = json.loads(line)
        except ValueError:
            raise WorkerProtocolError("not JSON: %r" % line[:200])
        if message.get("type") not in EVENT_TYPES:
            raise WorkerProtocolError("unknown event type: %r" % line[:200])
        if message["type"] == "error":
            raise WorkerProtocolError("worker error: %s\noutput:\n%s" % (
                message.get("message"), self.output.decode(errors="replace")[-4000:]))
        return message

    def expect(self, kind):
        message = self.event()
        if message["type"] != kind:
            raise WorkerProtocolError("expected %s, got %r" % (kind, message))
        return message

    # -- commands ----------------------------------------------------------------------------
    def list(self):
        self.send({"type": "list"})
        tests = []
        while True:
            message = self.event()
            if message["type"] == "listed":
                if message["count"] != len(tests):
                    raise WorkerProtocolError("listed count %d != %d tests" % (message["count"], len(tests)))
                return tests
            if message["type"] != "test":
                raise WorkerProtocolError("unexpected event while listing: %r" % message)
            tests.append(message)

    def run(self, test_ids, batch=1):
        """Run one batch; return {id: result event} (also kept in self.results)."""
        self.send({"type": "run", "batch": batch, "tests": list(test_ids)})
        results = {}
        for test_id in test_ids:
            # Output read after the previous result belongs to this test: the worker
            # flushes stdout/stderr before each result, so nothing of an earlier test can
            # arrive later (bytes of the next test may, when the pipes are read late).
            mark = self._output_mark()
            start = self.expect("start")
            if start["id"] != test_id:
                raise WorkerProtocolError("start for %r, expected %r" % (start["id"], test_id))
            result = self.expect("result")
            if result["id"] != test_id:
                raise WorkerProtocolError("result for %r, expected %r" % (result["id"], test_id))
            if result["status"] not in STATUSES:
                raise WorkerProtocolError("bad status %r" % result["status"])
            if not isinstance(result.get("duration"), (int, float)):
                raise WorkerProtocolError("result without a duration: %r" % result)
            if "\n" in result.get("message", ""):
                raise WorkerProtocolError("a multi-line message: %r" % result)
            # What arrived on the pipe meanwhile, plus what the worker captured itself.
            self.outputs[test_id] = (bytes(self.output[mark:self._output_mark()])
                                     + result.get("output", "").encode())
            results[test_id] = result
        done = self.expect("done")
        if done.get("batch") != batch:
            raise WorkerProtocolError("done for batch %r, expected %r" % (done.get("batch"), batch))
        return results

    def shutdown(self):
        self.send({"type": "shutdown"})
        status = self.process.wait(self.timeout)
        deadline = time.monotonic() + 5
        while not self._output_eof and time.monotonic() < deadline:
            self._selector.select(0.5)
            self._drain_output()
        if status != 0:
            raise WorkerProtocolError("worker exited with %s after shutdown; output:\n%s"
                                      % (status, self.output.decode(errors="replace")[-4000:]))
        return status

    def close(self):
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, 9)
            except ProcessLookupError:
                pass
            self.process.wait(10)
        self._selector.close()
        for closer in (lambda: os.close(self._event_read), lambda: os.close(self._command_write)):
            try:
                closer()
            except OSError:
                pass
        if self.process.stdout:
            self.process.stdout.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def group_batches(tests):
    """Split a listing into batches of whole groups, in listing order."""
    batches, current, group = [], [], None
    for test in tests:
        if current and test["group"] != group:
            batches.append(current)
            current = []
        group = test["group"]
        current.append(test["id"])
    if current:
        batches.append(current)
    return batches


if __name__ == "__main__":
    # Drive any worker by hand: fake_coordinator.py CMD ARGS... -> list, run all, print.
    with FakeCoordinator(sys.argv[1:]) as worker:
        listing = worker.list()
        for number, batch in enumerate(group_batches(listing), 1):
            for test_id, result in worker.run(batch, number).items():
                print(result["status"], test_id, result.get("message", ""))
        worker.shutdown()
