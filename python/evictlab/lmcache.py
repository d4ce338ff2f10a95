"""LMCache's policy shapes: v1's BaseCachePolicy
(lmcache/v1/storage_backend/cache_policy/) and v0's evictors
(lmcache/storage_backend/evictor/): ``LRUEvictor``, ``DummyEvictor``,
``PutStatus``. ``LRU`` is ``LRU_STRICT``.
"""

from ._evictlab import lmcache as _m

globals().update({k: getattr(_m, k) for k in dir(_m) if not k.startswith("_")})
LRU = _m.LRU_STRICT

__all__ = sorted(k for k in dir(_m) if not k.startswith("_")) + ["LRU"]
