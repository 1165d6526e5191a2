// IORING_OP_FILES_UPDATE and the tagged registration calls against the running kernel: one case per
// error of the seed's ERRORS section and per FILES_UPDATE row of kernel-facts.md, each asserting
// the exact res, plus the array lifetime (IOSQE_ASYNC inside a link) and the tag CQEs. Every test
// runs in every ring mode (tests/support/modes.hpp).
#include <sys/mman.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstring>
#include <string>
#include <vector>

#include "support/helpers.hpp"
#include "support/modes.hpp"

namespace {

using uring::FilesUpdate;
using uring::FixedFile;
using uring::UpdateResult;

constexpr std::uint64_t kUpdateData = 0xf11e5;

// Prepares one SQE with `prep`, submits it and returns its CQE res.
template <class Prep>
int run_one(uring::Ring& ring, Prep&& prep) {
  io_uring_sqe& sqe = test::sqe_of(ring);
  prep(sqe);
  sqe.user_data = kUpdateData;
  test::idle(ring);
  REQUIRE(ring.submit() == 1);
  const test::Cqe c = test::wait_one(ring);
  REQUIRE(c.user_data == kUpdateData);
  return c.res;
}

// The raw SQE, exactly as liburing would encode it.
int raw_update(uring::Ring& ring, int* fds, unsigned nr, int offset) {
  return run_one(ring, [&](io_uring_sqe& sqe) { uring::prep_files_update(sqe, fds, nr, offset); });
}

// The typed request: prepare, submit, wait, complete.
template <unsigned N>
UpdateResult typed_update(uring::Ring& ring, FilesUpdate<N>& up, unsigned offset,
                          std::span<const int> fds) {
  const int res =
      run_one(ring, [&](io_uring_sqe& sqe) { REQUIRE(up.prepare(sqe, offset, fds) == 0); });
  return up.complete(res);
}

template <unsigned N>
UpdateResult typed_alloc(uring::Ring& ring, FilesUpdate<N>& up, std::span<const int> fds) {
  return typed_update(ring, up, IORING_FILE_INDEX_ALLOC, fds);
}

// Writes `text` through fixed-file slot `slot` and returns the CQE res.
int write_fixed(uring::Ring& ring, FixedFile slot, const char* text) {
  return run_one(ring, [&](io_uring_sqe& sqe) {
    uring::prep_write(sqe, static_cast<int>(slot.index()), text,
                      static_cast<unsigned>(std::strlen(text)), ~0ULL);
    sqe.flags |= IOSQE_FIXED_FILE;
  });
}

// What is in the pipe right now (empty string when nothing: never blocks).
std::string read_now(const test::Pipe& p) {
  const int fl = ::fcntl(p.read.get(), F_GETFL);
  REQUIRE(::fcntl(p.read.get(), F_SETFL, fl | O_NONBLOCK) == 0);
  char buf[64];
  const ssize_t n = ::read(p.read.get(), buf, sizeof buf);
  ::fcntl(p.read.get(), F_SETFL, fl);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
}

// An fd number that refers to nothing: a pipe's, after closing it.
int closed_fd() {
  int p[2];
  REQUIRE(::pipe2(p, O_CLOEXEC) == 0);
  ::close(p[0]);
  ::close(p[1]);
  return p[1];
}

// A ring with an 8-slot sparse table.
uring::Ring ring_with_table(test::Mode mode, unsigned slots = 8) {
  auto ring = test::make_ring(mode);
  REQUIRE(uring::register_files_sparse(ring, slots) == 0);
  return ring;
}

}  // namespace

// ---- the rows of kernel-facts.md and the seed's ERRORS --------------------------------------

TEST_CASE("no file table registered: -ENXIO", "[files_update]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto ring = test::make_ring(mode);
  test::Pipe p;
  const int fds[] = {p.write.get()};
  FilesUpdate<4> up;
  const UpdateResult r = typed_update(ring, up, 0, fds);
  CHECK(r.res() == -ENXIO);
  CHECK(r.failed());
  CHECK(r.error() == -ENXIO);
  CHECK(r.updated() == 0);
  CHECK(up.slots().empty());
}

TEST_CASE("two valid fds at offset 0 of an 8-slot sparse table: 2, and both slots work",
          "[files_update]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto ring = ring_with_table(mode);
  test::Pipe a, b;
  const int fds[] = {a.write.get(), b.write.get()};
  FilesUpdate<4> up;
  const UpdateResult r = typed_update(ring, up, 0, fds);
  CHECK(r.res() == 2);
  CHECK(r.complete());
  CHECK(r.requested() == 2);
  REQUIRE(up.slots().size() == 2);
  CHECK(up.slots()[0] == FixedFile(0));
  CHECK(up.slots()[1] == FixedFile(1));
  CHECK(write_fixed(ring, FixedFile(0), "to a") == 4);
  CHECK(write_fixed(ring, FixedFile(1), "to b!") == 5);
  CHECK(read_now(a) == "to a");
  CHECK(read_now(b) == "to b!");
}

TEST_CASE("a slot filled by FILES_UPDATE is the file a later IOSQE_FIXED_FILE write uses",
          "[files_update]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto ring = ring_with_table(mode);
  test::Pipe p;
  CHECK(write_fixed(ring, FixedFile(5), "x") == -EBADF);  // empty before
  int fds[] = {p.write.get()};
  CHECK(raw_update(ring, fds, 1, 5) == 1);
  CHECK(write_fixed(ring, FixedFile(5), "through slot 5") == 14);
  CHECK(read_now(p) == "through slot 5");
  // The table holds its own reference: closing our fd leaves the slot working.
  const int wfd = p.write.fd;
  p.write.fd = -1;
  ::close(wfd);
  CHECK(write_fixed(ring, FixedFile(5), "after close") == 11);
  CHECK(read_now(p) == "after close");
}

TEST_CASE("IORING_FILE_INDEX_ALLOC writes the allocated slots back into the array",
          "[files_update][alloc]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto ring = ring_with_table(mode, 16);
  // A range that does not start at 0, so a slot number left at 0 cannot pass for an allocation.
  REQUIRE(uring::register_file_alloc_range(ring, 5, 4) == 0);
  test::Pipe a, b;

  SECTION("raw SQE: the kernel overwrites the caller's fds with slot numbers") {
    int fds[] = {a.write.get(), b.write.get()};
    CHECK(raw_update(ring, fds, 2, static_cast<int>(IORING_FILE_INDEX_ALLOC)) == 2);
    CHECK(fds[0] == 5);
    CHECK(fds[1] == 6);
  }
  SECTION("typed: slots() lists them as FixedFile, and they hold the right files") {
    const int fds[] = {a.write.get(), b.write.get()};
    FilesUpdate<4> up;
    const UpdateResult r = typed_alloc(ring, up, fds);
    CHECK(r.res() == 2);
    CHECK(r.complete());
    REQUIRE(up.slots().size() == 2);
    const std::vector<FixedFile> slots(up.slots().begin(), up.slots().end());
    CHECK(slots == std::vector<FixedFile>{FixedFile(5), FixedFile(6)});
    CHECK(fds[0] == a.write.get());  // the caller's array is untouched
    CHECK(write_fixed(ring, slots[0], "A") == 1);
    CHECK(write_fixed(ring, slots[1], "BB") == 2);
    CHECK(read_now(a) == "A");
    CHECK(read_now(b) == "BB");
  }
}

TEST_CASE("IORING_FILE_INDEX_ALLOC with the alloc range full: -ENFILE, or the count before it",
          "[files_update][alloc]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto ring = ring_with_table(mode, 16);
  REQUIRE(uring::register_file_alloc_range(ring, 5, 2) == 0);
  test::Pipe p;
  const int three[] = {p.write.get(), p.write.get(), p.write.get()};
  FilesUpdate<4> up;
  // Two fit: the kernel stops at the third and reports 2.
  const UpdateResult r = typed_alloc(ring, up, three);
  CHECK(r.res() == 2);
  CHECK(r.partial());
  CHECK(r.requested() == 3);
  CHECK(r.error() == 0);
  REQUIRE(up.slots().size() == 2);
  CHECK(up.slots()[0] == FixedFile(5));
  CHECK(up.slots()[1] == FixedFile(6));
  // The rest, resubmitted, names the reason.
  const int res = run_one(ring, [&](io_uring_sqe& sqe) { REQUIRE(up.prepare_rest(sqe) == 0); });
  CHECK(res == -ENFILE);
  const UpdateResult rest = up.complete(res);
  CHECK(rest.failed());
  CHECK(rest.requested() == 1);
  CHECK(up.slots().size() == 2);  // the two allocated before are still listed
  // And from a full table the first fd already fails.
  int one[] = {p.write.get()};
  CHECK(raw_update(ring, one, 1, static_cast<int>(IORING_FILE_INDEX_ALLOC)) == -ENFILE);
}

TEST_CASE("first fd invalid: -EBADF, and the kernel has already emptied that slot",
          "[files_update][ebadf]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto ring = ring_with_table(mode);
  test::Pipe p;
  const int fill[] = {p.write.get()};
  REQUIRE(uring::register_files_update(ring, 0, fill) == 1);
  const int bad[] = {closed_fd()};
  FilesUpdate<4> up;
  const UpdateResult r = typed_update(ring, up, 0, bad);
  CHECK(r.res() == -EBADF);
  CHECK(r.failed());
  CHECK(r.error() == -EBADF);
  // The kernel drops a slot's old file before it looks the new fd up.
  CHECK(write_fixed(ring, FixedFile(0), "x") == -EBADF);
  // With ALLOC every entry must be a real fd: -1 and SKIP mean nothing there.
  const int clear[] = {uring::kClearSlot};
  const int skip[] = {uring::kSkipSlot};
  CHECK(typed_alloc(ring, up, clear).res() == -EBADF);
  CHECK(typed_alloc(ring, up, skip).res() == -EBADF);
}

TEST_CASE("first fd valid, second invalid: 1, the partial count", "[files_update][ebadf]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto ring = ring_with_table(mode);
  test::Pipe p;
  const int fds[] = {p.write.get(), closed_fd()};
  FilesUpdate<4> up;
  const UpdateResult r = typed_update(ring, up, 2, fds);
  CHECK(r.res() == 1);
  CHECK(r.partial());
  CHECK_FALSE(r.complete());
  CHECK_FALSE(r.failed());
  CHECK(r.updated() == 1);
  CHECK(r.requested() == 2);
  REQUIRE(up.slots().size() == 1);
  CHECK(up.slots()[0] == FixedFile(2));
  CHECK(write_fixed(ring, FixedFile(2), "ok") == 2);
  CHECK(read_now(p) == "ok");
  // The count hides the reason: resubmitting the rest gives it.
  const int res = run_one(ring, [&](io_uring_sqe& sqe) { REQUIRE(up.prepare_rest(sqe) == 0); });
  CHECK(res == -EBADF);
  CHECK(up.complete(res).error() == -EBADF);
}

TEST_CASE("an io_uring fd in the array: -EBADF", "[files_update][ebadf]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto ring = ring_with_table(mode);
  auto other = test::make_plain_ring();
  const int fds[] = {other.fd()};
  FilesUpdate<4> up;
  CHECK(typed_update(ring, up, 0, fds).res() == -EBADF);
  // The ring's own fd too (the single-thread ring still has one besides its registered index).
  const int self[] = {ring.fd()};
  CHECK(typed_update(ring, up, 0, self).res() == -EBADF);
  // And with ALLOC.
  CHECK(typed_alloc(ring, up, fds).res() == -EBADF);
}

TEST_CASE("fds pointer unreadable: -EFAULT", "[files_update][efault]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto ring = ring_with_table(mode);
  void* page = ::mmap(nullptr, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  REQUIRE(page != MAP_FAILED);
  auto* fds = static_cast<int*>(page);
  CHECK(raw_update(ring, fds, 1, 0) == -EFAULT);
  CHECK(raw_update(ring, fds, 1, static_cast<int>(IORING_FILE_INDEX_ALLOC)) == -EFAULT);
  CHECK(raw_update(ring, nullptr, 1, 0) == -EFAULT);
  ::munmap(page, 4096);
}

TEST_CASE("ALLOC into a read-only array: -EFAULT, and the slot it took is freed again",
          "[files_update][efault][alloc]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto ring = ring_with_table(mode, 16);
  REQUIRE(uring::register_file_alloc_range(ring, 5, 4) == 0);
  test::Pipe p;
  void* page = ::mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  REQUIRE(page != MAP_FAILED);
  auto* fds = static_cast<int*>(page);
  fds[0] = p.write.get();
  REQUIRE(::mprotect(page, 4096, PROT_READ) == 0);
  CHECK(raw_update(ring, fds, 1, static_cast<int>(IORING_FILE_INDEX_ALLOC)) == -EFAULT);
  CHECK(write_fixed(ring, FixedFile(5), "x") == -EBADF);  // not left installed
  ::munmap(page, 4096);
}

TEST_CASE("offset + nr_fds overflows 32 bits: -EOVERFLOW", "[files_update][eoverflow]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  test::Pipe p;
  const int fds[] = {p.write.get(), p.write.get()};
  FilesUpdate<4> up;
  SECTION("with a table") {
    auto ring = ring_with_table(mode);
    const UpdateResult r = typed_update(ring, up, 0xfffffffeU, fds);
    CHECK(r.res() == -EOVERFLOW);
    CHECK(r.error() == -EOVERFLOW);
  }
  SECTION("the overflow check comes before the table check") {
    auto ring = test::make_ring(mode);
    CHECK(typed_update(ring, up, 0xfffffffeU, fds).res() == -EOVERFLOW);
  }
}

TEST_CASE("offset or range past the table's end: -EINVAL", "[files_update][einval]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto ring = ring_with_table(mode);
  test::Pipe p;
  int fds[] = {p.write.get(), p.write.get()};
  CHECK(raw_update(ring, fds, 2, 7) == -EINVAL);  // slots 7 and 8 of 0..7
  CHECK(raw_update(ring, fds, 1, 8) == -EINVAL);  // offset itself past the end
  CHECK(raw_update(ring, fds, 1, 7) == 1);        // the last slot is fine
}

TEST_CASE("nr_fds 0: -EINVAL", "[files_update][einval]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto ring = ring_with_table(mode);
  int fds[] = {-1};
  CHECK(raw_update(ring, fds, 0, 0) == -EINVAL);
  // The typed request refuses it before the kernel sees it, with the same errno.
  FilesUpdate<4> up;
  io_uring_sqe sqe{};
  CHECK(up.prepare(sqe, 0, std::span<const int>()) == -EINVAL);
  CHECK_FALSE(up.in_flight());
}

// The res of a one-fd FILES_UPDATE at offset 0 whose prepared SQE `tweak` then edits.
template <class F>
int update_one_tweaked(uring::Ring& ring, int (&fds)[1], F&& tweak) {
  return run_one(ring, [&](io_uring_sqe& sqe) {
    uring::prep_files_update(sqe, fds, 1, 0);
    tweak(sqe);
  });
}

TEST_CASE("ioprio, rw_flags or IOSQE_FIXED_FILE set: -EINVAL", "[files_update][einval]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto ring = ring_with_table(mode);
  test::Pipe p;
  int fds[] = {p.write.get()};
  auto with = [&](auto&& tweak) { return update_one_tweaked(ring, fds, tweak); };
  CHECK(with([](io_uring_sqe& s) { s.ioprio = 1; }) == -EINVAL);
  CHECK(with([](io_uring_sqe& s) { s.rw_flags = 1; }) == -EINVAL);
  CHECK(with([](io_uring_sqe& s) { s.flags |= IOSQE_FIXED_FILE; }) == -EINVAL);
  CHECK(with([](io_uring_sqe&) {}) == 1);  // and untouched it works
}

TEST_CASE("the other SQE fields this kernel checks, and the ones it ignores", "[files_update]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto ring = ring_with_table(mode);
  test::Pipe p;
  int fds[] = {p.write.get()};
  auto with = [&](auto&& tweak) { return update_one_tweaked(ring, fds, tweak); };
  // Not in kernel-facts.md; measured on 6.18. splice_fd_in (the file_index union) is checked ...
  CHECK(with([](io_uring_sqe& s) { s.splice_fd_in = 1; }) == -EINVAL);
  // ... IOSQE_BUFFER_SELECT is refused before the op sees it, as for every op without buffers ...
  CHECK(with([](io_uring_sqe& s) { s.flags |= IOSQE_BUFFER_SELECT; }) == -EOPNOTSUPP);
  // ... while buf_index and addr3 are not looked at (the prep writes 0 there all the same).
  CHECK(with([](io_uring_sqe& s) { s.buf_index = 1; }) == 1);
  CHECK(with([](io_uring_sqe& s) { s.addr3 = 1; }) == 1);
  // fd is never looked up (the op has no file): liburing's -1 is a convention.
  CHECK(with([](io_uring_sqe& s) { s.fd = 12345; }) == 1);
  // off is read into 32 bits: the high half is dropped, which is why a sign-extended
  // IORING_FILE_INDEX_ALLOC (all 64 bits set) still means ALLOC.
  CHECK(with([](io_uring_sqe& s) { s.off = (1ULL << 32) | 9; }) == -EINVAL);  // slot 9: past
  CHECK(with([](io_uring_sqe& s) { s.off = (1ULL << 32) | 7; }) == 1);        // slot 7: fine
}

TEST_CASE("fd -1 clears the slot and counts: a fixed write then gets -EBADF",
          "[files_update][clear]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto ring = ring_with_table(mode);
  test::Pipe p;
  int fill[] = {p.write.get(), p.write.get()};
  REQUIRE(raw_update(ring, fill, 2, 2) == 2);
  const int clear[] = {uring::kClearSlot};
  FilesUpdate<4> up;
  const UpdateResult r = typed_update(ring, up, 2, clear);
  CHECK(r.res() == 1);
  CHECK(r.complete());
  CHECK(write_fixed(ring, FixedFile(2), "x") == -EBADF);
  CHECK(write_fixed(ring, FixedFile(3), "3") == 1);  // its neighbour untouched
  CHECK(read_now(p) == "3");
  // Clearing an empty slot is no error either.
  CHECK(typed_update(ring, up, 2, clear).res() == 1);
}

TEST_CASE("fd IORING_REGISTER_FILES_SKIP leaves the slot and counts: a write still works",
          "[files_update][skip]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto ring = ring_with_table(mode);
  test::Pipe a, b;
  int fill[] = {a.write.get()};
  REQUIRE(raw_update(ring, fill, 1, 4) == 1);
  const int skip_then_b[] = {uring::kSkipSlot, b.write.get()};
  FilesUpdate<4> up;
  const UpdateResult r = typed_update(ring, up, 4, skip_then_b);
  CHECK(r.res() == 2);
  CHECK(r.complete());
  CHECK(write_fixed(ring, FixedFile(4), "kept") == 4);
  CHECK(write_fixed(ring, FixedFile(5), "new") == 3);
  CHECK(read_now(a) == "kept");
  CHECK(read_now(b) == "new");
}

// ---- the array lifetime --------------------------------------------------------------------

namespace {

constexpr std::uint64_t kReadData = 0x7ead;

// Queues a read of `gate` linked to the next SQE: the next SQE cannot run before data arrives.
void queue_gate(uring::Ring& ring, const test::Pipe& gate, char* buf) {
  io_uring_sqe& sqe = test::sqe_of(ring);
  uring::prep_read(sqe, gate.read.get(), buf, 1, ~0ULL);
  sqe.flags |= IOSQE_IO_LINK;
  sqe.user_data = kReadData;
}

// Opens the gate and collects both CQEs; returns the update's res.
int open_gate_and_wait(uring::Ring& ring, const test::Pipe& gate) {
  REQUIRE(::write(gate.write.get(), "g", 1) == 1);
  int read_res = -1, update_res = -1000;
  for (int i = 0; i < 2; ++i) {
    const test::Cqe c = test::wait_one(ring);
    if (c.user_data == kReadData) read_res = c.res;
    if (c.user_data == kUpdateData) update_res = c.res;
  }
  CHECK(read_res == 1);
  return update_res;
}

}  // namespace

TEST_CASE("the kernel reads the fds when the op runs, not at submission (raw SQE)",
          "[files_update][lifetime]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto ring = ring_with_table(mode);
  test::Pipe gate, a, b;
  char buf[1];
  int fds[] = {a.write.get()};
  queue_gate(ring, gate, buf);
  io_uring_sqe& sqe = test::sqe_of(ring);
  uring::prep_files_update(sqe, fds, 1, 3);
  sqe.flags |= IOSQE_ASYNC;
  sqe.user_data = kUpdateData;
  test::idle(ring);
  REQUIRE(ring.submit() == 2);
  CHECK(ring.peek_cqe() == nullptr);  // both still pending
  fds[0] = b.write.get();  // after submission: liburing's man page says this is safe. It is not.
  CHECK(open_gate_and_wait(ring, gate) == 1);
  CHECK(write_fixed(ring, FixedFile(3), "which?") == 6);
  CHECK(read_now(a) == "");        // not the fd that was in the array at submission
  CHECK(read_now(b) == "which?");  // but the one there when the op ran
}

TEST_CASE("typed FilesUpdate with IOSQE_ASYNC in a link: the caller's fds are gone, still right",
          "[files_update][lifetime][alloc]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto ring = ring_with_table(mode, 16);
  REQUIRE(uring::register_file_alloc_range(ring, 9, 4) == 0);
  test::Pipe gate, a, b;
  char buf[1];
  FilesUpdate<4> up;
  queue_gate(ring, gate, buf);
  {
    // The caller's own copy lives in this scope only, and is scribbled over before it ends.
    std::vector<int> mine{a.write.get(), b.write.get()};
    io_uring_sqe& sqe = test::sqe_of(ring);
    REQUIRE(up.prepare_alloc(sqe, mine) == 0);
    sqe.flags |= IOSQE_ASYNC;
    sqe.user_data = kUpdateData;
    test::idle(ring);
    REQUIRE(ring.submit() == 2);
    std::fill(mine.begin(), mine.end(), -77);
  }
  std::vector<int> reuse(64, -1);  // the freed heap memory is likely handed out again here
  CHECK(up.in_flight());
  CHECK(up.slots().empty());  // nothing to read while the kernel may still write
  const UpdateResult r = up.complete(open_gate_and_wait(ring, gate));
  CHECK(r.res() == 2);
  CHECK(r.complete());
  REQUIRE(up.slots().size() == 2);
  CHECK(up.slots()[0] == FixedFile(9));
  CHECK(up.slots()[1] == FixedFile(10));
  CHECK(write_fixed(ring, up.slots()[0], "to a") == 4);
  CHECK(write_fixed(ring, up.slots()[1], "to b") == 4);
  CHECK(read_now(a) == "to a");
  CHECK(read_now(b) == "to b");
}

// ---- registration: tags and FILES_UPDATE2 --------------------------------------------------

namespace {

// Every CQE ready now, without entering (tag CQEs are posted straight into the CQ).
std::vector<test::Cqe> peek_all(uring::Ring& ring) {
  std::vector<test::Cqe> out;
  ring.for_each_cqe([&](const io_uring_cqe& c) { out.push_back({c.user_data, c.res, c.flags}); });
  return out;
}

// The tag CQEs posted so far, when `expect` of them are due. 6.18 posts a tag while the update
// runs (or when the last request using the old file completes): they are in the CQ at once. 6.1
// (measured) puts replaced files in a work item delayed by a second (HZ), so a tag arrives about a
// second later, on its own: wait for `expect` CQEs, or 1.5 s to be sure none comes. Kernels
// between the two are waited for as 6.1 is (either timing passes).
std::vector<test::Cqe> tag_cqes(uring::Ring& ring, std::size_t expect) {
  if (test::kernel_version() < 618) {
    // Said only when seen: a kernel between the two may post them at once, as 6.18 does.
    if (expect != 0 && ring.cq().ready() < expect)
      test::older_kernel("tag CQEs arrive about a second after the file is dropped");
    for (int ms = 0; ms < (expect == 0 ? 1500 : 3000) && ring.cq().ready() < expect; ms += 10) {
      REQUIRE(ring.get_events() == 0);
      ::usleep(10'000);
    }
  }
  return peek_all(ring);
}

// How many of `n` tagged slots still registered post their tag when the table is unregistered:
// all on 6.18; none on 6.1 (measured: the files are dropped and the tags freed unposted). Between
// the two, unmeasured: whichever of the two the kernel does (the count is then checked as 0 or n).
std::size_t tags_on_unregister(uring::Ring& ring, std::size_t n) {
  const int v = test::kernel_version();
  if (v >= 618) return n;
  const std::size_t due = v <= 601 || ring.cq().ready() == 0 ? 0 : n;
  if (due == 0) test::older_kernel("unregistering the file table posts no tag CQEs");
  return due;
}

bool is_tag_cqe(const test::Cqe& c, std::uint64_t tag) {
  return c.user_data == tag && c.res == 0 && c.flags == 0;
}

}  // namespace

TEST_CASE("register with tags: replacing a tagged slot posts {tag, 0, 0}; untagged slots none",
          "[register][tags]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto ring = test::make_ring(mode);
  test::Pipe a, b, c;
  const int fds[] = {a.write.get(), b.write.get(), uring::kClearSlot};
  const std::uint64_t tags[] = {0x11, 0, 0};
  REQUIRE(uring::register_files_tags(ring, fds, tags) == 0);
  CHECK(write_fixed(ring, FixedFile(0), "tagged") == 6);
  CHECK(read_now(a) == "tagged");
  CHECK(tag_cqes(ring, 0).empty());

  const int replace[] = {c.write.get(), c.write.get()};
  CHECK(uring::register_files_update(ring, 0, replace) == 2);
  const auto cqes = tag_cqes(ring, 1);
  REQUIRE(cqes.size() == 1);  // slot 1 had no tag
  CHECK(is_tag_cqe(cqes[0], 0x11));
  // The new file took the slot without a tag: replacing it again posts nothing.
  const int again[] = {a.write.get()};
  CHECK(uring::register_files_update(ring, 0, again) == 1);
  CHECK(tag_cqes(ring, 0).empty());
}

TEST_CASE("FILES_UPDATE2: tags on update, on clear, on unregister; no tag on -1 or SKIP",
          "[register][tags]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto ring = test::make_ring(mode);
  REQUIRE(uring::register_files_sparse(ring, 4) == 0);
  test::Pipe a, b;
  const int fds[] = {a.write.get(), b.write.get()};
  const std::uint64_t tags[] = {0xa1, 0xb2};
  CHECK(uring::register_files_update_tags(ring, 1, fds, tags) == 2);
  CHECK(tag_cqes(ring, 0).empty());
  CHECK(write_fixed(ring, FixedFile(2), "b") == 1);
  CHECK(read_now(b) == "b");

  SECTION("clearing a tagged slot posts its tag") {
    const int clear[] = {uring::kClearSlot};
    const std::uint64_t none[] = {0};
    CHECK(uring::register_files_update_tags(ring, 1, clear, none) == 1);
    const auto cqes = tag_cqes(ring, 1);
    REQUIRE(cqes.size() == 1);
    CHECK(is_tag_cqe(cqes[0], 0xa1));
  }
  SECTION("unregistering posts every remaining tag") {
    CHECK(uring::unregister_files(ring) == 0);
    const std::size_t due = tags_on_unregister(ring, 2);
    auto cqes = tag_cqes(ring, due);
    REQUIRE(cqes.size() == due);
    if (due == 0) return;
    std::sort(cqes.begin(), cqes.end(),
              [](const test::Cqe& x, const test::Cqe& y) { return x.user_data < y.user_data; });
    CHECK(is_tag_cqe(cqes[0], 0xa1));
    CHECK(is_tag_cqe(cqes[1], 0xb2));
  }
  SECTION("a tag with -1 or SKIP: -EINVAL, slot untouched") {
    const int clear[] = {uring::kClearSlot};
    const int skip[] = {uring::kSkipSlot};
    const std::uint64_t tag[] = {0x99};
    CHECK(uring::register_files_update_tags(ring, 1, clear, tag) == -EINVAL);
    CHECK(uring::register_files_update_tags(ring, 1, skip, tag) == -EINVAL);
    CHECK(tag_cqes(ring, 0).empty());
    CHECK(write_fixed(ring, FixedFile(1), "a") == 1);
    CHECK(read_now(a) == "a");
  }
  SECTION("SKIP without a tag keeps the slot and its tag") {
    const int skip[] = {uring::kSkipSlot};
    const std::uint64_t none[] = {0};
    CHECK(uring::register_files_update_tags(ring, 1, skip, none) == 1);
    CHECK(tag_cqes(ring, 0).empty());
    CHECK(uring::unregister_files(ring) == 0);
    const std::size_t due = tags_on_unregister(ring, 2);
    CHECK(tag_cqes(ring, due).size() == due);
  }
}

TEST_CASE("a tag on an empty slot at registration: -EINVAL and no table", "[register][tags]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto ring = test::make_ring(mode);
  const int fds[] = {uring::kClearSlot};
  const std::uint64_t tags[] = {0x5};
  CHECK(uring::register_files_tags(ring, fds, tags) == -EINVAL);
  CHECK(uring::unregister_files(ring) == -ENXIO);
  // Spans of different sizes never reach the kernel.
  const std::uint64_t two[] = {0, 0};
  CHECK(uring::register_files_tags(ring, fds, two) == -EINVAL);
  CHECK(uring::register_files_update_tags(ring, 0, fds, two) == -EINVAL);
}

TEST_CASE("registration knows no SKIP: it is just an invalid fd there", "[register]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto ring = test::make_ring(mode);
  test::Pipe p;
  const int fds[] = {p.write.get(), uring::kSkipSlot};
  CHECK(uring::register_files(ring, fds) == -EBADF);
  const std::uint64_t tags[] = {0, 0};
  CHECK(uring::register_files_tags(ring, fds, tags) == -EBADF);
  CHECK(uring::unregister_files(ring) == -ENXIO);  // nothing left behind
}

TEST_CASE("IORING_OP_FILES_UPDATE replacing a tagged slot: its CQE and the tag's",
          "[files_update][tags]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto ring = test::make_ring(mode);
  test::Pipe a, b;
  const int fds[] = {a.write.get()};
  const std::uint64_t tags[] = {0x7a9};
  REQUIRE(uring::register_files_tags(ring, fds, tags) == 0);
  int repl[] = {b.write.get()};
  io_uring_sqe& sqe = test::sqe_of(ring);
  uring::prep_files_update(sqe, repl, 1, 0);
  sqe.user_data = kUpdateData;
  test::idle(ring);
  REQUIRE(ring.submit() == 1);
  // Every CQE up to the op's own (waited for one by one: with SQPOLL the op may still be running
  // when the tag is already there).
  std::vector<test::Cqe> cqes;
  do {
    cqes.push_back(test::wait_one(ring));
  } while (cqes.back().user_data != kUpdateData && cqes.size() < 2);
  if (test::kernel_version() < 618) {  // the tag comes later (tag_cqes): the op's CQE first
    for (const test::Cqe& c : tag_cqes(ring, 2 - cqes.size())) cqes.push_back(c);
    REQUIRE(cqes.size() == 2);
    if (test::kernel_version() <= 601) CHECK(cqes[0].user_data == kUpdateData);
    if (cqes[0].user_data == kUpdateData) std::swap(cqes[0], cqes[1]);
  }
  REQUIRE(cqes.size() == 2);
  CHECK(test::drain(ring).empty());
  // The old file is dropped while the op runs, so its tag is posted before the op's own CQE.
  CHECK(is_tag_cqe(cqes[0], 0x7a9));
  CHECK(cqes[1].user_data == kUpdateData);
  CHECK(cqes[1].res == 1);
}

TEST_CASE("a tag is posted only once no request uses the old file any more", "[register][tags]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto ring = test::make_ring(mode);
  test::Pipe p, other;
  const int fds[] = {p.read.get()};
  const std::uint64_t tags[] = {0x1ace};
  REQUIRE(uring::register_files_tags(ring, fds, tags) == 0);
  // A read through slot 0 that waits for data holds the slot's file.
  char buf[4];
  io_uring_sqe& sqe = test::sqe_of(ring);
  uring::prep_read(sqe, 0, buf, sizeof buf, ~0ULL);
  sqe.flags |= IOSQE_FIXED_FILE;
  sqe.user_data = kReadData;
  test::idle(ring);
  REQUIRE(ring.submit() == 1);
  // With SQPOLL the poller issues the read in its own time: replace the file only after it has
  // consumed the SQE (other modes issue it inside submit(), and this loop does not turn).
  for (int ms = 0; ms < 5000 && ring.sq().flush() != 0; ++ms) ::usleep(1000);
  REQUIRE(ring.sq().flush() == 0);
  const int repl[] = {other.read.get()};
  CHECK(uring::register_files_update(ring, 0, repl) == 1);
  CHECK(test::drain(ring).empty());  // replaced, but the read still uses the old file: no tag yet
  REQUIRE(::write(p.write.get(), "data", 4) == 4);
  std::vector<test::Cqe> all{test::wait_one(ring)};
  if (test::kernel_version() < 618) {
    for (const test::Cqe& c : tag_cqes(ring, 1)) all.push_back(c);  // about a second later
  } else {
    all.push_back(test::wait_one(ring));
  }
  REQUIRE(all.size() == 2);
  std::sort(all.begin(), all.end(),
            [](const test::Cqe& x, const test::Cqe& y) { return x.user_data < y.user_data; });
  CHECK(is_tag_cqe(all[0], 0x1ace));
  CHECK(all[1].user_data == kReadData);
  CHECK(all[1].res == 4);
}

TEST_CASE("register_files_update's count is an UpdateResult too: partial and errors",
          "[register]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto ring = ring_with_table(mode);
  test::Pipe p;
  const int fds[] = {p.write.get(), closed_fd()};
  const UpdateResult r(2, uring::register_files_update(ring, 0, fds));
  CHECK(r.res() == 1);
  CHECK(r.partial());
  const int two[] = {p.write.get(), p.write.get()};
  CHECK(uring::register_files_update(ring, 0xfffffffeU, two) == -EOVERFLOW);
  CHECK(uring::register_files_update(ring, 7, two) == -EINVAL);
  const std::uint64_t none[] = {0, 0};
  CHECK(uring::register_files_update_tags(ring, 0xfffffffeU, two, none) == -EOVERFLOW);
  auto bare = test::make_ring(mode);
  CHECK(uring::register_files_update(bare, 0, two) == -ENXIO);
  CHECK(uring::register_files_update_tags(bare, 0, two, none) == -ENXIO);
}
