// uringctl encode <op> [args...] [--json]: the SQE a rawuring prep function builds, as its 64
// bytes and the describe() table. Pointer arguments are plain numbers: nothing is dereferenced.
#include <cerrno>
#include <cinttypes>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "commands.hpp"
#include "sqe_output.hpp"
#include "uring/prep.hpp"

namespace uringctl {

namespace {

enum class Kind { i32, u32, u64 };

// One numeric argument: decimal, 0x hex or 0 octal; u64 also takes negatives (two's complement,
// so -1 is all ones). Returns false (after one line on stderr) when it is not a number in range.
bool parse(const char* s, Kind kind, std::uint64_t& out) {
  if (!*s) {
    std::fprintf(stderr, "uringctl encode: empty argument\n");
    return false;
  }
  char* end = nullptr;
  errno = 0;
  const bool negative = s[0] == '-';
  long long sv = 0;
  unsigned long long uv = 0;
  if (negative)
    sv = std::strtoll(s, &end, 0);
  else
    uv = std::strtoull(s, &end, 0);
  if (*end || end == s || errno == ERANGE) {
    std::fprintf(stderr, "uringctl encode: '%s' is not a number in range\n", s);
    return false;
  }
  bool ok = true;
  switch (kind) {
    case Kind::i32: ok = negative ? sv >= INT_MIN : uv <= INT_MAX; break;
    case Kind::u32: ok = !negative && uv <= UINT_MAX; break;
    case Kind::u64: ok = true; break;
  }
  if (!ok) {
    std::fprintf(stderr, "uringctl encode: '%s' does not fit a%s\n", s,
                 kind == Kind::i32 ? "n int" : " 32-bit unsigned");
    return false;
  }
  out = negative ? static_cast<std::uint64_t>(sv) : uv;
  return true;
}

struct Op {
  const char* name;
  const char* args;  // usage
  Kind kinds[5];
  int nargs;
  void (*build)(io_uring_sqe&, const std::uint64_t*);
};

int i32(std::uint64_t v) { return static_cast<int>(static_cast<std::int64_t>(v)); }
unsigned u32(std::uint64_t v) { return static_cast<unsigned>(v); }
template <class T>
T* ptr(std::uint64_t v) {
  return reinterpret_cast<T*>(static_cast<std::uintptr_t>(v));
}

using K = Kind;
constexpr Op kOps[] = {
    {"nop", "", {}, 0, [](io_uring_sqe& s, const std::uint64_t*) { uring::prep_nop(s); }},
    {"read",
     "<fd> <buf> <nbytes> <offset>",
     {K::i32, K::u64, K::u32, K::u64},
     4,
     [](io_uring_sqe& s, const std::uint64_t* a) {
       uring::prep_read(s, i32(a[0]), ptr<void>(a[1]), u32(a[2]), a[3]);
     }},
    {"write",
     "<fd> <buf> <nbytes> <offset>",
     {K::i32, K::u64, K::u32, K::u64},
     4,
     [](io_uring_sqe& s, const std::uint64_t* a) {
       uring::prep_write(s, i32(a[0]), ptr<const void>(a[1]), u32(a[2]), a[3]);
     }},
    {"close",
     "<fd>",
     {K::i32},
     1,
     [](io_uring_sqe& s, const std::uint64_t* a) { uring::prep_close(s, i32(a[0])); }},
    {"close_direct",
     "<file_index>",
     {K::u32},
     1,
     [](io_uring_sqe& s, const std::uint64_t* a) { uring::prep_close_direct(s, u32(a[0])); }},
    {"msg_ring",
     "<fd> <len> <data> <flags>",
     {K::i32, K::u32, K::u64, K::u32},
     4,
     [](io_uring_sqe& s, const std::uint64_t* a) {
       uring::prep_msg_ring(s, i32(a[0]), u32(a[1]), a[2], u32(a[3]));
     }},
    {"msg_ring_cqe_flags",
     "<fd> <len> <data> <flags> <cqe_flags>",
     {K::i32, K::u32, K::u64, K::u32, K::u32},
     5,
     [](io_uring_sqe& s, const std::uint64_t* a) {
       uring::prep_msg_ring_cqe_flags(s, i32(a[0]), u32(a[1]), a[2], u32(a[3]), u32(a[4]));
     }},
    {"msg_ring_fd",
     "<fd> <source_fd> <target_fd> <data> <flags>",
     {K::i32, K::i32, K::i32, K::u64, K::u32},
     5,
     [](io_uring_sqe& s, const std::uint64_t* a) {
       uring::prep_msg_ring_fd(s, i32(a[0]), i32(a[1]), i32(a[2]), a[3], u32(a[4]));
     }},
    {"msg_ring_fd_alloc",
     "<fd> <source_fd> <data> <flags>",
     {K::i32, K::i32, K::u64, K::u32},
     4,
     [](io_uring_sqe& s, const std::uint64_t* a) {
       uring::prep_msg_ring_fd_alloc(s, i32(a[0]), i32(a[1]), a[2], u32(a[3]));
     }},
    {"files_update",
     "<fds> <nr_fds> <offset>",
     {K::u64, K::u32, K::i32},
     3,
     [](io_uring_sqe& s, const std::uint64_t* a) {
       uring::prep_files_update(s, ptr<int>(a[0]), u32(a[1]), i32(a[2]));
     }},
};

int usage_error() {
  std::fprintf(stderr, "usage: uringctl encode <op> [args...] [--json]; ops:");
  for (const Op& op : kOps) std::fprintf(stderr, " %s", op.name);
  std::fprintf(stderr, "\n");
  return 2;
}

}  // namespace

int encode(int argc, char** argv) {
  bool json = false;
  const char* args[8];
  int n = 0;
  for (int i = 0; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--json")) {
      json = true;
    } else if (n < 8) {
      args[n++] = argv[i];
    } else {
      std::fprintf(stderr, "uringctl encode: too many arguments\n");
      return 2;
    }
  }
  if (n == 0) return usage_error();
  const Op* op = nullptr;
  for (const Op& o : kOps)
    if (!std::strcmp(args[0], o.name)) op = &o;
  if (!op) {
    std::fprintf(stderr, "uringctl encode: unknown op '%s' (try uringctl encode without args)\n",
                 args[0]);
    return 2;
  }
  if (n - 1 != op->nargs) {
    std::fprintf(stderr, "uringctl encode %s: takes %d argument%s%s%s, got %d\n", op->name,
                 op->nargs, op->nargs == 1 ? "" : "s", op->nargs ? ": " : "", op->args, n - 1);
    return 2;
  }
  std::uint64_t values[5] = {};
  for (int i = 0; i < op->nargs; ++i)
    if (!parse(args[i + 1], op->kinds[i], values[i])) return 2;

  io_uring_sqe sqe{};
  op->build(sqe, values);
  std::uint8_t bytes[64];
  std::memcpy(bytes, &sqe, sizeof bytes);
  const uring::Description d = uring::describe(sqe);
  if (json) {
    std::printf("{\"op\":\"%s\",", op->name);
    print_bytes_json(bytes);
    std::putchar(',');
    print_describe_json(d);
    std::printf("}\n");
  } else {
    std::printf("sqe         ");
    print_hex(bytes);
    std::printf("\n");
    print_describe_text(d);
  }
  return 0;
}

}  // namespace uringctl
