// libFuzzer target: the kernel differential. Each input becomes one SQE of an opcode lint knows
// (NOP, READ, WRITE, CLOSE, MSG_RING, FILES_UPDATE), aimed only at what this input's environment
// owns (two fresh rings and their tables, a memfd, a scratch buffer, an fd to close), submitted
// to a real ring. lint()'s prediction is compared with the CQE:
//   match     lint predicted the errno the kernel answered, or clean and the kernel accepted;
//   conditional  lint's deciding finding depends on state it cannot see: counted apart;
//   environment  the kernel's answer is explained by this environment, which lint is not told
//             about (see expected_here): counted apart, compared with what the environment implies;
//   unmodelled  lint said "not modelled" before any refusal: no verdict to compare;
//   mismatch  anything else: counted, the first of each (opcode, predicted, answered) kind printed
//             (mismatches are reported, they do not fail the run);
//   corrupt   the ring stopped working: no CQE when one is due, an SQE left unconsumed, CQEs
//             dropped, or the NOP sent afterwards not coming back as it went in. That traps
//             (a crash to libFuzzer), as does any sanitizer report.
// At exit: one line "DIFF: N SQEs, M matched, K mismatched (...), C conditional".
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <set>
#include <tuple>

#include "uring/audit.hpp"
#include "uring/uring.hpp"

namespace {

constexpr std::uint64_t kCase = 0xc0ffee00c0ffeeULL;
constexpr std::uint64_t kNop = 0x40b;
constexpr std::uint8_t kOps[] = {IORING_OP_NOP,   IORING_OP_READ,     IORING_OP_WRITE,
                                 IORING_OP_CLOSE, IORING_OP_MSG_RING, IORING_OP_FILES_UPDATE};

struct Stats {
  unsigned long total = 0, matched = 0, mismatched = 0, conditional = 0, skipped_success = 0,
                environment = 0, unmodelled = 0;
  std::set<std::tuple<int, int, int>> kinds;  // (opcode, predicted, answered)
  ~Stats() {
    std::fprintf(stderr,
                 "DIFF: %lu SQEs, %lu matched, %lu mismatched (%zu kinds), %lu answered otherwise "
                 "where lint's finding was conditional, %lu explained by the environment, %lu not "
                 "modelled, %lu skipped on success\n",
                 total, matched, mismatched, kinds.size(), conditional, environment, unmodelled,
                 skipped_success);
  }
} g_stats;

void require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "ring state: %s\n", what);
    __builtin_trap();
  }
}

std::uint64_t load(const std::uint8_t* p, unsigned n) {
  std::uint64_t v = 0;
  std::memcpy(&v, p, n);
  return v;
}

struct Env {
  std::optional<uring::Ring> src, dst;
  int memfd = -1, close_fd = -1;
  alignas(4096) char buf[1 << 17];
  std::uint64_t pi[4] = {};  // a PI attribute (struct io_uring_attr_pi) for READ / WRITE
  int fds[8];

  bool make() {
    uring::Params p;
    p.entries = 8;
    p.default_flags = false;
    p.register_ring_fd = false;
    auto a = uring::Ring::create(p), b = uring::Ring::create(p);
    if (!a || !b) return false;
    src.emplace(a.take());
    dst.emplace(b.take());
    memfd = ::memfd_create("fuzz", MFD_CLOEXEC);
    if (memfd < 0 || ::write(memfd, "0123456789abcdef", 16) != 16) return false;
    close_fd = ::dup(memfd);
    const int table[4] = {memfd, memfd, -1, -1};
    if (uring::register_files(*src, table) != 0 || uring::register_files_sparse(*dst, 4) != 0)
      return false;
    for (int& f : fds) f = memfd;
    fds[3] = -1;
    return true;
  }
  ~Env() {
    if (close_fd >= 0) ::close(close_fd);  // -EBADF if a CLOSE took it: fine
    if (memfd >= 0) ::close(memfd);
  }
};

// The SQE from the input, with every pointer and descriptor aimed at `e`'s own things.
io_uring_sqe build(const std::uint8_t* in, Env& e) {
  io_uring_sqe s;
  std::memcpy(&s, in, sizeof s);
  s.opcode = kOps[in[0] % sizeof kOps];
  const unsigned pick = in[4];
  // Not a ring fd: a READ of one waits until that ring has a CQE (the poll path), which here is
  // never.
  const int plain[4] = {e.memfd, e.memfd, e.close_fd, -1};
  // With IOSQE_FIXED_FILE: a slot of src's table (0 and 1 hold the memfd, 2 and 3 are empty) or
  // one past it; else one of our fds or -1.
  s.fd = s.flags & IOSQE_FIXED_FILE ? static_cast<int>(pick % 5) : plain[pick % 4];
  switch (s.opcode) {
    case IORING_OP_READ:
    case IORING_OP_WRITE:
      // Inside the buffer whatever the length (len < 64 KiB, start < 64 KiB), or null.
      s.addr = s.addr ? reinterpret_cast<std::uint64_t>(e.buf) + (s.addr & 0xffff) : 0;
      s.len &= 0xffff;
      // With attributes, attr_ptr (addr3) is null or our PI attribute, whose contents come from
      // the input: never another address, whose contents could change between lint and the
      // kernel's copy.
      if (s.__pad2[0]) {
        std::memcpy(e.pi, in + 8, sizeof e.pi);
        s.addr3 = s.addr3 & 1 ? 0 : reinterpret_cast<std::uint64_t>(e.pi);
      }
      break;
    case IORING_OP_CLOSE:
      if (!(s.flags & IOSQE_FIXED_FILE) && s.file_index == 0) s.fd = e.close_fd;  // only our spare
      break;
    case IORING_OP_MSG_RING:
      s.fd = pick % 2 ? e.dst->fd() : (pick % 4 == 2 ? e.memfd : e.src->fd());
      s.addr &= 3;  // DATA, SEND_FD or unknown commands
      if (s.off == kCase || s.off == kNop) s.off ^= 1;
      break;
    case IORING_OP_FILES_UPDATE:
      s.addr = s.addr ? reinterpret_cast<std::uint64_t>(e.fds) : 0;
      s.len &= 7;
      break;
  }
  s.user_data = kCase;
  return s;
}

// Every CQE now in `ring` (after one enter), returning the one for kCase, if any.
bool take(uring::Ring& ring, int* res) {
  bool found = false;
  (void)ring.get_events();
  ring.for_each_cqe([&](const io_uring_cqe& c) {
    if (c.user_data == kCase) {
      require(!found, "two CQEs for one SQE");
      found = true;
      *res = c.res;
    }
  });
  return found;
}

// src's table: slots 0 and 1 hold the memfd; 2 and 3 are empty; 4 is past its end.
bool src_slot_set(std::uint32_t slot) { return slot < 2; }

// The kernel's answer where it depends on what this environment is and lint cannot know: 0 when
// nothing here decides it (then lint's own prediction is compared). `predicted` is lint's errno.
//   - FILES_UPDATE over slots past src's 4-slot table: -EINVAL (as table_error in
//     tests/kernel/lint_kernel_test.cpp: lint knows no table's size).
//   - MSG_RING aimed at the memfd: io_msg_ring's first issue check is that the target is a ring
//     (-EBADFD), before any command check; only io_init_req's and the prep's refusals (the flag
//     mask, personality, buf_index, ioprio, unknown IOSQE_* bits: -EINVAL; -EOPNOTSUPP from
//     io_init_req) come first.
//   - SEND_FD into a slot past dst's 4-slot table: -EINVAL (lint_kernel_test's table_error).
//   - SEND_FD aimed at src itself: refused (-EINVAL) right after its len check, before the source
//     slot is looked at (lint cannot know the target is the sender).
int expected_here(const io_uring_sqe& s, const Env& e, int predicted) {
  const auto cmd = static_cast<std::uint32_t>(s.addr);
  if (s.opcode == IORING_OP_FILES_UPDATE) {
    const auto offset = static_cast<std::uint32_t>(s.off);
    if (offset != IORING_FILE_INDEX_ALLOC && std::uint64_t{offset} + s.len > 4 && predicted == 0)
      return EINVAL;
  }
  if (s.opcode == IORING_OP_MSG_RING && !(s.flags & IOSQE_FIXED_FILE)) {
    constexpr std::uint32_t kKnown = IORING_MSG_RING_CQE_SKIP | IORING_MSG_RING_FLAGS_PASS;
    const bool prep_refusal =
        predicted == EOPNOTSUPP ||
        (predicted == EINVAL && (s.ioprio || (s.flags & 0x80) || s.personality || s.buf_index ||
                                 (s.msg_ring_flags & ~kKnown)));
    if (s.fd == e.memfd && !prep_refusal) return EBADFD;
    if (s.fd == e.src->fd() && cmd == IORING_MSG_SEND_FD && predicted != EOPNOTSUPP) return EINVAL;
    if (s.fd == e.dst->fd() && cmd == IORING_MSG_SEND_FD && predicted == 0 &&
        s.file_index != IORING_FILE_INDEX_ALLOC && s.file_index > 4)
      return EINVAL;
  }
  return 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 64) return 0;
  Env e;
  if (!e.make()) return 0;  // out of fds or memory: not the library's answer to judge
  const io_uring_sqe sqe = build(data, e);
  // lint reads what the kernel reads at prep (a PI attribute) and knows which slots of src's table
  // hold a file, as tests/kernel/lint_kernel_test.cpp lets it read memory.
  uring::Kernel kernel = uring::running_kernel();
  kernel.read_memory = uring::read_own_memory;
  kernel.fixed_file_set = src_slot_set;
  const uring::LintReport report = uring::lint(sqe, kernel);

  io_uring_sqe* slot = e.src->get_sqe();
  require(slot != nullptr, "fresh ring without a free SQE");
  *slot = sqe;
  const int submitted = e.src->submit();
  require(submitted == 1, "submit did not take the SQE");
  int res = 0;
  bool got = false;
  // Everything here completes inline or on an io-wq worker within milliseconds (a memfd, no
  // waits); two seconds without the CQE is a lost completion unless CQE_SKIP_SUCCESS hid it.
  // With CQE_SKIP_SUCCESS a success posts nothing: waiting the full two seconds for it made most of
  // a run's time, so those wait 2 ms, and a late failure CQE is still caught after the NOP below.
  const bool may_skip = sqe.flags & IOSQE_CQE_SKIP_SUCCESS;
  for (int tries = 0; tries < (may_skip ? 20 : 200) && !got; ++tries) {
    got = take(*e.src, &res);
    if (!got) ::usleep(tries < 10 || may_skip ? 100 : 10000);
  }
  require(got || may_skip, "no CQE for the SQE");
  require(e.src->cq().overflow() == 0, "CQEs dropped");
  // The ring still works: a NOP comes back as it went.
  io_uring_sqe* nop = e.src->get_sqe();
  require(nop != nullptr, "no free SQE after the case");
  uring::prep_nop(*nop);
  nop->user_data = kNop;
  require(e.src->submit_and_wait(1) >= 1, "NOP not submitted");
  bool nop_back = false;
  for (int tries = 0; tries < 200 && !nop_back; ++tries) {
    (void)e.src->get_events();
    e.src->for_each_cqe([&](const io_uring_cqe& c) {
      if (c.user_data == kNop) {
        require(c.res == 0, "NOP answered non-zero");
        nop_back = true;
      } else if (c.user_data == kCase) {  // the case's own CQE, late (io-wq)
        require(!got, "two CQEs for one SQE");
        got = true;
        res = c.res;
      }
    });
    if (!nop_back) ::usleep(1000);
  }
  require(nop_back, "NOP never came back");
  const bool skipped = !got;

  ++g_stats.total;
  if (skipped) {
    ++g_stats.skipped_success;
    return 0;
  }
  const int predicted = report.expected_error();
  if (const int here = expected_here(sqe, e, predicted)) {
    if (res == -here) {
      ++g_stats.environment;
      return 0;
    }
  } else if (!report.modelled()) {
    ++g_stats.unmodelled;
    return 0;
  }
  // The finding that decides the prediction: a conditional one depends on ring state lint cannot
  // see (personalities, IOPOLL, the file's kind), so a different answer is classified, not a
  // mismatch.
  bool conditional = false;
  for (const uring::Finding& f : report.findings())
    if (f.severity != uring::Severity::note) {
      conditional = f.severity == uring::Severity::conditional;
      break;
    }
  // Clean means "not refused for its fields": -EINVAL / -EOPNOTSUPP would contradict it; other
  // errnos (-EBADF for an empty slot, -EFAULT, ...) are the resources' answers.
  const bool match = predicted != 0 ? res == -predicted : (res != -EINVAL && res != -EOPNOTSUPP);
  if (match) {
    ++g_stats.matched;
    return 0;
  }
  if (conditional) {
    ++g_stats.conditional;
    return 0;
  }
  ++g_stats.mismatched;
  if (g_stats.kinds.insert({sqe.opcode, predicted, res}).second) {
    char hex[129];
    const auto* b = reinterpret_cast<const std::uint8_t*>(&sqe);
    for (int i = 0; i < 64; ++i) std::snprintf(hex + 2 * i, 3, "%02x", b[i]);
    std::fprintf(stderr, "MISMATCH: opcode %u: lint predicted %d, kernel answered %d: %s\n",
                 sqe.opcode, -predicted, res, hex);
  }
  return 0;
}
