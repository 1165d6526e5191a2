// Ring setup, submission and completion against the running kernel.
#include <dirent.h>
#include <sys/mman.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <fstream>
#include <set>
#include <string>
#include <thread>

#include "support/helpers.hpp"
#include "support/modes.hpp"
#include "support/threads.hpp"
#include "syscalls/syscalls.hpp"

using test::Cqe;

namespace {

// Does this kernel accept these setup flags on their own? (Asked directly, not through the
// library.)
bool kernel_accepts(unsigned flags) {
  io_uring_params p{};
  p.flags = flags;
  const int fd = uring::sys::io_uring_setup(2, &p);
  if (fd >= 0) ::close(fd);
  return fd >= 0;
}

unsigned count_fds() {
  unsigned n = 0;
  DIR* d = ::opendir("/proc/self/fd");
  while (dirent* e = ::readdir(d)) n += e->d_name[0] != '.';
  ::closedir(d);
  return n - 1;  // the DIR's own fd
}

unsigned count_mappings() {
  std::ifstream maps("/proc/self/maps");
  unsigned n = 0;
  for (std::string line; std::getline(maps, line);) ++n;
  return n;
}

void queue_nops(uring::Ring& ring, unsigned n, std::uint64_t first_id) {
  for (unsigned i = 0; i < n; ++i) {
    io_uring_sqe& sqe = test::sqe_of(ring);
    uring::prep_nop(sqe);
    sqe.user_data = first_id + i;
  }
}

}  // namespace

TEST_CASE("the default ring gets exactly the fast flags this kernel accepts", "[ring]") {
  auto ring = test::make_ring();
  const unsigned f = ring.flags();
  const unsigned defer =
      IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_TASKRUN_FLAG;
  CHECK(bool(f & IORING_SETUP_NO_SQARRAY) == kernel_accepts(IORING_SETUP_NO_SQARRAY));
  if (!(f & IORING_SETUP_NO_SQARRAY))
    test::unsupported("IORING_SETUP_NO_SQARRAY: the default ring fills the SQ index array");
  CHECK(((f & defer) == defer) == kernel_accepts(defer | IORING_SETUP_SUBMIT_ALL));
  CHECK(bool(f & IORING_SETUP_SUBMIT_ALL) == kernel_accepts(IORING_SETUP_SUBMIT_ALL));
  CHECK((f & (IORING_SETUP_SQPOLL | IORING_SETUP_IOPOLL | IORING_SETUP_COOP_TASKRUN)) == 0);
  // A registered ring fd wherever the kernel has IORING_REGISTER_RING_FDS (5.18+).
  CHECK(ring.registered_index() >= 0);
  CHECK(ring.fd() >= 0);
  CHECK(ring.sq().entries() == 8);
  CHECK(ring.cq().entries() == 16);
}

TEST_CASE("a shared ring takes COOP_TASKRUN, no SINGLE_ISSUER and no registered fd", "[ring]") {
  uring::Params p;
  p.sharing = uring::Sharing::shared;
  auto ring = test::make_ring(p);
  CHECK((ring.flags() & (IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN)) == 0);
  const unsigned coop = IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG;
  CHECK(((ring.flags() & coop) == coop) == kernel_accepts(coop));
  CHECK(ring.registered_index() == -1);
  // Another thread submits and reaps on it (in_thread: a failure there fails this test only).
  test::in_thread([&] {
    queue_nops(ring, 1, 5150);
    CHECK(ring.submit() == 1);
    const Cqe c = test::wait_one(ring);
    CHECK(c.user_data == 5150);
    CHECK(c.res == 0);
  });
}

TEST_CASE("exact flags: no defaults, the SQ index array is filled and used", "[ring]") {
  auto ring = test::make_plain_ring(4);
  CHECK(ring.flags() == 0);
  CHECK(ring.registered_index() == -1);
  for (std::uint64_t round = 0; round < 3; ++round) {  // wrap the 4-slot SQ a few times
    queue_nops(ring, 4, round * 10);
    REQUIRE(ring.submit_and_wait(4) == 4);
    std::vector<std::uint64_t> ids;
    ring.for_each_cqe([&](const io_uring_cqe& c) {
      CHECK(c.res == 0);
      ids.push_back(c.user_data);
    });
    CHECK(ids ==
          std::vector<std::uint64_t>{round * 10, round * 10 + 1, round * 10 + 2, round * 10 + 3});
  }
}

TEST_CASE("NOP round trips carry user_data, one at a time and in batches", "[ring]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto ring = test::make_ring(mode, 64);
  queue_nops(ring, 1, 0xfeedface12345678);
  test::idle(ring);
  REQUIRE(ring.submit() == 1);
  const Cqe c = test::wait_one(ring);
  CHECK(c.user_data == 0xfeedface12345678);
  CHECK(c.res == 0);
  CHECK(c.flags == 0);

  queue_nops(ring, 32, 1000);
  test::idle(ring);
  REQUIRE(ring.submit_and_wait(32) == 32);
  std::vector<std::uint64_t> ids;
  CHECK(ring.for_each_cqe([&](const io_uring_cqe& e) { ids.push_back(e.user_data); }) == 32);
  for (unsigned i = 0; i < 32; ++i) CHECK(ids[i] == 1000 + i);
  io_uring_cqe* none = nullptr;
  CHECK(ring.peek_cqe() == nullptr);
  CHECK(ring.poll_cqe(&none) == -EAGAIN);
}

TEST_CASE("get_sqe reports a full SQ with nullptr and recovers after submit", "[ring]") {
  auto ring = test::make_ring(4);
  for (std::uint64_t i = 0; i < 4; ++i) {
    io_uring_sqe* sqe = ring.get_sqe();
    REQUIRE(sqe != nullptr);
    uring::prep_nop(*sqe);
    sqe->user_data = i;
  }
  CHECK(ring.get_sqe() == nullptr);
  CHECK(ring.sq().space_left() == 0);
  REQUIRE(ring.submit_and_wait(4) == 4);
  CHECK(ring.get_sqe() != nullptr);
  CHECK(ring.for_each_cqe([](const io_uring_cqe&) {}) == 4);
}

TEST_CASE("a 4-entry CQ given 1000 NOPs without reaping loses none", "[ring][overflow]") {
  const bool plain = GENERATE(false, true);
  uring::Params p;
  p.entries = 4;
  p.cq_entries = 4;
  if (plain) p.default_flags = false, p.register_ring_fd = false;
  auto ring = test::make_ring(p);
  REQUIRE(ring.cq().entries() == 4);
  for (unsigned batch = 0; batch < 250; ++batch) {
    queue_nops(ring, 4, batch * 4);
    REQUIRE(ring.submit() == 4);
  }
  CHECK((ring.sq().flags() & IORING_SQ_CQ_OVERFLOW) != 0);
  CHECK(ring.cq_needs_enter());
  std::vector<std::uint64_t> ids;
  while (ids.size() < 1000) {
    const auto got = test::drain(ring);
    REQUIRE(!got.empty());
    for (const Cqe& c : got) {
      CHECK(c.res == 0);
      ids.push_back(c.user_data);
    }
  }
  REQUIRE(ids.size() == 1000);
  for (unsigned i = 0; i < 1000; ++i) REQUIRE(ids[i] == i);
  CHECK(ring.cq().overflow() == 0);  // nothing dropped: IORING_FEAT_NODROP
  CHECK((ring.sq().flags() & IORING_SQ_CQ_OVERFLOW) == 0);
}

TEST_CASE("waiting with a timeout answers -ETIME when nothing completes", "[ring]") {
  auto ring = test::make_ring();
  __kernel_timespec ts{0, 20 * 1000 * 1000};
  io_uring_cqe* cqe = reinterpret_cast<io_uring_cqe*>(1);
  CHECK(ring.wait_cqe(&cqe, &ts) == -ETIME);
  CHECK(cqe == nullptr);
  CHECK(ring.submit_and_wait(1, &ts) == -ETIME);
}

TEST_CASE("DEFER_TASKRUN: a completion from task work shows up only after an enter", "[ring]") {
  auto ring = test::make_ring();
  if (!(ring.flags() & IORING_SETUP_DEFER_TASKRUN)) {
    test::unsupported("IORING_SETUP_DEFER_TASKRUN: checking the poll path on a plain ring instead");
  }
  test::Pipe pipe;
  char buf[8] = {};
  io_uring_sqe& sqe = test::sqe_of(ring);
  uring::prep_read(sqe, pipe.read.get(), buf, sizeof buf, ~0ULL);
  sqe.user_data = 77;
  REQUIRE(ring.submit() == 1);
  io_uring_cqe* cqe = nullptr;
  CHECK(ring.poll_cqe(&cqe) == -EAGAIN);  // nothing written yet
  REQUIRE(::write(pipe.write.get(), "hello", 5) == 5);
  if (ring.flags() & IORING_SETUP_DEFER_TASKRUN) {
    CHECK(ring.peek_cqe() == nullptr);  // queued as deferred task work, not in the CQ
    CHECK((ring.sq().flags() & IORING_SQ_TASKRUN) != 0);
    CHECK(ring.cq_needs_enter());
  }
  const int polled = ring.poll_cqe(&cqe);
  if (polled == -EAGAIN && test::kernel_version() < 618) {
    // 6.1 (measured under QEMU): the enter runs the task work and clears IORING_SQ_TASKRUN, but
    // the read then completes asynchronously; its CQE lands in the CQ a few ms later on its own,
    // no further enter needed. 6.18 posts it within the enter.
    test::older_kernel("DEFER_TASKRUN pipe read: CQE lands after the enter that ran its task work");
    CHECK((ring.sq().flags() & IORING_SQ_TASKRUN) == 0);
    unsigned spins = 0;
    while (ring.peek_cqe() == nullptr && spins < 100'000'000) ++spins;  // no system call
    REQUIRE(ring.poll_cqe(&cqe) == 0);
  } else {
    REQUIRE(polled == 0);
  }
  CHECK(cqe->user_data == 77);
  CHECK(cqe->res == 5);
  CHECK(std::string(buf, 5) == "hello");
  ring.cqe_seen();
}

TEST_CASE("bad setup parameters get clear errors, and no ring", "[ring][errors]") {
  auto with = [](auto edit) {
    uring::Params p;
    edit(p);
    return uring::Ring::create(p).error();
  };
  CHECK(with([](uring::Params& p) { p.entries = 0; }) == -EINVAL);
  CHECK(with([](uring::Params& p) { p.entries = 40000; }) == -EINVAL);
  CHECK(with([](uring::Params& p) { p.flags = 1U << 30; }) == -EINVAL);
  CHECK(with([](uring::Params& p) { p.flags = IORING_SETUP_SQE128; }) == -EOPNOTSUPP);
  CHECK(with([](uring::Params& p) { p.flags = IORING_SETUP_CQE32; }) == -EOPNOTSUPP);
  CHECK(with([](uring::Params& p) { p.entries = 16, p.cq_entries = 8; }) == -EINVAL);
  CHECK(with([](uring::Params& p) { p.cq_entries = 70000; }) == -EINVAL);
  // Flags the caller asked for are never dropped: the kernel's refusal comes back as is.
  CHECK(with([](uring::Params& p) {
          p.flags = IORING_SETUP_SQPOLL | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_SINGLE_ISSUER;
        }) == -EINVAL);
  // DEFER_TASKRUN needs SINGLE_ISSUER: the defaults supply it, exact flags do not.
  CHECK(with([](uring::Params& p) { p.flags = IORING_SETUP_DEFER_TASKRUN; }) == 0);
  CHECK(with([](uring::Params& p) {
          p.flags = IORING_SETUP_DEFER_TASKRUN;
          p.default_flags = false;
        }) == -EINVAL);
  // CLAMP turns "too many" into the maximum.
  auto clamped = test::make_ring([] {
    uring::Params p;
    p.entries = 100000;
    p.flags = IORING_SETUP_CLAMP;
    return p;
  }());
  CHECK(clamped.sq().entries() == 32768);
  CHECK(clamped.cq().entries() == 65536);
}

TEST_CASE("CQSIZE sets the CQ size, rounded up to a power of two", "[ring]") {
  uring::Params p;
  p.entries = 4;
  p.cq_entries = 100;
  auto ring = test::make_ring(p);
  CHECK(ring.sq().entries() == 4);
  CHECK(ring.cq().entries() == 128);
  CHECK((ring.flags() & IORING_SETUP_CQSIZE) != 0);
}

TEST_CASE("SQPOLL: the poller submits, and is woken after it went idle", "[ring][sqpoll]") {
  uring::Params p;
  p.entries = 16;
  p.flags = IORING_SETUP_SQPOLL;
  p.sq_thread_idle_ms = 1;
  auto ring = test::make_ring(p);
  CHECK((ring.flags() & IORING_SETUP_SQPOLL) != 0);
  CHECK((ring.flags() & IORING_SETUP_DEFER_TASKRUN) == 0);
  for (std::uint64_t round = 0; round < 5; ++round) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // let the poller go to sleep
    queue_nops(ring, 8, round * 100);
    REQUIRE(ring.submit() == 8);
    std::set<std::uint64_t> ids;
    while (ids.size() < 8) ids.insert(test::wait_one(ring).user_data);
    CHECK(*ids.begin() == round * 100);
    CHECK(*ids.rbegin() == round * 100 + 7);
  }
}

TEST_CASE("R_DISABLED: nothing is submitted until enable_rings", "[ring]") {
  uring::Params p;
  p.flags = IORING_SETUP_R_DISABLED;
  auto ring = test::make_ring(p);
  queue_nops(ring, 1, 42);
  CHECK(ring.submit() == -EBADFD);
  REQUIRE(uring::enable_rings(ring) == 0);
  CHECK(ring.submit() == 1);
  const Cqe c = test::wait_one(ring);
  CHECK(c.user_data == 42);
  CHECK(uring::enable_rings(ring) == -EBADFD);  // only a disabled ring can be enabled
}

TEST_CASE("a single-thread ring refuses other threads", "[ring]") {
  const bool registered = GENERATE(true, false);
  uring::Params p;
  p.register_ring_fd = registered;
  auto ring = test::make_ring(p);
  if (!(ring.flags() & IORING_SETUP_SINGLE_ISSUER)) {
    test::unsupported("IORING_SETUP_SINGLE_ISSUER: nothing to enforce");
    return;
  }
  int from_other = 0;
  std::thread([&] {
    queue_nops(ring, 1, 1);
    from_other = ring.submit();
  }).join();
  // A registered index is private to the thread that registered it: the other thread has no
  // registered-ring table at all (-EINVAL). With the plain fd, SINGLE_ISSUER refuses it (-EEXIST).
  CHECK(from_other == (registered ? -EINVAL : -EEXIST));
  CHECK(ring.submit() == 1);  // the owner submits the SQE the other thread queued
  CHECK(test::wait_one(ring).user_data == 1);
}

TEST_CASE("a moved ring keeps working and the moved-from one is empty", "[ring]") {
  auto a = test::make_ring();
  const int fd = a.fd();
  uring::Ring b = std::move(a);
  CHECK(a.fd() == -1);
  CHECK(b.fd() == fd);
  queue_nops(b, 1, 9);
  CHECK(b.submit() == 1);
  CHECK(test::wait_one(b).user_data == 9);
  auto c = test::make_ring();
  c = std::move(b);  // c's old ring is released here
  CHECK(c.fd() == fd);
}

TEST_CASE("no fd and no mapping is left behind after rings are destroyed", "[ring][leaks]") {
  // Warm up whatever the C++ runtime maps lazily.
  { auto warm = test::make_ring(); }
  const unsigned fds = count_fds(), maps = count_mappings();
  for (int i = 0; i < 50; ++i) {
    auto a = test::make_ring(64);
    auto b = test::make_plain_ring(8);
    uring::Params p;
    p.flags = IORING_SETUP_SQPOLL;
    auto c = test::make_ring(p);
    queue_nops(a, 1, 1);
    CHECK(a.submit() == 1);
  }
  CHECK(count_fds() == fds);
  CHECK(count_mappings() == maps);
}
