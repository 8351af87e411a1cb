"""Per-address and per-domain settings as SMTP clients meet them (smtplib,
against one served quickstart folder; settings changed with the admin CLI):

- quota: a full mailbox answers 452 4.2.2 at RCPT (RFC 3463), a declared
  SIZE larger than the whole quota 552 5.2.2 (RFC 1870 §6.4), a message
  that would overflow it after DATA 452 4.2.2 (552 5.2.2 when it could
  never fit its one recipient);
- the Sent copy of submitted mail, kept or not per address;
- a domain that rejects SPF failures: 550 5.7.23 at RCPT for a fail
  (RFC 7372 §3.2), Junk for a softfail, other domains unaffected in the
  same transaction.

SPF records come from a DNS server on 127.0.0.1 (tests/cli/dns_stub.py);
nothing leaves the machine.
"""

import os
import sys
import time
import unittest

from smtp_test import DEMO_ADDRESS, DEMO_ADMIN, Instance, make_message, new_msgid, open_smtp

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cli"))
from dns_stub import DnsStub  # noqa: E402

STRICT = "boss@strict.example"      # its domain refuses SPF failures
FULL = "full@demo.example"          # one message stored, room for one
SMALL = "small@demo.example"        # 3 KiB
QUIET = "quiet@demo.example"        # keeps no Sent copy


class PolicyTest(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.zone = DnsStub({
            ("bad.example", "TXT"): ["v=spf1 ip4:192.0.2.1 -all"],      # fails for 127.0.0.1
            ("soft.example", "TXT"): ["v=spf1 ip4:192.0.2.1 ~all"],     # softfails
            ("good.example", "TXT"): ["v=spf1 ip4:127.0.0.0/8 -all"],   # passes
        }).start()
        cls.addClassCleanup(cls.zone.stop)
        cls.srv = Instance("policies", "localhost", ["mx", "submission_plain", "imap", "http"], dns_port=cls.zone.port)
        cls.addClassCleanup(cls.srv.remove)
        srv = cls.srv
        srv.admin_json("domain", "add", "--service", "demo-mail", "strict.example")
        r = srv.admin_json("domain", "set", "strict.example", "--spf-fail", "reject")
        assert r["spf_fail"] == "reject", r
        cls.passwords = {DEMO_ADDRESS: srv.password}
        for address in (STRICT, FULL, SMALL, QUIET):
            srv.admin_json("address", "create", address)
            srv.admin_json("access", "grant", address, DEMO_ADMIN)
            cls.passwords[address] = srv.device_password(address, DEMO_ADMIN, "policies")
        srv.admin_json("address", "set", FULL, "--quota-messages", "2")
        srv.admin_json("address", "set", SMALL, "--quota", "3K")
        srv.admin_json("address", "set", QUIET, "--save-sent", "no")
        srv.start()

    def setUp(self):
        self.assertTrue(self.srv.alive(), "the server died:\n" + self.srv.log())

    def smtp(self, kind="mx"):
        s = open_smtp(self, self.srv.ports[kind])
        s.ehlo()
        return s

    def stored(self, msgid, address, folder="INBOX"):
        return self.srv.with_id(msgid, folder, user=address, password=self.passwords[address])

    def assertStoredOnce(self, msgid, address, folder="INBOX"):
        found = self.stored(msgid, address, folder)
        self.assertEqual(len(found), 1, "%s in %s of %s: %r\n%s" % (msgid, folder, address, found,
                                                                   self.srv.log()[-3000:]))
        return found[0]

    def assertNotStored(self, msgid, address, folder="INBOX"):
        self.assertEqual(self.stored(msgid, address, folder), [], "%s in %s of %s" % (msgid, folder, address))

    def usage(self, address):
        shown = self.srv.admin_json("address", "show", address)
        return shown["used_bytes"], shown["used_messages"]

    # --- SPF policy per domain

    def test_spf_fail_is_refused_at_rcpt_only_for_the_rejecting_domain(self):
        msgid = new_msgid("spf-fail")
        s = self.smtp()
        self.assertEqual(s.mail("someone@bad.example")[0], 250)
        code, text = s.rcpt(STRICT)
        self.assertEqual(code, 550, text)
        self.assertTrue(text.startswith(b"5.7.23 "), text)
        self.assertIn(b"spf=fail", text)
        # Another domain's recipient in the same transaction keeps its own
        # policy: the message goes to its Junk.
        self.assertEqual(s.rcpt(DEMO_ADDRESS)[0], 250)
        code, text = s.data(make_message("spf fail", msgid, sender="x <someone@bad.example>"))
        self.assertEqual(code, 250, text)
        junk = self.assertStoredOnce(msgid, DEMO_ADDRESS, "Junk")
        self.assertIn(b"Received-SPF: fail", junk.raw)
        for folder in ("INBOX", "Junk"):
            self.assertNotStored(msgid, STRICT, folder)
        self.assertRegex(self.srv.log(), r"smtp\.rcpt_refused[^\n]*to=boss@strict\.example[^\n]*reason=spf_fail")

    def test_spf_softfail_and_pass_are_not_refused(self):
        for sender, folder in (("someone@soft.example", "Junk"), ("someone@good.example", "INBOX")):
            with self.subTest(sender=sender):
                msgid = new_msgid("spf-" + folder)
                s = self.smtp()
                self.assertEqual(s.sendmail(sender, [STRICT], make_message("spf", msgid, sender=sender, to=STRICT)), {})
                self.assertStoredOnce(msgid, STRICT, folder)

    def test_spf_check_starts_when_mail_names_the_sender(self):
        # RFC 7208 §2.4: the identity is known from MAIL on; the lookups run
        # while the client sends RCPT and the message, not after them.
        sender = "early-%d@soft.example" % os.getpid()
        msgid = new_msgid("spf-early")
        s = self.smtp()
        before = len(self.zone.queries)
        self.assertEqual(s.mail(sender)[0], 250)
        deadline = time.monotonic() + 10
        while ("soft.example", "TXT") not in self.zone.queries[before:] and time.monotonic() < deadline:
            time.sleep(0.02)
        self.assertIn(("soft.example", "TXT"), self.zone.queries[before:], "no SPF lookup before RCPT")
        self.assertEqual(s.rcpt(DEMO_ADDRESS)[0], 250)
        code, text = s.data(make_message("spf early", msgid, sender=sender))
        self.assertEqual(code, 250, text)
        self.assertIn(b"Received-SPF: softfail", self.assertStoredOnce(msgid, DEMO_ADDRESS, "Junk").raw)

    def test_junk_is_the_default_and_the_policy_can_change_back(self):
        domains = {d["name"]: d for d in self.srv.admin_json("domain", "list")}
        self.assertEqual(domains["demo.example"]["spf_fail"], "junk")
        self.assertEqual(domains["strict.example"]["spf_fail"], "reject")
        self.srv.admin_json("domain", "set", "strict.example", "--spf-fail", "junk")
        try:
            msgid = new_msgid("spf-junk-now")
            s = self.smtp()
            self.assertEqual(s.sendmail("someone@bad.example", [STRICT],
                                        make_message("junk now", msgid, sender="someone@bad.example", to=STRICT)), {})
            self.assertStoredOnce(msgid, STRICT, "Junk")
        finally:
            self.srv.admin_json("domain", "set", "strict.example", "--spf-fail", "reject")

    # --- quota

    def test_full_mailbox_gets_452_at_rcpt(self):
        # Fill it to its limit of two messages (the first test to get here does).
        while self.usage(FULL)[1] < 2:
            s = self.smtp()
            self.assertEqual(s.sendmail("someone@good.example", [FULL],
                                        make_message("filler", new_msgid("filler"), to=FULL)), {})
        msgid = new_msgid("full")
        s = self.smtp()
        self.assertEqual(s.mail("someone@good.example")[0], 250)
        code, text = s.rcpt(FULL)
        self.assertEqual(code, 452, text)
        self.assertTrue(text.startswith(b"4.2.2 Mailbox full"), text)
        # The other recipients still get it.
        self.assertEqual(s.rcpt(DEMO_ADDRESS)[0], 250)
        self.assertEqual(s.data(make_message("not for the full one", msgid, to=FULL))[0], 250)
        self.assertStoredOnce(msgid, DEMO_ADDRESS)
        self.assertNotStored(msgid, FULL)
        self.assertEqual(self.usage(FULL)[1], 2)

    def test_declared_size_larger_than_the_whole_quota_gets_552_at_rcpt(self):
        s = self.smtp()
        self.assertEqual(s.mail("someone@good.example", ["SIZE=5000"])[0], 250)
        code, text = s.rcpt(SMALL)
        self.assertEqual(code, 552, text)
        self.assertTrue(text.startswith(b"5.2.2 "), text)
        self.assertEqual(s.rcpt(DEMO_ADDRESS)[0], 250, "a recipient with room is fine")

    def test_message_that_would_overflow_the_quota_after_data(self):
        before = self.usage(SMALL)
        # Room for about 3 KiB: a 1.8 KB message fits, a second one would not.
        first = new_msgid("small-1")
        s = self.smtp()
        self.assertEqual(s.sendmail("someone@good.example", [SMALL],
                                    make_message("first", first, to=SMALL, body="a" * 1800 + "\r\n")), {})
        self.assertStoredOnce(first, SMALL)
        second = new_msgid("small-2")
        s = self.smtp()
        self.assertEqual(s.mail("someone@good.example")[0], 250)
        self.assertEqual(s.rcpt(SMALL)[0], 250, "no SIZE declared: known only after DATA")
        self.assertEqual(s.rcpt(DEMO_ADDRESS)[0], 250)
        code, text = s.data(make_message("second", second, to=SMALL, body="b" * 1800 + "\r\n"))
        # Temporary and for the whole message (RFC 5321 §4.1.1.4: no partial
        # failure after DATA): stored for nobody, the client retries later.
        self.assertEqual(code, 452, text)
        self.assertTrue(text.startswith(b"4.2.2 Mailbox full"), text)
        self.assertNotStored(second, SMALL)
        self.assertNotStored(second, DEMO_ADDRESS)
        # A message larger than the whole quota, to that one recipient, can
        # never be delivered: 552.
        s = self.smtp()
        self.assertEqual(s.mail("someone@good.example")[0], 250)
        self.assertEqual(s.rcpt(SMALL)[0], 250)
        code, text = s.data(make_message("huge", new_msgid("small-huge"), to=SMALL, body="c" * 4000 + "\r\n"))
        self.assertEqual(code, 552, text)
        self.assertTrue(text.startswith(b"5.2.2 "), text)
        self.assertEqual(self.usage(SMALL)[1], before[1] + 1)
        # Room made (the first message expunged over IMAP): the retry succeeds.
        m = self.srv.imap(SMALL, self.passwords[SMALL])
        try:
            m.select("INBOX")
            m.store("1:*", "+FLAGS", "(\\Deleted)")
            m.expunge()
        finally:
            m.logout()
        s = self.smtp()
        self.assertEqual(s.sendmail("someone@good.example", [SMALL],
                                    make_message("second", second, to=SMALL, body="b" * 1800 + "\r\n")), {})
        self.assertStoredOnce(second, SMALL)

    # --- the Sent copy

    def test_sent_copy_follows_the_address_setting(self):
        def submit(tag):
            msgid = new_msgid(tag)
            s = self.smtp("submission_plain")
            self.assertEqual(s.login(QUIET, self.passwords[QUIET])[0], 235)
            self.assertEqual(s.sendmail(QUIET, [DEMO_ADDRESS], make_message(tag, msgid, sender=QUIET)), {})
            self.assertStoredOnce(msgid, DEMO_ADDRESS)
            return msgid

        before = self.usage(QUIET)
        off = submit("sent-off")
        self.assertNotStored(off, QUIET, "Sent")
        self.assertEqual(self.usage(QUIET), before, "nothing was stored for the sender")
        self.assertFalse(self.srv.admin_json("address", "show", QUIET)["save_sent"])
        self.srv.admin_json("address", "set", QUIET, "--save-sent", "yes")
        try:
            on = submit("sent-on")
            self.assertIn("\\Seen", self.assertStoredOnce(on, QUIET, "Sent").flags)
        finally:
            self.srv.admin_json("address", "set", QUIET, "--save-sent", "no")

    def test_the_demo_address_keeps_its_sent_copy(self):
        msgid = new_msgid("sent-default")
        s = self.smtp("submission_plain")
        self.assertEqual(s.login(DEMO_ADDRESS, self.srv.password)[0], 235)
        self.assertEqual(s.sendmail(DEMO_ADDRESS, [QUIET], make_message("default", msgid, sender=DEMO_ADDRESS, to=QUIET)),
                         {})
        self.assertStoredOnce(msgid, DEMO_ADDRESS, "Sent")
        self.assertStoredOnce(msgid, QUIET)


if __name__ == "__main__":
    unittest.main()
