// The mode matrix itself (tests/support/modes.hpp) against the running kernel: every mode gives
// exactly the setup it promises, judged by what this kernel's io_uring_setup accepts when asked
// directly, so that a mode silently degraded to another (a flag dropped, a registration missing)
// cannot let the kernel suite pass in fewer modes than it claims.
#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "support/helpers.hpp"
#include "support/modes.hpp"
#include "syscalls/syscalls.hpp"

namespace {

// Does this kernel accept these setup flags? (Asked directly, not through the library.)
bool kernel_accepts(unsigned flags) {
  io_uring_params p{};
  p.flags = flags;
  const int fd = uring::sys::io_uring_setup(2, &p);
  if (fd >= 0) ::close(fd);
  return fd >= 0;
}

// `flag` if the kernel accepts it on top of `with`, else 0.
unsigned if_accepted(unsigned flag, unsigned with = 0) {
  return kernel_accepts(with | flag) ? flag : 0;
}

// The exact IORING_SETUP_* set `mode` promises on this kernel (modes.hpp's table).
unsigned promised_flags(test::Mode mode) {
  const unsigned layout = if_accepted(IORING_SETUP_NO_SQARRAY);
  const unsigned submit_all = if_accepted(IORING_SETUP_SUBMIT_ALL);
  const unsigned single =
      IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_TASKRUN_FLAG;
  const unsigned coop = IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG;
  switch (mode) {
    case test::Mode::default_: return layout | submit_all | if_accepted(single);
    case test::Mode::shared: return layout | submit_all | if_accepted(coop);
    case test::Mode::plain: return 0;
    case test::Mode::sqpoll:
      // Task-run tuning is refused with SQPOLL (the poller runs the task work): none is asked for.
      return IORING_SETUP_SQPOLL | if_accepted(IORING_SETUP_NO_SQARRAY, IORING_SETUP_SQPOLL) |
             if_accepted(IORING_SETUP_SUBMIT_ALL, IORING_SETUP_SQPOLL);
    case test::Mode::sq_array: return submit_all | if_accepted(single);
  }
  return ~0U;
}

// Whether `mode` enters through a registered ring fd (IORING_REGISTER_RING_FDS, 5.18+).
bool promised_registered(test::Mode mode) {
  switch (mode) {
    case test::Mode::default_:
    case test::Mode::sqpoll:
    case test::Mode::sq_array: return true;
    case test::Mode::shared:
    case test::Mode::plain: return false;
  }
  return false;
}

}  // namespace

TEST_CASE("each_mode() lists every mode once, in the documented order", "[modes]") {
  auto gen = test::each_mode();
  std::vector<std::string> names{test::mode_name(gen.get())};
  while (gen.next()) names.push_back(test::mode_name(gen.get()));
  CHECK(names == std::vector<std::string>{"default", "shared", "plain", "sqpoll", "sq_array"});
}

TEST_CASE("not_in() answers true only for the modes it excludes", "[modes]") {
  CHECK_FALSE(test::not_in(test::Mode::plain, {test::Mode::sqpoll},
                           "not_in checked by modes_test (no test skipped)"));
  CHECK_FALSE(
      test::not_in(test::Mode::sqpoll, {}, "not_in checked by modes_test (no test skipped)"));
  CHECK(test::not_in(test::Mode::sqpoll, {test::Mode::plain, test::Mode::sqpoll},
                     "not_in checked by modes_test (no test skipped)"));
}

TEST_CASE("each mode gives exactly the setup it promises on this kernel", "[modes]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto ring = test::make_ring(mode);
  CHECK(ring.flags() == promised_flags(mode));
  CHECK((ring.registered_index() >= 0) == promised_registered(mode));
  CHECK(ring.fd() >= 0);
  CHECK(ring.sq().entries() == 8);
  CHECK(ring.cq().entries() == 16);
  if (mode == test::Mode::default_) {
    // What the matrix is for: the default really is the fast single-thread setup on every kernel
    // the library supports (6.1+), and sq_array really differs from it where NO_SQARRAY exists.
    const unsigned defer = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
    CHECK((ring.flags() & defer) == defer);
    if (!kernel_accepts(IORING_SETUP_NO_SQARRAY))
      test::unsupported("IORING_SETUP_NO_SQARRAY: modes default and sq_array share the SQ array");
  }
  if (mode == test::Mode::shared)
    CHECK((ring.flags() & IORING_SETUP_COOP_TASKRUN) == IORING_SETUP_COOP_TASKRUN);

  // And the ring works in this mode: one NOP, submitted after the SQPOLL poller fell asleep.
  test::idle(ring);
  io_uring_sqe& sqe = test::sqe_of(ring);
  uring::prep_nop(sqe);
  sqe.user_data = 0x30de;
  REQUIRE(ring.submit() == 1);
  const test::Cqe c = test::wait_one(ring);
  CHECK(c.user_data == 0x30de);
  CHECK(c.res == 0);
  CHECK(c.flags == 0);
}

TEST_CASE("sqpoll mode: idle() leaves the poller asleep, and a submit wakes it", "[modes]") {
  auto ring = test::make_ring(test::Mode::sqpoll);
  REQUIRE((ring.flags() & IORING_SETUP_SQPOLL) != 0);
  // The poller sleeps once it has been idle for kSqpollIdleMs. idle() waits a few times that; on
  // a loaded machine the poller may get the CPU later, so wait for the flag (5 s at most).
  test::idle(ring);
  for (int ms = 0; ms < 5000 && !ring.sq().needs_wakeup(); ++ms)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  REQUIRE(ring.sq().needs_wakeup());
  for (std::uint64_t round = 0; round < 3; ++round) {
    io_uring_sqe& sqe = test::sqe_of(ring);
    uring::prep_nop(sqe);
    sqe.user_data = 0x5000 + round;
    REQUIRE(ring.sq().needs_wakeup());  // still asleep: only the submit can wake it
    REQUIRE(ring.submit() == 1);
    // Taken without any further enter (wait_cqe would wake the poller itself): the submit woke it.
    for (int ms = 0; ms < 5000 && ring.sq().flush() != 0; ++ms)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    REQUIRE(ring.sq().flush() == 0);
    const test::Cqe c = test::wait_one(ring);
    CHECK(c.user_data == 0x5000 + round);
    CHECK(c.res == 0);
    test::idle(ring);
    for (int ms = 0; ms < 5000 && !ring.sq().needs_wakeup(); ++ms)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}
