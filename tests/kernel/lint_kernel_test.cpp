// The linter against the real kernel. Every SQE the library's prep functions build, and every
// single-field corruption of it from a fixed list (the opcode is never changed), is linted, then
// submitted. Required:
//   - lint calls it clean      -> the kernel does not refuse it with -EINVAL or -EOPNOTSUPP (the
//                                 field-validation errnos); other answers (-EBADF for a slot that
//                                 is empty, -EFAULT for an unmapped buffer) are resource answers;
//   - lint predicts an errno   -> the kernel answers exactly that errno.
// Conditional findings are asserted too: this test's rings have no personalities, no IOPOLL, no
// 32-byte CQEs, and read/write a memfd (seekable tmpfs file), which is what those findings assume.
//
// Every SQE is aimed only at what the test creates for that one case: two fresh rings, their file
// tables, a memfd, a pipe and an fd to close. Values that could make the kernel touch anything else
// are left out of the lists (e.g. no CLOSE with file_index 0 and a foreign fd).
#include <sys/mman.h>
#include <sys/utsname.h>

#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "support/helpers.hpp"
#include "uring/audit.hpp"

namespace {

using uring::FieldId;
using uring::SqeFields;

constexpr std::uint64_t kCase = 0xc0ffee;
constexpr std::uint64_t kMark = 0x3a3a;
constexpr std::size_t kBufSize = 1 << 16;

// What one case owns. Built fresh for every SQE so that no case sees another's leftovers (a
// closed fd, a replaced slot, a ring whose drain was disabled by CQE_SKIP_SUCCESS).
struct Env {
  uring::Ring src = test::make_plain_ring(8);
  uring::Ring dst = test::make_plain_ring(8);
  test::Fd memfd{::memfd_create("lint", MFD_CLOEXEC)};
  int pipe_fds[2] = {-1, -1};
  int close_fd = -1;  // closed by a CLOSE case, else by us
  std::vector<char> buf = std::vector<char>(kBufSize, 'x');
  int fds[8] = {};

  Env() {
    REQUIRE(memfd.get() >= 0);
    REQUIRE(::write(memfd.get(), "0123456789abcdef", 16) == 16);
    REQUIRE(::pipe2(pipe_fds, O_CLOEXEC | O_NONBLOCK) == 0);
    REQUIRE(::write(pipe_fds[1], "pipe data", 9) == 9);  // so a READ of the pipe completes
    close_fd = ::dup(memfd.get());
    REQUIRE(close_fd >= 0);
    // Source table: slots 0 and 1 hold the memfd, 2 and 3 are empty. Target: 4 empty slots.
    const int table[4] = {memfd.get(), memfd.get(), -1, -1};
    REQUIRE(uring::register_files(src, table) == 0);
    REQUIRE(uring::register_files_sparse(dst, 4) == 0);
    for (int& f : fds) f = -1;
    fds[0] = memfd.get();
    fds[1] = memfd.get();
  }
  ~Env() {
    if (close_fd >= 0) ::close(close_fd);
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
  }
};

struct Template {
  const char* name;
  std::function<void(io_uring_sqe&, Env&)> prep;
};

// The valid SQEs: one per prep function and variant.
std::vector<Template> templates() {
  using namespace uring;
  return {
      {"nop", [](io_uring_sqe& s, Env&) { prep_nop(s); }},
      {"nop_inject",
       [](io_uring_sqe& s, Env&) {
         prep_nop(s);
         s.rw_flags = IORING_NOP_INJECT_RESULT;
         s.len = 7;
       }},
      {"read", [](io_uring_sqe& s, Env& e) { prep_read(s, e.memfd.get(), e.buf.data(), 16, 0); }},
      {"write", [](io_uring_sqe& s, Env& e) { prep_write(s, e.memfd.get(), e.buf.data(), 16, 0); }},
      {"close", [](io_uring_sqe& s, Env& e) { prep_close(s, e.close_fd); }},
      {"close_direct", [](io_uring_sqe& s, Env&) { prep_close_direct(s, 1); }},
      {"msg_ring", [](io_uring_sqe& s, Env& e) { prep_msg_ring(s, e.dst.fd(), 42, 0xabc, 0); }},
      {"msg_ring_cqe_flags",
       [](io_uring_sqe& s, Env& e) {
         prep_msg_ring_cqe_flags(s, e.dst.fd(), 42, 0xabc, 0, 0x1234);
       }},
      {"msg_ring_fd",
       [](io_uring_sqe& s, Env& e) { prep_msg_ring_fd(s, e.dst.fd(), 0, 1, 0x55, 0); }},
      {"msg_ring_fd_skip",
       [](io_uring_sqe& s, Env& e) {
         prep_msg_ring_fd(s, e.dst.fd(), 1, 2, 0x56, IORING_MSG_RING_CQE_SKIP);
       }},
      {"msg_ring_fd_alloc",
       [](io_uring_sqe& s, Env& e) { prep_msg_ring_fd_alloc(s, e.dst.fd(), 0, 0x57, 0); }},
      {"files_update", [](io_uring_sqe& s, Env& e) { prep_files_update(s, e.fds, 2, 0); }},
      {"files_update_alloc",
       [](io_uring_sqe& s, Env& e) {
         prep_files_update(s, e.fds, 1, static_cast<int>(IORING_FILE_INDEX_ALLOC));
       }},
  };
}

struct Corruption {
  FieldId field;
  std::uint64_t value;
  bool flag_bit = false;  // value is a bit number of the IOSQE_* flags byte to toggle
  bool none = false;      // the valid SQE itself
};

// Values for one field of one opcode, chosen to hit each lint rule and its edges (truncation to
// 32 bits, -1, ALLOC) while staying inside the case's own resources.
std::vector<std::uint64_t> values_for(const SqeFields& t, const char* name, FieldId id, Env& e) {
  const std::string n = name;
  const std::uint8_t op = t.opcode;
  const bool rw = op == IORING_OP_READ || op == IORING_OP_WRITE;
  const bool msg = op == IORING_OP_MSG_RING;
  const bool send_fd = msg && t.addr == IORING_MSG_SEND_FD;
  switch (id) {
    case FieldId::ioprio:
      return rw ? std::vector<std::uint64_t>{0x4004, 0x6000, 0xe000, 0x0001, 0x2001}
                : std::vector<std::uint64_t>{1, 0x4004};
    case FieldId::fd:
      if (op == IORING_OP_NOP || op == IORING_OP_FILES_UPDATE) return {12345, 0};
      if (n == "close_direct") return {static_cast<std::uint64_t>(e.close_fd)};
      if (op == IORING_OP_READ) return {static_cast<std::uint64_t>(e.pipe_fds[0])};
      if (op == IORING_OP_WRITE)
        return {static_cast<std::uint64_t>(e.pipe_fds[1]),
                static_cast<std::uint64_t>(e.pipe_fds[0])};
      if (msg) return {static_cast<std::uint64_t>(e.pipe_fds[0])};
      return {};  // plain CLOSE: another fd would be closed
    case FieldId::off:
      if (rw) return {4096, 1ull << 40, ~0ull, 1ull << 63, 0x7ffffffffffffff8ull, ~1ull};
      if (op == IORING_OP_FILES_UPDATE)
        return n == "files_update" ? std::vector<std::uint64_t>{2, 1ull << 32, 0xfffffffe}
                                   : std::vector<std::uint64_t>{0xfffffffe, 0xffffffff00000000ull};
      return {0xdeadbeef, 1ull << 32};
    case FieldId::addr:
      if (rw || op == IORING_OP_FILES_UPDATE) return {1};
      if (msg) return {0, 1, 2, 99, 1ull << 32, (1ull << 32) | 1};
      return {1, 0x1000};
    case FieldId::len:
      if (rw) return {0, 8, kBufSize};
      if (op == IORING_OP_FILES_UPDATE) return {0, 1};
      return {0, 1, 7, 0xffffffff};
    case FieldId::op_flags:
      if (rw) return {0x01, 0x08, 0x10, 0x40, 0x80, 0x200, 0x80000000};
      if (op == IORING_OP_NOP) return {0x01, 0x02, 0x06, 0x08, 0x10, 0x20, 0x40, 0x80, 0x80000000};
      if (msg) return {0, 1, 2, 3, 4, 0x80, 0x80000000};
      return {1, 0x80000000};
    case FieldId::buf_index: return {1, 0xffff};
    case FieldId::personality: return {1, 0xffff};
    case FieldId::file_index:
      if (n == "close_direct") return {4};  // never 0: that would close fd 0
      if (send_fd) return {0, 1, 4, 5, IORING_FILE_INDEX_ALLOC};
      if (msg) return {0, 5, 0x7};
      return {1, 0x100};
    case FieldId::addr3:
      if (send_fd) return {0, 1, 3, 1ull << 32, 0xffffffff};
      return {1, 1ull << 32};
    case FieldId::pad2: return {1, 2, 0x8000000000000000ull};
    default: return {};
  }
}

// Answers that depend on this test's tables, not on the SQE's fields: the source table has 4
// slots, the target table 4 slots. 0 when none applies.
int resource_error(const SqeFields& f) {
  const auto offset = static_cast<std::uint32_t>(f.off);
  if (f.opcode == IORING_OP_FILES_UPDATE && offset != IORING_FILE_INDEX_ALLOC &&
      std::uint64_t{offset} + f.len > 4 && std::uint64_t{offset} + f.len <= 0xffffffffull)
    return EINVAL;  // __io_sqe_files_update: offset + nr past the table
  if (f.opcode == IORING_OP_MSG_RING && static_cast<std::uint32_t>(f.addr) == IORING_MSG_SEND_FD &&
      f.file_index != IORING_FILE_INDEX_ALLOC && f.file_index > 4)
    return EINVAL;  // io_install_fixed_file: target slot past the target's table
  return 0;
}

struct Outcome {
  bool seen = false;
  std::int32_t res = 0;
};

// Submits the case SQE, then a NOP marker in a separate submit (so it is never linked), and
// collects the case's CQE. CQE_SKIP_SUCCESS may suppress it: then success is assumed after a
// grace period for requests that were punted to a worker.
Outcome run(Env& e, const SqeFields& f) {
  io_uring_sqe& sqe = test::sqe_of(e.src);
  uring::to_sqe(f, sqe);
  sqe.user_data = kCase;
  REQUIRE(e.src.submit() == 1);
  uring::prep_nop(test::sqe_of(e.src));
  REQUIRE(e.src.submit() == 1);
  Outcome out;
  bool mark = false;
  const bool may_skip = f.flags & IOSQE_CQE_SKIP_SUCCESS;
  for (int tries = 0; tries < 20 && !(mark && (out.seen || (may_skip && tries > 2))); ++tries) {
    __kernel_timespec ts{0, 50'000'000};
    io_uring_cqe* cqe = nullptr;
    const int ret = e.src.wait_cqe(&cqe, &ts);
    if (ret == -ETIME) continue;
    REQUIRE(ret == 0);
    if (cqe->user_data == kCase) {
      out.seen = true;
      out.res = cqe->res;
    } else {
      mark = true;
    }
    e.src.cqe_seen();
  }
  REQUIRE(mark);
  if (!out.seen) REQUIRE(may_skip);
  return out;
}

// Whether NOP takes flags (IORING_NOP_INJECT_RESULT and friends): asked once, by behaviour.
bool nop_flags_supported() {
  static const bool yes = [] {
    auto ring = test::make_plain_ring(2);
    io_uring_sqe& s = test::sqe_of(ring);
    uring::prep_nop(s);
    s.rw_flags = IORING_NOP_INJECT_RESULT;
    s.len = 7;
    s.user_data = 1;
    REQUIRE(ring.submit() == 1);
    const int res = test::wait_one(ring).res;
    CHECK((res == 7 || res == -EINVAL));
    return res == 7;
  }();
  return yes;
}

// The answers this kernel may give where it predates a rule lint encodes (lint models 6.18), as
// (expected, alternative) errnos, 0 meaning clean. Each was measured in the 6.1 guest:
//  - no FLAGS_PASS (6.3): a MSG_RING SQE carrying IORING_MSG_RING_FLAGS_PASS is refused while
//    prepared: -EINVAL, unless a check on the IOSQE_* flags, which runs first, answers what lint
//    says (the alternative);
//  - NOP without flags: any rw_flags is -EINVAL, the same way;
//  - 6.1 checks neither SEND_FD's len nor READ/WRITE's __pad2: the answer is lint's for the SQE
//    with that field cleared. Kernels between 6.1 and 6.18 (unmeasured) may give either answer.
// Says which rule applied in an OLDER-KERNEL line.
void kernel_answer(const SqeFields& f, int& expected, int& alternative) {
  alternative = expected;
  const auto support = uring::msg_ring_support();
  REQUIRE(support.ok());
  if (f.opcode == IORING_OP_MSG_RING && (f.op_flags & IORING_MSG_RING_FLAGS_PASS) &&
      !support->flags_pass) {
    test::unsupported("lint: MSG_RING with FLAGS_PASS, the kernel's -EINVAL");
    expected = EINVAL;
    return;
  }
  if (f.opcode == IORING_OP_NOP && f.op_flags != 0 && !nop_flags_supported()) {
    test::unsupported("lint: NOP with flags, the kernel's -EINVAL");
    expected = EINVAL;
    return;
  }
  const int v = test::kernel_version();
  if (v >= 618) return;
  SqeFields cleared = f;
  const bool send_fd =
      f.opcode == IORING_OP_MSG_RING && static_cast<std::uint32_t>(f.addr) == IORING_MSG_SEND_FD;
  if (send_fd && f.len != 0) {
    test::older_kernel("lint: SEND_FD's len is not checked");
    cleared.len = 0;
  } else if ((f.opcode == IORING_OP_READ || f.opcode == IORING_OP_WRITE) && f.pad2 != 0) {
    test::older_kernel("lint: READ/WRITE's __pad2 is not checked");
    cleared.pad2 = 0;
  } else {
    return;
  }
  const int old = uring::lint(cleared).expected_error();
  if (v <= 601) expected = old;
  alternative = old;
}

// Whether the kernel's outcome is the answer `want` (an errno, or 0: clean, i.e. not refused with
// a field-validation errno).
bool answers(const Outcome& out, int want) {
  if (want) return out.seen && out.res == -want;
  return !(out.seen && (out.res == -EINVAL || out.res == -EOPNOTSUPP));
}

const char* ename(int res) {
  const char* n = uring::errno_name(-res);
  return n ? n : "?";
}

}  // namespace

TEST_CASE("lint agrees with the kernel on valid SQEs and every single-field corruption", "[lint]") {
  unsigned total = 0, clean = 0, flagged = 0, matched = 0, mismatched = 0;
  unsigned clean_ok = 0, clean_skipped = 0, resource_refused = 0;
  std::map<std::string, unsigned> clean_refused;  // errno name -> count (resource answers)
  std::map<std::string, unsigned> flagged_by;     // errno name -> count

  const auto tmpl = templates();
  for (const Template& t : tmpl) {
    // Each case gets its own environment; the template is rebuilt in it because it names the
    // environment's fds.
    std::vector<Corruption> cases{{FieldId::user_data, 0, false, true}};
    {
      Env e;
      io_uring_sqe s;
      std::memset(&s, 0xa5, sizeof s);
      t.prep(s, e);
      const SqeFields base = uring::fields_of(s);
      for (unsigned i = 0; i < uring::kFieldCount; ++i) {
        const auto id = static_cast<FieldId>(i);
        if (id == FieldId::user_data) continue;
        for (std::uint64_t v : values_for(base, t.name, id, e)) cases.push_back({id, v});
      }
      for (unsigned bit = 0; bit < 8; ++bit) cases.push_back({FieldId::user_data, bit, true});
    }
    for (std::size_t c = 0; c < cases.size(); ++c) {
      Env e;
      io_uring_sqe s;
      std::memset(&s, 0xa5, sizeof s);
      t.prep(s, e);
      SqeFields f = uring::fields_of(s);
      std::string what = std::string(t.name) + " ";
      if (cases[c].none) {
        what += "valid";
      } else if (cases[c].flag_bit) {
        const unsigned bit = static_cast<unsigned>(cases[c].value);
        f.flags ^= static_cast<std::uint8_t>(1u << bit);
        char v[24];
        std::snprintf(v, sizeof v, "flags^=0x%02x", 1u << bit);
        what += v;
      } else {
        uring::set_value(f, cases[c].field, cases[c].value);
        char v[40];
        std::snprintf(v, sizeof v, "=0x%llx", static_cast<unsigned long long>(cases[c].value));
        what += std::string(uring::field_name(cases[c].field)) + v;
        if (f == uring::fields_of(s)) continue;  // not a corruption: same value
      }
      // The values were chosen against the first environment; fds are the same numbers in
      // every fresh one (each Env closes what it opened), which keeps the lists meaningful.
      const uring::LintReport report = uring::lint(f);
      const int linted = report.expected_error();
      int expected = linted, alternative = linted;
      kernel_answer(f, expected, alternative);
      INFO(what);
      const Outcome out = run(e, f);
      if (t.name == std::string("close") && out.seen && out.res == 0) e.close_fd = -1;
      if (t.name == std::string("close") && !out.seen) e.close_fd = -1;  // skipped success
      ++total;
      char text[4096];
      uring::format(report, text, sizeof text);
      INFO(what << ": kernel res " << (out.seen ? out.res : 0) << (out.seen ? "" : " (skipped)")
                << "\n"
                << text);
      if (cases[c].none) CHECK(linted == 0);  // every prep function builds a clean SQE
      const int resource = resource_error(f);
      const bool injected = f.opcode == IORING_OP_NOP && (f.op_flags & IORING_NOP_INJECT_RESULT);
      if (!expected && resource) {
        // Lint cannot know table sizes: the test does, and requires the kernel's exact answer.
        ++resource_refused;
        CHECK((out.seen && out.res == -resource));
      } else if (!expected && injected && out.seen && out.res == static_cast<std::int32_t>(f.len)) {
        ++clean_ok;  // NOP handed back the res it was told to (len 0xffffffff reads as -EPERM)
        ++clean;
      } else if (expected) {
        ++flagged;
        ++flagged_by[ename(-expected)];
        const bool ok = answers(out, expected) || answers(out, alternative);
        CHECK(ok);
        ok ? ++matched : ++mismatched;
      } else {
        ++clean;
        const bool field_refusal = !answers(out, 0) && !answers(out, alternative);
        CHECK_FALSE(field_refusal);
        if (field_refusal) ++mismatched;
        if (!out.seen)
          ++clean_skipped;
        else if (out.res >= 0)
          ++clean_ok;
        else {
          ++clean_refused[ename(out.res)];
          std::printf("  clean, kernel answered -%s: %s\n", ename(out.res), what.c_str());
        }
      }
    }
  }
  utsname u{};
  ::uname(&u);
  std::printf("kernel %s\n", u.release);
  std::printf("lint vs kernel: %u SQEs (%u templates); lint clean %u (accepted %u, CQE skipped %u",
              total, static_cast<unsigned>(tmpl.size()), clean, clean_ok, clean_skipped);
  for (const auto& [name, n] : clean_refused) std::printf(", refused %s %u", name.c_str(), n);
  std::printf("); lint flagged %u (", flagged);
  for (const auto& [name, n] : flagged_by) std::printf("%s %u ", name.c_str(), n);
  std::printf("), kernel agreed on %u; refused for this test's table sizes %u; mismatches %u\n",
              matched, resource_refused, mismatched);
  CHECK(mismatched == 0);
  CHECK(total > 300);
}

// The rows of /work/shared/kernel-facts.md that are about SQE fields, each checked twice: lint
// predicts the errno, and the kernel answers it.
TEST_CASE("kernel-facts rows: lint's prediction and the kernel's answer", "[lint][facts]") {
  struct Row {
    const char* fact;
    const char* tmpl;
    FieldId field;
    std::uint64_t value;
    std::uint8_t flags;  // IOSQE_* bits to set instead of a field
    int error;
  };
  const Row rows[] = {
      {"DATA with IORING_MSG_RING_CQE_SKIP", "msg_ring", FieldId::op_flags,
       IORING_MSG_RING_CQE_SKIP, 0, EINVAL},
      {"MSG_RING personality != 0", "msg_ring", FieldId::personality, 1, 0, EINVAL},
      {"MSG_RING buf_index != 0", "msg_ring", FieldId::buf_index, 1, 0, EINVAL},
      {"DATA with addr3 != 0", "msg_ring", FieldId::addr3, 1, 0, EINVAL},
      {"DATA with file_index != 0, no FLAGS_PASS", "msg_ring", FieldId::file_index, 5, 0, EINVAL},
      {"unknown command 99", "msg_ring", FieldId::addr, 99, 0, EINVAL},
      {"SEND_FD with len != 0", "msg_ring_fd", FieldId::len, 1, 0, EINVAL},
      {"SEND_FD with unknown flag 0x80", "msg_ring_fd", FieldId::op_flags, 0x80, 0, EINVAL},
      {"FILES_UPDATE ioprio != 0", "files_update", FieldId::ioprio, 1, 0, EINVAL},
      {"FILES_UPDATE rw_flags != 0", "files_update", FieldId::op_flags, 1, 0, EINVAL},
      {"FILES_UPDATE IOSQE_FIXED_FILE", "files_update", FieldId::user_data, 0, IOSQE_FIXED_FILE,
       EINVAL},
      {"FILES_UPDATE nr_fds 0", "files_update", FieldId::len, 0, 0, EINVAL},
      {"FILES_UPDATE offset 0xfffffffe, nr 2", "files_update", FieldId::off, 0xfffffffe, 0,
       EOVERFLOW},
  };
  const auto tmpl = templates();
  for (const Row& row : rows) {
    INFO(row.fact);
    Env e;
    io_uring_sqe s;
    std::memset(&s, 0xa5, sizeof s);
    const Template* t = nullptr;
    for (const Template& x : tmpl)
      if (std::string(x.name) == row.tmpl) t = &x;
    REQUIRE(t != nullptr);
    t->prep(s, e);
    SqeFields f = uring::fields_of(s);
    if (row.flags)
      f.flags |= row.flags;
    else
      uring::set_value(f, row.field, row.value);
    CHECK(uring::lint(f).expected_error() == row.error);
    int expected = row.error, alternative = row.error;
    kernel_answer(f, expected, alternative);
    const Outcome out = run(e, f);
    CHECK(out.seen);
    CHECK((answers(out, expected) || answers(out, alternative)));
  }
}
