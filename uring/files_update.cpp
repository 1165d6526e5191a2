#include "files_update.hpp"

#include <cstdlib>
#include <cstring>

#include "prep.hpp"

namespace uring {
namespace detail {

FilesUpdateCore::~FilesUpdateCore() {
  // The kernel may still read this array, or write allocated slots into it, after we are gone.
  // No way to cancel that from a destructor: stop here rather than corrupt whatever reuses the
  // memory.
  if (in_flight_) std::abort();
}

int FilesUpdateCore::prepare(io_uring_sqe& sqe, unsigned offset,
                             std::span<const int> fds) noexcept {
  if (in_flight_) return -EBUSY;
  if (fds.empty() || fds.size() > capacity_) return -EINVAL;
  std::memcpy(fds_, fds.data(), fds.size_bytes());
  nr_ = static_cast<unsigned>(fds.size());
  offset_ = offset;
  done_ = 0;
  prep(sqe);
  return 0;
}

int FilesUpdateCore::prepare_rest(io_uring_sqe& sqe) noexcept {
  if (in_flight_) return -EBUSY;
  if (done_ >= nr_) return -EINVAL;
  prep(sqe);
  return 0;
}

void FilesUpdateCore::prep(io_uring_sqe& sqe) noexcept {
  // Entries before done_ are finished (with ALLOC they now hold slot numbers): send the rest, into
  // the slots that follow the finished ones.
  sent_ = nr_ - done_;
  const unsigned off = allocating() ? offset_ : offset_ + done_;
  prep_files_update(sqe, fds_ + done_, sent_, static_cast<int>(off));
  in_flight_ = true;
}

UpdateResult FilesUpdateCore::complete(int res) noexcept {
  if (!in_flight_) return UpdateResult(0, -EALREADY);
  in_flight_ = false;
  const UpdateResult r(sent_, res);
  done_ += r.updated();
  return r;
}

int FilesUpdateCore::abandon() noexcept {
  if (!in_flight_) return -EALREADY;
  in_flight_ = false;
  return 0;
}

SlotList FilesUpdateCore::slots() const noexcept {
  if (in_flight_) return SlotList(nullptr, 0, 0);
  return SlotList(allocating() ? fds_ : nullptr, offset_, done_);
}

}  // namespace detail

FixedFile SlotList::operator[](unsigned i) const noexcept {
  if (i >= n_) std::abort();
  return at(fds_, offset_, i);
}

}  // namespace uring
