#!/usr/bin/python3
"""A faithful Python model of LMCache's original KV-cache evictor.

Written from /work/shared/SPEC.md and the original sources
(``lmcache/storage_backend/evictor/{base_evictor,lru_evictor}.py``,
``lmcache/utils.py``, ``lmcache/storage_backend/mem_pool``).  It keeps the
original's behaviour *including its flaws*, because it is what the C++ port's
reference mode and the Python/C++ speed-up ratios are measured against:

- ``LRUEvictor.current_cache_size`` is a float and is never told about
  overwrites or removals outside an eviction (accounting drift);
- ``update_on_put`` walks ``iter(cache_dict)`` with ``next()``, so running off
  the end raises ``StopIteration`` *after* the sizes of every visited key were
  already subtracted (the evict list is lost);
- it never checks whether the incoming key is resident, nor validates sizes;
- each evicted key costs a ``get_size`` on the stored object;
- the ``logger.debug(f"...")`` message is built eagerly (an f-string) whenever
  a put evicts, even though DEBUG is disabled; an ILLEGAL put calls
  ``logger.warning`` which, WARNING being enabled, builds a LogRecord.  The
  logger has a NullHandler and does not propagate, so nothing is printed.

Use /usr/bin/python3 (Debian's Python with python3-torch).
"""

import abc
import logging
from collections import OrderedDict
from dataclasses import dataclass
from enum import Enum
from typing import List, Optional, Tuple, Union

import torch

# NOTE: the original uses lmcache.logging.init_logger(__name__).  Here the
# logger sits at WARNING: debug() calls are dropped after their f-string was
# built (as in production), and nothing reaches stderr.
logger = logging.getLogger("lmcache.storage_backend.evictor")
logger.setLevel(logging.WARNING)
logger.addHandler(logging.NullHandler())
logger.propagate = False


class PutStatus(Enum):
    LEGAL = 1
    ILLEGAL = 2


# Port of lmcache.utils.CacheEngineKey (the version whose chunk_hash is a str).
# The original is a plain @dataclass with a hand-written __hash__; it is frozen
# here so that a key cannot change while it sits in a dict.  __eq__ is the
# dataclass one (same class and all five fields), __hash__ the original's.
@dataclass(frozen=True)
class CacheEngineKey:
    fmt: str
    model_name: str
    world_size: int
    worker_id: int
    chunk_hash: str

    def __hash__(self):
        return hash((self.fmt, self.model_name, self.world_size,
                     self.worker_id, self.chunk_hash))

    def to_string(self):
        return (f"{self.fmt}@{self.model_name}@{self.world_size}"
                f"@{self.worker_id}@{self.chunk_hash}")

    @staticmethod
    def from_string(s):
        parts = s.split("@")
        if len(parts) != 5:
            raise ValueError(f"Invalid key string: {s}")
        # int() raises ValueError for a non-integer world_size / worker_id.
        return CacheEngineKey(parts[0], parts[1], int(parts[2]),
                              int(parts[3]), parts[4])


# Port of lmcache.storage_backend.mem_pool.KVObj.
@dataclass
class KVObj:
    chunk_idx: int
    size: int  # in bytes
    data: torch.Tensor


# Port of lmcache.utils.DiskCacheMetadata.
@dataclass
class DiskCacheMetadata:
    path: str
    size: int  # in bytes
    shape: Optional[torch.Size] = None
    dtype: Optional[torch.dtype] = None


class BaseEvictor(metaclass=abc.ABCMeta):
    """Interface for cache evictor (port of base_evictor.BaseEvictor)."""

    @abc.abstractmethod
    def update_on_get(self, key: Union[CacheEngineKey, str],
                      cache_dict: OrderedDict) -> None:
        raise NotImplementedError

    @abc.abstractmethod
    def update_on_put(
            self, cache_dict: OrderedDict, cache_size: int
    ) -> Tuple[List[Union[CacheEngineKey, str]], PutStatus]:
        raise NotImplementedError

    def get_size(self, kv_obj: Union[torch.Tensor, bytes, KVObj]) -> int:
        """Size in bytes: the same isinstance chain as the original."""
        if isinstance(kv_obj, torch.Tensor):
            num_elements = kv_obj.numel()
            element_size = kv_obj.element_size()
            size_in_bytes = num_elements * element_size
        elif isinstance(kv_obj, bytearray):
            size_in_bytes = len(kv_obj)
        elif isinstance(kv_obj, KVObj):
            size_in_bytes = kv_obj.size
        elif isinstance(kv_obj, DiskCacheMetadata):
            size_in_bytes = kv_obj.size
        else:
            raise Exception(
                f"Encountered unknown kv data type {type(kv_obj)}!")
        return size_in_bytes


class DummyEvictor(BaseEvictor):
    """Port of base_evictor.DummyEvictor: never evicts, tracks nothing."""

    def update_on_get(self, key: Union[CacheEngineKey, str],
                      cache_dict: OrderedDict) -> None:
        # Dummy implementation does nothing
        pass

    def update_on_put(self, cache_dict: OrderedDict, cache_size: int):
        # Dummy implementation does not evict anything
        return [], PutStatus.LEGAL


class LRUEvictor(BaseEvictor):
    """Port of lru_evictor.LRUEvictor (reference behaviour, flaws included)."""

    def __init__(self, max_cache_size: float = 10.0):
        # The storage size limit (in bytes)
        self.MAX_CACHE_SIZE = int(max_cache_size * 1024**3)

        # current storage size (in bytes); a float, as in the original
        self.current_cache_size = 0.0

    def update_on_get(self, key: Union[CacheEngineKey, str],
                      cache_dict: OrderedDict) -> None:
        # KeyError for a key that is not in cache_dict.
        cache_dict.move_to_end(key)

    def update_on_put(self, cache_dict: OrderedDict, cache_size: int):
        evict_keys = []
        iter_cache_dict = iter(cache_dict)

        if cache_size > self.MAX_CACHE_SIZE:
            logger.warning("Put failed due to limited cache storage")
            return [], PutStatus.ILLEGAL

        # evict cache until there's enough space
        while cache_size + self.current_cache_size > self.MAX_CACHE_SIZE:
            # NOTE: StopIteration escapes here when the dict runs out, after
            # current_cache_size already lost every visited key's size.
            evict_key = next(iter_cache_dict)
            evict_cache_size = self.get_size(cache_dict[evict_key])
            self.current_cache_size -= evict_cache_size
            evict_keys.append(evict_key)

        # update cache size
        self.current_cache_size += cache_size
        if len(evict_keys) > 0:
            logger.debug(
                f"Evicting {len(evict_keys)} chunks, "
                f"Current cache size: {self.current_cache_size} bytes, "
                f"Max cache size: {self.MAX_CACHE_SIZE} bytes")
        return evict_keys, PutStatus.LEGAL


def make_evictor(policy: str, max_cache_size_gb: float = 10.0) -> BaseEvictor:
    """'lru' -> LRUEvictor(max_cache_size_gb), 'dummy' -> DummyEvictor()."""
    if policy == "lru":
        return LRUEvictor(max_cache_size_gb)
    if policy == "dummy":
        return DummyEvictor()
    raise ValueError(f"unknown policy {policy!r} (expected 'lru' or 'dummy')")


__all__ = [
    "PutStatus", "CacheEngineKey", "KVObj", "DiskCacheMetadata",
    "BaseEvictor", "DummyEvictor", "LRUEvictor", "make_evictor", "logger",
]
