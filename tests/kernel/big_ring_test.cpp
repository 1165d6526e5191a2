// Ring types with other entry sizes (BasicRing: BigRing = SQE128 + CQE32, MixedCqRing = 6.18's
// CQE_MIXED) and ring resizing (IORING_REGISTER_RESIZE_RINGS, 6.13), on the running kernel, in
// every ring mode.
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <thread>
#include <utility>
#include <vector>

#include "../support/modes.hpp"

namespace {

uring::Params entries(unsigned n) {
  uring::Params p;
  p.entries = n;
  return p;
}

// A 128-byte SQE's upper half filled with a pattern: were the ring's stride 64 bytes, the next
// SQE would start there and the kernel would read the pattern as an SQE (opcode 0xAA: -EINVAL).
void scribble_cmd(io_uring_sqe& sqe) {
  std::memset(uring::BigRing::cmd(sqe).data() + 16, 0xAA, 64);
}

void queue_nop(uring::BigRing& ring, std::uint64_t user_data) {
  io_uring_sqe* sqe = ring.get_sqe();
  REQUIRE(sqe != nullptr);
  uring::prep_nop(*sqe);
  sqe->user_data = user_data;
  scribble_cmd(*sqe);
}

struct BigCqe {
  std::uint64_t user_data;
  std::int32_t res;
  std::uint32_t flags;
  std::uint64_t extra1, extra2;
};

template <class R>
std::vector<BigCqe> reap_big(R& ring, unsigned n) {
  std::vector<BigCqe> out;
  io_uring_cqe* cqe = nullptr;
  __kernel_timespec ts{1, 0};
  while (out.size() < n) {
    REQUIRE(ring.wait_cqe(&cqe, &ts) == 0);
    out.push_back({cqe->user_data, cqe->res, cqe->flags, cqe->big_cqe[0], cqe->big_cqe[1]});
    ring.cqe_seen(cqe);
  }
  return out;
}

bool have_loopback() {
  test::Fd s(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (s.get() < 0) return false;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(s.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    std::printf("SKIP: no loopback address to bind\n");
    return false;
  }
  return true;
}

// A connected TCP pair on 127.0.0.1: tx -> rx.
struct TcpPair {
  test::Fd tx, rx;
  explicit TcpPair(int rcvbuf = 0) {
    test::Fd l(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    REQUIRE(l.get() >= 0);
    if (rcvbuf != 0)  // inherited by the accepted socket; must be set before the handshake
      REQUIRE(::setsockopt(l.get(), SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf) == 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(l.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    socklen_t len = sizeof a;
    REQUIRE(::getsockname(l.get(), reinterpret_cast<sockaddr*>(&a), &len) == 0);
    REQUIRE(::listen(l.get(), 1) == 0);
    tx = test::Fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    REQUIRE(tx.get() >= 0);
    const int r = ::connect(tx.get(), reinterpret_cast<sockaddr*>(&a), sizeof a);
    REQUIRE((r == 0 || errno == EINPROGRESS));
    rx = test::Fd(::accept4(l.get(), nullptr, nullptr, SOCK_CLOEXEC));
    REQUIRE(rx.get() >= 0);
    pollfd pfd{tx.get(), POLLOUT, 0};
    REQUIRE(::poll(&pfd, 1, 1000) == 1);
  }
};

int run_cmd(uring::BigRing& ring, int cmd_op, int fd) {
  io_uring_sqe* sqe = ring.get_sqe();
  REQUIRE(sqe != nullptr);
  uring::prep_cmd_sock(*sqe, cmd_op, fd, 0, 0, nullptr, 0);
  sqe->user_data = 0xc0de;
  scribble_cmd(*sqe);
  test::idle(ring);
  REQUIRE(ring.submit() == 1);
  const auto c = reap_big(ring, 1);
  CHECK(c[0].user_data == 0xc0de);
  return c[0].res;
}

}  // namespace

TEST_CASE("BigRing: 128-byte SQEs and 32-byte CQEs, NOPs round the ring twice", "[big]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto made = test::create_ring<uring::BigRing>(mode, entries(8));
  INFO("BigRing::create errno " << -made.error());
  REQUIRE(made.ok());
  uring::BigRing ring = made.take();
  CHECK((ring.flags() & (IORING_SETUP_SQE128 | IORING_SETUP_CQE32)) ==
        (IORING_SETUP_SQE128 | IORING_SETUP_CQE32));
  CHECK((ring.flags() & IORING_SETUP_CQE_MIXED) == 0);
  std::uint64_t next = 1;
  for (int round = 0; round < 3; ++round) {
    // The whole SQ: 8 SQEs, then none.
    test::idle(ring);
    for (int i = 0; i < 4; ++i) queue_nop(ring, next++);
    auto batch = ring.get_sqes(4);
    REQUIRE(batch);
    for (unsigned i = 0; i < 4; ++i) {
      uring::prep_nop(batch[i]);
      batch[i].user_data = next++;
      scribble_cmd(batch[i]);
    }
    CHECK(ring.get_sqe() == nullptr);
    test::idle(ring);
    CHECK(ring.submit() == 8);
    const auto cqes = reap_big(ring, 8);
    for (unsigned i = 0; i < 8; ++i) {
      INFO("round " << round << " cqe " << i);
      CHECK(cqes[i].user_data == next - 8 + i);
      CHECK(cqes[i].res == 0);
      CHECK(cqes[i].flags == 0);
      CHECK(cqes[i].extra1 == 0);
      CHECK(cqes[i].extra2 == 0);
    }
  }
  // for_each_cqe and peek_batch walk 32-byte entries too.
  test::idle(ring);
  for (int i = 0; i < 3; ++i) queue_nop(ring, 100 + i);
  CHECK(ring.submit_and_wait(3) == 3);
  REQUIRE(ring.get_events() == 0);
  const auto b = ring.peek_batch();
  REQUIRE(b.size() == 3);
  for (unsigned i = 0; i < 3; ++i) CHECK(b[i].user_data == 100 + i);
  std::vector<std::uint64_t> seen;
  CHECK(ring.for_each_cqe([&](const io_uring_cqe& c) {
    seen.push_back(c.user_data);
    CHECK(c.big_cqe[0] == 0);
    CHECK(c.big_cqe[1] == 0);
  }) == 3);
  CHECK(seen == std::vector<std::uint64_t>{100, 101, 102});
  CHECK(ring.peek_cqe() == nullptr);
}

TEST_CASE("BigRing: NOP with IORING_NOP_CQE32 fills the two extra words (6.18)", "[big]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto made = test::create_ring<uring::BigRing>(mode, entries(8));
  REQUIRE(made.ok());
  uring::BigRing ring = made.take();
  test::idle(ring);
  queue_nop(ring, 7);
  io_uring_sqe* sqe = ring.get_sqe();
  REQUIRE(sqe != nullptr);
  uring::prep_nop(*sqe);
  sqe->rw_flags = IORING_NOP_CQE32;  // nop_flags
  sqe->off = 0x1122334455667788ULL;
  sqe->addr = 0x99aabbccddeeff00ULL;
  sqe->user_data = 8;
  test::idle(ring);
  CHECK(ring.submit() == 2);
  auto c = reap_big(ring, 2);
  // A NOP refused at prep posts its CQE at once, before the other's (batched at the end of the
  // submit): the order of the two is not the point here.
  if (c[0].user_data > c[1].user_data) std::swap(c[0], c[1]);
  CHECK(c[0].user_data == 7);
  CHECK(c[0].res == 0);
  CHECK(c[1].user_data == 8);
  const int v = test::kernel_version();
  if (v < 618) {
    // Before 6.18 the flag is unknown: -EINVAL (6.1 refuses any nop_flags, 6.10 and later the
    // ones they do not know).
    test::unsupported("IORING_NOP_CQE32 (6.18)");
    CHECK(c[1].res == -EINVAL);
    CHECK(c[1].extra1 == 0);
    CHECK(c[1].extra2 == 0);
    return;
  }
  CHECK(c[1].res == 0);
  CHECK(c[1].flags == 0);  // a CQE32 ring's CQEs are all 32 bytes: no IORING_CQE_F_32
  CHECK(c[1].extra1 == 0x1122334455667788ULL);
  CHECK(c[1].extra2 == 0x99aabbccddeeff00ULL);
}

TEST_CASE("BigRing: URING_CMD SIOCINQ / SIOCOUTQ on a TCP socket (6.7)", "[big][net]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  if (!have_loopback()) return;
  auto made = test::create_ring<uring::BigRing>(mode, entries(8));
  REQUIRE(made.ok());
  uring::BigRing ring = made.take();
  // The receiver's buffer small, so that the sender's queue holds bytes the peer has not acked.
  TcpPair p(4096);
  REQUIRE(::write(p.tx.get(), "hello", 5) == 5);
  pollfd pfd{p.rx.get(), POLLIN, 0};
  REQUIRE(::poll(&pfd, 1, 1000) == 1);
  test::idle(ring);
  const int inq = run_cmd(ring, SOCKET_URING_OP_SIOCINQ, p.rx.get());
  if (test::kernel_version() < 607) {
    test::older_kernel("IORING_OP_URING_CMD on a socket: -EOPNOTSUPP before 6.7");
    CHECK(inq == -EOPNOTSUPP);
    return;
  }
  CHECK(inq == 5);
  // Fill the window: the peer never reads, so the sender's queue stops moving once the peer's
  // window is shut; then SIOCOUTQ (bytes sent but not acked, and not sent) is what ioctl(2) says.
  std::vector<char> chunk(65536, 'x');
  for (;;) {
    if (::write(p.tx.get(), chunk.data(), chunk.size()) < 0) {
      REQUIRE(errno == EAGAIN);
      break;
    }
  }
  // The queues can still move (an ACK, a window probe: seen in a slow TCG guest 10 ms after they
  // had looked still), so each answer is compared with ioctl(2) read before and after it, and
  // taken when the two agree.
  const auto same_as_ioctl = [&](int op, int fd, unsigned long request) {
    for (int i = 0; i < 200; ++i) {
      int before = -1, after = -2;
      REQUIRE(::ioctl(fd, request, &before) == 0);
      test::idle(ring);
      const int res = run_cmd(ring, op, fd);
      REQUIRE(::ioctl(fd, request, &after) == 0);
      if (before == after) {
        INFO("ioctl says " << before);
        CHECK(res == before);
        return before;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    FAIL("the queue kept moving for 2 s");
    return -1;
  };
  CHECK(same_as_ioctl(SOCKET_URING_OP_SIOCOUTQ, p.tx.get(), SIOCOUTQ) > 0);
  CHECK(same_as_ioctl(SOCKET_URING_OP_SIOCINQ, p.rx.get(), SIOCINQ) > 5);
}

TEST_CASE("MixedCqRing: 16- and 32-byte CQEs in one CQ, the pad before the wrap skipped (6.18)",
          "[big][mixed]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  uring::Params base = entries(4);
  base.cq_entries = 8;
  auto made = test::create_ring<uring::MixedCqRing>(mode, base);
  if (test::kernel_version() < 618) {
    test::unsupported("IORING_SETUP_CQE_MIXED (6.18)");
    CHECK(made.error() == -EINVAL);
    return;
  }
  INFO("MixedCqRing::create errno " << -made.error());
  REQUIRE(made.ok());
  uring::MixedCqRing ring = made.take();
  CHECK((ring.flags() & IORING_SETUP_CQE_MIXED) != 0);
  CHECK((ring.flags() & IORING_SETUP_CQE32) == 0);
  const auto nop = [&](std::uint64_t ud, bool big) {
    io_uring_sqe* sqe = ring.get_sqe();
    REQUIRE(sqe != nullptr);
    uring::prep_nop(*sqe);
    sqe->user_data = ud;
    if (big) {
      sqe->rw_flags = IORING_NOP_CQE32;
      sqe->off = ud * 3;
      sqe->addr = ud * 5;
    }
  };
  // Slots 0-1: a 32-byte CQE; 2-4: three 16-byte ones.
  test::idle(ring);
  nop(1, true);
  nop(2, false);
  nop(3, false);
  nop(4, false);
  CHECK(ring.submit_and_wait(4) == 4);
  REQUIRE(ring.get_events() == 0);
  CHECK(ring.cq_ready() == 5);  // slots
  io_uring_cqe* first = ring.peek_cqe();
  REQUIRE(first != nullptr);
  CHECK(uring::cqe_nr(*first) == 2);  // the 32-byte CQE takes two slots
  auto c = reap_big(ring, 4);
  CHECK(c[0].user_data == 1);
  CHECK(c[0].res == 0);
  CHECK(c[0].flags == IORING_CQE_F_32);
  CHECK(c[0].extra1 == 3);
  CHECK(c[0].extra2 == 5);
  for (unsigned i = 1; i < 4; ++i) {
    CHECK(c[i].user_data == i + 1);
    CHECK(c[i].flags == 0);
  }
  // Slots 5-6: two small ones; slot 7 is the last before the wrap, so a 32-byte CQE cannot start
  // there: the kernel pads it (IORING_CQE_F_SKIP) and posts the big one at slots 0-1.
  test::idle(ring);
  nop(5, false);
  nop(6, false);
  nop(7, true);
  CHECK(ring.submit_and_wait(3) == 3);
  REQUIRE(ring.get_events() == 0);
  CHECK(ring.cq_ready() == 5);  // 2 small, the pad, 2 for the big one
  std::vector<BigCqe> seen;
  unsigned slots = 0;
  CHECK(ring.for_each_cqe([&](const io_uring_cqe& q) {
    seen.push_back({q.user_data, q.res, q.flags, q.big_cqe[0], 0});
    slots += uring::cqe_nr(q);
  }) == 3);
  CHECK(slots == 4);  // 1 + 1 + 2: the pad is never shown
  REQUIRE(seen.size() == 3);
  CHECK(seen[0].user_data == 5);
  CHECK(seen[1].user_data == 6);
  CHECK(seen[2].user_data == 7);
  CHECK(seen[2].flags == IORING_CQE_F_32);
  CHECK(seen[2].extra1 == 21);
  CHECK(ring.cq_ready() == 0);
  CHECK(ring.peek_cqe() == nullptr);
}

TEST_CASE("Entry-size flags belong to the ring type: -EOPNOTSUPP elsewhere", "[big]") {
  uring::Params p = entries(4);
  p.flags = IORING_SETUP_SQE128;
  CHECK(uring::Ring::create(p).error() == -EOPNOTSUPP);
  p.flags = IORING_SETUP_CQE32;
  CHECK(uring::Ring::create(p).error() == -EOPNOTSUPP);
  CHECK(uring::MixedCqRing::create(p).error() == -EOPNOTSUPP);
  p.flags = IORING_SETUP_CQE_MIXED;
  CHECK(uring::BigRing::create(p).error() == -EOPNOTSUPP);
  // The type's own flags may be given again.
  p.flags = IORING_SETUP_SQE128 | IORING_SETUP_CQE32;
  CHECK(uring::BigRing::create(p).ok());
}

TEST_CASE("resize_rings: pending SQEs and CQEs carry over exactly (6.13, DEFER_TASKRUN)",
          "[resize]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto ring = test::make_ring(mode, 8);
  const int v = test::kernel_version();
  if (!(ring.flags() & IORING_SETUP_DEFER_TASKRUN)) {
    // The kernel resizes only DEFER_TASKRUN rings (no wait can run during the swap).
    const int ret = ring.resize_rings(16, 64);
    if (v < 613) {
      test::unsupported("IORING_REGISTER_RESIZE_RINGS (6.13)");
      CHECK(ret == -EOPNOTSUPP);
    } else {
      CHECK(ret == -EINVAL);
    }
    // Untouched: the ring still works.
    test::idle(ring);
    uring::prep_nop(test::sqe_of(ring));
    CHECK(ring.submit() == 1);
    CHECK(test::wait_one(ring).res == 0);
    return;
  }
  // Five completions waiting, two SQEs prepared but not submitted.
  for (std::uint64_t ud = 1; ud <= 5; ++ud) {
    io_uring_sqe& sqe = test::sqe_of(ring);
    uring::prep_nop(sqe);
    sqe.user_data = ud;
  }
  CHECK(ring.submit_and_wait(5) == 5);
  for (std::uint64_t ud = 6; ud <= 7; ++ud) {
    io_uring_sqe& sqe = test::sqe_of(ring);
    uring::prep_nop(sqe);
    sqe.user_data = ud;
  }
  const int ret = ring.resize_rings(16, 64);
  if (v < 613) {
    test::unsupported("IORING_REGISTER_RESIZE_RINGS (6.13)");
    CHECK(ret == -EOPNOTSUPP);
    return;
  }
  if (!(ring.flags() & IORING_SETUP_NO_SQARRAY)) {
    // The kernel does not report where the new SQ index array is: the library's -EPROTO, before
    // anything moved.
    CHECK(ret == -EPROTO);
    CHECK(ring.sq_ready() == 2);
    test::idle(ring);
    CHECK(ring.submit() == 2);
    const auto all = test::drain(ring);
    REQUIRE(all.size() == 7);
    for (unsigned i = 0; i < 7; ++i) CHECK(all[i].user_data == i + 1);
    return;
  }
  REQUIRE(ret == 0);
  CHECK(ring.sq().entries() == 16);
  CHECK(ring.cq().entries() == 64);
  // The two SQEs were published by the resize and copied by the kernel: pending, not submitted.
  CHECK(ring.sq_ready() == 2);
  CHECK(ring.cq_ready() == 5);
  for (std::uint64_t ud = 1; ud <= 5; ++ud) {
    const auto c = test::wait_one(ring);
    CHECK(c.user_data == ud);
    CHECK(c.res == 0);
  }
  test::idle(ring);
  CHECK(ring.submit() == 2);
  CHECK(test::wait_one(ring).user_data == 6);
  CHECK(test::wait_one(ring).user_data == 7);
  // The new SQ holds 16, and round the new rings twice.
  for (int round = 0; round < 2; ++round) {
    for (std::uint64_t i = 0; i < 16; ++i) {
      io_uring_sqe& sqe = test::sqe_of(ring);
      uring::prep_nop(sqe);
      sqe.user_data = 100 + i;
    }
    CHECK(ring.get_sqe() == nullptr);
    CHECK(ring.submit_and_wait(16) == 16);
    const auto all = test::drain(ring);
    REQUIRE(all.size() == 16);
    for (unsigned i = 0; i < 16; ++i) CHECK(all[i].user_data == 100 + i);
  }

  // Shrinking below what is pending: -EOVERFLOW, and the old rings stay as they were.
  for (std::uint64_t ud = 1; ud <= 10; ++ud) {
    io_uring_sqe& sqe = test::sqe_of(ring);
    uring::prep_nop(sqe);
    sqe.user_data = ud;
  }
  CHECK(ring.submit_and_wait(10) == 10);
  CHECK(ring.resize_rings(4, 8) == -EOVERFLOW);
  CHECK(ring.sq().entries() == 16);
  CHECK(ring.cq().entries() == 64);
  const auto kept = test::drain(ring);
  REQUIRE(kept.size() == 10);
  for (unsigned i = 0; i < 10; ++i) CHECK(kept[i].user_data == i + 1);
  // A size the kernel refuses.
  CHECK(ring.resize_rings(0, 8) == -EINVAL);
  CHECK(ring.sq().entries() == 16);
}

TEST_CASE("resize_rings on a BigRing: 128-byte SQEs and 32-byte CQEs after the move (6.13)",
          "[resize][big]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto made = test::create_ring<uring::BigRing>(mode, entries(4));
  REQUIRE(made.ok());
  uring::BigRing ring = made.take();
  const int ret = ring.resize_rings(32, 64);
  if (test::kernel_version() < 613) {
    test::unsupported("IORING_REGISTER_RESIZE_RINGS (6.13)");
    CHECK(ret == -EOPNOTSUPP);
    return;
  }
  if (!(ring.flags() & IORING_SETUP_DEFER_TASKRUN)) {
    CHECK(ret == -EINVAL);
    return;
  }
  if (!(ring.flags() & IORING_SETUP_NO_SQARRAY)) {
    CHECK(ret == -EPROTO);
    return;
  }
  REQUIRE(ret == 0);
  CHECK(ring.sq().entries() == 32);
  CHECK(ring.cq().entries() == 64);
  for (int round = 0; round < 2; ++round) {
    for (std::uint64_t i = 0; i < 32; ++i) queue_nop(ring, 200 + i);
    CHECK(ring.get_sqe() == nullptr);
    test::idle(ring);
    CHECK(ring.submit() == 32);
    const auto c = reap_big(ring, 32);
    for (unsigned i = 0; i < 32; ++i) {
      CHECK(c[i].user_data == 200 + i);
      CHECK(c[i].res == 0);
      CHECK(c[i].extra1 == 0);
    }
  }
}

TEST_CASE("registered wait arguments: submit_and_wait_reg reads its slot of the region (6.13)",
          "[regwait]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  uring::Params base = entries(8);
  base.flags = IORING_SETUP_R_DISABLED;  // a wait region is registered before the ring runs
  auto ring = test::make_ring(mode, base);
  // One page of slots; the region's memory must outlive the ring (unmapped after it, below).
  void* mem = ::mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  REQUIRE(mem != MAP_FAILED);
  std::span<uring::abi::reg_wait> slots(static_cast<uring::abi::reg_wait*>(mem),
                                        4096 / sizeof(uring::abi::reg_wait));
  const int reg = uring::register_wait_region(ring, slots);
  REQUIRE(uring::enable_rings(ring) == 0);
  if (test::kernel_version() < 613) {
    test::unsupported("registered wait regions (6.13)");
    CHECK(reg == -EOPNOTSUPP);
    CHECK(ring.submit_and_wait_reg(1, 0) == -EOPNOTSUPP);
  } else {
    REQUIRE(reg == 0);
    // Slot 1: 10 ms. Nothing in flight: the wait ends by the timeout.
    slots[1].ts = {0, 10'000'000};
    slots[1].flags = uring::abi::IORING_REG_WAIT_TS;
    test::idle(ring);
    CHECK(ring.submit_and_wait_reg(1, 1) == -ETIME);
    // A NOP submitted by the same call completes the wait.
    io_uring_sqe& sqe = test::sqe_of(ring);
    uring::prep_nop(sqe);
    sqe.user_data = 0x7e9;
    test::idle(ring);
    CHECK(ring.submit_and_wait_reg(1, 1) == 1);
    REQUIRE(ring.cq_ready() == 1);
    CHECK(test::wait_one(ring).user_data == 0x7e9U);
    // The kernel's answers to a bad slot: flags it does not know, an index past the region.
    // Only an enter that submits nothing returns the wait's error (with SQEs to submit it returns
    // their count): the SQPOLL poller must have consumed the NOP, which it does after posting it.
    test::idle(ring);
    slots[2].flags = 1U << 7;
    CHECK(ring.submit_and_wait_reg(1, 2) == -EINVAL);
    CHECK(ring.submit_and_wait_reg(1, 64) == -EFAULT);
    CHECK(ring.submit_and_wait_reg(1, 1000) == -EFAULT);
    // A ring without a region: every index is outside it.
    auto plain = test::make_ring(mode, 8);
    CHECK(plain.submit_and_wait_reg(1, 0) == -EFAULT);
  }
  ring = uring::Ring();  // the ring before its region's memory
  ::munmap(mem, 4096);
}
