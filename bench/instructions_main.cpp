// User-space instructions per NOP round trip, counted by callgrind: exact and repeatable on a
// noisy machine, unlike time.
//
// Method: bench_nop --count runs the NOP loop (rawuring_nop_loop / liburing_nop_loop: get_sqe,
// prep, user_data, submit_and_wait, reap, advance) R times. callgrind's --toggle-collect counts
// only instructions executed while that function is on the stack (its callees included: the
// library's submit and the syscall wrapper; the kernel's own work is invisible to valgrind). Two
// runs with R1 and R2 rounds are subtracted, so the loop's entry and exit cancel out:
// instructions per NOP = (I(R2) - I(R1)) / ((R2 - R1) * batch).
//
// Usage: bench_instructions OUTDIR VALGRIND BENCH_NOP [--pairs N]
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "harness.hpp"
#include "sides.hpp"

using namespace bench;

namespace {

constexpr long kRounds1 = 200, kRounds2 = 1200;

// callgrind's "Collected : N" for one run, or -1 with the reason in *error.
long collected(const std::string& valgrind, const std::string& nop, const char* side,
               const char* setup, unsigned batch, long rounds, std::string* error) {
  const std::string cmd =
      "'" + valgrind +
      "' --tool=callgrind --callgrind-out-file=/dev/null --toggle-collect=" + side + "_nop_loop '" +
      nop + "' --count " + side + " " + setup + " " + std::to_string(batch) + " " +
      std::to_string(rounds) + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return *error = "popen failed", -1;
  long n = -1;
  std::string out;
  char line[512];
  while (fgets(line, sizeof line, p)) {
    out += line;
    const char* at = strstr(line, "Collected :");
    if (at) n = std::atol(at + 11);
  }
  const int status = pclose(p);
  if (n < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    *error = "valgrind run failed: " + cmd + "\n" + out;
    return -1;
  }
  return n;
}

double per_nop(const std::string& vg, const std::string& nop, const char* side, const char* setup,
               unsigned batch, std::string* error) {
  const long a = collected(vg, nop, side, setup, batch, kRounds1, error);
  const long b = a < 0 ? -1 : collected(vg, nop, side, setup, batch, kRounds2, error);
  if (b < 0) return NAN;
  return double(b - a) / double((kRounds2 - kRounds1) * batch);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s OUTDIR VALGRIND BENCH_NOP\n", argv[0]);
    return 2;
  }
  const std::string vg = argv[2], nop = argv[3];
  char* rep_argv[] = {argv[0], argv[1], nullptr};
  Report rep("instructions", 2, rep_argv);
  if (vg.empty() || vg == "none") {
    std::printf("note: valgrind not found at configure time: instruction counts skipped\n");
    return rep.finish();
  }
  int failed = 0;
  struct {
    const char *key, *label;
  } setups[] = {{"plain", "plain (flags 0 both)"},
                {"fastest", "fastest each (rawuring adds NO_SQARRAY)"}};
  for (auto s : setups)
    for (unsigned batch : {1u, 32u}) {
      Row r;
      r.scenario =
          "user instructions/NOP (callgrind), batch " + std::to_string(batch) + ", " + s.label;
      r.unit = "instr/NOP";
      r.better = Better::lower;
      std::string error;
      r.rawuring = per_nop(vg, nop, "rawuring", s.key, batch, &error);
      if (rep.have_peer() && error.empty())
        r.liburing = per_nop(vg, nop, "liburing", s.key, batch, &error);
      if (!error.empty()) {
        std::fprintf(stderr, "%s\n", error.c_str());
        r.note = "not measured: valgrind failed (see log)";
        ++failed;
      } else if (rep.have_peer()) {
        r.ratio = r.rawuring / r.liburing;
        r.goal = 0.6;
      }
      rep.add(r);
    }
  const int ret = rep.finish();
  return failed ? 1 : ret;
}
