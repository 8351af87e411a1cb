"""Mail client set-up and the domain diagnostic, end to end:

- Thunderbird autoconfig and Outlook autodiscover over HTTP, and the Apple
  profile from `estafeta admin address profile`, read with real parsers
  (xml.etree, plistlib), every value checked;
- `estafeta dns check` against the server's own DNS listener on loopback
  (its [dns] servers), with a zone that is right and then broken."""

import os
import plistlib
import re
import sys
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cli"))
import estafeta_test as et  # noqa: E402

HOST = "mail.demo.example"
AD_REQUEST = "http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006"
AD_RESPONSE = "{http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a}"


class ServedTestCase(et.DemoTestCase):
    def start(self):
        self.dns_port, self.http = et.free_port(), et.free_port()
        with open(self.config, "w") as f:
            f.write('data_dir = "."\nhostname = "%s"\n[zones]\naddresses = ["127.0.0.1"]\n'
                    '[dns]\nservers = ["127.0.0.1:%d"]\n'
                    '[[listener]]\nprotocol = "dns"\naddress = "127.0.0.1:%d"\n'
                    '[[listener]]\nprotocol = "http"\naddress = "127.0.0.1:%d"\n'
                    % (HOST, self.dns_port, self.dns_port, self.http))
        self.server = et.Server(self.config, os.path.join(self.dir, "serve.log"))
        self.addCleanup(self.server.close)
        self.server.wait_http(self.http)

    def get(self, path, host="localhost"):
        req = urllib.request.Request("http://127.0.0.1:%d%s" % (self.http, path), headers={"Host": host})
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.headers.get("Content-Type"), r.read()

    def dns(self, *args):
        return et.run("dns", "--config", self.config, *args)


class AutoconfigTest(ServedTestCase):
    def test_thunderbird(self):
        self.start()
        for path, host in [("/.well-known/autoconfig/mail/config-v1.1.xml?emailaddress=hello%40demo.example", "x"),
                           ("/mail/config-v1.1.xml", "autoconfig.demo.example"),
                           ("/mail/config-v1.1.xml", "autoconfig.demo.example:8080")]:
            status, ctype, body = self.get(path, host)
            self.assertEqual(status, 200)
            self.assertTrue(ctype.startswith("application/xml"), ctype)
            root = ET.fromstring(body)
            self.assertEqual((root.tag, root.get("version")), ("clientConfig", "1.1"))
            provider = root.find("emailProvider")
            self.assertEqual(provider.get("id"), "demo.example")
            self.assertEqual(provider.findtext("domain"), "demo.example")
            servers = [(s.tag, s.get("type"), s.findtext("hostname"), s.findtext("port"), s.findtext("socketType"),
                        s.findtext("authentication"), s.findtext("username"))
                       for s in provider if s.tag in ("incomingServer", "outgoingServer")]
            self.assertEqual(servers, [
                ("incomingServer", "imap", HOST, "993", "SSL", "password-cleartext", "%EMAILADDRESS%"),
                ("incomingServer", "pop3", HOST, "995", "SSL", "password-cleartext", "%EMAILADDRESS%"),
                ("outgoingServer", "smtp", HOST, "587", "STARTTLS", "password-cleartext", "%EMAILADDRESS%"),
                ("outgoingServer", "smtp", HOST, "465", "SSL", "password-cleartext", "%EMAILADDRESS%"),
            ])
        with self.assertRaises(urllib.error.HTTPError) as e:
            self.get("/mail/config-v1.1.xml?emailaddress=a%40elsewhere.example")
        self.assertEqual(e.exception.code, 404)

    def autodiscover(self, body, path="/autodiscover/autodiscover.xml"):
        req = urllib.request.Request("http://127.0.0.1:%d%s" % (self.http, path), data=body,
                                     headers={"Content-Type": "text/xml"}, method="POST")
        with urllib.request.urlopen(req, timeout=10) as r:
            return ET.fromstring(r.read())

    def test_outlook(self):
        self.start()
        request = ('<?xml version="1.0" encoding="utf-8"?><Autodiscover xmlns="%s"><Request>'
                   '<EMailAddress>hello@demo.example</EMailAddress><AcceptableResponseSchema>'
                   'http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a'
                   '</AcceptableResponseSchema></Request></Autodiscover>' % AD_REQUEST).encode()
        for path in ("/autodiscover/autodiscover.xml", "/Autodiscover/Autodiscover.xml"):
            root = self.autodiscover(request, path)
            account = root.find(AD_RESPONSE + "Response/" + AD_RESPONSE + "Account")
            self.assertEqual(account.findtext(AD_RESPONSE + "AccountType"), "email")
            self.assertEqual(account.findtext(AD_RESPONSE + "Action"), "settings")
            protocols = {p.findtext(AD_RESPONSE + "Type"): p for p in account.findall(AD_RESPONSE + "Protocol")}
            imap, smtp = protocols["IMAP"], protocols["SMTP"]
            for p in (imap, smtp):
                self.assertEqual(p.findtext(AD_RESPONSE + "Server"), HOST)
                self.assertEqual(p.findtext(AD_RESPONSE + "LoginName"), "hello@demo.example")
                self.assertEqual(p.findtext(AD_RESPONSE + "AuthRequired"), "on")
            self.assertEqual((imap.findtext(AD_RESPONSE + "Port"), imap.findtext(AD_RESPONSE + "SSL")), ("993", "on"))
            self.assertEqual((smtp.findtext(AD_RESPONSE + "Port"), smtp.findtext(AD_RESPONSE + "Encryption")),
                             ("587", "TLS"))
        for bad in (request.replace(b"demo.example", b"elsewhere.example"), b"<Autodiscover/>", b"\xff" * 100):
            root = self.autodiscover(bad)
            self.assertEqual(root.find(".//{*}ErrorCode").text, "600")
        # More than the route takes: refused before it is read.
        with self.assertRaises(urllib.error.HTTPError) as e:
            self.autodiscover(b"x" * 9000)
        self.assertEqual(e.exception.code, 413)

    def test_apple_profile(self):
        r = self.admin("address", "profile", et.DEMO_ADDRESS)
        self.assertOk(r)
        plain = plistlib.loads(r.out.encode())
        self.assertEqual(plain["PayloadType"], "Configuration")
        account = plain["PayloadContent"][0]
        self.assertNotIn("IncomingPassword", account)
        r = self.admin("address", "profile", et.DEMO_ADDRESS, "--login", et.DEMO_ADMIN, "--label", "Ana's iPhone")
        self.assertOk(r)
        profile = plistlib.loads(r.out.encode())
        self.assertEqual((profile["PayloadType"], profile["PayloadVersion"]), ("Configuration", 1))
        self.assertRegex(profile["PayloadUUID"], r"^[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$")
        self.assertNotEqual(profile["PayloadUUID"], plain["PayloadUUID"])
        account = profile["PayloadContent"][0]
        expected = {
            "PayloadType": "com.apple.mail.managed", "EmailAccountType": "EmailTypeIMAP",
            "EmailAddress": et.DEMO_ADDRESS, "IncomingMailServerHostName": "localhost",
            "IncomingMailServerPortNumber": 993, "IncomingMailServerUseSSL": True,
            "IncomingMailServerUsername": et.DEMO_ADDRESS, "IncomingMailServerAuthentication": "EmailAuthPassword",
            "OutgoingMailServerHostName": "localhost", "OutgoingMailServerPortNumber": 587,
            "OutgoingMailServerUseSSL": True, "OutgoingMailServerUsername": et.DEMO_ADDRESS,
            "OutgoingPasswordSameAsIncomingPassword": True,
        }
        for key, value in expected.items():
            self.assertEqual(account[key], value, key)
        # The embedded password is a new device password labelled with the device, and it logs in.
        devices = self.devices(et.DEMO_ADDRESS)
        self.assertIn("Ana's iPhone", [d["label"] for d in devices])
        self.assertRegex(account["IncomingPassword"], r"^([a-z2-9]{4}-){7}[a-z2-9]{4}$")
        self.assertRefused(self.admin("--as", "admin@demo.example", "address", "profile", "nobody@demo.example"))
        self.assertUsage(self.admin("address", "profile", et.DEMO_ADDRESS, "--label", "x"), "--login")


class DiagnosticTest(ServedTestCase):
    def items(self, domain):
        """Each item name with its worst item (DKIM has one per key)."""
        r = self.dns("--json", "check", domain)
        self.assertIn(r.code, (et.EXIT_OK, et.EXIT_FAILED), r)
        rank = {"ok": 0, "warning": 1, "error": 2}
        out = {}
        for i in r.json()["items"]:
            if i["name"] not in out or rank[i["level"]] > rank[out[i["name"]]["level"]]:
                out[i["name"]] = i
        return out, r

    def test_a_right_zone_and_a_broken_one(self):
        self.start()
        # The server's own names live in demo.example's zone: its SPF host and its address.
        self.assertOk(self.dns("record", "add", "demo.example", "spf.mail", "TXT", "v=spf1 ip4:127.0.0.1 -all"))
        self.assertOk(self.dns("record", "add", "demo.example", "mail", "A", "127.0.0.1"))
        # A domain added now gets a zone with this configuration's names.
        self.assertOk(self.admin("domain", "add", "--service", et.DEMO_SERVICE, "good.example"))
        time.sleep(1)  # the listener reloads its zones
        items, r = self.items("good.example")
        for name in ("mx", "spf", "dkim", "dmarc", "srv", "autoconfig"):
            self.assertEqual(items[name]["level"], "ok", (name, items[name], r.out))
        self.assertNotEqual(items["tls"]["level"], "ok", "a self-signed certificate is not ok")
        # Break it: MX elsewhere, no SPF, no DMARC, a DKIM record removed.
        zone = et.run("dns", "--config", self.config, "--json", "zone", "show", "good.example").json()
        def ids(name, rtype):
            return [rec["id"] for rec in zone["records"] if rec["name"] == name and rec["type"] == rtype]
        self.assertOk(self.dns("record", "edit", "good.example", str(ids("good.example", "MX")[0]), "@", "MX",
                               "10 mx.elsewhere.example."))
        self.assertOk(self.dns("record", "delete", "good.example", str(ids("good.example", "TXT")[0])))
        self.assertOk(self.dns("record", "delete", "good.example", str(ids("_dmarc.good.example", "TXT")[0])))
        dkim_name = [rec["name"] for rec in zone["records"] if "._domainkey." in rec["name"]][0]
        self.assertOk(self.dns("record", "delete", "good.example", str(ids(dkim_name, "TXT")[0])))
        time.sleep(1)
        items, r = self.items("good.example")
        self.assertExit(r, et.EXIT_FAILED)
        self.assertEqual(items["mx"]["level"], "error")
        self.assertIn("MX 10 %s" % HOST, items["mx"]["fix"])
        self.assertEqual(items["spf"]["level"], "error")
        self.assertIn('TXT "v=spf1 include:spf.%s -all"' % HOST, items["spf"]["fix"])
        self.assertEqual(items["dmarc"]["level"], "warning")
        self.assertIn("v=DMARC1; p=none", items["dmarc"]["fix"])
        self.assertEqual(items["dkim"]["level"], "error")
        self.assertIn(dkim_name, items["dkim"]["fix"])
        # Two SPF records: an error whose fix is the merged record.
        self.assertOk(self.dns("record", "add", "good.example", "@", "TXT", "v=spf1 include:spf.%s -all" % HOST))
        time.sleep(1)
        items, _ = self.items("good.example")
        self.assertEqual(items["spf"]["level"], "ok", items["spf"])
        # Human output: one line per item, fixes under them.
        r = self.dns("check", "good.example")
        self.assertRegex(r.out, r"(?m)^error\s+mx\s+")
        self.assertRegex(r.out, r"(?m)^\s+fix: ")


if __name__ == "__main__":
    import unittest
    unittest.main()
