// Every io_uring opcode, 0 (NOP) .. 62 (PIPE), as one constexpr table: its name, the first kernel
// release that has it, which SQE fields it reads and what each means, the flag bits it knows per
// kernel release, and the checks its prep function makes, in the kernel's order, each naming the
// kernel function it mirrors. describe() and lint() (audit.hpp), probe naming (opcode_name()),
// `uringctl decode` and docs/opcodes.md all read this table, so they cannot disagree.
//
// The table is for auditing and documentation only: no prep function and nothing on the hot path
// reads it.
//
// Releases are written as major * 100 + minor: 601 is 6.1, 618 is 6.18.
#pragma once

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <span>

namespace uring {

// ---- vocabulary shared with audit.hpp -----------------------------------------------------------

// The twelve SQE fields at their ABI offsets (user_data included), named after the first member of
// each union.
enum class FieldId : std::uint8_t {
  ioprio,
  fd,
  off,
  addr,
  len,
  op_flags,
  user_data,
  buf_index,
  personality,
  file_index,
  addr3,
  pad2,
};
inline constexpr std::size_t kFieldCount = 12;

// How the kernel treats a field for this opcode (and command / flags).
enum class Use : std::uint8_t {
  used,     // read and acted on: `meaning` says as what
  zero,     // must be zero: the kernel refuses anything else (lint says with which errno)
  ignored,  // never read for this request: any value passes unnoticed
  unknown,  // opcode rawuring does not know: raw value only
};

enum class Severity : std::uint8_t {
  error,         // the kernel refuses this SQE with `error`, whatever the ring's state
  conditional,   // refused with `error` unless the ring's state says otherwise (see `text`)
  note,          // accepted, but worth a look (an ignored non-zero field, a truncated value)
  not_modelled,  // lint does not model what the kernel does from here on: no verdict
};

namespace op {

// The newest release whose rules the table records. A named release above it is "not modelled"
// wherever a rule could have changed (new flag bits).
inline constexpr int kNewestModelled = 618;

// How much of an opcode lint predicts.
enum class Model : std::uint8_t {
  // Every check the kernel makes on the SQE's own fields, at prep and at issue (with
  // `conditional` findings for what depends on the file or ring): a clean verdict means the
  // kernel refuses it with no field-check errno.
  full,
  // The prep function's checks only. What the issue function answers depends on run-time state
  // (the file, the socket, the path, memory contents): a clean verdict means "passes prep", and the
  // row's `issue_errors` lists the errnos its issue may still answer for a well-formed SQE.
  prep,
  // Nothing beyond io_init_req's generic checks: the verdict is "not modelled".
  none,
};

// One named bit of a flags word, and the first release that accepts it.
struct Bit {
  std::uint32_t value;
  const char* name;
  int since;
};

// A field the opcode reads, and what it means. `name` overrides the generic ABI name.
struct Field {
  FieldId id;
  const char* name;
  const char* meaning;
};

enum class Rule : std::uint8_t {
  nonzero,         // (field & mask) != 0 is refused: the field (or those bits) must be 0
  is_zero,         // field == 0 is refused
  unknown_bits,    // bits of `field` outside the row's flag set known to the release are refused
  above,           // field > mask is refused (unsigned)
  sqe_flag,        // IOSQE_* bits `mask` set in sqe->flags are refused
  needs_sqe_flag,  // IOSQE_* bits `mask` missing from sqe->flags are refused
  bad_pointer,     // a user pointer that can never be read (first page, or past user space)
  special,         // a check that is not a field-and-mask test: audit.hpp's lint_special(`special`)
};

// Checks that cannot be a mask test (each is a function in audit.hpp, which says why).
enum class Special : std::uint8_t {
  none,
  nop,            // CQE32 needs a 32-byte CQ
  rw,             // ioprio_check_cap, attributes, RWF_* in kiocb_set_rw_flags order, offsets
  rw_vec_select,  // READV with a provided buffer: len must be 1
  close,          // fd with file_index
  msg_ring,       // per command (DATA / SEND_FD)
  files_update,   // offset + nr overflow, slots past 2^20
  accept,         // slot with SOCK_CLOEXEC, multishot into a fixed slot, accept_flags
  send,           // BUNDLE on SENDMSG / without a provided buffer
  recv,           // MULTISHOT / BUNDLE combinations
  timeout,        // clocks, MULTISHOT|ABS
  timeout_remove,
  poll_add,     // multishot with CQE_SKIP_SUCCESS
  poll_remove,  // update flags combinations
  cancel,       // FD / OP with ANY
  open,         // file_index with O_CLOEXEC
  openat2,      // how size
  provide_buffers,
  remove_buffers,
  socket,       // file_index with SOCK_CLOEXEC, type flags
  send_zc,      // CQE_SKIP_SUCCESS refused
  futex,        // futex2 flags
  futex_waitv,  // count 1..128
  read_mshot,   // IOSQE_BUFFER_SELECT required, then the rw prep (ioprio, attributes)
  reg_iovec,    // READV_FIXED / WRITEV_FIXED: the iovec array copied at prep
  uring_cmd,    // FIXED with MULTISHOT, MULTISHOT without (or BUFFER_SELECT without) the other
  recv_zc,      // the zero-copy receive queue named by zcrx_ifq_idx
  recv_zc_multishot,  // IORING_RECV_MULTISHOT required
};

// What each Special checks, for docs/opcodes.md (the code is in audit.hpp).
constexpr const char* special_rules(Special s) noexcept {
  switch (s) {
    case Special::nop:
      return "IORING_NOP_CQE32 without a 32-byte CQ: EINVAL (conditional on the ring)";
    case Special::rw:
      return "prep: ioprio_check_cap (class NONE with a level, class > 3, level >= 8 before 6.5: "
             "EINVAL; RT without CAP_SYS_NICE: EPERM), attr_type_mask other than PI: EINVAL "
             "(6.14+), PI attribute unreadable: EFAULT, its rsvd set: EINVAL; file lookup: EBADF "
             "for fd < 0 or a slot >= 2^20; issue (kiocb_set_rw_flags order): unknown RWF_*: "
             "EOPNOTSUPP, APPEND with NOAPPEND: EINVAL, NOWAIT on a file without FMODE_NOWAIT: "
             "EOPNOTSUPP, ATOMIC on a read: EOPNOTSUPP (on a write: conditional), DONTCACHE: "
             "conditional EOPNOTSUPP, HIPRI outside IOPOLL: EINVAL, PI without O_DIRECT: "
             "EOPNOTSUPP; rw_verify_area: negative offset: EINVAL (seekable files)";
    case Special::rw_vec_select: return "IOSQE_BUFFER_SELECT with len != 1: EINVAL";
    case Special::close:
      return "fd != 0 with file_index: EINVAL; slot >= 2^20: EINVAL (ENXIO without a table)";
    case Special::msg_ring:
      return "unknown msg_ring_flags: EINVAL; IOSQE_FIXED_FILE: EBADF/EBADFD (no ring can be "
             "registered); DATA: addr3 != 0, CQE_SKIP, file_index without FLAGS_PASS: EINVAL; "
             "SEND_FD: len != 0 (6.6+): EINVAL, target slot 0 or >= 2^20: EINVAL; other "
             "commands: EINVAL";
    case Special::files_update:
      return "offset + len overflows 32 bits: EOVERFLOW; past 2^20: EINVAL (ENXIO without a "
             "table)";
    case Special::accept:
      return "SOCK_CLOEXEC with file_index: EINVAL; multishot into a fixed slot (not ALLOC): "
             "EINVAL; accept_flags other than SOCK_CLOEXEC / SOCK_NONBLOCK: EINVAL";
    case Special::send:
      return "BUNDLE on SENDMSG: EINVAL; BUNDLE without IOSQE_BUFFER_SELECT before 6.16: EINVAL";
    case Special::recv:
      return "MULTISHOT without IOSQE_BUFFER_SELECT, with MSG_WAITALL, or (RECV before 6.16) "
             "with len: EINVAL; BUNDLE on RECVMSG: EINVAL";
    case Special::timeout:
      return "unknown timeout_flags, two clocks, MULTISHOT with ABS: EINVAL; timespec unreadable: "
             "EFAULT, negative: EINVAL; LINK_TIMEOUT not after IOSQE_IO_LINK: EINVAL";
    case Special::timeout_remove:
      return "flags without an update: EINVAL; update with two clocks or bits other than ABS: "
             "EINVAL; timespec at addr2 unreadable: EFAULT, negative: EINVAL";
    case Special::poll_add: return "IORING_POLL_ADD_MULTI with IOSQE_CQE_SKIP_SUCCESS: EINVAL";
    case Special::poll_remove:
      return "ADD_MULTI alone, a new user_data without UPDATE_USER_DATA, events without "
             "UPDATE_EVENTS: EINVAL";
    case Special::cancel: return "CANCEL_FD or CANCEL_OP with CANCEL_ANY: EINVAL";
    case Special::open: return "O_CLOEXEC with file_index: EINVAL";
    case Special::openat2: return "len < 24 (OPEN_HOW_SIZE_VER0): EINVAL";
    case Special::provide_buffers:
      return "nbufs (fd) 0 or above 65536: E2BIG; len 0: EINVAL; addr + "
             "len * nbufs overflows: EOVERFLOW, past user space: EFAULT; first id > 65535: "
             "E2BIG; ids past 65535 (6.7+): EINVAL";
    case Special::remove_buffers: return "nbufs (fd) 0 or above 65536: EINVAL";
    case Special::socket:
      return "SOCK_CLOEXEC with file_index: EINVAL; type flags other than SOCK_CLOEXEC / "
             "SOCK_NONBLOCK: EINVAL";
    case Special::send_zc: return "IOSQE_CQE_SKIP_SUCCESS: EINVAL";
    case Special::futex:
      return "futex2 flags (fd) other than SIZE_U32 | PRIVATE: EINVAL; value or mask above 32 "
             "bits: EINVAL";
    case Special::futex_waitv: return "len 0 or above 128: EINVAL";
    case Special::read_mshot:
      return "no IOSQE_BUFFER_SELECT: EINVAL; then the rw prep (ioprio_check_cap, attr_type_mask "
             "and the PI attribute, as READ)";
    case Special::reg_iovec:
      return "iovec array (len entries at addr) copied at prep: more than 262144 entries: ENOMEM "
             "(the array is allocated before the count is checked), more than 1024 (UIO_MAXIOV): "
             "EINVAL, array unreadable: EFAULT";
    case Special::uring_cmd:
      return "IORING_URING_CMD_FIXED with MULTISHOT: EINVAL (6.18+); MULTISHOT without "
             "IOSQE_BUFFER_SELECT or the reverse: EINVAL (6.18+); FIXED with a buf_index that "
             "names no registered buffer: EFAULT (conditional: at prep before 6.18, at issue "
             "since)";
    case Special::recv_zc:
      return "no zero-copy receive queue registered at zcrx_ifq_idx: EINVAL (conditional on the "
             "ring: IORING_REGISTER_ZCRX_IFQ)";
    case Special::recv_zc_multishot: return "IORING_RECV_MULTISHOT missing: EINVAL";
    default: return "";
  }
}

struct Check {
  Rule rule;
  FieldId field;
  std::uint64_t mask;  // nonzero: the bits that must be 0; above: the largest accepted value;
                       // sqe_flag: the IOSQE_* bits refused
  int error;           // positive errno
  const char* text;
  const char* kernel;  // the kernel function (and test) this mirrors
  int since = 0;       // first release that makes this check
  int until = 9999;    // last release that makes it
  Special special = Special::none;
  Severity severity = Severity::error;
  bool gated = false;  // applies only when field `gate` is non-zero
  FieldId gate = FieldId::user_data;
};

struct Opcode {
  std::uint8_t code;
  const char* name;  // without IORING_OP_
  int since;         // first release that has the opcode
  Model model;
  // io_uring/opdef.c io_issue_defs[] entries that io_init_req reads.
  bool needs_file;
  bool ioprio;         // .ioprio: a non-zero sqe->ioprio reaches the prep function
  bool buffer_select;  // .buffer_select: IOSQE_BUFFER_SELECT accepted
  const char* preps;   // liburing's prep helpers for it, without the io_uring_ prefix
  const char* source;  // the kernel file and prep function
  // The opcode's own flags word, if any: which field holds it, its name there, its bits.
  FieldId flags_field;
  const char* flags_name;
  std::span<const Bit> flag_bits;
  std::span<const Field> fields;
  std::span<const Check> checks;
  // Model::prep: errnos the issue function may answer for an SQE that passes prep, because they
  // depend on run-time state (the kernel test accepts these for a prep-clean SQE).
  std::span<const int> issue_errors;
  const char* issue_note;  // what the issue depends on, for the docs
  // First release whose io_issue_defs[] entry has .buffer_select (0: as `buffer_select` says for
  // every release).
  int buffer_select_since = 0;
};

// The known-bit mask of a flag set for a release.
constexpr std::uint32_t known_bits(std::span<const Bit> bits, int release) noexcept {
  std::uint32_t m = 0;
  for (const Bit& b : bits)
    if (b.since <= release) m |= b.value;
  return m;
}

// Every bit any release (up to kNewestModelled) knows.
constexpr std::uint32_t all_bits(std::span<const Bit> bits) noexcept {
  return known_bits(bits, kNewestModelled);
}

// ---- flag sets ----------------------------------------------------------------------------------

inline constexpr Bit kNopFlags[] = {
    // io_uring/nop.c NOP_FLAGS. 6.1 (measured) refuses every bit; 6.12 (measured) knows only
    // INJECT_RESULT.
    {0x01, "IORING_NOP_INJECT_RESULT", 610},
    {0x02, "IORING_NOP_FILE", 613},
    {0x04, "IORING_NOP_FIXED_FILE", 613},
    {0x08, "IORING_NOP_FIXED_BUFFER", 613},
    {0x10, "IORING_NOP_TW", 615},
    {0x20, "IORING_NOP_CQE32", 618},
};

// RWF_* (include/uapi/linux/fs.h), checked by kiocb_set_rw_flags against RWF_SUPPORTED.
inline constexpr Bit kRwFlags[] = {
    {0x01, "RWF_HIPRI", 0},    {0x02, "RWF_DSYNC", 0},       {0x04, "RWF_SYNC", 0},
    {0x08, "RWF_NOWAIT", 0},   {0x10, "RWF_APPEND", 0},      {0x20, "RWF_NOAPPEND", 609},
    {0x40, "RWF_ATOMIC", 611}, {0x80, "RWF_DONTCACHE", 614}, {0x100, "RWF_NOSIGNAL", 616},
};

inline constexpr Bit kMsgRingFlags[] = {
    {0x01, "IORING_MSG_RING_CQE_SKIP", 602},
    {0x02, "IORING_MSG_RING_FLAGS_PASS", 603},
};

inline constexpr Bit kFsyncFlags[] = {{0x01, "IORING_FSYNC_DATASYNC", 0}};

// IORING_POLL_ADD_LEVEL (0x8) is not accepted here: 6.18 answers -EINVAL (measured).
inline constexpr Bit kPollAddFlags[] = {{0x01, "IORING_POLL_ADD_MULTI", 513}};
inline constexpr Bit kPollRemoveFlags[] = {
    {0x01, "IORING_POLL_ADD_MULTI", 513},
    {0x02, "IORING_POLL_UPDATE_EVENTS", 513},
    {0x04, "IORING_POLL_UPDATE_USER_DATA", 513},
};

inline constexpr Bit kTimeoutFlags[] = {
    {0x01, "IORING_TIMEOUT_ABS", 0},         {0x04, "IORING_TIMEOUT_BOOTTIME", 515},
    {0x08, "IORING_TIMEOUT_REALTIME", 515},  {0x20, "IORING_TIMEOUT_ETIME_SUCCESS", 600},
    {0x40, "IORING_TIMEOUT_MULTISHOT", 604},
};
inline constexpr Bit kTimeoutRemoveFlags[] = {
    {0x01, "IORING_TIMEOUT_ABS", 511},         {0x02, "IORING_TIMEOUT_UPDATE", 511},
    {0x04, "IORING_TIMEOUT_BOOTTIME", 515},    {0x08, "IORING_TIMEOUT_REALTIME", 515},
    {0x10, "IORING_LINK_TIMEOUT_UPDATE", 515},
};

inline constexpr Bit kCancelFlags[] = {
    {0x01, "IORING_ASYNC_CANCEL_ALL", 519},
    {0x02, "IORING_ASYNC_CANCEL_FD", 519},
    {0x04, "IORING_ASYNC_CANCEL_ANY", 519},
    {0x08, "IORING_ASYNC_CANCEL_FD_FIXED", 600},
    // USERDATA and OP came in 6.6; Debian's 6.1 stable (6.1.192, measured) has them too.
    {0x10, "IORING_ASYNC_CANCEL_USERDATA", 601},
    {0x20, "IORING_ASYNC_CANCEL_OP", 601},
};

// ioprio bits of ACCEPT (net.c ACCEPT_FLAGS).
inline constexpr Bit kAcceptIoprio[] = {
    {0x01, "IORING_ACCEPT_MULTISHOT", 519},
    {0x02, "IORING_ACCEPT_DONTWAIT", 610},
    {0x04, "IORING_ACCEPT_POLL_FIRST", 610},
};
// ioprio bits of SEND / SENDMSG (net.c SENDMSG_FLAGS).
inline constexpr Bit kSendIoprio[] = {
    {0x01, "IORING_RECVSEND_POLL_FIRST", 519},
    {0x10, "IORING_RECVSEND_BUNDLE", 610},
};
// ioprio bits of RECV / RECVMSG (net.c RECVMSG_FLAGS).
inline constexpr Bit kRecvIoprio[] = {
    {0x01, "IORING_RECVSEND_POLL_FIRST", 519},
    {0x02, "IORING_RECV_MULTISHOT", 600},
    {0x10, "IORING_RECVSEND_BUNDLE", 610},
};
// ioprio bits of SEND_ZC / SENDMSG_ZC (net.c IO_ZC_FLAGS_VALID).
inline constexpr Bit kSendZcIoprio[] = {
    {0x01, "IORING_RECVSEND_POLL_FIRST", 600},
    {0x04, "IORING_RECVSEND_FIXED_BUF", 600},
    {0x08, "IORING_SEND_ZC_REPORT_USAGE", 601},  // 6.2; in 6.1 stable (6.1.192, measured)
    {0x20, "IORING_SEND_VECTORIZED", 615},
};

inline constexpr Bit kSpliceFlags[] = {
    {0x01, "SPLICE_F_MOVE", 0}, {0x02, "SPLICE_F_NONBLOCK", 0},          {0x04, "SPLICE_F_MORE", 0},
    {0x08, "SPLICE_F_GIFT", 0}, {0x80000000, "SPLICE_F_FD_IN_FIXED", 0},
};

// IORING_URING_CMD_* (io_uring_cmd_prep: IORING_URING_CMD_MASK).
inline constexpr Bit kUringCmdFlags[] = {
    {0x01, "IORING_URING_CMD_FIXED", 601},
    {0x02, "IORING_URING_CMD_MULTISHOT", 618},
};
// ioprio bits of RECV_ZC (zcrx.c / net.c io_recvzc_prep).
inline constexpr Bit kRecvZcIoprio[] = {
    {0x01, "IORING_RECVSEND_POLL_FIRST", 615},
    {0x02, "IORING_RECV_MULTISHOT", 615},
};

inline constexpr Bit kUnlinkFlags[] = {{0x200, "AT_REMOVEDIR", 0}};
inline constexpr Bit kFixedFdInstallFlags[] = {{0x01, "IORING_FIXED_FD_NO_CLOEXEC", 608}};
inline constexpr Bit kPipeFlags[] = {
    {0x80000, "O_CLOEXEC", 0},
    {0x800, "O_NONBLOCK", 0},
    {0x4000, "O_DIRECT", 0},
    {0x80, "O_NOTIFICATION_PIPE", 0},
};
inline constexpr Bit kSyncRangeFlags[] = {
    {0x1, "SYNC_FILE_RANGE_WAIT_BEFORE", 0},
    {0x2, "SYNC_FILE_RANGE_WRITE", 0},
    {0x4, "SYNC_FILE_RANGE_WAIT_AFTER", 0},
};
inline constexpr Bit kXattrFlags[] = {{0x1, "XATTR_CREATE", 0}, {0x2, "XATTR_REPLACE", 0}};

// ---- shorthands for the rows --------------------------------------------------------------------

constexpr Check zero(FieldId f, const char* kernel, int since = 0, int until = 9999) {
  return {Rule::nonzero, f, ~std::uint64_t{0}, EINVAL, "must be 0", kernel, since, until};
}
constexpr Check zero_bits(FieldId f, std::uint64_t mask, const char* text, const char* kernel,
                          int since = 0) {
  return {Rule::nonzero, f, mask, EINVAL, text, kernel, since};
}
constexpr Check unknown(FieldId f, const char* kernel, int error = EINVAL) {
  return {Rule::unknown_bits, f, 0, error, "unknown flag bit", kernel};
}
constexpr Check no_fixed_file(const char* kernel, int error = EBADF) {
  return {Rule::sqe_flag,
          FieldId::user_data,
          0x01,
          error,
          "IOSQE_FIXED_FILE: this opcode takes no registered file",
          kernel};
}
constexpr Check path(FieldId f, const char* kernel) {
  return {Rule::bad_pointer, f, 0, EFAULT, "path pointer can never be read", kernel};
}
constexpr Check special(Special s, const char* kernel) {
  return {Rule::special, FieldId::user_data, 0, 0, "", kernel, 0, 9999, s};
}

using F = FieldId;

// Errnos a prep-clean SQE may still get from the issue function of a Model::prep opcode.
inline constexpr int kIssueEinval[] = {EINVAL};
inline constexpr int kIssueEinvalOpnotsupp[] = {EINVAL, EOPNOTSUPP};

// ---- per-opcode fields and checks ---------------------------------------------------------------

namespace rows {

inline constexpr Field kNopFields[] = {
    {F::op_flags, "nop_flags", "nop_flags (IORING_NOP_*)"},
};
inline constexpr Check kNopChecks[] = {
    {Rule::unknown_bits, F::op_flags, 0, EINVAL, "unknown IORING_NOP_* bit",
     "io_nop_prep: nop_flags & ~NOP_FLAGS"},
    special(Special::nop, "io_nop_prep"),
};

// READ / WRITE / READV / WRITEV / *_FIXED: io_prep_rw and io_rw_init_file (rw.c).
inline constexpr Field kRwFields[] = {
    {F::ioprio, nullptr, "I/O priority (IOPRIO_PRIO_VALUE(class, level); 0: the task's)"},
    {F::fd, nullptr, "file descriptor"},
    {F::off, nullptr, "file offset (-1: the file position, advanced)"},
    {F::addr, nullptr, "buffer"},
    {F::len, nullptr, "bytes"},
    {F::op_flags, "rw_flags", "rw_flags (RWF_*, as preadv2/pwritev2)"},
    {F::pad2, "attr_type_mask", "attr_type_mask (IORING_RW_ATTR_FLAG_PI; 0: no attributes)"},
};
inline constexpr Check kRwChecks[] = {
    special(Special::rw, "io_prep_rw, io_rw_init_file -> kiocb_set_rw_flags, rw_verify_area"),
};
inline constexpr Check kReadvChecks[] = {
    special(Special::rw_vec_select, "io_iov_buffer_select_prep: len != 1"),
    special(Special::rw, "io_prep_rw, io_rw_init_file -> kiocb_set_rw_flags, rw_verify_area"),
};

inline constexpr Field kFsyncFields[] = {
    {F::fd, nullptr, "file descriptor to sync"},
    {F::off, nullptr, "start of the range"},
    {F::len, nullptr, "length of the range (0: to the end)"},
    {F::op_flags, "fsync_flags", "fsync_flags (IORING_FSYNC_DATASYNC)"},
};
inline constexpr Check kFsyncChecks[] = {
    zero(F::addr, "io_fsync_prep: sqe->addr"),
    zero(F::buf_index, "io_fsync_prep: sqe->buf_index"),
    zero(F::file_index, "io_fsync_prep: sqe->splice_fd_in"),
    unknown(F::op_flags, "io_fsync_prep: flags & ~IORING_FSYNC_DATASYNC"),
};

inline constexpr Field kPollAddFields[] = {
    {F::fd, nullptr, "file descriptor to poll"},
    {F::len, "poll_flags", "IORING_POLL_ADD_MULTI: multishot"},
    {F::op_flags, "poll32_events", "poll events (EPOLLIN, ...; EPOLLEXCLUSIVE ...)"},
};
inline constexpr Check kPollAddChecks[] = {
    zero(F::buf_index, "io_poll_add_prep: sqe->buf_index"),
    zero(F::off, "io_poll_add_prep: sqe->off"),
    zero(F::addr, "io_poll_add_prep: sqe->addr"),
    {Rule::unknown_bits, F::len, 0, EINVAL, "unknown poll flag",
     "io_poll_add_prep: flags & ~IORING_POLL_ADD_MULTI"},
    special(Special::poll_add, "io_poll_add_prep: multishot with REQ_F_CQE_SKIP"),
};

inline constexpr Field kPollRemoveFields[] = {
    {F::addr, nullptr, "user_data of the poll request to remove or update"},
    {F::off, nullptr, "new user_data (IORING_POLL_UPDATE_USER_DATA)"},
    {F::len, "poll_flags", "IORING_POLL_UPDATE_EVENTS / _USER_DATA / ADD_MULTI"},
    {F::op_flags, "poll32_events", "new poll events (IORING_POLL_UPDATE_EVENTS)"},
};
inline constexpr Check kPollRemoveChecks[] = {
    zero(F::buf_index, "io_poll_remove_prep: sqe->buf_index"),
    zero(F::file_index, "io_poll_remove_prep: sqe->splice_fd_in"),
    {Rule::unknown_bits, F::len, 0, EINVAL, "unknown poll flag",
     "io_poll_remove_prep: flags & ~(UPDATE_EVENTS | UPDATE_USER_DATA | ADD_MULTI)"},
    special(Special::poll_remove, "io_poll_remove_prep"),
};

inline constexpr Field kSyncRangeFields[] = {
    {F::fd, nullptr, "file descriptor"},
    {F::off, nullptr, "start of the range"},
    {F::len, nullptr, "length of the range"},
    {F::op_flags, "sync_range_flags", "SYNC_FILE_RANGE_*"},
};
inline constexpr Check kSyncRangeChecks[] = {
    zero(F::addr, "io_sfr_prep: sqe->addr"),
    zero(F::buf_index, "io_sfr_prep: sqe->buf_index"),
    zero(F::file_index, "io_sfr_prep: sqe->splice_fd_in"),
};

inline constexpr Field kSendmsgFields[] = {
    {F::ioprio, "send_flags", "IORING_RECVSEND_* flags"},
    {F::fd, nullptr, "socket"},
    {F::addr, nullptr, "struct msghdr"},
    {F::len, nullptr, "unused by SENDMSG except with a provided buffer"},
    {F::op_flags, "msg_flags", "MSG_* flags (MSG_NOSIGNAL added)"},
    {F::buf_index, "buf_group", "provided-buffer group (IOSQE_BUFFER_SELECT)"},
};
inline constexpr Check kSendmsgChecks[] = {
    zero(F::off, "io_sendmsg_prep: sqe->addr2"),
    zero(F::file_index, "io_sendmsg_prep: sqe->file_index"),
    {Rule::unknown_bits, F::ioprio, 0, EINVAL, "unknown IORING_RECVSEND_* bit",
     "io_sendmsg_prep: sr->flags & ~SENDMSG_FLAGS"},
    special(Special::send, "io_sendmsg_prep: BUNDLE"),
};
inline constexpr Field kSendFields[] = {
    {F::ioprio, "send_flags", "IORING_RECVSEND_* flags"},
    {F::fd, nullptr, "socket"},
    {F::addr, nullptr, "buffer to send"},
    {F::len, nullptr, "bytes to send"},
    {F::op_flags, "msg_flags", "MSG_* flags (MSG_NOSIGNAL added)"},
    {F::off, "addr2", "destination address (sendto; 0: connected peer)"},
    {F::file_index, "addr_len", "destination address length (low 16 bits)"},
    {F::buf_index, "buf_group", "provided-buffer group (IOSQE_BUFFER_SELECT)"},
};
inline constexpr Check kSendChecks[] = {
    {Rule::unknown_bits, F::ioprio, 0, EINVAL, "unknown IORING_RECVSEND_* bit",
     "io_sendmsg_prep: sr->flags & ~SENDMSG_FLAGS"},
    special(Special::send, "io_sendmsg_prep: BUNDLE"),
    // sendto (addr2 / addr_len) came in 6.6; Debian's 6.1 stable (6.1.192, measured) has it.
    zero_bits(F::file_index, 0xffff0000, "__pad3 (upper 16 bits of addr_len's word) must be 0",
              "io_send_setup: sqe->__pad3[0]"),
};

inline constexpr Field kRecvmsgFields[] = {
    {F::ioprio, "recv_flags", "IORING_RECVSEND_* / IORING_RECV_MULTISHOT flags"},
    {F::fd, nullptr, "socket"},
    {F::addr, nullptr, "struct msghdr"},
    {F::len, nullptr, "unused by RECVMSG except with a provided buffer"},
    {F::op_flags, "msg_flags", "MSG_* flags"},
    {F::buf_index, "buf_group", "provided-buffer group (IOSQE_BUFFER_SELECT)"},
};
inline constexpr Field kRecvFields[] = {
    {F::ioprio, "recv_flags", "IORING_RECVSEND_* / IORING_RECV_MULTISHOT flags"},
    {F::fd, nullptr, "socket"},
    {F::addr, nullptr, "buffer to receive into"},
    {F::len, nullptr, "bytes to receive"},
    {F::op_flags, "msg_flags", "MSG_* flags"},
    {F::buf_index, "buf_group", "provided-buffer group (IOSQE_BUFFER_SELECT)"},
};
inline constexpr Check kRecvChecks[] = {
    zero(F::file_index, "io_recvmsg_prep: sqe->file_index"),
    zero(F::off, "io_recvmsg_prep: sqe->addr2"),
    {Rule::unknown_bits, F::ioprio, 0, EINVAL, "unknown IORING_RECVSEND_* bit",
     "io_recvmsg_prep: sr->flags & ~RECVMSG_FLAGS"},
    special(Special::recv, "io_recvmsg_prep: MULTISHOT / BUNDLE"),
};

inline constexpr Field kTimeoutFields[] = {
    {F::addr, nullptr, "struct __kernel_timespec"},
    {F::len, nullptr, "must be 1 (one timespec)"},
    {F::off, nullptr, "completion count (0: pure timeout); with MULTISHOT: repeats"},
    {F::op_flags, "timeout_flags", "IORING_TIMEOUT_*"},
};
inline constexpr Check kTimeoutChecks[] = {
    zero(F::buf_index, "__io_timeout_prep: sqe->buf_index"),
    {Rule::above, F::len, 1, EINVAL, "len must be 1", "__io_timeout_prep: sqe->len != 1"},
    {Rule::is_zero, F::len, 0, EINVAL, "len must be 1", "__io_timeout_prep: sqe->len != 1"},
    zero(F::file_index, "__io_timeout_prep: sqe->splice_fd_in"),
    special(Special::timeout, "__io_timeout_prep"),
};
inline constexpr Field kLinkTimeoutFields[] = {
    {F::addr, nullptr, "struct __kernel_timespec"},
    {F::len, nullptr, "must be 1 (one timespec)"},
    {F::op_flags, "timeout_flags", "IORING_TIMEOUT_*"},
};
inline constexpr Check kLinkTimeoutChecks[] = {
    zero(F::buf_index, "__io_timeout_prep: sqe->buf_index"),
    {Rule::above, F::len, 1, EINVAL, "len must be 1", "__io_timeout_prep: sqe->len != 1"},
    {Rule::is_zero, F::len, 0, EINVAL, "len must be 1", "__io_timeout_prep: sqe->len != 1"},
    zero(F::file_index, "__io_timeout_prep: sqe->splice_fd_in"),
    {Rule::nonzero, F::off, 0xffffffff, EINVAL, "a link timeout takes no count",
     "__io_timeout_prep: off && is_timeout_link"},
    special(Special::timeout, "__io_timeout_prep"),
};
inline constexpr Field kTimeoutRemoveFields[] = {
    {F::addr, nullptr, "user_data of the timeout to remove or update"},
    {F::off, "addr2", "struct __kernel_timespec (IORING_TIMEOUT_UPDATE)"},
    {F::op_flags, "timeout_flags", "IORING_TIMEOUT_UPDATE / IORING_LINK_TIMEOUT_UPDATE / clock"},
};
inline constexpr Check kTimeoutRemoveChecks[] = {
    zero(F::buf_index, "io_timeout_remove_prep: sqe->buf_index"),
    zero(F::len, "io_timeout_remove_prep: sqe->len"),
    zero(F::file_index, "io_timeout_remove_prep: sqe->splice_fd_in"),
    special(Special::timeout_remove, "io_timeout_remove_prep"),
};

inline constexpr Field kAcceptFields[] = {
    {F::ioprio, nullptr, "IORING_ACCEPT_* flags"},
    {F::fd, nullptr, "listening socket"},
    {F::addr, nullptr, "struct sockaddr for the peer (0: none)"},
    {F::off, "addr2", "socklen_t* for the peer's length"},
    {F::op_flags, "accept_flags", "SOCK_CLOEXEC / SOCK_NONBLOCK"},
    {F::file_index, nullptr, "direct descriptor slot plus one (ALLOC: any free slot; 0: an fd)"},
};
inline constexpr Check kAcceptChecks[] = {
    zero(F::len, "io_accept_prep: sqe->len"),
    zero(F::buf_index, "io_accept_prep: sqe->buf_index"),
    {Rule::unknown_bits, F::ioprio, 0, EINVAL, "unknown IORING_ACCEPT_* bit",
     "io_accept_prep: iou_flags & ~ACCEPT_FLAGS"},
    special(Special::accept, "io_accept_prep"),
};

inline constexpr Field kCancelFields[] = {
    {F::addr, nullptr, "user_data of the request to cancel"},
    {F::fd, nullptr, "file descriptor to match (IORING_ASYNC_CANCEL_FD)"},
    {F::len, nullptr, "opcode to match (IORING_ASYNC_CANCEL_OP)"},
    {F::op_flags, "cancel_flags", "IORING_ASYNC_CANCEL_*"},
};
inline constexpr Check kCancelChecks[] = {
    zero(F::off, "io_async_cancel_prep: sqe->off"),
    zero(F::file_index, "io_async_cancel_prep: sqe->splice_fd_in"),
    unknown(F::op_flags, "io_async_cancel_prep: flags & ~CANCEL_FLAGS"),
    special(Special::cancel, "io_async_cancel_prep: FD / OP with ANY"),
};

inline constexpr Field kConnectFields[] = {
    {F::fd, nullptr, "socket"},
    {F::addr, nullptr, "struct sockaddr to connect to"},
    {F::off, "addr2", "address length"},
};
inline constexpr Check kConnectChecks[] = {
    zero(F::len, "io_connect_prep: sqe->len"),
    zero(F::buf_index, "io_connect_prep: sqe->buf_index"),
    zero(F::op_flags, "io_connect_prep: sqe->rw_flags"),
    zero(F::file_index, "io_connect_prep: sqe->splice_fd_in"),
    {Rule::above, F::off, 128, EINVAL, "address length above sizeof(struct sockaddr_storage)",
     "move_addr_to_kernel: ulen > sizeof(struct sockaddr_storage)"},
    {Rule::bad_pointer, F::addr, 0, EFAULT, "address pointer can never be read",
     "move_addr_to_kernel: copy_from_user", 0, 9999, Special::none, Severity::error, true, F::off},
};

inline constexpr Field kFallocateFields[] = {
    {F::fd, nullptr, "file descriptor"},
    {F::off, nullptr, "offset"},
    {F::addr, nullptr, "length"},
    {F::len, nullptr, "mode (FALLOC_FL_*)"},
};
inline constexpr Check kFallocateChecks[] = {
    zero(F::buf_index, "io_fallocate_prep: sqe->buf_index"),
    zero(F::op_flags, "io_fallocate_prep: sqe->rw_flags"),
    zero(F::file_index, "io_fallocate_prep: sqe->splice_fd_in"),
};

inline constexpr Field kOpenatFields[] = {
    {F::fd, nullptr, "directory fd the path is relative to (AT_FDCWD: the cwd)"},
    {F::addr, nullptr, "path name"},
    {F::len, nullptr, "mode (with O_CREAT / O_TMPFILE)"},
    {F::op_flags, "open_flags", "O_* flags"},
    {F::file_index, nullptr, "direct descriptor slot plus one (ALLOC: any free slot; 0: an fd)"},
};
inline constexpr Check kOpenatChecks[] = {
    zero(F::buf_index, "__io_openat_prep: sqe->buf_index"),
    no_fixed_file("__io_openat_prep: REQ_F_FIXED_FILE"),
    path(F::addr, "__io_openat_prep: getname(sqe->addr)"),
    special(Special::open, "__io_openat_prep: file_slot && O_CLOEXEC"),
};
inline constexpr Field kOpenat2Fields[] = {
    {F::fd, nullptr, "directory fd the path is relative to (AT_FDCWD: the cwd)"},
    {F::addr, nullptr, "path name"},
    {F::off, "addr2", "struct open_how"},
    {F::len, nullptr, "size of struct open_how (>= 24)"},
    {F::file_index, nullptr, "direct descriptor slot plus one (ALLOC: any free slot; 0: an fd)"},
};
inline constexpr Check kOpenat2Checks[] = {
    special(Special::openat2, "io_openat2_prep: len < OPEN_HOW_SIZE_VER0"),
    {Rule::bad_pointer, F::off, 0, EFAULT, "struct open_how pointer can never be read",
     "io_openat2_prep: copy_struct_from_user"},
    zero(F::buf_index, "__io_openat_prep: sqe->buf_index"),
    no_fixed_file("__io_openat_prep: REQ_F_FIXED_FILE"),
    path(F::addr, "__io_openat_prep: getname(sqe->addr)"),
    special(Special::open, "__io_openat_prep: file_slot && O_CLOEXEC"),
};

inline constexpr Field kCloseFields[] = {
    {F::fd, nullptr, "file descriptor to close"},
    {F::file_index, nullptr, "registered file slot to close plus one (0: close fd instead)"},
};
inline constexpr Check kCloseChecks[] = {
    zero(F::off, "io_close_prep: sqe->off"),
    zero(F::addr, "io_close_prep: sqe->addr"),
    zero(F::len, "io_close_prep: sqe->len"),
    zero(F::op_flags, "io_close_prep: sqe->rw_flags"),
    zero(F::buf_index, "io_close_prep: sqe->buf_index"),
    {Rule::sqe_flag, F::user_data, 0x01, EBADF,
     "IOSQE_FIXED_FILE on CLOSE: a direct descriptor is closed through file_index",
     "io_close_prep: REQ_F_FIXED_FILE"},
    special(Special::close, "io_close_prep: file_slot && fd"),
};

inline constexpr Field kFilesUpdateFields[] = {
    {F::off, nullptr, "first slot to replace (low 32 bits)"},
    {F::addr, nullptr, "array of int fds (-1 clears a slot, -2 keeps it)"},
    {F::len, nullptr, "number of fds in the array"},
};
inline constexpr Check kFilesUpdateChecks[] = {
    {Rule::sqe_flag, F::user_data, 0x01, EINVAL,
     "IOSQE_FIXED_FILE on FILES_UPDATE (it names no file)",
     "io_files_update_prep: REQ_F_FIXED_FILE"},
    zero(F::op_flags, "io_files_update_prep: sqe->rw_flags"),
    zero(F::file_index, "io_files_update_prep: sqe->splice_fd_in"),
    {Rule::is_zero, F::len, 0, EINVAL, "no fds: len must be >= 1",
     "io_files_update_prep: !up->nr_args"},
    special(Special::files_update, "__io_register_rsrc_update"),
};

inline constexpr Field kStatxFields[] = {
    {F::fd, nullptr, "directory fd the path is relative to"},
    {F::addr, nullptr, "path name"},
    {F::len, nullptr, "STATX_* mask"},
    {F::off, "addr2", "struct statx to fill"},
    {F::op_flags, "statx_flags", "AT_* flags"},
};
inline constexpr Check kStatxChecks[] = {
    zero(F::buf_index, "io_statx_prep: sqe->buf_index"),
    zero(F::file_index, "io_statx_prep: sqe->splice_fd_in"),
    no_fixed_file("io_statx_prep: REQ_F_FIXED_FILE"),
};

inline constexpr Field kFadviseFields[] = {
    {F::fd, nullptr, "file descriptor"},
    {F::off, nullptr, "offset"},
    {F::len, nullptr, "length (32 bits; addr when non-zero since 6.12)"},
    {F::addr, nullptr, "64-bit length (6.12; 0: use len)"},
    {F::op_flags, "fadvise_advice", "POSIX_FADV_*"},
};
inline constexpr Check kFadviseChecks[] = {
    zero(F::buf_index, "io_fadvise_prep: sqe->buf_index"),
    zero(F::addr, "io_fadvise_prep: sqe->addr (before 6.12)", 0, 611),
    zero(F::file_index, "io_fadvise_prep: sqe->splice_fd_in"),
};
inline constexpr Field kMadviseFields[] = {
    {F::addr, nullptr, "start of the range"},
    {F::len, nullptr, "length (32 bits; off when non-zero since 6.12)"},
    {F::off, nullptr, "64-bit length (6.12; 0: use len)"},
    {F::op_flags, "fadvise_advice", "MADV_*"},
};
inline constexpr Check kMadviseChecks[] = {
    zero(F::buf_index, "io_madvise_prep: sqe->buf_index"),
    zero(F::off, "io_madvise_prep: sqe->off (before 6.12)", 0, 611),
    zero(F::file_index, "io_madvise_prep: sqe->splice_fd_in"),
};

inline constexpr Field kEpollCtlFields[] = {
    {F::fd, nullptr, "epoll fd"},
    {F::len, nullptr, "EPOLL_CTL_ADD / DEL / MOD"},
    {F::off, nullptr, "fd to add, remove or modify"},
    {F::addr, nullptr, "struct epoll_event"},
};
inline constexpr Check kEpollCtlChecks[] = {
    zero(F::buf_index, "io_epoll_ctl_prep: sqe->buf_index"),
    zero(F::file_index, "io_epoll_ctl_prep: sqe->splice_fd_in"),
};

inline constexpr Field kSpliceFields[] = {
    {F::file_index, "splice_fd_in", "fd to read from"},
    {F::addr, "splice_off_in", "offset in fd_in (-1: none)"},
    {F::fd, nullptr, "fd to write to"},
    {F::off, nullptr, "offset in fd (-1: none)"},
    {F::len, nullptr, "bytes to move"},
    {F::op_flags, "splice_flags", "SPLICE_F_*"},
};
inline constexpr Check kSpliceChecks[] = {
    unknown(F::op_flags, "__io_splice_prep: flags & ~valid_flags"),
};
inline constexpr Field kTeeFields[] = {
    {F::file_index, "splice_fd_in", "pipe to read from"},
    {F::fd, nullptr, "pipe to write to"},
    {F::len, nullptr, "bytes to duplicate"},
    {F::op_flags, "splice_flags", "SPLICE_F_*"},
};
inline constexpr Check kTeeChecks[] = {
    {Rule::nonzero, F::addr, ~std::uint64_t{0}, EINVAL, "TEE takes no offsets",
     "io_tee_prep: sqe->splice_off_in || sqe->off"},
    {Rule::nonzero, F::off, ~std::uint64_t{0}, EINVAL, "TEE takes no offsets",
     "io_tee_prep: sqe->splice_off_in || sqe->off"},
    unknown(F::op_flags, "__io_splice_prep: flags & ~valid_flags"),
};

inline constexpr Field kProvideFields[] = {
    {F::fd, nullptr, "number of buffers"},       {F::addr, nullptr, "start of the buffers"},
    {F::len, nullptr, "size of each buffer"},    {F::off, nullptr, "first buffer id"},
    {F::buf_index, "buf_group", "buffer group"},
};
inline constexpr Check kProvideChecks[] = {
    zero(F::op_flags, "io_provide_buffers_prep: sqe->rw_flags"),
    zero(F::file_index, "io_provide_buffers_prep: sqe->splice_fd_in"),
    special(Special::provide_buffers, "io_provide_buffers_prep"),
};
inline constexpr Field kRemoveFields[] = {
    {F::fd, nullptr, "number of buffers to remove"},
    {F::buf_index, "buf_group", "buffer group"},
};
inline constexpr Check kRemoveChecks[] = {
    zero(F::op_flags, "io_remove_buffers_prep: sqe->rw_flags"),
    zero(F::addr, "io_remove_buffers_prep: sqe->addr"),
    zero(F::len, "io_remove_buffers_prep: sqe->len"),
    zero(F::off, "io_remove_buffers_prep: sqe->off"),
    zero(F::file_index, "io_remove_buffers_prep: sqe->splice_fd_in"),
    special(Special::remove_buffers, "io_remove_buffers_prep: !nbufs || nbufs > MAX_BIDS_PER_BGID"),
};

inline constexpr Field kShutdownFields[] = {
    {F::fd, nullptr, "socket"},
    {F::len, nullptr, "how (SHUT_RD / SHUT_WR / SHUT_RDWR)"},
};
inline constexpr Check kShutdownChecks[] = {
    zero(F::off, "io_shutdown_prep: sqe->off"),
    zero(F::addr, "io_shutdown_prep: sqe->addr"),
    zero(F::op_flags, "io_shutdown_prep: sqe->rw_flags"),
    zero(F::buf_index, "io_shutdown_prep: sqe->buf_index"),
    zero(F::file_index, "io_shutdown_prep: sqe->splice_fd_in"),
};

inline constexpr Field kRenameFields[] = {
    {F::fd, nullptr, "old directory fd"},      {F::addr, nullptr, "old path"},
    {F::len, nullptr, "new directory fd"},     {F::off, "addr2", "new path"},
    {F::op_flags, "rename_flags", "RENAME_*"},
};
inline constexpr Check kRenameChecks[] = {
    zero(F::buf_index, "io_renameat_prep: sqe->buf_index"),
    zero(F::file_index, "io_renameat_prep: sqe->splice_fd_in"),
    no_fixed_file("io_renameat_prep: REQ_F_FIXED_FILE"),
    path(F::addr, "io_renameat_prep: getname(oldf)"),
    path(F::off, "io_renameat_prep: getname(newf)"),
};
inline constexpr Field kUnlinkFields[] = {
    {F::fd, nullptr, "directory fd"},
    {F::addr, nullptr, "path"},
    {F::op_flags, "unlink_flags", "AT_REMOVEDIR"},
};
inline constexpr Check kUnlinkChecks[] = {
    zero(F::off, "io_unlinkat_prep: sqe->off"),
    zero(F::len, "io_unlinkat_prep: sqe->len"),
    zero(F::buf_index, "io_unlinkat_prep: sqe->buf_index"),
    zero(F::file_index, "io_unlinkat_prep: sqe->splice_fd_in"),
    no_fixed_file("io_unlinkat_prep: REQ_F_FIXED_FILE"),
    unknown(F::op_flags, "io_unlinkat_prep: flags & ~AT_REMOVEDIR"),
    path(F::addr, "io_unlinkat_prep: getname(fname)"),
};
inline constexpr Field kMkdirFields[] = {
    {F::fd, nullptr, "directory fd"},
    {F::addr, nullptr, "path"},
    {F::len, nullptr, "mode"},
};
inline constexpr Check kMkdirChecks[] = {
    zero(F::off, "io_mkdirat_prep: sqe->off"),
    zero(F::op_flags, "io_mkdirat_prep: sqe->rw_flags"),
    zero(F::buf_index, "io_mkdirat_prep: sqe->buf_index"),
    zero(F::file_index, "io_mkdirat_prep: sqe->splice_fd_in"),
    no_fixed_file("io_mkdirat_prep: REQ_F_FIXED_FILE"),
    path(F::addr, "io_mkdirat_prep: getname(fname)"),
};
inline constexpr Field kSymlinkFields[] = {
    {F::fd, nullptr, "directory fd of the new link"},
    {F::addr, nullptr, "target (old path)"},
    {F::off, "addr2", "new link path"},
};
inline constexpr Check kSymlinkChecks[] = {
    zero(F::len, "io_symlinkat_prep: sqe->len"),
    zero(F::op_flags, "io_symlinkat_prep: sqe->rw_flags"),
    zero(F::buf_index, "io_symlinkat_prep: sqe->buf_index"),
    zero(F::file_index, "io_symlinkat_prep: sqe->splice_fd_in"),
    no_fixed_file("io_symlinkat_prep: REQ_F_FIXED_FILE"),
    path(F::addr, "io_symlinkat_prep: getname(oldpath)"),
    path(F::off, "io_symlinkat_prep: getname(newpath)"),
};
inline constexpr Field kLinkFields[] = {
    {F::fd, nullptr, "old directory fd"},          {F::addr, nullptr, "old path"},
    {F::len, nullptr, "new directory fd"},         {F::off, "addr2", "new path"},
    {F::op_flags, "hardlink_flags", "AT_* flags"},
};
inline constexpr Check kLinkChecks[] = {
    zero(F::buf_index, "io_linkat_prep: sqe->buf_index"),
    zero(F::file_index, "io_linkat_prep: sqe->splice_fd_in"),
    no_fixed_file("io_linkat_prep: REQ_F_FIXED_FILE"),
};

inline constexpr Field kMsgRingFields[] = {
    {F::fd, nullptr, "target ring's file descriptor"},
    {F::addr, nullptr, "command: IORING_MSG_DATA (0) or IORING_MSG_SEND_FD (1); low 32 bits"},
    {F::op_flags, "msg_ring_flags", "msg_ring_flags (IORING_MSG_RING_*)"},
};
inline constexpr Check kMsgRingChecks[] = {
    {Rule::nonzero, F::buf_index, ~std::uint64_t{0}, EINVAL, "must be 0 for MSG_RING",
     "io_msg_ring_prep: buf_index"},
    special(Special::msg_ring, "io_msg_ring_prep, io_msg_ring"),
};

inline constexpr Field kFxattrFields[] = {
    {F::fd, nullptr, "file descriptor"},
    {F::addr, nullptr, "attribute name"},
    {F::off, "addr2", "value buffer"},
    {F::len, nullptr, "value size"},
    {F::op_flags, "xattr_flags", "XATTR_CREATE / XATTR_REPLACE"},
};
inline constexpr Field kXattrFields[] = {
    {F::addr3, nullptr, "path"},
    {F::addr, nullptr, "attribute name"},
    {F::off, "addr2", "value buffer"},
    {F::len, nullptr, "value size"},
    {F::op_flags, "xattr_flags", "XATTR_CREATE / XATTR_REPLACE"},
};
inline constexpr Field kFgetxattrFields[] = {
    {F::fd, nullptr, "file descriptor"},
    {F::addr, nullptr, "attribute name"},
    {F::off, "addr2", "value buffer"},
    {F::len, nullptr, "value buffer size"},
};
inline constexpr Field kGetxattrFields[] = {
    {F::addr3, nullptr, "path"},
    {F::addr, nullptr, "attribute name"},
    {F::off, "addr2", "value buffer"},
    {F::len, nullptr, "value buffer size"},
};
inline constexpr Check kGetxattrChecks[] = {
    no_fixed_file("io_getxattr_prep: REQ_F_FIXED_FILE"),
    zero(F::op_flags, "__io_getxattr_prep: ix->ctx.flags"),
};
inline constexpr Check kFgetxattrChecks[] = {
    zero(F::op_flags, "__io_getxattr_prep: ix->ctx.flags"),
};
inline constexpr Check kSetxattrChecks[] = {
    no_fixed_file("io_setxattr_prep: REQ_F_FIXED_FILE"),
    unknown(F::op_flags, "setxattr_copy: flags & ~(XATTR_CREATE | XATTR_REPLACE)"),
};
inline constexpr Check kFsetxattrChecks[] = {
    unknown(F::op_flags, "setxattr_copy: flags & ~(XATTR_CREATE | XATTR_REPLACE)"),
};

inline constexpr Field kSocketFields[] = {
    {F::fd, "domain", "address family (AF_INET, AF_UNIX, ...)"},
    {F::off, "type", "SOCK_* type, with SOCK_CLOEXEC / SOCK_NONBLOCK"},
    {F::len, "protocol", "protocol"},
    {F::file_index, nullptr, "direct descriptor slot plus one (ALLOC: any free slot; 0: an fd)"},
};
inline constexpr Check kSocketChecks[] = {
    zero(F::addr, "io_socket_prep: sqe->addr"),
    zero(F::op_flags, "io_socket_prep: sqe->rw_flags"),
    zero(F::buf_index, "io_socket_prep: sqe->buf_index"),
    special(Special::socket, "io_socket_prep"),
};

inline constexpr Field kUringCmdFields[] = {
    {F::fd, nullptr, "file whose driver runs the command"},
    {F::off, "cmd_op", "driver command"},
    {F::op_flags, "uring_cmd_flags", "IORING_URING_CMD_*"},
    {F::addr3, "cmd", "start of the 16-byte (or 80-byte with SQE128) command payload"},
    {F::buf_index, nullptr, "registered buffer (IORING_URING_CMD_FIXED)"},
};
inline constexpr Check kUringCmdChecks[] = {
    zero_bits(F::off, 0xffffffff00000000ull, "__pad1 (upper 32 bits of cmd_op's word) must be 0",
              "io_uring_cmd_prep: sqe->__pad1"),
    unknown(F::op_flags, "io_uring_cmd_prep: flags & ~IORING_URING_CMD_MASK"),
    special(Special::uring_cmd, "io_uring_cmd_prep: FIXED / MULTISHOT / REQ_F_BUFFER_SELECT"),
};

inline constexpr Field kSendZcFields[] = {
    {F::ioprio, "zc_flags", "IORING_RECVSEND_* / IORING_SEND_ZC_* flags"},
    {F::fd, nullptr, "socket"},
    {F::addr, nullptr, "buffer to send (msghdr for SENDMSG_ZC)"},
    {F::len, nullptr, "bytes to send"},
    {F::op_flags, "msg_flags", "MSG_* flags"},
    {F::off, "addr2", "destination address (0: connected peer)"},
    {F::file_index, "addr_len", "destination address length (low 16 bits)"},
    {F::buf_index, nullptr, "registered buffer (IORING_RECVSEND_FIXED_BUF)"},
};
inline constexpr Field kSendmsgZcFields[] = {
    {F::ioprio, "zc_flags", "IORING_RECVSEND_* / IORING_SEND_ZC_* flags"},
    {F::fd, nullptr, "socket"},
    {F::addr, nullptr, "struct msghdr"},
    {F::op_flags, "msg_flags", "MSG_* flags"},
};
inline constexpr Check kSendZcChecks[] = {
    zero(F::pad2, "io_send_zc_prep: sqe->__pad2[0]"),
    zero(F::addr3, "io_send_zc_prep: sqe->addr3"),
    special(Special::send_zc, "io_send_zc_prep: REQ_F_CQE_SKIP"),
    {Rule::unknown_bits, F::ioprio, 0, EINVAL, "unknown zero-copy flag",
     "io_send_zc_prep: zc->flags & ~IO_ZC_FLAGS_VALID"},
    zero_bits(F::file_index, 0xffff0000, "__pad3 (upper 16 bits of addr_len's word) must be 0",
              "io_send_setup: sqe->__pad3[0]"),
};
inline constexpr Check kSendmsgZcChecks[] = {
    zero(F::pad2, "io_send_zc_prep: sqe->__pad2[0]"),
    zero(F::addr3, "io_send_zc_prep: sqe->addr3"),
    special(Special::send_zc, "io_send_zc_prep: REQ_F_CQE_SKIP"),
    {Rule::unknown_bits, F::ioprio, 0, EINVAL, "unknown zero-copy flag",
     "io_send_zc_prep: zc->flags & ~IO_ZC_FLAGS_VALID"},
    zero(F::off, "io_send_zc_prep: sqe->addr2"),
    zero(F::file_index, "io_send_zc_prep: sqe->file_index"),
};

// io_issue_defs[] gives READ_MULTISHOT no .ioprio: a non-zero ioprio is refused before its prep.
inline constexpr Field kReadMshotFields[] = {
    {F::fd, nullptr, "pollable file descriptor"},
    {F::off, nullptr, "file offset"},
    {F::op_flags, "rw_flags", "rw_flags (RWF_*, as preadv2)"},
    {F::buf_index, "buf_group", "provided-buffer group"},
    {F::pad2, "attr_type_mask", "attr_type_mask (IORING_RW_ATTR_FLAG_PI; 0: no attributes)"},
};
inline constexpr Check kReadMshotChecks[] = {
    special(Special::read_mshot, "io_read_mshot_prep: !REQ_F_BUFFER_SELECT, __io_prep_rw"),
    zero(F::addr, "io_read_mshot_prep: rw->addr (the buffer comes from the group)"),
    zero(F::len, "io_read_mshot_prep: rw->len"),
};

inline constexpr Field kWaitidFields[] = {
    {F::len, "which", "P_PID / P_PGID / P_ALL / P_PIDFD"},
    {F::fd, "upid", "id to wait for"},
    {F::file_index, "options", "WEXITED / WNOHANG / ..."},
    {F::off, "addr2", "siginfo_t to fill (0: none)"},
};
inline constexpr Check kWaitidChecks[] = {
    zero(F::addr, "io_waitid_prep: sqe->addr"),
    zero(F::buf_index, "io_waitid_prep: sqe->buf_index"),
    zero(F::addr3, "io_waitid_prep: sqe->addr3"),
    zero(F::op_flags, "io_waitid_prep: sqe->waitid_flags"),
};

inline constexpr Field kFutexFields[] = {
    {F::addr, nullptr, "futex address"},
    {F::off, "addr2", "value (WAIT: expected; WAKE: number to wake)"},
    {F::addr3, nullptr, "bitset mask"},
    {F::fd, "futex_flags", "FUTEX2_* flags (size, private)"},
};
inline constexpr Check kFutexChecks[] = {
    zero(F::len, "io_futex_prep: sqe->len"),
    zero(F::op_flags, "io_futex_prep: sqe->futex_flags"),
    zero(F::buf_index, "io_futex_prep: sqe->buf_index"),
    zero(F::file_index, "io_futex_prep: sqe->file_index"),
    special(Special::futex, "io_futex_prep: futex2 flags"),
};
inline constexpr Field kFutexvFields[] = {
    {F::addr, nullptr, "array of struct futex_waitv"},
    {F::len, nullptr, "number of futexes (1..128)"},
};
inline constexpr Check kFutexvChecks[] = {
    zero(F::fd, "io_futexv_prep: sqe->fd"),
    zero(F::buf_index, "io_futexv_prep: sqe->buf_index"),
    zero(F::file_index, "io_futexv_prep: sqe->file_index"),
    zero(F::off, "io_futexv_prep: sqe->addr2"),
    zero(F::op_flags, "io_futexv_prep: sqe->futex_flags"),
    zero(F::addr3, "io_futexv_prep: sqe->addr3"),
    special(Special::futex_waitv, "io_futexv_prep: !nr || nr > FUTEX_WAITV_MAX"),
};

inline constexpr Field kFixedInstallFields[] = {
    {F::fd, nullptr, "registered file slot to install as a normal fd (IOSQE_FIXED_FILE)"},
    {F::op_flags, "install_fd_flags", "IORING_FIXED_FD_NO_CLOEXEC"},
};
inline constexpr Check kFixedInstallChecks[] = {
    {Rule::needs_sqe_flag, F::user_data, 0x01, EBADF, "IOSQE_FIXED_FILE is required",
     "io_install_fixed_fd_prep: !REQ_F_FIXED_FILE"},
    zero(F::off, "io_install_fixed_fd_prep: sqe->off"),
    zero(F::addr, "io_install_fixed_fd_prep: sqe->addr"),
    zero(F::len, "io_install_fixed_fd_prep: sqe->len"),
    zero(F::buf_index, "io_install_fixed_fd_prep: sqe->buf_index"),
    zero(F::file_index, "io_install_fixed_fd_prep: sqe->splice_fd_in"),
    zero(F::addr3, "io_install_fixed_fd_prep: sqe->addr3"),
    unknown(F::op_flags, "io_install_fixed_fd_prep: flags & ~IORING_FIXED_FD_NO_CLOEXEC"),
};

inline constexpr Field kFtruncateFields[] = {
    {F::fd, nullptr, "file descriptor"},
    {F::off, nullptr, "new length"},
};
inline constexpr Check kFtruncateChecks[] = {
    zero(F::op_flags, "io_ftruncate_prep: sqe->rw_flags"),
    zero(F::addr, "io_ftruncate_prep: sqe->addr"),
    zero(F::len, "io_ftruncate_prep: sqe->len"),
    zero(F::buf_index, "io_ftruncate_prep: sqe->buf_index"),
    zero(F::file_index, "io_ftruncate_prep: sqe->splice_fd_in"),
    zero(F::addr3, "io_ftruncate_prep: sqe->addr3"),
};

inline constexpr Field kBindFields[] = {
    {F::fd, nullptr, "socket"},
    {F::addr, nullptr, "struct sockaddr"},
    {F::off, "addr2", "address length"},
};
inline constexpr Check kBindChecks[] = {
    zero(F::len, "io_bind_prep: sqe->len"),
    zero(F::buf_index, "io_bind_prep: sqe->buf_index"),
    zero(F::op_flags, "io_bind_prep: sqe->rw_flags"),
    zero(F::file_index, "io_bind_prep: sqe->splice_fd_in"),
    {Rule::above, F::off, 128, EINVAL, "address length above sizeof(struct sockaddr_storage)",
     "move_addr_to_kernel: ulen > sizeof(struct sockaddr_storage)"},
    {Rule::bad_pointer, F::addr, 0, EFAULT, "address pointer can never be read",
     "move_addr_to_kernel: copy_from_user", 0, 9999, Special::none, Severity::error, true, F::off},
};
inline constexpr Field kListenFields[] = {
    {F::fd, nullptr, "socket"},
    {F::len, nullptr, "backlog"},
};
inline constexpr Check kListenChecks[] = {
    zero(F::addr, "io_listen_prep: sqe->addr"),
    zero(F::buf_index, "io_listen_prep: sqe->buf_index"),
    zero(F::op_flags, "io_listen_prep: sqe->rw_flags"),
    zero(F::file_index, "io_listen_prep: sqe->splice_fd_in"),
    zero(F::off, "io_listen_prep: sqe->addr2"),
};

inline constexpr Field kEpollWaitFields[] = {
    {F::fd, nullptr, "epoll fd"},
    {F::addr, nullptr, "struct epoll_event array"},
    {F::len, nullptr, "maximum number of events"},
};
inline constexpr Check kEpollWaitChecks[] = {
    zero(F::off, "io_epoll_wait_prep: sqe->off"),
    zero(F::op_flags, "io_epoll_wait_prep: sqe->rw_flags"),
    zero(F::buf_index, "io_epoll_wait_prep: sqe->buf_index"),
    zero(F::file_index, "io_epoll_wait_prep: sqe->splice_fd_in"),
};

inline constexpr Field kPipeFields[] = {
    {F::addr, nullptr, "int[2] for the two fds"},
    {F::op_flags, "pipe_flags", "O_CLOEXEC / O_NONBLOCK / O_DIRECT / O_NOTIFICATION_PIPE"},
    {F::file_index, nullptr, "direct descriptor slots plus one (ALLOC: any free slots)"},
};
inline constexpr Check kPipeChecks[] = {
    zero(F::fd, "io_pipe_prep: sqe->fd"),
    zero(F::off, "io_pipe_prep: sqe->off"),
    zero(F::addr3, "io_pipe_prep: sqe->addr3"),
    unknown(F::op_flags, "io_pipe_prep: flags & ~(O_CLOEXEC | O_NONBLOCK | O_DIRECT | ...)"),
};

inline constexpr Field kRecvZcFields[] = {
    {F::ioprio, "recv_flags", "IORING_RECV_MULTISHOT (required)"},
    {F::fd, nullptr, "socket bound to the queue's interface queue"},
    {F::len, nullptr, "bytes to receive (0: no limit)"},
    {F::file_index, "zcrx_ifq_idx", "registered zero-copy receive queue"},
};
inline constexpr Check kRecvZcChecks[] = {
    zero(F::off, "io_recvzc_prep: sqe->addr2"),
    zero(F::addr, "io_recvzc_prep: sqe->addr"),
    zero(F::addr3, "io_recvzc_prep: sqe->addr3"),
    special(Special::recv_zc, "io_recvzc_prep: xa_load(zcrx_ctxs, zcrx_ifq_idx)"),
    zero(F::op_flags, "io_recvzc_prep: zc->msg_flags (no MSG_* flag is accepted)"),
    {Rule::unknown_bits, F::ioprio, 0, EINVAL, "unknown IORING_RECVSEND_* bit",
     "io_recvzc_prep: flags & ~(POLL_FIRST | MULTISHOT)"},
    special(Special::recv_zc_multishot, "io_recvzc_prep: !(flags & IORING_RECV_MULTISHOT)"),
};
// READV_FIXED / WRITEV_FIXED: __io_prep_rw, then io_prep_reg_iovec copies the iovec array.
inline constexpr Check kRwvFixedChecks[] = {
    special(Special::rw, "__io_prep_rw, io_rw_init_file -> kiocb_set_rw_flags"),
    special(Special::reg_iovec, "io_rw_prep_reg_vec -> io_prep_reg_iovec -> iovec_from_user"),
};

}  // namespace rows

// ---- the table ----------------------------------------------------------------------------------

inline constexpr Opcode kOpcodes[] = {
    // clang-format off
    // code, name, first release, model, needs_file, ioprio, buffer_select,
    //   liburing prep helpers, kernel source,
    //   flags field, its name, its bits, fields, checks,
    //   issue errnos, what the issue depends on
    {0, "NOP", 501, Model::full, false, false, false,
     "nop", "io_uring/nop.c io_nop_prep",
     F::op_flags, "nop_flags", kNopFlags, rows::kNopFields, rows::kNopChecks,
     {}, nullptr},
    {1, "READV", 501, Model::prep, true, true, true,
     "readv, readv2", "io_uring/rw.c io_prep_readv",
     F::op_flags, "rw_flags", kRwFlags, rows::kRwFields, rows::kReadvChecks,
     kIssueEinvalOpnotsupp, "iovec array contents (-EFAULT, -EINVAL for a bad iovec) and the file"},
    {2, "WRITEV", 501, Model::prep, true, true, false,
     "writev, writev2", "io_uring/rw.c io_prep_writev",
     F::op_flags, "rw_flags", kRwFlags, rows::kRwFields, rows::kRwChecks,
     kIssueEinvalOpnotsupp, "iovec array contents and the file"},
    {3, "FSYNC", 501, Model::prep, true, false, false,
     "fsync", "io_uring/sync.c io_fsync_prep",
     F::op_flags, "fsync_flags", kFsyncFlags, rows::kFsyncFields, rows::kFsyncChecks,
     kIssueEinval, "the file (-EINVAL for files without fsync)"},
    {4, "READ_FIXED", 501, Model::prep, true, true, false,
     "read_fixed", "io_uring/rw.c io_prep_read_fixed",
     F::op_flags, "rw_flags", kRwFlags, rows::kRwFields, rows::kRwChecks,
     kIssueEinvalOpnotsupp, "the registered buffer (-EFAULT outside it)"},
    {5, "WRITE_FIXED", 501, Model::prep, true, true, false,
     "write_fixed", "io_uring/rw.c io_prep_write_fixed",
     F::op_flags, "rw_flags", kRwFlags, rows::kRwFields, rows::kRwChecks,
     kIssueEinvalOpnotsupp, "the registered buffer (-EFAULT outside it)"},
    {6, "POLL_ADD", 501, Model::full, true, false, false,
     "poll_add, poll_multishot", "io_uring/poll.c io_poll_add_prep",
     F::len, "poll_flags", kPollAddFlags, rows::kPollAddFields, rows::kPollAddChecks,
     {}, nullptr},
    {7, "POLL_REMOVE", 501, Model::prep, false, false, false,
     "poll_remove, poll_update", "io_uring/poll.c io_poll_remove_prep",
     F::len, "poll_flags", kPollRemoveFlags, rows::kPollRemoveFields, rows::kPollRemoveChecks,
     {}, "-ENOENT without a matching request"},
    {8, "SYNC_FILE_RANGE", 502, Model::prep, true, false, false,
     "sync_file_range", "io_uring/sync.c io_sfr_prep",
     F::op_flags, "sync_range_flags", kSyncRangeFlags, rows::kSyncRangeFields, rows::kSyncRangeChecks,
     kIssueEinval, "sync_file_range: flags, offsets (-EINVAL), the file (-ESPIPE)"},
    {9, "SENDMSG", 503, Model::prep, true, true, false,
     "sendmsg", "io_uring/net.c io_sendmsg_prep",
     F::ioprio, "send_flags", kSendIoprio, rows::kSendmsgFields, rows::kSendmsgChecks,
     kIssueEinvalOpnotsupp, "the msghdr's contents and the socket"},
    {10, "RECVMSG", 503, Model::prep, true, true, true,
     "recvmsg, recvmsg_multishot", "io_uring/net.c io_recvmsg_prep",
     F::ioprio, "recv_flags", kRecvIoprio, rows::kRecvmsgFields, rows::kRecvChecks,
     kIssueEinvalOpnotsupp, "the msghdr's contents and the socket"},
    {11, "TIMEOUT", 504, Model::prep, false, false, false,
     "timeout", "io_uring/timeout.c io_timeout_prep",
     F::op_flags, "timeout_flags", kTimeoutFlags, rows::kTimeoutFields, rows::kTimeoutChecks,
     kIssueEinval, "the timespec at addr (-EFAULT unreadable, -EINVAL negative)"},
    {12, "TIMEOUT_REMOVE", 505, Model::prep, false, false, false,
     "timeout_remove, timeout_update", "io_uring/timeout.c io_timeout_remove_prep",
     F::op_flags, "timeout_flags", kTimeoutRemoveFlags, rows::kTimeoutRemoveFields, rows::kTimeoutRemoveChecks,
     kIssueEinval, "the timespec at addr2; -ENOENT without a matching timeout"},
    {13, "ACCEPT", 505, Model::prep, true, true, false,
     "accept, accept_direct, multishot_accept, multishot_accept_direct", "io_uring/net.c io_accept_prep",
     F::ioprio, "ioprio", kAcceptIoprio, rows::kAcceptFields, rows::kAcceptChecks,
     kIssueEinvalOpnotsupp, "the socket (-EINVAL when not listening, -EOPNOTSUPP for datagram sockets)"},
    {14, "ASYNC_CANCEL", 505, Model::full, false, false, false,
     "cancel, cancel64, cancel_fd", "io_uring/cancel.c io_async_cancel_prep",
     F::op_flags, "cancel_flags", kCancelFlags, rows::kCancelFields, rows::kCancelChecks,
     {}, "-ENOENT / -EALREADY: what is in flight"},
    {15, "LINK_TIMEOUT", 505, Model::prep, false, false, false,
     "link_timeout", "io_uring/timeout.c io_link_timeout_prep",
     F::op_flags, "timeout_flags", kTimeoutFlags, rows::kLinkTimeoutFields, rows::kLinkTimeoutChecks,
     kIssueEinval, "the timespec; -EINVAL unless it follows a request with IOSQE_IO_LINK"},
    {16, "CONNECT", 505, Model::prep, true, false, false,
     "connect", "io_uring/net.c io_connect_prep",
     F::user_data, nullptr, {}, rows::kConnectFields, rows::kConnectChecks,
     kIssueEinvalOpnotsupp, "the address's contents and the socket"},
    {17, "FALLOCATE", 506, Model::prep, true, false, false,
     "fallocate", "io_uring/sync.c io_fallocate_prep",
     F::user_data, nullptr, {}, rows::kFallocateFields, rows::kFallocateChecks,
     kIssueEinvalOpnotsupp, "vfs_fallocate: mode, range and file"},
    {18, "OPENAT", 506, Model::prep, false, false, false,
     "openat, openat_direct", "io_uring/openclose.c io_openat_prep",
     F::user_data, nullptr, {}, rows::kOpenatFields, rows::kOpenatChecks,
     kIssueEinval, "the path (-EFAULT, -ENOENT...) and open flags (-EINVAL)"},
    {19, "CLOSE", 506, Model::full, false, false, false,
     "close, close_direct", "io_uring/openclose.c io_close_prep",
     F::user_data, nullptr, {}, rows::kCloseFields, rows::kCloseChecks,
     {}, nullptr},
    {20, "FILES_UPDATE", 506, Model::full, false, false, false,
     "files_update", "io_uring/rsrc.c io_files_update_prep",
     F::user_data, nullptr, {}, rows::kFilesUpdateFields, rows::kFilesUpdateChecks,
     {}, nullptr},
    {21, "STATX", 506, Model::prep, false, false, false,
     "statx", "io_uring/statx.c io_statx_prep",
     F::user_data, nullptr, {}, rows::kStatxFields, rows::kStatxChecks,
     kIssueEinval, "the path and do_statx's flag and mask checks (-EINVAL)"},
    {22, "READ", 506, Model::full, true, true, true,
     "read", "io_uring/rw.c io_prep_read",
     F::op_flags, "rw_flags", kRwFlags, rows::kRwFields, rows::kRwChecks,
     {}, nullptr},
    {23, "WRITE", 506, Model::full, true, true, false,
     "write", "io_uring/rw.c io_prep_write",
     F::op_flags, "rw_flags", kRwFlags, rows::kRwFields, rows::kRwChecks,
     {}, nullptr},
    {24, "FADVISE", 506, Model::prep, true, false, false,
     "fadvise, fadvise64", "io_uring/advise.c io_fadvise_prep",
     F::user_data, nullptr, {}, rows::kFadviseFields, rows::kFadviseChecks,
     kIssueEinval, "vfs_fadvise: advice (-EINVAL) and the file (-ESPIPE)"},
    {25, "MADVISE", 506, Model::prep, false, false, false,
     "madvise, madvise64", "io_uring/advise.c io_madvise_prep",
     F::user_data, nullptr, {}, rows::kMadviseFields, rows::kMadviseChecks,
     kIssueEinval, "do_madvise: alignment and advice (-EINVAL), mappings"},
    {26, "SEND", 506, Model::prep, true, true, true,
     "send, sendto, send_bundle", "io_uring/net.c io_sendmsg_prep",
     F::ioprio, "send_flags", kSendIoprio, rows::kSendFields, rows::kSendChecks,
     kIssueEinvalOpnotsupp, "the destination address and the socket"},
    {27, "RECV", 506, Model::prep, true, true, true,
     "recv, recv_multishot", "io_uring/net.c io_recvmsg_prep",
     F::ioprio, "recv_flags", kRecvIoprio, rows::kRecvFields, rows::kRecvChecks,
     kIssueEinvalOpnotsupp, "the socket and provided buffers"},
    {28, "OPENAT2", 506, Model::prep, false, false, false,
     "openat2, openat2_direct", "io_uring/openclose.c io_openat2_prep",
     F::user_data, nullptr, {}, rows::kOpenat2Fields, rows::kOpenat2Checks,
     kIssueEinval, "struct open_how's contents and the path"},
    {29, "EPOLL_CTL", 506, Model::prep, false, false, false,
     "epoll_ctl", "io_uring/epoll.c io_epoll_ctl_prep",
     F::user_data, nullptr, {}, rows::kEpollCtlFields, rows::kEpollCtlChecks,
     kIssueEinval, "do_epoll_ctl: op, fds (-EINVAL, -EBADF, -EEXIST)"},
    {30, "SPLICE", 507, Model::prep, true, false, false,
     "splice", "io_uring/splice.c io_splice_prep",
     F::op_flags, "splice_flags", kSpliceFlags, rows::kSpliceFields, rows::kSpliceChecks,
     kIssueEinval, "the two files (-EINVAL, -ESPIPE)"},
    {31, "PROVIDE_BUFFERS", 507, Model::prep, false, false, false,
     "provide_buffers", "io_uring/kbuf.c io_provide_buffers_prep",
     F::user_data, nullptr, {}, rows::kProvideFields, rows::kProvideChecks,
     kIssueEinval, "the group (-EINVAL when it is a buffer ring)"},
    {32, "REMOVE_BUFFERS", 507, Model::prep, false, false, false,
     "remove_buffers", "io_uring/kbuf.c io_remove_buffers_prep",
     F::user_data, nullptr, {}, rows::kRemoveFields, rows::kRemoveChecks,
     kIssueEinval, "-ENOENT for a group that does not exist"},
    {33, "TEE", 508, Model::prep, true, false, false,
     "tee", "io_uring/splice.c io_tee_prep",
     F::op_flags, "splice_flags", kSpliceFlags, rows::kTeeFields, rows::kTeeChecks,
     kIssueEinval, "the two files (-EINVAL unless both are pipes)"},
    {34, "SHUTDOWN", 511, Model::prep, true, false, false,
     "shutdown", "io_uring/net.c io_shutdown_prep",
     F::user_data, nullptr, {}, rows::kShutdownFields, rows::kShutdownChecks,
     kIssueEinval, "the socket (-ENOTSOCK) and how (-EINVAL)"},
    {35, "RENAMEAT", 511, Model::prep, false, false, false,
     "renameat, rename", "io_uring/fs.c io_renameat_prep",
     F::user_data, nullptr, {}, rows::kRenameFields, rows::kRenameChecks,
     kIssueEinval, "the paths and flags (-EINVAL)"},
    {36, "UNLINKAT", 511, Model::prep, false, false, false,
     "unlinkat, unlink", "io_uring/fs.c io_unlinkat_prep",
     F::op_flags, "unlink_flags", kUnlinkFlags, rows::kUnlinkFields, rows::kUnlinkChecks,
     kIssueEinval, "the path"},
    {37, "MKDIRAT", 515, Model::prep, false, false, false,
     "mkdirat, mkdir", "io_uring/fs.c io_mkdirat_prep",
     F::user_data, nullptr, {}, rows::kMkdirFields, rows::kMkdirChecks,
     kIssueEinval, "the path"},
    {38, "SYMLINKAT", 515, Model::prep, false, false, false,
     "symlinkat, symlink", "io_uring/fs.c io_symlinkat_prep",
     F::user_data, nullptr, {}, rows::kSymlinkFields, rows::kSymlinkChecks,
     kIssueEinval, "the paths"},
    {39, "LINKAT", 515, Model::prep, false, false, false,
     "linkat, link", "io_uring/fs.c io_linkat_prep",
     F::user_data, nullptr, {}, rows::kLinkFields, rows::kLinkChecks,
     kIssueEinval, "the paths and flags (-EINVAL)"},
    {40, "MSG_RING", 518, Model::full, true, false, false,
     "msg_ring, msg_ring_cqe_flags, msg_ring_fd, msg_ring_fd_alloc", "io_uring/msg_ring.c io_msg_ring_prep",
     F::op_flags, "msg_ring_flags", kMsgRingFlags, rows::kMsgRingFields, rows::kMsgRingChecks,
     {}, nullptr},
    {41, "FSETXATTR", 519, Model::prep, true, false, false,
     "fsetxattr", "io_uring/xattr.c io_fsetxattr_prep",
     F::op_flags, "xattr_flags", kXattrFlags, rows::kFxattrFields, rows::kFsetxattrChecks,
     kIssueEinvalOpnotsupp, "the name (-ERANGE, -EFAULT) and the file system"},
    {42, "SETXATTR", 519, Model::prep, false, false, false,
     "setxattr", "io_uring/xattr.c io_setxattr_prep",
     F::op_flags, "xattr_flags", kXattrFlags, rows::kXattrFields, rows::kSetxattrChecks,
     kIssueEinvalOpnotsupp, "the path, the name and the file system"},
    {43, "FGETXATTR", 519, Model::prep, true, false, false,
     "fgetxattr", "io_uring/xattr.c io_fgetxattr_prep",
     F::user_data, nullptr, {}, rows::kFgetxattrFields, rows::kFgetxattrChecks,
     kIssueEinvalOpnotsupp, "the name and the file system"},
    {44, "GETXATTR", 519, Model::prep, false, false, false,
     "getxattr", "io_uring/xattr.c io_getxattr_prep",
     F::user_data, nullptr, {}, rows::kGetxattrFields, rows::kGetxattrChecks,
     kIssueEinvalOpnotsupp, "the path, the name and the file system"},
    {45, "SOCKET", 519, Model::prep, false, false, false,
     "socket, socket_direct, socket_direct_alloc", "io_uring/net.c io_socket_prep",
     F::user_data, nullptr, {}, rows::kSocketFields, rows::kSocketChecks,
     kIssueEinval, "domain, type and protocol (-EAFNOSUPPORT, -EINVAL, -EPROTONOSUPPORT)"},
    {46, "URING_CMD", 519, Model::prep, true, false, true,
     "uring_cmd, cmd_sock, cmd_discard", "io_uring/uring_cmd.c io_uring_cmd_prep",
     F::op_flags, "uring_cmd_flags", kUringCmdFlags, rows::kUringCmdFields, rows::kUringCmdChecks,
     kIssueEinvalOpnotsupp, "the driver behind the file (-EOPNOTSUPP without one, or for a cmd_op it does not know): every field past the header is its own",
     618},
    {47, "SEND_ZC", 600, Model::prep, true, true, false,
     "send_zc, send_zc_fixed", "io_uring/net.c io_send_zc_prep",
     F::ioprio, "zc_flags", kSendZcIoprio, rows::kSendZcFields, rows::kSendZcChecks,
     kIssueEinvalOpnotsupp, "the socket and the buffer"},
    {48, "SENDMSG_ZC", 601, Model::prep, true, true, false,
     "sendmsg_zc", "io_uring/net.c io_send_zc_prep",
     F::ioprio, "zc_flags", kSendZcIoprio, rows::kSendmsgZcFields, rows::kSendmsgZcChecks,
     kIssueEinvalOpnotsupp, "the msghdr's contents and the socket"},
    {49, "READ_MULTISHOT", 607, Model::prep, true, false, true,
     "read_multishot", "io_uring/rw.c io_read_mshot_prep",
     F::op_flags, "rw_flags", kRwFlags, rows::kReadMshotFields, rows::kReadMshotChecks,
     kIssueEinvalOpnotsupp, "a pollable file (-EBADFD), a buffer in the group (-ENOBUFS), then the RWF_* checks of READ"},
    {50, "WAITID", 607, Model::prep, false, false, false,
     "waitid", "io_uring/waitid.c io_waitid_prep",
     F::user_data, nullptr, {}, rows::kWaitidFields, rows::kWaitidChecks,
     kIssueEinval, "which and options (-EINVAL), the children (-ECHILD)"},
    {51, "FUTEX_WAIT", 607, Model::prep, false, false, false,
     "futex_wait", "io_uring/futex.c io_futex_prep",
     F::user_data, nullptr, {}, rows::kFutexFields, rows::kFutexChecks,
     kIssueEinval, "the futex word (-EAGAIN, -EFAULT) and mask (-EINVAL)"},
    {52, "FUTEX_WAKE", 607, Model::prep, false, false, false,
     "futex_wake", "io_uring/futex.c io_futex_prep",
     F::user_data, nullptr, {}, rows::kFutexFields, rows::kFutexChecks,
     kIssueEinval, "the futex word and mask (-EINVAL)"},
    {53, "FUTEX_WAITV", 607, Model::prep, false, false, false,
     "futex_waitv", "io_uring/futex.c io_futexv_prep",
     F::user_data, nullptr, {}, rows::kFutexvFields, rows::kFutexvChecks,
     kIssueEinval, "the futex_waitv array's contents (-EINVAL, -EFAULT)"},
    {54, "FIXED_FD_INSTALL", 608, Model::full, true, false, false,
     "fixed_fd_install", "io_uring/openclose.c io_install_fixed_fd_prep",
     F::op_flags, "install_fd_flags", kFixedFdInstallFlags, rows::kFixedInstallFields, rows::kFixedInstallChecks,
     {}, nullptr},
    {55, "FTRUNCATE", 609, Model::prep, true, false, false,
     "ftruncate", "io_uring/truncate.c io_ftruncate_prep",
     F::user_data, nullptr, {}, rows::kFtruncateFields, rows::kFtruncateChecks,
     kIssueEinval, "do_ftruncate: negative length, file type (-EINVAL)"},
    {56, "BIND", 611, Model::prep, true, false, false,
     "bind", "io_uring/net.c io_bind_prep",
     F::user_data, nullptr, {}, rows::kBindFields, rows::kBindChecks,
     kIssueEinvalOpnotsupp, "the address's contents and the socket"},
    {57, "LISTEN", 611, Model::prep, true, false, false,
     "listen", "io_uring/net.c io_listen_prep",
     F::user_data, nullptr, {}, rows::kListenFields, rows::kListenChecks,
     kIssueEinvalOpnotsupp, "the socket (-EOPNOTSUPP for datagram sockets, -EINVAL when connected)"},
    {58, "RECV_ZC", 615, Model::prep, true, true, false,
     "(none: fields set directly)", "io_uring/net.c io_recvzc_prep",
     F::ioprio, "recv_flags", kRecvZcIoprio, rows::kRecvZcFields, rows::kRecvZcChecks,
     kIssueEinvalOpnotsupp, "the socket and the queue's interface"},
    {59, "EPOLL_WAIT", 615, Model::prep, true, false, false,
     "epoll_wait", "io_uring/epoll.c io_epoll_wait_prep",
     F::user_data, nullptr, {}, rows::kEpollWaitFields, rows::kEpollWaitChecks,
     kIssueEinval, "the epoll fd and maxevents (-EINVAL)"},
    {60, "READV_FIXED", 615, Model::prep, true, true, false,
     "readv_fixed", "io_uring/rw.c io_prep_readv_fixed",
     F::op_flags, "rw_flags", kRwFlags, rows::kRwFields, rows::kRwvFixedChecks,
     kIssueEinvalOpnotsupp, "the iovecs against the registered buffer (-EFAULT outside it or for an unregistered buf_index)"},
    {61, "WRITEV_FIXED", 615, Model::prep, true, true, false,
     "writev_fixed", "io_uring/rw.c io_prep_writev_fixed",
     F::op_flags, "rw_flags", kRwFlags, rows::kRwFields, rows::kRwvFixedChecks,
     kIssueEinvalOpnotsupp, "the iovecs against the registered buffer (-EFAULT outside it or for an unregistered buf_index)"},
    {62, "PIPE", 616, Model::prep, false, false, false,
     "pipe, pipe_direct", "io_uring/openclose.c io_pipe_prep",
     F::op_flags, "pipe_flags", kPipeFlags, rows::kPipeFields, rows::kPipeChecks,
     kIssueEinval, "the fds array (-EFAULT) and the file table"},
    // clang-format on
};

inline constexpr unsigned kOpcodeCount = sizeof(kOpcodes) / sizeof(kOpcodes[0]);

// The row for an opcode, or nullptr past the table.
constexpr const Opcode* find(unsigned code) noexcept {
  return code < kOpcodeCount ? &kOpcodes[code] : nullptr;
}

constexpr bool rows_in_order() noexcept {
  for (unsigned i = 0; i < kOpcodeCount; ++i)
    if (kOpcodes[i].code != i) return false;
  return true;
}
static_assert(kOpcodeCount == 63 && rows_in_order(), "one row per opcode, in opcode order");

}  // namespace op
}  // namespace uring
