"""The network resolver (c-ares) end to end: the MX checks SPF against a DNS
server the test runs on 127.0.0.1 (tests/cli/dns_stub.py), and files the
message by the verdict. Also dig asks the same stub, as a cross-check."""

import imaplib
import os
import smtplib
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cli"))
import estafeta_test as et  # noqa: E402
from dns_stub import DnsStub  # noqa: E402


class DnsTest(et.DemoTestCase):
    def setUp(self):
        super().setUp()
        self.zone = DnsStub({
            ("good.example", "TXT"): ["v=spf1 ip4:127.0.0.0/8 -all"],
            ("bad.example", "TXT"): ["v=spf1 ip4:192.0.2.1 -all"],
            ("split.example", "TXT"): ["v=spf1 include:inc.split.example -all"],
            ("inc.split.example", "TXT"): ["v=spf1 a:ok.split.example -all"],
            ("ok.split.example", "A"): ["127.0.0.1"],
            ("fresh.example", "TXT"): ["v=spf1 ip4:127.0.0.0/8 -all"],
        }, ttls={("fresh.example", "TXT"): 0}, negative_ttl=300).start()
        self.addCleanup(self.zone.stop)
        self.mx, self.imap, self.http = et.free_port(), et.free_port(), et.free_port()
        with open(self.config, "w") as f:
            f.write('data_dir = "."\nhostname = "mx.demo.example"\n[dns]\nservers = ["127.0.0.1:%d"]\n'
                    '[[listener]]\nprotocol = "smtp"\naddress = "127.0.0.1:%d"\n'
                    '[[listener]]\nprotocol = "imap"\naddress = "127.0.0.1:%d"\nplaintext_auth = true\n'
                    '[[listener]]\nprotocol = "http"\naddress = "127.0.0.1:%d"\n'
                    % (self.zone.port, self.mx, self.imap, self.http))
        self.password = self.admin_json("device-password", "create", et.DEMO_ADDRESS, et.DEMO_ADMIN,
                                        "--label", "dns-test")["password"]
        self.server = et.Server(self.config, os.path.join(self.dir, "serve.log"))
        self.addCleanup(self.server.close)
        self.server.wait_http(self.http)

    def send(self, sender, subject):
        with smtplib.SMTP("127.0.0.1", self.mx, timeout=15) as s:
            s.sendmail(sender, [et.DEMO_ADDRESS], "Subject: %s\r\n\r\nbody\r\n" % subject)

    def header_of(self, folder, subject):
        m = imaplib.IMAP4("127.0.0.1", self.imap)
        m.login(et.DEMO_ADDRESS, self.password)
        m.select(folder)
        typ, data = m.search(None, "SUBJECT", subject)
        ids = data[0].split()
        if not ids:
            m.logout()
            return None
        typ, data = m.fetch(ids[0], "(BODY.PEEK[HEADER])")
        m.logout()
        return data[0][1].decode()

    def test_spf_verdicts_from_the_network(self):
        self.send("a@good.example", "good")
        self.send("a@bad.example", "bad")
        self.send("a@split.example", "split")
        self.send("a@unknown.example", "unknown")
        good = self.header_of("INBOX", "good")
        self.assertIsNotNone(good)
        self.assertIn("Received-SPF: pass", good)
        self.assertIn("spf=pass smtp.mailfrom=a@good.example", good)
        self.assertIsNone(self.header_of("INBOX", "bad"), "an SPF fail does not reach INBOX")
        bad = self.header_of("Junk", "bad")
        self.assertIsNotNone(bad)
        self.assertIn("Received-SPF: fail", bad)
        self.assertIn("Received-SPF: pass", self.header_of("INBOX", "split"), "include: and a: resolved over DNS")
        self.assertIn("Received-SPF: none", self.header_of("INBOX", "unknown"))
        asked = {(n, t) for n, t in self.zone.queries}
        self.assertIn(("good.example", "TXT"), asked)
        self.assertIn(("ok.split.example", "A"), asked)

    def test_answers_are_kept_for_their_ttl(self):
        # Mail from one domain asks the DNS once per TTL, not once per message;
        # a TTL of 0 is never kept, and a negative answer holds for its SOA's
        # MINIMUM (RFC 2308 §5). The verdicts stay what the records say.
        for i in range(3):
            self.send("a@good.example", "kept-%d" % i)
            self.send("a@fresh.example", "fresh-%d" % i)
            self.send("a@nowhere.example", "negative-%d" % i)
        for i in range(3):
            self.assertIn("Received-SPF: pass", self.header_of("INBOX", "kept-%d" % i))
            self.assertIn("Received-SPF: pass", self.header_of("INBOX", "fresh-%d" % i))
            self.assertIn("Received-SPF: none", self.header_of("INBOX", "negative-%d" % i))
        asked = [(n, t) for n, t in self.zone.queries]
        self.assertEqual(asked.count(("good.example", "TXT")), 1, asked)
        self.assertEqual(asked.count(("fresh.example", "TXT")), 3, asked)
        self.assertEqual(asked.count(("nowhere.example", "TXT")), 1, asked)

    def test_dig_sees_the_same_zone(self):
        out = subprocess.run(["dig", "+short", "+time=2", "+tries=1", "-p", str(self.zone.port), "@127.0.0.1",
                              "TXT", "good.example"], capture_output=True, text=True, timeout=10)
        self.assertEqual(out.stdout.strip(), '"v=spf1 ip4:127.0.0.0/8 -all"')


if __name__ == "__main__":
    import unittest
    unittest.main()
