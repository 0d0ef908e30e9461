"""The worker side of the forkless protocol, version 1 (docs/protocol.md).

A worker talks to the coordinator over two pipe descriptors named by FORKLESS_CHANNEL
(``fd:R:W``): it reads one JSON command per line from R and writes one JSON event per
line to W.  This module opens that channel (and hides it from the tests: the
descriptors are made non-inheritable and the variable is removed from the
environment), frames messages, keeps every line under the 1 MiB limit, and runs the
command loop for a ``Worker`` object that knows how to list and run its tests.

Without FORKLESS_CHANNEL (a person trying a worker by hand) the channel is the
process's own stdin/stdout, and fd 1 is pointed at stderr so that tests' prints
cannot corrupt it.
"""

import atexit
import functools
import json
import os
import signal
import sys
import threading
import traceback

PROTOCOL_VERSION = 1
MAX_LINE_BYTES = 1 << 20  # 1 MiB, newline included
CHANNEL_VARIABLE = "FORKLESS_CHANNEL"
_HOLD_LIMIT = 64 * 1024  # held events are written once they reach this size
_TRUNCATION_NOTE = "\n... [truncated by forkless: the protocol line limit is 1 MiB]"


class ProtocolError(Exception):
    """The coordinator sent something this worker cannot understand."""


class WorkerSetupError(Exception):
    """The worker cannot load its tests, for a reason one sentence explains."""


def parse_channel_spec(spec, open_handle=None):
    """Return (read_fd, write_fd) from ``fd:R:W`` (POSIX descriptors) or ``handle:IN:OUT``
    (Windows: the decimal values of two inherited pipe handles, turned into descriptors
    with ``msvcrt.open_osfhandle``, or ``open_handle`` when given); raise ProtocolError
    otherwise."""
    parts = spec.split(":")
    if len(parts) != 3 or parts[0] not in ("fd", "handle") or not parts[1].isdigit() or not parts[2].isdigit():
        raise ProtocolError("%s=%r: expected the form fd:R:W or handle:IN:OUT" % (CHANNEL_VARIABLE, spec))
    first, second = int(parts[1]), int(parts[2])
    if parts[0] == "fd":
        return first, second
    if open_handle is None:
        try:
            import msvcrt  # Windows only
        except ImportError:
            raise ProtocolError("%s=%r: Windows handles, but this is not Windows" % (CHANNEL_VARIABLE, spec))
        open_handle = msvcrt.open_osfhandle
    return open_handle(first, os.O_RDONLY), open_handle(second, os.O_WRONLY)


def one_line(text, limit=500):
    """Collapse ``text`` to one line of at most ``limit`` characters (for `message`)."""
    if text is None:
        return None
    text = str(text)
    first = text.strip().splitlines()[0] if text.strip() else ""
    if len(first) > limit:
        first = first[: limit - 3] + "..."
    return first


def _json_line(message):
    return (json.dumps(message, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def _cut(text, budget, keep_end):
    """At most `budget` bytes of `text` once JSON-encoded: its start, or its end."""
    data = text.encode("utf-8")
    length = min(len(data), budget)
    while True:
        raw = data[len(data) - length:] if keep_end else data[:length]
        piece = raw.decode("utf-8", errors="ignore")
        size = len(json.dumps(piece, ensure_ascii=False).encode("utf-8")) - 2
        if size <= budget or length == 0:
            return piece
        length = max(0, min(length - 1, length * budget // size - 16))


def encode_message(message):
    """Encode one message as a JSON line, shrinking text fields to fit MAX_LINE_BYTES.

    `output` keeps its end (the latest lines), `details` and `message` their beginning.
    """
    line = _json_line(message)
    if len(line) <= MAX_LINE_BYTES:
        return line
    shrunk = dict(message)
    for field in ("output", "details", "message"):
        text = shrunk.get(field)
        if not isinstance(text, str):
            continue
        shrunk[field] = ""
        room = MAX_LINE_BYTES - len(_json_line(shrunk)) - len(_TRUNCATION_NOTE.encode()) - 8
        if room <= 0:
            continue
        if field == "output":
            shrunk[field] = _TRUNCATION_NOTE.strip() + "\n" + _cut(text, room, keep_end=True)
        else:
            shrunk[field] = _cut(text, room, keep_end=False) + _TRUNCATION_NOTE
        line = _json_line(shrunk)
        if len(line) <= MAX_LINE_BYTES:
            return line
    raise ProtocolError("a %r message does not fit in 1 MiB" % message.get("type"))


class Channel:
    """The two descriptors to and from the coordinator, with one method per event."""

    def __init__(self, read_fd, write_fd):
        for fd in (read_fd, write_fd):
            os.set_inheritable(fd, False)
        self._reader = os.fdopen(read_fd, "rb", buffering=65536)
        self._write_fd = write_fd
        self._held = bytearray()

    @classmethod
    def from_environment(cls, environ=None):
        """Open the channel FORKLESS_CHANNEL names, and remove that variable.

        Without the variable, use stdin/stdout (a hand-driven session) and send the
        process's own fd 1 to stderr.
        """
        environ = os.environ if environ is None else environ
        spec = environ.pop(CHANNEL_VARIABLE, None)
        if spec is not None:
            read_fd, write_fd = parse_channel_spec(spec)
            return cls(read_fd, write_fd)
        sys.stdout.flush()
        read_fd = os.dup(0)
        write_fd = os.dup(1)
        os.dup2(2, 1)
        null_fd = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null_fd, 0)
        os.close(null_fd)
        return cls(read_fd, write_fd)

    # -- framing -------------------------------------------------------------------------
    def send(self, message, hold=False):
        """Write one event; with hold=True keep it to go out with the next event.

        Events are never split across writes. Held events (the tests of a listing, a
        result that the next test's start or the batch's done follows at once) share
        one write with what comes next: one pipe wake-up instead of several.
        """
        self.send_line(encode_message(message), hold)

    def send_line(self, line, hold=False):
        """send() for a message already encoded as one JSON line (bytes)."""
        self._held += line
        if hold and len(self._held) < _HOLD_LIMIT:
            return
        data, self._held = memoryview(bytes(self._held)), bytearray()
        while data:
            written = os.write(self._write_fd, data)
            data = data[written:]

    def receive(self):
        """Return the next command as a dict, or None at end of file."""
        while True:
            raw = self._reader.readline(MAX_LINE_BYTES + 1)
            if not raw:
                return None
            if len(raw) > MAX_LINE_BYTES:
                raise ProtocolError("a command line longer than 1 MiB")
            if not raw.strip():
                continue
            try:
                message = json.loads(raw.decode("utf-8"))
            except ValueError as exc:
                raise ProtocolError("not JSON: %r (%s)" % (raw[:200], exc))
            if not isinstance(message, dict) or not isinstance(message.get("type"), str):
                raise ProtocolError("a command without a type: %r" % raw[:200])
            return message

    def close(self):
        try:
            self._reader.close()
        finally:
            try:
                os.close(self._write_fd)
            except OSError:
                pass

    # -- events --------------------------------------------------------------------------
    def hello(self, worker_name):
        self.send({"type": "hello", "protocol": PROTOCOL_VERSION, "worker": worker_name,
                   "pid": os.getpid()})

    def test(self, test_id, group, file=None, line=None, extra=None):
        message = {"type": "test", "id": test_id, "group": group}
        if file:
            message["file"] = file
        if line:
            message["line"] = line
        if extra:
            message.update(extra)
        self.send(message, hold=True)

    def listed(self, count):
        self.send({"type": "listed", "count": count})

    def start(self, test_id):
        self.send_line(b'{"type":"start","id":%s}\n' % _encoded_id(test_id))

    def result(self, test_id, status, duration, message=None, details=None, output=None):
        """The caller has flushed the test's output (the runner's capture.take() does)."""
        duration = round(max(duration, 0.0), 6)
        if not (message or details or output):  # the common case, without the json module
            self.send_line(b'{"type":"result","id":%s,"status":"%s","duration":%r}\n' % (
                _encoded_id(test_id), status.encode("ascii"), duration), hold=True)
            return
        event = {"type": "result", "id": test_id, "status": status, "duration": duration}
        if message:
            event["message"] = one_line(message)
        if details:
            event["details"] = details
        if output:
            event["output"] = output
        self.send(event, hold=True)  # the next start or done follows at once

    def done(self, batch):
        self.send({"type": "done", "batch": batch})

    def error(self, message):
        flush_standard_streams()
        self.send({"type": "error", "message": message})


@functools.lru_cache(maxsize=65536)
def _encoded_id(test_id):
    """A test id as a JSON string, encoded (ids repeat: `start` and `result` of each test)."""
    return json.dumps(test_id, ensure_ascii=False).encode("utf-8")


def flush_standard_streams():
    streams = (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__)
    for index, stream in enumerate(streams):
        if stream is None or stream in streams[:index]:
            continue
        try:
            stream.flush()
        except (OSError, ValueError, AttributeError):
            pass


def fast_exit(status):
    """End the process now, as a normal exit would but without tearing the interpreter down.

    With Django and thousands of tests loaded, the interpreter's final clean-up (module
    teardown, garbage collection) takes tenths of a second, and the coordinator waits
    for it. What a program can rely on at exit still happens: non-daemon threads are
    joined, atexit handlers run (coverage.py saves its data there, logging flushes),
    the standard streams are flushed. FORKLESS_FAST_EXIT=0 makes it a normal exit.
    """
    if os.environ.get("FORKLESS_FAST_EXIT", "1").strip().lower() in ("0", "no", "false", "off"):
        sys.exit(status)
    try:
        shutdown_threads = getattr(threading, "_shutdown", None)
        if shutdown_threads is not None:
            shutdown_threads()
        run_exit_functions = getattr(atexit, "_run_exitfuncs", None)
        if run_exit_functions is None:
            sys.exit(status)
        run_exit_functions()
    finally:
        flush_standard_streams()
        os._exit(status if isinstance(status, int) else 1)


class Worker:
    """What serve() needs from a worker; subclasses implement the three methods.

    ``prepare()`` loads the tests (called once, right after `hello`; an exception there
    becomes an `error` event), ``list_tests()`` yields (id, group, file, line) tuples,
    optionally with a fifth item, a dict of extra fields for the `test` event, ``run_batch(ids, channel)`` sends `start` and
    `result` for each id in order.
    """

    name = "forkless-python"

    def prepare(self):
        pass

    def list_tests(self):
        raise NotImplementedError

    def run_batch(self, test_ids, channel):
        raise NotImplementedError

    def close(self):
        pass


def _answer(worker, channel, command):
    kind = command["type"]
    if kind == "list":
        count = 0
        for entry in worker.list_tests():
            channel.test(*entry)
            count += 1
        channel.listed(count)
    elif kind == "run":
        tests = command.get("tests") or []
        if not isinstance(tests, list):
            raise ProtocolError("run: `tests` is not an array")
        worker.run_batch([str(t) for t in tests], channel)
        channel.done(command.get("batch"))
    else:
        sys.stderr.write("forkless worker: ignoring unknown command %r\n" % kind)


def die_with_parent():
    """Linux: when the coordinator dies (even SIGKILLed), end this worker and its process
    group — what its tests started — as the C test API's workers do (fl_die_with_parent):
    the kernel sends SIGRTMIN+1 at the parent's death and the handler kills the group.
    Elsewhere, or without ctypes, nothing: the worker ends at its next read or write."""
    if not sys.platform.startswith("linux") or not hasattr(signal, "SIGRTMIN"):
        return
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
    except (ImportError, OSError):
        return
    parent = os.getppid()
    signo = signal.SIGRTMIN + 1

    def on_parent_death(received=None, frame=None):
        if os.getppid() != parent:  # the group only if it is ours (forkless makes one per worker)
            if os.getpgrp() == os.getpid():
                os.killpg(0, signal.SIGKILL)
            os.kill(os.getpid(), signal.SIGKILL)

    signal.signal(signo, on_parent_death)
    PR_SET_PDEATHSIG = 1
    if libc.prctl(PR_SET_PDEATHSIG, signo, 0, 0, 0) != 0:
        return
    on_parent_death()  # in case it died before the request took effect


def serve(worker, channel=None):
    """Say hello, answer commands until shutdown or end of file; return the exit status."""
    if channel is None and CHANNEL_VARIABLE in os.environ:
        die_with_parent()  # only when a coordinator started us (not a hand-driven session)
    channel = channel or Channel.from_environment()
    channel.hello(worker.name)
    # Load the tests right away, not on the first command: the workers that are not
    # asked to list (slots 2..N) are then ready by the time slot 1 has listed.
    try:
        worker.prepare()
    except WorkerSetupError as exc:
        channel.error("%s: %s" % (worker.name, exc))
        worker.close()
        return 1
    except BaseException as exc:  # noqa: B902 - every failure must reach the coordinator
        if isinstance(exc, KeyboardInterrupt):
            raise
        channel.error("%s: cannot load the tests: %s\n%s" % (
            worker.name, one_line("%s: %s" % (type(exc).__name__, exc)), traceback.format_exc()))
        worker.close()
        return 1
    try:
        while True:
            command = channel.receive()
            if command is None or command["type"] == "shutdown":
                break
            try:
                _answer(worker, channel, command)
            except ProtocolError:
                raise
            except WorkerSetupError as exc:
                channel.error("%s: %s" % (worker.name, exc))
                return 1
            except Exception as exc:  # noqa: BLE001 - report, then exit: the worker is broken
                channel.error("%s: internal error: %s\n%s" % (
                    worker.name, one_line("%s: %s" % (type(exc).__name__, exc)),
                    traceback.format_exc()))
                return 1
    except ProtocolError as exc:
        channel.error("protocol error: %s" % exc)
        return 1
    finally:
        worker.close()
        flush_standard_streams()
    channel.close()
    return 0
