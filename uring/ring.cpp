#include "ring.hpp"

#include <pthread.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <iterator>

#include "../syscalls/syscalls.hpp"
#include "control.hpp"

namespace uring {

namespace {

// Flags that hand the ring memory to the application: the library maps the rings itself.
constexpr unsigned kUnsupportedSetupFlags = IORING_SETUP_NO_MMAP | IORING_SETUP_REGISTERED_FD_ONLY;
// Flags that set the entry sizes: the ring type's to choose (BasicRing).
constexpr unsigned kSizeFlags = IORING_SETUP_SQE128 | IORING_SETUP_CQE32 | IORING_SETUP_CQE_MIXED;

// Optional flags in the order they are given up when a kernel refuses the set (newest first); any
// other optional flag (Params::optional_flags) goes first, highest bit first.
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

// The next optional flag to give up.
unsigned next_to_drop(unsigned optional) {
  unsigned known = 0;
  for (unsigned f : kDropOrder) known |= f;
  if (const unsigned other = optional & ~known) return 1U << (31 - std::countl_zero(other));
  for (unsigned f : kDropOrder)
    if (optional & f) return f;
  return 0;
}

bool aligned(std::uint32_t off) { return off % alignof(unsigned) == 0; }

timespec now(clockid_t clock) {
  timespec t{};
  ::clock_gettime(clock, &t);
  return t;
}

// a - b, or {0, 0} when a is not later than b.
__kernel_timespec remaining(const __kernel_timespec& a, const timespec& b) {
  long long sec = a.tv_sec - b.tv_sec;
  long long nsec = a.tv_nsec - b.tv_nsec;
  if (nsec < 0) nsec += 1'000'000'000, --sec;
  if (sec < 0) return {0, 0};
  return {sec, nsec};
}

bool passed(const __kernel_timespec& deadline, const timespec& t) {
  return t.tv_sec > deadline.tv_sec ||
         (t.tv_sec == deadline.tv_sec && t.tv_nsec >= deadline.tv_nsec);
}

__kernel_timespec plus(const timespec& t, const __kernel_timespec& d) {
  __kernel_timespec r{t.tv_sec + d.tv_sec, t.tv_nsec + d.tv_nsec};
  if (r.tv_nsec >= 1'000'000'000) r.tv_nsec -= 1'000'000'000, ++r.tv_sec;
  return r;
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

int RingCore::init(const Params& p, unsigned size_flags) noexcept {
  // Only what the accessors cannot handle is refused here; sizes, unknown bits and combinations
  // are the kernel's to judge, so a newer kernel's flags work and its errno comes back as is.
  if (p.flags & kUnsupportedSetupFlags) return -EOPNOTSUPP;
  if (p.flags & kSizeFlags & ~size_flags) return -EOPNOTSUPP;

  unsigned required = p.flags | size_flags;
  if (p.cq_entries != 0) required |= IORING_SETUP_CQSIZE;
  if (p.sq_thread_cpu >= 0) required |= IORING_SETUP_SQ_AFF;
  if (p.attach_wq_fd >= 0) required |= IORING_SETUP_ATTACH_WQ;
  unsigned optional = ((p.default_flags ? default_flags_for(p) : 0) | p.optional_flags) &
                      ~required & ~p.without_flags;

  io_uring_params kp{};
  int fd = -EINVAL;
  for (;;) {
    kp = io_uring_params{};
    kp.flags = required | optional;
    kp.cq_entries = p.cq_entries;
    kp.sq_thread_idle = p.sq_thread_idle_ms;
    kp.sq_thread_cpu = p.sq_thread_cpu >= 0 ? static_cast<unsigned>(p.sq_thread_cpu) : 0;
    kp.wq_fd = p.attach_wq_fd >= 0 ? static_cast<unsigned>(p.attach_wq_fd) : 0;
    fd = sys::io_uring_setup(p.entries, &kp);
    if (fd >= 0 || fd != -EINVAL || optional == 0) break;
    // An older kernel refuses flags it does not know with -EINVAL: give up the newest optional one.
    const unsigned dropped = next_to_drop(optional);
    optional &= ~dropped;
    // TASKRUN_FLAG needs DEFER_TASKRUN or COOP_TASKRUN: a kernel without the first (6.0) gets the
    // second, which still keeps task work from interrupting the thread.
    if (dropped == IORING_SETUP_DEFER_TASKRUN && (optional & IORING_SETUP_TASKRUN_FLAG))
      optional |= IORING_SETUP_COOP_TASKRUN;
  }
  if (fd < 0) return fd;

  ring_fd_ = fd;
  enter_fd_ = fd;
  setup_flags_ = kp.flags;
  features_ = kp.features;
  polled_ = kp.flags & (IORING_SETUP_SQPOLL | IORING_SETUP_IOPOLL);
  iopoll_ = kp.flags & IORING_SETUP_IOPOLL;
  defer_untracked_ =
      (kp.flags & IORING_SETUP_DEFER_TASKRUN) && !(kp.flags & IORING_SETUP_TASKRUN_FLAG);
  owner_tid_ = on_owner_thread() ? detail::tls_tid : detail::cache_tid();

  if (const int ret = map_rings(kp, &map_, &sq_, &cq_); ret < 0) return ret;
  cq_flags_ = kp.cq_off.flags != 0;

  if (p.register_ring_fd && p.sharing == Sharing::single_thread) {
    // Offset -1: let the kernel pick the slot in this thread's registered-ring table. Kernels
    // before 5.18 answer -EINVAL and the ring keeps entering through its fd.
    io_uring_rsrc_update up{};
    up.offset = ~0U;
    up.data = static_cast<std::uint64_t>(fd);
    if (sys::io_uring_register(fd, IORING_REGISTER_RING_FDS, &up, 1) == 1) {
      registered_ = true;
      enter_fd_ = static_cast<int>(up.offset);
      enter_flags_ |= IORING_ENTER_REGISTERED_RING;
    }
  }
  return 0;
}

void RingCore::Mapping::unmap() noexcept {
  if (sqes) ::munmap(sqes, sqes_size);
  if (cq_ring && cq_ring != sq_ring) ::munmap(cq_ring, cq_ring_size);
  if (sq_ring) ::munmap(sq_ring, sq_ring_size);
  *this = Mapping{};
}

int RingCore::map_rings(const io_uring_params& kp, Mapping* m, SubmissionQueue* sq,
                        CompletionQueue* cq) const noexcept {
  // Entry sizes: SQE128 doubles every SQE slot, CQE32 every CQE slot; a CQE_MIXED ring has 16-byte
  // slots, of which a 32-byte CQE takes two.
  const std::size_t sqe_size = sizeof(io_uring_sqe) << ((kp.flags & IORING_SETUP_SQE128) ? 1 : 0);
  const std::size_t cqe_size = sizeof(io_uring_cqe) << ((kp.flags & IORING_SETUP_CQE32) ? 1 : 0);
  // Check what the kernel told us before deriving a single pointer from it. The kernel maps
  // whole pages of its allocation and more (6.18 maps 1 MiB for a 208-byte SQ ring), so a
  // successful mmap proves nothing about the offsets: what can be checked is that the entry
  // counts are powers of two, every word is aligned, and the ring's own ring_entries/ring_mask
  // words (read through the offsets) say what the parameters say.
  const unsigned sq_entries = kp.sq_entries, cq_entries = kp.cq_entries;
  const auto pow2 = [](unsigned n) { return n != 0 && (n & (n - 1)) == 0; };
  if (!pow2(sq_entries) || !pow2(cq_entries)) return -EPROTO;
  const bool sq_array = !(kp.flags & IORING_SETUP_NO_SQARRAY);
  const io_sqring_offsets& so = kp.sq_off;
  const io_cqring_offsets& co = kp.cq_off;
  for (std::uint32_t off :
       {so.head, so.tail, so.ring_mask, so.ring_entries, so.flags, so.dropped,
        sq_array ? so.array : 0U, co.head, co.tail, co.ring_mask, co.ring_entries, co.overflow})
    if (!aligned(off)) return -EPROTO;
  if (co.cqes % alignof(io_uring_cqe) != 0) return -EPROTO;
  // The mappings reach the end of the last thing each holds: the SQ's words and index array, the
  // CQ's CQE array (which starts at cq_off.cqes, not at 0).
  std::size_t sq_size = 0;
  for (std::uint32_t off : {so.head, so.tail, so.ring_mask, so.ring_entries, so.flags, so.dropped})
    sq_size = std::max(sq_size, std::size_t{off} + sizeof(unsigned));
  if (sq_array) sq_size = std::max(sq_size, std::size_t{so.array} + sq_entries * sizeof(unsigned));
  std::size_t cq_size = std::size_t{co.cqes} + std::size_t{cq_entries} * cqe_size;
  for (std::uint32_t off : {co.head, co.tail, co.ring_mask, co.ring_entries, co.overflow, co.flags})
    cq_size = std::max(cq_size, std::size_t{off} + sizeof(unsigned));
  const bool single_mmap = kp.features & IORING_FEAT_SINGLE_MMAP;
  if (single_mmap) sq_size = cq_size = std::max(sq_size, cq_size);

  m->sq_ring = map(ring_fd_, sq_size, IORING_OFF_SQ_RING);
  if (!m->sq_ring) return -errno;
  m->sq_ring_size = sq_size;
  if (single_mmap) {
    m->cq_ring = m->sq_ring;
  } else {
    m->cq_ring = map(ring_fd_, cq_size, IORING_OFF_CQ_RING);
    if (!m->cq_ring) return -errno;
    m->cq_ring_size = cq_size;
  }
  const std::size_t sqes_size = sq_entries * sqe_size;
  m->sqes = map(ring_fd_, sqes_size, IORING_OFF_SQES);
  if (!m->sqes) return -errno;
  m->sqes_size = sqes_size;

  if (*at<unsigned>(m->sq_ring, so.ring_entries) != sq_entries ||
      *at<unsigned>(m->sq_ring, so.ring_mask) != sq_entries - 1 ||
      *at<unsigned>(m->cq_ring, co.ring_entries) != cq_entries ||
      *at<unsigned>(m->cq_ring, co.ring_mask) != cq_entries - 1)
    return -EPROTO;

  if (sq_array) {
    // get_sqe hands out slots in ring order, so slot i always carries SQE i: fill the indirection
    // array once here and the hot path never touches it (the kernel only reads it).
    unsigned* array = at<unsigned>(m->sq_ring, so.array);
    for (unsigned i = 0; i < sq_entries; ++i) array[i] = i;
  }
  *sq = SubmissionQueue(
      SqRingView{at<unsigned>(m->sq_ring, so.head), at<unsigned>(m->sq_ring, so.tail),
                 at<unsigned>(m->sq_ring, so.flags), at<unsigned>(m->sq_ring, so.dropped),
                 static_cast<io_uring_sqe*>(m->sqes), sq_entries});
  *cq = CompletionQueue(
      CqRingView{at<unsigned>(m->cq_ring, co.head), at<unsigned>(m->cq_ring, co.tail),
                 at<unsigned>(m->cq_ring, co.overflow),
                 co.flags != 0 ? at<unsigned>(m->cq_ring, co.flags) : &kEmptyRingWords[2],
                 at<io_uring_cqe>(m->cq_ring, co.cqes), cq_entries});
  return 0;
}

int RingCore::resize_rings(unsigned sq_entries, unsigned cq_entries) noexcept {
  // The new rings are mapped through the plain fd: gone after close_ring_fd.
  if (ring_fd_ < 0) return fd_closed_ ? -EBADFD : -EBADF;
  // RESIZE_RINGS came with MEM_REGION (both 6.13), and only the latter can be probed on every
  // ring (RESIZE_RINGS answers -EINVAL to a ring without DEFER_TASKRUN before its argument).
  if (!detail::register_op_known(ring_fd_, abi::IORING_REGISTER_MEM_REGION)) return -EOPNOTSUPP;
  // The kernel places a new SQ index array but does not say where (sq_off.array comes back 0 on
  // 6.18): the indirection could not be filled, so a ring with one is not handed to it. (Without
  // DEFER_TASKRUN the kernel's own -EINVAL comes first.)
  if ((setup_flags_ & (IORING_SETUP_NO_SQARRAY | IORING_SETUP_DEFER_TASKRUN)) ==
      IORING_SETUP_DEFER_TASKRUN)
    return -EPROTO;
  // Publish every SQE handed out, so that the kernel copies it; and the CQ head, which a mixed
  // ring's peek may have moved past pads without storing it.
  sq_.flush();
  cq_.publish_head();
  io_uring_params kp{};
  kp.sq_entries = sq_entries;
  kp.cq_entries = cq_entries;
  if (cq_entries != 0) kp.flags = IORING_SETUP_CQSIZE;
  if (const int ret = register_raw(abi::IORING_REGISTER_RESIZE_RINGS, &kp, 1); ret < 0) return ret;
  // The kernel copied the pending entries into its new rings and wrote their offsets into kp
  // (with the flags it kept: NO_SQARRAY, SQE128, CQE32, CQE_MIXED). From here on only the new
  // memory is the ring's: map it, derive the queues, then drop the old mappings.
  kp.flags |= setup_flags_ & ~IORING_SETUP_CQSIZE;
  kp.features = features_;
  Mapping fresh;
  SubmissionQueue sq;
  CompletionQueue cq;
  if (const int err = map_rings(kp, &fresh, &sq, &cq); err < 0) {
    fresh.unmap();
    release();
    sq_ = SubmissionQueue();
    cq_ = CompletionQueue();
    return err;
  }
  map_.unmap();
  map_ = fresh;
  sq_ = sq;
  cq_ = cq;
  return 0;
}

namespace detail {

int cache_tid() noexcept {
  // A fork child inherits its parent's cached id: forget it there, so the child asks again.
  static const int once = ::pthread_atfork(nullptr, nullptr, [] { tls_tid = 0; });
  (void)once;
  tls_tid = static_cast<int>(::syscall(SYS_gettid));
  return tls_tid;
}

}  // namespace detail

RingCore::RingCore(RingCore&& o) noexcept { *this = static_cast<RingCore&&>(o); }

RingCore& RingCore::operator=(RingCore&& o) noexcept {
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
  iopoll_ = o.iopoll_;
  cq_flags_ = o.cq_flags_;
  defer_untracked_ = o.defer_untracked_;
  cq_dropped_ = o.cq_dropped_;
  fd_closed_ = o.fd_closed_;
  clock_ = o.clock_;
  owner_tid_ = o.owner_tid_;
  ring_fd_ = o.ring_fd_;
  map_ = o.map_;
  // The moved-from ring is an empty one: no SQE, no CQE, -EBADF from anything that enters.
  o.ring_fd_ = o.enter_fd_ = -1;
  o.enter_flags_ = 0;
  o.registered_ = o.polled_ = o.iopoll_ = o.defer_untracked_ = o.cq_flags_ = o.fd_closed_ = false;
  o.map_ = Mapping{};
  o.sq_ = SubmissionQueue();
  o.cq_ = CompletionQueue();
  return *this;
}

RingCore::~RingCore() { release(); }

void RingCore::release() noexcept {
  if (registered_) {
    // The registered slot holds a reference to the ring file: without this the ring would live
    // until the owner thread exits. Only the owner can release it: in another thread the same
    // index names that thread's own ring (or nothing), which must not be touched.
    if (on_owner_thread()) {
      io_uring_rsrc_update up{};
      up.offset = static_cast<unsigned>(enter_fd_);
      // After close_ring_fd through the index itself: the call holds its own reference to the
      // ring file while it drops the table's.
      (void)register_raw(IORING_UNREGISTER_RING_FDS, &up, 1);
    } else if (::syscall(SYS_tgkill, ::getpid(), owner_tid_, 0) == 0) {
      // The owner still runs (a dead owner's table was dropped by the kernel at its exit).
      std::fprintf(stderr,
                   "rawuring: ring fd %d destroyed off its owner thread %d: its registered index "
                   "stays in the owner's table until that thread exits\n",
                   ring_fd_, owner_tid_);
    }
    registered_ = false;
  }
  map_.unmap();
  if (ring_fd_ >= 0) ::close(ring_fd_);
  ring_fd_ = enter_fd_ = -1;
  enter_flags_ = 0;
  fd_closed_ = false;
}

int RingCore::enter(unsigned to_submit, unsigned min_complete, unsigned flags,
                    const __kernel_timespec* timeout) noexcept {
  if (registered_ && !on_owner_thread()) return -EXDEV;
  flags |= enter_flags_;
  int ret;
  if (timeout == nullptr) {
    ret = sys::io_uring_enter(enter_fd_, to_submit, min_complete, flags, nullptr);
  } else {
    io_uring_getevents_arg arg{};
    arg.ts = reinterpret_cast<std::uintptr_t>(timeout);
    ret = sys::io_uring_enter2(enter_fd_, to_submit, min_complete, flags | IORING_ENTER_EXT_ARG,
                               &arg, sizeof arg);
  }
  if (ret == -EBADR) cq_dropped_ = true;
  return ret;
}

int RingCore::submit_and_get_events() noexcept {
  const unsigned pending = sq_.flush();
  const bool sqpoll = setup_flags_ & IORING_SETUP_SQPOLL;
  unsigned flags = IORING_ENTER_GETEVENTS;
  // As submit_general: the poller consumes the SQ itself and is woken only when it sleeps
  // (needs_wakeup's full fence orders our tail store before its look at the flags).
  if (sqpoll && pending != 0 && sq_.needs_wakeup()) flags |= IORING_ENTER_SQ_WAKEUP;
  const int ret = enter(sqpoll ? 0 : pending, 0, flags, nullptr);
  if (ret < 0 && ret != -EBADR) return ret;  // -EBADR: a CQE was dropped (cq_dropped()); go on
  return sqpoll ? static_cast<int>(pending) : (ret < 0 ? 0 : ret);
}

int RingCore::sqring_wait() noexcept {
  if (!(setup_flags_ & IORING_SETUP_SQPOLL) || sq_.space_left() != 0) return 0;
  const int ret = enter(0, 0, IORING_ENTER_SQ_WAIT, nullptr);
  return ret < 0 ? ret : 0;
}

int RingCore::enter_off_owner(unsigned to_submit, unsigned min_complete, unsigned flags) noexcept {
  if (!on_owner_thread()) return -EXDEV;
  return sys::io_uring_enter(enter_fd_, to_submit, min_complete, flags, nullptr);
}

int RingCore::register_raw(unsigned opcode, const void* arg, unsigned nr_args) const noexcept {
  if (ring_fd_ >= 0) return sys::io_uring_register(ring_fd_, opcode, arg, nr_args);
  // An empty ring has no fd; -1 itself means "no ring" to kernels since 6.13, with -EINVAL.
  if (!fd_closed_) return -EBADF;
  // close_ring_fd left the registered index as the only handle: valid in the owner's table only.
  if (!on_owner_thread()) return -EXDEV;
  return sys::io_uring_register(enter_fd_, opcode | IORING_REGISTER_USE_REGISTERED_RING, arg,
                                nr_args);
}

int RingCore::register_ring_fd() noexcept {
  if (ring_fd_ < 0 && !fd_closed_) return -EBADF;
  if (!on_owner_thread()) return -EXDEV;
  if (registered_) return -EEXIST;
  // Offset -1: the kernel picks the slot in this thread's table and writes it back.
  io_uring_rsrc_update up{};
  up.offset = ~0U;
  up.data = static_cast<std::uint64_t>(ring_fd_);
  const int ret = register_raw(IORING_REGISTER_RING_FDS, &up, 1);
  if (ret == 1) {
    registered_ = true;
    enter_fd_ = static_cast<int>(up.offset);
    enter_flags_ |= IORING_ENTER_REGISTERED_RING;
  }
  return ret;
}

int RingCore::unregister_ring_fd() noexcept {
  if (ring_fd_ < 0 && !fd_closed_) return -EBADF;
  if (!on_owner_thread()) return -EXDEV;
  if (!registered_) return -EINVAL;
  if (fd_closed_) return -EBADFD;
  io_uring_rsrc_update up{};
  up.offset = static_cast<unsigned>(enter_fd_);
  const int ret = register_raw(IORING_UNREGISTER_RING_FDS, &up, 1);
  if (ret == 1) {
    registered_ = false;
    enter_fd_ = ring_fd_;
    enter_flags_ &= ~IORING_ENTER_REGISTERED_RING;
  }
  return ret;
}

int RingCore::close_ring_fd() noexcept {
  if (ring_fd_ < 0 && !fd_closed_) return -EBADF;
  if (!(features_ & IORING_FEAT_REG_REG_RING)) return -EOPNOTSUPP;
  if (!registered_) return -EINVAL;
  if (fd_closed_) return -EBADF;
  if (!on_owner_thread()) return -EXDEV;
  ::close(ring_fd_);
  ring_fd_ = -1;
  fd_closed_ = true;
  return 1;
}

int RingCore::set_iowait(bool enable_iowait) noexcept {
  if (!(features_ & IORING_FEAT_NO_IOWAIT)) return -EOPNOTSUPP;
  if (enable_iowait)
    enter_flags_ &= ~IORING_ENTER_NO_IOWAIT;
  else
    enter_flags_ |= IORING_ENTER_NO_IOWAIT;
  return 0;
}

int RingCore::ring_dontfork() noexcept {
  if (!map_.sq_ring || !map_.sqes || !map_.cq_ring) return -EINVAL;
  if (::madvise(map_.sqes, map_.sqes_size, MADV_DONTFORK) != 0) return -errno;
  if (::madvise(map_.sq_ring, map_.sq_ring_size, MADV_DONTFORK) != 0) return -errno;
  if (map_.cq_ring != map_.sq_ring &&
      ::madvise(map_.cq_ring, map_.cq_ring_size, MADV_DONTFORK) != 0)
    return -errno;
  return 0;
}

int RingCore::cq_eventfd_toggle(bool enabled) noexcept {
  if (!cq_flags_) return -EOPNOTSUPP;
  const unsigned f = cq_.flags();
  cq_.set_flags(enabled ? f & ~IORING_CQ_EVENTFD_DISABLED : f | IORING_CQ_EVENTFD_DISABLED);
  return 0;
}

int RingCore::register_clock(clockid_t clock) noexcept {
  io_uring_clock_register reg{};
  reg.clockid = static_cast<unsigned>(clock);
  const int ret = register_raw(IORING_REGISTER_CLOCK, &reg, 0);
  if (ret == 0) clock_ = clock;
  return ret;
}

int RingCore::submit_general(unsigned pending, const WaitSpec& w) noexcept {
  const bool sqpoll = setup_flags_ & IORING_SETUP_SQPOLL;
  const bool waiting = w.nr != 0;
  unsigned flags = 0;
  bool must_enter = false;
  if (sqpoll) {
    // The poller consumes the SQ by itself; enter only to wake it (needs_wakeup's fence orders our
    // tail store before its look at the flags).
    if (pending != 0 && sq_.needs_wakeup()) flags |= IORING_ENTER_SQ_WAKEUP, must_enter = true;
  } else {
    must_enter = pending != 0;
  }
  if (waiting || iopoll_ || cq_needs_enter()) flags |= IORING_ENTER_GETEVENTS, must_enter = true;
  if (!must_enter) return sqpoll ? static_cast<int>(pending) : 0;
  if (w.min_wait_usec != 0 && !(features_ & IORING_FEAT_MIN_TIMEOUT)) return -EOPNOTSUPP;

  // A relative timeout becomes a deadline now; every enter below waits until that deadline, never
  // for the full timeout again. Kernels with IORING_ENTER_ABS_TIMER (6.12, with FEAT_MIN_TIMEOUT)
  // take the deadline itself; older ones the time left.
  const bool bounded = waiting && w.timeout != nullptr;
  const bool abs_timer = features_ & IORING_FEAT_MIN_TIMEOUT;
  __kernel_timespec deadline{};
  if (bounded) deadline = w.absolute ? *w.timeout : plus(now(clock_), *w.timeout);
  const bool ext = bounded || w.sigmask != nullptr || w.min_wait_usec != 0;

  int submitted = 0;
  for (;;) {
    __kernel_timespec ts{};
    io_uring_getevents_arg arg{};
    unsigned eflags = flags | enter_flags_;
    if (bounded) {
      if (abs_timer) {
        ts = deadline;
        eflags |= IORING_ENTER_ABS_TIMER;
      } else {
        const timespec t = now(clock_);
        if (passed(deadline, t)) return -ETIME;
        ts = remaining(deadline, t);
      }
      arg.ts = reinterpret_cast<std::uintptr_t>(&ts);
    }
    if (w.sigmask) {
      arg.sigmask = reinterpret_cast<std::uintptr_t>(w.sigmask);
      arg.sigmask_sz = _NSIG / 8;
    }
    set_min_wait_usec(arg, w.min_wait_usec);
    if (registered_ && !on_owner_thread()) return -EXDEV;
    const unsigned to_submit = submitted == 0 ? pending : 0;
    const int ret =
        ext ? sys::io_uring_enter2(enter_fd_, to_submit, waiting ? w.nr : 0,
                                   eflags | IORING_ENTER_EXT_ARG, &arg, sizeof arg)
            : sys::io_uring_enter(enter_fd_, to_submit, waiting ? w.nr : 0, eflags, nullptr);
    if (ret < 0) {
      if (ret == -EBADR) {
        // A CQE was dropped: still look at what is there.
        cq_dropped_ = true;
        if (!waiting || cq_.ready() >= w.nr) return submitted;
        continue;
      }
      return ret;
    }
    if (submitted == 0) submitted = sqpoll ? static_cast<int>(pending) : ret;
    flags &= ~IORING_ENTER_SQ_WAKEUP;
    if (!waiting) return submitted;
    const unsigned ready = cq_.ready();
    if (ready >= w.nr || (w.min_wait_usec != 0 && ready != 0)) return submitted;
    // The enter submitted, so the kernel answered with the count and hid why the wait ended:
    // the deadline (-ETIME) or a signal (-EINTR).
    if (bounded && passed(deadline, now(clock_))) return -ETIME;
    if (to_submit != 0 && ret != 0) return -EINTR;
  }
}

int RingCore::submit_and_wait_reg(unsigned wait_nr, unsigned index) noexcept {
  if (ring_fd_ < 0 && !fd_closed_) return -EBADF;
  if (registered_ && !on_owner_thread()) return -EXDEV;
  const unsigned pending = sq_.flush();
  unsigned flags =
      enter_flags_ | IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG | IORING_ENTER_EXT_ARG_REG;
  // An SQPOLL poller consumes the SQ itself; entering only wakes it when it sleeps.
  if ((setup_flags_ & IORING_SETUP_SQPOLL) && pending != 0 && sq_.needs_wakeup())
    flags |= IORING_ENTER_SQ_WAKEUP;
  // The argument is the slot's byte offset in the region, passed where a pointer would go.
  const std::uintptr_t offset = std::uintptr_t{index} * sizeof(abi::reg_wait);
  const int ret = sys::io_uring_enter2(enter_fd_, pending, wait_nr, flags,
                                       reinterpret_cast<const io_uring_getevents_arg*>(offset),
                                       sizeof(abi::reg_wait));
  if (ret == -EINVAL && !register_op_supported(*this, abi::IORING_REGISTER_MEM_REGION))
    return -EOPNOTSUPP;
  if (ret == -EBADR) cq_dropped_ = true;
  return ret;
}

int RingCore::submit_and_wait_bounded(unsigned wait_nr, const __kernel_timespec* ts,
                                      unsigned min_wait_usec, const sigset_t* sigmask) noexcept {
  WaitSpec w;
  w.nr = wait_nr;
  w.timeout = ts;
  w.min_wait_usec = min_wait_usec;
  w.sigmask = sigmask;
  return submit_and_wait(w);
}

int RingCore::wait_ready(const WaitSpec& w) noexcept {
  const unsigned nr = w.nr == 0 ? 1 : w.nr;
  if (cq_.ready() >= nr) return 0;
  WaitSpec wait = w;
  wait.nr = nr;
  // Waiting submits nothing: enter with to_submit 0 (the SQ's pending count is not ours to act
  // on here: another thread or a fork child may own what is in it).
  return submit_general(0, wait);
}

template <SqeSize S, CqeSize C>
Result<BasicRing<S, C>> BasicRing<S, C>::create(const Params& params) noexcept {
  BasicRing r;
  if (const int ret = r.init(params, kSizeFlags); ret < 0) return Errno{ret};
  return r;
}

template <SqeSize S, CqeSize C>
int BasicRing<S, C>::fetch_cqe(io_uring_cqe** cqe) noexcept {
  const int ret = get_events();
  // Whatever the enter answered (-EBADR says a CQE was dropped), the CQ may hold one now.
  *cqe = peek_cqe();
  if (*cqe) return 0;
  return ret < 0 ? ret : -EAGAIN;
}

template class BasicRing<SqeSize::b64, CqeSize::b16>;
template class BasicRing<SqeSize::b64, CqeSize::b32>;
template class BasicRing<SqeSize::b64, CqeSize::mixed>;
template class BasicRing<SqeSize::b128, CqeSize::b16>;
template class BasicRing<SqeSize::b128, CqeSize::b32>;
template class BasicRing<SqeSize::b128, CqeSize::mixed>;

}  // namespace uring
