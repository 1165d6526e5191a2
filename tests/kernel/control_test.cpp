// The control plane (uring/control.hpp) against the running kernel: eventfd notification and an
// epoll-driven loop in every mode, restrictions, io-wq limits and affinity, personalities,
// synchronous cancel, NAPI, clock, memory regions, and the register-opcode probe. Each asserts
// the kernel's exact answer, and on kernels without a feature the library's -EOPNOTSUPP.
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstring>
#include <string>
#include <thread>

#include "support/helpers.hpp"
#include "support/modes.hpp"
#include "uring/control.hpp"

namespace {

// Reads an eventfd's counter without blocking: 0 when nothing was signalled.
std::uint64_t eventfd_take(int efd) {
  std::uint64_t v = 0;
  return ::read(efd, &v, sizeof v) == sizeof v ? v : 0;
}

// The counter once the eventfd is signalled (0 after 2 s without). With SQPOLL the poller thread
// posts the CQE and signals the eventfd after it: a reader that saw the CQE can be ahead of the
// signal (seen once in the 6.12 guest), so a count that must arrive is waited for.
std::uint64_t eventfd_wait_take(int efd) {
  pollfd p{efd, POLLIN, 0};
  if (::poll(&p, 1, 2000) != 1) return 0;
  return eventfd_take(efd);
}

void prep_pipe_read(uring::Ring& ring, int fd, char* buf, unsigned len, std::uint64_t user_data) {
  io_uring_sqe& sqe = test::sqe_of(ring);
  uring::prep_read(sqe, fd, buf, len, ~0ULL);
  sqe.user_data = user_data;
}

// With SQPOLL the poller, not submit(), hands the SQEs to the kernel: wait until it has.
void until_consumed(uring::Ring& ring) {
  for (int i = 0; i < 1000 && ring.sq().flush() != 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  REQUIRE(ring.sq().flush() == 0);
}

}  // namespace

// ---- eventfd
// ----------------------------------------------------------------------------------------

TEST_CASE("eventfd: register, a second is -EBUSY, unregister twice", "[control][eventfd]") {
  auto ring = test::make_ring();
  test::Fd efd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  CHECK(uring::register_eventfd(ring, efd.get()) == 0);
  CHECK(uring::register_eventfd(ring, efd.get()) == -EBUSY);
  CHECK(uring::register_eventfd_async(ring, efd.get()) == -EBUSY);
  CHECK(uring::unregister_eventfd(ring) == 0);
  CHECK(uring::unregister_eventfd(ring) == -ENXIO);
  test::Pipe p;  // not an eventfd
  CHECK(uring::register_eventfd(ring, p.read.get()) == -EINVAL);
}

TEST_CASE("eventfd counts a completion; eventfd_async only an async one", "[control][eventfd]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto ring = test::make_ring(mode);
  test::Fd efd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  REQUIRE(uring::register_eventfd(ring, efd.get()) == 0);
  test::idle(ring);
  uring::prep_nop(test::sqe_of(ring));
  REQUIRE(ring.submit() == 1);
  CHECK(test::wait_one(ring).res == 0);
  CHECK(eventfd_wait_take(efd.get()) == 1);
  CHECK(eventfd_take(efd.get()) == 0);

  REQUIRE(uring::unregister_eventfd(ring) == 0);
  REQUIRE(uring::register_eventfd_async(ring, efd.get()) == 0);
  test::idle(ring);
  uring::prep_nop(test::sqe_of(ring));  // completes inline: no signal
  REQUIRE(ring.submit() == 1);
  CHECK(test::wait_one(ring).res == 0);
  CHECK(eventfd_take(efd.get()) == 0);
  test::idle(ring);
  io_uring_sqe& sqe = test::sqe_of(ring);
  uring::prep_nop(sqe);
  sqe.flags = IOSQE_ASYNC;  // completes on an io-wq worker: signalled
  REQUIRE(ring.submit() == 1);
  CHECK(test::wait_one(ring).res == 0);
  const auto signals = eventfd_wait_take(efd.get());
  if (ring.flags() & IORING_SETUP_DEFER_TASKRUN) {
    // The worker hands the completion to this task as local task work, and queuing that is
    // what signals (from the worker: async). Measured under load (1 ASan run in 4): a second
    // signal from the worker after the task had already run the first piece. Once or twice,
    // never zero.
    CHECK((signals == 1 || signals == 2));
  } else {
    CHECK(signals == 1);  // the worker posts the CQE itself: one signal
  }
}

TEST_CASE("an event loop: epoll on the ring's eventfd drives reads from a pipe",
          "[control][eventfd][example]") {
  // The shape of a runtime that owns the loop: the ring is one source among others in its epoll
  // set, through the eventfd, which a DEFER_TASKRUN ring signals as soon as completion work is
  // queued for it (see the next test). Readable eventfd -> drain it -> get_events() ->
  // reap every CQE -> re-arm.
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  if (const int v = test::kernel_version(); v >= 612 && v < 618) {
    // 6.12 (measured in the guest; 6.1 and 6.18 pass) does not signal the eventfd when
    // DEFER_TASKRUN work is queued, only when a CQE is posted, so this loop would sleep through the
    // completion; its answers in the other modes are not measured yet.
    test::unsupported("eventfd-driven epoll loop: 6.12 signals only on post (6.1, 6.18 asserted)");
    return;
  }
  auto ring = test::make_ring(mode);
  test::Fd efd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  REQUIRE(uring::register_eventfd(ring, efd.get()) == 0);
  test::Fd ep(::epoll_create1(EPOLL_CLOEXEC));
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = 1;
  REQUIRE(::epoll_ctl(ep.get(), EPOLL_CTL_ADD, efd.get(), &ev) == 0);

  test::Pipe pipe;
  char buf[32];
  std::string got;
  const char* words[] = {"alpha", "beta", "gamma"};
  for (unsigned round = 0; round < 3; ++round) {
    test::idle(ring);
    prep_pipe_read(ring, pipe.read.get(), buf, sizeof buf, 100 + round);
    REQUIRE(ring.submit() == 1);
    if (ring.flags() & IORING_SETUP_SQPOLL) until_consumed(ring);
    epoll_event out{};
    CHECK(::epoll_wait(ep.get(), &out, 1, 0) == 0);  // the read is parked: nothing yet
    REQUIRE(::write(pipe.write.get(), words[round], std::strlen(words[round])) ==
            ssize_t(std::strlen(words[round])));
    // -EINTR is part of the loop's life: task work queued with a signal notification (SQPOLL and
    // plain rings without COOP_TASKRUN) interrupts epoll_wait, as it would any blocking call.
    int woke;
    do woke = ::epoll_wait(ep.get(), &out, 1, 2000);
    while (woke < 0 && errno == EINTR);
    INFO("epoll_wait errno " << (woke < 0 ? errno : 0));
    REQUIRE(woke == 1);
    CHECK(out.data.u64 == 1);
    CHECK(eventfd_take(efd.get()) >= 1);
    // The loop's turn: run deferred work, then take what is ready.
    unsigned reaped = 0;
    for (int tries = 0; tries < 100 && reaped == 0; ++tries) {
      REQUIRE(ring.get_events() == 0);
      ring.for_each_cqe([&](const io_uring_cqe& c) {
        CHECK(c.user_data == 100 + round);
        CHECK(c.res == int(std::strlen(words[round])));
        got.append(buf, c.res > 0 ? static_cast<std::size_t>(c.res) : 0);
        ++reaped;
      });
      // 6.1 can post a DEFER_TASKRUN pipe read's CQE a few ms after the enter that ran it.
      if (reaped == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    CHECK(reaped == 1);
    // On a DEFER_TASKRUN ring the eventfd was signalled when the read's completion work was
    // queued and again when get_events() posted its CQE: a loop drains it after reaping, so the
    // next epoll_wait does not wake for work already done.
    eventfd_take(efd.get());
  }
  CHECK(got == "alphabetagamma");
}

TEST_CASE("a DEFER_TASKRUN ring's eventfd wakes epoll for a completed read", "[control][eventfd]") {
  // The issue reported the ring fd itself never polling readable on such a ring; on 6.18 it did
  // for this pipe read (measured, not asserted: docs/register.md). The eventfd is what a loop can
  // rely on, so that is what is asserted.
  auto ring = test::make_ring();
  if (!(ring.flags() & IORING_SETUP_DEFER_TASKRUN)) {
    test::unsupported("IORING_SETUP_DEFER_TASKRUN (6.1)");
    return;
  }
  if (const int v = test::kernel_version(); v >= 612 && v < 618) {
    test::unsupported("eventfd signal on queued DEFER_TASKRUN work: 6.18 (6.12 signals on post)");
    return;
  }
  test::Fd efd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  REQUIRE(uring::register_eventfd(ring, efd.get()) == 0);
  test::Fd ep(::epoll_create1(EPOLL_CLOEXEC));
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = 8;
  REQUIRE(::epoll_ctl(ep.get(), EPOLL_CTL_ADD, efd.get(), &ev) == 0);
  test::Pipe pipe;
  char buf[8];
  prep_pipe_read(ring, pipe.read.get(), buf, sizeof buf, 1);
  test::idle(ring);
  REQUIRE(ring.submit() == 1);
  epoll_event out{};
  CHECK(::epoll_wait(ep.get(), &out, 1, 0) == 0);
  REQUIRE(::write(pipe.write.get(), "x", 1) == 1);
  // An event loop retries EINTR (seen once under valgrind, whose syscall wrapper surfaces the
  // interruption the kernel otherwise restarts).
  int woke;
  do woke = ::epoll_wait(ep.get(), &out, 1, 1000);
  while (woke < 0 && errno == EINTR);
  INFO("epoll_wait errno " << (woke < 0 ? errno : 0));
  REQUIRE(woke == 1);
  CHECK(out.data.u64 == 8);
  // The work is queued, not yet a CQE: nothing to peek until the task enters.
  CHECK(ring.cq().ready() == 0);
  CHECK(test::wait_one(ring).res == 1);
}

// ---- restrictions -------------------------------------------------------------------------------

TEST_CASE("restrictions: the enabled ring refuses what the list does not allow",
          "[control][restrictions]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  uring::Params p = test::params(mode, 8);
  p.flags |= IORING_SETUP_R_DISABLED;
  auto ring = test::make_ring(p);
  const io_uring_restriction allow[] = {
      uring::Restriction::sqe_op(IORING_OP_NOP),
      uring::Restriction::sqe_op(IORING_OP_WRITE),
      uring::Restriction::sqe_flags_allowed(IOSQE_IO_LINK),
      uring::Restriction::register_op(IORING_REGISTER_PROBE),
  };
  CHECK(uring::register_restrictions(ring, allow) == 0);
  CHECK(uring::register_restrictions(ring, allow) == -EBUSY);  // once only
  CHECK(uring::enable_rings(ring) == 0);

  test::Pipe pipe;
  char buf[4];
  auto run = [&](auto prep) {
    test::idle(ring);
    io_uring_sqe& sqe = test::sqe_of(ring);
    prep(sqe);
    sqe.user_data = 5;
    REQUIRE(ring.submit() == 1);
    return test::wait_one(ring).res;
  };
  CHECK(run([](io_uring_sqe& s) { uring::prep_nop(s); }) == 0);
  CHECK(run([&](io_uring_sqe& s) { uring::prep_write(s, pipe.write.get(), "ok", 2, ~0ULL); }) == 2);
  CHECK(run([&](io_uring_sqe& s) { uring::prep_read(s, pipe.read.get(), buf, 2, ~0ULL); }) ==
        -EACCES);
  CHECK(run([](io_uring_sqe& s) {
          uring::prep_nop(s);
          s.flags = IOSQE_ASYNC;  // a flag not allowed
        }) == -EACCES);
  CHECK(uring::probe(ring).ok());  // an allowed register opcode
  const int fds[] = {pipe.read.get()};
  CHECK(uring::register_files(ring, fds) == -EACCES);
  CHECK(uring::register_restrictions(ring, allow) == -EACCES);  // itself not allowed now
}

TEST_CASE("restrictions on a ring that is not R_DISABLED: -EBADFD; bad entries: -EINVAL",
          "[control][restrictions]") {
  auto ring = test::make_ring();
  const io_uring_restriction nop[] = {uring::Restriction::sqe_op(IORING_OP_NOP)};
  CHECK(uring::register_restrictions(ring, nop) == -EBADFD);
  uring::Params p;
  p.flags = IORING_SETUP_R_DISABLED;
  auto disabled = test::make_ring(p);
  const io_uring_restriction bad[] = {uring::Restriction::sqe_op(250)};  // past IORING_OP_LAST
  CHECK(uring::register_restrictions(disabled, bad) == -EINVAL);
  // The failed list left nothing behind: a good one is accepted after it.
  CHECK(uring::register_restrictions(disabled, nop) == 0);
  uring::prep_nop(test::sqe_of(disabled));
  CHECK(disabled.submit() == -EBADFD);  // not enabled yet
  CHECK(uring::enable_rings(disabled) == 0);
  // Restricted now, and ENABLE_RINGS is not on the list: refused before the "already enabled"
  // check could answer -EBADFD.
  CHECK(uring::enable_rings(disabled) == -EACCES);
  CHECK(uring::enable_rings(ring) == -EBADFD);  // never disabled
}

// ---- io-wq ------------------------------------------------------------------------------------

TEST_CASE("io-wq max workers: the previous limits come back", "[control][iowq]") {
  // In a fresh thread: io-wq is per task, and this thread's first ring sets its defaults.
  int before_first = -1, first = -1, second = -1;
  uring::IowqLimits initial, set, back;
  unsigned entries = 0;
  std::thread t([&] {
    auto ring = test::make_plain_ring(16);
    entries = 16;
    uring::prep_nop(test::sqe_of(ring));  // the first submit gives this task its io-wq
    ring.submit();
    test::wait_one(ring);
    before_first = uring::register_iowq_max_workers(ring, initial);  // {0, 0}: just ask
    set = {3, 5};
    first = uring::register_iowq_max_workers(ring, set);
    back = {0, 0};
    second = uring::register_iowq_max_workers(ring, back);
  });
  t.join();
  CHECK(before_first == 0);
  CHECK(first == 0);
  CHECK(second == 0);
  // The kernel's defaults: bounded min(sq entries, 4 * online CPUs), unbounded RLIMIT_NPROC.
  const unsigned cpus = static_cast<unsigned>(::sysconf(_SC_NPROCESSORS_ONLN));
  rlimit nproc{};
  ::getrlimit(RLIMIT_NPROC, &nproc);
  CHECK(initial.bounded == std::min(entries, 4 * cpus));
  CHECK(initial.unbounded == std::min<rlim_t>(nproc.rlim_cur, 0x7fffffff));
  CHECK(set.bounded == initial.bounded);  // the call returns the limits it replaced
  CHECK(set.unbounded == initial.unbounded);
  CHECK(back.bounded == 3);
  CHECK(back.unbounded == 5);
  auto ring = test::make_ring();
  uring::IowqLimits too_big{0x80000000u, 0};
  CHECK(uring::register_iowq_max_workers(ring, too_big) == -EINVAL);
}

TEST_CASE("io-wq CPU affinity: set to CPU 0, unregister", "[control][iowq]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto ring = test::make_ring(mode);
  uring::prep_nop(test::sqe_of(ring));
  test::idle(ring);
  REQUIRE(ring.submit() == 1);
  test::wait_one(ring);
  cpu_set_t cpus;
  CPU_ZERO(&cpus);
  CPU_SET(0, &cpus);
  CHECK(uring::register_iowq_aff(ring, cpus) == 0);
  CHECK(uring::unregister_iowq_aff(ring) == 0);
}

// ---- personalities
// --------------------------------------------------------------------------------

TEST_CASE("personality: ids from 1, usable in an SQE, unregistered once", "[control]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto ring = test::make_ring(mode);
  CHECK(uring::register_personality(ring) == 1);
  CHECK(uring::register_personality(ring) == 2);
  auto nop_as = [&](unsigned id) {
    test::idle(ring);
    io_uring_sqe& sqe = test::sqe_of(ring);
    uring::prep_nop(sqe);
    sqe.personality = static_cast<std::uint16_t>(id);
    REQUIRE(ring.submit() == 1);
    return test::wait_one(ring).res;
  };
  CHECK(nop_as(2) == 0);
  CHECK(nop_as(77) == -EINVAL);
  CHECK(uring::unregister_personality(ring, 2) == 0);
  CHECK(uring::unregister_personality(ring, 2) == -EINVAL);
  CHECK(nop_as(2) == -EINVAL);
}

// ---- sync cancel
// ------------------------------------------------------------------------------------

TEST_CASE("sync cancel of a parked read: 0, its CQE -ECANCELED; then -ENOENT", "[control]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto ring = test::make_ring(mode);
  test::Pipe pipe;
  char buf[8];
  test::idle(ring);
  prep_pipe_read(ring, pipe.read.get(), buf, sizeof buf, 0x55);
  REQUIRE(ring.submit() == 1);
  until_consumed(ring);
  uring::CancelMatch m;
  m.user_data = 0x55;
  CHECK(uring::sync_cancel(ring, m) == 0);
  const test::Cqe c = test::wait_one(ring);
  CHECK(c.user_data == 0x55);
  CHECK(c.res == -ECANCELED);
  CHECK(uring::sync_cancel(ring, m) == -ENOENT);
  m.user_data = 0;
  m.fd = pipe.read.get();
  m.flags = IORING_ASYNC_CANCEL_FD;
  CHECK(uring::sync_cancel(ring, m) == -ENOENT);
}

// ---- newer opcodes, gated -----------------------------------------------------------------------

TEST_CASE("register_op_supported matches the release that added each opcode", "[control]") {
  auto ring = test::make_ring();  // DEFER_TASKRUN where the kernel has it: RESIZE_RINGS answers
  const int v = test::kernel_version();
  struct Op {
    unsigned op;
    int since;
  };
  const Op ops[] = {
      {IORING_REGISTER_PBUF_RING, 519},
      {IORING_REGISTER_SYNC_CANCEL, 600},
      {uring::abi::IORING_REGISTER_PBUF_STATUS, 608},
      {uring::abi::IORING_REGISTER_NAPI, 609},
      {uring::abi::IORING_UNREGISTER_NAPI, 609},
      {uring::abi::IORING_REGISTER_CLOCK, 612},
      {uring::abi::IORING_REGISTER_CLONE_BUFFERS, 612},
      {uring::abi::IORING_REGISTER_MEM_REGION, 613},
  };
  for (const Op& o : ops) {
    INFO("register opcode " << o.op << ", kernel " << test::kernel_name());
    CHECK(uring::register_op_supported(ring, o.op) == (v >= o.since));
  }
  if (ring.flags() & IORING_SETUP_DEFER_TASKRUN)
    CHECK(uring::register_op_supported(ring, uring::abi::IORING_REGISTER_RESIZE_RINGS) ==
          (v >= 613));
  CHECK_FALSE(uring::register_op_supported(ring, 200));
}

TEST_CASE("NAPI busy poll: settings in, previous settings out", "[control][napi]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto ring = test::make_ring(mode);
  uring::abi::napi s{};
  s.busy_poll_to = 100;
  s.prefer_busy_poll = 1;
  const int ret = uring::register_napi(ring, s);
  if (test::kernel_version() < 609) {
    CHECK(ret == -EOPNOTSUPP);
    test::unsupported("IORING_REGISTER_NAPI (6.9)");
    return;
  }
  REQUIRE(ret == 0);
  CHECK(s.busy_poll_to == 0);  // what was set before: nothing
  CHECK(s.prefer_busy_poll == 0);
  uring::abi::napi cur{};
  CHECK(uring::unregister_napi(ring, cur) == 0);
  CHECK(cur.busy_poll_to == 100);
  CHECK(cur.prefer_busy_poll == 1);
  uring::abi::napi bad{};
  bad.resv = 1;
  CHECK(uring::register_napi(ring, bad) == -EINVAL);
}

TEST_CASE("clock: MONOTONIC and BOOTTIME accepted, REALTIME -EINVAL", "[control][clock]") {
  auto ring = test::make_ring();
  const int boot = uring::register_clock(ring, CLOCK_BOOTTIME);
  if (test::kernel_version() < 612) {
    CHECK(boot == -EOPNOTSUPP);
    CHECK(uring::register_clock(ring, CLOCK_REALTIME) == -EOPNOTSUPP);
    test::unsupported("IORING_REGISTER_CLOCK (6.12)");
    return;
  }
  CHECK(boot == 0);
  CHECK(uring::register_clock(ring, CLOCK_MONOTONIC) == 0);
  CHECK(uring::register_clock(ring, CLOCK_REALTIME) == -EINVAL);
  // A wait still times out after the registered clock's interval.
  io_uring_cqe* cqe = nullptr;
  __kernel_timespec ts{0, 2000000};
  CHECK(ring.wait_cqe(&cqe, &ts) == -ETIME);
}

TEST_CASE("memory region: user memory registered once; a wait region needs R_DISABLED",
          "[control][region]") {
  auto ring = test::make_ring();
  void* mem = ::mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  REQUIRE(mem != MAP_FAILED);
  uring::abi::region_desc d{};
  d.user_addr = reinterpret_cast<std::uintptr_t>(mem);
  d.size = 4096;
  d.flags = uring::abi::IORING_MEM_REGION_TYPE_USER;
  const int ret = uring::register_mem_region(ring, d, 0);
  if (test::kernel_version() < 613) {
    CHECK(ret == -EOPNOTSUPP);
    test::unsupported("IORING_REGISTER_MEM_REGION (6.13)");
  } else {
    CHECK(ret == 0);
    CHECK(uring::register_mem_region(ring, d, 0) == -EBUSY);
    auto other = test::make_ring();
    CHECK(uring::register_mem_region(other, d, uring::abi::IORING_MEM_REGION_REG_WAIT_ARG) ==
          -EINVAL);  // `other` is enabled: no wait region
  }
  ring = test::make_ring();  // drop the region before its memory
  ::munmap(mem, 4096);
}
