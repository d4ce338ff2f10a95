// The Python binding `import evictlab` (issue 15): the registry's policies in
// the shapes Python serving engines call, and the simulator's request loop.
//
//   evictlab.vllm.<NAME>(cache_capacity)   vLLM KV offload's CachePolicy
//   evictlab.lmcache.<NAME>(capacity=2**53) LMCache v1's BaseCachePolicy
//   evictlab.lmcache.LRUEvictor / DummyEvictor   LMCache v0's evictors
//   evictlab.kv.<NAME>(cache_size)          the KV simulator's request loop
//                                           (sim/kv_replay.h), per block
//                                           or per request
//
// Every class of the three policy namespaces is one instantiation of Core
// below over a registry policy (registry.h), chosen by its traits: no policy
// is named here, so a policy added to the registry appears in Python without
// an edit to this file. NAME is the registry name upper-cased (`lru_strict`
// is LRU_STRICT; python/evictlab/vllm.py adds the alias LRU).
//
// Keys: `bytes` or `int` (in [-2**63, 2**64)); both kinds may be mixed, and
// a key comes back as the type it went in. Internally a key is a tagged
// std::string (a tag byte, then the bytes or the 8-byte integer), so one
// instantiation per policy serves both; an int key stays within the string's
// inline buffer (no allocation).
//
// GIL and threads: every Core has a std::mutex taken by every method, so two
// Python threads may call one object (calls are serialized). Calls that
// touch no Python object while they run (lookup, touch, and the kv shape's
// store) convert their arguments first, then release the GIL around the C++
// work (py::gil_scoped_release; the kv shape's only for lists of
// kReleaseGilFrom keys or more, below which releasing costs more than the
// work), and rebuild Python results after taking the GIL back. Calls that read
// Python objects (evict reads each candidate's ref_cnt, get_evict_candidates
// each entry's can_evict) keep the GIL. Lock order: nobody waits for a Core's
// mutex while holding the GIL (GilFreeLock lets it go while waiting), so the
// mutex's holder may wait for the GIL (the interpreter hands the GIL around
// even inside a Python property).
//
// Errors: a wrong argument type raises TypeError, a bad value ValueError
// (naming the argument), an absent key KeyError; the policies' own C++
// exceptions become ValueError (ConfigError) or RuntimeError. Nothing
// crashes the interpreter.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cctype>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/base/optimization.h"
#include "absl/container/flat_hash_set.h"
#include "evictlab/cache_limit.h"
#include "evictlab/caller.h"
#include "evictlab/errors.h"
#include "evictlab/evictor.h"
#include "evictlab/kv_object.h"
#include "evictlab/pins.h"
#include "evictlab/policy_params.h"
#include "evictlab/registry.h"
#include "evictlab/sim/kv_replay.h"
#include "evictlab/sim/kv_trace.h"
#include "evictlab/synchronized_cache.h"
#include "fmt/format.h"

namespace py = pybind11;

namespace evictlab::python {
namespace {

// The largest capacity: the evictors' limits are exact below 2^53 bytes.
constexpr std::int64_t kMaxCapacity = std::int64_t{1} << 53;

// ---------------------------------------------------------------------------
// Keys.

constexpr char kBytesTag = 'b';
constexpr char kUIntTag = 'u';  // an int in [0, 2^64)
constexpr char kNegTag = 'n';   // an int in [-2^63, 0)

std::string type_name(py::handle h) { return Py_TYPE(h.ptr())->tp_name; }

// KeyError(key), as a dict raises it.
[[noreturn]] void throw_key_error(py::handle key) {
  PyErr_SetObject(PyExc_KeyError, key.ptr());
  throw py::error_already_set();
}

// `what` names the argument in errors, with `index` when >= 0 ("touch:
// keys[3]"); the name is only formatted on an error (formatting it per key
// cost more than the policy's work).
std::string where(std::string_view what, std::ptrdiff_t index) {
  return index < 0 ? std::string(what) : fmt::format("{}[{}]", what, index);
}

std::string encode_key(py::handle key, std::string_view what,
                       std::ptrdiff_t index = -1) {
  PyObject* o = key.ptr();
  if (PyBytes_Check(o)) {
    std::string s;
    const Py_ssize_t n = PyBytes_GET_SIZE(o);
    s.reserve(static_cast<std::size_t>(n) + 1);
    s.push_back(kBytesTag);
    s.append(PyBytes_AS_STRING(o), static_cast<std::size_t>(n));
    return s;
  }
  if (PyLong_Check(o) && !PyBool_Check(o)) {
    int overflow = 0;
    const long long v = PyLong_AsLongLongAndOverflow(o, &overflow);
    std::uint64_t u = 0;
    char tag = kUIntTag;
    if (overflow == 0) {
      u = static_cast<std::uint64_t>(v);
      tag = v < 0 ? kNegTag : kUIntTag;
    } else if (overflow > 0) {
      u = PyLong_AsUnsignedLongLong(o);
      if (PyErr_Occurred()) {
        PyErr_Clear();
        u = ~std::uint64_t{0};
        overflow = 2;
      }
    }
    if (overflow < 0 || overflow == 2) {
      throw py::value_error(
          fmt::format("{}: int key {} is outside [-2**63, 2**64)",
                      where(what, index), std::string(py::repr(key))));
    }
    std::string s(9, '\0');
    s[0] = tag;
    std::memcpy(&s[1], &u, 8);
    return s;
  }
  throw py::type_error(fmt::format("{}: a key is bytes or int, not {}",
                                   where(what, index), type_name(key)));
}

py::object decode_key(const std::string& s) {
  if (s[0] == kBytesTag) return py::bytes(s.data() + 1, s.size() - 1);
  std::uint64_t u = 0;
  std::memcpy(&u, &s[1], 8);
  if (s[0] == kNegTag) {
    return py::reinterpret_steal<py::object>(
        PyLong_FromLongLong(static_cast<long long>(u)));
  }
  return py::reinterpret_steal<py::object>(PyLong_FromUnsignedLongLong(u));
}

// The keys of a list, tuple or other iterable, in order.
std::vector<std::string> encode_keys(py::handle keys, std::string_view what) {
  std::vector<std::string> out;
  if (PyList_Check(keys.ptr()) || PyTuple_Check(keys.ptr())) {
    const Py_ssize_t n = PySequence_Fast_GET_SIZE(keys.ptr());
    out.reserve(static_cast<std::size_t>(n));
    for (Py_ssize_t i = 0; i < n; ++i) {
      out.push_back(
          encode_key(PySequence_Fast_GET_ITEM(keys.ptr(), i), what, i));
    }
    return out;
  }
  if (!py::isinstance<py::iterable>(keys) || PyBytes_Check(keys.ptr())) {
    throw py::type_error(fmt::format("{}: expected an iterable of keys, not {}",
                                     what, type_name(keys)));
  }
  std::ptrdiff_t i = 0;
  for (py::handle key : py::reinterpret_borrow<py::iterable>(keys)) {
    out.push_back(encode_key(key, what, i++));
  }
  return out;
}

// The kv shape's keys: block ids, ints in [0, 2^64), as the simulator's.
std::uint64_t encode_id(py::handle key, std::string_view what,
                        std::ptrdiff_t index = -1) {
  PyObject* o = key.ptr();
  if (!PyLong_Check(o) || PyBool_Check(o)) {
    throw py::type_error(fmt::format("{}: a block id is an int, not {}",
                                     where(what, index), type_name(key)));
  }
  const unsigned long long u = PyLong_AsUnsignedLongLong(o);
  if (u == static_cast<unsigned long long>(-1) && PyErr_Occurred()) {
    PyErr_Clear();
    throw py::value_error(fmt::format("{}: block id {} is outside [0, 2**64)",
                                      where(what, index),
                                      std::string(py::repr(key))));
  }
  return u;
}

py::object decode_id(std::uint64_t id) {
  return py::reinterpret_steal<py::object>(PyLong_FromUnsignedLongLong(id));
}

// encode_id for one element of a batch: an exact int in [0, 2^64) takes
// one C call (CPython reads a one-digit int directly); anything else (an
// int subclass, bool, a value out of range, another type) goes through
// encode_id, which raises its errors.
inline std::uint64_t id_at(PyObject* o, std::string_view what,
                           Py_ssize_t index) {
  if (ABSL_PREDICT_TRUE(PyLong_CheckExact(o))) {
    const unsigned long long u = PyLong_AsUnsignedLongLong(o);
    if (ABSL_PREDICT_TRUE(u != static_cast<unsigned long long>(-1) ||
                          !PyErr_Occurred())) {
      return u;
    }
    PyErr_Clear();
  }
  return encode_id(o, what, index);
}

// The block ids of a list or tuple, into `out` (resized to their count), so
// that a caller reusing `out` (KvScratch) allocates nothing per call.
void encode_ids_into(py::handle keys, std::string_view what,
                     std::vector<std::uint64_t>& out) {
  PyObject* seq = keys.ptr();
  if (!PyList_Check(seq) && !PyTuple_Check(seq)) {
    throw py::type_error(
        fmt::format("{}: expected a list or tuple of block ids, not {}", what,
                    type_name(keys)));
  }
  const Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
  out.resize(static_cast<std::size_t>(n));
  PyObject** items = PySequence_Fast_ITEMS(seq);
  for (Py_ssize_t i = 0; i < n; ++i) {
    out[static_cast<std::size_t>(i)] = id_at(items[i], what, i);
  }
}

std::vector<std::uint64_t> encode_ids(py::handle keys, std::string_view what) {
  std::vector<std::uint64_t> out;
  encode_ids_into(keys, what, out);
  return out;
}

// A list or tuple of ints (sizes, next accesses) of exactly `n` entries,
// each at least `lo`, into `out` (resized to n; see encode_ids_into).
void int_list_into(py::handle seq, std::size_t n, std::string_view what,
                   std::int64_t lo, std::vector<std::int64_t>& out) {
  PyObject* list = seq.ptr();
  if (!PyList_Check(list) && !PyTuple_Check(list)) {
    throw py::type_error(fmt::format("{}: expected a list of int, not {}", what,
                                     type_name(seq)));
  }
  const auto size = static_cast<std::size_t>(PySequence_Fast_GET_SIZE(list));
  if (size != n) {
    throw py::value_error(
        fmt::format("{}: has {} entries, the keys {}", what, size, n));
  }
  out.resize(n);
  PyObject** items = PySequence_Fast_ITEMS(list);
  for (std::size_t i = 0; i < n; ++i) {
    PyObject* o = items[i];
    if (!PyLong_Check(o) || PyBool_Check(o)) {
      throw py::type_error(fmt::format("{}[{}]: expected int, not {}", what, i,
                                       Py_TYPE(o)->tp_name));
    }
    const long long v = PyLong_AsLongLong(o);
    if ((v == -1 && PyErr_Occurred()) || v < lo) {
      PyErr_Clear();
      throw py::value_error(fmt::format("{}[{}]: {} is below {} or too large",
                                        what, i, std::string(py::repr(o)), lo));
    }
    out[i] = v;
  }
}

std::vector<std::int64_t> int_list(py::handle seq, std::size_t n,
                                   std::string_view what, std::int64_t lo) {
  std::vector<std::int64_t> out;
  int_list_into(seq, n, what, lo, out);
  return out;
}

std::int64_t check_capacity(std::int64_t capacity, std::string_view what) {
  if (capacity < 1 || capacity > kMaxCapacity) {
    throw py::value_error(
        fmt::format("{}: {} is outside [1, 2**53]", what, capacity));
  }
  return capacity;
}

// Takes `mu` for the scope without holding the GIL while it waits: a thread
// that holds a Core's mutex may run Python code (a can_evict property) and
// so wait for the GIL, hence nobody may wait for the mutex while holding
// the GIL. REQUIRES: the GIL held on construction.
class GilFreeLock {
 public:
  explicit GilFreeLock(std::mutex& mu) : mu_(mu) {
    if (!mu_.try_lock()) {
      py::gil_scoped_release nogil;
      mu_.lock();
    }
  }
  GilFreeLock(const GilFreeLock&) = delete;
  GilFreeLock& operator=(const GilFreeLock&) = delete;
  ~GilFreeLock() { mu_.unlock(); }

 private:
  std::mutex& mu_;
};

// The kv shape's batched calls convert their lists into these vectors, one
// set per thread, kept between calls: a call allocates nothing once they
// have grown to the longest request. Only the calling thread touches its
// own set (with or without the GIL), and no call nests in another.
struct KvScratch {
  std::vector<std::uint64_t> ids;
  std::vector<std::int64_t> sizes;
  std::vector<std::int64_t> next_access;
  std::vector<std::uint64_t> victims;
};
KvScratch& kv_scratch() {
  thread_local KvScratch scratch;
  return scratch;
}

// PERFORMANCE: releasing the GIL and taking it back costs ~24 ns per call
// (a scratch pybind11 method with and without py::gil_scoped_release: 168
// against 144 ns, thread CPU time, on this loaded 2-core machine), more
// than the C++ work of a short request's lookup; and a short call holds
// the GIL only briefly anyway. So a batched call releases it from this many
// keys on, and below takes the object's mutex with the GIL held
// (GilFreeLock), so that the lock order stays as the header says.
constexpr std::size_t kReleaseGilFrom = 64;

// The GIL released for the scope when `release`, and the object's mutex
// held either way (by the rules of GilFreeLock). REQUIRES: the GIL held on
// construction.
class KvCallLock {
 public:
  KvCallLock(std::mutex& mu, bool release) {
    if (release) {
      nogil_.emplace();
      mu.lock();
      locked_ = &mu;
    } else {
      held_.emplace(mu);
    }
  }
  KvCallLock(const KvCallLock&) = delete;
  KvCallLock& operator=(const KvCallLock&) = delete;
  ~KvCallLock() {
    if (locked_ != nullptr) locked_->unlock();
  }

 private:
  std::optional<py::gil_scoped_release> nogil_;  // destroyed last
  std::mutex* locked_ = nullptr;
  std::optional<GilFreeLock> held_;
};

// ---------------------------------------------------------------------------
// Values: a block's size (what the policies account) and, in the vLLM shape,
// the engine's BlockStatus object. A Block is created, moved and destroyed
// with the GIL held whenever `status` is set; with the GIL released only
// blocks without a status (the kv shape's) are created or destroyed, and a
// move of a py::object touches no reference count.
struct Block : SizedObject {
  py::object status;
};

// Whether a vLLM BlockStatus may be evicted: ref_cnt == 0 (vLLM:
// ref_cnt > 0 is the number of transfers reading the block, -1 a block not
// yet stored), so both in-flight loads and unfinished stores keep a block.
// A block without a status (None) is evictable. Never throws: an object
// whose ref_cnt cannot be read as an int counts as in use. REQUIRES: GIL.
bool vllm_evictable(const Block& block) {
  if (!block.status || block.status.is_none()) return true;
  PyObject* ref = PyObject_GetAttrString(block.status.ptr(), "ref_cnt");
  if (ref == nullptr) {
    PyErr_Clear();
    return false;
  }
  const long v = PyLong_AsLong(ref);
  Py_DECREF(ref);
  if (PyErr_Occurred()) {
    PyErr_Clear();
    return false;
  }
  return v == 0;
}

// ---------------------------------------------------------------------------
// Core<Policy, Shape>: one registry policy over the default dict, with pins,
// and a mutex. Sizes are in the caller's units (vLLM: blocks; the kv shape:
// bytes). `Shape` only makes each Python class its own C++ type (pybind11
// registers a type once).
enum class Shape { kVllm, kLMCache, kKv };

template <class Policy, Shape kShape, class K = std::string>
class Core {
 public:
  using Key = K;
  using Dict = DefaultDict::Type<K, Block>;
  using Evictor = typename Policy::template Evictor<Dict>;
  static constexpr PolicyTraits kTraits = Policy::kTraits;
  static constexpr bool kFuture = kTraits.needs_future_knowledge;

  explicit Core(std::int64_t capacity)
      : capacity_(capacity),
        evictor_(make_evictor<Evictor>(
            static_cast<double>(capacity) / 1073741824.0, PolicyParams{})) {}
  Core(const Core&) = delete;
  Core& operator=(const Core&) = delete;

  std::int64_t capacity() const { return capacity_; }
  std::mutex& mu() const { return mu_; }

  // REQUIRES (all below): mu() held.
  Dict& dict() { return dict_; }
  Evictor& evictor() { return evictor_; }
  KeySetPins<K>& pins() { return pins_; }
  // The pins of the batched store's request (kv shape), emptied at its end.
  RequestPins<K>& request_pins() { return request_pins_; }

  // The occupancy as the policy counts it.
  std::int64_t used() const {
    if constexpr (kKeepsCurrentSize<Evictor> && kTraits.exact_accounting) {
      return evictor_.current_cache_size();
    } else {
      // The reference lru keeps a double the caller's removals never reach;
      // the dict's own sum is the truth (O(n), tests only).
      std::int64_t sum = 0;
      for (const auto item : const_cast<Dict&>(dict_)) sum += item.value.size;
      return sum;
    }
  }

  void tell(std::int64_t next_access) {
    if constexpr (kFuture) {
      evictor_.set_next_access(next_access);
    } else {
      (void)next_access;
    }
  }

  // The longest resident prefix of `keys`. No promotion.
  std::size_t lookup(const std::vector<K>& keys) const {
    std::size_t k = 0;
    while (k < keys.size() && dict_.contains(keys[k])) ++k;
    return k;
  }

  // vLLM's touch: the hit rule for each resident key, last key first.
  void touch(const std::vector<K>& keys,
             const std::vector<std::int64_t>* next_access) {
    for (std::size_t i = keys.size(); i-- > 0;) {
      if (next_access != nullptr) tell((*next_access)[i]);
      hit_if_resident(evictor_, dict_, keys[i]);
    }
  }

  // The caller loop (caller.h) with this object's pins: ILLEGAL (nothing
  // changed) or LEGAL; `removed` receives the old object (if `key` was
  // resident) and the victims' objects; the victims' keys stay in
  // scratch().evict_keys until the next put.
  template <class OnRemoved>
  PutStatus put(const K& key, Block value, OnRemoved&& removed) {
    if (pins_.pinned(key)) return PutStatus::kIllegal;
    const std::int64_t size = value.size;
    auto make = [&]() -> Block&& { return std::move(value); };
    // (The reference lru takes pins through its own decide overload.)
    return put_blocking(evictor_, dict_, key, size, scratch_, pins_, make,
                        removed);
  }
  // SIM-SPEC 5's store of a missing block (caller.h put_best_effort): the
  // victims chosen are removed whatever the outcome, as the simulator's
  // KvReplayer does; on ILLEGAL the block is not stored. REQUIRES: `key` is
  // not resident.
  PutStatus put_best_effort(const K& key, Block value) {
    return put_best_effort(key, std::move(value), pins_);
  }
  // The same under other pins (the batched store's BothPins).
  template <class Pins>
  PutStatus put_best_effort(const K& key, Block value, const Pins& pins) {
    const std::int64_t size = value.size;
    auto make = [&]() -> Block&& { return std::move(value); };
    return evictlab::put_best_effort(evictor_, dict_, key, size, scratch_, pins,
                                     make);
  }
  const PutResult<K>& scratch() const { return scratch_; }
  std::vector<K>& candidates() { return candidates_; }

 private:
  const std::int64_t capacity_;
  mutable std::mutex mu_;
  Dict dict_;
  Evictor evictor_;
  KeySetPins<K> pins_;
  RequestPins<K> request_pins_;
  PutResult<K> scratch_;
  std::vector<K> candidates_;
};

// The pins of a batched store (kv shape): the caller's own (pin(), held
// across calls) and the request's (RequestPins, pinned by the store and
// all unpinned at its end). A key is in at most one of them (the store
// pins only keys the caller has not), so the bytes add up. unpin_epoch()
// moves whenever either set unpins (belady's walk keeps what it passed
// over only while it stays). REQUIRES: both outlive the view.
template <class K>
struct BothPins {
  const KeySetPins<K>* held;
  const RequestPins<K>* request;
  bool pinned(const K& key) const {
    return request->pinned(key) || (held->size() != 0 && held->pinned(key));
  }
  std::int64_t pinned_bytes() const {
    return held->pinned_bytes() + request->pinned_bytes();
  }
  PinEpoch unpin_epoch() const {
    return {request->unpin_epoch().object,
            request->unpin_epoch().unpins + held->unpin_epoch().unpins};
  }
};

// Pins of one vLLM evict call: `protected` plus every block whose status is
// not evictable. pinned_bytes() is only read by decide (puts), never by
// candidates(), which is all evict() calls. REQUIRES: GIL.
template <class Dict>
struct VllmEvictPins {
  const absl::flat_hash_set<std::string>* protected_keys;
  Dict* dict;
  bool pinned(const std::string& key) const {
    if (protected_keys->contains(key)) return true;
    const Block* block = dict->find(key);
    return block == nullptr || !vllm_evictable(*block);
  }
  std::int64_t pinned_bytes() const { return 0; }
};

// Pins of one LMCache get_evict_candidates call: an entry whose
// `cache_dict[key].can_evict` is false (or absent from cache_dict) is
// skipped. REQUIRES: GIL.
struct LMCachePins {
  py::handle cache_dict;
  bool pinned(const std::string& key) const {
    const py::object pykey = decode_key(key);
    PyObject* obj = PyObject_GetItem(cache_dict.ptr(), pykey.ptr());
    if (obj == nullptr) {
      PyErr_Clear();
      return true;
    }
    PyObject* flag = PyObject_GetAttrString(obj, "can_evict");
    Py_DECREF(obj);
    if (flag == nullptr) {
      PyErr_Clear();
      return true;
    }
    const int truth = PyObject_IsTrue(flag);
    Py_DECREF(flag);
    if (truth < 0) {
      PyErr_Clear();
      return true;
    }
    return truth == 0;
  }
  std::int64_t pinned_bytes() const { return 0; }
};

std::string class_name(std::string_view registry_name) {
  std::string out(registry_name);
  for (char& c : out) c = static_cast<char>(std::toupper(c));
  return out;
}

std::string policy_doc(const PolicyTraits& t, std::string_view shape) {
  return fmt::format(
      "The registry's `{}` policy ({}) in {}.\n\nOn a hit: {}. Victims: {}. "
      "Thread-safe: a per-object lock serializes the calls.",
      t.name, t.reproduces, shape,
      t.promotes_on_hit ? "promotes (or updates its per-entry state)"
                        : "changes nothing",
      t.victim_end == VictimEnd::kOldest   ? "from the oldest end"
      : t.victim_end == VictimEnd::kNewest ? "from the newest end"
                                           : "by the policy's own order");
}

// ---------------------------------------------------------------------------
// evictlab.vllm.<NAME>: vLLM's CachePolicy (vllm/v1/kv_offload/cpu/policies/
// base.py). Capacity and sizes count blocks.
template <class Policy>
void bind_vllm(py::module_& m) {
  using C = Core<Policy, Shape::kVllm>;
  const std::string name = class_name(Policy::kTraits.name);
  py::class_<C>(
      m, name.c_str(),
      policy_doc(Policy::kTraits, "vLLM KV offload's CachePolicy shape")
          .c_str())
      .def(py::init([](std::int64_t cache_capacity) {
             return new C(check_capacity(cache_capacity, "cache_capacity"));
           }),
           py::arg("cache_capacity"),
           "A policy for `cache_capacity` blocks (1 <= cache_capacity <= "
           "2**53).")
      .def(
          "get",
          [](C& self, py::handle key) -> py::object {
            const std::string k = encode_key(key, "get: key");
            GilFreeLock lock(self.mu());
            const Block* b = self.dict().find(k);
            if (b == nullptr || !b->status) return py::none();
            return b->status;
          },
          py::arg("key"),
          "The block stored under `key`, or None. Does not promote (vLLM's "
          "get is a lookup; touch is the hit). O(1).")
      .def(
          "insert",
          [](C& self, py::handle key, py::object block, std::int64_t size) {
            const std::string k = encode_key(key, "insert: key");
            if (size < 1) {
              throw py::value_error(
                  fmt::format("insert: size {} is below 1", size));
            }
            GilFreeLock lock(self.mu());
            const Block* old = self.dict().find(k);
            const std::int64_t after =
                self.used() - (old ? old->size : 0) + size;
            if (after > self.capacity()) {
              throw py::value_error(fmt::format(
                  "insert: no room for {} more block(s) ({} of {} used): "
                  "call evict first, as vLLM's manager does",
                  size, self.used(), self.capacity()));
            }
            std::vector<Block> removed;
            self.put(k, Block{{size}, std::move(block)},
                     [&](Block&& b) { removed.push_back(std::move(b)); });
          },
          py::arg("key"), py::arg("block"), py::arg("size") = 1,
          "Adds a newly allocated block (vLLM's insert; for ARC and S3-FIFO "
          "the miss path reads and clears the ghost entry). ValueError when "
          "there is no room: the caller evicts first. S3-FIFO may decline a "
          "block not smaller than its small queue (SIM-SPEC); get() then "
          "returns None. O(1) amortized.")
      .def(
          "remove",
          [](C& self, py::handle key) {
            const std::string k = encode_key(key, "remove: key");
            GilFreeLock lock(self.mu());
            if (!self.dict().contains(k)) {
              throw_key_error(key);
            }
            self.pins().unpin(k, self.dict().find(k)->size);
            Block gone = self.evictor().remove(self.dict(), k);
            (void)gone;
          },
          py::arg("key"),
          "Removes a block (after a failed store). KeyError if absent. O(1).")
      .def(
          "touch",
          [](C& self, py::handle keys, py::handle /*req_context*/) {
            const std::vector<std::string> ks =
                encode_keys(keys, "touch: keys");
            py::gil_scoped_release nogil;
            std::lock_guard<std::mutex> lock(self.mu());
            self.touch(ks, nullptr);
          },
          py::arg("keys"), py::arg("req_context") = py::none(),
          "Marks blocks as recently used: the policy's hit rule for each "
          "resident key, the last key first (vLLM's order, so the first "
          "block of a prefix ends the most recent); absent keys are skipped. "
          "One crossing for the whole list; the GIL is released while the "
          "policy runs. O(len(keys)).")
      .def(
          "evict",
          [](C& self, std::int64_t n, py::handle protected_keys) -> py::object {
            if (n < 0) {
              throw py::value_error(fmt::format("evict: n {} is negative", n));
            }
            absl::flat_hash_set<std::string> prot;
            if (!protected_keys.is_none()) {
              for (std::string& k :
                   encode_keys(protected_keys, "evict: protected")) {
                prot.insert(std::move(k));
              }
            }
            GilFreeLock lock(self.mu());
            py::list out;
            if (n == 0) return std::move(out);
            using Dict = typename C::Dict;
            const VllmEvictPins<Dict> pins{&prot, &self.dict()};
            // Atomic: count n evictable blocks first (any order will do).
            std::int64_t evictable = 0;
            for (const auto item : self.dict()) {
              if (!self.pins().pinned(item.key) && !pins.pinned(item.key) &&
                  ++evictable == n) {
                break;
              }
            }
            if (evictable < n) return py::none();
            struct Both {
              const VllmEvictPins<Dict>& a;
              const KeySetPins<std::string>& b;
              bool pinned(const std::string& k) const {
                return b.pinned(k) || a.pinned(k);
              }
              std::int64_t pinned_bytes() const { return 0; }
            } both{pins, self.pins()};
            auto& cand = self.candidates();
            self.evictor().candidates(self.dict(), static_cast<std::size_t>(n),
                                      both, cand);
            for (const std::string& k : cand) {
              Block b = self.evictor().remove(self.dict(), k);
              py::object status = b.status ? b.status : py::object(py::none());
              out.append(py::make_tuple(decode_key(k), std::move(status)));
            }
            if (static_cast<std::int64_t>(cand.size()) != n) {
              throw std::logic_error(fmt::format(
                  "evict: the policy found {} of {} victims that were counted "
                  "evictable (a bug in evictlab)",
                  cand.size(), n));
            }
            return std::move(out);
          },
          py::arg("n"), py::arg("protected") = py::none(),
          "Evicts exactly n blocks, skipping the keys in `protected` and "
          "every block whose status has ref_cnt != 0 (in use by a transfer, "
          "or not yet stored). Returns [(key, block), ...] in eviction order, "
          "or None, changing nothing, when fewer than n blocks are evictable. "
          "Reads each candidate's ref_cnt, a Python attribute, so it keeps "
          "the GIL. O(n + blocks passed over).")
      .def("__len__",
           [](C& self) {
             GilFreeLock lock(self.mu());
             return self.dict().size();
           })
      .def("__contains__",
           [](C& self, py::handle key) {
             const std::string k = encode_key(key, "in: key");
             GilFreeLock lock(self.mu());
             return self.dict().contains(k);
           })
      .def_property_readonly("cache_capacity", &C::capacity)
      .def_property_readonly(
          "used",
          [](C& self) {
            GilFreeLock lock(self.mu());
            return self.used();
          },
          "Blocks stored (the sum of their sizes).")
      .def(
          "clear",
          [](C& self) {
            GilFreeLock lock(self.mu());
            for (const std::string& k : self.dict().keys()) {
              Block gone = self.evictor().remove(self.dict(), k);
              (void)gone;
            }
          },
          "Removes every block, whatever its ref_cnt (vLLM's clear). The "
          "policy's adaptive state (ARC's target, ghosts) is kept.")
      .def(
          "mark_evictable", [](C&, py::handle) {}, py::arg("key"),
          "vLLM's hook for ref_cnt becoming 0: nothing to do (evict reads "
          "ref_cnt itself).")
      .def(
          "mark_non_evictable", [](C&, py::handle) {}, py::arg("key"),
          "vLLM's hook for ref_cnt leaving 0: nothing to do.")
      .def(
          "keys",
          [](C& self) {
            GilFreeLock lock(self.mu());
            py::list out;
            for (const std::string& k : self.dict().keys())
              out.append(decode_key(k));
            return out;
          },
          "The resident keys in the dict's order (oldest first for the "
          "order-in-dict policies). O(n).");
}

// ---------------------------------------------------------------------------
// evictlab.lmcache.<NAME>: LMCache v1's BaseCachePolicy
// (lmcache/v1/storage_backend/cache_policy/base_policy.py). The backend owns
// cache_dict; the policy keeps its own order of the same keys.
template <class Policy>
void bind_lmcache(py::module_& m) {
  using C = Core<Policy, Shape::kLMCache>;
  const std::string name = class_name(Policy::kTraits.name);
  py::class_<C>(
      m, name.c_str(),
      policy_doc(Policy::kTraits, "LMCache v1's BaseCachePolicy shape").c_str())
      .def(py::init([](std::int64_t capacity) {
             return new C(check_capacity(capacity, "capacity"));
           }),
           py::arg("capacity") = kMaxCapacity,
           "LMCache's policies take no capacity (the backend decides when to "
           "evict); `capacity` (entries) sizes ARC's and S3-FIFO's queues "
           "and bounds their ghost lists.")
      .def(
          "init_mutable_mapping", [](C&) { return py::dict(); },
          "A dict for the backend's cache_dict (this policy keeps its own "
          "order, so any mapping will do).")
      .def(
          "update_on_hit",
          [](C& self, py::handle key, py::handle /*cache_dict*/) {
            const std::string k = encode_key(key, "update_on_hit: key");
            GilFreeLock lock(self.mu());
            if (!hit_if_resident(self.evictor(), self.dict(), k)) {
              throw_key_error(key);
            }
          },
          py::arg("key"), py::arg("cache_dict"),
          "The hit rule for `key`. KeyError if the policy was never told of "
          "it (update_on_put). O(1) (LFU: O(1) amortized).")
      .def(
          "update_on_put",
          [](C& self, py::handle key) {
            const std::string k = encode_key(key, "update_on_put: key");
            GilFreeLock lock(self.mu());
            self.put(k, Block{{1}, py::object()}, [](Block&&) {});
          },
          py::arg("key"),
          "Records a stored key (the newest). A key already known keeps its "
          "state. O(1) amortized.")
      .def(
          "update_on_force_evict",
          [](C& self, py::handle key) {
            const std::string k = encode_key(key, "update_on_force_evict: key");
            GilFreeLock lock(self.mu());
            if (self.dict().contains(k)) {
              Block gone = self.evictor().remove(self.dict(), k);
              (void)gone;
            }
          },
          py::arg("key"),
          "Forgets `key` (a removal by the backend); no error if unknown.")
      .def(
          "get_evict_candidates",
          [](C& self, py::handle cache_dict, std::int64_t num_candidates) {
            if (num_candidates < 0) {
              throw py::value_error(fmt::format(
                  "get_evict_candidates: num_candidates {} is negative",
                  num_candidates));
            }
            GilFreeLock lock(self.mu());
            const LMCachePins pins{cache_dict};
            auto& cand = self.candidates();
            self.evictor().candidates(self.dict(),
                                      static_cast<std::size_t>(num_candidates),
                                      pins, cand);
            py::list out;
            for (const std::string& k : cand) {
              Block gone = self.evictor().remove(self.dict(), k);
              (void)gone;
              out.append(decode_key(k));
            }
            return out;
          },
          py::arg("cache_dict"), py::arg("num_candidates") = 1,
          "Up to num_candidates keys in eviction order, skipping entries "
          "whose cache_dict[key].can_evict is false; fewer when fewer are "
          "evictable (best effort, as LMCache). The candidates leave the "
          "policy's books: the backend removes them from cache_dict. Reads "
          "can_evict, so it keeps the GIL. O(candidates + entries passed).")
      .def("__len__",
           [](C& self) {
             GilFreeLock lock(self.mu());
             return self.dict().size();
           })
      .def(
          "keys",
          [](C& self) {
            GilFreeLock lock(self.mu());
            py::list out;
            for (const std::string& k : self.dict().keys())
              out.append(decode_key(k));
            return out;
          },
          "The known keys in the dict's order. O(n).");
}

// ---------------------------------------------------------------------------
// Fast methods: the kv shape's batched calls (lookup, touch, store) as
// CPython METH_FASTCALL | METH_KEYWORDS functions, attached to the pybind11
// class as method descriptors, instead of through pybind11's dispatcher.
//
// PERFORMANCE: the dispatcher costs ~115 ns per call above a Python
// lambda's (a scratch module on this loaded machine, thread CPU time: a
// pybind11 method taking one py::handle 144 ns, the same as a FASTCALL
// function 38 ns, a lambda 28 ns), which is more than the C++ work of an
// average Mooncake request's lookup. Callgrind of binding_kv.replay_batched
// (lru, the conversation trace) counted ~170 of its ~930 instructions per
// block reference in it: the argument vectors it allocates per call, the
// type lookup by std::type_index (which hashes the type's name), the
// thread-local loader state, tp_call. A fast method parses its arguments
// itself (positional or by keyword, as the stubs give them), finds its C++
// object without a type lookup, and translates exceptions through
// pybind11's translators, so it raises what the pybind11 method raised.

// Binds args[0 .. nargs) and the keywords to `params` (None for an
// optional one not given). Raises TypeError as CPython's own functions do.
void parse_fast_args(const char* method, const std::vector<const char*>& params,
                     std::size_t required, PyObject* const* args,
                     Py_ssize_t nargs, PyObject* kwnames, py::handle* out) {
  const std::size_t n = params.size();
  if (static_cast<std::size_t>(nargs) > n) {
    throw py::type_error(fmt::format(
        "{}() takes at most {} arguments ({} given)", method, n, nargs));
  }
  for (std::size_t i = 0; i < n; ++i) out[i] = py::handle();
  for (Py_ssize_t i = 0; i < nargs; ++i) out[i] = args[i];
  const Py_ssize_t nkw = kwnames == nullptr ? 0 : PyTuple_GET_SIZE(kwnames);
  for (Py_ssize_t j = 0; j < nkw; ++j) {
    PyObject* name = PyTuple_GET_ITEM(kwnames, j);
    std::size_t i = 0;
    while (i < n && PyUnicode_CompareWithASCIIString(name, params[i]) != 0) {
      ++i;
    }
    if (i == n) {
      throw py::type_error(
          fmt::format("{}() got an unexpected keyword argument '{}'", method,
                      std::string(py::str(name))));
    }
    if (out[i]) {
      throw py::type_error(fmt::format(
          "{}() got multiple values for argument '{}'", method, params[i]));
    }
    out[i] = args[nargs + j];
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (out[i]) continue;
    if (i < required) {
      throw py::type_error(fmt::format("{}() missing required argument '{}'",
                                       method, params[i]));
    }
    out[i] = Py_None;
  }
}

// The C++ object of a pybind11 instance of C: read from the instance
// directly when it has the simple layout (one pybind11 base, as every
// class here) and is initialized, else through pybind11's cast (which
// raises for an object whose __init__ did not run). REQUIRES: `self` is an
// instance of C's Python class or of a subclass (the method descriptor
// checks it before the call).
template <class C>
C& self_of(PyObject* self) {
  auto* inst = reinterpret_cast<py::detail::instance*>(self);
  if (inst->simple_layout && inst->simple_holder_constructed &&
      inst->simple_value_holder[0] != nullptr) {
    return *static_cast<C*>(inst->simple_value_holder[0]);
  }
  return py::handle(self).cast<C&>();
}

// One fast method of C: its name, parameters, body and descriptor. `kSlot`
// tells C's methods apart (one static set per method).
template <class C, int kSlot>
struct FastMethod {
  using Body = py::object (*)(C&, const py::handle*);
  static inline const char* name = nullptr;
  static inline std::vector<const char*> params;
  static inline std::size_t required = 0;
  static inline Body body = nullptr;
  static inline std::string doc;
  static inline PyMethodDef def{};

  static PyObject* call(PyObject* self, PyObject* const* args, Py_ssize_t nargs,
                        PyObject* kwnames) {
    try {
      py::handle a[8];
      parse_fast_args(name, params, required, args, nargs, kwnames, a);
      return body(self_of<C>(self), a).release().ptr();
    } catch (...) {
      // As pybind11's dispatcher: the module's translators, then the
      // default one (error_already_set, builtin_exception, std::exception).
      if (py::detail::apply_exception_translators(
              py::detail::get_local_internals()
                  .registered_exception_translators) ||
          py::detail::apply_exception_translators(
              py::detail::get_internals().registered_exception_translators)) {
        return nullptr;
      }
      PyErr_SetString(PyExc_SystemError,
                      "evictlab: an exception escaped the translators");
      return nullptr;
    }
  }
};

// Adds the fast method `method_name(self, params...)` to `cls`; the first
// `required` parameters are required, the others default to None. `doc`
// is its docstring, headed by the text signature that inspect.signature
// and help() read.
template <class C, int kSlot>
void def_fast(py::handle cls, const char* method_name,
              std::vector<const char*> params, std::size_t required,
              typename FastMethod<C, kSlot>::Body body, const char* doc) {
  using M = FastMethod<C, kSlot>;
  if (params.size() > 8)
    throw std::logic_error("def_fast: 8 parameters at most");
  M::name = method_name;
  M::params = std::move(params);
  M::required = required;
  M::body = body;
  std::string sig = fmt::format("{}($self, /", method_name);
  for (std::size_t i = 0; i < M::params.size(); ++i) {
    sig += fmt::format(", {}{}", M::params[i], i < required ? "" : "=None");
  }
  M::doc = sig + ")\n--\n\n" + doc;
  M::def = PyMethodDef{
      method_name,
      reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(&M::call)),
      METH_FASTCALL | METH_KEYWORDS, M::doc.c_str()};
  PyObject* descr =
      PyDescr_NewMethod(reinterpret_cast<PyTypeObject*>(cls.ptr()), &M::def);
  if (descr == nullptr) throw py::error_already_set();
  const int failed = PyObject_SetAttrString(cls.ptr(), method_name, descr);
  Py_DECREF(descr);
  if (failed != 0) throw py::error_already_set();
}

// The next accesses into `out`; null when None (allowed only for a policy
// that needs no future).
template <bool kFuture>
const std::vector<std::int64_t>* next_accesses(py::handle next_access,
                                               std::size_t n,
                                               std::string_view what,
                                               std::vector<std::int64_t>& out) {
  if (next_access.is_none()) {
    if (kFuture) {
      throw py::value_error(
          fmt::format("{}: this policy needs each key's next access", what));
    }
    return nullptr;
  }
  int_list_into(next_access, n, what, -1, out);
  return &out;
}

// ---------------------------------------------------------------------------
// evictlab.kv.<NAME>: the KV simulator's request loop (sim/kv_replay.h) in
// pieces, so that a Python replay gives the simulator's counters exactly.
// Sizes are bytes (tokens with 1 byte per token).
template <class Policy>
void bind_kv(py::module_& m) {
  using C = Core<Policy, Shape::kKv, std::uint64_t>;
  constexpr bool kFuture = C::kFuture;
  const std::string name = class_name(Policy::kTraits.name);
  auto cls =
      py::class_<C>(
          m, name.c_str(),
          policy_doc(Policy::kTraits,
                     "the KV simulator's request loop (sim/kv_replay.h)")
              .c_str())
          .def(py::init([](std::int64_t cache_size) {
                 return new C(check_capacity(cache_size, "cache_size"));
               }),
               py::arg("cache_size"), "A cache of `cache_size` bytes.")
          .def_property_readonly_static(
              "needs_next_access", [](py::object) { return kFuture; },
              "Whether touch/hit/store/put need each key's next access "
              "(Belady).")
          .def("__contains__",
               [](C& self, py::handle key) {
                 const std::uint64_t k = encode_id(key, "in: key");
                 GilFreeLock lock(self.mu());
                 return self.dict().contains(k);
               })
          .def("__len__",
               [](C& self) {
                 GilFreeLock lock(self.mu());
                 return self.dict().size();
               })
          .def_property_readonly("cache_size", &C::capacity)
          .def_property_readonly("used",
                                 [](C& self) {
                                   GilFreeLock lock(self.mu());
                                   return self.used();
                                 })
          .def(
              "hit",
              [](C& self, py::handle key, std::int64_t next_access) {
                const std::uint64_t k = encode_id(key, "hit: key");
                GilFreeLock lock(self.mu());
                self.tell(next_access);
                return hit_if_resident(self.evictor(), self.dict(), k);
              },
              py::arg("key"), py::arg("next_access") = -1,
              "The hit rule for one key if resident (True), else False and "
              "nothing changes. O(1).")
          .def(
              "pin",
              [](C& self, py::handle key) {
                const std::uint64_t k = encode_id(key, "pin: key");
                GilFreeLock lock(self.mu());
                const Block* b = self.dict().find(k);
                if (b == nullptr) return false;
                self.pins().pin(k, b->size);
                return true;
              },
              py::arg("key"),
              "Keeps a resident key from being a victim (False if absent).")
          .def(
              "unpin",
              [](C& self, py::handle key) {
                const std::uint64_t k = encode_id(key, "unpin: key");
                GilFreeLock lock(self.mu());
                const Block* b = self.dict().find(k);
                if (b == nullptr || !self.pins().pinned(k)) return false;
                self.pins().unpin(k, b->size);
                return true;
              },
              py::arg("key"), "Undoes pin (False if the key was not pinned).")
          .def(
              "put",
              [](C& self, py::handle key, std::int64_t size,
                 std::int64_t next_access) -> py::object {
                const std::uint64_t k = encode_id(key, "put: key");
                if (size < 0) {
                  throw py::value_error(
                      fmt::format("put: size {} is negative", size));
                }
                GilFreeLock lock(self.mu());
                self.tell(next_access);
                const std::size_t before = self.dict().size();
                const bool was = self.dict().contains(k);
                if (self.put(k, Block{{size}, py::object()}, [](Block&&) {}) ==
                    PutStatus::kIllegal) {
                  return py::none();
                }
                const std::size_t evicted = self.scratch().evict_keys.size();
                const bool stored =
                    self.dict().contains(k) &&
                    (was || self.dict().size() + evicted == before + 1);
                return py::make_tuple(stored, evicted);
              },
              py::arg("key"), py::arg("size"), py::arg("next_access") = -1,
              "The caller loop (caller.h): makes room for `size` bytes by the "
              "policy's victims, pinned keys excepted, and stores the key. "
              "Returns (stored, n_evicted), or None when the policy cannot "
              "make "
              "room (ILLEGAL: nothing changed). stored is False when the "
              "policy "
              "declines after its evictions (S3-FIFO). O(1 + victims).")
          .def(
              "store_block",
              [](C& self, py::handle key, std::int64_t size,
                 std::int64_t next_access) {
                const std::uint64_t k = encode_id(key, "store_block: key");
                if (size < 0) {
                  throw py::value_error(
                      fmt::format("store_block: size {} is negative", size));
                }
                GilFreeLock lock(self.mu());
                if (self.dict().contains(k)) {
                  throw py::key_error(fmt::format(
                      "store_block: key {} is resident (step 3 skips it)", k));
                }
                self.tell(next_access);
                const std::size_t before = self.dict().size();
                const PutStatus status =
                    self.put_best_effort(k, Block{{size}, py::object()});
                const std::size_t evicted = self.scratch().evict_keys.size();
                const bool failed = status == PutStatus::kIllegal;
                const bool stored =
                    !failed && self.dict().size() + evicted == before + 1;
                return py::make_tuple(stored, evicted, failed);
              },
              py::arg("key"), py::arg("size"), py::arg("next_access") = -1,
              "SIM-SPEC 5 step 3 for one missing block: the simulator's "
              "best-effort miss path (caller.h put_best_effort), pinned keys "
              "never victims. Returns (stored, n_evicted, failed): on failure "
              "(no unpinned victim left while the block does not fit) the "
              "victims chosen stay evicted and the block is not stored; stored "
              "is False without failure when the policy declines after its "
              "evictions (S3-FIFO). KeyError if the key is resident. "
              "O(1 + victims).")
          .def(
              "keys",
              [](C& self) {
                GilFreeLock lock(self.mu());
                py::list out;
                for (const std::uint64_t k : self.dict().keys())
                  out.append(decode_id(k));
                return out;
              },
              "The resident keys in the dict's order. O(n).");
  // The batched calls, as fast methods (see def_fast).
  def_fast<C, 0>(
      cls, "lookup", {"keys"}, 1,
      [](C& self, const py::handle* a) -> py::object {
        auto& ks = kv_scratch().ids;
        encode_ids_into(a[0], "lookup: keys", ks);
        std::size_t k = 0;
        {
          KvCallLock lock(self.mu(), ks.size() >= kReleaseGilFrom);
          k = self.lookup(ks);
        }
        return py::int_(k);
      },
      "The length of the longest resident prefix of `keys` (vLLM's manager "
      "lookup), a list or tuple of int. No promotion; GIL released for long "
      "lists. O(len(keys)).");
  def_fast<C, 1>(
      cls, "touch", {"keys", "next_access"}, 1,
      [](C& self, const py::handle* a) -> py::object {
        KvScratch& scratch = kv_scratch();
        auto& ks = scratch.ids;
        encode_ids_into(a[0], "touch: keys", ks);
        const auto* na = next_accesses<C::kFuture>(
            a[1], ks.size(), "touch: next_access", scratch.next_access);
        {
          KvCallLock lock(self.mu(), ks.size() >= kReleaseGilFrom);
          self.touch(ks, na);
        }
        return py::none();
      },
      "The hit rule for each resident key, last first (SIM-SPEC 5 step 2). "
      "GIL released for long lists. O(len(keys)).");
  def_fast<C, 2>(
      cls, "store", {"keys", "sizes", "next_access", "victims", "last_size"}, 2,
      [](C& self, const py::handle* a) -> py::object {
        const py::handle keys = a[0];
        const py::handle sizes = a[1];
        const py::handle next_access = a[2];
        const py::handle victims = a[3];
        const py::handle last_size = a[4];
        // One size for every block (the last one's may differ), or a
        // list of them. The scalars first: casting `last_size` may run
        // Python code (__index__), which could call into this thread's
        // KvScratch; the lists below convert without running any.
        std::int64_t each = 0;
        std::int64_t last = 0;
        const bool one_size =
            PyLong_Check(sizes.ptr()) && !PyBool_Check(sizes.ptr());
        if (one_size) {
          each = sizes.cast<std::int64_t>();
          last = last_size.is_none() ? each : last_size.cast<std::int64_t>();
          if (each < 0 || last < 0) {
            throw py::value_error(fmt::format(
                "store: sizes {} / last_size {}: negative", each, last));
          }
        }
        KvScratch& scratch = kv_scratch();
        auto& ks = scratch.ids;
        encode_ids_into(keys, "store: keys", ks);
        const std::size_t n = ks.size();
        const std::vector<std::int64_t>* sz = nullptr;
        if (!one_size) {
          int_list_into(sizes, n, "store: sizes", 0, scratch.sizes);
          sz = &scratch.sizes;
        }
        auto size_of = [&](std::size_t i) {
          return sz != nullptr ? (*sz)[i] : i + 1 < n ? each : last;
        };
        const auto* na = next_accesses<C::kFuture>(
            next_access, n, "store: next_access", scratch.next_access);
        const bool want_victims = !victims.is_none();
        if (want_victims && !PyList_Check(victims.ptr())) {
          throw py::type_error(fmt::format(
              "store: victims: expected a list, not {}", type_name(victims)));
        }
        auto& gone = scratch.victims;
        gone.clear();
        std::size_t n_store = 0;
        std::size_t n_evict = 0;
        bool failed = false;
        {
          // NOTE: the kv shape's blocks carry no Python object, so
          // creating and destroying them needs no GIL.
          KvCallLock lock(self.mu(), n >= kReleaseGilFrom);
          auto& dict = self.dict();
          RequestPins<std::uint64_t>& mine = self.request_pins();
          // Every pin of this request goes when it ends, however it
          // ends.
          struct UnpinAll {
            RequestPins<std::uint64_t>& pins;
            ~UnpinAll() { pins.unpin_all(); }
          } unpin_all{mine};
          const BothPins<std::uint64_t> pins{&self.pins(), &mine};
          auto pin = [&](std::uint64_t k, std::int64_t s) {
            if (!pins.pinned(k)) mine.pin(k, s);
          };
          for (const std::uint64_t k : ks) {
            if (const Block* b = dict.find(k)) pin(k, b->size);
          }
          for (std::size_t i = 0; i < n; ++i) {
            const std::uint64_t k = ks[i];
            if (pins.pinned(k)) continue;  // resident: skipped
            if (na != nullptr) self.tell((*na)[i]);
            const std::size_t before = dict.size();
            const std::int64_t size = size_of(i);
            const PutStatus status =
                self.put_best_effort(k, Block{{size}, py::object()}, pins);
            const auto& ev = self.scratch().evict_keys;
            n_evict += ev.size();
            if (want_victims) gone.insert(gone.end(), ev.begin(), ev.end());
            if (status == PutStatus::kIllegal) {
              failed = true;  // its victims stay evicted (SIM-SPEC 5)
              break;
            }
            if (dict.size() + ev.size() == before + 1) {
              ++n_store;
              mine.pin(k, size);
            }
          }
        }
        if (want_victims) {
          py::list v = py::reinterpret_borrow<py::list>(victims);
          for (const std::uint64_t k : gone) v.append(decode_id(k));
        }
        return py::make_tuple(n_store, n_evict, failed);
      },
      "SIM-SPEC 5 step 3 for one request in one call: pins every "
      "resident key of `keys`, then stores each other key in order "
      "through the simulator's best-effort miss path (caller.h "
      "put_best_effort; pinning it once stored), stopping at the first "
      "block no unpinned victim makes room for, whose victims stay "
      "evicted; unpins what it pinned. "
      "`sizes` is a list, or one int for every block with `last_size` for "
      "the last. Returns (n_store, n_evict, failed). Appends the "
      "victims' keys to "
      "`victims` if a list is given. GIL released while the policy "
      "runs, for long lists. O(len(keys) + victims).");
}

// ---------------------------------------------------------------------------
// evictlab.sync.<NAME>: the lab's SynchronizedCache (synchronized_cache.h),
// one policy behind one absl::Mutex, as LMCache's local backend holds it.
// Objects are sizes only; every call converts its key, then releases the GIL
// for the whole C++ call (the cache's own lock serializes them).
template <class Policy>
void bind_sync(py::module_& m) {
  using C = SynchronizedCache<Policy, std::string, SizedObject>;
  const std::string name = class_name(Policy::kTraits.name);
  auto cls = py::class_<C>(
      m, name.c_str(),
      policy_doc(Policy::kTraits,
                 "the lab's SynchronizedCache (synchronized_cache.h): every "
                 "call atomic, the GIL released while it runs")
          .c_str());
  cls.def(py::init([](std::int64_t capacity) {
            return new C(check_capacity(capacity, "capacity"));
          }),
          py::arg("capacity"), "A cache of `capacity` bytes.")
      .def(
          "put",
          [](C& self, py::handle key, std::int64_t size) -> py::object {
            const std::string k = encode_key(key, "put: key");
            if (size < 0) {
              throw py::value_error(
                  fmt::format("put: size {} is negative", size));
            }
            typename C::Outcome out;
            {
              py::gil_scoped_release nogil;
              self.put(k, SizedObject{size}, size, out);
            }
            if (out.status == PutStatus::kIllegal) return py::none();
            py::list evicted;
            for (const auto& e : out.evicted) evicted.append(decode_key(e.key));
            return py::make_tuple(out.stored, std::move(evicted));
          },
          py::arg("key"), py::arg("size"),
          "The blocking put (caller.h) under the lock: (stored, [victims]), "
          "or None when ILLEGAL (nothing changed).")
      .def(
          "get",
          [](C& self, py::handle key) {
            const std::string k = encode_key(key, "get: key");
            py::gil_scoped_release nogil;
            return self.hit(k);
          },
          py::arg("key"), "A hit if resident (True), else False.")
      .def(
          "pop",
          [](C& self, py::handle key) {
            const std::string k = encode_key(key, "pop: key");
            py::gil_scoped_release nogil;
            return self.pop(k).has_value();
          },
          py::arg("key"), "Removes `key`; False if absent or pinned.")
      .def("__len__", [](C& self) { return self.size(); })
      .def("keys",
           [](C& self) {
             std::vector<std::string> ks;
             {
               py::gil_scoped_release nogil;
               ks = self.keys();
             }
             py::list out;
             for (const std::string& k : ks) out.append(decode_key(k));
             return out;
           })
      .def(
          "audit",
          [](C& self) {
            CacheAudit a;
            {
              py::gil_scoped_release nogil;
              a = self.audit();
            }
            py::dict d;
            d["entries"] = a.entries;
            d["stored_bytes"] = a.stored_bytes;
            d["current"] = a.current ? py::cast(*a.current) : py::none();
            d["pinned_keys"] = a.pinned_keys;
            return d;
          },
          "A consistent view under the lock: entries, stored_bytes, the "
          "evictor's current size, pinned keys. O(n).");
  if constexpr (C::kCanEvict) {
    cls.def(
        "evict",
        [](C& self, std::int64_t n) {
          if (n < 0) {
            throw py::value_error(fmt::format("evict: n {} is negative", n));
          }
          std::vector<typename C::Entry> gone;
          {
            py::gil_scoped_release nogil;
            gone = self.evict(static_cast<std::size_t>(n));
          }
          py::list out;
          for (const auto& e : gone) out.append(decode_key(e.key));
          return out;
        },
        py::arg("n"),
        "Up to n victims removed (fewer when fewer are evictable).");
  }
  if constexpr (C::kHasPins) {
    cls.def(
           "pin",
           [](C& self, py::handle key) {
             const std::string k = encode_key(key, "pin: key");
             py::gil_scoped_release nogil;
             return self.pin(k);
           },
           py::arg("key"))
        .def(
            "unpin",
            [](C& self, py::handle key) {
              const std::string k = encode_key(key, "unpin: key");
              py::gil_scoped_release nogil;
              return self.unpin(k);
            },
            py::arg("key"));
  }
}

// ---------------------------------------------------------------------------
// evictlab.lmcache.LRUEvictor / DummyEvictor: LMCache v0's evictors over the
// caller's own OrderedDict (lmcache/storage_backend/evictor/). The walk is
// LRUEvictor::update_on_put's (lru_evictor.h) with the original's float
// accounting and int limit (cache_limit.h), over a Python dict.

// Port of BaseEvictor.get_size (lmcache): the original's isinstance chain,
// duck-typed (a tensor has numel and element_size; KVObj and
// DiskCacheMetadata have an int `size`).
std::int64_t py_get_size(py::handle obj) {
  if (py::hasattr(obj, "numel") && py::hasattr(obj, "element_size")) {
    return obj.attr("numel")().cast<std::int64_t>() *
           obj.attr("element_size")().cast<std::int64_t>();
  }
  if (PyByteArray_Check(obj.ptr())) return PyByteArray_GET_SIZE(obj.ptr());
  if (py::hasattr(obj, "size")) {
    const py::object size = obj.attr("size");
    if (PyLong_Check(size.ptr())) return size.cast<std::int64_t>();
  }
  throw py::type_error(fmt::format(
      "Encountered unknown kv data type <class '{}'>!", type_name(obj)));
}

class V0LRUEvictor {
 public:
  explicit V0LRUEvictor(double max_cache_size)
      : max_(max_bytes_from_gb(max_cache_size)) {}
  void update_on_get(py::handle key, py::handle cache_dict) {
    cache_dict.attr("move_to_end")(key);
  }
  py::tuple update_on_put(py::handle cache_dict, std::int64_t cache_size,
                          py::handle legal, py::handle illegal) {
    py::list evict;
    if (cache_size > max_) return py::make_tuple(evict, illegal);
    const double incoming = static_cast<double>(cache_size);
    py::iterator it = py::iter(cache_dict);
    while (py_float_greater_than_int(incoming + current_, max_)) {
      if (it == py::iterator::sentinel()) {
        PyErr_SetNone(PyExc_StopIteration);
        throw py::error_already_set();
      }
      py::handle key = *it;
      current_ -= static_cast<double>(py_get_size(cache_dict[key]));
      evict.append(key);
      ++it;
    }
    current_ += incoming;
    return py::make_tuple(evict, legal);
  }
  std::int64_t max() const { return max_; }
  double current() const { return current_; }

 private:
  std::int64_t max_;
  double current_ = 0.0;
};

void bind_v0(py::module_& m) {
  py::enum_<PutStatus> status(m, "PutStatus", "LMCache's PutStatus.");
  status.value("LEGAL", PutStatus::kLegal)
      .value("ILLEGAL", PutStatus::kIllegal);
  const py::object legal = status.attr("LEGAL");
  const py::object illegal = status.attr("ILLEGAL");
  py::class_<V0LRUEvictor>(
      m, "LRUEvictor",
      "LMCache v0's LRUEvictor over the caller's OrderedDict, flaws "
      "included (lru_evictor.h): float accounting never told of "
      "overwrites; StopIteration when the walk runs off the end.")
      .def(py::init<double>(), py::arg("max_cache_size") = 10.0,
           "MAX_CACHE_SIZE = int(max_cache_size * 1024**3).")
      .def("update_on_get", &V0LRUEvictor::update_on_get, py::arg("key"),
           py::arg("cache_dict"), "cache_dict.move_to_end(key).")
      .def(
          "update_on_put",
          [legal, illegal](V0LRUEvictor& self, py::handle cache_dict,
                           std::int64_t cache_size) {
            return self.update_on_put(cache_dict, cache_size, legal, illegal);
          },
          py::arg("cache_dict"), py::arg("cache_size"),
          "(evict_keys, PutStatus): the keys to evict, oldest first.")
      .def(
          "get_size",
          [](V0LRUEvictor&, py::handle o) { return py_get_size(o); },
          py::arg("kv_obj"))
      .def_property_readonly("MAX_CACHE_SIZE", &V0LRUEvictor::max)
      .def_property_readonly("current_cache_size", &V0LRUEvictor::current);
  struct Dummy {};
  py::class_<Dummy>(m, "DummyEvictor", "LMCache v0's DummyEvictor.")
      .def(py::init<>())
      .def(
          "update_on_get", [](Dummy&, py::handle, py::handle) {},
          py::arg("key"), py::arg("cache_dict"), "Does nothing.")
      .def(
          "update_on_put",
          [legal](Dummy&, py::handle, std::int64_t) {
            return py::make_tuple(py::list(), legal);
          },
          py::arg("cache_dict"), py::arg("cache_size"), "([], LEGAL).")
      .def(
          "get_size", [](Dummy&, py::handle o) { return py_get_size(o); },
          py::arg("kv_obj"));
}

// ---------------------------------------------------------------------------
// evictlab.kv.Trace: the simulator's request loop itself (kv_replay<Policy>,
// sim/kv_replay.h, which `evictlab simulate --format mooncake` runs for
// each policy), in process, so that a benchmark can time it with the same
// clock as the Python side: the calling thread's CPU time, which a loaded
// machine inflates far less than wall time. (The core's kv_simulate() is
// not linked here: the core is built as position-independent executable
// code, which a shared object cannot hold.)

double thread_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

void bind_trace(py::module_& m) {
  py::class_<sim::KvTrace>(
      m, "Trace",
      "Mooncake requests in the simulator's flat KvTrace (kv_trace.h), for "
      "simulate().")
      .def(py::init([](py::handle requests, py::handle next_access) {
             auto t = std::make_unique<sim::KvTrace>();
             std::size_t r = 0;
             std::vector<std::uint64_t> ids;
             for (py::handle req :
                  py::reinterpret_borrow<py::iterable>(requests)) {
               if (!PyTuple_Check(req.ptr()) ||
                   PyTuple_GET_SIZE(req.ptr()) != 2) {
                 throw py::type_error(fmt::format(
                     "requests[{}]: expected a tuple (ids, input_length)", r));
               }
               const auto pair = py::reinterpret_borrow<py::tuple>(req);
               ids = encode_ids(
                   pair[0], where("requests", static_cast<std::ptrdiff_t>(r)));
               const auto length = pair[1].cast<std::uint64_t>();
               if (ids.size() != sim::kv_blocks_for_tokens(length)) {
                 throw py::value_error(fmt::format(
                     "requests[{}]: {} ids, but input_length {} needs {}", r,
                     ids.size(), length, sim::kv_blocks_for_tokens(length)));
               }
               t->add_request(ids.data(), ids.size(), length);
               ++r;
             }
             if (!next_access.is_none()) {
               const auto na =
                   int_list(next_access, t->blocks.size(), "next_access", -1);
               t->next_access.assign(na.begin(), na.end());
               t->has_next_access = true;
             }
             return t;
           }),
           py::arg("requests"), py::arg("next_access") = py::none(),
           "From [(ids, input_length)] (kv_replay.read_mooncake's) and, for "
           "Belady, binding_kv.next_access(requests).")
      .def_property_readonly("n_req", &sim::KvTrace::size)
      .def_property_readonly(
          "n_block", [](const sim::KvTrace& t) { return t.blocks.size(); })
      .def(
          "simulate",
          [](const sim::KvTrace& t, const std::string& policy,
             std::int64_t cache_size, std::int64_t bytes_per_token,
             bool with_resident) {
            std::vector<std::uint64_t> resident;
            check_capacity(cache_size, "cache_size");
            if (bytes_per_token < 1 ||
                static_cast<std::uint64_t>(bytes_per_token) >
                    sim::kMaxKvBytesPerToken) {
              throw py::value_error(
                  fmt::format("bytes_per_token: {} is outside [1, 2**44]",
                              bytes_per_token));
            }
            sim::KvSimOptions options;
            options.bytes_per_token =
                static_cast<std::uint64_t>(bytes_per_token);
            sim::KvSimResult r;
            bool known = false;
            double cpu = 0;
            for_each_policy([&](auto p) {
              using P = decltype(p);
              if constexpr (P::kTraits.evicts) {
                if (P::kTraits.name != policy) return;
                known = true;
                if (P::kTraits.needs_future_knowledge && !t.has_next_access) {
                  throw py::value_error(fmt::format(
                      "simulate: {} needs the trace's next accesses", policy));
                }
                py::gil_scoped_release nogil;
                if (!with_resident) {
                  const double start = thread_cpu_seconds();
                  r = sim::kv_replay<P>(
                      t, static_cast<std::uint64_t>(cache_size), options);
                  cpu = thread_cpu_seconds() - start;
                  return;
                }
                // The same request loop, kept to read its dict at the end.
                sim::KvReplayer<P> replayer(
                    static_cast<std::uint64_t>(cache_size),
                    options.bytes_per_token);
                for (std::size_t q = 0; q < t.size(); ++q) {
                  const std::uint64_t begin = t.offsets[q];
                  replayer.request(t.blocks.data() + begin,
                                   t.offsets[q + 1] - begin, t.input_length[q],
                                   sim::KvReplayer<P>::kFuture
                                       ? t.next_access.data() + begin
                                       : nullptr,
                                   true);
                }
                r = replayer.result();
                resident = replayer.dict().keys();
              }
            });
            if (!known) {
              throw py::value_error(
                  fmt::format("simulate: unknown policy '{}'", policy));
            }
            py::dict d;
            d["n_req"] = r.n_req;
            d["n_block"] = r.n_block;
            d["n_block_hit"] = r.n_block_hit;
            d["n_token"] = r.n_token;
            d["n_token_hit"] = r.n_token_hit;
            d["n_byte"] = r.n_byte;
            d["n_byte_hit"] = r.n_byte_hit;
            d["n_store"] = r.n_store;
            d["n_store_failure"] = r.n_store_failure;
            d["n_evict"] = r.n_evict;
            d["seconds"] = r.seconds;
            d["cpu_seconds"] = cpu;
            if (with_resident) {
              py::list keys;
              for (const std::uint64_t k : resident) keys.append(decode_id(k));
              d["resident"] = keys;
            }
            return d;
          },
          py::arg("policy"), py::arg("cache_size"),
          py::arg("bytes_per_token") = 1, py::arg("resident") = false,
          "kv_replay<policy>: the simulator's KV-mode replay at one cache "
          "size, single-threaded, GIL released. Returns its counters, "
          "`seconds` (wall time of the request loop) and `cpu_seconds` (this "
          "thread's CPU time for the call); with `resident`, also the resident "
          "block ids in the dict's order at the end (not timed).");
}

}  // namespace
}  // namespace evictlab::python

PYBIND11_MODULE(_evictlab, m) {
  using namespace evictlab;
  using namespace evictlab::python;
  m.doc() = "evictlab's C++ eviction policies (see the package evictlab).";
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const KeyNotFoundError& e) {
      PyErr_SetString(PyExc_KeyError, e.what());
    } catch (const ConfigError& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    }
  });
  py::module_ vllm =
      m.def_submodule("vllm", "vLLM KV offload's CachePolicy shape.");
  py::module_ lmcache = m.def_submodule("lmcache", "LMCache's policy shapes.");
  py::module_ kv = m.def_submodule("kv", "The KV simulator's request loop.");
  py::module_ sync = m.def_submodule("sync", "The lab's SynchronizedCache.");
  py::list names;
  for_each_policy([&](auto p) {
    using P = decltype(p);
    constexpr PolicyTraits t = P::kTraits;
    if constexpr (t.evicts) {
      bind_kv<P>(kv);
      names.append(std::string(t.name));
      // The engine shapes need exact accounting (vLLM's capacity check,
      // pins) and no knowledge of the future (an engine has none).
      // The shapes' evict and get_evict_candidates need candidates().
      using E = typename Core<P, Shape::kVllm>::Evictor;
      if constexpr (t.exact_accounting && !t.needs_future_knowledge &&
                    kHasCandidates<E, NoPins>) {
        bind_vllm<P>(vllm);
        bind_lmcache<P>(lmcache);
        bind_sync<P>(sync);
      }
    }
  });
  kv.attr("POLICIES") = names;
  bind_trace(kv);
  bind_v0(lmcache);
}
