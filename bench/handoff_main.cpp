// The hand-off server side by side: `uringctl serve` (rawuring), the same design written with
// liburing (bench/handoff/liburing_server.cpp) and a thread-per-core SO_REUSEPORT epoll server
// (bench/handoff/epoll_server.cpp), each run as a child process and driven in this process by the
// same load generator (handoff::run_load: epoll, no io_uring, every echoed byte checked).
//
//   bench_handoff OUTDIR URINGCTL|none EPOLL_SERVER LIBURING_SERVER|none
//                 [--rounds N] [--seconds S] [--workers W]
//
// Cases (K = 32 connections in flight, one load thread, W = 2 server workers; nothing pinned):
//   connections: 1 message of 64 B per connection: connections/s and server CPU per connection;
//   echo 64 B and echo 16 KiB (200 and 50 messages per connection): messages/s, p99 latency and
//   server CPU per message.
// A run is one server for one case: a fresh child (`<server> --port 0 --workers W`, whose first
// stdout line must be "listening 127.0.0.1:<port>"), S seconds of load, SIGTERM, and the child's
// user+system time from wait4(). Each round runs every case on every server, the order of the
// servers rotating per round; a row's value is the median over the rounds, its ratio the median of
// the per-round ratios (rawuring/liburing and rawuring/epoll), its spread their quartiles. A run
// whose load is not ok (a mismatched byte, a failed connection) or whose child does not exit 0
// makes the program fail. Without the rawuring serve command (or liburing) the rows say so and the
// others still run.
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "../uringctl/handoff/load.hpp"
#include "harness.hpp"

extern char** environ;

using namespace bench;

namespace {

enum Server { kRawuring, kLiburing, kEpoll, kServers };
const char* const kServerName[kServers] = {"rawuring", "liburing", "epoll"};

struct Case {
  const char* name;
  unsigned messages, size;
};
constexpr Case kCases[] = {
    {"connect + 1 x 64 B", 1, 64},
    {"echo 64 B", 200, 64},
    {"echo 16 KiB", 50, 16384},
};
constexpr unsigned kCaseCount = sizeof kCases / sizeof kCases[0];
constexpr unsigned kInFlight = 32;

struct Run {
  handoff::LoadReport load;
  double cpu_s = 0;
  std::string error;  // empty: the run counts
};

double seconds(const timeval& t) { return double(t.tv_sec) + double(t.tv_usec) / 1e6; }

// Waits up to ms for the child; true with status and usage when it exited. Meanwhile reads and
// drops what the child still writes to `out` (its summary at exit), so it never meets SIGPIPE or a
// full pipe.
bool reap(pid_t pid, int out, int ms, int* status, rusage* ru) {
  char sink[4096];
  for (int waited = 0; waited <= ms; waited += 10) {
    while (read(out, sink, sizeof sink) > 0) {
    }
    const pid_t r = wait4(pid, status, WNOHANG, ru);
    if (r == pid) return true;
    usleep(10'000);
  }
  return false;
}

std::string status_text(int status) {
  if (WIFEXITED(status)) return "exited " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return std::string("killed by ") + strsignal(WTERMSIG(status));
  return "status " + std::to_string(status);
}

Run run_once(const std::string& binary, bool uringctl, unsigned workers, const Case& c,
             double secs) {
  Run run;
  int out[2];
  if (pipe2(out, O_CLOEXEC) < 0) return run.error = "pipe", run;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  const std::string w = std::to_string(workers);
  std::vector<const char*> argv{binary.c_str()};
  if (uringctl) argv.push_back("serve");
  for (const char* a : {"--port", "0", "--workers", w.c_str()}) argv.push_back(a);
  argv.push_back(nullptr);
  pid_t pid = -1;
  const int spawned = posix_spawn(&pid, binary.c_str(), &fa, nullptr,
                                  const_cast<char* const*>(argv.data()), environ);
  posix_spawn_file_actions_destroy(&fa);
  close(out[1]);
  if (spawned != 0) {
    close(out[0]);
    return run.error = std::string("spawn: ") + std::strerror(spawned), run;
  }
  // The one line of the contract, within 5 s.
  std::string line;
  char ch;
  pollfd p{out[0], POLLIN, 0};
  while (line.size() < 64 && poll(&p, 1, 5000) == 1 && read(out[0], &ch, 1) == 1 && ch != '\n')
    line += ch;
  fcntl(out[0], F_SETFL, O_NONBLOCK);
  struct CloseAtReturn {
    int fd;
    ~CloseAtReturn() { close(fd); }
  } close_out{out[0]};
  unsigned port = 0;
  char tail = 0;
  int status = 0;
  rusage ru{};
  if (std::sscanf(line.c_str(), "listening 127.0.0.1:%u%c", &port, &tail) != 1 || port == 0 ||
      port > 65535) {
    kill(pid, SIGKILL);
    reap(pid, out[0], 5000, &status, &ru);
    return run.error = "no 'listening 127.0.0.1:<port>' line (" + status_text(status) + ")", run;
  }
  handoff::LoadOptions o;
  o.port = std::uint16_t(port), o.connections = 4'000'000'000u, o.concurrency = kInFlight;
  o.messages = c.messages, o.size = c.size, o.duration_s = secs, o.threads = 1;
  run.load = handoff::run_load(o);
  kill(pid, SIGTERM);
  if (!reap(pid, out[0], 5000, &status, &ru)) {
    kill(pid, SIGKILL);
    reap(pid, out[0], 5000, &status, &ru);
    return run.error = "did not exit within 5 s of SIGTERM", run;
  }
  run.cpu_s = seconds(ru.ru_utime) + seconds(ru.ru_stime);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return run.error = "after SIGTERM: " + status_text(status), run;
  if (!run.load.ok) {
    char b[200];
    if (run.load.mismatches == 0 && run.load.errors == 0)
      std::snprintf(b, sizeof b, "load not ok: %llu connections done in %.3g s (%llu messages)",
                    (unsigned long long)run.load.connections_done, secs,
                    (unsigned long long)run.load.messages);
    else
      std::snprintf(b, sizeof b, "load not ok: %llu mismatched bytes, %llu failed connections%s%s",
                    (unsigned long long)run.load.mismatches, (unsigned long long)run.load.errors,
                    run.load.first_error ? ", first: " : "",
                    run.load.first_error ? run.load.first_error : "");
    run.error = b;
  }
  return run;
}

double quantile(std::vector<double> v, double q) {
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  const double at = q * double(v.size() - 1);
  const std::size_t lo = std::size_t(at), hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (v[hi] - v[lo]) * (at - double(lo));
}

// One metric of one case: a value per round per server.
struct Measure {
  const char* label;  // under its bars in handoff.svg
  const char* what;
  const char* unit;
  Better better;
  unsigned case_index;
  double (*of)(const Run&);
};

const Measure kMetrics[] = {
    {"conn/s", "connections/s", "k conn/s", Better::higher, 0,
     [](const Run& r) { return r.load.conn_per_s / 1e3; }},
    {"CPU/conn", "server CPU/conn", "us/conn", Better::lower, 0,
     [](const Run& r) { return r.cpu_s * 1e6 / double(r.load.connections_done); }},
    {"64 B msg/s", "messages/s", "k msg/s", Better::higher, 1,
     [](const Run& r) { return r.load.msgs_per_s / 1e3; }},
    {"64 B p99", "p99 latency", "us", Better::lower, 1,
     [](const Run& r) { return double(r.load.p99_ns) / 1e3; }},
    {"64 B CPU/msg", "server CPU/msg", "us/msg", Better::lower, 1,
     [](const Run& r) { return r.cpu_s * 1e6 / double(r.load.messages); }},
    {"16 KiB msg/s", "messages/s", "k msg/s", Better::higher, 2,
     [](const Run& r) { return r.load.msgs_per_s / 1e3; }},
    {"16 KiB p99", "p99 latency", "us", Better::lower, 2,
     [](const Run& r) { return double(r.load.p99_ns) / 1e3; }},
    {"16 KiB CPU/msg", "server CPU/msg", "us/msg", Better::lower, 2,
     [](const Run& r) { return r.cpu_s * 1e6 / double(r.load.messages); }},
};

// handoff.svg beside results.json: per measure, each server's median relative to epoll's (epoll is
// 1; above 1 is more of the measure, whether that is better or worse is under the label).
void write_svg(const std::string& path, const std::vector<std::array<double, kServers>>& values) {
  const char* const colour[kServers] = {"#1f77b4", "#ff7f0e", "#2ca02c"};
  double top = 2;
  for (const auto& v : values)
    for (double x : v)
      if (!std::isnan(x) && !std::isnan(v[kEpoll]) && v[kEpoll] > 0)
        top = std::max(top, x / v[kEpoll]);
  const double x0 = 50, y0 = 300, h = 260, group = 80, bar = 20;
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (!f) return;
  std::fprintf(f,
               "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"370\" "
               "font-family=\"sans-serif\" font-size=\"11\">\n",
               x0 + group * double(values.size()) + 20);
  std::fprintf(
      f, "<text x=\"%.0f\" y=\"16\">hand-off echo server, each relative to epoll (=1)</text>\n",
      x0);
  for (double t = 0; t <= top + 1e-9; t += top > 4 ? 1 : 0.5) {
    const double y = y0 - h * t / top;
    std::fprintf(f,
                 "<line x1=\"%.0f\" y1=\"%.1f\" x2=\"%.0f\" y2=\"%.1f\" stroke=\"#ddd\"/>"
                 "<text x=\"%.0f\" y=\"%.1f\" text-anchor=\"end\">%.1f</text>\n",
                 x0, y, x0 + group * double(values.size()), y, x0 - 4, y + 4, t);
  }
  for (std::size_t m = 0; m < values.size(); ++m) {
    const double gx = x0 + group * double(m) + 10;
    for (unsigned s = 0; s < kServers; ++s) {
      const double v = values[m][s] / values[m][kEpoll];
      if (std::isnan(v)) continue;
      std::fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.0f\" height=\"%.1f\" fill=\"%s\"/>\n",
                   gx + bar * s, y0 - h * v / top, bar - 2, h * v / top, colour[s]);
    }
    std::fprintf(f, "<text x=\"%.1f\" y=\"%.0f\" text-anchor=\"middle\">%s</text>\n",
                 gx + 1.5 * bar, y0 + 16, kMetrics[m].label);
    std::fprintf(f, "<text x=\"%.1f\" y=\"%.0f\" text-anchor=\"middle\" fill=\"#666\">%s</text>\n",
                 gx + 1.5 * bar, y0 + 30,
                 kMetrics[m].better == Better::higher ? "higher better" : "lower better");
  }
  for (unsigned s = 0; s < kServers; ++s)
    std::fprintf(f,
                 "<rect x=\"%.0f\" y=\"345\" width=\"12\" height=\"12\" fill=\"%s\"/>"
                 "<text x=\"%.0f\" y=\"356\">%s</text>\n",
                 x0 + 110 * s, colour[s], x0 + 110 * s + 16, kServerName[s]);
  std::fprintf(f, "</svg>\n");
  std::fclose(f);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr,
                 "usage: %s OUTDIR URINGCTL|none EPOLL_SERVER LIBURING_SERVER|none [--rounds N] "
                 "[--seconds S] [--workers W]\n",
                 argv[0]);
    return 2;
  }
  unsigned rounds = 5, workers = 2;
  double secs = 1.0;
  for (int i = 5; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--rounds")) rounds = unsigned(std::max(1, std::atoi(argv[i + 1])));
    if (!std::strcmp(argv[i], "--seconds")) secs = std::max(0.1, std::atof(argv[i + 1]));
    if (!std::strcmp(argv[i], "--workers")) workers = unsigned(std::max(1, std::atoi(argv[i + 1])));
  }
  char* report_argv[] = {argv[0], argv[1], nullptr};
  Report rep("handoff", 2, report_argv);
  // Report pins this thread to one CPU, and children inherit the mask: undo it, so that the
  // servers and the load generator share all of the process's CPUs as they would outside.
  cpu_set_t all;
  CPU_ZERO(&all);
  for (int i = 0; i < cpu_count(); ++i) CPU_SET(cpu(i), &all);
  sched_setaffinity(0, sizeof all, &all);
  const std::string binary[kServers] = {argv[2], argv[4], argv[3]};
  std::string missing[kServers];
  if (binary[kRawuring] == "none") missing[kRawuring] = "uringctl not built";
  if (binary[kLiburing] == "none") missing[kLiburing] = "liburing not found at configure time";
  std::printf(
      "note: %u rounds of %.3g s per server and case, %u server workers, %u connections "
      "in flight, one load thread; the machine may be shared: read the spread\n",
      rounds, secs, workers, kInFlight);
  std::fflush(stdout);

  // values[server][case] per round, NAN where the run did not count.
  std::vector<Run> runs[kServers][kCaseCount];
  bool failed = false;
  for (unsigned round = 0; round < rounds; ++round)
    for (unsigned ci = 0; ci < kCaseCount; ++ci)
      for (unsigned k = 0; k < kServers; ++k) {
        const unsigned s = (k + round) % kServers;
        if (!missing[s].empty()) continue;
        Run r = run_once(binary[s], s == kRawuring, workers, kCases[ci], secs);
        if (!r.error.empty()) {
          std::printf("%s, %s, round %u: %s\n", kServerName[s], kCases[ci].name, round + 1,
                      r.error.c_str());
          // The rawuring serve may not exist in this build (another branch): say so, go on.
          if (s == kRawuring && round == 0 && ci == 0 && r.error.rfind("no 'listening", 0) == 0) {
            missing[s] = "`uringctl serve` did not start (not in this build?)";
            continue;
          }
          failed = true;
        }
        runs[s][ci].push_back(r);
      }

  std::vector<std::array<double, kServers>> plot;
  for (const Measure& m : kMetrics) {
    const Case& c = kCases[m.case_index];
    std::vector<double> v[kServers];
    for (unsigned s = 0; s < kServers; ++s)
      for (const Run& r : runs[s][m.case_index]) v[s].push_back(r.error.empty() ? m.of(r) : NAN);
    for (const Server peer : {kLiburing, kEpoll}) {
      Row row;
      row.scenario = std::string("handoff ") + c.name + ": " + m.what + " vs " + kServerName[peer];
      row.unit = m.unit;
      row.better = m.better;
      if (peer == kEpoll) row.peer = "epoll";
      auto median_of = [](const std::vector<double>& x) {
        std::vector<double> ok;
        for (double d : x)
          if (!std::isnan(d)) ok.push_back(d);
        return quantile(ok, 0.5);
      };
      row.rawuring = median_of(v[kRawuring]);
      row.liburing = median_of(v[peer]);
      std::vector<double> ratios;
      for (std::size_t i = 0; i < std::min(v[kRawuring].size(), v[peer].size()); ++i)
        if (!std::isnan(v[kRawuring][i]) && !std::isnan(v[peer][i]))
          ratios.push_back(v[kRawuring][i] / v[peer][i]);
      if (!ratios.empty()) {
        row.ratio = quantile(ratios, 0.5);
        row.ratio_q1 = quantile(ratios, 0.25), row.ratio_q3 = quantile(ratios, 0.75);
        row.ratio_min = *std::min_element(ratios.begin(), ratios.end());
        row.ratio_max = *std::max_element(ratios.begin(), ratios.end());
      }
      std::string note;
      for (const Server s : {kRawuring, peer}) {
        unsigned bad = 0;
        std::string first;
        for (const Run& r : runs[s][m.case_index])
          if (!r.error.empty() && bad++ == 0) first = r.error;
        if (!missing[s].empty())
          note += std::string(note.empty() ? "" : "; ") + kServerName[s] + ": " + missing[s];
        else if (bad)
          note += std::string(note.empty() ? "" : "; ") + kServerName[s] + ": " +
                  std::to_string(bad) + "/" + std::to_string(runs[s][m.case_index].size()) +
                  " runs left out, first: " + first;
      }
      if (peer == kEpoll) note += std::string(note.empty() ? "" : " ") + "(liburing column: epoll)";
      row.note = note;
      const Row& added = rep.add(row);
      if (peer == kLiburing)
        plot.push_back({added.rawuring, added.liburing, NAN});
      else
        plot.back()[kEpoll] = added.liburing;
    }
  }
  write_svg(rep.outdir() + "/handoff.svg", plot);
  std::printf("plot: %s/handoff.svg\n", rep.outdir().c_str());
  const int rc = rep.finish();
  return failed ? 1 : rc;
}
