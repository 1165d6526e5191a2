#include "harness.hpp"

#include <sched.h>
#include <sys/utsname.h>
#include <time.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "sides.hpp"

namespace bench {

const Side* peer_side() {
#ifdef BENCH_HAVE_LIBURING
  return &liburing_side;
#else
  return nullptr;
#endif
}

long now_ns() noexcept {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1'000'000'000L + ts.tv_nsec;
}

namespace {

// The CPUs the process was allowed at start, captured before the main thread pins itself.
std::vector<int>& allowed() {
  static std::vector<int> cpus = [] {
    std::vector<int> v;
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0)
      for (int c = 0; c < CPU_SETSIZE; ++c)
        if (CPU_ISSET(c, &set)) v.push_back(c);
    if (v.empty()) v.push_back(0);
    return v;
  }();
  return cpus;
}

// The q-quantile (0..1) with linear interpolation between the closest ranks.
double quantile(std::vector<double> v, double q) {
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  const double at = q * double(v.size() - 1);
  const size_t lo = static_cast<size_t>(at);
  const size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (v[hi] - v[lo]) * (at - double(lo));
}

double median(const std::vector<double>& v) { return quantile(v, 0.5); }

// Runs per library per pair; the pair keeps each library's fastest.
constexpr int kRuns = 3;

const char* better_name(Better b) { return b == Better::lower ? "lower" : "higher"; }

// The run order of the families, which is also the order of the merged table.
constexpr const char* kFamilies[] = {"floor", "nop",     "instructions", "msg_ring",
                                     "files", "buffers", "handoff"};

std::string num(double v, const char* fmt = "%.4g") {
  if (std::isnan(v)) return "-";
  char b[64];
  std::snprintf(b, sizeof b, fmt, v);
  return b;
}

std::string json_num(double v) { return std::isnan(v) ? "null" : num(v, "%.6g"); }

std::string json_str(const std::string& s) {
  std::string o = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') o += '\\';
    o += c;
  }
  return o + "\"";
}

// Against the row's goal: "yes"/"no" when the middle half of the pairs' ratios is on one side of
// it, "noise" (with the median's side) when the quartiles straddle it; "" without a goal.
std::string goal_text(const Row& r) {
  if (std::isnan(r.goal) || std::isnan(r.ratio)) return "";
  const auto met = [&](double v) { return r.better == Better::lower ? v <= r.goal : v >= r.goal; };
  const std::string bound =
      std::string(r.better == Better::lower ? " (<=" : " (>=") + num(r.goal, "%.2g") + ")";
  if (std::isnan(r.ratio_q1) || met(r.ratio_q1) == met(r.ratio_q3))
    return (met(r.ratio) ? "yes" : "no") + bound;
  return (met(r.ratio) ? "noise, median yes" : "noise, median no") + bound;
}

// Markdown table cells cannot hold a bare '|'.
std::string md_cell(const std::string& s) {
  std::string o;
  for (char c : s) o += c == '|' ? std::string("\\|") : std::string(1, c);
  return o;
}

std::string spread_text(const Row& r) {
  if (std::isnan(r.ratio_q1)) return "";
  return num(r.ratio_q1, "%.3f") + ".." + num(r.ratio_q3, "%.3f");
}

std::string machine_text() {
  std::string model = "unknown CPU";
  std::ifstream cpuinfo("/proc/cpuinfo");
  for (std::string line; std::getline(cpuinfo, line);)
    if (line.rfind("model name", 0) == 0) {
      model = line.substr(line.find(':') + 2);
      break;
    }
  utsname u{};
  uname(&u);
  std::ostringstream o;
  o << model << ", " << allowed().size() << " CPUs usable, kernel " << u.release << " ("
    << u.machine << ")";
#ifdef BENCH_LIBURING_VERSION
  o << ", liburing " << BENCH_LIBURING_VERSION;
#else
  o << ", liburing not found";
#endif
  return o.str();
}

void write_outputs(const std::string& dir, const std::vector<Row>& rows) {
  std::ofstream js(dir + "/results.json");
  js << "[\n";
  for (size_t i = 0; i < rows.size(); ++i) {
    const Row& r = rows[i];
    js << "  {\"family\": " << json_str(r.family) << ", \"scenario\": " << json_str(r.scenario)
       << ", \"unit\": " << json_str(r.unit) << ", \"rawuring\": " << json_num(r.rawuring)
       << ", \"liburing\": " << json_num(r.liburing) << ", \"ratio\": " << json_num(r.ratio)
       << ", \"ratio_min\": " << json_num(r.ratio_min)
       << ", \"ratio_max\": " << json_num(r.ratio_max) << ", \"ratio_q1\": " << json_num(r.ratio_q1)
       << ", \"ratio_q3\": " << json_num(r.ratio_q3) << ", \"better\": \"" << better_name(r.better)
       << "\"";
    if (!std::isnan(r.reference)) js << ", \"reference\": " << json_num(r.reference);
    if (!std::isnan(r.goal)) js << ", \"goal\": " << json_num(r.goal);
    if (!r.note.empty()) js << ", \"note\": " << json_str(r.note);
    if (!r.peer.empty()) js << ", \"peer\": " << json_str(r.peer);
    js << "}" << (i + 1 < rows.size() ? "," : "") << "\n";
  }
  js << "]\n";

  std::ofstream md(dir + "/results.md");
  time_t t = time(nullptr);
  char when[64];
  strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", gmtime(&t));
  md << "Measured " << when << " on " << machine_text() << ".\n\n";
  md << "| scenario | unit | rawuring | liburing | ratio | spread (IQR of ratios) | goal met |\n";
  md << "| --- | --- | ---: | ---: | ---: | --- | --- |\n";
  for (const Row& r : rows) {
    const bool ref = !std::isnan(r.reference);
    md << "| " << md_cell(r.scenario) << " | " << r.unit << " | "
       << (ref ? "reference: " + num(r.reference) : num(r.rawuring)) << " | " << num(r.liburing)
       << " | " << num(r.ratio, "%.3f") << " | " << spread_text(r) << " | " << goal_text(r)
       << (r.note.empty() ? "" : " " + r.note) << " |\n";
  }
}

// The fragment format: one row per line, tab-separated, in Row's field order.
void write_tsv(const std::string& path, const std::vector<Row>& rows) {
  std::ofstream f(path);
  for (const Row& r : rows)
    f << r.family << '\t' << r.scenario << '\t' << r.unit << '\t' << better_name(r.better) << '\t'
      << json_num(r.rawuring) << '\t' << json_num(r.liburing) << '\t' << json_num(r.ratio) << '\t'
      << json_num(r.ratio_min) << '\t' << json_num(r.ratio_max) << '\t' << json_num(r.reference)
      << '\t' << json_num(r.goal) << '\t' << json_num(r.ratio_q1) << '\t' << json_num(r.ratio_q3)
      << '\t' << r.note << '\t' << r.peer << '\n';
}

double parse_num(const std::string& s) {
  return s == "null" ? NAN : std::strtod(s.c_str(), nullptr);
}

std::vector<Row> read_tsv(const std::string& path) {
  std::vector<Row> rows;
  std::ifstream f(path);
  for (std::string line; std::getline(f, line);) {
    std::vector<std::string> c;
    std::stringstream ss(line);
    for (std::string cell; std::getline(ss, cell, '\t');) c.push_back(cell);
    if (c.size() < 13) continue;
    c.resize(15);
    Row r;
    r.family = c[0], r.scenario = c[1], r.unit = c[2];
    r.better = c[3] == "higher" ? Better::higher : Better::lower;
    r.rawuring = parse_num(c[4]), r.liburing = parse_num(c[5]), r.ratio = parse_num(c[6]);
    r.ratio_min = parse_num(c[7]), r.ratio_max = parse_num(c[8]);
    r.reference = parse_num(c[9]), r.goal = parse_num(c[10]);
    r.ratio_q1 = parse_num(c[11]), r.ratio_q3 = parse_num(c[12]), r.note = c[13];
    r.peer = c[14];
    rows.push_back(r);
  }
  return rows;
}

}  // namespace

int cpu(int i) noexcept { return allowed()[static_cast<size_t>(i) % allowed().size()]; }
int cpu_count() noexcept { return static_cast<int>(allowed().size()); }

bool pin(int c) noexcept {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(c, &set);
  return sched_setaffinity(0, sizeof set, &set) == 0;
}

std::string errno_text(long e) {
  return std::string(std::strerror(static_cast<int>(-e))) + " (errno " + std::to_string(-e) + ")";
}

void print_header() {
  std::printf("%-66s %10s %10s %7s %13s  %-13s %s\n", "scenario", "rawuring", "liburing", "ratio",
              "IQR", "unit", "goal");
}

void print_row(const Row& r) {
  const bool ref = !std::isnan(r.reference);
  std::printf("%-66s %10s %10s %7s %13s  %-13s %s%s\n", r.scenario.c_str(),
              (ref ? "ref " + num(r.reference) : num(r.rawuring)).c_str(), num(r.liburing).c_str(),
              num(r.ratio, "%.3f").c_str(), spread_text(r).c_str(), r.unit.c_str(),
              goal_text(r).c_str(), r.note.empty() ? "" : ("  " + r.note).c_str());
  std::fflush(stdout);
}

std::vector<Row> merge_results(const std::string& dir) {
  std::vector<Row> all;
  for (const char* f : kFamilies) {
    auto rows = read_tsv(dir + "/results-" + f + ".tsv");
    all.insert(all.end(), rows.begin(), rows.end());
  }
  write_outputs(dir, all);
  return all;
}

Report::Report(std::string family, int argc, char** argv) : family_(std::move(family)) {
  outdir_ = argc > 1 ? argv[1] : ".";
  for (int i = 2; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--pairs")) pairs_ = std::max(7, std::atoi(argv[i + 1]));
    if (!std::strcmp(argv[i], "--sample-ms")) sample_ns_ = std::atol(argv[i + 1]) * 1'000'000L;
  }
  // A run that dies half-way must not leave the previous run's rows behind in results.json.
  std::remove((outdir_ + "/results-" + family_ + ".tsv").c_str());
  have_peer_ = peer_side() != nullptr;
  allowed();  // capture the process's CPUs before pinning
  pin(cpu(0));
  std::printf("== %s: %s\n", family_.c_str(), machine_text().c_str());
  if (!have_peer_)
    std::printf("note: liburing not found at configure time: rawuring alone, no ratios\n");
  if (cpu_count() < 2)
    std::printf("note: one CPU usable: the 'across cores' rows run on one core\n");
  print_header();
}

long Report::calibrate(const Op& op, long n, std::string* error) {
  // Grow n until one run takes about sample_ns_ (never more than 100x per step).
  for (int i = 0; i < 6; ++i) {
    const long t = op(n);
    if (t < 0) {
      *error = errno_text(t);
      return -1;
    }
    if (t >= sample_ns_ / 2) break;
    const double grow = t > 0 ? double(sample_ns_) / double(t) : 100.0;
    n = static_cast<long>(double(n) * std::min(grow, 100.0)) + 1;
  }
  return n;
}

const Row& Report::compare(const std::string& scenario, Metric m, const Op& raw, const Op& peer,
                           long first_n, double goal) {
  Row r;
  r.family = family_, r.scenario = scenario, r.unit = m.unit, r.better = m.better, r.goal = goal;
  std::string error;
  const long n = calibrate(raw, first_n, &error);
  std::vector<double> a, b, ratios;
  if (n > 0 && peer)  // also liburing's warm-up
    if (const long t = peer(n); t < 0) error = "liburing: " + errno_text(t);
  if (n > 0 && error.empty()) {
    for (int i = 0; i < pairs_ && error.empty(); ++i) {
      // One pair: kRuns runs of each library, alternating which goes first; each keeps its
      // fastest run (the one least disturbed by the rest of the machine).
      long ta = LONG_MAX, tb = peer ? LONG_MAX : 1;
      for (int k = 0; k < kRuns && error.empty(); ++k) {
        const bool raw_first = (i + k) % 2 == 0;
        long x = 0, y = 1;
        if (raw_first) x = raw(n);
        if (peer) y = peer(n);
        if (!raw_first) x = raw(n);
        if (x < 0 || y < 0) error = errno_text(x < 0 ? x : y);
        ta = std::min(ta, x), tb = std::min(tb, y);
      }
      if (!error.empty()) break;
      a.push_back(m.value(ta, n));
      if (peer) {
        b.push_back(m.value(tb, n));
        ratios.push_back(a.back() / b.back());
      }
    }
  }
  if (!error.empty()) {
    r.note = "not measured: " + error;
    r.goal = NAN;
    failed_ = true;
  } else {
    r.rawuring = median(a);
    if (peer) {
      r.liburing = median(b);
      r.ratio = median(ratios);
      r.ratio_min = *std::min_element(ratios.begin(), ratios.end());
      r.ratio_max = *std::max_element(ratios.begin(), ratios.end());
      r.ratio_q1 = quantile(ratios, 0.25), r.ratio_q3 = quantile(ratios, 0.75);
    } else {
      r.goal = NAN;
    }
  }
  return add(r);
}

const Row& Report::reference(const std::string& scenario, Metric m, const Op& op, long first_n) {
  Row r;
  r.family = family_, r.scenario = scenario, r.unit = m.unit, r.better = m.better;
  std::string error;
  const long n = calibrate(op, first_n, &error);
  std::vector<double> v;
  for (int i = 0; n > 0 && i < pairs_ && error.empty(); ++i) {
    long t = LONG_MAX;
    for (int k = 0; k < kRuns && error.empty(); ++k) {
      const long x = op(n);
      if (x < 0) error = errno_text(x);
      t = std::min(t, x);
    }
    if (!error.empty()) break;
    v.push_back(m.value(t, n));
  }
  if (!error.empty()) {
    r.note = "not measured: " + error;
    failed_ = true;
  } else {
    r.reference = median(v);
    r.ratio_min = *std::min_element(v.begin(), v.end()) / r.reference;
    r.ratio_max = *std::max_element(v.begin(), v.end()) / r.reference;
    r.ratio_q1 = quantile(v, 0.25) / r.reference, r.ratio_q3 = quantile(v, 0.75) / r.reference;
    r.note = "(spread: IQR / median)";
  }
  return add(r);
}

const Row& Report::add(Row r) {
  r.family = family_;
  rows_.push_back(std::move(r));
  print_row(rows_.back());
  return rows_.back();
}

int Report::finish() {
  write_tsv(outdir_ + "/results-" + family_ + ".tsv", rows_);
  merge_results(outdir_);
  std::printf("results: %s/results.json\n", outdir_.c_str());
  return failed_ ? 1 : 0;
}

}  // namespace bench
