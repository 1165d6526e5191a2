// The UAPI layout at run time, through the library's own writers: what the kernel would read at
// the byte offsets its ABI defines. syscalls/layout.hpp proves the struct layouts at compile time;
// this proves the code writes through them (the -ENOBUFS storm came from a correct-looking writer
// over a C++ type whose entries sat 8 bytes off).
#include <atomic>
#include <catch2/catch.hpp>
#include <cstdint>
#include <cstring>
#include <thread>
#include <vector>

#include "uring/buf_ring.hpp"
#include "uring/control.hpp"

namespace {

// The kernel's view of a buffer ring: entry i at byte 16 * i (addr at +0, len at +8, bid at
// +12), the tail at byte 14. Read with memcpy from raw bytes, independent of any struct.
struct KernelEntry {
  std::uint64_t addr;
  std::uint32_t len;
  std::uint16_t bid;
};
KernelEntry kernel_entry(const unsigned char* ring, unsigned i) {
  KernelEntry e{};
  std::memcpy(&e.addr, ring + 16 * i + 0, 8);
  std::memcpy(&e.len, ring + 16 * i + 8, 4);
  std::memcpy(&e.bid, ring + 16 * i + 12, 2);
  return e;
}
std::uint16_t kernel_tail(const unsigned char* ring) {
  std::uint16_t t;
  std::memcpy(&t, ring + 14, 2);
  return t;
}

}  // namespace

TEST_CASE("BufRingProducer writes entries and the tail where the kernel reads them", "[layout]") {
  alignas(4096) static unsigned char mem[8 * 16];
  std::memset(mem, 0, sizeof mem);
  uring::BufRingProducer p(reinterpret_cast<uring::abi::buf_ring*>(mem), 8);
  char bufs[3][32];
  for (std::uint16_t i = 0; i < 3; ++i) REQUIRE(p.add(bufs[i], 32 - i, 100 + i) == 0);
  CHECK(kernel_tail(mem) == 0);  // staged, not published
  CHECK(p.publish() == 3);
  CHECK(kernel_tail(mem) == 3);
  for (unsigned i = 0; i < 3; ++i) {
    const KernelEntry e = kernel_entry(mem, i);
    CHECK(e.addr == reinterpret_cast<std::uintptr_t>(bufs[i]));
    CHECK(e.len == 32 - i);
    CHECK(e.bid == 100 + i);
  }
  // Entry 0's resv word is the tail: adding through slot 0 again (after a wrap) keeps the tail.
  for (std::uint16_t i = 0; i < 5; ++i) REQUIRE(p.add(bufs[0], 8, i) == 0);
  CHECK(p.publish() == 5);
  CHECK(kernel_tail(mem) == 8);
  REQUIRE(p.add(bufs[1], 9, 42) == 0);  // slot 0 again
  CHECK(p.publish() == 1);
  CHECK(kernel_tail(mem) == 9);
  CHECK(kernel_entry(mem, 0).bid == 42);
  CHECK(kernel_entry(mem, 0).len == 9);
}

TEST_CASE("the system header's C++ io_uring_buf_ring is not the kernel's layout", "[layout]") {
  // Documents why uring::abi::buf_ring exists: compiled as C++, the 6.1 header's bufs member is
  // not at 0 (its __DECLARE_FLEX_ARRAY wraps it after a one-byte empty struct). A fixed header
  // would make this 0, and then the library's type and the header's agree.
  const std::size_t header_bufs = offsetof(io_uring_buf_ring, bufs);
  INFO("offsetof(io_uring_buf_ring, bufs) in this C++ build: " << header_bufs);
  CHECK((header_bufs == 8 || header_bufs == 0));
  CHECK(offsetof(uring::abi::buf_ring, bufs) == 0);
  CHECK(offsetof(uring::abi::buf_ring, head.tail) == 14);
}

TEST_CASE("BufRingProducer against a simulated kernel: acquire the tail, take, give back",
          "[layout][accessor]") {
  // The kernel's side: load-acquire the tail, read the entries up to it (plain reads, ordered only
  // by the pairing), hand each buffer id back the way a CQE would (release/acquire on a counter
  // standing in for the CQ). Under ThreadSanitizer a missing release on the tail is a data race
  // on the entries.
  constexpr unsigned kEntries = 64;
  constexpr std::uint32_t kRounds = 100000;
  alignas(4096) static unsigned char mem[kEntries * 16];
  std::memset(mem, 0, sizeof mem);
  auto* ring = reinterpret_cast<uring::abi::buf_ring*>(mem);
  uring::BufRingProducer p(ring, kEntries);
  std::vector<std::atomic<std::uint32_t>> returned(kRounds + kEntries);
  std::atomic<std::uint32_t> consumed{0};
  for (std::uint16_t i = 0; i < kEntries; ++i) REQUIRE(p.add(nullptr, 1000 + i, i) == 0);
  p.publish();

  std::thread kernel([&] {
    std::uint16_t head = 0;
    for (std::uint32_t n = 0; n < kRounds;) {
      const std::uint16_t tail =
          std::atomic_ref<std::uint16_t>(ring->head.tail).load(std::memory_order_acquire);
      if (tail == head) std::this_thread::yield();  // (a shared 2-core machine: do not spin)
      for (; head != tail && n < kRounds; ++head, ++n) {
        const io_uring_buf& b = ring->bufs[0 + (head & (kEntries - 1))];
        // The "CQE": the id, readable by the producer after the release below.
        returned[n].store(static_cast<std::uint32_t>(b.bid) | (b.len << 16),
                          std::memory_order_relaxed);
        consumed.store(n + 1, std::memory_order_release);
      }
    }
  });
  unsigned mismatched = 0;
  for (std::uint32_t seen = 0; seen < kRounds;) {
    const std::uint32_t upto = consumed.load(std::memory_order_acquire);
    if (upto == seen) std::this_thread::yield();
    for (; seen < upto; ++seen) {
      const std::uint32_t v = returned[seen].load(std::memory_order_relaxed);
      const std::uint16_t bid = static_cast<std::uint16_t>(v & 0xffff);
      if ((v >> 16) != 1000u + bid) ++mismatched;
      p.add(nullptr, 1000 + bid, bid);  // recycle by id, as from the CQE
    }
    p.publish();
  }
  kernel.join();
  CHECK(mismatched == 0);
  CHECK(static_cast<std::uint16_t>(p.tail() - kRounds) == kEntries);  // every one given back
}

TEST_CASE("CQE buffer flags decode", "[layout]") {
  io_uring_cqe c{};
  c.flags = IORING_CQE_F_BUFFER | IORING_CQE_F_MORE | (513u << IORING_CQE_BUFFER_SHIFT);
  CHECK(uring::cqe_has_buffer(c));
  CHECK(uring::cqe_buffer_id(c) == 513);
  CHECK(uring::cqe_more(c));
  CHECK_FALSE(uring::cqe_buffer_more(c));
  c.flags = IORING_CQE_F_BUF_MORE | IORING_CQE_F_BUFFER | (0xffffu << IORING_CQE_BUFFER_SHIFT);
  CHECK(uring::cqe_buffer_id(c) == 0xffff);
  CHECK(uring::cqe_buffer_more(c));
  CHECK_FALSE(uring::cqe_more(c));
  CHECK(IORING_CQE_F_BUF_MORE == 16u);  // the kernel ABI's value
}

TEST_CASE("restriction entries encode the kernel's bytes", "[layout]") {
  constexpr io_uring_restriction r = uring::Restriction::sqe_op(IORING_OP_READ);
  static_assert(r.opcode == IORING_RESTRICTION_SQE_OP && r.sqe_op == IORING_OP_READ);
  unsigned char bytes[16];
  std::memcpy(bytes, &r, sizeof r);
  CHECK(bytes[0] == 1);  // IORING_RESTRICTION_SQE_OP, little-endian u16 at 0
  CHECK(bytes[1] == 0);
  CHECK(bytes[2] == IORING_OP_READ);
  for (unsigned i = 3; i < 16; ++i) CHECK(bytes[i] == 0);
  constexpr io_uring_restriction f = uring::Restriction::sqe_flags_required(IOSQE_FIXED_FILE);
  CHECK(f.opcode == IORING_RESTRICTION_SQE_FLAGS_REQUIRED);
  CHECK(f.sqe_flags == IOSQE_FIXED_FILE);
}
