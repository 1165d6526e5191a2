// The ring's control plane through io_uring_register(2): eventfd notification, restrictions,
// io-wq limits and affinity, personalities, synchronous cancel, NAPI busy polling, the wait clock
// and memory regions. Every function returns what the kernel answered (>= 0, or -errno), except
// where an opcode is newer than the running kernel: then -EOPNOTSUPP, and the comment names the
// release that added it. docs/register.md lists every register opcode of 6.18 and where it is
// reached.
//
// How "newer than the running kernel" is known: io_uring_register answers -EINVAL to an opcode it
// does not know, before looking at the arguments. A kernel that knows the opcode reads the argument
// first, so register_op_supported() passes an unreadable pointer: -EFAULT (or any answer but
// -EINVAL) means known. One system call, no side effect; the gated functions below call it only
// after the kernel already said -EINVAL to arguments the library knows are valid. Exact for every
// opcode that reads an argument before anything else: 0, 2, 4, 6-8, 17, 19-30, 34, and 33
// (RESIZE_RINGS) on a DEFER_TASKRUN ring. Opcodes that check something else first (ENABLE_RINGS,
// the UNREGISTER_* without an argument, ZCRX_IFQ, QUERY) look unknown to it.
//
// Threading and lifetime: as register.hpp (the plain fd; on a single-thread ring only its owner
// thread, -EEXIST elsewhere). Arguments are read during the call; an eventfd stays registered
// until unregister_eventfd or the ring's destruction, and the caller keeps it open until then.
#pragma once

#include <sched.h>

#include <cstdint>
#include <span>

#include "../syscalls/abi.hpp"
#include "result.hpp"

namespace uring {

class RingCore;

namespace detail {
// register_op_supported on a plain ring fd (for owners that keep only the fd, like BufRing).
bool register_op_known(int ring_fd, unsigned opcode) noexcept;
}  // namespace detail

// True when the running kernel knows io_uring_register opcode `opcode`.
bool register_op_supported(const RingCore& ring, unsigned opcode) noexcept;

// ---- eventfd
// --------------------------------------------------------------------------------------
// IORING_REGISTER_EVENTFD: the kernel signals `eventfd` (adds 1) when it posts CQEs. On a
// DEFER_TASKRUN ring it signals when completion work is queued for the ring's task, before the
// CQE is visible: the loop reacts with Ring::get_events() (the ring fd itself does not become
// readable for such work, which is why a loop needs this). -EBUSY when one is registered already.
int register_eventfd(RingCore& ring, int eventfd) noexcept;
// IORING_REGISTER_EVENTFD_ASYNC: signals only for completions posted from async context (io-wq
// workers, poll wake-ups), not for requests that complete inline during submission.
int register_eventfd_async(RingCore& ring, int eventfd) noexcept;
// IORING_UNREGISTER_EVENTFD: -ENXIO when none is registered.
int unregister_eventfd(RingCore& ring) noexcept;
// IORING_CQ_EVENTFD_DISABLED is a bit in the mapped CQ ring's flags word: the application sets it
// to pause notifications without a system call. Not reachable here: Ring does not expose the word
// (docs/register.md, "eventfd").

// ---- restrictions -------------------------------------------------------------------------------
// One entry of an allow-list for IORING_REGISTER_RESTRICTIONS.
struct Restriction {
  static constexpr io_uring_restriction register_op(unsigned op) noexcept {
    return make(IORING_RESTRICTION_REGISTER_OP, op);
  }
  static constexpr io_uring_restriction sqe_op(unsigned op) noexcept {
    return make(IORING_RESTRICTION_SQE_OP, op);
  }
  // IOSQE_* flags an SQE may carry (any other flag: -EACCES).
  static constexpr io_uring_restriction sqe_flags_allowed(unsigned flags) noexcept {
    return make(IORING_RESTRICTION_SQE_FLAGS_ALLOWED, flags);
  }
  // IOSQE_* flags every SQE must carry.
  static constexpr io_uring_restriction sqe_flags_required(unsigned flags) noexcept {
    return make(IORING_RESTRICTION_SQE_FLAGS_REQUIRED, flags);
  }

 private:
  static constexpr io_uring_restriction make(unsigned kind, unsigned value) noexcept {
    // One byte, a union of three names: write the one the kind reads (the active member in a
    // constant expression).
    io_uring_restriction r{};
    r.opcode = static_cast<std::uint16_t>(kind);
    const auto byte = static_cast<std::uint8_t>(value);
    if (kind == IORING_RESTRICTION_REGISTER_OP)
      r.register_op = byte;
    else if (kind == IORING_RESTRICTION_SQE_OP)
      r.sqe_op = byte;
    else
      r.sqe_flags = byte;
    return r;
  }
};
// IORING_REGISTER_RESTRICTIONS: only on a ring created with IORING_SETUP_R_DISABLED and not
// enabled yet (-EBADFD otherwise), once (-EBUSY the second time). Takes effect at enable_rings();
// from then on a disallowed SQE completes with -EACCES and a disallowed register opcode returns
// -EACCES. -EINVAL for an opcode past the kernel's last (the whole list is then dropped).
int register_restrictions(RingCore& ring, std::span<const io_uring_restriction> list) noexcept;

// ---- io-wq
// ----------------------------------------------------------------------------------------
// IORING_REGISTER_IOWQ_MAX_WORKERS: sets the limits of bounded (regular file, block) and unbounded
// (sockets, pipes) workers; 0 leaves a limit as it is. On return both hold the previous values
// (0 0 when this task has no io-wq yet; with SQPOLL the poller's).
struct IowqLimits {
  unsigned bounded = 0;
  unsigned unbounded = 0;
};
int register_iowq_max_workers(RingCore& ring, IowqLimits& limits) noexcept;
// IORING_REGISTER_IOWQ_AFF / UNREGISTER_IOWQ_AFF: the CPUs io-wq workers (with SQPOLL, the
// poller) may run on. -EINVAL for a set outside what this task may use.
int register_iowq_aff(RingCore& ring, const cpu_set_t& cpus) noexcept;
int unregister_iowq_aff(RingCore& ring) noexcept;

// ---- personalities
// --------------------------------------------------------------------------------
// IORING_REGISTER_PERSONALITY: saves the calling task's credentials; returns their id (> 0) for
// io_uring_sqe.personality, which runs a request with them.
int register_personality(RingCore& ring) noexcept;
// IORING_UNREGISTER_PERSONALITY: -EINVAL for an id that is not registered.
int unregister_personality(RingCore& ring, unsigned id) noexcept;

// ---- synchronous cancel (6.0)
// ---------------------------------------------------------------------
// IORING_REGISTER_SYNC_CANCEL: cancels matching requests and returns once they are gone (their
// CQEs are posted, -ECANCELED). match: user_data, or fd with IORING_ASYNC_CANCEL_FD (and _FIXED),
// IORING_ASYNC_CANCEL_ALL / _ANY as for IORING_OP_ASYNC_CANCEL. timeout_ns < 0: no timeout.
// Returns 0 (or the count with ALL), -ENOENT when nothing matched, -ETIME on timeout.
struct CancelMatch {
  std::uint64_t user_data = 0;
  int fd = -1;
  unsigned flags = 0;  // IORING_ASYNC_CANCEL_*
  std::int64_t timeout_ns = -1;
};
int sync_cancel(RingCore& ring, const CancelMatch& match) noexcept;

// ---- NAPI busy polling (6.9)
// ------------------------------------------------------------------------ IORING_REGISTER_NAPI:
// busy-poll the NAPI instances of the ring's sockets for up to busy_poll_us while waiting.
// `settings` is in/out: on return it holds the previous settings. -EOPNOTSUPP before 6.9 or without
// CONFIG_NET_RX_BUSY_POLL; -EINVAL for a reserved field set.
int register_napi(RingCore& ring, abi::napi& settings) noexcept;
// IORING_UNREGISTER_NAPI: stops busy polling; `settings` receives the ones in effect.
int unregister_napi(RingCore& ring, abi::napi& settings) noexcept;

// ---- clock (6.12)
// -----------------------------------------------------------------------------------
// IORING_REGISTER_CLOCK: the clock of wait timeouts (CLOCK_MONOTONIC, the default, or
// CLOCK_BOOTTIME). -EINVAL for any other clock; -EOPNOTSUPP before 6.12.
int register_clock(RingCore& ring, clockid_t clock) noexcept;

// ---- memory regions (6.13) ---------------------------------------------------------------------
// IORING_REGISTER_MEM_REGION: registers `desc` (user memory with IORING_MEM_REGION_TYPE_USER, or
// kernel memory mapped afterwards at desc.mmap_offset, which the kernel fills in). flags
// IORING_MEM_REGION_REG_WAIT_ARG exposes it as registered wait arguments and needs a ring still
// R_DISABLED (-EINVAL otherwise). One region per ring: -EBUSY the second time. -EOPNOTSUPP before
// 6.13. User memory must stay mapped as long as the ring lives (the kernel pins its pages).
int register_mem_region(RingCore& ring, abi::region_desc& desc, std::uint64_t flags) noexcept;
// The ring's registered wait arguments (6.13): `slots`, in user memory that starts on a page and
// is whole pages long (-EINVAL otherwise), registered as a region with
// IORING_MEM_REGION_REG_WAIT_ARG. Only on a ring created with IORING_SETUP_R_DISABLED and not yet
// enabled (-EINVAL after enable_rings); then RingCore::submit_and_wait_reg(nr, i) waits with
// slots[i], which the application may rewrite between waits. The memory must outlive the ring.
// -EOPNOTSUPP before 6.13.
int register_wait_region(RingCore& ring, std::span<abi::reg_wait> slots) noexcept;

}  // namespace uring
