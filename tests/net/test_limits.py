"""Connection limits per peer address, through the real server: the
connection over the limit gets its protocol's refusal (HTTP, which counts
too, is closed), and a closed connection frees its slot."""

import os
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cli"))
import estafeta_test as et  # noqa: E402


class LimitsTest(et.DemoTestCase):
    def setUp(self):
        super().setUp()
        self.imap, self.pop3, self.http = et.free_port(), et.free_port(), et.free_port()
        with open(self.config, "w") as f:
            f.write('data_dir = "."\n[limits]\nmax_connections_per_ip = 3\n'
                    '[[listener]]\nprotocol = "imap"\naddress = "127.0.0.1:%d"\n'
                    '[[listener]]\nprotocol = "pop3"\naddress = "127.0.0.1:%d"\n'
                    '[[listener]]\nprotocol = "http"\naddress = "127.0.0.1:%d"\n' % (self.imap, self.pop3, self.http))
        self.server = et.Server(self.config, os.path.join(self.dir, "serve.log"))
        self.addCleanup(self.server.close)
        self.server.wait_http(self.http)

    def greet(self, port):
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.addCleanup(s.close)
        return s, s.recv(300)

    def greet_admitted(self, port):
        """A greeted connection; while the start-up probe's connection (or
        an earlier one) is still being counted, a refusal is retried."""
        deadline = time.monotonic() + 5
        while True:
            s, greeting = self.greet(port)
            if b"too many connections" not in greeting or time.monotonic() > deadline:
                return s, greeting
            s.close()
            time.sleep(0.05)

    def test_fourth_connection_is_refused_per_protocol(self):
        held = [self.greet_admitted(self.imap), self.greet_admitted(self.imap), self.greet_admitted(self.pop3)]
        for s, greeting in held:
            self.assertTrue(greeting.startswith(b"* OK") or greeting.startswith(b"+OK"), greeting)
        _, imap = self.greet(self.imap)
        self.assertEqual(imap, b"* BYE too many connections from your address\r\n")
        _, pop = self.greet(self.pop3)
        self.assertEqual(pop, b"-ERR [SYS/TEMP] too many connections from your address\r\n")
        # HTTP counts too: closed at once, no answer.
        with socket.create_connection(("127.0.0.1", self.http), timeout=5) as s:
            self.assertEqual(s.recv(100), b"")
        # Another address is not affected.
        with socket.create_connection(("127.0.0.1", self.http), timeout=5, source_address=("127.0.0.2", 0)) as s:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            self.assertTrue(s.recv(12).startswith(b"HTTP/1.1 200"))
        held[0][0].close()
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            s, greeting = self.greet(self.imap)
            if greeting.startswith(b"* OK"):
                break
            s.close()
            time.sleep(0.1)
        self.assertTrue(greeting.startswith(b"* OK"), "a closed connection frees its slot")
        self.assertIn("listener.too_many_connections", self.server.log())


if __name__ == "__main__":
    import unittest
    unittest.main()
