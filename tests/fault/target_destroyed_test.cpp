// A target ring destroyed in the middle of a storm: three senders on their own threads keep
// sending DATA to it while its thread, having read some, destroys it; each sender goes on for 1000
// messages once it sees the ring gone. Asserts that nothing crashes,
// every send either failed with -EBADF (the fd is closed: the clear errno a sender sees) or got
// res 0, that every res-0 message was either read by the target or lost with the ring (counted,
// docs/msg-ring.md "Delivery"), and that no fd or mapping is left behind.
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <map>

#include "stress/proc_self.hpp"
#include "support/modes.hpp"
#include "support/threads.hpp"

namespace {

constexpr unsigned kSenders = 3;
constexpr unsigned kMaxPerSender = 100000;  // then a sender waits for the destruction
constexpr unsigned kAfterDestroy = 1000;    // each sender goes on this long once the ring is gone
constexpr unsigned kReadBeforeDestroy = 3000;

struct Sender {
  unsigned long sent = 0, accepted = 0;
  std::map<int, unsigned long> errors;  // errno -> count
  int setup_error = 0;
};

// The sender's ring is made before the target reads anything: made later, it could take the
// destroyed target's fd number and receive its own messages (docs/msg-ring.md, "Delivery").
void send_all(std::atomic<int>& target_fd, std::atomic<int>& created, std::atomic<bool>& destroyed,
              Sender& me, unsigned long& after) {
  auto made = uring::Ring::create(uring::Params{.entries = 8});
  ++created;
  if (!made) {
    me.setup_error = made.error();
    return;
  }
  uring::Ring& ring = *made;
  while (target_fd.load() == -1) std::this_thread::yield();
  const int target = target_fd.load();
  // Every failure CQE, the overflowed ones too: a flush moves at most a CQ's worth.
  auto collect = [&] {
    unsigned n;
    do {
      ring.get_events();
      n = ring.for_each_cqe([&](const io_uring_cqe& c) { ++me.errors[c.res]; });
    } while (n > 0 || (ring.sq().flags() & IORING_SQ_CQ_OVERFLOW));
  };
  for (unsigned i = 0; after < kAfterDestroy; ++i) {
    // A sender far ahead of a starved target (a busy machine) waits for the destruction rather
    // than pile up more pending messages in the kernel.
    while (i >= kMaxPerSender && !destroyed.load()) {
      ring.submit();
      collect();
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    io_uring_sqe* sqe;
    while (!(sqe = ring.get_sqe())) {
      ring.submit();
      collect();
    }
    uring::prep_msg_ring(*sqe, target, i, i, 0);
    sqe->flags |= IOSQE_CQE_SKIP_SUCCESS;  // only failures post
    sqe->user_data = i;
    ++me.sent;
    if (destroyed.load(std::memory_order_relaxed)) ++after;
    if (i % 8 == 7) ring.submit();
    if (i % 1024 == 1023) std::this_thread::yield();  // 2 cores, 4 threads: let the target read
  }
  ring.submit();
  collect();
  unsigned long failed = 0;
  for (const auto& [err, n] : me.errors) failed += n;
  me.accepted = me.sent - failed;
}

}  // namespace

TEST_CASE("a target destroyed mid-storm: senders get -EBADF, nothing crashes or leaks",
          "[fault][msg_ring]") {
  const test::Mode mode = GENERATE(test::Mode::default_, test::Mode::plain);
  MODE_SCOPE(mode);
  const auto fds_before = test::open_fds();
  std::atomic<int> target_fd{-1};
  std::atomic<bool> destroyed{false};
  unsigned long read_by_target = 0;
  int target_error = 0;
  Sender senders[kSenders];
  unsigned long sent_after_destroy[kSenders] = {};
  {
    test::Threads threads;
    std::atomic<int> ready{0}, created{0};
    for (unsigned i = 0; i < kSenders; ++i)
      threads.start([&, i] {
        send_all(target_fd, created, destroyed, senders[i], sent_after_destroy[i]);
        ++ready;
      });
    threads.start([&] {
      uring::Params p;
      p.entries = 4;
      p.cq_entries = 4;
      auto made = uring::Ring::create(test::params(mode, p));
      if (!made) {
        target_error = made.error();
        target_fd = -2;
        return;  // the senders see -EBADF for fd -2 and stop at their bound
      }
      std::optional<uring::Ring> ring(made.take());
      while (created.load() < static_cast<int>(kSenders)) std::this_thread::yield();
      target_fd = ring->fd();
      while (read_by_target < kReadBeforeDestroy) {
        io_uring_cqe* cqe = nullptr;
        __kernel_timespec ts{1, 0};
        if (ring->wait_cqe(&cqe, &ts) != 0) break;
        read_by_target += ring->for_each_cqe([](const io_uring_cqe&) {});
      }
      ring.reset();  // messages in its CQ, overflow list or deferred work go with it
      destroyed = true;
      // The thread stays until the senders are done: a DEFER_TASKRUN ring's task alive, so the
      // errors seen are the closed fd's, not the dead task's.
      while (ready.load() < static_cast<int>(kSenders)) std::this_thread::yield();
    });
    threads.join();
  }
  INFO("target ring: errno " << -target_error);
  REQUIRE(target_error == 0);
  unsigned long sent = 0, accepted = 0, ebadf = 0, other = 0, after = 0;
  for (unsigned i = 0; i < kSenders; ++i) {
    CHECK(senders[i].setup_error == 0);
    sent += senders[i].sent;
    accepted += senders[i].accepted;
    after += sent_after_destroy[i];
    for (const auto& [err, n] : senders[i].errors) (err == -EBADF ? ebadf : other) += n;
  }
  const unsigned long lost = accepted - std::min(accepted, read_by_target);
  std::printf(
      "TARGET DESTROYED: mode %s: %lu sent, %lu read by the target before it was "
      "destroyed, %lu accepted (res 0) but lost with it, %lu failed -EBADF, %lu other\n",
      test::mode_name(mode), sent, read_by_target, lost, ebadf, other);
  std::fflush(stdout);
  for (unsigned i = 0; i < kSenders; ++i) {
    INFO("sender " << i);
    CHECK(sent_after_destroy[i] == kAfterDestroy);
  }
  CHECK(read_by_target >= kReadBeforeDestroy);
  for (unsigned i = 0; i < kSenders; ++i)
    for (const auto& [err, n] : senders[i].errors)
      if (err != -EBADF) std::printf("  sender %u: res %d x%lu\n", i, err, n);
  CHECK(other == 0);
  CHECK(accepted + ebadf == sent);
  CHECK(accepted >= read_by_target);
  // Sends queued after the ring was gone can only have failed.
  CHECK(ebadf >= after);
  CHECK(test::open_fds() == fds_before);
}
