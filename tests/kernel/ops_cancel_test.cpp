// Cancellation on the running kernel, in every ring mode: by user_data, by fd (normal and
// registered), and any/all, each with the exact res of the canceller and of the cancelled.
#include <unistd.h>

#include "ops_helpers.hpp"

namespace {

// A read of an empty pipe: pending until cancelled.
void queue_stuck_read(uring::Ring& ring, std::uint64_t user_data, int fd, char* buf) {
  ops::queue(ring, user_data, [&](io_uring_sqe& s) { uring::prep_read(s, fd, buf, 8, ~0ULL); });
}

}  // namespace

TEST_CASE("cancel by user_data: 0, the request -ECANCELED; none left: -ENOENT", "[ops][cancel]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto ring = test::make_ring(mode, 8);
  test::Pipe p;
  char buf[8];
  queue_stuck_read(ring, 0x51, p.read.get(), buf);
  ops::submit(ring, 1);
  ops::none_ready(ring);
  ops::queue(ring, 0x52, [](io_uring_sqe& s) { uring::prep_cancel64(s, 0x51, 0); });
  ops::submit(ring, 1);
  const auto cqes = ops::wait_n(ring, 2);
  CHECK(ops::by_data(cqes, 0x51).res == -ECANCELED);
  CHECK(ops::by_data(cqes, 0x52).res == 0);
  CHECK(ops::run(ring, [](io_uring_sqe& s) {
          uring::prep_cancel(s, reinterpret_cast<const void*>(std::uintptr_t{0x51}), 0);
        }) == -ENOENT);
}

TEST_CASE("cancel by fd, all of them: res is the count", "[ops][cancel]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto ring = test::make_ring(mode, 8);
  test::Pipe p, other;
  char a[8], b[8], c[8];
  queue_stuck_read(ring, 1, p.read.get(), a);
  queue_stuck_read(ring, 2, p.read.get(), b);
  queue_stuck_read(ring, 3, other.read.get(), c);
  ops::submit(ring, 3);
  ops::none_ready(ring);
  ops::queue(ring, 9, [&](io_uring_sqe& s) {
    uring::prep_cancel_fd(s, p.read.get(), IORING_ASYNC_CANCEL_ALL);
  });
  ops::submit(ring, 1);
  auto cqes = ops::wait_n(ring, 3);
  CHECK(ops::by_data(cqes, 1).res == -ECANCELED);
  CHECK(ops::by_data(cqes, 2).res == -ECANCELED);
  CHECK(ops::by_data(cqes, 9).res == 2);
  // The read on the other pipe is untouched: cancel ANY gets it. ANY counts like ALL (the kernel's
  // __io_async_cancel treats both as "all matches"), so res is 1, not 0.
  ops::queue(ring, 10,
             [](io_uring_sqe& s) { uring::prep_cancel64(s, 0, IORING_ASYNC_CANCEL_ANY); });
  ops::submit(ring, 1);
  cqes = ops::wait_n(ring, 2);
  CHECK(ops::by_data(cqes, 3).res == -ECANCELED);
  CHECK(ops::by_data(cqes, 10).res == 1);
}

TEST_CASE("cancel by registered file (FixedFile: IORING_ASYNC_CANCEL_FD_FIXED)", "[ops][cancel]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto ring = test::make_ring(mode, 8);
  test::Pipe p;
  const int fds[] = {p.read.get()};
  REQUIRE(uring::register_files(ring, fds) == 0);
  char buf[8];
  ops::queue(ring, 1, [&](io_uring_sqe& s) {
    uring::prep_read(s, uring::FixedFile(0), buf, sizeof buf, ~0ULL);
  });
  ops::submit(ring, 1);
  ops::none_ready(ring);
  ops::queue(ring, 2, [](io_uring_sqe& s) { uring::prep_cancel_fd(s, uring::FixedFile(0), 0); });
  ops::submit(ring, 1);
  const auto cqes = ops::wait_n(ring, 2);
  CHECK(ops::by_data(cqes, 1).res == -ECANCELED);
  CHECK(ops::by_data(cqes, 2).res == 0);
}
