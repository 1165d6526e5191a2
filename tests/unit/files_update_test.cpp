// FilesUpdate and UpdateResult without a kernel: what the SQE points at, the in-flight rules, the
// three outcomes, and errnos no test can force (-ENOMEM) reaching the caller unchanged. The
// kernel's side is simulated the way it acts: reading and writing through sqe.addr.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <vector>

#include "uring/files_update.hpp"
#include "uring/prep.hpp"

namespace {

using uring::FilesUpdate;
using uring::FixedFile;
using uring::UpdateResult;

int* array_of(const io_uring_sqe& sqe) {
  return reinterpret_cast<int*>(static_cast<std::uintptr_t>(sqe.addr));
}

// What an expected SQE looks like: prep_files_update's encoding over the given array.
io_uring_sqe expected(int* fds, unsigned nr, int offset, std::uint64_t user_data) {
  io_uring_sqe sqe{};
  uring::prep_files_update(sqe, fds, nr, offset);
  sqe.user_data = user_data;
  return sqe;
}

void require_same(const io_uring_sqe& a, const io_uring_sqe& b) {
  REQUIRE(std::memcmp(&a, &b, sizeof a) == 0);
}

}  // namespace

TEST_CASE("UpdateResult passes -ENOMEM (and any errno) through unchanged", "[files_update]") {
  for (int err : {-ENOMEM, -EBADF, -EFAULT, -EOVERFLOW, -ENXIO, -EINVAL, -ENFILE, -ECANCELED}) {
    const UpdateResult r(3, err);
    CHECK(r.res() == err);
    CHECK(r.error() == err);
    CHECK(r.failed());
    CHECK_FALSE(r.partial());
    CHECK_FALSE(r.complete());
    CHECK(r.updated() == 0);
    CHECK(r.requested() == 3);
  }
}

TEST_CASE("UpdateResult: complete, partial, and an impossible count", "[files_update]") {
  const UpdateResult all(2, 2);
  CHECK(all.complete());
  CHECK_FALSE(all.partial());
  CHECK_FALSE(all.failed());
  CHECK(all.error() == 0);
  CHECK(all.updated() == 2);

  const UpdateResult some(3, 1);
  CHECK(some.partial());
  CHECK_FALSE(some.complete());
  CHECK_FALSE(some.failed());
  CHECK(some.error() == 0);  // the kernel does not say why it stopped
  CHECK(some.updated() == 1);
  CHECK(some.requested() == 3);

  const UpdateResult too_many(2, 3);  // no correct kernel answers this
  CHECK(too_many.failed());
  CHECK(too_many.error() == -EPROTO);
  CHECK(too_many.updated() == 0);
}

TEST_CASE("FilesUpdate: the SQE points at its own copy, not at the caller's array",
          "[files_update]") {
  FilesUpdate<4> up;
  int mine[] = {10, 11, 12};
  io_uring_sqe sqe;
  std::memset(&sqe, 0xa5, sizeof sqe);
  sqe.user_data = 77;
  REQUIRE(up.prepare(sqe, 5, mine) == 0);
  int* kernel_view = array_of(sqe);
  CHECK(kernel_view != mine);
  require_same(sqe, expected(kernel_view, 3, 5, 77));
  mine[0] = mine[1] = mine[2] = -9;  // the caller's copy changes; the request's does not
  CHECK(kernel_view[0] == 10);
  CHECK(kernel_view[1] == 11);
  CHECK(kernel_view[2] == 12);
  CHECK(up.in_flight());
  CHECK(up.size() == 3);
  CHECK_FALSE(up.allocating());
  const UpdateResult r = up.complete(3);
  CHECK(r.complete());
  CHECK(up.done() == 3);
  const std::vector<FixedFile> slots(up.slots().begin(), up.slots().end());
  CHECK(slots == std::vector<FixedFile>{FixedFile(5), FixedFile(6), FixedFile(7)});
}

TEST_CASE("FilesUpdate: -ENOMEM as the CQE res reaches the caller unchanged", "[files_update]") {
  FilesUpdate<2> up;
  const int fds[] = {3};
  io_uring_sqe sqe{};
  REQUIRE(up.prepare(sqe, 0, fds) == 0);
  const UpdateResult r = up.complete(-ENOMEM);
  CHECK(r.res() == -ENOMEM);
  CHECK(r.error() == -ENOMEM);
  CHECK(r.requested() == 1);
  CHECK(up.done() == 0);
  CHECK(up.slots().empty());
  CHECK_FALSE(up.in_flight());
}

TEST_CASE("FilesUpdate: bad input is a clear error and leaves the SQE alone", "[files_update]") {
  FilesUpdate<2> up;
  io_uring_sqe sqe;
  std::memset(&sqe, 0x5a, sizeof sqe);
  const io_uring_sqe before = sqe;
  const int three[] = {1, 2, 3};
  CHECK(up.prepare(sqe, 0, three) == -EINVAL);  // more than the capacity
  CHECK(up.prepare(sqe, 0, std::span<const int>()) == -EINVAL);
  CHECK(up.prepare_rest(sqe) == -EINVAL);  // nothing prepared, nothing left
  require_same(sqe, before);
  CHECK(up.complete(1).error() == -EALREADY);  // no request in flight

  const int one[] = {1};
  REQUIRE(up.prepare(sqe, 0, one) == 0);
  io_uring_sqe second = before;
  CHECK(up.prepare(second, 0, one) == -EBUSY);  // the kernel may still read the array
  CHECK(up.prepare_rest(second) == -EBUSY);
  require_same(second, before);
  CHECK(up.slots().empty());  // nothing is readable while in flight
  CHECK(up.complete(1).complete());
  CHECK(up.prepare_rest(second) == -EINVAL);  // all done
}

TEST_CASE("FilesUpdate ALLOC: slots are what the kernel wrote back", "[files_update]") {
  FilesUpdate<4> up;
  const int fds[] = {7, 8, 9};
  io_uring_sqe sqe{};
  REQUIRE(up.prepare_alloc(sqe, fds) == 0);
  CHECK(up.allocating());
  require_same(sqe, expected(array_of(sqe), 3, static_cast<int>(IORING_FILE_INDEX_ALLOC), 0));
  // The kernel allocates two slots, writes them back, and stops at the third (table full).
  array_of(sqe)[0] = 12;
  array_of(sqe)[1] = 14;
  const UpdateResult r = up.complete(2);
  CHECK(r.partial());
  REQUIRE(up.slots().size() == 2);
  CHECK(up.slots()[0] == FixedFile(12));
  CHECK(up.slots()[1] == FixedFile(14));

  // The rest: the third fd alone, still ALLOC, written back into its own place.
  io_uring_sqe rest{};
  REQUIRE(up.prepare_rest(rest) == 0);
  require_same(rest, expected(array_of(sqe) + 2, 1, static_cast<int>(IORING_FILE_INDEX_ALLOC), 0));
  array_of(rest)[0] = 3;
  CHECK(up.complete(1).complete());
  const std::vector<FixedFile> all(up.slots().begin(), up.slots().end());
  CHECK(all == std::vector<FixedFile>{FixedFile(12), FixedFile(14), FixedFile(3)});
}

TEST_CASE("FilesUpdate partial at an offset: the rest goes to the slots that follow",
          "[files_update]") {
  FilesUpdate<4> up;
  const int fds[] = {4, 5, 6, 7};
  io_uring_sqe sqe{};
  REQUIRE(up.prepare(sqe, 10, fds) == 0);
  CHECK(up.complete(1).partial());
  io_uring_sqe rest{};
  REQUIRE(up.prepare_rest(rest) == 0);
  require_same(rest, expected(array_of(sqe) + 1, 3, 11, 0));
  CHECK(up.complete(-EBADF).error() == -EBADF);  // the reason the count hid
  CHECK(up.done() == 1);
  REQUIRE(up.slots().size() == 1);
  CHECK(up.slots()[0] == FixedFile(10));
  // A new prepare starts over.
  REQUIRE(up.prepare(sqe, 0, fds) == 0);
  CHECK(up.done() == 0);
  CHECK(up.complete(4).complete());
}

// The kernel holds the object's address from prepare to the CQE: it can neither be copied nor
// moved.
static_assert(!std::is_copy_constructible_v<FilesUpdate<4>>);
static_assert(!std::is_move_constructible_v<FilesUpdate<4>>);
static_assert(!std::is_copy_assignable_v<FilesUpdate<4>>);
static_assert(!std::is_move_assignable_v<FilesUpdate<4>>);

TEST_CASE("FilesUpdate destroyed while in flight aborts; completed or abandoned, it goes quietly",
          "[files_update]") {
  const int how = GENERATE(0, 1, 2);  // 0: destroyed in flight, 1: completed, 2: abandoned
  const bool complete_first = how != 0;
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    const rlimit no_core{0, 0};
    ::setrlimit(RLIMIT_CORE, &no_core);  // the abort is expected: no core file
    {
      FilesUpdate<2> up;
      const int fds[] = {1};
      io_uring_sqe sqe{};
      if (up.prepare(sqe, 0, fds) != 0) ::_exit(2);
      if (how == 1) (void)up.complete(1);
      if (how == 2 && up.abandon() != 0) ::_exit(3);
      if (how == 2 && (up.abandon() != -EALREADY || up.in_flight())) ::_exit(4);
    }
    ::_exit(0);
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  if (complete_first) {
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
  } else {
    CHECK(WIFSIGNALED(status));
    CHECK(WTERMSIG(status) == SIGABRT);
  }
}
