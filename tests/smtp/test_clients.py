"""Real SMTP clients against the MX and submission listeners: swaks (Perl,
Net::SSLeay) and curl (libcurl's SMTP). Each runs as a child process with
a deadline; its transcript is kept in the failure message. Every delivery
is checked by reading the mailbox back over IMAP.
"""

import os
import shutil
import subprocess
import unittest

from smtp_test import DEMO_ADDRESS, DEMO_ADMIN, Instance, make_message, new_msgid, strip_received

CLIENT_TIMEOUT = 30
TEAM = "team@demo.example"


def run_client(args, timeout=CLIENT_TIMEOUT):
    """(exit code, stdout+stderr as text); None as the code when killed."""
    try:
        p = subprocess.run(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=timeout)
    except subprocess.TimeoutExpired as e:
        return None, (e.stdout or b"").decode(errors="replace") + "\n[killed after %d s]" % timeout
    return p.returncode, p.stdout.decode(errors="replace")


class ClientTestCase(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.srv = Instance("clients", "localhost",
                           ["mx", "submission", "submission_plain", "submissions", "imap", "http"])
        cls.addClassCleanup(cls.srv.remove)
        cls.srv.admin_json("address", "create", TEAM)
        cls.srv.admin_json("access", "grant", TEAM, DEMO_ADMIN)
        cls.team_password = cls.srv.device_password(TEAM, DEMO_ADMIN, "team")
        cls.srv.start()

    def setUp(self):
        self.assertTrue(self.srv.alive(), "the server died:\n" + self.srv.log())

    def port(self, kind):
        return str(self.srv.ports[kind])

    def assertStoredOnce(self, msgid, folder="INBOX", **kw):
        found = self.srv.with_id(msgid, folder, **kw)
        self.assertEqual(len(found), 1, "%s in %s: %r\n%s" % (msgid, folder, found, self.srv.log()[-3000:]))
        return found[0]


@unittest.skipUnless(shutil.which("swaks"), "swaks is not installed (scripts/setup.sh installs it)")
class SwaksTest(ClientTestCase):
    def swaks(self, kind, *args):
        return run_client(["swaks", "--server", "127.0.0.1", "--port", self.port(kind), "--ehlo", "swaks.e2e.test",
                           "--timeout", "20", "-nth", *args])

    def tls_verify(self):
        return ["--tls-verify", "--tls-ca-path", self.srv.cert]

    def test_to_the_mx(self):
        msgid = new_msgid("swaks-mx")
        code, out = self.swaks("mx", "--from", "ana@example.org", "--to", DEMO_ADDRESS,
                               "--header", "Message-Id: " + msgid, "--header", "Subject: swaks to the MX",
                               "--body", "Hello from swaks.")
        self.assertEqual(code, 0, out)
        self.assertRegex(out, r"(?m)^250 2\.0\.0 ok")
        stored = self.assertStoredOnce(msgid)
        self.assertIn(b"Subject: swaks to the MX\r\n", stored.raw)
        self.assertIn(b"\r\n\r\nHello from swaks.\r\n", stored.raw)
        self.assertRegex(stored.received()[0], r"^from swaks\.e2e\.test \(\[127\.0\.0\.1\]\) by localhost .* with ESMTP ")

    def test_pipelined_to_two_local_mailboxes(self):
        msgid = new_msgid("swaks-pipe")
        code, out = self.swaks("mx", "--pipeline", "--from", "ana@example.org", "--to", "%s,%s" % (DEMO_ADDRESS, TEAM),
                               "--header", "Message-Id: " + msgid)
        self.assertEqual(code, 0, out)
        self.assertIn("PIPELINING", out)
        self.assertStoredOnce(msgid)
        self.assertStoredOnce(msgid, user=TEAM, password=self.team_password)

    def test_relay_is_refused(self):
        code, out = self.swaks("mx", "--from", "ana@example.org", "--to", "someone@other.example")
        self.assertNotEqual(code, 0, out)
        self.assertRegex(out, r"(?m)^550 5\.7\.1 ")

    def test_submission_starttls_and_auth(self):
        for mech in ("PLAIN", "LOGIN"):
            with self.subTest(mech=mech):
                msgid = new_msgid("swaks-sub-" + mech)
                code, out = self.swaks("submission", "--tls", *self.tls_verify(), "--auth", mech,
                                       "--auth-user", DEMO_ADDRESS, "--auth-password", self.srv.password,
                                       "--from", DEMO_ADDRESS, "--to", TEAM, "--header", "Message-Id: " + msgid)
                self.assertEqual(code, 0, out)
                self.assertIn("TLS started", out)
                self.assertRegex(out, r"(?m)^235 2\.7\.0 ")
                stored = self.assertStoredOnce(msgid, user=TEAM, password=self.team_password)
                self.assertRegex(stored.received()[0], r"with ESMTPSA ")
                self.assertStoredOnce(msgid, folder="Sent")

    def test_submission_without_tls_offers_no_auth(self):
        code, out = self.swaks("submission", "--auth", "PLAIN", "--auth-user", DEMO_ADDRESS,
                               "--auth-password", self.srv.password, "--from", DEMO_ADDRESS, "--to", TEAM)
        self.assertNotEqual(code, 0, out)
        self.assertIn("did not advertise authentication", out)

    def test_submission_wrong_password(self):
        code, out = self.swaks("submission", "--tls", *self.tls_verify(), "--auth", "PLAIN",
                               "--auth-user", DEMO_ADDRESS, "--auth-password", "not-my-password",
                               "--from", DEMO_ADDRESS, "--to", TEAM)
        self.assertNotEqual(code, 0, out)
        self.assertRegex(out, r"(?m)^535 5\.7\.8 ")

    def test_implicit_tls_with_pipelining(self):
        msgid = new_msgid("swaks-tlsc")
        code, out = self.swaks("submissions", "--tls-on-connect", *self.tls_verify(), "--pipeline", "--auth", "PLAIN",
                               "--auth-user", DEMO_ADDRESS, "--auth-password", self.srv.password,
                               "--from", DEMO_ADDRESS, "--to", DEMO_ADDRESS, "--header", "Message-Id: " + msgid)
        self.assertEqual(code, 0, out)
        self.assertStoredOnce(msgid)
        self.assertStoredOnce(msgid, folder="Sent")

    def test_submission_as_someone_else_is_refused(self):
        code, out = self.swaks("submission_plain", "--auth", "PLAIN", "--auth-user", DEMO_ADDRESS,
                               "--auth-password", self.srv.password, "--from", "ceo@demo.example", "--to", TEAM)
        self.assertNotEqual(code, 0, out)
        self.assertRegex(out, r"(?m)^550 5\.7\.1 ")


@unittest.skipUnless(shutil.which("curl"), "curl is not installed (scripts/setup.sh installs it)")
class CurlTest(ClientTestCase):
    def message_file(self, msg):
        path = os.path.join(self.srv.dir, "msg-%s.txt" % self.id().rsplit(".", 1)[-1])
        with open(path, "wb") as f:
            f.write(msg)
        self.addCleanup(os.unlink, path)
        return path

    def curl(self, url, sender, rcpts, path, *args):
        cmd = ["curl", "-sS", "-v", "--max-time", "20", url, "--mail-from", sender, "--upload-file", path, *args]
        for r in rcpts:
            cmd += ["--mail-rcpt", r]
        return run_client(cmd)

    def test_to_the_mx(self):
        msgid = new_msgid("curl-mx")
        # A line with a lone dot: curl must stuff it, the server unstuff it.
        msg = make_message("curl to the MX", msgid, body="one\r\n.\r\n..two\r\nend\r\n")
        code, out = self.curl("smtp://127.0.0.1:%s" % self.port("mx"), "ana@example.org", [DEMO_ADDRESS],
                              self.message_file(msg))
        self.assertEqual(code, 0, out)
        self.assertEqual(strip_received(self.assertStoredOnce(msgid).raw), msg)

    def test_lf_file_with_crlf_option(self):
        msgid = new_msgid("curl-crlf")
        msg = make_message("curl --crlf", msgid, body="unix line endings\r\n")
        code, out = self.curl("smtp://127.0.0.1:%s" % self.port("mx"), "ana@example.org", [DEMO_ADDRESS],
                              self.message_file(msg.replace(b"\r\n", b"\n")), "--crlf")
        self.assertEqual(code, 0, out)
        self.assertEqual(strip_received(self.assertStoredOnce(msgid).raw), msg)

    def test_lf_file_without_crlf_is_refused(self):
        # Bare LF line endings: refused (RFC 5321 §2.3.8), nothing stored.
        msgid = new_msgid("curl-lf")
        msg = make_message("curl bare LF", msgid).replace(b"\r\n", b"\n")
        code, out = self.curl("smtp://127.0.0.1:%s" % self.port("mx"), "ana@example.org", [DEMO_ADDRESS],
                              self.message_file(msg))
        self.assertNotEqual(code, 0, out)
        self.assertIn("550", out)
        self.assertEqual(self.srv.with_id(msgid), [])

    def test_submission_starttls(self):
        msgid = new_msgid("curl-starttls")
        msg = make_message("curl starttls", msgid, sender=DEMO_ADDRESS, to=TEAM)
        code, out = self.curl("smtp://127.0.0.1:%s" % self.port("submission"), DEMO_ADDRESS, [TEAM],
                              self.message_file(msg), "--ssl-reqd", "--cacert", self.srv.cert,
                              "--user", "%s:%s" % (DEMO_ADDRESS, self.srv.password))
        self.assertEqual(code, 0, out)
        self.assertIn("STARTTLS", out)
        stored = self.assertStoredOnce(msgid, user=TEAM, password=self.team_password)
        self.assertEqual(strip_received(stored.raw), msg)
        self.assertStoredOnce(msgid, folder="Sent")

    def test_submissions_implicit_tls(self):
        msgid = new_msgid("curl-smtps")
        msg = make_message("curl smtps", msgid, sender=DEMO_ADDRESS)
        code, out = self.curl("smtps://127.0.0.1:%s" % self.port("submissions"), DEMO_ADDRESS, [DEMO_ADDRESS],
                              self.message_file(msg), "--cacert", self.srv.cert,
                              "--user", "%s:%s" % (DEMO_ADDRESS, self.srv.password))
        self.assertEqual(code, 0, out)
        self.assertStoredOnce(msgid)
        self.assertStoredOnce(msgid, folder="Sent")

    def test_submission_plaintext_listener(self):
        msgid = new_msgid("curl-plain")
        msg = make_message("curl plain", msgid, sender=DEMO_ADDRESS, to=TEAM)
        code, out = self.curl("smtp://127.0.0.1:%s" % self.port("submission_plain"), DEMO_ADDRESS, [TEAM],
                              self.message_file(msg), "--user", "%s:%s" % (DEMO_ADDRESS, self.srv.password))
        self.assertEqual(code, 0, out)
        self.assertStoredOnce(msgid, user=TEAM, password=self.team_password)

    def test_submission_wrong_password(self):
        msg = make_message("curl wrong", new_msgid("curl-wrong"), sender=DEMO_ADDRESS)
        code, out = self.curl("smtp://127.0.0.1:%s" % self.port("submission_plain"), DEMO_ADDRESS, [TEAM],
                              self.message_file(msg), "--user", "%s:wrong" % DEMO_ADDRESS)
        self.assertEqual(code, 67, out)  # CURLE_LOGIN_DENIED
        self.assertIn("535", out)

    def test_submission_without_user_is_refused(self):
        msg = make_message("curl anon", new_msgid("curl-anon"), sender=DEMO_ADDRESS)
        code, out = self.curl("smtp://127.0.0.1:%s" % self.port("submission_plain"), DEMO_ADDRESS, [TEAM],
                              self.message_file(msg))
        self.assertNotEqual(code, 0, out)
        self.assertIn("530", out)


if __name__ == "__main__":
    unittest.main()
