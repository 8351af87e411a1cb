"""Shared helpers for the IMAP end-to-end tests: a served data folder made by
`estafeta quickstart`, connections through imaplib or a raw socket, and a
parser for IMAP response data.

Every test talks to 127.0.0.1 only. Every wait has a deadline: a hang is a
failure, not a stall.

Environment: as tests/cli/estafeta_test.py (ESTAFETA_BIN, ESTAFETA_TEST_TMP).
"""

import base64
import imaplib
import os
import re
import shutil
import socket
import ssl
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cli"))

from estafeta_test import (LineSocket, DEMO_ADDRESS, DEMO_ADMIN, DEMO_ORG, DEMO_SERVICE, EXIT_OK, TMP_ROOT, Server,  # noqa: E402,F401
                           free_port, run)

TIMEOUT = 10  # seconds for any one socket exchange


class MailServer:
    """A quickstart data folder served on free loopback ports:

      plain     imap, plaintext_auth = true (LOGIN allowed without TLS)
      strict    imap without plaintext_auth (LOGIN only after STARTTLS)
      imaps     implicit TLS
      http      for the readiness probe

    `limits` is extra TOML for the [limits] table (e.g. max_message_size)."""

    def __init__(self, limits=""):
        if TMP_ROOT:
            os.makedirs(TMP_ROOT, exist_ok=True)
        self.dir = tempfile.mkdtemp(prefix="estafeta-imap-", dir=TMP_ROOT)
        self.data = os.path.join(self.dir, "data")
        r = run("quickstart", "--dir", self.data, "--no-serve")
        if r.code != EXIT_OK:
            raise AssertionError("quickstart failed: %r" % r)
        m = re.search(r"device password\s+(\S+)", r.out)
        if not m:
            raise AssertionError("no device password in the quickstart output:\n" + r.out)
        self.password = m.group(1)  # hello@demo.example, for admin@demo.example
        self.config = os.path.join(self.data, "estafeta.toml")
        self.cert = os.path.join(self.data, "tls", "cert.pem")
        self.plain, self.strict, self.imaps, self.http = free_port(), free_port(), free_port(), free_port()
        self._write_config(limits)
        self.server = None

    def _write_config(self, limits):
        with open(self.config, encoding="utf-8") as f:
            head = f.read().split("[[listener]]")[0]
        if limits:
            head += "\n[limits]\n" + limits + "\n"
        with open(self.config, "w", encoding="utf-8") as f:
            f.write(head + f"""
[[listener]]
protocol = "imap"
address = "127.0.0.1:{self.plain}"
plaintext_auth = true

[[listener]]
protocol = "imap"
address = "127.0.0.1:{self.strict}"

[[listener]]
protocol = "imaps"
address = "127.0.0.1:{self.imaps}"

[[listener]]
protocol = "http"
address = "127.0.0.1:{self.http}"
""")

    def start(self):
        self.server = Server(self.config, os.path.join(self.dir, "serve.log"))
        self.server.wait_http(self.http)
        return self

    def stop(self):
        if self.server:
            self.server.stop()

    def remove(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def log(self):
        return self.server.log() if self.server else ""

    def alive(self):
        return self.server is not None and self.server.proc.poll() is None

    # --- management through the CLI (a separate process, as an operator would)

    def admin(self, *args, input=None):
        return run("admin", "--config", self.config, *args, input=input)

    def admin_json(self, *args):
        r = self.admin("--json", *args)
        if r.code != EXIT_OK:
            raise AssertionError("admin command failed: %r" % r)
        return r.json()

    def device_password(self, label, address=DEMO_ADDRESS, login=DEMO_ADMIN):
        """A new device password: (id, password)."""
        d = self.admin_json("device-password", "create", address, login, "--label", label)
        return d["id"], d["password"]

    def add_user(self, login, address=DEMO_ADDRESS, label="e2e"):
        """A user of the Demo org with access to `address` and one device
        password for it; returns the password."""
        self.admin_json("user", "create", "--org", DEMO_ORG, "--login", login, "--name", login.title())
        self.admin_json("access", "grant", address, login)
        return self.device_password(label, address=address, login=login)[1]

    # --- connections

    def tls_context(self):
        ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=self.cert)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        return ctx

    def imap(self, login=True, password=None, user=DEMO_ADDRESS):
        """imaplib on the plaintext_auth listener, logged in unless told not to."""
        m = imaplib.IMAP4("127.0.0.1", self.plain, timeout=TIMEOUT)
        if login:
            m.login(user, password or self.password)
        return m

    def imap_ssl(self, host="localhost"):
        return imaplib.IMAP4_SSL(host, self.imaps, ssl_context=self.tls_context(), timeout=TIMEOUT)

    def raw(self, port=None):
        return RawClient(port or self.plain)


def logout(m):
    """LOGOUT, ignoring a connection the server already closed."""
    try:
        m.logout()
    except (imaplib.IMAP4.abort, imaplib.IMAP4.error, OSError):
        pass


class RawClient(LineSocket):
    """A line-level IMAP client over a plain socket, for what imaplib hides:
    exact response lines, pipelining, malformed commands, IDLE timing."""

    def __init__(self, port, host="127.0.0.1"):
        super().__init__(port, host, timeout=TIMEOUT)
        self.greeting = self.line()
        self._tag = 0

    def starttls(self, context, server_hostname="localhost"):
        """After a tagged OK to STARTTLS: the TLS handshake. Bytes the server
        sent in clear after the OK would be a bug; they are returned."""
        leftover, self.buf = self.buf, b""
        self.sock = context.wrap_socket(self.sock, server_hostname=server_hostname)
        return leftover

    def read_bytes(self, n, timeout=TIMEOUT):
        deadline = time.monotonic() + timeout
        while len(self.buf) < n:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("literal incomplete after %.1f s" % timeout)
            self.sock.settimeout(left)
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise EOFError("connection closed inside a literal")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def next_tag(self):
        self._tag += 1
        return "r%d" % self._tag

    def until_tagged(self, tag, timeout=TIMEOUT):
        """Lines up to and including the one tagged `tag`: (untagged, tagged).
        A literal's octets are appended to its line."""
        deadline = time.monotonic() + timeout
        lines = []
        while True:
            line = self.line(max(0.01, deadline - time.monotonic()))
            m = re.search(rb"\{(\d+)\}$", line)
            while m:
                line += b"\r\n" + self.read_bytes(int(m.group(1)), max(0.01, deadline - time.monotonic()))
                line += self.line(max(0.01, deadline - time.monotonic()))
                m = re.search(rb"\{(\d+)\}$", line)
            if line.startswith(tag.encode() + b" "):
                return lines, line
            lines.append(line)

    def command(self, text, timeout=TIMEOUT):
        """Sends `tag text` and returns (untagged lines, tagged line)."""
        tag = self.next_tag()
        self.send("%s %s\r\n" % (tag, text))
        return self.until_tagged(tag, timeout)

    def login(self, user, password):
        _, tagged = self.command("LOGIN %s %s" % (quote(user), quote(password)))
        if b" OK " not in tagged:
            raise AssertionError("login failed: %r" % tagged)


def quote(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


# --- modified UTF-7 (RFC 3501 §5.1.3), as mail clients encode folder names

def mutf7_encode(name):
    out, run_ = [], []

    def flush():
        if run_:
            b64 = "".join(run_).encode("utf-16-be")
            out.append("&" + base64.b64encode(b64).decode().rstrip("=").replace("/", ",") + "-")
            run_.clear()

    for ch in name:
        if 0x20 <= ord(ch) <= 0x7e:
            flush()
            out.append("&-" if ch == "&" else ch)
        else:
            run_.append(ch)
    flush()
    return "".join(out)


def mutf7_decode(name):
    def repl(m):
        if m.group(1) == "":
            return "&"
        b64 = m.group(1).replace(",", "/")
        b64 += "=" * (-len(b64) % 4)
        return base64.b64decode(b64).decode("utf-16-be")

    return re.sub(r"&([^-]*)-", repl, name)


# --- IMAP response data

class Literal(bytes):
    """A string that came as a literal (still a bytes value)."""


def tokenize_response(data):
    """Parses one response's data (after "* " and any leading number/keyword
    the caller strips) into Python values: lists for parenthesised lists,
    bytes for strings and atoms, None for NIL."""
    pos = 0
    n = len(data)

    def skip_space():
        nonlocal pos
        while pos < n and data[pos:pos + 1] in (b" ", b"\r", b"\n"):
            pos += 1

    def value():
        nonlocal pos
        skip_space()
        c = data[pos:pos + 1]
        if c == b"(":
            pos += 1
            items = []
            while True:
                skip_space()
                if pos >= n:
                    raise ValueError("unterminated list in %r" % data[:200])
                if data[pos:pos + 1] == b")":
                    pos += 1
                    return items
                items.append(value())
        if c == b'"':
            pos += 1
            out = bytearray()
            while data[pos:pos + 1] != b'"':
                if data[pos:pos + 1] == b"\\":
                    pos += 1
                out += data[pos:pos + 1]
                pos += 1
                if pos >= n:
                    raise ValueError("unterminated string in %r" % data[:200])
            pos += 1
            return bytes(out)
        if c in (b"{", b"~"):
            m = re.compile(rb"~?\{(\d+)\+?\}\r\n").match(data, pos)
            if not m:
                raise ValueError("bad literal at %d in %r" % (pos, data[:200]))
            size = int(m.group(1))
            pos = m.end()
            lit = Literal(data[pos:pos + size])
            pos += size
            return lit
        # An atom; BODY[...]<...> keeps its brackets as one token.
        start = pos
        depth = 0
        while pos < n:
            ch = data[pos:pos + 1]
            if ch == b"[":
                depth += 1
            elif ch == b"]":
                depth -= 1
            elif depth == 0 and ch in (b" ", b"(", b")", b"\r", b"\n"):
                break
            pos += 1
        atom = data[start:pos]
        return None if atom.upper() == b"NIL" else atom

    out = []
    while True:
        skip_space()
        if pos >= n:
            return out
        out.append(value())


def imaplib_data_bytes(data):
    """imaplib's list of response items (bytes, or (head, literal) tuples)
    back into wire form, one response per CRLF-terminated line."""
    out = b""
    for item in data:
        if item is None:
            continue
        if isinstance(item, tuple):
            out += item[0] + b"\r\n" + item[1]
        else:
            out += item + b"\r\n"
    return out


def parse_fetch(data):
    """imaplib FETCH data → [(seq, {ITEM: value})], item names upper-cased."""
    tokens = tokenize_response(imaplib_data_bytes(data))
    out = []
    for i in range(0, len(tokens), 2):
        seq, items = tokens[i], tokens[i + 1]
        if not isinstance(items, list) or len(items) % 2:
            raise ValueError("bad FETCH response: %r" % tokens)
        d = {}
        for k in range(0, len(items), 2):
            d[items[k].upper().decode()] = items[k + 1]
        out.append((int(seq), d))
    return out


def fetch_one(m, uid, items):
    """UID FETCH of one message; its item dictionary."""
    typ, data = m.uid("FETCH", str(uid), items)
    assert typ == "OK", (typ, data)
    found = [d for _, d in parse_fetch(data) if d.get("UID") == str(uid).encode()]
    assert len(found) == 1, (uid, data)
    return found[0]


def uid_of_append(resp):
    """The UID in APPEND's [APPENDUID v uid] response code."""
    typ, data = resp
    assert typ == "OK", resp
    m = re.search(rb"\[APPENDUID (\d+) (\d+)\]", data[0])
    assert m, resp
    return int(m.group(2))


def make_message(subject, body="Hello.\r\n", msgid=None, sender="Ana <ana@example.org>",
                 to="hello@demo.example", date="Mon, 01 Feb 2021 10:00:00 +0000", extra=""):
    msgid = msgid or "<%s.%d@e2e.test>" % (re.sub(r"\W", "", subject), time.monotonic_ns())
    return ("From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: %s\r\n%s"
            "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s"
            % (sender, to, subject, date, msgid, extra, body)).encode()


class ServerTestCase(unittest.TestCase):
    """One served data folder for all the tests of a class (each test uses
    its own folders, so tests do not see each other's messages)."""

    limits = ""
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.mail = MailServer(cls.limits)
        cls.addClassCleanup(cls.mail.remove)
        cls.mail.start()

    def setUp(self):
        self.assertTrue(self.mail.alive(), "the server died:\n" + self.mail.log())

    def connect(self, **kw):
        m = self.mail.imap(**kw)
        self.addCleanup(logout, m)
        return m

    def raw(self, port=None, login=False):
        c = self.mail.raw(port)
        self.addCleanup(c.close)
        if login:
            c.login(DEMO_ADDRESS, self.mail.password)
        return c

    def folder(self, m, suffix=""):
        """A new folder named after the test; created through `m`."""
        name = "t-" + self.id().rsplit(".", 1)[-1].replace("_", "-") + suffix
        typ, data = m.create(name)
        self.assertEqual(typ, "OK", data)
        return name

    def ok(self, resp):
        typ, data = resp
        self.assertEqual(typ, "OK", data)
        return data


def bulk_append(mail, folder, messages, flags=None, chunk=100):
    """APPENDs `messages` (bytes) to `folder` pipelined with non-synchronizing
    literals (RFC 7888), `chunk` commands per round trip; returns their UIDs
    in order. imaplib waits for a continuation and a tagged answer per
    message; this is how a bulk importer talks to a server."""
    c = RawClient(mail.plain)
    try:
        c.login(DEMO_ADDRESS, mail.password)
        flag_text = (" (%s)" % flags) if flags else ""
        uids = []
        for start in range(0, len(messages), chunk):
            batch = messages[start:start + chunk]
            out = b"".join(b"b%d APPEND %s%s {%d+}\r\n%s\r\n" % (start + i, folder.encode(), flag_text.encode(),
                                                                  len(msg), msg)
                           for i, msg in enumerate(batch))
            c.send(out)
            for i in range(len(batch)):
                _, tagged = c.until_tagged("b%d" % (start + i), timeout=60)
                m = re.search(rb" OK \[APPENDUID \d+ (\d+)\]", tagged)
                if not m:
                    raise AssertionError("APPEND %d failed: %r" % (start + i, tagged))
                uids.append(int(m.group(1)))
        c.command("LOGOUT")
        return uids
    finally:
        c.close()
