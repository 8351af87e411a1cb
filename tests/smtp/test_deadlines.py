"""Deadlines on the SMTP listeners that a trickle of bytes does not move
([limits]), through the real binary, each with the normal use that must
keep working:

- submission: from connecting to a successful AUTH, login_timeout_seconds
  (as IMAP and POP3), however often the client sends a command; after AUTH
  only the idle timeouts apply;
- the MX: the command phase (from the greeting or the end of a message
  until DATA) has mx_command_deadline_seconds in all, the message data
  mx_data_deadline_seconds, longer for a client that sends at least
  mx_data_min_rate bytes a second.

Past a deadline the server answers `421 4.4.2 <hostname> timeout` and
closes. Before, one byte now and then held a connection for ever: each
byte reset the 5-minute command and 10-minute data timeouts.
"""

import base64
import time
import unittest

from smtp_test import DEMO_ADDRESS, Instance, RawSmtp, make_message, new_msgid

DEADLINE = 6  # seconds: each of the three deadlines in this server
TIMEOUT_LINE = b"421 4.4.2 mx.e2e.test timeout"


def plain_b64(user, password):
    return base64.b64encode(("\0%s\0%s" % (user, password)).encode()).decode()


class DeadlineTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = Instance("deadlines", "mx.e2e.test", ["mx", "submission_plain", "imap", "http"],
                           extra="[limits]\nlogin_timeout_seconds = %d\nmx_command_deadline_seconds = %d\n"
                                 "mx_data_deadline_seconds = %d\n" % (DEADLINE, DEADLINE, DEADLINE))
        cls.addClassCleanup(cls.srv.remove)
        cls.srv.start()

    def setUp(self):
        self.assertTrue(self.srv.alive(), "the server died:\n" + self.srv.log()[-5000:])

    def raw(self, kind):
        c = self.srv.raw(kind)
        self.addCleanup(c.close)
        self.assertEqual(c.greeting[0], 220, c.greeting)
        return c

    def trickle(self, c, pieces, every=1.0, limit=40.0):
        """Sends one piece every `every` seconds until the server closes;
        the seconds that took (fails after `limit`)."""
        t0 = time.monotonic()
        for piece in pieces:
            if time.monotonic() - t0 > limit:
                break
            try:
                c.send(piece)
            except OSError:
                return time.monotonic() - t0
            if c.closed(every):
                return time.monotonic() - t0
        self.fail("still open after %.0f s of trickling (have %r)" % (time.monotonic() - t0, c.buf[-300:]))

    def assertCutOff(self, c, took, what):
        self.assertIn(TIMEOUT_LINE, c.buf, what)
        # Not before the deadline, and near it: a generous bound for a loaded machine.
        self.assertGreater(took, DEADLINE - 3, what)
        self.assertLess(took, DEADLINE + 15, what)

    def test_submission_client_without_auth_is_cut_off_at_the_login_deadline(self):
        c = self.raw("submission_plain")
        c.cmd("EHLO client.e2e.test")
        # A complete command every second: each resets the command timeout.
        took = self.trickle(c, (b"NOOP\r\n" for _ in range(100)))
        self.assertCutOff(c, took, "submission before AUTH")
        self.assertIsNotNone(self.srv.wait_log(r"event=smtp\.deadline ip=127\.0\.0\.1 phase=login", 5))

    def test_mx_client_trickling_a_command_line_is_cut_off(self):
        c = self.raw("mx")
        took = self.trickle(c, (bytes([b]) for b in b"EHLO " + b"x" * 200))
        self.assertCutOff(c, took, "MX command line")

    def test_mx_client_trickling_commands_is_cut_off(self):
        c = self.raw("mx")
        c.cmd("EHLO client.e2e.test")
        took = self.trickle(c, (b"NOOP\r\n" for _ in range(100)))
        self.assertCutOff(c, took, "MX commands")

    def test_mx_client_trickling_message_data_is_cut_off(self):
        c = self.raw("mx")
        c.cmd("EHLO client.e2e.test")
        self.assertEqual(c.cmd("MAIL FROM:<ana@example.org>")[0], 250)
        self.assertEqual(c.cmd("RCPT TO:<%s>" % DEMO_ADDRESS)[0], 250)
        self.assertEqual(c.cmd("DATA")[0], 354)
        msgid = new_msgid("trickled data")
        msg = make_message("trickled", msgid, body="x" * 200 + "\r\n")
        took = self.trickle(c, (msg[i:i + 4] for i in range(0, len(msg), 4)))
        self.assertCutOff(c, took, "MX data")
        self.assertEqual(self.srv.with_id(msgid), [])

    def send_message(self, c, subject, data_pieces=None, pause=0.0):
        msgid = new_msgid(subject)
        self.assertEqual(c.cmd("MAIL FROM:<ana@example.org>")[0], 250)
        self.assertEqual(c.cmd("RCPT TO:<%s>" % DEMO_ADDRESS)[0], 250)
        self.assertEqual(c.cmd("DATA")[0], 354)
        msg = make_message(subject, msgid, body=data_pieces or "Hello.\r\n")
        for i in range(0, len(msg), 65536):
            c.send(msg[i:i + 65536])
            time.sleep(pause)
        c.send(b".\r\n")
        code, text = c.reply()
        self.assertEqual(code, 250, text)
        return msgid

    def test_normal_clients_still_work(self):
        # The MX: each message starts a new command phase, so three messages
        # with pauses take longer than one deadline in all.
        c = self.raw("mx")
        c.cmd("EHLO client.e2e.test")
        ids = []
        for i in range(3):
            ids.append(self.send_message(c, "phase %d" % i))
            if i < 2:
                time.sleep(DEADLINE / 2)
        # Message data sent steadily faster than the minimum rate (16 KiB/s)
        # may take longer than the data deadline: 1 MiB over about 8 s.
        line = "y" * 1022 + "\r\n"
        ids.append(self.send_message(c, "steady data", line * 1024, pause=0.5))
        self.assertEqual(c.cmd("QUIT")[0], 221)
        for msgid in ids:
            self.assertEqual(len(self.srv.wait_for(msgid)), 1, msgid)
        # Submission: after AUTH, the login deadline no longer applies.
        s = self.raw("submission_plain")
        s.cmd("EHLO client.e2e.test")
        code, text = s.cmd("AUTH PLAIN " + plain_b64(DEMO_ADDRESS, self.srv.password))
        self.assertEqual(code, 235, text)
        time.sleep(DEADLINE + 1)
        self.assertEqual(s.cmd("MAIL FROM:<%s>" % DEMO_ADDRESS)[0], 250)
        self.assertEqual(s.cmd("RSET")[0], 250)


if __name__ == "__main__":
    unittest.main()
