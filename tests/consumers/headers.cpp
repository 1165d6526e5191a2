// Every public header as a consumer includes it, with the inline code that a consumer's own build
// compiles (the SQPOLL wake-up fence, FilesUpdate, lint) instantiated here, so that the consumers
// suite can compile it under a consumer's strictest flags: -Wall -Wextra -Wpedantic -Wconversion
// -Wsign-conversion -Wshadow -Werror with g++ and clang++, and with -fsanitize=thread.
#include <rawuring/syscalls/abi.hpp>
#include <rawuring/syscalls/syscalls.hpp>
#include <rawuring/uring/audit.hpp>
#include <rawuring/uring/completion.hpp>
#include <rawuring/uring/files_update.hpp>
#include <rawuring/uring/msg_ring.hpp>
#include <rawuring/uring/prep.hpp>
#include <rawuring/uring/register.hpp>
#include <rawuring/uring/result.hpp>
#include <rawuring/uring/ring.hpp>
#include <rawuring/uring/submission.hpp>
#include <rawuring/uring/uring.hpp>

// Taking the address makes the compiler emit the inline function, fence included.
bool (uring::SubmissionQueue::*needs_wakeup)() const noexcept =
    &uring::SubmissionQueue::needs_wakeup;

int lint_a_nop(uring::Ring& ring, uring::FilesUpdate<4>& update, std::span<const int> fds) {
  io_uring_sqe* sqe = ring.get_sqe();
  if (!sqe) return -EBUSY;
  uring::prep_nop(*sqe);
  const uring::LintReport report = uring::lint(*sqe);
  if (report.expected_error() != 0) return report.expected_error();
  sqe = ring.get_sqe();
  if (!sqe) return -EBUSY;
  if (const int ret = update.prepare_alloc(*sqe, fds); ret < 0) return ret;
  io_uring_cqe* cqe = nullptr;
  if (const int ret = ring.wait_cqe(&cqe); ret < 0) return ret;
  return update.complete(cqe->res).error();
}
