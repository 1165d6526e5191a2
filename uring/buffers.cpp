#include "buffers.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <limits>
#include <utility>

#include "../syscalls/syscalls.hpp"
#include "control.hpp"
#include "ring.hpp"
#include "rsrc.hpp"

namespace uring {

using detail::too_many;

int register_buffers(RingCore& ring, std::span<const iovec> iov) noexcept {
  if (too_many(iov.size())) return -EINVAL;
  return ring.register_raw(IORING_REGISTER_BUFFERS, iov.data(), static_cast<unsigned>(iov.size()));
}

int register_buffers_tags(RingCore& ring, std::span<const iovec> iov,
                          std::span<const std::uint64_t> tags) noexcept {
  return detail::rsrc_register_tags(ring, IORING_REGISTER_BUFFERS2, iov, tags);
}

int register_buffers_sparse(RingCore& ring, unsigned nr) noexcept {
  return detail::rsrc_register_sparse(ring, IORING_REGISTER_BUFFERS2, nr);
}

int register_buffers_update_tags(RingCore& ring, unsigned offset, std::span<const iovec> iov,
                                 std::span<const std::uint64_t> tags) noexcept {
  return detail::rsrc_update_tags(ring, IORING_REGISTER_BUFFERS_UPDATE, offset, iov, tags);
}

int register_buffers_update_tag(RingCore& ring, unsigned off, const iovec* iovecs,
                                const std::uint64_t* tags, unsigned nr) noexcept {
  return detail::rsrc_update2(ring, IORING_REGISTER_BUFFERS_UPDATE, off, iovecs, nr, tags);
}

int unregister_buffers(RingCore& ring) noexcept {
  return ring.register_raw(IORING_UNREGISTER_BUFFERS, nullptr, 0);
}

int clone_buffers(RingCore& dst, const RingCore& src, unsigned flags, unsigned src_off,
                  unsigned dst_off, unsigned nr) noexcept {
  abi::clone_buffers arg{};
  // The source by its plain fd: a registered index would need IORING_REGISTER_SRC_REGISTERED and
  // is private to the thread that registered it. After close_ring_fd the index is all there is,
  // so then only src's owner thread can name it (-EXDEV elsewhere, the library's).
  arg.src_fd = static_cast<std::uint32_t>(src.fd());
  if (src.ring_fd_closed()) {
    if (!src.on_owner_thread()) return -EXDEV;
    arg.src_fd = static_cast<std::uint32_t>(src.registered_index());
    flags |= abi::IORING_REGISTER_SRC_REGISTERED;
  }
  arg.flags = flags;
  arg.src_off = src_off;
  arg.dst_off = dst_off;
  arg.nr = nr;
  const int ret = dst.register_raw(abi::IORING_REGISTER_CLONE_BUFFERS, &arg, 1);
  if (ret == -EINVAL && !register_op_supported(dst, abi::IORING_REGISTER_CLONE_BUFFERS))
    return -EOPNOTSUPP;
  return ret;
}

Result<FixedBuffers> FixedBuffers::create(RingCore& ring, unsigned count,
                                          std::size_t size) noexcept {
  if (count == 0 || size == 0) return Errno{-EINVAL};
  // The destructor unregisters through a duplicate of the plain fd, which close_ring_fd has
  // closed.
  if (ring.ring_fd_closed()) return Errno{-EBADFD};
  FixedBuffers fb;
  // Our own descriptor of the ring's file: the destructor's unregister reaches this ring even
  // after the Ring is gone or its fd number was closed and reused for another file.
  fb.ring_fd_ = ::fcntl(ring.fd(), F_DUPFD_CLOEXEC, 0);
  if (fb.ring_fd_ < 0) return Errno{-errno};
  fb.count_ = count;
  fb.size_ = size;
  fb.map_size_ = count * size;
  void* p =
      ::mmap(nullptr, fb.map_size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return Errno{-ENOMEM};
  fb.mem_ = p;
  iovec iov[64];
  // Registered in chunks of 64 iovecs on the stack: no allocation. The first chunk creates the
  // table, so every later chunk goes through an update into a sparse table instead.
  int ret = register_buffers_sparse(ring, count);
  if (ret < 0) return Errno{ret};
  fb.registered_ = true;
  for (unsigned done = 0; done < count;) {
    const unsigned n = count - done < 64 ? count - done : 64;
    std::uint64_t tags[64] = {};
    for (unsigned i = 0; i < n; ++i) iov[i] = {fb.buffer(done + i), size};
    ret = register_buffers_update_tags(ring, done, std::span<const iovec>(iov, n),
                                       std::span<const std::uint64_t>(tags, n));
    if (ret < 0) return Errno{ret};
    done += n;
  }
  return fb;
}

FixedBuffers::FixedBuffers(FixedBuffers&& o) noexcept { *this = std::move(o); }

FixedBuffers& FixedBuffers::operator=(FixedBuffers&& o) noexcept {
  if (this != &o) {
    release();
    ring_fd_ = std::exchange(o.ring_fd_, -1);
    registered_ = std::exchange(o.registered_, false);
    mem_ = std::exchange(o.mem_, nullptr);
    map_size_ = std::exchange(o.map_size_, 0);
    count_ = std::exchange(o.count_, 0);
    size_ = std::exchange(o.size_, 0);
  }
  return *this;
}

FixedBuffers::~FixedBuffers() { release(); }

void FixedBuffers::release() noexcept {
  if (registered_) unregister();
  if (mem_) ::munmap(mem_, map_size_);
  if (ring_fd_ >= 0) ::close(ring_fd_);
  mem_ = nullptr;
  ring_fd_ = -1;
}

int FixedBuffers::unregister() noexcept {
  const int ret = sys::io_uring_register(ring_fd_, IORING_UNREGISTER_BUFFERS, nullptr, 0);
  if (ret == 0 || ret == -ENXIO) registered_ = false;
  return ret;
}

}  // namespace uring
