#!/usr/bin/python3
"""Writes the dashboard's test fixtures under tests/dashboard/fixtures/results/.

Deterministic (seeded), so rerunning it reproduces the committed files. The
numbers are made up but shaped like real runs on 2-core VMs: Google
Benchmark 1.7.1 JSON with 3 repetitions and the mean/median/stddev/cv
aggregates, the same schema for python.json, a context.json, a gate.json
(the gate's per-case Ir/op, as results/baseline/gate.json), a cases.json
(docs/CASES.md) in the runs made after the policy/dict split, and one
profile directory.

Seven runs in commit order (a change needs two runs after it to be
confirmed, so fewer runs could never show one):
  1-2 old names (the dict in the policy name: lru, naive_lru), no cases.json
      (run 1 has no gate.json either), profile "quick";
  3-4 today's names (BM_UpdateOn*/<policy>/dict:<dict>/...), cases.json,
      profile "quick";
  5   profile "full" (every chart, target and GetSize case; policies lru,
      dummy, fifo; dicts flat, absl, node, naive; keys str, cek, hcek);
  6-7 the same commit as run 5 measured on another machine (an Intel Xeon
      next to the AMD EPYC runs 1-5), 38 % faster: must never be a change.
Planted for the tests:
  - a real regression: BM_UpdateOnGet/lru/dict:flat/kvobj/cek/entries:1048576/
    dist:uniform gets 30 % slower (and 22 % more Ir/op) from run 4 on;
  - one noisy run: BM_UpdateOnPut/lru/dict:flat/kvobj/cek/entries:65536/
    evictions:1 is 45 % slower in run 3 only (must NOT be flagged);
  - an unconfirmed jump: BM_UpdateOnGet/lru/dict:naive/kvobj/cek/entries:16384/
    dist:uniform is 25 % slower in the AMD machine's last run (5) only;
  - a case skipped with an error in run 5;
  - targets both met and not met (see tests).
The policy sweep (sim/, scripts/run.sh's `evictlab simulate --json`): run 7
has sim/ for two KV-mode traces and one classic trace, every SIM_POLICIES
policy at 8 cache sizes (belady, which needs future knowledge, the offline
reference), plus the cost cases the policy page's scatter reads (every sim
policy's get and put over the default dict, kvobj, hcek); run 6 has a sim/
whose only simulation failed (an .err file); runs 1-5 have none.
The Python boundary (boundary/, scripts/pyboundary's JSON): run 7 has
tests/python/fixtures/boundary/pyboundary.json, hand-made (two traces,
lru, lru_strict without a Python model, fifo; one row whose counters
differ); run 6 has a boundary/ whose measurement failed (an .err file);
runs 1-5 have none.
"""

import json
import math
import os
import random
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(HERE)),
                                "scripts"))
from evictlab_tools import cases  # noqa: E402

OUT = os.path.join(HERE, "fixtures", "results")
BOUNDARY_FIXTURE = os.path.join(os.path.dirname(HERE), "python", "fixtures",
                                "boundary", "pyboundary.json")

SIZES_FULL = [1024, 4096, 16384, 65536, 262144, 1048576]
SIZES_QUICK = [1024, 16384, 65536, 1048576]
REPS = 3
FIRST_NEW = 2          # index of the first run with today's names
INTEL_SPEED = 0.62     # the Intel runs' times relative to the AMD ones

AMD = {"cpu_model": "AMD EPYC 7B13", "cores": 2,
       "caches": "L1d 32 KiB, L2 512 KiB, L3 32 MiB"}
INTEL = {"cpu_model": "Intel(R) Xeon(R) Platinum 8375C CPU @ 2.90GHz",
         "cores": 2, "caches": "L1d 48 KiB, L2 1.25 MiB, L3 54 MiB"}

# (stamp, sha, commit date, message, profile, gated, machine)
RUNS = [
    ("20251117T091500Z", "3f9a1c2d5e6b7a8c9d0e1f2a3b4c5d6e7f809152",
     "2025-11-17T08:58:41+00:00", "lru: port LRUEvictor over an intrusive list",
     "quick", False, AMD),
    ("20251118T140200Z", "8b7d4e0a1c2f3e4d5c6b7a8f9e0d1c2b3a4f5e61",
     "2025-11-18T13:40:12+00:00", "bench: zipf draws through a fixed permutation",
     "quick", True, AMD),
    ("20251119T101000Z", "c41e9a7f0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e",
     "2025-11-19T09:51:30+00:00", "policies x dicts: dict: in the case names",
     "quick", True, AMD),
    ("20251120T163000Z", "51d0b3f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b1",
     "2025-11-20T16:05:55+00:00", "lru: keep nodes in a slab allocator",
     "quick", True, AMD),
    ("20251121T111500Z", "e07f6a9c8b7a6d5e4f3c2b1a0f9e8d7c6b5a4f3e",
     "2025-11-21T10:49:03+00:00", "ci: run the gate on every push",
     "full", True, AMD),
    ("20251121T150000Z", "e07f6a9c8b7a6d5e4f3c2b1a0f9e8d7c6b5a4f3e",
     "2025-11-21T10:49:03+00:00", "ci: run the gate on every push",
     "quick", True, INTEL),
    ("20251121T170000Z", "e07f6a9c8b7a6d5e4f3c2b1a0f9e8d7c6b5a4f3e",
     "2025-11-21T10:49:03+00:00", "ci: run the gate on every push",
     "quick", True, INTEL),
]

FLOOR = {1024: 1.6, 4096: 2.9, 16384: 4.8, 65536: 9.5, 262144: 38.0,
         1048576: 84.0}
GET_LRU = {1024: 11.5, 4096: 13.0, 16384: 17.0, 65536: 31.0, 262144: 95.0,
           1048576: 190.0}
GET_NAIVE = {1024: 19.0, 4096: 23.0, 16384: 33.0, 65536: 70.0, 262144: 210.0,
             1048576: 430.0}
GET_PY = {1024: 178.0, 4096: 182.0, 16384: 196.0, 65536: 240.0, 262144: 460.0,
          1048576: 720.0}
PUT_LRU = {1024: 29.0, 4096: 32.0, 16384: 40.0, 65536: 66.0, 262144: 180.0,
           1048576: 340.0}
PUT_PY = {1024: 980.0, 4096: 1000.0, 16384: 1050.0, 65536: 1150.0,
          262144: 1500.0, 1048576: 2100.0}
GETSIZE = {"field_read": 0.62, "kvobj": 0.71, "disk": 0.74, "bytearray": 1.02}
GETSIZE_PY = {"field_read": 38.0, "kvobj": 55.0, "disk": 58.0,
              "bytearray": 62.0}

REGRESSION = "BM_UpdateOnGet/lru/dict:flat/kvobj/cek/entries:1048576/dist:uniform"
NOISY = "BM_UpdateOnPut/lru/dict:flat/kvobj/cek/entries:65536/evictions:1"
PENDING = "BM_UpdateOnGet/lru/dict:naive/kvobj/cek/entries:16384/dist:uniform"
ERRORED = "BM_UpdateOnPut/lru/dict:naive/kvobj/cek/entries:1048576/evictions:8"
PROFILED = REGRESSION
OLD_POLICY = {("lru", "flat"): "lru", ("lru", "naive"): "naive_lru",
              ("dummy", "flat"): "dummy"}
# The registry as cases.json lists it (docs/CASES.md), registry order.
REGISTRY = {
    "policies": [
        {"name": "lru", "reproduces": "lmcache v0 LRUEvictor",
         "promotes_on_hit": True, "evicts": True, "may_reject_put": True,
         "needs_future_knowledge": False, "exact_accounting": False,
         "victim_end": "oldest"},
        {"name": "lru_strict", "reproduces": "", "promotes_on_hit": True,
         "evicts": True, "may_reject_put": True,
         "needs_future_knowledge": False, "exact_accounting": True,
         "victim_end": "oldest"},
        {"name": "dummy", "reproduces": "lmcache v0 DummyEvictor",
         "promotes_on_hit": False, "evicts": False, "may_reject_put": False,
         "needs_future_knowledge": False, "exact_accounting": False,
         "victim_end": "none"},
        {"name": "fifo", "reproduces": "lmcache v1 FIFO",
         "promotes_on_hit": False, "evicts": True, "may_reject_put": True,
         "needs_future_knowledge": False, "exact_accounting": False,
         "victim_end": "oldest"},
        {"name": "mru", "reproduces": "lmcache v1 MRU",
         "promotes_on_hit": True, "evicts": True, "may_reject_put": True,
         "needs_future_knowledge": False, "exact_accounting": False,
         "victim_end": "newest"},
        {"name": "belady", "reproduces": "Belady's MIN (offline)",
         "promotes_on_hit": False, "evicts": True, "may_reject_put": True,
         "needs_future_knowledge": True, "exact_accounting": True,
         "victim_end": "none"}],
    "dicts": [
        {"name": "flat", "default": True,
         "description": "open addressing + index-linked slab"},
        {"name": "absl", "default": False,
         "description": "absl::flat_hash_map + the same slab"},
        {"name": "node", "default": False,
         "description": "node-based dict"},
        {"name": "naive", "default": False,
         "description": "std::list + std::unordered_map"}],
    "kv_kinds": ["tensor", "bytearray", "kvobj", "disk"],
    "key_kinds": ["str", "cek", "hstr", "hcek"],
}


def combos(full):
    """(policy, dict, kv, key) of a run's cache cases."""
    if not full:
        return [("lru", "flat", "kvobj", "cek"),
                ("lru", "naive", "kvobj", "cek"),
                ("lru", "flat", "kvobj", "hcek")]
    return [("lru", "flat", "kvobj", "hcek"), ("lru", "absl", "kvobj", "hcek"),
            ("lru", "node", "kvobj", "hcek"),
            ("lru", "naive", "kvobj", "hcek"),
            ("lru", "flat", "kvobj", "cek"), ("lru", "naive", "kvobj", "cek"),
            ("lru", "flat", "tensor", "hcek"), ("lru", "flat", "kvobj", "str"),
            ("dummy", "flat", "kvobj", "hcek"),
            ("fifo", "flat", "kvobj", "hcek")]


def core(pol, d, kv, key):
    """The combos that get every variant (zipf, evictions 0/8) in a full run;
    the others only the main ones, to keep the fixtures small."""
    return kv == "kvobj" and pol == "lru" and d in ("flat", "naive") \
        and key in ("cek", "hcek")


def name_of(family, pol, d, kv, key, rest, old):
    """Today's name, or the old one (the dict in the policy name)."""
    if old:
        return "BM_%s/%s/%s/%s/%s" % (family, OLD_POLICY[(pol, d)], kv, key,
                                      rest)
    return "BM_%s/%s/dict:%s/%s/%s/%s" % (family, pol, d, kv, key, rest)


DICT_GET = {"flat": 1.0, "absl": 1.12, "node": 1.35}


def cpp_cases(full, old=False):
    """[(name, base ns/op, counters)] of the C++ suite for a run."""
    sizes = SIZES_FULL if full else SIZES_QUICK
    out = []
    tensors = ["tensor/dtype:%s/rank:%d/view:%s" % (dt, r, v)
               for dt in ("bfloat16", "float32") for r in (1, 5)
               for v in ("contiguous", "narrow")] if full else []
    for kv in (["field_read", "kvobj", "disk", "bytearray"] if full
               else ["field_read", "kvobj"]):
        out.append(("BM_GetSize/" + kv, GETSIZE[kv], {}))
    for t in tensors:
        base = 1.21 * (1.34 if "rank:5" in t else 1.0) * (
            1.11 if "narrow" in t else 1.0) * (1.04 if "float32" in t else 1.0)
        out.append(("BM_GetSize/" + t, base, {}))
    for pol, d, kv, key in combos(full):
        if old and (key == "hcek" or (pol, d) not in OLD_POLICY):
            continue   # before the split: no hashed keys in these runs
        naive = d == "naive"
        f = DICT_GET.get(d, 1.0)
        f *= 1.03 if kv == "tensor" else 1.0
        f *= {"str": 1.35, "hcek": 0.45}.get(key, 1.0)
        bpe = 96 + 24 * naive
        for n in sizes:
            for dist in (("uniform", "zipf") if full and core(pol, d, kv, key)
                         else ("uniform",)):
                if pol == "dummy":
                    base = 1.9
                elif naive:
                    base = GET_NAIVE[n] * (0.8 if key == "hcek" else 1.0)
                else:
                    base = GET_LRU[n] * f * (1.1 if pol == "fifo" else 1.0)
                if dist == "zipf":
                    base *= 0.95 if n <= 16384 else 0.7
                out.append((name_of("UpdateOnGet", pol, d, kv, key,
                                    "entries:%d/dist:%s" % (n, dist), old),
                            base, {"evictions": 0, "bytes_per_entry": bpe}))
            variants = ((1, 0, 8, "illegal") if full and core(pol, d, kv, key)
                        else (1,))
            for v in variants:
                if pol == "dummy":
                    base = 12.0
                elif naive:
                    base = PUT_LRU[n] * 1.9
                else:
                    base = PUT_LRU[n] * f * (0.95 if pol == "fifo" else 1.0)
                if v == 0:
                    base *= 0.8
                elif v == 8:
                    base *= 3.2
                elif v == "illegal":
                    base = 2.4
                    if naive:
                        continue
                suffix = ("status:illegal" if v == "illegal"
                          else "evictions:%d" % v)
                ev = 0 if v in ("illegal", 0) or pol == "dummy" else v
                out.append((name_of("UpdateOnPut", pol, d, kv, key,
                                    "entries:%d/%s" % (n, suffix), old),
                            base, {"evictions": ev, "bytes_per_entry": bpe}))
    for n in sizes:
        out.append(("BM_MemoryFloor/entries:%d" % n, FLOOR[n], {}))
    return out


def py_cases(full, old=False):
    """The Python model's cases: one dict (pydict in today's names)."""
    sizes = SIZES_FULL if full else SIZES_QUICK
    out = []
    for kv in (["field_read", "kvobj", "disk", "bytearray"] if full
               else ["kvobj"]):
        out.append(("BM_GetSize/" + kv, GETSIZE_PY[kv], {}))
    pys = [("lru", "kvobj", "cek")]
    if full:
        pys += [("lru", "kvobj", "str"), ("dummy", "kvobj", "cek")]

    def nm(family, pol, kv, key, rest):
        if old:
            return "BM_%s/%s/%s/%s/%s" % (family, pol, kv, key, rest)
        return "BM_%s/%s/dict:%s/%s/%s/%s" % (family, pol, cases.PYTHON_DICT,
                                              kv, key, rest)
    for pol, kv, key in pys:
        f = 0.55 if key == "str" else 1.0
        for n in sizes:
            for dist in (("uniform", "zipf") if full and key == "cek"
                         and pol == "lru" else ("uniform",)):
                base = 95.0 if pol == "dummy" else GET_PY[n] * f
                if dist == "zipf":
                    base *= 0.9
                out.append((nm("UpdateOnGet", pol, kv, key,
                               "entries:%d/dist:%s" % (n, dist)), base,
                            {"evictions": 0}))
            base = 310.0 if pol == "dummy" else PUT_PY[n] * (
                0.75 if key == "str" else 1.0)
            out.append((nm("UpdateOnPut", pol, kv, key,
                           "entries:%d/evictions:1" % n), base,
                        {"evictions": 0 if pol == "dummy" else 1}))
    return out


# The policy sweep of run 7 (SIM-SPEC section 6 JSON). Hit ratio curves
# h(c) = top * (1 - exp(-c / scale)) over 8 doubling sizes, one scale per
# policy; lru and lru_strict evict the same blocks, so they are equal;
# belady, the offline bound, is above every other policy at every size.
SIM_POLICIES = ["lru", "lru_strict", "fifo", "mru", "belady"]
SIM_SCALE = {"lru": 1.0, "lru_strict": 1.0, "fifo": 1.25, "mru": 2.6,
             "belady": 0.55}
SIM_NS = {"lru": 410.0, "lru_strict": 395.0, "fifo": 380.0, "mru": 430.0,
          "belady": 900.0}
GIB = 1 << 30
SIM_TRACES = [
    # (id, trace file, format, first size, footprint scale, top ratio, n_req)
    ("conversation_trace", "mooncake/conversation_trace.jsonl", "mooncake",
     128 * GIB, 1536 * GIB, 0.373624, 12031),
    ("synthetic_trace", "mooncake/synthetic_trace.jsonl", "mooncake",
     32 * GIB, 700 * GIB, 0.651244, 3993),
    ("cloudPhysicsIO", "libcachesim/cloudPhysicsIO.oracleGeneral.bin",
     "oraclegeneral", 128 << 20, 500 << 20, 0.5699, 113872),
]
SIM_FAILED = "synthetic_trace"   # run 6's failed simulation


def sim_fixture(tid, trace, fmt, first, scale, top, n_req):
    """One sim/<id>.json, rounded so the values survive JSON exactly."""
    kv = fmt == "mooncake"
    results = []
    for p in SIM_POLICIES:
        for k in range(8):
            size = first << k
            hit = round(top * (1 - math.exp(-size / (scale * SIM_SCALE[p]))),
                        6)
            secs = round(SIM_NS[p] * (1 + 0.04 * k) * n_req * 1e-9, 9)
            r = {"policy": p, "cache_size": size, "n_req": n_req,
                 "seconds": secs, "req_per_s": round(n_req / secs, 3)}
            if kv:
                n_block = 24 * n_req
                r.update({"n_block": n_block,
                          "n_block_hit": round(n_block * hit * 0.98),
                          "n_token": 12000 * n_req,
                          "n_token_hit": round(12000 * n_req * hit),
                          "token_hit_ratio": hit,
                          "block_hit_ratio": round(hit * 0.98, 6),
                          "n_store": n_block - round(n_block * hit * 0.98),
                          "n_store_failure": 0, "n_evict": 1000 * k,
                          "n_byte_hit": round(12000 * n_req * hit) * 131072,
                          "miss_ratio": round(1 - hit * 0.98, 6)})
            else:
                r.update({"n_req_byte": 4368040448,
                          "n_miss": round(n_req * (1 - hit)),
                          "miss_ratio": round(1 - hit, 6),
                          "byte_miss_ratio": round(1 - 0.9 * hit, 6)})
            results.append(r)
    ctx = {"threads": 2, "warmup_frac": 0.0}
    if kv:
        ctx.update({"model": "llama-3.1-8b", "kv_bytes_per_token": 131072})
    return {"trace": "../shared/traces/" + trace, "format": fmt,
            "context": ctx, "results": results}


def sim_cost_cases():
    """The scatter's cost cases in run 7: every sim policy's get and
    one-eviction put over the default dict, kvobj, hcek (lru's are among
    the quick run's cases already)."""
    out = []
    for p in SIM_POLICIES:
        if p == "lru":
            continue
        f = SIM_NS[p] / SIM_NS["lru"]
        for n in SIZES_QUICK:
            out.append(("BM_UpdateOnGet/%s/dict:flat/kvobj/hcek/entries:%d/"
                        "dist:uniform" % (p, n), GET_LRU[n] * 0.45 * f,
                        {"evictions": 0, "bytes_per_entry": 96}))
            out.append(("BM_UpdateOnPut/%s/dict:flat/kvobj/hcek/entries:%d/"
                        "evictions:1" % (p, n), PUT_LRU[n] * 0.45 * f * f,
                        {"evictions": 1, "bytes_per_entry": 96}))
    return out


def records(case_specs, rng, run_idx, errored=(), speed=1.0):
    """Google Benchmark 1.7.1 records: REPS iterations + 4 aggregates."""
    recs = []
    for fam_idx, (name, base, counters) in enumerate(case_specs):
        level = base * speed * math.exp(rng.gauss(0, 0.01))
        if name == REGRESSION and run_idx >= 3:
            level *= 1.30
        if name == NOISY and run_idx == 2:
            level *= 1.45
        if name == PENDING and run_idx == 4:
            level *= 1.25
        common = {"name": name, "family_index": fam_idx,
                  "per_family_instance_index": 0, "run_name": name,
                  "run_type": "iteration", "repetitions": REPS}
        if name in errored:
            for r in range(REPS):
                recs.append(dict(common, repetition_index=r, threads=1,
                                 iterations=0, real_time=0.0, cpu_time=0.0,
                                 time_unit="ns", error_occurred=True,
                                 error_message="evicted keys differ from "
                                 "the reference at op 0"))
            continue
        times = []
        for r in range(REPS):
            t = level * math.exp(rng.gauss(0, 0.015))
            times.append(t)
            rec = dict(common, repetition_index=r, threads=1,
                       iterations=max(1, int(2e8 / t) // 1000 * 1000),
                       real_time=round(t, 4), cpu_time=round(t * 0.998, 4),
                       time_unit="ns",
                       items_per_second=round(1e9 / t, 1))
            rec.update(counters)
            recs.append(rec)
        mean = sum(times) / REPS
        med = sorted(times)[REPS // 2]
        sd = math.sqrt(sum((t - mean) ** 2 for t in times) / (REPS - 1))
        for agg, v, unit in (("mean", mean, "time"), ("median", med, "time"),
                             ("stddev", sd, "time"),
                             ("cv", sd / mean, "percentage")):
            recs.append({"name": name + "_" + agg, "family_index": fam_idx,
                         "per_family_instance_index": 0, "run_name": name,
                         "run_type": "aggregate", "repetitions": REPS,
                         "threads": 1, "aggregate_name": agg,
                         "aggregate_unit": unit, "iterations": REPS,
                         "real_time": round(v, 4) if unit == "time"
                         else round(v, 6),
                         "cpu_time": round(v * 0.998, 4) if unit == "time"
                         else round(v, 6),
                         "time_unit": "ns"})
    return recs


def dump_gbench(path, context, recs):
    """Google Benchmark's layout, one benchmark record per line (compact)."""
    with open(path, "w") as f:
        f.write('{\n  "context": %s,\n  "benchmarks": [\n' %
                json.dumps(context))
        f.write(",\n".join("    " + json.dumps(r) for r in recs))
        f.write("\n  ]\n}\n")


def ir_model(name):
    case = cases.parse_name(name)
    if case.family == "GetSize":
        return 4.0 if case.variant == "field_read" else 6.0
    if case.family == "MemoryFloor":
        return 5.0
    grow = math.log2(case.entries) - 10
    naive = case.dict == "naive"
    if case.family == "UpdateOnGet":
        return (83.0 if naive else 58.0) + 0.8 * grow
    return (240.0 if naive else 150.0) + 1.5 * grow


def main():
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    rng = random.Random(42)
    caches = [{"type": "Data", "level": 1, "size": 49152, "num_sharing": 2},
              {"type": "Instruction", "level": 1, "size": 32768,
               "num_sharing": 2},
              {"type": "Unified", "level": 2, "size": 1310720,
               "num_sharing": 2},
              {"type": "Unified", "level": 3, "size": 56623104,
               "num_sharing": 2}]
    for idx, (stamp, sha, cdate, msg, profile, gated, mach) in \
            enumerate(RUNS):
        full = profile == "full"
        old = idx < FIRST_NEW
        speed = INTEL_SPEED if mach is INTEL else 1.0
        d = os.path.join(OUT, "runs", "%s_%s" % (stamp, sha[:7]))
        os.makedirs(d)
        when = "%s-%s-%sT%s:%s:%s+00:00" % (stamp[0:4], stamp[4:6],
                                            stamp[6:8], stamp[9:11],
                                            stamp[11:13], stamp[13:15])
        gctx = {"date": when, "host_name": "evictlab-ci-%s" % (
                    "intel" if mach is INTEL else "amd"),
                "executable": "build/evictlab_bench", "num_cpus": 2,
                "mhz_per_cpu": 2900, "cpu_scaling_enabled": False,
                "caches": caches, "load_avg": [0.41, 0.33, 0.2],
                "library_build_type": "debug"}
        cpp = cpp_cases(full, old)
        errored = (ERRORED,) if idx == 4 else ()
        recs = records(cpp, rng, idx, errored, speed)
        if idx == len(RUNS) - 1:
            # Its own generator, so the other runs' numbers do not move.
            extra = sim_cost_cases()
            recs += records(extra, random.Random(7), idx, (), speed)
            cpp = cpp + extra
            os.makedirs(os.path.join(d, "sim"))
            for spec in SIM_TRACES:
                with open(os.path.join(d, "sim", spec[0] + ".json"),
                          "w") as f:
                    json.dump(sim_fixture(*spec), f, indent=1)
                    f.write("\n")
            os.makedirs(os.path.join(d, "boundary"))
            shutil.copy(BOUNDARY_FIXTURE, os.path.join(d, "boundary"))
        elif idx == len(RUNS) - 2:
            os.makedirs(os.path.join(d, "sim"))
            with open(os.path.join(d, "sim", SIM_FAILED + ".err"), "w") as f:
                f.write("$ build/evictlab simulate ../shared/traces/mooncake/"
                        "synthetic_trace.jsonl --format mooncake ...\n"
                        "exit status 2\nevictlab simulate: synthetic_trace."
                        "jsonl:17: field 'hash_ids': expected an array\n")
            os.makedirs(os.path.join(d, "boundary"))
            with open(os.path.join(d, "boundary", "pyboundary.err"),
                      "w") as f:
                f.write("$ scripts/pyboundary --runs 1 --cache-sizes 8388608"
                        " --out results/runs/.../boundary ...\n"
                        "exit status 2\nscripts/pyboundary: cannot import "
                        "evictlab from build/python (No module named "
                        "'evictlab'); build it: cmake --build --preset "
                        "release --target evictlab_python\n")
        dump_gbench(os.path.join(d, "cpp.json"), gctx, recs)
        pctx = dict(gctx, executable="pybench",
                    library_build_type="python",
                    cpu_model=mach["cpu_model"],
                    python_version="3.11.2", torch_version="2.1.2",
                    numpy_version="1.24.2", repetitions=REPS)
        dump_gbench(os.path.join(d, "python.json"), pctx,
                    records(py_cases(full, old), rng, idx, (), speed))
        context = {
            "git": {"sha": sha, "dirty": False, "message": msg,
                    "date": cdate, "branch": "main"},
            "profile": profile,
            "compiler": {"id": "GNU", "version": "g++ (Debian 12.2.0-14) "
                         "12.2.0", "flags": "-O2 -g -fno-omit-frame-pointer",
                         "build_type": "Release"},
            "libraries": {"benchmark": "1.7.1", "gtest": "1.12.1",
                          "torch": "2.1.2", "python": "3.11.2",
                          "abseil": "20220623.1"},
            "machine": {"cpu_model": mach["cpu_model"],
                        "cores": mach["cores"], "caches": mach["caches"],
                        "memory_gib": 24,
                        "os": "Debian GNU/Linux 12 (bookworm)"},
            "library_build_type": "debug",
            "run": {"started": when, "repetitions": REPS, "min_time": 0.2},
        }
        with open(os.path.join(d, "context.json"), "w") as f:
            json.dump(context, f, indent=2)
            f.write("\n")
        if not old:
            # What `evictlab_bench --evictlab_list_cases` prints (the
            # registry lists every policy and dict; the cases are the run's).
            doc = dict(REGISTRY, schema=cases.SCHEMA,
                       cases=[cases.parse_name(n).as_dict()
                              for n, _b, _c in cpp])
            with open(os.path.join(d, "cases.json"), "w") as f:
                json.dump(doc, f, indent=1)
                f.write("\n")
        if gated:
            # The gate's cases: the reference dict's and the naive dict's
            # uniform gets and one-eviction puts of kvobj/cek, and GetSize
            # (Ir/op is machine-independent: the Intel runs count the same).
            gate = {}
            for name, _base, _c in cpp:
                canon = cases.canonical(name)
                if name.startswith("BM_UpdateOn") and (
                        "/kvobj/cek/" not in canon
                        or "/lru/" not in canon
                        or not ("dict:flat" in canon or "dict:naive" in canon)
                        or not ("dist:uniform" in canon
                                or "evictions:1" in canon)):
                    continue
                if name.startswith("BM_MemoryFloor"):
                    continue
                ir = ir_model(name)
                if canon == REGRESSION and idx >= 3:
                    ir *= 1.22
                gate[name] = {"ir_per_op": round(ir, 2),
                              "est_cycles_per_op": round(ir * 0.55 + (
                                  40 if "1048576" in name else 2), 2),
                              "iterations": 2048}
            with open(os.path.join(d, "gate.json"), "w") as f:
                json.dump({"cases": gate,
                           "context": {"tool": "valgrind --tool=callgrind",
                                       "valgrind": "3.19.0",
                                       "sha": sha}}, f, indent=1)
                f.write("\n")
    # scripts/profile's directory name: no BM_, punctuation as _.
    pdir = os.path.join(OUT, "profiles",
                        PROFILED[3:].replace("/", "_").replace(":", "_"))
    os.makedirs(pdir)
    with open(os.path.join(pdir, "flame.html"), "w") as f:
        f.write("<!doctype html><title>flame graph</title>"
                "<p>flame graph of %s (fixture)</p>\n" % PROFILED)
    with open(os.path.join(pdir, "perf.folded"), "w") as f:
        f.write("%s;update_on_get;move_to_end 97\n%s;hash 3\n"
                % (PROFILED, PROFILED))
    with open(os.path.join(pdir, "perf.data"), "wb") as f:
        f.write(b"\0PERFILE2 fixture: not copied into the site\n")


if __name__ == "__main__":
    main()
