// A ring: io_uring_setup, the validated mappings of the SQ ring, CQ ring and SQE array, and the
// io_uring_enter calls that submit and wait. Move-only; the destructor unmaps and closes.
//
// Threading: get_sqe/submit are single-producer and peek/for_each/advance single-consumer. A ring
// created with Sharing::single_thread (the default) belongs to the thread that created it (its
// owner): the kernel refuses other tasks' submissions (SINGLE_ISSUER: -EEXIST), and a registered
// ring fd is an index into the owner's private table, which in another thread names another ring
// or none. So every call that enters through the registered index checks the calling thread first
// and answers -EXDEV elsewhere (an errno io_uring_enter never gives); registration calls use the
// plain fd, where the kernel's own SINGLE_ISSUER check answers -EEXIST (after close_ring_fd there
// is no plain fd: they go through the index, on the owner thread only). Destroy the ring on its
// owner thread, or after that thread has exited (see ~Ring). Sharing::shared gives a ring any
// thread may enter, with the caller serialising access.
#pragma once

#include <linux/time_types.h>
#include <signal.h>
#include <time.h>

#include <cerrno>
#include <cstddef>
#include <span>
#include <utility>

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

namespace detail {
// The calling thread's id, cached per thread (0 until first asked): Ring::on_owner_thread() is a
// TLS load and a compare. A fork child's cache is reset (pthread_atfork), since it inherits the
// value.
inline thread_local int tls_tid = 0;
int cache_tid() noexcept;  // gettid(), stored in tls_tid
}  // namespace detail

// How long a wait may block, and what else bounds it (liburing's io_uring_wait_cqes /
// io_uring_submit_and_wait_min_timeout arguments, as one value).
struct WaitSpec {
  unsigned nr = 1;  // CQEs to wait for
  // Null: no time limit. Otherwise a relative time, turned into a deadline when the call starts,
  // so that entering the kernel again (after a signal hidden by a submission count, say) never
  // restarts it; or, with `absolute`, the deadline itself on the ring's clock (CLOCK_MONOTONIC
  // unless Ring::register_clock chose another).
  const __kernel_timespec* timeout = nullptr;
  bool absolute = false;
  // 6.12 (IORING_FEAT_MIN_TIMEOUT): after this many microseconds, return as soon as one CQE is
  // ready even if fewer than nr are. -EOPNOTSUPP on older kernels (the library's refusal).
  unsigned min_wait_usec = 0;
  const sigset_t* sigmask = nullptr;  // signals blocked only while waiting (like ppoll)
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

// The size of the entries a ring is set up with: the type chooses it (BasicRing), never a runtime
// flag, so that the accessors of each ring type compute one fixed stride.
enum class SqeSize : unsigned char {
  b64,   // the default
  b128,  // IORING_SETUP_SQE128 (5.19): 80 bytes of command at sqe.cmd (URING_CMD passthrough)
};
enum class CqeSize : unsigned char {
  b16,    // the default
  b32,    // IORING_SETUP_CQE32 (5.19): every CQE has big_cqe[0] and big_cqe[1]
  mixed,  // IORING_SETUP_CQE_MIXED (6.18): 16-byte CQEs, and 32-byte ones flagged IORING_CQE_F_32
};

// liburing's io_uring_cqe_shift_from_flags / io_uring_sqe_shift_from_flags: the index shift of the
// CQ / SQE array of a ring set up with these IORING_SETUP_* flags, 1 with CQE32 / SQE128 (entries
// twice the base size), else 0. A CQE_MIXED ring's shift is 0: its slots are 16 bytes.
constexpr unsigned cqe_shift_from_flags(unsigned flags) noexcept {
  return (flags & IORING_SETUP_CQE32) ? 1 : 0;
}
constexpr unsigned sqe_shift_from_flags(unsigned flags) noexcept {
  return (flags & IORING_SETUP_SQE128) ? 1 : 0;
}
// liburing's io_uring_cqe_nr: the 16-byte CQ slots this CQE takes on a CQE_MIXED ring (6.18): 2
// when the kernel flagged it IORING_CQE_F_32, else 1. What cq_advance counts there.
constexpr unsigned cqe_nr(const io_uring_cqe& cqe) noexcept {
  return (cqe.flags & IORING_CQE_F_32) ? 2 : 1;
}
constexpr unsigned cqe_nr(const io_uring_cqe* cqe) noexcept { return cqe_nr(*cqe); }

// Everything a ring is that does not depend on its entry sizes: setup and mappings, the SQ and CQ
// indices, and every io_uring_enter / io_uring_register call. The typed accessors that hand out
// SQEs and CQEs are BasicRing's. Functions that take a RingCore& (register.hpp, control.hpp,
// buffers.hpp, buf_ring.hpp) work with every ring type.
class RingCore {
 public:
  // A moved-from or default ring is empty: it hands out no SQE (get_sqe nullptr), sees no CQE, and
  // a call that would enter the kernel answers -EBADF.
  RingCore() noexcept = default;
  RingCore(RingCore&& other) noexcept;
  RingCore& operator=(RingCore&& other) noexcept;
  RingCore(const RingCore&) = delete;
  RingCore& operator=(const RingCore&) = delete;
  // Unregisters the ring fd, unmaps, closes. Off the owner thread while the owner still runs, the
  // registered index cannot be released (it lives in the owner's table, and the same number here
  // may name another ring): the destructor leaves it, which keeps the ring's kernel context alive
  // until the owner exits, and says so in one line on stderr.
  ~RingCore();

  // ---- submission ----
  // Publishes the prepared SQEs and enters the kernel if it has to: with SQEs to submit (SQPOLL:
  // only to wake a sleeping poller), with completions held back (overflow, task work), and always
  // on IOPOLL rings (completions are reaped by entering). Returns how many SQEs were submitted,
  // or -errno.
  [[nodiscard]] int submit() noexcept { return submit_and_wait(0); }
  // submit() and wait until at least wait_nr CQEs are ready. Inline: this is the per-batch call of
  // every event loop, and without SQPOLL/IOPOLL it is a tail store, a flags check and the syscall.
  [[nodiscard]] int submit_and_wait(unsigned wait_nr) noexcept {
    const unsigned pending = sq_.flush();
    if (polled_) [[unlikely]]
      return submit_general(pending, WaitSpec{wait_nr});
    unsigned flags = enter_flags_;
    if (wait_nr != 0 || cq_needs_enter())
      flags |= IORING_ENTER_GETEVENTS;
    else if (pending == 0)
      return 0;
    // The owner check: one TLS load and compare (the cached id is 0 until first asked, and no
    // owner has id 0, so a thread that never asked takes the cold path once).
    if (registered_ && detail::tls_tid != owner_tid_) [[unlikely]]
      return enter_off_owner(pending, wait_nr, flags);
    return sys::io_uring_enter(enter_fd_, pending, wait_nr, flags, nullptr);
  }
  // The same, bounded: timeout (may be null) is relative and is a deadline for the whole call.
  // -ETIME when it passes before wait_nr CQEs are ready, even if this call submitted SQEs (they
  // stay submitted); -EINTR when a signal ended the wait.
  [[nodiscard]] int submit_and_wait(unsigned wait_nr, const __kernel_timespec* timeout) noexcept {
    WaitSpec w;
    w.nr = wait_nr;
    w.timeout = timeout;
    return submit_general(sq_.flush(), w);
  }
  // The same with every bound: deadline, min-wait, signal mask.
  [[nodiscard]] int submit_and_wait(const WaitSpec& wait) noexcept {
    return submit_general(sq_.flush(), wait);
  }

  // SQEs handed out and not consumed by the kernel yet, and free SQ slots (liburing's sq_ready /
  // sq_space_left).
  unsigned sq_ready() const noexcept { return sq_.pending(); }
  unsigned sq_space_left() const noexcept { return sq_.space_left(); }

  // ---- completion ----
  // Consumes n CQEs, at most as many as were seen ready. On a CQE_MIXED ring n counts 16-byte
  // slots, as liburing's io_uring_cq_advance does (a 32-byte CQE is 2): prefer cqe_seen there.
  void advance(unsigned n) noexcept { cq_.advance(n); }
  void cq_advance(unsigned n) noexcept { cq_.advance(n); }
  // CQEs ready now (CQE_MIXED: 16-byte slots, pads included; so do the kernel's wait counts).
  unsigned cq_ready() noexcept { return cq_.ready(); }
  // The kernel holds CQEs that did not fit in the CQ (an enter with GETEVENTS moves them in).
  bool cq_has_overflow() const noexcept { return sq_.flags() & IORING_SQ_CQ_OVERFLOW; }
  // Enters with GETEVENTS and min_complete 0: flushes overflowed CQEs into the ring and runs
  // deferred task work. Returns 0 or -errno (-EBADR: the kernel had to drop a CQE it could not
  // store, see cq_dropped()).
  [[nodiscard]] int get_events() noexcept {
    const int ret = enter(0, 0, IORING_ENTER_GETEVENTS, nullptr);
    return ret < 0 ? ret : 0;
  }
  // liburing's io_uring_submit_and_get_events: submits what is queued and enters with GETEVENTS
  // even when nothing is (flushing overflowed CQEs, running deferred task work), waiting for
  // nothing. Returns the number submitted (SQPOLL: published for the poller), or -errno.
  [[nodiscard]] int submit_and_get_events() noexcept;
  // liburing's io_uring_sqring_wait: on an SQPOLL ring whose SQ is full, blocks until the poller
  // has consumed an entry (IORING_ENTER_SQ_WAIT, 5.10). 0 at once when the SQ has room or the
  // ring is not SQPOLL; else 0 or the kernel's -errno.
  [[nodiscard]] int sqring_wait() noexcept;
  // liburing's io_uring_cq_eventfd_enabled / _toggle: whether the kernel signals an eventfd
  // registered on this ring (register_eventfd) when it posts CQEs. The toggle answers
  // -EOPNOTSUPP (the library's) on kernels without the CQ flags word (before 5.8).
  bool cq_eventfd_enabled() const noexcept { return !(cq_.flags() & IORING_CQ_EVENTFD_DISABLED); }
  [[nodiscard]] int cq_eventfd_toggle(bool enabled) noexcept;
  // True when completions exist that only an enter makes visible.
  bool cq_needs_enter() const noexcept {
    return (sq_.flags() & (IORING_SQ_CQ_OVERFLOW | IORING_SQ_TASKRUN)) || defer_untracked_;
  }
  // The kernel answered -EBADR to an enter of this ring: it could not allocate room for an
  // overflowing CQE and dropped it (even with IORING_FEAT_NODROP). Sticky.
  bool cq_dropped() const noexcept { return cq_dropped_; }

  // ---- resizing (IORING_REGISTER_RESIZE_RINGS, 6.13) ----
  // liburing's io_uring_resize_rings: new SQ and CQ sizes (cq_entries 0: the kernel's default,
  // twice sq_entries), keeping every SQE and CQE not consumed yet. Publishes the SQEs handed out
  // so far, has the kernel allocate the new rings and copy the pending entries into them, then maps
  // the new rings and re-derives every pointer; the indices carry over. Every io_uring_sqe* and
  // io_uring_cqe* taken from the ring before the call is dangling after it. Owner thread only.
  // The kernel's answers: -EINVAL on rings without DEFER_TASKRUN (every SQPOLL ring, and
  // Sharing::shared) and for bad sizes, -EOVERFLOW when more SQEs or CQEs are pending than the new
  // rings hold (the old rings stay, untouched). The library's: -EOPNOTSUPP before 6.13 (which
  // io_uring_register never answers to this opcode); an -errno of mmap after the kernel switched
  // (then the ring is empty, as if moved from: the kernel's rings cannot be reached any more).
  [[nodiscard]] int resize_rings(unsigned sq_entries, unsigned cq_entries = 0) noexcept;

  // ---- registered wait arguments (6.13) ----
  // liburing's io_uring_submit_and_wait_reg: submit() and wait for wait_nr CQEs, with the wait
  // argument the kernel reads from the ring's registered wait region (register_wait_region,
  // control.hpp) at index * sizeof(abi::reg_wait): its timeout (relative, with
  // abi::IORING_REG_WAIT_TS), min_wait_usec and signal mask. Nothing is copied per call. One
  // enter, the kernel's answer as is: submitted SQEs, -ETIME when the timeout passed first (even
  // if SQEs were submitted), -EFAULT for an index outside the region (or no region), -EINVAL for
  // unknown reg_wait flags. -EOPNOTSUPP before 6.13 (the library's; the kernel answers -EINVAL to
  // the unknown enter flag).
  [[nodiscard]] int submit_and_wait_reg(unsigned wait_nr, unsigned index) noexcept;

  // ---- the registered ring fd (IORING_REGISTER_RING_FDS, 5.18) ----
  // A registered ring fd is an index into the registering thread's private table: enters pass it
  // with IORING_ENTER_REGISTERED_RING and skip the fd table. Rings made with Params::
  // register_ring_fd (the default for Sharing::single_thread) have one from setup. All three are
  // owner-thread calls (-EXDEV elsewhere, the library's) on a ring that exists (-EBADF on an
  // empty one, the library's).
  // liburing's io_uring_register_ring_fd: registers the ring fd in the calling thread's table.
  // 1 on success; -EEXIST when already registered (liburing's answer, also right after a
  // default setup); the kernel's -errno otherwise (-EINVAL before 5.18, -EBUSY when the table's
  // 16 slots are taken). A Sharing::shared ring becomes owner-thread-only, as registered rings are.
  [[nodiscard]] int register_ring_fd() noexcept;
  // liburing's io_uring_unregister_ring_fd: drops the registration; enters use the plain fd again.
  // 1 on success; -EINVAL when not registered (liburing's). -EBADFD (the library's: the kernel
  // never answers it to IORING_UNREGISTER_RING_FDS) after close_ring_fd, when the index is the
  // ring's only handle left.
  [[nodiscard]] int unregister_ring_fd() noexcept;
  // liburing's io_uring_close_ring_fd: closes the plain fd of a registered ring; from then on the
  // ring is reached only through its index: enters as before, register calls with
  // IORING_REGISTER_USE_REGISTERED_RING (6.3, IORING_FEAT_REG_REG_RING), owner thread only. The
  // mappings keep the ring alive; the destructor unregisters the index. fd() is -1 afterwards.
  // 1 on success; -EOPNOTSUPP without IORING_FEAT_REG_REG_RING (before 6.3), -EINVAL when not
  // registered, -EBADF when already closed (liburing's three answers). What needs the plain fd
  // is refused afterwards with -EBADFD (the library's; io_uring_register and mmap never give it
  // for these calls): resize_rings, unregister_ring_fd, BufRing/FixedBuffers::create and
  // setup_buf_ring with IOU_PBUF_RING_MMAP (mmap of the ring fd). A BufRing or FixedBuffers made
  // before is unaffected: each holds its own duplicate of the fd.
  [[nodiscard]] int close_ring_fd() noexcept;
  // True after close_ring_fd.
  bool ring_fd_closed() const noexcept { return fd_closed_; }

  // ---- liburing's small ring calls ----
  // liburing's io_uring_set_iowait: false adds IORING_ENTER_NO_IOWAIT (6.15) to every enter, so
  // the kernel does not count this ring's waits as iowait; true (the default) removes it. 0, or
  // -EOPNOTSUPP (liburing's answer) without IORING_FEAT_NO_IOWAIT, the ring unchanged.
  [[nodiscard]] int set_iowait(bool enable_iowait) noexcept;
  // liburing's io_uring_ring_dontfork: madvise(MADV_DONTFORK) over the SQE array, the SQ ring and
  // (where separate) the CQ ring, so that a fork child gets none of them (touching them there
  // faults). 0; -EINVAL on an empty ring (liburing's); madvise's -errno.
  [[nodiscard]] int ring_dontfork() noexcept;

  // ---- the rest ----
  // The queues themselves. Their get_sqe/peek/for_each default to 64-byte SQEs and 16-byte CQEs:
  // on other ring types use BasicRing's accessors, which pass the right stride.
  SubmissionQueue& sq() noexcept { return sq_; }
  CompletionQueue& cq() noexcept { return cq_; }
  int fd() const noexcept { return ring_fd_; }
  unsigned flags() const noexcept { return setup_flags_; }  // IORING_SETUP_* in effect
  unsigned features() const noexcept { return features_; }  // IORING_FEAT_* of this kernel
  // The registered ring index used for every enter, or -1 when enters use the plain fd.
  int registered_index() const noexcept { return registered_ ? enter_fd_ : -1; }
  // The thread that created the ring (its kernel thread id).
  int owner_tid() const noexcept { return owner_tid_; }
  bool on_owner_thread() const noexcept {
    int tid = detail::tls_tid;
    if (tid == 0) [[unlikely]]
      tid = detail::cache_tid();
    return tid == owner_tid_;
  }
  // io_uring_register on this ring through the plain fd: registration is a cold path, and there
  // the kernel checks SINGLE_ISSUER itself (-EEXIST from another thread). After close_ring_fd,
  // through the registered index (IORING_REGISTER_USE_REGISTERED_RING), owner thread only.
  [[nodiscard]] int register_raw(unsigned opcode, const void* arg, unsigned nr_args) const noexcept;
  // io_uring_enter on this ring (registered index and flags applied; -EXDEV off the owner thread
  // of a registered ring). timeout (relative, may be null) is passed as is.
  [[nodiscard]] int enter(unsigned to_submit, unsigned min_complete, unsigned flags,
                          const __kernel_timespec* timeout) noexcept;
  // IORING_REGISTER_CLOCK (6.12): the clock of absolute wait deadlines and of the kernel's wait
  // timeouts (the kernel takes CLOCK_MONOTONIC or CLOCK_BOOTTIME). The kernel's answer as is
  // (-EINVAL before 6.12); uring::register_clock (control.hpp) turns that into -EOPNOTSUPP.
  [[nodiscard]] int register_clock(clockid_t clock) noexcept;

 protected:
  // Ring::create's work for every ring type: size_flags are the type's IORING_SETUP_SQE128 /
  // CQE32 / CQE_MIXED. 0 or -errno; on failure the destructor releases what was set up.
  int init(const Params& params, unsigned size_flags) noexcept;
  // wait_cqes without the CQE pointer: 0 once wait.nr CQEs are ready, or -errno.
  int wait_ready(const WaitSpec& wait) noexcept;
  // submit_and_wait_min_timeout without the CQE pointer.
  int submit_and_wait_bounded(unsigned wait_nr, const __kernel_timespec* ts, unsigned min_wait_usec,
                              const sigset_t* sigmask) noexcept;
  // poll_cqe's slow half: whether to enter (held-back completions, IOPOLL) and the enter.
  bool worth_entering() const noexcept { return cq_needs_enter() || iopoll_; }

  SubmissionQueue sq_;
  CompletionQueue cq_;

 private:
  // The three mappings of a ring, and the views derived from them.
  struct Mapping {
    void* sq_ring = nullptr;
    std::size_t sq_ring_size = 0;
    void* cq_ring = nullptr;  // == sq_ring with IORING_FEAT_SINGLE_MMAP
    std::size_t cq_ring_size = 0;
    void* sqes = nullptr;
    std::size_t sqes_size = 0;
    void unmap() noexcept;
  };
  // Checks the offsets and sizes in kp, maps the rings of ring_fd_ into *m and builds the queues
  // into sq / cq. 0 or -errno (-EPROTO: offsets not usable); on failure *m holds what was mapped.
  int map_rings(const io_uring_params& kp, Mapping* m, SubmissionQueue* sq,
                CompletionQueue* cq) const noexcept;
  void release() noexcept;
  // submit_and_wait's cold half when the cached thread id differs from the owner's: asks for the
  // id, then enters or answers -EXDEV.
  int enter_off_owner(unsigned to_submit, unsigned min_complete, unsigned flags) noexcept;
  // submit_and_wait for any setup (SQPOLL wake-ups, IOPOLL reaping) and any bound.
  int submit_general(unsigned pending, const WaitSpec& wait) noexcept;

  int enter_fd_ = -1;         // the ring fd or its registered index
  unsigned enter_flags_ = 0;  // IORING_ENTER_REGISTERED_RING when enter_fd_ is an index
  unsigned setup_flags_ = 0;
  unsigned features_ = 0;
  bool registered_ = false;
  bool polled_ = false;  // SQPOLL or IOPOLL: submit_and_wait takes submit_general()
  bool iopoll_ = false;  // IOPOLL: completions are reaped only by entering
  // DEFER_TASKRUN without TASKRUN_FLAG: no SQ flag says when work is waiting, so poll_cqe enters.
  bool defer_untracked_ = false;
  bool cq_dropped_ = false;
  bool cq_flags_ = false;              // the kernel gave a CQ flags word (5.8+)
  bool fd_closed_ = false;             // close_ring_fd: ring_fd_ is -1, the index remains
  clockid_t clock_ = CLOCK_MONOTONIC;  // of WaitSpec deadlines
  int owner_tid_ = 0;
  int ring_fd_ = -1;
  Mapping map_;
};

// A ring whose SQEs are S and CQEs C (see SqeSize / CqeSize): the accessors below compute the
// entry addresses with a compile-time stride, so the default Ring's are exactly the code of a
// ring without the choice. Ring, BigRing and MixedCqRing below name the common ones; every
// combination is instantiated in ring.cpp.
template <SqeSize S, CqeSize C>
class BasicRing : public RingCore {
  static constexpr unsigned kSqeShift = S == SqeSize::b128 ? 1 : 0;
  static constexpr unsigned kCqeShift = C == CqeSize::b32 ? 1 : 0;
  static constexpr bool kMixed = C == CqeSize::mixed;

 public:
  // The IORING_SETUP_* flags the type sets up with.
  static constexpr unsigned kSizeFlags = (S == SqeSize::b128 ? IORING_SETUP_SQE128 : 0U) |
                                         (C == CqeSize::b32 ? IORING_SETUP_CQE32 : 0U) |
                                         (kMixed ? IORING_SETUP_CQE_MIXED : 0U);
  // Bytes of command payload from sqe.cmd (offset 48) for IORING_OP_URING_CMD.
  static constexpr std::size_t kCmdBytes = S == SqeSize::b128 ? 80 : 16;

  // Creates and maps a ring. Every flag in params.flags goes to the kernel as it is, so the
  // kernel's errno comes back for what it refuses (-EINVAL for unknown bits, bad sizes and bad
  // combinations, and for SQE128/CQE32 before 5.19 and CQE_MIXED before 6.18; -ENOSYS / -EPERM
  // where io_uring is unavailable; -ENOMEM, -EMFILE ...). The library's own refusals:
  // -EOPNOTSUPP for NO_MMAP and REGISTERED_FD_ONLY (the library maps the rings itself) and for an
  // entry-size flag (SQE128, CQE32, CQE_MIXED) the type does not have (choose the type instead),
  // -EPROTO when the kernel's ring offsets are not usable.
  static Result<BasicRing> create(const Params& params = {}) noexcept;

  BasicRing() noexcept = default;

  // ---- submission ----
  // The next free SQE (of 128 bytes with SqeSize::b128: the upper 64 are cmd's, see cmd()), or
  // nullptr when the SQ is full (submit, then try again).
  io_uring_sqe* get_sqe() noexcept { return sq_.template get_sqe<kSqeShift>(); }
  // n SQEs at once, or none (a false batch) when fewer than n are free: see
  // SubmissionQueue::get_sqes.
  BasicSqeBatch<kSqeShift> get_sqes(unsigned n) noexcept {
    return sq_.template get_sqes<kSqeShift>(n);
  }
  // The command payload of an IORING_OP_URING_CMD SQE of this ring: 80 bytes on a 128-byte SQE,
  // 16 on a 64-byte one (addr3 and the pad after it). get_sqe leaves it as the last request did.
  static std::span<std::byte, kCmdBytes> cmd(io_uring_sqe& sqe) noexcept {
    return std::span<std::byte, kCmdBytes>(reinterpret_cast<std::byte*>(&sqe) + 48, kCmdBytes);
  }
  // liburing's names: io_uring_submit_and_wait_timeout / _min_timeout. *cqe gets the oldest CQE.
  [[nodiscard]] int submit_and_wait_timeout(io_uring_cqe** cqe, unsigned wait_nr,
                                            const __kernel_timespec* ts,
                                            const sigset_t* sigmask) noexcept {
    return submit_and_wait_min_timeout(cqe, wait_nr, ts, 0, sigmask);
  }
  [[nodiscard]] int submit_and_wait_min_timeout(io_uring_cqe** cqe, unsigned wait_nr,
                                                const __kernel_timespec* ts, unsigned min_wait_usec,
                                                const sigset_t* sigmask) noexcept {
    const int ret = submit_and_wait_bounded(wait_nr, ts, min_wait_usec, sigmask);
    *cqe = peek_cqe();
    if (ret < 0) return ret;
    return *cqe || wait_nr == 0 ? ret : -EAGAIN;
  }

  // ---- completion ----
  // The oldest ready CQE or nullptr; never enters the kernel. Consume with cqe_seen()/advance().
  // On a CQE32 ring cqe->big_cqe[0..1] are the extra words; on a CQE_MIXED ring they are where
  // cqe->flags has IORING_CQE_F_32, and the pads (IORING_CQE_F_SKIP) are never shown.
  io_uring_cqe* peek_cqe() noexcept {
    if constexpr (kMixed)
      return cq_.peek_mixed();
    else
      return cq_.template peek<kCqeShift>();
  }
  // Consumes the oldest CQE if peek_cqe has shown one; never moves past the CQ's tail.
  void cqe_seen() noexcept {
    if constexpr (kMixed) {
      if (const io_uring_cqe* c = cq_.peek_mixed()) cq_.seen_mixed(c);
    } else {
      cq_.advance(1);
    }
  }
  // Consumes `cqe` only if it is the oldest unconsumed CQE (what peek/wait returned).
  void cqe_seen(const io_uring_cqe* cqe) noexcept {
    if constexpr (kMixed)
      cq_.seen_mixed(cqe);
    else
      cq_.template seen<kCqeShift>(cqe);
  }
  // Calls f(const io_uring_cqe&) for each ready CQE, then returns them to the kernel at once.
  template <class F>
  unsigned for_each_cqe(F&& f) noexcept(noexcept(f(std::declval<const io_uring_cqe&>()))) {
    if constexpr (kMixed)
      return cq_.for_each_mixed(static_cast<F&&>(f));
    else
      return cq_.template for_each<kCqeShift>(static_cast<F&&>(f));
  }
  // Every ready CQE, indexed, none consumed (then advance(batch.size())). Not on a mixed ring,
  // whose entries have no fixed stride.
  CompletionQueue::BasicBatch<kCqeShift> peek_batch() noexcept requires(!kMixed) {
    return cq_.template peek_batch<kCqeShift>();
  }
  // liburing's io_uring_peek_batch_cqe: up to count CQE pointers into cqes; returns how many.
  unsigned peek_batch_cqe(io_uring_cqe** cqes, unsigned count) noexcept requires(!kMixed) {
    // Not through peek_batch(): clang 14 instantiates constrained members on explicit class
    // instantiation (ring.cpp) and then rejects the call to an unsatisfied one.
    const auto b = cq_.template peek_batch<kCqeShift>();
    const unsigned n = count < b.size() ? count : b.size();
    for (unsigned i = 0; i < n; ++i) cqes[i] = const_cast<io_uring_cqe*>(&b[i]);
    return n;
  }
  // Like peek_cqe, but when the CQ looks empty while the kernel holds completions back (overflowed
  // CQEs, DEFER_TASKRUN/COOP_TASKRUN work; the SQ flags say so; IOPOLL always) enters once to
  // fetch them. Returns 0 with *cqe set, -EAGAIN when nothing is ready, or the kernel's -errno.
  [[nodiscard]] int poll_cqe(io_uring_cqe** cqe) noexcept {
    *cqe = peek_cqe();
    if (*cqe) return 0;
    return worth_entering() ? fetch_cqe(cqe) : -EAGAIN;
  }
  // Blocks until a CQE is ready; submits nothing (a consumer's call: submit() is the producer's).
  // 0 with *cqe set, or -errno; -ETIME when the relative timeout (null: none) passes; -EINTR on a
  // signal.
  [[nodiscard]] int wait_cqe(io_uring_cqe** cqe,
                             const __kernel_timespec* timeout = nullptr) noexcept {
    WaitSpec w;
    w.timeout = timeout;
    return wait_cqes(cqe, w);
  }
  // liburing's io_uring_wait_cqe_timeout: wait_cqe bounded by the relative timeout ts.
  [[nodiscard]] int wait_cqe_timeout(io_uring_cqe** cqe, const __kernel_timespec* ts) noexcept {
    return wait_cqe(cqe, ts);
  }
  // liburing's io_uring_wait_cqe_nr and io_uring_wait_cqes: until wait.nr CQEs are ready.
  [[nodiscard]] int wait_cqe_nr(io_uring_cqe** cqe, unsigned wait_nr) noexcept {
    WaitSpec w;
    w.nr = wait_nr;
    return wait_cqes(cqe, w);
  }
  [[nodiscard]] int wait_cqes(io_uring_cqe** cqe, const WaitSpec& wait) noexcept {
    const int ret = wait_ready(wait);
    *cqe = peek_cqe();
    if (*cqe) return 0;
    return ret < 0 ? ret : -EAGAIN;
  }
  [[nodiscard]] int wait_cqes(io_uring_cqe** cqe, unsigned wait_nr, const __kernel_timespec* ts,
                              const sigset_t* sigmask) noexcept {
    WaitSpec w;
    w.nr = wait_nr;
    w.timeout = ts;
    w.sigmask = sigmask;
    return wait_cqes(cqe, w);
  }
  // liburing's io_uring_wait_cqes_min_timeout, in its order: wait_cqes bounded by the relative
  // ts, returning once min_ts_usec have passed with at least one CQE ready (6.12,
  // IORING_FEAT_MIN_TIMEOUT; -EOPNOTSUPP before, the library's, where liburing answers -EINVAL).
  // Submits nothing. 0 with *cqe_ptr set, -ETIME when ts passed with no CQE, or -errno.
  [[nodiscard]] int wait_cqes_min_timeout(io_uring_cqe** cqe_ptr, unsigned wait_nr,
                                          const __kernel_timespec* ts, unsigned min_ts_usec,
                                          const sigset_t* sigmask) noexcept {
    WaitSpec w;
    w.nr = wait_nr;
    w.timeout = ts;
    w.min_wait_usec = min_ts_usec;
    w.sigmask = sigmask;
    return wait_cqes(cqe_ptr, w);
  }

 private:
  // poll_cqe's slow half: one enter to fetch held-back completions, then a second look.
  int fetch_cqe(io_uring_cqe** cqe) noexcept;
};

// 64-byte SQEs, 16-byte CQEs: the ring almost everyone wants.
using Ring = BasicRing<SqeSize::b64, CqeSize::b16>;
// 128-byte SQEs and 32-byte CQEs: NVMe/ublk passthrough (URING_CMD with an 80-byte command) and
// every request whose CQE carries two more words.
using BigRing = BasicRing<SqeSize::b128, CqeSize::b32>;
// 64-byte SQEs, CQEs of both sizes (6.18): 32 bytes only where a request asks for them.
using MixedCqRing = BasicRing<SqeSize::b64, CqeSize::mixed>;

// ---- liburing's setup names -------------------------------------------------------------------
// liburing's io_uring_queue_init_params: sets `ring` up as liburing would, with exactly p->flags
// (none of Params' optional flags and no registered ring fd: what liburing's callers assume, e.g.
// submitting from fork children or other threads). Read from *p: flags, sq_thread_idle,
// cq_entries with IORING_SETUP_CQSIZE, sq_thread_cpu with IORING_SETUP_SQ_AFF, wq_fd with
// IORING_SETUP_ATTACH_WQ. Written back on success: sq_entries, cq_entries, flags and features
// (not sq_off/cq_off: the ring's accessors are the way to the rings). 0, or BasicRing::create's
// -errno, `ring` then unchanged (an entry-size flag the type lacks is -EOPNOTSUPP: choose the
// type).
template <SqeSize S, CqeSize C>
int queue_init_params(unsigned entries, BasicRing<S, C>& ring, io_uring_params* p) noexcept {
  Params params;
  params.entries = entries;
  params.flags = p->flags;
  params.default_flags = false;
  params.register_ring_fd = false;
  params.sq_thread_idle_ms = p->sq_thread_idle;
  if (p->flags & IORING_SETUP_CQSIZE) params.cq_entries = p->cq_entries;
  if (p->flags & IORING_SETUP_SQ_AFF) params.sq_thread_cpu = static_cast<int>(p->sq_thread_cpu);
  if (p->flags & IORING_SETUP_ATTACH_WQ) params.attach_wq_fd = static_cast<int>(p->wq_fd);
  auto made = BasicRing<S, C>::create(params);
  if (!made) return made.error();
  ring = made.take();
  p->sq_entries = ring.sq().entries();
  p->cq_entries = ring.cq().entries();
  p->flags = ring.flags();
  p->features = ring.features();
  return 0;
}
// liburing's io_uring_queue_init: queue_init_params with only the flags.
template <SqeSize S, CqeSize C>
int queue_init(unsigned entries, BasicRing<S, C>& ring, unsigned flags) noexcept {
  io_uring_params p{};
  p.flags = flags;
  return queue_init_params(entries, ring, &p);
}
// liburing's io_uring_queue_exit: releases the ring now (the destructor's work), leaving it empty,
// ready for another queue_init.
template <SqeSize S, CqeSize C>
void queue_exit(BasicRing<S, C>& ring) noexcept {
  ring = BasicRing<S, C>();
}

}  // namespace uring
