#!/usr/bin/env python3
"""IMAP benchmark: Estafeta against Dovecot 2.3, same messages, same client, one run.

Workloads (both servers are up; only one is loaded at a time, alternating
E, D / D, E between repetitions so background load hits both alike):

  mixed   Per client, sessions of: LOGIN, SELECT INBOX, then rounds of
          UID FETCH (10 messages, BODY.PEEK[HEADER]), UID FETCH (1 message,
          BODY.PEEK[]), UID STORE +/-FLAGS (\\Seen) on 5 messages,
          UID SEARCH SUBJECT <word>, UID SEARCH UNSEEN, APPEND (~4 KB),
          UID STORE +FLAGS.SILENT (\\Deleted) on it, UID EXPUNGE of it; LOGOUT.
          Counted: tagged OK completions per second over a fixed duration, with
          1 client and with 20 concurrent clients (all on the same account and
          the same INBOX, pre-filled with 500 messages of ~4 KB).
  idle    N connections each LOGIN, SELECT INBOX, IDLE (until "+ "), held open;
          the server's memory is then read as PSS from /proc/PID/smaps_rollup,
          summed over all its processes (Dovecot: master and every child).
          Also: the time for one APPEND to reach every IDLE connection as
          "* n EXISTS". Dovecot runs one process per connection, so it gets a
          smaller N (default 1,000) and its figure at Estafeta's N is
          extrapolated: baseline + N x (per-connection cost).

Only 127.0.0.1. Every wait has a deadline; the whole run has one too
(--max-seconds). The servers are started by this script (Estafeta with its own
data folder from `estafeta quickstart`, Dovecot as root with its own config,
passwd-file user, Maildir, a non-standard port) and stopped by PID at the end;
fs.inotify.max_user_instances is raised for the Dovecot IDLE run and restored.

Usage (as root, for Dovecot; see bench/README.md):
        python3 bench/imap_bench.py                 # full run, plain (about 7 minutes)
        python3 bench/imap_bench.py --tls           # and over implicit TLS too (about 14 minutes)
        python3 bench/imap_bench.py --duration 3 --repeat 1 --idle 1000 --idle-dovecot 100   # short run
        python3 bench/imap_bench.py --skip-dovecot
"""

import argparse
import asyncio
import datetime
import json
import os
import platform
import random
import re
import resource
import shutil
import signal
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time

from common import HOST, BenchError, free_port, log, percentile, proc_tree, quickstart_config_head, start_time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
USER = "hello@demo.example"  # what `estafeta quickstart` creates; Dovecot gets the same name
INOTIFY_SYSCTL = "/proc/sys/fs/inotify/max_user_instances"
MAIL_UID = MAIL_GID = 65534  # nobody/nogroup: Dovecot's mail files
CMD_TIMEOUT = 60.0  # seconds for any one IMAP command




def wait_port(port, proc, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise BenchError("server exited with %s before listening on %d" % (proc.returncode, port))
        try:
            with socket.create_connection((HOST, port), timeout=1) as s:
                s.settimeout(5)
                if s.recv(100).startswith(b"* OK"):
                    return
        except OSError:
            pass
        time.sleep(0.05)
    raise BenchError("nothing answered on port %d within %.0f s" % (port, timeout))


# --------------------------------------------------------------------------- processes and memory




def tree_memory(pid):
    """PSS and RSS (bytes) summed over the process tree of `pid`, and the process count."""
    pss = rss = n = 0
    for p in proc_tree(pid):
        try:
            with open("/proc/%d/smaps_rollup" % p) as f:
                for line in f:
                    if line.startswith("Pss:"):
                        pss += int(line.split()[1]) * 1024
                    elif line.startswith("Rss:"):
                        rss += int(line.split()[1]) * 1024
            n += 1
        except OSError:
            pass
    return {"pss": pss, "rss": rss, "processes": n}


CLK_TCK = os.sysconf("SC_CLK_TCK")


def tree_cpu(pid):
    """CPU seconds of the tree: own + reaped children's times of every live process."""
    total = 0
    for p in proc_tree(pid):
        try:
            with open("/proc/%d/stat" % p, "rb") as f:
                st = f.read()
            fields = st[st.rindex(b")") + 2:].split()
            total += sum(int(x) for x in fields[11:15])  # utime stime cutime cstime
        except OSError:
            pass
    return total / CLK_TCK


def system_busy_cpu():
    """CPU seconds spent by everything on the machine (all cores), from /proc/stat."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields[:8]) - idle) / CLK_TCK


def threads_of(pid):
    try:
        return len(os.listdir("/proc/%d/task" % pid))
    except OSError:
        return None


def raise_nofile(n):
    """Raises this process's RLIMIT_NOFILE to n (as far as allowed)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft >= n:
        return soft
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (n, max(n, hard)))
    except (ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def nofile_preexec(n):
    def f():
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (n, n))
        except (ValueError, OSError):
            hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return f


class Child:
    """A server process started here; stop() ends it and, by PID, any descendant left behind."""

    def __init__(self, name, argv, log_path, nofile, env=None):
        self.name = name
        self._log = open(log_path, "ab")
        self.log_path = log_path
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=self._log, stderr=self._log,
                                     preexec_fn=nofile_preexec(nofile), env=env)
        self.pid = self.proc.pid

    def alive(self):
        return self.proc.poll() is None

    def stop(self, timeout=15.0):
        if self._log.closed:
            return self.proc.returncode
        tree = [(p, start_time(p)) for p in proc_tree(self.pid)] if self.alive() else []
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            log("%s did not stop within %.0f s after SIGTERM: SIGKILL" % (self.name, timeout))
            self.proc.kill()
            self.proc.wait()
        # Anything of its tree still there (same pid and start time): killed by PID.
        deadline = time.monotonic() + 5
        left = [(p, t) for p, t in tree if p != self.pid and t is not None and start_time(p) == t]
        while left and time.monotonic() < deadline:
            time.sleep(0.1)
            left = [(p, t) for p, t in left if start_time(p) == t]
        for p, t in left:
            try:
                os.kill(p, signal.SIGKILL)
            except OSError:
                pass
        if left:
            log("%s: killed %d leftover processes" % (self.name, len(left)))
        if not self._log.closed:
            self._log.close()
        return self.proc.returncode


# --------------------------------------------------------------------------- messages

WORDS = ("alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar papa "
         "quebec romeo sierra tango uniform victor whiskey xray yankee zulu invoice report meeting budget "
         "project schedule release server client network update review draft contract payment shipment "
         "order account password backup storage archive calendar holiday travel conference agenda minutes "
         "quarterly annual monthly weekly daily summary analysis proposal request approval feedback survey "
         "training workshop seminar webinar newsletter announcement reminder invitation confirmation "
         "cancellation receipt statement balance transfer deposit withdrawal loan mortgage insurance policy "
         "claim refund discount coupon promotion campaign launch product feature roadmap milestone deadline "
         "estimate forecast target metric dashboard ticket incident outage maintenance upgrade migration "
         "deployment rollback hotfix patch security audit compliance privacy license renewal subscription "
         "trial demo pricing quote tender bid vendor supplier partner customer employee manager director").split()


def make_message(rng, i, size):
    subject = " ".join(rng.choice(WORDS) for _ in range(4)) + " #%d" % i
    day = 1 + i % 28
    head = ("From: Sender %d <sender%d@example.org>\r\n"
            "To: Hello <%s>\r\n"
            "Subject: %s\r\n"
            "Date: Mon, %d Nov 2026 10:%02d:%02d +0000\r\n"
            "Message-ID: <bench-%d-%d@example.org>\r\n"
            "MIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=us-ascii\r\n"
            "Content-Transfer-Encoding: 7bit\r\n\r\n") % (i % 37, i % 37, USER, subject, day, i % 60, (i * 7) % 60,
                                                         i, rng.randrange(10 ** 9))
    lines, line = [], []
    total = len(head)
    while total < size:
        w = rng.choice(WORDS)
        line.append(w)
        if sum(len(x) + 1 for x in line) > 70:
            s = " ".join(line) + "\r\n"
            lines.append(s)
            total += len(s)
            line = []
    return (head + "".join(lines)).encode("ascii")


# --------------------------------------------------------------------------- a minimal asyncio IMAP client

LITERAL_RE = re.compile(rb"\{(\d+)\+?\}\r\n$")


class ImapError(Exception):
    pass


class Imap:
    def __init__(self, reader, writer):
        self.r, self.w = reader, writer
        self.n = 0

    @classmethod
    async def connect(cls, port, ssl_ctx=None, timeout=CMD_TIMEOUT):
        r, w = await asyncio.wait_for(
            asyncio.open_connection(HOST, port, ssl=ssl_ctx, limit=1 << 20,
                                    server_hostname="localhost" if ssl_ctx else None), timeout)
        c = cls(r, w)
        line = await asyncio.wait_for(r.readline(), timeout)
        if not line.startswith(b"* OK"):
            w.close()
            raise ImapError("greeting: %r" % line[:200])
        return c

    async def read_response_line(self):
        """One response line with its literals inlined."""
        line = await self.r.readline()
        if not line:
            raise ImapError("connection closed by server")
        parts = [line]
        while True:
            m = LITERAL_RE.search(line)
            if not m:
                break
            parts.append(await self.r.readexactly(int(m.group(1))))
            line = await self.r.readline()
            if not line:
                raise ImapError("connection closed inside a response")
            parts.append(line)
        return b"".join(parts)

    async def _until_tagged(self, tag):
        lines = []
        while True:
            line = await self.read_response_line()
            if line.startswith(tag + b" "):
                return line, lines
            lines.append(line)

    async def command(self, text, literal=None, timeout=CMD_TIMEOUT):
        """Sends a command (with one synchronizing literal if given); returns (tagged line, untagged lines)."""
        self.n += 1
        tag = b"a%d" % self.n
        if literal is None:
            self.w.write(tag + b" " + text + b"\r\n")
            return await asyncio.wait_for(self._until_tagged(tag), timeout)

        async def go():
            self.w.write(tag + b" " + text + b" {%d}\r\n" % len(literal))
            while True:
                line = await self.read_response_line()
                if line.startswith(b"+"):
                    break
                if line.startswith(tag + b" "):
                    return line, []
            self.w.write(literal + b"\r\n")
            return await self._until_tagged(tag)
        return await asyncio.wait_for(go(), timeout)

    async def ok(self, text, literal=None):
        tagged, lines = await self.command(text, literal)
        if tagged.split(b" ", 2)[1:2] != [b"OK"]:
            raise ImapError("%s -> %s" % (text[:60].decode(errors="replace"), tagged.strip()[:200].decode(errors="replace")))
        return tagged, lines

    def close(self):
        try:
            self.w.close()
        except Exception:
            pass


def quote(s):
    return b'"' + s.replace("\\", "\\\\").replace('"', '\\"').encode() + b'"'


def login_cmd(password):
    return b"LOGIN " + quote(USER) + b" " + quote(password)


# --------------------------------------------------------------------------- prefill and tidy

async def prefill(port, password, messages):
    c = await Imap.connect(port)
    await c.ok(login_cmd(password))
    await c.ok(b"SELECT INBOX")
    t0 = time.monotonic()
    lat = []
    for i, m in enumerate(messages):
        t1 = time.monotonic()
        await c.ok(b"APPEND INBOX (\\Seen)" if i % 2 == 0 else b"APPEND INBOX", literal=m)
        lat.append(time.monotonic() - t1)
    elapsed = time.monotonic() - t0
    _, lines = await c.ok(b"UID SEARCH ALL")
    uids = []
    for line in lines:
        if line.startswith(b"* SEARCH"):
            uids += [int(x) for x in line.split()[2:]]
    await c.command(b"LOGOUT")
    c.close()
    if len(uids) != len(messages):
        raise BenchError("prefill: %d messages in INBOX after %d APPENDs" % (len(uids), len(messages)))
    return sorted(uids), elapsed, {"p50_ms": round(1000 * statistics.median(lat), 2),
                                   "p99_ms": round(1000 * percentile(lat, 99), 2),
                                   "max_ms": round(1000 * max(lat), 2)}


async def tidy(port, password, keep_uids):
    """Removes messages the workload appended and left behind; resets \\Seen to the prefill state."""
    c = await Imap.connect(port)
    await c.ok(login_cmd(password))
    await c.ok(b"SELECT INBOX")
    top = max(keep_uids)
    await c.ok(b"UID STORE %d:* +FLAGS.SILENT (\\Deleted)" % (top + 1))
    await c.ok(b"EXPUNGE")
    await c.ok(b"UID STORE 1:* -FLAGS.SILENT (\\Seen \\Deleted \\Flagged)")
    even = [u for i, u in enumerate(keep_uids) if i % 2 == 0]
    for k in range(0, len(even), 100):
        await c.ok(b"UID STORE " + b",".join(b"%d" % u for u in even[k:k + 100]) + b" +FLAGS.SILENT (\\Seen)")
    _, lines = await c.ok(b"UID SEARCH ALL")
    n = sum(len(line.split()) - 2 for line in lines if line.startswith(b"* SEARCH"))
    await c.command(b"LOGOUT")
    c.close()
    return n


async def warm_up(port, password):
    c = await Imap.connect(port)
    await c.ok(login_cmd(password))
    await c.ok(b"SELECT INBOX")
    await c.ok(b"UID FETCH 1:* (UID FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
    await c.ok(b"UID SEARCH UNSEEN")
    await c.command(b"LOGOUT")
    c.close()
    await asyncio.sleep(1.0)


# --------------------------------------------------------------------------- workload (a): mixed

ROUNDS_PER_SESSION = 5


class Stats:
    def __init__(self):
        self.ok = {}         # command name -> count (completed OK before the deadline)
        self.lat = {}        # command name -> [seconds]
        self.errors = {}     # "name: message" -> count
        self.sessions = 0

    def record(self, name, seconds):
        self.ok[name] = self.ok.get(name, 0) + 1
        self.lat.setdefault(name, []).append(seconds)

    def error(self, key):
        self.errors[key] = self.errors.get(key, 0) + 1


async def mixed_client(cid, port, password, ssl_ctx, uids, messages, deadline, stats, rng):
    n_uids = len(uids)

    async def run(c, name, text, literal=None):
        t0 = time.monotonic()
        try:
            tagged, lines = await c.command(text, literal, timeout=max(5.0, deadline - t0 + CMD_TIMEOUT))
        except (asyncio.TimeoutError, ImapError, OSError, asyncio.IncompleteReadError) as e:
            stats.error("%s: %s" % (name, type(e).__name__ + (" " + str(e) if str(e) else "")))
            raise
        t1 = time.monotonic()
        status = tagged.split(b" ", 2)[1:2]
        if status != [b"OK"]:
            stats.error("%s: %s" % (name, tagged.strip()[len(tagged.split(b" ")[0]) + 1:][:120].decode(errors="replace")))
            return None, lines
        if t1 <= deadline:
            stats.record(name, t1 - t0)
        return tagged, lines

    while time.monotonic() < deadline:
        c = None
        try:
            t0 = time.monotonic()
            c = await Imap.connect(port, ssl_ctx)
            if time.monotonic() <= deadline:
                stats.record("connect", time.monotonic() - t0)
            if (await run(c, "LOGIN", login_cmd(password)))[0] is None:
                raise ImapError("login refused")
            await run(c, "SELECT", b"SELECT INBOX")
            for _ in range(ROUNDS_PER_SESSION):
                if time.monotonic() >= deadline:
                    break
                a = uids[rng.randrange(n_uids - 10)]
                await run(c, "FETCH header", b"UID FETCH %d:%d (UID FLAGS BODY.PEEK[HEADER])" % (a, a + 9))
                if time.monotonic() >= deadline:
                    break
                u = uids[rng.randrange(n_uids)]
                await run(c, "FETCH body", b"UID FETCH %d (UID BODY.PEEK[])" % u)
                if time.monotonic() >= deadline:
                    break
                a = uids[rng.randrange(n_uids - 5)]
                sign = b"+" if rng.random() < 0.5 else b"-"
                await run(c, "STORE", b"UID STORE %d:%d %sFLAGS (\\Seen)" % (a, a + 4, sign))
                if time.monotonic() >= deadline:
                    break
                await run(c, "SEARCH subject", b"UID SEARCH SUBJECT " + rng.choice(WORDS).encode())
                if time.monotonic() >= deadline:
                    break
                await run(c, "SEARCH unseen", b"UID SEARCH UNSEEN")
                if time.monotonic() >= deadline:
                    break
                tagged, _ = await run(c, "APPEND", b"APPEND INBOX", literal=messages[rng.randrange(len(messages))])
                m = re.search(rb"\[APPENDUID \d+ (\d+)\]", tagged or b"")
                if not m:
                    if tagged is not None:
                        stats.error("APPEND: no APPENDUID")
                    continue
                new = int(m.group(1))
                if time.monotonic() >= deadline:
                    break
                await run(c, "STORE deleted", b"UID STORE %d +FLAGS.SILENT (\\Deleted)" % new)
                if time.monotonic() >= deadline:
                    break
                await run(c, "UID EXPUNGE", b"UID EXPUNGE %d" % new)
            if time.monotonic() < deadline:
                await run(c, "LOGOUT", b"LOGOUT")
                stats.sessions += 1
        except (asyncio.TimeoutError, ImapError, OSError, asyncio.IncompleteReadError) as e:
            if c is None:
                stats.error("connect: %s %s" % (type(e).__name__, e))
            await asyncio.sleep(0.05)
        finally:
            if c is not None:
                c.close()



async def run_mixed(server, clients, duration, uids, messages, seed, ssl_ctx=None):
    port = server.tls_port if ssl_ctx else server.port
    stats = Stats()
    sys0 = system_busy_cpu()
    cpu0, ru0, w0 = tree_cpu(server.pid), resource.getrusage(resource.RUSAGE_SELF), time.monotonic()
    deadline = w0 + duration
    tasks = [asyncio.create_task(mixed_client(i, port, server.password, ssl_ctx, uids, messages, deadline, stats,
                                              random.Random(seed * 1000 + i))) for i in range(clients)]
    done, pending = await asyncio.wait(tasks, timeout=duration + CMD_TIMEOUT + 30)
    for t in pending:
        t.cancel()
    if pending:
        stats.error("client still busy %d s after the end: cancelled" % (CMD_TIMEOUT + 30))
        await asyncio.wait(pending, timeout=5)
    for t in done:
        if t.exception():
            stats.error("client crashed: %r" % t.exception())
    wall = time.monotonic() - w0
    cpu1, ru1 = tree_cpu(server.pid), resource.getrusage(resource.RUSAGE_SELF)
    sys1 = system_busy_cpu()
    total = sum(stats.ok.values()) - stats.ok.get("connect", 0)
    client_cpu = (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)
    result = {
        "clients": clients, "duration_s": duration, "tls": bool(ssl_ctx),
        "commands": total, "commands_per_s": total / duration, "sessions": stats.sessions,
        "errors": dict(sorted(stats.errors.items(), key=lambda kv: -kv[1])),
        "error_count": sum(stats.errors.values()),
        "server_cpu_s": round(cpu1 - cpu0, 2), "client_cpu_s": round(client_cpu, 2), "wall_s": round(wall, 2),
        # CPU used meanwhile by anything else on the machine (other work skews the figure).
        "other_cpu_s": round(max(0.0, (sys1 - sys0) - (cpu1 - cpu0) - client_cpu), 2),
        "loadavg_after": os.getloadavg()[0],
        "server_cpu_ms_per_command": round(1000 * (cpu1 - cpu0) / total, 3) if total else None,
        "per_command": {
            name: {"count": stats.ok[name],
                   "p50_ms": round(1000 * statistics.median(stats.lat[name]), 2),
                   "p99_ms": round(1000 * percentile(stats.lat[name], 99), 2),
                   "max_ms": round(1000 * max(stats.lat[name]), 2)}
            for name in sorted(stats.ok)},
    }
    return result


# --------------------------------------------------------------------------- workload (b): idle

async def open_idle(port, password, ssl_ctx, sem, conns, failures):
    async with sem:
        c = None
        try:
            c = await Imap.connect(port, ssl_ctx, timeout=60)
            await c.ok(login_cmd(password))
            await c.ok(b"SELECT INBOX")
            c.n += 1
            c.w.write(b"a%d IDLE\r\n" % c.n)
            while True:
                line = await asyncio.wait_for(c.read_response_line(), 60)
                if line.startswith(b"+"):
                    break
                if line.startswith(b"a"):
                    raise ImapError("IDLE refused: %r" % line.strip())
            conns.append(c)
        except (asyncio.TimeoutError, ImapError, OSError, asyncio.IncompleteReadError) as e:
            failures.append("%s %s" % (type(e).__name__, e))
            if c is not None:
                c.close()


async def wait_exists(c, timeout):
    t0 = time.monotonic()
    try:
        while True:
            line = await asyncio.wait_for(c.read_response_line(), max(0.01, timeout - (time.monotonic() - t0)))
            if b"EXISTS" in line:
                return time.monotonic()
    except (asyncio.TimeoutError, ImapError, OSError, asyncio.IncompleteReadError):
        return None


async def run_idle(server, n, messages, ssl_ctx=None, concurrency=100, settle=3.0, notify_timeout=60.0):
    port = server.tls_port if ssl_ctx else server.port
    raise_nofile(n + 2000)
    base = tree_memory(server.pid)
    conns, failures = [], []
    sem = asyncio.Semaphore(concurrency)
    t0 = time.monotonic()
    tasks = [asyncio.create_task(open_idle(port, server.password, ssl_ctx, sem, conns, failures)) for _ in range(n)]
    done, pending = await asyncio.wait(tasks, timeout=max(120.0, n / 20.0))
    for t in pending:
        t.cancel()
    if pending:
        failures += ["still opening at the deadline"] * len(pending)
        await asyncio.wait(pending, timeout=5)
    open_s = time.monotonic() - t0
    await asyncio.sleep(settle)
    mem = tree_memory(server.pid)
    alive = server.alive()
    result = {
        "connections": n, "in_idle": len(conns), "failed": len(failures),
        "failure_samples": sorted(set(failures))[:5], "tls": bool(ssl_ctx),
        "open_s": round(open_s, 2), "opened_per_s": round(len(conns) / open_s, 1) if open_s else None,
        "baseline_pss": base["pss"], "pss": mem["pss"], "rss_sum": mem["rss"], "processes": mem["processes"],
        "server_threads": threads_of(server.pid), "server_alive": alive,
        "pss_per_connection": (mem["pss"] - base["pss"]) / len(conns) if conns else None,
    }
    # One APPEND from another connection: how long until every IDLE connection hears "* n EXISTS".
    if conns and alive:
        try:
            c = await Imap.connect(port, ssl_ctx)
            await c.ok(login_cmd(server.password))
            t_a = time.monotonic()
            waits = [asyncio.create_task(wait_exists(x, notify_timeout)) for x in conns]
            await c.ok(b"APPEND INBOX", literal=messages[0])
            append_s = time.monotonic() - t_a
            t_sel = time.monotonic()
            await c.ok(b"SELECT INBOX")
            select_s = time.monotonic() - t_sel
            await c.command(b"LOGOUT")
            c.close()
            got = await asyncio.gather(*waits)
            lat = sorted(t - t_a for t in got if t is not None)
            result.update({
                "append_while_idle_ms": round(1000 * append_s, 1),
                "select_while_idle_ms": round(1000 * select_s, 1),
                "notified": len(lat),
                "notify_p50_ms": round(1000 * lat[len(lat) // 2], 1) if lat else None,
                "notify_p99_ms": round(1000 * percentile(lat, 99), 1) if lat else None,
                "notify_all_ms": round(1000 * lat[-1], 1) if len(lat) == len(conns) else None,
            })
        except (asyncio.TimeoutError, ImapError, OSError, asyncio.IncompleteReadError) as e:
            result["notify_error"] = "%s %s" % (type(e).__name__, e)
    t_c = time.monotonic()
    for c in conns:
        c.close()
    await asyncio.sleep(1.0)
    result["close_s"] = round(time.monotonic() - t_c, 2)
    # Memory after the connections are gone (does it come back?).
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        after = tree_memory(server.pid)
        if after["processes"] <= base["processes"] + 2:
            break
        await asyncio.sleep(0.5)
    result["pss_after_close"] = tree_memory(server.pid)["pss"]
    return result


# --------------------------------------------------------------------------- the servers

class Estafeta:
    name = "Estafeta"

    def __init__(self, binary, workdir, tls, nofile):
        self.dir = os.path.join(workdir, "estafeta")
        data = os.path.join(self.dir, "data")
        r = subprocess.run([binary, "quickstart", "--dir", data, "--no-serve"], capture_output=True, text=True,
                           timeout=60)
        if r.returncode != 0:
            raise BenchError("estafeta quickstart failed (%d): %s %s" % (r.returncode, r.stdout, r.stderr))
        m = re.search(r"device password\s+(\S+)", r.stdout)
        if not m:
            raise BenchError("no device password in the quickstart output:\n" + r.stdout)
        self.password = m.group(1)
        self.config = os.path.join(data, "estafeta.toml")
        self.cert = os.path.join(data, "tls", "cert.pem")
        self.port, self.tls_port = free_port(), free_port()
        # Every benchmark connection comes from 127.0.0.1: no per-address cap (as for Dovecot below).
        head = quickstart_config_head(self.config)
        text = head + '\n[[listener]]\nprotocol = "imap"\naddress = "127.0.0.1:%d"\nplaintext_auth = true\n' % self.port
        if tls:
            text += '\n[[listener]]\nprotocol = "imaps"\naddress = "127.0.0.1:%d"\n' % self.tls_port
        with open(self.config, "w", encoding="utf-8") as f:
            f.write(text)
        self.log_path = os.path.join(self.dir, "serve.log")
        self.argv, self.nofile, self.tls = [binary, "serve", "--config", self.config], nofile, tls
        self.start()

    @classmethod
    def reopen(cls, binary, workdir, port, password, nofile):
        """Serves again, plain, the folder an earlier run left in
        `workdir` (its configuration listens on `port`)."""
        srv = cls.__new__(cls)
        srv.dir = os.path.join(workdir, "estafeta")
        data = os.path.join(srv.dir, "data")
        srv.password, srv.port, srv.tls_port = password, port, None
        srv.config, srv.cert = os.path.join(data, "estafeta.toml"), os.path.join(data, "tls", "cert.pem")
        srv.log_path = os.path.join(srv.dir, "serve.log")
        srv.argv, srv.nofile, srv.tls = [binary, "serve", "--config", srv.config], nofile, False
        srv.start()
        return srv

    def start(self):
        self.child = Child("estafeta", self.argv, self.log_path, self.nofile)
        self.pid = self.child.pid
        wait_port(self.port, self.child.proc)
        if self.tls:
            wait_port_tls(self.tls_port, self.child.proc)

    def restart(self):
        self.stop()
        self.start()

    def alive(self):
        return self.child.alive()

    def version(self):
        return None

    def log_tail(self, n=40):
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as f:
                return f.read().splitlines()[-n:]
        except OSError:
            return []

    def stop(self):
        return self.child.stop()


def wait_port_tls(port, proc, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise BenchError("server exited before listening on %d" % port)
        try:
            with socket.create_connection((HOST, port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise BenchError("nothing listened on port %d within %.0f s" % (port, timeout))


DOVECOT_CONF = """# written by bench/imap_bench.py
base_dir = {base}/run
state_dir = {base}/state
instance_name = imapbench
protocols = imap
listen = 127.0.0.1
log_path = {base}/dovecot.log
info_log_path = {base}/dovecot.log
ssl = {ssl}
{ssl_files}
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 1
mail_location = maildir:~/Maildir
mail_uid = {uid}
mail_gid = {gid}
default_process_limit = {procs}
default_client_limit = {clients}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {base}/users
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={base}/mail/%u
}}
protocol imap {{
  mail_max_userip_connections = {clients}
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
    ssl = yes
  }}
  process_limit = {procs}
}}
service imap {{
  process_limit = {procs}
}}
service auth {{
  client_limit = {clients}
}}
service anvil {{
  client_limit = {clients}
}}
"""


class Dovecot:
    name = "Dovecot"

    def __init__(self, workdir, password, tls, cert_pem, key_pem, max_conns, nofile):
        self.dir = os.path.join(workdir, "dovecot")
        os.makedirs(os.path.join(self.dir, "mail"))
        os.chmod(workdir, 0o755)
        os.chmod(self.dir, 0o755)
        os.chown(os.path.join(self.dir, "mail"), MAIL_UID, MAIL_GID)
        self.password = password
        self.port, self.tls_port = free_port(), (free_port() if tls else 0)
        with open(os.path.join(self.dir, "users"), "w") as f:
            f.write("%s:{PLAIN}%s::::::\n" % (USER, password))
        ssl_files = ""
        if tls:
            ssl_files = "ssl_cert = <%s\nssl_key = <%s\n" % (cert_pem, key_pem)
        self.config = os.path.join(self.dir, "dovecot.conf")
        with open(self.config, "w") as f:
            f.write(DOVECOT_CONF.format(base=self.dir, ssl="yes" if tls else "no", ssl_files=ssl_files,
                                        uid=MAIL_UID, gid=MAIL_GID, port=self.port, tls_port=self.tls_port,
                                        procs=max_conns + 200, clients=max(2000, 2 * (max_conns + 200) + 100)))
        self.log_path = os.path.join(self.dir, "dovecot.log")
        self.argv, self.nofile, self.tls = ["/usr/sbin/dovecot", "-F", "-c", self.config], nofile, tls
        self.start()

    def start(self):
        self.child = Child("dovecot", self.argv, os.path.join(self.dir, "master.out"), self.nofile)
        self.pid = self.child.pid
        wait_port(self.port, self.child.proc)
        if self.tls:
            wait_port_tls(self.tls_port, self.child.proc)

    def restart(self):
        self.stop()
        self.start()

    def alive(self):
        return self.child.alive()

    def version(self):
        try:
            return subprocess.run(["/usr/sbin/dovecot", "--version"], capture_output=True, text=True,
                                  timeout=10).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return None

    def log_tail(self, n=40):
        out = []
        for p in (self.log_path, os.path.join(self.dir, "master.out")):
            try:
                with open(p, encoding="utf-8", errors="replace") as f:
                    out += f.read().splitlines()[-n:]
            except OSError:
                pass
        return out

    def stop(self):
        return self.child.stop()


def pair_arguments(doc, messages, seed, max_seconds, json_name):
    """The options the Estafeta-next-to-Dovecot benchmarks share; add more, then parse_pair_arguments."""
    p = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--estafeta-bin", default=os.path.join(ROOT, "build-release", "estafeta"))
    p.add_argument("--messages", type=int, default=messages)
    p.add_argument("--seed", type=int, default=seed)
    p.add_argument("--skip-dovecot", action="store_true")
    p.add_argument("--max-seconds", type=float, default=max_seconds)
    p.add_argument("--json", default=os.path.join(HERE, "results", json_name))
    return p


def parse_pair_arguments(parser, argv=None, nofile=4096):
    """Parses, checks that the binary exists and that Dovecot can be started, raises RLIMIT_NOFILE."""
    args = parser.parse_args(argv)
    if not os.path.exists(args.estafeta_bin):
        sys.exit("no Estafeta binary at %s: build it first (see bench/README.md)" % args.estafeta_bin)
    if not args.skip_dovecot and os.geteuid() != 0:
        sys.exit("Dovecot is started as root with its own config: run as root, or use --skip-dovecot")
    raise_nofile(nofile)
    return args


def run_on_pair(args, prefix, measure, errors=()):
    """Starts Estafeta (and Dovecot unless --skip-dovecot) in a new work
    folder, runs measure(server) on each in turn, stops them; returns
    ({server name: what measure returned}, why the run stopped or None)."""
    workdir = tempfile.mkdtemp(prefix=prefix)
    servers, results, aborted = [], {}, None
    try:
        start_plain_pair(args.estafeta_bin, workdir, servers, not args.skip_dovecot)
        for srv in servers:
            results[srv.name] = measure(srv)
    except (BenchError, OSError) + tuple(errors) as e:
        aborted = "%s: %s" % (type(e).__name__, e)
        log("error: %s" % aborted)
    finally:
        signal.alarm(0)
        stop_all(servers, workdir)
    return results, aborted


def write_results(args, results, aborted, **extra):
    """The run as JSON at args.json: date, machine, arguments, results; returns the exit status."""
    out = {"date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
           "machine": {"cores": os.cpu_count(), "kernel": platform.release(), "python": platform.python_version()},
           "args": vars(args), "results": results, "aborted": aborted, **extra}
    os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
    with open(args.json, "w") as f:
        json.dump(out, f, indent=2)
    print("results written to %s" % args.json)
    return 1 if aborted else 0


def start_plain_pair(binary, workdir, servers, with_dovecot=True, nofile=4096):
    """Estafeta, then Dovecot with the same password, both plain on loopback;
    appended to `servers` as they start (so a failure still stops the first)."""
    est = Estafeta(binary, workdir, False, nofile)
    servers.append(est)
    if with_dovecot:
        key = os.path.join(os.path.dirname(est.cert), "key.pem")
        servers.append(Dovecot(workdir, est.password, False, est.cert, key, 50, nofile))
    return servers


def stop_all(servers, workdir):
    """Stops every server, whatever fails, and removes the work folder."""
    for s in servers:
        try:
            s.stop()
        except Exception as e:  # keep cleaning up
            log("stopping %s: %s" % (s.name, e))
    shutil.rmtree(workdir, ignore_errors=True)


class Sysctl:
    """Raises a /proc/sys value for a while; restore() puts the old one back."""

    def __init__(self, path):
        self.path, self.old = path, None

    def at_least(self, value):
        with open(self.path) as f:
            cur = int(f.read().strip())
        if cur >= value:
            return cur
        if self.old is None:
            self.old = cur
        with open(self.path, "w") as f:
            f.write(str(value))
        log("%s: %d -> %d (restored at the end)" % (self.path, cur, value))
        return value

    def restore(self):
        if self.old is not None:
            with open(self.path, "w") as f:
                f.write(str(self.old))
            log("%s restored to %d" % (self.path, self.old))
            self.old = None


# --------------------------------------------------------------------------- the run

def log_problems(lines):
    lines = [l for l in lines if "Killed with signal 15" not in l]
    return [l for l in lines if re.search(r"(?i)\b(warn|warning|error|fatal|panic|crit)\b|level=(warn|error)", l)]


async def run_all(servers, args, messages, tls_ctx, results, sysctl):
    """Both servers are up; every workload runs on one server at a time, alternating between them
    (E, D, then D, E on the next repetition) so background load on the machine hits both alike."""
    uids = {}
    for srv in servers:
        res = results[srv.name.lower()] = {"server": srv.name, "pid": srv.pid, "mixed": {}, "idle": {}}
        log("%s: prefill %d messages" % (srv.name, len(messages)))
        uids[srv.name], t, lat = await prefill(srv.port, srv.password, messages)
        res.update({"prefill_messages": len(messages), "prefill_s": round(t, 2),
                    "prefill_appends_per_s": round(len(messages) / t, 1), "prefill_append_latency": lat,
                    "pss_after_prefill": tree_memory(srv.pid)["pss"]})
    for mode_tls in ([False, True] if tls_ctx else [False]):
        for n in args.clients:
            key = "%d%s" % (n, "-tls" if mode_tls else "")
            runs = {srv.name: [] for srv in servers}
            for rep in range(args.repeat):
                for srv in (servers if rep % 2 == 0 else servers[::-1]):
                    log("%s: mixed workload, %d client(s)%s, %g s%s" % (
                        srv.name, n, ", TLS" if mode_tls else "", args.duration,
                        " (run %d of %d)" % (rep + 1, args.repeat) if args.repeat > 1 else ""))
                    r = await run_mixed(srv, n, args.duration, uids[srv.name], messages, args.seed + rep,
                                        tls_ctx if mode_tls else None)
                    r["messages_after"] = await tidy(srv.port, srv.password, uids[srv.name])
                    runs[srv.name].append(r)
                    log("  %.1f commands/s, %d errors, server CPU %.1f s, client CPU %.1f s, other CPU %.1f s" % (
                        r["commands_per_s"], r["error_count"], r["server_cpu_s"], r["client_cpu_s"],
                        r["other_cpu_s"]))
                    if not srv.alive():
                        raise BenchError("%s died during the mixed workload; log:\n%s" % (
                            srv.name, "\n".join(srv.log_tail(20))))
            for srv in servers:
                rs = sorted(runs[srv.name], key=lambda r: r["commands_per_s"])
                med = dict(rs[len(rs) // 2])  # the median run (its latencies and errors)
                med["runs_commands_per_s"] = [round(r["commands_per_s"], 1) for r in runs[srv.name]]
                med["runs_server_cpu_ms_per_command"] = [r["server_cpu_ms_per_command"] for r in runs[srv.name]]
                med["errors_all_runs"] = sum(r["error_count"] for r in runs[srv.name])
                results[srv.name.lower()]["mixed"][key] = med
    if args.skip_idle:
        return
    for srv in servers:
        res = results[srv.name.lower()]
        for mode_tls in ([False, True] if tls_ctx else [False]):
            if srv.name == "Estafeta":
                nn = args.idle_tls if mode_tls else args.idle
            else:
                nn = args.idle_tls_dovecot if mode_tls else args.idle_dovecot
            if nn <= 0:
                continue
            if isinstance(srv, Dovecot):
                sysctl.at_least(nn + 1024)  # one inotify instance per IDLE imap process
            # A fresh server process for each IDLE measurement (memory freed by earlier phases is not
            # reused to hide the cost), warmed by one session so start-up caches are in the baseline.
            srv.restart()
            res.setdefault("pids", []).append(srv.pid)
            await warm_up(srv.port, srv.password)
            log("%s (restarted, pid %d): %d connections in IDLE%s" % (srv.name, srv.pid, nn,
                                                                   " (TLS)" if mode_tls else ""))
            r = await run_idle(srv, nn, messages, tls_ctx if mode_tls else None, concurrency=args.open_concurrency)
            res["idle"]["tls" if mode_tls else "plain"] = r
            log("  %d in IDLE (%d failed) in %.1f s; PSS %.1f MiB (baseline %.1f MiB), %s processes; "
                "notify p50 %s ms, all %s ms" % (r["in_idle"], r["failed"], r["open_s"], r["pss"] / 2 ** 20,
                                                  r["baseline_pss"] / 2 ** 20, r["processes"], r.get("notify_p50_ms"),
                                                  r.get("notify_all_ms")))
            if not srv.alive():
                raise BenchError("%s died during the IDLE run; log:\n%s" % (srv.name, "\n".join(srv.log_tail(20))))


def fmt_ratio(a, b):
    if a is None or b is None or not b:
        return "-"
    return "%.2f×" % (a / b)


def mib(x):
    return None if x is None else x / 2 ** 20


def summary_rows(est, dov, args):
    rows = []
    for key in (est or {}).get("mixed", {}):
        e = est["mixed"][key]
        d = (dov or {}).get("mixed", {}).get(key)
        label = "mixed, %s client%s%s, %g s%s: commands/s (higher is better)" % (
            e["clients"], "" if e["clients"] == 1 else "s", ", TLS" if e["tls"] else "", e["duration_s"],
            ", median of %d" % len(e["runs_commands_per_s"]) if len(e["runs_commands_per_s"]) > 1 else "")
        rows.append({"workload": label, "unit": "commands/s", "estafeta": round(e["commands_per_s"], 1),
                     "dovecot": round(d["commands_per_s"], 1) if d else None,
                     "ratio": round(e["commands_per_s"] / d["commands_per_s"], 2) if d and d["commands_per_s"] else None})
        rows.append({"workload": "   server CPU per command, ms (lower is better)", "unit": "ms",
                     "estafeta": e["server_cpu_ms_per_command"], "dovecot": d["server_cpu_ms_per_command"] if d else None,
                     "ratio": round(e["server_cpu_ms_per_command"] / d["server_cpu_ms_per_command"], 2)
                     if d and d["server_cpu_ms_per_command"] and e["server_cpu_ms_per_command"] else None})
    for kind in ("plain", "tls"):
        e = (est or {}).get("idle", {}).get(kind)
        if not e:
            continue
        d = (dov or {}).get("idle", {}).get(kind)
        n = e["connections"]
        sfx = ", TLS" if kind == "tls" else ""
        rows.append({"workload": "idle%s: PSS with %d connections in IDLE, MiB (lower is better)%s" % (
            sfx, n, "; Dovecot extrapolated from %d" % d["connections"] if d and d["connections"] != n else ""),
            "unit": "MiB", "estafeta": round(mib(e["pss"]), 1),
            "dovecot": None, "ratio": None})
        if d and d["pss_per_connection"] is not None:
            dv = d["baseline_pss"] + d["pss_per_connection"] * n if d["connections"] != n else d["pss"]
            rows[-1]["dovecot"] = round(mib(dv), 1)
            rows[-1]["ratio"] = round(e["pss"] / dv, 3)
        rows.append({"workload": "idle%s: PSS per IDLE connection, KiB (lower is better)" % sfx, "unit": "KiB",
                     "estafeta": round(e["pss_per_connection"] / 1024, 1) if e["pss_per_connection"] else None,
                     "dovecot": round(d["pss_per_connection"] / 1024, 1) if d and d["pss_per_connection"] else None,
                     "ratio": round(e["pss_per_connection"] / d["pss_per_connection"], 3)
                     if d and d["pss_per_connection"] and e["pss_per_connection"] else None})
        if d:
            rows.append({"workload": "idle%s: measured (Estafeta %d, Dovecot %d connections), MiB" % (
                sfx, n, d["connections"]), "unit": "MiB", "estafeta": round(mib(e["pss"]), 1),
                "dovecot": round(mib(d["pss"]), 1), "ratio": None})
        rows.append({"workload": "idle%s: one APPEND -> EXISTS on every IDLE connection, ms" % sfx, "unit": "ms",
                     "estafeta": e.get("notify_all_ms"), "dovecot": d.get("notify_all_ms") if d else None,
                     "ratio": round(e["notify_all_ms"] / d["notify_all_ms"], 2)
                     if d and e.get("notify_all_ms") and d.get("notify_all_ms") else None})
    return rows


def print_table(rows):
    def s(x):
        return "-" if x is None else ("%g" % x if isinstance(x, float) else str(x))
    w = max(len(r["workload"]) for r in rows) if rows else 20
    print()
    print("%-*s  %12s  %12s  %8s" % (w, "workload", "Estafeta", "Dovecot", "E/D"))
    print("-" * (w + 40))
    for r in rows:
        print("%-*s  %12s  %12s  %8s" % (w, r["workload"], s(r["estafeta"]), s(r["dovecot"]),
                                           "-" if r["ratio"] is None else "%.2f×" % r["ratio"]))


def print_details(results):
    results = [r for r in results if r]
    if not results:
        return
    for srv in results:
        pl = srv["prefill_append_latency"]
        print("\n%s prefill: %d APPENDs on one connection in %.2f s (%.1f/s; p50 %.2f, p99 %.2f, max %.2f ms)"
              % (srv["server"], srv["prefill_messages"], srv["prefill_s"], srv["prefill_appends_per_s"],
                 pl["p50_ms"], pl["p99_ms"], pl["max_ms"]))
    for key in results[0]["mixed"]:
        ms = [(srv["server"], srv["mixed"].get(key)) for srv in results]
        m0 = ms[0][1]
        print("\nmixed workload, %d client(s)%s: latency per command, ms (the median run)"
              % (m0["clients"], ", TLS" if m0["tls"] else ""))
        for name, m in ms:
            if m:
                print("  %-9s %.1f commands/s (runs: %s), %d sessions, %d errors (all runs %d); CPU s: server %.1f, "
                      "client %.1f, other processes %.1f" % (
                          name, m["commands_per_s"], ", ".join("%g" % x for x in m["runs_commands_per_s"]),
                          m["sessions"], m["error_count"], m["errors_all_runs"], m["server_cpu_s"],
                          m["client_cpu_s"], m["other_cpu_s"]))
        names = sorted({c for _, m in ms if m for c in m["per_command"]})
        print("  %-16s" % "command" + "".join("  %9s %8s %8s %8s" % (n[:9], "count", "p50", "p99") for n, _ in ms))
        for c in names:
            line = "  %-16s" % c
            for _, m in ms:
                x = (m or {}).get("per_command", {}).get(c)
                line += "  %9s %8s %8s %8s" % ("", x["count"], "%.2f" % x["p50_ms"], "%.2f" % x["p99_ms"]) if x \
                    else "  %9s %8s %8s %8s" % ("", "-", "-", "-")
            print(line)
        for name, m in ms:
            for e, k in list((m or {}).get("errors", {}).items())[:10]:
                print("  %s error x%d: %s" % (name, k, e))
    for srv in results:
        for kind, r in srv["idle"].items():
            print("\n%s idle %s: %d/%d in IDLE in %.1f s (%.0f/s), PSS %.1f MiB (baseline %.1f, %.1f KiB each), "
                  "RSS sum %.1f MiB, %d processes, %s threads;\n   while idle: APPEND %s ms, SELECT %s ms; "
                  "EXISTS reached IDLE clients p50 %s / p99 %s / all %s ms (%s notified); PSS after close %.1f MiB"
                  % (srv["server"], kind, r["in_idle"], r["connections"], r["open_s"], r["opened_per_s"] or 0,
                     mib(r["pss"]), mib(r["baseline_pss"]), (r["pss_per_connection"] or 0) / 1024, mib(r["rss_sum"]),
                     r["processes"], r["server_threads"], r.get("append_while_idle_ms"),
                     r.get("select_while_idle_ms"), r.get("notify_p50_ms"), r.get("notify_p99_ms"),
                     r.get("notify_all_ms"), r.get("notified"), mib(r["pss_after_close"])))
            for f in r["failure_samples"]:
                print("    failure: %s" % f)
    for srv in results:
        if srv.get("log_problems"):
            print("\n%s log (warnings/errors, last %d):" % (srv["server"], len(srv["log_problems"])))
            for l in srv["log_problems"]:
                print("    " + l[:300])


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--estafeta-bin", default=os.path.join(ROOT, "build-release", "estafeta"))
    p.add_argument("--duration", type=float, default=20.0, help="seconds per mixed-workload run (default 20)")
    p.add_argument("--clients", default="1,20", help="client counts for the mixed workload (default 1,20)")
    p.add_argument("--messages", type=int, default=500, help="messages pre-filled in INBOX (default 500)")
    p.add_argument("--message-size", type=int, default=4096, help="approximate message size, bytes (default 4096)")
    p.add_argument("--idle", type=int, default=10000, help="IDLE connections to Estafeta (default 10000)")
    p.add_argument("--idle-dovecot", type=int, default=1000, help="IDLE connections to Dovecot (default 1000)")
    p.add_argument("--tls", action="store_true", help="also run both workloads over implicit TLS (imaps)")
    p.add_argument("--idle-tls", type=int, default=10000, help="TLS IDLE connections to Estafeta (with --tls)")
    p.add_argument("--idle-tls-dovecot", type=int, default=1000, help="TLS IDLE connections to Dovecot (with --tls)")
    p.add_argument("--open-concurrency", type=int, default=100, help="connections being opened at once (default 100)")
    p.add_argument("--skip-dovecot", action="store_true")
    p.add_argument("--skip-idle", action="store_true")
    p.add_argument("--repeat", type=int, default=3,
                   help="runs of each mixed workload per server, alternating servers; the median is reported")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--json", default=os.path.join(HERE, "results", "imap_bench.json"), help="where to write results")
    p.add_argument("--keep", action="store_true", help="keep the temporary data folders")
    p.add_argument("--max-seconds", type=float, default=1800, help="the whole run's deadline (default 1800)")
    a = p.parse_args(argv)
    a.clients = [int(x) for x in a.clients.split(",") if x.strip()]
    if not a.clients or min(a.clients) < 1 or a.duration <= 0 or a.messages < 20 or a.repeat < 1:
        p.error("bad --clients, --duration or --messages")
    return a


class Deadline(Exception):
    pass


def main(argv=None):
    args = parse_args(argv)
    if not os.path.exists(args.estafeta_bin):
        sys.exit("no Estafeta binary at %s: build it first (see bench/README.md)" % args.estafeta_bin)
    if not args.skip_dovecot and os.geteuid() != 0:
        sys.exit("Dovecot is started as root with its own config: run as root, or use --skip-dovecot")
    biggest = max(args.idle, args.idle_dovecot, args.idle_tls if args.tls else 0)
    nofile = biggest + 4096
    got = raise_nofile(nofile)
    if got < biggest + 100:
        log("warning: RLIMIT_NOFILE is %d, not enough for %d connections" % (got, biggest))

    def on_signal(signum, frame):
        raise Deadline("signal %d" % signum)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGALRM, on_signal)
    signal.alarm(int(args.max_seconds))

    source = git_state()  # before the run: the tree may move while it runs
    source["binary"] = args.estafeta_bin
    source["binary_built"] = datetime.datetime.fromtimestamp(os.path.getmtime(args.estafeta_bin)).astimezone() \
        .isoformat(timespec="seconds")
    rng = random.Random(args.seed)
    messages = [make_message(rng, i, args.message_size) for i in range(args.messages)]
    workdir = tempfile.mkdtemp(prefix="imapbench-")
    log("work folder %s" % workdir)
    sysctl = Sysctl(INOTIFY_SYSCTL)
    servers = []
    results = {"estafeta": None, "dovecot": None}
    tls_ctx = None
    aborted = None
    try:
        est = Estafeta(args.estafeta_bin, workdir, args.tls, nofile)
        servers.append(est)
        log("Estafeta pid %d on 127.0.0.1:%d" % (est.pid, est.port))
        if args.tls:
            tls_ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=est.cert)
        if not args.skip_dovecot:
            key = os.path.join(os.path.dirname(est.cert), "key.pem")
            most = max(args.idle_dovecot, args.idle_tls_dovecot if args.tls else 0, max(args.clients))
            dov = Dovecot(workdir, est.password, args.tls, est.cert, key, most + 50, nofile)
            servers.append(dov)
            log("Dovecot (master pid %d) on 127.0.0.1:%d: %s" % (dov.pid, dov.port, dov.version()))
        asyncio.run(run_all(list(servers), args, messages, tls_ctx, results, sysctl))
    except (Deadline, KeyboardInterrupt) as e:
        aborted = "stopped: %s" % (e or "interrupted")
        log(aborted)
    except (BenchError, ImapError, OSError, asyncio.TimeoutError, asyncio.IncompleteReadError) as e:
        aborted = "%s: %s" % (type(e).__name__, e)
        log("error: %s" % e)
    finally:
        signal.alarm(0)
        for srv in servers:
            res = results.get(srv.name.lower())
            if res is not None:
                res["log_problems"] = log_problems(srv.log_tail(4000))[-30:]
                res["server_alive_at_end"] = srv.alive()
                if isinstance(srv, Dovecot):
                    res["version"] = srv.version()
        for s in servers:
            try:
                s.stop()
            except Exception as e:  # keep cleaning up
                log("stopping %s: %s" % (s.name, e))
        sysctl.restore()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)

    rows = summary_rows(results["estafeta"], results["dovecot"], args)
    print_table(rows)
    print_details([results["estafeta"], results["dovecot"]])
    out = {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": {"cores": os.cpu_count(), "kernel": platform.release(), "python": platform.python_version(),
                    "cpu": cpu_model()},
        "args": {k: v for k, v in vars(args).items()},
        "estafeta_source": source,
        "summary": rows,
        "estafeta": results["estafeta"],
        "dovecot": results["dovecot"],
        "aborted": aborted,
    }
    os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
    with open(args.json, "w") as f:
        json.dump(out, f, indent=2)
    print("\nresults written to %s" % args.json)
    return 1 if aborted else 0


def git_state():
    """The source tree's commit when the run started (read-only git commands); the binary may be older."""
    def git(*a):
        try:
            return subprocess.run(["git", "-C", ROOT, *a], capture_output=True, text=True, timeout=10).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return None
    return {"commit": git("rev-parse", "HEAD"), "modified_files": (git("status", "--porcelain") or "").splitlines()}


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


if __name__ == "__main__":
    sys.exit(main())
