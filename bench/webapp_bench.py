#!/usr/bin/env python3
"""The web mail app in Chromium, against the release binary, on loopback.

`vite build` of web/ into a work folder, served by `estafeta serve
--web-dir` (the release binary has no app embedded); one address
(hello@demo.example, from `estafeta quickstart`) whose INBOX gets N
messages (default 100,000) made and APPENDed by jmap_bench.py's Folder and
load_estafeta (imported, not copied); one user with a password and access
to that address. Then Debian's Chromium (driven by playwright-core from
tests/webapp) measures with the Performance API:

  cold load     a fresh browser context (empty cache, a session cookie
                from POST /api/v1/session) opening the app until the first row of the
                message list shows its subject (performance.now() from the
                navigation's start, seen by a MutationObserver); --runs times.
  size          the JS and CSS the cold load fetched (Resource Timing), and
                their sizes compressed here with gzip -9 and brotli -q 11:
                the embedded build is served precompressed, --web-dir serves
                files as they are, so the transferred size is computed.
  open folder   from an empty folder, a click on the INBOX until its first
                page shows (in the page, click to the first row with a
                subject); --opens times, after one untimed.
  scroll        the INBOX list scrolled by 20 rows per animation frame down
                --scroll-rows rows; every requestAnimationFrame delta and
                every long task (PerformanceObserver 'longtask') recorded;
                then the time until the rows in view have their subjects.

Aims (issue 11): cold load < 500 ms to the first list; JS + CSS < 150 KB
compressed; the 100,000-message folder < 300 ms to its first page; no frame
over 50 ms while scrolling 10,000 rows. Not a timed test: prints the
figures and the aims and writes JSON (--json).

Only 127.0.0.1; the server is started here and stopped by PID; the work
folder is removed at the end unless --keep.

Usage:
        python3 bench/webapp_bench.py                       # 100,000 messages (about 5 minutes)
        python3 bench/webapp_bench.py --messages 10000 --json bench/results/webapp-10k.json
"""

import argparse
import datetime
import gzip
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import HOST, BenchError, log  # noqa: E402
import jmap_bench  # noqa: E402
from jmap_bench import Estafeta, Folder, load_estafeta  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
WEB = os.path.join(ROOT, "web")
E2E = os.path.join(ROOT, "tests", "webapp")
CHROMIUM = "/usr/bin/chromium"
LOGIN, PASSWORD = "bench@demo.example", "the bench user's long password"
AIMS = {"cold_load_ms": 500, "js_css_compressed_kb": 150, "open_folder_ms": 300, "frame_ms": 50}

# The browser side: one Node process, playwright-core from tests/webapp, JSON on stdout's last line.
DRIVER = r"""
import { createRequire } from "node:module";
const require = createRequire(process.env.E2E + "/package.json");
const { chromium } = require("playwright-core");
const base = process.env.BASE, runs = Number(process.env.RUNS), opens = Number(process.env.OPENS);
const scrollRows = Number(process.env.SCROLL_ROWS);
const FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"];
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM, args: FLAGS, headless: true });
const view = { viewport: { width: 1280, height: 860 }, locale: "en-US" };
const FIRST = "() => document.querySelector('.row[data-email] .subject')?.textContent";
const out = { cold: [], resources: null, opens: [], scroll: null };
/** Waits for `fn` in the page; on a timeout, says what the page shows and which API requests it made. */
async function waitFor(page, fn, what) {
  try {
    await page.waitForFunction(fn, null, { timeout: 90000 });
  } catch (e) {
    await page.screenshot({ path: process.env.WORKDIR + "/timeout.png" }).catch(() => {});
    const shows = await page.evaluate(() => document.querySelector(".list-status")?.textContent + " | " + document.body.innerText.slice(0, 300)).catch(() => "?");
    throw new Error(`${what}: not within 90 s; the page shows: ${shows}; API requests: ${JSON.stringify(await page.evaluate(API).catch(() => null))}`);
  }
}
// The app's API requests so far, slowest first (what a slow first list waited for).
const API = () => performance.getEntriesByType("resource").filter((e) => /\/(jmap|api)\//.test(e.name))
  .map((e) => ({ path: new URL(e.name).pathname, start_ms: Math.round(e.startTime), ms: Math.round(e.duration) })).sort((a, b) => b.ms - a.ms).slice(0, 8);
try {
  let ctx = await browser.newContext(view);
  let page = await ctx.newPage();
  await page.goto(base + "/");
  await page.fill("input[name=login]", process.env.LOGIN);
  await page.fill("input[name=password]", process.env.PASSWORD);
  await page.click("form button[type=submit]");
  const loginAt = Date.now();
  await waitFor(page, FIRST, "the first list after logging in");
  out.login_to_first_list_ms = Date.now() - loginAt;
  out.login_requests = await page.evaluate(API);
  await ctx.close();

  for (let i = 0; i < runs; i++) {
    // A fresh context (empty cache) with a session of its own, made through the account API.
    ctx = await browser.newContext(view);
    const login = await ctx.request.post(base + "/api/v1/session", { data: { login: process.env.LOGIN, password: process.env.PASSWORD } });
    if (login.status() !== 200) throw new Error("POST /api/v1/session: " + login.status() + " " + (await login.text()));
    page = await ctx.newPage();
    await page.addInitScript(() => {
      new MutationObserver((_, o) => {
        if (document.querySelector(".row[data-email] .subject")?.textContent) { window.__firstList = performance.now(); o.disconnect(); }
      }).observe(document, { childList: true, subtree: true, characterData: true });
    });
    await page.goto(base + "/");
    await waitFor(page, () => window.__firstList, "the first list of a cold load");
    const r = await page.evaluate(() => {
      const nav = performance.getEntriesByType("navigation")[0];
      return {
        first_list_ms: window.__firstList, dom_content_loaded_ms: nav.domContentLoadedEventEnd, load_ms: nav.loadEventEnd,
        resources: performance.getEntriesByType("resource").map((e) => ({ name: e.name, type: e.initiatorType, transfer: e.transferSize, body: e.encodedBodySize, ms: e.duration })),
      };
    });
    out.cold.push({ first_list_ms: r.first_list_ms, dom_content_loaded_ms: r.dom_content_loaded_ms, load_ms: r.load_ms, api: await page.evaluate(API) });
    out.resources = r.resources;
    if (i < runs - 1) await ctx.close();
  }

  // Open the big INBOX from an empty folder, timed in the page from the click to its first row.
  const other = (await page.$("[role=treeitem][data-role=drafts]")) ? "drafts" : "trash";
  const open = (role) => page.evaluate((role) => new Promise((resolve, reject) => {
    const t0 = performance.now();
    const done = () => document.querySelector(`[role=treeitem][data-role=${role}].selected`) &&
      (role !== "inbox" ? !document.querySelector(".row[data-email]") : !!document.querySelector(".row[data-email] .subject")?.textContent);
    const o = new MutationObserver(() => { if (done()) { o.disconnect(); resolve(performance.now() - t0); } });
    o.observe(document.body, { childList: true, subtree: true, characterData: true, attributes: true });
    setTimeout(() => { o.disconnect(); reject(new Error("no first page of " + role + " within 30 s")); }, 30000);
    document.querySelector(`[role=treeitem][data-role=${role}]`).click();
  }), role);
  for (let i = 0; i <= opens; i++) {
    await open(other);
    await page.waitForTimeout(200);
    const ms = await open("inbox");
    if (i > 0) out.opens.push(ms);
    await page.waitForTimeout(200);
  }

  // Scroll the INBOX down scrollRows rows, 20 rows per frame; rAF deltas and long tasks.
  await page.waitForTimeout(500);
  out.scroll = await page.evaluate((rows) => new Promise((resolve) => {
    const el = document.getElementById("message-list");
    const rowH = document.querySelector(".row[data-email]").getBoundingClientRect().height;
    const target = Math.min(rows * rowH, el.scrollHeight - el.clientHeight);
    const deltas = [], long = [];
    const po = new PerformanceObserver((l) => long.push(...l.getEntries().map((e) => e.duration)));
    po.observe({ type: "longtask" });
    let last = null;
    const t0 = performance.now();
    const frame = () => {
      const now = performance.now();
      if (last !== null) deltas.push(now - last);
      last = now;
      if (el.scrollTop >= target - 1) {
        const stopped = performance.now();
        // The rows in view get their data once scrolling settles.
        const filled = () => [...el.querySelectorAll(".row")].filter((r) => r.getBoundingClientRect().bottom > el.getBoundingClientRect().top && r.getBoundingClientRect().top < el.getBoundingClientRect().bottom).every((r) => r.querySelector(".subject")?.textContent);
        const wait = () => {
          if (filled() || performance.now() - stopped > 10000) {
            po.disconnect();
            resolve({ rows_scrolled: Math.round(el.scrollTop / rowH), row_height: rowH, frames: deltas.length, scroll_ms: stopped - t0,
              frame_deltas: deltas, long_tasks: long, rows_filled_after_stop_ms: performance.now() - stopped, filled: filled() });
          } else requestAnimationFrame(wait);
        };
        requestAnimationFrame(wait);
        return;
      }
      el.scrollTop = Math.min(target, el.scrollTop + 20 * rowH);
      requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  }), scrollRows);
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(out) + "\n");
"""


def vite_build(out):
    vite = os.path.join(WEB, "node_modules", ".bin", "vite")
    if not os.path.exists(vite):
        raise BenchError("web/node_modules is missing: run scripts/setup.sh")
    r = subprocess.run([vite, "build", "--logLevel", "warn", "--outDir", out, "--emptyOutDir"], cwd=WEB,
                       capture_output=True, text=True, timeout=300)
    if r.returncode != 0:
        raise BenchError("vite build failed:\n%s\n%s" % (r.stdout, r.stderr))


def compressed(path):
    with open(path, "rb") as f:
        data = f.read()
    br = subprocess.run(["brotli", "-c", "-q", "11", path], capture_output=True, timeout=60, check=True).stdout
    return {"raw": len(data), "gzip": len(gzip.compress(data, 9)), "brotli": len(br)}


def sizes(dist, resources):
    """The JS and CSS a cold load fetched, compressed; and every JS/CSS file of the build."""
    loaded = {}
    for r in resources:
        path = r["name"].split("://", 1)[-1].split("/", 1)[-1].split("?")[0]
        if path.endswith((".js", ".css")) and os.path.exists(os.path.join(dist, path)):
            loaded[path] = dict(compressed(os.path.join(dist, path)), transferred=r["transfer"])
    every = {}
    for d, _, files in os.walk(dist):
        for f in files:
            if f.endswith((".js", ".css")):
                p = os.path.join(d, f)
                every[os.path.relpath(p, dist)] = compressed(p)
    total = lambda xs, k: sum(x[k] for x in xs.values())  # noqa: E731
    return {"cold_load_files": loaded,
            "cold_load": {k: total(loaded, k) for k in ("raw", "gzip", "brotli", "transferred")},
            "whole_build": {k: total(every, k) for k in ("raw", "gzip", "brotli")}, "build_files": len(every)}


def admin(est, binary, *args, stdin=None):
    r = subprocess.run([binary, "admin", "--config", est.config, "--json", *args], input=stdin, capture_output=True,
                       text=True, timeout=60)
    if r.returncode != 0:
        raise BenchError("estafeta admin %s: %s %s" % (" ".join(args), r.stdout, r.stderr))


def stats(xs):
    return {"n": len(xs), "median": round(statistics.median(xs), 1), "min": round(min(xs), 1),
            "max": round(max(xs), 1)} if xs else None


def run(args, workdir, results):
    dist = os.path.join(workdir, "dist")
    t = time.monotonic()
    vite_build(dist)
    log("vite build in %.1f s" % (time.monotonic() - t))
    t = time.monotonic()
    folder = Folder(args.messages, args.seed)
    log("%d messages made in %.1f s" % (args.messages, time.monotonic() - t))
    est = Estafeta(args.binary, workdir)
    results["_server"] = est
    est.stop()
    admin(est, args.binary, "user", "create", "--org", "Demo", "--login", LOGIN, "--name", "Bench",
          "--password-stdin", stdin=PASSWORD + "\n")
    admin(est, args.binary, "access", "grant", jmap_bench.USER, LOGIN)
    est.argv += ["--web-dir", dist]
    est.start()
    log("Estafeta pid %d: http 127.0.0.1:%d, --web-dir %s" % (est.pid, est.http, dist))
    c, load = load_estafeta(est, folder, args.index_timeout, 0)
    c.s.close()
    load.pop("curve", None)
    results["load"] = load

    env = dict(os.environ, E2E=E2E, BASE="http://%s:%d" % (HOST, est.http), RUNS=str(args.runs),
               OPENS=str(args.opens), SCROLL_ROWS=str(args.scroll_rows), LOGIN=LOGIN, PASSWORD=PASSWORD,
               CHROMIUM=CHROMIUM, NODE_NO_WARNINGS="1", WORKDIR=workdir)
    log("Chromium: %d cold loads, %d folder opens, %d rows scrolled" % (args.runs, args.opens, args.scroll_rows))
    r = subprocess.run(["node", "--input-type=module", "-"], input=DRIVER, cwd=E2E, env=env, capture_output=True,
                       text=True, timeout=900)
    if r.returncode != 0:
        raise BenchError("the browser driver failed (%d):\n%s\n%s" % (r.returncode, r.stdout[-2000:], r.stderr[-4000:]))
    b = json.loads(r.stdout.strip().splitlines()[-1])
    s = b["scroll"]
    deltas = s.pop("frame_deltas")
    ordered = sorted(deltas)
    results.update({
        "login_to_first_list_ms": b.get("login_to_first_list_ms"), "login_requests": b.get("login_requests"),
        "cold_load": {"first_list_ms": stats([x["first_list_ms"] for x in b["cold"]]),
                      "dom_content_loaded_ms": stats([x["dom_content_loaded_ms"] for x in b["cold"]]), "runs": b["cold"]},
        "size": sizes(dist, b["resources"]),
        "open_folder_ms": dict(stats(b["opens"]), all=[round(x, 1) for x in b["opens"]]),
        "scroll": dict(s, frame_ms={"median": round(statistics.median(deltas), 1),
                                    "p99": round(ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))], 1),
                                    "max": round(max(deltas), 1)},
                       frames_over_50ms=sum(1 for d in deltas if d > 50), long_tasks=len(s["long_tasks"]),
                       longest_task_ms=round(max(s["long_tasks"], default=0), 1)),
    })
    results["scroll"].pop("long_tasks_list", None)


def report(res, args):
    kb = lambda n: n / 1024.0  # noqa: E731
    cl, sz, op, sc = res["cold_load"], res["size"]["cold_load"], res["open_folder_ms"], res["scroll"]
    print()
    print("Web app, %d messages in the INBOX, release binary with --web-dir, Chromium %s, loopback" % (
        args.messages, res.get("chromium", "?")))
    print("%-52s %12s %12s" % ("", "measured", "aim"))
    print("%-52s %9.0f ms %9s ms" % ("cold load to the first message list (median of %d)" % cl["first_list_ms"]["n"],
                                     cl["first_list_ms"]["median"], "< %d" % AIMS["cold_load_ms"]))
    print("%-52s %9.1f KB %9s KB" % ("JS + CSS of the cold load, brotli -q 11", kb(sz["brotli"]),
                                     "< %d" % AIMS["js_css_compressed_kb"]))
    print("%-52s %9.1f KB" % ("  the same, gzip -9", kb(sz["gzip"])))
    print("%-52s %9.1f KB" % ("  the same, uncompressed (as --web-dir sends it)", kb(sz["raw"])))
    print("%-52s %9.0f ms %9s ms" % ("open the INBOX to its first page (median of %d)" % op["n"], op["median"],
                                     "< %d" % AIMS["open_folder_ms"]))
    print("%-52s %9.0f ms" % ("  the slowest of them", op["max"]))
    print("%-52s %9.1f ms %9s ms" % ("scroll %d rows: the longest frame" % sc["rows_scrolled"], sc["frame_ms"]["max"],
                                     "< %d" % AIMS["frame_ms"]))
    print("%-52s %9.1f ms" % ("  frame p99 (%d frames)" % sc["frames"], sc["frame_ms"]["p99"]))
    print("%-52s %12d" % ("  frames over 50 ms", sc["frames_over_50ms"]))
    print("%-52s %12d" % ("  long tasks (> 50 ms)", sc["long_tasks"]))
    print("%-52s %9.0f ms" % ("  rows in view filled after the scroll stopped", sc["rows_filled_after_stop_ms"]))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--binary", default=os.path.join(ROOT, "build-release", "estafeta"))
    p.add_argument("--messages", type=int, default=100000, help="messages in the INBOX (default 100,000)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--runs", type=int, default=5, help="cold loads (default 5)")
    p.add_argument("--opens", type=int, default=10, help="timed folder opens (default 10)")
    p.add_argument("--scroll-rows", type=int, default=10000)
    p.add_argument("--index-timeout", type=float, default=600, help="seconds to wait for the text index")
    p.add_argument("--json", default=None, help="write the results here")
    p.add_argument("--keep", action="store_true", help="keep the work folder")
    args = p.parse_args(argv)
    for what, path in (("chromium", CHROMIUM), ("brotli", shutil.which("brotli")), ("node", shutil.which("node")),
                       ("tests/webapp/node_modules", os.path.join(E2E, "node_modules", "playwright-core"))):
        if not path or not os.path.exists(path):
            print("%s is missing" % what, file=sys.stderr)
            return 2
    workdir = tempfile.mkdtemp(prefix="webappbench-")
    results, aborted = {}, None
    try:
        v = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True, timeout=30).stdout.strip()
        results["chromium"] = v.split()[1] if v else "?"
        run(args, workdir, results)
        report(results, args)
    except (BenchError, subprocess.TimeoutExpired) as e:
        aborted = str(e)
        print("aborted: %s" % e, file=sys.stderr)
    finally:
        est = results.pop("_server", None)
        if est is not None:
            est.stop()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            log("work folder kept: %s" % workdir)
    if args.json:
        out = {"date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
               "machine": {"cores": os.cpu_count(), "kernel": platform.release()},
               "args": vars(args), "aims": AIMS, "results": results, "aborted": aborted}
        os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
        with open(args.json, "w") as f:
            json.dump(out, f, indent=2)
        print("results written to %s" % args.json)
    return 1 if aborted else 0


if __name__ == "__main__":
    sys.exit(main())
