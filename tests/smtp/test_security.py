"""Attacks on the SMTP listeners, through the real binary, each checked to
fail and normal use checked to keep working:

- BDAT memory: a chunk announced larger than the message limit, or sent
  with no transaction, is read and dropped, never buffered (RFC 3030 §2;
  the server's RSS is measured); a normal BDAT delivery follows on the same
  connection.
- Slow DNS: SPF checks against a DNS server that never answers hold
  neither the worker pool (another user's IMAP stays fast) nor the client
  for ever (temperror, or 451 4.4.3 when too many checks wait), and one
  client's checks do not take every SPF thread.
- Header injection: a HELO with ";"/"=", a quoted local part, a forged
  Authentication-Results with our host name: the stored message carries
  exactly one Authentication-Results from us, with the intended fields.
- Revoked access: an open submission session can no longer send as an
  address whose access was removed with the admin CLI.
- DATA and BDAT apply the same checks: bare CR/LF, malformed header blocks
  on submission.
- Outgoing envelopes quote local parts that need it ("a b"@x), seen by an
  SMTP sink on 127.0.0.1 behind a static [[route]].
"""

import base64
import os
import re
import socket
import sys
import threading
import time
import unittest

from smtp_test import DEMO_ADDRESS, DEMO_ADMIN, TIMEOUT, Instance, RawSmtp, make_message, new_msgid

MIB = 1024 * 1024


def plain_b64(user, password):
    return base64.b64encode(("\0%s\0%s" % (user, password)).encode()).decode()


def rss(pid):
    """The resident set of a process, in bytes (/proc/<pid>/status VmRSS)."""
    with open("/proc/%d/status" % pid, encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS for %d" % pid)


class RawFrom(RawSmtp):
    """RawSmtp from a chosen loopback source address (127.0.0.2 …)."""

    def __init__(self, port, source):
        self.timeout = TIMEOUT
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT, source_address=(source, 0))
        self.buf = b""
        self.greeting = self.reply()


class Base(unittest.TestCase):
    maxDiff = None
    srv = None

    def setUp(self):
        self.assertTrue(self.srv.alive(), "the server died:\n" + self.srv.log()[-5000:])

    def raw(self, kind="mx"):
        c = self.srv.raw(kind)
        self.addCleanup(c.close)
        self.assertEqual(c.greeting[0], 220, c.greeting)
        return c

    def submission(self):
        c = self.raw("submission_plain")
        c.cmd("EHLO client.e2e.test")
        code, text = c.cmd("AUTH PLAIN " + plain_b64(DEMO_ADDRESS, self.srv.password))
        self.assertEqual(code, 235, text)
        return c

    def transaction(self, c, sender="ana@example.org", rcpt=DEMO_ADDRESS):
        self.assertEqual(c.cmd("MAIL FROM:<%s>" % sender)[0], 250)
        self.assertEqual(c.cmd("RCPT TO:<%s>" % rcpt)[0], 250)

    def assertStoredOnce(self, msgid, folder="INBOX"):
        found = self.srv.with_id(msgid, folder)
        self.assertEqual(len(found), 1, "%s in %s: %r\n%s" % (msgid, folder, found, self.srv.log()[-3000:]))
        return found[0]

    def assertNotStored(self, msgid):
        for folder in ("INBOX", "Junk", "Sent"):
            self.assertEqual(self.srv.with_id(msgid, folder), [], "%s in %s" % (msgid, folder))


# --- A. BDAT memory ---------------------------------------------------------

LIMIT = MIB  # [limits] max_message_size of the BDAT server
GROWTH = 16 * MIB  # what the server may grow by while tens of MiB are refused


class BdatMemoryTest(Base):
    @classmethod
    def setUpClass(cls):
        cls.srv = Instance("bdat-memory", "mx.e2e.test", ["mx", "imap", "http"],
                           extra="[limits]\nmax_message_size = %d\n" % LIMIT)
        cls.addClassCleanup(cls.srv.remove)
        # ASan keeps freed memory aside (256 MiB by default) before reusing
        # it: every 8 KiB read would then count as growth. A small quarantine
        # leaves only what the server really holds.
        saved = os.environ.get("ASAN_OPTIONS")
        os.environ["ASAN_OPTIONS"] = ((saved + ":") if saved else "") + "quarantine_size_mb=1"
        try:
            cls.srv.start()
        finally:
            if saved is None:
                del os.environ["ASAN_OPTIONS"]
            else:
                os.environ["ASAN_OPTIONS"] = saved

    def deliver_bdat(self, c, subject):
        msgid = new_msgid(subject)
        msg = make_message(subject, msgid)
        self.transaction(c)
        c.send(b"BDAT %d LAST\r\n%s" % (len(msg), msg))
        code, text = c.reply()
        self.assertEqual(code, 250, text)
        return msgid

    def stream(self, c, total, peak):
        """Sends `total` octets of chunk data; `peak` keeps the highest RSS seen."""
        block = b"x" * (1022) + b"\r\n"
        block = block * (MIB // len(block)) + b"y" * (MIB % len(block))
        pid = self.srv.server.proc.pid
        sent = 0
        while sent < total:
            part = block[:min(len(block), total - sent)]
            c.send(part)
            sent += len(part)
            peak[0] = max(peak[0], rss(pid))

    def test_refused_chunks_are_dropped_not_buffered(self):
        c = self.raw()
        self.assertEqual(c.cmd("EHLO client.e2e.test")[0], 250)
        # Warm up every path (a BDAT delivery, SPF, IMAP read-back) first.
        self.assertStoredOnce(self.deliver_bdat(c, "bdat warm-up"))
        pid = self.srv.server.proc.pid
        baseline = rss(pid)
        peak = [baseline]
        # 1. No transaction: the chunk's octets are read and dropped, then 503.
        c.send("BDAT %d LAST\r\n" % (48 * MIB))
        self.stream(c, 48 * MIB, peak)
        code, text = c.reply()
        self.assertEqual(code, 503, text)
        # 2. After MAIL and RCPT, a chunk larger than the limit: 552 5.3.4.
        self.transaction(c)
        c.send("BDAT %d LAST\r\n" % (48 * MIB))
        self.stream(c, 48 * MIB, peak)
        code, text = c.reply()
        self.assertEqual(code, 552, text)
        self.assertTrue(text[0].startswith("5.3.4 "), text)
        # The same connection is in step and delivers normally.
        self.assertEqual(c.cmd("NOOP")[0], 250)
        self.assertStoredOnce(self.deliver_bdat(c, "bdat after the refusals"))
        peak[0] = max(peak[0], rss(pid))
        self.assertLess(peak[0] - baseline, GROWTH,
                        "RSS grew from %.1f to %.1f MiB" % (baseline / MIB, peak[0] / MIB))

    def test_huge_chunk_without_login_or_ehlo(self):
        # The reproduced attack: no EHLO, no MAIL, 100 GB announced.
        pid = self.srv.server.proc.pid
        warm = self.raw()
        warm.cmd("EHLO client.e2e.test")
        self.assertStoredOnce(self.deliver_bdat(warm, "bdat warm-up 2"))
        baseline = rss(pid)
        peak = [baseline]
        c = self.raw()
        c.send(b"BDAT 100000000000 LAST\r\n")
        self.stream(c, 64 * MIB, peak)
        self.assertLess(peak[0] - baseline, GROWTH,
                        "RSS grew from %.1f to %.1f MiB" % (baseline / MIB, peak[0] / MIB))
        c.close()
        # Other clients are served meanwhile and after.
        self.assertStoredOnce(self.deliver_bdat(warm, "bdat beside a huge chunk"))


# --- B. Slow DNS --------------------------------------------------------------

class SilentDns:
    """A UDP "DNS server" on 127.0.0.1 that never answers."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]

    def close(self):
        self.sock.close()


SLOW_SESSIONS = 20
IMAP_BOUND = 3.0  # seconds for LOGIN+SELECT+FETCH; the attack made it ~9 s


class SlowDnsTest(Base):
    @classmethod
    def setUpClass(cls):
        cls.dns = SilentDns()
        cls.addClassCleanup(cls.dns.close)
        # Default [dns] SPF settings: 10 s per check, 8 at once, 2 per client.
        cls.srv = Instance("slow-dns", "mx.e2e.test", ["mx", "imap", "http"], dns_port=cls.dns.port)
        cls.addClassCleanup(cls.srv.remove)
        cls.srv.admin_json("domain", "add", "--service", "demo-mail", "strict.example")
        cls.srv.admin_json("domain", "set", "strict.example", "--spf-fail", "reject")
        cls.srv.admin_json("address", "create", "boss@strict.example")
        cls.srv.start()

    def test_silent_dns_stalls_no_one(self):
        # A message to read (a bounce from an address literal: SPF has no
        # domain to ask about), and the IMAP baseline.
        c = self.raw()
        c.cmd("EHLO [127.0.0.1]")
        self.transaction(c, sender="")
        self.assertEqual(c.cmd("DATA")[0], 354)
        c.send(make_message("to read", new_msgid("to-read")) + b".\r\n")
        self.assertEqual(c.reply()[0], 250)
        baseline = min(self.srv.imap_round() for _ in range(3))

        results = {}

        def attacker(i, source="127.0.0.1"):
            # Half check SPF at RCPT (a domain that refuses SPF failures),
            # half at the end of DATA.
            start = time.monotonic()
            try:
                s = RawFrom(self.srv.ports["mx"], source)
                s.timeout = 30
                s.cmd("EHLO attacker%d.e2e.test" % i)
                s.cmd("MAIL FROM:<x@slow%d.test>" % i)
                rcpt = "boss@strict.example" if i % 2 else DEMO_ADDRESS
                code, text = s.cmd("RCPT TO:<%s>" % rcpt)
                if code == 250:
                    code, text = s.cmd("DATA")
                    if code == 354:
                        s.send(make_message("slow %d" % i, "<slow.%d@e2e.test>" % i, to=rcpt) + b".\r\n")
                        code, text = s.reply()
                results[(source, i)] = (code, text, time.monotonic() - start)
                s.close()
            except Exception as e:  # noqa: BLE001 - reported below
                results[(source, i)] = (None, repr(e), time.monotonic() - start)

        threads = [threading.Thread(target=attacker, args=(i,)) for i in range(SLOW_SESSIONS)]
        # Another client address: its checks run beside the first one's.
        threads.append(threading.Thread(target=attacker, args=(SLOW_SESSIONS, "127.0.0.2")))
        for t in threads:
            t.start()
        time.sleep(0.5)  # every session is waiting for its SPF check
        latencies = []
        while any(t.is_alive() for t in threads) and len(latencies) < 2000:
            latencies.append(self.srv.imap_round())
        for t in threads:
            t.join(timeout=40)
        self.assertFalse(any(t.is_alive() for t in threads), "an SMTP session hangs")
        self.assertLess(max(latencies), IMAP_BOUND,
                        "IMAP LOGIN+SELECT+FETCH took up to %.2f s during the attack (baseline %.3f s)"
                        % (max(latencies), baseline))
        self.assertGreater(len(latencies), 3)
        # Every SPF session got an answer: a temperror verdict (the message
        # is taken) or 451 4.4.3 (too many checks wait: try later).
        self.assertEqual(len(results), SLOW_SESSIONS + 1)
        for key, (code, text, took) in results.items():
            self.assertIn(code, (250, 451), "%s: %r %r" % (key, code, text))
            if code == 451:
                self.assertTrue(text[0].startswith("4.4.3 "), text)
            self.assertLess(took, 25, "%s waited %.1f s" % (key, took))
        taken = [k for k, r in results.items() if r[0] == 250]
        self.assertIn(("127.0.0.2", SLOW_SESSIONS), taken, "the other client's check ran: %r" % results)
        self.assertGreaterEqual(len(taken), 2, results)
        stored = [s for s in self.srv.messages() if (s.message_id or "").startswith("<slow.")]
        self.assertTrue(stored)
        for s in stored:
            self.assertIn(b"spf=temperror", s.raw)


# --- C. Header injection, E. the same checks for DATA and BDAT, D. revocation,
# --- F. outgoing envelopes: one server ------------------------------------------

class Sink:
    """A minimal SMTP server on 127.0.0.1 that takes every message and
    records every command line it was sent; `dsn`: it announces DSN."""

    def __init__(self, host="127.0.0.1", port=0, dsn=False):
        self.dsn = dsn
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind((host, port))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.lines = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def close(self):
        self.stop.set()
        self.thread.join(timeout=5)
        self.sock.close()

    def serve(self):
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (socket.timeout, OSError):
                continue
            with conn:
                conn.settimeout(10)
                try:
                    self.session(conn.makefile("rb"), conn)
                except OSError:
                    pass

    def session(self, rf, conn):
        conn.sendall(b"220 sink.e2e.test ESMTP\r\n")
        while True:
            line = rf.readline()
            if not line:
                return
            self.lines.append(line.rstrip(b"\r\n").decode("utf-8", "replace"))
            verb = line[:4].upper()
            if verb == b"EHLO":
                conn.sendall(b"250-sink.e2e.test\r\n" + (b"250-DSN\r\n" if self.dsn else b"") + b"250 8BITMIME\r\n")
            elif verb == b"DATA":
                conn.sendall(b"354 go on\r\n")
                while rf.readline() not in (b".\r\n", b""):
                    pass
                conn.sendall(b"250 2.0.0 taken\r\n")
            elif verb == b"QUIT":
                conn.sendall(b"221 bye\r\n")
                return
            else:
                conn.sendall(b"250 ok\r\n")


SECOND = "second@demo.example"


class HeadersAndEnvelopesTest(Base):
    @classmethod
    def setUpClass(cls):
        cls.sink = Sink()
        cls.addClassCleanup(cls.sink.close)
        cls.srv = Instance("security", "mx.e2e.test", ["mx", "submission_plain", "imap", "http"],
                           extra='[queue]\nfirst_retry_seconds = 1\n\n[[route]]\ndomain = "sink.example"\n'
                                 'host = "127.0.0.1"\nport = %d\n' % cls.sink.port)
        cls.addClassCleanup(cls.srv.remove)
        cls.srv.start()

    # C.
    def authentication_results(self, stored):
        return [re.sub(r"\s+", " ", v).strip() for v in stored.parsed().get_all("Authentication-Results", [])]

    def test_helo_and_sender_cannot_forge_results(self):
        forged = ("Authentication-Results: mx.e2e.test; dkim=pass header.d=bank.example\r\n"
                  "authentication-results : (ours) MX.E2E.TEST.;\r\n\tdmarc=pass header.from=bank.example\r\n"
                  "Authentication-Results: other.example; spf=pass\r\n")
        cases = [
            # The reproduced injection: the HELO word carries properties and
            # becomes postmaster@<HELO> for the null sender.
            ("bank.example;dkim=pass;dmarc=pass", "<>"),
            ("bank.example", '<"x;dkim=pass;dmarc=pass"@bank.example>'),
            ("(c)=x", "<>"),
        ]
        for helo, sender in cases:
            with self.subTest(helo=helo, sender=sender):
                msgid = new_msgid("forge")
                c = self.raw()
                self.assertEqual(c.cmd("EHLO " + helo)[0], 250)
                self.assertEqual(c.cmd("MAIL FROM:" + sender)[0], 250)
                self.assertEqual(c.cmd("RCPT TO:<%s>" % DEMO_ADDRESS)[0], 250)
                self.assertEqual(c.cmd("DATA")[0], 354)
                c.send(forged.encode() + make_message("forged results", msgid, sender="bank@bank.example") + b".\r\n")
                code, text = c.reply()
                self.assertEqual(code, 250, text)
                stored = self.assertStoredOnce(msgid)
                results = self.authentication_results(stored)
                ours = [r for r in results if r.lower().startswith("mx.e2e.test")]
                self.assertEqual(len(ours), 1, results)
                self.assertIn("other.example; spf=pass", results, "another server's results are kept")
                # Our one field: "spf=…" with at most smtp.mailfrom, whose value
                # is a plain address or one quoted-string; then our own dkim
                # (none: the message has no signature) and dmarc verdicts, with
                # a comment of ours and the From domain.
                m = re.fullmatch(r'mx\.e2e\.test; spf=(none|temperror)( smtp\.mailfrom=([^\s";()]+|"(?:[^"\\]|\\.)*"))?'
                                 r'; dkim=none; dmarc=(none|temperror)( \([^()]*\))? header\.from=bank\.example',
                                 ours[0])
                self.assertIsNotNone(m, ours[0])
                head = stored.raw.split(b"\r\n\r\n")[0]
                if helo != "bank.example":
                    self.assertNotIn(helo.encode(), head, "a HELO that is no domain is in no header")
                spf = stored.parsed().get("Received-SPF", "")
                self.assertNotIn("dkim=pass", re.sub(r'"(?:[^"\\]|\\.)*"', "", spf), spf)

    # E.
    def test_bdat_refuses_bare_line_endings_like_data(self):
        for kind in ("mx", "submission_plain"):
            for body in (b"Subject: x\rFrom: boss@bank.example\r\n\r\nhi\r\n", b"Subject: x\nX: y\r\n\r\nhi\r\n"):
                with self.subTest(kind=kind, body=body):
                    c = self.submission() if kind != "mx" else self.raw()
                    if kind == "mx":
                        c.cmd("EHLO client.e2e.test")
                        self.transaction(c)
                    else:
                        self.transaction(c, sender=DEMO_ADDRESS)
                    c.send(b"BDAT %d LAST\r\n%s" % (len(body), body))
                    code, text = c.reply()
                    self.assertEqual(code, 550, text)
                    self.assertTrue(text[0].startswith("5.6.11 "), text)
                    self.assertEqual(c.cmd("NOOP")[0], 250, "still in step")
                    # DATA says the same of the same bytes.
                    self.transaction(c, sender=DEMO_ADDRESS if kind != "mx" else "ana@example.org")
                    self.assertEqual(c.cmd("DATA")[0], 354)
                    c.send(body + b".\r\n")
                    code, text = c.reply()
                    self.assertEqual(code, 550, text)
                    self.assertTrue(text[0].startswith("5.6.11 "), text)

    def test_submission_refuses_malformed_header_blocks(self):
        msgid = new_msgid("hidden-from")
        # A line that is no field: some readers end the header there (and
        # would not check the From: after it), others skip it.
        msg = (b"Subject: x\r\nthis line is no field\r\nFrom: boss@bank.example\r\nMessage-ID: " + msgid.encode()
               + b"\r\n\r\nhi\r\n")
        for how in ("DATA", "BDAT"):
            with self.subTest(how=how):
                c = self.submission()
                self.transaction(c, sender=DEMO_ADDRESS)
                if how == "DATA":
                    self.assertEqual(c.cmd("DATA")[0], 354)
                    c.send(msg + b".\r\n")
                else:
                    c.send(b"BDAT %d LAST\r\n%s" % (len(msg), msg))
                code, text = c.reply()
                self.assertEqual(code, 550, text)
                self.assertTrue(text[0].startswith("5.6.0 malformed header: line 2"), text)
        self.assertNotStored(msgid)
        # A well-formed message still goes.
        ok = new_msgid("well-formed")
        c = self.submission()
        self.transaction(c, sender=DEMO_ADDRESS)
        msg = make_message("well formed", ok, sender=DEMO_ADDRESS)
        c.send(b"BDAT %d LAST\r\n%s" % (len(msg), msg))
        self.assertEqual(c.reply()[0], 250)
        self.assertStoredOnce(ok)

    # D.
    def test_revoked_access_stops_the_open_session(self):
        self.srv.admin_json("address", "create", SECOND)
        self.srv.admin_json("access", "grant", SECOND, DEMO_ADMIN)
        c = self.submission()  # logged in as hello@demo.example
        self.assertEqual(c.cmd("MAIL FROM:<%s>" % SECOND)[0], 250)
        self.assertEqual(c.cmd("RCPT TO:<%s>" % DEMO_ADDRESS)[0], 250)
        self.assertEqual(c.cmd("DATA")[0], 354)
        self.assertEqual(self.srv.admin("access", "revoke", SECOND, DEMO_ADMIN).code, 0)
        # Revoked after MAIL: the end of the data refuses it.
        late = new_msgid("revoked-late")
        c.send(make_message("revoked during DATA", late, sender=SECOND) + b".\r\n")
        code, text = c.reply()
        self.assertEqual(code, 550, text)
        self.assertTrue(text[0].startswith("5.7.1 "), text)
        # The next MAIL as that address is refused; the session itself goes on.
        code, text = c.cmd("MAIL FROM:<%s>" % SECOND)
        self.assertEqual(code, 550, text)
        self.assertTrue(text[0].startswith("5.7.1 "), text)
        own = new_msgid("own-address")
        self.transaction(c, sender=DEMO_ADDRESS)
        self.assertEqual(c.cmd("DATA")[0], 354)
        c.send(make_message("own address", own, sender=DEMO_ADDRESS) + b".\r\n")
        self.assertEqual(c.reply()[0], 250)
        self.assertStoredOnce(own)
        self.assertNotStored(late)

    # F.
    def test_outgoing_rcpt_quotes_the_local_part(self):
        msgid = new_msgid("quoted-rcpt")
        c = self.submission()
        self.assertEqual(c.cmd("MAIL FROM:<%s>" % DEMO_ADDRESS)[0], 250)
        self.assertEqual(c.cmd('RCPT TO:<"a b"@sink.example>')[0], 250)
        self.assertEqual(c.cmd('RCPT TO:<"c\\"d"@sink.example>')[0], 250)
        self.assertEqual(c.cmd('RCPT TO:<"plain"@sink.example>')[0], 250)
        self.assertEqual(c.cmd("DATA")[0], 354)
        c.send(make_message("to a quoted local part", msgid, sender=DEMO_ADDRESS, to='"a b"@sink.example') + b".\r\n")
        self.assertEqual(c.reply()[0], 250)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not any(l.upper().startswith("DATA") for l in self.sink.lines):
            time.sleep(0.1)
        rcpts = sorted(l for l in self.sink.lines if l.upper().startswith("RCPT"))
        self.assertEqual(rcpts, ['RCPT TO:<"a b"@sink.example>', 'RCPT TO:<"c\\"d"@sink.example>',
                                 "RCPT TO:<plain@sink.example>"], self.sink.lines)
        self.assertIn("MAIL FROM:<%s>" % DEMO_ADDRESS, [l.split(" SIZE=")[0] for l in self.sink.lines])


if __name__ == "__main__":
    unittest.main()
