"""DNS zones end to end: the `estafeta dns` commands edit a domain's zone,
and the `dns` listener answers from it over UDP and TCP, asked with dig
(bind9-dnsutils) — flags, sections, rcodes, truncation, and changes made by
another process seen without a restart."""

import os
import re
import socket
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cli"))
import estafeta_test as et  # noqa: E402

DOMAIN = et.DEMO_DOMAIN


class ZoneTestCase(et.DemoTestCase):
    def dns(self, *args, as_login=None):
        extra = ["--as", as_login] if as_login else []
        return et.run("dns", "--config", self.config, *extra, *args)

    def dns_json(self, *args, as_login=None):
        r = self.dns("--json", *args, as_login=as_login)
        self.assertOk(r)
        return r.json()

    def records(self, name=None, rtype=None):
        zone = self.dns_json("zone", "show", DOMAIN)
        return [r for r in zone["records"]
                if (name is None or r["name"] == name) and (rtype is None or r["type"] == rtype)]


class ZoneCommandsTest(ZoneTestCase):
    def test_a_new_domain_has_its_mail_records(self):
        zone = self.dns_json("zone", "show", DOMAIN)
        self.assertRegex(str(zone["serial"]), r"^20\d{8}$")
        types = {(r["name"], r["type"]) for r in zone["records"]}
        for want in [(DOMAIN, "SOA"), (DOMAIN, "NS"), (DOMAIN, "MX"), (DOMAIN, "TXT"), ("_dmarc." + DOMAIN, "TXT"),
                     ("_imaps._tcp." + DOMAIN, "SRV"), ("_submission._tcp." + DOMAIN, "SRV"),
                     ("_submissions._tcp." + DOMAIN, "SRV"), ("_pop3s._tcp." + DOMAIN, "SRV"),
                     ("autoconfig." + DOMAIN, "CNAME"), ("autodiscover." + DOMAIN, "CNAME")]:
            self.assertIn(want, types)
        spf = [r["data"] for r in self.records(DOMAIN, "TXT")]
        self.assertEqual(len(spf), 1)
        self.assertRegex(spf[0], r'^"v=spf1 include:\S+ -all"$')
        keys = self.dns_json("dkim", "list", DOMAIN)
        self.assertEqual(sorted(k["algorithm"] for k in keys), ["ed25519-sha256", "rsa-sha256"])
        for k in keys:
            self.assertEqual(k["state"], "active")
            published = self.records(k["record_name"], "TXT")
            self.assertEqual(len(published), 1, k)
            self.assertIn("p=", published[0]["data"])
            self.assertNotIn("private", str(k).lower())
        listed = self.dns_json("zone", "list")
        self.assertEqual([z["domain"] for z in listed], [DOMAIN])

    def test_records_are_added_edited_deleted_and_checked(self):
        serial = self.dns_json("zone", "show", DOMAIN)["serial"]
        added = self.dns_json("record", "add", DOMAIN, "www", "A", "192.0.2.80", "--ttl", "300")
        self.assertEqual((added["name"], added["ttl"], added["data"]), ("www." + DOMAIN, 300, "192.0.2.80"))
        self.assertGreater(self.dns_json("zone", "show", DOMAIN)["serial"], serial)
        long_txt = "k=" + "x" * 600
        txt = self.dns_json("record", "add", DOMAIN, "long", "TXT", long_txt)
        self.assertEqual(txt["data"].count('"'), 6, "split into 255-octet strings")
        # One SPF per name: refused, pointing at the merge.
        r = self.dns("record", "add", DOMAIN, "@", "TXT", "v=spf1 include:other.example ~all")
        self.assertRefused(r, "merge")
        # CNAME beside other data; bad data; a name outside the zone; an unknown type.
        self.assertRefused(self.dns("record", "add", DOMAIN, "www", "CNAME", "web.example.net."), "CNAME")
        self.assertRefused(self.dns("record", "add", DOMAIN, "x", "A", "300.1.1.1"))
        self.assertRefused(self.dns("record", "add", DOMAIN, "x.other.example.", "A", "192.0.2.1"), "outside")
        self.assertRefused(self.dns("record", "add", DOMAIN, "x", "WKS", "1"), "unknown record type")
        edited = self.dns_json("record", "edit", DOMAIN, str(added["id"]), "www", "A", "192.0.2.81")
        self.assertEqual((edited["data"], edited["ttl"]), ("192.0.2.81", 300))
        self.assertOk(self.dns("record", "delete", DOMAIN, str(added["id"])))
        self.assertEqual(self.records("www." + DOMAIN), [])
        self.assertRefused(self.dns("record", "delete", DOMAIN, str(added["id"])), "no record")
        soa = self.records(DOMAIN, "SOA")[0]
        self.assertRefused(self.dns("record", "delete", DOMAIN, str(soa["id"])), "SOA")

    def test_an_organisation_sees_only_its_own_zones(self):
        self.create_org_with_address("Other", "other-mail", "other.example", "info@other.example",
                                     "admin@other.example")
        other = self.dns_json("zone", "list", as_login="admin@other.example")
        self.assertEqual([z["domain"] for z in other], ["other.example"])
        self.assertRefused(self.dns("zone", "show", DOMAIN, as_login="admin@other.example"), "no such domain")
        www = self.dns_json("record", "add", DOMAIN, "www", "A", "192.0.2.80")
        self.assertRefused(self.dns("record", "delete", "other.example", str(www["id"]), as_login="admin@other.example"),
                           "no record")
        self.assertRefused(self.dns("record", "add", DOMAIN, "x", "A", "192.0.2.1", as_login="admin@other.example"))
        self.assertEqual(len(self.records("www." + DOMAIN)), 1)

    def test_spf_check_and_merge(self):
        # The demo's SPF host (spf.localhost) is in no zone and has no record: said, with where.
        r = self.dns("spf", "check", DOMAIN)
        self.assertExit(r, et.EXIT_FAILED)
        self.assertIn("DNS lookups: 1 of 10", r.out)
        self.assertIn("spf.localhost has no SPF record", r.out)
        # Once it has one (in a zone served here), the check passes through the zone.
        self.assertOk(self.dns("record", "add", DOMAIN, "_spf", "TXT", "v=spf1 ip4:192.0.2.25 -all"))
        r = self.dns("spf", "check", DOMAIN, "v=spf1 include:_spf.%s mx -all" % DOMAIN)
        self.assertOk(r)
        self.assertIn("DNS lookups: 2 of 10", r.out)
        self.assertIn("the record is valid", r.out)
        bad = self.dns("--json", "spf", "check", DOMAIN, "v=spf1 ip4:192.0.2.300 +all")
        self.assertExit(bad, et.EXIT_FAILED)
        findings = bad.json()["findings"]
        self.assertEqual([(f["level"], f["position"]) for f in findings], [("error", 7)])
        lax = self.dns("spf", "check", DOMAIN, "v=spf1 ip4:192.0.2.3 +all")
        self.assertOk(lax)
        self.assertIn("warning", lax.out)
        self.assertIn("+all", lax.out)
        merged = self.dns_json("spf", "merge", "v=spf1 include:a.example include:b.example ?all",
                               "v=spf1 include:c.example ~all", "v=spf1 include:ours.example -all")
        self.assertEqual(merged["record"],
                         "v=spf1 include:a.example include:b.example include:c.example include:ours.example -all")
        self.assertRefused(self.dns("spf", "merge", "v=spf1 include:a.example ?all", "not spf"))

    def test_dkim_rotation(self):
        before = {k["selector"] for k in self.dns_json("dkim", "list", DOMAIN)}
        keys = self.dns_json("dkim", "rotate", DOMAIN)
        published = [k for k in keys if k["selector"] not in before]
        self.assertEqual({k["state"] for k in published}, {"published"})
        for k in published:
            self.assertEqual(len(self.records(k["record_name"], "TXT")), 1)
        keys = self.dns_json("dkim", "rotate", DOMAIN, "--now")
        states = [k["state"] for k in keys]
        self.assertEqual(states[:2], ["active", "active"])
        self.assertEqual(states.count("retiring"), 4)


def dig(port, *args, tcp=False):
    cmd = ["dig", "@127.0.0.1", "-p", str(port), "+time=2", "+tries=2", "+norecurse"]
    if tcp:
        cmd.append("+tcp")
    r = subprocess.run(cmd + list(args), capture_output=True, text=True, timeout=20)
    return r.stdout


def status(out):
    m = re.search(r"status: (\w+)", out)
    return m.group(1) if m else None


def flags(out):
    m = re.search(r";; flags: ([a-z ]+);", out)
    return set(m.group(1).split()) if m else set()


def section(out, name):
    m = re.search(r";; %s SECTION:\n(.*?)(?:\n\n|\Z)" % name, out, re.S)
    if not m:
        return []
    return [line.split() for line in m.group(1).splitlines() if line and not line.startswith(";")]


class DnsListenerTest(ZoneTestCase):
    def start(self, extra=""):
        self.port, self.http = et.free_port(), et.free_port()
        with open(self.config, "w") as f:
            f.write('data_dir = "."\nhostname = "mail.demo.example"\n%s\n'
                    '[[listener]]\nprotocol = "dns"\naddress = "127.0.0.1:%d"\n'
                    '[[listener]]\nprotocol = "http"\naddress = "127.0.0.1:%d"\n' % (extra, self.port, self.http))
        self.server = et.Server(self.config, os.path.join(self.dir, "serve.log"))
        self.addCleanup(self.server.close)
        self.server.wait_http(self.http)

    def test_answers_like_an_authoritative_server(self):
        self.start()
        self.assertOk(self.dns("record", "add", DOMAIN, "www", "A", "192.0.2.80"))
        self.assertOk(self.dns("record", "add", DOMAIN, "mail", "A", "192.0.2.25"))
        self.assertOk(self.dns("record", "add", DOMAIN, "alias", "CNAME", "www"))
        self.assertOk(self.dns("record", "add", DOMAIN, "@", "MX", "20 mail"))
        self.assertOk(self.dns("record", "add", DOMAIN, "*.wild", "TXT", "wildcard"))
        # Changes made by another process show within the refresh period:
        # wait for the last one (a refresh may fall between two of them).
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not section(dig(self.port, "x.wild." + DOMAIN, "TXT"), "ANSWER"):
            time.sleep(0.2)
        out = dig(self.port, "www." + DOMAIN, "A")
        self.assertEqual(status(out), "NOERROR", out)
        self.assertIn("aa", flags(out))
        self.assertNotIn("ra", flags(out), "no recursion offered")
        self.assertEqual(section(out, "ANSWER")[0][-1], "192.0.2.80")
        # NXDOMAIN and NODATA carry the SOA in the authority section.
        out = dig(self.port, "nothing." + DOMAIN, "A")
        self.assertEqual(status(out), "NXDOMAIN", out)
        self.assertEqual(section(out, "AUTHORITY")[0][3], "SOA")
        out = dig(self.port, "www." + DOMAIN, "AAAA")
        self.assertEqual(status(out), "NOERROR")
        self.assertEqual(section(out, "ANSWER"), [])
        self.assertEqual(section(out, "AUTHORITY")[0][3], "SOA")
        # CNAME chased inside the zone; wildcard.
        out = dig(self.port, "alias." + DOMAIN, "A")
        answer = section(out, "ANSWER")
        self.assertEqual([a[3] for a in answer], ["CNAME", "A"], out)
        self.assertEqual(answer[1][-1], "192.0.2.80")
        out = dig(self.port, "x.wild." + DOMAIN, "TXT")
        self.assertEqual(section(out, "ANSWER")[0][-1], '"wildcard"')
        # MX with the exchange's address in the additional section.
        out = dig(self.port, DOMAIN, "MX")
        self.assertIn("mail.demo.example.", [a[-1] for a in section(out, "ANSWER")])
        self.assertIn(["mail.demo.example.", "3600", "IN", "A", "192.0.2.25"], section(out, "ADDITIONAL"))
        # TCP gives the same answer; outside the zones: REFUSED.
        out = dig(self.port, "www." + DOMAIN, "A", tcp=True)
        self.assertEqual(section(out, "ANSWER")[0][-1], "192.0.2.80")
        self.assertEqual(status(dig(self.port, "example.org", "A")), "REFUSED")
        # A deleted record goes away.
        rid = self.records("www." + DOMAIN, "A")[0]["id"]
        self.assertOk(self.dns("record", "delete", DOMAIN, str(rid)))
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and status(dig(self.port, "www." + DOMAIN, "A")) == "NOERROR":
            time.sleep(0.2)
        self.assertEqual(status(dig(self.port, "www." + DOMAIN, "A")), "NXDOMAIN")

    def test_truncation_then_tcp(self):
        self.start()
        for i in range(12):
            self.assertOk(self.dns("record", "add", DOMAIN, "big", "TXT", "text number %d %s" % (i, "y" * 100)))
        time.sleep(1)
        out = dig(self.port, "big." + DOMAIN, "TXT", "+noedns", "+ignore")
        self.assertIn("tc", flags(out), out)
        out = dig(self.port, "big." + DOMAIN, "TXT", tcp=True)
        self.assertEqual(len(section(out, "ANSWER")), 12, out)
        # Plain dig falls back to TCP by itself on TC.
        out = dig(self.port, "big." + DOMAIN, "TXT", "+noedns")
        self.assertEqual(len(section(out, "ANSWER")), 12, out)

    def test_responses_are_rate_limited_per_source(self):
        self.start("[zones]\nresponses_per_second = 5")
        q = struct.pack(">HHHHHH", 0x4242, 0, 1, 0, 0, 0)
        for label in DOMAIN.split("."):
            q += bytes([len(label)]) + label.encode()
        q += b"\0" + struct.pack(">HH", 6, 1)
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(0.5)
        for _ in range(50):
            s.sendto(q, ("127.0.0.1", self.port))
        answers = 0
        try:
            while True:
                data, _ = s.recvfrom(4096)
                answers += data[:2] == b"\x42\x42"
        except socket.timeout:
            pass
        s.close()
        self.assertGreaterEqual(answers, 5)
        self.assertLess(answers, 20, "a burst of 5 plus what 5/s refills meanwhile")
        # TCP is not limited this way (a TCP source cannot be forged).
        out = dig(self.port, DOMAIN, "SOA", tcp=True)
        self.assertEqual(status(out), "NOERROR")

    def test_bad_packets_do_not_stop_it(self):
        self.start()
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(1)
        for junk in [b"", b"\x00", b"\xff" * 12, os.urandom(600), b"\x12\x34\x01\x00\x00\x01" + b"\x00" * 6 + b"\xc0\x0c"]:
            s.sendto(junk, ("127.0.0.1", self.port))
        s.close()
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as t:
            t.sendall(b"\x00\x05abc")  # a short message, then the client goes
        with socket.create_connection(("127.0.0.1", self.port), timeout=15) as t:
            t.settimeout(15)
            start = time.monotonic()
            self.assertEqual(t.recv(10), b"", "an idle TCP client is closed")
            self.assertLess(time.monotonic() - start, 14)
        self.assertEqual(status(dig(self.port, DOMAIN, "SOA")), "NOERROR")

    def test_a_crowded_server_waits_less_for_idle_tcp_clients(self):
        # Past three quarters of max_connections, a TCP client with no query
        # under way is waited for 5 s, not dns_tcp_idle_seconds (60 here).
        self.start("[limits]\nmax_connections = 8\ndns_tcp_idle_seconds = 60")
        idle = []
        for _ in range(6):
            t = socket.create_connection(("127.0.0.1", self.port), timeout=15)
            self.addCleanup(t.close)
            idle.append(t)
        time.sleep(0.5)  # accepted and counted (the start-up probe's connection gone)
        crowd = socket.create_connection(("127.0.0.1", self.port), timeout=15)  # the 7th of 8
        self.addCleanup(crowd.close)
        start = time.monotonic()
        self.assertEqual(crowd.recv(10), b"", "closed while crowded")
        self.assertLess(time.monotonic() - start, 12)
        idle[0].settimeout(0.5)
        with self.assertRaises(socket.timeout, msg="admitted before the crowd: the usual wait"):
            idle[0].recv(10)


if __name__ == "__main__":
    import unittest
    unittest.main()
