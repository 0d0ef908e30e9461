#!/usr/bin/env python3
"""pyworker.py — a minimal forkless protocol v1 worker in plain Python (standard library
only, no adapter), proving the protocol is language-agnostic; docs/protocol.md points here
as the smallest complete example.

Its "tests" are built in; a few misbehave on purpose, selected with PYWORKER_MODE:
  normal (default)   pass, fail, error, skip, xfail, xpass, printing tests in 3 groups
  crash              the test `crashy.dies` kills its own worker with os._exit(7)
  bad-json           answers the first run with a line that is not JSON
  no-hello           never says hello
  wrong-version      says hello with protocol 99
  list-error         reports an error instead of listing
  die-on-run         every worker exits as soon as it is asked to run tests
"""
import json
import os
import sys
import time

MODE = os.environ.get("PYWORKER_MODE", "normal")

TESTS = [
    ("arith.adds", "arith", lambda: None),
    ("arith.fails", "arith", lambda: (_ for _ in ()).throw(AssertionError("1 != 2"))),
    ("arith.errors", "arith", lambda: {}["missing"]),
    ("text.prints", "text", lambda: print("hello from text.prints")),
    ("text.skips", "text", "skip"),
    ("text.xfails", "text", "xfail"),
    ("text.xpasses", "text", "xpass"),
    ("crashy.dies", "crashy", "crash"),
    ("crashy.after", "crashy", lambda: None),
]


def open_channel():
    kind, rfd, wfd = os.environ.pop("FORKLESS_CHANNEL").split(":")
    assert kind == "fd"
    commands = os.fdopen(int(rfd), "r", encoding="utf-8")
    events = os.fdopen(int(wfd), "w", encoding="utf-8")
    os.set_inheritable(int(rfd), False)
    os.set_inheritable(int(wfd), False)
    return commands, events


def send(events, **msg):
    events.write(json.dumps(msg) + "\n")
    events.flush()


def run_test(events, test_id, body):
    send(events, type="start", id=test_id)
    t0 = time.monotonic()
    status, message = "pass", None
    if body == "skip":
        status, message = "skip", "not on this platform"
    elif body == "xfail":
        status, message = "xfail", "known bug"
    elif body == "xpass":
        status, message = "xpass", "expected to fail, but passed"
    elif body == "crash":
        if MODE == "crash":
            print("crashing now", flush=True)
            os._exit(7)
    else:
        try:
            body()
        except AssertionError as e:
            status, message = "fail", str(e)
        except Exception as e:  # noqa: BLE001 - a test's error
            status, message = "error", f"{type(e).__name__}: {e}"
    sys.stdout.flush()
    sys.stderr.flush()
    send(events, type="result", id=test_id, status=status, duration=time.monotonic() - t0,
         message=message, details=f"details of {test_id}" if status in ("fail", "error") else None)


def main():
    commands, events = open_channel()
    if MODE == "no-hello":
        time.sleep(3600)
    send(events, type="hello", protocol=99 if MODE == "wrong-version" else 1, worker="pyworker 1.0",
         pid=os.getpid())
    by_id = {t[0]: t for t in TESTS}
    for line in commands:
        cmd = json.loads(line)
        if cmd["type"] == "list":
            if MODE == "list-error":
                send(events, type="error", message="cannot import the test module")
                return 1
            for test_id, group, _ in TESTS:
                send(events, type="test", id=test_id, group=group, file=__file__)
            send(events, type="listed", count=len(TESTS))
        elif cmd["type"] == "run":
            if MODE == "die-on-run":
                print(f"slot {os.environ['FORKLESS_WORKER']} refuses to run", flush=True)
                return 5
            if MODE == "bad-json":
                events.write("this is not json\n")
                events.flush()
                time.sleep(3600)
            for test_id in cmd["tests"]:
                run_test(events, test_id, by_id[test_id][2])
            send(events, type="done", batch=cmd["batch"])
        elif cmd["type"] == "shutdown":
            return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
