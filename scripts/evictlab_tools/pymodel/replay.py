#!/usr/bin/python3
"""Replay golden traces (/work/shared/golden/*.jsonl) against the Python model.

Usage: /usr/bin/python3 scripts/pymodel/replay.py [TRACE.jsonl ...]
With no argument it replays ../shared/golden/*.jsonl relative to the repo
root (falling back to tests/golden/).  Prints PASS per trace, or the first
mismatch as ``file:line: op: field: expected X, got Y``; exits 1 on any
failure.  The trace format is described in SPEC.md ("Golden traces").
"""

import argparse
import glob
import json
import os
import sys
from collections import OrderedDict
from dataclasses import dataclass
from typing import Iterable, List, Optional

import torch

from evictlab_tools.pymodel.lmcache_evictor import (
    CacheEngineKey, DiskCacheMetadata, KVObj, PutStatus, make_evictor)

REPO_ROOT = os.path.abspath(
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                 ".."))

DTYPES = {
    "float16": torch.float16, "bfloat16": torch.bfloat16,
    "float32": torch.float32, "float64": torch.float64,
    "uint8": torch.uint8, "int8": torch.int8, "int16": torch.int16,
    "int32": torch.int32, "int64": torch.int64, "bool": torch.bool,
    "complex64": torch.complex64, "complex128": torch.complex128,
}


def default_golden_dir() -> Optional[str]:
    """../shared/golden relative to the repo root, else tests/golden."""
    for d in (os.path.join(REPO_ROOT, "..", "shared", "golden"),
              os.path.join(REPO_ROOT, "tests", "golden")):
        if glob.glob(os.path.join(d, "*.jsonl")):
            return os.path.normpath(d)
    return None


def parse_key(text: str):
    """'cek:<to_string>' -> CacheEngineKey, anything else -> the str itself."""
    if text.startswith("cek:"):
        return CacheEngineKey.from_string(text[4:])
    return text


def key_text(key) -> str:
    if isinstance(key, CacheEngineKey):
        return "cek:" + key.to_string()
    return key


def make_kv(desc: dict):
    """Builds the KV object a trace's "kv" description stands for."""
    t = desc["type"]
    if t == "tensor":
        # torch.empty: the size rule reads metadata only, so never touch the
        # (up to 256 MiB) storage.
        x = torch.empty(desc["shape"], dtype=DTYPES[desc["dtype"]])
        if "narrow" in desc:
            dim, start, length = desc["narrow"]
            x = x.narrow(dim, start, length)
        if "transpose" in desc:
            a, b = desc["transpose"]
            x = x.transpose(a, b)
        return x
    if t == "bytearray":
        return bytearray(desc["len"])
    if t == "kvobj":
        return KVObj(desc["chunk_idx"], desc["size"], None)
    if t == "disk":
        return DiskCacheMetadata(desc["path"], desc["size"])
    if t == "bytes":
        return bytes(desc["len"])
    if t == "str":
        return "x" * desc["len"]
    if t == "int":
        return desc["value"]
    if t == "none":
        return None
    raise ValueError(f"unknown kv type {t!r}")


class Mismatch(Exception):
    pass


@dataclass
class ReplayResult:
    path: str
    ops: int = 0
    ok: bool = True
    line: Optional[int] = None
    message: str = ""

    def __str__(self):
        if self.ok:
            return f"PASS {self.path} ({self.ops} ops)"
        return f"FAIL {self.path}:{self.line}: {self.message}"


def _expect(what, expected, got):
    # A JSON true/false must meet a Python bool, not 1/0.
    if expected != got or isinstance(expected, bool) != isinstance(got, bool):
        raise Mismatch(f"{what}: expected {expected!r}, got {got!r}")


class Replayer:
    """Applies trace operations to one evictor and one OrderedDict."""

    def __init__(self, header: dict):
        self.header = header
        self.policy = header["policy"]
        self.evictor = make_evictor(self.policy,
                                    header.get("max_cache_size_gb") or 0.0)
        if self.policy == "lru" and header.get("max_bytes") is not None:
            _expect("header max_bytes", header["max_bytes"],
                    self.evictor.MAX_CACHE_SIZE)
        self.d = OrderedDict()

    def _check_after(self, rec):
        if "current" in rec:
            cur = getattr(self.evictor, "current_cache_size", None)
            if cur is None:
                raise Mismatch("current: recorded, but the evictor has none")
            # Exact: a double holding an integer, and a float like the
            # original's (0.0 + int stays a float).
            if not isinstance(cur, float):
                raise Mismatch(f"current: expected a float, got {cur!r}")
            _expect("current", float(rec["current"]), cur)
        if "len" in rec:
            _expect("len", rec["len"], len(self.d))

    def _check_error(self, rec, err):
        want = rec.get("error")
        got = None if err is None else type(err).__name__
        if want != got:
            raise Mismatch(f"error: expected {want!r}, got {got!r}"
                           + (f" ({err!r})" if err is not None else ""))

    def apply(self, rec: dict):
        op = rec["op"]
        ev, d = self.evictor, self.d
        if op == "update_on_put":
            err = None
            try:
                evict, status = ev.update_on_put(d, rec["size"])
            except StopIteration as e:
                err = e
            self._check_error(rec, err)
            if err is None:
                _expect("evict", rec["evict"], [key_text(k) for k in evict])
                _expect("status", rec["status"], status.name)
                if not isinstance(status, PutStatus):
                    raise Mismatch(f"status: not a PutStatus: {status!r}")
            self._check_after(rec)
        elif op == "update_on_get":
            err = None
            try:
                ev.update_on_get(parse_key(rec["key"]), d)
            except KeyError as e:
                err = e
            self._check_error(rec, err)
        elif op == "contains":
            _expect("result", rec["result"], parse_key(rec["key"]) in d)
        elif op == "pop":
            err = None
            try:
                d.pop(parse_key(rec["key"]))
            except KeyError as e:
                err = e
            self._check_error(rec, err)
            self._check_after(rec)
        elif op == "set":
            d[parse_key(rec["key"])] = make_kv(rec["kv"])
            self._check_after(rec)
        elif op == "get_size":
            err, size = None, None
            try:
                size = ev.get_size(make_kv(rec["kv"]))
            except Exception as e:  # the original raises a bare Exception
                err = e
            if "error" in rec:
                if err is None:
                    raise Mismatch(f"error: expected {rec['error']!r}, got "
                                   f"size {size!r}")
                if type(err) is not Exception:
                    raise Mismatch(f"error: expected a bare Exception, got "
                                   f"{type(err).__name__}: {err}")
                if "message" in rec:
                    _expect("message", rec["message"], str(err))
            else:
                if err is not None:
                    raise Mismatch(f"size: expected {rec['size']!r}, got "
                                   f"{type(err).__name__}: {err}")
                _expect("size", rec["size"], size)
        elif op == "order":
            _expect("keys", rec["keys"], [key_text(k) for k in d])
        else:
            raise Mismatch(f"unknown op {op!r}")


def replay_lines(lines: Iterable[str], path: str = "<trace>") -> ReplayResult:
    """Replays JSON lines; stops at the first mismatch."""
    res = ReplayResult(path)
    replayer = None
    for lineno, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
            if replayer is None:
                if "op" in rec:
                    raise Mismatch("line 1 must be the trace header")
                replayer = Replayer(rec)
                continue
            replayer.apply(rec)
            res.ops += 1
        except Mismatch as e:
            res.ok, res.line = False, lineno
            res.message = (f"{rec.get('op', 'header')}: {e}"
                           if isinstance(rec, dict) else str(e))
            return res
        except Exception as e:  # malformed line or an unexpected error
            res.ok, res.line = False, lineno
            res.message = f"unexpected {type(e).__name__}: {e}"
            return res
    if replayer is None:
        res.ok, res.line, res.message = False, 1, "empty trace"
    return res


def replay_file(path: str) -> ReplayResult:
    with open(path, encoding="utf-8") as f:
        return replay_lines(f, path)


def main(argv: List[str] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("traces", nargs="*",
                    help="trace files (default: every golden trace)")
    args = ap.parse_args(argv)
    paths = args.traces
    if not paths:
        gdir = default_golden_dir()
        if gdir is None:
            print("no golden traces found (../shared/golden, tests/golden)",
                  file=sys.stderr)
            return 2
        paths = sorted(glob.glob(os.path.join(gdir, "*.jsonl")))
    failed = 0
    for p in paths:
        r = replay_file(p)
        print(r)
        failed += not r.ok
    print(f"{len(paths) - failed}/{len(paths)} traces pass")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
