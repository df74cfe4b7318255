#!/usr/bin/env python3
# run-bench.py — the benchmark driver behind `make bench` (bench/run-bench.sh)
#
# Copyright 2026 Kassa developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Runs every measurement of docs/benchmarks.md against a built tree, side by
# side with its baseline, and prints one table (measurement | Kassa | baseline
# | ratio | target | met?) followed by the raw numbers (median, p95, n). The
# same text, as markdown, goes to BUILDDIR/bench/results.md. Timing targets
# are reported, never asserted: the exit status is 0 unless something under
# measurement failed (a sale refused, a window that never appeared).
#
# Usage: bench/run-bench.py BUILDDIR [--quick] [--only PARTS] [--runs N]
#   PARTS: comma-separated charge,detect,cold,qr,journal,escpos (default: all)
#   --quick: fewer runs and a 100 000-invoice journal (a smoke run, not numbers)
#   The journal part fills three years of a busy shop (500 sales a day) and,
#   on the display harness, also times the cold start of kassa on it.
# Internal: --cold-start-only OUT.json runs the cold-start part; the driver
# runs itself that way under build-aux/with-display.sh (Xvfb + weston).

import argparse
import datetime
import json
import os
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

TERMINAL = "12345678"
AMOUNT = 1500
SRCDIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def log(message):
    print(message, file=sys.stderr, flush=True)


def progress(message, last):
    """One line rewritten in place; a newline after the last step."""
    print("\r" + message, end="\n" if last else "", file=sys.stderr, flush=True)


def die(message):
    log("run-bench: " + message)
    sys.exit(1)


def clean_env(extra=None):
    """The environment for every child: no proxy variables (everything is
    loopback), C.UTF-8, plus @extra. GIO's proxy resolver is left as the
    system has it: Kassa pays for it in a shop too."""
    env = {k: v for k, v in os.environ.items()
           if k.lower() not in ("http_proxy", "https_proxy", "all_proxy", "no_proxy")}
    env["LANG"] = "C.UTF-8"
    env["LC_ALL"] = "C.UTF-8"
    env.pop("LANGUAGE", None)
    if extra:
        env.update(extra)
    return env


def scratch_dir(build):
    """A temporary folder in the build tree: journals must be on a real disk
    (fsync is the cost being measured), and /tmp may be a tmpfs."""
    parent = os.path.join(build, "bench")
    os.makedirs(parent, exist_ok=True)
    return tempfile.TemporaryDirectory(prefix="tmp-", dir=parent)


# ── statistics ──────────────────────────────────────────────────────────

def percentile(values, pct):
    """Nearest-rank percentile (as bench-bank.c)."""
    ordered = sorted(values)
    rank = max(1, -(-pct * len(ordered) // 100))
    return ordered[rank - 1]


class Series:
    """Samples in milliseconds (or another unit) with a name."""

    def __init__(self, name, values, unit="ms"):
        self.name = name
        self.values = list(values)
        self.unit = unit

    @property
    def median(self):
        return statistics.median(self.values)

    @property
    def p95(self):
        return percentile(self.values, 95)


def fmt(value, unit):
    if value is None:
        return "—"
    if unit == "ms":
        if value >= 100:
            return f"{value:.0f} ms"
        if value >= 10:
            return f"{value:.1f} ms"
        return f"{value:.2f} ms"
    if unit == "MiB":
        return f"{value:.1f} MiB"
    if unit == "/min":
        return f"{value:.1f} /min"
    return f"{value:g} {unit}"


# ── the simulator ────────────────────────────────────────────────────────

class Simulator:
    def __init__(self, build, workdir):
        self.secret_file = os.path.join(workdir, "secret")
        with open(self.secret_file, "w") as f:
            f.write(secrets.token_hex(16) + "\n")
        os.chmod(self.secret_file, 0o600)
        self.process = subprocess.Popen(
            [os.path.join(build, "src", "sim", "kassa-bank-sim"), "--port", "0",
             "--terminal", TERMINAL, "--secret-file", self.secret_file],
            stdout=subprocess.PIPE, env=clean_env(), text=True)
        self.url = self.process.stdout.readline().strip()
        if not self.url.startswith("http://127.0.0.1:"):
            self.process.kill()
            die(f"kassa-bank-sim did not start (it said {self.url!r})")

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)


# ── charge to QR: kassa-ctl sale vs curl ─────────────────────────────────

def ctl_base(build, sim, journal):
    return [os.path.join(build, "src", "ctl", "kassa-ctl"), "--journal", journal,
            "--url", sim.url, "--terminal", TERMINAL, "--secret-file", sim.secret_file]


def time_ctl_sale(build, sim, journal):
    """Seconds from exec until kassa-ctl prints the AWAITING_PAYMENT line with
    the QR payload; returns (seconds, invoice, payload)."""
    argv = ctl_base(build, sim, journal)
    argv[1:1] = ["sale", str(AMOUNT)]
    start = time.perf_counter()
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env=clean_env(), text=True)
    elapsed = None
    invoice = payload = None
    for line in process.stdout:
        state = json.loads(line)
        if state.get("state") == "AWAITING_PAYMENT" and state.get("desc"):
            elapsed = time.perf_counter() - start
            invoice, payload = state["invoice"], state["desc"]
            break
    rest, err = process.communicate(timeout=30)
    if elapsed is None or process.returncode != 0:
        die(f"kassa-ctl sale failed (exit {process.returncode}): {err.strip()}")
    return elapsed, invoice, payload


def cancel_ctl_sale(build, sim, journal, invoice):
    """Untimed: leaves the journal with nothing unfinished, so the next run
    does not start by recovering this invoice."""
    argv = ctl_base(build, sim, journal)
    argv[1:1] = ["cancel", invoice]
    done = subprocess.run(argv, capture_output=True, env=clean_env(), text=True, timeout=30)
    if done.returncode != 0:
        die(f"kassa-ctl cancel {invoice} failed: {done.stderr.strip()}")


def time_curl(sim, body):
    argv = ["curl", "-sS", "-X", "POST", "-H", "Content-Type: application/json",
            "--data-binary", body, sim.url + "/pos/invoice/qr"]
    start = time.perf_counter()
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env=clean_env(), text=True)
    out, err = process.communicate(timeout=30)
    elapsed = time.perf_counter() - start
    if process.returncode != 0:
        die(f"curl failed: {err.strip()}")
    reply = json.loads(out)
    desc = reply.get("body", {}).get("response", {}).get("desc")
    if reply.get("header", {}).get("code") != 200 or not desc:
        die(f"the simulator refused curl's request: {out}")
    return elapsed


def bench_charge(build, sim, workdir, runs, results):
    if shutil.which("curl") is None:
        die("curl is missing: ./build-aux/install-deps.sh --test installs it")
    journal = os.path.join(workdir, "charge.sqlite")
    # As long as a journal's numbers: K + date + "-" + 6 characters.
    today = datetime.datetime.now(datetime.timezone.utc).strftime("%y%m%d")

    def series(tag, journal_for, label):
        """runs (+3 untimed: the journal is created, caches are warm) sales, each
        cancelled untimed, alternating with curl; journal_for(i) is run i's journal."""
        done = subprocess.run(
            [os.path.join(build, "bench", "kassa-bench"), "body", "--secret-file",
             sim.secret_file, "--terminal", TERMINAL,
             "--prefix", f"K{today}-{tag}{secrets.token_hex(3)[:5]}", "--amount", str(AMOUNT),
             "--runs", str(runs + 3)],
            capture_output=True, env=clean_env(), text=True)
        if done.returncode != 0:
            die("kassa-bench body: " + done.stderr.strip())
        bodies = [line.split("\t", 1)[1] for line in done.stdout.splitlines()]
        ctl, curl = [], []
        payload = None
        for i in range(runs + 3):
            path = journal_for(i)
            elapsed, invoice, payload = time_ctl_sale(build, sim, path)
            cancel_ctl_sale(build, sim, path, invoice)
            curl_elapsed = time_curl(sim, bodies[i])
            if i >= 3:
                ctl.append(elapsed * 1000)
                curl.append(curl_elapsed * 1000)
            progress(f"  {label}: {i + 1}/{runs + 3}", i == runs + 2)
        return ctl, curl, payload

    ctl, curl, results["payload"] = series("c", lambda i: journal, "charge to QR")
    results["charge-ctl"] = Series("kassa-ctl sale → QR line", ctl)
    results["charge-curl"] = Series("curl POST /pos/invoice/qr", curl)

    # The same on a fresh journal each time: kassa-ctl creates it (schema and all).
    ctl, curl, _ = series("f", lambda i: os.path.join(workdir, f"fresh-{i}.sqlite"),
                          "charge to QR, fresh journal")
    results["charge-ctl-fresh"] = Series("kassa-ctl sale → QR line, fresh journal", ctl)
    results["charge-curl-fresh"] = Series("curl POST /pos/invoice/qr", curl)

    bench_ctl_start(build, journal, max(runs, 30) * 3, results)


# ── kassa-ctl start: pending vs gdbus help ───────────────────────────────

def time_run(argv):
    start = time.perf_counter()
    done = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          env=clean_env(), text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        die(f"{' '.join(argv)} failed (exit {done.returncode}): {done.stderr.strip()}")
    return elapsed


def bench_ctl_start(build, journal, runs, results):
    """Process start to exit of `kassa-ctl pending` on the charge journal (which
    holds the runs' cancelled sales), against `gdbus help` (GLib + GIO, nothing
    more): what any GLib command-line tool pays. Interleaved, so a load change
    hits both."""
    if shutil.which("gdbus") is None:
        die("gdbus is missing (libglib2.0-bin)")
    pending = [os.path.join(build, "src", "ctl", "kassa-ctl"), "pending", "--journal", journal]
    ctl, gdbus = [], []
    for i in range(runs + 5):
        c = time_run(pending)
        g = time_run(["gdbus", "help"])
        if i >= 5:
            ctl.append(c * 1000)
            gdbus.append(g * 1000)
        progress(f"  kassa-ctl pending vs gdbus help: {i + 1}/{runs + 5}", i == runs + 4)
    results["ctl-pending"] = Series("kassa-ctl pending, start → exit", ctl)
    results["ctl-gdbus"] = Series("gdbus help, start → exit", gdbus)


# ── the C measurements ───────────────────────────────────────────────────

LABELS = {
    "detect-poll": "POST /sim/pay → PAID, polling",
    "detect-push": "POST /sim/pay → PAID, push",
    "qr-encode": "KassaQrMatrix encode",
    "qr-encode-render": "encode + cairo render 1080 × 1080",
    "journal-create": "kassa_journal_create_invoice",
    "journal-move": "kassa_journal_move → PAID",
    "journal-open-1m": "kassa_journal_open + close (closed cleanly before)",
    "upgrade-open": "first open of a v4 journal (migration to v5)",
    "trim-step": "kassa_journal_trim_step (50 invoices of a v4 journal)",
    "history-day": "model + first page, yesterday",
    "history-month": "model + first page, 30 days",
    "history-month-last-page": "model + last page, 30 days",
    "history-all": "model + first page, everything",
    "history-search": "model + first page, text search",
    "settle-begin": "kassa_journal_begin_settlement",
    "settle-totals": "begin + finish + to_json",
    "report-pdf": "kassa_report_write_pdf",
    "report-csv": "kassa_report_write_csv",
    "escpos-receipt-80mm": "kassa_escpos_print_receipt, 576 dots, into memory",
    "escpos-paid": "print queue: paid → last byte at a loopback printer that answers DLE EOT",
    "escpos-paid-silent": "the same, a printer that never answers DLE EOT (after its first job)",
}


def run_kassa_bench(build, args, results, prefix=""):
    argv = [os.path.join(build, "bench", "kassa-bench")] + args
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, env=clean_env(), text=True)
    for line in process.stdout:
        line = line.strip()
        if not line.startswith("{"):
            continue
        item = json.loads(line)
        if "samples" in item:
            results[prefix + item["name"]] = Series(LABELS.get(item["name"], item["name"]),
                                                    [us / 1000 for us in item["samples"]])
        else:
            results[prefix + item["name"]] = item["value"]
    process.wait()
    if process.returncode != 0:
        die(f"kassa-bench {args[0]} failed (exit {process.returncode})")


def bench_detect(build, sim, runs, window, results):
    run_kassa_bench(build, ["detect", "--dir", os.path.join(build, "bench"),
                            "--url", sim.url, "--terminal", TERMINAL,
                            "--secret-file", sim.secret_file, "--runs", str(runs),
                            "--window", str(window)], results)


def bench_qr(build, payload, runs, results):
    png = os.path.join(build, "bench", "qr-1080.png")
    run_kassa_bench(build, ["qr", "--payload", payload, "--runs", str(runs), "--png", png],
                    results)
    # The benchmark must have drawn a QR code that reads back as the payload.
    if shutil.which("zbarimg"):
        done = subprocess.run(["zbarimg", "--raw", "-q", "-Sbinary", png], capture_output=True)
        decoded = done.stdout.rstrip(b"\n").decode("utf-8", "replace")
        results["qr-decoded"] = decoded == payload
        if decoded != payload:
            die(f"the rendered QR code ({png}) does not decode to the payload")


def bench_escpos(build, runs, results):
    run_kassa_bench(build, ["escpos", "--runs", str(runs)], results)


PER_DAY = 500  # a busy shop: the benchmark journal holds three years of it


def bench_journal(build, runs, invoices, results):
    """Returns the path of the big journal, kept for the cold start on it."""
    folder = os.path.join(build, "bench", "journals")
    shutil.rmtree(folder, ignore_errors=True)
    run_kassa_bench(build, ["journal", "--dir", folder, "--runs", str(runs),
                            "--invoices", str(invoices), "--per-day", str(PER_DAY),
                            "--keep"], results)
    return os.path.join(folder, "million.sqlite")


# ── cold start (runs inside build-aux/with-display.sh) ───────────────────

WL_LINE = re.compile(r"^\[\s*(\d+)\.(\d{3})\]\s+(->\s+)?(\S+?)@(\d+)\.(\w+)\((.*)\)\s*$")


class MapWatch:
    """Reads a WAYLAND_DEBUG=client log as it grows. mapped is the (32-bit,
    wrapping) wall-clock µs of the first commit of a buffer to the surface of
    the toplevel titled @title, once that has happened."""

    def __init__(self, log_path, title):
        self.log_path = log_path
        self.titles = {json.dumps(title, ensure_ascii=False), f'"{title}"'}
        self.offset = 0
        self.partial = ""
        self.xdg_to_surface, self.toplevel_to_xdg = {}, {}
        self.titled, self.with_buffer = set(), set()
        self.mapped = None

    def poll(self):
        try:
            with open(self.log_path, "r", errors="replace") as f:
                f.seek(self.offset)
                chunk = f.read()
                self.offset = f.tell()
        except FileNotFoundError:
            return None
        lines = (self.partial + chunk).split("\n")
        self.partial = lines.pop()
        for line in lines:
            if self.mapped is None:
                self.line(line)
        return self.mapped

    def line(self, line):
        m = WL_LINE.match(line)
        if not m or not m.group(3):          # requests only ("-> ")
            return
        stamp = int(m.group(1)) * 1000 + int(m.group(2))
        iface, oid, request, args = m.group(4), m.group(5), m.group(6), m.group(7)
        if iface == "xdg_wm_base" and request == "get_xdg_surface":
            ids = re.findall(r"(\w+)@(\d+)", args)
            self.xdg_to_surface[ids[0][1]] = ids[1][1]
        elif iface == "xdg_surface" and request == "get_toplevel":
            self.toplevel_to_xdg[re.findall(r"@(\d+)", args)[0]] = oid
        elif iface == "xdg_toplevel" and request == "set_title":
            if args.strip() in self.titles:
                surface = self.xdg_to_surface.get(self.toplevel_to_xdg.get(oid))
                if surface:
                    self.titled.add(surface)
        elif iface == "wl_surface" and request == "attach":
            if not args.startswith("nil"):
                self.with_buffer.add(oid)
        elif iface == "wl_surface" and request == "commit":
            if oid in self.titled and oid in self.with_buffer:
                self.mapped = stamp


def cold_start_once(argv, env, title, workdir, settle_s):
    """Exec → first frame of the window titled @title. Returns (ms, peak RSS MiB)."""
    log_path = os.path.join(workdir, "wayland.log")
    env = dict(env, WAYLAND_DEBUG="client")
    with open(log_path, "w") as errors:
        start_us32 = (time.time_ns() // 1000) & 0xFFFFFFFF
        process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=errors, env=env)
        deadline = time.monotonic() + 30
        watch = MapWatch(log_path, title)
        mapped = None
        exited = False
        # The time comes from the log line itself: polling only has to be
        # frequent enough not to stall the run, and cheap (two cores).
        while mapped is None and time.monotonic() < deadline:
            time.sleep(0.05)
            mapped = watch.poll()
            # Reaped here only if it died: then there is nothing to wait for.
            if mapped is None and process.poll() is not None:
                exited = True
                break
        if mapped is not None:
            # Peak RSS covers start-up and the first moments after it (recovery).
            time.sleep(settle_s)
        if not exited:
            process.send_signal(signal.SIGTERM)
            _, status, usage = os.wait4(process.pid, 0)
            process.returncode = status
    if mapped is None:
        with open(log_path, errors="replace") as f:
            tail = f.read()[-2000:]
        die(f"{argv[0]} never showed a window titled {title!r}; its stderr ends:\n{tail}")
    elapsed_us = (mapped - start_us32) & 0xFFFFFFFF
    return elapsed_us / 1000, usage.ru_maxrss / 1024


def cold_start_only(build, runs, out_path, journal=None):
    if not os.environ.get("WAYLAND_DISPLAY"):
        die("--cold-start-only runs under build-aux/with-display.sh")
    results = {"kassa": [], "kassa-rss": [], "min": [], "min-rss": [], "kassa-journal": []}
    with scratch_dir(build) as workdir:
        xdg = {name: os.path.join(workdir, name) for name in ("data", "config", "cache")}
        for path in xdg.values():
            os.makedirs(path, mode=0o700)
        env = clean_env({
            "GSETTINGS_SCHEMA_DIR": os.path.join(build, "data"),
            "GSETTINGS_BACKEND": "memory",
            "XDG_DATA_HOME": xdg["data"],
            "XDG_CONFIG_HOME": xdg["config"],
            "XDG_CACHE_HOME": xdg["cache"],
        })
        kassa = [os.path.join(build, "src", "kassa")]
        minimal = [os.path.join(build, "bench", "bench-min-window")]
        # One untimed start each: the training journal exists from then on, as
        # on every start of a till but its first; shared libraries are in the
        # page cache for both.
        # The same start on the big journal (KASSA_JOURNAL): Kassa quits on
        # SIGTERM like a log-out, so each start finds it closed cleanly.
        big_env = dict(env, KASSA_JOURNAL=journal) if journal else None
        for i in range(runs + 1):
            k_ms, k_rss = cold_start_once(kassa, env, "Kassa", workdir, 1.0)
            m_ms, m_rss = cold_start_once(minimal, env, "Kassa", workdir, 1.0)
            j_ms = cold_start_once(kassa, big_env, "Kassa", workdir, 1.0)[0] if big_env else None
            if i > 0:
                results["kassa"].append(k_ms)
                results["kassa-rss"].append(k_rss)
                results["min"].append(m_ms)
                results["min-rss"].append(m_rss)
                if j_ms is not None:
                    results["kassa-journal"].append(j_ms)
            big = f", 3-year journal {j_ms:.0f} ms" if j_ms is not None else ""
            log(f"  cold start: {i + 1}/{runs + 1} (kassa {k_ms:.0f} ms, minimal {m_ms:.0f} ms"
                f"{big})")
    with open(out_path, "w") as f:
        json.dump(results, f)


def bench_cold(build, runs, results, journal=None):
    with scratch_dir(build) as workdir:
        out = os.path.join(workdir, "cold.json")
        extra = ["--journal", journal] if journal else []
        done = subprocess.run(
            [os.path.join(SRCDIR, "build-aux", "with-display.sh"), sys.executable,
             os.path.abspath(__file__), build, "--cold-start-only", out, "--runs", str(runs)]
            + extra, stdout=sys.stderr, env=clean_env())
        if done.returncode != 0:
            die("the cold-start measurement failed")
        with open(out) as f:
            cold = json.load(f)
    results["cold-kassa"] = Series("kassa → cashier window", cold["kassa"])
    results["cold-min"] = Series("bench-min-window → window", cold["min"])
    results["rss-kassa"] = Series("kassa peak RSS", cold["kassa-rss"], "MiB")
    results["rss-min"] = Series("bench-min-window peak RSS", cold["min-rss"], "MiB")
    if cold["kassa-journal"]:
        results["cold-kassa-journal"] = Series("kassa → cashier window, 3-year journal",
                                               cold["kassa-journal"])


# ── the table ────────────────────────────────────────────────────────────

def build_table(r):
    """Rows: (measurement, kassa, baseline, ratio, target, met)."""
    rows = []

    def add(name, kassa, base, unit, target, met):
        ratio = f"{kassa / base:.2f}×" if kassa is not None and base else "—"
        met_text = "—" if met is None else ("yes" if met else "**no**")
        rows.append((name, fmt(kassa, unit), fmt(base, unit) if isinstance(base, (int, float))
                     else (base or "—"), ratio, target, met_text))

    if "charge-ctl" in r:
        k, c = r["charge-ctl"], r["charge-curl"]
        add("charge → QR payload, median", k.median, c.median, "ms", "≤ 1.2× curl + 2 ms",
            k.median <= 1.2 * c.median + 2)
        add("charge → QR payload, p95", k.p95, c.p95, "ms", "≤ 1.2× curl + 2 ms",
            k.p95 <= 1.2 * c.p95 + 2)
    if "charge-ctl-fresh" in r:
        k, c = r["charge-ctl-fresh"], r["charge-curl-fresh"]
        add("charge → QR payload, fresh journal, median", k.median, c.median, "ms",
            "≤ 1.2× curl + 2 ms", k.median <= 1.2 * c.median + 2)
    if "ctl-pending" in r:
        k, g = r["ctl-pending"], r["ctl-gdbus"]
        add("`kassa-ctl pending` start → exit, median (base: `gdbus help`)", k.median, g.median,
            "ms", "≤ 1.5× gdbus help", k.median <= 1.5 * g.median)
    if "detect-poll" in r:
        fast = r["poll-fast-ms"]
        for key, label in (("detect-poll", "polling (default schedule)"),):
            s = r[key]
            add(f"paid → PAID, {label}, median", s.median, None, "ms",
                f"≤ poll interval + 50 ms = {fast + 50:.0f} ms", s.median <= fast + 50)
            add(f"paid → PAID, {label}, p95", s.p95, None, "ms",
                f"≤ {fast + 50:.0f} ms", s.p95 <= fast + 50)
        s = r["detect-push"]
        add("paid → PAID, push, median", s.median, None, "ms", "≤ 50 ms", s.median <= 50)
        add("paid → PAID, push, p95", s.p95, None, "ms", "≤ 50 ms", s.p95 <= 50)
        slow = r["poll-slow-ms"]
        period = r["poll-fast-period-s"]
        expiry = r["expiry-s"]
        add(f"check requests/min, one pending invoice, first {period:.0f} s",
            r["requests-fast"], 60000 / fast, "/min", "— (schedule: ≤ 60000 / fast ms)", None)
        add(f"check requests/min, after {period:.0f} s", r["requests-slow"], 60000 / slow, "/min",
            "— (schedule: ≤ 60000 / slow ms)", None)
        whole = (period * 1000 / fast + (expiry - period) * 1000 / slow) / (expiry / 60)
        add(f"check requests/min over a {expiry / 60:.0f}-minute unpaid life (schedule)", whole,
            None, "/min", "—", None)
    if "cold-kassa" in r:
        k, m = r["cold-kassa"], r["cold-min"]
        add("cold start → first frame, median", k.median, m.median, "ms", "≤ 1.15×",
            k.median <= 1.15 * m.median)
        if "cold-kassa-journal" in r:
            j = r["cold-kassa-journal"]
            add("cold start, 3-year journal → first frame, median", j.median, m.median, "ms",
                "≤ 1.15×", j.median <= 1.15 * m.median)
            add("cold start, 3-year journal vs empty journal, median", j.median,
                r["cold-kassa"].median, "ms", "≤ 1.05× (unchanged)",
                j.median <= 1.05 * r["cold-kassa"].median)
        k, m = r["rss-kassa"], r["rss-min"]
        add("peak RSS, median", k.median, m.median, "MiB", "≤ 1.3×", k.median <= 1.3 * m.median)
    if "qr-encode-render" in r:
        s = r["qr-encode-render"]
        add("QR encode + render 1080 px, median", s.median, None, "ms", "≤ 2 ms", s.median <= 2)
        add("QR encode + render 1080 px, p95", s.p95, None, "ms", "≤ 2 ms", s.p95 <= 2)
    if "escpos-receipt-80mm" in r:
        s = r["escpos-receipt-80mm"]
        add("ESC/POS 80 mm receipt: layout + bands + encode, median", s.median, None, "ms",
            "≤ 100 ms", s.median <= 100)
        add("ESC/POS 80 mm receipt, p95", s.p95, None, "ms", "≤ 100 ms", s.p95 <= 100)
    if "escpos-paid" in r:
        s = r["escpos-paid"]
        add("80 mm receipt, \"paid\" → last byte at the printer (TCP, print queue), median",
            s.median, None, "ms", "≤ 100 ms", s.median <= 100)
        add("80 mm receipt, \"paid\" → last byte, p95", s.p95, None, "ms", "≤ 100 ms",
            s.p95 <= 100)
        q = r["escpos-paid-silent"]
        add("80 mm receipt, \"paid\" → last byte, a printer that never reports its status, median",
            q.median, None, "ms", "≤ 100 ms", q.median <= 100)
        small, big = r["escpos-slip-20-heap"], r["escpos-slip-200-heap"]
        rows.append(("ESC/POS end-of-day slip, heap while streaming: 200 invoices "
                     f"(20 invoices: {small:.0f} KiB)", f"{big:.0f} KiB", "—", "—",
                     "bounded: not growing with the invoices", "yes" if big <= 2 * small + 256
                     else "**no**"))
    if "journal-move" in r:
        add("journal: durable state change (move), median", r["journal-move"].median, None, "ms",
            "—", None)
        add("journal: durable new invoice, median", r["journal-create"].median, None, "ms", "—",
            None)
        invoices = r.get("invoices", 0)
        years = invoices / PER_DAY / 365
        n = (f"{years:.0f} years × {PER_DAY}/day = {invoices:,}" if years >= 1
             else f"{invoices:,}")
        for key, label in (("history-day", "history: one day"),
                           ("history-month", "history: 30 days"),
                           ("history-month-last-page", "history: 30 days, last page"),
                           ("history-all", "history: everything"),
                           ("history-search", "history: text search")):
            s = r[key]
            add(f"{label} ({n} invoices), median", s.median, None, "ms", "≤ 500 ms",
                s.median <= 500)
        total = r["settle-totals"].median
        add(f"settlement: batch totals ({n} invoices)", total, None, "ms", "≤ 500 ms",
            total <= 500)
        docs = r["report-pdf"].median + r["report-csv"].median
        add(f"settlement: report PDF + CSV ({n} invoices)", docs, None, "ms", "≤ 500 ms",
            docs <= 500)
        s = r["journal-open-1m"]
        add(f"journal open ({n} invoices), median", s.median, None, "ms", "≤ 50 ms",
            s.median <= 50)
        add(f"journal open ({n} invoices), p95", s.p95, None, "ms", "≤ 50 ms", s.p95 <= 50)
        per_sale = r.get("journal-bytes-per-sale")
        if per_sale is not None:
            rows.append((f"journal size per sale ({r['journal-mb']:.0f} MB for {invoices:,})",
                         f"{per_sale:.0f} B", "—", "—", "— (docs/journal.md)", "—"))
        if "upgrade-open" in r:
            v4 = int(r["v4-invoices"])
            add(f"upgrade: first open of a v4 journal ({v4:,} invoices, "
                f"{int(r['v4-exchange-rows']):,} exchange rows)", r["upgrade-open"].median, None,
                "ms", "≤ 50 ms (trimming waits)", r["upgrade-open"].median <= 50)
            t = r["trim-step"]
            add("upgrade: one trim step (50 invoices), p95", t.p95, None, "ms",
                "≤ 50 ms (one main-loop turn)", t.p95 <= 50)
            whole = r["trim-total-s"] / v4 * invoices
            rows.append((f"upgrade: trimming a {n}-invoice v4 journal (projected from "
                         f"{v4:,}: {int(r['v4-exchange-rows']):,} → "
                         f"{int(r['v5-exchange-rows']):,} rows)", f"{whole / 60:.1f} min",
                         "—", "—", "— (in the background)", "—"))
    return rows


def render(rows, results, context):
    out = []
    out.append(f"Kassa benchmarks — {context}")
    out.append("")
    header = ("measurement", "Kassa", "baseline", "ratio", "target", "met?")
    out.append("| " + " | ".join(header) + " |")
    out.append("|" + "|".join(["---"] * len(header)) + "|")
    for row in rows:
        out.append("| " + " | ".join(row) + " |")
    out.append("")
    out.append("Raw numbers:")
    out.append("")
    out.append("| series | unit | n | median | p95 | min | max |")
    out.append("|---|---|---|---|---|---|---|")
    for key, value in results.items():
        if isinstance(value, Series):
            v = value
            out.append(f"| {key}: {v.name} | {v.unit} | {len(v.values)} | {v.median:.3f} | "
                       f"{v.p95:.3f} | {min(v.values):.3f} | {max(v.values):.3f} |")
    extras = [(k, v) for k, v in results.items()
              if not isinstance(v, Series) and k not in ("payload",)]
    if extras:
        out.append("")
        out.append("Other values: " + ", ".join(f"{k} = {v}" for k, v in extras))
    return "\n".join(out) + "\n"


def build_context(build):
    try:
        options = json.loads(subprocess.run(["meson", "introspect", "--buildoptions", build],
                                            capture_output=True, text=True).stdout)
        buildtype = next(o["value"] for o in options if o["name"] == "buildtype")
    except (ValueError, StopIteration):
        buildtype = "unknown"
    load = os.getloadavg()[0]
    return (f"{datetime.datetime.now().strftime('%Y-%m-%d %H:%M')}, build `{build}` "
            f"(buildtype {buildtype}), {os.cpu_count()} CPUs, load average {load:.2f} at the end")


# ── main ─────────────────────────────────────────────────────────────────

def main():
    parser = argparse.ArgumentParser(description="Kassa benchmarks (docs/benchmarks.md)")
    parser.add_argument("build")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", default="charge,detect,cold,qr,journal,escpos")
    parser.add_argument("--runs", type=int)
    parser.add_argument("--invoices", type=int)
    parser.add_argument("--cold-start-only", metavar="OUT")
    parser.add_argument("--journal", help=argparse.SUPPRESS)
    args = parser.parse_args()
    build = os.path.abspath(args.build)

    if args.cold_start_only:
        cold_start_only(build, args.runs or 10, args.cold_start_only, args.journal)
        return

    parts = set(args.only.split(","))
    unknown = parts - {"charge", "detect", "cold", "qr", "journal", "escpos"}
    if unknown:
        die("unknown part(s): " + ", ".join(sorted(unknown)))
    for binary in ("src/ctl/kassa-ctl", "src/sim/kassa-bank-sim", "bench/kassa-bench"):
        if not os.access(os.path.join(build, binary), os.X_OK):
            die(f"{build}/{binary} is missing: build first (meson compile -C {args.build})")

    quick = args.quick
    charge_runs = args.runs or (10 if quick else 30)
    detect_runs = args.runs or (5 if quick else 20)
    cold_runs = args.runs or (3 if quick else 10)
    invoices = args.invoices or (100000 if quick else 3 * 365 * PER_DAY)
    results = {}

    with scratch_dir(build) as workdir:
        sim = Simulator(build, workdir)
        try:
            if "charge" in parts:
                log("charge to QR: kassa-ctl sale vs curl, same simulator")
                bench_charge(build, sim, workdir, charge_runs, results)
            elif "qr" in parts:
                # Only for a real payload to encode.
                bench_charge(build, sim, workdir, 1, results)
                for key in ("charge-ctl", "charge-curl", "charge-ctl-fresh", "charge-curl-fresh",
                            "ctl-pending", "ctl-gdbus"):
                    del results[key]
            if "detect" in parts:
                log("payment detection: polling, push; check requests per minute")
                bench_detect(build, sim, detect_runs, 10 if quick else 20, results)
        finally:
            sim.stop()

    if "qr" in parts:
        log("QR encode + render at 1080 px")
        bench_qr(build, results["payload"], 200 if quick else 1000, results)
    if "escpos" in parts:
        log("ESC/POS: an 80 mm receipt; the heap of a 200-invoice slip")
        bench_escpos(build, 20 if quick else 100, results)
    big_journal = None
    if "journal" in parts:
        log(f"journal: durable moves; history and settlement over {invoices} invoices")
        results["invoices"] = invoices
        big_journal = bench_journal(build, args.runs or (3 if quick else 5), invoices, results)
    gui = os.access(os.path.join(build, "src", "kassa"), os.X_OK)
    if ("cold" in parts or big_journal) and not gui:
        log("cold start: skipped, the GTK front end is not built (-Dgui=false)")
    elif "cold" in parts or big_journal:
        log("cold start: kassa vs a minimal libadwaita window (Xvfb + weston)"
            + (", and kassa on the 3-year journal" if big_journal else ""))
        bench_cold(build, cold_runs, results, big_journal)
    if big_journal:
        shutil.rmtree(os.path.dirname(big_journal), ignore_errors=True)

    text = render(build_table(results), results, build_context(args.build))
    print()
    print(text)
    os.makedirs(os.path.join(build, "bench"), exist_ok=True)
    with open(os.path.join(build, "bench", "results.md"), "w") as f:
        f.write(text)
    log(f"written to {os.path.join(args.build, 'bench', 'results.md')}")


if __name__ == "__main__":
    main()
