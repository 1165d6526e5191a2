// The two ways a request names a slot of the ring's registered-file (direct descriptor) table,
// each its own type so that neither can be passed where a plain file descriptor is meant:
//
//   FixedFile   a slot that holds a file the request operates on: the prep writes the slot number
//               into sqe.fd and sets IOSQE_FIXED_FILE (the kernel looks the slot up instead of the
//               process's fd table).
//   DirectSlot  the slot a request creates a descriptor in (accept/open/socket/pipe *_direct) or
//               removes one from (close_direct): written to sqe.file_index as slot + 1, since 0
//               there means "a normal fd". DirectSlot::alloc() lets the kernel pick a free slot
//               (IORING_FILE_INDEX_ALLOC) and return it in the CQE's res.
//
// Both are plain values: no ownership, no threading rule. A slot number is only meaningful on the
// ring whose table it indexes.
#pragma once

#include <cstdint>

#include "../syscalls/abi.hpp"

namespace uring {

class FixedFile {
 public:
  constexpr explicit FixedFile(unsigned index) noexcept : index_(index) {}
  constexpr unsigned index() const noexcept { return index_; }
  // The slot as sqe.fd carries it.
  constexpr int fd() const noexcept { return static_cast<int>(index_); }
  friend constexpr bool operator==(FixedFile, FixedFile) noexcept = default;

 private:
  unsigned index_;
};

class DirectSlot {
 public:
  // Slot n of the table (n below IORING_FILE_INDEX_ALLOC).
  constexpr explicit DirectSlot(unsigned index) noexcept : file_index_(index) {}
  // Any free slot in the file allocation range; the CQE's res says which.
  static constexpr DirectSlot alloc() noexcept { return DirectSlot(IORING_FILE_INDEX_ALLOC); }
  constexpr bool is_alloc() const noexcept { return file_index_ == IORING_FILE_INDEX_ALLOC; }
  // The unsigned file_index liburing's *_direct helpers take (IORING_FILE_INDEX_ALLOC for alloc).
  constexpr unsigned file_index() const noexcept { return file_index_; }
  friend constexpr bool operator==(DirectSlot, DirectSlot) noexcept = default;

 private:
  unsigned file_index_;
};

}  // namespace uring
