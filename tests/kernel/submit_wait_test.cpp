// Every submit and wait path in every ring mode: SQPOLL wake-ups from each call that submits,
// IOPOLL reaping, waits bounded by a deadline that does not restart, -ETIME / -EINTR never hidden
// by a submission count, and waits that submit nothing.
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <cstddef>
#include <thread>

#include "support/helpers.hpp"
#include "support/modes.hpp"

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

void queue_nop(uring::Ring& ring, std::uint64_t id) {
  io_uring_sqe& sqe = test::sqe_of(ring);
  uring::prep_nop(sqe);
  sqe.user_data = id;
}

// A read of an empty pipe: completes only when the test writes to the pipe.
void queue_pipe_read(uring::Ring& ring, const test::Pipe& p, char* buf, std::uint64_t id) {
  io_uring_sqe& sqe = test::sqe_of(ring);
  uring::prep_read(sqe, p.read.get(), buf, 1, ~0ULL);
  sqe.user_data = id;
}

// Looks at the CQ without entering the kernel, for up to 2 s: proves the CQE got there on its own
// (the SQE was really submitted) rather than because a wait entered.
io_uring_cqe* peek_for(uring::Ring& ring, std::chrono::milliseconds limit = 2000ms) {
  const auto end = Clock::now() + limit;
  for (;;) {
    if (io_uring_cqe* c = ring.peek_cqe()) return c;
    if (Clock::now() > end) return nullptr;
    std::this_thread::sleep_for(100us);
  }
}

double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

double cpu_ms() {
  rusage u{};
  ::getrusage(RUSAGE_THREAD, &u);
  return (u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1e3 +
         (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e3;
}

// Completions that need no enter to show up: every mode but DEFER_TASKRUN's, where a CQE from
// task work waits for the owner's next enter.
bool posts_without_enter(const uring::Ring& ring) {
  return !(ring.flags() & IORING_SETUP_DEFER_TASKRUN);
}

}  // namespace

TEST_CASE("submit() alone gets SQEs to the kernel, in every mode (SQPOLL: wakes an idle poller)",
          "[submit][sqpoll]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto ring = test::make_ring(mode, 8);
  for (std::uint64_t round = 0; round < 5; ++round) {
    queue_nop(ring, 100 + round);
    test::idle(ring);
    REQUIRE(ring.submit() == 1);
    // A NOP completes inline (or on the poller): its CQE appears with no wait that could enter.
    io_uring_cqe* c = peek_for(ring);
    REQUIRE(c != nullptr);
    CHECK(c->user_data == 100 + round);
    CHECK(c->res == 0);
    ring.cqe_seen(c);
    CHECK(ring.sq_ready() == 0);
  }
}

TEST_CASE("submit_and_wait(n) returns with n CQEs, in every mode (SQPOLL: after the poller slept)",
          "[submit][sqpoll]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto ring = test::make_ring(mode, 16);
  for (std::uint64_t round = 0; round < 5; ++round) {
    for (unsigned i = 0; i < 8; ++i) queue_nop(ring, round * 10 + i);
    test::idle(ring);
    // Bounded, so that a lost wake-up fails the test instead of hanging it.
    __kernel_timespec ts{5, 0};
    REQUIRE(ring.submit_and_wait(8, &ts) == 8);
    CHECK(ring.cq_ready() == 8);
    std::vector<std::uint64_t> ids;
    ring.for_each_cqe([&](const io_uring_cqe& c) { ids.push_back(c.user_data); });
    REQUIRE(ids.size() == 8);
    for (unsigned i = 0; i < 8; ++i) CHECK(ids[i] == round * 10 + i);
  }
  // And the unbounded inline path.
  queue_nop(ring, 77);
  test::idle(ring);
  REQUIRE(ring.submit_and_wait(1) == 1);
  CHECK(test::wait_one(ring).user_data == 77);
}

TEST_CASE("SQPOLL sleep/wake stress: thousands of submits after idle gaps, none lost",
          "[submit][sqpoll][stress]") {
  uring::Params p = test::params(test::Mode::sqpoll, 8);
  auto ring = test::make_ring(p);
  constexpr unsigned kRounds = 1200;
  unsigned woken = 0;
  for (unsigned i = 0; i < kRounds; ++i) {
    queue_nop(ring, i);
    // Gaps of 0, 0.5 and 3 ms around the idle time (1 ms, which the kernel rounds up to a jiffy:
    // 4 ms at HZ=250) land submits before, during and after the poller's decision to sleep; every
    // fourth round waits until it sleeps for certain.
    static constexpr int kGapUs[] = {0, 500, 3000};
    if (i % 4 == 3)
      test::idle(ring);
    else if (const int gap = kGapUs[i % 4])
      std::this_thread::sleep_for(std::chrono::microseconds(gap));
    const bool asleep = ring.sq().needs_wakeup();
    woken += asleep;
    // submit() answers the SQEs the kernel has not consumed yet (as liburing's does with SQPOLL):
    // 1, or 0 when an awake poller took the SQE between our tail store and head load (seen under
    // TSan). A sleeping poller cannot have: then it is exactly 1.
    const int submitted = ring.submit();
    if (asleep)
      REQUIRE(submitted == 1);
    else
      REQUIRE((submitted == 0 || submitted == 1));
    io_uring_cqe* c = peek_for(ring);
    INFO("round " << i);
    REQUIRE(c != nullptr);
    REQUIRE(c->user_data == i);
    ring.cqe_seen(c);
    // 6.1's poller posts the CQE before it moves the SQ head: wait for the head, so the next
    // submit counts only its own SQE.
    for (int spin = 0; spin < 100000 && ring.sq_ready() != 0; ++spin) std::this_thread::yield();
  }
  // The poller did fall asleep between submits (otherwise the wake-up path was never taken).
  CHECK(woken >= kRounds / 4);
}

TEST_CASE("IOPOLL: submit, poll_cqe and submit_and_wait (a NOP; no polled block device here)",
          "[submit][iopoll]") {
  uring::Params p;
  p.flags = IORING_SETUP_IOPOLL;
  p.default_flags = false;
  p.register_ring_fd = false;
  auto ring = test::make_ring(p);
  // A NOP is polled-IO capable. On an IOPOLL ring its CQE is posted by the reaping enter.
  queue_nop(ring, 5);
  REQUIRE(ring.submit() == 1);
  io_uring_cqe* cqe = nullptr;
  REQUIRE(ring.poll_cqe(&cqe) == 0);
  CHECK(cqe->user_data == 5);
  ring.cqe_seen(cqe);
  queue_nop(ring, 6);
  REQUIRE(ring.submit_and_wait(1) == 1);
  CHECK(test::wait_one(ring).user_data == 6);
}

TEST_CASE("wait_cqe submits nothing and its timeout is a deadline", "[wait][deadline]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto ring = test::make_ring(mode, 8);
  queue_nop(ring, 1);  // prepared, never submitted
  __kernel_timespec ts{0, 100'000'000};
  io_uring_cqe* cqe = nullptr;
  const auto t0 = Clock::now();
  CHECK(ring.wait_cqe(&cqe, &ts) == -ETIME);
  // It waited (a deadline that restarted took 200 ms; an upper bound is left out because a loaded
  // or emulated machine stretches any wait: the SQE still being unsubmitted below is the proof).
  CHECK(ms_since(t0) >= 99);
  CHECK(cqe == nullptr);
  CHECK(ring.sq_ready() == 1);  // still the caller's to submit
  test::idle(ring);
  REQUIRE(ring.submit() == 1);
  CHECK(test::wait_one(ring).user_data == 1);
}

TEST_CASE("submit_and_wait with a timeout: -ETIME even when the same enter submitted",
          "[wait][deadline]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto ring = test::make_ring(mode, 8);
  test::Pipe pipe;
  char buf[1];
  queue_pipe_read(ring, pipe, buf, 9);
  __kernel_timespec ts{0, 100'000'000};
  test::idle(ring);
  const auto t0 = Clock::now();
  CHECK(ring.submit_and_wait(1, &ts) == -ETIME);  // it answered 1 (the submitted count) before
  CHECK(ms_since(t0) >= 99);
  CHECK(ring.sq_ready() == 0);  // the read was submitted all the same
  REQUIRE(::write(pipe.write.get(), "x", 1) == 1);
  const test::Cqe c = test::wait_one(ring);
  CHECK(c.user_data == 9);
  CHECK(c.res == 1);
}

TEST_CASE("an absolute deadline in the past: -ETIME at once", "[wait][deadline]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto ring = test::make_ring(mode, 8);
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  __kernel_timespec past{now.tv_sec - 1, now.tv_nsec};
  uring::WaitSpec w;
  w.timeout = &past;
  w.absolute = true;
  io_uring_cqe* cqe = nullptr;
  const auto t0 = Clock::now();
  CHECK(ring.wait_cqes(&cqe, w) == -ETIME);
  CHECK(ms_since(t0) < 500);  // at once, not ~uptime seconds (the deadline read as relative)
  // A deadline 80 ms ahead is honoured as such.
  __kernel_timespec ahead{now.tv_sec, now.tv_nsec + 80'000'000};
  if (ahead.tv_nsec >= 1'000'000'000) ahead.tv_nsec -= 1'000'000'000, ++ahead.tv_sec;
  w.timeout = &ahead;
  CHECK(ring.wait_cqes(&cqe, w) == -ETIME);
  timespec after{};
  ::clock_gettime(CLOCK_MONOTONIC, &after);
  CHECK((after.tv_sec > ahead.tv_sec ||
         (after.tv_sec == ahead.tv_sec && after.tv_nsec >= ahead.tv_nsec)));
}

namespace {
std::atomic<int> signals_seen{0};
void on_usr1(int) { signals_seen.fetch_add(1); }

// SIGUSR1 without SA_RESTART, so a wait it interrupts ends with -EINTR.
struct Usr1Handler {
  struct sigaction old {};
  Usr1Handler() {
    struct sigaction sa {};
    sa.sa_handler = on_usr1;
    ::sigaction(SIGUSR1, &sa, &old);
  }
  ~Usr1Handler() { ::sigaction(SIGUSR1, &old, nullptr); }
};
}  // namespace

TEST_CASE("a signal during submit_and_wait: -EINTR even when the same enter submitted",
          "[wait][signal]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto ring = test::make_ring(mode, 8);
  Usr1Handler handler;
  test::Pipe pipe;
  char buf[1];
  queue_pipe_read(ring, pipe, buf, 3);
  const pthread_t self = ::pthread_self();
  std::thread killer([&] {
    std::this_thread::sleep_for(50ms);
    ::pthread_kill(self, SIGUSR1);
  });
  __kernel_timespec ts{3, 0};
  const int before = signals_seen.load();
  test::idle(ring);
  const auto t0 = Clock::now();
  const int ret = ring.submit_and_wait(1, &ts);
  killer.join();
  CHECK(ret == -EINTR);
  CHECK(ms_since(t0) < 2000);
  CHECK(signals_seen.load() == before + 1);
  REQUIRE(::write(pipe.write.get(), "y", 1) == 1);
  CHECK(test::wait_one(ring).res == 1);
}

TEST_CASE("a signal mask keeps a wait from being interrupted", "[wait][signal]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto ring = test::make_ring(mode, 8);
  Usr1Handler handler;
  sigset_t block;
  sigemptyset(&block);
  sigaddset(&block, SIGUSR1);
  const pthread_t self = ::pthread_self();
  std::thread killer([&] {
    std::this_thread::sleep_for(30ms);
    ::pthread_kill(self, SIGUSR1);
  });
  __kernel_timespec ts{0, 150'000'000};
  io_uring_cqe* cqe = nullptr;
  const int before = signals_seen.load();
  CHECK(ring.wait_cqes(&cqe, 1, &ts, &block) == -ETIME);  // not -EINTR: SIGUSR1 was blocked
  killer.join();
  // The signal stayed pending while the wait blocked it and was delivered after.
  CHECK(signals_seen.load() == before + 1);
}

TEST_CASE("min_wait: after it passes, one CQE is enough (6.12)", "[wait][min_wait]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto ring = test::make_ring(mode, 8);
  test::Pipe pipe;
  char buf[1];
  queue_nop(ring, 1);
  queue_pipe_read(ring, pipe, buf, 2);  // never completes on its own
  uring::WaitSpec w;
  w.nr = 2;
  __kernel_timespec ts{2, 0};
  w.timeout = &ts;
  w.min_wait_usec = 30'000;
  test::idle(ring);
  if (!(ring.features() & IORING_FEAT_MIN_TIMEOUT)) {
    test::unsupported("IORING_FEAT_MIN_TIMEOUT (6.12): min_wait answers -EOPNOTSUPP");
    CHECK(ring.submit_and_wait(w) == -EOPNOTSUPP);
    CHECK(ring.sq_ready() == 2);  // refused before anything was submitted
    return;
  }
  const auto t0 = Clock::now();
  CHECK(ring.submit_and_wait(w) == 2);
  CHECK(ms_since(t0) < 1000);  // returned after min_wait with the NOP, not at the 2 s deadline
  io_uring_cqe* cqe = ring.peek_cqe();
  REQUIRE(cqe != nullptr);
  CHECK(cqe->user_data == 1);
  ring.cqe_seen(cqe);
  REQUIRE(::write(pipe.write.get(), "z", 1) == 1);
  CHECK(test::wait_one(ring).user_data == 2);
}

TEST_CASE("wait_cqe sleeps: after a fork child submitted on a shared ring, no spinning",
          "[wait][fork]") {
  uring::Params p = test::params(test::Mode::shared, 8);
  auto ring = test::make_ring(p);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    // The child shares the ring's memory: it submits a NOP the parent never counted.
    io_uring_sqe* sqe = ring.get_sqe();
    if (sqe) uring::prep_nop(*sqe), sqe->user_data = 99;
    ::_exit(sqe && ring.submit() == 1 ? 0 : 1);
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  // The child's NOP completed: the parent sees it.
  CHECK(test::wait_one(ring).user_data == 99);
  // Now the parent waits on an empty CQ: it must sleep through the timeout, not spin.
  __kernel_timespec ts{0, 200'000'000};
  io_uring_cqe* cqe = nullptr;
  const double cpu0 = cpu_ms();
  CHECK(ring.wait_cqe(&cqe, &ts) == -ETIME);
  CHECK(cpu_ms() - cpu0 < 50);  // spinning through enters burnt the whole 200 ms
}

TEST_CASE("submit() with nothing queued enters when task work is pending", "[submit][taskrun]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto ring = test::make_ring(mode, 8);
  test::Pipe pipe;
  char buf[1];
  queue_pipe_read(ring, pipe, buf, 4);
  test::idle(ring);
  REQUIRE(ring.submit() == 1);
  REQUIRE(::write(pipe.write.get(), "w", 1) == 1);
  if (posts_without_enter(ring)) {
    CHECK(peek_for(ring) != nullptr);
  } else {
    // DEFER_TASKRUN: the read's completion waits as task work, flagged by IORING_SQ_TASKRUN.
    for (int i = 0; i < 2000 && !(ring.sq().flags() & IORING_SQ_TASKRUN); ++i)
      std::this_thread::sleep_for(100us);
    REQUIRE(ring.peek_cqe() == nullptr);
    REQUIRE(ring.cq_needs_enter());
    CHECK(ring.submit() == 0);  // nothing to submit, but it must enter to run the task work
    if (test::kernel_version() < 618 && ring.peek_cqe() == nullptr) {
      test::older_kernel("DEFER_TASKRUN pipe read: CQE lands after the enter that ran its work");
      CHECK(peek_for(ring) != nullptr);
    }
  }
  io_uring_cqe* c = ring.peek_cqe();
  REQUIRE(c != nullptr);
  CHECK(c->user_data == 4);
  CHECK(c->res == 1);
}

TEST_CASE("DEFER_TASKRUN without TASKRUN_FLAG: poll_cqe still finds the completion",
          "[poll][taskrun]") {
  uring::Params p;
  p.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
  p.default_flags = false;
  auto created = uring::Ring::create(p);
  if (!created.ok()) {
    test::unsupported("IORING_SETUP_DEFER_TASKRUN (6.1)");
    CHECK(created.error() == -EINVAL);
    return;
  }
  uring::Ring ring = created.take();
  test::Pipe pipe;
  char buf[1];
  queue_pipe_read(ring, pipe, buf, 8);
  REQUIRE(ring.submit() == 1);
  REQUIRE(::write(pipe.write.get(), "q", 1) == 1);
  io_uring_cqe* cqe = nullptr;
  int ret = -EAGAIN;
  for (int i = 0; i < 2000 && ret == -EAGAIN; ++i) {
    ret = ring.poll_cqe(&cqe);
    if (ret == -EAGAIN) std::this_thread::sleep_for(100us);
  }
  REQUIRE(ret == 0);
  CHECK(cqe->user_data == 8);
  CHECK(cqe->res == 1);
}

TEST_CASE("liburing's wait_cqe_timeout, submit_and_get_events and sqring_wait",
          "[wait][liburing_names]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto ring = test::make_ring(mode, 8);
  __kernel_timespec ts{0, 20'000'000};
  io_uring_cqe* cqe = nullptr;
  CHECK(ring.wait_cqe_timeout(&cqe, &ts) == -ETIME);
  CHECK(cqe == nullptr);

  // submit_and_get_events: the count submitted (SQPOLL: published), nothing waited for; the CQEs
  // then come without another submit (a wait enters only to collect them).
  queue_nop(ring, 1);
  queue_nop(ring, 2);
  test::idle(ring);
  CHECK(ring.submit_and_get_events() == 2);
  // Consumed by the enter itself, except with SQPOLL, where the poller takes them in its own time
  // (the CQEs below prove it did).
  if (mode != test::Mode::sqpoll) CHECK(ring.sq_ready() == 0u);
  REQUIRE(ring.wait_cqe_timeout(&cqe, nullptr) == 0);
  CHECK(cqe->user_data == 1);
  ring.cqe_seen(cqe);
  REQUIRE(ring.wait_cqe(&cqe) == 0);
  CHECK(cqe->user_data == 2);
  ring.cqe_seen(cqe);
  CHECK(ring.submit_and_get_events() == 0);  // nothing queued: enters anyway, submits nothing
  CHECK(ring.cq_ready() == 0);

  // sqring_wait: at once without SQPOLL or with room; with SQPOLL and a full SQ, until the poller
  // consumed an entry (the submit before it woke the poller).
  CHECK(ring.sqring_wait() == 0);
  test::idle(ring);
  for (std::uint64_t i = 0; i < 8; ++i) queue_nop(ring, 10 + i);
  CHECK(ring.sq_space_left() == 0);
  CHECK(ring.submit() == 8);
  CHECK(ring.sqring_wait() == 0);
  CHECK(ring.sq_space_left() >= 1);
  unsigned got = 0;
  while (got < 8) {
    REQUIRE(ring.wait_cqe(&cqe) == 0);
    CHECK(cqe->user_data == 10 + got);
    ring.cqe_seen(cqe);
    ++got;
  }
}

TEST_CASE("wait_cqes_min_timeout: liburing's order; one CQE is enough after min_ts_usec (6.12)",
          "[wait][min_wait]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto ring = test::make_ring(mode, 8);
  test::Pipe pipe;
  char buf[1];
  io_uring_cqe* cqe = nullptr;
  __kernel_timespec ts{2, 0};
  if (!(ring.features() & IORING_FEAT_MIN_TIMEOUT)) {
    test::unsupported("IORING_FEAT_MIN_TIMEOUT (6.12): wait_cqes_min_timeout answers -EOPNOTSUPP");
    CHECK(ring.wait_cqes_min_timeout(&cqe, 1, &ts, 30'000, nullptr) == -EOPNOTSUPP);
    CHECK(cqe == nullptr);
    return;
  }
  queue_nop(ring, 1);
  queue_pipe_read(ring, pipe, buf, 2);  // never completes on its own
  test::idle(ring);
  REQUIRE(ring.submit() == 2);
  const auto t0 = Clock::now();
  // Two wanted, one arrives: after 30 ms of min-wait it is enough.
  CHECK(ring.wait_cqes_min_timeout(&cqe, 2, &ts, 30'000, nullptr) == 0);
  CHECK(ms_since(t0) < 1000);  // not at the 2 s deadline
  REQUIRE(cqe != nullptr);
  CHECK(cqe->user_data == 1);
  CHECK(cqe->res == 0);
  ring.cqe_seen(cqe);
  // Nothing arrives: the deadline, -ETIME, no CQE.
  __kernel_timespec short_ts{0, 20'000'000};
  CHECK(ring.wait_cqes_min_timeout(&cqe, 1, &short_ts, 5'000, nullptr) == -ETIME);
  CHECK(cqe == nullptr);
  CHECK(ring.sq_ready() == 0);  // it submits nothing
  REQUIRE(::write(pipe.write.get(), "z", 1) == 1);
  CHECK(test::wait_one(ring).user_data == 2);
}

namespace {

// In this thread and its children from now on: io_uring_enter with IORING_ENTER_NO_IOWAIT in its
// flags answers -ENOTRECOVERABLE (an errno io_uring never gives), every other call runs.
bool refuse_no_iowait_enters() {
  sock_filter f[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_enter, 0, 3),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, args[3])),  // flags (low word)
      BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, IORING_ENTER_NO_IOWAIT, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOTRECOVERABLE),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  sock_fprog prog{static_cast<unsigned short>(sizeof f / sizeof f[0]), f};
  return ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 &&
         ::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) == 0;
}

}  // namespace

TEST_CASE("set_iowait(false) puts IORING_ENTER_NO_IOWAIT on the ring's enters (6.15)",
          "[wait][iowait]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  {
    auto ring = test::make_ring(mode, 8);
    if (!(ring.features() & IORING_FEAT_NO_IOWAIT)) {
      test::unsupported("IORING_FEAT_NO_IOWAIT (6.15): set_iowait answers -EOPNOTSUPP");
      CHECK(ring.set_iowait(false) == -EOPNOTSUPP);
      CHECK(ring.set_iowait(true) == -EOPNOTSUPP);
      return;
    }
    // The kernel takes the flag: a wait with it ends at its deadline as any other.
    CHECK(ring.set_iowait(false) == 0);
    queue_nop(ring, 1);
    test::idle(ring);
    REQUIRE(ring.submit_and_wait(1) == 1);
    CHECK(test::wait_one(ring).user_data == 1);
    io_uring_cqe* cqe = nullptr;
    __kernel_timespec ts{0, 5'000'000};
    CHECK(ring.wait_cqe(&cqe, &ts) == -ETIME);
    CHECK(ring.set_iowait(true) == 0);
  }
  // Which enters carry the flag, seen by a seccomp filter in a child (a filter stays for good)
  // that owns its own ring: {set_iowait(false), a wait then, set_iowait(true), a wait then}.
  int p[2];
  REQUIRE(::pipe(p) == 0);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    int out[4] = {-1, -1, -1, -1};
    auto made = uring::Ring::create(test::params(mode, 8));
    if (made.ok() && refuse_no_iowait_enters()) {
      uring::Ring ring = made.take();
      io_uring_cqe* cqe = nullptr;
      __kernel_timespec ts{0, 5'000'000};
      out[0] = ring.set_iowait(false);
      out[1] = ring.wait_cqe(&cqe, &ts);
      out[2] = ring.set_iowait(true);
      out[3] = ring.wait_cqe(&cqe, &ts);
    }
    const ssize_t n = ::write(p[1], out, sizeof out);
    ::_exit(n == sizeof out ? 0 : 1);
  }
  ::close(p[1]);
  int got[4] = {};
  const ssize_t n = ::read(p[0], got, sizeof got);
  ::close(p[0]);
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(n == static_cast<ssize_t>(sizeof got));
  CHECK(got[0] == 0);
  CHECK(got[1] == -ENOTRECOVERABLE);  // the wait entered with NO_IOWAIT
  CHECK(got[2] == 0);
  CHECK(got[3] == -ETIME);  // without it: the kernel's own answer
}
