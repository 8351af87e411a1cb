"""The drive over real HTTP: folders and a file uploaded in pieces through the
API (http.client, as a script or the web app would), downloaded with curl
and compared byte for byte; a message and its attachment, put into the
mailbox by IMAP APPEND (imaplib), saved into the drive through JMAP and
back: the .eml parsed as a message (Email/parse), a drive file attached to
a draft (Email/set), files sent as a transfer link; and what another
organisation's user gets for each of them; the organisation's drive, which
its users share and no one else reaches."""

import email.message
import hashlib
import imaplib
import json
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cli"))
import estafeta_test as et  # noqa: E402
from test_api import PASSWORD, USER  # noqa: E402
from test_transfers import EVE, EVE_PASSWORD, PIECE, FileApiServer, pattern  # noqa: E402

BOB = "bob@demo.example"
BOB_PASSWORD = "bob's long password"

CORE = "urn:ietf:params:jmap:core"
MAIL = "urn:ietf:params:jmap:mail"


class DriveTest(FileApiServer):
    def setUp(self):
        super().setUp()
        # Eve's own address, in her organisation: a JMAP account of hers.
        self.admin_json("service", "create", "--org", "other", "other-mail")
        self.admin_json("domain", "add", "--service", "other-mail", "other.example")
        self.admin_json("address", "create", EVE)
        self.admin_json("access", "grant", EVE, EVE)
        self.ana = self.session(USER, PASSWORD)
        self.eve = self.session(EVE, EVE_PASSWORD)

    def upload(self, who, parent, name, data, piece=PIECE):
        status, file = self.api("POST", "/api/v1/drive/files",
                                {"parent": parent, "name": name, "type": "application/pdf", "size": len(data)}, who)
        self.assertEqual(status, 201, file)
        for at in range(0, len(data), piece):
            status, _, answer = self.request("PUT", "/api/v1/drive/files/%d?offset=%d" % (file["id"], at),
                                             data[at:at + piece], {"Content-Type": "application/octet-stream"}, who)
            self.assertEqual(status, 200, answer)
            file = json.loads(answer)
        return file

    def download(self, who, path, headers=()):
        return self.curl(path, headers=("Cookie: %s" % who[0],) + tuple(headers))

    def account(self, who):
        status, _, body = self.request("GET", "/jmap/session", who=who)
        self.assertEqual(status, 200, body)
        return json.loads(body)["primaryAccounts"][MAIL]

    def jmap(self, who, *calls):
        status, _, body = self.request("POST", "/jmap/api", json.dumps({"using": [CORE, MAIL], "methodCalls": list(calls)}),
                                       {"Content-Type": "application/json"}, who)
        self.assertEqual(status, 200, body)
        return json.loads(body)["methodResponses"]

    def test_folders_and_a_file_in_pieces_downloaded_with_curl(self):
        status, folder = self.api("POST", "/api/v1/drive/folders", {"name": "Facturas 2026"}, self.ana)
        self.assertEqual(status, 201, folder)
        status, inner = self.api("POST", "/api/v1/drive/folders", {"parent": folder["id"], "name": "Enero"}, self.ana)
        self.assertEqual(status, 201, inner)
        self.assertEqual(self.api("POST", "/api/v1/drive/folders", {"name": "facturas 2026"}, self.ana)[0], 409,
                         "names are unique in a folder, ignoring case")

        data = pattern(PIECE + 54321, b"drive")
        file = self.upload(self.ana, inner["id"], "factura <1>.pdf", data)
        self.assertTrue(file["ready"], file)
        self.assertEqual((file["size"], file["received"], file["name"]), (len(data), len(data), "factura <1>.pdf"))
        # The same name again (an empty file, ready at once).
        again = self.upload(self.ana, inner["id"], "factura <1>.pdf", b"")
        self.assertEqual(again["name"], "factura <1> (2).pdf", "a taken name gets a number")

        status, top = self.api("GET", "/api/v1/drive", None, self.ana)
        self.assertEqual(status, 200, top)
        self.assertEqual([i["name"] for i in top["items"]], ["Facturas 2026"])
        self.assertEqual(top["usage"], {"bytes": len(data), "items": 4})
        status, listing = self.api("GET", "/api/v1/drive/folders/%d" % inner["id"], None, self.ana)
        self.assertEqual([p["name"] for p in listing["path"]], ["Facturas 2026", "Enero"])
        self.assertEqual([i["name"] for i in listing["items"]], ["factura <1> (2).pdf", "factura <1>.pdf"])

        path = "/api/v1/drive/files/%d/content" % file["id"]
        status, fields, body = self.download(self.ana, path)
        self.assertEqual(status, 200)
        self.assertEqual(hashlib.sha256(body).hexdigest(), hashlib.sha256(data).hexdigest())
        self.assertEqual(fields["content-length"], str(len(data)))
        self.assertEqual(fields["content-type"], "application/octet-stream", "never shown by the browser")
        self.assertIn("filename*=UTF-8''factura%20%3C1%3E.pdf", fields["content-disposition"])
        self.assertIn("sandbox", fields["content-security-policy"])
        status, fields, body = self.download(self.ana, path, ["Range: bytes=100-199"])
        self.assertEqual((status, body), (206, data[100:200]))
        self.assertEqual(fields["content-range"], "bytes 100-199/%d" % len(data))
        self.assertEqual(self.curl(path)[0], 401, "no cookie, no file")

        # Renamed and moved to the top, then the folder deleted with what it holds.
        status, moved = self.api("PATCH", "/api/v1/drive/items/%d" % file["id"], {"parent": None, "name": "f.pdf"},
                                 self.ana)
        self.assertEqual((status, moved["parent"], moved["name"]), (200, None, "f.pdf"), moved)
        status, answer = self.api("PATCH", "/api/v1/drive/items/%d" % folder["id"], {"parent": inner["id"]}, self.ana)
        self.assertEqual((status, answer["error"]["code"]), (422, "invalid"), "a folder does not go into itself")
        self.assertEqual(self.api("DELETE", "/api/v1/drive/items/%d" % folder["id"], None, self.ana)[0], 204)
        self.assertEqual(self.api("GET", "/api/v1/drive/folders/%d" % inner["id"], None, self.ana)[0], 404)
        status, top = self.api("GET", "/api/v1/drive", None, self.ana)
        self.assertEqual(([i["name"] for i in top["items"]], top["usage"]["items"]), (["f.pdf"], 1))
        self.assertEqual(self.download(self.ana, path)[1]["content-length"], str(len(data)), "the moved file is whole")

    def test_pieces_are_bounded_before_they_are_read(self):
        status, file = self.api("POST", "/api/v1/drive/files", {"name": "big.bin", "size": 3 * PIECE}, self.ana)
        self.assertEqual(status, 201, file)
        path = "/api/v1/drive/files/%d?offset=0" % file["id"]
        self.assertEqual(self.announce(path, PIECE + 1, self.ana), 413)
        self.assertEqual(self.announce(path, 2 * 1024 * 1024), 401, "no large body from an unknown caller")
        status, answer = self.api("POST", "/api/v1/drive/files", {"name": "huge.bin", "size": 4 << 30}, self.ana)
        self.assertEqual((status, answer["error"]["field"]), (413, "size"), answer)
        status, _, body = self.request("PUT", "/api/v1/drive/files/%d?offset=8" % file["id"], b"x" * 10,
                                       {"Content-Type": "application/octet-stream"}, self.ana)
        answer = json.loads(body)
        self.assertEqual((status, answer["error"]["code"], answer["received"]), (409, "in_use", 0))

    def test_bad_input_gets_its_error_and_changes_nothing(self):
        ana = self.ana
        account = self.account(ana)
        for path, payload, status, field in [
                ("/api/v1/drive/files", {"name": "a.txt"}, 422, "size"),
                ("/api/v1/drive/files", {"name": "a.txt", "size": "12"}, 422, "size"),
                ("/api/v1/drive/files", {"size": 12}, 422, "name"),
                ("/api/v1/drive/files", {"name": "a.txt", "size": -1}, 422, "size"),
                ("/api/v1/drive/folders", {"name": "x", "parent": "top"}, 422, "parent"),
                ("/api/v1/drive/folders", {"name": "x", "parent": 999999}, 404, "parent"),
                ("/api/v1/transfers", {"drive": []}, 422, "drive"),
                ("/api/v1/transfers", {"drive": ["1"]}, 422, "drive"),
                ("/jmap/drive/%s/save" % account, {"blobs": []}, 422, "blobs"),
                ("/jmap/drive/%s/save" % account, {"blobs": [{"blobId": "b"}] * 101}, 422, "blobs"),
                ("/jmap/drive/%s/save" % account, {"blobs": [{"blobId": 7, "name": "x"}]}, 422, "blobs"),
                ("/jmap/drive/%s/save" % account, {"folder": -1, "blobs": [{"blobId": "b", "name": "x"}]}, 422, "folder"),
                ("/jmap/drive/%s/blob" % account, {"file": "1"}, 422, "file")]:
            got, answer = self.api("POST", path, payload, ana)
            self.assertEqual((got, answer["error"].get("field")), (status, field), "%s %s: %s" % (path, payload, answer))
        self.assertEqual(self.api("POST", "/jmap/drive/%s/nothing" % account, {}, ana)[0], 404)
        status, _, _ = self.request("POST", "/api/v1/drive/folders", b"{", {"Content-Type": "application/json"}, ana)
        self.assertEqual(status, 400)
        status, file = self.api("POST", "/api/v1/drive/files", {"name": "f.bin", "size": 10}, ana)
        for offset in ("-1", "abc", ""):
            status, _, body = self.request("PUT", "/api/v1/drive/files/%d?offset=%s" % (file["id"], offset), b"x",
                                           {"Content-Type": "application/octet-stream"}, ana)
            self.assertEqual((status, json.loads(body)["error"]["field"]), (400, "offset"), offset)
        status, _, body = self.request("PUT", "/api/v1/drive/files/%d?offset=0" % file["id"], b"x" * 11,
                                       {"Content-Type": "application/octet-stream"}, ana)
        self.assertEqual(status, 413, "a piece past the file's end")
        status, top = self.api("GET", "/api/v1/drive", None, ana)
        self.assertEqual(([i["name"] for i in top["items"]], top["usage"]), (["f.bin"], {"bytes": 10, "items": 1}))
        self.assertEqual(self.api("GET", "/api/v1/drive/files/%d" % file["id"], None, ana)[1]["received"], 0)

    def append_message(self):
        """A message with a PDF attached, in the demo address's INBOX."""
        msg = email.message.EmailMessage()
        msg["From"] = "Luis <luis@example.org>"
        msg["To"] = et.DEMO_ADDRESS
        msg["Subject"] = "Contrato firmado"
        msg.set_content("Adjunto el contrato.\n")
        self.contract = pattern(70000, b"contract")
        msg.add_attachment(self.contract, maintype="application", subtype="pdf", filename="contrato.pdf")
        m = imaplib.IMAP4("127.0.0.1", self.imap, timeout=30)
        try:
            m.login(et.DEMO_ADDRESS, re.search(r"device password\s+(\S+)", self.quickstart_output).group(1))
            status, _ = m.append("INBOX", None, None, msg.as_bytes())
            self.assertEqual(status, "OK")
        finally:
            m.logout()

    def test_mail_saved_into_the_drive_and_back(self):
        self.append_message()
        account = self.account(self.ana)
        got = self.jmap(self.ana, ["Email/query", {"accountId": account}, "q"],
                        ["Email/get", {"accountId": account, "#ids": {"resultOf": "q", "name": "Email/query", "path": "/ids"},
                                       "properties": ["blobId", "subject", "attachments"]}, "g"])
        mail = got[1][1]["list"][0]
        attachment = mail["attachments"][0]
        status, folder = self.api("POST", "/api/v1/drive/folders", {"name": "Correo"}, self.ana)
        status, saved = self.api("POST", "/jmap/drive/%s/save" % account,
                                 {"folder": folder["id"], "blobs": [
                                     {"blobId": attachment["blobId"], "name": attachment["name"], "type": attachment["type"]},
                                     {"blobId": mail["blobId"], "name": "Contrato firmado.eml"}]}, self.ana)
        self.assertEqual(status, 200, saved)
        self.assertEqual(saved["failed"], [])
        pdf, eml = saved["saved"]
        self.assertEqual((pdf["name"], pdf["type"], pdf["size"], eml["type"]),
                         ("contrato.pdf", "application/pdf", len(self.contract), "message/rfc822"))
        self.assertEqual(self.download(self.ana, "/api/v1/drive/files/%d/content" % pdf["id"])[2], self.contract)

        # The .eml opens as a message: made a blob of the account, then parsed.
        status, blob = self.api("POST", "/jmap/drive/%s/blob" % account, {"file": eml["id"]}, self.ana)
        self.assertEqual((status, blob["name"], blob["type"]), (201, "Contrato firmado.eml", "message/rfc822"), blob)
        parsed = self.jmap(self.ana, ["Email/parse", {"accountId": account, "blobIds": [blob["blobId"]],
                                                      "properties": ["subject", "from", "attachments"]}, "p"])
        email_ = parsed[0][1]["parsed"][blob["blobId"]]
        self.assertEqual(email_["subject"], "Contrato firmado")
        self.assertEqual(email_["attachments"][0]["name"], "contrato.pdf")

        # A drive file attached to a draft.
        status, blob = self.api("POST", "/jmap/drive/%s/blob" % account, {"file": pdf["id"]}, self.ana)
        self.assertEqual(status, 201, blob)
        drafts = [m for m in self.jmap(self.ana, ["Mailbox/get", {"accountId": account}, "m"])[0][1]["list"]
                  if m["role"] == "drafts"][0]
        made = self.jmap(self.ana, ["Email/set", {"accountId": account, "create": {"d": {
            "mailboxIds": {drafts["id"]: True}, "keywords": {"$draft": True}, "subject": "Reenvío",
            "from": [{"email": et.DEMO_ADDRESS}], "bodyStructure": {"type": "multipart/mixed", "subParts": [
                {"partId": "t", "type": "text/plain"},
                {"blobId": blob["blobId"], "type": "application/pdf", "name": "contrato.pdf", "disposition": "attachment"}]},
            "bodyValues": {"t": {"value": "Aquí va."}}}}}, "s"])[0][1]
        self.assertIn("d", made["created"], made)
        draft = self.jmap(self.ana, ["Email/get", {"accountId": account, "ids": [made["created"]["d"]["id"]],
                                                   "properties": ["attachments"]}, "g"])[0][1]["list"][0]
        self.assertEqual(draft["attachments"][0]["size"], len(self.contract))

        # Drive files sent as a transfer link: complete at once, and fetched by a cookie-less client.
        status, answer = self.api("POST", "/api/v1/transfers", {"drive": [pdf["id"]], "files": []}, self.ana)
        self.assertEqual((status, answer["error"]["field"]), (422, "drive"), "files or the drive's, not both")
        status, link = self.api("POST", "/api/v1/transfers", {"drive": [pdf["id"], eml["id"]], "days": 3}, self.ana)
        self.assertEqual(status, 201, link)
        self.assertTrue(link["complete"])
        self.assertEqual(self.api("DELETE", "/api/v1/drive/items/%d" % pdf["id"], None, self.ana)[0], 204)
        file = link["files"][0]
        status, _, body = self.curl("%s/%d/x" % (link["path"], file["id"]))
        self.assertEqual((status, body), (200, self.contract), "the link keeps its bytes when the drive's file goes")

    def test_another_organisation_reaches_nothing(self):
        self.append_message()
        account = self.account(self.ana)
        status, folder = self.api("POST", "/api/v1/drive/folders", {"name": "Privado"}, self.ana)
        file = self.upload(self.ana, folder["id"], "secreto.pdf", b"only Ana's")
        partial = self.api("POST", "/api/v1/drive/files", {"name": "p.bin", "size": 100}, self.ana)[1]
        fid = file["id"]
        eve = self.eve
        for method, path, payload in [
                ("GET", "/api/v1/drive/folders/%d" % folder["id"], None),
                ("GET", "/api/v1/drive/files/%d" % fid, None),
                ("PATCH", "/api/v1/drive/items/%d" % fid, {"name": "mío.pdf"}),
                ("DELETE", "/api/v1/drive/items/%d" % folder["id"], None),
                ("POST", "/api/v1/drive/folders", {"parent": folder["id"], "name": "dentro"}),
                ("POST", "/api/v1/drive/files", {"parent": folder["id"], "name": "x", "size": 1}),
                ("POST", "/api/v1/transfers", {"drive": [fid]})]:
            status, answer = self.api(method, path, payload, eve)
            self.assertEqual(status, 404, "%s %s: %s" % (method, path, answer))
        self.assertEqual(self.download(eve, "/api/v1/drive/files/%d/content" % fid)[0], 404)
        status, _, _ = self.request("PUT", "/api/v1/drive/files/%d?offset=0" % partial["id"], b"x" * 10,
                                    {"Content-Type": "application/octet-stream"}, eve)
        self.assertEqual(status, 404)
        # Through JMAP: neither Ana's account nor her file.
        eve_account = self.account(eve)
        mail = self.jmap(self.ana, ["Email/query", {"accountId": account}, "q"],
                         ["Email/get", {"accountId": account, "#ids": {"resultOf": "q", "name": "Email/query", "path": "/ids"},
                                        "properties": ["blobId"]}, "g"])[1][1]["list"][0]
        status, _ = self.api("POST", "/jmap/drive/%s/save" % account,
                             {"blobs": [{"blobId": mail["blobId"], "name": "robado.eml"}]}, eve)
        self.assertEqual(status, 404)
        status, _ = self.api("POST", "/jmap/drive/%s/save" % eve_account,
                             {"blobs": [{"blobId": mail["blobId"], "name": "robado.eml"}]}, eve)
        self.assertEqual(status, 404, "Ana's blob named in Eve's account")
        status, _ = self.api("POST", "/jmap/drive/%s/blob" % eve_account, {"file": fid}, eve)
        self.assertEqual(status, 404)
        # Nor does Ana put anything into Eve's folder.
        status, eves = self.api("POST", "/api/v1/drive/folders", {"name": "De Eve"}, eve)
        status, answer = self.api("POST", "/jmap/drive/%s/save" % account,
                                  {"folder": eves["id"], "blobs": [{"blobId": mail["blobId"], "name": "regalo.eml"}]}, self.ana)
        self.assertEqual((status, answer["error"]["field"]), (404, "folder"), answer)
        status, listing = self.api("GET", "/api/v1/drive/folders/%d" % eves["id"], None, eve)
        self.assertEqual(listing["items"], [])
        status, top = self.api("GET", "/api/v1/drive", None, eve)
        self.assertEqual(([i["name"] for i in top["items"]], top["usage"]["items"]), (["De Eve"], 1))
        # All of it still Ana's.
        status, listing = self.api("GET", "/api/v1/drive/folders/%d" % folder["id"], None, self.ana)
        self.assertEqual([i["name"] for i in listing["items"]], ["secreto.pdf"])
        self.assertEqual(self.download(self.ana, "/api/v1/drive/files/%d/content" % fid)[2], b"only Ana's")

    def test_the_organisations_drive_is_shared_by_its_users(self):
        self.create_user(BOB, password=BOB_PASSWORD, name="Bob")
        bob = self.session(BOB, BOB_PASSWORD)
        self.append_message()
        account = self.account(self.ana)
        # Ana makes a folder in the organisation's drive and saves a message's attachment into it.
        status, team = self.api("POST", "/api/v1/org-drive/folders", {"name": "Equipo"}, self.ana)
        self.assertEqual(status, 201, team)
        mail = self.jmap(self.ana, ["Email/query", {"accountId": account}, "q"],
                         ["Email/get", {"accountId": account, "#ids": {"resultOf": "q", "name": "Email/query", "path": "/ids"},
                                        "properties": ["attachments"]}, "g"])[1][1]["list"][0]
        part = mail["attachments"][0]
        status, saved = self.api("POST", "/jmap/drive/%s/save" % account,
                                 {"folder": team["id"], "org_drive": True,
                                  "blobs": [{"blobId": part["blobId"], "name": part["name"], "type": part["type"]}]}, self.ana)
        self.assertEqual(status, 200, saved)
        pdf = saved["saved"][0]
        # It is not in her own drive: the same folder id is not one of hers there.
        self.assertEqual(self.api("GET", "/api/v1/drive", None, self.ana)[1]["items"], [])
        self.assertEqual(self.api("GET", "/api/v1/drive/folders/%d" % team["id"], None, self.ana)[0], 404)
        self.assertEqual(self.download(self.ana, "/api/v1/drive/files/%d/content" % pdf["id"])[0], 404)

        # Bob, of the same organisation, sees it, downloads it with curl, uploads beside it and renames it.
        status, top = self.api("GET", "/api/v1/org-drive", None, bob)
        self.assertEqual(status, 200, top)
        self.assertEqual([i["name"] for i in top["items"]], ["Equipo"])
        self.assertEqual(top["usage"], {"bytes": len(self.contract), "items": 2})
        status, _, body = self.download(bob, "/api/v1/org-drive/files/%d/content" % pdf["id"])
        self.assertEqual((status, body), (200, self.contract))
        data = pattern(PIECE + 1000, b"team")
        status, made = self.api("POST", "/api/v1/org-drive/files",
                                {"parent": team["id"], "name": "informe.pdf", "type": "application/pdf", "size": len(data)}, bob)
        self.assertEqual(status, 201, made)
        for at in range(0, len(data), PIECE):
            status, _, answer = self.request("PUT", "/api/v1/org-drive/files/%d?offset=%d" % (made["id"], at),
                                             data[at:at + PIECE], {"Content-Type": "application/octet-stream"}, bob)
            self.assertEqual(status, 200, answer)
        status, renamed = self.api("PATCH", "/api/v1/org-drive/items/%d" % pdf["id"], {"name": "contrato firmado.pdf"}, bob)
        self.assertEqual((status, renamed["name"]), (200, "contrato firmado.pdf"), renamed)
        # Ana gets Bob's upload as a blob of her account (to attach it), and sends it as a link.
        status, blob = self.api("POST", "/jmap/drive/%s/blob" % account, {"file": made["id"], "org_drive": True}, self.ana)
        self.assertEqual((status, blob.get("size")), (201, len(data)), blob)
        status, answer = self.api("POST", "/jmap/drive/%s/blob" % account, {"file": made["id"]}, self.ana)
        self.assertEqual(status, 404, "not a file of her own drive")
        status, answer = self.api("POST", "/jmap/drive/%s/blob" % account, {"file": made["id"], "org_drive": 1}, self.ana)
        self.assertEqual((status, answer["error"]["field"]), (422, "org_drive"), answer)
        status, answer = self.api("POST", "/jmap/drive/%s/save" % account,
                                  {"org_drive": "yes", "blobs": [{"blobId": part["blobId"], "name": "x.pdf"}]}, self.ana)
        self.assertEqual((status, answer["error"]["field"]), (422, "org_drive"), answer)
        self.assertEqual(self.api("POST", "/api/v1/transfers", {"drive": [made["id"]]}, self.ana)[0], 404)
        status, link = self.api("POST", "/api/v1/transfers", {"drive": [made["id"]], "org_drive": True}, self.ana)
        self.assertEqual(status, 201, link)
        status, _, body = self.curl("%s/%d/x" % (link["path"], link["files"][0]["id"]))
        self.assertEqual((status, hashlib.sha256(body).hexdigest()), (200, hashlib.sha256(data).hexdigest()))
        self.assertEqual(self.api("POST", "/api/v1/transfers", {"drive": [made["id"]], "org_drive": "yes"}, self.ana)[0],
                         422)

        # Eve, of another organisation, has a drive of her organisation's that holds none of it.
        eve = self.eve
        status, top = self.api("GET", "/api/v1/org-drive", None, eve)
        self.assertEqual((status, top["items"], top["usage"]["items"]), (200, [], 0))
        for method, path, payload in [
                ("GET", "/api/v1/org-drive/folders/%d" % team["id"], None),
                ("GET", "/api/v1/org-drive/files/%d" % pdf["id"], None),
                ("PATCH", "/api/v1/org-drive/items/%d" % pdf["id"], {"name": "mío.pdf"}),
                ("DELETE", "/api/v1/org-drive/items/%d" % team["id"], None),
                ("POST", "/api/v1/org-drive/folders", {"parent": team["id"], "name": "dentro"}),
                ("POST", "/api/v1/transfers", {"drive": [pdf["id"]], "org_drive": True})]:
            status, answer = self.api(method, path, payload, eve)
            self.assertEqual(status, 404, "%s %s: %s" % (method, path, answer))
        self.assertEqual(self.download(eve, "/api/v1/org-drive/files/%d/content" % pdf["id"])[0], 404)
        status, _ = self.api("POST", "/jmap/drive/%s/blob" % self.account(eve), {"file": pdf["id"], "org_drive": True}, eve)
        self.assertEqual(status, 404)

        # Bob deletes the folder: gone for Ana too, and the activity log says who did it.
        self.assertEqual(self.api("DELETE", "/api/v1/org-drive/items/%d" % team["id"], None, bob)[0], 204)
        self.assertEqual(self.api("GET", "/api/v1/org-drive", None, self.ana)[1]["items"], [])
        self.assertEqual(self.download(self.ana, "/api/v1/org-drive/files/%d/content" % made["id"])[0], 404)
        status, log = self.api("GET", "/api/v1/activity?product=mail", None, bob)
        self.assertEqual([(e["action"], e["detail"]) for e in log["entries"]],
                         [("mail.org_drive_deleted", "folder %d: Equipo" % team["id"])], log)


if __name__ == "__main__":
    import unittest
    unittest.main()
