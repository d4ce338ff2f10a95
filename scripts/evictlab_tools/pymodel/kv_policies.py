"""KV-cache eviction policies as LMCache v1 and vLLM's KV offload write them.

Stdlib only (no torch): these are the Python side of the KV-mode
comparison (issue 12, item 4). Each class keeps the shape of the code it
models, so that its speed is the speed of that style of Python:

  LRUCachePolicy, FIFOCachePolicy, MRUCachePolicy, LFUCachePolicy
      LMCache v1, lmcache/v1/storage_backend/cache_policy/{lru,fifo,mru,lfu}.py:
      the storage backend owns ``cache_dict`` (``init_mutable_mapping()``);
      the policy is told ``update_on_hit(key, cache_dict)``,
      ``update_on_put(key)``, ``update_on_force_evict(key)`` and asked
      ``get_evict_candidates(cache_dict, num_candidates)``.
  S3FIFOCachePolicy
      the same LMCache v1 shape (cache_policy/s3fifo.py), rules of SIM-SPEC.
  ClockCachePolicy, SieveCachePolicy, BeladyCachePolicy
      the same LMCache v1 shape for the policies LMCache does not ship, as
      its engineers would add them beside lru.py: CLOCK as an OrderedDict
      of counters (the queue the hand sweeps), SIEVE as the paper's list of
      nodes with a hand, Belady (offline) as a heapq of next accesses.
  ARCCachePolicy
      vLLM, vllm/v1/kv_offload/cpu/policies/arc.py (and base.py's
      ``CachePolicy``): the policy owns its blocks in OrderedDicts T1/T2 with
      ghosts B1/B2; ``get``, ``insert``, ``remove``, ``touch(keys)`` (applied
      in reverse) and ``evict(n, protected)``.

Both projects are Apache-2.0; nothing is copied, the structure is followed.

The rules are /work/shared/SIM-SPEC.md section 4's, exactly (that is what the
C++ policies implement); where the projects' code differs, the docstring of
the class says how. Lists: the end of an OrderedDict / dict is the head
(newest, vLLM's "MRU position"), its first key the tail (oldest).

Protection (SIM-SPEC section 5: "blocks of the current request are never
victims"): every eviction method takes ``protected``, a container of keys
that must not be chosen (vLLM's ``evict(n, protected)``). LMCache instead
asks each entry ``cache_dict[key].can_evict`` (its pin count); a set built
once per request from the request's block ids is the same rule without
touching every block twice, so the LMCache-shaped classes take it as an
extra argument.

The replay protocol (kv_replay.replay drives every class the same way, as
libCacheSim's cache_get_base drives its policies; policies supply rules):

  resident                 dict: key -> stored size, every resident block
  used                     the occupancy in bytes (kept by the replay)
  hit(keys)                the hit rule for each key of a hit prefix, in
                           reverse order (last block first, first last)
  miss_lookup(key)         the miss path's lookup of a non-resident key
                           (ghost hits: ARC, S3-FIFO); None for the others,
                           so the replay skips the call
  admissible(size)         may an object of this size be stored at all
  evict_one(size, protected) -> freed bytes, or -1 when every resident
                           block is protected (nothing changed). It removes
                           the victim from ``resident``.
  insert(key, size) -> bool  False when the policy declines (S3-FIFO)

The future (Belady): a policy whose ``needs_next_access`` is true takes each
block reference's next access (kv_replay.next_access: the flat index of
the block's first reference in the next request that holds it, -1 for
none; the C++ compute_kv_next_access) as an extra argument:
``hit(keys, next_accesses)`` (aligned with keys) and
``insert(key, size, next_access)``, as evictlab.kv.BELADY's ``touch`` and
``store`` take it. kv_replay.replay computes it when it is not given.

Sizes are ints (bytes); capacities are ints. Nothing here is thread-safe.
Complexity per call is O(1) except where a method's docstring says
otherwise (the protected keys at a tail are walked past).
"""

import bisect
import heapq
from collections import OrderedDict

_NOTHING = frozenset()


class KVPolicy:
    """Base of the replay protocol; ``capacity`` is C in bytes."""

    name = None
    # Set by policies whose miss path reads ghost lists.
    miss_lookup = None
    # Set by policies that need each reference's next access (Belady).
    needs_next_access = False

    def __init__(self, capacity):
        if capacity < 0:
            raise ValueError(f"capacity: {capacity} is negative")
        self.capacity = capacity
        # The occupancy, owned by the replay's caller loop (the sum of the
        # sizes in ``resident``).
        self.used = 0

    def admissible(self, size):
        # SIM-SPEC section 1's default rule.
        return size <= self.capacity


# --------------------------------------------------------------------------
# LMCache v1 shapes: the backend's cache_dict is the policy's order.

class _LMCacheShape(KVPolicy):
    """The LMCache v1 call sequence, as LocalCPUBackend makes it.

    ``resident`` is ``cache_dict`` itself (key -> size; LMCache stores the
    MemoryObj there, whose size is what the accounting reads).
    """

    def __init__(self, capacity):
        super().__init__(capacity)
        self.cache_dict = self.init_mutable_mapping()
        self.resident = self.cache_dict

    def hit(self, keys):
        cache_dict = self.cache_dict
        for key in reversed(keys):
            self.update_on_hit(key, cache_dict)

    def evict_one(self, size, protected):
        keys = self.get_evict_candidates(self.cache_dict, 1, protected)
        if not keys:
            return -1
        return self.cache_dict.pop(keys[0])

    def insert(self, key, size):
        self.cache_dict[key] = size
        self.update_on_put(key)
        return True

    def remove(self, key):
        """A user removal (LMCache's remove(force=True)); KeyError if absent."""
        del self.cache_dict[key]
        self.update_on_force_evict(key)

    # LMCache v1's no-op defaults.
    def update_on_hit(self, key, cache_dict):
        pass

    def update_on_put(self, key):
        pass

    def update_on_force_evict(self, key):
        pass


class LRUCachePolicy(_LMCacheShape):
    """SIM-SPEC ``lru``: a hit moves to the head; the victim is the tail.

    Follows lmcache/v1/storage_backend/cache_policy/lru.py: an OrderedDict
    whose ``move_to_end`` is the hit; candidates are the first evictable
    keys in iteration order. Differences: LMCache's chunk-reuse timestamps
    and SSD-gating counters are left out (they change no decision);
    evictability is ``key not in protected`` instead of ``can_evict``.
    """

    name = "lru"

    def init_mutable_mapping(self):
        return OrderedDict()

    def update_on_hit(self, key, cache_dict):
        cache_dict.move_to_end(key)

    def get_evict_candidates(self, cache_dict, num_candidates=1,
                             protected=_NOTHING):
        """Best effort: up to num_candidates keys, oldest first, skipping
        protected ones (O(candidates + protected keys passed))."""
        evict_keys = []
        for key in cache_dict:
            if key in protected:
                continue
            evict_keys.append(key)
            if len(evict_keys) == num_candidates:
                break
        return evict_keys


class FIFOCachePolicy(LRUCachePolicy):
    """SIM-SPEC ``fifo``: a hit does nothing; the victim is the tail.

    Follows cache_policy/fifo.py: a plain dict (insertion ordered), the
    same candidate walk as LRU, no-op hooks.

    PERFORMANCE WARNING (LMCache's, kept): CPython does not compact a dict
    when keys are deleted, so iterating from the front walks the deleted
    slots left by earlier victims until the next resize: each eviction
    costs O(victims since the last resize). An OrderedDict (as LRU uses)
    has no such cost; the model keeps the dict because LMCache does.
    """

    name = "fifo"

    def init_mutable_mapping(self):
        # NOTE: a dict keeps insertion order, which is FIFO's whole state.
        return {}

    def update_on_hit(self, key, cache_dict):
        pass


class MRUCachePolicy(LRUCachePolicy):
    """SIM-SPEC ``mru``: a hit moves to the head; the victim is the head.

    Follows cache_policy/mru.py (an OrderedDict walked in reverse). With a
    single evictable block, that block is the victim. NOTE: in KV mode the
    head holds the request's own blocks (just touched or stored), so each
    eviction walks past them: O(request blocks) per victim.
    """

    name = "mru"

    def get_evict_candidates(self, cache_dict, num_candidates=1,
                             protected=_NOTHING):
        evict_keys = []
        for key in reversed(cache_dict):
            if key in protected:
                continue
            evict_keys.append(key)
            if len(evict_keys) == num_candidates:
                break
        return evict_keys


class LFUCachePolicy(_LMCacheShape):
    """SIM-SPEC ``lfu``: frequency 1 on insertion, +1 per hit; the victim
    has the minimum frequency and, among those, the oldest last access.

    Follows cache_policy/lfu.py: ``key_to_freq`` and ``freq_to_keys``
    (buckets of keys in FIFO order, so a bucket's first key is its oldest
    access). LMCache keeps the buckets in a sortedcontainers.SortedDict;
    the stdlib has none, so ``freqs`` is a sorted list of the bucket
    frequencies kept with bisect (few distinct frequencies exist, so its
    O(#buckets) insert is cheap). Differences from LMCache: LMCache's
    get_evict_candidates never removes the chosen key from its bucket (it
    pops key_to_freq, and its second loop zips an always-empty list), so a
    later hit of a re-put key would KeyError there; here the victim leaves
    its bucket. Frequencies are forgotten on eviction (SIM-SPEC). The
    buckets are plain dicts as in LMCache, so FIFOCachePolicy's
    PERFORMANCE WARNING applies to the frequency-1 bucket.
    """

    name = "lfu"

    def __init__(self, capacity):
        super().__init__(capacity)
        self.key_to_freq = {}
        self.freq_to_keys = {}
        self.freqs = []

    def init_mutable_mapping(self):
        return {}

    def _bucket_add(self, freq, key):
        bucket = self.freq_to_keys.get(freq)
        if bucket is None:
            self.freq_to_keys[freq] = {key: None}
            bisect.insort(self.freqs, freq)
        else:
            bucket[key] = None

    def _bucket_remove(self, freq, key):
        bucket = self.freq_to_keys[freq]
        del bucket[key]
        if not bucket:
            del self.freq_to_keys[freq]
            del self.freqs[bisect.bisect_left(self.freqs, freq)]

    def update_on_hit(self, key, cache_dict):
        curr_freq = self.key_to_freq[key]
        self._bucket_remove(curr_freq, key)
        curr_freq += 1
        self.key_to_freq[key] = curr_freq
        self._bucket_add(curr_freq, key)

    def update_on_put(self, key):
        self.key_to_freq[key] = 1
        self._bucket_add(1, key)

    def update_on_force_evict(self, key):
        freq = self.key_to_freq.pop(key, None)
        if freq is not None:
            self._bucket_remove(freq, key)

    def get_evict_candidates(self, cache_dict, num_candidates=1,
                             protected=_NOTHING):
        """Up to num_candidates keys, lowest frequency first, oldest access
        first within one; protected keys are passed over. The candidates
        leave the policy's books (as LMCache's pop of key_to_freq)."""
        evict_keys = []
        for freq in self.freqs:
            for key in self.freq_to_keys[freq]:
                if key in protected:
                    continue
                evict_keys.append(key)
                if len(evict_keys) == num_candidates:
                    break
            if len(evict_keys) == num_candidates:
                break
        for key in evict_keys:
            self._bucket_remove(self.key_to_freq.pop(key), key)
        return evict_keys


class S3FIFOCachePolicy(_LMCacheShape):
    """SIM-SPEC ``s3fifo`` (fifo-size-ratio 0.10, ghost-size-ratio 0.90,
    move-to-main-threshold 2), in bytes.

    Shape of cache_policy/s3fifo.py: OrderedDicts S, M (key -> freq) and G
    (key -> size) beside the backend's cache_dict. LMCache's own version
    differs from SIM-SPEC (and from the paper as libCacheSim runs it) in
    ways this model does not copy: it counts entries, not bytes; it caps
    freq at 3 on a hit; it moves S's tail on every put when S is over
    capacity and treats the freq > 1 test as the promotion; it gives G
    M's capacity; and its get_evict_candidates returns keys in G -> S -> M
    order without running the FIFO-reinsertion walk. Here:

    - S capacity floor(C * 0.10), M capacity C - |S|, G floor(C * 0.90)
      bytes (the double product truncated, as the C++ computes it).
    - miss_lookup: a key in G leaves G and marks this request a ghost hit.
    - admissible: size <= |S|. insert: after a ghost hit, M's head with freq
      0; else declined if size >= |S|; else S's head with freq 0.
    - hit: freq += 1 in S or M (unbounded; M's walk reads min(freq, 3)).
    - evict_one: from M if M's bytes exceed its capacity or S is empty,
      else from S; the S walk promotes S's tail with freq >= 2 to M's head
      (freq 0) and evicts the first other tail into G (G's tail dropped
      until it fits; an entry larger than G is not kept); the M walk
      reinserts a tail with freq >= 1 at M's head with min(freq, 3) - 1 and
      evicts the first tail with freq 0 (it does not go to G).
    - Protected keys are passed over in place (neither promoted nor
      decremented); when the chosen queue has nothing to take, the other is
      walked, then the first again (the S walk may have promoted entries
      into M): the C++ S3FIFOEvictor's rule for pins, and without pins
      exactly SIM-SPEC's.
    """

    name = "s3fifo"
    FIFO_SIZE_RATIO = 0.10
    GHOST_SIZE_RATIO = 0.90
    MOVE_TO_MAIN_THRESHOLD = 2

    def __init__(self, capacity):
        super().__init__(capacity)
        self.S_cap = int(capacity * self.FIFO_SIZE_RATIO)
        self.M_cap = capacity - self.S_cap
        self.G_cap = int(capacity * self.GHOST_SIZE_RATIO)
        self.S = OrderedDict()
        self.M = OrderedDict()
        self.G = OrderedDict()
        self.s_bytes = 0
        self.m_bytes = 0
        self.g_bytes = 0
        self.ghost_hit = False

    def init_mutable_mapping(self):
        return {}

    def admissible(self, size):
        return size <= self.S_cap

    def miss_lookup(self, key):
        size = self.G.pop(key, None)
        self.ghost_hit = size is not None
        if self.ghost_hit:
            self.g_bytes -= size

    def update_on_hit(self, key, cache_dict):
        if key in self.S:
            self.S[key] += 1
        else:
            self.M[key] += 1

    def insert(self, key, size):
        if self.ghost_hit:
            self.ghost_hit = False
            self.M[key] = 0
            self.m_bytes += size
        elif size >= self.S_cap:
            return False  # declined; the evictions before it stand
        else:
            self.S[key] = 0
            self.s_bytes += size
        self.cache_dict[key] = size
        return True

    def remove(self, key):
        """A user removal: out of S or M, no ghost. KeyError if absent."""
        size = self.cache_dict.pop(key)
        if key in self.S:
            del self.S[key]
            self.s_bytes -= size
        else:
            del self.M[key]
            self.m_bytes -= size

    def evict_one(self, size, protected):
        main_first = self.m_bytes > self.M_cap or not self.S
        if main_first:
            order = (self._evict_main, self._evict_small, self._evict_main)
        else:
            order = (self._evict_small, self._evict_main, self._evict_small)
        for walk in order:
            freed = walk(protected)
            if freed >= 0:
                return freed
        return -1

    def _evict_small(self, protected):
        S, cache_dict = self.S, self.cache_dict
        passed = []   # protected tails, put back in place afterwards
        freed = -1
        while S:
            key, freq = S.popitem(last=False)
            if key in protected:
                passed.append((key, freq))
                continue
            size = cache_dict[key]
            self.s_bytes -= size
            if freq >= self.MOVE_TO_MAIN_THRESHOLD:
                self.M[key] = 0     # frees nothing
                self.m_bytes += size
                continue
            del cache_dict[key]
            self._to_ghost(key, size)
            freed = size
            break
        self._put_back(S, passed)
        return freed

    def _evict_main(self, protected):
        M, cache_dict = self.M, self.cache_dict
        passed = []
        freed = -1
        while M:
            key, freq = M.popitem(last=False)
            if key in protected:
                passed.append((key, freq))
                continue
            if freq >= 1:
                M[key] = min(freq, 3) - 1
                continue
            size = cache_dict.pop(key)
            self.m_bytes -= size
            freed = size
            break
        self._put_back(M, passed)
        return freed

    @staticmethod
    def _put_back(queue, passed):
        # The passed keys were the tail-most ones, in this order.
        for key, freq in passed:
            queue[key] = freq
        for key, _ in reversed(passed):
            queue.move_to_end(key, last=False)

    def _to_ghost(self, key, size):
        if size > self.G_cap:
            return
        G = self.G
        while self.g_bytes + size > self.G_cap:
            _, dropped = G.popitem(last=False)
            self.g_bytes -= dropped
        G[key] = size
        self.g_bytes += size


class ClockCachePolicy(_LMCacheShape):
    """SIM-SPEC ``clock`` (``n-bit-counter``, default 1): a hit raises the
    block's counter up to 2^bits - 1 and moves nothing; the victim search
    looks at the tail and, while its counter is >= 1, decrements it and
    moves it to the head; the first tail found at 0 is the victim.

    LMCache has no CLOCK; this is the LMCache v1 shape with the queue the
    policy's own (as s3fifo.py keeps its queues): ``clock`` is an
    OrderedDict key -> counter whose first key is the tail the hand looks
    at, so "move to the head" is a popitem from the front and a store at
    the end. New blocks go to the head with counter 0. The backend's
    cache_dict is a plain dict (the order is the clock's).

    Protected blocks (the C++ ClockEvictor's rule for pins) are passed as
    the hand meets them: moved to the head with the counter unchanged. When
    the hand has passed every remaining block in a row, all of them are
    protected: no victim (a whole lap leaves the order as it was).
    Candidates leave the clock at once (as LFU's leave its buckets);
    the backend pops them from cache_dict.
    """

    name = "clock"

    def __init__(self, capacity, n_bit_counter=1):
        if not 1 <= n_bit_counter <= 8:
            raise ValueError(f"clock.n-bit-counter: {n_bit_counter} is "
                             f"outside [1, 8]")
        super().__init__(capacity)
        self.max_freq = (1 << n_bit_counter) - 1
        self.clock = OrderedDict()

    def init_mutable_mapping(self):
        return {}

    def update_on_hit(self, key, cache_dict):
        freq = self.clock[key]
        if freq < self.max_freq:
            self.clock[key] = freq + 1   # an assignment does not move it

    def update_on_put(self, key):
        self.clock[key] = 0

    def update_on_force_evict(self, key):
        self.clock.pop(key, None)

    def get_evict_candidates(self, cache_dict, num_candidates=1,
                             protected=_NOTHING):
        """Up to num_candidates victims by the hand (aging the clock as a
        put does); fewer when only protected blocks are left. O(1)
        amortized per victim (each move spends a counter unit a hit
        earned), plus one step per protected block passed."""
        clock = self.clock
        evict_keys = []
        passed = 0   # protected blocks passed in a row
        while clock and len(evict_keys) < num_candidates:
            key, freq = clock.popitem(last=False)
            if key in protected:
                clock[key] = freq
                passed += 1
                if passed == len(clock):
                    break            # every block left is protected
                continue
            passed = 0
            if freq:
                clock[key] = freq - 1
                continue
            evict_keys.append(key)
        return evict_keys


class _SieveNode:
    """One block of SIEVE's queue: ``newer`` is toward the head."""

    __slots__ = ("key", "visited", "older", "newer")

    def __init__(self, key, older):
        self.key = key
        self.visited = False
        self.older = older
        self.newer = None


class SieveCachePolicy(_LMCacheShape):
    """SIM-SPEC ``sieve``: a hit sets the block's visited bit and moves
    nothing; the victim search starts at the hand (at the tail when there
    is none), clears visited bits stepping toward the head, wrapping from
    the head to the tail, and evicts the first unvisited block; the hand
    becomes the block just newer than the victim (none if it was the head).

    LMCache has no SIEVE; this is the LMCache v1 shape over the structure
    of the SIEVE paper's own Python example: a doubly linked list of nodes
    (``head`` newest, ``tail`` oldest) and a ``hand`` node, with ``nodes``
    key -> node for the hits. A list and not an OrderedDict because the
    hand must stay on a node while other nodes leave, and a dict iterator
    does not survive a deletion. The backend's cache_dict is a plain dict.

    Protected blocks (the C++ SieveEvictor's rule for pins) are stepped
    over without reading or clearing their bit: a pin is no access. When a
    whole lap passes only protected blocks there is no victim, and the hand
    stays where it was. A user removal (update_on_force_evict) of the
    hand's block moves the hand to the block just newer, as a victim's
    does. Candidates leave the list at once; the backend pops them from
    cache_dict.
    """

    name = "sieve"

    def __init__(self, capacity):
        super().__init__(capacity)
        self.nodes = {}
        self.head = self.tail = self.hand = None

    def init_mutable_mapping(self):
        return {}

    def update_on_hit(self, key, cache_dict):
        self.nodes[key].visited = True

    def update_on_put(self, key):
        node = _SieveNode(key, self.head)
        if self.head is None:
            self.tail = node
        else:
            self.head.newer = node
        self.head = node
        self.nodes[key] = node

    def update_on_force_evict(self, key):
        node = self.nodes.pop(key, None)
        if node is not None:
            self._unlink(node)

    def _unlink(self, node):
        if node is self.hand:
            self.hand = node.newer
        if node.older is None:
            self.tail = node.newer
        else:
            node.older.newer = node.newer
        if node.newer is None:
            self.head = node.older
        else:
            node.newer.older = node.older

    def get_evict_candidates(self, cache_dict, num_candidates=1,
                             protected=_NOTHING):
        """Up to num_candidates victims, each from the hand the last one
        left; fewer when only protected blocks are left. O(1) amortized per
        victim (each step past a visited block clears a bit a hit set),
        plus one step per protected block passed."""
        evict_keys = []
        nodes = self.nodes
        while nodes and len(evict_keys) < num_candidates:
            n = len(nodes)
            node = self.hand or self.tail
            passed = 0   # protected blocks stepped over in a row
            while True:
                if node is None:
                    node = self.tail          # wrap from head to tail
                if node.key in protected:
                    passed += 1
                    if passed == n:
                        return evict_keys     # a lap found nothing
                elif node.visited:
                    node.visited = False
                    passed = 0
                else:
                    break
                node = node.newer
            del nodes[node.key]
            self._unlink(node)
            self.hand = node.newer
            evict_keys.append(node.key)
        return evict_keys


class BeladyCachePolicy(_LMCacheShape):
    """SIM-SPEC ``belady`` (offline MIN): the victim is the resident block
    whose next access is farthest in the future, blocks never accessed
    again (+infinity) first, and among those the most recently stamped
    (inserted or hit) first, as the C++ BeladyEvictor breaks SIM-SPEC's
    open tie. A hit moves the block's next access to the reference's.

    No engine knows the future, so neither LMCache nor vLLM has this; it is
    the LMCache v1 shape with the future as an extra argument of the hooks
    (``update_on_hit(key, cache_dict, next_access)``,
    ``update_on_put(key, next_access)``; -1 or omitted: never again, so
    without a future Belady evicts the newest first). The state is what a
    Python engineer reaches for: ``heapq`` of (-next access, -stamp, key),
    so the top is the victim, with lazy deletion (``live`` maps each
    resident key to its current entry; an entry that is not is stale and
    skipped); the heap is rebuilt from ``live`` when stale entries
    outnumber live ones.

    Protected blocks met at the top are set aside while the same
    ``protected`` object is passed (one request: the KV replay passes one
    frozenset per request, and no protected block can be a victim until it
    changes), and pushed back when another one comes. Without this, the
    request's own new blocks (never used again: the top of the heap) would
    be popped and pushed back for each victim. The C++ evictor does the
    same (keep_aside). O(log n) per hit, store and victim, amortized.
    """

    name = "belady"
    needs_next_access = True
    NEVER = (1 << 63) - 1   # the C++ kNever

    def __init__(self, capacity):
        super().__init__(capacity)
        self.heap = []
        self.live = {}
        self.stamp = 0
        self.aside = []
        self.aside_for = None

    def init_mutable_mapping(self):
        return {}

    def _push(self, key, next_access):
        self.stamp += 1
        entry = (-(self.NEVER if next_access < 0 else next_access),
                 -self.stamp, key)
        self.live[key] = entry
        heap = self.heap
        if len(heap) > 2 * len(self.live) + 64:
            heap[:] = self.live.values()
            heapq.heapify(heap)
            self.aside = []   # they are live, so they are in the heap again
        else:
            heapq.heappush(heap, entry)

    def update_on_hit(self, key, cache_dict, next_access=-1):
        self._push(key, next_access)

    def update_on_put(self, key, next_access=-1):
        self._push(key, next_access)

    def update_on_force_evict(self, key):
        self.live.pop(key, None)   # its heap entries are stale now

    def hit(self, keys, next_accesses=None):
        update, cache_dict = self.update_on_hit, self.cache_dict
        if next_accesses is None:
            for key in reversed(keys):
                update(key, cache_dict)
        else:
            for key, nxt in zip(reversed(keys), reversed(next_accesses)):
                update(key, cache_dict, nxt)

    def insert(self, key, size, next_access=-1):
        self.cache_dict[key] = size
        self.update_on_put(key, next_access)
        return True

    def get_evict_candidates(self, cache_dict, num_candidates=1,
                             protected=_NOTHING):
        """Up to num_candidates victims, farthest next access first; fewer
        when only protected blocks are left."""
        heap, live = self.heap, self.live
        if protected is not self.aside_for:
            for entry in self.aside:
                heapq.heappush(heap, entry)
            self.aside = []
            self.aside_for = protected
        aside = self.aside
        evict_keys = []
        while heap and len(evict_keys) < num_candidates:
            entry = heapq.heappop(heap)
            key = entry[2]
            if live.get(key) is not entry:
                continue                      # stale
            if key in protected:
                aside.append(entry)
                continue
            del live[key]
            evict_keys.append(key)
        return evict_keys


# --------------------------------------------------------------------------
# vLLM's shape: the policy owns the blocks.

class ARCCachePolicy(KVPolicy):
    """SIM-SPEC ``arc``: byte-sized ARC with ghost lists.

    Shape of vllm/v1/kv_offload/cpu/policies/arc.py (``ARCCachePolicy``
    over base.py's ``CachePolicy``): OrderedDicts t1, t2 (data) and b1, b2
    (ghosts), ``target_t1_size`` (SIM-SPEC's p, a float from 0), and
    get / insert / remove / touch(keys) / evict(n, protected). Values are
    byte sizes (vLLM stores a BlockStatus; its blocks are all one size).

    Where vLLM differs from SIM-SPEC, SIM-SPEC is implemented:
    - vLLM counts blocks; here l1, l2, g1, g2 are byte counters.
    - vLLM adapts the target in ``touch`` when a touched key is a ghost;
      SIM-SPEC adapts it at the miss of a ghost (``miss_lookup``), with
      p = min(p + max(g2/g1, 1), C) for B1 and p = max(p - max(g1/g2, 1), 0)
      for B2, ratios taken before the ghost is removed, and the ghost
      removed (vLLM keeps it and moves it to the MRU end).
    - vLLM inserts every new block into T1 and drops it from the ghosts;
      SIM-SPEC inserts after a ghost hit of the same request into T2.
    - vLLM evicts from T1 iff len(T1) >= int(target) and trims the ghost
      lists to the capacity after the eviction; SIM-SPEC's step (for an
      incoming object of s bytes) is: after a ghost hit, REPLACE; else if
      l1 + g1 + s > C: drop B1's tail then REPLACE when g1 > 0, else evict
      T1's tail outright (no ghost); else drop B2's tail when
      l1 + g1 + l2 + g2 >= 2C and g2 > 0, then REPLACE. REPLACE takes T1's
      tail into B1's head when (l1 > 0 and (l1 > p or (l1 == p and the B2
      flag is set))) or l2 == 0, else T2's tail into B2's head.
    - vLLM's touch moves a T1 block to T2 (as SIM-SPEC's hit); a T2 block to
      T2's MRU end (the same).
    - Protected keys (vLLM: ``protected`` and ref_cnt): each step takes the
      tail-most unprotected block of the list the rule names, else the
      tail-most unprotected block of the other data list, handled by the
      same step (outright: no ghost; REPLACE: into its own list's ghost);
      the ghost drops happen only when a victim exists. This is the C++
      ARCEvictor's rule for pins (SIM-SPEC is silent on ARC with pins).
    - evict(n, ...) is vLLM's all-or-nothing only for n == 1 (the replay's
      use); for n > 1 it commits each step (SIM-SPEC's evictions are one
      object at a time and stand).
    """

    name = "arc"

    def __init__(self, capacity):
        super().__init__(capacity)
        self.cache_capacity = capacity
        self.target_t1_size = 0.0
        self.t1 = OrderedDict()
        self.t2 = OrderedDict()
        self.b1 = OrderedDict()
        self.b2 = OrderedDict()
        self.l1 = self.l2 = self.g1 = self.g2 = 0
        self.hit_b1 = self.hit_b2 = False
        # Every resident block (both data lists), for the replay's lookups:
        # vLLM's get() asks t1 then t2; one dict answers in one probe.
        self.resident = {}

    # vLLM's interface -----------------------------------------------------

    def get(self, key):
        """The block's size, or None if it is not resident."""
        return self.resident.get(key)

    def insert(self, key, size):
        """Adds a non-resident block: T2's head after a ghost hit of this
        request (the miss_lookup just before), else T1's head."""
        if self.hit_b1 or self.hit_b2:
            self.hit_b1 = self.hit_b2 = False
            self.t2[key] = size
            self.l2 += size
        else:
            self.t1[key] = size
            self.l1 += size
        self.resident[key] = size
        return True

    def remove(self, key):
        """A user removal: out of T1/T2, no ghost. KeyError if absent."""
        size = self.resident.pop(key)
        if self.t1.pop(key, None) is not None:
            self.l1 -= size
        else:
            del self.t2[key]
            self.l2 -= size

    def touch(self, keys):
        """SIM-SPEC's hit rule for each resident key, in reverse order."""
        t1, t2 = self.t1, self.t2
        for key in reversed(keys):
            size = t1.pop(key, None)
            if size is not None:
                self.l1 -= size
                t2[key] = size
                self.l2 += size
            elif key in t2:
                t2.move_to_end(key)

    def evict(self, n, protected=_NOTHING, incoming_size=0):
        """n victims as [(key, size)], one SIM-SPEC step each for an
        incoming object of incoming_size bytes; None when a step finds no
        unprotected block (that step changes nothing; earlier ones stand)."""
        out = []
        for _ in range(n):
            victim = self._evict_step(incoming_size, protected)
            if victim is None:
                return None
            out.append(victim)
        return out

    # The replay protocol --------------------------------------------------

    def hit(self, keys):
        self.touch(keys)

    def miss_lookup(self, key):
        self.hit_b1 = self.hit_b2 = False
        size = self.b1.pop(key, None)
        if size is not None:
            self.hit_b1 = True
            # g1 includes this ghost: the ratio is taken before removal.
            self.target_t1_size = min(
                self.target_t1_size + _libcs_max(self.g2 / self.g1, 1.0),
                float(self.cache_capacity))
            self.g1 -= size
            return
        size = self.b2.pop(key, None)
        if size is not None:
            self.hit_b2 = True
            self.target_t1_size = max(
                self.target_t1_size - _libcs_max(self.g1 / self.g2, 1.0), 0.0)
            self.g2 -= size

    def evict_one(self, size, protected):
        victim = self._evict_step(size, protected)
        return -1 if victim is None else victim[1]

    # SIM-SPEC's step ------------------------------------------------------

    def _replace_takes_t1(self):
        l1 = self.l1
        p = self.target_t1_size
        return (l1 > 0 and (l1 > p or (l1 == p and self.hit_b2))) \
            or self.l2 == 0

    @staticmethod
    def _tail_most(lst, protected):
        for key in lst:
            if key not in protected:
                return key
        return None

    def _evict_step(self, s, protected):
        drop_b1 = drop_b2 = outright = False
        if not (self.hit_b1 or self.hit_b2):
            c = self.cache_capacity
            if self.l1 + self.g1 + s > c:
                drop_b1 = self.g1 > 0
                outright = not drop_b1
            else:
                drop_b2 = (self.l1 + self.g1 + self.l2 + self.g2 >= 2 * c
                           and self.g2 > 0)
        # REPLACE reads l1, l2, p and the B2 flag only, none of which a
        # ghost drop changes, so the choice may precede the drop.
        from_t1 = outright or self._replace_takes_t1()
        lst = self.t1 if from_t1 else self.t2
        key = self._tail_most(lst, protected)
        if key is None:
            from_t1 = not from_t1
            lst = self.t1 if from_t1 else self.t2
            key = self._tail_most(lst, protected)
            if key is None:
                return None
        if drop_b1:
            _, dropped = self.b1.popitem(last=False)
            self.g1 -= dropped
        if drop_b2:
            _, dropped = self.b2.popitem(last=False)
            self.g2 -= dropped
        size = lst.pop(key)
        del self.resident[key]
        if from_t1:
            self.l1 -= size
        else:
            self.l2 -= size
        if not outright:
            if from_t1:
                self.b1[key] = size
                self.g1 += size
            else:
                self.b2[key] = size
                self.g2 += size
        return key, size


def _libcs_max(a, b):
    # libCacheSim's `a > b ? a : b`: NaN (0/0) gives b.
    return a if a > b else b


# The registry: a policy is added here and nowhere else.
POLICIES = OrderedDict((cls.name, cls) for cls in (
    LRUCachePolicy, FIFOCachePolicy, MRUCachePolicy, ClockCachePolicy,
    LFUCachePolicy, SieveCachePolicy, ARCCachePolicy, S3FIFOCachePolicy,
    BeladyCachePolicy))


def make_policy(name, capacity):
    """A policy of the registry by its CLI name, for a capacity in bytes."""
    try:
        cls = POLICIES[name]
    except KeyError:
        raise ValueError(f"unknown policy {name!r} (known: "
                         f"{', '.join(POLICIES)})") from None
    return cls(capacity)


__all__ = ["KVPolicy", "LRUCachePolicy", "FIFOCachePolicy",
           "MRUCachePolicy", "LFUCachePolicy", "S3FIFOCachePolicy",
           "ClockCachePolicy", "SieveCachePolicy", "BeladyCachePolicy",
           "ARCCachePolicy", "POLICIES", "make_policy"]
