// MSG_RING between two threads with rings of their own: DATA ping-pong latency (busy-polling,
// blocking across cores, blocking on one core) beside eventfd and futex ping-pong, one-way DATA
// throughput, and SEND_FD with IORING_FILE_INDEX_ALLOC throughput, into plain and DEFER_TASKRUN
// targets.
#include <linux/futex.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>

#include "peer.hpp"
#include "sides.hpp"

using namespace bench;

namespace {

// Two eventfds: A writes B's and reads its own, B the other way round. Blocking reads.
long eventfd_ping_pong(bool one_core, long rounds) {
  const int to_a = eventfd(0, EFD_CLOEXEC), to_b = eventfd(0, EFD_CLOEXEC);
  if (to_a < 0 || to_b < 0) return -errno;
  std::thread peer = start_peer(one_core ? cpu(0) : cpu(1), [&] {
    std::uint64_t v = 1;
    for (long r = 0; r < rounds; ++r) {
      if (read(to_b, &v, sizeof v) != sizeof v) die("eventfd read", -errno);
      if (write(to_a, &v, sizeof v) != sizeof v) die("eventfd write", -errno);
    }
  });
  const long t0 = now_ns();
  std::uint64_t v = 1;
  for (long r = 0; r < rounds; ++r) {
    if (write(to_b, &v, sizeof v) != sizeof v) die("eventfd write", -errno);
    if (read(to_a, &v, sizeof v) != sizeof v) die("eventfd read", -errno);
  }
  const long elapsed = now_ns() - t0;
  peer.join();
  close(to_a), close(to_b);
  return elapsed;
}

long futex(std::atomic<std::uint32_t>* word, int op, std::uint32_t val) {
  return syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(word), op | FUTEX_PRIVATE_FLAG, val,
                 nullptr, nullptr, 0);
}

// One futex word: 1 = B's turn, 0 = A's turn. Each side flips it, wakes the other, and sleeps
// while it is still the other's turn (the kernel re-checks the word, so no wake-up is lost).
long futex_ping_pong(bool one_core, long rounds) {
  std::atomic<std::uint32_t> turn{0};
  std::thread peer = start_peer(one_core ? cpu(0) : cpu(1), [&] {
    for (long r = 0; r < rounds; ++r) {
      while (turn.load(std::memory_order_acquire) == 0) futex(&turn, FUTEX_WAIT, 0);
      turn.store(0, std::memory_order_release);
      futex(&turn, FUTEX_WAKE, 1);
    }
  });
  const long t0 = now_ns();
  for (long r = 0; r < rounds; ++r) {
    turn.store(1, std::memory_order_release);
    futex(&turn, FUTEX_WAKE, 1);
    while (turn.load(std::memory_order_acquire) == 1) futex(&turn, FUTEX_WAIT, 1);
  }
  const long elapsed = now_ns() - t0;
  peer.join();
  return elapsed;
}

}  // namespace

int main(int argc, char** argv) {
  Report rep("msg_ring", argc, argv);
  const Metric rtt = latency("ns/round trip");
  const bool two = cpu_count() >= 2;
  if (two)
    compare(
        rep, "MSG_RING DATA ping-pong, busy-polling, 2 cores (flags 0 rings)", rtt,
        [](const Side& s, long n) { return s.ping_pong(Ping::busy_cross, n); }, 2000);
  else
    std::printf("note: one CPU: busy-polling ping-pong skipped\n");
  compare(
      rep, "MSG_RING DATA ping-pong, blocking, 2 cores (flags 0 rings)", rtt,
      [](const Side& s, long n) { return s.ping_pong(Ping::block_cross, n); }, 2000);
  compare(
      rep, "MSG_RING DATA ping-pong, blocking, 1 core (flags 0 rings)", rtt,
      [](const Side& s, long n) { return s.ping_pong(Ping::block_one_core, n); }, 2000);
  for (bool one_core : {false, true}) {
    rep.reference(
        one_core ? "eventfd ping-pong, blocking, 1 core" : "eventfd ping-pong, blocking, 2 cores",
        rtt, [one_core](long n) { return eventfd_ping_pong(one_core, n); }, 2000);
    rep.reference(
        one_core ? "futex ping-pong, blocking, 1 core" : "futex ping-pong, blocking, 2 cores", rtt,
        [one_core](long n) { return futex_ping_pong(one_core, n); }, 2000);
  }
  for (bool defer : {false, true})
    compare(
        rep,
        defer ? "MSG_RING DATA one-way, 32/submit, into DEFER_TASKRUN target"
              : "MSG_RING DATA one-way, 32/submit, into flags 0 target",
        throughput("M msg/s", 1e6), [defer](const Side& s, long n) { return s.one_way(defer, n); },
        20000);
  for (bool defer : {false, true})
    compare(
        rep,
        defer ? "MSG_RING SEND_FD, FILE_INDEX_ALLOC, into DEFER_TASKRUN target"
              : "MSG_RING SEND_FD, FILE_INDEX_ALLOC, into flags 0 target",
        throughput("M fds/s", 1e6), [defer](const Side& s, long n) { return s.send_fd(defer, n); },
        10000);
  return rep.finish();
}
