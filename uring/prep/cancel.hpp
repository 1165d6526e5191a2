// Cancellation of requests in flight: by user_data, by file, or any (IORING_ASYNC_CANCEL_*).
#pragma once

#include "base.hpp"

namespace uring {

// IORING_OP_ASYNC_CANCEL of the request whose user_data is `user_data` (in addr); flags are
// IORING_ASYNC_CANCEL_* (ALL: every match, res the count; ANY: any request). res 0 when one was
// found and cancelled, -ENOENT when none, -EALREADY when it was running and was told to stop.
constexpr void prep_cancel64(io_uring_sqe& sqe, std::uint64_t user_data, int flags) noexcept {
  prep_rw(sqe, IORING_OP_ASYNC_CANCEL, -1, user_data, 0, 0);
  sqe.cancel_flags = static_cast<std::uint32_t>(flags);
}

// prep_cancel64 with a pointer-valued user_data.
inline void prep_cancel(io_uring_sqe& sqe, const void* user_data, int flags) noexcept {
  prep_cancel64(sqe, detail::addr_of(user_data), flags);
}

// IORING_OP_ASYNC_CANCEL of the requests on file fd (IORING_ASYNC_CANCEL_FD, 5.19).
constexpr void prep_cancel_fd(io_uring_sqe& sqe, int fd, unsigned flags) noexcept {
  prep_rw(sqe, IORING_OP_ASYNC_CANCEL, fd, 0, 0, 0);
  sqe.cancel_flags = flags | IORING_ASYNC_CANCEL_FD;
}
// The requests on registered file `file`: the slot is named by IORING_ASYNC_CANCEL_FD_FIXED,
// not by IOSQE_FIXED_FILE (the cancel request itself opens no file).
constexpr void prep_cancel_fd(io_uring_sqe& sqe, FixedFile file, unsigned flags) noexcept {
  prep_cancel_fd(sqe, file.fd(), flags | IORING_ASYNC_CANCEL_FD_FIXED);
}

}  // namespace uring
