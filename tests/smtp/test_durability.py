"""A 250 after DATA is a promise (RFC 5321 §6.1): SIGKILL the server while
clients are sending, restart it, and every message that got its 250 must be
in the INBOX exactly once — none lost, none duplicated.

Senders: several threads, each one message per connection, plus one that
pipelines several transactions per connection (the end of one message, the
next MAIL/RCPT/DATA in the same write). Each message has its own
Message-ID; a sender records it only when the 250 for its data arrived.
Three rounds on the same data folder, each killed at a random moment.
"""

import random
import smtplib
import threading
import time
import unittest
from collections import Counter

from smtp_test import DEMO_ADDRESS, RawSmtp, Instance, make_message

ROUNDS = 3
SENDERS = 4  # one message per connection
RUN_BEFORE_KILL = (1.0, 2.0)  # seconds, uniformly random


class Load:
    """Sender threads against one port until told to stop or the server dies."""

    def __init__(self, port, round_no):
        self.port = port
        self.round = round_no
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.acked = []     # Message-IDs that got a 250 after their data
        self.tried = []     # every Message-ID whose data was sent (acked or not)
        self.errors = []    # unexpected replies (not connection trouble)
        self.threads = [threading.Thread(target=self.one_per_connection, args=(n,), daemon=True)
                        for n in range(SENDERS)]
        self.threads.append(threading.Thread(target=self.pipelined, daemon=True))

    def start(self):
        for t in self.threads:
            t.start()

    def join(self, timeout=15):
        self.stop.set()
        deadline = time.monotonic() + timeout
        for t in self.threads:
            t.join(max(0.1, deadline - time.monotonic()))
        return not any(t.is_alive() for t in self.threads)

    def msgid(self, sender, n):
        return "<dur-r%d-s%s-%d@e2e.test>" % (self.round, sender, n)

    def record(self, lst, msgid):
        with self.lock:
            lst.append(msgid)

    def one_per_connection(self, sender):
        n = 0
        while not self.stop.is_set():
            n += 1
            msgid = self.msgid(sender, n)
            msg = make_message("durability %s" % msgid, msgid, body=("payload %d\r\n" % n) * 20)
            try:
                s = smtplib.SMTP("127.0.0.1", self.port, local_hostname="load.e2e.test", timeout=5)
            except OSError:
                return  # the server is gone
            try:
                s.ehlo()
                if s.mail("load@example.org")[0] != 250 or s.rcpt(DEMO_ADDRESS)[0] != 250:
                    self.record(self.errors, "%s: MAIL/RCPT refused" % msgid)
                    return
                self.record(self.tried, msgid)
                code, text = s.data(msg)
                if code == 250:
                    self.record(self.acked, msgid)
                else:
                    self.record(self.errors, "%s: %d %r" % (msgid, code, text))
                s.quit()
            except (smtplib.SMTPException, OSError):
                return  # killed mid-conversation: this message is not promised
            finally:
                s.close()

    def pipelined(self):
        """Batches of 5 transactions per connection, each message's end and the
        next envelope in one write."""
        n = 0
        while not self.stop.is_set():
            try:
                c = RawSmtp(self.port, timeout=5)
            except (OSError, EOFError, TimeoutError):
                return
            try:
                if c.cmd("EHLO load.e2e.test")[0] != 250:
                    return
                c.send("MAIL FROM:<load@example.org>\r\nRCPT TO:<%s>\r\nDATA\r\n" % DEMO_ADDRESS)
                if [c.reply()[0] for _ in range(3)] != [250, 250, 354]:
                    self.record(self.errors, "pipelined envelope refused")
                    return
                for k in range(5):
                    n += 1
                    msgid = self.msgid("p", n)
                    msg = make_message("durability %s" % msgid, msgid, body="pipelined %d\r\n" % n)
                    more = k < 4 and not self.stop.is_set()
                    tail = "MAIL FROM:<load@example.org>\r\nRCPT TO:<%s>\r\nDATA\r\n" % DEMO_ADDRESS if more else "QUIT\r\n"
                    self.record(self.tried, msgid)
                    c.send(msg + b".\r\n" + tail.encode())
                    code, text = c.reply()
                    if code != 250:
                        self.record(self.errors, "%s: %d %r" % (msgid, code, text))
                        return
                    self.record(self.acked, msgid)
                    if not more:
                        break
                    if [c.reply()[0] for _ in range(3)] != [250, 250, 354]:
                        self.record(self.errors, "pipelined envelope refused")
                        return
            except (OSError, EOFError, TimeoutError):
                return
            finally:
                c.close()


class DurabilityTest(unittest.TestCase):
    maxDiff = None

    def setUp(self):
        self.srv = Instance("durability", "localhost", ["mx", "imap", "http"])
        self.addCleanup(self.srv.remove)

    def test_sigkill_loses_no_accepted_message(self):
        rng = random.Random()
        acked, tried = [], []
        for round_no in range(1, ROUNDS + 1):
            with self.subTest(round=round_no):
                self.srv.start()
                load = Load(self.srv.ports["mx"], round_no)
                load.start()
                time.sleep(rng.uniform(*RUN_BEFORE_KILL))
                self.srv.kill()
                self.assertTrue(load.join(), "a sender thread hung")
                self.assertEqual(load.errors, [], "unexpected refusals:\n" + self.srv.log()[-3000:])
                self.assertGreater(len(load.acked), 5, "the load generator got almost nothing through: %r\n%s"
                                   % (load.acked, self.srv.log()[-3000:]))
                acked += load.acked
                tried += load.tried
                # Restarted on the same folder: every promise so far is kept.
                self.srv.start()
                counts = Counter(s.message_id for s in self.srv.messages())
                self.assertEqual([m for m in acked if counts[m] != 1], [],
                                 "accepted (250) but lost or duplicated after SIGKILL; counts %r" %
                                 {m: counts[m] for m in acked if counts[m] != 1})
                self.assertEqual({m: c for m, c in counts.items() if c > 1}, {}, "duplicates")
                # Nothing stored that was never sent.
                self.assertEqual(set(counts) - set(tried), set())
                # The server works after recovery: one more message goes through.
                msgid = "<dur-after-%d@e2e.test>" % round_no
                s = smtplib.SMTP("127.0.0.1", self.srv.ports["mx"], timeout=10)
                try:
                    self.assertEqual(s.sendmail("load@example.org", [DEMO_ADDRESS],
                                                make_message("after restart", msgid)), {})
                    s.quit()
                finally:
                    s.close()
                tried.append(msgid)
                acked.append(msgid)
                self.assertEqual(len(self.srv.with_id(msgid)), 1)
                self.srv.stop()


if __name__ == "__main__":
    unittest.main()
