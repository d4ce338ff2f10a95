// tests/golden must be a byte-for-byte copy of ../shared/golden (when that
// folder exists beside the checkout), so a clone is self-contained and can
// never drift from the traces recorded from the original.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>

namespace {

namespace fs = std::filesystem;

std::string read_all(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::set<std::string> jsonl_names(const fs::path& dir) {
  std::set<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ".jsonl") names.insert(e.path().filename());
  }
  return names;
}

TEST(GoldenCopyTest, ProjectCopyIsByteIdenticalToSharedGolden) {
  const fs::path ours = fs::path(EVICTLAB_SOURCE_DIR) / "tests/golden";
  const fs::path shared = fs::path(EVICTLAB_SOURCE_DIR) / "../shared/golden";
  ASSERT_TRUE(fs::is_directory(ours));
  if (!fs::is_directory(shared)) {
    GTEST_SKIP() << "no ../shared/golden beside this checkout";
  }
  const auto shared_names = jsonl_names(shared);
  const auto our_names = jsonl_names(ours);
  ASSERT_FALSE(shared_names.empty());
  for (const auto& name : shared_names) {
    ASSERT_TRUE(our_names.count(name)) << "missing copy: tests/golden/" << name;
    EXPECT_EQ(read_all(ours / name), read_all(shared / name))
        << "tests/golden/" << name << " differs from ../shared/golden/" << name
        << "; copy it again with cp ../shared/golden/*.jsonl tests/golden/";
  }
  for (const auto& name : our_names) {
    EXPECT_TRUE(shared_names.count(name))
        << "tests/golden/" << name << " is not in ../shared/golden";
  }
}

}  // namespace
