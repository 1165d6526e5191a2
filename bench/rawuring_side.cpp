// The rawuring half of every benchmark: the same steps as liburing_side.cpp, with rawuring's calls.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>

#include "peer.hpp"
#include "sides.hpp"
#include "sockets.hpp"
#include "uring/buf_ring.hpp"
#include "uring/buffers.hpp"
#include "uring/uring.hpp"

namespace bench {
namespace {

using uring::Params;
using uring::Ring;

// The fast flags liburing 2.3 also knows (it predates NO_SQARRAY).
constexpr unsigned kFastFlags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN |
                                IORING_SETUP_TASKRUN_FLAG | IORING_SETUP_SUBMIT_ALL;
constexpr unsigned kDeferFlags =
    IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_TASKRUN_FLAG;

// Exactly `flags`: what io_uring_queue_init_params gives liburing.
Params exact(unsigned entries, unsigned flags = 0, unsigned cq_entries = 0) {
  Params p;
  p.entries = entries;
  p.cq_entries = cq_entries;
  p.flags = flags;
  p.default_flags = false;
  p.register_ring_fd = false;
  return p;
}

Params nop_params(Setup s, unsigned entries) {
  Params p = exact(entries);
  switch (s) {
    case Setup::plain: break;
    case Setup::same_fast:
      p.flags = kFastFlags;
      p.register_ring_fd = true;
      break;
    case Setup::fastest:
    case Setup::defaults: p = Params{.entries = entries}; break;
  }
  return p;
}

io_uring_sqe* sqe_of(Ring& ring) {
  io_uring_sqe* sqe = ring.get_sqe();
  if (!sqe) die("get_sqe (SQ full)", 0);
  return sqe;
}

// Submits the pending SQEs and waits for `want` CQEs; dies on an error.
void submit_wait(Ring& ring, unsigned want, const char* what) {
  const int ret = ring.submit_and_wait(want);
  if (ret < 0 && ret != -EINTR) die(what, ret);
}

long enter_empty(bool registered, long n) {
  Params p = exact(8);
  p.register_ring_fd = registered;
  auto r = Ring::create(p);
  if (!r) return r.error();
  Ring ring = r.take();
  if (registered && ring.registered_index() < 0) return -EOPNOTSUPP;
  const long t0 = now_ns();
  for (long i = 0; i < n; ++i)
    if (const int ret = ring.get_events(); ret < 0) die("get_events", ret);
  return now_ns() - t0;
}

}  // namespace

// The loop callgrind counts (bench_instructions toggles collection on this symbol): everything
// an application does per batch of NOPs, nothing else. Returns the sum of res + 1 (rounds * batch).
extern "C" __attribute__((noinline)) long rawuring_nop_loop(Ring& ring, unsigned batch,
                                                            long rounds) {
  long sum = 0;
  for (long r = 0; r < rounds; ++r) {
    // What an application does: get_sqe for one request, get_sqes for a batch (it keeps the
    // ring's indices in registers while the SQEs are written; liburing has no such call).
    if (batch == 1) {
      io_uring_sqe* sqe = ring.get_sqe();
      uring::prep_nop(*sqe);
      sqe->user_data = 0;
    } else {
      const uring::SqeBatch sqes = ring.get_sqes(batch);
      for (unsigned i = 0; i < sqes.size(); ++i) {
        io_uring_sqe& sqe = sqes[i];
        uring::prep_nop(sqe);
        sqe.user_data = i;
      }
    }
    if (const int ret = ring.submit_and_wait(batch); ret < 0) return ret;
    sum += ring.for_each_cqe([&](const io_uring_cqe& cqe) { sum += cqe.res; });
  }
  return sum;
}

namespace {

long nop(Setup setup, unsigned batch, long rounds) {
  auto r = Ring::create(nop_params(setup, std::max(batch, 8u)));
  if (!r) return r.error();
  Ring ring = r.take();
  const long t0 = now_ns();
  const long sum = rawuring_nop_loop(ring, batch, rounds);
  const long elapsed = now_ns() - t0;
  if (sum != rounds * batch) return sum < 0 ? sum : -EPROTO;
  return elapsed;
}

// Posts a DATA message (res 1, user_data = data) to the ring `fd`; the sender's own CQE is skipped.
void queue_message(Ring& ring, int fd, long data) {
  io_uring_sqe* sqe = sqe_of(ring);
  uring::prep_msg_ring(*sqe, fd, 1, static_cast<std::uint64_t>(data), 0);
  sqe->flags |= IOSQE_CQE_SKIP_SUCCESS;
  sqe->user_data = 0;
}

// Takes the next message: spinning on the CQ ring, or blocking in submit_and_wait (which also
// submits whatever was queued). Checks it is message `expect`.
void take_message(Ring& ring, long expect, bool busy) {
  io_uring_cqe* cqe;
  while (!(cqe = ring.peek_cqe())) busy ? cpu_relax() : submit_wait(ring, 1, "submit_and_wait");
  if (cqe->res != 1 || cqe->user_data != static_cast<std::uint64_t>(expect))
    die("MSG_RING DATA", cqe->res);
  ring.cqe_seen();
}

long ping_pong(Ping mode, long rounds) {
  const bool busy = mode == Ping::busy_cross;
  auto ra = Ring::create(exact(8));
  if (!ra) return ra.error();
  Ring a = ra.take();
  Handoff h;
  std::thread peer = start_peer(mode == Ping::block_one_core ? cpu(0) : cpu(1), [&] {
    auto rb = Ring::create(exact(8));
    h.publish(rb ? rb->fd() : rb.error());
    if (!rb) return;
    Ring b = rb.take();
    for (long r = 0; r < rounds; ++r) {
      take_message(b, r, busy);
      queue_message(b, a.fd(), r);
      if (busy) (void)b.submit();
    }
    (void)b.submit();
  });
  const int b_fd = h.wait_fd();
  long t0 = now_ns();
  if (b_fd >= 0) {
    for (long r = 0; r < rounds; ++r) {
      queue_message(a, b_fd, r);
      if (busy) (void)a.submit();
      take_message(a, r, busy);
    }
  }
  const long elapsed = now_ns() - t0;
  peer.join();
  return b_fd < 0 ? b_fd : elapsed;
}

// The target side of the one-way rows: blocks for at least one CQE, handles every ready one,
// reports progress; until `total` have arrived.
template <class F>
void consume(Ring& ring, Handoff& h, long total, F&& on_cqe) {
  long got = 0;
  while (got < total) {
    submit_wait(ring, 1, "target submit_and_wait");
    got += ring.for_each_cqe(on_cqe);
    h.consumed.store(got, std::memory_order_release);
  }
  (void)ring.submit();
}

// Sends `total` SQEs prepared by prep(sqe, i), kBurst per submit, at most kWindow ahead of the
// target. Returns when the target has consumed all of them.
template <class F>
void produce(Ring& ring, Handoff& h, long total, F&& prep) {
  for (long sent = 0; sent < total;) {
    const long k = std::min<long>(kBurst, total - sent);
    h.wait_consumed(sent + k - kWindow, cpu_count() < 2);
    for (long i = 0; i < k; ++i) prep(*sqe_of(ring), sent + i);
    if (const int ret = ring.submit(); ret < 0) die("submit", ret);
    if (io_uring_cqe* cqe = ring.peek_cqe()) die("sender CQE (a send failed)", cqe->res);
    sent += k;
  }
  h.wait_consumed(total, cpu_count() < 2);
}

long one_way(bool defer_target, long messages) {
  auto ra = Ring::create(exact(64));
  if (!ra) return ra.error();
  Ring a = ra.take();
  Handoff h;
  std::thread peer = start_peer(cpu(1), [&] {
    auto rb = Ring::create(exact(8, defer_target ? kDeferFlags : 0, 4096));
    h.publish(rb ? rb->fd() : rb.error());
    if (!rb) return;
    Ring b = rb.take();
    consume(b, h, messages, [](const io_uring_cqe& cqe) {
      if (cqe.res != 1) die("target CQE", cqe.res);
    });
  });
  const int b_fd = h.wait_fd();
  const long t0 = now_ns();
  if (b_fd >= 0) {
    produce(a, h, messages, [&](io_uring_sqe& sqe, long i) {
      uring::prep_msg_ring(sqe, b_fd, 1, static_cast<std::uint64_t>(i), 0);
      sqe.flags |= IOSQE_CQE_SKIP_SUCCESS;
      sqe.user_data = 0;
    });
  }
  const long elapsed = now_ns() - t0;
  peer.join();
  return b_fd < 0 ? b_fd : elapsed;
}

long send_fd(bool defer_target, long fds) {
  auto ra = Ring::create(exact(64));
  if (!ra) return ra.error();
  Ring a = ra.take();
  const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  const int one[] = {null_fd};
  if (const int ret = uring::register_files(a, one); ret < 0) return ::close(null_fd), ret;
  Handoff h;
  std::thread peer = start_peer(cpu(1), [&] {
    auto rb = Ring::create(exact(512, defer_target ? kDeferFlags : 0, 1024));
    int ret = rb ? uring::register_files_sparse(*rb, 1024) : rb.error();
    h.publish(ret < 0 ? ret : rb->fd());
    if (ret < 0) return;
    Ring b = rb.take();
    // Each arriving slot is closed again (close_direct, own CQE skipped), so the table never fills.
    consume(b, h, fds, [&](const io_uring_cqe& cqe) {
      if (cqe.res < 0) die("SEND_FD target CQE", cqe.res);
      io_uring_sqe* sqe = sqe_of(b);
      uring::prep_close_direct(*sqe, static_cast<unsigned>(cqe.res));
      sqe->flags |= IOSQE_CQE_SKIP_SUCCESS;
      sqe->user_data = 0;
    });
  });
  const int b_fd = h.wait_fd();
  const long t0 = now_ns();
  if (b_fd >= 0) {
    produce(a, h, fds, [&](io_uring_sqe& sqe, long i) {
      uring::prep_msg_ring_fd_alloc(sqe, b_fd, 0, static_cast<std::uint64_t>(i), 0);
      sqe.flags |= IOSQE_CQE_SKIP_SUCCESS;
      sqe.user_data = 0;
    });
  }
  const long elapsed = now_ns() - t0;
  peer.join();
  ::close(null_fd);
  return b_fd < 0 ? b_fd : elapsed;
}

// A plain ring with a 1,024-slot sparse file table.
uring::Result<Ring> table_ring() {
  auto r = Ring::create(exact(64));
  if (!r) return r;
  if (const int ret = uring::register_files_sparse(*r, 1024); ret < 0) return uring::Errno{ret};
  return r;
}

long files_update_sqe(unsigned nr, unsigned per_submit, long updates) {
  auto r = table_ring();
  if (!r) return r.error();
  Ring ring = r.take();
  int fds[64];
  const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  std::fill(std::begin(fds), std::end(fds), fd);
  int offset = 0;
  const long t0 = now_ns();
  for (long done = 0; done < updates;) {
    const unsigned k = static_cast<unsigned>(std::min<long>(per_submit, updates - done));
    for (unsigned i = 0; i < k; ++i) {
      io_uring_sqe* sqe = sqe_of(ring);
      uring::prep_files_update(*sqe, fds, nr, offset);
      sqe->user_data = i;
      offset = (offset + static_cast<int>(nr)) % 1024;
    }
    submit_wait(ring, k, "FILES_UPDATE submit_and_wait");
    ring.for_each_cqe([&](const io_uring_cqe& cqe) {
      if (cqe.res != static_cast<int>(nr)) die("FILES_UPDATE", cqe.res);
    });
    done += k;
  }
  const long elapsed = now_ns() - t0;
  ::close(fd);
  return elapsed;
}

long files_update_register(unsigned nr, long updates) {
  auto r = table_ring();
  if (!r) return r.error();
  Ring ring = r.take();
  int fds[64];
  const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  std::fill(std::begin(fds), std::end(fds), fd);
  unsigned offset = 0;
  const long t0 = now_ns();
  for (long u = 0; u < updates; ++u) {
    const int ret = uring::register_files_update(ring, offset, std::span<const int>(fds, nr));
    if (ret != static_cast<int>(nr)) die("register_files_update", ret);
    offset = (offset + nr) % 1024;
  }
  const long elapsed = now_ns() - t0;
  ::close(fd);
  return elapsed;
}

long read_one(bool fixed, unsigned batch, long reads) {
  auto r = Ring::create(exact(64));
  if (!r) return r.error();
  Ring ring = r.take();
  const int fd = ::open("/dev/zero", O_RDONLY | O_CLOEXEC);
  const int one[] = {fd};
  if (fixed)
    if (const int ret = uring::register_files(ring, one); ret < 0) return ::close(fd), ret;
  char buf[64][1];
  const long t0 = now_ns();
  for (long done = 0; done < reads;) {
    const unsigned k = static_cast<unsigned>(std::min<long>(batch, reads - done));
    for (unsigned i = 0; i < k; ++i) {
      io_uring_sqe* sqe = sqe_of(ring);
      uring::prep_read(*sqe, fixed ? 0 : fd, buf[i], 1, 0);
      if (fixed) sqe->flags |= IOSQE_FIXED_FILE;
      sqe->user_data = i;
    }
    submit_wait(ring, k, "read submit_and_wait");
    ring.for_each_cqe([&](const io_uring_cqe& cqe) {
      if (cqe.res != 1) die("read", cqe.res);
    });
    done += k;
  }
  const long elapsed = now_ns() - t0;
  ::close(fd);
  return elapsed;
}

long recv_buf_ring(long buffers) {
  auto r = Ring::create(exact(8, kDeferFlags, 2 * kBufEntries));
  if (!r) return r.error();
  Ring ring = r.take();
  auto br = uring::BufRing::create(ring, 1, kBufEntries, kBufSize);
  if (!br) return br.error();
  int fds[2] = {-1, -1};
  if (const int ret = tcp_pair(fds); ret < 0) return ret;
  io_uring_sqe* sqe = sqe_of(ring);
  uring::prep_recv_multishot(*sqe, fds[0], nullptr, 0, 0);
  sqe->flags |= IOSQE_BUFFER_SELECT;
  sqe->buf_group = 1;
  static char data[kBufChunk * kBufSize];
  const long t0 = now_ns();
  for (long done = 0; done < buffers;) {
    if (!write_all(fds[1], data, sizeof data)) die("write", -errno);
    for (long bytes = 0; bytes < long(sizeof data);) {
      submit_wait(ring, 1, "recv submit_and_wait");
      ring.for_each_cqe([&](const io_uring_cqe& cqe) {
        if (cqe.res <= 0 || !uring::cqe_more(cqe)) die("multishot recv", cqe.res);
        bytes += cqe.res;
        br->recycle(cqe);
        ++done;
      });
      br->publish();
    }
  }
  const long elapsed = now_ns() - t0;
  ::close(fds[1]);
  ::close(fds[0]);
  return elapsed;
}

long read_4k(bool fixed, long reads) {
  auto r = Ring::create(exact(64));
  if (!r) return r.error();
  Ring ring = r.take();
  const int fd = ::open("/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0) return -errno;
  static char block[kReadSize];
  for (unsigned i = 0; i < kFileBlocks; ++i)
    if (::pwrite(fd, block, kReadSize, i * kReadSize) != kReadSize) return ::close(fd), -EIO;
  auto fb = uring::FixedBuffers::create(ring, kReadBatch, kReadSize);
  if (!fb) return ::close(fd), fb.error();
  if (!fixed) fb->unregister();  // the same memory, as plain buffers
  const std::uint8_t op = fixed ? IORING_OP_READ_FIXED : IORING_OP_READ;
  const long t0 = now_ns();
  for (long done = 0; done < reads;) {
    const unsigned k = static_cast<unsigned>(std::min<long>(kReadBatch, reads - done));
    for (unsigned i = 0; i < k; ++i) {
      io_uring_sqe* sqe = sqe_of(ring);
      uring::prep_rw(*sqe, op, fd, reinterpret_cast<std::uintptr_t>(fb->buffer(i)), kReadSize,
                     ((done + i) % kFileBlocks) * kReadSize);
      sqe->buf_index = static_cast<std::uint16_t>(fixed ? i : 0);
    }
    submit_wait(ring, k, "read submit_and_wait");
    ring.for_each_cqe([&](const io_uring_cqe& cqe) {
      if (cqe.res != int(kReadSize)) die("4 KiB read", cqe.res);
    });
    done += k;
  }
  const long elapsed = now_ns() - t0;
  ::close(fd);
  return elapsed;
}

}  // namespace

const Side rawuring_side = {
    "rawuring",       enter_empty,           nop,      ping_pong,     one_way, send_fd,
    files_update_sqe, files_update_register, read_one, recv_buf_ring, read_4k,
};

}  // namespace bench
