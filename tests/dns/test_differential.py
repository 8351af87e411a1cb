"""The built-in DNS server against NSD (Debian's nsd) with the same zones:
the same queries to both over UDP and TCP, with and without EDNS, and the
answers compared field by field — rcode, the AA and TC flags, and the
answer, authority and additional sections (as sets: their order is free).

The zones are made with `estafeta dns` and written out for NSD as zone
files. NSD runs with minimal-responses (no NS records in the authority
section of positive answers, as most authoritative servers now answer).
One known difference, checked rather than ignored: for MX and SRV answers
this server also gives the addresses of the targets that are in the zone
in the additional section (RFC 1034 §4.3.2 step 6; RFC 2782), which spares
the resolver a lookup; NSD in minimal mode leaves them out. Any other
difference fails the test with both answers shown."""

import os
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cli"))
import estafeta_test as et  # noqa: E402

NSD = shutil.which("nsd") or "/usr/sbin/nsd"
DOMAIN = et.DEMO_DOMAIN


def dig(port, name, rtype, *options):
    cmd = ["dig", "@127.0.0.1", "-p", str(port), "+time=3", "+tries=2", "+norecurse", "+nocookie", "+noall",
           "+comments", "+answer", "+authority", "+additional", *options, name, rtype]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=30).stdout


def summary(out):
    """(rcode, flags, answer, authority, additional) of one dig output."""
    status = re.search(r"status: (\w+)", out)
    flags = re.search(r";; flags: ([a-z ]*);", out)
    sections = {}
    current = None
    for line in out.splitlines():
        m = re.match(r";; (ANSWER|AUTHORITY|ADDITIONAL) SECTION:", line)
        if m:
            current = m.group(1)
            sections[current] = set()
            continue
        if not line.strip() or line.startswith(";"):
            current = None if not line.strip() else current
            continue
        if current:
            sections[current].add(" ".join(line.split()).lower())
    return (status.group(1) if status else None,
            frozenset(set(flags.group(1).split()) & {"aa", "tc"}) if flags else None,
            frozenset(sections.get("ANSWER", ())), frozenset(sections.get("AUTHORITY", ())),
            frozenset(sections.get("ADDITIONAL", ())))


def known_difference(ours, theirs):
    """Whether two summaries differ only by the additional addresses of MX
    and SRV targets (see the top of the file)."""
    if ours[:4] != theirs[:4] or not theirs[4] <= ours[4]:
        return False
    targets = set()
    for rr in ours[2]:
        fields = rr.split()
        if len(fields) >= 5 and fields[3] in ("mx", "srv"):
            targets.add(fields[-1])
    return all(rr.split()[3] in ("a", "aaaa") and rr.split()[0] in targets for rr in ours[4] - theirs[4])


class DifferentialTest(et.DemoTestCase):
    def dns(self, *args):
        r = et.run("dns", "--config", self.config, *args)
        self.assertOk(r)
        return r

    def setUp(self):
        super().setUp()
        if not os.path.exists(NSD):
            if os.environ.get("CI"):
                self.fail("nsd is not installed (scripts/packages.txt)")
            self.skipTest("nsd is not installed")
        for args in [("www", "A", "192.0.2.80"), ("www", "AAAA", "2001:db8::80"), ("alias", "CNAME", "www"),
                     ("chain", "CNAME", "alias"), ("dangling", "CNAME", "nothing"), ("out", "CNAME", "host.example.net."),
                     ("mail", "A", "192.0.2.25"), ("@", "MX", "20 mail"), ("*.wild", "TXT", "wildcard text"),
                     ("a.b.deep", "A", "192.0.2.9"), ("sub", "NS", "ns.sub"), ("ns.sub", "A", "192.0.2.53"),
                     ("_xmpp._tcp", "SRV", "5 0 5269 mail"), ("@", "CAA", '0 issue "ca.example.net"')]:
            self.dns("record", "add", DOMAIN, *args)
        for i in range(14):
            self.dns("record", "add", DOMAIN, "big", "TXT", "text number %02d %s" % (i, "z" * 90))
        zone = et.run("dns", "--config", self.config, "--json", "zone", "show", DOMAIN).json()
        # The zone as NSD reads it (RFC 1035 §5.1 master file).
        zdir = os.path.join(self.dir, "nsd")
        os.makedirs(zdir)
        with open(os.path.join(zdir, DOMAIN + ".zone"), "w") as f:
            f.write("$ORIGIN %s.\n" % DOMAIN)
            for rec in zone["records"]:
                data = rec["data"]
                if rec["type"] in ("NS", "CNAME"):
                    data += "."
                elif rec["type"] in ("MX", "SRV"):
                    parts = data.split(" ")
                    parts[-1] += "."
                    data = " ".join(parts)
                elif rec["type"] == "SOA":
                    parts = data.split(" ")
                    parts[0] += "."
                    parts[1] += "."
                    data = " ".join(parts)
                f.write("%s. %d IN %s %s\n" % (rec["name"], rec["ttl"], rec["type"], data))
        self.nsd_port, self.port, self.http = et.free_port(), et.free_port(), et.free_port()
        conf = os.path.join(zdir, "nsd.conf")
        with open(conf, "w") as f:
            f.write('server:\n  ip-address: 127.0.0.1@%d\n  do-ip6: no\n  username: ""\n  chroot: ""\n'
                    '  zonesdir: "%s"\n  pidfile: "%s/nsd.pid"\n  xfrdfile: "%s/xfrd.state"\n'
                    '  zonelistfile: "%s/zone.list"\n  database: ""\n  logfile: "%s/nsd.log"\n'
                    '  server-count: 1\n  verbosity: 1\n  refuse-any: no\n  minimal-responses: yes\n'
                    'remote-control:\n  control-enable: no\n'
                    'zone:\n  name: %s\n  zonefile: %s.zone\n' % (self.nsd_port, zdir, zdir, zdir, zdir, zdir, DOMAIN, DOMAIN))
        self.nsd = subprocess.Popen([NSD, "-d", "-c", conf], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.addCleanup(self.stop_nsd)
        with open(self.config, "w") as f:
            f.write('data_dir = "."\nhostname = "mail.%s"\n'
                    '[[listener]]\nprotocol = "dns"\naddress = "127.0.0.1:%d"\n'
                    '[[listener]]\nprotocol = "http"\naddress = "127.0.0.1:%d"\n' % (DOMAIN, self.port, self.http))
        self.server = et.Server(self.config, os.path.join(self.dir, "serve.log"))
        self.addCleanup(self.server.close)
        self.server.wait_http(self.http)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and summary(dig(self.nsd_port, DOMAIN, "SOA"))[0] != "NOERROR":
            if self.nsd.poll() is not None:
                self.fail("nsd exited: %s" % self.nsd.stderr.read().decode())
            time.sleep(0.2)

    def stop_nsd(self):
        self.nsd.terminate()
        try:
            self.nsd.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.nsd.kill()
            self.nsd.wait()

    def test_the_same_answers_as_nsd(self):
        queries = [
            (DOMAIN, "SOA"), (DOMAIN, "NS"), (DOMAIN, "MX"), (DOMAIN, "TXT"), (DOMAIN, "CAA"), (DOMAIN, "A"),
            ("www." + DOMAIN, "A"), ("www." + DOMAIN, "AAAA"), ("www." + DOMAIN, "MX"), ("WwW." + DOMAIN, "A"),
            ("alias." + DOMAIN, "A"), ("chain." + DOMAIN, "AAAA"), ("alias." + DOMAIN, "CNAME"),
            ("dangling." + DOMAIN, "A"), ("out." + DOMAIN, "A"), ("nothing." + DOMAIN, "A"),
            ("deep." + DOMAIN, "A"), ("b.deep." + DOMAIN, "TXT"), ("x.wild." + DOMAIN, "TXT"),
            ("x.y.wild." + DOMAIN, "TXT"), ("x.wild." + DOMAIN, "A"), ("wild." + DOMAIN, "TXT"),
            ("sub." + DOMAIN, "A"), ("host.sub." + DOMAIN, "A"), ("sub." + DOMAIN, "NS"),
            ("_xmpp._tcp." + DOMAIN, "SRV"), ("_imaps._tcp." + DOMAIN, "SRV"), ("_dmarc." + DOMAIN, "TXT"),
            ("big." + DOMAIN, "TXT"),
        ]
        differences = []
        for name, rtype in queries:
            for options in [(), ("+noedns",), ("+tcp",), ("+noedns", "+ignore")]:
                ours, theirs = dig(self.port, name, rtype, *options), dig(self.nsd_port, name, rtype, *options)
                if summary(ours) != summary(theirs) and not known_difference(summary(ours), summary(theirs)):
                    differences.append("%s %s %s\n--- estafeta\n%s--- nsd\n%s" % (name, rtype, " ".join(options), ours,
                                                                                  theirs))
        self.assertEqual(differences, [], "\n".join(differences[:6]) + "\n(%d in all)" % len(differences))
        # The comparison compares: the known difference is really there.
        mx_ours, mx_nsd = summary(dig(self.port, DOMAIN, "MX")), summary(dig(self.nsd_port, DOMAIN, "MX"))
        self.assertNotEqual(mx_ours, mx_nsd)
        self.assertTrue(known_difference(mx_ours, mx_nsd))


if __name__ == "__main__":
    import unittest
    unittest.main()
