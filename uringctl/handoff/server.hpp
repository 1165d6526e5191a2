// The thread-per-core hand-off server (issue 13): acceptor rings accept loopback connections
// straight into their direct-descriptor tables, hand each one to a worker ring with
// MSG_RING SEND_FD (the target allocates the slot) linked to the close of the acceptor's own slot,
// and workers echo on the fixed file with multishot recv into a provided-buffer ring. No plain fd
// exists for a connection after accept (except in plain_accept mode, see docs/handoff.md).
//
// Threading: every ring belongs to the thread that runs it (one thread per acceptor and per
// worker); Server's methods may be called from any thread. Counters are written only by the
// thread that owns them (relaxed atomic stores) and read by stats() with relaxed loads: a snapshot
// of monotonic counters, each exact at the instant it was read.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "uring/result.hpp"
#include "uring/ring.hpp"

namespace handoff {

struct ServeOptions {
  std::uint16_t port = 0;  // 0: the kernel picks (read it back with Server::port())
  unsigned workers = 2;
  unsigned acceptors = 1;          // > 1: one listening socket each, SO_REUSEPORT
  unsigned acceptor_slots = 1024;  // direct-descriptor table of each acceptor ring
  // Direct-descriptor table of each worker ring. A table larger than RLIMIT_NOFILE is refused
  // (-EMFILE): 1024 is the usual soft limit.
  unsigned worker_slots = 1024;
  unsigned buf_size = 16384;       // provided buffer size: a 16 KiB message in one recv
  unsigned bufs_per_worker = 512;  // buffer ring entries (a power of two): 8 MiB per worker
  unsigned ring_entries = 512;     // SQ size of every ring (overrides ring_params.entries)
  uring::Params ring_params{};     // mode of every ring
  unsigned backlog = 128;          // listen(2) backlog
  // Multishot accept only while an acceptor has more free slots than this; below it, at most one
  // single-shot accept per free slot is in flight, which can never meet a full table. Tables no
  // bigger than this never use multishot.
  unsigned multishot_reserve = 256;
  // Accept into plain fds, install them into the acceptor table with IORING_OP_FILES_UPDATE
  // (allocating slots) in batches, close the plain fds: for setups without direct accept.
  bool plain_accept = false;
};

struct WorkerStats {
  std::uint64_t open = 0;         // connections in this worker's table now (occupied slots)
  std::uint64_t served = 0;       // connections received from acceptors
  std::uint64_t closed = 0;       // close_direct completions
  std::uint64_t bytes = 0;        // bytes echoed (sends completed)
  std::uint64_t enobufs = 0;      // multishot recv ended with -ENOBUFS (buffer ring dry), re-armed
  std::uint64_t rearmed = 0;      // multishot recv re-armed (after -ENOBUFS or a final CQE)
  std::uint64_t short_sends = 0;  // send completed in part; the rest resent
  std::uint64_t last_error = 0;   // the last of those: (1 recv | 2 send) << 16 | errno
  std::uint64_t conn_errors = 0;  // recv/send failed with something other than EOF
  std::uint64_t sq_full = 0;      // get_sqe found the SQ full: submitted and retried
  std::uint64_t cq_overflow = 0;  // loop iterations that saw IORING_SQ_CQ_OVERFLOW
};

struct AcceptorStats {
  std::uint64_t accepted = 0;         // accept CQEs with a slot (or fd in plain mode)
  std::uint64_t handed_off = 0;       // slots whose linked close completed: the worker has it
  std::uint64_t slots_in_use = 0;     // occupied slots of this acceptor's table now
  std::uint64_t accept_enfile = 0;    // accept answered -ENFILE: the kernel closed that client
  std::uint64_t accept_errors = 0;    // other accept failures (not -ECANCELED at stop)
  std::uint64_t multishot_armed = 0;  // multishot accepts armed
  std::uint64_t single_accepts = 0;   // single-shot accepts issued (free slots <= reserve)
  std::uint64_t accept_deferred = 0;  // times no accept could be armed: table full
  std::uint64_t worker_full = 0;      // MSG_RING answered -ENFILE (worker table full)
  std::uint64_t handoff_errors = 0;   // MSG_RING failed otherwise
  std::uint64_t handoff_retries = 0;  // hand-offs sent again after a failure
  std::uint64_t held_max = 0;         // most slots held at once waiting for a worker
  std::uint64_t closed_at_stop = 0;   // held connections closed by stop() (never handed off)
  std::uint64_t files_updates = 0;    // plain mode: FILES_UPDATE requests (batches)
  // Linked closes that posted -ECANCELED after a failed MSG_RING (kernels that do not silence
  // them; 6.18 does): ignored beyond this count.
  std::uint64_t cancelled_close_cqes = 0;
  std::uint64_t sq_full = 0;
  std::uint64_t cq_overflow = 0;
};

struct ServeStats {
  std::uint64_t accepted = 0, handed_off = 0, closed = 0, open = 0, bytes_echoed = 0;
  std::vector<AcceptorStats> acceptors;
  std::vector<WorkerStats> workers;
};

class Server {
 public:
  // Binds 127.0.0.1:port, creates every ring on its own thread and starts serving. Errors: the
  // failing socket call's or ring setup's -errno; -EOPNOTSUPP (the library's: no setup call
  // answers it) when the kernel lacks MSG_RING SEND_FD (6.0).
  static uring::Result<std::unique_ptr<Server>> start(const ServeOptions& options);
  ~Server();  // stop()
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  std::uint16_t port() const noexcept { return port_; }
  ServeStats stats() const;
  // Graceful: stops the acceptors (cancel accepts, finish hand-offs in flight, close held slots),
  // then the workers (cancel recvs, finish sends, close every slot), joins all threads. Idempotent.
  void stop();

  struct Shared;  // per-thread state and counters (server.cpp)

 private:
  Server() = default;
  std::unique_ptr<ServeOptions> options_;  // read by every thread until stop() joins them
  std::uint16_t port_ = 0;
  std::vector<int> listen_fds_;
  std::vector<std::unique_ptr<Shared>> acceptors_, workers_;
  std::vector<std::thread> threads_;
  bool stopped_ = false;
};

}  // namespace handoff
