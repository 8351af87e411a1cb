#!/usr/bin/env python3
"""Where one SMTP sender's time goes on Estafeta: each step of a message timed
from the client, and the server's own figures for the same messages.

smtp_bench.py gives one sender's rate against the peer; this tells what that
rate is made of. One connection, no pipelining, as smtp_bench.py's client:
MAIL, RCPT, DATA, the message (4 KB), RSET; each step's latency is measured
from the client's send to the reply (TCP_NODELAY, blocking socket, so the
client adds as little as Python can). Read from the server during the same
messages:

  delivery ms   parsing and storing one message on the worker pool
                (estafeta_delivery_seconds, from /metrics)
  store ms      of which the store's transaction: rows and the durable commit
                (estafeta_store_commit_seconds)
  CPU ms        the server's CPU time (all threads) per message
  switches      the server's context switches per message, and which threads
                take them (the io threads, the worker pool, the rest)

The server is a fresh `estafeta quickstart` store (release build), the MX on
a loopback port, DNS pointed at a closed port (as smtp_bench.py), an HTTP
listener for /metrics. --threads sets its io threads (default: one per core).

Usage: python3 bench/smtp_steps.py [--messages 3000] [--threads N] [--repeat 3]
"""

import argparse
import os
import re
import socket
import sys
import tempfile
import time

import smtp_bench
from common import HOST, free_port, log, percentile, server_metrics

STEPS = ("MAIL", "RCPT", "DATA", "message", "RSET")


class Client:
    def __init__(self, port):
        self.sock = socket.create_connection((HOST, port), timeout=30)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.file = self.sock.makefile("rb")
        self.reply()
        self.step(b"EHLO steps.example\r\n")

    def reply(self):
        while True:
            line = self.file.readline(1024)
            if not line:
                raise smtp_bench.BenchError("the server closed the connection")
            if line[3:4] != b"-":
                return line

    def step(self, data):
        start = time.perf_counter()
        self.sock.sendall(data)
        line = self.reply()
        elapsed = time.perf_counter() - start
        if line[:1] not in (b"2", b"3"):
            raise smtp_bench.BenchError("refused: %r" % line)
        return elapsed

    def send(self, message):
        return [
            self.step(b"MAIL FROM:<steps@sender.example>\r\n"),
            self.step(b"RCPT TO:<%s>\r\n" % smtp_bench.RCPT.encode()),
            self.step(b"DATA\r\n"),
            self.step(message + b".\r\n"),
            self.step(b"RSET\r\n"),
        ]


def threads_of(pid):
    """tid -> (context switches, CPU ticks)."""
    out = {}
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/status" % (pid, tid)) as f:
                status = f.read()
            with open("/proc/%d/task/%s/stat" % (pid, tid)) as f:
                stat = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        switches = sum(int(v) for v in re.findall(r"(?m)^(?:non)?voluntary_ctxt_switches:\s+(\d+)$", status))
        out[int(tid)] = (switches, int(stat[11]) + int(stat[12]))
    return out


def message_bytes(i, run_id):
    head = ("From: <steps@sender.example>\r\nTo: <%s>\r\nSubject: step %d\r\n"
            "Message-ID: <%s.%d@sender.example>\r\nDate: Sun, 06 Dec 2026 10:00:00 +0000\r\n\r\n"
            % (smtp_bench.RCPT, i, run_id, i)).encode()
    line = b"The quick brown fox jumps over the lazy dog, and then it naps awhile.\r\n"
    return head + line * (4096 // len(line))


def one_run(binary, work, messages, threads):
    server = smtp_bench.Estafeta(binary, work)
    http_port = free_port()
    with open(server.config, encoding="utf-8") as f:
        config = f.read()
    if threads:
        config = "threads = %d\n" % threads + config
    config += '\n[[listener]]\nprotocol = "http"\naddress = "%s:%d"\n' % (HOST, http_port)
    with open(server.config, "w", encoding="utf-8") as f:
        f.write(config)
    server.start()
    try:
        run_id = "%x" % int(time.time() * 1000)
        warm = Client(server.port)
        for i in range(300):
            warm.send(message_bytes(-i - 1, run_id))
        client = Client(server.port)
        # Each thread's figures are read before and after; threads are told
        # apart by what they did: the two busiest by switches are the io
        # threads when the server runs two (one when one), the pool is the
        # rest of those that ran once per message or more.
        before_threads, before_metrics = threads_of(server.pid), server_metrics(http_port)
        cpu0 = sum(t[1] for t in before_threads.values())
        steps = {s: [] for s in STEPS}
        start = time.perf_counter()
        for i in range(messages):
            for name, t in zip(STEPS, client.send(message_bytes(i, run_id))):
                steps[name].append(t * 1e3)
        elapsed = time.perf_counter() - start
        after_threads, after_metrics = threads_of(server.pid), server_metrics(http_port)
        cpu1 = sum(t[1] for t in after_threads.values())
    finally:
        server.stop()
    ticks = os.sysconf("SC_CLK_TCK")
    per_thread = sorted((after_threads[t][0] - before_threads.get(t, (0, 0))[0]) / messages for t in after_threads)
    per_thread.reverse()
    io = threads if threads else os.cpu_count()
    count = after_metrics.get("estafeta_delivery_seconds_count", 0) - before_metrics.get("estafeta_delivery_seconds_count", 0)
    return {
        "msg_per_s": messages / elapsed,
        "ms_per_msg": elapsed * 1e3 / messages,
        "steps_p50": {s: percentile(v, 50) for s, v in steps.items()},
        "steps_mean": {s: sum(v) / len(v) for s, v in steps.items()},
        "delivery_ms": 1e3 * (after_metrics["estafeta_delivery_seconds_sum"] -
                              before_metrics["estafeta_delivery_seconds_sum"]) / max(count, 1),
        "store_ms": 1e3 * (after_metrics["estafeta_store_commit_seconds_sum"] -
                           before_metrics["estafeta_store_commit_seconds_sum"]) / max(count, 1),
        "cpu_ms": (cpu1 - cpu0) * 1e3 / ticks / messages,
        "switches": sum(per_thread),
        "switches_io": sum(per_thread[:io]),
        "switches_rest": sum(per_thread[io:]),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--estafeta-bin", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                                                           "build-release", "estafeta"))
    ap.add_argument("--messages", type=int, default=3000)
    ap.add_argument("--threads", type=int, default=0, help="the server's io threads (0: one per core)")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    if not os.access(args.estafeta_bin, os.X_OK):
        sys.exit("no release build at %s" % args.estafeta_bin)
    runs = []
    for r in range(args.repeat):
        with tempfile.TemporaryDirectory(prefix="smtp-steps-") as work:
            log("run %d of %d: %d messages" % (r + 1, args.repeat, args.messages))
            runs.append(one_run(args.estafeta_bin, work, args.messages, args.threads))
    runs.sort(key=lambda x: x["msg_per_s"])
    mid = runs[len(runs) // 2]
    print("one sender, %d messages of 4 KB, io threads: %s; median of %d runs by rate (%s msg/s)"
          % (args.messages, args.threads or "one per core", len(runs),
             " / ".join("%.1f" % x["msg_per_s"] for x in runs)))
    print("  %.1f msg/s, %.3f ms per message" % (mid["msg_per_s"], mid["ms_per_msg"]))
    print("  client-side latency per step, ms (p50 / mean):")
    for s in STEPS:
        print("    %-8s %.3f / %.3f" % (s, mid["steps_p50"][s], mid["steps_mean"][s]))
    print("  server, per message: delivery %.3f ms (store transaction %.3f), CPU %.2f ms,"
          % (mid["delivery_ms"], mid["store_ms"], mid["cpu_ms"]))
    print("    context switches %.1f (io threads %.1f, others %.1f)"
          % (mid["switches"], mid["switches_io"], mid["switches_rest"]))


if __name__ == "__main__":
    main()
