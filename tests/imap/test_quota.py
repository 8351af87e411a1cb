"""Quotas over IMAP (RFC 9208) with imaplib: the QUOTA capability for an
address that has a quota, GETQUOTAROOT and GETQUOTA, SETQUOTA refused,
APPEND and COPY over the quota refused with [OVERQUOTA], MOVE allowed,
STATUS DELETED-STORAGE. The quota is set with the admin CLI, in another
process, as an operator would; each test uses an address of its own.
"""

import re
import unittest

from imap_test import DEMO_ADDRESS, DEMO_ADMIN, ServerTestCase, make_message, tokenize_response


def quota_of(data):
    """The resource triplets of a QUOTA response: {name: (usage, limit)}."""
    root, resources = tokenize_response(data)
    out = {}
    for i in range(0, len(resources), 3):
        out[resources[i].decode()] = (int(resources[i + 1]), int(resources[i + 2]))
    return root, out


class QuotaTest(ServerTestCase):
    def address(self, *settings):
        """A new address for this test with a device password, and `settings`
        (address set options) applied; returns (address, password)."""
        local = "q-" + self.id().rsplit(".", 1)[-1].replace("_", "-")[5:45]
        name = local + "@demo.example"
        self.mail.admin_json("address", "create", name)
        self.mail.admin_json("access", "grant", name, DEMO_ADMIN)
        _, password = self.mail.device_password("quota", address=name)
        if settings:
            self.mail.admin_json("address", "set", name, *settings)
        return name, password

    def login(self, *settings):
        name, password = self.address(*settings)
        return name, self.connect(user=name, password=password)

    def capabilities(self, m):
        typ, data = m.capability()
        self.assertEqual(typ, "OK", data)
        return data[0].decode().upper().split()

    def test_no_quota_no_capability_and_no_root(self):
        _, m = self.login()
        self.assertNotIn("QUOTA", self.capabilities(m))
        typ, data = m.getquotaroot("INBOX")
        self.assertEqual(typ, "OK", data)
        roots, quotas = data
        self.assertEqual(roots, [b"INBOX"], "no quota root without a quota (RFC 9208 §4.2.2)")
        self.assertEqual(quotas, [None])
        typ, data = m.getquota('""')
        self.assertEqual(typ, "NO", data)
        # The demo address, untouched by these tests, has none either.
        self.assertNotIn("QUOTA", self.capabilities(self.connect()))

    def test_quota_is_announced_and_reported(self):
        _, m = self.login("--quota", "10K", "--quota-messages", "3")
        caps = self.capabilities(m)
        for cap in ("QUOTA", "QUOTA=RES-STORAGE", "QUOTA=RES-MESSAGE"):
            self.assertIn(cap, caps)
        self.assertNotIn("QUOTASET", caps, "limits are the administrator's to set")
        msg = make_message("counted", body="x" * 1500 + "\r\n")
        self.ok(m.append("INBOX", None, None, msg))
        typ, data = m.getquotaroot("Archive")
        self.assertEqual(typ, "OK", data)
        roots, quotas = data
        self.assertEqual(roots, [b'Archive ""'])
        root, resources = quota_of(quotas[0])
        self.assertEqual(root, b"")
        # STORAGE in units of 1024 octets, usage rounded up (RFC 9208 §5.1).
        self.assertEqual(resources, {"STORAGE": ((len(msg) + 1023) // 1024, 10), "MESSAGE": (1, 3)})
        typ, data = m.getquota('""')
        self.assertEqual(typ, "OK", data)
        self.assertEqual(quota_of(data[0])[1], resources)
        # A folder that does not exist yet still has the address's root (§4.1.2).
        typ, data = m.getquotaroot("Not/Yet")
        self.assertEqual(data[0], [b'Not/Yet ""'])

    def test_append_over_the_quota_is_refused_with_overquota(self):
        _, m = self.login("--quota", "3K")
        first = make_message("first", body="a" * 1500 + "\r\n")
        self.ok(m.append("INBOX", None, None, first))
        second = make_message("second", body="b" * 1500 + "\r\n")
        self.assertGreater(len(first) + len(second), 3 * 1024)
        typ, data = m.append("INBOX", None, None, second)
        self.assertEqual(typ, "NO", data)
        self.assertTrue(data[0].startswith(b"[OVERQUOTA] "), data)
        # Nothing of it was stored; a message that fits still goes in.
        typ, data = m.select("INBOX", readonly=True)
        self.assertEqual(data, [b"1"])
        self.ok(m.append("INBOX", None, None, make_message("small", body="c\r\n")))

    def test_copy_over_the_quota_is_refused_and_move_is_not(self):
        _, m = self.login("--quota-messages", "2")
        self.ok(m.append("INBOX", None, None, make_message("one")))
        self.ok(m.append("INBOX", None, None, make_message("two")))
        self.ok(m.select("INBOX"))
        typ, data = m.copy("1", "Archive")
        self.assertEqual(typ, "NO", data)
        self.assertTrue(data[0].startswith(b"[OVERQUOTA] "), data)
        # A move stays under the same quota root: it adds nothing.
        typ, data = m._simple_command("MOVE", "1", "Archive")
        self.assertEqual(typ, "OK", data)
        typ, data = m.status("Archive", "(MESSAGES)")
        self.assertIn(b"MESSAGES 1", data[0])
        typ, data = m.status("INBOX", "(MESSAGES)")
        self.assertIn(b"MESSAGES 1", data[0])

    def test_setquota_is_refused(self):
        _, m = self.login("--quota", "1M")
        typ, data = m.setquota('""', "(STORAGE 999999)")
        self.assertEqual(typ, "NO", data)
        self.assertIn(b"[NOPERM]", data[-1])
        typ, data = m.getquota('""')
        self.assertEqual(quota_of(data[0])[1], {"STORAGE": (0, 1024)})

    def test_quota_set_and_lifted_while_logged_in(self):
        name, m = self.login()
        self.assertNotIn("QUOTA", self.capabilities(m))
        self.mail.admin_json("address", "set", name, "--quota", "1K")
        self.assertIn("QUOTA", self.capabilities(m))
        typ, data = m.append("INBOX", None, None, make_message("too big", body="z" * 2000 + "\r\n"))
        self.assertEqual(typ, "NO", data)
        self.assertIn(b"OVERQUOTA", data[0])
        self.mail.admin_json("address", "set", name, "--quota", "none")
        self.assertNotIn("QUOTA", self.capabilities(m))
        self.ok(m.append("INBOX", None, None, make_message("fits now", body="z" * 2000 + "\r\n")))

    def test_status_deleted_storage(self):
        _, m = self.login("--quota", "1M")
        msg = make_message("doomed", body="d" * 700 + "\r\n")
        self.ok(m.append("INBOX", "(\\Deleted)", None, msg))
        self.ok(m.append("INBOX", None, None, make_message("kept")))
        typ, data = m.status("INBOX", "(MESSAGES DELETED DELETED-STORAGE)")
        self.assertEqual(typ, "OK", data)
        items = tokenize_response(data[0])[1]
        self.assertEqual(dict(zip(items[::2], items[1::2])),
                         {b"MESSAGES": b"2", b"DELETED": b"1", b"DELETED-STORAGE": str(len(msg)).encode()})

    def test_usage_shown_by_the_cli_follows_imap(self):
        name, m = self.login("--quota", "1M", "--quota-messages", "10")
        msg = make_message("shown", body="s" * 900 + "\r\n")
        self.ok(m.append("INBOX", None, None, msg))
        shown = self.mail.admin_json("address", "show", name)
        self.assertEqual((shown["used_bytes"], shown["used_messages"]), (len(msg), 1))
        self.assertEqual((shown["quota_bytes"], shown["quota_messages"]), (1 << 20, 10))
        self.ok(m.select("INBOX"))
        self.ok(m.store("1", "+FLAGS", "(\\Deleted)"))
        self.ok(m.expunge())
        shown = self.mail.admin_json("address", "show", name)
        self.assertEqual((shown["used_bytes"], shown["used_messages"]), (0, 0))
        self.assertNotEqual(name, DEMO_ADDRESS)


if __name__ == "__main__":
    unittest.main()
