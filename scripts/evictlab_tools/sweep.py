"""The policy sweep of scripts/run.sh: every policy on the shipped traces.

    plan(traces_dir) -> [Sim]      what the sweep simulates (the selection)
    command(sim, evictlab) -> argv the `evictlab simulate` command of one
    run(run_dir, ...) -> [outcome] runs the plan into RUN_DIR/sim/

    python3 -m evictlab_tools.sweep --print [--traces DIR] [--evictlab BIN]
    python3 -m evictlab_tools.sweep --run-dir RUN_DIR [--traces DIR]
                                    [--evictlab BIN]

Each simulation writes RUN_DIR/sim/<id>.json (`evictlab simulate --json`,
SIM-SPEC section 6) and <id>.txt (the readable table). A simulation that
fails writes <id>.err (its command, exit status and stderr) instead, and the
sweep goes on: the benchmark run is still worth publishing, and the
dashboard's policy page and summary.md say which trace is missing. `--run-dir`
exits 1 if any simulation failed, 0 otherwise.

The selection is the same in the quick and the full profile: it takes about
a minute on a 2-core VM (scripts/run.sh prints the time), and its results do
not get more precise with repetitions, because miss counts are exact.

Standard library only.
"""

import argparse
import dataclasses
import os
import shlex
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
DEFAULT_TRACES = os.path.join(os.path.dirname(REPO), "shared", "traces")
DEFAULT_EVICTLAB = os.path.join(REPO, "build", "evictlab")

# The model whose KV bytes per token size the Mooncake blocks: Llama-3.1-8B
# in bf16, 32 layers x 8 KV heads x 128 x 2 (K and V) x 2 bytes = 128 KiB
# per token (SIM-SPEC section 5), the example model.
KV_MODEL = "llama-3.1-8b"
KV_BYTES_PER_TOKEN = 131072

# Mooncake cache sizes. Each trace's footprint is its distinct blocks' tokens
# x 128 KiB (conversation: 182,790 blocks, 90,695,412 tokens = 11,071 GiB;
# synthetic: 43,924 blocks, 21,341,967 tokens = 2,605 GiB). The sizes double
# from about 1.2 % of the footprint up to about 1.5 x it: an LRU replay of
# both traces (SIM-SPEC section 5 semantics) climbs steeply up to 15-25 %
# (conversation) and 30-60 % (synthetic) of the footprint and flattens
# after, so doubling puts 3-4 sizes on the slope, where the policies differ,
# and 2-3 past the knee; the last size holds every block, so every policy
# reaches the infinite-cache reference point there (token hit ratio 0.373624
# and 0.651244). Powers of two keep the sizes readable and the same from run
# to run (tests/python/test_sweep.py checks these bounds against the traces).
CONVERSATION_SIZES = ("128GiB,256GiB,512GiB,1TiB,2TiB,4TiB,8TiB,16TiB")
SYNTHETIC_SIZES = ("32GiB,64GiB,128GiB,256GiB,512GiB,1TiB,2TiB,4TiB")
# cloudPhysics (libCacheSim's oracleGeneral sample, classic mode): the sizes
# of libCacheSim's golden counts, 128 MiB x 1..8: 7-53 % of its footprint
# (1.89 GiB of distinct objects in 4.07 GiB requested), with LRU's largest
# step (miss ratio 0.72 -> 0.64) at 640 MiB.
CLOUDPHYSICS_SIZES = "128MiB:1GiB:128MiB"


@dataclasses.dataclass(frozen=True)
class Sim:
    """One `evictlab simulate` of the sweep: every policy on one trace."""
    id: str            # the output files' stem: sim/<id>.json, .txt
    trace: str         # path of the trace file
    format: str        # --format
    cache_sizes: str   # --cache-sizes
    extra: tuple = ()  # more options (the KV model)

    @property
    def kv(self):
        """KV mode (token hit ratios) rather than classic (miss ratios)."""
        return self.format == "mooncake"


def plan(traces_dir=DEFAULT_TRACES):
    """The sweep's simulations, in the order they run and are shown."""
    mc = os.path.join(traces_dir, "mooncake")
    lcs = os.path.join(traces_dir, "libcachesim")
    kv = ("--model", KV_MODEL)
    return [
        Sim("conversation_trace", os.path.join(mc, "conversation_trace.jsonl"),
            "mooncake", CONVERSATION_SIZES, kv),
        Sim("synthetic_trace", os.path.join(mc, "synthetic_trace.jsonl"),
            "mooncake", SYNTHETIC_SIZES, kv),
        Sim("cloudPhysicsIO",
            os.path.join(lcs, "cloudPhysicsIO.oracleGeneral.bin"),
            "oraclegeneral", CLOUDPHYSICS_SIZES),
    ]


def command(sim, evictlab=DEFAULT_EVICTLAB, json_out="-"):
    """The argv of one simulation (every policy, JSON to `json_out`)."""
    return [evictlab, "simulate", sim.trace, "--format", sim.format,
            "--policy", "all", "--cache-sizes", sim.cache_sizes,
            *sim.extra, "--json", json_out]


def run(run_dir, traces_dir=DEFAULT_TRACES, evictlab=DEFAULT_EVICTLAB,
        log=None):
    """Runs the plan into run_dir/sim/. Returns one dict per simulation:
    {"id", "ok", "seconds", "files"}; `log` gets one line each."""
    out_dir = os.path.join(run_dir, "sim")
    os.makedirs(out_dir, exist_ok=True)
    outcomes = []
    for sim in plan(traces_dir):
        base = os.path.join(out_dir, sim.id)
        for ext in (".json", ".txt", ".err"):
            if os.path.exists(base + ext):
                os.remove(base + ext)
        argv = command(sim, evictlab, base + ".json")
        t0 = time.monotonic()
        try:
            p = subprocess.run(argv, capture_output=True, text=True)
            rc, out, err = p.returncode, p.stdout, p.stderr
        except OSError as e:        # the binary is missing
            rc, out, err = 127, "", str(e)
        dt = time.monotonic() - t0
        ok = rc == 0 and os.path.isfile(base + ".json")
        if ok:
            with open(base + ".txt", "w", encoding="utf-8") as f:
                f.write("$ %s\n%s" % (shlex.join(argv), out))
            files = [base + ".json", base + ".txt"]
        else:
            if os.path.exists(base + ".json"):
                os.remove(base + ".json")   # never publish a partial file
            with open(base + ".err", "w", encoding="utf-8") as f:
                f.write("$ %s\nexit status %d\n%s" % (shlex.join(argv), rc,
                                                      err[-4000:]))
            files = [base + ".err"]
        outcomes.append({"id": sim.id, "ok": ok, "seconds": dt,
                         "files": files})
        if log:
            first = (err.strip().splitlines() or [""])[0]
            log("   sim %-20s %5.1f s  %s" % (
                sim.id, dt, "ok" if ok else "FAILED (exit %d): %s" % (
                    rc, first)))
    return outcomes


def main(argv=None):
    ap = argparse.ArgumentParser(
        prog="python3 -m evictlab_tools.sweep",
        description="The policy sweep of scripts/run.sh.")
    ap.add_argument("--traces", default=DEFAULT_TRACES,
                    help="the shared traces directory (default %(default)s)")
    ap.add_argument("--evictlab", default=DEFAULT_EVICTLAB,
                    help="the evictlab binary (default %(default)s)")
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--print", action="store_true",
                   help="print the commands and exit")
    g.add_argument("--run-dir", help="run the sweep into RUN_DIR/sim/")
    a = ap.parse_args(argv)
    if a.print:
        for sim in plan(a.traces):
            print(shlex.join(command(sim, a.evictlab,
                                     "sim/%s.json" % sim.id)))
        return 0
    outcomes = run(a.run_dir, a.traces, a.evictlab,
                   log=lambda s: print(s, flush=True))
    return 0 if all(o["ok"] for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
