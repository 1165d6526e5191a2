// rawuring's prep functions against liburing's, byte for byte. Both sides start from the same
// garbage-filled SQE (so a field one side forgets to write shows up) and get the same randomised
// arguments, 4000 rounds per op, fixed seed (a failure names the round and reproduces).
//
// liburing 2.3 (Debian 12) lacks io_uring_prep_msg_ring_cqe_flags, _msg_ring_fd and
// _msg_ring_fd_alloc: those are compared with encodings written out here from the field map in
// docs/msg-ring.md (byte offsets of include/uapi/linux/io_uring.h), over the same random arguments.
#include <catch2/catch.hpp>
#include <cstring>
#include <random>

#include "liburing_side.hpp"
#include "uring/prep.hpp"

namespace {

constexpr int kRounds = 4000;

struct Sqe {
  std::uint8_t b[64];
};

// The SQE both sides start from: random bytes, including user_data (which both must keep).
Sqe garbage(std::mt19937_64& rng) {
  Sqe s;
  for (std::size_t i = 0; i < 64; i += 8) {
    const std::uint64_t v = rng();
    std::memcpy(s.b + i, &v, 8);
  }
  return s;
}

// Runs one of our prep functions on the bytes (copied in and out: no aliasing of the byte array).
template <class F>
void ours(Sqe& s, F prep) {
  io_uring_sqe sqe;
  std::memcpy(&sqe, s.b, sizeof sqe);
  prep(sqe);
  std::memcpy(s.b, &sqe, sizeof sqe);
}

// Arguments that reach the edges often: 0, -1, all ones, ALLOC, small values, anything.
std::uint64_t arg(std::mt19937_64& rng) {
  switch (rng() % 6) {
    case 0: return 0;
    case 1: return ~std::uint64_t{0};
    case 2: return IORING_FILE_INDEX_ALLOC;
    case 3: return rng() % 16;
    case 4: return static_cast<std::uint32_t>(rng());
    default: return rng();
  }
}

void require_same(const Sqe& a, const Sqe& b, int round, const char* op) {
  for (int i = 0; i < 64; ++i) {
    INFO(op << " round " << round << " byte " << i);
    REQUIRE(a.b[i] == b.b[i]);
  }
}

template <class T>
void put(Sqe& s, std::size_t off, T v) {
  std::memcpy(s.b + off, &v, sizeof v);
}

// The field map: everything zero but user_data (kept), then the op's fields at their offsets.
Sqe golden(const Sqe& start, std::uint8_t opcode, std::int32_t fd, std::uint64_t off,
           std::uint64_t addr, std::uint32_t len, std::uint32_t msg_flags, std::uint32_t file_index,
           std::uint64_t addr3) {
  Sqe g{};
  std::memcpy(g.b + 32, start.b + 32, 8);  // user_data
  put(g, 0, opcode);
  put(g, 4, fd);
  put(g, 8, off);
  put(g, 16, addr);
  put(g, 24, len);
  put(g, 28, msg_flags);
  put(g, 44, file_index);
  put(g, 48, addr3);
  return g;
}

}  // namespace

TEST_CASE("prep functions equal liburing's byte for byte", "[liburing]") {
  std::printf("comparing with liburing %s, %d rounds per op\n", lu::version(), kRounds);
  std::mt19937_64 rng(20261121);
  for (int r = 0; r < kRounds; ++r) {
    const int fd = static_cast<int>(arg(rng));
    const std::uint64_t ptr = arg(rng), off = arg(rng), data = arg(rng);
    const auto n = static_cast<unsigned>(arg(rng));
    const auto flags = static_cast<unsigned>(arg(rng));
    const auto offset = static_cast<int>(arg(rng));
    Sqe a = garbage(rng);
    Sqe b = a;
    const Sqe start = a;

    ours(a, [](io_uring_sqe& q) { uring::prep_nop(q); });
    lu::nop(b.b);
    require_same(a, b, r, "nop");

    a = b = start;
    ours(a,
         [&](io_uring_sqe& q) { uring::prep_read(q, fd, reinterpret_cast<void*>(ptr), n, off); });
    lu::read(b.b, fd, ptr, n, off);
    require_same(a, b, r, "read");

    a = b = start;
    ours(a, [&](io_uring_sqe& q) {
      uring::prep_write(q, fd, reinterpret_cast<const void*>(ptr), n, off);
    });
    lu::write(b.b, fd, ptr, n, off);
    require_same(a, b, r, "write");

    a = b = start;
    ours(a, [&](io_uring_sqe& q) { uring::prep_close(q, fd); });
    lu::close(b.b, fd);
    require_same(a, b, r, "close");

    a = b = start;
    ours(a, [&](io_uring_sqe& q) { uring::prep_close_direct(q, n); });
    lu::close_direct(b.b, n);
    require_same(a, b, r, "close_direct");

    a = b = start;
    ours(a, [&](io_uring_sqe& q) { uring::prep_msg_ring(q, fd, n, data, flags); });
    lu::msg_ring(b.b, fd, n, data, flags);
    require_same(a, b, r, "msg_ring");

    a = b = start;
    ours(a, [&](io_uring_sqe& q) {
      uring::prep_files_update(q, reinterpret_cast<int*>(ptr), n, offset);
    });
    lu::files_update(b.b, ptr, n, offset);
    require_same(a, b, r, "files_update");
  }
}

TEST_CASE("msg_ring prep functions liburing 2.3 lacks equal the field map", "[liburing]") {
  std::mt19937_64 rng(112026);
  for (int r = 0; r < kRounds; ++r) {
    const int fd = static_cast<int>(arg(rng));
    const int source = static_cast<int>(arg(rng)), target = static_cast<int>(arg(rng));
    const std::uint64_t data = arg(rng);
    const auto len = static_cast<unsigned>(arg(rng));
    const auto flags = static_cast<unsigned>(arg(rng));
    const auto cqe_flags = static_cast<unsigned>(arg(rng));
    const Sqe start = garbage(rng);
    // Source slot sign-extended into addr3; target slot + 1 in file_index, ALLOC kept as is.
    const auto addr3 = static_cast<std::uint64_t>(static_cast<std::int64_t>(source));
    const auto tslot = static_cast<std::uint32_t>(target);
    const std::uint32_t file_index = tslot == IORING_FILE_INDEX_ALLOC ? tslot : tslot + 1;

    Sqe a = start;
    ours(a, [&](io_uring_sqe& q) {
      uring::prep_msg_ring_cqe_flags(q, fd, len, data, flags, cqe_flags);
    });
    require_same(a,
                 golden(start, IORING_OP_MSG_RING, fd, data, IORING_MSG_DATA, len,
                        IORING_MSG_RING_FLAGS_PASS | flags, cqe_flags, 0),
                 r, "msg_ring_cqe_flags");

    a = start;
    ours(a, [&](io_uring_sqe& q) { uring::prep_msg_ring_fd(q, fd, source, target, data, flags); });
    require_same(a,
                 golden(start, IORING_OP_MSG_RING, fd, data, IORING_MSG_SEND_FD, 0, flags,
                        file_index, addr3),
                 r, "msg_ring_fd");

    a = start;
    ours(a, [&](io_uring_sqe& q) { uring::prep_msg_ring_fd_alloc(q, fd, source, data, flags); });
    require_same(a,
                 golden(start, IORING_OP_MSG_RING, fd, data, IORING_MSG_SEND_FD, 0, flags,
                        IORING_FILE_INDEX_ALLOC, addr3),
                 r, "msg_ring_fd_alloc");
  }
}
