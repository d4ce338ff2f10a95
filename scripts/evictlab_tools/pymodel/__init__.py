"""The Python model of LMCache's original (v0) evictor and its trace replayer.

    lmcache_evictor   LRUEvictor / DummyEvictor over Python's OrderedDict
    replay            replays ../shared/golden traces through the model

POLICIES are the policies the model has (evictlab's names); its cases carry
the dict label cases.PYTHON_DICT ("pydict": Python's OrderedDict). This file
imports nothing, so tools that only need these names do not load torch.
"""

POLICIES = ("lru", "dummy")
