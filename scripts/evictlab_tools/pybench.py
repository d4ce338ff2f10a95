"""Times the Python model of LMCache's evictor on the C++ suite's cases.

The cases, data and timed operations are those of docs/WORKLOADS.md, for
the policies the model has (pymodel.POLICIES: ``lru``, ``dummy``); names are
rendered by cases.format_name (docs/CASES.md) with the dict ``pydict``
(LMCache v0's evictor over Python's OrderedDict, none of the C++ dicts;
derive compares these cases with the C++ default dict's):

  BM_GetSize/...                                   the size rule
  BM_UpdateOnGet/<policy>/dict:pydict/<kv>/<key>/entries:<n>/dist:<uniform|zipf>
  BM_UpdateOnGet/<policy>/dict:pydict/kvobj/<key>/entries:<n>/dist:uniform/key:fresh
      each lookup builds a new key from its parts (a CacheEngineKey
      dataclass, or its to_string() text, as LMCache builds one per chunk),
      then `if key in d: evictor.update_on_get(key, d)`
  BM_Request/<policy>/dict:pydict/kvobj/cek/entries:<n>/chunks:<N>/hits:<f>
      one request (bench/request_benchmarks.cc): N new CacheEngineKey
      dataclasses, then the KV request loop of pymodel/kv_replay.py (longest
      resident prefix, touches in reverse, stores with the request's keys
      protected) over the LMCache v1 / vLLM-shaped policies of
      pymodel/kv_policies.py, or for lru_strict and dummy LMCache v0's
      retrieve-then-store over LRUEvictor / DummyEvictor
      (pymodel/v0_request.py) (--request-policies); cache sizes 2^10 and
      2^14 of --entries; a block is 512 bytes, the cache n blocks
  BM_UpdateOnPut/<policy>/dict:pydict/<kv>/<key>/entries:<n>/evictions:<0|1|8>
  BM_UpdateOnPut/<policy>/dict:pydict/<kv>/<key>/entries:<n>/status:illegal

Output: Google Benchmark 1.7.1's JSON schema (per-repetition runs, then the
mean/median/stddev/cv aggregates), to --out or stdout; a console table and
progress go to stderr.

How it measures:
- time.perf_counter_ns (real) and time.thread_time_ns (CPU) around batches of
  operations, never around one operation; untimed work (restoring the cache
  after a batch) happens between batches.
- Like Google Benchmark, the first repetition grows the iteration count until
  one run lasts --min-time; that run is reported, and later repetitions reuse
  its iteration count.  Batched cases round iterations up to whole batches
  (like KeepRunningBatch).
- The garbage collector is off while running (as in timeit), and everything
  built is frozen out of its reach.
- Every case checks its result before timing (evicted keys, status, sizes,
  `current`, dict length) and again after; a wrong result becomes an entry
  with "error_occurred": true and is not timed.
- A (kv, key, entries) group shares one cache: its first 4096 keys are put
  through the caller pattern (checked), the rest inserted in order in one
  update with the same accounting, which leaves the same dict and `current`.
  Keys and objects are built once for the largest size and sliced.
  Cases run in an order that keeps the shared cache valid: lru puts with one
  eviction (steady state over a pool of 2n keys) first, then the other lru
  puts (each restores the cache), gets, dummy puts, and last dummy's
  evictions:1 (the dummy never evicts, so that case grows the dict to 2n).
- evictions:8 batches are min(n/16, 4096) puts (WORKLOADS.md: n/16), so
  that one Python batch lasts about --min-time instead of ~1 s at 2^20.
- Repetitions: --repetitions (3) below --large-entries (2^20), and
  --large-repetitions (2) from there on, to keep the default run under
  ~4 minutes on a 2-core machine.
- --max-seconds: before each group the time it needs is estimated from what
  was measured so far; a group that would overrun the budget is skipped and
  its cases are written as error entries ("skipped: ...") and listed on stderr.

The dummy policy (it never evicts and accepts every put) has, as in the C++
suite, no evictions:8 or status:illegal case.  Its evictions:1 case still
puts key (n + j) mod 2n through the caller pattern; the dict grows to 2n keys,
after which each put re-puts a resident key (pop, insert).

BM_GetSize objects are those of the C++ suite (bench/get_size_benchmarks.cc):
1024 objects of 256 bytes, or meta-device tensors [2^20] / [2,32,256,8,128]
narrowed along dim 0 / 2 to 2^19 / 100 elements from offset i % 100.

Run with /usr/bin/python3 (Debian's Python 3.11 with python3-torch), e.g.
  scripts/pybench --out results/runs/X/python.json
  scripts/pybench --entries 1024 --filter 'lru/dict:pydict/kvobj'
  scripts/pybench --list
"""

import argparse
import datetime
import gc
import itertools
import json
import math
import os
import platform
import re
import socket
import statistics
import sys
import time
import tracemalloc
from collections import OrderedDict

import numpy as np
import torch

from . import cases, context as context_mod, derive
from .pymodel import POLICIES, V0_REQUEST_POLICIES
from .pymodel import kv_policies, kv_replay, v0_request
from .pymodel.lmcache_evictor import (CacheEngineKey, DiskCacheMetadata,
                                      DummyEvictor, KVObj, LRUEvictor,
                                      PutStatus)

S = 256                      # object size in bytes (WORKLOADS.md "Data")
ELEMS = S // 2               # bfloat16 elements per object
FMT, MODEL = "vllm", "meta-llama/Llama-3.1-8B-Instruct"
DRAWS = 65536                # pre-drawn get keys, cycled
GETSIZE_OBJS = 1024          # objects cycled by BM_GetSize
SEED = 42
ZIPF_S = 0.99
FAR_GB = 1024.0              # evictions:0: MAX "far above" (1 TiB)
CHUNK = 65536                # longest timed batch for unbatched cases
CHECK_OPS = 64               # operations validated before timing
# evictions:8 restores the cache after every batch of n/16 puts.  A Python put
# evicting 8 keys costs ~13 us, so n/16 = 65536 puts would be ~1 s per batch
# at 2^20 entries; batches are capped so that one lasts about --min-time.
EV8_BATCH_CAP = 4096
CALLER_BUILD = 4096          # cache keys inserted put by put (see Group)

KVS = ("tensor", "bytearray", "kvobj", "disk")
KEYS = ("str", "cek")
WORLD_SIZE, WORKER_ID = 1, 0
# BM_Request (bench/request_benchmarks.cc): cache sizes, chunks per request,
# and the prefix-hit fractions as the names spell them.
REQUEST_ENTRIES = (1024, 16384)
REQUEST_CHUNKS = (8, 32, 128)
REQUEST_HITS = (("0", 0.0), ("0.5", 0.5), ("1", 1.0))
REQUEST_KV = "kvobj"
# Every policy with a Python side for BM_Request: the KV models, then
# LMCache v0's evictors for lru_strict and dummy (v0_request).
REQUEST_POLICIES = derive.PYTHON_REQUEST_POLICIES
_ZEROS48 = "0" * 48
DTYPES = OrderedDict([
    ("float16", torch.float16), ("bfloat16", torch.bfloat16),
    ("float32", torch.float32), ("float64", torch.float64),
    ("uint8", torch.uint8), ("int8", torch.int8), ("int16", torch.int16),
    ("int32", torch.int32), ("int64", torch.int64), ("bool", torch.bool),
    ("complex64", torch.complex64), ("complex128", torch.complex128),
])
ILLEGAL = PutStatus.ILLEGAL
LEGAL = PutStatus.LEGAL


class CaseError(Exception):
    """A case's result is wrong: reported as error_occurred, not timed."""


def check(cond, msg):
    if not cond:
        raise CaseError(msg)


# --------------------------------------------------------------------------
# Data: keys and KV objects (WORKLOADS.md "Data"), built once and sliced.

def chunk_hashes(a, b):
    """chunk_hash(i) for i in [a, b): 64 hex digits of splitmix64(4i+j)."""
    x = np.arange(4 * a, 4 * b, dtype=np.uint64)
    with np.errstate(over="ignore"):
        z = x + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    hx = z.astype(">u8").tobytes().hex()
    return [hx[i:i + 64] for i in range(0, len(hx), 64)]


def splitmix64(x):
    m = (1 << 64) - 1
    z = (x + 0x9E3779B97F4A7C15) & m
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & m
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & m
    return z ^ (z >> 31)


def chunk_hash_ref(i):
    return "".join("%016x" % splitmix64(4 * i + j) for j in range(4))


class Data:
    """Keys and objects, extended on demand; index i is the same everywhere."""

    def __init__(self, max_n):
        self.max_n = max_n
        self.hashes = []
        self.keys = {"str": [], "cek": []}
        self.objs = {kv: [] for kv in KVS}
        self.big = {kv: [] for kv in KVS}        # 8*S objects (evictions:8)
        self._pool = None
        self._pool8 = None
        self._views = []
        self._views8 = []

    def key_list(self, key, count):
        ks = self.keys[key]
        if len(self.hashes) < count:
            self.hashes.extend(chunk_hashes(len(self.hashes), count))
        if len(ks) < count:
            hs = self.hashes[len(ks):count]
            if key == "str":
                prefix = f"{FMT}@{MODEL}@1@0@"
                ks.extend([prefix + h for h in hs])
            else:
                ks.extend([CacheEngineKey(FMT, MODEL, 1, 0, h) for h in hs])
        return ks

    def _view_list(self, count):
        if self._pool is None:
            # One shared pool, as LMCache stores slices of a memory pool;
            # torch.empty does not touch the pages.
            self._pool = torch.empty(self.max_n * ELEMS, dtype=torch.bfloat16)
        vs = self._views
        pool = self._pool
        vs.extend([pool.narrow(0, i * ELEMS, ELEMS)
                   for i in range(len(vs), count)])
        return vs

    def _view8_list(self, count):
        if self._pool8 is None:
            self._pool8 = torch.empty(max(1, self.max_n // 16) * 8 * ELEMS,
                                      dtype=torch.bfloat16)
        vs = self._views8
        pool = self._pool8
        vs.extend([pool.narrow(0, i * 8 * ELEMS, 8 * ELEMS)
                   for i in range(len(vs), count)])
        return vs

    def obj_list(self, kv, count):
        """`count` objects of S bytes (docs/WORKLOADS.md)."""
        return self._objects(self.objs[kv], kv, count, 1, self._view_list, "")

    def big_list(self, kv, count):
        """`count` objects of 8*S bytes (the evictions:8 puts)."""
        return self._objects(self.big[kv], kv, count, 8, self._view8_list,
                             "big")

    @staticmethod
    def _objects(os_, kv, count, mult, views, tag):
        if len(os_) < count:
            a = len(os_)
            if kv == "tensor":
                os_.extend(views(count)[a:count])
            elif kv == "kvobj":
                vs = views(count)
                os_.extend([KVObj(i, mult * S, vs[i]) for i in range(a, count)])
            elif kv == "bytearray":
                os_.extend([bytearray(mult * S) for _ in range(a, count)])
            else:
                os_.extend([DiskCacheMetadata(f"/cache/{tag}{i}.pt", mult * S)
                            for i in range(a, count)])
        return os_


def get_positions(n):
    """65536 positions into the resident-key list: uniform and Zipf(0.99)."""
    rng = np.random.default_rng(SEED)
    uniform = rng.integers(0, n, size=DRAWS)
    w = 1.0 / np.power(np.arange(1, n + 1, dtype=np.float64), ZIPF_S)
    cdf = np.cumsum(w)
    cdf /= cdf[-1]
    ranks = np.searchsorted(cdf, rng.random(DRAWS), side="right")
    ranks = np.minimum(ranks, n - 1)
    perm = rng.permutation(n)       # popularity independent of insertion order
    return {"uniform": uniform.tolist(), "zipf": perm[ranks].tolist()}


# --------------------------------------------------------------------------
# Timed loops.  Each returns (real_ns, cpu_ns) for exactly the ops given.

_pc = time.perf_counter_ns
_tt = time.thread_time_ns


def time_getsize(fn, objs, reps):
    total = 0
    c0 = _tt()
    t0 = _pc()
    for _ in range(reps):
        for o in objs:
            total += fn(o)
    t1 = _pc()
    c1 = _tt()
    return t1 - t0, c1 - c0, total


def time_field_read(objs, reps):
    total = 0
    c0 = _tt()
    t0 = _pc()
    for _ in range(reps):
        for o in objs:
            total += o.size
    t1 = _pc()
    c1 = _tt()
    return t1 - t0, c1 - c0, total


def time_get(fn, keys, d):
    c0 = _tt()
    t0 = _pc()
    for k in keys:
        fn(k, d)
    t1 = _pc()
    c1 = _tt()
    return t1 - t0, c1 - c0


def time_fresh_get(fn, hashes, d, key_kind):
    """Each op builds its key from the parts, then contains + update_on_get
    (LMCache's local backend: `if key in dict: evictor.update_on_get(...)`).
    Returns (real_ns, cpu_ns, misses)."""
    fmt, model, ws, wid = FMT, MODEL, WORLD_SIZE, WORKER_ID
    misses = 0
    if key_kind == "cek":
        cek = CacheEngineKey
        c0 = _tt()
        t0 = _pc()
        for h in hashes:
            k = cek(fmt, model, ws, wid, h)
            if k in d:
                fn(k, d)
            else:
                misses += 1
        t1 = _pc()
        c1 = _tt()
    else:
        c0 = _tt()
        t0 = _pc()
        for h in hashes:
            k = f"{fmt}@{model}@{ws}@{wid}@{h}"
            if k in d:
                fn(k, d)
            else:
                misses += 1
        t1 = _pc()
        c1 = _tt()
    return t1 - t0, c1 - c0, misses


def time_put_recycle(upd, d, size, keys, obj):
    """Blocking put storing the object popped for the evicted key."""
    c0 = _tt()
    t0 = _pc()
    for key in keys:
        evict, status = upd(d, size)
        if status == ILLEGAL:
            continue
        if key in d:
            d.pop(key)
        for k in evict:
            obj = d.pop(k)
        d[key] = obj
    t1 = _pc()
    c1 = _tt()
    return t1 - t0, c1 - c0


def time_put_new(upd, d, size, pairs):
    """Blocking put storing a new object per key."""
    c0 = _tt()
    t0 = _pc()
    for key, new in pairs:
        evict, status = upd(d, size)
        if status == ILLEGAL:
            continue
        if key in d:
            d.pop(key)
        for k in evict:
            d.pop(k)  # the caller drops the evicted object
        d[key] = new
    t1 = _pc()
    c1 = _tt()
    return t1 - t0, c1 - c0


# --------------------------------------------------------------------------
# Cases.  A case has check() (untimed validation, raises CaseError),
# run(iters) -> (real_ns, cpu_ns, iters_done), and post() (validation after
# timing).  `batch` is the iteration granularity.

class Case:
    batch = 1
    evictions = None     # per-op counter, set for UpdateOn* cases
    bytes_per_entry = None   # the cache's own heap per entry (UpdateOn*)

    def __init__(self, name):
        self.name = name

    def check(self):
        pass

    def post(self):
        pass


class GetSizeCase(Case):
    batch = GETSIZE_OBJS

    def __init__(self, name, objs, expected_each, field_read=False):
        super().__init__(name)
        self.objs = objs
        self.expected = expected_each * len(objs)
        self.field_read = field_read
        self.fn = LRUEvictor().get_size

    def check(self):
        _, _, total = self._time(1)
        check(total == self.expected,
              f"size sum {total} != expected {self.expected}")

    def _time(self, reps):
        if self.field_read:
            return time_field_read(self.objs, reps)
        return time_getsize(self.fn, self.objs, reps)

    def run(self, iters):
        reps = max(1, -(-iters // len(self.objs)))
        real, cpu, total = self._time(reps)
        check(total == self.expected * reps,
              f"size sum {total} != expected {self.expected * reps}")
        return real, cpu, reps * len(self.objs)


_DICT_BYTES = {}


def dict_bytes_per_entry(keys, objs):
    """Heap an OrderedDict of these keys and objects holds per entry beyond
    the key and object themselves (hash table, order links), measured with
    tracemalloc on a second dict built like the cache (the evictor holds
    nothing per entry). The C++ counterpart is the bytes_per_entry counter.
    Measured once per size: it depends on n, not on the key or object type."""
    n = len(keys)
    if n not in _DICT_BYTES:
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            d = OrderedDict()
            for k, o in zip(keys, objs):
                d[k] = o
            after = tracemalloc.get_traced_memory()[0]
        finally:
            tracemalloc.stop()
        check(len(d) == n, "dict_bytes_per_entry: keys are not distinct")
        del d
        _DICT_BYTES[n] = (after - before) / n
    return _DICT_BYTES[n]


class Group:
    """One full cache of n entries for a (kv, key, n), shared by its cases."""

    def __init__(self, data, kv, key, n):
        self.kv, self.key, self.n = kv, key, n
        self.m = 2 * n                                # key pool size
        self.pool = data.key_list(key, self.m)[:self.m]
        self.objs = data.obj_list(kv, n)
        self.data = data
        self.ev = LRUEvictor(n * S / 2**30)           # MAX = n * S, exact
        check(self.ev.MAX_CACHE_SIZE == n * S, "MAX != n * S")
        # Built through the caller pattern (the local backend's blocking put),
        # checked put by put, for the first CALLER_BUILD keys; the rest are
        # inserted in the same order in one C-level update and accounted in
        # one step.  The dict and `current` end up exactly as n caller puts
        # leave them (integers below 2^53 add exactly in a double), at a
        # third of the cost for cek keys, whose __hash__ is Python code.
        d = OrderedDict()
        upd = self.ev.update_on_put
        objs, pool = self.objs, self.pool
        k = min(n, CALLER_BUILD)
        for i in range(k):
            key_i = pool[i]
            evict, status = upd(d, S)
            if status == ILLEGAL or evict:
                raise CaseError(f"building: put {i} returned {evict}, {status}")
            if key_i in d:
                d.pop(key_i)
            d[key_i] = objs[i]
        check(self.ev.current_cache_size == float(k * S),
              f"building: current {self.ev.current_cache_size} != {k * S}")
        d.update(zip(pool[k:n], objs[k:n]))
        self.ev.current_cache_size += (n - k) * S
        check(len(d) == n and self.ev.current_cache_size == float(n * S),
              f"building: len {len(d)}, current {self.ev.current_cache_size}")
        self.d = d
        self.bytes_per_entry = dict_bytes_per_entry(pool[:n], objs)
        self.J = 0            # resident window: pool[(J + t) % 2n], t < n
        self._rot = None

    def rot(self):
        """rot[j] = the key put by op j of evictions:1: pool[(j + n) % 2n]."""
        if self._rot is None:
            self._rot = self.pool[self.n:] + self.pool[:self.n]
        return self._rot

    def nonresident(self, count):
        m, base = self.m, self.J + self.n
        return [self.pool[(base + i) % m] for i in range(count)]

    def expect_full(self, what):
        check(len(self.d) == self.n, f"{what}: len {len(self.d)} != {self.n}")
        check(self.ev.current_cache_size == float(self.n * S),
              f"{what}: current {self.ev.current_cache_size} != {self.n * S}")


class GetCase(Case):
    evictions = 0.0

    def __init__(self, name, g, policy, positions):
        super().__init__(name)
        self.g, self.policy, self.positions = g, policy, positions
        self.ev = g.ev if policy == "lru" else DummyEvictor()

    def check(self):
        d = self.g.d
        resident = list(d)
        self.keys = [resident[p] for p in self.positions]
        check(all(k in d for k in set(self.keys)), "a drawn key is not resident")
        last = next(reversed(d))
        k0 = self.keys[0]
        self.ev.update_on_get(k0, d)
        want = k0 if self.policy == "lru" else last
        check(next(reversed(d)) == want,
              f"after update_on_get the newest key is not {want!r}")
        self.g.expect_full("update_on_get")
        self.pos = 0

    def run(self, iters):
        fn, d, keys = self.ev.update_on_get, self.g.d, self.keys
        real = cpu = done = 0
        while done < iters:
            a = self.pos
            b = min(len(keys), a + (iters - done))
            chunk = keys if (a == 0 and b == len(keys)) else keys[a:b]
            r, c = time_get(fn, chunk, d)
            real, cpu, done = real + r, cpu + c, done + (b - a)
            self.pos = b % len(keys)
        return real, cpu, done

    def post(self):
        self.g.expect_full("after timing")


class FreshGetCase(GetCase):
    """GetCase with a key built from its parts per lookup (never the stored
    object): the hash is computed and the fields compared on every hit."""

    def check(self):
        super().check()
        n_prefix = len(f"{FMT}@{MODEL}@{WORLD_SIZE}@{WORKER_ID}@")
        if self.g.key == "cek":
            self.hashes = [k.chunk_hash for k in self.keys]
        else:
            self.hashes = [k[n_prefix:] for k in self.keys]
        d = self.g.d
        # The built keys equal the stored ones and are new objects.
        real, cpu, misses = time_fresh_get(lambda k, d: None,
                                           self.hashes[:CHECK_OPS], d,
                                           self.g.key)
        check(misses == 0, f"{misses} keys built from their parts missed")
        k0 = (CacheEngineKey(FMT, MODEL, WORLD_SIZE, WORKER_ID,
                             self.hashes[0]) if self.g.key == "cek"
              else f"{FMT}@{MODEL}@{WORLD_SIZE}@{WORKER_ID}@{self.hashes[0]}")
        check(k0 == self.keys[0] and k0 is not self.keys[0],
              "a key built from its parts is not a new equal key")
        self.g.expect_full("fresh-key check")

    def run(self, iters):
        fn, d, hs = self.ev.update_on_get, self.g.d, self.hashes
        real = cpu = done = 0
        while done < iters:
            a = self.pos
            b = min(len(hs), a + (iters - done))
            chunk = hs if (a == 0 and b == len(hs)) else hs[a:b]
            r, c, misses = time_fresh_get(fn, chunk, d, self.g.key)
            check(misses == 0, f"{misses} fresh-key lookups missed")
            real, cpu, done = real + r, cpu + c, done + (b - a)
            self.pos = b % len(hs)
        return real, cpu, done


class RequestCase(Case):
    """One request of `chunks` chunks whose first round(f * chunks) are the
    same resident prefix every time (bench/request_benchmarks.cc's
    workload): build the keys, then the request loop of the policy's
    Python side. The other chunks are new content: their hash is a running
    counter in 16 hex digits and 48 zeros, written per chunk as the C++
    side writes it.

    The Python side: a KV model of kv_policies.POLICIES through
    kv_replay.replay (LMCache v1 / vLLM shapes); for lru_strict and dummy,
    whose original is LMCache v0's evictor, v0_request (LRUEvictor /
    DummyEvictor in v0's retrieve-then-store). Belady is told a next
    access per block reference from future_table(), as the C++ side is
    (bench/common/futures.h), so its heap sees near and far futures. A
    policy that never evicts (dummy) grows by the misses of each request.
    """

    def __init__(self, name, policy, n, chunks, fraction):
        super().__init__(name)
        self.policy_name, self.n, self.chunks = policy, n, chunks
        self.prefix = int(round(fraction * chunks))
        self.block = kv_replay.BLOCK_TOKENS          # bytes, 1 per token
        self.hashes = chunk_hashes(0, chunks + n)
        capacity = n * self.block
        if policy in v0_request.EVICTORS:
            self.policy = v0_request.make_request_cache(policy, capacity,
                                                        self.block)
            self.evicts = self.policy.evicts
            self.request = self.policy.request
        else:
            self.policy = kv_policies.make_policy(policy, capacity)
            self.evicts = True
            self.request = self._kv_request
        self._future = (future_table()
                        if getattr(self.policy, "needs_next_access", False)
                        else None)
        self._op = 0
        self.prefix_hashes = self.hashes[:self.prefix]
        self.m = 0
        filler = [CacheEngineKey(FMT, MODEL, WORLD_SIZE, WORKER_ID, h)
                  for h in self.hashes[chunks:]]
        c = self.request(filler)
        check(c["n_store"] == n and len(self.policy.resident) == n,
              f"filling: {c['n_store']} stores, "
              f"{len(self.policy.resident)} resident")

    def _kv_request(self, keys):
        future = None
        if self._future is not None:
            a = self._op % FUTURE_DRAWS
            self._op += len(keys)
            future = self._future[a:a + len(keys)]
        return kv_replay.replay([(keys, len(keys) * self.block)],
                                self.policy, 1, future)

    def _request_keys(self):
        a = self.m
        b = self.m = a + self.chunks - self.prefix
        cek, fmt, model = CacheEngineKey, FMT, MODEL
        ws, wid = WORLD_SIZE, WORKER_ID
        keys = [cek(fmt, model, ws, wid, h) for h in self.prefix_hashes]
        keys += [cek(fmt, model, ws, wid, f"{m:016x}{_ZEROS48}")
                 for m in range(a, b)]
        return keys

    def check(self):
        self.request(self._request_keys())
        keys = self._request_keys()
        before = len(self.policy.resident)
        c = self.request(keys)
        miss = self.chunks - self.prefix
        evictions = miss if self.evicts else 0
        size = self.n if self.evicts else before + miss
        check(c["n_block_hit"] == self.prefix and c["n_store"] == miss
              and c["n_evict"] == evictions and c["n_store_failure"] == 0,
              f"request: {c['n_block_hit']} hits (want {self.prefix}), "
              f"{c['n_store']} stores, {c['n_evict']} evictions "
              f"(want {evictions})")
        res = self.policy.resident
        check(len(res) == size and all(k in res for k in keys),
              f"request: {len(res)} resident (want {size}), or a key of "
              f"the request is not resident")

    def run(self, iters):
        request = self.request
        make = self._request_keys
        hits = 0
        c0 = _tt()
        t0 = _pc()
        for _ in range(iters):
            hits += request(make())["n_block_hit"]
        t1 = _pc()
        c1 = _tt()
        check(hits == self.prefix * iters,
              f"{hits} hits in {iters} requests (want {self.prefix} each)")
        return t1 - t0, c1 - c0, iters


FUTURE_DRAWS = 65536   # bench/common/workload.h kDraws


def future_table():
    """bench/common/futures.h's table, extended by REQUEST_CHUNKS' largest
    so that a request's slice never wraps: xorshift64 from
    0x9E3779B97F4A7C15, -1 (never again) 1 in 8, else x >> 24."""
    out = []
    x = 0x9E3779B97F4A7C15
    mask = (1 << 64) - 1
    for _ in range(FUTURE_DRAWS):
        x ^= (x << 13) & mask
        x ^= x >> 7
        x ^= (x << 17) & mask
        out.append(-1 if x & 7 == 0 else x >> 24)
    return out + out[:max(REQUEST_CHUNKS)]


class PutEvict1Case(Case):
    """Steady state: op j puts key (n + j) mod 2n and evicts key j mod 2n."""

    def __init__(self, name, g, policy):
        super().__init__(name)
        self.g, self.policy = g, policy
        self.ev = g.ev if policy == "lru" else DummyEvictor()
        self.evictions = 1.0 if policy == "lru" else 0.0
        self.filler = g.objs[0]     # stored when nothing was evicted (dummy)

    def check(self):
        g, d = self.g, self.g.d
        upd, m, n = self.ev.update_on_put, g.m, g.n
        rot = g.rot()
        j0 = g.J
        for _ in range(min(CHECK_OPS, n)):
            j = g.J
            key = rot[j % m]
            evict, status = upd(d, S)
            check(status == LEGAL, f"op {j}: status {status}")
            if self.policy == "lru":
                check(evict == [g.pool[j % m]],
                      f"op {j}: evicted {evict}, expected [{g.pool[j % m]!r}]")
            else:
                check(evict == [], f"op {j}: dummy evicted {evict}")
            obj = self.filler
            if key in d:
                d.pop(key)
            for k in evict:
                obj = d.pop(k)
            d[key] = obj
            g.J += 1
            if self.policy == "lru":
                g.expect_full(f"op {j}")
        if self.policy == "dummy":
            want = min(m, n + g.J - j0)
            check(len(d) == want, f"dummy: len {len(d)} != {want}")

    def run(self, iters):
        g = self.g
        upd, d, rot, m = self.ev.update_on_put, g.d, g.rot(), g.m
        real = cpu = done = 0
        while done < iters:
            a = g.J % m
            b = min(m, a + (iters - done), a + CHUNK)
            r, c = time_put_recycle(upd, d, S, rot[a:b], self.filler)
            real, cpu, done = real + r, cpu + c, done + (b - a)
            g.J += b - a
        return real, cpu, done

    def post(self):
        if self.policy == "lru":
            self.g.expect_full("after timing")
            m = self.g.m
            check(next(iter(self.g.d)) == self.g.pool[self.g.J % m],
                  "after timing: the oldest key is not the expected one")


class PutEvict0Case(Case):
    """A put of a new key into a cache whose MAX is far above (no eviction)."""
    evictions = 0.0

    def __init__(self, name, g, policy):
        super().__init__(name)
        self.g, self.policy = g, policy
        if policy == "lru":
            self.ev = LRUEvictor(FAR_GB)
            self.ev.current_cache_size = float(g.n * S)
        else:
            self.ev = DummyEvictor()
        self.batch = min(g.n, 1024)

    def check(self):
        g = self.g
        keys = g.nonresident(self.batch)
        check(not any(k in g.d for k in keys), "a new key is resident")
        self.pairs = list(zip(keys, g.objs[:self.batch]))
        self.keys = keys
        d, upd = g.d, self.ev.update_on_put
        cur0 = getattr(self.ev, "current_cache_size", None)
        for i, (key, new) in enumerate(self.pairs[:CHECK_OPS]):
            evict, status = upd(d, S)
            check(evict == [] and status == LEGAL,
                  f"op {i}: {evict}, {status}")
            d[key] = new
            if cur0 is not None:
                check(self.ev.current_cache_size == cur0 + (i + 1) * S,
                      f"op {i}: current {self.ev.current_cache_size}")
        check(len(d) == g.n + min(CHECK_OPS, self.batch), "len after puts")
        for key, _ in self.pairs[:CHECK_OPS]:
            d.pop(key)

    def run(self, iters):
        d, upd, pairs, keys = self.g.d, self.ev.update_on_put, self.pairs, \
            self.keys
        real = cpu = done = 0
        pop = d.pop
        while done < iters:
            r, c = time_put_new(upd, d, S, pairs)
            real, cpu, done = real + r, cpu + c, done + len(pairs)
            check(len(d) == self.g.n + len(pairs), f"len {len(d)} after batch")
            for k in keys:           # untimed: the batch's keys leave again
                pop(k)
        return real, cpu, done

    def post(self):
        check(len(self.g.d) == self.g.n, "len after timing")


class PutEvict8Case(Case):
    """Full cache of S objects; each op puts a new 8*S object, evicting 8."""

    def __init__(self, name, g, policy, data):
        super().__init__(name)
        self.g, self.policy = g, policy
        self.ev = g.ev if policy == "lru" else DummyEvictor()
        self.evictions = 8.0 if policy == "lru" else 0.0
        self.batch = max(1, min(g.n // 16, EV8_BATCH_CAP))
        self.bigs = data.big_list(g.kv, self.batch)[:self.batch]

    def _saved(self, ops):
        if self.policy != "lru":
            return []
        d = self.g.d
        return [(k, d[k]) for k in itertools.islice(d, 8 * ops)]

    def _restore(self, keys, saved):
        d = self.g.d
        for k in keys:
            d.pop(k)
        for k, v in saved:
            d[k] = v
        mte = d.move_to_end
        for k, _ in reversed(saved):
            mte(k, last=False)

    def check(self):
        g = self.g
        keys = g.nonresident(self.batch)
        check(not any(k in g.d for k in keys), "a new key is resident")
        self.keys = keys
        self.pairs = list(zip(keys, self.bigs))
        ops = min(CHECK_OPS, self.batch)
        d, upd = g.d, self.ev.update_on_put
        order0 = list(itertools.islice(d, 16))
        saved = self._saved(ops)
        for b, (key, new) in enumerate(self.pairs[:ops]):
            evict, status = upd(d, 8 * S)
            check(status == LEGAL, f"op {b}: status {status}")
            want = [k for k, _ in saved[8 * b:8 * b + 8]]
            check(evict == want, f"op {b}: evicted {evict}, expected {want}")
            for k in evict:
                d.pop(k)
            d[key] = new
            if self.policy == "lru":
                check(self.ev.current_cache_size == float(g.n * S),
                      f"op {b}: current {self.ev.current_cache_size}")
            want_len = g.n + (b + 1) - len(saved[:8 * (b + 1)])
            check(len(d) == want_len, f"op {b}: len {len(d)} != {want_len}")
        self._restore(keys[:ops], saved)
        check(list(itertools.islice(d, 16)) == order0, "restore changed order")
        g.expect_full("after restore") if self.policy == "lru" else None

    def run(self, iters):
        upd, d, pairs, keys = self.ev.update_on_put, self.g.d, self.pairs, \
            self.keys
        real = cpu = done = 0
        while done < iters:
            saved = self._saved(len(pairs))          # untimed
            r, c = time_put_new(upd, d, 8 * S, pairs)
            real, cpu, done = real + r, cpu + c, done + len(pairs)
            want = self.g.n + len(pairs) - len(saved)
            check(len(d) == want, f"len {len(d)} != {want} after a batch")
            self._restore(keys, saved)               # untimed
        return real, cpu, done

    def post(self):
        check(len(self.g.d) == self.g.n, "len after timing")
        if self.policy == "lru":
            self.g.expect_full("after timing")


class PutIllegalCase(Case):
    """size = MAX + 1: the lru rejects it and nothing changes."""
    evictions = 0.0

    def __init__(self, name, g, policy):
        super().__init__(name)
        self.g, self.policy = g, policy
        self.ev = g.ev if policy == "lru" else DummyEvictor()
        self.size = g.ev.MAX_CACHE_SIZE + 1

    def check(self):
        g, d = self.g, self.g.d
        self.key = g.nonresident(1)[0]
        self.pairs = [(self.key, g.objs[0])] * CHUNK
        evict, status = self.ev.update_on_put(d, self.size)
        want = ILLEGAL if self.policy == "lru" else LEGAL
        check(evict == [] and status == want, f"{evict}, {status}")
        if self.policy == "lru":
            g.expect_full("after an illegal put")

    def run(self, iters):
        upd, d, size = self.ev.update_on_put, self.g.d, self.size
        real = cpu = done = 0
        while done < iters:
            k = min(CHUNK, iters - done)
            r, c = time_put_new(upd, d, size, self.pairs[:k]
                                if k < CHUNK else self.pairs)
            real, cpu, done = real + r, cpu + c, done + k
        return real, cpu, done

    def post(self):
        d = self.g.d
        if self.policy == "lru":
            check(self.key not in d, "an illegal put was stored")
            self.g.expect_full("after timing")
        else:
            check(self.key in d, "dummy: the put was not stored")
            d.pop(self.key)


# --------------------------------------------------------------------------
# Naming and planning.

def getsize_names():
    out = []
    for dt in DTYPES:
        for rank in (1, 5):
            for view in ("contiguous", "narrow"):
                out.append(cases.format_name(cases.Case(
                    "", "GetSize", kv="tensor",
                    variant=f"dtype:{dt}/rank:{rank}/view:{view}")))
    out += [cases.format_name(cases.Case("", "GetSize", kv=kv))
            for kv in ("bytearray", "kvobj", "disk")]
    out.append(cases.format_name(cases.Case("", "GetSize",
                                            variant="field_read")))
    return out


def case_name(family, policy, kv, key, n, variant):
    """The name of a model case (dict cases.PYTHON_DICT)."""
    return cases.format_name(cases.Case(
        "", family, policy=policy, dict=cases.PYTHON_DICT, kv=kv, key=key,
        entries=n, variant=variant))


def group_case_names(policy_list, kv, key, n):
    """The names of a group's cases, in the order they must run."""
    def put(policy, variant):
        return case_name("UpdateOnPut", policy, kv, key, n, variant)
    out = []
    if "lru" in policy_list:
        out += [("put1", "lru", put("lru", "evictions:1")),
                ("put0", "lru", put("lru", "evictions:0")),
                ("put8", "lru", put("lru", "evictions:8")),
                ("illegal", "lru", put("lru", "status:illegal"))]
    for p in policy_list:
        for dist in ("uniform", "zipf"):
            out.append(("get:" + dist, p, case_name(
                "UpdateOnGet", p, kv, key, n, f"dist:{dist}")))
        if kv == "kvobj":
            out.append(("get:fresh", p, case_name(
                "UpdateOnGet", p, kv, key, n, "dist:uniform/key:fresh")))
    if "dummy" in policy_list:
        # Like the C++ suite: no evictions:8 or status:illegal for the dummy,
        # which never evicts nor rejects.
        out += [("put0", "dummy", put("dummy", "evictions:0")),
                ("put1", "dummy", put("dummy", "evictions:1"))]
    return out


def make_getsize_case(name, cache):
    case = cases.parse_name(name)
    params = case.params
    n = GETSIZE_OBJS
    if case.kv == "tensor":
        dt = DTYPES[params["dtype"]]
        rank = int(params["rank"])
        view = params["view"]
        esize = torch.empty(0, dtype=dt).element_size()
        # As the C++ suite: meta-device tensors (sizes only, no memory).
        # Rank 5 is a KV chunk [2, layers, tokens, heads, head_dim] narrowed
        # along tokens to 100; rank 1 a flat buffer of 2^20 narrowed to half;
        # object i starts at i % 100.
        shape = [2, 32, 256, 8, 128] if rank == 5 else [1 << 20]
        dim, length = (2, 100) if rank == 5 else (0, 1 << 19)
        if view == "contiguous":
            objs = [torch.empty(shape, dtype=dt, device="meta")
                    for _ in range(n)]
            numel = math.prod(shape)
        else:
            objs = [torch.empty(shape, dtype=dt, device="meta").narrow(
                dim, i % 100, length) for i in range(n)]
            numel = math.prod(shape) // shape[dim] * length
        return GetSizeCase(name, objs, numel * esize)
    kind = case.kv or case.variant
    if kind == "bytearray":
        return GetSizeCase(name, [bytearray(S) for _ in range(n)], S)
    if kind in ("kvobj", "field_read"):
        if "views" not in cache:
            pool = torch.empty(n * ELEMS, dtype=torch.bfloat16)
            cache["views"] = [pool.narrow(0, i * ELEMS, ELEMS)
                              for i in range(n)]
        objs = [KVObj(i, S, v) for i, v in enumerate(cache["views"])]
        return GetSizeCase(name, objs, S, field_read=(kind == "field_read"))
    if kind == "disk":
        return GetSizeCase(name, [DiskCacheMetadata(f"/cache/{i}.pt", S)
                                  for i in range(n)], S)
    raise ValueError(name)


def request_names(policies, entries, variants=None):
    """(name, policy, n, chunks, fraction) of the BM_Request cases: cache
    sizes of `entries` that are REQUEST_ENTRIES; `variants` (a set of
    "chunks:N/hits:f") limits them, None is all."""
    out = []
    for n in entries:
        if n not in REQUEST_ENTRIES:
            continue
        for p in policies:
            for chunks in REQUEST_CHUNKS:
                for spelled, f in REQUEST_HITS:
                    v = f"chunks:{chunks}/hits:{spelled}"
                    if variants is not None and v not in variants:
                        continue
                    out.append((case_name("Request", p, REQUEST_KV, "cek", n,
                                          v), p, n, chunks, f))
    return out


def make_group_case(kind, policy, name, g, data, positions):
    if kind == "get:fresh":
        return FreshGetCase(name, g, policy, positions["uniform"])
    if kind.startswith("get:"):
        return GetCase(name, g, policy, positions[kind[4:]])
    if kind == "put1":
        return PutEvict1Case(name, g, policy)
    if kind == "put0":
        return PutEvict0Case(name, g, policy)
    if kind == "put8":
        return PutEvict8Case(name, g, policy, data)
    if kind == "illegal":
        return PutIllegalCase(name, g, policy)
    raise ValueError(kind)


# --------------------------------------------------------------------------
# Running and reporting (Google Benchmark 1.7.1 JSON).

class Runner:

    def __init__(self, args):
        self.args = args
        self.benchmarks = []
        self.families = {}
        self.t_start = time.monotonic()
        self.skipped = []

    def _ids(self, name):
        fam = cases.parse_name(name).family
        if fam not in self.families:
            self.families[fam] = [len(self.families), 0]
        f = self.families[fam]
        f[1] += 1
        return f[0], f[1] - 1

    def error(self, name, message, reps):
        fi, pi = self._ids(name)
        self.benchmarks.append({
            "name": name, "family_index": fi, "per_family_instance_index": pi,
            "run_name": name, "run_type": "iteration", "repetitions": reps,
            "repetition_index": 0, "threads": 1, "iterations": 0,
            "real_time": 0.0, "cpu_time": 0.0, "time_unit": "ns",
            "error_occurred": True, "error_message": message,
        })
        print(f"{name:<72} ERROR OCCURRED: '{message}'", file=sys.stderr)

    def run_case(self, case, reps):
        try:
            case.check()
        except CaseError as e:
            self.error(case.name, f"check failed before timing: {e}", reps)
            return
        min_ns = self.args.min_time * 1e9
        runs = []
        try:
            # Repetition 0 finds the iteration count (Google Benchmark style):
            # grow until one run lasts min_time; that run is reported.
            iters = case.batch
            while True:
                real, cpu, done = case.run(iters)
                if real >= min_ns or done >= 10**9:
                    break
                per_op = max(real, 1) / done
                want = min_ns * 1.1 / per_op
                if real < min_ns / 50:   # too short to extrapolate far
                    want = min(want, done * 100)
                iters = max(int(want), done + 1)
                iters = -(-iters // case.batch) * case.batch
            runs.append((real, cpu, done))
            for _ in range(1, reps):
                runs.append(case.run(done))
            case.post()
        except CaseError as e:
            self.error(case.name, f"wrong result while timing: {e}", reps)
            return
        self.report(case, runs, reps)

    def report(self, case, runs, reps):
        fi, pi = self._ids(case.name)
        entries = []
        for i, (real, cpu, done) in enumerate(runs):
            e = {
                "name": case.name, "family_index": fi,
                "per_family_instance_index": pi, "run_name": case.name,
                "run_type": "iteration", "repetitions": reps,
                "repetition_index": i, "threads": 1, "iterations": done,
                "real_time": real / done, "cpu_time": cpu / done,
                "time_unit": "ns",
                "items_per_second": done / (cpu / 1e9) if cpu > 0 else 0.0,
            }
            if case.evictions is not None:
                e["evictions"] = case.evictions
            if case.bytes_per_entry is not None:
                e["bytes_per_entry"] = case.bytes_per_entry
            entries.append(e)
            print(f"{case.name:<72} {e['real_time']:>10.1f} ns "
                  f"{e['cpu_time']:>10.1f} ns {done:>10}", file=sys.stderr)
        self.benchmarks.extend(entries)
        if len(entries) < 2:
            return
        fields = ["real_time", "cpu_time", "items_per_second"]
        if case.evictions is not None:
            fields.append("evictions")
        if case.bytes_per_entry is not None:
            fields.append("bytes_per_entry")
        stats = {
            "mean": statistics.fmean,
            "median": statistics.median,
            "stddev": statistics.stdev,
            "cv": lambda v: (statistics.stdev(v) / statistics.fmean(v)
                             if statistics.fmean(v) else 0.0),
        }
        for agg, fn in stats.items():
            a = {
                "name": f"{case.name}_{agg}", "family_index": fi,
                "per_family_instance_index": pi, "run_name": case.name,
                "run_type": "aggregate", "repetitions": reps, "threads": 1,
                "aggregate_name": agg,
                "aggregate_unit": "percentage" if agg == "cv" else "time",
                "iterations": len(entries),
            }
            for f in fields:
                a[f] = fn([e[f] for e in entries])
            a["time_unit"] = "ns"
            # Keep Google Benchmark's key order: times, unit, then counters.
            order = ["name", "family_index", "per_family_instance_index",
                     "run_name", "run_type", "repetitions", "threads",
                     "aggregate_name", "aggregate_unit", "iterations",
                     "real_time", "cpu_time", "time_unit"]
            self.benchmarks.append({k: a[k] for k in order + [
                f for f in fields if f not in order]})

    def elapsed(self):
        return time.monotonic() - self.t_start


def context(args, reps_info):
    """python.json's context: the run context of context.collect (machine,
    git, versions) with Google Benchmark's context fields and the model's."""
    ctx = context_mod.collect(
        python_version=platform.python_version(),
        python_executable=sys.executable, torch_version=torch.__version__,
        numpy_version=np.__version__,
        gc="disabled while running (like timeit)", min_time=args.min_time,
        repetitions=args.repetitions, repetitions_by_entries=reps_info,
        entries=args.entries, filter=args.filter,
        max_seconds=args.max_seconds)
    now = datetime.datetime.now(datetime.timezone.utc).astimezone()
    ctx.update({
        "date": now.isoformat(timespec="seconds"),
        "host_name": socket.gethostname(),
        "executable": "scripts/pybench",
        "load_avg": list(os.getloadavg()),
        "library_build_type": "python",
        "compiler": None,    # no C++ here; the machine is cpu_model/num_cpus
    })
    return ctx


def parse_entries(text):
    out = []
    for part in text.split(","):
        part = part.strip()
        if part:
            v = int(part)
            if v < 16 or v & (v - 1):
                raise argparse.ArgumentTypeError(
                    f"entries must be powers of two >= 16, got {v}")
            out.append(v)
    return sorted(set(out))


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="Time the Python model of LMCache's evictor on the "
                    "cases of docs/WORKLOADS.md (Google Benchmark JSON).")
    ap.add_argument("--min-time", type=float, default=0.1,
                    help="seconds per repetition at least (default 0.1)")
    ap.add_argument("--repetitions", type=int, default=3,
                    help="repetitions per case (default 3)")
    ap.add_argument("--large-repetitions", type=int, default=None,
                    help="repetitions for entries >= --large-entries "
                         "(default: 2 when --repetitions is 3 or more)")
    ap.add_argument("--large-entries", type=int, default=1 << 20,
                    help="what counts as large (default 1048576)")
    ap.add_argument("--filter", default=None,
                    help="regex searched in case names (Google Benchmark "
                         "--benchmark_filter style)")
    ap.add_argument("--entries", type=parse_entries,
                    default=[1024, 16384, 262144, 1048576],
                    help="comma-separated cache sizes "
                         "(default 1024,16384,262144,1048576)")
    ap.add_argument("--policies", default="lru,dummy",
                    help="comma-separated: lru, dummy (default both)")
    ap.add_argument("--request-policies", default=",".join(
                        REQUEST_POLICIES),
                    help="comma-separated policies of BM_Request (the "
                         "KV models' and LMCache v0's: "
                         + ", ".join(REQUEST_POLICIES)
                         + "; default all; empty: none)")
    ap.add_argument("--request-variants", default=None,
                    help="comma-separated chunks:N/hits:f of BM_Request "
                         "(default all nine)")
    ap.add_argument("--out", default=None, help="JSON file (default stdout)")
    ap.add_argument("--max-seconds", type=float, default=230.0,
                    help="time budget for the cases; groups that would "
                         "overrun it are skipped with error entries "
                         "(default 230, so that the run with start-up stays "
                         "under 4 minutes; 0 = none)")
    ap.add_argument("--list", action="store_true",
                    help="print the selected case names and exit")
    args = ap.parse_args(argv)

    policies = [p for p in args.policies.split(",") if p]
    for p in policies:
        if p not in POLICIES:
            ap.error(f"unknown policy {p!r}; the model has {POLICIES}")
    request_policies = [p for p in args.request_policies.split(",") if p]
    for p in request_policies:
        if p not in REQUEST_POLICIES:
            ap.error(f"--request-policies: unknown policy {p!r}; the "
                     f"Python sides are {REQUEST_POLICIES}")
    request_variants = None
    if args.request_variants is not None:
        request_variants = {v for v in args.request_variants.split(",") if v}
        known = {f"chunks:{c}/hits:{h}" for c in REQUEST_CHUNKS
                 for h, _ in REQUEST_HITS}
        for v in sorted(request_variants - known):
            ap.error(f"--request-variants: {v!r} is not one of "
                     f"{', '.join(sorted(known))}")
    if args.large_repetitions is None:
        args.large_repetitions = (min(args.repetitions, 2)
                                  if args.repetitions >= 3
                                  else args.repetitions)
    flt = re.compile(args.filter) if args.filter else None
    sel = (lambda name: flt.search(name) is not None) if flt else (
        lambda name: True)

    def reps_for(n):
        return (args.large_repetitions if n >= args.large_entries
                else args.repetitions)

    gs_names = [nm for nm in getsize_names() if sel(nm)]
    req_plan = [r for r in request_names(request_policies, args.entries,
                                         request_variants) if sel(r[0])]
    plan = []   # (n, kv, key, [(kind, policy, name)])
    # kvobj first at every size: it is the headline's KV kind, so when the
    # --max-seconds budget cuts a large size short, it cuts the others.
    kv_order = ("kvobj",) + tuple(kv for kv in KVS if kv != "kvobj")
    for n in args.entries:
        for kv in kv_order:
            for key in KEYS:
                cs = [c for c in group_case_names(policies, kv, key, n)
                      if sel(c[2])]
                if cs:
                    plan.append((n, kv, key, cs))
    if args.list:
        for nm in gs_names:
            print(nm)
        for r in req_plan:
            print(r[0])
        for _, _, _, cs in plan:
            for c in cs:
                print(c[2])
        return 0

    # The vectorised key hashes must be WORKLOADS.md's splitmix64 text, and
    # a str key the to_string() of the cek key.
    hs = chunk_hashes(0, 3) + chunk_hashes(1000, 1001)
    if hs != [chunk_hash_ref(i) for i in (0, 1, 2, 1000)]:
        print("pybench: chunk_hash mismatch", file=sys.stderr)
        return 2
    probe = Data(4)
    if probe.key_list("str", 2)[1] != probe.key_list("cek", 2)[1].to_string():
        print("pybench: str key != cek key's to_string()", file=sys.stderr)
        return 2

    gc.collect()
    gc.disable()
    runner = Runner(args)
    reps_info = {str(n): reps_for(n) for n in args.entries}
    budget = args.max_seconds if args.max_seconds and args.max_seconds > 0 \
        else math.inf
    print(f"pybench: {len(gs_names)} GetSize cases, "
          f"{sum(len(c[3]) for c in plan)} cache cases, "
          f"{len(req_plan)} request cases, budget "
          f"{budget:.0f} s", file=sys.stderr)

    cache = {}
    for nm in gs_names:
        runner.run_case(make_getsize_case(nm, cache), args.repetitions)
    cache.clear()

    # Requests first: their caches are small (2^10, 2^14), and a budget cut
    # should fall on the largest cache sizes of the groups below.
    for name, p, n, chunks, f in req_plan:
        reps = reps_for(n)
        if runner.elapsed() + reps * args.min_time * 1.5 > budget:
            runner.error(name, f"skipped: --max-seconds {budget:g} would be "
                               f"exceeded", reps)
            runner.skipped.append(name)
            continue
        try:
            case = RequestCase(name, p, n, chunks, f)
        except CaseError as e:
            runner.error(name, f"cache build failed: {e}", reps)
            continue
        runner.run_case(case, reps)
        del case
    gc.freeze()

    # Cost model for the budget, refined from measurements as we go: seconds
    # per case per repetition, and seconds per entry to build a group.
    per_rep_s = {}          # entries -> measured seconds per case-repetition
    build_s_per_entry = 3e-6
    data = Data(max((p[0] for p in plan), default=1024))
    positions = {}
    for n, kv, key, cs in plan:
        reps = reps_for(n)
        known = [v for k, v in sorted(per_rep_s.items()) if k <= n]
        per_rep = max(known[-1] if known else 0.0, args.min_time * 1.2)
        new_keys = max(0, 2 * n - len(data.keys[key]))
        new_objs = max(0, n - len(data.objs[kv]))
        est = (len(cs) * reps * per_rep + build_s_per_entry * n
               + 5e-6 * new_keys + 1e-5 * new_objs)
        if runner.elapsed() + est > budget:
            msg = (f"skipped: --max-seconds {budget:g} would be exceeded "
                   f"(elapsed {runner.elapsed():.0f} s, this group needs "
                   f"~{est:.0f} s)")
            for _, _, name in cs:
                runner.error(name, msg, reps)
                runner.skipped.append(name)
            continue
        t0 = time.monotonic()
        try:
            if n not in positions:
                positions = {n: get_positions(n)}
            g = Group(data, kv, key, n)
        except CaseError as e:
            for _, _, name in cs:
                runner.error(name, f"cache build failed: {e}", reps)
            continue
        t1 = time.monotonic()
        if not (new_keys or new_objs):
            build_s_per_entry = (t1 - t0) / n
        for kind, policy, name in cs:
            case = make_group_case(kind, policy, name, g, data, positions[n])
            case.bytes_per_entry = g.bytes_per_entry
            runner.run_case(case, reps)
        t2 = time.monotonic()
        per_rep_s[n] = (t2 - t1) / (len(cs) * reps)
        del g
        gc.freeze()   # keep what was built out of the collector's reach

    doc = {"context": context(args, reps_info), "benchmarks": runner.benchmarks}
    text = json.dumps(doc, indent=2)
    if args.out:
        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
        with open(args.out, "w") as f:
            f.write(text + "\n")
    else:
        print(text)
    errors = [b for b in runner.benchmarks if b.get("error_occurred")]
    print(f"pybench: {len(runner.benchmarks)} entries, {len(errors)} errors "
          f"({len(runner.skipped)} skipped for the budget), "
          f"{runner.elapsed():.1f} s", file=sys.stderr)
    if runner.skipped:
        print("pybench: skipped for the --max-seconds budget:", file=sys.stderr)
        for nm in runner.skipped:
            print(f"  {nm}", file=sys.stderr)
    return 1 if len(errors) > len(runner.skipped) else 0


def entry_point():
    rc = main()
    # Skip tearing down millions of objects (seconds at 2^20 entries).
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(rc)


if __name__ == "__main__":
    entry_point()
