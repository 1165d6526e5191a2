// Two-thread scaffolding shared by both sides: the calling thread (already pinned by Report) is
// one end, a second thread pinned to `peer_cpu` is the other. No io_uring types here.
#pragma once

#include <sched.h>

#include <atomic>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "harness.hpp"

namespace bench {

// A protocol step failed after both ends were set up: the other end may be blocked in the kernel
// waiting for us, so stop the whole program with the reason instead of hanging until the timeout.
[[noreturn]] inline void die(const char* what, long res) {
  std::fprintf(stderr, "bench: %s failed: %ld (%s)\n", what, res,
               res < 0 ? std::strerror(static_cast<int>(-res)) : "unexpected value");
  std::fflush(stdout);
  std::_Exit(1);
}

inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

// What the peer thread tells the calling thread: its ring fd (or -errno), and how many messages it
// has consumed so far (flow control for the one-way rows).
struct Handoff {
  static constexpr int kUnset = INT_MIN;
  std::atomic<int> fd{kUnset};
  std::atomic<long> consumed{0};

  void publish(int fd_or_error) { fd.store(fd_or_error, std::memory_order_release); }
  // Waits for publish(); yields, since on one core the peer needs this CPU to get there.
  int wait_fd() const {
    int v;
    while ((v = fd.load(std::memory_order_acquire)) == kUnset) sched_yield();
    return v;
  }
  // Spins until the peer has consumed at least n (yielding when both share one core).
  void wait_consumed(long n, bool yield) const {
    while (consumed.load(std::memory_order_acquire) < n) yield ? (void)sched_yield() : cpu_relax();
  }
};

// Runs body() on a thread pinned to peer_cpu; the returned object joins it.
template <class F>
std::thread start_peer(int peer_cpu, F body) {
  return std::thread([peer_cpu, body]() mutable {
    pin(peer_cpu);
    body();
  });
}

// Messages (or fds) in flight before the sender waits for the target: well below every target CQ
// size used here, so no row ever measures the CQ overflow path.
constexpr long kWindow = 256;
constexpr unsigned kBurst = 32;  // SQEs per submit for the one-way rows

}  // namespace bench
