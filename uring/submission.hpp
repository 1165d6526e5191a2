// The submission queue: the application's side of the SQ ring protocol.
//
// Ownership of the shared words (see docs/memory-ordering.md):
//   tail    written by us only. One release store publishes every SQE written before it; pairs with
//           the kernel's smp_load_acquire of the tail when it fetches SQEs.
//   head    written by the kernel only (smp_store_release once it has copied SQEs out). We load it
//           with acquire, so our next writes into a recycled slot cannot move before that load.
//   flags   written by the kernel (NEED_WAKEUP, CQ_OVERFLOW, TASKRUN); read as a hint, see below.
// Everything else here (tail_, published_, limit_) is private to the owning thread: no atomics, no
// locks, no system calls, no allocation.
#pragma once

#include <atomic>
#include <cstdint>

#include "../syscalls/abi.hpp"

namespace uring {

// The words an empty (default-constructed or moved-from) queue points at: a ring of 0 entries whose
// indices are all 0 and never written, so every accessor answers "full" / "empty" instead of
// dereferencing null, at no cost to the hot path. Read-only in practice: an empty SQ hands out no
// SQE, so flush() never stores its tail; an empty CQ has nothing to advance over.
inline constinit unsigned kEmptyRingWords[4] = {};

// Pointers into a mapped SQ ring, already validated against the mapping's size (see Ring::create).
struct SqRingView {
  unsigned* head;
  unsigned* tail;
  unsigned* flags;
  unsigned* dropped;
  io_uring_sqe* sqes;
  unsigned entries;  // a power of two
};

// SQEs reserved together by SubmissionQueue::get_sqes: batch[i] is the i-th in ring order. A plain
// value the caller keeps in registers, so writing the SQEs cannot make the compiler reload the
// queue's indices between them (SQE fields may alias them as far as it knows).
// A refused reservation is false (`if (!batch)`); a granted one of 0 SQEs is true with size() 0.
// Shift: log2 of the SQE size in 64-byte units (1 on an IORING_SETUP_SQE128 ring).
template <unsigned Shift>
class BasicSqeBatch {
 public:
  unsigned size() const noexcept { return count_; }
  explicit operator bool() const noexcept { return sqes_ != nullptr; }
  io_uring_sqe& operator[](unsigned i) const noexcept {
    return sqes_[((first_ + i) & mask_) << Shift];
  }

 private:
  friend class SubmissionQueue;
  BasicSqeBatch(io_uring_sqe* sqes, unsigned first, unsigned mask, unsigned count) noexcept
      : sqes_(sqes), first_(first), mask_(mask), count_(count) {}
  io_uring_sqe* sqes_;
  unsigned first_, mask_, count_;
};
using SqeBatch = BasicSqeBatch<0>;

class SubmissionQueue {
 public:
  SubmissionQueue() noexcept = default;
  explicit SubmissionQueue(const SqRingView& v) noexcept
      : khead_(v.head),
        ktail_(v.tail),
        kflags_(v.flags),
        kdropped_(v.dropped),
        sqes_(v.sqes),
        mask_(v.entries - 1),
        entries_(v.entries),
        tail_(load_relaxed(v.tail)),
        published_(tail_),
        limit_(load_acquire(v.head) + v.entries) {}

  // The next free SQE, or nullptr when all `entries` slots hold SQEs the kernel has not consumed
  // yet (submit, then try again). The SQE keeps whatever the last request left in it: a prep
  // function overwrites every field but user_data (and not the upper 64 bytes of a 128-byte SQE).
  // Shift is log2 of the SQE size in 64-byte units: 0, or 1 on an IORING_SETUP_SQE128 ring (slot
  // i starts at sqes[i << 1]; the kernel indexes it the same way). Only the ring type chooses it
  // (BasicRing), so that the default ring's accessor is the same code as without the parameter.
  template <unsigned Shift = 0>
  io_uring_sqe* get_sqe() noexcept {
    if (tail_ == limit_) {
      // Only when the cached limit says "full" do we look at the kernel's head again: it only
      // moves forward, so a stale limit can only under-report free space.
      refresh_limit();
      if (tail_ == limit_) return nullptr;
    }
    return &sqes_[(tail_++ & mask_) << Shift];
  }

  // n SQEs at once, or none (a false batch) when fewer than n slots are free: all or nothing, like
  // get_sqe's nullptr. n == 0 is granted: a true batch of size 0. Every SQE of the batch must be
  // prepared before the next flush.
  template <unsigned Shift = 0>
  BasicSqeBatch<Shift> get_sqes(unsigned n) noexcept {
    if (limit_ - tail_ < n) {
      refresh_limit();
      if (limit_ - tail_ < n) return BasicSqeBatch<Shift>(nullptr, 0, 0, 0);
    }
    const BasicSqeBatch<Shift> batch(sqes_, tail_, mask_, n);
    tail_ += n;
    return batch;
  }

  // Publishes every SQE handed out so far with one release store of the tail, and returns how many
  // SQEs the kernel has not consumed yet (the to_submit argument of io_uring_enter).
  unsigned flush() noexcept {
    // Locals: the store through ktail_ could alias our members as far as the compiler knows, and
    // it would reload them after it.
    const unsigned tail = tail_;
    if (tail != published_) {
      std::atomic_ref<unsigned>(*ktail_).store(tail, std::memory_order_release);
      published_ = tail;
    }
    const unsigned head = load_acquire(khead_);
    limit_ = head + entries_;
    return tail - head;
  }

  // With SQPOLL: true when the poller thread went to sleep and needs IORING_ENTER_SQ_WAKEUP.
  // The full fence orders our tail store before the flags load; it pairs with the kernel's
  // smp_mb__after_atomic() between setting NEED_WAKEUP and re-reading the tail, so either the
  // poller sees our new tail or we see its NEED_WAKEUP (never neither).
  bool needs_wakeup() const noexcept {
    // GCC's -Wtsan says ThreadSanitizer does not model fences. The fence is still what makes this
    // correct (the other side is the kernel, which TSan cannot see anyway), so the warning is
    // silenced here alone: a consumer's -fsanitize=thread -Werror build must not fail on it.
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wtsan"
#endif
    std::atomic_thread_fence(std::memory_order_seq_cst);
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12
#pragma GCC diagnostic pop
#endif
    return std::atomic_ref<unsigned>(*kflags_).load(std::memory_order_relaxed) &
           IORING_SQ_NEED_WAKEUP;
  }

  // The kernel's SQ flags. A hint: a bit seen set (CQ_OVERFLOW, TASKRUN) is acted on by entering
  // the kernel, which re-checks under its own locks, so a relaxed load is enough.
  unsigned flags() const noexcept {
    return std::atomic_ref<unsigned>(*kflags_).load(std::memory_order_relaxed);
  }
  // SQEs the kernel dropped as invalid (only kernels that cannot post an error CQE for them).
  unsigned dropped() const noexcept {
    return std::atomic_ref<unsigned>(*kdropped_).load(std::memory_order_relaxed);
  }

  unsigned entries() const noexcept { return entries_; }
  // SQEs handed out by get_sqe that the kernel has not consumed yet, published or not.
  unsigned pending() const noexcept { return tail_ - load_acquire(khead_); }
  // SQEs handed out by get_sqe and not yet published by flush().
  unsigned unpublished() const noexcept { return tail_ - published_; }
  // Free slots now: entries minus what is handed out and not yet consumed, with an acquire load
  // of the kernel's head (as liburing's io_uring_sq_space_left). get_sqe keeps its own cached
  // limit and reloads the head only when that runs out.
  unsigned space_left() const noexcept { return entries_ - pending(); }

 private:
  void refresh_limit() noexcept { limit_ = load_acquire(khead_) + entries_; }
  static unsigned load_acquire(unsigned* p) noexcept {
    return std::atomic_ref<unsigned>(*p).load(std::memory_order_acquire);
  }
  static unsigned load_relaxed(unsigned* p) noexcept {
    return std::atomic_ref<unsigned>(*p).load(std::memory_order_relaxed);
  }

  unsigned* khead_ = &kEmptyRingWords[0];
  unsigned* ktail_ = &kEmptyRingWords[1];
  unsigned* kflags_ = &kEmptyRingWords[2];
  unsigned* kdropped_ = &kEmptyRingWords[3];
  io_uring_sqe* sqes_ = nullptr;
  unsigned mask_ = 0;
  unsigned entries_ = 0;
  unsigned tail_ = 0;       // next slot get_sqe hands out
  unsigned published_ = 0;  // the value last stored to *ktail_ (only we write it)
  unsigned limit_ = 0;      // last value loaded from *khead_, plus entries_: tail_ stops here
};

}  // namespace uring
