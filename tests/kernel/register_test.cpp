// Registration against the running kernel: file tables, alloc range, probe, enable. Every test
// runs in every ring mode it applies to (tests/support/modes.hpp).
#include <catch2/catch.hpp>
#include <cstring>
#include <optional>
#include <string>
#include <thread>

#include "support/helpers.hpp"
#include "support/modes.hpp"
#include "syscalls/syscalls.hpp"

namespace {

// Writes `text` through fixed-file slot `slot` and returns the CQE res.
int write_fixed(uring::Ring& ring, uring::FixedFile slot, const char* text) {
  io_uring_sqe& sqe = test::sqe_of(ring);
  uring::prep_write(sqe, static_cast<int>(slot.index()), text,
                    static_cast<unsigned>(std::strlen(text)), ~0ULL);
  sqe.flags |= IOSQE_FIXED_FILE;
  sqe.user_data = 1;
  test::idle(ring);
  REQUIRE(ring.submit() == 1);
  return test::wait_one(ring).res;
}

std::string read_some(const test::Pipe& p) {
  char buf[64];
  const ssize_t n = ::read(p.read.get(), buf, sizeof buf);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
}

}  // namespace

TEST_CASE("a dense table: fixed-file writes reach the registered pipe", "[register]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto ring = test::make_ring(mode);
  test::Pipe a, b;
  const int fds[] = {a.write.get(), -1, b.write.get()};
  REQUIRE(uring::register_files(ring, fds) == 0);
  CHECK(write_fixed(ring, uring::FixedFile(0), "to a") == 4);
  CHECK(write_fixed(ring, uring::FixedFile(2), "to b!") == 5);
  CHECK(read_some(a) == "to a");
  CHECK(read_some(b) == "to b!");
  CHECK(write_fixed(ring, uring::FixedFile(1), "x") == -EBADF);  // the empty slot
  CHECK(write_fixed(ring, uring::FixedFile(3), "x") == -EBADF);  // past the end
  CHECK(uring::register_files(ring, fds) == -EBUSY);             // one table per ring
  CHECK(uring::unregister_files(ring) == 0);
  CHECK(uring::unregister_files(ring) == -ENXIO);
}

TEST_CASE("sparse table updated through io_uring_register returns the count", "[register]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto ring = test::make_ring(mode);
  test::Pipe p;
  REQUIRE(uring::register_files_sparse(ring, 8) == 0);
  CHECK(write_fixed(ring, uring::FixedFile(3), "x") == -EBADF);
  const int two[] = {p.write.get(), p.write.get()};
  CHECK(uring::register_files_update(ring, 3, two) == 2);
  CHECK(write_fixed(ring, uring::FixedFile(4), "four") == 4);
  CHECK(read_some(p) == "four");
  // -1 clears slot 3, SKIP leaves slot 4 as it is.
  const int clear_skip[] = {-1, IORING_REGISTER_FILES_SKIP};
  CHECK(uring::register_files_update(ring, 3, clear_skip) == 2);
  CHECK(write_fixed(ring, uring::FixedFile(3), "x") == -EBADF);
  CHECK(write_fixed(ring, uring::FixedFile(4), "kept") == 4);
  CHECK(read_some(p) == "kept");
  // Past the end of the table.
  CHECK(uring::register_files_update(ring, 7, two) == -EINVAL);
}

TEST_CASE("an io_uring fd cannot go into a file table", "[register]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto ring = test::make_ring(mode);
  auto other = test::make_plain_ring();
  const int fds[] = {other.fd()};
  CHECK(uring::register_files(ring, fds) == -EBADF);
}

TEST_CASE("file alloc range: the kernel wants nr_args 0", "[register]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto ring = test::make_ring(mode);
  REQUIRE(uring::register_files_sparse(ring, 16) == 0);
  CHECK(uring::register_file_alloc_range(ring, 4, 8) == 0);
  // What the kernel answers to liburing's documented nr_args 1.
  io_uring_file_index_range range{};
  range.off = 4;
  range.len = 8;
  CHECK(ring.register_raw(IORING_REGISTER_FILE_ALLOC_RANGE, &range, 1) == -EINVAL);
  CHECK(uring::register_file_alloc_range(ring, 10, 8) == -EINVAL);  // past the table
}

TEST_CASE("probe lists the opcodes this kernel supports", "[register][probe]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto ring = test::make_ring(mode);
  auto probe = uring::probe(ring);
  REQUIRE(probe.ok());
  CHECK(probe->last_op() >= IORING_OP_SENDMSG_ZC);  // every kernel this library targets (6.1+)
  for (unsigned op : {IORING_OP_NOP, IORING_OP_READ, IORING_OP_WRITE, IORING_OP_CLOSE,
                      IORING_OP_FILES_UPDATE, IORING_OP_MSG_RING})
    CHECK(probe->supports(op));
  CHECK_FALSE(probe->supports(probe->last_op() + 1));
  CHECK_FALSE(probe->supports(255));
  CHECK(uring::opcode_supported(*probe, IORING_OP_MSG_RING));
  CHECK_FALSE(uring::opcode_supported(*probe, -1));
  CHECK_FALSE(uring::opcode_supported(*probe, int(probe->last_op()) + 1));
  CHECK(std::string(uring::opcode_name(IORING_OP_MSG_RING)) == "MSG_RING");
  CHECK(uring::opcode_name(250) == nullptr);
}

TEST_CASE("registration goes through the plain ring fd, where the kernel checks the issuer",
          "[register]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto ring = test::make_ring(mode);
  CHECK(uring::probe(ring).ok());
  const bool single_issuer = ring.flags() & IORING_SETUP_SINGLE_ISSUER;
  // From another thread: on a SINGLE_ISSUER ring the kernel refuses (-EEXIST) whether or not the
  // ring has a registered index (which would name another ring in that thread's table).
  int from_other = 1;
  std::thread([&] { from_other = uring::register_files_sparse(ring, 2); }).join();
  CHECK(from_other == (single_issuer ? -EEXIST : 0));
  if (!single_issuer) CHECK(uring::unregister_files(ring) == 0);
  CHECK(uring::register_files_sparse(ring, 2) == 0);
}

// ---- liburing's names: the registered ring fd, probes, the tag-update forms --------------------

namespace {

// A NOP round trip and a bounded wait: the ring enters, submits and waits as it should.
void ring_works(uring::Ring& ring, std::uint64_t data) {
  test::nop_round_trip(ring, data);
  io_uring_cqe* cqe = nullptr;
  __kernel_timespec ts{0, 5'000'000};
  CHECK(ring.wait_cqe(&cqe, &ts) == -ETIME);
}

// Register calls reach the ring: a table, a fixed write through it, the table dropped.
void registration_works(uring::Ring& ring) {
  test::Pipe p;
  const int fds[] = {p.write.get()};
  REQUIRE(uring::register_files(ring, fds) == 0);
  CHECK(write_fixed(ring, uring::FixedFile(0), "reg") == 3);
  CHECK(read_some(p) == "reg");
  CHECK(uring::unregister_files(ring) == 0);
  CHECK(uring::unregister_files(ring) == -ENXIO);
}

unsigned supported_count(const uring::Probe& p) {
  unsigned n = 0;
  for (unsigned op = 0; op < uring::Probe::kMaxOps; ++op) n += p.supports(op) ? 1 : 0;
  return n;
}

}  // namespace

TEST_CASE("register_ring_fd / unregister_ring_fd: liburing's answers, the ring works after each",
          "[register][ring_fd]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto ring = test::make_ring(mode);
  // Params::register_ring_fd registered it at setup in the default-flag single-thread modes.
  const bool at_setup = ring.registered_index() >= 0;
  CHECK(at_setup == (mode == test::Mode::default_ || mode == test::Mode::sqpoll ||
                     mode == test::Mode::sq_array));
  if (at_setup) CHECK(uring::register_ring_fd(ring) == -EEXIST);
  CHECK(uring::unregister_ring_fd(ring) == (at_setup ? 1 : -EINVAL));
  CHECK(ring.registered_index() == -1);
  CHECK(uring::unregister_ring_fd(ring) == -EINVAL);
  ring_works(ring, 1);
  registration_works(ring);

  // Off the owner thread: the index would land in that thread's table (the library's -EXDEV).
  int from_other = 0;
  std::thread([&] { from_other = uring::register_ring_fd(ring); }).join();
  CHECK(from_other == -EXDEV);
  CHECK(ring.registered_index() == -1);

  CHECK(uring::register_ring_fd(ring) == 1);
  CHECK(ring.registered_index() >= 0);
  CHECK(ring.registered_index() < 16);  // IO_RINGFD_REG_MAX
  CHECK(uring::register_ring_fd(ring) == -EEXIST);
  ring_works(ring, 2);
  registration_works(ring);
  CHECK(uring::unregister_ring_fd(ring) == 1);
  ring_works(ring, 3);
}

TEST_CASE("close_ring_fd: the plain fd closes, the ring goes on through its registered index",
          "[register][ring_fd]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto ring = test::make_ring(mode);
  if (!(ring.features() & IORING_FEAT_REG_REG_RING)) {
    test::unsupported("IORING_FEAT_REG_REG_RING (6.3): close_ring_fd answers -EOPNOTSUPP");
    CHECK(uring::close_ring_fd(ring) == -EOPNOTSUPP);
    return;
  }
  if (ring.registered_index() < 0) {
    CHECK(uring::close_ring_fd(ring) == -EINVAL);  // liburing's: only a registered ring
    REQUIRE(uring::register_ring_fd(ring) == 1);
  }
  auto before = uring::probe(ring);
  REQUIRE(before.ok());
  const int old_fd = ring.fd();
  REQUIRE(old_fd >= 0);
  CHECK(uring::close_ring_fd(ring) == 1);
  CHECK(::fcntl(old_fd, F_GETFD) == -1);  // really closed
  CHECK(errno == EBADF);
  CHECK(ring.fd() == -1);
  CHECK(ring.ring_fd_closed());
  CHECK(uring::close_ring_fd(ring) == -EBADF);        // liburing's: already closed
  CHECK(uring::register_ring_fd(ring) == -EEXIST);    // still registered
  CHECK(uring::unregister_ring_fd(ring) == -EBADFD);  // the index is all that is left

  ring_works(ring, 4);
  // Register calls go through the index (IORING_REGISTER_USE_REGISTERED_RING).
  registration_works(ring);
  auto after = uring::probe(ring);
  REQUIRE(after.ok());
  CHECK(after->last_op() == before->last_op());
  CHECK(supported_count(*after) == supported_count(*before));
  int err = 0;
  uring::abi::buf_ring* br = uring::setup_buf_ring(ring, 4, 3, 0, &err);
  CHECK(br != nullptr);
  if (br) CHECK(uring::free_buf_ring(ring, br, 4, 3) == 0);
  // Only the owner's table holds the index.
  int from_other = 0;
  std::thread([&] { from_other = uring::register_files_sparse(ring, 2); }).join();
  CHECK(from_other == -EXDEV);

  // What needs the plain fd is refused with -EBADFD.
  CHECK(ring.resize_rings(16) == -EBADFD);
  CHECK(uring::FixedBuffers::create(ring, 1, 4096).error() == -EBADFD);
  CHECK(uring::BufRing::create(ring, 1, 4, 64, 0).error() == -EBADFD);
  CHECK(uring::setup_buf_ring(ring, 4, 3, uring::abi::IOU_PBUF_RING_MMAP, &err) == nullptr);
  CHECK(err == -EBADFD);
  ring_works(ring, 5);

  // Releasing the ring frees its slot through the index: the kernel hands the lowest free slot
  // to the next registration, and that is this one again.
  const int index = ring.registered_index();
  ring = uring::Ring();
  auto next = test::make_ring(test::Mode::default_);
  CHECK(next.registered_index() == index);
}

// FixedBuffers and BufRing unregister in their destructors. They used to keep the ring's fd
// number for that: once the Ring was gone (or close_ring_fd had closed the fd) and the number
// reused by another ring, their destructors unregistered that other ring's buffers and group.
TEST_CASE("FixedBuffers and BufRing unregister from their own ring after its fd number is reused",
          "[register][ring_fd][buffers]") {
  const test::Mode mode = GENERATE(test::each_mode());
  const bool close_fd = GENERATE(false, true);
  MODE_SCOPE(mode);
  INFO((close_fd ? "the plain fd closed by close_ring_fd" : "the Ring destroyed"));
  auto first = test::make_ring(mode);
  if (close_fd && !(first.features() & IORING_FEAT_REG_REG_RING)) {
    test::unsupported("IORING_FEAT_REG_REG_RING (6.3): close_ring_fd answers -EOPNOTSUPP");
    return;
  }
  if (close_fd && first.registered_index() < 0) REQUIRE(uring::register_ring_fd(first) == 1);
  const int old_fd = first.fd();
  std::optional<uring::FixedBuffers> fixed;
  std::optional<uring::BufRing> group;
  {
    auto f = uring::FixedBuffers::create(first, 2, 4096);
    REQUIRE(f.ok());
    fixed.emplace(std::move(*f));
    auto g = uring::BufRing::create(first, 5, 4, 64);
    REQUIRE(g.ok());
    group.emplace(std::move(*g));
  }
  if (close_fd)
    REQUIRE(uring::close_ring_fd(first) == 1);
  else
    first = uring::Ring();

  // Another ring answers at the old fd number now, with a buffer table and a group 5 of its own.
  auto second = test::make_ring(mode);
  test::Fd alias;
  if (second.fd() != old_fd) {
    REQUIRE(::dup2(second.fd(), old_fd) == old_fd);
    alias = test::Fd(old_fd);
  }
  REQUIRE(uring::register_buffers_sparse(second, 3) == 0);
  int err = 0;
  uring::abi::buf_ring* theirs = uring::setup_buf_ring(second, 4, 5, 0, &err);
  REQUIRE(theirs != nullptr);

  fixed.reset();
  group.reset();

  // The second ring's table and group are still registered: registering again is refused.
  CHECK(uring::register_buffers_sparse(second, 3) == -EBUSY);
  uring::abi::buf_ring* again = uring::setup_buf_ring(second, 4, 5, 0, &err);
  CHECK(again == nullptr);
  CHECK(err == -EEXIST);
  CHECK(uring::free_buf_ring(second, theirs, 4, 5) == 0);
  CHECK(uring::unregister_buffers(second) == 0);
}

TEST_CASE("get_probe and get_probe_ring: the same opcodes as probe(ring)", "[register][probe]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto ring = test::make_ring(mode);
  auto p = uring::probe(ring);
  auto r = uring::get_probe_ring(ring);
  auto g = uring::get_probe();
  REQUIRE(p.ok());
  REQUIRE(r.ok());
  REQUIRE(g.ok());
  CHECK(r->last_op() == p->last_op());
  CHECK(g->last_op() == p->last_op());
  const unsigned n = supported_count(*p);
  CHECK(n > IORING_OP_SENDMSG_ZC);  // 0..48 at least, on every kernel this library targets
  CHECK(supported_count(*r) == n);
  CHECK(supported_count(*g) == n);
  CHECK(uring::opcode_supported(r, IORING_OP_MSG_RING));
  CHECK(uring::opcode_supported(g, IORING_OP_NOP));
  CHECK_FALSE(uring::opcode_supported(g, int(p->last_op()) + 1));
  const uring::Result<uring::Probe> none{uring::Errno{-ENOSYS}};
  CHECK_FALSE(uring::opcode_supported(none, IORING_OP_NOP));
}

TEST_CASE("register_files_update_tag: pointer and count, tags or none", "[register][tags]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto ring = test::make_ring(mode);
  test::Pipe p;
  REQUIRE(uring::register_files_sparse(ring, 4) == 0);
  const int fds[] = {p.write.get(), p.write.get()};
  const std::uint64_t tags[] = {0x71, 0x72};
  CHECK(uring::register_files_update_tag(ring, 1, fds, tags, 2) == 2);
  CHECK(write_fixed(ring, uring::FixedFile(2), "two") == 3);
  CHECK(read_some(p) == "two");
  // Slot 1 cleared through the null-tags form: its file's tag comes back as {0x71, 0, 0}.
  const int clear[] = {-1};
  CHECK(uring::register_files_update_tag(ring, 1, clear, nullptr, 1) == 1);
  io_uring_cqe* cqe = nullptr;
  __kernel_timespec ts{3, 0};  // 6.1 posts tags about a second late
  REQUIRE(ring.wait_cqe(&cqe, &ts) == 0);
  CHECK(cqe->user_data == 0x71);
  CHECK(cqe->res == 0);
  CHECK(cqe->flags == 0);
  ring.cqe_seen();
  CHECK(write_fixed(ring, uring::FixedFile(1), "x") == -EBADF);
  // An untagged file installed with tags null; past the end of the table.
  CHECK(uring::register_files_update_tag(ring, 3, fds, nullptr, 1) == 1);
  CHECK(write_fixed(ring, uring::FixedFile(3), "three") == 5);
  CHECK(read_some(p) == "three");
  CHECK(uring::register_files_update_tag(ring, 3, fds, tags, 2) == -EINVAL);
}
