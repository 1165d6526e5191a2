// Reads and writes on the running kernel, in every ring mode: vectored with and without RWF_*
// flags, into and from registered buffers (READ/WRITE_FIXED, READV/WRITEV_FIXED 6.15), and
// multishot reads from a pipe into provided buffers (6.7).
#include <fcntl.h>
#include <linux/loop.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "ops_helpers.hpp"
#include "syscalls/syscalls.hpp"

namespace {

test::Fd temp_file() {
  char tmpl[] = "/tmp/rawuring-rw-XXXXXX";
  test::Fd f(::mkostemp(tmpl, O_CLOEXEC));
  REQUIRE(f.get() >= 0);
  ::unlink(tmpl);
  return f;
}

std::string pread_all(int fd, std::size_t n) {
  std::string s(n, '\0');
  REQUIRE(::pread(fd, s.data(), n, 0) == static_cast<ssize_t>(n));
  return s;
}

// A loop block device over a temp file, attached for the test's lifetime and always detached.
// valid() false (after one SKIP line saying why) where loop devices are unavailable: no
// /dev/loop-control (no loop driver, or not root), or no free device.
class LoopDevice {
 public:
  explicit LoopDevice(const std::string& contents) {
    test::Fd control(::open("/dev/loop-control", O_RDWR | O_CLOEXEC));
    if (control.get() < 0) {
      std::printf("SKIP: no /dev/loop-control (%s)\n", std::strerror(errno));
      return;
    }
    backing_ = temp_file();
    REQUIRE(::pwrite(backing_.get(), contents.data(), contents.size(), 0) ==
            static_cast<ssize_t>(contents.size()));
    // Another process may take the free device between the two calls: try a few.
    for (int attempt = 0; attempt < 8 && dev_.get() < 0; ++attempt) {
      const int n = ::ioctl(control.get(), LOOP_CTL_GET_FREE);
      if (n < 0) break;
      path_ = "/dev/loop" + std::to_string(n);
      test::Fd dev(::open(path_.c_str(), O_RDWR | O_CLOEXEC));
      if (dev.get() < 0) continue;
      if (::ioctl(dev.get(), LOOP_SET_FD, backing_.get()) == 0) dev_ = std::move(dev);
    }
    if (dev_.get() < 0) std::printf("SKIP: no loop device could be attached\n");
  }
  ~LoopDevice() {
    if (dev_.get() >= 0) ::ioctl(dev_.get(), LOOP_CLR_FD, 0);
  }
  LoopDevice(const LoopDevice&) = delete;
  LoopDevice& operator=(const LoopDevice&) = delete;
  bool valid() const { return dev_.get() >= 0; }
  int fd() const { return dev_.get(); }

 private:
  test::Fd backing_;
  test::Fd dev_;
  std::string path_;
};

}  // namespace

TEST_CASE("writev / writev2 / readv2 at offsets", "[ops][rw]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto ring = test::make_ring(mode, 8);
  test::Fd f = temp_file();
  char a[] = "abc", b[] = "defgh";
  iovec out[2] = {{a, 3}, {b, 5}};
  CHECK(ops::run(ring, [&](io_uring_sqe& s) { uring::prep_writev(s, f.get(), out, 2, 0); }) == 8);
  CHECK(ops::run(ring, [&](io_uring_sqe& s) {
          uring::prep_writev2(s, f.get(), out, 1, 8, RWF_DSYNC);
        }) == 3);
  CHECK(pread_all(f.get(), 11) == "abcdefghabc");
  char x[4] = {}, y[4] = {};
  iovec in[2] = {{x, 4}, {y, 4}};
  CHECK(ops::run(ring, [&](io_uring_sqe& s) { uring::prep_readv2(s, f.get(), in, 2, 2, 0); }) == 8);
  CHECK(std::string(x, 4) + std::string(y, 4) == "cdefghab");
  // An unknown RWF_* bit: the kernel's -EOPNOTSUPP.
  CHECK(ops::run(ring, [&](io_uring_sqe& s) {
          uring::prep_readv2(s, f.get(), in, 2, 0, 1 << 30);
        }) == -EOPNOTSUPP);
}

TEST_CASE("read_fixed / write_fixed through a registered buffer", "[ops][rw]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto ring = test::make_ring(mode, 8);
  test::Fd f = temp_file();
  alignas(64) static char area[256];
  std::memset(area, 0, sizeof area);
  iovec reg{area, sizeof area};
  REQUIRE(uring::sys::io_uring_register(ring.fd(), IORING_REGISTER_BUFFERS, &reg, 1) == 0);
  std::memcpy(area + 16, "fixedbuf", 8);
  CHECK(ops::run(ring, [&](io_uring_sqe& s) {
          uring::prep_write_fixed(s, f.get(), area + 16, 8, 0, 0);
        }) == 8);
  CHECK(pread_all(f.get(), 8) == "fixedbuf");
  CHECK(ops::run(ring, [&](io_uring_sqe& s) {
          uring::prep_read_fixed(s, f.get(), area + 100, 5, 3, 0);
        }) == 5);
  CHECK(std::string(area + 100, 5) == "edbuf");
  // Outside the registered buffer: -EFAULT.
  static char elsewhere[8];
  CHECK(ops::run(ring, [&](io_uring_sqe& s) {
          uring::prep_read_fixed(s, f.get(), elsewhere, 8, 0, 0);
        }) == -EFAULT);

  if (!ops::has(ring, IORING_OP_READV_FIXED, "IORING_OP_READV_FIXED", "6.15")) return;
  iovec parts[2] = {{area + 16, 5}, {area + 21, 3}};  // "fixed" "buf"
  CHECK(ops::run(ring, [&](io_uring_sqe& s) {
          uring::prep_writev_fixed(s, f.get(), parts, 2, 8, 0, 0);
        }) == 8);
  CHECK(pread_all(f.get(), 16) == "fixedbuffixedbuf");
  std::memset(area + 128, 0, 16);
  iovec back[2] = {{area + 128, 4}, {area + 132, 4}};
  CHECK(ops::run(ring, [&](io_uring_sqe& s) {
          uring::prep_readv_fixed(s, f.get(), back, 2, 4, 0, 0);
        }) == 8);
  CHECK(std::string(area + 128, 8) == "dbuffixe");
}

TEST_CASE("read_multishot: a CQE per pipe write into provided buffers, then EOF", "[ops][rw]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto ring = test::make_ring(mode, 8);
  if (!ops::has(ring, IORING_OP_READ_MULTISHOT, "IORING_OP_READ_MULTISHOT", "6.7")) return;
  test::Pipe p;
  static char bufs[4][16];
  CHECK(ops::run(ring,
                 [](io_uring_sqe& s) { uring::prep_provide_buffers(s, bufs, 16, 4, 3, 0); }) == 0);
  ops::queue(ring, 0x4d,
             [&](io_uring_sqe& s) { uring::prep_read_multishot(s, p.read.get(), 0, 0, 3); });
  ops::submit(ring, 1);
  ops::none_ready(ring);
  for (const std::string m : {"data", "more!"}) {
    REQUIRE(::write(p.write.get(), m.data(), m.size()) == static_cast<ssize_t>(m.size()));
    const test::Cqe c = test::wait_one(ring);
    CHECK(c.user_data == 0x4d);
    REQUIRE(c.res == static_cast<int>(m.size()));
    CHECK((c.flags & IORING_CQE_F_MORE) != 0);
    REQUIRE((c.flags & IORING_CQE_F_BUFFER) != 0);
    const unsigned bid = c.flags >> IORING_CQE_BUFFER_SHIFT;
    REQUIRE(bid < 4);
    CHECK(std::string(bufs[bid], m.size()) == m);
  }
  // The writer goes away: a last CQE with res 0 (EOF) and no F_MORE.
  p.write = test::Fd();
  const test::Cqe eof = test::wait_one(ring);
  CHECK(eof.user_data == 0x4d);
  CHECK(eof.res == 0);
  CHECK((eof.flags & IORING_CQE_F_MORE) == 0);
}

TEST_CASE("cmd_discard on a loop device: res 0, the range reads back as zeros", "[ops][rw][cmd]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto ring = test::make_ring(mode, 8);
  if (!ops::has(ring, IORING_OP_URING_CMD, "IORING_OP_URING_CMD", "5.19")) return;
  constexpr std::size_t kSize = 64 * 1024, kOff = 4096, kLen = 8192;
  std::string contents(kSize, '\0');
  for (std::size_t i = 0; i < kSize; ++i) contents[i] = static_cast<char>('a' + i % 26);
  LoopDevice loop(contents);
  if (!loop.valid()) return;
  const int res =
      ops::run(ring, [&](io_uring_sqe& s) { uring::prep_cmd_discard(s, loop.fd(), kOff, kLen); });
  if (test::kernel_version() < 612) {
    // Block devices gained a uring_cmd handler (BLOCK_URING_CMD_DISCARD) in 6.12.
    test::older_kernel("BLOCK_URING_CMD_DISCARD: -EOPNOTSUPP before 6.12");
    CHECK(res == -EOPNOTSUPP);
    return;
  }
  REQUIRE(res == 0);
  std::string after(kSize, '\1');
  REQUIRE(::pread(loop.fd(), after.data(), kSize, 0) == static_cast<ssize_t>(kSize));
  CHECK(after.substr(0, kOff) == contents.substr(0, kOff));
  CHECK(after.substr(kOff, kLen) == std::string(kLen, '\0'));
  CHECK(after.substr(kOff + kLen) == contents.substr(kOff + kLen));
  // A range that is not a multiple of the 512-byte logical block: refused before any I/O.
  CHECK(ops::run(ring, [&](io_uring_sqe& s) {
          uring::prep_cmd_discard(s, loop.fd(), kOff + 1, kLen);
        }) == -EINVAL);
}
