"""IMAP behaviours an independent compliance suite checks, as transcripts
through the real binary (raw commands: the untagged responses matter):

- SENTBEFORE/SENTON/SENTSINCE compare the Date field's own day, whatever
  its time and zone (RFC 3501 §6.4.4, RFC 9051 §6.4.4);
- only "*" means the highest UID: an explicit 4294967295 is a number
  (RFC 9051 §9), so UID n:4294967295 past the last message is empty;
- the first CONDSTORE enabling command of a session (FETCH MODSEQ or
  CHANGEDSINCE, SEARCH MODSEQ, STORE UNCHANGEDSINCE, STATUS (HIGHESTMODSEQ))
  answers "* OK [HIGHESTMODSEQ n]" once (RFC 7162 §3.1);
- IMAP4rev1 SELECT and EXAMINE say "* OK [UNSEEN n]", the first message
  without \\Seen (RFC 3501 §6.3.1), IMAP4rev2 sessions do not (RFC 9051);
- STATUS (APPENDLIMIT) answers the limit announced (RFC 7889 §3.1);
- keywords are announced in FLAGS (and PERMANENTFLAGS) before any FETCH
  shows them, however they arrive: STORE here or in another session,
  APPEND, COPY (RFC 3501 §7.2.6, RFC 9051 §7.3.5);
- \\Recent for IMAP4rev1 sessions (RFC 3501 §2.3.2, §7.3.2): RECENT on
  SELECT and when mail arrives, STATUS (RECENT), \\Recent in FLAGS for the
  one session that claimed a message, SEARCH RECENT/NEW/OLD; nothing of it
  for IMAP4rev2 sessions;
- mail COPYed into the selected folder by another session shows at the
  next NOOP as EXISTS and RECENT;
- subscriptions are names that outlive their folder: LIST (SUBSCRIBED)
  shows a deleted one as \\NonExistent, LSUB with a trailing "%" shows a
  level that only holds subscribed names as \\Noselect, RECURSIVEMATCH
  gives CHILDINFO (RFC 9051 §6.3.7, RFC 3501 §6.3.9, RFC 5258 §3);
- SORT (RFC 5256, RFC 5957): SUBJECT by base subject, CC/TO by the first
  address's local part, DISPLAYTO by display name, in i;unicode-casemap;
- BINARY (RFC 3516): BINARY.SIZE is the decoded size, octet for octet
  (base64 text keeps its own line ends); a multipart or message/rfc822
  part answers with its body; an unknown encoding is NO [UNKNOWN-CTE];
- 8-bit text (RFC 6855): quoted strings hold it only after ENABLE
  UTF8=ACCEPT, and then only as valid UTF-8 (§3), else BAD, even right
  behind the ENABLE in one write; APPEND of 8-bit header fields, or with
  the UTF8 data extension, is NO until it is enabled (§4); SEARCH with a
  CHARSET is BAD after it (§3); keywords are 7-bit atoms (RFC 9051 §9);
- RENAME creates the superior names it needs (RFC 9051 §6.3.6);
- LIST (RECURSIVEMATCH SUBSCRIBED) as RFC 5258 §5 example 9: CHILDINFO
  for a subscribed parent too, none that is redundant (§3.5);
- SEARCH TEXT matches the header's field names ("Subject: msg 3"), BODY
  does not (RFC 9051 §6.4.4); ENVELOPE's addr-mailbox is the local part
  without its quoting (RFC 9051 §9);
- commands sent together (RFC 9051 §5.5) are answered in order, each
  seeing what those before it did, however many arrive in one write
  (more than the server runs in one go), with a bad one among them and a
  LOGIN that raises the literal limit for the APPEND right behind it."""

import base64
import re
import unittest

from imap_test import DEMO_ADDRESS, ServerTestCase, bulk_append, make_message, quote


def numbers(untagged, word=b"SEARCH"):
    for line in untagged:
        if line.startswith(b"* " + word):
            return sorted(int(n) for n in re.findall(rb"\d+", line.split(b"(")[0][len(word) + 2:]))
    return None


class ConformanceTest(ServerTestCase):
    def test_sent_dates_are_the_writers_day(self):
        c = self.raw(login=True)
        folder = self.folder_name = "t-sent-dates"
        c.command('CREATE "%s"' % folder)
        dates = {
            "plus2_late": "Sat, 24 Mar 2007 23:00:00 +0200",    # UTC 24 Mar 21:00
            "minus5_late": "Sat, 24 Mar 2007 22:30:00 -0500",   # UTC 25 Mar 03:30
            "plus3_early": "Sun, 25 Mar 2007 01:00:00 +0300",   # UTC 24 Mar 22:00
            "est_noon": "Sat, 24 Mar 2007 12:00:00 EST",         # obsolete zone
            "comment": "Sat, 24 Mar 2007 23:59:59 +0100 (CET)",
        }
        uids = dict(zip(dates, bulk_append(self.mail, folder, [make_message(k, date=v) for k, v in dates.items()])))
        _, tagged = c.command('SELECT "%s"' % folder)
        self.assertIn(b"OK", tagged)
        on24 = {uids[k] for k in ("plus2_late", "minus5_late", "est_noon", "comment")}

        def search(criteria):
            untagged, tagged = c.command("UID SEARCH " + criteria)
            self.assertIn(b" OK ", tagged)
            return set(numbers(untagged))

        self.assertEqual(search("SENTON 24-Mar-2007"), on24)
        self.assertEqual(search("SENTON 25-Mar-2007"), {uids["plus3_early"]})
        self.assertEqual(search("SENTBEFORE 25-Mar-2007"), on24)
        self.assertEqual(search("SENTSINCE 25-Mar-2007"), {uids["plus3_early"]})
        self.assertEqual(search("SENTSINCE 24-Mar-2007"), set(uids.values()))
        self.assertEqual(search("SENTBEFORE 24-Mar-2007"), set())

    def test_only_star_is_the_highest_uid(self):
        c = self.raw(login=True)
        folder = "t-uid-max"
        c.command('CREATE "%s"' % folder)
        uids = bulk_append(self.mail, folder, [make_message("m%d" % i) for i in range(3)])
        untagged, _ = c.command('SELECT "%s"' % folder)
        uidnext = int(re.search(rb"UIDNEXT (\d+)", b"".join(untagged)).group(1))
        self.assertEqual(uidnext, uids[-1] + 1)
        untagged, tagged = c.command("UID SEARCH UID %d:4294967295" % uidnext)
        self.assertIn(b" OK ", tagged)
        self.assertEqual(numbers(untagged), [])
        untagged, _ = c.command("UID SEARCH UID %d:*" % uidnext)
        self.assertEqual(numbers(untagged), [uids[-1]], "n:* with n past the end is the last message")
        untagged, tagged = c.command("UID FETCH 4294967295 (FLAGS)")
        self.assertIn(b" OK ", tagged)
        self.assertEqual([l for l in untagged if b"FETCH" in l], [])
        untagged, tagged = c.command("UID STORE %d:4294967295 +FLAGS (\\Flagged)" % uidnext)
        self.assertIn(b" OK ", tagged)
        untagged, _ = c.command("UID SEARCH FLAGGED")
        self.assertEqual(numbers(untagged), [])
        untagged, _ = c.command("UID SEARCH UID %d:4294967295" % uids[1])
        self.assertEqual(numbers(untagged), uids[1:])

    def test_the_first_condstore_command_says_highestmodseq(self):
        folder = "t-condstore"
        setup = self.raw(login=True)
        setup.command('CREATE "%s"' % folder)
        bulk_append(self.mail, folder, [make_message("c%d" % i) for i in range(2)])
        for first, again in [("FETCH 1 (MODSEQ)", "FETCH 2 (MODSEQ)"),
                             ("UID FETCH 1:* (FLAGS) (CHANGEDSINCE 1)", "FETCH 1 (MODSEQ)"),
                             ("SEARCH MODSEQ 1", "SEARCH MODSEQ 1"),
                             ("STORE 1 (UNCHANGEDSINCE 100000) +FLAGS (\\Seen)", "FETCH 1 (MODSEQ)"),
                             ('STATUS "%s" (HIGHESTMODSEQ)' % folder, "FETCH 1 (MODSEQ)")]:
            with self.subTest(first=first):
                c = self.raw(login=True)
                untagged, _ = c.command('SELECT "%s"' % folder)
                self.assertFalse(any(b"HIGHESTMODSEQ" in l for l in untagged), "not before CONDSTORE is on")
                untagged, tagged = c.command(first)
                self.assertIn(b" OK ", tagged)
                ok = [l for l in untagged if re.match(rb"\* OK \[HIGHESTMODSEQ \d+\]", l)]
                self.assertEqual(len(ok), 1, untagged)
                self.assertEqual(untagged[0], ok[0], "said before the responses it explains")
                untagged, _ = c.command(again)
                self.assertFalse(any(b"HIGHESTMODSEQ" in l for l in untagged), "once per session")
                self.assertTrue(any(b"MODSEQ" in l for l in untagged), untagged)
                c.command("LOGOUT")

    def test_select_says_the_first_unseen_message(self):
        folder = "t-unseen"
        c = self.raw(login=True)
        c.command('CREATE "%s"' % folder)
        bulk_append(self.mail, folder, [make_message("u%d" % i) for i in range(3)])
        untagged, tagged = c.command('SELECT "%s"' % folder)
        self.assertIn(b" OK ", tagged)
        self.assertEqual([l for l in untagged if b"UNSEEN" in l], [b"* OK [UNSEEN 1] first unseen message"])
        c.command("STORE 1:2 +FLAGS.SILENT (\\Seen)")
        untagged, tagged = c.command('EXAMINE "%s"' % folder)
        self.assertIn(b"[READ-ONLY]", tagged)
        self.assertIn(b"* OK [UNSEEN 3] first unseen message", untagged)
        c.command('SELECT "%s"' % folder)
        c.command("STORE 3 +FLAGS.SILENT (\\Seen)")
        untagged, _ = c.command('SELECT "%s"' % folder)
        self.assertFalse(any(b"UNSEEN" in l for l in untagged), "all seen: no UNSEEN")
        c.command("STORE 2 -FLAGS.SILENT (\\Seen)")
        rev2 = self.raw(login=True)
        rev2.command("ENABLE IMAP4rev2")
        untagged, _ = rev2.command('SELECT "%s"' % folder)
        self.assertFalse(any(b"UNSEEN" in l for l in untagged), "IMAP4rev2 removed OK [UNSEEN]")
        untagged, _ = c.command('EXAMINE "%s"' % folder)
        self.assertIn(b"* OK [UNSEEN 2] first unseen message", untagged)

    def test_status_appendlimit(self):
        c = self.raw(login=True)
        untagged, _ = c.command("CAPABILITY")
        limit = int(re.search(rb"APPENDLIMIT=(\d+)", b" ".join(untagged)).group(1))
        untagged, tagged = c.command("STATUS INBOX (APPENDLIMIT)")
        self.assertIn(b" OK ", tagged)
        self.assertEqual(untagged, [b"* STATUS INBOX (APPENDLIMIT %d)" % limit])
        untagged, tagged = c.command('LIST "" INBOX RETURN (STATUS (APPENDLIMIT))')
        self.assertIn(b" OK ", tagged)
        self.assertIn(b"* STATUS INBOX (APPENDLIMIT %d)" % limit, untagged)


class KeywordsTest(ServerTestCase):
    def check_announced(self, untagged, known):
        """Every keyword a FETCH shows was in a FLAGS response before it;
        returns the keywords known after these lines."""
        known = set(known)
        for line in untagged:
            m = re.match(rb"\* FLAGS \(([^)]*)\)", line)
            if m:
                known = {k.lower() for k in m.group(1).split()}
                continue
            m = re.match(rb"\* \d+ FETCH .*FLAGS \(([^)]*)\)", line)
            if m:
                # \\Recent is set by the server alone; FLAGS need not list it.
                for k in m.group(1).split():
                    if k.lower() == b"\\recent":
                        continue
                    self.assertIn(k.lower(), known, "%r shown before FLAGS listed it: %r" % (k, untagged))
        return known

    def test_keywords_are_announced_before_use(self):
        folder = "t-keywords"
        a, b = self.raw(login=True), self.raw(login=True)
        a.command('CREATE "%s"' % folder)
        bulk_append(self.mail, folder, [make_message("k%d" % i) for i in range(3)])
        untagged, _ = a.command('SELECT "%s"' % folder)
        known = self.check_announced(untagged, set())
        b.command('SELECT "%s"' % folder)
        # Another session sets a new keyword: A's NOOP says FLAGS first.
        b.command("STORE 1 +FLAGS ($Label1)")
        untagged, _ = a.command("NOOP")
        self.assertTrue(any(l.startswith(b"* FLAGS") and b"$Label1" in l for l in untagged), untagged)
        self.assertTrue(any(re.match(rb"\* OK \[PERMANENTFLAGS \(.*\$Label1.*\\\*\)\]", l) for l in untagged), untagged)
        known = self.check_announced(untagged, known)
        # This session sets one: FLAGS before its own FETCH.
        untagged, _ = a.command("STORE 2 +FLAGS (\\Flagged Own-Word)")
        known = self.check_announced(untagged, known)
        self.assertIn(b"own-word", known)
        # APPEND and COPY with keywords from the other session, then FETCH.
        b.command('APPEND "%s" (NewOnAppend) {%d+}\r\n%s' % (folder, len(make_message("x")), make_message("x").decode()))
        b.command("STORE 3 +FLAGS (Copied)")
        b.command('COPY 3 "%s"' % folder)
        untagged, _ = a.command("NOOP")
        known = self.check_announced(untagged, known)
        untagged, _ = a.command("FETCH 1:* (FLAGS)")
        known = self.check_announced(untagged, known)
        for k in (b"newonappend", b"copied", b"$label1"):
            self.assertIn(k, known)
        # A new selection lists every keyword in the folder.
        c = self.raw(login=True)
        untagged, _ = c.command('EXAMINE "%s"' % folder)
        flags = [l for l in untagged if l.startswith(b"* FLAGS")][0].lower()
        for k in (b"$label1", b"own-word", b"newonappend", b"copied", b"\\seen"):
            self.assertIn(k, flags)
        self.assertTrue(any(l.startswith(b"* OK [PERMANENTFLAGS ()]") for l in untagged), "read-only")


def recent_of(untagged):
    for line in untagged:
        m = re.match(rb"\* (\d+) RECENT", line)
        if m:
            return int(m.group(1))
    return None


class RecentTest(ServerTestCase):
    def search(self, c, criteria):
        untagged, tagged = c.command("UID SEARCH " + criteria)
        self.assertIn(b" OK ", tagged)
        return numbers(untagged)

    def test_recent_belongs_to_one_session(self):
        folder = "t-recent"
        setup = self.raw(login=True)
        setup.command('CREATE "%s"' % folder)
        uids = bulk_append(self.mail, folder, [make_message("r%d" % i) for i in range(2)])
        untagged, _ = setup.command('STATUS "%s" (RECENT MESSAGES)' % folder)
        self.assertTrue(any(b"RECENT 2" in l for l in untagged), untagged)
        a = self.raw(login=True)
        untagged, _ = a.command('SELECT "%s"' % folder)
        self.assertEqual(recent_of(untagged), 2)
        untagged, _ = a.command("FETCH 1:* (FLAGS)")
        self.assertEqual(sum(b"\\Recent" in l for l in untagged), 2, untagged)
        self.assertEqual(self.search(a, "RECENT"), uids)
        a.command("STORE 1 +FLAGS (\\Seen)")
        self.assertEqual(self.search(a, "NEW"), uids[1:])
        self.assertEqual(self.search(a, "OLD"), [])
        # A second session: nothing is recent for it; STATUS counts none unclaimed.
        b = self.raw(login=True)
        untagged, _ = b.command('SELECT "%s"' % folder)
        self.assertEqual(recent_of(untagged), 0)
        untagged, _ = b.command("FETCH 1:* (FLAGS)")
        self.assertFalse(any(b"\\Recent" in l for l in untagged), untagged)
        self.assertEqual(self.search(b, "OLD"), uids)
        untagged, _ = setup.command('STATUS "%s" (RECENT)' % folder)
        self.assertTrue(any(b"RECENT 0" in l for l in untagged), untagged)
        bulk_append(self.mail, folder, [make_message("r-status")])
        untagged, _ = setup.command('STATUS "%s" (RECENT)' % folder)
        self.assertTrue(any(b"(RECENT 1)" in l for l in untagged), "RECENT alone counts too: %r" % untagged)
        a.command("NOOP")  # claims it; the rest of the test counts from here
        # New mail COPYed in by another session (from another folder): the
        # first session to look claims it.
        setup.command('CREATE "%s-src"' % folder)
        bulk_append(self.mail, folder + "-src", [make_message("r-src")])
        setup.command('SELECT "%s-src"' % folder)
        _, tagged = setup.command("COPY 1 \"%s\"" % folder)
        self.assertIn(b" OK ", tagged)
        untagged, _ = a.command("NOOP")
        self.assertIn(b"* 4 EXISTS", untagged)
        self.assertEqual(recent_of(untagged), 4, untagged)
        untagged, _ = b.command("NOOP")
        self.assertIn(b"* 4 EXISTS", untagged)
        self.assertEqual(recent_of(untagged), 0)
        untagged, _ = a.command("FETCH 4 (FLAGS)")
        self.assertIn(b"\\Recent", untagged[-1])
        # Read-only: counts what nobody claimed, shows no \\Recent.
        bulk_append(self.mail, folder, [make_message("r-late")])
        e = self.raw(login=True)
        untagged, _ = e.command('EXAMINE "%s"' % folder)
        self.assertEqual(recent_of(untagged), 1)
        untagged, _ = e.command("FETCH 1:* (FLAGS)")
        self.assertFalse(any(b"\\Recent" in l for l in untagged), untagged)
        # IMAP4rev2: no RECENT, no \\Recent.
        r2 = self.raw(login=True)
        r2.command("ENABLE IMAP4rev2")
        untagged, _ = r2.command('SELECT "%s"' % folder)
        self.assertIsNone(recent_of(untagged))
        untagged, _ = r2.command("FETCH 1:* (FLAGS)")
        self.assertFalse(any(b"\\Recent" in l for l in untagged), untagged)
        # RFC 9051 answers ESEARCH; nothing is recent, so no ALL.
        untagged, tagged = r2.command("UID SEARCH RECENT")
        self.assertIn(b" OK ", tagged)
        esearch = [l for l in untagged if l.startswith(b"* ESEARCH")]
        self.assertEqual(len(esearch), 1, untagged)
        self.assertNotIn(b" ALL ", esearch[0] + b" ")


def listed(untagged, verb=b"LIST"):
    """{name: (attributes, extended data)} of LIST or LSUB lines."""
    out = {}
    for line in untagged:
        m = re.match(rb"\* " + verb + rb" \(([^)]*)\) \"/\" (\"[^\"]*\"|\S+)(.*)$", line)
        if m:
            out[m.group(2).strip(b'"').decode()] = (set(m.group(1).split()), m.group(3).strip())
    return out


class SubscriptionTest(ServerTestCase):
    def test_subscriptions_outlive_their_folder(self):
        c = self.raw(login=True)
        for name in ("Sub", "Sub/Kept", "Sub/Gone", "Sub/Deep", "Sub/Deep/Child"):
            self.assertIn(b" OK ", c.command('CREATE "%s"' % name)[1])
        for name in ("Sub", "Sub/Deep"):
            self.assertIn(b" OK ", c.command('UNSUBSCRIBE "%s"' % name)[1])
        self.assertIn(b" OK ", c.command('DELETE "Sub/Gone"')[1])

        subs = listed(c.command('LIST (SUBSCRIBED) "" "Sub/*"')[0])
        self.assertEqual(set(subs), {"Sub/Kept", "Sub/Gone", "Sub/Deep/Child"})
        self.assertEqual(subs["Sub/Gone"][0], {b"\\Subscribed", b"\\NonExistent"})
        self.assertIn(b"\\Subscribed", subs["Sub/Kept"][0])
        self.assertNotIn(b"\\NonExistent", subs["Sub/Kept"][0])
        # Plain LIST shows folders only.
        self.assertNotIn("Sub/Gone", listed(c.command('LIST "" "Sub/*"')[0]))

        lsub = listed(c.command('LSUB "" "Sub/%"')[0], b"LSUB")
        self.assertEqual(set(lsub), {"Sub/Kept", "Sub/Gone", "Sub/Deep"})
        self.assertIn(b"\\Noselect", lsub["Sub/Deep"][0], "a level holding only a subscribed child")
        self.assertNotIn(b"\\Noselect", lsub["Sub/Kept"][0])
        lsub = listed(c.command('LSUB "" "%"')[0], b"LSUB")
        self.assertIn(b"\\Noselect", lsub["Sub"][0])
        lsub = listed(c.command('LSUB "" "Sub/*"')[0], b"LSUB")
        self.assertEqual(set(lsub), {"Sub/Kept", "Sub/Gone", "Sub/Deep/Child"}, "no levels for *")

        rec = listed(c.command('LIST (SUBSCRIBED RECURSIVEMATCH) "" "Sub/%"')[0])
        self.assertEqual(rec["Sub/Deep"][1], b'("CHILDINFO" ("SUBSCRIBED"))')
        self.assertNotIn(b"\\Subscribed", rec["Sub/Deep"][0])

        # The name stays subscribed until UNSUBSCRIBE, which takes any name.
        self.assertIn(b" OK ", c.command('UNSUBSCRIBE "Sub/Gone"')[1])
        self.assertNotIn("Sub/Gone", listed(c.command('LIST (SUBSCRIBED) "" "Sub/*"')[0]))
        self.assertIn(b" NO ", c.command('SUBSCRIBE "Sub/Never"')[1], "SUBSCRIBE checks the folder exists")
        self.assertIn(b" OK ", c.command('UNSUBSCRIBE "Sub/Never"')[1], "a name not subscribed: nothing to do")
        for bad in ('"Sub//Gone"', '"/Sub"', '""'):
            tagged = c.command("UNSUBSCRIBE %s" % bad)[1]
            self.assertIn(b" NO [CANNOT] ", tagged, bad)
        # A rename takes the subscriptions along.
        self.assertIn(b" OK ", c.command('RENAME "Sub" "Moved"')[1])
        subs = listed(c.command('LIST (SUBSCRIBED) "" "*"')[0])
        self.assertIn("Moved/Kept", subs)
        self.assertIn("Moved/Deep/Child", subs)
        self.assertNotIn("Sub/Kept", subs)


def sort_message(subject, to, cc=None):
    head = "From: a@x.example\r\nTo: %s\r\nSubject: %s\r\n" % (to, subject)
    if cc:
        head += "Cc: %s\r\n" % cc
    return (head + "Date: Mon, 2 Nov 2026 10:00:00 +0000\r\n\r\nbody\r\n").encode()


class SortTest(ServerTestCase):
    def test_sort_keys(self):
        folder = "t-sort"
        c = self.raw(login=True)
        c.command('CREATE "%s"' % folder)
        bulk_append(self.mail, folder, [
            sort_message("Re: [list] banana", '"Zed, Anna" <zed@x.example>', "\"Doe, J\" <mike@x.example>"),
            sort_message("apple (fwd)", "bob@x.example", "carl@x.example, aaron@x.example"),
            sort_message("_cherry", "=?utf-8?q?=C3=81lvaro?= <z@x.example>"),
            sort_message("Fwd: Banana", "Carla <ann@x.example>", "Zoe <Zoe@x.example>"),
        ])
        c.command('EXAMINE "%s"' % folder)

        def sort(keys):
            untagged, tagged = c.command("SORT (%s) UTF-8 ALL" % keys)
            self.assertIn(b" OK ", tagged)
            return [int(n) for n in [l for l in untagged if l.startswith(b"* SORT")][0].split()[2:]]
        # Base subjects apple, banana, _cherry, banana: letters before "_" (titlecase
        # "A" < "_"), ties by sequence number.
        self.assertEqual(sort("SUBJECT"), [2, 1, 4, 3])
        # CC: local parts "" (none), carl, mike, zoe; REVERSE keeps ties ascending.
        self.assertEqual(sort("CC"), [3, 2, 1, 4])
        self.assertEqual(sort("REVERSE CC"), [4, 1, 2, 3])
        # TO: ann, bob, z, zed.
        self.assertEqual(sort("TO"), [4, 2, 3, 1])
        # DISPLAYTO: "Álvaro" (decoded, then NFKD: A + accent), bob@x.example, Carla, "Zed, Anna".
        self.assertEqual(sort("DISPLAYTO"), [3, 2, 4, 1])


BINARY_MESSAGE = (
    b"From: a@x.example\r\nSubject: parts\r\nMIME-Version: 1.0\r\n"
    b"Content-Type: multipart/mixed; boundary=\"B1\"\r\n\r\n"
    b"--B1\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    + base64.b64encode(b"twenty-nine octets of text\nx\n") + b"\r\n"
    b"--B1\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner\r\n\r\ninner body\r\n"
    b"--B1\r\nContent-Type: multipart/alternative; boundary=\"B2\"\r\n\r\n"
    b"--B2\r\nContent-Type: text/plain\r\n\r\nalt one\r\n--B2--\r\n"
    b"--B1\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: x-unknown\r\n\r\nweird\r\n"
    b"--B1--\r\n")


class BinaryTest(ServerTestCase):
    def test_binary_sections(self):
        folder = "t-binary"
        c = self.raw(login=True)
        c.command('CREATE "%s"' % folder)
        bulk_append(self.mail, folder, [BINARY_MESSAGE])
        c.command('EXAMINE "%s"' % folder)
        untagged, tagged = c.command("FETCH 1 (BINARY.SIZE[1] BINARY.PEEK[1])")
        self.assertIn(b" OK ", tagged)
        self.assertIn(b"BINARY.SIZE[1] 29", untagged[0])
        self.assertIn(b"BINARY[1] {29}\r\ntwenty-nine octets of text\nx\n)", untagged[0])
        untagged, tagged = c.command("FETCH 1 (BINARY.PEEK[2] BINARY.SIZE[2] BODY.PEEK[2])")
        self.assertIn(b" OK ", tagged)
        body = b"Subject: inner\r\n\r\ninner body"
        self.assertIn(b"BINARY[2] {%d}\r\n%s" % (len(body), body), untagged[0])
        self.assertIn(b"BINARY.SIZE[2] %d" % len(body), untagged[0])
        untagged, tagged = c.command("FETCH 1 (BINARY.PEEK[3])")
        self.assertIn(b" OK ", tagged)
        self.assertIn(b"--B2\r\nContent-Type: text/plain\r\n\r\nalt one\r\n--B2--", untagged[0])
        untagged, tagged = c.command("FETCH 1 (BINARY.SIZE[4])")
        self.assertIn(b" NO [UNKNOWN-CTE] ", tagged)


def command_bytes(c, data):
    """Sends `tag data` (bytes: 8-bit octets as they are) and returns
    (untagged lines, tagged line)."""
    tag = c.next_tag()
    c.send(tag.encode() + b" " + data + b"\r\n")
    return c.until_tagged(tag)


def literal(data):
    """A non-synchronizing literal (RFC 7888): no wait for "+"."""
    return b"{%d+}\r\n%s" % (len(data), data)


class Utf8Test(ServerTestCase):
    def test_eight_bit_quoted_strings(self):
        c = self.raw(login=True)
        _, tagged = command_bytes(c, b'CREATE "t-caf\xc3\xa9"')
        self.assertIn(b" NO ", tagged, "before UTF8=ACCEPT a name is modified UTF-7, never raw 8-bit")
        # ENABLE and the commands behind it in one write: each is read as
        # the ENABLE before it left the session.
        c.send(b"u1 ENABLE UTF8=ACCEPT\r\nu2 CREATE \"t-bad\xc3\"\r\nu3 STATUS \"\xff\xfe\" (MESSAGES)\r\n"
               b"u4 CREATE \"t-caf\xc3\xa9\"\r\n")
        untagged, tagged = c.until_tagged("u1")
        self.assertIn(b"* ENABLED UTF8=ACCEPT", untagged)
        self.assertIn(b"u2 BAD ", c.until_tagged("u2")[1], "RFC 6855 §3: not UTF-8")
        self.assertIn(b"u3 BAD ", c.until_tagged("u3")[1])
        self.assertIn(b"u4 OK ", c.until_tagged("u4")[1])
        _, tagged = command_bytes(c, b"CREATE " + literal(b"t-bad\xc3"))
        self.assertIn(b" NO ", tagged, "a literal that is not UTF-8 names no folder")
        untagged, _ = self.raw(login=True).command('LIST "" "t-*"')
        self.assertIn(b"* LIST (\\HasNoChildren) \"/\" t-caf&AOk-", untagged)
        self.assertFalse(any(b"t-bad" in l for l in untagged), untagged)

    def test_append_of_eight_bit_headers(self):
        msg = b"Subject: caf\xc3\xa9 8bit\r\nFrom: a@x.example\r\n\r\nbody\r\n"
        c = self.raw(login=True)
        _, tagged = command_bytes(c, b"APPEND INBOX " + literal(msg))
        self.assertIn(b" NO [CANNOT] ", tagged, "RFC 6855 §4: 8-bit header fields before ENABLE UTF8=ACCEPT")
        _, tagged = command_bytes(c, b"APPEND INBOX UTF8 (~" + literal(msg) + b")")
        self.assertIn(b" NO [CANNOT] ", tagged, "the UTF8 data extension before ENABLE UTF8=ACCEPT")
        c.command("ENABLE UTF8=ACCEPT")
        _, tagged = command_bytes(c, b"APPEND INBOX UTF8 (~" + literal(msg) + b")")
        self.assertIn(b" OK [APPENDUID ", tagged)

    def test_eight_bit_keywords_and_search_charset(self):
        folder = "t-utf8-keywords"
        c = self.raw(login=True)
        c.command('CREATE "%s"' % folder)
        bulk_append(self.mail, folder, [make_message("k")])
        c.command('SELECT "%s"' % folder)
        _, tagged = command_bytes(c, b"STORE 1 +FLAGS (caf\xc3\xa9)")
        self.assertIn(b" BAD ", tagged, "flag-keyword is an atom of 7-bit CHARs (RFC 9051 §9)")
        _, tagged = command_bytes(c, b'APPEND "%s" (caf\xc3\xa9) %s' % (folder.encode(), literal(make_message("a"))))
        self.assertIn(b" BAD ", tagged)
        untagged, _ = c.command('SELECT "%s"' % folder)
        self.assertFalse(any(b"caf" in l for l in untagged), untagged)
        self.assertIn(b" OK ", c.command("SEARCH CHARSET UTF-8 SUBJECT k")[1])
        c.command("UNSELECT")
        c.command("ENABLE UTF8=ACCEPT")
        c.command('SELECT "%s"' % folder)
        self.assertIn(b" BAD ", c.command("SEARCH CHARSET UTF-8 SUBJECT k")[1], "RFC 6855 §3")
        untagged, tagged = c.command("SEARCH SUBJECT k")
        self.assertIn(b" OK ", tagged)
        self.assertEqual(numbers(untagged), [1])


class FolderTest(ServerTestCase):
    def test_rename_creates_superior_names(self):
        c = self.raw(login=True)
        self.assertIn(b" OK ", c.command('CREATE "t-ren-src"')[1])
        self.assertIn(b" OK ", c.command('RENAME "t-ren-src" "t-ren/y/z"')[1])
        entries = listed(c.command('LIST "" "t-ren*"')[0])
        self.assertEqual(set(entries), {"t-ren", "t-ren/y", "t-ren/y/z"})
        for name in ("t-ren", "t-ren/y"):
            self.assertEqual(entries[name][0], {b"\\HasChildren"}, "a folder, as CREATE makes it (RFC 9051 §6.3.6)")

    def test_childinfo_as_in_rfc5258_example9(self):
        c = self.raw(login=True)
        for name in ("foo2/bar1", "foo2/bar2", "baz2/bar2", "baz2/bar22", "baz2/bar222", "eps2/mamba", "qux2/bar2"):
            self.assertIn(b" OK ", c.command('CREATE "%s"' % name)[1])
            c.command('SUBSCRIBE "%s"' % name)
        c.command("SUBSCRIBE eps2")
        for name in ("foo2", "baz2", "qux2"):
            c.command("UNSUBSCRIBE %s" % name)
        c.command("DELETE qux2")
        childinfo = b'("CHILDINFO" ("SUBSCRIBED"))'
        got = listed(c.command('LIST (RECURSIVEMATCH SUBSCRIBED) "" "*2"')[0])
        self.assertEqual(set(got), {"foo2", "foo2/bar2", "baz2/bar2", "baz2/bar22", "baz2/bar222", "eps2",
                                    "qux2/bar2"}, "baz2 and qux2 would only repeat what is listed")
        self.assertEqual(got["foo2"], ({b"\\HasChildren"}, childinfo))
        self.assertEqual(got["eps2"], ({b"\\HasChildren", b"\\Subscribed"}, childinfo))
        self.assertEqual(got["baz2/bar2"][1], b"")
        got = listed(c.command('LIST (RECURSIVEMATCH SUBSCRIBED) "" "eps2"')[0])
        self.assertEqual(got, {"eps2": ({b"\\HasChildren", b"\\Subscribed"}, childinfo)})
        got = listed(c.command('LIST (RECURSIVEMATCH SUBSCRIBED) "" "*"')[0])
        self.assertEqual({name for name, (_, extra) in got.items() if extra}, set(), "nothing redundant")


class SearchTextTest(ServerTestCase):
    def test_text_matches_field_names_and_envelope_unquotes(self):
        folder = "t-text-names"
        c = self.raw(login=True)
        c.command('CREATE "%s"' % folder)
        odd = (b'From: "quoted\\"name" <"odd local"@x.example>\r\nTo: b@x.example\r\nSubject: msg 3\r\n'
               b"Message-ID: <m3@x.example>\r\n\r\nplain body\r\n")
        bulk_append(self.mail, folder, [odd, make_message("other")])
        c.command('EXAMINE "%s"' % folder)

        def search(criteria):
            untagged, tagged = c.command("SEARCH " + criteria)
            self.assertIn(b" OK ", tagged)
            return numbers(untagged)
        self.assertEqual(search('TEXT "Subject: msg 3"'), [1])
        self.assertEqual(search("TEXT Subject"), [1, 2])
        self.assertEqual(search('TEXT "Message-ID"'), [1, 2])
        self.assertEqual(search('TEXT "To: b@x"'), [1])
        self.assertEqual(search("BODY Subject"), [])
        self.assertEqual(search('BODY "plain body"'), [1])
        untagged, _ = c.command("FETCH 1 (ENVELOPE)")
        self.assertIn(b'(("quoted\\"name" NIL "odd local" "x.example"))', untagged[0])


class PipeliningTest(ServerTestCase):
    def test_pipelined_commands_are_answered_in_order(self):
        folder = "t-pipelined"
        self.raw(login=True).command('CREATE "%s"' % folder)
        # 120 messages of about 4 KB: their FETCH replies are more than 32
        # commands' and 64 KiB's worth, what the server runs in one go.
        bodies = [make_message("p%d" % i, body=("line %d of the pipelined message\r\n" % i) * (110 + i))
                  for i in range(120)]
        uids = bulk_append(self.mail, folder, bodies)
        # About 20,000 octets: over the 8 KiB a literal may have before LOGIN.
        late = make_message("sent right after the login", body=("z" * 76 + "\r\n") * 260)
        script = [("a1", "LOGIN %s %s" % (quote(DEMO_ADDRESS), quote(self.mail.password))),
                  ("a2", 'APPEND "%s" {%d+}\r\n' % (folder, len(late))),
                  ("a3", 'SELECT "%s"' % folder)]
        script += [("f%d" % i, "UID FETCH %d (BODY.PEEK[])" % uid) for i, uid in enumerate(uids)]
        script += [("s1", "UID STORE %d +FLAGS.SILENT (\\Flagged)" % uids[7]),
                   ("s2", "UID FETCH %d (FLAGS)" % uids[7]),
                   ("s3", "FROBNICATE now"),
                   ("s4", "UID SEARCH FLAGGED"),
                   ("s5", "NOOP")]
        wire = b""
        for tag, text in script:
            wire += ("%s %s" % (tag, text)).encode()
            wire += late + b"\r\n" if tag == "a2" else b"\r\n"
        c = self.raw()
        c.send(wire)
        tags = [tag.encode() + b" " for tag, _ in script]
        replies = {}
        for tag, _ in script:
            untagged, tagged = c.until_tagged(tag, timeout=60)
            for line in untagged:
                self.assertFalse(any(line.startswith(t) for t in tags), "%s: a later answer came first: %r"
                                 % (tag, line[:80]))
            replies[tag] = (untagged, tagged)
        self.assertIn(b"a1 OK", replies["a1"][1])
        self.assertRegex(replies["a2"][1], rb"^a2 OK \[APPENDUID \d+ %d\]" % (uids[-1] + 1))
        self.assertIn(b"a3 OK", replies["a3"][1])
        for i, uid in enumerate(uids):
            untagged, tagged = replies["f%d" % i]
            self.assertIn(b" OK ", tagged)
            fetched = b"\r\n".join(untagged)
            self.assertIn(b"UID %d " % uid, fetched)
            self.assertIn(bodies[i], fetched, "f%d: the body of UID %d" % (i, uid))
            self.assertEqual(fetched.count(b" FETCH ("), 1)
        self.assertIn(b"\\Flagged", b"".join(replies["s2"][0]), "the FETCH sees the STORE sent before it")
        self.assertIn(b"s3 BAD ", replies["s3"][1])
        self.assertEqual(numbers(replies["s4"][0]), [uids[7]])
        self.assertIn(b"s5 OK", replies["s5"][1])
        untagged, _ = c.command("UID FETCH %d (RFC822.SIZE)" % (uids[-1] + 1))
        self.assertIn(b"RFC822.SIZE %d" % len(late), b"".join(untagged), "the APPEND took the whole literal")


if __name__ == "__main__":
    unittest.main()
