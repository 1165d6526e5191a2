// Buffers: a multishot recv through a provided-buffer ring on loopback TCP (buffers recycled per
// second), and 4 KiB reads through registered buffers against plain ones.
#include "harness.hpp"
#include "sides.hpp"

using namespace bench;

int main(int argc, char** argv) {
  Report rep("buffers", argc, argv);
  compare(
      rep, "multishot recv, 64 B buffers via a 512-entry buffer ring, loopback TCP, DEFER_TASKRUN",
      throughput("M buffers/s", 1e6), [](const Side& s, long n) { return s.recv_buf_ring(n); },
      20000);
  for (bool fixed : {true, false})
    compare(
        rep,
        fixed ? "4 KiB READ_FIXED of a cached file, registered buffers, batch 32, flags 0"
              : "4 KiB READ of a cached file, same memory unregistered, batch 32, flags 0",
        latency("ns/read"), [fixed](const Side& s, long n) { return s.read_4k(fixed, n); }, 2000);
  return rep.finish();
}
