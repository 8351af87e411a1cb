"""The console's organisation, address-users, devices and trace screens in
Chromium (tests/webapp/console_org.mjs), against one server with an IMAP
listener for the logins the screens allow or end:

- a member sees neither the organisation screen nor another
  organisation's address (the server refuses, the page says so);
- an admin adds a member, changes their role and removes them;
- an admin locks a mail service (an IMAP login to its address is refused,
  the page says why) and unlocks it;
- the users of an address: access given by login (the member has the
  address at once), the special-folders permission, "disconnect all
  devices" (access kept) and "remove access";
- My devices: a device password shown once (its QR code decodes to it,
  and it is gone from the page once closed) logs in over IMAP, and
  revoking it in the page ends that open session; the Apple profile is a
  property list with the address and a password;
- the trace shows a message delivered by SMTP with its status;
- one screen at 390×844 with the keyboard only; axe-core on every screen.
"""

import json
import plistlib
import unittest
import urllib.error
import urllib.request

import browser_app

ADMIN = {"login": "olga@demo.example", "password": "olga's long password", "own": "olga.box@demo.example"}
DAVE = {"login": "dave@demo.example", "password": "dave's long password"}
TEAM = "team@demo.example"
OTHER = "box@other.example"
LOCK_SERVICE = "lockable-mail"
LOCKED = "locked@lock.example"


class ConsoleOrgTest(browser_app.BrowserAppCase):
    SCRIPT = "console_org.mjs"
    LISTENERS = ("imap",)

    @classmethod
    def prepare(cls, holder):
        holder.create_user(ADMIN["login"], role="admin", password=ADMIN["password"], name="Olga")
        holder.admin_json("address", "create", ADMIN["own"])
        holder.admin_json("access", "grant", ADMIN["own"], ADMIN["login"])
        holder.create_user(DAVE["login"], password=DAVE["password"], name="Dave")
        holder.admin_json("address", "create", TEAM)
        # A mail service of its own, so locking it touches no other test's address.
        holder.admin_json("service", "create", "--org", "Demo", LOCK_SERVICE)
        holder.admin_json("domain", "add", "--service", LOCK_SERVICE, "lock.example")
        holder.admin_json("address", "create", LOCKED)
        holder.admin_json("access", "grant", LOCKED, browser_app.USERS["bob"]["login"])
        holder.create_org_with_address("Other", "other-mail", "other.example", OTHER, "boss@other.example")
        cls.env_extra = {"WEBAPP_ORG": json.dumps({
            "admin": ADMIN, "dave": DAVE, "team": TEAM, "other": OTHER, "lockService": LOCK_SERVICE,
            "locked": LOCKED})}

    def test_an_admin_adds_an_address_changes_its_quota_and_adds_a_domain(self):
        self.scenario("admin_manage")

    def test_an_admin_deletes_an_address_and_removes_a_domain(self):
        self.scenario("admin_delete")

    def test_a_member_sees_no_organisation_screen_nor_another_organisations_address(self):
        self.scenario("member_refused")

    def test_addresses_with_usage_are_for_admins_only(self):
        # The route the organisation screen loads: admins get each address's usage, members 403.
        admin = self.api_login(ADMIN)
        status, body = self.api(admin, "GET", "/api/v1/addresses?usage=1")
        self.assertEqual(status, 200, body)
        rows = {a["address"]: a for a in body["addresses"]}
        self.assertIn(TEAM, rows)
        self.assertNotIn(OTHER, rows)
        self.assertIsInstance(rows[TEAM]["used_bytes"], int)
        self.assertIsInstance(rows[TEAM]["used_messages"], int)
        self.assertNotIn("used_bytes", self.api(admin, "GET", "/api/v1/addresses")[1]["addresses"][0])
        status, body = self.api(admin, "GET", "/api/v1/addresses?usage=yes")
        self.assertEqual((status, body["error"]["field"]), (422, "usage"))
        carol = self.api_login(browser_app.USERS["carol"])
        status, body = self.api(carol, "GET", "/api/v1/addresses?usage=1")
        self.assertEqual((status, body["error"]["code"]), (403, "forbidden"), body)
        self.assertEqual(self.api(carol, "GET", "/api/v1/addresses")[0], 200)

    def test_an_apple_profile_names_its_device_password(self):
        # The profile's device password needs a name (to be found and revoked); without "device", no password.
        ana = browser_app.USERS["ana"]
        client = self.api_login(ana)
        path = "/api/v1/addresses/%s/profile" % ana["own"]
        status, body = self.api(client, "POST", path, {"device": "  "})
        self.assertEqual((status, body["error"]["field"]), (422, "device"), body)
        status, text, _ = self._request("POST", path, {}, client, raw=True)
        self.assertEqual(status, 200, text)
        account = plistlib.loads(text)["PayloadContent"][0]
        self.assertEqual(account["EmailAddress"], ana["own"])
        self.assertNotIn("IncomingPassword", account)

    def test_an_admin_adds_a_member_changes_the_role_and_removes_them(self):
        self.scenario("admin_members")

    def test_an_admin_locks_a_service_and_its_logins_are_refused(self):
        self.scenario("admin_services")

    def test_the_users_of_an_address(self):
        self.scenario("address_users")

    def test_a_device_password_shown_once_logs_in_and_its_revocation_ends_the_session(self):
        self.scenario("devices")

    def test_the_trace_shows_a_delivered_message(self):
        self.scenario("trace")

    def test_devices_on_a_phone_with_the_keyboard_only(self):
        self.scenario("keyboard_phone")

    # --- the account API from here (checks the scenarios do not need a browser for)

    def api_login(self, user):
        status, body, cookie = self._request("POST", "/api/v1/session", {"login": user["login"],
                                                                      "password": user["password"]})
        self.assertEqual(status, 200, body)
        return {"cookie": cookie, "csrf": body["csrf_token"]}

    def api(self, client, method, path, body=None):
        status, answer, _ = self._request(method, path, body, client)
        return status, answer

    def _request(self, method, path, body=None, client=None, raw=False):
        headers = {"Content-Type": "application/json"}
        if client:
            headers["Cookie"] = client["cookie"]
            headers["X-CSRF-Token"] = client["csrf"]
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request("http://127.0.0.1:%d%s" % (self.http, path), data=data, headers=headers,
                                     method=method)
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                status, text, cookie = r.status, r.read(), r.headers.get("Set-Cookie", "")
        except urllib.error.HTTPError as e:
            status, text, cookie = e.code, e.read(), ""
        if raw:
            return status, text, cookie.split(";")[0]
        return status, json.loads(text) if text else None, cookie.split(";")[0]


if __name__ == "__main__":
    unittest.main()
