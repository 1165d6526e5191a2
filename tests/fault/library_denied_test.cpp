// The library where seccomp denies one io_uring system call (in a forked child): every entry point
// returns that call's errno unchanged, never a made-up one (-EOPNOTSUPP from the MSG_RING layer
// was the bug), and a support probe that failed for a lasting reason is not tried again on every
// call, while one that failed for a passing reason (-ENOMEM, -EINTR, ...) is.
#include <signal.h>
#include <ucontext.h>

#include <atomic>
#include <catch2/catch.hpp>

#include "child.hpp"
#include "seccomp.hpp"
#include "support/helpers.hpp"

namespace {

long ring_error(const uring::Result<uring::Ring>& r) { return r ? 0 : r.error(); }

// A NOP through the ring: submit_and_wait's answer.
long nop(uring::Ring& ring) {
  uring::prep_nop(*ring.get_sqe());
  return ring.submit_and_wait(1);
}

// SECCOMP_RET_TRAP turns the call into SIGSYS; the handler counts it and makes the call return
// -g_trap_errno, as a RET_ERRNO filter would.
std::atomic<long> g_trapped{0};
int g_trap_errno = 0;

void on_sigsys(int, siginfo_t*, void* context) {
  g_trapped.fetch_add(1, std::memory_order_relaxed);
  auto* uc = static_cast<ucontext_t*>(context);
#if defined(__x86_64__)
  uc->uc_mcontext.gregs[REG_RAX] = -g_trap_errno;
#elif defined(__aarch64__)
  uc->uc_mcontext.regs[0] = static_cast<unsigned long>(-g_trap_errno);
#endif
}

bool trap_setup(int err) {
  g_trap_errno = err;
  struct sigaction sa {};
  sa.sa_sigaction = on_sigsys;
  sa.sa_flags = SA_SIGINFO;
  return ::sigaction(SIGSYS, &sa, nullptr) == 0 &&
         fault::install(__NR_io_uring_setup, SECCOMP_RET_TRAP) == 0;
}

}  // namespace

TEST_CASE("io_uring_setup denied: Ring::create and the MSG_RING layer give its errno", "[fault]") {
  const int err = GENERATE(EPERM, ENOSYS);
  INFO("denied with " << err);
  const auto got = fault::in_child([err] {
    if (fault::deny(fault::Call::setup, err) != 0) return std::vector<long>{};
    auto ring = uring::Ring::create();
    const auto support = uring::msg_ring_support();
    return std::vector<long>{
        ring_error(ring), support ? 0 : support.error(), uring::send_message_sync(0, 1, 2),
        uring::send_message_sync_with_flags(0, 1, 2, 0), uring::sync_message_supported()};
  });
  CHECK(got == std::vector<long>{-err, -err, -err, -err, 0});
}

TEST_CASE("io_uring_enter denied: the ring is made, every submit gives the errno", "[fault]") {
  const int err = GENERATE(EPERM, ENOSYS);
  INFO("denied with " << err);
  const auto got = fault::in_child([err] {
    if (fault::deny(fault::Call::enter, err) != 0) return std::vector<long>{};
    auto ring = uring::Ring::create();
    if (!ring) return std::vector<long>{ring.error()};
    io_uring_cqe* cqe = nullptr;
    const auto support = uring::msg_ring_support();
    return std::vector<long>{0,
                             nop(*ring),
                             ring->get_events(),
                             ring->wait_cqe(&cqe),
                             support ? 0 : support.error(),
                             uring::send_message_sync(ring->fd(), 1, 2)};
  });
  CHECK(got == std::vector<long>{0, -err, -err, -err, -err, -err});
}

TEST_CASE(
    "io_uring_register denied: the ring falls back to its plain fd, registering gives the "
    "errno",
    "[fault]") {
  const int err = GENERATE(EPERM, ENOSYS);
  INFO("denied with " << err);
  const auto got = fault::in_child([err] {
    if (fault::deny(fault::Call::register_, err) != 0) return std::vector<long>{};
    auto ring = uring::Ring::create();
    if (!ring) return std::vector<long>{ring.error()};
    const auto probe = uring::probe(*ring);
    const int fds[] = {0};
    const auto support = uring::msg_ring_support();
    return std::vector<long>{0,
                             ring->registered_index(),
                             nop(*ring),
                             probe ? 0 : probe.error(),
                             uring::register_files(*ring, fds),
                             support ? 0 : support.error(),
                             uring::send_message_sync(ring->fd(), 1, 2)};
  });
  CHECK(got == std::vector<long>{0, -1, 1, -err, -err, -err, -err});
}

TEST_CASE("a support probe denied for good is made once; a passing failure is retried", "[fault]") {
  // EPERM / ENOSYS / EACCES last as long as the process; ENOMEM / EAGAIN / EINTR may not.
  const int err = GENERATE(EPERM, ENOSYS, EACCES, ENOMEM, EAGAIN, EINTR);
  const bool lasting = err == EPERM || err == ENOSYS || err == EACCES;
  INFO("setup trapped with " << err);
  const auto got = fault::in_child([err] {
    if (!trap_setup(err)) return std::vector<long>{};
    long answers = 0;
    for (int i = 0; i < 3; ++i) {
      const auto s = uring::msg_ring_support();
      answers += (s ? 0 : s.error()) == -err;
      answers += uring::send_message_sync(0, 1, 2) == -err;
    }
    return std::vector<long>{answers, g_trapped.load()};
  });
  REQUIRE(got.size() == 2);
  CHECK(got[0] == 6);                  // every call gave the errno itself
  CHECK(got[1] == (lasting ? 1 : 6));  // io_uring_setup attempts
}
