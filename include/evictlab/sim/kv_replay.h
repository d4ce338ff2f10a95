// kv_replay<Policy>: the KV-mode request loop (SIM-SPEC section 5) for one
// policy and one cache size, a template like replay<Policy> (replay.h), so any
// policy struct replays, registered or not. `kv_simulate()`
// (kv_simulator.h) is this, dispatched by name.
//
// Per request b_0 .. b_{n-1} (in file order):
//   1. Lookup: k = the longest prefix of resident blocks (the hits).
//   2. Touch the hits in reverse, b_{k-1} first and b_0 last, each through
//      the policy's hit rule (hit_if_resident: update_on_get).
//   3. Store b_k .. b_{n-1} in order with the request's blocks pinned
//      (pins.h): a resident block is skipped (not touched, not a hit); a
//      missing one takes section 1's miss path through caller.h
//      put_best_effort, which evicts one victim at a time, never a pinned
//      block (each policy's decide_best_effort). If no unpinned victim is
//      left while the block still does not fit, the evictions made until
//      then stand (counted in n_evict: the victims are gone), the block is
//      not stored, n_store_failure counts one, and the rest of the request
//      is not stored. A block the policy never admits (above the cache
//      size, or s3fifo's above |S|) fails the same way with no eviction
//      (section 1: "stop"). An insert the policy declines after a LEGAL
//      answer (s3fifo: not smaller than |S|) is neither a store nor a
//      failure, and the request goes on.
// A block of t tokens is t * bytes_per_token bytes.
//
// "Blocks of the current request are never victims" is read strictly: every
// block of the request that is resident when the request starts, including
// one after the broken prefix that the store phase will skip, is pinned
// from the start, and every block it stores is pinned once stored. All are
// unpinned when the request ends.
//
// Belady: each touch and each store first tells the evictor the reference's
// next access (KvTrace::next_access, compute_kv_next_access). A skipped
// block is not touched, so it keeps the next access it had (SIM-SPEC: "not
// touched").
//
// Allocation: the dict, the evictor's tables, the pin set and the scratch
// vector grow to their high-water marks and are then reused; the request
// loop allocates nothing per request in steady state (the pin set,
// RequestPins, is emptied in O(1) and keeps its table).
//
// Thread-safety: builds its own cache; concurrent calls on one const
// KvTrace are safe.
#ifndef EVICTLAB_SIM_KV_REPLAY_H_
#define EVICTLAB_SIM_KV_REPLAY_H_

#include <chrono>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "evictlab/caller.h"
#include "evictlab/pins.h"
#include "evictlab/policy_params.h"
#include "evictlab/sim/kv_simulator.h"
#include "evictlab/sim/kv_trace.h"
#include "evictlab/sim/replay.h"

namespace evictlab::sim {

using KvPins = RequestPins<std::uint64_t>;

// One cache under one policy, fed one request at a time: the request loop of
// kv_replay, kept here once so that kv_replay (a whole KvTrace) and the soak
// (`evictlab soak`, requests made on the fly) run the same steps.
//
// REQUIRES: 1 <= cache_size <= kMaxCapacity; bytes_per_token as
// check_kv_options. Throws ConfigError for a bad parameter. NOT thread-safe;
// dict() and evictor() are views valid until the next request().
template <class Policy>
class KvReplayer {
 public:
  using Evictor = typename Policy::template Evictor<SimDict>;
  static constexpr bool kFuture = Policy::kTraits.needs_future_knowledge;

  KvReplayer(std::uint64_t cache_size, std::uint64_t bytes_per_token,
             const PolicyParams& params = {})
      : evictor_(make_evictor<Evictor>(
            static_cast<double>(cache_size) / 1073741824.0, params)),
        bpt_(bytes_per_token) {
    r_.policy = std::string(Policy::kTraits.name);
    r_.cache_size = cache_size;
    r_.bytes_per_token = bytes_per_token;
  }

  // Replays one request: blocks[0 .. n) of `input_length` tokens (REQUIRES:
  // n == kv_blocks_for_tokens(input_length)); `next_access` (n entries, as
  // KvTrace::next_access) is read only when the policy needs the future,
  // and may be null otherwise. With `counted`, the request adds to result().
  // O(n) dict and evictor operations plus the evictions; allocates nothing
  // in steady state.
  void request(const std::uint64_t* blocks, std::uint64_t n,
               std::uint64_t input_length, const std::int64_t* next_access,
               bool counted) {
    // 1. Lookup, pinning the hits as they are found.
    std::uint64_t k = 0;
    for (; k < n; ++k) {
      const SizedObject* obj = dict_.find(blocks[k]);
      if (obj == nullptr) break;
      pins_.pin(blocks[k], obj->size);
    }
    // The resident blocks after the broken prefix are the request's too.
    for (std::uint64_t i = k + 1; i < n; ++i) {
      if (const SizedObject* obj = dict_.find(blocks[i])) {
        pins_.pin(blocks[i], obj->size);
      }
    }
    // 2. Touch the hits in reverse.
    for (std::uint64_t i = k; i-- > 0;) {
      if constexpr (kFuture) evictor_.set_next_access(next_access[i]);
      hit_if_resident(evictor_, dict_, blocks[i]);
    }
    // Tokens of block i: 512, except the last, which holds the rest.
    auto block_tokens = [&](std::uint64_t i) {
      return i + 1 < n ? kKvBlockTokens
                       : input_length - kKvBlockTokens * (n - 1);
    };
    if (counted) {
      ++r_.n_req;
      r_.n_block += n;
      r_.n_block_hit += k;
      r_.n_token += input_length;
      // Every hit block but possibly the last of the request holds 512.
      const std::uint64_t hit_tokens =
          k == 0 ? 0 : (k - 1) * kKvBlockTokens + block_tokens(k - 1);
      r_.n_token_hit += hit_tokens;
      r_.n_byte += input_length * bpt_;
      r_.n_byte_hit += hit_tokens * bpt_;
    }
    // 3. Store the rest. A block not pinned here is absent: every resident
    // block of the request was pinned above, pinned blocks are never
    // evicted, and a stored one is pinned at once (a repeated id is then
    // skipped).
    for (std::uint64_t i = k; i < n; ++i) {
      const std::uint64_t key = blocks[i];
      if (pins_.pinned(key)) continue;
      const auto bytes = static_cast<std::int64_t>(block_tokens(i) * bpt_);
      if constexpr (kFuture) evictor_.set_next_access(next_access[i]);
      const std::size_t before = dict_.size();
      SizedObject value{bytes};
      auto make_value = [&]() -> SizedObject&& { return std::move(value); };
      const PutStatus status = put_best_effort(evictor_, dict_, key, bytes,
                                               scratch_, pins_, make_value);
      // The victims are gone whether or not the block was stored.
      if (counted) r_.n_evict += scratch_.evict_keys.size();
      if (status == PutStatus::kIllegal) {
        if (counted) ++r_.n_store_failure;
        break;
      }
      // A policy may decline an insert after its evictions (s3fifo: a block
      // not smaller than its small queue): then nothing is stored and the
      // store phase goes on.
      if (dict_.size() + scratch_.evict_keys.size() == before + 1) {
        if (counted) ++r_.n_store;
        pins_.pin(key, bytes);
      }
    }
    pins_.unpin_all();
  }

  // The counters so far (`seconds` is left to the caller).
  const KvSimResult& result() const { return r_; }
  KvSimResult& result() { return r_; }
  const SimDict& dict() const { return dict_; }
  const Evictor& evictor() const { return evictor_; }
  // The victims of the last block store tried (in this request or an
  // earlier one), in eviction order, a failed store's included. For tests
  // and tools; valid until the next request().
  const std::vector<std::uint64_t>& last_victims() const {
    return scratch_.evict_keys;
  }

 private:
  Evictor evictor_;
  SimDict dict_;
  PutResult<std::uint64_t> scratch_;
  KvPins pins_;  // this request's blocks, all unpinned when it ends
  std::uint64_t bpt_;
  KvSimResult r_;
};

// REQUIRES: 1 <= cache_size <= kMaxCapacity; options checked by
// check_kv_options (kv_simulator.h); for a policy that needs the future,
// trace.has_next_access. Throws ConfigError for a bad parameter.
template <class Policy>
KvSimResult kv_replay(const KvTrace& trace, std::uint64_t cache_size,
                      const KvSimOptions& options,
                      const PolicyParams& params = {}) {
  KvReplayer<Policy> replayer(cache_size, options.bytes_per_token, params);
  const std::size_t n_req = trace.size();
  const auto warmup = static_cast<std::size_t>(
      std::floor(static_cast<double>(n_req) * options.warmup_frac));
  const auto start = std::chrono::steady_clock::now();
  for (std::size_t q = 0; q < n_req; ++q) {
    const std::uint64_t begin = trace.offsets[q];
    replayer.request(trace.blocks.data() + begin, trace.offsets[q + 1] - begin,
                     trace.input_length[q],
                     KvReplayer<Policy>::kFuture
                         ? trace.next_access.data() + begin
                         : nullptr,
                     q >= warmup);
  }
  KvSimResult r = replayer.result();
  r.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  return r;
}

}  // namespace evictlab::sim

#endif  // EVICTLAB_SIM_KV_REPLAY_H_
