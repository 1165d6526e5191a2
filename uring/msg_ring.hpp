// Cross-ring messaging (IORING_OP_MSG_RING), typed for runtimes that run one ring per thread.
//
// A sender queues an SQE on its own ring (the source); the kernel posts a CQE on another ring (the
// target, named by its plain fd: a ring cannot sit in a fixed-file table). Two commands:
//   DATA     the target gets {user_data = data, res = len, flags = 0 or the sender's cqe_flags}.
//   SEND_FD  a direct descriptor of the source's file table is installed in the target's table;
//            the target gets {user_data = data, res = slot (ALLOC) or 0, flags = 0}.
// The source gets its own CQE: 0 (ALLOC: the allocated slot) or -errno; errors never reach the
// target. docs/msg-ring.md has the SQE field map, the CQEs and the error table.
//
// The trap this layer closes: IORING_MSG_RING_CQE_SKIP (no target CQE) exists only for SEND_FD;
// the kernel answers -EINVAL to a DATA message carrying it. DATA senders here have no way to ask
// for it; SEND_FD senders choose TargetCqe::skip. Dropping the SOURCE's CQE is a different thing,
// IOSQE_CQE_SKIP_SUCCESS on the source SQE (SourceCqe::skip_on_success), valid for both.
//
// Receiving: a target created with DEFER_TASKRUN (the default single-thread Ring) sees messages
// only after it enters the kernel. Ring::poll_cqe / wait_cqe / get_events do that (the
// IORING_SQ_TASKRUN bit says when); peek_cqe / for_each_cqe alone never will.
//
// Nothing here allocates or throws.
//
// Threading: a MsgSender queues SQEs on its source ring, so it belongs to whoever may submit there
// (the owner thread of a single-thread ring). The target is named by its plain fd and may be any
// ring on any thread. Lifetime: a MsgSender points at its source Ring, which must outlive it; the
// target's fd must stay open until the message is queued (source res 0 means queued, not read:
// docs/msg-ring.md, "Delivery").
#pragma once

#include <cstdint>

#include "register.hpp"
#include "result.hpp"
#include "ring.hpp"

namespace uring {

// What this kernel supports of MSG_RING. Each field names the first kernel that has it.
struct MsgRingSupport {
  bool data = false;        // IORING_OP_MSG_RING with IORING_MSG_DATA (5.18)
  bool send_fd = false;     // IORING_MSG_SEND_FD (6.0)
  bool cqe_skip = false;    // IORING_MSG_RING_CQE_SKIP on SEND_FD (6.1)
  bool flags_pass = false;  // IORING_MSG_RING_FLAGS_PASS: sender sets the target's flags (6.3)
  bool sync = false;        // IORING_REGISTER_SEND_MSG_RING: DATA without a source ring (6.13)

  // The decision, from the raw answers (pure, so it can be checked without a kernel):
  //   op_supported  the probe's IO_URING_OP_SUPPORTED for IORING_OP_MSG_RING;
  //   last_op       the probe's last_op: the opcode table grew with each release, so last_op >=
  //                 IORING_OP_SEND_ZC (47) means 6.0+, >= IORING_OP_SENDMSG_ZC (48) 6.1+;
  //   flags_pass_res the res of a DATA message with FLAGS_PASS sent to a ring (0 where the kernel
  //                 knows the flag, -EINVAL where it does not);
  //   blind_res     io_uring_register(-1, IORING_REGISTER_SEND_MSG_RING, &sqe, 1) with a DATA
  //                 message to a ring: 0 where the blind opcodes exist (6.13), else -EINVAL (6.1:
  //                 opcode past the table) or -EBADF (older kernels look up fd -1 first).
  static MsgRingSupport from(bool op_supported, unsigned last_op, int flags_pass_res,
                             int blind_res) noexcept;
};

// This kernel's support, measured once per process and cached (the kernel cannot change under a
// running process): the first call creates a throwaway 2-entry ring, probes it, sends one
// FLAGS_PASS message to itself and one sync (blind io_uring_register) message to itself.
// Thread-safe; later calls are one atomic load. Errors: what Ring::create / the probe / the enter
// answered, as is: -ENOSYS, -EPERM or -EACCES where io_uring is absent or denied (cached too: such
// a failure lasts as long as the process), anything else (-ENOMEM, -EINTR, ...) measured again by
// the next call.
Result<MsgRingSupport> msg_ring_support() noexcept;

// Whether the source ring posts its own CQE for the message.
enum class SourceCqe : unsigned char {
  post,             // always (res 0 / the allocated slot / -errno)
  skip_on_success,  // IOSQE_CQE_SKIP_SUCCESS: only a failure posts one
};

// Whether the target ring gets a CQE for a SEND_FD (DATA always posts one).
enum class TargetCqe : unsigned char {
  post,
  skip,  // IORING_MSG_RING_CQE_SKIP: the descriptor is installed silently (6.1)
};

// Queues MSG_RING SQEs on a source ring. Every send returns the queued SQE (user_data already
// set; the caller may add link flags) or an error, and never queues an SQE the kernel would
// misread:
//   -EOPNOTSUPP  this kernel lacks the feature (see MsgRingSupport), nothing queued;
//   -EINVAL      a target slot the encoding cannot express (index >= 0xfffffffe: slot + 1 would
//                read as IORING_FILE_INDEX_ALLOC), nothing queued;
//   -EBUSY       the source SQ is full: submit, then try again.
// Submitting is the caller's business (Ring::submit), so messages batch with other SQEs.
class MsgSender {
 public:
  // A sender with this kernel's support (msg_ring_support()).
  static Result<MsgSender> create(Ring& source) noexcept;
  // A sender that believes `support`: lets a runtime (or a test) pin what it relies on.
  MsgSender(Ring& source, const MsgRingSupport& support) noexcept
      : ring_(&source), support_(support) {}

  // DATA: the target gets {user_data = data, res = len (read it as unsigned), flags = 0}.
  Result<io_uring_sqe*> send(int target_ring_fd, unsigned len, std::uint64_t data,
                             std::uint64_t user_data,
                             SourceCqe source_cqe = SourceCqe::post) noexcept;
  // DATA with IORING_MSG_RING_FLAGS_PASS: the target's cqe->flags = cqe_flags. Use
  // message_flags() for the tag convention below.
  Result<io_uring_sqe*> send_with_flags(int target_ring_fd, unsigned len, std::uint64_t data,
                                        std::uint32_t cqe_flags, std::uint64_t user_data,
                                        SourceCqe source_cqe = SourceCqe::post) noexcept;
  // SEND_FD into slot `target_slot` of the target's table (replacing what is there). Source CQE
  // res 0; target CQE {user_data = data, res = 0} unless TargetCqe::skip.
  Result<io_uring_sqe*> send_fd(int target_ring_fd, FixedFile source_slot, FixedFile target_slot,
                                std::uint64_t data, std::uint64_t user_data,
                                TargetCqe target_cqe = TargetCqe::post,
                                SourceCqe source_cqe = SourceCqe::post) noexcept;
  // SEND_FD into a slot the target allocates from its alloc range: both the source CQE and the
  // target CQE carry that slot in res (decode with allocated_slot()).
  Result<io_uring_sqe*> send_fd_alloc(int target_ring_fd, FixedFile source_slot, std::uint64_t data,
                                      std::uint64_t user_data,
                                      TargetCqe target_cqe = TargetCqe::post,
                                      SourceCqe source_cqe = SourceCqe::post) noexcept;

  const MsgRingSupport& support() const noexcept { return support_; }

 private:
  Result<io_uring_sqe*> slot(std::uint64_t user_data) noexcept;
  Result<io_uring_sqe*> fd_common(int target_ring_fd, FixedFile source_slot, int target,
                                  std::uint64_t data, std::uint64_t user_data, TargetCqe target_cqe,
                                  SourceCqe source_cqe) noexcept;

  Ring* ring_;
  MsgRingSupport support_;
};

// The sync form: DATA to a ring without owning one (IORING_REGISTER_SEND_MSG_RING, fd -1, 6.13).
// The kernel posts the target CQE before returning; there is no source CQE. Returns 0 or -errno:
// -EOPNOTSUPP before 6.13; msg_ring_support()'s errno where that fails (-EPERM, -ENOSYS: io_uring
// denied or absent); else the kernel's -EBADF / -EBADFD / -EOWNERDEAD / -ENOMEM /
// -EOVERFLOW as for the SQE form. The kernel's rules: sqe.flags must be 0 (no IOSQE_*), opcode
// MSG_RING, command DATA only (SEND_FD has no source table), personality and buf_index 0.
[[nodiscard]] int send_message_sync(int target_ring_fd, unsigned len, std::uint64_t data) noexcept;
[[nodiscard]] int send_message_sync_with_flags(int target_ring_fd, unsigned len, std::uint64_t data,
                                               std::uint32_t cqe_flags) noexcept;
// Whether the sync form exists: msg_ring_support().sync (false where that fails).
bool sync_message_supported() noexcept;

// ---- telling messages apart on the receiving side ----------------------------------------------
//
// A DATA message CQE looks like any local CQE. The convention: a sender using FLAGS_PASS sets
// cqe->flags = message_flags(kind), i.e. the tag 0x4D ('M') in bits 24..31, a caller-chosen
// 8-bit kind in bits 16..23, and bits 0..15 zero. is_message() tests the top byte AND that
// IORING_CQE_F_BUFFER (bit 0) is clear: the kernel puts something in the upper 16 bits of a local
// CQE only with F_BUFFER set (the buffer id) or for socket timestamp CQEs (bit 16 and a small
// clock type above it), so no local CQE carries 0x4D in the top byte. Bits 0..15 stay zero so a
// message never looks like it has F_MORE / F_NOTIF / ... set. A runtime that needs every message
// to be recognisable must send them all with FLAGS_PASS (6.3+); SEND_FD target CQEs always have
// flags 0 and are told apart by user_data.
inline constexpr std::uint32_t kMessageTag = 0x4DU << 24;
inline constexpr std::uint32_t kMessageTagMask = (0xFFU << 24) | IORING_CQE_F_BUFFER;

constexpr std::uint32_t message_flags(std::uint8_t kind = 0) noexcept {
  return kMessageTag | (std::uint32_t{kind} << 16);
}
constexpr bool is_message(const io_uring_cqe& cqe) noexcept {
  return (cqe.flags & kMessageTagMask) == kMessageTag;
}
constexpr std::uint8_t message_kind(const io_uring_cqe& cqe) noexcept {
  return static_cast<std::uint8_t>(cqe.flags >> 16);
}

// ---- reading the CQEs ---------------------------------------------------------------------------

// A source CQE of DATA or SEND_FD into a given slot: 0 or the kernel's -errno, as is (-EINVAL,
// -EBADF, -EBADFD, -ENXIO, -ENFILE, -EOWNERDEAD, -ENOMEM, -EOVERFLOW, ...).
constexpr int send_result(const io_uring_cqe& cqe) noexcept { return cqe.res; }
// The source or target CQE of send_fd_alloc: the slot the target allocated, or the -errno as is.
inline Result<FixedFile> allocated_slot(const io_uring_cqe& cqe) noexcept {
  if (cqe.res < 0) return Errno{cqe.res};
  return FixedFile(static_cast<unsigned>(cqe.res));
}
// A target CQE of DATA: the sender's len (res carries it bit for bit; it is never an error).
constexpr unsigned message_len(const io_uring_cqe& cqe) noexcept {
  return static_cast<unsigned>(cqe.res);
}

}  // namespace uring
