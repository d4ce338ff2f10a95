"""The Python boundary in a run directory: RUN_DIR/boundary/ (issue 15).

    load_run(run_dir) -> Boundary    the run's boundary/ (or its absence)
    load(path) -> [Table]            one scripts/pyboundary JSON file
    command(...) -> argv             the measurement scripts/run.sh runs
    run(run_dir, ...) -> outcome     runs it into RUN_DIR/boundary/

    python3 -m evictlab_tools.boundary --run-dir RUN_DIR [--runs N]
        [--cache-sizes SIZES] [--traces DIR] [--pyboundary PATH]
    python3 -m evictlab_tools.boundary --print [...]   (the command only)

scripts/pyboundary (evictlab_tools/pyboundary.py) times one KV-mode replay
of a Mooncake trace four ways per policy: the Python model, the binding
called per block, the binding batched (three calls per request) and the C++
simulator's request loop, in ns of the calling thread's CPU time per block
reference. scripts/run.sh runs it as a step of its profile with `--out
RUN_DIR/boundary`, which leaves pyboundary.json and pyboundary.md there;
summary.md (summarize.py) and the dashboard's policy page (dashboard.py)
read the JSON through this module only.

A Table is one (trace, cache size) of the file: a Row per policy in the
file's order, each with the four ways' ns per block (the model's None where
the lab has no Python model of the policy) and the two targets of issue 15,
derived here from the ns so that every reader computes them one way:

    batched >= 10x model    model ns / batched ns >= MODEL_SPEEDUP
    batched within 3x C++   batched ns / C++ ns   <= CPP_FACTOR

A malformed file raises BoundaryError naming the file, the record
(`traces[0].results[3]`) and the field; load_run records it instead of
raising, so a run with a bad file still summarizes and builds its
dashboard. When the measurement fails, run() writes boundary/pyboundary.err
(its command, exit status and the end of its output), which load_run
reports; a run made with --no-python, or before this step, has no
boundary/ at all.

Standard library only.
"""

import argparse
import dataclasses
import json
import math
import os
import shlex
import subprocess
import sys
import time

BOUNDARY_DIR = "boundary"
JSON_NAME = "pyboundary.json"
MD_NAME = "pyboundary.md"
ERR_NAME = "pyboundary.err"

# The four ways, in the order every table and chart shows them.
WAYS = (("model", "Python model"), ("per_block", "binding per block"),
        ("batched", "binding batched"), ("cpp", "C++"))
# Issue 15's targets for the batched binding.
MODEL_SPEEDUP = 10.0
CPP_FACTOR = 3.0
TARGETS = (("x_model", f"batched ≥ {MODEL_SPEEDUP:g}× model", ">=",
            MODEL_SPEEDUP),
           ("x_cpp", f"batched within {CPP_FACTOR:g}× of C++", "<=",
            CPP_FACTOR))

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
DEFAULT_TRACES = os.path.join(os.path.dirname(REPO), "shared", "traces")
DEFAULT_PYBOUNDARY = os.path.join(REPO, "scripts", "pyboundary")
# What scripts/run.sh measures: 2^23 tokens (16,384 full 512-token blocks,
# the cell, where the caches turn over on both traces) at one byte
# per token, every policy, on both Mooncake traces. One replay per way in
# the quick profile: about 30 s of CPU time here (docs/PERFORMANCE.md, "The
# Python boundary"), the fifo and lfu models being most of it.
CACHE_SIZES = "8388608"
TRACES = ("mooncake/conversation_trace.jsonl",
          "mooncake/synthetic_trace.jsonl")


class BoundaryError(ValueError):
    pass


@dataclasses.dataclass
class Row:
    policy: str
    ns: dict                # way -> ns per block reference, or None
    counters_equal: bool    # every way's counters equal the simulator's
    mismatches: dict        # way -> {counter: [got, want]} when not

    @property
    def x_model(self):
        """The Python model's ns over the batched binding's (None: no
        model of this policy)."""
        m = self.ns.get("model")
        return None if m is None else m / self.ns["batched"]

    @property
    def x_cpp(self):
        """The batched binding's ns over the C++ simulator's."""
        return self.ns["batched"] / self.ns["cpp"]

    def limit(self, target):
        """The batched binding's ns at which a TARGETS key is just met:
        the model's ns / MODEL_SPEEDUP, or the C++ ns x CPP_FACTOR (None:
        no model). The dashboard marks it on the batched bar."""
        if target == "x_model":
            m = self.ns.get("model")
            return None if m is None else m / MODEL_SPEEDUP
        if target == "x_cpp":
            return self.ns["cpp"] * CPP_FACTOR
        raise KeyError(target)

    def met(self, target):
        """A TARGETS key's status: True, False, or None (not checked)."""
        v = getattr(self, target)
        if v is None:
            return None
        _k, _text, op, threshold = next(t for t in TARGETS if t[0] == target)
        return v >= threshold if op == ">=" else v <= threshold


@dataclasses.dataclass
class Table:
    id: str                 # the trace file's stem, e.g. "conversation_trace"
    trace: str              # the trace file measured
    cache_size: int         # tokens x bytes per token
    n_req: object           # int, or None when the file does not say
    n_block: int
    rows: list              # [Row], in the file's policy order

    @property
    def policies(self):
        return [r.policy for r in self.rows]


@dataclasses.dataclass
class Boundary:
    present: bool           # the run has a boundary/ directory
    path: str               # boundary/pyboundary.json (whether or not read)
    tables: list            # [Table]
    errors: list            # [message]: a failed measurement, a bad file
    command: list           # the measurement's argv (from the file)
    runs: object            # replays per way (the median of them), or None
    kv_bytes_per_token: object
    loadavg: object         # the load average when it finished, or None


def _number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) \
        and math.isfinite(v)


def _positive(v):
    return _number(v) and v > 0


def trace_id(path):
    """conversation_trace for .../conversation_trace.jsonl: the id the
    policy sweep's sim/<id>.json uses for the same trace."""
    base = os.path.basename(str(path))
    return base.split(".", 1)[0] or base


def parse(doc, path):
    """A pyboundary JSON document -> [Table]; BoundaryError names `path`,
    the record and the field."""
    if not isinstance(doc, dict) or not isinstance(doc.get("traces"), list):
        raise BoundaryError(f"{path}: not scripts/pyboundary output (no "
                            f"\"traces\" list)")
    tables = {}
    for i, t in enumerate(doc["traces"]):
        where = f"{path}: traces[{i}]"
        if not isinstance(t, dict):
            raise BoundaryError(f"{where}: not an object")
        if not isinstance(t.get("trace"), str) or not t["trace"]:
            raise BoundaryError(f"{where}: field 'trace' missing or not a "
                                f"string")
        if not _positive(t.get("n_block")):
            raise BoundaryError(f"{where}: field 'n_block' missing or not a "
                                f"positive number ({t.get('n_block')!r})")
        if not isinstance(t.get("results"), list) or not t["results"]:
            raise BoundaryError(f"{where}: field 'results' missing or empty")
        for j, r in enumerate(t["results"]):
            rw = f"{where}.results[{j}]"
            if not isinstance(r, dict):
                raise BoundaryError(f"{rw}: not an object")
            if not isinstance(r.get("policy"), str) or not r["policy"]:
                raise BoundaryError(f"{rw}: field 'policy' missing or not a "
                                    f"string")
            size = r.get("cache_size")
            if not (isinstance(size, int) and not isinstance(size, bool)
                    and size > 0):
                raise BoundaryError(f"{rw}: field 'cache_size' missing or not "
                                    f"a positive integer ({size!r})")
            ns = r.get("ns_per_block_ref")
            if not isinstance(ns, dict):
                raise BoundaryError(f"{rw}: field 'ns_per_block_ref' missing "
                                    f"or not an object")
            got = {}
            for way, _label in WAYS:
                v = ns.get(way)
                # Only the model may be absent: the lab has no Python model
                # of every policy (pyboundary leaves the field out).
                if way == "model" and v is None:
                    got[way] = None
                    continue
                if not _positive(v):
                    raise BoundaryError(
                        f"{rw}: field 'ns_per_block_ref.{way}' missing or "
                        f"not a positive number ({v!r})")
                got[way] = float(v)
            mism = r.get("mismatches") or {}
            if not isinstance(mism, dict):
                raise BoundaryError(f"{rw}: field 'mismatches' is not an "
                                    f"object")
            key = (t["trace"], size)
            if key not in tables:
                tables[key] = Table(trace_id(t["trace"]), t["trace"], size,
                                    t.get("n_req") if _number(t.get("n_req"))
                                    else None, t["n_block"], [])
            tab = tables[key]
            if r["policy"] in tab.policies:
                raise BoundaryError(f"{rw}: a second result for "
                                    f"{r['policy']} at {size}")
            tab.rows.append(Row(r["policy"], got, not mism, mism))
    if not tables:
        raise BoundaryError(f"{path}: no traces")
    return list(tables.values())


def load(path):
    """One pyboundary.json -> (doc, [Table]); BoundaryError if malformed."""
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        raise BoundaryError(f"{path}: {e}") from None
    return doc, parse(doc, path)


def _err_message(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        lines = f.read().strip().splitlines()
    # The first line is the command, the second the exit status; then the
    # last lines of its output, whose last line says why.
    status = lines[1] if len(lines) > 1 else "no exit status"
    why = lines[-1] if len(lines) > 2 else ""
    return (f"the measurement failed: {status}"
            + (f": {why}" if why else "")
            + f" ({BOUNDARY_DIR}/{os.path.basename(path)})")


def load_run(run_dir):
    """The run's boundary measurement; never raises for its content."""
    d = os.path.join(run_dir, BOUNDARY_DIR)
    jpath = os.path.join(d, JSON_NAME)
    b = Boundary(os.path.isdir(d), jpath, [], [], [], None, None, None)
    if not b.present:
        return b
    if os.path.isfile(os.path.join(d, ERR_NAME)):
        b.errors.append(_err_message(os.path.join(d, ERR_NAME)))
    if os.path.isfile(jpath):
        try:
            doc, b.tables = load(jpath)
        except BoundaryError as e:
            b.errors.append(str(e))
            return b
        cmd = doc.get("command")
        b.command = [str(x) for x in cmd] if isinstance(cmd, list) else []
        b.runs = doc.get("runs") if _number(doc.get("runs")) else None
        bpt = doc.get("kv_bytes_per_token")
        b.kv_bytes_per_token = bpt if _number(bpt) else None
        ctx = doc.get("context") if isinstance(doc.get("context"),
                                               dict) else {}
        la = ctx.get("loadavg")
        b.loadavg = la if isinstance(la, list) and all(
            _number(x) for x in la) else None
    elif not b.errors:
        b.errors.append(f"{BOUNDARY_DIR}/ has no {JSON_NAME}")
    return b


def fmt_size(n):
    """8388608 -> '2^23', else the number: cache sizes here count tokens
    at one byte per token, which powers of two name best."""
    return f"2^{n.bit_length() - 1}" if n & (n - 1) == 0 else str(n)


# --------------------------------------------------------------------------
# Running the measurement (scripts/run.sh)
# --------------------------------------------------------------------------

def command(run_dir, runs=1, cache_sizes=CACHE_SIZES,
            traces_dir=DEFAULT_TRACES, pyboundary=DEFAULT_PYBOUNDARY):
    """The argv of scripts/run.sh's boundary step."""
    return [pyboundary, "--runs", str(runs), "--cache-sizes", cache_sizes,
            "--out", os.path.join(run_dir, BOUNDARY_DIR)] + [
                os.path.join(traces_dir, t) for t in TRACES]


def run(run_dir, runs=1, cache_sizes=CACHE_SIZES, traces_dir=DEFAULT_TRACES,
        pyboundary=DEFAULT_PYBOUNDARY, log=None):
    """Runs the measurement into run_dir/boundary/. A failure (any exit
    status but 0, or no JSON) leaves boundary/pyboundary.err beside
    whatever pyboundary wrote; a counter mismatch (exit 1) keeps its JSON,
    whose rows say which way differs. Returns {"ok", "seconds", "rc"}."""
    out = os.path.join(run_dir, BOUNDARY_DIR)
    os.makedirs(out, exist_ok=True)
    for fn in (JSON_NAME, MD_NAME, ERR_NAME):
        if os.path.exists(os.path.join(out, fn)):
            os.remove(os.path.join(out, fn))
    argv = command(run_dir, runs, cache_sizes, traces_dir, pyboundary)
    t0 = time.monotonic()
    try:
        p = subprocess.run(argv, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
        rc, text = p.returncode, p.stdout
    except OSError as e:        # the script is missing
        rc, text = 127, str(e)
    dt = time.monotonic() - t0
    ok = rc == 0 and os.path.isfile(os.path.join(out, JSON_NAME))
    if not ok:
        tail = "\n".join(text.strip().splitlines()[-30:])
        with open(os.path.join(out, ERR_NAME), "w", encoding="utf-8") as f:
            f.write(f"$ {shlex.join(argv)}\nexit status {rc}\n{tail}\n")
    if log:
        last = (text.strip().splitlines() or [""])[-1]
        log(f"   boundary {dt:5.1f} s  " + (
            "ok" if ok else f"FAILED (exit {rc}): {last}"))
    return {"ok": ok, "seconds": dt, "rc": rc}


def main(argv=None):
    ap = argparse.ArgumentParser(
        prog="python3 -m evictlab_tools.boundary",
        description="The Python boundary step of scripts/run.sh.")
    ap.add_argument("--runs", type=int, default=1,
                    help="replays per way, the median reported (default 1)")
    ap.add_argument("--cache-sizes", default=CACHE_SIZES,
                    help="default %(default)s tokens")
    ap.add_argument("--traces", default=DEFAULT_TRACES,
                    help="the shared traces directory (default %(default)s)")
    ap.add_argument("--pyboundary", default=DEFAULT_PYBOUNDARY,
                    help="the measurement's script (default %(default)s)")
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--print", action="store_true",
                   help="print the command and exit")
    g.add_argument("--run-dir", help="measure into RUN_DIR/boundary/")
    a = ap.parse_args(argv)
    if a.runs < 1:
        ap.error(f"--runs: {a.runs} is below 1")
    if a.print:
        print(shlex.join(command("RUN_DIR", a.runs, a.cache_sizes, a.traces,
                                 a.pyboundary)))
        return 0
    try:
        o = run(a.run_dir, a.runs, a.cache_sizes, a.traces, a.pyboundary,
                log=lambda s: print(s, flush=True))
    except OSError as e:    # the run directory cannot be written
        print(f"evictlab_tools.boundary: --run-dir: {e}", file=sys.stderr)
        return 2
    return 0 if o["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
