// Denying one io_uring system call with a seccomp filter, for the fault tests: the way a container
// profile (or a hand-written one) takes io_uring away. The filter is installed on the calling
// thread and inherited by its children and across exec; it can never be removed, so tests install
// it in a forked child (or in tests/fault/deny, which then execs the program under test).
#pragma once

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <initializer_list>

namespace fault {

#if defined(__x86_64__)
inline constexpr unsigned kAuditArch = AUDIT_ARCH_X86_64;
#elif defined(__aarch64__)
inline constexpr unsigned kAuditArch = AUDIT_ARCH_AARCH64;
#else
#error "fault tests: add this architecture's AUDIT_ARCH_*"
#endif

enum class Call { setup, enter, register_ };

inline const char* call_name(Call c) {
  switch (c) {
    case Call::setup: return "io_uring_setup";
    case Call::enter: return "io_uring_enter";
    case Call::register_: return "io_uring_register";
  }
  return "?";
}

inline long call_nr(Call c) {
  switch (c) {
    case Call::setup: return __NR_io_uring_setup;
    case Call::enter: return __NR_io_uring_enter;
    case Call::register_: return __NR_io_uring_register;
  }
  return -1;
}

// Parses "setup" / "enter" / "register" (or the full system call names).
inline bool parse_call(const char* s, Call* out) {
  for (Call c : {Call::setup, Call::enter, Call::register_}) {
    const char* full = call_name(c);
    if (std::strcmp(s, full) == 0 || std::strcmp(s, full + std::strlen("io_uring_")) == 0) {
      *out = c;
      return true;
    }
  }
  return false;
}

// Installs a filter answering `action` (SECCOMP_RET_ERRNO | errno, SECCOMP_RET_TRAP, ...) to
// system call `nr` and allowing everything else. Returns 0 or -errno.
inline int install(long nr, unsigned action) {
  sock_filter f[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, kAuditArch, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, static_cast<unsigned>(nr), 0, 1),
      BPF_STMT(BPF_RET | BPF_K, action),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  sock_fprog prog{static_cast<unsigned short>(sizeof f / sizeof f[0]), f};
  // no_new_privs: lets an unprivileged process install a filter (root would not need it).
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return -errno;
  if (::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0) return -errno;
  return 0;
}

// `call` answers -err from now on, in this thread and everything it starts.
inline int deny(Call call, int err) {
  return install(call_nr(call),
                 SECCOMP_RET_ERRNO | (static_cast<unsigned>(err) & SECCOMP_RET_DATA));
}

}  // namespace fault
