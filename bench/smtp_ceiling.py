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

Usage: python3 bench/smtp_ceiling.py [--messages 2000] [--client smtp-source]
"""

import argparse
import asyncio
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


def null_server(sock):
    conn, _ = sock.accept()
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
            while f.readline() not in (b".\r\n", b""):
                pass
            conn.sendall(b"250 2.0.0 ok\r\n")
        elif verb == b"QUIT":
            conn.sendall(b"221 bye\r\n")
            return
        elif verb == b"EHLO":
            conn.sendall(b"250-null\r\n250 PIPELINING\r\n")
        else:
            conn.sendall(b"250 ok\r\n")


SMTP_SINK = "/usr/sbin/smtp-sink"  # Debian package postfix


def smtp_source_ceiling(args):
    with socket.socket() as probe:  # a free port for smtp-sink
        probe.bind((HOST, 0))
        port = probe.getsockname()[1]
    sink = [SMTP_SINK] + (["-u", "nobody"] if os.geteuid() == 0 else []) + ["%s:%d" % (HOST, port), "64"]
    server = subprocess.Popen(sink, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        for _ in range(100):  # bounded: up to 5 s for it to listen
            try:
                socket.create_connection((HOST, port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        else:
            log("smtp-sink did not start: %s" % server.stderr.read1().decode(errors="replace"))
            return 1
        sent = smtp_bench.send_smtp_source(port, args.messages, args.size, 1, 600)
    finally:
        server.terminate()
        try:
            server.wait(5)
        except subprocess.TimeoutExpired:
            server.kill()
    if sent["failures"]:
        log("failures: %s" % sent["failures"])
        return 1
    print("smtp-sink, 1 smtp-source sender, %d messages of %d bytes: %.1f msg/s (%.3f ms per message)"
          % (args.messages, args.size, args.messages / sent["elapsed"], 1000 * sent["elapsed"] / args.messages))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--messages", type=int, default=2000)
    ap.add_argument("--size", type=int, default=4096)
    ap.add_argument("--client", choices=("asyncio", "smtp-source"), default="asyncio")
    args = ap.parse_args()
    if args.client == "smtp-source":
        return smtp_source_ceiling(args)
    sock = socket.socket()
    sock.bind((HOST, 0))
    sock.listen(1)
    port = sock.getsockname()[1]
    server = multiprocessing.Process(target=null_server, args=(sock,), daemon=True)
    server.start()
    try:
        rng = random.Random(1)
        messages = [smtp_bench.make_message(rng, i, args.size, "ceiling") for i in range(args.messages)]
        sent = asyncio.run(smtp_bench.send_all(port, messages, 1, 0))
    finally:
        server.join(5)
        if server.is_alive():
            server.kill()
    if sent["failures"]:
        log("failures: %s" % sent["failures"][:3])
        return 1
    rate = len(sent["accepted_ids"]) / sent["elapsed"]
    lat = sorted(sent["latencies"])
    print("null server, 1 sender, %d messages of %d bytes: %.1f msg/s; per message p50 %.2f ms, p99 %.2f ms"
          % (len(lat), args.size, rate, statistics.median(lat) * 1000, percentile(lat, 99) * 1000))
    return 0


if __name__ == "__main__":
    sys.exit(main())
