"""Delivery status notifications asked for by the client (RFC 3461).

- Relayed to a system that announces DSN, a message carries its ENVID and
  RET on MAIL and each recipient's NOTIFY and ORCPT on RCPT, as xtext
  (§5.2.1); reports are then that system's to send.
- Relayed to one that does not, a recipient with NOTIFY=SUCCESS gets the
  sender a "relayed" report (§5.2.2 (b)).
- Delivered here, it gets the sender a "delivered" report (§5.2.3 (a)).
  On the MX, a sender (elsewhere, or one claiming our own address) gets one
  only when SPF vouched for it: here DNS is a closed port, so no MX sender
  is vouched for and none gets one.
"""

import re
import time
import unittest

from smtp_test import DEMO_ADDRESS, Instance, make_message, new_msgid
from test_security import SECOND, Base, Sink


class DsnTest(Base):
    @classmethod
    def setUpClass(cls):
        cls.dsn_sink = Sink(dsn=True)
        cls.addClassCleanup(cls.dsn_sink.close)
        cls.plain_sink = Sink()
        cls.addClassCleanup(cls.plain_sink.close)
        routes = ""
        for domain, sink in (("dsn.example", cls.dsn_sink), ("plain.example", cls.plain_sink)):
            routes += '[[route]]\ndomain = "%s"\nhost = "127.0.0.1"\nport = %d\n\n' % (domain, sink.port)
        cls.srv = Instance("dsn", "mx.e2e.test", ["mx", "submission_plain", "imap", "http"],
                           extra="[queue]\nfirst_retry_seconds = 1\n\n" + routes)
        cls.addClassCleanup(cls.srv.remove)
        cls.srv.start()
        cls.srv.admin_json("address", "create", SECOND)

    def send(self, c, mail, rcpts, subject):
        msgid = new_msgid("dsn")
        self.assertEqual(c.cmd(mail)[0], 250)
        for r in rcpts:
            code, text = c.cmd(r)
            self.assertEqual(code, 250, (r, text))
        self.assertEqual(c.cmd("DATA")[0], 354)
        c.send(make_message(subject, msgid, sender=DEMO_ADDRESS) + b".\r\n")
        code, text = c.reply()
        self.assertEqual(code, 250, text)
        return msgid

    def wait_sink(self, sink, prefix):
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            lines = [l for l in sink.lines if l.upper().startswith(prefix)]
            if lines:
                return lines
            time.sleep(0.1)
        self.fail("%s never reached the sink: %r\n%s" % (prefix, sink.lines, self.srv.log()[-3000:]))

    def reports(self, action):
        return [m for m in self.srv.messages() if b"Action: " + action.encode() in m.raw]

    def wait_report(self, action, final_recipient):
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            for m in self.reports(action):
                if ("Final-Recipient: rfc822; " + final_recipient).encode() in m.raw:
                    return m
            time.sleep(0.2)
        self.fail("no %s report for %s\n%s" % (action, final_recipient, self.srv.log()[-3000:]))

    def test_parameters_go_on_to_a_system_that_announces_dsn(self):
        c = self.submission()
        self.send(c, "MAIL FROM:<%s> RET=HDRS ENVID=abc+2Bd" % DEMO_ADDRESS,
                  ["RCPT TO:<x@dsn.example> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;x+2Bo@dsn.example"], "with DSN")
        rcpts = self.wait_sink(self.dsn_sink, "RCPT")
        self.assertEqual(rcpts, ["RCPT TO:<x@dsn.example> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;x+2Bo@dsn.example"])
        mail = [l for l in self.dsn_sink.lines if l.upper().startswith("MAIL")]
        self.assertEqual(len(mail), 1, self.dsn_sink.lines)
        self.assertRegex(mail[0], r"^MAIL FROM:<%s> RET=HDRS ENVID=abc\+2Bd$" % re.escape(DEMO_ADDRESS))
        self.wait_sink(self.dsn_sink, "QUIT")
        self.assertEqual([m for m in self.reports("relayed") if b"x@dsn.example" in m.raw], [],
                         "the next hop reports; we do not")

    def test_a_system_without_dsn_gets_plain_commands_and_the_sender_a_relayed_report(self):
        c = self.submission()
        self.send(c, "MAIL FROM:<%s> ENVID=e1" % DEMO_ADDRESS,
                  ["RCPT TO:<y@plain.example> NOTIFY=SUCCESS ORCPT=rfc822;y@plain.example",
                   "RCPT TO:<z@plain.example> NOTIFY=FAILURE"], "without DSN")
        rcpts = sorted(self.wait_sink(self.plain_sink, "RCPT"))
        self.wait_sink(self.plain_sink, "QUIT")
        rcpts = sorted(l for l in self.plain_sink.lines if l.upper().startswith("RCPT"))
        self.assertEqual(rcpts, ["RCPT TO:<y@plain.example>", "RCPT TO:<z@plain.example>"])
        self.assertNotIn("ENVID", " ".join(self.plain_sink.lines))
        report = self.wait_report("relayed", "y@plain.example")
        self.assertIn(b"Original-Envelope-Id: e1\r\n", report.raw)
        self.assertIn(b"Original-Recipient: rfc822;y@plain.example\r\n", report.raw)
        self.assertNotIn(b"z@plain.example", report.raw, "z asked for failures only")

    def test_delivery_here_is_reported_to_a_local_sender(self):
        c = self.submission()
        self.send(c, "MAIL FROM:<%s>" % DEMO_ADDRESS,
                  ["RCPT TO:<%s> NOTIFY=SUCCESS,FAILURE" % SECOND, "RCPT TO:<%s>" % DEMO_ADDRESS],
                  "delivered here")
        report = self.wait_report("delivered", SECOND)
        self.assertIn(b"Status: 2.0.0\r\n", report.raw)
        self.assertIn(b"Content-Type: text/rfc822-headers", report.raw)
        self.assertNotIn(("Final-Recipient: rfc822; " + DEMO_ADDRESS).encode(), report.raw,
                         "the recipient without NOTIFY=SUCCESS is not in it")

    def test_a_sender_elsewhere_not_vouched_for_gets_no_report(self):
        c = self.raw()
        c.cmd("EHLO client.e2e.test")
        msgid = self.send(c, "MAIL FROM:<someone@elsewhere.example>",
                          ["RCPT TO:<%s> NOTIFY=SUCCESS" % DEMO_ADDRESS], "from elsewhere")
        self.assertTrue(self.srv.wait_for(msgid))
        self.assertIsNotNone(self.srv.wait_log(r"smtp\.success_report_skipped .*someone@elsewhere\.example"))

    def test_a_local_sender_claimed_on_the_mx_gets_no_report(self):
        """Anyone can claim one of our addresses on the MX: without SPF's
        word for it, no report goes into that address's INBOX."""
        c = self.raw()
        c.cmd("EHLO client.e2e.test")
        # The report is decided before the 250: none by then is none at all.
        self.send(c, "MAIL FROM:<%s>" % DEMO_ADDRESS, ["RCPT TO:<%s> NOTIFY=SUCCESS" % SECOND], "claimed sender")
        self.assertIsNotNone(self.srv.wait_log(r"smtp\.success_report_skipped .*%s" % re.escape(DEMO_ADDRESS)))
        self.assertEqual([m for m in self.reports("delivered") if b"claimed sender" in m.raw], [])


if __name__ == "__main__":
    unittest.main()
