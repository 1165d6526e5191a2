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
