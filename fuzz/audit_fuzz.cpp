// libFuzzer target: describe(), lint() and format() on arbitrary 64 bytes (uring/audit.hpp).
// Input: 64 bytes of SQE (shorter inputs are zero-padded), then optionally 2 bytes choosing the
// format buffer size (to exercise truncation). Checks, besides "no crash, no sanitizer report":
// the bytes survive fields_of -> bytes_of unchanged, format() always NUL-terminates inside the
// buffer and returns the full length (the same as with a large buffer), lint's counts stay in
// range and describe is deterministic.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <span>

#include "uring/audit.hpp"

namespace {

void require(bool ok) {
  if (!ok) __builtin_trap();
}

template <class T>
void check_format(const T& what, std::size_t size) {
  static char full[1 << 16];
  static char part[1 << 16];
  const std::size_t n = uring::format(what, full, sizeof full);
  require(n < sizeof full && full[n] == '\0' && std::strlen(full) == n);
  if (size > sizeof part) size = sizeof part;
  std::memset(part, 0x7f, sizeof part);
  require(uring::format(what, part, size) == n);
  if (size > 0) {
    const std::size_t len = std::strlen(part);
    require(len < size && len == (n < size ? n : size - 1));
    require(std::memcmp(part, full, len) == 0);
  }
  if (size < sizeof part) require(part[size] == 0x7f);  // nothing written past the end
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::uint8_t bytes[64] = {};
  std::memcpy(bytes, data, size < 64 ? size : 64);
  std::size_t buf_size = 4096;
  if (size >= 66) buf_size = static_cast<std::size_t>(data[64] | data[65] << 8);

  const uring::SqeFields f = uring::fields_of(std::span<const std::uint8_t, 64>(bytes));
  std::uint8_t back[64];
  uring::bytes_of(f, std::span<std::uint8_t, 64>(back));
  require(std::memcmp(back, bytes, 64) == 0);

  const uring::Description d = uring::describe(f);
  require(d.opcode == bytes[0] && d.flags == bytes[1]);
  require(d.flag_count <= 8 && d.op_flag_count <= 16);
  for (unsigned i = 0; i < d.flag_count; ++i) require(d.flag_names[i] != nullptr);
  // Deterministic: the same text twice (not memcmp: the struct has padding).
  static char first[1 << 16], second[1 << 16];
  uring::format(d, first, sizeof first);
  uring::format(uring::describe(f), second, sizeof second);
  require(std::strcmp(first, second) == 0);

  const uring::LintReport l = uring::lint(f);
  require(l.count <= uring::LintReport::kCapacity);
  for (const uring::Finding& x : l.findings()) {
    require(x.text != nullptr && x.kernel != nullptr);
    // Notes and "not modelled past here" carry no errno; refusals always do.
    const bool no_errno =
        x.severity == uring::Severity::note || x.severity == uring::Severity::not_modelled;
    require(no_errno ? x.error == 0 : x.error > 0);
    require(uring::errno_name(x.error) != nullptr || x.error == 0);
  }
  check_format(d, buf_size);
  check_format(l, buf_size);
  return 0;
}
