// CacheEngineKey: LMCache's key of one KV chunk.
//
// Port of lmcache.utils.CacheEngineKey. Five fields; equality and hashing over
// all five; `to_string()` is `fmt@model_name@world_size@worker_id@chunk_hash`.
//
// The two constant parts, `fmt` and `model_name`, are InternedStrings: one
// shared, immutable copy per distinct text, the handle a pointer. A serving
// engine builds a new key for every chunk of every request from the same
// few constants (Python shares those `str` objects by reference, so a new
// key only bumps their reference counts); with a std::string per field each
// key copied both texts (a heap block for the 32-character model name) and
// each hash and comparison read them (docs/PERFORMANCE.md, "What moved the
// fresh-key hit").
//
// Thread-compatible: a const key may be read from many threads; interning a
// new text is thread-safe.
#ifndef EVICTLAB_CACHE_ENGINE_KEY_H_
#define EVICTLAB_CACHE_ENGINE_KEY_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <iosfwd>
#include <string>
#include <string_view>
#include <utility>

#include "absl/strings/str_cat.h"

namespace evictlab {

// An immutable string interned in a process-wide table: equal texts share
// one representation, so two InternedStrings are equal iff their handles
// are (one pointer compare), and the text's hash is computed once, when it
// is first interned.
//
// - Constructing from text looks the text up in the table (O(length) hash,
//   a mutex; the first time, one allocation): keep the handle of a constant
//   and copy it rather than re-interning per use.
// - Copying, assigning, comparing and hashing are O(1), allocate nothing
//   and never read the text.
// - NOTE: the table never shrinks: every distinct text stays allocated
//   until the process exits. It holds a key's constant parts (formats and
//   model names, a handful per process), not per-chunk data.
//
// Thread-safety: construction is thread-safe (the table has a lock); a
// handle is a const pointer to immutable data, so copies may be read from
// any thread. References returned by str() stay valid for the process's
// lifetime.
class InternedString {
 public:
  // The empty string.
  InternedString() : rep_(empty_rep()) {}
  // Implicit, so that a key can be written `CacheEngineKey{"vllm", model,
  // ...}` and a field assigned from text.
  InternedString(std::string_view text) : rep_(intern(text)) {}
  InternedString(const std::string& text)
      : InternedString(std::string_view(text)) {}
  InternedString(const char* text) : InternedString(std::string_view(text)) {}

  const std::string& str() const { return rep_->text; }
  std::string_view view() const { return rep_->text; }
  operator const std::string&() const { return rep_->text; }
  std::size_t size() const { return rep_->text.size(); }
  bool empty() const { return rep_->text.empty(); }

  friend bool operator==(const InternedString& a, const InternedString& b) {
    return a.rep_ == b.rep_;
  }
  friend bool operator!=(const InternedString& a, const InternedString& b) {
    return a.rep_ != b.rep_;
  }
  // Against plain text: compares the characters (no interning).
  friend bool operator==(const InternedString& a, std::string_view b) {
    return a.view() == b;
  }
  friend bool operator==(const InternedString& a, const std::string& b) {
    return a.view() == b;
  }
  friend bool operator==(const InternedString& a, const char* b) {
    return a.view() == b;
  }
  template <class T>
  friend bool operator!=(const InternedString& a, const T& b) {
    return !(a == b);
  }

  // The text's hash (std::hash, computed at interning), mixed in as one
  // word: consistent with == (equal texts share one representation, hence
  // one value).
  template <typename H>
  friend H AbslHashValue(H h, const InternedString& s) {
    return H::combine(std::move(h), s.rep_->hash);
  }

  // The text, unquoted (GoogleTest prints fields with it).
  friend std::ostream& operator<<(std::ostream& os, const InternedString& s);

 private:
  struct Rep {
    std::string text;
    std::size_t hash;
  };
  static const Rep* intern(std::string_view text);
  static const Rep* empty_rep();

  const Rep* rep_;
};

struct CacheEngineKey {
  InternedString fmt;
  InternedString model_name;
  std::int64_t world_size = 0;
  std::int64_t worker_id = 0;
  std::string chunk_hash;

  // `fmt@model_name@world_size@worker_id@chunk_hash`.
  std::string to_string() const {
    return text_of(fmt.view(), model_name.view(), world_size, worker_id,
                   chunk_hash);
  }

  // to_string()'s text of a key with these fields, without building the key:
  // what a server keyed by that text builds per chunk. O(length), one
  // allocation (the result), no format-string parsing.
  // Inline: with constant parts (a server's format and model name) the
  // compiler copies them with fixed-size moves instead of memcpy calls.
  static std::string text_of(std::string_view fmt, std::string_view model_name,
                             std::int64_t world_size, std::int64_t worker_id,
                             std::string_view chunk_hash) {
    // NOTE: absl::AlphaNum (an out-of-line call into Abseil), not
    // std::to_chars: to_chars's inline digit table is a global object whose
    // non-PIC reference the Python module (a shared object linking the
    // static core) cannot take.
    const absl::AlphaNum ws(world_size);
    const absl::AlphaNum wid(worker_id);
    // Sized at construction, '@'-filled: one allocation, no growth (resize()
    // of an empty string went through _M_replace_aux and _M_mutate, ~100
    // instructions of a fresh str key's ~900; callgrind).
    std::string out(fmt.size() + model_name.size() + ws.size() + wid.size() +
                        chunk_hash.size() + 4,
                    '@');
    char* p = out.data();
    auto put = [&p](const char* data, std::size_t n) {
      if (n != 0) std::memcpy(p, data, n);
      p += n + 1;  // past the '@' that follows
    };
    put(fmt.data(), fmt.size());
    put(model_name.data(), model_name.size());
    put(ws.data(), ws.size());
    put(wid.data(), wid.size());
    // The last part has no '@' after it: copied in place, so that `p` never
    // points past the end.
    if (!chunk_hash.empty()) {
      std::memcpy(p, chunk_hash.data(), chunk_hash.size());
    }
    return out;
  }

  // Inverse of `to_string()`. Throws KeyParseError (the original's ValueError)
  // unless `text` splits on '@' into exactly five parts and the third and
  // fourth are decimal integers that fit in int64 (an optional sign, then
  // digits). The message quotes the input and names the bad part.
  static CacheEngineKey from_string(std::string_view text);

  // The constant parts compare by handle; the chunk hash, which differs
  // between keys, first after the integers.
  friend bool operator==(const CacheEngineKey& a, const CacheEngineKey& b) {
    return a.world_size == b.world_size && a.worker_id == b.worker_id &&
           a.fmt == b.fmt && a.model_name == b.model_name &&
           a.chunk_hash == b.chunk_hash;
  }
  friend bool operator!=(const CacheEngineKey& a, const CacheEngineKey& b) {
    return !(a == b);
  }

  // Abseil hashing over all five fields (the interned parts by their
  // precomputed hashes: no text is read but the chunk hash).
  template <typename H>
  friend H AbslHashValue(H h, const CacheEngineKey& k) {
    return H::combine(std::move(h), k.fmt, k.model_name, k.world_size,
                      k.worker_id, k.chunk_hash);
  }
};

}  // namespace evictlab

#endif  // EVICTLAB_CACHE_ENGINE_KEY_H_
