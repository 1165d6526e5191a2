// The ring's registered-file table from inside the ring: FILES_UPDATE (the typed layer is
// uring/files_update.hpp) and FIXED_FD_INSTALL (a direct descriptor made a normal fd).
#pragma once

#include <span>

#include "base.hpp"

namespace uring {

// IORING_OP_FILES_UPDATE: replaces nr_fds slots of the ring's file table from `offset` with fds
// (-1 clears, IORING_REGISTER_FILES_SKIP keeps). offset IORING_FILE_INDEX_ALLOC: the kernel picks
// free slots and writes them back into fds. fd is -1 and off the sign-extended offset, as liburing.
inline void prep_files_update(io_uring_sqe& sqe, int* fds, unsigned nr_fds, int offset) noexcept {
  prep_rw(sqe, IORING_OP_FILES_UPDATE, -1, detail::addr_of(fds), nr_fds,
          static_cast<std::uint64_t>(static_cast<std::int64_t>(offset)));
}

inline void prep_files_update(io_uring_sqe& sqe, std::span<int> fds, int offset) noexcept {
  prep_files_update(sqe, fds.data(), static_cast<unsigned>(fds.size()), offset);
}

// IORING_OP_FIXED_FD_INSTALL (6.8): a normal fd (res) for the file in direct slot fd, O_CLOEXEC
// unless flags has IORING_FIXED_FD_NO_CLOEXEC. fd is always a slot: IOSQE_FIXED_FILE is set.
constexpr void prep_fixed_fd_install(io_uring_sqe& sqe, int fd, unsigned flags) noexcept {
  prep_rw(sqe, IORING_OP_FIXED_FD_INSTALL, fd, 0, 0, 0);
  sqe.flags = IOSQE_FIXED_FILE;
  abi::set_install_fd_flags(sqe, flags);
}
constexpr void prep_fixed_fd_install(io_uring_sqe& sqe, FixedFile slot, unsigned flags) noexcept {
  prep_fixed_fd_install(sqe, slot.fd(), flags);
}

}  // namespace uring
