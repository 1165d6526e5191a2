// Provided-buffer rings (IORING_REGISTER_PBUF_RING, 5.19): the application hands the kernel
// buffers through a ring of io_uring_buf entries; a request with IOSQE_BUFFER_SELECT and
// buf_group picks one when data arrives, and its CQE names the buffer it used.
//
// Ownership of the shared words (see docs/memory-ordering.md, "Buffer rings"):
//   tail     written by us only (a 16-bit word over entry 0's resv field). One release store
//            publishes every entry written before it; pairs with the kernel's smp_load_acquire of
//            the tail when it selects a buffer (io_ring_buffer_select / io_ring_buffers_peek).
//   head     the kernel's, private to it (not in the shared memory): readable only through
//            IORING_REGISTER_PBUF_STATUS (6.8). We learn that a buffer is free again from the CQE
//            that names it, read after the CQ tail's acquire load.
//   entries  written by us before the tail store that publishes them; read by the kernel after its
//            acquire. With IOU_PBUF_RING_INC (6.12) the kernel also writes addr/len of the entry it
//            is consuming; we rewrite a slot only after the tail has lapped it, i.e. only for
//            buffers whose final CQE (no IORING_CQE_F_BUF_MORE) we have seen.
// Everything else (tail_, published_) is private to the owning thread: no atomics but the one
// store, no locks, no system calls, no allocation on the add/publish path.
//
// Threading: a BufRing is single-producer: the thread that recycles buffers into it (normally the
// ring's owner, which reads the CQEs naming them). Registration and destruction follow
// register.hpp's rule. Lifetime: the BufRing owns its mapping and buffers and unregisters before
// unmapping; a buffer named by a CQE is the caller's until recycled.
#pragma once

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <span>

#include "../syscalls/abi.hpp"
#include "result.hpp"
#include "ring.hpp"

namespace uring {

class RingCore;

// ---- what a CQE says about provided buffers -----------------------------------------------------

// The request took a provided buffer; cqe_buffer_id() names it.
constexpr bool cqe_has_buffer(const io_uring_cqe& c) noexcept {
  return c.flags & IORING_CQE_F_BUFFER;
}
// The buffer id in the upper 16 bits of flags (meaningful only with cqe_has_buffer).
constexpr std::uint16_t cqe_buffer_id(const io_uring_cqe& c) noexcept {
  return static_cast<std::uint16_t>(c.flags >> IORING_CQE_BUFFER_SHIFT);
}
// A multishot request stays armed and will post more CQEs; without it, this is its last CQE.
constexpr bool cqe_more(const io_uring_cqe& c) noexcept { return c.flags & IORING_CQE_F_MORE; }
// IOU_PBUF_RING_INC (6.12): the buffer was consumed only in part and the kernel keeps filling it;
// it must not be recycled yet.
constexpr bool cqe_buffer_more(const io_uring_cqe& c) noexcept {
  return c.flags & IORING_CQE_F_BUF_MORE;
}

// The application's side of a buffer ring over memory laid out as the kernel's
// uring::abi::buf_ring: entries io_uring_buf from offset 0, the tail at offset 14. The accessor
// of the protocol only (tests drive it over plain memory); BufRing owns the memory and the
// registration.
class BufRingProducer {
 public:
  BufRingProducer() noexcept = default;
  // ring: the mapped ring of `entries` slots (a power of two).
  BufRingProducer(abi::buf_ring* ring, unsigned entries) noexcept
      : bufs_(ring->bufs),
        ktail_(&ring->head.tail),
        mask_(static_cast<std::uint16_t>(entries - 1)),
        entries_(entries),
        tail_(std::atomic_ref<std::uint16_t>(ring->head.tail).load(std::memory_order_relaxed)),
        published_(tail_) {}

  // Writes buffer `bid` (addr, len) into the next slot; invisible to the kernel until publish().
  // -ENOSPC (the library's, no system call) when `entries` buffers are already staged unpublished.
  int add(const void* addr, std::uint32_t len, std::uint16_t bid) noexcept {
    if (static_cast<std::uint16_t>(tail_ - published_) >= entries_) return -ENOSPC;
    io_uring_buf& b = slot(tail_);
    b.addr = reinterpret_cast<std::uintptr_t>(addr);
    b.len = len;
    b.bid = bid;
    // b.resv is left alone: in slot 0 it is the tail itself.
    ++tail_;
    return 0;
  }

  // Makes every staged buffer visible with one release store of the tail; returns how many.
  unsigned publish() noexcept {
    const std::uint16_t tail = tail_;
    const unsigned n = static_cast<std::uint16_t>(tail - published_);
    if (n != 0) {
      std::atomic_ref<std::uint16_t>(*ktail_).store(tail, std::memory_order_release);
      published_ = tail;
    }
    return n;
  }

  unsigned entries() const noexcept { return entries_; }
  std::uint16_t tail() const noexcept { return published_; }  // the value last stored
  unsigned staged() const noexcept { return static_cast<std::uint16_t>(tail_ - published_); }

 private:
  io_uring_buf& slot(std::uint16_t i) noexcept {
    // The mapping is an array of `entries` io_uring_buf; bufs_ points at its first element.
    return bufs_[i & mask_];
  }

  io_uring_buf* bufs_ = nullptr;
  std::uint16_t* ktail_ = nullptr;
  std::uint16_t mask_ = 0;
  unsigned entries_ = 0;
  std::uint16_t tail_ = 0;       // next slot add() writes (wraps at 2^16 like the kernel's)
  std::uint16_t published_ = 0;  // the value last stored to *ktail_
};

// A registered buffer ring for one buffer group, owning its ring mapping and, when buffer_size is
// non-zero, `entries` buffers of buffer_size bytes (buffer id i at buffer(i)), all provided at
// creation.
//
// Lifetime: the kernel writes into provided buffers whenever a request selects one, so the memory
// must stay mapped while the group is registered. The destructor therefore unregisters the group
// before unmapping anything, through its own duplicate of the ring's fd (one descriptor per
// BufRing, taken at create): it reaches this ring even when the Ring object is gone or its fd
// number was reused, and the kernel keeps the ring alive until then. Move-only.
//
//   auto br = uring::BufRing::create(ring, /*group*/ 7, /*entries*/ 256, /*buffer_size*/ 4096);
//   sqe.flags |= IOSQE_BUFFER_SELECT; sqe.buf_group = 7;          // recv, read ...
//   ... on each CQE:  auto bytes = br->data(cqe);  use them;  br->recycle(cqe);
//   br->publish();                                                // once per batch
class BufRing {
 public:
  // flags: 0, or abi::IOU_PBUF_RING_INC (6.12) and/or abi::IOU_PBUF_RING_MMAP (6.4: the kernel
  // allocates the ring and we map it). Errors are the kernel's answer to the registration:
  // -EINVAL (entries not a power of two or >= 65536, unknown flag), -EEXIST (group taken); or
  // -ENOMEM / the mmap errno for the mappings. 6.1 refuses IOU_PBUF_RING_INC with -EINVAL.
  // -EBADFD (the library's) after close_ring_fd: the destructor unregisters through the plain fd.
  static Result<BufRing> create(RingCore& ring, std::uint16_t group, unsigned entries,
                                std::uint32_t buffer_size, unsigned flags = 0) noexcept;

  BufRing(BufRing&& other) noexcept;
  BufRing& operator=(BufRing&& other) noexcept;
  BufRing(const BufRing&) = delete;
  BufRing& operator=(const BufRing&) = delete;
  ~BufRing();

  std::uint16_t group() const noexcept { return group_; }
  unsigned entries() const noexcept { return producer_.entries(); }
  std::uint32_t buffer_size() const noexcept { return buffer_size_; }
  unsigned flags() const noexcept { return flags_; }
  // Owned buffer `bid`, or nullptr when bid >= entries() or the ring owns no buffers.
  std::byte* buffer(std::uint16_t bid) const noexcept {
    if (!buffers_ || bid >= producer_.entries()) return nullptr;
    return buffers_ + std::size_t{bid} * buffer_size_;
  }

  // The bytes a completion delivered into an owned buffer: cqe.res bytes of buffer(bid), starting
  // where the previous completion into that buffer stopped with IOU_PBUF_RING_INC. Empty for a
  // CQE without a buffer, a negative res, or a ring without owned buffers. Call once per CQE.
  std::span<std::byte> data(const io_uring_cqe& cqe) noexcept;

  // Stages owned buffer `bid` back at its full size. -ERANGE (library's) for a bid outside the
  // ring, -EINVAL without owned buffers, -ENOSPC as BufRingProducer::add.
  // Inline: a server calls it once per completion.
  int recycle(std::uint16_t bid) noexcept {
    if (!buffers_) return -EINVAL;
    if (bid >= producer_.entries()) return -ERANGE;
    if (inc_offset_) inc_offset_[bid] = 0;
    return producer_.add(buffers_ + std::size_t{bid} * buffer_size_, buffer_size_, bid);
  }
  // Stages the CQE's buffer back when the kernel is done with it: returns 1 when staged, 0 when
  // there is nothing to give back (no buffer, or IORING_CQE_F_BUF_MORE), or recycle's errno.
  int recycle(const io_uring_cqe& cqe) noexcept {
    if (!cqe_has_buffer(cqe) || cqe_buffer_more(cqe)) return 0;
    const int ret = recycle(cqe_buffer_id(cqe));
    return ret < 0 ? ret : 1;
  }
  // A bundle (IORING_RECVSEND_BUNDLE, 6.10) fills whole buffers from cqe_buffer_id on, in ring
  // order, the last one possibly in part: this many of them. Owned buffers only (0 otherwise).
  unsigned bundle_count(const io_uring_cqe& cqe) const noexcept;
  // Stages every buffer of a bundle back: ids bid, bid + 1, ... mod entries(). Those are the
  // buffers the kernel took only while the ring holds ids in order, which recycling each
  // completion's buffers in completion order (this, recycle(cqe)) keeps true. Returns how many.
  int recycle_bundle(const io_uring_cqe& cqe) noexcept;
  // Stages any buffer (caller's memory, which must stay valid while the group is registered).
  int add(const void* addr, std::uint32_t len, std::uint16_t bid) noexcept {
    return producer_.add(addr, len, bid);
  }
  // One release store of the tail for everything staged; returns how many.
  unsigned publish() noexcept { return producer_.publish(); }
  BufRingProducer& producer() noexcept { return producer_; }

  // IORING_REGISTER_PBUF_STATUS (6.8): the kernel's head (buffers consumed so far, mod 2^16), so
  // tail - head buffers are available now. -EOPNOTSUPP before 6.8 (unknown register opcode),
  // -ENOENT once unregistered.
  Result<std::uint16_t> head() const noexcept;

  // IORING_UNREGISTER_PBUF_RING; the kernel stops selecting from the group. 0, -ENOENT when
  // already unregistered. The destructor calls it if needed.
  int unregister() noexcept;

 private:
  BufRing() noexcept = default;
  void release() noexcept;

  BufRingProducer producer_;
  int ring_fd_ = -1;
  bool registered_ = false;
  std::uint16_t group_ = 0;
  unsigned flags_ = 0;
  std::uint32_t buffer_size_ = 0;
  void* ring_mem_ = nullptr;
  std::size_t ring_size_ = 0;
  std::byte* buffers_ = nullptr;         // entries * buffer_size_ bytes, then the INC offsets
  std::uint32_t* inc_offset_ = nullptr;  // IOU_PBUF_RING_INC: bytes of buffer i consumed so far
  std::size_t buffers_size_ = 0;
};

// ---- liburing's buffer-ring functions, by their names -------------------------------------------
// The same protocol as BufRingProducer, as free functions over the ring memory, for code written
// against liburing's io_uring_buf_ring_* (and ports of its tests). The memory is a
// uring::abi::buf_ring (the kernel's layout; the system header's io_uring_buf_ring is wrong in
// C++, see abi.hpp). The tail has the same one owner and barrier: buf_ring_add writes entries
// only, buf_ring_advance publishes them with one release store of the tail, pairing with the
// kernel's smp_load_acquire of it when it selects a buffer.

// liburing: io_uring_buf_ring_mask. The index mask of a ring of `ring_entries` (a power of two).
constexpr int buf_ring_mask(std::uint32_t ring_entries) noexcept {
  return static_cast<int>(ring_entries - 1);
}

// liburing: io_uring_buf_ring_init. Sets the tail to 0 (a fresh ring has nothing published).
inline void buf_ring_init(abi::buf_ring* br) noexcept {
  std::atomic_ref<std::uint16_t>(br->head.tail).store(0, std::memory_order_release);
}

// liburing: io_uring_buf_ring_add. Writes buffer `bid` into the slot `buf_offset` past the
// published tail; invisible to the kernel until buf_ring_advance covers it.
inline void buf_ring_add(abi::buf_ring* br, void* addr, unsigned int len, unsigned short bid,
                         int mask, int buf_offset) noexcept {
  // The tail is ours alone to write, so a relaxed load of it reads our own last store.
  const unsigned tail =
      std::atomic_ref<std::uint16_t>(br->head.tail).load(std::memory_order_relaxed);
  io_uring_buf& b =
      (&br->bufs[0])[(tail + static_cast<unsigned>(buf_offset)) & static_cast<unsigned>(mask)];
  b.addr = reinterpret_cast<std::uintptr_t>(addr);
  b.len = len;
  b.bid = bid;
}

// liburing: io_uring_buf_ring_advance. Publishes `count` added buffers: one release store.
inline void buf_ring_advance(abi::buf_ring* br, int count) noexcept {
  std::atomic_ref<std::uint16_t> tail(br->head.tail);
  const auto next = static_cast<std::uint16_t>(tail.load(std::memory_order_relaxed) + count);
  tail.store(next, std::memory_order_release);
}

// liburing: io_uring_buf_ring_cq_advance. Publishes `count` buffers and marks `count` CQEs seen
// (the usual loop: one buffer given back per CQE consumed).
inline void buf_ring_cq_advance(RingCore& ring, abi::buf_ring* br, int count) noexcept {
  buf_ring_advance(br, count);
  ring.cq_advance(static_cast<unsigned>(count));
}

// liburing: io_uring_register_buf_ring. IORING_REGISTER_PBUF_RING with the caller's memory
// (reg.ring_addr, page-aligned) or, with IOU_PBUF_RING_MMAP in reg.flags, kernel memory to mmap.
// `flags` is reserved (liburing passes it nowhere): non-zero is refused with -EOPNOTSUPP, the
// library's (the kernel answers this registration with -EINVAL/-EFAULT/-EEXIST/-ENOMEM only).
int register_buf_ring(RingCore& ring, abi::buf_reg* reg, unsigned int flags) noexcept;
// liburing: io_uring_unregister_buf_ring. 0, or -EINVAL / -ENOENT from the kernel.
int unregister_buf_ring(RingCore& ring, int bgid) noexcept;

// liburing: io_uring_setup_buf_ring. Maps a page-aligned ring of `nentries`, registers it as
// group `bgid` (flags: reg.flags, e.g. IOU_PBUF_RING_INC or IOU_PBUF_RING_MMAP), initialises
// the tail. nullptr and *err = the kernel's errno (or -ENOMEM) on failure, nothing left behind;
// *err = -EBADFD (the library's) for IOU_PBUF_RING_MMAP after close_ring_fd (no fd to map).
abi::buf_ring* setup_buf_ring(RingCore& ring, unsigned int nentries, int bgid, unsigned int flags,
                              int* err) noexcept;
// liburing: io_uring_free_buf_ring. Unregisters the group, then unmaps the ring: 0, or the
// unregister errno (the mapping is released either way).
int free_buf_ring(RingCore& ring, abi::buf_ring* br, unsigned int nentries, int bgid) noexcept;

// liburing: io_uring_buf_ring_head (IORING_REGISTER_PBUF_STATUS, 6.8). *head = the kernel's head.
// 0; -EOPNOTSUPP before 6.8 (the library's); the kernel's -ENOENT for an unknown group.
int buf_ring_head(RingCore& ring, int buf_group, std::uint16_t* head) noexcept;
// liburing: io_uring_buf_ring_available. Published buffers the kernel has not taken yet (tail -
// head), or buf_ring_head's errno.
int buf_ring_available(RingCore& ring, abi::buf_ring* br, unsigned short bgid) noexcept;

}  // namespace uring
