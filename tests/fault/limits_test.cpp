// Resource limits and full queues: a full direct-descriptor table, a full SQ, RLIMIT_NOFILE and
// RLIMIT_MEMLOCK set too low (in a forked child). Each answer is the exact errno, and nothing the
// caller owns is lost on the way.
#include <sys/resource.h>

#include <catch2/catch.hpp>
#include <cstring>

#include "child.hpp"
#include "support/helpers.hpp"

TEST_CASE("SEND_FD into a full table: -ENFILE, and the sender keeps its descriptor",
          "[fault][msg_ring]") {
  test::Pipe pipe;
  auto source = test::make_ring();
  auto target = test::make_ring();
  const int fds[] = {pipe.write.get()};
  REQUIRE(uring::register_files(source, fds) == 0);
  REQUIRE(uring::register_files_sparse(target, 2) == 0);
  uring::MsgSender tx(source, *uring::msg_ring_support());
  // Fill both slots, then one more.
  for (unsigned i = 0; i < 3; ++i) {
    auto sqe = tx.send_fd_alloc(target.fd(), uring::FixedFile(0), 0x10 + i, i);
    REQUIRE(sqe.ok());
    REQUIRE(source.submit() == 1);
    const test::Cqe c = test::wait_one(source);
    CHECK(c.res == (i < 2 ? static_cast<int>(i) : -ENFILE));
  }
  CHECK(test::drain(target).size() == 2);  // the third never reached the target
  // The source's slot still holds the pipe: a write through it arrives.
  io_uring_sqe& w = test::sqe_of(source);
  uring::prep_write(w, 0, "kept", 4, ~0ULL);
  w.flags |= IOSQE_FIXED_FILE;
  w.user_data = 9;
  REQUIRE(source.submit() == 1);
  CHECK(test::wait_one(source).res == 4);
  char buf[8] = {};
  CHECK(::read(pipe.read.get(), buf, sizeof buf) == 4);
  CHECK(std::strcmp(buf, "kept") == 0);
}

TEST_CASE(
    "a full SQ: the typed sender answers -EBUSY and queues nothing; after a submit it "
    "goes on",
    "[fault][msg_ring]") {
  auto source = test::make_plain_ring(4);
  auto target = test::make_plain_ring(16);
  uring::MsgSender tx(source, *uring::msg_ring_support());
  for (unsigned i = 0; i < 4; ++i) REQUIRE(tx.send(target.fd(), i, i, i).ok());
  const auto full = tx.send(target.fd(), 4, 4, 4);
  CHECK(full.error() == -EBUSY);
  CHECK(source.get_sqe() == nullptr);  // still exactly 4 queued
  CHECK(source.submit_and_wait(4) == 4);
  CHECK(tx.send(target.fd(), 4, 4, 4).ok());
  CHECK(source.submit() == 1);
  const auto got = test::drain(target);
  REQUIRE(got.size() == 5);
  for (unsigned i = 0; i < 5; ++i) CHECK(got[i].user_data == i);
}

TEST_CASE("RLIMIT_NOFILE too low: ring creation -EMFILE, a table larger than the limit -EMFILE",
          "[fault]") {
  const auto got = fault::in_child([] {
    // Every fd the child has stays; no new one can be opened.
    auto ring = uring::Ring::create(uring::Params{.entries = 4});
    if (!ring) return std::vector<long>{ring.error()};
    const long nfiles = 64;  // the table size asked for, above the limit below
    rlimit lim{16, 16};
    if (::setrlimit(RLIMIT_NOFILE, &lim) != 0) return std::vector<long>{-errno};
    // Occupy every remaining fd under 16.
    while (::dup(0) >= 0) {
    }
    auto second = uring::Ring::create(uring::Params{.entries = 4});
    return std::vector<long>{0, second ? 0 : second.error(),
                             uring::register_files_sparse(*ring, nfiles),
                             uring::register_files_sparse(*ring, 8)};
  });
  // The table limit is RLIMIT_NOFILE itself, not free fds: 8 slots need no fd.
  CHECK(got == std::vector<long>{0, -EMFILE, -EMFILE, 0});
}

TEST_CASE(
    "RLIMIT_MEMLOCK 0: rings are made and used (5.12+ charges ring memory to the memory "
    "cgroup, not to RLIMIT_MEMLOCK)",
    "[fault]") {
  const auto got = fault::in_child([] {
    rlimit lim{0, 0};
    if (::setrlimit(RLIMIT_MEMLOCK, &lim) != 0) return std::vector<long>{-errno};
    auto ring = uring::Ring::create(uring::Params{.entries = 256});
    if (!ring) return std::vector<long>{ring.error()};
    uring::prep_nop(*ring->get_sqe());
    return std::vector<long>{0, ring->submit_and_wait(1)};
  });
  if (test::kernel_version() < 512) {
    test::older_kernel("RLIMIT_MEMLOCK 0 before 5.12: ring creation not asserted");
    return;
  }
  CHECK(got == std::vector<long>{0, 1});
}
