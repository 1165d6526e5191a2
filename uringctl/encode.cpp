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

#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>

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

constexpr int kMaxArgs = 6;  // splice, sendto, cmd_sock, readv_fixed ...

struct Op {
  const char* name;
  const char* args;  // usage
  Kind kinds[kMaxArgs];
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
// One row per prep function (liburing's name without io_uring_prep_), in opcode order: its
// arguments' usage, how each is parsed, and the call. Pointer arguments are numbers.
constexpr Op kOps[] = {
    {"nop", "", {}, 0, [](io_uring_sqe& s, const std::uint64_t* /*a*/) { uring::prep_nop(s); }},
    {"readv",
     "<fd> <iovecs> <nr_vecs> <offset>",
     {K::i32, K::u64, K::u32, K::u64},
     4,
     [](io_uring_sqe& s, const std::uint64_t* a) {
       uring::prep_readv(s, i32(a[0]), ptr<const iovec>(a[1]), u32(a[2]), a[3]);
     }},
    {"readv2",
     "<fd> <iovecs> <nr_vecs> <offset> <flags>",
     {K::i32, K::u64, K::u32, K::u64, K::i32},
     5,
     [](io_uring_sqe& s, const std::uint64_t* a) {
       uring::prep_readv2(s, i32(a[0]), ptr<const iovec>(a[1]), u32(a[2]), a[3], i32(a[4]));
     }},
    {"writev",
     "<fd> <iovecs> <nr_vecs> <offset>",
     {K::i32, K::u64, K::u32, K::u64},
     4,
     [](io_uring_sqe& s, const std::uint64_t* a) {
       uring::prep_writev(s, i32(a[0]), ptr<const iovec>(a[1]), u32(a[2]), a[3]);
     }},
    {"writev2",
     "<fd> <iovecs> <nr_vecs> <offset> <flags>",
     {K::i32, K::u64, K::u32, K::u64, K::i32},
     5,
     [](io_uring_sqe& s, const std::uint64_t* a) {
       uring::prep_writev2(s, i32(a[0]), ptr<const iovec>(a[1]), u32(a[2]), a[3], i32(a[4]));
     }},
    {"fsync",
     "<fd> <fsync_flags>",
     {K::i32, K::u32},
     2,
     [](io_uring_sqe& s, const std::uint64_t* a) { uring::prep_fsync(s, i32(a[0]), u32(a[1])); }},
    {"read_fixed",
     "<fd> <buf> <nbytes> <offset> <buf_index>",
     {K::i32, K::u64, K::u32, K::u64, K::i32},
     5,
     [](io_uring_sqe& s, const std::uint64_t* a) {
       uring::prep_read_fixed(s, i32(a[0]), ptr<void>(a[1]), u32(a[2]), a[3], i32(a[4]));
     }},
    {"write_fixed",
     "<fd> <buf> <nbytes> <offset> <buf_index>",
     {K::i32, K::u64, K::u32, K::u64, K::i32},
     5,
     [](io_uring_sqe& s, const std::uint64_t* a) {
       uring::prep_write_fixed(s, i32(a[0]), ptr<const void>(a[1]), u32(a[2]), a[3], i32(a[4]));
     }},
    {"poll_add",
     "<fd> <poll_mask>",
     {K::i32, K::u32},
     2,
     [](io_uring_sqe& s, const std::uint64_t* a) {
       uring::prep_poll_add(s, i32(a[0]), u32(a[1]));
     }},
    {"poll_multishot",
     "<fd> <poll_mask>",
     {K::i32, K::u32},
     2,
     [](io_uring_sqe& s, const std::uint64_t* a) {
       uring::prep_poll_multishot(s, i32(a[0]), u32(a[1]));
     }},
    {"poll_remove",
     "<user_data>",
     {K::u64},
     1,
     [](io_uring_sqe& s, const std::uint64_t* a) { uring::prep_poll_remove(s, a[0]); }},
    {"poll_update",
     "<old_user_data> <new_user_data> <poll_mask> <flags>",
     {K::u64, K::u64, K::u32, K::u32},
     4,
     [](io_uring_sqe& s, const std::uint64_t* a) {
       uring::prep_poll_update(s, a[0], a[1], u32(a[2]), u32(a[3]));
     }},
    {"sync_file_range",
     "<fd> <len> <offset> <flags>",
     {K::i32, K::u32, K::u64, K::i32},
     4,
     [](io_uring_sqe& s, const std::uint64_t* a) {
       uring::prep_sync_file_range(s, i32(a[0]), u32(a[1]), a[2], i32(a[3]));
     }},
    {"sendmsg",
     "<fd> <msg> <flags>",
     {K::i32, K::u64, K::u32},
     3,
     [](io_uring_sqe& s, const std::uint64_t* a) {
       uring::prep_sendmsg(s, i32(a[0]), ptr<const msghdr>(a[1]), u32(a[2]));
     }},
    {"recvmsg",
     "<fd> <msg> <flags>",
     {K::i32, K::u64, K::u32},
     3,
     [](io_uring_sqe& s, const std::uint64_t* a) {
       uring::prep_recvmsg(s, i32(a[0]), ptr<msghdr>(a[1]), u32(a[2]));
     }},
    {"recvmsg_multishot",
     "<fd> <msg> <flags>",
     {K::i32, K::u64, K::u32},
     3,
     [](io_uring_sqe& s, const std::uint64_t* a) {
       uring::prep_recvmsg_multishot(s, i32(a[0]), ptr<msghdr>(a[1]), u32(a[2]));
     }},
    {"timeout",
     "<ts> <count> <flags>",
     {K::u64, K::u32, K::u32},
     3,
     [](io_uring_sqe& s, const std::uint64_t* a) {
       uring::prep_timeout(s, ptr<const __kernel_timespec>(a[0]), u32(a[1]), u32(a[2]));
     }},
    {"timeout_remove",
     "<user_data> <flags>",
     {K::u64, K::u32},
     2,
     [](io_uring_sqe& s, const std::uint64_t* a) {
       uring::prep_timeout_remove(s, a[0], u32(a[1]));
     }},
    {"timeout_update",
     "<ts> <user_data> <flags>",
     {K::u64, K::u64, K::u32},
     3,
     [](io_uring_sqe& s, const std::uint64_t* a) {
       uring::prep_timeout_update(s, ptr<const __kernel_timespec>(a[0]), a[1], u32(a[2]));
     }},
    {"accept",
     "<fd> <addr> <addrlen> <flags>",
     {K::i32, K::u64, K::u64, K::i32},
     4,
     [](io_uring_sqe& s, const std::uint64_t* a) {
       uring::prep_accept(s, i32(a[0]), ptr<sockaddr>(a[1]), ptr<socklen_t>(a[2]), i32(a[3]));
     }},
    {"accept_direct",
     "<fd> <addr> <addrlen> <flags> <file_index>",
     {K::i32, K::u64, K::u64, K::i32, K::u32},
     5,
     [](io_uring_sqe& s, const std::uint64_t* a) {
       uring::prep_accept_direct(s, i32(a[0]), ptr<sockaddr>(a[1]), ptr<socklen_t>(a[2]), i32(a[3]),
                                 u32(a[4]));
     }},
    {"multishot_accept",
     "<fd> <addr> <addrlen> <flags>",
     {K::i32, K::u64, K::u64, K::i32},
     4,
     [](io_uring_sqe& s, const std::uint64_t* a) {
       uring::prep_multishot_accept(s, i32(a[0]), ptr<sockaddr>(a[1]), ptr<socklen_t>(a[2]),
                                    i32(a[3]));
     }},
    {"multishot_accept_direct",
     "<fd> <addr> <addrlen> <flags>",
     {K::i32, K::u64, K::u64, K::i32},
     4,
     [](io_uring_sqe& s, const std::uint64_t* a) {
       uring::prep_multishot_accept_direct(s, i32(a[0]), ptr<sockaddr>(a[1]), ptr<socklen_t>(a[2]),
                                           i32(a[3]));
     }},
    {"cancel64",
     "<user_data> <flags>",
     {K::u64, K::i32},
     2,
     [](io_uring_sqe& s, const std::uint64_t* a) { uring::prep_cancel64(s, a[0], i32(a[1])); }},
    {"cancel",
     "<user_data> <flags>",
     {K::u64, K::i32},
     2,
     [](io_uring_sqe& s, const std::uint64_t* a) {
       uring::prep_cancel(s, ptr<const void>(a[0]), i32(a[1]));
     }},
    {"cancel_fd",
     "<fd> <flags>",
     {K::i32, K::u32},
     2,
     [](io_uring_sqe& s, const std::uint64_t* a) {
       uring::prep_cancel_fd(s, i32(a[0]), u32(a[1]));
     }},
    {"link_timeout",
     "<ts> <flags>",
     {K::u64, K::u32},
     2,
     [](io_uring_sqe& s, const std::uint64_t* a) {
       uring::prep_link_timeout(s, ptr<const __kernel_timespec>(a[0]), u32(a[1]));
     }},
    {"connect",
     "<fd> <addr> <addrlen>",
     {K::i32, K::u64, K::u32},
     3,
     [](io_uring_sqe& s, const std::uint64_t* a) {
       uring::prep_connect(s, i32(a[0]), ptr<const sockaddr>(a[1]), u32(a[2]));
     }},
    {"fallocate",
     "<fd> <mode> <offset> <len>",
     {K::i32, K::i32, K::u64, K::u64},
     4,
     [](io_uring_sqe& s, const std::uint64_t* a) {
       uring::prep_fallocate(s, i32(a[0]), i32(a[1]), a[2], a[3]);
     }},
    {"openat",
     "<dfd> <path> <flags> <mode>",
     {K::i32, K::u64, K::i32, K::u32},
     4,
     [](io_uring_sqe& s, const std::uint64_t* a) {
       uring::prep_openat(s, i32(a[0]), ptr<const char>(a[1]), i32(a[2]),
                          static_cast<mode_t>(u32(a[3])));
     }},
    {"openat_direct",
     "<dfd> <path> <flags> <mode> <file_index>",
     {K::i32, K::u64, K::i32, K::u32, K::u32},
     5,
     [](io_uring_sqe& s, const std::uint64_t* a) {
       uring::prep_openat_direct(s, i32(a[0]), ptr<const char>(a[1]), i32(a[2]),
                                 static_cast<mode_t>(u32(a[3])), u32(a[4]));
     }},
    {"open",
     "<path> <flags> <mode>",
     {K::u64, K::i32, K::u32},
     3,
     [](io_uring_sqe& s, const std::uint64_t* a) {
       uring::prep_open(s, ptr<const char>(a[0]), i32(a[1]), static_cast<mode_t>(u32(a[2])));
     }},
    {"open_direct",
     "<path> <flags> <mode> <file_index>",
     {K::u64, K::i32, K::u32, K::u32},
     4,
     [](io_uring_sqe& s, const std::uint64_t* a) {
       uring::prep_open_direct(s, ptr<const char>(a[0]), i32(a[1]), static_cast<mode_t>(u32(a[2])),
                               u32(a[3]));
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
    {"files_update",
     "<fds> <nr_fds> <offset>",
     {K::u64, K::u32, K::i32},
     3,
     [](io_uring_sqe& s, const std::uint64_t* a) {
       uring::prep_files_update(s, ptr<int>(a[0]), u32(a[1]), i32(a[2]));
     }},
    {"statx",
     "<dfd> <path> <flags> <mask> <statxbuf>",
     {K::i32, K::u64, K::i32, K::u32, K::u64},
     5,
     [](io_uring_sqe& s, const std::uint64_t* a) {
       uring::prep_statx(s, i32(a[0]), ptr<const char>(a[1]), i32(a[2]), u32(a[3]),
                         ptr<struct statx>(a[4]));
     }},
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
    {"fadvise",
     "<fd> <offset> <len> <advice>",
     {K::i32, K::u64, K::u32, K::i32},
     4,
     [](io_uring_sqe& s, const std::uint64_t* a) {
       uring::prep_fadvise(s, i32(a[0]), a[1], u32(a[2]), i32(a[3]));
     }},
    {"fadvise64",
     "<fd> <offset> <len> <advice>",
     {K::i32, K::u64, K::u64, K::i32},
     4,
     [](io_uring_sqe& s, const std::uint64_t* a) {
       uring::prep_fadvise64(s, i32(a[0]), a[1], static_cast<off_t>(a[2]), i32(a[3]));
     }},
    {"madvise",
     "<addr> <length> <advice>",
     {K::u64, K::u32, K::i32},
     3,
     [](io_uring_sqe& s, const std::uint64_t* a) {
       uring::prep_madvise(s, ptr<void>(a[0]), u32(a[1]), i32(a[2]));
     }},
    {"madvise64",
     "<addr> <length> <advice>",
     {K::u64, K::u64, K::i32},
     3,
     [](io_uring_sqe& s, const std::uint64_t* a) {
       uring::prep_madvise64(s, ptr<void>(a[0]), static_cast<off_t>(a[1]), i32(a[2]));
     }},
    {"send",
     "<sockfd> <buf> <len> <flags>",
     {K::i32, K::u64, K::u64, K::i32},
     4,
     [](io_uring_sqe& s, const std::uint64_t* a) {
       uring::prep_send(s, i32(a[0]), ptr<const void>(a[1]), static_cast<std::size_t>(a[2]),
                        i32(a[3]));
     }},
    {"send_bundle",
     "<sockfd> <len> <flags>",
     {K::i32, K::u64, K::i32},
     3,
     [](io_uring_sqe& s, const std::uint64_t* a) {
       uring::prep_send_bundle(s, i32(a[0]), static_cast<std::size_t>(a[1]), i32(a[2]));
     }},
    {"sendto",
     "<sockfd> <buf> <len> <flags> <addr> <addrlen>",
     {K::i32, K::u64, K::u64, K::i32, K::u64, K::u32},
     6,
     [](io_uring_sqe& s, const std::uint64_t* a) {
       uring::prep_sendto(s, i32(a[0]), ptr<const void>(a[1]), static_cast<std::size_t>(a[2]),
                          i32(a[3]), ptr<const sockaddr>(a[4]), u32(a[5]));
     }},
    {"recv",
     "<sockfd> <buf> <len> <flags>",
     {K::i32, K::u64, K::u64, K::i32},
     4,
     [](io_uring_sqe& s, const std::uint64_t* a) {
       uring::prep_recv(s, i32(a[0]), ptr<void>(a[1]), static_cast<std::size_t>(a[2]), i32(a[3]));
     }},
    {"recv_multishot",
     "<sockfd> <buf> <len> <flags>",
     {K::i32, K::u64, K::u64, K::i32},
     4,
     [](io_uring_sqe& s, const std::uint64_t* a) {
       uring::prep_recv_multishot(s, i32(a[0]), ptr<void>(a[1]), static_cast<std::size_t>(a[2]),
                                  i32(a[3]));
     }},
    {"openat2",
     "<dfd> <path> <how>",
     {K::i32, K::u64, K::u64},
     3,
     [](io_uring_sqe& s, const std::uint64_t* a) {
       uring::prep_openat2(s, i32(a[0]), ptr<const char>(a[1]), ptr<const open_how>(a[2]));
     }},
    {"openat2_direct",
     "<dfd> <path> <how> <file_index>",
     {K::i32, K::u64, K::u64, K::u32},
     4,
     [](io_uring_sqe& s, const std::uint64_t* a) {
       uring::prep_openat2_direct(s, i32(a[0]), ptr<const char>(a[1]), ptr<const open_how>(a[2]),
                                  u32(a[3]));
     }},
    {"epoll_ctl",
     "<epfd> <fd> <op> <ev>",
     {K::i32, K::i32, K::i32, K::u64},
     4,
     [](io_uring_sqe& s, const std::uint64_t* a) {
       uring::prep_epoll_ctl(s, i32(a[0]), i32(a[1]), i32(a[2]), ptr<const epoll_event>(a[3]));
     }},
    {"splice",
     "<fd_in> <off_in> <fd_out> <off_out> <nbytes> <splice_flags>",
     {K::i32, K::u64, K::i32, K::u64, K::u32, K::u32},
     6,
     [](io_uring_sqe& s, const std::uint64_t* a) {
       uring::prep_splice(s, i32(a[0]), static_cast<std::int64_t>(a[1]), i32(a[2]),
                          static_cast<std::int64_t>(a[3]), u32(a[4]), u32(a[5]));
     }},
    {"provide_buffers",
     "<addr> <len> <nr> <bgid> <bid>",
     {K::u64, K::i32, K::i32, K::i32, K::i32},
     5,
     [](io_uring_sqe& s, const std::uint64_t* a) {
       uring::prep_provide_buffers(s, ptr<void>(a[0]), i32(a[1]), i32(a[2]), i32(a[3]), i32(a[4]));
     }},
    {"remove_buffers",
     "<nr> <bgid>",
     {K::i32, K::i32},
     2,
     [](io_uring_sqe& s, const std::uint64_t* a) {
       uring::prep_remove_buffers(s, i32(a[0]), i32(a[1]));
     }},
    {"tee",
     "<fd_in> <fd_out> <nbytes> <splice_flags>",
     {K::i32, K::i32, K::u32, K::u32},
     4,
     [](io_uring_sqe& s, const std::uint64_t* a) {
       uring::prep_tee(s, i32(a[0]), i32(a[1]), u32(a[2]), u32(a[3]));
     }},
    {"shutdown",
     "<fd> <how>",
     {K::i32, K::i32},
     2,
     [](io_uring_sqe& s,
        const std::uint64_t* a) { uring::prep_shutdown(s, i32(a[0]), i32(a[1])); }},
    {"renameat",
     "<olddfd> <oldpath> <newdfd> <newpath> <flags>",
     {K::i32, K::u64, K::i32, K::u64, K::u32},
     5,
     [](io_uring_sqe& s, const std::uint64_t* a) {
       uring::prep_renameat(s, i32(a[0]), ptr<const char>(a[1]), i32(a[2]), ptr<const char>(a[3]),
                            u32(a[4]));
     }},
    {"rename",
     "<oldpath> <newpath>",
     {K::u64, K::u64},
     2,
     [](io_uring_sqe& s, const std::uint64_t* a) {
       uring::prep_rename(s, ptr<const char>(a[0]), ptr<const char>(a[1]));
     }},
    {"unlinkat",
     "<dfd> <path> <flags>",
     {K::i32, K::u64, K::i32},
     3,
     [](io_uring_sqe& s, const std::uint64_t* a) {
       uring::prep_unlinkat(s, i32(a[0]), ptr<const char>(a[1]), i32(a[2]));
     }},
    {"unlink",
     "<path> <flags>",
     {K::u64, K::i32},
     2,
     [](io_uring_sqe& s,
        const std::uint64_t* a) { uring::prep_unlink(s, ptr<const char>(a[0]), i32(a[1])); }},
    {"mkdirat",
     "<dfd> <path> <mode>",
     {K::i32, K::u64, K::u32},
     3,
     [](io_uring_sqe& s, const std::uint64_t* a) {
       uring::prep_mkdirat(s, i32(a[0]), ptr<const char>(a[1]), static_cast<mode_t>(u32(a[2])));
     }},
    {"mkdir",
     "<path> <mode>",
     {K::u64, K::u32},
     2,
     [](io_uring_sqe& s,
        const std::uint64_t*
            a) { uring::prep_mkdir(s, ptr<const char>(a[0]), static_cast<mode_t>(u32(a[1]))); }},
    {"symlinkat",
     "<target> <newdirfd> <linkpath>",
     {K::u64, K::i32, K::u64},
     3,
     [](io_uring_sqe& s, const std::uint64_t* a) {
       uring::prep_symlinkat(s, ptr<const char>(a[0]), i32(a[1]), ptr<const char>(a[2]));
     }},
    {"symlink",
     "<target> <linkpath>",
     {K::u64, K::u64},
     2,
     [](io_uring_sqe& s, const std::uint64_t* a) {
       uring::prep_symlink(s, ptr<const char>(a[0]), ptr<const char>(a[1]));
     }},
    {"linkat",
     "<olddfd> <oldpath> <newdfd> <newpath> <flags>",
     {K::i32, K::u64, K::i32, K::u64, K::i32},
     5,
     [](io_uring_sqe& s, const std::uint64_t* a) {
       uring::prep_linkat(s, i32(a[0]), ptr<const char>(a[1]), i32(a[2]), ptr<const char>(a[3]),
                          i32(a[4]));
     }},
    {"link",
     "<oldpath> <newpath> <flags>",
     {K::u64, K::u64, K::i32},
     3,
     [](io_uring_sqe& s, const std::uint64_t* a) {
       uring::prep_link(s, ptr<const char>(a[0]), ptr<const char>(a[1]), i32(a[2]));
     }},
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
    {"fsetxattr",
     "<fd> <name> <value> <flags> <len>",
     {K::i32, K::u64, K::u64, K::i32, K::u32},
     5,
     [](io_uring_sqe& s, const std::uint64_t* a) {
       uring::prep_fsetxattr(s, i32(a[0]), ptr<const char>(a[1]), ptr<const char>(a[2]), i32(a[3]),
                             u32(a[4]));
     }},
    {"setxattr",
     "<name> <value> <path> <flags> <len>",
     {K::u64, K::u64, K::u64, K::i32, K::u32},
     5,
     [](io_uring_sqe& s, const std::uint64_t* a) {
       uring::prep_setxattr(s, ptr<const char>(a[0]), ptr<const char>(a[1]), ptr<const char>(a[2]),
                            i32(a[3]), u32(a[4]));
     }},
    {"fgetxattr",
     "<fd> <name> <value> <len>",
     {K::i32, K::u64, K::u64, K::u32},
     4,
     [](io_uring_sqe& s, const std::uint64_t* a) {
       uring::prep_fgetxattr(s, i32(a[0]), ptr<const char>(a[1]), ptr<char>(a[2]), u32(a[3]));
     }},
    {"getxattr",
     "<name> <value> <path> <len>",
     {K::u64, K::u64, K::u64, K::u32},
     4,
     [](io_uring_sqe& s, const std::uint64_t* a) {
       uring::prep_getxattr(s, ptr<const char>(a[0]), ptr<char>(a[1]), ptr<const char>(a[2]),
                            u32(a[3]));
     }},
    {"socket",
     "<domain> <type> <protocol> <flags>",
     {K::i32, K::i32, K::i32, K::u32},
     4,
     [](io_uring_sqe& s, const std::uint64_t* a) {
       uring::prep_socket(s, i32(a[0]), i32(a[1]), i32(a[2]), u32(a[3]));
     }},
    {"socket_direct",
     "<domain> <type> <protocol> <file_index> <flags>",
     {K::i32, K::i32, K::i32, K::u32, K::u32},
     5,
     [](io_uring_sqe& s, const std::uint64_t* a) {
       uring::prep_socket_direct(s, i32(a[0]), i32(a[1]), i32(a[2]), u32(a[3]), u32(a[4]));
     }},
    {"socket_direct_alloc",
     "<domain> <type> <protocol> <flags>",
     {K::i32, K::i32, K::i32, K::u32},
     4,
     [](io_uring_sqe& s, const std::uint64_t* a) {
       uring::prep_socket_direct_alloc(s, i32(a[0]), i32(a[1]), i32(a[2]), u32(a[3]));
     }},
    {"uring_cmd",
     "<cmd_op> <fd>",
     {K::i32, K::i32},
     2,
     [](io_uring_sqe& s, const std::uint64_t* a) {
       uring::prep_uring_cmd(s, i32(a[0]), i32(a[1]));
     }},
    {"cmd_sock",
     "<cmd_op> <fd> <level> <optname> <optval> <optlen>",
     {K::i32, K::i32, K::i32, K::i32, K::u64, K::i32},
     6,
     [](io_uring_sqe& s, const std::uint64_t* a) {
       uring::prep_cmd_sock(s, i32(a[0]), i32(a[1]), i32(a[2]), i32(a[3]), ptr<void>(a[4]),
                            i32(a[5]));
     }},
    {"cmd_discard",
     "<fd> <offset> <nbytes>",
     {K::i32, K::u64, K::u64},
     3,
     [](io_uring_sqe& s, const std::uint64_t* a) {
       uring::prep_cmd_discard(s, i32(a[0]), a[1], a[2]);
     }},
    {"send_zc",
     "<sockfd> <buf> <len> <flags> <zc_flags>",
     {K::i32, K::u64, K::u64, K::i32, K::u32},
     5,
     [](io_uring_sqe& s, const std::uint64_t* a) {
       uring::prep_send_zc(s, i32(a[0]), ptr<const void>(a[1]), static_cast<std::size_t>(a[2]),
                           i32(a[3]), u32(a[4]));
     }},
    {"send_zc_fixed",
     "<sockfd> <buf> <len> <flags> <zc_flags> <buf_index>",
     {K::i32, K::u64, K::u64, K::i32, K::u32, K::u32},
     6,
     [](io_uring_sqe& s, const std::uint64_t* a) {
       uring::prep_send_zc_fixed(s, i32(a[0]), ptr<const void>(a[1]),
                                 static_cast<std::size_t>(a[2]), i32(a[3]), u32(a[4]), u32(a[5]));
     }},
    {"sendmsg_zc",
     "<fd> <msg> <flags>",
     {K::i32, K::u64, K::u32},
     3,
     [](io_uring_sqe& s, const std::uint64_t* a) {
       uring::prep_sendmsg_zc(s, i32(a[0]), ptr<const msghdr>(a[1]), u32(a[2]));
     }},
    {"sendmsg_zc_fixed",
     "<fd> <msg> <flags> <buf_index>",
     {K::i32, K::u64, K::u32, K::u32},
     4,
     [](io_uring_sqe& s, const std::uint64_t* a) {
       uring::prep_sendmsg_zc_fixed(s, i32(a[0]), ptr<const msghdr>(a[1]), u32(a[2]), u32(a[3]));
     }},
    {"read_multishot",
     "<fd> <nbytes> <offset> <buf_group>",
     {K::i32, K::u32, K::u64, K::i32},
     4,
     [](io_uring_sqe& s, const std::uint64_t* a) {
       uring::prep_read_multishot(s, i32(a[0]), u32(a[1]), a[2], i32(a[3]));
     }},
    {"waitid",
     "<idtype> <id> <infop> <options> <flags>",
     {K::u32, K::u32, K::u64, K::i32, K::u32},
     5,
     [](io_uring_sqe& s, const std::uint64_t* a) {
       uring::prep_waitid(s, static_cast<idtype_t>(u32(a[0])), static_cast<id_t>(u32(a[1])),
                          ptr<siginfo_t>(a[2]), i32(a[3]), u32(a[4]));
     }},
    {"futex_wait",
     "<futex> <val> <mask> <futex_flags> <flags>",
     {K::u64, K::u64, K::u64, K::u32, K::u32},
     5,
     [](io_uring_sqe& s, const std::uint64_t* a) {
       uring::prep_futex_wait(s, ptr<const std::uint32_t>(a[0]), a[1], a[2], u32(a[3]), u32(a[4]));
     }},
    {"futex_wake",
     "<futex> <val> <mask> <futex_flags> <flags>",
     {K::u64, K::u64, K::u64, K::u32, K::u32},
     5,
     [](io_uring_sqe& s, const std::uint64_t* a) {
       uring::prep_futex_wake(s, ptr<const std::uint32_t>(a[0]), a[1], a[2], u32(a[3]), u32(a[4]));
     }},
    {"futex_waitv",
     "<futex> <nr_futex> <flags>",
     {K::u64, K::u32, K::u32},
     3,
     [](io_uring_sqe& s, const std::uint64_t* a) {
       uring::prep_futex_waitv(s, ptr<const futex_waitv>(a[0]), u32(a[1]), u32(a[2]));
     }},
    {"fixed_fd_install",
     "<fd> <flags>",
     {K::i32, K::u32},
     2,
     [](io_uring_sqe& s, const std::uint64_t* a) {
       uring::prep_fixed_fd_install(s, i32(a[0]), u32(a[1]));
     }},
    {"ftruncate",
     "<fd> <len>",
     {K::i32, K::u64},
     2,
     [](io_uring_sqe& s,
        const std::uint64_t*
            a) { uring::prep_ftruncate(s, i32(a[0]), static_cast<std::int64_t>(a[1])); }},
    {"bind",
     "<fd> <addr> <addrlen>",
     {K::i32, K::u64, K::u32},
     3,
     [](io_uring_sqe& s, const std::uint64_t* a) {
       uring::prep_bind(s, i32(a[0]), ptr<const sockaddr>(a[1]), u32(a[2]));
     }},
    {"listen",
     "<fd> <backlog>",
     {K::i32, K::i32},
     2,
     [](io_uring_sqe& s, const std::uint64_t* a) { uring::prep_listen(s, i32(a[0]), i32(a[1])); }},
    {"recv_zc",
     "<fd> <len> <zcrx_ifq_idx>",
     {K::i32, K::u32, K::u32},
     3,
     [](io_uring_sqe& s, const std::uint64_t* a) {
       uring::prep_recv_zc(s, i32(a[0]), u32(a[1]), u32(a[2]));
     }},
    {"epoll_wait",
     "<fd> <events> <maxevents> <flags>",
     {K::i32, K::u64, K::i32, K::u32},
     4,
     [](io_uring_sqe& s, const std::uint64_t* a) {
       uring::prep_epoll_wait(s, i32(a[0]), ptr<epoll_event>(a[1]), i32(a[2]), u32(a[3]));
     }},
    {"readv_fixed",
     "<fd> <iovecs> <nr_vecs> <offset> <flags> <buf_index>",
     {K::i32, K::u64, K::u32, K::u64, K::i32, K::i32},
     6,
     [](io_uring_sqe& s, const std::uint64_t* a) {
       uring::prep_readv_fixed(s, i32(a[0]), ptr<const iovec>(a[1]), u32(a[2]), a[3], i32(a[4]),
                               i32(a[5]));
     }},
    {"writev_fixed",
     "<fd> <iovecs> <nr_vecs> <offset> <flags> <buf_index>",
     {K::i32, K::u64, K::u32, K::u64, K::i32, K::i32},
     6,
     [](io_uring_sqe& s, const std::uint64_t* a) {
       uring::prep_writev_fixed(s, i32(a[0]), ptr<const iovec>(a[1]), u32(a[2]), a[3], i32(a[4]),
                                i32(a[5]));
     }},
    {"pipe",
     "<fds> <pipe_flags>",
     {K::u64, K::i32},
     2,
     [](io_uring_sqe& s, const std::uint64_t* a) {
       uring::prep_pipe(s, ptr<int>(a[0]), i32(a[1]));
     }},
    {"pipe_direct",
     "<fds> <pipe_flags> <file_index>",
     {K::u64, K::i32, K::u32},
     3,
     [](io_uring_sqe& s, const std::uint64_t* a) {
       uring::prep_pipe_direct(s, ptr<int>(a[0]), i32(a[1]), u32(a[2]));
     }},
    {"rw",
     "<op> <fd> <addr> <len> <off>",
     {K::u32, K::i32, K::u64, K::u32, K::u64},
     5,
     [](io_uring_sqe& s, const std::uint64_t* a) {
       uring::prep_rw(s, static_cast<std::uint8_t>(a[0]), i32(a[1]), a[2], u32(a[3]), a[4]);
     }},
    {"send_set_addr",
     "<dest_addr> <addr_len>",
     {K::u64, K::u32},
     2,
     [](io_uring_sqe& s, const std::uint64_t* a) {
       uring::prep_send_set_addr(s, ptr<const sockaddr>(a[0]), static_cast<std::uint16_t>(a[1]));
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
  std::uint64_t values[kMaxArgs] = {};
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
