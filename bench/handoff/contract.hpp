// The serve contract every hand-off server of the bench shares with `uringctl serve`:
//   <server> --port P --workers W
// once listening, exactly one line "listening 127.0.0.1:<port>" on stdout (flushed); SIGTERM or
// SIGINT stops it and it exits 0. bench/handoff_main.cpp drives all three servers through it.
#pragma once

#include <pthread.h>
#include <signal.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace handoff_bench {

struct ServeArgs {
  std::uint16_t port = 0;
  unsigned workers = 1;
};

// Parses --port and --workers (a usage line on stderr and exit 2 for anything else), then blocks
// SIGTERM and SIGINT in the calling thread before any other thread exists: every thread inherits
// the block, so only wait_for_stop() takes them.
inline ServeArgs parse_serve_args(int argc, char** argv) {
  unsigned long port = 0, workers = 1;
  bool bad = argc % 2 == 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--port"))
      port = std::strtoul(argv[i + 1], nullptr, 10);
    else if (!std::strcmp(argv[i], "--workers"))
      workers = std::strtoul(argv[i + 1], nullptr, 10);
    else
      bad = true;
  }
  if (bad || port > 65535 || workers == 0 || workers > 256) {
    std::fprintf(stderr, "usage: %s --port P --workers W\n", argv[0]);
    std::exit(2);
  }
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  return {static_cast<std::uint16_t>(port), static_cast<unsigned>(workers)};
}

inline void announce_listening(std::uint16_t port) {
  std::printf("listening 127.0.0.1:%u\n", port);
  std::fflush(stdout);
}

// Returns once SIGTERM or SIGINT arrives.
inline void wait_for_stop() {
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  int sig = 0;
  sigwait(&stop, &sig);
}

}  // namespace handoff_bench
