"""The config file (src/core/config.cpp) through the binary: strict TOML.

Every mistake stops both `estafeta admin` and `estafeta serve` with exit
code 2 and one line on stderr that names the file, the line and the key;
nothing is created in the data folder of a config that was refused.
"""

import os
import time
import unittest

from estafeta_test import EXIT_OK, EstafetaTestCase, Server, make_tmpdir, run


class ConfigTestCase(EstafetaTestCase):
    def setUp(self):
        self.dir = make_tmpdir(self)
        self.path = os.path.join(self.dir, "estafeta.toml")
        self.data = os.path.join(self.dir, "data")
        # Commands run elsewhere: relative paths must follow the config file.
        self.cwd = make_tmpdir(self)

    def write(self, text):
        with open(self.path, "w", encoding="utf-8") as f:
            f.write(text)

    def commands(self, path=None):
        path = path or self.path
        return [("admin", "--config", path, "org", "list"), ("serve", "--config", path)]

    def check_error(self, text, line, *fragments, serve=True):
        """`text` is refused by admin (and serve): exit 2, one line
        "estafeta: PATH:LINE: …" containing every fragment; no data folder."""
        self.write(text)
        msg = None
        for args in self.commands()[:None if serve else 1]:
            with self.subTest(command=args[0]):
                r = run(*args, cwd=self.cwd, timeout=3)
                self.assertUsage(r)
                msg = self.assertOneErrorLine(r, *fragments)
                self.assertTrue(msg.startswith("estafeta: %s:%d: " % (self.path, line)), repr(r))
                self.assertFalse(os.path.exists(self.data), "a refused config made its data folder")
                self.assertEqual(os.listdir(self.cwd), [])
        return msg


class ValidConfigTest(ConfigTestCase):
    def test_minimal_config(self):
        self.write('data_dir = "data"\n')
        r = self.assertOk(run("admin", "--config", self.path, "org", "list", cwd=self.cwd))
        self.assertEqual(r.out.strip(), "no organisations")
        # data_dir is relative to the config file, not to the working folder.
        self.assertTrue(os.path.isfile(os.path.join(self.data, "estafeta.db")))
        self.assertEqual(os.listdir(self.cwd), [])

    def test_empty_file_uses_the_defaults(self):
        self.write("")
        self.assertOk(run("admin", "--config", self.path, "org", "list", cwd=self.cwd))
        self.assertTrue(os.path.isfile(os.path.join(self.data, "estafeta.db")))

    def test_every_setting(self):
        self.write("""# every key once
data_dir = "store"
hostname = "mail.example.com"
threads = 2

[tls]
cert = "tls/c.pem"
key = "tls/k.pem"

[log]
level = "debug"
format = "json"

[limits]
max_message_size = 1048576

[[listener]]
protocol = "imap"
address = "127.0.0.1:1143"
plaintext_auth = true

[[listener]]
protocol = "imaps"
address = "[::1]:1993"

[[listener]]
protocol = "submission"
address = "127.0.0.2:1587"
plaintext_auth = true

[[listener]]
protocol = "https"
address = "0.0.0.0:8443"
""")
        r = self.assertOk(run("admin", "--config", self.path, "--json", "org", "list", cwd=self.cwd))
        self.assertEqual(r.json(), [])
        self.assertTrue(os.path.isfile(os.path.join(self.dir, "store", "estafeta.db")))

    def test_same_port_on_different_addresses(self):
        self.write('data_dir = "data"\n[[listener]]\nprotocol = "imap"\naddress = "127.0.0.1:1143"\n'
                   '[[listener]]\nprotocol = "imap"\naddress = "127.0.0.2:1143"\n')
        self.assertOk(run("admin", "--config", self.path, "org", "list", cwd=self.cwd))

    def test_serve_minimal_config_starts_and_stops(self):
        self.write('data_dir = "data"\n')
        server = Server(self.path, os.path.join(self.dir, "serve.log"))
        self.addCleanup(server.close)
        deadline = time.monotonic() + 10
        while "serve.started" not in server.log() and time.monotonic() < deadline:
            self.assertIsNone(server.proc.poll(), server.log())
            time.sleep(0.05)
        self.assertIn("serve.started", server.log())
        self.assertEqual(server.stop(), EXIT_OK, server.log())


class TopLevelTest(ConfigTestCase):
    def test_unknown_key(self):
        msg = self.check_error('data_dir = "data"\nhostname = "localhost"\ncolour = "blue"\n', 3,
                               "colour", "unknown key")
        self.assertIn("hostname", msg)  # the keys that are allowed

    def test_unknown_table(self):
        self.check_error('data_dir = "data"\n\n[storage]\npath = "x"\n', 3, "storage", "unknown key")

    def test_misspelt_key(self):
        self.check_error('data_dir = "data"\nhost_name = "mail.example.com"\n', 2, "host_name", "unknown key")

    def test_hostname_wrong_type(self):
        self.check_error('data_dir = "data"\nhostname = 5\n', 2, "hostname", "expected a string")

    def test_hostname_not_a_host_name(self):
        self.check_error('data_dir = "data"\nhostname = "mail example"\n', 2, "hostname", "host name")

    def test_hostname_made_of_dots_and_dashes(self):
        # Only the character set is not enough: these are no host names, and
        # would go into greetings, Received: fields and the certificate.
        # (admin only: serve reads the config with the same code, and a
        # serve that wrongly starts costs a timeout per name.)
        for name in ("-..", "mail..example.com", ".example.com", "-mail.example.com", "mail-.example.com"):
            with self.subTest(hostname=name):
                self.check_error('data_dir = "data"\nhostname = "%s"\n' % name, 2, "hostname", serve=False)

    def test_hostname_single_label_is_fine(self):
        self.write('data_dir = "data"\nhostname = "localhost"\n')
        self.assertOk(run("admin", "--config", self.path, "org", "list", cwd=self.cwd))

    def test_hostname_empty(self):
        self.check_error('data_dir = "data"\nhostname = ""\n', 2, "hostname")

    def test_data_dir_wrong_type(self):
        self.check_error('data_dir = ["data"]\n', 1, "data_dir", "expected a string")

    def test_data_dir_empty(self):
        self.check_error('data_dir = ""\n', 1, "data_dir", "non-empty path")

    def test_threads_wrong_type(self):
        self.check_error('data_dir = "data"\nthreads = "4"\n', 2, "threads", "expected an integer")

    def test_threads_out_of_range(self):
        self.check_error('data_dir = "data"\nthreads = 1000\n', 2, "threads", "0 to 256")

    def test_log_level(self):
        self.check_error('data_dir = "data"\n[log]\nlevel = "verbose"\n', 3, "log.level", "trace, debug, info")

    def test_log_format(self):
        self.check_error('data_dir = "data"\n[log]\nformat = "xml"\n', 3, "log.format", "json")

    def test_log_not_a_table(self):
        self.check_error('data_dir = "data"\nlog = "debug"\n', 2, "log", "expected a table")

    def test_log_unknown_key(self):
        self.check_error('data_dir = "data"\n[log]\nlevel = "info"\nfile = "x.log"\n', 4, "log.file", "unknown key")

    def test_tls_needs_both_files(self):
        self.check_error('data_dir = "data"\n[tls]\ncert = "c.pem"\n', 2, "tls", "cert and key")

    def test_limits_too_small(self):
        self.check_error('data_dir = "data"\n[limits]\nmax_message_size = 10\n', 3, "limits.max_message_size", "1024")

    def test_listener_not_an_array(self):
        self.check_error('data_dir = "data"\nlistener = "imap"\n', 2, "listener", "[[listener]]")


class ListenerTest(ConfigTestCase):
    def listener(self, *lines, before=""):
        return 'data_dir = "data"\n' + before + "[[listener]]\n" + "".join(l + "\n" for l in lines)

    def test_misspelt_key(self):
        msg = self.check_error(self.listener('protocol = "imap"', 'adress = "127.0.0.1:1143"'), 4,
                               "listener[0].adress", "unknown key")
        self.assertIn("address", msg)

    def test_misspelt_key_in_second_listener(self):
        first = '[[listener]]\nprotocol = "http"\naddress = "127.0.0.1:8080"\n'
        self.check_error(self.listener('protocol = "imap"', 'address = "127.0.0.1:1143"', "plaintext = true",
                                       before=first), 8, "listener[1].plaintext", "unknown key")

    def test_unknown_protocol(self):
        msg = self.check_error(self.listener('protocol = "imap4"', 'address = "127.0.0.1:1143"'), 3,
                               "listener[0].protocol", "imap4")
        self.assertIn("imaps", msg)  # the protocols that exist

    def test_protocol_missing(self):
        self.check_error(self.listener('address = "127.0.0.1:1143"'), 2, "listener[0].protocol", "missing")

    def test_protocol_wrong_type(self):
        self.check_error(self.listener("protocol = 143", 'address = "127.0.0.1:1143"'), 3, "listener[0].protocol",
                         "expected a string")

    def test_address_missing(self):
        self.check_error(self.listener('protocol = "imap"'), 2, "listener[0].address", "missing")

    def test_host_name_instead_of_address(self):
        self.check_error(self.listener('protocol = "imap"', 'address = "localhost:143"'), 4, "listener[0].address",
                         "'localhost'", "numeric")

    def test_port_too_large(self):
        self.check_error(self.listener('protocol = "imap"', 'address = "127.0.0.1:99999"'), 4, "listener[0].address",
                         "99999", "1-65535")

    def test_port_zero(self):
        self.check_error(self.listener('protocol = "imap"', 'address = "127.0.0.1:0"'), 4, "listener[0].address",
                         "1-65535")

    def test_port_missing(self):
        self.check_error(self.listener('protocol = "imap"', 'address = "127.0.0.1"'), 4, "listener[0].address",
                         "host:port")

    def test_port_not_a_number(self):
        self.check_error(self.listener('protocol = "imap"', 'address = "127.0.0.1:imap"'), 4, "listener[0].address",
                         "port")

    def test_bad_ipv6_syntax(self):
        self.check_error(self.listener('protocol = "imap"', 'address = "[::1:1143"'), 4, "listener[0].address")

    def test_ipv6_without_brackets(self):
        self.check_error(self.listener('protocol = "imap"', 'address = "::1:1143"'), 4, "listener[0].address")

    def test_address_wrong_type(self):
        self.check_error(self.listener('protocol = "imap"', "address = 1143"), 4, "listener[0].address",
                         "expected a string")

    def test_plaintext_auth_on_any_address(self):
        self.check_error(self.listener('protocol = "imap"', 'address = "0.0.0.0:1143"', "plaintext_auth = true"), 5,
                         "listener[0].plaintext_auth", "loopback")

    def test_plaintext_auth_on_public_address(self):
        self.check_error(self.listener('protocol = "pop3"', 'address = "192.0.2.1:110"', "plaintext_auth = true"), 5,
                         "listener[0].plaintext_auth", "loopback")

    def test_plaintext_auth_on_ipv6_any(self):
        self.check_error(self.listener('protocol = "imap"', 'address = "[::]:1143"', "plaintext_auth = true"), 5,
                         "listener[0].plaintext_auth", "loopback")

    def test_plaintext_auth_wrong_type(self):
        self.check_error(self.listener('protocol = "imap"', 'address = "127.0.0.1:1143"', 'plaintext_auth = "yes"'),
                         5, "listener[0].plaintext_auth", "true or false")

    def test_plaintext_auth_false_on_any_address_is_fine(self):
        self.write(self.listener('protocol = "imap"', 'address = "0.0.0.0:1143"', "plaintext_auth = false"))
        self.assertOk(run("admin", "--config", self.path, "org", "list", cwd=self.cwd))

    def test_duplicate_address(self):
        first = '[[listener]]\nprotocol = "imap"\naddress = "127.0.0.1:1143"\n'
        self.check_error(self.listener('protocol = "pop3"', 'address = "127.0.0.1:1143"', before=first), 7,
                         "listener[1].address", "127.0.0.1:1143", "already used")

    def test_duplicate_address_spelt_differently(self):
        # [::1] and [0:0:0:0:0:0:0:1] are the same socket address: the second
        # listener could never bind. The config must say so, not `serve`.
        first = '[[listener]]\nprotocol = "imap"\naddress = "[::1]:1143"\n'
        self.check_error(self.listener('protocol = "pop3"', 'address = "[0:0:0:0:0:0:0:1]:1143"', before=first), 7,
                         "listener[1].address", "already used")


class FileTest(ConfigTestCase):
    def test_missing_file(self):
        path = os.path.join(self.dir, "absent.toml")
        for args in self.commands(path):
            with self.subTest(command=args[0]):
                r = run(*args, cwd=self.cwd, timeout=3)
                self.assertUsage(r)
                self.assertOneErrorLine(r, path, "cannot read the config file")
                self.assertEqual(os.listdir(self.dir), [])
                self.assertEqual(os.listdir(self.cwd), [])

    def test_config_is_a_directory(self):
        # A folder is not a config file: it must not be read as an empty
        # one (which would start a fresh, empty store beside it).
        folder = os.path.join(self.dir, "conf.d")
        os.mkdir(folder)
        for args in self.commands(folder):
            with self.subTest(command=args[0]):
                r = run(*args, cwd=self.cwd, timeout=3)
                self.assertUsage(r)
                self.assertOneErrorLine(r, folder)
                self.assertEqual(sorted(os.listdir(self.dir)), ["conf.d"])

    def test_syntax_error(self):
        self.check_error('data_dir = "data"\nhostname = "unterminated\n', 2)

    def test_syntax_error_line(self):
        self.check_error('data_dir = "data"\n\n[log]\nlevel = info\n', 4)

    def test_duplicate_key(self):
        self.check_error('data_dir = "data"\nhostname = "a.example"\nhostname = "b.example"\n', 3, "hostname")

    def test_default_config_path(self):
        # Without --config: data/estafeta.toml in the working folder.
        r = run("admin", "org", "list", cwd=self.cwd)
        self.assertUsage(r)
        self.assertOneErrorLine(r, "data/estafeta.toml", "cannot read the config file")
        self.assertEqual(os.listdir(self.cwd), [])


if __name__ == "__main__":
    unittest.main()
