"""evictlab.vllm and evictlab.lmcache: the engines' call shapes.

- vLLM's CachePolicy (vllm/v1/kv_offload/cpu/policies/base.py): a
  reference model of vLLM's LRUCachePolicy written here from its documented
  semantics (an OrderedDict; touch in reverse; evict exactly n blocks with
  ref_cnt == 0 outside `protected`, oldest first, or None and no change)
  and evictlab.vllm.LRU take the same random operation sequences; every
  policy passes the shape's contract (atomic evict, ref_cnt, protected).
- LMCache v1's BaseCachePolicy: the lab's LMCache-shaped models
  (pymodel/kv_policies.py) and evictlab.lmcache take the same sequences.
- LMCache v0: pymodel/lmcache_evictor.py's LRUEvictor (the faithful model)
  and evictlab.lmcache.LRUEvictor give the same answers.
"""

import random
from collections import OrderedDict

import pytest

from conftest import evictlab
from evictlab_tools.pymodel import kv_policies

VLLM = sorted(n for n in evictlab.vllm.__all__ if n != "LRU")
LMCACHE_V1 = sorted(n for n in evictlab.lmcache.__all__
                    if n.isupper() and n not in ("LRU",))


class BlockStatus:
    """vLLM's BlockStatus: ref_cnt -1 (not yet stored), 0, or > 0 (loads)."""

    def __init__(self, ref_cnt=0):
        self.ref_cnt = ref_cnt


class VllmLRUModel:
    """vLLM's LRUCachePolicy, from its documented behaviour."""

    def __init__(self, cache_capacity):
        self.blocks = OrderedDict()

    def get(self, key):
        return self.blocks.get(key)

    def insert(self, key, block):
        self.blocks[key] = block

    def remove(self, key):
        del self.blocks[key]

    def touch(self, keys):
        for key in reversed(list(keys)):
            if key in self.blocks:
                self.blocks.move_to_end(key)

    def evict(self, n, protected):
        if n == 0:
            return []
        out = []
        for key, block in self.blocks.items():
            if block.ref_cnt == 0 and key not in protected:
                out.append((key, block))
                if len(out) == n:
                    break
        if len(out) < n:
            return None
        for key, _ in out:
            del self.blocks[key]
        return out


@pytest.mark.parametrize("seed", range(5))
def test_vllm_lru_takes_the_reference_models_decisions(seed):
    rng = random.Random(seed)
    cap = 64
    model, ours = VllmLRUModel(cap), evictlab.vllm.LRU(cap)
    statuses = {}
    for step in range(3000):
        op = rng.random()
        key = rng.randrange(200) if rng.random() < 0.5 else \
            rng.randrange(200).to_bytes(8, "little")
        if op < 0.35:
            if model.get(key) is None:
                if len(model.blocks) == cap:
                    n = rng.randrange(1, 4)
                    prot = {rng.randrange(200) for _ in range(5)}
                    a, b = model.evict(n, prot), ours.evict(n, prot)
                    assert (a is None) == (b is None), step
                    if a is not None:
                        assert [k for k, _ in a] == [k for k, _ in b]
                        assert all(x is y for (_, x), (_, y) in zip(a, b))
                    continue
                s = BlockStatus(rng.choice((0, 0, 0, 1, -1)))
                statuses[key] = s
                model.insert(key, s)
                ours.insert(key, s)
        elif op < 0.65:
            keys = [rng.randrange(200) for _ in range(rng.randrange(6))]
            model.touch(keys)
            ours.touch(keys)
        elif op < 0.75:
            if model.get(key) is not None:
                model.remove(key)
                ours.remove(key)
        elif op < 0.85:
            s = model.get(key)
            if s is not None:
                s.ref_cnt = rng.choice((0, 1, 2))  # a load starts or ends
        else:
            n = rng.randrange(0, 5)
            prot = {rng.randrange(200) for _ in range(8)}
            a, b = model.evict(n, prot), ours.evict(n, prot)
            assert (a is None) == (b is None), step
            if a is not None:
                assert [k for k, _ in a] == [k for k, _ in b], step
        assert ours.get(key) is model.get(key)
        assert ours.keys() == list(model.blocks)


@pytest.mark.parametrize("name", VLLM)
def test_vllm_evict_is_atomic_and_respects_status_and_protected(name):
    # NOTE: 100 blocks, not 8: S3-FIFO's small queue is 10% of the capacity
    # and declines a block not smaller than it (SIM-SPEC), so below 20
    # blocks it stores nothing.
    p = getattr(evictlab.vllm, name)(100)
    busy, unready = BlockStatus(1), BlockStatus(-1)
    for k in range(6):
        p.insert(k, BlockStatus(0))
    p.insert(b"busy", busy)
    p.insert(b"unready", unready)
    before = sorted(map(repr, p.keys()))
    # 6 blocks have ref_cnt 0, two of them protected: 4 evictable.
    assert p.evict(5, {0, 1}) is None
    assert sorted(map(repr, p.keys())) == before
    out = p.evict(4, {0, 1})
    assert out is not None and len(out) == 4
    assert {k for k, _ in out} == {2, 3, 4, 5}
    assert all(isinstance(s, BlockStatus) and s.ref_cnt == 0 for _, s in out)
    assert p.evict(1, {0, 1}) is None
    busy.ref_cnt = 0  # the load finished
    assert p.evict(1, {0, 1}) == [(b"busy", busy)]
    assert p.evict(0, set()) == []
    assert len(p) == 3 and p.get(b"unready") is unready


@pytest.mark.parametrize("name", VLLM)
def test_vllm_contract_get_insert_remove_and_errors(name):
    cls = getattr(evictlab.vllm, name)
    cap = 40  # S3-FIFO admits blocks from 20 up (see above)
    p = cls(cap)
    s = BlockStatus()
    p.insert(2**64 - 1, s)
    p.insert(-5, s)
    p.insert(b"\x00k", s)
    assert p.get(2**64 - 1) is s and p.get(-5) is s and p.get(b"\x00k") is s
    assert p.get(5) is None and p.get(b"-5") is None
    assert {type(k) for k in p.keys()} <= {int, bytes}
    p.remove(-5)
    with pytest.raises(KeyError):
        p.remove(-5)
    with pytest.raises(TypeError, match="bytes or int"):
        p.get("str key")
    with pytest.raises(TypeError, match=r"touch: keys\[1\]"):
        p.touch([1, 2.5])
    with pytest.raises(TypeError):
        p.touch(7)
    with pytest.raises(ValueError, match="outside"):
        p.get(2**64)
    with pytest.raises(ValueError, match="negative"):
        p.evict(-1, set())
    with pytest.raises(TypeError):
        p.evict("1", set())
    with pytest.raises(ValueError, match="cache_capacity"):
        cls(0)
    with pytest.raises(TypeError):
        p.get(True)
    for k in range(cap - 2):
        p.insert(k, s)
    assert len(p) == cap and p.used == cap
    with pytest.raises(ValueError, match="evict first"):
        p.insert(cap, s)
    with pytest.raises(ValueError, match="size"):
        p.insert(cap, s, 0)
    assert len(p) == cap
    p.clear()
    assert len(p) == 0


def test_vllm_touch_is_vllms_order():
    p = evictlab.vllm.LRU(3)
    for k in (1, 2, 3):
        p.insert(k, BlockStatus())
    p.get(1)  # a lookup: no promotion
    p.touch([1, 2])  # 2 then 1: 1 ends the most recent
    assert [k for k, _ in p.evict(3, set())] == [3, 2, 1]


def test_vllm_belady_is_left_out():
    assert not hasattr(evictlab.vllm, "BELADY")
    assert hasattr(evictlab.kv, "BELADY")
    assert evictlab.kv.BELADY.needs_next_access


# -- LMCache v1 ---------------------------------------------------------------

class Obj:
    def __init__(self, can_evict=True):
        self.can_evict = can_evict


@pytest.mark.parametrize("name", ["LRU_STRICT", "FIFO", "MRU", "LFU"])
@pytest.mark.parametrize("seed", range(3))
def test_lmcache_v1_takes_the_models_decisions(name, seed):
    rng = random.Random(seed)
    registry = "lru" if name == "LRU_STRICT" else name.lower()
    model = kv_policies.make_policy(registry, 1 << 40)
    ours = getattr(evictlab.lmcache, name)()
    mdict = model.cache_dict  # the model's books are its backend dict
    odict = ours.init_mutable_mapping()
    for step in range(3000):
        key = rng.randrange(300)
        op = rng.random()
        if op < 0.4:
            if key not in odict:
                obj = Obj(rng.random() < 0.8)
                mdict[key] = 1
                model.update_on_put(key)
                odict[key] = obj
                ours.update_on_put(key)
        elif op < 0.75:
            if key in odict:
                model.update_on_hit(key, mdict)
                ours.update_on_hit(key, odict)
        elif op < 0.85:
            if key in odict:
                del odict[key]
                del mdict[key]
                model.update_on_force_evict(key)
                ours.update_on_force_evict(key)
        else:
            n = rng.randrange(1, 5)
            pinned = {k for k, o in odict.items() if not o.can_evict}
            a = model.get_evict_candidates(mdict, n, pinned)
            b = ours.get_evict_candidates(odict, n)
            assert a == b, step
            for k in a:  # the backend evicts them
                del odict[k]
                mdict.pop(k)
        assert sorted(ours.keys()) == sorted(mdict)


@pytest.mark.parametrize("name", LMCACHE_V1)
def test_lmcache_v1_contract_and_errors(name):
    p = getattr(evictlab.lmcache, name)()
    d = p.init_mutable_mapping()
    for k in range(5):
        d[k] = Obj(can_evict=k != 0)
        p.update_on_put(k)
    p.update_on_hit(3, d)
    with pytest.raises(KeyError):
        p.update_on_hit(99, d)
    out = p.get_evict_candidates(d, 10)
    assert sorted(out) == [1, 2, 3, 4]  # best effort: 0 cannot be evicted
    assert p.get_evict_candidates(d, 1) == []
    assert len(p) == 1
    p.update_on_force_evict(0)
    p.update_on_force_evict(0)  # unknown: no error
    assert len(p) == 0
    with pytest.raises(ValueError):
        p.get_evict_candidates(d, -1)
    with pytest.raises(TypeError):
        p.update_on_put(["list"])


# -- LMCache v0 ---------------------------------------------------------------

def test_lmcache_v0_lru_evictor_equals_the_faithful_model():
    torch = pytest.importorskip("torch")
    from evictlab_tools.pymodel import lmcache_evictor as ref
    rng = random.Random(7)
    a, b = ref.LRUEvictor(0.00001), evictlab.lmcache.LRUEvictor(0.00001)
    assert a.MAX_CACHE_SIZE == b.MAX_CACHE_SIZE == 10737
    da, db = OrderedDict(), OrderedDict()
    for step in range(2000):
        key = f"k{rng.randrange(60)}"
        if rng.random() < 0.3 and key in da:
            a.update_on_get(key, da)
            b.update_on_get(key, db)
            continue
        kind = rng.randrange(3)
        n = rng.randrange(1, 3000)
        if kind == 0:
            obj = bytearray(n)
        elif kind == 1:
            obj = torch.zeros(n // 4 + 1, dtype=torch.float32)
        else:
            obj = ref.KVObj(0, n, torch.zeros(1))
        size = a.get_size(obj)
        assert b.get_size(obj) == size
        try:
            ka, sa = a.update_on_put(da, size)
        except StopIteration:
            with pytest.raises(StopIteration):
                b.update_on_put(db, size)
            assert a.current_cache_size == b.current_cache_size
            break
        kb, sb = b.update_on_put(db, size)
        assert ka == kb and sa.name == sb.name, step
        assert a.current_cache_size == b.current_cache_size
        if sa.name == "LEGAL":
            for k in ka:
                da.pop(k, None)
                db.pop(k, None)
            da[key] = obj
            db[key] = obj
    with pytest.raises(TypeError, match="unknown kv data type"):
        b.get_size(object())


def test_lmcache_v0_dummy_evictor():
    d = evictlab.lmcache.DummyEvictor()
    keys, status = d.update_on_put(OrderedDict(), 1 << 60)
    assert keys == [] and status == evictlab.lmcache.PutStatus.LEGAL
    d.update_on_get("absent", OrderedDict())
    assert d.get_size(bytearray(5)) == 5
