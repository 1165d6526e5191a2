// Registration: the ring's direct-descriptor (fixed file) table, the file allocation range,
// enabling a ring created with IORING_SETUP_R_DISABLED, and the probe of supported opcodes. Every
// function returns what io_uring_register(2) answered: >= 0 on success, else -errno.
//
// Threading: registration is a cold path and goes through the ring's plain fd (after
// close_ring_fd, which leaves none: through the registered index, owner thread only). On a
// single-thread ring (SINGLE_ISSUER, the default) only the owner thread may call these: the kernel
// answers -EEXIST to any other (tests/kernel/register_test.cpp). On a shared ring any thread may,
// serialised by the caller like submission. Lifetime: the arrays passed in are read during the
// call only; nothing here keeps a pointer.
#pragma once

#include <cstdint>
#include <span>

#include "fixed_file.hpp"
#include "result.hpp"
#include "ring.hpp"

namespace uring {

// The table model. A ring has at most one file table of fixed size; every way of changing it (the
// register_files* calls below and IORING_OP_FILES_UPDATE, see files_update.hpp) takes an array of
// fds where each entry means the same thing:
//   fd >= 0      install that file in the slot (the kernel takes its own reference: closing the
//                fd afterwards leaves the slot working). An io_uring fd is refused (-EBADF).
//   kClearSlot   (-1) empty the slot (registration: leave it empty).
//   kSkipSlot    (IORING_REGISTER_FILES_SKIP, -2; updates only) leave the slot as it is.
// An update returns how many entries it processed: the kernel stops at the first bad entry and
// reports the count done before it, or -errno when that count is 0 (see UpdateResult).
// A tag (non-zero u64) attached to a slot comes back as a CQE {user_data = tag, res = 0,
// flags = 0} once the file in that slot is removed (replaced, cleared, or the table unregistered)
// and no request uses it any more. Tags go with files only: a tag on kClearSlot or kSkipSlot is
// -EINVAL.
inline constexpr int kClearSlot = -1;
inline constexpr int kSkipSlot = IORING_REGISTER_FILES_SKIP;

// IORING_REGISTER_FILES: a dense table holding these fds (kClearSlot leaves a slot empty).
[[nodiscard]] int register_files(RingCore& ring, std::span<const int> fds) noexcept;
// IORING_REGISTER_FILES2: like register_files, and slot i gets tags[i] (0: no tag). -EINVAL when
// the spans differ in size or a tag is given for an empty slot.
[[nodiscard]] int register_files_tags(RingCore& ring, std::span<const int> fds,
                                      std::span<const std::uint64_t> tags) noexcept;
// IORING_REGISTER_FILES2 with IORING_RSRC_REGISTER_SPARSE: `nr` empty slots.
[[nodiscard]] int register_files_sparse(RingCore& ring, unsigned nr) noexcept;
// IORING_REGISTER_FILES_UPDATE: replaces slots offset.. with fds (kClearSlot clears, kSkipSlot
// keeps). Returns how many entries were processed, not 0: fewer than fds.size() when a later fd
// is bad (the kernel stops there, having already emptied that slot), -errno when the first is.
// -ENXIO without a table, -EINVAL past its end, -EOVERFLOW when offset + size wraps 32 bits.
[[nodiscard]] int register_files_update(RingCore& ring, unsigned offset,
                                        std::span<const int> fds) noexcept;
// IORING_REGISTER_FILES_UPDATE2: register_files_update, and each installed file gets tags[i].
[[nodiscard]] int register_files_update_tags(RingCore& ring, unsigned offset,
                                             std::span<const int> fds,
                                             std::span<const std::uint64_t> tags) noexcept;
// liburing's io_uring_register_files_update_tag (IORING_REGISTER_FILES_UPDATE2, 5.13): nr_files
// entries of `files` from slot `off`, file i tagged tags[i]. tags may be null (no tags, as the
// kernel reads a null tags array). Same answers as register_files_update_tags: the count processed
// or -errno.
[[nodiscard]] int register_files_update_tag(RingCore& ring, unsigned off, const int* files,
                                            const std::uint64_t* tags, unsigned nr_files) noexcept;
// IORING_UNREGISTER_FILES: drops the whole table.
[[nodiscard]] int unregister_files(RingCore& ring) noexcept;
// IORING_REGISTER_FILE_ALLOC_RANGE: IORING_FILE_INDEX_ALLOC picks slots from [offset, offset +
// len).
[[nodiscard]] int register_file_alloc_range(RingCore& ring, unsigned offset, unsigned len) noexcept;
// IORING_REGISTER_ENABLE_RINGS: starts a ring created with IORING_SETUP_R_DISABLED. With
// SINGLE_ISSUER the calling thread becomes the ring's only submitter.
[[nodiscard]] int enable_rings(RingCore& ring) noexcept;

// liburing's io_uring_register_ring_fd / io_uring_unregister_ring_fd / io_uring_close_ring_fd:
// RingCore's members of those names (ring.hpp), which say what each answers.
[[nodiscard]] inline int register_ring_fd(RingCore& ring) noexcept {
  return ring.register_ring_fd();
}
[[nodiscard]] inline int unregister_ring_fd(RingCore& ring) noexcept {
  return ring.unregister_ring_fd();
}
[[nodiscard]] inline int close_ring_fd(RingCore& ring) noexcept { return ring.close_ring_fd(); }

// What IORING_REGISTER_PROBE says this kernel supports.
class Probe {
 public:
  static constexpr unsigned kMaxOps = 256;
  bool supports(unsigned op) const noexcept {
    return op <= last_op_ && op < kMaxOps && (ops_[op] & IO_URING_OP_SUPPORTED);
  }
  unsigned last_op() const noexcept { return last_op_; }

 private:
  friend Result<Probe> probe(RingCore& ring) noexcept;
  unsigned last_op_ = 0;
  std::uint16_t ops_[kMaxOps] = {};  // io_uring_probe_op.flags per opcode
};

Result<Probe> probe(RingCore& ring) noexcept;
// liburing's io_uring_get_probe_ring: probe(ring) under liburing's name. A value, not a heap
// io_uring_probe*: nothing to free.
inline Result<Probe> get_probe_ring(RingCore& ring) noexcept { return probe(ring); }
// liburing's io_uring_get_probe (IORING_REGISTER_PROBE, 5.6): the probe of a temporary ring (2
// entries, no setup flags, no registered fd), set up and torn down inside the call. The setup's
// -errno when no ring can be made (-ENOSYS / -EPERM where io_uring is off, -EMFILE, -ENOMEM).
Result<Probe> get_probe() noexcept;
// liburing's io_uring_opcode_supported(probe, op).
inline bool opcode_supported(const Probe& p, int op) noexcept {
  return op >= 0 && p.supports(static_cast<unsigned>(op));
}
// The same over what get_probe / get_probe_ring return: false when there is no probe (liburing's
// callers test the pointer for null first).
inline bool opcode_supported(const Result<Probe>& p, int op) noexcept {
  return p.ok() && opcode_supported(*p, op);
}

// The opcode's name without the IORING_OP_ prefix ("NOP", "MSG_RING"), or nullptr if unknown.
const char* opcode_name(unsigned op) noexcept;

}  // namespace uring
