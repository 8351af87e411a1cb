"""JMAP driven by a third-party client library, against the real binary.

The client is jmap-jam (npm, pinned in tests/jmap_client/package.json and
package-lock.json): a JMAP client written by others, for RFC 8620 and RFC
8621, that reads the session resource, authenticates with a Bearer token and
talks to the API with the standard fetch of Node.js. It was chosen because it
is small, has no runtime dependencies beyond type declarations, runs on the
Node.js the machines have, and authenticates the way scripts do here (an API
token); so the requests it sends (its own `using` lists, call ids, result
references) are its authors' reading of the RFCs, not ours.

scripts/setup.sh installs it (`npm ci` in tests/jmap_client); this test
installs nothing. tests/jmap_client/flow.mjs does the JMAP work with the
library's own API; this test

- starts the server on 127.0.0.1, makes a user with a password and access to
  hello@demo.example, logs in to the management API with curl and creates an
  API token (POST /api/v1/me/tokens);
- runs the script with that token and the session URL, bounded in time: it
  reads the session, finds the inbox by role, creates a mailbox and a draft
  in it (textBody + bodyValues), finds it with Email/query and Email/get,
  sets $seen, sees it in Email/changes, destroys both and checks they are gone;
  then IMAP (imaplib) no longer lists that mailbox;
- runs it again with a token that is not one, and expecting another account
  name, to show that its checks do fail."""

import imaplib
import json
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cli"))
import estafeta_test as et  # noqa: E402

CLIENT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "jmap_client")
SCRIPT = os.path.join(CLIENT_DIR, "flow.mjs")
USER = "jam@demo.example"
PASSWORD = "jam's long password"
# The whole flow takes about a second; a hang is a failure, not a stall.
NODE_TIMEOUT = 60


class JmapClientTest(et.DemoTestCase):
    def setUp(self):
        super().setUp()
        self.node = shutil.which("node")
        self.assertIsNotNone(self.node, "node is not installed: run scripts/setup.sh (it says what is missing)")
        self.assertTrue(os.path.isfile(os.path.join(CLIENT_DIR, "node_modules", "jmap-jam", "package.json")),
                        "jmap-jam is not installed in tests/jmap_client/node_modules: run scripts/setup.sh")
        self.create_user(USER, password=PASSWORD, name="Jam")
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
        self.token = self.create_token()

    def curl(self, method, path, body, headers=()):
        """One JSON request with curl and the cookie jar: (status, parsed body)."""
        args = ["curl", "-sS", "-X", method, "-b", self.jar, "-c", self.jar, "-w", "\n%{http_code}",
                "--max-time", "20", "-H", "Content-Type: application/json", "--data-binary", json.dumps(body),
                "http://127.0.0.1:%d%s" % (self.http, path)]
        for h in headers:
            args += ["-H", h]
        r = subprocess.run(args, capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        text, _, status = r.stdout.rpartition("\n")
        return int(status), json.loads(text)

    def create_token(self):
        status, login = self.curl("POST", "/api/v1/session", {"login": USER, "password": PASSWORD})
        self.assertEqual(status, 200, login)
        status, created = self.curl("POST", "/api/v1/me/tokens", {"label": "jmap-jam"},
                                    ["X-CSRF-Token: " + login["csrf_token"]])
        self.assertEqual(status, 201, created)
        self.assertTrue(created["token"])
        return created["token"]

    def run_client(self, token, account_name=et.DEMO_ADDRESS):
        env = dict(os.environ)
        env.update({"ESTAFETA_JMAP_SESSION_URL": "http://127.0.0.1:%d/jmap/session" % self.http,
                    "ESTAFETA_JMAP_TOKEN": token, "ESTAFETA_JMAP_ACCOUNT_NAME": account_name,
                    "NODE_NO_WARNINGS": "1"})
        try:
            return subprocess.run([self.node, SCRIPT], cwd=CLIENT_DIR, env=env, stdin=subprocess.DEVNULL,
                                  capture_output=True, text=True, timeout=NODE_TIMEOUT)
        except subprocess.TimeoutExpired as e:
            self.fail("the JMAP client did not finish within %d s\n--- stdout\n%s\n--- stderr\n%s\n--- server log\n%s"
                      % (NODE_TIMEOUT, e.stdout, e.stderr, self.server.log()))

    def report(self, r):
        return "exit %s\n--- stdout\n%s--- stderr\n%s--- server log (tail)\n%s" % (
            r.returncode, r.stdout, r.stderr, self.server.log()[-4000:])

    def test_jmap_jam_drives_the_server(self):
        r = self.run_client(self.token)
        self.assertEqual(r.returncode, 0, self.report(r))
        self.assertIn("jmap-client: all checks passed", r.stdout, self.report(r))
        self.assertEqual(r.stderr, "", self.report(r))
        # What the client did is what the server kept: IMAP no longer lists the
        # mailbox it made and destroyed, and the draft is not counted.
        name = re.search(r"mailbox '([^']+)' created", r.stdout).group(1)
        password = re.search(r"device password\s+(\S+)", self.quickstart_output).group(1)
        with imaplib.IMAP4("127.0.0.1", self.imap, timeout=20) as m:
            m.login(et.DEMO_ADDRESS, password)
            status, folders = m.list()
            self.assertEqual(status, "OK")
            listed = [f.decode() for f in folders]
            self.assertTrue(any(f.endswith(" INBOX") for f in listed), listed)
            self.assertFalse([f for f in listed if name in f], listed)
        self.assertEqual(self.admin_json("address", "show", et.DEMO_ADDRESS)["used_messages"], 0)

    def test_the_client_checks_fail_when_they_should(self):
        r = self.run_client("not-a-token")
        self.assertEqual(r.returncode, 1, self.report(r))
        self.assertIn("jmap-client: FAILED: session: no apiUrl", r.stderr, self.report(r))
        r = self.run_client(self.token, account_name="someone@demo.example")
        self.assertEqual(r.returncode, 1, self.report(r))
        self.assertIn("jmap-client: FAILED: session: primary account is named 'hello@demo.example', "
                      "expected 'someone@demo.example'", r.stderr, self.report(r))


if __name__ == "__main__":
    import unittest

    unittest.main()
