"""Real mail clients against the IMAP server: curl (libcurl's IMAP), mutt in
batch mode under a pseudo-terminal, and mbsync (isync 1.4) keeping a local
Maildir in two-way sync with a 1,000-message folder.

Each client runs as a child process with a deadline; its output is kept in
the failure message.
"""

import email.parser
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

from imap_test import (DEMO_ADDRESS, TMP_ROOT, ServerTestCase, bulk_append, fetch_one, logout, make_message,
                       parse_fetch, uid_of_append)

CLIENT_TIMEOUT = 60


def run_client(args, cwd=None, env=None, timeout=CLIENT_TIMEOUT):
    """Runs a client; returns (exit code, stdout bytes, stderr bytes); None as the code when killed."""
    try:
        p = subprocess.run(args, capture_output=True, cwd=cwd, env=env, timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as e:
        return None, e.stdout or b"", (e.stderr or b"") + b"\n[killed after %d s]" % timeout
    return p.returncode, p.stdout, p.stderr


def tmpdir(test):
    if TMP_ROOT:
        os.makedirs(TMP_ROOT, exist_ok=True)
    path = tempfile.mkdtemp(prefix="estafeta-client-", dir=TMP_ROOT)
    test.addCleanup(shutil.rmtree, path, ignore_errors=True)
    return path


@unittest.skipUnless(shutil.which("curl"), "curl is not installed (scripts/setup.sh installs it)")
class CurlTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        m = cls.mail.imap()
        try:
            m.create("curl")
            cls.messages = [make_message("curl alpha", body="first body\r\n"),
                            make_message("curl beta", body="second body\r\n"),
                            make_message("curl gamma", body="third body\r\n")]
            cls.uids = [uid_of_append(m.append("curl", None, None, msg)) for msg in cls.messages]
        finally:
            logout(m)

    def curl(self, url, *args, password=None):
        code, out, err = run_client(["curl", "-sS", "--max-time", "20", url, "-u",
                                     "%s:%s" % (DEMO_ADDRESS, password or self.mail.password), *args])
        return code, out, err

    def test_list_mailboxes(self):
        code, out, err = self.curl("imap://127.0.0.1:%d/" % self.mail.plain)
        self.assertEqual(code, 0, err)
        names = re.findall(rb'^\* LIST \(([^)]*)\) "/" (\S+)\r?$', out, re.M)
        self.assertIn(b"INBOX", [n for _, n in names])
        self.assertIn(b"curl", [n for _, n in names])
        self.assertIn((b"\\HasNoChildren \\Sent", b"Sent"), names)

    def test_fetch_by_uid(self):
        for uid, msg in zip(self.uids, self.messages):
            code, out, err = self.curl("imap://127.0.0.1:%d/curl;UID=%d" % (self.mail.plain, uid))
            self.assertEqual(code, 0, err)
            self.assertEqual(out, msg)
        # A section of a message (curl's ;SECTION=).
        code, out, err = self.curl("imap://127.0.0.1:%d/curl;UID=%d;SECTION=TEXT" % (self.mail.plain, self.uids[1]))
        self.assertEqual(code, 0, err)
        self.assertEqual(out, b"second body\r\n")

    def test_search_via_custom_request(self):
        code, out, err = self.curl("imap://127.0.0.1:%d/curl" % self.mail.plain, "-X", "SEARCH SUBJECT beta")
        self.assertEqual(code, 0, err)
        self.assertEqual(out.strip(), b"* SEARCH 2")
        code, out, err = self.curl("imap://127.0.0.1:%d/curl" % self.mail.plain, "-X", "UID SEARCH BODY body")
        self.assertEqual(code, 0, err)
        self.assertEqual(sorted(int(x) for x in out.split()[2:]), self.uids)
        code, out, err = self.curl("imap://127.0.0.1:%d/curl" % self.mail.plain, "-X", "EXAMINE curl")
        self.assertEqual(code, 0, err)
        self.assertIn(b"* 3 EXISTS", out)

    def test_imaps_with_cacert(self):
        code, out, err = run_client(["curl", "-sS", "--max-time", "20", "--cacert", self.mail.cert,
                                     "imaps://localhost:%d/curl;UID=%d" % (self.mail.imaps, self.uids[0]),
                                     "-u", "%s:%s" % (DEMO_ADDRESS, self.mail.password)])
        self.assertEqual(code, 0, err)
        self.assertEqual(out, self.messages[0])
        # Without the certificate, curl refuses the self-signed one (exit 60).
        code, out, err = run_client(["curl", "-sS", "--max-time", "20", "--capath", "/nonexistent",
                                     "--cacert", "/dev/null", "imaps://localhost:%d/" % self.mail.imaps,
                                     "-u", "%s:%s" % (DEMO_ADDRESS, self.mail.password)])
        self.assertNotEqual(code, 0)
        self.assertEqual(out, b"")

    def test_starttls_on_listener_without_plaintext_auth(self):
        url = "imap://localhost:%d/" % self.mail.strict
        code, out, err = self.curl(url)  # no TLS: no login possible
        self.assertNotEqual(code, 0)
        self.assertNotIn(b"INBOX", out)
        code, out, err = run_client(["curl", "-sS", "--max-time", "20", "--ssl-reqd", "--cacert", self.mail.cert, url,
                                     "-u", "%s:%s" % (DEMO_ADDRESS, self.mail.password)])
        self.assertEqual(code, 0, err)
        self.assertIn(b'"/" INBOX', out)

    def test_wrong_password(self):
        code, out, err = self.curl("imap://127.0.0.1:%d/" % self.mail.plain, password="wrong-password")
        self.assertEqual(code, 67, err)  # CURLE_LOGIN_DENIED
        self.assertEqual(out, b"")


@unittest.skipUnless(shutil.which("mutt") and shutil.which("script"), "mutt or script is not installed")
class MuttTest(ServerTestCase):
    """mutt in batch mode: a pseudo-terminal from script(1), keys pushed with -e."""

    def muttrc(self, folder_url, mailbox, extra=""):
        home = tmpdir(self)
        path = os.path.join(home, "muttrc")
        with open(path, "w", encoding="utf-8") as f:
            f.write(f"""set imap_user = "{DEMO_ADDRESS}"
set imap_pass = "{self.mail.password}"
set folder = "{folder_url}"
set spoolfile = "+{mailbox}"
set ssl_ca_certificates_file = "{self.mail.cert}"
set certificate_file = "{home}/certificates"
set ssl_force_tls = yes
set header_cache = ""
set message_cachedir = ""
set pipe_decode = yes
set wait_key = no
set quit = yes
set move = no
set mark_old = no
set timeout = 5
set mail_check = 0
set sort = date
{extra}
""")
        return home, path

    def mutt(self, home, rc, keys):
        cmd = "mutt -n -F %s -e %s" % (rc, shell_quote("push \"%s\"" % keys))
        env = dict(os.environ, HOME=home, TERM="xterm", LC_ALL="C.UTF-8")
        code, out, err = run_client(["script", "-qec", cmd, "/dev/null"], cwd=home, env=env, timeout=30)
        screen = out.decode("utf-8", "replace")
        self.assertEqual(code, 0, screen[-2000:] + err.decode("utf-8", "replace"))
        return screen

    def test_read_a_message_over_imaps(self):
        m = self.connect()
        name = self.folder(m)
        msg = make_message("Hello from the mutt test", body="The secret body text 4711.\r\nLine two é.\r\n")
        uid = uid_of_append(m.append(name, None, None, msg))
        home, rc = self.muttrc("imaps://localhost:%d/" % self.mail.imaps, name)
        out = os.path.join(home, "out.txt")
        screen = self.mutt(home, rc, "<pipe-message>cat > %s<enter><quit>" % out)
        self.assertIn("Hello from the mutt test", screen)      # the index line
        with open(out, "rb") as f:
            piped = f.read()
        self.assertIn(b"Subject: Hello from the mutt test", piped)
        self.assertIn("The secret body text 4711.\nLine two é.".encode(), piped.replace(b"\r\n", b"\n"))
        # mutt read it with BODY.PEEK: still unseen (pipe does not mark it read).
        self.ok(m.select(name))
        self.assertNotIn(b"\\Seen", fetch_one(m, uid, "(FLAGS)")["FLAGS"])

    def test_flag_and_delete_over_starttls(self):
        m = self.connect()
        name = self.folder(m)
        keep = uid_of_append(m.append(name, None, None, make_message("mutt keeps this", date="Mon, 01 Feb 2021 10:00:00 +0000")))
        drop = uid_of_append(m.append(name, None, None, make_message("mutt deletes this", date="Tue, 02 Feb 2021 10:00:00 +0000")))
        home, rc = self.muttrc("imap://localhost:%d/" % self.mail.strict, name,
                               "set ssl_starttls = yes\nset delete = yes\nset resolve = no")
        # Sorted by date: the first line is "keeps", the second "deletes".
        self.mutt(home, rc, "<first-entry><flag-message><next-entry><delete-message><sync-mailbox><quit>")
        self.ok(m.select(name))
        rows = parse_fetch(self.ok(m.fetch("1:*", "(UID FLAGS)")))
        self.assertEqual([int(d["UID"]) for _, d in rows], [keep])
        self.assertIn(b"\\Flagged", rows[0][1]["FLAGS"])
        self.assertNotEqual(keep, drop)


def shell_quote(s):
    return "'" + s.replace("'", "'\\''") + "'"


# --- mbsync

MAILDIR_FLAGS = {"D": b"\\Draft", "F": b"\\Flagged", "R": b"\\Answered", "S": b"\\Seen", "T": b"\\Deleted"}


def maildir_messages(folder):
    """{Message-ID: [(path, flags)]} of a Maildir folder (cur/ and new/)."""
    out = {}
    parser = email.parser.BytesHeaderParser()
    for sub in ("cur", "new"):
        d = os.path.join(folder, sub)
        if not os.path.isdir(d):
            continue
        for fn in os.listdir(d):
            path = os.path.join(d, fn)
            with open(path, "rb") as f:
                msgid = parser.parsebytes(f.read()).get("Message-ID", "").strip()
            flags = set()
            if ":2," in fn:
                flags = {MAILDIR_FLAGS[c] for c in fn.split(":2,", 1)[1] if c in MAILDIR_FLAGS}
            out.setdefault(msgid, []).append((path, flags))
    return out


def server_messages(m, folder):
    """{Message-ID: [(uid, flags)]} of a server folder."""
    typ, data = m.select(folder)
    assert typ == "OK", data
    typ, data = m.uid("FETCH", "1:*", "(FLAGS BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
    assert typ == "OK", data
    out = {}
    for _, d in parse_fetch([x for x in data if x is not None]):
        header = d["BODY[HEADER.FIELDS (MESSAGE-ID)]"]
        msgid = email.parser.BytesHeaderParser().parsebytes(header).get("Message-ID", "").strip()
        flags = {f for f in d["FLAGS"] if f in MAILDIR_FLAGS.values()}
        out.setdefault(msgid, []).append((int(d["UID"]), flags))
    return out


def normalized(message):
    """A message with LF line ends and without mbsync's own X-TUID header
    (isync adds it to every message it propagates, to find it again)."""
    text = message.replace(b"\r\n", b"\n")
    header, sep, body = text.partition(b"\n\n")
    header = b"\n".join(line for line in header.split(b"\n") if not line.startswith(b"X-TUID: "))
    return header + sep + body


def bulk_message(i):
    return ("From: Sender %d <s%d@example.org>\r\nTo: hello@demo.example\r\nSubject: bulk message %d\r\n"
            "Date: Mon, 01 Feb 2021 10:%02d:%02d +0000\r\nMessage-ID: <bulk.%d@e2e.test>\r\n\r\n"
            "Body of message %d.\r\n%s\r\n" % (i, i, i, (i // 60) % 60, i % 60, i, i, "x" * (i % 200))).encode()


@unittest.skipUnless(shutil.which("mbsync"), "mbsync (isync) is not installed")
class MbsyncTest(ServerTestCase):
    COUNT = 1000

    def mbsync(self, rc):
        t0 = time.monotonic()
        code, out, err = run_client(["mbsync", "-c", rc, "-V", "e2e"], timeout=CLIENT_TIMEOUT)
        elapsed = time.monotonic() - t0
        self.assertEqual(code, 0, (out + err).decode("utf-8", "replace")[-3000:] + "\n" + self.mail.log()[-3000:])
        self.assertNotIn(b"error", err.lower(), err.decode("utf-8", "replace")[-3000:])
        return elapsed, out + err

    def assertSameSets(self, local, remote):
        """The same Message-IDs on both sides, each once, with the same flags."""
        dup_local = {k: v for k, v in local.items() if len(v) != 1}
        dup_remote = {k: v for k, v in remote.items() if len(v) != 1}
        self.assertEqual(dup_local, {}, "duplicates in the Maildir")
        self.assertEqual(dup_remote, {}, "duplicates on the server")
        self.assertEqual(sorted(set(local) - set(remote)), [], "only in the Maildir")
        self.assertEqual(sorted(set(remote) - set(local)), [], "only on the server")
        differ = {k: (local[k][0][1], remote[k][0][1]) for k in local if local[k][0][1] != remote[k][0][1]}
        self.assertEqual(differ, {}, "flags differ (Maildir, server)")

    def test_two_way_sync_of_1000_messages(self):
        home = tmpdir(self)
        maildir = os.path.join(home, "mail")
        os.makedirs(maildir)
        folder = "mbsync"
        m = self.connect()
        self.ok(m.create(folder))
        messages = [bulk_message(i) for i in range(self.COUNT)]
        uids = bulk_append(self.mail, folder, messages)
        self.assertEqual(len(set(uids)), self.COUNT)

        rc = os.path.join(home, "mbsyncrc")
        with open(rc, "w", encoding="utf-8") as f:
            f.write(f"""IMAPAccount e2e
Host localhost
Port {self.mail.imaps}
User {DEMO_ADDRESS}
Pass {self.mail.password}
SSLType IMAPS
CertificateFile {self.mail.cert}
Timeout 30

IMAPStore e2e-far
Account e2e

MaildirStore e2e-near
Path {maildir}/
Inbox {maildir}/INBOX
SubFolders Verbatim

Channel e2e
Far :e2e-far:{folder}
Near :e2e-near:{folder}
Create Both
Expunge Both
SyncState *
Sync All
""")
        local_folder = os.path.join(maildir, folder)

        # 1. Full download.
        first, _ = self.mbsync(rc)
        local = maildir_messages(local_folder)
        self.assertEqual(sum(len(v) for v in local.values()), self.COUNT)
        by_id = {"<bulk.%d@e2e.test>" % i: msg for i, msg in enumerate(messages)}
        for msgid, [(path, flags)] in local.items():
            with open(path, "rb") as f:
                content = f.read()
            self.assertEqual(normalized(content), normalized(by_id[msgid]), msgid)
            self.assertEqual(flags, set())
        self.assertSameSets(local, server_messages(m, folder))

        # 2. Changes on both sides.
        self.ok(m.select(folder))
        deleted_remote = uids[100:110]
        flagged_remote = uids[200:210]
        self.ok(m.uid("STORE", ",".join(map(str, deleted_remote)), "+FLAGS.SILENT", "(\\Deleted)"))
        self.ok(m.expunge())
        self.ok(m.uid("STORE", ",".join(map(str, flagged_remote)), "+FLAGS.SILENT", "(\\Flagged)"))
        deleted_local = ["<bulk.%d@e2e.test>" % k for k in range(500, 505)]  # not among those changed remotely
        for msgid in deleted_local:
            os.unlink(local[msgid][0][0])
        new_local = []
        for k in range(5):
            msgid = "<local.%d@e2e.test>" % k
            body = ("From: me@demo.example\nTo: hello@demo.example\nSubject: written locally %d\n"
                    "Message-ID: %s\n\nLocal body %d.\n" % (k, msgid, k)).encode()
            with open(os.path.join(local_folder, "new", "17000000%02d.local%d.e2e" % (k, k)), "wb") as f:
                f.write(body)
            new_local.append((msgid, body))
        second, _ = self.mbsync(rc)

        local = maildir_messages(local_folder)
        remote = server_messages(m, folder)
        self.assertSameSets(local, remote)
        self.assertEqual(len(remote), self.COUNT - 10 - 5 + 5)
        for uid in deleted_remote:
            self.assertNotIn("<bulk.%d@e2e.test>" % uids.index(uid), local)
        for msgid in deleted_local:
            self.assertNotIn(msgid, remote)
        for uid in flagged_remote:
            self.assertEqual(local["<bulk.%d@e2e.test>" % uids.index(uid)][0][1], {b"\\Flagged"})
        for msgid, body in new_local:
            uid = remote[msgid][0][0]
            got = fetch_one(m, uid, "(BODY.PEEK[])")["BODY[]"]
            self.assertEqual(normalized(got), normalized(body), msgid)

        # 3. Nothing changed: a third sync changes nothing on either side.
        typ, data = m.status(folder, "(MESSAGES UIDNEXT)")
        before_status = data[0]
        before_files = sorted(p for v in local.values() for p, _ in v)
        third, _ = self.mbsync(rc)
        after_local = maildir_messages(local_folder)
        self.assertEqual(sorted(p for v in after_local.values() for p, _ in v), before_files)
        self.assertEqual(server_messages(m, folder), remote)
        self.assertEqual(m.status(folder, "(MESSAGES UIDNEXT)")[1][0], before_status)
        sys.stderr.write("\n  mbsync: first sync of %d messages %.1f s, second %.1f s, third %.1f s " %
                         (self.COUNT, first, second, third))


if __name__ == "__main__":
    unittest.main()
