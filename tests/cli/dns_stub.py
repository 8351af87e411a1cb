"""A tiny authoritative DNS server on 127.0.0.1 for tests (UDP, stdlib only).

Serves TXT, A and MX records from a dict and answers NXDOMAIN for every
other name, so a server under test never asks a real resolver:

    zone = DnsStub({("far.example", "TXT"): ["v=spf1 ip4:127.0.0.1 -all"]})
    zone.start(); ... config: [dns] servers = ["127.0.0.1:%d" % zone.port]; ... zone.stop()

Names in `silent` (and the names under them) get no answer at all, as
from a DNS server that never replies.
"""

import socket
import struct
import threading

TYPES = {"A": 1, "MX": 15, "TXT": 16, "AAAA": 28, "PTR": 12}


def _encode_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\x00"


def _decode_name(data, pos):
    labels = []
    while data[pos] != 0:
        n = data[pos]
        labels.append(data[pos + 1:pos + 1 + n].decode("ascii", "replace"))
        pos += 1 + n
    return ".".join(labels).lower(), pos + 1


def _rdata(rtype, value):
    if rtype == "TXT":
        raw = value.encode()
        chunks = [raw[i:i + 255] for i in range(0, len(raw), 255)] or [b""]
        return b"".join(bytes([len(c)]) + c for c in chunks)
    if rtype == "A":
        return socket.inet_aton(value)
    if rtype == "AAAA":
        return socket.inet_pton(socket.AF_INET6, value)
    if rtype == "MX":
        pref, host = value.split()
        return struct.pack("!H", int(pref)) + _encode_name(host)
    raise ValueError(rtype)


class DnsStub:
    def __init__(self, records=None, silent=(), ttls=None, negative_ttl=None):
        # {(name, type): [values]}; names lower case, without a final dot.
        self.records = {(n.lower().rstrip("."), t): v for (n, t), v in (records or {}).items()}
        # Answers carry TTL 60 unless ttls {(name, type): seconds} says otherwise. Negative
        # answers carry an SOA (RFC 2308 §3) with TTL and MINIMUM negative_ttl when it is set.
        self.ttls = {(n.lower().rstrip("."), t): v for (n, t), v in (ttls or {}).items()}
        self.negative_ttl = negative_ttl
        self.silent = [n.lower().rstrip(".") for n in silent]
        self.queries = []
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        self._thread.join(timeout=2)
        self.sock.close()

    def _answer(self, query):
        ident, flags = struct.unpack("!HH", query[:4])
        name, pos = _decode_name(query, 12)
        qtype, qclass = struct.unpack("!HH", query[pos:pos + 4])
        question = query[12:pos + 4]
        tname = next((t for t, n in TYPES.items() if n == qtype), None)
        self.queries.append((name, tname))
        if any(name == s or name.endswith("." + s) for s in self.silent):
            return None
        values = self.records.get((name, tname), []) if tname else []
        exists = any(n == name for (n, _t) in self.records)
        rcode = 0 if exists else 3  # NOERROR (maybe no data) or NXDOMAIN
        ttl = self.ttls.get((name, tname), 60)
        answers = b""
        for v in values:
            rdata = _rdata(tname, v)
            answers += b"\xc0\x0c" + struct.pack("!HHIH", qtype, 1, ttl, len(rdata)) + rdata
        authority = b""
        if not values and self.negative_ttl is not None:
            soa = _encode_name("ns.stub.test") + _encode_name("admin.stub.test") + struct.pack(
                "!IIIII", 1, 3600, 600, 86400, self.negative_ttl)
            authority = b"\xc0\x0c" + struct.pack("!HHIH", 6, 1, self.negative_ttl, len(soa)) + soa
        header = struct.pack("!HHHHHH", ident, 0x8400 | (flags & 0x0100) | rcode, 1, len(values),
                             1 if authority else 0, 0)
        return header + question + answers + authority

    def _serve(self):
        while not self._stop.is_set():
            try:
                data, peer = self.sock.recvfrom(4096)
            except socket.timeout:
                continue
            except OSError:
                return
            try:
                answer = self._answer(data)
                if answer is not None:
                    self.sock.sendto(answer, peer)
            except Exception:  # a malformed query gets no answer
                pass
