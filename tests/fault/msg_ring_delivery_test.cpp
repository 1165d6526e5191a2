// What a MSG_RING source CQE of 0 does NOT promise (docs/msg-ring.md, "Delivery: res 0 means
// queued"): each case shows the running kernel doing it.
#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <optional>
#include <vector>

#include "support/helpers.hpp"
#include "support/threads.hpp"

namespace {

// Where a message to a DEFER_TASKRUN target from another task waits as the target's work (6.2+;
// 6.1 posts it at once: docs/kernels.md). Measured on 6.1 and 6.18 only.
bool deferred_remote(int v) { return v >= 602; }

uring::Ring defer_taskrun_ring(unsigned entries = 8) {
  uring::Params p;
  p.entries = entries;
  p.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_TASKRUN_FLAG;
  p.default_flags = false;
  p.register_ring_fd = false;
  return test::make_ring(p);
}

}  // namespace

TEST_CASE(
    "res 0 means queued: a DEFER_TASKRUN target destroyed before it enters drops the "
    "messages it was sent",
    "[fault][msg_ring]") {
  constexpr unsigned kMessages = 16;
  std::optional<uring::Ring> target(defer_taskrun_ring());
  const int target_fd = target->fd();
  std::vector<test::Cqe> source_cqes;
  // The sender is another task: the messages wait as the target's deferred work.
  test::in_thread([&] {
    auto source = test::make_plain_ring(32);
    for (unsigned i = 0; i < kMessages; ++i) {
      io_uring_sqe& sqe = test::sqe_of(source);
      uring::prep_msg_ring(sqe, target_fd, i, 0x100 + i, 0);
      sqe.user_data = i;
    }
    REQUIRE(source.submit_and_wait(kMessages) == static_cast<int>(kMessages));
    source.for_each_cqe([&](const io_uring_cqe& c) {
      source_cqes.push_back({c.user_data, c.res, c.flags});
    });
  });
  REQUIRE(source_cqes.size() == kMessages);
  for (const test::Cqe& c : source_cqes) CHECK(c.res == 0);  // every one "sent"
  if (!deferred_remote(test::kernel_version())) {
    test::older_kernel("MSG_RING to a DEFER_TASKRUN target is posted at once: nothing pending");
    CHECK(target->cq().ready() == kMessages);
    return;
  }
  // Nothing is in the target's CQ: all 16 wait as its deferred work, which the kernel frees
  // unrun when the ring goes away. The senders are never told.
  CHECK(target->peek_cqe() == nullptr);
  CHECK((target->sq().flags() & IORING_SQ_TASKRUN) != 0);
  // Made before the target goes, so that it cannot take the target's fd number (next case).
  auto source = test::make_plain_ring();
  target.reset();
  // The fd is gone: the next message to it fails, the only sign the sender ever gets.
  io_uring_sqe& sqe = test::sqe_of(source);
  uring::prep_msg_ring(sqe, target_fd, 1, 2, 0);
  sqe.user_data = 99;
  REQUIRE(source.submit() == 1);
  CHECK(test::wait_one(source).res == -EBADF);
}

TEST_CASE(
    "a message sent by fd number after the target closed lands on the ring that reused "
    "the number",
    "[fault][msg_ring]") {
  auto source = test::make_plain_ring();
  std::optional<uring::Ring> old_target(test::make_plain_ring());
  const int number = old_target->fd();
  old_target.reset();                        // closes `number`
  auto unrelated = test::make_plain_ring();  // the lowest free fd: the same number
  REQUIRE(unrelated.fd() == number);
  io_uring_sqe& sqe = test::sqe_of(source);
  uring::prep_msg_ring(sqe, number, 7, 0x01d, 0);
  sqe.user_data = 1;
  REQUIRE(source.submit() == 1);
  CHECK(test::wait_one(source).res == 0);
  const test::Cqe got = test::wait_one(unrelated);  // meant for the old target
  CHECK(got.user_data == 0x01d);
  CHECK(got.res == 7);
}

TEST_CASE("a burst of SEND_FDs into a DEFER_TASKRUN target arrives newest first",
          "[fault][msg_ring]") {
  constexpr unsigned kBurst = 4;
  test::Pipe pipe;
  auto source = test::make_plain_ring();
  const int fds[] = {pipe.write.get()};
  REQUIRE(uring::register_files(source, fds) == 0);
  auto target = defer_taskrun_ring();
  REQUIRE(uring::register_files_sparse(target, kBurst) == 0);
  // One submit, from the target's own thread: the installs run as task work when the submit
  // returns to user space, and post straight into the CQ.
  for (unsigned i = 0; i < kBurst; ++i) {
    io_uring_sqe& sqe = test::sqe_of(source);
    uring::prep_msg_ring_fd(sqe, target.fd(), 0, static_cast<int>(i), 0x10 + i, 0);
    sqe.user_data = i;
  }
  REQUIRE(source.submit_and_wait(kBurst) == static_cast<int>(kBurst));
  CHECK(source.for_each_cqe([](const io_uring_cqe& c) { CHECK(c.res == 0); }) == kBurst);
  std::vector<std::uint64_t> order;
  for (const test::Cqe& c : test::drain(target)) order.push_back(c.user_data);
  const int v = test::kernel_version();
  if (v < 611) {
    test::older_kernel("SEND_FD burst into a DEFER_TASKRUN target: order not asserted before 6.11");
    CHECK(order.size() == kBurst);
    return;
  }
  CHECK(order == std::vector<std::uint64_t>{0x13, 0x12, 0x11, 0x10});
}
