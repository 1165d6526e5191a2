// Auditing SQEs: what each field of a 64-byte SQE means for its opcode (describe), and which fields
// the kernel will refuse, with the errno it answers (lint).
//
// Both work on SqeFields, the SQE as the kernel reads it: plain integers at the ABI offsets, no
// unions. That keeps describe() and lint() constexpr (a union member that is not the active one
// cannot be read during constant evaluation, and std::bit_cast refuses unions), so rules can be
// pinned with static_assert. fields_of() converts a real io_uring_sqe (or its 64 bytes).
//
// Nothing here allocates: a Description and a LintReport are fixed-capacity values (under 1.5 KiB
// each, on the caller's stack) that point only at string literals. format() writes text into a
// caller's buffer.
//
// lint() mirrors the checks the kernel makes before and while issuing a request (io_init_req, then
// the opcode's prep function, then the issue function's argument checks); docs/audit.md lists each
// rule with the kernel check it mirrors. It does not know the ring's state (registered files,
// personalities, setup flags): rules that depend on it are marked Severity::conditional and say on
// what.
#pragma once

#include <bit>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <span>

#include "../syscalls/abi.hpp"

namespace uring {

// ---- the SQE as integers ------------------------------------------------------------------------

// Every field of a 64-byte SQE at its ABI offset, named after the first member of each union.
struct SqeFields {
  std::uint8_t opcode = 0;        // 0
  std::uint8_t flags = 0;         // 1   IOSQE_*
  std::uint16_t ioprio = 0;       // 2
  std::int32_t fd = 0;            // 4
  std::uint64_t off = 0;          // 8   off / addr2 / cmd_op
  std::uint64_t addr = 0;         // 16  addr / splice_off_in
  std::uint32_t len = 0;          // 24
  std::uint32_t op_flags = 0;     // 28  rw_flags / msg_ring_flags / nop_flags / ...
  std::uint64_t user_data = 0;    // 32
  std::uint16_t buf_index = 0;    // 40  buf_index / buf_group
  std::uint16_t personality = 0;  // 42
  std::uint32_t file_index = 0;   // 44  file_index / splice_fd_in / write_stream
  std::uint64_t addr3 = 0;        // 48
  std::uint64_t pad2 = 0;         // 56  __pad2[0] / attr_type_mask
  friend constexpr bool operator==(const SqeFields&, const SqeFields&) = default;
};

namespace detail {
template <class T>
constexpr T load(std::span<const std::uint8_t, 64> b, std::size_t off) noexcept {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < sizeof(T); ++i) {
    const std::size_t k = std::endian::native == std::endian::little ? i : sizeof(T) - 1 - i;
    v |= std::uint64_t{b[off + k]} << (8 * i);
  }
  return static_cast<T>(v);
}
template <class T>
constexpr void store(std::span<std::uint8_t, 64> b, std::size_t off, T value) noexcept {
  const auto v = static_cast<std::uint64_t>(value);
  for (std::size_t i = 0; i < sizeof(T); ++i) {
    const std::size_t k = std::endian::native == std::endian::little ? i : sizeof(T) - 1 - i;
    b[off + k] = static_cast<std::uint8_t>(v >> (8 * i));
  }
}
}  // namespace detail

// The SQE's 64 bytes (host byte order, as the kernel reads them) as fields.
constexpr SqeFields fields_of(std::span<const std::uint8_t, 64> b) noexcept {
  using detail::load;
  SqeFields f;
  f.opcode = b[0];
  f.flags = b[1];
  f.ioprio = load<std::uint16_t>(b, 2);
  f.fd = load<std::int32_t>(b, 4);
  f.off = load<std::uint64_t>(b, 8);
  f.addr = load<std::uint64_t>(b, 16);
  f.len = load<std::uint32_t>(b, 24);
  f.op_flags = load<std::uint32_t>(b, 28);
  f.user_data = load<std::uint64_t>(b, 32);
  f.buf_index = load<std::uint16_t>(b, 40);
  f.personality = load<std::uint16_t>(b, 42);
  f.file_index = load<std::uint32_t>(b, 44);
  f.addr3 = load<std::uint64_t>(b, 48);
  f.pad2 = load<std::uint64_t>(b, 56);
  return f;
}

// The inverse: fields to the 64 bytes.
constexpr void bytes_of(const SqeFields& f, std::span<std::uint8_t, 64> b) noexcept {
  using detail::store;
  b[0] = f.opcode;
  b[1] = f.flags;
  store(b, 2, f.ioprio);
  store(b, 4, f.fd);
  store(b, 8, f.off);
  store(b, 16, f.addr);
  store(b, 24, f.len);
  store(b, 28, f.op_flags);
  store(b, 32, f.user_data);
  store(b, 40, f.buf_index);
  store(b, 42, f.personality);
  store(b, 44, f.file_index);
  store(b, 48, f.addr3);
  store(b, 56, f.pad2);
}

SqeFields fields_of(const io_uring_sqe& sqe) noexcept;
void to_sqe(const SqeFields& f, io_uring_sqe& sqe) noexcept;

// ---- describe -----------------------------------------------------------------------------------

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

// Sets one field (value truncated to the field's width), e.g. to corrupt an SQE on purpose.
constexpr void set_value(SqeFields& f, FieldId id, std::uint64_t v) noexcept;

// How the kernel treats a field for this opcode (and command / flags).
enum class Use : std::uint8_t {
  used,     // read and acted on: `meaning` says as what
  zero,     // must be zero: the kernel refuses anything else (lint says with which errno)
  ignored,  // never read for this request: any value passes unnoticed
  unknown,  // opcode not described by rawuring: raw value only
};

struct FieldInfo {
  FieldId id;
  const char* name;  // the ABI name at this offset ("addr3", "msg_ring_flags", ...)
  unsigned offset;
  unsigned size;
  std::uint64_t value;  // zero-extended; fd is shown sign-extended by format()
  Use use;
  const char* meaning;  // what it is for this opcode; nullptr unless use == used
};

struct Description {
  std::uint8_t opcode = 0;
  bool known = false;             // an opcode rawuring prepares and describes
  const char* op_name = nullptr;  // "MSG_RING"; nullptr: unknown to describe (see opcode_name())
  const char* variant = nullptr;  // "DATA", "SEND_FD (target slot allocated)", ...
  std::uint8_t flags = 0;
  const char* flag_names[8] = {};  // IOSQE_* names of the set bits
  unsigned flag_count = 0;
  std::uint8_t unknown_flags = 0;      // set bits with no IOSQE_* name
  const char* op_flag_names[16] = {};  // names of the set bits of op_flags (RWF_*, IORING_MSG_*)
  unsigned op_flag_count = 0;
  std::uint32_t unknown_op_flags = 0;
  FieldInfo fields[kFieldCount] = {};
};

constexpr Description describe(const SqeFields& f) noexcept;
inline Description describe(const io_uring_sqe& sqe) noexcept { return describe(fields_of(sqe)); }

// ---- lint ---------------------------------------------------------------------------------------

enum class Severity : std::uint8_t {
  error,        // the kernel refuses this SQE with `error`, whatever the ring's state
  conditional,  // refused with `error` unless the ring's state says otherwise (see `text`)
  note,         // accepted, but worth a look (an ignored non-zero field, a truncated value)
};

// Where the finding points: a field, the IOSQE_* flags byte, or the opcode.
enum class Where : std::uint8_t { field, flags, opcode };

struct Finding {
  Severity severity;
  int error;  // positive errno the kernel answers (0 for notes)
  Where where;
  FieldId field;               // when where == field
  std::uint64_t value;         // the offending value (field value, flag bits)
  const char* text;            // what is wrong
  const char* kernel;          // the kernel check it mirrors ("io_msg_ring_prep: ...")
  const char* name = nullptr;  // the field's name for this opcode ("msg_ring_flags"), or null
};

struct LintReport {
  static constexpr unsigned kCapacity = 24;
  Finding items[kCapacity] = {};
  unsigned count = 0;
  bool truncated = false;

  constexpr void add(const Finding& f) noexcept {
    if (count < kCapacity)
      items[count++] = f;
    else
      truncated = true;
  }
  constexpr std::span<const Finding> findings() const noexcept { return {items, count}; }
  // The errno the kernel answers: the first error or conditional finding, in the kernel's own
  // order of checks (findings are recorded in that order). 0 when lint sees nothing it refuses.
  constexpr int expected_error() const noexcept {
    for (unsigned i = 0; i < count; ++i)
      if (items[i].severity != Severity::note) return items[i].error;
    return 0;
  }
  constexpr bool clean() const noexcept { return expected_error() == 0; }
};

constexpr LintReport lint(const SqeFields& f) noexcept;
inline LintReport lint(const io_uring_sqe& sqe) noexcept { return lint(fields_of(sqe)); }

// ---- text ---------------------------------------------------------------------------------------

// "EINVAL" for EINVAL (the errnos io_uring answers), nullptr for others.
constexpr const char* errno_name(int err) noexcept {
  switch (err < 0 ? -err : err) {
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    case EINTR: return "EINTR";
    case EBADF: return "EBADF";
    case EAGAIN: return "EAGAIN";
    case ENOMEM: return "ENOMEM";
    case EACCES: return "EACCES";
    case EFAULT: return "EFAULT";
    case EBUSY: return "EBUSY";
    case EEXIST: return "EEXIST";
    case ENXIO: return "ENXIO";
    case EINVAL: return "EINVAL";
    case ENFILE: return "ENFILE";
    case EMFILE: return "EMFILE";
    case EFBIG: return "EFBIG";
    case ENOSYS: return "ENOSYS";
    case ENOBUFS: return "ENOBUFS";
    case EOPNOTSUPP: return "EOPNOTSUPP";
    case EOVERFLOW: return "EOVERFLOW";
    case EBADFD: return "EBADFD";
    case ECANCELED: return "ECANCELED";
    case EOWNERDEAD: return "EOWNERDEAD";
    case ETIME: return "ETIME";
    default: return nullptr;
  }
}

// The generic ABI name of a field ("op_flags", "file_index", ...).
constexpr const char* field_name(FieldId id) noexcept;

constexpr const char* use_name(Use u) noexcept {
  switch (u) {
    case Use::used: return "used";
    case Use::zero: return "must be 0";
    case Use::ignored: return "unused";
    default: return "raw";
  }
}

constexpr const char* severity_name(Severity s) noexcept {
  switch (s) {
    case Severity::error: return "error";
    case Severity::conditional: return "conditional";
    default: return "note";
  }
}

// The describe() table / the lint findings as text, one line each, into buf (always
// NUL-terminated when size > 0). Returns the length the full text needs, like snprintf.
std::size_t format(const Description& d, char* buf, std::size_t size) noexcept;
std::size_t format(const LintReport& r, char* buf, std::size_t size) noexcept;

// ---- implementation (constexpr, so it lives here) -----------------------------------------------

namespace detail {

struct Bit {
  std::uint32_t value;
  const char* name;
};

inline constexpr Bit kSqeFlagBits[] = {
    {IOSQE_FIXED_FILE, "IOSQE_FIXED_FILE"},
    {IOSQE_IO_DRAIN, "IOSQE_IO_DRAIN"},
    {IOSQE_IO_LINK, "IOSQE_IO_LINK"},
    {IOSQE_IO_HARDLINK, "IOSQE_IO_HARDLINK"},
    {IOSQE_ASYNC, "IOSQE_ASYNC"},
    {IOSQE_BUFFER_SELECT, "IOSQE_BUFFER_SELECT"},
    {IOSQE_CQE_SKIP_SUCCESS, "IOSQE_CQE_SKIP_SUCCESS"},
};
// The kernel's SQE_VALID_FLAGS (io_uring.c): every bit above is refused.
inline constexpr std::uint8_t kValidSqeFlags = 0x7f;

inline constexpr Bit kMsgRingBits[] = {
    {IORING_MSG_RING_CQE_SKIP, "IORING_MSG_RING_CQE_SKIP"},
    {IORING_MSG_RING_FLAGS_PASS, "IORING_MSG_RING_FLAGS_PASS"},
};
inline constexpr Bit kNopBits[] = {
    {IORING_NOP_INJECT_RESULT, "IORING_NOP_INJECT_RESULT"},
    {IORING_NOP_FILE, "IORING_NOP_FILE"},
    {IORING_NOP_FIXED_FILE, "IORING_NOP_FIXED_FILE"},
    {IORING_NOP_FIXED_BUFFER, "IORING_NOP_FIXED_BUFFER"},
    {IORING_NOP_TW, "IORING_NOP_TW"},
    {IORING_NOP_CQE32, "IORING_NOP_CQE32"},
};
// RWF_* values from include/uapi/linux/fs.h (6.18: the last one is RWF_NOSIGNAL).
inline constexpr Bit kRwfBits[] = {
    {0x01, "RWF_HIPRI"},  {0x02, "RWF_DSYNC"},     {0x04, "RWF_SYNC"},
    {0x08, "RWF_NOWAIT"}, {0x10, "RWF_APPEND"},    {0x20, "RWF_NOAPPEND"},
    {0x40, "RWF_ATOMIC"}, {0x80, "RWF_DONTCACHE"}, {0x100, "RWF_NOSIGNAL"},
};

inline constexpr std::uint32_t kRwfHipri = 0x01, kRwfNowait = 0x08, kRwfAtomic = 0x40,
                               kRwfDontcache = 0x80;

template <std::size_t N>
constexpr std::uint32_t mask_of(const Bit (&bits)[N]) noexcept {
  std::uint32_t m = 0;
  for (const Bit& b : bits) m |= b.value;
  return m;
}

// Names the set bits of `value`; returns the bits without a name.
template <std::size_t N, std::size_t M>
constexpr std::uint32_t name_bits(std::uint32_t value, const Bit (&bits)[N], const char* (&out)[M],
                                  unsigned& count) noexcept {
  for (const Bit& b : bits)
    if ((value & b.value) && count < M) out[count++] = b.name;
  return value & ~mask_of(bits);
}

inline constexpr const char* kFieldNames[kFieldCount] = {
    "ioprio",    "fd",        "off",         "addr",       "len",   "op_flags",
    "user_data", "buf_index", "personality", "file_index", "addr3", "pad2",
};
inline constexpr unsigned kFieldOffsets[kFieldCount] = {2,  4,  8,  16, 24, 28,
                                                        32, 40, 42, 44, 48, 56};
inline constexpr unsigned kFieldSizes[kFieldCount] = {2, 4, 8, 8, 4, 4, 8, 2, 2, 4, 8, 8};

}  // namespace detail

constexpr const char* field_name(FieldId id) noexcept {
  return detail::kFieldNames[static_cast<unsigned>(id)];
}

namespace detail {

constexpr std::uint64_t value_of(const SqeFields& f, FieldId id) noexcept {
  switch (id) {
    case FieldId::ioprio: return f.ioprio;
    case FieldId::fd: return static_cast<std::uint32_t>(f.fd);
    case FieldId::off: return f.off;
    case FieldId::addr: return f.addr;
    case FieldId::len: return f.len;
    case FieldId::op_flags: return f.op_flags;
    case FieldId::user_data: return f.user_data;
    case FieldId::buf_index: return f.buf_index;
    case FieldId::personality: return f.personality;
    case FieldId::file_index: return f.file_index;
    case FieldId::addr3: return f.addr3;
    default: return f.pad2;
  }
}

}  // namespace detail

constexpr void set_value(SqeFields& f, FieldId id, std::uint64_t v) noexcept {
  switch (id) {
    case FieldId::ioprio: f.ioprio = static_cast<std::uint16_t>(v); break;
    case FieldId::fd: f.fd = static_cast<std::int32_t>(static_cast<std::uint32_t>(v)); break;
    case FieldId::off: f.off = v; break;
    case FieldId::addr: f.addr = v; break;
    case FieldId::len: f.len = static_cast<std::uint32_t>(v); break;
    case FieldId::op_flags: f.op_flags = static_cast<std::uint32_t>(v); break;
    case FieldId::user_data: f.user_data = v; break;
    case FieldId::buf_index: f.buf_index = static_cast<std::uint16_t>(v); break;
    case FieldId::personality: f.personality = static_cast<std::uint16_t>(v); break;
    case FieldId::file_index: f.file_index = static_cast<std::uint32_t>(v); break;
    case FieldId::addr3: f.addr3 = v; break;
    default: f.pad2 = v; break;
  }
}

namespace detail {

// Opcodes lint and describe know, and what io_init_req's table (opdef.c) says of them.
struct OpTraits {
  const char* name;
  bool ioprio;         // .ioprio: a non-zero sqe->ioprio is accepted
  bool buffer_select;  // .buffer_select: IOSQE_BUFFER_SELECT is accepted
  bool needs_file;     // .needs_file: fd is looked up at issue
};

constexpr bool op_known(std::uint8_t op) noexcept {
  return op == IORING_OP_NOP || op == IORING_OP_READ || op == IORING_OP_WRITE ||
         op == IORING_OP_CLOSE || op == IORING_OP_MSG_RING || op == IORING_OP_FILES_UPDATE;
}

constexpr OpTraits traits_of(std::uint8_t op) noexcept {
  switch (op) {
    case IORING_OP_NOP: return {"NOP", false, false, false};
    case IORING_OP_READ: return {"READ", true, true, true};
    case IORING_OP_WRITE: return {"WRITE", true, false, true};
    case IORING_OP_CLOSE: return {"CLOSE", false, false, false};
    case IORING_OP_MSG_RING: return {"MSG_RING", false, false, true};
    case IORING_OP_FILES_UPDATE: return {"FILES_UPDATE", false, false, false};
    default: return {nullptr, false, false, false};
  }
}

class Describer {
 public:
  explicit constexpr Describer(Description& d) noexcept : d_(d) {}
  constexpr void set(FieldId id, Use use, const char* meaning = nullptr,
                     const char* name = nullptr) noexcept {
    FieldInfo& fi = d_.fields[static_cast<unsigned>(id)];
    fi.use = use;
    fi.meaning = use == Use::used ? meaning : nullptr;
    if (name) fi.name = name;
  }

 private:
  Description& d_;
};

constexpr void describe_nop(const SqeFields& f, Description& d, Describer& s) noexcept {
  using enum FieldId;
  const std::uint32_t nf = f.op_flags;
  d.unknown_op_flags = name_bits(nf, kNopBits, d.op_flag_names, d.op_flag_count);
  s.set(op_flags, Use::used, "nop_flags (IORING_NOP_*)", "nop_flags");
  s.set(fd, (nf & IORING_NOP_FILE) ? Use::used : Use::ignored,
        (nf & IORING_NOP_FIXED_FILE) ? "registered file slot to look up (IORING_NOP_FILE)"
                                     : "file descriptor to look up (IORING_NOP_FILE)");
  s.set(len, (nf & IORING_NOP_INJECT_RESULT) ? Use::used : Use::ignored,
        "res of the CQE (IORING_NOP_INJECT_RESULT)");
  s.set(buf_index, (nf & IORING_NOP_FIXED_BUFFER) ? Use::used : Use::ignored,
        "registered buffer to look up (IORING_NOP_FIXED_BUFFER)");
  s.set(off, (nf & IORING_NOP_CQE32) ? Use::used : Use::ignored,
        "extra1 of the 32-byte CQE (IORING_NOP_CQE32)");
  s.set(addr, (nf & IORING_NOP_CQE32) ? Use::used : Use::ignored,
        "extra2 of the 32-byte CQE (IORING_NOP_CQE32)");
  d.variant = (nf & IORING_NOP_INJECT_RESULT) ? "injects res" : nullptr;
}

constexpr void describe_rw(const SqeFields& f, Description& d, Describer& s) noexcept {
  using enum FieldId;
  const bool read = f.opcode == IORING_OP_READ;
  const bool fixed = f.flags & IOSQE_FIXED_FILE;
  const bool select = read && (f.flags & IOSQE_BUFFER_SELECT);
  d.unknown_op_flags = name_bits(f.op_flags, kRwfBits, d.op_flag_names, d.op_flag_count);
  s.set(ioprio, Use::used, "I/O priority (IOPRIO_PRIO_VALUE(class, level); 0: the task's)");
  s.set(fd, Use::used,
        fixed ? (read ? "registered file slot to read (IOSQE_FIXED_FILE)"
                      : "registered file slot to write (IOSQE_FIXED_FILE)")
              : (read ? "file descriptor to read" : "file descriptor to write"));
  s.set(off, Use::used, "file offset (-1: the file position, advanced)");
  s.set(addr, select ? Use::ignored : Use::used,
        read ? "buffer the data is read into" : "buffer the data is written from");
  s.set(len, Use::used,
        select ? "at most this many bytes of the selected buffer"
               : (read ? "bytes to read" : "bytes to write"));
  s.set(op_flags, Use::used, "rw_flags (RWF_*, as preadv2/pwritev2)", "rw_flags");
  s.set(buf_index, select ? Use::used : Use::ignored,
        "buf_group: provided-buffer group to pick from (IOSQE_BUFFER_SELECT)",
        select ? "buf_group" : nullptr);
  s.set(addr3, f.pad2 ? Use::used : Use::ignored,
        "attr_ptr: address of the attributes named by attr_type_mask", "attr_ptr");
  s.set(pad2, Use::used, "attr_type_mask (IORING_RW_ATTR_FLAG_PI; 0: no attributes)",
        "attr_type_mask");
  if (!read)
    s.set(file_index, Use::used, "write_stream: the device's write stream (0: none)",
          "write_stream");
}

constexpr void describe_close(const SqeFields& f, Description& d, Describer& s) noexcept {
  using enum FieldId;
  const bool direct = f.file_index != 0;
  d.variant = direct ? "direct descriptor" : "file descriptor";
  s.set(fd, direct ? Use::zero : Use::used, "file descriptor to close");
  s.set(file_index, Use::used, "registered file slot to close plus one (0: close fd instead)");
  for (FieldId z : {off, addr, len, op_flags, buf_index}) s.set(z, Use::zero);
  s.set(op_flags, Use::zero, nullptr, "rw_flags");
}

constexpr void describe_msg_ring(const SqeFields& f, Description& d, Describer& s) noexcept {
  using enum FieldId;
  d.unknown_op_flags = name_bits(f.op_flags, kMsgRingBits, d.op_flag_names, d.op_flag_count);
  const std::uint32_t cmd = static_cast<std::uint32_t>(f.addr);  // the kernel keeps 32 bits
  const bool pass = f.op_flags & IORING_MSG_RING_FLAGS_PASS;
  s.set(fd, Use::used,
        (f.flags & IOSQE_FIXED_FILE) ? "registered file slot holding the target ring"
                                     : "target ring's file descriptor");
  s.set(addr, Use::used, "command: IORING_MSG_DATA (0) or IORING_MSG_SEND_FD (1); low 32 bits");
  s.set(op_flags, Use::used, "msg_ring_flags (IORING_MSG_RING_*)", "msg_ring_flags");
  s.set(buf_index, Use::zero);
  s.set(personality, Use::zero);
  if (cmd == IORING_MSG_DATA) {
    d.variant = pass ? "DATA (target CQE flags passed)" : "DATA";
    s.set(len, Use::used, "res of the target's CQE");
    s.set(off, Use::used, "user_data of the target's CQE");
    s.set(file_index, pass ? Use::used : Use::zero,
          "flags of the target's CQE (IORING_MSG_RING_FLAGS_PASS)");
    s.set(addr3, Use::zero);
  } else if (cmd == IORING_MSG_SEND_FD) {
    const bool alloc = f.file_index == IORING_FILE_INDEX_ALLOC;
    d.variant = alloc ? "SEND_FD (target slot allocated)" : "SEND_FD";
    s.set(len, Use::zero);
    s.set(off, Use::used, "user_data of the target's CQE");
    s.set(addr3, Use::used, "source slot in this ring's registered files (low 32 bits)");
    s.set(file_index, Use::used,
          alloc ? "IORING_FILE_INDEX_ALLOC: the target picks a free slot (its CQE res)"
                : "target slot plus one in the target ring's registered files");
  } else {
    d.variant = "unknown command";
  }
}

constexpr void describe_files_update(const SqeFields& f, Description& d, Describer& s) noexcept {
  using enum FieldId;
  const bool alloc = static_cast<std::uint32_t>(f.off) == IORING_FILE_INDEX_ALLOC;
  d.variant = alloc ? "slots allocated" : nullptr;
  s.set(off, Use::used,
        alloc ? "IORING_FILE_INDEX_ALLOC: free slots are picked and written back into the array"
              : "first slot to replace (low 32 bits)");
  s.set(addr, Use::used, "array of int fds (-1 clears a slot, -2 keeps it)");
  s.set(len, Use::used, "number of fds in the array");
  s.set(op_flags, Use::zero, nullptr, "rw_flags");
  s.set(file_index, Use::zero, nullptr, "splice_fd_in");
}

constexpr void add(LintReport& r, Severity sev, int err, FieldId id, std::uint64_t v,
                   const char* text, const char* kernel) noexcept {
  r.add({sev, err, Where::field, id, v, text, kernel});
}
constexpr void add_flags(LintReport& r, Severity sev, int err, std::uint64_t bits, const char* text,
                         const char* kernel) noexcept {
  r.add({sev, err, Where::flags, FieldId::ioprio, bits, text, kernel});
}

// ioprio_check_cap (block/ioprio.c) for READ/WRITE: class in bits 15..13, level in the low bits.
constexpr void lint_ioprio(const SqeFields& f, LintReport& r) noexcept {
  const unsigned cls = f.ioprio >> 13;
  const unsigned data = f.ioprio & 0x1fff;
  constexpr const char* k = "io_prep_rw -> ioprio_check_cap";
  if (cls == 0 && data)
    add(r, Severity::error, EINVAL, FieldId::ioprio, f.ioprio,
        "ioprio class NONE with a non-zero level", k);
  else if (cls > 3)
    add(r, Severity::error, EINVAL, FieldId::ioprio, f.ioprio, "ioprio class is not RT, BE or IDLE",
        k);
  else if (cls != 0 && (data & 7) != data)
    add(r, Severity::note, 0, FieldId::ioprio, f.ioprio,
        "ioprio bits above the level are hints: the kernel refuses the ones it does not know", k);
  else if (cls == 1)
    add(r, Severity::note, 0, FieldId::ioprio, f.ioprio,
        "real-time ioprio: -EPERM without CAP_SYS_ADMIN or CAP_SYS_NICE", k);
}

// Fields the kernel never reads for this request but that are non-zero: legal, worth a look.
constexpr void lint_ignored(const Description& d, LintReport& r) noexcept {
  for (const FieldInfo& fi : d.fields)
    if (fi.use == Use::ignored && fi.value != 0 &&
        !(fi.id == FieldId::fd && fi.value == 0xffffffff))  // -1: the usual "no file"
      add(r, Severity::note, 0, fi.id, fi.value, "non-zero, but the kernel ignores it here",
          "not read by this opcode's prep or issue");
}

constexpr void lint_nop(const SqeFields& f, LintReport& r) noexcept {
  if (f.op_flags & ~mask_of(kNopBits))
    add(r, Severity::error, EINVAL, FieldId::op_flags, f.op_flags & ~mask_of(kNopBits),
        "unknown IORING_NOP_* bit", "io_nop_prep: nop_flags & ~NOP_FLAGS");
  else if (f.op_flags & IORING_NOP_CQE32)
    add(r, Severity::conditional, EINVAL, FieldId::op_flags, IORING_NOP_CQE32,
        "IORING_NOP_CQE32 needs a ring set up with IORING_SETUP_CQE32 or CQE_MIXED",
        "io_nop_prep: CQE32 without a 32-byte CQ");
}

constexpr void lint_rw(const SqeFields& f, LintReport& r) noexcept {
  lint_ioprio(f, r);
  if (f.pad2 & ~std::uint64_t{1})
    add(r, Severity::error, EINVAL, FieldId::pad2, f.pad2,
        "attr_type_mask has bits other than IORING_RW_ATTR_FLAG_PI",
        "io_prep_rw: attr_type_mask != IORING_RW_ATTR_FLAG_PI");
  else if (f.pad2)
    add(r, Severity::note, 0, FieldId::pad2, f.pad2,
        "protection-information attributes at addr3: needs a file that supports them",
        "io_prep_rw_pi");
  // At issue, io_rw_init_file: kiocb_set_rw_flags, then the IOPOLL check, then rw_verify_area.
  constexpr const char* k = "io_rw_init_file -> kiocb_set_rw_flags";
  const bool read = f.opcode == IORING_OP_READ;
  if (f.op_flags & ~mask_of(kRwfBits))
    add(r, Severity::error, EOPNOTSUPP, FieldId::op_flags, f.op_flags & ~mask_of(kRwfBits),
        "unknown RWF_* bit", "io_rw_init_file -> kiocb_set_rw_flags: flags & ~RWF_SUPPORTED");
  else if ((f.op_flags & kRwfAtomic) && read)
    add(r, Severity::error, EOPNOTSUPP, FieldId::op_flags, kRwfAtomic, "RWF_ATOMIC on a read", k);
  else if (f.op_flags & kRwfAtomic)
    add(r, Severity::conditional, EOPNOTSUPP, FieldId::op_flags, kRwfAtomic,
        "RWF_ATOMIC needs a file that supports atomic writes (O_DIRECT on a capable device)", k);
  else if (f.op_flags & kRwfDontcache)
    add(r, Severity::conditional, EOPNOTSUPP, FieldId::op_flags, kRwfDontcache,
        "RWF_DONTCACHE needs a file system that supports uncached buffered I/O", k);
  else if (f.op_flags & kRwfNowait)
    add(r, Severity::conditional, EOPNOTSUPP, FieldId::op_flags, kRwfNowait,
        "RWF_NOWAIT needs a file that supports non-blocking I/O (FMODE_NOWAIT: pipes, sockets, "
        "block devices, most disk file systems; not tmpfs/memfd)",
        k);
  else if (f.op_flags & kRwfHipri)
    add(r, Severity::conditional, EINVAL, FieldId::op_flags, kRwfHipri,
        "RWF_HIPRI (polled I/O) outside an IORING_SETUP_IOPOLL ring",
        "io_rw_init_file: IOCB_HIPRI without IOPOLL");
  const auto pos = static_cast<std::int64_t>(f.off);
  if (f.off != ~std::uint64_t{0} && (pos < 0 || static_cast<std::int64_t>(f.off + f.len) < 0))
    add(r, Severity::conditional, EINVAL, FieldId::off, f.off,
        "negative file offset (only -1 means the file position), or offset + len past 2^63-1: "
        "refused for seekable files (streams such as pipes ignore the offset)",
        "io_read/io_write -> rw_verify_area");
}

constexpr void lint_close(const SqeFields& f, LintReport& r) noexcept {
  constexpr const char* k = "io_close_prep: off, addr, len, rw_flags, buf_index must be 0";
  if (f.off) add(r, Severity::error, EINVAL, FieldId::off, f.off, "must be 0 for CLOSE", k);
  if (f.addr) add(r, Severity::error, EINVAL, FieldId::addr, f.addr, "must be 0 for CLOSE", k);
  if (f.len) add(r, Severity::error, EINVAL, FieldId::len, f.len, "must be 0 for CLOSE", k);
  if (f.op_flags)
    add(r, Severity::error, EINVAL, FieldId::op_flags, f.op_flags, "must be 0 for CLOSE", k);
  if (f.buf_index)
    add(r, Severity::error, EINVAL, FieldId::buf_index, f.buf_index, "must be 0 for CLOSE", k);
  if (f.flags & IOSQE_FIXED_FILE)
    add_flags(r, Severity::error, EBADF, IOSQE_FIXED_FILE,
              "IOSQE_FIXED_FILE on CLOSE: a direct descriptor is closed through file_index",
              "io_close_prep: REQ_F_FIXED_FILE");
  if (f.file_index && f.fd)
    add(r, Severity::error, EINVAL, FieldId::fd, static_cast<std::uint32_t>(f.fd),
        "fd must be 0 when file_index names a direct descriptor", "io_close_prep: file_slot && fd");
}

constexpr void lint_msg_ring(const SqeFields& f, LintReport& r) noexcept {
  if (f.buf_index)
    add(r, Severity::error, EINVAL, FieldId::buf_index, f.buf_index, "must be 0 for MSG_RING",
        "io_msg_ring_prep: buf_index");
  if (f.op_flags & ~mask_of(kMsgRingBits)) {
    add(r, Severity::error, EINVAL, FieldId::op_flags, f.op_flags & ~mask_of(kMsgRingBits),
        "unknown IORING_MSG_RING_* bit", "io_msg_ring_prep: flags & ~IORING_MSG_RING_MASK");
    return;  // prep fails: nothing below is reached
  }
  if (f.flags & IOSQE_FIXED_FILE)
    add_flags(r, Severity::conditional, EBADF, IOSQE_FIXED_FILE,
              "IOSQE_FIXED_FILE: fd is a registered slot, and no io_uring can be registered "
              "(-EBADF for an empty or out-of-range slot, -EBADFD for a slot holding another file)",
              "io_assign_file, then io_msg_ring: !io_is_uring_fops");
  const std::uint32_t cmd = static_cast<std::uint32_t>(f.addr);
  if (f.addr >> 32)
    add(r, Severity::note, 0, FieldId::addr, f.addr,
        "upper 32 bits of the command are dropped by the kernel", "io_msg_ring_prep: u32 cmd");
  if (cmd == IORING_MSG_DATA) {
    constexpr const char* k = "io_msg_ring_data";
    if (static_cast<std::uint32_t>(f.addr3))
      add(r, Severity::error, EINVAL, FieldId::addr3, f.addr3,
          "DATA carries no source slot: addr3 (low 32 bits) must be 0", k);
    else if (f.op_flags & IORING_MSG_RING_CQE_SKIP)
      add(r, Severity::error, EINVAL, FieldId::op_flags, IORING_MSG_RING_CQE_SKIP,
          "IORING_MSG_RING_CQE_SKIP is refused on a DATA message (use IOSQE_CQE_SKIP_SUCCESS to "
          "drop the sender's CQE)",
          k);
    else if (!(f.op_flags & IORING_MSG_RING_FLAGS_PASS) && f.file_index)
      add(r, Severity::error, EINVAL, FieldId::file_index, f.file_index,
          "file_index must be 0 unless IORING_MSG_RING_FLAGS_PASS passes it as CQE flags", k);
    if (f.addr3 >> 32)
      add(r, Severity::note, 0, FieldId::addr3, f.addr3,
          "upper 32 bits of addr3 are dropped by the kernel", "io_msg_ring_prep: u32 src_fd");
  } else if (cmd == IORING_MSG_SEND_FD) {
    constexpr const char* k = "io_msg_send_fd";
    if (f.len) {
      add(r, Severity::error, EINVAL, FieldId::len, f.len,
          "SEND_FD carries no length: len must be 0", k);
      return;
    }
    if (f.file_index == 0)
      add(r, Severity::conditional, EINVAL, FieldId::file_index, 0,
          "target slot 0 here means slot -1 (file_index is the slot plus one): -ENXIO instead when "
          "the target has no file table",
          "__io_fixed_fd_install -> io_install_fixed_file: slot >= table size");
    if (f.op_flags & IORING_MSG_RING_FLAGS_PASS)
      add(r, Severity::note, 0, FieldId::op_flags, IORING_MSG_RING_FLAGS_PASS,
          "IORING_MSG_RING_FLAGS_PASS means nothing for SEND_FD: file_index is the target slot", k);
    if (f.addr3 >> 32)
      add(r, Severity::note, 0, FieldId::addr3, f.addr3,
          "upper 32 bits of the source slot are dropped by the kernel",
          "io_msg_ring_prep: u32 src_fd");
  } else {
    add(r, Severity::error, EINVAL, FieldId::addr, f.addr,
        "unknown command: neither IORING_MSG_DATA (0) nor IORING_MSG_SEND_FD (1)",
        "io_msg_ring: switch (msg->cmd) default");
  }
}

constexpr void lint_files_update(const SqeFields& f, LintReport& r) noexcept {
  constexpr const char* k = "io_files_update_prep";
  if (f.flags & IOSQE_FIXED_FILE)
    add_flags(r, Severity::error, EINVAL, IOSQE_FIXED_FILE,
              "IOSQE_FIXED_FILE on FILES_UPDATE (it names no file)", k);
  if (f.op_flags)
    add(r, Severity::error, EINVAL, FieldId::op_flags, f.op_flags, "rw_flags must be 0", k);
  if (f.file_index)
    add(r, Severity::error, EINVAL, FieldId::file_index, f.file_index, "splice_fd_in must be 0", k);
  if (f.len == 0) add(r, Severity::error, EINVAL, FieldId::len, 0, "no fds: len must be >= 1", k);
  const std::uint32_t offset = static_cast<std::uint32_t>(f.off);
  if (f.off >> 32)
    add(r, Severity::note, 0, FieldId::off, f.off,
        "upper 32 bits of the offset are dropped by the kernel",
        "io_files_update_prep: u32 offset");
  if (offset != IORING_FILE_INDEX_ALLOC && f.len && offset + f.len < offset)
    add(r, Severity::error, EOVERFLOW, FieldId::off, offset, "offset + len overflows 32 bits",
        "__io_register_rsrc_update: check_add_overflow");
}

}  // namespace detail

constexpr Description describe(const SqeFields& f) noexcept {
  using namespace detail;
  Description d;
  d.opcode = f.opcode;
  d.flags = f.flags;
  d.unknown_flags =
      static_cast<std::uint8_t>(name_bits(f.flags, kSqeFlagBits, d.flag_names, d.flag_count));
  d.known = op_known(f.opcode);
  d.op_name = traits_of(f.opcode).name;
  for (unsigned i = 0; i < kFieldCount; ++i) {
    const auto id = static_cast<FieldId>(i);
    d.fields[i] = {id,
                   kFieldNames[i],
                   kFieldOffsets[i],
                   kFieldSizes[i],
                   value_of(f, id),
                   d.known ? Use::ignored : Use::unknown,
                   nullptr};
  }
  if (!d.known) {
    d.unknown_op_flags = f.op_flags;
    return d;
  }
  Describer s(d);
  const OpTraits t = traits_of(f.opcode);
  s.set(FieldId::user_data, Use::used, "user_data: copied into this request's CQE");
  s.set(FieldId::personality, Use::used,
        "personality: registered credentials to run with (0: the submitter's)");
  s.set(FieldId::ioprio, t.ioprio ? Use::used : Use::zero);
  switch (f.opcode) {
    case IORING_OP_NOP: describe_nop(f, d, s); break;
    case IORING_OP_READ:
    case IORING_OP_WRITE: describe_rw(f, d, s); break;
    case IORING_OP_CLOSE: describe_close(f, d, s); break;
    case IORING_OP_MSG_RING: describe_msg_ring(f, d, s); break;
    default: describe_files_update(f, d, s); break;
  }
  return d;
}

constexpr LintReport lint(const SqeFields& f) noexcept {
  using namespace detail;
  LintReport r;
  if (!op_known(f.opcode)) {
    r.add({Severity::note, 0, Where::opcode, FieldId::ioprio, f.opcode,
           "opcode not described by rawuring: only the generic checks apply (-EINVAL if it is "
           "past this kernel's IORING_OP_LAST)",
           "io_init_req: opcode >= IORING_OP_LAST"});
  }
  // io_init_req, in its order.
  if (f.flags & ~kValidSqeFlags) {
    add_flags(r, Severity::error, EINVAL, static_cast<unsigned>(f.flags & ~kValidSqeFlags),
              "unknown IOSQE_* bit", "io_init_req: sqe_flags & ~SQE_VALID_FLAGS");
    return r;
  }
  if (!op_known(f.opcode)) return r;
  const OpTraits t = traits_of(f.opcode);
  if ((f.flags & IOSQE_BUFFER_SELECT) && !t.buffer_select)
    add_flags(r, Severity::error, EOPNOTSUPP, IOSQE_BUFFER_SELECT,
              "IOSQE_BUFFER_SELECT on an opcode that takes no provided buffer",
              "io_init_req: !def->buffer_select");
  if ((f.flags & IOSQE_IO_DRAIN) && (f.flags & IOSQE_CQE_SKIP_SUCCESS))
    add_flags(r, Severity::error, EOPNOTSUPP, IOSQE_IO_DRAIN | IOSQE_CQE_SKIP_SUCCESS,
              "IOSQE_IO_DRAIN with IOSQE_CQE_SKIP_SUCCESS: skipping disables draining",
              "io_init_req: drain_disabled");
  else if (f.flags & IOSQE_IO_DRAIN)
    add_flags(r, Severity::note, 0, IOSQE_IO_DRAIN,
              "IOSQE_IO_DRAIN: -EOPNOTSUPP once the ring has seen IOSQE_CQE_SKIP_SUCCESS",
              "io_init_req: drain_disabled");
  if (!t.ioprio && f.ioprio)
    add(r, Severity::error, EINVAL, FieldId::ioprio, f.ioprio,
        "ioprio must be 0: this opcode takes no I/O priority", "io_init_req: !def->ioprio");
  if (f.personality)
    add(r, f.opcode == IORING_OP_MSG_RING ? Severity::error : Severity::conditional, EINVAL,
        FieldId::personality, f.personality,
        f.opcode == IORING_OP_MSG_RING ? "personality must be 0 for MSG_RING"
                                       : "personality names no credentials unless registered with "
                                         "IORING_REGISTER_PERSONALITY",
        f.opcode == IORING_OP_MSG_RING ? "io_msg_ring_prep: personality"
                                       : "io_init_req: xa_load(personalities) == NULL");
  switch (f.opcode) {
    case IORING_OP_NOP: lint_nop(f, r); break;
    case IORING_OP_READ:
    case IORING_OP_WRITE: lint_rw(f, r); break;
    case IORING_OP_CLOSE: lint_close(f, r); break;
    case IORING_OP_MSG_RING: lint_msg_ring(f, r); break;
    default: lint_files_update(f, r); break;
  }
  const Description d = describe(f);
  lint_ignored(d, r);
  for (unsigned i = 0; i < r.count; ++i)  // name each field as describe() does for this opcode
    if (r.items[i].where == Where::field)
      r.items[i].name = d.fields[static_cast<unsigned>(r.items[i].field)].name;
  return r;
}

}  // namespace uring
