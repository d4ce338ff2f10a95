"""LMCache v0's retrieve-then-store of one request, over its evictor.

    cache = V0RequestCache(LRUEvictor(n * 512 / 2**30), block_bytes=512)
    counts = cache.request(keys)     # n_block_hit, n_store, n_evict, ...

The Python side of ``BM_Request`` for the two policies whose original is
LMCache v0's evictor (pymodel/lmcache_evictor.py) rather than a v1 cache
policy: ``lru_strict`` (the C++ port of ``LRUEvictor``'s order with exact
accounting) and ``dummy`` (``DummyEvictor``). It is v0's LocalBackend
pattern, step for step as the request family runs it
(bench/request_benchmarks.cc, kv_replay.replay for the v1 models):

1. lookup: k = the longest prefix of keys that are ``in`` the dict;
2. retrieve: ``evictor.update_on_get(key, dict)`` for the hits, last first;
3. store each other key in order: a resident one is skipped; else
   ``evictor.update_on_put(dict, get_size(obj))``, ILLEGAL ends the
   request's stores, the victims are popped (their objects reused, as the
   C++ side keeps a free list), the key inserted.

NOTE: v0's evictor knows no pins, so it cannot keep a request's own keys
from being victims, as the C++ side does (caller.h put_blocking with the
request's keys pinned). The request family's workload never needs it: the
cache holds at least 2^10 keys and a request at most 128, and its own keys
are the most recent, while v0's LRU victims come from the least recent
end, so both sides take the same victims; pybench checks, before timing,
that every key of the request is resident after it. The C++ side does the
pin checks and the Python side does not: the ratio errs in Python's favour.

Keys are hashable (CacheEngineKey); every object is ``block_bytes``.
Nothing here is thread-safe.
"""

from collections import OrderedDict

from .lmcache_evictor import DummyEvictor, KVObj, LRUEvictor, PutStatus

# The policies of evictlab whose Python original is v0's evictor, and the
# evictor a cache of `capacity` bytes gets.
EVICTORS = {
    "lru_strict": lambda capacity: LRUEvictor(capacity / 2**30),
    "dummy": lambda capacity: DummyEvictor(),
}


class V0RequestCache:
    """v0's LocalBackend dict and evictor, fed one request at a time."""

    def __init__(self, evictor, block_bytes):
        self.evictor = evictor
        self.evicts = not isinstance(evictor, DummyEvictor)
        self.block_bytes = block_bytes
        self.cache_dict = OrderedDict()
        self.resident = self.cache_dict
        self._spare = KVObj(0, block_bytes, None)

    def request(self, keys):
        """One request (module docstring); returns its counts as
        kv_replay.replay names them."""
        d, ev = self.cache_dict, self.evictor
        k = 0
        for key in keys:
            if key not in d:
                break
            k += 1
        for i in range(k - 1, -1, -1):
            ev.update_on_get(keys[i], d)
        n_store = n_evict = n_fail = 0
        put, get_size, spare = ev.update_on_put, ev.get_size, self._spare
        for i in range(k, len(keys)):
            key = keys[i]
            if key in d:
                continue
            obj = spare
            evict_keys, status = put(d, get_size(obj))
            if status == PutStatus.ILLEGAL:
                n_fail = 1
                break
            for victim in evict_keys:
                obj = d.pop(victim)
            n_evict += len(evict_keys)
            d[key] = obj
            n_store += 1
        return {"n_block_hit": k, "n_store": n_store, "n_evict": n_evict,
                "n_store_failure": n_fail}

    def remove(self, key):
        """A user removal (v0's remove: the evictor is not told). KeyError
        if absent."""
        del self.cache_dict[key]


def make_request_cache(policy, capacity, block_bytes):
    """The v0 request cache of `policy` (a key of EVICTORS) for a cache of
    `capacity` bytes; ValueError names the known ones otherwise."""
    try:
        make = EVICTORS[policy]
    except KeyError:
        raise ValueError(f"unknown v0 policy {policy!r} (known: "
                         f"{', '.join(EVICTORS)})") from None
    return V0RequestCache(make(capacity), block_bytes)


__all__ = ["EVICTORS", "V0RequestCache", "make_request_cache"]
