#include "register.hpp"

#include <cerrno>
#include <cstring>
#include <iterator>
#include <limits>

#include "opcodes.hpp"
#include "rsrc.hpp"

namespace uring {

using detail::ptr;
using detail::too_many;

int register_files(RingCore& ring, std::span<const int> fds) noexcept {
  if (too_many(fds.size())) return -EINVAL;
  return ring.register_raw(IORING_REGISTER_FILES, fds.data(), static_cast<unsigned>(fds.size()));
}

int register_files_tags(RingCore& ring, std::span<const int> fds,
                        std::span<const std::uint64_t> tags) noexcept {
  return detail::rsrc_register_tags(ring, IORING_REGISTER_FILES2, fds, tags);
}

int register_files_sparse(RingCore& ring, unsigned nr) noexcept {
  return detail::rsrc_register_sparse(ring, IORING_REGISTER_FILES2, nr);
}

int register_files_update(RingCore& ring, unsigned offset, std::span<const int> fds) noexcept {
  if (too_many(fds.size())) return -EINVAL;
  io_uring_files_update up{};
  up.offset = offset;
  up.fds = ptr(fds.data());
  return ring.register_raw(IORING_REGISTER_FILES_UPDATE, &up, static_cast<unsigned>(fds.size()));
}

int register_files_update_tags(RingCore& ring, unsigned offset, std::span<const int> fds,
                               std::span<const std::uint64_t> tags) noexcept {
  return detail::rsrc_update_tags(ring, IORING_REGISTER_FILES_UPDATE2, offset, fds, tags);
}

int register_files_update_tag(RingCore& ring, unsigned off, const int* files,
                              const std::uint64_t* tags, unsigned nr_files) noexcept {
  return detail::rsrc_update2(ring, IORING_REGISTER_FILES_UPDATE2, off, files, nr_files, tags);
}

int unregister_files(RingCore& ring) noexcept {
  return ring.register_raw(IORING_UNREGISTER_FILES, nullptr, 0);
}

int register_file_alloc_range(RingCore& ring, unsigned offset, unsigned len) noexcept {
  io_uring_file_index_range range{};
  range.off = offset;
  range.len = len;
  // The kernel insists on nr_args == 0 here (any other value is -EINVAL).
  return ring.register_raw(IORING_REGISTER_FILE_ALLOC_RANGE, &range, 0);
}

int enable_rings(RingCore& ring) noexcept {
  return ring.register_raw(IORING_REGISTER_ENABLE_RINGS, nullptr, 0);
}

Result<Probe> probe(RingCore& ring) noexcept {
  // io_uring_probe ends in a flexible array: give it room for every possible opcode.
  alignas(io_uring_probe) unsigned char
      buf[sizeof(io_uring_probe) + Probe::kMaxOps * sizeof(io_uring_probe_op)];
  std::memset(buf, 0, sizeof buf);
  auto* head = reinterpret_cast<io_uring_probe*>(buf);
  const int ret = ring.register_raw(IORING_REGISTER_PROBE, head, Probe::kMaxOps);
  if (ret < 0) return Errno{ret};
  Probe p;
  p.last_op_ = head->last_op;
  for (unsigned i = 0; i < head->ops_len && i < Probe::kMaxOps; ++i)
    p.ops_[head->ops[i].op] = head->ops[i].flags;
  return p;
}

Result<Probe> get_probe() noexcept {
  Params p;
  p.entries = 2;
  p.default_flags = false;
  p.register_ring_fd = false;
  auto ring = Ring::create(p);
  if (!ring) return Errno{ring.error()};
  return probe(*ring);
}

const char* opcode_name(unsigned op) noexcept {
  // Opcode numbers are ABI: the names come from the one table of opcodes (opcodes.hpp).
  const op::Opcode* row = op::find(op);
  return row ? row->name : nullptr;
}

}  // namespace uring
