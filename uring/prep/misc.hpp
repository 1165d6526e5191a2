// Requests of no family: NOP.
#pragma once

#include "base.hpp"

namespace uring {

// IORING_OP_NOP: completes with res 0 (nop_flags, IORING_NOP_* in abi.hpp, can make it do more).
constexpr void prep_nop(io_uring_sqe& sqe) noexcept { prep_rw(sqe, IORING_OP_NOP, -1, 0, 0, 0); }

}  // namespace uring
