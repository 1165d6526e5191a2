// Sockets: accept (plain, into a direct slot, multishot), connect, bind, listen, send and recv in
// all their forms (to an address, zero-copy, from registered buffers, bundles, multishot), the
// msghdr forms, shutdown and socket creation (plain or into a direct slot).
#pragma once

#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "base.hpp"

namespace uring {

// IORING_OP_ACCEPT: accept4(2); the peer address goes to addr/addrlen (may be null), flags are
// accept4's SOCK_* flags. addrlen's address travels in off.
inline void prep_accept(io_uring_sqe& sqe, int fd, sockaddr* addr, socklen_t* addrlen,
                        int flags) noexcept {
  prep_rw(sqe, IORING_OP_ACCEPT, fd, detail::addr_of(addr), 0, detail::addr_of(addrlen));
  sqe.accept_flags = static_cast<std::uint32_t>(flags);
}
RAWURING_FIXED_FILE_FORM(prep_accept)

// prep_accept into direct slot file_index (IORING_FILE_INDEX_ALLOC: any free one, returned in
// res) instead of a normal fd. The kernel refuses SOCK_CLOEXEC here (-EINVAL).
inline void prep_accept_direct(io_uring_sqe& sqe, int fd, sockaddr* addr, socklen_t* addrlen,
                               int flags, unsigned file_index) noexcept {
  prep_accept(sqe, fd, addr, addrlen, flags);
  sqe.file_index = detail::target_slot(file_index);
}
inline void prep_accept_direct(io_uring_sqe& sqe, int fd, sockaddr* addr, socklen_t* addrlen,
                               int flags, DirectSlot slot) noexcept {
  prep_accept_direct(sqe, fd, addr, addrlen, flags, slot.file_index());
}
RAWURING_FIXED_FILE_FORM(prep_accept_direct)

// IORING_OP_ACCEPT, multishot (IORING_ACCEPT_MULTISHOT in ioprio, 5.19): a CQE with
// IORING_CQE_F_MORE per connection until cancelled or failed.
inline void prep_multishot_accept(io_uring_sqe& sqe, int fd, sockaddr* addr, socklen_t* addrlen,
                                  int flags) noexcept {
  prep_accept(sqe, fd, addr, addrlen, flags);
  sqe.ioprio |= IORING_ACCEPT_MULTISHOT;
}
RAWURING_FIXED_FILE_FORM(prep_multishot_accept)

// Multishot accept where each connection gets a free direct slot (always allocated).
inline void prep_multishot_accept_direct(io_uring_sqe& sqe, int fd, sockaddr* addr,
                                         socklen_t* addrlen, int flags) noexcept {
  prep_multishot_accept(sqe, fd, addr, addrlen, flags);
  sqe.file_index = IORING_FILE_INDEX_ALLOC;
}
RAWURING_FIXED_FILE_FORM(prep_multishot_accept_direct)

// IORING_OP_CONNECT: connect(2); addrlen travels in off.
inline void prep_connect(io_uring_sqe& sqe, int fd, const sockaddr* addr,
                         socklen_t addrlen) noexcept {
  prep_rw(sqe, IORING_OP_CONNECT, fd, detail::addr_of(addr), 0, addrlen);
}
RAWURING_FIXED_FILE_FORM(prep_connect)

// IORING_OP_BIND (6.11): bind(2), same layout as connect.
inline void prep_bind(io_uring_sqe& sqe, int fd, const sockaddr* addr, socklen_t addrlen) noexcept {
  prep_rw(sqe, IORING_OP_BIND, fd, detail::addr_of(addr), 0, addrlen);
}
RAWURING_FIXED_FILE_FORM(prep_bind)

// IORING_OP_LISTEN (6.11): listen(2), backlog in len.
constexpr void prep_listen(io_uring_sqe& sqe, int fd, int backlog) noexcept {
  prep_rw(sqe, IORING_OP_LISTEN, fd, 0, static_cast<std::uint32_t>(backlog), 0);
}
RAWURING_FIXED_FILE_FORM(prep_listen)

// IORING_OP_SEND: send(2); MSG_* flags in msg_flags, len truncated to 32 bits.
inline void prep_send(io_uring_sqe& sqe, int sockfd, const void* buf, std::size_t len,
                      int flags) noexcept {
  prep_rw(sqe, IORING_OP_SEND, sockfd, detail::addr_of(buf), static_cast<std::uint32_t>(len), 0);
  sqe.msg_flags = static_cast<std::uint32_t>(flags);
}
RAWURING_FIXED_FILE_FORM(prep_send)

// IORING_OP_SEND of a bundle (6.10): as many buffers of the group in buf_group as len allows;
// set the group with IOSQE_BUFFER_SELECT and sqe.buf_group afterwards.
constexpr void prep_send_bundle(io_uring_sqe& sqe, int sockfd, std::size_t len,
                                int flags) noexcept {
  prep_rw(sqe, IORING_OP_SEND, sockfd, 0, static_cast<std::uint32_t>(len), 0);
  sqe.msg_flags = static_cast<std::uint32_t>(flags);
  sqe.ioprio |= IORING_RECVSEND_BUNDLE;
}
RAWURING_FIXED_FILE_FORM(prep_send_bundle)

// Not a prep of its own: adds a destination address (addr2 and addr_len) to a prepared SEND or
// SEND_ZC, as sendto(2) takes one. Leaves every other field as it is.
inline void prep_send_set_addr(io_uring_sqe& sqe, const sockaddr* dest_addr,
                               std::uint16_t addr_len) noexcept {
  sqe.addr2 = detail::addr_of(dest_addr);
  sqe.addr_len = addr_len;
}

// IORING_OP_SEND to an address: sendto(2) (6.0 for the address).
inline void prep_sendto(io_uring_sqe& sqe, int sockfd, const void* buf, std::size_t len, int flags,
                        const sockaddr* addr, socklen_t addrlen) noexcept {
  prep_send(sqe, sockfd, buf, len, flags);
  prep_send_set_addr(sqe, addr, static_cast<std::uint16_t>(addrlen));
}
RAWURING_FIXED_FILE_FORM(prep_sendto)

// IORING_OP_SEND_ZC (6.0): zero-copy send; IORING_SEND_ZC_* / IORING_RECVSEND_* flags in ioprio.
// Two CQEs: the result (IORING_CQE_F_MORE), then the notification that buf may be reused.
inline void prep_send_zc(io_uring_sqe& sqe, int sockfd, const void* buf, std::size_t len, int flags,
                         unsigned zc_flags) noexcept {
  prep_rw(sqe, IORING_OP_SEND_ZC, sockfd, detail::addr_of(buf), static_cast<std::uint32_t>(len), 0);
  sqe.msg_flags = static_cast<std::uint32_t>(flags);
  sqe.ioprio = static_cast<std::uint16_t>(zc_flags);
}
RAWURING_FIXED_FILE_FORM(prep_send_zc)

// prep_send_zc from registered buffer buf_index (IORING_RECVSEND_FIXED_BUF).
inline void prep_send_zc_fixed(io_uring_sqe& sqe, int sockfd, const void* buf, std::size_t len,
                               int flags, unsigned zc_flags, unsigned buf_index) noexcept {
  prep_send_zc(sqe, sockfd, buf, len, flags, zc_flags);
  sqe.ioprio |= IORING_RECVSEND_FIXED_BUF;
  sqe.buf_index = static_cast<std::uint16_t>(buf_index);
}
RAWURING_FIXED_FILE_FORM(prep_send_zc_fixed)

// IORING_OP_SENDMSG: sendmsg(2); len is 1 (one msghdr).
inline void prep_sendmsg(io_uring_sqe& sqe, int fd, const msghdr* msg, unsigned flags) noexcept {
  prep_rw(sqe, IORING_OP_SENDMSG, fd, detail::addr_of(msg), 1, 0);
  sqe.msg_flags = flags;
}
RAWURING_FIXED_FILE_FORM(prep_sendmsg)

// IORING_OP_SENDMSG_ZC (6.1): zero-copy sendmsg, two CQEs as prep_send_zc.
inline void prep_sendmsg_zc(io_uring_sqe& sqe, int fd, const msghdr* msg, unsigned flags) noexcept {
  prep_sendmsg(sqe, fd, msg, flags);
  sqe.opcode = IORING_OP_SENDMSG_ZC;
}
RAWURING_FIXED_FILE_FORM(prep_sendmsg_zc)

// prep_sendmsg_zc whose iovecs lie in registered buffer buf_index (6.15).
inline void prep_sendmsg_zc_fixed(io_uring_sqe& sqe, int fd, const msghdr* msg, unsigned flags,
                                  unsigned buf_index) noexcept {
  prep_sendmsg_zc(sqe, fd, msg, flags);
  sqe.ioprio |= IORING_RECVSEND_FIXED_BUF;
  sqe.buf_index = static_cast<std::uint16_t>(buf_index);
}
RAWURING_FIXED_FILE_FORM(prep_sendmsg_zc_fixed)

// IORING_OP_RECV: recv(2). With IOSQE_BUFFER_SELECT and buf_group, buf may be null.
inline void prep_recv(io_uring_sqe& sqe, int sockfd, void* buf, std::size_t len,
                      int flags) noexcept {
  prep_rw(sqe, IORING_OP_RECV, sockfd, detail::addr_of(buf), static_cast<std::uint32_t>(len), 0);
  sqe.msg_flags = static_cast<std::uint32_t>(flags);
}
RAWURING_FIXED_FILE_FORM(prep_recv)

// Multishot recv (IORING_RECV_MULTISHOT, 6.0): a CQE per receive, each into a provided buffer
// (needs IOSQE_BUFFER_SELECT and buf_group), until cancelled, EOF or out of buffers.
inline void prep_recv_multishot(io_uring_sqe& sqe, int sockfd, void* buf, std::size_t len,
                                int flags) noexcept {
  prep_recv(sqe, sockfd, buf, len, flags);
  sqe.ioprio |= IORING_RECV_MULTISHOT;
}
RAWURING_FIXED_FILE_FORM(prep_recv_multishot)

// IORING_OP_RECVMSG: recvmsg(2); len is 1.
inline void prep_recvmsg(io_uring_sqe& sqe, int fd, msghdr* msg, unsigned flags) noexcept {
  prep_rw(sqe, IORING_OP_RECVMSG, fd, detail::addr_of(msg), 1, 0);
  sqe.msg_flags = flags;
}
RAWURING_FIXED_FILE_FORM(prep_recvmsg)

// Multishot recvmsg (6.0): each provided buffer starts with an io_uring_recvmsg_out header.
inline void prep_recvmsg_multishot(io_uring_sqe& sqe, int fd, msghdr* msg,
                                   unsigned flags) noexcept {
  prep_recvmsg(sqe, fd, msg, flags);
  sqe.ioprio |= IORING_RECV_MULTISHOT;
}
RAWURING_FIXED_FILE_FORM(prep_recvmsg_multishot)

// ---- reading a multishot recvmsg buffer (liburing's io_uring_recvmsg_*) ------------------------
// Each buffer a multishot RECVMSG fills (6.0, io_uring/net.c io_recvmsg_multishot) is laid out
// from its start as: an io_uring_recvmsg_out header (16 bytes), msgh->msg_namelen bytes reserved
// for the source address, msgh->msg_controllen bytes reserved for control messages, then the
// payload. The reserved sizes are the msghdr given to the prep, not what arrived: the header says
// what arrived (namelen: the address's full length, which may exceed the room; controllen: the
// control bytes written; payloadlen: the datagram's full length, which may exceed what was copied;
// flags: recvmsg's MSG_* flags, MSG_TRUNC / MSG_CTRUNC among them). The CQE's res is the bytes of
// the buffer used: 16 + msg_namelen + msg_controllen + the payload bytes copied. `msgh` below is
// always the msghdr the request was prepared with. Pure pointer arithmetic: no system call.

// `buf` as the header when buf_len bytes (a CQE's res) hold at least the header and the reserved
// name and control room; nullptr otherwise, also for a negative buf_len (the sums are checked one
// by one, so huge reserved sizes cannot wrap).
inline io_uring_recvmsg_out* recvmsg_validate(void* buf, int buf_len, const msghdr* msgh) noexcept {
  if (buf_len < 0) return nullptr;
  const std::size_t len = static_cast<unsigned>(buf_len);
  const std::size_t header = sizeof(io_uring_recvmsg_out);
  if (len < header) return nullptr;
  if (msgh->msg_namelen > len - header) return nullptr;
  if (msgh->msg_controllen > len - header - msgh->msg_namelen) return nullptr;
  return static_cast<io_uring_recvmsg_out*>(buf);
}
// The source address: right after the header (min(o->namelen, msg_namelen) bytes of it are valid).
inline void* recvmsg_name(io_uring_recvmsg_out* o) noexcept { return o + 1; }
// The first control message, or nullptr when fewer control bytes than one cmsghdr arrived.
inline cmsghdr* recvmsg_cmsg_firsthdr(io_uring_recvmsg_out* o, const msghdr* msgh) noexcept {
  if (o->controllen < sizeof(cmsghdr)) return nullptr;
  return reinterpret_cast<cmsghdr*>(static_cast<unsigned char*>(recvmsg_name(o)) +
                                    msgh->msg_namelen);
}
// The control message after `cmsg`, or nullptr when `cmsg` is malformed (cmsg_len shorter than a
// header) or the next one, header or body, would reach past the o->controllen bytes that arrived.
// The control room starts right after the name room, so with a name room that is not a multiple
// of 8 (sockaddr_in6: 28) the kernel writes the cmsghdrs unaligned: their lengths are read here
// byte-wise, never through a misaligned cmsghdr.
inline cmsghdr* recvmsg_cmsg_nexthdr(io_uring_recvmsg_out* o, const msghdr* msgh,
                                     cmsghdr* cmsg) noexcept {
  const auto cmsg_len_at = [](const unsigned char* p) noexcept {
    decltype(cmsghdr::cmsg_len) len;
    std::memcpy(&len, p + offsetof(cmsghdr, cmsg_len), sizeof len);
    return len;
  };
  auto* here = reinterpret_cast<unsigned char*>(cmsg);
  const auto len = cmsg_len_at(here);
  if (len < sizeof(cmsghdr)) return nullptr;
  const unsigned char* end =
      reinterpret_cast<unsigned char*>(recvmsg_cmsg_firsthdr(o, msgh)) + o->controllen;
  unsigned char* next = here + CMSG_ALIGN(len);
  if (next + sizeof(cmsghdr) > end) return nullptr;
  if (next + CMSG_ALIGN(cmsg_len_at(next)) > end) return nullptr;
  return reinterpret_cast<cmsghdr*>(next);
}
// The payload: after the reserved name and control room.
inline void* recvmsg_payload(io_uring_recvmsg_out* o, const msghdr* msgh) noexcept {
  return static_cast<unsigned char*>(recvmsg_name(o)) + msgh->msg_namelen + msgh->msg_controllen;
}
// The payload bytes in the buffer: from recvmsg_payload to o + buf_len (buf_len: the CQE's res).
// 0 for a negative buf_len. o->payloadlen is larger when the datagram did not fit (MSG_TRUNC).
inline unsigned recvmsg_payload_length(io_uring_recvmsg_out* o, int buf_len,
                                       const msghdr* msgh) noexcept {
  if (buf_len < 0) return 0;
  const auto start = reinterpret_cast<std::uintptr_t>(recvmsg_payload(o, msgh));
  const auto end = reinterpret_cast<std::uintptr_t>(o) + static_cast<unsigned>(buf_len);
  return static_cast<unsigned>(end - start);
}

// IORING_OP_RECV_ZC (6.15): zero-copy receive into the area of registered interface queue
// zcrx_ifq_idx; always multishot (the kernel requires IORING_RECV_MULTISHOT). liburing has no
// helper for it (its tests encode it the same way); len 0 means no limit.
constexpr void prep_recv_zc(io_uring_sqe& sqe, int fd, unsigned len,
                            unsigned zcrx_ifq_idx) noexcept {
  prep_rw(sqe, IORING_OP_RECV_ZC, fd, 0, len, 0);
  abi::set_zcrx_ifq_idx(sqe, zcrx_ifq_idx);
  sqe.ioprio = IORING_RECV_MULTISHOT;
}
RAWURING_FIXED_FILE_FORM(prep_recv_zc)

// IORING_OP_SHUTDOWN: shutdown(2), how in len.
constexpr void prep_shutdown(io_uring_sqe& sqe, int fd, int how) noexcept {
  prep_rw(sqe, IORING_OP_SHUTDOWN, fd, 0, static_cast<std::uint32_t>(how), 0);
}
RAWURING_FIXED_FILE_FORM(prep_shutdown)

// IORING_OP_SOCKET (5.19): socket(2); domain in fd, protocol in len, type (with SOCK_* flags) in
// off. flags (rw_flags) must be 0 today.
constexpr void prep_socket(io_uring_sqe& sqe, int domain, int type, int protocol,
                           unsigned flags) noexcept {
  prep_rw(sqe, IORING_OP_SOCKET, domain, 0, static_cast<std::uint32_t>(protocol),
          static_cast<std::uint64_t>(static_cast<std::int64_t>(type)));
  sqe.rw_flags = flags;
}

// prep_socket into direct slot file_index (IORING_FILE_INDEX_ALLOC: any free one).
constexpr void prep_socket_direct(io_uring_sqe& sqe, int domain, int type, int protocol,
                                  unsigned file_index, unsigned flags) noexcept {
  prep_socket(sqe, domain, type, protocol, flags);
  sqe.file_index = detail::target_slot(file_index);
}
constexpr void prep_socket_direct(io_uring_sqe& sqe, int domain, int type, int protocol,
                                  DirectSlot slot, unsigned flags) noexcept {
  prep_socket_direct(sqe, domain, type, protocol, slot.file_index(), flags);
}

// prep_socket into a free direct slot, returned in res.
constexpr void prep_socket_direct_alloc(io_uring_sqe& sqe, int domain, int type, int protocol,
                                        unsigned flags) noexcept {
  prep_socket(sqe, domain, type, protocol, flags);
  sqe.file_index = IORING_FILE_INDEX_ALLOC;
}

}  // namespace uring
