// What every prep family builds on: prep_rw (the common shape of a request) and the small
// encodings several families share. See uring/prep.hpp for the conventions.
#pragma once

#include <bit>
#include <cstdint>

#include "../../syscalls/abi.hpp"
#include "../fixed_file.hpp"

namespace uring {

// The common shape of most requests: opcode, fd, addr, len, off; every other byte zero except
// user_data, which belongs to the caller and is kept.
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

// ---- liburing's SQE/CQE field helpers, by name (io_uring_sqe_set_data, ...) ----
// user_data is the caller's tag, carried unchanged from the SQE to every CQE of the request.
inline void sqe_set_data(io_uring_sqe& sqe, void* data) noexcept {
  sqe.user_data = reinterpret_cast<std::uintptr_t>(data);
}
constexpr void sqe_set_data64(io_uring_sqe& sqe, std::uint64_t data) noexcept {
  sqe.user_data = data;
}
inline void* cqe_get_data(const io_uring_cqe& cqe) noexcept {
  return reinterpret_cast<void*>(static_cast<std::uintptr_t>(cqe.user_data));
}
constexpr std::uint64_t cqe_get_data64(const io_uring_cqe& cqe) noexcept { return cqe.user_data; }
// Replaces the IOSQE_* flags (liburing sets, not ors).
constexpr void sqe_set_flags(io_uring_sqe& sqe, unsigned flags) noexcept {
  sqe.flags = static_cast<std::uint8_t>(flags);
}
// The provided-buffer group a request with IOSQE_BUFFER_SELECT takes its buffer from.
constexpr void sqe_set_buf_group(io_uring_sqe& sqe, int bgid) noexcept {
  sqe.buf_group = static_cast<std::uint16_t>(bgid);
}

namespace detail {

inline std::uint64_t addr_of(const void* p) noexcept { return reinterpret_cast<std::uintptr_t>(p); }

// sqe.file_index for a request that creates a direct descriptor: slot + 1 (0 means "a normal
// fd"), except IORING_FILE_INDEX_ALLOC, which stays as it is (liburing's encoding since 2.4;
// 2.3 wrapped it to 0, see tests/unit/liburing_diff_test.cpp).
constexpr std::uint32_t target_slot(unsigned file_index) noexcept {
  return file_index == IORING_FILE_INDEX_ALLOC ? file_index : file_index + 1;
}

// poll32_events is word-swapped on big-endian machines, so that its low 16 bits stay where the
// old 16-bit poll_events field was.
constexpr std::uint32_t poll_mask(unsigned mask) noexcept {
  if constexpr (std::endian::native == std::endian::big) return (mask << 16) | (mask >> 16);
  return mask;
}

}  // namespace detail
}  // namespace uring

// The FixedFile form of a prep whose first argument after the SQE is the file it operates on:
// prep_x(sqe, FixedFile slot, args...) is prep_x(sqe, slot.fd(), args...) plus IOSQE_FIXED_FILE
// (the kernel then reads sqe.fd as a slot of the ring's registered files). Rejects nothing:
// the kernel answers -EBADF for an empty or out-of-range slot.
#define RAWURING_FIXED_FILE_FORM(prep)                                                         \
  template <class... Args>                                                                     \
  constexpr auto prep(                                                                         \
      io_uring_sqe& sqe, ::uring::FixedFile file,                                              \
      Args&&... args) noexcept->decltype(prep(sqe, file.fd(), static_cast<Args&&>(args)...)) { \
    prep(sqe, file.fd(), static_cast<Args&&>(args)...);                                        \
    sqe.flags |= IOSQE_FIXED_FILE;                                                             \
  }
