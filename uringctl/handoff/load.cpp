#include "load.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace handoff {

namespace {

std::int64_t now_ns() noexcept {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return std::int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// splitmix64's finaliser: spreads (connection, message) over all 64 bits, so neighbouring
// messages and connections get unrelated bytes and a byte echoed on the wrong connection or from
// the wrong message shows up as a mismatch.
std::uint64_t message_seed(std::uint64_t connection, std::uint64_t message) noexcept {
  std::uint64_t z = (connection << 32 | (message & 0xffffffffu)) + 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Byte `offset` of the message with this seed: one of the seed's 8 bytes plus the 8-byte word's
// number, so the pattern does not repeat within a message shorter than 2 KiB and a shifted echo
// mismatches.
inline std::uint8_t seeded_byte(std::uint64_t seed, std::uint64_t offset) noexcept {
  return std::uint8_t((seed >> (8 * (offset & 7))) + (offset >> 3));
}

// Log-bucket histogram: values below 16 get a bucket each; above, 16 buckets per power of two.
class Histogram {
 public:
  static constexpr unsigned kSubBits = 4, kSub = 1u << kSubBits;
  static constexpr unsigned kBuckets = (64 - kSubBits + 1) * kSub;

  static unsigned index(std::uint64_t v) noexcept {
    if (v < kSub) return unsigned(v);
    const unsigned e = 63 - unsigned(__builtin_clzll(v));  // >= kSubBits
    const unsigned mantissa = unsigned(v >> (e - kSubBits)) & (kSub - 1);
    return (e - kSubBits + 1) * kSub + mantissa;
  }
  // The largest value that falls into bucket i.
  static std::uint64_t upper(unsigned i) noexcept {
    if (i < kSub) return i;
    const unsigned e = i / kSub + kSubBits - 1, mantissa = i % kSub;
    const unsigned __int128 edge = (unsigned __int128)(kSub + mantissa + 1) << (e - kSubBits);
    return edge > UINT64_MAX ? UINT64_MAX : std::uint64_t(edge - 1);
  }

  void add(std::uint64_t v) noexcept { ++counts_[index(v)], ++total_; }
  void merge(const Histogram& o) noexcept {
    for (unsigned i = 0; i < kBuckets; ++i) counts_[i] += o.counts_[i];
    total_ += o.total_;
  }
  // The upper edge of the bucket holding the ceil(q * total)-th smallest value; 0 when empty.
  std::uint64_t quantile(double q) const noexcept {
    if (total_ == 0) return 0;
    const std::uint64_t rank =
        std::max<std::uint64_t>(1, std::uint64_t(std::ceil(q * double(total_))));
    std::uint64_t seen = 0;
    for (unsigned i = 0; i < kBuckets; ++i)
      if ((seen += counts_[i]) >= rank) return upper(i);
    return upper(kBuckets - 1);
  }

 private:
  std::uint64_t counts_[kBuckets] = {};
  std::uint64_t total_ = 0;
};

enum class State { idle, connecting, echo, draining };

struct Conn {
  int fd = -1;
  State state = State::idle;
  std::uint64_t id = 0;  // connection number, global across threads
  unsigned message = 0;
  unsigned sent = 0, received = 0;
  std::uint64_t seed = 0;  // message_seed(id, message)
  std::int64_t started_ns = 0;
  std::uint8_t* out = nullptr;  // this slot's send buffer (size bytes)
  bool queued = false;          // in Worker::again_
};

// One thread's share of the load: its own epoll, slots, buffers and counters.
class Worker {
 public:
  Worker(const LoadOptions& o, unsigned index, std::int64_t deadline_ns)
      : o_(o), deadline_ns_(deadline_ns), stride_(o.threads), next_id_(index) {
    quota_ = o.connections / o.threads + (index < o.connections % o.threads ? 1 : 0);
    const unsigned k = o.concurrency / o.threads + (index < o.concurrency % o.threads ? 1 : 0);
    slots_.resize(k);
    out_.resize(std::size_t(k) * o.size);
    in_.resize(std::min<std::size_t>(o.size, 64 * 1024));
    again_.reserve(k);
    turn_.reserve(k);
    for (unsigned i = 0; i < k; ++i) slots_[i].out = out_.data() + std::size_t(i) * o.size;
  }
  ~Worker() {
    if (ep_ >= 0) close(ep_);
  }

  void run() {
    ep_ = epoll_create1(EPOLL_CLOEXEC);
    if (ep_ < 0) return fail_run("epoll_create1", errno);
    for (Conn& c : slots_) start(c);
    epoll_event events[64];
    while (active_ > 0) {
      const std::int64_t left = deadline_ns_ - now_ns();
      if (left <= 0) break;
      const int timeout_ms =
          again_.empty() ? int(std::min<std::int64_t>((left + 999'999) / 1'000'000, 1000)) : 0;
      const int n = epoll_wait(ep_, events, 64, timeout_ms);
      if (n < 0) {
        if (errno == EINTR) continue;
        return fail_run("epoll_wait", errno);
      }
      for (int i = 0; i < n; ++i) {
        Conn& c = slots_[events[i].data.u32];
        if (c.state == State::connecting) connected(c);
        if (c.state == State::echo || c.state == State::draining) progress(c);
      }
      turn_.swap(again_);
      for (const std::uint32_t i : turn_) {
        slots_[i].queued = false;
        if (slots_[i].state == State::echo) progress(slots_[i]);
      }
      turn_.clear();
    }
    // Capped: connections were still open at the deadline, or the deadline stopped start() from
    // opening the rest of the quota (the last open ones may all have ended just after it).
    if (active_ > 0 || started_ < quota_) report_.capped = true;
    for (Conn& c : slots_)
      if (c.state != State::idle) finish(c);
  }

  LoadReport report_;
  Histogram latency_;

 private:
  void fail_run(const char* what, int err) {
    ++report_.errors;
    note(what, err);
    for (Conn& c : slots_)
      if (c.state != State::idle) finish(c);
  }

  void note(const char* what, int err) {
    if (!report_.first_error) report_.first_error = what, report_.first_errno = err;
  }

  // Ends the connection in slot c (done, failed or cut by the cap) and leaves the slot idle.
  void finish(Conn& c) {
    close(c.fd);  // also removes it from the epoll set
    c.fd = -1;
    c.state = State::idle;
    --active_;
  }

  void error(Conn& c, const char* what, int err) {
    fail(c, what, err);
    start(c);
  }

  void fail(Conn& c, const char* what, int err) {
    ++report_.errors;
    note(what, err);
    finish(c);
  }

  // Opens the slot's next connection, if the thread's quota has one left. A connection that
  // fails at once is counted and the next one tried here, without recursion.
  void start(Conn& c) {
    while (started_ < quota_ && now_ns() < deadline_ns_) {
      ++started_;
      ++active_;
      c.id = next_id_;
      next_id_ += stride_;
      c.message = 0;
      c.state = State::connecting;
      c.fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      if (c.fd < 0) {
        fail(c, "socket", errno);
        continue;
      }
      const int one = 1;
      setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      sockaddr_in to{};
      to.sin_family = AF_INET;
      to.sin_port = htons(o_.port);
      to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      if (connect(c.fd, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0) {
        begin_echo(c);
      } else if (errno != EINPROGRESS) {
        fail(c, "connect", errno);
        continue;
      }
      // Added after connect(): the set then reports the outcome (EPOLLOUT once established,
      // EPOLLERR with SO_ERROR set when refused), or EPOLLOUT at once when already connected.
      epoll_event ev{};
      ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
      ev.data.u32 = std::uint32_t(&c - slots_.data());
      if (epoll_ctl(ep_, EPOLL_CTL_ADD, c.fd, &ev) < 0) {
        fail(c, "epoll_ctl", errno);
        continue;
      }
      return;
    }
  }

  void connected(Conn& c) {
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) err = errno;
    if (err == EINPROGRESS || err == EALREADY) return;
    if (err != 0) return error(c, "connect", err);
    begin_echo(c);
  }

  void begin_echo(Conn& c) {
    c.state = State::echo;
    begin_message(c);
  }

  void begin_message(Conn& c) {
    c.sent = c.received = 0;
    c.seed = message_seed(c.id, c.message);
    for (unsigned i = 0; i < o_.size; ++i) c.out[i] = seeded_byte(c.seed, i);
    c.started_ns = now_ns();
  }

  // Moves the connection on until the socket blocks both ways (edge-triggered: every event
  // drains what it can, so no readiness is lost).
  void progress(Conn& c) {
    for (;;) {
      if (c.state == State::draining) {
        const ssize_t n = recv(c.fd, in_.data(), in_.size(), 0);
        if (n > 0) {
          report_.mismatches += std::uint64_t(n);  // bytes after the last message
          continue;
        }
        if (n == 0) {
          ++report_.connections_done;
          finish(c);
          start(c);
          return;
        }
        if (errno == EAGAIN || errno == EINTR) return;
        return error(c, "recv after the last message", errno);
      }
      bool send_blocked = false, recv_blocked = false;
      if (c.sent < o_.size) {
        const ssize_t n = send(c.fd, c.out + c.sent, o_.size - c.sent, MSG_NOSIGNAL);
        if (n > 0)
          c.sent += unsigned(n);
        else if (errno == EAGAIN)
          send_blocked = true;
        else if (errno != EINTR)
          return error(c, "send", errno);
      }
      if (c.received < c.sent) {
        const std::size_t want = std::min<std::size_t>(o_.size - c.received, in_.size());
        const ssize_t n = recv(c.fd, in_.data(), want, 0);
        if (n > 0) {
          check(c, std::size_t(n));
        } else if (n == 0) {
          return error(c, "recv: the server closed before echoing everything", 0);
        } else if (errno == EAGAIN) {
          recv_blocked = true;
        } else if (errno != EINTR) {
          return error(c, "recv", errno);
        }
      } else {
        recv_blocked = true;  // nothing sent that could come back yet
      }
      if (c.received == o_.size) {
        latency_.add(std::uint64_t(now_ns() - c.started_ns));
        ++report_.messages;
        if (++c.message == o_.messages) {
          c.state = State::draining;
          if (shutdown(c.fd, SHUT_WR) < 0) return error(c, "shutdown", errno);
          continue;
        }
        // Next message on the next turn, after the other connections' events: one connection
        // whose server keeps up must not hold the thread (its readiness is not lost: the slot
        // is queued to be progressed again).
        begin_message(c);
        if (!c.queued) again_.push_back(std::uint32_t(&c - slots_.data()));
        c.queued = true;
        return;
      }
      if ((send_blocked || c.sent == o_.size) && recv_blocked) return;
    }
  }

  void check(Conn& c, std::size_t n) {
    std::uint64_t wrong = 0;
    for (std::size_t i = 0; i < n; ++i) wrong += in_[i] != seeded_byte(c.seed, c.received + i);
    report_.mismatches += wrong;
    report_.bytes += n;
    c.received += unsigned(n);
  }

  const LoadOptions o_;
  const std::int64_t deadline_ns_;
  const unsigned stride_;
  std::uint64_t next_id_;
  unsigned quota_ = 0, started_ = 0, active_ = 0;
  int ep_ = -1;
  std::vector<Conn> slots_;
  std::vector<std::uint8_t> out_, in_;
  // Slots with a message just begun, to progress after this turn's events; Conn::queued keeps a
  // slot in again_ at most once, so k entries are enough and push_back never allocates.
  std::vector<std::uint32_t> again_, turn_;
};

}  // namespace

std::uint8_t pattern_byte(std::uint64_t connection, std::uint64_t message,
                          std::uint64_t offset) noexcept {
  return seeded_byte(message_seed(connection, message), offset);
}

const char* check(const LoadOptions& o) {
  if (o.port == 0) return "--port must be 1..65535";
  if (o.connections == 0) return "--connections must be at least 1";
  if (o.concurrency == 0) return "--concurrency must be at least 1";
  if (o.messages == 0) return "--messages must be at least 1";
  if (o.size == 0 || o.size > (1u << 30)) return "--size must be 1..1073741824 bytes";
  if (!(o.duration_s > 0) || o.duration_s > 24 * 3600)
    return "--duration must be more than 0 and at most 86400 s";
  if (o.threads == 0 || o.threads > 256) return "--threads must be 1..256";
  if (o.threads > o.concurrency || o.threads > o.connections)
    return "--threads must not exceed --concurrency or --connections";
  return nullptr;
}

LoadReport run_load(const LoadOptions& o) {
  LoadReport total;
  if (const char* why = check(o)) {
    total.errors = 1;
    total.first_error = why;
    total.first_errno = EINVAL;
    return total;
  }
  const std::int64_t t0 = now_ns();
  const std::int64_t deadline = t0 + std::int64_t(o.duration_s * 1e9);
  // Workers hold 15 KiB of histogram each: on the heap, not on a thread's stack.
  std::vector<std::unique_ptr<Worker>> workers;
  for (unsigned i = 0; i < o.threads; ++i)
    workers.push_back(std::make_unique<Worker>(o, i, deadline));
  std::vector<std::thread> threads;
  for (unsigned i = 1; i < o.threads; ++i)
    threads.emplace_back([w = workers[i].get()] { w->run(); });
  workers[0]->run();
  for (std::thread& t : threads) t.join();
  total.seconds = double(now_ns() - t0) / 1e9;

  Histogram latency;
  for (const auto& w : workers) {
    const LoadReport& r = w->report_;
    total.connections_done += r.connections_done;
    total.messages += r.messages;
    total.bytes += r.bytes;
    total.mismatches += r.mismatches;
    total.errors += r.errors;
    total.capped = total.capped || r.capped;
    if (!total.first_error) total.first_error = r.first_error, total.first_errno = r.first_errno;
    latency.merge(w->latency_);
  }
  total.conn_per_s = double(total.connections_done) / total.seconds;
  total.msgs_per_s = double(total.messages) / total.seconds;
  total.p50_ns = latency.quantile(0.5);
  total.p99_ns = latency.quantile(0.99);
  total.p999_ns = latency.quantile(0.999);
  total.ok =
      total.mismatches == 0 && total.errors == 0 &&
      (total.connections_done == o.connections || (total.capped && total.connections_done >= 1));
  return total;
}

namespace {

std::string error_text(const LoadReport& r) {
  if (!r.first_error) return "";
  std::string s = r.first_error;
  if (r.first_errno) s += std::string(": ") + std::strerror(r.first_errno);
  return s;
}

std::string json_string(const std::string& s) {
  std::string o = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') o += '\\';
    o += c;
  }
  return o + "\"";
}

}  // namespace

void print_text(std::FILE* out, const LoadOptions& o, const LoadReport& r) {
  std::fprintf(out,
               "load 127.0.0.1:%u: %u connections (%u in flight, %u threads), %u messages of %u "
               "bytes each, cap %.3g s\n",
               o.port, o.connections, o.concurrency, o.threads, o.messages, o.size, o.duration_s);
  std::fprintf(out, "done: %llu connections, %llu messages, %llu bytes in %.3f s%s\n",
               (unsigned long long)r.connections_done, (unsigned long long)r.messages,
               (unsigned long long)r.bytes, r.seconds, r.capped ? " (time cap reached)" : "");
  std::fprintf(out, "connections/s %.0f, messages/s %.0f\n", r.conn_per_s, r.msgs_per_s);
  std::fprintf(out, "latency p50 %.1f us, p99 %.1f us, p99.9 %.1f us\n", double(r.p50_ns) / 1e3,
               double(r.p99_ns) / 1e3, double(r.p999_ns) / 1e3);
  std::string verdict = "ok";
  if (!r.ok) {
    verdict = "FAILED";
    if (r.first_error)
      verdict += ", first error: " + error_text(r);
    else if (r.mismatches == 0)
      verdict += ": the time cap came before any connection was done";
  }
  std::fprintf(out, "mismatched bytes %llu, failed connections %llu: %s\n",
               (unsigned long long)r.mismatches, (unsigned long long)r.errors, verdict.c_str());
}

void print_json(std::FILE* out, const LoadOptions& o, const LoadReport& r) {
  std::fprintf(
      out,
      "{\"port\": %u, \"connections\": %u, \"concurrency\": %u, \"messages\": %u, "
      "\"size\": %u, \"duration_s\": %.6g, \"threads\": %u, \"connections_done\": %llu, "
      "\"messages_done\": %llu, \"bytes\": %llu, \"mismatches\": %llu, \"errors\": %llu, "
      "\"capped\": %s, \"seconds\": %.6f, \"conn_per_s\": %.1f, \"msgs_per_s\": %.1f, "
      "\"p50_ns\": %llu, \"p99_ns\": %llu, \"p999_ns\": %llu, \"first_error\": %s, "
      "\"ok\": %s}\n",
      o.port, o.connections, o.concurrency, o.messages, o.size, o.duration_s, o.threads,
      (unsigned long long)r.connections_done, (unsigned long long)r.messages,
      (unsigned long long)r.bytes, (unsigned long long)r.mismatches, (unsigned long long)r.errors,
      r.capped ? "true" : "false", r.seconds, r.conn_per_s, r.msgs_per_s,
      (unsigned long long)r.p50_ns, (unsigned long long)r.p99_ns, (unsigned long long)r.p999_ns,
      r.first_error ? json_string(error_text(r)).c_str() : "null", r.ok ? "true" : "false");
}

}  // namespace handoff
