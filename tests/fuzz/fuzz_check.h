// What the fuzz harnesses share: a checked assertion that stops the process
// the way libFuzzer (and the regression replay) records as a crash, and an
// in-memory file for readers that take a path.
//
// A harness is one `LLVMFuzzerTestOneInput`, built twice: with clang and
// -fsanitize=fuzzer (tests/fuzz/CMakeLists.txt, scripts/fuzz.sh) to search,
// and with the normal compiler and replay_main.cc to replay the saved
// inputs of tests/fuzz/regressions/<harness>/ under ctest.
#ifndef EVICTLAB_TESTS_FUZZ_FUZZ_CHECK_H_
#define EVICTLAB_TESTS_FUZZ_FUZZ_CHECK_H_

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

// A finding: prints what broke and traps (libFuzzer saves the input; the
// replay test fails). Used instead of assert() so that it holds in release.
#define EVICTLAB_FUZZ_CHECK(cond, ...)                                 \
  do {                                                                 \
    if (!(cond)) {                                                     \
      std::fprintf(stderr, "%s:%d: fuzz check failed: %s\n", __FILE__, \
                   __LINE__, #cond);                                   \
      std::fprintf(stderr, "  " __VA_ARGS__);                          \
      std::fprintf(stderr, "\n");                                      \
      __builtin_trap();                                                \
    }                                                                  \
  } while (0)

namespace evictlab::fuzz {

// One anonymous in-memory file (memfd) reused for every input: readers that
// open a path get `/proc/self/fd/N`, a regular file they can mmap, without
// touching the disk. NOT thread-safe (one per harness process).
class MemFile {
 public:
  MemFile() : fd_(::memfd_create("evictlab-fuzz", MFD_CLOEXEC)) {
    if (fd_ < 0) {
      std::perror("memfd_create");
      __builtin_trap();
    }
    path_ = "/proc/self/fd/" + std::to_string(fd_);
  }
  ~MemFile() { ::close(fd_); }
  MemFile(const MemFile&) = delete;
  MemFile& operator=(const MemFile&) = delete;

  // Replaces the file's contents; returns its path.
  const std::string& write(const std::uint8_t* data, std::size_t size) {
    if (::ftruncate(fd_, 0) != 0 ||
        (size != 0 &&
         ::pwrite(fd_, data, size, 0) != static_cast<ssize_t>(size))) {
      std::perror("memfd write");
      __builtin_trap();
    }
    return path_;
  }
  const std::string& path() const { return path_; }

 private:
  int fd_;
  std::string path_;
};

inline bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

}  // namespace evictlab::fuzz

#endif  // EVICTLAB_TESTS_FUZZ_FUZZ_CHECK_H_
