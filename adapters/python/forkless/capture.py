"""Per-test output capture for the Python workers (docs/protocol.md §2, `output`).

While a batch runs, descriptors 1 and 2 point at one unlinked temporary file opened for
appending, so everything a test prints — Python's print, C extensions, child
processes — is captured in order; when the test ends the file is read back (only when
its size says something was written: one fstat for a silent test) and emptied, and the
text travels in the `output` field of `result`, which attributes it exactly (the
coordinator reads the output pipe and the channel independently and cannot). The
descriptors go back to the real stdout/stderr at the end of the batch, not after every
test: two dup2 calls per batch instead of four per test.

If the worker is killed during a test (the coordinator's SIGTERM on timeout), a SIGTERM
handler copies the tail of the capture to the real stdout before dying, so the
coordinator can show it; faulthandler writes the Python traceback of a fatal signal
(SIGSEGV, SIGABRT...) to the real stderr.

FORKLESS_CAPTURE=0 in the environment turns capture off (output then goes straight to
the worker's stdout/stderr, as with `forkless run --no-capture`).
"""

import faulthandler
import os
import signal
import sys
import tempfile

from .protocol import flush_standard_streams

MAX_OUTPUT_BYTES = 256 * 1024   # per test; the tail is kept (1 MiB is the line limit)
CRASH_TAIL_BYTES = 64 * 1024


def capture_enabled(environ=None):
    environ = os.environ if environ is None else environ
    return environ.get("FORKLESS_CAPTURE", "1").strip().lower() not in ("0", "no", "false", "off")


class OutputCapture:
    def __init__(self):
        flush_standard_streams()
        self.real_stdout = os.dup(1)
        self.real_stderr = os.dup(2)
        fd, path = tempfile.mkstemp(prefix="forkless-capture-")
        os.close(fd)
        self.fd = os.open(path, os.O_RDWR | os.O_APPEND)
        os.unlink(path)
        for descriptor in (self.real_stdout, self.real_stderr, self.fd):
            os.set_inheritable(descriptor, False)
        self.active = False
        info = os.fstat(self.fd)
        self._identity = (info.st_dev, info.st_ino)
        self._crash_stream = os.fdopen(os.dup(self.real_stderr), "w")
        faulthandler.enable(file=self._crash_stream, all_threads=True)
        if hasattr(signal, "SIGTERM"):
            self._previous_term = signal.signal(signal.SIGTERM, self._on_terminate)

    def begin(self):
        if self.active and self._still_pointed():
            return
        flush_standard_streams()
        os.dup2(self.fd, 1)  # the file is empty: end() leaves it so
        os.dup2(self.fd, 2)
        self.active = True

    def _still_pointed(self):
        """True when descriptors 1 and 2 are still the capture file: a test may have
        closed or redirected them (os.close(1), os.dup2(devnull, 1)); the next test then
        gets them back (two fstat calls per test instead of four dup2)."""
        for descriptor in (1, 2):
            try:
                info = os.fstat(descriptor)
            except OSError:
                return False
            if (info.st_dev, info.st_ino) != self._identity:
                return False
        return True

    def take(self):
        """Return what was printed since the last take (text, tail only if very long) and
        go on capturing."""
        if not self.active:
            return ""
        flush_standard_streams()
        if os.fstat(self.fd).st_size == 0:  # the common case: the test printed nothing
            return ""
        data = self._read_tail(MAX_OUTPUT_BYTES)
        os.ftruncate(self.fd, 0)
        return data.decode("utf-8", errors="replace")

    def end(self):
        """Stop capturing; return what was printed since the last take."""
        if not self.active:
            return ""
        text = self.take()
        os.dup2(self.real_stdout, 1)
        os.dup2(self.real_stderr, 2)
        self.active = False
        return text

    def _read_tail(self, limit):
        size = os.fstat(self.fd).st_size
        start = max(0, size - limit)
        os.lseek(self.fd, start, os.SEEK_SET)
        chunks = []
        remaining = size - start
        while remaining > 0:
            chunk = os.read(self.fd, min(remaining, 1 << 16))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
        data = b"".join(chunks)
        if start:
            data = b"[forkless: %d earlier bytes of output cut]\n" % start + data
        return data

    def _on_terminate(self, signo, frame):
        """Killed during a test: show its output's tail on the real stdout, then die."""
        try:
            if self.active:
                flush_standard_streams()
                data = self._read_tail(CRASH_TAIL_BYTES)
                view = memoryview(data)
                while view:
                    view = view[os.write(self.real_stdout, view):]
        finally:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGTERM)

    def close(self):
        if self.active:
            self.end()
        faulthandler.disable()
        for descriptor in (self.fd, self.real_stdout, self.real_stderr):
            try:
                os.close(descriptor)
            except OSError:
                pass
        try:
            self._crash_stream.close()
        except OSError:
            pass


class NoCapture:
    """Capture turned off: output goes to the worker's stdout/stderr as it is printed."""

    def begin(self):
        pass

    def take(self):
        flush_standard_streams()
        return None

    def end(self):
        return self.take()

    def close(self):
        pass


def make_capture(environ=None):
    if not capture_enabled(environ) or sys.platform == "win32":
        return NoCapture()
    return OutputCapture()
