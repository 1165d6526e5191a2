// Registered (fixed) buffers: the ring's buffer table, used by READ_FIXED / WRITE_FIXED /
// SEND_ZC with IORING_RECVSEND_FIXED_BUF through io_uring_sqe.buf_index.
//
// Lifetime of registered memory: registration pins the pages behind each iovec, and I/O through a
// slot goes to those pages until the slot is replaced or the table unregistered (and, for requests
// still in flight then, until they complete). Memory unmapped or freed while registered is not a
// crash: the kernel keeps the pages, and a READ_FIXED then writes bytes the program can no longer
// see. FixedBuffers makes that impossible for memory it owns: it keeps its mapping until the table
// is unregistered, and unregisters before unmapping. Memory given to the raw calls below is the
// caller's to keep alive the same way.
//
// Threading: as register.hpp (the plain fd; on a single-thread ring only its owner thread).
#pragma once

#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <span>

#include "../syscalls/abi.hpp"
#include "result.hpp"

namespace uring {

class RingCore;

// IORING_REGISTER_BUFFERS: the table is these buffers (slot i = iov[i]). -EBUSY when the ring has
// a table, -EFAULT for memory that cannot be pinned, -EINVAL for an empty list or more than 16384.
int register_buffers(RingCore& ring, std::span<const iovec> iov) noexcept;
// IORING_REGISTER_BUFFERS2: the same, slot i tagged tags[i] (0: no tag). A tag comes back as a CQE
// {user_data = tag, res = 0} once the buffer leaves its slot (replaced, or table unregistered) and
// no request uses it. -EINVAL when the spans differ in size.
int register_buffers_tags(RingCore& ring, std::span<const iovec> iov,
                          std::span<const std::uint64_t> tags) noexcept;
// IORING_REGISTER_BUFFERS2 with IORING_RSRC_REGISTER_SPARSE: `nr` empty slots (I/O through an
// empty slot: -EFAULT).
int register_buffers_sparse(RingCore& ring, unsigned nr) noexcept;
// IORING_REGISTER_BUFFERS_UPDATE: slots offset.. become iov (an iovec {nullptr, 0} empties a
// slot), tagged tags[i]. Returns how many were updated; -EINVAL past the table's end, -ENXIO
// without a table.
int register_buffers_update_tags(RingCore& ring, unsigned offset, std::span<const iovec> iov,
                                 std::span<const std::uint64_t> tags) noexcept;
// liburing's io_uring_register_buffers_update_tag (IORING_REGISTER_BUFFERS_UPDATE, 5.13): nr
// buffers from slot `off`, buffer i tagged tags[i]; tags may be null (no tags). The count updated
// or -errno, as register_buffers_update_tags.
int register_buffers_update_tag(RingCore& ring, unsigned off, const iovec* iovecs,
                                const std::uint64_t* tags, unsigned nr) noexcept;
// IORING_UNREGISTER_BUFFERS: drops the table; -ENXIO without one.
int unregister_buffers(RingCore& ring) noexcept;

// IORING_REGISTER_CLONE_BUFFERS (6.12): `dst` gets a table sharing src's buffers (the same pinned
// pages, no copy). nr 0 clones every slot; src_off, dst_off and nr other than 0 need 6.13, as does
// abi::IORING_REGISTER_DST_REPLACE in flags. -EBUSY when dst already has a table (without
// DST_REPLACE), -ENXIO when src has none, -EOPNOTSUPP before 6.12.
int clone_buffers(RingCore& dst, const RingCore& src, unsigned flags = 0, unsigned src_off = 0,
                  unsigned dst_off = 0, unsigned nr = 0) noexcept;
// liburing's io_uring_clone_buffers_offset, in its order: dst slots dst_off.. get src's slots
// src_off..src_off + nr (6.13; nr 0 with an offset is the kernel's -EINVAL). clone_buffers with
// the arguments rearranged; the same answers.
inline int clone_buffers_offset(RingCore& dst, const RingCore& src, unsigned dst_off,
                                unsigned src_off, unsigned nr, unsigned flags) noexcept {
  return clone_buffers(dst, src, flags, src_off, dst_off, nr);
}

// A ring's buffer table over `count` buffers of `size` bytes that this object owns (one anonymous
// mapping; slot i is buffer(i)). Move-only; destroy it after the fixed I/O using it has completed.
// The destructor unregisters the table, then unmaps, through its own duplicate of the ring's fd
// (one descriptor per object, taken at create): it reaches this ring even when the Ring object is
// gone or its fd number was reused, and the kernel keeps the ring alive until then.
class FixedBuffers {
 public:
  // Errors: the kernel's answer to IORING_REGISTER_BUFFERS (see above), -ENOMEM for the mapping,
  // -EINVAL for count 0 or size 0 and -EBADFD after close_ring_fd (the destructor needs the plain
  // fd); both the library's, no system call made.
  static Result<FixedBuffers> create(RingCore& ring, unsigned count, std::size_t size) noexcept;

  FixedBuffers(FixedBuffers&& o) noexcept;
  FixedBuffers& operator=(FixedBuffers&& o) noexcept;
  FixedBuffers(const FixedBuffers&) = delete;
  FixedBuffers& operator=(const FixedBuffers&) = delete;
  ~FixedBuffers();

  unsigned count() const noexcept { return count_; }
  std::size_t size() const noexcept { return size_; }
  // Buffer of slot i (nullptr when i >= count()).
  std::byte* buffer(unsigned i) const noexcept {
    return i < count_ ? static_cast<std::byte*>(mem_) + i * size_ : nullptr;
  }
  // IORING_UNREGISTER_BUFFERS; after it the memory is no longer pinned. 0, or -ENXIO when the
  // table is gone already.
  int unregister() noexcept;

 private:
  FixedBuffers() noexcept = default;
  void release() noexcept;

  int ring_fd_ = -1;
  bool registered_ = false;
  void* mem_ = nullptr;
  std::size_t map_size_ = 0;
  unsigned count_ = 0;
  std::size_t size_ = 0;
};

}  // namespace uring
