// Running a test body in a forked child, for faults that cannot be undone in the test process
// (seccomp filters, lowered rlimits). The body runs without Catch (the child is a copy of the
// process): it returns numbers, the parent asserts on them.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <vector>

namespace fault {

// Forks, runs body() -> std::vector<long> in the child, returns it to the parent. The child must
// exit normally: a crash fails the test.
template <class F>
std::vector<long> in_child(F body) {
  int p[2];
  REQUIRE(::pipe(p) == 0);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(p[0]);
    const std::vector<long> out = body();
    const ssize_t n = ::write(p[1], out.data(), out.size() * sizeof(long));
    ::_exit(n == static_cast<ssize_t>(out.size() * sizeof(long)) ? 0 : 1);
  }
  ::close(p[1]);
  std::vector<long> out;
  long v;
  while (::read(p[0], &v, sizeof v) == static_cast<ssize_t>(sizeof v)) out.push_back(v);
  ::close(p[0]);
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  INFO("child status " << status);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  return out;
}

}  // namespace fault
