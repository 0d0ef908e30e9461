"""Unit tests of forkless.protocol: channel spec, framing, the 1 MiB limit (in-process)."""

import json
import os
import sys
import unittest

from fake_coordinator import ADAPTER

sys.path.insert(0, ADAPTER)

from forkless import protocol  # noqa: E402


class ChannelSpecTests(unittest.TestCase):
    def test_parse(self):
        self.assertEqual(protocol.parse_channel_spec("fd:3:4"), (3, 4))

    def test_windows_handles_become_descriptors(self):
        opened = []

        def fake_open(handle, flags):
            opened.append((handle, flags))
            return 100 + len(opened)

        self.assertEqual(protocol.parse_channel_spec("handle:420:424", fake_open), (101, 102))
        self.assertEqual(opened, [(420, os.O_RDONLY), (424, os.O_WRONLY)])

    def test_reject(self):
        for spec in ("3:4", "fd:3", "fd:a:4", "pipe:3:4", "handle:x:4", ""):
            with self.subTest(spec=spec), self.assertRaises(protocol.ProtocolError):
                protocol.parse_channel_spec(spec)

    def test_from_environment_removes_the_variable(self):
        read_fd, write_fd = os.pipe()
        environ = {"FORKLESS_CHANNEL": "fd:%d:%d" % (read_fd, write_fd)}
        channel = protocol.Channel.from_environment(environ)
        try:
            self.assertNotIn("FORKLESS_CHANNEL", environ)
            self.assertFalse(os.get_inheritable(read_fd))
            self.assertFalse(os.get_inheritable(write_fd))
        finally:
            channel.close()


class FramingTests(unittest.TestCase):
    def test_one_line_per_message(self):
        line = protocol.encode_message({"type": "result", "id": "a", "details": "x\ny\n", "message": "é"})
        self.assertTrue(line.endswith(b"\n"))
        self.assertEqual(line.count(b"\n"), 1)
        self.assertEqual(json.loads(line)["message"], "é")

    def test_long_output_keeps_its_end(self):
        output = "start\n" + "x" * (3 << 20) + "\nthe end\n"
        line = protocol.encode_message({"type": "result", "id": "a", "status": "pass", "output": output})
        self.assertLessEqual(len(line), protocol.MAX_LINE_BYTES)
        decoded = json.loads(line)["output"]
        self.assertTrue(decoded.endswith("the end\n"))
        self.assertIn("truncated by forkless", decoded)

    def test_long_details_keep_their_start(self):
        details = "Traceback (most recent call last):\n" + "\u00e9" * (2 << 20)
        line = protocol.encode_message({"type": "result", "id": "a", "status": "fail", "details": details})
        self.assertLessEqual(len(line), protocol.MAX_LINE_BYTES)
        self.assertTrue(json.loads(line)["details"].startswith("Traceback"))

    def test_control_characters_are_cut_proportionally(self):
        line = protocol.encode_message({"type": "result", "id": "a", "status": "fail",
                                        "details": "\x01" * (2 << 20)})
        self.assertLessEqual(len(line), protocol.MAX_LINE_BYTES)
        self.assertGreater(len(line), protocol.MAX_LINE_BYTES - 4096)

    def test_one_line_message(self):
        self.assertEqual(protocol.one_line("first\nsecond"), "first")
        self.assertEqual(len(protocol.one_line("y" * 1000)), 500)

    def test_receive(self):
        read_fd, write_fd = os.pipe()
        _, events_fd = os.pipe()
        channel = protocol.Channel(read_fd, events_fd)
        os.write(write_fd, b'{"type":"list"}\n\n{"type":"shutdown","extra":1}\nnot json\n')
        os.close(write_fd)
        try:
            self.assertEqual(channel.receive(), {"type": "list"})
            self.assertEqual(channel.receive()["type"], "shutdown")
            with self.assertRaises(protocol.ProtocolError):
                channel.receive()
            self.assertIsNone(channel.receive())
        finally:
            channel.close()


if __name__ == "__main__":
    unittest.main()
