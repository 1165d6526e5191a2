// Entry point of the `kernel` suite: every test here talks to the real kernel. Where io_uring
// cannot be had (ENOSYS: not built in; EPERM: kernel.io_uring_disabled or a seccomp profile, as in
// a default container) the whole executable reports SKIP (exit 77, Meson's skip code) with the
// reason instead of passing without having tested anything.
#define CATCH_CONFIG_RUNNER
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstring>

#include "syscalls/syscalls.hpp"

int main(int argc, char** argv) {
  io_uring_params p{};
  const int fd = uring::sys::io_uring_setup(1, &p);
  if (fd < 0) {
    std::printf("SKIP: io_uring unavailable: io_uring_setup answered %s (%s)\n", std::strerror(-fd),
                fd == -ENOSYS  ? "kernel built without io_uring"
                : fd == -EPERM ? "disabled by kernel.io_uring_disabled or a seccomp filter"
                               : "unexpected");
    return 77;
  }
  ::close(fd);
  return Catch::Session().run(argc, argv);
}
