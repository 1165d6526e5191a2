// The kernel ABI rawuring speaks: the system's <linux/io_uring.h> plus every constant the library
// uses that is newer than the oldest header it builds against (Debian 12 ships the 6.1 UAPI
// headers).
//
// Rule: each constant is defined only when the system header lacks it, with the value from the
// kernel ABI (values never change once released). Macros are guarded with #ifndef. Enumerators
// cannot be detected by the preprocessor, so each group is keyed to a macro that entered the header
// in the same kernel release: if that macro is missing, so are its enumerators.
#pragma once

#include <linux/io_uring.h>

#include <bit>
#include <cstdint>

// ---- opcodes newer than the 6.1 header (which ends at IORING_OP_SENDMSG_ZC = 48) --------------
// Each group is keyed to a macro of the release that added it, or of the next release with a
// new macro where the opcode's own release added none (6.7, 6.9, 6.11, 6.16): a header of exactly
// such a release would see its enumerators twice and fail to compile, loudly. These come first:
// later sections define some of the key macros themselves.
#ifndef IORING_FIXED_FD_NO_CLOEXEC  // 6.8 (its opcode, and the 6.7 ones before it)
enum : unsigned {
  IORING_OP_READ_MULTISHOT = 49,    // 6.7
  IORING_OP_WAITID = 50,            // 6.7
  IORING_OP_FUTEX_WAIT = 51,        // 6.7
  IORING_OP_FUTEX_WAKE = 52,        // 6.7
  IORING_OP_FUTEX_WAITV = 53,       // 6.7
  IORING_OP_FIXED_FD_INSTALL = 54,  // 6.8
};
// IORING_OP_URING_CMD on a socket: sqe.cmd_op (6.7).
enum : unsigned {
  SOCKET_URING_OP_SIOCINQ = 0,
  SOCKET_URING_OP_SIOCOUTQ = 1,
  SOCKET_URING_OP_GETSOCKOPT = 2,
  SOCKET_URING_OP_SETSOCKOPT = 3,
};
#define IORING_FIXED_FD_NO_CLOEXEC (1U << 0)  // 6.8: install_fd_flags, the new fd is not O_CLOEXEC
#endif
#ifndef IORING_RECVSEND_BUNDLE  // 6.10 (the 6.9 opcode before it)
enum : unsigned {
  IORING_OP_FTRUNCATE = 55,  // 6.9
};
#define IORING_RECVSEND_BUNDLE (1U << 4)  // 6.10: send/recv ioprio, a bundle of provided buffers
#endif
#ifndef IORING_FEAT_MIN_TIMEOUT  // 6.12 (the 6.11 opcodes before it)
enum : unsigned {
  IORING_OP_BIND = 56,    // 6.11
  IORING_OP_LISTEN = 57,  // 6.11
};
#endif
#ifndef IORING_FEAT_NO_IOWAIT  // 6.15
enum : unsigned {
  IORING_OP_RECV_ZC = 58,       // 6.15
  IORING_OP_EPOLL_WAIT = 59,    // 6.15
  IORING_OP_READV_FIXED = 60,   // 6.15
  IORING_OP_WRITEV_FIXED = 61,  // 6.15
};
#endif
#ifndef IORING_SETUP_CQE_MIXED  // 6.18 (the 6.16 opcode before it)
enum : unsigned {
  IORING_OP_PIPE = 62,  // 6.16
};
#endif

// ---- request flags newer than the 6.1 header ---------------------------------------------------
#ifndef IORING_TIMEOUT_MULTISHOT
#define IORING_TIMEOUT_MULTISHOT (1U << 6)  // 6.4: timeout_flags, fires count times (0: forever)
#endif
#ifndef IORING_ACCEPT_DONTWAIT
#define IORING_ACCEPT_DONTWAIT (1U << 1)  // 6.10: accept ioprio, -EAGAIN instead of arming poll
#endif
#ifndef IORING_ACCEPT_POLL_FIRST
#define IORING_ACCEPT_POLL_FIRST (1U << 2)  // 6.10: accept ioprio, poll before the first try
#endif
// <linux/blkdev.h> (6.12): IORING_OP_URING_CMD on a block device, discard [addr, addr + addr3).
#ifndef BLOCK_URING_CMD_DISCARD
#define BLOCK_URING_CMD_DISCARD 0x1200U  // _IO(0x12, 0)
#endif
// futex2 flags (<linux/futex.h>, 6.7) for IORING_OP_FUTEX_*: the futex_flags argument.
#ifndef FUTEX2_SIZE_U32
#define FUTEX2_SIZE_U32 0x02U
#endif
#ifndef FUTEX2_PRIVATE
#define FUTEX2_PRIVATE 128U  // FUTEX_PRIVATE_FLAG
#endif

// ---- SQE fields the 6.1 header does not name ----------------------------------------------------
// Each writes the bytes the kernel reads through the 6.1 member that overlays them, so that the
// write is well defined (also in constant evaluation) whichever header is installed.
namespace uring::abi {
// 28+4, the op-flags union: install_fd_flags (6.8), futex_flags and waitid_flags (6.7),
// pipe_flags (6.16), epoll_wait's flags (6.15, liburing writes rw_flags).
constexpr void set_install_fd_flags(io_uring_sqe& s, std::uint32_t v) noexcept { s.rw_flags = v; }
constexpr void set_futex_flags(io_uring_sqe& s, std::uint32_t v) noexcept { s.rw_flags = v; }
constexpr void set_waitid_flags(io_uring_sqe& s, std::uint32_t v) noexcept { s.rw_flags = v; }
constexpr void set_pipe_flags(io_uring_sqe& s, std::uint32_t v) noexcept { s.rw_flags = v; }
// 44+4, the file_index union: optlen (uring_cmd socket options, 6.7), zcrx_ifq_idx (6.15).
constexpr void set_optlen(io_uring_sqe& s, std::uint32_t v) noexcept { s.file_index = v; }
constexpr void set_zcrx_ifq_idx(io_uring_sqe& s, std::uint32_t v) noexcept { s.file_index = v; }
// 48+8, the addr3 union: optval (6.7).
constexpr void set_optval(io_uring_sqe& s, std::uint64_t v) noexcept { s.addr3 = v; }

namespace detail {
// The 32-bit half of a u64 union member that sits at its lower address.
constexpr std::uint64_t with_first_u32(std::uint64_t word, std::uint32_t v) noexcept {
  if constexpr (std::endian::native == std::endian::little)
    return (word & 0xffffffff00000000ULL) | v;
  else
    return (word & 0xffffffffULL) | (std::uint64_t{v} << 32);
}
constexpr std::uint64_t with_second_u32(std::uint64_t word, std::uint32_t v) noexcept {
  if constexpr (std::endian::native == std::endian::little)
    return (word & 0xffffffffULL) | (std::uint64_t{v} << 32);
  else
    return (word & 0xffffffff00000000ULL) | v;
}
}  // namespace detail

// 8+4 cmd_op (the 6.1 header names it, but only inside an anonymous struct of the off union;
// writing it through off keeps __pad1 at 12+4 zero and the union's active member defined).
constexpr void set_cmd_op(io_uring_sqe& s, std::uint32_t v) noexcept {
  s.off = detail::with_first_u32(s.off, v);
}
// 16+4 level and 20+4 optname, the addr union (uring_cmd socket options, 6.7).
constexpr void set_level(io_uring_sqe& s, std::uint32_t v) noexcept {
  s.addr = detail::with_first_u32(s.addr, v);
}
constexpr void set_optname(io_uring_sqe& s, std::uint32_t v) noexcept {
  s.addr = detail::with_second_u32(s.addr, v);
}
}  // namespace uring::abi

// ---- io_uring_setup flags ----------------------------------------------------------------------
#ifndef IORING_SETUP_NO_MMAP
#define IORING_SETUP_NO_MMAP (1U << 14)  // 6.5: application provides the ring memory
#endif
#ifndef IORING_SETUP_REGISTERED_FD_ONLY
#define IORING_SETUP_REGISTERED_FD_ONLY \
  (1U << 15)  // 6.5: return a registered ring index, not an fd
#endif
#ifndef IORING_SETUP_NO_SQARRAY
#define IORING_SETUP_NO_SQARRAY (1U << 16)  // 6.6: SQ tail indexes the SQE array directly
#endif

// IORING_REGISTER_SEND_MSG_RING entered the header in 6.13 together with
// IORING_SETUP_HYBRID_IOPOLL.
#ifndef IORING_SETUP_HYBRID_IOPOLL
enum : unsigned {
  IORING_REGISTER_SEND_MSG_RING = 31,  // 6.13: MSG_RING issued with fd -1, no source ring
};
#define IORING_SETUP_HYBRID_IOPOLL (1U << 17)  // 6.13
#endif

// ---- io_uring_params.features ------------------------------------------------------------------
#ifndef IORING_FEAT_REG_REG_RING
#define IORING_FEAT_REG_REG_RING \
  (1U << 13)  // 6.3: io_uring_register accepts a registered ring index
#endif
#ifndef IORING_FEAT_RECVSEND_BUNDLE
#define IORING_FEAT_RECVSEND_BUNDLE (1U << 14)  // 6.10
#endif
#ifndef IORING_FEAT_MIN_TIMEOUT
#define IORING_FEAT_MIN_TIMEOUT (1U << 15)  // 6.12
#endif
#ifndef IORING_FEAT_RW_ATTR
#define IORING_FEAT_RW_ATTR (1U << 16)  // 6.14
#endif
#ifndef IORING_FEAT_NO_IOWAIT
#define IORING_FEAT_NO_IOWAIT (1U << 17)  // 6.15
#endif

// ---- io_uring_enter flags ----------------------------------------------------------------------
#ifndef IORING_ENTER_ABS_TIMER
#define IORING_ENTER_ABS_TIMER (1U << 5)  // 6.12
#endif
#ifndef IORING_ENTER_EXT_ARG_REG
#define IORING_ENTER_EXT_ARG_REG (1U << 6)  // 6.13
#endif

// ---- io_uring_register
// ---------------------------------------------------------------------------
#ifndef IORING_REGISTER_USE_REGISTERED_RING
#define IORING_REGISTER_USE_REGISTERED_RING \
  (1U << 31)  // 6.3: fd argument is a registered ring index
#endif

// ---- IORING_OP_MSG_RING
// --------------------------------------------------------------------------
#ifndef IORING_MSG_RING_FLAGS_PASS
#define IORING_MSG_RING_FLAGS_PASS (1U << 1)  // 6.3: file_index carries the target CQE's flags
#endif

// ---- IORING_OP_NOP nop_flags (all newer than the 6.1 header) ------------------------------------
#ifndef IORING_NOP_INJECT_RESULT
#define IORING_NOP_INJECT_RESULT (1U << 0)  // the CQE's res is the SQE's len
#endif
#ifndef IORING_NOP_FILE
#define IORING_NOP_FILE (1U << 1)  // look up fd (exercises file assignment)
#endif
#ifndef IORING_NOP_FIXED_FILE
#define IORING_NOP_FIXED_FILE (1U << 2)  // with IORING_NOP_FILE: fd is a registered slot
#endif
#ifndef IORING_NOP_FIXED_BUFFER
#define IORING_NOP_FIXED_BUFFER (1U << 3)  // look up registered buffer buf_index
#endif
#ifndef IORING_NOP_TW
#define IORING_NOP_TW (1U << 4)  // complete through task work
#endif
#ifndef IORING_NOP_CQE32
#define IORING_NOP_CQE32 (1U << 5)  // post a 32-byte CQE, off and addr as its extra words
#endif
