// The hand-off echo server of `uringctl serve` written with liburing, for the bench's side by side:
// one acceptor thread and ring, W worker threads each with a ring of its own.
//
//   acceptor: multishot ACCEPT straight into a sparse direct-descriptor table
//   (IORING_FILE_INDEX_ALLOC);
//             each accepted slot goes to the next worker (round robin) with MSG_RING SEND_FD into a
//             slot the worker's table allocates, linked to CLOSE of the acceptor's own slot, both
//             with CQE_SKIP_SUCCESS: the acceptor sees a CQE for a connection only when it fails.
//   worker:   the MSG_RING CQE carries the new slot; multishot RECV on the fixed file into a
//             provided-buffer ring, SEND of each buffer back (one send in flight per connection,
//             the rest queued in order), the buffer back to the ring when sent, CLOSE of the slot
//             once the peer's EOF has come and every byte went back.
//
// Only API present in liburing 2.3 (Debian 12's) is used, so it builds from there to the newest;
// the one helper 2.3 lacks (io_uring_prep_msg_ring_fd_alloc, 2.4) is replaced by setting the SQE by
// hand, and the provided-buffer ring is mmap'ed and registered by hand (io_uring_setup_buf_ring is
// 2.4 too).
//
// The serve contract shared with `uringctl serve` and bench/handoff/epoll_server.cpp:
//   bench_handoff_liburing_server --port P --workers W
// prints exactly one line "listening 127.0.0.1:<port>" once every ring is ready, and exits 0 on
// SIGTERM or SIGINT (a MSG_RING to each ring stops it; exiting a ring closes its table).
#include <arpa/inet.h>
#include <liburing.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

#include "contract.hpp"

namespace {

// user_data: the kind in the top byte, a slot (or nothing) below.
constexpr std::uint64_t kAccept = 1ULL << 56, kHandoff = 2ULL << 56, kNewConn = 3ULL << 56,
                        kRecv = 4ULL << 56, kSend = 5ULL << 56, kClose = 6ULL << 56,
                        kCancel = 7ULL << 56, kStop = 8ULL << 56, kKind = 0xffULL << 56;

// Tables of 1024 (uringctl serve's defaults): one larger than RLIMIT_NOFILE is refused (-EMFILE).
constexpr unsigned kAcceptorSlots = 1024, kWorkerSlots = 1024;
constexpr unsigned kBuffers = 512, kBufferSize = 16 * 1024;  // per worker: 8 MiB
constexpr unsigned kEntries = 512, kCqEntries = 8192;

[[noreturn]] void die(const char* what, int err) {
  std::fprintf(stderr, "liburing_server: %s: %s\n", what, std::strerror(err));
  std::exit(1);
}

void init_ring(io_uring* ring) {
  io_uring_params p{};
  p.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_CQSIZE;
  p.cq_entries = kCqEntries;
  if (const int r = io_uring_queue_init_params(kEntries, ring, &p); r < 0) die("queue_init", -r);
}

// An SQE, submitting what is queued first when the SQ is full.
io_uring_sqe* sqe_of(io_uring* ring) {
  for (;;) {
    if (io_uring_sqe* s = io_uring_get_sqe(ring)) return s;
    if (const int r = io_uring_submit(ring); r < 0) die("submit", -r);
  }
}

// Counters printed on stderr at exit (zero in a clean run).
std::atomic<unsigned long> g_dropped{0}, g_failed_sends{0};

struct Ready {
  std::atomic<unsigned> rings{0};
  std::vector<int> ring_fds;  // each worker's, written before it counts itself in `rings`
};

class Worker {
 public:
  void run(Ready* ready, unsigned index) {
    init_ring(&ring_);
    if (const int r = io_uring_register_files_sparse(&ring_, kWorkerSlots); r < 0)
      die("register_files_sparse", -r);
    setup_buffers();
    ready->ring_fds[index] = ring_.ring_fd;
    ready->rings.fetch_add(1, std::memory_order_release);
    conns_.resize(kWorkerSlots);
    loop();
    io_uring_queue_exit(&ring_);  // closes every slot still open
    munmap(br_, kBuffers * sizeof(io_uring_buf));
  }

 private:
  struct Conn {
    int head = -1, tail = -1;  // buffers received and not yet sent back, in order
    unsigned offset = 0;       // of the head buffer already sent
    bool sending = false, recv_done = false, failed = false;
  };

  void setup_buffers() {
    const std::size_t bytes = kBuffers * sizeof(io_uring_buf);
    void* mem = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
    if (mem == MAP_FAILED) die("mmap", errno);
    br_ = static_cast<io_uring_buf_ring*>(mem);
    io_uring_buf_reg reg{};
    reg.ring_addr = reinterpret_cast<std::uint64_t>(br_);
    reg.ring_entries = kBuffers;
    reg.bgid = 0;
    if (const int r = io_uring_register_buf_ring(&ring_, &reg, 0); r < 0)
      die("register_buf_ring", -r);
    io_uring_buf_ring_init(br_);
    data_.resize(std::size_t(kBuffers) * kBufferSize);
    next_.assign(kBuffers, -1);
    len_.assign(kBuffers, 0);
    for (unsigned b = 0; b < kBuffers; ++b) give_back(int(b));
  }

  void give_back(int bid) {
    io_uring_buf_ring_add(br_, &data_[std::size_t(bid) * kBufferSize], kBufferSize,
                          std::uint16_t(bid), io_uring_buf_ring_mask(kBuffers), 0);
    io_uring_buf_ring_advance(br_, 1);
  }

  void arm_recv(unsigned slot) {
    io_uring_sqe* s = sqe_of(&ring_);
    io_uring_prep_recv_multishot(s, int(slot), nullptr, 0, 0);
    s->flags |= IOSQE_FIXED_FILE | IOSQE_BUFFER_SELECT;
    s->buf_group = 0;
    io_uring_sqe_set_data64(s, kRecv | slot);
  }

  void send_head(unsigned slot) {
    Conn& c = conns_[slot];
    const int b = c.head;
    io_uring_sqe* s = sqe_of(&ring_);
    io_uring_prep_send(s, int(slot), &data_[std::size_t(b) * kBufferSize + c.offset],
                       len_[std::size_t(b)] - c.offset, MSG_NOSIGNAL);
    s->flags |= IOSQE_FIXED_FILE;
    io_uring_sqe_set_data64(s, kSend | slot);
    c.sending = true;
  }

  void close_if_finished(unsigned slot) {
    Conn& c = conns_[slot];
    if (!c.recv_done || c.sending) return;
    io_uring_sqe* s = sqe_of(&ring_);
    io_uring_prep_close_direct(s, slot);
    s->flags |= IOSQE_CQE_SKIP_SUCCESS;
    io_uring_sqe_set_data64(s, kClose | slot);
  }

  // Returns every queued buffer of the connection to the ring.
  void drop_queue(Conn& c) {
    for (int b = c.head; b >= 0;) {
      const int n = next_[std::size_t(b)];
      give_back(b);
      b = n;
    }
    c.head = c.tail = -1;
  }

  void on_recv(unsigned slot, const io_uring_cqe& cqe) {
    Conn& c = conns_[slot];
    if (cqe.res > 0) {
      const int b = int(cqe.flags >> IORING_CQE_BUFFER_SHIFT);
      if (c.failed) {
        give_back(b);
      } else {
        len_[std::size_t(b)] = unsigned(cqe.res);
        next_[std::size_t(b)] = -1;
        if (c.tail >= 0)
          next_[std::size_t(c.tail)] = b;
        else
          c.head = b, c.offset = 0;
        c.tail = b;
        if (!c.sending) send_head(slot);
      }
    }
    if (cqe.flags & IORING_CQE_F_MORE) return;
    if ((cqe.res > 0 || cqe.res == -ENOBUFS) && !c.failed) return arm_recv(slot);
    c.recv_done = true;  // EOF (0), an error, or cancelled after a failed send
    close_if_finished(slot);
  }

  void on_send(unsigned slot, int res) {
    Conn& c = conns_[slot];
    c.sending = false;
    if (res < 0) {
      g_failed_sends.fetch_add(1, std::memory_order_relaxed);
      c.failed = true;
      drop_queue(c);
      if (!c.recv_done) {
        io_uring_sqe* s = sqe_of(&ring_);
        io_uring_prep_cancel64(s, kRecv | slot, 0);
        io_uring_sqe_set_data64(s, kCancel | slot);
      }
      return close_if_finished(slot);
    }
    c.offset += unsigned(res);
    if (c.offset < len_[std::size_t(c.head)]) return send_head(slot);  // short send: the rest
    const int done = c.head;
    c.head = next_[std::size_t(done)];
    if (c.head < 0) c.tail = -1;
    c.offset = 0;
    give_back(done);
    if (c.head >= 0) return send_head(slot);
    close_if_finished(slot);
  }

  void loop() {
    for (;;) {
      if (const int r = io_uring_submit_and_wait(&ring_, 1); r < 0 && r != -EINTR)
        die("submit_and_wait", -r);
      io_uring_cqe* cqe;
      unsigned head, seen = 0;
      bool stop = false;
      io_uring_for_each_cqe(&ring_, head, cqe) {
        ++seen;
        const std::uint64_t d = cqe->user_data;
        const unsigned slot = unsigned(d & ~kKind);
        switch (d & kKind) {
          case kNewConn:
            if (cqe->res < 0) {
              g_dropped.fetch_add(1, std::memory_order_relaxed);
              break;
            }
            conns_[unsigned(cqe->res)] = Conn{};
            arm_recv(unsigned(cqe->res));
            break;
          case kRecv: on_recv(slot, *cqe); break;
          case kSend: on_send(slot, cqe->res); break;
          case kStop: stop = true; break;
          default: break;  // a failed close or cancel: nothing left to undo
        }
      }
      io_uring_cq_advance(&ring_, seen);
      if (stop) return;
    }
  }

  io_uring ring_{};
  io_uring_buf_ring* br_ = nullptr;
  std::vector<char> data_;
  std::vector<int> next_;
  std::vector<unsigned> len_;
  std::vector<Conn> conns_;  // by slot
};

// MSG_RING SEND_FD of the acceptor's `slot` into a slot the target allocates; the target's CQE
// carries kNewConn in user_data and the new slot in res. liburing 2.3 has no
// io_uring_prep_msg_ring_fd_alloc (2.4): the kernel reads the command from addr, the source slot
// from addr3, the target slot from file_index (IORING_FILE_INDEX_ALLOC: any free one) and the
// target CQE's user_data from off.
void prep_msg_ring_fd_alloc(io_uring_sqe* s, int target_ring_fd, unsigned slot) {
  io_uring_prep_rw(IORING_OP_MSG_RING, s, target_ring_fd,
                   reinterpret_cast<void*>(std::uintptr_t(IORING_MSG_SEND_FD)), 0, kNewConn);
  s->addr3 = slot;
  s->file_index = IORING_FILE_INDEX_ALLOC;
}

void acceptor(int listen_fd, const std::vector<int>& workers, std::atomic<int>* ring_fd) {
  io_uring ring{};
  init_ring(&ring);
  if (const int r = io_uring_register_files_sparse(&ring, kAcceptorSlots); r < 0)
    die("register_files_sparse", -r);
  auto arm_accept = [&] {
    io_uring_sqe* s = sqe_of(&ring);
    io_uring_prep_multishot_accept_direct(s, listen_fd, nullptr, nullptr, 0);
    io_uring_sqe_set_data64(s, kAccept);
  };
  arm_accept();
  ring_fd->store(ring.ring_fd, std::memory_order_release);
  unsigned next = 0;
  for (;;) {
    if (const int r = io_uring_submit_and_wait(&ring, 1); r < 0 && r != -EINTR)
      die("submit_and_wait", -r);
    io_uring_cqe* cqe;
    unsigned head, seen = 0;
    bool stop = false;
    io_uring_for_each_cqe(&ring, head, cqe) {
      ++seen;
      const std::uint64_t d = cqe->user_data;
      const unsigned slot = unsigned(d & ~kKind);
      switch (d & kKind) {
        case kAccept: {
          if (cqe->res >= 0) {
            const unsigned got = unsigned(cqe->res);
            io_uring_sqe* send = sqe_of(&ring);
            prep_msg_ring_fd_alloc(send, workers[next++ % workers.size()], got);
            send->flags |= IOSQE_IO_LINK | IOSQE_CQE_SKIP_SUCCESS;
            io_uring_sqe_set_data64(send, kHandoff | got);
            io_uring_sqe* close = sqe_of(&ring);
            io_uring_prep_close_direct(close, got);
            close->flags |= IOSQE_CQE_SKIP_SUCCESS;
            io_uring_sqe_set_data64(close, kClose | got);
          } else {
            g_dropped.fetch_add(1, std::memory_order_relaxed);  // e.g. -ENFILE: table full
          }
          if (!(cqe->flags & IORING_CQE_F_MORE)) arm_accept();
          break;
        }
        case kHandoff: {
          // The hand-off failed, so its linked close was cancelled: close the slot here.
          g_dropped.fetch_add(1, std::memory_order_relaxed);
          io_uring_sqe* close = sqe_of(&ring);
          io_uring_prep_close_direct(close, slot);
          io_uring_sqe_set_data64(close, kClose | slot);
          break;
        }
        case kStop: stop = true; break;
        default: break;  // a close: -ECANCELED after a failed hand-off, or 0
      }
    }
    io_uring_cq_advance(&ring, seen);
    if (stop) break;
  }
  io_uring_queue_exit(&ring);
}

int listener(std::uint16_t port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) die("socket", errno);
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  // Accepted sockets inherit TCP_NODELAY from the listener (Linux): a direct descriptor has no fd
  // to set it on, and an echo must not wait on Nagle for the tail of a message.
  if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) < 0) die("TCP_NODELAY", errno);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) < 0) die("bind", errno);
  if (listen(fd, 4096) < 0) die("listen", errno);
  return fd;
}

}  // namespace

int main(int argc, char** argv) {
  const auto [port, workers] = handoff_bench::parse_serve_args(argc, argv);

  const int listen_fd = listener(std::uint16_t(port));
  sockaddr_in a{};
  socklen_t len = sizeof a;
  if (getsockname(listen_fd, reinterpret_cast<sockaddr*>(&a), &len) < 0) die("getsockname", errno);

  Ready ready;
  ready.ring_fds.assign(workers, -1);
  std::vector<Worker> pool(workers);
  std::vector<std::thread> threads;
  for (unsigned i = 0; i < workers; ++i) threads.emplace_back([&, i] { pool[i].run(&ready, i); });
  while (ready.rings.load(std::memory_order_acquire) < workers) std::this_thread::yield();
  std::atomic<int> acceptor_ring{-1};
  const std::vector<int> targets = ready.ring_fds;
  std::thread accepting([&] { acceptor(listen_fd, targets, &acceptor_ring); });
  while (acceptor_ring.load(std::memory_order_acquire) < 0) std::this_thread::yield();
  handoff_bench::announce_listening(ntohs(a.sin_port));

  handoff_bench::wait_for_stop();
  // Stop the acceptor first (no hand-off is then in flight), then every worker: each with a
  // MSG_RING from a ring of this thread's own.
  io_uring control{};
  if (const int r = io_uring_queue_init(8, &control, 0); r < 0) die("queue_init", -r);
  auto stop = [&](int ring_fd) {
    io_uring_prep_msg_ring(sqe_of(&control), ring_fd, 0, kStop, 0);
    if (const int r = io_uring_submit_and_wait(&control, 1); r < 0) die("stop", -r);
    io_uring_cqe* cqe;
    if (const int r = io_uring_wait_cqe(&control, &cqe); r < 0) die("stop", -r);
    if (cqe->res < 0) die("MSG_RING stop", -cqe->res);
    io_uring_cqe_seen(&control, cqe);
  };
  stop(acceptor_ring.load());
  accepting.join();
  for (int fd : targets) stop(fd);
  for (std::thread& t : threads) t.join();
  io_uring_queue_exit(&control);
  close(listen_fd);
  if (g_dropped || g_failed_sends)
    std::fprintf(stderr, "liburing_server: %lu connections dropped, %lu sends failed\n",
                 g_dropped.load(), g_failed_sends.load());
  return 0;
}
