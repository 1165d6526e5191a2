// uringctl msg-ring [N]: two rings on two threads talk through IORING_OP_MSG_RING. The sender
// thread (its own ring) posts N DATA messages, one FLAGS_PASS message tagged with
// uring::message_flags(), and hands the receiver a pipe's write end with SEND_FD into a slot the
// receiver allocates; the receiver (a default single-thread ring, so DEFER_TASKRUN) writes through
// that slot and the main thread reads the pipe. Each side logs what it saw, printed after both
// are done so the output does not interleave.
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <initializer_list>
#include <thread>

#include "commands.hpp"
#include "uring/msg_ring.hpp"
#include "uring/prep.hpp"
#include "uring/register.hpp"
#include "uring/ring.hpp"

namespace uringctl {

namespace {

constexpr unsigned kMaxMessages = 1000;
// The target CQE's user_data tells the receiver what arrived, so the three kinds of message get
// disjoint ranges: DATA message i carries kDataBase + i, the FLAGS_PASS message kTaggedData, the
// SEND_FD reply kFdMessage. (The reply's tag was once 0xFD, which DATA message 93 also carried.)
constexpr std::uint64_t kDataBase = 0xa0;
constexpr std::uint64_t kTaggedData = 0xbbULL << 32;
constexpr std::uint64_t kFdMessage = 0xfdULL << 32;
static_assert(kDataBase + kMaxMessages <= kTaggedData && kTaggedData != kFdMessage);
constexpr std::uint8_t kWakeKind = 7;  // message_kind of the tagged message

// A fixed-size log, so the demonstration needs no allocation and each thread writes its own. Sized
// for kMaxMessages lines of at most kLine bytes and a few more; a line that does not fit marks the
// log truncated, which fails the command.
struct Log {
  static constexpr std::size_t kLine = 128;
  char text[(kMaxMessages + 16) * kLine];
  std::size_t used = 0;
  bool truncated = false;
  void add(const char* fmt, ...) __attribute__((format(printf, 2, 3))) {
    va_list ap;
    va_start(ap, fmt);
    const int n = std::vsnprintf(text + used, sizeof text - used, fmt, ap);
    va_end(ap);
    if (n < 0 || static_cast<std::size_t>(n) >= sizeof text - used) {
      truncated = true;
      return;  // vsnprintf left a partial line in the unused part; `used` excludes it
    }
    used += static_cast<std::size_t>(n);
  }
};

struct Shared {
  int target_fd = -1;
  int pipe_write = -1;
  unsigned count = 0;
  uring::MsgRingSupport support;
  Log log;
  bool ok = false;
};

// Queues, submits and waits for one source CQE; logs it. Returns its res (or the error).
int one(uring::Ring& ring, Log& log, const char* what, uring::Result<io_uring_sqe*> sqe) {
  if (!sqe) {
    log.add("sender:   %s: not queued: %s\n", what, std::strerror(-sqe.error()));
    return sqe.error();
  }
  if (const int r = ring.submit(); r < 0) return r;
  io_uring_cqe* cqe = nullptr;
  __kernel_timespec ts{2, 0};
  if (const int r = ring.wait_cqe(&cqe, &ts); r < 0) return r;
  const int res = uring::send_result(*cqe);
  log.add("sender:   %s -> own CQE res=%d%s%s\n", what, res, res < 0 ? " " : "",
          res < 0 ? std::strerror(-res) : "");
  ring.cqe_seen();
  return res;
}

void sender(Shared& s) {
  auto ring = uring::Ring::create();  // created, used and destroyed on this thread
  if (!ring) {
    s.log.add("sender:   ring: %s\n", std::strerror(-ring.error()));
    return;
  }
  uring::MsgSender tx(*ring, s.support);
  char what[96];
  for (unsigned i = 0; i < s.count; ++i) {
    std::snprintf(what, sizeof what, "DATA len=%u data=0x%llx", 100 + i,
                  static_cast<unsigned long long>(kDataBase + i));
    if (one(*ring, s.log, what, tx.send(s.target_fd, 100 + i, kDataBase + i, i)) != 0) return;
  }
  if (s.support.flags_pass) {
    std::snprintf(what, sizeof what, "DATA+FLAGS_PASS flags=0x%08x (tag, kind %u)",
                  uring::message_flags(kWakeKind), kWakeKind);
    if (one(*ring, s.log, what,
            tx.send_with_flags(s.target_fd, 1, kTaggedData, uring::message_flags(kWakeKind),
                               0x100)) != 0)
      return;
  } else {
    s.log.add("sender:   FLAGS_PASS: this kernel lacks it (6.3+), skipped\n");
  }
  const int fds[] = {s.pipe_write};
  if (const int r = uring::register_files(*ring, fds); r < 0) {
    s.log.add("sender:   register_files: %s\n", std::strerror(-r));
    return;
  }
  const int slot = one(*ring, s.log, "SEND_FD own slot 0 -> receiver, ALLOC",
                       tx.send_fd_alloc(s.target_fd, uring::FixedFile(0), kFdMessage, 0x200));
  if (slot < 0) return;
  s.log.add("sender:   the receiver allocated slot %d; my slot 0 still holds the pipe\n", slot);
  s.ok = true;
}

// Receives `expected` messages (or gives up after 2 s of silence). Returns the slot the SEND_FD
// message reported, or -errno; *wrong counts messages that were not one of the `count` DATA
// messages (each once), the tagged one or the SEND_FD reply. Messages are logged in the order they
// reached the CQ: to a DEFER_TASKRUN receiver a SEND_FD can overtake DATA sent before it
// (docs/msg-ring.md).
int receive(uring::Ring& ring, Log& log, unsigned count, unsigned expected, unsigned* wrong) {
  int slot = -ENOENT;
  bool seen[kMaxMessages] = {};
  for (unsigned got = 0; got < expected; ++got) {
    io_uring_cqe* cqe = nullptr;
    __kernel_timespec ts{2, 0};
    if (const int r = ring.wait_cqe(&cqe, &ts); r < 0) {
      log.add("receiver: wait: %s\n", std::strerror(-r));
      return r;
    }
    const io_uring_cqe c = *cqe;
    ring.cqe_seen();
    if (uring::is_message(c)) {
      log.add("receiver: tagged message kind=%u user_data=0x%llx len=%u flags=0x%08x\n",
              uring::message_kind(c), static_cast<unsigned long long>(c.user_data),
              uring::message_len(c), c.flags);
    } else if (c.user_data == kFdMessage) {
      auto s = uring::allocated_slot(c);
      if (!s) return s.error();
      log.add("receiver: SEND_FD user_data=0x%llx res=%d -> descriptor in slot %u\n",
              static_cast<unsigned long long>(c.user_data), c.res, s->index());
      slot = static_cast<int>(s->index());
    } else {
      log.add("receiver: message user_data=0x%llx len=%u flags=0x%x\n",
              static_cast<unsigned long long>(c.user_data), uring::message_len(c), c.flags);
      const std::uint64_t i = c.user_data - kDataBase;  // wraps for user_data below the range
      if (i >= count || seen[i] || uring::message_len(c) != 100 + i) {
        log.add("receiver: ^ not one of the messages sent, or a second copy\n");
        ++*wrong;
      } else {
        seen[i] = true;
      }
    }
  }
  return slot;
}

int write_fixed(uring::Ring& ring, uring::FixedFile slot, const char* text) {
  io_uring_sqe* sqe = ring.get_sqe();
  if (!sqe) return -EBUSY;
  uring::prep_write(*sqe, static_cast<int>(slot.index()), text,
                    static_cast<unsigned>(std::strlen(text)), ~0ULL);
  sqe->flags |= IOSQE_FIXED_FILE;
  sqe->user_data = 1;
  if (const int r = ring.submit(); r < 0) return r;
  io_uring_cqe* cqe = nullptr;
  if (const int r = ring.wait_cqe(&cqe); r < 0) return r;
  const int res = cqe->res;
  ring.cqe_seen();
  return res;
}

bool parse_count(const char* arg, unsigned* out) {
  char* end = nullptr;
  errno = 0;
  const unsigned long v = std::strtoul(arg, &end, 10);
  if (errno || end == arg || *end || arg[0] == '-' || v < 1 || v > kMaxMessages) return false;
  *out = static_cast<unsigned>(v);
  return true;
}

// Writes both logs and the exit status's share of the output. Every write and the flush are
// checked: output that did not reach stdout (a full disk, a closed pipe) fails the command, with
// one line on stderr.
int print(const Log& sender_log, const Log& receiver_log) {
  for (const Log* log : {&sender_log, &receiver_log}) {
    if (std::fwrite(log->text, 1, log->used, stdout) != log->used) break;
  }
  if (std::fflush(stdout) != 0 || std::ferror(stdout)) {
    std::fprintf(stderr, "uringctl msg-ring: writing the output: %s\n", std::strerror(errno));
    return 1;
  }
  if (sender_log.truncated || receiver_log.truncated) {
    std::fprintf(stderr, "uringctl msg-ring: the log did not fit its buffer\n");
    return 1;
  }
  return 0;
}

}  // namespace

int msg_ring(int argc, char** argv) {
  // Static: each log holds up to kMaxMessages lines (about 130 KiB), too much for a stack frame.
  static Shared s;
  static Log log;
  s.count = 3;
  if (argc > 1 || (argc == 1 && !parse_count(argv[0], &s.count))) {
    std::fprintf(stderr, "uringctl msg-ring: usage: uringctl msg-ring [N], N from 1 to %u\n",
                 kMaxMessages);
    return 2;
  }
  auto support = uring::msg_ring_support();
  if (!support || !support->send_fd) {
    std::fprintf(stderr, "uringctl msg-ring: %s\n",
                 !support ? std::strerror(-support.error())
                          : "this kernel lacks MSG_RING SEND_FD (needs 6.0)");
    return 1;
  }
  s.support = *support;

  auto ring = uring::Ring::create();  // the receiver: this thread's default ring
  int pipefd[2];
  if (!ring || ::pipe(pipefd) != 0) {
    std::fprintf(stderr, "uringctl msg-ring: setup failed: %s\n",
                 std::strerror(!ring ? -ring.error() : errno));
    return 1;
  }
  // The receiver's table: 4 empty slots, ALLOC picks from [2, 4).
  if (uring::register_files_sparse(*ring, 4) < 0 ||
      uring::register_file_alloc_range(*ring, 2, 2) < 0) {
    std::fprintf(stderr, "uringctl msg-ring: could not register the receiver's file table\n");
    return 1;
  }
  s.target_fd = ring->fd();
  s.pipe_write = pipefd[1];
  std::printf("receiver ring fd %d (flags 0x%x%s), sender on its own thread\n", ring->fd(),
              ring->flags(), ring->flags() & IORING_SETUP_DEFER_TASKRUN ? ": DEFER_TASKRUN" : "");

  std::thread t(sender, std::ref(s));
  unsigned wrong = 0;
  const int slot =
      receive(*ring, log, s.count, s.count + (s.support.flags_pass ? 1 : 0) + 1, &wrong);
  t.join();
  int status = s.ok && slot >= 0 && wrong == 0 ? 0 : 1;
  if (slot >= 0) {
    const char* text = "written by the receiver through its fixed slot";
    const int w = write_fixed(*ring, uring::FixedFile(static_cast<unsigned>(slot)), text);
    log.add("receiver: write via slot %d (IOSQE_FIXED_FILE) -> res=%d\n", slot, w);
    char buf[128] = {};
    const ssize_t n = w > 0 ? ::read(pipefd[0], buf, sizeof buf - 1) : -1;
    log.add("main:     read from the pipe: \"%s\"\n", n > 0 ? buf : "");
    if (w <= 0 || n != w) status = 1;
  }
  ::close(pipefd[0]);
  ::close(pipefd[1]);
  if (print(s.log, log) != 0) return 1;
  return status;
}

}  // namespace uringctl
