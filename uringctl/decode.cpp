// uringctl decode <hex> [--json] [--kernel <release>]: describe() and lint() for any 64-byte SQE
// given as 128 hex digits (whitespace anywhere, possibly split over several arguments; read from
// stdin when there is no hex argument or it is "-"). lint predicts for the running kernel, or for
// the release named with --kernel (6.1, 6.12, 618, ...).
#include <cctype>
#include <cstdio>
#include <cstring>

#include "commands.hpp"
#include "sqe_output.hpp"

namespace uringctl {

namespace {

// Feeds characters into 64 bytes; remembers the first error.
struct HexReader {
  std::uint8_t bytes[64] = {};
  unsigned digits = 0;
  bool bad = false;

  void feed(int c) {
    if (bad || std::isspace(c)) return;
    if (!std::isxdigit(c)) {
      std::fprintf(stderr, "uringctl decode: '%c' is not a hex digit\n", std::isprint(c) ? c : '?');
      bad = true;
      return;
    }
    const unsigned v = std::isdigit(c) ? c - '0' : std::tolower(c) - 'a' + 10;
    if (digits < 128) bytes[digits / 2] |= static_cast<std::uint8_t>(digits % 2 ? v : v << 4);
    ++digits;
  }
};

// "6.12" or "612" -> 612; 0 when it is neither.
int parse_release(const char* s) {
  unsigned major = 0, minor = 0;
  int used = 0;
  if (std::sscanf(s, "%u.%u%n", &major, &minor, &used) == 2 && s[used] == '\0' && minor < 100 &&
      major > 0 && major < 100)
    return static_cast<int>(major * 100 + minor);
  unsigned whole = 0;
  if (std::sscanf(s, "%u%n", &whole, &used) == 1 && s[used] == '\0' && whole >= 100 &&
      whole < 10000)
    return static_cast<int>(whole);
  return 0;
}

}  // namespace

int decode(int argc, char** argv) {
  bool json = false;
  bool from_stdin = true;
  int release = 0;  // 0: the running kernel
  HexReader r;
  for (int i = 0; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--json")) continue;
    if (!std::strcmp(argv[i], "-")) continue;
    if (!std::strncmp(argv[i], "--kernel=", 9)) continue;
    if (!std::strcmp(argv[i], "--kernel")) {
      ++i;
      continue;
    }
    from_stdin = false;
  }
  for (int i = 0; i < argc; ++i) {
    const char* value = nullptr;
    if (!std::strcmp(argv[i], "--kernel")) {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "uringctl decode: --kernel needs a release (e.g. 6.12)\n");
        return 2;
      }
      value = argv[++i];
    } else if (!std::strncmp(argv[i], "--kernel=", 9)) {
      value = argv[i] + 9;
    }
    if (value) {
      release = parse_release(value);
      if (!release) {
        std::fprintf(stderr, "uringctl decode: '%s' is not a kernel release (e.g. 6.12)\n", value);
        return 2;
      }
    } else if (!std::strcmp(argv[i], "--json")) {
      json = true;
    } else if (!std::strcmp(argv[i], "-")) {
      if (!from_stdin) {
        std::fprintf(stderr, "uringctl decode: '-' (stdin) and hex arguments together\n");
        return 2;
      }
    } else {
      for (const char* p = argv[i]; *p; ++p) r.feed(static_cast<unsigned char>(*p));
      r.feed(' ');
    }
  }
  if (from_stdin)
    for (int c; (c = std::getchar()) != EOF && !r.bad && r.digits <= 128;) r.feed(c);
  if (r.bad) return 2;
  if (r.digits != 128) {
    std::fprintf(stderr, "uringctl decode: expected 128 hex digits (64 bytes), got %s%u\n",
                 r.digits > 128 ? "more than " : "", r.digits > 128 ? 128 : r.digits);
    return 2;
  }
  const uring::SqeFields f = uring::fields_of(std::span<const std::uint8_t, 64>(r.bytes));
  const uring::Description d = uring::describe(f);
  const uring::Kernel kernel = release ? uring::Kernel::named(release) : uring::running_kernel();
  const uring::LintReport l = uring::lint(f, kernel);
  if (json) {
    std::putchar('{');
    print_bytes_json(r.bytes);
    std::putchar(',');
    print_describe_json(d);
    std::putchar(',');
    print_lint_json(l);
    const uring::op::Opcode* row = uring::op::find(f.opcode);
    std::printf(
        ",\"kernel\":{\"release\":\"%d.%d\",\"source\":\"%s\"},\"modelled\":%s,"
        "\"model\":\"%s\"}\n",
        kernel.release / 100, kernel.release % 100, kernel.source, l.modelled() ? "true" : "false",
        row ? uring::model_name(row->model) : "none");
  } else {
    print_describe_text(d);
    std::printf("lint:\n");
    print_lint_text(l);
  }
  return 0;
}

}  // namespace uringctl
