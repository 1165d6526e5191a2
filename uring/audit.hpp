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
// the opcode's prep function, then the issue function's argument checks) for a stated kernel
// release; docs/audit.md and docs/opcodes.md list each rule with the kernel check it mirrors. Both
// read one row per opcode from opcodes.hpp. lint does not know the ring's state (registered files,
// personalities, setup flags): rules that depend on it are marked Severity::conditional and say on
// what. Where it does not model what the kernel does (an opcode's issue, a flag newer than the
// release it knows) it says "not modelled" (Severity::not_modelled), never "clean".
//
// Threading: describe(), lint() and format() are pure and may run on any thread; lint() for the
// running kernel probes it once, in a function-local static (C++ makes its initialisation
// thread-safe). Lifetime: results point only at string literals.
#pragma once

#include <bit>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <span>
#include <type_traits>

#include "../syscalls/abi.hpp"
#include "opcodes.hpp"

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

// Sets one field (value truncated to the field's width), e.g. to corrupt an SQE on purpose.
constexpr void set_value(SqeFields& f, FieldId id, std::uint64_t v) noexcept;

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
  bool known = false;             // an opcode of the table (0 .. 62)
  const char* op_name = nullptr;  // "MSG_RING"; nullptr: past the table
  const char* variant = nullptr;  // "DATA", "SEND_FD (target slot allocated)", ...
  std::uint8_t flags = 0;
  const char* flag_names[8] = {};  // IOSQE_* names of the set bits
  unsigned flag_count = 0;
  std::uint8_t unknown_flags = 0;  // set bits with no IOSQE_* name
  // The opcode's own flags word (opcodes.hpp flags_field: op_flags for most, ioprio for the
  // socket ops, len for POLL_*): its name there and the names of its set bits.
  FieldId op_flags_field = FieldId::op_flags;
  const char* op_flags_label = nullptr;  // "rw_flags", "accept_flags"; nullptr: no flag set
  const char* op_flag_names[16] = {};
  unsigned op_flag_count = 0;
  std::uint32_t unknown_op_flags = 0;
  unsigned zero_fields_set = 0;  // fields that must be 0 but are not
  FieldInfo fields[kFieldCount] = {};
};

constexpr Description describe(const SqeFields& f) noexcept;
inline Description describe(const io_uring_sqe& sqe) noexcept { return describe(fields_of(sqe)); }

// ---- lint ---------------------------------------------------------------------------------------

// The kernel lint predicts for: a release (601 for 6.1) and the opcodes its probe reported.
struct Kernel {
  int release = op::kNewestModelled;
  std::uint64_t supported = ~std::uint64_t{0};  // bit n: opcode n is supported (probe)
  const char* source = "newest modelled";       // how it was chosen, for the report
  // Reads `size` bytes of this process's memory at `addr` into `out` (false: unreadable). When
  // set, lint follows pointers the kernel reads at prep (a READ's PI attribute, a timeout's
  // timespec) instead of calling their contents conditional. Never used during constant
  // evaluation.
  bool (*read_memory)(std::uint64_t addr, void* out, std::size_t size) = nullptr;
  // Whether registered file slot `slot` of the ring the SQE goes to holds a file. When set, lint
  // predicts the file lookup's -EBADF for an empty slot (that lookup sits between prep and issue,
  // so it decides between a prep-time and an issue-time answer); unset, an empty slot is a
  // resource answer lint does not predict. Never used during constant evaluation.
  bool (*fixed_file_set)(std::uint32_t slot) = nullptr;

  // A release named by the caller (e.g. 612): every opcode that release has, no probe.
  static constexpr Kernel named(int release) noexcept {
    Kernel k;
    k.release = release;
    k.source = "named";
    return k;
  }
  constexpr bool has(unsigned code) const noexcept {
    return code < op::kOpcodeCount && op::kOpcodes[code].since <= release && code < 64 &&
           ((supported >> code) & 1);
  }
};

// The running kernel: uname's release and IORING_REGISTER_PROBE on a throwaway ring, asked once per
// process (thread-safe). Without io_uring: the newest modelled release, source "no io_uring".
Kernel running_kernel() noexcept;

class Probe;
// A release and the opcodes a probe reported (source "probe").
Kernel probed_kernel(int release, const Probe& probe) noexcept;

// This process's memory through process_vm_readv (a bad address is a false, never a fault): the
// Kernel::read_memory the kernel test uses.
bool read_own_memory(std::uint64_t addr, void* out, std::size_t size) noexcept;

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
  Kernel kernel;  // the kernel the prediction is for

  constexpr void add(const Finding& f) noexcept {
    if (count < kCapacity)
      items[count++] = f;
    else
      truncated = true;
  }
  constexpr std::span<const Finding> findings() const noexcept { return {items, count}; }
  // The errno the kernel answers: the first error or conditional finding, in the kernel's own
  // order of checks (findings are recorded in that order). 0 when lint sees nothing it refuses
  // before the point where its model ends.
  constexpr int expected_error() const noexcept {
    for (unsigned i = 0; i < count; ++i) {
      if (items[i].severity == Severity::not_modelled) return 0;
      if (items[i].severity != Severity::note) return items[i].error;
    }
    return 0;
  }
  // False when lint reached a point it does not model before any refusal: no verdict then.
  constexpr bool modelled() const noexcept {
    for (unsigned i = 0; i < count; ++i) {
      if (items[i].severity == Severity::not_modelled) return false;
      if (items[i].severity != Severity::note) return true;
    }
    return true;
  }
  constexpr bool clean() const noexcept { return modelled() && expected_error() == 0; }
};

// lint for kernel `k`.
constexpr LintReport lint(const SqeFields& f, const Kernel& k) noexcept;
// lint for the running kernel (running_kernel()); during constant evaluation, where no kernel can
// be asked, for the newest modelled release.
constexpr LintReport lint(const SqeFields& f) noexcept;
inline LintReport lint(const io_uring_sqe& sqe) noexcept { return lint(fields_of(sqe)); }
inline LintReport lint(const io_uring_sqe& sqe, const Kernel& k) noexcept {
  return lint(fields_of(sqe), k);
}

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
    case E2BIG: return "E2BIG";
    case ESPIPE: return "ESPIPE";
    case ENOTSOCK: return "ENOTSOCK";
    case ENOTDIR: return "ENOTDIR";
    case EISDIR: return "EISDIR";
    case ECHILD: return "ECHILD";
    case EALREADY: return "EALREADY";
    case ERANGE: return "ERANGE";
    case ENODATA: return "ENODATA";
    case EAFNOSUPPORT: return "EAFNOSUPPORT";
    case EPROTONOSUPPORT: return "EPROTONOSUPPORT";
    case ENOTCONN: return "ENOTCONN";
    case EISCONN: return "EISCONN";
    case ECONNREFUSED: return "ECONNREFUSED";
    case EINPROGRESS: return "EINPROGRESS";
    case EADDRINUSE: return "EADDRINUSE";
    case EDESTADDRREQ: return "EDESTADDRREQ";
    case ENOTEMPTY: return "ENOTEMPTY";
    case ELOOP: return "ELOOP";
    case ENAMETOOLONG: return "ENAMETOOLONG";
    case EROFS: return "EROFS";
    case EXDEV: return "EXDEV";
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
    case Severity::not_modelled: return "unmodelled";
    default: return "note";
  }
}

constexpr const char* model_name(op::Model m) noexcept {
  switch (m) {
    case op::Model::full: return "full";
    case op::Model::prep: return "prep-time";
    default: return "not modelled";
  }
}

// The describe() table / the lint findings as text, one line each, into buf (always
// NUL-terminated when size > 0). Returns the length the full text needs, like snprintf.
std::size_t format(const Description& d, char* buf, std::size_t size) noexcept;
std::size_t format(const LintReport& r, char* buf, std::size_t size) noexcept;

// ---- implementation (constexpr, so it lives here) -----------------------------------------------

namespace detail {

using op::Bit;

inline constexpr Bit kSqeFlagBits[] = {
    {IOSQE_FIXED_FILE, "IOSQE_FIXED_FILE", 0},
    {IOSQE_IO_DRAIN, "IOSQE_IO_DRAIN", 0},
    {IOSQE_IO_LINK, "IOSQE_IO_LINK", 0},
    {IOSQE_IO_HARDLINK, "IOSQE_IO_HARDLINK", 0},
    {IOSQE_ASYNC, "IOSQE_ASYNC", 0},
    {IOSQE_BUFFER_SELECT, "IOSQE_BUFFER_SELECT", 0},
    {IOSQE_CQE_SKIP_SUCCESS, "IOSQE_CQE_SKIP_SUCCESS", 0},
};
// The kernel's SQE_VALID_FLAGS (io_uring.c): every bit above is refused.
inline constexpr std::uint8_t kValidSqeFlags = 0x7f;

inline constexpr std::uint32_t kRwfHipri = 0x01, kRwfNowait = 0x08, kRwfAppend = 0x10,
                               kRwfNoappend = 0x20, kRwfAtomic = 0x40, kRwfDontcache = 0x80;
// IORING_MAX_FIXED_FILES (rsrc.h): no file table has a slot at or above it.
inline constexpr std::uint64_t kMaxFixedFiles = 1u << 20;
// No user pointer below the first page or in the kernel's half can ever be read.
constexpr bool never_readable(std::uint64_t p) noexcept { return p < 4096 || (p >> 63); }

// Names the set bits of `value`; returns the bits without a name.
template <std::size_t M>
constexpr std::uint32_t name_bits(std::uint32_t value, std::span<const Bit> bits,
                                  const char* (&out)[M], unsigned& count) noexcept {
  std::uint32_t named = 0;
  for (const Bit& b : bits) {
    named |= b.value;
    if ((value & b.value) && count < M) out[count++] = b.name;
  }
  return value & ~named;
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

// ---- describe: what the table cannot say
// ---------------------------------------------------------- The table gives each opcode's fields;
// these refine them where a field's use depends on another field's value (a flag, a command), which
// a static row cannot express.

constexpr void refine_nop(const SqeFields& f, Description& d, Describer& s) noexcept {
  using enum FieldId;
  const std::uint32_t nf = f.op_flags;
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

constexpr void refine_rw(const SqeFields& f, Description&, Describer& s) noexcept {
  using enum FieldId;
  const std::uint8_t op = f.opcode;
  const bool read =
      op == IORING_OP_READ || op == IORING_OP_READV || op == IORING_OP_READ_FIXED || op == 60;
  const bool vec = op == IORING_OP_READV || op == IORING_OP_WRITEV || op == 60 || op == 61;
  const bool fixed_buf = op == IORING_OP_READ_FIXED || op == IORING_OP_WRITE_FIXED || op >= 60;
  const bool fixed = f.flags & IOSQE_FIXED_FILE;
  const bool select = read && (f.flags & IOSQE_BUFFER_SELECT);
  s.set(fd, Use::used,
        fixed ? (read ? "registered file slot to read (IOSQE_FIXED_FILE)"
                      : "registered file slot to write (IOSQE_FIXED_FILE)")
              : (read ? "file descriptor to read" : "file descriptor to write"));
  s.set(addr, select && !vec ? Use::ignored : Use::used,
        vec ? "array of struct iovec"
            : (read ? "buffer the data is read into" : "buffer the data is written from"));
  s.set(len, Use::used,
        vec ? (select ? "number of iovecs: must be 1 (IOSQE_BUFFER_SELECT)" : "number of iovecs")
        : select ? "at most this many bytes of the selected buffer"
                 : (read ? "bytes to read" : "bytes to write"));
  if (fixed_buf)
    s.set(buf_index, Use::used, "registered buffer the address lies in");
  else
    s.set(buf_index, select ? Use::used : Use::ignored,
          "buf_group: provided-buffer group to pick from (IOSQE_BUFFER_SELECT)",
          select ? "buf_group" : nullptr);
  s.set(addr3, f.pad2 ? Use::used : Use::ignored,
        "attr_ptr: address of the attributes named by attr_type_mask", "attr_ptr");
  if (!read)
    s.set(file_index, Use::used, "write_stream: the device's write stream (0: none)",
          "write_stream");
}

constexpr void refine_close(const SqeFields& f, Description& d, Describer& s) noexcept {
  const bool direct = f.file_index != 0;
  d.variant = direct ? "direct descriptor" : "file descriptor";
  s.set(FieldId::fd, direct ? Use::zero : Use::used, "file descriptor to close");
}

constexpr void refine_msg_ring(const SqeFields& f, Description& d, Describer& s) noexcept {
  using enum FieldId;
  const std::uint32_t cmd = static_cast<std::uint32_t>(f.addr);  // the kernel keeps 32 bits
  const bool pass = f.op_flags & IORING_MSG_RING_FLAGS_PASS;
  s.set(fd, Use::used,
        (f.flags & IOSQE_FIXED_FILE) ? "registered file slot holding the target ring"
                                     : "target ring's file descriptor");
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

constexpr void refine_files_update(const SqeFields& f, Description& d, Describer& s) noexcept {
  const bool alloc = static_cast<std::uint32_t>(f.off) == IORING_FILE_INDEX_ALLOC;
  d.variant = alloc ? "slots allocated" : nullptr;
  s.set(FieldId::off, Use::used,
        alloc ? "IORING_FILE_INDEX_ALLOC: free slots are picked and written back into the array"
              : "first slot to replace (low 32 bits)");
  s.set(FieldId::op_flags, Use::zero, nullptr, "rw_flags");
}

// A field the table's checks refuse whenever it is non-zero (for the newest release).
constexpr bool must_be_zero(const op::Opcode& row, FieldId id) noexcept {
  for (const op::Check& c : row.checks)
    if (c.rule == op::Rule::nonzero && c.field == id && c.mask == ~std::uint64_t{0} && !c.gated &&
        c.until >= op::kNewestModelled)
      return true;
  return false;
}

// ---- lint ---------------------------------------------------------------------------------------

constexpr void add(LintReport& r, Severity sev, int err, FieldId id, std::uint64_t v,
                   const char* text, const char* kernel) noexcept {
  r.add({sev, err, Where::field, id, v, text, kernel});
}
constexpr void add_flags(LintReport& r, Severity sev, int err, std::uint64_t bits, const char* text,
                         const char* kernel) noexcept {
  r.add({sev, err, Where::flags, FieldId::ioprio, bits, text, kernel});
}
constexpr void add_unmodelled(LintReport& r, const char* text, const char* kernel) noexcept {
  r.add({Severity::not_modelled, 0, Where::opcode, FieldId::ioprio, 0, text, kernel});
}

// ioprio_check_cap (block/ioprio.c): class in bits 15..13. Since 6.5 the level is bits 2..0 and
// bits 12..3 are hints the kernel passes on unchecked; before, all 13 low bits were the level.
// Debian's 6.1 stable (6.1.192, measured) has the hints: modelled from 6.1 on.
constexpr void lint_ioprio(const SqeFields& f, const Kernel& k, LintReport& r) noexcept {
  const unsigned cls = f.ioprio >> 13;
  const bool hints = k.release >= 601;
  const unsigned level = hints ? (f.ioprio & 0x7) : (f.ioprio & 0x1fff);
  constexpr const char* kc = "io_prep_rw -> ioprio_check_cap";
  if (cls == 0 && level)
    add(r, Severity::error, EINVAL, FieldId::ioprio, f.ioprio,
        "ioprio class NONE with a non-zero level", kc);
  else if (cls > 3)
    add(r, Severity::error, EINVAL, FieldId::ioprio, f.ioprio, "ioprio class is not RT, BE or IDLE",
        kc);
  else if ((cls == 1 || cls == 2) && level >= 8)
    add(r, Severity::error, EINVAL, FieldId::ioprio, f.ioprio,
        "ioprio level 8 or more (before 6.5 every bit below the class is the level)", kc);
  else if (cls == 1)
    add(r, Severity::note, 0, FieldId::ioprio, f.ioprio,
        "real-time ioprio: -EPERM without CAP_SYS_ADMIN or CAP_SYS_NICE", kc);
}

// The file lookup before issue (io_assign_file): a negative fd, or a registered slot no table can
// have, is -EBADF whatever the ring.
constexpr void lint_file(const SqeFields& f, const Kernel& k, LintReport& r) noexcept {
  if (f.flags & IOSQE_FIXED_FILE) {
    if (static_cast<std::uint32_t>(f.fd) >= detail::kMaxFixedFiles)
      add(r, Severity::error, EBADF, FieldId::fd, static_cast<std::uint32_t>(f.fd),
          "registered file slot at or above 2^20 (IORING_MAX_FIXED_FILES): no table is that large",
          "io_assign_file -> io_file_get_fixed: fd >= nr_user_files");
    else if (!std::is_constant_evaluated() && k.fixed_file_set &&
             !k.fixed_file_set(static_cast<std::uint32_t>(f.fd)))
      add(r, Severity::error, EBADF, FieldId::fd, static_cast<std::uint32_t>(f.fd),
          "registered file slot holds no file (Kernel::fixed_file_set says so)",
          "io_assign_file -> io_file_get_fixed: empty slot");
  } else if (f.fd < 0) {
    add(r, Severity::error, EBADF, FieldId::fd, static_cast<std::uint32_t>(f.fd),
        "negative file descriptor", "io_assign_file -> io_file_get_normal: fget");
  }
}

// A PI attribute struct (struct io_uring_attr_pi: flags, app_tag, len, addr, seed, rsvd).
struct AttrPi {
  std::uint16_t flags;
  std::uint16_t app_tag;
  std::uint32_t len;
  std::uint64_t addr;
  std::uint64_t seed;
  std::uint64_t rsvd;
};

// READ / WRITE / READV / WRITEV / *_FIXED. Not table entries: the ioprio rule decodes a value,
// the attribute rule follows a pointer, and the RWF_* rules depend on the opcode's direction and
// on each other (kiocb_set_rw_flags' order), then the file lookup sits between prep and issue.
constexpr void lint_rw_prep(const SqeFields& f, const Kernel& k, LintReport& r) noexcept {
  lint_ioprio(f, k, r);
  if (k.release < 614) return;  // __pad2 is neither read nor checked before the PI attributes
  if (f.pad2 & ~std::uint64_t{1}) {
    add(r, Severity::error, EINVAL, FieldId::pad2, f.pad2,
        "attr_type_mask has bits other than IORING_RW_ATTR_FLAG_PI",
        "__io_prep_rw: attr_type_mask != IORING_RW_ATTR_FLAG_PI");
    return;
  }
  if (!f.pad2) return;
  constexpr const char* kp = "io_prep_rw_pi: copy_from_user(attr_ptr), pi_attr.rsvd";
  if (never_readable(f.addr3)) {
    add(r, Severity::error, EFAULT, FieldId::addr3, f.addr3,
        "attr_ptr can never be read: the PI attribute is copied at prep", kp);
    return;
  }
  if (!std::is_constant_evaluated() && k.read_memory) {
    AttrPi pi{};
    if (!k.read_memory(f.addr3, &pi, sizeof pi)) {
      add(r, Severity::error, EFAULT, FieldId::addr3, f.addr3, "attr_ptr is not readable", kp);
      return;
    }
    if (pi.rsvd) {
      add(r, Severity::error, EINVAL, FieldId::addr3, f.addr3,
          "the PI attribute's rsvd field is not 0", kp);
      return;
    }
    // import_ubuf: the length capped at MAX_RW_COUNT, then access_ok (the range must end in
    // user space; address 0 passes).
    constexpr std::uint64_t kMaxRwCount = 0x7ffff000, kUserEnd = 0x00007ffffffff000ull;
    const std::uint64_t end = pi.addr + (pi.len > kMaxRwCount ? kMaxRwCount : pi.len);
    if (end < pi.addr || end > kUserEnd) {
      add(r, Severity::error, EFAULT, FieldId::addr3, f.addr3,
          "the PI attribute's buffer reaches past user space", "io_prep_rw_pi -> import_ubuf");
      return;
    }
  } else {
    // The attribute's contents decide between -EFAULT, -EINVAL and going on, before anything lint
    // checks later (the file, the RWF_* flags): without them there is no verdict.
    add_unmodelled(r,
                   "the PI attribute at attr_ptr is read at prep (-EFAULT if unreadable, -EINVAL "
                   "if its rsvd is not 0): lint was given no Kernel::read_memory to read it",
                   kp);
  }
}

constexpr void lint_rw_issue(const SqeFields& f, const Kernel& k, const op::Opcode& row,
                             LintReport& r) noexcept {
  lint_file(f, k, r);
  const std::uint8_t op = f.opcode;
  const bool read =
      op == IORING_OP_READ || op == IORING_OP_READV || op == IORING_OP_READ_FIXED || op == 60;
  // A provided buffer is picked at issue before io_rw_init_file looks at the RWF_* flags.
  if ((f.flags & IOSQE_BUFFER_SELECT) && (op == IORING_OP_READ || op == IORING_OP_READV))
    add(r, Severity::conditional, ENOBUFS, FieldId::buf_index, f.buf_index,
        "IOSQE_BUFFER_SELECT: -ENOBUFS unless group buf_group holds a buffer now",
        "__io_read -> io_import_rw_buffer -> io_buffer_select");
  constexpr const char* kf = "io_rw_init_file -> kiocb_set_rw_flags";
  const std::uint32_t known = op::known_bits(row.flag_bits, k.release);
  const std::uint32_t fl = f.op_flags;
  if (fl & ~known) {
    if (k.release > op::kNewestModelled && (fl & ~op::all_bits(row.flag_bits)) == 0)
      add_unmodelled(r, "RWF_* bit not modelled for this release", kf);
    else if (k.release > op::kNewestModelled)
      add_unmodelled(r, "RWF_* bit unknown to every release rawuring models", kf);
    else
      add(r, Severity::error, EOPNOTSUPP, FieldId::op_flags, fl & ~known, "unknown RWF_* bit",
          "io_rw_init_file -> kiocb_set_rw_flags: flags & ~RWF_SUPPORTED");
    return;
  }
  if ((fl & kRwfAppend) && (fl & kRwfNoappend))
    add(r, Severity::error, EINVAL, FieldId::op_flags, kRwfAppend | kRwfNoappend,
        "RWF_APPEND with RWF_NOAPPEND", kf);
  else if (fl & kRwfNowait)
    add(r, Severity::conditional, EOPNOTSUPP, FieldId::op_flags, kRwfNowait,
        "RWF_NOWAIT needs a file that supports non-blocking I/O (FMODE_NOWAIT: pipes, sockets, "
        "block devices, most disk file systems; not tmpfs/memfd)",
        kf);
  else if ((fl & kRwfAtomic) && read)
    add(r, Severity::error, EOPNOTSUPP, FieldId::op_flags, kRwfAtomic, "RWF_ATOMIC on a read", kf);
  else if (fl & kRwfAtomic)
    add(r, Severity::conditional, EOPNOTSUPP, FieldId::op_flags, kRwfAtomic,
        "RWF_ATOMIC needs a file that supports atomic writes (O_DIRECT on a capable device)", kf);
  else if (fl & kRwfDontcache)
    add(r, Severity::conditional, EOPNOTSUPP, FieldId::op_flags, kRwfDontcache,
        "RWF_DONTCACHE needs a file system that supports uncached buffered I/O", kf);
  else if (fl & kRwfHipri)
    add(r, Severity::conditional, EINVAL, FieldId::op_flags, kRwfHipri,
        "RWF_HIPRI (polled I/O) outside an IORING_SETUP_IOPOLL ring",
        "io_rw_init_file: IOCB_HIPRI without IOPOLL");
  else if (k.release >= 614 && f.pad2 == 1)
    add(r, Severity::conditional, EOPNOTSUPP, FieldId::pad2, 1,
        "PI attributes need an O_DIRECT file on a device with integrity support",
        "io_rw_init_file: REQ_F_HAS_METADATA without O_DIRECT");
  const auto pos = static_cast<std::int64_t>(f.off);
  const bool vec = op == IORING_OP_READV || op == IORING_OP_WRITEV || op == 60 || op == 61;
  // Vectored: len counts iovecs, not bytes, so only the offset itself is checked here.
  if (f.off != ~std::uint64_t{0} &&
      (pos < 0 || (!vec && static_cast<std::int64_t>(f.off + f.len) < 0)))
    add(r, Severity::conditional, EINVAL, FieldId::off, f.off,
        "negative file offset (only -1 means the file position), or offset + len past 2^63-1: "
        "refused for seekable files (streams such as pipes ignore the offset)",
        "io_read/io_write -> rw_verify_area");
}

constexpr void lint_nop(const SqeFields& f, LintReport& r) noexcept {
  if (f.op_flags & IORING_NOP_CQE32)
    add(r, Severity::conditional, EINVAL, FieldId::op_flags, IORING_NOP_CQE32,
        "IORING_NOP_CQE32 needs a ring set up with IORING_SETUP_CQE32 or CQE_MIXED",
        "io_nop_prep: CQE32 without a 32-byte CQ");
}

constexpr void lint_close(const SqeFields& f, LintReport& r) noexcept {
  if (f.file_index && f.fd)
    add(r, Severity::error, EINVAL, FieldId::fd, static_cast<std::uint32_t>(f.fd),
        "fd must be 0 when file_index names a direct descriptor", "io_close_prep: file_slot && fd");
  else if (f.file_index && f.file_index - 1 >= kMaxFixedFiles)
    add(r, Severity::conditional, EINVAL, FieldId::file_index, f.file_index,
        "slot at or above 2^20 (IORING_MAX_FIXED_FILES): past every table (-ENXIO without one)",
        "io_close_fixed -> io_fixed_fd_remove: offset >= nr_user_files");
}

constexpr void lint_msg_ring(const SqeFields& f, const Kernel& k, const op::Opcode& row,
                             LintReport& r) noexcept {
  const std::uint32_t known = op::known_bits(row.flag_bits, k.release);
  if (f.op_flags & ~known) {
    add(r, Severity::error, EINVAL, FieldId::op_flags, f.op_flags & ~known,
        "unknown IORING_MSG_RING_* bit", "io_msg_ring_prep: flags & ~IORING_MSG_RING_MASK");
    return;  // prep fails: nothing below is reached
  }
  if (f.flags & IOSQE_FIXED_FILE)
    add_flags(r, Severity::conditional, EBADF, IOSQE_FIXED_FILE,
              "IOSQE_FIXED_FILE: fd is a registered slot, and no io_uring can be registered "
              "(-EBADF for an empty or out-of-range slot, -EBADFD for a slot holding another file)",
              "io_assign_file, then io_msg_ring: !io_is_uring_fops");
  else
    lint_file(f, k, r);
  const std::uint32_t cmd = static_cast<std::uint32_t>(f.addr);
  if (f.addr >> 32)
    add(r, Severity::note, 0, FieldId::addr, f.addr,
        "upper 32 bits of the command are dropped by the kernel", "io_msg_ring_prep: u32 cmd");
  if (cmd == IORING_MSG_DATA) {
    constexpr const char* kd = "io_msg_ring_data";
    if (static_cast<std::uint32_t>(f.addr3))
      add(r, Severity::error, EINVAL, FieldId::addr3, f.addr3,
          "DATA carries no source slot: addr3 (low 32 bits) must be 0", kd);
    else if (f.op_flags & IORING_MSG_RING_CQE_SKIP)
      add(r, Severity::error, EINVAL, FieldId::op_flags, IORING_MSG_RING_CQE_SKIP,
          "IORING_MSG_RING_CQE_SKIP is refused on a DATA message (use IOSQE_CQE_SKIP_SUCCESS to "
          "drop the sender's CQE)",
          kd);
    else if (!(f.op_flags & IORING_MSG_RING_FLAGS_PASS) && f.file_index)
      add(r, Severity::error, EINVAL, FieldId::file_index, f.file_index,
          "file_index must be 0 unless IORING_MSG_RING_FLAGS_PASS passes it as CQE flags", kd);
    if (f.addr3 >> 32)
      add(r, Severity::note, 0, FieldId::addr3, f.addr3,
          "upper 32 bits of addr3 are dropped by the kernel", "io_msg_ring_prep: u32 src_fd");
  } else if (cmd == IORING_MSG_SEND_FD) {
    constexpr const char* ks = "io_msg_send_fd";
    // 6.1 (measured) does not check it; the check's first release is not measured: 6.6 assumed.
    if (f.len && k.release >= 606) {
      add(r, Severity::error, EINVAL, FieldId::len, f.len,
          "SEND_FD carries no length: len must be 0", ks);
      return;
    }
    if (f.file_index == 0)
      add(r, Severity::conditional, EINVAL, FieldId::file_index, 0,
          "target slot 0 here means slot -1 (file_index is the slot plus one): -ENXIO instead when "
          "the target has no file table",
          "__io_fixed_fd_install -> io_install_fixed_file: slot >= table size");
    else if (f.file_index != IORING_FILE_INDEX_ALLOC && f.file_index - 1 >= kMaxFixedFiles)
      add(r, Severity::conditional, EINVAL, FieldId::file_index, f.file_index,
          "target slot at or above 2^20 (IORING_MAX_FIXED_FILES): past every table (-ENXIO when "
          "the target has none)",
          "__io_fixed_fd_install -> io_install_fixed_file: slot >= table size");
    if (f.op_flags & IORING_MSG_RING_FLAGS_PASS)
      add(r, Severity::note, 0, FieldId::op_flags, IORING_MSG_RING_FLAGS_PASS,
          "IORING_MSG_RING_FLAGS_PASS means nothing for SEND_FD: file_index is the target slot",
          ks);
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
  const std::uint32_t offset = static_cast<std::uint32_t>(f.off);
  if (f.off >> 32)
    add(r, Severity::note, 0, FieldId::off, f.off,
        "upper 32 bits of the offset are dropped by the kernel",
        "io_files_update_prep: u32 offset");
  if (offset == IORING_FILE_INDEX_ALLOC || !f.len) return;
  if (offset + f.len < offset)
    add(r, Severity::error, EOVERFLOW, FieldId::off, offset, "offset + len overflows 32 bits",
        "__io_register_rsrc_update: check_add_overflow");
  else if (std::uint64_t{offset} + f.len > kMaxFixedFiles)
    add(r, Severity::conditional, EINVAL, FieldId::off, offset,
        "offset + len past 2^20 (IORING_MAX_FIXED_FILES): past every table (-ENXIO without one)",
        "__io_sqe_files_update: offset + nr_args > nr_user_files");
}

constexpr void lint_accept(const SqeFields& f, LintReport& r) noexcept {
  constexpr std::uint32_t kCloexec = 0x80000, kNonblock = 0x800;
  constexpr const char* ka = "io_accept_prep";
  if (f.file_index && (f.op_flags & kCloexec))
    add(r, Severity::error, EINVAL, FieldId::op_flags, kCloexec,
        "SOCK_CLOEXEC with a direct descriptor (file_index)", ka);
  else if (f.file_index && (f.ioprio & 1) && f.file_index != IORING_FILE_INDEX_ALLOC)
    add(r, Severity::error, EINVAL, FieldId::file_index, f.file_index,
        "multishot accept into a fixed slot: only IORING_FILE_INDEX_ALLOC", ka);
  else if (f.op_flags & ~(kCloexec | kNonblock))
    add(r, Severity::error, EINVAL, FieldId::op_flags, f.op_flags & ~(kCloexec | kNonblock),
        "accept flags other than SOCK_CLOEXEC / SOCK_NONBLOCK", ka);
}

constexpr void lint_send(const SqeFields& f, const Kernel& k, LintReport& r) noexcept {
  if (k.release < 610 || !(f.ioprio & 0x10)) return;
  if (f.opcode == IORING_OP_SENDMSG)
    add(r, Severity::error, EINVAL, FieldId::ioprio, 0x10, "IORING_RECVSEND_BUNDLE on SENDMSG",
        "io_sendmsg_prep: BUNDLE && opcode == SENDMSG");
  // 6.18 (measured) sends a bundle from the plain buffer too; the release that lifted the
  // provided-buffer requirement is not measured: 6.16 assumed.
  else if (!(f.flags & IOSQE_BUFFER_SELECT) && k.release < 616)
    add(r, Severity::error, EINVAL, FieldId::ioprio, 0x10,
        "IORING_RECVSEND_BUNDLE without IOSQE_BUFFER_SELECT", "io_sendmsg_prep: BUNDLE");
}

constexpr void lint_recv(const SqeFields& f, const Kernel& k, LintReport& r) noexcept {
  constexpr const char* kr = "io_recvmsg_prep";
  if (f.ioprio & 0x2) {  // IORING_RECV_MULTISHOT
    if (!(f.flags & IOSQE_BUFFER_SELECT))
      add(r, Severity::error, EINVAL, FieldId::ioprio, 0x2,
          "IORING_RECV_MULTISHOT without IOSQE_BUFFER_SELECT", kr);
    else if (f.op_flags & 0x100)  // MSG_WAITALL
      add(r, Severity::error, EINVAL, FieldId::op_flags, 0x100,
          "MSG_WAITALL with IORING_RECV_MULTISHOT", kr);
    else if (f.opcode == IORING_OP_RECV && f.len && k.release < 616)
      add(r, Severity::error, EINVAL, FieldId::len, f.len,
          "multishot RECV takes its length from the buffer: len must be 0", kr);
  }
  if ((f.ioprio & 0x10) && f.opcode == IORING_OP_RECVMSG && k.release >= 610)
    add(r, Severity::error, EINVAL, FieldId::ioprio, 0x10, "IORING_RECVSEND_BUNDLE on RECVMSG", kr);
}

// The timespec at addr (read at prep by get_timespec64).
constexpr void lint_timespec(FieldId where, std::uint64_t p, const Kernel& k, LintReport& r,
                             const char* kernel) noexcept {
  if (never_readable(p)) {
    add(r, Severity::error, EFAULT, where, p, "the timespec can never be read", kernel);
    return;
  }
  if (std::is_constant_evaluated() || !k.read_memory) return;
  std::int64_t ts[2] = {};
  if (!k.read_memory(p, ts, sizeof ts))
    add(r, Severity::error, EFAULT, where, p, "the timespec is not readable", kernel);
  else if (ts[0] < 0 || ts[1] < 0)
    add(r, Severity::error, EINVAL, where, p, "negative tv_sec or tv_nsec", kernel);
}

constexpr unsigned popcount(std::uint32_t v) noexcept {
  return static_cast<unsigned>(std::popcount(v));
}

constexpr void lint_timeout(const SqeFields& f, const Kernel& k, const op::Opcode& row,
                            LintReport& r) noexcept {
  constexpr const char* kt = "__io_timeout_prep";
  const std::uint32_t fl = f.op_flags;
  const std::uint32_t known = op::known_bits(row.flag_bits, k.release);
  if (fl & ~known)
    add(r, Severity::error, EINVAL, FieldId::op_flags, fl & ~known, "unknown IORING_TIMEOUT_* bit",
        "__io_timeout_prep: flags & ~(ABS | CLOCK_MASK | ETIME_SUCCESS | MULTISHOT)");
  else if (popcount(fl & 0xc) > 1)
    add(r, Severity::error, EINVAL, FieldId::op_flags, fl & 0xc, "two clocks", kt);
  else if ((fl & 0x41) == 0x41)
    add(r, Severity::error, EINVAL, FieldId::op_flags, 0x41,
        "IORING_TIMEOUT_MULTISHOT with IORING_TIMEOUT_ABS", kt);
  else
    lint_timespec(FieldId::addr, f.addr, k, r, "__io_timeout_prep: get_timespec64");
  if (f.opcode == IORING_OP_LINK_TIMEOUT)
    add(r, Severity::note, 0, FieldId::user_data, 0,
        "a link timeout must follow a request with IOSQE_IO_LINK (-EINVAL otherwise)",
        "__io_timeout_prep: !link->head");
}

constexpr void lint_timeout_remove(const SqeFields& f, const Kernel& k, LintReport& r) noexcept {
  constexpr const char* kt = "io_timeout_remove_prep";
  const std::uint32_t fl = f.op_flags;
  constexpr std::uint32_t kUpdateMask = 0x2 | 0x10;
  if (!(fl & kUpdateMask)) {
    if (fl)
      add(r, Severity::error, EINVAL, FieldId::op_flags, fl,
          "timeout_flags on a removal (only updates take flags)", kt);
    return;
  }
  if (popcount(fl & 0xc) > 1)
    add(r, Severity::error, EINVAL, FieldId::op_flags, fl & 0xc, "two clocks", kt);
  else if (fl & ~(kUpdateMask | 0x1))  // 6.18 (measured): no clock on an update
    add(r, Severity::error, EINVAL, FieldId::op_flags, fl & ~(kUpdateMask | 0x1u),
        "only IORING_TIMEOUT_ABS may go with an update", kt);
  else
    lint_timespec(FieldId::off, f.off, k, r, "io_timeout_remove_prep: get_timespec64");
}

constexpr void lint_poll_remove(const SqeFields& f, LintReport& r) noexcept {
  constexpr const char* kp = "io_poll_remove_prep";
  if (f.len == 1)
    add(r, Severity::error, EINVAL, FieldId::len, 1,
        "IORING_POLL_ADD_MULTI alone means nothing without an update", kp);
  else if (!(f.len & 0x4) && f.off)
    add(r, Severity::error, EINVAL, FieldId::off, f.off,
        "a new user_data without IORING_POLL_UPDATE_USER_DATA", kp);
  else if (!(f.len & 0x2) && f.op_flags)
    add(r, Severity::error, EINVAL, FieldId::op_flags, f.op_flags,
        "poll events without IORING_POLL_UPDATE_EVENTS", kp);
}

constexpr void lint_cancel(const SqeFields& f, LintReport& r) noexcept {
  constexpr std::uint32_t kFd = 0x2, kAny = 0x4, kOp = 0x20;
  if ((f.op_flags & kFd) && (f.op_flags & kAny))
    add(r, Severity::error, EINVAL, FieldId::op_flags, kFd | kAny,
        "IORING_ASYNC_CANCEL_FD with IORING_ASYNC_CANCEL_ANY", "io_async_cancel_prep");
  else if ((f.op_flags & kOp) && (f.op_flags & kAny))
    add(r, Severity::error, EINVAL, FieldId::op_flags, kOp | kAny,
        "IORING_ASYNC_CANCEL_OP with IORING_ASYNC_CANCEL_ANY", "io_async_cancel_prep");
}

constexpr void lint_provide_buffers(const SqeFields& f, const Kernel& k, LintReport& r) noexcept {
  constexpr const char* kp = "io_provide_buffers_prep";
  constexpr std::uint64_t max = 65536;  // MAX_BIDS_PER_BGID; 6.1.192 too (measured)
  const auto nbufs = static_cast<std::uint64_t>(static_cast<std::int64_t>(f.fd));
  if (nbufs == 0 || nbufs > max) {
    add(r, Severity::error, E2BIG, FieldId::fd, static_cast<std::uint32_t>(f.fd),
        "number of buffers 0 or above the group's limit", kp);
    return;
  }
  if (f.len == 0) {
    add(r, Severity::error, EINVAL, FieldId::len, 0, "buffer size 0", kp);
    return;
  }
  const std::uint64_t size = std::uint64_t{f.len} * nbufs;
  if (f.addr + size < f.addr) {
    add(r, Severity::error, EOVERFLOW, FieldId::addr, f.addr, "addr + len * nbufs overflows", kp);
    return;
  }
  if (f.addr + size > 0x00007ffffffff000ull) {
    add(r, Severity::error, EFAULT, FieldId::addr, f.addr,
        "buffers reach past user space (access_ok)", kp);
    return;
  }
  if (f.off > 0xffff)
    add(r, Severity::error, E2BIG, FieldId::off, f.off, "first buffer id above 65535", kp);
  else if (k.release >= 607 && f.off + nbufs > 65536)
    add(r, Severity::error, EINVAL, FieldId::off, f.off, "buffer ids past 65535", kp);
}

constexpr void lint_remove_buffers(const SqeFields& f, LintReport& r) noexcept {
  constexpr std::uint64_t max = 65536;  // 6.1.192 too (measured)
  const auto nbufs = static_cast<std::uint64_t>(static_cast<std::int64_t>(f.fd));
  if (nbufs == 0 || nbufs > max)
    add(r, Severity::error, EINVAL, FieldId::fd, static_cast<std::uint32_t>(f.fd),
        "number of buffers 0 or above the group's limit", "io_remove_buffers_prep");
}

constexpr void lint_socket(const SqeFields& f, LintReport& r) noexcept {
  constexpr std::uint32_t kCloexec = 0x80000, kNonblock = 0x800;
  const std::uint32_t flags = static_cast<std::uint32_t>(f.off) & ~0xfu;
  if (f.file_index && (flags & kCloexec))
    add(r, Severity::error, EINVAL, FieldId::off, kCloexec,
        "SOCK_CLOEXEC with a direct descriptor (file_index)", "io_socket_prep");
  else if (flags & ~(kCloexec | kNonblock))
    add(r, Severity::error, EINVAL, FieldId::off, flags & ~(kCloexec | kNonblock),
        "type flags other than SOCK_CLOEXEC / SOCK_NONBLOCK", "io_socket_prep");
}

constexpr void lint_futex(const SqeFields& f, LintReport& r) noexcept {
  constexpr const char* kf = "io_futex_prep";
  const auto flags = static_cast<std::uint32_t>(f.fd);
  if (flags & ~(0x3u | 0x80u))
    add(r, Severity::error, EINVAL, FieldId::fd, flags, "unknown FUTEX2_* flag", kf);
  else if ((flags & 0x3) != 0x2)
    add(r, Severity::error, EINVAL, FieldId::fd, flags,
        "futex size other than FUTEX2_SIZE_U32 (the only one supported)", kf);
  else if (f.off >> 32)
    add(r, Severity::error, EINVAL, FieldId::off, f.off, "value does not fit 32 bits", kf);
  else if (f.addr3 >> 32)
    add(r, Severity::error, EINVAL, FieldId::addr3, f.addr3, "mask does not fit 32 bits", kf);
}

// READ_MULTISHOT's prep: a provided buffer is required before anything else is read, then the
// rw prep READ has (ioprio, attributes).
constexpr void lint_read_mshot(const SqeFields& f, const Kernel& k, LintReport& r) noexcept {
  if (!(f.flags & IOSQE_BUFFER_SELECT)) {
    add_flags(r, Severity::error, EINVAL, IOSQE_BUFFER_SELECT,
              "a multishot read needs IOSQE_BUFFER_SELECT (each shot takes a provided buffer)",
              "io_read_mshot_prep: !(req->flags & REQ_F_BUFFER_SELECT)");
    return;
  }
  lint_rw_prep(f, k, r);
}

// READV_FIXED / WRITEV_FIXED: io_prep_reg_iovec allocates room for `len` iovecs (kmalloc_array,
// which fails past KMALLOC_MAX_SIZE, 4 MiB: 262144 iovecs), then iovec_from_user refuses more
// than UIO_MAXIOV and copies the array.
constexpr void lint_reg_iovec(const SqeFields& f, LintReport& r) noexcept {
  constexpr const char* kp = "io_prep_reg_iovec -> io_vec_realloc, iovec_from_user";
  constexpr std::uint32_t kUioMaxIov = 1024, kMaxAlloc = (4u << 20) / 16;
  if (f.len > kMaxAlloc)
    add(r, Severity::error, ENOMEM, FieldId::len, f.len,
        "more iovecs than one kmalloc can hold (4 MiB): the array is allocated before the count is "
        "checked",
        kp);
  else if (f.len > kUioMaxIov)
    add(r, Severity::error, EINVAL, FieldId::len, f.len, "more than UIO_MAXIOV (1024) iovecs", kp);
  else if (f.len && never_readable(f.addr))
    add(r, Severity::error, EFAULT, FieldId::addr, f.addr, "iovec array can never be read", kp);
}

// URING_CMD's prep after the flag mask: the combinations, then the registered buffer.
constexpr void lint_uring_cmd(const SqeFields& f, const Kernel& k, LintReport& r) noexcept {
  constexpr std::uint32_t kFixed = 0x1, kMultishot = 0x2;
  constexpr const char* kp = "io_uring_cmd_prep";
  if (k.release >= 618) {
    if ((f.op_flags & kFixed) && (f.op_flags & kMultishot)) {
      add(r, Severity::error, EINVAL, FieldId::op_flags, kFixed | kMultishot,
          "IORING_URING_CMD_FIXED with IORING_URING_CMD_MULTISHOT", kp);
      return;
    }
    if (!(f.op_flags & kMultishot) != !(f.flags & IOSQE_BUFFER_SELECT)) {
      add(r, Severity::error, EINVAL, FieldId::op_flags, f.op_flags & kMultishot,
          "IORING_URING_CMD_MULTISHOT and IOSQE_BUFFER_SELECT go together", kp);
      return;
    }
  }
  if (f.op_flags & kFixed)
    add(r, Severity::note, 0, FieldId::buf_index, f.buf_index,
        "IORING_URING_CMD_FIXED: -EFAULT unless buf_index names a registered buffer (at prep "
        "before 6.18, at issue since)",
        kp);
}

constexpr void lint_special(op::Special s, const SqeFields& f, const Kernel& k,
                            const op::Opcode& row, LintReport& r) noexcept {
  using S = op::Special;
  switch (s) {
    case S::nop: lint_nop(f, r); break;
    // lint() runs lint_rw_prep before the row's other checks and lint_rw_issue (the file lookup,
    // then io_rw_init_file) after them: the rw rules straddle prep and issue.
    case S::rw: break;
    case S::rw_vec_select:
      if ((f.flags & IOSQE_BUFFER_SELECT) && f.len != 1)
        add(r, Severity::error, EINVAL, FieldId::len, f.len,
            "a vectored read from a provided buffer takes exactly one iovec", row.source);
      break;
    case S::close: lint_close(f, r); break;
    case S::msg_ring: lint_msg_ring(f, k, row, r); break;
    case S::files_update: lint_files_update(f, r); break;
    case S::accept: lint_accept(f, r); break;
    case S::send: lint_send(f, k, r); break;
    case S::recv: lint_recv(f, k, r); break;
    case S::timeout: lint_timeout(f, k, row, r); break;
    case S::timeout_remove: lint_timeout_remove(f, k, r); break;
    case S::poll_add:
      if ((f.len & 1) && (f.flags & IOSQE_CQE_SKIP_SUCCESS))
        add_flags(r, Severity::error, EINVAL, IOSQE_CQE_SKIP_SUCCESS,
                  "multishot poll with IOSQE_CQE_SKIP_SUCCESS",
                  "io_poll_add_prep: IORING_POLL_ADD_MULTI && REQ_F_CQE_SKIP");
      break;
    case S::poll_remove: lint_poll_remove(f, r); break;
    case S::cancel: lint_cancel(f, r); break;
    case S::open:
      if (f.file_index && f.opcode == IORING_OP_OPENAT && (f.op_flags & 0x80000))
        add(r, Severity::error, EINVAL, FieldId::op_flags, 0x80000,
            "O_CLOEXEC with a direct descriptor (file_index)",
            "__io_openat_prep: file_slot && O_CLOEXEC");
      else if (f.file_index && f.opcode == IORING_OP_OPENAT2)
        add(r, Severity::note, 0, FieldId::file_index, f.file_index,
            "with a direct descriptor, O_CLOEXEC in open_how is -EINVAL",
            "__io_openat_prep: file_slot && O_CLOEXEC");
      break;
    case S::openat2:
      if (f.len < 24)
        add(r, Severity::error, EINVAL, FieldId::len, f.len,
            "struct open_how is at least 24 bytes (OPEN_HOW_SIZE_VER0)",
            "io_openat2_prep: len < OPEN_HOW_SIZE_VER0");
      break;
    case S::provide_buffers: lint_provide_buffers(f, k, r); break;
    case S::remove_buffers: lint_remove_buffers(f, r); break;
    case S::socket: lint_socket(f, r); break;
    case S::send_zc:
      if (f.flags & IOSQE_CQE_SKIP_SUCCESS)
        add_flags(r, Severity::error, EINVAL, IOSQE_CQE_SKIP_SUCCESS,
                  "zero-copy sends do not support IOSQE_CQE_SKIP_SUCCESS",
                  "io_send_zc_prep: REQ_F_CQE_SKIP");
      break;
    case S::futex: lint_futex(f, r); break;
    case S::read_mshot: lint_read_mshot(f, k, r); break;
    case S::reg_iovec: lint_reg_iovec(f, r); break;
    case S::uring_cmd: lint_uring_cmd(f, k, r); break;
    case S::recv_zc:
      add(r, Severity::conditional, EINVAL, FieldId::file_index, f.file_index,
          "no zero-copy receive queue is registered at zcrx_ifq_idx (IORING_REGISTER_ZCRX_IFQ "
          "needs a NIC queue with header split)",
          "io_recvzc_prep: xa_load(&ctx->zcrx_ctxs, ifq_idx) == NULL");
      break;
    case S::recv_zc_multishot:
      if (!(f.ioprio & 0x2))
        add(r, Severity::error, EINVAL, FieldId::ioprio, f.ioprio,
            "a zero-copy receive is multishot only: IORING_RECV_MULTISHOT is required",
            "io_recvzc_prep: !(zc->flags & IORING_RECV_MULTISHOT)");
      break;
    case S::futex_waitv:
      if (f.len == 0 || f.len > 128)
        add(r, Severity::error, EINVAL, FieldId::len, f.len, "0 or more than 128 futexes",
            "io_futexv_prep: !nr || nr > FUTEX_WAITV_MAX");
      break;
    default: break;
  }
}

// One table check. Returns false when lint must stop (a not-modelled point).
constexpr bool run_check(const op::Check& c, const SqeFields& f, const Kernel& k,
                         const op::Opcode& row, LintReport& r) noexcept {
  using op::Rule;
  if (k.release < c.since || k.release > c.until) return true;
  if (c.gated && value_of(f, c.gate) == 0) return true;
  const std::uint64_t v = value_of(f, c.field);
  switch (c.rule) {
    case Rule::nonzero:
      if (v & c.mask) add(r, c.severity, c.error, c.field, v & c.mask, c.text, c.kernel);
      break;
    case Rule::is_zero:
      if (v == 0) add(r, c.severity, c.error, c.field, 0, c.text, c.kernel);
      break;
    case Rule::above:
      if (v > c.mask) add(r, c.severity, c.error, c.field, v, c.text, c.kernel);
      break;
    case Rule::unknown_bits: {
      const std::uint32_t known = op::known_bits(row.flag_bits, k.release);
      const auto bits = static_cast<std::uint32_t>(v);
      if (!(bits & ~known)) break;
      if (k.release > op::kNewestModelled) {
        add_unmodelled(r, "flag bit unknown to the newest release rawuring models", c.kernel);
        return false;
      }
      add(r, c.severity, c.error, c.field, bits & ~known, c.text, c.kernel);
      break;
    }
    case Rule::sqe_flag:
      if (f.flags & c.mask) add_flags(r, c.severity, c.error, f.flags & c.mask, c.text, c.kernel);
      break;
    case Rule::needs_sqe_flag:
      if ((f.flags & c.mask) != c.mask) add_flags(r, c.severity, c.error, c.mask, c.text, c.kernel);
      break;
    case Rule::bad_pointer:
      if (never_readable(v)) add(r, c.severity, c.error, c.field, v, c.text, c.kernel);
      break;
    case Rule::special: lint_special(c.special, f, k, row, r); break;
  }
  return true;
}

// Fields the kernel never reads for this request but that are non-zero: legal, worth a look.
constexpr void lint_ignored(const Description& d, LintReport& r) noexcept {
  for (const FieldInfo& fi : d.fields)
    if (fi.use == Use::ignored && fi.value != 0 &&
        !(fi.id == FieldId::fd && fi.value == 0xffffffff))  // -1: the usual "no file"
      add(r, Severity::note, 0, fi.id, fi.value, "non-zero, but the kernel ignores it here",
          "not read by this opcode's prep or issue");
}

constexpr bool is_rw(std::uint8_t op) noexcept {
  return op == IORING_OP_READV || op == IORING_OP_WRITEV || op == IORING_OP_READ_FIXED ||
         op == IORING_OP_WRITE_FIXED || op == IORING_OP_READ || op == IORING_OP_WRITE ||
         op == IORING_OP_READV_FIXED || op == IORING_OP_WRITEV_FIXED;
}

}  // namespace detail

constexpr Description describe(const SqeFields& f) noexcept {
  using namespace detail;
  Description d;
  d.opcode = f.opcode;
  d.flags = f.flags;
  d.unknown_flags = static_cast<std::uint8_t>(
      name_bits(f.flags, std::span<const Bit>(kSqeFlagBits), d.flag_names, d.flag_count));
  // Known-ness from the code, not from comparing a table address with null: GCC cannot fold that
  // comparison in a constant expression under -fsanitize=undefined.
  d.known = f.opcode < op::kOpcodeCount;
  const op::Opcode* row = d.known ? &op::kOpcodes[f.opcode] : nullptr;
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
  d.op_name = row->name;
  Describer s(d);
  s.set(FieldId::user_data, Use::used, "user_data: copied into this request's CQE");
  s.set(FieldId::personality, Use::used,
        "personality: registered credentials to run with (0: the submitter's)");
  if (!row->ioprio) s.set(FieldId::ioprio, Use::zero);
  for (const op::Field& fu : row->fields)
    if (fu.meaning) s.set(fu.id, Use::used, fu.meaning, fu.name);
  for (unsigned i = 0; i < kFieldCount; ++i) {
    const auto id = static_cast<FieldId>(i);
    if (must_be_zero(*row, id)) s.set(id, Use::zero);
  }
  if (row->flags_name) {
    d.op_flags_field = row->flags_field;
    d.op_flags_label = row->flags_name;
    d.unknown_op_flags = name_bits(static_cast<std::uint32_t>(value_of(f, row->flags_field)),
                                   row->flag_bits, d.op_flag_names, d.op_flag_count);
  }
  switch (f.opcode) {
    case IORING_OP_NOP: refine_nop(f, d, s); break;
    case IORING_OP_CLOSE: refine_close(f, d, s); break;
    case IORING_OP_MSG_RING: refine_msg_ring(f, d, s); break;
    case IORING_OP_FILES_UPDATE: refine_files_update(f, d, s); break;
    default:
      if (is_rw(f.opcode)) refine_rw(f, d, s);
      break;
  }
  for (const FieldInfo& fi : d.fields)
    if (fi.use == Use::zero && fi.value != 0) ++d.zero_fields_set;
  return d;
}

constexpr LintReport lint(const SqeFields& f, const Kernel& k) noexcept {
  using namespace detail;
  LintReport r;
  r.kernel = k;
  const bool known = f.opcode < op::kOpcodeCount;  // (not row != nullptr: see describe)
  const op::Opcode* row = known ? &op::kOpcodes[f.opcode] : nullptr;
  // io_init_req, in its order.
  if (!known || row->since > k.release) {
    r.add({Severity::error, EINVAL, Where::opcode, FieldId::ioprio, f.opcode,
           known ? "opcode newer than this kernel" : "opcode past every kernel's IORING_OP_LAST",
           "io_init_req: opcode >= IORING_OP_LAST"});
    return r;
  }
  if (f.flags & ~kValidSqeFlags) {
    add_flags(r, Severity::error, EINVAL, static_cast<unsigned>(f.flags & ~kValidSqeFlags),
              "unknown IOSQE_* bit", "io_init_req: sqe_flags & ~SQE_VALID_FLAGS");
    return r;
  }
  if ((f.flags & IOSQE_BUFFER_SELECT) &&
      (!row->buffer_select || k.release < row->buffer_select_since))
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
  if (!row->ioprio && f.ioprio)
    add(r, Severity::error, EINVAL, FieldId::ioprio, f.ioprio,
        "ioprio must be 0: this opcode takes no I/O priority", "io_init_req: !def->ioprio");
  const bool msg = f.opcode == IORING_OP_MSG_RING;
  if (f.personality)
    add(r, msg ? Severity::error : Severity::conditional, EINVAL, FieldId::personality,
        f.personality,
        msg ? "personality must be 0 for MSG_RING"
            : "personality names no credentials unless registered with "
              "IORING_REGISTER_PERSONALITY",
        msg ? "io_msg_ring_prep: personality" : "io_init_req: xa_load(personalities) == NULL");
  if (!k.has(f.opcode)) {
    r.add({Severity::error, EOPNOTSUPP, Where::opcode, FieldId::ioprio, f.opcode,
           "the probe says this kernel does not support the opcode (built without it)",
           "io_eopnotsupp_prep"});
  } else if (row->model == op::Model::none) {
    add_unmodelled(r, row->issue_note ? row->issue_note : "this opcode's prep is not modelled",
                   row->source);
  } else {
    const bool rw = is_rw(f.opcode);
    if (rw) lint_rw_prep(f, k, r);
    bool go = true;
    for (const op::Check& c : row->checks)
      if (go) go = run_check(c, f, k, *row, r);
    if (go && rw)
      lint_rw_issue(f, k, *row, r);
    else if (go && row->needs_file && !msg)
      lint_file(f, k, r);
    if (go && row->model == op::Model::prep && r.expected_error() == 0)
      add_unmodelled(r, row->issue_note ? row->issue_note : "issue not modelled", row->source);
  }
  const Description d = describe(f);
  lint_ignored(d, r);
  for (unsigned i = 0; i < r.count; ++i)  // name each field as describe() does for this opcode
    if (r.items[i].where == Where::field)
      r.items[i].name = d.fields[static_cast<unsigned>(r.items[i].field)].name;
  return r;
}

constexpr LintReport lint(const SqeFields& f) noexcept {
  if (std::is_constant_evaluated()) return lint(f, Kernel{});
  return lint(f, running_kernel());
}

}  // namespace uring
