"""Eight clients at once on one mailbox for about 15 seconds — appending,
changing flags, copying and moving to another folder and back, expunging —
while an observer session checks, throughout, what RFC 9051 promises every
client:

- in each FETCH, UIDs strictly ascend with the sequence numbers (§2.3.1.1);
- the observer's view, kept from EXISTS and EXPUNGE responses in the order
  they arrive, always agrees with the messages a FETCH 1:* returns (§7.4.1,
  §7.5.1): same count, same UID at each sequence number;
- a UID, once expunged, never comes back; UIDVALIDITY never changes;
  UIDNEXT never decreases and is above every UID seen before (§2.3.1.1);
- EXPUNGE is never sent during FETCH, STORE or SEARCH (§7.5.1).

At the end no message is lost (every appended Message-ID is in INBOX or the
other folder unless a client expunged it) and none is duplicated beyond
the copies the clients made, and every message is byte-identical to what
was appended.
"""

import collections
import random
import re
import socket
import sys
import threading
import time
import traceback
import unittest

from imap_test import DEMO_ADDRESS, ServerTestCase, logout, parse_fetch

WORKERS = 8
DURATION = 15.0   # seconds of load
OTHER = "Other"
FLAGS = ["\\Flagged", "\\Seen", "\\Answered", "$Work", "$Later"]


class Ledger:
    """What the workers did, under one lock."""

    def __init__(self):
        self.lock = threading.Lock()
        self.appended = {}                        # Message-ID -> bytes
        self.copies = collections.Counter()       # Message-ID -> successful copies
        self.expunged = set()                     # Message-IDs a client expunged (or tried to)
        self.errors = []
        self.ops = collections.Counter()


def message(worker, n):
    msgid = "<w%d.%d@conc.e2e>" % (worker, n)
    body = ("From: worker%d@example.org\r\nTo: hello@demo.example\r\nSubject: load %d from worker %d\r\n"
            "Message-ID: %s\r\n\r\nBody %d of worker %d.\r\n%s\r\n" % (worker, n, worker, msgid, n, worker,
                                                                      "z" * ((worker * 131 + n * 17) % 700)))
    return msgid, body.encode()


def msgids_of(m, uids):
    """{uid: Message-ID} for these UIDs of the selected folder (absent ones are skipped)."""
    if not uids:
        return {}
    typ, data = m.uid("FETCH", ",".join(map(str, uids)), "(BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
    if typ != "OK":
        raise AssertionError("UID FETCH failed: %r" % data)
    out = {}
    for _, d in parse_fetch([x for x in data if x is not None]):
        v = d.get("BODY[HEADER.FIELDS (MESSAGE-ID)]", b"").decode()  # skips unsolicited FETCH (FLAGS)
        mm = re.search(r"<[^>]+>", v)
        if "UID" in d and mm:
            out[int(d["UID"])] = mm.group(0)
    return out


def all_uids(m):
    typ, data = m.uid("SEARCH", None, "ALL")
    if typ != "OK":
        raise AssertionError("UID SEARCH failed: %r" % data)
    return [int(x) for x in data[0].split()]


def copyuid_sources(m):
    """Source UIDs of the last COPYUID response code (tagged or untagged)."""
    codes = m.untagged_responses.pop("COPYUID", [])
    out = []
    for code in codes:
        parts = code.split()
        if len(parts) != 3 or not all(re.fullmatch(rb"[0-9:,]+", p) for p in parts):
            raise AssertionError("malformed response code [COPYUID %s] (RFC 4315 §3)" % code.decode())
        for r in parts[1].decode().split(","):
            a, _, b = r.partition(":")
            lo, hi = sorted((int(a), int(b or a)))
            out += range(lo, hi + 1)
    return out


class Worker(threading.Thread):
    def __init__(self, index, mail, ledger, deadline):
        super().__init__(name="worker-%d" % index, daemon=True)
        self.index, self.mail, self.ledger, self.deadline = index, mail, ledger, deadline
        self.rng = random.Random(1000 + index)
        self.n = 0

    def ok(self, what, resp):
        typ, data = resp
        if typ != "OK":
            raise AssertionError("%s: %s %r" % (what, typ, data))
        return data

    def run(self):
        m = None
        try:
            m = self.mail.imap()
            m.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.ok("SELECT", m.select("INBOX"))
            while time.monotonic() < self.deadline:
                op = self.rng.choices(["append", "store", "copy", "move", "move_back", "expunge"],
                                      [35, 25, 10, 12, 8, 10])[0]
                try:
                    getattr(self, op)(m)
                except AssertionError as e:  # a wrong answer: noted, and the load goes on
                    with self.ledger.lock:
                        if len(self.ledger.errors) < 20:
                            self.ledger.errors.append("%s: %s: %s" % (self.name, op, e))
                    if op == "move_back":
                        m.select("INBOX")
                    continue
                with self.ledger.lock:
                    self.ledger.ops[op] += 1
        except Exception as e:  # reported by the test, with the worker's name
            with self.ledger.lock:
                self.ledger.errors.append("%s: %s: %s\n%s" % (self.name, type(e).__name__, e,
                                                               "".join(traceback.format_exc(limit=-3))))
        finally:
            if m is not None:
                logout(m)

    def pick(self, m, k):
        uids = all_uids(m)
        return self.rng.sample(uids, min(k, len(uids)))

    def append(self, m):
        self.n += 1
        msgid, body = message(self.index, self.n)
        with self.ledger.lock:
            self.ledger.appended[msgid] = body
        flags = "(%s)" % self.rng.choice(FLAGS) if self.rng.random() < 0.3 else None
        self.ok("APPEND", m.append("INBOX", flags, None, body))

    def store(self, m):
        uids = self.pick(m, 3)
        if uids:
            op = self.rng.choice(["+FLAGS", "-FLAGS", "+FLAGS.SILENT"])
            self.ok("STORE", m.uid("STORE", ",".join(map(str, uids)), op, "(%s)" % self.rng.choice(FLAGS)))

    def copy(self, m):
        ids = msgids_of(m, self.pick(m, 2))
        if not ids:
            return
        m.untagged_responses.pop("COPYUID", None)
        self.ok("COPY", m.uid("COPY", ",".join(map(str, ids)), OTHER))
        copied = copyuid_sources(m)
        with self.ledger.lock:
            for uid in copied:
                if uid not in ids:
                    raise AssertionError("COPYUID names UID %d that was not asked for (%s)" % (uid, sorted(ids)))
                self.ledger.copies[ids[uid]] += 1

    def move(self, m):
        uids = self.pick(m, 2)
        if uids:
            m.untagged_responses.pop("COPYUID", None)
            self.ok("MOVE", m.uid("MOVE", ",".join(map(str, uids)), OTHER))

    def move_back(self, m):
        self.ok("SELECT", m.select(OTHER))
        try:
            uids = self.pick(m, 2)
            if uids:
                self.ok("MOVE back", m.uid("MOVE", ",".join(map(str, uids)), "INBOX"))
        finally:
            self.ok("SELECT", m.select("INBOX"))

    def expunge(self, m):
        ids = msgids_of(m, self.pick(m, 1))
        if not ids:
            return
        uid, msgid = next(iter(ids.items()))
        with self.ledger.lock:
            self.ledger.expunged.add(msgid)
        self.ok("STORE \\Deleted", m.uid("STORE", str(uid), "+FLAGS.SILENT", "(\\Deleted)"))
        self.ok("UID EXPUNGE", m.uid("EXPUNGE", str(uid)))


class Observer(threading.Thread):
    """Checks the invariants on a raw connection (the order of untagged
    responses matters) and a second one for STATUS."""

    def __init__(self, mail, deadline):
        super().__init__(name="observer", daemon=True)
        self.mail, self.deadline = mail, deadline
        self.violations = collections.defaultdict(list)  # kind -> descriptions
        self.rounds = 0
        self.max_seen = 0

    def violation(self, kind, text):
        if len(self.violations[kind]) < 10:
            self.violations[kind].append(text)

    def run(self):
        try:
            self.observe()
        except Exception as e:
            self.violation("observer", "observer stopped: %s: %s" % (type(e).__name__, e))

    def observe(self):
        c = self.mail.raw()
        status_conn = self.mail.raw()
        try:
            c.login(DEMO_ADDRESS, self.mail.password)
            status_conn.login(DEMO_ADDRESS, self.mail.password)
            model = []            # UID (or None: not yet fetched) at each sequence number
            gone = set()          # UIDs expunged
            untagged, tagged = c.command("SELECT INBOX")
            validity = None
            for line in untagged:
                mm = re.match(rb"\* OK \[UIDVALIDITY (\d+)\]", line)
                if mm:
                    validity = int(mm.group(1))
            self.apply(model, gone, untagged, "SELECT")
            uidnext = {"INBOX": 0, OTHER: 0}
            validities = {"INBOX": validity}
            while time.monotonic() < self.deadline:
                self.rounds += 1
                untagged, tagged = c.command("NOOP")
                self.expect_ok("NOOP", tagged)
                self.apply(model, gone, untagged, "NOOP")
                if model:
                    untagged, tagged = c.command("FETCH 1:* (UID)")
                    # RFC 2180 §4.1: data for every message of the client's view, or
                    # a tagged NO (RFC 5530 [EXPUNGEISSUED]) when some are gone.
                    expunge_issued = re.match(rb"^r\d+ (NO|OK) \[EXPUNGEISSUED\]", tagged) is not None
                    if not expunge_issued:
                        self.expect_ok("FETCH", tagged)
                    self.apply(model, gone, untagged, "FETCH", fetch=True, partial_ok=expunge_issued)
                # UIDNEXT and UIDVALIDITY of both folders, from another session.
                for box in ("INBOX", OTHER):
                    untagged, tagged = status_conn.command("STATUS %s (UIDNEXT UIDVALIDITY MESSAGES)" % box)
                    self.expect_ok("STATUS", tagged)
                    mm = re.search(rb"UIDNEXT (\d+)", b" ".join(untagged))
                    mv = re.search(rb"UIDVALIDITY (\d+)", b" ".join(untagged))
                    if not mm or not mv:
                        self.violation("status", "STATUS without UIDNEXT/UIDVALIDITY: %r" % untagged)
                        continue
                    n, v = int(mm.group(1)), int(mv.group(1))
                    if n < uidnext[box]:
                        self.violation("uidnext", "UIDNEXT of %s went down: %d -> %d" % (box, uidnext[box], n))
                    uidnext[box] = n
                    if validities.setdefault(box, v) != v:
                        self.violation("uidvalidity", "UIDVALIDITY of %s changed: %d -> %d" % (box, validities[box], v))
                    if box == "INBOX" and n <= self.max_seen:
                        self.violation("uidnext", "UIDNEXT %d is not above UID %d seen before" % (n, self.max_seen))
                time.sleep(0.05)
            c.command("LOGOUT")
            status_conn.command("LOGOUT")
        finally:
            c.close()
            status_conn.close()

    def expect_ok(self, what, tagged):
        if not re.match(rb"^r\d+ OK", tagged):
            self.violation("status", "%s answered %r" % (what, tagged))

    def apply(self, model, gone, lines, command, fetch=False, partial_ok=False):
        """Applies untagged responses in order to the model; checks them.
        With `fetch`, the lines answer FETCH 1:* (UID): each message of the
        view needs its FETCH (UID n), but for those announced by an EXISTS
        after the last one (unless `partial_ok`)."""
        fetched = 0
        unfetched_tail = 0  # entries added by EXISTS after the last FETCH line
        for line in lines:
            mm = re.match(rb"^\* (\d+) (EXISTS|EXPUNGE|FETCH)(.*)$", line)
            if not mm:
                continue
            n, kind = int(mm.group(1)), mm.group(2)
            if kind == b"EXISTS":
                if n < len(model):
                    self.violation("sequence", "%s: EXISTS %d below the %d messages known (no EXPUNGE)" % (command, n, len(model)))
                    del model[n:]
                unfetched_tail += n - len(model)
                model.extend([None] * (n - len(model)))
            elif kind == b"EXPUNGE":
                if command == "FETCH":
                    self.violation("expunge_during_fetch", "EXPUNGE %d sent during FETCH" % n)
                if not 1 <= n <= len(model):
                    self.violation("sequence", "%s: EXPUNGE %d with %d messages" % (command, n, len(model)))
                    continue
                uid = model.pop(n - 1)
                if uid is not None:
                    gone.add(uid)
            else:
                mu = re.search(rb"UID (\d+)", mm.group(3))
                if not 1 <= n <= len(model):
                    self.violation("sequence", "%s: FETCH for %d with %d messages: %r" % (command, n, len(model), line))
                    continue
                if not mu:
                    if fetch:
                        self.violation("sequence", "FETCH without UID: %r" % line)
                    continue
                uid = int(mu.group(1))
                if model[n - 1] is not None and model[n - 1] != uid:
                    self.violation("sequence", "%s: sequence %d was UID %d, now UID %d" % (command, n, model[n - 1], uid))
                if uid in gone:
                    self.violation("uid_reused", "%s: UID %d came back after its EXPUNGE" % (command, uid))
                model[n - 1] = uid
                self.max_seen = max(self.max_seen, uid)
                if b"FLAGS" not in mm.group(3):  # an answer, not a flag update from another session
                    fetched += 1
                    unfetched_tail = 0
        known = [u for u in model if u is not None]
        if any(b <= a for a, b in zip(known, known[1:])):
            self.violation("uid_order", "%s: UIDs not strictly ascending: %s" % (command, known[:50]))
        if fetch and not partial_ok:
            missing = [i + 1 for i, u in enumerate(model) if u is None]
            if len(missing) > unfetched_tail or (missing and missing[0] != len(model) - len(missing) + 1):
                self.violation("fetch_incomplete", "FETCH 1:* answered %d of %d messages (no FETCH for %s)\n%s"
                               % (fetched, len(model), missing[:20], b"\n".join(lines[-12:]).decode()))


class ConcurrencyTest(ServerTestCase):
    """One load run (in setUpClass); each test checks one promise about it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        setup = cls.mail.imap()
        try:
            setup.create(OTHER)
            cls.ledger = ledger = Ledger()
            start = time.monotonic()
            deadline = start + DURATION
            cls.observer = Observer(cls.mail, deadline + 0.5)
            workers = [Worker(i, cls.mail, ledger, deadline) for i in range(WORKERS)]
            cls.observer.start()
            for w in workers:
                w.start()
            for t in workers + [cls.observer]:
                t.join(timeout=max(0.1, DURATION + 30 - (time.monotonic() - start)))
            cls.stuck = [t.name for t in workers + [cls.observer] if t.is_alive()]
            cls.elapsed = time.monotonic() - start
            # Where every message ended up.
            cls.found = collections.Counter()
            cls.contents = {}
            cls.final = {}
            for box in ("INBOX", OTHER):
                typ, data = setup.select(box, readonly=True)
                exists = int(setup.untagged_responses.get("EXISTS", [b"0"])[-1])
                typ, data = setup.uid("FETCH", "1:*", "(UID BODY.PEEK[])")
                rows = parse_fetch([x for x in data if x is not None]) if typ == "OK" else []
                cls.final[box] = (typ, exists, [int(d["UID"]) for _, d in rows])
                for _, d in rows:
                    mm = re.search(rb"^Message-ID: (<[^>]+>)", d["BODY[]"], re.M | re.I)
                    msgid = mm.group(1).decode() if mm else "(none)"
                    cls.found[msgid] += 1
                    cls.contents[msgid] = d["BODY[]"]
        finally:
            logout(setup)
        sys.stderr.write("\n  %.1f s: %d ops %s; %d observer rounds; %d messages at the end\n" % (
            cls.elapsed, sum(ledger.ops.values()), dict(ledger.ops), cls.observer.rounds, sum(cls.found.values())))

    def test_load_ran_without_errors(self):
        self.assertEqual(self.stuck, [], "threads still running (a hang)\n" + self.mail.log()[-3000:])
        self.assertEqual(self.ledger.errors, [], self.mail.log()[-3000:])
        self.assertEqual(dict(self.observer.violations).get("observer", []), [])
        self.assertEqual(dict(self.observer.violations).get("status", []), [])
        self.assertGreater(self.observer.rounds, 10)
        self.assertGreater(self.ledger.ops["append"], 50, self.ledger.ops)
        for op in ("store", "copy", "move", "move_back", "expunge"):
            self.assertGreater(self.ledger.ops[op], 0, self.ledger.ops)
        problems = [line for line in self.mail.log().splitlines() if " error " in line or " warn " in line]
        self.assertEqual(problems, [], "the server logged errors")

    def test_final_folders_consistent(self):
        for box, (typ, exists, uids) in self.final.items():
            self.assertEqual(typ, "OK", box)
            self.assertEqual(uids, sorted(set(uids)), box)
            self.assertEqual(len(uids), exists, box)

    def test_no_message_lost(self):
        lost = sorted(set(self.ledger.appended) - self.ledger.expunged - set(self.found))
        self.assertEqual(lost, [], "appended, never expunged, and in neither folder")
        unknown = sorted(set(self.found) - set(self.ledger.appended))
        self.assertEqual(unknown, [], "messages nobody appended")

    def test_none_duplicated_beyond_copies(self):
        duplicated = {k: (n, self.ledger.copies[k]) for k, n in self.found.items() if n > 1 + self.ledger.copies[k]}
        self.assertEqual(duplicated, {}, "more instances than 1 + the copies COPY made (found, copies)")

    def test_contents_intact(self):
        damaged = [k for k, body in self.contents.items() if body != self.ledger.appended.get(k)]
        self.assertEqual(damaged, [], "messages that differ from what was appended")

    def test_uidvalidity_constant_and_uidnext_monotonic(self):
        v = self.observer.violations
        self.assertEqual(v.get("uidvalidity", []) + v.get("uidnext", []), [])

    def test_uids_ascend_and_are_never_reused(self):
        v = self.observer.violations
        self.assertEqual(v.get("uid_order", []) + v.get("uid_reused", []), [])

    def test_sequence_numbers_follow_exists_and_expunge(self):
        v = self.observer.violations
        self.assertEqual(v.get("sequence", []) + v.get("expunge_during_fetch", []), [])

    def test_fetch_answers_every_message_of_the_view(self):
        # After NOOP, FETCH 1:* must answer for every message the client was
        # told exists (RFC 2180 §4.1.1), or say that some are gone (§4.1.2:
        # tagged NO; RFC 5530 [EXPUNGEISSUED]) — not OK with messages missing.
        self.assertEqual(self.observer.violations.get("fetch_incomplete", []), [])


if __name__ == "__main__":
    unittest.main()
