// SQE preparation: one free function per request, named after liburing's io_uring_prep_* without
// the prefix, taking the SQE first and then liburing's parameters in liburing's order.
//
// Every prep function writes all 64 bytes of the SQE except user_data, which belongs to the caller:
// a recycled slot never carries stale fields into the next request. The encodings are liburing's,
// byte for byte (tests/unit/prep_test.cpp pins them; docs/ list the field map of each).
// Functions without pointer parameters are constexpr, so encodings can be checked at compile time.
#pragma once

#include <cstdint>
#include <span>

#include "../syscalls/abi.hpp"

namespace uring {

// The common shape of most requests: opcode, fd, addr, len, off; everything else zero.
constexpr void prep_rw(io_uring_sqe& sqe, std::uint8_t op, int fd, std::uint64_t addr,
                       std::uint32_t len, std::uint64_t off) noexcept {
  const std::uint64_t user_data = sqe.user_data;
  sqe = io_uring_sqe{};
  sqe.opcode = op;
  sqe.fd = fd;
  sqe.addr = addr;
  sqe.len = len;
  sqe.off = off;
  sqe.user_data = user_data;
}

namespace detail {
inline std::uint64_t addr_of(const void* p) noexcept { return reinterpret_cast<std::uintptr_t>(p); }
}  // namespace detail

// IORING_OP_NOP: completes with res 0.
constexpr void prep_nop(io_uring_sqe& sqe) noexcept { prep_rw(sqe, IORING_OP_NOP, -1, 0, 0, 0); }

// IORING_OP_READ: read(2)/pread(2) of nbytes into buf; offset -1 (all ones) means the file
// position.
inline void prep_read(io_uring_sqe& sqe, int fd, void* buf, unsigned nbytes,
                      std::uint64_t offset) noexcept {
  prep_rw(sqe, IORING_OP_READ, fd, detail::addr_of(buf), nbytes, offset);
}

// IORING_OP_WRITE: write(2)/pwrite(2) of nbytes from buf.
inline void prep_write(io_uring_sqe& sqe, int fd, const void* buf, unsigned nbytes,
                       std::uint64_t offset) noexcept {
  prep_rw(sqe, IORING_OP_WRITE, fd, detail::addr_of(buf), nbytes, offset);
}

// IORING_OP_CLOSE of a plain fd.
constexpr void prep_close(io_uring_sqe& sqe, int fd) noexcept {
  prep_rw(sqe, IORING_OP_CLOSE, fd, 0, 0, 0);
}

// IORING_OP_CLOSE of a direct descriptor: fd 0, the slot in file_index plus one (0 means "none").
constexpr void prep_close_direct(io_uring_sqe& sqe, unsigned file_index) noexcept {
  prep_close(sqe, 0);
  sqe.file_index = file_index + 1;
}

// IORING_OP_MSG_RING, IORING_MSG_DATA (addr 0): posts a CQE on the ring `fd` with res = len and
// user_data = data. flags go to msg_ring_flags; for DATA the kernel accepts only
// IORING_MSG_RING_FLAGS_PASS (use prep_msg_ring_cqe_flags) and refuses IORING_MSG_RING_CQE_SKIP.
constexpr void prep_msg_ring(io_uring_sqe& sqe, int fd, unsigned len, std::uint64_t data,
                             unsigned flags) noexcept {
  prep_rw(sqe, IORING_OP_MSG_RING, fd, IORING_MSG_DATA, len, data);
  sqe.msg_ring_flags = flags;
}

// prep_msg_ring, and the target CQE's flags become cqe_flags (IORING_MSG_RING_FLAGS_PASS, 6.3+;
// the flags travel in file_index).
constexpr void prep_msg_ring_cqe_flags(io_uring_sqe& sqe, int fd, unsigned len, std::uint64_t data,
                                       unsigned flags, unsigned cqe_flags) noexcept {
  prep_rw(sqe, IORING_OP_MSG_RING, fd, IORING_MSG_DATA, len, data);
  sqe.msg_ring_flags = IORING_MSG_RING_FLAGS_PASS | flags;
  sqe.file_index = cqe_flags;
}

// IORING_OP_MSG_RING, IORING_MSG_SEND_FD: installs this ring's direct descriptor source_fd into
// slot target_fd of the ring `fd` (IORING_FILE_INDEX_ALLOC: a free slot the target picks), which
// gets a CQE with user_data = data. Source slot in addr3, target slot plus one in file_index (ALLOC
// stays all ones). flags: IORING_MSG_RING_CQE_SKIP suppresses the target's CQE.
constexpr void prep_msg_ring_fd(io_uring_sqe& sqe, int fd, int source_fd, int target_fd,
                                std::uint64_t data, unsigned flags) noexcept {
  prep_rw(sqe, IORING_OP_MSG_RING, fd, IORING_MSG_SEND_FD, 0, data);
  sqe.addr3 = static_cast<__u64>(static_cast<std::int64_t>(source_fd));
  unsigned target = static_cast<unsigned>(target_fd);
  if (target == IORING_FILE_INDEX_ALLOC) --target;  // so that the + 1 below gives ALLOC back
  sqe.file_index = target + 1;
  sqe.msg_ring_flags = flags;
}

// prep_msg_ring_fd into a slot the target ring allocates; its CQE res (and ours) is that slot.
constexpr void prep_msg_ring_fd_alloc(io_uring_sqe& sqe, int fd, int source_fd, std::uint64_t data,
                                      unsigned flags) noexcept {
  prep_msg_ring_fd(sqe, fd, source_fd, static_cast<int>(IORING_FILE_INDEX_ALLOC), data, flags);
}

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

}  // namespace uring
