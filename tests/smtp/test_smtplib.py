"""smtplib (and a raw socket where smtplib hides the wire) against the MX
and submission listeners of one served quickstart folder.

MX (RFC 5321): local recipients only, never a relay, SIZE (RFC 1870) and
the size limit after DATA, bare LF refused (no SMTP smuggling), PIPELINING
(RFC 2920), CHUNKING (RFC 3030), too many errors end the session.
Submission (RFC 6409, RFC 4954, RFC 3207): AUTH required, not in clear on a
normal listener, STARTTLS and implicit TLS, the envelope sender and From:
limited to the user's addresses, local delivery plus a copy in Sent.

Every delivery is checked by reading the mailbox back over IMAP.
"""

import base64
import re
import smtplib
import ssl
import time
import unittest

from smtp_test import (DEMO_ADDRESS, DEMO_ADMIN, TIMEOUT, Instance, make_message, new_msgid, open_smtp, quit_smtp,
                       strip_received)

LIMIT = 100_000  # [limits] max_message_size for this file's server
TEAM = "team@demo.example"


def plain_b64(user, password):
    return base64.b64encode(("\0%s\0%s" % (user, password)).encode()).decode()


class SmtpTestCase(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.srv = Instance("smtplib", "localhost",
                           ["mx", "submission", "submission_plain", "submissions", "imap", "http"],
                           extra="[limits]\nmax_message_size = %d\n" % LIMIT)
        cls.addClassCleanup(cls.srv.remove)
        # A second local address the admin may read (for direct local delivery).
        cls.srv.admin_json("address", "create", TEAM)
        cls.srv.admin_json("access", "grant", TEAM, DEMO_ADMIN)
        cls.team_password = cls.srv.device_password(TEAM, DEMO_ADMIN, "team")
        cls.srv.start()

    def setUp(self):
        self.assertTrue(self.srv.alive(), "the server died:\n" + self.srv.log())

    def smtp(self, kind="mx"):
        return open_smtp(self, self.srv.ports[kind])

    def raw(self, kind="mx", tls=False):
        c = self.srv.raw(kind, tls)
        self.addCleanup(c.close)
        self.assertEqual(c.greeting[0], 220, c.greeting)
        return c

    def assertStoredOnce(self, msgid, folder="INBOX", **kw):
        found = self.srv.with_id(msgid, folder, **kw)
        self.assertEqual(len(found), 1, "%s in %s: %r\n%s" % (msgid, folder, found, self.srv.log()[-3000:]))
        return found[0]

    def assertNotStored(self, msgid, folder="INBOX", **kw):
        self.assertEqual(self.srv.with_id(msgid, folder, **kw), [], msgid)


class MxTest(SmtpTestCase):
    def test_delivers_to_inbox_with_received_header(self):
        msgid = new_msgid("mx")
        msg = make_message("to the MX", msgid)
        s = self.smtp()
        code, _ = s.ehlo()
        self.assertEqual(code, 250)
        self.assertTrue(s.has_extn("pipelining") and s.has_extn("chunking") and s.has_extn("8bitmime"),
                        s.esmtp_features)
        self.assertEqual(s.esmtp_features.get("size"), str(LIMIT))
        self.assertFalse(s.has_extn("auth"), "the MX offers AUTH: %r" % s.esmtp_features)
        code, text = s.mail("ana@example.org")
        self.assertEqual(code, 250, text)
        self.assertTrue(text.startswith(b"2.1.0 "), text)
        self.assertEqual(s.rcpt(DEMO_ADDRESS)[0], 250)
        code, text = s.data(msg)
        self.assertEqual(code, 250, text)
        self.assertRegex(text, rb"^2\.0\.0 ")
        # Durable before the 250: in the INBOX now, without waiting.
        stored = self.assertStoredOnce(msgid)
        self.assertEqual(strip_received(stored.raw), msg)
        received = stored.received()
        self.assertEqual(len(received), 1, received)
        self.assertRegex(received[0], r"^from client\.e2e\.test \(\[127\.0\.0\.1\]\) by localhost \(Estafeta\) "
                                      r"with ESMTP id \w+ for <hello@demo\.example>; \w{3}, \d")
        self.assertNotIn("\\Seen", stored.flags)

    def test_unknown_local_user_is_refused_at_rcpt(self):
        s = self.smtp()
        s.ehlo()
        self.assertEqual(s.mail("ana@example.org")[0], 250)
        code, text = s.rcpt("nobody@demo.example")
        self.assertEqual(code, 550, text)
        self.assertTrue(text.startswith(b"5.1.1 "), text)
        # The transaction has no recipient: DATA is refused too.
        code, text = s.docmd("DATA")
        self.assertEqual(code, 554, text)

    def test_relay_attempts_are_refused(self):
        attempts = [
            "someone@other.example",
            "SOMEONE@OTHER.EXAMPLE",
            "user%other.example@demo.example",        # percent hack
            "@demo.example:x@other.example",          # source route (RFC 5321 §C)
            "@demo.example,@demo.example:x@other.example",
            '"x@other.example"@demo.example',         # quoted local part with an @
            '"x%other.example"@demo.example',
            "x@[127.0.0.1]",                          # address literal
            "x@[IPv6:::1]",
            "hello@demo.example@other.example",
            "x@other.example.",
            "x!other.example@demo.example",           # bang path
            "postmaster@other.example",
        ]
        for rcpt in attempts:
            with self.subTest(rcpt=rcpt):
                s = self.smtp()  # a session each: refusals count toward the error limit
                s.ehlo()
                self.assertEqual(s.mail("ana@example.org")[0], 250)
                code, text = s.docmd("RCPT TO:<%s>" % rcpt)
                self.assertTrue(500 <= code <= 599, "RCPT TO:<%s> -> %d %r" % (rcpt, code, text))
                code, text = s.docmd("DATA")
                self.assertEqual(code, 554, "DATA after refused <%s>: %d %r" % (rcpt, code, text))
        # Nothing was queued for a remote host.
        self.assertNotIn("event=queue.attempt", self.srv.log())

    def test_postmaster_is_accepted(self):
        # RFC 5321 §4.5.1: every SMTP server MUST accept mail for "postmaster"
        # (case-insensitive), and §4.1.1.3 the bare <Postmaster> without a domain.
        for rcpt in ["<Postmaster>", "<postmaster@demo.example>", "<POSTMASTER@demo.example>"]:
            with self.subTest(rcpt=rcpt):
                s = self.smtp()
                s.ehlo()
                self.assertEqual(s.mail("ana@example.org")[0], 250)
                code, text = s.docmd("RCPT TO:%s" % rcpt)
                self.assertEqual(code, 250, "RCPT TO:%s -> %d %r" % (rcpt, code, text))

    def test_size_parameter_over_the_limit_is_refused_at_mail(self):
        s = self.smtp()
        s.ehlo()
        code, text = s.mail("ana@example.org", ["SIZE=%d" % (LIMIT + 1)])
        self.assertEqual(code, 552, text)
        self.assertTrue(text.startswith(b"5.3.4 "), text)
        self.assertEqual(s.mail("ana@example.org", ["SIZE=%d" % (LIMIT // 2)])[0], 250)

    def test_message_over_the_limit_after_data_is_refused_and_not_stored(self):
        msgid = new_msgid("big")
        msg = make_message("too big", msgid, body=("x" * 70 + "\r\n") * (LIMIT // 72 + 50))
        self.assertGreater(len(msg), LIMIT)
        s = self.smtp()
        s.ehlo()
        self.assertEqual(s.mail("ana@example.org")[0], 250)  # no SIZE: the client did not announce it
        self.assertEqual(s.rcpt(DEMO_ADDRESS)[0], 250)
        code, text = s.data(msg)
        self.assertEqual(code, 552, text)
        self.assertNotStored(msgid)
        # The session goes on: a small message after it is delivered.
        small_id = new_msgid("after-big")
        self.assertEqual(s.sendmail("ana@example.org", [DEMO_ADDRESS], make_message("after big", small_id)), {})
        self.assertStoredOnce(small_id)

    def test_message_just_under_the_limit_is_delivered(self):
        msgid = new_msgid("fits")
        head = make_message("fits", msgid, body="")
        # The server prepends its trace fields (well under 1,000 octets).
        line = b"y" * 76 + b"\r\n"
        msg = head + line * ((LIMIT - len(head) - 1000) // len(line))
        self.assertGreater(len(msg), LIMIT - 1100)
        s = self.smtp()
        self.assertEqual(s.sendmail("ana@example.org", [DEMO_ADDRESS], msg), {})
        self.assertEqual(strip_received(self.assertStoredOnce(msgid).raw), msg)

    def test_bare_lf_in_data_is_refused_and_not_stored(self):
        msgid = new_msgid("bare-lf")
        c = self.raw()
        self.assertEqual(c.cmd("EHLO client.e2e.test")[0], 250)
        self.assertEqual(c.cmd("MAIL FROM:<ana@example.org>")[0], 250)
        self.assertEqual(c.cmd("RCPT TO:<%s>" % DEMO_ADDRESS)[0], 250)
        self.assertEqual(c.cmd("DATA")[0], 354)
        c.send(b"Message-ID: " + msgid.encode() + b"\r\nSubject: bare\r\n\r\nline\n.\nmore\r\n.\r\n")
        code, text = c.reply()
        self.assertTrue(500 <= code <= 599, (code, text))
        # "\n.\n" did not end the data: "more" was not read as a command.
        code, text = c.cmd("NOOP")
        self.assertEqual(code, 250, text)
        self.assertNotStored(msgid)

    def test_smuggling_with_bare_line_endings_stores_nothing(self):
        # SMTP smuggling (CVE-2023-51766 and kin): an end of data with a bare
        # LF or CR followed by a second, hidden transaction.
        for n, fake_end in enumerate([b"\n.\r\n", b"\r\n.\n", b"\r.\r\n", b"\n.\n"]):
            with self.subTest(fake_end=fake_end):
                outer, hidden = new_msgid("outer%d" % n), new_msgid("smuggled%d" % n)
                c = self.raw()
                c.cmd("EHLO client.e2e.test")
                self.assertEqual(c.cmd("MAIL FROM:<ana@example.org>")[0], 250)
                self.assertEqual(c.cmd("RCPT TO:<%s>" % DEMO_ADDRESS)[0], 250)
                self.assertEqual(c.cmd("DATA")[0], 354)
                c.send(b"Message-ID: " + outer.encode() + b"\r\nSubject: outer\r\n\r\nhi" + fake_end +
                       b"MAIL FROM:<admin@demo.example>\r\nRCPT TO:<hello@demo.example>\r\nDATA\r\n"
                       b"Message-ID: " + hidden.encode() + b"\r\nSubject: smuggled\r\n\r\nevil\r\n.\r\n")
                code, text = c.reply()
                self.assertTrue(500 <= code <= 599, (code, text))
                self.assertEqual(c.cmd("NOOP")[0], 250)
                self.assertNotStored(outer)
                self.assertNotStored(hidden)

    def test_pipelined_commands_in_one_write(self):
        msgid = new_msgid("pipelined")
        c = self.raw()
        code, lines = c.cmd("EHLO client.e2e.test")
        self.assertIn("PIPELINING", lines)
        c.send("MAIL FROM:<ana@example.org>\r\nRCPT TO:<%s>\r\nRCPT TO:<nobody@demo.example>\r\n"
               "RCPT TO:<%s>\r\nNOOP\r\nDATA\r\n" % (DEMO_ADDRESS, TEAM))
        codes = [c.reply()[0] for _ in range(6)]
        self.assertEqual(codes, [250, 250, 550, 250, 250, 354])
        # The message, its end, a second transaction and QUIT in one write.
        second = new_msgid("pipelined2")
        c.send(make_message("pipelined", msgid) + b".\r\nRSET\r\nMAIL FROM:<ana@example.org>\r\nRCPT TO:<%s>\r\n"
               b"DATA\r\n" % DEMO_ADDRESS.encode())
        self.assertEqual([c.reply()[0] for _ in range(5)], [250, 250, 250, 250, 354])
        c.send(make_message("pipelined two", second) + b".\r\nQUIT\r\n")
        self.assertEqual(c.reply()[0], 250)
        self.assertEqual(c.reply()[0], 221)
        self.assertTrue(c.closed())
        self.assertStoredOnce(msgid)
        self.assertStoredOnce(msgid, user=TEAM, password=self.team_password)
        self.assertStoredOnce(second)

    def test_hundred_recipients_then_452_and_one_copy(self):
        msgid = new_msgid("many-rcpt")
        c = self.raw()
        c.cmd("EHLO client.e2e.test")
        # 101 times the same mailbox, pipelined: the 101st is over the limit (RFC 5321 §4.5.3.1.8).
        c.send("MAIL FROM:<ana@example.org>\r\n" + "RCPT TO:<%s>\r\n" % DEMO_ADDRESS * 101 + "DATA\r\n")
        codes = [c.reply()[0] for _ in range(103)]
        self.assertEqual(codes, [250] + [250] * 100 + [452, 354])
        c.send(make_message("many recipients", msgid) + b".\r\n")
        self.assertEqual(c.reply()[0], 250)
        self.assertStoredOnce(msgid)  # one mailbox, one copy

    def test_null_sender_is_accepted(self):
        # Bounces come with MAIL FROM:<> (RFC 5321 §4.5.5).
        msgid = new_msgid("null-sender")
        s = self.smtp()
        s.ehlo()
        self.assertEqual(s.docmd("MAIL FROM:<>")[0], 250)
        self.assertEqual(s.rcpt(DEMO_ADDRESS)[0], 250)
        self.assertEqual(s.data(make_message("a bounce", msgid, sender="MAILER-DAEMON@example.org"))[0], 250)
        self.assertStoredOnce(msgid)

    def test_bdat_chunks_are_delivered_verbatim(self):
        msgid = new_msgid("bdat")
        msg = make_message("chunked", msgid, body="first line\r\n.\r\n..two dots\r\nlast\r\n")
        a, b = msg[:57], msg[57:]
        c = self.raw()
        code, lines = c.cmd("EHLO client.e2e.test")
        self.assertIn("CHUNKING", lines)
        self.assertEqual(c.cmd("MAIL FROM:<ana@example.org>")[0], 250)
        self.assertEqual(c.cmd("RCPT TO:<%s>" % DEMO_ADDRESS)[0], 250)
        c.send(b"BDAT %d\r\n%s" % (len(a), a))
        self.assertEqual(c.reply()[0], 250)
        c.send(b"BDAT %d LAST\r\n%s" % (len(b), b))
        code, text = c.reply()
        self.assertEqual(code, 250, text)
        # No dot-stuffing in BDAT: the lines "." and "..two dots" stay as sent.
        self.assertEqual(strip_received(self.assertStoredOnce(msgid).raw), msg)
        # BDAT 0 LAST ends a message whose octets all came before.
        msgid2 = new_msgid("bdat0")
        msg2 = make_message("chunked zero", msgid2)
        self.assertEqual(c.cmd("MAIL FROM:<ana@example.org>")[0], 250)
        self.assertEqual(c.cmd("RCPT TO:<%s>" % DEMO_ADDRESS)[0], 250)
        c.send(b"BDAT %d\r\n%s" % (len(msg2), msg2))
        self.assertEqual(c.reply()[0], 250)
        self.assertEqual(c.cmd("BDAT 0 LAST")[0], 250)
        self.assertEqual(strip_received(self.assertStoredOnce(msgid2).raw), msg2)

    def test_bdat_over_the_limit_is_refused_and_not_stored(self):
        msgid = new_msgid("bdat-big")
        msg = make_message("bdat too big", msgid, body=("z" * 70 + "\r\n") * (LIMIT // 72 + 50))
        c = self.raw()
        c.cmd("EHLO client.e2e.test")
        self.assertEqual(c.cmd("MAIL FROM:<ana@example.org>")[0], 250)
        self.assertEqual(c.cmd("RCPT TO:<%s>" % DEMO_ADDRESS)[0], 250)
        half = len(msg) // 2
        c.send(b"BDAT %d\r\n%s" % (half, msg[:half]))
        self.assertEqual(c.reply()[0], 250)
        c.send(b"BDAT %d LAST\r\n%s" % (len(msg) - half, msg[half:]))
        self.assertEqual(c.reply()[0], 552)
        # In step: the chunk's octets were not read as commands; the transaction is over.
        self.assertEqual(c.cmd("NOOP")[0], 250)
        self.assertEqual(c.cmd("DATA")[0], 503)
        self.assertNotStored(msgid)

    def test_data_after_bdat_is_refused(self):
        c = self.raw()
        c.cmd("EHLO client.e2e.test")
        self.assertEqual(c.cmd("MAIL FROM:<ana@example.org>")[0], 250)
        self.assertEqual(c.cmd("RCPT TO:<%s>" % DEMO_ADDRESS)[0], 250)
        c.send(b"BDAT 5\r\nab\r\nc")
        self.assertEqual(c.reply()[0], 250)
        self.assertEqual(c.cmd("DATA")[0], 503)

    def test_overlong_command_line(self):
        c = self.raw()
        c.cmd("EHLO client.e2e.test")
        code, text = c.cmd("NOOP " + "x" * 5000)
        self.assertEqual(code, 500, text)
        self.assertTrue(text[0].startswith("5.5.2"), text)
        self.assertEqual(c.cmd("NOOP")[0], 250)
        # RFC 5321 §3.8: a line too long that comes in many pieces is
        # answered once its end arrives, and the session goes on.
        for _ in range(10):
            c.send(b"y" * 7000)
            time.sleep(0.02)
        c.send(b"\r\n")
        code, text = c.reply()
        self.assertEqual(code, 500, text)
        self.assertEqual(c.cmd("NOOP")[0], 250)
        # RFC 3461 §5.4: with DSN, RCPT lines of up to 1036 characters.
        self.assertEqual(c.cmd("MAIL FROM:<ana@example.org>")[0], 250)
        orcpt = "rfc822;" + "a" * 480 + "@example.org"
        line = "RCPT TO:<%s> NOTIFY=SUCCESS,FAILURE,DELAY ORCPT=%s" % (DEMO_ADDRESS, orcpt)
        self.assertGreater(len(line), 512)
        self.assertEqual(c.cmd(line)[0], 250)

    def test_bdat_without_transaction_is_refused_and_skipped(self):
        c = self.raw()
        c.cmd("EHLO client.e2e.test")
        c.send(b"BDAT 12 LAST\r\nNOOP\r\nNOOP\r\n")
        code, _ = c.reply()
        self.assertEqual(code, 503)
        # The 12 octets were read as data, not as two NOOPs.
        code, text = c.cmd("HELP")
        self.assertEqual(code, 214, text)

    def test_too_many_errors_close_the_connection(self):
        c = self.raw()
        c.cmd("EHLO client.e2e.test")
        codes = []
        for _ in range(20):
            try:
                code, _ = c.cmd("XYZZY")
            except (EOFError, OSError):
                break
            codes.append(code)
            if code == 421:
                break
            if code == 500 and c.buf.startswith(b"421 "):
                codes.append(c.reply()[0])
                break
        self.assertEqual(codes[-1], 421, codes)
        self.assertLessEqual(len(codes), 12, codes)
        self.assertTrue(all(code == 500 for code in codes[:-1]), codes)
        self.assertTrue(c.closed(), "still open after 421")

    def test_starttls_on_the_mx(self):
        msgid = new_msgid("mx-tls")
        s = self.smtp()
        s.ehlo()
        self.assertEqual(s.starttls(context=self.srv.tls_context())[0], 220)
        self.assertEqual(s.docmd("MAIL FROM:<ana@example.org>")[0], 503)  # EHLO again first (RFC 3207 §4.2)
        s.ehlo()
        self.assertFalse(s.has_extn("starttls"))
        self.assertEqual(s.docmd("STARTTLS")[0], 503)
        self.assertEqual(s.sendmail("ana@example.org", [DEMO_ADDRESS], make_message("mx over tls", msgid)), {})
        self.assertRegex(self.assertStoredOnce(msgid).received()[0], r" with ESMTPS id ")

    def test_commands_out_of_order(self):
        c = self.raw()
        self.assertEqual(c.cmd("MAIL FROM:<ana@example.org>")[0], 503)  # before EHLO
        c.cmd("EHLO client.e2e.test")
        self.assertEqual(c.cmd("RCPT TO:<%s>" % DEMO_ADDRESS)[0], 503)  # before MAIL
        self.assertEqual(c.cmd("DATA")[0], 503)
        self.assertEqual(c.cmd("MAIL FROM:<ana@example.org>")[0], 250)
        self.assertEqual(c.cmd("MAIL FROM:<ana@example.org>")[0], 503)  # nested
        self.assertEqual(c.cmd("DATA")[0], 554)  # no recipient
        self.assertEqual(c.cmd("RSET")[0], 250)
        self.assertEqual(c.cmd("MAIL FROM:<ana@example.org> SIZE=10 BODY=8BITMIME")[0], 250)
        self.assertEqual(c.cmd("RSET")[0], 250)
        self.assertEqual(c.cmd("MAIL FROM:<ana@example.org> FOO=BAR")[0], 555)
        self.assertEqual(c.cmd("MAIL FROM:<ana@example.org>")[0], 250)  # the 555 opened nothing
        self.assertEqual(c.cmd("VRFY hello")[0], 252)
        self.assertEqual(c.cmd("QUIT")[0], 221)
        self.assertTrue(c.closed())

    def test_eight_bit_message_is_stored_intact(self):
        msgid = new_msgid("8bit")
        msg = make_message("Grüße", msgid, body="Ça marche très bien — ümlaut.\r\n")
        s = self.smtp()
        s.ehlo()
        self.assertEqual(s.mail("ana@example.org", ["BODY=8BITMIME"])[0], 250)
        self.assertEqual(s.rcpt(DEMO_ADDRESS)[0], 250)
        self.assertEqual(s.data(msg)[0], 250)
        self.assertEqual(strip_received(self.assertStoredOnce(msgid).raw), msg)

    def test_auth_is_not_offered_or_accepted_on_the_mx(self):
        c = self.raw()
        c.cmd("EHLO client.e2e.test")
        code, text = c.cmd("AUTH PLAIN " + plain_b64(DEMO_ADDRESS, self.srv.password))
        self.assertEqual(code, 502, text)  # RFC 5321 §4.2.4: known, not offered here


class ConnectionLimitTest(unittest.TestCase):
    def test_connection_over_the_per_ip_limit_gets_421(self):
        srv = Instance("smtp-limit", "localhost", ["mx", "submission_plain", "http"],
                       extra="[limits]\nmax_connections_per_ip = 3\n")
        self.addCleanup(srv.remove)
        srv.start()
        # The readiness probes of start() hold their slots until the server
        # has seen them close: take the three slots as they come free.
        held = []
        deadline = time.monotonic() + 5
        for kind in ("mx", "mx", "submission_plain"):
            while True:
                c = srv.raw(kind)
                self.addCleanup(c.close)
                if c.greeting[0] == 220 or time.monotonic() > deadline:
                    break
                c.close()
                time.sleep(0.05)
            self.assertEqual(c.greeting[0], 220)
            held.append(c)
        over = srv.raw("mx")
        self.addCleanup(over.close)
        self.assertEqual(over.greeting, (421, ["4.7.0 too many connections from your address"]))
        self.assertTrue(over.closed())
        # A closed connection frees its slot.
        held[0].cmd("QUIT")
        held[0].close()
        deadline = time.monotonic() + 5
        while True:
            c = srv.raw("mx")
            self.addCleanup(c.close)
            if c.greeting[0] == 220 or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        self.assertEqual(c.greeting[0], 220)


class SubmissionTest(SmtpTestCase):
    def login(self, s):
        code, text = s.login(DEMO_ADDRESS, self.srv.password)
        self.assertEqual(code, 235, text)

    def test_mail_without_auth_is_refused(self):
        s = self.smtp("submission_plain")
        s.ehlo()
        self.assertTrue(s.has_extn("auth"))
        code, text = s.mail(DEMO_ADDRESS)
        self.assertEqual(code, 530, text)
        self.assertTrue(text.startswith(b"5.7.0 "), text)

    def test_auth_before_tls_is_refused(self):
        s = self.smtp("submission")
        s.ehlo()
        self.assertTrue(s.has_extn("starttls"))
        self.assertFalse(s.has_extn("auth"), "AUTH offered in clear: %r" % s.esmtp_features)
        code, text = s.docmd("AUTH", "PLAIN " + plain_b64(DEMO_ADDRESS, self.srv.password))
        self.assertEqual(code, 538, text)
        self.assertTrue(text.startswith(b"5.7.11 "), text)
        code, text = s.docmd("AUTH", "LOGIN")
        self.assertEqual(code, 538, text)

    def test_starttls_then_auth_and_send(self):
        s = self.smtp("submission")
        s.ehlo()
        code, _ = s.starttls(context=self.srv.tls_context())  # verifies the certificate
        self.assertEqual(code, 220)
        self.assertIsInstance(s.sock, ssl.SSLSocket)
        s.ehlo()
        self.assertFalse(s.has_extn("starttls"))
        self.assertEqual(s.esmtp_features.get("auth", "").split(), ["PLAIN", "LOGIN"])
        self.login(s)
        msgid = new_msgid("starttls")
        msg = make_message("over starttls", msgid, sender="Hello <hello@demo.example>", to=TEAM)
        self.assertEqual(s.sendmail(DEMO_ADDRESS, [TEAM], msg), {})
        stored = self.assertStoredOnce(msgid, user=TEAM, password=self.team_password)
        self.assertRegex(stored.received()[0], r"by localhost \(Estafeta\) with ESMTPSA id \w+ for <team@demo\.example>")

    def test_auth_login_mechanism(self):
        s = self.smtp("submission_plain")
        s.ehlo()
        s.user, s.password = DEMO_ADDRESS, self.srv.password
        code, text = s.auth("LOGIN", s.auth_login)
        self.assertEqual(code, 235, text)
        self.assertEqual(s.docmd("AUTH", "PLAIN")[0], 503)  # already authenticated

    def test_auth_as_someone_else_is_refused(self):
        s = self.smtp("submission_plain")
        s.ehlo()
        creds = base64.b64encode(("team@demo.example\0%s\0%s" % (DEMO_ADDRESS, self.srv.password)).encode())
        code, text = s.docmd("AUTH", "PLAIN " + creds.decode())
        self.assertEqual(code, 535, text)
        self.assertEqual(s.docmd("AUTH", "PLAIN *")[0], 501)  # not base64
        code, text = s.docmd("AUTH", "CRAM-MD5")
        self.assertEqual(code, 504, text)

    def test_wrong_password_is_refused(self):
        s = self.smtp("submission_plain")
        s.ehlo()
        with self.assertRaises(smtplib.SMTPAuthenticationError) as cm:
            s.login(DEMO_ADDRESS, "wrong-password-wrong-password")
        self.assertEqual(cm.exception.smtp_code, 535)
        self.assertTrue(cm.exception.smtp_error.startswith(b"5.7.8 "), cm.exception.smtp_error)
        self.assertEqual(s.mail(DEMO_ADDRESS)[0], 530)

    def test_sender_must_be_one_of_the_users_addresses(self):
        s = self.smtp("submission_plain")
        s.ehlo()
        self.login(s)
        for sender in ["ana@example.org", "nobody@demo.example", "hello@demo.example.evil.example"]:
            with self.subTest(sender=sender):
                code, text = s.mail(sender)
                self.assertEqual(code, 550, text)
                self.assertTrue(text.startswith(b"5.7.1 "), text)
        code, text = s.docmd("MAIL FROM:<>")
        self.assertEqual(code, 550, text)
        # An address the user has access to, in another case, is fine.
        self.assertEqual(s.mail("Team@Demo.Example")[0], 250)

    def test_from_header_must_be_one_of_the_users_addresses(self):
        s = self.smtp("submission_plain")
        s.ehlo()
        self.login(s)
        bad_froms = [
            "Ana <ana@example.org>",
            '"hello@demo.example" <evil@example.org>',
            "hello@demo.example, evil@example.org",
            "Hello <HELLO@demo.example>\r\nFrom: evil@example.org",  # a second From: field
        ]
        for n, from_ in enumerate(bad_froms):
            with self.subTest(from_=from_):
                msgid = new_msgid("from%d" % n)
                code, text = s.mail(DEMO_ADDRESS)
                self.assertEqual(code, 250, text)
                self.assertEqual(s.rcpt(TEAM)[0], 250)
                code, text = s.data(make_message("forged From", msgid, sender=from_, to=TEAM))
                self.assertEqual(code, 550, text)
                self.assertTrue(text.startswith(b"5.7.1 "), text)
                self.assertNotStored(msgid, user=TEAM, password=self.team_password)
                self.assertNotStored(msgid, folder="Sent")
                if s.sock is None:
                    s = self.smtp("submission_plain")
                    s.ehlo()
                    self.login(s)
        # Upper case of an allowed address is the same mailbox.
        msgid = new_msgid("from-ok")
        self.assertEqual(s.sendmail(DEMO_ADDRESS, [TEAM],
                                    make_message("ok From", msgid, sender="Hello <HELLO@Demo.Example>", to=TEAM)), {})
        self.assertStoredOnce(msgid, user=TEAM, password=self.team_password)

    def test_local_recipient_delivered_directly_and_copy_in_sent(self):
        s = self.smtp("submission_plain")
        s.ehlo()
        self.login(s)
        msgid = new_msgid("sent")
        msg = make_message("to a colleague", msgid, sender="Hello <hello@demo.example>", to=TEAM)
        self.assertEqual(s.sendmail(DEMO_ADDRESS, [TEAM], msg), {})
        delivered = self.assertStoredOnce(msgid, user=TEAM, password=self.team_password)
        self.assertEqual(strip_received(delivered.raw), msg)
        # Signed for demo.example with both of its keys (Ed25519 and RSA).
        unfolded = re.sub(rb"\r\n[ \t]+", b" ", delivered.raw)
        signatures = re.findall(rb"(?im)^DKIM-Signature:[^\r]*\ba=([a-z0-9-]+);[^\r]*\bd=([a-z.]+);", unfolded)
        self.assertEqual(sorted(signatures), [(b"ed25519-sha256", b"demo.example"), (b"rsa-sha256", b"demo.example")])
        self.assertNotIn("\\Seen", delivered.flags)
        sent = self.assertStoredOnce(msgid, folder="Sent")
        self.assertIn("\\Seen", sent.flags)
        self.assertEqual(strip_received(sent.raw), msg)
        # Local: nothing went through the outbound queue.
        self.assertNotStored(msgid)  # not in the sender's own INBOX
        self.assertNotRegex(self.srv.log(), r"queue\.attempt.*team@demo\.example")

    def test_sender_in_other_case_still_gets_the_sent_copy(self):
        # The server accepts this sender as the user's own whatever its case:
        # the Sent copy must not depend on case either.
        s = self.smtp("submission_plain")
        s.ehlo()
        self.login(s)
        msgid = new_msgid("sent-case")
        msg = make_message("case", msgid, sender="Hello <hello@demo.example>", to=TEAM)
        self.assertEqual(s.sendmail("HELLO@DEMO.EXAMPLE", [TEAM], msg), {})
        self.assertStoredOnce(msgid, user=TEAM, password=self.team_password)
        self.assertStoredOnce(msgid, folder="Sent")

    def test_remote_recipient_is_accepted_for_the_queue(self):
        s = self.smtp("submission_plain")
        s.ehlo()
        self.login(s)
        msgid = new_msgid("remote")
        code, text = s.mail(DEMO_ADDRESS)
        self.assertEqual(code, 250, text)
        self.assertEqual(s.rcpt("someone@other.example")[0], 250)
        code, text = s.data(make_message("remote", msgid, sender=DEMO_ADDRESS, to="someone@other.example"))
        self.assertEqual(code, 250, text)
        self.assertStoredOnce(msgid, folder="Sent")
        # The queue tries the route (a dead loopback port) and keeps it for later.
        m = self.srv.wait_log(r"event=queue\.attempt[^\n]*to=someone@other\.example[^\n]*status=deferred", timeout=10)
        self.assertIsNotNone(m, self.srv.log()[-3000:])

    def test_commands_pipelined_before_starttls_are_dropped(self):
        # CVE-2011-0411: bytes sent in clear after STARTTLS must not be read as
        # commands of the TLS session.
        c = self.raw("submission")
        c.cmd("EHLO client.e2e.test")
        c.send("STARTTLS\r\nMAIL FROM:<%s>\r\nRSET\r\n" % DEMO_ADDRESS)
        self.assertEqual(c.reply()[0], 220)
        self.assertEqual(c.buf, b"")
        c.sock = self.srv.tls_context().wrap_socket(c.sock, server_hostname="127.0.0.1")
        code, lines = c.cmd("EHLO client.e2e.test")
        self.assertEqual(code, 250, lines)
        self.assertIn("AUTH PLAIN LOGIN", lines)
        self.assertEqual(c.cmd("NOOP")[0], 250)  # nothing else was queued up

    def test_revoked_device_ends_the_session(self):
        device = self.srv.admin_json("device-password", "create", DEMO_ADDRESS, DEMO_ADMIN, "--label", "revoke-me")
        s = self.smtp("submission_plain")
        s.ehlo()
        self.assertEqual(s.login(DEMO_ADDRESS, device["password"])[0], 235)
        self.assertEqual(s.mail(DEMO_ADDRESS)[0], 250)
        self.assertEqual(self.srv.admin("device-password", "revoke", str(device["id"])).code, 0)
        # The server says 421 and closes without being asked.
        s.sock.settimeout(5)
        code, text = s.getreply()
        self.assertEqual(code, 421, text)
        self.assertIn(b"revoked", text)
        with self.assertRaises(smtplib.SMTPAuthenticationError):
            t = self.smtp("submission_plain")
            t.ehlo()
            t.login(DEMO_ADDRESS, device["password"])

    def test_implicit_tls_submission(self):
        s = smtplib.SMTP_SSL("127.0.0.1", self.srv.ports["submissions"], local_hostname="client.e2e.test",
                             context=self.srv.tls_context(), timeout=TIMEOUT)
        self.addCleanup(quit_smtp, s)
        s.ehlo()
        self.assertFalse(s.has_extn("starttls"))
        self.assertTrue(s.has_extn("auth"))
        self.login(s)
        msgid = new_msgid("implicit")
        self.assertEqual(s.sendmail(DEMO_ADDRESS, [DEMO_ADDRESS],
                                    make_message("implicit tls", msgid, sender=DEMO_ADDRESS)), {})
        self.assertStoredOnce(msgid)
        self.assertStoredOnce(msgid, folder="Sent")

    def test_bdat_on_submission(self):
        c = self.raw("submissions", tls=True)
        c.cmd("EHLO client.e2e.test")
        code, text = c.cmd("AUTH PLAIN " + plain_b64(DEMO_ADDRESS, self.srv.password))
        self.assertEqual(code, 235, text)
        msgid = new_msgid("bdat-sub")
        msg = make_message("bdat submission", msgid, sender=DEMO_ADDRESS, to=TEAM)
        self.assertEqual(c.cmd("MAIL FROM:<%s>" % DEMO_ADDRESS)[0], 250)
        self.assertEqual(c.cmd("RCPT TO:<%s>" % TEAM)[0], 250)
        c.send(b"BDAT %d LAST\r\n%s" % (len(msg), msg))
        self.assertEqual(c.reply()[0], 250)
        self.assertStoredOnce(msgid, user=TEAM, password=self.team_password)


if __name__ == "__main__":
    unittest.main()
