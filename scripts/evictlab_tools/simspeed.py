"""Side-by-side speed of `evictlab simulate` and libCacheSim's `cachesim`.

    scripts/simspeed --cachesim PATH [options]

Issue 11 section 5: single-threaded replay, one cache size, whole-process
wall time, per policy, on two oracleGeneral traces any simulator can read:

  cloudphysics  ../shared's cloudPhysicsIO trace repeated 44 times
                (`evictlab generate repeat`), cache 512 MiB
  zipf          Zipf(1.0) over 10^6 objects of 4 KiB, 10^7 requests, seed 1
                (`evictlab generate zipf`), cache 10% = 409,600,000 bytes

Both files go in --traces-dir under names containing "oracleGeneral"
(cachesim's belady insists on that string in the path); a missing one is
generated with the lab's generator first.

How it measures, per (trace, policy):
- one warm-up run of each program, then --runs pairs, alternating
  lab, cachesim, lab, cachesim, ... (same minutes for both);
- each run is one process: `evictlab simulate --threads 1 --json -` and
  `cachesim TRACE oracleGeneral POLICY BYTES --num-thread 1` (run in a
  scratch directory, since cachesim writes result files into its cwd);
  wall time is time.perf_counter around spawn .. os.wait4, CPU time the
  child's user + sys from the rusage os.wait4 returns;
- requests/s = n_req / median wall time; the ratio lab/cachesim is taken
  pair by pair (cachesim wall / lab wall of the same pair) and reported as
  the median of the pair ratios, with their min and max;
- each program's own figure for its request loop is kept too (the lab's
  JSON "seconds", cachesim's printed "throughput ... MQPS"), so start-up
  and trace-reading time show as the difference.

Miss counts must be identical, on every run. The lab's come from its JSON.
cachesim's come from `COUNTS {json}` lines when the binary prints them (a
build patched to print exact counters): then n_req, n_req_byte, n_miss and
n_miss_byte must be equal. Otherwise from its printed line
"... N req, miss ratio 0.1234 ...": n_req must be equal and the lab's
n_miss / n_req, rounded to 4 decimals, must be the printed ratio. A mismatch
is printed loudly, marked in the table, and makes the exit status 1.

A policy cachesim does not know (upstream libCacheSim aborts with "do not
support algorithm mru") is reported as unsupported; with --cachesim-mru PATH
(e.g. a build with mru dispatched) that binary is used for mru only, and the
report says so.

Output: RUN_DIR/simspeed.json (the run's context: machine, CPU model,
commit, compiler flags of the lab's build; the traces and their sha256; the
command templates; every run's wall, user, sys and max RSS; the summaries)
and RUN_DIR/simspeed.md (the table: policy | trace | lab req/s | cachesim
req/s | ratio (median, min-max) | misses equal, then details). RUN_DIR
defaults to results/runs/<UTC stamp>_<git short sha>_simspeed/.

Options:
  --evictlab PATH      the lab's binary (default build/evictlab)
  --cachesim PATH      libCacheSim's cachesim (required)
  --cachesim-mru PATH  a cachesim that knows mru, used for mru only
  --runs N             timed pairs per cell (default 5)
  --policies LIST      comma-separated (default lru,fifo,clock,lfu,arc,
                       s3fifo,sieve,mru,belady)
  --traces LIST        cloudphysics,zipf (default both)
  --traces-dir DIR     where the traces are, or are generated (default
                       build/traces: git ignores it)
  --cloudphysics-source FILE
                       the trace repeated 44 times (default ../shared/traces/
                       libcachesim/cloudPhysicsIO.oracleGeneral.bin)
  --out RUN_DIR        where simspeed.json and simspeed.md go

Exit status: 0 every miss count equal and every command ran, 1 a mismatch,
a failed command or a failed trace generation, 2 usage.

Standard library only.
"""

import argparse
import contextlib
import dataclasses
import hashlib
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone

from . import context

PROG = "scripts/simspeed"
SCHEMA = "evictlab.simspeed/1"
REPO = context.REPO
DEFAULT_POLICIES = ("lru", "fifo", "clock", "lfu", "arc", "s3fifo", "sieve",
                    "mru", "belady")
DEFAULT_CLOUDPHYSICS = os.path.join(
    os.path.dirname(REPO), "shared", "traces", "libcachesim",
    "cloudPhysicsIO.oracleGeneral.bin")
TARGET_RATIO = 2.0
# cachesim's message (stderr) for an algorithm it has no init function for.
_UNSUPPORTED_RE = re.compile(r"do not support algorithm\s+(\S+)", re.I)
# cachesim's result line, either shape:
#   TRACE LRU cache size   128MiB,           113872 req, miss ratio 0.8200,
#       throughput 1.11 MQPS                             (one cache, sim.c)
#   result/TRACE      LRU cache size      128MiB, 113872 req, miss ratio
#       0.8200, byte miss ratio 0.9648                   (several, main.c)
_RESULT_RE = re.compile(
    r"(?P<name>\S+) cache size\s+(?P<size>\S+),\s+(?P<n_req>\d+) req, "
    r"miss ratio (?P<miss_ratio>[-+0-9.naif]+)"
    r"(?:, byte miss ratio (?P<byte_miss_ratio>[-+0-9.naif]+))?"
    r"(?:, throughput (?P<mqps>[-+0-9.naif]+) MQPS)?", re.I)
_COUNTS_PREFIX = "COUNTS "
_COUNT_KEYS = ("n_req", "n_req_byte", "n_miss", "n_miss_byte")


class ToolError(Exception):
    """A failure that ends the run with a message (exit 1)."""


@dataclasses.dataclass(frozen=True)
class Trace:
    """One trace of the speed table and how the lab regenerates it."""
    key: str
    label: str
    filename: str
    cache_size: int
    cache_label: str
    # Known sha256 of the file as issue 11's generator writes it (a
    # different one is reported, not fatal).
    sha256: str

    def generate_args(self, out, cloudphysics_source):
        """`evictlab generate ...` arguments that write this trace to out."""
        if self.key == "zipf":
            return ["generate", "zipf", "--objects", "1000000",
                    "--requests", "10000000", "--alpha", "1.0",
                    "--obj-size", "4096", "--seed", "1", "--out", out]
        return ["generate", "repeat", "--times", "44",
                "--format", "oraclegeneral", "--in", cloudphysics_source,
                "--out", out]


TRACES = {
    "cloudphysics": Trace(
        "cloudphysics", "cloudPhysics x44",
        "cloudphysics_x44.oracleGeneral.bin",
        512 * 1024 * 1024, "512 MiB",
        "3beac0e61ac9a98e6019b973cd335f7f7b33c3886b5bf3290dbd9d6bce4410fb"),
    "zipf": Trace(
        "zipf", "Zipf 1.0, 10^6 x 4 KiB, 10^7 req",
        "zipf1.0_1M_10M.oracleGeneral.bin", 409600000,
        "409,600,000 B (10%)",
        "9a7de0ad4a635858647f50e2eabbab3575325d7c3374578c54618a8576adf0ed"),
}


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------
# Commands and timed runs
# --------------------------------------------------------------------------

def lab_command(evictlab, trace, policy, cache_size):
    """The lab's command for one cell (one policy, one size, one thread)."""
    return [evictlab, "simulate", "--trace", trace, "--format",
            "oraclegeneral", "--policy", policy, "--cache-sizes",
            str(cache_size), "--threads", "1", "--json", "-"]


def cachesim_command(cachesim, trace, policy, cache_size):
    """cachesim's command for one cell (one algorithm, one size, one
    thread)."""
    return [cachesim, trace, "oracleGeneral", policy, str(cache_size),
            "--num-thread", "1"]


def run_timed(cmd, cwd=None):
    """Runs cmd to completion; returns {"wall_s", "user_s", "sys_s",
    "maxrss_kib", "returncode", "stdout", "stderr"}.

    Wall time is time.perf_counter from just before the spawn to just after
    os.wait4 reaps the child (the whole process: loading, reading the trace,
    simulating, exiting); user and sys are the child's own, from the rusage
    os.wait4 returns. Output goes to temporary files, not pipes, so nothing
    is read while the clock runs.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        try:
            p = subprocess.Popen(cmd, cwd=cwd, stdin=subprocess.DEVNULL,
                                 stdout=out, stderr=err)
        except OSError as e:
            raise ToolError(f"cannot run {cmd[0]}: {e.strerror}") from None
        _, status, ru = os.wait4(p.pid, 0)
        t1 = time.perf_counter()
        p.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return {
            "wall_s": t1 - t0,
            "user_s": ru.ru_utime,
            "sys_s": ru.ru_stime,
            "maxrss_kib": ru.ru_maxrss,
            "returncode": p.returncode,
            "stdout": out.read().decode("utf-8", "replace"),
            "stderr": err.read().decode("utf-8", "replace"),
        }


_ANSI_RE = re.compile(r"\x1b\[[0-9;]*m")


def _brief(text, n=2, width=300):
    """A failed program's message on one line: its lines that say "error"
    (cachesim logs [INFO] lines first), else its first n non-empty lines
    (the lab names the error, then prints its usage)."""
    lines = [ln.strip() for ln in _ANSI_RE.sub("", text).splitlines()
             if ln.strip()]
    errs = [ln for ln in lines if "error" in ln.lower()]
    out = " / ".join((errs or lines)[:n])
    return out if len(out) <= width else out[:width - 3] + "..."


# --------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------

def parse_lab_json(text, policy, cache_size):
    """The result of `evictlab simulate --json -` for (policy, cache_size):
    {"n_req", "n_req_byte", "n_miss", "n_miss_byte", "miss_ratio",
    "loop_s", "loop_req_per_s"}. Raises ToolError when the output is not
    that JSON or does not hold exactly one such result."""
    try:
        doc = json.loads(text)
    except ValueError as e:
        raise ToolError(f"lab output is not JSON: {e}") from None
    results = doc.get("results") if isinstance(doc, dict) else None
    if not isinstance(results, list):
        raise ToolError("lab JSON has no \"results\" list")
    hits = [r for r in results if isinstance(r, dict)
            and r.get("policy") == policy
            and r.get("cache_size") == cache_size]
    if len(hits) != 1:
        raise ToolError(f"lab JSON has {len(hits)} results for {policy} at "
                        f"{cache_size} bytes (expected 1)")
    r = hits[0]
    for k in _COUNT_KEYS:
        if not isinstance(r.get(k), int) or isinstance(r.get(k), bool):
            raise ToolError(f"lab JSON: {policy}: {k} is not an integer: "
                            f"{r.get(k)!r}")
    return {
        "n_req": r["n_req"], "n_req_byte": r["n_req_byte"],
        "n_miss": r["n_miss"], "n_miss_byte": r["n_miss_byte"],
        "miss_ratio": r["n_miss"] / r["n_req"] if r["n_req"] else None,
        "loop_s": r.get("seconds"),
        "loop_req_per_s": r.get("req_per_s"),
    }


def _float(s):
    try:
        return float(s)
    except (TypeError, ValueError):
        return None


def parse_cachesim_output(stdout):
    """cachesim's stdout as {"lines": [...], "counts": [...]}.

    lines: one dict per result line, {"name", "size", "n_req",
    "miss_ratio_text" (as printed, 4 decimals), "miss_ratio",
    "byte_miss_ratio" (None in the one-cache shape), "mqps" (its own
    request-loop throughput, None in the several-caches shape)}.
    counts: the parsed JSON of every `COUNTS {...}` line (a patched build's
    exact counters), in order.
    """
    lines, counts = [], []
    for raw in stdout.splitlines():
        s = raw.strip()
        if s.startswith(_COUNTS_PREFIX):
            try:
                c = json.loads(s[len(_COUNTS_PREFIX):])
            except ValueError as e:
                raise ToolError(f"cachesim: bad COUNTS line {s!r}: {e}") \
                    from None
            if not isinstance(c, dict) or not all(
                    isinstance(c.get(k), int) for k in _COUNT_KEYS):
                raise ToolError(f"cachesim: COUNTS line without integer "
                                f"{'/'.join(_COUNT_KEYS)}: {s!r}")
            counts.append(c)
            continue
        m = _RESULT_RE.search(s)
        if m:
            lines.append({
                "name": m["name"], "size": m["size"],
                "n_req": int(m["n_req"]),
                "miss_ratio_text": m["miss_ratio"],
                "miss_ratio": _float(m["miss_ratio"]),
                "byte_miss_ratio": _float(m["byte_miss_ratio"]),
                "mqps": _float(m["mqps"]),
            })
    return {"lines": lines, "counts": counts}


def cachesim_unsupported(run):
    """The reason cachesim refused the algorithm ("do not support algorithm
    mru"), or None when it ran (or failed for another reason)."""
    if run["returncode"] == 0:
        return None
    m = _UNSUPPORTED_RE.search(run["stderr"]) \
        or _UNSUPPORTED_RE.search(run["stdout"])
    return m.group(0) if m else None


def cachesim_result(parsed):
    """The one cache's result of a parsed cachesim output: {"method",
    counts or "n_req"/"miss_ratio_text", "mqps"}. Exact counters win over
    the printed ratio."""
    mqps = next((ln["mqps"] for ln in parsed["lines"]
                 if ln["mqps"] is not None), None)
    if parsed["counts"]:
        if len(parsed["counts"]) != 1:
            raise ToolError(f"cachesim printed {len(parsed['counts'])} COUNTS "
                            "lines for one cache")
        c = parsed["counts"][0]
        out = {k: c[k] for k in _COUNT_KEYS}
        out.update(method="exact counts", mqps=mqps)
        return out
    if not parsed["lines"]:
        raise ToolError("cachesim printed no \"miss ratio\" line")
    ln = parsed["lines"][0]
    return {"method": "miss ratio, 4 decimals", "n_req": ln["n_req"],
            "miss_ratio_text": ln["miss_ratio_text"], "mqps": mqps}


def compare_misses(lab, cs):
    """{"equal": bool, "method", "detail"}: the lab's counts (parse_lab_json)
    against cachesim's (cachesim_result).

    Exact counts: n_req, n_req_byte, n_miss, n_miss_byte all equal.
    Printed ratio: n_req equal, and the lab's n_miss / n_req formatted with
    4 decimals (as cachesim's printf "%.4lf" of the same double) equal to
    the printed text.
    """
    method = cs["method"]
    if method == "exact counts":
        diffs = [f"{k} lab {lab[k]} cachesim {cs[k]}" for k in _COUNT_KEYS
                 if lab[k] != cs[k]]
        detail = "; ".join(diffs) if diffs else (
            f"n_miss {lab['n_miss']}, n_miss_byte {lab['n_miss_byte']}")
        return {"equal": not diffs, "method": method, "detail": detail}
    diffs = []
    if lab["n_req"] != cs["n_req"]:
        diffs.append(f"n_req lab {lab['n_req']} cachesim {cs['n_req']}")
    lab_text = "nan" if not lab["n_req"] else \
        f"{lab['n_miss'] / lab['n_req']:.4f}"
    if lab_text != cs["miss_ratio_text"]:
        diffs.append(f"miss ratio lab {lab_text} ({lab['n_miss']}/"
                     f"{lab['n_req']}) cachesim {cs['miss_ratio_text']}")
    detail = "; ".join(diffs) if diffs else (
        f"n_miss {lab['n_miss']} -> {lab_text} = cachesim's "
        f"{cs['miss_ratio_text']}")
    return {"equal": not diffs, "method": method, "detail": detail}


# --------------------------------------------------------------------------
# Aggregation
# --------------------------------------------------------------------------

def _times(runs, key):
    return [r[key] for r in runs]


def side_summary(runs, n_req):
    """Medians of one program's timed runs: {"n", "wall_s" (median),
    "wall_min_s", "wall_max_s", "cpu_s" (median user + sys), "req_per_s"
    (n_req / median wall), "loop_req_per_s" (median of the program's own
    loop figure, None when it gives none)}."""
    if not runs:
        return None
    walls = _times(runs, "wall_s")
    wall = statistics.median(walls)
    loops = [r["loop_req_per_s"] for r in runs
             if r.get("loop_req_per_s") is not None]
    return {
        "n": len(runs),
        "wall_s": wall,
        "wall_min_s": min(walls),
        "wall_max_s": max(walls),
        "cpu_s": statistics.median(r["user_s"] + r["sys_s"] for r in runs),
        "req_per_s": n_req / wall if wall > 0 else None,
        "loop_req_per_s": statistics.median(loops) if loops else None,
    }


def pair_ratios(lab_runs, cs_runs):
    """lab throughput / cachesim throughput of each (lab, cachesim) pair
    = cachesim wall / lab wall (same n_req)."""
    return [c["wall_s"] / a["wall_s"] for a, c in zip(lab_runs, cs_runs)
            if a["wall_s"] > 0]


def summarize_cell(lab_runs, cs_runs, n_req):
    """{"lab", "cachesim" (side_summary or None), "ratio": {"median",
    "min", "max", "pairs"} or None, "meets_target" (median ratio >=
    TARGET_RATIO, None without a ratio)}."""
    ratios = pair_ratios(lab_runs, cs_runs) if cs_runs else []
    ratio = None
    if ratios:
        ratio = {"median": statistics.median(ratios), "min": min(ratios),
                 "max": max(ratios), "pairs": ratios}
    return {
        "lab": side_summary(lab_runs, n_req),
        "cachesim": side_summary(cs_runs, n_req),
        "ratio": ratio,
        "meets_target": None if ratio is None
        else ratio["median"] >= TARGET_RATIO,
    }


# --------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------

def fmt_rate(x):
    """Requests per second as millions, e.g. 12.3 M."""
    return "-" if x is None else f"{x / 1e6:.2f} M"


def fmt_ratio(r):
    if r is None:
        return "-"
    return f"{r['median']:.2f}x ({r['min']:.2f}-{r['max']:.2f})"


def _misses_cell(cell):
    if cell.get("error"):
        return "ERROR"
    m = cell.get("misses")
    if m is None:
        return "- (not compared)"
    if m["equal"]:
        return f"yes ({m['method']})"
    return f"**NO** ({m['detail']})"


def _cachesim_rate_cell(cell):
    if cell.get("cachesim_unsupported") and not cell.get("cachesim_binary"):
        return f"unsupported ({cell['cachesim_unsupported']})"
    s = (cell.get("summary") or {}).get("cachesim")
    text = fmt_rate(s and s["req_per_s"])
    if cell.get("cachesim_substitute"):
        text += " [--cachesim-mru]"
    return text


def render_markdown(doc):
    """simspeed.md of a simspeed.json document."""
    ctx = doc["context"]
    out = ["# evictlab simulate vs libCacheSim cachesim: single-thread "
           "replay speed", ""]
    sha = (ctx.get("git_sha") or "?")[:12]
    out.append(f"Run {doc['started_utc']} on {ctx.get('cpu_model') or '?'} "
               f"({ctx.get('num_cpus')} CPUs, {ctx.get('host') or '?'}), "
               f"commit {sha}{' (dirty)' if ctx.get('git_dirty') else ''}; "
               f"load average {doc['loadavg_start']} at start, "
               f"{doc['loadavg_end']} at end.")
    out.append("")
    out.append(f"Whole-process wall time, {doc['runs']} alternating pairs "
               "(lab, cachesim) after one warm-up each; req/s = n_req / "
               "median wall; ratio = lab req/s / cachesim req/s, median of "
               "the pair ratios (min-max). Target: ratio >= "
               f"{TARGET_RATIO:g}x.")
    out.append("")
    out.append("| policy | trace | lab req/s | cachesim req/s | ratio "
               "(median, min-max) | misses equal |")
    out.append("|---|---|---|---|---|---|")
    for cell in doc["cells"]:
        tr = doc["traces"][cell["trace"]]
        lab = (cell.get("summary") or {}).get("lab")
        out.append(
            f"| {cell['policy']} | {tr['label']}, {tr['cache_label']} | "
            f"{fmt_rate(lab and lab['req_per_s'])} | "
            f"{_cachesim_rate_cell(cell)} | "
            f"{fmt_ratio((cell.get('summary') or {}).get('ratio'))} | "
            f"{_misses_cell(cell)} |")
    out.append("")
    met = [f"{c['policy']}/{c['trace']}" for c in doc["cells"]
           if (c.get("summary") or {}).get("meets_target") is True]
    missed = [f"{c['policy']}/{c['trace']}" for c in doc["cells"]
              if (c.get("summary") or {}).get("meets_target") is False]
    out.append(f"Meets {TARGET_RATIO:g}x: {', '.join(met) or 'none'}.")
    out.append("")
    out.append(f"Below {TARGET_RATIO:g}x: {', '.join(missed) or 'none'}.")
    out.append("")
    out.append("## Details")
    out.append("")
    out.append("Medians. *loop*: the program's own figure for its request "
               "loop: the lab's JSON `seconds` (the trace is read into "
               "memory before it starts), cachesim's printed MQPS (it "
               "streams the trace, so its loop includes reading; the "
               "several-caches path of a patched build prints none). Wall "
               "time minus loop time is start-up, trace reading and exit.")
    out.append("")
    out.append("| policy | trace | lab wall s (min-max) | lab user+sys s | "
               "lab loop req/s | cachesim wall s (min-max) | cachesim "
               "user+sys s | cachesim loop req/s |")
    out.append("|---|---|---|---|---|---|---|---|")
    for cell in doc["cells"]:
        s = cell.get("summary") or {}

        def side(x):
            if not x:
                return ["-", "-", "-"]
            return [f"{x['wall_s']:.3f} ({x['wall_min_s']:.3f}-"
                    f"{x['wall_max_s']:.3f})", f"{x['cpu_s']:.3f}",
                    fmt_rate(x["loop_req_per_s"])]
        out.append("| " + " | ".join(
            [cell["policy"], cell["trace"]] + side(s.get("lab"))
            + side(s.get("cachesim"))) + " |")
    out.append("")
    out.append("## Traces")
    out.append("")
    for key, tr in doc["traces"].items():
        note = "" if tr.get("sha256_known") in (None, tr["sha256"]) else \
            f" (differs from the known {tr['sha256_known'][:16]}...)"
        gen = "; generated by this run" if tr.get("generated") else ""
        out.append(f"- {key}: `{tr['path']}`, {tr['n_req']} requests, cache "
                   f"{tr['cache_size']} bytes, sha256 "
                   f"{tr['sha256'][:16]}...{note}{gen}")
    out.append("")
    out.append("## Commands")
    out.append("")
    out.append("```")
    out.append(doc["command"])
    for c in doc["command_templates"]:
        out.append(c)
    out.append("```")
    if doc.get("notes"):
        out.append("")
        out.append("## Notes")
        out.append("")
        for n in doc["notes"]:
            out.append(f"- {n}")
    if doc.get("errors"):
        out.append("")
        out.append("## Errors")
        out.append("")
        for e in doc["errors"]:
            out.append(f"- {e}")
    out.append("")
    return "\n".join(out)


# --------------------------------------------------------------------------
# Traces and run directory
# --------------------------------------------------------------------------

def sha256_of(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def ensure_trace(trace, traces_dir, evictlab, cloudphysics_source):
    """The path of trace in traces_dir, generated with the lab's generator
    when missing; returns (path, generated)."""
    path = os.path.join(traces_dir, trace.filename)
    if os.path.exists(path):
        return path, False
    os.makedirs(traces_dir, exist_ok=True)
    tmp = path + ".part.oracleGeneral.bin"
    cmd = [evictlab] + trace.generate_args(tmp, cloudphysics_source)
    log(f"{PROG}: generating {path}: {' '.join(cmd)}")
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, check=False)
    except OSError as e:
        raise ToolError(f"cannot run {evictlab}: {e.strerror}") from None
    if p.returncode != 0:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise ToolError(f"generating {trace.key} failed (exit "
                        f"{p.returncode}): {_brief(p.stderr or p.stdout)}")
    os.replace(tmp, path)
    return path, True


def default_run_dir(repo=REPO, now=None):
    """results/runs/<YYYYmmddTHHMMSSZ>_<sha7>_simspeed under repo (the
    naming of scripts/run.sh, with a suffix saying what the run holds)."""
    now = now or datetime.now(timezone.utc)
    try:
        sha = subprocess.run(["git", "-C", repo, "rev-parse", "--short=7",
                              "HEAD"], capture_output=True, text=True,
                             check=False).stdout.strip()
    except OSError:
        sha = ""
    return os.path.join(repo, "results", "runs",
                        f"{now.strftime('%Y%m%dT%H%M%SZ')}_{sha or 'nogit'}"
                        "_simspeed")


def _loadavg():
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


# --------------------------------------------------------------------------
# Measuring
# --------------------------------------------------------------------------

def _lab_run(cmd, policy, cache_size):
    run = run_timed(cmd)
    rec = {k: run[k] for k in ("wall_s", "user_s", "sys_s", "maxrss_kib",
                               "returncode")}
    if run["returncode"] != 0:
        raise ToolError(f"lab failed (exit {run['returncode']}): "
                        f"{_brief(run['stderr'] or run['stdout'])}")
    counts = parse_lab_json(run["stdout"], policy, cache_size)
    rec.update(counts)
    return rec


def _cachesim_run(cmd, scratch):
    run = run_timed(cmd, cwd=scratch)
    rec = {k: run[k] for k in ("wall_s", "user_s", "sys_s", "maxrss_kib",
                               "returncode")}
    reason = cachesim_unsupported(run)
    if reason:
        rec["unsupported"] = reason
        return rec
    if run["returncode"] != 0:
        raise ToolError(f"cachesim failed (exit {run['returncode']}): "
                        f"{_brief(run['stderr'] or run['stdout'])}")
    res = cachesim_result(parse_cachesim_output(run["stdout"]))
    rec.update(res)
    rec["loop_req_per_s"] = res["mqps"] * 1e6 if res.get("mqps") else None
    return rec


def _same_counts(a, b):
    keys = [k for k in _COUNT_KEYS + ("miss_ratio_text",) if k in a or k in b]
    return all(a.get(k) == b.get(k) for k in keys)


def measure_cell(trace_path, trace, policy, args, scratch):
    """One (trace, policy) cell: warm-ups, `args.runs` alternating pairs,
    miss comparison and summary. Never raises ToolError: a failure is the
    cell's "error"."""
    cell = {"trace": trace.key, "policy": policy, "lab_runs": [],
            "cachesim_runs": [], "warmup": {}, "error": None,
            "cachesim_unsupported": None, "cachesim_binary": args.cachesim,
            "cachesim_substitute": False, "misses": None, "summary": None}
    lab_cmd = lab_command(args.evictlab, trace_path, policy, trace.cache_size)
    cs_cmd = cachesim_command(args.cachesim, trace_path, policy,
                              trace.cache_size)
    cell["lab_command"] = lab_cmd
    cell["cachesim_command"] = cs_cmd
    try:
        lab_w = _lab_run(lab_cmd, policy, trace.cache_size)
        cell["warmup"]["lab"] = lab_w
        cs_w = _cachesim_run(cs_cmd, scratch)
        if cs_w.get("unsupported"):
            cell["cachesim_unsupported"] = cs_w["unsupported"]
            cell["warmup"]["cachesim_upstream"] = cs_w
            if policy == "mru" and args.cachesim_mru:
                cell["cachesim_binary"] = args.cachesim_mru
                cell["cachesim_substitute"] = True
                cs_cmd = cachesim_command(args.cachesim_mru, trace_path,
                                          policy, trace.cache_size)
                cs_w = _cachesim_run(cs_cmd, scratch)
                if cs_w.get("unsupported"):
                    raise ToolError(f"--cachesim-mru {args.cachesim_mru} "
                                    f"does not know mru either: "
                                    f"{cs_w['unsupported']}")
            else:
                cell["cachesim_binary"] = None
                cs_w = None
        if cs_w is not None:
            cell["warmup"]["cachesim"] = cs_w
            cell["misses"] = compare_misses(lab_w, cs_w)
        cell["cachesim_command"] = cs_cmd if cs_w is not None else None
        for i in range(args.runs):
            r = _lab_run(lab_cmd, policy, trace.cache_size)
            cell["lab_runs"].append(r)
            if not _same_counts(r, lab_w):
                raise ToolError(f"lab run {i + 1} gave different counts "
                                f"from its warm-up")
            if cs_w is not None:
                c = _cachesim_run(cs_cmd, scratch)
                cell["cachesim_runs"].append(c)
                if not _same_counts(c, cs_w):
                    raise ToolError(f"cachesim run {i + 1} gave different "
                                    f"counts from its warm-up")
    except ToolError as e:
        cell["error"] = str(e)
    n_req = (cell["warmup"].get("lab") or {}).get("n_req")
    if n_req and cell["lab_runs"]:
        cell["summary"] = summarize_cell(cell["lab_runs"],
                                         cell["cachesim_runs"], n_req)
    return cell


# --------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------

def parse_args(argv):
    p = argparse.ArgumentParser(
        prog=PROG, description="Side-by-side single-thread speed of "
        "`evictlab simulate` and libCacheSim's cachesim (issue 11 "
        "section 5); see scripts/evictlab_tools/simspeed.py.")
    p.add_argument("--evictlab", default=os.path.join(REPO, "build",
                                                      "evictlab"),
                   help="the lab's binary (default build/evictlab)")
    p.add_argument("--cachesim", required=True,
                   help="libCacheSim's cachesim binary")
    p.add_argument("--cachesim-mru", default=None,
                   help="a cachesim that knows mru, used for mru only")
    p.add_argument("--runs", type=int, default=5,
                   help="timed pairs per cell (default 5)")
    p.add_argument("--policies", default=",".join(DEFAULT_POLICIES),
                   help="comma-separated policies (default: all nine)")
    p.add_argument("--traces", default=",".join(TRACES),
                   help="comma-separated: cloudphysics,zipf (default both)")
    p.add_argument("--traces-dir", default=os.path.join(REPO, "build",
                                                        "traces"),
                   help="where the traces are or are generated")
    p.add_argument("--cloudphysics-source", default=DEFAULT_CLOUDPHYSICS,
                   help="the trace repeated 44 times")
    p.add_argument("--out", default=None,
                   help="run directory (default results/runs/<UTC stamp>_"
                   "<sha>_simspeed)")
    args = p.parse_args(argv)
    if args.runs < 1:
        p.error("--runs must be at least 1")
    args.policies = [x.strip() for x in args.policies.split(",")
                     if x.strip()]
    if not args.policies:
        p.error("--policies is empty")
    args.traces = [x.strip() for x in args.traces.split(",") if x.strip()]
    bad = [t for t in args.traces if t not in TRACES]
    if bad or not args.traces:
        p.error(f"--traces: unknown {','.join(bad) or '(empty)'} "
                f"(expected some of {','.join(TRACES)})")
    for name in ("evictlab", "cachesim", "cachesim_mru"):
        v = getattr(args, name)
        if v is not None:
            setattr(args, name, os.path.abspath(v))
    return args


def _shell_join(cmd):
    return " ".join(_quote(c) for c in cmd)


def _quote(s):
    return s if re.fullmatch(r"[-\w./=,:@+]+", s) else "'" + \
        s.replace("'", "'\\''") + "'"


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    started = datetime.now(timezone.utc)
    run_dir = os.path.abspath(args.out or default_run_dir(now=started))
    build_dir = os.path.dirname(args.evictlab)
    errors, notes = [], []
    doc = {
        "schema": SCHEMA,
        "started_utc": started.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "command": _shell_join([PROG] + (sys.argv[1:] if argv is None
                                         else list(argv))),
        "evictlab": args.evictlab,
        "cachesim": args.cachesim,
        "cachesim_mru": args.cachesim_mru,
        "runs": args.runs,
        "policies": args.policies,
        "target_ratio": TARGET_RATIO,
        "loadavg_start": _loadavg(),
        "context": context.collect(
            profile="simspeed",
            build_dir=build_dir if os.path.exists(
                os.path.join(build_dir, "CMakeCache.txt")) else None),
        "traces": {},
        "command_templates": [],
        "cells": [],
        "notes": notes,
        "errors": errors,
    }
    try:
        for key in args.traces:
            tr = TRACES[key]
            path, generated = ensure_trace(tr, args.traces_dir,
                                           args.evictlab,
                                           args.cloudphysics_source)
            doc["traces"][key] = {
                "label": tr.label, "path": path, "cache_size": tr.cache_size,
                "cache_label": tr.cache_label, "generated": generated,
                "generate_command": _shell_join(
                    [args.evictlab] + tr.generate_args(
                        path, args.cloudphysics_source)),
                "sha256": sha256_of(path), "sha256_known": tr.sha256,
                "n_req": None,
            }
    except ToolError as e:
        log(f"{PROG}: {e}")
        return 1
    doc["command_templates"] = [
        _shell_join(lab_command(args.evictlab, "TRACE", "POLICY", "BYTES")),
        "(cd SCRATCH && " + _shell_join(cachesim_command(
            args.cachesim, "TRACE", "POLICY", "BYTES")) + ")",
    ]
    if args.cachesim_mru and "mru" in args.policies:
        doc["command_templates"].append(
            "(cd SCRATCH && " + _shell_join(cachesim_command(
                args.cachesim_mru, "TRACE", "mru", "BYTES")) + ")  "
            "# mru only, when --cachesim refuses it")
    scratch = tempfile.mkdtemp(prefix="simspeed-cachesim-")
    try:
        for key in args.traces:
            tr = TRACES[key]
            path = doc["traces"][key]["path"]
            for policy in args.policies:
                log(f"{PROG}: {key} {policy}: warm-up + {args.runs} pairs")
                cell = measure_cell(path, tr, policy, args, scratch)
                doc["cells"].append(cell)
                lab_w = cell["warmup"].get("lab")
                if lab_w and doc["traces"][key]["n_req"] is None:
                    doc["traces"][key]["n_req"] = lab_w["n_req"]
                if cell["error"]:
                    msg = f"{key} {policy}: {cell['error']}"
                    errors.append(msg)
                    log(f"{PROG}: ERROR {msg}")
                if cell["misses"] and not cell["misses"]["equal"]:
                    msg = (f"{key} {policy}: MISS COUNTS DIFFER: "
                           f"{cell['misses']['detail']}")
                    errors.append(msg)
                    log(f"{PROG}: *** {msg} ***")
                if cell["cachesim_unsupported"]:
                    how = (f"timed with --cachesim-mru "
                           f"{args.cachesim_mru} instead"
                           if cell["cachesim_substitute"]
                           else "no cachesim numbers")
                    notes.append(f"{key} {policy}: {args.cachesim} does not "
                                 f"support it ({cell['cachesim_unsupported']}"
                                 f"); {how}.")
                s = cell["summary"]
                if s:
                    cs = s["cachesim"] and s["cachesim"]["req_per_s"]
                    log(f"{PROG}: {key} {policy}: lab "
                        f"{fmt_rate(s['lab']['req_per_s'])} req/s, cachesim "
                        f"{fmt_rate(cs)} req/s, ratio {fmt_ratio(s['ratio'])}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    doc["loadavg_end"] = _loadavg()
    doc["finished_utc"] = datetime.now(timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ")
    os.makedirs(run_dir, exist_ok=True)
    with open(os.path.join(run_dir, "simspeed.json"), "w",
              encoding="utf-8") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    md = render_markdown(doc)
    with open(os.path.join(run_dir, "simspeed.md"), "w",
              encoding="utf-8") as f:
        f.write(md)
    print(md, end="")
    log(f"{PROG}: wrote {run_dir}/simspeed.json and simspeed.md")
    if errors:
        log(f"{PROG}: FAILED: {len(errors)} error(s):")
        for e in errors:
            log(f"  {e}")
        return 1
    return 0


def entry_point():
    """scripts/simspeed: exit statuses as documented above."""
    try:
        return main()
    except KeyboardInterrupt:
        log(f"{PROG}: interrupted")
        return 130
    except BrokenPipeError:
        return 1


if __name__ == "__main__":
    sys.exit(entry_point())
