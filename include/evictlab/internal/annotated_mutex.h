// internal::AnnotatedMutexLock: absl::MutexLock that ThreadSanitizer can see.
//
// NOTE: Debian's Abseil is built without ThreadSanitizer, so absl::Mutex's
// lock and unlock (atomics inside the uninstrumented libabsl_synchronization)
// create no happens-before edge that TSan knows of, and every access to the
// data a Mutex guards is reported as a race. Abseil's own mutex.cc tells TSan
// about its semantics with the __tsan_mutex_* annotations, but only when it
// is itself compiled with -fsanitize=thread. This lock makes the same calls
// at our call sites instead; without TSan it is exactly absl::MutexLock.
//
// Thread-safety: as absl::MutexLock (a scoped exclusive lock; not movable).
#ifndef EVICTLAB_INTERNAL_ANNOTATED_MUTEX_H_
#define EVICTLAB_INTERNAL_ANNOTATED_MUTEX_H_

#include "absl/base/config.h"
#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

#ifdef ABSL_HAVE_THREAD_SANITIZER
#include <sanitizer/tsan_interface.h>
#endif

namespace evictlab::internal {

class ABSL_SCOPED_LOCKABLE AnnotatedMutexLock {
 public:
  explicit AnnotatedMutexLock(absl::Mutex* mu) ABSL_EXCLUSIVE_LOCK_FUNCTION(mu)
      : mu_(mu) {
#ifdef ABSL_HAVE_THREAD_SANITIZER
    __tsan_mutex_pre_lock(mu_, 0);
#endif
    mu_->Lock();
#ifdef ABSL_HAVE_THREAD_SANITIZER
    __tsan_mutex_post_lock(mu_, 0, 0);
#endif
  }
  ~AnnotatedMutexLock() ABSL_UNLOCK_FUNCTION() {
#ifdef ABSL_HAVE_THREAD_SANITIZER
    __tsan_mutex_pre_unlock(mu_, 0);
#endif
    mu_->Unlock();
#ifdef ABSL_HAVE_THREAD_SANITIZER
    __tsan_mutex_post_unlock(mu_, 0);
#endif
  }
  AnnotatedMutexLock(const AnnotatedMutexLock&) = delete;
  AnnotatedMutexLock& operator=(const AnnotatedMutexLock&) = delete;

 private:
  absl::Mutex* const mu_;
};

}  // namespace evictlab::internal

#endif  // EVICTLAB_INTERNAL_ANNOTATED_MUTEX_H_
