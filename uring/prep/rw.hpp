// Reads and writes: read/write (READ, WRITE), vectored (READV, WRITEV), into registered buffers
// (READ_FIXED, WRITE_FIXED, READV_FIXED, WRITEV_FIXED) and multishot reads into provided buffers
// (READ_MULTISHOT). offset -1 (all ones) means the file position, as for read(2)/write(2).
#pragma once

#include <sys/uio.h>

#include "base.hpp"

namespace uring {

// IORING_OP_READ: pread(2) of nbytes into buf.
inline void prep_read(io_uring_sqe& sqe, int fd, void* buf, unsigned nbytes,
                      std::uint64_t offset) noexcept {
  prep_rw(sqe, IORING_OP_READ, fd, detail::addr_of(buf), nbytes, offset);
}
RAWURING_FIXED_FILE_FORM(prep_read)

// IORING_OP_WRITE: pwrite(2) of nbytes from buf.
inline void prep_write(io_uring_sqe& sqe, int fd, const void* buf, unsigned nbytes,
                       std::uint64_t offset) noexcept {
  prep_rw(sqe, IORING_OP_WRITE, fd, detail::addr_of(buf), nbytes, offset);
}
RAWURING_FIXED_FILE_FORM(prep_write)

// IORING_OP_READV: preadv(2); iovecs in addr, their count in len.
inline void prep_readv(io_uring_sqe& sqe, int fd, const iovec* iovecs, unsigned nr_vecs,
                       std::uint64_t offset) noexcept {
  prep_rw(sqe, IORING_OP_READV, fd, detail::addr_of(iovecs), nr_vecs, offset);
}
RAWURING_FIXED_FILE_FORM(prep_readv)

// IORING_OP_READV with preadv2(2)'s RWF_* flags in rw_flags.
inline void prep_readv2(io_uring_sqe& sqe, int fd, const iovec* iovecs, unsigned nr_vecs,
                        std::uint64_t offset, int flags) noexcept {
  prep_readv(sqe, fd, iovecs, nr_vecs, offset);
  sqe.rw_flags = static_cast<std::uint32_t>(flags);
}
RAWURING_FIXED_FILE_FORM(prep_readv2)

// IORING_OP_READ_FIXED: into registered buffer buf_index (buf lies inside it).
inline void prep_read_fixed(io_uring_sqe& sqe, int fd, void* buf, unsigned nbytes,
                            std::uint64_t offset, int buf_index) noexcept {
  prep_rw(sqe, IORING_OP_READ_FIXED, fd, detail::addr_of(buf), nbytes, offset);
  sqe.buf_index = static_cast<std::uint16_t>(buf_index);
}
RAWURING_FIXED_FILE_FORM(prep_read_fixed)

// IORING_OP_READV_FIXED (6.15): iovecs pointing into registered buffer buf_index.
inline void prep_readv_fixed(io_uring_sqe& sqe, int fd, const iovec* iovecs, unsigned nr_vecs,
                             std::uint64_t offset, int flags, int buf_index) noexcept {
  prep_readv2(sqe, fd, iovecs, nr_vecs, offset, flags);
  sqe.opcode = IORING_OP_READV_FIXED;
  sqe.buf_index = static_cast<std::uint16_t>(buf_index);
}
RAWURING_FIXED_FILE_FORM(prep_readv_fixed)

// IORING_OP_WRITEV: pwritev(2).
inline void prep_writev(io_uring_sqe& sqe, int fd, const iovec* iovecs, unsigned nr_vecs,
                        std::uint64_t offset) noexcept {
  prep_rw(sqe, IORING_OP_WRITEV, fd, detail::addr_of(iovecs), nr_vecs, offset);
}
RAWURING_FIXED_FILE_FORM(prep_writev)

// IORING_OP_WRITEV with pwritev2(2)'s RWF_* flags.
inline void prep_writev2(io_uring_sqe& sqe, int fd, const iovec* iovecs, unsigned nr_vecs,
                         std::uint64_t offset, int flags) noexcept {
  prep_writev(sqe, fd, iovecs, nr_vecs, offset);
  sqe.rw_flags = static_cast<std::uint32_t>(flags);
}
RAWURING_FIXED_FILE_FORM(prep_writev2)

// IORING_OP_WRITE_FIXED: from registered buffer buf_index.
inline void prep_write_fixed(io_uring_sqe& sqe, int fd, const void* buf, unsigned nbytes,
                             std::uint64_t offset, int buf_index) noexcept {
  prep_rw(sqe, IORING_OP_WRITE_FIXED, fd, detail::addr_of(buf), nbytes, offset);
  sqe.buf_index = static_cast<std::uint16_t>(buf_index);
}
RAWURING_FIXED_FILE_FORM(prep_write_fixed)

// IORING_OP_WRITEV_FIXED (6.15).
inline void prep_writev_fixed(io_uring_sqe& sqe, int fd, const iovec* iovecs, unsigned nr_vecs,
                              std::uint64_t offset, int flags, int buf_index) noexcept {
  prep_writev2(sqe, fd, iovecs, nr_vecs, offset, flags);
  sqe.opcode = IORING_OP_WRITEV_FIXED;
  sqe.buf_index = static_cast<std::uint16_t>(buf_index);
}
RAWURING_FIXED_FILE_FORM(prep_writev_fixed)

// IORING_OP_READ_MULTISHOT (6.7): a CQE per read into a buffer of group buf_group, until the
// file has no more data or the group runs out; sets IOSQE_BUFFER_SELECT (nbytes 0: the whole
// buffer).
constexpr void prep_read_multishot(io_uring_sqe& sqe, int fd, unsigned nbytes, std::uint64_t offset,
                                   int buf_group) noexcept {
  prep_rw(sqe, IORING_OP_READ_MULTISHOT, fd, 0, nbytes, offset);
  sqe.buf_group = static_cast<std::uint16_t>(buf_group);
  sqe.flags = IOSQE_BUFFER_SELECT;
}
RAWURING_FIXED_FILE_FORM(prep_read_multishot)

}  // namespace uring
