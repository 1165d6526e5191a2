// The ring-mode matrix of the kernel suite: every kernel test that drives a ring runs once per mode
// it applies to, so that each public path is taken with each setup a user can choose.
//
//   default   Params{}: SINGLE_ISSUER | DEFER_TASKRUN | TASKRUN_FLAG | NO_SQARRAY |
//             SUBMIT_ALL where the kernel has them, and a registered ring fd
//   shared    Sharing::shared: COOP_TASKRUN | TASKRUN_FLAG, no registered fd
//   plain     flags 0, no defaults, no registered fd (what liburing's tests use most)
//   sqpoll    IORING_SETUP_SQPOLL with a 1 ms idle time; test::idle() before a submit waits
//             until the poller sleeps, so the wake-up path is the one taken
//   sq_array  the defaults without NO_SQARRAY: the SQ index array layout of kernels before 6.6
//
// Use:
//   const test::Mode mode = GENERATE(test::each_mode());
//   if (test::not_in(mode, {test::Mode::sqpoll}, "why it cannot apply")) return;
//   auto ring = test::make_ring(mode);
#pragma once

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <initializer_list>
#include <string>
#include <thread>
#include <vector>

#include "helpers.hpp"

namespace test {

enum class Mode { default_, shared, plain, sqpoll, sq_array };

inline const char* mode_name(Mode m) {
  switch (m) {
    case Mode::default_: return "default";
    case Mode::shared: return "shared";
    case Mode::plain: return "plain";
    case Mode::sqpoll: return "sqpoll";
    case Mode::sq_array: return "sq_array";
  }
  return "?";
}

// The SQPOLL mode's idle time: short, so that test::idle() can wait past it cheaply.
inline constexpr unsigned kSqpollIdleMs = 1;

// `base` turned into `mode`: entries, cq_entries and extra flags stay the caller's.
inline uring::Params params(Mode mode, uring::Params base = {}) {
  switch (mode) {
    case Mode::default_: break;
    case Mode::shared: base.sharing = uring::Sharing::shared; break;
    case Mode::plain:
      base.default_flags = false;
      base.register_ring_fd = false;
      break;
    case Mode::sqpoll:
      base.flags |= IORING_SETUP_SQPOLL;
      base.sq_thread_idle_ms = kSqpollIdleMs;
      break;
    case Mode::sq_array: base.without_flags |= IORING_SETUP_NO_SQARRAY; break;
  }
  return base;
}

inline uring::Params params(Mode mode, unsigned entries) {
  uring::Params p;
  p.entries = entries;
  return params(mode, p);
}

inline uring::Ring make_ring(Mode mode, uring::Params base) {
  return make_ring(params(mode, base));
}

inline uring::Ring make_ring(Mode mode, unsigned entries = 8) {
  return make_ring(params(mode, entries));
}

// `mode` for any ring type (uring::BigRing, uring::MixedCqRing ...): create's answer as is, so that
// a test can SKIP where this kernel refuses the type's entry sizes.
template <class R>
uring::Result<R> create_ring(Mode mode, uring::Params base = {}) {
  return R::create(params(mode, base));
}

// With SQPOLL: wait until the poller has consumed every published SQE (it posts CQEs before it
// moves the SQ head, and a NEED_WAKEUP from before our last wake-up can still be set) and gone to
// sleep (it sets IORING_SQ_NEED_WAKEUP once idle for sq_thread_idle, rounded up to whole jiffies),
// so that the next submit counts only new SQEs and must wake it. At most 1 s; other modes: nothing.
inline void idle(uring::RingCore& ring) {
  if (!(ring.flags() & IORING_SETUP_SQPOLL)) return;
  auto& sq = ring.sq();
  for (int i = 0; i < 1000 && (sq.pending() != sq.unpublished() || !sq.needs_wakeup()); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

// One NOP through the ring (the poller idle first with SQPOLL): it submits and completes.
inline void nop_round_trip(uring::Ring& ring, std::uint64_t data) {
  io_uring_sqe& sqe = sqe_of(ring);
  uring::prep_nop(sqe);
  sqe.user_data = data;
  idle(ring);
  REQUIRE(ring.submit() == 1);
  const Cqe c = wait_one(ring);
  CHECK(c.user_data == data);
  CHECK(c.res == 0);
}

// True (and one line `N/A: <mode>: <why>` on stdout) when the test does not apply to `mode`.
inline bool not_in(Mode mode, std::initializer_list<Mode> excluded, const char* why) {
  for (Mode m : excluded)
    if (m == mode) {
      std::printf("N/A: mode %s: %s\n", mode_name(mode), why);
      std::fflush(stdout);
      return true;
    }
  return false;
}

// Catch2 generator over every mode: GENERATE(test::each_mode()).
inline Catch::Generators::GeneratorWrapper<Mode> each_mode() {
  return Catch::Generators::values<Mode>(
      {Mode::default_, Mode::shared, Mode::plain, Mode::sqpoll, Mode::sq_array});
}

}  // namespace test

namespace Catch {
template <>
struct StringMaker<test::Mode> {
  static std::string convert(test::Mode m) { return test::mode_name(m); }
};
}  // namespace Catch

// The mode in every assertion's message: MODE_SCOPE(mode) right after GENERATE.
#define MODE_SCOPE(mode) INFO("ring mode: " << test::mode_name(mode))
