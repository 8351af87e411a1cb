#!/usr/bin/env python3
"""Full-text search benchmark: UID SEARCH over one large INBOX, Estafeta next
to Dovecot 2.3 with its default configuration (no FTS plugin: what a user
gets out of the package), same messages, same client, one run.

Each server gets N messages of about 4 KB (default 100,000). Estafeta by
pipelined APPEND (LITERAL+, 200 per round trip): what it measures includes
the full-text indexer keeping up with that delivery. Dovecot's Maildir is
written directly (its APPEND, one fsync per message, takes ~30 minutes for
100,000 here) and indexed at its first SELECT, before any search is timed. Planted words: one in 10 messages'
bodies ("rare"), one in every body ("common"), one in no message
("absent"). Then each query once right after the delivery ("first": Estafeta
reads the text still waiting for its index beside the index), and, once
Estafeta's indexer has caught up (how long it took is printed), the p50/p99
of the repetitions:

  TEXT rare, BODY rare, TEXT common, BODY absent, SUBJECT common-subject-word

The results are checked: every server must find exactly the planted
messages. Only 127.0.0.1; every wait has a deadline.

Filling 1,000,000 messages takes an hour: `--keep DIR` runs Estafeta
alone in DIR and leaves it there (with DIR/info.json: port and password);
`--reuse DIR` serves that folder again (same --messages and --seed): the
first searches are then the first after the server's start.

Usage (as root, for Dovecot; see bench/README.md):
        python3 bench/search_bench.py                      # 100,000 messages
        python3 bench/search_bench.py --messages 20000 --repeat 3
        python3 bench/search_bench.py --skip-dovecot
        python3 bench/search_bench.py --messages 1000000 --keep /var/tmp/s1m
        python3 bench/search_bench.py --messages 1000000 --reuse /var/tmp/s1m
"""

import json
import os
import random
import signal
import socket
import sqlite3
import statistics
import sys
import time

from common import HOST, BenchError, log, percentile
import imap_bench
from imap_bench import USER, Dovecot, pair_arguments, parse_pair_arguments, run_on_pair, write_results

RARE, COMMON, ABSENT = "zyxquorbit", "estafetacommonword", "qwertzuiopabsent"
SUBJECT_WORD = "bravo"  # in imap_bench.WORDS: most subjects hold it
TIMEOUT = 600.0


class Client:
    """A blocking IMAP client for pipelined APPENDs and timed SEARCHes."""

    def __init__(self, port):
        self.s = socket.create_connection((HOST, port), timeout=TIMEOUT)
        self.buf = b""
        self.n = 0
        self.line()

    def line(self):
        # A line of megabytes (a SEARCH answer of a million UIDs) arrives in
        # many reads: each read is searched once and kept in a list, joined
        # when the line is whole, so reading costs the same per byte
        # whatever the line's length.
        end = self.buf.find(b"\r\n")
        if end < 0:
            parts = [self.buf]
            while True:
                data = self.s.recv(1 << 20)
                if not data:
                    raise BenchError("connection closed by the server")
                # "\r" may end the previous read and "\n" start this one
                # (then the line ends one byte before this read).
                split = parts[-1].endswith(b"\r") and data.startswith(b"\n")
                at = -1 if split else data.find(b"\r\n")
                parts.append(data)
                if split or at >= 0:
                    break
            tail = sum(map(len, parts[:-1]))
            self.buf = b"".join(parts)
            end = tail + at
        line, self.buf = self.buf[:end], self.buf[end + 2:]
        return line

    def until(self, tag):
        lines = []
        while True:
            line = self.line()
            if line.startswith(tag + b" "):
                if line.split(b" ", 2)[1] != b"OK":
                    raise BenchError("%r" % line[:200])
                return lines
            lines.append(line)

    def command(self, text):
        self.n += 1
        tag = b"s%d" % self.n
        self.s.sendall(tag + b" " + text + b"\r\n")
        return self.until(tag)

    def append_all(self, messages, chunk=200):
        for start in range(0, len(messages), chunk):
            tags = []
            out = []
            for m in messages[start:start + chunk]:
                self.n += 1
                tags.append(b"s%d" % self.n)
                out.append(b"s%d APPEND INBOX {%d+}\r\n%s\r\n" % (self.n, len(m), m))
            self.s.sendall(b"".join(out))
            for tag in tags:
                self.until(tag)


def uids_of(lines):
    out = []
    for line in lines:
        if line.startswith(b"* SEARCH"):
            out += [int(x) for x in line.split()[2:]]
    return sorted(out)


def make_messages(n, seed, only_rare=False):
    """The messages and the (sorted) indexes of those holding the rare
    word; with only_rare, the indexes alone (a folder filled before)."""
    rng = random.Random(seed)
    rare = set(rng.sample(range(n), 10))
    if only_rare:
        return None, sorted(rare)
    out = []
    for i in range(n):
        m = imap_bench.make_message(rng, i, 4000)
        extra = COMMON + (" " + RARE if i in rare else "")
        out.append(m + extra.encode() + b"\r\n")
    return out, sorted(rare)


QUERIES = [("TEXT rare", "TEXT " + RARE), ("BODY rare", "BODY " + RARE), ("TEXT common", "TEXT " + COMMON),
           ("BODY absent", "BODY " + ABSENT), ("SUBJECT common", "SUBJECT " + SUBJECT_WORD)]


def write_maildir(dovecot, messages):
    """The messages as Dovecot's own Maildir files, owned by its mail user."""
    cur = os.path.join(dovecot.dir, "mail", USER, "Maildir", "cur")
    os.makedirs(cur, exist_ok=True)
    for sub in ("new", "tmp"):
        os.makedirs(os.path.join(os.path.dirname(cur), sub), exist_ok=True)
    now = int(time.time())
    for i, m in enumerate(messages):
        path = os.path.join(cur, "%d.M%dP1.bench,S=%d:2," % (now, i, len(m)))
        with open(path, "wb") as f:
            f.write(m)
    for root, dirs, files in os.walk(os.path.join(dovecot.dir, "mail")):
        for name in dirs + files:
            os.chown(os.path.join(root, name), imap_bench.MAIL_UID, imap_bench.MAIL_GID)
        os.chown(root, imap_bench.MAIL_UID, imap_bench.MAIL_GID)


def wait_for_index(srv, limit=1800):
    """Seconds until no text waits for Estafeta's full-text index (its
    database, read-only beside the server), at most `limit`."""
    db = sqlite3.connect("file:%s?mode=ro" % os.path.join(srv.dir, "data", "estafeta.db"), uri=True, timeout=30)
    try:
        t = time.monotonic()
        while db.execute("SELECT count(*) FROM blob_text_pending").fetchone()[0]:
            if time.monotonic() - t > limit:
                raise BenchError("%s: text still waiting for the index after %d s" % (srv.name, limit))
            time.sleep(0.5)
        return time.monotonic() - t
    finally:
        db.close()


def run_server(srv, messages, rare, repeat, filled=False, count=None):
    """`messages`: None when the folder was filled before (`filled`) with
    `count` messages."""
    t = time.monotonic()
    if isinstance(srv, Dovecot):
        write_maildir(srv, messages)
    c = Client(srv.port)
    c.command(b'LOGIN "%s" "%s"' % (USER.encode(), srv.password.encode()))
    if not isinstance(srv, Dovecot) and not filled:
        c.append_all(messages)
    c.command(b"SELECT INBOX")
    fill = time.monotonic() - t
    count = len(messages) if messages is not None else count
    log("%s: %d messages in %.1f s (%s)" % (srv.name, count, fill,
                                           "Maildir files, first SELECT" if isinstance(srv, Dovecot)
                                           else "filled by an earlier run" if filled else "APPEND"))
    all_uids = uids_of(c.command(b"UID SEARCH ALL"))
    if len(all_uids) != count:
        raise BenchError("%s: %d messages, not %d" % (srv.name, len(all_uids), count))
    expect = {"TEXT rare": [all_uids[i] for i in rare], "BODY rare": [all_uids[i] for i in rare],
              "TEXT common": all_uids, "BODY absent": []}
    result = {"fill_seconds": round(fill, 1), "queries": {}}

    def search(name, query):
        # The time until the whole answer (the tagged OK) has arrived; the
        # numbers are parsed after, as the client's own work.
        t = time.perf_counter()
        lines = c.command(b"UID SEARCH " + query.encode())
        took = time.perf_counter() - t
        found = uids_of(lines)
        # Maildir files get their UIDs in directory order: Dovecot's are counted.
        exact = not isinstance(srv, Dovecot)
        if name in expect and (found != expect[name] if exact else len(found) != len(expect[name])):
            raise BenchError("%s: %s found %d messages, not %d" % (srv.name, name, len(found), len(expect[name])))
        return took, found

    # Each query once right after the delivery (Estafeta reads the text
    # still waiting for its index), then, once the index has it all (Dovecot's
    # is built at the first SELECT), the timed repetitions.
    first = {name: search(name, query)[0] for name, query in QUERIES}
    result["first_after"] = "the server's start on a folder filled before" if filled else "the delivery"
    if not isinstance(srv, Dovecot):
        waited = wait_for_index(srv)
        result["index_caught_up_seconds"] = round(waited, 1)
        log("%s: the text index caught up %.1f s after the first searches" % (srv.name, waited))
    for name, query in QUERIES:
        then, found = [], []
        for _ in range(repeat):
            took, found = search(name, query)
            then.append(took)
        result["queries"][name] = {"first_ms": round(first[name] * 1000, 1),
                                   "p50_ms": round(statistics.median(then) * 1000, 1),
                                   "p99_ms": round(percentile(then, 99) * 1000, 1), "found": len(found)}
        log("%s: %s %r" % (srv.name, name, result["queries"][name]))
    c.command(b"LOGOUT")
    return result


def run_kept(args, messages, rare):
    """--keep and --reuse: Estafeta alone, in a folder that outlives the run."""
    where = args.keep or args.reuse
    info_path, workdir = os.path.join(where, "info.json"), os.path.join(where, "work")
    srv, result, aborted = None, None, None
    try:
        if args.reuse:
            with open(info_path) as f:
                info = json.load(f)
            if (info.get("messages"), info.get("seed")) != (args.messages, args.seed):
                raise BenchError("%s holds %s messages of seed %s" % (where, info.get("messages"), info.get("seed")))
            srv = imap_bench.Estafeta.reopen(args.estafeta_bin, workdir, info["port"], info["password"], 4096)
        else:
            os.makedirs(workdir)
            srv = imap_bench.Estafeta(args.estafeta_bin, workdir, False, 4096)
            with open(info_path, "w") as f:
                json.dump({"port": srv.port, "password": srv.password, "messages": args.messages, "seed": args.seed}, f)
        result = run_server(srv, messages, rare, args.repeat, filled=bool(args.reuse), count=args.messages)
    except (BenchError, OSError) as e:
        aborted = "%s: %s" % (type(e).__name__, e)
        log("error: %s" % aborted)
    finally:
        signal.alarm(0)
        if srv:
            srv.stop()
    return ({"Estafeta": result} if result else {}), aborted


def main(argv=None):
    p = pair_arguments(__doc__, 100000, 11, 3600, "search_bench.json")
    p.add_argument("--repeat", type=int, default=5, help="timed repetitions after the first search")
    p.add_argument("--keep", metavar="DIR", help="Estafeta alone, its folder left in DIR (a new folder)")
    p.add_argument("--reuse", metavar="DIR", help="Estafeta alone, on the folder --keep left in DIR")
    args = parse_pair_arguments(p, argv)
    if args.keep and args.reuse:
        p.error("--keep or --reuse, not both")

    def on_alarm(*_):
        raise BenchError("past --max-seconds")
    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(int(args.max_seconds))
    messages, rare = make_messages(args.messages, args.seed, only_rare=bool(args.reuse))
    if messages is not None:
        log("%d messages, %.0f MB" % (len(messages), sum(map(len, messages)) / 1e6))
    if args.keep or args.reuse:
        results, aborted = run_kept(args, messages, rare)
    else:
        results, aborted = run_on_pair(args, "searchbench-", lambda srv: run_server(srv, messages, rare, args.repeat))

    e, d = results.get("Estafeta"), results.get("Dovecot")
    print("\n%d messages; milliseconds: first search, then p50 / p99 of %d" % (args.messages, args.repeat))
    print("%-16s %28s %28s %8s" % ("query", "Estafeta first p50 p99", "Dovecot first p50 p99", "p50 x"))
    for name, _ in QUERIES:
        row = "%-16s" % name
        for r in (e, d):
            q = r["queries"][name] if r else None
            row += " %28s" % ("%.1f %.1f %.1f" % (q["first_ms"], q["p50_ms"], q["p99_ms"]) if q else "-")
        if e and d:
            row += " %8.1f" % (d["queries"][name]["p50_ms"] / max(e["queries"][name]["p50_ms"], 0.01))
        print(row)
    return write_results(args, results, aborted)


if __name__ == "__main__":
    sys.exit(main())
