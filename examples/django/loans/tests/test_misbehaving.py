"""Tests that kill their own worker or hang, to show what a runner does then.

They are skipped unless FORKLESS_EXAMPLE_MISBEHAVE=1. With it, Django's own parallel runner
waits forever for the dead worker (bpo-22393); forkless reports the dead test as CRASH and
the hung one as TIMEOUT (with --timeout), replaces the worker and runs everything else
(tests/integration/python_test.c).
"""

import os
import signal
import time
import unittest

from django.test import SimpleTestCase

MISBEHAVE = os.environ.get("FORKLESS_EXAMPLE_MISBEHAVE") == "1"


@unittest.skipUnless(MISBEHAVE, "set FORKLESS_EXAMPLE_MISBEHAVE=1 to run the misbehaving tests")
class MisbehavingTests(SimpleTestCase):
    def test_worker_dies(self):
        print("about to kill my own worker", flush=True)
        os.kill(os.getpid(), signal.SIGKILL)

    def test_worker_hangs(self):
        time.sleep(3600)
