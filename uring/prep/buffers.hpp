// Provided buffers, the legacy way (IORING_OP_PROVIDE_BUFFERS / REMOVE_BUFFERS): a group of
// buffers requests with IOSQE_BUFFER_SELECT pick from. The buffer-ring layer is separate.
#pragma once

#include "base.hpp"

namespace uring {

// IORING_OP_PROVIDE_BUFFERS: nr buffers of len bytes each, back to back from addr, become buffers
// bid, bid + 1, ... of group bgid. nr in fd, bid in off, bgid in buf_group.
inline void prep_provide_buffers(io_uring_sqe& sqe, void* addr, int len, int nr, int bgid,
                                 int bid) noexcept {
  prep_rw(sqe, IORING_OP_PROVIDE_BUFFERS, nr, detail::addr_of(addr),
          static_cast<std::uint32_t>(len),
          static_cast<std::uint64_t>(static_cast<std::int64_t>(bid)));
  sqe.buf_group = static_cast<std::uint16_t>(bgid);
}

// IORING_OP_REMOVE_BUFFERS: up to nr buffers of group bgid; res is how many were removed.
constexpr void prep_remove_buffers(io_uring_sqe& sqe, int nr, int bgid) noexcept {
  prep_rw(sqe, IORING_OP_REMOVE_BUFFERS, nr, 0, 0, 0);
  sqe.buf_group = static_cast<std::uint16_t>(bgid);
}

}  // namespace uring
