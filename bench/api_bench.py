#!/usr/bin/env python3
"""Management API benchmark (Estafeta only: no peer serves this API).

(a) Authenticated reads, one client, keep-alive, an API token: the lists of
    users, addresses and sessions, and a page of 100 entries of an activity
    log that holds 100,000 (written into the database before the server
    starts). Each route is asked --requests times; p50/p99 in ms.
(b) Argon2id off the io threads: the IMAP mixed workload of imap_bench.py (one
    client, --duration s) alone, then again while --flood wrong web logins
    arrive at once. Printed: the IMAP p99 of each command in both runs and
    their ratio, IMAP errors (a refused or dropped session counts), and what
    the flood got (401 after the password check, 429 refused by the
    per-IP throttle before it).

Everything on 127.0.0.1; the server is the release build started here with
`quickstart --no-serve` and a config with one imap and one http listener.

Usage: python3 bench/api_bench.py [--requests 300] [--duration 10] [--flood 200] [--json PATH]
"""

import argparse
import asyncio
import datetime
import http.client
import json
import os
import random
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import imap_bench
from common import HOST, BenchError, free_port, log, percentile, quickstart_config_head

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ADMIN = "admin@demo.example"


class Server:
    def __init__(self, binary, workdir):
        data = os.path.join(workdir, "data")
        r = subprocess.run([binary, "quickstart", "--dir", data, "--no-serve"], capture_output=True, text=True,
                           timeout=60)
        if r.returncode != 0:
            raise BenchError("quickstart failed: %s %s" % (r.stdout, r.stderr))
        self.admin_password = re.search(r"console/web login\s+\S+\s+password\s+(\S+)", r.stdout).group(1)
        self.password = re.search(r"device password\s+(\S+)", r.stdout).group(1)
        self.db = os.path.join(data, "estafeta.db")
        self.config = os.path.join(data, "estafeta.toml")
        self.port, self.http = free_port(), free_port()
        # Every connection here comes from 127.0.0.1: no per-address cap (else the flood's
        # connections would use up the IMAP client's allowance, which is the point of the cap).
        head = quickstart_config_head(self.config)
        with open(self.config, "w", encoding="utf-8") as f:
            f.write(head + '\n[[listener]]\nprotocol = "imap"\naddress = "127.0.0.1:%d"\nplaintext_auth = true\n'
                    '\n[[listener]]\nprotocol = "http"\naddress = "127.0.0.1:%d"\n' % (self.port, self.http))
        self.argv = [binary, "serve", "--config", self.config]
        self.log_path = os.path.join(workdir, "serve.log")

    def fill_activity(self, n):
        """n audit entries of the demo organisation, written before the server starts."""
        db = sqlite3.connect(self.db)
        org, user = db.execute("SELECT org_id, id FROM user WHERE login = ?", (ADMIN,)).fetchone()
        now = int(time.time())
        rows = ((org, user, ADMIN, "address.create", "a%d@demo.example" % i, "console", "127.0.0.1", "",
                 now - n + i) for i in range(n))
        db.executemany("INSERT INTO audit (org_id, actor_user_id, actor, action, target, product, ip, detail, time) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        db.commit()
        db.close()

    def start(self):
        self.child = imap_bench.Child("estafeta", self.argv, self.log_path, 4096)
        self.pid = self.child.pid
        imap_bench.wait_port(self.port, self.child.proc)
        deadline = time.monotonic() + 15
        while True:  # the http listener answers /healthz
            try:
                conn = http.client.HTTPConnection(HOST, self.http, timeout=2)
                status, _ = request(conn, "GET", "/healthz")
                conn.close()
                if status == 200:
                    return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise BenchError("the http listener did not answer within 15 s")
            time.sleep(0.05)

    def stop(self):
        return self.child.stop()


def request(conn, method, path, body=None, headers=None):
    h = dict(headers or {})
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        h["Content-Type"] = "application/json"
    conn.request(method, path, body=data, headers=h)
    r = conn.getresponse()
    payload = r.read()
    return r.status, payload


def api_token(server):
    """Logs in as the demo admin (cookie and CSRF token) and makes an API token."""
    conn = http.client.HTTPConnection(HOST, server.http, timeout=30)
    conn.request("POST", "/api/v1/session", body=json.dumps({"login": ADMIN, "password": server.admin_password}),
                 headers={"Content-Type": "application/json"})
    r = conn.getresponse()
    body = r.read()
    if r.status != 200:
        raise BenchError("login: %d %s" % (r.status, body[:200]))
    cookie = r.getheader("Set-Cookie").split(";")[0]
    csrf = json.loads(body)["csrf_token"]
    status, body = request(conn, "POST", "/api/v1/me/tokens", {"label": "bench"},
                           {"Cookie": cookie, "X-CSRF-Token": csrf})
    if status != 201:
        raise BenchError("token: %d %s" % (status, body[:200]))
    conn.close()
    return json.loads(body)["token"]


def measure_reads(server, token, n):
    conn = http.client.HTTPConnection(HOST, server.http, timeout=30)
    auth = {"Authorization": "Bearer " + token}
    out = {}
    for path in ("/api/v1/users", "/api/v1/addresses", "/api/v1/me/sessions", "/api/v1/activity?limit=100",
                 "/api/v1/activity?limit=100&q=a77"):
        lat = []
        for _ in range(n):
            t = time.perf_counter()
            status, body = request(conn, "GET", path, headers=auth)
            lat.append(time.perf_counter() - t)
            if status != 200:
                raise BenchError("%s: %d %s" % (path, status, body[:200]))
        if path.startswith("/api/v1/activity?limit=100") and "q=" not in path:
            if len(json.loads(body)["entries"]) != 100:
                raise BenchError("activity page: not 100 entries")
        out[path] = {"p50_ms": round(1000 * statistics.median(lat), 3), "p99_ms": round(1000 * percentile(lat, 99), 3)}
        log("  GET %-40s p50 %.2f ms, p99 %.2f ms" % (path, out[path]["p50_ms"], out[path]["p99_ms"]))
    conn.close()
    return out


def flood_worker(port, n):
    """n wrong logins at once, each on its own connection; prints the outcomes as JSON."""
    barrier = threading.Barrier(n)
    outcomes = []

    def one(i):
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=60)
            conn.connect()
            barrier.wait(10)
            status, _ = request(conn, "POST", "/api/v1/session",
                                {"login": "nobody%d@demo.example" % i, "password": "wrong %d" % i})
            outcomes.append(status)
            conn.close()
        except Exception as e:  # noqa: BLE001 — counted, not raised
            outcomes.append(type(e).__name__)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    print(json.dumps(outcomes))


def flood(server, n):
    """The flood in a process of its own: its threads must not slow this one's IMAP client."""
    return subprocess.Popen([sys.executable, os.path.abspath(__file__), "--flood-worker", str(server.http), str(n)],
                            stdout=subprocess.PIPE)


async def mixed(server, duration, uids, messages):
    class Target:
        pass
    t = Target()
    t.port, t.tls_port, t.password, t.pid = server.port, None, server.password, server.pid
    return await imap_bench.run_mixed(t, 1, duration, uids, messages, seed=1)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--requests", type=int, default=300)
    ap.add_argument("--duration", type=float, default=10)
    ap.add_argument("--flood", type=int, default=200)
    ap.add_argument("--activity", type=int, default=100000)
    ap.add_argument("--estafeta-bin", default=os.path.join(ROOT, "build-release", "estafeta"))
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="apibench-")
    server = Server(args.estafeta_bin, work)
    results = {"date": datetime.datetime.utcnow().isoformat() + "Z", "requests": args.requests,
               "activity_entries": args.activity}
    try:
        log("writing %d activity entries" % args.activity)
        server.fill_activity(args.activity)
        server.start()
        token = api_token(server)
        log("(a) authenticated reads, %d each" % args.requests)
        results["reads"] = measure_reads(server, token, args.requests)

        rng = random.Random(1)
        messages = [imap_bench.make_message(rng, i, 4096) for i in range(200)]
        uids, _, _ = asyncio.run(imap_bench.prefill(server.port, server.password, messages))
        log("(b) IMAP mixed workload, 1 client, %.0f s: quiet" % args.duration)
        quiet = asyncio.run(mixed(server, args.duration, uids, messages))
        log("    again, with %d wrong web logins at once" % args.flood)
        worker = flood(server, args.flood)
        loaded = asyncio.run(mixed(server, args.duration, uids, messages))
        out, _ = worker.communicate(timeout=180)
        outcomes = json.loads(out)
        counts = {str(k): outcomes.count(k) for k in sorted(set(outcomes), key=str)}
        rows = {}
        for name, q in quiet["per_command"].items():
            l = loaded["per_command"].get(name)
            if not l:
                continue
            rows[name] = {"quiet_p99_ms": q["p99_ms"], "flood_p99_ms": l["p99_ms"],
                          "ratio": round(l["p99_ms"] / q["p99_ms"], 2) if q["p99_ms"] else None}
            log("    %-8s p99 quiet %.2f ms, during the flood %.2f ms (%.2fx)"
                % (name, q["p99_ms"], l["p99_ms"], rows[name]["ratio"] or 0))
        log("    flood outcomes: %s; IMAP errors: quiet %d, flood %d; commands/s %.0f vs %.0f"
            % (counts, quiet["error_count"], loaded["error_count"], quiet["commands_per_s"],
               loaded["commands_per_s"]))
        results["argon2_flood"] = {"per_command": rows, "flood_outcomes": counts,
                                   "imap_errors": {"quiet": quiet["errors"], "flood": loaded["errors"]},
                                   "commands_per_s": {"quiet": quiet["commands_per_s"],
                                                      "flood": loaded["commands_per_s"]}}
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--flood-worker":
        flood_worker(int(sys.argv[2]), int(sys.argv[3]))
        sys.exit(0)
    sys.exit(main())
