// Pipes on the running kernel, in every ring mode: splice file -> pipe -> file, tee between
// pipes, and IORING_OP_PIPE (6.16) with normal and direct descriptors.
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "ops_helpers.hpp"

namespace {

std::string read_now(int fd, std::size_t max = 64) {
  std::string s(max, '\0');
  const ssize_t n = ::read(fd, s.data(), max);
  REQUIRE(n >= 0);
  s.resize(static_cast<std::size_t>(n));
  return s;
}

test::Fd temp_file(const char* content) {
  char tmpl[] = "/tmp/rawuring-pipe-XXXXXX";
  test::Fd f(::mkostemp(tmpl, O_CLOEXEC));
  REQUIRE(f.get() >= 0);
  ::unlink(tmpl);
  const auto n = static_cast<ssize_t>(std::string(content).size());
  REQUIRE(::write(f.get(), content, static_cast<std::size_t>(n)) == n);
  return f;
}

}  // namespace

TEST_CASE("splice: file -> pipe -> file, offsets honoured", "[ops][pipe]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto ring = test::make_ring(mode, 8);
  test::Fd src = temp_file("0123456789");
  test::Fd dst = temp_file("");
  test::Pipe p;
  // 4 bytes of the file from offset 3 into the pipe (a pipe's offset must be -1).
  CHECK(ops::run(ring, [&](io_uring_sqe& s) {
          uring::prep_splice(s, src.get(), 3, p.write.get(), -1, 4, 0);
        }) == 4);
  // From the pipe into the other file at offset 2.
  CHECK(ops::run(ring, [&](io_uring_sqe& s) {
          uring::prep_splice(s, p.read.get(), -1, dst.get(), 2, 4, 0);
        }) == 4);
  char buf[8] = {};
  REQUIRE(::pread(dst.get(), buf, sizeof buf, 0) == 6);
  CHECK(std::string(buf, 6) == std::string("\0\0"
                                           "3456",
                                           6));

  // Registered pipe ends: SPLICE_F_FD_IN_FIXED for the input, IOSQE_FIXED_FILE for the output.
  const int fds[] = {p.read.get(), p.write.get()};
  REQUIRE(uring::register_files(ring, fds) == 0);
  CHECK(ops::run(ring, [&](io_uring_sqe& s) {
          uring::prep_splice(s, src.get(), 0, uring::FixedFile(1), -1, 3, 0);
        }) == 3);
  CHECK(ops::run(ring, [&](io_uring_sqe& s) {
          uring::prep_splice(s, uring::FixedFile(0), -1, dst.get(), 0, 3, 0);
        }) == 3);
  REQUIRE(::pread(dst.get(), buf, 3, 0) == 3);
  CHECK(std::string(buf, 3) == "012");
}

TEST_CASE("tee: duplicates pipe data without consuming it", "[ops][pipe]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto ring = test::make_ring(mode, 8);
  test::Pipe in, out;
  REQUIRE(::write(in.write.get(), "teedata", 7) == 7);
  CHECK(ops::run(ring, [&](io_uring_sqe& s) {
          uring::prep_tee(s, in.read.get(), out.write.get(), 7, 0);
        }) == 7);
  CHECK(read_now(out.read.get()) == "teedata");
  CHECK(read_now(in.read.get()) == "teedata");  // still there
}

TEST_CASE("pipe: two fds, or two direct slots", "[ops][pipe]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto ring = test::make_ring(mode, 8);
  if (!ops::has(ring, IORING_OP_PIPE, "IORING_OP_PIPE", "6.16")) return;
  int fds[2] = {-1, -1};
  CHECK(ops::run(ring, [&](io_uring_sqe& s) { uring::prep_pipe(s, fds, O_CLOEXEC); }) == 0);
  REQUIRE(fds[0] >= 0);
  REQUIRE(fds[1] >= 0);
  test::Fd r(fds[0]), w(fds[1]);
  REQUIRE(::write(w.get(), "via pipe", 8) == 8);
  CHECK(read_now(r.get()) == "via pipe");

  REQUIRE(uring::register_files_sparse(ring, 4) == 0);
  int slots[2] = {-1, -1};
  CHECK(ops::run(ring, [&](io_uring_sqe& s) {
          uring::prep_pipe_direct(s, slots, 0, uring::DirectSlot(2));
        }) == 0);
  CHECK(slots[0] == 2);
  CHECK(slots[1] == 3);
  CHECK(ops::run(ring, [](io_uring_sqe& s) {
          uring::prep_write(s, uring::FixedFile(3), "direct", 6, ~0ULL);
        }) == 6);
  char buf[8] = {};
  CHECK(ops::run(ring, [&](io_uring_sqe& s) {
          uring::prep_read(s, uring::FixedFile(2), buf, sizeof buf, ~0ULL);
        }) == 6);
  CHECK(std::string(buf, 6) == "direct");
}
