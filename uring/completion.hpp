// The completion queue: the application's side of the CQ ring protocol.
//
// Ownership of the shared words (see docs/memory-ordering.md):
//   tail      written by the kernel only (smp_store_release after filling CQEs, io_commit_cqring).
//             We load it with acquire, so the CQE contents we read afterwards are the kernel's.
//   head      written by us only. A release store after we are done reading CQEs; pairs with the
//             kernel's read of the head before it overwrites a slot, so it never reuses one we are
//             still reading.
//   overflow  written by the kernel: CQEs lost on kernels without IORING_FEAT_NODROP.
// head_ and cached_tail_ are private to the owning thread: no atomics, no locks, no system calls,
// no allocation.
#pragma once

#include <atomic>

#include "../syscalls/abi.hpp"

namespace uring {

// Pointers into a mapped CQ ring, already validated against the mapping's size (see Ring::create).
struct CqRingView {
  unsigned* head;
  unsigned* tail;
  unsigned* overflow;
  io_uring_cqe* cqes;
  unsigned entries;  // a power of two
};

class CompletionQueue {
 public:
  CompletionQueue() noexcept = default;
  explicit CompletionQueue(const CqRingView& v) noexcept
      : khead_(v.head),
        ktail_(v.tail),
        koverflow_(v.overflow),
        cqes_(v.cqes),
        mask_(v.entries - 1),
        entries_(v.entries),
        head_(std::atomic_ref<unsigned>(*v.head).load(std::memory_order_relaxed)),
        cached_tail_(head_) {}

  // The oldest unconsumed CQE, or nullptr. It stays valid until advance() moves past it.
  io_uring_cqe* peek() noexcept {
    if (head_ == cached_tail_) {
      cached_tail_ = load_tail();
      if (head_ == cached_tail_) return nullptr;
    }
    return &cqes_[head_ & mask_];
  }

  // Gives `n` consumed CQEs back to the kernel with one release store of the head.
  void advance(unsigned n) noexcept {
    head_ += n;
    std::atomic_ref<unsigned>(*khead_).store(head_, std::memory_order_release);
  }

  // Calls f(const io_uring_cqe&) for every CQE ready now, oldest first, then advances the head
  // once. Returns how many were seen. f must not call advance() or for_each() on this queue.
  template <class F>
  unsigned for_each(F&& f) noexcept(noexcept(f(*cqes_))) {
    const unsigned tail = load_tail();
    cached_tail_ = tail;
    const unsigned n = tail - head_;
    for (unsigned h = head_; h != tail; ++h) f(static_cast<const io_uring_cqe&>(cqes_[h & mask_]));
    if (n != 0) advance(n);
    return n;
  }

  // CQEs ready now.
  unsigned ready() noexcept {
    cached_tail_ = load_tail();
    return cached_tail_ - head_;
  }
  unsigned entries() const noexcept { return entries_; }
  // CQEs the kernel had to drop (only kernels without IORING_FEAT_NODROP ever drop any).
  unsigned overflow() const noexcept {
    return std::atomic_ref<unsigned>(*koverflow_).load(std::memory_order_relaxed);
  }

 private:
  unsigned load_tail() const noexcept {
    return std::atomic_ref<unsigned>(*ktail_).load(std::memory_order_acquire);
  }

  unsigned* khead_ = nullptr;
  unsigned* ktail_ = nullptr;
  unsigned* koverflow_ = nullptr;
  io_uring_cqe* cqes_ = nullptr;
  unsigned mask_ = 0;
  unsigned entries_ = 0;
  unsigned head_ = 0;         // next CQE to consume; the value last stored to *khead_ after advance
  unsigned cached_tail_ = 0;  // last value loaded from *ktail_
};

}  // namespace uring
