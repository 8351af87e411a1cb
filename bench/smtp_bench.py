#!/usr/bin/env python3
"""SMTP benchmark: inbound mail on the MX, durable in the mailbox. Estafeta against
Postfix 3.7 -> Dovecot 2.3 LMTP -> Maildir, same messages, same client, one run.

What is measured, per server and per concurrency (default 1 and 20 senders):
  the same N messages of 4 KB (default 2,000) go to hello@demo.example, and

  accepted  N / time until the last "250" after DATA;
  durable   N / time until all N messages are durable in the recipient's mailbox:
            Estafeta answers 250 only after the message is in INBOX (SQLite
            synchronous=FULL and an fsync'd blob), so durable = accepted.
            Postfix answers 250 once the message is in its own queue (fsync'd);
            it then hands it to Dovecot LMTP, which writes it into the Maildir
            (mail_fsync = optimized, Dovecot's default: file fsync'd before it
            is renamed into new/). Durable = the time until all N files are in
            the Maildir (new/ and cur/ polled every 50 ms, with a deadline).

  Each figure is the median of --repeat runs (default 3; the servers take
  turns, E P / P E, so background load hits both alike). The clock starts
  before the first connection. Each sender holds ONE
  connection (EHLO once) and sends messages one after the other on it, taking
  the next from a shared list; between two messages it sends RSET
  (MAIL, RCPT, DATA, message, then RSET before the next MAIL; no pipelining).
  --per-connection 1 opens a new connection for every message instead.

  --client smtp-source sends with Postfix's smtp-source (C) instead of this
  script's asyncio client: one connection per sender (-d), MAIL, RCPT, DATA
  and the message, the next MAIL without RSET; its own messages (headers
  with a unique Message-Id, then --message-size bytes of "XXXX" lines). A
  single sender's rate is then bound far less by the client (see
  smtp_ceiling.py). The check at the end counts the INBOX instead of
  looking for our Message-IDs; smtp-source gives no per-message latency.

Peer ("Postfix + Dovecot", what a user would pick, and what DESIGN §6 quotes):
  Postfix with its own config_directory / queue_directory / data_directory in
  a temporary folder, smtpd on 127.0.0.1:<free port>, demo.example as a
  virtual mailbox domain whose transport is lmtp:unix:<Dovecot's LMTP socket>;
  local, relay and default transports are error: (nothing can leave),
  no reverse DNS of clients, log to a file (maillog_file); no chroot.
  Dovecot with its own config: LMTP on a unix socket, IMAP on a free loopback
  port (for the final count), passwd-file user hello@demo.example, Maildir.
  Started with `postfix -c DIR start` / `dovecot -F -c FILE`, stopped with
  `postfix -c DIR stop` / by PID.

Estafeta: `estafeta quickstart --dir D --no-serve`, config rewritten (data_dir
".", hostname mx.demo.example, [log] level warn, [dns] servers 127.0.0.1:1 - a
closed port, so SPF lookups fail at once -, every other domain routed to a dead
loopback port, one smtp listener and one imap listener for the final count),
a device password from `estafeta admin device-password create`.

Checks at the end: every sent Message-ID is in the INBOX once per measured
run, on both (IMAP FETCH of the Message-ID header; Estafeta with the device
password, Dovecot with its passwd-file password), and the Maildir file count.

Before measuring, the script waits (up to --quiet-wait s) until the 1-minute
load average is below --quiet-load; before each later phase it waits (bounded)
until the CPU used by other processes is low (our own phases raise the load
average). The load and the other processes' CPU during each phase are
reported. Only 127.0.0.1. Every wait has a deadline; the whole run has one
(--max-seconds); every process started here is stopped at the end and the
temporary folder removed (unless --keep).

Usage (as root: Postfix and Dovecot are started with their own config):
        python3 bench/smtp_bench.py                     # 2,000 messages, 1 and 20 senders, 3 runs (3-8 minutes)
        python3 bench/smtp_bench.py --messages 500 --repeat 1 --quiet-wait 0     # quick
        python3 bench/smtp_bench.py --skip-postfix      # Estafeta only (no root needed)
"""

import argparse
import asyncio
import datetime
import imaplib
import json
import os
import platform
import random
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

from common import HOST, BenchError, free_port, log, percentile, proc_tree, start_time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
RCPT = "hello@demo.example"          # what `estafeta quickstart` creates; Dovecot gets the same user
ADMIN = "admin@demo.example"
SENDER = "sender@client.example"
HELO = "bench-client.example"
MAIL_UID = MAIL_GID = 65534          # nobody/nogroup: Dovecot's mail files
IO_TIMEOUT = 60.0                    # seconds for any one SMTP exchange
CLK_TCK = os.sysconf("SC_CLK_TCK")



class Deadline(Exception):
    pass



def wait_banner(port, prefix, proc_alive, timeout=20.0):
    """Waits until 127.0.0.1:port greets with `prefix` (b"220", b"* OK")."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        if not proc_alive():
            raise BenchError("the server exited before greeting on port %d" % port)
        try:
            with socket.create_connection((HOST, port), timeout=2) as s:
                s.settimeout(5)
                line = s.recv(200)
                if line.startswith(prefix):
                    return
                last = line
        except OSError as e:
            last = e
        time.sleep(0.05)
    raise BenchError("no %r greeting on port %d within %.0f s (last: %r)" % (prefix, port, timeout, last))


# --------------------------------------------------------------------------- processes, CPU, load




def tree_cpu(pids):
    """CPU seconds of the process trees of `pids`: own + reaped children's times of every live process."""
    total = 0
    for root in pids:
        if root is None:
            continue
        for p in proc_tree(root):
            try:
                with open("/proc/%d/stat" % p, "rb") as f:
                    st = f.read()
                total += sum(int(x) for x in st[st.rindex(b")") + 2:].split()[11:15])
            except OSError:
                pass
    return total / CLK_TCK


def machine_busy_cpu():
    """CPU seconds used by everything on the machine (all cores), from /proc/stat."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields[:8]) - idle) / CLK_TCK


def self_cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    c = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime + c.ru_utime + c.ru_stime


def loadavg():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


def busy_others(server_pids, seconds=2.0):
    """Cores used by processes other than ours over `seconds`."""
    m0, s0, o0 = machine_busy_cpu(), tree_cpu(server_pids), self_cpu()
    time.sleep(seconds)
    m1, s1, o1 = machine_busy_cpu(), tree_cpu(server_pids), self_cpu()
    return max(0.0, ((m1 - m0) - (s1 - s0) - (o1 - o0)) / seconds)


def wait_quiet_load(limit, max_wait):
    """Waits until the 1-minute load average is below `limit`, at most `max_wait` s."""
    t0 = time.monotonic()
    la = loadavg()
    if la >= limit and max_wait > 0:
        log("load average %.2f: waiting up to %.0f s for it to fall below %.1f" % (la, max_wait, limit))
    while la >= limit and time.monotonic() - t0 < max_wait:
        time.sleep(min(5.0, max(0.1, max_wait - (time.monotonic() - t0))))
        la = loadavg()
    waited = time.monotonic() - t0
    return {"load_average": la, "quiet": la < limit, "waited_s": round(waited, 1)}


def wait_quiet_cpu(server_pids, limit, max_wait):
    """Waits until other processes use less than `limit` cores (2-s samples), at most `max_wait` s."""
    t0 = time.monotonic()
    other = busy_others(server_pids)
    while other >= limit and time.monotonic() - t0 < max_wait:
        other = busy_others(server_pids)
    return {"other_cores": round(other, 2), "quiet": other < limit, "waited_s": round(time.monotonic() - t0, 1),
            "load_average": loadavg()}


class Child:
    """A server process started here; stop() ends it and, by PID, any descendant left behind."""

    def __init__(self, name, argv, log_path, env=None):
        self.name = name
        self._log = open(log_path, "ab")
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=self._log, stderr=self._log, env=env)
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
        kill_leftovers(self.name, [(p, t) for p, t in tree if p != self.pid])
        self._log.close()
        return self.proc.returncode


def kill_leftovers(name, tree):
    """Processes of `tree` (pid, start time) still there after their parent stopped: SIGKILL by PID."""
    deadline = time.monotonic() + 5
    left = [(p, t) for p, t in tree if t is not None and start_time(p) == t]
    while left and time.monotonic() < deadline:
        time.sleep(0.1)
        left = [(p, t) for p, t in left if start_time(p) == t]
    for p, _ in left:
        try:
            os.kill(p, signal.SIGKILL)
        except OSError:
            pass
    if left:
        log("%s: killed %d leftover processes" % (name, len(left)))


# --------------------------------------------------------------------------- messages

WORDS = ("alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar papa "
         "quebec romeo sierra tango uniform victor whiskey xray yankee zulu invoice report meeting budget "
         "project schedule release server client network update review draft contract payment shipment "
         "order account backup storage archive calendar holiday travel conference agenda minutes quarterly "
         "summary analysis proposal request approval feedback survey training workshop newsletter reminder").split()


def make_message(rng, i, size, run_id):
    """A text/plain message of exactly `size` bytes (CRLF lines, none starting with '.')."""
    msgid = "<bench-%06d-%s@client.example>" % (i, run_id)
    head = ("From: Bench Sender <%s>\r\n"
            "To: Hello <%s>\r\n"
            "Subject: smtp bench %s #%d\r\n"
            "Date: Fri, %d Nov 2026 10:%02d:%02d +0000\r\n"
            "Message-ID: %s\r\n"
            "MIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=us-ascii\r\n"
            "Content-Transfer-Encoding: 7bit\r\n\r\n") % (
        SENDER, RCPT, " ".join(rng.choice(WORDS) for _ in range(3)), i, 1 + i % 28, i % 60, (i * 7) % 60, msgid)
    body, total = [], len(head)
    while True:
        line = []
        while sum(len(w) + 1 for w in line) < 66:
            line.append(rng.choice(WORDS))
        s = " ".join(line) + "\r\n"
        if total + len(s) > size:
            break
        body.append(s)
        total += len(s)
    rest = size - total
    if rest >= 3:
        body.append("x" * (rest - 2) + "\r\n")
    elif rest > 0:  # lengthen the last line instead
        body[-1] = body[-1][:-2] + "y" * rest + "\r\n"
    data = (head + "".join(body)).encode("ascii")
    assert len(data) == size and b"\r\n." not in data, (len(data), size)
    return msgid, data


# --------------------------------------------------------------------------- a minimal asyncio SMTP client

class SmtpError(Exception):
    pass


class Smtp:
    def __init__(self, reader, writer):
        self.r, self.w = reader, writer

    @classmethod
    async def connect(cls, port):
        reader, writer = await asyncio.wait_for(asyncio.open_connection(HOST, port), IO_TIMEOUT)
        c = cls(reader, writer)
        code, text = await c.reply()
        if code != 220:
            c.close()
            raise SmtpError("greeting: %d %s" % (code, text))
        code, text = await c.cmd("EHLO " + HELO)
        if code != 250:
            c.close()
            raise SmtpError("EHLO: %d %s" % (code, text))
        return c

    async def reply(self):
        lines = []
        while True:
            line = await asyncio.wait_for(self.r.readline(), IO_TIMEOUT)
            if not line:
                raise SmtpError("connection closed by the server" + (": " + " / ".join(lines) if lines else ""))
            s = line.decode("utf-8", "replace").rstrip("\r\n")
            lines.append(s)
            if len(s) < 4 or s[3] != "-":
                try:
                    return int(s[:3]), " / ".join(lines)
                except ValueError:
                    raise SmtpError("bad reply: %r" % lines)
            if len(lines) > 100:
                raise SmtpError("reply too long")

    async def cmd(self, line):
        self.w.write(line.encode("ascii") + b"\r\n")
        return await self.reply()

    async def send(self, data):
        """One transaction; returns the final reply. Raises SmtpError on a refused step."""
        for line, want in (("MAIL FROM:<%s>" % SENDER, 250), ("RCPT TO:<%s>" % RCPT, 250), ("DATA", 354)):
            code, text = await self.cmd(line)
            if code != want:
                raise SmtpError("%s: %s" % (line.split(":")[0], text))
        self.w.write(data + b".\r\n")
        code, text = await self.reply()
        if code != 250:
            raise SmtpError("after DATA: %s" % text)
        return text

    async def quit(self):
        try:
            await asyncio.wait_for(self.cmd("QUIT"), 5)
        except (OSError, SmtpError, asyncio.TimeoutError):
            pass
        self.close()

    def close(self):
        try:
            self.w.close()
        except Exception:
            pass



async def send_all(port, messages, senders, per_connection):
    """Sends every message once with `senders` concurrent senders; returns timing and failures."""
    queue = list(range(len(messages)))
    queue.reverse()
    latencies, failures, accepted_ids = [], [], []
    connections = [0]

    async def sender(sid):
        conn, on_conn = None, 0
        consecutive_failures = 0
        while queue:
            i = queue.pop()
            msgid, data = messages[i]
            try:
                if conn is None:
                    conn = await Smtp.connect(port)
                    connections[0] += 1
                    on_conn = 0
                elif on_conn:
                    code, text = await conn.cmd("RSET")
                    if code != 250:
                        raise SmtpError("RSET: %s" % text)
                t = time.monotonic()
                await conn.send(data)
                latencies.append(time.monotonic() - t)
                accepted_ids.append(msgid)
                on_conn += 1
                consecutive_failures = 0
                if per_connection and on_conn >= per_connection:
                    await conn.quit()
                    conn = None
            except (OSError, SmtpError, asyncio.TimeoutError, asyncio.IncompleteReadError) as e:
                failures.append("sender %d, message %d: %s: %s" % (sid, i, type(e).__name__, e))
                consecutive_failures += 1
                if conn is not None:
                    conn.close()
                    conn = None
                if consecutive_failures >= 20:
                    failures.append("sender %d gave up after 20 failures in a row" % sid)
                    return
                await asyncio.sleep(0.1)
        if conn is not None:
            await conn.quit()

    t0 = time.monotonic()
    await asyncio.gather(*(sender(s) for s in range(senders)))
    return {"elapsed": time.monotonic() - t0, "t0": t0, "latencies": latencies, "failures": failures,
            "accepted_ids": accepted_ids, "connections": connections[0]}


SMTP_SOURCE = "/usr/sbin/smtp-source"  # Debian package postfix


def smtp_source_command(port, n, size, senders):
    return [SMTP_SOURCE, "-d", "-s", str(senders), "-m", str(n), "-l", str(size), "-f", SENDER, "-t", RCPT,
            "-M", "client.example", "-S", "smtp-source bench", "%s:%d" % (HOST, port)]


def send_smtp_source(port, n, size, senders, timeout):
    """One phase sent by smtp-source; the same result shape as send_all. smtp-source stops at the first reply it
    did not expect, so a clean exit means all n were accepted."""
    t0 = time.monotonic()
    try:
        p = subprocess.run(smtp_source_command(port, n, size, senders), capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise BenchError("smtp-source did not finish within %.0f s" % timeout)
    elapsed = time.monotonic() - t0
    failures = [] if p.returncode == 0 else [
        "smtp-source exited with %d: %s" % (p.returncode, p.stderr.decode(errors="replace").strip()[-300:])]
    return {"elapsed": elapsed, "t0": t0, "latencies": [], "failures": failures,
            "accepted_ids": [None] * (n if p.returncode == 0 else 0), "connections": senders}


# --------------------------------------------------------------------------- IMAP read-back (stdlib imaplib)

MSGID_RE = re.compile(rb"(?im)^message-id:\s*(<[^>\r\n]*>)")


def imap_message_ids(port, user, password, timeout=120):
    """Message-ID of every message in INBOX, read-only (EXAMINE)."""
    m = imaplib.IMAP4(HOST, port, timeout=timeout)
    try:
        m.login(user, password)
        typ, data = m.select("INBOX", readonly=True)
        if typ != "OK":
            raise BenchError("EXAMINE INBOX: %r" % data)
        n = int(data[0])
        ids = []
        if n:
            typ, data = m.fetch("1:*", "(BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
            if typ != "OK":
                raise BenchError("FETCH: %r" % data)
            for part in data:
                if isinstance(part, tuple):
                    mm = MSGID_RE.search(part[1])
                    ids.append(mm.group(1).decode() if mm else None)
        m.logout()
        return n, ids
    finally:
        try:
            m.shutdown()
        except Exception:
            pass


def imap_count(port, user, password, timeout=60):
    m = imaplib.IMAP4(HOST, port, timeout=timeout)
    try:
        m.login(user, password)
        typ, data = m.status("INBOX", "(MESSAGES)")
        m.logout()
        mm = re.search(rb"MESSAGES (\d+)", data[0] or b"")
        if typ != "OK" or not mm:
            raise BenchError("STATUS INBOX: %r" % data)
        return int(mm.group(1))
    finally:
        try:
            m.shutdown()
        except Exception:
            pass


# --------------------------------------------------------------------------- Estafeta

class Estafeta:
    name = "Estafeta"
    key = "estafeta"

    def __init__(self, binary, workdir):
        self.binary = binary
        self.dir = os.path.join(workdir, "estafeta")
        self.data = os.path.join(self.dir, "data")
        os.makedirs(self.dir)
        r = subprocess.run([binary, "quickstart", "--dir", self.data, "--no-serve"], capture_output=True, text=True,
                           timeout=60)
        if r.returncode != 0:
            raise BenchError("estafeta quickstart failed (%d): %s %s" % (r.returncode, r.stdout, r.stderr))
        self.config = os.path.join(self.data, "estafeta.toml")
        self.port, self.imap_port, dead = free_port(), free_port(), free_port()
        with open(self.config, "w", encoding="utf-8") as f:
            f.write("""# written by bench/smtp_bench.py
data_dir = "."
hostname = "mx.demo.example"

[log]
level = "warn"
format = "text"

[dns]
servers = ["127.0.0.1:1"]   # a closed port: SPF lookups fail at once; nothing is asked off the machine

[[route]]                   # nothing leaves the machine: every other domain goes to a dead loopback port
domain = "*"
host = "127.0.0.1"
port = %d

[[listener]]
protocol = "smtp"
address = "127.0.0.1:%d"

[[listener]]                # for the final count only
protocol = "imap"
address = "127.0.0.1:%d"
plaintext_auth = true
""" % (dead, self.port, self.imap_port))
        r = subprocess.run([binary, "admin", "--config", self.config, "--json", "device-password", "create", RCPT,
                            ADMIN, "--label", "bench"], capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            raise BenchError("device-password create failed (%d): %s %s" % (r.returncode, r.stdout, r.stderr))
        self.password = self._password_from_json(r.stdout)
        self.log_path = os.path.join(self.dir, "serve.log")
        self.child = None

    def start(self):
        self.child = Child("estafeta", [self.binary, "serve", "--config", self.config], self.log_path)
        self.pid = self.child.pid
        wait_banner(self.port, b"220", self.child.alive)
        wait_banner(self.imap_port, b"* OK", self.child.alive)

    @staticmethod
    def _password_from_json(text):
        try:
            obj = json.loads(text)
        except ValueError:
            raise BenchError("device-password create: not JSON: %r" % text[:300])
        found = []

        def walk(o):
            if isinstance(o, dict):
                for k, v in o.items():
                    if isinstance(v, str) and "password" in k.lower():
                        found.append(v)
                    walk(v)
            elif isinstance(o, list):
                for v in o:
                    walk(v)
        walk(obj)
        if not found:
            raise BenchError("no password in the device-password output: %r" % text[:300])
        return found[0]

    def pids(self):
        return [self.pid]

    def alive(self):
        return self.child.alive()

    def count(self):
        """Messages durable in INBOX: for Estafeta, what IMAP sees."""
        return imap_count(self.imap_port, RCPT, self.password)

    def message_ids(self):
        return imap_message_ids(self.imap_port, RCPT, self.password)

    def describe(self):
        return "Estafeta (release build), MX listener; 250 after DATA = durable in INBOX"

    def log_problems(self):
        return [l for l in read_lines(self.log_path) if re.search(r"(?i)level=(warn|error)|\b(warn|error|fatal)\b", l)]

    def stop(self):
        return self.child.stop() if self.child else None


def read_lines(path, limit=20000):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read().splitlines()[-limit:]
    except OSError:
        return []


# --------------------------------------------------------------------------- Postfix -> Dovecot LMTP -> Maildir

DOVECOT_CONF = """# written by bench/smtp_bench.py
base_dir = {base}/run
state_dir = {base}/state
instance_name = smtpbench
protocols = lmtp imap
listen = 127.0.0.1
log_path = {base}/dovecot.log
info_log_path = {base}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
first_valid_uid = 1
mail_location = maildir:~/Maildir
mail_fsync = optimized
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {base}/users
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {base}/users
}}
service lmtp {{
  unix_listener lmtp {{
    mode = 0666
  }}
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {imap_port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
"""

POSTFIX_MAIN = """# written by bench/smtp_bench.py: Postfix on loopback, demo.example delivered to Dovecot LMTP
compatibility_level = 3.6
queue_directory = {base}/spool
data_directory = {base}/data
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.peer.example
mydomain = peer.example
myorigin = $myhostname
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.1/32
mydestination =
local_recipient_maps =
alias_maps =
alias_database =
relayhost =
virtual_mailbox_domains = demo.example
virtual_mailbox_maps = inline:{{ {rcpt}=ok }}
virtual_transport = lmtp:unix:{lmtp_socket}
# nothing can leave the machine
local_transport = error:local delivery is disabled in this benchmark
relay_transport = error:relaying is disabled in this benchmark
default_transport = error:outbound mail is disabled in this benchmark
smtpd_relay_restrictions = reject_unauth_destination
smtpd_peername_lookup = no
smtp_dns_support_level = disabled
smtpd_tls_security_level = none
smtp_tls_security_level = none
biff = no
append_dot_mydomain = no
maillog_file = {base}/maillog
maillog_file_prefixes = {base}
"""

POSTFIX_MASTER = """# written by bench/smtp_bench.py (no chroot)
127.0.0.1:{port} inet n - n - - smtpd
pickup     unix  n       -       n       60      1       pickup
cleanup    unix  n       -       n       -       0       cleanup
qmgr       unix  n       -       n       300     1       qmgr
rewrite    unix  -       -       n       -       -       trivial-rewrite
bounce     unix  -       -       n       -       0       bounce
defer      unix  -       -       n       -       0       bounce
trace      unix  -       -       n       -       0       bounce
verify     unix  -       -       n       -       1       verify
flush      unix  n       -       n       1000?   0       flush
proxymap   unix  -       -       n       -       -       proxymap
proxywrite unix  -       -       n       -       1       proxymap
showq      unix  n       -       n       -       -       showq
error      unix  -       -       n       -       -       error
retry      unix  -       -       n       -       -       error
discard    unix  -       -       n       -       -       discard
lmtp       unix  -       -       n       -       -       lmtp
anvil      unix  -       -       n       -       1       anvil
scache     unix  -       -       n       -       1       scache
postlog    unix-dgram n  -       n       -       1       postlogd
"""


class PostfixDovecot:
    name = "Postfix+Dovecot"
    key = "postfix"

    def __init__(self, workdir):
        self.postfix_up = False
        self.master_pid = None
        self.dovecot = None
        self.base = os.path.join(workdir, "peer")
        self.dbase = os.path.join(self.base, "dovecot")
        self.pbase = os.path.join(self.base, "postfix")
        self.pconf = os.path.join(self.pbase, "etc")
        for d in (self.base, self.dbase, self.pbase, self.pconf):
            os.makedirs(d)
            os.chmod(d, 0o755)
        os.chmod(workdir, 0o755)
        # Dovecot: LMTP on a unix socket, IMAP (final count) on a free port.
        home = os.path.join(self.dbase, "mail", RCPT)
        os.makedirs(home)
        for d in (os.path.dirname(home), home):
            os.chown(d, MAIL_UID, MAIL_GID)
        self.maildir = os.path.join(home, "Maildir")
        self.password = "bench-%d" % random.randrange(10 ** 9)
        with open(os.path.join(self.dbase, "users"), "w") as f:
            f.write("%s:{PLAIN}%s:%d:%d::%s::\n" % (RCPT, self.password, MAIL_UID, MAIL_GID, home))
        self.imap_port = free_port()
        self.dconfig = os.path.join(self.dbase, "dovecot.conf")
        with open(self.dconfig, "w") as f:
            f.write(DOVECOT_CONF.format(base=self.dbase, imap_port=self.imap_port))
        self.port = free_port()
        self.maillog = os.path.join(self.pbase, "maillog")
        self.pout = os.path.join(self.pbase, "postfix-commands.out")

    def start(self):
        self.dovecot = Child("dovecot", ["/usr/sbin/dovecot", "-F", "-c", self.dconfig],
                             os.path.join(self.dbase, "master.out"))
        wait_banner(self.imap_port, b"* OK", self.dovecot.alive)
        lmtp_socket = os.path.join(self.dbase, "run", "lmtp")
        deadline = time.monotonic() + 10
        while not os.path.exists(lmtp_socket):
            if time.monotonic() > deadline:
                raise BenchError("no Dovecot LMTP socket at %s" % lmtp_socket)
            time.sleep(0.05)
        # Postfix, with its own config and queue directories.
        with open(os.path.join(self.pconf, "main.cf"), "w") as f:
            f.write(POSTFIX_MAIN.format(base=self.pbase, rcpt=RCPT, lmtp_socket=lmtp_socket))
        with open(os.path.join(self.pconf, "master.cf"), "w") as f:
            f.write(POSTFIX_MASTER.format(port=self.port))
        os.makedirs(os.path.join(self.pbase, "spool"))
        self._postfix("check", timeout=60)
        self.postfix_up = True  # from here on, stop() runs `postfix stop`
        self._postfix("start", timeout=60)
        pidfile = os.path.join(self.pbase, "spool", "pid", "master.pid")
        deadline = time.monotonic() + 20
        while self.master_pid is None and time.monotonic() < deadline:
            try:
                with open(pidfile) as f:
                    self.master_pid = int(f.read().strip())
            except (OSError, ValueError):
                time.sleep(0.1)
        if self.master_pid is None:
            raise BenchError("Postfix wrote no %s" % pidfile)
        wait_banner(self.port, b"220", lambda: start_time(self.master_pid) is not None)

    def _postfix(self, what, timeout):
        r = subprocess.run(["/usr/sbin/postfix", "-c", self.pconf, what], capture_output=True, text=True,
                           timeout=timeout)
        with open(self.pout, "a") as f:
            f.write("$ postfix -c %s %s -> %d\n%s%s" % (self.pconf, what, r.returncode, r.stdout, r.stderr))
        if r.returncode != 0:
            raise BenchError("postfix %s failed (%d): %s %s" % (what, r.returncode, r.stdout, r.stderr))
        return r

    def pids(self):
        return [self.master_pid, self.dovecot.pid if self.dovecot else None]

    def alive(self):
        return self.dovecot is not None and self.dovecot.alive() and self.master_pid is not None and start_time(self.master_pid) is not None

    def count(self):
        """Messages durable in the Maildir: files in new/ and cur/ (Dovecot renames them there after fsync)."""
        n = 0
        for sub in ("new", "cur"):
            try:
                with os.scandir(os.path.join(self.maildir, sub)) as it:
                    n += sum(1 for _ in it)
            except FileNotFoundError:
                pass
        return n

    def message_ids(self):
        return imap_message_ids(self.imap_port, RCPT, self.password)

    def describe(self):
        return ("Postfix %s (smtpd, no chroot) -> Dovecot %s LMTP (unix socket) -> Maildir, mail_fsync=optimized"
                % (self.postfix_version(), self.dovecot_version()))

    @staticmethod
    def postfix_version():
        try:
            return subprocess.run(["/usr/sbin/postconf", "-d", "-h", "mail_version"], capture_output=True, text=True,
                                  timeout=10).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return "?"

    @staticmethod
    def dovecot_version():
        try:
            return subprocess.run(["/usr/sbin/dovecot", "--version"], capture_output=True, text=True,
                                  timeout=10).stdout.strip().split()[0]
        except (OSError, subprocess.SubprocessError, IndexError):
            return "?"

    def log_problems(self):
        out = [l for l in read_lines(self.maillog)
               if re.search(r"warning:|error:|fatal:|panic:|reject:|status=(deferred|bounced)", l)]
        out += [l for l in read_lines(os.path.join(self.dbase, "dovecot.log")) + read_lines(
            os.path.join(self.dbase, "master.out")) if re.search(r"(?i)\b(error|warning|fatal|panic)\b", l)]
        return out

    def stop(self):
        if self.postfix_up:
            tree = [(p, start_time(p)) for p in proc_tree(self.master_pid)] if self.master_pid else []
            try:
                self._postfix("stop", timeout=60)
            except (BenchError, OSError, subprocess.SubprocessError) as e:
                log("postfix stop: %s" % e)
            deadline = time.monotonic() + 20
            while self.master_pid and start_time(self.master_pid) is not None and time.monotonic() < deadline:
                time.sleep(0.1)
            if self.master_pid and start_time(self.master_pid) is not None:
                log("Postfix master still there 20 s after `postfix stop`: `postfix abort`")
                try:
                    self._postfix("abort", timeout=30)
                except (BenchError, OSError, subprocess.SubprocessError) as e:
                    log("postfix abort: %s" % e)
            kill_leftovers("postfix", tree)
            self.postfix_up = False
        if self.dovecot:
            self.dovecot.stop()


# --------------------------------------------------------------------------- one phase

# The task sending right now: a signal (deadline, SIGTERM, ^C) cancels it instead of raising in the middle of
# a socket write, so the connections close cleanly; run_phase then raises Deadline.
SENDING = {"loop": None, "task": None, "stop": None}


async def sending(coro, timeout):
    SENDING["loop"], SENDING["task"] = asyncio.get_running_loop(), asyncio.current_task()
    try:
        return await asyncio.wait_for(coro, timeout)
    finally:
        SENDING["loop"] = SENDING["task"] = None


def run_phase(server, messages, senders, per_connection, deliver_timeout, phase_timeout, client="asyncio"):
    n = len(messages)
    before = server.count()
    pids = server.pids()
    cpu0, m0, self0, la0 = tree_cpu(pids), machine_busy_cpu(), self_cpu(), loadavg()
    if client == "smtp-source":
        sent = send_smtp_source(server.port, n, len(messages[0][1]), senders, phase_timeout)
    else:
        try:
            sent = asyncio.run(sending(send_all(server.port, messages, senders, per_connection), phase_timeout))
        except asyncio.TimeoutError:
            raise BenchError("%s: sending did not finish within %.0f s" % (server.name, phase_timeout))
        except asyncio.CancelledError:
            raise Deadline(SENDING["stop"] or "cancelled")
    t_accept = sent["elapsed"]
    accepted = len(sent["accepted_ids"])
    # Durable in the mailbox: poll until every accepted message is there (bounded).
    want = before + accepted
    deadline = time.monotonic() + deliver_timeout
    have = server.count() if isinstance(server, PostfixDovecot) else None
    while have is not None and have < want and time.monotonic() < deadline:
        time.sleep(0.05)
        have = server.count()
    t_durable = time.monotonic() - sent["t0"]
    if have is None:  # Estafeta: 250 = durable; the count is checked right after
        t_durable = t_accept
    cpu1, m1, self1, la1 = tree_cpu(pids), machine_busy_cpu(), self_cpu(), loadavg()
    after = server.count()
    lat = sent["latencies"]
    res = {
        "server": server.name, "client": client, "senders": senders, "messages": n,
        "message_size": len(messages[0][1]),
        "messages_per_connection": per_connection or "all of a sender's (RSET between)",
        "connections": sent["connections"],
        "accepted": accepted, "failed": n - accepted, "failures": sent["failures"][:20],
        "accept_s": round(t_accept, 3), "durable_s": round(t_durable, 3),
        "accepted_per_s": round(accepted / t_accept, 1) if t_accept > 0 else None,
        "durable_per_s": round(accepted / t_durable, 1) if t_durable > 0 and after - before >= accepted else None,
        "in_mailbox_before": before, "in_mailbox_after": after,
        "all_durable": after - before >= accepted,
        "latency_ms": {"p50": round(percentile(lat, 50) * 1000, 2) if lat else None,
                       "p90": round(percentile(lat, 90) * 1000, 2) if lat else None,
                       "p99": round(percentile(lat, 99) * 1000, 2) if lat else None,
                       "max": round(max(lat) * 1000, 2) if lat else None,
                       "mean": round(statistics.mean(lat) * 1000, 2) if lat else None},
        "server_cpu_s": round(cpu1 - cpu0, 2), "client_cpu_s": round(self1 - self0, 2),
        "other_cpu_s": round(max(0.0, (m1 - m0) - (cpu1 - cpu0) - (self1 - self0)), 2),
        "load_average_start": la0, "load_average_end": la1,
    }
    res["server_cpu_ms_per_message"] = round(1000 * res["server_cpu_s"] / accepted, 2) if accepted else None
    res["other_cores"] = round(res["other_cpu_s"] / t_durable, 2) if t_durable > 0 else None
    return res


def median_run(rs):
    """The run with the median durable rate (a run that did not reach the mailbox counts as 0), with every run's
    figures alongside."""
    def key(r):
        return r["durable_per_s"] or 0.0
    ordered = sorted(rs, key=key)
    m = dict(ordered[(len(ordered) - 1) // 2]) if len(ordered) % 2 == 0 else dict(ordered[len(ordered) // 2])
    m["runs"] = len(rs)
    m["runs_durable_per_s"] = [r["durable_per_s"] for r in rs]
    m["runs_accepted_per_s"] = [r["accepted_per_s"] for r in rs]
    m["failed_all_runs"] = sum(r["failed"] for r in rs)
    m["other_cores_all_runs"] = [r["other_cores"] for r in rs]
    return m


def fmt_rate(x):
    return "-" if x is None else "%.1f" % x


def summary_rows(results, senders_list):
    rows = []
    for c in senders_list:
        e = results["estafeta"].get(str(c))
        p = results["postfix"].get(str(c))
        for what, key, label in (("durable", "durable_per_s", "durable in mailbox, msg/s"),
                                 ("accepted", "accepted_per_s", "accepted (250 after DATA), msg/s")):
            ev = e.get(key) if e else None
            pv = p.get(key) if p else None
            rows.append({"senders": c, "what": what, "label": "%2d sender%s: %s" % (c, " " if c == 1 else "s", label),
                         "estafeta": ev, "postfix": pv, "ratio": round(ev / pv, 2) if ev and pv else None})
        ev = e.get("server_cpu_ms_per_message") if e else None
        pv = p.get("server_cpu_ms_per_message") if p else None
        rows.append({"senders": c, "what": "cpu",
                     "label": "%2d sender%s: server CPU per message, ms (lower is better)" % (c, " " if c == 1 else "s"),
                     "estafeta": ev, "postfix": pv, "ratio": round(ev / pv, 2) if ev and pv else None})
    return rows


def print_table(rows):
    w = max([len(r["label"]) for r in rows] + [20])
    print()
    print("%-*s  %10s  %16s  %7s" % (w, "workload (4 KB messages, higher msg/s is better)", "Estafeta",
                                    "Postfix+Dovecot", "E/P"))
    print("-" * (w + 40))
    for r in rows:
        print("%-*s  %10s  %16s  %7s" % (w, r["label"], fmt_rate(r["estafeta"]), fmt_rate(r["postfix"]),
                                        "-" if r["ratio"] is None else "%.2fx" % r["ratio"]))


# --------------------------------------------------------------------------- main

def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--estafeta-bin", default=os.path.join(ROOT, "build-release", "estafeta"))
    p.add_argument("--messages", type=int, default=2000, help="messages per run (default 2000)")
    p.add_argument("--message-size", type=int, default=4096, help="bytes per message (default 4096)")
    p.add_argument("--senders", default="1,20", help="concurrent senders, comma-separated (default 1,20)")
    p.add_argument("--per-connection", type=int, default=0,
                   help="messages per connection; 0 (default) = one connection per sender for all its messages")
    p.add_argument("--repeat", type=int, default=3,
                   help="runs per server and concurrency (default 3), alternating the servers' order; the median "
                        "is reported (of an even number, the lower middle one)")
    p.add_argument("--skip-postfix", action="store_true")
    p.add_argument("--client", choices=("asyncio", "smtp-source"), default="asyncio",
                   help="who sends: this script (default) or Postfix's smtp-source (C)")
    p.add_argument("--quiet-load", type=float, default=1.5, help="wait for a 1-min load average below this")
    p.add_argument("--quiet-wait", type=float, default=120, help="at most this long, s (default 120)")
    p.add_argument("--quiet-cores", type=float, default=0.5,
                   help="before each later phase: wait for other processes to use fewer cores than this")
    p.add_argument("--phase-quiet-wait", type=float, default=30, help="at most this long per phase, s (default 30)")
    p.add_argument("--deliver-timeout", type=float, default=300, help="Postfix: wait for the Maildir, s")
    p.add_argument("--phase-timeout", type=float, default=600, help="sending one run, s")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--json", default=None,
                   help="where to write results (default bench/results/smtp_bench-DATE-TIME.json)")
    p.add_argument("--keep", action="store_true", help="keep the temporary folder")
    p.add_argument("--max-seconds", type=float, default=1800, help="the whole run's deadline (default 1800)")
    a = p.parse_args(argv)
    try:
        a.senders = [int(x) for x in a.senders.split(",") if x.strip()]
    except ValueError:
        p.error("bad --senders")
    if not a.senders or min(a.senders) < 1 or max(a.senders) > 45 or a.messages < 1 or a.message_size < 600 \
            or a.repeat < 1:
        p.error("bad --senders (1..45), --messages, --message-size or --repeat")
    if a.client == "smtp-source" and not os.access(SMTP_SOURCE, os.X_OK):
        p.error("%s is missing (Debian package postfix)" % SMTP_SOURCE)
    return a


def git_state():
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


def verify_count(server, before, n, runs):
    """smtp-source's messages are its own: the INBOX holds n more per run, no more, no less."""
    count = server.count()
    return {"mailbox_count_before": before, "mailbox_count": count, "expected": before + n * runs,
            "ok": count == before + n * runs}


def verify(server, messages, runs):
    """Every sent Message-ID is in INBOX `runs` times (IMAP), and the mailbox count."""
    n, ids = server.message_ids()
    want = {mid for mid, _ in messages}
    counts = {}
    for mid in ids:
        if mid in want:
            counts[mid] = counts.get(mid, 0) + 1
    missing = sum(1 for mid in want if counts.get(mid, 0) < runs)
    extra = sum(1 for mid in want if counts.get(mid, 0) > runs)
    res = {"imap_inbox_messages": n, "expected_bench_messages": len(want) * runs,
           "bench_messages_found": sum(counts.values()), "message_ids_missing_some_run": missing,
           "message_ids_duplicated": extra, "mailbox_count": server.count()}
    res["ok"] = missing == 0 and extra == 0
    return res


def main(argv=None):
    args = parse_args(argv)
    if not os.path.exists(args.estafeta_bin):
        sys.exit("no Estafeta binary at %s: build it first (see bench/README.md)" % args.estafeta_bin)
    if not args.skip_postfix and os.geteuid() != 0:
        sys.exit("Postfix and Dovecot are started as root with their own config: run as root, or --skip-postfix")
    started = datetime.datetime.now().astimezone()
    json_path = args.json or os.path.join(HERE, "results", "smtp_bench-%s.json" % started.strftime("%Y-%m-%d-%H%M%S"))

    def on_signal(signum, frame):
        why = "signal %d%s" % (signum, " (--max-seconds reached)" if signum == signal.SIGALRM else "")
        loop, task = SENDING["loop"], SENDING["task"]
        if loop is not None and task is not None and not task.done():
            SENDING["stop"] = why
            loop.call_soon_threadsafe(task.cancel)
            return
        raise Deadline(why)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGALRM, on_signal)
    signal.alarm(int(args.max_seconds))

    source = git_state()
    source["binary"] = args.estafeta_bin
    source["binary_built"] = datetime.datetime.fromtimestamp(os.path.getmtime(args.estafeta_bin)).astimezone() \
        .isoformat(timespec="seconds")
    rng = random.Random(args.seed)
    run_id = "%d-%d" % (args.seed, int(time.time()))
    messages = [make_message(rng, i, args.message_size, run_id) for i in range(args.messages)]
    workdir = tempfile.mkdtemp(prefix="smtpbench-")
    log("work folder %s" % workdir)
    servers, results, checks, problems, setup = [], {"estafeta": {}, "postfix": {}}, {}, {}, {}
    quiet = {}
    aborted = None
    try:
        est = Estafeta(args.estafeta_bin, workdir)
        servers.append(est)  # before start(): stopped at the end even if starting fails
        est.start()
        setup["estafeta"] = est.describe()
        log("Estafeta pid %d: SMTP 127.0.0.1:%d, IMAP 127.0.0.1:%d" % (est.pid, est.port, est.imap_port))
        if not args.skip_postfix:
            peer = PostfixDovecot(workdir)
            servers.append(peer)
            peer.start()
            setup["postfix"] = peer.describe()
            log("%s: SMTP 127.0.0.1:%d (master pid %d), Dovecot pid %d (IMAP 127.0.0.1:%d)"
                % (setup["postfix"], peer.port, peer.master_pid, peer.dovecot.pid, peer.imap_port))
        all_pids = [p for s in servers for p in s.pids()]
        initial = {srv.key: srv.count() for srv in servers}
        quiet["start"] = wait_quiet_load(args.quiet_load, args.quiet_wait)
        log("load average %.2f%s" % (quiet["start"]["load_average"], "" if quiet["start"]["quiet"] else
                                     " (still at or above %.1f after %.0f s: measuring anyway)"
                                     % (args.quiet_load, args.quiet_wait)))
        phase, runs = 0, {"estafeta": {}, "postfix": {}}
        for c in args.senders:
            for rep in range(args.repeat):
                order = servers if phase % 2 == 0 or len(servers) == 1 else servers[::-1]
                phase += 1
                for srv in order:
                    if phase > 1 or srv is not order[0]:
                        q = wait_quiet_cpu(all_pids, args.quiet_cores, args.phase_quiet_wait)
                        quiet["before %s, %d senders, run %d" % (srv.name, c, rep + 1)] = q
                        if not q["quiet"]:
                            log("other processes still use %.2f cores: measuring anyway" % q["other_cores"])
                    log("%s: %d messages of %d bytes, %d sender(s) (run %d of %d)"
                        % (srv.name, args.messages, args.message_size, c, rep + 1, args.repeat))
                    r = run_phase(srv, messages, c, args.per_connection, args.deliver_timeout, args.phase_timeout,
                                  args.client)
                    runs[srv.key].setdefault(str(c), []).append(r)
                    results[srv.key][str(c)] = median_run(runs[srv.key][str(c)])
                    log("  accepted %s msg/s (%.2f s), durable %s msg/s (%.2f s); %d failed; p50 %s ms, p99 %s ms; "
                        "CPU s: server %.1f, client %.1f, other processes %.1f; load %.2f"
                        % (fmt_rate(r["accepted_per_s"]), r["accept_s"], fmt_rate(r["durable_per_s"]), r["durable_s"],
                           r["failed"], r["latency_ms"]["p50"], r["latency_ms"]["p99"], r["server_cpu_s"],
                           r["client_cpu_s"], r["other_cpu_s"], r["load_average_end"]))
                    for f in r["failures"][:5]:
                        log("  failure: %s" % f)
                    if not r["all_durable"]:
                        log("  only %d of %d accepted messages reached the mailbox within %.0f s"
                            % (r["in_mailbox_after"] - r["in_mailbox_before"], r["accepted"], args.deliver_timeout))
                    if not srv.alive():
                        raise BenchError("%s is no longer running" % srv.name)
        for srv in servers:
            runs_done = len(args.senders) * args.repeat
            checks[srv.key] = verify_count(srv, initial[srv.key], args.messages, runs_done) \
                if args.client == "smtp-source" else verify(srv, messages, runs_done)
            log("%s check: %s" % (srv.name, checks[srv.key]))
    except (Deadline, KeyboardInterrupt) as e:
        aborted = "stopped: %s" % (e or "interrupted")
        log(aborted)
    except (BenchError, OSError, subprocess.SubprocessError, imaplib.IMAP4.error) as e:
        aborted = "%s: %s" % (type(e).__name__, e)
        log("error: %s" % aborted)
    finally:
        signal.alarm(0)
        for srv in servers:
            problems[srv.key] = srv.log_problems()
        for srv in reversed(servers):
            try:
                srv.stop()
            except Exception as e:  # keep cleaning up
                log("stopping %s: %s" % (srv.name, e))
        if args.keep:
            log("kept %s" % workdir)
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    rows = summary_rows(results, args.senders)
    if args.client == "smtp-source":
        how = "smtp-source -d: one connection, messages one after the other, no RSET"
    elif args.per_connection:
        how = "a new connection for every %d message(s)" % args.per_connection
    else:
        how = "one connection, messages one after the other with RSET between"
    print("\nSMTP inbound, %d messages of %d bytes to %s per run; each sender: %s"
          % (args.messages, args.message_size, RCPT, how))
    print("Estafeta: %s" % setup.get("estafeta", "-"))
    print("Peer:     %s" % setup.get("postfix", "not run"))
    print_table(rows)
    print("\ndurable: Estafeta's 250 after DATA; Postfix+Dovecot: until all N files are in the Maildir.")
    for key in ("estafeta", "postfix"):
        for c, r in results[key].items():
            print("  %-15s %2s sender(s): %d connections, latency per message p50 %s / p90 %s / p99 %s / max %s ms, "
                  "%d failed; CPU s: server %.1f, client %.1f, others %.1f (%.2f cores); load %.2f -> %.2f"
                  % (r["server"], c, r["connections"], r["latency_ms"]["p50"], r["latency_ms"]["p90"],
                     r["latency_ms"]["p99"], r["latency_ms"]["max"], r["failed"], r["server_cpu_s"],
                     r["client_cpu_s"], r["other_cpu_s"], r["other_cores"] or 0, r["load_average_start"],
                     r["load_average_end"]))
            if r["runs"] > 1:
                print("  %-15s %2s sender(s): median of %d runs; durable msg/s per run %s; accepted %s; "
                      "other processes' cores %s; failed in all runs %d"
                      % ("", c, r["runs"], r["runs_durable_per_s"], r["runs_accepted_per_s"],
                         r["other_cores_all_runs"], r["failed_all_runs"]))
    for key, ch in checks.items():
        if "expected" in ch:
            print("  check %-8s %s: mailbox count %d, expected %d" % (key, "ok" if ch["ok"] else "FAILED",
                                                                    ch["mailbox_count"], ch["expected"]))
            continue
        print("  check %-8s %s" % (key, "ok" if ch["ok"] else "FAILED") + ": %d/%d sent messages found by IMAP "
              "(INBOX %d), mailbox count %d" % (ch["bench_messages_found"], ch["expected_bench_messages"],
                                               ch["imap_inbox_messages"], ch["mailbox_count"]))
    if quiet.get("start"):
        q = quiet["start"]
        print("  machine: load average %.2f at the start (%s)" % (
            q["load_average"], "quiet" if q["quiet"] else "NOT quiet after %.0f s of waiting" % q["waited_s"]))
    for key, lines in problems.items():
        if lines:
            print("\n%s log (warnings/errors: %d, last 20):" % (key, len(lines)))
            for l in lines[-20:]:
                print("    " + l[:300])
    if aborted:
        print("\nABORTED: %s" % aborted)
    out = {
        "benchmark": "smtp_bench",
        "date": started.isoformat(timespec="seconds"),
        "machine": {"cores": os.cpu_count(), "kernel": platform.release(), "python": platform.python_version(),
                    "cpu": cpu_model()},
        "args": vars(args),
        "estafeta_source": source,
        "setup": setup,
        "summary": rows,
        "results": results,
        "checks": checks,
        "quiet": quiet,
        "log_problems": {k: v[-50:] for k, v in problems.items()},
        "aborted": aborted,
    }
    os.makedirs(os.path.dirname(os.path.abspath(json_path)), exist_ok=True)
    with open(json_path, "w") as f:
        json.dump(out, f, indent=2)
    print("\nresults written to %s" % json_path)
    return 1 if aborted or any(not c["ok"] for c in checks.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
