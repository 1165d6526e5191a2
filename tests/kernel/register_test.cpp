// Registration against the running kernel: file tables, alloc range, probe, enable. Every test
// runs in every ring mode it applies to (tests/support/modes.hpp).
#include <catch2/catch.hpp>
#include <cstring>
#include <string>
#include <thread>

#include "support/helpers.hpp"
#include "support/modes.hpp"
#include "syscalls/syscalls.hpp"

namespace {

// Writes `text` through fixed-file slot `slot` and returns the CQE res.
int write_fixed(uring::Ring& ring, uring::FixedFile slot, const char* text) {
  io_uring_sqe& sqe = test::sqe_of(ring);
  uring::prep_write(sqe, static_cast<int>(slot.index()), text,
                    static_cast<unsigned>(std::strlen(text)), ~0ULL);
  sqe.flags |= IOSQE_FIXED_FILE;
  sqe.user_data = 1;
  test::idle(ring);
  REQUIRE(ring.submit() == 1);
  return test::wait_one(ring).res;
}

std::string read_some(const test::Pipe& p) {
  char buf[64];
  const ssize_t n = ::read(p.read.get(), buf, sizeof buf);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
}

}  // namespace

TEST_CASE("a dense table: fixed-file writes reach the registered pipe", "[register]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto ring = test::make_ring(mode);
  test::Pipe a, b;
  const int fds[] = {a.write.get(), -1, b.write.get()};
  REQUIRE(uring::register_files(ring, fds) == 0);
  CHECK(write_fixed(ring, uring::FixedFile(0), "to a") == 4);
  CHECK(write_fixed(ring, uring::FixedFile(2), "to b!") == 5);
  CHECK(read_some(a) == "to a");
  CHECK(read_some(b) == "to b!");
  CHECK(write_fixed(ring, uring::FixedFile(1), "x") == -EBADF);  // the empty slot
  CHECK(write_fixed(ring, uring::FixedFile(3), "x") == -EBADF);  // past the end
  CHECK(uring::register_files(ring, fds) == -EBUSY);             // one table per ring
  CHECK(uring::unregister_files(ring) == 0);
  CHECK(uring::unregister_files(ring) == -ENXIO);
}

TEST_CASE("sparse table updated through io_uring_register returns the count", "[register]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto ring = test::make_ring(mode);
  test::Pipe p;
  REQUIRE(uring::register_files_sparse(ring, 8) == 0);
  CHECK(write_fixed(ring, uring::FixedFile(3), "x") == -EBADF);
  const int two[] = {p.write.get(), p.write.get()};
  CHECK(uring::register_files_update(ring, 3, two) == 2);
  CHECK(write_fixed(ring, uring::FixedFile(4), "four") == 4);
  CHECK(read_some(p) == "four");
  // -1 clears slot 3, SKIP leaves slot 4 as it is.
  const int clear_skip[] = {-1, IORING_REGISTER_FILES_SKIP};
  CHECK(uring::register_files_update(ring, 3, clear_skip) == 2);
  CHECK(write_fixed(ring, uring::FixedFile(3), "x") == -EBADF);
  CHECK(write_fixed(ring, uring::FixedFile(4), "kept") == 4);
  CHECK(read_some(p) == "kept");
  // Past the end of the table.
  CHECK(uring::register_files_update(ring, 7, two) == -EINVAL);
}

TEST_CASE("an io_uring fd cannot go into a file table", "[register]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto ring = test::make_ring(mode);
  auto other = test::make_plain_ring();
  const int fds[] = {other.fd()};
  CHECK(uring::register_files(ring, fds) == -EBADF);
}

TEST_CASE("file alloc range: the kernel wants nr_args 0", "[register]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto ring = test::make_ring(mode);
  REQUIRE(uring::register_files_sparse(ring, 16) == 0);
  CHECK(uring::register_file_alloc_range(ring, 4, 8) == 0);
  // What the kernel answers to liburing's documented nr_args 1.
  io_uring_file_index_range range{};
  range.off = 4;
  range.len = 8;
  CHECK(ring.register_raw(IORING_REGISTER_FILE_ALLOC_RANGE, &range, 1) == -EINVAL);
  CHECK(uring::register_file_alloc_range(ring, 10, 8) == -EINVAL);  // past the table
}

TEST_CASE("probe lists the opcodes this kernel supports", "[register][probe]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto ring = test::make_ring(mode);
  auto probe = uring::probe(ring);
  REQUIRE(probe.ok());
  CHECK(probe->last_op() >= IORING_OP_SENDMSG_ZC);  // every kernel this library targets (6.1+)
  for (unsigned op : {IORING_OP_NOP, IORING_OP_READ, IORING_OP_WRITE, IORING_OP_CLOSE,
                      IORING_OP_FILES_UPDATE, IORING_OP_MSG_RING})
    CHECK(probe->supports(op));
  CHECK_FALSE(probe->supports(probe->last_op() + 1));
  CHECK_FALSE(probe->supports(255));
  CHECK(uring::opcode_supported(*probe, IORING_OP_MSG_RING));
  CHECK_FALSE(uring::opcode_supported(*probe, -1));
  CHECK_FALSE(uring::opcode_supported(*probe, int(probe->last_op()) + 1));
  CHECK(std::string(uring::opcode_name(IORING_OP_MSG_RING)) == "MSG_RING");
  CHECK(uring::opcode_name(250) == nullptr);
}

TEST_CASE("registration goes through the plain ring fd, where the kernel checks the issuer",
          "[register]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto ring = test::make_ring(mode);
  CHECK(uring::probe(ring).ok());
  const bool single_issuer = ring.flags() & IORING_SETUP_SINGLE_ISSUER;
  // From another thread: on a SINGLE_ISSUER ring the kernel refuses (-EEXIST) whether or not the
  // ring has a registered index (which would name another ring in that thread's table).
  int from_other = 1;
  std::thread([&] { from_other = uring::register_files_sparse(ring, 2); }).join();
  CHECK(from_other == (single_issuer ? -EEXIST : 0));
  if (!single_issuer) CHECK(uring::unregister_files(ring) == 0);
  CHECK(uring::register_files_sparse(ring, 2) == 0);
}
