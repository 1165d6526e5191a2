// A program as a consumer of rawuring writes it: one NOP through the ring and back. Built by
// tests/consumers/run against rawuring as a Meson subproject, as an installed copy found with
// pkg-config, and through CMake's find_package; the build sets no -std itself, so it works only if
// the route carries C++20. Exit 0 when the CQE came back with our user_data and res 0, 77 where
// io_uring is unavailable, 1 otherwise.
#include <rawuring/uring/uring.hpp>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>

int main() {
  auto ring = uring::Ring::create();
  if (!ring) {
    if (ring.error() == -ENOSYS || ring.error() == -EPERM) {
      std::printf("SKIP: io_uring unavailable: io_uring_setup: %s\n", std::strerror(-ring.error()));
      return 77;
    }
    std::printf("FAIL: Ring::create: %s\n", std::strerror(-ring.error()));
    return 1;
  }
  io_uring_sqe* sqe = ring->get_sqe();
  if (!sqe) {
    std::printf("FAIL: get_sqe on a new ring gave nullptr\n");
    return 1;
  }
  constexpr std::uint64_t kTag = 0x636f6e73756d6572;  // "consumer"
  uring::prep_nop(*sqe);
  sqe->user_data = kTag;
  const int submitted = ring->submit_and_wait(1);
  if (submitted != 1) {
    std::printf("FAIL: submit_and_wait(1) returned %d, expected 1\n", submitted);
    return 1;
  }
  unsigned seen = 0;
  std::uint64_t user_data = 0;
  int res = -1;
  ring->for_each_cqe([&](const io_uring_cqe& cqe) {
    ++seen;
    user_data = cqe.user_data;
    res = cqe.res;
  });
  if (seen != 1 || user_data != kTag || res != 0) {
    std::printf("FAIL: %u CQE(s), last user_data=0x%llx res=%d; expected 1 with 0x%llx res=0\n",
                seen, static_cast<unsigned long long>(user_data), res,
                static_cast<unsigned long long>(kTag));
    return 1;
  }
  std::printf("NOP round trip: user_data=0x%llx res=%d\n",
              static_cast<unsigned long long>(user_data), res);
  return 0;
}
