// Files and paths: open (plain or into a direct slot), close, statx, fsync, fallocate, fadvise,
// madvise, sync_file_range, ftruncate and the *at family (unlink, rename, mkdir, symlink, link).
//
// The path-based requests (open*, statx and the *at family) have no FixedFile form: the kernel
// refuses IOSQE_FIXED_FILE on them (-EBADF), a directory fd must be a normal fd.
#pragma once

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/types.h>

#include "base.hpp"

struct statx;

namespace uring {

// IORING_OP_OPENAT: openat(2); mode in len, O_* flags in open_flags.
inline void prep_openat(io_uring_sqe& sqe, int dfd, const char* path, int flags,
                        mode_t mode) noexcept {
  prep_rw(sqe, IORING_OP_OPENAT, dfd, detail::addr_of(path), mode, 0);
  sqe.open_flags = static_cast<std::uint32_t>(flags);
}

// prep_openat into direct slot file_index (IORING_FILE_INDEX_ALLOC: any free one). The kernel
// refuses O_CLOEXEC here (-EINVAL).
inline void prep_openat_direct(io_uring_sqe& sqe, int dfd, const char* path, int flags, mode_t mode,
                               unsigned file_index) noexcept {
  prep_openat(sqe, dfd, path, flags, mode);
  sqe.file_index = detail::target_slot(file_index);
}
inline void prep_openat_direct(io_uring_sqe& sqe, int dfd, const char* path, int flags, mode_t mode,
                               DirectSlot slot) noexcept {
  prep_openat_direct(sqe, dfd, path, flags, mode, slot.file_index());
}

// prep_openat relative to the working directory.
inline void prep_open(io_uring_sqe& sqe, const char* path, int flags, mode_t mode) noexcept {
  prep_openat(sqe, AT_FDCWD, path, flags, mode);
}
inline void prep_open_direct(io_uring_sqe& sqe, const char* path, int flags, mode_t mode,
                             unsigned file_index) noexcept {
  prep_openat_direct(sqe, AT_FDCWD, path, flags, mode, file_index);
}
inline void prep_open_direct(io_uring_sqe& sqe, const char* path, int flags, mode_t mode,
                             DirectSlot slot) noexcept {
  prep_openat_direct(sqe, AT_FDCWD, path, flags, mode, slot.file_index());
}

// IORING_OP_OPENAT2: openat2(2); the open_how in off, its size in len.
inline void prep_openat2(io_uring_sqe& sqe, int dfd, const char* path,
                         const open_how* how) noexcept {
  prep_rw(sqe, IORING_OP_OPENAT2, dfd, detail::addr_of(path), sizeof(open_how),
          detail::addr_of(how));
}
inline void prep_openat2_direct(io_uring_sqe& sqe, int dfd, const char* path, const open_how* how,
                                unsigned file_index) noexcept {
  prep_openat2(sqe, dfd, path, how);
  sqe.file_index = detail::target_slot(file_index);
}
inline void prep_openat2_direct(io_uring_sqe& sqe, int dfd, const char* path, const open_how* how,
                                DirectSlot slot) noexcept {
  prep_openat2_direct(sqe, dfd, path, how, slot.file_index());
}

// IORING_OP_CLOSE of a normal fd.
constexpr void prep_close(io_uring_sqe& sqe, int fd) noexcept {
  prep_rw(sqe, IORING_OP_CLOSE, fd, 0, 0, 0);
}

// IORING_OP_CLOSE of a direct descriptor: fd 0, the slot plus one in file_index. liburing's
// encoding has no ALLOC case (closing "any slot" means nothing): file_index is taken as is.
constexpr void prep_close_direct(io_uring_sqe& sqe, unsigned file_index) noexcept {
  prep_close(sqe, 0);
  sqe.file_index = file_index + 1;
}
// The typed form: the slot to empty is one that holds a file.
constexpr void prep_close_direct(io_uring_sqe& sqe, FixedFile slot) noexcept {
  prep_close_direct(sqe, slot.index());
}

// IORING_OP_STATX: statx(2); mask in len, the statx buffer in off, AT_* flags in statx_flags.
inline void prep_statx(io_uring_sqe& sqe, int dfd, const char* path, int flags, unsigned mask,
                       struct statx* statxbuf) noexcept {
  prep_rw(sqe, IORING_OP_STATX, dfd, detail::addr_of(path), mask, detail::addr_of(statxbuf));
  sqe.statx_flags = static_cast<std::uint32_t>(flags);
}

// IORING_OP_FSYNC: fsync(2), or fdatasync(2) with IORING_FSYNC_DATASYNC.
constexpr void prep_fsync(io_uring_sqe& sqe, int fd, unsigned fsync_flags) noexcept {
  prep_rw(sqe, IORING_OP_FSYNC, fd, 0, 0, 0);
  sqe.fsync_flags = fsync_flags;
}
RAWURING_FIXED_FILE_FORM(prep_fsync)

// IORING_OP_FALLOCATE: fallocate(2); mode in len, offset in off, the length in addr.
constexpr void prep_fallocate(io_uring_sqe& sqe, int fd, int mode, std::uint64_t offset,
                              std::uint64_t len) noexcept {
  prep_rw(sqe, IORING_OP_FALLOCATE, fd, len, static_cast<std::uint32_t>(mode), offset);
}
RAWURING_FIXED_FILE_FORM(prep_fallocate)

// IORING_OP_FADVISE: posix_fadvise(2) with a 32-bit length (in len).
constexpr void prep_fadvise(io_uring_sqe& sqe, int fd, std::uint64_t offset, std::uint32_t len,
                            int advice) noexcept {
  prep_rw(sqe, IORING_OP_FADVISE, fd, 0, len, offset);
  sqe.fadvise_advice = static_cast<std::uint32_t>(advice);
}
RAWURING_FIXED_FILE_FORM(prep_fadvise)

// IORING_OP_FADVISE with a 64-bit length, in addr instead of len (added in liburing 2.7).
constexpr void prep_fadvise64(io_uring_sqe& sqe, int fd, std::uint64_t offset, off_t len,
                              int advice) noexcept {
  prep_rw(sqe, IORING_OP_FADVISE, fd, static_cast<std::uint64_t>(len), 0, offset);
  sqe.fadvise_advice = static_cast<std::uint32_t>(advice);
}
RAWURING_FIXED_FILE_FORM(prep_fadvise64)

// IORING_OP_MADVISE: madvise(2) of [addr, addr + length), 32-bit length in len.
inline void prep_madvise(io_uring_sqe& sqe, void* addr, std::uint32_t length, int advice) noexcept {
  prep_rw(sqe, IORING_OP_MADVISE, -1, detail::addr_of(addr), length, 0);
  sqe.fadvise_advice = static_cast<std::uint32_t>(advice);
}

// IORING_OP_MADVISE with a 64-bit length, in off instead of len (added in liburing 2.7).
inline void prep_madvise64(io_uring_sqe& sqe, void* addr, off_t length, int advice) noexcept {
  prep_rw(sqe, IORING_OP_MADVISE, -1, detail::addr_of(addr), 0, static_cast<std::uint64_t>(length));
  sqe.fadvise_advice = static_cast<std::uint32_t>(advice);
}

// IORING_OP_SYNC_FILE_RANGE: sync_file_range(2); len, offset, SYNC_FILE_RANGE_* flags.
constexpr void prep_sync_file_range(io_uring_sqe& sqe, int fd, unsigned len, std::uint64_t offset,
                                    int flags) noexcept {
  prep_rw(sqe, IORING_OP_SYNC_FILE_RANGE, fd, 0, len, offset);
  sqe.sync_range_flags = static_cast<std::uint32_t>(flags);
}
RAWURING_FIXED_FILE_FORM(prep_sync_file_range)

// IORING_OP_FTRUNCATE (6.9): ftruncate(2) to len (in off).
constexpr void prep_ftruncate(io_uring_sqe& sqe, int fd, std::int64_t len) noexcept {
  prep_rw(sqe, IORING_OP_FTRUNCATE, fd, 0, 0, static_cast<std::uint64_t>(len));
}
RAWURING_FIXED_FILE_FORM(prep_ftruncate)

// IORING_OP_UNLINKAT: unlinkat(2) (AT_REMOVEDIR in flags for rmdir).
inline void prep_unlinkat(io_uring_sqe& sqe, int dfd, const char* path, int flags) noexcept {
  prep_rw(sqe, IORING_OP_UNLINKAT, dfd, detail::addr_of(path), 0, 0);
  sqe.unlink_flags = static_cast<std::uint32_t>(flags);
}
inline void prep_unlink(io_uring_sqe& sqe, const char* path, int flags) noexcept {
  prep_unlinkat(sqe, AT_FDCWD, path, flags);
}

// IORING_OP_RENAMEAT: renameat2(2); newdfd in len, newpath in off.
inline void prep_renameat(io_uring_sqe& sqe, int olddfd, const char* oldpath, int newdfd,
                          const char* newpath, unsigned flags) noexcept {
  prep_rw(sqe, IORING_OP_RENAMEAT, olddfd, detail::addr_of(oldpath),
          static_cast<std::uint32_t>(newdfd), detail::addr_of(newpath));
  sqe.rename_flags = flags;
}
inline void prep_rename(io_uring_sqe& sqe, const char* oldpath, const char* newpath) noexcept {
  prep_renameat(sqe, AT_FDCWD, oldpath, AT_FDCWD, newpath, 0);
}

// IORING_OP_MKDIRAT: mkdirat(2); mode in len.
inline void prep_mkdirat(io_uring_sqe& sqe, int dfd, const char* path, mode_t mode) noexcept {
  prep_rw(sqe, IORING_OP_MKDIRAT, dfd, detail::addr_of(path), mode, 0);
}
inline void prep_mkdir(io_uring_sqe& sqe, const char* path, mode_t mode) noexcept {
  prep_mkdirat(sqe, AT_FDCWD, path, mode);
}

// IORING_OP_SYMLINKAT: symlinkat(2); target in addr, newdirfd in fd, linkpath in off.
inline void prep_symlinkat(io_uring_sqe& sqe, const char* target, int newdirfd,
                           const char* linkpath) noexcept {
  prep_rw(sqe, IORING_OP_SYMLINKAT, newdirfd, detail::addr_of(target), 0,
          detail::addr_of(linkpath));
}
inline void prep_symlink(io_uring_sqe& sqe, const char* target, const char* linkpath) noexcept {
  prep_symlinkat(sqe, target, AT_FDCWD, linkpath);
}

// IORING_OP_LINKAT: linkat(2); newdfd in len, newpath in off, AT_* flags in hardlink_flags.
inline void prep_linkat(io_uring_sqe& sqe, int olddfd, const char* oldpath, int newdfd,
                        const char* newpath, int flags) noexcept {
  prep_rw(sqe, IORING_OP_LINKAT, olddfd, detail::addr_of(oldpath),
          static_cast<std::uint32_t>(newdfd), detail::addr_of(newpath));
  sqe.hardlink_flags = static_cast<std::uint32_t>(flags);
}
inline void prep_link(io_uring_sqe& sqe, const char* oldpath, const char* newpath,
                      int flags) noexcept {
  prep_linkat(sqe, AT_FDCWD, oldpath, AT_FDCWD, newpath, flags);
}

}  // namespace uring
