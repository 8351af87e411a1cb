#!/usr/bin/env python3
"""The ceiling of one SMTP sender with smtp_bench.py's client: the same client and
messages against a server that answers at once and stores nothing.

A single sender waits for every reply (MAIL, RCPT, DATA, the message, RSET), so
its rate is bounded by the client's own work and the loopback round trips even
when the server costs nothing. This prints that bound, to read next to
smtp_bench.py's one-sender figures: a server cannot be more than
(ceiling / peer) times faster than the peer with this client.

The null server is a separate process (blocking sockets, one thread) on
127.0.0.1; it answers 250/354/221 and discards the message.

With --client smtp-source the client is Postfix's smtp-source (C) and the
null server Postfix's smtp-sink (C, run as nobody when we are root): the
bound for smtp_bench.py --client smtp-source.

With --durable the null server is the least a durable server can do: before
each 250 it writes the message into a file already written and flushed (so
the flush carries no metadata: no file growth, no extent conversion) and
waits for fdatasync. No server that acknowledges a message only once it is on
disk can be faster than that with one sender, who waits for each 250 before
the next message. --durable always uses the Python null server, for either
client (smtp-sink cannot flush); --python-sink uses it without flushing, to
show what the Python server itself costs next to smtp-sink.

--repeat N runs it N times and prints the median; --json PATH writes the runs
(for aims.py, which reads them beside the peer's figures of the same run).

Usage: python3 bench/smtp_ceiling.py [--messages 2000] [--client smtp-source]
           [--durable [--dir PATH]] [--python-sink] [--repeat N] [--json PATH]
"""

import argparse
import asyncio
import json
import multiprocessing
import os
import random
import socket
import statistics
import subprocess
import sys
import time

import smtp_bench
from common import HOST, log, percentile


class DurableLog:
    """Messages written one after another into a file whose every byte was written and flushed beforehand, each
    flushed with fdatasync before it is acknowledged: data only, the cheapest durable write a file system offers."""

    def __init__(self, path, capacity):
        self.fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
        chunk = bytes(1 << 20)
        for _ in range((capacity + len(chunk) - 1) // len(chunk)):
            os.write(self.fd, chunk)
        os.fsync(self.fd)
        self.capacity = capacity
        self.offset = 0

    def append(self, data):
        if self.offset + len(data) > self.capacity:
            raise OSError("durable log full: %d bytes" % self.capacity)
        os.pwrite(self.fd, data, self.offset)
        os.fdatasync(self.fd)
        self.offset += len(data)


def null_server(sock, durable=None):
    """Serves connections one after another until killed."""
    store = DurableLog(*durable) if durable else None
    while True:
        conn, _ = sock.accept()
        with conn:
            null_session(conn, store)


def null_session(conn, store):
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    f = conn.makefile("rb")
    conn.sendall(b"220 null ESMTP\r\n")
    while True:
        line = f.readline()
        if not line:
            return
        verb = line[:4].upper()
        if verb == b"DATA":
            conn.sendall(b"354 go on\r\n")
            message = []
            while True:
                line = f.readline()
                if line in (b".\r\n", b""):
                    break
                message.append(line)
            if store:
                store.append(b"".join(message))
            conn.sendall(b"250 2.0.0 ok\r\n")
        elif verb == b"QUIT":
            conn.sendall(b"221 bye\r\n")
            return
        elif verb == b"EHLO":
            conn.sendall(b"250-null\r\n250 PIPELINING\r\n")
        else:
            conn.sendall(b"250 ok\r\n")


SMTP_SINK = "/usr/sbin/smtp-sink"  # Debian package postfix


def wait_listening(port, proc):
    for _ in range(100):  # bounded: up to 5 s for it to listen
        try:
            socket.create_connection((HOST, port), timeout=1).close()
            return True
        except OSError:
            if proc.poll() is not None:
                return False
            time.sleep(0.05)
    return False


def start_smtp_sink():
    with socket.socket() as probe:  # a free port for smtp-sink
        probe.bind((HOST, 0))
        port = probe.getsockname()[1]
    sink = [SMTP_SINK] + (["-u", "nobody"] if os.geteuid() == 0 else []) + ["%s:%d" % (HOST, port), "64"]
    server = subprocess.Popen(sink, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if not wait_listening(port, server):
        stop(server)
        raise RuntimeError("smtp-sink did not start: %s" % server.stderr.read1().decode(errors="replace"))
    return port, server


def start_null_server(args):
    sock = socket.socket()
    sock.bind((HOST, 0))
    sock.listen(1)
    port = sock.getsockname()[1]
    durable = None
    if args.durable:
        # room for every message and its headers; written in full before the run
        durable = (os.path.join(args.dir, "smtp-ceiling-%d.log" % os.getpid()), args.messages * (args.size + 2048))
    server = multiprocessing.Process(target=null_server, args=(sock, durable), daemon=True)
    server.start()
    sock.close()
    if not wait_listening(port, server):
        stop(server)
        raise RuntimeError("the null server did not start")
    return port, server, durable


def stop(server):
    if isinstance(server, subprocess.Popen):
        server.terminate()
        try:
            server.wait(5)
        except subprocess.TimeoutExpired:
            server.kill()
    else:
        server.kill()
        server.join(5)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--messages", type=int, default=2000)
    ap.add_argument("--size", type=int, default=4096)
    ap.add_argument("--client", choices=("asyncio", "smtp-source"), default="asyncio")
    ap.add_argument("--durable", action="store_true", help="flush each message to disk before its 250")
    ap.add_argument("--dir", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "results"),
                    help="where --durable's file goes (default bench/results: the disk the stores are on)")
    ap.add_argument("--python-sink", action="store_true", help="the Python null server for smtp-source too")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--json", default=None, help="write the runs here")
    args = ap.parse_args()
    rates = []
    for _ in range(max(1, args.repeat)):
        rate = one_run(args)
        if rate is None:
            return 1
        rates.append(rate)
    median = statistics.median(rates)
    if args.repeat > 1:
        print("median of %d runs: %.1f msg/s (runs %s)" % (len(rates), median, " / ".join("%.1f" % r for r in rates)))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"client": args.client, "durable": args.durable, "messages": args.messages, "size": args.size,
                       "runs": rates, "median": median}, f, indent=2)
    return 0


def one_run(args):
    """One run's rate in msg/s, printed; None if a message failed."""
    durable = None
    if args.client == "smtp-source" and not (args.durable or args.python_sink):
        name = "smtp-sink"
        port, server = start_smtp_sink()
    else:
        name = "durable null server" if args.durable else "null server"
        port, server, durable = start_null_server(args)
    try:
        if args.client == "smtp-source":
            sent = smtp_bench.send_smtp_source(port, args.messages, args.size, 1, 600)
        else:
            rng = random.Random(1)
            messages = [smtp_bench.make_message(rng, i, args.size, "ceiling") for i in range(args.messages)]
            sent = asyncio.run(smtp_bench.send_all(port, messages, 1, 0))
    finally:
        stop(server)
        if durable:
            os.unlink(durable[0])
    if sent["failures"]:
        log("failures: %s" % sent["failures"][:3])
        return None
    n = len(sent["accepted_ids"])
    line = "%s, 1 %s sender, %d messages of %d bytes: %.1f msg/s (%.3f ms per message)" % (
        name, args.client, n, args.size, n / sent["elapsed"], 1000 * sent["elapsed"] / n)
    lat = sorted(sent["latencies"])
    if lat:
        line += "; p50 %.2f ms, p99 %.2f ms" % (statistics.median(lat) * 1000, percentile(lat, 99) * 1000)
    print(line, flush=True)
    return n / sent["elapsed"]


if __name__ == "__main__":
    sys.exit(main())
