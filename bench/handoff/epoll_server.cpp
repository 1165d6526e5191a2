// The echo server a user would write instead of io_uring: thread per core, each worker with its own
// SO_REUSEPORT listener on 127.0.0.1 (the kernel spreads connections over them) and its own epoll
// set, edge-triggered nonblocking sockets, echoing each read back before reading on.
//
// The serve contract shared with `uringctl serve` and bench/handoff/liburing_server.cpp:
//   bench_handoff_epoll_server --port P --workers W
// prints exactly one line "listening 127.0.0.1:<port>" once every listener is bound (port 0: the
// first listener's ephemeral port, which the others then share), and exits 0 on SIGTERM or SIGINT.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <unordered_map>
#include <vector>

#include "contract.hpp"

namespace {

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "epoll_server: %s: %s\n", what, std::strerror(errno));
  std::exit(1);
}

int listener(std::uint16_t port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) die("socket");
  const int one = 1;
  if (setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) < 0) die("SO_REUSEPORT");
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) < 0) die("bind");
  if (listen(fd, 4096) < 0) die("listen");
  return fd;
}

// Bytes read but not yet sent back because the peer's receive window was full.
struct Pending {
  std::vector<char> bytes;
  std::size_t sent = 0;
};

class Worker {
 public:
  Worker(int listen_fd, int stop_fd) : listen_(listen_fd), stop_(stop_fd), buf_(64 * 1024) {}

  void run() {
    ep_ = epoll_create1(EPOLL_CLOEXEC);
    if (ep_ < 0) die("epoll_create1");
    add(listen_, EPOLLIN);
    add(stop_, EPOLLIN);
    epoll_event events[128];
    for (;;) {
      const int n = epoll_wait(ep_, events, 128, -1);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) die("epoll_wait");
      for (int i = 0; i < n; ++i) {
        const int fd = events[i].data.fd;
        if (fd == stop_) return shut();
        if (fd == listen_)
          accept_all();
        else
          serve(fd);
      }
    }
  }

 private:
  void add(int fd, std::uint32_t events) {
    epoll_event ev{};
    ev.events = events;
    ev.data.fd = fd;
    if (epoll_ctl(ep_, EPOLL_CTL_ADD, fd, &ev) < 0) die("epoll_ctl");
  }

  void accept_all() {
    for (;;) {
      const int c = accept4(listen_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (c < 0) {
        if (errno == EAGAIN || errno == EINTR) return;
        if (errno == ECONNABORTED) continue;
        if (errno == EMFILE || errno == ENFILE) return;  // retried on the next readiness
        die("accept4");
      }
      const int one = 1;
      setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      add(c, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET);
      if (std::size_t(c) >= open_.size()) open_.resize(std::size_t(c) * 2 + 1);
      open_[std::size_t(c)] = 1;
    }
  }

  void drop(int fd) {
    open_[std::size_t(fd)] = 0;
    close(fd);
    pending_.erase(fd);
  }

  // Sends what is left from an earlier short send; false while the peer still cannot take it.
  bool flush(int fd, Pending& p) {
    while (p.sent < p.bytes.size()) {
      const ssize_t w = send(fd, p.bytes.data() + p.sent, p.bytes.size() - p.sent, MSG_NOSIGNAL);
      if (w > 0) {
        p.sent += std::size_t(w);
      } else if (errno == EAGAIN) {
        return false;
      } else if (errno != EINTR) {
        return false;
      }
    }
    return true;
  }

  void serve(int fd) {
    if (auto it = pending_.find(fd); it != pending_.end()) {
      if (!flush(fd, it->second)) return;  // EPOLLOUT comes back when the window opens
      pending_.erase(it);
    }
    for (;;) {
      const ssize_t n = recv(fd, buf_.data(), buf_.size(), 0);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) return drop(fd);
      if (n < 0) {
        if (errno == EAGAIN) return;
        continue;
      }
      std::size_t done = 0;
      while (done < std::size_t(n)) {
        const ssize_t w = send(fd, buf_.data() + done, std::size_t(n) - done, MSG_NOSIGNAL);
        if (w > 0) {
          done += std::size_t(w);
        } else if (errno == EAGAIN) {
          Pending& p = pending_[fd];
          p.bytes.assign(buf_.data() + done, buf_.data() + n);
          p.sent = 0;
          return;  // reading stops until the backlog is sent
        } else if (errno != EINTR) {
          return drop(fd);
        }
      }
    }
  }

  // Closes every connection this worker accepted that is still open.
  void shut() {
    for (std::size_t fd = 0; fd < open_.size(); ++fd)
      if (open_[fd]) close(int(fd));
    close(ep_);
  }

  int listen_, stop_, ep_ = -1;
  std::vector<char> buf_;
  std::unordered_map<int, Pending> pending_;
  std::vector<std::uint8_t> open_;  // by fd: 1 while this worker's connection is open
};

}  // namespace

int main(int argc, char** argv) {
  const auto [port, workers] = handoff_bench::parse_serve_args(argc, argv);

  std::vector<int> listeners{listener(std::uint16_t(port))};
  sockaddr_in a{};
  socklen_t len = sizeof a;
  if (getsockname(listeners[0], reinterpret_cast<sockaddr*>(&a), &len) < 0) die("getsockname");
  const std::uint16_t bound = ntohs(a.sin_port);
  for (unsigned long w = 1; w < workers; ++w) listeners.push_back(listener(bound));
  const int stop = eventfd(0, EFD_CLOEXEC);  // stays readable: every worker sees it
  if (stop < 0) die("eventfd");

  std::vector<std::thread> threads;
  for (int fd : listeners) threads.emplace_back([fd, stop] { Worker(fd, stop).run(); });
  handoff_bench::announce_listening(bound);

  handoff_bench::wait_for_stop();
  const std::uint64_t one = 1;
  if (write(stop, &one, sizeof one) != sizeof one) die("eventfd write");
  for (std::thread& t : threads) t.join();
  for (int fd : listeners) close(fd);
  return 0;
}
