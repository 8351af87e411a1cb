"""The console's security centre and account screens in a real browser.

browser_app.BrowserAppCase builds the app and starts the server; prepare()
adds users of their own to each flow (so that one flow's sessions, second
factor or deleted account never touch another's) and two more
organisations: "Strict" (its policy is made to require two-factor
authentication by its admin, through the API, in the scenario) and "Solo"
(one admin, the last one, and one member).

Each test runs one scenario of tests/webapp/console_security.mjs:
two-factor enrolment through the QR code the page shows, emergency codes
shown once and then used to log in, new codes, turning it off; turning
it off refused under the organisation's policy (page and API), and an
account without it kept on the security page until it sets it up; a session
ended from another browser, an IMAP connection closed, many sessions
paged and ended at once, the login history paged; a password change (the server's message by the
field first); deleting an account (refused to the last admin, done by a
member); the activity log's filters, paging and CSV export; the lockout
threshold, login alerts, name and language; axe-core on every screen and
the phone layout driven by the keyboard alone.
Screenshots: $ESTAFETA_TEST_TMP/../webapp-artifacts/console-security-*.png."""

import json
import unittest

import browser_app

# Users of this class's scenarios (besides browser_app's ana, bob and carol).
SECURITY_USERS = {
    "enrol": {"login": "enrol@demo.example", "password": "enrol's long password", "name": "Enrique Enrol"},
    "sessions": {"login": "sessions@demo.example", "password": "sessions' long password", "name": "Sesi Sessions"},
    "password": {"login": "pw@demo.example", "password": "pw's first long password", "name": "Paula Password"},
    "activity": {"login": "activity@demo.example", "password": "activity's long password", "name": "Actividad"},
    "strictAdmin": {"login": "admin@strict.example", "password": "strict admin's long password", "name": "Strict Admin",
                    "org": "Strict", "role": "admin"},
    "strictMember": {"login": "member@strict.example", "password": "strict member's long password",
                     "name": "Strict Member", "org": "Strict"},
    "soloAdmin": {"login": "admin@solo.example", "password": "solo admin's long password", "name": "Solo Admin",
                  "org": "Solo", "role": "admin"},
    "soloMember": {"login": "member@solo.example", "password": "solo member's long password", "name": "Solo Member",
                   "org": "Solo"},
}


# The sessions user's mail address and device (an IMAP connection of it is closed from the sessions screen).
DEVICE = {"address": "sessions.box@demo.example", "label": "Portátil de Sesi"}


class ConsoleSecurityTest(browser_app.BrowserAppCase):
    SCRIPT = "console_security.mjs"
    LISTENERS = ("imap",)

    @classmethod
    def prepare(cls, holder):
        for org in ("Strict", "Solo"):
            holder.admin_json("org", "create", org)
        for u in SECURITY_USERS.values():
            holder.create_user(u["login"], org=u.get("org", "Demo"), role=u.get("role"), password=u["password"],
                               name=u["name"])
        holder.admin_json("address", "create", DEVICE["address"])
        holder.admin_json("access", "grant", DEVICE["address"], SECURITY_USERS["sessions"]["login"])
        made = holder.admin_json("device-password", "create", DEVICE["address"], SECURITY_USERS["sessions"]["login"],
                                 "--label", DEVICE["label"])
        cls.env_extra = {"WEBAPP_SECURITY_USERS": json.dumps(SECURITY_USERS),
                         "WEBAPP_SECURITY_DEVICE": json.dumps(dict(DEVICE, password=made["password"]))}

    def test_two_factor_enrolment(self):
        self.scenario("enrol")

    def test_two_factor_required_by_policy(self):
        self.scenario("policy")

    def test_session_ended_elsewhere(self):
        self.scenario("terminate")

    def test_password_change(self):
        self.scenario("password")

    def test_delete_account(self):
        self.scenario("delete")

    def test_activity_log(self):
        self.scenario("activity")

    def test_screens_phone_keyboard(self):
        self.scenario("screens")


if __name__ == "__main__":
    unittest.main()
