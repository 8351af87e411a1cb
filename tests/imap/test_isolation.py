"""One organisation never reaches another's mail through IMAP, whatever
folders and addresses come and go while sessions stay selected.

The attack this guards against: a session keeps a folder selected, another
session deletes that folder, and the next folder created (another
organisation's INBOX, say) takes the deleted folder's id; the first session's
FETCH, COPY, STORE and EXPUNGE then act on the other organisation's mail.
Folder ids are never reused, every store call is scoped by the owning
address, and a session whose selected folder is deleted ends with BYE.
"""

import random
import re
import time
import unittest

from imap_test import DEMO_ADDRESS, EXIT_OK, MailServer, make_message, quote

BYE_WITHIN = 5.0  # seconds from the DELETE to the other session's BYE


class Org:
    """An organisation with one mail service, one domain, and addresses each
    with one user and one device password."""

    def __init__(self, mail, name):
        self.mail, self.name = mail, name
        self.domain = name.lower() + ".test"
        self.service = name.lower() + "-mail"
        self.passwords = {}
        mail.admin_json("org", "create", name)
        mail.admin_json("service", "create", "--org", name, self.service)
        mail.admin_json("domain", "add", "--service", self.service, self.domain)
        self.user = "owner@" + self.domain
        mail.admin_json("user", "create", "--org", name, "--login", self.user, "--name", name + " Owner")

    def add_address(self, local):
        address = "%s@%s" % (local, self.domain)
        self.mail.admin_json("address", "create", address)
        self.mail.admin_json("access", "grant", address, self.user)
        self.passwords[address] = self.mail.device_password("t", address=address, login=self.user)[1]
        return address

    def delete_address(self, address):
        r = self.mail.admin("address", "delete", address)
        assert r.code == EXIT_OK, repr(r)
        del self.passwords[address]


class IsolationTest(unittest.TestCase):
    maxDiff = None

    def setUp(self):
        self.mail = MailServer()
        self.addCleanup(self.mail.remove)
        self.mail.start()

    def session(self, address, password):
        c = self.mail.raw()
        self.addCleanup(c.close)
        c.login(address, password)
        return c

    def ok(self, c, command):
        untagged, tagged = c.command(command)
        self.assertRegex(tagged, rb"^r\d+ OK", b"\n".join(untagged + [tagged]))
        return untagged

    def append(self, c, folder, owner, n):
        for i in range(n):
            msg = make_message("mail %d of %s" % (i, owner), to=owner, extra="X-Owner: %s\r\n" % owner)
            c.send("%s APPEND %s {%d+}\r\n" % (c.next_tag(), quote(folder), len(msg)))
            c.send(msg + b"\r\n")
            _, tagged = c.until_tagged("r%d" % c._tag)
            self.assertIn(b" OK ", tagged)

    def assertBye(self, c):
        """The session got `* BYE` (the folder it had selected was deleted) and was closed."""
        deadline = time.monotonic() + BYE_WITHIN
        while True:
            try:
                line = c.line(max(0.01, deadline - time.monotonic()))
            except (TimeoutError, EOFError) as e:
                self.fail("no BYE within %.0f s (%s)\n%s" % (BYE_WITHIN, e, self.mail.log()[-3000:]))
            if line.startswith(b"* BYE "):
                self.assertIn(b"deleted", line)
                break
            self.assertTrue(line.startswith(b"* "), line)  # untagged updates may come first
        with self.assertRaises((EOFError, ConnectionError, TimeoutError)):
            c.line(2)

    def test_a_deleted_folder_id_never_reaches_another_organisation(self):
        victim = Org(self.mail, "Victim")
        # The attacker: X selected in session 1, deleted from session 2.
        s1 = self.session(DEMO_ADDRESS, self.mail.password)
        s2 = self.session(DEMO_ADDRESS, self.mail.password)
        self.ok(s1, "CREATE X")
        self.append(s1, "X", DEMO_ADDRESS, 2)
        self.ok(s1, "SELECT X")
        self.ok(s2, "DELETE X")
        self.assertBye(s1)

        # The next folders created belong to another organisation, and mail arrives there.
        address = victim.add_address("inbox")
        v = self.session(address, victim.passwords[address])
        self.append(v, "INBOX", address, 3)

        # Nothing of the victim's reaches the attacker, whichever way it asks.
        for command in ("UID FETCH 1:* BODY[]", "UID COPY 1:* INBOX", "UID STORE 1:* +FLAGS (\\Deleted)",
                        "EXPUNGE"):
            c = self.session(DEMO_ADDRESS, self.mail.password)
            self.ok(c, "CREATE X2")
            self.ok(c, "SELECT X2")
            other = self.session(DEMO_ADDRESS, self.mail.password)
            self.ok(other, "DELETE X2")
            self.assertBye(c)
            victim.add_address("more%d" % random.randrange(1 << 30))

        self.ok(v, "SELECT INBOX")
        untagged = self.ok(v, "UID FETCH 1:* (FLAGS BODY.PEEK[HEADER.FIELDS (X-Owner)])")
        fetched = [l for l in untagged if b" FETCH " in l]
        self.assertEqual(len(fetched), 3, untagged)
        for line in fetched:
            self.assertNotIn(b"\\Deleted", line)
            self.assertIn(address.encode(), line)
        a = self.session(DEMO_ADDRESS, self.mail.password)
        self.ok(a, "SELECT INBOX")
        untagged = self.ok(a, "SEARCH HEADER X-Owner %s" % address)
        self.assertEqual([l for l in untagged if l.startswith(b"* SEARCH")], [b"* SEARCH"], "nothing copied out")
        self.assertTrue(self.mail.alive())

    def test_a_folder_renamed_by_another_session_ends_its_selection(self):
        s1 = self.session(DEMO_ADDRESS, self.mail.password)
        s2 = self.session(DEMO_ADDRESS, self.mail.password)
        idle = self.session(DEMO_ADDRESS, self.mail.password)
        self.ok(s1, "CREATE Old/Child")
        self.append(s1, "Old/Child", DEMO_ADDRESS, 1)
        self.ok(s1, "SELECT Old")
        self.ok(idle, "SELECT Old/Child")
        idle.send("i IDLE\r\n")
        self.assertTrue(idle.line().startswith(b"+ "))
        self.ok(s2, "RENAME Old New")
        self.assertBye(s1)
        self.assertBye(idle)  # the child was renamed with its parent

    def test_a_session_keeps_the_folder_it_renames_itself(self):
        s = self.session(DEMO_ADDRESS, self.mail.password)
        self.ok(s, "CREATE Mine/Sub")
        self.append(s, "Mine/Sub", DEMO_ADDRESS, 2)
        self.ok(s, "SELECT Mine/Sub")
        self.ok(s, "RENAME Mine Ours")
        untagged = self.ok(s, "UID FETCH 1:* (FLAGS)")
        self.assertEqual(len([l for l in untagged if b" FETCH " in l]), 2, untagged)
        self.ok(s, "RENAME INBOX Saved")  # INBOX stays; the selection is elsewhere
        self.ok(s, "NOOP")

    def test_sessions_never_see_another_address_while_folders_and_addresses_come_and_go(self):
        """Random CREATE/DELETE of folders and create/delete of addresses in two
        organisations while sessions stay selected; after every step, every
        live session fetches what it has selected and must find only its own
        address's mail (X-Owner), or have been ended with BYE."""
        rng = random.Random(20261203)
        demo = {"address": DEMO_ADDRESS, "password": self.mail.password}
        victim = Org(self.mail, "Victim")
        accounts = [demo]
        for i in range(2):
            address = victim.add_address("v%d" % i)
            accounts.append({"address": address, "password": victim.passwords[address], "org": victim})
        sessions = []  # (account, client, folder)
        counter = [0]

        def open_session(account):
            c = self.session(account["address"], account["password"])
            boxes = [b for b in self.folders(c) if b != "INBOX"] + ["INBOX"]
            folder = rng.choice(boxes)
            self.ok(c, "SELECT %s" % quote(folder))
            sessions.append((account, c, folder))

        for account in accounts:
            for _ in range(2):
                open_session(account)

        for step in range(40):
            account = rng.choice(accounts)
            action = rng.choice(["create", "create", "delete", "address"])
            c = self.session(account["address"], account["password"])
            if action == "create":
                counter[0] += 1
                folder = "F%d" % counter[0]
                self.ok(c, "CREATE %s" % folder)
                self.append(c, folder, account["address"], 1)
            elif action == "delete":
                mine = [b for b in self.folders(c) if b.startswith("F")]
                if mine:
                    self.ok(c, "DELETE %s" % quote(rng.choice(mine)))
            else:
                # A new address in the other organisation takes the next ids;
                # sometimes one is deleted again.
                counter[0] += 1
                address = victim.add_address("n%d" % counter[0])
                n = self.session(address, victim.passwords[address])
                self.append(n, "INBOX", address, 1)
                if rng.random() < 0.3:
                    n.close()
                    victim.delete_address(address)
            c.close()

            alive = []
            for acc, s, folder in sessions:
                ended = self.check_session(acc, s)
                if not ended:
                    alive.append((acc, s, folder))
            sessions[:] = alive
            while len(sessions) < 6:
                open_session(rng.choice(accounts))
        self.assertTrue(self.mail.alive())

    def folders(self, c):
        untagged = self.ok(c, 'LIST "" "*"')
        out = []
        for line in untagged:
            m = re.match(rb'\* LIST \([^)]*\) "/" (.+)$', line)
            if m:
                out.append(m.group(1).strip(b'"').decode())
        return out

    def check_session(self, account, s):
        """True when the session had ended (BYE); otherwise asserts it sees only its own mail."""
        tag = s.next_tag()
        try:
            s.send("%s UID FETCH 1:* (BODY.PEEK[HEADER.FIELDS (X-Owner)])\r\n" % tag)
            untagged, tagged = s.until_tagged(tag)
        except (EOFError, ConnectionError, TimeoutError):
            return True
        for line in untagged:
            if line.startswith(b"* BYE "):
                self.assertIn(b"deleted", line)
                return True
            for owner in re.findall(rb"X-Owner: (\S+)", line):
                self.assertEqual(owner.decode(), account["address"], "a session saw another address's mail")
        if not re.match(rb"^r\d+ OK", tagged):
            self.fail("unexpected reply %r" % tagged)
        return False


if __name__ == "__main__":
    unittest.main()
