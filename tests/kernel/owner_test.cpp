// The owner thread of a single-thread ring: use from another thread is refused with a clear errno,
// never applied to another ring; registration is checked by the kernel; destruction elsewhere
// never touches the destroying thread's own registered rings.
#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <string>
#include <thread>

#include "support/helpers.hpp"
#include "support/modes.hpp"

namespace {

void queue_nop(uring::Ring& ring, std::uint64_t id) {
  io_uring_sqe* sqe = ring.get_sqe();
  REQUIRE(sqe != nullptr);
  uring::prep_nop(*sqe);
  sqe->user_data = id;
}

// What a thread saw, carried back to the main thread (Catch2 asserts only there).
struct Seen {
  int own_index = -2;
  int submit = 1;
  int submit_and_wait = 1;
  int get_events = 1;
  int register_sparse = 1;
  int own_register_update = 1;
  int own_sq_ready = -1;
  int own_nop_res = -1;
  std::uint64_t own_nop_data = 0;
};

// Everything the other thread's own ring saw after the foreign calls: untouched.
void use_own(uring::Ring& own, Seen& s) {
  s.own_sq_ready = static_cast<int>(own.sq_ready());
  const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  const int fds[] = {fd};
  s.own_register_update = uring::register_files_update(own, 0, fds);
  ::close(fd);
  io_uring_sqe* sqe = own.get_sqe();
  if (!sqe) return;
  uring::prep_nop(*sqe);
  sqe->user_data = 0x0e0e;
  if (own.submit_and_wait(1) != 1) return;
  if (io_uring_cqe* c = own.peek_cqe()) {
    s.own_nop_res = c->res;
    s.own_nop_data = c->user_data;
    own.cqe_seen(c);
  }
}

}  // namespace

TEST_CASE("another thread's calls on a default ring are refused, its own ring untouched",
          "[owner]") {
  auto ring = test::make_ring(8);
  if (ring.registered_index() < 0) {
    test::unsupported("IORING_REGISTER_RING_FDS (5.18): no registered index to misuse");
    return;
  }
  const bool single_issuer = ring.flags() & IORING_SETUP_SINGLE_ISSUER;
  queue_nop(ring, 1);
  Seen s;
  std::thread([&] {
    // The other thread's first registered ring gets the same index as ours: before the fix,
    // our submit went to this ring (answering 0) and the registration landed on it.
    auto own = uring::Ring::create();
    if (!own.ok()) return;
    s.own_index = own->registered_index();
    s.submit = ring.submit();
    s.submit_and_wait = ring.submit_and_wait(1);
    s.get_events = ring.get_events();
    s.register_sparse = uring::register_files_sparse(ring, 4);
    use_own(*own, s);
  }).join();
  CHECK(s.own_index == ring.registered_index());
  CHECK(s.submit == -EXDEV);
  CHECK(s.submit_and_wait == -EXDEV);
  CHECK(s.get_events == -EXDEV);
  // Registration goes through the plain fd: the kernel's SINGLE_ISSUER check answers.
  CHECK(s.register_sparse == (single_issuer ? -EEXIST : 0));
  // The other thread's own ring: nothing was submitted to it, no table was installed on it.
  CHECK(s.own_sq_ready == 0);
  CHECK(s.own_register_update == -ENXIO);
  CHECK(s.own_nop_res == 0);
  CHECK(s.own_nop_data == 0x0e0e);
  // The owner still has its SQE and submits it.
  CHECK(ring.submit() == 1);
  CHECK(test::wait_one(ring).user_data == 1);
}

TEST_CASE("a default ring destroyed on another thread leaves that thread's rings alone",
          "[owner]") {
  // Capture stderr: the destructor says in one line what it could not release.
  std::fflush(stderr);
  char path[] = "/tmp/rawuring-owner-XXXXXX";
  const int log = ::mkstemp(path);
  REQUIRE(log >= 0);
  ::unlink(path);
  const int saved = ::dup(2);
  ::dup2(log, 2);

  auto ring = test::make_ring(8);
  const int index = ring.registered_index();
  Seen s;
  std::thread([&] {
    auto own = uring::Ring::create();
    if (!own.ok()) return;
    s.own_index = own->registered_index();
    { uring::Ring doomed = std::move(ring); }  // destroyed here, off its owner thread
    use_own(*own, s);
  }).join();

  std::fflush(stderr);
  ::dup2(saved, 2);
  ::close(saved);
  char text[512] = {};
  const ssize_t n = ::pread(log, text, sizeof text - 1, 0);
  ::close(log);
  if (index < 0) {
    test::unsupported("IORING_REGISTER_RING_FDS (5.18)");
    return;
  }
  CHECK(s.own_index == index);  // the same number in the other thread's table
  // Its ring still enters through that index: the destructor did not unregister it.
  CHECK(s.own_nop_res == 0);
  CHECK(s.own_nop_data == 0x0e0e);
  REQUIRE(n > 0);
  const std::string line(text, static_cast<std::size_t>(n));
  CHECK(line.find("destroyed off its owner thread") != std::string::npos);
  CHECK(line.find('\n') == line.size() - 1);  // one line
}

TEST_CASE("a ring whose owner thread has exited is destroyed anywhere, silently", "[owner]") {
  uring::Ring ring;
  std::thread([&] {
    auto r = uring::Ring::create();
    if (r.ok()) ring = r.take();
  }).join();
  REQUIRE(ring.fd() >= 0);
  // The owner is gone (and with it the kernel's registered index): the main thread can't enter
  // through the index, the library says so, and destruction is quiet and closes the fd.
  if (ring.registered_index() >= 0) CHECK(ring.submit_and_wait(1) == -EXDEV);
  const int fd = ring.fd();
  { uring::Ring gone = std::move(ring); }
  CHECK(::fcntl(fd, F_GETFD) == -1);
}

TEST_CASE("the registered index is released on destruction: 40 rings in turn all get one",
          "[owner][registered]") {
  // The kernel's per-thread table has 16 slots: without the unregister, the 17th ring gets none.
  for (int i = 0; i < 40; ++i) {
    auto ring = test::make_ring(4);
    INFO("ring " << i);
    REQUIRE(ring.registered_index() >= 0);
    queue_nop(ring, static_cast<std::uint64_t>(i));
    REQUIRE(ring.submit_and_wait(1) == 1);
    CHECK(test::wait_one(ring).user_data == static_cast<std::uint64_t>(i));
  }
}
