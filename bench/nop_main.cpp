// NOP round trips at batches of 1, 8, 32 and 128 per submit_and_wait, for four setups; writes
// nop_batch.svg beside results.json. `bench_nop --count <rawuring|liburing> <setup> <batch>
// <rounds>` runs the NOP loop once, untimed: bench_instructions runs that under callgrind.
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "harness.hpp"
#include "sides.hpp"

using namespace bench;

namespace {

struct SetupInfo {
  Setup setup;
  const char* key;    // for --count
  const char* label;  // for the table
};

constexpr SetupInfo kSetups[] = {
    {Setup::plain, "plain", "plain (flags 0 both)"},
    {Setup::same_fast, "same_fast", "same fast flags (SI|DT|TF|SA + reg fd)"},
    {Setup::fastest, "fastest", "fastest each (rawuring adds NO_SQARRAY)"},
    {Setup::defaults, "defaults", "defaults (Ring::create vs queue_init 0)"},
};
constexpr unsigned kBatches[] = {1, 8, 32, 128};

int count_mode(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr, "usage: %s --count rawuring|liburing SETUP BATCH ROUNDS\n", argv[0]);
    return 2;
  }
  const Side* side = std::strcmp(argv[2], "rawuring") == 0 ? &rawuring_side : peer_side();
  if (!side || std::strcmp(side->name, argv[2]) != 0) return 77;
  for (const SetupInfo& s : kSetups)
    if (std::strcmp(s.key, argv[3]) == 0) {
      const long ret = side->nop(s.setup, std::atoi(argv[4]), std::atol(argv[5]));
      if (ret < 0) std::fprintf(stderr, "nop: %s\n", errno_text(ret).c_str());
      return ret < 0 ? 1 : 0;
    }
  return 2;
}

struct Series {
  std::string label, color, dash;
  std::vector<double> ns;  // per kBatches entry; NaN when missing
};

// A log-log line plot of ns/NOP against batch size, plain SVG text.
void write_svg(const std::string& path, const std::vector<Series>& series) {
  double lo = INFINITY, hi = 0;
  for (const Series& s : series)
    for (double v : s.ns)
      if (!std::isnan(v)) lo = std::min(lo, v), hi = std::max(hi, v);
  if (hi == 0) return;
  const double ylo = std::log10(lo * 0.8), yhi = std::log10(hi * 1.25);
  const double X0 = 70, X1 = 400, Y0 = 40, Y1 = 290;
  auto x = [&](unsigned b) { return X0 + std::log2(double(b)) / 7.0 * (X1 - X0); };
  auto y = [&](double v) { return Y1 - (std::log10(v) - ylo) / (yhi - ylo) * (Y1 - Y0); };
  std::ofstream f(path);
  f << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"640\" height=\"340\" "
       "font-family=\"sans-serif\" font-size=\"12\">\n"
    << "<rect width=\"640\" height=\"340\" fill=\"white\"/>\n"
    << "<text x=\"" << X0 << "\" y=\"22\" font-size=\"14\">NOP round trip: ns per NOP "
    << "against NOPs per submit_and_wait (log-log, lower is better)</text>\n";
  for (int e = static_cast<int>(std::floor(ylo)); e <= static_cast<int>(std::ceil(yhi)); ++e)
    for (double m : {1.0, 2.0, 5.0}) {
      const double v = m * std::pow(10.0, e);
      if (std::log10(v) < ylo || std::log10(v) > yhi) continue;
      f << "<line x1=\"" << X0 << "\" x2=\"" << X1 << "\" y1=\"" << y(v) << "\" y2=\"" << y(v)
        << "\" stroke=\"#ddd\"/><text x=\"" << X0 - 6 << "\" y=\"" << y(v) + 4
        << "\" text-anchor=\"end\">" << v << "</text>\n";
    }
  for (unsigned b : kBatches)
    f << "<line x1=\"" << x(b) << "\" x2=\"" << x(b) << "\" y1=\"" << Y0 << "\" y2=\"" << Y1
      << "\" stroke=\"#eee\"/><text x=\"" << x(b) << "\" y=\"" << Y1 + 16
      << "\" text-anchor=\"middle\">" << b << "</text>\n";
  f << "<text x=\"" << (X0 + X1) / 2 << "\" y=\"" << Y1 + 34
    << "\" text-anchor=\"middle\">NOPs per submit_and_wait</text>\n"
    << "<rect x=\"" << X0 << "\" y=\"" << Y0 << "\" width=\"" << X1 - X0 << "\" height=\""
    << Y1 - Y0 << "\" fill=\"none\" stroke=\"#888\"/>\n";
  int row = 0;
  for (const Series& s : series) {
    std::string pts;
    for (size_t i = 0; i < s.ns.size(); ++i)
      if (!std::isnan(s.ns[i])) {
        pts += std::to_string(x(kBatches[i])) + "," + std::to_string(y(s.ns[i])) + " ";
        f << "<circle cx=\"" << x(kBatches[i]) << "\" cy=\"" << y(s.ns[i]) << "\" r=\"3\" fill=\""
          << s.color << "\"/>\n";
      }
    f << "<polyline points=\"" << pts << "\" fill=\"none\" stroke=\"" << s.color
      << "\" stroke-width=\"2\" stroke-dasharray=\"" << s.dash << "\"/>\n";
    const double ly = Y0 + 10 + 20 * row++;
    f << "<line x1=\"415\" x2=\"445\" y1=\"" << ly << "\" y2=\"" << ly << "\" stroke=\"" << s.color
      << "\" stroke-width=\"2\" stroke-dasharray=\"" << s.dash << "\"/><text x=\"450\" y=\""
      << ly + 4 << "\">" << s.label << "</text>\n";
  }
  f << "</svg>\n";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "--count") == 0) return count_mode(argc, argv);
  Report rep("nop", argc, argv);
  std::vector<Series> plot = {
      {"rawuring, plain", "#1f5fbf", "6,4", {}},
      {"liburing, plain", "#d0402a", "6,4", {}},
      {"rawuring, fastest", "#1f5fbf", "none", {}},
      {"liburing, fastest", "#d0402a", "none", {}},
  };
  for (const SetupInfo& s : kSetups)
    for (unsigned batch : kBatches) {
      char name[160];
      std::snprintf(name, sizeof name, "NOP round trip, batch %3u, %s", batch, s.label);
      const Row& r = compare(
          rep, name, latency("ns/NOP", batch),
          [s, batch](const Side& side, long n) { return side.nop(s.setup, batch, n); },
          20000 / batch + 1);
      const int at = s.setup == Setup::plain ? 0 : s.setup == Setup::fastest ? 2 : -1;
      if (at >= 0) plot[at].ns.push_back(r.rawuring), plot[at + 1].ns.push_back(r.liburing);
    }
  if (!rep.have_peer()) plot = {plot[0], plot[2]};
  write_svg(rep.outdir() + "/nop_batch.svg", plot);
  std::printf("plot: %s/nop_batch.svg\n", rep.outdir().c_str());
  return rep.finish();
}
