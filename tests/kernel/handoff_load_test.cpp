// handoff::run_load (uringctl/handoff/load.hpp) against echo servers in the test: a thread with
// blocking sockets that serves one connection at a time (the others wait in the listen backlog).
// Exact counts: a faithful echo gives C*M messages and C*M*S bytes with no mismatch; a server that
// flips one byte per message gives exactly C*M mismatches and ok == false; a refused port fails
// every connection; a server that never answers is cut by the time cap with nothing done. No
// io_uring here: the load generator must not need it.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cstdint>
#include <thread>
#include <vector>

#include "uringctl/handoff/load.hpp"

namespace {

enum class Echo { faithful, flip_first_byte_of_each_message, silent };

// Listens on 127.0.0.1 (an ephemeral port); serves connections one after another until stopped.
class EchoServer {
 public:
  EchoServer(Echo how, unsigned message_size) : how_(how), size_(message_size) {
    listener_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(listener_ >= 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(bind(listener_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(listen(listener_, 1024) == 0);
    socklen_t len = sizeof a;
    REQUIRE(getsockname(listener_, reinterpret_cast<sockaddr*>(&a), &len) == 0);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~EchoServer() {
    shutdown(listener_, SHUT_RDWR);  // wakes the blocked accept() with EINVAL
    thread_.join();
    close(listener_);
  }
  std::uint16_t port() const { return port_; }
  unsigned accepted() const { return accepted_.load(); }

 private:
  void serve() {
    std::vector<unsigned char> buf(64 * 1024);
    for (;;) {
      const int c = accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) return;
      accepted_.fetch_add(1);
      std::uint64_t offset = 0;  // of the connection's byte stream
      for (;;) {
        const ssize_t n = recv(c, buf.data(), buf.size(), 0);
        if (n <= 0) break;
        if (how_ == Echo::silent) continue;
        if (how_ == Echo::flip_first_byte_of_each_message)
          for (ssize_t i = 0; i < n; ++i)
            if ((offset + std::uint64_t(i)) % size_ == 0) buf[size_t(i)] ^= 0x40;
        offset += std::uint64_t(n);
        for (ssize_t done = 0; done < n;) {
          const ssize_t w = send(c, buf.data() + done, size_t(n - done), MSG_NOSIGNAL);
          if (w <= 0) break;
          done += w;
        }
      }
      close(c);
    }
  }

  Echo how_;
  unsigned size_;
  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<unsigned> accepted_{0};  // read while serve() runs (the silent-server case)
  std::thread thread_;
};

handoff::LoadOptions options(std::uint16_t port, unsigned c, unsigned k, unsigned m, unsigned s,
                             unsigned threads = 1, double cap = 20) {
  handoff::LoadOptions o;
  o.port = port, o.connections = c, o.concurrency = k, o.messages = m, o.size = s;
  o.duration_s = cap, o.threads = threads;
  return o;
}

}  // namespace

TEST_CASE("run_load against a faithful echo server: every message and byte, exactly") {
  struct Shape {
    unsigned c, k, m, s, threads;
  };
  const Shape shape =
      GENERATE(Shape{50, 4, 7, 100, 1}, Shape{40, 6, 3, 20000, 2}, Shape{30, 3, 1, 1, 3});
  CAPTURE(shape.c, shape.k, shape.m, shape.s, shape.threads);
  handoff::LoadReport r;
  {
    EchoServer server(Echo::faithful, shape.s);
    r = handoff::run_load(
        options(server.port(), shape.c, shape.k, shape.m, shape.s, shape.threads));
  }
  CHECK(r.first_error == nullptr);
  CHECK(r.errors == 0);
  CHECK(r.connections_done == shape.c);
  CHECK(r.messages == std::uint64_t(shape.c) * shape.m);
  CHECK(r.bytes == std::uint64_t(shape.c) * shape.m * shape.s);
  CHECK(r.mismatches == 0);
  CHECK_FALSE(r.capped);
  CHECK(r.p50_ns > 0);
  CHECK(r.p50_ns <= r.p99_ns);
  CHECK(r.p99_ns <= r.p999_ns);
  CHECK(r.ok);
}

TEST_CASE("run_load against a server that flips one byte per message: one mismatch each") {
  const unsigned threads = GENERATE(1u, 2u);
  handoff::LoadReport r;
  {
    EchoServer server(Echo::flip_first_byte_of_each_message, 300);
    r = handoff::run_load(options(server.port(), 25, 4, 6, 300, threads));
  }
  CHECK(r.errors == 0);
  CHECK(r.connections_done == 25);
  CHECK(r.messages == 25 * 6);
  CHECK(r.bytes == 25 * 6 * 300);
  CHECK(r.mismatches == 25 * 6);
  CHECK_FALSE(r.ok);
}

TEST_CASE("run_load against a closed port: every connection fails, none is done") {
  // Bind a port, then close it without listening: nothing accepts there.
  const int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(s >= 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  socklen_t len = sizeof a;
  REQUIRE(getsockname(s, reinterpret_cast<sockaddr*>(&a), &len) == 0);
  close(s);
  const handoff::LoadReport r = handoff::run_load(options(ntohs(a.sin_port), 12, 3, 2, 10));
  CHECK(r.errors == 12);
  CHECK(r.connections_done == 0);
  CHECK(r.messages == 0);
  REQUIRE(r.first_error != nullptr);
  CHECK(std::string(r.first_error) == "connect");
  CHECK(r.first_errno == ECONNREFUSED);
  CHECK_FALSE(r.ok);
}

TEST_CASE("run_load against a server that never answers: the time cap ends it, not ok") {
  handoff::LoadReport r;
  unsigned accepted = 0;
  {
    EchoServer server(Echo::silent, 64);
    r = handoff::run_load(options(server.port(), 5, 2, 1, 64, 1, 0.3));
    accepted = server.accepted();
  }
  CHECK(accepted >= 1);
  CHECK(r.capped);
  CHECK(r.seconds >= 0.3);
  CHECK(r.errors == 0);
  CHECK(r.connections_done == 0);
  CHECK(r.messages == 0);
  CHECK(r.bytes == 0);
  CHECK_FALSE(r.ok);  // capped with nothing done
}

TEST_CASE("run_load refuses options it cannot run, with the reason") {
  const handoff::LoadOptions good = options(9, 4, 2, 1, 8);
  CHECK(handoff::check(good) == nullptr);
  auto refused = [&](handoff::LoadOptions o) {
    const handoff::LoadReport r = handoff::run_load(o);
    CHECK(r.errors == 1);
    CHECK(r.connections_done == 0);
    CHECK_FALSE(r.ok);
    REQUIRE(r.first_error != nullptr);
    return std::string(r.first_error);
  };
  handoff::LoadOptions o = good;
  o.port = 0;
  CHECK(refused(o) == "--port must be 1..65535");
  o = good, o.threads = 3;
  CHECK(refused(o) == "--threads must not exceed --concurrency or --connections");
  o = good, o.duration_s = 0;
  CHECK(refused(o) == "--duration must be more than 0 and at most 86400 s");
  o = good, o.size = 0;
  CHECK(refused(o) == "--size must be 1..1073741824 bytes");
}

TEST_CASE("pattern_byte depends on the connection, the message and the offset") {
  CHECK(handoff::pattern_byte(1, 2, 3) == handoff::pattern_byte(1, 2, 3));
  int differ_conn = 0, differ_msg = 0, differ_word = 0;
  for (unsigned i = 0; i < 64; ++i) {
    differ_conn += handoff::pattern_byte(1, 2, i) != handoff::pattern_byte(2, 2, i);
    differ_msg += handoff::pattern_byte(1, 2, i) != handoff::pattern_byte(1, 3, i);
    differ_word += handoff::pattern_byte(1, 2, i) != handoff::pattern_byte(1, 2, i + 8);
  }
  CHECK(differ_conn >= 56);
  CHECK(differ_msg >= 56);
  CHECK(differ_word == 64);  // the word number is added: a shift by 8 bytes always mismatches
}
