#!/usr/bin/python3
"""Tests of the Python KV-mode models (scripts/evictlab_tools/pymodel/
kv_policies.py, kv_replay.py) and of scripts/pykv's parsing.

Run from the repo root:
  PYTHONPATH=scripts /usr/bin/python3 -m unittest tests/python/test_kv_pymodel.py -v

Every sequence below is worked by hand from SIM-SPEC sections 1, 4 and 5; a
block is 512 tokens unless a request's input_length makes its last block
shorter, and bytes per token is 1, so sizes and capacities count tokens.
The agreement with the C++ simulator is tests/python/kv_agreement.py.
"""

import io
import json
import os
import shutil
import tempfile
import unittest
from contextlib import redirect_stderr, redirect_stdout

from evictlab_tools import pykv
from evictlab_tools.pymodel import kv_policies, kv_replay

SHARED = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..",
                                      "..", "shared"))
MOONCAKE = os.path.join(SHARED, "traces", "mooncake")
B = kv_replay.BLOCK_TOKENS
ALL = list(kv_policies.POLICIES)


def req(*ids, length=None):
    """A request of full blocks, unless length says otherwise."""
    return (tuple(ids), B * len(ids) if length is None else length)


def run(policy, capacity, requests, bytes_per_token=1):
    p = kv_policies.make_policy(policy, capacity)
    return p, kv_replay.replay(requests, p, bytes_per_token)


class LRURulesTest(unittest.TestCase):

    def test_hits_are_touched_in_reverse(self):
        # [1,2,3]: order tail..head 1,2,3. [1,2] hits: 2 then 1 is touched,
        # so 1 ends most recent: 3,2,1. [9] evicts 3, [4] then evicts 2.
        # (Touching 1 then 2 would leave 3,1,2 and [4] would evict 1.)
        p, c = run("lru", 3 * B, [req(1, 2, 3), req(1, 2), req(9)])
        self.assertEqual(list(p.cache_dict), [2, 1, 9])
        kv_replay.replay([req(4)], p)
        self.assertEqual(list(p.cache_dict), [1, 9, 4])
        self.assertEqual((c["n_block_hit"], c["n_evict"]), (2, 1))

    def test_resident_block_after_a_broken_prefix_is_skipped(self):
        # [1,2,3] stored. [1,5,3,6]: k = 1 (5 is missing), so 3 is no hit
        # even though it is resident, and it is not touched. Order after the
        # touch of 1: 2,3,1; 5 fits (4 blocks); 6 evicts the tail-most
        # unprotected block, 2. Order 3,1,5,6: 3 kept its old place.
        p, c = run("lru", 4 * B, [req(1, 2, 3), req(1, 5, 3, 6)])
        self.assertEqual(list(p.cache_dict), [3, 1, 5, 6])
        self.assertEqual(c["n_block_hit"], 1)
        self.assertEqual(c["n_token_hit"], B)
        self.assertEqual(c["n_store"], 5)
        self.assertEqual(c["n_evict"], 1)

    def test_own_blocks_are_protected_at_the_tail(self):
        # cap 3: [1,2,3], order 1,2,3. [5,1]: k = 0; storing 5 needs a
        # victim; the tail 1 is the request's own (resident, to be skipped),
        # so 2 goes. 1 is then skipped. Without protection 1 would be the
        # victim and be stored again (n_store 5, order 3,5,1).
        p, c = run("lru", 3 * B, [req(1, 2, 3), req(5, 1)])
        self.assertEqual(list(p.cache_dict), [1, 3, 5])
        self.assertEqual((c["n_store"], c["n_evict"], c["n_block_hit"]),
                         (4, 1, 0))


class PolicyRulesTest(unittest.TestCase):

    def test_fifo_hit_changes_nothing(self):
        p, c = run("fifo", 2 * B, [req(1), req(2), req(1), req(3)])
        self.assertEqual(list(p.cache_dict), [2, 3])  # LRU would keep 1
        self.assertEqual(c["n_block_hit"], 1)

    def test_mru_evicts_the_head(self):
        # [1],[2],[1] hit: head is 1; [3] evicts 1.
        p, c = run("mru", 2 * B, [req(1), req(2), req(1), req(3)])
        self.assertEqual(sorted(p.cache_dict), [2, 3])

    def test_mru_passes_over_its_own_blocks_at_the_head(self):
        # [1],[2] then [3,4]: 3 evicts the head 2; 4: the head is 3 (own,
        # protected), so 1 goes.
        p, c = run("mru", 2 * B, [req(1), req(2), req(3, 4)])
        self.assertEqual(list(p.cache_dict), [3, 4])

    def test_lfu_min_frequency_then_oldest_access(self):
        # cap 3: 1, 2 stored; hit 2 then hit 1 (freq 2 each, 1 accessed
        # last); 3 stored (freq 1). [4,5]: 4 evicts 3 (freq 1); 5: 4 has
        # freq 1 but is the request's own, so the freq-2 block with the
        # oldest access goes: 2 (insertion order would pick 1).
        p, c = run("lfu", 3 * B,
                   [req(1), req(2), req(2), req(1), req(3), req(4, 5)])
        self.assertEqual(sorted(p.cache_dict), [1, 4, 5])
        self.assertEqual(p.key_to_freq, {1: 2, 4: 1, 5: 1})
        self.assertEqual(c["n_evict"], 2)

    def test_lfu_forgets_frequency_on_eviction(self):
        # 1 hit twice (freq 3), then evicted by protection pressure, comes
        # back with freq 1.
        p, c = run("lfu", 2 * B,
                   [req(1), req(1), req(1), req(2, 3), req(1)])
        # [2,3]: 2 fits, 3 must evict 1 (the only unprotected block).
        # [1]: evicts the min-freq oldest of {2, 3}: 2.
        self.assertEqual(p.key_to_freq, {3: 1, 1: 1})

    def test_arc_outright_replace_and_ghost_hits(self):
        # cap 2 blocks, worked step by step from SIM-SPEC's arc:
        # [1],[2]: L1 = 1,2. [3]: l1+g1+s = 3B > C and g1 == 0: L1's tail 1
        # is evicted outright (no ghost). [2] hit: L2 = 2, L1 = 3.
        # [4]: l1+g1+s = 2B <= C; l1+g1+l2+g2 = 2B < 4B; REPLACE: l1 > p:
        # 3 -> G1. [3]: ghost hit in G1: p = min(0 + max(0/B, 1), C) = 1;
        # REPLACE: l1 = B > 1: 4 -> G1; 3 inserted at L2's head.
        # [5]: l1+g1+s = 0+B+B <= C, no G2 drop; REPLACE: l1 == 0 and
        # l2 > 0: L2's tail 2 -> G2; 5 -> L1. [2]: ghost hit in G2:
        # p = max(1 - max(g1/g2 = 1, 1), 0) = 0; REPLACE: l1 = B > 0:
        # 5 -> G1; 2 -> L2's head.
        p, c = run("arc", 2 * B, [req(1), req(2), req(3)])
        self.assertEqual((list(p.t1), list(p.b1)), ([2, 3], []))
        kv_replay.replay([req(2), req(4)], p)
        self.assertEqual((list(p.t1), list(p.t2), list(p.b1)),
                         ([4], [2], [3]))
        kv_replay.replay([req(3)], p)
        self.assertEqual(p.target_t1_size, 1.0)
        self.assertEqual((list(p.t1), list(p.t2), list(p.b1)),
                         ([], [2, 3], [4]))
        kv_replay.replay([req(5)], p)
        self.assertEqual((list(p.t1), list(p.t2), list(p.b2)),
                         ([5], [3], [2]))
        kv_replay.replay([req(2)], p)
        self.assertEqual(p.target_t1_size, 0.0)
        self.assertEqual((list(p.t1), list(p.t2), list(p.b1), list(p.b2)),
                         ([], [3, 2], [4, 5], []))
        self.assertEqual((p.l1, p.l2, p.g1, p.g2), (0, 2 * B, 2 * B, 0))

    def test_arc_hits_promote_in_reverse(self):
        # [1,2] in L1; [1,2] hits: 2 moves to L2 first, then 1, so 1 is
        # L2's head.
        p, _ = run("arc", 4 * B, [req(1, 2), req(1, 2)])
        self.assertEqual(list(p.t2), [2, 1])

    def test_arc_replace_falls_back_to_the_other_list(self):
        # cap 3. [1], [1] hit: L2 = 1. [2,3]: L1 = 2,3 (3 blocks, full).
        # [4,5]: 4: l1+g1+s = 3B, not > C; l1+g1+l2+g2 = 3B < 6B; REPLACE:
        # l1 = 2B > p = 0: L1's tail 2 -> G1. 5: l1+g1+s = 4B > C, g1 > 0:
        # drop G1's tail (2); REPLACE from L1: its tail-most unprotected
        # block is 3 (4 is the request's) -> G1.
        p, _ = run("arc", 3 * B, [req(1), req(1), req(2, 3), req(4, 5)])
        self.assertEqual((list(p.t1), list(p.t2), list(p.b1)),
                         ([4, 5], [1], [3]))
        # [6,7,8]: 6 drops G1's 3 and sends 4 to G1; 7 drops 4 and sends 5
        # to G1; 8 drops 5; REPLACE names L1, whose blocks 6, 7 are all the
        # request's: L2's tail 1 goes instead, into G2 (its own ghost list).
        kv_replay.replay([req(6, 7, 8)], p)
        self.assertEqual((list(p.t1), list(p.t2), list(p.b1), list(p.b2)),
                         ([6, 7, 8], [], [], [1]))

    def test_arc_outright_falls_back_to_the_other_list(self):
        # C = 2 blocks + 100. [1] of 100 tokens, hit: L2 = 1. [2,3,4]: 2, 3
        # fill C. 4: l1+g1+s = 1536 > C and g1 == 0: outright from L1,
        # whose 2, 3 are protected: L2's 1 is evicted outright (no ghost).
        # Still 1536 > C, and no unprotected block is left: store failure.
        p, c = run("arc", 2 * B + 100, [req(1, length=100),
                                         req(1, length=100),
                                         req(2, 3, 4)])
        self.assertEqual((list(p.t1), list(p.t2), list(p.b1), list(p.b2)),
                         ([2, 3], [], [], []))
        self.assertEqual((c["n_evict"], c["n_store_failure"]), (1, 1))

    def test_s3fifo_promotion_and_ghost_hit(self):
        # C = 11 blocks + 100: |S| = floor(C * 0.1) = 573 >= 512, |M| = C -
        # 573, |G| = floor(C * 0.9). 11 blocks 1..11 fill S (5632 <= C).
        # Hit 1 twice (freq 2). [20]: 5632 + 512 > C: S is not empty and M
        # is within capacity: S walk: tail 1 has freq 2 -> M's head with
        # freq 0 (frees nothing); tail 2 (freq 0) -> evicted into G.
        cap = 11 * B + 100
        p, c = run("s3fifo", cap, [req(*range(1, 12)), req(1), req(1),
                                   req(20)])
        self.assertEqual((p.S_cap, p.M_cap, p.G_cap),
                         (573, cap - 573, int(cap * 0.9)))
        self.assertEqual(list(p.M), [1])
        self.assertEqual(list(p.G), [2])
        self.assertEqual(list(p.S), list(range(3, 12)) + [20])
        # [2]: a ghost hit (2 leaves G). Its eviction: M's 512 bytes are
        # within |M| and S is not empty, so from S: S's tail 3 (freq 0) ->
        # G; 2 is inserted at M's head with freq 0 (not into S).
        kv_replay.replay([req(2)], p)
        self.assertEqual(list(p.M), [1, 2])
        self.assertEqual(list(p.G), [3])
        self.assertEqual(p.s_bytes + p.m_bytes, sum(p.cache_dict.values()))

    def test_s3fifo_does_not_admit_a_block_above_small_capacity(self):
        # C = 2 blocks: |S| = 102 < 512: nothing is admitted; the first
        # block of a request fails and the rest is not tried.
        p, c = run("s3fifo", 2 * B, [req(1, 2), req(3)])
        self.assertEqual((c["n_store"], c["n_store_failure"]), (0, 2))
        self.assertEqual(p.cache_dict, {})


    def test_s3fifo_declined_insert_is_neither_store_nor_failure(self):
        # C = 5120: |S| = floor(512.0) = 512, so a 512-token block is
        # admitted (<= |S|) but, without a ghost hit, declined (>= |S|).
        # 51 blocks of 100 tokens fill 5100. [1, 2]: 1 needs 5612 - 5120
        # = 492 bytes: S's tails 10..14 (100 each, freq 0) go to G, then 1
        # is declined; the evictions stand, the request goes on: 2 fits
        # (4600 + 512) and is declined too. [3] of 100 tokens is stored.
        small = [req(i, length=100) for i in range(10, 61)]
        p, c = run("s3fifo", 5120, small + [req(1, 2), req(3, length=100)])
        self.assertEqual(p.S_cap, 512)
        self.assertEqual((c["n_store"], c["n_store_failure"], c["n_evict"]),
                         (52, 0, 5))
        self.assertEqual(list(p.G), list(range(10, 15)))
        self.assertNotIn(1, p.resident)
        self.assertNotIn(2, p.resident)
        self.assertEqual(p.used, 4700)


class ClockRulesTest(unittest.TestCase):
    """SIM-SPEC ``clock``; ``clock`` lists tail..head with the counters."""

    def test_second_chance_with_one_bit(self):
        # cap 3: [1],[2],[3]; 1 hit twice: its 1-bit counter stays at 1.
        # [4]: the tail 1 has 1: decremented to 0, moved to the head; 2 (0)
        # is the victim. [5]: tail 3 (0) goes. [6]: tail 1 is at 0 now: it
        # goes (FIFO would have evicted 1 at [4]).
        p, c = run("clock", 3 * B, [req(1), req(2), req(3), req(1), req(1),
                                    req(4)])
        self.assertEqual(dict(p.clock), {3: 0, 1: 0, 4: 0})
        self.assertEqual(list(p.clock), [3, 1, 4])
        kv_replay.replay([req(5), req(6)], p)
        self.assertEqual(list(p.clock), [4, 5, 6])

    def test_n_bit_counter_saturates_at_its_maximum(self):
        # 2 bits: max_freq 3. Two hits give 1 a counter of 2, so it survives
        # two passes of the hand: [4] (2 -> 1, 2 evicted), [5] (3 evicted:
        # 1 is no longer at the tail), [6] (1 -> 0 and to the head, 4
        # evicted). With 1 bit, [6] evicts 1 (the test above).
        p = kv_policies.ClockCachePolicy(3 * B, n_bit_counter=2)
        self.assertEqual(p.max_freq, 3)
        kv_replay.replay([req(1), req(2), req(3), req(1), req(1), req(4)], p)
        self.assertEqual(dict(p.clock), {3: 0, 1: 1, 4: 0})
        kv_replay.replay([req(5), req(6)], p)
        self.assertEqual(dict(p.clock), {5: 0, 1: 0, 6: 0})
        self.assertEqual(list(p.clock), [5, 1, 6])
        for _ in range(5):
            p.update_on_hit(5, p.cache_dict)
        self.assertEqual(p.clock[5], 3)       # saturated
        self.assertEqual(list(p.clock), [5, 1, 6])   # a hit moves nothing
        for bad in (0, 9):
            with self.assertRaisesRegex(ValueError, "clock.n-bit-counter"):
                kv_policies.ClockCachePolicy(B, n_bit_counter=bad)

    def test_a_protected_block_is_passed_with_its_counter_unchanged(self):
        # [1], [1] hit (counter 1), [2], [3]. [5,1]: k = 0, so 1 is the
        # request's (protected) but not touched. Storing 5: the tail 1 is
        # passed to the head with its counter still 1; 2 is the victim.
        # [6] evicts 3; [7]: 1 spends its counter now (-> 0, head), and 5
        # goes. Had the pass spent it, [7] would have evicted 1.
        p, c = run("clock", 3 * B, [req(1), req(1), req(2), req(3),
                                    req(5, 1)])
        self.assertEqual(dict(p.clock), {3: 0, 1: 1, 5: 0})
        self.assertEqual(list(p.clock), [3, 1, 5])
        self.assertEqual((c["n_block_hit"], c["n_evict"]), (1, 1))
        kv_replay.replay([req(6), req(7)], p)
        self.assertEqual(list(p.clock), [6, 1, 7])

    def test_only_protected_blocks_left_is_no_victim_and_no_change(self):
        # cap 2: [1, 2, 3]: 3 finds only the request's blocks: one lap of
        # the hand, the order as it was, and a store failure.
        p, c = run("clock", 2 * B, [req(1, 2, 3)])
        self.assertEqual(list(p.clock), [1, 2])
        self.assertEqual((c["n_store"], c["n_store_failure"]), (2, 1))
        self.assertEqual(
            p.get_evict_candidates(p.cache_dict, 2, frozenset({1})), [2])


class SieveRulesTest(unittest.TestCase):
    """SIM-SPEC ``sieve``; ``nodes`` lists tail..head (nothing moves)."""

    def test_hand_starts_at_the_tail_and_stays_after_the_victim(self):
        # cap 3: [1],[2],[3]; 1 hit. [4]: no hand: from the tail, 1 is
        # visited (cleared), 2 is the victim, the hand goes to 3. Then 3 is
        # hit; [5]: from the hand, 3 is cleared, 4 is the victim (LRU would
        # evict 1, a search from the tail too); 4 was the head: no hand.
        # [6]: from the tail again: 1 (cleared at [4]) goes, the hand to 3.
        p, c = run("sieve", 3 * B, [req(1), req(2), req(3), req(1),
                                    req(4)])
        self.assertEqual(list(p.nodes), [1, 3, 4])
        self.assertEqual(p.hand.key, 3)
        self.assertFalse(p.nodes[1].visited)
        kv_replay.replay([req(3), req(5)], p)
        self.assertEqual(list(p.nodes), [1, 3, 5])
        self.assertIsNone(p.hand)
        kv_replay.replay([req(6)], p)
        self.assertEqual(list(p.nodes), [3, 5, 6])
        self.assertEqual(p.hand.key, 3)
        self.assertEqual((p.tail.key, p.head.key), (3, 6))

    def test_the_hand_wraps_from_the_head_to_the_tail(self):
        # As above to [4] (hand on 3); 3 and 4 hit. [5]: 3 and 4 are
        # cleared, the hand wraps to the tail 1 (unvisited): it goes.
        p, c = run("sieve", 3 * B, [req(1), req(2), req(3), req(1), req(4),
                                    req(3), req(4), req(5)])
        self.assertEqual(list(p.nodes), [3, 4, 5])
        self.assertEqual(p.hand.key, 3)
        self.assertEqual([p.nodes[k].visited for k in (3, 4, 5)],
                         [False, False, False])

    def test_a_protected_block_keeps_its_bit(self):
        # [1],[2],[3]; 1 and 2 hit. [5,1]: 1 is the request's (after the
        # broken prefix): storing 5 steps over it without clearing its bit,
        # clears 2's, evicts 3. [6]: from the tail (3 was the head): 1 is
        # cleared now, 2 goes. Had the step cleared 1, [6] would evict 1.
        p, c = run("sieve", 3 * B, [req(1), req(2), req(3), req(1), req(2),
                                    req(5, 1)])
        self.assertEqual({k: n.visited for k, n in p.nodes.items()},
                         {1: True, 2: False, 5: False})
        self.assertIsNone(p.hand)
        kv_replay.replay([req(6)], p)
        self.assertEqual(list(p.nodes), [1, 5, 6])

    def test_removing_the_hand_moves_it_to_the_newer_block(self):
        p, _ = run("sieve", 3 * B, [req(1), req(2), req(3), req(1), req(4)])
        self.assertEqual(p.hand.key, 3)
        p.remove(3)
        self.assertEqual(p.hand.key, 4)
        p.remove(4)
        self.assertIsNone(p.hand)
        self.assertEqual((p.tail.key, p.head.key), (1, 1))
        self.assertEqual(p.get_evict_candidates(p.cache_dict, 1,
                                                frozenset({1})), [])


class BeladyRulesTest(unittest.TestCase):
    """SIM-SPEC ``belady`` with section 5's future (kv_replay.next_access)."""

    def test_next_access_is_the_first_reference_in_the_next_request(self):
        # flat: 0:1 1:2 | 2:3 | 3:2 4:1 4 | 5:1. Block 1 at 0: the next
        # request holding 1 is the third, where 1 is at 4. A repeat within
        # a request is not "next": [7, 7] -> both point at the next [7].
        reqs = [req(1, 2), req(3), req(2, 1), req(1)]
        self.assertEqual(kv_replay.next_access(reqs), [4, 3, -1, -1, 5, -1])
        reqs = [req(7, 7), req(8, 7)]
        self.assertEqual(kv_replay.next_access(reqs), [3, 3, -1, -1])
        # The binding's driver uses this very definition, not a copy (the
        # C++ side's equality is python.kv_agreement's belady rows).
        from evictlab_tools import binding_kv
        self.assertIs(binding_kv.next_access, kv_replay.next_access)

    def test_farthest_first_never_again_first_newest_first(self):
        # [1],[2],[3],[4],[1],[3],[2]: next accesses 1 -> 4, 2 -> 6,
        # 3 -> 5. [4] evicts 2, the farthest (LRU would evict 1). [1] and
        # [3] hit, and their next access becomes "never" (-1): resident 4,
        # 1, 3 are all never used again, so [2] evicts the one stamped
        # last, 3. (Hits that kept 1 -> 4 and 3 -> 5 would evict 4.)
        p, c = run("belady", 3 * B, [req(1), req(2), req(3), req(4),
                                     req(1), req(3), req(2)])
        self.assertEqual(sorted(p.cache_dict), [1, 2, 4])
        self.assertEqual((c["n_block_hit"], c["n_evict"]), (2, 2))

    def test_the_future_given_or_computed_is_the_same(self):
        reqs = [req(1), req(2), req(3), req(4), req(1), req(3), req(2)]
        future = kv_replay.next_access(reqs)
        p = kv_policies.make_policy("belady", 3 * B)
        self.assertEqual(kv_replay.replay(reqs, p, 1, future),
                         run("belady", 3 * B, reqs)[1])
        with self.assertRaisesRegex(ValueError, "future: 6 next accesses "
                                    "for 7 block references"):
            kv_replay.replay(reqs, kv_policies.make_policy("belady", B), 1,
                             future[:6])
        # A policy that needs no future ignores one.
        self.assertFalse(kv_policies.make_policy("lru", B).needs_next_access)

    def test_own_blocks_at_the_top_are_passed_over(self):
        # [1],[2],[3],[4,5]: next 1 -> 5, 2 -> 6, 3 never. Storing 4
        # evicts 3; storing 5: the top is 4 (never again, newest), the
        # request's own: 2 (next 6) goes instead.
        p, c = run("belady", 3 * B, [req(1), req(2), req(3), req(4, 5),
                                     req(1), req(2)])
        self.assertEqual(c["n_evict"], 3)
        # [1] hits; [2] evicts among 1, 4, 5, all never again: 1 (hit last).
        self.assertEqual(sorted(p.cache_dict), [2, 4, 5])

    def test_set_aside_blocks_come_back_for_other_protection(self):
        # The LMCache v1 interface: next accesses as the hooks' argument.
        p = kv_policies.BeladyCachePolicy(10 * B)
        for key, nxt in ((1, -1), (2, 10), (3, 5)):
            p.insert(key, B, nxt)
        mine = frozenset({1})
        self.assertEqual(p.get_evict_candidates(p.cache_dict, 1, mine), [2])
        p.cache_dict.pop(2)
        self.assertEqual(p.get_evict_candidates(p.cache_dict, 5, mine), [3])
        p.cache_dict.pop(3)
        self.assertEqual(p.get_evict_candidates(p.cache_dict, 1, mine), [])
        self.assertEqual(p.aside_for, mine)
        self.assertEqual(p.get_evict_candidates(p.cache_dict, 1,
                                                frozenset()), [1])
        # Without a future every block is "never again": newest first.
        q = kv_policies.BeladyCachePolicy(10 * B)
        for key in (1, 2, 3):
            q.insert(key, B)
        q.update_on_hit(1, q.cache_dict)
        self.assertEqual(q.get_evict_candidates(q.cache_dict, 3), [1, 3, 2])

    def test_stale_entries_do_not_grow_the_heap(self):
        # 10^4 hits of two resident blocks: the heap is rebuilt from the
        # live entries whenever stale ones outnumber them.
        p = kv_policies.BeladyCachePolicy(10 * B)
        p.insert(1, B, 3)
        p.insert(2, B, 4)
        for i in range(10000):
            p.update_on_hit(1 + i % 2, p.cache_dict, 100 + i)
        self.assertLessEqual(len(p.heap), 2 * 2 + 65)
        self.assertEqual(p.get_evict_candidates(p.cache_dict, 2), [2, 1])


class KVModeEveryPolicyTest(unittest.TestCase):
    """Rules of section 5 whose counts are the same for every policy."""

    # 11 blocks: s3fifo's |S| = floor(5632 * 0.1) = 563 > 512 admits a
    # full block without declining it.
    CAP = 11 * B

    def test_own_blocks_are_never_victims_and_the_rest_stops(self):
        # [1..9] stored. [20..32] (13 blocks): 20, 21 fit (11 blocks), then
        # 22..30 each need one victim, and only 1..9 may be chosen: 9
        # evictions. 31 finds only the request's own blocks: store failure;
        # 32 is not tried (one failure, not two).
        for policy in ALL:
            with self.subTest(policy=policy):
                p, c = run(policy, self.CAP,
                           [req(*range(1, 10)), req(*range(20, 33))])
                self.assertEqual(c["n_store"], 9 + 11)
                self.assertEqual(c["n_evict"], 9)
                self.assertEqual(c["n_store_failure"], 1)
                self.assertEqual(sorted(p.resident), list(range(20, 31)))

    def test_evictions_before_a_failed_store_stand(self):
        # C = 11 blocks + 100. [1] of 100 tokens; [20..31] (12 blocks):
        # 20..30 fill C exactly; 31 evicts 1 (the only other block), still
        # does not fit, fails. 1 stays evicted (section 1: the evictions
        # happen before the insertion): [1] misses and is stored again
        # without an eviction (100 tokens fit).
        cap = 11 * B + 100
        for policy in ALL:
            with self.subTest(policy=policy):
                p, c = run(policy, cap, [req(1, length=100),
                                         req(*range(20, 32)),
                                         req(1, length=100)])
                self.assertEqual(c["n_evict"], 1)
                self.assertEqual(c["n_store_failure"], 1)
                self.assertEqual(c["n_block_hit"], 0)
                self.assertEqual(c["n_store"], 13)
                self.assertIn(1, p.resident)

    def test_prefix_hits_and_token_counts(self):
        # [1,2,3] of 1100 tokens (512, 512, 76); [1,2,3] again: 3 hits,
        # 1100 tokens; [1,2,7] (1500 tokens): k = 2, 1024 hit tokens.
        # [5,2] (1024): k = 0 though 2 is resident; 2 is skipped.
        for policy in ALL:
            with self.subTest(policy=policy):
                p, c = run(policy, 3 * self.CAP,
                           [req(1, 2, 3, length=1100),
                            req(1, 2, 3, length=1100),
                            req(1, 2, 7, length=1500), req(5, 2)],
                           bytes_per_token=3)
                self.assertEqual(c["n_req"], 4)
                self.assertEqual(c["n_block"], 11)
                self.assertEqual(c["n_block_hit"], 5)
                self.assertEqual(c["n_token"], 1100 * 2 + 1500 + 1024)
                self.assertEqual(c["n_token_hit"], 1100 + 1024)
                self.assertEqual(c["n_byte"], 3 * c["n_token"])
                self.assertEqual(c["n_byte_hit"], 3 * c["n_token_hit"])
                self.assertEqual(c["n_store"], 5)   # 1, 2, 3, 7, 5
                self.assertEqual(p.resident[3], 76 * 3)
                self.assertEqual(p.resident[7], (1500 - 1024) * 3)
                self.assertEqual(c["block_hit_ratio"], 5 / 11)

    def test_block_above_capacity_is_a_failure_without_evictions(self):
        for policy in ALL:
            with self.subTest(policy=policy):
                p, c = run(policy, self.CAP, [req(1), req(2, 3)],
                           bytes_per_token=12)
                # 512 * 12 = 6144 > 5632: nothing is admitted.
                self.assertEqual((c["n_store"], c["n_store_failure"],
                                  c["n_evict"]), (0, 2, 0))


class InfiniteCacheReferenceTest(unittest.TestCase):
    """SIM-SPEC section 5's reference points for the shipped traces."""

    REF = {
        "conversation_trace.jsonl": (12031, 288500, 182790, 0.366412,
                                     0.373624),
        "synthetic_trace.jsonl": (3993, 121877, 43924, 0.639604, 0.651244),
    }

    def test_reference_points(self):
        for name, (n_req, n_block, distinct, bhr, thr) in self.REF.items():
            path = os.path.join(MOONCAKE, name)
            if not os.path.exists(path):
                self.fail(f"{path} is missing")
            requests = kv_replay.read_mooncake(path)
            self.assertEqual(kv_replay.distinct_blocks(requests), distinct)
            for policy in ALL:
                with self.subTest(trace=name, policy=policy):
                    _, c = run(policy, 1 << 62, requests)
                    self.assertEqual(c["n_req"], n_req)
                    self.assertEqual(c["n_block"], n_block)
                    # Every distinct block is stored once, never evicted.
                    self.assertEqual(c["n_store"], distinct)
                    self.assertEqual(c["n_block_hit"], n_block - distinct)
                    self.assertEqual((c["n_evict"], c["n_store_failure"]),
                                     (0, 0))
                    self.assertEqual(round(c["block_hit_ratio"], 6), bhr)
                    self.assertEqual(round(c["token_hit_ratio"], 6), thr)


class TraceReaderTest(unittest.TestCase):

    def parse(self, *lines):
        return kv_replay.parse_mooncake_lines(list(lines), "t.jsonl")

    def test_good_lines(self):
        self.assertEqual(
            self.parse('{"timestamp": 0, "input_length": 513, '
                       '"output_length": 1, "hash_ids": [4, 5]}',
                       '{"timestamp": 1, "input_length": 0, '
                       '"output_length": 1, "hash_ids": []}'),
            [((4, 5), 513), ((), 0)])

    def test_errors_name_file_and_line(self):
        good = ('{"timestamp": 0, "input_length": 512, "output_length": 1, '
                '"hash_ids": [1]}')
        cases = [
            ("not json", "not JSON"),
            ("[1]", "not a JSON object"),
            ('{"timestamp": 0, "output_length": 1, "hash_ids": [1]}',
             "missing field 'input_length'"),
            ('{"timestamp": 0, "input_length": "5", "output_length": 1, '
             '"hash_ids": [1]}', "'input_length' is not an integer"),
            ('{"timestamp": 0, "input_length": 512, "output_length": 1, '
             '"hash_ids": [-1]}', "hash_ids[0]"),
            ('{"timestamp": 0, "input_length": 513, "output_length": 1, '
             '"hash_ids": [1]}', "needs ceil(513 / 512) = 2"),
            ("", "empty line"),
        ]
        for bad, msg in cases:
            with self.subTest(bad=bad):
                with self.assertRaises(kv_replay.TraceError) as cm:
                    self.parse(good, bad)
                self.assertIn("t.jsonl:2: ", str(cm.exception))
                self.assertIn(msg, str(cm.exception))


class PykvCommandLineTest(unittest.TestCase):

    def test_cache_sizes_like_the_simulator(self):
        self.assertEqual(pykv.parse_cache_sizes("1KiB:3KiB:1KiB, 5"),
                         [1024, 2048, 3072, 5])
        self.assertEqual(pykv.parse_cache_sizes("64GiB"), [64 << 30])
        for bad, msg in (("", "no cache size"), ("1x", "unknown suffix"),
                         ("3:1:1", "START is greater"), ("1:2", "three"),
                         ("0", "positive"), ("1,,2", "empty item")):
            with self.subTest(bad=bad):
                with self.assertRaises(pykv.UsageError) as cm:
                    pykv.parse_cache_sizes(bad)
                self.assertIn("--cache-sizes", str(cm.exception))
                self.assertIn(msg, str(cm.exception))

    def _trace(self, text):
        f = tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False)
        f.write(text)
        f.close()
        self.addCleanup(os.unlink, f.name)
        return f.name

    def test_json_output_and_bad_input(self):
        path = self._trace(
            '{"timestamp": 0, "input_length": 1024, "output_length": 1, '
            '"hash_ids": [1, 2]}\n'
            '{"timestamp": 1, "input_length": 600, "output_length": 1, '
            '"hash_ids": [1, 3]}\n')
        out, err = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            rc = pykv.main(["--policy", "lru,arc", "--cache-sizes", "1KiB",
                            "--json", "-", path])
        self.assertEqual(rc, 0, err.getvalue())
        doc = json.loads(out.getvalue())
        self.assertEqual(doc["tool"], "pykv")
        (t,) = doc["traces"]
        self.assertEqual((t["n_req"], t["n_block"], t["n_distinct_block"]),
                         (2, 4, 3))
        self.assertEqual([r["policy"] for r in t["results"]], ["lru", "arc"])
        for r in t["results"]:
            # cap 2 blocks: [1,2] stored; [1,3]: 1 hits, 3 (88 tokens)
            # evicts 2.
            self.assertEqual((r["n_block_hit"], r["n_token_hit"],
                              r["n_store"], r["n_evict"]), (1, 512, 3, 1))
            self.assertGreater(r["ns_per_block_ref"], 0)
            self.assertNotIn("x_python", r)
        bad = self._trace('{"timestamp": 0}\n')
        err = io.StringIO()
        with redirect_stdout(io.StringIO()), redirect_stderr(err):
            rc = pykv.main(["--cache-sizes", "1KiB", bad])
        self.assertEqual(rc, 2)
        self.assertIn(f"{bad}:1: missing field 'input_length'",
                      err.getvalue())
        err = io.StringIO()
        with redirect_stdout(io.StringIO()), redirect_stderr(err):
            rc = pykv.main(["--policy", "lru,lru_strict", "--cache-sizes",
                            "1", path])
        self.assertEqual(rc, 2)
        self.assertIn("--policy: unknown policy 'lru_strict'",
                      err.getvalue())

    def _fake_evictlab(self, results):
        """A fake `evictlab` whose simulate prints these results as JSON and
        records its argv next to itself."""
        d = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, d)
        path = os.path.join(d, "evictlab")
        with open(path, "w") as f:
            f.write("#!/usr/bin/python3\nimport json, sys\n"
                    f"open({os.path.join(d, 'argv')!r}, 'w')"
                    ".write(json.dumps(sys.argv[1:]))\n"
                    "print(json.dumps({'trace': sys.argv[-1], 'format': "
                    f"'mooncake', 'results': {results!r}}}))\n")
        os.chmod(path, 0o755)
        return path, os.path.join(d, "argv")

    def test_cpp_side_by_side(self):
        path = self._trace(
            '{"timestamp": 0, "input_length": 1024, "output_length": 1, '
            '"hash_ids": [1, 2]}\n'
            '{"timestamp": 1, "input_length": 600, "output_length": 1, '
            '"hash_ids": [1, 3]}\n')
        requests = kv_replay.read_mooncake(path)
        want = kv_replay.replay(requests, kv_policies.make_policy("lru", 1024))
        row = dict(want, policy="lru", cache_size=1024, seconds=4e-6)
        fake, argv_file = self._fake_evictlab([row])
        out = io.StringIO()
        with redirect_stdout(out), redirect_stderr(io.StringIO()):
            rc = pykv.main(["--policy", "lru", "--cache-sizes", "1KiB",
                            "--cpp", "--evictlab", fake, "--json", "-", path])
        self.assertEqual(rc, 0)
        with open(argv_file) as f:
            self.assertEqual(json.load(f), [
                "simulate", "--format", "mooncake", "--policy", "lru",
                "--cache-sizes", "1024", "--kv-bytes-per-token", "1",
                "--threads", "1", "--json", "-", path])
        (r,) = json.loads(out.getvalue())["traces"][0]["results"]
        self.assertTrue(r["counters_equal"])
        # 4 us over 4 block references: 1000 ns per block reference.
        self.assertEqual(r["cpp"]["ns_per_block_ref"], 1000.0)
        self.assertAlmostEqual(r["x_python"], r["ns_per_block_ref"] / 1000.0)
        # One counter off: exit 1, and the row names it.
        row["n_evict"] += 1
        fake, _ = self._fake_evictlab([row])
        err = io.StringIO()
        with redirect_stdout(err), redirect_stderr(io.StringIO()):
            rc = pykv.main(["--policy", "lru", "--cache-sizes", "1KiB",
                            "--cpp", "--evictlab", fake, path])
        self.assertEqual(rc, 1)
        self.assertIn(f"NO: n_evict py {want['n_evict']} C++ "
                      f"{want['n_evict'] + 1}", err.getvalue())


if __name__ == "__main__":
    unittest.main()
