"""DKIM and DMARC end to end, checked against an independent implementation
(Debian's python3-dkim, through tests/smtp/dkim_tool.py):

- mail submitted from a served domain carries an Ed25519 and an RSA
  signature that dkimpy verifies with the keys of the domain's zone, and
  that fail once the message is changed;
- mail signed by dkimpy reaches the MX, which verifies it and reports
  spf, dkim and dmarc in one Authentication-Results field;
- each DMARC policy as the MX applies it: p=reject refused with 550 5.7.1
  (Junk for a domain set to quarantine only), p=quarantine to Junk, p=none
  and aligned passes to the INBOX.

DNS answers come from tests/cli/dns_stub.py on 127.0.0.1."""

import base64
import json
import os
import re
import smtplib
import subprocess
import sys
import tempfile
import unittest

from smtp_test import DEMO_ADDRESS, DEMO_ADMIN, Instance, make_message, new_msgid, open_smtp, run

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cli"))
from dns_stub import DnsStub  # noqa: E402

TOOL = os.path.join(os.path.dirname(os.path.abspath(__file__)), "dkim_tool.py")
SYSTEM_PYTHON = "/usr/bin/python3"  # Debian's, with python3-dkim
LENIENT = "boss@lenient.example"    # its domain files DMARC p=reject failures in Junk


def txt_of(data):
    """A zone's TXT data ('"a" "b"') as one string."""
    return "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', data))


def auth_results(raw):
    unfolded = re.sub(rb"\r\n[ \t]+", b" ", raw.split(b"\r\n\r\n", 1)[0]).decode()
    return re.findall(r"(?im)^Authentication-Results:(.*)$", unfolded)


class DkimTest(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="estafeta-dkim-")
        cls.key = os.path.join(cls.tmp, "key.pem")
        subprocess.run(["openssl", "genrsa", "-out", cls.key, "2048"], check=True, capture_output=True, timeout=60)
        der = subprocess.run(["openssl", "rsa", "-in", cls.key, "-pubout", "-outform", "DER"], check=True,
                             capture_output=True, timeout=60).stdout
        public = base64.b64encode(der).decode()
        spf_fail = "v=spf1 ip4:192.0.2.1 -all"  # the test's client is 127.0.0.1
        cls.zone = DnsStub({
            ("sel._domainkey.signer.example", "TXT"): ["v=DKIM1; k=rsa; p=" + public],
            ("signer.example", "TXT"): [spf_fail],
            ("_dmarc.signer.example", "TXT"): ["v=DMARC1; p=reject"],
            ("reject.example", "TXT"): [spf_fail],
            ("_dmarc.reject.example", "TXT"): ["v=DMARC1; p=reject"],
            ("quar.example", "TXT"): [spf_fail],
            ("_dmarc.quar.example", "TXT"): ["v=DMARC1; p=quarantine"],
            ("none.example", "TXT"): ["v=spf1 ip4:192.0.2.1 ?all"],
            ("_dmarc.none.example", "TXT"): ["v=DMARC1; p=none"],
            ("good.example", "TXT"): ["v=spf1 ip4:127.0.0.0/8 -all"],
            ("_dmarc.good.example", "TXT"): ["v=DMARC1; p=reject"],
        }).start()
        cls.addClassCleanup(cls.zone.stop)
        cls.srv = Instance("dkim", "localhost", ["mx", "submission_plain", "imap", "http"], dns_port=cls.zone.port)
        cls.addClassCleanup(cls.srv.remove)
        srv = cls.srv
        srv.admin_json("domain", "add", "--service", "demo-mail", "lenient.example")
        r = srv.admin_json("domain", "set", "lenient.example", "--dmarc-reject", "quarantine")
        assert r["dmarc_reject"] == "quarantine", r
        srv.admin_json("address", "create", LENIENT)
        srv.admin_json("access", "grant", LENIENT, DEMO_ADMIN)
        cls.passwords = {DEMO_ADDRESS: srv.password, LENIENT: srv.device_password(LENIENT, DEMO_ADMIN, "dkim")}
        srv.start()

    def setUp(self):
        self.assertTrue(self.srv.alive(), "the server died:\n" + self.srv.log())

    def stored(self, msgid, address=DEMO_ADDRESS, folder="INBOX"):
        found = self.srv.wait_for(msgid, folder, user=address, password=self.passwords[address], timeout=10)
        self.assertEqual(len(found), 1, "%s in %s of %s\n%s" % (msgid, folder, address, self.srv.log()[-3000:]))
        return found[0]

    def dkimpy(self, *args, data):
        r = subprocess.run([SYSTEM_PYTHON, TOOL, *args], input=data, capture_output=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        return r.stdout

    def zone_keys(self):
        zone = json.loads(run("dns", "--config", self.srv.config, "--json", "zone", "show", "demo.example").out)
        return {rec["name"]: txt_of(rec["data"]) for rec in zone["records"] if "._domainkey." in rec["name"]}

    def send_mx(self, sender, message, to=DEMO_ADDRESS):
        s = open_smtp(self, self.srv.ports["mx"])
        try:
            s.ehlo("client.example")
            s.sendmail(sender, [to], message)
        finally:
            s.close()

    def test_submitted_mail_verifies_with_an_independent_verifier(self):
        msgid = new_msgid("signed")
        msg = make_message("signed here", msgid, sender="Hello <hello@demo.example>", to=DEMO_ADDRESS,
                           body="Line one.\r\nLine two  with  spaces \r\n\r\n\r\n")
        s = open_smtp(self, self.srv.ports["submission_plain"])
        s.login(DEMO_ADDRESS, self.srv.password)
        s.sendmail(DEMO_ADDRESS, [DEMO_ADDRESS], msg)
        s.quit()
        raw = self.stored(msgid).raw
        records = os.path.join(self.tmp, "records.json")
        with open(records, "w") as f:
            json.dump(self.zone_keys(), f)
        lines = self.dkimpy("verify", records, data=raw).decode().split("\n")
        results = sorted(tuple(line.split()) for line in lines if line)
        self.assertEqual([(d, a, v) for d, s_, a, v in results],
                         [("demo.example", "ed25519-sha256", "pass"), ("demo.example", "rsa-sha256", "pass")], raw[:2000])
        changed = raw.replace(b"Line two", b"Line 2")
        lines = self.dkimpy("verify", records, data=changed).decode().split("\n")
        self.assertEqual(sorted(line.split()[-1] for line in lines if line), ["fail", "fail"])

    def test_mail_signed_elsewhere_passes_dkim_and_dmarc(self):
        msgid = new_msgid("dkimpy")
        msg = make_message("signed by dkimpy", msgid, sender="Ana <ana@signer.example>")
        signed = self.dkimpy("sign", self.key, "sel", "signer.example", data=msg)
        self.send_mx("ana@signer.example", signed)  # SPF fails: DKIM alone aligns
        stored = self.stored(msgid)
        results = auth_results(stored.raw)
        self.assertEqual(len(results), 1, results)
        self.assertIn("spf=fail", results[0])
        self.assertRegex(results[0], r"dkim=pass header\.d=signer\.example header\.s=sel header\.b=\S+")
        self.assertIn("dmarc=pass (p=reject) header.from=signer.example", results[0])
        # Changed in transit: the signature fails, so does DMARC, and p=reject refuses it.
        forged = signed.replace(b"Hello.", b"Hullo.")
        with self.assertRaises(smtplib.SMTPDataError) as e:
            self.send_mx("ana@signer.example", forged)
        self.assertEqual(e.exception.smtp_code, 550)
        self.assertIn(b"5.7.1", e.exception.smtp_error)
        self.assertIn(b"DMARC", e.exception.smtp_error)

    def test_each_dmarc_policy(self):
        # p=reject, no alignment: refused; a domain set to quarantine only takes it into Junk.
        with self.assertRaises(smtplib.SMTPDataError) as e:
            self.send_mx("x@reject.example", make_message("reject", new_msgid("r"), sender="x@reject.example"))
        self.assertEqual(e.exception.smtp_code, 550)
        msgid = new_msgid("lenient")
        self.send_mx("x@reject.example", make_message("lenient", msgid, sender="x@reject.example", to=LENIENT),
                     to=LENIENT)
        self.assertIn("dmarc=fail (p=reject", auth_results(self.stored(msgid, LENIENT, "Junk").raw)[0])
        # p=quarantine: Junk.
        msgid = new_msgid("quar")
        self.send_mx("x@quar.example", make_message("quarantine", msgid, sender="x@quar.example"))
        self.assertIn("dmarc=fail (p=quarantine", auth_results(self.stored(msgid, folder="Junk").raw)[0])
        # p=none: the INBOX, the failure reported.
        msgid = new_msgid("none")
        self.send_mx("x@none.example", make_message("none", msgid, sender="x@none.example"))
        self.assertIn("dmarc=fail (p=none", auth_results(self.stored(msgid).raw)[0])
        # SPF aligned: a pass, however strict the policy.
        msgid = new_msgid("good")
        self.send_mx("x@good.example", make_message("good", msgid, sender="x@good.example"))
        results = auth_results(self.stored(msgid).raw)[0]
        self.assertIn("spf=pass", results)
        self.assertIn("dkim=none", results)
        self.assertIn("dmarc=pass (p=reject) header.from=good.example", results)


if __name__ == "__main__":
    unittest.main()
