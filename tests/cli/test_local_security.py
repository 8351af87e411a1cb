"""What the binary leaves on the machine it runs on:

- every file in the data folder (database with -wal and -shm, blobs, keys,
  certificate, config) is its owner's alone, and a data folder open to
  others is warned about (refused when others may write in it);
- a password typed for `--password-stdin` on a terminal is not echoed, and
  the terminal's echo comes back afterwards, even when interrupted.
"""

import os
import pty
import re
import select
import signal
import stat
import subprocess
import termios
import time
import unittest

import estafeta_test as et


def files_under(root):
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            yield os.path.join(folder, name)


class DataFolderModesTest(et.DemoTestCase):
    def write_config(self):
        """Listeners on free ports: (http, imap)."""
        http = et.free_port()
        imap = et.free_port()
        while imap == http:
            imap = et.free_port()
        with open(self.config, "w") as f:
            f.write('data_dir = "."\n[[listener]]\nprotocol = "http"\naddress = "127.0.0.1:%d"\n'
                    '[[listener]]\nprotocol = "imap"\naddress = "127.0.0.1:%d"\nplaintext_auth = true\n' % (http, imap))
        return http, imap

    def serve(self):
        http, imap = self.write_config()
        server = et.Server(self.config, os.path.join(self.dir, "serve.log"))
        self.addCleanup(server.close)
        server.wait_http(http)
        return server, imap

    def test_every_file_is_the_owners_alone(self):
        server, imap = self.serve()
        # Mail in: a blob on disk, the database's -wal and -shm in use.
        password = re.search(r"device password\s+(\S+)", self.quickstart_output).group(1)
        c = et.LineSocket(imap)
        self.addCleanup(c.close)
        c.line()
        c.send('a LOGIN "%s" "%s"\r\n' % (et.DEMO_ADDRESS, password))
        self.assertTrue(c.line().startswith(b"a OK"))
        body = b"Subject: kept private\r\n\r\n" + b"z" * 100000 + b"\r\n"  # past the inline limit: a file
        c.send(b"b APPEND INBOX {%d+}\r\n" % len(body) + body + b"\r\n")
        self.assertTrue(c.line(30).startswith(b"b OK"))
        seen = set()
        for path in [self.data] + list(files_under(self.data)):
            if path.endswith("serve.log") or path.startswith(os.path.join(self.data, "..")):
                continue
            mode = stat.S_IMODE(os.lstat(path).st_mode)
            self.assertEqual(mode & 0o077, 0, "%s is mode %04o" % (path, mode))
            seen.add(os.path.basename(path))
        for name in ("estafeta.db", "estafeta.db-wal", "estafeta.db-shm", "device-key", "estafeta.toml", "blobs",
                     "cert.pem", "key.pem"):
            self.assertIn(name, seen)
        self.assertTrue(any(os.path.isfile(p) for p in files_under(os.path.join(self.data, "blobs"))), "a blob was written")

    def test_data_folder_open_to_others_is_warned_about(self):
        os.chmod(self.data, 0o755)
        r = et.run("admin", "--config", self.config, "--json", "org", "list")
        self.assertExit(r, et.EXIT_OK)
        self.assertIn("warning", r.err)
        self.assertIn(self.data, r.err)
        self.assertIn("0755", r.err)
        self.assertIn("chmod 700 %s" % self.data, r.err)
        self.assertEqual(len(et.error_lines(r.err)), 1, r)
        r.json()  # stdout stays machine-readable
        server, _ = self.serve()
        server.stop()
        self.assertIn("data_dir.open_to_others", server.log())
        self.assertIn("chmod 700", server.log())

    def test_world_writable_data_folder_is_refused(self):
        self.write_config()
        os.chmod(self.data, 0o777)
        self.addCleanup(os.chmod, self.data, 0o700)
        r = et.run("serve", "--config", self.config, timeout=20)
        self.assertRefused(r, "writable by every user", "chmod 700 %s" % self.data)


class PasswordOnTerminalTest(et.DemoTestCase):
    PASSWORD = "Typed-On-A-Terminal-42"

    def start_on_pty(self):
        """`user create --password-stdin` with a pseudo-terminal as stdin,
        stdout and stderr; returns (process, master fd, slave fd)."""
        master, slave = pty.openpty()
        self.addCleanup(os.close, master)
        self.addCleanup(os.close, slave)
        p = subprocess.Popen([et.BIN, "admin", "--config", self.config, "user", "create", "--org", et.DEMO_ORG,
                              "--login", "tty@demo.example", "--name", "Tty", "--password-stdin"],
                             stdin=slave, stdout=slave, stderr=slave, env=et.child_env(), start_new_session=True)
        self.addCleanup(lambda: p.poll() is None and (p.kill(), p.wait()))
        return p, master, slave

    def read_until(self, master, what, timeout=20):
        out = b""
        deadline = time.monotonic() + timeout
        while what not in out:
            left = deadline - time.monotonic()
            if left <= 0:
                self.fail("no %r on the terminal within %d s: %r" % (what, timeout, out))
            ready, _, _ = select.select([master], [], [], left)
            if ready:
                try:
                    out += os.read(master, 4096)
                except OSError:  # EIO: the other side closed
                    break
        return out

    def drain(self, master, p, timeout=20):
        out = b""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(master, 4096)
                except OSError:
                    break
                if not chunk:
                    break
                out += chunk
            elif p.poll() is not None:
                break
        return out

    def test_typed_password_is_not_echoed(self):
        p, master, slave = self.start_on_pty()
        out = self.read_until(master, b"password: ")
        os.write(master, (self.PASSWORD + "\n").encode())
        out += self.drain(master, p)
        self.assertEqual(p.wait(30), et.EXIT_OK, out)
        self.assertNotIn(self.PASSWORD.encode(), out)
        self.assertIn(b"user 'tty@demo.example' created", out)
        self.assertTrue(termios.tcgetattr(slave)[3] & termios.ECHO, "echo is back on afterwards")
        self.assertTrue(self.users()["tty@demo.example"]["has_password"])

    def test_echo_restored_when_interrupted(self):
        p, master, slave = self.start_on_pty()
        self.read_until(master, b"password: ")
        self.assertFalse(termios.tcgetattr(slave)[3] & termios.ECHO, "echo is off while the password is typed")
        p.send_signal(signal.SIGINT)
        self.assertEqual(p.wait(30), -signal.SIGINT)
        self.assertTrue(termios.tcgetattr(slave)[3] & termios.ECHO, "echo is back on after Ctrl-C")
        self.assertNotIn("tty@demo.example", self.users())


if __name__ == "__main__":
    unittest.main()
