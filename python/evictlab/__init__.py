"""evictlab's C++ eviction policies, callable from Python serving engines.

    import evictlab
    policy = evictlab.vllm.LRU(cache_capacity=16384)       # vLLM KV offload
    policy = evictlab.lmcache.LRU_STRICT()                  # LMCache v1
    evictor = evictlab.lmcache.LRUEvictor(max_cache_size=10.0)  # LMCache v0
    cache = evictlab.kv.ARC(cache_size=1 << 22)             # the simulator's loop

Each class is one registry policy of the C++ lab (include/evictlab/
registry.h) named by its registry name upper-cased; ``evictlab.policies()``
lists them. The shapes:

- ``evictlab.vllm``: vLLM's ``CachePolicy`` (``get``, ``insert``,
  ``remove``, ``touch(keys)``, atomic ``evict(n, protected)``), counted in
  blocks; a block is evictable while its ``ref_cnt`` is 0.
- ``evictlab.lmcache``: LMCache v1's ``BaseCachePolicy`` (``update_on_hit``,
  ``update_on_put``, ``update_on_force_evict``, ``get_evict_candidates``
  skipping entries whose ``can_evict`` is false), and the v0 ``LRUEvictor``
  and ``DummyEvictor``.
- ``evictlab.kv``: the KV simulator's request loop in pieces (``lookup``,
  ``touch``, ``store`` per request; ``hit``, ``pin``, ``put`` per block), in
  bytes, with Belady (which needs each key's next access).

Keys are ``bytes`` or ``int``. Thread-safe (one lock per object); batch
calls (``touch``, ``lookup``, ``store``) release the GIL while C++ runs
(``evictlab.kv``'s from 64 keys on: for fewer, releasing costs more than
the work).
"""

from . import _evictlab
from . import kv, lmcache, sync, vllm

__all__ = ["kv", "lmcache", "sync", "vllm", "policies"]


def policies():
    """The registry names of the policies in evictlab.kv, in registry order."""
    return list(_evictlab.kv.POLICIES)
