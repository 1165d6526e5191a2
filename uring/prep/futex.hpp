// Futexes (6.7): wait, wake and waitv on futex2 words, and waitid(2) on a child.
#pragma once

#include <signal.h>
#include <sys/wait.h>

#include "base.hpp"

struct futex_waitv;

namespace uring {

// IORING_OP_FUTEX_WAIT: waits while *futex == val (under mask), as futex_wait(2). The futex2
// flags (FUTEX2_SIZE_U32 | FUTEX2_PRIVATE ...) go in fd, val in off, mask in addr3; flags
// (futex_flags) must be 0 today. res 0 once woken, -EAGAIN when *futex != val at the start.
inline void prep_futex_wait(io_uring_sqe& sqe, const std::uint32_t* futex, std::uint64_t val,
                            std::uint64_t mask, std::uint32_t futex_flags,
                            unsigned flags) noexcept {
  prep_rw(sqe, IORING_OP_FUTEX_WAIT, static_cast<int>(futex_flags), detail::addr_of(futex), 0, val);
  abi::set_futex_flags(sqe, flags);
  sqe.addr3 = mask;
}

// IORING_OP_FUTEX_WAKE: wakes up to val waiters of *futex (under mask); res is how many woke.
inline void prep_futex_wake(io_uring_sqe& sqe, const std::uint32_t* futex, std::uint64_t val,
                            std::uint64_t mask, std::uint32_t futex_flags,
                            unsigned flags) noexcept {
  prep_rw(sqe, IORING_OP_FUTEX_WAKE, static_cast<int>(futex_flags), detail::addr_of(futex), 0, val);
  abi::set_futex_flags(sqe, flags);
  sqe.addr3 = mask;
}

// IORING_OP_FUTEX_WAITV: waits on any of nr_futex futexes; res is the index of the one woken.
inline void prep_futex_waitv(io_uring_sqe& sqe, const futex_waitv* futex, std::uint32_t nr_futex,
                             unsigned flags) noexcept {
  prep_rw(sqe, IORING_OP_FUTEX_WAITV, 0, detail::addr_of(futex), nr_futex, 0);
  abi::set_futex_flags(sqe, flags);
}

// IORING_OP_WAITID (6.7): waitid(2); id in fd, idtype in len, options (WEXITED ...) in
// file_index, infop in addr2; flags (waitid_flags) must be 0.
inline void prep_waitid(io_uring_sqe& sqe, idtype_t idtype, id_t id, siginfo_t* infop, int options,
                        unsigned flags) noexcept {
  prep_rw(sqe, IORING_OP_WAITID, static_cast<int>(id), 0, static_cast<std::uint32_t>(idtype),
          detail::addr_of(infop));  // off is addr2
  abi::set_waitid_flags(sqe, flags);
  sqe.file_index = static_cast<std::uint32_t>(options);
}

}  // namespace uring
