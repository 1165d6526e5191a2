// IORING_OP_URING_CMD: a command the file's driver defines (cmd_op), with the socket-option and
// block-discard commands liburing names.
#pragma once

#include "base.hpp"

namespace uring {

// IORING_OP_URING_CMD with command cmd_op (in the low half of off) on fd; the command's own
// arguments are set afterwards (the 16 bytes at addr3, or 80 with IORING_SETUP_SQE128).
constexpr void prep_uring_cmd(io_uring_sqe& sqe, int cmd_op, int fd) noexcept {
  prep_rw(sqe, IORING_OP_URING_CMD, fd, 0, 0, 0);
  abi::set_cmd_op(sqe, static_cast<std::uint32_t>(cmd_op));
}
// The file comes second here (liburing's order), so the FixedFile forms are written out.
constexpr void prep_uring_cmd(io_uring_sqe& sqe, int cmd_op, FixedFile file) noexcept {
  prep_uring_cmd(sqe, cmd_op, file.fd());
  sqe.flags |= IOSQE_FIXED_FILE;
}

// A socket command (SOCKET_URING_OP_*, 6.7): SIOCINQ/SIOCOUTQ, or get/setsockopt of
// level/optname with optval/optlen. level and optname share addr, optlen is at file_index,
// optval at addr3.
inline void prep_cmd_sock(io_uring_sqe& sqe, int cmd_op, int fd, int level, int optname,
                          void* optval, int optlen) noexcept {
  prep_uring_cmd(sqe, cmd_op, fd);
  abi::set_optval(sqe, detail::addr_of(optval));
  abi::set_optname(sqe, static_cast<std::uint32_t>(optname));
  abi::set_optlen(sqe, static_cast<std::uint32_t>(optlen));
  abi::set_level(sqe, static_cast<std::uint32_t>(level));
}
inline void prep_cmd_sock(io_uring_sqe& sqe, int cmd_op, FixedFile file, int level, int optname,
                          void* optval, int optlen) noexcept {
  prep_cmd_sock(sqe, cmd_op, file.fd(), level, optname, optval, optlen);
  sqe.flags |= IOSQE_FIXED_FILE;
}

// BLOCK_URING_CMD_DISCARD (6.12) on a block device: discard nbytes from offset (addr, addr3).
constexpr void prep_cmd_discard(io_uring_sqe& sqe, int fd, std::uint64_t offset,
                                std::uint64_t nbytes) noexcept {
  prep_uring_cmd(sqe, static_cast<int>(BLOCK_URING_CMD_DISCARD), fd);
  sqe.addr = offset;
  sqe.addr3 = nbytes;
}
RAWURING_FIXED_FILE_FORM(prep_cmd_discard)

}  // namespace uring
