"""What bench/imap_bench.py and bench/smtp_bench.py share: logging, free
loopback ports, the /proc walk that finds a server's process tree (Postfix
and Dovecot fork; their children count in the figures), percentiles, and the
quickstart config without its listeners."""

import os
import re
import socket
import sys
import time

HOST = "127.0.0.1"  # everything the benchmarks start listens here only


class BenchError(Exception):
    pass


def log(msg):
    print("[%s] %s" % (time.strftime("%H:%M:%S"), msg), file=sys.stderr, flush=True)


_handed_out = set()


def free_port():
    """An unused loopback port not handed out before by this process (the
    kernel may return one port twice once the probing socket is closed)."""
    for _ in range(1000):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind((HOST, 0))
            port = s.getsockname()[1]
        if port not in _handed_out:
            _handed_out.add(port)
            return port
    raise RuntimeError("no unused loopback port after 1000 tries")


def proc_children():
    """pid -> list of child pids, from /proc."""
    kids = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d, "rb") as f:
                st = f.read()
        except OSError:
            continue
        ppid = int(st[st.rindex(b")") + 2:].split()[1])
        kids.setdefault(ppid, []).append(int(d))
    return kids


def proc_tree(pid):
    """`pid` and all its descendants."""
    kids = proc_children()
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, []))
    return out


def start_time(pid):
    """The process's start time in clock ticks (tells a pid reused), or None."""
    try:
        with open("/proc/%d/stat" % pid, "rb") as f:
            st = f.read()
        return int(st[st.rindex(b")") + 2:].split()[19])
    except OSError:
        return None


def percentile(xs, p):
    if not xs:
        return None
    xs = sorted(xs)
    k = min(len(xs) - 1, max(0, int(round(p / 100.0 * (len(xs) - 1)))))
    return xs[k]


def server_metrics(port):
    """Estafeta's /metrics (Prometheus text) on `port`: name -> value of every sample without labels
    (histograms' _sum and _count among them)."""
    import urllib.request
    with urllib.request.urlopen("http://%s:%d/metrics" % (HOST, port), timeout=10) as r:
        text = r.read().decode()
    return {m.group(1): float(m.group(2)) for m in re.finditer(r"(?m)^([a-z_]+) (\S+)$", text)}


def quickstart_config_head(path):
    """The config `estafeta quickstart` wrote at `path`, without its listeners: log level warn and no
    per-address connection cap (every benchmark connection comes from 127.0.0.1). The caller adds
    its own [[listener]] tables."""
    with open(path, encoding="utf-8") as f:
        head = f.read().split("[[listener]]")[0]
    head = re.sub(r'(?m)^level\s*=.*$', 'level = "warn"', head)
    if re.search(r"(?m)^\[limits\]", head):
        head = re.sub(r"(?m)^max_connections_per_ip\s*=.*\n", "", head)
        head = re.sub(r"(?m)^\[limits\]\s*$", "[limits]\nmax_connections_per_ip = 0", head, count=1)
    else:
        head += "\n[limits]\nmax_connections_per_ip = 0\n"
    return head

