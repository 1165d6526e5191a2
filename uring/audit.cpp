// describe()/lint() are constexpr and live in the header; here: the io_uring_sqe conversions, the
// running kernel (asked once), reading this process's memory for lint, and the text formatting.
#include "audit.hpp"

#include <sys/uio.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cinttypes>
#include <cstdarg>
#include <cstdio>
#include <cstring>

#include "register.hpp"
#include "ring.hpp"

namespace uring {

static_assert(sizeof(io_uring_sqe) == 64, "the SQE is 64 bytes");

SqeFields fields_of(const io_uring_sqe& sqe) noexcept {
  std::uint8_t b[64];
  std::memcpy(b, &sqe, sizeof b);
  return fields_of(std::span<const std::uint8_t, 64>(b));
}

void to_sqe(const SqeFields& f, io_uring_sqe& sqe) noexcept {
  std::uint8_t b[64];
  bytes_of(f, std::span<std::uint8_t, 64>(b));
  std::memcpy(&sqe, b, sizeof b);
}

Kernel running_kernel() noexcept {
  static const Kernel k = [] {
    Kernel r;
    r.source = "no io_uring";
    utsname u{};
    int major = 0, minor = 0;
    if (::uname(&u) == 0 && std::sscanf(u.release, "%d.%d", &major, &minor) == 2)
      r.release = major * 100 + minor;
    Params p;
    p.entries = 2;
    p.default_flags = false;
    p.register_ring_fd = false;
    auto ring = Ring::create(p);
    if (!ring.ok()) return r;
    auto pr = probe(*ring);
    if (!pr.ok()) return r;
    Kernel k = probed_kernel(r.release, *pr);
    k.source = "running";
    return k;
  }();
  return k;
}

Kernel probed_kernel(int release, const Probe& probe) noexcept {
  Kernel k = Kernel::named(release);
  k.source = "probe";
  k.supported = 0;
  for (unsigned op = 0; op < 64; ++op)
    if (probe.supports(op)) k.supported |= std::uint64_t{1} << op;
  return k;
}

bool read_own_memory(std::uint64_t addr, void* out, std::size_t size) noexcept {
  iovec local{out, size};
  iovec remote{reinterpret_cast<void*>(static_cast<std::uintptr_t>(addr)), size};
  return ::process_vm_readv(::getpid(), &local, 1, &remote, 1, 0) == static_cast<ssize_t>(size);
}

namespace {

// snprintf into a running buffer that remembers how much the whole text needs.
struct Out {
  char* buf;
  std::size_t size;
  std::size_t len = 0;

  __attribute__((format(printf, 2, 3))) void put(const char* fmt, ...) noexcept {
    va_list ap;
    va_start(ap, fmt);
    char* at = len < size ? buf + len : nullptr;
    const int n = std::vsnprintf(at, at ? size - len : 0, fmt, ap);
    va_end(ap);
    if (n > 0) len += static_cast<std::size_t>(n);
  }
  std::size_t finish() noexcept {
    if (size && len >= size) buf[size - 1] = '\0';
    if (size && len == 0) buf[0] = '\0';
    return len;
  }
};

const char* op_name_of(const Description& d) noexcept {
  const op::Opcode* row = op::find(d.opcode);
  return row ? row->name : "(unknown)";
}

void put_value(Out& o, const FieldInfo& fi) noexcept {
  if (fi.id == FieldId::fd)
    o.put("%-20" PRId32, static_cast<std::int32_t>(static_cast<std::uint32_t>(fi.value)));
  else
    o.put("0x%-18" PRIx64, fi.value);
}

}  // namespace

std::size_t format(const Description& d, char* buf, std::size_t size) noexcept {
  Out o{buf, size};
  o.put("opcode      %u %s", d.opcode, op_name_of(d));
  if (d.variant) o.put(" %s", d.variant);
  o.put("\n");
  if (!d.known)
    o.put("unknown opcode %u: not an opcode rawuring knows; raw fields follow\n", d.opcode);
  o.put("flags       0x%02x", d.flags);
  for (unsigned i = 0; i < d.flag_count; ++i) o.put(" %s", d.flag_names[i]);
  if (d.unknown_flags) o.put(" unknown:0x%02x", d.unknown_flags);
  o.put("\n");
  if (d.known) {
    // The opcode's flags word by name: op_flags for most opcodes, another field for some (the
    // socket opcodes keep theirs in ioprio, POLL_* in len), shown on a line of its own.
    const bool own = d.op_flags_label && d.op_flags_field != FieldId::op_flags;
    o.put("op_flags    0x%08x", static_cast<unsigned>(d.fields[5].value));
    if (own)
      o.put("\n%-11s 0x%08x", d.op_flags_label,
            static_cast<unsigned>(d.fields[static_cast<unsigned>(d.op_flags_field)].value));
    for (unsigned i = 0; i < d.op_flag_count; ++i) o.put(" %s", d.op_flag_names[i]);
    if (d.unknown_op_flags) o.put(" unknown:0x%x", d.unknown_op_flags);
    o.put("\n");
  }
  o.put("%-15s %-6s %-20s %-10s %s\n", "field", "at", "value", "use", "meaning");
  for (const FieldInfo& fi : d.fields) {
    if (fi.use == Use::ignored) continue;
    o.put("%-15s %2u+%-3u ", fi.name, fi.offset, fi.size);
    put_value(o, fi);
    if (fi.use == Use::zero && fi.value)
      o.put(" %-10s SET: the kernel refuses a non-zero value\n", use_name(fi.use));
    else
      o.put(" %-10s %s\n", use_name(fi.use), fi.meaning ? fi.meaning : "");
  }
  bool any = false;
  for (const FieldInfo& fi : d.fields) {
    if (fi.use != Use::ignored) continue;
    o.put(any ? ", %s" : "unused      %s", fi.name);
    if (fi.value) o.put("=0x%" PRIx64, fi.value);
    any = true;
  }
  if (any) o.put("\n");
  return o.finish();
}

std::size_t format(const LintReport& r, char* buf, std::size_t size) noexcept {
  Out o{buf, size};
  for (const Finding& f : r.findings()) {
    const char* e = f.error ? errno_name(f.error) : nullptr;
    o.put("%-11s %-10s ", severity_name(f.severity), e ? e : "-");
    if (f.where == Where::field)
      o.put("%s=0x%" PRIx64 ": ", f.name ? f.name : field_name(f.field), f.value);
    else if (f.where == Where::flags)
      o.put("flags&0x%02" PRIx64 ": ", f.value);
    else
      o.put("opcode %" PRIu64 ": ", f.value);
    o.put("%s [%s]\n", f.text, f.kernel);
  }
  if (r.truncated) o.put("(more findings than fit in a LintReport)\n");
  const int e = r.expected_error();
  const int v = r.kernel.release;
  if (e) {
    o.put("verdict     the kernel answers -%s", errno_name(e) ? errno_name(e) : "?");
  } else if (!r.modelled()) {
    const char* why = "";
    for (const Finding& f : r.findings())
      if (f.severity == Severity::not_modelled) {
        why = f.text;
        break;
      }
    o.put("verdict     not modelled past here: %s", why);
  } else {
    o.put("verdict     clean: nothing the kernel refuses for this SQE's own fields");
  }
  o.put(" (kernel %d.%d, %s)\n", v / 100, v % 100, r.kernel.source);
  return o.finish();
}

}  // namespace uring
