// Internal (not installed): the kernel's resource-table registration, which files and buffers
// share (io_uring/rsrc.c: one io_uring_rsrc_register / io_uring_rsrc_update2 layout, one opcode
// per table). register.cpp and buffers.cpp build their typed calls on these.
#pragma once

#include <cerrno>
#include <cstdint>
#include <limits>
#include <span>

#include "ring.hpp"

namespace uring::detail {

template <class T>
std::uint64_t ptr(const T* p) noexcept {
  return reinterpret_cast<std::uintptr_t>(p);
}

inline bool too_many(std::size_t n) noexcept { return n > std::numeric_limits<unsigned>::max(); }

// REGISTER_FILES2 / BUFFERS2: `n` entries at `data`, slot i tagged tags[i] (0: none). -EINVAL
// (the library's, before any system call) when the spans differ in size.
template <class T>
int rsrc_register_tags(RingCore& ring, unsigned opcode, std::span<const T> data,
                       std::span<const std::uint64_t> tags) noexcept {
  if (too_many(data.size()) || tags.size() != data.size()) return -EINVAL;
  io_uring_rsrc_register reg{};
  reg.nr = static_cast<unsigned>(data.size());
  reg.data = ptr(data.data());
  reg.tags = ptr(tags.data());
  return ring.register_raw(opcode, &reg, sizeof reg);
}

// REGISTER_FILES2 / BUFFERS2 with IORING_RSRC_REGISTER_SPARSE: `nr` empty slots.
inline int rsrc_register_sparse(RingCore& ring, unsigned opcode, unsigned nr) noexcept {
  io_uring_rsrc_register reg{};
  reg.nr = nr;
  reg.flags = IORING_RSRC_REGISTER_SPARSE;
  return ring.register_raw(opcode, &reg, sizeof reg);
}

// FILES_UPDATE2 / BUFFERS_UPDATE: the count inside the struct, the struct's size as nr_args.
// `nr` entries at `data`; `tags` null for none (the kernel then tags nothing), else one per entry.
inline int rsrc_update2(RingCore& ring, unsigned opcode, unsigned offset, const void* data,
                        unsigned nr, const std::uint64_t* tags) noexcept {
  io_uring_rsrc_update2 up{};
  up.offset = offset;
  up.data = ptr(data);
  up.tags = ptr(tags);
  up.nr = nr;
  return ring.register_raw(opcode, &up, sizeof up);
}

// The same over spans: -EINVAL (the library's, before any system call) when they differ in size.
template <class T>
int rsrc_update_tags(RingCore& ring, unsigned opcode, unsigned offset, std::span<const T> data,
                     std::span<const std::uint64_t> tags) noexcept {
  if (too_many(data.size()) || tags.size() != data.size()) return -EINVAL;
  return rsrc_update2(ring, opcode, offset, data.data(), static_cast<unsigned>(data.size()),
                      tags.data());
}

}  // namespace uring::detail
