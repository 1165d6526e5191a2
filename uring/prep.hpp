// SQE preparation: one free function per request, named after liburing's io_uring_prep_* without
// the prefix, taking the SQE first and then liburing's parameters in liburing's order. Grouped by
// family in uring/prep/; this header includes them all.
//
// Every prep function writes all 64 bytes of the SQE except user_data, which belongs to the caller:
// a recycled slot never carries stale fields into the next request. The encodings are liburing's,
// byte for byte (tests/unit/liburing_diff_test.cpp compares every prep liburing 2.3 has,
// tests/unit/prep_test.cpp pins the newer ones). Functions without pointer parameters are
// constexpr, so encodings can be checked at compile time. None allocates or enters the kernel.
//
// Files: every prep whose first argument is the file it operates on also takes a FixedFile
// (uring/fixed_file.hpp) there, which sets IOSQE_FIXED_FILE; splice/tee take one at either end;
// cancel_fd names it with IORING_ASYNC_CANCEL_FD_FIXED. The *_direct preps take the slot they
// create a descriptor in as a DirectSlot (DirectSlot::alloc() for any free one) besides
// liburing's `unsigned file_index`.
//
// Threading: pure functions on an SQE the caller holds (from get_sqe: the submitting thread's).
// Lifetime: data buffers a request reads or writes must stay valid until its CQE. What the SQE
// points at besides data (iovec arrays, msghdr, timespec, open_how, paths) the kernel copies when
// it prepares the request at submission (IORING_FEAT_SUBMIT_STABLE, 5.5), with one exception in
// this library's API: FILES_UPDATE reads its fd array when the op runs (files_update.hpp).
#pragma once

#include "prep/base.hpp"
#include "prep/buffers.hpp"
#include "prep/cancel.hpp"
#include "prep/cmd.hpp"
#include "prep/files.hpp"
#include "prep/fs.hpp"
#include "prep/futex.hpp"
#include "prep/misc.hpp"
#include "prep/msg_ring.hpp"
#include "prep/net.hpp"
#include "prep/pipe.hpp"
#include "prep/poll.hpp"
#include "prep/rw.hpp"
#include "prep/timeout.hpp"
#include "prep/xattr.hpp"
