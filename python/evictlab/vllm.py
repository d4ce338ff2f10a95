"""vLLM KV offload's CachePolicy shape (vllm/v1/kv_offload/cpu/policies/).

Swap vLLM's policy for evictlab's::

    from evictlab.vllm import LRU as LRUCachePolicy
    policy = LRUCachePolicy(cache_capacity)

``LRU`` is ``LRU_STRICT``, the lab's exact-accounting LRU (the same order as
vLLM's OrderedDict LRU). Belady is not here: it needs each block's next
access, which an engine does not know (``evictlab.kv.BELADY`` takes it).
"""

from ._evictlab import vllm as _m

globals().update({k: getattr(_m, k) for k in dir(_m) if not k.startswith("_")})
LRU = _m.LRU_STRICT

__all__ = sorted(k for k in dir(_m) if not k.startswith("_")) + ["LRU"]
