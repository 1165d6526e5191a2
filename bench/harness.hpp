// The measuring half of every benchmark program: CPU pinning, interleaved A/B pairs, the median of
// per-pair ratios, the terminal table, and results.json / results.md in the build directory.
//
// Method (docs/performance.md): one process runs both libraries. Per row: a calibration run sizes
// the work so one run takes about 12 ms, one warm-up run per library is thrown away, then `pairs`
// A/B pairs. A pair is three runs of each library, interleaved with the first library alternating,
// and keeps each library's fastest run. Each pair gives one ratio rawuring/liburing of the row's
// metric; the row reports the median of each library's pair values, the median ratio, and the
// interquartile range (shown) and min..max (in results.json) of the ratios. Pairing cancels slow
// drifts (frequency, a neighbour's compile job), alternation cancels order effects, best-of-three
// drops preemptions, the median drops outliers.
#pragma once

#include <cmath>
#include <functional>
#include <string>
#include <vector>

namespace bench {

// Nanoseconds on CLOCK_MONOTONIC.
long now_ns() noexcept;
// The i-th CPU this process may run on (wrapping when there are fewer).
int cpu(int i) noexcept;
// Number of CPUs this process may run on.
int cpu_count() noexcept;
// Pins the calling thread to one CPU; false when the kernel refused.
bool pin(int cpu) noexcept;

enum class Better { lower, higher };

// How a sample (elapsed ns for n units) becomes the row's value.
struct Metric {
  const char* unit;  // "ns/NOP", "M msg/s", ...
  Better better;
  double scale = 1;  // throughput: units per second / scale
  double per = 1;    // units per n (a NOP row's n counts batches of `per` NOPs)
  double value(long elapsed_ns, long n) const {
    const double units = double(n) * per;
    return better == Better::lower ? double(elapsed_ns) / units
                                   : units * 1e9 / double(elapsed_ns) / scale;
  }
};

inline Metric latency(const char* unit, double per = 1) { return {unit, Better::lower, 1, per}; }
inline Metric throughput(const char* unit, double scale) { return {unit, Better::higher, scale}; }

// One line of the table and of results.json.
struct Row {
  std::string family, scenario, unit;
  Better better = Better::lower;
  double rawuring = NAN, liburing = NAN, ratio = NAN, ratio_min = NAN, ratio_max = NAN;
  double ratio_q1 = NAN, ratio_q3 = NAN;  // quartiles of the per-pair ratios: the spread shown
  double reference = NAN;                 // a reference row (no library in it): its value
  double goal = NAN;  // the ratio the issue asks for (<= for lower, >= for higher)
  std::string note;   // why a value is missing
  std::string peer;   // what the liburing column holds when it is not liburing ("epoll": handoff)
};

// A timed operation: elapsed ns for n units, or -errno.
using Op = std::function<long(long n)>;

class Report {
 public:
  // argv[1]: the output directory (build/bench). Options: --pairs N, --sample-ms N.
  Report(std::string family, int argc, char** argv);

  // rawuring against liburing (peer may be empty: rawuring alone). goal: see Row::goal.
  // first_n: the work for the calibration run. Returns the row (also recorded).
  const Row& compare(const std::string& scenario, Metric m, const Op& raw, const Op& peer,
                     long first_n, double goal = 1.0);
  // A row with no library in it (getppid, eventfd, futex): the floor the others are read against.
  const Row& reference(const std::string& scenario, Metric m, const Op& op, long first_n);
  // A row whose values were computed elsewhere (the callgrind counts).
  const Row& add(Row row);

  bool have_peer() const { return have_peer_; }
  const std::string& outdir() const { return outdir_; }
  int pairs() const { return pairs_; }

  // Writes results-<family>.tsv, then rebuilds results.json and results.md from every family's
  // file. Returns the program's exit code: 0, or 1 when a row could not be measured.
  int finish();

 private:
  long calibrate(const Op& op, long first_n, std::string* error);

  std::string family_, outdir_;
  int pairs_ = 11;
  long sample_ns_ = 12'000'000;  // one run; a pair is 3 runs of each library
  bool have_peer_ = false;
  bool failed_ = false;
  std::vector<Row> rows_;
};

// Prints a table header and rows (used per program and by bench_report for the whole run).
void print_header();
void print_row(const Row& r);
// Reads every results-<family>.tsv in dir, in run order; writes results.json and results.md.
std::vector<Row> merge_results(const std::string& dir);

// "Invalid argument (EINVAL)" for a negative errno.
std::string errno_text(long negative_errno);

}  // namespace bench
