"""`estafeta serve`: listeners, the HTTP endpoint, the self-signed
certificate and graceful shutdown, through the real binary on 127.0.0.1.
"""

import hashlib
import json
import os
import signal
import socket
import ssl
import shutil
import stat
import subprocess
import tempfile
import unittest

from estafeta_test import (EXIT_FAILED, EXIT_OK, TMP_ROOT, EstafetaTestCase, Server, free_port, make_tmpdir, run)

TIMEOUT = 5  # seconds for any one exchange


def write_config(folder, http, https, imap):
    path = os.path.join(folder, "estafeta.toml")
    with open(path, "w", encoding="utf-8") as f:
        f.write(f"""data_dir = "."
hostname = "localhost"

[log]
level = "info"

[[listener]]
protocol = "http"
address = "127.0.0.1:{http}"

[[listener]]
protocol = "https"
address = "127.0.0.1:{https}"

[[listener]]
protocol = "imap"
address = "127.0.0.1:{imap}"
plaintext_auth = true
""")
    return path


def read_response(sock):
    """Reads one HTTP/1.1 response (Content-Length framed) from `sock`.
    Returns (status, headers with lower-case names, body bytes)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("connection closed before the response header: %r" % data)
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    version, status = lines[0].split(" ")[:2]
    assert version == "HTTP/1.1", lines[0]
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
    return int(status), headers, body


def exchange(sock, request):
    sock.sendall(request)
    return read_response(sock)


def get(path, method="GET"):
    return ("%s %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n" % (method, path)).encode()


def tls_context(cafile):
    ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=cafile)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    return ctx


class ServeTestCase(EstafetaTestCase):
    def make_server_folder(self):
        self.dir = make_tmpdir(self)
        self.http, self.https, self.imap = free_port(), free_port(), free_port()
        self.config = write_config(self.dir, self.http, self.https, self.imap)
        self.cert = os.path.join(self.dir, "tls", "cert.pem")

    def start(self, log_name="serve.log"):
        server = Server(self.config, os.path.join(self.dir, log_name))
        self.addCleanup(server.close)
        server.wait_http(self.http)
        return server

    def https_fingerprint(self, server_hostname="localhost"):
        """SHA-256 of the certificate the https listener presents, verified against the cert file."""
        with socket.create_connection(("127.0.0.1", self.https), timeout=TIMEOUT) as raw:
            with tls_context(self.cert).wrap_socket(raw, server_hostname=server_hostname) as s:
                return hashlib.sha256(s.getpeercert(binary_form=True)).hexdigest()

    def file_fingerprint(self):
        with open(self.cert, encoding="ascii") as f:
            return hashlib.sha256(ssl.PEM_cert_to_DER_cert(f.read())).hexdigest()


class RequestTest(ServeTestCase):
    """One server for all the request tests: nothing here changes its state."""

    @classmethod
    def setUpClass(cls):
        if TMP_ROOT:
            os.makedirs(TMP_ROOT, exist_ok=True)
        cls.dir = tempfile.mkdtemp(prefix="estafeta-serve-", dir=TMP_ROOT)
        cls.addClassCleanup(shutil.rmtree, cls.dir, ignore_errors=True)
        cls.http, cls.https, cls.imap = free_port(), free_port(), free_port()
        cls.config = write_config(cls.dir, cls.http, cls.https, cls.imap)
        cls.cert = os.path.join(cls.dir, "tls", "cert.pem")
        cls.server = Server(cls.config, os.path.join(cls.dir, "serve.log"))
        cls.addClassCleanup(cls.server.close)
        cls.server.wait_http(cls.http)

    def setUp(self):
        self.assertIsNone(self.server.proc.poll(), "the server died:\n" + self.server.log())

    def http_conn(self):
        s = socket.create_connection(("127.0.0.1", self.http), timeout=TIMEOUT)
        self.addCleanup(s.close)
        return s

    def https_conn(self):
        raw = socket.create_connection(("127.0.0.1", self.https), timeout=TIMEOUT)
        s = tls_context(self.cert).wrap_socket(raw, server_hostname="localhost")
        self.addCleanup(s.close)
        return s

    def check_healthz(self, status, headers, body):
        self.assertEqual(status, 200, body)
        self.assertEqual(headers.get("content-type"), "application/json")
        self.assertEqual(headers.get("server"), "Estafeta")
        self.assertEqual(json.loads(body), {"status": "ok", "hostname": "localhost"})

    def test_listeners_announced(self):
        log = self.server.log()
        self.assertIn("event=listener.ready protocol=http address=127.0.0.1:%d" % self.http, log)
        self.assertIn("event=listener.ready protocol=https address=127.0.0.1:%d" % self.https, log)
        self.assertIn("event=serve.started", log)

    def test_healthz_http(self):
        self.check_healthz(*exchange(self.http_conn(), get("/healthz")))

    def test_healthz_with_query(self):
        self.check_healthz(*exchange(self.http_conn(), get("/healthz?probe=1")))

    def test_healthz_head(self):
        status, headers, body = exchange(self.http_conn(), get("/healthz", "HEAD"))
        self.assertEqual(status, 200)
        self.assertEqual(body, b"")

    def test_healthz_https(self):
        s = self.https_conn()
        self.assertIn(s.version(), ("TLSv1.2", "TLSv1.3"))
        self.check_healthz(*exchange(s, get("/healthz")))

    def test_https_certificate_is_the_file(self):
        self.assertTrue(os.path.isfile(self.cert))
        self.assertEqual(self.https_fingerprint(), self.file_fingerprint())

    def test_https_certificate_is_not_for_other_names(self):
        with self.assertRaises(ssl.SSLCertVerificationError):
            self.https_fingerprint(server_hostname="mail.example.org")

    def test_healthz_wrong_method(self):
        status, headers, body = exchange(self.http_conn(), get("/healthz", "POST"))
        self.assertEqual(status, 405)
        self.assertEqual(headers.get("allow"), "GET, HEAD")

    def test_unknown_path(self):
        for conn in (self.http_conn(), self.https_conn()):
            # A name with an extension is a file, which is not there; a
            # path without one is a page of the web app (its index.html).
            status, headers, body = exchange(conn, get("/no/such/file.txt"))
            self.assertEqual(status, 404)
            self.assertEqual(body, b"not found\n")

    def test_keep_alive(self):
        s = self.http_conn()
        for _ in range(3):
            status, headers, body = exchange(s, b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
            self.assertEqual(status, 200)

    def send_ignoring_reset(self, sock, data):
        """Sends what the server still reads: it may answer and close first."""
        try:
            for i in range(0, len(data), 65536):
                sock.sendall(data[i:i + 65536])
        except (BrokenPipeError, ConnectionResetError):
            pass

    def test_body_too_large(self):
        body = b"x" * (1536 * 1024)
        s = self.http_conn()
        s.sendall(b"POST /healthz HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/plain\r\n"
                  b"Content-Length: %d\r\n\r\n" % len(body))
        self.send_ignoring_reset(s, body)
        status, headers, text = read_response(s)
        self.assertEqual(status, 413, text)
        self.assertEqual(headers.get("connection"), "close")

    def test_chunked_body_too_large(self):
        chunk = b"x" * 65536
        body = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(24)) + b"0\r\n\r\n"  # 1.5 MB
        s = self.http_conn()
        s.sendall(b"POST /nowhere HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n")
        self.send_ignoring_reset(s, body)
        status, headers, text = read_response(s)
        self.assertEqual(status, 413, text)

    def test_body_under_the_limit_is_read(self):
        # No route takes a body yet: 16 KiB is the limit where none declares one.
        body = b"x" * (16 * 1024)
        s = self.http_conn()
        s.sendall(b"POST /nowhere HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
                  b"Content-Length: %d\r\n\r\n" % len(body) + body)
        status, headers, text = read_response(s)
        self.assertEqual(status, 404, text)
        s = self.http_conn()
        s.sendall(b"POST /nowhere HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
                  b"Content-Length: %d\r\n\r\n" % (len(body) + 1) + body + b"x")
        status, headers, text = read_response(s)
        self.assertEqual(status, 413, text)

    def test_garbage(self):
        s = self.http_conn()
        s.sendall(b"\x00\x01\x02\xff\xfe garbage \x7f\r\n\r\n")
        status, headers, body = read_response(s)
        self.assertEqual(status, 400)
        self.assertEqual(headers.get("connection"), "close")
        # The server closes the connection after a 400.
        self.assertEqual(s.recv(1), b"")

    def test_garbage_on_https(self):
        s = self.https_conn()
        s.sendall(b"NOT HTTP AT ALL\x00\r\n\r\n")
        status, headers, body = read_response(s)
        self.assertEqual(status, 400)

    def test_plaintext_to_the_https_port(self):
        with socket.create_connection(("127.0.0.1", self.https), timeout=TIMEOUT) as s:
            s.sendall(get("/healthz"))
            try:
                data = s.recv(65536)
            except ConnectionResetError:
                data = b""
            self.assertFalse(data.startswith(b"HTTP/1.1 200"), data)
        # And the server is still fine.
        self.check_healthz(*exchange(self.https_conn(), get("/healthz")))

    def test_many_connections(self):
        conns = [self.http_conn() for _ in range(20)]
        for c in conns:
            c.sendall(get("/healthz"))
        for c in conns:
            self.assertEqual(read_response(c)[0], 200)


class WebDirTest(ServeTestCase):
    """`serve --web-dir`: the web app from a folder, as a development build
    is served, with the page's headers; nothing outside the folder."""

    def test_a_folder_is_served_as_the_app(self):
        self.make_server_folder()
        app = os.path.join(self.dir, "app")
        os.makedirs(os.path.join(app, "assets"))
        with open(os.path.join(app, "index.html"), "w") as f:
            f.write("<!doctype html><title>dev build</title>")
        with open(os.path.join(app, "assets", "main-abc123.js"), "w") as f:
            f.write("export const dev = true;")
        with open(os.path.join(self.dir, "estafeta.db.copy"), "w") as f:
            f.write("private")
        server = Server(self.config, os.path.join(self.dir, "serve.log"), ["--web-dir", app])
        self.addCleanup(server.close)
        server.wait_http(self.http)

        def fetch(path, extra=b""):
            with socket.create_connection(("127.0.0.1", self.http), timeout=TIMEOUT) as s:
                s.sendall(("GET %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n" % path).encode()
                          + extra + b"\r\n")
                return read_response(s)

        status, headers, body = fetch("/mail/inbox")
        self.assertEqual(status, 200)
        self.assertEqual(body, b"<!doctype html><title>dev build</title>")
        self.assertIn("script-src 'self';", headers["content-security-policy"])
        self.assertIn("frame-ancestors 'none'", headers["content-security-policy"])
        self.assertEqual(headers["referrer-policy"], "no-referrer")
        self.assertEqual(headers["cache-control"], "no-cache")
        status, headers, body = fetch("/", b"If-None-Match: " + headers["etag"].encode() + b"\r\n")
        self.assertEqual(status, 304)
        status, headers, body = fetch("/assets/main-abc123.js")
        self.assertEqual((status, body), (200, b"export const dev = true;"))
        self.assertEqual(headers["content-type"], "text/javascript; charset=utf-8")
        self.assertIn("immutable", headers["cache-control"])
        for path in ("/../estafeta.db.copy", "/assets/../../estafeta.db.copy", "/%2e%2e/estafeta.db.copy"):
            status, headers, body = fetch(path)
            self.assertNotIn(b"private", body, path)
        # The API and health routes stay theirs.
        status, headers, body = fetch("/healthz")
        self.assertEqual(json.loads(body)["status"], "ok")

    def test_a_missing_folder_is_a_usage_error(self):
        self.make_server_folder()
        r = run("serve", "--config", self.config, "--web-dir", os.path.join(self.dir, "absent"), timeout=5)
        self.assertUsage(r, "absent")


class LifecycleTest(ServeTestCase):
    def setUp(self):
        self.make_server_folder()

    def test_certificate_made_once_then_reused(self):
        self.assertFalse(os.path.exists(self.cert))
        first = self.start("first.log")
        self.assertTrue(os.path.isfile(self.cert))
        key = os.path.join(self.dir, "tls", "key.pem")
        self.assertEqual(stat.S_IMODE(os.stat(key).st_mode) & 0o077, 0, "the private key is readable by others")
        with open(self.cert, "rb") as f:
            pem = f.read()
        fingerprint = self.https_fingerprint()
        self.assertEqual(fingerprint, self.file_fingerprint())
        self.assertIn("tls.self_signed_created", first.log())
        self.assertEqual(first.stop(), EXIT_OK, first.log())

        second = self.start("second.log")
        with open(self.cert, "rb") as f:
            self.assertEqual(f.read(), pem, "the certificate file was rewritten")
        self.assertEqual(self.https_fingerprint(), fingerprint)
        self.assertNotIn("tls.self_signed_created", second.log())
        self.assertEqual(second.stop(), EXIT_OK, second.log())

    def test_sigterm_stops_cleanly(self):
        server = self.start()
        # An idle keep-alive session must not hold the shutdown up.
        idle = socket.create_connection(("127.0.0.1", self.http), timeout=TIMEOUT)
        self.addCleanup(idle.close)
        self.assertEqual(exchange(idle, b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")[0], 200)

        self.assertEqual(server.stop(timeout=5), EXIT_OK, "no clean exit within 5 s:\n" + server.log())
        log = server.log()
        self.assertIn("event=serve.stopping signal=%d" % signal.SIGTERM, log)
        self.assertIn("event=serve.stopped", log)
        self.assertNotIn("serve.sessions_abandoned", log)
        with self.assertRaises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", self.http), timeout=TIMEOUT).close()

    def test_sigint_stops_cleanly(self):
        server = self.start()
        server.proc.send_signal(signal.SIGINT)
        try:
            code = server.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            code = None
        self.assertEqual(code, EXIT_OK, server.log())
        self.assertIn("event=serve.stopping signal=%d" % signal.SIGINT, server.log())
        self.assertIn("event=serve.stopped", server.log())

    def test_port_in_use(self):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
            busy.bind(("127.0.0.1", self.https))
            busy.listen()
            r = run("serve", "--config", self.config, timeout=5)
        self.assertExit(r, EXIT_FAILED)
        self.assertIn("127.0.0.1:%d" % self.https, r.err)
        self.assertIn("https", r.err)


if __name__ == "__main__":
    unittest.main()
