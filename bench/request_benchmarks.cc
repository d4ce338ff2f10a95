// BM_Request/<policy>/dict:<default>/kvobj/<key>/entries:<n>/chunks:<N>/
// hits:<f>: one request of a serving engine, as LMCache retrieves and then
// stores it, per operation:
//   1. build the request's N keys from their parts (key_parts.h);
//   2. lookup: the longest prefix of resident keys (`contains`), pinning
//      them, and pin any resident key after the broken prefix;
//   3. touch the hits in reverse, last chunk first (update_on_get);
//   4. store the misses in order through the one caller loop (caller.h
//      put_blocking, the caller's removals included) with the request's
//      keys pinned, so that a request never evicts its own chunks (the KV
//      simulator's request loop, include/evictlab/sim/kv_replay.h, with keys
//      instead of block numbers); unpin all.
// The cost a serving engineer compares with prefill is this, per request.
//
// Workload (steady state): the cache holds n objects of kObjectBytes and is
// full. Every request begins with the same round(f * N) chunks (a shared
// system prompt), resident since the first request and pinned by every
// request that could evict them, so each request hits exactly those; its
// other chunks are new content, never seen before: their chunk hash is a
// running 64-bit counter in 16 hex digits followed by 48 zeros (the engine
// hashes the new tokens; writing 16 digits stands for that here, and the
// Python side does the same). So the prefix never grows, whatever a policy
// keeps. A policy that never evicts (dummy) grows by the misses of every
// request, as it would in a server. Before timing, one request is checked:
// exactly the prefix hits, every miss is stored with one eviction each
// (none for a policy that never evicts), and the request's keys are all
// resident after it; after timing, every request hit exactly the prefix.
//
// Every policy over the default dict; kvobj values; cek and hcek keys (the
// keys LMCache builds); n = 2^10 and 2^14 when registered (LMCache's CPU
// caches hold hundreds to thousands of chunks of several MB each).
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <memory>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "bench/cache_benchmarks.h"
#include "bench/common/cache_state.h"
#include "bench/common/futures.h"
#include "bench/common/key_parts.h"
#include "bench/common/registry.h"
#include "evictlab/caller.h"
#include "evictlab/key.h"
#include "evictlab/pins.h"

namespace evictlab::bench {
namespace {

constexpr std::size_t kRequestEntries[] = {1 << 10, 1 << 14};
constexpr std::size_t kChunks[] = {8, 32, 128};
// The hit fractions and how the names spell them.
constexpr std::pair<double, const char*> kHitFractions[] = {
    {0.0, "0"}, {0.5, "0.5"}, {1.0, "1"}};

// The current request's pins (pins.h RequestPins, the KV simulator's
// stamped table): its slots hold the addresses of the request's own keys
// (`keys_`, alive until the next request), so pinning copies no key, as
// LMCache pins the stored object rather than its key; unpin_all() is O(1).
// Every object is kObjectBytes.
template <class K>
using KeyPins = RequestPins<K, KeyHash<K>, PinByAddress<K>>;

struct RequestCounts {
  std::size_t hits = 0, stores = 0, evictions = 0;
  bool illegal = false;
};

template <class Combo, class K>
class RequestCache {
 public:
  using Policy = typename Combo::Policy;
  using Dict = typename Combo::template Dict<K, KVObject>;
  using Evictor = typename Combo::template Evictor<K, KVObject>;

  RequestCache(std::size_t n, std::size_t chunks, std::size_t prefix)
      : n_(n),
        chunks_(chunks),
        prefix_(prefix),
        miss_hash_(64, '0'),
        evictor_(static_cast<double>(n) * kObjectBytes / 1073741824.0),
        spare_(object_pool(KVKind::kKVObj, n)[0]) {
    // Hashes: [0, chunks) the shared prefix, then the n keys the cache is
    // filled with (workload.h chunk_hash: never a counter's text).
    hashes_.reserve(chunks + n);
    for (std::size_t i = 0; i < chunks + n; ++i) {
      hashes_.push_back(chunk_hash(i));
    }
    keys_.reserve(chunks);
    free_.reserve(chunks + 8);
    PutResult<K> scratch;
    for (std::size_t i = 0; i < n; ++i) {
      tell_future<Policy>(evictor_, op_++);
      put_blocking(evictor_, dict_, build_key<K>(hashes_[chunks + i]), spare_,
                   kObjectBytes, scratch);
    }
  }

  std::size_t chunks() const { return chunks_; }
  std::size_t prefix() const { return prefix_; }
  std::size_t n() const { return n_; }

  // One request (see the file comment). Allocation: the keys and their
  // copies in the dict; the scratch vectors, pins and free objects keep
  // their capacity.
  RequestCounts request() {
    RequestCounts c;
    keys_.clear();
    for (std::size_t j = 0; j < prefix_; ++j) {
      keys_.push_back(build_key<K>(hashes_[j]));
    }
    for (std::size_t j = prefix_; j < chunks_; ++j) {
      std::uint64_t m = next_miss_++;
      for (int d = 15; d >= 0; --d, m >>= 4) {
        miss_hash_[static_cast<std::size_t>(d)] = "0123456789abcdef"[m & 15];
      }
      keys_.push_back(build_key<K>(miss_hash_));
    }
    std::size_t k = 0;
    for (; k < chunks_ && dict_.contains(keys_[k]); ++k) {
      pins_.pin(keys_[k], kObjectBytes);
    }
    for (std::size_t i = k + 1; i < chunks_; ++i) {
      if (dict_.contains(keys_[i])) pins_.pin(keys_[i], kObjectBytes);
    }
    for (std::size_t i = k; i-- > 0;) {
      tell_future<Policy>(evictor_, op_++);
      evictor_.update_on_get(keys_[i], dict_);
    }
    c.hits = k;
    for (std::size_t i = k; i < chunks_; ++i) {
      const K& key = keys_[i];
      if (pins_.pinned(key)) continue;
      tell_future<Policy>(evictor_, op_++);
      const std::size_t before = dict_.size();
      auto make_value = [&]() -> KVObject&& {
        if (free_.empty()) free_.push_back(spare_);
        value_ = std::move(free_.back());
        free_.pop_back();
        return std::move(value_);
      };
      auto on_removed = [&](KVObject&& removed) {
        free_.push_back(std::move(removed));
      };
      PutStatus status;
      // A policy that never evicts has no victims to keep pins from (and
      // its evictor takes none).
      if constexpr (Policy::kTraits.evicts) {
        status = put_blocking(evictor_, dict_, key, kObjectBytes, scratch_,
                              pins_, make_value, on_removed);
      } else {
        status = put_blocking(evictor_, dict_, key, kObjectBytes, scratch_,
                              make_value, on_removed);
      }
      if (status == PutStatus::kIllegal) {
        c.illegal = true;
        break;
      }
      c.evictions += scratch_.evict_keys.size();
      if (dict_.size() + scratch_.evict_keys.size() == before + 1) {
        ++c.stores;
        pins_.pin(key, kObjectBytes);
      }
    }
    pins_.unpin_all();
    return c;
  }

  bool all_resident() const {
    for (const K& k : keys_) {
      if (!dict_.contains(k)) return false;
    }
    return true;
  }
  std::size_t size() const { return dict_.size(); }

 private:
  std::size_t n_, chunks_, prefix_;
  std::vector<std::string> hashes_;
  std::string miss_hash_;
  Dict dict_;
  Evictor evictor_;
  std::vector<K> keys_;
  KeyPins<K> pins_;
  PutResult<K> scratch_;
  KVObject spare_, value_;
  std::vector<KVObject> free_;
  std::uint64_t next_miss_ = 0;
  std::size_t op_ = 0;
};

template <class Combo, class K>
void BM_Request(benchmark::State& bm, std::size_t n, std::size_t chunks,
                double fraction) {
  constexpr PolicyTraits kTraits = Combo::Policy::kTraits;
  const auto prefix = static_cast<std::size_t>(
      std::lround(fraction * static_cast<double>(chunks)));
  // Google Benchmark calls a case several times (growing the iteration
  // count, then once per repetition): the cache of the last call is kept
  // and carries on from its steady state; another case builds its own.
  static std::unique_ptr<RequestCache<Combo, K>> kept;
  if (!kept || kept->n() != n || kept->chunks() != chunks ||
      kept->prefix() != prefix) {
    kept.reset();  // the old cache's memory first
    kept = std::make_unique<RequestCache<Combo, K>>(n, chunks, prefix);
    kept->request();  // stores the prefix
  }
  RequestCache<Combo, K>& cache = *kept;
  // The next request is checked.
  const std::size_t size_before = cache.size();
  const RequestCounts c = cache.request();
  const std::size_t misses = chunks - prefix;
  const bool sizes_ok =
      kTraits.evicts ? cache.size() == n && c.evictions == misses
                     : cache.size() == size_before + misses && c.evictions == 0;
  if (c.illegal || c.hits != prefix || c.stores != misses || !sizes_ok ||
      !cache.all_resident()) {
    bm.SkipWithError(
        fmt::format("request: {} hits (want {}), {} stores (want {}), {} "
                    "evictions, {} entries (cache {}){}",
                    c.hits, prefix, c.stores, misses, c.evictions, cache.size(),
                    n, c.illegal ? ", a put was ILLEGAL" : "")
            .c_str());
    return;
  }
  std::size_t hits = 0, stores = 0, evictions = 0;
  bool illegal = false;
  {
    MeasuredRegion region;
    for (auto _ : bm) {
      const RequestCounts r = cache.request();
      hits += r.hits;
      stores += r.stores;
      evictions += r.evictions;
      illegal |= r.illegal;
    }
  }
  const auto iters = static_cast<std::size_t>(bm.iterations());
  if (illegal || hits != prefix * iters) {
    bm.SkipWithError(
        fmt::format("while timing: {} hits in {} requests (want {} each){}",
                    hits, iters, prefix, illegal ? ", a put was ILLEGAL" : "")
            .c_str());
    return;
  }
  bm.SetItemsProcessed(bm.iterations());
  using benchmark::Counter;
  bm.counters["chunks"] = Counter(static_cast<double>(chunks));
  bm.counters["hits"] =
      Counter(static_cast<double>(hits), Counter::kAvgIterations);
  bm.counters["stores"] =
      Counter(static_cast<double>(stores), Counter::kAvgIterations);
  bm.counters["evictions"] =
      Counter(static_cast<double>(evictions), Counter::kAvgIterations);
}

template <class Combo, class K>
void register_for(const std::vector<std::size_t>& entries) {
  for (std::size_t n : entries) {
    if (std::find(std::begin(kRequestEntries), std::end(kRequestEntries), n) ==
        std::end(kRequestEntries)) {
      continue;
    }
    for (std::size_t chunks : kChunks) {
      for (const auto& [f, spelled] : kHitFractions) {
        add(Case{"Request", std::string(Combo::Policy::kTraits.name),
                 std::string(Combo::DictSel::kName),
                 std::string(kv_name(KVKind::kKVObj)),
                 std::string(key_name(key_kind_of<K>())), n,
                 fmt::format("chunks:{}/hits:{}", chunks, spelled)},
            [=, f = f](benchmark::State& bm) {
              BM_Request<Combo, K>(bm, n, chunks, f);
            });
      }
    }
  }
}

template <class... Policies>
void register_all(std::tuple<Policies...>*,
                  const std::vector<std::size_t>& entries) {
  (register_for<PolicyOverDict<Policies, DefaultDict>, CacheEngineKey>(entries),
   ...);
  (register_for<PolicyOverDict<Policies, DefaultDict>,
                HashedKey<CacheEngineKey>>(entries),
   ...);
}

}  // namespace

void register_request_benchmarks(const std::vector<std::size_t>& entries) {
  register_all(static_cast<AllPolicies*>(nullptr), entries);
}

}  // namespace evictlab::bench
