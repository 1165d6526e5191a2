// The hand-off server (uringctl/handoff/server.hpp) against the real kernel: every byte echoed,
// every count exact, no fd or slot left behind, stop() returns with every thread gone; and the
// back-pressure paths (tables of 4 slots, a dry buffer ring) taken and counted.
#include "uringctl/handoff/server.hpp"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <thread>
#include <vector>

#include "support/modes.hpp"
#include "uring/msg_ring.hpp"

namespace {

int count_fds() {
  int n = 0;
  DIR* d = ::opendir("/proc/self/fd");
  while (dirent* e = ::readdir(d))
    if (e->d_name[0] != '.') ++n;
  ::closedir(d);
  return n - 1;  // the DIR's own fd
}

int connect_to(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -errno;
  timeval tv{5, 0};  // a lost echo fails the test instead of hanging it
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) < 0) {
    const int e = errno;
    ::close(fd);
    return -e;  // -errno, for the failure message
  }
  return fd;
}

// Sends `len` bytes derived from `seed` and reads them back; true when every byte matched.
bool echo(int fd, unsigned seed, std::size_t len) {
  std::vector<unsigned char> out(len), in(len);
  for (std::size_t i = 0; i < len; ++i) out[i] = static_cast<unsigned char>((seed * 131 + i) % 251);
  std::size_t sent = 0;
  while (sent < len) {
    const ssize_t n = ::send(fd, out.data() + sent, len - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  std::size_t got = 0;
  while (got < len) {
    const ssize_t n = ::recv(fd, in.data() + got, len - got, 0);
    if (n <= 0) return false;
    got += static_cast<std::size_t>(n);
  }
  return in == out;
}

std::size_t message_len(unsigned conn, unsigned msg) {
  return 1 + (conn * 977 + msg * 4099) % 9000;
}

// Where the kernel lacks MSG_RING SEND_FD (6.0; the server also needs multishot accept direct,
// 5.19, and multishot recv into a buffer ring, 6.0, which every kernel with SEND_FD has), start()
// refuses with -EOPNOTSUPP: asserted, and the UNSUPPORTED line names the kernel. True when the
// test has nothing more to run.
template <class R>
bool refused_on_this_kernel(const R& server) {
  auto support = uring::msg_ring_support();
  if (support && support->send_fd) return false;
  REQUIRE(server.error() == -EOPNOTSUPP);
  test::unsupported("hand-off server: MSG_RING SEND_FD (6.0): Server::start answers -EOPNOTSUPP");
  return true;
}

// Waits (up to 5 s) until pred(stats) holds; returns the last stats.
template <class P>
handoff::ServeStats wait_for(handoff::Server& s, P pred) {
  handoff::ServeStats st = s.stats();
  for (int i = 0; i < 5000 && !pred(st); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    st = s.stats();
  }
  return st;
}

}  // namespace

TEST_CASE("hand-off server: 256 connections over 2 workers, every byte back, nothing leaked",
          "[handoff]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  const bool plain_accept = GENERATE(false, true);
  INFO("plain_accept " << plain_accept);

  const int fds_before = count_fds();
  handoff::ServeOptions o;
  o.workers = 2;
  o.ring_params = test::params(mode);
  o.plain_accept = plain_accept;
  auto server = handoff::Server::start(o);
  if (refused_on_this_kernel(server)) return;
  INFO("start: errno " << (server.ok() ? 0 : -server.error()));
  REQUIRE(server.ok());
  const std::uint16_t port = (*server)->port();
  REQUIRE(port != 0);

  constexpr unsigned kThreads = 8, kPerThread = 32, kMessages = 3;
  std::atomic<unsigned> failures{0};
  std::atomic<std::uint64_t> bytes{0};
  std::vector<std::thread> clients;
  for (unsigned t = 0; t < kThreads; ++t)
    clients.emplace_back([&, t] {
      for (unsigned i = 0; i < kPerThread; ++i) {
        const unsigned conn = t * kPerThread + i;
        const int fd = connect_to(port);
        if (fd < 0) {
          ++failures;
          continue;
        }
        for (unsigned m = 0; m < kMessages; ++m) {
          const std::size_t len = message_len(conn, m);
          if (!echo(fd, conn + m, len))
            ++failures;
          else
            bytes += len;
        }
        ::close(fd);
      }
    });
  for (auto& c : clients) c.join();
  REQUIRE(failures == 0);

  constexpr unsigned kConns = kThreads * kPerThread;
  // The clients have their echoes; the server closes its slots after seeing their EOFs.
  auto st = wait_for(**server, [](const handoff::ServeStats& s) { return s.closed == kConns; });
  CHECK(st.closed == kConns);
  (*server)->stop();
  (*server)->stop();  // idempotent
  st = (*server)->stats();
  CHECK(st.accepted == kConns);
  CHECK(st.handed_off == kConns);
  CHECK(st.closed == kConns);
  CHECK(st.open == 0);
  CHECK(st.bytes_echoed == bytes.load());
  REQUIRE(st.acceptors.size() == 1);
  const auto& a = st.acceptors[0];
  CHECK(a.slots_in_use == 0);
  CHECK(a.accept_enfile == 0);
  CHECK(a.accept_errors == 0);
  CHECK(a.worker_full == 0);
  CHECK(a.handoff_errors == 0);
  CHECK(a.closed_at_stop == 0);
  CHECK(a.multishot_armed == 1);  // 1024 free slots: one multishot accept served them all
  CHECK(a.single_accepts == 0);
  if (plain_accept) {
    CHECK(a.files_updates >= 1);
    CHECK(a.files_updates <= kConns);
  } else {
    CHECK(a.files_updates == 0);
  }
  REQUIRE(st.workers.size() == 2);
  std::uint64_t served = 0;
  for (const auto& w : st.workers) {
    CHECK(w.open == 0);
    CHECK(w.served == w.closed);
    CHECK(w.conn_errors == 0);
    CHECK(w.served > 0);  // least loaded: both workers get connections
    served += w.served;
  }
  CHECK(served == kConns);
  server = uring::Errno{-EINVAL};  // destroys the server
  CHECK(count_fds() == fds_before);
}

TEST_CASE("hand-off server back-pressure: tables of 4 slots", "[handoff]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  const int fds_before = count_fds();
  handoff::ServeOptions o;
  o.workers = 2;
  o.acceptor_slots = 4;
  o.worker_slots = 4;
  o.ring_params = test::params(mode);
  auto server = handoff::Server::start(o);
  if (refused_on_this_kernel(server)) return;
  INFO("start: errno " << (server.ok() ? 0 : -server.error()));
  REQUIRE(server.ok());
  handoff::Server& s = **server;
  const std::uint16_t port = s.port();

  // Phase 1: 8 connections fill both worker tables (least loaded: 4 each).
  std::vector<int> first;
  for (unsigned i = 0; i < 8; ++i) {
    first.push_back(connect_to(port));
    REQUIRE(first.back() >= 0);
    const bool echoed = echo(first.back(), i, 100);
    if (!echoed) {
      const auto x = s.stats();
      FAIL("connection " << i << ": accepted " << x.accepted << " handed_off " << x.handed_off
                         << " worker_full " << x.acceptors[0].worker_full << " retries "
                         << x.acceptors[0].handoff_retries << " held_max "
                         << x.acceptors[0].held_max << " open " << x.workers[0].open << "/"
                         << x.workers[1].open << " served " << x.workers[0].served << "/"
                         << x.workers[1].served << " bytes " << x.bytes_echoed
                         << " cancelled_close_cqes " << x.acceptors[0].cancelled_close_cqes
                         << " last error " << std::hex << x.workers[0].last_error << "/"
                         << x.workers[1].last_error);
    }
  }
  // The worker may echo before the acceptor has reaped the linked close: wait for it.
  auto st = wait_for(s, [](const handoff::ServeStats& x) { return x.handed_off == 8; });
  CHECK(st.handed_off == 8);
  CHECK(st.workers[0].open == 4);
  CHECK(st.workers[1].open == 4);

  // Phase 2: 4 more are accepted into the acceptor's 4 slots, and every hand-off is refused
  // (-ENFILE): the acceptor holds them, retrying, and arms no accept (its table is full).
  std::vector<int> second;
  for (unsigned i = 0; i < 4; ++i) {
    second.push_back(connect_to(port));
    REQUIRE(second.back() >= 0);
  }
  st = wait_for(s, [](const handoff::ServeStats& x) {
    return x.accepted == 12 && x.acceptors[0].worker_full >= 8;
  });
  CHECK(st.accepted == 12);
  CHECK(st.acceptors[0].slots_in_use == 4);
  CHECK(st.acceptors[0].accept_deferred == 1);
  CHECK(st.acceptors[0].worker_full >= 8);  // each held slot refused at least twice
  CHECK(st.acceptors[0].held_max >= 1);
  CHECK(st.acceptors[0].held_max <= 4);

  // A 13th client: the kernel's listen backlog takes it, the server does not (no accept armed).
  const int last = connect_to(port);
  REQUIRE(last >= 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  CHECK(s.stats().accepted == 12);

  // Closing the first 8 frees the workers' slots: the held hand-offs land, the 13th is accepted.
  for (int fd : first) ::close(fd);
  for (unsigned i = 0; i < 4; ++i) CHECK(echo(second[i], 100 + i, 5000));
  CHECK(echo(last, 200, 5000));
  for (int fd : second) ::close(fd);
  ::close(last);
  // Each freed slot gets its single-shot accept re-armed once the acceptor reaps the slot's
  // linked close, which may come after the worker's close: wait for all four before stop().
  st = wait_for(s, [](const handoff::ServeStats& x) {
    return x.closed == 13 && x.acceptors[0].single_accepts == 13 + 4;
  });
  s.stop();
  st = s.stats();
  const auto& a = st.acceptors[0];
  CHECK(st.accepted == 13);
  CHECK(st.handed_off == 13);
  CHECK(st.closed == 13);
  CHECK(st.open == 0);
  CHECK(st.bytes_echoed == 8 * 100 + 4 * 5000 + 5000);
  CHECK(a.slots_in_use == 0);
  CHECK(a.accept_enfile == 0);    // bounded accepts never met a full table
  CHECK(a.multishot_armed == 0);  // 4 slots <= the multishot reserve
  // One single-shot accept per free slot: 13 completed, and 4 were in flight when stop()
  // cancelled them.
  CHECK(a.single_accepts == 13 + 4);
  CHECK(a.handoff_retries == a.worker_full);  // every refusal retried, none dropped
  // A failed skip-success MSG_RING silences its linked close (REQ_F_SKIP_LINK_CQES).
  CHECK(a.cancelled_close_cqes == 0);
  CHECK(a.handoff_errors == 0);
  CHECK(a.closed_at_stop == 0);
  for (const auto& w : st.workers) {
    CHECK(w.open == 0);
    CHECK(w.conn_errors == 0);
  }
  server = uring::Errno{-EINVAL};
  CHECK(count_fds() == fds_before);
}

TEST_CASE("hand-off server: a dry buffer ring ends multishot recv, re-armed after recycling",
          "[handoff]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  handoff::ServeOptions o;
  o.workers = 1;
  o.bufs_per_worker = 2;
  o.buf_size = 64;
  o.ring_params = test::params(mode);
  auto server = handoff::Server::start(o);
  if (refused_on_this_kernel(server)) return;
  INFO("start: errno " << (server.ok() ? 0 : -server.error()));
  REQUIRE(server.ok());
  const int fd = connect_to((*server)->port());
  REQUIRE(fd >= 0);
  // 64 KiB through 2 buffers of 64 bytes: the ring runs dry again and again.
  CHECK(echo(fd, 7, 65536));
  ::close(fd);
  wait_for(**server, [](const handoff::ServeStats& x) { return x.closed == 1; });
  (*server)->stop();
  const auto st = (*server)->stats();
  CHECK(st.bytes_echoed == 65536);
  CHECK(st.closed == 1);
  CHECK(st.workers[0].enobufs >= 1);
  CHECK(st.workers[0].rearmed >= st.workers[0].enobufs);
  CHECK(st.workers[0].conn_errors == 0);
  INFO("last error " << std::hex << st.workers[0].last_error);
  CHECK(st.workers[0].last_error == 0);
}
