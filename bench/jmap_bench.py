#!/usr/bin/env python3
"""Message-list benchmark: Estafeta's JMAP next to Dovecot 2.3's IMAP, one
large INBOX, same messages, one run.

One folder of N messages (default 100,000) made from a fixed seed: varied
subjects and senders, about a third of them replies (In-Reply-To and
References, so threads exist), arrival dates spread over one year, mixed
sizes and structures (plain, text+HTML, a few with an attachment), most
seen, a few flagged or answered, and two planted words: one in 0.1 % of the
bodies, one in 1 %. The same bytes, dates and flags go to both servers:

  Estafeta  pipelined IMAP APPEND (LITERAL+, 200 per round trip) with the
            flags and the arrival date; then the wait until its full-text
            indexer has caught up (estafeta_text_index_backlog at /metrics).
  Dovecot   Maildir files written directly (file mtime = arrival date),
            indexed at the first SELECT (its own APPEND fsyncs each message).

Then, warm (after --warmup requests of each kind), p50/p99 of --repeat
requests, the servers taken in turn in blocks of --block (E, D, then D, E)
so that other load on the machine hits both alike:

  list    Estafeta: ONE JMAP request, Email/query {inMailbox: INBOX, sort
          receivedAt desc, collapseThreads, limit 50} and Email/get by result
          reference (id threadId mailboxIds keywords from subject receivedAt
          size hasAttachment preview).
          Dovecot: UID SORT (REVERSE ARRIVAL) UTF-8 ALL, then UID FETCH of the
          first 50 UIDs (FLAGS ENVELOPE RFC822.SIZE INTERNALDATE): two round
          trips on one selected connection. Dovecot's page is not collapsed
          by thread (IMAP SORT cannot); Estafeta's is.
  list+total  the same JMAP request with calculateTotal (threads counted).
  imap list   the Dovecot commands sent to Estafeta's IMAP too: like for like.
  text    Estafeta: Email/query {filter {text: word}, sort receivedAt desc,
          calculateTotal} (every match's id, like SEARCH). Dovecot: UID SEARCH
          TEXT word. Dovecot runs with its packaged defaults: no FTS plugin
          (mail_plugins empty), so each search reads every message; it gets
          --dovecot-text-repeat repetitions (each takes seconds).

Server CPU per request: utime+stime from /proc/<pid>/stat of the server's
process tree, read before and after each timed block, summed, divided by
the requests. Answers are checked against the generated folder (page size,
arrival dates of the page, number of search matches).

--analyze-after K stops the server after K messages, runs ANALYZE on its
database and goes on; the statistics are dropped again (server restarted)
before anything is measured, so the server measured plans as shipped. Off
by default; it was a workaround for an APPEND slowdown in large folders
that is fixed (bench/README.md), kept to check that plans do not depend on
statistics.

Only 127.0.0.1; both servers are started here and stopped by PID; the work
folder is removed at the end unless --keep. Every wait has a deadline.

Usage (as root, for Dovecot; see bench/README.md):
        python3 bench/jmap_bench.py                           # 100,000 messages (about 8 minutes)
        python3 bench/jmap_bench.py --messages 20000 --repeat 20
        python3 bench/jmap_bench.py --skip-dovecot
"""

import base64
import email.utils
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

from common import HOST, BenchError, free_port, log, percentile, quickstart_config_head
import imap_bench
from imap_bench import USER, Dovecot, pair_arguments, parse_pair_arguments, tree_cpu, system_busy_cpu, write_results

CORE, MAIL = "urn:ietf:params:jmap:core", "urn:ietf:params:jmap:mail"
RARE, MEDIUM = "zyxquorbit", "plovkarast"   # in 0.1 % and 1 % of the bodies
TIMEOUT = 600.0
PAGE = 50
GET_PROPERTIES = ["id", "threadId", "mailboxIds", "keywords", "from", "subject", "receivedAt", "size",
                  "hasAttachment", "preview"]
MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
START = 1764806400  # 2025-12-04 00:00:00 UTC: a year of mail up to 2026-12-04

# --------------------------------------------------------------------------- the folder

FIRST = ("Ana Bruno Carla Diego Elena Fabio Gloria Hugo Irene Jorge Karin Luis Marta Nuno Olga Pablo Quim "
         "Rosa Sergio Teresa Ursula Victor Wanda Xavier Yolanda Zoe Alba Beatriz Ciro Dora Emil Frida").split()
LAST = ("Garcia Lopez Martin Sanchez Perez Gomez Ruiz Diaz Moreno Alvarez Romero Navarro Torres Dominguez "
        "Vazquez Ramos Gil Serrano Blanco Molina Ortega Delgado Castro Ortiz Rubio Marin Sanz Nunez").split()
DOMAINS = "example.org example.com example.net mail.example.org corp.example lists.example.net shop.example".split()
TAGS = ["", "", "", "", "[ops] ", "[release] ", "[finance] ", "[team] ", "[urgent] ", "[newsletter] "]


class Folder:
    """N messages (bytes), their arrival dates and flags, and what the answers must be."""

    def __init__(self, n, seed):
        rng = random.Random(seed)
        words = imap_bench.WORDS
        lines = []
        for _ in range(4000):
            line = []
            while sum(len(w) + 1 for w in line) < 66:
                line.append(rng.choice(words))
            lines.append(" ".join(line).capitalize() + ".")
        attachments = [base64.encodebytes(rng.randbytes(rng.randint(6000, 40000))).replace(b"\n", b"\r\n")
                       for _ in range(8)]
        people = []
        for k in range(600):
            f, l = rng.choice(FIRST), rng.choice(LAST)
            people.append(("%s %s" % (f, l), "%s.%s%d@%s" % (f.lower(), l.lower(), k % 7, rng.choice(DOMAINS))))
        weights = [1.0 / (k + 1) ** 0.8 for k in range(len(people))]  # a few frequent senders, a long tail
        self.dates = [START + s for s in sorted(rng.sample(range(365 * 86400), n))]
        rare = set(rng.sample(range(n), max(1, n // 1000)))
        medium = set(rng.sample(range(n), max(1, n // 100)))
        self.expect = {RARE: len(rare), MEDIUM: len(medium)}
        self.messages, self.flags, self.thread_of = [], [], []
        base, refs, mids = [], [], []
        replies = attached = 0
        for i in range(n):
            name, addr = rng.choices(people, weights)[0]
            mid = "<%d.%08x@%s>" % (i, rng.getrandbits(32), addr.split("@")[1])
            mids.append(mid)
            if i > 0 and rng.random() < 0.35:
                parent = rng.randrange(max(0, i - 400), i)
                subject = "Re: " + base[parent]
                ref = (refs[parent] + [parent])[-10:]
                self.thread_of.append(self.thread_of[parent])
                replies += 1
            else:
                subject = rng.choice(TAGS) + " ".join(rng.choice(words) for _ in range(rng.randint(3, 7))).capitalize()
                ref = []
                self.thread_of.append(i)
            base.append(subject[4:] if subject.startswith("Re: ") else subject)
            refs.append(ref)
            t = self.dates[i]
            head = ["Return-Path: <%s>" % addr,
                    "Received: from mx.%s (mx.%s [192.0.2.%d]) by mail.demo.example with ESMTPS id %08x for <%s>; %s"
                    % (addr.split("@")[1], addr.split("@")[1], i % 250 + 1, rng.getrandbits(32), USER,
                       email.utils.formatdate(t, usegmt=True)),
                    "From: %s <%s>" % (name, addr), "To: Hello <%s>" % USER]
            if rng.random() < 0.2:
                head.append("Cc: %s <%s>" % rng.choice(people))
            head += ["Subject: " + subject, "Date: " + email.utils.formatdate(t - rng.randint(5, 900), usegmt=True),
                     "Message-ID: " + mid]
            if ref:
                head += ["In-Reply-To: " + mids[ref[-1]], "References: " + " ".join(mids[r] for r in ref)]
            head.append("MIME-Version: 1.0")
            r = rng.random()
            size = rng.randint(300, 3000) if r < 0.80 else rng.randint(3000, 12000)
            text = []
            while sum(len(x) + 2 for x in text) < size:
                text.append(rng.choice(lines))
            if i in rare:
                text.insert(rng.randrange(len(text) + 1), "The code word is %s, keep it." % RARE)
            if i in medium:
                text.insert(rng.randrange(len(text) + 1), "See %s for the details." % MEDIUM)
            plain = "\r\n".join(text) + "\r\n"
            kind = rng.random()
            if kind < 0.70:
                head += ["Content-Type: text/plain; charset=us-ascii", "Content-Transfer-Encoding: 7bit"]
                body = plain.encode()
            elif kind < 0.96:
                b = "alt-%d" % i
                html = "<html><body>\r\n" + "".join("<p>%s</p>\r\n" % x for x in text) + "</body></html>\r\n"
                head.append('Content-Type: multipart/alternative; boundary="%s"' % b)
                body = ("--%s\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n%s--%s\r\n"
                        "Content-Type: text/html; charset=us-ascii\r\n\r\n%s--%s--\r\n"
                        % (b, plain, b, html, b)).encode()
            else:
                b = "mix-%d" % i
                head.append('Content-Type: multipart/mixed; boundary="%s"' % b)
                body = ("--%s\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n%s--%s\r\n"
                        "Content-Type: application/pdf; name=\"report-%d.pdf\"\r\n"
                        "Content-Disposition: attachment; filename=\"report-%d.pdf\"\r\n"
                        "Content-Transfer-Encoding: base64\r\n\r\n" % (b, plain, b, i, i)).encode() \
                    + rng.choice(attachments) + ("--%s--\r\n" % b).encode()
                attached += 1
            self.messages.append(("\r\n".join(head) + "\r\n\r\n").encode() + body)
            flags = []
            if rng.random() < (0.97 if i < n - n // 50 else 0.3):
                flags.append("\\Seen")
            if rng.random() < 0.02:
                flags.append("\\Flagged")
            if rng.random() < 0.08:
                flags.append("\\Answered")
            self.flags.append(flags)
        self.stats = {"messages": n, "bytes": sum(map(len, self.messages)), "replies": replies,
                      "threads": len(set(self.thread_of)), "with_attachment": attached,
                      "rare_word": RARE, "rare_matches": len(rare), "medium_word": MEDIUM,
                      "medium_matches": len(medium), "first_date": self.dates[0], "last_date": self.dates[-1]}
        # The first page, newest first: arrival dates with threads collapsed (JMAP) and without (IMAP SORT).
        order = sorted(range(n), key=lambda k: -self.dates[k])
        self.page_dates = [self.dates[k] for k in order[:PAGE]]
        seen, collapsed = set(), []
        for k in order:
            if self.thread_of[k] not in seen:
                seen.add(self.thread_of[k])
                collapsed.append(self.dates[k])
        self.threads_page_dates = collapsed[:PAGE]

    def part(self, lo, hi):
        """Messages lo..hi-1 as a Folder-like object for Imap.append_all."""
        p = Folder.__new__(Folder)
        p.messages, p.flags, p.dates = self.messages[lo:hi], self.flags[lo:hi], self.dates[lo:hi]
        return p


def imap_date(t):
    tm = time.gmtime(t)
    return '"%02d-%s-%04d %02d:%02d:%02d +0000"' % (tm.tm_mday, MONTHS[tm.tm_mon - 1], tm.tm_year, tm.tm_hour,
                                                    tm.tm_min, tm.tm_sec)


def utc_date(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


# --------------------------------------------------------------------------- clients

class Imap:
    """A blocking IMAP client: literals inlined, pipelined APPEND, nothing parsed that need not be."""

    def __init__(self, port):
        self.s = socket.create_connection((HOST, port), timeout=TIMEOUT)
        self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = bytearray()
        self.scan = 0
        self.n = 0
        greeting = self.response()
        if not greeting.startswith(b"* OK"):
            raise BenchError("IMAP greeting %r" % greeting[:100])

    def _line(self):
        while True:
            i = self.buf.find(b"\r\n", self.scan)
            if i >= 0:
                break
            self.scan = max(0, len(self.buf) - 1)
            data = self.s.recv(1 << 20)
            if not data:
                raise BenchError("IMAP connection closed by the server")
            self.buf += data
        line = bytes(self.buf[:i])
        del self.buf[:i + 2]
        self.scan = 0
        return line

    def _exactly(self, n):
        while len(self.buf) < n:
            data = self.s.recv(1 << 20)
            if not data:
                raise BenchError("IMAP connection closed inside a literal")
            self.buf += data
        out = bytes(self.buf[:n])
        del self.buf[:n]
        return out

    def response(self):
        """One response line with its literals inlined."""
        parts = [self._line()]
        while parts[-1].endswith(b"}"):
            m = re.search(rb"\{(\d+)\}$", parts[-1])
            if not m:
                break
            parts.append(self._exactly(int(m.group(1))))
            parts.append(self._line())
        return b"".join(parts)

    def until(self, tag):
        lines = []
        while True:
            line = self.response()
            if line.startswith(tag + b" "):
                if line.split(b" ", 2)[1] != b"OK":
                    raise BenchError("IMAP: %r" % line[:300])
                return lines
            lines.append(line)

    def command(self, text):
        self.n += 1
        tag = b"j%d" % self.n
        self.s.sendall(tag + b" " + text + b"\r\n")
        return self.until(tag)

    def append_all(self, folder, chunk=200):
        for start in range(0, len(folder.messages), chunk):
            tags, out = [], []
            for k in range(start, min(start + chunk, len(folder.messages))):
                self.n += 1
                tags.append(b"j%d" % self.n)
                m = folder.messages[k]
                out.append(b"j%d APPEND INBOX (%s) %s {%d+}\r\n%s\r\n" % (
                    self.n, " ".join(folder.flags[k]).encode(), imap_date(folder.dates[k]).encode(), len(m), m))
            self.s.sendall(b"".join(out))
            for tag in tags:
                self.until(tag)


class Jmap:
    """JMAP over one keep-alive HTTP/1.1 connection (http.client), Basic auth."""

    def __init__(self, port, password):
        self.port = port
        token = base64.b64encode(("%s:%s" % (USER, password)).encode()).decode()
        self.headers = {"Authorization": "Basic " + token, "Content-Type": "application/json"}
        self.reconnects = 0
        self.conn = None
        self._connect()
        status, body = self.request("GET", "/jmap/session")
        if status != 200:
            raise BenchError("GET /jmap/session: %d %r" % (status, body[:300]))
        self.session = json.loads(body)
        self.account = self.session["primaryAccounts"][MAIL]

    def _connect(self):
        if self.conn is not None:
            self.conn.close()
        self.conn = http.client.HTTPConnection(HOST, self.port, timeout=TIMEOUT)
        self.conn.connect()
        self.conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def request(self, method, path, body=None):
        for attempt in (0, 1):
            try:
                self.conn.request(method, path, body=body, headers=self.headers)
                r = self.conn.getresponse()
                data = r.read()
                if r.getheader("Connection", "").lower() == "close":
                    self._connect()
                    self.reconnects += 1
                return r.status, data
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                if attempt:
                    raise
                self._connect()
                self.reconnects += 1

    def body(self, *calls):
        return json.dumps({"using": [CORE, MAIL], "methodCalls": [list(c) for c in calls]}).encode()

    def post(self, body):
        status, data = self.request("POST", "/jmap/api", body)
        if status != 200:
            raise BenchError("POST /jmap/api: %d %r" % (status, data[:300]))
        return data

    def calls(self, *calls):
        return json.loads(self.post(self.body(*calls)))["methodResponses"]


def metric(port, name):
    """A value from Estafeta's /metrics (loopback http listener), or None."""
    c = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        c.request("GET", "/metrics")
        r = c.getresponse()
        text = r.read().decode(errors="replace")
    finally:
        c.close()
    m = re.search(r"(?m)^%s(?:\{[^}]*\})? ([0-9.e+-]+)$" % re.escape(name), text)
    return float(m.group(1)) if m else None


# --------------------------------------------------------------------------- the servers

class Estafeta:
    """`estafeta quickstart`, then a config with one imap and one http listener on loopback."""
    name = "Estafeta"

    def __init__(self, binary, workdir):
        self.dir = os.path.join(workdir, "estafeta")
        data = os.path.join(self.dir, "data")
        r = subprocess.run([binary, "quickstart", "--dir", data, "--no-serve"], capture_output=True, text=True,
                           timeout=60)
        if r.returncode != 0:
            raise BenchError("estafeta quickstart failed (%d): %s %s" % (r.returncode, r.stdout, r.stderr))
        self.password = re.search(r"device password\s+(\S+)", r.stdout).group(1)
        self.cert = os.path.join(data, "tls", "cert.pem")
        self.db = os.path.join(data, "estafeta.db")
        self.config = os.path.join(data, "estafeta.toml")
        self.port, self.http = free_port(), free_port()
        head = quickstart_config_head(self.config)
        with open(self.config, "w", encoding="utf-8") as f:
            f.write(head + '\n[[listener]]\nprotocol = "imap"\naddress = "127.0.0.1:%d"\nplaintext_auth = true\n'
                    '\n[[listener]]\nprotocol = "http"\naddress = "127.0.0.1:%d"\n' % (self.port, self.http))
        self.log_path = os.path.join(self.dir, "serve.log")
        self.argv = [binary, "serve", "--config", self.config]
        self.start()

    def start(self):
        self.child = imap_bench.Child("estafeta", self.argv, self.log_path, 4096)
        self.pid = self.child.pid
        imap_bench.wait_port(self.port, self.child.proc)

    def alive(self):
        return self.child.alive()

    def log_tail(self, n=40):
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as f:
                return f.read().splitlines()[-n:]
        except OSError:
            return []

    def stop(self):
        return self.child.stop()

    def planner_statistics(self, on):
        """With the server stopped: ANALYZE its database (on) or drop the statistics again (off), so that a
        fresh connection plans as the shipped server does (it never runs ANALYZE). Then start it again."""
        self.stop()
        db = sqlite3.connect(self.db)
        try:
            if on:
                db.execute("ANALYZE")
            else:
                for t in ("sqlite_stat1", "sqlite_stat4"):
                    db.execute("DROP TABLE IF EXISTS " + t)
            db.commit()
        finally:
            db.close()
        self.start()


def write_maildir(dovecot, folder):
    """The messages as Dovecot's Maildir files in cur/ (flags in the name, mtime = arrival date)."""
    md = os.path.join(dovecot.dir, "mail", USER, "Maildir")
    for sub in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(md, sub), exist_ok=True)
    letters = {"\\Seen": "S", "\\Flagged": "F", "\\Answered": "R"}
    for k, m in enumerate(folder.messages):
        t = folder.dates[k]
        flags = "".join(sorted(letters[f] for f in folder.flags[k]))
        path = os.path.join(md, "cur", "%d.M%dP1.bench,S=%d,W=%d:2,%s" % (t, k, len(m), len(m), flags))
        with open(path, "wb") as f:
            f.write(m)
        os.utime(path, (t, t))
    for root, dirs, files in os.walk(os.path.join(dovecot.dir, "mail")):
        os.chown(root, imap_bench.MAIL_UID, imap_bench.MAIL_GID)
        for name in dirs + files:
            os.chown(os.path.join(root, name), imap_bench.MAIL_UID, imap_bench.MAIL_GID)


def dovecot_setting(dov, name):
    try:
        r = subprocess.run(["/usr/bin/doveconf", "-c", dov.config, "-h", name], capture_output=True, text=True,
                           timeout=20)
        return r.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None


# --------------------------------------------------------------------------- the requests

class Kind:
    """One kind of request against one server: run() does it once and returns what to check."""

    def __init__(self, key, server, label, run, check, repeat):
        self.key, self.server, self.label, self.run, self.check, self.repeat = key, server, label, run, check, repeat
        self.times, self.cpu, self.first, self.note, self.warmup = [], 0.0, None, None, None


def exists_of(lines):
    for line in lines:
        m = re.match(rb"\* (\d+) EXISTS", line)
        if m:
            return int(m.group(1))
    return None


def imap_listing(c):
    """UID SORT newest first, then UID FETCH of the first page; returns the FETCH lines (timed by the caller)."""
    lines = c.command(b"UID SORT (REVERSE ARRIVAL) UTF-8 ALL")
    uids = []
    for line in lines:
        if line.startswith(b"* SORT"):
            uids = line.split(b" ", PAGE + 2)[2:PAGE + 2]  # the first PAGE only: the rest is not split
    return c.command(b"UID FETCH " + b",".join(uids) + b" (FLAGS ENVELOPE RFC822.SIZE INTERNALDATE)"), uids


INTERNALDATE_RE = re.compile(rb'INTERNALDATE "([^"]+)"')


def check_imap_listing(folder):
    want = [utc_date(t) for t in folder.page_dates]

    def check(result):
        lines, uids = result
        fetched = [l for l in lines if re.match(rb"\* \d+ FETCH", l)]
        if len(uids) != PAGE or len(fetched) != PAGE:
            return "%d UIDs from SORT, %d FETCH responses (want %d)" % (len(uids), len(fetched), PAGE)
        got = sorted((utc_date(email.utils.mktime_tz(email.utils.parsedate_tz(
            INTERNALDATE_RE.search(l).group(1).decode().replace("-", " ", 2)))) for l in fetched), reverse=True)
        return None if got == want else "arrival dates of the page differ: %s... want %s..." % (got[:2], want[:2])
    return check


def jmap_listing_body(j, inbox, total):
    q = {"accountId": j.account, "filter": {"inMailbox": inbox},
         "sort": [{"property": "receivedAt", "isAscending": False}], "collapseThreads": True, "limit": PAGE}
    if total:
        q["calculateTotal"] = True
    g = {"accountId": j.account, "#ids": {"resultOf": "q", "name": "Email/query", "path": "/ids"},
         "properties": GET_PROPERTIES}
    return j.body(["Email/query", q, "q"], ["Email/get", g, "g"])


def check_jmap_listing(folder, total):
    want = [utc_date(t) for t in folder.threads_page_dates]
    threads = len(set(folder.thread_of))

    def check(data):
        r = json.loads(data)["methodResponses"]
        if [x[0] for x in r] != ["Email/query", "Email/get"]:
            return "responses %r" % ([x[0] for x in r], r[0][1])
        ids, lst = r[0][1]["ids"], r[1][1]["list"]
        if len(ids) != PAGE or len(lst) != PAGE:
            return "%d ids, %d emails (want %d)" % (len(ids), len(lst), PAGE)
        missing = [p for p in GET_PROPERTIES if p not in lst[0]]
        if missing:
            return "properties missing: %s" % missing
        got = [e["receivedAt"] for e in lst]
        if got != want:
            return "receivedAt of the page differs: %s... want %s..." % (got[:3], want[:3])
        if total and r[0][1].get("total") != threads:
            return "total %s, want %d threads" % (r[0][1].get("total"), threads)
        return None
    return check


def jmap_text_body(j, word):
    return j.body(["Email/query", {"accountId": j.account, "filter": {"text": word},
                                   "sort": [{"property": "receivedAt", "isAscending": False}],
                                   "calculateTotal": True}, "q"])


def check_jmap_text(want):
    def check(data):
        r = json.loads(data)["methodResponses"][0]
        if r[0] != "Email/query":
            return "response %r" % (r,)
        if r[1].get("total") != want or len(r[1]["ids"]) != want:
            return "total %s, %d ids (want %d)" % (r[1].get("total"), len(r[1]["ids"]), want)
        return None
    return check


def check_imap_search(want):
    def check(lines):
        n = sum(len(l.split()) - 2 for l in lines if l.startswith(b"* SEARCH"))
        return None if n == want else "%d matches (want %d)" % (n, want)
    return check


def measure(kinds, warmup, block, deadline):
    """Warm-up, then every kind's repetitions in blocks, servers alternating (E, D, then D, E)."""
    for k in kinds:
        t = time.perf_counter()
        out = k.run()
        k.first = time.perf_counter() - t
        k.note = k.check(out)
        if k.note:
            log("CHECK FAILED %s %s: %s" % (k.server.name, k.key, k.note))
        for _ in range(warmup if k.warmup is None else k.warmup):
            k.run()
    rounds = 0
    while any(len(k.times) < k.repeat for k in kinds):
        order = kinds if rounds % 2 == 0 else kinds[::-1]
        for k in order:
            n = min(block if k.server.name == "Estafeta" or "text" not in k.key else max(1, block // 5),
                    k.repeat - len(k.times))
            if n <= 0:
                continue
            if time.monotonic() > deadline:
                raise BenchError("past --max-seconds while measuring")
            c0 = tree_cpu(k.server.pid)
            for _ in range(n):
                t = time.perf_counter()
                k.run()
                k.times.append(time.perf_counter() - t)
            k.cpu += tree_cpu(k.server.pid) - c0
            if not k.server.alive():
                raise BenchError("%s died" % k.server.name)
        rounds += 1


def summary(k):
    if not k.times:
        return None
    return {"label": k.label, "requests": len(k.times), "first_ms": round(k.first * 1000, 2),
            "p50_ms": round(statistics.median(k.times) * 1000, 2), "p99_ms": round(percentile(k.times, 99) * 1000, 2),
            "max_ms": round(max(k.times) * 1000, 2),
            "server_cpu_ms_per_request": round(k.cpu * 1000 / len(k.times), 2), "check": k.note or "ok"}


# --------------------------------------------------------------------------- the run

def load_estafeta(est, folder, index_timeout, analyze_after):
    t0 = time.monotonic()
    c = Imap(est.port)
    c.command(b'LOGIN "%s" "%s"' % (USER.encode(), est.password.encode()))
    curve, n, step, analyzed = [], len(folder.messages), 2000, None
    for lo in range(0, n, step):
        if analyze_after and analyzed is None and lo >= analyze_after:
            t = time.monotonic()
            c.s.close()
            est.planner_statistics(True)
            c = Imap(est.port)
            c.command(b'LOGIN "%s" "%s"' % (USER.encode(), est.password.encode()))
            analyzed = time.monotonic() - t
            log("Estafeta: stopped, ANALYZE, started again (%.1f s)" % analyzed)
        t, cpu = time.monotonic(), tree_cpu(est.pid)
        c.append_all(folder.part(lo, lo + step))
        curve.append({"folder_before": lo, "messages": min(step, n - lo), "s": round(time.monotonic() - t, 2),
                      "server_cpu_s": round(tree_cpu(est.pid) - cpu, 2)})
        if (lo // step) % 5 == 4 or lo + step >= n:
            log("Estafeta: %d APPENDed, %.1f s; the last %d took %.1f s (%.1f ms each, server CPU %.1f ms each)" % (
                min(lo + step, n), time.monotonic() - t0, curve[-1]["messages"], curve[-1]["s"],
                1000 * curve[-1]["s"] / curve[-1]["messages"], 1000 * curve[-1]["server_cpu_s"] / curve[-1]["messages"]))
    appended = time.monotonic() - t0
    if analyze_after:
        t = time.monotonic()
        c.s.close()
        est.planner_statistics(False)
        c = Imap(est.port)
        c.command(b'LOGIN "%s" "%s"' % (USER.encode(), est.password.encode()))
        log("Estafeta: stopped, statistics dropped, started again (%.1f s)" % (time.monotonic() - t))
    log("Estafeta: %d messages APPENDed in %.1f s; waiting for the text index" % (n, appended))
    backlog = None
    while time.monotonic() - t0 < index_timeout:
        backlog = metric(est.http, "estafeta_text_index_backlog")
        if backlog is None or backlog == 0:
            break
        time.sleep(1)
    indexed = time.monotonic() - t0
    got = exists_of(c.command(b"SELECT INBOX"))
    if got != n:
        raise BenchError("Estafeta: %s messages in INBOX, not %d" % (got, n))
    log("Estafeta: text index caught up after %.1f s in all (backlog %s)" % (indexed, backlog))
    method = "pipelined IMAP APPEND with flags and date (LITERAL+, 200 per round trip), one connection"
    if analyze_after:
        method += ("; WORKAROUND: server stopped after %d messages for ANALYZE of its database, statistics "
                   "dropped again after the load (the measured server plans as shipped)" % analyze_after)
    return c, {"append_s": round(appended, 1), "append_and_index_s": round(indexed, 1),
               "backlog_at_start": backlog, "method": method, "analyze_after": analyze_after or None,
               "curve": curve}


def load_dovecot(dov, folder):
    t0 = time.monotonic()
    write_maildir(dov, folder)
    written = time.monotonic() - t0
    c = Imap(dov.port)
    c.command(b'LOGIN "%s" "%s"' % (USER.encode(), dov.password.encode()))
    n = exists_of(c.command(b"SELECT INBOX"))
    total = time.monotonic() - t0
    if n != len(folder.messages):
        raise BenchError("Dovecot: %s messages in INBOX, not %d" % (n, len(folder.messages)))
    log("Dovecot: Maildir written in %.1f s, first SELECT done at %.1f s" % (written, total))
    return c, {"write_s": round(written, 1), "write_and_select_s": round(total, 1),
               "method": "Maildir files written directly (mtime = arrival date), indexed at the first SELECT"}


def run(args, folder, workdir, servers, results):
    deadline = time.monotonic() + args.max_seconds
    est = Estafeta(args.estafeta_bin, workdir)
    servers.append(est)
    log("Estafeta pid %d: imap 127.0.0.1:%d, http 127.0.0.1:%d" % (est.pid, est.port, est.http))
    dov = None
    if not args.skip_dovecot:
        key = os.path.join(os.path.dirname(est.cert), "key.pem")
        dov = Dovecot(workdir, est.password, False, est.cert, key, 50, 4096)
        servers.append(dov)
        results["dovecot_version"] = dov.version()
        results["dovecot_mail_plugins"] = dovecot_setting(dov, "mail_plugins")
        log("Dovecot %s (master pid %d) on 127.0.0.1:%d; mail_plugins = %r" % (
            results["dovecot_version"], dov.pid, dov.port, results["dovecot_mail_plugins"]))

    e_imap, results["load_estafeta"] = load_estafeta(est, folder, args.index_timeout, args.analyze_after)
    results["estafeta_pss_after_load_mib"] = round(imap_bench.tree_memory(est.pid)["pss"] / 2 ** 20, 1)
    if dov:
        d_imap, results["load_dovecot"] = load_dovecot(dov, folder)
    j = Jmap(est.http, est.password)
    inbox = next(m["id"] for m in j.calls(["Mailbox/get", {"accountId": j.account}, "m"])[0][1]["list"]
                 if m.get("role") == "inbox")

    list_body = jmap_listing_body(j, inbox, False)
    total_body = jmap_listing_body(j, inbox, True)
    kinds = [Kind("list", est, "first page: JMAP Email/query + Email/get (1 request)", lambda: j.post(list_body),
                  check_jmap_listing(folder, False), args.repeat),
             Kind("list_total", est, "first page with calculateTotal (JMAP)", lambda: j.post(total_body),
                  check_jmap_listing(folder, True), args.repeat),
             Kind("imap_list", est, "first page over IMAP: UID SORT + UID FETCH 50", lambda: imap_listing(e_imap),
                  check_imap_listing(folder), args.repeat)]
    for word in (RARE, MEDIUM):
        b = jmap_text_body(j, word)
        kinds.append(Kind("text_" + word, est, "text search %r (JMAP Email/query)" % word,
                          (lambda b=b: j.post(b)), check_jmap_text(folder.expect[word]), args.repeat))
        kinds.append(Kind("imap_text_" + word, est, "UID SEARCH TEXT %r (IMAP)" % word,
                          (lambda word=word: e_imap.command(b"UID SEARCH TEXT " + word.encode())),
                          check_imap_search(folder.expect[word]), args.repeat))
    if dov:
        kinds.append(Kind("imap_list", dov, "first page over IMAP: UID SORT + UID FETCH 50",
                          lambda: imap_listing(d_imap), check_imap_listing(folder), args.repeat))
        for word in (RARE, MEDIUM):
            kinds.append(Kind("imap_text_" + word, dov, "UID SEARCH TEXT %r (IMAP, no FTS: full scan)" % word,
                              (lambda word=word: d_imap.command(b"UID SEARCH TEXT " + word.encode())),
                              check_imap_search(folder.expect[word]), args.dovecot_text_repeat))
            kinds[-1].warmup = 1  # seconds each: one pass warms the page cache
    # Listing first (E and D alternating), then the searches.
    pids = [s.pid for s in servers]
    sys0, w0, ru0, srv0 = system_busy_cpu(), time.monotonic(), os.times(), sum(tree_cpu(p) for p in pids)
    for group in (("list", "list_total", "imap_list"), ("text_", "imap_text_")):
        ks = [k for k in kinds if k.key.startswith(group) or k.key in group]
        log("measuring: %s" % ", ".join("%s %s" % (k.server.name, k.key) for k in ks))
        measure(ks, args.warmup, args.block, deadline)
    ru1 = os.times()
    srv1 = sum(tree_cpu(p) for p in pids)
    results["client_cpu_s_during_measurement"] = round(ru1.user + ru1.system - ru0.user - ru0.system, 1)
    results["servers_cpu_s_during_measurement"] = round(srv1 - srv0, 1)
    results["other_cpu_s_during_measurement"] = round(
        max(0.0, system_busy_cpu() - sys0 - (srv1 - srv0) - (ru1.user + ru1.system - ru0.user - ru0.system)), 1)
    results["measurement_wall_s"] = round(time.monotonic() - w0, 1)
    results["jmap_reconnects"] = j.reconnects
    for k in kinds:
        results.setdefault(k.server.name.lower(), {})[k.key] = summary(k)
        log("%s %s: %r" % (k.server.name, k.key, summary(k)))
    results["estafeta_pss_after_mib"] = round(imap_bench.tree_memory(est.pid)["pss"] / 2 ** 20, 1)
    if args.perf:
        results["perf"] = profile(est, kinds, args.perf)


def profile(est, kinds, seconds):
    """perf record (DWARF call graphs: the release build has no frame pointers) on Estafeta while each of its
    request kinds is repeated; the functions with the largest share of samples, callees included."""
    out = {}
    noise = re.compile(r"boost::asio|clone3|start_thread|^\S+\s+\S+\s+\[\.\] 0x0|std::__detail::__variant|"
                       r"posix_thread|executor_op|awaitable_handler|\[k\]")
    for k in kinds:
        if k.server is not est or k.key.startswith("imap_text"):
            continue
        data = tempfile.mktemp(prefix="jmapbench-perf-")
        p = subprocess.Popen(["perf", "record", "-q", "--call-graph", "dwarf,16384", "-F", "199", "-p", str(est.pid),
                              "-o", data], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.5)
        end = time.monotonic() + seconds
        n = 0
        while time.monotonic() < end:
            k.run()
            n += 1
        p.send_signal(signal.SIGINT)
        p.wait(timeout=60)
        r = subprocess.run(["perf", "report", "-i", data, "--children", "--stdio", "-g", "none", "--percent-limit",
                            "4", "--sort", "symbol"], capture_output=True, text=True, timeout=600)
        try:
            os.unlink(data)
        except OSError:
            pass
        top = [re.sub(r"\s+", " ", l.strip())[:200] for l in r.stdout.splitlines()
               if l.strip() and not l.startswith("#")]
        out[k.key] = {"requests": n, "top": [l for l in top if not noise.search(l)][:25]}
        log("perf %s (%d requests):\n  %s" % (k.key, n, "\n  ".join(out[k.key]["top"])))
    return out


def row(label, e, d, unit="ms"):
    ratio = round(e / d, 3) if e is not None and d else None
    return {"workload": label, "unit": unit, "estafeta": e, "dovecot": d, "ratio": ratio}


def summary_rows(res):
    e, d = res.get("estafeta", {}), res.get("dovecot", {})
    rows = []

    def pair(title, ek, dk):
        x, y = e.get(ek), d.get(dk)
        if not x:
            return
        for what, field in (("p50", "p50_ms"), ("p99", "p99_ms"), ("server CPU per request", "server_cpu_ms_per_request")):
            rows.append(row("%s: %s, ms" % (title, what), x[field], y[field] if y else None))
    pair("first page (E: 1 JMAP request; D: UID SORT + UID FETCH 50)", "list", "imap_list")
    pair("first page, E with calculateTotal", "list_total", "imap_list")
    pair("first page over IMAP on both (UID SORT + UID FETCH 50)", "imap_list", "imap_list")
    for word, share in ((RARE, "0.1 %"), (MEDIUM, "1 %")):
        pair("text search, %s of messages (E: JMAP Email/query; D: UID SEARCH TEXT)" % share, "text_" + word,
             "imap_text_" + word)
        pair("text search, %s of messages, IMAP UID SEARCH TEXT on both" % share, "imap_text_" + word,
             "imap_text_" + word)
    le, ld = res.get("load_estafeta"), res.get("load_dovecot")
    if le:
        rows.append(row("load: E APPEND / D Maildir files written, s", le["append_s"], ld["write_s"] if ld else None,
                        "s"))
        rows.append(row("load: E + text index caught up / D + first SELECT, s", le["append_and_index_s"],
                        ld["write_and_select_s"] if ld else None, "s"))
    return rows


def print_table(rows, res, args, folder):
    fs = folder.stats
    print("\n%d messages in INBOX (%.0f MB; %d threads, %d replies, %d with an attachment); p50/p99 of %d requests "
          "after %d warm-up (Dovecot text search: %d)" % (fs["messages"], fs["bytes"] / 1e6, fs["threads"],
                                                          fs["replies"], fs["with_attachment"], args.repeat,
                                                          args.warmup, args.dovecot_text_repeat))
    if res.get("dovecot_version"):
        print("Dovecot %s, packaged defaults: mail_plugins = %r, i.e. no FTS plugin: SEARCH TEXT reads every "
              "message" % (res["dovecot_version"], res.get("dovecot_mail_plugins") or ""))
    w = max(len(r["workload"]) for r in rows)
    print("\n%-*s  %10s  %10s  %8s" % (w, "workload", "Estafeta", "Dovecot", "E/D"))
    print("-" * (w + 34))
    for r in rows:
        def s(x):
            return "-" if x is None else "%g" % x
        print("%-*s  %10s  %10s  %8s" % (w, r["workload"], s(r["estafeta"]), s(r["dovecot"]),
                                         "-" if r["ratio"] is None else "%.2f×" % r["ratio"]))
    print("\nfirst request after the load (before the warm-up), ms:")
    for name in ("estafeta", "dovecot"):
        for key, x in (res.get(name) or {}).items():
            if x:
                print("  %-9s %-22s %10.1f   %s" % (name, key, x["first_ms"], "" if x["check"] == "ok" else
                                                    "CHECK FAILED: " + x["check"]))
    le = res.get("load_estafeta")
    if le:
        print("\nload: Estafeta %s: %.1f s, text index caught up at %.1f s" % (le["method"], le["append_s"],
                                                                             le["append_and_index_s"]))
    ld = res.get("load_dovecot")
    if ld:
        print("load: Dovecot %s: %.1f s written, first SELECT done at %.1f s" % (ld["method"], ld["write_s"],
                                                                                ld["write_and_select_s"]))
    print("other processes' CPU during the measurements: %s s of %s s wall (2 cores = %s CPU-s)" % (
        res.get("other_cpu_s_during_measurement"), res.get("measurement_wall_s"),
        round(2 * (res.get("measurement_wall_s") or 0), 1)))
    aims = []
    x = (res.get("estafeta") or {}).get("list")
    if x:
        aims.append("first page p50 < 50 ms: %s (%.1f ms)" % ("met" if x["p50_ms"] < 50 else "NOT met", x["p50_ms"]))
    x = (res.get("estafeta") or {}).get("text_" + RARE)
    if x:
        aims.append("text search p50 < 100 ms: %s (%.1f ms)" % ("met" if x["p50_ms"] < 100 else "NOT met",
                                                                 x["p50_ms"]))
    if aims:
        print("aims at %d messages: %s" % (fs["messages"], "; ".join(aims)))
    for k, v in (res.get("perf") or {}).items():
        print("\nperf, Estafeta, %s (%d requests): children %%, self %%, function (>= 4 %% of samples):"
              % (k, v["requests"]))
        for l in v["top"]:
            print("   " + l)


def main(argv=None):
    # 10,800 s: with the shipped load path 100,000 APPENDs take about two hours (see bench/README.md).
    p = pair_arguments(__doc__, 100000, 5, 10800, "jmap_bench.json")
    p.add_argument("--repeat", type=int, default=50, help="timed requests of each kind (default 50)")
    p.add_argument("--dovecot-text-repeat", type=int, default=10,
                   help="timed SEARCH TEXT on Dovecot, seconds each without FTS (default 10)")
    p.add_argument("--warmup", type=int, default=5, help="untimed requests of each kind first (default 5)")
    p.add_argument("--block", type=int, default=25, help="requests per block before switching server (default 25)")
    p.add_argument("--index-timeout", type=float, default=1800, help="seconds to wait for the text index")
    p.add_argument("--perf", type=float, default=0, help="after the run, perf-record Estafeta for S seconds "
                                                        "per JMAP request kind (0: no)")
    p.add_argument("--analyze-after", type=int, default=0,
                   help="WORKAROUND for slow APPEND into a large folder: stop Estafeta after this many messages "
                        "(rounded up to a multiple of 2,000), "
                        "ANALYZE its database, go on; the statistics are dropped again before measuring (0: off)")
    p.add_argument("--keep", action="store_true", help="keep the work folder")
    args = parse_pair_arguments(p, argv)

    def on_signal(*_):
        raise BenchError("past --max-seconds or terminated")
    signal.signal(signal.SIGALRM, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    signal.alarm(int(args.max_seconds))

    t = time.monotonic()
    folder = Folder(args.messages, args.seed)
    log("folder: %r, made in %.1f s" % (folder.stats, time.monotonic() - t))
    workdir = tempfile.mkdtemp(prefix="jmapbench-")
    log("work folder %s" % workdir)
    servers, results, aborted = [], {}, None
    try:
        run(args, folder, workdir, servers, results)
    except (BenchError, OSError, http.client.HTTPException, json.JSONDecodeError, KeyError) as e:
        aborted = "%s: %s" % (type(e).__name__, e)
        log("error: %s" % aborted)
    finally:
        signal.alarm(0)
        for s in servers:
            if hasattr(s, "log_tail"):
                results.setdefault("log_problems", {})[s.name] = imap_bench.log_problems(s.log_tail(2000))[-20:]
            try:
                s.stop()
            except Exception as e:  # keep cleaning up
                log("stopping %s: %s" % (s.name, e))
        if args.keep:
            log("kept %s" % workdir)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    rows = summary_rows(results)
    if rows:
        print_table(rows, results, args, folder)
    for name, lines in (results.get("log_problems") or {}).items():
        if lines:
            print("\n%s log (warnings/errors, last %d):" % (name, len(lines)))
            for l in lines:
                print("    " + l[:300])
    return write_results(args, results, aborted, summary=rows, folder=folder.stats,
                         source=imap_bench.git_state(),
                         binary_built=time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(
                             os.path.getmtime(args.estafeta_bin))))


if __name__ == "__main__":
    sys.exit(main())
