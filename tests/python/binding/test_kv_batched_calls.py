"""The kv shape's batched calls (lookup, touch, store) take their arguments
as the stubs give them (by position or keyword, lists or tuples), reject
bad calls with TypeError as Python functions do, and give the same results
whether or not they release the GIL (from 64 keys on) and across
requests (the store's pins of one request do not outlive it)."""

import inspect
import threading

import pytest

from conftest import evictlab
from evictlab_tools import binding_kv


def test_keywords_and_positions_are_the_same_call():
    a = evictlab.kv.LRU(4 * 512)
    b = evictlab.kv.LRU(4 * 512)
    va, vb = [], []
    assert a.store([1, 2, 3], 512, None, va, 100) == (3, 0, False)
    assert b.store(keys=(1, 2, 3), last_size=100, victims=vb,
                   sizes=512) == (3, 0, False)
    assert a.used == b.used == 2 * 512 + 100
    assert a.lookup([1, 2, 9]) == b.lookup(keys=(1, 2, 9)) == 2
    a.touch([1])
    b.touch(keys=[1], next_access=None)
    # 5 needs room: the oldest block goes (2; 1 was touched).
    assert a.store([4, 5], [512, 512], victims=va) == (2, 1, False)
    assert b.store((4, 5), (512, 512), None, vb) == (2, 1, False)
    assert va == vb == [2]
    assert a.keys() == b.keys() == [3, 1, 4, 5]


def test_bad_calls_raise_type_error():
    c = evictlab.kv.FIFO(4096)
    with pytest.raises(TypeError, match=r"lookup\(\) missing required "
                                        r"argument 'keys'"):
        c.lookup()
    with pytest.raises(TypeError, match=r"store\(\) missing required "
                                        r"argument 'sizes'"):
        c.store([1])
    with pytest.raises(TypeError, match=r"touch\(\) takes at most 2"):
        c.touch([1], None, 3)
    with pytest.raises(TypeError, match="unexpected keyword argument 'key'"):
        c.lookup(key=[1])
    with pytest.raises(TypeError, match="multiple values for argument "
                                        "'keys'"):
        c.lookup([1], keys=[1])
    with pytest.raises(TypeError, match="lookup"):
        evictlab.kv.FIFO.lookup(evictlab.kv.LRU(10), [1])  # not a FIFO
    assert len(c) == 0


def test_signatures_are_introspectable():
    sig = inspect.signature(evictlab.kv.ARC.store)
    assert list(sig.parameters) == ["self", "keys", "sizes", "next_access",
                                    "victims", "last_size"]
    assert sig.parameters["victims"].default is None
    assert "longest resident prefix" in evictlab.kv.LRU.lookup.__doc__


@pytest.mark.parametrize("policy", ["lru", "mru", "arc", "s3fifo", "belady"])
def test_long_requests_equal_short_ones(policy):
    # Requests of 100-104 blocks (the batched calls release the GIL),
    # overlapping so that there are hits, evictions and pinned blocks: the
    # batched replay, the per-block replay and the C++ loop agree.
    requests = []
    for r in range(60):
        base = (r % 7) * 40
        ids = [base + i for i in range(100 + r % 5)]
        requests.append((ids, 512 * (len(ids) - 1) + 7))
    cls = getattr(evictlab.kv, policy.upper())
    fut = binding_kv.next_access(requests) if cls.needs_next_access else None
    va = []
    batched = binding_kv.replay_batched(requests, cls(150 * 512), 1, fut, va)
    per_block = binding_kv.replay_per_block(requests, cls(150 * 512), 1, fut)
    assert batched == per_block
    assert batched["n_evict"] == len(va) > 0
    trace = evictlab.kv.Trace(requests, fut)
    sim = trace.simulate(policy, 150 * 512)
    for k in ("n_block_hit", "n_store", "n_evict", "n_store_failure"):
        assert batched[k] == sim[k], k


def test_two_threads_storing_long_requests_lose_nothing():
    c = evictlab.kv.LRU(10**9)  # never evicts

    def work(first):
        for r in range(50):
            ids = list(range(first + r * 200, first + r * 200 + 200))
            assert c.store(ids, 512) == (200, 0, False)
            assert c.lookup(ids) == 200

    threads = [threading.Thread(target=work, args=(t * 10**6,))
               for t in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(c) == 2 * 50 * 200
    assert c.used == 2 * 50 * 200 * 512


def test_store_keeps_its_keys_when_a_size_runs_python():
    # Reading `last_size` runs its __index__, which here makes another
    # batched call on this thread: the store must still store its own keys.
    c = evictlab.kv.LRU(10 * 512)

    class Size:
        def __index__(self):
            assert c.lookup(list(range(1000, 1100))) == 0
            return 7

    assert c.store([1, 2, 3], 512, None, None, Size()) == (3, 0, False)
    assert c.keys() == [1, 2, 3]
    assert c.used == 2 * 512 + 7
