"""The outbound queue's MX and address lookups against a DNS server that
never answers for some domains: they run on threads of their own ([dns]
route_timeout_seconds, max_route_lookups), never on the worker pool, and
one domain's lookups delay only its own recipients.

One message from a submission client to six domains whose DNS is silent
and one whose DNS answers (MX, then A on loopback; no [[route]]): the good
recipient's attempt comes at once — delivered to a sink on port 25 when
the test may listen there (root), otherwise refused by the closed port —
while the silent ones are deferred with a temporary failure after the
lookup deadline; IMAP stays fast meanwhile. Before, the queue looked the
domains up one after another on the worker pool: the good recipient waited
for every silent domain ahead of it (c-ares: 9 s each).
"""

import base64
import os
import random
import re
import sys
import time
import unittest

from smtp_test import DEMO_ADDRESS, Instance, RawSmtp, make_message, new_msgid
from test_security import Sink

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cli"))
from dns_stub import DnsStub  # noqa: E402

ROUTE_TIMEOUT = 10  # [dns] route_timeout_seconds of this server (slack for a loaded machine)
SLOW = ["a-slow%d.example" % i for i in range(1, 7)]
GOOD = "b-good.example"  # after the slow ones in the queue's order
IMAP_BOUND = 3.0  # seconds for LOGIN+SELECT+STATUS


def plain_b64(user, password):
    return base64.b64encode(("\0%s\0%s" % (user, password)).encode()).decode()


class OutboundDnsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.mx_ip = "127.%d.%d.%d" % (random.randint(100, 250), random.randint(1, 250), random.randint(1, 250))
        try:
            cls.sink = Sink(cls.mx_ip, 25)
            cls.addClassCleanup(cls.sink.close)
        except OSError:  # not allowed to listen on port 25: the attempt is refused instead
            cls.sink = None
        cls.zone = DnsStub({(GOOD, "MX"): ["10 mx.%s" % GOOD], ("mx." + GOOD, "A"): [cls.mx_ip]},
                           silent=SLOW).start()
        cls.addClassCleanup(cls.zone.stop)
        cls.srv = Instance("outbound-dns", "mx.e2e.test", ["submission_plain", "imap", "http"],
                           extra="[queue]\nfirst_retry_seconds = 3600\n", dns_port=cls.zone.port, route_all=False)
        cls.addClassCleanup(cls.srv.remove)
        with open(cls.srv.config, encoding="utf-8") as f:
            text = f.read()
        text = text.replace("[dns]\n", "[dns]\nroute_timeout_seconds = %d\n" % ROUTE_TIMEOUT, 1)
        with open(cls.srv.config, "w", encoding="utf-8") as f:
            f.write(text)
        cls.srv.start()

    def attempt(self, rcpt):
        """The queue.attempt log line for `rcpt`, if any."""
        m = re.search(r"^.*event=queue\.attempt [^\n]*to=%s [^\n]*$" % re.escape(rcpt), self.srv.log(), re.M)
        return m.group(0) if m else None

    def test_a_silent_domain_delays_only_its_own_recipients(self):
        baseline = min(self.srv.imap_round() for _ in range(3))
        c = RawSmtp(self.srv.ports["submission_plain"])
        self.addCleanup(c.close)
        c.cmd("EHLO client.e2e.test")
        self.assertEqual(c.cmd("AUTH PLAIN " + plain_b64(DEMO_ADDRESS, self.srv.password))[0], 235)
        self.assertEqual(c.cmd("MAIL FROM:<%s>" % DEMO_ADDRESS)[0], 250)
        rcpts = ["user@" + d for d in SLOW] + ["ok@" + GOOD]
        for r in rcpts:
            self.assertEqual(c.cmd("RCPT TO:<%s>" % r)[0], 250)
        self.assertEqual(c.cmd("DATA")[0], 354)
        msgid = new_msgid("to slow and good")
        c.send(make_message("slow and good", msgid, sender=DEMO_ADDRESS, to=", ".join(rcpts)) + b".\r\n")
        self.assertEqual(c.reply()[0], 250)
        queued = time.monotonic()

        # The good domain's attempt, while the silent ones still wait for DNS.
        good = None
        latencies = []
        while good is None and time.monotonic() - queued < 30:
            latencies.append(self.srv.imap_round())
            good = self.attempt("ok@" + GOOD)
        self.assertIsNotNone(good, "no attempt for the good domain:\n" + self.srv.log()[-3000:])
        self.assertIn("host=mx.%s" % GOOD, good)
        # Had it waited for them, their deferrals would be logged first. (By
        # now, on a loaded machine, their deadline may have passed too.)
        log = self.srv.log()
        for d in SLOW:
            slow = self.attempt("user@" + d)
            self.assertTrue(slow is None or log.index(slow) > log.index(good),
                            "the good domain waited for %s:\n%s" % (d, log[-3000:]))
        if self.sink:
            self.assertIn("status=delivered", good)
            self.assertIn("RCPT TO:<ok@%s>" % GOOD, self.sink.lines)
        else:
            self.assertIn("status=deferred", good)
            self.assertIn("cannot connect to mx.%s port 25" % GOOD, good)

        # The silent domains: deferred, a temporary failure, after the deadline.
        deadline = time.monotonic() + ROUTE_TIMEOUT + 25
        while time.monotonic() < deadline and not all(self.attempt("user@" + d) for d in SLOW):
            latencies.append(self.srv.imap_round())
            time.sleep(0.2)
        for d in SLOW:
            line = self.attempt("user@" + d)
            self.assertIsNotNone(line, "no attempt for %s:\n%s" % (d, self.srv.log()[-3000:]))
            self.assertIn("status=deferred", line)
            self.assertRegex(line, r'reply="451 4\.4\.3 DNS lookup')
        self.assertGreater(time.monotonic() - queued, ROUTE_TIMEOUT - 1)
        self.assertLess(max(latencies), max(IMAP_BOUND, baseline + 2.0),
                        "IMAP took up to %.2f s (baseline %.3f s)" % (max(latencies), baseline))


if __name__ == "__main__":
    unittest.main()
