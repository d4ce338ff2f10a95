"""The lab's SynchronizedCache (include/evictlab/synchronized_cache.h): one
policy and its dict behind one lock, every call atomic and run with the GIL
released, for engines that call a policy from several threads. Objects are
sizes in bytes. ``LRU`` is ``LRU_STRICT``.
"""

from ._evictlab import sync as _m

globals().update({k: getattr(_m, k) for k in dir(_m) if not k.startswith("_")})
LRU = _m.LRU_STRICT

__all__ = sorted(k for k in dir(_m) if not k.startswith("_")) + ["LRU"]
