"""Two Estafeta instances exchanging mail over loopback, each with its own
data folder:

  A  a.test, from quickstart (demo.example, hello@demo.example): submission
     and IMAP; [[route]] far.example → B's MX; [queue] first retry after 1 s.
  B  b.test, set up with the admin CLI only (org Far, user, service, domain
     far.example, address bob@far.example, access, device password): an MX
     and IMAP.

A message submitted to A for bob@far.example goes through A's outbound
queue to B's MX (opportunistic STARTTLS) and into bob's INBOX; a message for
a mailbox B does not have comes back to the sender at A as an RFC 3464
bounce; while B is down the queue keeps the message and delivers it, once,
when B is back. A third instance, alone, reports a delay to the sender when
a recipient stays undelivered ([queue] delay_warning_seconds).
"""

import email
import email.policy
import re
import smtplib
import time
import unittest

from smtp_test import DEMO_ADDRESS, TIMEOUT, Instance, make_message, new_msgid, strip_received

BOB = "bob@far.example"
ARRIVAL_TIMEOUT = 10  # seconds for a message to cross from A to B


def submit(instance, rcpt, subject, mail_options=(), rcpt_options=(), body="Hello.\r\n"):
    """Submits a message from hello@demo.example to `rcpt` at `instance`:
    (its Message-ID, the message)."""
    msgid = new_msgid(subject)
    s = smtplib.SMTP("127.0.0.1", instance.ports["submission_plain"], local_hostname="client.e2e.test",
                     timeout=TIMEOUT)
    try:
        s.ehlo()
        s.login(DEMO_ADDRESS, instance.password)
        msg = make_message(subject, msgid, sender="Hello <%s>" % DEMO_ADDRESS, to=rcpt, body=body)
        if s.sendmail(DEMO_ADDRESS, [rcpt], msg, list(mail_options), list(rcpt_options)) != {}:
            raise AssertionError("a recipient was refused")
        s.quit()
    finally:
        s.close()
    return msgid, msg


class TwoInstancesTest(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.b = Instance("b", "b.test", ["mx", "imap", "http"], quickstart=False)
        cls.addClassCleanup(cls.b.remove)
        b = cls.b
        for args in (["org", "create", "Far"],
                     ["user", "create", "--org", "Far", "--login", BOB, "--name", "Bob", "--role", "admin"],
                     ["service", "create", "--org", "Far", "far-mail"],
                     ["domain", "add", "--service", "far-mail", "far.example"],
                     ["address", "create", BOB],
                     ["access", "grant", BOB, BOB]):
            b.admin_json(*args)
        cls.bob_password = b.device_password(BOB, BOB, "e2e")
        cls.a = Instance("a", "a.test", ["submission_plain", "imap", "http"], extra=f"""
[queue]
first_retry_seconds = 1

[[route]]
domain = "far.example"
host = "127.0.0.1"
port = {b.ports["mx"]}
""")
        cls.addClassCleanup(cls.a.remove)
        cls.b.start()
        cls.a.start()

    def setUp(self):
        self.assertTrue(self.a.alive(), "A died:\n" + self.a.log())
        if not self.b.alive():
            self.b.start()  # a test that stopped B and failed before restarting it

    def submit(self, rcpt, subject, mail_options=(), rcpt_options=(), body="Hello.\r\n"):
        """Submits a message from hello@demo.example to `rcpt` at A; its Message-ID."""
        msgid, self.submitted = submit(self.a, rcpt, subject, mail_options, rcpt_options, body)
        return msgid

    def bob_inbox(self, msgid, timeout=0.0):
        if timeout:
            return self.b.wait_for(msgid, user=BOB, password=self.bob_password, timeout=timeout)
        return self.b.with_id(msgid, user=BOB, password=self.bob_password)

    def logs(self):
        return "\n--- A\n%s\n--- B\n%s" % (self.a.log()[-4000:], self.b.log()[-4000:])

    def test_message_crosses_to_the_other_instance(self):
        # Lines that need dot-stuffing on the way out, and 8-bit text (BODY=8BITMIME).
        msgid = self.submit(BOB, "to bob", body="one\r\n.\r\n.leading dot\r\n..two\r\nGrüße, Bob — ¡hola!\r\n")
        start = time.monotonic()
        found = self.bob_inbox(msgid, timeout=ARRIVAL_TIMEOUT)
        self.assertEqual(len(found), 1, "not in bob's INBOX after %d s%s" % (ARRIVAL_TIMEOUT, self.logs()))
        self.assertLess(time.monotonic() - start, ARRIVAL_TIMEOUT)
        stored = found[0]
        self.assertEqual(strip_received(stored.raw), self.submitted)
        received = stored.received()
        self.assertEqual(len(received), 2, received)
        # Top: B's, from A (which said EHLO a.test) over STARTTLS; below: A's, from the client, authenticated
        # in clear on a loopback listener (RFC 3848: ESMTPA, no S).
        self.assertRegex(received[0], r"^from a\.test \(\[127\.0\.0\.1\]\) by b\.test \(Estafeta\) with ESMTPS id \w+ "
                                      r"for <bob@far\.example>;")
        self.assertRegex(received[1], r"^from client\.e2e\.test \(\[127\.0\.0\.1\]\) by a\.test \(Estafeta\) "
                                      r"with ESMTPA id \w+ for <bob@far\.example>;")
        # The sender keeps a copy in Sent; A's queue records the delivery.
        self.assertEqual(len(self.a.with_id(msgid, folder="Sent")), 1)
        self.assertIsNotNone(self.a.wait_log(r"event=queue\.attempt[^\n]*to=bob@far\.example[^\n]*status=delivered",
                                             timeout=5), self.logs())
        # Delivered once: nothing more arrives.
        time.sleep(1.5)
        self.assertEqual(len(self.bob_inbox(msgid)), 1)

    def test_unknown_remote_mailbox_bounces_to_the_sender(self):
        msgid = self.submit("nobody@far.example", "to nobody")
        deadline = time.monotonic() + ARRIVAL_TIMEOUT
        bounces = []
        while not bounces and time.monotonic() < deadline:
            bounces = [s for s in self.a.messages() if b"multipart/report" in s.raw and msgid.encode() in s.raw]
            time.sleep(0.2)
        self.assertEqual(len(bounces), 1, "no bounce in A's INBOX%s" % self.logs())
        bounce = email.message_from_bytes(bounces[0].raw, policy=email.policy.default)
        self.assertEqual(bounce.get_content_type(), "multipart/report")
        self.assertEqual(bounce.get_param("report-type"), "delivery-status")
        self.assertEqual(bounce["To"].addresses[0].addr_spec, DEMO_ADDRESS)
        self.assertIn("MAILER-DAEMON@a.test", str(bounce["From"]))
        parts = {p.get_content_type(): p for p in bounce.iter_parts()}
        self.assertEqual(list(parts), ["text/plain", "message/delivery-status", "message/rfc822"])
        self.assertIn("nobody@far.example", parts["text/plain"].get_content())
        # message/delivery-status: the per-message fields, then one block per recipient.
        blocks = parts["message/delivery-status"].get_payload()
        fields = {}
        for block in blocks:
            fields.update({k.lower(): str(v) for k, v in block.items()})
        self.assertEqual(fields.get("reporting-mta"), "dns; a.test")
        self.assertEqual(fields.get("final-recipient"), "rfc822; nobody@far.example")
        self.assertEqual(fields.get("action"), "failed")
        self.assertEqual(fields.get("status"), "5.1.1")
        self.assertIn("550 5.1.1", fields.get("diagnostic-code", ""))
        # The original message is returned whole.
        original = parts["message/rfc822"].get_payload()[0]
        self.assertEqual(original["Message-ID"], msgid)
        # Nothing for nobody reached bob, and no retry follows a permanent failure.
        self.assertEqual(self.bob_inbox(msgid), [])
        time.sleep(2.5)
        attempts = [line for line in self.a.log().splitlines()
                    if "event=queue.attempt" in line and "to=nobody@far.example" in line]
        self.assertEqual(len(attempts), 1, attempts)
        self.assertIn("status=bounced", attempts[0])

    def bounces_for(self, msgid):
        return [s for s in self.a.messages() if b"multipart/report" in s.raw and msgid.encode() in s.raw]

    def wait_attempt(self, rcpt, status, timeout=ARRIVAL_TIMEOUT):
        return self.a.wait_log(r"event=queue\.attempt[^\n]*to=%s[^\n]*status=%s" % (re.escape(rcpt), status),
                               timeout=timeout)

    def test_bounce_with_ret_hdrs_and_envid(self):
        # RFC 3461: RET=HDRS returns only the header; ENVID comes back as Original-Envelope-Id.
        msgid = self.submit("nobody-hdrs@far.example", "ret hdrs", mail_options=["RET=HDRS", "ENVID=e2e+2Benv42"])
        self.assertIsNotNone(self.wait_attempt("nobody-hdrs@far.example", "bounced"), self.logs())
        bounces = []
        deadline = time.monotonic() + 5
        while not bounces and time.monotonic() < deadline:
            bounces = self.bounces_for(msgid)
            time.sleep(0.2)
        self.assertEqual(len(bounces), 1, self.logs())
        bounce = email.message_from_bytes(bounces[0].raw, policy=email.policy.default)
        parts = [p.get_content_type() for p in bounce.iter_parts()]
        self.assertEqual(parts, ["text/plain", "message/delivery-status", "text/rfc822-headers"])
        self.assertIn(b"Original-Envelope-Id: e2e+env42\r\n", bounces[0].raw)
        self.assertNotIn(b"Hello.\r\n", bounces[0].raw.split(b"text/rfc822-headers", 1)[1])

    def test_notify_never_suppresses_the_bounce(self):
        msgid = self.submit("nobody-quiet@far.example", "notify never", rcpt_options=["NOTIFY=NEVER"])
        self.assertIsNotNone(self.wait_attempt("nobody-quiet@far.example", "bounced"), self.logs())
        time.sleep(1)
        self.assertEqual(self.bounces_for(msgid), [])

    def test_queue_holds_the_message_while_the_other_instance_is_down(self):
        self.assertEqual(self.b.stop(), 0, self.b.log()[-2000:])
        try:
            log_mark = len(self.a.log())
            msgid = self.submit(BOB, "while B is down")
            # A tries, cannot connect, and keeps the message.
            deferred = None
            deadline = time.monotonic() + 10
            while deferred is None and time.monotonic() < deadline:
                tail = self.a.log()[log_mark:]
                if "to=bob@far.example" in tail and "status=deferred" in tail:
                    deferred = tail
                time.sleep(0.1)
            self.assertIsNotNone(deferred, "no deferred attempt while B was down%s" % self.logs())
            self.assertNotIn("status=delivered", self.a.log()[log_mark:])
            self.assertEqual(len(self.a.with_id(msgid, folder="Sent")), 1)
        finally:
            self.b.start()
        found = self.bob_inbox(msgid, timeout=20)  # retries back off: 1, 2, 4, 8 s
        self.assertEqual(len(found), 1, "not delivered after B came back%s" % self.logs())
        self.assertEqual(strip_received(found[0].raw), self.submitted)
        # Exactly once, however many attempts it took; and no bounce for it.
        time.sleep(2)
        self.assertEqual(len(self.bob_inbox(msgid)), 1)
        self.assertEqual([s for s in self.a.messages() if b"multipart/report" in s.raw and msgid.encode() in s.raw], [])
        tail = self.a.log()[log_mark:]
        self.assertEqual(tail.count("status=delivered"), 1, tail)


class DelayWarningTest(unittest.TestCase):
    """Mail that cannot be delivered for a while earns the sender one delay
    warning (RFC 3464 Action: delayed), not one per retry, and none when the
    sender asked for failures only (RFC 3461 NOTIFY)."""

    @classmethod
    def setUpClass(cls):
        cls.c = Instance("c", "c.test", ["submission_plain", "imap", "http"], extra="""
[queue]
first_retry_seconds = 1
delay_warning_seconds = 2
""")
        cls.addClassCleanup(cls.c.remove)
        cls.c.start()

    def submit(self, rcpt, subject, rcpt_options=()):
        return submit(self.c, rcpt, subject, rcpt_options=rcpt_options, body="Secret body.\r\n")[0]

    def reports_for(self, msgid):
        return [m for m in self.c.messages() if b"multipart/report" in m.raw and msgid.encode() in m.raw]

    def test_one_delay_warning_while_retrying(self):
        # Every domain but demo.example is routed to a closed loopback port.
        msgid = self.submit("carol@nowhere.example", "delayed", rcpt_options=["NOTIFY=FAILURE,DELAY"])
        quiet = self.submit("dave@nowhere.example", "failures only", rcpt_options=["NOTIFY=FAILURE"])
        reports = []
        deadline = time.monotonic() + 20
        while not reports and time.monotonic() < deadline:
            reports = self.reports_for(msgid)
            time.sleep(0.3)
        self.assertEqual(len(reports), 1, self.c.log()[-3000:])
        raw = reports[0].raw
        dsn = email.message_from_bytes(raw, policy=email.policy.default)
        self.assertEqual(dsn["Subject"], "Delayed Mail (still being retried)")
        self.assertEqual([p.get_content_type() for p in dsn.iter_parts()],
                         ["text/plain", "message/delivery-status", "text/rfc822-headers"])
        self.assertIn(b"Final-Recipient: rfc822; carol@nowhere.example\r\n", raw)
        self.assertIn(b"Action: delayed\r\nStatus: 4.", raw)
        self.assertIn(b"Will-Retry-Until: ", raw)
        self.assertNotIn(b"Secret body.", raw, "a delay warning carries the header only")
        # Retries go on (1, 2, 4 s …) without a second warning, and the
        # recipient that asked for failures only gets none.
        self.assertIsNotNone(self.c.wait_log(r"event=queue\.attempt[^\n]*to=carol@nowhere\.example[^\n]*"
                                             r"status=deferred(?:.|\n)*event=queue\.attempt[^\n]*"
                                             r"to=carol@nowhere\.example[^\n]*status=deferred", timeout=15))
        time.sleep(4)
        self.assertEqual(len(self.reports_for(msgid)), 1)
        self.assertEqual(self.reports_for(quiet), [])
        self.assertIn("delay notification",
                      self.c.admin("trace", DEMO_ADDRESS, "--since", "1h").out)


if __name__ == "__main__":
    unittest.main()
