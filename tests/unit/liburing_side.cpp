#include "liburing_side.hpp"

#include <liburing.h>

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

template <class T>
T* ptr(std::uint64_t v) {
  return reinterpret_cast<T*>(static_cast<std::uintptr_t>(v));
}

}  // namespace

void nop(void* s) {
  with_sqe(s, [](io_uring_sqe* q) { io_uring_prep_nop(q); });
}
void read(void* s, int fd, std::uint64_t buf, unsigned n, std::uint64_t off) {
  with_sqe(s, [&](io_uring_sqe* q) { io_uring_prep_read(q, fd, ptr<void>(buf), n, off); });
}
void write(void* s, int fd, std::uint64_t buf, unsigned n, std::uint64_t off) {
  with_sqe(s, [&](io_uring_sqe* q) { io_uring_prep_write(q, fd, ptr<const void>(buf), n, off); });
}
void close(void* s, int fd) {
  with_sqe(s, [&](io_uring_sqe* q) { io_uring_prep_close(q, fd); });
}
void close_direct(void* s, unsigned file_index) {
  with_sqe(s, [&](io_uring_sqe* q) { io_uring_prep_close_direct(q, file_index); });
}
void msg_ring(void* s, int fd, unsigned len, std::uint64_t data, unsigned flags) {
  with_sqe(s, [&](io_uring_sqe* q) { io_uring_prep_msg_ring(q, fd, len, data, flags); });
}
void files_update(void* s, std::uint64_t fds, unsigned nr, int offset) {
  with_sqe(s, [&](io_uring_sqe* q) { io_uring_prep_files_update(q, ptr<int>(fds), nr, offset); });
}
const char* version() { return RAWURING_LIBURING_VERSION; }  // Meson's dependency().version()

}  // namespace lu
