"""KV mode (SIM-SPEC section 5) through the Python binding (`import evictlab`).

    evictlab = binding_kv.import_evictlab()         # build/python by default
    cache = evictlab.kv.LRU(1 << 20)
    counters = binding_kv.replay_batched(requests, cache)

Two drivers of the same request loop as the C++ simulator's KvReplayer
(include/evictlab/sim/kv_replay.h) and the Python models' kv_replay.replay,
over ``evictlab.kv.<POLICY>`` objects; both return kv_replay.replay's
counters dict, equal to ``evictlab simulate --format mooncake``'s:

- replay_per_block: one call into C++ per block and step, as an engine that
  calls a policy per block would: ``pin`` per block (the lookup, which also
  pins the request's resident blocks), ``hit`` per hit block in reverse,
  ``put`` per missing block (and ``pin`` once stored), ``unpin`` per pinned
  block at the end of the request.
- replay_batched: three calls per request, each crossing once for the whole
  list: ``lookup(ids)`` (the resident prefix), ``touch(ids[:k])`` (in
  reverse, in C++) and ``store(ids, sizes)`` (pins, puts, unpins in C++).

Belady needs each block reference's next access: next_access(requests)
computes it as compute_kv_next_access (kv_trace.h) does; pass it to either
driver. Standard library only, plus the built module.
"""

import os
import sys

from .pymodel.kv_replay import BLOCK_TOKENS
# One definition of the future, shared with the Python models' replay (the
# C++ compute_kv_next_access's, kv_trace.h).
from .pymodel.kv_replay import next_access

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(
    __file__)), "..", ".."))
DEFAULT_PYTHONPATH = os.path.join(REPO, "build", "python")


def import_evictlab(path=None):
    """The built module: from `path`, $EVICTLAB_PYTHONPATH or build/python.
    ImportError names the directory and the build target when it is not
    there."""
    path = path or os.environ.get("EVICTLAB_PYTHONPATH") or DEFAULT_PYTHONPATH
    if path not in sys.path:
        sys.path.insert(0, path)
    try:
        import evictlab
    except ImportError as e:
        raise ImportError(f"cannot import evictlab from {path} ({e}); build "
                          f"it: cmake --build --preset release --target "
                          f"evictlab_python") from None
    return evictlab


def _counters(n_req, n_block, n_block_hit, n_token, n_token_hit, n_store,
              n_store_failure, n_evict, bytes_per_token):
    c = {"n_req": n_req, "n_block": n_block, "n_block_hit": n_block_hit,
         "n_token": n_token, "n_token_hit": n_token_hit,
         "n_byte": n_token * bytes_per_token,
         "n_byte_hit": n_token_hit * bytes_per_token,
         "n_store": n_store, "n_store_failure": n_store_failure,
         "n_evict": n_evict}
    c["block_hit_ratio"] = n_block_hit / n_block if n_block else 0.0
    c["token_hit_ratio"] = n_token_hit / n_token if n_token else 0.0
    return c


def replay_per_block(requests, cache, bytes_per_token=1, future=None):
    """Replays `requests` ([(ids, input_length)]) through `cache` (an
    evictlab.kv object), one C++ call per block and step. `future`: the
    next_access list, required for a policy that needs it."""
    if bytes_per_token < 1:
        raise ValueError(f"bytes per token: {bytes_per_token} is below 1")
    if cache.needs_next_access and future is None:
        raise ValueError(f"{type(cache).__name__}: needs next accesses "
                         f"(binding_kv.next_access)")
    pin, unpin, hit = cache.pin, cache.unpin, cache.hit
    store = cache.store_block
    full = BLOCK_TOKENS * bytes_per_token
    n_block = n_block_hit = n_token = n_token_hit = 0
    n_store = n_store_failure = n_evict = 0
    pos = 0
    for ids, length in requests:
        n = len(ids)
        n_block += n
        n_token += length
        # 1. Lookup, pinning the prefix hits and every other resident block.
        k = 0
        while k < n and pin(ids[k]):
            k += 1
        pinned = set(ids[:k])
        for i in range(k + 1, n):
            if pin(ids[i]):
                pinned.add(ids[i])
        # 2. Touch the hits in reverse.
        if future is None:
            for i in range(k - 1, -1, -1):
                hit(ids[i])
        else:
            for i in range(k - 1, -1, -1):
                hit(ids[i], future[pos + i])
        if k:
            n_block_hit += k
            n_token_hit += length if k == n else BLOCK_TOKENS * k
        # 3. Store the rest; a pinned block is resident: skipped.
        last = n - 1
        for i in range(k, n):
            b = ids[i]
            if b in pinned:
                continue
            size = (full if i < last
                    else (length - BLOCK_TOKENS * last) * bytes_per_token)
            stored, evicted, failed = (
                store(b, size) if future is None
                else store(b, size, future[pos + i]))
            n_evict += evicted
            if failed:  # its victims stay evicted (SIM-SPEC 5)
                n_store_failure += 1
                break
            if stored:
                n_store += 1
                pin(b)
                pinned.add(b)
        for b in pinned:
            unpin(b)
        pos += n
    return _counters(len(requests), n_block, n_block_hit, n_token,
                     n_token_hit, n_store, n_store_failure, n_evict,
                     bytes_per_token)


def replay_batched(requests, cache, bytes_per_token=1, future=None,
                   victims=None):
    """The same replay with three calls per request (lookup, touch, store),
    each crossing into C++ once. `victims`: a list the victims' keys are
    appended to, in eviction order."""
    if bytes_per_token < 1:
        raise ValueError(f"bytes per token: {bytes_per_token} is below 1")
    if cache.needs_next_access and future is None:
        raise ValueError(f"{type(cache).__name__}: needs next accesses "
                         f"(binding_kv.next_access)")
    lookup, touch, store = cache.lookup, cache.touch, cache.store
    full = BLOCK_TOKENS * bytes_per_token
    n_block = n_block_hit = n_token = n_token_hit = 0
    n_store = n_store_failure = n_evict = 0
    pos = 0
    for ids, length in requests:
        n = len(ids)
        n_block += n
        n_token += length
        if not n:
            continue
        k = lookup(ids)
        na = None if future is None else future[pos:pos + n]
        if k:
            touch(ids[:k], None if na is None else na[:k])
            n_block_hit += k
            n_token_hit += length if k == n else BLOCK_TOKENS * k
        if k < n:
            s, e, failed = store(
                ids, full, na, victims,
                (length - BLOCK_TOKENS * (n - 1)) * bytes_per_token)
            n_store += s
            n_evict += e
            n_store_failure += failed
        pos += n
    return _counters(len(requests), n_block, n_block_hit, n_token,
                     n_token_hit, n_store, n_store_failure, n_evict,
                     bytes_per_token)


DRIVERS = {"per_block": replay_per_block, "batched": replay_batched}

__all__ = ["import_evictlab", "next_access", "replay_per_block",
           "replay_batched", "DRIVERS"]
