"""The IMAP server through Python's imaplib (a real client library) and, where
imaplib hides the wire, a raw socket: logging in over each kind of
listener, folders, APPEND/FETCH/STORE/SEARCH/COPY/MOVE/EXPUNGE, limits,
malformed commands, IDLE and two users of one address.

RFC 9051 / RFC 3501 (IMAP), RFC 2595 (STARTTLS), RFC 4315 (UIDPLUS),
RFC 6851 (MOVE), RFC 6154 (SPECIAL-USE), RFC 7889 (APPENDLIMIT),
RFC 2177 (IDLE), RFC 5530 (response codes), RFC 3516 (BINARY).
"""

import base64
import datetime
import socket
import imaplib
import os
import re
import ssl
import struct
import time
import unittest

from imap_test import (DEMO_ADDRESS, ServerTestCase, fetch_one, logout, make_message, mutf7_decode,
                       mutf7_encode, parse_fetch, tokenize_response, uid_of_append)

MIB = 1024 * 1024


def list_entries(data):
    """imaplib LIST data → {name: set of attributes}."""
    out = {}
    for item in data:
        if item is None:
            continue
        raw = item if isinstance(item, bytes) else item[0] + b" " + item[1]
        attrs, _delim, name = tokenize_response(raw)
        out[name.decode("utf-8")] = {a.decode().lower() for a in attrs}
    return out


class LoginTest(ServerTestCase):
    """Logging in over each listener. No failed logins here (they slow the
    next ones down: see LoginFailureTest)."""

    def test_login_on_plaintext_listener(self):
        m = self.connect(login=False)
        self.assertIn("AUTH=PLAIN", m.capabilities)
        self.assertIn("STARTTLS", m.capabilities)
        typ, data = m.login(DEMO_ADDRESS, self.mail.password)
        self.assertEqual(typ, "OK")
        caps = data[0].decode()
        for cap in ("IDLE", "UIDPLUS", "MOVE", "SPECIAL-USE", "APPENDLIMIT=", "NAMESPACE"):
            self.assertIn(cap, caps)
        typ, data = m.select("INBOX")
        self.assertEqual(typ, "OK", data)
        self.assertIn("READ-WRITE", m.untagged_responses)
        self.assertFalse(m.is_readonly)

    def test_authenticate_plain(self):
        m = self.connect(login=False)
        typ, _ = m.authenticate("PLAIN", lambda _: b"\0" + DEMO_ADDRESS.encode() + b"\0" + self.mail.password.encode())
        self.assertEqual(typ, "OK")
        self.assertEqual(m.state, "AUTH")
        self.ok(m.noop())

    def test_authenticate_login(self):
        m = self.connect(login=False)
        answers = iter([DEMO_ADDRESS.encode(), self.mail.password.encode()])
        typ, _ = m.authenticate("LOGIN", lambda _: next(answers))
        self.assertEqual(typ, "OK")

    def test_login_refused_before_tls_without_plaintext_auth(self):
        c = self.raw(self.mail.strict)
        self.assertIn(b"LOGINDISABLED", c.greeting)
        self.assertIn(b"STARTTLS", c.greeting)
        self.assertNotIn(b"AUTH=PLAIN", c.greeting)
        _, tagged = c.command('LOGIN "%s" "%s"' % (DEMO_ADDRESS, self.mail.password))
        self.assertRegex(tagged, rb"^r\d+ NO \[PRIVACYREQUIRED\]")
        ir = base64.b64encode(b"\0" + DEMO_ADDRESS.encode() + b"\0" + self.mail.password.encode())
        _, tagged = c.command("AUTHENTICATE PLAIN " + ir.decode())
        self.assertRegex(tagged, rb"^r\d+ NO \[PRIVACYREQUIRED\]")
        _, tagged = c.command("SELECT INBOX")
        self.assertRegex(tagged, rb"^r\d+ BAD")  # still not authenticated
        _, tagged = c.command("NOOP")
        self.assertRegex(tagged, rb"^r\d+ OK")   # the connection stays open

        # The same through imaplib, then STARTTLS makes LOGIN possible.
        m = imaplib.IMAP4("127.0.0.1", self.mail.strict, timeout=10)
        self.addCleanup(logout, m)
        with self.assertRaisesRegex(imaplib.IMAP4.error, "PRIVACYREQUIRED"):
            m.login(DEMO_ADDRESS, self.mail.password)
        self.ok(m.starttls(ssl_context=self.mail.tls_context()))
        self.assertIn("AUTH=PLAIN", m.capabilities)
        self.assertNotIn("STARTTLS", m.capabilities)
        self.assertNotIn("LOGINDISABLED", m.capabilities)
        self.ok(m.login(DEMO_ADDRESS, self.mail.password))
        self.ok(m.select("INBOX"))

    def test_starttls_certificate_verified_for_ip_and_name(self):
        for host in ("127.0.0.1", "localhost"):
            m = imaplib.IMAP4(host, self.mail.strict, timeout=10)
            self.addCleanup(logout, m)
            self.ok(m.starttls(ssl_context=self.mail.tls_context()))
            self.assertIn(m.sock.version(), ("TLSv1.2", "TLSv1.3"))
            self.ok(m.login(DEMO_ADDRESS, self.mail.password))
            self.ok(m.select("INBOX"))

    def test_starttls_twice_is_refused(self):
        c = self.raw(self.mail.strict)
        _, tagged = c.command("STARTTLS")
        self.assertRegex(tagged, rb"^r\d+ OK")
        c.starttls(self.mail.tls_context())
        _, tagged = c.command("STARTTLS")
        self.assertRegex(tagged, rb"^r\d+ (BAD|NO)")

    def test_starttls_discards_commands_pipelined_in_clear(self):
        # RFC 2595 §3.1 / CVE-2011-0411 style injection: what follows
        # STARTTLS in the same packet must not be executed after the handshake.
        c = self.raw(self.mail.plain)
        c.send(b"s STARTTLS\r\nx LOGIN %s %s\r\n" % (DEMO_ADDRESS.encode(), self.mail.password.encode()))
        self.assertRegex(c.line(), rb"^s OK")
        self.assertEqual(c.starttls(self.mail.tls_context()), b"")
        untagged, tagged = c.command("CAPABILITY")
        self.assertTrue(all(not l.startswith(b"x ") for l in untagged), untagged)
        self.assertIn(b"AUTH=PLAIN", b" ".join(untagged))  # still not authenticated
        _, tagged = c.command("SELECT INBOX")
        self.assertRegex(tagged, rb"^r\d+ BAD")

    def test_implicit_tls(self):
        m = self.mail.imap_ssl("localhost")
        self.addCleanup(logout, m)
        self.assertNotIn("STARTTLS", m.capabilities)
        self.assertIn("AUTH=PLAIN", m.capabilities)
        self.ok(m.login(DEMO_ADDRESS, self.mail.password))
        self.ok(m.select("INBOX"))
        uid = uid_of_append(m.append("INBOX", None, None, make_message("over imaps")))
        self.assertEqual(fetch_one(m, uid, "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")["BODY[HEADER.FIELDS (SUBJECT)]"],
                         b"Subject: over imaps\r\n\r\n")

    def test_implicit_tls_refuses_other_names(self):
        ctx = self.mail.tls_context()
        with socket.create_connection(("127.0.0.1", self.mail.imaps), timeout=10) as raw:
            with self.assertRaises(ssl.SSLCertVerificationError):
                ctx.wrap_socket(raw, server_hostname="mail.example.org")

    def test_logout(self):
        c = self.raw(login=True)
        untagged, tagged = c.command("LOGOUT")
        self.assertTrue(untagged and untagged[0].startswith(b"* BYE"), untagged)
        self.assertRegex(tagged, rb"^r\d+ OK")
        self.assertTrue(c.closed(5))


class LoginFailureTest(ServerTestCase):
    """Failed logins, on a server of their own: each failure delays later
    attempts from 127.0.0.1."""

    def test_wrong_password_and_unknown_address_get_the_same_answer(self):
        c = self.raw()
        _, wrong_password = c.command('LOGIN "%s" "not-the-password"' % DEMO_ADDRESS)
        _, unknown_address = c.command('LOGIN "nobody@demo.example" "not-the-password"')
        self.assertRegex(wrong_password, rb"^r1 NO \[AUTHENTICATIONFAILED\] ")
        self.assertEqual(wrong_password[3:], unknown_address[3:])
        _, tagged = c.command("SELECT INBOX")
        self.assertRegex(tagged, rb"^r\d+ BAD")  # not logged in

        m = self.connect(login=False)
        with self.assertRaisesRegex(imaplib.IMAP4.error, "AUTHENTICATIONFAILED"):
            m.login(DEMO_ADDRESS, self.mail.password + "x")
        # The right password still works on the same connection.
        self.ok(m.login(DEMO_ADDRESS, self.mail.password))
        log = self.mail.log()
        self.assertIn("imap.login_failed", log)
        self.assertNotIn(self.mail.password, log)
        self.assertNotIn("not-the-password", log)


class MailboxTest(ServerTestCase):
    def test_list_special_use(self):
        m = self.connect()
        entries = list_entries(self.ok(m.list()))
        expected = {"Archive": "\\archive", "Drafts": "\\drafts", "Junk": "\\junk", "Sent": "\\sent",
                    "Trash": "\\trash"}
        for name, attr in expected.items():
            self.assertIn(name, entries)
            self.assertIn(attr, entries[name], entries)
        self.assertIn("INBOX", entries)
        self.assertFalse(entries["INBOX"] & set(expected.values()), entries)
        # LIST with a pattern, and the hierarchy delimiter.
        typ, data = m.list('""', "S%")
        self.assertEqual(set(list_entries(data)), {"Sent"})
        typ, data = m.list('""', '""')
        self.assertEqual(tokenize_response(data[0])[1], b"/")
        # RFC 6154 §2 with LIST-EXTENDED (RFC 5258): only the special-use folders.
        caps = self.ok(m.capability())[0].split()
        if b"LIST-EXTENDED" in caps:
            typ, data = m._simple_command("LIST", "(SPECIAL-USE)", '""', '"*"')
            self.assertEqual(typ, "OK", data)
            _, data = m._untagged_response(typ, data, "LIST")
            self.assertEqual(set(list_entries(data)), set(expected))

    def test_create_rename_delete(self):
        m = self.connect()
        base = self.folder(m)
        self.ok(m.create(base + "/2024"))
        entries = list_entries(self.ok(m.list('""', base + "*")))
        self.assertIn("\\haschildren", entries[base])
        self.assertIn("\\hasnochildren", entries[base + "/2024"])
        typ, data = m.create(base + "/2024")
        self.assertEqual(typ, "NO")
        self.assertIn(b"[ALREADYEXISTS]", data[0])

        self.ok(m.select(base + "/2024"))
        uid = uid_of_append(m.append(base + "/2024", None, None, make_message("kept across rename")))
        m.close()
        self.ok(m.rename(base, base + "-renamed"))
        entries = list_entries(self.ok(m.list('""', base + "*")))
        self.assertEqual(set(entries), {base + "-renamed", base + "-renamed/2024"})
        self.ok(m.select(base + "-renamed/2024"))
        self.assertEqual(fetch_one(m, uid, "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")["BODY[HEADER.FIELDS (SUBJECT)]"],
                         b"Subject: kept across rename\r\n\r\n")
        m.close()

        self.ok(m.delete(base + "-renamed/2024"))
        self.ok(m.delete(base + "-renamed"))
        self.assertEqual(list_entries(self.ok(m.list('""', base + "*"))), {})
        typ, data = m.status(base + "-renamed", "(MESSAGES)")
        self.assertEqual(typ, "NO")
        self.assertIn(b"NONEXISTENT", data[0])
        typ, data = m.select(base + "-renamed")
        self.assertEqual(typ, "NO")

    def test_create_makes_superior_names(self):
        # RFC 9051 §6.3.4: creating "foo/bar" SHOULD create "foo" if needed.
        m = self.connect()
        base = self.folder(m)
        self.ok(m.create(base + "/a/b"))
        for name in (base, base + "/a"):
            typ, data = m.select(name)
            self.assertEqual(typ, "OK", (name, data))
            entries = list_entries(self.ok(m.list('""', name)))
            self.assertNotIn("\\noselect", entries[name])

    def test_inbox_cannot_be_deleted_and_names_are_checked(self):
        m = self.connect()
        self.assertEqual(m.delete("INBOX")[0], "NO")
        self.assertEqual(m.rename("no-such-folder", "x")[0], "NO")
        for bad in ('"&Jjo"', '"a//b"', '"/lead"', '""'):
            typ, data = m._simple_command("CREATE", bad)
            self.assertIn(typ, ("NO", "BAD"), (bad, data))
        self.assertNotIn("a//b", list_entries(self.ok(m.list())))

    def test_non_ascii_folder_in_modified_utf7(self):
        m = self.connect()
        name = "Café/Привет & 日本"
        wire = mutf7_encode(name)
        self.assertEqual(mutf7_decode(wire), name)
        parent = mutf7_encode("Café")
        self.ok(m._simple_command("CREATE", '"%s"' % parent))
        self.ok(m._simple_command("CREATE", '"%s"' % wire))
        entries = list_entries(self.ok(m.list('""', parent + "*")))
        self.assertEqual(set(entries), {parent, wire})
        self.assertIn("\\haschildren", entries[parent])

        self.ok(m.select('"%s"' % wire))
        uid = uid_of_append(m.append('"%s"' % wire, "(\\Seen)", None, make_message("in a non-ASCII folder")))
        # Selected before the APPEND: this session claimed it (IMAP4rev1 \\Recent).
        self.assertEqual(fetch_one(m, uid, "(FLAGS)")["FLAGS"], [b"\\Recent", b"\\Seen"])
        m.close()

        target = mutf7_encode("Ünïcödé ✓")
        self.ok(m._simple_command("RENAME", '"%s"' % wire, '"%s"' % target))
        typ, data = m.status('"%s"' % target, "(MESSAGES)")
        self.assertEqual(typ, "OK", data)
        self.assertIn(b"MESSAGES 1", data[0])
        self.assertNotIn(wire, list_entries(self.ok(m.list())))

        # With UTF8=ACCEPT (RFC 6855) the same folder is named in UTF-8.
        m2 = self.connect()
        self.ok(m2.enable("UTF8=ACCEPT"))
        entries = list_entries(self.ok(m2.list('""', "*")))
        self.assertIn("Ünïcödé ✓", entries)
        self.assertIn("Café", entries)

        self.ok(m._simple_command("DELETE", '"%s"' % target))
        self.ok(m._simple_command("DELETE", '"%s"' % parent))
        self.assertEqual(list_entries(self.ok(m.list('""', parent + "*"))), {})

    def test_subscribe_and_lsub(self):
        m = self.connect()
        name = self.folder(m)
        self.ok(m.subscribe(name))
        self.assertIn(name, list_entries(self.ok(m.lsub('""', "*"))))
        self.ok(m.unsubscribe(name))
        self.assertNotIn(name, list_entries(self.ok(m.lsub('""', "*"))))

    def test_status(self):
        m = self.connect()
        name = self.folder(m)
        msgs = [make_message("status %d" % i) for i in range(3)]
        m.append(name, "(\\Seen)", None, msgs[0])
        m.append(name, None, None, msgs[1])
        m.append(name, None, None, msgs[2])
        typ, data = m.status(name, "(MESSAGES UNSEEN UIDNEXT UIDVALIDITY SIZE)")
        self.assertEqual(typ, "OK", data)
        _name, items = tokenize_response(data[0])
        d = dict(zip(items[::2], items[1::2]))
        self.assertEqual(d[b"MESSAGES"], b"3")
        self.assertEqual(d[b"UNSEEN"], b"2")
        self.assertEqual(d[b"UIDNEXT"], b"4")
        self.assertEqual(int(d[b"SIZE"]), sum(len(x) for x in msgs))

    def test_namespace(self):
        m = self.connect()
        typ, data = m.namespace()
        self.assertEqual(typ, "OK")
        self.assertEqual(tokenize_response(data[0])[0], [[b"", b"/"]])


MULTIPART = (
    b'From: =?utf-8?q?Ana_P=C3=A9rez?= <ana@example.org>\r\n'
    b'To: hello@demo.example, Bob <bob@example.net>\r\n'
    b'Cc: carol@example.com\r\n'
    b'Subject: =?utf-8?q?Quarterly_r=C3=A9sum=C3=A9?=\r\n'
    b'Date: Tue, 02 Mar 2021 09:30:00 +0100\r\n'
    b'Message-ID: <multi.1@e2e.test>\r\n'
    b'In-Reply-To: <prev@e2e.test>\r\n'
    b'MIME-Version: 1.0\r\n'
    b'Content-Type: multipart/mixed; boundary="outer"\r\n'
    b'\r\n'
    b'preamble\r\n'
    b'--outer\r\n'
    b'Content-Type: multipart/alternative; boundary="inner"\r\n'
    b'\r\n'
    b'--inner\r\n'
    b'Content-Type: text/plain; charset=utf-8\r\n'
    b'Content-Transfer-Encoding: quoted-printable\r\n'
    b'\r\n'
    b'Plain r=C3=A9sum=C3=A9 text with zebra\r\n'
    b'second line\r\n'
    b'--inner\r\n'
    b'Content-Type: text/html; charset=utf-8\r\n'
    b'\r\n'
    b'<p>html</p>\r\n'
    b'--inner--\r\n'
    b'--outer\r\n'
    b'Content-Type: application/octet-stream; name="data.bin"\r\n'
    b'Content-Disposition: attachment; filename="data.bin"\r\n'
    b'Content-Transfer-Encoding: base64\r\n'
    b'\r\n'
    b'AAECAwQF\r\n'
    b'--outer--\r\n')


def leaves(structure, prefix=""):
    """(section, body fields) for every non-multipart part of a BODYSTRUCTURE."""
    if isinstance(structure[0], list):
        out = []
        i = 0
        while i < len(structure) and isinstance(structure[i], list):
            out += leaves(structure[i], "%s%d." % (prefix, i + 1))
            i += 1
        return out
    return [(prefix.rstrip(".") or "1", structure)]


class MessageTest(ServerTestCase):
    limits = "max_message_size = %d" % (6 * MIB)

    def test_append_with_flags_and_date(self):
        m = self.connect()
        name = self.folder(m)
        date = '"01-Feb-2021 10:11:12 +0200"'
        typ, data = m.append(name, "(\\Flagged $Work)", date, make_message("dated"))
        self.assertEqual(typ, "OK", data)
        m_uid = re.search(rb"\[APPENDUID (\d+) (\d+)\]", data[0])
        self.assertIsNotNone(m_uid, data)
        uidvalidity, uid = int(m_uid.group(1)), int(m_uid.group(2))
        typ, data = m.select(name)
        self.assertEqual(m.untagged_responses.get("UIDVALIDITY"), [str(uidvalidity).encode()])
        d = fetch_one(m, uid, "(FLAGS INTERNALDATE)")
        self.assertEqual(set(d["FLAGS"]), {b"\\Recent", b"\\Flagged", b"$Work"})
        got = datetime.datetime.strptime(d["INTERNALDATE"].decode(), "%d-%b-%Y %H:%M:%S %z")
        self.assertEqual(got, datetime.datetime(2021, 2, 1, 8, 11, 12, tzinfo=datetime.timezone.utc))
        # Keywords may be created (RFC 9051 §7.1: PERMANENTFLAGS with \*).
        self.assertIn(b"\\*", m.untagged_responses["PERMANENTFLAGS"][-1])

    def test_append_to_missing_folder_says_trycreate(self):
        m = self.connect()
        typ, data = m.append("no-such-folder", None, None, make_message("lost"))
        self.assertEqual(typ, "NO")
        self.assertIn(b"TRYCREATE", data[0])

    def test_fetch_envelope_and_bodystructure(self):
        m = self.connect()
        name = self.folder(m)
        uid = uid_of_append(m.append(name, None, None, MULTIPART))
        self.ok(m.select(name))
        d = fetch_one(m, uid, "(ENVELOPE BODYSTRUCTURE RFC822.SIZE)")
        self.assertEqual(int(d["RFC822.SIZE"]), len(MULTIPART))
        env = d["ENVELOPE"]
        self.assertEqual(len(env), 10)
        date, subject, frm, sender, reply_to, to, cc, bcc, in_reply_to, message_id = env
        self.assertEqual(date, b"Tue, 02 Mar 2021 09:30:00 +0100")
        self.assertEqual(subject, b"=?utf-8?q?Quarterly_r=C3=A9sum=C3=A9?=")
        self.assertEqual(frm, [[b"=?utf-8?q?Ana_P=C3=A9rez?=", None, b"ana", b"example.org"]])
        self.assertEqual(sender, frm)  # RFC 9051 §7.5.2: defaults to From
        self.assertEqual(reply_to, frm)
        self.assertEqual(to, [[None, None, b"hello", b"demo.example"], [b"Bob", None, b"bob", b"example.net"]])
        self.assertEqual(cc, [[None, None, b"carol", b"example.com"]])
        self.assertIsNone(bcc)
        self.assertEqual(in_reply_to, b"<prev@e2e.test>")
        self.assertEqual(message_id, b"<multi.1@e2e.test>")

        bs = d["BODYSTRUCTURE"]
        self.assertEqual(bs[2].upper(), b"MIXED")
        self.assertEqual(bs[0][2].upper(), b"ALTERNATIVE")
        parts = leaves(bs)
        self.assertEqual([p for p, _ in parts], ["1.1", "1.2", "2"])
        plain, html, attachment = (b for _, b in parts)
        self.assertEqual((plain[0].upper(), plain[1].upper()), (b"TEXT", b"PLAIN"))
        self.assertEqual([x.upper() for x in plain[2]], [b"CHARSET", b"UTF-8"])
        self.assertEqual(plain[5].upper(), b"QUOTED-PRINTABLE")
        self.assertEqual(plain[7], b"2")  # lines
        self.assertEqual((html[0].upper(), html[1].upper()), (b"TEXT", b"HTML"))
        self.assertEqual((attachment[0].upper(), attachment[1].upper()), (b"APPLICATION", b"OCTET-STREAM"))
        self.assertEqual(attachment[5].upper(), b"BASE64")
        # Extension data of a non-text part: md5, then the disposition.
        self.assertEqual(attachment[8][0].upper(), b"ATTACHMENT")
        self.assertEqual([x.upper() for x in attachment[8][1]], [b"FILENAME", b"DATA.BIN"])

        # Each part's size in the structure is the size of its BODY[section].
        sections = " ".join("BODY.PEEK[%s]" % p for p, _ in parts)
        f = fetch_one(m, uid, "(%s BINARY.PEEK[2] BINARY.PEEK[1.1] BODY.PEEK[2.MIME])" % sections)
        for (section, fields) in parts:
            self.assertEqual(len(f["BODY[%s]" % section]), int(fields[6]), section)
        self.assertEqual(f["BODY[1.1]"], b"Plain r=C3=A9sum=C3=A9 text with zebra\r\nsecond line")
        self.assertEqual(f["BODY[1.2]"], b"<p>html</p>")
        self.assertEqual(f["BODY[2]"], b"AAECAwQF")
        self.assertEqual(f["BINARY[2]"], bytes(range(6)))
        self.assertEqual(f["BINARY[1.1]"], "Plain résumé text with zebra\r\nsecond line".encode())
        self.assertTrue(f["BODY[2.MIME]"].startswith(b"Content-Type: application/octet-stream"), f["BODY[2.MIME]"])
        self.assertTrue(f["BODY[2.MIME]"].endswith(b"\r\n\r\n"))

        # BODY (non-extensible) has the same shape without extension data.
        d = fetch_one(m, uid, "(BODY)")
        self.assertEqual(d["BODY"][2].upper(), b"MIXED")

    def test_fetch_sections_and_partial(self):
        m = self.connect()
        name = self.folder(m)
        msg = make_message("Sections", body="0123456789abcdefghij\r\n", extra="X-Extra: yes\r\n")
        uid = uid_of_append(m.append(name, None, None, msg))
        self.ok(m.select(name))
        header, _, text = msg.partition(b"\r\n\r\n")
        f = fetch_one(m, uid, "(BODY.PEEK[] BODY.PEEK[HEADER] BODY.PEEK[TEXT] BODY.PEEK[HEADER.FIELDS (SUBJECT)] "
                              "BODY.PEEK[HEADER.FIELDS.NOT (SUBJECT DATE)] BODY.PEEK[]<0.10> BODY.PEEK[TEXT]<5.5> "
                              "BODY.PEEK[]<100000.10> RFC822.HEADER FLAGS)")
        self.assertEqual(f["BODY[]"], msg)
        self.assertEqual(f["BODY[HEADER]"], header + b"\r\n\r\n")
        self.assertEqual(f["BODY[TEXT]"], text)
        self.assertEqual(f["BODY[HEADER.FIELDS (SUBJECT)]"], b"Subject: Sections\r\n\r\n")
        self.assertNotIn(b"Subject:", f["BODY[HEADER.FIELDS.NOT (SUBJECT DATE)]"])
        self.assertIn(b"X-Extra: yes\r\n", f["BODY[HEADER.FIELDS.NOT (SUBJECT DATE)]"])
        self.assertEqual(f["BODY[]<0>"], msg[:10])
        self.assertEqual(f["BODY[TEXT]<5>"], b"56789")
        self.assertEqual(f["BODY[]<100000>"], b"")
        self.assertEqual(f["RFC822.HEADER"], header + b"\r\n\r\n")
        self.assertNotIn(b"\\Seen", f["FLAGS"])  # PEEK does not set \Seen

        typ, data = m.uid("FETCH", str(uid), "(BODY[TEXT])")
        self.assertEqual(typ, "OK")
        d = parse_fetch(data)[0][1]
        self.assertEqual(d["BODY[TEXT]"], text)
        self.assertIn(b"\\Seen", fetch_one(m, uid, "(FLAGS)")["FLAGS"])  # BODY[] sets \Seen

        # EXAMINE is read-only: FETCH BODY[] there must not set \Seen.
        uid2 = uid_of_append(m.append(name, None, None, make_message("read only")))
        m.close()
        self.ok(m.select(name, readonly=True))
        fetch_one(m, uid2, "(BODY[])")
        self.assertNotIn(b"\\Seen", fetch_one(m, uid2, "(FLAGS)")["FLAGS"])
        self.assertEqual(m.uid("STORE", str(uid2), "+FLAGS", "(\\Flagged)")[0], "NO")

    def test_fetch_by_sequence_ranges(self):
        m = self.connect()
        name = self.folder(m)
        uids = [uid_of_append(m.append(name, None, None, make_message("range %d" % i))) for i in range(5)]
        self.ok(m.select(name))
        rows = parse_fetch(self.ok(m.fetch("2:4", "(UID)")))
        self.assertEqual([s for s, _ in rows], [2, 3, 4])
        self.assertEqual([int(d["UID"]) for _, d in rows], uids[1:4])
        rows = parse_fetch(self.ok(m.fetch("*", "(UID)")))
        self.assertEqual([int(d["UID"]) for _, d in rows], [uids[-1]])
        rows = parse_fetch(self.ok(m.uid("FETCH", "%d:*" % (uids[-1] + 100), "(UID)")))
        self.assertEqual([int(d["UID"]) for _, d in rows], [uids[-1]])  # RFC 9051 §6.4.8: n:* includes the last
        rows = parse_fetch(self.ok(m.uid("FETCH", "%d,%d" % (uids[0], uids[3]), "(UID)")))
        self.assertEqual(sorted(int(d["UID"]) for _, d in rows), [uids[0], uids[3]])

    def test_store(self):
        m = self.connect()
        name = self.folder(m)
        uid = uid_of_append(m.append(name, None, None, make_message("flags")))
        self.ok(m.select(name))
        data = self.ok(m.uid("STORE", str(uid), "+FLAGS", "(\\Seen \\Flagged $Label1)"))
        self.assertEqual(set(parse_fetch(data)[0][1]["FLAGS"]), {b"\\Recent", b"\\Seen", b"\\Flagged", b"$Label1"})
        data = self.ok(m.uid("STORE", str(uid), "-FLAGS", "(\\Flagged)"))
        self.assertEqual(set(parse_fetch(data)[0][1]["FLAGS"]), {b"\\Recent", b"\\Seen", b"$Label1"})
        # \\Recent is the server's: replacing the flags keeps it (RFC 3501 §2.3.2).
        data = self.ok(m.uid("STORE", str(uid), "FLAGS", "(\\Answered)"))
        self.assertEqual(parse_fetch(data)[0][1]["FLAGS"], [b"\\Recent", b"\\Answered"])
        data = self.ok(m.uid("STORE", str(uid), "+FLAGS.SILENT", "(\\Draft)"))
        self.assertEqual([d for d in data if d], [])  # silent: no FETCH for our own change
        self.assertEqual(set(fetch_one(m, uid, "(FLAGS)")["FLAGS"]), {b"\\Recent", b"\\Answered", b"\\Draft"})
        typ, data = m.uid("STORE", str(uid), "+FLAGS", "(\\Recent)")
        self.assertIn(typ, ("NO", "BAD"))  # \Recent cannot be stored (RFC 3501 §2.3.2)
        self.assertEqual(set(fetch_one(m, uid, "(FLAGS)")["FLAGS"]), {b"\\Recent", b"\\Answered", b"\\Draft"})
        # Another session sees the flags, never this session's \\Recent.
        other = self.connect()
        self.ok(other.select(name))
        self.assertEqual(set(fetch_one(other, uid, "(FLAGS)")["FLAGS"]), {b"\\Answered", b"\\Draft"})

    def test_search(self):
        m = self.connect()
        name = self.folder(m)
        spec = [  # subject, body, from, internal date, Date header, flags
            ("alpha report", "the zebra crossed", "Carol <carol@example.com>", "01-Jan-2020 12:00:00 +0000",
             "Wed, 01 Jan 2020 12:00:00 +0000", "(\\Seen)"),
            ("beta notes", "nothing here", "Dave <dave@example.net>", "15-Jun-2021 12:00:00 +0000",
             "Tue, 15 Jun 2021 12:00:00 +0000", None),
            ("=?utf-8?q?caf=C3=A9_menu?=", "Coffee and Zebra cakes", "Carol <carol@example.com>",
             "20-Jun-2021 12:00:00 +0000", "Sun, 20 Jun 2021 12:00:00 +0000", "(\\Flagged \\Seen)"),
            ("gamma", "plain", "Eve <eve@example.org>", "01-Dec-2022 12:00:00 +0000",
             "Thu, 01 Dec 2022 12:00:00 +0000", None),
        ]
        uids = []
        for subject, body, frm, idate, date, flags in spec:
            msg = make_message(subject, body=body + "\r\n", sender=frm, date=date)
            uids.append(uid_of_append(m.append(name, flags, '"%s"' % idate, msg)))
        self.ok(m.select(name))

        def search(*criteria, uid=False):
            typ, data = m.uid("SEARCH", *criteria) if uid else m.search(None, *criteria)
            self.assertEqual(typ, "OK", (criteria, data))
            return sorted(int(x) for x in data[0].split())

        self.assertEqual(search("ALL"), [1, 2, 3, 4])
        self.assertEqual(search("SUBJECT", "alpha"), [1])
        self.assertEqual(search("SUBJECT", '"NOTES"'), [2])           # case-insensitive
        self.assertEqual(search("BODY", "zebra"), [1, 3])
        self.assertEqual(search("FROM", "carol"), [1, 3])
        self.assertEqual(search("FROM", "example.net"), [2])
        self.assertEqual(search("UNSEEN"), [2, 4])
        self.assertEqual(search("SEEN", "FLAGGED"), [3])
        self.assertEqual(search("SINCE", "15-Jun-2021"), [2, 3, 4])
        self.assertEqual(search("BEFORE", "15-Jun-2021"), [1])
        self.assertEqual(search("ON", "20-Jun-2021"), [3])
        self.assertEqual(search("SENTBEFORE", "01-Jan-2021"), [1])
        self.assertEqual(search("SENTSINCE", "01-Jun-2021", "SENTBEFORE", "01-Jan-2022"), [2, 3])
        self.assertEqual(search("OR", "SUBJECT", "gamma", "FROM", "dave"), [2, 4])
        self.assertEqual(search("NOT", "FROM", "carol"), [2, 4])
        self.assertEqual(search("TEXT", "zebra", "UNFLAGGED"), [1])
        self.assertEqual(search("HEADER", "Message-ID", "e2e.test"), [1, 2, 3, 4])
        self.assertEqual(search("2:3"), [2, 3])
        self.assertEqual(search("LARGER", "1"), [1, 2, 3, 4])
        self.assertEqual(search("SUBJECT", "nomatchanywhere"), [])
        self.assertEqual(search("SUBJECT", "alpha", uid=True), [uids[0]])
        self.assertEqual(search("UID", "%d:%d" % (uids[1], uids[2]), uid=True), uids[1:3])

        # A non-ASCII key in a literal; encoded words are searched decoded.
        m.literal = "café".encode()
        typ, data = m.search("UTF-8", "SUBJECT")
        self.assertEqual(typ, "OK", data)
        self.assertEqual(data[0].split(), [b"3"])

        # ESEARCH (RFC 4731) with RETURN.
        typ, data = m._simple_command("SEARCH", "RETURN (MIN MAX COUNT) FROM carol")
        self.assertEqual(typ, "OK", data)
        _, esearch = m._untagged_response(typ, data, "ESEARCH")
        tokens = tokenize_response(esearch[-1])
        d = {tokens[i].upper(): tokens[i + 1] for i in range(1 if isinstance(tokens[0], list) else 0,
                                                            len(tokens) - 1, 2)}
        self.assertEqual((d[b"MIN"], d[b"MAX"], d[b"COUNT"]), (b"1", b"3", b"2"))

        with self.assertRaisesRegex(imaplib.IMAP4.error, "BAD"):
            m.search(None, "NOSUCHKEY")

    def test_sort(self):
        m = self.connect()
        name = self.folder(m)
        for subject in ("banana", "apple", "cherry"):
            m.append(name, None, None, make_message(subject))
        self.ok(m.select(name))
        typ, data = m.sort("(SUBJECT)", "UTF-8", "ALL")
        self.assertEqual(typ, "OK", data)
        self.assertEqual(data[0].split(), [b"2", b"1", b"3"])
        typ, data = m.sort("(REVERSE SUBJECT)", "UTF-8", "ALL")
        self.assertEqual(data[0].split(), [b"3", b"1", b"2"])

    def test_tls_client_gone_in_the_middle_of_a_reply(self):
        """A TLS client that resets its connection while a large reply is
        being written costs the server that connection and nothing else."""
        m = self.connect()
        name = self.folder(m)
        self.ok(m.append(name, None, None, make_message("big", body=("y" * 998 + "\r\n") * 3000)))
        for _ in range(3):
            raw = socket.create_connection(("127.0.0.1", self.mail.imaps), timeout=10)
            tls = self.mail.tls_context().wrap_socket(raw, server_hostname="localhost")
            got = b""
            deadline = time.monotonic() + 10
            tls.sendall(b"a LOGIN %s %s\r\nb SELECT %s\r\nc FETCH 1 BODY[]\r\n"
                        % (DEMO_ADDRESS.encode(), self.mail.password.encode(), name.encode()))
            while b"* 1 FETCH" not in got and time.monotonic() < deadline:
                got += tls.recv(65536)
            self.assertIn(b"* 1 FETCH", got)
            tls.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            tls.close()  # RST with most of the reply unsent
        time.sleep(0.5)
        self.assertTrue(self.mail.alive(), "the server died:\n" + self.mail.log())
        again = self.mail.imap_ssl()
        again.login(DEMO_ADDRESS, self.mail.password)
        self.assertEqual(again.select(name)[0], "OK")
        again.logout()

    def test_plain_text_on_the_tls_port_ends_only_that_connection(self):
        """Bytes that are not a TLS handshake on the implicit-TLS port: the
        handshake fails, the connection is closed, the server goes on."""
        for junk in (b"a LOGIN hello@demo.example secret\r\n", b"\x16\x03\x01\x00\x05hello", b"\x00" * 4096):
            raw = socket.create_connection(("127.0.0.1", self.mail.imaps), timeout=10)
            raw.sendall(junk)
            raw.settimeout(10)
            got = b""
            try:
                while True:
                    chunk = raw.recv(4096)
                    if not chunk:
                        break
                    got += chunk
            except ConnectionResetError:
                pass
            raw.close()
            self.assertNotIn(b"* OK", got, "no IMAP greeting in clear on the TLS port")
        self.assertTrue(self.mail.alive(), "the server died:\n" + self.mail.log())
        again = self.mail.imap_ssl()
        again.login(DEMO_ADDRESS, self.mail.password)
        again.logout()

    def test_sort_keys_and_thread(self):
        m = self.connect()
        name = self.folder(m, "-sortkeys")
        # 1: zed, late, small; 2: amy, early, large, Cc; 3: bob, middle, reply to 1.
        m.append(name, None, None, make_message("Plans", sender="Zed <zed@example.org>", to="c@example.org",
                                                date="Wed, 03 Feb 2021 10:00:00 +0000", msgid="<p1@e2e.test>"))
        m.append(name, None, None, make_message("Other", body="x" * 5000 + "\r\n", sender="Amy <amy@example.org>",
                                                to="a@example.org", date="Mon, 01 Feb 2021 10:00:00 +0000",
                                                msgid="<o1@e2e.test>", extra="Cc: Kim <kim@example.org>\r\n"))
        m.append(name, None, None, make_message("Re: Plans", sender="Bob <bob@example.org>", to="b@example.org",
                                                date="Tue, 02 Feb 2021 10:00:00 +0000", msgid="<p2@e2e.test>",
                                                extra="In-Reply-To: <p1@e2e.test>\r\nReferences: <p1@e2e.test>\r\n"))
        self.ok(m.select(name))
        expect = {
            "(FROM)": [b"2", b"3", b"1"],
            "(REVERSE FROM)": [b"1", b"3", b"2"],
            "(DATE)": [b"2", b"3", b"1"],
            "(SIZE)": [b"1", b"3", b"2"],
            "(TO)": [b"2", b"3", b"1"],
            "(CC)": [b"1", b"3", b"2"],  # no Cc sorts first (empty string)
            "(SUBJECT DATE)": [b"2", b"3", b"1"],  # "Re: Plans" and "Plans" share a base subject
        }
        for criteria, order in expect.items():
            typ, data = m.sort(criteria, "UTF-8", "ALL")
            self.assertEqual(typ, "OK", data)
            self.assertEqual(data[0].split(), order, criteria)
        typ, data = m.uid("SORT", "(FROM)", "UTF-8", "ALL")
        self.assertEqual(len(data[0].split()), 3)

        typ, data = m.thread("REFERENCES", "UTF-8", "ALL")
        self.assertEqual(typ, "OK", data)
        self.assertEqual(data[0], b"(2)(1 3)")
        typ, data = m.thread("ORDEREDSUBJECT", "UTF-8", "ALL")
        self.assertEqual(typ, "OK", data)
        # RFC 5256: one thread per base subject, its messages by date, the
        # threads by the date of their first message.
        self.assertEqual(data[0], b"(2)(3 1)")

    def test_uid_copy_and_move(self):
        m = self.connect()
        src = self.folder(m, "-src")
        dst = self.folder(m, "-dst")
        msgs = [make_message("copy %d" % i) for i in range(3)]
        uids = [uid_of_append(m.append(src, "(\\Flagged)" if i == 0 else None, None, msg))
                for i, msg in enumerate(msgs)]
        typ, data = m.select(dst)
        dst_validity = int(m.untagged_responses["UIDVALIDITY"][-1])
        self.ok(m.select(src))
        src_validity = int(m.untagged_responses["UIDVALIDITY"][-1])

        m.untagged_responses.pop("COPYUID", None)
        typ, data = m.uid("COPY", "%d:%d" % (uids[0], uids[1]), dst)
        self.assertEqual(typ, "OK", data)
        copyuid = m.untagged_responses.pop("COPYUID", None)  # from the tagged OK [COPYUID v src dst]
        self.assertIsNotNone(copyuid, data)
        cu = copyuid[-1].split()
        self.assertEqual(int(cu[0]), dst_validity)
        src_set, dst_set = expand(cu[1]), expand(cu[2])
        self.assertEqual(src_set, uids[:2])
        self.assertEqual(len(dst_set), 2)

        # MOVE: the COPYUID comes in an untagged OK, then EXPUNGE (RFC 6851 §4.3).
        typ, data = m.uid("MOVE", str(uids[2]), dst)
        self.assertEqual(typ, "OK", data)
        copyuid = m.untagged_responses.pop("COPYUID", None)
        self.assertIsNotNone(copyuid, data)
        mv = copyuid[-1].split()
        self.assertEqual(int(mv[0]), dst_validity)
        self.assertEqual(expand(mv[1]), [uids[2]])
        self.assertEqual(m.untagged_responses.pop("EXPUNGE", None), [b"3"])
        self.assertEqual([int(d["UID"]) for _, d in parse_fetch(self.ok(m.fetch("1:*", "(UID)")))], uids[:2])
        self.assertEqual(src_validity, int(self.ok(m.status(src, "(UIDVALIDITY)"))[0].split()[-1].rstrip(b")")))

        # The destination has the three messages, byte-exact, flags copied.
        self.ok(m.select(dst))
        expect = {dst_set[0]: msgs[0], dst_set[1]: msgs[1], expand(mv[2])[0]: msgs[2]}
        for uid, msg in expect.items():
            d = fetch_one(m, uid, "(BODY.PEEK[] FLAGS)")
            self.assertEqual(d["BODY[]"], msg)
        self.assertIn(b"\\Flagged", fetch_one(m, dst_set[0], "(FLAGS)")["FLAGS"])

        typ, data = m.uid("COPY", str(dst_set[0]), "no-such-folder")
        self.assertEqual(typ, "NO")
        self.assertIn(b"TRYCREATE", data[-1])

    def test_expunge(self):
        m = self.connect()
        name = self.folder(m)
        uids = [uid_of_append(m.append(name, None, None, make_message("expunge %d" % i))) for i in range(6)]
        self.ok(m.select(name))
        self.ok(m.store("2,4", "+FLAGS", "(\\Deleted)"))
        typ, data = m.expunge()
        self.assertEqual(typ, "OK")
        # Each EXPUNGE names a sequence number at the time it is sent.
        self.assertEqual(len(data), 2, data)
        left = list(uids)
        for seq in data:
            del left[int(seq) - 1]
        self.assertEqual(left, [uids[0], uids[2], uids[4], uids[5]])
        rows = parse_fetch(self.ok(m.fetch("1:*", "(UID)")))
        self.assertEqual([int(d["UID"]) for _, d in rows], [uids[0], uids[2], uids[4], uids[5]])

        # UID EXPUNGE removes only the given \Deleted messages (RFC 4315 §2.1).
        self.ok(m.uid("STORE", "%d,%d" % (uids[0], uids[5]), "+FLAGS", "(\\Deleted)"))
        typ, data = m.uid("EXPUNGE", str(uids[5]))
        self.assertEqual(typ, "OK", data)
        rows = parse_fetch(self.ok(m.fetch("1:*", "(UID FLAGS)")))
        self.assertEqual([int(d["UID"]) for _, d in rows], [uids[0], uids[2], uids[4]])
        self.assertIn(b"\\Deleted", rows[0][1]["FLAGS"])

        # CLOSE expunges silently; UIDNEXT does not go back.
        m.close()
        typ, data = m.status(name, "(MESSAGES UIDNEXT)")
        self.assertIn(b"MESSAGES 2", data[0])
        self.assertIn(b"UIDNEXT %d" % (uids[-1] + 1), data[0])
        uid = uid_of_append(m.append(name, None, None, make_message("after expunge")))
        self.assertEqual(uid, uids[-1] + 1)

    def expunged_elsewhere(self):
        """A raw session with a folder of 3 messages selected, the 2nd of
        which another session has just expunged (not yet announced). Returns
        (raw session, UIDs)."""
        m = self.connect()
        name = self.folder(m)
        uids = [uid_of_append(m.append(name, None, None, make_message("ghost %d" % i))) for i in range(3)]
        c = self.raw(login=True)
        untagged, _ = c.command("SELECT %s" % name)
        self.assertIn(b"* 3 EXISTS", untagged)
        self.ok(m.select(name))
        self.ok(m.uid("STORE", str(uids[1]), "+FLAGS.SILENT", "(\\Deleted)"))
        self.ok(m.expunge())
        return c, uids

    def test_fetch_of_a_message_another_session_expunged(self):
        # RFC 2180 §4.1: FETCH of a message expunged by another session (not
        # yet announced by EXPUNGE) either returns its data (§4.1.1) or fails
        # with NO (§4.1.2; RFC 5530 [EXPUNGEISSUED]). A plain OK that leaves
        # the message out reads as "this message has no such data".
        c, uids = self.expunged_elsewhere()
        untagged, tagged = c.command("FETCH 1:3 (UID)")
        self.assertNotIn(b"EXPUNGE", b" ".join(untagged))  # never during FETCH (RFC 9051 §7.5.1)
        answered = [l for l in untagged if re.match(rb"^\* \d+ FETCH", l)]
        if len(answered) < 3:
            self.assertRegex(tagged, rb"^r\d+ NO", "FETCH left out message 2 but answered OK: %r" % (untagged,))
        # After NOOP the view catches up.
        untagged, tagged = c.command("NOOP")
        self.assertIn(b"* 2 EXPUNGE", untagged)
        untagged, tagged = c.command("FETCH 1:* (UID)")
        self.assertEqual(untagged, [b"* 1 FETCH (UID %d)" % uids[0], b"* 2 FETCH (UID %d)" % uids[2]])

    def test_copy_of_a_message_another_session_expunged(self):
        # COPYUID, when sent, names two non-empty UID sets (RFC 4315 §3).
        c, uids = self.expunged_elsewhere()
        for command in ("COPY 2 INBOX", "COPY 1:3 INBOX", "MOVE 2 INBOX"):
            untagged, tagged = c.command(command)
            self.assertRegex(tagged, rb"^r\d+ (OK|NO)", command)
            for line in untagged + [tagged]:
                if b"COPYUID" in line:
                    self.assertRegex(line, rb"\[COPYUID \d+ [\d:,]+ [\d:,]+\]", command)

    def test_large_message_round_trip(self):
        m = self.connect()
        name = self.folder(m)
        payload = os.urandom(3_900_000)  # 5.3 MB once in base64
        b64 = base64.encodebytes(payload).replace(b"\n", b"\r\n")
        msg = (b"From: a@example.org\r\nTo: hello@demo.example\r\nSubject: five megabytes\r\n"
               b"Message-ID: <big@e2e.test>\r\nMIME-Version: 1.0\r\n"
               b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n"
               b"--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n"
               + b64 + b"--b--\r\n")
        self.assertGreater(len(msg), 5 * MIB)
        self.assertLess(len(msg), 6 * MIB)
        t0 = time.monotonic()
        uid = uid_of_append(m.append(name, None, None, msg))
        self.ok(m.select(name))
        d = fetch_one(m, uid, "(RFC822.SIZE BODY.PEEK[])")
        elapsed = time.monotonic() - t0
        self.assertEqual(int(d["RFC822.SIZE"]), len(msg))
        self.assertEqual(len(d["BODY[]"]), len(msg))
        self.assertTrue(d["BODY[]"] == msg, "BODY[] differs from what was appended")
        self.assertEqual(fetch_one(m, uid, "(BINARY.PEEK[2])")["BINARY[2]"], payload)
        self.assertLess(elapsed, 20, "5 MB APPEND + FETCH took %.1f s" % elapsed)
        print("\n  %.1f MB APPEND + SELECT + FETCH BODY[]: %.2f s" % (len(msg) / 1e6, elapsed), end=" ")

    def test_literal_over_appendlimit_refused_connection_kept(self):
        m = self.connect()
        name = self.folder(m)
        self.assertIn("APPENDLIMIT=%d" % (6 * MIB), " ".join(m.capabilities) + " " +
                      self.ok(m.capability())[0].decode())
        too_big = make_message("too big", body="x" * (6 * MIB + 10))
        typ, data = m.append(name, None, None, too_big)
        self.assertEqual(typ, "NO")
        self.assertIn(b"[TOOBIG]", data[0])
        self.ok(m.noop())  # the connection is still usable
        self.assertIn(b"MESSAGES 0", self.ok(m.status(name, "(MESSAGES)"))[0])

        # On the wire: no continuation, a tagged NO [TOOBIG], then business as usual.
        c = self.raw(login=True)
        c.send("big APPEND %s {%d}\r\n" % (name, 6 * MIB + 1))
        line = c.line(5)
        self.assertRegex(line, rb"^big NO \[TOOBIG\]")
        _, tagged = c.command("NOOP")
        self.assertRegex(tagged, rb"^r\d+ OK")

        # Exactly at the limit is accepted.
        exact = make_message("exactly at the limit", body="")
        exact += b"y" * (6 * MIB - len(exact))
        self.assertEqual(len(exact), 6 * MIB)
        uid = uid_of_append(m.append(name, None, None, exact))
        self.ok(m.select(name))
        self.assertEqual(int(fetch_one(m, uid, "(RFC822.SIZE)")["RFC822.SIZE"]), 6 * MIB)

    def test_nonsynchronizing_literal_over_limit_ends_connection(self):
        # RFC 7888 §4: the octets are already on their way: BAD, then BYE.
        c = self.raw(login=True)
        c.send("big APPEND INBOX {%d+}\r\n" % (6 * MIB + 1))
        self.assertRegex(c.line(5), rb"^big BAD \[TOOBIG\] ")
        self.assertRegex(c.line(5), rb"^\* BYE ")
        self.assertTrue(c.closed(5))

    def test_malformed_commands_get_bad(self):
        m = self.connect()
        name = self.folder(m)
        m.append(name, None, None, make_message("malformed"))
        c = self.raw(login=True)
        _, tagged = c.command("SELECT %s" % name)
        self.assertRegex(tagged, rb"^r\d+ OK")
        for text in ["FETCH", "FETCH 1", "FETCH 1 (FLAGS", "FETCH x:y FLAGS", "FETCH 1 (NOSUCHITEM)",
                     "FETCH 1 BODY[1.]", "FETCH 1 BODY[]<5>", "FROBNICATE", "SELECT", "STORE 1 +FLAGS",
                     "STORE 1 BADOP (\\Seen)", "SEARCH SUBJECT", "SEARCH NOSUCHKEY", "SEARCH (ALL", "APPEND",
                     "UID", "UID FROB 1", "LOGIN a b", "COPY 1", "LIST \"\"", "STATUS INBOX", "STATUS INBOX (NOPE)",
                     "CREATE", "NOOP extra", "IDLE now", "SEARCH BEFORE 32-Jan-2020"]:
            _, tagged = c.command(text)
            self.assertRegex(tagged, rb"^r\d+ BAD ", text)

        # An empty line.
        c.send("\r\n")
        self.assertRegex(c.line(), rb"^\* BAD")
        # A line past the limit, then the session goes on.
        c.send("long NOOP " + "x" * 100000 + "\r\n")
        self.assertRegex(c.line(), rb"^(long|\*) BAD")
        untagged, tagged = c.command("FETCH 1 (FLAGS)")
        self.assertRegex(tagged, rb"^r\d+ OK")
        self.assertEqual(len([l for l in untagged if l.startswith(b"* 1 FETCH")]), 1)
        self.assertTrue(self.mail.alive())

        # Without a valid tag the answer is untagged: a tag is ASTRING-CHARs
        # except "+" (RFC 9051 §9), and "*" is not one. Answering "a" would
        # complete some other command the client tagged "a".
        c.send("a*b NOOP\r\n")
        self.assertRegex(c.line(), rb"^\* BAD")

    def wait_line(self, c, pattern, what, timeout):
        """Reads lines from `c` until one matches `pattern`: the seconds it took; fails the test after `timeout`."""
        t0 = time.monotonic()
        deadline = t0 + timeout
        seen = []
        while time.monotonic() < deadline:
            try:
                line = c.line(max(0.01, deadline - time.monotonic()))
            except TimeoutError:
                break
            seen.append(line)
            if re.match(pattern, line):
                return time.monotonic() - t0
        self.fail("no %s within %g s during IDLE; got %r\n%s" % (what, timeout, seen, self.mail.log()[-2000:]))

    def test_idle_wakes_on_append_by_another_session(self):
        writer = self.connect()
        name = self.folder(writer)
        other = self.folder(writer, "-other")
        writer.append(name, None, None, make_message("before idle"))

        c = self.raw(login=True)
        untagged, tagged = c.command("SELECT %s" % name)
        self.assertIn(b"* 1 EXISTS", untagged)
        c.send("idle IDLE\r\n")
        self.assertTrue(c.line().startswith(b"+ "))

        # Nothing for mail in another folder.
        writer.append(other, None, None, make_message("elsewhere"))
        with self.assertRaises(TimeoutError):
            c.line(0.5)

        def wait_for(pattern, what):
            return self.wait_line(c, pattern, what, 1.0)

        uid = uid_of_append(writer.append(name, None, None, make_message("wake up")))
        latency = wait_for(rb"^\* 2 EXISTS$", "EXISTS")
        self.ok(writer.select(name))
        self.ok(writer.uid("STORE", str(uid), "+FLAGS.SILENT", "(\\Flagged)"))
        wait_for(rb"^\* 2 FETCH \(.*FLAGS \([^)]*\\Flagged", "FETCH FLAGS")
        self.ok(writer.uid("STORE", "1:*", "+FLAGS.SILENT", "(\\Deleted)"))
        self.ok(writer.expunge())
        wait_for(rb"^\* [12] EXPUNGE$", "EXPUNGE")
        print("\n  IDLE woke %.0f ms after the APPEND completed" % (latency * 1000), end=" ")
        c.send("DONE\r\n")
        untagged, tagged = c.until_tagged("idle")
        self.assertRegex(tagged, rb"^idle OK")
        _, tagged = c.command("NOOP")
        self.assertRegex(tagged, rb"^r\d+ OK")

    def test_many_sessions_idling_on_one_folder_each_hear_every_change(self):
        # The server reads a change once for all the sessions standing at the
        # same point (imap/folder_changes.hpp); each must still get its own
        # complete report, and the new mail is \Recent in exactly one.
        writer = self.connect()
        name = self.folder(writer)
        writer.append(name, None, None, make_message("before idle"))
        idlers = []
        for i in range(6):
            c = self.raw(login=True)
            untagged, _ = c.command("%s %s" % ("EXAMINE" if i == 5 else "SELECT", name))
            self.assertIn(b"* 1 EXISTS", untagged)
            c.send("idle IDLE\r\n")
            self.assertTrue(c.line().startswith(b"+ "))
            idlers.append(c)

        def each_sees(pattern, what):
            for n, c in enumerate(idlers):
                self.wait_line(c, pattern, "%s on session %d" % (what, n), 2.0)

        uid = uid_of_append(writer.append(name, None, None, make_message("to everyone")))
        each_sees(rb"^\* 2 EXISTS$", "EXISTS")
        self.ok(writer.select(name))
        self.ok(writer.uid("STORE", str(uid), "+FLAGS.SILENT", "($Shared)"))
        each_sees(rb"^\* 2 FETCH \(.*FLAGS \([^)]*\$Shared", "FETCH FLAGS")
        self.ok(writer.uid("STORE", "1", "+FLAGS.SILENT", "(\\Deleted)"))
        self.ok(writer.expunge())
        each_sees(rb"^\* 1 EXPUNGE$", "EXPUNGE")

        recent = 0
        for c in idlers[:5]:
            c.send("DONE\r\n")
            _, tagged = c.until_tagged("idle")
            self.assertRegex(tagged, rb"^idle OK")
            untagged, tagged = c.command("FETCH 1 (FLAGS)")
            self.assertRegex(tagged, rb"^r\d+ OK")
            fetched = [l for l in untagged if l.startswith(b"* 1 FETCH")]
            self.assertEqual(len(fetched), 1, untagged)
            self.assertIn(b"$Shared", fetched[0])
            recent += b"\\Recent" in fetched[0]
        self.assertEqual(recent, 1, "the new message is \\Recent in exactly one read-write session")

    def test_two_users_of_one_address_see_each_others_flags(self):
        bob_password = self.mail.add_user("bob")
        admin = self.connect()
        name = self.folder(admin)
        uid = uid_of_append(admin.append(name, None, None, make_message("shared")))
        bob = self.connect(password=bob_password)
        self.ok(bob.select(name))
        self.ok(admin.select(name))

        self.ok(admin.uid("STORE", str(uid), "+FLAGS", "(\\Flagged)"))
        bob.untagged_responses.pop("FETCH", None)
        self.ok(bob.noop())
        seen = bob.untagged_responses.pop("FETCH", [])
        self.assertTrue(any(b"\\Flagged" in x for x in seen), seen)

        self.ok(bob.uid("STORE", str(uid), "+FLAGS", "(\\Answered $Done)"))
        admin.untagged_responses.pop("FETCH", None)
        self.ok(admin.noop())
        seen = admin.untagged_responses.pop("FETCH", [])
        self.assertTrue(any(b"\\Answered" in x and b"$Done" in x for x in seen), seen)
        self.assertEqual(set(fetch_one(admin, uid, "(FLAGS)")["FLAGS"]), {b"\\Flagged", b"\\Answered", b"$Done"})
        # \\Recent is the one session's that claimed the message.
        self.assertEqual(set(fetch_one(bob, uid, "(FLAGS)")["FLAGS"]), {b"\\Recent", b"\\Flagged", b"\\Answered", b"$Done"})

        # A message appended by one is seen by the other.
        uid2 = uid_of_append(bob.append(name, None, None, make_message("from bob")))
        self.ok(admin.noop())
        self.assertIn(b"2", admin.untagged_responses.get("EXISTS", []))
        self.assertEqual(fetch_one(admin, uid2, "(UID)")["UID"], str(uid2).encode())


def expand(uid_set):
    """"1:3,7" → [1, 2, 3, 7] (in the order given)."""
    out = []
    for part in (uid_set.decode() if isinstance(uid_set, bytes) else uid_set).split(","):
        if ":" in part:
            a, b = (int(x) for x in part.split(":"))
            out += list(range(a, b + 1)) if a <= b else list(range(a, b - 1, -1))
        else:
            out.append(int(part))
    return out


if __name__ == "__main__":
    unittest.main()
