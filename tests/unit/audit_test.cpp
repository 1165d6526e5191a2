// describe()/lint()/format() at run time: exact text, truncation into a small buffer, flag names,
// unknown opcodes, and the field conversions of a real io_uring_sqe.
#include <catch2/catch.hpp>
#include <cstring>
#include <string>

#include <sys/utsname.h>

#include <cstdio>

#include "uring/audit.hpp"
#include "uring/prep.hpp"
#include "uring/register.hpp"

namespace {
// uname's release as major * 100 + minor.
int test_release() {
  utsname u{};
  ::uname(&u);
  int major = 0, minor = 0;
  std::sscanf(u.release, "%d.%d", &major, &minor);
  return major * 100 + minor;
}
}  // namespace

TEST_CASE("format(Description) names every field of a SEND_FD ALLOC message", "[audit]") {
  io_uring_sqe s;
  std::memset(&s, 0xa5, sizeof s);
  uring::prep_msg_ring_fd_alloc(s, 5, 1, 0x57, IORING_MSG_RING_CQE_SKIP);
  s.user_data = 9;
  char buf[4096];
  const std::size_t n = uring::format(uring::describe(s), buf, sizeof buf);
  CHECK(n == std::strlen(buf));
  CHECK(
      std::string(buf) ==
      "opcode      40 MSG_RING SEND_FD (target slot allocated)\n"
      "flags       0x00\n"
      "op_flags    0x00000001 IORING_MSG_RING_CQE_SKIP\n"
      "field           at     value                use        meaning\n"
      "ioprio           2+2   0x0                  must be 0  \n"
      "fd               4+4   5                    used       target ring's file descriptor\n"
      "off              8+8   0x57                 used       user_data of the target's CQE\n"
      "addr            16+8   0x1                  used       command: IORING_MSG_DATA (0) or "
      "IORING_MSG_SEND_FD (1); low 32 bits\n"
      "len             24+4   0x0                  must be 0  \n"
      "msg_ring_flags  28+4   0x1                  used       msg_ring_flags (IORING_MSG_RING_*)\n"
      "user_data       32+8   0x9                  used       user_data: copied into this "
      "request's CQE\n"
      "buf_index       40+2   0x0                  must be 0  \n"
      "personality     42+2   0x0                  must be 0  \n"
      "file_index      44+4   0xffffffff           used       IORING_FILE_INDEX_ALLOC: the target "
      "picks a free slot (its CQE res)\n"
      "addr3           48+8   0x1                  used       source slot in this ring's "
      "registered files (low 32 bits)\n"
      "unused      pad2\n");
  CHECK(uring::lint(s).count == 0);
}

TEST_CASE("format truncates like snprintf and always terminates", "[audit]") {
  uring::SqeFields f{.opcode = IORING_OP_CLOSE, .fd = 3, .len = 1, .personality = 2};
  const uring::LintReport r = uring::lint(f);
  char full[2048];
  const std::size_t need = uring::format(r, full, sizeof full);
  REQUIRE(need == std::strlen(full));
  char small[16];
  std::memset(small, 'x', sizeof small);
  CHECK(uring::format(r, small, sizeof small) == need);
  CHECK(std::strlen(small) == sizeof small - 1);
  CHECK(std::string(small) == std::string(full, sizeof small - 1));
  CHECK(uring::format(r, nullptr, 0) == need);
  // Kernel order: io_init_req's personality lookup answers before io_close_prep sees len.
  REQUIRE(r.count == 2);
  CHECK(r.items[0].field == uring::FieldId::personality);
  CHECK(r.items[0].severity == uring::Severity::conditional);
  CHECK(r.items[1].field == uring::FieldId::len);
  CHECK(r.expected_error() == EINVAL);
}

TEST_CASE("describe names every IOSQE flag and keeps unknown bits apart", "[audit]") {
  const uring::Description d =
      uring::describe(uring::SqeFields{.opcode = IORING_OP_NOP, .flags = 0xff});
  REQUIRE(d.flag_count == 7);
  CHECK(std::string(d.flag_names[0]) == "IOSQE_FIXED_FILE");
  CHECK(std::string(d.flag_names[6]) == "IOSQE_CQE_SKIP_SUCCESS");
  CHECK(d.unknown_flags == 0x80);
  const uring::Description rw =
      uring::describe(uring::SqeFields{.opcode = IORING_OP_WRITE, .op_flags = 0x80000012});
  REQUIRE(rw.op_flag_count == 2);
  CHECK(std::string(rw.op_flag_names[0]) == "RWF_DSYNC");
  CHECK(std::string(rw.op_flag_names[1]) == "RWF_APPEND");
  CHECK(rw.unknown_op_flags == 0x80000000);
}

TEST_CASE("an opcode rawuring does not describe keeps its raw fields", "[audit]") {
  const uring::SqeFields f{.opcode = 200, .fd = -7, .addr3 = 0x1234};
  const uring::Description d = uring::describe(f);
  CHECK_FALSE(d.known);
  CHECK(d.op_name == nullptr);
  for (const uring::FieldInfo& fi : d.fields) CHECK(fi.use == uring::Use::unknown);
  CHECK(d.fields[static_cast<int>(uring::FieldId::addr3)].value == 0x1234);
  char buf[4096];
  uring::format(d, buf, sizeof buf);
  CHECK(std::string(buf).find("unknown opcode 200: not an opcode rawuring knows") !=
        std::string::npos);
  CHECK(std::string(buf).find("fd               4+4   -7  ") != std::string::npos);
  // Past every kernel's IORING_OP_LAST: io_init_req refuses it before looking at anything else.
  const uring::LintReport r = uring::lint(f);
  CHECK_FALSE(r.clean());
  CHECK(r.expected_error() == EINVAL);
  REQUIRE(r.count == 1);
  CHECK(r.items[0].where == uring::Where::opcode);
}

TEST_CASE("fields_of and to_sqe are the ABI offsets", "[audit]") {
  io_uring_sqe s{};
  s.opcode = 1;
  s.flags = 2;
  s.ioprio = 3;
  s.fd = -4;
  s.off = 5;
  s.addr = 6;
  s.len = 7;
  s.rw_flags = 8;
  s.user_data = 9;
  s.buf_index = 10;
  s.personality = 11;
  s.file_index = 12;
  s.addr3 = 13;
  s.__pad2[0] = 14;
  const uring::SqeFields want{1, 2, 3, -4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14};
  CHECK(uring::fields_of(s) == want);
  io_uring_sqe back;
  std::memset(&back, 0x5a, sizeof back);
  uring::to_sqe(want, back);
  CHECK(std::memcmp(&back, &s, sizeof s) == 0);
}

// ---- regressions: each case below was wrong before the table (lint answered differently) --------

namespace {
uring::SqeFields rw(std::uint8_t op) {
  uring::SqeFields f{};
  f.opcode = op;
  f.fd = 3;
  f.addr = 0x10000;
  f.len = 16;
  return f;
}
}  // namespace

TEST_CASE("regression: ioprio class NONE with hint bits is accepted", "[audit][regression]") {
  // ioprio_check_cap since 6.5: the level is bits 2..0; bits 12..3 are hints, passed on unchecked.
  for (std::uint16_t hint = 0x0008; hint <= 0x1ff8; hint += 8) {
    uring::SqeFields f = rw(IORING_OP_READ);
    f.ioprio = hint;
    INFO("ioprio 0x" << std::hex << hint);
    CHECK(uring::lint(f).expected_error() == 0);
  }
  uring::SqeFields level = rw(IORING_OP_READ);
  level.ioprio = 0x0009;  // class NONE, level 1
  CHECK(uring::lint(level).expected_error() == EINVAL);
}

TEST_CASE("regression: RWF_APPEND with RWF_NOAPPEND is EINVAL before RWF_ATOMIC is looked at",
          "[audit][regression]") {
  // kiocb_set_rw_flags: unknown bits (-EOPNOTSUPP), then APPEND & NOAPPEND (-EINVAL), then NOWAIT,
  // ATOMIC, DONTCACHE.
  for (std::uint8_t op : {std::uint8_t{IORING_OP_READ}, std::uint8_t{IORING_OP_WRITE}}) {
    uring::SqeFields f = rw(op);
    f.op_flags = 0x10 | 0x20 | 0x40;
    CHECK(uring::lint(f).expected_error() == EINVAL);
  }
}

TEST_CASE("regression: slots and offsets at or above 2^20 are refused on every ring",
          "[audit][regression]") {
  uring::SqeFields up{};
  up.opcode = IORING_OP_FILES_UPDATE;
  up.fd = -1;
  up.addr = 0x10000;
  up.len = 1;
  up.off = 1u << 20;
  CHECK(uring::lint(up).expected_error() == EINVAL);
  up.off = (1u << 20) - 1;
  CHECK(uring::lint(up).expected_error() == 0);

  uring::SqeFields send_fd{};
  send_fd.opcode = IORING_OP_MSG_RING;
  send_fd.fd = 3;
  send_fd.addr = IORING_MSG_SEND_FD;
  send_fd.file_index = (1u << 20) + 1;  // slot 2^20
  CHECK(uring::lint(send_fd).expected_error() == EINVAL);

  uring::SqeFields close_direct{};
  close_direct.opcode = IORING_OP_CLOSE;
  close_direct.file_index = (1u << 20) + 1;
  CHECK(uring::lint(close_direct).expected_error() == EINVAL);

  uring::SqeFields fixed_read = rw(IORING_OP_READ);
  fixed_read.flags = IOSQE_FIXED_FILE;
  fixed_read.fd = 1 << 20;
  CHECK(uring::lint(fixed_read).expected_error() == EBADF);
}

TEST_CASE("regression: a PI attribute that can never be read is refused at prep",
          "[audit][regression]") {
  uring::SqeFields f = rw(IORING_OP_READ);
  f.pad2 = 1;  // IORING_RW_ATTR_FLAG_PI
  f.addr3 = 0;
  CHECK(uring::lint(f).expected_error() == EFAULT);
}

TEST_CASE("regression: NOP flags per kernel release (6.1 knows none, 6.12 only INJECT_RESULT)",
          "[audit][regression]") {
  // Before the table lint had no kernel to state (this did not compile): it modelled 6.18 only.
  const auto nop = [](std::uint32_t flags) {
    uring::SqeFields f{};
    f.opcode = IORING_OP_NOP;
    f.op_flags = flags;
    return f;
  };
  for (std::uint32_t flags : {0x6u, 0x8u, 0x10u}) {
    INFO("nop_flags 0x" << std::hex << flags);
    CHECK(uring::lint(nop(flags), uring::Kernel::named(612)).expected_error() == EINVAL);
    CHECK(uring::lint(nop(flags), uring::Kernel::named(618)).clean());
    CHECK(uring::lint(nop(flags), uring::Kernel::named(601)).expected_error() == EINVAL);
  }
  CHECK(uring::lint(nop(0x1), uring::Kernel::named(612)).clean());
  CHECK(uring::lint(nop(0x1), uring::Kernel::named(601)).expected_error() == EINVAL);
  CHECK(uring::lint(nop(0), uring::Kernel::named(601)).clean());
  // A release newer than the table: a bit the table does not know may be known there.
  const uring::LintReport newer = uring::lint(nop(0x40), uring::Kernel::named(619));
  CHECK_FALSE(newer.modelled());
  CHECK_FALSE(newer.clean());
  CHECK(newer.expected_error() == 0);
  CHECK(uring::lint(nop(0x40), uring::Kernel::named(618)).expected_error() == EINVAL);
}

TEST_CASE("lint states its kernel, and an opcode newer than it is EINVAL", "[audit]") {
  uring::SqeFields pipe{};
  pipe.opcode = 62;  // IORING_OP_PIPE, 6.16
  const uring::LintReport old = uring::lint(pipe, uring::Kernel::named(612));
  CHECK(old.expected_error() == EINVAL);
  CHECK(old.kernel.release == 612);
  CHECK(std::string(old.kernel.source) == "named");
  char buf[2048];
  uring::format(old, buf, sizeof buf);
  CHECK(std::string(buf).find("verdict     the kernel answers -EINVAL (kernel 6.12, named)\n") !=
        std::string::npos);
  const uring::Kernel running = uring::running_kernel();
  CHECK(running.release == test_release());
  CHECK(uring::lint(pipe).kernel.release == running.release);
}

TEST_CASE("an opcode or a stage lint does not model is 'not modelled', never clean", "[audit]") {
  uring::SqeFields cmd{};
  cmd.opcode = IORING_OP_URING_CMD;
  cmd.fd = 3;
  const uring::LintReport r = uring::lint(cmd, uring::Kernel::named(618));
  CHECK_FALSE(r.clean());
  CHECK_FALSE(r.modelled());
  CHECK(r.expected_error() == 0);
  char buf[2048];
  uring::format(r, buf, sizeof buf);
  CHECK(std::string(buf).find("verdict     not modelled past here: ") != std::string::npos);
  // A prep-time opcode whose prep passes: the issue is not modelled either.
  uring::SqeFields sock{};
  sock.opcode = IORING_OP_SOCKET;
  sock.fd = 2;   // AF_INET
  sock.off = 1;  // SOCK_STREAM
  const uring::LintReport s = uring::lint(sock, uring::Kernel::named(618));
  CHECK_FALSE(s.clean());
  CHECK(s.expected_error() == 0);
  // ... while its prep checks are predicted.
  sock.file_index = 1;
  sock.off = 1 | 0x80000;  // SOCK_CLOEXEC into a direct descriptor
  CHECK(uring::lint(sock, uring::Kernel::named(618)).expected_error() == EINVAL);
}

TEST_CASE("describe names every field each row lists and flags set must-be-zero fields",
          "[audit]") {
  for (const uring::op::Opcode& row : uring::op::kOpcodes) {
    INFO(row.name);
    CHECK(std::string(uring::opcode_name(row.code)) == row.name);
    uring::SqeFields f{};
    f.opcode = row.code;
    const uring::Description d = uring::describe(f);
    CHECK(d.known);
    CHECK(std::string(d.op_name) == row.name);
    for (const uring::op::Field& fu : row.fields) {
      if (!fu.meaning) continue;
      const uring::FieldInfo& fi = d.fields[static_cast<unsigned>(fu.id)];
      // The opcodes whose fields depend on a flag or a command refine the row's map.
      if (row.code == IORING_OP_NOP || row.code == IORING_OP_MSG_RING || row.code == 22 ||
          row.code == 23 || row.code <= 5 || row.code == 60 || row.code == 61)
        continue;
      CHECK(fi.use == uring::Use::used);
      CHECK(std::string(fi.meaning) == fu.meaning);
    }
    // Every field a check refuses whenever non-zero is shown as such, and counted once set.
    unsigned zero_fields = 0;
    for (const uring::FieldInfo& fi : d.fields)
      if (fi.use == uring::Use::zero) ++zero_fields;
    uring::SqeFields all = f;
    for (const uring::FieldInfo& fi : d.fields)
      if (fi.use == uring::Use::zero) uring::set_value(all, fi.id, 1);
    CHECK(uring::describe(all).zero_fields_set == zero_fields);
  }
  CHECK(uring::opcode_name(63) == nullptr);
  // ACCEPT keeps its own flags in ioprio: named from the row's flag set.
  uring::SqeFields accept{.opcode = IORING_OP_ACCEPT, .ioprio = 1};
  const uring::Description d = uring::describe(accept);
  REQUIRE(d.op_flag_count == 1);
  CHECK(std::string(d.op_flag_names[0]) == "IORING_ACCEPT_MULTISHOT");
  char buf[4096];
  uring::format(d, buf, sizeof buf);
  CHECK(std::string(buf).find("op_flags    0x00000000\nioprio      0x00000001 "
                              "IORING_ACCEPT_MULTISHOT\n") != std::string::npos);
  CHECK(std::string(buf).find("len             24+4   0x0                  must be 0  \n") !=
        std::string::npos);
  accept.len = 5;
  uring::format(uring::describe(accept), buf, sizeof buf);
  CHECK(std::string(buf).find("len             24+4   0x5                  must be 0  SET: the "
                              "kernel refuses a non-zero value\n") != std::string::npos);
}

TEST_CASE("lint and describe on random SQEs of every opcode number, for four releases", "[audit]") {
  std::uint64_t x = 0x9e3779b97f4a7c15ull;
  const auto next = [&x] {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
  };
  unsigned refused = 0, unmodelled = 0, clean = 0;
  for (unsigned op = 0; op < 256; ++op) {
    for (int i = 0; i < 40; ++i) {
      std::uint8_t b[64];
      for (auto& c : b) c = i == 0 ? 0 : static_cast<std::uint8_t>(next() & (i % 2 ? 0xff : 0x01));
      b[0] = static_cast<std::uint8_t>(op);
      const uring::SqeFields f = uring::fields_of(std::span<const std::uint8_t, 64>(b));
      for (int release : {601, 612, 618, 619}) {
        const uring::LintReport r = uring::lint(f, uring::Kernel::named(release));
        INFO("opcode " << op << " release " << release);
        CHECK_FALSE(r.truncated);
        const int e = r.expected_error();
        if (e) CHECK(uring::errno_name(e) != nullptr);  // every predicted errno has a name
        e ? ++refused : r.modelled() ? ++clean : ++unmodelled;
        char text[8192];
        CHECK(uring::format(r, text, sizeof text) < sizeof text);
      }
      CHECK(uring::describe(f).known == (op < 63));
    }
  }
  CHECK(refused > 0);
  CHECK(unmodelled > 0);
  CHECK(clean > 0);
}

// The five rows modelled last (URING_CMD, READ_MULTISHOT, RECV_ZC, READV_FIXED, WRITEV_FIXED), for
// the three kernels the project tests on. The kernel test (tests/kernel/lint_kernel_test.cpp)
// checks the same rules against the running kernel; these pin them for the other two.
namespace {
constexpr int lint_error(uring::SqeFields f, int release) {
  return uring::lint(f, uring::Kernel::named(release)).expected_error();
}
constexpr uring::SqeFields sqe_of(std::uint8_t op, int fd = 5) {
  uring::SqeFields f{};
  f.opcode = op;
  f.fd = fd;
  return f;
}
constexpr uring::SqeFields with_flags(uring::SqeFields f, std::uint8_t flags) {
  f.flags = flags;
  return f;
}
// URING_CMD: __pad1 (upper half of the cmd_op word), the flag mask, MULTISHOT (6.18) with
// IOSQE_BUFFER_SELECT, which 6.12's io_issue_defs[] refuses with EOPNOTSUPP.
constexpr uring::SqeFields cmd_pad1() {
  uring::SqeFields f = sqe_of(IORING_OP_URING_CMD);
  f.off = 1ull << 32;
  return f;
}
constexpr uring::SqeFields cmd_flags(std::uint32_t flags, std::uint8_t sqe_flags = 0) {
  uring::SqeFields f = sqe_of(IORING_OP_URING_CMD);
  f.op_flags = flags;
  f.flags = sqe_flags;
  return f;
}
static_assert(lint_error(cmd_pad1(), 618) == EINVAL && lint_error(cmd_pad1(), 612) == EINVAL &&
              lint_error(cmd_pad1(), 601) == EINVAL);
static_assert(lint_error(cmd_flags(0x2, IOSQE_BUFFER_SELECT), 618) == 0 &&
              lint_error(cmd_flags(0x2), 618) == EINVAL &&
              lint_error(cmd_flags(0x3, IOSQE_BUFFER_SELECT), 618) == EINVAL &&
              lint_error(cmd_flags(0x2, IOSQE_BUFFER_SELECT), 612) == EOPNOTSUPP &&
              lint_error(cmd_flags(0x2), 612) == EINVAL && lint_error(cmd_flags(0x1), 612) == 0 &&
              lint_error(cmd_flags(0, IOSQE_BUFFER_SELECT), 618) == EINVAL);
// READ_MULTISHOT (6.7): a provided buffer first; addr and len must be 0; no ioprio.
constexpr uring::SqeFields mshot(std::uint64_t addr, std::uint32_t len, std::uint16_t ioprio = 0) {
  uring::SqeFields f = with_flags(sqe_of(49), IOSQE_BUFFER_SELECT);
  f.addr = addr;
  f.len = len;
  f.ioprio = ioprio;
  return f;
}
static_assert(lint_error(mshot(0, 0), 618) == 0 && lint_error(mshot(0, 0), 612) == 0 &&
              lint_error(mshot(0, 0), 601) == EINVAL);
static_assert(lint_error(mshot(0, 16), 618) == EINVAL &&
              lint_error(mshot(4096, 0), 612) == EINVAL &&
              lint_error(mshot(0, 0, 0x8), 618) == EINVAL &&
              lint_error(with_flags(mshot(0, 0), 0), 612) == EINVAL);
// RECV_ZC (6.15): refused at prep without a registered zero-copy receive queue.
constexpr uring::SqeFields recv_zc() {
  uring::SqeFields f = sqe_of(58);
  f.ioprio = 0x2;  // IORING_RECV_MULTISHOT
  return f;
}
static_assert(lint_error(recv_zc(), 618) == EINVAL && lint_error(recv_zc(), 612) == EINVAL &&
              lint_error(with_flags(recv_zc(), IOSQE_BUFFER_SELECT), 618) == EOPNOTSUPP);
// READV_FIXED / WRITEV_FIXED (6.15): the iovec array is copied at prep.
constexpr uring::SqeFields rwv_fixed(std::uint8_t op, std::uint64_t addr, std::uint32_t len) {
  uring::SqeFields f = sqe_of(op);
  f.addr = addr;
  f.len = len;
  return f;
}
static_assert(lint_error(rwv_fixed(60, 0x10000, 1025), 618) == EINVAL &&
              lint_error(rwv_fixed(61, 0x10000, 0xffffffff), 618) == ENOMEM &&
              lint_error(rwv_fixed(60, 0, 1), 618) == EFAULT &&
              lint_error(rwv_fixed(61, 0, 0), 618) == 0 &&
              lint_error(rwv_fixed(60, 0x10000, 1), 612) == EINVAL &&
              lint_error(rwv_fixed(61, 0x10000, 1), 601) == EINVAL);
}  // namespace

TEST_CASE("the last five rows say what they model and what they leave to the issue", "[audit]") {
  // A well-formed SQE of each: prep passes, then "not modelled" for the issue, never clean.
  for (const uring::SqeFields& f :
       {cmd_flags(0), mshot(0, 0), rwv_fixed(60, 0x10000, 1), rwv_fixed(61, 0x10000, 1)}) {
    const uring::LintReport r = uring::lint(f, uring::Kernel::named(618));
    INFO(static_cast<int>(f.opcode));
    CHECK(r.expected_error() == 0);
    CHECK_FALSE(r.modelled());
  }
  // RECV_ZC's refusal is conditional on the ring, and says so.
  const uring::LintReport zc = uring::lint(recv_zc(), uring::Kernel::named(618));
  REQUIRE(zc.count >= 1);
  CHECK(zc.items[0].severity == uring::Severity::conditional);
  CHECK(zc.items[0].error == EINVAL);
}

// Each rule below was a class of mismatches the kernel_diff fuzzer found
// (fuzz/kernel_diff_fuzz.cpp).
TEST_CASE("READ: a provided buffer is picked before the RWF_* checks; empty slots; PI contents",
          "[audit]") {
  uring::SqeFields read{};
  read.opcode = IORING_OP_READ;
  read.fd = 3;
  read.op_flags = 0x30;  // RWF_APPEND | RWF_NOAPPEND: -EINVAL at issue
  const uring::Kernel k618 = uring::Kernel::named(618);
  CHECK(uring::lint(read, k618).expected_error() == EINVAL);
  // With IOSQE_BUFFER_SELECT the buffer is selected first: -ENOBUFS from an empty group.
  read.flags = IOSQE_BUFFER_SELECT;
  const uring::LintReport sel = uring::lint(read, k618);
  CHECK(sel.expected_error() == ENOBUFS);
  REQUIRE(sel.count >= 1);
  CHECK(sel.items[0].severity == uring::Severity::conditional);
  // A registered slot lint is told is empty: -EBADF at the file lookup, before issue.
  read.flags = IOSQE_FIXED_FILE;
  uring::Kernel table = k618;
  table.fixed_file_set = [](std::uint32_t slot) { return slot < 2; };
  CHECK(uring::lint(read, table).expected_error() == EBADF);
  read.fd = 1;
  CHECK(uring::lint(read, table).expected_error() == EINVAL);
  // A PI attribute lint may not read: no verdict (its contents come before everything else).
  read.pad2 = 1;                              // IORING_RW_ATTR_FLAG_PI
  static std::uint64_t pi[4] = {0, 0, 0, 0};  // flags/app_tag/len, addr, seed, rsvd
  read.addr3 = reinterpret_cast<std::uintptr_t>(pi);
  const uring::LintReport blind = uring::lint(read, k618);
  CHECK_FALSE(blind.modelled());
  CHECK(blind.expected_error() == 0);
  uring::Kernel seeing = k618;
  seeing.read_memory = uring::read_own_memory;
  // Buffer at address 0, length 0: access_ok passes it (the kernel does not refuse page 0 here).
  CHECK(uring::lint(read, seeing).expected_error() == EINVAL);  // on to RWF_APPEND|NOAPPEND
  pi[1] = 0x00007ffffffff000ull;  // ends past user space once it has a length
  pi[0] = std::uint64_t{4096} << 32;
  CHECK(uring::lint(read, seeing).expected_error() == EFAULT);
  pi[1] = 0;
  pi[3] = 1;  // rsvd
  CHECK(uring::lint(read, seeing).expected_error() == EINVAL);
}
