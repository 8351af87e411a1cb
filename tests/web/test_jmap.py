"""JMAP over real HTTP with Python's urllib, against the real binary, beside
real IMAP clients (imaplib, and a raw IDLE session):

- discovery: /.well-known/jmap redirects to the session resource, whose
  URLs follow the Host the client used; no credentials or wrong ones: 401
  with a Basic challenge;
- IMAP and JMAP on one mailbox: an IMAP APPEND is found by Email/query,
  a JMAP keyword shows in IMAP FETCH and reaches an IDLE session at once,
  an IMAP flag change and an expunge show in Email/changes;
- upload, an email created with the uploaded file attached, the part
  downloaded back byte for byte; another account's blob is not found;
- uploads and requests at once are bounded per user (maxConcurrentUpload,
  maxConcurrentRequests) before their bodies are read: 429, the slot back
  when one ends, a small request's connection kept; wrong credentials with
  a large body get the login's answer at once, counted once;
- "download all": the attachments as one zip (streamed, chunked), read
  back with Python's zipfile: names made unique, bytes and CRCs intact;
- a revoked device password is refused on the next request;
- concurrency: two JMAP writers and two IMAP writers set keywords on the
  same messages at once; no update is lost, both protocols agree, and the
  states each JMAP writer sees only grow."""

import base64
import imaplib
import json
import os
import re
import select
import socket
import threading
import sys
import time
import urllib.error
import urllib.request
import zipfile
import io

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cli"))
import estafeta_test as et  # noqa: E402

CORE = "urn:ietf:params:jmap:core"
MAIL = "urn:ietf:params:jmap:mail"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class JmapTest(et.DemoTestCase):
    def setUp(self):
        super().setUp()
        self.password = re.search(r"device password\s+(\S+)", self.quickstart_output).group(1)
        self.http, self.imap = et.free_port(), et.free_port()
        with open(self.config, "w") as f:
            f.write('data_dir = "."\nhostname = "mail.demo.example"\n'
                    '[[listener]]\nprotocol = "http"\naddress = "127.0.0.1:%d"\n'
                    '[[listener]]\nprotocol = "imap"\naddress = "127.0.0.1:%d"\nplaintext_auth = true\n'
                    % (self.http, self.imap))
        self.server = et.Server(self.config, os.path.join(self.dir, "serve.log"))
        self.addCleanup(self.server.close)
        self.server.wait_http(self.http)
        self.session = self.get_json("/jmap/session")
        self.account = self.session["primaryAccounts"][MAIL]

    def auth(self, password=None):
        token = base64.b64encode(("%s:%s" % (et.DEMO_ADDRESS, password or self.password)).encode()).decode()
        return {"Authorization": "Basic " + token}

    def request(self, method, path, body=None, headers=None, auth=True):
        """(status, headers, body bytes)."""
        h = dict(self.auth() if auth is True else (auth or {}))
        h.update(headers or {})
        req = urllib.request.Request("http://127.0.0.1:%d%s" % (self.http, path), data=body, method=method,
                                     headers=h)
        opener = urllib.request.build_opener(NoRedirect)
        try:
            with opener.open(req, timeout=20) as r:
                return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read()
        except urllib.error.HTTPError as e:
            return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read()

    def get_json(self, path):
        status, _, body = self.request("GET", path)
        self.assertEqual(status, 200, body)
        return json.loads(body)

    def jmap(self, *calls):
        """The method responses of one request."""
        body = json.dumps({"using": [CORE, MAIL], "methodCalls": [list(c) for c in calls]}).encode()
        status, headers, out = self.request("POST", "/jmap/api", body, {"Content-Type": "application/json"})
        self.assertEqual(status, 200, out)
        return json.loads(out)["methodResponses"]

    def call(self, name, args):
        args = dict(args)
        args.setdefault("accountId", self.account)
        r = self.jmap([name, args, "c"])[0]
        self.assertEqual(r[0], name, r)
        return r[1]

    def mailbox(self, role):
        for m in self.call("Mailbox/get", {})["list"]:
            if m["role"] == role:
                return m["id"]
        self.fail("no mailbox " + role)

    def imap_login(self):
        m = imaplib.IMAP4("127.0.0.1", self.imap, timeout=20)
        self.addCleanup(lambda: m.logout() if m.state != "LOGOUT" else None)
        m.login(et.DEMO_ADDRESS, self.password)
        return m

    def test_discovery_and_authentication(self):
        status, headers, _ = self.request("GET", "/.well-known/jmap", auth=False)
        self.assertEqual(status, 307)
        self.assertEqual(headers["location"], "/jmap/session")
        s = self.session
        self.assertEqual(s["apiUrl"], "http://127.0.0.1:%d/jmap/api" % self.http)
        self.assertIn(CORE, s["capabilities"])
        self.assertEqual(s["accounts"][self.account]["name"], et.DEMO_ADDRESS)
        self.assertEqual(s["capabilities"][CORE]["maxCallsInRequest"], 32)
        status, headers, body = self.request("GET", "/jmap/session", auth=False)
        self.assertEqual(status, 401)
        self.assertTrue(headers["www-authenticate"].startswith("Basic"))
        status, _, _ = self.request("GET", "/jmap/session", auth=self.auth("wrong password"))
        self.assertEqual(status, 401)
        # Not JSON: a request-level problem, as application/problem+json.
        status, headers, body = self.request("POST", "/jmap/api", b"{", {"Content-Type": "application/json"})
        self.assertEqual(status, 400)
        self.assertEqual(json.loads(body)["type"], "urn:ietf:params:jmap:error:notJSON")

    def test_imap_and_jmap_see_each_other(self):
        m = self.imap_login()
        before = self.call("Email/get", {"ids": []})["state"]
        msg = b"From: Ana <ana@example.org>\r\nSubject: from IMAP\r\nMessage-ID: <imap1@example.org>\r\n\r\nhello\r\n"
        self.assertEqual(m.append("INBOX", None, None, msg)[0], "OK")
        inbox = self.mailbox("inbox")
        found = self.call("Email/query", {"filter": {"inMailbox": inbox, "subject": "from IMAP"}})["ids"]
        self.assertEqual(len(found), 1)
        eid = found[0]
        changes = self.call("Email/changes", {"sinceState": before})
        self.assertEqual(changes["created"], [eid])

        # JMAP keyword → IMAP flag, and an IDLE session hears of it at once.
        idle = socket.create_connection(("127.0.0.1", self.imap), timeout=10)
        self.addCleanup(idle.close)
        f = idle.makefile("rb")
        f.readline()
        idle.sendall(b'a LOGIN "%s" "%s"\r\n' % (et.DEMO_ADDRESS.encode(), self.password.encode()))
        while not f.readline().startswith(b"a "):
            pass
        idle.sendall(b"b SELECT INBOX\r\n")
        while not f.readline().startswith(b"b "):
            pass
        idle.sendall(b"c IDLE\r\n")
        self.assertTrue(f.readline().startswith(b"+"))
        t0 = time.monotonic()
        r = self.call("Email/set", {"update": {eid: {"keywords/$flagged": True}}})
        self.assertIn(eid, r["updated"])
        line = f.readline()
        self.assertRegex(line, rb"^\* \d+ FETCH \(.*\\Flagged")
        self.assertLess(time.monotonic() - t0, 2.0)
        idle.sendall(b"DONE\r\n")

        m.select("INBOX")
        typ, data = m.fetch("1", "(FLAGS)")
        self.assertIn(b"\\Flagged", data[0])
        # IMAP flag change → Email/changes updated; then expunge → destroyed.
        state = self.call("Email/get", {"ids": []})["state"]
        m.store("1", "+FLAGS", "\\Seen")
        changes = self.call("Email/changes", {"sinceState": state})
        self.assertEqual(changes["updated"], [eid])
        got = self.call("Email/get", {"ids": [eid], "properties": ["keywords"]})["list"][0]
        self.assertEqual(got["keywords"], {"$seen": True, "$flagged": True})
        state = changes["newState"]
        m.store("1", "+FLAGS", "\\Deleted")
        m.expunge()
        changes = self.call("Email/changes", {"sinceState": state})
        self.assertEqual(changes["destroyed"], [eid])

    def test_upload_attach_and_download(self):
        data = bytes(range(256)) * 40
        status, _, body = self.request("POST", "/jmap/upload/%s/" % self.account, data,
                                       {"Content-Type": "application/pdf"})
        self.assertEqual(status, 201, body)
        up = json.loads(body)
        self.assertEqual(up["size"], len(data))
        drafts = self.mailbox("drafts")
        r = self.call("Email/set", {"create": {"d": {
            "mailboxIds": {drafts: True}, "keywords": {"$draft": True},
            "from": [{"email": et.DEMO_ADDRESS}], "to": [{"name": "Bea", "email": "bea@example.org"}],
            "subject": "Informe", "bodyValues": {"1": {"value": "Adjunto el informe."}},
            "textBody": [{"partId": "1", "type": "text/plain"}],
            "attachments": [{"blobId": up["blobId"], "type": "application/pdf", "name": "informe.pdf"}]}}})
        self.assertIn("d", r["created"], r)
        eid = r["created"]["d"]["id"]
        got = self.call("Email/get", {"ids": [eid], "properties": ["attachments", "hasAttachment"]})["list"][0]
        self.assertTrue(got["hasAttachment"])
        att = got["attachments"][0]
        self.assertEqual((att["name"], att["type"], att["size"]), ("informe.pdf", "application/pdf", len(data)))
        url = "/jmap/download/%s/%s/informe.pdf?accept=application/pdf" % (self.account, att["blobId"])
        status, headers, body = self.request("GET", url)
        self.assertEqual(status, 200)
        self.assertEqual(body, data)
        self.assertEqual(headers["content-type"], "application/pdf")
        self.assertIn("attachment", headers["content-disposition"])
        # Shown by the browser itself only when asked, and only for pictures and PDF.
        status, headers, _ = self.request("GET", url + "&disposition=inline")
        self.assertTrue(headers["content-disposition"].startswith("inline;"), headers)
        self.assertNotIn("sandbox", headers["content-security-policy"])
        self.assertIn("default-src 'none'", headers["content-security-policy"])
        html_url = "/jmap/download/%s/%s/x.html?accept=text/html&disposition=inline" % (self.account, att["blobId"])
        status, headers, _ = self.request("GET", html_url)
        self.assertTrue(headers["content-disposition"].startswith("attachment;"), headers)
        self.assertIn("sandbox", headers["content-security-policy"])
        # The whole message, and an account that is not ours.
        status, _, whole = self.request("GET", "/jmap/download/%s/%s/m.eml" % (self.account, r["created"]["d"]["blobId"]))
        self.assertEqual(status, 200)
        self.assertIn(b"Subject: Informe", whole)
        status, _, _ = self.request("GET", "/jmap/download/a999999/%s/x" % att["blobId"])
        self.assertEqual(status, 404)
        # Without credentials, a large upload is refused before its body is read.
        status, _, _ = self.request("POST", "/jmap/upload/%s/" % self.account, b"x" * (2 * 1024 * 1024),
                                    {"Content-Type": "application/octet-stream"}, auth=False)
        self.assertEqual(status, 401)

    def test_uploads_at_once_are_bounded_before_their_bodies(self):
        """maxConcurrentUpload (RFC 8620 §2): a user with that many uploads
        under way gets 429 for the next large one before its body is read;
        a slot comes back when an upload ends, even one cut off."""
        most = self.session["capabilities"][CORE]["maxConcurrentUpload"]
        body = b"y" * (2 * 1024 * 1024)  # past what is read before anyone is known
        socks = [self.raw(self.upload_head(len(body)) + body[:10]) for _ in range(most + 1)]
        s, answer = self.first_answer(socks)
        self.assertTrue(answer.startswith(b"HTTP/1.1 429 "), answer)
        self.assertIn(b"retry-after: 1", answer.lower())
        self.assertIn(b"connection: close", answer.lower())
        problem = json.loads(answer.split(b"\r\n\r\n", 1)[1])
        self.assertEqual(problem["type"], "urn:ietf:params:jmap:error:limit")
        self.assertEqual(problem["limit"], "maxConcurrentUpload", "RFC 8620 §3.6.1: the limit is named")
        socks.remove(s)
        for other in socks:
            other.settimeout(0.5)
            with self.assertRaises(socket.timeout):
                other.recv(1)
        # Held: a new upload is refused too. One cut off gives its slot back.
        status, _, _ = self.request("POST", "/jmap/upload/%s/" % self.account, body)
        self.assertEqual(status, 429)
        socks.pop().close()
        deadline = time.monotonic() + 15
        while True:
            status, _, out = self.request("POST", "/jmap/upload/%s/" % self.account, body)
            if status != 429 or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        self.assertEqual(status, 201, out)
        # Per user: Bob, with his own device password for the same address, has his own.
        self.create_user("bob", name="Bob")
        self.admin_json("access", "grant", et.DEMO_ADDRESS, "bob")
        bob = self.admin_json("device-password", "create", et.DEMO_ADDRESS, "bob", "--label", "phone")["password"]
        status, _, out = self.request("POST", "/jmap/upload/%s/" % self.account, body, auth=self.auth(bob))
        self.assertEqual(status, 201, out)
        # The ones that waited are stored once their bodies are in.
        for other in socks:
            other.settimeout(20)
            other.sendall(body[10:])
            status, _, out = self.answer(other)
            self.assertTrue(status.startswith(b"HTTP/1.1 201"), status + out)

    def test_chunked_uploads_are_bounded_as_they_come(self):
        """A chunked upload has no length to check before it is read: it is
        held to the limits chunk by chunk (RFC 9112 §7.1), and refused
        before its first chunk when the user has no upload to spare."""
        chunk = b"c" * 65536

        def chunked(s, total):
            """Sends `total` octets in chunks, stopping when the server answers; the octets sent."""
            sent = 0
            while sent < total:
                if select.select([s], [], [], 0)[0]:
                    return sent
                try:
                    s.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                except (BrokenPipeError, ConnectionResetError):
                    return sent  # closed after its answer, which is read next
                sent += len(chunk)
            s.sendall(b"0\r\n\r\n")
            return sent

        # Within the limits: stored whole.
        s = self.raw(self.upload_head(None))
        self.assertEqual(chunked(s, 3 * 1024 * 1024), 3 * 1024 * 1024)
        status, _, out = self.answer(s)
        self.assertTrue(status.startswith(b"HTTP/1.1 201"), status + out)
        self.assertEqual(json.loads(out)["size"], 3 * 1024 * 1024)
        # Nobody known: read up to 1 MiB only.
        anonymous = self.raw(self.upload_head(None, auth=False))
        chunked(anonymous, 4 * 1024 * 1024)
        status, _, _ = self.answer(anonymous)
        self.assertTrue(status.startswith(b"HTTP/1.1 401"), status)
        # Past maxSizeUpload: 413 once the limit is passed, and the connection closes.
        most = self.session["capabilities"][CORE]["maxSizeUpload"]
        big = self.raw(self.upload_head(None))
        big.settimeout(60)
        chunked(big, most + 8 * 1024 * 1024)
        status, _, out = self.answer(big)
        self.assertTrue(status.startswith(b"HTTP/1.1 413"), status)
        problem = json.loads(out)
        self.assertEqual((problem["type"], problem["limit"]), ("urn:ietf:params:jmap:error:limit", "maxSizeUpload"))
        # No upload to spare: 429 for the header alone, and the connection closes.
        # The one refused above gave its slot back with its answer, while the
        # rest of its body is still being dropped.
        body = b"y" * (2 * 1024 * 1024)
        held = [self.raw(self.upload_head(len(body)) + body[:10])
                for _ in range(self.session["capabilities"][CORE]["maxConcurrentUpload"])]
        time.sleep(1.5)  # each takes its slot (a refusal would come at once)
        self.assertEqual(select.select(held, [], [], 0)[0], [], "none of them is refused")
        late = self.raw(self.upload_head(None))
        late.settimeout(15)
        status, headers, _ = self.answer(late)
        self.assertTrue(status.startswith(b"HTTP/1.1 429"), status)
        self.assertIn(b"connection: close", headers)
        self.assertEqual(late.recv(1), b"")
        self.assertEqual(big.recv(1), b"", "the one past maxSizeUpload is closed")
        for s in held:
            s.sendall(body[10:])
            status, _, out = self.answer(s)
            self.assertTrue(status.startswith(b"HTTP/1.1 201"), status + out)

    def upload_head(self, length, auth=None):
        """An upload's header; `length` None: chunked; `auth` False: no credentials."""
        framing = "Transfer-Encoding: chunked" if length is None else "Content-Length: %d" % length
        credentials = "" if auth is False else "Authorization: %s\r\n" % (auth or self.auth())["Authorization"]
        return ("POST /jmap/upload/%s/ HTTP/1.1\r\nHost: 127.0.0.1\r\n%s"
                "Content-Type: application/octet-stream\r\n%s\r\n\r\n"
                % (self.account, credentials, framing)).encode()

    def first_answer(self, socks):
        """The first of `socks` the server answers (within 15 s), and all it sent before closing."""
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            for s in socks:
                s.settimeout(0.1)
                try:
                    answer = s.recv(65536)
                except socket.timeout:
                    continue
                s.settimeout(10)
                while True:
                    more = s.recv(65536)
                    if not more:
                        return s, answer
                    answer += more
        self.fail("none was answered")

    def raw(self, request):
        """A socket that has sent `request`; and a reader of one answer from it."""
        s = socket.create_connection(("127.0.0.1", self.http), timeout=20)
        self.addCleanup(s.close)
        s.sendall(request)
        return s

    def answer(self, s):
        """(status line, lower-case header block, body) of the next answer on `s`."""
        data = b""
        while b"\r\n\r\n" not in data:
            more = s.recv(65536)
            self.assertTrue(more, "closed before an answer: %r" % data)
            data += more
        head, _, rest = data.partition(b"\r\n\r\n")
        length = int(re.search(rb"content-length: *(\d+)", head.lower()).group(1))
        while len(rest) < length:
            more = s.recv(65536)
            self.assertTrue(more)
            rest += more
        return head.split(b"\r\n")[0], head.lower(), rest[:length]

    def test_requests_at_once_are_bounded_and_small_ones_keep_the_connection(self):
        """maxConcurrentRequests, counted before the bodies are read: a large
        request past it is refused at once; a small one is read and answered
        429 on a connection that stays open."""
        most = self.session["capabilities"][CORE]["maxConcurrentRequests"]

        def request(pad):
            body = json.dumps({"using": [CORE], "methodCalls": [["Core/echo", {"pad": pad}, "0"]]}).encode()
            return body, ("POST /jmap/api HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: %s\r\n"
                          "Content-Type: application/json\r\nContent-Length: %d\r\n\r\n"
                          % (self.auth()["Authorization"], len(body))).encode()

        large, large_head = request("x" * (2 * 1024 * 1024))
        socks = [self.raw(large_head + large[:5]) for _ in range(most + 1)]
        s, answer = self.first_answer(socks)  # once one is refused, the others hold every slot
        self.assertTrue(answer.startswith(b"HTTP/1.1 429 "), answer)
        socks.remove(s)
        small, small_head = request("y")
        kept = self.raw(small_head + small)
        status, headers, out = self.answer(kept)
        self.assertTrue(status.startswith(b"HTTP/1.1 429"), status)
        self.assertNotIn(b"connection: close", headers)
        self.assertEqual(json.loads(out)["type"], "urn:ietf:params:jmap:error:limit")
        self.assertEqual(json.loads(out)["limit"], "maxConcurrentRequests")
        # The held requests are answered once their bodies are in; the kept connection goes on.
        for h in socks:
            h.settimeout(20)
            h.sendall(large[5:])
            status, _, out = self.answer(h)
            self.assertTrue(status.startswith(b"HTTP/1.1 200"), status)
        kept.sendall(small_head + small)
        status, _, out = self.answer(kept)
        self.assertTrue(status.startswith(b"HTTP/1.1 200"), status + out)
        self.assertEqual(json.loads(out)["methodResponses"][0][1], {"pad": "y"})

    def test_a_request_past_max_size_request_is_a_limit_problem(self):
        """RFC 8620 §3.6.1: a request larger than maxSizeRequest is refused
        before its body is read, as the "limit" problem naming the limit."""
        most = self.session["capabilities"][CORE]["maxSizeRequest"]
        s = self.raw(("POST /jmap/api HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: %s\r\n"
                      "Content-Type: application/json\r\nContent-Length: %d\r\n\r\n"
                      % (self.auth()["Authorization"], most + 1)).encode())
        s.settimeout(15)
        status, headers, out = self.answer(s)
        self.assertTrue(status.startswith(b"HTTP/1.1 413"), status)
        self.assertIn(b"application/problem+json", headers)
        problem = json.loads(out)
        self.assertEqual((problem["type"], problem["limit"]), ("urn:ietf:params:jmap:error:limit", "maxSizeRequest"))

    def test_wrong_credentials_with_a_large_body_get_the_login_answer_at_once(self):
        wrong = self.auth("not-the-password")
        s = self.raw(("POST /jmap/upload/%s/ HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: %s\r\n"
                      "Content-Type: application/octet-stream\r\nContent-Length: %d\r\n\r\n"
                      % (self.account, wrong["Authorization"], 5 * 1024 * 1024)).encode())
        status, headers, out = self.answer(s)
        self.assertTrue(status.startswith(b"HTTP/1.1 401"), status)
        self.assertEqual(json.loads(out)["detail"], "wrong address or device password")
        # A small body: read, then the same answer. Each failure counted once.
        s = self.raw(("POST /jmap/upload/%s/ HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: %s\r\n"
                      "Content-Type: application/octet-stream\r\nContent-Length: 3\r\n\r\nabc"
                      % (self.account, wrong["Authorization"])).encode())
        status, _, out = self.answer(s)
        self.assertTrue(status.startswith(b"HTTP/1.1 401"), status)
        failures = [line for line in self.server.log().splitlines() if "jmap.login_failed" in line]
        self.assertEqual(len(failures), 2, failures)

    def test_all_attachments_as_one_zip(self):
        files = [("informe.pdf", "application/pdf", bytes(range(256)) * 300),
                 ("informe.pdf", "application/pdf", b"%PDF-1.4 second"),
                 ("../notas de mayo.txt", "text/plain", "Señales y ruido\n".encode() * 100)]
        attachments = []
        for name, media, data in files:
            status, _, body = self.request("POST", "/jmap/upload/%s/" % self.account, data, {"Content-Type": media})
            self.assertEqual(status, 201, body)
            attachments.append({"blobId": json.loads(body)["blobId"], "type": media, "name": name})
        drafts = self.mailbox("drafts")
        r = self.call("Email/set", {"create": {"d": {
            "mailboxIds": {drafts: True}, "from": [{"email": et.DEMO_ADDRESS}], "subject": "Tres adjuntos",
            "bodyValues": {"1": {"value": "Van los tres."}}, "textBody": [{"partId": "1", "type": "text/plain"}],
            "attachments": attachments}}})
        eid = r["created"]["d"]["id"]
        status, headers, body = self.request("GET", "/jmap/zip/%s/%s/adjuntos.zip" % (self.account, eid))
        self.assertEqual(status, 200, body)
        self.assertEqual(headers["content-type"], "application/zip")
        self.assertEqual(headers.get("transfer-encoding"), "chunked")
        self.assertIn("adjuntos.zip", headers["content-disposition"])
        with zipfile.ZipFile(io.BytesIO(body)) as z:
            self.assertIsNone(z.testzip(), "every CRC matches")
            self.assertEqual(z.namelist(), ["informe.pdf", "informe (2).pdf", "notas de mayo.txt"])
            for (name, _, data), entry in zip(files, z.namelist()):
                self.assertEqual(z.read(entry), data, entry)
        # Not ours, not an email, no attachments: 404, no archive.
        self.assertEqual(self.request("GET", "/jmap/zip/a999999/%s/x.zip" % eid)[0], 404)
        self.assertEqual(self.request("GET", "/jmap/zip/%s/e999999/x.zip" % self.account)[0], 404)
        plain = self.call("Email/set", {"create": {"p": {
            "mailboxIds": {drafts: True}, "subject": "Sin adjuntos", "bodyValues": {"1": {"value": "Nada."}},
            "textBody": [{"partId": "1", "type": "text/plain"}]}}})["created"]["p"]["id"]
        self.assertEqual(self.request("GET", "/jmap/zip/%s/%s/x.zip" % (self.account, plain))[0], 404)
        self.assertEqual(self.request("GET", "/jmap/zip/%s/%s/x.zip" % (self.account, eid), auth=False)[0], 401)

    def test_revoked_device_is_refused_at_once(self):
        self.call("Mailbox/get", {})
        devices = self.devices(et.DEMO_ADDRESS)
        self.admin_json("device-password", "revoke", str(devices[0]["id"]))
        status, _, _ = self.request("GET", "/jmap/session")
        self.assertEqual(status, 401)

    def test_concurrent_writers_lose_nothing(self):
        m = self.imap_login()
        for i in range(20):
            m.append("INBOX", None, None, b"From: a@example.org\r\nSubject: n%d\r\n\r\nx\r\n" % i)
        inbox = self.mailbox("inbox")
        ids = self.call("Email/query", {"filter": {"inMailbox": inbox}})["ids"]
        self.assertEqual(len(ids), 20)
        errors, states = [], {}

        def jmap_writer(word):
            seen = []
            try:
                for eid in ids:
                    r = self.call("Email/set", {"update": {eid: {"keywords/" + word: True}}})
                    if eid not in r["updated"]:
                        errors.append(r)
                    seen.append(int(r["newState"]))
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append(repr(e))
            states[word] = seen

        def imap_writer(word):
            try:
                c = imaplib.IMAP4("127.0.0.1", self.imap, timeout=20)
                c.login(et.DEMO_ADDRESS, self.password)
                c.select("INBOX")
                for seq in range(1, 21):
                    typ, _ = c.store(str(seq), "+FLAGS", word)
                    if typ != "OK":
                        errors.append(typ)
                c.logout()
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append(repr(e))

        threads = [threading.Thread(target=jmap_writer, args=("$jmap%d" % i,)) for i in range(2)]
        threads += [threading.Thread(target=imap_writer, args=("$imap%d" % i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        self.assertEqual(errors, [])
        for word, seen in states.items():
            self.assertEqual(seen, sorted(seen), "%s saw states go back" % word)
        want = {"$jmap0", "$jmap1", "$imap0", "$imap1"}
        got = self.call("Email/get", {"ids": ids, "properties": ["keywords"]})["list"]
        for e in got:
            self.assertTrue(want <= set(e["keywords"]), e)
        m.select("INBOX")
        typ, data = m.fetch("1:20", "(FLAGS)")
        for line in data:
            for w in want:
                self.assertIn(w.encode(), line.lower())
