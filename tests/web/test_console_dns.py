"""The console's DNS screens in Chromium (tests/webapp/console_dns.mjs): a
zone's records added, refused by field, changed and deleted; the SPF
assistant (lookups per term, the one-SPF rule, the merge, flattening);
DKIM rotation; the diagnostic of a right and a broken domain; a member
refused; axe-core and a phone-sized screen used with the keyboard.

The served configuration's resolver is its own DNS listener on 127.0.0.1
([dns] servers), so the diagnostic and the SPF lookups never ask anything
beyond loopback. Also checked here: the API names the field at fault when
it refuses a record."""

import json
import os
import sqlite3
import sys
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import browser_app  # noqa: E402
from browser_app import et  # noqa: E402

HOST = "mail.demo.example"
ADMIN = {"login": "dora@demo.example", "password": "dora's long password"}
LEGAL = {"login": "lena@demo.example", "password": "lena's long password"}
TWO_SPF = "twospf.example"  # a zone with two SPF records at its apex
GOOD = "good.example"  # a zone made with the served configuration's names
PROVIDERS = 11  # _p1 … _p11 in TWO_SPF: a policy including them all needs 11 lookups


class ConsoleDnsTest(browser_app.BrowserAppCase):
    SCRIPT = "console_dns.mjs"
    LISTENERS = ("dns",)

    @classmethod
    def prepare(cls, holder):
        # Zones made now get the served configuration's names (its hostname).
        with open(holder.config, "w") as f:
            f.write('data_dir = "."\nhostname = "%s"\n' % HOST)
        holder.create_user(ADMIN["login"], role="admin", password=ADMIN["password"], name="Dora")
        holder.create_user(LEGAL["login"], role="legal", password=LEGAL["password"], name="Lena")
        for who in (ADMIN, LEGAL):  # an address of their own: the app opens on their mail
            own = who["login"].replace("@", ".box@")
            holder.admin_json("address", "create", own)
            holder.admin_json("access", "grant", own, who["login"])

        def dns(*args):
            holder.assertOk(et.run("dns", "--config", holder.config, *args))

        # The server's own names live in demo.example's zone: its SPF host and its address.
        dns("record", "add", et.DEMO_DOMAIN, "spf.mail", "TXT", "v=spf1 ip4:127.0.0.1 -all")
        dns("record", "add", et.DEMO_DOMAIN, "mail", "A", "127.0.0.1")
        for domain in (GOOD, TWO_SPF):
            holder.admin_json("domain", "add", "--service", et.DEMO_SERVICE, domain)
        dns("record", "add", TWO_SPF, "_spf", "TXT", "v=spf1 a mx ip4:192.0.2.7 -all")
        for i in range(1, PROVIDERS + 1):
            dns("record", "add", TWO_SPF, "_p%d" % i, "TXT", "v=spf1 ip4:192.0.2.%d -all" % (100 + i))
        # One SPF record over the limit of 10 lookups.
        dns("record", "add", TWO_SPF, "big", "TXT",
            "v=spf1 %s -all" % " ".join("include:_p%d.%s" % (i, TWO_SPF) for i in range(1, PROVIDERS + 1)))
        # A second SPF record at the apex: the zone rules refuse it through every
        # command and the API, so it is put in the store as an older zone
        # (imported, or made before the rule) could have it.
        db = sqlite3.connect(os.path.join(holder.data, "estafeta.db"))
        with db:
            n = db.execute(
                "INSERT INTO dns_record (zone_id, name, type, ttl, data, created) "
                "SELECT z.id, d.name, 'TXT', 3600, ?, strftime('%s', 'now') "
                "FROM dns_zone z JOIN domain d ON d.id = z.domain_id WHERE d.name = ?",
                ('"v=spf1 include:_spf.%s ~all"' % TWO_SPF, TWO_SPF)).rowcount
        db.close()
        holder.assertEqual(n, 1)
        cls.env_extra = {"WEBAPP_DNS": json.dumps({
            "admin": ADMIN, "legal": LEGAL, "domain": et.DEMO_DOMAIN, "twoSpf": TWO_SPF, "good": GOOD,
            "host": HOST, "providers": PROVIDERS, "service": et.DEMO_SERVICE})}

    # --- the API, directly

    def api(self, method, path, body=None, session=None):
        headers = {"Content-Type": "application/json"}
        if session:
            headers.update({"Cookie": session[0], "X-CSRF-Token": session[1]})
        req = urllib.request.Request("http://127.0.0.1:%d/api/v1%s" % (self.http, path), method=method,
                                     data=None if body is None else json.dumps(body).encode(), headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=20) as r:
                return r.status, r.headers, json.loads(r.read() or b"null")
        except urllib.error.HTTPError as e:
            return e.code, e.headers, json.loads(e.read() or b"null")

    def login(self, who):
        status, headers, body = self.api("POST", "/session", {"login": who["login"], "password": who["password"]})
        self.assertEqual(status, 200, body)
        return headers["Set-Cookie"].split(";")[0], body["csrf_token"]

    def test_api_names_the_field_of_a_refused_record(self):
        s = self.login(ADMIN)
        base = "/zones/%s/records" % et.DEMO_DOMAIN
        cases = [
            ({"name": "x", "type": "A", "data": "300.1.1.1"}, "data", None),
            ({"name": "x", "type": "WKS", "data": "1"}, "type", "unknown record type"),
            ({"name": "x.other.example.", "type": "A", "data": "192.0.2.1"}, "name", "outside"),
            ({"name": "@", "type": "TXT", "data": "v=spf1 include:other.example ~all"}, "name", "SPF"),
            ({"name": "autoconfig", "type": "A", "data": "192.0.2.1"}, "name", "CNAME"),
            ({"name": "x", "type": "A", "data": "192.0.2.1", "ttl": 2147483648}, "ttl", None),
        ]
        before = len(self.api("GET", "/zones/%s" % et.DEMO_DOMAIN, session=s)[2]["records"])
        for body, field, fragment in cases:
            status, _, r = self.api("POST", base, body, session=s)
            self.assertEqual(status, 422, (body, r))
            self.assertEqual(r["error"]["field"], field, (body, r))
            if fragment:
                self.assertIn(fragment, r["error"]["message"])
        self.assertEqual(len(self.api("GET", "/zones/%s" % et.DEMO_DOMAIN, session=s)[2]["records"]), before)
        # An edit is checked the same way, and says which field.
        added = self.api("POST", base, {"name": "fieldtest", "type": "A", "data": "192.0.2.9"}, session=s)
        self.assertEqual(added[0], 201, added)
        status, _, r = self.api("PATCH", "%s/%d" % (base, added[2]["id"]), {"name": "fieldtest", "type": "AAAA",
                                                                           "data": "192.0.2.9"}, session=s)
        self.assertEqual((status, r["error"]["field"]), (422, "data"), r)
        self.assertEqual(self.api("DELETE", "%s/%d" % (base, added[2]["id"]), session=s)[0], 204)

    def test_api_analyses_spf_where_it_is_published(self):
        s = self.login(ADMIN)
        path = "/zones/%s/spf/analysis" % TWO_SPF
        record = "v=spf1 a mx ip4:192.0.2.7 -all"
        # At _spf (which has no A or MX): its a and mx are void lookups of that name, not of the apex.
        status, _, at_name = self.api("POST", path, {"record": record, "name": "_spf"}, session=s)
        self.assertEqual(status, 200, at_name)
        self.assertEqual([t["term"] for t in at_name["terms"]], ["a", "mx"])
        self.assertEqual((at_name["lookups"], at_name["void_lookups"]), (2, 2))
        self.assertTrue(any(f["domain"] == "_spf." + TWO_SPF for f in at_name["findings"]), at_name)
        self.assertFalse(any(f["domain"] == TWO_SPF for f in at_name["findings"]), at_name)
        status, _, r = self.api("POST", path, {"record": record, "name": "x.other.example."}, session=s)
        self.assertEqual((status, r["error"]["field"]), (422, "name"), r)
        status, _, r = self.api("POST", path, {"name": "_spf"}, session=s)
        self.assertEqual((status, r["error"]["field"]), (422, "record"), r)
        # A member may not.
        carol = self.login({"login": browser_app.USERS["carol"]["login"], "password": browser_app.USERS["carol"]["password"]})
        status, _, r = self.api("POST", path, {"record": record, "name": "_spf"}, session=carol)
        self.assertIn(status, (403, 404), r)

    # --- the screens

    def test_records(self):
        self.scenario("records")

    def test_spf(self):
        self.scenario("spf")

    def test_dkim(self):
        self.scenario("dkim")

    def test_diagnostic(self):
        self.scenario("diagnostic")

    def test_verify(self):
        self.scenario("verify")

    def test_member_refused(self):
        self.scenario("member")

    def test_phone_keyboard(self):
        self.scenario("phone")


if __name__ == "__main__":
    import unittest
    unittest.main()
