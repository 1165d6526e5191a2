#include "ring.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <iterator>

#include "../syscalls/syscalls.hpp"

namespace uring {

namespace {

// The kernel's limits (IORING_MAX_ENTRIES, IORING_MAX_CQ_ENTRIES); without CLAMP it refuses more.
constexpr unsigned kMaxEntries = 32768;
constexpr unsigned kMaxCqEntries = 2 * kMaxEntries;

// Every setup flag this library knows; an unknown bit is refused before asking the kernel.
constexpr unsigned kKnownSetupFlags = (IORING_SETUP_HYBRID_IOPOLL << 1) - 1;
// Flags that change the SQE/CQE size or who owns the ring memory: the accessors do not handle them.
constexpr unsigned kUnsupportedSetupFlags = IORING_SETUP_SQE128 | IORING_SETUP_CQE32 |
                                            IORING_SETUP_NO_MMAP | IORING_SETUP_REGISTERED_FD_ONLY;

// Optional flags in the order they are given up when a kernel refuses the set (newest first).
constexpr unsigned kDropOrder[] = {
    IORING_SETUP_NO_SQARRAY,     // 6.6
    IORING_SETUP_DEFER_TASKRUN,  // 6.1
    IORING_SETUP_SINGLE_ISSUER,  // 6.0
    IORING_SETUP_TASKRUN_FLAG,   // 5.19
    IORING_SETUP_COOP_TASKRUN,   // 5.19
    IORING_SETUP_SUBMIT_ALL,     // 5.18
};

unsigned default_flags_for(const Params& p) {
  unsigned f = IORING_SETUP_NO_SQARRAY | IORING_SETUP_SUBMIT_ALL;
  // The kernel refuses task-run tuning with SQPOLL: the poller thread runs the task work itself.
  if (p.flags & IORING_SETUP_SQPOLL) return f;
  if (p.sharing == Sharing::single_thread)
    f |= IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_TASKRUN_FLAG;
  else
    f |= IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG;
  return f;
}

bool fits(std::uint32_t off, std::size_t len, std::size_t size) {
  return off % alignof(unsigned) == 0 && len <= size && off <= size - len;
}

// Maps one region of the ring; nullptr on failure (errno tells why).
void* map(int fd, std::size_t size, off_t offset) {
  void* p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, offset);
  return p == MAP_FAILED ? nullptr : p;
}

template <class T>
T* at(void* base, std::uint32_t off) {
  return reinterpret_cast<T*>(static_cast<char*>(base) + off);
}

}  // namespace

Result<Ring> Ring::create(const Params& p) noexcept {
  if (p.entries == 0) return Errno{-EINVAL};
  if (p.flags & ~kKnownSetupFlags) return Errno{-EINVAL};
  if (p.flags & kUnsupportedSetupFlags) return Errno{-EOPNOTSUPP};
  const bool clamp = p.flags & IORING_SETUP_CLAMP;
  if (!clamp && (p.entries > kMaxEntries || p.cq_entries > kMaxCqEntries)) return Errno{-EINVAL};
  if (p.cq_entries != 0 && p.cq_entries < p.entries) return Errno{-EINVAL};

  unsigned required = p.flags;
  if (p.cq_entries != 0) required |= IORING_SETUP_CQSIZE;
  if (p.sq_thread_cpu >= 0) required |= IORING_SETUP_SQ_AFF;
  if (p.attach_wq_fd >= 0) required |= IORING_SETUP_ATTACH_WQ;
  unsigned optional = ((p.default_flags ? default_flags_for(p) : 0) | p.optional_flags) &
                      ~required & ~p.without_flags;

  io_uring_params kp{};
  int fd = -EINVAL;
  for (unsigned i = 0;; ++i) {
    kp = io_uring_params{};
    kp.flags = required | optional;
    kp.cq_entries = p.cq_entries;
    kp.sq_thread_idle = p.sq_thread_idle_ms;
    kp.sq_thread_cpu = p.sq_thread_cpu >= 0 ? static_cast<unsigned>(p.sq_thread_cpu) : 0;
    kp.wq_fd = p.attach_wq_fd >= 0 ? static_cast<unsigned>(p.attach_wq_fd) : 0;
    fd = sys::io_uring_setup(p.entries, &kp);
    if (fd >= 0 || fd != -EINVAL || optional == 0) break;
    // An older kernel refuses flags it does not know with -EINVAL: give up the newest optional one.
    while (i < std::size(kDropOrder) && !(optional & kDropOrder[i])) ++i;
    if (i == std::size(kDropOrder)) break;
    optional &= ~kDropOrder[i];
  }
  if (fd < 0) return Errno{fd};

  Ring r;
  r.ring_fd_ = fd;
  r.enter_fd_ = fd;
  r.setup_flags_ = kp.flags;
  r.features_ = kp.features;
  r.polled_ = kp.flags & (IORING_SETUP_SQPOLL | IORING_SETUP_IOPOLL);
  r.defer_untracked_ =
      (kp.flags & IORING_SETUP_DEFER_TASKRUN) && !(kp.flags & IORING_SETUP_TASKRUN_FLAG);

  // Check what the kernel told us before deriving a single pointer from it.
  const unsigned sq_entries = kp.sq_entries, cq_entries = kp.cq_entries;
  const auto pow2 = [](unsigned n) { return n != 0 && (n & (n - 1)) == 0; };
  if (!pow2(sq_entries) || !pow2(cq_entries) || sq_entries > kMaxEntries ||
      cq_entries > kMaxCqEntries)
    return Errno{-EPROTO};
  const bool sq_array = !(kp.flags & IORING_SETUP_NO_SQARRAY);
  const io_sqring_offsets& so = kp.sq_off;
  const io_cqring_offsets& co = kp.cq_off;
  std::size_t sq_size = 0;
  for (std::uint32_t off : {so.head, so.tail, so.ring_mask, so.ring_entries, so.flags, so.dropped})
    if (off + sizeof(unsigned) > sq_size) sq_size = off + sizeof(unsigned);
  if (sq_array) sq_size = std::size_t{so.array} + sq_entries * sizeof(unsigned);
  std::size_t cq_size = std::size_t{co.cqes} + cq_entries * sizeof(io_uring_cqe);
  const bool single_mmap = kp.features & IORING_FEAT_SINGLE_MMAP;
  if (single_mmap) sq_size = cq_size = std::max(sq_size, cq_size);

  // The kernel refuses an mmap larger than what it allocated, so a successful mapping of these
  // sizes proves the offsets lie inside the kernel's rings.
  r.sq_ring_ = map(fd, sq_size, IORING_OFF_SQ_RING);
  if (!r.sq_ring_) return Errno{-errno};
  r.sq_ring_size_ = sq_size;
  if (single_mmap) {
    r.cq_ring_ = r.sq_ring_;
  } else {
    r.cq_ring_ = map(fd, cq_size, IORING_OFF_CQ_RING);
    if (!r.cq_ring_) return Errno{-errno};
    r.cq_ring_size_ = cq_size;
  }
  const std::size_t sqes_size = sq_entries * sizeof(io_uring_sqe);
  r.sqes_ = map(fd, sqes_size, IORING_OFF_SQES);
  if (!r.sqes_) return Errno{-errno};
  r.sqes_size_ = sqes_size;

  for (std::uint32_t off : {so.head, so.tail, so.ring_mask, so.ring_entries, so.flags, so.dropped})
    if (!fits(off, sizeof(unsigned), sq_size)) return Errno{-EPROTO};
  for (std::uint32_t off : {co.head, co.tail, co.ring_mask, co.ring_entries, co.overflow})
    if (!fits(off, sizeof(unsigned), cq_size)) return Errno{-EPROTO};
  if (co.cqes % alignof(io_uring_cqe) != 0 ||
      (sq_array && !fits(so.array, sq_entries * sizeof(unsigned), sq_size)))
    return Errno{-EPROTO};
  if (*at<unsigned>(r.sq_ring_, so.ring_entries) != sq_entries ||
      *at<unsigned>(r.sq_ring_, so.ring_mask) != sq_entries - 1 ||
      *at<unsigned>(r.cq_ring_, co.ring_entries) != cq_entries ||
      *at<unsigned>(r.cq_ring_, co.ring_mask) != cq_entries - 1)
    return Errno{-EPROTO};

  if (sq_array) {
    // get_sqe hands out slots in ring order, so slot i always carries SQE i: fill the indirection
    // array once here and the hot path never touches it (the kernel only reads it).
    unsigned* array = at<unsigned>(r.sq_ring_, so.array);
    for (unsigned i = 0; i < sq_entries; ++i) array[i] = i;
  }
  r.sq_ = SubmissionQueue(
      SqRingView{at<unsigned>(r.sq_ring_, so.head), at<unsigned>(r.sq_ring_, so.tail),
                 at<unsigned>(r.sq_ring_, so.flags), at<unsigned>(r.sq_ring_, so.dropped),
                 static_cast<io_uring_sqe*>(r.sqes_), sq_entries});
  r.cq_ = CompletionQueue(CqRingView{
      at<unsigned>(r.cq_ring_, co.head), at<unsigned>(r.cq_ring_, co.tail),
      at<unsigned>(r.cq_ring_, co.overflow), at<io_uring_cqe>(r.cq_ring_, co.cqes), cq_entries});

  if (p.register_ring_fd && p.sharing == Sharing::single_thread) {
    // Offset -1: let the kernel pick the slot in this thread's registered-ring table. Kernels
    // before 5.18 answer -EINVAL and the ring keeps entering through its fd.
    io_uring_rsrc_update up{};
    up.offset = ~0U;
    up.data = static_cast<std::uint64_t>(fd);
    if (sys::io_uring_register(fd, IORING_REGISTER_RING_FDS, &up, 1) == 1) {
      r.registered_ = true;
      r.enter_fd_ = static_cast<int>(up.offset);
      r.enter_flags_ = IORING_ENTER_REGISTERED_RING;
    }
  }
  return r;
}

Ring::Ring(Ring&& o) noexcept { *this = static_cast<Ring&&>(o); }

Ring& Ring::operator=(Ring&& o) noexcept {
  if (this == &o) return *this;
  release();
  sq_ = o.sq_;
  cq_ = o.cq_;
  enter_fd_ = o.enter_fd_;
  enter_flags_ = o.enter_flags_;
  setup_flags_ = o.setup_flags_;
  features_ = o.features_;
  registered_ = o.registered_;
  polled_ = o.polled_;
  defer_untracked_ = o.defer_untracked_;
  ring_fd_ = o.ring_fd_;
  sq_ring_ = o.sq_ring_;
  sq_ring_size_ = o.sq_ring_size_;
  cq_ring_ = o.cq_ring_;
  cq_ring_size_ = o.cq_ring_size_;
  sqes_ = o.sqes_;
  sqes_size_ = o.sqes_size_;
  o.ring_fd_ = o.enter_fd_ = -1;
  o.registered_ = false;
  o.sq_ring_ = o.cq_ring_ = o.sqes_ = nullptr;
  o.sq_ = SubmissionQueue();
  o.cq_ = CompletionQueue();
  return *this;
}

Ring::~Ring() { release(); }

void Ring::release() noexcept {
  if (registered_) {
    // The registered slot holds a reference to the ring file: without this the ring would live
    // until the thread exits.
    io_uring_rsrc_update up{};
    up.offset = static_cast<unsigned>(enter_fd_);
    sys::io_uring_register(ring_fd_, IORING_UNREGISTER_RING_FDS, &up, 1);
    registered_ = false;
  }
  if (sqes_) ::munmap(sqes_, sqes_size_);
  if (cq_ring_ && cq_ring_ != sq_ring_) ::munmap(cq_ring_, cq_ring_size_);
  if (sq_ring_) ::munmap(sq_ring_, sq_ring_size_);
  if (ring_fd_ >= 0) ::close(ring_fd_);
  sqes_ = cq_ring_ = sq_ring_ = nullptr;
  ring_fd_ = enter_fd_ = -1;
}

int Ring::enter(unsigned to_submit, unsigned min_complete, unsigned flags,
                const __kernel_timespec* timeout) const noexcept {
  flags |= enter_flags_;
  if (timeout == nullptr)
    return sys::io_uring_enter(enter_fd_, to_submit, min_complete, flags, nullptr);
  io_uring_getevents_arg arg{};
  arg.ts = reinterpret_cast<std::uintptr_t>(timeout);
  return sys::io_uring_enter2(enter_fd_, to_submit, min_complete, flags | IORING_ENTER_EXT_ARG,
                              &arg, sizeof arg);
}

int Ring::register_raw(unsigned opcode, const void* arg, unsigned nr_args) const noexcept {
  if (registered_ && (features_ & IORING_FEAT_REG_REG_RING))
    return sys::io_uring_register(enter_fd_, opcode | IORING_REGISTER_USE_REGISTERED_RING, arg,
                                  nr_args);
  return sys::io_uring_register(ring_fd_, opcode, arg, nr_args);
}

int Ring::submit_and_wait(unsigned wait_nr, const __kernel_timespec* timeout) noexcept {
  return submit_general(sq_.flush(), wait_nr, timeout);
}

int Ring::submit_general(unsigned pending, unsigned wait_nr,
                         const __kernel_timespec* timeout) noexcept {
  const bool sqpoll = setup_flags_ & IORING_SETUP_SQPOLL;
  unsigned flags = 0;
  bool must_enter = false;
  if (sqpoll) {
    // The poller consumes the SQ by itself; enter only to wake it.
    if (pending != 0 && sq_.needs_wakeup()) flags |= IORING_ENTER_SQ_WAKEUP, must_enter = true;
  } else {
    must_enter = pending != 0;
  }
  if (wait_nr != 0 || (setup_flags_ & IORING_SETUP_IOPOLL) || cq_needs_enter())
    flags |= IORING_ENTER_GETEVENTS, must_enter = true;
  if (!must_enter) return sqpoll ? static_cast<int>(pending) : 0;
  const int ret = enter(sqpoll ? 0 : pending, wait_nr, flags, timeout);
  if (ret < 0) return ret;
  return sqpoll ? static_cast<int>(pending) : ret;
}

int Ring::fetch_cqe(io_uring_cqe** cqe) noexcept {
  if (const int ret = get_events(); ret < 0) return ret;
  *cqe = cq_.peek();
  return *cqe ? 0 : -EAGAIN;
}

int Ring::wait_cqe(io_uring_cqe** cqe, const __kernel_timespec* timeout) noexcept {
  for (;;) {
    *cqe = cq_.peek();
    if (*cqe) return 0;
    const int ret = submit_and_wait(1, timeout);
    if (ret < 0) return ret;
  }
}

}  // namespace uring
