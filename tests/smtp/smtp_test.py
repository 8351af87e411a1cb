"""Shared helpers for the SMTP end-to-end tests: served data folders (one
from `estafeta quickstart`, or an empty one set up with the admin CLI), a
line-level SMTP client over a raw socket for what smtplib hides (exact
replies, pipelining, BDAT, bare line endings), and IMAP read-back of what
was delivered.

Every test talks to 127.0.0.1 only: each configuration routes every remote
domain (`[[route]] domain = "*"`) to a loopback port nobody listens on and
points DNS at a closed loopback port, so no mail and no query leaves the
machine. Every wait has a deadline: a hang is a failure, not a stall.

Environment: as tests/cli/estafeta_test.py (ESTAFETA_BIN, ESTAFETA_TEST_TMP).
"""

import email
import email.policy
import imaplib
import os
import re
import shutil
import smtplib
import socket
import ssl
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cli"))

from estafeta_test import (LineSocket, DEMO_ADDRESS, DEMO_ADMIN, EXIT_OK, TMP_ROOT, Server,  # noqa: E402,F401
                           free_port, run)

TIMEOUT = 10  # seconds for any one socket exchange


def quit_smtp(client):
    """Ends an smtplib session politely, or just closes it when that fails."""
    try:
        client.quit()
    except (smtplib.SMTPException, OSError):
        client.close()


def open_smtp(test, port):
    """An smtplib client of 127.0.0.1:port, ended when `test` ends."""
    client = smtplib.SMTP("127.0.0.1", port, local_hostname="client.e2e.test", timeout=TIMEOUT)
    test.addCleanup(quit_smtp, client)
    return client

# Listener kinds a test can ask for: name → (protocol, plaintext_auth).
LISTENERS = {
    "mx": ("smtp", False),
    "submission": ("submission", False),         # AUTH only after STARTTLS
    "submission_plain": ("submission", True),    # AUTH allowed in clear (loopback)
    "submissions": ("submissions", False),       # implicit TLS
    "imap": ("imap", True),
    "http": ("http", False),                     # the readiness probe
}


def tmp_root():
    if TMP_ROOT:
        os.makedirs(TMP_ROOT, exist_ok=True)
    return TMP_ROOT


class Instance:
    """One data folder served by `estafeta serve` on free loopback ports.

    `ports` maps each listener kind of LISTENERS to its port; `extra` is
    TOML placed before the listeners ([limits], [queue], [[route]] …);
    `dns_port` is a loopback DNS server to ask (tests/cli/dns_stub.py),
    by default a closed port. With `route_all` false there is no catch-all
    route: remote domains are looked up in DNS (then give `dns_port`)."""

    def __init__(self, name, hostname, listeners, extra="", quickstart=True, dns_port=None, route_all=True):
        self.dir = tempfile.mkdtemp(prefix="estafeta-smtp-%s-" % name, dir=tmp_root())
        self.data = os.path.join(self.dir, "data")
        self.config = os.path.join(self.data, "estafeta.toml")
        self.cert = os.path.join(self.data, "tls", "cert.pem")
        self.hostname = hostname
        self.password = None  # quickstart's device password (hello@demo.example, for admin@demo.example)
        self.server = None
        if quickstart:
            r = run("quickstart", "--dir", self.data, "--no-serve")
            if r.code != EXIT_OK:
                raise AssertionError("quickstart failed: %r" % r)
            m = re.search(r"device password\s+(\S+)", r.out)
            if not m:
                raise AssertionError("no device password in the quickstart output:\n" + r.out)
            self.password = m.group(1)
            with open(self.config, encoding="utf-8") as f:
                head = f.read().split("[[listener]]")[0]
            head = re.sub(r'(?m)^hostname = ".*"$', 'hostname = "%s"' % hostname, head)
        else:
            os.makedirs(self.data)
            head = 'data_dir = "."\nhostname = "%s"\n' % hostname
        self.ports = {kind: free_port() for kind in listeners}
        if "http" not in self.ports:
            self.ports["http"] = free_port()
        # Nothing leaves the machine: every other domain goes to a dead loopback port.
        self.dead_port = free_port()
        text = head + "\n" + extra + f"""
[dns]
servers = ["127.0.0.1:{dns_port or free_port()}"]
"""
        if route_all:
            text += f"""
[[route]]
domain = "*"
host = "127.0.0.1"
port = {self.dead_port}
"""
        for kind, port in self.ports.items():
            protocol, plain = LISTENERS[kind]
            text += '\n[[listener]]\nprotocol = "%s"\naddress = "127.0.0.1:%d"\n' % (protocol, port)
            if plain:
                text += "plaintext_auth = true\n"
        with open(self.config, "w", encoding="utf-8") as f:
            f.write(text)

    # --- the process

    def start(self):
        self.server = Server(self.config, os.path.join(self.dir, "serve.log"))
        self.server.wait_http(self.ports["http"])
        # Every SMTP listener greets before a test talks to it.
        for kind in ("mx", "submission", "submission_plain"):
            if kind in self.ports:
                wait_greeting(self.ports[kind], self.server)
        return self

    def stop(self):
        """SIGTERM; the exit code."""
        code = self.server.stop() if self.server else None
        self.server = None
        return code

    def kill(self):
        """SIGKILL, as a power cut would end it."""
        if self.server:
            self.server.proc.kill()
            self.server.proc.wait()
            self.server.close()

    def remove(self):
        if self.server:
            self.server.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def alive(self):
        return self.server is not None and self.server.proc.poll() is None

    def log(self):
        try:
            with open(os.path.join(self.dir, "serve.log"), encoding="utf-8", errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    # --- management through the CLI (a separate process, as an operator would)

    def admin(self, *args, input=None):
        return run("admin", "--config", self.config, *args, input=input)

    def admin_json(self, *args):
        r = self.admin("--json", *args)
        if r.code != EXIT_OK:
            raise AssertionError("admin command failed: %r" % r)
        return r.json()

    def device_password(self, address, login, label):
        return self.admin_json("device-password", "create", address, login, "--label", label)["password"]

    # --- clients

    def tls_context(self):
        """Verifies the server's certificate (self-signed, SAN 127.0.0.1)."""
        ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=self.cert)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        return ctx

    def raw(self, kind="mx", tls=False):
        return RawSmtp(self.ports[kind], context=self.tls_context() if tls else None)

    def imap(self, user=DEMO_ADDRESS, password=None):
        m = imaplib.IMAP4("127.0.0.1", self.ports["imap"], timeout=TIMEOUT)
        m.login(user, password or self.password)
        return m

    def imap_round(self):
        """Seconds for one user's LOGIN, SELECT INBOX, UID FETCH 1:* (FLAGS) and
        LOGOUT: what a slowed server would make every user wait."""
        start = time.monotonic()
        m = self.imap()
        try:
            typ, data = m.select("INBOX")
            if typ != "OK":
                raise AssertionError("SELECT INBOX: %r" % data)
            m.uid("FETCH", "1:*", "(FLAGS)")
        finally:
            m.logout()
        return time.monotonic() - start

    def messages(self, folder="INBOX", user=DEMO_ADDRESS, password=None):
        """Every message of `folder` as Stored(uid, flags, raw), in UID order."""
        m = self.imap(user, password)
        try:
            typ, data = m.select(folder, readonly=True)
            if typ != "OK":
                raise AssertionError("SELECT %s: %r" % (folder, data))
            typ, data = m.uid("FETCH", "1:*", "(UID FLAGS BODY.PEEK[])")
            if typ != "OK":
                raise AssertionError("FETCH: %r" % data)
            out = []
            for item in data:
                if not isinstance(item, tuple):
                    continue
                head, raw = item
                uid = re.search(rb"UID (\d+)", head)
                flags = re.search(rb"FLAGS \(([^)]*)\)", head)
                out.append(Stored(int(uid.group(1)), flags.group(1).decode().split() if flags else [], raw))
            return out
        finally:
            try:
                m.logout()
            except (imaplib.IMAP4.error, OSError):
                pass

    def with_id(self, msgid, folder="INBOX", user=DEMO_ADDRESS, password=None):
        """The messages of `folder` whose Message-ID is `msgid`."""
        return [s for s in self.messages(folder, user, password) if s.message_id == msgid]

    def wait_for(self, msgid, folder="INBOX", user=DEMO_ADDRESS, password=None, timeout=15.0):
        """Polls `folder` until a message with `msgid` is there; returns the
        matches, or [] at the deadline."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.with_id(msgid, folder, user, password)
            if found or time.monotonic() >= deadline:
                return found
            time.sleep(0.2)

    def wait_log(self, pattern, timeout=15.0):
        """Polls the server log for a regular expression; the match or None."""
        deadline = time.monotonic() + timeout
        while True:
            m = re.search(pattern, self.log())
            if m or time.monotonic() >= deadline:
                return m
            time.sleep(0.1)


class Stored:
    """One message read back over IMAP."""

    def __init__(self, uid, flags, raw):
        self.uid, self.flags, self.raw = uid, flags, raw
        m = re.search(rb"^Message-ID:[ \t]*(<[^>\r\n]*>)", raw, re.M | re.I)
        self.message_id = m.group(1).decode() if m else None

    def parsed(self):
        return email.message_from_bytes(self.raw, policy=email.policy.compat32)

    def received(self):
        """The Received: fields, top first, unfolded."""
        return [re.sub(r"\s+", " ", v).strip() for v in self.parsed().get_all("Received", [])]

    def __repr__(self):
        return "Stored(uid=%d, flags=%r, %r)" % (self.uid, self.flags, self.raw[:300])


def wait_greeting(port, server, timeout=10.0):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise AssertionError("serve exited with %d:\n%s" % (server.proc.returncode, server.log()))
        try:
            c = RawSmtp(port, timeout=2)
            c.close()
            if c.greeting[0] == 220:
                return
            last = c.greeting
        except (OSError, EOFError, TimeoutError) as e:
            last = e
        time.sleep(0.05)
    raise AssertionError("no SMTP greeting on port %d within %.0f s (%s):\n%s" % (port, timeout, last, server.log()))


class RawSmtp(LineSocket):
    """A line-level SMTP client over a socket (TLS when `context` is given,
    as on the implicit-TLS port)."""

    def __init__(self, port, host="127.0.0.1", context=None, timeout=TIMEOUT):
        super().__init__(port, host, context, timeout)
        self.greeting = self.reply()

    def reply(self):
        """One reply: (code, [text of each line])."""
        lines = []
        while True:
            line = self.line()
            if len(line) < 3 or not line[:3].isdigit() or (len(line) > 3 and line[3:4] not in (b" ", b"-")):
                raise AssertionError("not an SMTP reply line: %r" % line)
            lines.append(line[4:].decode("utf-8", errors="replace"))
            if len(line) == 3 or line[3:4] == b" ":
                return int(line[:3]), lines

    def cmd(self, text):
        self.send(text + "\r\n")
        return self.reply()


_counter = [0]


def new_msgid(tag):
    _counter[0] += 1
    return "<%s.%d.%d@e2e.test>" % (re.sub(r"[^\w.-]", "", tag), time.monotonic_ns(), _counter[0])


def make_message(subject, msgid, sender="Ana <ana@example.org>", to=DEMO_ADDRESS, body="Hello.\r\n", extra=""):
    """An RFC 5322 message with CRLF line endings."""
    return ("From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: Mon, 01 Feb 2021 10:00:00 +0000\r\nMessage-ID: %s\r\n%s"
            "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s"
            % (sender, to, subject, msgid, extra, body)).encode()


TRACE_FIELDS = (b"received:", b"received-spf:", b"authentication-results:", b"dkim-signature:")


def strip_received(raw):
    """The message as the client sent it: without the fields the server
    prepended (Received:, on the MX Received-SPF: and
    Authentication-Results:, on submission from a served domain its
    DKIM-Signature: fields)."""
    while raw[:24].lower().startswith(TRACE_FIELDS):
        m = re.match(rb"[^:]+:.*?\r\n(?![ \t])", raw, re.S)
        raw = raw[m.end():]
    return raw
