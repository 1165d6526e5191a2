// IORING_OP_MSG_RING: a CQE posted on another ring (DATA), or a direct descriptor sent to it
// (SEND_FD). The typed layer with the kernel's rules is uring/msg_ring.hpp.
#pragma once

#include "base.hpp"

namespace uring {

// IORING_MSG_DATA (addr 0): posts a CQE on the ring `fd` with res = len and user_data = data.
// flags go to msg_ring_flags; for DATA the kernel accepts only IORING_MSG_RING_FLAGS_PASS (use
// prep_msg_ring_cqe_flags) and refuses IORING_MSG_RING_CQE_SKIP.
constexpr void prep_msg_ring(io_uring_sqe& sqe, int fd, unsigned len, std::uint64_t data,
                             unsigned flags) noexcept {
  prep_rw(sqe, IORING_OP_MSG_RING, fd, IORING_MSG_DATA, len, data);
  sqe.msg_ring_flags = flags;
}
RAWURING_FIXED_FILE_FORM(prep_msg_ring)

// prep_msg_ring, and the target CQE's flags become cqe_flags (IORING_MSG_RING_FLAGS_PASS, 6.3;
// the flags travel in file_index).
constexpr void prep_msg_ring_cqe_flags(io_uring_sqe& sqe, int fd, unsigned len, std::uint64_t data,
                                       unsigned flags, unsigned cqe_flags) noexcept {
  prep_rw(sqe, IORING_OP_MSG_RING, fd, IORING_MSG_DATA, len, data);
  sqe.msg_ring_flags = IORING_MSG_RING_FLAGS_PASS | flags;
  sqe.file_index = cqe_flags;
}
RAWURING_FIXED_FILE_FORM(prep_msg_ring_cqe_flags)

// IORING_MSG_SEND_FD: installs this ring's direct descriptor source_fd into slot target_fd of
// the ring `fd` (IORING_FILE_INDEX_ALLOC: a free slot the target picks), which gets a CQE with
// user_data = data. Source slot in addr3, target slot plus one in file_index (ALLOC stays all
// ones). flags: IORING_MSG_RING_CQE_SKIP suppresses the target's CQE.
constexpr void prep_msg_ring_fd(io_uring_sqe& sqe, int fd, int source_fd, int target_fd,
                                std::uint64_t data, unsigned flags) noexcept {
  prep_rw(sqe, IORING_OP_MSG_RING, fd, IORING_MSG_SEND_FD, 0, data);
  sqe.addr3 = static_cast<__u64>(static_cast<std::int64_t>(source_fd));
  sqe.file_index = detail::target_slot(static_cast<unsigned>(target_fd));
  sqe.msg_ring_flags = flags;
}
RAWURING_FIXED_FILE_FORM(prep_msg_ring_fd)

// prep_msg_ring_fd into a slot the target ring allocates; its CQE res (and ours) is that slot.
constexpr void prep_msg_ring_fd_alloc(io_uring_sqe& sqe, int fd, int source_fd, std::uint64_t data,
                                      unsigned flags) noexcept {
  prep_msg_ring_fd(sqe, fd, source_fd, static_cast<int>(IORING_FILE_INDEX_ALLOC), data, flags);
}
RAWURING_FIXED_FILE_FORM(prep_msg_ring_fd_alloc)

}  // namespace uring
