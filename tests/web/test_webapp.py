"""The web mail app (web/) end to end in a real browser, against the real binary.

Debian's Chromium (/usr/bin/chromium, package `chromium`) is driven by
playwright-core from npm (tests/webapp, pinned by its package-lock.json);
nothing downloads a browser. scripts/setup.sh installs both and the app's
own packages (web/node_modules).

browser_app.BrowserAppCase builds the app, starts the server and makes
the users (the login test enables carol's second factor).

Each test runs one scenario of tests/webapp/e2e.mjs (login with the second
factor; hostile HTML; compose, undo, reply, forward, forward as
attachment; attachments, zip, .eml, headers, source, the 25 MB limit;
search; notifications; read receipts; own folders through the app's
dialogs and special folders; the shared address; the vacation reply;
display name, signature, threads and a reopened draft; pasted pictures
and previews; the console's frame reached from the mail; the drive) and checks axe-core on each screen it shows. Screenshots go to
$ESTAFETA_TEST_TMP/../webapp-artifacts/."""

import unittest

import browser_app


class WebappTest(browser_app.BrowserAppCase):
    SCRIPT = "e2e.mjs"

    def test_login(self):
        self.scenario("login")

    def test_hostile_html(self):
        self.scenario("hostile")

    def test_compose_reply_forward(self):
        self.scenario("compose")

    def test_attachments_zip_eml_headers(self):
        self.scenario("attachments")

    def test_search(self):
        self.scenario("search")

    def test_notifications(self):
        self.scenario("notify")

    def test_read_receipts(self):
        self.scenario("receipts")

    def test_special_folders(self):
        self.scenario("folders")

    def test_shared_address(self):
        self.scenario("shared")

    def test_vacation_reply(self):
        self.scenario("vacation")

    def test_identities_threads_drafts(self):
        self.scenario("identities")

    def test_pictures_and_previews(self):
        self.scenario("pictures")

    def test_console_frame(self):
        self.scenario("consoleFrame")

    def test_drive(self):
        self.scenario("drive")


if __name__ == "__main__":
    unittest.main()
