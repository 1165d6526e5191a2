// Runs last: prints the whole run's table (every family) and rewrites results.json / results.md.
#include <cstdio>

#include "harness.hpp"

using namespace bench;

int main(int argc, char** argv) {
  const std::string dir = argc > 1 ? argv[1] : ".";
  const auto rows = merge_results(dir);
  std::printf("== all benchmarks (ratio = rawuring / liburing, median of per-pair ratios)\n");
  print_header();
  for (const Row& r : rows) print_row(r);
  std::printf("results: %s/results.json, %s/results.md, %s/nop_batch.svg, %s/handoff.svg\n",
              dir.c_str(), dir.c_str(), dir.c_str(), dir.c_str());
  return rows.empty() ? 1 : 0;
}
