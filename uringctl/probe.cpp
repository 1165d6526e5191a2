// uringctl probe: what this kernel's io_uring offers.
#include <sys/utsname.h>

#include <cstdio>
#include <cstring>

#include "commands.hpp"
#include "uring/prep.hpp"
#include "uring/register.hpp"
#include "uring/ring.hpp"

namespace uringctl {

namespace {

struct Bit {
  unsigned value;
  const char* name;
};

constexpr Bit kFeatures[] = {
    {IORING_FEAT_SINGLE_MMAP, "SINGLE_MMAP"},
    {IORING_FEAT_NODROP, "NODROP"},
    {IORING_FEAT_SUBMIT_STABLE, "SUBMIT_STABLE"},
    {IORING_FEAT_RW_CUR_POS, "RW_CUR_POS"},
    {IORING_FEAT_CUR_PERSONALITY, "CUR_PERSONALITY"},
    {IORING_FEAT_FAST_POLL, "FAST_POLL"},
    {IORING_FEAT_POLL_32BITS, "POLL_32BITS"},
    {IORING_FEAT_SQPOLL_NONFIXED, "SQPOLL_NONFIXED"},
    {IORING_FEAT_EXT_ARG, "EXT_ARG"},
    {IORING_FEAT_NATIVE_WORKERS, "NATIVE_WORKERS"},
    {IORING_FEAT_RSRC_TAGS, "RSRC_TAGS"},
    {IORING_FEAT_CQE_SKIP, "CQE_SKIP"},
    {IORING_FEAT_LINKED_FILE, "LINKED_FILE"},
    {IORING_FEAT_REG_REG_RING, "REG_REG_RING"},
    {IORING_FEAT_RECVSEND_BUNDLE, "RECVSEND_BUNDLE"},
    {IORING_FEAT_MIN_TIMEOUT, "MIN_TIMEOUT"},
    {IORING_FEAT_RW_ATTR, "RW_ATTR"},
    {IORING_FEAT_NO_IOWAIT, "NO_IOWAIT"},
};

constexpr Bit kSetupFlags[] = {
    {IORING_SETUP_IOPOLL, "IOPOLL"},
    {IORING_SETUP_SQPOLL, "SQPOLL"},
    {IORING_SETUP_SQ_AFF, "SQ_AFF"},
    {IORING_SETUP_CQSIZE, "CQSIZE"},
    {IORING_SETUP_CLAMP, "CLAMP"},
    {IORING_SETUP_ATTACH_WQ, "ATTACH_WQ"},
    {IORING_SETUP_R_DISABLED, "R_DISABLED"},
    {IORING_SETUP_SUBMIT_ALL, "SUBMIT_ALL"},
    {IORING_SETUP_COOP_TASKRUN, "COOP_TASKRUN"},
    {IORING_SETUP_TASKRUN_FLAG, "TASKRUN_FLAG"},
    {IORING_SETUP_SQE128, "SQE128"},
    {IORING_SETUP_CQE32, "CQE32"},
    {IORING_SETUP_SINGLE_ISSUER, "SINGLE_ISSUER"},
    {IORING_SETUP_DEFER_TASKRUN, "DEFER_TASKRUN"},
    {IORING_SETUP_NO_MMAP, "NO_MMAP"},
    {IORING_SETUP_REGISTERED_FD_ONLY, "REGISTERED_FD_ONLY"},
    {IORING_SETUP_NO_SQARRAY, "NO_SQARRAY"},
    {IORING_SETUP_HYBRID_IOPOLL, "HYBRID_IOPOLL"},
};

void print_bits(const char* label, unsigned value, const Bit* bits, std::size_t n) {
  std::printf("%s:", label);
  unsigned known = 0;
  for (std::size_t i = 0; i < n; ++i) {
    known |= bits[i].value;
    if (value & bits[i].value) std::printf(" %s", bits[i].name);
  }
  if (value & ~known) std::printf(" 0x%x", value & ~known);
  std::printf("\n");
}

// A JSON string: the kernel release comes from uname and is printed as given, escaped.
void print_json_string(const char* s) {
  std::putchar('"');
  for (; *s; ++s) {
    const auto c = static_cast<unsigned char>(*s);
    if (c == '"' || c == '\\')
      std::printf("\\%c", c);
    else if (c < 0x20)
      std::printf("\\u%04x", c);
    else
      std::putchar(c);
  }
  std::putchar('"');
}

// "key": ["NAME", ...], "key_unknown": bits rawuring has no name for (0 when none).
void print_json_bits(const char* key, unsigned value, const Bit* bits, std::size_t n) {
  std::printf("  \"%s\": [", key);
  unsigned known = 0;
  const char* sep = "";
  for (std::size_t i = 0; i < n; ++i) {
    known |= bits[i].value;
    if (value & bits[i].value) {
      std::printf("%s\"%s\"", sep, bits[i].name);
      sep = ", ";
    }
  }
  std::printf("],\n  \"%s_unknown\": %u,\n", key, value & ~known);
}

int usage_error() {
  std::fprintf(stderr, "uringctl probe: takes no arguments but --json\n");
  return 2;
}

}  // namespace

// Text by default; with --json one object with the same facts (the shape is in docs/uringctl.1):
// {"kernel": {"release", "machine"}, "features": [...], "features_unknown": n,
//  "default_setup_flags": [...], "default_setup_flags_unknown": n, "registered_ring_fd": bool,
//  "last_op": n, "opcodes": [{"op": n, "name": "NOP" or null, "supported": bool}, ...]}.
int probe(int argc, char** argv) {
  bool json = false;
  if (argc == 1 && !std::strcmp(argv[0], "--json"))
    json = true;
  else if (argc != 0)
    return usage_error();
  utsname u{};
  uname(&u);
  if (!json) std::printf("kernel: %s %s\n", u.release, u.machine);

  auto ring = uring::Ring::create();
  if (!ring) {
    std::fprintf(stderr, "uringctl probe: io_uring_setup failed: %s\n",
                 std::strerror(-ring.error()));
    return 1;
  }
  // A ring that cannot be entered (a seccomp profile denying io_uring_enter alone) would still
  // list every opcode as supported: one NOP round trip first, so the answer is never that.
  uring::prep_nop(*ring->get_sqe());
  if (const int r = ring->submit_and_wait(1); r < 0) {
    std::fprintf(stderr, "uringctl probe: io_uring_enter failed: %s\n", std::strerror(-r));
    return 1;
  }
  ring->cqe_seen();
  if (!json) {
    print_bits("features", ring->features(), kFeatures, std::size(kFeatures));
    print_bits("default ring setup flags", ring->flags(), kSetupFlags, std::size(kSetupFlags));
    std::printf("registered ring fd: %s\n", ring->registered_index() >= 0 ? "yes" : "no");
  }

  auto p = uring::probe(*ring);
  if (!p) {
    std::fprintf(stderr, "uringctl probe: io_uring_register (IORING_REGISTER_PROBE) failed: %s\n",
                 std::strerror(-p.error()));
    return 1;
  }
  if (json) {
    std::printf("{\n  \"kernel\": {\"release\": ");
    print_json_string(u.release);
    std::printf(", \"machine\": ");
    print_json_string(u.machine);
    std::printf("},\n");
    print_json_bits("features", ring->features(), kFeatures, std::size(kFeatures));
    print_json_bits("default_setup_flags", ring->flags(), kSetupFlags, std::size(kSetupFlags));
    std::printf("  \"registered_ring_fd\": %s,\n",
                ring->registered_index() >= 0 ? "true" : "false");
    std::printf("  \"last_op\": %u,\n  \"opcodes\": [", p->last_op());
    for (unsigned op = 0; op <= p->last_op(); ++op) {
      const char* name = uring::opcode_name(op);
      std::printf("%s\n    {\"op\": %u, \"name\": %s%s%s, \"supported\": %s}", op ? "," : "", op,
                  name ? "\"" : "", name ? name : "null", name ? "\"" : "",
                  p->supports(op) ? "true" : "false");
    }
    std::printf("\n  ]\n}\n");
    return 0;
  }
  unsigned supported = 0;
  for (unsigned op = 0; op <= p->last_op(); ++op) supported += p->supports(op);
  std::printf("opcodes: %u supported, last opcode %u\n", supported, p->last_op());
  for (unsigned op = 0; op <= p->last_op(); ++op) {
    const char* name = uring::opcode_name(op);
    std::printf("  %3u %-18s %s\n", op, name ? name : "(unknown to rawuring)",
                p->supports(op) ? "yes" : "no");
  }
  return 0;
}

}  // namespace uringctl
