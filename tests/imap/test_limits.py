"""Commands whose cost a client chooses, through the real binary: what a
client repeats or makes large must not grow the server's memory or CPU
without bound, and normal use must keep working.

- FETCH streams its answer in parts, each written before the next is made:
  the same 1 MiB body section asked 400 times, or a whole folder of 1 MiB
  messages, cost the server a bounded window (RSS growth measured in
  /proc/PID/status), not the size of the answer. Repeated items are answered
  once.
- Sequence sets are coalesced before use: "1:*,1:*,…" ten thousand times over
  a folder of 1,600 messages costs what "1:*" costs.
- LIST patterns are bounded (1,024 octets, 32 wildcard runs) and matched
  without backtracking; folder names are bounded (32 levels, 255 octets per
  level, 512 in all) and so is the number of folders per address
  ([limits] max_folders_per_address): a CREATE past it creates nothing.
- SEARCH keys and strings, STORE/APPEND flags and keywords, ID values and
  FETCH body sections are bounded before any work, with a clear BAD or NO.

Memory: the server runs under AddressSanitizer in the test build, whose
quarantine keeps up to 256 MiB of freed blocks before reusing them; this
module gives the server a 16 MiB quarantine so that RSS shows what the
server itself holds.
"""

import hashlib
import os
import re
import socket
import time
import unittest

from imap_test import ServerTestCase, bulk_append, make_message

# Set before any server of this module starts (child processes inherit it).
os.environ["ASAN_OPTIONS"] = ":".join(filter(None, [os.environ.get("ASAN_OPTIONS"), "quarantine_size_mb=16"]))

MiB = 1024 * 1024
# What a FETCH may add to the server's resident memory at its peak: the
# window of output (about 1 MiB), one message and one of its sections, and
# the allocator's slack. The unbounded answers of old took 0.5 to 1.2 GiB.
MAX_GROWTH = 64 * MiB


def status_kib(pid, key):
    with open("/proc/%d/status" % pid, encoding="ascii") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no %s for pid %d" % (key, pid))


class Memory:
    """The server's resident memory around one command: the peak (VmHWM,
    reset first through /proc/PID/clear_refs; also sampled while reading)
    against the resident size before."""

    def __init__(self, pid):
        self.pid = pid
        self.before = status_kib(pid, "VmRSS")
        try:
            with open("/proc/%d/clear_refs" % pid, "w", encoding="ascii") as f:
                f.write("5")  # resets the peak to the current size
            self.hwm = True
        except OSError:
            self.hwm = False
        self.peak = self.before

    def sample(self):
        self.peak = max(self.peak, status_kib(self.pid, "VmRSS"))

    def growth(self):
        self.sample()
        if self.hwm:
            self.peak = max(self.peak, status_kib(self.pid, "VmHWM"))
        return self.peak - self.before


def read_answer(c, tag, memory=None, timeout=120):
    """Reads responses up to the one tagged `tag` without keeping literals:
    (untagged lines with each literal replaced by "{n}", tagged line,
    [(size, sha256) of each literal]). Samples `memory` as it goes."""
    deadline = time.monotonic() + timeout
    lines, literals = [], []

    def left():
        return max(0.01, deadline - time.monotonic())

    while True:
        line = c.line(left())
        full = line
        m = re.search(rb"\{(\d+)\}$", line)
        while m:
            n = int(m.group(1))
            h = hashlib.sha256()
            take, c.buf = c.buf[:n], c.buf[n:]
            h.update(take)
            rest = n - len(take)
            while rest:
                c.sock.settimeout(left())
                try:
                    chunk = c.sock.recv(min(rest, MiB))
                except socket.timeout:
                    raise TimeoutError("literal incomplete after %d s" % timeout)
                if not chunk:
                    raise EOFError("connection closed inside a literal")
                h.update(chunk)
                rest -= len(chunk)
                if memory and rest % (8 * MiB) < len(chunk):
                    memory.sample()
            literals.append((n, h.hexdigest()))
            line = c.line(left())
            full += line
            m = re.search(rb"\{(\d+)\}$", line)
        if full.startswith(tag.encode() + b" "):
            return lines, full, literals
        lines.append(full)


def big_message(subject, size=MiB):
    line = b"0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz..\r\n"
    body = line * (size // len(line))
    return make_message(subject, body=body.decode(), msgid="<%s@limits.test>" % subject)


class FetchMemoryTest(ServerTestCase):
    def pid(self):
        return self.mail.server.proc.pid

    def selected(self, folder):
        c = self.raw(login=True)
        _, tagged = c.command("SELECT " + folder)
        self.assertIn(b" OK ", tagged)
        return c

    def test_the_same_section_400_times_is_answered_once(self):
        m = self.connect()
        folder = self.folder(m)
        msg = big_message("once")
        bulk_append(self.mail, folder, [msg])
        c = self.selected(folder)
        mem = Memory(self.pid())
        c.send("f1 FETCH 1 (%s)\r\n" % " ".join(["BODY.PEEK[]"] * 400))
        lines, tagged, literals = read_answer(c, "f1", mem)
        growth = mem.growth()
        self.assertLess(growth, MAX_GROWTH, "server RSS grew by %.0f MiB" % (growth / MiB))
        self.assertIn(b"f1 OK", tagged)
        self.assertEqual(literals, [(len(msg), hashlib.sha256(msg).hexdigest())], "one BODY[] for 400 requests")
        self.assertEqual(len(lines), 1)
        self.assertTrue(lines[0].startswith(b"* 1 FETCH (BODY[] {%d}" % len(msg)), lines[0][:80])
        # Distinct sections of the same message still come, each once.
        c.send("f2 FETCH 1 (BODY.PEEK[HEADER] BODY.PEEK[]<0.10> BODY.PEEK[]<10.10> BODY.PEEK[HEADER])\r\n")
        _, tagged, literals = read_answer(c, "f2")
        self.assertIn(b"f2 OK", tagged)
        self.assertEqual(sorted(n for n, _ in literals), [10, 10, msg.index(b"\r\n\r\n") + 4])

    def test_a_folder_of_300_large_messages_streams(self):
        m = self.connect()
        folder = self.folder(m)
        msg = big_message("same")  # identical: one blob, 300 messages
        uids = bulk_append(self.mail, folder, [msg] * 300, chunk=10)
        self.assertEqual(len(uids), 300)
        c = self.selected(folder)
        mem = Memory(self.pid())
        c.send("f1 FETCH 1:* BODY[]\r\n")
        lines, tagged, literals = read_answer(c, "f1", mem, timeout=240)
        growth = mem.growth()
        self.assertIn(b"f1 OK FETCH completed", tagged)
        self.assertEqual(len(literals), 300)
        self.assertEqual(set(literals), {(len(msg), hashlib.sha256(msg).hexdigest())})
        for i, line in enumerate(lines):
            self.assertTrue(line.startswith(b"* %d FETCH (BODY[] {%d}" % (i + 1, len(msg))), line[:80])
            self.assertIn(b"FLAGS (\\Seen)", line, "the implicit \\Seen is reported with each message")
        self.assertLess(growth, MAX_GROWTH, "server RSS grew by %.0f MiB" % (growth / MiB))
        # The \Seen set while streaming is there, and nothing is reported twice.
        _, tagged = c.command("NOOP")
        self.assertIn(b"OK NOOP", tagged)
        lines, tagged = c.command("SEARCH UNSEEN")
        self.assertEqual(lines, [b"* SEARCH"])

    def test_normal_fetch_still_works(self):
        m = self.connect()
        folder = self.folder(m)
        small = [make_message("small %d" % i, body="body %d\r\n" % i) for i in range(5)]
        uids = bulk_append(self.mail, folder, small)
        self.ok(m.select(folder))
        data = self.ok(m.uid("FETCH", "%d:%d" % (uids[0], uids[-1]),
                             "(UID RFC822.SIZE FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)] BODY.PEEK[TEXT])"))
        texts = [d[1] for d in data if isinstance(d, tuple) and b"BODY[TEXT]" in d[0]]
        self.assertEqual(texts, [b"body %d\r\n" % i for i in range(5)])
        self.ok(m.store("1", "+FLAGS", "(\\Flagged)"))
        data = self.ok(m.fetch("1:*", "(FLAGS)"))
        self.assertIn(b"\\Flagged", data[0])


class SequenceSetTest(ServerTestCase):
    def test_repeated_ranges_cost_what_one_costs(self):
        m = self.connect()
        folder = self.folder(m)
        bulk_append(self.mail, folder, [make_message("n %d" % i) for i in range(25)])
        c = self.raw(login=True)
        c.command("SELECT " + folder)
        for _ in range(6):  # 25 → 1,600 messages, copies of the same rows
            _, tagged = c.command("COPY 1:* " + folder, timeout=60)
            self.assertIn(b" OK ", tagged)
        _, tagged = c.command("NOOP")
        start = time.monotonic()
        lines, tagged = c.command("FETCH 1:* (UID)", timeout=60)
        baseline = time.monotonic() - start
        self.assertEqual(len(lines), 1600)
        ranges = ",".join(["1:*"] * 10000)
        pid = self.mail.server.proc.pid
        for command in ("FETCH %s (UID)" % ranges, "UID FETCH %s (UID)" % ranges, "SEARCH UID %s" % ranges):
            mem = Memory(pid)
            start = time.monotonic()
            lines, tagged = c.command(command, timeout=120)
            took = time.monotonic() - start
            growth = mem.growth()
            self.assertIn(b" OK ", tagged, command[:20])
            if command.startswith("SEARCH"):
                self.assertEqual(lines[0].split()[2:], [str(n).encode() for n in range(1, 1601)])
            else:
                self.assertEqual(len(lines), 1600, command[:20])
            # Expanding every range used to take ~90 MiB here.
            self.assertLess(growth, 24 * MiB, "%s…: RSS grew by %.0f MiB" % (command[:12], growth / MiB))
            self.assertLess(took, 20 * baseline + 10, "%s…: %.1f s (one 1:*: %.1f s)" % (command[:12], took, baseline))
        # 10,001 ranges in one command are refused, sets spread over a SEARCH too.
        _, tagged = c.command("FETCH %s,1 (UID)" % ranges)
        self.assertIn(b" BAD too many ranges", tagged)
        half = ",".join(["1:*"] * 6000)
        _, tagged = c.command("SEARCH UID %s UID %s" % (half, half))
        self.assertIn(b" BAD too many ranges", tagged)


class ListTest(ServerTestCase):
    def test_huge_patterns_are_refused_and_logins_go_on(self):
        # The attack: 17 connections, each a LIST with a 15,000-"*" pattern.
        clients = [self.raw(login=True) for _ in range(17)]
        for c in clients:
            c.send("l1 LIST \"\" %s\r\n" % ("*" * 15000))
        for c in clients:
            _, tagged = c.until_tagged("l1", timeout=30)
            self.assertIn(b"l1 BAD LIST pattern too long (at most 1024 octets)", tagged)
        # A pattern as a 70,000-octet literal, and a reference as long.
        c = clients[0]
        c.send("l2 LIST \"\" {70000+}\r\n%s\r\n" % ("*" * 70000))
        self.assertIn(b"l2 BAD LIST pattern too long", c.until_tagged("l2")[1])
        c.send("l3 LIST {2000+}\r\n%s *\r\n" % ("x" * 2000))
        self.assertIn(b"l3 BAD LIST reference too long", c.until_tagged("l3")[1])
        _, tagged = c.command("LIST \"\" \"%s\"" % ("a%" * 33))
        self.assertIn(b"BAD too many wildcards in a LIST pattern (at most 32)", tagged)
        # Collapsed runs of wildcards: 1,000 "*" are one.
        lines, tagged = c.command("LIST \"\" %s" % ("*" * 1000))
        self.assertIn(b" OK ", tagged)
        self.assertTrue(any(line.endswith(b" INBOX") for line in lines), lines)

    def test_worst_allowed_patterns_over_many_long_names(self):
        m = self.connect()
        # 480 folders with long names (240 CREATEs, each with its parent).
        c = self.raw(login=True)
        out = "".join("c%d CREATE n%03d-%s/%s\r\n" % (i, i, "a" * 250, "a" * 250) for i in range(240))
        c.send(out)
        for i in range(240):
            _, tagged = c.until_tagged("c%d" % i, timeout=60)
            self.assertIn(b" OK ", tagged)
        # 1,024 octets, 32 wildcard runs, literal runs that almost match
        # every name: what a backtracking or a plain O(name × pattern)
        # matcher spends the most on.
        pattern = ("%" + "a" * 31) * 32
        start = time.monotonic()
        lines, tagged = c.command("LIST \"\" *", timeout=60)
        baseline = time.monotonic() - start
        self.assertIn(b" OK ", tagged)
        self.assertGreaterEqual(len(lines), 480)
        clients = [self.raw(login=True) for _ in range(17)]
        start = time.monotonic()
        for k in clients:
            k.send("w LIST \"\" (\"%s\" \"*%s*\")\r\n" % (pattern, "a" * 1000))
        # Meanwhile another device of the address logs in and lists.
        other = self.connect()
        self.ok(other.list('""', "INBOX"))
        for k in clients:
            _, tagged = k.until_tagged("w", timeout=120)
            self.assertIn(b"w OK", tagged)
        took = time.monotonic() - start
        self.assertLess(took, 40 * baseline + 20, "17 LISTs took %.1f s (one LIST *: %.2f s)" % (took, baseline))
        m.logout()


class FolderLimitTest(ServerTestCase):
    limits = "max_folders_per_address = 40"

    def names(self, c):
        lines, tagged = c.command("LIST \"\" *")
        self.assertIn(b" OK ", tagged)
        return [line.rsplit(b" ", 1)[1].decode() for line in lines]

    def test_depth_length_and_count(self):
        c = self.raw(login=True)
        # One CREATE used to make 499 folders (its parents).
        _, tagged = c.command("CREATE " + "/".join(["d"] * 499))
        self.assertIn(b"NO [LIMIT] folders nest too deep (at most 32 levels)", tagged)
        self.assertNotIn("d", self.names(c))
        _, tagged = c.command("CREATE " + "x" * 256)
        self.assertIn(b"NO [LIMIT] folder name too long", tagged)
        _, tagged = c.command("CREATE " + "/".join(["d"] * 32))
        self.assertIn(b" OK ", tagged)
        start = len(self.names(c))
        self.assertEqual(start, 6 + 32)  # the address's own folders and the new ones
        # Two left: a CREATE that needs three (two parents) creates nothing.
        _, tagged = c.command("CREATE p/q/r")
        self.assertIn(b"NO [LIMIT] too many folders (at most 40 per address)", tagged)
        self.assertNotIn("p", self.names(c))
        _, tagged = c.command("CREATE p/q")
        self.assertIn(b" OK ", tagged)
        _, tagged = c.command("CREATE z")
        self.assertIn(b"NO [LIMIT]", tagged)
        _, tagged = c.command("RENAME INBOX Old")  # would make a folder
        self.assertIn(b"NO [LIMIT]", tagged)
        # Renaming and deleting stay possible; room comes back.
        _, tagged = c.command("RENAME p/q p/s")
        self.assertIn(b" OK ", tagged)
        _, tagged = c.command("DELETE p/s")
        self.assertIn(b" OK ", tagged)
        _, tagged = c.command("CREATE z")
        self.assertIn(b" OK ", tagged)


class RepeatTest(ServerTestCase):
    def test_repeats_are_bounded_before_the_work(self):
        m = self.connect()
        folder = self.folder(m)
        bulk_append(self.mail, folder, [make_message("r %d" % i, body="needle %d\r\n" % i) for i in range(3)])
        c = self.raw(login=True)
        c.command("SELECT " + folder)
        refused = [
            ("SEARCH " + " ".join(["SEEN"] * 257), b"BAD too many search keys (at most 256)"),
            ("SEARCH " + "OR SEEN " * 40 + "SEEN", b"BAD too deeply nested"),
            ("SEARCH " + " ".join(["(%s)" % " ".join(["SEEN"] * 100)] * 3), b"BAD too many search keys"),
            ("SEARCH SUBJECT " + "x" * 1025, b"BAD search string too long (at most 1024 octets)"),
            ("UID SORT (DATE) UTF-8 " + " ".join(["ALL"] * 300), b"BAD too many search keys"),
            ("UID THREAD REFERENCES UTF-8 " + " ".join(["ALL"] * 300), b"BAD too many search keys"),
            ("STORE 1 +FLAGS (%s)" % " ".join("k%d" % i for i in range(101)), b"BAD too many flags (at most 100)"),
            ("STORE 1 +FLAGS (%s)" % ("k" * 129), b"BAD keyword too long (at most 128 octets)"),
            ("FETCH 1 (%s)" % " ".join("BODY.PEEK[HEADER.FIELDS (X-%d)]" % i for i in range(65)),
             b"BAD too many body sections in one FETCH (at most 64)"),
            ("FETCH 1 (%s)" % " ".join(["BODY.PEEK[HEADER.FIELDS (%s)]" % " ".join(["X"] * 500)] * 3),
             b"BAD too many header field names (at most 1000)"),
            ('ID ("name" "%s")' % ("v" * 1025), b"BAD ID value too long (at most 1024 octets)"),
        ]
        for command, answer in refused:
            _, tagged = c.command(command)
            self.assertIn(answer, tagged, command[:40])
        # APPEND with too many flags: refused before the message is read.
        c.send("a1 APPEND %s (%s) {5+}\r\nhello\r\n" % (folder, " ".join("k%d" % i for i in range(101))))
        self.assertIn(b"a1 BAD too many flags", c.until_tagged("a1")[1])
        # Keywords pile up to 100 per message, then NO [LIMIT].
        for start in range(0, 100, 50):
            _, tagged = c.command("STORE 1 +FLAGS.SILENT (%s)" % " ".join("k%d" % i for i in range(start, start + 50)))
            self.assertIn(b" OK ", tagged)
        _, tagged = c.command("STORE 1 +FLAGS.SILENT (more)")
        self.assertIn(b"NO [LIMIT] a message may have at most 100 keywords", tagged)
        # Normal use.
        lines, tagged = c.command("SEARCH OR SUBJECT \"r 1\" SUBJECT \"r 2\" NOT DELETED")
        self.assertIn(b" OK ", tagged)
        self.assertEqual(lines, [b"* SEARCH 2 3"])
        lines, tagged = c.command("UID SORT (REVERSE ARRIVAL ARRIVAL SUBJECT SUBJECT) UTF-8 ALL")
        self.assertIn(b" OK ", tagged)
        self.assertEqual(len(lines[0].split()), 5)
        _, tagged = c.command('ID ("name" "Thunderbird" "version" "128.0")')
        self.assertIn(b" OK ", tagged)


if __name__ == "__main__":
    unittest.main()
