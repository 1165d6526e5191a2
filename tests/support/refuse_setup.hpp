// Makes the running kernel refuse chosen io_uring_setup flags, so that the library's fallback for
// an older kernel (which answers -EINVAL to flags it does not know) is proven on any kernel.
//
// How: a seccomp filter on one thread traps io_uring_setup (SECCOMP_RET_TRAP -> SIGSYS); the
// SIGSYS handler reads the io_uring_params the call points at and answers -EINVAL when its flags
// hold a refused bit, or makes the real call otherwise, marked by a magic third argument (which
// io_uring_setup ignores) that the filter lets through. Filters are per thread and cannot be
// removed, so the work runs on a thread of its own.
#pragma once

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <thread>

#include "syscalls/abi.hpp"

namespace test {

inline std::atomic<unsigned> refused_setup_flags{0};
inline std::atomic<unsigned> refused_setup_calls{0};

inline constexpr std::uint32_t kSetupPassMagic = 0x5e7a9f1a;

inline void refuse_setup_sigsys(int, siginfo_t* info, void* context) {
#if defined(__x86_64__)
  if (info->si_syscall != __NR_io_uring_setup) return;
  greg_t* regs = static_cast<ucontext_t*>(context)->uc_mcontext.gregs;
  const auto* params = reinterpret_cast<const io_uring_params*>(regs[REG_RSI]);
  if (params->flags & refused_setup_flags.load()) {
    refused_setup_calls.fetch_add(1);
    regs[REG_RAX] = -EINVAL;
    return;
  }
  const int saved = errno;
  const long ret = ::syscall(__NR_io_uring_setup, regs[REG_RDI], regs[REG_RSI],
                             static_cast<unsigned long>(kSetupPassMagic));
  regs[REG_RAX] = ret < 0 ? -errno : ret;
  errno = saved;
#else
  (void)info;
  (void)context;
#endif
}

// Whether this platform can run with_setup_refusing (the handler reads x86-64 registers).
inline constexpr bool kCanRefuseSetup =
#if defined(__x86_64__)
    true;
#else
    false;
#endif

// valgrind cannot emulate a SIGSYS handler that rewrites a trapped system call's registers (it
// aborts); it announces itself by preloading its vgpreload libraries.
inline bool under_valgrind() {
  const char* preload = std::getenv("LD_PRELOAD");
  return preload != nullptr && std::strstr(preload, "vgpreload") != nullptr;
}

// Runs f() on a new thread on which io_uring_setup answers -EINVAL to any flags holding a bit of
// `refused`; returns what f returned. f must not use Catch2's REQUIRE (it runs off the main
// thread).
template <class F>
auto with_setup_refusing(unsigned refused, F&& f) {
  decltype(f()) result{};
  std::thread([&] {
    struct sigaction sa {};
    sa.sa_sigaction = refuse_setup_sigsys;
    sa.sa_flags = SA_SIGINFO;
    ::sigaction(SIGSYS, &sa, nullptr);
    refused_setup_flags = refused;
    refused_setup_calls = 0;
    sock_filter code[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 0, 3),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, args[2])),  // its low half
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, kSetupPassMagic, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    sock_fprog prog{static_cast<unsigned short>(std::size(code)), code};
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
        ::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0)
      return;  // result stays value-initialised: the caller's checks fail and say so
    result = f();
  }).join();
  return result;
}

}  // namespace test
