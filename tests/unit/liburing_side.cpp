#include "liburing_side.hpp"

#include <liburing.h>

namespace lu {

namespace {
io_uring_sqe* as_sqe(void* p) { return static_cast<io_uring_sqe*>(p); }
template <class T>
T* ptr(std::uint64_t v) {
  return reinterpret_cast<T*>(static_cast<std::uintptr_t>(v));
}
}  // namespace

void nop(void* s) { io_uring_prep_nop(as_sqe(s)); }
void read(void* s, int fd, std::uint64_t buf, unsigned n, std::uint64_t off) {
  io_uring_prep_read(as_sqe(s), fd, ptr<void>(buf), n, off);
}
void write(void* s, int fd, std::uint64_t buf, unsigned n, std::uint64_t off) {
  io_uring_prep_write(as_sqe(s), fd, ptr<const void>(buf), n, off);
}
void close(void* s, int fd) { io_uring_prep_close(as_sqe(s), fd); }
void close_direct(void* s, unsigned file_index) {
  io_uring_prep_close_direct(as_sqe(s), file_index);
}
void msg_ring(void* s, int fd, unsigned len, std::uint64_t data, unsigned flags) {
  io_uring_prep_msg_ring(as_sqe(s), fd, len, data, flags);
}
void files_update(void* s, std::uint64_t fds, unsigned nr, int offset) {
  io_uring_prep_files_update(as_sqe(s), ptr<int>(fds), nr, offset);
}
const char* version() { return RAWURING_LIBURING_VERSION; }  // Meson's dependency().version()

}  // namespace lu
