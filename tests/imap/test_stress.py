"""Random multi-client stress on one folder: several sessions STORE, FETCH,
COPY, EXPUNGE, APPEND and SEARCH at once, and each checks every untagged
response it gets against its own model of the folder (RFC 9051 §7,
RFC 3501 §7):

- every flag a FETCH shows was announced by FLAGS before (\\Recent aside);
- sequence numbers stay inside the session's view, EXISTS never lowers
  the count (only EXPUNGE does), an EXPUNGEd number exists;
- a message keeps its UID, and UIDs ascend with sequence numbers;
- no command is answered BAD; and at the end every session, after a NOOP,
  sees the same UIDs and flags as a fresh one.

Bounded: ESTAFETA_STRESS_SECONDS (default 20) of work, then every session
stops. ESTAFETA_STRESS_SEED repeats a run."""

import os
import random
import re
import threading
import time
import unittest

from imap_test import ServerTestCase, bulk_append, make_message

SECONDS = float(os.environ.get("ESTAFETA_STRESS_SECONDS", "20"))
SEED = int(os.environ.get("ESTAFETA_STRESS_SEED", str(int(time.time()))))
CLIENTS = 6
FOLDER = "t-stress"
FLAG_POOL = ["\\Seen", "\\Flagged", "\\Answered", "\\Draft", "$Label1", "$Label2", "$Forwarded", "Stress-A",
             "Stress-B", "Stress-C", "Stress-D", "Stress-E"]
SYSTEM = {b"\\answered", b"\\flagged", b"\\deleted", b"\\seen", b"\\draft"}


class Model:
    """One session's view of the folder, checked against what it is told."""

    def __init__(self, name):
        self.name = name
        self.uids = []          # by sequence number - 1; None until a FETCH tells the UID
        self.flags = []         # by sequence number - 1; None until a FETCH tells them
        self.known = set()      # announced flags, lower case
        self.problems = []

    def problem(self, text, line):
        self.problems.append("%s: %s in %r" % (self.name, text, line))

    def count(self):
        return len(self.uids)

    def take(self, untagged):
        for line in untagged:
            self.take_line(line)

    def take_line(self, line):
        m = re.match(rb"\* FLAGS \(([^)]*)\)", line)
        if m:
            self.known = {f.lower() for f in m.group(1).split()}
            missing = SYSTEM - self.known
            if missing:
                self.problem("FLAGS lacks system flags %r" % missing, line)
            return
        m = re.match(rb"\* (\d+) EXISTS$", line)
        if m:
            n = int(m.group(1))
            if n < self.count():
                self.problem("EXISTS %d below the %d messages known, without EXPUNGE" % (n, self.count()), line)
                return
            grow = n - self.count()
            self.uids += [None] * grow
            self.flags += [None] * grow
            return
        m = re.match(rb"\* (\d+) EXPUNGE$", line)
        if m:
            n = int(m.group(1))
            if not 1 <= n <= self.count():
                self.problem("EXPUNGE of %d with %d messages" % (n, self.count()), line)
                return
            del self.uids[n - 1]
            del self.flags[n - 1]
            return
        m = re.match(rb"\* (\d+) RECENT$", line)
        if m:
            if int(m.group(1)) > self.count():
                self.problem("RECENT above EXISTS", line)
            return
        m = re.match(rb"\* (\d+) FETCH \((.*)\)$", line)
        if m:
            self.take_fetch(int(m.group(1)), m.group(2), line)

    def take_fetch(self, seq, items, line):
        if not 1 <= seq <= self.count():
            self.problem("FETCH of %d with %d messages" % (seq, self.count()), line)
            return
        uid = re.search(rb"\bUID (\d+)", items)
        if uid:
            uid = int(uid.group(1))
            old = self.uids[seq - 1]
            if old is not None and old != uid:
                self.problem("message %d was UID %d, now %d" % (seq, old, uid), line)
            self.uids[seq - 1] = uid
            before = [u for u in self.uids[:seq - 1] if u is not None]
            after = [u for u in self.uids[seq:] if u is not None]
            if (before and before[-1] >= uid) or (after and after[0] <= uid):
                self.problem("UIDs out of order around %d" % seq, line)
        flags = re.search(rb"\bFLAGS \(([^)]*)\)", items)
        if flags:
            shown = {f.lower() for f in flags.group(1).split()}
            unknown = shown - self.known - {b"\\recent"}
            if unknown:
                self.problem("flags %r shown before FLAGS listed them" % unknown, line)
            self.flags[seq - 1] = shown - {b"\\recent"}


class Client(threading.Thread):
    def __init__(self, case, index, deadline, rng):
        super().__init__(name="stress-%d" % index, daemon=True)
        self.case = case
        self.deadline = deadline
        self.rng = rng
        self.model = Model(self.name)
        self.commands = 0
        self.no = 0
        self.error = None

    def run(self):
        try:
            self.conn = self.case.raw(login=True)
            self.send('SELECT "%s"' % FOLDER)
            while time.monotonic() < self.deadline and not self.model.problems:
                self.step()
        except Exception as e:  # reported by the test, with the seed
            self.error = "%s: %r" % (self.name, e)

    def send(self, text, allow_no=False):
        untagged, tagged = self.conn.command(text)
        self.commands += 1
        self.model.take(untagged)
        status = tagged.split(b" ", 2)[1] if b" " in tagged else b""
        if status == b"NO" and allow_no:
            self.no += 1
        elif status != b"OK":
            self.model.problem("%s answered" % text[:60], tagged)
        return untagged

    def some_range(self):
        n = self.model.count()
        a = self.rng.randint(1, n)
        b = min(n, a + self.rng.randint(0, 4))
        return "%d:%d" % (a, b) if a != b else str(a)

    def some_flags(self):
        return " ".join(self.rng.sample(FLAG_POOL, self.rng.randint(1, 3)))

    def step(self):
        r = self.rng
        n = self.model.count()
        op = r.choice(["store", "store", "fetch", "fetch", "copy", "append", "expunge", "noop", "search", "uidstore"])
        if n == 0 and op in ("store", "fetch", "copy", "uidstore"):
            op = "append"
        if n > 120 and op in ("copy", "append"):
            op = "expunge"
        if op == "store":
            self.send("STORE %s %sFLAGS (%s)" % (self.some_range(), r.choice("+-"), self.some_flags()), True)
        elif op == "uidstore":
            known = [u for u in self.model.uids if u is not None]
            target = str(r.choice(known)) if known else "1:*"
            self.send("UID STORE %s +FLAGS (%s)" % (target, self.some_flags()), True)
        elif op == "fetch":
            self.send("FETCH %s (UID FLAGS)" % self.some_range(), True)
        elif op == "copy":
            self.send('COPY %s "%s"' % (self.some_range(), FOLDER), True)
        elif op == "append":
            body = make_message("stress %d" % r.randint(0, 10**6)).decode()
            self.send('APPEND "%s" (%s) {%d+}\r\n%s' % (FOLDER, self.some_flags(), len(body), body))
        elif op == "expunge":
            if n > 0:
                self.send("STORE %s +FLAGS.SILENT (\\Deleted)" % self.some_range(), True)
            self.send("EXPUNGE")
        elif op == "noop":
            self.send("NOOP")
        elif op == "search":
            untagged = self.send("SEARCH KEYWORD Stress-A")
            for line in untagged:
                if line.startswith(b"* SEARCH"):
                    for seq in line.split()[2:]:
                        if not 1 <= int(seq) <= self.model.count():
                            self.model.problem("SEARCH result %s outside the view" % seq.decode(), line)


class StressTest(ServerTestCase):
    def test_sessions_agree_under_random_load(self):
        setup = self.raw(login=True)
        setup.command('CREATE "%s"' % FOLDER)
        bulk_append(self.mail, FOLDER, [make_message("seed %d" % i) for i in range(40)])
        deadline = time.monotonic() + SECONDS
        clients = [Client(self, i, deadline, random.Random(SEED * 100 + i)) for i in range(CLIENTS)]
        for c in clients:
            c.start()
        for c in clients:
            c.join(SECONDS + 60)
            self.assertFalse(c.is_alive(), "%s did not stop (seed %d)" % (c.name, SEED))
        errors = [c.error for c in clients if c.error]
        self.assertEqual(errors, [], "seed %d" % SEED)
        problems = [p for c in clients for p in c.model.problems]
        self.assertEqual(problems[:20], [], "seed %d" % SEED)
        total = sum(c.commands for c in clients)
        self.assertGreater(total, 20 * CLIENTS, "too little work to say anything")

        # Settled: every session, after a NOOP and a full FETCH, sees what a
        # fresh session sees.
        fresh = self.raw(login=True)
        untagged, _ = fresh.command('EXAMINE "%s"' % FOLDER)
        truth = Model("fresh")
        truth.take(untagged)
        truth.take(fresh.command("FETCH 1:* (UID FLAGS)")[0])
        self.assertEqual(truth.problems, [])
        self.assertNotIn(None, truth.uids)
        for c in clients:
            c.send("NOOP")
            c.send("FETCH 1:* (UID FLAGS)")
            self.assertEqual(c.model.problems, [], "seed %d" % SEED)
            self.assertEqual(c.model.uids, truth.uids, "%s (seed %d)" % (c.name, SEED))
            self.assertEqual(c.model.flags, truth.flags, "%s (seed %d)" % (c.name, SEED))
        print("stress: %d commands in %.0f s by %d sessions (%d NO), seed %d" %
              (total, SECONDS, CLIENTS, sum(c.no for c in clients), SEED))


if __name__ == "__main__":
    unittest.main()
