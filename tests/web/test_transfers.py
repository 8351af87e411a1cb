"""Transfer links over real HTTP: a file too large for a message uploaded in
pieces through the API (http.client, as a script would), its link's page and
download fetched with curl (what a recipient's browser does), compared byte
for byte; what another account, an anonymous client and a wrong link get."""

import hashlib
import http.client
import json
import os
import socket
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cli"))
import estafeta_test as et  # noqa: E402
from test_api import ApiServer, PASSWORD, USER  # noqa: E402

PIECE = 8 * 1024 * 1024
EVE = "eve@other.example"
EVE_PASSWORD = "eve's long password"


def pattern(size, seed):
    """`size` bytes that differ from piece to piece (a shifted piece would not compare equal)."""
    out = bytearray()
    block = 0
    while len(out) < size:
        out += hashlib.sha256(b"%s %d" % (seed, block)).digest() * 128
        block += 1
    return bytes(out[:size])


class FileApiServer(ApiServer):
    """A server with a second organisation's user, Eve, and the clients the file tests use."""

    def setUp(self):
        super().setUp()
        self.admin_json("org", "create", "other")
        self.create_user(EVE, org="other", password=EVE_PASSWORD, name="Eve")

    def session(self, login, password):
        """(cookie, csrf) of a fresh web session."""
        status, headers, body = self.request("POST", "/api/v1/session", json.dumps({"login": login, "password": password}),
                                             {"Content-Type": "application/json"})
        self.assertEqual(status, 200, body)
        cookie = headers["set-cookie"].split(";")[0]
        return cookie, json.loads(body)["csrf_token"]

    def request(self, method, path, body=None, headers=None, who=None):
        c = http.client.HTTPConnection("127.0.0.1", self.http, timeout=60)
        try:
            h = dict(headers or {})
            if who:
                h["Cookie"] = who[0]
                h["X-CSRF-Token"] = who[1]
            c.request(method, path, body, h)
            r = c.getresponse()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
        finally:
            c.close()

    def api(self, method, path, payload=None, who=None):
        body = None if payload is None else json.dumps(payload)
        status, _, answer = self.request(method, path, body, {"Content-Type": "application/json"}, who)
        return status, (json.loads(answer) if answer else None)

    def announce(self, path, length, who=None):
        """A PUT's header alone, claiming a body of `length`: the status the server answers before any of it."""
        with socket.create_connection(("127.0.0.1", self.http), timeout=30) as s:
            extra = "Cookie: %s\r\nX-CSRF-Token: %s\r\n" % who if who else ""
            s.sendall(("PUT %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/octet-stream\r\n"
                       "Content-Length: %d\r\n%s\r\n" % (path, length, extra)).encode())
            answer = b""
            while b"\r\n" not in answer:
                chunk = s.recv(4096)
                if not chunk:
                    break
                answer += chunk
            return int(answer.split()[1])

    def put(self, who, transfer, file, offset, data):
        status, _, answer = self.request("PUT", "/api/v1/transfers/%d/files/%d?offset=%d" % (transfer, file, offset), data,
                                         {"Content-Type": "application/octet-stream"}, who)
        return status, json.loads(answer)

    def curl(self, path, output=None, headers=()):
        """A recipient's GET: (status, header fields, body or None when saved to `output`)."""
        args = ["curl", "-sS", "-D", "-", "--max-time", "60", "-H", "Accept-Language: es-ES,es;q=0.9",
                "http://127.0.0.1:%d%s" % (self.http, path)]
        for h in headers:
            args += ["-H", h]
        if output:
            args += ["-o", output]
        r = subprocess.run(args, capture_output=True, timeout=90)
        self.assertEqual(r.returncode, 0, r.stderr)
        head, _, text = r.stdout.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        fields = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            fields[k.strip().lower()] = v.strip()
        return int(lines[0].split()[1]), fields, None if output else text



class TransferTest(FileApiServer):
    def test_uploaded_in_pieces_downloaded_whole_by_link(self):
        ana = self.session(USER, PASSWORD)
        big = pattern(2 * PIECE + 12345, b"big")
        small = "línea <b>uno</b>\n".encode()
        status, made = self.api("POST", "/api/v1/transfers",
                                {"files": [{"name": "vídeo <final>.mp4", "type": "video/mp4", "size": len(big)},
                                           {"name": "C:\\docs\\notas.txt", "type": "text/plain", "size": len(small)}]}, ana)
        self.assertEqual(status, 201, made)
        link = made["path"]
        self.assertTrue(made["url"].endswith(link) and link.startswith("/t/"), made)
        self.assertEqual([f["name"] for f in made["files"]], ["vídeo <final>.mp4", "notas.txt"])
        transfer, (big_id, small_id) = made["id"], [f["id"] for f in made["files"]]
        self.assertEqual(self.curl(link)[0], 404, "not downloadable until complete")

        # Pieces in order; a piece sent again is answered with where the upload stands.
        self.assertEqual(self.put(ana, transfer, big_id, 0, big[:PIECE]), (200, {"received": PIECE}))
        status, answer = self.put(ana, transfer, big_id, 0, big[:PIECE])
        self.assertEqual((status, answer["error"]["code"], answer["received"]), (409, "in_use", PIECE))
        self.assertEqual(self.announce("/api/v1/transfers/%d/files/%d?offset=%d" % (transfer, big_id, PIECE), PIECE + 1, ana),
                         413, "a piece over 8 MiB is refused before it is read")
        self.assertEqual(self.put(ana, transfer, big_id, PIECE, big[PIECE:2 * PIECE]), (200, {"received": 2 * PIECE}))
        status, answer = self.api("POST", "/api/v1/transfers/%d/complete" % transfer, None, ana)
        self.assertEqual((status, answer["error"]["code"]), (400, "invalid"), "a file is not whole yet")
        self.assertEqual(self.put(ana, transfer, big_id, 2 * PIECE, big[2 * PIECE:])[0], 200)
        self.assertEqual(self.put(ana, transfer, small_id, 0, small)[0], 200)
        status, answer = self.api("POST", "/api/v1/transfers/%d/complete" % transfer, None, ana)
        self.assertEqual((status, answer["complete"], answer["received"]), (200, True, len(big) + len(small)))

        # The recipient's page: the names escaped, nothing active.
        status, fields, page = self.curl(link)
        self.assertEqual(status, 200)
        text = page.decode()
        self.assertIn("vídeo &lt;final&gt;.mp4", text)
        self.assertNotIn("<final>", text)
        self.assertIn("Archivos compartidos contigo", text, "in the visitor's language")
        self.assertIn("default-src 'none'", fields["content-security-policy"])
        self.assertEqual(fields["x-content-type-options"], "nosniff")

        # The downloads, byte for byte, always as attachments.
        out = os.path.join(self.dir, "download.bin")
        status, fields, _ = self.curl("%s/%d/x" % (link, big_id), out)
        self.assertEqual(status, 200)
        self.assertEqual(int(fields["content-length"]), len(big), "sized, so the browser shows progress")
        with open(out, "rb") as f:
            self.assertEqual(hashlib.sha256(f.read()).hexdigest(), hashlib.sha256(big).hexdigest())
        self.assertEqual(fields["content-type"], "application/octet-stream")
        self.assertIn("filename*=UTF-8''v%C3%ADdeo%20%3Cfinal%3E.mp4", fields["content-disposition"])
        self.assertTrue(fields["content-disposition"].startswith("attachment;"))
        status, fields, body = self.curl("%s/%d/notas.txt" % (link, small_id))
        self.assertEqual((status, body), (200, small))
        self.assertIn("sandbox", fields["content-security-policy"])
        status, answer = self.api("GET", "/api/v1/transfers/%d" % transfer, None, ana)
        self.assertEqual(answer["downloads"], 2)

        # A broken download goes on where it stopped (RFC 9110 §14).
        status, fields, body = self.curl("%s/%d/x" % (link, big_id), headers=["Range: bytes=%d-%d" % (PIECE - 10, PIECE + 9)])
        self.assertEqual((status, body), (206, big[PIECE - 10:PIECE + 10]))
        self.assertEqual(fields["content-range"], "bytes %d-%d/%d" % (PIECE - 10, PIECE + 9, len(big)))
        etag = fields["etag"]
        status, fields, body = self.curl("%s/%d/x" % (link, big_id), headers=["Range: bytes=-5", "If-Range: " + etag])
        self.assertEqual((status, body), (206, big[-5:]))
        status, fields, _ = self.curl("%s/%d/x" % (link, big_id), headers=["Range: bytes=%d-" % len(big)])
        self.assertEqual((status, fields["content-range"]), (416, "bytes */%d" % len(big)))
        status, fields, body = self.curl("%s/%d/x" % (link, small_id), headers=["Range: bytes=0-1", 'If-Range: "other"'])
        self.assertEqual((status, body), (200, small), "another version named: the whole file")
        status, answer = self.api("GET", "/api/v1/transfers/%d" % transfer, None, ana)
        self.assertEqual(answer["downloads"], 3, "the whole file again counts; resumed parts do not")

        # Wrong links, another account, no account.
        self.assertEqual(self.curl(link + "x")[0], 404)
        self.assertEqual(self.curl("%s/%d/x" % (link, small_id + 1000))[0], 404)
        eve = self.session(EVE, EVE_PASSWORD)
        self.assertEqual(self.api("GET", "/api/v1/transfers/%d" % transfer, None, eve)[0], 404)
        self.assertEqual(self.api("GET", "/api/v1/transfers", None, eve)[1]["transfers"], [])
        self.assertEqual(self.api("DELETE", "/api/v1/transfers/%d" % transfer, None, eve)[0], 404)
        status, _, _ = self.request("PUT", "/api/v1/transfers/%d/files/%d?offset=0" % (transfer, small_id), b"x", {}, eve)
        self.assertEqual(status, 404)
        self.assertEqual(self.announce("/api/v1/transfers/%d/files/%d?offset=0" % (transfer, small_id), 2 * 1024 * 1024),
                         401, "no account, no large body: refused before it is read")

        # The sender lists and deletes it: the link dies with its files.
        status, listed = self.api("GET", "/api/v1/transfers", None, ana)
        self.assertEqual([t["id"] for t in listed["transfers"]], [transfer])
        self.assertEqual(listed["limits"]["max_piece"], PIECE)
        self.assertEqual(self.api("DELETE", "/api/v1/transfers/%d" % transfer, None, ana)[0], 204)
        self.assertEqual(self.curl(link)[0], 404)
        status, log = self.api("GET", "/api/v1/activity?product=mail", None, ana)
        self.assertEqual([(e["action"], e["detail"]) for e in log["entries"]],
                         [("mail.transfer_deleted", "transfer %d: vídeo <final>.mp4, notas.txt (%d bytes)" % (transfer, len(big) + len(small))),
                          ("mail.transfer_created", "transfer %d: vídeo <final>.mp4, notas.txt (%d bytes)" % (transfer, len(big) + len(small)))],
                         "the activity log keeps what was shared, and its end")
        self.assertFalse(os.path.exists(os.path.join(self.dir, "transfers", str(transfer))))

    def test_limits_are_said_before_any_byte(self):
        ana = self.session(USER, PASSWORD)
        status, answer = self.api("POST", "/api/v1/transfers", {"files": [{"name": "huge.iso", "size": 3 * 1024 ** 3 + 1}]}, ana)
        self.assertEqual((status, answer["error"]["code"]), (413, "limit"))
        files = [{"name": "f%d" % i, "size": 1} for i in range(101)]
        self.assertEqual(self.api("POST", "/api/v1/transfers", {"files": files}, ana)[0], 413)
        self.assertEqual(self.api("POST", "/api/v1/transfers", {"files": []}, ana)[0], 422)
        status, answer = self.api("POST", "/api/v1/transfers", {"files": [{"name": "a", "size": 1}], "days": 31}, ana)
        self.assertEqual((status, answer["error"]["field"]), (422, "days"))
        # Ten GiB for the account's links together.
        for _ in range(3):
            self.assertEqual(self.api("POST", "/api/v1/transfers", {"files": [{"name": "a", "size": 3 * 1024 ** 3}]}, ana)[0], 201)
        status, answer = self.api("POST", "/api/v1/transfers", {"files": [{"name": "b", "size": 1024 ** 3 + 1}]}, ana)
        self.assertEqual((status, answer["error"]["code"]), (507, "over_quota"), answer)
        self.assertEqual(self.api("POST", "/api/v1/transfers", {"files": [{"name": "a", "size": 1}]}, None)[0], 401)


if __name__ == "__main__":
    import unittest
    unittest.main()
