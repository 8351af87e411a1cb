"""The web mail app (web/) end to end in a real browser, against the real binary.

Debian's Chromium (/usr/bin/chromium, package `chromium`) is driven by
playwright-core from npm (tests/webapp, pinned by its package-lock.json);
nothing downloads a browser. scripts/setup.sh installs both and the app's
own packages (web/node_modules).

The class builds the app from web/ with Vite into the test folder (so the
test always runs the sources as they are, whatever the binary embeds),
then starts one server for all its tests with `serve --web-dir` that
build, an HTTP listener and an SMTP (MX) listener on 127.0.0.1, and:

- ana: her own address (with the permission to change its special
  folders) and the shared hello@demo.example (without it);
- bob: his own address and the shared one;
- carol: an address of her own; the login test enables her second factor.

Each test runs one scenario of tests/webapp/e2e.mjs (login with the second
factor; hostile HTML; compose, undo, reply, forward, forward as
attachment; attachments, zip, .eml, headers, source, the 25 MB limit;
search; notifications; read receipts; own folders through the app's
dialogs and special folders; the shared address; the vacation reply;
display name, signature, threads and a reopened draft; pasted pictures
and previews) and checks axe-core on each screen it shows. Screenshots go to
$ESTAFETA_TEST_TMP/../webapp-artifacts/."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cli"))
import estafeta_test as et  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
WEB = os.path.join(ROOT, "web")
E2E = os.path.join(ROOT, "tests", "webapp")
CHROMIUM = "/usr/bin/chromium"
SCENARIO_TIMEOUT = 120  # seconds; each scenario takes a few
USERS = {
    "ana": {"login": "ana@demo.example", "password": "ana's long password", "own": "ana.box@demo.example"},
    "bob": {"login": "bob@demo.example", "password": "bob's long password", "own": "bob.box@demo.example"},
    "carol": {"login": "carol@demo.example", "password": "carol's long password", "own": "carol.box@demo.example"},
}


def artifacts_dir():
    base = et.TMP_ROOT or tempfile.gettempdir()
    return os.path.join(os.path.dirname(os.path.abspath(base)), "webapp-artifacts")


class WebappTest(et.DemoTestCase):
    @classmethod
    def setUpClass(cls):
        for what, path in (("node", shutil.which("node")), ("chromium", CHROMIUM if os.path.exists(CHROMIUM) else None),
                           ("web/node_modules (vite)", os.path.join(WEB, "node_modules", ".bin", "vite")),
                           ("tests/webapp/node_modules (playwright-core)",
                            os.path.join(E2E, "node_modules", "playwright-core", "package.json"))):
            if not path or not os.path.exists(path):
                raise AssertionError("%s is missing: run scripts/setup.sh" % what)
        holder = cls("test_login")
        et.DemoTestCase.setUp(holder)  # DemoTestCase's data folder; removed by doClassCleanups through the holder
        cls.holder = holder
        cls.addClassCleanup(holder.doCleanups)
        for name, u in USERS.items():
            holder.create_user(u["login"], password=u["password"], name=name.capitalize())
            holder.admin_json("address", "create", u["own"])
            args = ["--may-change-special-folders"] if name == "ana" else []
            holder.admin_json("access", "grant", u["own"], u["login"], *args)
        for name in ("ana", "bob"):
            holder.admin_json("access", "grant", et.DEMO_ADDRESS, USERS[name]["login"])
        cls.dist = os.path.join(holder.dir, "web-dist")
        build = subprocess.run([os.path.join(WEB, "node_modules", ".bin", "vite"), "build", "--logLevel", "warn",
                                "--outDir", cls.dist, "--emptyOutDir"], cwd=WEB, capture_output=True, text=True,
                               timeout=180)
        if build.returncode != 0:
            raise AssertionError("vite build failed:\n%s\n%s" % (build.stdout, build.stderr))
        cls.http, cls.smtp = et.free_port(), et.free_port()
        with open(holder.config, "w") as f:
            f.write('data_dir = "."\nhostname = "mail.demo.example"\n'
                    '[[listener]]\nprotocol = "http"\naddress = "127.0.0.1:%d"\n'
                    '[[listener]]\nprotocol = "smtp"\naddress = "127.0.0.1:%d"\n' % (cls.http, cls.smtp))
        cls.server = et.Server(holder.config, os.path.join(holder.dir, "serve.log"), ["--web-dir", cls.dist])
        cls.addClassCleanup(cls.server.close)
        cls.server.wait_http(cls.http)
        cls.artifacts = artifacts_dir()
        os.makedirs(cls.artifacts, exist_ok=True)
        cls.profiles = os.path.join(holder.dir, "profiles")

    def setUp(self):
        pass  # one server and data folder for the class (setUpClass)

    def scenario(self, name):
        env = dict(os.environ)
        env.update({"WEBAPP_BASE_URL": "http://127.0.0.1:%d" % self.http, "WEBAPP_SMTP_PORT": str(self.smtp),
                    "WEBAPP_ARTIFACTS": self.artifacts, "WEBAPP_PROFILES": self.profiles,
                    "WEBAPP_USERS": json.dumps(USERS), "WEBAPP_SHARED": et.DEMO_ADDRESS, "NODE_NO_WARNINGS": "1"})
        try:
            r = subprocess.run(["node", "e2e.mjs", name], cwd=E2E, env=env, stdin=subprocess.DEVNULL,
                               capture_output=True, text=True, timeout=SCENARIO_TIMEOUT)
        except subprocess.TimeoutExpired as e:
            self.fail("scenario %s did not finish within %d s\n--- stdout\n%s\n--- stderr\n%s\n--- server log (tail)\n%s"
                      % (name, SCENARIO_TIMEOUT, e.stdout, e.stderr, self.server.log()[-3000:]))
        report = "exit %s\n--- stdout\n%s--- stderr\n%s--- server log (tail)\n%s" % (
            r.returncode, r.stdout, r.stderr, self.server.log()[-3000:])
        self.assertEqual(r.returncode, 0, report)
        self.assertIn("webapp: %s passed" % name, r.stdout, report)

    def test_login(self):
        self.scenario("login")

    def test_hostile_html(self):
        self.scenario("hostile")

    def test_compose_reply_forward(self):
        self.scenario("compose")

    def test_attachments_zip_eml_headers(self):
        self.scenario("attachments")

    def test_search(self):
        self.scenario("search")

    def test_notifications(self):
        self.scenario("notify")

    def test_read_receipts(self):
        self.scenario("receipts")

    def test_special_folders(self):
        self.scenario("folders")

    def test_shared_address(self):
        self.scenario("shared")

    def test_vacation_reply(self):
        self.scenario("vacation")

    def test_identities_threads_drafts(self):
        self.scenario("identities")

    def test_pictures_and_previews(self):
        self.scenario("pictures")


if __name__ == "__main__":
    unittest.main()
