// liburing's prep functions behind one plain signature, compiled in their own translation unit
// (liburing_side.cpp) so that liburing.h and its copy of the io_uring UAPI header never meet
// rawuring's headers. Each case runs one io_uring_prep_* on a 64-byte SQE with arguments taken
// from args[] (cast to the parameter types in the same way as the rawuring side does).
#pragma once

#include <cstddef>
#include <cstdint>

namespace lu {

using Prep = void (*)(void* sqe, const std::uint64_t* args);

struct Case {
  const char* name;  // liburing's name without io_uring_prep_
  Prep prep;
};

// Every prep the installed liburing has, in liburing.h's order.
const Case* cases(std::size_t& count);
// The liburing version the side was built against ("2.3").
const char* version();

// liburing's io_uring_recvmsg_* readers over `buf`, for a msghdr reserving namelen / controllen:
// out[] = validate, name, cmsg_firsthdr, cmsg_nexthdr(first), payload (byte offsets from buf, -1
// for NULL) and payload_length.
void recvmsg_readers(void* buf, int buf_len, unsigned namelen, std::size_t controllen, long out[6]);

}  // namespace lu
