// tests/fault/deny CALL ERRNO PROGRAM [ARGS...]: runs PROGRAM with one io_uring system call denied
// by seccomp. CALL is setup, enter or register; ERRNO is EPERM, ENOSYS or EACCES (what a seccomp
// profile or kernel.io_uring_disabled answers). Used by tests/fault/denied_test.py to check that
// `uringctl probe` and the kernel suite report the denial instead of a wrong answer.
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include "seccomp.hpp"

int main(int argc, char** argv) {
  fault::Call call;
  int err = 0;
  if (argc >= 3) {
    if (std::strcmp(argv[2], "EPERM") == 0) err = EPERM;
    if (std::strcmp(argv[2], "ENOSYS") == 0) err = ENOSYS;
    if (std::strcmp(argv[2], "EACCES") == 0) err = EACCES;
  }
  if (argc < 4 || !fault::parse_call(argv[1], &call) || err == 0) {
    std::fprintf(stderr,
                 "usage: deny setup|enter|register EPERM|ENOSYS|EACCES PROGRAM [ARGS...]\n");
    return 2;
  }
  if (const int r = fault::deny(call, err); r < 0) {
    std::fprintf(stderr, "deny: seccomp: %s\n", std::strerror(-r));
    return 2;
  }
  ::execvp(argv[3], argv + 3);
  std::fprintf(stderr, "deny: exec %s: %s\n", argv[3], std::strerror(errno));
  return 127;
}
