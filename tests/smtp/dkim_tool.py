"""An independent DKIM signer and verifier for the tests: Debian's
python3-dkim (dkimpy), run with the system's /usr/bin/python3, which has it.

    dkim_tool.py verify RECORDS.json < message   → one line per signature:
        "<d> <s> <a> pass|fail"
    dkim_tool.py sign KEY.pem SELECTOR DOMAIN < message → the signed message

RECORDS.json maps "selector._domainkey.domain" to the TXT record, so that no
DNS is asked."""

import json
import re
import sys

import dkim


def verify(records_path):
    with open(records_path) as f:
        records = {k.lower(): v for k, v in json.load(f).items()}
    message = sys.stdin.buffer.read()

    def dnsfunc(name, timeout=5):
        return records.get(name.decode().lower().rstrip("."), "").encode()

    d = dkim.DKIM(message)
    unfolded = re.sub(rb"\r\n[ \t]+", b" ", message.split(b"\r\n\r\n", 1)[0])
    count = len(re.findall(rb"(?im)^dkim-signature:", unfolded))
    for i in range(count):
        try:
            ok = d.verify(idx=i, dnsfunc=dnsfunc)
        except dkim.ValidationError:  # a body hash mismatch is raised, not returned
            ok = False
        sig = dict(d.signature_fields) if d.signature_fields else {}
        print(sig.get(b"d", b"?").decode(), sig.get(b"s", b"?").decode(), sig.get(b"a", b"?").decode(),
              "pass" if ok else "fail")


def sign(key_path, selector, domain):
    with open(key_path, "rb") as f:
        key = f.read()
    message = sys.stdin.buffer.read()
    sig = dkim.sign(message, selector.encode(), domain.encode(), key,
                    canonicalize=(b"relaxed", b"relaxed"), include_headers=[b"from", b"to", b"subject", b"date",
                                                                              b"message-id"])
    sys.stdout.buffer.write(sig + message)


if __name__ == "__main__":
    if sys.argv[1] == "verify":
        verify(sys.argv[2])
    else:
        sign(sys.argv[2], sys.argv[3], sys.argv[4])
