// uringctl serve: the hand-off echo server (handoff/server.hpp) on 127.0.0.1 until SIGINT or
// SIGTERM. Contract other tools rely on (tests/kernel/uringctl_serve_test.py, uringctl load, the
// bench): once listening, exactly one line `listening 127.0.0.1:<port>` on stdout, flushed; on
// SIGINT/SIGTERM a graceful stop, the summary (one JSON object on one line with --json, the last
// stdout line) and exit 0. Usage errors: one line on stderr, exit 2; a server that cannot start:
// one line on stderr, exit 1.
//
// uringctl demo: the same server and the load generator (handoff/load.hpp) together in one
// process for a few seconds, then both summaries and one verdict line: the README's first
// command. Exit 0 only when every echoed byte was right and the server's books balance (every
// accepted connection handed off and closed, no slot left occupied, none lost to a full table).
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "commands.hpp"
#include "handoff/load.hpp"
#include "handoff/server.hpp"

namespace uringctl {

namespace {

// The usage line of the command being parsed (serve or demo).
const char* usage_line =
    "uringctl serve --port P [--workers W] [--acceptors A] [--slots N] "
    "[--mode default|shared|plain|sqpoll|sq_array] [--plain-accept] [--json]";

int usage_error(const char* what, const char* arg = "") {
  const char* cmd = std::strncmp(usage_line, "uringctl demo", 13) == 0 ? "demo" : "serve";
  std::fprintf(stderr, "uringctl %s: %s%s (usage: %s)\n", cmd, what, arg, usage_line);
  return 2;
}

bool parse_unsigned(const char* s, unsigned long max, unsigned long* out) {
  if (!s || !*s) return false;
  char* end = nullptr;
  errno = 0;
  const unsigned long v = std::strtoul(s, &end, 10);
  if (errno || *end || v > max || s[0] == '-') return false;
  *out = v;
  return true;
}

// The ring modes of the test matrix (tests/support/modes.hpp), by name.
bool apply_mode(const char* name, uring::Params& p) {
  if (!std::strcmp(name, "default")) return true;
  if (!std::strcmp(name, "shared")) {
    p.sharing = uring::Sharing::shared;
  } else if (!std::strcmp(name, "plain")) {
    p.default_flags = false;
    p.register_ring_fd = false;
  } else if (!std::strcmp(name, "sqpoll")) {
    p.flags |= IORING_SETUP_SQPOLL;
    p.sq_thread_idle_ms = 10;
  } else if (!std::strcmp(name, "sq_array")) {
    p.without_flags |= IORING_SETUP_NO_SQARRAY;
  } else {
    return false;
  }
  return true;
}

void print_summary(const handoff::ServeStats& st, bool json, const char* mode) {
  if (!json) {
    std::printf(
        "accepted %llu, handed off %llu, closed %llu, open %llu, bytes echoed %llu\n",
        static_cast<unsigned long long>(st.accepted),
        static_cast<unsigned long long>(st.handed_off), static_cast<unsigned long long>(st.closed),
        static_cast<unsigned long long>(st.open), static_cast<unsigned long long>(st.bytes_echoed));
    for (std::size_t i = 0; i < st.workers.size(); ++i)
      std::printf("worker %zu: served %llu, enobufs %llu, rearmed %llu\n", i,
                  static_cast<unsigned long long>(st.workers[i].served),
                  static_cast<unsigned long long>(st.workers[i].enobufs),
                  static_cast<unsigned long long>(st.workers[i].rearmed));
    std::fflush(stdout);
    return;
  }
  std::string out = "{\"mode\":\"";
  out += mode;
  out += "\"";
  auto num = [&](const char* k, std::uint64_t v) {
    out += ",\"";
    out += k;
    out += "\":";
    out += std::to_string(v);
  };
  num("accepted", st.accepted);
  num("handed_off", st.handed_off);
  num("closed", st.closed);
  num("open", st.open);
  num("bytes_echoed", st.bytes_echoed);
  out += ",\"acceptors\":[";
  for (std::size_t i = 0; i < st.acceptors.size(); ++i) {
    const auto& a = st.acceptors[i];
    out += i ? ",{" : "{";
    out += "\"index\":" + std::to_string(i);
    num("accepted", a.accepted);
    num("handed_off", a.handed_off);
    num("slots_in_use", a.slots_in_use);
    num("accept_enfile", a.accept_enfile);
    num("accept_errors", a.accept_errors);
    num("multishot_armed", a.multishot_armed);
    num("single_accepts", a.single_accepts);
    num("accept_deferred", a.accept_deferred);
    num("worker_full", a.worker_full);
    num("handoff_errors", a.handoff_errors);
    num("handoff_retries", a.handoff_retries);
    num("held_max", a.held_max);
    num("closed_at_stop", a.closed_at_stop);
    num("files_updates", a.files_updates);
    num("cancelled_close_cqes", a.cancelled_close_cqes);
    num("sq_full", a.sq_full);
    num("cq_overflow", a.cq_overflow);
    out += "}";
  }
  out += "],\"workers\":[";
  for (std::size_t i = 0; i < st.workers.size(); ++i) {
    const auto& w = st.workers[i];
    out += i ? ",{" : "{";
    out += "\"index\":" + std::to_string(i);
    num("open", w.open);
    num("served", w.served);
    num("closed", w.closed);
    num("bytes", w.bytes);
    num("enobufs", w.enobufs);
    num("rearmed", w.rearmed);
    num("short_sends", w.short_sends);
    num("conn_errors", w.conn_errors);
    num("last_error", w.last_error);
    num("sq_full", w.sq_full);
    num("cq_overflow", w.cq_overflow);
    out += "}";
  }
  out += "]}";
  std::printf("%s\n", out.c_str());
  std::fflush(stdout);
}

// One status line, rewritten in place: open connections, handed off, per-worker open.
void print_status(const handoff::ServeStats& st) {
  std::string line = "open " + std::to_string(st.open) + "  handed off " +
                     std::to_string(st.handed_off) + "  workers";
  for (const auto& w : st.workers) line += " " + std::to_string(w.open);
  std::fprintf(stderr, "\r%s\033[K", line.c_str());
}

}  // namespace

int serve(int argc, char** argv) {
  handoff::ServeOptions o;
  bool json = false, have_port = false;
  const char* mode = "default";
  for (int i = 0; i < argc; ++i) {
    const char* a = argv[i];
    const char* v = i + 1 < argc ? argv[i + 1] : nullptr;
    unsigned long n = 0;
    if (!std::strcmp(a, "--json")) {
      json = true;
    } else if (!std::strcmp(a, "--plain-accept")) {
      o.plain_accept = true;
    } else if (!std::strcmp(a, "--port")) {
      if (!parse_unsigned(v, 65535, &n)) return usage_error("--port needs 0..65535");
      o.port = static_cast<std::uint16_t>(n);
      have_port = true;
      ++i;
    } else if (!std::strcmp(a, "--workers")) {
      if (!parse_unsigned(v, 64, &n) || n == 0) return usage_error("--workers needs 1..64");
      o.workers = static_cast<unsigned>(n);
      ++i;
    } else if (!std::strcmp(a, "--acceptors")) {
      if (!parse_unsigned(v, 64, &n) || n == 0) return usage_error("--acceptors needs 1..64");
      o.acceptors = static_cast<unsigned>(n);
      ++i;
    } else if (!std::strcmp(a, "--slots")) {
      if (!parse_unsigned(v, 1u << 20, &n) || n == 0)
        return usage_error("--slots needs 1..1048576");
      o.acceptor_slots = o.worker_slots = static_cast<unsigned>(n);
      ++i;
    } else if (!std::strcmp(a, "--mode")) {
      if (!v || !apply_mode(v, o.ring_params)) return usage_error("unknown --mode ", v ? v : "");
      mode = v;
      ++i;
    } else {
      return usage_error("unknown argument ", a);
    }
  }
  if (!have_port) return usage_error("--port is required (0: the kernel picks)");

  // Block the stop signals before any thread exists, so every thread inherits the mask and only
  // the sigtimedwait below takes them.
  sigset_t stop_set;
  sigemptyset(&stop_set);
  sigaddset(&stop_set, SIGINT);
  sigaddset(&stop_set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_set, nullptr);

  auto server = handoff::Server::start(o);
  if (!server) {
    std::fprintf(stderr, "uringctl serve: cannot start: %s\n", std::strerror(-server.error()));
    return 1;
  }
  std::printf("listening 127.0.0.1:%u\n", (*server)->port());
  std::fflush(stdout);

  const bool status = isatty(STDERR_FILENO);
  const timespec second{1, 0};
  for (;;) {
    const int sig = sigtimedwait(&stop_set, nullptr, &second);
    if (sig == SIGINT || sig == SIGTERM) break;
    if (status) print_status((*server)->stats());
  }
  if (status) std::fprintf(stderr, "\n");
  (*server)->stop();
  print_summary((*server)->stats(), json, mode);
  return 0;
}

int demo(int argc, char** argv) {
  usage_line =
      "uringctl demo [--seconds S] [--workers W] [--size BYTES] "
      "[--mode default|shared|plain|sqpoll|sq_array] [--json]";
  handoff::ServeOptions o;
  handoff::LoadOptions lo;
  lo.connections = 1000000;  // the time cap ends the run
  lo.concurrency = 32;
  lo.messages = 10;
  lo.size = 64;
  lo.duration_s = 3;
  bool json = false;
  const char* mode = "default";
  for (int i = 0; i < argc; ++i) {
    const char* a = argv[i];
    const char* v = i + 1 < argc ? argv[i + 1] : nullptr;
    unsigned long n = 0;
    if (!std::strcmp(a, "--json")) {
      json = true;
    } else if (!std::strcmp(a, "--seconds")) {
      if (!parse_unsigned(v, 60, &n) || n == 0) return usage_error("--seconds needs 1..60");
      lo.duration_s = static_cast<double>(n);
      ++i;
    } else if (!std::strcmp(a, "--workers")) {
      if (!parse_unsigned(v, 64, &n) || n == 0) return usage_error("--workers needs 1..64");
      o.workers = static_cast<unsigned>(n);
      ++i;
    } else if (!std::strcmp(a, "--size")) {
      if (!parse_unsigned(v, 1u << 20, &n) || n == 0) return usage_error("--size needs 1..1048576");
      lo.size = static_cast<unsigned>(n);
      ++i;
    } else if (!std::strcmp(a, "--mode")) {
      if (!v || !apply_mode(v, o.ring_params)) return usage_error("unknown --mode ", v ? v : "");
      mode = v;
      ++i;
    } else {
      return usage_error("unknown argument ", a);
    }
  }
  auto server = handoff::Server::start(o);
  if (!server) {
    std::fprintf(stderr, "uringctl demo: the server cannot start: %s\n",
                 std::strerror(-server.error()));
    return 1;
  }
  lo.port = (*server)->port();
  if (!json)
    std::printf("hand-off demo: %u acceptor ring, %u worker rings (mode %s) on 127.0.0.1:%u\n",
                o.acceptors, o.workers, mode, lo.port);
  const handoff::LoadReport r = handoff::run_load(lo);
  (*server)->stop();
  const handoff::ServeStats st = (*server)->stats();

  std::uint64_t slots_left = st.open, enfile = 0;
  for (const auto& a : st.acceptors) slots_left += a.slots_in_use, enfile += a.accept_enfile;
  const bool books = st.accepted == st.handed_off && st.closed == st.handed_off &&
                     slots_left == 0 && enfile == 0 && st.accepted >= r.connections_done;
  const bool ok = r.ok && books;
  if (json) {
    handoff::print_json(stdout, lo, r);
    print_summary(st, true, mode);
  } else {
    handoff::print_text(stdout, lo, r);
    print_summary(st, false, mode);
    std::printf(
        "verdict: %s: %llu echoed bytes checked (%llu wrong); %llu connections accepted, %llu "
        "handed off, %llu closed; %llu slots left occupied, %llu lost to a full table\n",
        ok ? "ok" : "FAILED", static_cast<unsigned long long>(r.bytes),
        static_cast<unsigned long long>(r.mismatches), static_cast<unsigned long long>(st.accepted),
        static_cast<unsigned long long>(st.handed_off), static_cast<unsigned long long>(st.closed),
        static_cast<unsigned long long>(slots_left), static_cast<unsigned long long>(enfile));
  }
  std::fflush(stdout);
  return ok ? 0 : 1;
}

}  // namespace uringctl
