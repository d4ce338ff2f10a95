"""The Python model of LMCache's original (v0) evictor and its trace replayer.

    lmcache_evictor   LRUEvictor / DummyEvictor over Python's OrderedDict
    replay            replays ../shared/golden traces through the model
    kv_policies       LMCache v1 / vLLM-shaped KV-cache policies (lru, fifo,
                      mru, clock, lfu, sieve, arc, s3fifo, belady) with
                      SIM-SPEC section 4's rules; its POLICIES is their
                      registry (stdlib only)
    kv_replay         KV mode (SIM-SPEC section 5) on Mooncake traces over
                      those policies; scripts/pykv times it beside the C++
    v0_request        LMCache v0's retrieve-then-store of one request over
                      LRUEvictor / DummyEvictor (BM_Request of lru_strict
                      and dummy)

POLICIES are the policies the model has (evictlab's names); its cases carry
the dict label cases.PYTHON_DICT ("pydict": Python's OrderedDict). This file
imports nothing, so tools that only need these names do not load torch.
"""

POLICIES = ("lru", "dummy")
# The policies whose BM_Request Python side is LMCache v0's evictor in v0's
# retrieve-then-store (v0_request.EVICTORS, which imports torch; named here
# for the tools that need only the names).
V0_REQUEST_POLICIES = ("lru_strict", "dummy")
