"""Two Python threads on one policy.

- Through the lab's synchronized evictor (evictlab.sync, synchronized_cache.h,
  whose calls release the GIL): two writers put disjoint keys and evict
  concurrently; afterwards every key ever put is either resident or was
  reported evicted exactly once (nothing lost, nothing duplicated), and the
  cache's audit is consistent.
- Through evictlab.vllm (whose touch releases the GIL): one thread touches
  while the other inserts and evicts; every block inserted is resident or
  was returned by evict exactly once.
"""

import threading

import pytest

from conftest import evictlab

SYNC = sorted(n for n in evictlab.sync.__all__ if n != "LRU")
N = 20000


def run_threads(*targets):
    errors = []

    def wrap(fn):
        def go():
            try:
                fn()
            except BaseException as e:  # reported by the main thread
                errors.append(e)
        return go

    threads = [threading.Thread(target=wrap(t)) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


@pytest.mark.parametrize("name", SYNC)
def test_sync_two_writers_lose_and_duplicate_nothing(name):
    cache = getattr(evictlab.sync, name)(512 * 1000)
    evicted = [[], []]
    stored_flags = [[], []]

    def writer(t):
        def go():
            for i in range(N):
                key = (t << 40) | i
                r = cache.put(key, 512)
                assert r is not None
                stored, victims = r
                stored_flags[t].append((key, stored))
                evicted[t].extend(victims)
                if i % 97 == 0 and hasattr(cache, "evict"):
                    evicted[t].extend(cache.evict(3))
                if i % 13 == 0:
                    cache.get((t << 40) | (i // 2))
        return go

    run_threads(writer(0), writer(1))
    put = [k for flags in stored_flags for k, s in flags if s]
    gone = evicted[0] + evicted[1]
    resident = cache.keys()
    assert len(gone) == len(set(gone)), "a key was evicted twice"
    assert not set(gone) & set(resident), "an evicted key is resident"
    assert sorted(gone + resident) == sorted(put), "a key was lost"
    a = cache.audit()
    assert a["entries"] == len(resident) <= 1000
    assert a["stored_bytes"] == 512 * a["entries"]
    assert a["current"] is None or a["current"] == a["stored_bytes"]


def test_vllm_touch_thread_and_writer_thread():
    p = evictlab.vllm.LRU(256)

    class Status:
        ref_cnt = 0

    inserted, returned = [], []
    done = threading.Event()

    def writer():
        try:
            for i in range(N):
                if len(p) == 256:
                    out = p.evict(8, set())
                    assert out is not None
                    returned.extend(k for k, _ in out)
                p.insert(i, Status())
                inserted.append(i)
        finally:
            done.set()

    def toucher():
        keys = list(range(0, N, 7))
        while not done.is_set():
            p.touch(keys[:500])
            keys = keys[1:] + keys[:1]

    run_threads(writer, toucher)
    resident = p.keys()
    assert len(returned) == len(set(returned))
    assert sorted(returned + resident) == inserted
