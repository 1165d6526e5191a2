// A bounded echo load generator on loopback, shared by `uringctl load`, bench/handoff and the demo.
//
// It measures every server the same way, so it uses no io_uring at all: each of `threads` threads
// runs nonblocking sockets under its own epoll. Every connection connects to 127.0.0.1:port (there
// is no address option: the generator refuses to load anything but this machine's loopback), then
// `messages` times sends `size` bytes of a pattern that depends on (connection, message, offset)
// and reads them back, checking every byte; then it shuts its sending side down, reads until the
// server's EOF (any byte after the last message counts as a mismatch) and closes. `concurrency`
// connections are in flight at a time until `connections` are done or `duration_s` has passed
// (the cap is always on; connections still open at the cap are closed and counted in neither
// `connections_done` nor `errors`).
//
// Latency: per message, from the first send() of its bytes to the arrival of its last byte, into a
// fixed log-bucket histogram (16 buckets per power of two: a reported percentile is the upper edge
// of its bucket, at most 1/16 above the true value). Nothing is allocated per message or per
// connection: buffers and histograms are sized once per thread.
//
// ok is true exactly when: mismatches == 0, errors == 0, and either every one of `connections`
// connections is done or the time cap was reached with connections_done >= 1.
#pragma once

#include <cstdint>
#include <cstdio>

namespace handoff {

struct LoadOptions {
  std::uint16_t port = 0;    // on 127.0.0.1; 0 is refused
  unsigned connections = 0;  // C: connections to complete
  unsigned concurrency = 0;  // K: connections in flight at a time (split over threads)
  unsigned messages = 0;     // M: messages per connection
  unsigned size = 0;         // bytes per message
  double duration_s = 0;     // the time cap, always on
  unsigned threads = 1;
};

struct LoadReport {
  std::uint64_t connections_done = 0;  // every message echoed and the server's EOF seen
  std::uint64_t messages = 0;          // messages whose last byte came back
  std::uint64_t bytes = 0;             // echoed bytes received (each one checked)
  std::uint64_t mismatches = 0;        // echoed bytes that differ from what was sent, plus extras
  std::uint64_t errors = 0;            // connections ended by an error (refused, reset, early EOF)
  bool capped = false;                 // the time cap ended the run
  double seconds = 0;                  // wall time of the run
  double conn_per_s = 0, msgs_per_s = 0;
  std::uint64_t p50_ns = 0, p99_ns = 0, p999_ns = 0;  // message latency percentiles
  const char* first_error = nullptr;  // what failed first ("connect", "recv", ...), if anything
  int first_errno = 0;                // its errno (0 for an early EOF)
  bool ok = false;                    // see the header comment
};

// Null when the options can run, else why not (one line, no newline).
const char* check(const LoadOptions& o);

// Runs the load (after check(); options it refuses give a report with errors == 1 and
// first_error set to check()'s text).
LoadReport run_load(const LoadOptions& o);

// The summary as text lines, or as one JSON object on one line.
void print_text(std::FILE* out, const LoadOptions& o, const LoadReport& r);
void print_json(std::FILE* out, const LoadOptions& o, const LoadReport& r);

// The byte at `offset` of message `message` of connection `connection` (exposed for tests and
// for servers that want to check what they receive).
std::uint8_t pattern_byte(std::uint64_t connection, std::uint64_t message,
                          std::uint64_t offset) noexcept;

}  // namespace handoff
