"""IMAP behaviours an independent compliance suite checks, as transcripts
through the real binary (raw commands: the untagged responses matter):

- SENTBEFORE/SENTON/SENTSINCE compare the Date field's own day, whatever
  its time and zone (RFC 3501 §6.4.4, RFC 9051 §6.4.4);
- only "*" means the highest UID: an explicit 4294967295 is a number
  (RFC 9051 §9), so UID n:4294967295 past the last message is empty;
- the first CONDSTORE enabling command of a session (FETCH MODSEQ or
  CHANGEDSINCE, SEARCH MODSEQ, STORE UNCHANGEDSINCE) answers
  "* OK [HIGHESTMODSEQ n]" once (RFC 7162 §3.1)."""

import re
import unittest

from imap_test import ServerTestCase, bulk_append, make_message


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
                             ("STORE 1 (UNCHANGEDSINCE 100000) +FLAGS (\\Seen)", "FETCH 1 (MODSEQ)")]:
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


if __name__ == "__main__":
    unittest.main()
