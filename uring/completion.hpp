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
#include "submission.hpp"  // kEmptyRingWords

namespace uring {

// Pointers into a mapped CQ ring, already validated against the mapping's size (see Ring::create).
struct CqRingView {
  unsigned* head;
  unsigned* tail;
  unsigned* overflow;
  unsigned* flags;  // IORING_CQ_* (written by us, read by the kernel); 5.8+
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
        kflags_(v.flags),
        cqes_(v.cqes),
        mask_(v.entries - 1),
        entries_(v.entries),
        head_(std::atomic_ref<unsigned>(*v.head).load(std::memory_order_relaxed)),
        cached_tail_(head_) {}

  // The oldest unconsumed CQE, or nullptr. It stays valid until advance() moves past it.
  // Shift is log2 of the CQE size in 16-byte units: 0, or 1 on an IORING_SETUP_CQE32 ring (entry
  // i starts at cqes[i << 1], and the indices count 32-byte entries). Only the ring type chooses it
  // (BasicRing), so that the default ring's accessors are the same code as without the parameter.
  // Mixed rings (IORING_SETUP_CQE_MIXED) have their own accessors below.
  template <unsigned Shift = 0>
  io_uring_cqe* peek() noexcept {
    if (head_ == cached_tail_) {
      cached_tail_ = load_tail();
      if (head_ == cached_tail_) return nullptr;
    }
    return &cqes_[(head_ & mask_) << Shift];
  }

  // Gives `n` consumed CQEs back to the kernel with one release store of the head. Never moves
  // past the CQEs already seen ready (by peek, ready or peek_batch): a larger n is cut to that, so
  // a stray call cannot hand the kernel a head beyond its tail. Returns how many it advanced.
  unsigned advance(unsigned n) noexcept {
    const unsigned seen = cached_tail_ - head_;
    if (n > seen) n = seen;
    if (n == 0) return 0;
    head_ += n;
    std::atomic_ref<unsigned>(*khead_).store(head_, std::memory_order_release);
    return n;
  }

  // Consumes `cqe` if it is the oldest unconsumed CQE (the one peek returned); otherwise nothing.
  // Returns whether it advanced.
  template <unsigned Shift = 0>
  bool seen(const io_uring_cqe* cqe) noexcept {
    if (head_ == cached_tail_ || cqe != &cqes_[(head_ & mask_) << Shift]) return false;
    return advance(1) == 1;
  }

  // Calls f(const io_uring_cqe&) for every CQE ready now, oldest first, then advances the head
  // once. Returns how many were seen. While f runs, the CQE it got counts as consumed here (peek
  // inside f gives the next one) but its slot stays the caller's: the kernel sees the new head
  // only after the last f. f must not call advance() or for_each() on this queue.
  template <unsigned Shift = 0, class F>
  unsigned for_each(F&& f) noexcept(noexcept(f(*cqes_))) {
    const unsigned tail = load_tail();
    cached_tail_ = tail;
    const unsigned n = tail - head_;
    if (n == 0) return 0;
    while (head_ != tail) f(static_cast<const io_uring_cqe&>(cqes_[(head_++ & mask_) << Shift]));
    std::atomic_ref<unsigned>(*khead_).store(head_, std::memory_order_release);
    return n;
  }

  // Every CQE ready now, without consuming any: batch[i] is the i-th oldest, valid until advance()
  // moves past it. Consume with advance(batch.size()) (or fewer).
  template <unsigned Shift>
  class BasicBatch {
   public:
    unsigned size() const noexcept { return count_; }
    const io_uring_cqe& operator[](unsigned i) const noexcept {
      return cqes_[((first_ + i) & mask_) << Shift];
    }

   private:
    friend class CompletionQueue;
    BasicBatch(const io_uring_cqe* cqes, unsigned first, unsigned mask, unsigned count) noexcept
        : cqes_(cqes), first_(first), mask_(mask), count_(count) {}
    const io_uring_cqe* cqes_;
    unsigned first_, mask_, count_;
  };
  using Batch = BasicBatch<0>;
  template <unsigned Shift = 0>
  BasicBatch<Shift> peek_batch() noexcept {
    const unsigned n = ready();
    return BasicBatch<Shift>(cqes_, head_, mask_, n);
  }

  // ---- IORING_SETUP_CQE_MIXED (6.18) ----
  // One ring of 16-byte slots holding CQEs of both sizes: a 32-byte CQE carries IORING_CQE_F_32 and
  // takes two slots. It never wraps around the end of the array: where one slot is left there, the
  // kernel fills it with a CQE flagged IORING_CQE_F_SKIP that carries nothing, and the 32-byte CQE
  // goes to slot 0. The head and tail count slots, as does ready(); the accessors below step over
  // the pads (taking them as consumed, published with the next head store) and over both slots of
  // a 32-byte CQE.
  io_uring_cqe* peek_mixed() noexcept {
    for (;;) {
      if (head_ == cached_tail_) {
        cached_tail_ = load_tail();
        if (head_ == cached_tail_) return nullptr;
      }
      io_uring_cqe* cqe = &cqes_[head_ & mask_];
      if (!(cqe->flags & IORING_CQE_F_SKIP)) return cqe;
      ++head_;
    }
  }
  // Consumes `cqe` (one or two slots) if it is what peek_mixed returned; otherwise nothing.
  bool seen_mixed(const io_uring_cqe* cqe) noexcept {
    if (head_ == cached_tail_ || cqe != &cqes_[head_ & mask_]) return false;
    return advance(slots(*cqe)) != 0;
  }
  // for_each on a mixed ring: f sees every CQE but the pads. Returns how many it saw.
  template <class F>
  unsigned for_each_mixed(F&& f) noexcept(noexcept(f(*cqes_))) {
    const unsigned tail = load_tail();
    cached_tail_ = tail;
    if (head_ == tail) return 0;
    unsigned n = 0;
    while (head_ != tail) {
      const io_uring_cqe& cqe = cqes_[head_ & mask_];
      head_ += slots(cqe);
      if (cqe.flags & IORING_CQE_F_SKIP) continue;
      f(cqe);
      ++n;
    }
    std::atomic_ref<unsigned>(*khead_).store(head_, std::memory_order_release);
    return n;
  }
  // Slots a CQE of a mixed ring takes.
  static unsigned slots(const io_uring_cqe& cqe) noexcept {
    return (cqe.flags & IORING_CQE_F_32) ? 2 : 1;
  }

  // Stores the private head into the ring (a mixed ring's peek moves past pads without storing it).
  void publish_head() noexcept {
    std::atomic_ref<unsigned>(*khead_).store(head_, std::memory_order_release);
  }
  // CQEs ready now.
  unsigned ready() noexcept {
    cached_tail_ = load_tail();
    return cached_tail_ - head_;
  }
  unsigned entries() const noexcept { return entries_; }
  // The CQ ring's flags word: only IORING_CQ_EVENTFD_DISABLED today. Written by us, read by the
  // kernel with READ_ONCE when it would signal a registered eventfd: a relaxed store suffices,
  // since no data is published through it (a signal sent just before the store is harmless).
  unsigned flags() const noexcept {
    return std::atomic_ref<unsigned>(*kflags_).load(std::memory_order_relaxed);
  }
  void set_flags(unsigned f) noexcept {
    std::atomic_ref<unsigned>(*kflags_).store(f, std::memory_order_relaxed);
  }
  // CQEs the kernel had to drop (only kernels without IORING_FEAT_NODROP ever drop any).
  unsigned overflow() const noexcept {
    return std::atomic_ref<unsigned>(*koverflow_).load(std::memory_order_relaxed);
  }

 private:
  unsigned load_tail() const noexcept {
    return std::atomic_ref<unsigned>(*ktail_).load(std::memory_order_acquire);
  }

  unsigned* khead_ = &kEmptyRingWords[0];
  unsigned* ktail_ = &kEmptyRingWords[1];
  unsigned* koverflow_ = &kEmptyRingWords[3];
  unsigned* kflags_ = &kEmptyRingWords[2];
  io_uring_cqe* cqes_ = nullptr;
  unsigned mask_ = 0;
  unsigned entries_ = 0;
  unsigned head_ = 0;         // next CQE to consume; the value last stored to *khead_ after advance
  unsigned cached_tail_ = 0;  // last value loaded from *ktail_
};

}  // namespace uring
