// docs/opcodes.md is generated from the opcode table (uring/opcodes.hpp), so that the page and
// what describe()/lint() do cannot disagree.
//   opcodes_doc <docs/opcodes.md>           exit 0 when the file is what the table generates, 1
//                                           (and the first differing line) when not
//   opcodes_doc --write <docs/opcodes.md>   (re)writes the file
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include "uring/audit.hpp"
#include "uring/opcodes.hpp"

namespace {

using uring::FieldId;
using uring::op::Check;
using uring::op::Opcode;
using uring::op::Rule;

std::string release(int r) {
  if (r == 0) return "always";
  return std::to_string(r / 100) + "." + std::to_string(r % 100);
}

std::string hex(std::uint64_t v) {
  char b[32];
  std::snprintf(b, sizeof b, "0x%llx", static_cast<unsigned long long>(v));
  return b;
}

const char* field_name(const Opcode& row, FieldId id) {
  for (const auto& f : row.fields)
    if (f.id == id && f.name) return f.name;
  return uring::field_name(id);
}

std::string rule_text(const Opcode& row, const Check& c) {
  const std::string f = std::string("`") + field_name(row, c.field) + "`";
  std::string t;
  switch (c.rule) {
    case Rule::nonzero:
      t = c.mask == ~std::uint64_t{0} ? f + " != 0" : f + " & " + hex(c.mask) + " != 0";
      break;
    case Rule::is_zero: t = f + " == 0"; break;
    case Rule::above: t = f + " > " + std::to_string(c.mask); break;
    case Rule::unknown_bits: t = f + ": a bit outside the release's flag set"; break;
    case Rule::sqe_flag: t = "IOSQE flags & " + hex(c.mask); break;
    case Rule::needs_sqe_flag: t = "IOSQE flags without " + hex(c.mask); break;
    case Rule::bad_pointer: t = f + " can never be read (page 0 or the kernel half)"; break;
    case Rule::special: return uring::op::special_rules(c.special);
  }
  if (c.gated) t += std::string(" (when `") + field_name(row, c.gate) + "` != 0)";
  return t;
}

std::string lower(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

std::string esc(std::string s) {
  std::string out;
  for (char c : s) {
    if (c == '|') out += "\\";
    out += c;
  }
  return out;
}

std::string generate() {
  std::ostringstream o;
  o << "# Every io_uring opcode\n\n"
       "Generated from the opcode table, `uring/opcodes.hpp`, by `tests/unit/opcodes_doc.cpp` "
       "(`build/tests/opcodes_doc --write docs/opcodes.md`); the unit test `opcodes_doc` fails "
       "when this page and the table differ. describe(), lint(), `uringctl decode` and the probe's "
       "names read the same table. docs/audit.md explains describe() and lint().\n\n"
       "**Prep functions** are liburing's helper names without the `io_uring_prep_` prefix (the "
       "house naming of rawuring's prep functions). **Lint model**: `full` predicts the kernel's "
       "errno for every check on the SQE's own fields, at prep and issue; `prep-time` predicts the "
       "prep function's checks (and the file lookup) and then says *not modelled*, because what "
       "the issue answers depends on run-time state (the row's *issue* line says which, and which "
       "errnos the kernel test accepts from it for a well-formed SQE); `not modelled` runs only "
       "io_init_req's generic checks. Releases are the first kernel that has the opcode, flag or "
       "check. Every rule here was compared with kernel 6.18 by tests/kernel/lint_kernel_test.cpp "
       "(see docs/audit.md for the counts); per-release rules for older kernels follow the "
       "kernel's history and are asserted by the same test in the 6.1 guest.\n\n";
  o << "## Generic checks (io_uring.c `io_init_req`, every opcode, in this order)\n\n"
       "| rule | errno | kernel check |\n| --- | --- | --- |\n"
       "| opcode past the kernel's last (newer than the release) | EINVAL | `opcode >= "
       "IORING_OP_LAST` |\n"
       "| IOSQE bit 0x80 | EINVAL | `sqe_flags & ~SQE_VALID_FLAGS` |\n"
       "| IOSQE_BUFFER_SELECT on an opcode without `buffer_select` | EOPNOTSUPP | "
       "`!def->buffer_select` |\n"
       "| IOSQE_IO_DRAIN with IOSQE_CQE_SKIP_SUCCESS | EOPNOTSUPP | `ctx->drain_disabled` |\n"
       "| ioprio != 0 on an opcode without `ioprio` | EINVAL | `!def->ioprio && sqe->ioprio` |\n"
       "| personality not registered | EINVAL (conditional) | `xa_load(&ctx->personalities)` |\n"
       "| opcode the probe does not report (built without it) | EOPNOTSUPP | "
       "`io_eopnotsupp_prep` |\n\n";
  o << "## Summary\n\n| op | name | first kernel | prep functions | lint model |\n"
       "| --- | --- | --- | --- | --- |\n";
  for (const Opcode& row : uring::op::kOpcodes)
    o << "| " << unsigned{row.code} << " | [" << row.name << "](#" << unsigned{row.code} << "-"
      << lower(row.name) << ") | " << release(row.since) << " | " << row.preps << " | "
      << uring::model_name(row.model) << " |\n";
  o << "\n";
  for (const Opcode& row : uring::op::kOpcodes) {
    o << "## " << unsigned{row.code} << " " << row.name << "\n\n";
    o << "`IORING_OP_" << row.name << "`, first in " << release(row.since)
      << "; prep: " << row.preps << "; kernel: `" << row.source
      << "`; lint: " << uring::model_name(row.model) << ". io_init_req: needs_file "
      << (row.needs_file ? "yes" : "no") << ", ioprio " << (row.ioprio ? "yes" : "no (must be 0)")
      << ", buffer_select " << (row.buffer_select ? "yes" : "no") << ".\n\n";
    if (row.flags_name && row.flag_bits.size()) {
      o << "Flags (`" << row.flags_name << "`, in `" << uring::field_name(row.flags_field)
        << "`): ";
      bool first = true;
      for (const auto& b : row.flag_bits) {
        o << (first ? "" : ", ") << b.name << " " << hex(b.value);
        if (b.since) o << " (" << release(b.since) << ")";
        first = false;
      }
      o << ".\n\n";
    }
    o << "| field | at | meaning |\n| --- | --- | --- |\n";
    bool any = false;
    for (unsigned i = 0; i < uring::kFieldCount; ++i) {
      for (const auto& f : row.fields) {
        if (static_cast<unsigned>(f.id) != i || !f.meaning) continue;
        const char* name = f.name ? f.name : uring::field_name(f.id);
        o << "| " << name << " | " << uring::detail::kFieldOffsets[i] << "+"
          << uring::detail::kFieldSizes[i] << " | " << esc(f.meaning) << " |\n";
        any = true;
      }
    }
    if (!any) o << "| (none) | | |\n";
    const uring::Description d = uring::describe(uring::SqeFields{.opcode = row.code});
    std::string zeros;
    for (const auto& fi : d.fields)
      if (fi.use == uring::Use::zero) zeros += std::string(zeros.empty() ? "" : ", ") + fi.name;
    o << "\nMust be 0: " << (zeros.empty() ? "(none)" : zeros) << ".\n\n";
    if (!row.checks.empty()) {
      o << "| rule (kernel order) | errno | releases | kernel check |\n| --- | --- | --- | --- "
           "|\n";
      for (const Check& c : row.checks) {
        std::string when = c.since ? release(c.since) + "+" : "all";
        if (c.until != 9999) when = (c.since ? release(c.since) : "") + " .. " + release(c.until);
        const char* e = c.rule == Rule::special ? "see rule" : uring::errno_name(c.error);
        o << "| " << esc(rule_text(row, c)) << " | " << (e ? e : "?") << " | " << when << " | `"
          << c.kernel << "` |\n";
      }
      o << "\n";
    }
    if (row.model != uring::op::Model::full && row.issue_note) {
      o << "Issue (not modelled): " << row.issue_note << ".";
      if (!row.issue_errors.empty()) {
        o << " Field-check errnos the issue may answer for a well-formed SQE:";
        for (int e : row.issue_errors) o << " " << uring::errno_name(e);
        o << ".";
      }
      o << "\n\n";
    }
  }
  return o.str();
}

}  // namespace

int main(int argc, char** argv) {
  const bool write = argc == 3 && !std::strcmp(argv[1], "--write");
  if (argc != 2 && !write) {
    std::fprintf(stderr, "usage: opcodes_doc [--write] docs/opcodes.md\n");
    return 2;
  }
  const std::string text = generate();
  const char* path = argv[argc - 1];
  if (write) {
    std::ofstream out(path);
    out << text;
    return out ? 0 : 1;
  }
  std::ifstream in(path);
  std::stringstream have;
  have << in.rdbuf();
  if (have.str() == text) {
    std::printf("%s matches the opcode table (%zu bytes)\n", path, text.size());
    return 0;
  }
  std::istringstream a(have.str()), b(text);
  std::string la, lb;
  for (int line = 1;; ++line) {
    const bool ga = static_cast<bool>(std::getline(a, la)),
               gb = static_cast<bool>(std::getline(b, lb));
    if (!ga && !gb) break;
    if (la != lb || ga != gb) {
      std::printf(
          "%s:%d differs from the table:\n  file:  %s\n  table: %s\n"
          "regenerate: build/tests/opcodes_doc --write docs/opcodes.md\n",
          path, line, ga ? la.c_str() : "(end)", gb ? lb.c_str() : "(end)");
      break;
    }
  }
  return 1;
}
