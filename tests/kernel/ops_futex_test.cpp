// Futexes and waitid on the running kernel (6.7), in every ring mode: a wait that does not
// sleep (-EAGAIN), a wait woken by a wake (res 0 and 1), waitv's index, and waitid on a child.
#include <linux/futex.h>
#include <sys/wait.h>
#include <unistd.h>

#include <climits>

#include "ops_helpers.hpp"

namespace {

constexpr std::uint32_t kFlags = FUTEX2_SIZE_U32 | FUTEX2_PRIVATE;
constexpr std::uint64_t kAnyBit = FUTEX_BITSET_MATCH_ANY;

}  // namespace

TEST_CASE("futex_wait / futex_wake", "[ops][futex]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto ring = test::make_ring(mode, 8);
  if (!ops::has(ring, IORING_OP_FUTEX_WAIT, "IORING_OP_FUTEX_WAIT", "6.7")) return;
  alignas(4) static std::uint32_t word;
  word = 0;
  // The word is not 1: no sleep.
  CHECK(ops::run(ring, [](io_uring_sqe& s) {
          uring::prep_futex_wait(s, &word, 1, kAnyBit, kFlags, 0);
        }) == -EAGAIN);
  ops::queue(ring, 0xf1,
             [](io_uring_sqe& s) { uring::prep_futex_wait(s, &word, 0, kAnyBit, kFlags, 0); });
  ops::submit(ring, 1);
  ops::none_ready(ring);
  ops::queue(ring, 0xf2, [](io_uring_sqe& s) {
    uring::prep_futex_wake(s, &word, INT_MAX, kAnyBit, kFlags, 0);
  });
  ops::submit(ring, 1);
  const auto cqes = ops::wait_n(ring, 2);
  CHECK(ops::by_data(cqes, 0xf1).res == 0);
  CHECK(ops::by_data(cqes, 0xf2).res == 1);  // one waiter woken
  // Nobody waits any more.
  CHECK(ops::run(ring, [](io_uring_sqe& s) {
          uring::prep_futex_wake(s, &word, INT_MAX, kAnyBit, kFlags, 0);
        }) == 0);
}

TEST_CASE("futex_waitv: res is the index of the futex woken", "[ops][futex]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto ring = test::make_ring(mode, 8);
  if (!ops::has(ring, IORING_OP_FUTEX_WAITV, "IORING_OP_FUTEX_WAITV", "6.7")) return;
  alignas(4) static std::uint32_t words[2];
  words[0] = words[1] = 0;
  futex_waitv v[2]{};
  for (int i = 0; i < 2; ++i) {
    v[i].val = 0;
    v[i].uaddr = reinterpret_cast<std::uintptr_t>(&words[i]);
    v[i].flags = kFlags;
  }
  ops::queue(ring, 0xa1, [&](io_uring_sqe& s) { uring::prep_futex_waitv(s, v, 2, 0); });
  ops::submit(ring, 1);
  ops::none_ready(ring);
  ops::queue(ring, 0xa2,
             [](io_uring_sqe& s) { uring::prep_futex_wake(s, &words[1], 1, kAnyBit, kFlags, 0); });
  ops::submit(ring, 1);
  const auto cqes = ops::wait_n(ring, 2);
  CHECK(ops::by_data(cqes, 0xa1).res == 1);
  CHECK(ops::by_data(cqes, 0xa2).res == 1);
}

TEST_CASE("waitid on a child: its pid and exit status", "[ops][futex][waitid]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto ring = test::make_ring(mode, 8);
  if (!ops::has(ring, IORING_OP_WAITID, "IORING_OP_WAITID", "6.7")) return;
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) ::_exit(7);
  siginfo_t info{};
  const int res = ops::run(ring, [&](io_uring_sqe& s) {
    uring::prep_waitid(s, P_PID, static_cast<id_t>(pid), &info, WEXITED, 0);
  });
  CHECK(res == 0);
  CHECK(info.si_pid == pid);
  CHECK(info.si_code == CLD_EXITED);
  CHECK(info.si_status == 7);
  // Reaped: nothing left to wait for.
  CHECK(ops::run(ring, [&](io_uring_sqe& s) {
          uring::prep_waitid(s, P_PID, static_cast<id_t>(pid), &info, WEXITED, 0);
        }) == -ECHILD);
}
