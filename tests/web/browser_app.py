"""The machinery of the browser tests (test_webapp.py, test_console_*.py).

A class of tests builds the app from web/ with Vite into its data folder
(so a test always runs the sources as they are, whatever the binary
embeds), then starts one server for all its tests with `serve --web-dir`
that build, an HTTP listener and an SMTP (MX) listener on 127.0.0.1, and
the users:

- ana: her own address (with the permission to change its special
  folders) and the shared hello@demo.example (without it);
- bob: his own address and the shared one;
- carol: an address of her own.

A class may add more in `prepare(holder)`. Each test runs one scenario of
the class's SCRIPT in tests/webapp (node SCRIPT NAME), which prints
"webapp: ..." steps and ends with "webapp: NAME passed". Screenshots go to
$ESTAFETA_TEST_TMP/../webapp-artifacts/."""

import fcntl
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


class BrowserAppCase(et.DemoTestCase):
    SCRIPT = "e2e.mjs"  # in tests/webapp
    env_extra = {}  # more environment for the scenarios (set by prepare)
    LISTENERS = ()  # more listeners on 127.0.0.1 ("imap", "pop3", "submission", "dns"…); their ports in WEBAPP_PORTS

    @classmethod
    def config_extra(cls):
        """More of the server's configuration (TOML, after the listeners; cls.ports is known).
        With a "dns" listener, the server resolves through it alone: nothing is asked beyond loopback."""
        if "dns" in cls.ports:
            return '[dns]\nservers = ["127.0.0.1:%d"]\n' % cls.ports["dns"]
        return ""

    @classmethod
    def prepare(cls, holder):
        """More users, addresses or settings for the class's scenarios (holder: a DemoTestCase);
        what the scenarios must know goes into cls.env_extra."""

    @classmethod
    def setUpClass(cls):
        for what, path in (("node", shutil.which("node")), ("chromium", CHROMIUM if os.path.exists(CHROMIUM) else None),
                           ("web/node_modules (vite)", os.path.join(WEB, "node_modules", ".bin", "vite")),
                           ("tests/webapp/node_modules (playwright-core)",
                            os.path.join(E2E, "node_modules", "playwright-core", "package.json"))):
            if not path or not os.path.exists(path):
                raise AssertionError("%s is missing: run scripts/setup.sh" % what)
        holder = cls(cls.first_test())
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
        cls.prepare(holder)
        cls.dist = os.path.join(holder.dir, "web-dist")
        # One build at a time: Vite refuses to start while another build of web/ runs (its command lock),
        # and the test runner starts classes side by side. Each build writes its own folder.
        with open(os.path.join(tempfile.gettempdir(), "estafeta-test-vite-build.lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            build = subprocess.run([os.path.join(WEB, "node_modules", ".bin", "vite"), "build", "--logLevel",
                                    "warn", "--outDir", cls.dist, "--emptyOutDir"], cwd=WEB, capture_output=True,
                                   text=True, timeout=180)
        if build.returncode != 0:
            raise AssertionError("vite build failed:\n%s\n%s" % (build.stdout, build.stderr))
        cls.http, cls.smtp = et.free_port(), et.free_port()
        cls.ports = {"http": cls.http, "smtp": cls.smtp}
        for protocol in cls.LISTENERS:
            cls.ports[protocol] = et.free_port()
        with open(holder.config, "w") as f:
            f.write('data_dir = "."\nhostname = "mail.demo.example"\n')
            for protocol, port in cls.ports.items():
                f.write('[[listener]]\nprotocol = "%s"\naddress = "127.0.0.1:%d"\n' % (protocol, port))
            f.write(cls.config_extra())
        cls.server = et.Server(holder.config, os.path.join(holder.dir, "serve.log"), ["--web-dir", cls.dist])
        cls.addClassCleanup(cls.server.close)
        cls.server.wait_http(cls.http)
        cls.artifacts = artifacts_dir()
        os.makedirs(cls.artifacts, exist_ok=True)
        cls.profiles = os.path.join(holder.dir, "profiles")

    @classmethod
    def first_test(cls):
        return next(n for n in sorted(dir(cls)) if n.startswith("test_"))

    def setUp(self):
        pass  # one server and data folder for the class (setUpClass)

    def scenario(self, name):
        env = dict(os.environ)
        env.update({"WEBAPP_BASE_URL": "http://127.0.0.1:%d" % self.http, "WEBAPP_SMTP_PORT": str(self.smtp),
                    "WEBAPP_ARTIFACTS": self.artifacts, "WEBAPP_PROFILES": self.profiles,
                    "WEBAPP_USERS": json.dumps(USERS), "WEBAPP_SHARED": et.DEMO_ADDRESS, "NODE_NO_WARNINGS": "1"})
        env["WEBAPP_PORTS"] = json.dumps(self.ports)
        env.update(self.env_extra)
        try:
            r = subprocess.run(["node", self.SCRIPT, name], cwd=E2E, env=env, stdin=subprocess.DEVNULL,
                               capture_output=True, text=True, timeout=SCENARIO_TIMEOUT)
        except subprocess.TimeoutExpired as e:
            self.fail("scenario %s did not finish within %d s\n--- stdout\n%s\n--- stderr\n%s\n--- server log (tail)\n%s"
                      % (name, SCENARIO_TIMEOUT, e.stdout, e.stderr, self.server.log()[-3000:]))
        report = "exit %s\n--- stdout\n%s--- stderr\n%s--- server log (tail)\n%s" % (
            r.returncode, r.stdout, r.stderr, self.server.log()[-3000:])
        self.assertEqual(r.returncode, 0, report)
        self.assertIn("webapp: %s passed" % name, r.stdout, report)
