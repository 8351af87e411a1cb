"""The management API over real HTTP, with real clients:

- curl with a cookie jar: log in, enrol the second factor (the code from
  Debian's oathtool, an independent RFC 6238 implementation, reading the
  Base32 secret the server gave), log out, log in again with a TOTP code,
  create a device password, log in to IMAP with it (imaplib), revoke it,
  and the IMAP login fails;
- the cookie's attributes as curl stores them, the security headers, the
  error shape for malformed JSON, and a CSRF-less request refused."""

import email
import email.policy
import imaplib
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cli"))
import estafeta_test as et  # noqa: E402

USER = "ana@demo.example"
PASSWORD = "ana's long password"


def oathtool(secret, at=None):
    args = ["oathtool", "--totp", "-b", secret]
    if at is not None:
        args += ["-N", "@%d" % at]
    return subprocess.run(args, capture_output=True, text=True, check=True, timeout=10).stdout.strip()


class ApiTest(et.DemoTestCase):
    def setUp(self):
        super().setUp()
        self.create_user(USER, password=PASSWORD, name="Ana")
        self.admin_json("access", "grant", et.DEMO_ADDRESS, USER)
        self.http, self.imap = et.free_port(), et.free_port()
        with open(self.config, "w") as f:
            f.write('data_dir = "."\nhostname = "mail.demo.example"\n'
                    '[[listener]]\nprotocol = "http"\naddress = "127.0.0.1:%d"\n'
                    '[[listener]]\nprotocol = "imap"\naddress = "127.0.0.1:%d"\nplaintext_auth = true\n'
                    % (self.http, self.imap))
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
        status, _, confirmed = self.curl("POST", "/api/v1/me/2fa/confirm", {"code": oathtool(enrol["secret"])})
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
        self.assertEqual(self.curl("POST", "/api/v1/me/2fa/confirm", {"code": oathtool(enrol["secret"])})[0], 200)
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

    def test_login_alerts_arrive_in_the_mailbox(self):
        self.assertEqual(self.login()[0], 200)
        status, _, answer = self.curl("PATCH", "/api/v1/me/security", {"alert_address": "someone@elsewhere.example"})
        self.assertEqual((status, answer["error"]["field"]), (422, "alert_address"), "only an address of the user's")
        status, _, me = self.curl("PATCH", "/api/v1/me/security", {"alert_on_success": True, "alert_on_failure": True,
                                                                    "alert_address": et.DEMO_ADDRESS,
                                                                    "language": "en"})
        self.assertEqual(status, 200, me)
        self.curl("POST", "/api/v1/session", {"login": USER, "password": "wrong"}, csrf=False,
                  headers=["User-Agent: Evil\r\nBcc: x@y.example"])
        self.assertEqual(self.login()[0], 200)
        self.curl("PATCH", "/api/v1/me/security", {"language": "es"})
        self.assertEqual(self.login()[0], 200)

        device = self.admin_json("device-password", "create", et.DEMO_ADDRESS, USER, "--label", "alerts")
        password = next(v for k, v in device.items() if "password" in k and isinstance(v, str))
        subjects, bodies = [], []
        with imaplib.IMAP4("127.0.0.1", self.imap, timeout=10) as m:
            m.login(et.DEMO_ADDRESS, password)
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


if __name__ == "__main__":
    import unittest
    unittest.main()
