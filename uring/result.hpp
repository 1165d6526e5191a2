// A value or the negative errno that explains why there is none. No exceptions anywhere: an
// embedding runtime may build with -fno-exceptions.
//
// Threading and lifetime: a plain value; it owns the T it holds.
#pragma once

#include <cstdlib>
#include <optional>
#include <utility>

namespace uring {

// A failure as the kernel reports it: always a negative errno (e.g. -EINVAL).
struct Errno {
  int value;
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) noexcept : value_(std::move(value)) {}
  Result(Errno e) noexcept : error_(e.value < 0 ? e.value : -e.value) {}

  bool ok() const noexcept { return value_.has_value(); }
  explicit operator bool() const noexcept { return ok(); }
  // 0 when ok(), otherwise the negative errno.
  int error() const noexcept { return error_; }

  // Accessing the value of a failed Result is a programming error: it aborts rather than throwing.
  T& operator*() & noexcept { return checked(); }
  const T& operator*() const& noexcept { return const_cast<Result*>(this)->checked(); }
  T* operator->() noexcept { return &checked(); }
  const T* operator->() const noexcept { return &const_cast<Result*>(this)->checked(); }
  T take() noexcept { return std::move(checked()); }

 private:
  T& checked() noexcept {
    if (!value_) std::abort();
    return *value_;
  }
  std::optional<T> value_;
  int error_ = 0;
};

}  // namespace uring
