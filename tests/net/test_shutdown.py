"""Stopping the server with sessions open: SIGTERM cancels them, which is
the end asked for, not a fault. The log has no `session.crashed` line and
the process exits 0 — with IMAP (plain, logged in and not), SMTP (MX, in
the middle of a transaction) and HTTP keep-alive sessions open.
"""

import os
import re
import socket
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cli"))
import estafeta_test as et  # noqa: E402


class ShutdownTest(et.DemoTestCase):
    def setUp(self):
        super().setUp()
        self.password = re.search(r"device password\s+(\S+)", self.quickstart_output).group(1)
        self.ports = {p: et.free_port() for p in ("imap", "smtp", "submission", "http")}
        text = 'data_dir = "."\n'
        for proto, port in self.ports.items():
            text += '[[listener]]\nprotocol = "%s"\naddress = "127.0.0.1:%d"\n' % (proto, port)
            if proto in ("imap", "submission"):
                text += "plaintext_auth = true\n"
        with open(self.config, "w") as f:
            f.write(text)
        self.server = et.Server(self.config, os.path.join(self.dir, "serve.log"))
        self.addCleanup(self.server.close)
        self.server.wait_http(self.ports["http"])

    def conn(self, proto):
        c = et.LineSocket(self.ports[proto])
        self.addCleanup(c.close)
        return c

    def test_sigterm_with_open_sessions_is_no_crash(self):
        idle = self.conn("imap")
        self.assertTrue(idle.line().startswith(b"* OK"))
        logged = self.conn("imap")
        self.assertTrue(logged.line().startswith(b"* OK"))
        logged.send('a LOGIN "%s" "%s"\r\nb SELECT INBOX\r\nc IDLE\r\n' % (et.DEMO_ADDRESS, self.password))
        while not logged.line().startswith(b"+ "):
            pass
        mx = self.conn("smtp")
        self.assertTrue(mx.line().startswith(b"220 "))
        mx.send("EHLO client.example\r\nMAIL FROM:<a@example.org>\r\n")
        while not mx.line().startswith(b"250 "):  # EHLO's last line
            pass
        self.assertTrue(mx.line().startswith(b"250 "))  # MAIL
        sub = self.conn("submission")
        self.assertTrue(sub.line().startswith(b"220 "))
        keep = socket.create_connection(("127.0.0.1", self.ports["http"]), timeout=10)
        self.addCleanup(keep.close)
        keep.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        self.assertTrue(keep.recv(100).startswith(b"HTTP/1.1 200"))

        self.assertEqual(self.server.stop(timeout=20), et.EXIT_OK, self.server.log())
        log = self.server.log()
        self.assertIn("serve.stopped", log)
        self.assertNotIn("crashed", log)
        self.assertNotIn("Operation canceled", log)
        # Every session ended: each client sees its connection closed.
        for c in (idle, logged, mx, sub):
            self.assertTrue(c.closed(5))
        # RFC 5321 §3.8: an SMTP server shut down says 421 first; IMAP says
        # BYE (RFC 9051 §7.1.5).
        for c in (mx, sub):
            self.assertIn(b"421 4.3.2 ", c.buf)
        for c in (idle, logged):
            self.assertIn(b"* BYE the server is shutting down\r\n", c.buf)


if __name__ == "__main__":
    unittest.main()
