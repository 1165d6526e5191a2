// The three io_uring system calls, issued directly.
//
// Every function returns the kernel's answer as is: a non-negative result, or -errno. errno is
// never read or written (an embedding runtime may keep its own errno discipline), nothing throws,
// nothing allocates. On x86_64 and aarch64 the trap instruction is inlined; other architectures go
// through libc's syscall(2) with errno saved and restored around it.
//
// Threading: each call is one system call; any thread. Lifetime: pointers are read or written by
// the kernel during the call only (io_uring_enter's SQEs are read from the mapped ring, see
// uring/submission.hpp).
#pragma once

#include <sys/syscall.h>

#include <csignal>
#include <cstddef>

#include "abi.hpp"

#if !defined(__x86_64__) && !defined(__aarch64__)
#include <unistd.h>

#include <cerrno>
#endif

namespace uring::sys {

namespace detail {

// One system call with up to six arguments; unused ones are passed as 0.
inline long raw6(long nr, long a, long b, long c, long d, long e, long f) noexcept {
#if defined(__x86_64__)
  // The kernel's x86_64 convention: number in rax, arguments in rdi rsi rdx r10 r8 r9, result in
  // rax; the syscall instruction clobbers rcx and r11. "memory": the kernel reads and writes our
  // buffers.
  long ret;
  register long r10 __asm__("r10") = d;
  register long r8 __asm__("r8") = e;
  register long r9 __asm__("r9") = f;
  __asm__ volatile("syscall"
                   : "=a"(ret)
                   : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                   : "rcx", "r11", "memory");
  return ret;
#elif defined(__aarch64__)
  // aarch64: number in x8, arguments in x0..x5, result in x0.
  register long x8 __asm__("x8") = nr;
  register long x0 __asm__("x0") = a;
  register long x1 __asm__("x1") = b;
  register long x2 __asm__("x2") = c;
  register long x3 __asm__("x3") = d;
  register long x4 __asm__("x4") = e;
  register long x5 __asm__("x5") = f;
  __asm__ volatile("svc #0"
                   : "+r"(x0)
                   : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5)
                   : "memory");
  return x0;
#else
  const int saved = errno;
  long ret = ::syscall(nr, a, b, c, d, e, f);
  if (ret == -1) ret = -errno;
  errno = saved;
  return ret;
#endif
}

inline long arg(const void* p) noexcept { return reinterpret_cast<long>(p); }

}  // namespace detail

// io_uring_setup(2): creates a ring, fills *p (sizes, offsets, features); returns the ring fd.
inline int io_uring_setup(unsigned entries, io_uring_params* p) noexcept {
  return static_cast<int>(detail::raw6(__NR_io_uring_setup, entries, detail::arg(p), 0, 0, 0, 0));
}

// io_uring_enter(2), classic form: sig (may be null) is installed for the duration of the wait.
inline int io_uring_enter(int fd, unsigned to_submit, unsigned min_complete, unsigned flags,
                          const sigset_t* sig) noexcept {
  // The kernel wants the size of its own sigset (_NSIG bits), not glibc's 1024-bit sigset_t.
  return static_cast<int>(detail::raw6(__NR_io_uring_enter, fd, to_submit, min_complete, flags,
                                       detail::arg(sig), _NSIG / 8));
}

// io_uring_enter(2), extended form: flags must include IORING_ENTER_EXT_ARG and arg points to an
// io_uring_getevents_arg (signal mask and timeout) of argsz bytes.
inline int io_uring_enter2(int fd, unsigned to_submit, unsigned min_complete, unsigned flags,
                           const io_uring_getevents_arg* arg, std::size_t argsz) noexcept {
  return static_cast<int>(detail::raw6(__NR_io_uring_enter, fd, to_submit, min_complete, flags,
                                       detail::arg(arg), static_cast<long>(argsz)));
}

// io_uring_register(2): fd is a ring fd, a registered ring index with
// IORING_REGISTER_USE_REGISTERED_RING in opcode, or -1 for the "blind" opcodes.
inline int io_uring_register(int fd, unsigned opcode, const void* arg, unsigned nr_args) noexcept {
  return static_cast<int>(
      detail::raw6(__NR_io_uring_register, fd, opcode, detail::arg(arg), nr_args, 0, 0));
}

}  // namespace uring::sys
