// Poll on the running kernel, in every ring mode: one-shot add, multishot add and remove,
// update of the events and user_data of a pending poll, epoll_ctl.
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ops_helpers.hpp"

TEST_CASE("poll_add: res is the ready mask", "[ops][poll]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto ring = test::make_ring(mode, 8);
  test::Pipe p;
  ops::queue(ring, 1, [&](io_uring_sqe& s) { uring::prep_poll_add(s, p.read.get(), POLLIN); });
  ops::submit(ring, 1);
  ops::none_ready(ring);
  REQUIRE(::write(p.write.get(), "x", 1) == 1);
  const test::Cqe c = test::wait_one(ring);
  CHECK(c.user_data == 1);
  CHECK(c.res == POLLIN);
  CHECK((c.flags & IORING_CQE_F_MORE) == 0);
}

TEST_CASE("poll_multishot: a CQE per event with F_MORE; poll_remove ends it", "[ops][poll]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto ring = test::make_ring(mode, 8);
  test::Pipe p;
  ops::queue(ring, 7,
             [&](io_uring_sqe& s) { uring::prep_poll_multishot(s, p.read.get(), POLLIN); });
  ops::submit(ring, 1);
  char drain[8];
  for (int i = 0; i < 2; ++i) {
    REQUIRE(::write(p.write.get(), "x", 1) == 1);
    const test::Cqe c = test::wait_one(ring);
    CHECK(c.user_data == 7);
    CHECK(c.res == POLLIN);
    CHECK((c.flags & IORING_CQE_F_MORE) != 0);
    REQUIRE(::read(p.read.get(), drain, sizeof drain) == 1);
  }
  ops::queue(ring, 8, [](io_uring_sqe& s) { uring::prep_poll_remove(s, 7); });
  ops::submit(ring, 1);
  const auto cqes = ops::wait_n(ring, 2);
  CHECK(ops::by_data(cqes, 8).res == 0);
  const test::Cqe last = ops::by_data(cqes, 7);
  CHECK(last.res == -ECANCELED);
  CHECK((last.flags & IORING_CQE_F_MORE) == 0);
  CHECK(ops::run(ring, [](io_uring_sqe& s) { uring::prep_poll_remove(s, 7); }) == -ENOENT);
}

TEST_CASE("poll_update: new events and user_data for a pending poll", "[ops][poll]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto ring = test::make_ring(mode, 8);
  int sv[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
  test::Fd a(sv[0]), b(sv[1]);
  // POLLIN on an empty socket waits; the update asks for POLLOUT (ready now) under a new
  // user_data.
  ops::queue(ring, 0x10, [&](io_uring_sqe& s) { uring::prep_poll_add(s, a.get(), POLLIN); });
  ops::submit(ring, 1);
  ops::none_ready(ring);
  ops::queue(ring, 0x11, [](io_uring_sqe& s) {
    uring::prep_poll_update(s, 0x10, 0x20, POLLOUT,
                            IORING_POLL_UPDATE_EVENTS | IORING_POLL_UPDATE_USER_DATA);
  });
  ops::submit(ring, 1);
  const auto cqes = ops::wait_n(ring, 2);
  CHECK(ops::by_data(cqes, 0x11).res == 0);
  CHECK(ops::by_data(cqes, 0x20).res == POLLOUT);
}

TEST_CASE("epoll_ctl: adds an fd to an epoll set", "[ops][poll]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto ring = test::make_ring(mode, 8);
  test::Fd ep(::epoll_create1(EPOLL_CLOEXEC));
  REQUIRE(ep.get() >= 0);
  test::Pipe p;
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = 0xabcdef;
  CHECK(ops::run(ring, [&](io_uring_sqe& s) {
          uring::prep_epoll_ctl(s, ep.get(), p.read.get(), EPOLL_CTL_ADD, &ev);
        }) == 0);
  REQUIRE(::write(p.write.get(), "x", 1) == 1);
  epoll_event out{};
  REQUIRE(::epoll_wait(ep.get(), &out, 1, 1000) == 1);
  CHECK(out.data.u64 == 0xabcdef);
  CHECK(out.events == EPOLLIN);
  // Added twice: the kernel's epoll_ctl answer, -EEXIST.
  CHECK(ops::run(ring, [&](io_uring_sqe& s) {
          uring::prep_epoll_ctl(s, ep.get(), p.read.get(), EPOLL_CTL_ADD, &ev);
        }) == -EEXIST);
}

TEST_CASE("epoll_wait: the ready events of an epoll set", "[ops][poll]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto ring = test::make_ring(mode, 8);
  if (!ops::has(ring, IORING_OP_EPOLL_WAIT, "IORING_OP_EPOLL_WAIT", "6.15")) return;
  test::Fd ep(::epoll_create1(EPOLL_CLOEXEC));
  test::Pipe p;
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = 0x5151;
  REQUIRE(::epoll_ctl(ep.get(), EPOLL_CTL_ADD, p.read.get(), &ev) == 0);
  epoll_event out[4]{};
  ops::queue(ring, 3, [&](io_uring_sqe& s) { uring::prep_epoll_wait(s, ep.get(), out, 4, 0); });
  ops::submit(ring, 1);
  ops::none_ready(ring);
  REQUIRE(::write(p.write.get(), "x", 1) == 1);
  const test::Cqe c = test::wait_one(ring);
  CHECK(c.user_data == 3);
  CHECK(c.res == 1);
  CHECK(out[0].data.u64 == 0x5151);
  CHECK(out[0].events == EPOLLIN);
}
