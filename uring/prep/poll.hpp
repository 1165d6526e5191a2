// Readiness: poll add (one-shot or multishot), update and remove; epoll_ctl and epoll_wait.
#pragma once

#include "base.hpp"

struct epoll_event;

namespace uring {

// IORING_OP_POLL_ADD: one CQE whose res is the ready POLL* mask.
constexpr void prep_poll_add(io_uring_sqe& sqe, int fd, unsigned poll_mask) noexcept {
  prep_rw(sqe, IORING_OP_POLL_ADD, fd, 0, 0, 0);
  sqe.poll32_events = detail::poll_mask(poll_mask);
}
RAWURING_FIXED_FILE_FORM(prep_poll_add)

// Multishot poll (IORING_POLL_ADD_MULTI in len, 5.13): a CQE with IORING_CQE_F_MORE per event.
constexpr void prep_poll_multishot(io_uring_sqe& sqe, int fd, unsigned poll_mask) noexcept {
  prep_poll_add(sqe, fd, poll_mask);
  sqe.len = IORING_POLL_ADD_MULTI;
}
RAWURING_FIXED_FILE_FORM(prep_poll_multishot)

// IORING_OP_POLL_REMOVE of the poll whose user_data is `user_data` (in addr): res 0, and the
// poll completes with -ECANCELED; -ENOENT when there is none.
constexpr void prep_poll_remove(io_uring_sqe& sqe, std::uint64_t user_data) noexcept {
  prep_rw(sqe, IORING_OP_POLL_REMOVE, -1, user_data, 0, 0);
}

// IORING_OP_POLL_REMOVE as an update (5.13): IORING_POLL_UPDATE_EVENTS / _USER_DATA in len
// (flags) say which of poll_mask and new_user_data (in off) replace the old poll's.
constexpr void prep_poll_update(io_uring_sqe& sqe, std::uint64_t old_user_data,
                                std::uint64_t new_user_data, unsigned poll_mask,
                                unsigned flags) noexcept {
  prep_rw(sqe, IORING_OP_POLL_REMOVE, -1, old_user_data, flags, new_user_data);
  sqe.poll32_events = detail::poll_mask(poll_mask);
}

// IORING_OP_EPOLL_CTL: epoll_ctl(2) on epfd; op in len, the target fd in off, ev in addr.
inline void prep_epoll_ctl(io_uring_sqe& sqe, int epfd, int fd, int op,
                           const epoll_event* ev) noexcept {
  prep_rw(sqe, IORING_OP_EPOLL_CTL, epfd, detail::addr_of(ev), static_cast<std::uint32_t>(op),
          static_cast<std::uint32_t>(fd));
}
RAWURING_FIXED_FILE_FORM(prep_epoll_ctl)

// IORING_OP_EPOLL_WAIT (6.15): epoll_wait(2) with no timeout, up to maxevents into events.
inline void prep_epoll_wait(io_uring_sqe& sqe, int fd, epoll_event* events, int maxevents,
                            unsigned flags) noexcept {
  prep_rw(sqe, IORING_OP_EPOLL_WAIT, fd, detail::addr_of(events),
          static_cast<std::uint32_t>(maxevents), 0);
  sqe.rw_flags = flags;
}
RAWURING_FIXED_FILE_FORM(prep_epoll_wait)

}  // namespace uring
