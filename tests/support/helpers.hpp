// Small helpers shared by the kernel tests: owned fds, rings that must be created, CQE collection.
#pragma once

#include <fcntl.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "uring/uring.hpp"

namespace test {

// An fd closed on scope exit.
struct Fd {
  int fd = -1;
  Fd() = default;
  explicit Fd(int f) : fd(f) {}
  Fd(Fd&& o) noexcept : fd(o.fd) { o.fd = -1; }
  Fd& operator=(Fd&& o) noexcept {
    std::swap(fd, o.fd);
    return *this;
  }
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
  int get() const { return fd; }
};

struct Pipe {
  Fd read, write;
  Pipe() {
    int p[2];
    REQUIRE(::pipe2(p, O_CLOEXEC) == 0);
    read = Fd(p[0]);
    write = Fd(p[1]);
  }
};

// A ring the test cannot go on without.
inline uring::Ring make_ring(const uring::Params& p) {
  auto r = uring::Ring::create(p);
  INFO("Ring::create errno " << -r.error());
  REQUIRE(r.ok());
  return r.take();
}

inline uring::Ring make_ring(unsigned entries = 8) {
  uring::Params p;
  p.entries = entries;
  return make_ring(p);
}

// A plain ring: exactly the flags given, no defaults, no registered fd.
inline uring::Ring make_plain_ring(unsigned entries = 8, unsigned flags = 0) {
  uring::Params p;
  p.entries = entries;
  p.flags = flags;
  p.default_flags = false;
  p.register_ring_fd = false;
  return make_ring(p);
}

inline io_uring_sqe& sqe_of(uring::Ring& ring) {
  io_uring_sqe* sqe = ring.get_sqe();
  REQUIRE(sqe != nullptr);
  return *sqe;
}

struct Cqe {
  std::uint64_t user_data;
  std::int32_t res;
  std::uint32_t flags;
};

// Waits for one CQE (1 s at most), copies it out and consumes it.
template <class R = uring::Ring>
Cqe wait_one(R& ring) {
  __kernel_timespec ts{1, 0};
  io_uring_cqe* cqe = nullptr;
  const int ret = ring.wait_cqe(&cqe, &ts);
  REQUIRE(ret == 0);
  Cqe c{cqe->user_data, cqe->res, cqe->flags};
  ring.cqe_seen();
  return c;
}

// Everything ready now (after one enter to flush held-back completions).
template <class R = uring::Ring>
std::vector<Cqe> drain(R& ring) {
  std::vector<Cqe> out;
  REQUIRE(ring.get_events() == 0);
  ring.for_each_cqe([&](const io_uring_cqe& c) { out.push_back({c.user_data, c.res, c.flags}); });
  return out;
}

// ---- per-kernel answers (the kernel matrix, docs/kernels.md) ----------------------------------

// The running kernel's release as major * 100 + minor (6.1 -> 601), from uname.
inline int kernel_version() {
  utsname u{};
  ::uname(&u);
  int major = 0, minor = 0;
  std::sscanf(u.release, "%d.%d", &major, &minor);
  return major * 100 + minor;
}

inline std::string kernel_name() {
  const int v = kernel_version();
  return std::to_string(v / 100) + "." + std::to_string(v % 100);
}

// A test took the "this kernel lacks it" path and asserted the library's clear error there. One
// line `UNSUPPORTED: <what>` on stdout; tests/vm/run and .ci/run list them per kernel.
inline void unsupported(const std::string& what) {
  std::printf("UNSUPPORTED: %s (kernel %s)\n", what.c_str(), kernel_name().c_str());
  std::fflush(stdout);
}

// A test asserted an older kernel's answer where it differs from the newest measured one
// (kernel-facts.md was measured on 6.18). One line `OLDER-KERNEL: <what>`, listed like the above.
inline void older_kernel(const std::string& what) {
  std::printf("OLDER-KERNEL: %s (kernel %s)\n", what.c_str(), kernel_name().c_str());
  std::fflush(stdout);
}

}  // namespace test
