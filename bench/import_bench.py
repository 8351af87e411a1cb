#!/usr/bin/env python3
"""Import benchmark: Python's imaplib APPENDs N mixed-size messages, one at a
time, into Estafeta and into Dovecot 2.3, in the same run.

imaplib is how many migration scripts talk to a server: one synchronising
literal per APPEND, the literal and its closing CRLF in two writes, Nagle
left on. A server that delays its ACK of the literal stalls each APPEND for
the client's delayed-ACK timeout (~40 ms on Linux); this measures what such
a client sees. Sizes are mixed like real mail: most messages a few KB, some
tens of KB, a few hundreds of KB (default 2,000 messages, about 45 MB).

Only 127.0.0.1. Both servers are started by this script (see imap_bench.py:
Estafeta from `estafeta quickstart`, Dovecot as root with its own config) and
stopped at the end; every wait has a deadline.

Usage (as root, for Dovecot):
        python3 bench/import_bench.py                  # 2,000 messages
        python3 bench/import_bench.py --messages 300   # short run
        python3 bench/import_bench.py --skip-dovecot
"""

import imaplib
import os
import random
import signal
import statistics
import sys
import time

from common import BenchError, log, percentile
import imap_bench
from imap_bench import USER, pair_arguments, parse_pair_arguments, run_on_pair, write_results



def message_sizes(rng, n):
    """About 80 % 2-12 KB, 17 % 12-100 KB, 3 % 100-600 KB."""
    out = []
    for _ in range(n):
        r = rng.random()
        if r < 0.80:
            out.append(rng.randint(2_000, 12_000))
        elif r < 0.97:
            out.append(rng.randint(12_000, 100_000))
        else:
            out.append(rng.randint(100_000, 600_000))
    return out


# Searched right after the import, before any idle time: a word in none of
# the messages, a number in eleven subjects (#123, #1230-#1239), and a word
# in nearly every message.
SEARCHES = (("BODY", "qwertyuiop"), ("TEXT", "#123"), ("TEXT", "invoice"))


def search_after(m, name):
    """Each of SEARCHES once in the selected folder: {query: [ms, hits]}."""
    out = {}
    for key, word in SEARCHES:
        t = time.perf_counter()
        typ, data = m.uid("SEARCH", key, '"%s"' % word)
        ms = (time.perf_counter() - t) * 1000
        if typ != "OK":
            raise BenchError("%s: SEARCH %s %s answered %s %r" % (name, key, word, typ, data))
        out["%s %s" % (key, word)] = [round(ms, 1), len(data[0].split())]
    return out


def run_import(server, messages, deadline):
    """APPENDs every message with imaplib; returns the per-APPEND times (s)
    and the searches made right after it (search_after)."""
    m = imaplib.IMAP4("127.0.0.1", server.port, timeout=60)
    try:
        m.login(USER, server.password)
        typ, _ = m.create("Import")
        if typ != "OK":
            raise BenchError("%s: CREATE Import failed" % server.name)
        times = []
        for msg in messages:
            if time.monotonic() > deadline:
                raise BenchError("%s: past the deadline after %d messages" % (server.name, len(times)))
            t = time.perf_counter()
            typ, data = m.append("Import", None, None, msg)
            times.append(time.perf_counter() - t)
            if typ != "OK":
                raise BenchError("%s: APPEND answered %s %r" % (server.name, typ, data))
        typ, data = m.select("Import", readonly=True)
        if typ != "OK" or int(data[0]) != len(messages):
            raise BenchError("%s: %r messages after the import, not %d" % (server.name, data, len(messages)))
        return times, search_after(m, server.name)
    finally:
        try:
            m.logout()
        except (imaplib.IMAP4.error, OSError):
            pass


def summary(times, total_bytes):
    total = sum(times)
    return {"seconds": round(total, 3), "messages": len(times), "mb": round(total_bytes / 1e6, 1),
            "ms_p50": round(statistics.median(times) * 1000, 2),
            "ms_p99": round(percentile(times, 99) * 1000, 2),
            "messages_per_s": round(len(times) / total, 1)}


def main(argv=None):
    args = parse_pair_arguments(pair_arguments(__doc__, 2000, 7, 900, "import_bench.json"), argv)

    rng = random.Random(args.seed)
    messages = [imap_bench.make_message(rng, i, size) for i, size in enumerate(message_sizes(rng, args.messages))]
    total_bytes = sum(len(m) for m in messages)
    log("%d messages, %.1f MB" % (len(messages), total_bytes / 1e6))
    deadline = time.monotonic() + args.max_seconds
    signal.signal(signal.SIGALRM, lambda *_: (_ for _ in ()).throw(BenchError("whole-run deadline")))
    signal.alarm(int(args.max_seconds) + 60)

    def measure(srv):
        log("%s: importing" % srv.name)
        times, searches = run_import(srv, messages, deadline)
        result = summary(times, total_bytes)
        result["search_after_import"] = searches
        log("%s: %r" % (srv.name, result))
        return result
    results, aborted = run_on_pair(args, "importbench-", measure, (imaplib.IMAP4.error,))

    e, d = results.get("Estafeta"), results.get("Dovecot")
    print("\n%-10s %10s %12s %10s %10s" % ("server", "seconds", "messages/s", "p50 ms", "p99 ms"))
    for name, r in results.items():
        print("%-10s %10.2f %12.1f %10.2f %10.2f" % (name, r["seconds"], r["messages_per_s"], r["ms_p50"], r["ms_p99"]))
    if e and d:
        print("Estafeta's time is %.2fx Dovecot's (lower is better)" % (e["seconds"] / d["seconds"]))
    print("\nsearch right after the import (ms, hits)")
    for name, r in results.items():
        print("%-10s %s" % (name, "  ".join("%s: %.1f ms, %d" % (q, ms, n)
                                            for q, (ms, n) in r["search_after_import"].items())))
    if e and d:
        for q in e["search_after_import"]:
            if e["search_after_import"][q][1] != d["search_after_import"][q][1]:
                aborted = aborted or "SEARCH %s: %d hits on Estafeta, %d on Dovecot" % (
                    q, e["search_after_import"][q][1], d["search_after_import"][q][1])
    return write_results(args, results, aborted,
                         ratio_time=round(e["seconds"] / d["seconds"], 3) if e and d else None)


if __name__ == "__main__":
    sys.exit(main())
