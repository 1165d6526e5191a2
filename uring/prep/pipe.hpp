// Pipes: splice and tee between a pipe and a file (or another pipe), and pipe creation (6.16).
#pragma once

#include "base.hpp"

namespace uring {

// IORING_OP_SPLICE: splice(2) of nbytes from fd_in (at off_in; -1: its position, and must be -1
// for a pipe) to fd_out (at off_out). fd_out is sqe.fd, fd_in is splice_fd_in.
constexpr void prep_splice(io_uring_sqe& sqe, int fd_in, std::int64_t off_in, int fd_out,
                           std::int64_t off_out, unsigned nbytes, unsigned splice_flags) noexcept {
  prep_rw(sqe, IORING_OP_SPLICE, fd_out, static_cast<std::uint64_t>(off_in), nbytes,
          static_cast<std::uint64_t>(off_out));  // addr is splice_off_in
  sqe.splice_fd_in = fd_in;
  sqe.splice_flags = splice_flags;
}
// Registered files at either end: fd_out takes IOSQE_FIXED_FILE, fd_in SPLICE_F_FD_IN_FIXED.
constexpr void prep_splice(io_uring_sqe& sqe, int fd_in, std::int64_t off_in, FixedFile fd_out,
                           std::int64_t off_out, unsigned nbytes, unsigned splice_flags) noexcept {
  prep_splice(sqe, fd_in, off_in, fd_out.fd(), off_out, nbytes, splice_flags);
  sqe.flags |= IOSQE_FIXED_FILE;
}
constexpr void prep_splice(io_uring_sqe& sqe, FixedFile fd_in, std::int64_t off_in, int fd_out,
                           std::int64_t off_out, unsigned nbytes, unsigned splice_flags) noexcept {
  prep_splice(sqe, fd_in.fd(), off_in, fd_out, off_out, nbytes,
              splice_flags | SPLICE_F_FD_IN_FIXED);
}
constexpr void prep_splice(io_uring_sqe& sqe, FixedFile fd_in, std::int64_t off_in,
                           FixedFile fd_out, std::int64_t off_out, unsigned nbytes,
                           unsigned splice_flags) noexcept {
  prep_splice(sqe, fd_in, off_in, fd_out.fd(), off_out, nbytes, splice_flags);
  sqe.flags |= IOSQE_FIXED_FILE;
}

// IORING_OP_TEE: tee(2) of nbytes from pipe fd_in to pipe fd_out.
constexpr void prep_tee(io_uring_sqe& sqe, int fd_in, int fd_out, unsigned nbytes,
                        unsigned splice_flags) noexcept {
  prep_rw(sqe, IORING_OP_TEE, fd_out, 0, nbytes, 0);
  sqe.splice_fd_in = fd_in;
  sqe.splice_flags = splice_flags;
}
constexpr void prep_tee(io_uring_sqe& sqe, int fd_in, FixedFile fd_out, unsigned nbytes,
                        unsigned splice_flags) noexcept {
  prep_tee(sqe, fd_in, fd_out.fd(), nbytes, splice_flags);
  sqe.flags |= IOSQE_FIXED_FILE;
}
constexpr void prep_tee(io_uring_sqe& sqe, FixedFile fd_in, int fd_out, unsigned nbytes,
                        unsigned splice_flags) noexcept {
  prep_tee(sqe, fd_in.fd(), fd_out, nbytes, splice_flags | SPLICE_F_FD_IN_FIXED);
}
constexpr void prep_tee(io_uring_sqe& sqe, FixedFile fd_in, FixedFile fd_out, unsigned nbytes,
                        unsigned splice_flags) noexcept {
  prep_tee(sqe, fd_in, fd_out.fd(), nbytes, splice_flags);
  sqe.flags |= IOSQE_FIXED_FILE;
}

// IORING_OP_PIPE (6.16): pipe2(2); the two fds are written to fds[0] (read end) and fds[1].
inline void prep_pipe(io_uring_sqe& sqe, int* fds, int pipe_flags) noexcept {
  prep_rw(sqe, IORING_OP_PIPE, 0, detail::addr_of(fds), 0, 0);
  abi::set_pipe_flags(sqe, static_cast<std::uint32_t>(pipe_flags));
}

// prep_pipe into direct slots file_index and file_index + 1 (IORING_FILE_INDEX_ALLOC: any two
// free ones); fds receives the slots.
inline void prep_pipe_direct(io_uring_sqe& sqe, int* fds, int pipe_flags,
                             unsigned file_index) noexcept {
  prep_pipe(sqe, fds, pipe_flags);
  sqe.file_index = detail::target_slot(file_index);
}
inline void prep_pipe_direct(io_uring_sqe& sqe, int* fds, int pipe_flags,
                             DirectSlot slot) noexcept {
  prep_pipe_direct(sqe, fds, pipe_flags, slot.file_index());
}

}  // namespace uring
