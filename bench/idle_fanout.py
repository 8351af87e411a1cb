#!/usr/bin/env python3
"""Many connections in IDLE: what they cost everyone else, and how fast new
mail reaches them (Estafeta only).

A server with tens of thousands of clients in IDLE must deliver mail to one
address at the cost of that address's sessions, not of every connection it
holds. This opens N IMAP connections of one address (LOGIN, SELECT INBOX,
IDLE; from source addresses spread over 127.0.0.0/8, as one source has only
~28,000 ports) and measures, on a fresh `estafeta quickstart` store:

  1. one SMTP sender delivering 4 KB messages to ANOTHER address, before
     the connections are opened and while they idle (msg/s, and the ratio);
  2. one APPEND to the idling address, once the mail of (1) is in the
     full-text index: how long the APPEND takes, how long until every IDLE
     connection has its `* n EXISTS` (read in one epoll loop over all of
     them, a few microseconds a connection here, so the time is the
     server's more than the client's; both share the two cores), and the
     server's CPU time for it;
  3. the server's memory per idle connection (PSS, /proc/PID/smaps_rollup).

--tls opens the connections over implicit TLS (an imaps listener) and
measures only (3): this client cannot read their EXISTS from the raw
sockets, and reading them through asyncio would time the client.

N defaults to what the file descriptor limit allows (the client needs one
per connection and so does the server; raising the hard limit needs
CAP_SYS_RESOURCE).

Usage: python3 bench/idle_fanout.py [--connections N] [--messages 2000] [--tls]
"""

import argparse
import asyncio
import json
import os
import re
import resource
import select
import socket
import ssl
import subprocess
import sys
import tempfile
import time

import smtp_steps
from common import HOST, BenchError, free_port, log, quickstart_config_head, server_metrics

OTHER = "other@demo.example"   # the address whose connections idle
RCPT = smtp_steps.smtp_bench.RCPT  # what `estafeta quickstart` creates: the SMTP recipient
ADMIN = "admin@demo.example"


def run(argv, **kw):
    r = subprocess.run(argv, capture_output=True, text=True, timeout=60, **kw)
    if r.returncode != 0:
        raise BenchError("%s failed (%d): %s %s" % (" ".join(argv[:4]), r.returncode, r.stdout, r.stderr))
    return r.stdout


def pss_kib(pid):
    with open("/proc/%d/smaps_rollup" % pid) as f:
        for line in f:
            if line.startswith("Pss:"):
                return int(line.split()[1])
    return 0


def cpu_s(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Server:
    def __init__(self, binary, work, connections):
        self.data = os.path.join(work, "data")
        run([binary, "quickstart", "--dir", self.data, "--no-serve"])
        self.config = os.path.join(self.data, "estafeta.toml")
        admin = [binary, "admin", "--config", self.config]
        run(admin + ["address", "create", OTHER])
        run(admin + ["access", "grant", OTHER, ADMIN])
        made = json.loads(run(admin + ["--json", "device-password", "create", OTHER, ADMIN, "--label", "idle"]))
        self.password = made["password"]
        self.imap, self.imaps, self.smtp, self.http = free_port(), free_port(), free_port(), free_port()
        head = quickstart_config_head(self.config)
        head = re.sub(r"(?m)^\[limits\]\s*$", "[limits]\nmax_connections = %d" % (connections + 1000), head, count=1)
        with open(self.config, "w", encoding="utf-8") as f:
            f.write(head)
            f.write('\n[dns]\nservers = ["127.0.0.1:1"]  # a closed port: nothing is asked off the machine\n')
            f.write('\n[[listener]]\nprotocol = "imap"\naddress = "%s:%d"\nplaintext_auth = true\n' % (HOST, self.imap))
            f.write('\n[[listener]]\nprotocol = "imaps"\naddress = "%s:%d"\n' % (HOST, self.imaps))
            f.write('\n[[listener]]\nprotocol = "smtp"\naddress = "%s:%d"\n' % (HOST, self.smtp))
            f.write('\n[[listener]]\nprotocol = "http"\naddress = "%s:%d"\n' % (HOST, self.http))
        # Started after main() raised the fd limit: the server inherits it.
        self.child = smtp_steps.smtp_bench.Child("estafeta", [binary, "serve", "--config", self.config],
                                                 os.path.join(work, "serve.log"))
        self.pid = self.child.pid
        smtp_steps.smtp_bench.wait_banner(self.smtp, b"220", self.child.alive)

    def index_backlog(self):
        """Messages whose text waits for the full-text index (/metrics)."""
        return server_metrics(self.http).get("estafeta_text_index_backlog", 0.0)

    def wait_indexed(self, timeout=180):
        """Until the mail just delivered is indexed: the indexer's batches would share the CPU and
        the writer with what is measured next."""
        deadline = time.monotonic() + timeout
        while self.index_backlog() > 0:
            if time.monotonic() > deadline:
                raise BenchError("the text index still has a backlog after %d s" % timeout)
            time.sleep(0.5)

    def stop(self):
        self.child.stop()


def smtp_rate(port, messages, tag):
    """One sender, one connection, MAIL/RCPT/DATA/message/RSET each waited for (smtp_steps.py's
    client, to the same recipient): msg/s."""
    client = smtp_steps.Client(port)
    start = time.perf_counter()
    for i in range(messages):
        client.send(smtp_steps.message_bytes(i, tag))
    elapsed = time.perf_counter() - start
    client.sock.close()
    return messages / elapsed


async def open_idle(port, password, i, conns, failures, tls=None):
    # Spread over source addresses: one source has ~28,000 ephemeral ports.
    source = ("127.%d.%d.%d" % (100 + os.getpid() % 100, 1 + i // 20000, 1), 0)
    try:
        r, w = await asyncio.wait_for(asyncio.open_connection(HOST, port, local_addr=source, ssl=tls), 60)
        await asyncio.wait_for(r.readline(), 60)
        w.write(b'a1 LOGIN %s "%s"\r\na2 SELECT INBOX\r\na3 IDLE\r\n' % (OTHER.encode(), password.encode()))
        while True:
            line = await asyncio.wait_for(r.readline(), 60)
            if not line:
                raise BenchError("closed before IDLE")
            if line.startswith(b"+"):
                break
            if line[:1] == b"a" and b" OK" not in line:
                raise BenchError("refused: %r" % line.strip())
        conns.append((r, w))
    except (BenchError, OSError, asyncio.TimeoutError, ssl.SSLError) as e:
        failures.append(str(e))


def append_and_watch(port, password, conns, timeout=120):
    """One APPEND to OTHER from a fresh connection, then every idle connection read directly with
    an epoll of our own (the asyncio loop does not run meanwhile: its reads cannot race ours) until each has shown
    `EXISTS`: a client loop costing a few microseconds per connection, so the figures are the
    server's, not this script's. Returns the seconds from the APPEND's write to its tagged answer
    and to each connection's EXISTS (None for those that closed or never showed it)."""
    s = socket.create_connection((HOST, port), timeout=60)
    f = s.makefile("rb")
    f.readline()
    s.sendall(b'b1 LOGIN %s "%s"\r\n' % (OTHER.encode(), password.encode()))
    if b" OK" not in f.readline():
        raise BenchError("the APPEND connection could not log in")
    s.setblocking(False)
    ep = select.epoll()
    fds = {}
    for i, (_, w) in enumerate(conns):
        fd = w.get_extra_info("socket").fileno()
        fds[fd] = i
        ep.register(fd, select.EPOLLIN)
    ep.register(s.fileno(), select.EPOLLIN)
    seen = [None] * len(conns)
    waiting = len(conns)
    answered, answer = None, b""
    message = b"From: <a@sender.example>\r\nSubject: to everyone\r\n\r\nHello.\r\n"
    t = time.monotonic()
    s.sendall(b"b2 APPEND INBOX {%d+}\r\n%s\r\n" % (len(message), message))
    deadline = t + timeout
    try:
        while (waiting or answered is None) and time.monotonic() < deadline:
            for fd, _ in ep.poll(1.0):
                now = time.monotonic()
                if fd == s.fileno():
                    answer += s.recv(4096)
                    if b"b2 " in answer and answered is None:
                        answered = now - t
                    continue
                data = os.read(fd, 4096)
                i = fds[fd]
                if seen[i] is None and b"EXISTS" in data:
                    seen[i] = now - t
                    waiting -= 1
                if not data or seen[i] is not None:
                    ep.unregister(fd)
                    if not data and seen[i] is None:
                        waiting -= 1
    finally:
        ep.close()
        s.close()
    reply = answer[answer.find(b"b2 "):].split(b"\r\n")[0].decode(errors="replace")
    return answered, reply, seen


async def open_all(server, port, n, at_once, tls=None):
    """N connections in IDLE, `at_once` being opened at a time; then (connections, failures,
    seconds to open, the server's PSS in KiB 3 s later, its PSS before)."""
    base_pss = pss_kib(server.pid)
    conns, failures = [], []
    sem = asyncio.Semaphore(at_once)

    async def one(i):
        async with sem:
            await open_idle(port, server.password, i, conns, failures, tls)

    t0 = time.monotonic()
    await asyncio.gather(*[one(i) for i in range(n)])
    opened_s = time.monotonic() - t0
    if failures:
        log("%d connections failed, e.g. %s" % (len(failures), failures[0]))
    await asyncio.sleep(3)
    return conns, failures, opened_s, pss_kib(server.pid), base_pss


async def idle_phase(server, n, messages):
    conns, failures, opened_s, pss, base_pss = await open_all(server, server.imap, n, 200)
    log("%d connections in IDLE after %.1f s; SMTP to another address while they idle" % (len(conns), opened_s))
    loop = asyncio.get_running_loop()
    busy_rate = await loop.run_in_executor(None, smtp_rate, server.smtp, messages, "busy")
    await loop.run_in_executor(None, server.wait_indexed)
    # One APPEND to the idling address.
    cpu0 = cpu_s(server.pid)
    answered, answer, seen = append_and_watch(server.imap, server.password, conns)
    await asyncio.sleep(0.5)
    cpu = cpu_s(server.pid) - cpu0
    reached = sorted(x for x in seen if x is not None)
    append_ms = answered * 1e3 if answered is not None else float("nan")
    for _, cw in conns:
        cw.close()
    return {
        "connections": len(conns), "failed": len(failures), "open_s": opened_s,
        "pss_per_connection_kib": (pss - base_pss) / max(1, len(conns)),
        "smtp_while_idle": busy_rate, "append_ms": append_ms, "append_reply": answer,
        "notified": len(reached), "notify_p50_ms": reached[len(reached) // 2] * 1e3 if reached else None,
        "notify_all_ms": reached[-1] * 1e3 if len(reached) == len(conns) else None,
        "fanout_cpu_ms": cpu * 1e3,
    }


async def tls_phase(server, n):
    """Only the memory of N connections in IDLE over implicit TLS (the server's self-signed certificate)."""
    tls = ssl.create_default_context()
    tls.check_hostname = False
    tls.verify_mode = ssl.CERT_NONE
    conns, failures, opened_s, pss, base_pss = await open_all(server, server.imaps, n, 100, tls)
    for _, w in conns:
        w.close()
    return {"connections": len(conns), "failed": len(failures), "open_s": opened_s,
            "pss_per_connection_kib": (pss - base_pss) / max(1, len(conns))}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--estafeta-bin", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                                                           "build-release", "estafeta"))
    ap.add_argument("--connections", type=int, default=0, help="IDLE connections (0: as many as the fd limit allows)")
    ap.add_argument("--messages", type=int, default=2000, help="SMTP messages per rate measurement")
    ap.add_argument("--tls", action="store_true", help="connections over implicit TLS; memory only")
    ap.add_argument("--json", help="also write the figures here")
    args = ap.parse_args()
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    n = args.connections or max(100, hard - 2000)
    if n + 500 > hard:
        sys.exit("%d connections need a file descriptor limit above %d (it is %d)" % (n, n + 500, hard))
    with tempfile.TemporaryDirectory(prefix="idle-fanout-") as work:
        server = Server(args.estafeta_bin, work, n)
        if args.tls:
            try:
                log("opening %d IDLE connections of %s over TLS" % (n, OTHER))
                r = asyncio.run(tls_phase(server, n))
            finally:
                server.stop()
            print("%d connections of %s in IDLE over TLS (%d failed), opened in %.1f s; PSS %.1f KiB each"
                  % (r["connections"], OTHER, r["failed"], r["open_s"], r["pss_per_connection_kib"]))
            if args.json:
                with open(args.json, "w", encoding="utf-8") as f:
                    json.dump(r, f, indent=1)
            return
        try:
            smtp_rate(server.smtp, 300, "warm")
            log("SMTP to %s, no connection idle" % RCPT)
            quiet_rate = smtp_rate(server.smtp, args.messages, "quiet")
            server.wait_indexed()
            log("opening %d IDLE connections of %s" % (n, OTHER))
            r = asyncio.run(idle_phase(server, n, args.messages))
        finally:
            server.stop()
    r["smtp_quiet"] = quiet_rate
    print("%d connections of %s in IDLE (%d failed), opened in %.1f s; PSS %.1f KiB each"
          % (r["connections"], OTHER, r["failed"], r["open_s"], r["pss_per_connection_kib"]))
    print("  SMTP, one sender, to %s: %.1f msg/s with none idle, %.1f msg/s while they idle (%.2f)"
          % (RCPT, quiet_rate, r["smtp_while_idle"], r["smtp_while_idle"] / quiet_rate))
    print("  one APPEND to %s: answered in %.1f ms; EXISTS reached p50 %.1f ms, all %s ms (%d notified); "
          "server CPU %.0f ms" % (OTHER, r["append_ms"], r["notify_p50_ms"] or -1,
                                  "%.1f" % r["notify_all_ms"] if r["notify_all_ms"] else "-", r["notified"],
                                  r["fanout_cpu_ms"]))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(r, f, indent=1)


if __name__ == "__main__":
    main()
