"""The KV simulator's request loop (SIM-SPEC section 5, sim/kv_replay.h) in
pieces, for a Python replay whose counters equal ``evictlab simulate
--format mooncake``: every evicting policy of the registry, including the
reference ``LRU`` (LMCache v0's accounting) and ``BELADY``.
"""

from ._evictlab import kv as _m

globals().update({k: getattr(_m, k) for k in dir(_m) if not k.startswith("_")})

__all__ = sorted(k for k in dir(_m) if not k.startswith("_"))
