"""The one writer (and reader) of run context.

    collect(profile=None, build_dir=None, repo=REPO, bench_context=None,
            **extra) -> dict
        What a reader needs to trust or reproduce numbers: date, git sha,
        dirty flag, commit message and date, compiler (its --version line),
        flags and build type (from BUILD_DIR/CMakeCache.txt, else from the
        benchmark binary's own context), library versions (Debian
        packages), the benchmark library's build type, and the machine:
        cpu_model, num_cpus, caches, kernel, host. `extra` adds fields
        (the gate's valgrind version and iteration count, pybench's Python
        versions, a deliberate slowdown).
    write(run_dir, ctx) -> path             RUN_DIR/context.json
    normalize(ctx) -> dict
        any context shape seen in results/ (this module's flat one, the
        nested {"git": {...}, "machine": {...}, "compiler": {...}} shape of
        the dashboard fixtures, Google Benchmark's own context) as this
        module's flat keys.
    machine(ctx) -> {"cpu_model", "num_cpus", "compiler"}
        the machine identity the dashboard groups runs by (any shape).

Command line (scripts/run.sh):  python3 -m evictlab_tools.context RUN_DIR
PROFILE BUILD_DIR. Standard library only.
"""

import json
import os
import platform
import subprocess
import sys
from datetime import datetime, timezone

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
SCHEMA = "evictlab.context/1"
MACHINE_KEYS = ("cpu_model", "num_cpus", "compiler")
# Candidate keys of each flat field in the other shapes, first match wins.
_SHAPES = {
    "git_sha": ("git_sha", "git.sha", "sha", "commit"),
    "git_dirty": ("git_dirty", "git.dirty", "dirty"),
    "commit_message": ("commit_message", "git.message", "git.subject",
                       "message"),
    "commit_date": ("commit_date", "git.date", "git.commit_date"),
    "date_utc": ("date_utc", "run.started", "date"),
    "profile": ("profile",),
    "compiler": ("compiler", "compiler.version", "cxx_compiler"),
    "cxx_flags": ("cxx_flags", "compiler.flags", "flags"),
    "build_type": ("build_type", "compiler.build_type"),
    "cpu_model": ("cpu_model", "machine.cpu_model", "cpu"),
    "num_cpus": ("num_cpus", "machine.cores", "cores", "nproc"),
    "caches": ("caches", "machine.caches"),
    "host": ("host", "host_name", "hostname"),
    "library_build_type": ("library_build_type",),
}


def _sh(cmd, cwd=None):
    try:
        return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True,
                              check=False).stdout.strip()
    except OSError:
        return ""


def deb_version(pkg):
    return _sh(["dpkg-query", "-W", "-f=${Version}", pkg]) or None


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


def _read(path):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return None


def caches():
    """{"L1 Data": "32K", ...} of cpu0 (sysfs)."""
    out = {}
    base = "/sys/devices/system/cpu/cpu0/cache"
    if os.path.isdir(base):
        for idx in sorted(os.listdir(base)):
            d = os.path.join(base, idx)
            vals = [_read(os.path.join(d, f)) for f in ("level", "type",
                                                         "size")]
            if None in vals:
                continue
            out[f"L{vals[0]} {vals[1]}"] = vals[2]
    return out


def _cmake_cache(build_dir):
    cache = {}
    try:
        with open(os.path.join(build_dir, "CMakeCache.txt")) as f:
            for line in f:
                if "=" in line and ":" in line.split("=", 1)[0]:
                    k, v = line.rstrip("\n").split("=", 1)
                    cache[k.split(":")[0]] = v
    except (OSError, TypeError):
        pass
    return cache


def collect(profile=None, build_dir=None, repo=REPO, bench_context=None,
            **extra):
    """The run context (see the module docstring)."""
    bench_context = bench_context or {}
    cache = _cmake_cache(build_dir)
    build_type = cache.get("CMAKE_BUILD_TYPE") \
        or bench_context.get("build_type") or ""
    flags = " ".join(x for x in (
        cache.get("CMAKE_CXX_FLAGS", ""),
        cache.get(f"CMAKE_CXX_FLAGS_{build_type.upper()}", "")) if x)
    compiler = None
    if cache.get("CMAKE_CXX_COMPILER"):
        lines = _sh([cache["CMAKE_CXX_COMPILER"], "--version"]).splitlines()
        compiler = lines[0] if lines else None
    ctx = {
        "schema": SCHEMA,
        "date_utc": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "profile": profile,
        "git_sha": _sh(["git", "rev-parse", "HEAD"], repo),
        "git_dirty": bool(_sh(["git", "status", "--porcelain",
                               "--untracked-files=no"], repo)),
        "commit_message": _sh(["git", "log", "-1", "--format=%s"], repo),
        "commit_date": _sh(["git", "log", "-1", "--format=%cI"], repo),
        "compiler": compiler or bench_context.get("compiler"),
        "cxx_flags": flags or (bench_context.get("cxx_flags") or "").strip(),
        "build_type": build_type,
        "torch_version": deb_version("libtorch-dev"),
        "abseil_version": deb_version("libabsl-dev"),
        "benchmark_version": deb_version("libbenchmark-dev"),
        "fmt_version": deb_version("libfmt-dev"),
        "python_torch_version": deb_version("python3-torch"),
        "library_build_type": bench_context.get("library_build_type"),
        "cpu_model": cpu_model(),
        "num_cpus": os.cpu_count(),
        "caches": caches(),
        "kernel": platform.release(),
        "host": platform.node(),
    }
    ctx.update(extra)
    return ctx


def write(run_dir, ctx):
    path = os.path.join(run_dir, "context.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(ctx, f, indent=1)
        f.write("\n")
    return path


def _flatten(d, prefix=""):
    out = {}
    for k, v in d.items():
        key = f"{prefix}.{k}" if prefix else str(k)
        if isinstance(v, dict) and k not in ("caches",):
            out.update(_flatten(v, key))
        else:
            out[key] = v
    return out


def normalize(ctx):
    """Any context shape as this module's flat keys (unknown keys kept)."""
    if not isinstance(ctx, dict):
        return {}
    flat = _flatten(ctx)
    out = dict(flat)
    for field, keys in _SHAPES.items():
        for k in keys:
            v = flat.get(k)
            if v not in (None, "") and not isinstance(v, dict):
                out[field] = v
                break
    return out


def machine(ctx):
    """{"cpu_model", "num_cpus", "compiler"} of a context of any shape
    (None where it does not say)."""
    flat = normalize(ctx)
    return {k: flat.get(k) for k in MACHINE_KEYS}


def main(argv):
    if len(argv) != 4:
        print("usage: python3 -m evictlab_tools.context RUN_DIR PROFILE "
              "BUILD_DIR", file=sys.stderr)
        return 2
    run_dir, profile, build_dir = argv[1:]
    bench_context = {}
    cpp_json = os.path.join(run_dir, "cpp.json")
    if os.path.exists(cpp_json):
        with open(cpp_json) as f:
            bench_context = json.load(f).get("context", {})
    write(run_dir, collect(profile, build_dir, bench_context=bench_context))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
