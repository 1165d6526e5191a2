// Files on the running kernel, in every ring mode, on a temporary directory: open, write,
// fsync, read, statx, fallocate, ftruncate, fadvise, sync_file_range, close, open into a direct
// slot and I/O through it, the *at family and extended attributes.
#include <fcntl.h>
#include <linux/openat2.h>
#include <linux/stat.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include "ops_helpers.hpp"

namespace {

// A fresh directory under /tmp, removed (with what the test left in it) on scope exit.
struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/rawuring-ops-XXXXXX";
    REQUIRE(::mkdtemp(tmpl) != nullptr);
    path = tmpl;
  }
  ~TempDir() { std::system(("rm -rf '" + path + "'").c_str()); }
  std::string operator/(const char* name) const { return path + "/" + name; }
};

off_t size_of(int fd) {
  struct stat st {};
  REQUIRE(::fstat(fd, &st) == 0);
  return st.st_size;
}

}  // namespace

TEST_CASE("open, write, fsync, read, statx, fallocate, ftruncate, close", "[ops][fs]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto ring = test::make_ring(mode, 8);
  TempDir dir;
  const std::string file = dir / "data";
  const int fd = ops::run(ring, [&](io_uring_sqe& s) {
    uring::prep_openat(s, AT_FDCWD, file.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600);
  });
  REQUIRE(fd >= 0);
  test::Fd owned(fd);

  CHECK(ops::run(ring, [&](io_uring_sqe& s) { uring::prep_write(s, fd, "hello world", 11, 0); }) ==
        11);
  CHECK(ops::run(ring, [&](io_uring_sqe& s) { uring::prep_fsync(s, fd, 0); }) == 0);
  CHECK(ops::run(ring, [&](io_uring_sqe& s) { uring::prep_fsync(s, fd, IORING_FSYNC_DATASYNC); }) ==
        0);
  CHECK(ops::run(ring, [&](io_uring_sqe& s) {
          uring::prep_sync_file_range(s, fd, 11, 0, SYNC_FILE_RANGE_WRITE);
        }) == 0);
  char buf[32] = {};
  CHECK(ops::run(ring, [&](io_uring_sqe& s) { uring::prep_read(s, fd, buf, sizeof buf, 6); }) == 5);
  CHECK(std::string(buf, 5) == "world");
  // readv into two pieces from offset 0.
  char h[5], w[6];
  iovec iov[2] = {{h, 5}, {w, 6}};
  CHECK(ops::run(ring, [&](io_uring_sqe& s) { uring::prep_readv(s, fd, iov, 2, 0); }) == 11);
  CHECK(std::string(h, 5) + std::string(w, 6) == "hello world");

  struct statx stx {};
  CHECK(ops::run(ring, [&](io_uring_sqe& s) {
          uring::prep_statx(s, AT_FDCWD, file.c_str(), 0, STATX_SIZE | STATX_MODE, &stx);
        }) == 0);
  CHECK(stx.stx_size == 11);
  CHECK((stx.stx_mode & 0777) == 0600);
  CHECK((stx.stx_mask & STATX_SIZE) != 0);

  CHECK(ops::run(ring, [&](io_uring_sqe& s) { uring::prep_fallocate(s, fd, 0, 0, 4096); }) == 0);
  CHECK(size_of(fd) == 4096);
  CHECK(ops::run(ring, [&](io_uring_sqe& s) {
          uring::prep_fadvise(s, fd, 0, 4096, POSIX_FADV_SEQUENTIAL);
        }) == 0);
  if (ops::has(ring, IORING_OP_FTRUNCATE, "IORING_OP_FTRUNCATE", "6.9")) {
    CHECK(ops::run(ring, [&](io_uring_sqe& s) { uring::prep_ftruncate(s, fd, 5); }) == 0);
    CHECK(size_of(fd) == 5);
  }
  CHECK(ops::run(ring, [&](io_uring_sqe& s) { uring::prep_close(s, fd); }) == 0);
  owned.fd = -1;
  CHECK(::fcntl(fd, F_GETFD) == -1);  // really closed
}

TEST_CASE("open into a direct slot; read and write through the FixedFile; close_direct",
          "[ops][fs]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto ring = test::make_ring(mode, 8);
  REQUIRE(uring::register_files_sparse(ring, 4) == 0);
  TempDir dir;
  const std::string file = dir / "direct";
  CHECK(ops::run(ring, [&](io_uring_sqe& s) {
          uring::prep_openat_direct(s, AT_FDCWD, file.c_str(), O_CREAT | O_RDWR, 0600,
                                    uring::DirectSlot(1));
        }) == 0);
  CHECK(ops::run(ring, [](io_uring_sqe& s) {
          uring::prep_write(s, uring::FixedFile(1), "slot one", 8, 0);
        }) == 8);
  CHECK(ops::run(ring, [](io_uring_sqe& s) { uring::prep_fsync(s, uring::FixedFile(1), 0); }) == 0);
  char buf[16] = {};
  CHECK(ops::run(ring, [&](io_uring_sqe& s) {
          uring::prep_read(s, uring::FixedFile(1), buf, sizeof buf, 0);
        }) == 8);
  CHECK(std::string(buf, 8) == "slot one");
  // ALLOC picks a free slot and returns it. Not the lowest free one (0): the search starts at
  // the table's allocation hint, which installing into slot 1 moved to 2 (io_file_bitmap_set).
  CHECK(ops::run(ring, [&](io_uring_sqe& s) {
          uring::prep_open_direct(s, file.c_str(), O_RDONLY, 0, uring::DirectSlot::alloc());
        }) == 2);
  CHECK(ops::run(ring, [](io_uring_sqe& s) { uring::prep_close_direct(s, uring::FixedFile(1)); }) ==
        0);
  CHECK(ops::run(ring, [&](io_uring_sqe& s) {
          uring::prep_read(s, uring::FixedFile(1), buf, sizeof buf, 0);
        }) == -EBADF);
  CHECK(ops::run(ring, [](io_uring_sqe& s) { uring::prep_close_direct(s, 1); }) == -EBADF);
}

TEST_CASE("mkdirat, renameat, linkat, symlinkat, unlinkat", "[ops][fs]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto ring = test::make_ring(mode, 8);
  TempDir dir;
  const std::string d = dir / "d", a = dir / "a", b = dir / "b", l = dir / "l", s = dir / "s";
  CHECK(ops::run(ring,
                 [&](io_uring_sqe& q) { uring::prep_mkdirat(q, AT_FDCWD, d.c_str(), 0700); }) == 0);
  CHECK(ops::run(ring, [&](io_uring_sqe& q) { uring::prep_mkdir(q, d.c_str(), 0700); }) == -EEXIST);
  test::Fd f(::open(a.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0600));
  REQUIRE(f.get() >= 0);
  CHECK(ops::run(ring, [&](io_uring_sqe& q) { uring::prep_rename(q, a.c_str(), b.c_str()); }) == 0);
  CHECK(::access(a.c_str(), F_OK) == -1);
  CHECK(::access(b.c_str(), F_OK) == 0);
  CHECK(ops::run(ring, [&](io_uring_sqe& q) { uring::prep_link(q, b.c_str(), l.c_str(), 0); }) ==
        0);
  struct stat st {};
  REQUIRE(::stat(b.c_str(), &st) == 0);
  CHECK(st.st_nlink == 2);
  CHECK(ops::run(ring, [&](io_uring_sqe& q) { uring::prep_symlink(q, "b", s.c_str()); }) == 0);
  char target[8] = {};
  CHECK(::readlink(s.c_str(), target, sizeof target) == 1);
  CHECK(target[0] == 'b');
  CHECK(ops::run(ring, [&](io_uring_sqe& q) { uring::prep_unlink(q, l.c_str(), 0); }) == 0);
  CHECK(ops::run(ring, [&](io_uring_sqe& q) {
          uring::prep_unlinkat(q, AT_FDCWD, d.c_str(), AT_REMOVEDIR);
        }) == 0);
  CHECK(ops::run(ring, [&](io_uring_sqe& q) { uring::prep_unlink(q, d.c_str(), 0); }) == -ENOENT);
}

TEST_CASE("setxattr / getxattr on a file in /tmp", "[ops][fs]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto ring = test::make_ring(mode, 8);
  TempDir dir;
  const std::string file = dir / "x";
  test::Fd f(::open(file.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600));
  REQUIRE(f.get() >= 0);
  const int set = ops::run(ring, [&](io_uring_sqe& q) {
    uring::prep_fsetxattr(q, f.get(), "user.rawuring", "v1", 0, 2);
  });
  if (set == -EOPNOTSUPP) {
    test::unsupported("user xattrs: the filesystem of /tmp has none");
    return;
  }
  CHECK(set == 0);
  char value[8] = {};
  CHECK(ops::run(ring, [&](io_uring_sqe& q) {
          uring::prep_getxattr(q, "user.rawuring", value, file.c_str(), sizeof value);
        }) == 2);
  CHECK(std::string(value, 2) == "v1");
  CHECK(ops::run(ring, [&](io_uring_sqe& q) {
          uring::prep_setxattr(q, "user.rawuring", "v22", file.c_str(), XATTR_REPLACE, 3);
        }) == 0);
  CHECK(ops::run(ring, [&](io_uring_sqe& q) {
          uring::prep_fgetxattr(q, f.get(), "user.rawuring", value, sizeof value);
        }) == 3);
  CHECK(std::string(value, 3) == "v22");
  CHECK(ops::run(ring, [&](io_uring_sqe& q) {
          uring::prep_fgetxattr(q, f.get(), "user.none", value, sizeof value);
        }) == -ENODATA);
}

TEST_CASE("openat2: RESOLVE_* honoured (a symlink refused with -ELOOP); openat2_direct",
          "[ops][fs]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto ring = test::make_ring(mode, 8);
  TempDir dir;
  const std::string file = dir / "real", link = dir / "link";
  test::Fd f(::open(file.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0600));
  REQUIRE(f.get() >= 0);
  REQUIRE(::symlink(file.c_str(), link.c_str()) == 0);
  open_how how{};
  how.flags = O_RDONLY | O_CLOEXEC;
  how.resolve = RESOLVE_NO_SYMLINKS;
  const int fd = ops::run(
      ring, [&](io_uring_sqe& s) { uring::prep_openat2(s, AT_FDCWD, file.c_str(), &how); });
  REQUIRE(fd >= 0);
  test::Fd owned(fd);
  CHECK(ops::run(ring, [&](io_uring_sqe& s) {
          uring::prep_openat2(s, AT_FDCWD, link.c_str(), &how);
        }) == -ELOOP);
  // Into a direct slot: O_CLOEXEC means nothing there and the kernel refuses it (-EINVAL).
  REQUIRE(uring::register_files_sparse(ring, 2) == 0);
  CHECK(ops::run(ring, [&](io_uring_sqe& s) {
          uring::prep_openat2_direct(s, AT_FDCWD, file.c_str(), &how, uring::DirectSlot(1));
        }) == -EINVAL);
  how.flags = O_RDONLY;
  CHECK(ops::run(ring, [&](io_uring_sqe& s) {
          uring::prep_openat2_direct(s, AT_FDCWD, file.c_str(), &how, uring::DirectSlot(1));
        }) == 0);
}
