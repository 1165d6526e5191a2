// liburing's prep functions behind plain signatures, compiled in their own translation unit
// (liburing_side.cpp) so that liburing.h and its copy of the io_uring UAPI header never meet
// rawuring's headers. Each writes into a 64-byte SQE.
#pragma once

#include <cstdint>

namespace lu {

void nop(void* sqe);
void read(void* sqe, int fd, std::uint64_t buf, unsigned nbytes, std::uint64_t offset);
void write(void* sqe, int fd, std::uint64_t buf, unsigned nbytes, std::uint64_t offset);
void close(void* sqe, int fd);
void close_direct(void* sqe, unsigned file_index);
void msg_ring(void* sqe, int fd, unsigned len, std::uint64_t data, unsigned flags);
void files_update(void* sqe, std::uint64_t fds, unsigned nr_fds, int offset);
// The liburing version the side was built against ("2.3").
const char* version();

}  // namespace lu
