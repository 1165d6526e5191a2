// Timeouts: a timeout request, its removal and update, and the timeout of a linked request.
#pragma once

#include "base.hpp"

namespace uring {

// IORING_OP_TIMEOUT: completes with -ETIME when ts passes, or with 0 once `count` other
// requests have completed (count in off; 0: only the time). IORING_TIMEOUT_* in timeout_flags.
// ts is read at submission: it may be a temporary of the submitting scope.
inline void prep_timeout(io_uring_sqe& sqe, const __kernel_timespec* ts, unsigned count,
                         unsigned flags) noexcept {
  prep_rw(sqe, IORING_OP_TIMEOUT, -1, detail::addr_of(ts), 1, count);
  sqe.timeout_flags = flags;
}

// IORING_OP_TIMEOUT_REMOVE of the timeout with this user_data: res 0 and the timeout completes
// with -ECANCELED; -ENOENT when none, -EALREADY when it is firing.
constexpr void prep_timeout_remove(io_uring_sqe& sqe, std::uint64_t user_data,
                                   unsigned flags) noexcept {
  prep_rw(sqe, IORING_OP_TIMEOUT_REMOVE, -1, user_data, 0, 0);
  sqe.timeout_flags = flags;
}

// IORING_OP_TIMEOUT_REMOVE with IORING_TIMEOUT_UPDATE: the timeout with this user_data gets the
// new time ts (in off).
inline void prep_timeout_update(io_uring_sqe& sqe, const __kernel_timespec* ts,
                                std::uint64_t user_data, unsigned flags) noexcept {
  prep_rw(sqe, IORING_OP_TIMEOUT_REMOVE, -1, user_data, 0, detail::addr_of(ts));
  sqe.timeout_flags = flags | IORING_TIMEOUT_UPDATE;
}

// IORING_OP_LINK_TIMEOUT: linked after a request (IOSQE_IO_LINK on that one), cancels it when ts
// passes: the request completes with -ECANCELED and this with -ETIME; if the request finishes
// first, this completes with -ECANCELED.
inline void prep_link_timeout(io_uring_sqe& sqe, const __kernel_timespec* ts,
                              unsigned flags) noexcept {
  prep_rw(sqe, IORING_OP_LINK_TIMEOUT, -1, detail::addr_of(ts), 1, 0);
  sqe.timeout_flags = flags;
}

}  // namespace uring
