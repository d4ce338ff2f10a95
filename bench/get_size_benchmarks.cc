// BM_GetSize: the size rule over every KV type, and the floor it is judged
// against (reading the size field directly, BM_GetSize/field_read).
//
// Each case cycles over 1024 distinct objects so the loop cannot be hoisted
// and each call touches its own object, and checks the summed sizes first.
// Tensors live on the meta device (built with c10, see c10_tensors.h): a view's
// size needs only its TensorImpl, and a rank-5 KV chunk of 32 MiB x 1024 would
// not fit in memory otherwise.
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "bench/cache_benchmarks.h"
#include "bench/common/c10_tensors.h"
#include "bench/common/registry.h"
#include "bench/common/workload.h"
#include "evictlab/dtype.h"

namespace evictlab::bench {
namespace {

constexpr std::size_t kObjects = 1024;

template <class T, class SizeFn>
void run_get_size(benchmark::State& bm, const std::vector<T>& objects,
                  std::int64_t expected_sum, SizeFn size_of) {
  std::int64_t sum = 0;
  for (const T& o : objects) sum += size_of(o);
  if (sum != expected_sum) {
    bm.SkipWithError(
        fmt::format("sizes sum to {}, expected {}", sum, expected_sum).c_str());
    return;
  }
  std::size_t i = 0;
  {
    MeasuredRegion region;
    for (auto _ : bm) {
      benchmark::DoNotOptimize(size_of(objects[i]));
      i = (i + 1) & (kObjects - 1);
    }
  }
  bm.SetItemsProcessed(bm.iterations());
}

void BM_GetSizeOf(benchmark::State& bm, KVKind kind) {
  const auto objects = make_objects(kind, kObjects, kObjectBytes);
  run_get_size(bm, objects, kObjectBytes * kObjects,
               [](const KVObject& o) { return get_size(o); });
}

// The losing dispatch variants, kept for comparison (README "Which structure
// won"): GCC 12's std::visit over the same variant (a call through a table of
// function pointers), and virtual dispatch over heap objects, the other way a
// C++ port could model "any object with a size".
void BM_GetSizeVisit(benchmark::State& bm, KVKind kind) {
  const auto objects = make_objects(kind, kObjects, kObjectBytes);
  run_get_size(bm, objects, kObjectBytes * kObjects, [](const KVObject& o) {
    return std::visit(
        [](const auto& alternative) -> std::int64_t {
          return get_size(alternative);
        },
        o);
  });
}

struct SizedObject {
  virtual ~SizedObject() = default;
  virtual std::int64_t size() const = 0;
};
template <class T>
struct Sized final : SizedObject {
  explicit Sized(T o) : object(std::move(o)) {}
  std::int64_t size() const override { return get_size(object); }
  T object;
};

void BM_GetSizeVirtual(benchmark::State& bm, KVKind kind) {
  std::vector<std::unique_ptr<SizedObject>> objects;
  objects.reserve(kObjects);
  for (KVObject& o : make_objects(kind, kObjects, kObjectBytes)) {
    objects.push_back(std::visit(
        [](auto&& alternative) -> std::unique_ptr<SizedObject> {
          using T = std::decay_t<decltype(alternative)>;
          return std::make_unique<Sized<T>>(std::move(alternative));
        },
        std::move(o)));
  }
  run_get_size(bm, objects, kObjectBytes * kObjects,
               [](const std::unique_ptr<SizedObject>& o) { return o->size(); });
}

// The floor: the same loop reading an int64 field of a plain struct.
void BM_GetSizeFieldRead(benchmark::State& bm) {
  std::vector<KVObj> objects(kObjects);
  for (std::size_t i = 0; i < kObjects; ++i) {
    objects[i] = KVObj{static_cast<std::int64_t>(i), kObjectBytes, {}};
  }
  run_get_size(bm, objects, kObjectBytes * kObjects,
               [](const KVObj& o) { return o.size; });
}

void BM_GetSizeTensor(benchmark::State& bm, c10::ScalarType dtype, int rank,
                      bool narrow) {
  // Rank 5: a real KV chunk [2, layers, tokens, heads, head_dim]; narrowed
  // along tokens. Rank 1: a flat buffer; narrowed to its first half.
  const std::vector<std::int64_t> shape =
      rank == 5 ? std::vector<std::int64_t>{2, 32, 256, 8, 128}
                : std::vector<std::int64_t>{1 << 20};
  const int dim = rank == 5 ? 2 : 0;
  const std::int64_t length = rank == 5 ? 100 : (1 << 19);
  std::vector<KVObject> objects;
  objects.reserve(kObjects);
  std::int64_t expected = 0;
  const std::int64_t item = c10::elementSize(dtype);
  for (std::size_t i = 0; i < kObjects; ++i) {
    at::TensorBase t =
        narrow ? make_view({}, dtype, shape, 0, dim,
                           static_cast<std::int64_t>(i % 100), length)
               : make_view({}, dtype, shape);
    std::int64_t numel = 1;
    for (std::size_t d = 0; d < shape.size(); ++d) {
      numel *= (narrow && static_cast<int>(d) == dim) ? length : shape[d];
    }
    expected += numel * item;
    objects.emplace_back(std::move(t));
  }
  run_get_size(bm, objects, expected,
               [](const KVObject& o) { return get_size(o); });
}

}  // namespace

void register_get_size_benchmarks() {
  for (const NamedDtype& d : kNamedDtypes) {
    for (int rank : {1, 5}) {
      for (bool narrow : {false, true}) {
        add(Case{"GetSize", "", "", "tensor", "", 0,
                 fmt::format("dtype:{}/rank:{}/view:{}", d.name, rank,
                             narrow ? "narrow" : "contiguous")},
            [=](benchmark::State& bm) {
              BM_GetSizeTensor(bm, d.type, rank, narrow);
            });
      }
    }
  }
  for (KVKind kind : {KVKind::kByteArray, KVKind::kKVObj, KVKind::kDisk}) {
    const std::string kv(kv_name(kind));
    add(Case{"GetSize", "", "", kv, "", 0, ""},
        [=](benchmark::State& bm) { BM_GetSizeOf(bm, kind); });
    add(Case{"GetSize", "", "", kv, "", 0, "dispatch:visit"},
        [=](benchmark::State& bm) { BM_GetSizeVisit(bm, kind); });
    add(Case{"GetSize", "", "", kv, "", 0, "dispatch:virtual"},
        [=](benchmark::State& bm) { BM_GetSizeVirtual(bm, kind); });
  }
  add(Case{"GetSize", "", "", "", "", 0, "field_read"}, BM_GetSizeFieldRead);
}

}  // namespace evictlab::bench
