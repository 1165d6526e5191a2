// The kernel ABI's layout of every UAPI struct rawuring passes to or shares with the kernel,
// proven at compile time: sizes and field offsets as the kernel lays them out (x86-64 and aarch64;
// include/uapi/linux/io_uring.h compiled as C by the kernel). A C++ compile of a system header
// that disagrees stops the build here instead of sending the kernel misplaced fields.
//
// Why: Debian 12's 6.1 header, compiled as C++, puts io_uring_buf_ring::bufs at offset 8 (the
// kernel's is 0), which gave a buffer ring -ENOBUFS for ever. That struct's bufs is deliberately
// not asserted on the system type (a fixed header would change it): the library uses
// uring::abi::buf_ring, whose layout is asserted below. Fields the 6.1 header names differently
// (pad for flags, pad for min_wait_usec) are checked by offset through the size of what precedes.
// Included at the end of abi.hpp; tests/unit/layout_test.cpp repeats the checks that matter at run
// time against memory written through the library's own accessors.
#pragma once

#include <linux/time_types.h>

#include <cstddef>

#include "abi.hpp"

#define RAWURING_LAYOUT(type, field, offset) \
  static_assert(offsetof(type, field) == (offset), #type "::" #field " is not at " #offset)
#define RAWURING_SIZE(type, size) static_assert(sizeof(type) == (size), "sizeof " #type)

// ---- the rings (offset 32 of both ring offset structs is resv2 in the 6.1 header and user_addr
// (6.5) in the kernel's: covered by resv1 at 28 and the size 40)
// ----------------------------------------------------------------------------------
RAWURING_SIZE(io_uring_sqe, 64);
RAWURING_LAYOUT(io_uring_sqe, opcode, 0);
RAWURING_LAYOUT(io_uring_sqe, flags, 1);
RAWURING_LAYOUT(io_uring_sqe, ioprio, 2);
RAWURING_LAYOUT(io_uring_sqe, fd, 4);
RAWURING_LAYOUT(io_uring_sqe, off, 8);
RAWURING_LAYOUT(io_uring_sqe, addr2, 8);
RAWURING_LAYOUT(io_uring_sqe, cmd_op, 8);
RAWURING_LAYOUT(io_uring_sqe, addr, 16);
RAWURING_LAYOUT(io_uring_sqe, splice_off_in, 16);
RAWURING_LAYOUT(io_uring_sqe, len, 24);
RAWURING_LAYOUT(io_uring_sqe, rw_flags, 28);
RAWURING_LAYOUT(io_uring_sqe, poll32_events, 28);
RAWURING_LAYOUT(io_uring_sqe, msg_ring_flags, 28);
RAWURING_LAYOUT(io_uring_sqe, uring_cmd_flags, 28);
RAWURING_LAYOUT(io_uring_sqe, user_data, 32);
RAWURING_LAYOUT(io_uring_sqe, buf_index, 40);
RAWURING_LAYOUT(io_uring_sqe, buf_group, 40);
RAWURING_LAYOUT(io_uring_sqe, personality, 42);
RAWURING_LAYOUT(io_uring_sqe, splice_fd_in, 44);
RAWURING_LAYOUT(io_uring_sqe, file_index, 44);
RAWURING_LAYOUT(io_uring_sqe, addr_len, 44);
RAWURING_LAYOUT(io_uring_sqe, addr3, 48);
RAWURING_LAYOUT(io_uring_sqe, cmd, 48);

RAWURING_SIZE(io_uring_cqe, 16);
RAWURING_LAYOUT(io_uring_cqe, user_data, 0);
RAWURING_LAYOUT(io_uring_cqe, res, 8);
RAWURING_LAYOUT(io_uring_cqe, flags, 12);

RAWURING_SIZE(io_sqring_offsets, 40);
RAWURING_LAYOUT(io_sqring_offsets, head, 0);
RAWURING_LAYOUT(io_sqring_offsets, tail, 4);
RAWURING_LAYOUT(io_sqring_offsets, ring_mask, 8);
RAWURING_LAYOUT(io_sqring_offsets, ring_entries, 12);
RAWURING_LAYOUT(io_sqring_offsets, flags, 16);
RAWURING_LAYOUT(io_sqring_offsets, dropped, 20);
RAWURING_LAYOUT(io_sqring_offsets, array, 24);
RAWURING_LAYOUT(io_sqring_offsets, resv1, 28);

RAWURING_SIZE(io_cqring_offsets, 40);
RAWURING_LAYOUT(io_cqring_offsets, head, 0);
RAWURING_LAYOUT(io_cqring_offsets, tail, 4);
RAWURING_LAYOUT(io_cqring_offsets, ring_mask, 8);
RAWURING_LAYOUT(io_cqring_offsets, ring_entries, 12);
RAWURING_LAYOUT(io_cqring_offsets, overflow, 16);
RAWURING_LAYOUT(io_cqring_offsets, cqes, 20);
RAWURING_LAYOUT(io_cqring_offsets, flags, 24);
RAWURING_LAYOUT(io_cqring_offsets, resv1, 28);

RAWURING_SIZE(io_uring_params, 120);
RAWURING_LAYOUT(io_uring_params, sq_entries, 0);
RAWURING_LAYOUT(io_uring_params, cq_entries, 4);
RAWURING_LAYOUT(io_uring_params, flags, 8);
RAWURING_LAYOUT(io_uring_params, sq_thread_cpu, 12);
RAWURING_LAYOUT(io_uring_params, sq_thread_idle, 16);
RAWURING_LAYOUT(io_uring_params, features, 20);
RAWURING_LAYOUT(io_uring_params, wq_fd, 24);
RAWURING_LAYOUT(io_uring_params, resv, 28);
RAWURING_LAYOUT(io_uring_params, sq_off, 40);
RAWURING_LAYOUT(io_uring_params, cq_off, 80);

// io_uring_enter(2)'s extended argument (IORING_ENTER_EXT_ARG). Offset 12 is pad in the 6.1 header
// and min_wait_usec (6.12) in the kernel's.
RAWURING_SIZE(__kernel_timespec, 16);
RAWURING_SIZE(io_uring_getevents_arg, 24);
RAWURING_LAYOUT(io_uring_getevents_arg, sigmask, 0);
RAWURING_LAYOUT(io_uring_getevents_arg, sigmask_sz, 8);
RAWURING_LAYOUT(io_uring_getevents_arg, ts, 16);

// ---- io_uring_register(2) arguments
// ---------------------------------------------------------------
RAWURING_SIZE(io_uring_files_update, 16);
RAWURING_LAYOUT(io_uring_files_update, offset, 0);
RAWURING_LAYOUT(io_uring_files_update, resv, 4);
RAWURING_LAYOUT(io_uring_files_update, fds, 8);

RAWURING_SIZE(io_uring_rsrc_register, 32);
RAWURING_LAYOUT(io_uring_rsrc_register, nr, 0);
RAWURING_LAYOUT(io_uring_rsrc_register, flags, 4);
RAWURING_LAYOUT(io_uring_rsrc_register, resv2, 8);
RAWURING_LAYOUT(io_uring_rsrc_register, data, 16);
RAWURING_LAYOUT(io_uring_rsrc_register, tags, 24);

RAWURING_SIZE(io_uring_rsrc_update, 16);
RAWURING_LAYOUT(io_uring_rsrc_update, offset, 0);
RAWURING_LAYOUT(io_uring_rsrc_update, resv, 4);
RAWURING_LAYOUT(io_uring_rsrc_update, data, 8);

RAWURING_SIZE(io_uring_rsrc_update2, 32);
RAWURING_LAYOUT(io_uring_rsrc_update2, offset, 0);
RAWURING_LAYOUT(io_uring_rsrc_update2, resv, 4);
RAWURING_LAYOUT(io_uring_rsrc_update2, data, 8);
RAWURING_LAYOUT(io_uring_rsrc_update2, tags, 16);
RAWURING_LAYOUT(io_uring_rsrc_update2, nr, 24);
RAWURING_LAYOUT(io_uring_rsrc_update2, resv2, 28);

RAWURING_SIZE(io_uring_probe_op, 8);
RAWURING_LAYOUT(io_uring_probe_op, op, 0);
RAWURING_LAYOUT(io_uring_probe_op, resv, 1);
RAWURING_LAYOUT(io_uring_probe_op, flags, 2);
RAWURING_LAYOUT(io_uring_probe_op, resv2, 4);

RAWURING_SIZE(io_uring_probe, 16);
RAWURING_LAYOUT(io_uring_probe, last_op, 0);
RAWURING_LAYOUT(io_uring_probe, ops_len, 1);
RAWURING_LAYOUT(io_uring_probe, resv, 2);
RAWURING_LAYOUT(io_uring_probe, resv2, 4);
RAWURING_LAYOUT(io_uring_probe, ops, 16);

RAWURING_SIZE(io_uring_restriction, 16);
RAWURING_LAYOUT(io_uring_restriction, opcode, 0);
RAWURING_LAYOUT(io_uring_restriction, register_op, 2);
RAWURING_LAYOUT(io_uring_restriction, sqe_op, 2);
RAWURING_LAYOUT(io_uring_restriction, sqe_flags, 2);
RAWURING_LAYOUT(io_uring_restriction, resv, 3);
RAWURING_LAYOUT(io_uring_restriction, resv2, 4);

RAWURING_SIZE(io_uring_file_index_range, 16);
RAWURING_LAYOUT(io_uring_file_index_range, off, 0);
RAWURING_LAYOUT(io_uring_file_index_range, len, 4);
RAWURING_LAYOUT(io_uring_file_index_range, resv, 8);

// The 6.1 header's io_uring_sync_cancel_reg (pad[4] after the timeout): size only; the library
// passes uring::abi::sync_cancel_reg.
RAWURING_SIZE(io_uring_sync_cancel_reg, 64);
RAWURING_LAYOUT(io_uring_sync_cancel_reg, addr, 0);
RAWURING_LAYOUT(io_uring_sync_cancel_reg, fd, 8);
RAWURING_LAYOUT(io_uring_sync_cancel_reg, flags, 12);
RAWURING_LAYOUT(io_uring_sync_cancel_reg, timeout, 16);

RAWURING_SIZE(io_uring_recvmsg_out, 16);
RAWURING_LAYOUT(io_uring_recvmsg_out, namelen, 0);
RAWURING_LAYOUT(io_uring_recvmsg_out, controllen, 4);
RAWURING_LAYOUT(io_uring_recvmsg_out, payloadlen, 8);
RAWURING_LAYOUT(io_uring_recvmsg_out, flags, 12);

// ---- provided-buffer rings
// ------------------------------------------------------------------------
RAWURING_SIZE(io_uring_buf, 16);
RAWURING_LAYOUT(io_uring_buf, addr, 0);
RAWURING_LAYOUT(io_uring_buf, len, 8);
RAWURING_LAYOUT(io_uring_buf, bid, 12);
RAWURING_LAYOUT(io_uring_buf, resv, 14);

// The system type: its tail and size agree with the kernel, its bufs may not (see above).
RAWURING_SIZE(io_uring_buf_ring, 16);
RAWURING_LAYOUT(io_uring_buf_ring, tail, 14);

// The type the library uses: entries from offset 0, the tail over entry 0's resv.
RAWURING_SIZE(uring::abi::buf_ring, 16);
RAWURING_LAYOUT(uring::abi::buf_ring, bufs, 0);
RAWURING_LAYOUT(uring::abi::buf_ring, head.tail, 14);
static_assert(offsetof(uring::abi::buf_ring, head.tail) == offsetof(io_uring_buf, resv),
              "the buffer ring's tail overlays entry 0's resv");

RAWURING_SIZE(io_uring_buf_reg, 40);
RAWURING_LAYOUT(io_uring_buf_reg, ring_addr, 0);
RAWURING_LAYOUT(io_uring_buf_reg, ring_entries, 8);
RAWURING_LAYOUT(io_uring_buf_reg, bgid, 12);
RAWURING_LAYOUT(io_uring_buf_reg, resv, 16);
RAWURING_SIZE(uring::abi::buf_reg, 40);
RAWURING_LAYOUT(uring::abi::buf_reg, ring_addr, 0);
RAWURING_LAYOUT(uring::abi::buf_reg, ring_entries, 8);
RAWURING_LAYOUT(uring::abi::buf_reg, bgid, 12);
RAWURING_LAYOUT(uring::abi::buf_reg, flags, 14);
RAWURING_LAYOUT(uring::abi::buf_reg, resv, 16);

RAWURING_SIZE(uring::abi::buf_status, 40);
RAWURING_LAYOUT(uring::abi::buf_status, buf_group, 0);
RAWURING_LAYOUT(uring::abi::buf_status, head, 4);
RAWURING_LAYOUT(uring::abi::buf_status, resv, 8);

// ---- structs newer than the 6.1 header
// ------------------------------------------------------------
RAWURING_SIZE(uring::abi::napi, 16);
RAWURING_LAYOUT(uring::abi::napi, busy_poll_to, 0);
RAWURING_LAYOUT(uring::abi::napi, prefer_busy_poll, 4);
RAWURING_LAYOUT(uring::abi::napi, opcode, 5);
RAWURING_LAYOUT(uring::abi::napi, pad, 6);
RAWURING_LAYOUT(uring::abi::napi, op_param, 8);
RAWURING_LAYOUT(uring::abi::napi, resv, 12);

RAWURING_SIZE(uring::abi::clock_register, 16);
RAWURING_LAYOUT(uring::abi::clock_register, clockid, 0);
RAWURING_LAYOUT(uring::abi::clock_register, resv, 4);

RAWURING_SIZE(uring::abi::clone_buffers, 32);
RAWURING_LAYOUT(uring::abi::clone_buffers, src_fd, 0);
RAWURING_LAYOUT(uring::abi::clone_buffers, flags, 4);
RAWURING_LAYOUT(uring::abi::clone_buffers, src_off, 8);
RAWURING_LAYOUT(uring::abi::clone_buffers, dst_off, 12);
RAWURING_LAYOUT(uring::abi::clone_buffers, nr, 16);
RAWURING_LAYOUT(uring::abi::clone_buffers, pad, 20);

RAWURING_SIZE(uring::abi::region_desc, 64);
RAWURING_LAYOUT(uring::abi::region_desc, user_addr, 0);
RAWURING_LAYOUT(uring::abi::region_desc, size, 8);
RAWURING_LAYOUT(uring::abi::region_desc, flags, 16);
RAWURING_LAYOUT(uring::abi::region_desc, id, 20);
RAWURING_LAYOUT(uring::abi::region_desc, mmap_offset, 24);
RAWURING_LAYOUT(uring::abi::region_desc, resv, 32);

RAWURING_SIZE(uring::abi::mem_region_reg, 32);
RAWURING_LAYOUT(uring::abi::mem_region_reg, region_uptr, 0);
RAWURING_LAYOUT(uring::abi::mem_region_reg, flags, 8);

RAWURING_SIZE(uring::abi::reg_wait, 64);
RAWURING_LAYOUT(uring::abi::reg_wait, ts, 0);
RAWURING_LAYOUT(uring::abi::reg_wait, min_wait_usec, 16);
RAWURING_LAYOUT(uring::abi::reg_wait, flags, 20);
RAWURING_LAYOUT(uring::abi::reg_wait, sigmask, 24);
RAWURING_LAYOUT(uring::abi::reg_wait, sigmask_sz, 32);
RAWURING_LAYOUT(uring::abi::reg_wait, pad, 36);
RAWURING_LAYOUT(uring::abi::reg_wait, pad2, 48);
RAWURING_LAYOUT(uring::abi::mem_region_reg, resv, 16);

RAWURING_SIZE(uring::abi::sync_cancel_reg, 64);
RAWURING_LAYOUT(uring::abi::sync_cancel_reg, addr, 0);
RAWURING_LAYOUT(uring::abi::sync_cancel_reg, fd, 8);
RAWURING_LAYOUT(uring::abi::sync_cancel_reg, flags, 12);
RAWURING_LAYOUT(uring::abi::sync_cancel_reg, timeout_sec, 16);
RAWURING_LAYOUT(uring::abi::sync_cancel_reg, timeout_nsec, 24);
RAWURING_LAYOUT(uring::abi::sync_cancel_reg, opcode, 32);
RAWURING_LAYOUT(uring::abi::sync_cancel_reg, pad, 33);
RAWURING_LAYOUT(uring::abi::sync_cancel_reg, pad2, 40);

#undef RAWURING_LAYOUT
#undef RAWURING_SIZE
