#include "control.hpp"

#include <cerrno>
#include <cstring>
#include <ctime>

#include "../syscalls/syscalls.hpp"
#include "ring.hpp"

namespace uring {

namespace {

// nr_args each opcode insists on before it reads its argument.
unsigned probe_nr_args(unsigned opcode) noexcept {
  switch (opcode) {
    case IORING_REGISTER_FILE_ALLOC_RANGE:
    case abi::IORING_REGISTER_CLOCK: return 0;
    case IORING_REGISTER_IOWQ_MAX_WORKERS: return 2;
    default: return 1;
  }
}

// An address no process can have mapped (below mmap_min_addr): the kernel's copy_from_user fails.
const void* const kUnreadable = reinterpret_cast<const void*>(std::uintptr_t{8});

// A register call whose arguments the library built valid: -EINVAL there means the opcode itself
// is unknown when the probe says so.
int gated(const RingCore& ring, unsigned opcode, int ret) noexcept {
  if (ret == -EINVAL && !register_op_supported(ring, opcode)) return -EOPNOTSUPP;
  return ret;
}

}  // namespace

namespace detail {
bool register_op_known(int ring_fd, unsigned opcode) noexcept {
  return sys::io_uring_register(ring_fd, opcode, kUnreadable, probe_nr_args(opcode)) != -EINVAL;
}
}  // namespace detail

bool register_op_supported(const RingCore& ring, unsigned opcode) noexcept {
  // Through register_raw, which also reaches a ring whose plain fd was closed (close_ring_fd).
  return ring.register_raw(opcode, kUnreadable, probe_nr_args(opcode)) != -EINVAL;
}

int register_eventfd(RingCore& ring, int eventfd) noexcept {
  return ring.register_raw(IORING_REGISTER_EVENTFD, &eventfd, 1);
}

int register_eventfd_async(RingCore& ring, int eventfd) noexcept {
  return ring.register_raw(IORING_REGISTER_EVENTFD_ASYNC, &eventfd, 1);
}

int unregister_eventfd(RingCore& ring) noexcept {
  return ring.register_raw(IORING_UNREGISTER_EVENTFD, nullptr, 0);
}

int register_restrictions(RingCore& ring, std::span<const io_uring_restriction> list) noexcept {
  if (list.size() > 0xffffffffu) return -EINVAL;
  return ring.register_raw(IORING_REGISTER_RESTRICTIONS, list.data(),
                           static_cast<unsigned>(list.size()));
}

int register_iowq_max_workers(RingCore& ring, IowqLimits& limits) noexcept {
  unsigned counts[2] = {limits.bounded, limits.unbounded};
  const int ret = ring.register_raw(IORING_REGISTER_IOWQ_MAX_WORKERS, counts, 2);
  if (ret >= 0) limits = {counts[0], counts[1]};
  return ret;
}

int register_iowq_aff(RingCore& ring, const cpu_set_t& cpus) noexcept {
  return ring.register_raw(IORING_REGISTER_IOWQ_AFF, &cpus, sizeof cpus);
}

int unregister_iowq_aff(RingCore& ring) noexcept {
  return ring.register_raw(IORING_UNREGISTER_IOWQ_AFF, nullptr, 0);
}

int register_personality(RingCore& ring) noexcept {
  return ring.register_raw(IORING_REGISTER_PERSONALITY, nullptr, 0);
}

int unregister_personality(RingCore& ring, unsigned id) noexcept {
  // The id travels in nr_args.
  return ring.register_raw(IORING_UNREGISTER_PERSONALITY, nullptr, id);
}

int sync_cancel(RingCore& ring, const CancelMatch& match) noexcept {
  abi::sync_cancel_reg reg{};
  reg.addr = match.user_data;
  reg.fd = match.fd;
  reg.flags = match.flags;
  if (match.timeout_ns < 0) {
    reg.timeout_sec = -1;
    reg.timeout_nsec = -1;
  } else {
    reg.timeout_sec = match.timeout_ns / 1000000000;
    reg.timeout_nsec = match.timeout_ns % 1000000000;
  }
  return ring.register_raw(IORING_REGISTER_SYNC_CANCEL, &reg, 1);
}

int register_napi(RingCore& ring, abi::napi& settings) noexcept {
  return gated(ring, abi::IORING_REGISTER_NAPI,
               ring.register_raw(abi::IORING_REGISTER_NAPI, &settings, 1));
}

int unregister_napi(RingCore& ring, abi::napi& settings) noexcept {
  return gated(ring, abi::IORING_UNREGISTER_NAPI,
               ring.register_raw(abi::IORING_UNREGISTER_NAPI, &settings, 1));
}

int register_clock(RingCore& ring, clockid_t clock) noexcept {
  // Through the Ring, which then reads its absolute wait deadlines on that clock.
  return gated(ring, abi::IORING_REGISTER_CLOCK, ring.register_clock(clock));
}

int register_mem_region(RingCore& ring, abi::region_desc& desc, std::uint64_t flags) noexcept {
  abi::mem_region_reg reg{};
  reg.region_uptr = reinterpret_cast<std::uintptr_t>(&desc);
  reg.flags = flags;
  return gated(ring, abi::IORING_REGISTER_MEM_REGION,
               ring.register_raw(abi::IORING_REGISTER_MEM_REGION, &reg, 1));
}

int register_wait_region(RingCore& ring, std::span<abi::reg_wait> slots) noexcept {
  abi::region_desc desc{};
  desc.user_addr = reinterpret_cast<std::uintptr_t>(slots.data());
  desc.size = slots.size_bytes();
  desc.flags = abi::IORING_MEM_REGION_TYPE_USER;
  return register_mem_region(ring, desc, abi::IORING_MEM_REGION_REG_WAIT_ARG);
}

}  // namespace uring
