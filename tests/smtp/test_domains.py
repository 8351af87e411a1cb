"""Domain claims: an organisation cannot take another's mail by adding its
domain. A domain an organisation's admin adds is pending until a DNS TXT
record proves control of it (or an operator approves it); a pending domain
takes no mail (the MX refuses it as relaying), submission sends mail for it
on to the domain's own servers instead of into the claimant's mailboxes, and
no address can be created in it. Logins inside another organisation's domain
are refused.

The organisation's admin acts through `estafeta admin --as LOGIN` (the rights
the web console will give them); DNS answers come from a stub on 127.0.0.1.
"""

import os
import sys
import unittest

from smtp_test import DEMO_ADDRESS, EXIT_OK, Instance, make_message, new_msgid, open_smtp

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cli"))
from dns_stub import DnsStub  # noqa: E402

EVIL = "admin@evil.test"


class DomainClaimTest(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.zone = DnsStub({}).start()
        cls.addClassCleanup(cls.zone.stop)
        cls.srv = Instance("domains", "localhost", ["mx", "submission_plain", "imap", "http"], dns_port=cls.zone.port)
        cls.addClassCleanup(cls.srv.remove)
        srv = cls.srv
        srv.admin_json("org", "create", "Evil")
        srv.admin_json("user", "create", "--org", "Evil", "--login", EVIL, "--name", "Evil Admin", "--role", "admin")
        srv.admin_json("service", "create", "--org", "Evil", "evil-mail")
        srv.start()

    def evil(self, *args):
        return self.srv.admin("--as", EVIL, *args)

    def test_a_claimed_domain_takes_no_mail_until_its_dns_proves_it(self):
        r = self.evil("--json", "domain", "add", "--service", "evil-mail", "Partner.Test")
        self.assertEqual(r.code, EXIT_OK, repr(r))
        claim = r.json()
        self.assertFalse(claim["verified"])
        self.assertEqual(claim["verification_name"], "_estafeta.partner.test")
        self.assertRegex(claim["verification_value"], r"^estafeta-verify=[0-9a-f]{32}$")

        # No address inside the claim.
        r = self.evil("address", "create", "bob@partner.test")
        self.assertNotEqual(r.code, EXIT_OK, repr(r))
        self.assertIn("not verified", r.err)

        # The MX does not take its mail: not a domain served here.
        mx = open_smtp(self, self.srv.ports["mx"])
        mx.ehlo()
        mx.mail("someone@elsewhere.example")
        code, text = mx.rcpt("bob@partner.test")
        self.assertEqual(code, 550, text)
        mx.quit()

        # Another organisation's users still send to partner.test: the mail
        # goes out (queued for the domain's own servers), not into Evil's hands.
        msgid = new_msgid("partner")
        s = open_smtp(self, self.srv.ports["submission_plain"])
        s.login(DEMO_ADDRESS, self.srv.password)
        s.sendmail(DEMO_ADDRESS, ["bob@partner.test"], make_message("to the partner", msgid, sender=DEMO_ADDRESS,
                                                                     to="bob@partner.test"))
        s.quit()
        trace = self.srv.admin_json("trace", DEMO_ADDRESS, "--since", "1h")
        out = [t for t in trace if t["recipient"] == "bob@partner.test"]
        self.assertTrue(out, trace)
        self.assertEqual(out[0]["status"], "queued", out)

        # A TXT record with another value proves nothing; the right one does.
        self.zone.records[("_estafeta.partner.test", "TXT")] = ["estafeta-verify=" + "0" * 32]
        r = self.evil("domain", "verify", "partner.test")
        self.assertNotEqual(r.code, EXIT_OK, repr(r))
        self.assertIn("no TXT record", r.err)
        self.zone.records[("_estafeta.partner.test", "TXT")] = [claim["verification_value"]]
        r = self.evil("--json", "domain", "verify", "partner.test")
        self.assertEqual(r.code, EXIT_OK, repr(r))
        self.assertTrue(r.json()["verified"])

        # Now it is Evil's to use, with its own addresses.
        r = self.evil("address", "create", "bob@partner.test")
        self.assertEqual(r.code, EXIT_OK, repr(r))
        mx = open_smtp(self, self.srv.ports["mx"])
        mx.ehlo()
        mx.mail("someone@elsewhere.example")
        code, text = mx.rcpt("bob@partner.test")
        self.assertEqual(code, 250, text)
        mx.quit()

    def test_only_an_operator_approves_without_dns(self):
        r = self.evil("domain", "add", "--service", "evil-mail", "approved.test")
        self.assertEqual(r.code, EXIT_OK, repr(r))
        r = self.evil("domain", "approve", "approved.test")
        self.assertNotEqual(r.code, EXIT_OK, repr(r))
        self.assertIn("operator", r.err)
        r = self.srv.admin("--json", "domain", "approve", "approved.test")
        self.assertEqual(r.code, EXIT_OK, repr(r))
        self.assertTrue(r.json()["verified"])
        domains = {d["name"]: d for d in self.srv.admin_json("domain", "list")}
        self.assertTrue(domains["approved.test"]["verified"])
        self.assertTrue(domains["demo.example"]["verified"], "an operator's domain is verified at once")

    def test_no_login_inside_another_organisations_domain(self):
        r = self.evil("user", "create", "--org", "Evil", "--login", "ceo@demo.example", "--name", "Not the CEO")
        self.assertNotEqual(r.code, EXIT_OK, repr(r))
        self.assertIn("another organisation", r.err)
        r = self.evil("user", "create", "--org", "Evil", "--login", "intern@evil-people.example", "--name", "Intern")
        self.assertEqual(r.code, EXIT_OK, repr(r))

    def test_a_claim_cannot_reach_into_another_organisation(self):
        r = self.evil("domain", "add", "--service", "demo-mail", "sneaky.test")
        self.assertNotEqual(r.code, EXIT_OK, repr(r))
        r = self.evil("domain", "verify", "demo.example")
        self.assertNotEqual(r.code, EXIT_OK, repr(r))


if __name__ == "__main__":
    unittest.main()
