// The operations the benchmarks time, implemented once per library (rawuring_side.cpp,
// liburing_side.cpp). No io_uring type appears here on purpose: liburing 2.3 ships its own copy of
// the kernel's io_uring.h, which cannot share a translation unit with <linux/io_uring.h>.
//
// Every operation sets up what it needs (rings, threads, file tables) untimed, then returns the
// nanoseconds the timed part took for `n` units of work, or a negative errno when the library or
// the kernel refused something. Both sides follow the same steps with their own library's calls,
// so that a ratio compares libraries, not programs.
#pragma once

#include <string>

#include "harness.hpp"

namespace bench {

// Which io_uring_setup flags a NOP row uses.
enum class Setup {
  plain,      // flags 0, no registered ring fd, on both sides
  same_fast,  // SINGLE_ISSUER|DEFER_TASKRUN|TASKRUN_FLAG|SUBMIT_ALL + registered ring fd, both
  fastest,    // the fastest each library can do: same_fast, plus NO_SQARRAY for rawuring
  defaults,   // each library's default: Ring::create() against io_uring_queue_init(.., 0)
};

// How the two threads of a MSG_RING ping-pong wait and where they run.
enum class Ping {
  busy_cross,      // spin on the CQ ring, threads on two cores
  block_cross,     // submit_and_wait(1), threads on two cores
  block_one_core,  // submit_and_wait(1), both threads on one core
};

struct Side {
  const char* name;
  // io_uring_enter(GETEVENTS) with nothing to do, n times, on a plain ring.
  long (*enter_empty)(bool registered_fd, long n);
  // n rounds of: get `batch` SQEs, prep NOPs, submit_and_wait(batch), reap them, advance.
  long (*nop)(Setup setup, unsigned batch, long rounds);
  // n MSG_RING DATA round trips between two threads with plain rings of their own.
  long (*ping_pong)(Ping mode, long rounds);
  // n MSG_RING DATA messages, 32 per submit, into a plain or a DEFER_TASKRUN target ring.
  long (*one_way)(bool defer_target, long messages);
  // n MSG_RING SEND_FD with IORING_FILE_INDEX_ALLOC, 32 per submit; the target closes each slot.
  long (*send_fd)(bool defer_target, long fds);
  // n FILES_UPDATE SQEs of nr_fds each on a 1,024-slot sparse table, per_submit SQEs per enter.
  long (*files_update_sqe)(unsigned nr_fds, unsigned per_submit, long updates);
  // n io_uring_register(FILES_UPDATE) calls of nr_fds each on a 1,024-slot sparse table.
  long (*files_update_register)(unsigned nr_fds, long updates);
  // n 1-byte reads of /dev/zero, batch per submit_and_wait, through a registered slot or the fd.
  long (*read_one)(bool fixed, unsigned batch, long reads);
  // n 64-byte buffers filled by one multishot recv on loopback TCP through a 512-entry buffer
  // ring, recycled by id from each CQE; 256 buffers' worth per write (sockets.hpp).
  long (*recv_buf_ring)(long buffers);
  // n 4 KiB reads of a page-cached file, 32 per submit: READ_FIXED through registered buffers or
  // READ into the same memory unregistered.
  long (*read_4k)(bool fixed, long reads);
};

extern const Side rawuring_side;
#ifdef BENCH_HAVE_LIBURING
extern const Side liburing_side;
#endif

// The side to compare against, or nullptr when liburing was not found at configure time.
const Side* peer_side();

// Report::compare with f(side, n) run on rawuring and on liburing (when there is one).
template <class F>
const Row& compare(Report& rep, const std::string& scenario, Metric m, F f, long first_n,
                   double goal = 1.0) {
  const Side* peer = peer_side();
  return rep.compare(
      scenario, m, [f](long n) { return f(rawuring_side, n); },
      peer ? Op([f, peer](long n) { return f(*peer, n); }) : Op(), first_n, goal);
}

}  // namespace bench
