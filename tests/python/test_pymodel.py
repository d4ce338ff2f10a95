#!/usr/bin/python3
"""Tests of the Python model of LMCache's evictor (scripts/evictlab_tools/pymodel).

Run from the repo root:
  /usr/bin/python3 -m unittest discover -s tests/python -v
"""

import glob
import json
import os
import sys
import unittest
from collections import OrderedDict

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

import torch  # noqa: E402

from evictlab_tools.pymodel import replay  # noqa: E402
from evictlab_tools.pymodel.lmcache_evictor import (CacheEngineKey, DiskCacheMetadata,  # noqa: E402
                             DummyEvictor, KVObj, LRUEvictor, PutStatus)

GOLDEN = replay.default_golden_dir()


def golden_files():
    return sorted(glob.glob(os.path.join(GOLDEN, "*.jsonl"))) if GOLDEN else []


class GoldenReplayTest(unittest.TestCase):

    def test_golden_dir_found(self):
        self.assertIsNotNone(GOLDEN, "no ../shared/golden or tests/golden")
        self.assertGreater(len(golden_files()), 0)

    def test_every_golden_trace_passes(self):
        for path in golden_files():
            with self.subTest(trace=os.path.basename(path)):
                r = replay.replay_file(path)
                self.assertTrue(r.ok, str(r))
                self.assertGreater(r.ops, 0)

    def _lines(self, name):
        path = os.path.join(GOLDEN, name)
        if not os.path.exists(path):
            self.skipTest(f"{name} not in {GOLDEN}")
        with open(path, encoding="utf-8") as f:
            return f.read().splitlines()

    def _alter(self, name, predicate, mutate):
        """Alters the first record matching predicate; returns (lines, no)."""
        lines = self._lines(name)
        for i, line in enumerate(lines[1:], start=1):
            rec = json.loads(line)
            if predicate(rec):
                mutate(rec)
                lines[i] = json.dumps(rec)
                return lines, i + 1
        self.fail(f"no record to alter in {name}")

    def test_one_altered_current_fails_at_its_line(self):
        lines, lineno = self._alter(
            "lru_basic.jsonl",
            lambda r: r["op"] == "update_on_put" and r.get("evict"),
            lambda r: r.__setitem__("current", r["current"] + 1.0))
        r = replay.replay_lines(lines, "altered")
        self.assertFalse(r.ok)
        self.assertEqual(r.line, lineno)
        self.assertIn("current", r.message)

    def test_one_altered_evict_list_fails(self):
        lines, lineno = self._alter(
            "lru_multi_evict.jsonl",
            lambda r: r["op"] == "update_on_put" and len(r.get("evict", [])) > 1,
            lambda r: r["evict"].pop())
        r = replay.replay_lines(lines, "altered")
        self.assertFalse(r.ok)
        self.assertEqual(r.line, lineno)
        self.assertIn("evict", r.message)

    def test_removed_error_fails(self):
        # The run-off-the-end StopIteration must be reproduced, not skipped.
        lines, lineno = self._alter(
            "lru_overwrite_drift.jsonl",
            lambda r: r.get("error") == "StopIteration",
            lambda r: (r.pop("error"), r.update(evict=[], status="LEGAL")))
        r = replay.replay_lines(lines, "altered")
        self.assertFalse(r.ok)
        self.assertEqual(r.line, lineno)

    def test_altered_get_size_fails(self):
        lines, lineno = self._alter(
            "sizes.jsonl", lambda r: r.get("size", 0) > 0,
            lambda r: r.__setitem__("size", r["size"] * 2))
        r = replay.replay_lines(lines, "altered")
        self.assertFalse(r.ok)
        self.assertEqual(r.line, lineno)


class GetSizeTest(unittest.TestCase):

    def setUp(self):
        self.ev = LRUEvictor(1.0)

    def test_tensor_is_view_size(self):
        pool = torch.empty(1024 * 128, dtype=torch.bfloat16)
        view = pool.narrow(0, 5 * 128, 128)
        self.assertEqual(self.ev.get_size(view), 256)
        self.assertEqual(self.ev.get_size(pool), 1024 * 128 * 2)
        t = torch.empty(64, 32, dtype=torch.float32).transpose(0, 1)
        self.assertEqual(self.ev.get_size(t), 64 * 32 * 4)
        self.assertEqual(self.ev.get_size(torch.empty(3, dtype=torch.complex128)),
                         48)
        self.assertEqual(self.ev.get_size(torch.empty(0, dtype=torch.int64)), 0)

    def test_bytearray_kvobj_disk(self):
        self.assertEqual(self.ev.get_size(bytearray(4096)), 4096)
        # KVObj: its size field, not the tensor's bytes.
        data = torch.empty(10, dtype=torch.float64)
        self.assertEqual(self.ev.get_size(KVObj(3, 12345, data)), 12345)
        self.assertEqual(self.ev.get_size(KVObj(3, -7, data)), -7)
        self.assertEqual(self.ev.get_size(DiskCacheMetadata("/c/0.pt", 77)), 77)
        self.assertEqual(self.ev.get_size(DiskCacheMetadata("/c/0.pt", 1 << 33)),
                         1 << 33)
        self.assertEqual(DummyEvictor().get_size(bytearray(3)), 3)

    def test_rejected_types_raise_bare_exception_naming_the_type(self):
        for obj, tname in ((b"abc", "bytes"), ("s", "str"), (42, "int"),
                           (None, "NoneType"), (True, "bool"),
                           (memoryview(b"x"), "memoryview")):
            with self.subTest(type=tname):
                with self.assertRaises(Exception) as cm:
                    self.ev.get_size(obj)
                self.assertIs(type(cm.exception), Exception)
                self.assertEqual(
                    str(cm.exception),
                    f"Encountered unknown kv data type <class '{tname}'>!")


class CacheEngineKeyTest(unittest.TestCase):

    def test_round_trip(self):
        k = CacheEngineKey("vllm", "meta-llama/Llama-3.1-8B-Instruct", 1, 0,
                           "00ff")
        s = k.to_string()
        self.assertEqual(s, "vllm@meta-llama/Llama-3.1-8B-Instruct@1@0@00ff")
        k2 = CacheEngineKey.from_string(s)
        self.assertEqual(k2, k)
        self.assertEqual(hash(k2), hash(k))
        self.assertIsInstance(k2.world_size, int)
        self.assertIsInstance(k2.chunk_hash, str)

    def test_from_string_rejects(self):
        for bad in ("", "a@b@1@0", "a@b@1@0@h@extra", "a@b@x@0@h",
                    "a@b@1@y@h", "a@b@1.5@0@h", "a@b@@0@h"):
            with self.subTest(s=bad):
                with self.assertRaises(ValueError):
                    CacheEngineKey.from_string(bad)

    def test_from_string_accepts_what_int_accepts(self):
        # int() is lenient: whitespace, signs and underscores pass.
        k = CacheEngineKey.from_string("a@b@ 2 @-1@h")
        self.assertEqual((k.world_size, k.worker_id), (2, -1))

    def test_equality_and_hash_over_five_fields(self):
        base = ("vllm", "m", 1, 0, "h")
        k = CacheEngineKey(*base)
        for i in range(5):
            other = list(base)
            other[i] = other[i] + 1 if isinstance(other[i], int) else other[i] + "x"
            self.assertNotEqual(k, CacheEngineKey(*other))
        self.assertEqual(hash(k), hash(base))

    def test_key_and_its_string_are_different_keys(self):
        k = CacheEngineKey("vllm", "m", 1, 0, "h")
        d = OrderedDict({k: 1})
        self.assertNotIn(k.to_string(), d)
        self.assertNotEqual(k, k.to_string())

    def test_frozen(self):
        k = CacheEngineKey("vllm", "m", 1, 0, "h")
        with self.assertRaises(Exception):
            k.chunk_hash = "other"


class LRUEvictorTest(unittest.TestCase):

    def test_max_is_truncated_double_product(self):
        self.assertEqual(LRUEvictor(0.1).MAX_CACHE_SIZE, 107374182)
        self.assertEqual(LRUEvictor().MAX_CACHE_SIZE, 10 * 1024**3)
        self.assertIsInstance(LRUEvictor().current_cache_size, float)

    def test_illegal_changes_nothing_and_equal_is_legal(self):
        ev = LRUEvictor(4096 / 1024**3)
        d = OrderedDict()
        self.assertEqual(ev.update_on_put(d, 4097), ([], PutStatus.ILLEGAL))
        self.assertEqual(ev.current_cache_size, 0.0)
        self.assertEqual(ev.update_on_put(d, 4096), ([], PutStatus.LEGAL))
        self.assertEqual(ev.current_cache_size, 4096.0)

    def test_run_off_the_end_raises_after_partial_accounting(self):
        ev = LRUEvictor(8192 / 1024**3)
        d = OrderedDict()
        for k in ("a", "b"):
            ev.update_on_put(d, 4096)
            d[k] = bytearray(4096)
        d.pop("b")  # the evictor is not told: drift
        with self.assertRaises(StopIteration):
            ev.update_on_put(d, 8192)
        self.assertEqual(ev.current_cache_size, 4096.0)

    def test_returns_incoming_key_when_it_is_oldest(self):
        ev = LRUEvictor(8192 / 1024**3)
        d = OrderedDict()
        for k in ("A", "B"):
            ev.update_on_put(d, 4096)
            d[k] = KVObj(0, 4096, None)
        evict, status = ev.update_on_put(d, 4096)  # caller re-puts "A"
        self.assertEqual((evict, status), (["A"], PutStatus.LEGAL))

    def test_get_moves_to_end_and_missing_is_keyerror(self):
        ev = LRUEvictor()
        d = OrderedDict((k, bytearray(1)) for k in "abc")
        ev.update_on_get("a", d)
        self.assertEqual(list(d), ["b", "c", "a"])
        with self.assertRaises(KeyError):
            ev.update_on_get("zz", d)
        DummyEvictor().update_on_get("zz", d)  # no-op, no error


if __name__ == "__main__":
    unittest.main()
