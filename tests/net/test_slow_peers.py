"""Peers that send too much or read too slowly, through the real server,
each with the normal use that must keep working:

- HTTP before any login: a request body is bounded by what its route takes
  (nothing for /healthz), checked on Content-Length before a body octet is
  read: 413 at once, the body dropped, never buffered (the server's RSS is
  measured); chunked bodies the same; the header by size and field count
  (431). Before: any request could make the server reserve and fill 1 MiB.
- Replies to slow readers: a write is cut off when the client takes
  nothing for [limits] write_timeout_seconds (3 s here), plain and TLS,
  while a client that reads slowly but steadily gets a FETCH that takes
  far longer than that — also when the server's send queue drains so
  slowly that the kernel reports room only after more than that time.
  Before: one deadline of 2 minutes for the whole write, so a stalled
  reader held its session for 2 minutes and a slow steady one lost big
  replies.
"""

import os
import re
import socket
import ssl
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cli"))
import estafeta_test as et  # noqa: E402

MIB = 1024 * 1024
WRITE_TIMEOUT = 3  # [limits] write_timeout_seconds of this server


def rss(pid):
    """The resident set of a process, in bytes (/proc/<pid>/status VmRSS)."""
    with open("/proc/%d/status" % pid, encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS for %d" % pid)


def read_response(sock, timeout=10.0):
    """One HTTP/1.1 response: (status, headers with lower-case names, body)."""
    sock.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed before the response header: %r" % data)
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return int(lines[0].split(" ")[1]), headers, body


class Served(et.DemoTestCase):
    """A quickstart data folder served on imap, imaps and http, with a
    small write timeout and a small ASan quarantine (so RSS shows what the
    server holds, not what it freed)."""

    def setUp(self):
        super().setUp()
        self.password = re.search(r"device password\s+(\S+)", self.quickstart_output).group(1)
        self.ports = {}
        for proto in ("imap", "imaps", "http"):
            port = et.free_port()
            while port in self.ports.values():
                port = et.free_port()
            self.ports[proto] = port
        text = 'data_dir = "."\n[limits]\nwrite_timeout_seconds = %d\n' % WRITE_TIMEOUT
        for proto, port in self.ports.items():
            text += '[[listener]]\nprotocol = "%s"\naddress = "127.0.0.1:%d"\n' % (proto, port)
            if proto == "imap":
                text += "plaintext_auth = true\n"
        with open(self.config, "w") as f:
            f.write(text)
        saved = os.environ.get("ASAN_OPTIONS")
        os.environ["ASAN_OPTIONS"] = ((saved + ":") if saved else "") + "quarantine_size_mb=1"
        try:
            self.server = et.Server(self.config, os.path.join(self.dir, "serve.log"))
        finally:
            if saved is None:
                del os.environ["ASAN_OPTIONS"]
            else:
                os.environ["ASAN_OPTIONS"] = saved
        self.addCleanup(self.server.close)
        self.server.wait_http(self.ports["http"])

    def http(self):
        s = socket.create_connection(("127.0.0.1", self.ports["http"]), timeout=10)
        self.addCleanup(s.close)
        return s

    def healthz_ok(self):
        s = self.http()
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        status, _, body = read_response(s)
        self.assertEqual(status, 200)
        self.assertIn(b'"status":"ok"', body)


class HttpBodyLimitTest(Served):
    def test_big_body_to_healthz_is_refused_before_it_is_read(self):
        for _ in range(5):  # warm up the paths
            self.healthz_ok()
        pid = self.server.proc.pid
        baseline = rss(pid)
        peak = baseline
        conns = [self.http() for _ in range(30)]
        for s in conns:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % MIB)
        # The answer comes before any of the body is sent.
        for s in conns:
            status, headers, body = read_response(s)
            self.assertEqual(status, 413, body)
            self.assertEqual(body, b"request body too large\n")
            self.assertEqual(headers.get("connection"), "close")
        # The bodies that follow are dropped, not kept.
        block = b"z" * 65536
        for s in conns:
            try:
                for _ in range(MIB // len(block)):
                    s.sendall(block)
            except OSError:
                pass
            peak = max(peak, rss(pid))
        for s in conns:
            s.close()
        # Before: 30 bodies of 1 MiB each were read into memory.
        self.assertLess(peak - baseline, 8 * MIB, "RSS %d -> %d" % (baseline, peak))
        self.healthz_ok()

    def test_chunked_body_and_big_headers_are_refused(self):
        s = self.http()
        s.sendall(b"POST /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                  b"10000\r\n" + b"c" * 65536 + b"\r\n0\r\n\r\n")
        self.assertEqual(read_response(s)[0], 413)
        s = self.http()
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-F%d: v\r\n" % i for i in range(200))
                  + b"\r\n")
        status, _, body = read_response(s)
        self.assertEqual(status, 431, body)
        s = self.http()
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * (20 * 1024) + b"\r\n\r\n")
        self.assertEqual(read_response(s)[0], 431)
        # A small body where no route declares one is still read (404).
        s = self.http()
        s.sendall(b"POST /nowhere HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello")
        self.assertEqual(read_response(s)[0], 404)
        self.healthz_ok()


class SlowReaderTest(Served):
    SIZE = 8 * MIB

    def setUp(self):
        super().setUp()
        c = self.imap()
        body = (b"From: a@example.org\r\nSubject: big\r\n\r\n"
                + (b"w" * 1022 + b"\r\n") * (self.SIZE // 1024))
        self.size = len(body)
        c.send(b"a LOGIN \"%s\" \"%s\"\r\nb APPEND INBOX {%d}\r\n" % (et.DEMO_ADDRESS.encode(), self.password.encode(),
                                                                   len(body)))
        self.assertRegex(self.tagged(c, b"a"), rb"^a OK")
        self.assertTrue(c.line(30).startswith(b"+"))
        c.send(body + b"\r\n")
        self.assertRegex(self.tagged(c, b"b", 60), rb"^b OK")
        c.close()

    def imap(self, tls=False, rcvbuf=None):
        """A logged-out IMAP connection; a small receive buffer (set before
        connecting) keeps what the kernel holds for us small."""
        raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf:
            raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        raw.settimeout(30)
        raw.connect(("127.0.0.1", self.ports["imaps" if tls else "imap"]))
        if tls:
            ctx = ssl.create_default_context(cafile=os.path.join(self.data, "tls", "cert.pem"))
            raw = ctx.wrap_socket(raw, server_hostname="localhost")
        c = et.LineSocket.__new__(et.LineSocket)
        c.sock, c.buf, c.timeout = raw, b"", 30.0
        self.addCleanup(c.close)
        self.assertTrue(c.line().startswith(b"* OK"))
        return c

    def tagged(self, c, tag, timeout=None):
        while True:
            line = c.line(timeout)
            if line.startswith(tag + b" "):
                return line

    def start_fetch(self, tls):
        c = self.imap(tls, rcvbuf=32 * 1024)
        c.send('a LOGIN "%s" "%s"\r\n' % (et.DEMO_ADDRESS, self.password))
        self.assertRegex(self.tagged(c, b"a"), rb"^a OK")
        c.send("b SELECT INBOX\r\n")
        self.assertRegex(self.tagged(c, b"b"), rb"^b OK")
        c.send("c FETCH 1 BODY[]\r\n")
        return c

    def drain(self, c, timeout=60.0):
        """Everything until the server closes: (bytes, closed)."""
        data = c.buf
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            c.sock.settimeout(max(0.1, deadline - time.monotonic()))
            try:
                chunk = c.sock.recv(65536)
            except (ConnectionResetError, ssl.SSLError):
                return data, True
            except socket.timeout:
                break
            if not chunk:
                return data, True
            data += chunk
        return data, False

    def steady_reader(self, tls, pause=0.025, slow_for=None):
        """Reads the FETCH 16 KiB every `pause` seconds (0.025: about
        600 KiB/s, the whole FETCH takes several write timeouts); after
        `slow_for` seconds, as fast as it comes."""
        c = self.start_fetch(tls)
        t0 = time.monotonic()
        data = c.buf
        while not re.search(rb"\r\nc (OK|NO|BAD)[^\r\n]*\r\n$", data[-200:]):
            c.sock.settimeout(30)
            chunk = c.sock.recv(16384)
            self.assertTrue(chunk, "closed after %d bytes (%.1f s)" % (len(data), time.monotonic() - t0))
            data += chunk
            if slow_for is None or time.monotonic() - t0 < slow_for:
                time.sleep(pause)
        took = time.monotonic() - t0
        self.assertRegex(data[-200:], rb"\r\nc OK")
        self.assertGreater(len(data), self.size)
        self.assertGreater(took, 2 * WRITE_TIMEOUT, "the reader was not slow enough to test anything")

    def stalled_reader(self, tls):
        c = self.start_fetch(tls)
        # The reader stops: the server gives up after the write timeout
        # (and, on TLS, a few seconds for its close_notify), not 2 minutes.
        time.sleep(WRITE_TIMEOUT + (8 if tls else 5))
        data, closed = self.drain(c)
        self.assertTrue(closed, "still open")
        self.assertLess(len(data), self.size, "the whole FETCH was still sent")
        self.assertNotRegex(data[-200:], rb"\r\nc OK")
        # Others are served meanwhile and after.
        d = self.imap()
        d.send('a LOGIN "%s" "%s"\r\n' % (et.DEMO_ADDRESS, self.password))
        self.assertRegex(self.tagged(d, b"a"), rb"^a OK")

    def test_slow_steady_reader_gets_a_big_fetch(self):
        self.steady_reader(tls=False)

    def test_slow_steady_reader_gets_a_big_fetch_over_tls(self):
        self.steady_reader(tls=True)

    def test_slower_steady_reader_past_the_kernels_writable_mark(self):
        # About 160 KiB/s for 8 s: the server's send queue (autotuned to
        # MiBs on loopback) drains so slowly that the kernel calls the
        # socket writable again only seconds later, longer than the write
        # timeout; the bytes the reader takes meanwhile are progress.
        # Before: cut off after ~4 s although the reader never stopped.
        self.steady_reader(tls=False, pause=0.1, slow_for=8)

    def test_reader_that_stops_is_cut_off(self):
        self.stalled_reader(tls=False)

    def test_reader_that_stops_is_cut_off_over_tls(self):
        self.stalled_reader(tls=True)


if __name__ == "__main__":
    unittest.main()
