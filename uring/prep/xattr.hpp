// Extended attributes (5.19): get and set, by path or on an open file.
#pragma once

#include "base.hpp"

namespace uring {

// IORING_OP_GETXATTR: getxattr(2) of `name` on `path` into value (len bytes); value in off,
// path in addr3.
inline void prep_getxattr(io_uring_sqe& sqe, const char* name, char* value, const char* path,
                          unsigned len) noexcept {
  prep_rw(sqe, IORING_OP_GETXATTR, 0, detail::addr_of(name), len, detail::addr_of(value));
  sqe.addr3 = detail::addr_of(path);
}

// IORING_OP_SETXATTR: setxattr(2); XATTR_CREATE / XATTR_REPLACE in xattr_flags.
inline void prep_setxattr(io_uring_sqe& sqe, const char* name, const char* value, const char* path,
                          int flags, unsigned len) noexcept {
  prep_rw(sqe, IORING_OP_SETXATTR, 0, detail::addr_of(name), len, detail::addr_of(value));
  sqe.addr3 = detail::addr_of(path);
  sqe.xattr_flags = static_cast<std::uint32_t>(flags);
}

// IORING_OP_FGETXATTR: fgetxattr(2) on fd.
inline void prep_fgetxattr(io_uring_sqe& sqe, int fd, const char* name, char* value,
                           unsigned len) noexcept {
  prep_rw(sqe, IORING_OP_FGETXATTR, fd, detail::addr_of(name), len, detail::addr_of(value));
}
RAWURING_FIXED_FILE_FORM(prep_fgetxattr)

// IORING_OP_FSETXATTR: fsetxattr(2) on fd.
inline void prep_fsetxattr(io_uring_sqe& sqe, int fd, const char* name, const char* value,
                           int flags, unsigned len) noexcept {
  prep_rw(sqe, IORING_OP_FSETXATTR, fd, detail::addr_of(name), len, detail::addr_of(value));
  sqe.xattr_flags = static_cast<std::uint32_t>(flags);
}
RAWURING_FIXED_FILE_FORM(prep_fsetxattr)

}  // namespace uring
