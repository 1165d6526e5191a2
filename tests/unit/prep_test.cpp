// Exact SQE encodings of every prep function, checked against the ABI's byte offsets (not against
// the struct's field names, so a mistaken union member would show up here).
#include <catch2/catch.hpp>
#include <cstdint>
#include <cstring>

#include "uring/prep.hpp"

namespace {

// The 64-byte SQE as the kernel reads it: offsets from include/uapi/linux/io_uring.h.
struct Bytes {
  std::uint8_t b[64] = {};
  template <class T>
  Bytes& put(std::size_t off, T v) {
    std::memcpy(b + off, &v, sizeof v);
    return *this;
  }
  Bytes& opcode(std::uint8_t v) { return put(0, v); }
  Bytes& fd(std::int32_t v) { return put(4, v); }
  Bytes& off(std::uint64_t v) { return put(8, v); }
  Bytes& addr(std::uint64_t v) { return put(16, v); }
  Bytes& len(std::uint32_t v) { return put(24, v); }
  Bytes& op_flags(std::uint32_t v) { return put(28, v); }  // rw_flags / msg_ring_flags / ...
  Bytes& user_data(std::uint64_t v) { return put(32, v); }
  Bytes& file_index(std::uint32_t v) { return put(44, v); }
  Bytes& addr3(std::uint64_t v) { return put(48, v); }
};

// An SQE slot full of garbage from an earlier request, with the caller's user_data set.
io_uring_sqe stale(std::uint64_t user_data) {
  io_uring_sqe sqe;
  std::memset(&sqe, 0xa5, sizeof sqe);
  sqe.user_data = user_data;
  return sqe;
}

void require_bytes(const io_uring_sqe& sqe, const Bytes& want) {
  static_assert(sizeof sqe == 64);
  for (std::size_t i = 0; i < 64; ++i) {
    INFO("byte " << i);
    REQUIRE(reinterpret_cast<const std::uint8_t*>(&sqe)[i] == want.b[i]);
  }
}

}  // namespace

TEST_CASE("prep_nop: opcode 0, fd -1, the rest zero, user_data kept", "[prep]") {
  io_uring_sqe sqe = stale(0x1122334455667788);
  uring::prep_nop(sqe);
  require_bytes(sqe, Bytes{}.opcode(IORING_OP_NOP).fd(-1).user_data(0x1122334455667788));
}

TEST_CASE("prep_read / prep_write: buffer in addr, count in len, file offset in off", "[prep]") {
  char buf[16];
  io_uring_sqe sqe = stale(7);
  uring::prep_read(sqe, 5, buf, sizeof buf, 4096);
  const auto a = reinterpret_cast<std::uintptr_t>(buf);
  require_bytes(sqe, Bytes{}.opcode(IORING_OP_READ).fd(5).addr(a).len(16).off(4096).user_data(7));
  sqe = stale(8);
  uring::prep_write(sqe, 6, buf, 3, ~0ULL);
  require_bytes(sqe, Bytes{}.opcode(IORING_OP_WRITE).fd(6).addr(a).len(3).off(~0ULL).user_data(8));
}

TEST_CASE("prep_close and prep_close_direct: the slot goes in file_index plus one", "[prep]") {
  io_uring_sqe sqe = stale(1);
  uring::prep_close(sqe, 9);
  require_bytes(sqe, Bytes{}.opcode(IORING_OP_CLOSE).fd(9).user_data(1));
  sqe = stale(2);
  uring::prep_close_direct(sqe, 0);
  require_bytes(sqe, Bytes{}.opcode(IORING_OP_CLOSE).fd(0).file_index(1).user_data(2));
  sqe = stale(3);
  uring::prep_close_direct(sqe, 41);
  require_bytes(sqe, Bytes{}.opcode(IORING_OP_CLOSE).fd(0).file_index(42).user_data(3));
}

TEST_CASE("prep_msg_ring: DATA command (addr 0), len, data in off, flags", "[prep][msg_ring]") {
  io_uring_sqe sqe = stale(3);
  uring::prep_msg_ring(sqe, 12, 42, 0xabc, 0);
  require_bytes(sqe, Bytes{}
                         .opcode(IORING_OP_MSG_RING)
                         .fd(12)
                         .addr(IORING_MSG_DATA)
                         .len(42)
                         .off(0xabc)
                         .user_data(3));
  sqe = stale(4);
  uring::prep_msg_ring_cqe_flags(sqe, 12, 1, 2, 0, 0x1234);
  require_bytes(sqe, Bytes{}
                         .opcode(IORING_OP_MSG_RING)
                         .fd(12)
                         .len(1)
                         .off(2)
                         .op_flags(IORING_MSG_RING_FLAGS_PASS)
                         .file_index(0x1234)
                         .user_data(4));
}

TEST_CASE("prep_msg_ring_fd: SEND_FD, source slot in addr3, target slot + 1 in file_index",
          "[prep][msg_ring]") {
  io_uring_sqe sqe = stale(5);
  uring::prep_msg_ring_fd(sqe, 12, 3, 1, 0xdead, IORING_MSG_RING_CQE_SKIP);
  require_bytes(sqe, Bytes{}
                         .opcode(IORING_OP_MSG_RING)
                         .fd(12)
                         .addr(IORING_MSG_SEND_FD)
                         .off(0xdead)
                         .addr3(3)
                         .file_index(2)
                         .op_flags(IORING_MSG_RING_CQE_SKIP)
                         .user_data(5));
  sqe = stale(6);
  uring::prep_msg_ring_fd_alloc(sqe, 12, 3, 0xbeef, 0);
  require_bytes(sqe, Bytes{}
                         .opcode(IORING_OP_MSG_RING)
                         .fd(12)
                         .addr(IORING_MSG_SEND_FD)
                         .off(0xbeef)
                         .addr3(3)
                         .file_index(IORING_FILE_INDEX_ALLOC)
                         .user_data(6));
}

TEST_CASE("prep_files_update: fds in addr, nr in len, sign-extended offset in off, fd -1",
          "[prep][files_update]") {
  int fds[3] = {1, 2, 3};
  const auto a = reinterpret_cast<std::uintptr_t>(fds);
  io_uring_sqe sqe = stale(9);
  uring::prep_files_update(sqe, fds, 3, 5);
  require_bytes(sqe,
                Bytes{}.opcode(IORING_OP_FILES_UPDATE).fd(-1).addr(a).len(3).off(5).user_data(9));
  sqe = stale(10);
  uring::prep_files_update(sqe, std::span<int>(fds), static_cast<int>(IORING_FILE_INDEX_ALLOC));
  require_bytes(
      sqe, Bytes{}.opcode(IORING_OP_FILES_UPDATE).fd(-1).addr(a).len(3).off(~0ULL).user_data(10));
}

// The pointer-free preps are usable in constant expressions.
static_assert([] {
  io_uring_sqe sqe{};
  uring::prep_msg_ring_fd_alloc(sqe, 4, 2, 99, 0);
  return sqe.opcode == IORING_OP_MSG_RING && sqe.addr == IORING_MSG_SEND_FD && sqe.addr3 == 2 &&
         sqe.file_index == IORING_FILE_INDEX_ALLOC && sqe.off == 99 && sqe.fd == 4;
}());
