"""scripts/pyboundary: the cost of crossing from Python into the C++ policies,
per block reference, beside the pure-Python models and the C++ simulator.

    scripts/pyboundary [--policy LIST|all] --cache-sizes SIZES
                       [--kv-bytes-per-token B] [--runs N]
                       [--evictlab PATH] [--out DIR] TRACE...

For each trace, policy and cache size it replays the trace in KV mode
(SIM-SPEC section 5) four ways, in one invocation, and reports the time per
block reference of each:

  model      the Python model (pymodel/kv_policies.py through
             kv_replay.replay; LMCache v1's and vLLM's shapes) — only for
             the policies that have one (lru fifo mru lfu arc s3fifo);
  per_block  the binding (evictlab.kv) called once per block and step
             (binding_kv.replay_per_block: pin, hit, put, unpin);
  batched    the binding called three times per request, each call
             crossing once for the whole list (binding_kv.replay_batched:
             lookup, touch, store);
  cpp        the simulator's request loop, kv_replay<policy> (the code
             `evictlab simulate --format mooncake` runs), called in this
             process through evictlab.kv.Trace.simulate on the same
             requests.

Every way's section-5 counters must equal those of `evictlab simulate
--format mooncake --threads 1 --json -` (run once per trace first; exit 1
if any differs); its own wall time per block is reported beside them
(cli_wall).

How it measures: the trace is read and checked once, outside the timed
region. Every way is timed by the calling thread's CPU time
(time.thread_time_ns around the whole Python replay; clock_gettime(
CLOCK_THREAD_CPUTIME_ID) around kv_replay in C++), with the garbage
collector off; with --runs N the median of N replays. CPU time, not wall
time, because the 2-core machines are shared: under load a process waits
for a core for most of its wall time (the simulator's wall time was 4-6x
its CPU time in this session), and that wait would swamp the ratios. Per
policy the ways run one after the other, so every ratio is taken within
seconds on one machine.

Targets (issue 15): batched >= 10x faster than the model of the same
policy, and batched within 3x of the C++ simulator. Each row says whether
it meets them.

Writes DIR/pyboundary.json (schema below) and DIR/pyboundary.md (the
table, headed by the command), DIR defaulting to
results/pyboundary/<UTC time>_<short sha>/; prints the table.

    {"tool": "pyboundary", "context": {...}, "command": [argv...],
     "kv_bytes_per_token": B, "runs": N,
     "traces": [{"trace": PATH, "n_req": int, "n_block": int,
                 "cpp_command": [argv...],
                 "results": [{"policy", "cache_size",
                              "counters": {name: int},
                              "ns_per_block_ref": {"model"?, "per_block",
                                                   "batched", "cpp",
                                                   "cli_wall": float},
                              "x_model": float | null,   # model / batched
                              "x_cpp": float,            # batched / cpp
                              "cpp_x_model": float | null,  # model / cpp
                              "per_block_x_cpp": float,  # per_block / cpp
                              "meets_10x_model": bool | null,
                              "meets_3x_cpp": bool}]}]}

Exit status: 0 done, 1 a counter differs or the C++ run failed, 2 bad
usage or a malformed trace. Run with /usr/bin/python3.
"""

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import time

from . import binding_kv, pykv
from .pymodel import kv_policies, kv_replay

REPO = pykv.REPO
DEFAULT_EVICTLAB = pykv.DEFAULT_EVICTLAB


def _timed(fn, runs):
    """(result, median thread CPU ns) of `runs` calls of fn(), GC off."""
    result, times = None, []
    for _ in range(runs):
        was = gc.isenabled()
        gc.collect()
        gc.disable()
        try:
            t0 = time.thread_time_ns()
            r = fn()
            t1 = time.thread_time_ns()
        finally:
            if was:
                gc.enable()
        if result is not None and r != result:
            raise RuntimeError("two replays gave different counters")
        result = r
        times.append(t1 - t0)
    return result, statistics.median(times)


def _counters(c):
    return {k: c[k] for k in kv_replay.COUNTERS}


def run_trace(evictlab, path, policies, sizes, bpt, runs, exe, log):
    requests = kv_replay.read_mooncake(path)
    n_block = sum(len(ids) for ids, _ in requests)
    future = None
    cmd = pykv.cpp_command(exe, path, policies, sizes, bpt)
    cpp = pykv.run_cpp(cmd)
    trace = None  # the C++ KvTrace, with next accesses once Belady needs them
    doc = {"trace": path, "n_req": len(requests), "n_block": n_block,
           "cpp_command": cmd, "results": []}
    for policy in policies:
        cls = getattr(evictlab.kv, policy.upper())
        if cls.needs_next_access and future is None:
            future = binding_kv.next_access(requests)
            trace = None
        if trace is None:
            trace = evictlab.kv.Trace(requests, future)
        fut = future if cls.needs_next_access else None
        for size in sizes:
            c = cpp.get((policy, size))
            if c is None:
                raise RuntimeError(f"{path}: no C++ result for {policy} at "
                                   f"{size}")
            want = {k: c.get(k) for k in kv_replay.COUNTERS}
            ns = {}
            got = {}
            if policy in kv_policies.POLICIES:
                # The model gets the same precomputed future as the binding
                # and the C++ ways, so that no way times the pre-pass.
                got["model"], t = _timed(lambda: _counters(kv_replay.replay(
                    requests, kv_policies.make_policy(policy, size), bpt,
                    future=fut)), runs)
                ns["model"] = t / n_block
            got["per_block"], t = _timed(lambda: _counters(
                binding_kv.replay_per_block(requests, cls(size), bpt, fut)),
                runs)
            ns["per_block"] = t / n_block
            got["batched"], t = _timed(lambda: _counters(
                binding_kv.replay_batched(requests, cls(size), bpt, fut)),
                runs)
            ns["batched"] = t / n_block
            sim = [trace.simulate(policy, size, bpt) for _ in range(runs)]
            got["cpp"] = _counters(sim[0])
            ns["cpp"] = statistics.median(
                x["cpu_seconds"] for x in sim) * 1e9 / n_block
            ns["cli_wall"] = float(c["seconds"]) * 1e9 / c["n_block"]
            mismatches = {way: {k: (v[k], want[k]) for k in v
                                if v[k] != want[k]}
                          for way, v in got.items() if v != want}
            x_model = ns["model"] / ns["batched"] if "model" in ns else None
            r = {"policy": policy, "cache_size": size, "counters": want,
                 "ns_per_block_ref": ns, "x_model": x_model,
                 "x_cpp": ns["batched"] / ns["cpp"],
                 "cpp_x_model": ns["model"] / ns["cpp"] if "model" in ns
                 else None,
                 "per_block_x_cpp": ns["per_block"] / ns["cpp"],
                 "meets_10x_model": None if x_model is None
                 else x_model >= 10.0,
                 "meets_3x_cpp": ns["batched"] / ns["cpp"] <= 3.0,
                 "mismatches": mismatches}
            doc["results"].append(r)
            log(format_row(r))
    return doc


HEADER = ("| policy | cache size | model ns/blk | per-block ns/blk | "
          "batched ns/blk | C++ ns/blk | batched × model | batched ÷ C++ | "
          "per-block ÷ C++ | C++ × model | ≥10× model | ≤3× C++ | counters | "
          "CLI wall ns/blk |\n"
          "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")


def _yes(v):
    return "-" if v is None else ("met" if v else "not met")


def format_row(r):
    ns = r["ns_per_block_ref"]
    model = f"{ns['model']:.0f}" if "model" in ns else "-"
    xm = f"{r['x_model']:.1f}" if r["x_model"] is not None else "-"
    cm = f"{r['cpp_x_model']:.1f}" if r["cpp_x_model"] is not None else "-"
    eq = "equal" if not r["mismatches"] else "DIFFER: " + json.dumps(
        r["mismatches"])
    return (f"| {r['policy']} | {r['cache_size']} | {model} | "
            f"{ns['per_block']:.0f} | {ns['batched']:.0f} | {ns['cpp']:.0f} "
            f"| {xm} | {r['x_cpp']:.2f} | {r['per_block_x_cpp']:.2f} | "
            f"{cm} | "
            f"{_yes(r['meets_10x_model'])} | {_yes(r['meets_3x_cpp'])} | "
            f"{eq} | {ns['cli_wall']:.0f} |")


def _default_out():
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    sha = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO,
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         text=True).stdout.strip() or "nogit"
    return os.path.join(REPO, "results", "pyboundary", f"{stamp}_{sha}")


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    ap = argparse.ArgumentParser(
        prog="scripts/pyboundary", description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("traces", nargs="+", metavar="TRACE")
    ap.add_argument("--policy", default="all")
    ap.add_argument("--cache-sizes", required=True)
    ap.add_argument("--kv-bytes-per-token", type=int, default=1)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--evictlab", default=DEFAULT_EVICTLAB)
    ap.add_argument("--out")
    args = ap.parse_args(argv)
    try:
        evictlab = binding_kv.import_evictlab()
    except ImportError as e:
        print(f"scripts/pyboundary: {e}", file=sys.stderr)
        return 2
    known = evictlab.policies()
    try:
        if args.policy == "all":
            policies = known
        else:
            policies = [p.strip() for p in args.policy.split(",")]
            for p in policies:
                if p not in known:
                    raise pykv.UsageError(
                        f"--policy: unknown policy '{p}' (known: "
                        f"{', '.join(known)})")
        sizes = pykv.parse_cache_sizes(args.cache_sizes)
        if args.kv_bytes_per_token < 1:
            raise pykv.UsageError(f"--kv-bytes-per-token: "
                                  f"{args.kv_bytes_per_token} is below 1")
        if args.runs < 1:
            raise pykv.UsageError(f"--runs: {args.runs} is below 1")
        if not os.access(args.evictlab, os.X_OK):
            raise pykv.UsageError(f"--evictlab: {args.evictlab} is not an "
                                  f"executable")
    except pykv.UsageError as e:
        print(f"scripts/pyboundary: {e}", file=sys.stderr)
        return 2
    out_dir = args.out or _default_out()
    command = ["scripts/pyboundary"] + argv
    lines = []

    def log(line):
        lines.append(line)
        print(line, flush=True)

    traces = []
    try:
        for path in args.traces:
            log(f"\n{path} (kv bytes per token {args.kv_bytes_per_token})\n")
            log(HEADER)
            traces.append(run_trace(evictlab, path, policies, sizes,
                                    args.kv_bytes_per_token, args.runs,
                                    args.evictlab, log))
    except (kv_replay.TraceError, OSError) as e:
        print(f"scripts/pyboundary: {e}", file=sys.stderr)
        return 2
    except RuntimeError as e:
        print(f"scripts/pyboundary: {e}", file=sys.stderr)
        return 1
    from . import context as context_mod
    ctx = context_mod.collect(profile="pyboundary",
                              build_dir=os.path.join(REPO, "build"),
                              python=sys.version,
                              loadavg=list(os.getloadavg()))
    doc = {"tool": "pyboundary", "context": ctx, "command": command,
           "kv_bytes_per_token": args.kv_bytes_per_token, "runs": args.runs,
           "traces": traces}
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "pyboundary.json"), "w",
              encoding="utf-8") as f:
        f.write(json.dumps(doc, indent=1) + "\n")
    with open(os.path.join(out_dir, "pyboundary.md"), "w",
              encoding="utf-8") as f:
        f.write(f"```\n{' '.join(command)}\n```\n\nload average at the end: "
                f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}\n")
        f.write("\n".join(lines) + "\n")
    print(f"\nwrote {out_dir}/pyboundary.json and pyboundary.md")
    failed = any(r["mismatches"] for t in traces for r in t["results"])
    if failed:
        print("MISMATCH: a replay's counters differ from the simulator's",
              file=sys.stderr)
    return 1 if failed else 0


def entry_point():
    sys.exit(main())


if __name__ == "__main__":
    entry_point()
