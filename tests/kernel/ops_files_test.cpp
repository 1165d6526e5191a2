// Direct descriptors on the running kernel, in every ring mode: FIXED_FD_INSTALL (6.8) turns a
// slot into a normal fd (O_CLOEXEC unless asked), closing the slot leaves the fd working.
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <string>

#include "ops_helpers.hpp"

TEST_CASE("fixed_fd_install: a normal fd for a direct slot", "[ops][files]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto ring = test::make_ring(mode, 8);
  if (!ops::has(ring, IORING_OP_FIXED_FD_INSTALL, "IORING_OP_FIXED_FD_INSTALL", "6.8")) return;
  test::Pipe p;
  const int fds[] = {p.write.get(), -1};
  REQUIRE(uring::register_files(ring, fds) == 0);

  const int fd = ops::run(
      ring, [](io_uring_sqe& s) { uring::prep_fixed_fd_install(s, uring::FixedFile(0), 0); });
  REQUIRE(fd >= 0);
  test::Fd installed(fd);
  CHECK((::fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
  const int fd2 = ops::run(ring, [](io_uring_sqe& s) {
    uring::prep_fixed_fd_install(s, 0, IORING_FIXED_FD_NO_CLOEXEC);
  });
  REQUIRE(fd2 >= 0);
  test::Fd installed2(fd2);
  CHECK((::fcntl(fd2, F_GETFD) & FD_CLOEXEC) == 0);

  // The slot goes away; the installed fd still reaches the pipe.
  CHECK(ops::run(ring, [](io_uring_sqe& s) { uring::prep_close_direct(s, uring::FixedFile(0)); }) ==
        0);
  REQUIRE(::write(fd, "via fd", 6) == 6);
  char buf[8] = {};
  REQUIRE(::read(p.read.get(), buf, sizeof buf) == 6);
  CHECK(std::string(buf, 6) == "via fd");
  // An empty slot: -EBADF.
  CHECK(ops::run(ring, [](io_uring_sqe& s) {
          uring::prep_fixed_fd_install(s, uring::FixedFile(1), 0);
        }) == -EBADF);
}

TEST_CASE("nop and madvise", "[ops][misc]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto ring = test::make_ring(mode, 8);
  CHECK(ops::run(ring, [](io_uring_sqe& s) { uring::prep_nop(s); }) == 0);
  alignas(4096) static char page[4096];
  CHECK(ops::run(ring, [](io_uring_sqe& s) {
          uring::prep_madvise(s, page, sizeof page, MADV_NORMAL);
        }) == 0);
}
