"""KV mode (SIM-SPEC section 5) over the Python policies of kv_policies.

    requests = read_mooncake(path)              # [(hash_ids, input_length)]
    counters = replay(requests, make_policy("lru", capacity), bytes_per_token)

A Mooncake request is a sequence of 512-token blocks b_0 .. b_{n-1} (its
``hash_ids``, n == ceil(input_length / 512); the last block holds
input_length - 512 (n - 1) tokens). A block's size is its tokens times the
KV bytes per token. Per request, in file order:

1. lookup: k = the length of the longest resident prefix (the hits);
2. touch the hits in reverse (b_{k-1} first, b_0 last), by the policy's
   hit rule;
3. store b_k .. b_{n-1} in order: a resident block is skipped (not touched,
   not a hit); a missing one takes section 1's miss path (the policy's
   miss lookup, admission, evict one victim at a time while it does not
   fit, insert) except that no block of this request is ever a victim.

A block is not stored, ``n_store_failure`` is counted and the rest of the
request is not stored either when no other victim remains while it does not
fit (SIM-SPEC section 5); the evictions made before that stand (section 1's
miss path evicts one object at a time, and "the evictions happen before the
insertion"). NOTE: section 5 names only that way of failing; the replay
gives the same consequence to a block the policy does not admit (size above
C, or S3-FIFO's size above |S|: section 1 "stop", nothing is evicted),
since that block cannot be stored either. An insertion the policy declines
after its evictions (S3-FIFO: size >= |S| without a ghost hit) is neither
a store nor a failure, and the request goes on (section 1: the evictions
stand; nothing in section 5 stops the request).

Belady needs the future: for a policy whose ``needs_next_access`` is true,
each touch and each store also hands the policy the reference's next
access (``next_access(requests)``, the C++ compute_kv_next_access; pass it
as ``future`` to keep that pre-pass out of a timed replay, else replay
computes it). A skipped block is not touched, so it keeps the next access
it had, as in the C++ (kv_replay.h).

Counters (section 5): n_req, n_block, n_block_hit, n_token, n_token_hit,
n_byte, n_byte_hit, n_store, n_store_failure, n_evict, and the ratios
block_hit_ratio and token_hit_ratio. Stdlib only.
"""

import json
import math

BLOCK_TOKENS = 512

COUNTERS = ("n_req", "n_block", "n_block_hit", "n_token", "n_token_hit",
            "n_byte", "n_byte_hit", "n_store", "n_store_failure", "n_evict")
RATIOS = ("block_hit_ratio", "token_hit_ratio")


class TraceError(ValueError):
    """Malformed trace input; the message names the file and the line."""


def _int_field(rec, name, where):
    if name not in rec:
        raise TraceError(f"{where}: missing field '{name}'")
    v = rec[name]
    if isinstance(v, bool) or not isinstance(v, int):
        raise TraceError(f"{where}: field '{name}' is not an integer: "
                         f"{json.dumps(v)[:40]}")
    if v < 0:
        raise TraceError(f"{where}: field '{name}' is negative: {v}")
    return v


def parse_mooncake_lines(lines, path="<trace>"):
    """[(hash_ids tuple, input_length)] from JSON Lines; TraceError names
    ``path:line`` of the first bad record (nothing is skipped)."""
    requests = []
    for lineno, line in enumerate(lines, start=1):
        where = f"{path}:{lineno}"
        if not line.strip():
            raise TraceError(f"{where}: empty line")
        try:
            rec = json.loads(line)
        except ValueError as e:
            raise TraceError(f"{where}: not JSON: {e}") from None
        if not isinstance(rec, dict):
            raise TraceError(f"{where}: not a JSON object")
        _int_field(rec, "timestamp", where)
        length = _int_field(rec, "input_length", where)
        _int_field(rec, "output_length", where)
        ids = rec.get("hash_ids")
        if not isinstance(ids, list):
            raise TraceError(f"{where}: field 'hash_ids' is missing or not "
                             f"a list")
        for i, b in enumerate(ids):
            if isinstance(b, bool) or not isinstance(b, int) or b < 0 \
                    or b >= 1 << 64:
                raise TraceError(f"{where}: hash_ids[{i}] is not an "
                                 f"unsigned 64-bit integer: "
                                 f"{json.dumps(b)[:40]}")
        want = math.ceil(length / BLOCK_TOKENS) if length else 0
        if len(ids) != want:
            raise TraceError(f"{where}: hash_ids has {len(ids)} ids, but "
                             f"input_length {length} needs ceil({length} / "
                             f"{BLOCK_TOKENS}) = {want}")
        requests.append((tuple(ids), length))
    return requests


def read_mooncake(path):
    """The requests of a Mooncake JSONL file (see parse_mooncake_lines)."""
    with open(path, encoding="utf-8") as f:
        return parse_mooncake_lines(f, path)


def next_access(requests):
    """Per block reference (the requests' ids flattened in order): the flat
    index of the first reference to the same block in the next request
    that holds it, or -1 when no later request does. Repeats within one
    request are not "next" (that request serves them). The definition of
    the C++ compute_kv_next_access (kv_trace.h); binding_kv re-exports it.
    O(block references), one backward pass."""
    total = sum(len(ids) for ids, _ in requests)
    out = [-1] * total
    first_later = {}   # block -> its first flat index in a later request
    end = total
    for ids, _ in reversed(requests):
        start = end - len(ids)
        get = first_later.get
        for i, b in enumerate(ids):
            out[start + i] = get(b, -1)
        for i in range(len(ids) - 1, -1, -1):   # the first position wins
            first_later[ids[i]] = start + i
        end = start
    return out


def replay(requests, policy, bytes_per_token=1, future=None):
    """Replays requests through a policy (its capacity is the cache size);
    returns the section-5 counters and ratios of these requests as a dict.
    The occupancy lives in ``policy.used``, so a second call continues
    from the cache the first one left.

    ``future``: next_access(requests), read only when the policy needs it
    (computed here when None). ValueError if its length is not the number
    of block references.

    The loop is the lab's one caller loop: every policy runs through it,
    supplying only the rules (kv_policies' replay protocol).
    """
    if bytes_per_token < 1:
        raise ValueError(f"bytes per token: {bytes_per_token} is below 1")
    if not policy.needs_next_access:
        future = None
    elif future is None:
        future = next_access(requests)
    else:
        total = sum(len(ids) for ids, _ in requests)
        if len(future) != total:
            raise ValueError(f"future: {len(future)} next accesses for "
                             f"{total} block references")
    resident = policy.resident
    hit = policy.hit
    miss_lookup = policy.miss_lookup
    admissible = policy.admissible
    evict_one = policy.evict_one
    insert = policy.insert
    cap = policy.capacity
    full_bytes = BLOCK_TOKENS * bytes_per_token
    used = policy.used
    n_block = n_block_hit = n_token = n_token_hit = 0
    n_store = n_store_failure = n_evict = 0
    pos = 0   # the flat index of this request's first block reference
    for ids, length in requests:
        n = len(ids)
        start = pos
        pos += n
        n_block += n
        n_token += length
        k = 0
        for b in ids:
            if b not in resident:
                break
            k += 1
        if k:
            if future is None:
                hit(ids[:k])
            else:
                hit(ids[:k], future[start:start + k])
            n_block_hit += k
            n_token_hit += length if k == n else BLOCK_TOKENS * k
            if k == n:
                continue
        elif not n:
            continue
        protected = frozenset(ids)
        last = n - 1
        for i in range(k, n):
            b = ids[i]
            if b in resident:
                continue  # the prefix is broken before it: not a hit
            size = (full_bytes if i < last
                    else (length - BLOCK_TOKENS * last) * bytes_per_token)
            if miss_lookup is not None:
                miss_lookup(b)
            if not admissible(size):
                n_store_failure += 1
                break
            stored = True
            while used + size > cap:
                freed = evict_one(size, protected)
                if freed < 0:
                    stored = False
                    break
                used -= freed
                n_evict += 1
            if not stored:
                n_store_failure += 1
                break
            if (insert(b, size) if future is None
                    else insert(b, size, future[start + i])):
                used += size
                n_store += 1
    policy.used = used
    c = {
        "n_req": len(requests), "n_block": n_block,
        "n_block_hit": n_block_hit, "n_token": n_token,
        "n_token_hit": n_token_hit,
        "n_byte": n_token * bytes_per_token,
        "n_byte_hit": n_token_hit * bytes_per_token,
        "n_store": n_store, "n_store_failure": n_store_failure,
        "n_evict": n_evict,
    }
    c["block_hit_ratio"] = n_block_hit / n_block if n_block else 0.0
    c["token_hit_ratio"] = n_token_hit / n_token if n_token else 0.0
    return c


def distinct_blocks(requests):
    """The number of distinct block ids (the infinite cache's n_store)."""
    seen = set()
    for ids, _ in requests:
        seen.update(ids)
    return len(seen)


__all__ = ["BLOCK_TOKENS", "COUNTERS", "RATIOS", "TraceError",
           "parse_mooncake_lines", "read_mooncake", "next_access", "replay",
           "distinct_blocks"]
