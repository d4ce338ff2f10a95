"""The same KV-mode scenarios (SIM-SPEC section 5, worked by hand in
tests/python/test_kv_pymodel.py) against the Python models
(pymodel/kv_policies.py through kv_replay.replay) and against the binding
(evictlab.kv through binding_kv's per-block and batched drivers): each test
runs once per implementation and asserts the same outcome."""

import pytest

from conftest import evictlab
from evictlab_tools import binding_kv
from evictlab_tools.pymodel import kv_policies, kv_replay

B = kv_replay.BLOCK_TOKENS
IMPLS = ("model", "per_block", "batched")


def req(*ids, length=None):
    return (tuple(ids), B * len(ids) if length is None else length)


class Run:
    """One implementation of one policy: replay(requests), resident()."""

    def __init__(self, impl, policy, capacity):
        self.impl = impl
        if impl == "model":
            self.p = kv_policies.make_policy(policy, capacity)
        else:
            self.p = getattr(evictlab.kv, policy.upper())(capacity)
        self.totals = {}

    def replay(self, requests):
        if self.impl == "model":
            c = kv_replay.replay(requests, self.p)
        else:
            # Belady: the future the model's replay computes for itself.
            future = (kv_replay.next_access(requests)
                      if self.p.needs_next_access else None)
            c = binding_kv.DRIVERS[self.impl](requests, self.p, 1, future)
        for k in kv_replay.COUNTERS:
            self.totals[k] = self.totals.get(k, 0) + c[k]
        return c

    def resident(self):
        """Resident keys in the policy's dict order (the order-in-dict
        policies: oldest first)."""
        if self.impl == "model":
            return list(self.p.resident)
        return self.p.keys()


@pytest.fixture(params=IMPLS)
def impl(request):
    return request.param


def test_lru_hits_are_touched_in_reverse(impl):
    r = Run(impl, "lru", 3 * B)
    c = r.replay([req(1, 2, 3), req(1, 2), req(9)])
    assert r.resident() == [2, 1, 9]
    r.replay([req(4)])
    assert r.resident() == [1, 9, 4]
    assert (c["n_block_hit"], c["n_evict"]) == (2, 1)


def test_lru_resident_block_after_a_broken_prefix_is_skipped(impl):
    r = Run(impl, "lru", 4 * B)
    c = r.replay([req(1, 2, 3), req(1, 5, 3, 6)])
    assert r.resident() == [3, 1, 5, 6]
    assert (c["n_block_hit"], c["n_token_hit"], c["n_store"],
            c["n_evict"]) == (1, B, 5, 1)


def test_lru_own_blocks_are_protected_at_the_tail(impl):
    r = Run(impl, "lru", 3 * B)
    c = r.replay([req(1, 2, 3), req(5, 1)])
    assert r.resident() == [1, 3, 5]
    assert (c["n_store"], c["n_evict"], c["n_block_hit"]) == (4, 1, 0)


def test_fifo_hit_changes_nothing(impl):
    r = Run(impl, "fifo", 2 * B)
    c = r.replay([req(1), req(2), req(1), req(3)])
    assert r.resident() == [2, 3]
    assert c["n_block_hit"] == 1


def test_mru_passes_over_its_own_blocks_at_the_head(impl):
    r = Run(impl, "mru", 2 * B)
    r.replay([req(1), req(2), req(3, 4)])
    assert r.resident() == [3, 4]


def test_lfu_min_frequency_then_oldest_access(impl):
    r = Run(impl, "lfu", 3 * B)
    c = r.replay([req(1), req(2), req(2), req(1), req(3), req(4, 5)])
    assert sorted(r.resident()) == [1, 4, 5]
    assert c["n_evict"] == 2


def test_arc_ghost_hits_keep_the_right_blocks(impl):
    # test_kv_pymodel's test_arc_outright_replace_and_ghost_hits, by its
    # resident sets: 1 out outright; 3 to G1; 3's ghost hit; 2 to G2; 2's
    # ghost hit evicts 5.
    r = Run(impl, "arc", 2 * B)
    r.replay([req(1), req(2), req(3)])
    assert sorted(r.resident()) == [2, 3]
    r.replay([req(2), req(4)])
    assert sorted(r.resident()) == [2, 4]
    r.replay([req(3)])
    assert sorted(r.resident()) == [2, 3]
    r.replay([req(5)])
    assert sorted(r.resident()) == [3, 5]
    r.replay([req(2)])
    assert sorted(r.resident()) == [2, 3]
    assert r.totals["n_evict"] == 5


def test_arc_outright_falls_back_to_the_other_list(impl):
    # Storing 4 needs 1536 - 100 bytes more than L2's unprotected 1 frees:
    # 1 is evicted (the step falls back to L2 when L1 has no unpinned
    # entry), then no unpinned victim is left and the store fails. The
    # eviction stands (SIM-SPEC section 1's loop; section 5), on every side.
    r = Run(impl, "arc", 2 * B + 100)
    c = r.replay([req(1, length=100), req(1, length=100), req(2, 3, 4)])
    assert sorted(r.resident()) == [2, 3]
    assert (c["n_evict"], c["n_store_failure"]) == (1, 1)


def test_s3fifo_promotion_then_ghost_hit(impl):
    cap = 11 * B + 100
    r = Run(impl, "s3fifo", cap)
    r.replay([req(*range(1, 12)), req(1), req(1), req(20)])
    # 1 (freq 2) moved to M; 2 evicted into G.
    assert sorted(r.resident()) == [1] + list(range(3, 12)) + [20]
    r.replay([req(2)])
    # 2 is a ghost hit (into M); S's tail 3 goes.
    assert sorted(r.resident()) == [1, 2] + list(range(4, 12)) + [20]


@pytest.mark.parametrize("policy", list(kv_policies.POLICIES))
def test_a_request_larger_than_the_cache_fails_without_victims_of_its_own(
        impl, policy):
    # Three blocks of 512 in a cache of 1000 tokens: the first fits, the
    # second needs a victim and only the request's own block is resident.
    r = Run(impl, policy, 1000)
    c = r.replay([req(7, 8, 9)])
    assert c["n_store_failure"] == 1
    assert c["n_evict"] == 0
    assert r.resident() == ([7] if policy != "s3fifo" else [])
