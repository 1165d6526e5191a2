// The liburing half of every benchmark: the same steps as rawuring_side.cpp, written the way a
// liburing 2.3 application writes them. Built only when Meson finds liburing.
#include <fcntl.h>
#include <liburing.h>
#include <unistd.h>

#include <algorithm>

#include <sys/mman.h>

#include "peer.hpp"
#include "sides.hpp"
#include "sockets.hpp"

namespace bench {
namespace {

constexpr unsigned kFastFlags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN |
                                IORING_SETUP_TASKRUN_FLAG | IORING_SETUP_SUBMIT_ALL;
constexpr unsigned kDeferFlags =
    IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_TASKRUN_FLAG;

// An io_uring that is torn down on scope exit (on the thread that created it).
struct Ring {
  io_uring ring{};
  bool live = false;
  // io_uring_queue_init_params with exactly these flags (cq_entries 0: the kernel's default).
  int init(unsigned entries, unsigned flags = 0, unsigned cq_entries = 0) {
    io_uring_params p{};
    p.flags = flags;
    if (cq_entries) p.flags |= IORING_SETUP_CQSIZE, p.cq_entries = cq_entries;
    const int ret = io_uring_queue_init_params(entries, &ring, &p);
    live = ret == 0;
    return ret;
  }
  ~Ring() {
    if (live) io_uring_queue_exit(&ring);
  }
  io_uring* operator->() { return &ring; }
  io_uring* get() { return &ring; }
};

io_uring_sqe* sqe_of(io_uring* ring) {
  io_uring_sqe* sqe = io_uring_get_sqe(ring);
  if (!sqe) die("io_uring_get_sqe (SQ full)", 0);
  return sqe;
}

void submit_wait(io_uring* ring, unsigned want, const char* what) {
  const int ret = io_uring_submit_and_wait(ring, want);
  if (ret < 0 && ret != -EINTR) die(what, ret);
}

long enter_empty(bool registered, long n) {
  Ring ring;
  if (const int ret = ring.init(8); ret < 0) return ret;
  if (registered)
    if (const int ret = io_uring_register_ring_fd(ring.get()); ret != 1)
      return ret < 0 ? ret : -EPROTO;
  const long t0 = now_ns();
  for (long i = 0; i < n; ++i)
    if (const int ret = io_uring_get_events(ring.get()); ret < 0) die("io_uring_get_events", ret);
  return now_ns() - t0;
}

}  // namespace

// The loop callgrind counts: see rawuring_nop_loop.
extern "C" __attribute__((noinline)) long liburing_nop_loop(io_uring* ring, unsigned batch,
                                                            long rounds) {
  long sum = 0;
  for (long r = 0; r < rounds; ++r) {
    for (unsigned i = 0; i < batch; ++i) {
      io_uring_sqe* sqe = io_uring_get_sqe(ring);
      io_uring_prep_nop(sqe);
      io_uring_sqe_set_data64(sqe, i);
    }
    if (const int ret = io_uring_submit_and_wait(ring, batch); ret < 0) return ret;
    unsigned head, seen = 0;
    io_uring_cqe* cqe;
    io_uring_for_each_cqe(ring, head, cqe) {
      sum += cqe->res;
      ++seen;
    }
    io_uring_cq_advance(ring, seen);
    sum += seen;
  }
  return sum;
}

namespace {

long nop(Setup setup, unsigned batch, long rounds) {
  Ring ring;
  const unsigned entries = std::max(batch, 8u);
  const bool fast = setup == Setup::same_fast || setup == Setup::fastest;
  // liburing's default (io_uring_queue_init(.., 0)) is the plain setup.
  if (const int ret = ring.init(entries, fast ? kFastFlags : 0); ret < 0) return ret;
  if (fast)
    if (const int ret = io_uring_register_ring_fd(ring.get()); ret != 1)
      return ret < 0 ? ret : -EPROTO;
  const long t0 = now_ns();
  const long sum = liburing_nop_loop(ring.get(), batch, rounds);
  const long elapsed = now_ns() - t0;
  if (sum != rounds * batch) return sum < 0 ? sum : -EPROTO;
  return elapsed;
}

void queue_message(io_uring* ring, int fd, long data) {
  io_uring_sqe* sqe = sqe_of(ring);
  io_uring_prep_msg_ring(sqe, fd, 1, static_cast<__u64>(data), 0);
  sqe->flags |= IOSQE_CQE_SKIP_SUCCESS;
  io_uring_sqe_set_data64(sqe, 0);
}

void take_message(io_uring* ring, long expect, bool busy) {
  io_uring_cqe* cqe;
  while (io_uring_peek_cqe(ring, &cqe) != 0)
    busy ? cpu_relax() : submit_wait(ring, 1, "io_uring_submit_and_wait");
  if (cqe->res != 1 || cqe->user_data != static_cast<__u64>(expect)) die("MSG_RING DATA", cqe->res);
  io_uring_cqe_seen(ring, cqe);
}

long ping_pong(Ping mode, long rounds) {
  const bool busy = mode == Ping::busy_cross;
  Ring a;
  if (const int ret = a.init(8); ret < 0) return ret;
  Handoff h;
  std::thread peer = start_peer(mode == Ping::block_one_core ? cpu(0) : cpu(1), [&] {
    Ring b;
    const int ret = b.init(8);
    h.publish(ret < 0 ? ret : b->ring_fd);
    if (ret < 0) return;
    for (long r = 0; r < rounds; ++r) {
      take_message(b.get(), r, busy);
      queue_message(b.get(), a->ring_fd, r);
      if (busy) io_uring_submit(b.get());
    }
    io_uring_submit(b.get());
  });
  const int b_fd = h.wait_fd();
  const long t0 = now_ns();
  if (b_fd >= 0) {
    for (long r = 0; r < rounds; ++r) {
      queue_message(a.get(), b_fd, r);
      if (busy) io_uring_submit(a.get());
      take_message(a.get(), r, busy);
    }
  }
  const long elapsed = now_ns() - t0;
  peer.join();
  return b_fd < 0 ? b_fd : elapsed;
}

template <class F>
void consume(io_uring* ring, Handoff& h, long total, F&& on_cqe) {
  long got = 0;
  while (got < total) {
    submit_wait(ring, 1, "target io_uring_submit_and_wait");
    unsigned head, seen = 0;
    io_uring_cqe* cqe;
    io_uring_for_each_cqe(ring, head, cqe) {
      on_cqe(*cqe);
      ++seen;
    }
    io_uring_cq_advance(ring, seen);
    got += seen;
    h.consumed.store(got, std::memory_order_release);
  }
  io_uring_submit(ring);
}

template <class F>
void produce(io_uring* ring, Handoff& h, long total, F&& prep) {
  for (long sent = 0; sent < total;) {
    const long k = std::min<long>(kBurst, total - sent);
    h.wait_consumed(sent + k - kWindow, cpu_count() < 2);
    for (long i = 0; i < k; ++i) prep(sqe_of(ring), sent + i);
    if (const int ret = io_uring_submit(ring); ret < 0) die("io_uring_submit", ret);
    io_uring_cqe* cqe;
    if (io_uring_peek_cqe(ring, &cqe) == 0) die("sender CQE (a send failed)", cqe->res);
    sent += k;
  }
  h.wait_consumed(total, cpu_count() < 2);
}

long one_way(bool defer_target, long messages) {
  Ring a;
  if (const int ret = a.init(64); ret < 0) return ret;
  Handoff h;
  std::thread peer = start_peer(cpu(1), [&] {
    Ring b;
    const int ret = b.init(8, defer_target ? kDeferFlags : 0, 4096);
    h.publish(ret < 0 ? ret : b->ring_fd);
    if (ret < 0) return;
    consume(b.get(), h, messages, [](const io_uring_cqe& cqe) {
      if (cqe.res != 1) die("target CQE", cqe.res);
    });
  });
  const int b_fd = h.wait_fd();
  const long t0 = now_ns();
  if (b_fd >= 0) {
    produce(a.get(), h, messages, [&](io_uring_sqe* sqe, long i) {
      io_uring_prep_msg_ring(sqe, b_fd, 1, static_cast<__u64>(i), 0);
      sqe->flags |= IOSQE_CQE_SKIP_SUCCESS;
      io_uring_sqe_set_data64(sqe, 0);
    });
  }
  const long elapsed = now_ns() - t0;
  peer.join();
  return b_fd < 0 ? b_fd : elapsed;
}

// liburing 2.3 has no prep helper for MSG_RING SEND_FD (2.4 added io_uring_prep_msg_ring_fd):
// a 2.3 application fills the SQE by hand, as here.
void prep_send_fd_alloc(io_uring_sqe* sqe, int ring_fd, int source_slot, __u64 data) {
  io_uring_prep_rw(IORING_OP_MSG_RING, sqe, ring_fd, reinterpret_cast<void*>(IORING_MSG_SEND_FD), 0,
                   data);
  sqe->addr3 = static_cast<__u64>(source_slot);
  sqe->file_index = IORING_FILE_INDEX_ALLOC;
}

long send_fd(bool defer_target, long fds) {
  Ring a;
  if (const int ret = a.init(64); ret < 0) return ret;
  const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (const int ret = io_uring_register_files(a.get(), &null_fd, 1); ret < 0)
    return ::close(null_fd), ret;
  Handoff h;
  std::thread peer = start_peer(cpu(1), [&] {
    Ring b;
    int ret = b.init(512, defer_target ? kDeferFlags : 0, 1024);
    if (ret == 0) ret = io_uring_register_files_sparse(b.get(), 1024);
    h.publish(ret < 0 ? ret : b->ring_fd);
    if (ret < 0) return;
    consume(b.get(), h, fds, [&](const io_uring_cqe& cqe) {
      if (cqe.res < 0) die("SEND_FD target CQE", cqe.res);
      io_uring_sqe* sqe = sqe_of(b.get());
      io_uring_prep_close_direct(sqe, static_cast<unsigned>(cqe.res));
      sqe->flags |= IOSQE_CQE_SKIP_SUCCESS;
      io_uring_sqe_set_data64(sqe, 0);
    });
  });
  const int b_fd = h.wait_fd();
  const long t0 = now_ns();
  if (b_fd >= 0) {
    produce(a.get(), h, fds, [&](io_uring_sqe* sqe, long i) {
      prep_send_fd_alloc(sqe, b_fd, 0, static_cast<__u64>(i));
      sqe->flags |= IOSQE_CQE_SKIP_SUCCESS;
      io_uring_sqe_set_data64(sqe, 0);
    });
  }
  const long elapsed = now_ns() - t0;
  peer.join();
  ::close(null_fd);
  return b_fd < 0 ? b_fd : elapsed;
}

int table_ring(Ring& ring) {
  if (const int ret = ring.init(64); ret < 0) return ret;
  return io_uring_register_files_sparse(ring.get(), 1024);
}

long files_update_sqe(unsigned nr, unsigned per_submit, long updates) {
  Ring ring;
  if (const int ret = table_ring(ring); ret < 0) return ret;
  int fds[64];
  const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  std::fill(std::begin(fds), std::end(fds), fd);
  int offset = 0;
  const long t0 = now_ns();
  for (long done = 0; done < updates;) {
    const unsigned k = static_cast<unsigned>(std::min<long>(per_submit, updates - done));
    for (unsigned i = 0; i < k; ++i) {
      io_uring_sqe* sqe = sqe_of(ring.get());
      io_uring_prep_files_update(sqe, fds, nr, offset);
      io_uring_sqe_set_data64(sqe, i);
      offset = (offset + static_cast<int>(nr)) % 1024;
    }
    submit_wait(ring.get(), k, "FILES_UPDATE io_uring_submit_and_wait");
    unsigned head, seen = 0;
    io_uring_cqe* cqe;
    io_uring_for_each_cqe(ring.get(), head, cqe) {
      if (cqe->res != static_cast<int>(nr)) die("FILES_UPDATE", cqe->res);
      ++seen;
    }
    io_uring_cq_advance(ring.get(), seen);
    done += k;
  }
  const long elapsed = now_ns() - t0;
  ::close(fd);
  return elapsed;
}

long files_update_register(unsigned nr, long updates) {
  Ring ring;
  if (const int ret = table_ring(ring); ret < 0) return ret;
  int fds[64];
  const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  std::fill(std::begin(fds), std::end(fds), fd);
  unsigned offset = 0;
  const long t0 = now_ns();
  for (long u = 0; u < updates; ++u) {
    const int ret = io_uring_register_files_update(ring.get(), offset, fds, nr);
    if (ret != static_cast<int>(nr)) die("io_uring_register_files_update", ret);
    offset = (offset + nr) % 1024;
  }
  const long elapsed = now_ns() - t0;
  ::close(fd);
  return elapsed;
}

long read_one(bool fixed, unsigned batch, long reads) {
  Ring ring;
  if (const int ret = ring.init(64); ret < 0) return ret;
  const int fd = ::open("/dev/zero", O_RDONLY | O_CLOEXEC);
  if (fixed)
    if (const int ret = io_uring_register_files(ring.get(), &fd, 1); ret < 0)
      return ::close(fd), ret;
  char buf[64][1];
  const long t0 = now_ns();
  for (long done = 0; done < reads;) {
    const unsigned k = static_cast<unsigned>(std::min<long>(batch, reads - done));
    for (unsigned i = 0; i < k; ++i) {
      io_uring_sqe* sqe = sqe_of(ring.get());
      io_uring_prep_read(sqe, fixed ? 0 : fd, buf[i], 1, 0);
      if (fixed) sqe->flags |= IOSQE_FIXED_FILE;
      io_uring_sqe_set_data64(sqe, i);
    }
    submit_wait(ring.get(), k, "read io_uring_submit_and_wait");
    unsigned head, seen = 0;
    io_uring_cqe* cqe;
    io_uring_for_each_cqe(ring.get(), head, cqe) {
      if (cqe->res != 1) die("read", cqe->res);
      ++seen;
    }
    io_uring_cq_advance(ring.get(), seen);
    done += k;
  }
  const long elapsed = now_ns() - t0;
  ::close(fd);
  return elapsed;
}

long recv_buf_ring(long buffers) {
  Ring ring;
  if (const int ret = ring.init(8, kDeferFlags, 2 * kBufEntries); ret < 0) return ret;
  const std::size_t ring_bytes = kBufEntries * sizeof(io_uring_buf);
  void* mem = ::mmap(nullptr, ring_bytes + kBufEntries * kBufSize, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) return -ENOMEM;
  auto* br = static_cast<io_uring_buf_ring*>(mem);
  char* bufs = static_cast<char*>(mem) + ring_bytes;
  io_uring_buf_reg reg{};
  reg.ring_addr = reinterpret_cast<std::uintptr_t>(br);
  reg.ring_entries = kBufEntries;
  reg.bgid = 1;
  if (const int ret = io_uring_register_buf_ring(ring.get(), &reg, 0); ret < 0)
    return ::munmap(mem, ring_bytes + kBufEntries * kBufSize), ret;
  io_uring_buf_ring_init(br);
  const int mask = io_uring_buf_ring_mask(kBufEntries);
  for (unsigned i = 0; i < kBufEntries; ++i)
    io_uring_buf_ring_add(br, bufs + i * kBufSize, kBufSize, static_cast<unsigned short>(i), mask,
                          static_cast<int>(i));
  io_uring_buf_ring_advance(br, kBufEntries);
  int fds[2] = {-1, -1};
  if (const int ret = tcp_pair(fds); ret < 0) return ret;
  io_uring_sqe* sqe = sqe_of(ring.get());
  io_uring_prep_recv_multishot(sqe, fds[0], nullptr, 0, 0);
  sqe->flags |= IOSQE_BUFFER_SELECT;
  sqe->buf_group = 1;
  static char data[kBufChunk * kBufSize];
  const long t0 = now_ns();
  for (long done = 0; done < buffers;) {
    if (!write_all(fds[1], data, sizeof data)) die("write", -errno);
    for (long bytes = 0; bytes < long(sizeof data);) {
      submit_wait(ring.get(), 1, "recv io_uring_submit_and_wait");
      unsigned head, seen = 0;
      io_uring_cqe* cqe;
      io_uring_for_each_cqe(ring.get(), head, cqe) {
        if (cqe->res <= 0 || !(cqe->flags & IORING_CQE_F_MORE)) die("multishot recv", cqe->res);
        bytes += cqe->res;
        const unsigned bid = cqe->flags >> IORING_CQE_BUFFER_SHIFT;
        io_uring_buf_ring_add(br, bufs + bid * kBufSize, kBufSize, static_cast<unsigned short>(bid),
                              mask, static_cast<int>(seen));
        ++seen;
      }
      io_uring_buf_ring_cq_advance(ring.get(), br, static_cast<int>(seen));
      done += seen;
    }
  }
  const long elapsed = now_ns() - t0;
  ::close(fds[1]);
  ::close(fds[0]);
  io_uring_unregister_buf_ring(ring.get(), 1);
  ::munmap(mem, ring_bytes + kBufEntries * kBufSize);
  return elapsed;
}

long read_4k(bool fixed, long reads) {
  Ring ring;
  if (const int ret = ring.init(64); ret < 0) return ret;
  const int fd = ::open("/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0) return -errno;
  static char block[kReadSize];
  for (unsigned i = 0; i < kFileBlocks; ++i)
    if (::pwrite(fd, block, kReadSize, i * kReadSize) != kReadSize) return ::close(fd), -EIO;
  void* mem = ::mmap(nullptr, kReadBatch * kReadSize, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) return ::close(fd), -ENOMEM;
  char* bufs = static_cast<char*>(mem);
  iovec iov[kReadBatch];
  for (unsigned i = 0; i < kReadBatch; ++i) iov[i] = {bufs + i * kReadSize, kReadSize};
  if (fixed)
    if (const int ret = io_uring_register_buffers(ring.get(), iov, kReadBatch); ret < 0)
      return ::close(fd), ret;
  const long t0 = now_ns();
  for (long done = 0; done < reads;) {
    const unsigned k = static_cast<unsigned>(std::min<long>(kReadBatch, reads - done));
    for (unsigned i = 0; i < k; ++i) {
      io_uring_sqe* sqe = sqe_of(ring.get());
      const unsigned long off = ((done + i) % kFileBlocks) * kReadSize;
      if (fixed)
        io_uring_prep_read_fixed(sqe, fd, bufs + i * kReadSize, kReadSize, off,
                                 static_cast<int>(i));
      else
        io_uring_prep_read(sqe, fd, bufs + i * kReadSize, kReadSize, off);
    }
    submit_wait(ring.get(), k, "read io_uring_submit_and_wait");
    unsigned head, seen = 0;
    io_uring_cqe* cqe;
    io_uring_for_each_cqe(ring.get(), head, cqe) {
      if (cqe->res != int(kReadSize)) die("4 KiB read", cqe->res);
      ++seen;
    }
    io_uring_cq_advance(ring.get(), seen);
    done += k;
  }
  const long elapsed = now_ns() - t0;
  ::close(fd);
  if (fixed) io_uring_unregister_buffers(ring.get());
  ::munmap(mem, kReadBatch * kReadSize);
  return elapsed;
}

}  // namespace

const Side liburing_side = {
    "liburing",       enter_empty,           nop,      ping_pong,     one_way, send_fd,
    files_update_sqe, files_update_register, read_one, recv_buf_ring, read_4k,
};

}  // namespace bench
