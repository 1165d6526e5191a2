// The raw system-call layer answers exactly what libc's syscall(2) answers for the same arguments,
// as -errno, and leaves errno alone. Only bad arguments are used, so no ring is ever created.
#include <sys/syscall.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <csignal>

#include "syscalls/syscalls.hpp"

namespace {

// libc's answer in the same -errno form.
long libc(long nr, long a, long b, long c, long d, long e, long f) {
  const long r = ::syscall(nr, a, b, c, d, e, f);
  return r == -1 ? -errno : r;
}

}  // namespace

TEST_CASE("raw io_uring_setup matches libc for bad arguments", "[syscalls]") {
  io_uring_params p{};
  errno = 1234;
  const int zero_entries = uring::sys::io_uring_setup(0, &p);
  CHECK(errno == 1234);
  CHECK(zero_entries == libc(__NR_io_uring_setup, 0, reinterpret_cast<long>(&p), 0, 0, 0, 0));
  CHECK(zero_entries < 0);

  io_uring_params bad_flags{};
  bad_flags.flags = 1U << 31;
  CHECK(uring::sys::io_uring_setup(4, &bad_flags) ==
        libc(__NR_io_uring_setup, 4, reinterpret_cast<long>(&bad_flags), 0, 0, 0, 0));

  // An unreadable params pointer.
  CHECK(uring::sys::io_uring_setup(4, reinterpret_cast<io_uring_params*>(8)) ==
        libc(__NR_io_uring_setup, 4, 8, 0, 0, 0, 0));
}

TEST_CASE("raw io_uring_enter matches libc for a bad fd, in both forms", "[syscalls]") {
  errno = 77;
  const int r = uring::sys::io_uring_enter(-1, 0, 0, 0, nullptr);
  CHECK(errno == 77);
  CHECK(r == -EBADF);
  CHECK(r == libc(__NR_io_uring_enter, -1, 0, 0, 0, 0, _NSIG / 8));

  const int not_ring = uring::sys::io_uring_enter(STDIN_FILENO, 0, 0, 0, nullptr);
  CHECK(not_ring == libc(__NR_io_uring_enter, STDIN_FILENO, 0, 0, 0, 0, _NSIG / 8));

  io_uring_getevents_arg arg{};
  const int ext = uring::sys::io_uring_enter2(-1, 0, 1, IORING_ENTER_EXT_ARG, &arg, sizeof arg);
  CHECK(ext == -EBADF);
  CHECK(ext == libc(__NR_io_uring_enter, -1, 0, 1, IORING_ENTER_EXT_ARG,
                    reinterpret_cast<long>(&arg), sizeof arg));
}

TEST_CASE("raw io_uring_register matches libc for bad fds and opcodes", "[syscalls]") {
  errno = 5;
  const int r = uring::sys::io_uring_register(-1, IORING_REGISTER_PROBE, nullptr, 0);
  CHECK(errno == 5);
  CHECK(r == libc(__NR_io_uring_register, -1, IORING_REGISTER_PROBE, 0, 0, 0, 0));
  CHECK(r < 0);
  const int not_ring =
      uring::sys::io_uring_register(STDIN_FILENO, IORING_REGISTER_PROBE, nullptr, 0);
  CHECK(not_ring == libc(__NR_io_uring_register, STDIN_FILENO, IORING_REGISTER_PROBE, 0, 0, 0, 0));
}
