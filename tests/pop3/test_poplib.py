"""POP3 through real clients: Python's poplib (plain, STLS, implicit TLS)
and curl's pop3:// URLs, against `estafeta serve` on loopback."""

import imaplib
import os
import poplib
import socket
import ssl
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cli"))
import estafeta_test as et  # noqa: E402

ADDRESS = et.DEMO_ADDRESS


def wait_port(port, server, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise AssertionError("serve exited:\n" + server.log())
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise AssertionError("port %d never opened:\n%s" % (port, server.log()))


class Pop3Test(et.DemoTestCase):
    def setUp(self):
        super().setUp()
        self.plain, self.tls, self.imap = et.free_port(), et.free_port(), et.free_port()
        with open(self.config, "w") as f:
            f.write('data_dir = "."\nhostname = "localhost"\n'
                    '[[listener]]\nprotocol = "pop3"\naddress = "127.0.0.1:%d"\nplaintext_auth = true\n'
                    '[[listener]]\nprotocol = "pop3s"\naddress = "127.0.0.1:%d"\n'
                    '[[listener]]\nprotocol = "imap"\naddress = "127.0.0.1:%d"\nplaintext_auth = true\n'
                    % (self.plain, self.tls, self.imap))
        self.password = self.admin_json("device-password", "create", ADDRESS, et.DEMO_ADMIN,
                                        "--label", "pop3-test")["password"]
        self.server = et.Server(self.config, os.path.join(self.dir, "serve.log"))
        self.addCleanup(self.server.close)
        wait_port(self.plain, self.server)
        wait_port(self.imap, self.server)
        self.ctx = ssl.create_default_context(cafile=os.path.join(self.data, "tls", "cert.pem"))
        # Three messages, put in through IMAP.
        m = imaplib.IMAP4("127.0.0.1", self.imap)
        m.login(ADDRESS, self.password)
        for i in range(3):
            body = "From: a@b.example\r\nSubject: msg %d\r\nMessage-ID: <m%d@t>\r\n\r\nline one\r\n.dotted\r\nend %d\r\n" % (i, i, i)
            typ, _ = m.append("INBOX", None, None, body.encode())
            self.assertEqual(typ, "OK")
        m.logout()

    def pop(self):
        p = poplib.POP3("127.0.0.1", self.plain, timeout=10)
        p.user(ADDRESS)
        p.pass_(self.password)
        return p

    def test_read_list_uidl_top(self):
        p = self.pop()
        count, size = p.stat()
        self.assertEqual(count, 3)
        resp, lines, _ = p.list()
        self.assertEqual(len(lines), 3)
        self.assertEqual(sum(int(l.split()[1]) for l in lines), size)
        resp, lines, octets = p.retr(2)
        self.assertIn(b"Subject: msg 1", lines)
        self.assertIn(b".dotted", lines, "poplib removes the byte-stuffing the server added")
        self.assertEqual(lines[-1], b"end 1")
        resp, top, _ = p.top(1, 1)
        self.assertEqual(top[-1], b"line one")
        self.assertNotIn(b"end 0", top)
        uidl = [l.split()[1] for l in p.uidl()[1]]
        self.assertEqual(len(set(uidl)), 3)
        p.quit()
        # UIDs are stable across sessions.
        q = self.pop()
        self.assertEqual([l.split()[1] for l in q.uidl()[1]], uidl)
        q.quit()

    def test_delete_applies_at_quit_only(self):
        p = self.pop()
        p.dele(1)
        self.assertEqual(p.stat()[0], 2)
        # A dropped connection (no QUIT) deletes nothing.
        p.close()  # closes the socket and its file, without QUIT
        time.sleep(0.3)
        q = self.pop()
        self.assertEqual(q.stat()[0], 3)
        q.dele(1)
        q.dele(3)
        q.quit()
        r = self.pop()
        self.assertEqual(r.stat()[0], 1)
        self.assertIn(b"Subject: msg 1", r.retr(1)[1])
        r.quit()

    def test_in_use_and_wrong_password(self):
        p = self.pop()
        q = poplib.POP3("127.0.0.1", self.plain, timeout=10)
        q.user(ADDRESS)
        with self.assertRaises(poplib.error_proto) as busy:
            q.pass_(self.password)
        self.assertIn(b"[IN-USE]", busy.exception.args[0])
        q.close()
        p.quit()
        bad = poplib.POP3("127.0.0.1", self.plain, timeout=10)
        bad.user(ADDRESS)
        with self.assertRaises(poplib.error_proto) as wrong:
            bad.pass_("not-the-password")
        bad.close()
        unknown = poplib.POP3("127.0.0.1", self.plain, timeout=10)
        unknown.user("nobody@demo.example")
        with self.assertRaises(poplib.error_proto) as nobody:
            unknown.pass_(self.password)
        unknown.close()
        self.assertEqual(wrong.exception.args[0], nobody.exception.args[0])

    def test_tls_paths(self):
        s = poplib.POP3_SSL("127.0.0.1", self.tls, context=self.ctx, timeout=10)
        s.user(ADDRESS)
        s.pass_(self.password)
        self.assertEqual(s.stat()[0], 3)
        s.quit()
        t = poplib.POP3("127.0.0.1", self.plain, timeout=10)
        self.assertIn("STLS", t.capa())
        t.stls(context=self.ctx)
        self.assertIn("USER", t.capa())
        t.user(ADDRESS)
        t.pass_(self.password)
        self.assertEqual(t.stat()[0], 3)
        t.quit()

    def test_curl(self):
        url = "pop3://127.0.0.1:%d/" % self.plain
        listing = subprocess.run(["curl", "-s", "--max-time", "10", "-u", "%s:%s" % (ADDRESS, self.password), url],
                                 capture_output=True, timeout=20)
        self.assertEqual(listing.returncode, 0, listing.stderr)
        self.assertEqual(len(listing.stdout.decode().strip().splitlines()), 3)
        msg = subprocess.run(["curl", "-s", "--max-time", "10", "-u", "%s:%s" % (ADDRESS, self.password), url + "3"],
                             capture_output=True, timeout=20)
        self.assertEqual(msg.returncode, 0, msg.stderr)
        self.assertIn(b"Subject: msg 2", msg.stdout)
        tls = subprocess.run(["curl", "-s", "--max-time", "10", "--cacert", os.path.join(self.data, "tls", "cert.pem"),
                              "-u", "%s:%s" % (ADDRESS, self.password), "pop3s://localhost:%d/1" % self.tls],
                             capture_output=True, timeout=20)
        self.assertEqual(tls.returncode, 0, tls.stderr)
        self.assertIn(b"Subject: msg 0", tls.stdout)

    def test_revocation_ends_the_session(self):
        p = self.pop()
        ids = [d["id"] for d in self.admin_json("device-password", "list", ADDRESS) if d["label"] == "pop3-test"]
        self.assertOk(self.admin("device-password", "revoke", str(ids[0])))
        p.sock.settimeout(5)
        line = p.file.readline()
        self.assertTrue(line.startswith(b"-ERR"), line)
        self.assertIn(b"revoked", line)


if __name__ == "__main__":
    import unittest
    unittest.main()
