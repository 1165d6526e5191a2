// A ring: io_uring_setup, the validated mappings of the SQ ring, CQ ring and SQE array, and the
// io_uring_enter calls that submit and wait. Move-only; the destructor unmaps and closes.
//
// Threading: get_sqe/submit are single-producer and peek/for_each/advance single-consumer. A ring
// created with Sharing::single_thread (the default) belongs to the thread that created it: the
// kernel enforces it (SINGLE_ISSUER answers -EEXIST to any other task), and the registered ring fd
// is an index into that thread's private table, so the ring must also be destroyed on that thread.
// Sharing::shared gives a ring any thread may enter, with the caller serialising access.
#pragma once

#include <linux/time_types.h>

#include <cerrno>
#include <cstddef>

#include "../syscalls/syscalls.hpp"
#include "completion.hpp"
#include "result.hpp"
#include "submission.hpp"

namespace uring {

enum class Sharing : unsigned char {
  // One thread creates, submits, reaps and destroys. Adds, where the kernel accepts them,
  // SINGLE_ISSUER | DEFER_TASKRUN | TASKRUN_FLAG and a registered ring fd.
  single_thread,
  // Any thread may use the ring (one at a time). Adds COOP_TASKRUN | TASKRUN_FLAG; no registered
  // fd.
  shared,
};

struct Params {
  unsigned entries = 64;    // SQ size: 1..32768, rounded up to a power of two by the kernel
  unsigned cq_entries = 0;  // 0: the kernel's default (2 * entries); else sets IORING_SETUP_CQSIZE
  // IORING_SETUP_* bits the caller requires: setup fails with the kernel's errno if it refuses any.
  unsigned flags = 0;
  Sharing sharing = Sharing::single_thread;
  // Add the optional flags below on top of `flags`, each dropped again if this kernel refuses it:
  // NO_SQARRAY, SUBMIT_ALL, and the Sharing set above. Off: exactly `flags` and `optional_flags`.
  bool default_flags = true;
  // More optional flags, each added where this kernel accepts it and dropped (newest first) where
  // it refuses the set with -EINVAL: a default flag can be had on its own with default_flags off.
  unsigned optional_flags = 0;
  // Optional flags never to add, even by default: IORING_SETUP_NO_SQARRAY here gives the SQ index
  // array layout of kernels before 6.6 on any kernel.
  unsigned without_flags = 0;
  // Register the ring fd (IORING_REGISTER_RING_FDS) so every enter skips the fd table lookup.
  // Only with Sharing::single_thread; silently off where the kernel lacks it.
  bool register_ring_fd = true;
  unsigned sq_thread_idle_ms = 0;  // SQPOLL: idle time before the poller sleeps
  int sq_thread_cpu = -1;          // SQPOLL: pin the poller to this CPU (sets IORING_SETUP_SQ_AFF)
  int attach_wq_fd = -1;  // share the async worker pool of this ring (IORING_SETUP_ATTACH_WQ)
};

class Ring {
 public:
  // Creates and maps a ring. Errors: -EINVAL (entries 0 or too large, unknown or contradictory
  // flags), -EOPNOTSUPP (SQE128, CQE32, NO_MMAP, REGISTERED_FD_ONLY: not supported by this
  // library), -EPROTO (the kernel's offsets do not fit its own mapping), or the kernel's errno:
  // -ENOSYS / -EPERM where io_uring is unavailable, -ENOMEM, -EMFILE ...
  static Result<Ring> create(const Params& params = {}) noexcept;

  Ring(Ring&& other) noexcept;
  Ring& operator=(Ring&& other) noexcept;
  Ring(const Ring&) = delete;
  Ring& operator=(const Ring&) = delete;
  ~Ring();

  // ---- submission ----
  io_uring_sqe* get_sqe() noexcept { return sq_.get_sqe(); }
  // n SQEs at once, or none (size() 0) when fewer than n are free: see SubmissionQueue::get_sqes.
  SqeBatch get_sqes(unsigned n) noexcept { return sq_.get_sqes(n); }
  // Publishes the prepared SQEs and enters the kernel if it has to (never with SQPOLL unless the
  // poller sleeps). Returns how many SQEs were submitted, or -errno.
  [[nodiscard]] int submit() noexcept { return submit_and_wait(0); }
  // submit() and wait until at least wait_nr CQEs are ready. Inline: this is the per-batch call of
  // every event loop, and without SQPOLL/IOPOLL it is a tail store, a flags check and the syscall.
  [[nodiscard]] int submit_and_wait(unsigned wait_nr) noexcept {
    const unsigned pending = sq_.flush();
    if (polled_) [[unlikely]]
      return submit_general(pending, wait_nr, nullptr);
    unsigned flags = enter_flags_;
    if (wait_nr != 0 || cq_needs_enter())
      flags |= IORING_ENTER_GETEVENTS;
    else if (pending == 0)
      return 0;
    return sys::io_uring_enter(enter_fd_, pending, wait_nr, flags, nullptr);
  }
  // The same with a relative timeout (may be null): -ETIME when it expires before wait_nr CQEs.
  [[nodiscard]] int submit_and_wait(unsigned wait_nr, const __kernel_timespec* timeout) noexcept;

  // ---- completion ----
  // The oldest ready CQE or nullptr; never enters the kernel. Consume with cqe_seen()/advance().
  io_uring_cqe* peek_cqe() noexcept { return cq_.peek(); }
  void cqe_seen() noexcept { cq_.advance(1); }
  void advance(unsigned n) noexcept { cq_.advance(n); }
  // Calls f(const io_uring_cqe&) for each ready CQE, then returns them to the kernel at once.
  template <class F>
  unsigned for_each_cqe(F&& f) noexcept(noexcept(f(std::declval<const io_uring_cqe&>()))) {
    return cq_.for_each(static_cast<F&&>(f));
  }
  // Like peek_cqe, but when the CQ looks empty while the kernel holds completions back (overflowed
  // CQEs, DEFER_TASKRUN/COOP_TASKRUN work; the SQ flags say so) enters once to fetch them.
  // Returns 0 with *cqe set, -EAGAIN when nothing is ready, or the kernel's -errno.
  [[nodiscard]] int poll_cqe(io_uring_cqe** cqe) noexcept {
    *cqe = cq_.peek();
    if (*cqe) return 0;
    return cq_needs_enter() ? fetch_cqe(cqe) : -EAGAIN;
  }
  // Blocks until a CQE is ready (submitting what is pending first). 0 with *cqe set, or -errno;
  // -ETIME when the timeout (may be null: no timeout) expires; -EINTR on a signal.
  [[nodiscard]] int wait_cqe(io_uring_cqe** cqe,
                             const __kernel_timespec* timeout = nullptr) noexcept;
  // Enters with GETEVENTS and min_complete 0: flushes overflowed CQEs into the ring and runs
  // deferred task work. Returns 0 or -errno.
  [[nodiscard]] int get_events() noexcept {
    const int ret =
        sys::io_uring_enter(enter_fd_, 0, 0, IORING_ENTER_GETEVENTS | enter_flags_, nullptr);
    return ret < 0 ? ret : 0;
  }
  // True when completions exist that only an enter makes visible.
  bool cq_needs_enter() const noexcept {
    return (sq_.flags() & (IORING_SQ_CQ_OVERFLOW | IORING_SQ_TASKRUN)) || defer_untracked_;
  }

  // ---- the rest ----
  SubmissionQueue& sq() noexcept { return sq_; }
  CompletionQueue& cq() noexcept { return cq_; }
  int fd() const noexcept { return ring_fd_; }
  unsigned flags() const noexcept { return setup_flags_; }  // IORING_SETUP_* in effect
  unsigned features() const noexcept { return features_; }  // IORING_FEAT_* of this kernel
  // The registered ring index used for every enter, or -1 when enters use the plain fd.
  int registered_index() const noexcept { return registered_ ? enter_fd_ : -1; }
  // io_uring_register on this ring, through the registered index when the kernel allows it.
  [[nodiscard]] int register_raw(unsigned opcode, const void* arg, unsigned nr_args) const noexcept;
  // io_uring_enter on this ring (registered index and flags applied). timeout may be null.
  [[nodiscard]] int enter(unsigned to_submit, unsigned min_complete, unsigned flags,
                          const __kernel_timespec* timeout) const noexcept;

 private:
  Ring() noexcept = default;
  void release() noexcept;
  // poll_cqe's slow half: one enter to fetch held-back completions, then a second look.
  int fetch_cqe(io_uring_cqe** cqe) noexcept;
  // The general submit_and_wait: any setup (SQPOLL wake-ups, IOPOLL reaping) and a timeout.
  int submit_general(unsigned pending, unsigned wait_nr, const __kernel_timespec* timeout) noexcept;

  SubmissionQueue sq_;
  CompletionQueue cq_;
  int enter_fd_ = -1;         // the ring fd or its registered index
  unsigned enter_flags_ = 0;  // IORING_ENTER_REGISTERED_RING when enter_fd_ is an index
  unsigned setup_flags_ = 0;
  unsigned features_ = 0;
  bool registered_ = false;
  bool polled_ = false;  // SQPOLL or IOPOLL: submit_and_wait takes submit_general()
  // DEFER_TASKRUN without TASKRUN_FLAG: no SQ flag says when work is waiting, so poll_cqe enters.
  bool defer_untracked_ = false;
  int ring_fd_ = -1;
  void* sq_ring_ = nullptr;
  std::size_t sq_ring_size_ = 0;
  void* cq_ring_ = nullptr;  // == sq_ring_ with IORING_FEAT_SINGLE_MMAP
  std::size_t cq_ring_size_ = 0;
  void* sqes_ = nullptr;
  std::size_t sqes_size_ = 0;
};

}  // namespace uring
