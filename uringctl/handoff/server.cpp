// The hand-off server: see server.hpp and docs/handoff.md.
#include "server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <latch>
#include <mutex>

#include "uring/buf_ring.hpp"
#include "uring/msg_ring.hpp"
#include "uring/prep.hpp"
#include "uring/register.hpp"

namespace handoff {

namespace {

// user_data: the kind in the top byte, an attempt number in bits 48..55 (hand-offs), a worker
// index in bits 32..47, a slot in bits 0..31.
enum Kind : std::uint64_t {
  kAccept = 1,
  kHandoffMsg,    // the MSG_RING SEND_FD (CQE only on failure: CQE_SKIP_SUCCESS)
  kHandoffClose,  // the close_direct linked to it: res 0 = handed off, -ECANCELED = not
  kStop,          // the stop message (MSG_RING DATA), on any ring
  kConn,          // a worker's target CQE of SEND_FD: res is the slot it allocated
  kRecv,
  kSend,
  kClose,        // close_direct of a worker slot, or of a held acceptor slot at stop
  kCancel,       // async cancel: its own CQE is only counted
  kRetryTimer,   // acceptor: time to retry held hand-offs
  kFilesUpdate,  // plain mode: a batch of plain fds into the table
  kPlainClose,   // plain mode: close(2) of a plain fd after FILES_UPDATE took its file
};

constexpr std::uint64_t ud(Kind k, unsigned worker = 0, unsigned slot = 0) {
  return (std::uint64_t{k} << 56) | (std::uint64_t{worker & 0xffff} << 32) | slot;
}
constexpr Kind kind_of(std::uint64_t u) { return static_cast<Kind>(u >> 56); }
constexpr unsigned worker_of(std::uint64_t u) { return static_cast<unsigned>(u >> 32) & 0xffff; }
constexpr unsigned slot_of(std::uint64_t u) { return static_cast<unsigned>(u); }
constexpr std::uint64_t with_attempt(std::uint64_t u, std::uint8_t attempt) {
  return u | (std::uint64_t{attempt} << 48);
}
constexpr std::uint8_t attempt_of(std::uint64_t u) { return static_cast<std::uint8_t>(u >> 48); }

constexpr std::uint16_t kNoBuf = 0xffff;
constexpr unsigned kFilesBatch = 32;  // plain mode: fds per FILES_UPDATE

// One counter written by one thread, read by any (stats()).
struct Counter {
  std::atomic<std::uint64_t> v{0};
  void add(std::uint64_t n = 1) {
    v.store(v.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  void sub(std::uint64_t n = 1) {
    v.store(v.load(std::memory_order_relaxed) - n, std::memory_order_relaxed);
  }
  std::uint64_t get() const { return v.load(std::memory_order_relaxed); }
  void max(std::uint64_t n) {
    if (n > get()) v.store(n, std::memory_order_relaxed);
  }
};

}  // namespace

struct Server::Shared {
  unsigned index = 0;
  std::atomic<int> ring_fd{-1};  // the plain fd: the target of MSG_RING (set before the latch)
  int listen_fd = -1;            // acceptors only
  int init_error = 0;
  // Counters: WorkerStats / AcceptorStats fields, in declaration order.
  Counter open, served, closed, bytes, enobufs, rearmed, short_sends, conn_errors, sq_full,
      cq_overflow, last_error;
  Counter accepted, handed_off, slots_in_use, accept_enfile, accept_errors, multishot_armed,
      single_accepts, accept_deferred, worker_full, handoff_errors, handoff_retries, held_max,
      closed_at_stop, files_updates, cancelled_close_cqes;
};

namespace {

// Submits until an SQE is free: the kernel consumes the SQ on submit (SQPOLL: the poller does,
// so yield while it catches up). Counts each time the SQ was found full.
io_uring_sqe* next_sqe(uring::Ring& ring, Counter& sq_full) {
  io_uring_sqe* sqe = ring.get_sqe();
  if (sqe) return sqe;
  sq_full.add();
  for (;;) {
    (void)ring.submit();
    if ((sqe = ring.get_sqe())) return sqe;
    sched_yield();
  }
}

uring::Params ring_params(const ServeOptions& o) {
  uring::Params p = o.ring_params;
  p.entries = o.ring_entries;
  p.cq_entries = o.ring_entries * 16;  // multishot recvs post many CQEs per SQE
  return p;
}

// The loop both kinds of thread run: submit, wait for one CQE, hand every ready CQE to `on_cqe`,
// then call `after_batch()`, until `done()`.
template <class OnCqe, class AfterBatch, class Done>
void run_loop(uring::Ring& ring, Server::Shared& s, OnCqe on_cqe, AfterBatch after_batch,
              Done done) {
  while (!done()) {
    if (ring.cq_has_overflow()) s.cq_overflow.add();
    const int r = ring.submit_and_wait(1);
    if (r < 0 && r != -EINTR && r != -EBUSY && r != -EAGAIN && r != -ETIME) {
      std::fprintf(stderr, "handoff: ring %u: submit_and_wait: %d\n", s.index, r);
      break;
    }
    ring.for_each_cqe([&](const io_uring_cqe& c) { on_cqe(c); });
    after_batch();
  }
}

// ---- worker ------------------------------------------------------------------------------------

struct Conn {
  bool open = false;
  bool recv_armed = false;
  bool send_inflight = false;
  bool done = false;  // EOF, an error or stop: close once nothing is in flight
  bool waiting_bufs = false;
  bool closing = false;
  std::uint16_t head = kNoBuf, tail = kNoBuf;  // FIFO of received buffers to echo, in order
  unsigned sent = 0;                           // bytes of the head buffer already sent
};

class Worker {
 public:
  Worker(const ServeOptions& o, Server::Shared& s, uring::Ring& ring, uring::BufRing& bufs)
      : o_(o),
        s_(s),
        ring_(ring),
        bufs_(bufs),
        conns_(o.worker_slots),
        next_(o.bufs_per_worker, kNoBuf),
        len_(o.bufs_per_worker, 0) {}

  void run() {
    run_loop(
        ring_, s_, [&](const io_uring_cqe& c) { on_cqe(c); }, [] {},
        [&] { return stopping_ && open_ == 0 && cancels_ == 0; });
  }

 private:
  io_uring_sqe& sqe() { return *next_sqe(ring_, s_.sq_full); }

  void on_cqe(const io_uring_cqe& c) {
    const unsigned slot = slot_of(c.user_data);
    switch (kind_of(c.user_data)) {
      case kConn: return on_conn(c);
      case kRecv: return on_recv(slot, c);
      case kSend: return on_send(slot, c);
      case kClose: return on_close(slot, c);
      case kCancel: --cancels_; return;
      case kStop: return on_stop();
      default:
        std::fprintf(stderr, "handoff: worker %u: unknown CQE %llx\n", s_.index,
                     static_cast<unsigned long long>(c.user_data));
    }
  }

  void on_conn(const io_uring_cqe& c) {
    if (c.res < 0) return;  // target CQEs are posted only on success; defensive
    const unsigned slot = static_cast<unsigned>(c.res);
    Conn& k = conns_[slot];
    k = Conn{};
    k.open = true;
    ++open_;
    s_.open.add();
    s_.served.add();
    if (stopping_) {
      k.done = true;
      return maybe_close(slot);
    }
    arm_recv(slot);
  }

  void arm_recv(unsigned slot) {
    io_uring_sqe& q = sqe();
    uring::prep_recv_multishot(q, uring::FixedFile(slot), nullptr, 0, 0);
    q.flags |= IOSQE_BUFFER_SELECT;
    q.buf_group = bufs_.group();
    q.user_data = ud(kRecv, 0, slot);
    conns_[slot].recv_armed = true;
  }

  void on_recv(unsigned slot, const io_uring_cqe& c) {
    Conn& k = conns_[slot];
    const bool more = uring::cqe_more(c);
    if (!more) k.recv_armed = false;
    if (c.res > 0) {
      const std::uint16_t bid = uring::cqe_buffer_id(c);
      ++bufs_held_;
      len_[bid] = static_cast<unsigned>(c.res);
      next_[bid] = kNoBuf;
      if (k.tail == kNoBuf)
        k.head = bid;
      else
        next_[k.tail] = bid;
      k.tail = bid;
      if (!k.send_inflight) send_head(slot);
      if (!more && !k.done && !stopping_) {
        s_.rearmed.add();
        arm_recv(slot);
      }
      return;
    }
    if (c.res == -ENOBUFS && !stopping_ && !k.done) {
      // The buffer ring ran dry: multishot ended. Re-arm once a send gives a buffer back.
      s_.enobufs.add();
      if (bufs_held_ < o_.bufs_per_worker) {
        // Buffers came back between the kernel's attempt and this CQE: no recycle is coming
        // that would re-arm it, so re-arm now.
        s_.rearmed.add();
        return arm_recv(slot);
      }
      k.waiting_bufs = true;
      waiting_.push_back(slot);
      return;
    }
    if (c.res != 0 && c.res != -ECANCELED) conn_error(c.res, 1);
    k.done = true;
    maybe_close(slot);
  }

  // The last error a connection saw, as (op << 16) | -res (op 1 recv, 2 send), for diagnosis.
  void conn_error(int res, unsigned op) {
    s_.conn_errors.add();
    s_.last_error.v.store((std::uint64_t{op} << 16) | static_cast<unsigned>(-res),
                          std::memory_order_relaxed);
  }

  void send_head(unsigned slot) {
    Conn& k = conns_[slot];
    const std::uint16_t bid = k.head;
    io_uring_sqe& q = sqe();
    uring::prep_send(q, uring::FixedFile(slot), bufs_.buffer(bid) + k.sent, len_[bid] - k.sent,
                     MSG_NOSIGNAL);
    q.user_data = ud(kSend, 0, slot);
    k.send_inflight = true;
  }

  void recycle(std::uint16_t bid) {
    --bufs_held_;
    (void)bufs_.recycle(bid);
    bufs_.publish();
    if (waiting_.empty()) return;
    // Re-arm the connections that ran dry, now that there is a buffer again.
    for (unsigned slot : waiting_) {
      Conn& k = conns_[slot];
      k.waiting_bufs = false;
      if (k.done || stopping_) {
        maybe_close(slot);
        continue;
      }
      s_.rearmed.add();
      arm_recv(slot);
    }
    waiting_.clear();
  }

  void on_send(unsigned slot, const io_uring_cqe& c) {
    Conn& k = conns_[slot];
    k.send_inflight = false;
    if (c.res > 0) {
      s_.bytes.add(static_cast<unsigned>(c.res));
      k.sent += static_cast<unsigned>(c.res);
      if (k.sent < len_[k.head]) {
        s_.short_sends.add();
        return send_head(slot);
      }
      const std::uint16_t bid = k.head;
      k.head = next_[bid];
      if (k.head == kNoBuf) k.tail = kNoBuf;
      k.sent = 0;
      recycle(bid);
      if (k.head != kNoBuf) return send_head(slot);
      return maybe_close(slot);
    }
    // The peer is gone (or stop cancelled the send): give the queued buffers back, stop the recv.
    if (c.res != -ECANCELED) conn_error(c.res, 2);
    k.done = true;
    while (k.head != kNoBuf) {
      const std::uint16_t bid = k.head;
      k.head = next_[bid];
      recycle(bid);
    }
    k.tail = kNoBuf;
    k.sent = 0;
    if (k.recv_armed) cancel_recv(slot);
    maybe_close(slot);
  }

  void cancel_recv(unsigned slot) {
    io_uring_sqe& q = sqe();
    uring::prep_cancel64(q, ud(kRecv, 0, slot), 0);
    q.user_data = ud(kCancel);
    ++cancels_;
  }

  // Closes the slot once nothing of the connection is in flight and nothing is left to echo.
  void maybe_close(unsigned slot) {
    Conn& k = conns_[slot];
    if (!k.open || k.closing || !k.done || k.recv_armed || k.send_inflight || k.waiting_bufs ||
        k.head != kNoBuf)
      return;
    k.closing = true;
    io_uring_sqe& q = sqe();
    uring::prep_close_direct(q, uring::FixedFile(slot));
    q.user_data = ud(kClose, 0, slot);
  }

  void on_close(unsigned slot, const io_uring_cqe& c) {
    if (c.res < 0)
      std::fprintf(stderr, "handoff: worker %u: close_direct(%u): %d\n", s_.index, slot, c.res);
    conns_[slot] = Conn{};
    --open_;
    s_.open.sub();
    s_.closed.add();
  }

  void on_stop() {
    stopping_ = true;
    for (unsigned slot = 0; slot < conns_.size(); ++slot) {
      Conn& k = conns_[slot];
      if (!k.open) continue;
      k.done = true;
      k.waiting_bufs = false;
      if (k.recv_armed) cancel_recv(slot);
      maybe_close(slot);
    }
    waiting_.clear();
  }

  const ServeOptions& o_;
  Server::Shared& s_;
  uring::Ring& ring_;
  uring::BufRing& bufs_;
  std::vector<Conn> conns_;          // by slot
  std::vector<std::uint16_t> next_;  // by buffer id: the next buffer of the same connection
  std::vector<unsigned> len_;        // by buffer id: bytes received into it
  std::vector<unsigned> waiting_;    // slots whose recv ended with -ENOBUFS
  unsigned open_ = 0;
  unsigned cancels_ = 0;
  unsigned bufs_held_ = 0;  // buffers named by recv CQEs and not recycled yet
  bool stopping_ = false;
};

// ---- acceptor ----------------------------------------------------------------------------------

class Acceptor {
 public:
  Acceptor(const ServeOptions& o, Server::Shared& s, uring::Ring& ring,
           const std::vector<std::unique_ptr<Server::Shared>>& workers)
      : o_(o), s_(s), ring_(ring), workers_(workers), pending_(workers.size(), 0) {
    held_.reserve(o.acceptor_slots);
  }

  void run() {
    refill();
    run_loop(
        ring_, s_, [&](const io_uring_cqe& c) { on_cqe(c); },
        [&] {
          // Plain mode: every fd this batch of CQEs accepted goes into the table in one request.
          if (o_.plain_accept) flush_fds();
          refill();
        },
        [&] {
          return stopping_ && owned_ == 0 && fds_.empty() && !multishot_ && singles_ == 0 &&
                 inflight_ == 0 && !timer_ && !update_ && plain_closes_ == 0 && cancels_ == 0;
        });
  }

 private:
  io_uring_sqe& sqe() { return *next_sqe(ring_, s_.sq_full); }

  // Slots not taken by a connection we own (or, in plain mode, by accepted fds waiting for the
  // table): what accepts in flight may still fill.
  unsigned untaken_slots() const {
    const unsigned used = owned_ + static_cast<unsigned>(fds_.size()) + (update_ ? update_n_ : 0);
    return used >= o_.acceptor_slots ? 0 : o_.acceptor_slots - used;
  }

  void refill() {
    if (stopping_) return;
    const unsigned untaken = untaken_slots();
    const unsigned free = untaken > singles_ ? untaken - singles_ : 0;
    if (multishot_) {
      if (free <= o_.multishot_reserve && !multishot_cancel_) {
        // Too close to a full table for an accept that may take any number of slots.
        io_uring_sqe& q = sqe();
        uring::prep_cancel64(q, ud(kAccept), 0);
        q.user_data = ud(kCancel);
        ++cancels_;
        multishot_cancel_ = true;
      }
      return;
    }
    if (free > o_.multishot_reserve && singles_ == 0) {
      io_uring_sqe& q = sqe();
      if (o_.plain_accept)
        uring::prep_multishot_accept(q, s_.listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
      else
        uring::prep_multishot_accept_direct(q, s_.listen_fd, nullptr, nullptr, 0);
      q.user_data = ud(kAccept);
      multishot_ = true;
      multishot_cancel_ = false;
      s_.multishot_armed.add();
      return;
    }
    // One single-shot accept per free slot, so that no accept can meet a full table.
    const unsigned want = std::min(untaken, kMaxSingles);
    if (want == 0 && singles_ == 0 && !deferred_) {
      s_.accept_deferred.add();
      deferred_ = true;
    }
    if (want > singles_) deferred_ = false;
    for (; singles_ < want; ++singles_) {
      io_uring_sqe& q = sqe();
      if (o_.plain_accept)
        uring::prep_accept(q, s_.listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
      else
        uring::prep_accept_direct(q, s_.listen_fd, nullptr, nullptr, 0, uring::DirectSlot::alloc());
      q.user_data = ud(kAccept);
      s_.single_accepts.add();
    }
  }

  void on_cqe(const io_uring_cqe& c) {
    switch (kind_of(c.user_data)) {
      case kAccept: on_accept(c); break;
      case kHandoffMsg: on_handoff_msg(c); break;
      case kHandoffClose: on_handoff_close(c); break;
      case kClose: on_held_closed(); break;
      case kCancel: --cancels_; break;
      case kRetryTimer:
        timer_ = false;
        retry_held();
        break;
      case kFilesUpdate: on_files_update(c); break;
      case kPlainClose: --plain_closes_; break;
      case kStop: on_stop(); break;
      default:
        std::fprintf(stderr, "handoff: acceptor %u: unknown CQE %llx\n", s_.index,
                     static_cast<unsigned long long>(c.user_data));
    }
  }

  void on_accept(const io_uring_cqe& c) {
    if (!uring::cqe_more(c)) {
      // The last CQE of the multishot (cancelled or failed) or of a single shot: the two never
      // run at once, so the count of singles in flight says which.
      if (multishot_ && singles_ == 0)
        multishot_ = false;
      else
        --singles_;
    }
    if (c.res < 0) {
      if (c.res == -ENFILE)
        s_.accept_enfile.add();
      else if (c.res != -ECANCELED)
        s_.accept_errors.add();
      return;
    }
    s_.accepted.add();
    if (o_.plain_accept) {
      fds_.push_back(c.res);
      return;
    }
    take_slot();
    handoff(static_cast<unsigned>(c.res));
  }

  void take_slot() {
    ++owned_;
    s_.slots_in_use.add();
  }
  void release_slot() {
    --owned_;
    s_.slots_in_use.sub();
  }

  // Plain mode: one FILES_UPDATE at a time takes the accepted fds into free slots.
  // Stop in plain-accept mode: the accepted fds not yet installed are closed, never handed off.
  void close_plain_fds() {
    for (int fd : fds_) {
      io_uring_sqe& q = sqe();
      uring::prep_close(q, fd);
      q.user_data = ud(kPlainClose);
      ++plain_closes_;
      s_.closed_at_stop.add();
    }
    fds_.clear();
  }

  void flush_fds() {
    if (update_ || fds_.empty()) return;
    update_n_ = static_cast<unsigned>(std::min<std::size_t>(fds_.size(), kFilesBatch));
    std::copy_n(fds_.begin(), update_n_, update_fds_);
    std::copy_n(fds_.begin(), update_n_, update_slots_);
    fds_.erase(fds_.begin(), fds_.begin() + update_n_);
    io_uring_sqe& q = sqe();
    uring::prep_files_update(q, update_slots_, update_n_,
                             static_cast<int>(IORING_FILE_INDEX_ALLOC));
    q.user_data = ud(kFilesUpdate);
    update_ = true;
    s_.files_updates.add();
  }

  void on_files_update(const io_uring_cqe& c) {
    update_ = false;
    const unsigned done = c.res > 0 ? static_cast<unsigned>(c.res) : 0;
    // The table holds its own reference to each file taken: our fds go, the slots are handed off.
    for (unsigned i = 0; i < update_n_; ++i) {
      if (i >= done) {
        fds_.push_back(update_fds_[i]);  // not taken (table full): retried with the next batch
        continue;
      }
      io_uring_sqe& q = sqe();
      uring::prep_close(q, update_fds_[i]);
      q.user_data = ud(kPlainClose);
      ++plain_closes_;
      take_slot();
      handoff(static_cast<unsigned>(update_slots_[i]));
    }
    if (done < update_n_) s_.accept_deferred.add();
    update_n_ = 0;
    if (stopping_) {
      close_plain_fds();
    } else if (done > 0) {
      flush_fds();
    } else if (!fds_.empty()) {
      arm_timer();
    }
  }

  // The least loaded worker: open connections plus hand-offs in flight to it. Ties go round robin.
  unsigned pick_worker() {
    unsigned best = 0;
    std::uint64_t best_load = ~std::uint64_t{0};
    const unsigned n = static_cast<unsigned>(workers_.size());
    for (unsigned i = 0; i < n; ++i) {
      const unsigned w = (rr_ + i) % n;
      const std::uint64_t load = workers_[w]->open.get() + pending_[w];
      if (load < best_load) best = w, best_load = load;
    }
    rr_ = (best + 1) % n;
    return best;
  }

  void handoff(unsigned slot) { handoff_to(slot, pick_worker()); }

  void handoff_to(unsigned slot, unsigned w) {
    // Both SQEs in one go: the link must not be split by a full SQ.
    if (ring_.sq_space_left() < 2) {
      s_.sq_full.add();
      while (ring_.sq_space_left() < 2) {
        (void)ring_.submit();
        if (ring_.sq_space_left() < 2) sched_yield();
      }
    }
    io_uring_sqe* m = ring_.get_sqe();
    uring::prep_msg_ring_fd_alloc(*m, workers_[w]->ring_fd.load(std::memory_order_relaxed),
                                  static_cast<int>(slot), ud(kConn, s_.index), 0);
    const std::uint8_t attempt = attempt_[slot];
    m->user_data = with_attempt(ud(kHandoffMsg, w, slot), attempt);
    m->flags |= IOSQE_IO_LINK | IOSQE_CQE_SKIP_SUCCESS;
    io_uring_sqe* cl = ring_.get_sqe();
    uring::prep_close_direct(*cl, slot);
    cl->user_data = with_attempt(ud(kHandoffClose, w, slot), attempt);
    ++pending_[w];
    ++inflight_;
  }

  // Only a failed MSG_RING posts (CQE_SKIP_SUCCESS). A failed skip-success request also silences
  // the requests its failure cancels (the kernel's REQ_F_SKIP_LINK_CQES), so the linked close
  // normally posts nothing; should a kernel post it (-ECANCELED) the attempt number makes the
  // second of the two failure CQEs of one attempt stale. The first one says the slot is still
  // ours: try again after a short wait (the least loaded worker may be another one then), or
  // close it at stop.
  void on_handoff_msg(const io_uring_cqe& c) {
    if (c.res == -ENFILE)
      s_.worker_full.add();
    else
      s_.handoff_errors.add();
    handoff_failed(c.user_data);
  }

  // The linked close: 0 once MSG_RING installed the file in the worker's table.
  void on_handoff_close(const io_uring_cqe& c) {
    if (c.res == -ECANCELED) {
      s_.cancelled_close_cqes.add();
      return handoff_failed(c.user_data);
    }
    const unsigned slot = slot_of(c.user_data);
    if (attempt_of(c.user_data) != attempt_[slot]) return;  // cannot happen: success is last
    --pending_[worker_of(c.user_data)];
    --inflight_;
    release_slot();
    if (c.res == 0)
      s_.handed_off.add();
    else
      s_.handoff_errors.add();  // the worker has the file; our slot's state is the kernel's
  }

  void handoff_failed(std::uint64_t user_data) {
    const unsigned slot = slot_of(user_data);
    if (attempt_of(user_data) != attempt_[slot]) return;  // the other CQE of a failed attempt
    ++attempt_[slot];
    --pending_[worker_of(user_data)];
    --inflight_;
    if (stopping_) return close_held(slot);
    held_.push_back(slot);
    s_.held_max.max(held_.size());
    if (!timer_) arm_timer();
  }

  void arm_timer() {
    io_uring_sqe& q = sqe();
    uring::prep_timeout(q, &retry_ts_, 0, 0);
    q.user_data = ud(kRetryTimer);
    timer_ = true;
  }

  void retry_held() {
    if (stopping_) return;
    if (o_.plain_accept && !fds_.empty()) flush_fds();
    std::vector<unsigned> held;
    held.swap(held_);
    for (unsigned slot : held) {
      s_.handoff_retries.add();
      handoff(slot);
    }
  }

  void close_held(unsigned slot) {
    io_uring_sqe& q = sqe();
    uring::prep_close_direct(q, slot);
    q.user_data = ud(kClose, 0, slot);
    ++inflight_;
    s_.closed_at_stop.add();
  }

  void on_held_closed() {
    --inflight_;
    release_slot();
  }

  void on_stop() {
    stopping_ = true;
    if (multishot_ || singles_ > 0) {
      io_uring_sqe& q = sqe();
      uring::prep_cancel_fd(q, s_.listen_fd, IORING_ASYNC_CANCEL_ALL);
      q.user_data = ud(kCancel);
      ++cancels_;
    }
    for (unsigned slot : held_) close_held(slot);
    held_.clear();
    if (!update_) close_plain_fds();
  }

  static constexpr unsigned kMaxSingles = 64;

  const ServeOptions& o_;
  Server::Shared& s_;
  uring::Ring& ring_;
  const std::vector<std::unique_ptr<Server::Shared>>& workers_;
  std::vector<unsigned> pending_;  // by worker: hand-offs in flight
  std::vector<unsigned> held_;     // slots waiting for a worker with room
  std::vector<std::uint8_t> attempt_ = std::vector<std::uint8_t>(o_.acceptor_slots);  // by slot
  std::vector<int> fds_;  // plain mode: accepted fds not yet in the table
  int update_fds_[kFilesBatch] = {};
  int update_slots_[kFilesBatch] = {};  // FILES_UPDATE writes the allocated slots here
  unsigned update_n_ = 0;
  bool update_ = false;
  unsigned plain_closes_ = 0;
  unsigned owned_ = 0;     // occupied slots of our table
  unsigned singles_ = 0;   // single-shot accepts in flight
  unsigned inflight_ = 0;  // hand-offs (and closes of held slots) in flight
  unsigned cancels_ = 0;
  unsigned rr_ = 0;
  bool multishot_ = false;
  bool multishot_cancel_ = false;
  bool deferred_ = false;  // no accept armed because the table is full
  bool timer_ = false;
  bool stopping_ = false;
  __kernel_timespec retry_ts_{0, 1'000'000};  // 1 ms
};

// ---- threads -----------------------------------------------------------------------------------

// A ring of the server's setup with a sparse direct-descriptor table of `slots`.
uring::Result<uring::Ring> table_ring(const ServeOptions& o, unsigned slots) {
  auto ring = uring::Ring::create(ring_params(o));
  if (!ring) return ring;
  if (const int r = uring::register_files_sparse(*ring, slots); r < 0) return uring::Errno{r};
  return ring;
}

// Each thread sets up its ring, publishes its fd (or the error) and releases start()'s latch.
int ready_or_error(Server::Shared& s, std::latch& ready, int error, int ring_fd) {
  if (error < 0)
    s.init_error = error;
  else
    s.ring_fd.store(ring_fd);
  ready.count_down();
  return error;
}

void worker_thread(const ServeOptions& o, Server::Shared& s, std::latch& ready) {
  auto ring = table_ring(o, o.worker_slots);
  if (!ring) return (void)ready_or_error(s, ready, ring.error(), -1);
  // BufRing::create provides every buffer.
  auto bufs = uring::BufRing::create(*ring, 0, o.bufs_per_worker, o.buf_size);
  if (!bufs) return (void)ready_or_error(s, ready, bufs.error(), -1);
  ready_or_error(s, ready, 0, ring->fd());
  Worker w(o, s, *ring, *bufs);
  w.run();
  s.ring_fd.store(-1);
}

void acceptor_thread(const ServeOptions& o, Server::Shared& s,
                     const std::vector<std::unique_ptr<Server::Shared>>& workers,
                     std::latch& ready) {
  auto ring = table_ring(o, o.acceptor_slots);
  if (!ring) return (void)ready_or_error(s, ready, ring.error(), -1);
  ready_or_error(s, ready, 0, ring->fd());
  Acceptor a(o, s, *ring, workers);
  a.run();
  s.ring_fd.store(-1);
}

int listen_socket(std::uint16_t port, bool reuseport, unsigned backlog, std::uint16_t* bound) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -errno;
  const int one = 1;
  (void)::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  // Accepted sockets inherit TCP_NODELAY from the listener (there is no plain fd to set it on
  // later). Without it an echo larger than one provided buffer goes out as two sends, and Nagle
  // holds the second until the client's delayed ACK: ~40 ms per 16 KiB message (the bench's
  // 16 KiB row measured 24 messages/s per connection).
  if (::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) < 0) {
    const int e = -errno;
    ::close(fd);
    return e;
  }
  if (reuseport && ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) < 0) {
    const int e = -errno;
    ::close(fd);
    return e;
  }
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) < 0 ||
      ::listen(fd, static_cast<int>(backlog)) < 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) < 0) {
    const int e = -errno;
    ::close(fd);
    return e;
  }
  *bound = ntohs(a.sin_port);
  return fd;
}

// stop()'s message to a ring: the sync form where the kernel has it (6.13), else from a shared
// ring of our own (created per call: stop is rare) on a thread of its own. Not on the caller's
// thread: on the 6.1 guest, after the caller had used a ring for this, its blocking socket calls
// (the test's clients) failed with -EINTR, as io_uring task work meant for it arrived with
// TWA_SIGNAL; a thread that exits takes such work with it.
int send_stop_from_own_ring(int target_fd) {
  uring::Params p;
  p.entries = 2;
  p.sharing = uring::Sharing::shared;
  auto ring = uring::Ring::create(p);
  if (!ring) return ring.error();
  io_uring_sqe* q = ring->get_sqe();
  uring::prep_msg_ring(*q, target_fd, 0, ud(kStop), 0);
  q->user_data = 0;
  if (const int r = ring->submit_and_wait(1); r < 0) return r;
  io_uring_cqe* c = nullptr;
  if (const int r = ring->wait_cqe(&c); r < 0) return r;
  const int res = c->res;
  ring->cqe_seen();
  return res;
}

int send_stop(int target_fd) {
  if (uring::sync_message_supported()) return uring::send_message_sync(target_fd, 0, ud(kStop));
  int res = 0;
  std::thread([&] { res = send_stop_from_own_ring(target_fd); }).join();
  return res;
}

}  // namespace

uring::Result<std::unique_ptr<Server>> Server::start(const ServeOptions& o) {
  if (o.workers == 0 || o.acceptors == 0 || o.workers > 0xffff || o.acceptor_slots == 0 ||
      o.worker_slots == 0 || o.bufs_per_worker == 0 || o.bufs_per_worker > 32768 ||
      (o.bufs_per_worker & (o.bufs_per_worker - 1)) || o.buf_size == 0)
    return uring::Errno{-EINVAL};
  auto support = uring::msg_ring_support();
  if (!support) return uring::Errno{support.error()};
  if (!support->send_fd) return uring::Errno{-EOPNOTSUPP};

  std::unique_ptr<Server> srv(new Server());
  srv->options_ = std::make_unique<ServeOptions>(o);
  const ServeOptions& opts = *srv->options_;
  std::uint16_t port = o.port;
  for (unsigned i = 0; i < o.acceptors; ++i) {
    const int fd = listen_socket(port, o.acceptors > 1, o.backlog, &port);
    if (fd < 0) return uring::Errno{fd};
    srv->listen_fds_.push_back(fd);
  }
  srv->port_ = port;

  for (unsigned i = 0; i < o.workers; ++i) {
    srv->workers_.push_back(std::make_unique<Shared>());
    srv->workers_.back()->index = i;
  }
  for (unsigned i = 0; i < o.acceptors; ++i) {
    srv->acceptors_.push_back(std::make_unique<Shared>());
    srv->acceptors_.back()->index = i;
    srv->acceptors_.back()->listen_fd = srv->listen_fds_[i];
  }
  // Workers first: acceptors need their ring fds.
  {
    std::latch ready(o.workers);
    for (auto& w : srv->workers_)
      srv->threads_.emplace_back(worker_thread, std::cref(opts), std::ref(*w), std::ref(ready));
    ready.wait();
  }
  for (auto& w : srv->workers_)
    if (w->init_error) {
      const int e = w->init_error;
      srv->stop();
      return uring::Errno{e};
    }
  {
    std::latch ready(o.acceptors);
    for (auto& a : srv->acceptors_)
      srv->threads_.emplace_back(acceptor_thread, std::cref(opts), std::ref(*a),
                                 std::cref(srv->workers_), std::ref(ready));
    ready.wait();
  }
  for (auto& a : srv->acceptors_)
    if (a->init_error) {
      const int e = a->init_error;
      srv->stop();
      return uring::Errno{e};
    }
  return srv;
}

void Server::stop() {
  if (stopped_) return;
  stopped_ = true;
  // Acceptors first, so every hand-off has landed in a worker's CQ before that worker stops.
  const std::size_t na = acceptors_.size();
  for (std::size_t i = 0; i < na; ++i) {
    const int fd = acceptors_[i]->ring_fd.load();
    if (fd >= 0) {
      if (const int r = send_stop(fd); r < 0)
        std::fprintf(stderr, "handoff: stop acceptor %zu: %d\n", i, r);
    }
  }
  const std::size_t nw = workers_.size();
  for (std::size_t i = nw; i < threads_.size(); ++i)
    if (threads_[i].joinable()) threads_[i].join();
  for (std::size_t i = 0; i < nw; ++i) {
    const int fd = workers_[i]->ring_fd.load();
    if (fd >= 0) {
      if (const int r = send_stop(fd); r < 0)
        std::fprintf(stderr, "handoff: stop worker %zu: %d\n", i, r);
    }
  }
  for (std::size_t i = 0; i < nw && i < threads_.size(); ++i)
    if (threads_[i].joinable()) threads_[i].join();
  for (int fd : listen_fds_) ::close(fd);
  listen_fds_.clear();
}

Server::~Server() { stop(); }

ServeStats Server::stats() const {
  ServeStats st;
  for (const auto& a : acceptors_) {
    AcceptorStats x;
    x.accepted = a->accepted.get();
    x.handed_off = a->handed_off.get();
    x.slots_in_use = a->slots_in_use.get();
    x.accept_enfile = a->accept_enfile.get();
    x.accept_errors = a->accept_errors.get();
    x.multishot_armed = a->multishot_armed.get();
    x.single_accepts = a->single_accepts.get();
    x.accept_deferred = a->accept_deferred.get();
    x.worker_full = a->worker_full.get();
    x.handoff_errors = a->handoff_errors.get();
    x.handoff_retries = a->handoff_retries.get();
    x.held_max = a->held_max.get();
    x.closed_at_stop = a->closed_at_stop.get();
    x.files_updates = a->files_updates.get();
    x.cancelled_close_cqes = a->cancelled_close_cqes.get();
    x.sq_full = a->sq_full.get();
    x.cq_overflow = a->cq_overflow.get();
    st.accepted += x.accepted;
    st.handed_off += x.handed_off;
    st.acceptors.push_back(x);
  }
  for (const auto& w : workers_) {
    WorkerStats x;
    x.open = w->open.get();
    x.served = w->served.get();
    x.closed = w->closed.get();
    x.bytes = w->bytes.get();
    x.enobufs = w->enobufs.get();
    x.rearmed = w->rearmed.get();
    x.short_sends = w->short_sends.get();
    x.conn_errors = w->conn_errors.get();
    x.sq_full = w->sq_full.get();
    x.cq_overflow = w->cq_overflow.get();
    x.last_error = w->last_error.get();
    st.closed += x.closed;
    st.open += x.open;
    st.bytes_echoed += x.bytes;
    st.workers.push_back(x);
  }
  return st;
}

}  // namespace handoff
