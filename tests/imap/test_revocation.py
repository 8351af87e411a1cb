"""Revocations made from the CLI end open IMAP sessions: a device password
(lost phone), every device of one access (--devices-only), a whole access,
and a locked mail service. The CLI is a separate process; the server relays
the change from the store's event log, and the session gets `* BYE`.

Each test has its own server: revocations cannot be undone.
"""

import imaplib
import time
import unittest

from imap_test import (DEMO_ADDRESS, DEMO_ADMIN, DEMO_SERVICE, EXIT_OK, MailServer, logout, make_message,
                       uid_of_append)

BYE_WITHIN = 3.0  # seconds from the CLI's exit to the BYE


class RevocationTest(unittest.TestCase):
    maxDiff = None

    def setUp(self):
        self.mail = MailServer()
        self.addCleanup(self.mail.remove)
        self.mail.start()

    def cli(self, *args):
        r = self.mail.admin(*args)
        self.assertEqual(r.code, EXIT_OK, repr(r))
        return r

    def session(self, password, idle=False, select=True):
        """A raw session logged in with `password`; INBOX selected; in IDLE if asked."""
        c = self.mail.raw()
        self.addCleanup(c.close)
        c.login(DEMO_ADDRESS, password)
        if select:
            _, tagged = c.command("SELECT INBOX")
            self.assertRegex(tagged, rb"^r\d+ OK")
        if idle:
            c.send("idle IDLE\r\n")
            self.assertTrue(c.line().startswith(b"+ "))
        return c

    def imaplib_session(self, password):
        m = self.mail.imap(password=password)
        self.addCleanup(logout, m)
        self.assertEqual(m.select("INBOX")[0], "OK")
        return m

    def assertEndedWithBye(self, c, t0, fragment):
        """`c` gets `* BYE …fragment…` within BYE_WITHIN of t0, then the connection closes."""
        try:
            line = c.line(max(0.01, t0 + BYE_WITHIN - time.monotonic()))
        except (TimeoutError, EOFError) as e:
            self.fail("no BYE within %.0f s (%s)\n%s" % (BYE_WITHIN, e, self.mail.log()[-3000:]))
        elapsed = time.monotonic() - t0
        self.assertTrue(line.startswith(b"* BYE "), line)
        self.assertIn(fragment, line)
        self.assertLess(elapsed, BYE_WITHIN)
        self.assertTrue(c.closed(3), "the connection stayed open after BYE")
        return elapsed

    def assertAlive(self, c):
        untagged, tagged = c.command("NOOP", timeout=5)
        self.assertRegex(tagged, rb"^r\d+ OK")
        untagged, tagged = c.command("UID FETCH 1:* (FLAGS)", timeout=5)
        self.assertRegex(tagged, rb"^r\d+ OK")

    def device(self, label, login=DEMO_ADMIN):
        return self.mail.device_password(label, login=login)

    def revoked(self, device_id):
        for d in self.mail.admin_json("device-password", "list", DEMO_ADDRESS):
            if d["id"] == device_id:
                return d["revoked"] is not None
        self.fail("device %d not listed" % device_id)

    def test_revoking_a_device_ends_its_session_only(self):
        id_a, pw_a = self.device("phone A")
        id_b, pw_b = self.device("laptop B")
        writer = self.imaplib_session(self.mail.password)
        uid = uid_of_append(writer.append("INBOX", None, None, make_message("before the revocation")))
        a = self.session(pw_a, idle=True)
        b = self.imaplib_session(pw_b)

        t0 = time.monotonic()
        self.cli("device-password", "revoke", str(id_a))
        elapsed = self.assertEndedWithBye(a, t0, b"revoked")
        self.assertIn("event=imap.session_ended", self.mail.log())
        self.assertTrue(self.revoked(id_a))
        self.assertFalse(self.revoked(id_b))

        # B (another device of the same user and address) goes on.
        self.assertEqual(b.noop()[0], "OK")
        typ, data = b.uid("FETCH", str(uid), "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
        self.assertEqual(typ, "OK")
        self.assertIn(b"Subject: before the revocation", data[0][1])
        # The quickstart device too.
        self.assertEqual(writer.noop()[0], "OK")

        # A's password no longer logs in; B's still does.
        m = self.mail.imap(login=False)
        self.addCleanup(logout, m)
        with self.assertRaisesRegex(imaplib.IMAP4.error, "AUTHENTICATIONFAILED"):
            m.login(DEMO_ADDRESS, pw_a)
        m2 = self.mail.imap(password=pw_b)
        self.addCleanup(logout, m2)
        self.assertEqual(m2.noop()[0], "OK")
        print("\n  BYE %.0f ms after the CLI revoked the device" % (elapsed * 1000), end=" ")

    def test_revocation_reaches_sessions_not_in_idle(self):
        id_a, pw_a = self.device("phone A")
        selected = self.session(pw_a)                       # selected, between commands
        authenticated = self.session(pw_a, select=False)    # logged in, nothing selected
        tls = self.mail.imap_ssl()                          # over implicit TLS, through imaplib
        self.addCleanup(logout, tls)
        tls.login(DEMO_ADDRESS, pw_a)
        tls.select("INBOX")

        t0 = time.monotonic()
        self.cli("device-password", "revoke", str(id_a))
        self.assertEndedWithBye(selected, t0, b"revoked")
        self.assertEndedWithBye(authenticated, t0, b"revoked")
        # imaplib sees the BYE at its next command, at the latest.
        time.sleep(max(0.0, t0 + BYE_WITHIN - time.monotonic()))
        with self.assertRaises((imaplib.IMAP4.abort, imaplib.IMAP4.error, OSError)):
            tls.noop()
            tls.noop()
        self.assertIn("BYE", tls.untagged_responses)

    def test_access_revoke_devices_only_ends_every_device_of_that_access(self):
        _, pw_b = self.device("laptop B")
        bob_password = self.mail.add_user("bob")
        a = self.session(self.mail.password, idle=True)
        b = self.session(pw_b)
        bob = self.session(bob_password, idle=True)

        t0 = time.monotonic()
        self.cli("access", "revoke", DEMO_ADDRESS, DEMO_ADMIN, "--devices-only")
        self.assertEndedWithBye(a, t0, b"revoked")
        self.assertEndedWithBye(b, t0, b"revoked")
        for d in self.mail.admin_json("device-password", "list", DEMO_ADDRESS, "--login", DEMO_ADMIN):
            self.assertIsNotNone(d["revoked"], d)

        # Another user's access is untouched.
        bob.send("DONE\r\n")
        _, tagged = bob.until_tagged("idle", timeout=5)
        self.assertRegex(tagged, rb"^idle OK")
        self.assertAlive(bob)

        # The access itself is kept: a new device works.
        _, pw_new = self.device("new phone")
        c = self.session(pw_new)
        self.assertAlive(c)

    def test_access_revoke_ends_only_that_users_sessions(self):
        bob_password = self.mail.add_user("bob")
        admin = self.session(self.mail.password, idle=True)
        bob = self.session(bob_password, idle=True)

        t0 = time.monotonic()
        self.cli("access", "revoke", DEMO_ADDRESS, "bob")
        self.assertEndedWithBye(bob, t0, b"revoked")
        admin.send("DONE\r\n")
        _, tagged = admin.until_tagged("idle", timeout=5)
        self.assertRegex(tagged, rb"^idle OK")
        self.assertAlive(admin)

    def test_service_lock_ends_sessions_of_every_access(self):
        bob_password = self.mail.add_user("bob")
        admin = self.session(self.mail.password)
        bob = self.session(bob_password, idle=True)

        t0 = time.monotonic()
        self.cli("service", "lock", DEMO_SERVICE)
        self.assertEndedWithBye(bob, t0, b"locked")
        self.assertEndedWithBye(admin, t0, b"locked")

        # No new session while locked; the same password works once unlocked.
        c = self.mail.raw()
        self.addCleanup(c.close)
        _, tagged = c.command('LOGIN "%s" "%s"' % (DEMO_ADDRESS, bob_password))
        self.assertRegex(tagged, rb"^r\d+ NO ")
        self.cli("service", "unlock", DEMO_SERVICE)
        m = self.mail.imap(password=bob_password)
        self.addCleanup(logout, m)
        self.assertEqual(m.select("INBOX")[0], "OK")


if __name__ == "__main__":
    unittest.main()
