"""Shared helpers for the command-line tests: they drive the real binary.

Environment:
  ESTAFETA_BIN       the binary under test (default /work/main/build/estafeta)
  ESTAFETA_TEST_TMP  where temporary data folders go (default: the system's)

Exit codes the binary promises (src/cli/commands.hpp): 0 done, 1 refused or
failed (the message says why), 2 bad usage or a bad config file.
"""

import atexit
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest

BIN = os.environ.get("ESTAFETA_BIN", "/work/main/build/estafeta")
TMP_ROOT = os.environ.get("ESTAFETA_TEST_TMP") or None

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2

# What `estafeta quickstart` creates on first run.
DEMO_ORG = "Demo"
DEMO_ADMIN = "admin@demo.example"
DEMO_SERVICE = "demo-mail"
DEMO_DOMAIN = "demo.example"
DEMO_ADDRESS = "hello@demo.example"

# A process may not take longer than this (a hang is a failure, not a stall).
COMMAND_TIMEOUT = 30


def child_env():
    """The environment for the binary: no debug detail, so messages are what
    an operator sees."""
    env = dict(os.environ)
    env.pop("ESTAFETA_DEBUG", None)
    return env


class Result:
    """A finished command: exit code and both outputs as text."""

    def __init__(self, args, code, out, err):
        self.args, self.code = args, code
        self.out_bytes, self.err_bytes = out, err
        # Invalid UTF-8 is shown, not fatal: a test may assert on it.
        self.out = out.decode("utf-8", errors="replace")
        self.err = err.decode("utf-8", errors="replace")

    def __repr__(self):
        return "estafeta %s -> exit %s\n--- stdout\n%s--- stderr\n%s" % (
            " ".join(self.args), self.code, self.out, self.err)

    def json(self):
        return json.loads(self.out)


def run(*args, input=None, cwd=None, timeout=COMMAND_TIMEOUT):
    """Runs the binary with `args`; stdin is `input` (text) or empty. A
    command still running after `timeout` seconds is killed and reported
    with code None (so a `serve` that should have refused to start fails
    the test instead of hanging it)."""
    try:
        p = subprocess.run([BIN, *args], input=(input or "").encode(), capture_output=True, cwd=cwd,
                           env=child_env(), timeout=timeout)
    except subprocess.TimeoutExpired as e:
        return Result(list(args), None, e.stdout or b"", (e.stderr or b"") + b"\n[killed after %g s]\n" % timeout)
    return Result(list(args), p.returncode, p.stdout, p.stderr)


def make_tmpdir(test):
    """A fresh folder removed when `test` (a TestCase) ends."""
    if TMP_ROOT:
        os.makedirs(TMP_ROOT, exist_ok=True)
    path = tempfile.mkdtemp(prefix="estafeta-cli-", dir=TMP_ROOT)
    test.addCleanup(shutil.rmtree, path, ignore_errors=True)
    return path


_template = None  # (data folder, result) of the one `quickstart --no-serve` this process runs


def demo_data(dest):
    """Makes `dest` a copy of a demo data folder made by `quickstart --no-serve`
    (run once per process: it makes keys and a certificate, most of a test's
    set-up time under the sanitizers). Returns quickstart's result."""
    global _template
    if _template is None:
        if TMP_ROOT:
            os.makedirs(TMP_ROOT, exist_ok=True)
        folder = tempfile.mkdtemp(prefix="estafeta-template-", dir=TMP_ROOT)
        atexit.register(shutil.rmtree, folder, True)
        data = os.path.join(folder, "data")
        r = run("quickstart", "--dir", data, "--no-serve")
        if r.code != EXIT_OK or r.err:
            return r
        _template = (data, r)
    shutil.copytree(_template[0], dest, symlinks=True)
    return _template[1]


_handed_out = set()


def free_port():
    """A loopback port nobody listens on right now and that this process
    has not handed out before: the kernel may give the same ephemeral port
    to two binds in a row once the first socket is closed, and one config
    with two listeners on one port is refused."""
    for _ in range(1000):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in _handed_out:
            _handed_out.add(port)
            return port
    raise AssertionError("no unused loopback port after 1000 tries")


def error_lines(text):
    return [line for line in text.splitlines() if line.strip()]


class EstafetaTestCase(unittest.TestCase):
    """Assertions shared by every CLI test."""

    maxDiff = None

    def assertExit(self, result, code):
        self.assertEqual(result.code, code, repr(result))

    def assertOk(self, result):
        self.assertExit(result, EXIT_OK)
        self.assertEqual(result.err, "", repr(result))
        return result

    def assertOneErrorLine(self, result, *fragments):
        """stderr is exactly one line, starting "estafeta: ", containing every fragment."""
        lines = error_lines(result.err)
        self.assertEqual(len(lines), 1, repr(result))
        self.assertTrue(lines[0].startswith("estafeta: "), repr(result))
        for f in fragments:
            self.assertIn(f, lines[0], repr(result))
        return lines[0]

    def assertRefused(self, result, *fragments):
        """Exit 1 with one clear line on stderr and nothing on stdout."""
        self.assertExit(result, EXIT_FAILED)
        self.assertEqual(result.out, "", repr(result))
        return self.assertOneErrorLine(result, *fragments)

    def assertUsage(self, result, *fragments):
        """Exit 2 (bad usage or bad config), naming what is wrong."""
        self.assertExit(result, EXIT_USAGE)
        self.assertEqual(result.out, "", repr(result))
        for f in fragments:
            self.assertIn(f, result.err, repr(result))


class DemoTestCase(EstafetaTestCase):
    """Each test gets its own data folder made by `quickstart --no-serve`:
    org Demo, admin admin@demo.example, service demo-mail, domain
    demo.example, address hello@demo.example (the admin has access to it,
    with one device password labelled "quickstart")."""

    def setUp(self):
        self.dir = make_tmpdir(self)
        self.data = os.path.join(self.dir, "data")
        r = demo_data(self.data)
        self.assertOk(r)
        self.quickstart_output = r.out
        self.config = os.path.join(self.data, "estafeta.toml")
        self.assertTrue(os.path.isfile(self.config), repr(r))

    def admin(self, *args, input=None):
        return run("admin", "--config", self.config, *args, input=input)

    def admin_json(self, *args, input=None):
        """Runs an admin command with --json; it must succeed. Returns the parsed output."""
        r = self.admin("--json", *args, input=input)
        self.assertOk(r)
        return r.json()

    # State, as the --json list verbs report it.
    def org_names(self):
        return sorted(o["name"] for o in self.admin_json("org", "list"))

    def users(self, org=None):
        args = ["user", "list"] + (["--org", org] if org else [])
        return {u["login"]: u for u in self.admin_json(*args)}

    def services(self, org=None):
        args = ["service", "list"] + (["--org", org] if org else [])
        return {s["name"]: s for s in self.admin_json(*args)}

    def domains(self, service=None):
        args = ["domain", "list"] + (["--service", service] if service else [])
        return {d["name"]: d for d in self.admin_json(*args)}

    def addresses(self, org=None):
        args = ["address", "list"] + (["--org", org] if org else [])
        return {a["address"]: a for a in self.admin_json(*args)}

    def accesses(self, address):
        return {x["login"]: x for x in self.admin_json("access", "list", address)}

    def devices(self, address, login=None):
        args = ["device-password", "list", address] + (["--login", login] if login else [])
        return self.admin_json(*args)

    # Common set-ups.
    def create_user(self, login, org=DEMO_ORG, role=None, password=None, name="Test User"):
        args = ["user", "create", "--org", org, "--login", login, "--name", name]
        if role:
            args += ["--role", role]
        if password is not None:
            args.append("--password-stdin")
        return self.admin_json(*args, input=None if password is None else password + "\n")

    def create_org_with_address(self, org, service, domain, address, admin_login):
        """A second organisation with one admin, service, domain and address."""
        self.admin_json("org", "create", org)
        self.create_user(admin_login, org=org, role="admin")
        self.admin_json("service", "create", "--org", org, service)
        self.admin_json("domain", "add", "--service", service, domain)
        self.admin_json("address", "create", address)


class LineSocket:
    """CRLF lines over a socket (TLS when `context` is given), the base of the
    tests' raw protocol clients: exact lines, pipelining, malformed input —
    what client libraries hide."""

    def __init__(self, port, host="127.0.0.1", context=None, timeout=10.0, source=None):
        """`source`: the local address to connect from (loopback has all of
        127.0.0.0/8, so a test can be several clients)."""
        self.timeout = timeout
        self.sock = socket.create_connection((host, port), timeout=timeout,
                                             source_address=(source, 0) if source else None)
        if context:
            self.sock = context.wrap_socket(self.sock, server_hostname=host)
        self.buf = b""

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def send(self, data):
        self.sock.sendall(data if isinstance(data, bytes) else data.encode())

    def line(self, timeout=None):
        """One line without its CRLF. Raises TimeoutError at the deadline
        and EOFError when the server closed."""
        timeout = timeout or self.timeout
        deadline = time.monotonic() + timeout
        while b"\r\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no line within %.1f s (have %r)" % (timeout, self.buf[:200]))
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                raise TimeoutError("no line within %.1f s (have %r)" % (timeout, self.buf[:200]))
            if not chunk:
                raise EOFError("connection closed (have %r)" % self.buf[:200])
            self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\r\n")
        return line

    def closed(self, timeout=None):
        """True when the server closes the connection within `timeout`
        (what it still sends is kept in the buffer)."""
        deadline = time.monotonic() + (timeout or self.timeout)
        while time.monotonic() < deadline:
            self.sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                return False
            except (ConnectionResetError, BrokenPipeError):
                return True
            if not chunk:
                return True
            self.buf += chunk
        return False


class Server:
    """`estafeta serve` as a child process; its stderr (the log) goes to a file.

    Use as a context manager or call stop(); a server still running at the
    end is killed (this process only)."""

    def __init__(self, config, log_path, extra_args=()):
        self.config = config
        self.log_path = log_path
        self._log = open(log_path, "ab")
        self.proc = subprocess.Popen([BIN, "serve", "--config", config, *extra_args], stdin=subprocess.DEVNULL,
                                     stdout=self._log, stderr=self._log, env=child_env())

    def log(self):
        with open(self.log_path, "r", encoding="utf-8", errors="replace") as f:
            return f.read()

    def wait_http(self, port, timeout=10.0):
        """Waits until GET /healthz on 127.0.0.1:port answers; fails if the
        process exits first or the deadline passes."""
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("serve exited with %d before answering:\n%s" % (self.proc.returncode, self.log()))
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                    if s.recv(12).startswith(b"HTTP/1.1"):
                        # Read to the server's close, so that this probe is
                        # (nearly always) no longer counted against
                        # 127.0.0.1's connection limit when the test starts.
                        try:
                            while s.recv(4096):
                                pass
                        except OSError:
                            pass
                        return
            except OSError as e:
                last = e
            time.sleep(0.05)
        raise AssertionError("serve did not answer on port %d within %.0f s (%s):\n%s"
                             % (port, timeout, last, self.log()))

    def stop(self, timeout=5.0):
        """SIGTERM, then the exit code (None if it did not exit in time)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None
        finally:
            self.close()

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if not self._log.closed:
            self._log.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
