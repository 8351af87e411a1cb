"""The management API over real HTTP, with real clients:

- curl with a cookie jar: log in, enrol the second factor (the code from
  Debian's oathtool, an independent RFC 6238 implementation, reading the
  Base32 secret the server gave), log out, log in again with a TOTP code,
  create a device password, log in to IMAP with it (imaplib), revoke it,
  and the IMAP login fails;
- the cookie's attributes as curl stores them, the security headers, the
  error shape for malformed JSON, and a CSRF-less request refused."""

import concurrent.futures
import email
import email.policy
import http.client
import imaplib
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cli"))
import estafeta_test as et  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SYSTEM_PYTHON = "/usr/bin/python3"  # Debian's, with python3-prometheus-client
USER = "ana@demo.example"
PASSWORD = "ana's long password"
PRIVATE = "ana.alerts@demo.example"  # an address Ana alone uses


def oathtool(secret, at=None):
    args = ["oathtool", "--totp", "-b", secret]
    if at is not None:
        args += ["-N", "@%d" % at]
    return subprocess.run(args, capture_output=True, text=True, check=True, timeout=10).stdout.strip()


def close_quietly(*clients):
    for m in clients:
        try:
            m.shutdown()
        except (OSError, imaplib.IMAP4.error):
            pass


class ApiServer(et.DemoTestCase):
    """A server with an http and an imap listener; `EXTRA_CONFIG` appended to its configuration."""
    EXTRA_CONFIG = ""

    def setUp(self):
        super().setUp()
        self.create_user(USER, password=PASSWORD, name="Ana")
        self.admin_json("access", "grant", et.DEMO_ADDRESS, USER)
        self.http, self.imap = et.free_port(), et.free_port()
        with open(self.config, "w") as f:
            f.write('data_dir = "."\nhostname = "mail.demo.example"\n'
                    '[[listener]]\nprotocol = "http"\naddress = "127.0.0.1:%d"\n'
                    '[[listener]]\nprotocol = "imap"\naddress = "127.0.0.1:%d"\nplaintext_auth = true\n'
                    % (self.http, self.imap) + self.EXTRA_CONFIG)
        self.server = et.Server(self.config, os.path.join(self.dir, "serve.log"))
        self.addCleanup(self.server.close)
        self.server.wait_http(self.http)
        self.jar = os.path.join(self.dir, "cookies.txt")
        self.csrf = None

    def curl(self, method, path, body=None, csrf=True, headers=()):
        """One request with curl and the cookie jar; returns (status, headers dict, parsed body or text)."""
        args = ["curl", "-sS", "-X", method, "-b", self.jar, "-c", self.jar, "-D", "-",
                "http://127.0.0.1:%d%s" % (self.http, path), "--max-time", "20"]
        if body is not None:
            args += ["-H", "Content-Type: application/json", "--data-binary",
                     body if isinstance(body, str) else json.dumps(body)]
        if csrf and self.csrf:
            args += ["-H", "X-CSRF-Token: " + self.csrf]
        for h in headers:
            args += ["-H", h]
        r = subprocess.run(args, capture_output=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        head, _, text = r.stdout.decode("utf-8", "replace").partition("\r\n\r\n")
        lines = head.split("\r\n")
        status = int(lines[0].split()[1])
        fields = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            fields[k.strip().lower()] = v.strip()
        parsed = json.loads(text) if fields.get("content-type", "").startswith("application/json") else text
        return status, fields, parsed

    def fail_logins_from(self, forwarded_for, count=7):
        """`count` wrong passwords at once, each naming `forwarded_for` as its client (the answers
        to failures are held back longer each time: sent together, they all wait at once)."""
        def attempt(i):
            c = http.client.HTTPConnection("127.0.0.1", self.http, timeout=30)
            try:
                c.request("POST", "/api/v1/session",
                          json.dumps({"login": "nobody%d@demo.example" % i, "password": "wrong"}),
                          {"Content-Type": "application/json", "X-Forwarded-For": forwarded_for})
                return c.getresponse().status
            finally:
                c.close()
        with concurrent.futures.ThreadPoolExecutor(count) as pool:
            statuses = list(pool.map(attempt, range(count)))
        self.assertEqual(statuses, [401] * count)

    def login(self, code=None):
        body = {"login": USER, "password": PASSWORD}
        if code:
            body["code"] = code
        status, fields, answer = self.curl("POST", "/api/v1/session", body, csrf=False)
        if status == 200:
            self.csrf = answer["csrf_token"]
        return status, fields, answer

    def imap_login(self, password):
        with imaplib.IMAP4("127.0.0.1", self.imap, timeout=10) as m:
            try:
                m.login(et.DEMO_ADDRESS, password)
                return True
            except imaplib.IMAP4.error:
                return False


class ApiTest(ApiServer):
    def test_full_flow_with_curl_oathtool_and_imaplib(self):
        status, fields, answer = self.login()
        self.assertEqual(status, 200, answer)
        self.assertEqual(answer["user"]["login"], USER)
        for name, value in (("x-content-type-options", "nosniff"), ("cache-control", "no-store")):
            self.assertEqual(fields.get(name), value)
        with open(self.jar) as f:
            jar = f.read()
        self.assertIn("#HttpOnly_127.0.0.1", jar, "the session cookie is HttpOnly")
        self.assertIn("estafeta_session", jar)

        # Without the CSRF token, a state-changing request is refused.
        status, _, answer = self.curl("POST", "/api/v1/me/2fa/enrolment", csrf=False)
        self.assertEqual((status, answer["error"]["code"]), (403, "csrf"))

        # Enrolment: oathtool computes the code from the secret we were given.
        status, _, enrol = self.curl("POST", "/api/v1/me/2fa/enrolment")
        self.assertEqual(status, 200, enrol)
        self.assertIn("secret=" + enrol["secret"], enrol["otpauth_uri"])
        self.assertTrue(enrol["qr_svg"].startswith("<svg"))
        status, _, confirmed = self.curl("POST", "/api/v1/me/2fa/confirm",
                                         {"code": oathtool(enrol["secret"]), "password": PASSWORD})
        self.assertEqual(status, 200, confirmed)
        self.assertEqual(len(confirmed["emergency_codes"]), 10)

        status, _, _ = self.curl("DELETE", "/api/v1/session")
        self.assertEqual(status, 204)
        self.assertEqual(self.curl("GET", "/api/v1/me")[0], 401)

        status, _, answer = self.login()
        self.assertEqual((status, answer["error"]["code"]), (401, "second_factor_required"))
        # The confirmation used this step's code: the next step's is new (±1 step is accepted).
        status, _, answer = self.login(oathtool(enrol["secret"], int(time.time()) + 30))
        self.assertEqual(status, 200, answer)
        self.assertEqual(answer["session"]["method"], "password+totp")

        # A device password, shown once; IMAP takes it; revoked, IMAP refuses it.
        status, _, device = self.curl("POST", "/api/v1/addresses/%s/devices" % et.DEMO_ADDRESS, {"label": "laptop"})
        self.assertEqual(status, 201, device)
        self.assertTrue(self.imap_login(device["password"]))
        status, _, listed = self.curl("GET", "/api/v1/addresses/%s/devices?login=%s" % (et.DEMO_ADDRESS, USER))
        self.assertEqual([d["label"] for d in listed["devices"]], ["laptop"])
        self.assertNotIn("password", listed["devices"][0])
        self.assertEqual(self.curl("DELETE", "/api/v1/devices/%d" % device["id"])[0], 204)
        self.assertFalse(self.imap_login(device["password"]))

        status, _, history = self.curl("GET", "/api/v1/me/logins")
        methods = [(x["method"], x["success"]) for x in history["logins"]]
        self.assertIn(("password+totp", True), methods)
        self.assertIn(("password", True), methods)

    def test_lost_second_factor_recovery_approved_with_the_cli(self):
        self.assertEqual(self.login()[0], 200)
        enrol = self.curl("POST", "/api/v1/me/2fa/enrolment")[2]
        self.assertEqual(self.curl("POST", "/api/v1/me/2fa/confirm",
                                   {"code": oathtool(enrol["secret"]), "password": PASSWORD})[0], 200)
        self.curl("DELETE", "/api/v1/session")
        self.csrf = None

        # One answer whether or not the password is right; only the right one asks.
        wrong = self.curl("POST", "/api/v1/recovery", {"login": USER, "password": "not it"}, csrf=False)
        right = self.curl("POST", "/api/v1/recovery", {"login": USER, "password": PASSWORD}, csrf=False)
        self.assertEqual((wrong[0], right[0]), (202, 202))
        self.assertEqual(wrong[2], right[2])
        listed = self.admin_json("user", "recovery-list")
        self.assertEqual([u["login"] for u in listed], [USER])
        self.assertEqual(self.login()[2]["error"]["code"], "second_factor_required", "not approved yet")
        self.assertTrue(self.admin_json("user", "recovery-approve", USER)["approved"])

        status, _, answer = self.login()
        self.assertEqual(status, 200, answer)
        me = self.curl("GET", "/api/v1/me")[2]
        self.assertFalse(me["security"]["two_factor"], "the user enrols again")
        self.assertEqual(self.admin_json("user", "recovery-list"), [])

    def test_lockout_and_unlock_with_the_cli_and_the_policy(self):
        shown = self.admin_json("org", "policy", et.DEMO_ORG, "--require-2fa", "yes", "--min-lockout", "3")
        self.assertEqual((shown["require_2fa"], shown["min_lockout_threshold"]), (True, 3))
        self.assertEqual(self.admin("org", "policy", et.DEMO_ORG, "--require-2fa", "maybe").code, et.EXIT_USAGE)
        self.assertEqual(self.login()[0], 200)
        status, _, answer = self.curl("PATCH", "/api/v1/me/security", {"lockout_threshold": 2})
        self.assertEqual((status, answer["error"]["field"]), (422, "lockout_threshold"))
        self.assertEqual(self.curl("PATCH", "/api/v1/me/security", {"lockout_threshold": 3})[0], 200)
        for _ in range(3):
            self.curl("POST", "/api/v1/session", {"login": USER, "password": "wrong"}, csrf=False)
        status, _, answer = self.login()
        self.assertEqual((status, answer["error"]["code"]), (423, "account_locked"))
        self.assertTrue(self.admin_json("user", "unlock", USER)["was_locked"])
        self.assertEqual(self.login()[0], 200)

    def test_the_recovery_flow_unlocks_a_locked_account(self):
        self.admin_json("org", "policy", et.DEMO_ORG, "--min-lockout", "3")
        self.assertEqual(self.login()[0], 200)
        self.assertEqual(self.curl("PATCH", "/api/v1/me/security", {"lockout_threshold": 3})[0], 200)
        self.curl("DELETE", "/api/v1/session")
        self.csrf = None
        for _ in range(3):
            self.curl("POST", "/api/v1/session", {"login": USER, "password": "wrong"}, csrf=False)
        self.assertEqual(self.login()[0], 423)
        self.assertEqual(self.curl("POST", "/api/v1/recovery", {"login": USER, "password": PASSWORD}, csrf=False)[0],
                         202)
        self.assertEqual([u["login"] for u in self.admin_json("user", "recovery-list")], [USER])
        self.admin_json("user", "recovery-approve", USER)
        self.assertEqual(self.login()[0], 200, "the approved recovery unlocked the account")
        self.assertEqual(self.admin_json("user", "recovery-list"), [])

    def test_login_alerts_arrive_in_the_mailbox(self):
        self.assertEqual(self.login()[0], 200)
        status, _, answer = self.curl("PATCH", "/api/v1/me/security", {"alert_address": "someone@elsewhere.example"})
        self.assertEqual((status, answer["error"]["field"]), (422, "alert_address"), "only an address of the user's")
        # The demo address is shared with its first user: whoever else reads it would read Ana's alerts.
        self.admin_json("address", "create", PRIVATE)
        self.admin_json("access", "grant", PRIVATE, USER)
        shared = {a["address"]: a["shared"] for a in self.curl("GET", "/api/v1/me/addresses")[2]["addresses"]}
        self.assertEqual(shared, {et.DEMO_ADDRESS: True, PRIVATE: False})
        status, _, answer = self.curl("PATCH", "/api/v1/me/security", {"alert_address": et.DEMO_ADDRESS})
        self.assertEqual((status, answer["error"]["field"]), (422, "alert_address"), "not a shared address")
        status, _, me = self.curl("PATCH", "/api/v1/me/security", {"alert_on_success": True, "alert_on_failure": True,
                                                                    "alert_address": PRIVATE,
                                                                    "language": "en"})
        self.assertEqual(status, 200, me)
        self.curl("POST", "/api/v1/session", {"login": USER, "password": "wrong"}, csrf=False,
                  headers=["User-Agent: Evil\r\nBcc: x@y.example"])
        self.assertEqual(self.login()[0], 200)
        self.curl("PATCH", "/api/v1/me/security", {"language": "es"})
        self.assertEqual(self.login()[0], 200)

        # Nothing reached the shared address; everything the private one.
        device = self.admin_json("device-password", "create", et.DEMO_ADDRESS, USER, "--label", "shared")
        password = next(v for k, v in device.items() if "password" in k and isinstance(v, str))
        with imaplib.IMAP4("127.0.0.1", self.imap, timeout=10) as m:
            m.login(et.DEMO_ADDRESS, password)
            m.select("INBOX")
            self.assertEqual(m.search(None, "HEADER", "Auto-Submitted", "auto-generated")[1], [b""])
        device = self.admin_json("device-password", "create", PRIVATE, USER, "--label", "alerts")
        password = next(v for k, v in device.items() if "password" in k and isinstance(v, str))
        subjects, bodies = [], []
        with imaplib.IMAP4("127.0.0.1", self.imap, timeout=10) as m:
            m.login(PRIVATE, password)
            m.select("INBOX")
            typ, data = m.search(None, "HEADER", "Auto-Submitted", "auto-generated")
            for num in data[0].split():
                typ, msg = m.fetch(num, "(RFC822)")
                parsed = email.message_from_bytes(msg[0][1], policy=email.policy.default)
                subjects.append(str(parsed["Subject"]))
                bodies.append(parsed.get_content())
                self.assertIsNone(parsed["Bcc"], "the user agent cannot add header fields")
        self.assertIn("Failed login attempt", subjects)
        self.assertIn("New login to your account", subjects)
        self.assertIn("Nuevo inicio de sesión en tu cuenta", subjects)
        self.assertTrue(any("IP address: 127.0.0.1" in b for b in bodies), bodies)

    def test_open_mail_connections_are_listed_and_ended_one_by_one(self):
        self.assertEqual(self.login()[0], 200)
        device = self.curl("POST", "/api/v1/addresses/%s/devices" % et.DEMO_ADDRESS, {"label": "phone"})[2]
        first = imaplib.IMAP4("127.0.0.1", self.imap, timeout=10)
        second = imaplib.IMAP4("127.0.0.1", self.imap, timeout=10)
        self.addCleanup(close_quietly, first, second)
        first.login(et.DEMO_ADDRESS, device["password"])
        second.login(et.DEMO_ADDRESS, device["password"])
        connections = self.curl("GET", "/api/v1/me/sessions")[2]["connections"]
        self.assertEqual([(c["kind"], c["device"], c["address"]) for c in connections],
                         [("imap", "phone", et.DEMO_ADDRESS)] * 2)
        self.assertEqual(self.curl("DELETE", "/api/v1/me/connections/%d" % connections[0]["id"])[0], 204)
        # The ended connection hears BYE and is closed; the other one goes on.
        deadline = time.monotonic() + 10
        ended = None
        while ended is None and time.monotonic() < deadline:
            try:
                first.noop()
            except (imaplib.IMAP4.abort, OSError) as e:
                ended = str(e)
            time.sleep(0.1)
        self.assertIsNotNone(ended, "the connection was not closed")
        self.assertEqual(second.noop()[0], "OK")
        left = self.curl("GET", "/api/v1/me/sessions")[2]["connections"]
        self.assertEqual([c["id"] for c in left], [connections[1]["id"]])
        self.assertEqual(self.curl("DELETE", "/api/v1/me/connections/%d" % connections[0]["id"])[0], 404)
        history = self.curl("GET", "/api/v1/me/logins")[2]["logins"]
        self.assertIn("device_password", [x["method"] for x in history])

    def test_metrics_parse_with_the_prometheus_parser(self):
        self.curl("POST", "/api/v1/session", {"login": USER, "password": "wrong"}, csrf=False)
        self.assertEqual(self.login()[0], 200)
        device = self.curl("POST", "/api/v1/addresses/%s/devices" % et.DEMO_ADDRESS, {"label": "m"})[2]
        m = imaplib.IMAP4("127.0.0.1", self.imap, timeout=10)
        self.addCleanup(close_quietly, m)
        m.login(et.DEMO_ADDRESS, device["password"])
        m.select("INBOX")
        m.append("INBOX", None, None, b"Subject: metrics\r\n\r\nbody\r\n")
        status, fields, text = self.curl("GET", "/metrics")
        self.assertEqual(status, 200)
        self.assertTrue(fields["content-type"].startswith("text/plain; version=0.0.4"))
        parsed = subprocess.run([SYSTEM_PYTHON, os.path.join(HERE, "prom_parse.py")], input=text.encode(),
                                capture_output=True, timeout=30)
        self.assertEqual(parsed.returncode, 0, parsed.stderr)
        samples = {(name, tuple(sorted(labels.items()))): value for name, labels, value in json.loads(parsed.stdout)}
        self.assertEqual(samples[("estafeta_open_connections", (("protocol", "imap"),))], 1)
        self.assertGreaterEqual(samples[("estafeta_open_connections", (("protocol", "http"),))], 1)
        self.assertEqual(samples[("estafeta_logins_total", (("outcome", "failure"), ("protocol", "web")))], 1)
        self.assertEqual(samples[("estafeta_logins_total", (("outcome", "success"), ("protocol", "web")))], 1)
        self.assertEqual(samples[("estafeta_logins_total", (("outcome", "success"), ("protocol", "imap")))], 1)
        self.assertEqual(samples[("estafeta_delivery_seconds_count", ())], 1, "the APPEND")
        self.assertEqual(samples[("estafeta_queue_messages", ())], 0)
        waiting = samples[("estafeta_text_index_backlog", ())]
        self.assertIn(waiting, (0, 1), "the APPEND's text, waiting or indexed")
        self.assertEqual(samples[("estafeta_text_index_backlog_bytes", ())] > 0, waiting > 0, "its bytes with it")
        self.assertIn(("estafeta_store_commit_seconds_bucket", (("le", "0.01"),)), samples)

    def test_bad_requests_get_the_error_shape(self):
        status, _, answer = self.curl("POST", "/api/v1/session", '{"login": "ana@demo.example", ', csrf=False)
        self.assertEqual(status, 400)
        self.assertEqual(answer["error"]["code"], "malformed_json")
        status, _, answer = self.curl("POST", "/api/v1/session", "x" * 5000, csrf=False)
        self.assertEqual(status, 413, answer)
        status, _, answer = self.curl("GET", "/api/v1/users")
        self.assertEqual((status, answer["error"]["code"]), (401, "unauthenticated"))
        status, _, doc = self.curl("GET", "/api/v1/openapi.json")
        self.assertEqual(status, 200)
        self.assertIn("/api/v1/me/2fa/confirm", doc["paths"])

    def test_forwarding_fields_of_an_untrusted_peer_are_ignored(self):
        """No proxy configured: a client naming another address in X-Forwarded-For is still
        itself, so it cannot dodge the login throttle; /metrics stays closed to forwarded requests."""
        self.fail_logins_from("203.0.113.5")
        status, _, answer = self.curl("POST", "/api/v1/session", {"login": USER, "password": PASSWORD},
                                      csrf=False, headers=["X-Forwarded-For: 203.0.113.6"])
        self.assertEqual((status, answer["error"]["code"]), (429, "throttled"))
        status, _, _ = self.curl("GET", "/metrics", headers=["X-Forwarded-For: 127.0.0.1"])
        self.assertEqual(status, 403, "a proxy on this host would otherwise serve them to anyone")
        status, _, _ = self.curl("GET", "/metrics")
        self.assertEqual(status, 200)


class TrustedProxyTest(ApiServer):
    """Behind a reverse proxy on this host (web.trusted_proxies): the client is the one the proxy
    names, for the throttle, the sessions list and the cookie's Secure."""
    EXTRA_CONFIG = '[web]\ntrusted_proxies = ["127.0.0.1"]\n'

    def test_the_forwarded_client_is_throttled_and_recorded(self):
        self.fail_logins_from("192.0.2.66, 203.0.113.5")
        # That client waits; another behind the same proxy does not.
        status, _, answer = self.curl("POST", "/api/v1/session", {"login": USER, "password": PASSWORD},
                                      csrf=False, headers=["X-Forwarded-For: 203.0.113.5"])
        self.assertEqual((status, answer["error"]["code"]), (429, "throttled"))
        # What a client writes itself, left of what the proxy appends, is not believed.
        status, _, answer = self.curl("POST", "/api/v1/session", {"login": USER, "password": PASSWORD},
                                      csrf=False, headers=["X-Forwarded-For: 198.51.100.1, 203.0.113.5"])
        self.assertEqual(status, 429, answer)
        status, fields, answer = self.curl(
            "POST", "/api/v1/session", {"login": USER, "password": PASSWORD}, csrf=False,
            headers=["X-Forwarded-For: 203.0.113.6", "X-Forwarded-Proto: https"])
        self.assertEqual(status, 200, answer)
        self.csrf = answer["csrf_token"]
        self.assertIn("; Secure", fields["set-cookie"], "the client came over https")
        # curl keeps a Secure cookie from http://127.0.0.1 (a secure context), so the session goes on.
        status, _, sessions = self.curl("GET", "/api/v1/me/sessions", headers=["X-Forwarded-For: 203.0.113.6"])
        self.assertEqual(status, 200, sessions)
        self.assertEqual([s["ip"] for s in sessions["sessions"]], ["203.0.113.6"])
        status, _, _ = self.curl("GET", "/metrics", headers=["X-Forwarded-For: 127.0.0.1"])
        self.assertEqual(status, 403, "forwarded, even from a loopback client")

    def test_a_plain_http_client_behind_the_proxy_gets_a_secure_cookie(self):
        status, fields, answer = self.curl("POST", "/api/v1/session", {"login": USER, "password": PASSWORD},
                                           csrf=False, headers=["X-Forwarded-For: 203.0.113.7"])
        self.assertEqual(status, 200, answer)
        self.assertIn("; Secure", fields["set-cookie"],
                      "not this host's own loopback client: the cookie never goes out in clear text")
        status, fields, answer = self.curl("POST", "/api/v1/session", {"login": USER, "password": PASSWORD},
                                           csrf=False)
        self.assertNotIn("; Secure", fields["set-cookie"], "the proxy host's own request, over loopback")


if __name__ == "__main__":
    import unittest
    unittest.main()
