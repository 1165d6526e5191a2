// The kernel ABI rawuring speaks: the system's <linux/io_uring.h> plus every constant the library
// uses that is newer than the oldest header it builds against (Debian 12 ships the 6.1 UAPI
// headers).
//
// Rule: each constant is defined only when the system header lacks it, with the value from the
// kernel ABI (values never change once released). Macros are guarded with #ifndef. Enumerators
// cannot be detected by the preprocessor, so each group is keyed to a macro that entered the header
// in the same kernel release: if that macro is missing, so are its enumerators.
#pragma once

// Every public header includes this one, so the standard is checked here, once. C++20 is needed
// for std::atomic_ref, std::span and <bit>; without this check an older standard gets dozens of
// errors that do not name the cause. The missing include after #error stops the compilation there
// (#error alone lets it go on), so the #error is the only diagnostic. pkg-config's Cflags, the
// CMake target rawuring::rawuring and the Meson dependency all carry -std=c++20.
#if __cplusplus < 202002L
#error "rawuring requires C++20: compile with -std=c++20 or later"
#include <rawuring-stops-here-because-it-requires-cxx20>
#endif

#include <linux/io_uring.h>

// Whether the system header is 6.12's or newer (it names IORING_FEAT_MIN_TIMEOUT, and with it the
// fields below). Tested before this file defines the macro itself.
#ifdef IORING_FEAT_MIN_TIMEOUT
#define RAWURING_UAPI_HAS_6_12 1
#else
#define RAWURING_UAPI_HAS_6_12 0
#endif

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
#ifndef IORING_ENTER_NO_IOWAIT
#define IORING_ENTER_NO_IOWAIT \
  (1U << 7)  // 6.15 (IORING_FEAT_NO_IOWAIT): waits not counted as iowait
#endif

// ---- io_uring_enter's extended argument -------------------------------------------------------
// io_uring_getevents_arg's third word is `pad` in headers before 6.12 and `min_wait_usec` since.
inline void set_min_wait_usec(io_uring_getevents_arg& arg, unsigned usec) noexcept {
#if RAWURING_UAPI_HAS_6_12
  arg.min_wait_usec = usec;
#else
  arg.pad = usec;
#endif
}

// ---- io_uring_register: the wait clock (6.12) ---------------------------------------------------
#if !RAWURING_UAPI_HAS_6_12
enum : unsigned {
  IORING_REGISTER_CLOCK = 29,  // 6.12: clock of wait timeouts
};
struct io_uring_clock_register {
  __u32 clockid;
  __u32 __resv[3];
};
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

// ---- Buffers and the control plane (issue 12) ---------------------------------------------------
// Macros newer than the 6.1 header, guarded one by one as above.
#ifndef IORING_CQE_F_BUF_MORE
#define IORING_CQE_F_BUF_MORE (1U << 4)  // 6.12: the buffer (IOU_PBUF_RING_INC) gets more data
#endif
#ifndef IORING_SETUP_CQE_MIXED
#define IORING_SETUP_CQE_MIXED (1U << 18)  // 6.18: CQEs of 16 and 32 bytes in one CQ
#endif
#ifndef IORING_CQE_F_SKIP
#define IORING_CQE_F_SKIP (1U << 5)  // 6.18, CQE_MIXED: a pad before the CQ wraps, carries nothing
#endif
#ifndef IORING_CQE_F_32
#define IORING_CQE_F_32 (1U << 15)  // 6.18, CQE_MIXED: a 32-byte CQE (big_cqe[0..1] are its)
#endif
#ifndef IORING_OFF_PBUF_RING
#define IORING_OFF_PBUF_RING 0x80000000ULL  // 6.4: mmap offset of an IOU_PBUF_RING_MMAP ring
#endif
#ifndef IORING_OFF_PBUF_SHIFT
#define IORING_OFF_PBUF_SHIFT 16  // 6.4: the group id goes at this bit of that offset
#endif

#include <cstddef>
#include <cstdint>

// Enumerators and structs newer than the 6.1 header live in namespace uring::abi under the
// kernel's name (lower case, without the io_uring_ prefix for structs): enumerators cannot be
// detected by the preprocessor, and a namespace-scoped constant never collides with the global
// enumerator a newer header declares. The values and layouts are the kernel ABI's; syscalls/
// layout.hpp proves every layout at compile time.
namespace uring::abi {

// io_uring_register(2) opcodes past the 6.1 header's IORING_REGISTER_LAST (26), with the kernel
// release that added each. Every opcode of 6.18 and where rawuring reaches it: docs/register.md.
enum : unsigned {
  IORING_REGISTER_PBUF_STATUS = 26,    // 6.8
  IORING_REGISTER_NAPI = 27,           // 6.9
  IORING_UNREGISTER_NAPI = 28,         // 6.9
  IORING_REGISTER_CLOCK = 29,          // 6.12
  IORING_REGISTER_CLONE_BUFFERS = 30,  // 6.12
  IORING_REGISTER_ZCRX_IFQ = 32,       // 6.15
  IORING_REGISTER_RESIZE_RINGS = 33,   // 6.13
  IORING_REGISTER_MEM_REGION = 34,     // 6.13
  IORING_REGISTER_QUERY = 35,          // 6.18
};

// io_uring_buf_reg.flags (enum io_uring_register_pbuf_ring_flags).
enum : unsigned {
  IOU_PBUF_RING_MMAP = 1,  // 6.4: the kernel allocates the ring; map it at IORING_OFF_PBUF_RING
  IOU_PBUF_RING_INC = 2,   // 6.12: buffers are consumed incrementally (IORING_CQE_F_BUF_MORE)
};

// io_uring_clone_buffers.flags.
enum : unsigned {
  IORING_REGISTER_SRC_REGISTERED = 1U << 0,  // 6.12: src_fd is a registered ring index
  IORING_REGISTER_DST_REPLACE = 1U << 1,     // 6.13: replace the destination's existing buffers
};

// io_uring_region_desc.flags and io_uring_mem_region_reg.flags.
enum : unsigned {
  IORING_MEM_REGION_TYPE_USER = 1,     // 6.13: the region is user memory at user_addr
  IORING_MEM_REGION_REG_WAIT_ARG = 1,  // 6.13: the region holds registered wait arguments
};

// io_uring_napi.opcode and .op_param (6.9; the opcodes 6.13).
enum : unsigned char {
  IO_URING_NAPI_REGISTER_OP = 0,
  IO_URING_NAPI_STATIC_ADD_ID = 1,
  IO_URING_NAPI_STATIC_DEL_ID = 2,
};
enum : unsigned {
  IO_URING_NAPI_TRACKING_DYNAMIC = 0,
  IO_URING_NAPI_TRACKING_STATIC = 1,
  IO_URING_NAPI_TRACKING_INACTIVE = 255,
};

// struct io_uring_buf_ring, with the kernel's layout. The system header declares its bufs member
// through __DECLARE_FLEX_ARRAY, whose empty struct is one byte in C++ (zero in C): compiled as
// C++, Debian 12's header puts bufs at offset 8, and a ring built on it hands the kernel entries
// it never reads (-ENOBUFS for ever). Here the ring memory is an array of io_uring_buf from
// offset 0, and the 16-bit tail overlays entry 0's resv field (offset 14). Use BufRing
// (uring/buf_ring.hpp), which indexes the mapping through this type.
union buf_ring {
  struct {
    std::uint64_t resv1;
    std::uint32_t resv2;
    std::uint16_t resv3;
    std::uint16_t tail;
  } head;
  io_uring_buf bufs[1];  // the first of ring_entries entries
};

// struct io_uring_buf_reg; the 6.1 header calls flags "pad".
struct buf_reg {
  std::uint64_t ring_addr;
  std::uint32_t ring_entries;
  std::uint16_t bgid;
  std::uint16_t flags;
  std::uint64_t resv[3];
};

// struct io_uring_buf_status (IORING_REGISTER_PBUF_STATUS, 6.8).
struct buf_status {
  std::uint32_t buf_group;  // in
  std::uint32_t head;       // out: the kernel's consumption index
  std::uint32_t resv[8];
};

// struct io_uring_napi (IORING_REGISTER_NAPI / UNREGISTER_NAPI, 6.9).
struct napi {
  std::uint32_t busy_poll_to;  // microseconds
  std::uint8_t prefer_busy_poll;
  std::uint8_t opcode;  // 6.13: IO_URING_NAPI_*_OP
  std::uint8_t pad[2];
  std::uint32_t op_param;  // 6.13: tracking strategy or NAPI id
  std::uint32_t resv;
};

// struct io_uring_clock_register (IORING_REGISTER_CLOCK, 6.12).
struct clock_register {
  std::uint32_t clockid;
  std::uint32_t resv[3];
};

// struct io_uring_clone_buffers (IORING_REGISTER_CLONE_BUFFERS, 6.12; src_off, dst_off and nr
// 6.13, reserved and zero before).
struct clone_buffers {
  std::uint32_t src_fd;
  std::uint32_t flags;
  std::uint32_t src_off;
  std::uint32_t dst_off;
  std::uint32_t nr;
  std::uint32_t pad[3];
};

// struct io_uring_region_desc and io_uring_mem_region_reg (IORING_REGISTER_MEM_REGION, 6.13).
struct region_desc {
  std::uint64_t user_addr;
  std::uint64_t size;
  std::uint32_t flags;
  std::uint32_t id;
  std::uint64_t mmap_offset;
  std::uint64_t resv[4];
};

// struct io_uring_reg_wait (6.13): one wait argument in a region registered with
// IORING_MEM_REGION_REG_WAIT_ARG. With IORING_ENTER_EXT_ARG | IORING_ENTER_EXT_ARG_REG,
// io_uring_enter's arg is the byte offset of one of these in the region (a multiple of 8) and
// argsz its size; the kernel reads it there instead of copying an io_uring_getevents_arg.
struct reg_wait {
  __kernel_timespec ts;  // with IORING_REG_WAIT_TS: the wait's timeout (relative, or absolute
                         // with IORING_ENTER_ABS_TIMER)
  std::uint32_t min_wait_usec;
  std::uint32_t flags;  // IORING_REG_WAIT_TS
  std::uint64_t sigmask;
  std::uint32_t sigmask_sz;
  std::uint32_t pad[3];
  std::uint64_t pad2[2];
};
enum : unsigned {
  IORING_REG_WAIT_TS = 1U << 0,  // 6.13: reg_wait.ts is set
};
struct mem_region_reg {
  std::uint64_t region_uptr;  // a region_desc*
  std::uint64_t flags;
  std::uint64_t resv[2];
};

// struct io_uring_sync_cancel_reg as of 6.6 (opcode for IORING_ASYNC_CANCEL_OP); the 6.1 header
// has pad[4] where opcode and the padding are, same size.
struct sync_cancel_reg {
  std::uint64_t addr;
  std::int32_t fd;
  std::uint32_t flags;
  std::int64_t timeout_sec;  // struct __kernel_timespec
  std::int64_t timeout_nsec;
  std::uint8_t opcode;
  std::uint8_t pad[7];
  std::uint64_t pad2[3];
};

}  // namespace uring::abi

// Every UAPI struct the library uses, its size and field offsets checked against the kernel ABI.
#include "layout.hpp"
