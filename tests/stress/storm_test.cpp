// Suite `stress`: the MSG_RING storm (storm.hpp) in every ring mode. Asserts exactly-once delivery
// of every DATA message and every descriptor, per-sender DATA order, every descriptor in exactly
// one slot of the ring it was sent to (the records written through the slots, read back from the
// pipes), targets in CQ overflow, no failed send, and the same fds and mappings in /proc/self
// before and after.
//
// Bounded by default (24,000 DATA messages and 96 descriptors per mode). The long version:
//   RAWURING_STORM_MESSAGES=4000000 build/tests/stress/stress_storm
// (DATA messages per mode; docs/reliability.md has the last figures).
#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "proc_self.hpp"
#include "storm.hpp"
#include "support/helpers.hpp"

namespace {

unsigned long env_count(const char* name, unsigned long fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::strtoul(v, nullptr, 10) : fallback;
}

struct Totals {
  unsigned long data_sent = 0, data_received = 0, data_duplicated = 0, data_out_of_order = 0,
                data_missing = 0, fds_sent = 0, fds_received = 0, fds_duplicated = 0,
                fds_missing = 0, unrecognised = 0, send_failures = 0, overflow_seen = 0,
                receive_passes = 0, slot_writes = 0, slot_write_errors = 0;
  int first_send_error = 0;
  unsigned stalled = 0;
  void add(const storm::Report& r) {
    data_sent += r.data_sent;
    data_received += r.data_received;
    data_duplicated += r.data_duplicated;
    data_out_of_order += r.data_out_of_order;
    data_missing += r.data_missing;
    fds_sent += r.fds_sent;
    fds_received += r.fds_received;
    fds_duplicated += r.fds_duplicated;
    fds_missing += r.fds_missing;
    unrecognised += r.unrecognised;
    send_failures += r.send_failures;
    if (!first_send_error) first_send_error = r.first_send_error;
    overflow_seen += r.overflow_seen;
    receive_passes += r.receive_passes;
    slot_writes += r.slot_writes;
    slot_write_errors += r.slot_write_errors;
    stalled += r.stalled;
  }
};

// One storm with pipes of its own; returns the totals and the records read back from each pipe,
// as counts of (target, sender, pipe) -> how often.
struct Outcome {
  Totals totals;
  std::vector<int> setup_errors;
  std::map<std::vector<unsigned>, unsigned> records;
  unsigned long stray_bytes = 0;
};

Outcome storm_once(const storm::Config& config) {
  storm::Shared shared(config);
  std::vector<std::vector<test::Pipe>> pipes(config.rings);
  shared.pipe_writes.resize(config.rings);
  for (unsigned i = 0; i < config.rings; ++i) {
    pipes[i].resize(config.pipes_per_ring);
    for (test::Pipe& p : pipes[i]) {
      REQUIRE(::fcntl(p.read.get(), F_SETFL, O_NONBLOCK) == 0);
      shared.pipe_writes[i].push_back(p.write.get());
    }
  }
  storm::run(shared);
  Outcome out;
  for (const storm::Report& r : shared.reports) {
    out.setup_errors.push_back(r.setup_error);
    out.totals.add(r);
  }
  for (unsigned s = 0; s < config.rings; ++s)
    for (unsigned k = 0; k < config.pipes_per_ring; ++k) {
      storm::Record rec;
      ssize_t n;
      while ((n = ::read(pipes[s][k].read.get(), &rec, sizeof rec)) == sizeof rec) {
        // Where it landed (s, k) and what the target believed was there.
        ++out.records[{rec.target, rec.sender, rec.pipe, s, k}];
      }
      if (n > 0) out.stray_bytes += static_cast<unsigned long>(n);
    }
  return out;
}

}  // namespace

TEST_CASE("MSG_RING storm: 4 rings all-to-all, DATA and SEND_FD, tiny CQs", "[stress]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  storm::Config config;
  config.mode = mode;
  const unsigned long total =
      env_count("RAWURING_STORM_MESSAGES", 24000);  // DATA messages in this mode
  config.messages_per_pair =
      static_cast<unsigned>(std::max(1UL, total / (config.rings * (config.rings - 1))));

  // A small storm first, unasserted: the threads' stacks and malloc arenas that glibc keeps for
  // reuse are then mapped before the snapshot as well as after it.
  storm::Config warm = config;
  warm.messages_per_pair = 64;
  storm_once(warm);
  const auto fds_before = test::open_fds();
  const auto maps_before = test::mappings();

  const auto start = std::chrono::steady_clock::now();
  const Outcome out = storm_once(config);
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  const Totals& t = out.totals;
  std::printf(
      "STORM: mode %s: %u rings, DATA %lu sent %lu received, SEND_FD %lu sent %lu received, "
      "%lu of %lu receive passes in CQ overflow, %lu lost, %lu duplicated, %lu out of order, "
      "%lu descriptors checked through their slots, %.0f ms\n",
      test::mode_name(mode), config.rings, t.data_sent, t.data_received, t.fds_sent, t.fds_received,
      t.overflow_seen, t.receive_passes, t.data_missing + t.fds_missing,
      t.data_duplicated + t.fds_duplicated, t.data_out_of_order, t.slot_writes, ms);
  std::fflush(stdout);

  CHECK(out.setup_errors == std::vector<int>(config.rings, 0));
  INFO("first failed send: errno " << -t.first_send_error);
  CHECK(t.send_failures == 0);
  CHECK(t.stalled == 0);
  const unsigned long pairs = config.rings * (config.rings - 1);
  CHECK(t.data_sent == pairs * config.messages_per_pair);
  CHECK(t.data_received == t.data_sent);
  CHECK(t.data_missing == 0);
  CHECK(t.data_duplicated == 0);
  CHECK(t.data_out_of_order == 0);
  CHECK(t.fds_sent == pairs * config.pipes_per_ring);
  CHECK(t.fds_received == t.fds_sent);
  CHECK(t.fds_missing == 0);
  CHECK(t.fds_duplicated == 0);
  CHECK(t.unrecognised == 0);
  CHECK(t.overflow_seen > 0);
  // Every descriptor in exactly one slot: each pipe got one record from each other ring, naming
  // that ring and this very pipe.
  CHECK(t.slot_writes == t.fds_sent);
  CHECK(t.slot_write_errors == 0);
  CHECK(out.stray_bytes == 0);
  std::map<std::vector<unsigned>, unsigned> expected;
  for (unsigned s = 0; s < config.rings; ++s)
    for (unsigned k = 0; k < config.pipes_per_ring; ++k)
      for (unsigned target = 0; target < config.rings; ++target)
        if (target != s) expected[{target, s, k, s, k}] = 1;
  CHECK(out.records == expected);

  CHECK(test::open_fds() == fds_before);
  // Every mapping but anonymous private memory (proc_self.hpp says why).
  CHECK(test::mappings() == maps_before);
}

TEST_CASE("the leak checks see a ring: its fd and its mappings", "[stress]") {
  const auto fds = test::open_fds();
  const auto maps = test::mappings();
  {
    auto ring = test::make_plain_ring();
    CHECK(test::open_fds().size() == fds.size() + 1);
    CHECK(test::mappings().size() > maps.size());  // SQ/CQ ring and SQE array, rw-s
  }
  CHECK(test::open_fds() == fds);
  CHECK(test::mappings() == maps);
}
