// LfuLists: the O(1) frequency structure of LFUEvictor (lfu_evictor.h). Not
// for users.
//
// Nodes are numbered by the caller: over a dict with entry numbers
// (internal/entry_state.h) a node's number is its key's entry number, and
// the caller sizes the nodes to the dict's entry_limit() (`grow_to`); over
// the other dicts the caller takes numbers from this structure's own free
// list (`allocate`/`release`) and keeps the keys itself. A node holds no
// key: only its place in the lists (12 bytes: the two links inside its
// bucket and its bucket's number).
//
// A bucket per distinct frequency in use (24 bytes), kept in a list in
// ascending frequency order, each holding its nodes as an LRU list (oldest
// last access at the head). A node is attached (in a bucket) or detached (a
// victim chosen and not yet released, a free number, or a number not yet
// used); a detached node's links are stale.
//
// Complexity: every operation O(1), except `first` (O(1 + nodes passed
// over)) and `grow_to` (O(limit)). `touch`, `attach_new` and `allocate` may
// allocate (a new bucket, a new node), and then may throw std::bad_alloc
// (or std::length_error past 2^32 - 1 nodes) with nothing changed; the
// other operations never throw. Node and bucket numbers stay valid across
// growth (they are indices). NOT thread-safe.
#ifndef EVICTLAB_INTERNAL_LFU_LISTS_H_
#define EVICTLAB_INTERNAL_LFU_LISTS_H_

#include <cstddef>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <vector>

namespace evictlab::internal {

class LfuLists {
 public:
  using Index = std::uint32_t;
  static constexpr Index kNone = std::numeric_limits<Index>::max();

  // Nodes [0, limit()) exist (attached or not).
  std::size_t limit() const { return nodes_.size(); }
  // Makes nodes [0, limit) exist, the new ones detached. The capacity is
  // exactly `limit` when it grows (the entry-number form follows the dict's
  // slab, which doubles already). REQUIRES: limit >= limit(), no free list
  // in use (the entry-number form).
  void grow_to(std::size_t limit) {
    if (limit > nodes_.capacity()) nodes_.reserve(limit);
    nodes_.resize(limit);
  }
  // Whether a released node is waiting (then `allocate` cannot throw).
  bool has_free() const { return free_nodes_ != kNone; }
  // A detached node: the last released one, else a new one numbered
  // limit() (amortized O(1)).
  Index allocate() {
    if (free_nodes_ != kNone) {
      const Index n = free_nodes_;
      free_nodes_ = nodes_[n].next;
      return n;
    }
    if (nodes_.size() >= kNone) throw std::length_error("lfu: 2^32 - 1 nodes");
    nodes_.push_back(Node{});
    return static_cast<Index>(nodes_.size() - 1);
  }
  // Detaches `n` if needed and puts it on the free list.
  void release(Index n) {
    if (attached(n)) detach(n);
    nodes_[n].next = free_nodes_;
    free_nodes_ = n;
  }

  bool attached(Index n) const { return nodes_[n].bucket != kNone; }
  // REQUIRES: attached(n).
  std::uint64_t frequency(Index n) const {
    return buckets_[nodes_[n].bucket].freq;
  }

  // Attaches a detached node with frequency 1 as the newest of its bucket.
  void attach_new(Index n) {
    Index b = min_bucket_;
    if (b == kNone || buckets_[b].freq != 1) b = new_bucket(1, kNone, b);
    append(b, n);
  }

  // One access of an attached node: it moves to the newest end of the next
  // frequency's bucket.
  void touch(Index n) {
    const Index b = nodes_[n].bucket;
    const std::uint64_t f = buckets_[b].freq;
    Index up = buckets_[b].next;
    if (up == kNone || buckets_[up].freq != f + 1) {
      if (buckets_[b].head == n && buckets_[b].tail == n) {
        ++buckets_[b].freq;  // alone in its bucket: the bucket moves up
        return;
      }
      up = new_bucket(f + 1, b, up);
    }
    detach(n);
    append(up, n);
  }

  // Takes an attached node out of its bucket (the bucket goes when empty).
  void detach(Index n) {
    Node& node = nodes_[n];
    Bucket& b = buckets_[node.bucket];
    if (node.prev != kNone) {
      nodes_[node.prev].next = node.next;
    } else {
      b.head = node.next;
    }
    if (node.next != kNone) {
      nodes_[node.next].prev = node.prev;
    } else {
      b.tail = node.prev;
    }
    if (b.head == kNone) free_bucket(node.bucket);
    node.bucket = kNone;
  }

  // The first attached node in (frequency, last access) order for which
  // `skip(node)` is false, or kNone.
  template <class Skip>
  Index first(Skip&& skip) const {
    for (Index b = min_bucket_; b != kNone; b = buckets_[b].next) {
      for (Index n = buckets_[b].head; n != kNone; n = nodes_[n].next) {
        if (!skip(n)) return n;
      }
    }
    return kNone;
  }

 private:
  struct Node {
    Index prev = kNone;    // older in its bucket
    Index next = kNone;    // newer in its bucket; the free list's link
    Index bucket = kNone;  // kNone: detached
  };
  struct Bucket {
    std::uint64_t freq;
    Index prev;  // lower frequency
    Index next;  // higher frequency; the free list's link when free
    Index head;  // oldest last access
    Index tail;  // newest last access
  };

  // A bucket of frequency f linked between `prev` and `next`.
  Index new_bucket(std::uint64_t f, Index prev, Index next) {
    Index b;
    if (free_buckets_ != kNone) {
      b = free_buckets_;
      free_buckets_ = buckets_[b].next;
    } else {
      buckets_.push_back(Bucket{});
      b = static_cast<Index>(buckets_.size() - 1);
    }
    buckets_[b] = Bucket{f, prev, next, kNone, kNone};
    if (prev != kNone) {
      buckets_[prev].next = b;
    } else {
      min_bucket_ = b;
    }
    if (next != kNone) buckets_[next].prev = b;
    return b;
  }
  void free_bucket(Index b) {
    const Bucket& bucket = buckets_[b];
    if (bucket.prev != kNone) {
      buckets_[bucket.prev].next = bucket.next;
    } else {
      min_bucket_ = bucket.next;
    }
    if (bucket.next != kNone) buckets_[bucket.next].prev = bucket.prev;
    buckets_[b].next = free_buckets_;
    free_buckets_ = b;
  }
  void append(Index b, Index n) {
    Node& node = nodes_[n];
    Bucket& bucket = buckets_[b];
    node.bucket = b;
    node.prev = bucket.tail;
    node.next = kNone;
    if (bucket.tail != kNone) {
      nodes_[bucket.tail].next = n;
    } else {
      bucket.head = n;
    }
    bucket.tail = n;
  }

  std::vector<Node> nodes_;
  std::vector<Bucket> buckets_;
  Index free_nodes_ = kNone;
  Index free_buckets_ = kNone;
  Index min_bucket_ = kNone;
};

}  // namespace evictlab::internal

#endif  // EVICTLAB_INTERNAL_LFU_LISTS_H_
