#include "liburing_side.hpp"

#include <fcntl.h>
#include <liburing.h>
#include <sys/epoll.h>
#include <sys/stat.h>

#include <cstring>

namespace lu {

namespace {

// The caller's 64 bytes are copied in and out: they need no alignment and are never aliased.
template <class F>
void with_sqe(void* bytes, F prep) {
  io_uring_sqe sqe;
  std::memcpy(&sqe, bytes, sizeof sqe);
  prep(&sqe);
  std::memcpy(bytes, &sqe, sizeof sqe);
}

// Argument conversions (the same ones the rawuring side of the test uses).
int i32(std::uint64_t v) { return static_cast<int>(static_cast<std::int64_t>(v)); }
unsigned u32(std::uint64_t v) { return static_cast<unsigned>(v); }
template <class T>
T* ptr(std::uint64_t v) {
  return reinterpret_cast<T*>(static_cast<std::uintptr_t>(v));
}

#define LU_CASE(name, ...)                                                     \
  {                                                                            \
#name, [](void* s, const std::uint64_t* a) {                                 \
      (void)a;                                                                   \
      with_sqe(s, [&](io_uring_sqe* q) { io_uring_prep_##name(q, __VA_ARGS__); }); \
    } \
  }
#define LU_CASE0(name)                                                                           \
  {                                                                                              \
#name, [](void* s,                                                                           \
              const std::                                                                        \
                  uint64_t*) { with_sqe(s, [&](io_uring_sqe* q) { io_uring_prep_##name(q); }); } \
  }

const Case kCases[] = {
    {"rw",
     [](void* s, const std::uint64_t* a) {
       with_sqe(s, [&](io_uring_sqe* q) {
         io_uring_prep_rw(static_cast<std::uint8_t>(a[0]), q, i32(a[1]), ptr<const void>(a[2]),
                          u32(a[3]), a[4]);
       });
     }},
    LU_CASE(splice, i32(a[0]), static_cast<std::int64_t>(a[1]), i32(a[2]),
            static_cast<std::int64_t>(a[3]), u32(a[4]), u32(a[5])),
    LU_CASE(tee, i32(a[0]), i32(a[1]), u32(a[2]), u32(a[3])),
    LU_CASE(readv, i32(a[0]), ptr<const iovec>(a[1]), u32(a[2]), a[3]),
    LU_CASE(readv2, i32(a[0]), ptr<const iovec>(a[1]), u32(a[2]), a[3], i32(a[4])),
    LU_CASE(read_fixed, i32(a[0]), ptr<void>(a[1]), u32(a[2]), a[3], i32(a[4])),
    LU_CASE(writev, i32(a[0]), ptr<const iovec>(a[1]), u32(a[2]), a[3]),
    LU_CASE(writev2, i32(a[0]), ptr<const iovec>(a[1]), u32(a[2]), a[3], i32(a[4])),
    LU_CASE(write_fixed, i32(a[0]), ptr<const void>(a[1]), u32(a[2]), a[3], i32(a[4])),
    LU_CASE(recvmsg, i32(a[0]), ptr<msghdr>(a[1]), u32(a[2])),
    LU_CASE(recvmsg_multishot, i32(a[0]), ptr<msghdr>(a[1]), u32(a[2])),
    LU_CASE(sendmsg, i32(a[0]), ptr<const msghdr>(a[1]), u32(a[2])),
    LU_CASE(poll_add, i32(a[0]), u32(a[1])),
    LU_CASE(poll_multishot, i32(a[0]), u32(a[1])),
    LU_CASE(poll_remove, a[0]),
    LU_CASE(poll_update, a[0], a[1], u32(a[2]), u32(a[3])),
    LU_CASE(fsync, i32(a[0]), u32(a[1])),
    LU_CASE0(nop),
    LU_CASE(timeout, ptr<__kernel_timespec>(a[0]), u32(a[1]), u32(a[2])),
    LU_CASE(timeout_remove, a[0], u32(a[1])),
    LU_CASE(timeout_update, ptr<__kernel_timespec>(a[0]), a[1], u32(a[2])),
    LU_CASE(accept, i32(a[0]), ptr<sockaddr>(a[1]), ptr<socklen_t>(a[2]), i32(a[3])),
    LU_CASE(accept_direct, i32(a[0]), ptr<sockaddr>(a[1]), ptr<socklen_t>(a[2]), i32(a[3]),
            u32(a[4])),
    LU_CASE(multishot_accept, i32(a[0]), ptr<sockaddr>(a[1]), ptr<socklen_t>(a[2]), i32(a[3])),
    LU_CASE(multishot_accept_direct, i32(a[0]), ptr<sockaddr>(a[1]), ptr<socklen_t>(a[2]),
            i32(a[3])),
    LU_CASE(cancel64, a[0], i32(a[1])),
    LU_CASE(cancel, ptr<void>(a[0]), i32(a[1])),
    LU_CASE(cancel_fd, i32(a[0]), u32(a[1])),
    LU_CASE(link_timeout, ptr<__kernel_timespec>(a[0]), u32(a[1])),
    LU_CASE(connect, i32(a[0]), ptr<const sockaddr>(a[1]), u32(a[2])),
    LU_CASE(files_update, ptr<int>(a[0]), u32(a[1]), i32(a[2])),
    LU_CASE(fallocate, i32(a[0]), i32(a[1]), static_cast<off_t>(a[2]), static_cast<off_t>(a[3])),
    LU_CASE(openat, i32(a[0]), ptr<const char>(a[1]), i32(a[2]), u32(a[3])),
    LU_CASE(openat_direct, i32(a[0]), ptr<const char>(a[1]), i32(a[2]), u32(a[3]), u32(a[4])),
    LU_CASE(close, i32(a[0])),
    LU_CASE(close_direct, u32(a[0])),
    LU_CASE(read, i32(a[0]), ptr<void>(a[1]), u32(a[2]), a[3]),
    LU_CASE(write, i32(a[0]), ptr<const void>(a[1]), u32(a[2]), a[3]),
    LU_CASE(statx, i32(a[0]), ptr<const char>(a[1]), i32(a[2]), u32(a[3]), ptr<struct statx>(a[4])),
    LU_CASE(fadvise, i32(a[0]), a[1], static_cast<off_t>(u32(a[2])), i32(a[3])),
    LU_CASE(madvise, ptr<void>(a[0]), static_cast<off_t>(u32(a[1])), i32(a[2])),
    LU_CASE(send, i32(a[0]), ptr<const void>(a[1]), static_cast<std::size_t>(a[2]), i32(a[3])),
    LU_CASE(send_zc, i32(a[0]), ptr<const void>(a[1]), static_cast<std::size_t>(a[2]), i32(a[3]),
            u32(a[4])),
    LU_CASE(send_zc_fixed, i32(a[0]), ptr<const void>(a[1]), static_cast<std::size_t>(a[2]),
            i32(a[3]), u32(a[4]), u32(a[5])),
    LU_CASE(sendmsg_zc, i32(a[0]), ptr<const msghdr>(a[1]), u32(a[2])),
    LU_CASE(send_set_addr, ptr<const sockaddr>(a[0]), static_cast<std::uint16_t>(a[1])),
    LU_CASE(recv, i32(a[0]), ptr<void>(a[1]), static_cast<std::size_t>(a[2]), i32(a[3])),
    LU_CASE(recv_multishot, i32(a[0]), ptr<void>(a[1]), static_cast<std::size_t>(a[2]), i32(a[3])),
    LU_CASE(openat2, i32(a[0]), ptr<const char>(a[1]), ptr<open_how>(a[2])),
    LU_CASE(openat2_direct, i32(a[0]), ptr<const char>(a[1]), ptr<open_how>(a[2]), u32(a[3])),
    LU_CASE(epoll_ctl, i32(a[0]), i32(a[1]), i32(a[2]), ptr<epoll_event>(a[3])),
    LU_CASE(provide_buffers, ptr<void>(a[0]), i32(a[1]), i32(a[2]), i32(a[3]), i32(a[4])),
    LU_CASE(remove_buffers, i32(a[0]), i32(a[1])),
    LU_CASE(shutdown, i32(a[0]), i32(a[1])),
    LU_CASE(unlinkat, i32(a[0]), ptr<const char>(a[1]), i32(a[2])),
    LU_CASE(unlink, ptr<const char>(a[0]), i32(a[1])),
    LU_CASE(renameat, i32(a[0]), ptr<const char>(a[1]), i32(a[2]), ptr<const char>(a[3]),
            u32(a[4])),
    LU_CASE(rename, ptr<const char>(a[0]), ptr<const char>(a[1])),
    LU_CASE(sync_file_range, i32(a[0]), u32(a[1]), a[2], i32(a[3])),
    LU_CASE(mkdirat, i32(a[0]), ptr<const char>(a[1]), u32(a[2])),
    LU_CASE(mkdir, ptr<const char>(a[0]), u32(a[1])),
    LU_CASE(symlinkat, ptr<const char>(a[0]), i32(a[1]), ptr<const char>(a[2])),
    LU_CASE(symlink, ptr<const char>(a[0]), ptr<const char>(a[1])),
    LU_CASE(linkat, i32(a[0]), ptr<const char>(a[1]), i32(a[2]), ptr<const char>(a[3]), i32(a[4])),
    LU_CASE(link, ptr<const char>(a[0]), ptr<const char>(a[1]), i32(a[2])),
    LU_CASE(msg_ring, i32(a[0]), u32(a[1]), a[2], u32(a[3])),
    LU_CASE(getxattr, ptr<const char>(a[0]), ptr<char>(a[1]), ptr<const char>(a[2]), u32(a[3])),
    LU_CASE(setxattr, ptr<const char>(a[0]), ptr<const char>(a[1]), ptr<const char>(a[2]),
            i32(a[3]), u32(a[4])),
    LU_CASE(fgetxattr, i32(a[0]), ptr<const char>(a[1]), ptr<char>(a[2]), u32(a[3])),
    LU_CASE(fsetxattr, i32(a[0]), ptr<const char>(a[1]), ptr<const char>(a[2]), i32(a[3]),
            u32(a[4])),
    LU_CASE(socket, i32(a[0]), i32(a[1]), i32(a[2]), u32(a[3])),
    LU_CASE(socket_direct, i32(a[0]), i32(a[1]), i32(a[2]), u32(a[3]), u32(a[4])),
    LU_CASE(socket_direct_alloc, i32(a[0]), i32(a[1]), i32(a[2]), u32(a[3])),
};

}  // namespace

const Case* cases(std::size_t& count) {
  count = sizeof kCases / sizeof kCases[0];
  return kCases;
}
const char* version() { return RAWURING_LIBURING_VERSION; }  // Meson's dependency().version()

void recvmsg_readers(void* buf, int buf_len, unsigned namelen, std::size_t controllen,
                     long out[6]) {
  msghdr m{};
  m.msg_namelen = namelen;
  m.msg_controllen = controllen;
  const auto at = [buf](const void* p) {
    return p ? static_cast<long>(static_cast<const char*>(p) - static_cast<const char*>(buf)) : -1L;
  };
  io_uring_recvmsg_out* o = io_uring_recvmsg_validate(buf, buf_len, &m);
  out[0] = at(o);
  o = static_cast<io_uring_recvmsg_out*>(buf);
  out[1] = at(io_uring_recvmsg_name(o));
  cmsghdr* first = io_uring_recvmsg_cmsg_firsthdr(o, &m);
  out[2] = at(first);
  out[3] = first ? at(io_uring_recvmsg_cmsg_nexthdr(o, &m, first)) : -1L;
  out[4] = at(io_uring_recvmsg_payload(o, &m));
  out[5] = static_cast<long>(io_uring_recvmsg_payload_length(o, buf_len, &m));
}

}  // namespace lu
