"""The regression gate: instructions per operation, counted by callgrind.

    scripts/gate [--update] [--filter REGEX | --subset REGEX] [--threshold PCT]
                 [--build-dir DIR] [--no-build] [--out RUN_DIR] [--jobs N]

The cases come from the binary's case list (`evictlab_bench
--evictlab_list_cases`, docs/CASES.md): every registered policy's get
(dist:uniform) and puts (evictions 0/1/8) on the default dict, every KV and
key kind, at 1024 and 65536 entries, and the main GetSize cases
(gatelib.is_gate_case), so a newly registered policy joins the gate with no
edit. The baseline's names are read through cases.canonical, so a baseline
written before the dict axis still compares (old `lru` = `lru/dict:flat`).

Runs every gate case of build/evictlab_bench for a fixed number of iterations
under `valgrind --tool=callgrind --instr-atstart=no --cache-sim=yes`. Only the
timed loop of each case is counted (bench/common/registry.h brackets it with
callgrind client requests), so counts are deterministic: the same binary gives
the same numbers, whatever else the machine is doing.

Per case it reports Ir/op (instructions per operation) and estimated cycles
per op from the cache simulator (L1 hits + 5 x LL hits + 35 x RAM accesses),
and compares Ir/op with the committed baseline (results/baseline/gate.json):
a table worst-first, exit 1 when any case rose above its threshold (default
+2%, per-case overrides in results/baseline/gate_thresholds.json as
{"regex": percent}) or a baseline case disappeared; new cases are listed.
`--update` rewrites the baseline deliberately (commit it with the change that
earns it).

The cases are split into `--jobs` shards (default: one per CPU), each a
callgrind process of its own, run side by side: callgrind is single-threaded,
and every case builds its cache state afresh (`--evictlab_iterations`,
bench/common/registry.h), so a case counts the same whichever shard runs it.
A shard holds whole (family, policy) groups, which keeps its
--benchmark_filter one product pattern per group.

Exit status: 0 pass, 1 regression or missing case, 2 usage/build/run error.
"""
import argparse
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

from . import cases, context as context_mod, gatelib, gbench

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
ENTRIES = ",".join(str(n) for n in gatelib.ENTRIES)
ITERATIONS = 2048


def build(build_dir):
    """Builds evictlab_bench with the `release` preset (build/)."""
    subprocess.run([os.path.join(REPO, "scripts", "deps.sh")], check=True)
    if not os.path.exists(os.path.join(build_dir, "CMakeCache.txt")):
        subprocess.run(["cmake", "-S", REPO, "--preset", "release", "-B",
                        build_dir], check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["cmake", "--build", build_dir, "--target",
                    "evictlab_bench"], check=True, stdout=subprocess.DEVNULL)


def list_cases(binary):
    """The binary's case list at the gate's sizes (cases.CaseList)."""
    p = subprocess.run([binary, "--evictlab_list_cases",
                        f"--evictlab_entries={ENTRIES}"],
                       capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"{binary} --evictlab_list_cases failed (exit "
                           f"{p.returncode}): {p.stderr.strip()[-2000:]}")
    try:
        return cases.load_case_list(p.stdout)
    except cases.CaseListError as e:
        raise RuntimeError(f"{binary} --evictlab_list_cases: {e}") from None


def run_callgrind(binary, case_filter, iterations, workdir):
    out_json = os.path.join(workdir, "bench.json")
    cmd = ["valgrind", "--tool=callgrind", "--instr-atstart=no", "--cache-sim=yes",
           f"--callgrind-out-file={workdir}/callgrind.out",
           binary, f"--evictlab_entries={ENTRIES}",
           f"--evictlab_iterations={iterations}",
           f"--benchmark_filter={case_filter}",
           f"--benchmark_out={out_json}", "--benchmark_out_format=json",
           "--benchmark_format=console"]
    log_path = os.path.join(workdir, "valgrind.log")
    with open(log_path, "w") as log:
        rc = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT).returncode
    if rc != 0 or not os.path.exists(out_json):
        with open(log_path) as f:
            tail = f.read()[-3000:]
        raise RuntimeError(f"evictlab_bench under callgrind failed (exit {rc}):\n{tail}")
    if os.path.getsize(out_json) == 0:
        return {}, {}
    try:
        bench = gbench.load(out_json)
    except gbench.GBenchError as e:
        raise RuntimeError(str(e)) from None
    for name, msg in bench.errors().items():
        raise RuntimeError(f"{name}: result check failed: {msg}")
    iterations_by_name = {name: r.iterations for name, r in bench.items()}
    dumps = {}
    for path in glob.glob(os.path.join(workdir, "callgrind.out.*")):
        name, events = gatelib.parse_callgrind_dump(path)
        if name is not None:
            dumps[cases.canonical(name)] = events
    return gatelib.per_op(dumps, iterations_by_name), bench.context


def shards(chosen, jobs):
    """`chosen` split into at most `jobs` lists of whole (family, policy)
    groups, the largest groups first onto the shard with the fewest cases."""
    groups = {}
    for c in chosen:
        groups.setdefault((c.family, c.policy or ""), []).append(c)
    bins = [[] for _ in range(max(1, min(jobs, len(groups))))]
    for _, group in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        min(bins, key=len).extend(group)
    return [b for b in bins if b]


def run_sharded(binary, chosen, case_list, jobs, iterations, workdir):
    """run_callgrind over shards(chosen, jobs) in parallel: (per-op counts of
    every shard, the first shard's benchmark context)."""
    parts = shards(chosen, jobs)
    dirs = []
    for i in range(len(parts)):
        dirs.append(os.path.join(workdir, f"shard{i}"))
        os.makedirs(dirs[-1])
    with ThreadPoolExecutor(max_workers=len(parts)) as pool:
        futures = [pool.submit(run_callgrind, binary,
                               gatelib.bench_filter(part, case_list),
                               iterations, d)
                   for part, d in zip(parts, dirs)]
        results = [f.result() for f in futures]
    measured = {}
    for per_op, _ in results:
        measured.update(per_op)
    return measured, results[0][1]


def context(build_dir, bench_context):
    """The run context (context.collect) with what the counts depend on."""
    valgrind = subprocess.run(["valgrind", "--version"], capture_output=True,
                              text=True).stdout.strip()
    return context_mod.collect(
        build_dir=build_dir, bench_context=bench_context,
        abseil_lts=bench_context.get("abseil_lts"), valgrind=valgrind,
        entries=ENTRIES, iterations=ITERATIONS,
        deliberate_slowdown=bench_context.get("deliberate_slowdown"))


def select(case_list, case_filter, subset=None):
    """(cases, --benchmark_filter): the default gate cases (those matching
    `subset` if given), or the listed cases whose name matches --filter."""
    if case_filter is None:
        chosen = gatelib.gate_cases(case_list)
        if subset:
            rx = re.compile(subset)
            chosen = [c for c in chosen if rx.search(c.name)]
    else:
        rx = re.compile(case_filter)
        chosen = [c for c in case_list if rx.search(c.name)]
    return chosen, gatelib.bench_filter(chosen, case_list)


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--update", action="store_true", help="rewrite the baseline")
    p.add_argument("--filter", default=None,
                   help="case regex (default: the gate's cases)")
    p.add_argument("--subset", default=None,
                   help="run only the gate's cases matching this regex "
                        "(scripts/run.sh's quick profile: kvobj and GetSize)")
    p.add_argument("--threshold", type=float, default=2.0,
                   help="allowed Ir/op rise in percent (default 2)")
    p.add_argument("--build-dir", default=os.path.join(REPO, "build"))
    p.add_argument("--no-build", action="store_true")
    p.add_argument("--baseline", default=os.path.join(REPO, "results", "baseline", "gate.json"))
    p.add_argument("--thresholds", default=os.path.join(REPO, "results", "baseline", "gate_thresholds.json"))
    p.add_argument("--out", help="also write this run's gate.json here (e.g. a results/runs dir)")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                   help="callgrind processes side by side (default: the CPU count)")
    args = p.parse_args(argv)
    if args.jobs < 1:
        print(f"gate: --jobs {args.jobs}: must be at least 1", file=sys.stderr)
        return 2
    if args.out and not args.out.endswith(".json"):
        # Checked before the run: a bad --out must not cost a whole
        # callgrind run and then lose its counts.
        try:
            os.makedirs(args.out, exist_ok=True)
        except OSError as e:
            print(f"gate: --out {args.out}: {e.strerror}", file=sys.stderr)
            return 2

    try:
        re.compile(args.filter or "")
        re.compile(args.subset or "")
    except re.error as e:
        print(f"gate: --filter: {e}", file=sys.stderr)
        return 2
    if shutil.which("valgrind") is None:
        subprocess.run([os.path.join(REPO, "scripts", "deps.sh")], check=True)
    try:
        if not args.no_build:
            build(args.build_dir)
        binary = os.path.join(args.build_dir, "evictlab_bench")
        case_list = list_cases(binary)
        chosen, _ = select(case_list, args.filter, args.subset)
        if not chosen:
            print(f"gate: no case matched --filter {args.filter!r}",
                  file=sys.stderr)
            return 2
        with tempfile.TemporaryDirectory(prefix="evictlab-gate-") as work:
            measured, bench_ctx = run_sharded(binary, chosen, case_list,
                                              args.jobs, ITERATIONS, work)
    except (RuntimeError, subprocess.CalledProcessError, OSError) as e:
        print(f"gate: {e}", file=sys.stderr)
        return 2
    chosen_names = {c.name for c in chosen}
    cases_run = {k: v for k, v in measured.items() if k in chosen_names}
    if not cases_run:
        print("gate: callgrind counted none of the selected cases",
              file=sys.stderr)
        return 2

    current = {"context": context(args.build_dir, bench_ctx),
               "cases": cases_run}
    if args.out:
        path = args.out if args.out.endswith(".json") else os.path.join(args.out, "gate.json")
        with open(path, "w") as f:
            json.dump(current, f, indent=1, sort_keys=True)

    if args.update:
        baseline = {"context": current["context"], "cases": dict(cases_run)}
        if args.filter is not None and os.path.exists(args.baseline):
            # A filtered update refreshes only the cases it ran (and renames
            # the old ones it keeps through the alias table).
            with open(args.baseline) as f:
                old = json.load(f)
            merged = {cases.canonical(k): v
                      for k, v in old.get("cases", {}).items()}
            merged.update(cases_run)
            baseline["cases"] = merged
        os.makedirs(os.path.dirname(args.baseline), exist_ok=True)
        with open(args.baseline, "w") as f:
            json.dump(baseline, f, indent=1, sort_keys=True)
        print(f"gate: baseline rewritten with {len(cases_run)} cases: "
              f"{args.baseline}")
        return 0

    try:
        with open(args.baseline) as f:
            baseline = json.load(f)
    except FileNotFoundError:
        print(f"gate: no baseline at {args.baseline}; create it with scripts/gate --update",
              file=sys.stderr)
        return 2
    except json.JSONDecodeError as e:
        print(f"gate: {args.baseline}: bad JSON: {e}", file=sys.stderr)
        return 2
    overrides = {}
    if os.path.exists(args.thresholds):
        with open(args.thresholds) as f:
            overrides = json.load(f)
    # Old names (before the dict axis) are read through the alias table.
    base_cases = {cases.canonical(k): v
                  for k, v in baseline.get("cases", {}).items()}
    base_cases = {k: v for k, v in base_cases.items() if k in chosen_names}
    report = gatelib.compare(base_cases, cases_run, args.threshold, overrides)
    for warning in gatelib.context_warnings(baseline.get("context", {}), current["context"]):
        print(f"gate: note: {warning}")
    print(gatelib.format_report(report))
    return 1 if report["failed"] else 0


def entry_point():
    return main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(entry_point())
