#include "buf_ring.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "../syscalls/syscalls.hpp"
#include "control.hpp"
#include "ring.hpp"

namespace uring {

namespace {

constexpr std::size_t kPage = 4096;

std::size_t page_round(std::size_t n) { return (n + kPage - 1) & ~(kPage - 1); }

void* map_anonymous(std::size_t size) {
  void* p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  return p == MAP_FAILED ? nullptr : p;
}

// IORING_REGISTER_PBUF_STATUS: the kernel's head of group `group`.
int pbuf_head(int ring_fd, std::uint32_t group, std::uint16_t* head) noexcept {
  abi::buf_status st{};
  st.buf_group = group;
  const int ret = sys::io_uring_register(ring_fd, abi::IORING_REGISTER_PBUF_STATUS, &st, 1);
  if (ret < 0) {
    // Our arguments are valid, so -EINVAL can only be the opcode itself: unknown before 6.8.
    if (ret == -EINVAL && !detail::register_op_known(ring_fd, abi::IORING_REGISTER_PBUF_STATUS))
      return -EOPNOTSUPP;
    return ret;
  }
  *head = static_cast<std::uint16_t>(st.head);
  return 0;
}

}  // namespace

Result<BufRing> BufRing::create(RingCore& ring, std::uint16_t group, unsigned entries,
                                std::uint32_t buffer_size, unsigned flags) noexcept {
  // The destructor unregisters through a duplicate of the plain fd, which close_ring_fd has
  // closed.
  if (ring.ring_fd_closed()) return Errno{-EBADFD};
  BufRing br;
  // Our own descriptor of the ring's file: the destructor's unregister reaches this ring even
  // after the Ring is gone or its fd number was closed and reused for another file.
  br.ring_fd_ = ::fcntl(ring.fd(), F_DUPFD_CLOEXEC, 0);
  if (br.ring_fd_ < 0) return Errno{-errno};
  br.group_ = group;
  br.flags_ = flags;
  br.buffer_size_ = buffer_size;
  // The kernel checks entries (a power of two below 65536); map what it would need, at least a
  // page, and let it answer.
  br.ring_size_ = page_round(entries != 0 && entries < 65536 ? entries * sizeof(io_uring_buf) : 1);

  abi::buf_reg reg{};
  reg.ring_entries = entries;
  reg.bgid = group;
  reg.flags = static_cast<std::uint16_t>(flags);
  if (!(flags & abi::IOU_PBUF_RING_MMAP)) {
    // Page-aligned, zero-filled: the tail starts at 0.
    br.ring_mem_ = map_anonymous(br.ring_size_);
    if (!br.ring_mem_) return Errno{-ENOMEM};
    reg.ring_addr = reinterpret_cast<std::uintptr_t>(br.ring_mem_);
  }
  const int ret = ring.register_raw(IORING_REGISTER_PBUF_RING, &reg, 1);
  if (ret < 0) return Errno{ret};  // br's destructor unmaps
  br.registered_ = true;
  if (flags & abi::IOU_PBUF_RING_MMAP) {
    const off_t off =
        static_cast<off_t>(IORING_OFF_PBUF_RING | (std::uint64_t{group} << IORING_OFF_PBUF_SHIFT));
    void* p = ::mmap(nullptr, br.ring_size_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
                     br.ring_fd_, off);
    if (p == MAP_FAILED) return Errno{-ENOMEM};
    br.ring_mem_ = p;
  }
  br.producer_ = BufRingProducer(static_cast<abi::buf_ring*>(br.ring_mem_), entries);

  if (buffer_size != 0) {
    const std::size_t data = std::size_t{entries} * buffer_size;
    const std::size_t offsets =
        (flags & abi::IOU_PBUF_RING_INC) ? entries * sizeof(std::uint32_t) : 0;
    br.buffers_size_ = page_round(data + offsets);
    void* p = map_anonymous(br.buffers_size_);
    if (!p) return Errno{-ENOMEM};
    br.buffers_ = static_cast<std::byte*>(p);
    if (offsets) br.inc_offset_ = reinterpret_cast<std::uint32_t*>(br.buffers_ + data);
    for (unsigned i = 0; i < entries; ++i) br.recycle(static_cast<std::uint16_t>(i));
    br.publish();
  }
  return br;
}

BufRing::BufRing(BufRing&& o) noexcept { *this = std::move(o); }

BufRing& BufRing::operator=(BufRing&& o) noexcept {
  if (this != &o) {
    release();
    producer_ = std::exchange(o.producer_, BufRingProducer());
    ring_fd_ = std::exchange(o.ring_fd_, -1);
    registered_ = std::exchange(o.registered_, false);
    group_ = o.group_;
    flags_ = o.flags_;
    buffer_size_ = o.buffer_size_;
    ring_mem_ = std::exchange(o.ring_mem_, nullptr);
    ring_size_ = std::exchange(o.ring_size_, 0);
    buffers_ = std::exchange(o.buffers_, nullptr);
    inc_offset_ = std::exchange(o.inc_offset_, nullptr);
    buffers_size_ = std::exchange(o.buffers_size_, 0);
  }
  return *this;
}

BufRing::~BufRing() { release(); }

void BufRing::release() noexcept {
  // Unregister first: until then the kernel may select a buffer and write into it.
  if (registered_) unregister();
  if (buffers_) ::munmap(buffers_, buffers_size_);
  if (ring_mem_) ::munmap(ring_mem_, ring_size_);
  if (ring_fd_ >= 0) ::close(ring_fd_);
  buffers_ = nullptr;
  ring_mem_ = nullptr;
  ring_fd_ = -1;
}

int BufRing::unregister() noexcept {
  abi::buf_reg reg{};
  reg.bgid = group_;
  const int ret = sys::io_uring_register(ring_fd_, IORING_UNREGISTER_PBUF_RING, &reg, 1);
  if (ret == 0 || ret == -ENOENT) registered_ = false;
  return ret;
}

std::span<std::byte> BufRing::data(const io_uring_cqe& cqe) noexcept {
  if (!cqe_has_buffer(cqe) || cqe.res <= 0) return {};
  const std::uint16_t bid = cqe_buffer_id(cqe);
  std::byte* base = buffer(bid);
  if (!base) return {};
  std::uint32_t start = 0;
  if (inc_offset_) {
    // Incremental consumption: this completion's data follows the previous one's.
    start = inc_offset_[bid];
    inc_offset_[bid] = cqe_buffer_more(cqe) ? start + static_cast<std::uint32_t>(cqe.res) : 0;
  }
  const std::uint32_t len = static_cast<std::uint32_t>(cqe.res);
  if (start > buffer_size_ || len > buffer_size_ - start) return {};  // not from this ring
  return {base + start, len};
}

unsigned BufRing::bundle_count(const io_uring_cqe& cqe) const noexcept {
  if (!buffers_ || !cqe_has_buffer(cqe) || cqe.res <= 0) return 0;
  return static_cast<unsigned>((static_cast<std::uint64_t>(cqe.res) + buffer_size_ - 1) /
                               buffer_size_);
}

int BufRing::recycle_bundle(const io_uring_cqe& cqe) noexcept {
  const unsigned n = bundle_count(cqe);
  const unsigned first = cqe_buffer_id(cqe);
  for (unsigned i = 0; i < n; ++i) {
    const int ret = recycle(static_cast<std::uint16_t>((first + i) % producer_.entries()));
    if (ret < 0) return ret;
  }
  return static_cast<int>(n);
}

Result<std::uint16_t> BufRing::head() const noexcept {
  std::uint16_t head = 0;
  if (const int ret = pbuf_head(ring_fd_, group_, &head); ret < 0) return Errno{ret};
  return head;
}

// ---- liburing's names
// ----------------------------------------------------------------------------

int register_buf_ring(RingCore& ring, abi::buf_reg* reg, unsigned int flags) noexcept {
  if (flags != 0) return -EOPNOTSUPP;
  return ring.register_raw(IORING_REGISTER_PBUF_RING, reg, 1);
}

int unregister_buf_ring(RingCore& ring, int bgid) noexcept {
  abi::buf_reg reg{};
  reg.bgid = static_cast<std::uint16_t>(bgid);
  return ring.register_raw(IORING_UNREGISTER_PBUF_RING, &reg, 1);
}

abi::buf_ring* setup_buf_ring(RingCore& ring, unsigned int nentries, int bgid, unsigned int flags,
                              int* err) noexcept {
  // As BufRing::create: map what the kernel would need (at least a page) and let it judge nentries.
  const std::size_t size =
      page_round(nentries != 0 && nentries < 65536 ? nentries * sizeof(io_uring_buf) : 1);
  abi::buf_reg reg{};
  reg.ring_entries = nentries;
  reg.bgid = static_cast<std::uint16_t>(bgid);
  reg.flags = static_cast<std::uint16_t>(flags);
  // Kernel memory is mapped through the plain fd, which close_ring_fd has closed.
  if ((flags & abi::IOU_PBUF_RING_MMAP) && ring.ring_fd_closed()) return *err = -EBADFD, nullptr;
  void* mem = nullptr;
  if (!(flags & abi::IOU_PBUF_RING_MMAP)) {
    mem = map_anonymous(size);
    if (!mem) return *err = -ENOMEM, nullptr;
    reg.ring_addr = reinterpret_cast<std::uintptr_t>(mem);
  }
  if (const int ret = register_buf_ring(ring, &reg, 0); ret < 0) {
    if (mem) ::munmap(mem, size);
    return *err = ret, nullptr;
  }
  if (flags & abi::IOU_PBUF_RING_MMAP) {
    const off_t off = static_cast<off_t>(IORING_OFF_PBUF_RING |
                                         (std::uint64_t{reg.bgid} << IORING_OFF_PBUF_SHIFT));
    mem = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring.fd(), off);
    if (mem == MAP_FAILED) {
      (void)unregister_buf_ring(ring, bgid);
      return *err = -ENOMEM, nullptr;
    }
  }
  auto* br = static_cast<abi::buf_ring*>(mem);
  buf_ring_init(br);
  return br;
}

int free_buf_ring(RingCore& ring, abi::buf_ring* br, unsigned int nentries, int bgid) noexcept {
  const int ret = unregister_buf_ring(ring, bgid);
  const std::size_t size =
      page_round(nentries != 0 && nentries < 65536 ? nentries * sizeof(io_uring_buf) : 1);
  ::munmap(br, size);
  return ret;
}

int buf_ring_head(RingCore& ring, int buf_group, std::uint16_t* head) noexcept {
  abi::buf_status st{};
  st.buf_group = static_cast<std::uint32_t>(buf_group);
  // Through register_raw, which also reaches a ring whose plain fd was closed.
  const int ret = ring.register_raw(abi::IORING_REGISTER_PBUF_STATUS, &st, 1);
  if (ret < 0) {
    // Our arguments are valid, so -EINVAL can only be the opcode itself: unknown before 6.8.
    if (ret == -EINVAL && !register_op_supported(ring, abi::IORING_REGISTER_PBUF_STATUS))
      return -EOPNOTSUPP;
    return ret;
  }
  *head = static_cast<std::uint16_t>(st.head);
  return 0;
}

int buf_ring_available(RingCore& ring, abi::buf_ring* br, unsigned short bgid) noexcept {
  std::uint16_t head = 0;
  if (const int ret = buf_ring_head(ring, bgid, &head); ret < 0) return ret;
  const std::uint16_t tail =
      std::atomic_ref<std::uint16_t>(br->head.tail).load(std::memory_order_relaxed);
  return static_cast<std::uint16_t>(tail - head);
}

}  // namespace uring
