"""Wall-clock comparison of two revisions of evictlab's benchmarks.

    scripts/compare [options] REV_A REV_B [FILTER]

Builds build/evictlab_bench of both revisions (each in its own git worktree
under build/compare/<sha>/; a finished build of a sha is reused), runs the two
binaries interleaved in rounds (A,B then B,A, ...: same machine, same
minutes), each invocation with --benchmark_repetitions, and pools the
per-repetition real times of every case (default 3 rounds x 5 repetitions =
15 samples a side). For each case it reports both medians, B/A (ratio of
medians), a 95% interval for that ratio (Hodges-Lehmann on log times), and
the two-sided Mann-Whitney U p-value (evictlab_tools/stats.py, scipy.stats).
Cases are matched by cases.canonical, so a revision from before the dict
axis (old names) compares with a newer one through the alias table.

A case is a regression only when p < ALPHA and B/A >= 1 + THRESHOLD
(an improvement: p < ALPHA and A/B >= 1 + THRESHOLD). Flagged regressions are
measured again, once, in a fresh interleaved run of just those cases; only
those flagged again are reported as regressions, the others as
"unconfirmed".

FILTER is a Google Benchmark regex (default: every case).

Exit status: 0 no confirmed regression, 1 confirmed regression,
             2 usage, git, build or benchmark error.

Options:
  --rounds N          interleaved rounds (default 3)
  --repetitions N     repetitions per invocation (default 5)
  --min-time S        --benchmark_min_time per repetition, seconds (0.01)
  --entries LIST      --evictlab_entries (default 1024,16384)
  --threshold F       minimum relative change to flag (default 0.05 = 5%)
  --alpha F           significance level (default 0.01)
  --json OUT          also write the results as JSON
  --keep-worktrees    leave the source worktrees in build/compare/<sha>/src
  --cache-dir DIR     where worktrees and builds go (default build/compare)
  --jobs N            build parallelism (default: number of CPUs)
"""

import argparse
import contextlib
import fcntl
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import tempfile

from . import cases, gbench, stats

HERE = os.path.dirname(os.path.realpath(__file__))

PROG = "scripts/compare"
BENCH_TARGET = "evictlab_bench"
BENCH_MARKER = "bench/CMakeLists.txt"  # a revision without it has no benchmarks
STAMP = ".compare-build-ok"
PRESETS = "CMakePresets.json"  # a revision without it gets the plain command


class CompareError(Exception):
    """A usage, git, build or benchmark failure: exit status 2."""


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ----------------------------------------------------------------- statistics

def classify(ratio, p, threshold, alpha):
    """Verdict of one case: 'regression', 'improvement' or 'no change'.

    Both conditions are needed: significance (p < alpha) and size (B/A at
    least 1 + threshold, or A/B at least 1 + threshold for an improvement).
    """
    tol = 1e-12  # so that exactly 5% counts as "at least 5%"
    if p < alpha and ratio >= (1.0 + threshold) * (1.0 - tol):
        return "regression"
    if p < alpha and ratio > 0 and 1.0 / ratio >= (1.0 + threshold) * (1.0 - tol):
        return "improvement"
    return "no change"


def analyse(samples_a, samples_b, threshold, alpha):
    """Rows (dicts) for every case measured on both sides, worst first.

    samples_a, samples_b: {case name: [real time in ns per repetition]}.
    """
    rows = []
    for case in sorted(set(samples_a) & set(samples_b)):
        a, b = samples_a[case], samples_b[case]
        if not a or not b:
            continue
        med_a, med_b = stats.median(a), stats.median(b)
        ratio = med_b / med_a if med_a > 0 else math.inf
        test = stats.mannwhitneyu(a, b)
        ci = stats.ratio_ci(a, b, 0.95)
        rows.append({
            "case": case,
            "n_a": len(a), "n_b": len(b),
            "median_a_ns": med_a, "median_b_ns": med_b,
            "ratio": ratio,
            "hl_ratio": ci.estimate,
            "ci_low": ci.low, "ci_high": ci.high,
            "u": test.statistic, "p": test.pvalue, "p_method": test.method,
            "verdict": classify(ratio, test.pvalue, threshold, alpha),
        })
    rows.sort(key=lambda r: (-r["ratio"], r["case"]))
    return rows


ere_escape = cases.ere_escape


def compare(measure, bench_filter, threshold, alpha):
    """Runs the comparison with measure(filter) -> (samples_a, samples_b,
    errors), where errors maps case names to messages. Returns a result dict
    with "rows", "confirmation", "regressions", "errors", "only_a", "only_b"
    and "exit_status". measure is injected so tests can feed known samples."""
    samples_a, samples_b, errors = measure(bench_filter)
    if not samples_a and not samples_b and not errors:
        raise CompareError(f"the filter '{bench_filter}' matched no benchmark")
    rows = analyse(samples_a, samples_b, threshold, alpha)
    flagged = [r["case"] for r in rows if r["verdict"] == "regression"]
    confirmation = []
    if flagged:
        # Each side's binary knows a case by its own name (a revision from
        # before the dict axis uses the old one): match every name seen.
        names_of = getattr(measure, "names_of", lambda case: [case])
        names = sorted({n for c in flagged for n in names_of(c)})
        refilter = "^(" + "|".join(ere_escape(n) for n in names) + ")$"
        log(f"{PROG}: {len(flagged)} possible regression(s); "
            "re-running them once to confirm")
        sa2, sb2, err2 = measure(refilter)
        errors.update(err2)
        confirmation = analyse(sa2, sb2, threshold, alpha)
        again = {r["case"] for r in confirmation if r["verdict"] == "regression"}
        for r in rows:
            if r["verdict"] == "regression" and r["case"] not in again:
                r["verdict"] = "unconfirmed"
    regressions = [r["case"] for r in rows if r["verdict"] == "regression"]
    status = 1 if regressions else (2 if errors else 0)
    warning = None
    if len(rows) >= 10:
        typical = stats.median([r["ratio"] for r in rows])
        if classify(typical, 0.0, threshold, 1.0) != "no change":
            warning = (
                f"the median case moved by B/A = {typical:.3f}: a shift of the "
                "whole suite is more often machine load changing between "
                "invocations than code (or a global change: flags, linking); "
                "repeat with a narrower filter or more --rounds before "
                "trusting it")
    return {
        "rows": rows,
        "confirmation": confirmation,
        "regressions": regressions,
        "errors": errors,
        "only_a": sorted(set(samples_a) - set(samples_b)),
        "only_b": sorted(set(samples_b) - set(samples_a)),
        "exit_status": status,
        "warning": warning,
    }


# ------------------------------------------------------------------ reporting

def _fmt_ns(v):
    return f"{v:.4g}" if v < 1e5 else f"{v:.4e}"


def _fmt_ci(r):
    lo, hi = r["ci_low"], r["ci_high"]
    if lo <= 0 or math.isinf(hi):
        return "[n too small]"
    return f"[{lo:.3f}, {hi:.3f}]"


def _fmt_p(p):
    return f"{p:.2g}" if p >= 1e-3 else f"{p:.1e}"


def table(rows):
    head = ["case", "median A (ns)", "median B (ns)", "B/A", "95% CI", "p",
            "verdict"]
    body = [[r["case"], _fmt_ns(r["median_a_ns"]), _fmt_ns(r["median_b_ns"]),
             f"{r['ratio']:.3f}", _fmt_ci(r), _fmt_p(r["p"]), r["verdict"]]
            for r in rows]
    widths = [max(len(x[i]) for x in [head] + body) for i in range(len(head))]
    left = {0, 4, 6}
    lines = []
    for cells in [head] + body:
        lines.append("  ".join(
            c.ljust(w) if i in left else c.rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths))).rstrip())
    return "\n".join(lines)


def report(result, header, out=sys.stdout):
    print(header, file=out)
    print(file=out)
    if result["rows"]:
        print(table(result["rows"]), file=out)
    else:
        print("(no case measured on both sides)", file=out)
    if result["confirmation"]:
        print(file=out)
        print("Confirmation re-run of the flagged cases:", file=out)
        print(table(result["confirmation"]), file=out)
    for key, side in (("only_a", "A"), ("only_b", "B")):
        if result[key]:
            print(f"\nonly in {side} (not compared): " + ", ".join(result[key]),
                  file=out)
    for case, msg in sorted(result["errors"].items()):
        print(f"\nERROR {case}: {msg}", file=out)
    if result.get("warning"):
        print(f"\nWARNING: {result['warning']}", file=out)
    rows = result["rows"]
    counts = {v: sum(r["verdict"] == v for r in rows)
              for v in ("regression", "unconfirmed", "improvement", "no change")}
    print(file=out)
    if result["regressions"]:
        print(f"CONFIRMED REGRESSION in {len(result['regressions'])} of "
              f"{len(rows)} case(s): " + ", ".join(result["regressions"]),
              file=out)
    else:
        print(f"no confirmed regression ({len(rows)} case(s): "
              f"{counts['improvement']} improvement, {counts['no change']} "
              f"no change, {counts['unconfirmed']} unconfirmed)", file=out)


def _json_safe(v):
    if isinstance(v, float) and (math.isinf(v) or math.isnan(v)):
        return None
    if isinstance(v, dict):
        return {k: _json_safe(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_json_safe(x) for x in v]
    return v


# ------------------------------------------------------------ git and builds

def run_group(cmd, **kwargs):
    """subprocess.run in a process group of its own, killed as a whole (cmake,
    ninja and compilers; or the benchmark) if compare is interrupted."""
    with subprocess.Popen(cmd, start_new_session=True, **kwargs) as proc:
        try:
            out, err = proc.communicate()
        except BaseException:
            # SIGTERM first: ninja forwards it to the compilers it runs in
            # process groups of their own; SIGKILL whatever is left.
            for sig, grace in ((signal.SIGTERM, 10), (signal.SIGKILL, None)):
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, sig)
                try:
                    proc.wait(grace)
                    break
                except subprocess.TimeoutExpired:
                    pass
            raise
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def git(repo, *args, check=True):
    p = subprocess.run(["git", "-C", repo, *args], capture_output=True,
                       text=True)
    if check and p.returncode != 0:
        raise CompareError(f"git {' '.join(args)}: {p.stderr.strip()}")
    return p


def resolve(repo, rev):
    p = git(repo, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}",
            check=False)
    if p.returncode != 0:
        raise CompareError(f"'{rev}' is not a revision of this repository "
                           "(git rev-parse found no such commit)")
    return p.stdout.strip()


def configure_and_build(src, build, jobs):
    """The commands that build BENCH_TARGET of the source tree src in build:
    the `release` preset where the revision has CMakePresets.json (with the
    binary directory moved to build), else the plain command line that
    revisions before the presets used."""
    if os.path.exists(os.path.join(src, PRESETS)):
        configure = ["cmake", "-S", src, "--preset", "release", "-B", build,
                     "-DEVICTLAB_BUILD_TESTS=OFF"]
    else:
        configure = ["cmake", "-S", src, "-B", build, "-G", "Ninja",
                     "-DCMAKE_BUILD_TYPE=Release",
                     "-DEVICTLAB_BUILD_TESTS=OFF"]
    return [configure, ["cmake", "--build", build, "-j", str(jobs),
                        "--target", BENCH_TARGET]]


class Builder:
    """Builds evictlab_bench of a sha in CACHE/<sha>/{src,build}; removes the
    worktrees it added when closed (unless keep)."""

    def __init__(self, repo, cache_dir, jobs, keep):
        self.repo, self.cache_dir, self.jobs, self.keep = (
            repo, cache_dir, jobs, keep)
        self.added = []

    def binary(self, rev, sha):
        base = os.path.join(self.cache_dir, sha)
        build = os.path.join(base, "build")
        exe = os.path.join(build, BENCH_TARGET)
        os.makedirs(base, exist_ok=True)
        with open(os.path.join(base, "lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # two compares, one build
            if os.path.exists(os.path.join(build, STAMP)) and os.access(exe, os.X_OK):
                log(f"{PROG}: {rev} ({sha[:7]}): reusing {os.path.relpath(exe)}")
                return exe
            if git(self.repo, "cat-file", "-e", f"{sha}:{BENCH_MARKER}",
                   check=False).returncode != 0:
                raise CompareError(
                    f"{rev} ({sha[:7]}) predates the benchmark binary: it has "
                    f"no {BENCH_MARKER}, so there is no {BENCH_TARGET} to run. "
                    "Compare revisions that include the benchmark suite.")
            src = os.path.join(base, "src")
            self._remove_worktree(src)
            git(self.repo, "worktree", "add", "--detach", src, sha)
            self.added.append(src)
            logfile = os.path.join(base, "build.log")
            log(f"{PROG}: building {rev} ({sha[:7]}) in "
                f"{os.path.relpath(build)} (log: {os.path.relpath(logfile)})")
            with open(logfile, "w") as lf:
                for cmd in configure_and_build(src, build, self.jobs):
                    lf.write("$ " + " ".join(cmd) + "\n")
                    lf.flush()
                    rc = run_group(cmd, stdout=lf, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL).returncode
                    if rc != 0:
                        with open(logfile) as f:
                            tail = "".join(f.readlines()[-25:])
                        raise CompareError(
                            f"building {rev} ({sha[:7]}) failed (exit {rc}); "
                            f"last lines of {logfile}:\n{tail}")
            if not os.access(exe, os.X_OK):
                raise CompareError(f"{rev} ({sha[:7]}) built, but produced no "
                                   f"{exe}")
            open(os.path.join(build, STAMP), "w").close()
            return exe

    def _remove_worktree(self, path):
        if os.path.exists(path):
            git(self.repo, "worktree", "remove", "--force", path, check=False)
            if os.path.exists(path):
                shutil.rmtree(path)
        git(self.repo, "worktree", "prune", check=False)

    def close(self):
        if self.keep:
            for path in self.added:
                log(f"{PROG}: kept worktree {os.path.relpath(path)}")
            self.added = []
            return
        for path in self.added:
            self._remove_worktree(path)
        self.added = []


# ----------------------------------------------------------------- measuring

def read_samples(path, raw_names=None):
    """{case: [ns]} of the per-repetition results, and {case: error}, keyed
    by cases.canonical (gbench). Adds each case's names as written in the
    file (without Google Benchmark's suffixes) to raw_names[case]."""
    try:
        results = gbench.load(path)
    except gbench.GBenchError as e:
        raise CompareError(str(e)) from None
    if raw_names is not None:
        for case, r in results.items():
            raw_names.setdefault(case, set()).update(
                cases.strip_suffixes(n) for n in r.raw_names)
    return results.samples(), results.errors()


class Runner:
    """measure(filter): the interleaved rounds of both binaries."""

    def __init__(self, exe_a, exe_b, rounds, repetitions, min_time, entries,
                 workdir):
        self.exe = {"A": exe_a, "B": exe_b}
        self.rounds, self.repetitions = rounds, repetitions
        self.min_time, self.entries, self.workdir = min_time, entries, workdir
        self.calls = 0
        self.raw_names = {}  # canonical case -> names the binaries gave it

    def names_of(self, case):
        """The names either binary reported for `case` (cases.canonical)."""
        return sorted(self.raw_names.get(case, {case}))

    def run_once(self, side, bench_filter, out):
        cmd = [self.exe[side], f"--evictlab_entries={self.entries}",
               f"--benchmark_filter={bench_filter}",
               f"--benchmark_repetitions={self.repetitions}",
               f"--benchmark_min_time={self.min_time}",
               "--benchmark_enable_random_interleaving=true",
               "--benchmark_format=json",
               f"--benchmark_out={out}", "--benchmark_out_format=json"]
        p = run_group(cmd, cwd=self.workdir, stdout=subprocess.DEVNULL,
                      stderr=subprocess.PIPE, text=True,
                      stdin=subprocess.DEVNULL)
        if p.returncode != 0 or not os.path.exists(out):
            raise CompareError(
                f"{BENCH_TARGET} ({side}) exited with {p.returncode}:\n"
                + "\n".join(p.stderr.strip().splitlines()[-15:])
                + "\ncommand: " + " ".join(cmd))
        return read_samples(out, self.raw_names)

    def __call__(self, bench_filter):
        self.calls += 1
        pooled = {"A": {}, "B": {}}
        errors = {}
        for r in range(self.rounds):
            order = ("A", "B") if r % 2 == 0 else ("B", "A")
            for side in order:
                log(f"{PROG}: round {r + 1}/{self.rounds}: {side}")
                out = os.path.join(self.workdir,
                                   f"run{self.calls}_r{r}_{side}.json")
                samples, errs = self.run_once(side, bench_filter, out)
                for case, xs in samples.items():
                    pooled[side].setdefault(case, []).extend(xs)
                for case, msg in errs.items():
                    errors[case] = f"{side}: {msg}"
        for case in errors:
            pooled["A"].pop(case, None)
            pooled["B"].pop(case, None)
        return pooled["A"], pooled["B"], errors


# ---------------------------------------------------------------------- main

class _Parser(argparse.ArgumentParser):
    def error(self, message):
        self.print_usage(sys.stderr)
        print(f"{PROG}: {message}", file=sys.stderr)
        sys.exit(2)


def parse_args(argv):
    ap = _Parser(prog=PROG, description=__doc__.split("\n\n")[0],
                 formatter_class=argparse.RawDescriptionHelpFormatter,
                 epilog="\n\n".join(__doc__.split("\n\n")[2:-1]))
    ap.add_argument("rev_a", metavar="REV_A", help="baseline revision")
    ap.add_argument("rev_b", metavar="REV_B", help="revision under test")
    ap.add_argument("filter", metavar="FILTER", nargs="?", default=".",
                    help="Google Benchmark regex (default: every case)")
    ap.add_argument("--rounds", type=int, default=3, metavar="N",
                    help="interleaved rounds (default 3)")
    ap.add_argument("--repetitions", type=int, default=5, metavar="N",
                    help="repetitions per invocation (default 5)")
    ap.add_argument("--min-time", type=float, default=0.01, metavar="S",
                    help="--benchmark_min_time per repetition (default 0.01)")
    ap.add_argument("--entries", default="1024,16384", metavar="LIST",
                    help="--evictlab_entries (default 1024,16384)")
    ap.add_argument("--threshold", type=float, default=0.05, metavar="F",
                    help="minimum relative change to flag (default 0.05)")
    ap.add_argument("--alpha", type=float, default=0.01, metavar="F",
                    help="significance level (default 0.01)")
    ap.add_argument("--json", dest="json_out", metavar="OUT",
                    help="also write the results as JSON to OUT")
    ap.add_argument("--keep-worktrees", action="store_true",
                    help="leave the worktrees in CACHE_DIR/<sha>/src")
    ap.add_argument("--cache-dir", metavar="DIR",
                    help="worktrees and builds (default build/compare)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                    metavar="N", help="build parallelism (default: CPUs)")
    args = ap.parse_args(argv)
    if args.rounds < 1 or args.repetitions < 1 or args.jobs < 1:
        ap.error("--rounds, --repetitions and --jobs must be >= 1")
    if args.min_time <= 0:
        ap.error("--min-time must be > 0")
    if not 0 < args.alpha < 1 or args.threshold < 0:
        ap.error("--alpha must be in (0, 1) and --threshold >= 0")
    if not all(x.strip().isdigit() for x in args.entries.split(",")):
        ap.error("--entries must be a comma-separated list of sizes")
    return args


def _on_signal(signum, frame):
    raise SystemExit(128 + signum)  # unwinds, so worktrees are removed


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _on_signal)
    p = subprocess.run(["git", "-C", HERE, "rev-parse", "--show-toplevel"],
                       capture_output=True, text=True)
    if p.returncode != 0:
        log(f"{PROG}: {HERE} is not inside a git repository")
        return 2
    repo = p.stdout.strip()
    cache = os.path.abspath(args.cache_dir or os.path.join(repo, "build",
                                                           "compare"))
    builder = Builder(repo, cache, args.jobs, args.keep_worktrees)
    try:
        sha_a, sha_b = resolve(repo, args.rev_a), resolve(repo, args.rev_b)
        exe_a = builder.binary(args.rev_a, sha_a)
        exe_b = exe_a if sha_b == sha_a else builder.binary(args.rev_b, sha_b)
        builder.close()  # the binaries are all that is needed from here on
        with tempfile.TemporaryDirectory(prefix="compare_") as work:
            runner = Runner(exe_a, exe_b, args.rounds, args.repetitions,
                            args.min_time, args.entries, work)
            result = compare(runner, args.filter, args.threshold, args.alpha)
    except CompareError as e:
        log(f"{PROG}: error: {e}")
        return 2
    finally:
        builder.close()
    header = (f"A = {args.rev_a} ({sha_a[:7]})   B = {args.rev_b} "
              f"({sha_b[:7]})   filter '{args.filter}'\n"
              f"{args.rounds} interleaved rounds x {args.repetitions} "
              f"repetitions (min time {args.min_time} s, entries "
              f"{args.entries}); regression = p < {args.alpha} and "
              f"B/A >= {1 + args.threshold:.3g}; "
              "95% CI: Hodges-Lehmann on log times")
    report(result, header)
    if args.json_out:
        doc = {
            "a": {"rev": args.rev_a, "sha": sha_a},
            "b": {"rev": args.rev_b, "sha": sha_b},
            "options": {k: getattr(args, k) for k in (
                "filter", "rounds", "repetitions", "min_time", "entries",
                "threshold", "alpha")},
            "ci_method": "hodges-lehmann on log times (Mann-Whitney inversion)",
            **result,
        }
        with open(args.json_out, "w") as f:
            json.dump(_json_safe(doc), f, indent=1)
    return result["exit_status"]


def entry_point():
    """scripts/compare: exit statuses as documented above."""
    try:
        return main()
    except KeyboardInterrupt:
        log(f"{PROG}: interrupted")
        return 130
    except BrokenPipeError:
        return 1


if __name__ == "__main__":
    sys.exit(entry_point())
