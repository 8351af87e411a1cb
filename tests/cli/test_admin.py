"""`estafeta admin NOUN VERB`: every verb through the real binary, the
success paths and the rules of the account model (src/manage/*.cpp).

Each test starts from its own `quickstart --no-serve` data folder (see
estafeta_test.DemoTestCase) and checks exit codes, messages and the state
as the --json list verbs report it.
"""

import base64
import hashlib
import hmac
import os
import re
import sqlite3
import unittest

from estafeta_test import (DEMO_ADDRESS, DEMO_ADMIN, DEMO_DOMAIN, DEMO_ORG, DEMO_SERVICE, EXIT_OK, EXIT_USAGE,
                           DemoTestCase, run)

PASSWORD = "correct horse battery"
# A device password as generated: 8 groups of 4 from a 32-letter alphabet.
DEVICE_PASSWORD = re.compile(r"\b[a-z0-9]{4}(?:-[a-z0-9]{4}){7}\b")
# 253 characters, labels of 63: the longest domain name RFC 1035 allows.
LONGEST_DOMAIN = "a" * 63 + "." + "b" * 63 + "." + "c" * 63 + "." + "d" * 61
assert len(LONGEST_DOMAIN) == 253


class OrgTest(DemoTestCase):
    def test_quickstart_made_the_demo(self):
        self.assertEqual(self.org_names(), [DEMO_ORG])
        self.assertEqual(list(self.users()), [DEMO_ADMIN])
        self.assertEqual(list(self.services()), [DEMO_SERVICE])
        self.assertEqual(list(self.domains()), [DEMO_DOMAIN])
        self.assertEqual(list(self.addresses()), [DEMO_ADDRESS])

    def test_create(self):
        r = self.assertOk(self.admin("org", "create", "Acme"))
        self.assertIn("organisation 'Acme' created", r.out)
        self.assertEqual(self.org_names(), ["Acme", DEMO_ORG])

    def test_create_json(self):
        o = self.admin_json("org", "create", "Acme")
        self.assertEqual(o["name"], "Acme")
        self.assertIsInstance(o["id"], int)
        self.assertIn(o["id"], [x["id"] for x in self.admin_json("org", "list")])

    def test_create_duplicate_refused(self):
        self.assertRefused(self.admin("org", "create", DEMO_ORG), "already exists")
        # Names are compared without regard to case.
        self.assertRefused(self.admin("org", "create", "DEMO"), "already exists")
        self.assertEqual(self.org_names(), [DEMO_ORG])

    def test_create_bad_name_refused(self):
        self.assertRefused(self.admin("org", "create", ""), "organisation name")
        self.assertRefused(self.admin("org", "create", "a\tb"), "control characters")
        self.assertRefused(self.admin("org", "create", "x" * 201), "1 to 200")
        self.assertEqual(self.org_names(), [DEMO_ORG])

    def test_list_text(self):
        r = self.assertOk(self.admin("org", "list"))
        lines = r.out.splitlines()
        self.assertEqual(lines[0].split(), ["ID", "NAME", "CREATED"])
        self.assertEqual(len(lines), 2)
        self.assertIn(DEMO_ORG, lines[1])

    def test_delete_takes_everything_it_owns(self):
        r = self.assertOk(self.admin("org", "delete", DEMO_ORG))
        self.assertIn("deleted", r.out)
        self.assertEqual(self.org_names(), [])
        self.assertEqual(self.users(), {})
        self.assertEqual(self.services(), {})
        self.assertEqual(self.domains(), {})
        self.assertEqual(self.addresses(), {})
        self.assertEqual(self.assertOk(self.admin("org", "list")).out.strip(), "no organisations")
        # The domain is free again for another organisation.
        self.admin_json("org", "create", "Acme")
        self.admin_json("service", "create", "--org", "Acme", "acme-mail")
        self.admin_json("domain", "add", "--service", "acme-mail", DEMO_DOMAIN)

    def test_delete_leaves_other_organisations(self):
        self.create_org_with_address("Acme", "acme-mail", "acme.example", "info@acme.example", "boss@acme.example")
        self.assertOk(self.admin("org", "delete", "Acme"))
        self.assertEqual(self.org_names(), [DEMO_ORG])
        self.assertEqual(list(self.users()), [DEMO_ADMIN])
        self.assertEqual(list(self.addresses()), [DEMO_ADDRESS])
        self.assertEqual(list(self.domains()), [DEMO_DOMAIN])

    def test_delete_unknown_refused(self):
        self.assertRefused(self.admin("org", "delete", "Nope"), "no such organisation")
        self.assertEqual(self.org_names(), [DEMO_ORG])


class QuickstartTest(DemoTestCase):
    def test_second_run_keeps_the_data(self):
        r = self.assertOk(run("quickstart", "--dir", self.data, "--no-serve"))
        self.assertIn("Existing data", r.out)
        self.assertIsNone(DEVICE_PASSWORD.search(r.out), "a second run shows a password")
        self.assertEqual(self.org_names(), [DEMO_ORG])
        self.assertEqual(len(self.devices(DEMO_ADDRESS)), 1)

    def test_first_run_shows_credentials_that_lists_never_show(self):
        shown = DEVICE_PASSWORD.findall(self.quickstart_output)
        self.assertEqual(len(shown), 2, self.quickstart_output)  # the admin's password and the device password
        for args in (("device-password", "list", DEMO_ADDRESS), ("--json", "device-password", "list", DEMO_ADDRESS),
                     ("--json", "user", "list"), ("access", "list", DEMO_ADDRESS)):
            r = self.assertOk(self.admin(*args))
            for secret in shown:
                self.assertNotIn(secret, r.out)
                self.assertNotIn(secret.replace("-", ""), r.out)
        self.assertTrue(self.users()[DEMO_ADMIN]["has_password"])
        # Where the web mail is: the https listener of the generated config.
        self.assertIn("Web mail: https://127.0.0.1:8443/", self.quickstart_output)


class UserCreateTest(DemoTestCase):
    def test_create_with_password_stdin(self):
        r = self.assertOk(self.admin("user", "create", "--org", DEMO_ORG, "--login", "bob@demo.example",
                                     "--name", "Bob", "--password-stdin", input=PASSWORD + "\n"))
        self.assertIn("user 'bob@demo.example' created in 'Demo' as member", r.out)
        self.assertNotIn("no password set", r.out)
        self.assertNotIn(PASSWORD, r.out)
        u = self.users()["bob@demo.example"]
        self.assertEqual(u["role"], "member")
        self.assertEqual(u["name"], "Bob")
        self.assertTrue(u["has_password"])

    def test_create_json_never_shows_the_password(self):
        r = self.admin("--json", "user", "create", "--org", DEMO_ORG, "--login", "bob", "--name", "Bob",
                       "--password-stdin", input=PASSWORD + "\n")
        self.assertOk(r)
        self.assertNotIn(PASSWORD, r.out)
        u = r.json()
        self.assertTrue(u["has_password"])
        self.assertNotIn("password_hash", u)
        self.assertNotIn("argon2", r.out)

    def test_create_without_password(self):
        r = self.assertOk(self.admin("user", "create", "--org", DEMO_ORG, "--login", "bob", "--name", "Bob"))
        self.assertIn("(no password set)", r.out)
        self.assertFalse(self.users()["bob"]["has_password"])

    def test_roles(self):
        for role in ("admin", "legal", "member"):
            u = self.create_user("r-" + role + "@demo.example", role=role)
            self.assertEqual(u["role"], role)
        users = self.users()
        self.assertEqual({login: u["role"] for login, u in users.items()},
                         {DEMO_ADMIN: "admin", "r-admin@demo.example": "admin", "r-legal@demo.example": "legal",
                          "r-member@demo.example": "member"})

    def test_set_role_and_name_keeps_the_last_admin(self):
        self.create_user("r-member@demo.example")
        r = self.admin("user", "set", DEMO_ADMIN, "--role", "member")
        self.assertRefused(r, "last administrator")
        self.assertEqual(self.admin_json("user", "set", "r-member@demo.example", "--role", "admin", "--name",
                                         "Rita")["role"], "admin")
        self.assertEqual(self.admin_json("user", "set", DEMO_ADMIN, "--role", "member")["role"], "member")
        users = self.users()
        self.assertEqual((users["r-member@demo.example"]["name"], users[DEMO_ADMIN]["role"]),
                         ("Rita", "member"))
        self.assertUsage(self.admin("user", "set", DEMO_ADMIN), "--role or --name")

    def test_access_set_special_folders(self):
        self.admin_json("access", "set", DEMO_ADDRESS, DEMO_ADMIN, "--special-folders", "no")
        self.assertFalse(self.accesses(DEMO_ADDRESS)[DEMO_ADMIN]["may_change_special_folders"])
        self.admin_json("access", "set", DEMO_ADDRESS, DEMO_ADMIN, "--special-folders", "yes")
        self.assertTrue(self.accesses(DEMO_ADDRESS)[DEMO_ADMIN]["may_change_special_folders"])
        self.assertUsage(self.admin("access", "set", DEMO_ADDRESS, DEMO_ADMIN, "--special-folders", "maybe"),
                         "yes or no")

    def test_bad_role_is_a_usage_error(self):
        r = self.admin("user", "create", "--org", DEMO_ORG, "--login", "bob", "--name", "Bob", "--role", "owner")
        self.assertUsage(r, "--role must be admin, legal or member")
        r = self.admin("user", "create", "--org", DEMO_ORG, "--login", "bob", "--name", "Bob", "--role", "Admin")
        self.assertUsage(r, "--role")
        self.assertNotIn("bob", self.users())

    def test_too_short_password_refused(self):
        r = self.admin("user", "create", "--org", DEMO_ORG, "--login", "bob", "--name", "Bob", "--password-stdin",
                       input="123456789\n")
        self.assertRefused(r, "at least 10 characters")
        self.assertNotIn("bob", self.users())

    def test_password_of_minimum_length_accepted(self):
        self.assertTrue(self.create_user("bob", password="1234567890")["has_password"])

    def test_too_long_password_refused(self):
        r = self.admin("user", "create", "--org", DEMO_ORG, "--login", "bob", "--name", "Bob", "--password-stdin",
                       input="x" * 1025 + "\n")
        self.assertRefused(r, "at most 1024 characters")
        self.assertNotIn("bob", self.users())

    def test_password_with_control_character_refused(self):
        r = self.admin("user", "create", "--org", DEMO_ORG, "--login", "bob", "--name", "Bob", "--password-stdin",
                       input="long enough\tpassword\n")
        self.assertRefused(r, "control characters")
        self.assertNotIn("bob", self.users())

    def test_password_line_end_crlf(self):
        # "\r\n" ends the line: "123456789\r" is 9 characters, not 10.
        r = self.admin("user", "create", "--org", DEMO_ORG, "--login", "bob", "--name", "Bob", "--password-stdin",
                       input="123456789\r\n")
        self.assertRefused(r, "at least 10 characters")
        self.assertTrue(self.create_user("carol", password="1234567890\r")["has_password"])

    def test_empty_password_line_refused(self):
        # --password-stdin asks for a password: an empty line is a too-short
        # password, not "create the account without one".
        r = self.admin("user", "create", "--org", DEMO_ORG, "--login", "bob", "--name", "Bob", "--password-stdin",
                       input="\n")
        self.assertRefused(r, "at least 10 characters")
        self.assertNotIn("bob", self.users())

    def test_password_stdin_without_input_refused(self):
        r = self.admin("user", "create", "--org", DEMO_ORG, "--login", "bob", "--name", "Bob", "--password-stdin",
                       input="")
        self.assertRefused(r, "no password on standard input")
        self.assertNotIn("bob", self.users())

    def test_duplicate_login_refused(self):
        r = self.admin("user", "create", "--org", DEMO_ORG, "--login", DEMO_ADMIN, "--name", "Again")
        self.assertRefused(r, "already taken")
        r = self.admin("user", "create", "--org", DEMO_ORG, "--login", DEMO_ADMIN.upper(), "--name", "Again")
        self.assertRefused(r, "already taken")
        self.assertEqual(self.users()[DEMO_ADMIN]["name"], "Demo Admin")
        self.assertEqual(len(self.users()), 1)

    def test_unknown_org_refused(self):
        r = self.admin("user", "create", "--org", "Nope", "--login", "bob", "--name", "Bob")
        self.assertRefused(r, "no such organisation")
        self.assertNotIn("bob", self.users())

    def test_bad_login_refused(self):
        for login in ("a b", 'a"b', "a\\b", "x" * 255):
            with self.subTest(login=login):
                r = self.admin("user", "create", "--org", DEMO_ORG, "--login", login, "--name", "Bob")
                self.assertRefused(r, "login")
        self.assertEqual(list(self.users()), [DEMO_ADMIN])

    def test_bad_display_name_refused(self):
        r = self.admin("user", "create", "--org", DEMO_ORG, "--login", "bob", "--name", "")
        self.assertRefused(r, "display name")
        self.assertNotIn("bob", self.users())

    def test_login_that_is_a_shared_address_refused(self):
        # hello@demo.example is used by the demo admin: it cannot become
        # someone's login identifier.
        r = self.admin("user", "create", "--org", DEMO_ORG, "--login", DEMO_ADDRESS, "--name", "Hello")
        self.assertRefused(r, "shared", DEMO_ADDRESS)
        self.assertNotIn(DEMO_ADDRESS, self.users())

    def test_login_that_is_an_unshared_address_accepted(self):
        self.admin_json("address", "create", "bob@demo.example")
        self.create_user("bob@demo.example")
        self.assertIn("bob@demo.example", self.users())

    def test_missing_required_option_is_a_usage_error(self):
        r = self.admin("user", "create", "--org", DEMO_ORG, "--login", "bob")
        self.assertExit(r, EXIT_USAGE)
        self.assertIn("--name", r.err)
        self.assertNotIn("bob", self.users())


    def test_an_admin_sets_a_password_and_a_member_cannot_set_anothers(self):
        self.create_user("pw@demo.example")
        r = self.assertOk(self.admin("user", "password", "pw@demo.example", input="a long enough password\n"))
        self.assertIn("new password set", r.out)
        self.assertRefused(self.admin("user", "password", "pw@demo.example", input="short\n"), "password")
        r = self.admin("--as", "pw@demo.example", "user", "password", DEMO_ADMIN, input="another long password\n")
        self.assertRefused(r)

class UserListDeleteTest(DemoTestCase):
    def test_list_org_filter(self):
        self.admin_json("org", "create", "Acme")
        self.create_user("boss@acme.example", org="Acme", role="admin")
        self.create_user("bob@demo.example")
        self.assertEqual(sorted(self.users()), ["admin@demo.example", "bob@demo.example", "boss@acme.example"])
        self.assertEqual(sorted(self.users(org="Acme")), ["boss@acme.example"])
        self.assertEqual(sorted(self.users(org=DEMO_ORG)), ["admin@demo.example", "bob@demo.example"])
        self.assertRefused(self.admin("user", "list", "--org", "Nope"), "no such organisation")

    def test_list_text(self):
        r = self.assertOk(self.admin("user", "list"))
        lines = r.out.splitlines()
        self.assertEqual(lines[0].split(), ["ID", "LOGIN", "NAME", "ROLE", "ORG"])
        self.assertIn(DEMO_ADMIN, lines[1])
        self.assertIn("admin", lines[1].split())

    def test_list_empty_org_text(self):
        self.admin_json("org", "create", "Acme")
        self.assertEqual(self.assertOk(self.admin("user", "list", "--org", "Acme")).out.strip(), "no users")

    def test_delete_last_user_refused(self):
        self.assertRefused(self.admin("user", "delete", DEMO_ADMIN), "last account")
        self.assertIn(DEMO_ADMIN, self.users())

    def test_delete_last_admin_refused(self):
        self.create_user("bob@demo.example", role="member")
        self.assertRefused(self.admin("user", "delete", DEMO_ADMIN), "last administrator")
        self.assertIn(DEMO_ADMIN, self.users())

    def test_delete_admin_when_another_admin_remains(self):
        self.create_user("second@demo.example", role="admin")
        r = self.assertOk(self.admin("user", "delete", DEMO_ADMIN))
        self.assertIn("deleted", r.out)
        self.assertEqual(list(self.users()), ["second@demo.example"])

    def test_delete_member(self):
        self.create_user("bob@demo.example")
        self.assertEqual(self.admin_json("user", "delete", "bob@demo.example"), {"deleted": "bob@demo.example"})
        self.assertEqual(list(self.users()), [DEMO_ADMIN])

    def test_delete_takes_the_users_accesses(self):
        self.create_user("bob@demo.example")
        self.admin_json("access", "grant", DEMO_ADDRESS, "bob@demo.example")
        self.admin_json("device-password", "create", DEMO_ADDRESS, "bob@demo.example", "--label", "phone")
        self.assertIn("bob@demo.example", self.accesses(DEMO_ADDRESS))
        self.assertOk(self.admin("user", "delete", "bob@demo.example"))
        self.assertEqual(list(self.accesses(DEMO_ADDRESS)), [DEMO_ADMIN])
        self.assertEqual([d["login"] for d in self.devices(DEMO_ADDRESS)], [DEMO_ADMIN])

    def test_delete_unknown_refused(self):
        self.assertRefused(self.admin("user", "delete", "nobody@demo.example"), "no such user")


class ServiceTest(DemoTestCase):
    def test_create(self):
        r = self.assertOk(self.admin("service", "create", "--org", DEMO_ORG, "second-mail"))
        self.assertIn("mail service 'second-mail' created", r.out)
        s = self.services()["second-mail"]
        self.assertFalse(s["locked"])
        self.assertEqual(s["org_id"], self.services()[DEMO_SERVICE]["org_id"])

    def test_create_duplicate_refused(self):
        self.assertRefused(self.admin("service", "create", "--org", DEMO_ORG, DEMO_SERVICE), "already exists")
        self.assertRefused(self.admin("service", "create", "--org", DEMO_ORG, DEMO_SERVICE.upper()), "already exists")
        self.assertEqual(list(self.services()), [DEMO_SERVICE])

    def test_create_unknown_org_refused(self):
        self.assertRefused(self.admin("service", "create", "--org", "Nope", "x-mail"), "no such organisation")
        self.assertNotIn("x-mail", self.services())

    def test_create_bad_name_refused(self):
        self.assertRefused(self.admin("service", "create", "--org", DEMO_ORG, ""), "mail service name")
        self.assertEqual(list(self.services()), [DEMO_SERVICE])

    def test_list_org_filter(self):
        self.admin_json("org", "create", "Acme")
        self.admin_json("service", "create", "--org", "Acme", "acme-mail")
        self.assertEqual(sorted(self.services()), ["acme-mail", DEMO_SERVICE])
        self.assertEqual(list(self.services(org="Acme")), ["acme-mail"])
        self.assertEqual(list(self.services(org=DEMO_ORG)), [DEMO_SERVICE])
        self.assertRefused(self.admin("service", "list", "--org", "Nope"), "no such organisation")

    def test_lock_and_unlock(self):
        r = self.assertOk(self.admin("service", "lock", DEMO_SERVICE))
        self.assertIn("locked", r.out)
        self.assertTrue(self.services()[DEMO_SERVICE]["locked"])
        self.assertIn("locked", self.assertOk(self.admin("service", "list")).out.splitlines()[1].split())
        self.assertEqual(self.admin_json("service", "unlock", DEMO_SERVICE), {"service": DEMO_SERVICE, "locked": False})
        self.assertFalse(self.services()[DEMO_SERVICE]["locked"])
        self.assertIn("active", self.assertOk(self.admin("service", "list")).out.splitlines()[1].split())

    def test_lock_is_per_service(self):
        self.admin_json("service", "create", "--org", DEMO_ORG, "second-mail")
        self.admin_json("service", "lock", "second-mail")
        s = self.services()
        self.assertTrue(s["second-mail"]["locked"])
        self.assertFalse(s[DEMO_SERVICE]["locked"])

    def test_lock_unknown_refused(self):
        self.assertRefused(self.admin("service", "lock", "nope"), "no such mail service")
        self.assertRefused(self.admin("service", "unlock", "nope"), "no such mail service")


class DomainTest(DemoTestCase):
    def test_add(self):
        r = self.assertOk(self.admin("domain", "add", "--service", DEMO_SERVICE, "second.example"))
        self.assertIn("domain 'second.example' added to 'demo-mail'", r.out)
        d = self.domains()
        self.assertEqual(sorted(d), [DEMO_DOMAIN, "second.example"])
        self.assertEqual(d["second.example"]["service_id"], d[DEMO_DOMAIN]["service_id"])

    def test_add_normalises_case_and_final_dot(self):
        d = self.admin_json("domain", "add", "--service", DEMO_SERVICE, "Mixed.Example.")
        self.assertEqual(d["name"], "mixed.example")
        self.assertIn("mixed.example", self.domains())

    def test_invalid_names_refused(self):
        bad = ["nodot", "-lead.example", "trail-.example", "a..example", ".example", "under_score.example",
               "sp ace.example", "x" * 64 + ".example", LONGEST_DOMAIN[:-1] + "dd", "ünï.example", "example..",
               "a.b/c"]
        for name in bad:
            with self.subTest(name=name):
                # "--": a name starting with '-' is an argument, not an option.
                self.assertRefused(self.admin("domain", "add", "--service", DEMO_SERVICE, "--", name),
                                   "is not a valid domain name")
        self.assertEqual(list(self.domains()), [DEMO_DOMAIN])

    def test_valid_edge_names_accepted(self):
        good = ["xn--bcher-kva.example", "a-b.c-d.example", "x" * 63 + ".example", "1.2.example",
                LONGEST_DOMAIN]
        for name in good:
            with self.subTest(name=name):
                self.assertOk(self.admin("domain", "add", "--service", DEMO_SERVICE, name))
        self.assertEqual(sorted(self.domains()), sorted(good + [DEMO_DOMAIN]))

    def test_duplicate_refused(self):
        self.assertRefused(self.admin("domain", "add", "--service", DEMO_SERVICE, DEMO_DOMAIN), "already in use")
        self.assertRefused(self.admin("domain", "add", "--service", DEMO_SERVICE, "DEMO.example"), "already in use")
        self.assertEqual(list(self.domains()), [DEMO_DOMAIN])

    def test_duplicate_in_another_organisation_refused(self):
        self.admin_json("org", "create", "Acme")
        self.admin_json("service", "create", "--org", "Acme", "acme-mail")
        self.assertRefused(self.admin("domain", "add", "--service", "acme-mail", DEMO_DOMAIN), "already in use")
        self.assertEqual(self.domains(service="acme-mail"), {})

    def test_unknown_service_refused(self):
        self.assertRefused(self.admin("domain", "add", "--service", "nope", "x.example"), "no such mail service")
        self.assertNotIn("x.example", self.domains())

    def test_list_service_filter(self):
        self.admin_json("service", "create", "--org", DEMO_ORG, "second-mail")
        self.admin_json("domain", "add", "--service", "second-mail", "second.example")
        self.assertEqual(list(self.domains(service="second-mail")), ["second.example"])
        self.assertEqual(list(self.domains(service=DEMO_SERVICE)), [DEMO_DOMAIN])
        self.assertRefused(self.admin("domain", "list", "--service", "nope"), "no such mail service")

    def test_remove_refused_while_it_has_addresses(self):
        self.assertRefused(self.admin("domain", "remove", DEMO_DOMAIN), "still has addresses")
        self.assertIn(DEMO_DOMAIN, self.domains())
        self.assertIn(DEMO_ADDRESS, self.addresses())

    def test_remove_after_its_addresses_are_gone(self):
        self.assertOk(self.admin("address", "delete", DEMO_ADDRESS))
        self.assertEqual(self.admin_json("domain", "remove", DEMO_DOMAIN), {"removed": DEMO_DOMAIN})
        self.assertEqual(self.domains(), {})

    def test_remove_is_case_insensitive(self):
        self.admin_json("domain", "add", "--service", DEMO_SERVICE, "second.example")
        self.assertOk(self.admin("domain", "remove", "SECOND.Example"))
        self.assertNotIn("second.example", self.domains())

    def test_remove_accepts_the_spelling_add_accepted(self):
        # `domain add Second.Example.` stores second.example; the same
        # spelling must find it again on remove.
        self.admin_json("domain", "add", "--service", DEMO_SERVICE, "Second.Example.")
        self.assertOk(self.admin("domain", "remove", "Second.Example."))
        self.assertNotIn("second.example", self.domains())

    def test_remove_unknown_refused(self):
        self.assertRefused(self.admin("domain", "remove", "nope.example"), "no such domain")


class AddressTest(DemoTestCase):
    def test_create(self):
        r = self.assertOk(self.admin("address", "create", "info@demo.example"))
        self.assertIn("address 'info@demo.example' created", r.out)
        self.assertIn("INBOX", r.out)
        a = self.addresses()["info@demo.example"]
        self.assertEqual(a["org_id"], self.addresses()[DEMO_ADDRESS]["org_id"])
        self.assertEqual(a["service_id"], self.services()[DEMO_SERVICE]["id"])

    def test_create_lowercases_the_domain(self):
        a = self.admin_json("address", "create", "Info@DEMO.Example")
        self.assertEqual(a["address"], "Info@demo.example")

    def test_unknown_domain_refused_with_a_hint(self):
        line = self.assertRefused(self.admin("address", "create", "x@nowhere.example"), "nowhere.example")
        self.assertIn("add it first", line)
        self.assertIn("domain add", line)
        self.assertNotIn("x@nowhere.example", self.addresses())

    def test_not_an_address_refused(self):
        for text in ("nodomain", "@demo.example", "x@"):
            with self.subTest(text=text):
                self.assertRefused(self.admin("address", "create", text), "name@domain")
        self.assertEqual(list(self.addresses()), [DEMO_ADDRESS])

    def test_invalid_local_part_refused(self):
        for local in ("a b", ".lead", "trail.", "two..dots", 'quo"te', "par(en)", "x" * 65, "a@b", "ümlaut", "tab\t"):
            with self.subTest(local=local):
                self.assertRefused(self.admin("address", "create", local + "@" + DEMO_DOMAIN),
                                   "is not a valid local part")
        self.assertEqual(list(self.addresses()), [DEMO_ADDRESS])

    def test_invalid_local_part_message_is_valid_utf8(self):
        # The message quotes the offending character: the whole character,
        # not the first byte of its UTF-8 encoding.
        r = self.admin("address", "create", "josé@" + DEMO_DOMAIN)
        self.assertRefused(r, "is not a valid local part")
        text = r.err_bytes.decode("utf-8", errors="replace")
        self.assertNotIn("\ufffd", text, "stderr is not valid UTF-8: %r" % r.err_bytes)
        self.assertIn("'é'", text)

    def test_valid_local_parts_accepted(self):
        good = ["first.last", "tag+box", "x" * 64, "o'brien", "a!#$%&*/=?^_`{|}~-z"]
        for local in good:
            with self.subTest(local=local):
                self.assertOk(self.admin("address", "create", local + "@" + DEMO_DOMAIN))
        self.assertEqual(len(self.addresses()), len(good) + 1)

    def test_duplicate_refused(self):
        self.assertRefused(self.admin("address", "create", DEMO_ADDRESS), "already exists")
        self.assertRefused(self.admin("address", "create", "HELLO@demo.example"), "already exists")
        self.assertEqual(list(self.addresses()), [DEMO_ADDRESS])

    def test_list_org_filter_and_text(self):
        self.create_org_with_address("Acme", "acme-mail", "acme.example", "info@acme.example", "boss@acme.example")
        self.assertEqual(sorted(self.addresses()), [DEMO_ADDRESS, "info@acme.example"])
        self.assertEqual(list(self.addresses(org="Acme")), ["info@acme.example"])
        self.assertEqual(list(self.addresses(org=DEMO_ORG)), [DEMO_ADDRESS])
        self.assertRefused(self.admin("address", "list", "--org", "Nope"), "no such organisation")
        lines = self.assertOk(self.admin("address", "list", "--org", "Acme")).out.splitlines()
        self.assertEqual(lines[0].split(), ["ID", "ADDRESS", "ORG", "CREATED", "QUOTA", "MESSAGES", "SENT-COPY"])
        self.assertIn("info@acme.example", lines[1])
        self.assertEqual(lines[1].split()[-3:], ["none", "none", "yes"])

    def test_delete(self):
        self.assertEqual(self.admin_json("address", "delete", DEMO_ADDRESS), {"deleted": DEMO_ADDRESS})
        self.assertEqual(self.addresses(), {})
        self.assertRefused(self.admin("access", "list", DEMO_ADDRESS), "no such address")
        self.assertRefused(self.admin("address", "delete", DEMO_ADDRESS), "no such address")
        # The name can be used again, with no accesses from before.
        self.admin_json("address", "create", DEMO_ADDRESS)
        self.assertEqual(self.accesses(DEMO_ADDRESS), {})


class AddressSettingsTest(DemoTestCase):
    def test_defaults(self):
        a = self.addresses()[DEMO_ADDRESS]
        self.assertEqual((a["quota_bytes"], a["quota_messages"], a["save_sent"]), (None, None, True))
        shown = self.admin_json("address", "show", DEMO_ADDRESS)
        self.assertEqual((shown["used_bytes"], shown["used_messages"], shown["quota_bytes"]), (0, 0, None))

    def test_set_quota_and_sent_copy(self):
        a = self.admin_json("address", "set", DEMO_ADDRESS, "--quota", "500M", "--quota-messages", "1000",
                            "--save-sent", "no")
        self.assertEqual((a["quota_bytes"], a["quota_messages"], a["save_sent"]), (500 << 20, 1000, False))
        self.assertEqual(self.addresses()[DEMO_ADDRESS]["quota_bytes"], 500 << 20)
        # Options left out keep their value.
        a = self.admin_json("address", "set", "HELLO@demo.example", "--quota-messages", "none")
        self.assertEqual((a["quota_bytes"], a["quota_messages"], a["save_sent"]), (500 << 20, None, False))
        a = self.admin_json("address", "set", DEMO_ADDRESS, "--quota", "none", "--save-sent", "yes")
        self.assertEqual((a["quota_bytes"], a["quota_messages"], a["save_sent"]), (None, None, True))

    def test_text_output(self):
        r = self.assertOk(self.admin("address", "set", DEMO_ADDRESS, "--quota", "2G", "--save-sent", "no"))
        self.assertEqual(r.out.strip(), "address 'hello@demo.example': quota 2 GiB, messages none, sent copy not kept")
        out = self.assertOk(self.admin("address", "show", DEMO_ADDRESS)).out
        self.assertIn("quota      2 GiB (0 bytes used, 0%)", out)
        self.assertIn("messages   none (0 stored)", out)
        self.assertIn("sent copy  no", out)
        line = self.assertOk(self.admin("address", "list")).out.splitlines()[1]
        self.assertEqual(line.split()[-4:], ["2", "GiB", "none", "no"])

    def test_bad_values_are_usage_errors(self):
        for args, fragment in ((["--quota", "lots"], "--quota"), (["--quota", "5X"], "not a size"),
                               (["--quota-messages", "5k"], "--quota-messages"),
                               (["--save-sent", "maybe"], "yes or no"), ([], "needs --quota")):
            with self.subTest(args=args):
                self.assertUsage(self.admin("address", "set", DEMO_ADDRESS, *args), fragment)
        self.assertEqual(self.addresses()[DEMO_ADDRESS]["quota_bytes"], None)

    def test_unknown_address_refused(self):
        self.assertRefused(self.admin("address", "set", "nobody@demo.example", "--quota", "1M"), "no such address")
        self.assertRefused(self.admin("address", "show", "nobody@demo.example"), "no such address")


class DomainSettingsTest(DemoTestCase):
    def test_spf_fail_policy(self):
        self.assertEqual(self.domains()[DEMO_DOMAIN]["spf_fail"], "junk")
        d = self.admin_json("domain", "set", "DEMO.example.", "--spf-fail", "reject")
        self.assertEqual((d["name"], d["spf_fail"]), (DEMO_DOMAIN, "reject"))
        self.assertEqual(self.domains()[DEMO_DOMAIN]["spf_fail"], "reject")
        lines = self.assertOk(self.admin("domain", "list")).out.splitlines()
        self.assertEqual(lines[0].split(), ["ID", "DOMAIN", "SERVICE", "SPF-FAIL", "STATUS"])
        self.assertEqual(lines[1].split()[-2:], ["reject", "verified"])
        r = self.assertOk(self.admin("domain", "set", DEMO_DOMAIN, "--spf-fail", "junk"))
        self.assertIn("filed in Junk", r.out)
        self.assertEqual(self.domains()[DEMO_DOMAIN]["spf_fail"], "junk")

    def test_bad_policy_is_a_usage_error(self):
        self.assertUsage(self.admin("domain", "set", DEMO_DOMAIN, "--spf-fail", "drop"), "junk or reject")
        self.assertExit(self.admin("domain", "set", DEMO_DOMAIN), EXIT_USAGE)
        self.assertEqual(self.domains()[DEMO_DOMAIN]["spf_fail"], "junk")

    def test_unknown_domain_refused(self):
        self.assertRefused(self.admin("domain", "set", "nowhere.example", "--spf-fail", "reject"), "no such domain")


class AccessTest(DemoTestCase):
    def setUp(self):
        super().setUp()
        self.create_user("bob@demo.example")

    def test_grant(self):
        r = self.assertOk(self.admin("access", "grant", DEMO_ADDRESS, "bob@demo.example"))
        self.assertIn("'bob@demo.example' now has access to 'hello@demo.example'", r.out)
        x = self.accesses(DEMO_ADDRESS)
        self.assertEqual(sorted(x), [DEMO_ADMIN, "bob@demo.example"])
        self.assertFalse(x["bob@demo.example"]["may_change_special_folders"])
        self.assertEqual(x["bob@demo.example"]["devices"], 0)
        self.assertEqual(x["bob@demo.example"]["name"], "Test User")

    def test_grant_may_change_special_folders(self):
        j = self.admin_json("access", "grant", DEMO_ADDRESS, "bob@demo.example", "--may-change-special-folders")
        self.assertTrue(j["may_change_special_folders"])
        self.assertTrue(self.accesses(DEMO_ADDRESS)["bob@demo.example"]["may_change_special_folders"])

    def test_grant_twice_refused(self):
        self.admin_json("access", "grant", DEMO_ADDRESS, "bob@demo.example")
        self.assertRefused(self.admin("access", "grant", DEMO_ADDRESS, "bob@demo.example"), "already has access")
        self.assertEqual(len(self.accesses(DEMO_ADDRESS)), 2)

    def test_grant_unknown_refused(self):
        self.assertRefused(self.admin("access", "grant", "nope@demo.example", "bob@demo.example"), "no such address")
        self.assertRefused(self.admin("access", "grant", DEMO_ADDRESS, "nobody@demo.example"), "no such user")
        self.assertEqual(list(self.accesses(DEMO_ADDRESS)), [DEMO_ADMIN])

    def test_login_address_not_shared(self):
        # admin@demo.example is the demo admin's login identifier.
        self.admin_json("address", "create", DEMO_ADMIN)
        line = self.assertRefused(self.admin("access", "grant", DEMO_ADMIN, "bob@demo.example"), DEMO_ADMIN)
        self.assertIn("login identifier", line)
        self.assertEqual(self.accesses(DEMO_ADMIN), {})
        # Its owner may use it.
        self.assertOk(self.admin("access", "grant", DEMO_ADMIN, DEMO_ADMIN))
        self.assertEqual(list(self.accesses(DEMO_ADMIN)), [DEMO_ADMIN])
        # And still nobody else, once the owner has it.
        self.assertRefused(self.admin("access", "grant", DEMO_ADMIN, "bob@demo.example"), "login identifier")
        self.assertEqual(list(self.accesses(DEMO_ADMIN)), [DEMO_ADMIN])

    def test_login_address_not_shared_whatever_the_case(self):
        self.admin_json("address", "create", "Admin@Demo.Example")
        self.assertRefused(self.admin("access", "grant", "Admin@demo.example", "bob@demo.example"), "login identifier")
        self.assertEqual(self.accesses("Admin@demo.example"), {})

    def test_cross_organisation_refused(self):
        self.create_org_with_address("Acme", "acme-mail", "acme.example", "info@acme.example", "boss@acme.example")
        self.assertRefused(self.admin("access", "grant", DEMO_ADDRESS, "boss@acme.example"), "not a member")
        self.assertRefused(self.admin("access", "grant", "info@acme.example", "bob@demo.example"), "not a member")
        self.assertEqual(list(self.accesses(DEMO_ADDRESS)), [DEMO_ADMIN])
        self.assertEqual(self.accesses("info@acme.example"), {})

    def test_revoke_devices_only_keeps_the_access(self):
        self.admin_json("access", "grant", DEMO_ADDRESS, "bob@demo.example")
        for label in ("phone", "laptop"):
            self.admin_json("device-password", "create", DEMO_ADDRESS, "bob@demo.example", "--label", label)
        self.assertEqual(self.accesses(DEMO_ADDRESS)["bob@demo.example"]["devices"], 2)

        r = self.assertOk(self.admin("access", "revoke", DEMO_ADDRESS, "bob@demo.example", "--devices-only"))
        self.assertIn("2 device password(s)", r.out)
        self.assertIn("the access itself is kept", r.out)

        x = self.accesses(DEMO_ADDRESS)
        self.assertIn("bob@demo.example", x)
        self.assertEqual(x["bob@demo.example"]["devices"], 0)
        bobs = self.devices(DEMO_ADDRESS, login="bob@demo.example")
        self.assertEqual(sorted(d["label"] for d in bobs), ["laptop", "phone"])
        for d in bobs:
            self.assertIsNotNone(d["revoked"], d)
        # Other users' devices are untouched.
        self.assertEqual(x[DEMO_ADMIN]["devices"], 1)
        self.assertIsNone(self.devices(DEMO_ADDRESS, login=DEMO_ADMIN)[0]["revoked"])
        # Again: nothing left to revoke, the access still stays.
        j = self.admin_json("access", "revoke", DEMO_ADDRESS, "bob@demo.example", "--devices-only")
        self.assertEqual(j["devices_revoked"], 0)
        self.assertIn("bob@demo.example", self.accesses(DEMO_ADDRESS))
        # New device passwords may still be made for the kept access.
        self.admin_json("device-password", "create", DEMO_ADDRESS, "bob@demo.example", "--label", "tablet")
        self.assertEqual(self.accesses(DEMO_ADDRESS)["bob@demo.example"]["devices"], 1)

    def test_revoke_removes_the_access(self):
        self.admin_json("access", "grant", DEMO_ADDRESS, "bob@demo.example")
        self.admin_json("device-password", "create", DEMO_ADDRESS, "bob@demo.example", "--label", "phone")
        j = self.admin_json("access", "revoke", DEMO_ADDRESS, "bob@demo.example")
        self.assertEqual(j, {"address": DEMO_ADDRESS, "login": "bob@demo.example", "devices_only": False,
                             "devices_revoked": 1})
        self.assertEqual(list(self.accesses(DEMO_ADDRESS)), [DEMO_ADMIN])
        self.assertEqual(self.devices(DEMO_ADDRESS, login="bob@demo.example"), [])
        self.assertRefused(self.admin("access", "revoke", DEMO_ADDRESS, "bob@demo.example"), "no access")
        self.assertRefused(
            self.admin("device-password", "create", DEMO_ADDRESS, "bob@demo.example", "--label", "phone"),
            "grant it first")

    def test_revoke_text(self):
        self.admin_json("access", "grant", DEMO_ADDRESS, "bob@demo.example")
        r = self.assertOk(self.admin("access", "revoke", DEMO_ADDRESS, "bob@demo.example"))
        self.assertIn("access of 'bob@demo.example' to 'hello@demo.example' removed", r.out)

    def test_revoke_without_access_refused(self):
        self.assertRefused(self.admin("access", "revoke", DEMO_ADDRESS, "bob@demo.example"), "no access")
        self.assertRefused(self.admin("access", "revoke", DEMO_ADDRESS, "bob@demo.example", "--devices-only"),
                           "no access")
        self.assertRefused(self.admin("access", "revoke", "nope@demo.example", DEMO_ADMIN), "no such address")

    def test_list_text(self):
        lines = self.assertOk(self.admin("access", "list", DEMO_ADDRESS)).out.splitlines()
        self.assertEqual(lines[0].split(), ["ID", "LOGIN", "NAME", "SPECIAL-FOLDERS", "DEVICES"])
        self.assertEqual(lines[1].split()[1], DEMO_ADMIN)
        self.assertEqual(lines[1].split()[-1], "1")
        self.admin_json("address", "create", "info@demo.example")
        self.assertEqual(self.assertOk(self.admin("access", "list", "info@demo.example")).out.strip(),
                         "nobody has access to this address")

    def test_list_unknown_address_refused(self):
        self.assertRefused(self.admin("access", "list", "nope@demo.example"), "no such address")


class DevicePasswordTest(DemoTestCase):
    def setUp(self):
        super().setUp()
        self.create_user("bob@demo.example")
        self.admin_json("access", "grant", DEMO_ADDRESS, "bob@demo.example")

    def stored_hash(self, password):
        """The stored form: HMAC-SHA-256(data/device-key, normalised password)."""
        with open(os.path.join(self.data, "device-key"), "rb") as f:
            key = f.read()
        norm = password.replace("-", "").replace(" ", "").lower()
        return hmac.new(key, norm.encode(), hashlib.sha256).digest()

    def stored_hashes(self):
        """What the store really keeps (read-only), to know the hash we look for is the real one."""
        db = sqlite3.connect("file:%s?mode=ro" % os.path.join(self.data, "estafeta.db"), uri=True)
        try:
            return {bytes(row[0]) for row in db.execute("SELECT hash FROM device_password")}
        finally:
            db.close()

    def assertSecretAbsent(self, result, password):
        h = self.stored_hash(password)
        secrets = {"password": password, "password without dashes": password.replace("-", ""),
                   "password upper-case": password.upper(), "hash (hex)": h.hex(), "hash (HEX)": h.hex().upper(),
                   "hash (base64)": base64.b64encode(h).decode(),
                   "hash (base64url)": base64.urlsafe_b64encode(h).decode()}
        for what, secret in secrets.items():
            self.assertNotIn(secret, result.out + result.err, what)
        self.assertNotIn(h, result.out_bytes + result.err_bytes, "hash (raw bytes)")

    def test_create_text_shows_the_password_once(self):
        r = self.assertOk(self.admin("device-password", "create", DEMO_ADDRESS, "bob@demo.example", "--label", "phone"))
        found = DEVICE_PASSWORD.findall(r.out)
        self.assertEqual(len(found), 1, r.out)
        self.assertIn("shown this once", r.out)
        self.assertIn("label 'phone'", r.out)
        d = self.devices(DEMO_ADDRESS, login="bob@demo.example")
        self.assertEqual([x["label"] for x in d], ["phone"])
        self.assertIsNone(d[0]["revoked"])

    def test_create_json(self):
        j = self.admin_json("device-password", "create", DEMO_ADDRESS, "bob@demo.example", "--label", "phone")
        self.assertRegex(j["password"], DEVICE_PASSWORD)
        self.assertEqual(j["label"], "phone")
        self.assertEqual(j["login"], "bob@demo.example")
        self.assertEqual(j["address"], DEMO_ADDRESS)
        self.assertIsNone(j["revoked"])
        self.assertIsNone(j["last_used"])
        self.assertNotIn("hash", j)
        self.assertIn(j["id"], [d["id"] for d in self.devices(DEMO_ADDRESS)])

    def test_passwords_are_different(self):
        a = self.admin_json("device-password", "create", DEMO_ADDRESS, "bob@demo.example", "--label", "a")["password"]
        b = self.admin_json("device-password", "create", DEMO_ADDRESS, "bob@demo.example", "--label", "b")["password"]
        self.assertNotEqual(a, b)

    def test_list_never_shows_the_password_nor_its_hash(self):
        password = self.admin_json("device-password", "create", DEMO_ADDRESS, "bob@demo.example",
                                   "--label", "phone")["password"]
        outputs = [
            self.admin("device-password", "list", DEMO_ADDRESS),
            self.admin("--json", "device-password", "list", DEMO_ADDRESS),
            self.admin("device-password", "list", DEMO_ADDRESS, "--login", "bob@demo.example"),
            self.admin("--json", "device-password", "list", DEMO_ADDRESS, "--login", "bob@demo.example"),
            self.admin("--json", "access", "list", DEMO_ADDRESS),
            self.admin("access", "list", DEMO_ADDRESS),
            self.admin("--json", "user", "list"),
        ]
        self.assertIn(self.stored_hash(password), self.stored_hashes())
        for r in outputs:
            with self.subTest(args=r.args):
                self.assertOk(r)
                self.assertSecretAbsent(r, password)
        # The JSON of a device password has exactly these fields: no secret.
        for d in outputs[1].json():
            self.assertEqual(set(d), {"id", "label", "created", "last_used", "last_ip", "revoked", "login"})
        self.assertIn("phone", outputs[0].out)

    def test_list_login_filter(self):
        self.admin_json("device-password", "create", DEMO_ADDRESS, "bob@demo.example", "--label", "phone")
        self.assertEqual(sorted((d["login"], d["label"]) for d in self.devices(DEMO_ADDRESS)),
                         [(DEMO_ADMIN, "quickstart"), ("bob@demo.example", "phone")])
        self.assertEqual([d["label"] for d in self.devices(DEMO_ADDRESS, login="bob@demo.example")], ["phone"])
        self.assertEqual([d["label"] for d in self.devices(DEMO_ADDRESS, login=DEMO_ADMIN)], ["quickstart"])
        self.assertEqual(self.devices(DEMO_ADDRESS, login="nobody@demo.example"), [])

    def test_list_text(self):
        r = self.assertOk(self.admin("device-password", "list", DEMO_ADDRESS, "--login", DEMO_ADMIN))
        lines = r.out.splitlines()
        self.assertEqual(lines[0].split(), ["ID", "LOGIN", "LABEL", "CREATED", "LAST", "USED", "LAST", "IP", "STATE"])
        self.assertEqual(len(lines), 2)
        self.assertIn("quickstart", lines[1])
        self.assertTrue(lines[1].rstrip().endswith("active"), lines[1])
        r = self.assertOk(self.admin("device-password", "list", DEMO_ADDRESS, "--login", "bob@demo.example"))
        self.assertEqual(r.out.strip(), "no device passwords")

    def test_list_unknown_address_refused(self):
        self.assertRefused(self.admin("device-password", "list", "nope@demo.example"), "no such address")

    def test_create_without_access_refused(self):
        self.create_user("carol@demo.example")
        self.assertRefused(self.admin("device-password", "create", DEMO_ADDRESS, "carol@demo.example", "--label", "x"),
                           "grant it first")
        self.assertEqual(self.devices(DEMO_ADDRESS, login="carol@demo.example"), [])

    def test_create_bad_label_refused(self):
        self.assertRefused(self.admin("device-password", "create", DEMO_ADDRESS, "bob@demo.example", "--label", ""),
                           "device label")
        self.assertRefused(self.admin("device-password", "create", DEMO_ADDRESS, "bob@demo.example",
                                      "--label", "x" * 101), "device label")
        self.assertEqual(self.devices(DEMO_ADDRESS, login="bob@demo.example"), [])

    def test_create_requires_a_label(self):
        r = self.admin("device-password", "create", DEMO_ADDRESS, "bob@demo.example")
        self.assertExit(r, EXIT_USAGE)
        self.assertIn("--label", r.err)

    def test_revoke(self):
        j = self.admin_json("device-password", "create", DEMO_ADDRESS, "bob@demo.example", "--label", "phone")
        r = self.assertOk(self.admin("device-password", "revoke", str(j["id"])))
        self.assertIn("device password %d revoked" % j["id"], r.out)
        d = self.devices(DEMO_ADDRESS, login="bob@demo.example")
        self.assertEqual(len(d), 1)
        self.assertIsNotNone(d[0]["revoked"])
        self.assertEqual(self.accesses(DEMO_ADDRESS)["bob@demo.example"]["devices"], 0)
        self.assertIn("revoked", self.admin("device-password", "list", DEMO_ADDRESS, "--login",
                                            "bob@demo.example").out.splitlines()[1])
        # The same id again: refused, and the first revocation time is kept.
        self.assertRefused(self.admin("device-password", "revoke", str(j["id"])), "already revoked")
        self.assertEqual(self.devices(DEMO_ADDRESS, login="bob@demo.example")[0]["revoked"], d[0]["revoked"])
        # The demo device is untouched.
        self.assertIsNone(self.devices(DEMO_ADDRESS, login=DEMO_ADMIN)[0]["revoked"])

    def test_revoke_unknown_refused(self):
        self.assertRefused(self.admin("device-password", "revoke", "9999"), "no such device password")

    def test_revoke_bad_id_is_a_usage_error(self):
        self.assertExit(self.admin("device-password", "revoke", "one"), EXIT_USAGE)


class UsageTest(DemoTestCase):
    def test_noun_without_verb(self):
        r = self.admin("org")
        self.assertExit(r, EXIT_USAGE)
        self.assertEqual(r.out, "")

    def test_unknown_verb(self):
        self.assertExit(self.admin("org", "rename", "Demo", "Other"), EXIT_USAGE)
        self.assertEqual(self.org_names(), [DEMO_ORG])

    def test_unknown_noun(self):
        self.assertExit(self.admin("mailbox", "list"), EXIT_USAGE)

    def test_json_after_the_verb(self):
        r = self.admin("org", "list", "--json")
        self.assertOk(r)
        self.assertEqual([o["name"] for o in r.json()], [DEMO_ORG])

    def test_missing_config_file(self):
        r = run("admin", "--config", os.path.join(self.dir, "absent.toml"), "org", "list")
        self.assertUsage(r, "absent.toml", "cannot read the config file")
        self.assertEqual(len(r.err.strip().splitlines()), 1, repr(r))

    def test_help(self):
        r = run("admin", "--help")
        self.assertExit(r, EXIT_OK)
        for noun in ("org", "user", "service", "domain", "address", "access", "device-password"):
            self.assertIn(noun, r.out)


if __name__ == "__main__":
    unittest.main()
