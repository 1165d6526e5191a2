// The MSG_RING storm: N rings on N threads (one ring each, created, driven and destroyed on its
// thread), tiny CQs, every ring sending DATA messages to every other ring with a per-(sender,
// target) sequence number, plus SEND_FD of the write ends of its pipes into a slot each target
// allocates. Targets are mostly in CQ overflow. Afterwards every target writes one record through
// each slot it was told about, and the pipes show where each descriptor really landed.
//
// Threads never assert (Catch2 is not thread-safe): each fills a Report, the test asserts on the
// reports once all threads are joined.
#pragma once

#include <barrier>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "support/modes.hpp"
#include "support/threads.hpp"

namespace storm {

struct Config {
  test::Mode mode = test::Mode::default_;
  unsigned rings = 4;
  unsigned messages_per_pair = 2000;  // DATA from each ring to each other ring
  unsigned pipes_per_ring = 8;  // SEND_FD: each ring sends each pipe's write end to every other
  unsigned entries = 4;         // SQ and CQ size of every ring
  std::chrono::milliseconds stall{5000};  // no new message for this long: give up, report loss
};

// What one ring saw. Counts, never assertions.
struct Report {
  int setup_error = 0;  // ring creation / registration failed (-errno)
  unsigned long data_sent = 0, fds_sent = 0;
  unsigned long data_received = 0, data_duplicated = 0, data_out_of_order = 0, data_missing = 0;
  unsigned long fds_received = 0, fds_duplicated = 0, fds_missing = 0;
  unsigned long unrecognised = 0;   // a CQE that is none of the above
  unsigned long send_failures = 0;  // source CQEs (posted only on failure)
  int first_send_error = 0;
  unsigned long overflow_seen = 0;  // receive passes that found IORING_SQ_CQ_OVERFLOW set
  unsigned long receive_passes = 0;
  unsigned long slot_writes = 0;  // records written through received slots
  unsigned long slot_write_errors = 0;
  bool stalled = false;
};

// user_data of the CQEs a ring can see: kind in bits 56..63, sender in 48..55, number below.
enum Kind : std::uint64_t { kData = 1, kFd = 2, kSource = 3 };
constexpr std::uint64_t tag(Kind k, unsigned sender, std::uint32_t n) {
  return std::uint64_t{k} << 56 | std::uint64_t{sender} << 48 | n;
}
constexpr Kind kind_of(std::uint64_t ud) { return static_cast<Kind>(ud >> 56); }
constexpr unsigned sender_of(std::uint64_t ud) { return static_cast<unsigned>(ud >> 48 & 0xff); }
constexpr std::uint32_t number_of(std::uint64_t ud) { return static_cast<std::uint32_t>(ud); }
// The DATA message's len: tied to its sequence number, so a mangled message shows.
constexpr unsigned len_of(std::uint32_t seq) { return seq ^ 0x5a5a5a5aU; }

// The record a target writes through a received slot, into the pipe it believes is there.
struct Record {
  std::uint16_t target;
  std::uint16_t sender;
  std::uint32_t pipe;
};
static_assert(sizeof(Record) == 8);

// Shared between the ring threads; each writes only its own element of each vector.
struct Shared {
  explicit Shared(const Config& c)
      : config(c),
        ring_fds(c.rings, -1),
        reports(c.rings),
        sync(static_cast<std::ptrdiff_t>(c.rings)) {}
  Config config;
  std::vector<int> ring_fds;
  std::vector<std::vector<int>> pipe_writes;  // [ring][k]: write ends, set up by the caller
  std::vector<Report> reports;
  std::barrier<> sync;
};

class Member {
 public:
  Member(Shared& s, unsigned id) : s_(s), c_(s.config), id_(id), r_(s.reports[id]) {}

  void run() {
    std::optional<uring::Ring> ring = setup();
    s_.sync.arrive_and_wait();  // every ring fd published (or -1)
    bool peers_ok = true;
    for (int fd : s_.ring_fds) peers_ok = peers_ok && fd >= 0;
    if (ring && peers_ok) storm(*ring);
    s_.sync.arrive_and_wait();  // everyone has received all it will
    if (ring && peers_ok) {
      reap(*ring);  // anything late is counted (a duplicate, a stray source CQE)
      write_records(*ring);
    }
    s_.sync.arrive_and_wait();
    ring.reset();  // destroyed on its own thread (SINGLE_ISSUER)
  }

 private:
  unsigned peers() const { return c_.rings - 1; }
  unsigned table_size() const { return c_.pipes_per_ring * c_.rings; }
  // Own pipes in slots [0, pipes); received descriptors allocated from [pipes, table_size).
  unsigned alloc_base() const { return c_.pipes_per_ring; }

  std::optional<uring::Ring> setup() {
    uring::Params p;
    p.entries = c_.entries;
    p.cq_entries = c_.entries;
    auto made = uring::Ring::create(test::params(c_.mode, p));
    if (!made) {
      r_.setup_error = made.error();
      return std::nullopt;
    }
    std::optional<uring::Ring> ring(made.take());
    int err = uring::register_files_sparse(*ring, table_size());
    if (err == 0)
      err = uring::register_files_update(*ring, 0, s_.pipe_writes[id_]) ==
                    static_cast<int>(c_.pipes_per_ring)
                ? 0
                : -EIO;
    if (err == 0)
      err = uring::register_file_alloc_range(*ring, alloc_base(), table_size() - alloc_base());
    if (err != 0) {
      r_.setup_error = err;
      return std::nullopt;
    }
    seen_data_.assign(c_.rings, std::vector<std::uint8_t>(c_.messages_per_pair));
    next_seq_.assign(c_.rings, 0);
    seen_fd_.assign(c_.rings, std::vector<std::uint8_t>(c_.pipes_per_ring));
    slot_of_.assign(table_size(), Record{0xffff, 0xffff, 0});
    s_.ring_fds[id_] = ring->fd();
    return ring;
  }

  // A free SQE. With SQPOLL the SQ frees up only when the poller has read it: spinning here would
  // take the CPU from the pollers (2 cores, 4 rings), so a full SQ sleeps a little.
  io_uring_sqe* sqe(uring::Ring& ring) {
    for (unsigned tries = 0;; ++tries) {
      if (io_uring_sqe* e = ring.get_sqe()) return e;
      submit(ring);
      reap(ring);
      if (tries > 0) std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
  }

  void submit(uring::Ring& ring) {
    const int r = ring.submit();
    if (r < 0) fail(r);
  }

  void fail(int err) {
    ++r_.send_failures;
    if (r_.first_send_error == 0) r_.first_send_error = err;
  }

  void storm(uring::Ring& ring) {
    const unsigned fd_every =
        c_.pipes_per_ring ? std::max(1U, c_.messages_per_pair / c_.pipes_per_ring) : 0;
    unsigned next_pipe = 0;
    const std::uint64_t expected_data = std::uint64_t{peers()} * c_.messages_per_pair;
    const std::uint64_t expected_fds = std::uint64_t{peers()} * c_.pipes_per_ring;
    for (std::uint32_t seq = 0; seq < c_.messages_per_pair; ++seq) {
      for (unsigned t = 0; t < c_.rings; ++t) {
        if (t == id_) continue;
        io_uring_sqe* e = sqe(ring);
        uring::prep_msg_ring(*e, s_.ring_fds[t], len_of(seq), tag(kData, id_, seq), 0);
        e->flags |= IOSQE_CQE_SKIP_SUCCESS;
        e->user_data = tag(kSource, id_, seq);
        ++r_.data_sent;
      }
      if (fd_every && seq % fd_every == fd_every - 1 && next_pipe < c_.pipes_per_ring) {
        for (unsigned t = 0; t < c_.rings; ++t) {
          if (t == id_) continue;
          io_uring_sqe* e = sqe(ring);
          uring::prep_msg_ring_fd_alloc(*e, s_.ring_fds[t], static_cast<int>(next_pipe),
                                        tag(kFd, id_, next_pipe), 0);
          e->flags |= IOSQE_CQE_SKIP_SUCCESS;
          e->user_data = tag(kSource, id_, next_pipe);
          ++r_.fds_sent;
        }
        ++next_pipe;
      }
      submit(ring);
      reap(ring);
    }
    // Everything sent: receive what the others still send, until all is in or nothing comes.
    auto last_progress = std::chrono::steady_clock::now();
    while (r_.data_received < expected_data || r_.fds_received < expected_fds) {
      const unsigned long before = r_.data_received + r_.fds_received;
      submit(ring);
      io_uring_cqe* cqe = nullptr;
      __kernel_timespec ts{0, 20'000'000};
      ring.wait_cqe(&cqe, &ts);  // -ETIME is fine; the CQEs are handled by reap
      reap(ring);
      const auto now = std::chrono::steady_clock::now();
      if (r_.data_received + r_.fds_received != before) {
        last_progress = now;
      } else if (now - last_progress > c_.stall) {
        r_.stalled = true;
        break;
      }
    }
    for (unsigned s = 0; s < c_.rings; ++s) {
      if (s == id_) continue;
      for (std::uint8_t n : seen_data_[s]) r_.data_missing += n == 0;
      for (std::uint8_t n : seen_fd_[s]) r_.fds_missing += n == 0;
    }
  }

  // One receive pass: an enter that runs deferred work and flushes the overflow list, then every
  // CQE in the ring.
  void reap(uring::Ring& ring) {
    ++r_.receive_passes;
    if (ring.sq().flags() & IORING_SQ_CQ_OVERFLOW) ++r_.overflow_seen;
    if (const int r = ring.get_events(); r < 0 && r != -EINTR && r != -EAGAIN && r != -EBUSY)
      fail(r);
    ring.for_each_cqe([this](const io_uring_cqe& c) { handle(c); });
  }

  void handle(const io_uring_cqe& c) {
    const unsigned s = sender_of(c.user_data);
    const std::uint32_t n = number_of(c.user_data);
    switch (kind_of(c.user_data)) {
      case kData:
        if (s < c_.rings && s != id_ && n < c_.messages_per_pair && c.flags == 0 &&
            uring::message_len(c) == len_of(n)) {
          if (seen_data_[s][n]++) {
            ++r_.data_duplicated;
          } else {
            ++r_.data_received;
            if (n != next_seq_[s]) ++r_.data_out_of_order;
            next_seq_[s] = n + 1;
          }
          return;
        }
        break;
      case kFd:
        if (s < c_.rings && s != id_ && n < c_.pipes_per_ring &&
            c.res >= static_cast<int>(alloc_base()) && c.res < static_cast<int>(table_size())) {
          if (seen_fd_[s][n]++) {
            ++r_.fds_duplicated;
          } else {
            ++r_.fds_received;
            slot_of_[static_cast<unsigned>(c.res)] =
                Record{static_cast<std::uint16_t>(id_), static_cast<std::uint16_t>(s), n};
          }
          return;
        }
        break;
      case kSource:
        if (s == id_) {
          fail(c.res);
          return;
        }
        break;
    }
    ++r_.unrecognised;
  }

  // Through every slot of the alloc range: the record of the descriptor the CQE said is there.
  // An empty slot must fail with -EBADF; a slot whose record went to the wrong pipe shows when
  // the caller reads the pipes.
  void write_records(uring::Ring& ring) {
    for (unsigned slot = alloc_base(); slot < table_size(); ++slot) {
      const Record& rec = slot_of_[slot];
      io_uring_sqe* e = sqe(ring);
      uring::prep_write(*e, static_cast<int>(slot), &rec, sizeof rec, ~0ULL);
      e->flags |= IOSQE_FIXED_FILE;
      e->user_data = slot;
      const int r = ring.submit_and_wait(1);
      io_uring_cqe* cqe = nullptr;
      if (r < 0 || ring.wait_cqe(&cqe) != 0) {
        ++r_.slot_write_errors;
        continue;
      }
      const bool claimed = rec.target != 0xffff;
      if (cqe->res == static_cast<int>(sizeof rec) && claimed)
        ++r_.slot_writes;
      else if (!(cqe->res == -EBADF && !claimed))
        ++r_.slot_write_errors;
      ring.cqe_seen();
    }
  }

  Shared& s_;
  const Config& c_;
  unsigned id_;
  Report& r_;
  std::vector<std::vector<std::uint8_t>> seen_data_;
  std::vector<std::uint32_t> next_seq_;
  std::vector<std::vector<std::uint8_t>> seen_fd_;
  std::vector<Record> slot_of_;
};

// Runs the storm; the pipes' write ends must be in shared.pipe_writes.
inline void run(Shared& shared) {
  test::Threads threads;
  for (unsigned i = 0; i < shared.config.rings; ++i)
    threads.start([&shared, i] { Member(shared, i).run(); });
  threads.join();
}

}  // namespace storm
