// rawuring's prep functions against liburing's, byte for byte. Both sides start from the same
// garbage-filled SQE (so a field one side forgets to write shows up) and get the same randomised
// arguments, 4000 rounds per op, fixed seed (a failure names the round and reproduces).
//
// Table-driven: liburing_side.cpp lists every io_uring_prep_* of the installed liburing (73 in
// 2.3, io_uring_prep_rw included), kOurs below the rawuring prep of the same name; the test
// requires the two lists to be the same size and every liburing name to have a rawuring twin.
// Where a rawuring prep has a FixedFile form, that form is compared too (liburing's bytes plus
// IOSQE_FIXED_FILE). Preps newer than 2.3 are pinned by goldens in tests/unit/prep_test.cpp.
//
// liburing 2.3 (Debian 12) lacks io_uring_prep_msg_ring_cqe_flags, _msg_ring_fd and
// _msg_ring_fd_alloc: those are compared with encodings written out here from the field map in
// docs/msg-ring.md (byte offsets of include/uapi/linux/io_uring.h), over the same random arguments.
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <catch2/catch.hpp>
#include <cstring>
#include <random>

#include "liburing_side.hpp"
#include "uring/prep.hpp"

namespace {

constexpr int kRounds = 4000;

struct Sqe {
  std::uint8_t b[64];
};

// The SQE both sides start from: random bytes, including user_data (which both must keep).
Sqe garbage(std::mt19937_64& rng) {
  Sqe s;
  for (std::size_t i = 0; i < 64; i += 8) {
    const std::uint64_t v = rng();
    std::memcpy(s.b + i, &v, 8);
  }
  return s;
}

// Runs one of our prep functions on the bytes (copied in and out: no aliasing of the byte array).
template <class F>
void ours(Sqe& s, F prep) {
  io_uring_sqe sqe;
  std::memcpy(&sqe, s.b, sizeof sqe);
  prep(sqe);
  std::memcpy(s.b, &sqe, sizeof sqe);
}

// Arguments that reach the edges often: 0, -1, all ones, ALLOC, small values, anything.
std::uint64_t arg(std::mt19937_64& rng) {
  switch (rng() % 6) {
    case 0: return 0;
    case 1: return ~std::uint64_t{0};
    case 2: return IORING_FILE_INDEX_ALLOC;
    case 3: return rng() % 16;
    case 4: return static_cast<std::uint32_t>(rng());
    default: return rng();
  }
}

void require_same(const Sqe& a, const Sqe& b, int round, const char* op) {
  if (std::memcmp(a.b, b.b, 64) == 0) return;  // the common case, without 64 assertions
  for (int i = 0; i < 64; ++i) {
    INFO(op << " round " << round << " byte " << i);
    REQUIRE(a.b[i] == b.b[i]);
  }
}

template <class T>
void put(Sqe& s, std::size_t off, T v) {
  std::memcpy(s.b + off, &v, sizeof v);
}

// The field map: everything zero but user_data (kept), then the op's fields at their offsets.
Sqe golden(const Sqe& start, std::uint8_t opcode, std::int32_t fd, std::uint64_t off,
           std::uint64_t addr, std::uint32_t len, std::uint32_t msg_flags, std::uint32_t file_index,
           std::uint64_t addr3) {
  Sqe g{};
  std::memcpy(g.b + 32, start.b + 32, 8);  // user_data
  put(g, 0, opcode);
  put(g, 4, fd);
  put(g, 8, off);
  put(g, 16, addr);
  put(g, 24, len);
  put(g, 28, msg_flags);
  put(g, 44, file_index);
  put(g, 48, addr3);
  return g;
}

// The rawuring side of each case: the same arguments, converted the same way as liburing_side.cpp.
int i32(std::uint64_t v) { return static_cast<int>(static_cast<std::int64_t>(v)); }
unsigned u32(std::uint64_t v) { return static_cast<unsigned>(v); }
template <class T>
T* ptr(std::uint64_t v) {
  return reinterpret_cast<T*>(static_cast<std::uintptr_t>(v));
}

using OurPrep = void (*)(io_uring_sqe&, const std::uint64_t*);

struct OurCase {
  const char* name;
  OurPrep prep;
  // The FixedFile form with args[0] as the slot (null when the prep has none): must equal
  // liburing's prep on the same number plus IOSQE_FIXED_FILE.
  OurPrep fixed;
  // The argument holding a *_direct prep's file_index: liburing 2.3 encodes
  // IORING_FILE_INDEX_ALLOC there as ALLOC + 1 = 0 ("not direct"), 2.4 and later keep ALLOC
  // (rawuring's encoding). -1: none.
  int alloc_arg;
};

#define OURS(name, ...)                         \
  [](io_uring_sqe& q, const std::uint64_t* a) { \
    (void)a;                                    \
    uring::prep_##name(q, __VA_ARGS__);         \
  }
#define FIXED(name, ...)                                             \
  [](io_uring_sqe& q, const std::uint64_t* a) {                      \
    uring::prep_##name(q, uring::FixedFile(u32(a[0])), __VA_ARGS__); \
  }

const OurCase kOurs[] = {
    {"rw",
     [](io_uring_sqe& q, const std::uint64_t* a) {
       uring::prep_rw(q, static_cast<std::uint8_t>(a[0]), i32(a[1]), a[2], u32(a[3]), a[4]);
     },
     nullptr, -1},
    {"splice",
     OURS(splice, i32(a[0]), static_cast<std::int64_t>(a[1]), i32(a[2]),
          static_cast<std::int64_t>(a[3]), u32(a[4]), u32(a[5])),
     nullptr, -1},
    {"tee", OURS(tee, i32(a[0]), i32(a[1]), u32(a[2]), u32(a[3])), nullptr, -1},
    {"readv", OURS(readv, i32(a[0]), ptr<const iovec>(a[1]), u32(a[2]), a[3]),
     FIXED(readv, ptr<const iovec>(a[1]), u32(a[2]), a[3]), -1},
    {"readv2", OURS(readv2, i32(a[0]), ptr<const iovec>(a[1]), u32(a[2]), a[3], i32(a[4])),
     FIXED(readv2, ptr<const iovec>(a[1]), u32(a[2]), a[3], i32(a[4])), -1},
    {"read_fixed", OURS(read_fixed, i32(a[0]), ptr<void>(a[1]), u32(a[2]), a[3], i32(a[4])),
     FIXED(read_fixed, ptr<void>(a[1]), u32(a[2]), a[3], i32(a[4])), -1},
    {"writev", OURS(writev, i32(a[0]), ptr<const iovec>(a[1]), u32(a[2]), a[3]),
     FIXED(writev, ptr<const iovec>(a[1]), u32(a[2]), a[3]), -1},
    {"writev2", OURS(writev2, i32(a[0]), ptr<const iovec>(a[1]), u32(a[2]), a[3], i32(a[4])),
     FIXED(writev2, ptr<const iovec>(a[1]), u32(a[2]), a[3], i32(a[4])), -1},
    {"write_fixed", OURS(write_fixed, i32(a[0]), ptr<const void>(a[1]), u32(a[2]), a[3], i32(a[4])),
     FIXED(write_fixed, ptr<const void>(a[1]), u32(a[2]), a[3], i32(a[4])), -1},
    {"recvmsg", OURS(recvmsg, i32(a[0]), ptr<msghdr>(a[1]), u32(a[2])),
     FIXED(recvmsg, ptr<msghdr>(a[1]), u32(a[2])), -1},
    {"recvmsg_multishot", OURS(recvmsg_multishot, i32(a[0]), ptr<msghdr>(a[1]), u32(a[2])),
     FIXED(recvmsg_multishot, ptr<msghdr>(a[1]), u32(a[2])), -1},
    {"sendmsg", OURS(sendmsg, i32(a[0]), ptr<const msghdr>(a[1]), u32(a[2])),
     FIXED(sendmsg, ptr<const msghdr>(a[1]), u32(a[2])), -1},
    {"poll_add", OURS(poll_add, i32(a[0]), u32(a[1])), FIXED(poll_add, u32(a[1])), -1},
    {"poll_multishot", OURS(poll_multishot, i32(a[0]), u32(a[1])), FIXED(poll_multishot, u32(a[1])),
     -1},
    {"poll_remove", OURS(poll_remove, a[0]), nullptr, -1},
    {"poll_update", OURS(poll_update, a[0], a[1], u32(a[2]), u32(a[3])), nullptr, -1},
    {"fsync", OURS(fsync, i32(a[0]), u32(a[1])), FIXED(fsync, u32(a[1])), -1},
    {"nop", [](io_uring_sqe& q, const std::uint64_t*) { uring::prep_nop(q); }, nullptr, -1},
    {"timeout", OURS(timeout, ptr<const __kernel_timespec>(a[0]), u32(a[1]), u32(a[2])), nullptr,
     -1},
    {"timeout_remove", OURS(timeout_remove, a[0], u32(a[1])), nullptr, -1},
    {"timeout_update", OURS(timeout_update, ptr<const __kernel_timespec>(a[0]), a[1], u32(a[2])),
     nullptr, -1},
    {"accept", OURS(accept, i32(a[0]), ptr<sockaddr>(a[1]), ptr<socklen_t>(a[2]), i32(a[3])),
     FIXED(accept, ptr<sockaddr>(a[1]), ptr<socklen_t>(a[2]), i32(a[3])), -1},
    {"accept_direct",
     OURS(accept_direct, i32(a[0]), ptr<sockaddr>(a[1]), ptr<socklen_t>(a[2]), i32(a[3]),
          u32(a[4])),
     FIXED(accept_direct, ptr<sockaddr>(a[1]), ptr<socklen_t>(a[2]), i32(a[3]), u32(a[4])), 4},
    {"multishot_accept",
     OURS(multishot_accept, i32(a[0]), ptr<sockaddr>(a[1]), ptr<socklen_t>(a[2]), i32(a[3])),
     FIXED(multishot_accept, ptr<sockaddr>(a[1]), ptr<socklen_t>(a[2]), i32(a[3])), -1},
    {"multishot_accept_direct",
     OURS(multishot_accept_direct, i32(a[0]), ptr<sockaddr>(a[1]), ptr<socklen_t>(a[2]), i32(a[3])),
     FIXED(multishot_accept_direct, ptr<sockaddr>(a[1]), ptr<socklen_t>(a[2]), i32(a[3])), -1},
    {"cancel64", OURS(cancel64, a[0], i32(a[1])), nullptr, -1},
    {"cancel", OURS(cancel, ptr<const void>(a[0]), i32(a[1])), nullptr, -1},
    {"cancel_fd", OURS(cancel_fd, i32(a[0]), u32(a[1])), nullptr, -1},
    {"link_timeout", OURS(link_timeout, ptr<const __kernel_timespec>(a[0]), u32(a[1])), nullptr,
     -1},
    {"connect", OURS(connect, i32(a[0]), ptr<const sockaddr>(a[1]), u32(a[2])),
     FIXED(connect, ptr<const sockaddr>(a[1]), u32(a[2])), -1},
    {"files_update", OURS(files_update, ptr<int>(a[0]), u32(a[1]), i32(a[2])), nullptr, -1},
    {"fallocate", OURS(fallocate, i32(a[0]), i32(a[1]), a[2], a[3]),
     FIXED(fallocate, i32(a[1]), a[2], a[3]), -1},
    {"openat", OURS(openat, i32(a[0]), ptr<const char>(a[1]), i32(a[2]), u32(a[3])), nullptr, -1},
    {"openat_direct",
     OURS(openat_direct, i32(a[0]), ptr<const char>(a[1]), i32(a[2]), u32(a[3]), u32(a[4])),
     nullptr, 4},
    {"close", OURS(close, i32(a[0])), nullptr, -1},
    {"close_direct", OURS(close_direct, u32(a[0])), nullptr, -1},
    {"read", OURS(read, i32(a[0]), ptr<void>(a[1]), u32(a[2]), a[3]),
     FIXED(read, ptr<void>(a[1]), u32(a[2]), a[3]), -1},
    {"write", OURS(write, i32(a[0]), ptr<const void>(a[1]), u32(a[2]), a[3]),
     FIXED(write, ptr<const void>(a[1]), u32(a[2]), a[3]), -1},
    {"statx",
     OURS(statx, i32(a[0]), ptr<const char>(a[1]), i32(a[2]), u32(a[3]), ptr<struct statx>(a[4])),
     nullptr, -1},
    {"fadvise", OURS(fadvise, i32(a[0]), a[1], u32(a[2]), i32(a[3])),
     FIXED(fadvise, a[1], u32(a[2]), i32(a[3])), -1},
    {"madvise", OURS(madvise, ptr<void>(a[0]), u32(a[1]), i32(a[2])), nullptr, -1},
    {"send",
     OURS(send, i32(a[0]), ptr<const void>(a[1]), static_cast<std::size_t>(a[2]), i32(a[3])),
     FIXED(send, ptr<const void>(a[1]), static_cast<std::size_t>(a[2]), i32(a[3])), -1},
    {"send_zc",
     OURS(send_zc, i32(a[0]), ptr<const void>(a[1]), static_cast<std::size_t>(a[2]), i32(a[3]),
          u32(a[4])),
     FIXED(send_zc, ptr<const void>(a[1]), static_cast<std::size_t>(a[2]), i32(a[3]), u32(a[4])),
     -1},
    {"send_zc_fixed",
     OURS(send_zc_fixed, i32(a[0]), ptr<const void>(a[1]), static_cast<std::size_t>(a[2]),
          i32(a[3]), u32(a[4]), u32(a[5])),
     FIXED(send_zc_fixed, ptr<const void>(a[1]), static_cast<std::size_t>(a[2]), i32(a[3]),
           u32(a[4]), u32(a[5])),
     -1},
    {"sendmsg_zc", OURS(sendmsg_zc, i32(a[0]), ptr<const msghdr>(a[1]), u32(a[2])),
     FIXED(sendmsg_zc, ptr<const msghdr>(a[1]), u32(a[2])), -1},
    {"send_set_addr",
     OURS(send_set_addr, ptr<const sockaddr>(a[0]), static_cast<std::uint16_t>(a[1])), nullptr, -1},
    {"recv", OURS(recv, i32(a[0]), ptr<void>(a[1]), static_cast<std::size_t>(a[2]), i32(a[3])),
     FIXED(recv, ptr<void>(a[1]), static_cast<std::size_t>(a[2]), i32(a[3])), -1},
    {"recv_multishot",
     OURS(recv_multishot, i32(a[0]), ptr<void>(a[1]), static_cast<std::size_t>(a[2]), i32(a[3])),
     FIXED(recv_multishot, ptr<void>(a[1]), static_cast<std::size_t>(a[2]), i32(a[3])), -1},
    {"openat2", OURS(openat2, i32(a[0]), ptr<const char>(a[1]), ptr<const open_how>(a[2])), nullptr,
     -1},
    {"openat2_direct",
     OURS(openat2_direct, i32(a[0]), ptr<const char>(a[1]), ptr<const open_how>(a[2]), u32(a[3])),
     nullptr, 3},
    {"epoll_ctl", OURS(epoll_ctl, i32(a[0]), i32(a[1]), i32(a[2]), ptr<const epoll_event>(a[3])),
     FIXED(epoll_ctl, i32(a[1]), i32(a[2]), ptr<const epoll_event>(a[3])), -1},
    {"provide_buffers",
     OURS(provide_buffers, ptr<void>(a[0]), i32(a[1]), i32(a[2]), i32(a[3]), i32(a[4])), nullptr,
     -1},
    {"remove_buffers", OURS(remove_buffers, i32(a[0]), i32(a[1])), nullptr, -1},
    {"shutdown", OURS(shutdown, i32(a[0]), i32(a[1])), FIXED(shutdown, i32(a[1])), -1},
    {"unlinkat", OURS(unlinkat, i32(a[0]), ptr<const char>(a[1]), i32(a[2])), nullptr, -1},
    {"unlink", OURS(unlink, ptr<const char>(a[0]), i32(a[1])), nullptr, -1},
    {"renameat",
     OURS(renameat, i32(a[0]), ptr<const char>(a[1]), i32(a[2]), ptr<const char>(a[3]), u32(a[4])),
     nullptr, -1},
    {"rename", OURS(rename, ptr<const char>(a[0]), ptr<const char>(a[1])), nullptr, -1},
    {"sync_file_range", OURS(sync_file_range, i32(a[0]), u32(a[1]), a[2], i32(a[3])),
     FIXED(sync_file_range, u32(a[1]), a[2], i32(a[3])), -1},
    {"mkdirat", OURS(mkdirat, i32(a[0]), ptr<const char>(a[1]), u32(a[2])), nullptr, -1},
    {"mkdir", OURS(mkdir, ptr<const char>(a[0]), u32(a[1])), nullptr, -1},
    {"symlinkat", OURS(symlinkat, ptr<const char>(a[0]), i32(a[1]), ptr<const char>(a[2])), nullptr,
     -1},
    {"symlink", OURS(symlink, ptr<const char>(a[0]), ptr<const char>(a[1])), nullptr, -1},
    {"linkat",
     OURS(linkat, i32(a[0]), ptr<const char>(a[1]), i32(a[2]), ptr<const char>(a[3]), i32(a[4])),
     nullptr, -1},
    {"link", OURS(link, ptr<const char>(a[0]), ptr<const char>(a[1]), i32(a[2])), nullptr, -1},
    {"msg_ring", OURS(msg_ring, i32(a[0]), u32(a[1]), a[2], u32(a[3])),
     FIXED(msg_ring, u32(a[1]), a[2], u32(a[3])), -1},
    {"getxattr",
     OURS(getxattr, ptr<const char>(a[0]), ptr<char>(a[1]), ptr<const char>(a[2]), u32(a[3])),
     nullptr, -1},
    {"setxattr",
     OURS(setxattr, ptr<const char>(a[0]), ptr<const char>(a[1]), ptr<const char>(a[2]), i32(a[3]),
          u32(a[4])),
     nullptr, -1},
    {"fgetxattr", OURS(fgetxattr, i32(a[0]), ptr<const char>(a[1]), ptr<char>(a[2]), u32(a[3])),
     FIXED(fgetxattr, ptr<const char>(a[1]), ptr<char>(a[2]), u32(a[3])), -1},
    {"fsetxattr",
     OURS(fsetxattr, i32(a[0]), ptr<const char>(a[1]), ptr<const char>(a[2]), i32(a[3]), u32(a[4])),
     FIXED(fsetxattr, ptr<const char>(a[1]), ptr<const char>(a[2]), i32(a[3]), u32(a[4])), -1},
    {"socket", OURS(socket, i32(a[0]), i32(a[1]), i32(a[2]), u32(a[3])), nullptr, -1},
    {"socket_direct", OURS(socket_direct, i32(a[0]), i32(a[1]), i32(a[2]), u32(a[3]), u32(a[4])),
     nullptr, 3},
    {"socket_direct_alloc", OURS(socket_direct_alloc, i32(a[0]), i32(a[1]), i32(a[2]), u32(a[3])),
     nullptr, -1},
};

const OurCase* find_ours(const char* name) {
  for (const OurCase& c : kOurs)
    if (!std::strcmp(c.name, name)) return &c;
  return nullptr;
}

// liburing 2.3 and ALLOC in a *_direct prep: every byte but file_index as liburing, file_index
// ALLOC in ours (2.4's "offset by 1 for allocation") and 0 in 2.3's.
void require_alloc_divergence(const Sqe& a, const Sqe& b, int round, const char* op) {
  for (int i = 0; i < 64; ++i) {
    if (i >= 44 && i < 48) continue;
    INFO(op << " round " << round << " byte " << i << " (file_index ALLOC)");
    REQUIRE(a.b[i] == b.b[i]);
  }
  std::uint32_t ours_index = 0, theirs_index = 0;
  std::memcpy(&ours_index, a.b + 44, 4);
  std::memcpy(&theirs_index, b.b + 44, 4);
  REQUIRE(ours_index == IORING_FILE_INDEX_ALLOC);
  REQUIRE(theirs_index == 0);
}

}  // namespace

TEST_CASE("every prep liburing has equals liburing's byte for byte", "[liburing]") {
  std::size_t count = 0;
  const lu::Case* theirs = lu::cases(count);
  std::printf("comparing with liburing %s: %zu preps, %d rounds each\n", lu::version(), count,
              kRounds);
  // Both tables list the same preps: nothing liburing has is left uncompared.
  REQUIRE(count == sizeof kOurs / sizeof kOurs[0]);
  const bool wraps_alloc = std::strcmp(lu::version(), "2.3") == 0;
  std::mt19937_64 rng(20261121);
  int fixed_forms = 0, alloc_rounds = 0;
  for (std::size_t c = 0; c < count; ++c) {
    const char* name = theirs[c].name;
    INFO("prep " << name);
    const OurCase* ours_case = find_ours(name);
    REQUIRE(ours_case != nullptr);
    if (ours_case->fixed) ++fixed_forms;
    for (int r = 0; r < kRounds; ++r) {
      std::uint64_t args[8];
      for (auto& v : args) v = arg(rng);
      const Sqe start = garbage(rng);
      Sqe a = start, b = start;
      ours(a, [&](io_uring_sqe& q) { ours_case->prep(q, args); });
      theirs[c].prep(b.b, args);
      const bool alloc =
          ours_case->alloc_arg >= 0 &&
          static_cast<std::uint32_t>(args[ours_case->alloc_arg]) == IORING_FILE_INDEX_ALLOC;
      if (alloc && wraps_alloc) {
        ++alloc_rounds;
        require_alloc_divergence(a, b, r, name);
      } else {
        require_same(a, b, r, name);
      }
      if (!ours_case->fixed) continue;
      // The FixedFile form: liburing's bytes with IOSQE_FIXED_FILE added to flags (byte 1).
      Sqe f = start;
      ours(f, [&](io_uring_sqe& q) { ours_case->fixed(q, args); });
      REQUIRE((f.b[1] & IOSQE_FIXED_FILE) != 0);
      f.b[1] &= static_cast<std::uint8_t>(~IOSQE_FIXED_FILE);
      if (alloc && wraps_alloc)
        require_alloc_divergence(f, b, r, name);
      else
        require_same(f, b, r, name);
    }
  }
  std::printf("%d FixedFile forms compared too; %d rounds hit 2.3's ALLOC wrap\n", fixed_forms,
              alloc_rounds);
  CHECK(fixed_forms == 33);
  if (wraps_alloc) CHECK(alloc_rounds > 0);
}

TEST_CASE("msg_ring prep functions liburing 2.3 lacks equal the field map", "[liburing]") {
  std::mt19937_64 rng(112026);
  for (int r = 0; r < kRounds; ++r) {
    const int fd = static_cast<int>(arg(rng));
    const int source = static_cast<int>(arg(rng)), target = static_cast<int>(arg(rng));
    const std::uint64_t data = arg(rng);
    const auto len = static_cast<unsigned>(arg(rng));
    const auto flags = static_cast<unsigned>(arg(rng));
    const auto cqe_flags = static_cast<unsigned>(arg(rng));
    const Sqe start = garbage(rng);
    // Source slot sign-extended into addr3; target slot + 1 in file_index, ALLOC kept as is.
    const auto addr3 = static_cast<std::uint64_t>(static_cast<std::int64_t>(source));
    const auto tslot = static_cast<std::uint32_t>(target);
    const std::uint32_t file_index = tslot == IORING_FILE_INDEX_ALLOC ? tslot : tslot + 1;

    Sqe a = start;
    ours(a, [&](io_uring_sqe& q) {
      uring::prep_msg_ring_cqe_flags(q, fd, len, data, flags, cqe_flags);
    });
    require_same(a,
                 golden(start, IORING_OP_MSG_RING, fd, data, IORING_MSG_DATA, len,
                        IORING_MSG_RING_FLAGS_PASS | flags, cqe_flags, 0),
                 r, "msg_ring_cqe_flags");

    a = start;
    ours(a, [&](io_uring_sqe& q) { uring::prep_msg_ring_fd(q, fd, source, target, data, flags); });
    require_same(a,
                 golden(start, IORING_OP_MSG_RING, fd, data, IORING_MSG_SEND_FD, 0, flags,
                        file_index, addr3),
                 r, "msg_ring_fd");

    a = start;
    ours(a, [&](io_uring_sqe& q) { uring::prep_msg_ring_fd_alloc(q, fd, source, data, flags); });
    require_same(a,
                 golden(start, IORING_OP_MSG_RING, fd, data, IORING_MSG_SEND_FD, 0, flags,
                        IORING_FILE_INDEX_ALLOC, addr3),
                 r, "msg_ring_fd_alloc");

    // The FixedFile forms (the target ring registered in this ring's file table): the same
    // bytes plus IOSQE_FIXED_FILE.
    const uring::FixedFile ring_slot(static_cast<unsigned>(fd));
    Sqe want = golden(start, IORING_OP_MSG_RING, fd, data, IORING_MSG_DATA, len,
                      IORING_MSG_RING_FLAGS_PASS | flags, cqe_flags, 0);
    want.b[1] = IOSQE_FIXED_FILE;
    a = start;
    ours(a, [&](io_uring_sqe& q) {
      uring::prep_msg_ring_cqe_flags(q, ring_slot, len, data, flags, cqe_flags);
    });
    require_same(a, want, r, "msg_ring_cqe_flags(FixedFile)");
    want = golden(start, IORING_OP_MSG_RING, fd, data, IORING_MSG_SEND_FD, 0, flags, file_index,
                  addr3);
    want.b[1] = IOSQE_FIXED_FILE;
    a = start;
    ours(a, [&](io_uring_sqe& q) {
      uring::prep_msg_ring_fd(q, ring_slot, source, target, data, flags);
    });
    require_same(a, want, r, "msg_ring_fd(FixedFile)");
    want = golden(start, IORING_OP_MSG_RING, fd, data, IORING_MSG_SEND_FD, 0, flags,
                  IORING_FILE_INDEX_ALLOC, addr3);
    want.b[1] = IOSQE_FIXED_FILE;
    a = start;
    ours(a, [&](io_uring_sqe& q) {
      uring::prep_msg_ring_fd_alloc(q, ring_slot, source, data, flags);
    });
    require_same(a, want, r, "msg_ring_fd_alloc(FixedFile)");
  }
}

TEST_CASE("recvmsg_* readers equal liburing's over the same buffers", "[liburing][recvmsg]") {
  alignas(8) unsigned char buf[256];
  // {buf_len, namelen reserved, controllen reserved, header controllen, first cmsg_len, second
  // cmsg_len}: fits, exact fit, one short, no control, a second cmsg that fits or overruns.
  // (Negative lengths and sums that wrap are left out: liburing 2.3 predates its checks for them.
  // So are name rooms that leave the cmsghdrs unaligned: liburing reads them through a misaligned
  // cmsghdr*, which UBSan stops; prep_test covers ours with a 28-byte sockaddr_in6 room.)
  const struct {
    int buf_len;
    unsigned namelen;
    std::size_t controllen;
    unsigned out_controllen, first_len, second_len;
  } cases[] = {
      {77, 16, 32, 32, 28, 0},   {64, 16, 32, 32, 28, 0},    {63, 16, 32, 32, 28, 0},
      {40, 16, 0, 0, 0, 0},      {16, 0, 0, 0, 0, 0},        {15, 0, 0, 0, 0, 0},
      {120, 16, 48, 48, 20, 20}, {120, 16, 48, 48, 20, 25},  {120, 16, 48, 48, 8, 20},
      {120, 24, 40, 15, 20, 20}, {200, 112, 64, 64, 24, 40},
  };
  for (const auto& c : cases) {
    INFO("buf_len " << c.buf_len << ", namelen " << c.namelen << ", controllen " << c.controllen
                    << ", cmsg_len " << c.first_len << " then " << c.second_len);
    std::memset(buf, 0, sizeof buf);
    io_uring_recvmsg_out hdr{};
    hdr.namelen = c.namelen;
    hdr.controllen = c.out_controllen;
    std::memcpy(buf, &hdr, sizeof hdr);
    cmsghdr cm{};
    cm.cmsg_len = c.first_len;
    std::memcpy(buf + 16 + c.namelen, &cm, sizeof cm);
    cm.cmsg_len = c.second_len;
    std::memcpy(buf + 16 + c.namelen + CMSG_ALIGN(c.first_len), &cm, sizeof cm);

    long theirs[6];
    lu::recvmsg_readers(buf, c.buf_len, c.namelen, c.controllen, theirs);
    msghdr m{};
    m.msg_namelen = c.namelen;
    m.msg_controllen = c.controllen;
    const auto at = [&](const void* p) {
      return p ? static_cast<long>(static_cast<const unsigned char*>(p) - buf) : -1L;
    };
    auto* o = reinterpret_cast<io_uring_recvmsg_out*>(buf);
    cmsghdr* first = uring::recvmsg_cmsg_firsthdr(o, &m);
    const long ours[6] = {at(uring::recvmsg_validate(buf, c.buf_len, &m)),
                          at(uring::recvmsg_name(o)),
                          at(first),
                          first ? at(uring::recvmsg_cmsg_nexthdr(o, &m, first)) : -1L,
                          at(uring::recvmsg_payload(o, &m)),
                          static_cast<long>(uring::recvmsg_payload_length(o, c.buf_len, &m))};
    for (int i = 0; i < 6; ++i) {
      INFO("reader " << i);
      CHECK(ours[i] == theirs[i]);
    }
  }
}
