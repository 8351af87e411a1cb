#!/usr/bin/env python3
"""Estafeta's authoritative DNS server next to NSD (Debian's nsd), same run.

Both serve the same zone (made with `estafeta dns`, written out for NSD as a
zone file; NSD with minimal-responses, as tests/dns/test_differential.py
compares them). dnsperf (Debian) sends the same query mix to each over UDP
on 127.0.0.1 — names that exist, a CNAME chased in the zone, MX with its
additional address, NXDOMAIN, NODATA, a wildcard, TXT — for `--seconds`,
`--repeat` times per server, alternating (E, N, N, E, …) so background load
hits both alike; the medians are reported. Estafeta answers from the store's
zones with changes visible at once. Both response rate limits are off
here (`responses_per_second = 0`; NSD's `rrl-ratelimit: 0`, which is 200
per second per /24 by default): from one loopback address every query
would be limited.

Prints queries per second and latency (p50/p99 from dnsperf's per-query
report) for both, and the ratio E/N. Python 3 standard library only."""

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import HOST, BenchError, free_port, log, percentile  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOMAIN = "demo.example"

RECORDS = [("www", "A", "192.0.2.80"), ("www", "AAAA", "2001:db8::80"), ("alias", "CNAME", "www"),
           ("mail", "A", "192.0.2.25"), ("@", "MX", "20 mail"), ("*.wild", "TXT", "wildcard text"),
           ("_spf", "TXT", "v=spf1 ip4:192.0.2.0/24 -all")]
QUERIES = ["www.%s A", "www.%s AAAA", "alias.%s A", "%s MX", "%s SOA", "%s TXT", "nothing.%s A",
           "www.%s MX", "x.wild.%s TXT", "_dmarc.%s TXT", "_imaps._tcp.%s SRV", "_spf.%s TXT"]


def run(argv, **kw):
    return subprocess.run(argv, capture_output=True, text=True, timeout=kw.pop("timeout", 120), **kw)


def zone_file(zone):
    lines = ["$ORIGIN %s." % DOMAIN]
    for rec in zone["records"]:
        data = rec["data"]
        if rec["type"] in ("NS", "CNAME"):
            data += "."
        elif rec["type"] in ("MX", "SRV"):
            parts = data.split(" ")
            parts[-1] += "."
            data = " ".join(parts)
        elif rec["type"] == "SOA":
            parts = data.split(" ")
            parts[0] += "."
            parts[1] += "."
            data = " ".join(parts)
        lines.append("%s. %d IN %s %s" % (rec["name"], rec["ttl"], rec["type"], data))
    return "\n".join(lines) + "\n"


def wait_answer(port, deadline):
    while time.monotonic() < deadline:
        r = run(["dig", "@" + HOST, "-p", str(port), "+time=1", "+tries=1", DOMAIN, "SOA"], timeout=10)
        if "status: NOERROR" in r.stdout:
            return
        time.sleep(0.2)
    raise BenchError("no answer on port %d" % port)


def dnsperf(port, queries, seconds, clients, threads):
    r = run(["dnsperf", "-s", HOST, "-p", str(port), "-d", queries, "-l", str(seconds), "-c", str(clients),
             "-T", str(threads), "-q", "200", "-v"], timeout=seconds + 60)
    m = re.search(r"Queries per second:\s+([\d.]+)", r.stdout)
    lost = re.search(r"Queries lost:\s+(\d+)", r.stdout)
    if not m:
        raise BenchError("dnsperf: %s %s" % (r.stdout[-2000:], r.stderr[-2000:]))
    latencies = [float(x) for x in re.findall(r"(?m)^> \S+ .* ([\d.]+)$", r.stdout)]
    return {"qps": float(m.group(1)), "lost": int(lost.group(1)) if lost else None,
            "p50_ms": percentile(latencies, 50) * 1000 if latencies else None,
            "p99_ms": percentile(latencies, 99) * 1000 if latencies else None, "answers": len(latencies)}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--estafeta-bin", default=os.path.join(ROOT, "build-release", "estafeta"))
    p.add_argument("--seconds", type=int, default=10)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--clients", type=int, default=8)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--json", help="write the results here as well")
    args = p.parse_args()
    nsd = shutil.which("nsd") or "/usr/sbin/nsd"
    for tool in (args.estafeta_bin, nsd, shutil.which("dnsperf"), shutil.which("dig")):
        if not tool or not os.path.exists(tool):
            raise BenchError("missing %s (scripts/setup.sh installs nsd, dnsperf, dnsutils)" % tool)
    work = tempfile.mkdtemp(prefix="estafeta-dns-bench-")
    procs = []
    try:
        data = os.path.join(work, "data")
        r = run([args.estafeta_bin, "quickstart", "--dir", data, "--no-serve"])
        if r.returncode:
            raise BenchError("quickstart: %s" % r.stderr)
        config = os.path.join(data, "estafeta.toml")
        for name, rtype, value in RECORDS:
            r = run([args.estafeta_bin, "dns", "--config", config, "record", "add", DOMAIN, name, rtype, value])
            if r.returncode:
                raise BenchError("record add: %s" % r.stderr)
        zone = json.loads(run([args.estafeta_bin, "dns", "--config", config, "--json", "zone", "show", DOMAIN]).stdout)
        e_port, n_port, http = free_port(), free_port(), free_port()
        with open(config, "w") as f:
            f.write('data_dir = "."\nhostname = "mail.%s"\n[log]\nlevel = "warn"\n[zones]\nresponses_per_second = 0\n'
                    '[[listener]]\nprotocol = "dns"\naddress = "%s:%d"\n'
                    '[[listener]]\nprotocol = "http"\naddress = "%s:%d"\n' % (DOMAIN, HOST, e_port, HOST, http))
        nsd_dir = os.path.join(work, "nsd")
        os.makedirs(nsd_dir)
        with open(os.path.join(nsd_dir, DOMAIN + ".zone"), "w") as f:
            f.write(zone_file(zone))
        with open(os.path.join(nsd_dir, "nsd.conf"), "w") as f:
            f.write('server:\n  ip-address: %s@%d\n  do-ip6: no\n  username: ""\n  chroot: ""\n  zonesdir: "%s"\n'
                    '  pidfile: "%s/nsd.pid"\n  xfrdfile: "%s/xfrd.state"\n  zonelistfile: "%s/zone.list"\n'
                    '  database: ""\n  logfile: "%s/nsd.log"\n  server-count: %d\n  minimal-responses: yes\n'
                    '  rrl-ratelimit: 0\n  rrl-whitelist-ratelimit: 0\n'
                    'remote-control:\n  control-enable: no\nzone:\n  name: %s\n  zonefile: %s.zone\n'
                    % (HOST, n_port, nsd_dir, nsd_dir, nsd_dir, nsd_dir, nsd_dir, os.cpu_count() or 1, DOMAIN, DOMAIN))
        queries = os.path.join(work, "queries.txt")
        with open(queries, "w") as f:
            f.write("\n".join(q % DOMAIN for q in QUERIES) + "\n")
        log("starting estafeta and nsd")
        procs.append(subprocess.Popen([args.estafeta_bin, "serve", "--config", config], stdout=subprocess.DEVNULL,
                                      stderr=open(os.path.join(work, "estafeta.log"), "w")))
        procs.append(subprocess.Popen([nsd, "-d", "-c", os.path.join(nsd_dir, "nsd.conf")], stdout=subprocess.DEVNULL,
                                      stderr=open(os.path.join(work, "nsd.err"), "w")))
        deadline = time.monotonic() + 30
        wait_answer(e_port, deadline)
        wait_answer(n_port, deadline)
        runs = {"estafeta": [], "nsd": []}
        order = []
        for i in range(args.repeat):
            order += [("estafeta", e_port), ("nsd", n_port)] if i % 2 == 0 else [("nsd", n_port), ("estafeta", e_port)]
        for name, port in order:
            res = dnsperf(port, queries, args.seconds, args.clients, args.threads)
            log("%-8s %9.0f q/s  p50 %.3f ms  p99 %.3f ms  lost %s" % (name, res["qps"], res["p50_ms"] or 0,
                                                                    res["p99_ms"] or 0, res["lost"]))
            runs[name].append(res)
        med = {k: {f: statistics.median([r[f] for r in v if r[f] is not None]) for f in ("qps", "p50_ms", "p99_ms")}
               for k, v in runs.items()}
        e, n = med["estafeta"], med["nsd"]
        print("%-28s %12s %12s %8s" % ("dnsperf, %d clients, UDP" % args.clients, "estafeta", "nsd", "E/N"))
        print("%-28s %12.0f %12.0f %8.2f" % ("queries/s (median)", e["qps"], n["qps"], e["qps"] / n["qps"]))
        print("%-28s %12.3f %12.3f %8.2f" % ("latency p50 ms", e["p50_ms"], n["p50_ms"], e["p50_ms"] / n["p50_ms"]))
        print("%-28s %12.3f %12.3f %8.2f" % ("latency p99 ms", e["p99_ms"], n["p99_ms"], e["p99_ms"] / n["p99_ms"]))
        if args.json:
            with open(args.json, "w") as f:
                json.dump({"when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "args": vars(args),
                           "runs": runs, "median": med}, f, indent=2)
    finally:
        for proc in procs:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    try:
        main()
    except BenchError as e:
        log("error: %s" % e)
        sys.exit(1)
