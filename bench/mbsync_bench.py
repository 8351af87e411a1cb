#!/usr/bin/env python3
"""mbsync benchmark: a full pull of one INBOX by mbsync (isync) into an
empty local Maildir, from Estafeta and from Dovecot 2.3, in the same run.

This is what a user does when setting up a new laptop, or a backup job:
mbsync lists the folder, fetches every message's size and flags, then
every message in full. Both servers hold the same N mixed-size messages
(the sizes of import_bench.py: most a few KB, some tens of KB, a few
hundreds of KB; default 2,000 messages, about 45 MB), APPENDed before the
clock starts, and both are idle (Estafeta's background full-text indexing
of the new mail done). Each pull starts from nothing (a new Maildir, no sync state);
pulls alternate between the servers (E, D, then D, E) so background load
hits both alike. mbsync runs with FSync no: what is timed is the server's
serving, not the local disk's flushes. Every pull is checked: N files in the Maildir holding the
messages' bytes (with LF line ends, as mbsync writes a Maildir, and its
own X-TUID header line).

A third server takes part in the same run: a null one (a separate Python
process holding the messages' FETCH responses ready-made, answering each
command at once). Its pulls are mbsync's own work plus the loopback: no
server can make a pull shorter, so its time over Dovecot's is the lowest
ratio this client can show on this machine. `--maildir-parent DIR` puts
the pulls' Maildirs on DIR (e.g. a tmpfs, /dev/shm) to take the local
file system's cost, the same for every server, out of the pulls.

Only 127.0.0.1, plain IMAP (the servers are started by this script as in
imap_bench.py); every wait has a deadline.

Usage (as root, for Dovecot):
        python3 bench/mbsync_bench.py                  # 2,000 messages, 3 pulls each
        python3 bench/mbsync_bench.py --messages 300 --repeat 1
        python3 bench/mbsync_bench.py --skip-dovecot
        python3 bench/mbsync_bench.py --maildir-parent /dev/shm --repeat 7
"""

import imaplib
import multiprocessing
import os
import random
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

from common import HOST, BenchError, log
import imap_bench
from imap_bench import USER, tree_cpu, pair_arguments, parse_pair_arguments, start_plain_pair, stop_all, write_results
from import_bench import message_sizes


def fill(server, messages, deadline):
    """APPENDs every message to INBOX (Nagle off: the fill is not what is measured)."""
    m = imaplib.IMAP4("127.0.0.1", server.port, timeout=60)
    m.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        m.login(USER, server.password)
        for msg in messages:
            if time.monotonic() > deadline:
                raise BenchError("deadline while filling %s" % server.name)
            typ, data = m.append("INBOX", None, None, msg)
            if typ != "OK":
                raise BenchError("%s: APPEND failed: %r" % (server.name, data))
        m.select("INBOX", readonly=True)
        typ, data = m.search(None, "ALL")
        if len(data[0].split()) != len(messages):
            raise BenchError("%s: INBOX has %d messages, not %d" % (server.name, len(data[0].split()), len(messages)))
    finally:
        m.logout()


def serve_null(conn, flags, bodies):
    """One connection: answers every complete command line in what arrived with one write."""
    n = len(bodies)
    conn.sendall(b"* OK [CAPABILITY IMAP4rev1 UIDPLUS] null ready\r\n")
    pending = b""
    while True:
        data = conn.recv(65536)
        if not data:
            return
        pending += data
        out = []
        while b"\r\n" in pending:
            line, pending = pending.split(b"\r\n", 1)
            if line.endswith(b"}"):  # a synchronizing literal (a password): take it as it comes
                size = int(line[line.rindex(b"{") + 1:-1])
                conn.sendall(b"+ go on\r\n")
                while len(pending) < size + 2 or b"\r\n" not in pending[size:]:
                    more = conn.recv(65536)
                    if not more:
                        return
                    pending += more
                rest, pending = pending[size:].split(b"\r\n", 1)
                line = line + b" " + rest
            words = line.split(b" ")
            tag, verb = words[0], words[1].upper() if len(words) > 1 else b""
            if verb == b"LOGOUT":
                conn.sendall(b"".join(out) + b"* BYE\r\n" + tag + b" OK done\r\n")
                return
            if verb == b"NAMESPACE":
                out.append(b'* NAMESPACE (("" "/")) NIL NIL\r\n')
            elif verb == b"LIST":
                out.append(b'* LIST (\\HasNoChildren) "/" INBOX\r\n')
            elif verb in (b"SELECT", b"EXAMINE"):
                out.append(b"* %d EXISTS\r\n* OK [UIDVALIDITY 1] v\r\n* OK [UIDNEXT %d] n\r\n"
                           b"* FLAGS (\\Seen)\r\n" % (n, n + 1))
            elif verb == b"UID" and len(words) > 3 and words[2].upper() == b"FETCH":
                first, _, last = words[3].partition(b":")
                lo = int(first)
                hi = n if last == b"*" else int(last or first)
                if b"BODY.PEEK[]" in line.upper():
                    out.extend(bodies[lo - 1:min(hi, n)])
                else:
                    out.extend(flags[lo - 1:min(hi, n)])
            elif verb == b"CAPABILITY":
                out.append(b"* CAPABILITY IMAP4rev1 UIDPLUS\r\n")
            elif verb != b"LOGIN":
                out.append(tag + b" BAD not here\r\n")
                continue
            out.append(tag + b" OK done\r\n")
        if out:
            conn.sendall(b"".join(out))


def null_server_main(sock, messages):
    flags = [b"* %d FETCH (UID %d FLAGS ())\r\n" % (i, i) for i in range(1, len(messages) + 1)]
    bodies = [b"* %d FETCH (UID %d BODY[] {%d}\r\n%s)\r\n" % (i, i, len(m), m) for i, m in enumerate(messages, 1)]
    while True:
        conn, _ = sock.accept()
        with conn:
            serve_null(conn, flags, bodies)


class NullImap:
    """The null server: a separate process on 127.0.0.1 serving `messages` as INBOX, any password."""
    name = "null"

    def __init__(self, messages, password):
        sock = socket.socket()
        sock.bind((HOST, 0))
        sock.listen(4)
        self.port = sock.getsockname()[1]
        self.password = password
        self.messages = len(messages)
        self.process = multiprocessing.Process(target=null_server_main, args=(sock, messages), daemon=True)
        self.process.start()
        sock.close()
        self.pid = self.process.pid

    def stop(self):
        self.process.terminate()
        self.process.join(5)


def wait_idle(server, max_wait=120.0):
    """Waits until the server uses under 2 % of a core for a second (Estafeta indexes new
    mail for full-text search in the background): the pulls measure serving, not that."""
    end = time.monotonic() + max_wait
    while time.monotonic() < end:
        before = tree_cpu(server.pid)
        time.sleep(1.0)
        if tree_cpu(server.pid) - before < 0.02:
            return
    log("%s: still busy after %.0f s" % (server.name, max_wait))


def pull(server, workdir, expected_count, expected_bytes, timeout):
    """One full pull into a new Maildir under `workdir`; returns (seconds, mbsync's CPU seconds, the server's CPU
    seconds)."""
    base = tempfile.mkdtemp(prefix="pull-", dir=workdir)
    try:
        maildir = os.path.join(base, "mail")
        os.makedirs(maildir)
        rc = os.path.join(base, "mbsyncrc")
        with open(rc, "w") as f:
            # FSync no: the local disk's flushes are the client's cost, the same for both servers, and noisy.
            f.write("FSync no\n\nIMAPAccount bench\nHost 127.0.0.1\nPort %d\nUser %s\nPass %s\nSSLType None\nAuthMechs LOGIN\n\n"
                    "IMAPStore far\nAccount bench\n\n"
                    "MaildirStore near\nPath %s/\nInbox %s/INBOX\n\n"
                    "Channel bench\nFar :far:\nNear :near:\nPatterns INBOX\nCreate Near\nSync Pull\nSyncState *\n"
                    % (server.port, USER, server.password, maildir, maildir))
        ru0, cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN), tree_cpu(server.pid)
        t0 = time.monotonic()
        p = subprocess.run(["mbsync", "-q", "-c", rc, "bench"], capture_output=True, text=True, timeout=timeout,
                           stdin=subprocess.DEVNULL)
        seconds = time.monotonic() - t0
        ru1, cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN), tree_cpu(server.pid)
        client_cpu = (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)
        if p.returncode != 0:
            raise BenchError("%s: mbsync exit %d: %s" % (server.name, p.returncode, p.stderr.strip()[-500:]))
        files = [os.path.join(d, name) for sub in ("cur", "new")
                 for d in [os.path.join(maildir, "INBOX", sub)] if os.path.isdir(d) for name in os.listdir(d)]
        got = sum(os.path.getsize(f) for f in files)
        # mbsync writes LF line ends and may add its own X-TUID header line to each message.
        if len(files) != expected_count or not expected_bytes <= got <= expected_bytes + 64 * expected_count:
            raise BenchError("%s: pulled %d messages, %d bytes; expected %d, %d (+ a header line each)"
                             % (server.name, len(files), got, expected_count, expected_bytes))
        return seconds, client_cpu, cpu1 - cpu0
    finally:
        shutil.rmtree(base, ignore_errors=True)
        # The pull's 47 MB, written without fsync, would otherwise be flushed
        # during the next pull and slow it (both servers' later pulls took
        # twice the first ones'); flushed here, outside the timing.
        os.sync()


def main(argv=None):
    p = pair_arguments(__doc__, 2000, 7, 1200, "mbsync_bench.json")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--maildir-parent", default=None,
                   help="where the pulls' Maildirs are made (default: the run's work folder, on disk)")
    p.add_argument("--skip-null", action="store_true", help="without the null server")
    args = parse_pair_arguments(p, argv)
    if not shutil.which("mbsync"):
        sys.exit("mbsync is not installed (Debian package isync; scripts/setup.sh installs it)")

    rng = random.Random(args.seed)
    messages = [imap_bench.make_message(rng, i, size) for i, size in enumerate(message_sizes(rng, args.messages))]
    total_bytes = sum(len(m) for m in messages)
    lf_bytes = sum(len(m.replace(b"\r\n", b"\n")) for m in messages)
    log("%d messages, %.1f MB" % (len(messages), total_bytes / 1e6))
    deadline = time.monotonic() + args.max_seconds

    workdir = tempfile.mkdtemp(prefix="mbsyncbench-")
    servers, results, aborted, pulls_in = [], {}, None, None
    try:
        start_plain_pair(args.estafeta_bin, workdir, servers, not args.skip_dovecot)
        for srv in servers:
            log("%s: filling INBOX" % srv.name)
            fill(srv, messages, deadline)
        if not args.skip_null:
            servers.append(NullImap(messages, servers[0].password))
        pulls_in = tempfile.mkdtemp(prefix="mbsyncbench-pulls-", dir=args.maildir_parent or workdir)
        log("Maildirs under %s" % pulls_in)
        for srv in servers:
            wait_idle(srv)
            results[srv.name] = {"pulls_s": [], "client_cpu_s": [], "server_cpu_s": []}
        for i in range(args.repeat):
            for srv in (servers if i % 2 == 0 else list(reversed(servers))):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise BenchError("whole-run deadline")
                s, client, served = pull(srv, pulls_in, len(messages), lf_bytes, left)
                results[srv.name]["pulls_s"].append(round(s, 3))
                results[srv.name]["client_cpu_s"].append(round(client, 3))
                results[srv.name]["server_cpu_s"].append(round(served, 3))
                log("%s: pull %d: %.2f s (mbsync CPU %.2f s, server CPU %.2f s)" % (srv.name, i + 1, s, client, served))
    except (BenchError, OSError, imaplib.IMAP4.error, subprocess.TimeoutExpired) as e:
        aborted = "%s: %s" % (type(e).__name__, e)
        log("error: %s" % aborted)
    finally:
        stop_all(servers, workdir)
        if pulls_in:
            shutil.rmtree(pulls_in, ignore_errors=True)

    for r in results.values():
        if r["pulls_s"]:
            r["median_s"] = round(statistics.median(r["pulls_s"]), 3)
            r["median_client_cpu_s"] = round(statistics.median(r["client_cpu_s"]), 3)
            r["median_server_cpu_s"] = round(statistics.median(r["server_cpu_s"]), 3)
            r["mb_per_s"] = round(total_bytes / 1e6 / r["median_s"], 1)
    print("\n%-10s %10s %10s %12s %12s  %s" % ("server", "median s", "MB/s", "mbsync CPU", "server CPU", "pulls"))
    for name, r in results.items():
        if r.get("median_s"):
            print("%-10s %10.2f %10.1f %12.2f %12.2f  %s" % (name, r["median_s"], r["mb_per_s"], r["median_client_cpu_s"],
                                                         r["median_server_cpu_s"], r["pulls_s"]))
    e, d = results.get("Estafeta", {}).get("median_s"), results.get("Dovecot", {}).get("median_s")
    z = results.get("null", {}).get("median_s")
    if e and d:
        print("Estafeta's time is %.2fx Dovecot's (lower is better; aim <= 0.8)" % (e / d))
    if z and d:
        print("the null server's is %.2fx Dovecot's: no server can show less with this client here" % (z / d))
    return write_results(args, results, aborted, messages=len(messages), mb=round(total_bytes / 1e6, 1),
                         maildir_parent=args.maildir_parent or "work folder",
                         ratio_time=round(e / d, 3) if e and d else None,
                         ratio_null_time=round(z / d, 3) if z and d else None)


if __name__ == "__main__":
    sys.exit(main())
