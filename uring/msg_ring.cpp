#include "msg_ring.hpp"

#include <atomic>
#include <cerrno>

#include "../syscalls/syscalls.hpp"
#include "prep.hpp"

namespace uring {

namespace {

// The cache of msg_ring_support(): one bit per field plus kKnown once measured, or kFailed with the
// (positive) errno in the low bits once the measurement failed for a lasting reason. Relaxed is
// enough: every thread that measures stores the same value, and nothing else is published with it.
constexpr unsigned kKnown = 1U << 31;
constexpr unsigned kFailed = 1U << 30;
constexpr unsigned kErrnoMask = 0xffff;
std::atomic<unsigned> g_support{0};

// Failures that last as long as the process: io_uring absent (-ENOSYS), disabled or denied by a
// seccomp filter (-EPERM; filters can be added, never removed) or by a security module (-EACCES).
// Anything else (-ENOMEM, -EMFILE, -EAGAIN, -EINTR, ...) may pass, so the next call measures again.
Result<MsgRingSupport> failed(int err) {
  if (err == -EPERM || err == -ENOSYS || err == -EACCES)
    g_support.store(kFailed | (static_cast<unsigned>(-err) & kErrnoMask),
                    std::memory_order_relaxed);
  return Errno{err};
}

unsigned encode(const MsgRingSupport& s) {
  return kKnown | unsigned{s.data} | unsigned{s.send_fd} << 1 | unsigned{s.cqe_skip} << 2 |
         unsigned{s.flags_pass} << 3 | unsigned{s.sync} << 4;
}

MsgRingSupport decode(unsigned bits) {
  return MsgRingSupport{(bits & 1) != 0, (bits & 2) != 0, (bits & 4) != 0, (bits & 8) != 0,
                        (bits & 16) != 0};
}

// The blind opcodes (fd -1) came with IORING_REGISTER_SEND_MSG_RING in 6.13. Only success is an
// answer: older kernels refuse opcode 31 with -EINVAL (6.1 checks it against IORING_REGISTER_LAST
// before looking at the fd) or -EBADF (older ones look up fd -1 first), and -EINVAL is also what
// 6.13 says to a malformed call. So this sends a real DATA message to `ring` (our own, plain: the
// CQE lands at once and is never read).
int blind_send_answer(Ring& ring) {
  io_uring_sqe sqe{};
  prep_msg_ring(sqe, ring.fd(), 0, 0, 0);
  return sys::io_uring_register(-1, IORING_REGISTER_SEND_MSG_RING, &sqe, 1);
}

// Sends a DATA message with FLAGS_PASS from `ring` to itself and returns the source CQE's res.
// A plain ring (no DEFER_TASKRUN) gets the message CQE at submit time, so one wait for two CQEs
// collects both.
int flags_pass_answer(Ring& ring) {
  io_uring_sqe* sqe = ring.get_sqe();
  if (!sqe) return -EBUSY;
  prep_msg_ring_cqe_flags(*sqe, ring.fd(), 0, 0, 0, 1);
  sqe->user_data = 1;
  int res = -EAGAIN;  // stays so only if the CQE did not turn up: an error, not an answer
  if (const int ret = ring.submit_and_wait(1); ret < 0) return ret;
  (void)ring.get_events();  // if it fails, the CQE is missing and res says so (-EAGAIN)
  ring.for_each_cqe([&](const io_uring_cqe& c) {
    if (c.user_data == 1) res = c.res;
  });
  return res;
}

// The prep functions leave sqe->flags 0; IOSQE_CQE_SKIP_SUCCESS goes on after them.
void apply(io_uring_sqe& sqe, SourceCqe source_cqe) {
  if (source_cqe == SourceCqe::skip_on_success) sqe.flags |= IOSQE_CQE_SKIP_SUCCESS;
}

// The sync form, once the SQE is prepared: refused here, not by the kernel, where it is missing.
// Where the measurement itself failed (io_uring denied), its errno: -EOPNOTSUPP would tell the
// caller to use the SQE form, which fails the same way.
int register_message(const io_uring_sqe& sqe) {
  const auto support = msg_ring_support();
  if (!support) return support.error();
  if (!support->sync) return -EOPNOTSUPP;
  return sys::io_uring_register(-1, IORING_REGISTER_SEND_MSG_RING, &sqe, 1);
}

}  // namespace

MsgRingSupport MsgRingSupport::from(bool op_supported, unsigned last_op, int flags_pass_res,
                                    int blind_res) noexcept {
  MsgRingSupport s;
  s.data = op_supported;
  s.send_fd = s.data && last_op >= IORING_OP_SEND_ZC;
  s.cqe_skip = s.send_fd && last_op >= IORING_OP_SENDMSG_ZC;
  s.flags_pass = s.data && flags_pass_res == 0;
  s.sync = s.flags_pass && blind_res == 0;
  return s;
}

Result<MsgRingSupport> msg_ring_support() noexcept {
  const unsigned bits = g_support.load(std::memory_order_relaxed);
  if (bits & kKnown) return decode(bits);
  if (bits & kFailed) return Errno{-static_cast<int>(bits & kErrnoMask)};
  // A ring of our own, so the caller's ring (maybe SINGLE_ISSUER on another thread, maybe with
  // restrictions) is never touched, and plain flags so the self-message completes at submit.
  Params p;
  p.entries = 2;
  p.default_flags = false;
  p.register_ring_fd = false;
  auto ring = Ring::create(p);
  if (!ring) return failed(ring.error());
  auto pr = probe(*ring);
  if (!pr) return failed(pr.error());
  const bool op = pr->supports(IORING_OP_MSG_RING);
  const int flags_pass = op ? flags_pass_answer(*ring) : -EINVAL;
  // Anything but "accepted" or "unknown flag" (a signal, a full ring) is no answer: do not cache.
  if (flags_pass != 0 && flags_pass != -EINVAL) return failed(flags_pass);
  const MsgRingSupport s =
      MsgRingSupport::from(op, pr->last_op(), flags_pass, op ? blind_send_answer(*ring) : -EINVAL);
  g_support.store(encode(s), std::memory_order_relaxed);
  return s;
}

bool sync_message_supported() noexcept {
  const auto s = msg_ring_support();
  return s && s->sync;
}

Result<MsgSender> MsgSender::create(Ring& source) noexcept {
  auto s = msg_ring_support();
  if (!s) return Errno{s.error()};
  return MsgSender(source, *s);
}

Result<io_uring_sqe*> MsgSender::slot(std::uint64_t user_data) noexcept {
  io_uring_sqe* sqe = ring_->get_sqe();
  if (!sqe) return Errno{-EBUSY};
  sqe->user_data = user_data;
  return sqe;
}

Result<io_uring_sqe*> MsgSender::send(int target_ring_fd, unsigned len, std::uint64_t data,
                                      std::uint64_t user_data, SourceCqe source_cqe) noexcept {
  if (!support_.data) return Errno{-EOPNOTSUPP};
  auto sqe = slot(user_data);
  if (!sqe) return sqe;
  prep_msg_ring(**sqe, target_ring_fd, len, data, 0);  // no msg_ring_flags: CQE_SKIP is SEND_FD's
  apply(**sqe, source_cqe);
  return sqe;
}

Result<io_uring_sqe*> MsgSender::send_with_flags(int target_ring_fd, unsigned len,
                                                 std::uint64_t data, std::uint32_t cqe_flags,
                                                 std::uint64_t user_data,
                                                 SourceCqe source_cqe) noexcept {
  if (!support_.flags_pass) return Errno{-EOPNOTSUPP};
  auto sqe = slot(user_data);
  if (!sqe) return sqe;
  prep_msg_ring_cqe_flags(**sqe, target_ring_fd, len, data, 0, cqe_flags);
  apply(**sqe, source_cqe);
  return sqe;
}

Result<io_uring_sqe*> MsgSender::fd_common(int target_ring_fd, FixedFile source_slot, int target,
                                           std::uint64_t data, std::uint64_t user_data,
                                           TargetCqe target_cqe, SourceCqe source_cqe) noexcept {
  if (!support_.send_fd) return Errno{-EOPNOTSUPP};
  if (target_cqe == TargetCqe::skip && !support_.cqe_skip) return Errno{-EOPNOTSUPP};
  auto sqe = slot(user_data);
  if (!sqe) return sqe;
  prep_msg_ring_fd(**sqe, target_ring_fd, static_cast<int>(source_slot.index()), target, data,
                   target_cqe == TargetCqe::skip ? IORING_MSG_RING_CQE_SKIP : 0);
  apply(**sqe, source_cqe);
  return sqe;
}

Result<io_uring_sqe*> MsgSender::send_fd(int target_ring_fd, FixedFile source_slot,
                                         FixedFile target_slot, std::uint64_t data,
                                         std::uint64_t user_data, TargetCqe target_cqe,
                                         SourceCqe source_cqe) noexcept {
  // file_index carries slot + 1; 0xfffffffe + 1 would be IORING_FILE_INDEX_ALLOC and 0xffffffff
  // is ALLOC itself. Real tables end far below (the kernel caps them at 1 << 20 slots).
  if (target_slot.index() >= IORING_FILE_INDEX_ALLOC - 1) return Errno{-EINVAL};
  return fd_common(target_ring_fd, source_slot, static_cast<int>(target_slot.index()), data,
                   user_data, target_cqe, source_cqe);
}

Result<io_uring_sqe*> MsgSender::send_fd_alloc(int target_ring_fd, FixedFile source_slot,
                                               std::uint64_t data, std::uint64_t user_data,
                                               TargetCqe target_cqe,
                                               SourceCqe source_cqe) noexcept {
  return fd_common(target_ring_fd, source_slot, static_cast<int>(IORING_FILE_INDEX_ALLOC), data,
                   user_data, target_cqe, source_cqe);
}

int send_message_sync(int target_ring_fd, unsigned len, std::uint64_t data) noexcept {
  io_uring_sqe sqe{};
  prep_msg_ring(sqe, target_ring_fd, len, data, 0);  // sqe.flags stays 0, as the kernel demands
  return register_message(sqe);
}

int send_message_sync_with_flags(int target_ring_fd, unsigned len, std::uint64_t data,
                                 std::uint32_t cqe_flags) noexcept {
  io_uring_sqe sqe{};
  prep_msg_ring_cqe_flags(sqe, target_ring_fd, len, data, 0, cqe_flags);
  return register_message(sqe);
}

}  // namespace uring
