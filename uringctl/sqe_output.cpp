#include "sqe_output.hpp"

#include <cinttypes>
#include <cstdio>

#include "uring/register.hpp"

namespace uringctl {

namespace {

// JSON string with the escapes JSON requires.
void json_string(const char* s) {
  std::putchar('"');
  for (; s && *s; ++s) {
    const unsigned char c = static_cast<unsigned char>(*s);
    if (c == '"' || c == '\\')
      std::printf("\\%c", c);
    else if (c < 0x20)
      std::printf("\\u%04x", c);
    else
      std::putchar(c);
  }
  std::putchar('"');
}

void json_string_or_null(const char* s) {
  if (s)
    json_string(s);
  else
    std::fputs("null", stdout);
}

void json_names(const char* const* names, unsigned n) {
  std::putchar('[');
  for (unsigned i = 0; i < n; ++i) {
    if (i) std::putchar(',');
    json_string(names[i]);
  }
  std::putchar(']');
}

const char* op_name(const uring::Description& d) {
  return d.op_name ? d.op_name : uring::opcode_name(d.opcode);
}

}  // namespace

void print_hex(const std::uint8_t (&bytes)[64]) {
  for (int i = 0; i < 64; ++i) std::printf("%s%02x", i && i % 8 == 0 ? " " : "", bytes[i]);
}

void print_describe_text(const uring::Description& d) {
  char buf[8192];
  uring::format(d, buf, sizeof buf);
  std::fputs(buf, stdout);
}

void print_lint_text(const uring::LintReport& r) {
  char buf[8192];
  uring::format(r, buf, sizeof buf);
  std::fputs(buf, stdout);
}

void print_bytes_json(const std::uint8_t (&bytes)[64]) {
  std::fputs("\"bytes\":\"", stdout);
  for (std::uint8_t b : bytes) std::printf("%02x", b);
  std::putchar('"');
}

void print_describe_json(const uring::Description& d) {
  std::printf("\"describe\":{\"opcode\":%u,\"name\":", d.opcode);
  json_string_or_null(op_name(d));
  std::printf(",\"known\":%s,\"variant\":", d.known ? "true" : "false");
  json_string_or_null(d.variant);
  std::printf(",\"flags\":{\"value\":%u,\"names\":", d.flags);
  json_names(d.flag_names, d.flag_count);
  std::printf(",\"unknown\":%u}", d.unknown_flags);
  if (d.known) {
    std::printf(",\"op_flags\":{\"value\":%" PRIu64 ",\"names\":",
                d.fields[static_cast<unsigned>(uring::FieldId::op_flags)].value);
    json_names(d.op_flag_names, d.op_flag_count);
    std::printf(",\"unknown\":%u}", d.unknown_op_flags);
  }
  std::fputs(",\"fields\":[", stdout);
  for (unsigned i = 0; i < uring::kFieldCount; ++i) {
    const uring::FieldInfo& f = d.fields[i];
    if (i) std::putchar(',');
    std::fputs("{\"name\":", stdout);
    json_string(f.name);
    // value as a number and as a hex string: JSON readers that use doubles lose bits past 2^53.
    std::printf(",\"offset\":%u,\"size\":%u,\"value\":%" PRIu64 ",\"hex\":\"0x%" PRIx64
                "\",\"use\":",
                f.offset, f.size, f.value, f.value);
    json_string(uring::use_name(f.use));
    std::fputs(",\"meaning\":", stdout);
    json_string_or_null(f.meaning);
    std::putchar('}');
  }
  std::fputs("]}", stdout);
}

void print_lint_json(const uring::LintReport& r) {
  const int e = r.expected_error();
  std::printf("\"lint\":{\"clean\":%s,\"expected_errno\":", r.clean() ? "true" : "false");
  json_string_or_null(e ? uring::errno_name(e) : nullptr);
  std::printf(",\"expected_error\":%d,\"findings\":[", e ? -e : 0);
  bool first = true;
  for (const uring::Finding& f : r.findings()) {
    if (!first) std::putchar(',');
    first = false;
    std::fputs("{\"severity\":", stdout);
    json_string(uring::severity_name(f.severity));
    std::fputs(",\"errno\":", stdout);
    json_string_or_null(f.error ? uring::errno_name(f.error) : nullptr);
    std::printf(",\"error\":%d,\"where\":", f.error ? -f.error : 0);
    json_string(f.where == uring::Where::field   ? (f.name ? f.name : uring::field_name(f.field))
                : f.where == uring::Where::flags ? "flags"
                                                 : "opcode");
    std::printf(",\"value\":%" PRIu64 ",\"text\":", f.value);
    json_string(f.text);
    std::fputs(",\"kernel\":", stdout);
    json_string(f.kernel);
    std::putchar('}');
  }
  std::fputs("]}", stdout);
}

}  // namespace uringctl
