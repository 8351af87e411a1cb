#!/usr/bin/env python3
"""DESIGN §6's aims against the peers, all in one sequence on one machine.

Runs, one after the other and never two at once, the benchmarks behind the
aims that compare us with Dovecot and Postfix:

  imap     imap_bench.py: mixed workload, 1 and 20 clients
  smtp     smtp_bench.py: durable ingest, 1 and 20 senders (asyncio client)
  smtp1    smtp_bench.py --client smtp-source: 1 sender, Postfix's own C client
  ceiling  smtp_ceiling.py --durable, each client: what a server that flushes
           every message before its 250 can do with one sender (the bound
           of the two 1-sender aims, read next to the peer's figures)
  import   import_bench.py: 2,000 messages APPENDed by Python's imaplib
  mbsync   mbsync_bench.py: a full pull of 2,000 messages
  search   search_bench.py: full-text search over 100,000 messages

Each writes its own results/<prefix>-<name>.{json,txt}; then one table reads
them and says, per aim, our figure, the peer's, the ratio and whether the aim
is met. `--table PREFIX` prints the table of an earlier run without running
anything.

    sudo python3 bench/aims.py                      # about 45 minutes
    sudo python3 bench/aims.py --only imap,mbsync
    python3 bench/aims.py --table results/2026-12-05-aims
"""

import argparse
import datetime
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))

RUNS = {
    "imap": ["imap_bench.py", "--clients", "1,20", "--duration", "10", "--repeat", "3", "--skip-idle"],
    "smtp": ["smtp_bench.py", "--senders", "1,20", "--repeat", "3"],
    "smtp1": ["smtp_bench.py", "--senders", "1", "--repeat", "3", "--client", "smtp-source"],
    "ceiling": ["smtp_ceiling.py", "--durable", "--repeat", "3"],
    "ceiling1": ["smtp_ceiling.py", "--durable", "--repeat", "3", "--client", "smtp-source"],
    "import": ["import_bench.py"],
    "mbsync": ["mbsync_bench.py", "--repeat", "5"],
    "search": ["search_bench.py", "--repeat", "5"],
}


def run(name, prefix, estafeta_bin):
    json_path = f"{prefix}-{name}.json"
    txt_path = f"{prefix}-{name}.txt"
    cmd = [sys.executable, os.path.join(HERE, RUNS[name][0]), *RUNS[name][1:], "--json", json_path]
    if estafeta_bin and RUNS[name][0] != "smtp_ceiling.py":  # the ceiling runs no Estafeta
        cmd += ["--estafeta-bin", estafeta_bin]
    print(f"== {name}: {' '.join(cmd[1:])}", flush=True)
    started = time.monotonic()
    with open(txt_path, "w") as out:
        rc = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, cwd=os.path.dirname(HERE)).returncode
    print(f"   rc={rc} in {time.monotonic() - started:.0f} s, {txt_path}", flush=True)
    return rc


def load(prefix, name):
    try:
        with open(f"{prefix}-{name}.json") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def summary_row(data, starts_with):
    for row in (data or {}).get("summary", []):
        label = row.get("workload") or row.get("label") or ""
        if label.strip().startswith(starts_with):
            return row
    return None


def rows(prefix):
    """(aim, ours, peer's, ratio, aim text, met) for each aim with a result."""
    out = []
    imap = load(prefix, "imap")
    for clients in (1, 20):
        unit = "client" if clients == 1 else "clients"
        r = summary_row(imap, f"mixed, {clients} {unit},")
        if r:
            out.append((f"IMAP mixed, {clients} {unit} (commands/s)", r["estafeta"], r["dovecot"], r["ratio"],
                        "≥ 1.5×", r["ratio"] >= 1.5))
    smtp = load(prefix, "smtp")
    for senders in (1, 20):
        r = summary_row(smtp, f"{senders} sender{'s' if senders > 1 else ' '}: durable")
        if r:
            out.append((f"SMTP durable, {senders} sender{'s' if senders > 1 else ''} (msg/s)", r["estafeta"],
                        r["postfix"], r["ratio"], "≥ 4×", r["ratio"] >= 4))
    r = summary_row(load(prefix, "smtp1"), "1 sender : durable")
    if r:
        out.append(("SMTP durable, 1 sender, smtp-source (msg/s)", r["estafeta"], r["postfix"], r["ratio"],
                    "≥ 4×", r["ratio"] >= 4))
    # The bound of the one-sender aims: a server that only flushes each message.
    for name, run_name, label in (("ceiling", "smtp", "asyncio"), ("ceiling1", "smtp1", "smtp-source")):
        bound, peer = load(prefix, name), summary_row(load(prefix, run_name), "1 sender : durable")
        if bound and peer:
            out.append((f"SMTP 1 sender, {label}, durable null server (msg/s)", round(bound["median"], 1),
                        peer["postfix"], round(bound["median"] / peer["postfix"], 2), "—", None))
    for name, label in (("import", "import 2,000 by imaplib (s)"), ("mbsync", "mbsync full pull (s)")):
        data = load(prefix, name)
        if not data or data.get("aborted"):
            continue
        res = data["results"]
        key = "seconds" if name == "import" else "median_s"
        if "Estafeta" in res and "Dovecot" in res:
            ours, peer = res["Estafeta"][key], res["Dovecot"][key]
            limit = 1.0 if name == "import" else 0.8
            out.append((label, ours, peer, round(ours / peer, 2), f"≤ {limit}× the time", ours / peer <= limit))
        if "null" in res and "Dovecot" in res:  # mbsync's own bound: a server that costs nothing
            null, peer = res["null"][key], res["Dovecot"][key]
            out.append(("mbsync full pull, null server (s)", null, peer, round(null / peer, 2), "—", None))
    search = load(prefix, "search")
    if search and "Estafeta" in search.get("results", {}):
        ours = search["results"]["Estafeta"]["queries"]
        peer = search["results"].get("Dovecot", {}).get("queries", {})
        for query, q in ours.items():
            p = peer.get(query, {}).get("p50_ms")
            aimed = query.split()[0] in ("TEXT", "BODY")
            out.append((f"search 100k, {query} p50 (ms)", q["p50_ms"], p,
                        round(p / q["p50_ms"], 1) if p and q["p50_ms"] else None,
                        "< 100 ms" if aimed else "—", q["p50_ms"] < 100 if aimed else None))
    return out


def table(prefix):
    lines = ["| aim | Estafeta | peer | ratio | DESIGN §6 | met |", "|---|---:|---:|---:|---|---|"]
    for aim, ours, peer, ratio, wanted, met in rows(prefix):
        peer_text = "—" if peer is None else f"{peer:,}"
        ratio_text = "—" if ratio is None else f"{ratio}×"
        met_text = "—" if met is None else ("yes" if met else "**no**")
        lines.append(f"| {aim} | {ours:,} | {peer_text} | {ratio_text} | {wanted} | {met_text} |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", help="comma-separated subset of " + ",".join(RUNS))
    parser.add_argument("--prefix", help="results path prefix (default results/<today>-aims)")
    parser.add_argument("--estafeta-bin")
    parser.add_argument("--table", metavar="PREFIX", help="print the table of an earlier run and stop")
    args = parser.parse_args()
    if args.table:
        print(table(args.table))
        return 0
    prefix = args.prefix or os.path.join(HERE, "results", datetime.date.today().isoformat() + "-aims")
    names = args.only.split(",") if args.only else list(RUNS)
    unknown = [n for n in names if n not in RUNS]
    if unknown:
        parser.error("unknown: " + ", ".join(unknown))
    failed = [n for n in names if run(n, prefix, args.estafeta_bin) != 0]
    rendered = table(prefix)
    with open(prefix + ".md", "w") as f:
        f.write(rendered + "\n")
    print(rendered)
    if failed:
        print("failed: " + ", ".join(failed), file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
