// Timeouts on the running kernel, in every ring mode: a timeout expiring (-ETIME), completing on
// a count (0), removed (-ECANCELED, remover 0), updated, and link timeouts both ways.
#include <unistd.h>

#include "ops_helpers.hpp"

namespace {

constexpr __kernel_timespec k10ms{0, 10'000'000};
constexpr __kernel_timespec k5s{5, 0};

}  // namespace

TEST_CASE("timeout: expires with -ETIME, or completes with 0 after count requests",
          "[ops][timeout]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto ring = test::make_ring(mode, 8);
  CHECK(ops::run(ring, [](io_uring_sqe& s) { uring::prep_timeout(s, &k10ms, 0, 0); }) == -ETIME);

  // count 1: the NOP's completion satisfies it before the 5 s pass.
  ops::queue(ring, 1, [](io_uring_sqe& s) { uring::prep_timeout(s, &k5s, 1, 0); });
  ops::queue(ring, 2, [](io_uring_sqe& s) { uring::prep_nop(s); });
  ops::submit(ring, 2);
  const auto cqes = ops::wait_n(ring, 2);
  CHECK(ops::by_data(cqes, 1).res == 0);
  CHECK(ops::by_data(cqes, 2).res == 0);
}

TEST_CASE("timeout_remove and timeout_update", "[ops][timeout]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto ring = test::make_ring(mode, 8);

  ops::queue(ring, 0x71, [](io_uring_sqe& s) { uring::prep_timeout(s, &k5s, 0, 0); });
  ops::submit(ring, 1);
  ops::none_ready(ring);
  ops::queue(ring, 0x72, [](io_uring_sqe& s) { uring::prep_timeout_remove(s, 0x71, 0); });
  ops::submit(ring, 1);
  auto cqes = ops::wait_n(ring, 2);
  CHECK(ops::by_data(cqes, 0x71).res == -ECANCELED);
  CHECK(ops::by_data(cqes, 0x72).res == 0);
  // Nothing left to remove.
  CHECK(ops::run(ring, [](io_uring_sqe& s) { uring::prep_timeout_remove(s, 0x71, 0); }) == -ENOENT);

  // A 5 s timeout updated to 10 ms expires with -ETIME; the update itself completes with 0.
  ops::queue(ring, 0x73, [](io_uring_sqe& s) { uring::prep_timeout(s, &k5s, 0, 0); });
  ops::submit(ring, 1);
  ops::queue(ring, 0x74, [](io_uring_sqe& s) { uring::prep_timeout_update(s, &k10ms, 0x73, 0); });
  ops::submit(ring, 1);
  cqes = ops::wait_n(ring, 2);
  CHECK(ops::by_data(cqes, 0x73).res == -ETIME);
  CHECK(ops::by_data(cqes, 0x74).res == 0);
}

TEST_CASE("link_timeout: cancels a stuck request, or is cancelled by a quick one",
          "[ops][timeout]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto ring = test::make_ring(mode, 8);
  test::Pipe p;
  char buf[8];

  // A read of an empty pipe never completes on its own: the link timeout cancels it.
  ops::queue(ring, 1, [&](io_uring_sqe& s) {
    uring::prep_read(s, p.read.get(), buf, sizeof buf, ~0ULL);
    s.flags |= IOSQE_IO_LINK;
  });
  ops::queue(ring, 2, [](io_uring_sqe& s) { uring::prep_link_timeout(s, &k10ms, 0); });
  ops::submit(ring, 2);
  auto cqes = ops::wait_n(ring, 2);
  CHECK(ops::by_data(cqes, 1).res == -ECANCELED);
  CHECK(ops::by_data(cqes, 2).res == -ETIME);

  // A NOP finishes first: the link timeout completes with -ECANCELED.
  ops::queue(ring, 3, [](io_uring_sqe& s) {
    uring::prep_nop(s);
    s.flags |= IOSQE_IO_LINK;
  });
  ops::queue(ring, 4, [](io_uring_sqe& s) { uring::prep_link_timeout(s, &k5s, 0); });
  ops::submit(ring, 2);
  cqes = ops::wait_n(ring, 2);
  CHECK(ops::by_data(cqes, 3).res == 0);
  CHECK(ops::by_data(cqes, 4).res == -ECANCELED);
}
