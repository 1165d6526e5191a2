// IOPOLL rings reaping real polled I/O: O_DIRECT reads from a block device with poll queues
// (null_blk loaded with poll_queues=1, which tests/vm/init.c does in the vm guests; the host has
// none). On an IOPOLL ring no interrupt posts a CQE: a completion reaches the CQ only when some
// enter with IORING_ENTER_GETEVENTS polls the device. So submit() must enter with GETEVENTS and
// poll_cqe must enter when the CQ is empty; without that, poll_cqe answers -EAGAIN forever.
//
// Not the mode matrix (tests/support/modes.hpp): IOPOLL is a ring mode of its own, and the
// matrix's modes cannot carry it (SQPOLL polls by itself, and a pipe or socket read fails with
// -EOPNOTSUPP on an IOPOLL ring). The two variants below are IOPOLL alone and IOPOLL with the
// library's default flags (SINGLE_ISSUER | DEFER_TASKRUN ... where the kernel takes them).
#include <fcntl.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>

#include "support/helpers.hpp"

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

constexpr unsigned kBlock = 4096;

// The polled block device to read, or "" after saying why there is none: $RAWURING_IOPOLL_DEV,
// else /dev/nullb0, and only if its queue says it polls (/sys/block/<dev>/queue/io_poll is 1;
// without poll queues the kernel fails every read with -EOPNOTSUPP).
std::string polled_device() {
  const char* env = std::getenv("RAWURING_IOPOLL_DEV");
  const std::string dev = env && *env ? env : "/dev/nullb0";
  struct stat st {};
  if (::stat(dev.c_str(), &st) != 0 || !S_ISBLK(st.st_mode)) {
    test::unsupported(
        "IOPOLL: no polled block device (null_blk with poll_queues); the vm guests load one");
    return "";
  }
  const std::string name = dev.substr(dev.rfind('/') + 1);
  std::ifstream io_poll("/sys/block/" + name + "/queue/io_poll");
  int polls = 0;
  if (!(io_poll >> polls) || polls != 1) {
    test::unsupported("IOPOLL: " + dev + " has no poll queues (/sys/block/" + name +
                      "/queue/io_poll is not 1)");
    return "";
  }
  return dev;
}

struct FreeDeleter {
  void operator()(void* p) const { std::free(p); }
};

void queue_read(uring::Ring& ring, int fd, unsigned char* buf, std::uint64_t offset,
                std::uint64_t id) {
  io_uring_sqe& sqe = test::sqe_of(ring);
  uring::prep_read(sqe, fd, buf, kBlock, offset);
  sqe.user_data = id;
}

// The three ways to reap on an IOPOLL ring, one read each.
void reap_three_ways(uring::Ring& ring, int fd, unsigned char* buf) {
  REQUIRE((ring.flags() & IORING_SETUP_IOPOLL) != 0);

  // (a) submit(), then poll_cqe until the CQE is there (2 s at most). This is the path that only
  // works if the library enters to reap: nothing else ever moves the read's CQE into the CQ.
  queue_read(ring, fd, buf, 0, 11);
  REQUIRE(ring.submit() == 1);
  io_uring_cqe* cqe = nullptr;
  int ret = -EAGAIN;
  const auto end = Clock::now() + 2s;
  unsigned tries = 0;
  while (ret == -EAGAIN && Clock::now() < end) {
    ret = ring.poll_cqe(&cqe);
    ++tries;
  }
  INFO("poll_cqe after " << tries << " tries");
  REQUIRE(ret == 0);
  CHECK(cqe->user_data == 11);
  CHECK(cqe->res == static_cast<int>(kBlock));
  ring.cqe_seen(cqe);

  // (b) submit_and_wait(1): submits the read and returns with its CQE in the CQ.
  queue_read(ring, fd, buf + kBlock, kBlock, 12);
  REQUIRE(ring.submit_and_wait(1) == 1);
  cqe = ring.peek_cqe();
  REQUIRE(cqe != nullptr);
  CHECK(cqe->user_data == 12);
  CHECK(cqe->res == static_cast<int>(kBlock));
  ring.cqe_seen(cqe);

  // (c) submit(), then wait_cqe (bounded: 2 s).
  queue_read(ring, fd, buf, kBlock, 13);
  REQUIRE(ring.submit() == 1);
  __kernel_timespec ts{2, 0};
  cqe = nullptr;
  REQUIRE(ring.wait_cqe(&cqe, &ts) == 0);
  CHECK(cqe->user_data == 13);
  CHECK(cqe->res == static_cast<int>(kBlock));
  ring.cqe_seen(cqe);

  // Three reads, three CQEs, nothing more.
  CHECK(ring.peek_cqe() == nullptr);
}

}  // namespace

TEST_CASE("IOPOLL: polled O_DIRECT reads are reaped by submit/poll_cqe, submit_and_wait, wait_cqe",
          "[iopoll]") {
  const std::string dev = polled_device();
  if (dev.empty()) return;
  test::Fd fd(::open(dev.c_str(), O_RDONLY | O_DIRECT | O_CLOEXEC));
  const int open_errno = errno;
  INFO("open " << dev << ": " << (fd.get() >= 0 ? "ok" : std::strerror(open_errno)));
  REQUIRE(fd.get() >= 0);
  void* mem = nullptr;
  REQUIRE(::posix_memalign(&mem, kBlock, 2 * kBlock) == 0);
  std::unique_ptr<void, FreeDeleter> owned(mem);
  auto* buf = static_cast<unsigned char*>(mem);
  std::memset(buf, 0xAA, 2 * kBlock);

  SECTION("IOPOLL alone") {
    uring::Params p;
    p.flags = IORING_SETUP_IOPOLL;
    p.default_flags = false;
    p.register_ring_fd = false;
    auto ring = test::make_ring(p);
    reap_three_ways(ring, fd.get(), buf);
  }
  SECTION("IOPOLL with the default flags (DEFER_TASKRUN, SINGLE_ISSUER where taken)") {
    uring::Params p;
    p.flags = IORING_SETUP_IOPOLL;
    auto ring = test::make_ring(p);
    INFO("setup flags 0x" << std::hex << ring.flags());
    reap_three_ways(ring, fd.get(), buf);
  }
}
