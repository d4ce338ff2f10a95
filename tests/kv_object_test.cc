#include "evictlab/kv_object.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "evictlab/errors.h"
#include "evictlab/evictor.h"
#include "evictlab/ordered_dict.h"

namespace evictlab {
namespace {

struct DtypeCase {
  c10::ScalarType dtype;
  std::int64_t element_size;
};

TEST(GetSizeTest, TensorIsNumelTimesElementSizeForEveryDtype) {
  const DtypeCase cases[] = {
      {at::kHalf, 2},   {at::kBFloat16, 2},     {at::kFloat, 4},
      {at::kDouble, 8}, {at::kByte, 1},         {at::kChar, 1},
      {at::kShort, 2},  {at::kInt, 4},          {at::kLong, 8},
      {at::kBool, 1},   {at::kComplexFloat, 8}, {at::kComplexDouble, 16}};
  for (const auto& c : cases) {
    const KVObject kv_chunk =
        at::empty({2, 4, 16, 2, 64}, at::TensorOptions().dtype(c.dtype));
    EXPECT_EQ(get_size(kv_chunk), 2 * 4 * 16 * 2 * 64 * c.element_size)
        << c10::toString(c.dtype);
    EXPECT_EQ(
        get_size(KVObject(at::empty({0}, at::TensorOptions().dtype(c.dtype)))),
        0);
  }
}

TEST(GetSizeTest, TensorViewReportsTheViewNotItsStorage) {
  const at::Tensor pool = at::empty({2, 32, 256, 8, 128}, at::kBFloat16);
  EXPECT_EQ(get_size(KVObject(pool.narrow(2, 0, 100))), 13107200);
  EXPECT_EQ(get_size(KVObject(pool.narrow(0, 1, 0))), 0);
  const at::Tensor m = at::empty({64, 32}, at::kFloat);
  EXPECT_EQ(get_size(KVObject(m.transpose(0, 1))), 8192);
}

TEST(GetSizeTest, ByteArrayIsItsLength) {
  EXPECT_EQ(get_size(KVObject(ByteArray(4096))), 4096);
  EXPECT_EQ(get_size(KVObject(ByteArray(0))), 0);
}

TEST(GetSizeTest, KVObjAndDiskUseTheirSizeFieldNotTheData) {
  const KVObj obj{3, 12345, at::empty({10}, at::kFloat)};
  EXPECT_EQ(get_size(KVObject(obj)), 12345);
  EXPECT_EQ(get_size(KVObject(KVObj{0, -7, {}})), -7);  // never validated
  const DiskCacheMetadata meta{"/tmp/a.pt", std::int64_t{8} << 30, std::nullopt,
                               std::nullopt};
  EXPECT_EQ(get_size(KVObject(meta)), std::int64_t{8} << 30);
}

TEST(DiskCacheMetadataTest, KeepsEveryFieldAndCopiesShareThem) {
  const DiskCacheMetadata meta{"/cache/7.pt", 4096,
                               std::vector<std::int64_t>{2, 32, 256},
                               c10::ScalarType::BFloat16};
  const KVObject copy = meta;  // as stored in a dict
  const auto& stored = std::get<DiskCacheMetadata>(copy);
  EXPECT_EQ(stored.path(), "/cache/7.pt");
  EXPECT_EQ(stored.size(), 4096);
  EXPECT_EQ(stored.shape(), (std::vector<std::int64_t>{2, 32, 256}));
  EXPECT_EQ(stored.dtype(), c10::ScalarType::BFloat16);
  EXPECT_EQ(&stored.path(), &meta.path());  // shared, not copied
  const DiskCacheMetadata empty;
  EXPECT_EQ(empty.path(), "");
  EXPECT_EQ(empty.size(), 0);
  EXPECT_FALSE(empty.shape().has_value());
  EXPECT_FALSE(empty.dtype().has_value());
}

TEST(GetSizeTest, UnsupportedTypeIsRejectedWithTheTypeName) {
  for (const char* name : {"bytes", "str", "int", "NoneType"}) {
    try {
      get_size(KVObject(UnsupportedKVObject{name}));
      FAIL() << "expected UnknownKVTypeError for " << name;
    } catch (const UnknownKVTypeError& e) {
      EXPECT_EQ(e.type_name(), name);
      EXPECT_EQ(std::string(e.what()),
                std::string("Encountered unknown kv data type <class '") +
                    name + "'>!");
    }
  }
}

TEST(GetSizeTest, BaseEvictorGetSizeIsTheSameRule) {
  using Evictor = BaseEvictor<OrderedDict<std::string, KVObject>>;
  EXPECT_EQ(Evictor::get_size(KVObject(ByteArray(17))), 17);
}

TEST(KVTypeNameTest, NamesEachAlternative) {
  EXPECT_EQ(kv_type_name(at::empty({1})), "Tensor");
  EXPECT_EQ(kv_type_name(ByteArray(1)), "bytearray");
  EXPECT_EQ(kv_type_name(KVObj{}), "KVObj");
  EXPECT_EQ(kv_type_name(DiskCacheMetadata{}), "DiskCacheMetadata");
  EXPECT_EQ(kv_type_name(UnsupportedKVObject{"bytes"}), "bytes");
}

}  // namespace
}  // namespace evictlab
