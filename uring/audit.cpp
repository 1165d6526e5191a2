// describe()/lint() are constexpr and live in the header; here: the io_uring_sqe conversions and
// the text formatting.
#include "audit.hpp"

#include <cinttypes>
#include <cstdarg>
#include <cstdio>
#include <cstring>

#include "register.hpp"

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
  if (d.op_name) return d.op_name;
  const char* n = opcode_name(d.opcode);
  return n ? n : "(unknown)";
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
  if (!d.known && opcode_name(d.opcode))
    o.put("not described: rawuring prepares no %s yet; raw fields follow\n", opcode_name(d.opcode));
  else if (!d.known)
    o.put("unknown opcode %u: not an opcode rawuring knows; raw fields follow\n", d.opcode);
  o.put("flags       0x%02x", d.flags);
  for (unsigned i = 0; i < d.flag_count; ++i) o.put(" %s", d.flag_names[i]);
  if (d.unknown_flags) o.put(" unknown:0x%02x", d.unknown_flags);
  o.put("\n");
  if (d.known) {
    o.put("op_flags    0x%08x", static_cast<unsigned>(d.fields[5].value));
    for (unsigned i = 0; i < d.op_flag_count; ++i) o.put(" %s", d.op_flag_names[i]);
    if (d.unknown_op_flags) o.put(" unknown:0x%x", d.unknown_op_flags);
    o.put("\n");
  }
  o.put("%-15s %-6s %-20s %-10s %s\n", "field", "at", "value", "use", "meaning");
  for (const FieldInfo& fi : d.fields) {
    if (fi.use == Use::ignored) continue;
    o.put("%-15s %2u+%-3u ", fi.name, fi.offset, fi.size);
    put_value(o, fi);
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
  if (e)
    o.put("verdict     the kernel answers -%s\n", errno_name(e) ? errno_name(e) : "?");
  else
    o.put("verdict     clean: nothing the kernel refuses for this SQE's own fields\n");
  return o.finish();
}

}  // namespace uring
