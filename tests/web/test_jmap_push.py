"""JMAP push against the real binary:

- EventSource (RFC 8620 §7.3) with http.client: a StateChange arrives
  after a change made over JMAP, over IMAP (imaplib APPEND) and by SMTP
  delivery (smtplib to the MX), each within a second here (the aim is
  100 ms; the time is printed); closeafter=state ends the stream after
  one; a reconnect with an old Last-Event-ID hears of the change at once;
  revoking the device password ends the stream; the stream is listed in
  the account's session list and ending it there ends it; the streams of a
  web login (cookie, API token) end when its access to the address is
  revoked or the address's mail service is locked, and the locked service's
  address leaves its JMAP session until unlocked;
- WebSocket (RFC 8887) with Debian's websocket-client (tests/web/ws_client.py,
  run by the system Python): a Request answered with its requestId, push
  enabled, a StateChange after an IMAP APPEND; after a revocation or a
  lock, a Request gets no answer: the socket is closed."""

import base64
import http.client
import imaplib
import json
import os
import re
import socket
import smtplib
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cli"))
import estafeta_test as et  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SYSTEM_PYTHON = "/usr/bin/python3"  # Debian's, with python3-websocket
BOB = ("bob@demo.example", "bob's long password")
CORE = "urn:ietf:params:jmap:core"
MAIL = "urn:ietf:params:jmap:mail"


class EventStream:
    """An EventSource connection read event by event, with deadlines."""

    def __init__(self, port, headers, query="types=*&closeafter=no&ping=0"):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        self.conn.request("GET", "/jmap/eventsource?" + query, headers=headers)
        self.resp = self.conn.getresponse()
        # The response keeps the socket (the connection lets go of it: Connection: close).
        self.sock = self.resp.fp.raw._sock

    def readline(self, deadline):
        """The next line, or None at the deadline; b"" at the end of the stream."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None
        self.sock.settimeout(remaining)
        try:
            return self.resp.fp.readline()
        except (socket.timeout, TimeoutError):
            return None

    def next_event(self, timeout=5.0):
        """(event name, data) of the next event, or None at the deadline or the end."""
        deadline = time.monotonic() + timeout
        name, data = None, []
        while True:
            line = self.readline(deadline)
            if not line:
                return None
            line = line.decode().rstrip("\n")
            if line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].strip())
            elif line == "" and name:
                return name, json.loads("\n".join(data)) if data else None

    def ended(self, timeout=5.0):
        """Whether the server closes the stream within `timeout` (events before that are skipped)."""
        deadline = time.monotonic() + timeout
        while True:
            line = self.readline(deadline)
            if line is None:
                return False
            if line == b"":
                return True

    def close(self):
        self.conn.close()


class PushTest(et.DemoTestCase):
    def setUp(self):
        super().setUp()
        self.password = re.search(r"device password\s+(\S+)", self.quickstart_output).group(1)
        self.http, self.imap, self.smtp = et.free_port(), et.free_port(), et.free_port()
        with open(self.config, "w") as f:
            f.write('data_dir = "."\nhostname = "mail.demo.example"\n'
                    '[[listener]]\nprotocol = "http"\naddress = "127.0.0.1:%d"\n'
                    '[[listener]]\nprotocol = "imap"\naddress = "127.0.0.1:%d"\nplaintext_auth = true\n'
                    '[[listener]]\nprotocol = "smtp"\naddress = "127.0.0.1:%d"\n'
                    % (self.http, self.imap, self.smtp))
        self.server = et.Server(self.config, os.path.join(self.dir, "serve.log"))
        self.addCleanup(self.server.close)
        self.server.wait_http(self.http)
        token = base64.b64encode(("%s:%s" % (et.DEMO_ADDRESS, self.password)).encode()).decode()
        self.auth = {"Authorization": "Basic " + token}
        session = self.api_get("/jmap/session")
        self.account = session["primaryAccounts"][MAIL]

    def api_get(self, path):
        req = urllib.request.Request("http://127.0.0.1:%d%s" % (self.http, path), headers=self.auth)
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read())

    def jmap(self, name, args, using=(CORE, MAIL)):
        args = dict(args, accountId=self.account)
        body = json.dumps({"using": list(using), "methodCalls": [[name, args, "c"]]}).encode()
        req = urllib.request.Request("http://127.0.0.1:%d/jmap/api" % self.http, data=body, method="POST",
                                     headers=dict(self.auth, **{"Content-Type": "application/json"}))
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read())["methodResponses"][0][1]

    def stream(self, query="types=*&closeafter=no&ping=0", headers=None, auth=None):
        s = EventStream(self.http, dict(self.auth if auth is None else auth, **(headers or {})), query)
        self.addCleanup(s.close)
        self.assertEqual(s.resp.status, 200)
        self.assertEqual(s.resp.getheader("Content-Type"), "text/event-stream")
        return s

    def post(self, path, payload, headers):
        req = urllib.request.Request("http://127.0.0.1:%d%s" % (self.http, path), data=json.dumps(payload).encode(),
                                     method="POST", headers=dict(headers, **{"Content-Type": "application/json"}))
        with urllib.request.urlopen(req, timeout=20) as r:
            return r.headers, json.loads(r.read())

    def web_user(self):
        """Bob, with access to the demo address: his web session's headers, and an API token's."""
        self.create_user(BOB[0], password=BOB[1], name="Bob")
        self.admin_json("access", "grant", et.DEMO_ADDRESS, BOB[0])
        headers, body = self.post("/api/v1/session", {"login": BOB[0], "password": BOB[1]}, {})
        # A cookie's POST carries the session's CSRF token.
        cookie = {"Cookie": headers["Set-Cookie"].split(";")[0], "X-CSRF-Token": body["csrf_token"]}
        _, token = self.post("/api/v1/me/tokens", {"label": "push"}, cookie)
        return cookie, {"Authorization": "Bearer " + token["token"]}

    def accounts_of(self, auth):
        req = urllib.request.Request("http://127.0.0.1:%d/jmap/session" % self.http, headers=auth)
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read())["accounts"]

    def query_as(self, auth):
        """The method response to Email/query in the demo address's account, as `auth`."""
        _, body = self.post("/jmap/api", {"using": [CORE, MAIL],
                                          "methodCalls": [["Email/query", {"accountId": self.account}, "c"]]}, auth)
        return body["methodResponses"][0]

    def websocket(self, auth, *mode):
        """ws_client.py (in `mode`, e.g. --after-go-refused), once it has been answered and is waiting for "go"."""
        if not os.path.exists(SYSTEM_PYTHON):
            self.fail("Debian's python3 is needed (scripts/setup.sh installs python3-websocket)")
        proc = subprocess.Popen([SYSTEM_PYTHON, os.path.join(HERE, "ws_client.py"), *mode,
                                 "ws://127.0.0.1:%d/jmap/ws" % self.http, auth["Authorization"], self.account],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.addCleanup(proc.kill)
        ready = proc.stdout.readline().decode().strip()
        self.assertEqual(ready, "ready", proc.stderr.read().decode() if not ready else ready)
        return proc

    def assert_refused_over_websocket(self, proc, what):
        out, err = proc.communicate(b"go\n", timeout=20)
        self.assertEqual(out.decode().split(), ["closed"], what + ": " + out.decode() + err.decode())
        self.assertEqual(proc.returncode, 0, err.decode())

    def test_revoked_access_ends_a_web_logins_streams(self):
        cookie, token = self.web_user()
        self.assertIn(self.account, self.accounts_of(cookie))
        s = self.stream(auth=cookie)
        ws = self.websocket(token, "--after-go-refused")
        self.admin_json("access", "revoke", et.DEMO_ADDRESS, BOB[0])
        # Bob is still logged in, with no access to the address any more.
        self.assertTrue(s.ended(5.0), "the EventSource of a web session ends when its access is revoked")
        self.assert_refused_over_websocket(ws, "a request over a WebSocket after the revocation")
        self.assertNotIn(self.account, self.accounts_of(cookie))
        self.assertEqual(self.query_as(token)[1]["type"], "accountNotFound")

    def test_locked_service_is_closed_to_web_logins(self):
        cookie, token = self.web_user()
        s = self.stream(auth=cookie)
        ws = self.websocket(token, "--after-go-refused")
        self.assertEqual(self.query_as(cookie)[0], "Email/query")
        self.admin_json("service", "lock", et.DEMO_SERVICE)
        self.assertTrue(s.ended(5.0), "the EventSource of a web session ends when the service is locked")
        self.assert_refused_over_websocket(ws, "a request over a WebSocket after the lock")
        for auth in (cookie, token):
            self.assertNotIn(self.account, self.accounts_of(auth))
            self.assertEqual(self.query_as(auth)[1]["type"], "accountNotFound")
        self.admin_json("service", "unlock", et.DEMO_SERVICE)
        self.assertIn(self.account, self.accounts_of(cookie))
        self.assertEqual(self.query_as(token)[0], "Email/query")

    def imap_append(self, subject):
        m = imaplib.IMAP4("127.0.0.1", self.imap, timeout=10)
        m.login(et.DEMO_ADDRESS, self.password)
        m.append("INBOX", None, None, b"From: a@example.org\r\nSubject: %s\r\n\r\nx\r\n" % subject.encode())
        m.logout()

    def assert_state_change(self, s, started, what):
        event = s.next_event(5.0)
        took = time.monotonic() - started
        self.assertIsNotNone(event, what)
        name, data = event
        self.assertEqual(name, "state", what)
        self.assertEqual(data["@type"], "StateChange")
        self.assertIn(self.account, data["changed"])
        self.assertIn("Email", data["changed"][self.account])
        self.assertLess(took, 1.0, what)
        print("%s: StateChange after %.0f ms" % (what, took * 1000))
        return data

    def test_state_changes_from_every_source(self):
        s = self.stream()
        t0 = time.monotonic()
        inbox = [m["id"] for m in self.jmap("Mailbox/get", {})["list"] if m["role"] == "inbox"][0]
        self.jmap("Mailbox/set", {"create": {"n": {"name": "Nueva"}}})
        self.assert_state_change(s, t0, "JMAP")
        t0 = time.monotonic()
        self.imap_append("by IMAP")
        self.assert_state_change(s, t0, "IMAP")
        t0 = time.monotonic()
        with smtplib.SMTP("127.0.0.1", self.smtp, timeout=10) as c:
            c.sendmail("someone@example.org", [et.DEMO_ADDRESS],
                       b"From: someone@example.org\r\nSubject: by SMTP\r\n\r\nhi\r\n")
        self.assert_state_change(s, t0, "SMTP")
        self.assertTrue(inbox)

    def test_email_delivery_and_vacation_response_are_pushed(self):
        """RFC 8621 §1.5: EmailDelivery changes when new mail arrives, not
        when an Email changes; VacationResponse is pushed like the others."""
        s = self.stream("types=EmailDelivery&closeafter=no&ping=0")
        some = self.jmap("Email/query", {})["ids"]
        self.jmap("Mailbox/set", {"create": {"n": {"name": "Not mail"}}})
        if some:
            self.jmap("Email/set", {"update": {some[0]: {"keywords/$flagged": True}}})
        self.assertIsNone(s.next_event(1.5), "no EmailDelivery for a change that is no delivery")
        s = self.stream("types=EmailDelivery&closeafter=no&ping=0")  # a stream that timed out cannot be read again
        t0 = time.monotonic()
        with smtplib.SMTP("127.0.0.1", self.smtp, timeout=10) as c:
            c.sendmail("someone@example.org", [et.DEMO_ADDRESS],
                       b"From: someone@example.org\r\nSubject: delivered\r\n\r\nhi\r\n")
        event = s.next_event(5.0)
        self.assertIsNotNone(event, "EmailDelivery after a delivery")
        self.assertEqual(set(event[1]["changed"][self.account]), {"EmailDelivery"})
        self.assertLess(time.monotonic() - t0, 5.0)
        v = self.stream("types=VacationResponse&closeafter=no&ping=0")
        self.jmap("VacationResponse/set", {"update": {"singleton": {"isEnabled": True, "textBody": "away"}}},
                  using=(CORE, "urn:ietf:params:jmap:vacationresponse"))
        event = v.next_event(5.0)
        self.assertIsNotNone(event, "VacationResponse after its change")
        self.assertEqual(set(event[1]["changed"][self.account]), {"VacationResponse"})

    def test_closeafter_and_last_event_id(self):
        s = self.stream("types=Email&closeafter=state&ping=0")
        t0 = time.monotonic()
        self.imap_append("one")
        data = self.assert_state_change(s, t0, "closeafter")
        self.assertEqual(set(data["changed"][self.account]), {"Email"})
        self.assertTrue(s.ended(5.0), "closeafter=state ends the stream")
        # Reconnecting with an id of an older state: told at once.
        again = self.stream(headers={"Last-Event-ID": "a1:1"})
        self.assertEqual(again.next_event(2.0)[0], "state")
        # A ping when asked for.
        pinged = self.stream("types=*&closeafter=no&ping=1")
        name, data = pinged.next_event(3.0)
        self.assertEqual((name, data), ("ping", {"interval": 1}))

    def test_revoked_device_ends_the_stream(self):
        s = self.stream()
        devices = self.devices(et.DEMO_ADDRESS)
        self.admin_json("device-password", "revoke", str(devices[0]["id"]))
        self.assertTrue(s.ended(5.0), "the stream of a revoked device ends")

    def test_websocket_requests_and_push(self):
        proc = self.websocket(self.auth)
        self.imap_append("over the socket")
        out, err = proc.communicate(b"go\n", timeout=20)
        self.assertEqual(proc.returncode, 0, err.decode())
        lines = out.decode().splitlines()
        self.assertIn("statechange", lines, out.decode() + err.decode())

    def test_a_websocket_client_that_reads_nothing_is_cut_off(self):
        # Requests whose answers are never read: the server does not hold
        # them without end; a write the client stalls ends the connection
        # (30 s), and the server goes on serving others.
        proc = self.websocket(self.auth, "--flood")
        out, err = proc.communicate(b"go\n", timeout=150)
        words = out.decode().split()
        self.assertEqual(words[:1], ["closed"], out.decode() + err.decode())
        self.assertGreaterEqual(int(words[1]), 2, "answers were asked for")
        self.assertGreaterEqual(float(words[2]), 25, "cut off by the write deadline (30 s), not for another reason")
        self.assertLess(float(words[2]), 90, "cut off at the write deadline, not later")
        self.assertEqual(self.api_get("/jmap/session")["primaryAccounts"][MAIL], self.account)

    def test_stream_is_in_the_session_list_and_ends_from_there(self):
        s = self.stream()
        # The quickstart's admin owns the device password the stream uses.
        password = re.search(r"console/web login\s+\S+\s+password\s+(\S+)", self.quickstart_output).group(1)
        body = json.dumps({"login": "admin@demo.example", "password": password}).encode()
        req = urllib.request.Request("http://127.0.0.1:%d/api/v1/session" % self.http, data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=20) as r:
            cookie = r.headers["Set-Cookie"].split(";")[0]
            csrf = json.loads(r.read())["csrf_token"]
        req = urllib.request.Request("http://127.0.0.1:%d/api/v1/me/sessions" % self.http, headers={"Cookie": cookie})
        with urllib.request.urlopen(req, timeout=10) as r:
            connections = json.loads(r.read())["connections"]
        streams = [c for c in connections if c["kind"] == "jmap-eventsource"]
        self.assertEqual(len(streams), 1, connections)
        self.assertEqual(streams[0]["address"], et.DEMO_ADDRESS)
        req = urllib.request.Request("http://127.0.0.1:%d/api/v1/me/connections/%d" % (self.http, streams[0]["id"]),
                                     method="DELETE", headers={"Cookie": cookie, "X-CSRF-Token": csrf})
        with urllib.request.urlopen(req, timeout=10) as r:
            self.assertEqual(r.status, 204)
        self.assertTrue(s.ended(5.0), "ended from the session list")
