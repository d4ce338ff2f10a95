#!/usr/bin/python3
"""Writes the run context (context.json) of a benchmark run directory.

    context.py RUN_DIR PROFILE BUILD_DIR

Records what a reader needs to trust or reproduce the numbers: git sha, dirty
flag, commit message and date, compiler and flags, library versions (Debian
package versions), CPU model and caches, and the Debian benchmark library's
build type (it is packaged as a DEBUG build; recorded, not hidden).
"""
import json
import os
import platform
import subprocess
import sys
from datetime import datetime, timezone


def run(cmd, cwd=None):
    try:
        return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True,
                              check=False).stdout.strip()
    except OSError:
        return ""


def deb_version(pkg):
    return run(["dpkg-query", "-W", "-f=${Version}", pkg]) or None


def cpu_info():
    model = None
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    caches = {}
    base = "/sys/devices/system/cpu/cpu0/cache"
    if os.path.isdir(base):
        for idx in sorted(os.listdir(base)):
            d = os.path.join(base, idx)
            try:
                level = open(os.path.join(d, "level")).read().strip()
                kind = open(os.path.join(d, "type")).read().strip()
                size = open(os.path.join(d, "size")).read().strip()
            except OSError:
                continue
            caches[f"L{level} {kind}"] = size
    return model, caches


def main(argv):
    if len(argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    run_dir, profile, build_dir = argv[1], argv[2], argv[3]
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    cache = {}
    try:
        with open(os.path.join(build_dir, "CMakeCache.txt")) as f:
            for line in f:
                if "=" in line and ":" in line.split("=", 1)[0]:
                    k, v = line.rstrip("\n").split("=", 1)
                    cache[k.split(":")[0]] = v
    except OSError:
        pass
    build_type = cache.get("CMAKE_BUILD_TYPE", "")
    flags = " ".join(x for x in [cache.get("CMAKE_CXX_FLAGS", ""),
                                 cache.get(f"CMAKE_CXX_FLAGS_{build_type.upper()}", "")] if x)
    library_build_type = None
    cpp_json = os.path.join(run_dir, "cpp.json")
    if os.path.exists(cpp_json):
        with open(cpp_json) as f:
            library_build_type = json.load(f).get("context", {}).get("library_build_type")
    model, caches = cpu_info()
    ctx = {
        "date_utc": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "profile": profile,
        "git_sha": run(["git", "rev-parse", "HEAD"], repo),
        "git_dirty": bool(run(["git", "status", "--porcelain", "--untracked-files=no"], repo)),
        "commit_message": run(["git", "log", "-1", "--format=%s"], repo),
        "commit_date": run(["git", "log", "-1", "--format=%cI"], repo),
        "compiler": run([cache.get("CMAKE_CXX_COMPILER", "c++"), "--version"]).splitlines()[:1],
        "cxx_flags": flags,
        "build_type": build_type,
        "torch_version": deb_version("libtorch-dev"),
        "abseil_version": deb_version("libabsl-dev"),
        "benchmark_version": deb_version("libbenchmark-dev"),
        "fmt_version": deb_version("libfmt-dev"),
        "python_torch_version": deb_version("python3-torch"),
        "library_build_type": library_build_type,
        "cpu_model": model,
        "num_cpus": os.cpu_count(),
        "caches": caches,
        "kernel": platform.release(),
        "host": platform.node(),
    }
    ctx["compiler"] = ctx["compiler"][0] if ctx["compiler"] else None
    with open(os.path.join(run_dir, "context.json"), "w") as f:
        json.dump(ctx, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
