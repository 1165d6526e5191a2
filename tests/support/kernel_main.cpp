// Entry point of the `kernel` suite: every test here talks to the real kernel. Where io_uring
// cannot be had the whole executable reports SKIP (exit 77, Meson's skip code) with the reason
// instead of passing without having tested anything, or failing for a reason that is not the
// library's. Each of the three system calls is tried, since a seccomp profile can deny any one of
// them (a container runtime's default denies all three; a hand-written one may allow setup and deny
// enter or register): io_uring_setup, one NOP through io_uring_enter and back, and
// IORING_REGISTER_PROBE through io_uring_register. Raw system calls, not the library, so that a
// library bug shows up as a failing test rather than as a SKIP.
#define CATCH_CONFIG_RUNNER
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cstdio>
#include <cstring>

#include "syscalls/syscalls.hpp"

namespace {

const char* why(int err) {
  switch (-err) {
    case ENOSYS: return "kernel built without io_uring, or a seccomp filter";
    case EPERM: return "disabled by kernel.io_uring_disabled or a seccomp filter";
    case EACCES: return "refused by a security module or seccomp filter";
    default: return "unexpected";
  }
}

// An mmap of the ring fd, unmapped on scope exit.
struct Map {
  void* p = MAP_FAILED;
  std::size_t size = 0;
  Map(int fd, std::size_t n, off_t offset) : size(n) {
    p = ::mmap(nullptr, n, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, offset);
  }
  ~Map() {
    if (p != MAP_FAILED) ::munmap(p, size);
  }
  bool ok() const { return p != MAP_FAILED; }
  template <class T>
  T* at(unsigned off) const {
    return reinterpret_cast<T*>(static_cast<char*>(p) + off);
  }
};

// One NOP (user_data 0x5eed) submitted and reaped on a fresh 1-entry ring. Returns 0, or a
// description of what failed in `what` and its -errno (or 1 for a wrong answer).
int nop_round_trip(int fd, const io_uring_params& p, const char** what) {
  const std::size_t sq_size = p.sq_off.array + p.sq_entries * sizeof(unsigned);
  const std::size_t cq_size = p.cq_off.cqes + p.cq_entries * sizeof(io_uring_cqe);
  const bool single = p.features & IORING_FEAT_SINGLE_MMAP;
  Map sq(fd, single && cq_size > sq_size ? cq_size : sq_size, IORING_OFF_SQ_RING);
  Map cq(fd, single ? 0 : cq_size, IORING_OFF_CQ_RING);
  Map sqes(fd, p.sq_entries * sizeof(io_uring_sqe), IORING_OFF_SQES);
  if (!sq.ok() || (!single && !cq.ok()) || !sqes.ok()) {
    *what = "mmap of the rings";
    return -errno;
  }
  const Map& c = single ? sq : cq;
  io_uring_sqe* sqe = sqes.at<io_uring_sqe>(0);
  std::memset(sqe, 0, sizeof *sqe);
  sqe->opcode = IORING_OP_NOP;
  sqe->user_data = 0x5eed;
  sq.at<unsigned>(p.sq_off.array)[0] = 0;
  std::atomic_ref<unsigned> tail(*sq.at<unsigned>(p.sq_off.tail));
  tail.store(tail.load(std::memory_order_relaxed) + 1, std::memory_order_release);
  const int ret = uring::sys::io_uring_enter(fd, 1, 1, IORING_ENTER_GETEVENTS, nullptr);
  if (ret < 0) {
    *what = "io_uring_enter (one NOP)";
    return ret;
  }
  const unsigned head = *c.at<unsigned>(p.cq_off.head);
  const unsigned cq_tail =
      std::atomic_ref<unsigned>(*c.at<unsigned>(p.cq_off.tail)).load(std::memory_order_acquire);
  const io_uring_cqe& cqe = c.at<io_uring_cqe>(p.cq_off.cqes)[head & (p.cq_entries - 1)];
  if (ret != 1 || cq_tail - head != 1 || cqe.user_data != 0x5eed || cqe.res != 0) {
    *what = "io_uring_enter (one NOP): wrong answer";
    return 1;
  }
  return 0;
}

// 0 when all three system calls work, else 77 after one SKIP line.
int io_uring_available() {
  io_uring_params p{};
  const int fd = uring::sys::io_uring_setup(1, &p);
  if (fd < 0) {
    std::printf("SKIP: io_uring unavailable: io_uring_setup answered %s (%s)\n", std::strerror(-fd),
                why(fd));
    return 77;
  }
  const char* what = "";
  int err = nop_round_trip(fd, p, &what);
  if (err == 0) {
    alignas(io_uring_probe) unsigned char
        buf[sizeof(io_uring_probe) + 8 * sizeof(io_uring_probe_op)] = {};
    const int r = uring::sys::io_uring_register(fd, IORING_REGISTER_PROBE, buf, 8);
    if (r < 0) what = "io_uring_register (IORING_REGISTER_PROBE)", err = r;
  }
  ::close(fd);
  if (err == 0) return 0;
  if (err > 0) {
    std::printf("SKIP: io_uring unusable: %s (setup worked)\n", what);
  } else {
    std::printf("SKIP: io_uring unavailable: %s answered %s (%s; setup worked)\n", what,
                std::strerror(-err), why(err));
  }
  return 77;
}

}  // namespace

int main(int argc, char** argv) {
  if (const int skip = io_uring_available(); skip != 0) return skip;
  return Catch::Session().run(argc, argv);
}
