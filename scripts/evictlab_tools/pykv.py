"""scripts/pykv: the Python KV-cache policies on Mooncake traces, and the C++
simulator side by side.

    scripts/pykv [--policy LIST|all] --cache-sizes SIZES
                 [--kv-bytes-per-token B] [--runs N]
                 [--cpp] [--evictlab PATH] [--json FILE|-] TRACE...

Replays each trace in KV mode (../shared/SIM-SPEC.md section 5) through the
Python models of evictlab_tools/pymodel/kv_policies.py (LMCache v1's and
vLLM's shapes, SIM-SPEC's rules) at each cache size, and prints the
counters and the time per block reference. With --cpp it also runs

    EVICTLAB simulate --format mooncake --policy P,... --cache-sizes S,...
                      --kv-bytes-per-token B --threads 1 --json - TRACE

once per trace, checks that every section-5 counter of every (policy, cache
size) equals the model's, and reports xPython = (Python ns per block
reference) / (C++ ns per block reference), the C++ figure being its JSON's
``seconds`` / ``n_block``.

How it measures: the trace is read and checked once, outside the timed
region; each (policy, size) replays it into a fresh policy with the garbage
collector off (as pybench and timeit do), timed by time.perf_counter_ns
around the whole replay; with --runs N the median of N replays is kept (the
counters of every run must agree). Belady's next accesses
(kv_replay.next_access) are computed once per trace, outside the timed
region, as the C++ simulator computes them before its clock starts.
ns_per_block_ref = ns / n_block. The C++ side is single-threaded
(--threads 1), like the model. Both sides run in the same invocation, one
after the other, so their ratio is taken on the same machine within a
minute; compare ratios, not absolute times.

Options:
  --policy LIST       comma-separated model policies, or all (default all:
                      lru, fifo, mru, clock, lfu, sieve, arc, s3fifo,
                      belady)
  --cache-sizes SIZES as evictlab simulate takes them: a comma-separated
                      list of sizes and START:STOP:STEP ranges (STOP
                      included), in bytes or with KiB/MiB/GiB/TiB; with the
                      default --kv-bytes-per-token 1 a byte is a token
  --kv-bytes-per-token B   block bytes = tokens x B (default 1)
  --runs N            timed replays per cell, median kept (default 1)
  --cpp               run the C++ simulator too, compare, report xPython
  --evictlab PATH     the C++ binary (default build/evictlab of this repo)
  --json FILE|-       write the JSON document (below) to FILE or stdout
                      (the table then goes to stderr)

JSON schema (one object):

    {"tool": "pykv",
     "context": {...},          # evictlab_tools.context.collect(): git sha,
                                # machine, compiler of the C++ build, and
                                # python (sys.version)
     "kv_bytes_per_token": B, "runs": N,
     "traces": [
       {"trace": PATH, "format": "mooncake",
        "n_req": int, "n_block": int, "n_distinct_block": int,
        "read_seconds": float,            # reading and checking the trace
        "cpp_command": [argv...] | null,
        "results": [
          {"policy": str, "cache_size": int,      # bytes
           "n_req", "n_block", "n_block_hit", "n_token", "n_token_hit",
           "n_byte", "n_byte_hit", "n_store", "n_store_failure",
           "n_evict": int,                        # SIM-SPEC section 5
           "block_hit_ratio", "token_hit_ratio": float,
           "seconds": float,                      # the Python replay
           "ns_per_block_ref": float,
           # only with --cpp:
           "cpp": {"seconds": float, "ns_per_block_ref": float,
                   "counters": {name: int, ...}},
           "counters_equal": bool,
           "mismatches": [{"field", "python", "cpp"}, ...],
           "x_python": float}]}]}

Exit status: 0 done (and with --cpp every counter equal), 1 a counter
differs from the C++ simulator's or the C++ run failed, 2 bad usage or a
malformed trace (the message names the file and line, or the option).

Standard library only; run with /usr/bin/python3.
"""

import argparse
import gc
import json
import os
import re
import statistics
import subprocess
import sys
import time

from .pymodel import kv_policies, kv_replay

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(
    __file__)), "..", ".."))
DEFAULT_EVICTLAB = os.path.join(REPO, "build", "evictlab")

_UNITS = {"": 1, "b": 1, "kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30,
          "tib": 1 << 40}
MAX_CACHE_SIZES = 4096


class UsageError(ValueError):
    """A bad option value; the message names the option."""


def _parse_size(part, item, what):
    m = re.fullmatch(r"\s*(\d+)\s*([A-Za-z]*)\s*", part)
    if not m:
        raise UsageError(f"--cache-sizes: '{item}': {what} is not a whole "
                         f"number of bytes (optionally KiB, MiB, GiB, TiB)")
    unit = m.group(2).lower()
    if unit not in _UNITS:
        raise UsageError(f"--cache-sizes: '{item}': unknown suffix "
                         f"'{m.group(2)}' (expected KiB, MiB, GiB or TiB)")
    value = int(m.group(1)) * _UNITS[unit]
    if value == 0:
        raise UsageError(f"--cache-sizes: '{item}': {what} must be positive")
    if value >= 1 << 64:
        raise UsageError(f"--cache-sizes: '{item}': exceeds 2^64-1 bytes")
    return value


def parse_cache_sizes(text):
    """evictlab simulate's --cache-sizes syntax (src/sim/cache_sizes.cc)."""
    if not text.strip():
        raise UsageError("--cache-sizes: no cache size given")
    sizes = []
    for item in text.split(","):
        item = item.strip()
        if not item:
            raise UsageError(f"--cache-sizes: '{text}': empty item")
        parts = item.split(":")
        if len(parts) == 1:
            sizes.append(_parse_size(item, item, "a cache size"))
        elif len(parts) == 3:
            start, stop, step = (_parse_size(p, item, w) for p, w in
                                 zip(parts, ("START", "STOP", "STEP")))
            if start > stop:
                raise UsageError(f"--cache-sizes: '{item}': START is "
                                 f"greater than STOP")
            if (stop - start) // step + 1 + len(sizes) > MAX_CACHE_SIZES:
                raise UsageError(f"--cache-sizes: '{item}': more than "
                                 f"{MAX_CACHE_SIZES} cache sizes")
            sizes.extend(range(start, stop + 1, step))
        else:
            raise UsageError(f"--cache-sizes: '{item}': a range is "
                             f"START:STOP:STEP (three parts)")
        if len(sizes) > MAX_CACHE_SIZES:
            raise UsageError(f"--cache-sizes: more than {MAX_CACHE_SIZES} "
                             f"cache sizes")
    return sizes


def parse_policies(text):
    if text == "all":
        return list(kv_policies.POLICIES)
    names = [p.strip() for p in text.split(",")]
    for name in names:
        if name not in kv_policies.POLICIES:
            raise UsageError(f"--policy: unknown policy '{name}' (the Python "
                             f"models: {', '.join(kv_policies.POLICIES)})")
    if len(set(names)) != len(names):
        raise UsageError(f"--policy: '{text}' names a policy twice")
    return names


def time_replay(requests, policy_name, cache_size, bytes_per_token, runs=1,
                future=None):
    """(counters, median ns) of `runs` replays into fresh policies, GC off.
    `future`: kv_replay.next_access(requests), for a policy that needs it
    (else the replay computes it inside the timed region)."""
    counters, times = None, []
    for _ in range(runs):
        policy = kv_policies.make_policy(policy_name, cache_size)
        was_enabled = gc.isenabled()
        gc.collect()
        gc.disable()
        try:
            t0 = time.perf_counter_ns()
            c = kv_replay.replay(requests, policy, bytes_per_token, future)
            t1 = time.perf_counter_ns()
        finally:
            if was_enabled:
                gc.enable()
        del policy
        if counters is not None and c != counters:
            raise RuntimeError(f"{policy_name}@{cache_size}: two replays "
                               f"gave different counters")
        counters = c
        times.append(t1 - t0)
    return counters, statistics.median(times)


def cpp_command(evictlab, trace, policies, sizes, bytes_per_token):
    return [evictlab, "simulate", "--format", "mooncake",
            "--policy", ",".join(policies),
            "--cache-sizes", ",".join(str(s) for s in sizes),
            "--kv-bytes-per-token", str(bytes_per_token),
            "--threads", "1", "--json", "-", trace]


def run_cpp(cmd):
    """The C++ JSON's results keyed by (policy, cache_size)."""
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}: exit {proc.returncode}: "
                           f"{proc.stderr.strip()[-2000:]}")
    try:
        doc = json.loads(proc.stdout)
        results = doc["results"]
        return {(r["policy"], int(r["cache_size"])): r for r in results}
    except (ValueError, KeyError, TypeError) as e:
        raise RuntimeError(f"{' '.join(cmd)}: not the simulator's JSON "
                           f"({type(e).__name__}: {e})") from None


def compare(py, cpp):
    """[{field, python, cpp}] of the section-5 counters that differ."""
    out = []
    for name in kv_replay.COUNTERS:
        if cpp.get(name) != py[name]:
            out.append({"field": name, "python": py[name],
                        "cpp": cpp.get(name)})
    return out


def run_trace(path, policies, sizes, bytes_per_token, runs, evictlab=None,
              log=None):
    t0 = time.perf_counter()
    requests = kv_replay.read_mooncake(path)
    read_seconds = time.perf_counter() - t0
    doc = {"trace": path, "format": "mooncake", "n_req": len(requests),
           "n_block": sum(len(ids) for ids, _ in requests),
           "n_distinct_block": kv_replay.distinct_blocks(requests),
           "read_seconds": read_seconds, "cpp_command": None, "results": []}
    cpp = None
    if evictlab is not None:
        cmd = cpp_command(evictlab, path, policies, sizes, bytes_per_token)
        doc["cpp_command"] = cmd
        cpp = run_cpp(cmd)
    future = (kv_replay.next_access(requests)
              if any(kv_policies.POLICIES[p].needs_next_access
                     for p in policies) else None)
    for policy in policies:
        for size in sizes:
            counters, ns = time_replay(requests, policy, size,
                                       bytes_per_token, runs, future)
            r = {"policy": policy, "cache_size": size}
            r.update(counters)
            r["seconds"] = ns / 1e9
            r["ns_per_block_ref"] = (ns / counters["n_block"]
                                     if counters["n_block"] else 0.0)
            if cpp is not None:
                c = cpp.get((policy, size))
                if c is None:
                    raise RuntimeError(f"{path}: the C++ JSON has no result "
                                       f"for {policy} at {size} bytes")
                cns = (float(c["seconds"]) * 1e9 / c["n_block"]
                       if c.get("n_block") else 0.0)
                r["cpp"] = {"seconds": float(c["seconds"]),
                            "ns_per_block_ref": cns,
                            "counters": {k: c.get(k)
                                         for k in kv_replay.COUNTERS}}
                r["mismatches"] = compare(counters, c)
                r["counters_equal"] = not r["mismatches"]
                r["x_python"] = r["ns_per_block_ref"] / cns if cns else None
            doc["results"].append(r)
            if log:
                log(format_row(r))
    return doc


HEADER = (f"{'policy':<7} {'cache_size':>14} {'block_hit':>9} "
          f"{'token_hit':>9} {'stores':>8} {'fails':>6} {'evicts':>8} "
          f"{'py ns/blk':>9} {'C++ ns/blk':>10} {'xPython':>8} equal")


def format_row(r):
    cpp = r.get("cpp")
    cns = f"{cpp['ns_per_block_ref']:10.1f}" if cpp else f"{'-':>10}"
    xp = (f"{r['x_python']:8.1f}" if cpp and r.get("x_python")
          else f"{'-':>8}")
    eq = ("-" if not cpp else "yes" if r["counters_equal"] else
          "NO: " + ", ".join(f"{m['field']} py {m['python']} C++ {m['cpp']}"
                             for m in r["mismatches"]))
    return (f"{r['policy']:<7} {r['cache_size']:>14} "
            f"{r['block_hit_ratio']:9.6f} {r['token_hit_ratio']:9.6f} "
            f"{r['n_store']:>8} {r['n_store_failure']:>6} "
            f"{r['n_evict']:>8} {r['ns_per_block_ref']:9.1f} {cns} {xp} {eq}")


def main(argv=None):
    ap = argparse.ArgumentParser(
        prog="scripts/pykv", description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("traces", nargs="+", metavar="TRACE")
    ap.add_argument("--policy", default="all")
    ap.add_argument("--cache-sizes", required=True)
    ap.add_argument("--kv-bytes-per-token", type=int, default=1)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--cpp", action="store_true")
    ap.add_argument("--evictlab", default=DEFAULT_EVICTLAB)
    ap.add_argument("--json")
    args = ap.parse_args(argv)
    out = sys.stderr if args.json == "-" else sys.stdout

    def log(line):
        print(line, file=out, flush=True)

    try:
        policies = parse_policies(args.policy)
        sizes = parse_cache_sizes(args.cache_sizes)
        if args.kv_bytes_per_token < 1:
            raise UsageError(f"--kv-bytes-per-token: "
                             f"{args.kv_bytes_per_token} is below 1")
        if args.runs < 1:
            raise UsageError(f"--runs: {args.runs} is below 1")
        if args.cpp and not os.access(args.evictlab, os.X_OK):
            raise UsageError(f"--evictlab: {args.evictlab} is not an "
                             f"executable (build it: cmake --build --preset "
                             f"release --target evictlab)")
    except UsageError as e:
        print(f"scripts/pykv: {e}", file=sys.stderr)
        return 2
    evictlab = args.evictlab if args.cpp else None
    traces = []
    failed = False
    try:
        for path in args.traces:
            log(f"# {path} (kv bytes per token {args.kv_bytes_per_token})")
            log(HEADER)
            doc = run_trace(path, policies, sizes, args.kv_bytes_per_token,
                            args.runs, evictlab, log)
            traces.append(doc)
            failed |= any(not r.get("counters_equal", True)
                          for r in doc["results"])
    except (kv_replay.TraceError, OSError) as e:
        print(f"scripts/pykv: {e}", file=sys.stderr)
        return 2
    except RuntimeError as e:
        print(f"scripts/pykv: {e}", file=sys.stderr)
        return 1
    if args.json:
        from . import context as context_mod
        ctx = context_mod.collect(
            profile="pykv", build_dir=os.path.join(REPO, "build"),
            python=sys.version)
        doc = {"tool": "pykv", "context": ctx,
               "kv_bytes_per_token": args.kv_bytes_per_token,
               "runs": args.runs, "traces": traces}
        text = json.dumps(doc, indent=1) + "\n"
        if args.json == "-":
            sys.stdout.write(text)
        else:
            with open(args.json, "w", encoding="utf-8") as f:
                f.write(text)
    if failed:
        log("MISMATCH: the Python model and the C++ simulator disagree "
            "(see the rows marked NO)")
    return 1 if failed else 0


def entry_point():
    sys.exit(main())


if __name__ == "__main__":
    entry_point()
