// FILES_UPDATE on a 1,024-slot sparse table (as SQEs and as io_uring_register), and a 1-byte read
// of /dev/zero through a registered slot against through the fd.
#include <cstdio>

#include "harness.hpp"
#include "sides.hpp"

using namespace bench;

int main(int argc, char** argv) {
  Report rep("files", argc, argv);
  char name[128];
  for (unsigned nr : {1u, 64u}) {
    for (unsigned per : {1u, 32u}) {
      std::snprintf(name, sizeof name, "FILES_UPDATE SQE, %2u fd(s), %2u SQEs/submit, flags 0", nr,
                    per);
      compare(
          rep, name, latency("ns/update"),
          [nr, per](const Side& s, long n) { return s.files_update_sqe(nr, per, n); }, 2000);
    }
    std::snprintf(name, sizeof name, "io_uring_register(FILES_UPDATE), %2u fd(s), flags 0", nr);
    compare(
        rep, name, latency("ns/update"),
        [nr](const Side& s, long n) { return s.files_update_register(nr, n); }, 2000);
  }
  for (bool fixed : {true, false})
    for (unsigned batch : {1u, 32u}) {
      std::snprintf(name, sizeof name, "1-byte read of /dev/zero, %s, batch %u, flags 0",
                    fixed ? "registered file" : "normal fd", batch);
      compare(
          rep, name, latency("ns/read"),
          [fixed, batch](const Side& s, long n) { return s.read_one(fixed, batch, n); }, 2000);
    }
  return rep.finish();
}
