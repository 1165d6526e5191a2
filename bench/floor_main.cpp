// The syscall floor: io_uring_enter with nothing to do (through the ring fd and through a
// registered ring fd) beside getppid(), the cheapest system call there is.
#include <sys/syscall.h>
#include <unistd.h>

#include "harness.hpp"
#include "sides.hpp"

using namespace bench;

int main(int argc, char** argv) {
  Report rep("floor", argc, argv);
  rep.reference(
      "getppid() via syscall(2): the cheapest system call", latency("ns/call"),
      [](long n) {
        const long t0 = now_ns();
        for (long i = 0; i < n; ++i) syscall(SYS_getppid);
        return now_ns() - t0;
      },
      100000);
  for (bool registered : {false, true})
    compare(
        rep,
        registered ? "io_uring_enter(GETEVENTS), nothing to do, registered ring fd"
                   : "io_uring_enter(GETEVENTS), nothing to do, plain ring fd",
        latency("ns/enter"),
        [registered](const Side& s, long n) { return s.enter_empty(registered, n); }, 100000);
  return rep.finish();
}
