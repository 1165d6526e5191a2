// IORING_OP_FILES_UPDATE with the array owned by the request: FilesUpdate<N> and UpdateResult.
//
// Why the request must own its array (docs/files-update.md states the rule in full): the SQE holds
// only a pointer. The kernel reads the fds through it when the op *runs*, and with
// offset IORING_FILE_INDEX_ALLOC writes the allocated slot numbers back through it. The op runs at
// submission only in the simple case; with IOSQE_ASYNC it runs later on an io-wq worker, inside a
// link it runs once the previous request completes. So the array must stay valid and untouched
// until the CQE arrives, not just until submission as liburing's man page says. FilesUpdate copies
// the caller's fds into an inline array (no heap), cannot be copied or moved while the kernel may
// hold its address, and aborts if destroyed while a request is in flight, because the alternative
// is the kernel writing into freed memory.
#pragma once

#include <cerrno>
#include <cstddef>
#include <iterator>
#include <span>

#include "../syscalls/abi.hpp"
#include "register.hpp"

namespace uring {

// What one update answered, for IORING_OP_FILES_UPDATE (the CQE res) and io_uring_register's
// FILES_UPDATE / FILES_UPDATE2 (the return value) alike. Three outcomes, all visible:
//   complete()  every entry processed (res == requested);
//   partial()   the kernel stopped at a bad entry after processing updated() > 0 of them. It does
//               not say why: resubmitting the rest (FilesUpdate::prepare_rest) returns the errno;
//   failed()    nothing processed; error() is the kernel's -errno, passed through unchanged
//               (-ENOMEM included, which no test can force).
// A res larger than requested cannot come from a correct kernel; it is reported as -EPROTO.
class UpdateResult {
 public:
  constexpr UpdateResult(unsigned requested, int res) noexcept
      : requested_(requested),
        res_(res > 0 && static_cast<unsigned>(res) > requested ? -EPROTO : res) {}

  unsigned requested() const noexcept { return requested_; }
  unsigned updated() const noexcept { return res_ > 0 ? static_cast<unsigned>(res_) : 0; }
  // The negative errno when nothing was processed, else 0.
  int error() const noexcept { return res_ < 0 ? res_ : 0; }
  bool failed() const noexcept { return res_ < 0; }
  bool complete() const noexcept { return res_ >= 0 && static_cast<unsigned>(res_) == requested_; }
  bool partial() const noexcept { return res_ >= 0 && static_cast<unsigned>(res_) < requested_; }
  // The raw value: the count or -errno.
  int res() const noexcept { return res_; }

 private:
  unsigned requested_;
  int res_;
};

// The slots a FilesUpdate's entries went to, as FixedFile. A view: valid while the request lives
// and is not prepared again.
class SlotList {
 public:
  // allocated: the kernel's slot numbers, one per entry; null: entry i went to offset + i.
  constexpr SlotList(const int* allocated, unsigned offset, unsigned n) noexcept
      : fds_(allocated), offset_(offset), n_(n) {}
  constexpr unsigned size() const noexcept { return n_; }
  constexpr bool empty() const noexcept { return n_ == 0; }
  FixedFile operator[](unsigned i) const noexcept;  // aborts when i >= size()

  class iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = FixedFile;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = FixedFile;
    iterator() noexcept = default;
    FixedFile operator*() const noexcept { return at(fds_, offset_, i_); }
    iterator& operator++() noexcept {
      ++i_;
      return *this;
    }
    iterator operator++(int) noexcept {
      iterator old = *this;
      ++i_;
      return old;
    }
    // Compares positions only: begin() and end() of two slots() calls still pair up.
    friend bool operator==(const iterator& a, const iterator& b) noexcept { return a.i_ == b.i_; }

   private:
    friend class SlotList;
    iterator(const int* fds, unsigned offset, unsigned i) noexcept
        : fds_(fds), offset_(offset), i_(i) {}
    const int* fds_ = nullptr;
    unsigned offset_ = 0;
    unsigned i_ = 0;
  };
  iterator begin() const noexcept { return {fds_, offset_, 0}; }
  iterator end() const noexcept { return {fds_, offset_, n_}; }

 private:
  static FixedFile at(const int* fds, unsigned offset, unsigned i) noexcept {
    return FixedFile(fds ? static_cast<unsigned>(fds[i]) : offset + i);
  }
  const int* fds_;
  unsigned offset_;
  unsigned n_;
};

namespace detail {

// Everything of FilesUpdate that does not depend on its capacity. Holds the address of the
// derived object's array, one more reason the type cannot move.
class FilesUpdateCore {
 public:
  FilesUpdateCore(const FilesUpdateCore&) = delete;
  FilesUpdateCore& operator=(const FilesUpdateCore&) = delete;

  // Copies fds into the owned array and prepares `sqe` to write them into slots offset.. of the
  // ring's table (kClearSlot clears, kSkipSlot keeps). offset IORING_FILE_INDEX_ALLOC means
  // prepare_alloc. Returns 0, or without touching sqe: -EBUSY while a request is in flight,
  // -EINVAL for no fds or more than the capacity.
  [[nodiscard]] int prepare(io_uring_sqe& sqe, unsigned offset, std::span<const int> fds) noexcept;
  // The kernel picks a free slot for each fd from the table's alloc range; slots() then lists
  // them. Only real fds here: kClearSlot / kSkipSlot are -EBADF in this mode.
  [[nodiscard]] int prepare_alloc(io_uring_sqe& sqe, std::span<const int> fds) noexcept {
    return prepare(sqe, IORING_FILE_INDEX_ALLOC, fds);
  }
  // After a partial or failed completion: prepares the entries not processed yet (the same
  // slots, or more allocations). Its CQE gives the errno a partial count hides. -EBUSY in flight,
  // -EINVAL when nothing is left.
  [[nodiscard]] int prepare_rest(io_uring_sqe& sqe) noexcept;

  // Hands over the CQE res of the prepared request; from here on the array is the caller's again.
  // Without a request in flight: UpdateResult{0, -EALREADY}, nothing changes.
  [[nodiscard]] UpdateResult complete(int res) noexcept;

  // The prepared SQE was never submitted (the caller gave it back, e.g. an SQ it could not flush,
  // or a ring torn down before submit): the request is no longer in flight and may be destroyed.
  // Only the caller knows whether the kernel has seen the SQE, so only the caller can say it; once
  // submitted, the request must be completed instead. -EALREADY without a request in flight.
  int abandon() noexcept;

  // Between prepare* and complete (or abandon): the kernel may read and write the array.
  bool in_flight() const noexcept { return in_flight_; }
  bool allocating() const noexcept { return offset_ == IORING_FILE_INDEX_ALLOC; }
  unsigned size() const noexcept { return nr_; }    // fds given to prepare
  unsigned done() const noexcept { return done_; }  // processed so far, over all rounds

  // The slot each processed entry went to (entry i for i < done()): the allocated slot with
  // prepare_alloc, else offset + i (emptied for kClearSlot, unchanged for kSkipSlot).
  // Empty while in flight: the kernel may still be writing.
  SlotList slots() const noexcept;

 protected:
  FilesUpdateCore(int* storage, unsigned capacity) noexcept : fds_(storage), capacity_(capacity) {}
  ~FilesUpdateCore();

 private:
  void prep(io_uring_sqe& sqe) noexcept;

  int* fds_;
  unsigned capacity_;
  unsigned nr_ = 0;
  unsigned done_ = 0;
  unsigned offset_ = 0;
  unsigned sent_ = 0;  // entries in the request in flight (from done_ on)
  bool in_flight_ = false;
};

}  // namespace detail

// A FILES_UPDATE request that owns up to Capacity fds. Keep it where it is (it cannot move) from
// prepare* until complete(): a member of the operation's state, or a local that outlives the wait.
// Do not set IOSQE_CQE_SKIP_SUCCESS on its SQE: without a CQE it can never be completed.
//
//   uring::FilesUpdate<4> up;
//   up.prepare_alloc(*ring.get_sqe(), fds);   // fds may die right after this
//   ... submit, wait for its CQE ...
//   auto r = up.complete(cqe->res);           // r.updated() of r.requested(), or r.error()
//   for (uring::FixedFile slot : up.slots()) ...
template <unsigned Capacity = 16>
class FilesUpdate : public detail::FilesUpdateCore {
  static_assert(Capacity > 0);

 public:
  FilesUpdate() noexcept : FilesUpdateCore(storage_, Capacity) {}
  static constexpr unsigned capacity() noexcept { return Capacity; }

 private:
  int storage_[Capacity];
};

}  // namespace uring
